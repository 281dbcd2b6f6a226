/* The mappings of one MAP/UNMAP domain: non-overlapping inclusive IOVA
 * ranges in an ordered structure with O(log n) insert, remove and lookup. */
#ifndef IREF_MAPTREE_H
#define IREF_MAPTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iommu-ref/error.h"

struct iref_mapping {
	uint64_t virt_start; /* inclusive */
	uint64_t virt_end;   /* inclusive, >= virt_start */
	uint64_t phys_start;
	uint32_t flags;      /* opaque to the tree (virtio MAP flags) */
};

struct iref_maptree;

struct iref_maptree *iref_maptree_create(void);
void iref_maptree_destroy(struct iref_maptree *t);

/* Insert m. IREF_E_EXIST if any byte of [virt_start, virt_end] is already
 * mapped; IREF_E_INVAL if virt_end < virt_start; IREF_E_NOMEM on allocation
 * failure or past the cap of iref_maptree_set_max_bytes(). Nothing changes
 * on error. */
enum iref_rc iref_maptree_insert(struct iref_maptree *t,
				 const struct iref_mapping *m);

/* The mapping that contains addr, copied to *out; false if none. Allocates
 * nothing and writes nothing in the tree, so lookups may run concurrently
 * while no one modifies it. */
bool iref_maptree_lookup(const struct iref_maptree *t, uint64_t addr,
			 struct iref_mapping *out);

/* True if some mapping intersects [start, end] (false if end < start). */
bool iref_maptree_intersects(const struct iref_maptree *t, uint64_t start,
			     uint64_t end);

/* Remove every mapping lying entirely inside [start, end]. If some mapping
 * intersects the range without lying inside it, remove nothing and return
 * IREF_E_RANGE; IREF_E_INVAL if end < start. *removed (may be NULL)
 * receives the number removed. Never allocates. */
enum iref_rc iref_maptree_unmap(struct iref_maptree *t, uint64_t start,
				uint64_t end, size_t *removed);

size_t iref_maptree_count(const struct iref_maptree *t);
/* Remove every mapping and release all node memory. */
void iref_maptree_clear(struct iref_maptree *t);
/* Bytes of heap the structure holds (for the memory-per-mapping figure),
 * including freed nodes kept for reuse. Those are only released when the
 * tree becomes empty. */
size_t iref_maptree_bytes(const struct iref_maptree *t);
/* Cap iref_maptree_bytes(): an insert that would need memory past max fails
 * with IREF_E_NOMEM instead. Memory grows in slabs of up to a few hundred
 * KiB, so the cap is reached in steps. 0 (the default) means no cap. */
void iref_maptree_set_max_bytes(struct iref_maptree *t, size_t max);

/* Visit mappings in increasing address order; stop early when fn returns
 * false. The tree must not be modified during the walk. */
void iref_maptree_foreach(const struct iref_maptree *t,
			  bool (*fn)(void *ctx, const struct iref_mapping *m),
			  void *ctx);

/* Debug aid for tests: true if the internal invariants hold. O(n). */
bool iref_maptree_check(const struct iref_maptree *t);

#endif
