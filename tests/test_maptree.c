#include "testutil.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "iommu-ref/maptree.h"

#define MAX UINT64_MAX

/* Payloads derived from the start address so every lookup can check that
 * it got the right mapping back, not just a range that fits. */
static struct iref_mapping mk(uint64_t start, uint64_t end)
{
	return (struct iref_mapping){
		.virt_start = start,
		.virt_end = end,
		.phys_start = start * 0x9e3779b97f4a7c15u + 1,
		.flags = (uint32_t)(start >> 7) ^ 0xa5,
	};
}

static enum iref_rc ins(struct iref_maptree *t, uint64_t start, uint64_t end)
{
	struct iref_mapping m = mk(start, end);

	return iref_maptree_insert(t, &m);
}

static bool same(const struct iref_mapping *a, const struct iref_mapping *b)
{
	return a->virt_start == b->virt_start && a->virt_end == b->virt_end &&
	       a->phys_start == b->phys_start && a->flags == b->flags;
}

/* addr resolves to exactly the mapping [start, end]. */
static bool finds(const struct iref_maptree *t, uint64_t addr, uint64_t start,
		  uint64_t end)
{
	struct iref_mapping got, want = mk(start, end);

	return iref_maptree_lookup(t, addr, &got) && same(&got, &want);
}

static bool misses(const struct iref_maptree *t, uint64_t addr)
{
	struct iref_mapping got;

	return !iref_maptree_lookup(t, addr, &got);
}

static size_t unmap(struct iref_maptree *t, uint64_t start, uint64_t end,
		    enum iref_rc want)
{
	size_t removed = 12345;

	ck_assert_int_eq(iref_maptree_unmap(t, start, end, &removed), want);
	ck_assert(iref_maptree_check(t));
	return removed;
}

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static uint64_t rnd_below(uint64_t n)
{
	return rnd() % n;
}

START_TEST(test_empty)
{
	struct iref_maptree *t = iref_maptree_create();
	size_t empty_bytes = iref_maptree_bytes(t);

	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(iref_maptree_count(t), 0);
	ck_assert(misses(t, 0));
	ck_assert(misses(t, MAX));
	ck_assert(!iref_maptree_intersects(t, 0, MAX));
	ck_assert_uint_eq(unmap(t, 0, 4, IREF_OK), 0);
	ck_assert_uint_eq(unmap(t, 0, MAX, IREF_OK), 0);
	ck_assert(iref_maptree_check(t));
	ck_assert_uint_gt(empty_bytes, 0);
	ck_assert_uint_lt(empty_bytes, 1024);
	iref_maptree_destroy(t);
	iref_maptree_destroy(NULL);
}
END_TEST

START_TEST(test_invalid)
{
	struct iref_maptree *t = iref_maptree_create();
	size_t removed = 7;

	ck_assert_int_eq(ins(t, 10, 9), IREF_E_INVAL);
	ck_assert_int_eq(ins(t, MAX, 0), IREF_E_INVAL);
	ck_assert_uint_eq(iref_maptree_count(t), 0);
	ck_assert_int_eq(ins(t, 0, 100), IREF_OK);
	ck_assert_int_eq(iref_maptree_unmap(t, 100, 0, &removed),
			 IREF_E_INVAL);
	ck_assert_uint_eq(removed, 0);
	ck_assert_uint_eq(iref_maptree_count(t), 1);
	ck_assert(!iref_maptree_intersects(t, 50, 40));
	iref_maptree_destroy(t);
}
END_TEST

START_TEST(test_extremes)
{
	struct iref_maptree *t = iref_maptree_create();

	ck_assert_int_eq(ins(t, 0, 0), IREF_OK);
	ck_assert_int_eq(ins(t, MAX, MAX), IREF_OK);
	ck_assert(finds(t, 0, 0, 0));
	ck_assert(finds(t, MAX, MAX, MAX));
	ck_assert(misses(t, 1));
	ck_assert(misses(t, MAX - 1));
	ck_assert_int_eq(ins(t, 0, 0), IREF_E_EXIST);
	ck_assert_int_eq(ins(t, MAX, MAX), IREF_E_EXIST);
	ck_assert_int_eq(ins(t, MAX - 10, MAX), IREF_E_EXIST);
	ck_assert_int_eq(ins(t, 1, MAX - 1), IREF_OK);
	ck_assert(finds(t, 1, 1, MAX - 1));
	ck_assert(finds(t, MAX - 1, 1, MAX - 1));
	ck_assert(finds(t, MAX, MAX, MAX));
	ck_assert_uint_eq(iref_maptree_count(t), 3);
	ck_assert_uint_eq(unmap(t, MAX, MAX, IREF_OK), 1);
	ck_assert(misses(t, MAX));
	ck_assert_uint_eq(unmap(t, 0, 0, IREF_OK), 1);
	ck_assert(misses(t, 0));
	ck_assert_uint_eq(unmap(t, 0, MAX, IREF_OK), 1);
	ck_assert_uint_eq(iref_maptree_count(t), 0);
	iref_maptree_destroy(t);
}
END_TEST

START_TEST(test_full_space)
{
	struct iref_maptree *t = iref_maptree_create();

	ck_assert_int_eq(ins(t, 0, MAX), IREF_OK);
	ck_assert(finds(t, 0, 0, MAX));
	ck_assert(finds(t, 1u << 31, 0, MAX));
	ck_assert(finds(t, MAX, 0, MAX));
	ck_assert_int_eq(ins(t, 0, 0), IREF_E_EXIST);
	ck_assert_int_eq(ins(t, MAX, MAX), IREF_E_EXIST);
	ck_assert_int_eq(ins(t, 4096, 8191), IREF_E_EXIST);
	ck_assert(iref_maptree_intersects(t, MAX, MAX));
	ck_assert_uint_eq(unmap(t, 0, MAX - 1, IREF_E_RANGE), 0);
	ck_assert_uint_eq(unmap(t, 1, MAX, IREF_E_RANGE), 0);
	ck_assert_uint_eq(iref_maptree_count(t), 1);
	ck_assert_uint_eq(unmap(t, 0, MAX, IREF_OK), 1);
	ck_assert(misses(t, 0));
	ck_assert_uint_eq(iref_maptree_count(t), 0);
	iref_maptree_destroy(t);
}
END_TEST

START_TEST(test_adjacent)
{
	struct iref_maptree *t = iref_maptree_create();

	ck_assert_int_eq(ins(t, 5, 9), IREF_OK);
	ck_assert_int_eq(ins(t, 0, 4), IREF_OK);
	ck_assert_int_eq(ins(t, 10, 10), IREF_OK);
	ck_assert(finds(t, 4, 0, 4));
	ck_assert(finds(t, 5, 5, 9));
	ck_assert(finds(t, 9, 5, 9));
	ck_assert(finds(t, 10, 10, 10));
	ck_assert(misses(t, 11));
	ck_assert(iref_maptree_intersects(t, 10, 20));
	ck_assert(!iref_maptree_intersects(t, 11, 20));
	iref_maptree_destroy(t);
}
END_TEST

START_TEST(test_overlap_by_one)
{
	struct iref_maptree *t = iref_maptree_create();

	ck_assert_int_eq(ins(t, 100, 199), IREF_OK);
	ck_assert_int_eq(ins(t, 50, 100), IREF_E_EXIST);
	ck_assert_int_eq(ins(t, 199, 300), IREF_E_EXIST);
	ck_assert_int_eq(ins(t, 150, 150), IREF_E_EXIST);
	ck_assert_int_eq(ins(t, 0, MAX), IREF_E_EXIST);
	ck_assert_int_eq(ins(t, 100, 199), IREF_E_EXIST);
	ck_assert_uint_eq(iref_maptree_count(t), 1);
	ck_assert(misses(t, 50));
	ck_assert(misses(t, 300));
	ck_assert_int_eq(ins(t, 50, 99), IREF_OK);
	ck_assert_int_eq(ins(t, 200, 300), IREF_OK);
	ck_assert(finds(t, 99, 50, 99));
	ck_assert(finds(t, 200, 200, 300));
	ck_assert(finds(t, 150, 100, 199));
	iref_maptree_destroy(t);
}
END_TEST

/* Enough mappings for several levels: overlaps are caught whichever leaf
 * the neighbour lives in. */
START_TEST(test_overlap_many)
{
	struct iref_maptree *t = iref_maptree_create();
	const uint64_t n = 20000;

	for (uint64_t i = 0; i < n; i++)
		ck_assert_int_eq(ins(t, 10 * i, 10 * i + 4), IREF_OK);
	ck_assert(iref_maptree_check(t));
	for (uint64_t i = 1; i < n; i++) {
		ck_assert_int_eq(ins(t, 10 * i - 5, 10 * i), IREF_E_EXIST);
		ck_assert_int_eq(ins(t, 10 * i + 4, 10 * i + 5), IREF_E_EXIST);
		ck_assert_int_eq(ins(t, 10 * i - 6, 10 * i + 6), IREF_E_EXIST);
	}
	ck_assert_uint_eq(iref_maptree_count(t), n);
	for (uint64_t i = 0; i < n; i++) {
		ck_assert(finds(t, 10 * i + 2, 10 * i, 10 * i + 4));
		ck_assert(misses(t, 10 * i + 7));
		ck_assert(iref_maptree_intersects(t, 10 * i + 4, 10 * i + 5));
		ck_assert(!iref_maptree_intersects(t, 10 * i + 5,
						   10 * i + 9));
	}
	for (uint64_t i = 0; i < n; i++)
		ck_assert_int_eq(ins(t, 10 * i + 5, 10 * i + 9), IREF_OK);
	ck_assert(iref_maptree_check(t));
	ck_assert_uint_eq(iref_maptree_count(t), 2 * n);
	iref_maptree_destroy(t);
}
END_TEST

START_TEST(test_unmap_examples)
{
	struct iref_maptree *t = iref_maptree_create();

	ck_assert_uint_eq(unmap(t, 0, 4, IREF_OK), 0);

	ck_assert_int_eq(ins(t, 0, 9), IREF_OK);
	ck_assert_uint_eq(unmap(t, 0, 4, IREF_E_RANGE), 0);
	ck_assert_uint_eq(unmap(t, 5, 9, IREF_E_RANGE), 0);
	ck_assert_uint_eq(unmap(t, 3, 4, IREF_E_RANGE), 0);
	ck_assert(finds(t, 0, 0, 9));
	iref_maptree_clear(t);

	ck_assert_int_eq(ins(t, 0, 4), IREF_OK);
	ck_assert_int_eq(ins(t, 5, 9), IREF_OK);
	ck_assert_uint_eq(unmap(t, 0, 4, IREF_OK), 1);
	ck_assert(misses(t, 0));
	ck_assert(finds(t, 5, 5, 9));
	iref_maptree_clear(t);

	ck_assert_int_eq(ins(t, 0, 4), IREF_OK);
	ck_assert_int_eq(ins(t, 10, 14), IREF_OK);
	ck_assert_uint_eq(unmap(t, 0, 14, IREF_OK), 2);
	ck_assert_uint_eq(iref_maptree_count(t), 0);

	/* [0,4] lies inside, [10,19] is split: nothing goes. */
	ck_assert_int_eq(ins(t, 0, 4), IREF_OK);
	ck_assert_int_eq(ins(t, 10, 19), IREF_OK);
	ck_assert_uint_eq(unmap(t, 0, 14, IREF_E_RANGE), 0);
	ck_assert(finds(t, 0, 0, 4));
	ck_assert(finds(t, 19, 10, 19));
	/* The same with the split mapping first. */
	ck_assert_uint_eq(unmap(t, 2, 19, IREF_E_RANGE), 0);
	ck_assert(finds(t, 0, 0, 4));
	ck_assert(finds(t, 10, 10, 19));
	ck_assert_uint_eq(iref_maptree_count(t), 2);

	/* Gaps on both sides are fine. */
	ck_assert_uint_eq(unmap(t, 5, 9, IREF_OK), 0);
	ck_assert_uint_eq(unmap(t, 5, 25, IREF_OK), 1);
	ck_assert(finds(t, 4, 0, 4));
	ck_assert(misses(t, 10));
	iref_maptree_destroy(t);
}
END_TEST

/* Multi-leaf unmaps, refused ones changing nothing, and an emptied tree
 * giving its memory back. */
START_TEST(test_unmap_bulk)
{
	struct iref_maptree *t = iref_maptree_create();
	size_t empty_bytes = iref_maptree_bytes(t);
	const uint64_t n = 100000, pg = 4096;

	for (uint64_t i = 0; i < n; i++)
		ck_assert_int_eq(ins(t, i * pg, i * pg + pg - 1), IREF_OK);
	ck_assert(iref_maptree_check(t));
	ck_assert_uint_eq(unmap(t, 1000 * pg, 60000 * pg, IREF_E_RANGE), 0);
	ck_assert_uint_eq(unmap(t, 1000 * pg + 1, 60000 * pg - 1,
				IREF_E_RANGE), 0);
	ck_assert_uint_eq(iref_maptree_count(t), n);
	ck_assert_uint_eq(unmap(t, 1000 * pg, 60000 * pg - 1, IREF_OK), 59000);
	ck_assert_uint_eq(iref_maptree_count(t), n - 59000);
	ck_assert(finds(t, 999 * pg, 999 * pg, 999 * pg + pg - 1));
	ck_assert(misses(t, 1000 * pg));
	ck_assert(misses(t, 60000 * pg - 1));
	ck_assert(finds(t, 60000 * pg, 60000 * pg, 60000 * pg + pg - 1));
	/* Every other page of the rest, each on its own. */
	for (uint64_t i = 60000; i < n; i += 2)
		ck_assert_uint_eq(unmap(t, i * pg, i * pg + pg - 1, IREF_OK),
				  1);
	ck_assert_uint_eq(iref_maptree_count(t), 1000 + 20000);
	/* A range reaching the top of the space, then the rest. */
	ck_assert_uint_eq(unmap(t, 500 * pg, MAX, IREF_OK), 500 + 20000);
	ck_assert(finds(t, 499 * pg, 499 * pg, 499 * pg + pg - 1));
	ck_assert_uint_eq(unmap(t, 0, MAX, IREF_OK), 500);
	ck_assert_uint_eq(iref_maptree_count(t), 0);
	ck_assert_uint_eq(iref_maptree_bytes(t), empty_bytes);
	ck_assert_int_eq(ins(t, 0, 0), IREF_OK);
	ck_assert(finds(t, 0, 0, 0));
	iref_maptree_destroy(t);
}
END_TEST

/* Unmaps of page runs of all lengths and alignments, refilled as they go,
 * so some remove whole leaves at every position under their parent. */
START_TEST(test_unmap_runs)
{
	struct iref_maptree *t = iref_maptree_create();
	const uint64_t n = 5000, pg = 4096;
	bool *present = calloc(n, sizeof(*present));
	size_t live = 0;

	ck_assert_ptr_nonnull(present);
	rng_state = 5;
	for (int it = 0; it < 10000; it++) {
		uint64_t a = rnd_below(n);
		uint64_t b = a + rnd_below(it % 2 ? 40 : 400);
		size_t want = 0;

		for (uint64_t i = a; i <= b && i < n; i++) {
			if (!present[i]) {
				ck_assert_int_eq(ins(t, i * pg, i * pg + pg - 1),
						 IREF_OK);
				present[i] = true;
				live++;
			}
		}
		a = rnd_below(n);
		b = a + rnd_below(it % 3 ? 60 : 300);
		if (b >= n)
			b = n - 1;
		for (uint64_t i = a; i <= b; i++) {
			want += present[i];
			present[i] = false;
		}
		ck_assert_uint_eq(unmap(t, a * pg, b * pg + pg - 1, IREF_OK),
				  want);
		live -= want;
		ck_assert_uint_eq(iref_maptree_count(t), live);
	}
	ck_assert_uint_gt(live, 1000);
	free(present);
	iref_maptree_destroy(t);
}
END_TEST

struct collect {
	struct iref_mapping *v;
	size_t n;
	size_t stop_after;
};

static bool collect_fn(void *ctx, const struct iref_mapping *m)
{
	struct collect *c = ctx;

	c->v[c->n++] = *m;
	return c->n != c->stop_after;
}

START_TEST(test_foreach_order)
{
	struct iref_maptree *t = iref_maptree_create();
	const size_t n = 5000;
	uint64_t *perm = malloc(n * sizeof(*perm));
	struct collect c = { malloc((n + 1) * sizeof(*c.v)), 0, 0 };

	ck_assert_ptr_nonnull(perm);
	ck_assert_ptr_nonnull(c.v);
	for (size_t i = 0; i < n; i++)
		perm[i] = i;
	rng_state = 1;
	for (size_t i = n; i > 1; i--) {
		size_t j = rnd_below(i);
		uint64_t tmp = perm[i - 1];

		perm[i - 1] = perm[j];
		perm[j] = tmp;
	}
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(ins(t, perm[i] * 100, perm[i] * 100 + 9),
				 IREF_OK);
	iref_maptree_foreach(t, collect_fn, &c);
	ck_assert_uint_eq(c.n, n);
	for (size_t i = 0; i < n; i++) {
		struct iref_mapping want = mk(i * 100, i * 100 + 9);

		ck_assert(same(&c.v[i], &want));
	}
	c = (struct collect){ c.v, 0, 17 };
	iref_maptree_foreach(t, collect_fn, &c);
	ck_assert_uint_eq(c.n, 17);
	ck_assert_uint_eq(c.v[16].virt_start, 1600);
	iref_maptree_clear(t);
	c = (struct collect){ c.v, 0, 0 };
	iref_maptree_foreach(t, collect_fn, &c);
	ck_assert_uint_eq(c.n, 0);
	free(perm);
	free(c.v);
	iref_maptree_destroy(t);
}
END_TEST

START_TEST(test_clear)
{
	struct iref_maptree *t = iref_maptree_create();
	size_t empty_bytes = iref_maptree_bytes(t);

	for (uint64_t i = 0; i < 10000; i++)
		ck_assert_int_eq(ins(t, i << 20, (i << 20) + 4095), IREF_OK);
	ck_assert_uint_eq(iref_maptree_count(t), 10000);
	ck_assert_uint_gt(iref_maptree_bytes(t), empty_bytes);
	iref_maptree_clear(t);
	ck_assert_uint_eq(iref_maptree_count(t), 0);
	ck_assert_uint_eq(iref_maptree_bytes(t), empty_bytes);
	ck_assert(iref_maptree_check(t));
	ck_assert(misses(t, 0));
	ck_assert(misses(t, 9999u << 20));
	ck_assert_int_eq(ins(t, 1u << 20, (1u << 20) + 4095), IREF_OK);
	ck_assert(finds(t, 1u << 20, 1u << 20, (1u << 20) + 4095));
	ck_assert_uint_eq(iref_maptree_count(t), 1);
	iref_maptree_destroy(t);
}
END_TEST

/* Bytes per mapping for dense ascending, descending and random inserts
 * (the budget is 96). */
START_TEST(test_memory)
{
	struct iref_maptree *t = iref_maptree_create();
	const uint64_t n = 100000, pg = 4096;

	for (uint64_t i = 0; i < n; i++)
		ck_assert_int_eq(ins(t, i * pg, i * pg + pg - 1), IREF_OK);
	ck_assert(iref_maptree_check(t));
	ck_assert_uint_le(iref_maptree_bytes(t) / n, 40);
	iref_maptree_clear(t);
	for (uint64_t i = n; i--;)
		ck_assert_int_eq(ins(t, i * pg, i * pg + pg - 1), IREF_OK);
	ck_assert(iref_maptree_check(t));
	ck_assert_uint_le(iref_maptree_bytes(t) / n, 96);
	iref_maptree_clear(t);
	rng_state = 2;
	while (iref_maptree_count(t) < n) {
		uint64_t a = rnd_below(1ull << 36) * pg;
		enum iref_rc rc = ins(t, a, a + pg - 1);

		ck_assert(rc == IREF_OK || rc == IREF_E_EXIST);
	}
	ck_assert(iref_maptree_check(t));
	ck_assert_uint_le(iref_maptree_bytes(t) / n, 96);
	iref_maptree_destroy(t);
}
END_TEST

/* A cap makes inserts fail the way allocation failure does: the failed
 * insert changes nothing, the ones that fit still work. */
START_TEST(test_nomem)
{
	struct iref_maptree *t = iref_maptree_create();
	const size_t cap = 200000;
	size_t ok = 0, nomem = 0;

	iref_maptree_set_max_bytes(t, 1);
	ck_assert_int_eq(ins(t, 0, 0), IREF_E_NOMEM);
	ck_assert_uint_eq(iref_maptree_count(t), 0);
	ck_assert(misses(t, 0));
	ck_assert(iref_maptree_check(t));

	iref_maptree_set_max_bytes(t, cap);
	rng_state = 3;
	for (int i = 0; i < 20000; i++) {
		uint64_t a = rnd_below(1u << 20) * 4096;
		struct iref_mapping before;
		bool was = iref_maptree_lookup(t, a, &before);
		size_t count = iref_maptree_count(t);
		enum iref_rc rc = ins(t, a, a + 4095);

		if (rc == IREF_OK) {
			ok++;
			ck_assert(finds(t, a, a, a + 4095));
		} else if (rc == IREF_E_NOMEM) {
			nomem++;
			ck_assert_uint_eq(iref_maptree_count(t), count);
			ck_assert(!was);
			ck_assert(misses(t, a));
			ck_assert(iref_maptree_check(t));
		} else {
			ck_assert_int_eq(rc, IREF_E_EXIST);
			ck_assert(was);
		}
		ck_assert_uint_le(iref_maptree_bytes(t), cap);
	}
	ck_assert_uint_gt(ok, 1000);
	ck_assert_uint_gt(nomem, 1000);
	ck_assert_uint_eq(iref_maptree_count(t), ok);
	ck_assert(iref_maptree_check(t));
	iref_maptree_set_max_bytes(t, 0);
	ck_assert_int_eq(ins(t, MAX - 4095, MAX), IREF_OK);
	ck_assert_uint_eq(iref_maptree_count(t), ok + 1);
	iref_maptree_destroy(t);
}
END_TEST

/*
 * Property test against a deliberately simple model: a sorted array,
 * scanned near the affected spot.
 */
struct ref {
	struct iref_mapping *v;
	size_t n;
	size_t cap;
};

/* Number of mappings starting at or below x. */
static size_t ref_rank(const struct ref *r, uint64_t x)
{
	size_t lo = 0, hi = r->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->v[mid].virt_start <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static enum iref_rc ref_insert(struct ref *r, const struct iref_mapping *m)
{
	if (m->virt_end < m->virt_start)
		return IREF_E_INVAL;
	size_t i = ref_rank(r, m->virt_start);

	if ((i > 0 && r->v[i - 1].virt_end >= m->virt_start) ||
	    (i < r->n && r->v[i].virt_start <= m->virt_end))
		return IREF_E_EXIST;
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 64;
		r->v = realloc(r->v, r->cap * sizeof(*r->v));
		ck_assert_ptr_nonnull(r->v);
	}
	memmove(r->v + i + 1, r->v + i, (r->n - i) * sizeof(*r->v));
	r->v[i] = *m;
	r->n++;
	return IREF_OK;
}

static enum iref_rc ref_unmap(struct ref *r, uint64_t start, uint64_t end,
			      size_t *removed)
{
	*removed = 0;
	if (end < start)
		return IREF_E_INVAL;
	size_t lo = ref_rank(r, start), hi = ref_rank(r, end);

	if (lo > 0 && r->v[lo - 1].virt_end >= start)
		lo--;
	for (size_t i = lo; i < hi; i++)
		if (r->v[i].virt_start < start || r->v[i].virt_end > end)
			return IREF_E_RANGE;
	memmove(r->v + lo, r->v + hi, (r->n - hi) * sizeof(*r->v));
	r->n -= hi - lo;
	*removed = hi - lo;
	return IREF_OK;
}

static const struct iref_mapping *ref_lookup(const struct ref *r,
					     uint64_t addr)
{
	size_t i = ref_rank(r, addr);

	return i && r->v[i - 1].virt_end >= addr ? &r->v[i - 1] : NULL;
}

static bool ref_intersects(const struct ref *r, uint64_t start, uint64_t end)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].virt_start <= end && r->v[i].virt_end >= start)
			return true;
	return false;
}

static bool ref_equal_fn(void *ctx, const struct iref_mapping *m)
{
	struct collect *c = ctx;

	return c->n < c->stop_after && same(&c->v[c->n++], m);
}

static void ref_compare(const struct iref_maptree *t, const struct ref *r)
{
	struct collect c = { r->v, 0, r->n };

	ck_assert(iref_maptree_check(t));
	ck_assert_uint_eq(iref_maptree_count(t), r->n);
	iref_maptree_foreach(t, ref_equal_fn, &c);
	ck_assert_uint_eq(c.n, r->n);
}

/* An address: mostly in a window small enough for ranges to collide,
 * sometimes at either end of the space or anywhere in it. */
#define WINDOW (1ull << 24)

static uint64_t rnd_addr(void)
{
	switch (rnd_below(20)) {
	case 0:
		return rnd_below(256);
	case 1:
		return MAX - rnd_below(256);
	case 2:
		return rnd();
	default:
		return rnd_below(WINDOW);
	}
}

/* An end for a range at start: often one byte, huge only outside the
 * window (where it cannot block the rest). */
static uint64_t rnd_end(uint64_t start)
{
	unsigned roll = rnd_below(10);
	uint64_t len;

	if (!roll)
		len = 1;
	else if (roll == 1 && start >= WINDOW)
		len = rnd_below(1ull << 40) + 1;
	else
		len = rnd_below(1024) + 1;
	return len - 1 > MAX - start ? MAX : start + len - 1;
}

/* A random index into the model; false if it is empty. */
static bool rnd_existing(const struct ref *r, size_t *i)
{
	if (!r->n)
		return false;
	*i = rnd_below(r->n);
	return true;
}

START_TEST(test_random_ops)
{
	struct iref_maptree *t = iref_maptree_create();
	struct ref r = { 0 };
	const int ops = 200000;
	size_t max_n = 0, removed_total = 0, range_refusals = 0;

	rng_state = 42;
	for (int op = 0; op < ops; op++) {
		/* Alternate growing and shrinking phases of 50000 operations. */
		unsigned insert_pct = (op / 50000) % 2 ? 30 : 60;
		unsigned roll = rnd_below(100);
		uint64_t a, b;
		size_t i, got, want;

		if (roll < insert_pct) {
			struct iref_mapping m;

			if (!rnd_below(1000)) {
				m = mk(0, MAX);
			} else {
				a = rnd_addr();
				b = rnd_below(200) ? rnd_end(a) : a - 1;
				m = mk(a, b);
			}
			enum iref_rc rc = iref_maptree_insert(t, &m);

			ck_assert_int_eq(rc, ref_insert(&r, &m));
		} else if (roll < insert_pct + 25) {
			switch (rnd_below(10)) {
			case 0: case 1: case 2: case 3: case 4:
				if (!rnd_existing(&r, &i))
					continue;
				a = r.v[i].virt_start;
				b = r.v[i].virt_end;
				break;
			case 5: case 6:
				if (!rnd_existing(&r, &i))
					continue;
				a = r.v[i].virt_start;
				i += rnd_below(8);
				b = r.v[i < r.n ? i : r.n - 1].virt_end;
				break;
			default:
				a = rnd_addr();
				b = rnd_end(a);
				break;
			}
			if (!rnd_below(20000)) {
				a = 0;
				b = MAX;
			}
			enum iref_rc rc = iref_maptree_unmap(t, a, b, &got);

			ck_assert_int_eq(rc, ref_unmap(&r, a, b, &want));
			ck_assert_uint_eq(got, want);
			removed_total += got;
			range_refusals += rc == IREF_E_RANGE;
		} else if (roll < 95) {
			const struct iref_mapping *w;
			struct iref_mapping m;

			if (rnd_below(2) && rnd_existing(&r, &i)) {
				uint64_t span = r.v[i].virt_end -
						r.v[i].virt_start;

				a = r.v[i].virt_start +
				    (span == MAX ? rnd() : rnd_below(span + 1));
			} else {
				a = rnd_addr();
			}
			w = ref_lookup(&r, a);
			ck_assert(iref_maptree_lookup(t, a, &m) == !!w);
			if (w)
				ck_assert(same(&m, w));
		} else {
			a = rnd_addr();
			b = rnd_below(2) ? rnd_end(a) : a - rnd_below(3);
			ck_assert(iref_maptree_intersects(t, a, b) ==
				  (a <= b && ref_intersects(&r, a, b)));
		}
		ck_assert_uint_eq(iref_maptree_count(t), r.n);
		if (r.n > max_n)
			max_n = r.n;
		if (op % 1000 == 0)
			ref_compare(t, &r);
	}
	ref_compare(t, &r);
	/* The run really reached a multi-level tree and removed a lot. */
	ck_assert_uint_gt(max_n, 4000);
	ck_assert_uint_gt(removed_total, 20000);
	ck_assert_uint_gt(range_refusals, 1000);
	free(r.v);
	iref_maptree_destroy(t);
}
END_TEST

static Suite *maptree_suite(void)
{
	Suite *s = suite_create("maptree");
	TCase *basic = tcase_create("basic");
	TCase *bulk = tcase_create("bulk");

	tcase_add_test(basic, test_empty);
	tcase_add_test(basic, test_invalid);
	tcase_add_test(basic, test_extremes);
	tcase_add_test(basic, test_full_space);
	tcase_add_test(basic, test_adjacent);
	tcase_add_test(basic, test_overlap_by_one);
	tcase_add_test(basic, test_unmap_examples);
	tcase_add_test(basic, test_foreach_order);
	tcase_add_test(basic, test_clear);
	suite_add_tcase(s, basic);

	/* Sanitizer builds are several times slower. */
	tcase_set_timeout(bulk, 300);
	tcase_add_test(bulk, test_overlap_many);
	tcase_add_test(bulk, test_unmap_bulk);
	tcase_add_test(bulk, test_unmap_runs);
	tcase_add_test(bulk, test_memory);
	tcase_add_test(bulk, test_nomem);
	tcase_add_test(bulk, test_random_ops);
	suite_add_tcase(s, bulk);
	return s;
}

int main(void)
{
	return iref_test_run(maptree_suite());
}
