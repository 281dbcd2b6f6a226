#include "idmap.h"

#include <stdlib.h>

/* Fibonacci hashing spreads consecutive IDs (the common case) well. */
static size_t slot_of(const struct idmap *m, uint32_t key)
{
	return (size_t)((key * UINT64_C(0x9e3779b97f4a7c15)) >> 32) &
	       (m->cap - 1);
}

void idmap_init(struct idmap *m)
{
	m->slots = NULL;
	m->cap = 0;
	m->count = 0;
}

void idmap_free(struct idmap *m)
{
	free(m->slots);
	idmap_init(m);
}

void *idmap_get(const struct idmap *m, uint32_t key)
{
	if (!m->cap)
		return NULL;
	for (size_t i = slot_of(m, key);; i = (i + 1) & (m->cap - 1)) {
		const struct idmap_slot *s = &m->slots[i];
		if (!s->val)
			return NULL;
		if (s->key == key)
			return s->val;
	}
}

static void place(struct idmap *m, uint32_t key, void *val)
{
	size_t i = slot_of(m, key);
	while (m->slots[i].val && m->slots[i].key != key)
		i = (i + 1) & (m->cap - 1);
	if (!m->slots[i].val)
		m->count++;
	m->slots[i].key = key;
	m->slots[i].val = val;
}

enum iref_rc idmap_reserve(struct idmap *m)
{
	/* Keep the load factor at or below 1/2. */
	if ((m->count + 1) * 2 <= m->cap)
		return IREF_OK;
	size_t ncap = m->cap ? m->cap * 2 : 16;
	struct idmap_slot *ns = calloc(ncap, sizeof *ns);
	if (!ns)
		return IREF_E_NOMEM;
	struct idmap old = *m;
	m->slots = ns;
	m->cap = ncap;
	m->count = 0;
	for (size_t i = 0; i < old.cap; i++)
		if (old.slots[i].val)
			place(m, old.slots[i].key, old.slots[i].val);
	free(old.slots);
	return IREF_OK;
}

enum iref_rc idmap_put(struct idmap *m, uint32_t key, void *val)
{
	enum iref_rc rc = idmap_reserve(m);
	if (rc == IREF_OK)
		place(m, key, val);
	return rc;
}

void idmap_del(struct idmap *m, uint32_t key)
{
	if (!m->cap)
		return;
	size_t mask = m->cap - 1, i = slot_of(m, key);
	while (m->slots[i].val && m->slots[i].key != key)
		i = (i + 1) & mask;
	if (!m->slots[i].val)
		return;
	m->count--;
	/* Backward shift: pull later members of the probe run into the hole
	 * when their home slot does not lie between the hole and them. */
	for (size_t j = (i + 1) & mask;; j = (j + 1) & mask) {
		if (!m->slots[j].val)
			break;
		size_t home = slot_of(m, m->slots[j].key);
		if (((j - home) & mask) >= ((j - i) & mask)) {
			m->slots[i] = m->slots[j];
			i = j;
		}
	}
	m->slots[i].val = NULL;
}

void *idmap_next(const struct idmap *m, size_t *pos)
{
	while (*pos < m->cap) {
		void *v = m->slots[(*pos)++].val;
		if (v)
			return v;
	}
	return NULL;
}
