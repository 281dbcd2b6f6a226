/* A map from 32-bit IDs (endpoints, domains) to pointers: open addressing
 * with linear probing and backward-shift deletion, so lookups are O(1) and
 * need no tombstones. Private to the model. */
#ifndef IREF_MODEL_IDMAP_H
#define IREF_MODEL_IDMAP_H

#include <stddef.h>
#include <stdint.h>

#include "iommu-ref/error.h"

struct idmap_slot {
	uint32_t key;
	void *val; /* NULL marks an empty slot */
};

struct idmap {
	struct idmap_slot *slots;
	size_t cap; /* power of two, or 0 before the first insert */
	size_t count;
};

void idmap_init(struct idmap *m);
void idmap_free(struct idmap *m);
void *idmap_get(const struct idmap *m, uint32_t key);
/* Insert or replace; val must not be NULL. */
enum iref_rc idmap_put(struct idmap *m, uint32_t key, void *val);
/* Ensure one more insert cannot fail. */
enum iref_rc idmap_reserve(struct idmap *m);
void idmap_del(struct idmap *m, uint32_t key);

/* Iterate: for (size_t i = 0; (v = idmap_next(m, &i)) != NULL;) */
void *idmap_next(const struct idmap *m, size_t *pos);

#endif
