#include "testutil.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "iommu-ref/access.h"
#include "iommu-ref/tlb.h"

#define K4 (UINT64_C(1) << 12)
#define M2 (UINT64_C(1) << 21)
#define G1 (UINT64_C(1) << 30)
#define G512 (UINT64_C(1) << 39)
#define NOA IREF_TLB_NO_ASID

static struct iref_tlb_tag tg(uint32_t domain, uint32_t asid)
{
	return (struct iref_tlb_tag){ .domain = domain, .asid = asid };
}

static struct iref_tlb_cfg cfg1(enum iref_tlb_policy p, uint32_t entries,
				uint32_t ways, uint64_t sizes)
{
	return (struct iref_tlb_cfg){
		.policy = p,
		.seed = 1,
		.n_arrays = 1,
		.array = { { .entries = entries, .ways = ways,
			     .sizes = sizes } },
	};
}

static struct iref_tlb *mk(const struct iref_tlb_cfg *c)
{
	struct iref_tlb *t = NULL;
	struct iref_diag d = { 0 };
	enum iref_rc rc = iref_tlb_create(c, &t, &d);

	ck_assert_msg(rc == IREF_OK, "create: %s", d.msg);
	ck_assert_ptr_nonnull(t);
	return t;
}

/* Output addresses differ from inputs only above bit 40, so they are
 * congruent with the input modulo every page size used here, and a lookup
 * can check the exact output of any address. */
static uint64_t pa_of(uint64_t va)
{
	return va ^ (UINT64_C(0x5a5) << 40);
}

static int level_of(uint64_t size)
{
	return size == K4 ? 3 : size == M2 ? 2 : 1;
}

static void ins(struct iref_tlb *t, struct iref_tlb_tag tag, uint64_t va,
		uint64_t size, bool global)
{
	struct iref_tlb_xlate x = {
		.pa = pa_of(va),
		.page_size = size,
		.perm = IREF_PERM_R | IREF_PERM_W,
		.attrs = (uint32_t)(va >> 12) ^ 0xa0,
		.level = level_of(size),
		.global = global,
	};

	ck_assert_int_eq(iref_tlb_insert(t, tag, va, &x), IREF_OK);
}

/* A read lookup; a hit must give addr's own output address. */
static bool has(struct iref_tlb *t, struct iref_tlb_tag tag, uint64_t va)
{
	struct iref_tlb_xlate x;

	if (!iref_tlb_lookup(t, tag, va, IREF_ACC_READ, &x))
		return false;
	ck_assert_uint_eq(x.pa, pa_of(va));
	return true;
}

static size_t inval(struct iref_tlb *t, struct iref_tlb_inv inv)
{
	size_t n = 12345;

	ck_assert_int_eq(iref_tlb_invalidate(t, &inv, &n), IREF_OK);
	return n;
}

static struct iref_tlb_stats stats(const struct iref_tlb *t)
{
	struct iref_tlb_stats s;

	iref_tlb_get_stats(t, &s);
	ck_assert_uint_eq(s.lookups, s.hits + s.misses);
	return s;
}

/* Pages 'A', 'B', ... at 4 KiB steps from 0x10000. */
static uint64_t page(char c)
{
	return 0x10000 + (uint64_t)(c - 'A') * K4;
}

/* Look every page of seq up in domain 1, ASID 1, inserting it on a miss
 * as a real TLB would; the hit pattern ("H"/"M" per access) goes to out. */
static void run_seq(struct iref_tlb *t, const char *seq, char *out)
{
	size_t i;

	for (i = 0; seq[i]; i++) {
		bool hit = has(t, tg(1, 1), page(seq[i]));

		if (!hit)
			ins(t, tg(1, 1), page(seq[i]), K4, false);
		out[i] = hit ? 'H' : 'M';
	}
	out[i] = 0;
}

/* Which of the pages in `pages` are present, as a string of those letters. */
static void present(struct iref_tlb *t, const char *pages, char *out)
{
	for (; *pages; pages++)
		if (has(t, tg(1, 1), page(*pages)))
			*out++ = *pages;
	*out = 0;
}

/* ---- Names and configuration ---- */

START_TEST(policy_names)
{
	static const char *names[] = { "lru", "plru", "fifo", "random" };

	for (int i = 0; i < IREF_TLB_POLICY_COUNT; i++) {
		ck_assert_str_eq(iref_tlb_policy_name(i), names[i]);
		ck_assert_int_eq(iref_tlb_policy_parse(names[i]), i);
	}
	ck_assert_int_eq(iref_tlb_policy_parse("LRU"), -1);
	ck_assert_int_eq(iref_tlb_policy_parse("mru"), -1);
	ck_assert_ptr_null(iref_tlb_policy_name(IREF_TLB_POLICY_COUNT));
}
END_TEST

static void bad_cfg(const struct iref_tlb_cfg *c, enum iref_rc want,
		    const char *msg_part)
{
	struct iref_tlb *t = (struct iref_tlb *)&t;
	struct iref_diag d = { 0 };

	ck_assert_int_eq(iref_tlb_create(c, &t, &d), want);
	ck_assert_ptr_null(t);
	ck_assert_msg(strstr(d.msg, msg_part), "message '%s' lacks '%s'",
		      d.msg, msg_part);
}

START_TEST(config_errors)
{
	struct iref_tlb_cfg c;

	c = cfg1(IREF_TLB_LRU, 12, 4, K4); /* 3 sets */
	bad_cfg(&c, IREF_E_INVAL, "3 sets is not a power of two");
	c = cfg1(IREF_TLB_LRU, 10, 4, K4);
	bad_cfg(&c, IREF_E_INVAL, "not a multiple of 4 ways");
	c = cfg1(IREF_TLB_LRU, 0, 1, K4);
	bad_cfg(&c, IREF_E_INVAL, "at least 1");
	c = cfg1(IREF_TLB_LRU, 8, 0, K4);
	bad_cfg(&c, IREF_E_INVAL, "at least 1");
	c = cfg1(IREF_TLB_LRU, IREF_TLB_MAX_ENTRIES * 2, 2, K4);
	bad_cfg(&c, IREF_E_RANGE, "entries, more than");
	c = cfg1(IREF_TLB_PLRU, 6, 6, K4); /* fine for LRU, not PLRU */
	bad_cfg(&c, IREF_E_INVAL, "power-of-two number of ways");
	c = cfg1(IREF_TLB_LRU, 8, 2, 0);
	bad_cfg(&c, IREF_E_INVAL, "at least one size");
	c = cfg1(IREF_TLB_LRU, 8, 2, K4 | 2048);
	bad_cfg(&c, IREF_E_INVAL, "at least 4 KiB");
	c = cfg1(IREF_TLB_LRU, 8, 2, K4);
	c.array[0].stages = IREF_WC_S1;
	bad_cfg(&c, IREF_E_INVAL, "a TLB array has no stages");
	c = cfg1(IREF_TLB_LRU, 8, 2, K4);
	c.n_arrays = 0;
	bad_cfg(&c, IREF_E_INVAL, "0 arrays");
	c.n_arrays = IREF_TLB_MAX_ARRAYS + 1;
	bad_cfg(&c, IREF_E_INVAL, "arrays, not in 1..");
	c = cfg1((enum iref_tlb_policy)7, 8, 2, K4);
	bad_cfg(&c, IREF_E_INVAL, "unknown replacement policy 7");
	/* A size in two arrays. */
	c = cfg1(IREF_TLB_LRU, 8, 2, K4 | M2);
	c.n_arrays = 2;
	c.array[1] = (struct iref_tlb_array_cfg){ 4, 4, M2 | G1, 0 };
	bad_cfg(&c, IREF_E_INVAL, "size 0x200000 is already held by array 0");

	/* The accepted extremes: 1 entry, fully associative non-power-of-two
	 * ways for LRU, the largest page size. */
	struct iref_tlb *t;

	c = cfg1(IREF_TLB_LRU, 1, 1, K4);
	t = mk(&c);
	iref_tlb_destroy(t);
	c = cfg1(IREF_TLB_FIFO, 6, 6, K4 | (UINT64_C(1) << 63));
	t = mk(&c);
	iref_tlb_destroy(t);
	iref_tlb_destroy(NULL);
}
END_TEST

/* ---- Replacement policies on hand-worked sequences ---- */

/*
 * One set of four ways; pages fill ways 0-3 in order (invalid ways first).
 * Sequence A B C D A E A B F C:
 *
 * LRU (recency oldest..newest):
 *   A B C D miss, fill          A B C D
 *   A hit                       B C D A
 *   E miss, evicts B            C D A E
 *   A hit                       C D E A
 *   B miss, evicts C            D E A B
 *   F miss, evicts D            E A B F
 *   C miss, evicts E            A B F C     -> MMMMHMHMMM, holds ABCF
 *
 * FIFO (fill order; hits do not reorder):
 *   A B C D fill                A B C D
 *   A hit                       A B C D
 *   E evicts A                  B C D E
 *   A evicts B                  C D E A
 *   B evicts C                  D E A B
 *   F evicts D                  E A B F
 *   C evicts E                  A B F C     -> MMMMHMMMMM, holds ABCF
 *
 * Tree PLRU (root: 1 = victim in ways 2-3; left node: 1 = victim way 1;
 * right node: 1 = victim way 3; an access points its path away):
 *   A->w0 r1 L1; B->w1 r1 L0; C->w2 r0 R1; D->w3 r0 R0
 *   A hit (w0)           r1 L1 R0
 *   E: r1 -> R0 -> w2 (C) evicted; E in w2: r0 R1
 *   A hit (w0)           r1 L1 R1
 *   B hit (w1)           r1 L0 R1
 *   F: r1 -> R1 -> w3 (D) evicted; F in w3: r0 R0
 *   C: miss; r0 -> L0 -> w0 (A) evicted
 *                                           -> MMMMHMHHMM, holds BCEF
 */
static void check_seq(enum iref_tlb_policy p, const char *want_pattern,
		      const char *want_present)
{
	struct iref_tlb_cfg c = cfg1(p, 4, 4, K4);
	struct iref_tlb *t = mk(&c);
	char got[32], held[8];

	run_seq(t, "ABCDAEABFC", got);
	ck_assert_str_eq(got, want_pattern);
	present(t, "ABCDEF", held);
	ck_assert_str_eq(held, want_present);
	iref_tlb_destroy(t);
}

START_TEST(lru_sequence)
{
	check_seq(IREF_TLB_LRU, "MMMMHMHMMM", "ABCF");
}
END_TEST

START_TEST(fifo_sequence)
{
	check_seq(IREF_TLB_FIFO, "MMMMHMMMMM", "ABCF");
}
END_TEST

START_TEST(plru_sequence)
{
	check_seq(IREF_TLB_PLRU, "MMMMHMHHMM", "BCEF");
}
END_TEST

/* LRU on two sets: a hit in one set does not age the other. Two sets of
 * two ways; even pages go to set 0, odd to set 1 (index = page number & 1).
 * Set 0: fill P0 P2, hit P0, fill P4 -> evicts P2. Set 1: fill P1 P3,
 * many hits on set 0, fill P5 -> evicts P1 (the older). */
START_TEST(lru_sets_independent)
{
	struct iref_tlb_cfg c = cfg1(IREF_TLB_LRU, 4, 2, K4);
	struct iref_tlb *t = mk(&c);

	for (int p = 0; p < 4; p++)
		ins(t, tg(1, 1), p * K4, K4, false);
	ck_assert(has(t, tg(1, 1), 0));
	for (int i = 0; i < 5; i++)
		ck_assert(has(t, tg(1, 1), 0));
	ins(t, tg(1, 1), 4 * K4, K4, false);
	ins(t, tg(1, 1), 5 * K4, K4, false);
	ck_assert(has(t, tg(1, 1), 0));
	ck_assert(!has(t, tg(1, 1), 2 * K4));
	ck_assert(!has(t, tg(1, 1), 1 * K4));
	ck_assert(has(t, tg(1, 1), 3 * K4));
	ck_assert(has(t, tg(1, 1), 4 * K4));
	ck_assert(has(t, tg(1, 1), 5 * K4));
	iref_tlb_destroy(t);
}
END_TEST

static unsigned bitrev(unsigned v, unsigned bits)
{
	unsigned r = 0;

	for (unsigned i = 0; i < bits; i++)
		r |= ((v >> i) & 1) << (bits - 1 - i);
	return r;
}

/* Tree PLRU over one fully associative set of N ways: after the fills
 * sweep ways 0..N-1 every node points left, and each later miss takes the
 * way after flipping the path it used, so the k-th new page evicts the
 * page in way bitrev(k): 0, N/2, N/4, 3N/4, ... A miss changes no
 * replacement state, so each victim is checked as it goes. Sizes past 64
 * ways span several words of tree bits (128: 1+6 levels; 8192: 1+6+6). */
START_TEST(plru_bit_reversal)
{
	static const unsigned ways[] = { 2, 4, 8, 64, 128, 8192 };

	for (size_t wi = 0; wi < sizeof(ways) / sizeof(ways[0]); wi++) {
		unsigned n = ways[wi], depth = 0;
		struct iref_tlb_cfg c = cfg1(IREF_TLB_PLRU, n, n, K4);
		struct iref_tlb *t = mk(&c);

		while ((1u << depth) < n)
			depth++;
		for (unsigned i = 0; i < n; i++)
			ins(t, tg(1, 1), (uint64_t)i * K4, K4, false);
		for (unsigned k = 0; k < n; k++) {
			unsigned v = bitrev(k, depth);

			ins(t, tg(1, 1), (uint64_t)(n + k) * K4, K4, false);
			ck_assert_msg(!has(t, tg(1, 1), (uint64_t)v * K4),
				      "%u ways: miss %u should evict way %u",
				      n, k, v);
		}
		ck_assert_uint_eq(stats(t).evictions, n);
		ck_assert_uint_eq(stats(t).hits, 0);
		ck_assert_uint_eq(iref_tlb_count(t), n);
		iref_tlb_destroy(t);
	}
}
END_TEST

/* Random: invalid ways first (no eviction while the set fills), then a
 * victim that depends on the seed only. */
START_TEST(random_victims)
{
	bool seen[4] = { false };
	unsigned distinct = 0;

	for (uint64_t seed = 0; seed < 16; seed++) {
		struct iref_tlb_cfg c = cfg1(IREF_TLB_RANDOM, 4, 4, K4);
		struct iref_tlb *t;
		char held[8];

		c.seed = seed;
		t = mk(&c);
		for (char p = 'A'; p <= 'D'; p++)
			ins(t, tg(1, 1), page(p), K4, false);
		ck_assert_uint_eq(stats(t).evictions, 0);
		ins(t, tg(1, 1), page('E'), K4, false);
		ck_assert_uint_eq(stats(t).evictions, 1);
		present(t, "ABCD", held);
		ck_assert_uint_eq(strlen(held), 3);
		for (unsigned w = 0; w < 4; w++)
			if (!strchr(held, 'A' + (int)w) && !seen[w]) {
				seen[w] = true;
				distinct++;
			}
		iref_tlb_destroy(t);
	}
	/* 16 seeds over 4 ways: all alike would mean the seed is unused. */
	ck_assert_uint_ge(distinct, 3);
}
END_TEST

/* The hit pattern of a long random access stream under one seed. */
static void random_pattern(uint64_t seed, char *out, size_t n)
{
	struct iref_tlb_cfg c = cfg1(IREF_TLB_RANDOM, 16, 4, K4);
	struct iref_tlb *t;
	uint64_t x = 99;

	c.seed = seed;
	t = mk(&c);
	for (size_t i = 0; i < n; i++) {
		uint64_t va;

		x = x * 6364136223846793005u + 1442695040888963407u;
		va = (x >> 40) % 40 * K4;
		out[i] = has(t, tg(1, 1), va) ? 'H' : 'M';
		if (out[i] == 'M')
			ins(t, tg(1, 1), va, K4, false);
	}
	out[n] = 0;
	iref_tlb_destroy(t);
}

START_TEST(random_seed_determinism)
{
	static char a[2001], b[2001], c[2001];

	random_pattern(7, a, 2000);
	random_pattern(7, b, 2000);
	random_pattern(8, c, 2000);
	ck_assert_str_eq(a, b);
	ck_assert_str_ne(a, c);
	ck_assert(strchr(a, 'H') && strchr(a, 'M'));
}
END_TEST

/* ---- Geometry ---- */

/* Direct mapped, 16 sets: pages 16 apart share a set, neighbours do not. */
START_TEST(direct_mapped)
{
	struct iref_tlb_cfg c = cfg1(IREF_TLB_LRU, 16, 1, K4);
	struct iref_tlb *t = mk(&c);

	ins(t, tg(1, 1), 0x5000, K4, false);
	ins(t, tg(1, 1), 0x6000, K4, false);
	ins(t, tg(1, 1), 0x5000 + 16 * K4, K4, false);
	ck_assert(!has(t, tg(1, 1), 0x5000));
	ck_assert(has(t, tg(1, 1), 0x5000 + 16 * K4));
	ck_assert(has(t, tg(1, 1), 0x6000));
	ck_assert_uint_eq(stats(t).evictions, 1);
	ck_assert_uint_eq(iref_tlb_count(t), 2);
	iref_tlb_destroy(t);
}
END_TEST

/* One set (fully associative): pages that would collide in any indexed
 * geometry all fit, and the ninth evicts. */
START_TEST(fully_associative)
{
	struct iref_tlb_cfg c = cfg1(IREF_TLB_LRU, 8, 8, K4);
	struct iref_tlb *t = mk(&c);

	for (uint64_t i = 0; i < 8; i++)
		ins(t, tg(1, 1), i << 30, K4, false);
	for (uint64_t i = 0; i < 8; i++)
		ck_assert(has(t, tg(1, 1), (i << 30) + 0x123));
	ck_assert_uint_eq(stats(t).evictions, 0);
	ins(t, tg(1, 1), UINT64_C(8) << 30, K4, false);
	ck_assert_uint_eq(stats(t).evictions, 1);
	ck_assert(!has(t, tg(1, 1), 0)); /* the least recently used */
	ck_assert_uint_eq(iref_tlb_count(t), 8);
	iref_tlb_destroy(t);
}
END_TEST

/* 4 sets of 2 ways: five pages of one set evict three, other sets keep
 * theirs; a set with more ways than 8 (12, FIFO) works across
 * fingerprint words. */
START_TEST(set_index)
{
	struct iref_tlb_cfg c = cfg1(IREF_TLB_LRU, 8, 2, K4);
	struct iref_tlb *t = mk(&c);

	ins(t, tg(1, 1), 1 * K4, K4, false);
	for (uint64_t i = 0; i < 5; i++)
		ins(t, tg(1, 1), i * 4 * K4, K4, false);
	ck_assert_uint_eq(stats(t).evictions, 3);
	ck_assert(has(t, tg(1, 1), 1 * K4));
	ck_assert(has(t, tg(1, 1), 12 * K4));
	ck_assert(has(t, tg(1, 1), 16 * K4));
	ck_assert(!has(t, tg(1, 1), 8 * K4));
	iref_tlb_destroy(t);

	c = cfg1(IREF_TLB_FIFO, 24, 12, K4);
	t = mk(&c);
	for (uint64_t i = 0; i < 13; i++)
		ins(t, tg(1, 1), i * 2 * K4, K4, false);
	ck_assert(!has(t, tg(1, 1), 0));
	for (uint64_t i = 1; i < 13; i++)
		ck_assert(has(t, tg(1, 1), i * 2 * K4));
	iref_tlb_destroy(t);
}
END_TEST

/* One array per size: 4 KiB fills never evict the 2 MiB entry. */
START_TEST(per_size_arrays)
{
	struct iref_tlb_cfg c = {
		.policy = IREF_TLB_LRU,
		.n_arrays = 2,
		.array = { { 4, 4, K4, 0 }, { 2, 2, M2 | G1, 0 } },
	};
	struct iref_tlb *t = mk(&c);
	struct iref_tlb_xlate x;

	ins(t, tg(1, 1), 0x40000000, M2, false);
	for (uint64_t i = 0; i < 10; i++)
		ins(t, tg(1, 1), i * K4, K4, false);
	ck_assert(iref_tlb_lookup(t, tg(1, 1), 0x401fffff, IREF_ACC_READ, &x));
	ck_assert_uint_eq(x.pa, pa_of(0x401fffff));
	ck_assert_uint_eq(x.page_size, M2);
	ck_assert_int_eq(x.level, 2);
	ck_assert_uint_eq(x.attrs, (0x40000000 >> 12) ^ 0xa0);
	ck_assert_uint_eq(iref_tlb_count(t), 5);
	ck_assert(!has(t, tg(1, 1), 5 * K4));
	ck_assert(has(t, tg(1, 1), 9 * K4));
	iref_tlb_destroy(t);
}
END_TEST

/* One array holding two sizes: a 4 KiB and a 2 MiB entry with the same
 * base coexist; lookups try 4 KiB first. */
START_TEST(shared_array_sizes)
{
	struct iref_tlb_cfg c = cfg1(IREF_TLB_LRU, 4, 4, K4 | M2);
	struct iref_tlb *t = mk(&c);
	struct iref_tlb_xlate x, y = {
		.pa = 0x7000, .page_size = K4, .perm = IREF_PERM_R,
	};

	ins(t, tg(1, 1), 0x200000, M2, false);
	ck_assert_int_eq(iref_tlb_insert(t, tg(1, 1), 0x200000, &y), IREF_OK);
	ck_assert_uint_eq(iref_tlb_count(t), 2);
	ck_assert(iref_tlb_lookup(t, tg(1, 1), 0x200abc, IREF_ACC_READ, &x));
	ck_assert_uint_eq(x.pa, 0x7abc);
	ck_assert_uint_eq(x.page_size, K4);
	ck_assert(iref_tlb_lookup(t, tg(1, 1), 0x201abc, IREF_ACC_READ, &x));
	ck_assert_uint_eq(x.pa, pa_of(0x201abc));
	ck_assert_uint_eq(x.page_size, M2);
	iref_tlb_destroy(t);
}
END_TEST

/* A leaf larger than every held size is cached as the largest held size
 * not above it, around the inserted address; one smaller than all is
 * refused. */
START_TEST(splinter)
{
	struct iref_tlb_cfg c = cfg1(IREF_TLB_LRU, 8, 8, K4 | M2);
	struct iref_tlb *t = mk(&c);
	struct iref_tlb_xlate x;

	ins(t, tg(1, 1), 0x40123000, G1, false);
	ck_assert(iref_tlb_lookup(t, tg(1, 1), 0x40123456, IREF_ACC_READ, &x));
	ck_assert_uint_eq(x.page_size, M2);
	ck_assert_uint_eq(x.pa, pa_of(0x40123456));
	ck_assert_int_eq(x.level, 1); /* the leaf's level */
	ck_assert(has(t, tg(1, 1), 0x401fffff));
	ck_assert(!has(t, tg(1, 1), 0x40200000));
	ck_assert(!has(t, tg(1, 1), 0x400fffff + 1 - M2));
	iref_tlb_destroy(t);

	c = cfg1(IREF_TLB_LRU, 8, 8, M2);
	t = mk(&c);
	x = (struct iref_tlb_xlate){ .pa = 0x1000, .page_size = K4 };
	ck_assert_int_eq(iref_tlb_insert(t, tg(1, 1), 0x1000, &x),
			 IREF_E_RANGE);
	ck_assert_uint_eq(iref_tlb_count(t), 0);
	iref_tlb_destroy(t);
}
END_TEST

/* The largest page size: masks and overlap arithmetic at bit 63. */
START_TEST(page_size_2_63)
{
	uint64_t big = UINT64_C(1) << 63;
	struct iref_tlb_cfg c = cfg1(IREF_TLB_LRU, 2, 2, K4 | big);
	struct iref_tlb *t = mk(&c);
	struct iref_tlb_xlate x = {
		.pa = 0x1234, .page_size = big, .perm = IREF_PERM_R,
	};

	ck_assert_int_eq(iref_tlb_insert(t, tg(1, 1), big | 0x1234, &x),
			 IREF_OK);
	ck_assert(iref_tlb_lookup(t, tg(1, 1), UINT64_MAX, IREF_ACC_READ, &x));
	ck_assert_uint_eq(x.pa, big - 1);
	ck_assert(!iref_tlb_lookup(t, tg(1, 1), 0, IREF_ACC_READ, &x));
	ck_assert_uint_eq(inval(t, (struct iref_tlb_inv){
				  .flags = IREF_TLB_INV_RANGE,
				  .first = UINT64_MAX, .last = UINT64_MAX }),
			  1);
	iref_tlb_destroy(t);
}
END_TEST

static enum iref_rc insert_rc(struct iref_tlb *t,
			      const struct iref_tlb_xlate *x)
{
	return iref_tlb_insert(t, tg(1, 1), 0x1000, x);
}

START_TEST(insert_errors)
{
	struct iref_tlb_cfg c = cfg1(IREF_TLB_LRU, 4, 4, K4 | M2);
	struct iref_tlb *t = mk(&c);
	struct iref_tlb_xlate ok = {
		.pa = 0x3000, .page_size = K4, .perm = IREF_PERM_R, .level = 3,
	}, x;

	x = ok, x.page_size = 0;
	ck_assert_int_eq(insert_rc(t, &x), IREF_E_INVAL);
	x = ok, x.page_size = 3 * K4;
	ck_assert_int_eq(insert_rc(t, &x), IREF_E_INVAL);
	x = ok, x.page_size = 2048;
	ck_assert_int_eq(insert_rc(t, &x), IREF_E_INVAL);
	x = ok, x.pa = 0x3800; /* offset differs from the address's */
	ck_assert_int_eq(insert_rc(t, &x), IREF_E_INVAL);
	x = ok, x.perm = 8;
	ck_assert_int_eq(insert_rc(t, &x), IREF_E_INVAL);
	x = ok, x.level = 128;
	ck_assert_int_eq(insert_rc(t, &x), IREF_E_INVAL);
	ck_assert_int_eq(iref_tlb_insert(t, tg(1, 0xfffffffe), 0x1000, &ok),
			 IREF_E_INVAL);
	ck_assert_uint_eq(iref_tlb_count(t), 0);
	ck_assert_int_eq(iref_tlb_insert(t, tg(1, 1), 0x1000, &ok), IREF_OK);
	x = ok, x.level = -128;
	ck_assert_int_eq(iref_tlb_insert(t, tg(1, 2), 0x1000, &x), IREF_OK);
	ck_assert_uint_eq(iref_tlb_count(t), 2);
	iref_tlb_destroy(t);
}
END_TEST

/* Inserting an existing tag and page replaces it in place: no new way, no
 * eviction; the new translation wins. */
START_TEST(refresh_in_place)
{
	struct iref_tlb_cfg c = cfg1(IREF_TLB_LRU, 2, 2, K4);
	struct iref_tlb *t = mk(&c);
	struct iref_tlb_xlate x = {
		.pa = 0x9000, .page_size = K4, .perm = IREF_PERM_R,
	};

	ins(t, tg(1, 1), 0x1000, K4, false);
	ins(t, tg(1, 1), 0x2000, K4, false);
	ck_assert_int_eq(iref_tlb_insert(t, tg(1, 1), 0x1000, &x), IREF_OK);
	ck_assert_uint_eq(iref_tlb_count(t), 2);
	ck_assert_uint_eq(stats(t).fills, 2);
	ck_assert_uint_eq(stats(t).evictions, 0);
	ck_assert(iref_tlb_lookup(t, tg(1, 1), 0x1010, IREF_ACC_READ, &x));
	ck_assert_uint_eq(x.pa, 0x9010);
	ck_assert_uint_eq(x.perm, IREF_PERM_R);
	ck_assert(has(t, tg(1, 1), 0x2000));
	iref_tlb_destroy(t);
}
END_TEST

/* ---- Tags ---- */

START_TEST(tag_matching)
{
	struct iref_tlb_cfg c = cfg1(IREF_TLB_LRU, 16, 4, K4);
	struct iref_tlb *t = mk(&c);
	struct iref_tlb_xlate x;

	ins(t, tg(1, 5), 0x1000, K4, false);
	ck_assert(has(t, tg(1, 5), 0x1000));
	ck_assert(!has(t, tg(2, 5), 0x1000)); /* domain isolation */
	ck_assert(!has(t, tg(1, 6), 0x1000)); /* other ASID */
	ck_assert(!has(t, tg(1, NOA), 0x1000)); /* no first stage */

	/* Global: any ASID of its domain, not another domain, not NO_ASID. */
	ins(t, tg(1, 5), 0x2000, K4, true);
	ck_assert(iref_tlb_lookup(t, tg(1, 77), 0x2000, IREF_ACC_READ, &x));
	ck_assert(x.global);
	ck_assert(has(t, tg(1, 5), 0x2000));
	ck_assert(!has(t, tg(2, 5), 0x2000));
	ck_assert(!has(t, tg(1, NOA), 0x2000));

	/* Entries without an ASID: only NO_ASID lookups; global is moot. */
	ins(t, tg(1, NOA), 0x3000, K4, true);
	ck_assert(!has(t, tg(1, 5), 0x3000));
	ck_assert(iref_tlb_lookup(t, tg(1, NOA), 0x3000, IREF_ACC_READ, &x));
	ck_assert(x.global); /* reported as inserted */
	ck_assert(!has(t, tg(2, NOA), 0x3000));

	/* Many ASIDs on one page of one domain: each finds its own. */
	for (uint32_t a = 10; a < 14; a++) {
		struct iref_tlb_xlate y = {
			.pa = a * K4, .page_size = K4, .perm = IREF_PERM_R,
		};

		ck_assert_int_eq(iref_tlb_insert(t, tg(3, a), 0x8000, &y),
				 IREF_OK);
	}
	for (uint32_t a = 10; a < 14; a++) {
		ck_assert(iref_tlb_lookup(t, tg(3, a), 0x8008, IREF_ACC_READ,
					  &x));
		ck_assert_uint_eq(x.pa, a * K4 + 8);
	}
	iref_tlb_destroy(t);
}
END_TEST

/* A hit needs the access's permission; a match without it is a miss. */
START_TEST(permission_miss)
{
	struct iref_tlb_cfg c = cfg1(IREF_TLB_LRU, 4, 4, K4);
	struct iref_tlb *t = mk(&c);
	struct iref_tlb_xlate x = {
		.pa = 0x1000, .page_size = K4, .perm = IREF_PERM_R,
	};

	ck_assert_int_eq(iref_tlb_insert(t, tg(1, 1), 0x1000, &x), IREF_OK);
	ck_assert(iref_tlb_lookup(t, tg(1, 1), 0x1000, IREF_ACC_READ, &x));
	ck_assert(!iref_tlb_lookup(t, tg(1, 1), 0x1000, IREF_ACC_WRITE, &x));
	ck_assert(!iref_tlb_lookup(t, tg(1, 1), 0x1000, IREF_ACC_EXEC, &x));
	ck_assert_uint_eq(stats(t).hits, 1);
	ck_assert_uint_eq(stats(t).misses, 2);
	iref_tlb_destroy(t);
}
END_TEST

/* ---- Invalidation ---- */

/*
 * The population every invalidation test starts from, in a 4-set 8-way
 * TLB holding 4 KiB and 2 MiB pages:
 *   a: domain 1 ASID 5   0x1000   4K
 *   b: domain 1 ASID 5   0x200000 2M
 *   c: domain 1 ASID 6   0x1000   4K
 *   g: domain 1 ASID 5   0x5000   4K global
 *   n: domain 1 NO_ASID  0x1000   4K  (stage-2-only / MAP domain)
 *   d: domain 2 ASID 5   0x1000   4K
 */
struct pop_entry {
	char name;
	struct iref_tlb_tag tag;
	uint64_t va, size;
	bool global;
};

static const struct pop_entry pop[] = {
	{ 'a', { 1, 5 }, 0x1000, K4, false },
	{ 'b', { 1, 5 }, 0x200000, M2, false },
	{ 'c', { 1, 6 }, 0x1000, K4, false },
	{ 'g', { 1, 5 }, 0x5000, K4, true },
	{ 'n', { 1, NOA }, 0x1000, K4, false },
	{ 'd', { 2, 5 }, 0x1000, K4, false },
};
#define N_POP (sizeof(pop) / sizeof(pop[0]))

static struct iref_tlb *populate(void)
{
	struct iref_tlb_cfg c = cfg1(IREF_TLB_LRU, 32, 8, K4 | M2);
	struct iref_tlb *t = mk(&c);

	for (size_t i = 0; i < N_POP; i++)
		ins(t, pop[i].tag, pop[i].va, pop[i].size, pop[i].global);
	ck_assert_uint_eq(iref_tlb_count(t), N_POP);
	return t;
}

/* Apply inv to a fresh population; the names of the survivors must be
 * `kept`, and the count removed the rest. */
static void check_inv(struct iref_tlb_inv inv, const char *kept)
{
	struct iref_tlb *t = populate();
	char got[N_POP + 1], *p = got;
	size_t n = inval(t, inv);

	for (size_t i = 0; i < N_POP; i++)
		if (has(t, pop[i].tag, pop[i].va + 0x10))
			*p++ = pop[i].name;
	*p = 0;
	ck_assert_msg(strcmp(got, kept) == 0, "flags 0x%x: kept %s, want %s",
		      inv.flags, got, kept);
	ck_assert_uint_eq(n, N_POP - strlen(kept));
	ck_assert_uint_eq(stats(t).invalidated, n);
	ck_assert_uint_eq(iref_tlb_count(t), strlen(kept));
	iref_tlb_destroy(t);
}

START_TEST(inv_all)
{
	check_inv((struct iref_tlb_inv){ 0 }, "");
}
END_TEST

START_TEST(inv_domain)
{
	check_inv((struct iref_tlb_inv){ .flags = IREF_TLB_INV_DOMAIN,
					 .domain = 1 }, "d");
	check_inv((struct iref_tlb_inv){ .flags = IREF_TLB_INV_DOMAIN,
					 .domain = 3 }, "abcgnd");
	/* Arm TLBI_NH_ALL / VT-d FS entries of a DID: keep stage-2-only. */
	check_inv((struct iref_tlb_inv){
			  .flags = IREF_TLB_INV_DOMAIN | IREF_TLB_INV_HAS_ASID,
			  .domain = 1 }, "nd");
}
END_TEST

START_TEST(inv_asid)
{
	/* Globals stay unless asked for. */
	check_inv((struct iref_tlb_inv){
			  .flags = IREF_TLB_INV_DOMAIN | IREF_TLB_INV_ASID,
			  .domain = 1, .asid = 5 }, "cgnd");
	check_inv((struct iref_tlb_inv){
			  .flags = IREF_TLB_INV_DOMAIN | IREF_TLB_INV_ASID |
				   IREF_TLB_INV_GLOBAL,
			  .domain = 1, .asid = 5 }, "cnd");
	check_inv((struct iref_tlb_inv){
			  .flags = IREF_TLB_INV_DOMAIN | IREF_TLB_INV_ASID,
			  .domain = 1, .asid = 6 }, "abgnd");
	/* Entries without an ASID as their own space (RISC-V GVMA, Arm
	 * S2 entries). */
	check_inv((struct iref_tlb_inv){
			  .flags = IREF_TLB_INV_DOMAIN | IREF_TLB_INV_ASID,
			  .domain = 1, .asid = NOA }, "abcgd");
	/* ASID across domains (no DOMAIN filter). */
	check_inv((struct iref_tlb_inv){ .flags = IREF_TLB_INV_ASID,
					 .asid = 5 }, "cgn");
}
END_TEST

START_TEST(inv_range)
{
	/* One page: every ASID's entry for it in the domain, NO_ASID too. */
	check_inv((struct iref_tlb_inv){
			  .flags = IREF_TLB_INV_DOMAIN | IREF_TLB_INV_RANGE,
			  .domain = 1, .first = 0x1000, .last = 0x1fff },
		  "bgd");
	/* Unaligned single address (TG = 0 style). */
	check_inv((struct iref_tlb_inv){
			  .flags = IREF_TLB_INV_DOMAIN | IREF_TLB_INV_RANGE,
			  .domain = 1, .first = 0x1abc, .last = 0x1abc },
		  "bgd");
	/* Overlap: the last byte of the 2M page is enough; the byte after
	 * is not. */
	check_inv((struct iref_tlb_inv){
			  .flags = IREF_TLB_INV_DOMAIN | IREF_TLB_INV_RANGE,
			  .domain = 1, .first = 0x3ff000, .last = 0x400fff },
		  "acgnd");
	check_inv((struct iref_tlb_inv){
			  .flags = IREF_TLB_INV_DOMAIN | IREF_TLB_INV_RANGE,
			  .domain = 1, .first = 0x400000, .last = 0x7fffff },
		  "abcgnd");
	check_inv((struct iref_tlb_inv){
			  .flags = IREF_TLB_INV_DOMAIN | IREF_TLB_INV_RANGE,
			  .domain = 1, .first = 0x2000, .last = 0x1fffff },
		  "abcnd");
	/* With an ASID (Arm TLBI_NH_VA without, then with global). */
	check_inv((struct iref_tlb_inv){
			  .flags = IREF_TLB_INV_DOMAIN | IREF_TLB_INV_RANGE |
				   IREF_TLB_INV_ASID,
			  .domain = 1, .asid = 5, .first = 0, .last = 0xfffff },
		  "bcgnd");
	check_inv((struct iref_tlb_inv){
			  .flags = IREF_TLB_INV_DOMAIN | IREF_TLB_INV_RANGE |
				   IREF_TLB_INV_ASID | IREF_TLB_INV_GLOBAL,
			  .domain = 1, .asid = 5, .first = 0, .last = 0xfffff },
		  "bcnd");
	/* Whole space, any domain: takes the scanning path. */
	check_inv((struct iref_tlb_inv){ .flags = IREF_TLB_INV_RANGE,
					 .first = 0, .last = UINT64_MAX }, "");
	/* Leaf-only changes nothing for a TLB. */
	check_inv((struct iref_tlb_inv){
			  .flags = IREF_TLB_INV_DOMAIN | IREF_TLB_INV_RANGE |
				   IREF_TLB_INV_LEAF,
			  .domain = 1, .first = 0x1000, .last = 0x1fff },
		  "bgd");
}
END_TEST

START_TEST(inv_size_hint)
{
	check_inv((struct iref_tlb_inv){
			  .flags = IREF_TLB_INV_DOMAIN | IREF_TLB_INV_RANGE |
				   IREF_TLB_INV_SIZE,
			  .domain = 1, .first = 0, .last = 0x3fffff,
			  .leaf_size = M2 }, "acgnd");
	check_inv((struct iref_tlb_inv){
			  .flags = IREF_TLB_INV_DOMAIN | IREF_TLB_INV_RANGE |
				   IREF_TLB_INV_SIZE,
			  .domain = 1, .first = 0, .last = 0x3fffff,
			  .leaf_size = K4 }, "bd");

	/* The hint names the leaf's size, not the size cached. */
	struct iref_tlb_cfg c = cfg1(IREF_TLB_LRU, 4, 4, K4);
	struct iref_tlb *t = mk(&c);
	struct iref_tlb_inv inv = {
		.flags = IREF_TLB_INV_RANGE | IREF_TLB_INV_SIZE,
		.first = 0, .last = UINT64_MAX, .leaf_size = K4,
	};

	ins(t, tg(1, 1), 0x200000, M2, false);
	ck_assert_uint_eq(inval(t, inv), 0);
	inv.leaf_size = M2;
	ck_assert_uint_eq(inval(t, inv), 1);
	iref_tlb_destroy(t);
}
END_TEST

/* A cached translation stays usable after the mapping changed until an
 * invalidation covers it (the TLB never looks at tables). */
START_TEST(stale_until_invalidated)
{
	struct iref_tlb_cfg c = cfg1(IREF_TLB_LRU, 16, 4, K4);
	struct iref_tlb *t = mk(&c);
	struct iref_tlb_inv other = {
		.flags = IREF_TLB_INV_DOMAIN | IREF_TLB_INV_RANGE,
		.domain = 1, .first = 0x2000, .last = 0x2fff,
	}, cover = other;

	cover.first = cover.last = 0x1ff8;
	ins(t, tg(1, 1), 0x1000, K4, false);
	ck_assert(has(t, tg(1, 1), 0x1234));
	ck_assert_uint_eq(inval(t, other), 0);
	ck_assert(has(t, tg(1, 1), 0x1234));
	ck_assert_uint_eq(inval(t, cover), 1);
	ck_assert(!has(t, tg(1, 1), 0x1234));
	iref_tlb_destroy(t);
}
END_TEST

START_TEST(inv_errors)
{
	struct iref_tlb *t = populate();
	struct iref_tlb_inv bad[] = {
		{ .flags = 1u << 7 },
		{ .flags = IREF_TLB_INV_RANGE, .first = 2, .last = 1 },
		{ .flags = IREF_TLB_INV_SIZE, .leaf_size = 5000 },
		{ .flags = IREF_TLB_INV_SIZE, .leaf_size = 2048 },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t n = 99;

		ck_assert_int_eq(iref_tlb_invalidate(t, &bad[i], &n),
				 IREF_E_INVAL);
		ck_assert_uint_eq(n, 0);
	}
	ck_assert_uint_eq(iref_tlb_count(t), N_POP);
	ck_assert_int_eq(iref_tlb_invalidate(t, &(struct iref_tlb_inv){ 0 },
					     NULL), IREF_OK);
	ck_assert_uint_eq(iref_tlb_count(t), 0);
	iref_tlb_destroy(t);
}
END_TEST

/* Range invalidation against a slow model written here: random entries of
 * three sizes, domains and ASIDs in a TLB with many sets, random ranges
 * small (probing the touched sets) and large (scanning), random filters;
 * every entry present before must survive exactly when the filters do not
 * select it. */
struct rent {
	struct iref_tlb_tag tag;
	uint64_t va, size;
	bool global, live;
};

static bool model_selects(const struct iref_tlb_inv *inv, const struct rent *r)
{
	unsigned f = inv->flags;
	bool global = r->global && r->tag.asid != NOA;

	if ((f & IREF_TLB_INV_DOMAIN) && r->tag.domain != inv->domain)
		return false;
	if ((f & IREF_TLB_INV_ASID) &&
	    !(global ? (f & IREF_TLB_INV_GLOBAL) : r->tag.asid == inv->asid))
		return false;
	if ((f & IREF_TLB_INV_HAS_ASID) && r->tag.asid == NOA)
		return false;
	if (f & IREF_TLB_INV_RANGE)
		return r->va <= inv->last && r->va + r->size - 1 >= inv->first;
	return true;
}

START_TEST(inv_range_model)
{
	static const uint64_t sizes[] = { K4, M2, G1 };
	struct iref_tlb_cfg c = {
		.policy = IREF_TLB_PLRU,
		.n_arrays = 2,
		.array = { { 512, 4, K4 | M2, 0 }, { 16, 16, G1, 0 } },
	};
	uint64_t x = 12345;
	unsigned removed_total = 0, rounds_small = 0;

	for (int round = 0; round < 200; round++) {
		struct iref_tlb *t = mk(&c);
		struct rent ents[96];
		struct iref_tlb_inv inv = { 0 };
		size_t n, want = 0;

		for (size_t i = 0; i < 96; i++) {
			struct rent *r = &ents[i];

			x = x * 6364136223846793005u + 1442695040888963407u;
			r->size = sizes[(x >> 33) % 3];
			/* Distinct pages: the entry index picks the page. */
			r->va = (r->size == G1 ? (uint64_t)i << 30
			       : r->size == M2 ? (UINT64_C(1) << 40) + i * M2
					       : (UINT64_C(2) << 40) + i * K4);
			r->tag = tg(1 + (x >> 40) % 2,
				    (x >> 45) % 4 == 3 ? NOA : (x >> 47) % 3);
			r->global = (x >> 50) % 5 == 0;
			ins(t, r->tag, r->va, r->size, r->global);
		}
		for (size_t i = 0; i < 96; i++)
			ents[i].live = has(t, ents[i].tag, ents[i].va);

		x = x * 6364136223846793005u + 1442695040888963407u;
		inv.flags = IREF_TLB_INV_RANGE | ((x >> 20) & 0xf);
		inv.domain = 1 + (x >> 30) % 2;
		inv.asid = (x >> 32) % 4 == 3 ? NOA : (x >> 34) % 3;
		if ((x >> 40) % 2) {
			/* A few pages around one entry's. */
			const struct rent *r = &ents[(x >> 41) % 96];

			inv.first = r->va - K4 * ((x >> 50) % 3);
			inv.last = r->va + K4 * ((x >> 53) % 4);
			rounds_small++;
		} else {
			inv.first = (x >> 44) % 3 << 40;
			inv.last = inv.first +
				   (x >> 10) % (UINT64_C(1) << 41);
		}
		for (size_t i = 0; i < 96; i++)
			want += ents[i].live && model_selects(&inv, &ents[i]);
		n = inval(t, inv);
		ck_assert_uint_eq(n, want);
		for (size_t i = 0; i < 96; i++) {
			bool h;

			if (!ents[i].live)
				continue;
			h = has(t, ents[i].tag, ents[i].va);
			ck_assert_msg(h == !model_selects(&inv, &ents[i]),
				      "round %d entry %zu", round, i);
		}
		removed_total += n;
		iref_tlb_destroy(t);
	}
	ck_assert_uint_gt(removed_total, 200);
	ck_assert_uint_gt(rounds_small, 50);
}
END_TEST

/* ---- Statistics ---- */

START_TEST(statistics)
{
	struct iref_tlb_cfg c = cfg1(IREF_TLB_FIFO, 2, 2, K4);
	struct iref_tlb *t = mk(&c);
	struct iref_tlb_stats s;

	ck_assert(!has(t, tg(1, 1), 0x1000));
	ins(t, tg(1, 1), 0x1000, K4, false);
	ins(t, tg(1, 1), 0x2000, K4, false);
	ins(t, tg(1, 1), 0x2000, K4, false); /* refresh: not a fill */
	ins(t, tg(1, 1), 0x3000, K4, false); /* evicts 0x1000 */
	ck_assert(has(t, tg(1, 1), 0x2000));
	ck_assert(has(t, tg(1, 1), 0x3000));
	ck_assert(!has(t, tg(1, 1), 0x1000));
	ck_assert_uint_eq(inval(t, (struct iref_tlb_inv){ 0 }), 2);
	s = stats(t);
	ck_assert_uint_eq(s.lookups, 4);
	ck_assert_uint_eq(s.hits, 2);
	ck_assert_uint_eq(s.misses, 2);
	ck_assert_uint_eq(s.fills, 3);
	ck_assert_uint_eq(s.evictions, 1);
	ck_assert_uint_eq(s.invalidated, 2);
	iref_tlb_reset_stats(t);
	s = stats(t);
	ck_assert_uint_eq(s.lookups + s.fills + s.evictions + s.invalidated, 0);
	iref_tlb_destroy(t);
}
END_TEST

/* ---- Walk caches ---- */

static struct iref_wcache *mk_wc(void)
{
	/* Stage 1: 2M/1G/512G spans (x86-64 PDE/PDPTE/PML4E caches in one
	 * array); stage 2: 2M and 1G spans in an array of their own. */
	struct iref_tlb_cfg c = {
		.policy = IREF_TLB_LRU,
		.n_arrays = 2,
		.array = { { 16, 4, M2 | G1 | G512, IREF_WC_S1 },
			   { 8, 8, M2 | G1, IREF_WC_S2 } },
	};
	struct iref_wcache *wc = NULL;
	struct iref_diag d = { 0 };

	ck_assert_msg(iref_wcache_create(&c, &wc, &d) == IREF_OK, "%s", d.msg);
	return wc;
}

static void wc_ins(struct iref_wcache *wc, struct iref_tlb_tag tag,
		   unsigned stage, uint64_t addr, uint64_t span, int level,
		   uint64_t table)
{
	struct iref_wcache_entry e = {
		.table = table, .span = span, .perm = IREF_PERM_R,
		.attrs = (uint32_t)level * 16, .level = level,
	};

	ck_assert_int_eq(iref_wcache_insert(wc, tag, stage, addr, &e), IREF_OK);
}

/* The level found for addr (the resumed-at level), or 99 on a miss; the
 * table must be the one inserted for that level. */
static int wc_level(struct iref_wcache *wc, struct iref_tlb_tag tag,
		    unsigned stage, uint64_t addr)
{
	struct iref_wcache_entry e;

	if (!iref_wcache_lookup(wc, tag, stage, addr, &e))
		return 99;
	ck_assert_uint_eq(e.table, 0x100000 * (uint64_t)(e.level + 1));
	ck_assert_uint_eq(e.attrs, (uint32_t)e.level * 16);
	ck_assert_uint_eq(e.perm, IREF_PERM_R);
	ck_assert_uint_eq(e.span, e.level == 3 ? G512 : e.level == 2 ? G1 : M2);
	return e.level;
}

/* X's PML4E, PDPTE and PDE cached: levels 3, 2, 1 resume below them. */
#define WX UINT64_C(0x8040201000)

static struct iref_wcache *wc_populate(void)
{
	struct iref_wcache *wc = mk_wc();

	wc_ins(wc, tg(1, 5), 1, WX, G512, 3, 0x400000);
	wc_ins(wc, tg(1, 5), 1, WX, G1, 2, 0x300000);
	wc_ins(wc, tg(1, 5), 1, WX, M2, 1, 0x200000);
	wc_ins(wc, tg(1, 9), 2, WX, G1, 2, 0x300000);
	return wc;
}

START_TEST(wcache_deepest)
{
	struct iref_wcache *wc = wc_populate();
	struct iref_wcache_entry e;

	ck_assert_int_eq(wc_level(wc, tg(1, 5), 1, WX + 0x1234), 1);
	ck_assert_int_eq(wc_level(wc, tg(1, 5), 1, WX + M2), 2);
	ck_assert_int_eq(wc_level(wc, tg(1, 5), 1, WX + G1), 3);
	ck_assert_int_eq(wc_level(wc, tg(1, 5), 1, WX + G512), 99);
	/* Tags: ASID and domain of stage-1 entries. */
	ck_assert_int_eq(wc_level(wc, tg(1, 6), 1, WX), 99);
	ck_assert_int_eq(wc_level(wc, tg(2, 5), 1, WX), 99);
	/* Stages do not see each other; stage 2 ignores the ASID. */
	ck_assert_int_eq(wc_level(wc, tg(1, 5), 2, WX), 2);
	ck_assert_int_eq(wc_level(wc, tg(1, NOA), 2, WX), 2);
	ck_assert_int_eq(wc_level(wc, tg(2, 5), 2, WX), 99);
	ck_assert(!iref_wcache_lookup(wc, tg(1, 5), 3, WX, &e));

	struct iref_tlb_stats s;

	iref_wcache_get_stats(wc, &s);
	ck_assert_uint_eq(s.hits, 5);
	ck_assert_uint_eq(s.misses, 5);
	ck_assert_uint_eq(s.fills, 4);
	ck_assert_uint_eq(iref_wcache_count(wc), 4);
	iref_wcache_reset_stats(wc);
	iref_wcache_get_stats(wc, &s);
	ck_assert_uint_eq(s.lookups, 0);
	iref_wcache_destroy(wc);
}
END_TEST

START_TEST(wcache_insert_errors)
{
	struct iref_wcache *wc = mk_wc();
	struct iref_wcache_entry e = { .table = 0x1000, .span = M2 };

	ck_assert_int_eq(iref_wcache_insert(wc, tg(1, 1), 0, 0, &e),
			 IREF_E_INVAL);
	ck_assert_int_eq(iref_wcache_insert(wc, tg(1, 1), 3, 0, &e),
			 IREF_E_INVAL);
	e.span = 3 * M2;
	ck_assert_int_eq(iref_wcache_insert(wc, tg(1, 1), 1, 0, &e),
			 IREF_E_INVAL);
	e.span = K4; /* not held */
	ck_assert_int_eq(iref_wcache_insert(wc, tg(1, 1), 1, 0, &e),
			 IREF_E_RANGE);
	e.span = G512; /* held for stage 1 only */
	ck_assert_int_eq(iref_wcache_insert(wc, tg(1, 1), 2, 0, &e),
			 IREF_E_RANGE);
	e.span = M2, e.perm = 9;
	ck_assert_int_eq(iref_wcache_insert(wc, tg(1, 1), 1, 0, &e),
			 IREF_E_INVAL);
	ck_assert_uint_eq(iref_wcache_count(wc), 0);
	iref_wcache_destroy(wc);

	/* Configuration: walk-cache arrays need stages. */
	struct iref_tlb_cfg c = cfg1(IREF_TLB_LRU, 8, 2, M2);
	struct iref_diag d = { 0 };

	ck_assert_int_eq(iref_wcache_create(&c, &wc, &d), IREF_E_INVAL);
	ck_assert_ptr_null(wc);
	ck_assert_ptr_nonnull(strstr(d.msg, "stages 0x0"));
	c.array[0].stages = 4;
	ck_assert_int_eq(iref_wcache_create(&c, &wc, &d), IREF_E_INVAL);
	/* The same span may be held once per stage. */
	c.n_arrays = 2;
	c.array[0].stages = IREF_WC_S1;
	c.array[1] = (struct iref_tlb_array_cfg){ 4, 4, M2, IREF_WC_S2 };
	ck_assert_int_eq(iref_wcache_create(&c, &wc, &d), IREF_OK);
	iref_wcache_destroy(wc);
	c.array[1].stages = IREF_WC_S1 | IREF_WC_S2;
	ck_assert_int_eq(iref_wcache_create(&c, &wc, &d), IREF_E_INVAL);
}
END_TEST

/* Survivors among X's entries after inv: stage-1 levels 3, 2, 1 as
 * "321", then "s" for the stage-2 entry. */
static void check_wc_inv(struct iref_tlb_inv inv, const char *kept)
{
	struct iref_wcache *wc = wc_populate();
	char got[8], *p = got;
	size_t n = 77;

	ck_assert_int_eq(iref_wcache_invalidate(wc, &inv, &n), IREF_OK);
	if (wc_level(wc, tg(1, 5), 1, WX + G1) == 3)
		*p++ = '3';
	if (wc_level(wc, tg(1, 5), 1, WX + M2) == 2)
		*p++ = '2';
	if (wc_level(wc, tg(1, 5), 1, WX) == 1)
		*p++ = '1';
	if (wc_level(wc, tg(1, 9), 2, WX) == 2)
		*p++ = 's';
	*p = 0;
	ck_assert_msg(strcmp(got, kept) == 0, "flags 0x%x: kept %s, want %s",
		      inv.flags, got, kept);
	ck_assert_uint_eq(n, 4 - strlen(kept));
	ck_assert_uint_eq(iref_wcache_count(wc), strlen(kept));
	iref_wcache_destroy(wc);
}

START_TEST(wcache_invalidate)
{
	const unsigned dr = IREF_TLB_INV_DOMAIN | IREF_TLB_INV_RANGE;

	check_wc_inv((struct iref_tlb_inv){ 0 }, "");
	check_wc_inv((struct iref_tlb_inv){ .flags = IREF_TLB_INV_DOMAIN,
					    .domain = 2 }, "321s");
	/* Leaf-only: the walk cache keeps everything. */
	check_wc_inv((struct iref_tlb_inv){ .flags = IREF_TLB_INV_LEAF },
		     "321s");
	/* A range inside X's 2M region drops every level covering it, in
	 * both stages. */
	check_wc_inv((struct iref_tlb_inv){ .flags = dr, .domain = 1,
					    .first = WX, .last = WX },
		     "");
	/* In the same 1G, another 2M: X's PDE entry survives. */
	check_wc_inv((struct iref_tlb_inv){ .flags = dr, .domain = 1,
					    .first = WX + M2,
					    .last = WX + M2 }, "1");
	/* Same 512G, another 1G: PDPTE and PDE survive, and stage 2's 1G
	 * entry too. */
	check_wc_inv((struct iref_tlb_inv){ .flags = dr, .domain = 1,
					    .first = WX + G1,
					    .last = WX + G1 }, "21s");
	/* By ASID: stage-1 entries; stage 2 has none. */
	check_wc_inv((struct iref_tlb_inv){
			     .flags = IREF_TLB_INV_DOMAIN | IREF_TLB_INV_ASID,
			     .domain = 1, .asid = 5 }, "s");
	check_wc_inv((struct iref_tlb_inv){
			     .flags = IREF_TLB_INV_DOMAIN | IREF_TLB_INV_ASID,
			     .domain = 1, .asid = 9 }, "321s");
	/* Stage 2 only (RISC-V GVMA, Arm S2 by VMID). */
	check_wc_inv((struct iref_tlb_inv){
			     .flags = IREF_TLB_INV_DOMAIN | IREF_TLB_INV_ASID,
			     .domain = 1, .asid = NOA }, "321");
	check_wc_inv((struct iref_tlb_inv){
			     .flags = IREF_TLB_INV_DOMAIN |
				      IREF_TLB_INV_HAS_ASID,
			     .domain = 1 }, "s");
	/* A size hint is about leaves: ignored here. */
	check_wc_inv((struct iref_tlb_inv){
			     .flags = dr | IREF_TLB_INV_SIZE, .domain = 1,
			     .first = WX, .last = WX, .leaf_size = K4 }, "");
}
END_TEST

/* The nested walk's cache of stage-2 translations of stage-1 table
 * addresses: a TLB of its own keyed by {VMID, NO_ASID} and the table's
 * GPA; the host's stage-2 invalidation by IPA drops it. */
START_TEST(s2_table_cache)
{
	struct iref_tlb_cfg c = cfg1(IREF_TLB_LRU, 16, 4, K4 | M2);
	struct iref_tlb *t = mk(&c);
	struct iref_tlb_xlate x = {
		.pa = 0x880000000, .page_size = M2, .perm = IREF_PERM_R,
	};

	ck_assert_int_eq(iref_tlb_insert(t, tg(3, NOA), 0x40000000, &x),
			 IREF_OK);
	ck_assert(iref_tlb_lookup(t, tg(3, NOA), 0x40001000, IREF_ACC_READ,
				  &x));
	ck_assert_uint_eq(x.pa, 0x880001000);
	ck_assert_uint_eq(inval(t, (struct iref_tlb_inv){
				  .flags = IREF_TLB_INV_DOMAIN |
					   IREF_TLB_INV_ASID |
					   IREF_TLB_INV_RANGE,
				  .domain = 3, .asid = NOA,
				  .first = 0x40100000, .last = 0x40100fff }),
			  1);
	ck_assert(!iref_tlb_lookup(t, tg(3, NOA), 0x40001000, IREF_ACC_READ,
				   &x));
	iref_tlb_destroy(t);
}
END_TEST

static Suite *tlb_suite(void)
{
	Suite *s = suite_create("tlb");
	TCase *tc = tcase_create("config");

	tcase_add_test(tc, policy_names);
	tcase_add_test(tc, config_errors);
	tcase_add_test(tc, insert_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("replacement");
	tcase_add_test(tc, lru_sequence);
	tcase_add_test(tc, fifo_sequence);
	tcase_add_test(tc, plru_sequence);
	tcase_add_test(tc, lru_sets_independent);
	tcase_add_test(tc, plru_bit_reversal);
	tcase_add_test(tc, random_victims);
	tcase_add_test(tc, random_seed_determinism);
	suite_add_tcase(s, tc);

	tc = tcase_create("geometry");
	tcase_add_test(tc, direct_mapped);
	tcase_add_test(tc, fully_associative);
	tcase_add_test(tc, set_index);
	tcase_add_test(tc, per_size_arrays);
	tcase_add_test(tc, shared_array_sizes);
	tcase_add_test(tc, splinter);
	tcase_add_test(tc, page_size_2_63);
	tcase_add_test(tc, refresh_in_place);
	suite_add_tcase(s, tc);

	tc = tcase_create("tags");
	tcase_add_test(tc, tag_matching);
	tcase_add_test(tc, permission_miss);
	suite_add_tcase(s, tc);

	tc = tcase_create("invalidate");
	tcase_add_test(tc, inv_all);
	tcase_add_test(tc, inv_domain);
	tcase_add_test(tc, inv_asid);
	tcase_add_test(tc, inv_range);
	tcase_add_test(tc, inv_size_hint);
	tcase_add_test(tc, stale_until_invalidated);
	tcase_add_test(tc, inv_errors);
	tcase_add_test(tc, inv_range_model);
	tcase_add_test(tc, statistics);
	suite_add_tcase(s, tc);

	tc = tcase_create("walk cache");
	tcase_add_test(tc, wcache_deepest);
	tcase_add_test(tc, wcache_insert_errors);
	tcase_add_test(tc, wcache_invalidate);
	tcase_add_test(tc, s2_table_cache);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return iref_test_run(tlb_suite());
}
