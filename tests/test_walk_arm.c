/* Unit tests of the Arm walker formats "arm-s1" and "arm-s2": the worked
 * examples (§15) and edge cases (§16) of the Arm page-table reference,
 * builder round trips, options, property tests against a flat reference
 * map, hostile memory and nested translation. */
#include "iommu-ref/walk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "walk_fixture.h"

#define RD IREF_ACC_READ
#define WR IREF_ACC_WRITE
#define EX IREF_ACC_EXEC
#define R IREF_PERM_R
#define W IREF_PERM_W
#define X IREF_PERM_X
#define U true  /* unprivileged (PnU = 0) */
#define P false /* privileged */

#define KB(n) ((uint64_t)(n) << 10)
#define MB(n) ((uint64_t)(n) << 20)
#define GB(n) ((uint64_t)(n) << 30)

#define TRANSL IREF_WF_TRANSLATION, IREF_ARM_F_TRANSLATION
#define ADDRSZ IREF_WF_ADDRESS_SIZE, IREF_ARM_F_ADDR_SIZE
#define ACCESS IREF_WF_ACCESS_FLAG, IREF_ARM_F_ACCESS
#define PERM IREF_WF_PERMISSION, IREF_ARM_F_PERMISSION
#define EABT IREF_WF_BUS_ERROR, IREF_ARM_F_WALK_EABT
#define BAD_CD IREF_WF_CONFIG, IREF_ARM_C_BAD_CD
#define BAD_STE IREF_WF_CONFIG, IREF_ARM_C_BAD_STE

#define CLASS(c) ((uint32_t)IREF_ARM_CLASS_##c << 8)

/* A configuration from a format name and NULL-terminated key, value
 * pairs. */
static struct iref_walk_cfg mkcfg(const char *name, const char *const *kv)
{
	struct iref_walk_cfg c;
	struct iref_diag d = {0};
	ck_assert_int_eq(iref_walk_cfg_init(&c, name, &d), IREF_OK);
	for (; kv && *kv; kv += 2) {
		enum iref_rc rc = iref_walk_cfg_set(&c, kv[0], kv[1], &d);
		ck_assert_msg(rc == IREF_OK, "%s=%s: %s", kv[0], kv[1], d.msg);
	}
	return c;
}
#define S1(...) mkcfg("arm-s1", (const char *const[]){__VA_ARGS__, NULL})
#define S2(...) mkcfg("arm-s2", (const char *const[]){__VA_ARGS__, NULL})

static void set(struct iref_walk_cfg *c, const char *key, const char *value)
{
	struct iref_diag d = {0};
	enum iref_rc rc = iref_walk_cfg_set(c, key, value, &d);
	ck_assert_msg(rc == IREF_OK, "%s=%s: %s", key, value, d.msg);
}

static const struct iref_walk_result *walk(const struct iref_walk_cfg *c,
					   uint64_t addr, unsigned acc,
					   bool unpriv)
{
	struct iref_walk_req r = {.addr = addr, .access = acc, .priv = !unpriv};
	ck_assert_int_eq(iref_walk(c, mem, &r, &res), IREF_OK);
	return &res;
}

static const struct iref_walk_result *nested(const struct iref_walk_cfg *s1,
					     const struct iref_walk_cfg *s2,
					     uint64_t addr, unsigned acc,
					     bool unpriv)
{
	struct iref_walk_req r = {.addr = addr, .access = acc, .priv = !unpriv};
	ck_assert_int_eq(iref_walk_nested(s1, s2, mem, &r, &res), IREF_OK);
	return &res;
}

/* Each evaluates r once: it is often a walk() call. */
#define EXPECT_OK(r, pa_, size_, level_)                                    \
	do {                                                                \
		const struct iref_walk_result *r_ = (r);                    \
		ck_assert_msg(r_->ok, "fault %s code 0x%x level %d stage %u", \
			      iref_wfault_name(r_->fault.reason),           \
			      r_->fault.code, r_->fault.level,              \
			      r_->fault.stage);                             \
		ck_assert_uint_eq(r_->pa, (pa_));                           \
		ck_assert_uint_eq(r_->page_size, (size_));                  \
		ck_assert_int_eq(r_->level, (level_));                      \
	} while (0)

/* reason and code come as one argument pair (TRANSL, PERM, ...). */
#define EXPECT_FAULT(r, ...) EXPECT_FAULT_(r, __VA_ARGS__)
#define EXPECT_FAULT_(r, reason_, code_, level_)                            \
	do {                                                                \
		const struct iref_walk_result *r_ = (r);                    \
		ck_assert_msg(!r_->ok, "ok pa 0x%llx",                      \
			      (unsigned long long)r_->pa);                  \
		ck_assert_str_eq(iref_wfault_name(r_->fault.reason),        \
				 iref_wfault_name(reason_));                \
		ck_assert_uint_eq(r_->fault.code, (code_));                 \
		ck_assert_int_eq(r_->fault.level, (level_));                \
	} while (0)

/* Number of recorded accesses of one kind. */
static unsigned count(const struct iref_walk_result *r, unsigned kind)
{
	unsigned n = 0;
	for (unsigned i = 0; i < r->n_acc && i < IREF_WALK_MAX_ACCESSES; i++)
		n += r->acc[i].kind == kind;
	return n;
}

/* ---- §15.1: stage 1, 4 KB granule, 39-bit VA ---- */

#define E1_ROOT UINT64_C(0x80000000)
#define E1_L1 UINT64_C(0x80000800)
#define E1_L2 UINT64_C(0x80001488)
#define E1_L3 UINT64_C(0x80002a28)
#define E1_VA UINT64_C(0x0000004012345678)
#define E1_LEAF UINT64_C(0x000000c0ffee0f47)

/* The §15.1 CD and tables; extra options as key, value pairs. */
static struct iref_walk_cfg ex151(const char *const *kv)
{
	struct iref_walk_cfg c = S1("t0sz", "25", "tg0", "4k", "epd1", "1",
				    "ips", "2",
				    "affd", "0", "ha", "0", "hd", "0",
				    "had0", "0", "asid", "5", "mair",
				    "0xff04");
	for (; kv && *kv; kv += 2)
		set(&c, kv[0], kv[1]);
	c.root = E1_ROOT;
	w64(E1_L1, UINT64_C(0x0000000080001003));
	w64(E1_L2, UINT64_C(0x0000000080002003));
	w64(E1_L3, E1_LEAF);
	return c;
}
#define EX151(...) ex151((const char *const[]){__VA_ARGS__, NULL})

START_TEST(test_ex15_1_walk)
{
	struct iref_walk_cfg c = ex151(NULL);
	const struct iref_walk_result *r = walk(&c, E1_VA, RD, U);
	EXPECT_OK(r, UINT64_C(0x000000c0ffee0678), KB(4), 3);
	/* Unprivileged RW and execute (UXN = 0). */
	ck_assert_uint_eq(r->perm, R | W | X);
	/* AttrIndx 1 -> MAIR Attr1 = 0xff, SH 11, nG. */
	ck_assert_uint_eq(r->attrs, 0xff39);
	ck_assert(!r->global);
	ck_assert_uint_eq(r->n_acc, 3);
	const uint64_t addr[3] = {E1_L1, E1_L2, E1_L3};
	const uint64_t val[3] = {UINT64_C(0x80001003), UINT64_C(0x80002003),
				 E1_LEAF};
	for (unsigned i = 0; i < 3; i++) {
		ck_assert_uint_eq(r->acc[i].addr, addr[i]);
		ck_assert_uint_eq(r->acc[i].value, val[i]);
		ck_assert_int_eq(r->acc[i].level, (int)i + 1);
		ck_assert_uint_eq(r->acc[i].kind, IREF_WALK_RD);
		ck_assert_uint_eq(r->acc[i].stage, 1);
		ck_assert_uint_eq(r->acc[i].size, 8);
	}
	/* Privileged: RW, execute denied (the page is EL0-writable). */
	r = walk(&c, E1_VA, RD, P);
	ck_assert(r->ok);
	ck_assert_uint_eq(r->perm, R | W);
	EXPECT_FAULT(walk(&c, E1_VA, EX, P), PERM, 3);
	EXPECT_OK(walk(&c, E1_VA, EX, U), UINT64_C(0xc0ffee0678), KB(4), 3);
}
END_TEST

START_TEST(test_ex15_1a_ro_write)
{
	struct iref_walk_cfg c = ex151(NULL);
	w64(E1_L3, UINT64_C(0x000000c0ffee0fc7));
	const struct iref_walk_result *r = walk(&c, E1_VA, WR, U);
	EXPECT_FAULT(r, PERM, 3);
	ck_assert_uint_eq(r->fault.stage, 1);
	ck_assert_uint_eq(r->fault.addr, E1_VA);
	ck_assert_uint_eq(r->fault.addr2, 0);
	/* S2 = 0, CLASS = IN, RnW = 0 (write), PnU = 0. */
	ck_assert_uint_eq(r->fault.flags, CLASS(IN));
	ck_assert(!r->fault.on_walk);
}
END_TEST

START_TEST(test_ex15_1b_af_clear)
{
	struct iref_walk_cfg c = ex151(NULL);
	w64(E1_L3, UINT64_C(0x000000c0ffee0b47));
	const struct iref_walk_result *r = walk(&c, E1_VA, RD, U);
	EXPECT_FAULT(r, ACCESS, 3);
	ck_assert_uint_eq(r->fault.flags, IREF_ARM_FLAG_RNW | CLASS(IN));
	ck_assert_uint_eq(count(r, IREF_WALK_WR), 0);
	ck_assert_uint_eq(r64(E1_L3), UINT64_C(0x000000c0ffee0b47));
}
END_TEST

START_TEST(test_ex15_1c_ha_sets_af)
{
	struct iref_walk_cfg c = EX151("ha", "1");
	w64(E1_L3, UINT64_C(0x000000c0ffee0b47));
	const struct iref_walk_result *r = walk(&c, E1_VA, RD, U);
	EXPECT_OK(r, UINT64_C(0xc0ffee0678), KB(4), 3);
	ck_assert_uint_eq(r64(E1_L3), E1_LEAF);
	ck_assert_uint_eq(r->n_acc, 4);
	ck_assert_uint_eq(r->acc[3].kind, IREF_WALK_WR);
	ck_assert_uint_eq(r->acc[3].addr, E1_L3);
	ck_assert_uint_eq(r->acc[3].value, E1_LEAF);
	ck_assert_uint_eq(r->acc[3].size, 8);
}
END_TEST

START_TEST(test_ex15_1d_dbm_dirty)
{
	struct iref_walk_cfg c = EX151("ha", "1", "hd", "1");
	w64(E1_L3, UINT64_C(0x000800c0ffee0fc7));
	const struct iref_walk_result *r = walk(&c, E1_VA, WR, U);
	EXPECT_OK(r, UINT64_C(0xc0ffee0678), KB(4), 3);
	ck_assert_uint_eq(r64(E1_L3), UINT64_C(0x000800c0ffee0f47));
	ck_assert_uint_eq(count(r, IREF_WALK_WR), 1);
	ck_assert_uint_eq(r->perm & W, W);
}
END_TEST

START_TEST(test_ex15_1e_dbm_no_hd)
{
	struct iref_walk_cfg c = EX151("ha", "1");
	w64(E1_L3, UINT64_C(0x000800c0ffee0fc7));
	EXPECT_FAULT(walk(&c, E1_VA, WR, U), PERM, 3);
	ck_assert_uint_eq(r64(E1_L3), UINT64_C(0x000800c0ffee0fc7));
	ck_assert_uint_eq(count(&res, IREF_WALK_WR), 0);
}
END_TEST

START_TEST(test_ex15_1f_oa_bit40)
{
	struct iref_walk_cfg c = ex151(NULL);
	w64(E1_L3, UINT64_C(0x000001c0ffee0f47));
	EXPECT_FAULT(walk(&c, E1_VA, RD, U), ADDRSZ, 3);
}
END_TEST

START_TEST(test_ex15_1g_invalid)
{
	struct iref_walk_cfg c = ex151(NULL);
	w64(E1_L3, 0);
	EXPECT_FAULT(walk(&c, E1_VA, RD, U), TRANSL, 3);
}
END_TEST

START_TEST(test_ex15_1h_va_bit39)
{
	struct iref_walk_cfg c = ex151(NULL);
	const struct iref_walk_result *r =
		walk(&c, UINT64_C(0x0000008000000000), RD, U);
	EXPECT_FAULT(r, TRANSL, 0);
	ck_assert_uint_eq(r->n_acc, 0);
}
END_TEST

START_TEST(test_ex15_1i_ttb1_epd1)
{
	struct iref_walk_cfg c = ex151(NULL);
	const struct iref_walk_result *r =
		walk(&c, UINT64_C(0xffffffc000000000), RD, U);
	EXPECT_FAULT(r, TRANSL, 0);
	ck_assert_uint_eq(r->n_acc, 0);
}
END_TEST

START_TEST(test_ex15_1j_aptable0_unpriv)
{
	struct iref_walk_cfg c = ex151(NULL);
	w64(E1_L1, UINT64_C(0x2000000080001003));
	EXPECT_FAULT(walk(&c, E1_VA, RD, U), PERM, 3);
}
END_TEST

START_TEST(test_ex15_1k_aptable0_priv_write)
{
	struct iref_walk_cfg c = ex151(NULL);
	w64(E1_L1, UINT64_C(0x2000000080001003));
	const struct iref_walk_result *r = walk(&c, E1_VA, WR, P);
	EXPECT_OK(r, UINT64_C(0xc0ffee0678), KB(4), 3);
	/* No longer EL0-accessible, so no implicit PXN either. */
	ck_assert_uint_eq(r->perm, R | W | X);
}
END_TEST

START_TEST(test_ex15_1k2_aptable1_priv_write)
{
	struct iref_walk_cfg c = EX151("ha", "1", "hd", "1");
	w64(E1_L1, UINT64_C(0x4000000080001003));
	EXPECT_FAULT(walk(&c, E1_VA, WR, P), PERM, 3);
	/* DBM + HD cannot lift APTable[1]. */
	w64(E1_L3, UINT64_C(0x000800c0ffee0fc7));
	EXPECT_FAULT(walk(&c, E1_VA, WR, P), PERM, 3);
	ck_assert_uint_eq(r64(E1_L3), UINT64_C(0x000800c0ffee0fc7));
}
END_TEST

START_TEST(test_ex15_1l_l1_block_af)
{
	struct iref_walk_cfg c = ex151(NULL);
	w64(E1_L1, 1);
	const struct iref_walk_result *r = walk(&c, E1_VA, RD, U);
	EXPECT_FAULT(r, ACCESS, 1);
	ck_assert_uint_eq(r->n_acc, 1);
}
END_TEST

/* ---- §15.2: stage 2, 40-bit IPA, two concatenated tables ---- */

#define E2_ROOT UINT64_C(0x90000000)
#define E2_IPA UINT64_C(0x0000008040001234)

static struct iref_walk_cfg ex152(void)
{
	struct iref_walk_cfg c = S2("s2t0sz", "24", "s2sl0", "1", "s2tg",
				    "4k", "s2ps", "5", "s2affd", "0");
	c.root = E2_ROOT;
	w64(UINT64_C(0x90001008), UINT64_C(0x00000001400007fd));
	return c;
}

START_TEST(test_ex15_2_walk)
{
	struct iref_walk_cfg c = ex152();
	const struct iref_walk_result *r = walk(&c, E2_IPA, RD, U);
	EXPECT_OK(r, UINT64_C(0x0000000140001234), GB(1), 1);
	ck_assert_uint_eq(r->n_acc, 1);
	ck_assert_uint_eq(r->acc[0].addr, UINT64_C(0x90001008));
	ck_assert_uint_eq(r->acc[0].stage, 2);
	ck_assert_uint_eq(r->perm, R | W | X);
	/* MemAttr 0xF, SH 11. */
	ck_assert_uint_eq(r->attrs, 0x3f);
}
END_TEST

START_TEST(test_ex15_2_sl0_l2_bad_ste)
{
	struct iref_walk_cfg c = ex152();
	set(&c, "s2sl0", "0");
	const struct iref_walk_result *r = walk(&c, E2_IPA, RD, U);
	EXPECT_FAULT(r, BAD_STE, -1);
	ck_assert_uint_eq(r->n_acc, 0);
	ck_assert_uint_eq(r->fault.flags, 0);
}
END_TEST

START_TEST(test_ex15_2_ipa_range)
{
	struct iref_walk_cfg c = ex152();
	const struct iref_walk_result *r =
		walk(&c, UINT64_C(0x0000010000000000), RD, U);
	EXPECT_FAULT(r, TRANSL, 0);
	ck_assert_uint_eq(r->fault.stage, 2);
	ck_assert_uint_eq(r->fault.flags,
			  IREF_ARM_FLAG_S2 | IREF_ARM_FLAG_RNW | CLASS(IN));
	ck_assert_uint_eq(r->fault.addr2, UINT64_C(0x0000010000000000));
	ck_assert_uint_eq(r->n_acc, 0);
}
END_TEST

/* ---- §15.3: nested sketch ---- */

/* Stage 2 of §15.3: identity over 40 bits with 1 GB blocks, the block
 * holding 0x8000_0000 read-only. */
static struct iref_walk_cfg ex153_s2(void)
{
	struct iref_walk_cfg c = S2("s2t0sz", "24", "s2sl0", "1");
	c.root = E2_ROOT;
	for (uint64_t i = 0; i < 1024; i++)
		w64(E2_ROOT + 8 * i,
		    i << 30 | (i == 2 ? UINT64_C(0x77d) : UINT64_C(0x7fd)));
	return c;
}

START_TEST(test_ex15_3_nested_read)
{
	struct iref_walk_cfg s1 = ex151(NULL), s2 = ex153_s2();
	const struct iref_walk_result *r = nested(&s1, &s2, E1_VA, RD, U);
	EXPECT_OK(r, UINT64_C(0xc0ffee0678), KB(4), 1);
	ck_assert_uint_eq(r->perm, R | W | X);
	ck_assert_uint_eq(r->attrs, 0xff39 | 0x3fu << 16);
	/* Each stage-1 read after a one-level stage-2 walk, then the
	 * output: 7 reads, no write. */
	ck_assert_uint_eq(r->n_acc, 7);
	ck_assert_uint_eq(count(r, IREF_WALK_WR), 0);
	ck_assert_uint_eq(r->acc[0].stage, 2);
	ck_assert_uint_eq(r->acc[0].addr, E2_ROOT + 8 * 2);
	ck_assert_uint_eq(r->acc[1].stage, 1);
	ck_assert_uint_eq(r->acc[1].addr, E1_L1);
	ck_assert_uint_eq(r->acc[6].addr, E2_ROOT + 8 * 0x303);
}
END_TEST

START_TEST(test_ex15_3_nested_httu_ro)
{
	struct iref_walk_cfg s1 = EX151("ha", "1"), s2 = ex153_s2();
	w64(E1_L3, UINT64_C(0x000000c0ffee0b47));
	const struct iref_walk_result *r = nested(&s1, &s2, E1_VA, RD, U);
	EXPECT_FAULT(r, PERM, 1);
	ck_assert_uint_eq(r->fault.stage, 2);
	ck_assert(r->fault.on_walk);
	ck_assert_uint_eq(r->fault.flags, IREF_ARM_FLAG_S2 |
					  IREF_ARM_FLAG_RNW | CLASS(TT));
	ck_assert(!(r->fault.flags & IREF_ARM_FLAG_TTRNW));
	ck_assert_uint_eq(r->fault.addr2, E1_L3);
	ck_assert_uint_eq(r->fault.addr, E1_VA);
	ck_assert_uint_eq(r64(E1_L3), UINT64_C(0x000000c0ffee0b47));
}
END_TEST

/* ---- §16 edge cases ---- */

/* §16.1 / §3.2: start level and start-table size for every row of the
 * table, plus the small-table extremes. */
START_TEST(test_edge01_start_levels)
{
	static const struct {
		const char *gran, *t0sz;
		unsigned start, idx0;
		bool big; /* 52-bit VA and PA */
		bool stt;
	} rows[] = {
		{"4k", "16", 0, 9, false, false},
		{"4k", "25", 1, 9, false, false},
		{"4k", "24", 0, 1, false, false},
		{"4k", "39", 2, 4, false, false},
		{"16k", "16", 0, 1, false, false},
		{"16k", "17", 1, 11, false, false},
		{"64k", "16", 1, 6, false, false},
		{"64k", "12", 1, 10, true, false},
		{"64k", "22", 2, 13, false, false},
		{"4k", "48", 3, 4, false, true},
		{"64k", "47", 3, 1, false, true},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		iref_sparse_mem_destroy(sm);
		setup();
		struct iref_walk_cfg c = S1("granule", rows[i].gran, "t0sz",
					    rows[i].t0sz, "idr3.stt",
					    rows[i].stt ? "1" : "0");
		if (rows[i].big) {
			set(&c, "idr5.oas", "52");
			set(&c, "idr5.vax", "1");
			set(&c, "ips", "52");
		}
		unsigned in = 64 - (unsigned)atoi(rows[i].t0sz);
		uint64_t gran = rows[i].gran[0] == '4' ? KB(4)
				: rows[i].gran[0] == '1' ? KB(16) : KB(64);
		uint64_t top = (UINT64_C(1) << in) - gran;
		c.root = 0x100000;
		struct iref_pool pool = {0x200000, 0x4000000};
		struct iref_build_map map = {top, GB(1), gran, R | W, 0, 0};
		ck_assert_int_eq(iref_build(&c, mem, &pool, &map, 1, NULL),
				 IREF_OK);
		const struct iref_walk_result *r = walk(&c, top + 8, RD, P);
		EXPECT_OK(r, GB(1) + 8, gran, 3);
		ck_assert_uint_eq(r->n_acc, 4 - rows[i].start);
		ck_assert_int_eq(r->acc[0].level, (int)rows[i].start);
		ck_assert_uint_eq(r->acc[0].addr,
				  0x100000 + 8 * ((UINT64_C(1) << rows[i].idx0) -
						  1));
		/* VA 0 indexes the first entry; nothing there. */
		r = walk(&c, 0, RD, P);
		EXPECT_FAULT(r, TRANSL, (int)rows[i].start);
		ck_assert_uint_eq(r->acc[0].addr, 0x100000);
	}
}
END_TEST

START_TEST(test_edge02_txsz_range)
{
	struct iref_walk_cfg c = S1("t0sz", "15");
	c.root = 0x100000;
	EXPECT_FAULT(walk(&c, 0, RD, P), BAD_CD, -1);
	ck_assert_uint_eq(res.n_acc, 0);
	set(&c, "t0sz", "40"); /* above 39 without STT */
	EXPECT_FAULT(walk(&c, 0, RD, P), BAD_CD, -1);
	set(&c, "idr3.stt", "1");
	EXPECT_FAULT(walk(&c, 0, RD, P), TRANSL, 2);
	set(&c, "t0sz", "48");
	EXPECT_FAULT(walk(&c, 0, RD, P), TRANSL, 3);
	set(&c, "t0sz", "49");
	EXPECT_FAULT(walk(&c, 0, RD, P), BAD_CD, -1);
	/* 64 KB: 47 is the largest with STT; 12 needs 52-bit VAs. */
	set(&c, "granule", "64k");
	set(&c, "t0sz", "48");
	EXPECT_FAULT(walk(&c, 0, RD, P), BAD_CD, -1);
	set(&c, "t0sz", "47");
	EXPECT_FAULT(walk(&c, 0, RD, P), TRANSL, 3);
	set(&c, "t0sz", "12");
	EXPECT_FAULT(walk(&c, 0, RD, P), BAD_CD, -1);
	set(&c, "idr5.vax", "1");
	EXPECT_FAULT(walk(&c, 0, RD, P), TRANSL, 1);
	/* An out-of-range value in a disabled half is not checked. */
	c = S1("t1sz", "5");
	c.root = 0x100000;
	EXPECT_FAULT(walk(&c, 0, RD, P), TRANSL, 0);
	ck_assert_uint_eq(res.n_acc, 1);
	set(&c, "epd1", "0");
	EXPECT_FAULT(walk(&c, 0, RD, P), BAD_CD, -1);
	/* SMMUv3.0's alternative: clamp (45 -> 39: start level 2). */
	c = S1("t0sz", "45", "txsz_oor", "clamp");
	c.root = 0x100000;
	EXPECT_FAULT(walk(&c, UINT64_C(0x1fff000), RD, P), TRANSL, 2);
	ck_assert_uint_eq(res.acc[0].addr, 0x100000 + 8 * 15);
}
END_TEST

START_TEST(test_edge03_tg_encodings)
{
	struct iref_walk_cfg c = S1("tg1", "4k");
	ck_assert_uint_eq(c.u.arm.tg1, 2);
	set(&c, "tg1", "16k");
	ck_assert_uint_eq(c.u.arm.tg1, 1);
	set(&c, "granule", "64k");
	ck_assert_uint_eq(c.u.arm.tg0, 1);
	ck_assert_uint_eq(c.u.arm.tg1, 3);
	/* TG1 = 0b10 is 4 KB: VA[38:30] = 5 indexes entry 5 of TTB1. */
	c = S1("epd1", "0", "t1sz", "25", "tg1", "2", "ttb1", "0x81000000");
	c.root = 0x100000;
	uint64_t va = UINT64_C(0xffffff8000000000) | GB(5);
	EXPECT_FAULT(walk(&c, va, RD, P), TRANSL, 1);
	ck_assert_uint_eq(res.acc[0].addr, UINT64_C(0x81000000) + 8 * 5);
	/* TG1 = 0b01 is 16 KB: the same VA uses VA[38:36] = 0. */
	set(&c, "tg1", "1");
	EXPECT_FAULT(walk(&c, va, RD, P), TRANSL, 1);
	ck_assert_uint_eq(res.acc[0].addr, UINT64_C(0x81000000));
	set(&c, "tg1", "0"); /* reserved */
	EXPECT_FAULT(walk(&c, va, RD, P), BAD_CD, -1);
	set(&c, "epd1", "1"); /* ignored when disabled */
	EXPECT_FAULT(walk(&c, 0, RD, P), TRANSL, 0);
	set(&c, "tg0", "3");
	EXPECT_FAULT(walk(&c, 0, RD, P), BAD_CD, -1);
	set(&c, "tg0", "16k");
	set(&c, "idr5.gran16k", "0");
	EXPECT_FAULT(walk(&c, 0, RD, P), BAD_CD, -1);
	/* Stage 2: reserved S2TG and a granule not in IDR5. */
	struct iref_walk_cfg s2 = S2("s2tg", "3");
	EXPECT_FAULT(walk(&s2, 0, RD, P), BAD_STE, -1);
	s2 = S2("s2t0sz", "22", "s2sl0", "1", "s2tg", "64k",
		"idr5.gran64k", "0");
	EXPECT_FAULT(walk(&s2, 0, RD, P), BAD_STE, -1);
	set(&s2, "idr5.gran64k", "1");
	EXPECT_FAULT(walk(&s2, 0, RD, P), TRANSL, 2);
}
END_TEST

START_TEST(test_edge04_tbi)
{
	struct iref_walk_cfg c = EX151("tbi0", "1");
	uint64_t tagged = E1_VA | UINT64_C(0xab) << 56;
	EXPECT_OK(walk(&c, tagged, RD, U), UINT64_C(0xc0ffee0678), KB(4), 3);
	/* InputAddr keeps the top byte. */
	w64(E1_L3, UINT64_C(0x000000c0ffee0fc7));
	EXPECT_FAULT(walk(&c, tagged, WR, U), PERM, 3);
	ck_assert_uint_eq(res.fault.addr, tagged);
	set(&c, "tbi0", "0");
	EXPECT_FAULT(walk(&c, tagged, RD, U), TRANSL, 0);
	ck_assert_uint_eq(res.n_acc, 0);
	ck_assert_uint_eq(res.fault.addr, tagged);
	/* VA[55] = 1 selects TTB1 whatever the top byte with TBI1. */
	set(&c, "epd1", "0");
	set(&c, "t1sz", "25");
	set(&c, "ttb1", "0x81000000");
	uint64_t hi = UINT64_C(0x12ffff8000000000);
	set(&c, "tbi1", "1");
	EXPECT_FAULT(walk(&c, hi, RD, U), TRANSL, 1);
	ck_assert_uint_eq(res.acc[0].addr, UINT64_C(0x81000000));
	set(&c, "tbi1", "0");
	EXPECT_FAULT(walk(&c, hi, RD, U), TRANSL, 0);
	ck_assert_uint_eq(res.n_acc, 0);
	/* In the hole between the ranges. */
	set(&c, "tbi1", "1");
	EXPECT_FAULT(walk(&c, UINT64_C(0xffff7f8000000000), RD, U), TRANSL,
		     0);
	ck_assert_uint_eq(res.n_acc, 0);
}
END_TEST

START_TEST(test_edge05_epd1_miss)
{
	struct iref_walk_cfg c = EX151("ttb1", "0x81000000", "t1sz", "25");
	w64(UINT64_C(0x81000000), UINT64_C(0x80001003));
	uint64_t va = UINT64_C(0xffffff8000000000);
	EXPECT_FAULT(walk(&c, va, RD, P), TRANSL, 0);
	ck_assert_uint_eq(res.n_acc, 0);
	set(&c, "epd1", "0");
	EXPECT_FAULT(walk(&c, va, RD, P), TRANSL, 2);
	ck_assert_uint_eq(res.n_acc, 2);
	ck_assert_uint_eq(res.acc[0].addr, UINT64_C(0x81000000));
}
END_TEST

START_TEST(test_edge06_e0pd)
{
	struct iref_walk_cfg c = EX151("e0pd0", "1");
	EXPECT_FAULT(walk(&c, E1_VA, RD, U), TRANSL, 0);
	ck_assert_uint_eq(res.n_acc, 0);
	EXPECT_OK(walk(&c, E1_VA, RD, P), UINT64_C(0xc0ffee0678), KB(4), 3);
	set(&c, "idr3.e0pd", "0"); /* CD.E0PDx are RES0 without it */
	EXPECT_OK(walk(&c, E1_VA, RD, U), UINT64_C(0xc0ffee0678), KB(4), 3);
}
END_TEST

START_TEST(test_edge07_ttb)
{
	/* Misaligned TTB0: the low bits are ignored. */
	struct iref_walk_cfg c = ex151(NULL);
	c.root = E1_ROOT + 0x18;
	EXPECT_OK(walk(&c, E1_VA, RD, U), UINT64_C(0xc0ffee0678), KB(4), 3);
	ck_assert_uint_eq(res.acc[0].addr, E1_L1);
	/* Beyond eff_IPS (40 bits). */
	c.root = UINT64_C(1) << 40;
	EXPECT_FAULT(walk(&c, E1_VA, RD, U), BAD_CD, -1);
	ck_assert_uint_eq(res.n_acc, 0);
	/* 4 KB table above 48 bits even with IPS = OAS = 52. */
	set(&c, "idr5.oas", "52");
	set(&c, "ips", "52");
	c.root = UINT64_C(1) << 48;
	EXPECT_FAULT(walk(&c, E1_VA, RD, U), BAD_CD, -1);
	/* 64 KB granule, 52-bit output: a 16-byte start table is 64-byte
	 * aligned. */
	c = S1("granule", "64k", "t0sz", "21", "idr5.oas", "52", "ips",
	       "52");
	c.root = UINT64_C(1) << 50 | 0x30;
	EXPECT_FAULT(walk(&c, GB(4096) + 0, RD, P), TRANSL, 1);
	ck_assert_uint_eq(res.acc[0].addr, (UINT64_C(1) << 50) + 8);
	set(&c, "ips", "48");
	c.root = 0x13c;
	EXPECT_FAULT(walk(&c, GB(4096), RD, P), TRANSL, 1);
	ck_assert_uint_eq(res.acc[0].addr, 0x138);
}
END_TEST

START_TEST(test_edge08_block_levels)
{
	/* 4 KB level-0 block. */
	struct iref_walk_cfg c = S1("t0sz", "16");
	c.root = 0x100000;
	w64(0x100000, GB(512) | 0x401);
	EXPECT_FAULT(walk(&c, 0x1234, RD, P), TRANSL, 0);
	/* 16 KB level-1 block and level-0 block (2-entry table). */
	c = S1("granule", "16k", "t0sz", "16");
	c.root = 0x100000;
	w64(0x100000, UINT64_C(0x200003));
	w64(0x200000, GB(64) | 0x401);
	EXPECT_FAULT(walk(&c, 0x1234, RD, P), TRANSL, 1);
	w64(0x100000, GB(128) | 0x401);
	EXPECT_FAULT(walk(&c, 0x1234, RD, P), TRANSL, 0);
	/* 64 KB level-1 block: only with a 52-bit PA. */
	c = S1("granule", "64k", "t0sz", "16");
	c.root = 0x100000;
	w64(0x100000, (UINT64_C(1) << 42) | 0x401);
	EXPECT_FAULT(walk(&c, 0x1234, RD, P), TRANSL, 1);
	set(&c, "idr5.oas", "52");
	EXPECT_OK(walk(&c, 0x1234, RD, P), (UINT64_C(1) << 42) + 0x1234,
		  UINT64_C(1) << 42, 1);
	set(&c, "lpa", "off");
	EXPECT_FAULT(walk(&c, 0x1234, RD, P), TRANSL, 1);
	set(&c, "lpa", "on");
	set(&c, "idr5.oas", "48");
	EXPECT_OK(walk(&c, 0x1234, RD, P), (UINT64_C(1) << 42) + 0x1234,
		  UINT64_C(1) << 42, 1);
}
END_TEST

START_TEST(test_edge09_l3_reserved)
{
	struct iref_walk_cfg c = ex151(NULL);
	w64(E1_L3, E1_LEAF & ~UINT64_C(2));
	EXPECT_FAULT(walk(&c, E1_VA, RD, U), TRANSL, 3);
	struct iref_walk_cfg s2 = ex152();
	set(&s2, "s2sl0", "1");
	w64(UINT64_C(0x90001008), UINT64_C(0xa0000003));
	w64(UINT64_C(0xa0000000), UINT64_C(0xb0000003));
	w64(UINT64_C(0xb0000008), UINT64_C(0x1234000) | 0x7fd);
	EXPECT_FAULT(walk(&s2, E2_IPA, RD, U), TRANSL, 3);
	w64(UINT64_C(0xb0000008), UINT64_C(0x1234000) | 0x7ff);
	EXPECT_OK(walk(&s2, E2_IPA, RD, U), UINT64_C(0x1234234), KB(4), 3);
}
END_TEST

START_TEST(test_edge10_invalid_garbage)
{
	struct iref_walk_cfg c = ex151(NULL);
	w64(E1_L1, ~UINT64_C(1));
	const struct iref_walk_result *r = walk(&c, E1_VA, RD, U);
	EXPECT_FAULT(r, TRANSL, 1);
	ck_assert_uint_eq(r->n_acc, 1);
	ck_assert_uint_eq(r->fault.flags, IREF_ARM_FLAG_RNW | CLASS(IN));
}
END_TEST

START_TEST(test_edge11_block_res0)
{
	struct iref_walk_cfg c = ex151(NULL);
	w64(E1_L2, UINT64_C(0xc0ffe00000) | 0x1000 | 0x741);
	EXPECT_OK(walk(&c, E1_VA, RD, U), UINT64_C(0xc0ffe00000) + 0x145678,
		  MB(2), 2);
	set(&c, "block_res0", "fault");
	EXPECT_FAULT(walk(&c, E1_VA, RD, U), TRANSL, 2);
	w64(E1_L2, UINT64_C(0xc0ffe00000) | 0x741);
	EXPECT_OK(walk(&c, E1_VA, RD, U), UINT64_C(0xc0ffe00000) + 0x145678,
		  MB(2), 2);
}
END_TEST

START_TEST(test_edge12_addr_size_table_and_leaf)
{
	struct iref_walk_cfg c = ex151(NULL);
	w64(E1_L1, (UINT64_C(1) << 40) | 0x80001003);
	const struct iref_walk_result *r = walk(&c, E1_VA, RD, U);
	EXPECT_FAULT(r, ADDRSZ, 1);
	ck_assert_uint_eq(r->n_acc, 1);
	w64(E1_L1, UINT64_C(0x80001003));
	w64(E1_L2, (UINT64_C(1) << 40) | 0x80002003);
	EXPECT_FAULT(walk(&c, E1_VA, RD, U), ADDRSZ, 2);
	/* Stage 2: a leaf at or above 2^eff_PS (S2PS 40 bits). */
	struct iref_walk_cfg s2 = ex152();
	set(&s2, "s2ps", "40");
	w64(UINT64_C(0x90001008), (UINT64_C(1) << 40) | 0x400007fd);
	r = walk(&s2, E2_IPA, WR, U);
	EXPECT_FAULT(r, ADDRSZ, 1);
	ck_assert_uint_eq(r->fault.stage, 2);
	ck_assert_uint_eq(r->fault.flags, IREF_ARM_FLAG_S2 | CLASS(IN));
	ck_assert_uint_eq(r->fault.addr2, E2_IPA);
	set(&s2, "s2ps", "48");
	EXPECT_OK(walk(&s2, E2_IPA, WR, U),
		  (UINT64_C(1) << 40) + 0x40001234, GB(1), 1);
}
END_TEST

START_TEST(test_edge13_oa52_64k)
{
	/* 64 KB, 42-bit VA: start level 2, 64 KB pages at level 3. */
	struct iref_walk_cfg c = S1("granule", "64k", "t0sz", "22",
				    "idr5.oas", "52", "ips", "52");
	c.root = 0x100000;
	w64(0x100000, UINT64_C(0x200003));
	uint64_t leaf = UINT64_C(0x123450000) | 0x3000 | 0x743;
	w64(0x200000, leaf);
	EXPECT_OK(walk(&c, 0x1234, RD, P),
		  (UINT64_C(3) << 48) | UINT64_C(0x123451234), KB(64), 3);
	/* Next-table addresses too. */
	w64(0x100000, UINT64_C(0x200003) | 0x1000);
	w64((UINT64_C(1) << 48) | 0x200000, leaf & ~UINT64_C(0xf000));
	EXPECT_OK(walk(&c, 0x1234, RD, P), UINT64_C(0x123451234), KB(64), 3);
	ck_assert_uint_eq(res.acc[1].addr, (UINT64_C(1) << 48) | 0x200000);
	w64(0x100000, UINT64_C(0x200003));
	/* eff_IPS 48 with OAS 52: the bits count and fault. */
	set(&c, "ips", "48");
	EXPECT_FAULT(walk(&c, 0x1234, RD, P), ADDRSZ, 3);
	/* QEMU's reading: ignored below a 52-bit output size. */
	set(&c, "oa_hi", "eff52");
	EXPECT_OK(walk(&c, 0x1234, RD, P), UINT64_C(0x123451234), KB(64), 3);
	/* Without a 52-bit OAS they are not address bits... */
	set(&c, "oa_hi", "oas52");
	set(&c, "idr5.oas", "48");
	EXPECT_OK(walk(&c, 0x1234, RD, P), UINT64_C(0x123451234), KB(64), 3);
	/* ...unless the implementation defines them so. */
	set(&c, "oa_hi", "always");
	EXPECT_FAULT(walk(&c, 0x1234, RD, P), ADDRSZ, 3);
}
END_TEST

START_TEST(test_edge14_ips_clamp)
{
	/* IPS 52 with OAS 44: eff_IPS = 44. */
	struct iref_walk_cfg c = EX151("ips", "52", "idr5.oas", "44");
	w64(E1_L3, (UINT64_C(1) << 44) | 0x747);
	EXPECT_FAULT(walk(&c, E1_VA, RD, U), ADDRSZ, 3);
	w64(E1_L3, (UINT64_C(1) << 43) | 0x747);
	EXPECT_OK(walk(&c, E1_VA, RD, U), (UINT64_C(1) << 43) | 0x678,
		  KB(4), 3);
	/* 4 KB with IPS = OAS = 52: capped at 48; descriptor bits 49:48
	 * are not address bits. */
	set(&c, "idr5.oas", "52");
	w64(E1_L3, (UINT64_C(1) << 48) | (UINT64_C(1) << 47) | 0x747);
	EXPECT_OK(walk(&c, E1_VA, RD, U), (UINT64_C(1) << 47) | 0x678,
		  KB(4), 3);
	/* CD.IPS 0b111 behaves as 52 bits. */
	set(&c, "ips", "7");
	EXPECT_OK(walk(&c, E1_VA, RD, U), (UINT64_C(1) << 47) | 0x678,
		  KB(4), 3);
}
END_TEST

START_TEST(test_edge15_af_modes)
{
	uint64_t clear = E1_LEAF & ~UINT64_C(0x400);
	struct iref_walk_cfg c = EX151("affd", "1");
	w64(E1_L3, clear);
	EXPECT_OK(walk(&c, E1_VA, RD, U), UINT64_C(0xc0ffee0678), KB(4), 3);
	ck_assert_uint_eq(count(&res, IREF_WALK_WR), 0);
	ck_assert_uint_eq(r64(E1_L3), clear);
	/* HA overrides AFFD: the flag is written, once. */
	set(&c, "ha", "1");
	EXPECT_OK(walk(&c, E1_VA, RD, U), UINT64_C(0xc0ffee0678), KB(4), 3);
	ck_assert_uint_eq(count(&res, IREF_WALK_WR), 1);
	ck_assert_uint_eq(r64(E1_L3), E1_LEAF);
	EXPECT_OK(walk(&c, E1_VA, RD, U), UINT64_C(0xc0ffee0678), KB(4), 3);
	ck_assert_uint_eq(count(&res, IREF_WALK_WR), 0);
	/* HA without the HTTU capability is an ILLEGAL CD. */
	set(&c, "idr0.httu", "0");
	EXPECT_FAULT(walk(&c, E1_VA, RD, U), BAD_CD, -1);
	set(&c, "idr0.httu", "1");
	EXPECT_OK(walk(&c, E1_VA, RD, U), UINT64_C(0xc0ffee0678), KB(4), 3);
	set(&c, "hd", "1");
	EXPECT_FAULT(walk(&c, E1_VA, RD, U), BAD_CD, -1);
	/* {HD, HA} = {1, 0} behaves as {0, 0}: no AF, no dirty update. */
	c = EX151("hd", "1");
	w64(E1_L3, clear | UINT64_C(1) << 51);
	EXPECT_FAULT(walk(&c, E1_VA, WR, U), ACCESS, 3);
	w64(E1_L3, UINT64_C(0x000800c0ffee0fc7));
	EXPECT_FAULT(walk(&c, E1_VA, WR, U), PERM, 3);
	ck_assert_uint_eq(r64(E1_L3), UINT64_C(0x000800c0ffee0fc7));
	/* Stage 2: S2AFFD and S2HA. */
	struct iref_walk_cfg s2 = ex152();
	w64(UINT64_C(0x90001008), UINT64_C(0x00000001400003fd));
	EXPECT_FAULT(walk(&s2, E2_IPA, RD, U), ACCESS, 1);
	ck_assert_uint_eq(res.fault.stage, 2);
	set(&s2, "s2affd", "1");
	EXPECT_OK(walk(&s2, E2_IPA, RD, U), UINT64_C(0x140001234), GB(1), 1);
	ck_assert_uint_eq(count(&res, IREF_WALK_WR), 0);
	set(&s2, "s2ha", "1");
	EXPECT_OK(walk(&s2, E2_IPA, RD, U), UINT64_C(0x140001234), GB(1), 1);
	ck_assert_uint_eq(r64(UINT64_C(0x90001008)), UINT64_C(0x1400007fd));
	set(&s2, "idr0.httu", "0");
	EXPECT_FAULT(walk(&s2, E2_IPA, RD, U), BAD_STE, -1);
}
END_TEST

START_TEST(test_edge16_af_before_permission)
{
	struct iref_walk_cfg c = ex151(NULL);
	w64(E1_L3, UINT64_C(0x000000c0ffee0bc7)); /* AF = 0, AP = 11 */
	EXPECT_FAULT(walk(&c, E1_VA, WR, U), ACCESS, 3);
	struct iref_walk_cfg s2 = ex152();
	w64(UINT64_C(0x90001008), UINT64_C(0x000000014000037d));
	EXPECT_FAULT(walk(&s2, E2_IPA, WR, U), ACCESS, 1);
}
END_TEST

START_TEST(test_edge17_dbm)
{
	struct iref_walk_cfg c = EX151("ha", "1", "hd", "1");
	/* Writable-clean with AF = 0: one update sets AF and clears AP[2]. */
	uint64_t clean = UINT64_C(0x000800c0ffee0bc7);
	w64(E1_L3, clean);
	EXPECT_OK(walk(&c, E1_VA, WR, U), UINT64_C(0xc0ffee0678), KB(4), 3);
	ck_assert_uint_eq(count(&res, IREF_WALK_WR), 1);
	ck_assert_uint_eq(r64(E1_L3), UINT64_C(0x000800c0ffee0f47));
	/* A read sets AF only; the page stays clean and read-only. */
	w64(E1_L3, clean);
	const struct iref_walk_result *r = walk(&c, E1_VA, RD, U);
	ck_assert(r->ok);
	ck_assert_uint_eq(r->perm, R | X);
	ck_assert_uint_eq(r64(E1_L3), UINT64_C(0x000800c0ffee0fc7));
	EXPECT_OK(walk(&c, E1_VA, RD, U), UINT64_C(0xc0ffee0678), KB(4), 3);
	ck_assert_uint_eq(count(&res, IREF_WALK_WR), 0);
	/* APTable[1] still write-protects: no update. */
	w64(E1_L2, UINT64_C(0x4000000080002003));
	EXPECT_FAULT(walk(&c, E1_VA, WR, U), PERM, 3);
	ck_assert_uint_eq(r64(E1_L3), UINT64_C(0x000800c0ffee0fc7));
	/* Stage 2: writable-clean sets S2AP[1]. */
	struct iref_walk_cfg s2 = ex152();
	set(&s2, "s2ha", "1");
	set(&s2, "s2hd", "1");
	w64(UINT64_C(0x90001008), UINT64_C(0x000800014000077d));
	EXPECT_OK(walk(&s2, E2_IPA, RD, U), UINT64_C(0x140001234), GB(1), 1);
	ck_assert_uint_eq(res.perm, R | X);
	ck_assert_uint_eq(count(&res, IREF_WALK_WR), 0);
	EXPECT_OK(walk(&s2, E2_IPA, WR, U), UINT64_C(0x140001234), GB(1), 1);
	ck_assert_uint_eq(r64(UINT64_C(0x90001008)),
			  UINT64_C(0x00080001400007fd));
	set(&s2, "idr0.httu", "1");
	EXPECT_FAULT(walk(&s2, E2_IPA, WR, U), BAD_STE, -1);
}
END_TEST

/* A memory that rewrites one word when it is read for the nth time. */
struct racy {
	struct iref_mem inner;
	uint64_t addr, value;
	unsigned reads, trigger;
};

static enum iref_rc racy_read(void *ctx, uint64_t addr, void *buf,
			      size_t len)
{
	struct racy *r = ctx;
	if (addr == r->addr && ++r->reads == r->trigger)
		ck_assert_int_eq(iref_mem_write64(r->inner, addr, r->value),
				 IREF_OK);
	return iref_mem_read(r->inner, addr, buf, len);
}

static enum iref_rc racy_write(void *ctx, uint64_t addr, const void *buf,
			       size_t len)
{
	struct racy *r = ctx;
	return iref_mem_write(r->inner, addr, buf, len);
}

static const struct iref_mem_ops racy_ops = {racy_read, racy_write};

START_TEST(test_edge18_cas_race)
{
	struct iref_walk_cfg c = EX151("ha", "1");
	uint64_t clear = E1_LEAF & ~UINT64_C(0x400);
	uint64_t moved = UINT64_C(0xd0ffee0b47);
	w64(E1_L3, clear);
	/* Read 2 of the leaf is the compare before the swap: memory has
	 * moved on, so the walk starts again and sees the new entry. */
	struct racy rc = {mem, E1_L3, moved, 0, 2};
	struct iref_mem racy = {&racy_ops, &rc};
	struct iref_walk_req req = {E1_VA, RD, false};
	ck_assert_int_eq(iref_walk(&c, racy, &req, &res), IREF_OK);
	EXPECT_OK(&res, UINT64_C(0xd0ffee0678), KB(4), 3);
	ck_assert_uint_eq(r64(E1_L3), moved | 0x400);
	ck_assert_uint_eq(res.n_acc, 7);
	ck_assert_uint_eq(count(&res, IREF_WALK_WR), 1);
	/* The new entry is invalid: a translation fault, nothing written. */
	w64(E1_L3, clear);
	rc = (struct racy){mem, E1_L3, 0, 0, 2};
	ck_assert_int_eq(iref_walk(&c, racy, &req, &res), IREF_OK);
	EXPECT_FAULT(&res, TRANSL, 3);
	ck_assert_uint_eq(r64(E1_L3), 0);
	ck_assert_uint_eq(count(&res, IREF_WALK_WR), 0);
}
END_TEST

START_TEST(test_edge19_no_update_on_fault)
{
	struct iref_walk_cfg c = EX151("ha", "1", "hd", "1");
	uint64_t ro = UINT64_C(0x000000c0ffee0bc7); /* AF = 0, AP = 11 */
	w64(E1_L3, ro);
	EXPECT_FAULT(walk(&c, E1_VA, WR, U), PERM, 3);
	ck_assert_uint_eq(r64(E1_L3), ro);
	ck_assert_uint_eq(count(&res, IREF_WALK_WR), 0);
	/* Privileged-only page, unprivileged read. */
	w64(E1_L3, UINT64_C(0x000000c0ffee0b07));
	EXPECT_FAULT(walk(&c, E1_VA, RD, U), PERM, 3);
	ck_assert_uint_eq(r64(E1_L3), UINT64_C(0x000000c0ffee0b07));
}
END_TEST

/* 4-level 4 KB tables for VA 0x0000_0080_4020_1000: L0 at 0x100000,
 * L1 0x101000, L2 0x102000, L3 0x103000; table attributes per level. */
static struct iref_walk_cfg four_levels(uint64_t t0, uint64_t t1,
					uint64_t t2, uint64_t leaf)
{
	struct iref_walk_cfg c = S1("t0sz", "16");
	c.root = 0x100000;
	w64(0x100000 + 8 * 1, t0 | 0x101003);
	w64(0x101000 + 8 * 1, t1 | 0x102003);
	w64(0x102000 + 8 * 1, t2 | 0x103003);
	w64(0x103000 + 8 * 1, leaf);
	return c;
}
#define V4 UINT64_C(0x0000008040201000)
#define T_PXN (UINT64_C(1) << 59)
#define T_UXN (UINT64_C(1) << 60)
#define T_AP0 (UINT64_C(1) << 61)
#define T_AP1 (UINT64_C(1) << 62)
#define T_NS (UINT64_C(1) << 63)
#define PAGE_RW_USER UINT64_C(0x40000743)  /* AP = 01, X allowed */
#define PAGE_RO_USER UINT64_C(0x400007c3)  /* AP = 11 */

START_TEST(test_edge20_hierarchical)
{
	/* Each control at each table level. */
	for (unsigned lv = 0; lv < 3; lv++) {
		uint64_t t[3] = {0, 0, 0};
		t[lv] = T_AP0;
		struct iref_walk_cfg c =
			four_levels(t[0], t[1], t[2], PAGE_RW_USER);
		EXPECT_FAULT(walk(&c, V4, RD, U), PERM, 3);
		ck_assert(walk(&c, V4, WR, P)->ok);
		t[lv] = T_AP1;
		c = four_levels(t[0], t[1], t[2], PAGE_RW_USER);
		EXPECT_FAULT(walk(&c, V4, WR, P), PERM, 3);
		EXPECT_FAULT(walk(&c, V4, WR, U), PERM, 3);
		ck_assert_uint_eq(walk(&c, V4, RD, U)->perm, R | X);
		t[lv] = T_UXN;
		c = four_levels(t[0], t[1], t[2], PAGE_RO_USER);
		EXPECT_FAULT(walk(&c, V4, EX, U), PERM, 3);
		ck_assert(walk(&c, V4, EX, P)->ok);
		t[lv] = T_PXN;
		c = four_levels(t[0], t[1], t[2], PAGE_RO_USER);
		EXPECT_FAULT(walk(&c, V4, EX, P), PERM, 3);
		ck_assert(walk(&c, V4, EX, U)->ok);
	}
	/* Combined along the path (OR). */
	struct iref_walk_cfg c =
		four_levels(T_PXN, 0, T_AP1 | T_NS, PAGE_RW_USER);
	const struct iref_walk_result *r = walk(&c, V4, RD, P);
	ck_assert(r->ok);
	ck_assert_uint_eq(r->perm, R);
	/* HAD0 disables them (with IDR3.HAD)... */
	set(&c, "had0", "1");
	r = walk(&c, V4, RD, P);
	ck_assert(r->ok);
	ck_assert_uint_eq(r->perm, R | W);
	/* ...and is ignored without it. */
	set(&c, "idr3.had", "0");
	ck_assert_uint_eq(walk(&c, V4, RD, P)->perm, R);
}
END_TEST

START_TEST(test_edge21_ap_table)
{
	/* §7.1: AP[2:1] x {priv, unpriv} x {read, write}. */
	static const struct {
		unsigned ap;
		bool unpriv;
		unsigned acc;
		bool ok;
	} rows[] = {
		{0, false, RD, true},  {0, false, WR, true},
		{0, true, RD, false},  {0, true, WR, false},
		{1, false, RD, true},  {1, false, WR, true},
		{1, true, RD, true},   {1, true, WR, true},
		{2, false, RD, true},  {2, false, WR, false},
		{2, true, RD, false},  {2, true, WR, false},
		{3, false, RD, true},  {3, false, WR, false},
		{3, true, RD, true},   {3, true, WR, false},
	};
	struct iref_walk_cfg c = ex151(NULL);
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		w64(E1_L3, (E1_LEAF & ~UINT64_C(0xc0)) |
				   (uint64_t)rows[i].ap << 6);
		const struct iref_walk_result *r =
			walk(&c, E1_VA, rows[i].acc, rows[i].unpriv);
		ck_assert_msg(r->ok == rows[i].ok, "AP=%u %s %s", rows[i].ap,
			      rows[i].unpriv ? "unpriv" : "priv",
			      rows[i].acc == RD ? "read" : "write");
		if (!r->ok)
			EXPECT_FAULT(r, PERM, 3);
	}
}
END_TEST

START_TEST(test_edge22_execute)
{
	struct iref_walk_cfg c = ex151(NULL);
	const uint64_t base = E1_LEAF & ~UINT64_C(0xc0); /* AP = 00 */
	const uint64_t uxn = UINT64_C(1) << 54, pxn = UINT64_C(1) << 53;
	static const struct {
		unsigned ap;
		bool uxn, pxn, wxn;
		bool priv_x, user_x;
	} rows[] = {
		{1, false, false, false, false, true}, /* implicit PXN */
		{3, false, false, false, true, true},
		{3, false, true, false, false, true},
		{3, true, false, false, true, false},
		{0, false, false, false, true, true},  /* EL0 execute-only */
		{2, false, false, false, true, true},
		{0, false, false, true, false, true},  /* WXN, priv-writable */
		{1, false, false, true, false, false}, /* WXN, EL0-writable */
		{3, false, false, true, true, true},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		w64(E1_L3, base | (uint64_t)rows[i].ap << 6 |
				   (rows[i].uxn ? uxn : 0) |
				   (rows[i].pxn ? pxn : 0));
		set(&c, "wxn", rows[i].wxn ? "1" : "0");
		ck_assert_msg(walk(&c, E1_VA, EX, P)->ok == rows[i].priv_x,
			      "row %zu priv", i);
		ck_assert_msg(walk(&c, E1_VA, EX, U)->ok == rows[i].user_x,
			      "row %zu user", i);
	}
	/* Execute-only for EL0: no data read. */
	set(&c, "wxn", "0");
	w64(E1_L3, base);
	EXPECT_FAULT(walk(&c, E1_VA, RD, U), PERM, 3);
	ck_assert_uint_eq(res.fault.flags, IREF_ARM_FLAG_RNW | CLASS(IN));
	/* An instruction fetch reports InD; a write is always data: XN
	 * does not stop it. */
	w64(E1_L3, E1_LEAF | uxn | pxn);
	EXPECT_FAULT(walk(&c, E1_VA, EX, U), PERM, 3);
	ck_assert_uint_eq(res.fault.flags,
			  IREF_ARM_FLAG_RNW | IREF_ARM_FLAG_IND | CLASS(IN));
	EXPECT_OK(walk(&c, E1_VA, WR, U), UINT64_C(0xc0ffee0678), KB(4), 3);
	ck_assert_uint_eq(res.perm, R | W);
}
END_TEST

START_TEST(test_edge23_pan)
{
	struct iref_walk_cfg c = EX151("pan", "1");
	const uint64_t base = E1_LEAF & ~UINT64_C(0xc0);
	EXPECT_FAULT(walk(&c, E1_VA, RD, P), PERM, 3); /* AP = 01 */
	ck_assert_uint_eq(res.fault.flags,
			  IREF_ARM_FLAG_PNU | IREF_ARM_FLAG_RNW | CLASS(IN));
	EXPECT_OK(walk(&c, E1_VA, RD, U), UINT64_C(0xc0ffee0678), KB(4), 3);
	w64(E1_L3, base | 0xc0); /* AP = 11 */
	EXPECT_FAULT(walk(&c, E1_VA, RD, P), PERM, 3);
	/* A privileged fetch is not a data access. */
	EXPECT_OK(walk(&c, E1_VA, EX, P), UINT64_C(0xc0ffee0678), KB(4), 3);
	w64(E1_L3, base); /* AP = 00, UXN = 0 */
	EXPECT_OK(walk(&c, E1_VA, WR, P), UINT64_C(0xc0ffee0678), KB(4), 3);
	/* EPAN: EL0-executable pages too. */
	set(&c, "epan", "1");
	EXPECT_FAULT(walk(&c, E1_VA, WR, P), PERM, 3);
	set(&c, "idr3.epan", "0");
	EXPECT_OK(walk(&c, E1_VA, WR, P), UINT64_C(0xc0ffee0678), KB(4), 3);
	set(&c, "idr3.epan", "1");
	w64(E1_L3, base | UINT64_C(1) << 54);
	EXPECT_OK(walk(&c, E1_VA, WR, P), UINT64_C(0xc0ffee0678), KB(4), 3);
}
END_TEST

START_TEST(test_edge24_pnu_default)
{
	/* A request that says nothing is unprivileged. */
	struct iref_walk_cfg c = ex151(NULL);
	w64(E1_L3, E1_LEAF & ~UINT64_C(0xc0)); /* privileged-only page */
	struct iref_walk_req req = {.addr = E1_VA, .access = RD};
	ck_assert_int_eq(iref_walk(&c, mem, &req, &res), IREF_OK);
	EXPECT_FAULT(&res, PERM, 3);
	ck_assert_uint_eq(res.fault.flags, IREF_ARM_FLAG_RNW | CLASS(IN));
	req.priv = true;
	ck_assert_int_eq(iref_walk(&c, mem, &req, &res), IREF_OK);
	ck_assert(res.ok);
}
END_TEST

START_TEST(test_edge25_s2ap_write_only)
{
	struct iref_walk_cfg c = ex152();
	w64(UINT64_C(0x90001008), UINT64_C(0x00000001400007bd));
	EXPECT_FAULT(walk(&c, E2_IPA, RD, U), PERM, 1);
	ck_assert_uint_eq(res.fault.stage, 2);
	ck_assert_uint_eq(res.fault.flags,
			  IREF_ARM_FLAG_S2 | IREF_ARM_FLAG_RNW | CLASS(IN));
	ck_assert_uint_eq(res.fault.addr2, E2_IPA);
	EXPECT_OK(walk(&c, E2_IPA, WR, U), UINT64_C(0x140001234), GB(1), 1);
	ck_assert_uint_eq(res.perm, W | X);
}
END_TEST

START_TEST(test_edge26_s2_xn)
{
	/* §7.3: XN[1:0] x XNX x {priv, unpriv} fetch. */
	static const bool allowed[2][4][2] = {
		/* XNX = 0: {priv, unpriv} */
		{{true, true}, {true, true}, {false, false}, {false, false}},
		/* XNX = 1 */
		{{true, true}, {false, true}, {false, false}, {true, false}},
	};
	struct iref_walk_cfg c = ex152();
	for (unsigned xnx = 0; xnx < 2; xnx++) {
		set(&c, "idr3.xnx", xnx ? "1" : "0");
		for (unsigned xn = 0; xn < 4; xn++) {
			w64(UINT64_C(0x90001008), UINT64_C(0x1400007fd) |
							  (uint64_t)xn << 53);
			for (unsigned up = 0; up < 2; up++)
				ck_assert_msg(walk(&c, E2_IPA, EX, up)->ok ==
						      allowed[xnx][xn][up],
					      "XNX=%u XN=%u %s", xnx, xn,
					      up ? "unpriv" : "priv");
		}
	}
	/* Execute does not need S2AP read. */
	w64(UINT64_C(0x90001008), UINT64_C(0x14000043d));
	EXPECT_OK(walk(&c, E2_IPA, EX, U), UINT64_C(0x140001234), GB(1), 1);
	ck_assert_uint_eq(res.perm, X);
	EXPECT_FAULT(walk(&c, E2_IPA, RD, U), PERM, 1);
}
END_TEST

START_TEST(test_edge27_s2sl0)
{
	static const struct {
		const char *gran, *t0sz, *sl0, *oas;
		bool stt;
		int start;     /* -1: C_BAD_STE */
		unsigned n;    /* start-level index bits */
	} rows[] = {
		{"4k", "24", "1", "48", false, 1, 10},  /* 2 tables */
		{"4k", "22", "1", "48", false, 1, 12},  /* 8 tables */
		{"16k", "24", "1", "48", false, 2, 15}, /* 16 tables */
		{"4k", "20", "1", "48", false, -1, 0},  /* 32 tables */
		{"64k", "22", "2", "48", false, -1, 0}, /* n = 0 */
		{"64k", "22", "1", "48", false, 2, 13},
		{"64k", "16", "2", "48", false, 1, 6},
		{"64k", "16", "2", "42", false, -1, 0}, /* PAMax < 44 */
		{"4k", "24", "2", "48", false, 0, 1},
		{"4k", "24", "2", "44", false, 0, 1},
		{"4k", "24", "2", "42", false, -1, 0},
		{"16k", "24", "2", "42", false, 1, 4},
		{"16k", "24", "2", "40", false, -1, 0},
		{"4k", "44", "3", "48", false, -1, 0},  /* needs STT */
		{"4k", "44", "3", "48", true, 3, 8},
		{"16k", "44", "3", "48", true, -1, 0},
		{"4k", "15", "0", "48", false, -1, 0},  /* below 16 */
		{"4k", "40", "0", "48", false, -1, 0},  /* above 39 */
		{"4k", "40", "0", "48", true, 2, 3},
		{"4k", "24", "1", "40", false, 1, 10},  /* IAS 40 */
		{"4k", "23", "1", "40", false, -1, 0},  /* 41 bits > IAS */
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct iref_walk_cfg c = S2("granule", rows[i].gran, "s2t0sz",
					    rows[i].t0sz, "s2sl0", rows[i].sl0,
					    "idr5.oas", rows[i].oas, "s2ps",
					    "32", "idr3.stt",
					    rows[i].stt ? "1" : "0");
		c.root = 0x1000000;
		uint64_t top = (UINT64_C(1) << (64 - atoi(rows[i].t0sz))) - 1;
		const struct iref_walk_result *r = walk(&c, top, RD, U);
		if (rows[i].start < 0) {
			ck_assert_msg(!r->ok && r->fault.code ==
						       IREF_ARM_C_BAD_STE,
				      "row %zu: not C_BAD_STE", i);
			continue;
		}
		EXPECT_FAULT(r, TRANSL, rows[i].start);
		ck_assert_msg(r->acc[0].addr ==
				      0x1000000 + 8 * ((UINT64_C(1) << rows[i].n) - 1),
			      "row %zu: entry 0x%llx", i,
			      (unsigned long long)r->acc[0].addr);
	}
	/* IPA wider than the effective S2PS: allowed by default. */
	struct iref_walk_cfg c = S2("s2t0sz", "24", "s2sl0", "1", "s2ps",
				    "36");
	EXPECT_FAULT(walk(&c, 0, RD, U), TRANSL, 1);
	set(&c, "wide_ipa", "illegal");
	EXPECT_FAULT(walk(&c, 0, RD, U), BAD_STE, -1);
	/* S2TTB beyond the effective S2PS; out-of-range S2T0SZ clamped. */
	c = S2("s2t0sz", "24", "s2sl0", "1", "s2ps", "40");
	c.root = UINT64_C(1) << 40;
	EXPECT_FAULT(walk(&c, 0, RD, U), BAD_STE, -1);
	c = S2("s2t0sz", "45", "s2sl0", "0", "txsz_oor", "clamp");
	EXPECT_FAULT(walk(&c, 0, RD, U), TRANSL, 2);
}
END_TEST

START_TEST(test_edge28_concat_index)
{
	struct iref_walk_cfg c = ex152();
	EXPECT_FAULT(walk(&c, UINT64_C(0x40001234), RD, U), TRANSL, 1);
	ck_assert_uint_eq(res.acc[0].addr, E2_ROOT + 8);
	EXPECT_FAULT(walk(&c, UINT64_C(0xffc0000000), RD, U), TRANSL, 1);
	ck_assert_uint_eq(res.acc[0].addr, E2_ROOT + 8 * 1023);
	EXPECT_OK(walk(&c, E2_IPA, RD, U), UINT64_C(0x140001234), GB(1), 1);
	ck_assert_uint_eq(res.acc[0].addr, E2_ROOT + 0x1008);
}
END_TEST

START_TEST(test_edge29_ipa_range)
{
	struct iref_walk_cfg c = ex152();
	uint64_t ipa = UINT64_C(0x0000010000000008);
	EXPECT_FAULT(walk(&c, ipa, EX, U), TRANSL, 0);
	ck_assert_uint_eq(res.fault.addr, ipa);
	ck_assert_uint_eq(res.fault.addr2, ipa);
	ck_assert_uint_eq(res.fault.flags, IREF_ARM_FLAG_S2 |
					   IREF_ARM_FLAG_RNW |
					   IREF_ARM_FLAG_IND | CLASS(IN));
	/* Nested: a stage-1 output beyond the IPA range. */
	struct iref_walk_cfg s1 = ex151(NULL), s2 = ex153_s2();
	set(&s2, "s2t0sz", "25"); /* 39-bit IPA, one table */
	w64(E1_L3, (UINT64_C(1) << 39) | 0x747);
	EXPECT_FAULT(nested(&s1, &s2, E1_VA, RD, U), TRANSL, 0);
	ck_assert_uint_eq(res.fault.stage, 2);
	ck_assert(!res.fault.on_walk);
	ck_assert_uint_eq(res.fault.addr, E1_VA);
	ck_assert_uint_eq(res.fault.addr2, (UINT64_C(1) << 39) | 0x678);
}
END_TEST

START_TEST(test_edge30_s1_bypass_ias)
{
	struct iref_walk_cfg c = S2("s2t0sz", "16", "s2sl0", "2");
	uint64_t ipa = UINT64_C(1) << 48;
	const struct iref_walk_result *r = walk(&c, ipa, WR, P);
	EXPECT_FAULT(r, ADDRSZ, 0);
	ck_assert_uint_eq(r->fault.stage, 1);
	ck_assert_uint_eq(r->fault.flags, IREF_ARM_FLAG_PNU | CLASS(IN));
	ck_assert_uint_eq(r->fault.addr2, 0);
	ck_assert_uint_eq(r->n_acc, 0);
	/* A 52-bit IAS takes the address to stage 2's own range check. */
	set(&c, "idr5.oas", "52");
	EXPECT_FAULT(walk(&c, ipa, WR, P), TRANSL, 0);
	ck_assert_uint_eq(res.fault.stage, 2);
}
END_TEST

START_TEST(test_edge31_nested_classes)
{
	struct iref_walk_cfg s1 = ex151(NULL);
	struct iref_walk_cfg s2 = S2("s2t0sz", "24", "s2sl0", "1");
	s2.root = E2_ROOT;
	/* Nothing mapped at stage 2: the first table access faults. */
	const struct iref_walk_result *r = nested(&s1, &s2, E1_VA, RD, U);
	EXPECT_FAULT(r, TRANSL, 1);
	ck_assert_uint_eq(r->fault.stage, 2);
	ck_assert(r->fault.on_walk);
	ck_assert_uint_eq(r->fault.addr, E1_VA);
	ck_assert_uint_eq(r->fault.addr2, E1_L1);
	ck_assert_uint_eq(r->fault.flags, IREF_ARM_FLAG_S2 |
					  IREF_ARM_FLAG_RNW | CLASS(TT));
	/* Tables mapped, output not: CLASS IN with the output IPA. */
	w64(E2_ROOT + 8 * 2, UINT64_C(0x800007fd));
	r = nested(&s1, &s2, E1_VA, WR, U);
	EXPECT_FAULT(r, TRANSL, 1);
	ck_assert(!r->fault.on_walk);
	ck_assert_uint_eq(r->fault.addr2, UINT64_C(0xc0ffee0678));
	ck_assert_uint_eq(r->fault.flags, IREF_ARM_FLAG_S2 | CLASS(IN));
	/* A bus error on a stage-2 descriptor read for a stage-1 table:
	 * stage 2, CLASS TT, FetchAddr the stage-2 descriptor. */
	ck_assert_int_eq(iref_sparse_mem_add_fault(sm, E2_ROOT + 16,
						   E2_ROOT + 23,
						   IREF_MEM_FAULT_READ),
			 IREF_OK);
	r = nested(&s1, &s2, E1_VA, RD, U);
	EXPECT_FAULT(r, EABT, 1);
	ck_assert_uint_eq(r->fault.stage, 2);
	ck_assert(r->fault.on_walk);
	ck_assert_uint_eq(r->fault.addr2, E2_ROOT + 16);
	ck_assert_uint_eq(r->fault.flags, IREF_ARM_FLAG_S2 |
					  IREF_ARM_FLAG_RNW | CLASS(TT));
}
END_TEST

START_TEST(test_edge32_nested_httu)
{
	/* Read-only at stage 2: see test_ex15_3_nested_httu_ro. With S2HD
	 * and DBM the stage-1 update makes the stage-2 page dirty first. */
	struct iref_walk_cfg s1 = EX151("ha", "1"), s2 = ex153_s2();
	set(&s2, "s2ha", "1");
	set(&s2, "s2hd", "1");
	w64(E2_ROOT + 16, UINT64_C(1) << 51 | UINT64_C(0x8000077d));
	w64(E1_L3, UINT64_C(0x000000c0ffee0b47));
	const struct iref_walk_result *r = nested(&s1, &s2, E1_VA, RD, U);
	EXPECT_OK(r, UINT64_C(0xc0ffee0678), KB(4), 1);
	ck_assert_uint_eq(count(r, IREF_WALK_WR), 2);
	ck_assert_uint_eq(r64(E2_ROOT + 16),
			  UINT64_C(1) << 51 | UINT64_C(0x800007fd));
	ck_assert_uint_eq(r64(E1_L3), E1_LEAF);
	/* The stage-2 write comes before the stage-1 one. */
	unsigned first = 0;
	while (r->acc[first].kind != IREF_WALK_WR)
		first++;
	ck_assert_uint_eq(r->acc[first].stage, 2);
	ck_assert_uint_eq(r->acc[first + 1].stage, 1);
	ck_assert_uint_eq(r->acc[first + 1].addr, E1_L3);
}
END_TEST

START_TEST(test_s2ptw_device_tables)
{
	/* Stage-1 tables in stage-2 Device memory (MemAttr 0b0001). */
	struct iref_walk_cfg s1 = ex151(NULL), s2 = ex153_s2();
	w64(E2_ROOT + 16, UINT64_C(0x80000745));
	EXPECT_OK(nested(&s1, &s2, E1_VA, RD, U), UINT64_C(0xc0ffee0678),
		  KB(4), 1);
	set(&s2, "s2ptw", "1");
	const struct iref_walk_result *r = nested(&s1, &s2, E1_VA, WR, U);
	EXPECT_FAULT(r, PERM, 1);
	ck_assert_uint_eq(r->fault.stage, 2);
	ck_assert(r->fault.on_walk);
	ck_assert_uint_eq(r->fault.addr2, E1_L1);
	/* A table read (TTRnW = 1) for a write transaction (RnW = 0). */
	ck_assert_uint_eq(r->fault.flags, IREF_ARM_FLAG_S2 |
					  IREF_ARM_FLAG_TTRNW | CLASS(TT));
	/* Data accesses to Device memory are not affected. */
	EXPECT_OK(walk(&s2, UINT64_C(0x80001234), RD, U),
		  UINT64_C(0x80001234), GB(1), 1);
	/* No read permission at stage 2 for the tables: TTRnW = 1 too. */
	set(&s2, "s2ptw", "0");
	w64(E2_ROOT + 16, UINT64_C(0x8000073d));
	r = nested(&s1, &s2, E1_VA, RD, U);
	EXPECT_FAULT(r, PERM, 1);
	ck_assert_uint_eq(r->fault.flags, IREF_ARM_FLAG_S2 |
					  IREF_ARM_FLAG_RNW |
					  IREF_ARM_FLAG_TTRNW | CLASS(TT));
}
END_TEST

/* Nested fixture over the builder: stage-1 tables from [0x7000_0000,
 * +16 MiB) identity-mapped read/write at stage 2 (2 MiB blocks), stage-2
 * tables from [0x6000_0000, +16 MiB). */
#define NP_S1 UINT64_C(0x70000000)
#define NP_S2 UINT64_C(0x60000000)

static void nested_fixture(struct iref_walk_cfg *s1, struct iref_walk_cfg *s2,
			   const struct iref_build_map *m1, size_t n1,
			   const struct iref_build_map *m2, size_t n2)
{
	*s1 = S1("t0sz", "25");
	*s2 = S2("s2t0sz", "24", "s2sl0", "1");
	struct iref_pool p2 = {NP_S2, NP_S2 + MB(16)};
	struct iref_build_map pool_map = {NP_S1, NP_S1, MB(16), R | W, 0, 0};
	ck_assert_int_eq(iref_build(s2, mem, &p2, &pool_map, 1, NULL), IREF_OK);
	if (n2)
		ck_assert_int_eq(iref_build(s2, mem, &p2, m2, n2, NULL),
				 IREF_OK);
	struct iref_pool p1 = {NP_S1, NP_S1 + MB(16)};
	ck_assert_int_eq(iref_build(s1, mem, &p1, m1, n1, NULL), IREF_OK);
}

START_TEST(test_edge33_nested_size_perm)
{
	struct iref_build_map m1 = {MB(2), GB(1) + MB(2), MB(2), R | W,
				    IREF_BUILD_USER, 0};
	struct iref_build_map m2 = {GB(1) + MB(2), GB(8), MB(2), R,
				    IREF_BUILD_NO_BLOCKS, 0};
	struct iref_walk_cfg s1, s2;
	nested_fixture(&s1, &s2, &m1, 1, &m2, 1);
	const struct iref_walk_result *r =
		nested(&s1, &s2, MB(2) + 0x5678, RD, U);
	/* 2 MiB at stage 1 over 4 KiB at stage 2. */
	EXPECT_OK(r, GB(8) + 0x5678, KB(4), 3);
	ck_assert_uint_eq(r->perm, R);
	ck_assert(walk(&s1, MB(2), RD, U)->perm == (R | W));
	EXPECT_FAULT(nested(&s1, &s2, MB(2) + 0x5678, WR, U), PERM, 3);
	ck_assert_uint_eq(res.fault.stage, 2);
	ck_assert_uint_eq(res.fault.addr2, GB(1) + MB(2) + 0x5678);
	ck_assert_uint_eq(res.fault.flags, IREF_ARM_FLAG_S2 | CLASS(IN));
	/* 4 KiB at stage 1 over a 1 GiB block. */
	struct iref_build_map m3 = {KB(4), GB(2) + KB(4), KB(4), R | W | X,
				    IREF_BUILD_USER, 0};
	struct iref_build_map m4 = {GB(2), GB(16), GB(1), R | X, 0, 0};
	nested_fixture(&s1, &s2, &m3, 1, &m4, 1);
	r = nested(&s1, &s2, KB(4) + 8, EX, U);
	EXPECT_OK(r, GB(16) + KB(4) + 8, KB(4), 1);
	ck_assert_uint_eq(r->perm, R | X);
}
END_TEST

START_TEST(test_edge41_contiguous)
{
	/* Sixteen contiguous-hinted entries with inconsistent outputs: the
	 * indexed one wins. */
	struct iref_walk_cfg c = ex151(NULL);
	for (uint64_t i = 0x140; i < 0x150; i++)
		w64(UINT64_C(0x80002000) + 8 * i,
		    (UINT64_C(0xa000000000) + (i << 16)) | UINT64_C(1) << 52 |
			    0xf47);
	const struct iref_walk_result *r = walk(&c, E1_VA, RD, U);
	EXPECT_OK(r, UINT64_C(0xa000000000) + (UINT64_C(0x145) << 16) + 0x678,
		  KB(4), 3);
	ck_assert_uint_eq(r->attrs & IREF_ARM_S1_ATTR_CONT,
			  IREF_ARM_S1_ATTR_CONT);
}
END_TEST

START_TEST(test_edge37_cd_asid16)
{
	/* The CD checks this walker can see (the rest is issue 5). */
	struct iref_walk_cfg c = EX151("asid", "0x100");
	EXPECT_OK(walk(&c, E1_VA, RD, U), UINT64_C(0xc0ffee0678), KB(4), 3);
	set(&c, "idr0.asid16", "0");
	EXPECT_FAULT(walk(&c, E1_VA, RD, U), BAD_CD, -1);
	set(&c, "asid", "0xff");
	EXPECT_OK(walk(&c, E1_VA, RD, U), UINT64_C(0xc0ffee0678), KB(4), 3);
}
END_TEST

/* ---- Bus errors ---- */

START_TEST(test_bus_errors)
{
	struct iref_walk_cfg c = EX151("ha", "1");
	w64(E1_L3, UINT64_C(0x000000c0ffee0b47));
	ck_assert_int_eq(iref_sparse_mem_add_fault(sm, UINT64_C(0x80002000),
						   UINT64_C(0x80002fff),
						   IREF_MEM_FAULT_WRITE),
			 IREF_OK);
	/* The AF update is refused: nothing changes. */
	const struct iref_walk_result *r = walk(&c, E1_VA, RD, U);
	EXPECT_FAULT(r, EABT, 3);
	ck_assert_uint_eq(r->fault.addr2, E1_L3);
	ck_assert_uint_eq(r->fault.flags, IREF_ARM_FLAG_RNW | CLASS(TT));
	ck_assert_uint_eq(r64(E1_L3), UINT64_C(0x000000c0ffee0b47));
	/* A table read refused. */
	ck_assert_int_eq(iref_sparse_mem_add_fault(sm, UINT64_C(0x80001000),
						   UINT64_C(0x80001fff),
						   IREF_MEM_FAULT_READ),
			 IREF_OK);
	r = walk(&c, E1_VA, WR, P);
	EXPECT_FAULT(r, EABT, 2);
	ck_assert_uint_eq(r->fault.stage, 1);
	ck_assert_uint_eq(r->fault.addr, E1_VA);
	ck_assert_uint_eq(r->fault.addr2, E1_L2);
	ck_assert_uint_eq(r->fault.flags, IREF_ARM_FLAG_PNU | CLASS(TT));
	ck_assert_uint_eq(r->n_acc, 1);
	/* Stage 2 alone: CLASS IN. */
	struct iref_walk_cfg s2 = ex152();
	ck_assert_int_eq(iref_sparse_mem_add_fault(sm, UINT64_C(0x90001000),
						   UINT64_C(0x90001fff),
						   IREF_MEM_FAULT_READ),
			 IREF_OK);
	r = walk(&s2, E2_IPA, RD, U);
	EXPECT_FAULT(r, EABT, 1);
	ck_assert_uint_eq(r->fault.stage, 2);
	ck_assert_uint_eq(r->fault.addr2, UINT64_C(0x90001008));
	ck_assert_uint_eq(r->fault.flags,
			  IREF_ARM_FLAG_S2 | IREF_ARM_FLAG_RNW | CLASS(IN));
}
END_TEST

/* ---- Builder ---- */

START_TEST(test_build_s1_round_trip)
{
	struct iref_walk_cfg c = S1("t0sz", "16");
	struct iref_pool pool = {0x100000, 0x1000000};
	const struct iref_build_map maps[] = {
		{MB(2), GB(1) + MB(2), MB(2), R | W, 0, 0},
		{GB(1), GB(4), GB(1), R, IREF_BUILD_GLOBAL, 0},
		{KB(4), GB(5), KB(12), R | W | X,
		 IREF_BUILD_USER | IREF_BUILD_GLOBAL, 0x19},
		{MB(8), GB(6), MB(2), R, IREF_BUILD_NO_BLOCKS, 0},
	};
	ck_assert_int_eq(iref_build(&c, mem, &pool, maps, 4, NULL), IREF_OK);
	ck_assert_uint_eq(c.root, 0x100000);
	EXPECT_OK(walk(&c, MB(2) + 5, WR, P), GB(1) + MB(2) + 5, MB(2), 2);
	EXPECT_OK(walk(&c, GB(1) + 7, RD, P), GB(4) + 7, GB(1), 1);
	ck_assert(res.global);
	EXPECT_OK(walk(&c, KB(12) + 9, EX, U), GB(5) + KB(8) + 9, KB(4), 3);
	/* User RWX global, AttrIndx 1, SH 11: AP = 01, no XN, no nG. */
	ck_assert_uint_eq(res.acc[res.n_acc - 1].value,
			  (GB(5) + KB(8)) | 0x747);
	EXPECT_OK(walk(&c, MB(10) - 1, RD, P), GB(6) + MB(2) - 1, KB(4), 3);
	/* Privileged read-only, not global: AP = 10, UXN, PXN, nG. */
	ck_assert_uint_eq(res.acc[res.n_acc - 1].value,
			  (GB(6) + MB(2) - KB(4)) | 0xc83 | UINT64_C(3) << 53);
	EXPECT_FAULT(walk(&c, MB(10), RD, P), TRANSL, 2);
	/* Extending the same tables. */
	struct iref_build_map more = {MB(4), GB(7), KB(4), R, 0, 0};
	ck_assert_int_eq(iref_build(&c, mem, &pool, &more, 1, NULL), IREF_OK);
	EXPECT_OK(walk(&c, MB(4), RD, P), GB(7), KB(4), 3);
	EXPECT_OK(walk(&c, MB(2), RD, P), GB(1) + MB(2), MB(2), 2);
	/* Overlaps are refused with the mapping's index. */
	struct iref_diag d = {0};
	ck_assert_int_eq(iref_build(&c, mem, &pool, &more, 1, &d),
			 IREF_E_INVAL);
	ck_assert_ptr_nonnull(strstr(d.msg, "mapping 0"));
}
END_TEST

START_TEST(test_build_s2_round_trip)
{
	/* 16 KB granule, 40-bit IPA from level 2: 16 concatenated tables. */
	struct iref_walk_cfg c = S2("granule", "16k", "s2t0sz", "24",
				    "s2sl0", "1");
	struct iref_pool pool = {0x104000, 0x4000000};
	const struct iref_build_map maps[] = {
		{MB(32), GB(2), MB(32) + KB(16), R | W, 0, 0x3f},
		{GB(1024) - KB(16), GB(3), KB(16), W, IREF_BUILD_NO_DIRTY, 5},
	};
	ck_assert_int_eq(iref_build(&c, mem, &pool, maps, 2, NULL), IREF_OK);
	ck_assert_uint_eq(c.root % (16 * KB(16)), 0);
	EXPECT_OK(walk(&c, MB(33), WR, U), GB(2) + MB(1), MB(32), 2);
	ck_assert_uint_eq(res.attrs, 0x3f);
	EXPECT_OK(walk(&c, MB(64) + 4, RD, U), GB(2) + MB(32) + 4, KB(16), 3);
	ck_assert_uint_eq(res.perm, R | W);
	/* The last entry of the last concatenated table. */
	EXPECT_FAULT(walk(&c, GB(1024) - KB(16), RD, U), PERM, 3);
	ck_assert_uint_eq(res.acc[0].addr, c.root + 8 * 0x7fff);
	/* Writable-clean: DBM, no S2AP[1], XN = 10. */
	ck_assert_uint_eq(res.acc[res.n_acc - 1].value,
			  GB(3) | 0x417 | UINT64_C(1) << 51 |
				  UINT64_C(1) << 54);
	EXPECT_FAULT(walk(&c, GB(1024) - 1, WR, U), PERM, 3);
	set(&c, "s2ha", "1");
	set(&c, "s2hd", "1");
	EXPECT_OK(walk(&c, GB(1024) - 1, WR, U), GB(3) + KB(16) - 1, KB(16),
		  3);
}
END_TEST

START_TEST(test_build_64k_4tb_block)
{
	struct iref_walk_cfg c = S1("granule", "64k", "t0sz", "12",
				    "idr5.vax", "1", "idr5.oas", "52", "ips",
				    "52");
	struct iref_pool pool = {0x100000, 0x1000000};
	struct iref_build_map map = {UINT64_C(1) << 42, UINT64_C(1) << 50,
				     UINT64_C(1) << 42, R, 0, 0};
	ck_assert_int_eq(iref_build(&c, mem, &pool, &map, 1, NULL), IREF_OK);
	const struct iref_walk_result *r =
		walk(&c, (UINT64_C(1) << 42) + 0x1234, RD, P);
	EXPECT_OK(r, (UINT64_C(1) << 50) + 0x1234, UINT64_C(1) << 42, 1);
	/* OA[51:48] = 4 sits in descriptor bits [15:12]. */
	ck_assert_uint_eq(r->acc[0].value >> 12 & 0xf, 4);
	ck_assert_uint_eq(r->acc[0].value & UINT64_C(0xffffffff0000), 0);
}
END_TEST

/* ---- Property tests: random mappings against a flat reference ---- */

static uint64_t rng;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Non-overlapping random mappings: sizes mixing the leaf sizes in
 * units[] (units[0] the granule), holes between them, output addresses
 * usually aligned like the input (blocks) and sometimes not (pages). */
static size_t gen_maps(struct iref_build_map *maps, size_t max,
		       const uint64_t *units, size_t nunits, uint64_t va,
		       uint64_t va_end, uint64_t pa, bool stage1)
{
	size_t n = 0;
	uint64_t gran = units[0];
	while (n < max) {
		size_t u = rnd() % nunits;
		uint64_t unit = units[u];
		va += rnd() % 3 * unit; /* a hole, maybe */
		va = (va + unit - 1) & ~(unit - 1);
		uint64_t size = (1 + rnd() % 3) * unit +
				(rnd() % 2) * (1 + rnd() % 4) * gran;
		if (va + size > va_end || va + size < va)
			break;
		pa = (pa + unit - 1) & ~(unit - 1);
		if (rnd() % 4 == 0)
			pa += gran;
		unsigned flags = 0;
		if (stage1 && rnd() % 2)
			flags |= IREF_BUILD_USER;
		if (stage1 && rnd() % 2)
			flags |= IREF_BUILD_GLOBAL;
		if (rnd() % 8 == 0)
			flags |= IREF_BUILD_NO_ACCESSED;
		if (rnd() % 6 == 0)
			flags |= IREF_BUILD_NO_DIRTY;
		if (u + 1 < nunits && rnd() % 6 == 0)
			flags |= IREF_BUILD_NO_BLOCKS;
		maps[n++] = (struct iref_build_map){
			.va = va, .pa = pa, .size = size,
			.perm = (unsigned)(rnd() % 8), .flags = flags,
			.attrs = (uint32_t)(rnd() % (stage1 ? 32 : 64)),
		};
		va += size;
		pa += size + gran;
	}
	return n;
}

/* What a mapping allows this privilege, by the builder's documented
 * encoding and the architecture's rules (§7.1, §7.2). */
static unsigned ref_perm(const struct iref_build_map *p, bool stage1,
			 bool unpriv)
{
	bool r = p->perm & R, w = p->perm & W, x = p->perm & X;
	bool writable = w && !(p->flags & IREF_BUILD_NO_DIRTY);
	if (!stage1)
		return (r ? R : 0) | (writable ? W : 0) | (x ? X : 0);
	bool user = p->flags & IREF_BUILD_USER;
	bool el0 = user && (r || w); /* AP[1]: W implies R at stage 1 */
	if (unpriv)
		return (el0 ? R : 0) | (el0 && writable ? W : 0) |
		       (user && x ? X : 0);
	return R | (writable ? W : 0) | (x && !(el0 && writable) ? X : 0);
}

static const struct iref_build_map *ref_find(const struct iref_build_map *maps,
					     size_t n, uint64_t addr)
{
	for (size_t i = 0; i < n; i++)
		if (addr - maps[i].va < maps[i].size)
			return &maps[i];
	return NULL;
}

/* One random access checked against the reference; returns the page
 * size of a translation, 0 for a fault. */
static uint64_t check_one(const struct iref_walk_cfg *c,
		      const struct iref_build_map *maps, size_t n,
		      uint64_t va_end, uint64_t gran, bool stage1)
{
	uint64_t addr;
	if (rnd() % 3) {
		const struct iref_build_map *p = &maps[rnd() % n];
		addr = p->va + rnd() % p->size;
	} else {
		addr = rnd() & (va_end - 1);
	}
	static const unsigned accs[3] = {RD, WR, EX};
	unsigned acc = accs[rnd() % 3];
	bool unpriv = rnd() % 2;
	const struct iref_walk_result *r = walk(c, addr, acc, unpriv);
	const struct iref_build_map *p = ref_find(maps, n, addr);
	if (!p) {
		ck_assert_msg(!r->ok && r->fault.code ==
					       IREF_ARM_F_TRANSLATION,
			      "hole 0x%llx", (unsigned long long)addr);
		return 0;
	}
	if (p->flags & IREF_BUILD_NO_ACCESSED) {
		ck_assert_msg(!r->ok && r->fault.code == IREF_ARM_F_ACCESS,
			      "AF 0x%llx", (unsigned long long)addr);
		return 0;
	}
	unsigned perm = ref_perm(p, stage1, unpriv);
	if (!(perm & acc)) {
		ck_assert_msg(!r->ok && r->fault.code ==
					       IREF_ARM_F_PERMISSION,
			      "perm 0x%llx acc %u", (unsigned long long)addr,
			      acc);
		ck_assert_uint_eq(r->fault.reason, IREF_WF_PERMISSION);
		return 0;
	}
	ck_assert_msg(r->ok, "0x%llx: fault 0x%x level %d",
		      (unsigned long long)addr, r->fault.code, r->fault.level);
	ck_assert_uint_eq(r->pa, p->pa + (addr - p->va));
	ck_assert_uint_eq(r->perm, perm);
	uint64_t size = r->page_size, base = addr & ~(size - 1);
	ck_assert(size >= gran && (size & (size - 1)) == 0);
	ck_assert(base >= p->va && base + size <= p->va + p->size);
	if (stage1) {
		ck_assert_uint_eq(r->attrs & 0x1f, p->attrs);
		ck_assert(r->global == !!(p->flags & IREF_BUILD_GLOBAL));
	} else {
		ck_assert_uint_eq(r->attrs & 0x3f, p->attrs);
	}
	return size;
}

struct prop_cfg {
	const char *gran, *tsz, *sl0; /* sl0 NULL: stage 1 */
	uint64_t units[3];
	size_t nunits;
};

static void property(const struct prop_cfg *pc, uint64_t seed)
{
	bool stage1 = !pc->sl0;
	struct iref_walk_cfg c =
		stage1 ? S1("granule", pc->gran, "t0sz", pc->tsz)
		       : S2("granule", pc->gran, "s2t0sz", pc->tsz, "s2sl0",
			    pc->sl0);
	uint64_t va_end = UINT64_C(1) << (64 - atoi(pc->tsz));
	rng = seed;
	static struct iref_build_map maps[48];
	uint64_t top = pc->units[pc->nunits - 1];
	uint64_t va0 = (rnd() % (va_end / 4)) & ~(top - 1);
	size_t n = gen_maps(maps, 48, pc->units, pc->nunits, va0, va_end,
			    UINT64_C(1) << 36, stage1);
	ck_assert_uint_gt(n, 8);
	struct iref_pool pool = {0x10000000, 0x30000000};
	struct iref_diag d = {0};
	ck_assert_msg(iref_build(&c, mem, &pool, maps, n, &d) == IREF_OK, "%s",
		      d.msg);
	/* Every leaf size shows up, and most accesses translate. */
	unsigned ok = 0, by_size[3] = {0, 0, 0};
	for (unsigned i = 0; i < 4000; i++) {
		uint64_t size = check_one(&c, maps, n, va_end, pc->units[0],
					  stage1);
		ok += size != 0;
		for (size_t u = 0; u < pc->nunits; u++)
			by_size[u] += size == pc->units[u];
	}
	ck_assert_uint_gt(ok, 600);
	for (size_t u = 0; u < pc->nunits; u++)
		ck_assert_uint_gt(by_size[u], 20);
}

static const struct prop_cfg s1_props[] = {
	{"4k", "16", NULL, {KB(4), MB(2), GB(1)}, 3},
	{"4k", "39", NULL, {KB(4), MB(2)}, 2},
	{"16k", "17", NULL, {KB(16), MB(32)}, 2},
	{"64k", "22", NULL, {KB(64), MB(512)}, 2},
};

static const struct prop_cfg s2_props[] = {
	{"4k", "24", "1", {KB(4), MB(2), GB(1)}, 3},
	{"16k", "24", "1", {KB(16), MB(32)}, 2},
	{"64k", "22", "1", {KB(64), MB(512)}, 2},
};

START_TEST(test_property_s1)
{
	property(&s1_props[_i], UINT64_C(0x5eed0001) + (uint64_t)_i);
}
END_TEST

START_TEST(test_property_s2)
{
	property(&s2_props[_i], UINT64_C(0x5eed0101) + (uint64_t)_i);
}
END_TEST

/* Nested against the composition of the two single-stage walks. Stage-1
 * tables sit in a pool stage 2 maps identity read/write, so the
 * single-stage stage-1 walk reads the same tables. */
START_TEST(test_nested_composition)
{
	rng = UINT64_C(0x5eed0201);
	static struct iref_build_map m1[40], m2[40];
	static const uint64_t u1[] = {KB(4), MB(2)};
	static const uint64_t u2[] = {KB(4), MB(2), GB(1)};
	/* Stage 1 outputs IPAs from 2^36; stage 2 covers part of that. */
	size_t n1 = gen_maps(m1, 40, u1, 2, 0, UINT64_C(1) << 39,
			     UINT64_C(1) << 36, true);
	size_t n2 = gen_maps(m2, 40, u2, 3, UINT64_C(1) << 36,
			     UINT64_C(1) << 40, UINT64_C(1) << 38, false);
	struct iref_walk_cfg s1, s2;
	nested_fixture(&s1, &s2, m1, n1, m2, n2);
	/* Reads to translate one stage-1 table address. */
	unsigned k = walk(&s2, NP_S1, RD, P)->n_acc;
	ck_assert_uint_eq(k, 2);
	static const unsigned accs[3] = {RD, WR, EX};
	for (unsigned i = 0; i < 4000; i++) {
		const struct iref_build_map *p = &m1[rnd() % n1];
		uint64_t va = rnd() % 4 ? p->va + rnd() % p->size
					: rnd() & ((UINT64_C(1) << 39) - 1);
		unsigned acc = accs[rnd() % 3];
		bool unpriv = rnd() % 2;
		struct iref_walk_result r1 = *walk(&s1, va, acc, unpriv);
		const struct iref_walk_result *r =
			nested(&s1, &s2, va, acc, unpriv);
		if (!r1.ok) {
			ck_assert_uint_eq(r->n_acc, r1.n_acc * (1 + k));
			ck_assert(!r->ok);
			ck_assert_uint_eq(r->fault.stage, 1);
			ck_assert_uint_eq(r->fault.code, r1.fault.code);
			ck_assert_int_eq(r->fault.level, r1.fault.level);
			ck_assert_uint_eq(r->fault.flags, r1.fault.flags);
			continue;
		}
		/* nested() and walk() share one result buffer: keep r's
		 * figures before the stage-2 walk overwrites them. */
		struct iref_walk_result rn = *r;
		struct iref_walk_result r2 = *walk(&s2, r1.pa, acc, unpriv);
		r = &rn;
		ck_assert_uint_eq(r->n_acc, r1.n_acc * (1 + k) + r2.n_acc);
		if (!r2.ok) {
			ck_assert(!r->ok && !r->fault.on_walk);
			ck_assert_uint_eq(r->fault.stage, 2);
			ck_assert_uint_eq(r->fault.code, r2.fault.code);
			ck_assert_int_eq(r->fault.level, r2.fault.level);
			ck_assert_uint_eq(r->fault.flags, r2.fault.flags);
			ck_assert_uint_eq(r->fault.addr, va);
			ck_assert_uint_eq(r->fault.addr2, r1.pa);
			continue;
		}
		ck_assert(r->ok);
		ck_assert_uint_eq(r->pa, r2.pa);
		ck_assert_uint_eq(r->page_size, r1.page_size < r2.page_size
							? r1.page_size
							: r2.page_size);
		ck_assert_uint_eq(r->perm, r1.perm & r2.perm);
		ck_assert_uint_eq(r->attrs, r1.attrs | r2.attrs << 16);
		ck_assert(r->global == r1.global);
	}
}
END_TEST

/* ---- Hostile memory ---- */

#define HOSTILE_BASE UINT64_C(0x40000000)
#define HOSTILE_PAGES 64

/* Garbage tables: random words, tables pointing into the region (often
 * at themselves), addresses beyond every output size. */
static void fill_garbage(void)
{
	for (uint64_t a = 0; a < HOSTILE_PAGES * KB(4); a += 8) {
		uint64_t v = rnd(), page = HOSTILE_BASE + (rnd() %
							   HOSTILE_PAGES) *
							  KB(4);
		switch (rnd() % 6) {
		case 0: /* a table (or page) in the region */
			v = page | 3 | (v & UINT64_C(0xfff0000000000ffc));
			break;
		case 1: /* a table pointing at its own page */
			v = ((HOSTILE_BASE + a) & ~(KB(4) - 1)) | 3;
			break;
		case 2: /* a block with high output bits */
			v = (v & ~UINT64_C(2)) | 1;
			break;
		default:
			break;
		}
		w64(HOSTILE_BASE + a, v);
	}
}

static struct iref_walk_cfg random_cfg(bool stage1)
{
	static const char *const s1[][2] = {
		{"4k", "16"}, {"4k", "25"}, {"4k", "39"}, {"16k", "17"},
		{"16k", "16"}, {"64k", "22"}, {"64k", "16"},
	};
	static const char *const s2[][3] = {
		{"4k", "24", "1"}, {"4k", "16", "2"}, {"16k", "24", "1"},
		{"64k", "22", "1"}, {"64k", "16", "2"},
	};
	static const char *const onoff[2] = {"0", "1"};
	static const char *const oa_hi[3] = {"oas52", "always", "eff52"};
	struct iref_walk_cfg c;
	if (stage1) {
		size_t i = rnd() % (sizeof s1 / sizeof s1[0]);
		c = S1("granule", s1[i][0], "t0sz", s1[i][1], "ha",
		       onoff[rnd() % 2], "hd", onoff[rnd() % 2], "affd",
		       onoff[rnd() % 2], "ips", rnd() % 2 ? "40" : "52",
		       "epd1", "0", "t1sz", "25", "ttb1", "0x40008000",
		       "tbi1", onoff[rnd() % 2]);
	} else {
		size_t i = rnd() % (sizeof s2 / sizeof s2[0]);
		c = S2("granule", s2[i][0], "s2t0sz", s2[i][1], "s2sl0",
		       s2[i][2], "s2ha", onoff[rnd() % 2], "s2hd",
		       onoff[rnd() % 2], "s2affd", onoff[rnd() % 2], "s2ps",
		       rnd() % 2 ? "40" : "52");
	}
	set(&c, "idr5.oas", rnd() % 2 ? "48" : "52");
	set(&c, "oa_hi", oa_hi[rnd() % 3]);
	set(&c, "block_res0", rnd() % 2 ? "fault" : "ignore");
	c.root = HOSTILE_BASE + (rnd() % HOSTILE_PAGES) * KB(4);
	return c;
}

static void check_sane(const struct iref_walk_result *r)
{
	if (r->ok) {
		ck_assert_uint_eq(r->pa >> 52, 0);
		ck_assert(r->page_size >= KB(4) &&
			  (r->page_size & (r->page_size - 1)) == 0);
		ck_assert_uint_eq(r->perm & ~(R | W | X), 0);
		return;
	}
	static const enum iref_wfault reason[0x14] = {
		[0x04] = IREF_WF_CONFIG, [0x0a] = IREF_WF_CONFIG,
		[0x0b] = IREF_WF_BUS_ERROR, [0x10] = IREF_WF_TRANSLATION,
		[0x11] = IREF_WF_ADDRESS_SIZE, [0x12] = IREF_WF_ACCESS_FLAG,
		[0x13] = IREF_WF_PERMISSION,
	};
	ck_assert_ptr_nonnull(iref_arm_event_name(r->fault.code));
	ck_assert_uint_eq(r->fault.reason, reason[r->fault.code]);
	ck_assert(r->fault.level >= -1 && r->fault.level <= 3);
}

START_TEST(test_hostile_memory)
{
	rng = UINT64_C(0x5eed0301);
	fill_garbage();
	/* Reads of unwritten memory fail: bus errors in the mix. */
	iref_sparse_mem_destroy(sm);
	struct iref_sparse_mem_config mc = {.unwritten_is_bus_error = true};
	sm = iref_sparse_mem_create(&mc);
	mem = iref_sparse_mem_as_mem(sm);
	fill_garbage();
	static const unsigned accs[3] = {RD, WR, EX};
	unsigned ok = 0, eabt = 0;
	for (unsigned i = 0; i < 20000; i++) {
		bool stage1 = rnd() % 2;
		struct iref_walk_cfg c = random_cfg(stage1);
		uint64_t addr = rnd();
		if (rnd() % 2) /* mostly inside the range */
			addr &= (UINT64_C(1) << 39) - 1;
		const struct iref_walk_result *r =
			walk(&c, addr, accs[rnd() % 3], rnd() % 2);
		check_sane(r);
		/* One read per level and at most one update. */
		ck_assert_uint_le(r->n_acc, 5);
		ck_assert_uint_le(count(r, IREF_WALK_RD), 4);
		ok += r->ok;
		eabt += !r->ok && r->fault.code == IREF_ARM_F_WALK_EABT;
	}
	ck_assert_uint_gt(ok, 100);
	ck_assert_uint_gt(eabt, 100);
	for (unsigned i = 0; i < 5000; i++) {
		struct iref_walk_cfg c1 = random_cfg(true);
		struct iref_walk_cfg c2 = random_cfg(false);
		uint64_t addr = rnd() & ((UINT64_C(1) << 39) - 1);
		const struct iref_walk_result *r =
			nested(&c1, &c2, addr, accs[rnd() % 3], rnd() % 2);
		check_sane(r);
		/* §16.42: 4 x (4 + 1) + 4 reads, plus a stage-2 walk for the
		 * stage-1 update; each stage-2 walk may write once. */
		unsigned s1_ha = c1.u.arm.ha;
		ck_assert_uint_le(count(r, IREF_WALK_RD), 24 + 4 * s1_ha);
		ck_assert_uint_le(r->n_acc, 35);
	}
}
END_TEST

START_TEST(test_self_referencing_table)
{
	/* Every level points back at the root: four reads, then the root
	 * page itself is the output. */
	struct iref_walk_cfg c = S1("t0sz", "16");
	c.root = 0x100000;
	w64(0x100000, UINT64_C(0x100000) | 0x743);
	const struct iref_walk_result *r = walk(&c, 0x123, RD, U);
	EXPECT_OK(r, UINT64_C(0x100123), KB(4), 3);
	ck_assert_uint_eq(r->n_acc, 4);
	for (unsigned i = 0; i < 4; i++)
		ck_assert_uint_eq(r->acc[i].addr, 0x100000);
}
END_TEST

/* ---- Options ---- */

START_TEST(test_options)
{
	struct iref_walk_cfg c;
	struct iref_diag d = {0};
	ck_assert_int_eq(iref_walk_cfg_init(&c, "arm-s1", &d), IREF_OK);
	ck_assert_int_eq(c.fmt, IREF_FMT_ARM_S1);
	ck_assert_str_eq(iref_walk_cfg_name(&c), "arm-s1");
	ck_assert_uint_eq(c.u.arm.t0sz, 16);
	ck_assert(c.u.arm.epd1 && !c.u.arm.epd0);
	ck_assert_uint_eq(c.u.arm.ips, 5);
	ck_assert_uint_eq(c.u.arm.httu, 2);
	struct {
		const char *key, *value;
		enum iref_rc rc;
	} cases[] = {
		{"ips", "48", IREF_OK},       {"ips", "6", IREF_OK},
		{"ips", "50", IREF_E_RANGE},  {"idr5.oas", "7", IREF_E_RANGE},
		{"idr5.oas", "52", IREF_OK},  {"tg0", "16k", IREF_OK},
		{"tg0", "8k", IREF_E_INVAL},  {"granule", "2", IREF_E_INVAL},
		{"t0sz", "64", IREF_E_RANGE}, {"s2sl0", "1", IREF_E_INVAL},
		{"asid", "0x10000", IREF_E_RANGE},
		{"ha", "on", IREF_OK},        {"ha", "2", IREF_E_RANGE},
		{"ttb1", "0x1234000", IREF_OK},
		{"txsz_oor", "clamp", IREF_OK},
		{"nonsense", "1", IREF_E_INVAL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		ck_assert_msg(iref_walk_cfg_set(&c, cases[i].key,
						cases[i].value, &d) ==
				      cases[i].rc,
			      "%s=%s", cases[i].key, cases[i].value);
	ck_assert_uint_eq(c.u.arm.ips, 6);
	ck_assert_uint_eq(c.u.arm.oas, 6);
	ck_assert_uint_eq(c.u.arm.tg0, 2);
	ck_assert(c.u.arm.ha);
	ck_assert_uint_eq(c.u.arm.ttb1, 0x1234000);
	ck_assert_uint_eq(c.u.arm.txsz_oor, IREF_ARM_OOR_CLAMP);
	ck_assert_int_eq(iref_walk_cfg_set(&c, "s2tg", "4k", &d),
			 IREF_E_INVAL);
	ck_assert_ptr_nonnull(strstr(d.msg, "arm-s1"));
	ck_assert_int_eq(iref_walk_cfg_init(&c, "arm-s2", &d), IREF_OK);
	ck_assert_str_eq(iref_walk_cfg_name(&c), "arm-s2");
	ck_assert_int_eq(iref_walk_cfg_set(&c, "t0sz", "16", &d),
			 IREF_E_INVAL);
	ck_assert_int_eq(iref_walk_cfg_set(&c, "granule", "64k", &d),
			 IREF_OK);
	ck_assert_uint_eq(c.u.arm.s2tg, IREF_ARM_S2TG_64K);
	ck_assert_int_eq(iref_walk_cfg_set(&c, "wide_ipa", "illegal", &d),
			 IREF_OK);
	ck_assert_uint_eq(c.u.arm.wide_ipa, IREF_ARM_WIDE_IPA_ILLEGAL);
	ck_assert_int_eq(iref_walk_cfg_init(&c, "arm-s3", &d), IREF_E_INVAL);
	ck_assert_str_eq(iref_arm_event_name(IREF_ARM_F_ADDR_SIZE),
			 "F_ADDR_SIZE");
	ck_assert_ptr_null(iref_arm_event_name(0x42));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("walk_arm");
	TCase *t = tcase_create("examples");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, test_ex15_1_walk);
	tcase_add_test(t, test_ex15_1a_ro_write);
	tcase_add_test(t, test_ex15_1b_af_clear);
	tcase_add_test(t, test_ex15_1c_ha_sets_af);
	tcase_add_test(t, test_ex15_1d_dbm_dirty);
	tcase_add_test(t, test_ex15_1e_dbm_no_hd);
	tcase_add_test(t, test_ex15_1f_oa_bit40);
	tcase_add_test(t, test_ex15_1g_invalid);
	tcase_add_test(t, test_ex15_1h_va_bit39);
	tcase_add_test(t, test_ex15_1i_ttb1_epd1);
	tcase_add_test(t, test_ex15_1j_aptable0_unpriv);
	tcase_add_test(t, test_ex15_1k_aptable0_priv_write);
	tcase_add_test(t, test_ex15_1k2_aptable1_priv_write);
	tcase_add_test(t, test_ex15_1l_l1_block_af);
	tcase_add_test(t, test_ex15_2_walk);
	tcase_add_test(t, test_ex15_2_sl0_l2_bad_ste);
	tcase_add_test(t, test_ex15_2_ipa_range);
	tcase_add_test(t, test_ex15_3_nested_read);
	tcase_add_test(t, test_ex15_3_nested_httu_ro);
	suite_add_tcase(s, t);

	t = tcase_create("edges");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, test_edge01_start_levels);
	tcase_add_test(t, test_edge02_txsz_range);
	tcase_add_test(t, test_edge03_tg_encodings);
	tcase_add_test(t, test_edge04_tbi);
	tcase_add_test(t, test_edge05_epd1_miss);
	tcase_add_test(t, test_edge06_e0pd);
	tcase_add_test(t, test_edge07_ttb);
	tcase_add_test(t, test_edge08_block_levels);
	tcase_add_test(t, test_edge09_l3_reserved);
	tcase_add_test(t, test_edge10_invalid_garbage);
	tcase_add_test(t, test_edge11_block_res0);
	tcase_add_test(t, test_edge12_addr_size_table_and_leaf);
	tcase_add_test(t, test_edge13_oa52_64k);
	tcase_add_test(t, test_edge14_ips_clamp);
	tcase_add_test(t, test_edge15_af_modes);
	tcase_add_test(t, test_edge16_af_before_permission);
	tcase_add_test(t, test_edge17_dbm);
	tcase_add_test(t, test_edge18_cas_race);
	tcase_add_test(t, test_edge19_no_update_on_fault);
	tcase_add_test(t, test_edge20_hierarchical);
	tcase_add_test(t, test_edge21_ap_table);
	tcase_add_test(t, test_edge22_execute);
	tcase_add_test(t, test_edge23_pan);
	tcase_add_test(t, test_edge24_pnu_default);
	tcase_add_test(t, test_edge25_s2ap_write_only);
	tcase_add_test(t, test_edge26_s2_xn);
	tcase_add_test(t, test_edge27_s2sl0);
	tcase_add_test(t, test_edge28_concat_index);
	tcase_add_test(t, test_edge29_ipa_range);
	tcase_add_test(t, test_edge30_s1_bypass_ias);
	tcase_add_test(t, test_edge31_nested_classes);
	tcase_add_test(t, test_edge32_nested_httu);
	tcase_add_test(t, test_edge33_nested_size_perm);
	tcase_add_test(t, test_s2ptw_device_tables);
	tcase_add_test(t, test_edge37_cd_asid16);
	tcase_add_test(t, test_edge41_contiguous);
	tcase_add_test(t, test_bus_errors);
	suite_add_tcase(s, t);

	t = tcase_create("builder");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, test_build_s1_round_trip);
	tcase_add_test(t, test_build_s2_round_trip);
	tcase_add_test(t, test_build_64k_4tb_block);
	tcase_add_test(t, test_options);
	suite_add_tcase(s, t);

	t = tcase_create("properties");
	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_loop_test(t, test_property_s1, 0,
			    (int)(sizeof s1_props / sizeof s1_props[0]));
	tcase_add_loop_test(t, test_property_s2, 0,
			    (int)(sizeof s2_props / sizeof s2_props[0]));
	tcase_add_test(t, test_nested_composition);
	tcase_add_test(t, test_hostile_memory);
	tcase_add_test(t, test_self_referencing_table);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return iref_test_run(suite());
}
