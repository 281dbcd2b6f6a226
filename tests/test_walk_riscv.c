/* The RISC-V walkers, "riscv-sv32" ... "riscv-sv57" (first stage) and
 * "riscv-sv32x4" ... "riscv-sv57x4" (G-stage): every worked example (§16)
 * and every walk edge case (§17) of the RISC-V page-table reference,
 * options, builder round trips, property tests against a flat reference
 * map, hostile memory, and nested walks against the composition of two
 * single-stage walks. Section numbers: docs/walker-riscv.md. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "iommu-ref/walk.h"
#include "testutil.h"
#include "walk_fixture.h"

#define K4 UINT64_C(0x1000)
#define K64 UINT64_C(0x10000)
#define M2 UINT64_C(0x200000)
#define M4 UINT64_C(0x400000)
#define G1 UINT64_C(0x40000000)
#define G512 (UINT64_C(1) << 39)
#define T256 (UINT64_C(1) << 48)

#define R IREF_PERM_R
#define W IREF_PERM_W
#define X IREF_PERM_X
#define ACC_R IREF_ACC_READ
#define ACC_W IREF_ACC_WRITE
#define ACC_X IREF_ACC_EXEC
#define USER false
#define SUP true

/* PTE bits, written out here independently of walkers/riscv.c. */
#define P_V 0x01u
#define P_R 0x02u
#define P_W 0x04u
#define P_X 0x08u
#define P_U 0x10u
#define P_G 0x20u
#define P_A 0x40u
#define P_D 0x80u
#define P_N (UINT64_C(1) << 63)
#define LEAF_RW (P_V | P_R | P_W | P_U | P_A | P_D)

/* Cause codes by access: page fault, guest page fault, access fault. */
#define PF(acc) ((acc) == ACC_X ? 12u : (acc) == ACC_R ? 13u : 15u)
#define GPF(acc) (PF(acc) + 8u)
#define AF(acc) ((acc) == ACC_X ? 1u : (acc) == ACC_R ? 5u : 7u)

#define TR IREF_WF_TRANSLATION
#define PERM IREF_WF_PERMISSION
#define AFLAG IREF_WF_ACCESS_FLAG
#define ASIZE IREF_WF_ADDRESS_SIZE
#define BUS IREF_WF_BUS_ERROR

/* The modes, as the tests see them (§1). */
struct tmode {
	const char *s1, *g;
	unsigned levels, ib, va_bits, gpa_bits, pte;
};

static const struct tmode tmodes[4] = {
	{"riscv-sv32", "riscv-sv32x4", 2, 10, 32, 34, 4},
	{"riscv-sv39", "riscv-sv39x4", 3, 9, 39, 41, 8},
	{"riscv-sv48", "riscv-sv48x4", 4, 9, 48, 50, 8},
	{"riscv-sv57", "riscv-sv57x4", 5, 9, 57, 59, 8},
};

static void w32(uint64_t addr, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
			(uint8_t)(v >> 24)};
	ck_assert_int_eq(iref_mem_write(mem, addr, b, 4), IREF_OK);
}

/* A PTE of the given width at addr. */
static void wpte(unsigned size, uint64_t addr, uint64_t v)
{
	if (size == 4)
		w32(addr, (uint32_t)v);
	else
		w64(addr, v);
}

/* PTE naming the page at pa. */
static uint64_t pte(uint64_t pa, uint64_t flags)
{
	return (pa >> 12) << 10 | flags;
}

static void opt(struct iref_walk_cfg *c, const char *key, const char *val)
{
	struct iref_diag d = {0};
	ck_assert_msg(iref_walk_cfg_set(c, key, val, &d) == IREF_OK,
		      "%s=%s: %s", key, val, d.msg);
}

static struct iref_walk_cfg mkcfg(const char *name, uint64_t root)
{
	struct iref_walk_cfg c;
	struct iref_diag d = {0};
	ck_assert_msg(iref_walk_cfg_init(&c, name, &d) == IREF_OK, "%s: %s",
		      name, d.msg);
	c.root = root;
	return c;
}

static const struct iref_walk_result *walk(const struct iref_walk_cfg *c,
					   uint64_t addr, unsigned acc,
					   bool priv)
{
	struct iref_walk_req r = {.addr = addr, .access = acc, .priv = priv};
	ck_assert_int_eq(iref_walk(c, mem, &r, &res), IREF_OK);
	return &res;
}

static const struct iref_walk_result *walk2(const struct iref_walk_cfg *s1,
					    const struct iref_walk_cfg *s2,
					    uint64_t addr, unsigned acc,
					    bool priv)
{
	struct iref_walk_req r = {.addr = addr, .access = acc, .priv = priv};
	ck_assert_int_eq(iref_walk_nested(s1, s2, mem, &r, &res), IREF_OK);
	return &res;
}

static void expect_ok(const struct iref_walk_result *r, uint64_t pa,
		      uint64_t size, unsigned perm)
{
	ck_assert_msg(r->ok, "fault code %u reason %s level %d stage %u",
		      r->fault.code, iref_wfault_name(r->fault.reason),
		      r->fault.level, r->fault.stage);
	ck_assert_uint_eq(r->pa, pa);
	ck_assert_uint_eq(r->page_size, size);
	ck_assert_uint_eq(r->perm, perm);
}

static void expect_fault(const struct iref_walk_result *r,
			 enum iref_wfault reason, uint32_t code, int level)
{
	ck_assert_msg(!r->ok, "walk succeeded: pa 0x%llx",
		      (unsigned long long)r->pa);
	ck_assert_str_eq(iref_wfault_name(r->fault.reason),
			 iref_wfault_name(reason));
	ck_assert_uint_eq(r->fault.code, code);
	ck_assert_int_eq(r->fault.level, level);
}

static unsigned count(const struct iref_walk_result *r,
		      enum iref_walk_acc_kind kind)
{
	unsigned n = 0;
	for (unsigned i = 0; i < r->n_acc && i < IREF_WALK_MAX_ACCESSES; i++)
		n += r->acc[i].kind == kind;
	return n;
}

static void expect_acc(const struct iref_walk_result *r, unsigned i,
		       enum iref_walk_acc_kind kind, uint64_t addr,
		       uint64_t value, int level)
{
	ck_assert_uint_lt(i, r->n_acc);
	ck_assert_uint_eq(r->acc[i].kind, kind);
	ck_assert_uint_eq(r->acc[i].addr, addr);
	ck_assert_uint_eq(r->acc[i].value, value);
	ck_assert_int_eq(r->acc[i].level, level);
}

/* Deterministic generator for the property and hostile tests. */
static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static uint64_t rnd_below(uint64_t n)
{
	return rnd() % n;
}

/* ---- §16.1 Sv39, single stage ---- */

#define E1_ROOT UINT64_C(0x80000000)
#define E1_IOVA UINT64_C(0x0000001234567abc)
#define E1_L2 UINT64_C(0x80000240)
#define E1_L1 UINT64_C(0x80001d10)
#define E1_L0 UINT64_C(0x80002b38)
#define E1_L2_PTE UINT64_C(0x20000401)
#define E1_L1_PTE UINT64_C(0x20000801)
#define E1_LEAF UINT64_C(0x2448d0d7)

/* The §16.1 tables with the given leaf; the Sv39 cfg over them. */
static struct iref_walk_cfg e1_tables(uint64_t leaf)
{
	w64(E1_L2, E1_L2_PTE);
	w64(E1_L1, E1_L1_PTE);
	w64(E1_L0, leaf);
	return mkcfg("riscv-sv39", E1_ROOT);
}

START_TEST(test_ex16_1_sv39_read)
{
	struct iref_walk_cfg c = e1_tables(E1_LEAF);
	const struct iref_walk_result *r = walk(&c, E1_IOVA, ACC_R, USER);
	expect_ok(r, 0x91234abc, K4, R | W);
	ck_assert(!r->global);
	ck_assert_int_eq(r->level, 0);
	ck_assert_uint_eq(r->n_acc, 3);
	expect_acc(r, 0, IREF_WALK_RD, E1_L2, E1_L2_PTE, 2);
	expect_acc(r, 1, IREF_WALK_RD, E1_L1, E1_L1_PTE, 1);
	expect_acc(r, 2, IREF_WALK_RD, E1_L0, E1_LEAF, 0);
	for (unsigned i = 0; i < 3; i++) {
		ck_assert_uint_eq(r->acc[i].size, 8);
		ck_assert_uint_eq(r->acc[i].stage, 1);
	}
	ck_assert_uint_eq(r->attrs, IREF_RISCV_ATTR_U | IREF_RISCV_ATTR_A |
					    IREF_RISCV_ATTR_D);
}
END_TEST

START_TEST(test_ex16_1a_dirty_clear_sade0)
{
	struct iref_walk_cfg c = e1_tables(0x2448d057);
	const struct iref_walk_result *r = walk(&c, E1_IOVA, ACC_W, USER);
	expect_fault(r, AFLAG, 15, 0);
	ck_assert_uint_eq(r->fault.addr, E1_IOVA);
	ck_assert_uint_eq(r->fault.stage, 1);
	ck_assert_uint_eq(count(r, IREF_WALK_WR), 0);
	ck_assert_uint_eq(r64(E1_L0), 0x2448d057);
}
END_TEST

START_TEST(test_ex16_1b_dirty_clear_sade1)
{
	struct iref_walk_cfg c = e1_tables(0x2448d057);
	opt(&c, "ade", "1");
	const struct iref_walk_result *r = walk(&c, E1_IOVA, ACC_W, USER);
	expect_ok(r, 0x91234abc, K4, R | W);
	ck_assert_uint_eq(r->n_acc, 4);
	expect_acc(r, 3, IREF_WALK_WR, E1_L0, 0x2448d0d7, 0);
	ck_assert_uint_eq(r64(E1_L0), 0x2448d0d7);
	ck_assert(r->attrs & IREF_RISCV_ATTR_D);
}
END_TEST

START_TEST(test_ex16_1c_accessed_clear)
{
	struct iref_walk_cfg c = e1_tables(0x2448d097);
	expect_fault(walk(&c, E1_IOVA, ACC_R, USER), AFLAG, 13, 0);
	ck_assert_uint_eq(r64(E1_L0), 0x2448d097);
}
END_TEST

START_TEST(test_ex16_1d_write_without_read)
{
	struct iref_walk_cfg c = e1_tables(0x2448d0d5);
	expect_fault(walk(&c, E1_IOVA, ACC_R, USER), TR, 13, 0);
	expect_fault(walk(&c, E1_IOVA, ACC_W, USER), TR, 15, 0);
}
END_TEST

START_TEST(test_ex16_1e_supervisor_page_user_read)
{
	struct iref_walk_cfg c = e1_tables(0x2448d0c7);
	expect_fault(walk(&c, E1_IOVA, ACC_R, USER), PERM, 13, 0);
}
END_TEST

START_TEST(test_ex16_1f_misaligned_superpage)
{
	struct iref_walk_cfg c = e1_tables(E1_LEAF);
	w64(E1_L1, 0x2448d0d7);
	const struct iref_walk_result *r = walk(&c, E1_IOVA, ACC_R, USER);
	expect_fault(r, TR, 13, 1);
	ck_assert_uint_eq(r->n_acc, 2);
}
END_TEST

START_TEST(test_ex16_1g_2m_page)
{
	struct iref_walk_cfg c = e1_tables(E1_LEAF);
	w64(E1_L1, 0x244800d7);
	const struct iref_walk_result *r = walk(&c, E1_IOVA, ACC_R, USER);
	expect_ok(r, 0x91367abc, M2, R | W);
	ck_assert_int_eq(r->level, 1);
}
END_TEST

START_TEST(test_ex16_1h_napot)
{
	struct iref_walk_cfg c = e1_tables(UINT64_C(0x800000002448e0d7));
	const struct iref_walk_result *r = walk(&c, E1_IOVA, ACC_R, USER);
	expect_ok(r, 0x91237abc, K64, R | W);
	ck_assert(r->attrs & IREF_RISCV_ATTR_NAPOT);
}
END_TEST

START_TEST(test_ex16_1i_napot_bad_ppn)
{
	struct iref_walk_cfg c = e1_tables(UINT64_C(0x800000002448d0d7));
	expect_fault(walk(&c, E1_IOVA, ACC_R, USER), TR, 13, 0);
}
END_TEST

START_TEST(test_ex16_1j_pbmt3)
{
	struct iref_walk_cfg c = e1_tables(UINT64_C(0x600000002448d0d7));
	expect_fault(walk(&c, E1_IOVA, ACC_R, USER), TR, 13, 0);
}
END_TEST

START_TEST(test_ex16_1k_bit54)
{
	struct iref_walk_cfg c = e1_tables(UINT64_C(0x004000002448d0d7));
	expect_fault(walk(&c, E1_IOVA, ACC_R, USER), TR, 13, 0);
}
END_TEST

START_TEST(test_ex16_1l_pointer_with_a)
{
	struct iref_walk_cfg c = e1_tables(E1_LEAF);
	w64(E1_L1, 0x20000841);
	expect_fault(walk(&c, E1_IOVA, ACC_R, USER), TR, 13, 1);
}
END_TEST

START_TEST(test_ex16_1m_non_canonical)
{
	struct iref_walk_cfg c = e1_tables(E1_LEAF);
	const struct iref_walk_result *r =
		walk(&c, UINT64_C(0x0000004000000000), ACC_R, USER);
	expect_fault(r, TR, 13, -1);
	ck_assert_uint_eq(r->n_acc, 0);
	ck_assert_uint_eq(r->fault.addr, UINT64_C(0x0000004000000000));
}
END_TEST

START_TEST(test_ex16_1n_upper_half)
{
	struct iref_walk_cfg c = e1_tables(E1_LEAF);
	const struct iref_walk_result *r =
		walk(&c, UINT64_C(0xffffffc000000000), ACC_R, USER);
	expect_fault(r, TR, 13, 2); /* entry 0x100 is empty */
	ck_assert_uint_eq(r->n_acc, 1);
	ck_assert_uint_eq(r->acc[0].addr, UINT64_C(0x80000800));
}
END_TEST

START_TEST(test_ex16_1o_exec_no_x)
{
	struct iref_walk_cfg c = e1_tables(E1_LEAF);
	expect_fault(walk(&c, E1_IOVA, ACC_X, USER), PERM, 12, 0);
}
END_TEST

/* ---- §16.2 Sv39x4 G-stage ---- */

#define E2_ROOT UINT64_C(0xa0000000)
#define E2_GPA UINT64_C(0x0000015000001abc)
#define E2_ENTRY UINT64_C(0xa0002a00)

START_TEST(test_ex16_2_sv39x4)
{
	w64(E2_ENTRY, 0x900000d7);
	struct iref_walk_cfg c = mkcfg("riscv-sv39x4", E2_ROOT);
	const struct iref_walk_result *r = walk(&c, E2_GPA, ACC_R, USER);
	expect_ok(r, UINT64_C(0x240001abc), G1, R | W);
	ck_assert_uint_eq(r->n_acc, 1);
	expect_acc(r, 0, IREF_WALK_RD, E2_ENTRY, 0x900000d7, 2);
	ck_assert_uint_eq(r->acc[0].stage, 2);
	ck_assert(!r->global);
	/* The same for a supervisor request: the G-stage ignores it. */
	expect_ok(walk(&c, E2_GPA, ACC_W, SUP), UINT64_C(0x240001abc), G1,
		  R | W);
}
END_TEST

START_TEST(test_ex16_2_u0)
{
	w64(E2_ENTRY, 0x900000c7);
	struct iref_walk_cfg c = mkcfg("riscv-sv39x4", E2_ROOT);
	const struct iref_walk_result *r = walk(&c, E2_GPA, ACC_R, USER);
	expect_fault(r, PERM, 21, 2);
	ck_assert_uint_eq(r->fault.stage, 2);
	ck_assert_uint_eq(r->fault.addr, E2_GPA);
	ck_assert_uint_eq(r->fault.addr2, UINT64_C(0x0000015000001abc));
	/* iotval2 drops bits 1:0 of the GPA. */
	expect_fault(walk(&c, E2_GPA + 3, ACC_R, USER), PERM, 21, 2);
	ck_assert_uint_eq(res.fault.addr2, E2_GPA);
}
END_TEST

START_TEST(test_ex16_2_gpa_bit41)
{
	w64(E2_ENTRY, 0x900000d7);
	struct iref_walk_cfg c = mkcfg("riscv-sv39x4", E2_ROOT);
	const struct iref_walk_result *r =
		walk(&c, UINT64_C(0x0000020000000000), ACC_R, USER);
	expect_fault(r, TR, 21, -1);
	ck_assert_uint_eq(r->n_acc, 0);
	ck_assert_uint_eq(r->fault.addr2, UINT64_C(0x0000020000000000));
}
END_TEST

START_TEST(test_ex16_2_root_misaligned)
{
	w64(E2_ENTRY, 0x900000d7);
	struct iref_walk_cfg c = mkcfg("riscv-sv39x4", 0xa0001000);
	const struct iref_walk_result *r = walk(&c, E2_GPA, ACC_R, USER);
	expect_fault(r, IREF_WF_CONFIG, 259, -1);
	ck_assert_uint_eq(r->n_acc, 0);
}
END_TEST

/* ---- §16.3 nested sketch ---- */

/* 16.1's tables at SPA 0x1_8000_0000 (GPA 0x8000_0000), the G-stage
 * mapping them read-only and the data page read/write. */
static void e3_setup(struct iref_walk_cfg *s1, struct iref_walk_cfg *s2,
		     uint64_t leaf)
{
	const uint64_t off = UINT64_C(0x100000000);
	w64(E1_L2 + off, E1_L2_PTE);
	w64(E1_L1 + off, E1_L1_PTE);
	w64(E1_L0 + off, leaf);
	*s1 = mkcfg("riscv-sv39", E1_ROOT);
	*s2 = mkcfg("riscv-sv39x4", 0);
	struct iref_pool pool = {UINT64_C(0x300000000), UINT64_C(0x300100000)};
	struct iref_build_map maps[] = {
		{.va = 0x80000000, .pa = UINT64_C(0x180000000), .size = M2,
		 .perm = R},
		{.va = 0x91200000, .pa = UINT64_C(0x200000000), .size = M2,
		 .perm = R | W},
	};
	struct iref_diag d = {0};
	ck_assert_msg(iref_build(s2, mem, &pool, maps, 2, &d) == IREF_OK,
		      "%s", d.msg);
}

START_TEST(test_ex16_3_nested_read)
{
	struct iref_walk_cfg s1, s2;
	e3_setup(&s1, &s2, E1_LEAF);
	const struct iref_walk_result *r = walk2(&s1, &s2, E1_IOVA, ACC_R,
						 USER);
	expect_ok(r, UINT64_C(0x200034abc), K4, R | W);
	/* Three first-stage reads, each after a G-stage walk to its 2 MiB
	 * leaf (two reads), then the G-stage walk of the output. */
	ck_assert_uint_eq(r->n_acc, 3 * 3 + 2);
	ck_assert_uint_eq(r->acc[1].stage, 2);
	ck_assert_uint_eq(r->acc[2].stage, 1);
	ck_assert_uint_eq(r->acc[2].addr, E1_L2 + UINT64_C(0x100000000));
	ck_assert_uint_eq(r->acc[8].addr, E1_L0 + UINT64_C(0x100000000));
	ck_assert_uint_eq(r->acc[10].stage, 2);
	ck_assert_int_eq(r->level, 1); /* the G-stage's 2 MiB leaf */
}
END_TEST

START_TEST(test_ex16_3b_nested_ad_update_readonly)
{
	struct iref_walk_cfg s1, s2;
	e3_setup(&s1, &s2, 0x2448d057);
	opt(&s1, "ade", "1");
	const struct iref_walk_result *r = walk2(&s1, &s2, E1_IOVA, ACC_W,
						 USER);
	expect_fault(r, PERM, 23, 1);
	ck_assert_uint_eq(r->fault.stage, 2);
	ck_assert(r->fault.on_walk);
	ck_assert_uint_eq(r->fault.addr, E1_IOVA);
	ck_assert_uint_eq(r->fault.addr2, UINT64_C(0x80002b3b));
	ck_assert_uint_eq(count(r, IREF_WALK_WR), 0);
	ck_assert_uint_eq(r64(E1_L0 + UINT64_C(0x100000000)), 0x2448d057);
}
END_TEST

/* ---- §17 edge cases ---- */

/* §17.1: both halves accepted, every one-bit-off pattern rejected before
 * any memory access; Sv32 bits 63:32. */
START_TEST(test_edge01_canonical)
{
	for (unsigned m = 0; m < 4; m++) {
		const struct tmode *t = &tmodes[m];
		struct iref_walk_cfg c = mkcfg(t->s1, 0x10000);
		unsigned vb = t->va_bits;
		uint64_t lo = (UINT64_C(1) << (vb - 1)) - 1; /* top of low */
		uint64_t hi = m ? ~lo : 0;          /* bottom of high half */
		walk(&c, lo, ACC_R, USER);
		ck_assert_uint_eq(res.n_acc, 1); /* walked: the root read */
		if (m) {
			walk(&c, hi, ACC_R, USER);
			ck_assert_uint_eq(res.n_acc, 1);
			walk(&c, ~UINT64_C(0), ACC_R, USER);
			ck_assert_uint_eq(res.n_acc, 1);
		} else {
			walk(&c, UINT64_C(0xffffffff), ACC_R, USER);
			ck_assert_uint_eq(res.n_acc, 1);
		}
		for (unsigned b = m ? vb - 1 : 32; b < 64; b++) {
			uint64_t bad[2] = {UINT64_C(1) << b,
					   ~(UINT64_C(1) << b)};
			for (unsigned k = 0; k < 2; k++) {
				if (!m && k) /* Sv32: every high bit is bad */
					bad[k] = (UINT64_C(1) << b) | 0xfff;
				const struct iref_walk_result *r =
					walk(&c, bad[k], ACC_W, USER);
				expect_fault(r, TR, 15, -1);
				ck_assert_uint_eq(r->n_acc, 0);
			}
		}
	}
}
END_TEST

/* §17.2: bit GPASIZE set faults, no sign extension. */
START_TEST(test_edge02_gstage_width)
{
	for (unsigned m = 0; m < 4; m++) {
		const struct tmode *t = &tmodes[m];
		struct iref_walk_cfg c = mkcfg(t->g, 0x10000);
		uint64_t top = (UINT64_C(1) << t->gpa_bits) - 1;
		walk(&c, top, ACC_R, USER);
		ck_assert_uint_eq(res.n_acc, 1);
		for (unsigned b = t->gpa_bits; b < 64; b++) {
			const struct iref_walk_result *r =
				walk(&c, UINT64_C(1) << b, ACC_X, USER);
			expect_fault(r, TR, 20, -1);
			ck_assert_uint_eq(r->n_acc, 0);
			ck_assert_uint_eq(r->fault.addr2, UINT64_C(1) << b);
		}
		expect_fault(walk(&c, ~UINT64_C(0), ACC_R, USER), TR, 21, -1);
		ck_assert_uint_eq(res.fault.addr2, ~UINT64_C(3));
	}
}
END_TEST

/* §17.3: the two extra root-index bits of every x4 mode and the 16 KiB
 * root alignment. */
START_TEST(test_edge03_root_extra_bits)
{
	for (unsigned m = 0; m < 4; m++) {
		const struct tmode *t = &tmodes[m];
		const uint64_t root = 0x40000000;
		unsigned top_shift = 12 + t->ib * (t->levels - 1);
		struct iref_walk_cfg c = mkcfg(t->g, root);
		/* Every top index from 0 to the widest reads its entry. */
		uint64_t n_top = UINT64_C(1) << (t->gpa_bits - top_shift);
		ck_assert_uint_eq(n_top, UINT64_C(4) << t->ib);
		uint64_t idx[] = {0, 1, (n_top / 4) - 1, n_top / 4,
				  n_top / 2 + 5, n_top - 1};
		for (unsigned k = 0; k < 6; k++) {
			uint64_t gpa = idx[k] << top_shift | 0x123;
			uint64_t ea = root + idx[k] * t->pte;
			wpte(t->pte, ea, pte(0, LEAF_RW));
			const struct iref_walk_result *r =
				walk(&c, gpa, ACC_R, USER);
			expect_ok(r, 0x123, UINT64_C(1) << top_shift, R | W);
			ck_assert_uint_eq(r->acc[0].addr, ea);
			ck_assert_uint_eq(r->acc[0].size, t->pte);
		}
		for (uint64_t mis = 0x1000; mis < 0x4000; mis += 0x1000) {
			struct iref_walk_cfg b = mkcfg(t->g, root + mis);
			expect_fault(walk(&b, 0x123, ACC_R, USER),
				     IREF_WF_CONFIG, 259, -1);
			ck_assert_uint_eq(res.n_acc, 0);
		}
		/* The first stage has no extra bits and a 4 KiB root. */
		struct iref_walk_cfg s = mkcfg(t->s1, root + 0x1000);
		walk(&s, UINT64_C(1) << (t->va_bits - 2), ACC_R, USER);
		ck_assert_uint_eq(res.n_acc, 1);
		ck_assert_uint_eq(res.acc[0].addr,
				  root + 0x1000 + (UINT64_C(1) << (t->ib - 2)) *
							  t->pte);
	}
}
END_TEST

/* §17.4: every R/W/X combination, as a 4 KiB leaf and as a superpage;
 * 010 and 110 are reserved; a pointer at level 0 faults. */
START_TEST(test_edge04_rwx_combinations)
{
	struct iref_walk_cfg c = e1_tables(E1_LEAF);
	for (unsigned xwr = 0; xwr < 8; xwr++) {
		uint64_t f = P_V | P_U | P_A | P_D | (uint64_t)xwr << 1;
		for (int lvl = 0; lvl < 2; lvl++) {
			uint64_t ea = lvl ? E1_L1 : E1_L0;
			uint64_t pa = lvl ? UINT64_C(0x91200000)
					  : UINT64_C(0x91234000);
			w64(E1_L1, E1_L1_PTE);
			w64(ea, pte(pa, f));
			uint64_t size = lvl ? M2 : K4;
			bool r_ = xwr & 1, w_ = xwr & 2, x_ = xwr & 4;
			static const unsigned accs[3] = {ACC_R, ACC_W, ACC_X};
			for (unsigned k = 0; k < 3; k++) {
				unsigned a = accs[k];
				const struct iref_walk_result *r =
					walk(&c, E1_IOVA, a, USER);
				if (xwr == 0) {
					/* a pointer with U, A, D set */
					expect_fault(r, TR, PF(a), lvl);
				} else if (w_ && !r_) {
					expect_fault(r, TR, PF(a), lvl);
				} else if ((a == ACC_R && r_) ||
					   (a == ACC_W && w_) ||
					   (a == ACC_X && x_)) {
					expect_ok(r,
						  pa + (E1_IOVA & (size - 1)),
						  size, xwr);
				} else {
					expect_fault(r, PERM, PF(a), lvl);
				}
			}
		}
	}
	/* A clean pointer at level 0. */
	w64(E1_L1, E1_L1_PTE);
	w64(E1_L0, pte(0x80002000, P_V));
	expect_fault(walk(&c, E1_IOVA, ACC_R, USER), TR, 13, 0);
	ck_assert_uint_eq(res.n_acc, 3);
}
END_TEST

/* §17.5: a pointer with D, A, U, PBMT or N faults; G on a pointer makes
 * the leaf global (first stage only). */
START_TEST(test_edge05_nonleaf_bits)
{
	struct iref_walk_cfg c = e1_tables(E1_LEAF);
	static const uint64_t bad[] = {P_D, P_A, P_U, UINT64_C(1) << 61,
				       UINT64_C(2) << 61, P_N};
	for (unsigned k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		w64(E1_L2, E1_L2_PTE | bad[k]);
		expect_fault(walk(&c, E1_IOVA, ACC_R, USER), TR, 13, 2);
		w64(E1_L2, E1_L2_PTE);
		w64(E1_L1, E1_L1_PTE | bad[k]);
		expect_fault(walk(&c, E1_IOVA, ACC_R, USER), TR, 13, 1);
		w64(E1_L1, E1_L1_PTE);
	}
	ck_assert(!walk(&c, E1_IOVA, ACC_R, USER)->global);
	w64(E1_L2, E1_L2_PTE | P_G);
	expect_ok(walk(&c, E1_IOVA, ACC_R, USER), 0x91234abc, K4, R | W);
	ck_assert(res.global);
	w64(E1_L2, E1_L2_PTE);
	w64(E1_L0, E1_LEAF | P_G);
	ck_assert(walk(&c, E1_IOVA, ACC_R, USER)->global);
	/* G-stage: the G bit is ignored, on pointers and leaves. */
	struct iref_walk_cfg g = mkcfg("riscv-sv39x4", 0x40000000);
	w64(0x40000000, pte(0x40004000, P_V | P_G));
	w64(0x40004000, pte(0x50000000, LEAF_RW | P_G));
	expect_ok(walk(&g, 0x1234, ACC_R, USER), 0x50001234, M2, R | W);
	ck_assert(!res.global);
}
END_TEST

/* §17.6: reserved bits 60:54 one by one, in leaves and pointers; 60:59
 * with Svrsw60t59b are software bits. */
START_TEST(test_edge06_reserved_bits)
{
	struct iref_walk_cfg c = e1_tables(E1_LEAF);
	struct iref_walk_cfg sw = c;
	opt(&sw, "svrsw60t59b", "1");
	for (unsigned b = 54; b <= 60; b++) {
		uint64_t bit = UINT64_C(1) << b;
		bool soft = b >= 59;
		w64(E1_L0, E1_LEAF | bit);
		expect_fault(walk(&c, E1_IOVA, ACC_R, USER), TR, 13, 0);
		walk(&sw, E1_IOVA, ACC_R, USER);
		if (soft)
			expect_ok(&res, 0x91234abc, K4, R | W);
		else
			expect_fault(&res, TR, 13, 0);
		w64(E1_L0, E1_LEAF);
		w64(E1_L2, E1_L2_PTE | bit);
		expect_fault(walk(&c, E1_IOVA, ACC_W, USER), TR, 15, 2);
		walk(&sw, E1_IOVA, ACC_R, USER);
		ck_assert(res.ok == soft);
		w64(E1_L2, E1_L2_PTE);
	}
	/* RSW (9:8) is always ignored and shows in attrs. */
	w64(E1_L0, E1_LEAF | 0x300);
	expect_ok(walk(&c, E1_IOVA, ACC_R, USER), 0x91234abc, K4, R | W);
	ck_assert_uint_eq(res.attrs & IREF_RISCV_ATTR_RSW,
			  IREF_RISCV_ATTR_RSW);
}
END_TEST

/* §17.7: PBMT 1/2 with Svpbmt, any non-zero without, 3 always; the
 * two-stage merge. */
START_TEST(test_edge07_pbmt)
{
	struct iref_walk_cfg c = e1_tables(E1_LEAF);
	struct iref_walk_cfg nopb = c;
	opt(&nopb, "svpbmt", "0");
	for (uint64_t p = 0; p < 4; p++) {
		w64(E1_L0, E1_LEAF | p << 61);
		walk(&c, E1_IOVA, ACC_R, USER);
		if (p == 3) {
			expect_fault(&res, TR, 13, 0);
		} else {
			expect_ok(&res, 0x91234abc, K4, R | W);
			ck_assert_uint_eq(res.attrs & IREF_RISCV_ATTR_PBMT, p);
			ck_assert_uint_eq(iref_riscv_pbmt(res.attrs), p);
		}
		walk(&nopb, E1_IOVA, ACC_R, USER);
		ck_assert(res.ok == (p == 0));
	}
	/* Merge: first stage wins if non-zero. */
	struct iref_walk_cfg s1, s2;
	for (uint64_t p1 = 0; p1 < 3; p1++)
		for (uint64_t p2 = 0; p2 < 3; p2++) {
			e3_setup(&s1, &s2, E1_LEAF | p1 << 61);
			/* The data page's 2 MiB G-stage leaf is at the
			 * table the builder made for GPA 0x9120_0000. */
			struct iref_walk_cfg g = s2;
			walk(&g, 0x91234abc, ACC_R, USER);
			ck_assert(res.ok);
			uint64_t gl = res.acc[1].addr;
			w64(gl, (r64(gl) & ~(UINT64_C(3) << 61)) | p2 << 61);
			walk2(&s1, &s2, E1_IOVA, ACC_R, USER);
			expect_ok(&res, UINT64_C(0x200034abc), K4, R | W);
			ck_assert_uint_eq(res.attrs & 3, p1);
			ck_assert_uint_eq(res.attrs >> 16 & 3, p2);
			ck_assert_uint_eq(iref_riscv_pbmt(res.attrs),
					  p1 ? p1 : p2);
		}
}
END_TEST

/* §17.8: misaligned superpages at every level of every mode, each PPN
 * field separately; the sizes of aligned ones. */
START_TEST(test_edge08_misaligned_superpages)
{
	static const uint64_t sizes[5] = {K4, M2, G1, G512, T256};
	for (unsigned m = 0; m < 4; m++)
		for (unsigned g = 0; g < 2; g++) {
			const struct tmode *t = &tmodes[m];
			const uint64_t root = 0x40000000;
			struct iref_walk_cfg c = mkcfg(g ? t->g : t->s1, root);
			for (unsigned i = 1; i < t->levels; i++) {
				/* Pointers down to level i, the leaf there. */
				uint64_t table = root, ea = 0;
				for (unsigned l = t->levels - 1;; l--) {
					ea = table; /* index 0 everywhere */
					if (l == i)
						break;
					table += 0x4000;
					wpte(t->pte, ea, pte(table, P_V));
				}
				unsigned shift = 12 + t->ib * i;
				uint64_t size = UINT64_C(1) << shift;
				ck_assert_uint_eq(size, m ? sizes[i] : M4);
				uint64_t base = m ? UINT64_C(3) << shift : 0;
				wpte(t->pte, ea, pte(base, LEAF_RW));
				walk(&c, size - 8, ACC_R, USER);
				expect_ok(&res, base + size - 8, size, R | W);
				ck_assert_int_eq(res.level, (int)i);
				for (unsigned j = 0; j < i; j++) {
					/* lowest and highest bit of PPN[j] */
					unsigned lo = 12 + t->ib * j;
					unsigned hi = lo + t->ib - 1;
					uint64_t bits[2] = {UINT64_C(1) << lo,
							    UINT64_C(1) << hi};
					for (unsigned k = 0; k < 2; k++) {
						wpte(t->pte, ea,
						     pte(base | bits[k],
							 LEAF_RW));
						walk(&c, 0, ACC_R, USER);
						expect_fault(&res, TR,
							     g ? 21 : 13,
							     (int)i);
					}
				}
				wpte(t->pte, ea, 0);
			}
		}
}
END_TEST

/* §17.9: valid 64 KiB NAPOT, every other low pattern, N above level 0,
 * N on a pointer; low PA bits come from the IOVA. */
START_TEST(test_edge09_napot)
{
	for (unsigned g = 0; g < 2; g++) {
		struct iref_walk_cfg c = e1_tables(E1_LEAF);
		if (g) { /* the same tables as a G-stage over a 16 KiB root */
			c = mkcfg("riscv-sv39x4", E1_ROOT);
		}
		uint64_t base = UINT64_C(0x91230000);
		for (unsigned low = 0; low < 16; low++) {
			w64(E1_L0, pte(base | (uint64_t)low << 12, LEAF_RW) |
					   P_N);
			walk(&c, E1_IOVA, ACC_R, USER);
			if (low == 8) {
				expect_ok(&res, 0x91237abc, K64, R | W);
			} else {
				expect_fault(&res, TR, g ? 21 : 13, 0);
			}
		}
		/* All 16 PTEs of the group, as software writes them. */
		for (uint64_t k = 0; k < 16; k++)
			w64((E1_L0 & ~UINT64_C(0x7f)) + 8 * k,
			    pte(base | 0x8000, LEAF_RW) | P_N);
		for (uint64_t off = 0; off < K64; off += 0x1234) {
			uint64_t va = (E1_IOVA & ~(K64 - 1)) | off;
			expect_ok(walk(&c, va, ACC_W, USER), base | off, K64,
				  R | W);
		}
		/* N on a 2 MiB leaf and on pointers. */
		w64(E1_L1, pte(0x91200000, LEAF_RW) | P_N);
		expect_fault(walk(&c, E1_IOVA, ACC_R, USER), TR, g ? 21 : 13,
			     1);
		/* ... which wins over a permission fault (step 3 < 5). */
		expect_fault(walk(&c, E1_IOVA, ACC_X, USER), TR, g ? 20 : 12,
			     1);
		w64(E1_L1, E1_L1_PTE | P_N);
		expect_fault(walk(&c, E1_IOVA, ACC_R, USER), TR, g ? 21 : 13,
			     1);
		w64(E1_L1, E1_L1_PTE);
		w64(E1_L0, pte(0x91238000, P_V) | P_N); /* pointer at 0 */
		expect_fault(walk(&c, E1_IOVA, ACC_R, USER), TR, g ? 21 : 13,
			     0);
	}
}
END_TEST

/* §17.10: ADE = 0: A = 0 read, D = 0 write fault, D = 0 read passes; no
 * memory writes. */
START_TEST(test_edge10_ad_fault)
{
	static const struct {
		uint64_t leaf;
		unsigned acc;
		bool ok;
	} cases[] = {
		{E1_LEAF & ~(uint64_t)P_A, ACC_R, false},
		{E1_LEAF & ~(uint64_t)P_A, ACC_X, false},
		{E1_LEAF & ~(uint64_t)P_D, ACC_W, false},
		{E1_LEAF & ~(uint64_t)P_D, ACC_R, true},
		{E1_LEAF & ~(uint64_t)(P_A | P_D), ACC_W, false},
	};
	for (unsigned g = 0; g < 2; g++)
		for (unsigned k = 0; k < 5; k++) {
			struct iref_walk_cfg c = e1_tables(cases[k].leaf | P_X);
			if (g)
				c = mkcfg("riscv-sv39x4", E1_ROOT);
			const struct iref_walk_result *r =
				walk(&c, E1_IOVA, cases[k].acc, USER);
			if (cases[k].ok)
				expect_ok(r, 0x91234abc, K4, R | W | X);
			else
				expect_fault(r, AFLAG,
					     g ? GPF(cases[k].acc)
					       : PF(cases[k].acc),
					     0);
			ck_assert_uint_eq(count(r, IREF_WALK_WR), 0);
			ck_assert_uint_eq(r64(E1_L0), cases[k].leaf | P_X);
		}
}
END_TEST

/* A memory that changes a word the first time the walker re-reads it
 * for a compare-and-swap, as another agent would between the walk's read
 * and its A/D update. */
struct racy {
	struct iref_mem inner;
	uint64_t addr, mutate;
	unsigned reads, fire_at;
};

static enum iref_rc racy_read(void *ctx, uint64_t addr, void *buf,
			      size_t len)
{
	struct racy *r = ctx;
	if (addr == r->addr && ++r->reads == r->fire_at) {
		uint64_t v = 0;
		iref_mem_read64(r->inner, addr, &v);
		iref_mem_write64(r->inner, addr, v | r->mutate);
	}
	return iref_mem_read(r->inner, addr, buf, len);
}

static enum iref_rc racy_write(void *ctx, uint64_t addr, const void *buf,
			       size_t len)
{
	struct racy *r = ctx;
	return iref_mem_write(r->inner, addr, buf, len);
}

/* §17.11: ADE = 1: one update setting A (read) or A and D (write); a CAS
 * mismatch restarts; no update on a faulting walk; no D when W = 0. */
START_TEST(test_edge11_ad_update)
{
	struct iref_walk_cfg c = e1_tables(E1_LEAF & ~(uint64_t)(P_A | P_D));
	opt(&c, "ade", "on");
	const struct iref_walk_result *r = walk(&c, E1_IOVA, ACC_R, USER);
	expect_ok(r, 0x91234abc, K4, R | W);
	ck_assert_uint_eq(count(r, IREF_WALK_WR), 1);
	ck_assert_uint_eq(r64(E1_L0), E1_LEAF & ~(uint64_t)P_D);
	ck_assert(r->attrs & IREF_RISCV_ATTR_A);
	ck_assert(!(r->attrs & IREF_RISCV_ATTR_D));
	r = walk(&c, E1_IOVA, ACC_R, USER); /* nothing left to set */
	ck_assert_uint_eq(count(r, IREF_WALK_WR), 0);
	r = walk(&c, E1_IOVA, ACC_W, USER);
	ck_assert_uint_eq(count(r, IREF_WALK_WR), 1);
	expect_acc(r, 3, IREF_WALK_WR, E1_L0, E1_LEAF, 0);
	ck_assert_uint_eq(r64(E1_L0), E1_LEAF);

	/* A = 0, D = 0 write: one update sets both. */
	w64(E1_L0, E1_LEAF & ~(uint64_t)(P_A | P_D));
	r = walk(&c, E1_IOVA, ACC_W, USER);
	ck_assert_uint_eq(count(r, IREF_WALK_WR), 1);
	ck_assert_uint_eq(r64(E1_L0), E1_LEAF);

	/* Faulting walks write nothing: permission, misaligned. */
	uint64_t ro = pte(0x91234000, P_V | P_R | P_U);
	w64(E1_L0, ro);
	r = walk(&c, E1_IOVA, ACC_W, USER);
	expect_fault(r, PERM, 15, 0);
	ck_assert_uint_eq(count(r, IREF_WALK_WR), 0);
	ck_assert_uint_eq(r64(E1_L0), ro);
	/* A read of a W = 0 page sets A only. */
	r = walk(&c, E1_IOVA, ACC_R, USER);
	expect_ok(r, 0x91234abc, K4, R);
	ck_assert_uint_eq(r64(E1_L0), ro | P_A);

	/* CAS mismatch: the walk restarts and updates the new value. */
	uint64_t leaf = E1_LEAF & ~(uint64_t)(P_A | P_D);
	w64(E1_L0, leaf);
	struct racy rc = {.inner = mem, .addr = E1_L0, .mutate = 0x100,
			  .fire_at = 2};
	static const struct iref_mem_ops racy_ops = {racy_read, racy_write};
	struct iref_mem rm = {&racy_ops, &rc};
	struct iref_walk_req q = {.addr = E1_IOVA, .access = ACC_W};
	ck_assert_int_eq(iref_walk(&c, rm, &q, &res), IREF_OK);
	expect_ok(&res, 0x91234abc, K4, R | W);
	ck_assert_uint_eq(r64(E1_L0), leaf | 0x100 | P_A | P_D);
	/* 3 reads, (CAS fails), 3 reads again, one write */
	ck_assert_uint_eq(res.n_acc, 7);
	expect_acc(&res, 5, IREF_WALK_RD, E1_L0, leaf | 0x100, 0);
	expect_acc(&res, 6, IREF_WALK_WR, E1_L0, leaf | 0x100 | P_A | P_D, 0);
	ck_assert_uint_eq(res.attrs & IREF_RISCV_ATTR_RSW,
			  1u << IREF_RISCV_ATTR_RSW_SHIFT);

	/* A refused update write is an access fault of the access type. */
	w64(E1_L0, leaf);
	ck_assert_int_eq(iref_sparse_mem_add_fault(sm, E1_L0, E1_L0 + 7,
						   IREF_MEM_FAULT_WRITE),
			 IREF_OK);
	expect_fault(walk(&c, E1_IOVA, ACC_R, USER), BUS, 5, 0);
	expect_fault(walk(&c, E1_IOVA, ACC_W, USER), BUS, 7, 0);
	ck_assert_uint_eq(r64(E1_L0), leaf);
}
END_TEST

/* A G-stage identity map of [0, 1 GiB) with the given rights over
 * a hand-made Sv39x4 table at 0x7000_0000, and 16.1's tables in it. */
static void nested_identity(struct iref_walk_cfg *s1, struct iref_walk_cfg *s2,
			    uint64_t gleaf_flags)
{
	*s1 = e1_tables(E1_LEAF);
	*s2 = mkcfg("riscv-sv39x4", 0x70000000);
	w64(0x70000000 + 2 * 8, pte(0x80000000, gleaf_flags)); /* GPA 2G */
	w64(0x70000000 + 0 * 8, pte(0x0, LEAF_RW | P_X));     /* GPA 0 */
}

/* §17.12: a first-stage A/D update under a read-only G-stage mapping. */
START_TEST(test_edge12_ad_update_readonly_gstage)
{
	static const unsigned accs[3] = {ACC_R, ACC_W, ACC_X};
	for (unsigned k = 0; k < 3; k++) {
		struct iref_walk_cfg s1, s2;
		nested_identity(&s1, &s2, P_V | P_R | P_U | P_A | P_D);
		w64(E1_L0, (E1_LEAF | P_X) & ~(uint64_t)(P_A | P_D));
		opt(&s1, "ade", "1");
		/* Output GPA 0x9123_4abc is in the G-stage's 2 GiB leaf. */
		const struct iref_walk_result *r =
			walk2(&s1, &s2, E1_IOVA, accs[k], USER);
		expect_fault(r, PERM, GPF(accs[k]), 2);
		ck_assert(r->fault.on_walk);
		ck_assert_uint_eq(r->fault.stage, 2);
		ck_assert_uint_eq(r->fault.addr, E1_IOVA);
		ck_assert_uint_eq(r->fault.addr2, E1_L0 | 3);
		ck_assert_uint_eq(count(r, IREF_WALK_WR), 0);
	}
	/* With W in the G-stage the update goes through it. */
	struct iref_walk_cfg s1, s2;
	nested_identity(&s1, &s2, LEAF_RW);
	w64(E1_L0, E1_LEAF & ~(uint64_t)(P_A | P_D));
	opt(&s1, "ade", "1");
	walk2(&s1, &s2, E1_IOVA, ACC_W, USER);
	expect_ok(&res, 0x91234abc, K4, R | W);
	ck_assert_uint_eq(r64(E1_L0), E1_LEAF);
}
END_TEST

/* §7 optimisation (option implicit-dirty), and G-stage A/D for the
 * first stage's implicit accesses. */
START_TEST(test_implicit_dirty)
{
	const uint64_t gl = 0x70000000 + 2 * 8; /* G leaf over the tables */
	const uint64_t clean =
		pte(0x80000000, (LEAF_RW | P_X) & ~(uint64_t)P_D);
	for (unsigned v = 0; v < 4; v++) {
		bool idirty = v & 1, gade = v & 2;
		struct iref_walk_cfg s1, s2;
		nested_identity(&s1, &s2, LEAF_RW);
		w64(gl, clean);
		if (idirty)
			opt(&s2, "implicit-dirty", "1");
		if (gade)
			opt(&s2, "ade", "1");
		walk2(&s1, &s2, E1_IOVA, ACC_R, USER);
		if (!idirty) { /* a read needs no D */
			expect_ok(&res, 0x91234abc, K4, R | W);
			ck_assert_uint_eq(r64(gl), clean);
		} else if (gade) { /* D set on the first implicit read */
			expect_ok(&res, 0x91234abc, K4, R | W);
			ck_assert_uint_eq(count(&res, IREF_WALK_WR), 1);
			ck_assert_uint_eq(res.acc[1].kind, IREF_WALK_WR);
			ck_assert_uint_eq(res.acc[1].addr, gl);
			ck_assert_uint_eq(r64(gl), clean | P_D);
		} else { /* D needed, GADE = 0: guest page fault */
			expect_fault(&res, AFLAG, 21, 2);
			ck_assert_uint_eq(res.fault.addr2, E1_L2 | 1);
			ck_assert_uint_eq(r64(gl), clean);
		}
	}
	/* Never D on a G-stage leaf without W. */
	struct iref_walk_cfg r1, r2;
	nested_identity(&r1, &r2, P_V | P_R | P_X | P_U | P_A);
	opt(&r2, "implicit-dirty", "1");
	opt(&r2, "ade", "1");
	expect_ok(walk2(&r1, &r2, E1_IOVA, ACC_R, USER), 0x91234abc, K4, R);
	ck_assert_uint_eq(count(&res, IREF_WALK_WR), 0);
	ck_assert_uint_eq(r64(gl), pte(0x80000000, P_V | P_R | P_X | P_U | P_A));
	/* The first-stage A/D write needs D in the G-stage leaf too. */
	struct iref_walk_cfg s1, s2;
	nested_identity(&s1, &s2, LEAF_RW);
	w64(gl, clean);
	w64(E1_L0, (E1_LEAF | P_X) & ~(uint64_t)P_A);
	opt(&s1, "ade", "1");
	walk2(&s1, &s2, E1_IOVA, ACC_X, USER);
	expect_fault(&res, AFLAG, 20, 2);
	ck_assert_uint_eq(res.fault.addr2, E1_L0 | 3);
	opt(&s2, "ade", "1");
	walk2(&s1, &s2, E1_IOVA, ACC_X, USER);
	expect_ok(&res, 0x91234abc, K4, R | W | X);
	ck_assert_uint_eq(r64(gl), clean | P_D);
	ck_assert_uint_eq(r64(E1_L0), E1_LEAF | P_X);
	ck_assert_uint_eq(count(&res, IREF_WALK_WR), 2);
}
END_TEST

/* §17.13: the implicit PTE read under a G-stage leaf with R = 0 or
 * U = 0: guest page fault of the original access, iotval2 bit 0. */
START_TEST(test_edge13_implicit_read_fault)
{
	static const uint64_t gl[2] = {P_V | P_X | P_U | P_A | P_D,
				       P_V | P_R | P_W | P_A | P_D};
	static const unsigned accs[3] = {ACC_R, ACC_W, ACC_X};
	for (unsigned v = 0; v < 2; v++)
		for (unsigned k = 0; k < 3; k++) {
			struct iref_walk_cfg s1, s2;
			nested_identity(&s1, &s2, gl[v]);
			const struct iref_walk_result *r =
				walk2(&s1, &s2, E1_IOVA, accs[k], SUP);
			expect_fault(r, PERM, GPF(accs[k]), 2);
			ck_assert(r->fault.on_walk);
			ck_assert_uint_eq(r->fault.addr, E1_IOVA);
			ck_assert_uint_eq(r->fault.addr2, E1_L2 | 1);
			ck_assert_uint_eq(r->n_acc, 1); /* the G root entry */
		}
	/* A first-stage table GPA beyond the G-stage width: same family. */
	struct iref_walk_cfg s1, s2;
	nested_identity(&s1, &s2, LEAF_RW);
	w64(E1_L2, pte(UINT64_C(0x40000000000), P_V)); /* GPA bit 42 */
	walk2(&s1, &s2, E1_IOVA, ACC_W, USER);
	expect_fault(&res, TR, 23, -1);
	ck_assert_uint_eq(res.fault.addr2, UINT64_C(0x40000000000) + 0xd10 + 1);
	ck_assert(res.fault.on_walk);
}
END_TEST

/* §17.14: a G-stage leaf with U = 0 faults for every request. */
START_TEST(test_edge14_gstage_u0)
{
	struct iref_walk_cfg g = mkcfg("riscv-sv39x4", E2_ROOT);
	w64(E2_ENTRY, 0x900000cf); /* R W X, U = 0 */
	static const unsigned accs[3] = {ACC_R, ACC_W, ACC_X};
	for (unsigned k = 0; k < 3; k++)
		for (unsigned p = 0; p < 2; p++) {
			expect_fault(walk(&g, E2_GPA, accs[k], p), PERM,
				     GPF(accs[k]), 2);
			ck_assert_uint_eq(res.fault.addr2, E2_GPA);
		}
	/* ... also on the data stage of a nested walk. */
	struct iref_walk_cfg s1, s2;
	nested_identity(&s1, &s2, P_V | P_R | P_W | P_A | P_D);
	w64(0x70000000 + 2 * 8, pte(0x80000000, LEAF_RW)); /* tables ok */
	w64(0x70000000 + 0 * 8, pte(0, P_V | P_R | P_W | P_A | P_D));
	w64(E1_L0, pte(0x1234000, LEAF_RW & ~(uint64_t)P_U));
	walk2(&s1, &s2, E1_IOVA, ACC_R, SUP);
	expect_fault(&res, PERM, 21, 2);
	ck_assert(!res.fault.on_walk);
	ck_assert_uint_eq(res.fault.addr2, 0x1234abc);
}
END_TEST

/* §17.15: U-mode vs U = 0, S-mode with SUM 0/1, S-mode execute of a U
 * page, execute-only read. */
START_TEST(test_edge15_privilege)
{
	struct iref_walk_cfg c = e1_tables(E1_LEAF | P_X);
	struct iref_walk_cfg sum = c;
	opt(&sum, "sum", "1");
	/* U = 1 page */
	expect_ok(walk(&c, E1_IOVA, ACC_X, USER), 0x91234abc, K4, R | W | X);
	expect_fault(walk(&c, E1_IOVA, ACC_R, SUP), PERM, 13, 0);
	expect_fault(walk(&c, E1_IOVA, ACC_W, SUP), PERM, 15, 0);
	expect_fault(walk(&c, E1_IOVA, ACC_X, SUP), PERM, 12, 0);
	expect_ok(walk(&sum, E1_IOVA, ACC_R, SUP), 0x91234abc, K4, R | W);
	expect_ok(walk(&sum, E1_IOVA, ACC_W, SUP), 0x91234abc, K4, R | W);
	expect_fault(walk(&sum, E1_IOVA, ACC_X, SUP), PERM, 12, 0);
	/* U = 0 page */
	w64(E1_L0, (E1_LEAF | P_X) & ~(uint64_t)P_U);
	for (unsigned s = 0; s < 2; s++) {
		const struct iref_walk_cfg *cc = s ? &sum : &c;
		expect_fault(walk(cc, E1_IOVA, ACC_R, USER), PERM, 13, 0);
		expect_ok(walk(cc, E1_IOVA, ACC_X, SUP), 0x91234abc, K4,
			  R | W | X);
		expect_ok(walk(cc, E1_IOVA, ACC_W, SUP), 0x91234abc, K4,
			  R | W | X);
	}
	/* Execute-only: no MXR, a read faults. */
	w64(E1_L0, pte(0x91234000, P_V | P_X | P_U | P_A | P_D));
	expect_fault(walk(&c, E1_IOVA, ACC_R, USER), PERM, 13, 0);
	expect_ok(walk(&c, E1_IOVA, ACC_X, USER), 0x91234abc, K4, X);
}
END_TEST

/* §17.17 (table part): PTE addresses at or above 2^PAS are access
 * faults before the read; the leaf-pas option for outputs. */
START_TEST(test_edge17_pas)
{
	struct iref_walk_cfg c = e1_tables(E1_LEAF);
	opt(&c, "pas", "32");
	/* Root 0x8000_0000 < 2^32: fine. */
	expect_ok(walk(&c, E1_IOVA, ACC_R, USER), 0x91234abc, K4, R | W);
	w64(E1_L1, pte(UINT64_C(0x100000000), P_V));
	walk(&c, E1_IOVA, ACC_W, USER);
	expect_fault(&res, ASIZE, 7, 0);
	ck_assert_uint_eq(res.n_acc, 2);
	opt(&c, "pas", "31");
	walk(&c, E1_IOVA, ACC_X, USER);
	expect_fault(&res, ASIZE, 1, 2);
	ck_assert_uint_eq(res.n_acc, 0);
	/* The output is not checked unless leaf-pas. */
	w64(E1_L1, E1_L1_PTE);
	w64(E1_L0, pte(UINT64_C(0x123456000), LEAF_RW));
	opt(&c, "pas", "32");
	expect_ok(walk(&c, E1_IOVA, ACC_R, USER), UINT64_C(0x123456abc), K4,
		  R | W);
	opt(&c, "leaf-pas", "1");
	expect_fault(walk(&c, E1_IOVA, ACC_R, USER), ASIZE, 5, 0);
	/* G-stage tables beyond PAS in a nested walk. */
	struct iref_walk_cfg s1, s2;
	nested_identity(&s1, &s2, LEAF_RW);
	opt(&s2, "pas", "30");
	walk2(&s1, &s2, E1_IOVA, ACC_R, USER);
	expect_fault(&res, ASIZE, 5, 2);
	ck_assert_uint_eq(res.fault.stage, 2);
	ck_assert(res.fault.on_walk);
}
END_TEST

/* §17.17, nested: a first-stage PTE whose G-stage output is at or above
 * 2^PAS is an access fault before the read; the data output only with
 * leaf-pas. */
START_TEST(test_edge17_pas_nested)
{
	const uint64_t off = 0x40000000; /* GPA 2-3 GiB at SPA 1-2 GiB */
	w64(E1_L2 - off, E1_L2_PTE);
	w64(E1_L1 - off, E1_L1_PTE);
	w64(E1_L0 - off, pte(0xc0000000, LEAF_RW));
	struct iref_walk_cfg s1 = mkcfg("riscv-sv39", E1_ROOT);
	struct iref_walk_cfg s2 = mkcfg("riscv-sv39x4", 0x30000000);
	w64(0x30000000 + 2 * 8, pte(0x40000000, LEAF_RW));
	w64(0x30000000 + 3 * 8, pte(UINT64_C(0x100000000), LEAF_RW));
	opt(&s2, "pas", "32");
	expect_ok(walk2(&s1, &s2, E1_IOVA, ACC_R, USER),
		  UINT64_C(0x100000abc), K4, R | W);
	opt(&s2, "leaf-pas", "1");
	walk2(&s1, &s2, E1_IOVA, ACC_W, USER);
	expect_fault(&res, ASIZE, 7, 2);
	ck_assert(!res.fault.on_walk);
	ck_assert_uint_eq(res.fault.stage, 2);
	opt(&s2, "leaf-pas", "0");
	opt(&s2, "pas", "30");
	walk2(&s1, &s2, E1_IOVA, ACC_X, USER);
	expect_fault(&res, ASIZE, 1, 2);
	ck_assert(res.fault.on_walk);
	ck_assert_uint_eq(res.n_acc, 1); /* the G-stage entry, no PTE read */
	/* A nested first stage's pas does not apply: its table addresses
	 * are GPAs (root 0x80000000 is above 2^30). */
	opt(&s2, "pas", "32");
	opt(&s1, "pas", "30");
	expect_ok(walk2(&s1, &s2, E1_IOVA, ACC_R, USER),
		  UINT64_C(0x100000abc), K4, R | W);
}
END_TEST

/* §17.23: SXL = 1: Sv32 IOVA bits 63:32 (test_edge01_canonical) and the
 * G-stage GPA bits 63:34. */
START_TEST(test_edge23_sxl)
{
	struct iref_walk_cfg g = mkcfg("riscv-sv39x4", 0x40000000);
	w64(0x40000000 + 16 * 8, pte(UINT64_C(0x400000000), LEAF_RW));
	expect_ok(walk(&g, UINT64_C(0x400000123), ACC_R, USER),
		  UINT64_C(0x400000123), G1, R | W);
	opt(&g, "sxl", "1");
	expect_fault(walk(&g, UINT64_C(0x400000123), ACC_R, USER), TR, 21, -1);
	ck_assert_uint_eq(res.n_acc, 0);
	/* The top GPA below 2^34 still walks (to an empty entry). */
	expect_fault(walk(&g, UINT64_C(0x3ffffffff), ACC_R, USER), TR, 21, 2);
	ck_assert_uint_eq(res.n_acc, 1);
}
END_TEST

/* §17.24: big-endian PTEs (SBE / fctl.BE), walks and updates. */
START_TEST(test_edge24_endianness)
{
	struct iref_walk_cfg c = mkcfg("riscv-sv39", E1_ROOT);
	opt(&c, "be", "1");
	opt(&c, "ade", "1");
	w64(E1_L2, __builtin_bswap64(E1_L2_PTE));
	w64(E1_L1, __builtin_bswap64(E1_L1_PTE));
	w64(E1_L0, __builtin_bswap64(0x2448d057));
	const struct iref_walk_result *r = walk(&c, E1_IOVA, ACC_W, USER);
	expect_ok(r, 0x91234abc, K4, R | W);
	ck_assert_uint_eq(r->acc[0].value, __builtin_bswap64(E1_L2_PTE));
	ck_assert_uint_eq(r64(E1_L0), __builtin_bswap64(0x2448d0d7));
	/* Little-endian reading of the same memory fails. */
	struct iref_walk_cfg le = mkcfg("riscv-sv39", E1_ROOT);
	ck_assert(!walk(&le, E1_IOVA, ACC_R, USER)->ok);
	/* Sv32 swaps 4 bytes. */
	struct iref_walk_cfg s32 = mkcfg("riscv-sv32", 0x10000);
	opt(&s32, "be", "1");
	w32(0x10000 + 4 * 0x48, __builtin_bswap32(pte(0x11000, P_V)));
	w32(0x11000 + 4 * 0x345, __builtin_bswap32(pte(0x2345000, LEAF_RW)));
	expect_ok(walk(&s32, 0x12345678, ACC_R, USER), 0x2345678, K4, R | W);
	ck_assert_uint_eq(res.acc[1].size, 4);
	/* A big-endian first stage over a little-endian G-stage. */
	struct iref_walk_cfg s1, s2;
	nested_identity(&s1, &s2, LEAF_RW);
	opt(&s1, "be", "1");
	w64(E1_L2, __builtin_bswap64(E1_L2_PTE));
	w64(E1_L1, __builtin_bswap64(E1_L1_PTE));
	w64(E1_L0, __builtin_bswap64(E1_LEAF));
	expect_ok(walk2(&s1, &s2, E1_IOVA, ACC_R, USER), 0x91234abc, K4,
		  R | W);
}
END_TEST

/* §17.25: a two-stage page size is the smaller of both. */
START_TEST(test_edge25_nested_page_size)
{
	struct iref_walk_cfg s1, s2;
	nested_identity(&s1, &s2, LEAF_RW | P_X);
	expect_ok(walk2(&s1, &s2, E1_IOVA, ACC_R, USER), 0x91234abc, K4,
		  R | W);
	w64(E1_L1, 0x244800d7); /* 2 MiB first stage over 1 GiB */
	expect_ok(walk2(&s1, &s2, E1_IOVA, ACC_R, USER), 0x91367abc, M2,
		  R | W);
	/* 1 GiB first stage over a 4 KiB G-stage page. */
	w64(E1_L2, pte(0x40000000, LEAF_RW));
	w64(0x70000000 + 1 * 8, pte(0x70001000, P_V));
	w64(0x70001000 + 0x1a2 * 8, pte(0x70002000, P_V));
	w64(0x70002000 + 0x167 * 8, pte(0x5555000, LEAF_RW));
	walk2(&s1, &s2, E1_IOVA, ACC_W, USER);
	expect_ok(&res, 0x5555abc, K4, R | W);
	ck_assert_int_eq(res.level, 0);
	ck_assert(res.attrs >> 16 & IREF_RISCV_ATTR_U);
}
END_TEST

/* §17.29: random PTEs, tables pointing to themselves, PTEs beyond PAS:
 * the walk ends within the bound of §4. */
START_TEST(test_edge29_self_pointing)
{
	for (unsigned m = 0; m < 4; m++)
		for (unsigned g = 0; g < 2; g++) {
			const struct tmode *t = &tmodes[m];
			const uint64_t root = 0x40000000;
			struct iref_walk_cfg c = mkcfg(g ? t->g : t->s1, root);
			wpte(t->pte, root, pte(root, P_V));
			walk(&c, 0, ACC_R, USER);
			expect_fault(&res, TR, g ? 21 : 13, 0);
			ck_assert_uint_eq(res.n_acc, t->levels);
			for (unsigned i = 0; i < res.n_acc; i++)
				ck_assert_uint_eq(res.acc[i].addr, root);
		}
}
END_TEST

/* ---- Options and names ---- */

START_TEST(test_names_and_defaults)
{
	for (unsigned m = 0; m < 4; m++)
		for (unsigned g = 0; g < 2; g++) {
			const char *n = g ? tmodes[m].g : tmodes[m].s1;
			struct iref_walk_cfg c = mkcfg(n, 0);
			ck_assert_int_eq(c.fmt, g ? IREF_FMT_RISCV_G
						  : IREF_FMT_RISCV_S1);
			ck_assert_str_eq(iref_walk_cfg_name(&c), n);
			ck_assert_uint_eq(c.u.riscv.mode, m);
			ck_assert_uint_eq(c.u.riscv.pas, 56);
			ck_assert(!c.u.riscv.ade && !c.u.riscv.sum);
			ck_assert(c.u.riscv.svpbmt);
			ck_assert(!c.u.riscv.svrsw60t59b && !c.u.riscv.be);
			ck_assert(c.u.riscv.sxl == (g && m == 0));
			ck_assert(!c.u.riscv.implicit_dirty);
			ck_assert(!c.u.riscv.leaf_pas);
		}
	struct iref_walk_cfg c;
	struct iref_diag d = {0};
	ck_assert_int_eq(iref_walk_cfg_init(&c, "riscv-sv64", &d),
			 IREF_E_INVAL);
	ck_assert_int_eq(iref_walk_cfg_init(&c, "riscv-sv39x8", &d),
			 IREF_E_INVAL);
}
END_TEST

START_TEST(test_options)
{
	struct iref_walk_cfg s = mkcfg("riscv-sv48", 0);
	struct iref_walk_cfg g = mkcfg("riscv-sv48x4", 0);
	struct iref_diag d = {0};
	opt(&s, "ade", "true");
	opt(&s, "sum", "1");
	opt(&s, "svpbmt", "off");
	opt(&s, "svrsw60t59b", "on");
	opt(&s, "pas", "0x28");
	opt(&s, "be", "1");
	opt(&s, "leaf-pas", "1");
	ck_assert(s.u.riscv.ade && s.u.riscv.sum && !s.u.riscv.svpbmt);
	ck_assert(s.u.riscv.svrsw60t59b && s.u.riscv.be && s.u.riscv.leaf_pas);
	ck_assert_uint_eq(s.u.riscv.pas, 40);
	opt(&g, "sxl", "1");
	opt(&g, "implicit-dirty", "1");
	opt(&g, "ade", "1");
	ck_assert(g.u.riscv.sxl && g.u.riscv.implicit_dirty && g.u.riscv.ade);
	/* Stage-specific keys, unknown keys, bad values. */
	ck_assert_int_eq(iref_walk_cfg_set(&g, "sum", "1", &d), IREF_E_INVAL);
	ck_assert_ptr_nonnull(strstr(d.msg, "sum"));
	ck_assert_int_eq(iref_walk_cfg_set(&s, "sxl", "1", &d), IREF_E_INVAL);
	ck_assert_int_eq(iref_walk_cfg_set(&s, "implicit-dirty", "1", &d),
			 IREF_E_INVAL);
	ck_assert_int_eq(iref_walk_cfg_set(&s, "granule", "1", &d),
			 IREF_E_INVAL);
	ck_assert_int_eq(iref_walk_cfg_set(&s, "pas", "57", &d), IREF_E_RANGE);
	ck_assert_int_eq(iref_walk_cfg_set(&s, "pas", "11", &d), IREF_E_RANGE);
	ck_assert_int_eq(iref_walk_cfg_set(&s, "ade", "2", &d), IREF_E_RANGE);
	ck_assert_int_eq(iref_walk_cfg_set(&s, "ade", "maybe", &d),
			 IREF_E_INVAL);
	ck_assert_uint_eq(s.u.riscv.pas, 40);
	ck_assert(s.u.riscv.ade);
}
END_TEST

START_TEST(test_broken_struct)
{
	struct iref_walk_cfg c = mkcfg("riscv-sv39", 0x1000);
	c.u.riscv.mode = 9;
	ck_assert_str_eq(iref_walk_cfg_name(&c), "riscv-invalid");
	expect_fault(walk(&c, 0, ACC_R, USER), IREF_WF_CONFIG, 259, -1);
	ck_assert_uint_eq(res.n_acc, 0);
	c = mkcfg("riscv-sv39x4", 0x4000);
	c.u.riscv.pas = 60;
	expect_fault(walk(&c, 0, ACC_W, USER), IREF_WF_CONFIG, 259, -1);
}
END_TEST

START_TEST(test_bus_errors)
{
	struct iref_walk_cfg c = e1_tables(E1_LEAF);
	ck_assert_int_eq(iref_sparse_mem_add_fault(sm, 0x80001000, 0x80001fff,
						   IREF_MEM_FAULT_READ),
			 IREF_OK);
	expect_fault(walk(&c, E1_IOVA, ACC_X, USER), BUS, 1, 1);
	ck_assert_uint_eq(res.n_acc, 1);
	/* A G-stage table read refused during a nested walk. */
	struct iref_walk_cfg s1, s2;
	nested_identity(&s1, &s2, LEAF_RW);
	ck_assert_int_eq(iref_sparse_mem_add_fault(sm, 0x70000000, 0x70000fff,
						   IREF_MEM_FAULT_READ),
			 IREF_OK);
	walk2(&s1, &s2, E1_IOVA, ACC_W, USER);
	expect_fault(&res, BUS, 7, 2);
	ck_assert_uint_eq(res.fault.stage, 2);
	ck_assert(res.fault.on_walk);
}
END_TEST

/* ---- Builder round trips ---- */

static void build(struct iref_walk_cfg *c, struct iref_pool *pool,
		  const struct iref_build_map *maps, size_t n)
{
	struct iref_diag d = {0};
	ck_assert_msg(iref_build(c, mem, pool, maps, n, &d) == IREF_OK, "%s",
		      d.msg);
}

START_TEST(test_build_round_trip)
{
	for (unsigned m = 0; m < 4; m++)
		for (unsigned g = 0; g < 2; g++)
			for (unsigned be = 0; be < 2; be++) {
				const struct tmode *t = &tmodes[m];
				struct iref_walk_cfg c =
					mkcfg(g ? t->g : t->s1, 0);
				if (be)
					opt(&c, "be", "1");
				uint64_t big = m ? M2 : M4;
				struct iref_pool pool = {0x10001000,
							 0x20000000};
				struct iref_build_map maps[] = {
					{.va = 0x400000, .pa = 0x12345000,
					 .size = 3 * K4, .perm = R,
					 .flags = IREF_BUILD_USER},
					{.va = 8 * big, .pa = 4 * big,
					 .size = big + K4, .perm = R | W | X,
					 .flags = IREF_BUILD_GLOBAL},
					{.va = 64 * big, .pa = 0x300000000 >>
							       (m ? 0 : 2),
					 .size = K4, .perm = W,
					 .flags = IREF_BUILD_USER},
				};
				build(&c, &pool, maps, 3);
				if (g)
					ck_assert_uint_eq(c.root, 0x10004000);
				else
					ck_assert_uint_eq(c.root, 0x10001000);
				walk(&c, 0x401abc, ACC_R, USER);
				expect_ok(&res, 0x12346abc, K4, R);
				ck_assert(!res.global);
				walk(&c, 8 * big + 0x123, ACC_X, g ? USER : SUP);
				expect_ok(&res, 4 * big + 0x123, big,
					  R | W | X);
				ck_assert(res.global == !g);
				ck_assert_int_eq(res.level, 1);
				walk(&c, 9 * big + 8, ACC_W, g ? USER : SUP);
				expect_ok(&res, 5 * big + 8, K4, R | W | X);
				ck_assert_int_eq(res.level, 0);
				/* W without R stays a reserved encoding. */
				walk(&c, 64 * big, ACC_W, USER);
				expect_fault(&res, TR, g ? 23 : 15, 0);
				/* Overlaps are refused, extending works. */
				struct iref_diag d = {0};
				struct iref_build_map o = {
					.va = 0x402000, .pa = 0, .size = K4,
					.perm = R};
				ck_assert_int_eq(iref_build(&c, mem, &pool,
							    &o, 1, &d),
						 IREF_E_INVAL);
				o.va = 0x403000;
				build(&c, &pool, &o, 1);
				expect_ok(walk(&c, 0x403000, ACC_R,
					       g ? USER : SUP),
					  0, K4, R);
			}
}
END_TEST

START_TEST(test_build_attrs_flags)
{
	struct iref_walk_cfg c = mkcfg("riscv-sv39", 0);
	struct iref_pool pool = {0x10000000, 0x20000000};
	struct iref_build_map maps[] = {
		{.va = 0x100000, .pa = 0x5550000, .size = 2 * K64,
		 .perm = R | W, .attrs = IREF_RISCV_ATTR_NAPOT | 2 |
					 (2u << IREF_RISCV_ATTR_RSW_SHIFT)},
		{.va = 0x200000, .pa = 0x6660000, .size = K4, .perm = R | W,
		 .flags = IREF_BUILD_NO_ACCESSED | IREF_BUILD_USER},
		{.va = 0x201000, .pa = 0x6661000, .size = K4, .perm = R | W,
		 .flags = IREF_BUILD_NO_DIRTY | IREF_BUILD_USER},
		{.va = 0x202000, .pa = 0x6662000, .size = K4, .perm = 0},
		/* NAPOT needs 64 KiB alignment: plain 4 KiB pages here. */
		{.va = 0x301000, .pa = 0x7771000, .size = K64, .perm = R,
		 .attrs = IREF_RISCV_ATTR_NAPOT},
		{.va = 0x400000, .pa = 0x8000000, .size = M2, .perm = R,
		 .flags = IREF_BUILD_NO_BLOCKS},
	};
	build(&c, &pool, maps, 6);
	walk(&c, 0x11234, ACC_R, SUP);
	ck_assert(!res.ok);
	walk(&c, 0x11234 + 0xf0000, ACC_R, SUP);
	expect_ok(&res, 0x5551234, K64, R | W);
	ck_assert_uint_eq(res.attrs, IREF_RISCV_ATTR_NAPOT | 2 |
					     IREF_RISCV_ATTR_A |
					     IREF_RISCV_ATTR_D |
					     (2u << IREF_RISCV_ATTR_RSW_SHIFT));
	expect_fault(walk(&c, 0x200000, ACC_R, USER), AFLAG, 13, 0);
	expect_ok(walk(&c, 0x201000, ACC_R, USER), 0x6661000, K4, R | W);
	expect_fault(walk(&c, 0x201000, ACC_W, USER), AFLAG, 15, 0);
	expect_fault(walk(&c, 0x202000, ACC_R, SUP), TR, 13, 0);
	/* The rightless leaf still occupies its slot. */
	struct iref_diag d = {0};
	struct iref_build_map o = {.va = 0x202000, .pa = 0, .size = K4,
				   .perm = R};
	ck_assert_int_eq(iref_build(&c, mem, &pool, &o, 1, &d), IREF_E_INVAL);
	expect_ok(walk(&c, 0x305000, ACC_R, SUP), 0x7775000, K4, R);
	ck_assert(!(res.attrs & IREF_RISCV_ATTR_NAPOT));
	expect_ok(walk(&c, 0x5ff000, ACC_R, SUP), 0x81ff000, K4, R);
	/* Sv32 has no PBMT or N: attrs ask for them in vain. */
	struct iref_walk_cfg s32 = mkcfg("riscv-sv32", 0);
	struct iref_build_map m32 = {.va = 0x10000, .pa = 0x3ffff0000,
				     .size = K64, .perm = R,
				     .attrs = IREF_RISCV_ATTR_NAPOT | 1};
	build(&s32, &pool, &m32, 1);
	expect_ok(walk(&s32, 0x1f123, ACC_R, SUP), 0x3fffff123, K4, R);
	ck_assert_uint_eq(res.attrs & 7, 0);
}
END_TEST

/* ---- Property tests against a flat reference map ---- */

struct ref_map {
	uint64_t va, pa, size, page;
	unsigned perm, flags;
};

#define MAX_MAPS 48

/* Random non-overlapping mappings of the mode's page sizes (64 KiB as
 * NAPOT) below 2^max_bits, some with no rights, W only, or A/D clear. */
static size_t gen_maps(const struct tmode *t, bool g, unsigned max_bits,
		       struct ref_map *ref, struct iref_build_map *bm)
{
	uint64_t pages[6];
	unsigned np = 0;
	pages[np++] = K4;
	if (t->ib == 9)
		pages[np++] = K64;
	for (unsigned i = 1; i < t->levels && i < 4; i++)
		pages[np++] = UINT64_C(1) << (12 + t->ib * i);
	unsigned in_bits = g ? t->gpa_bits : t->va_bits - (t->ib == 9);
	if (in_bits > max_bits)
		in_bits = max_bits;
	unsigned pa_bits = t->ib == 9 ? 46 : 34;
	size_t n = 0;
	for (unsigned tries = 0; n < MAX_MAPS && tries < 4 * MAX_MAPS;
	     tries++) {
		uint64_t page = pages[rnd_below(np)];
		uint64_t size = page * (1 + rnd_below(3));
		/* Near the bottom often, so many mappings share tables. */
		unsigned span = rnd_below(2) ? in_bits : 24 + (unsigned)
							    rnd_below(6);
		uint64_t va = rnd_below(UINT64_C(1) << span) & ~(page - 1);
		if (va + size >= UINT64_C(1) << in_bits)
			continue;
		/* Some first-stage mappings in the upper half. */
		if (!g && t->ib == 9 && rnd_below(4) == 0)
			va |= ~((UINT64_C(1) << (t->va_bits - 1)) - 1);
		bool clash = false;
		for (size_t k = 0; k < n; k++)
			if (va < ref[k].va + ref[k].size &&
			    ref[k].va < va + size)
				clash = true;
		if (clash)
			continue;
		uint64_t pa = rnd_below(UINT64_C(1) << pa_bits) & ~(page - 1);
		unsigned perm = (unsigned)rnd_below(8);
		unsigned flags = (unsigned)rnd() &
				 (IREF_BUILD_USER | IREF_BUILD_GLOBAL);
		if (rnd_below(8) == 0)
			flags |= IREF_BUILD_NO_ACCESSED;
		if (rnd_below(8) == 0)
			flags |= IREF_BUILD_NO_DIRTY;
		ref[n] = (struct ref_map){va, pa, size, page, perm, flags};
		bm[n] = (struct iref_build_map){
			.va = va, .pa = pa, .size = size, .perm = perm,
			.flags = flags,
			.attrs = page == K64 ? IREF_RISCV_ATTR_NAPOT : 0};
		n++;
	}
	return n;
}

/* What the reference map says about one access. */
struct expect {
	bool ok;
	uint64_t pa, size;
	unsigned perm;
	enum iref_wfault reason;
	bool global;
};

static struct expect ref_walk(const struct tmode *t, bool g,
			      const struct ref_map *ref, size_t n,
			      uint64_t addr, unsigned acc, bool priv,
			      bool sum, bool ade)
{
	struct expect e = {.reason = TR};
	if (g) {
		if (addr >> t->gpa_bits)
			return e;
	} else if (t->ib == 10) {
		if (addr >> 32)
			return e;
	} else {
		uint64_t top = addr >> (t->va_bits - 1);
		if (top && top != ~UINT64_C(0) >> (t->va_bits - 1))
			return e;
	}
	const struct ref_map *m = NULL;
	for (size_t k = 0; k < n; k++)
		if (addr - ref[k].va < ref[k].size)
			m = &ref[k];
	if (!m || !m->perm || (m->perm & (R | W)) == W)
		return e;
	bool u = g || (m->flags & IREF_BUILD_USER);
	unsigned rights = m->perm;
	if (!g && priv && u)
		rights = sum ? rights & (R | W) : 0;
	else if (!g && !priv && !u)
		rights = 0;
	e.perm = rights;
	if (!(rights & acc)) {
		e.reason = PERM;
		return e;
	}
	if (!ade && ((m->flags & IREF_BUILD_NO_ACCESSED) ||
		     (acc == ACC_W && (m->flags & IREF_BUILD_NO_DIRTY)))) {
		e.reason = AFLAG;
		return e;
	}
	e.ok = true;
	e.pa = m->pa + (addr - m->va);
	e.size = m->page;
	e.global = !g && (m->flags & IREF_BUILD_GLOBAL);
	return e;
}

/* An address inside a random mapping, or anywhere. */
static uint64_t pick_addr(const struct tmode *t, bool g,
			  const struct ref_map *ref, size_t n)
{
	switch (rnd_below(4)) {
	case 0:
		return rnd();
	case 1: {
		unsigned bits = g ? t->gpa_bits : t->va_bits;
		uint64_t a = rnd_below(UINT64_C(1) << bits);
		if (!g && t->ib == 9 && (a >> (bits - 1)))
			a |= ~((UINT64_C(1) << bits) - 1);
		return a;
	}
	default: {
		const struct ref_map *m = &ref[rnd_below(n)];
		return m->va + rnd_below(m->size);
	}
	}
}

static void property(unsigned m, bool g, uint64_t seed)
{
	const struct tmode *t = &tmodes[m];
	static struct ref_map ref[MAX_MAPS];
	static struct iref_build_map bm[MAX_MAPS];
	rng_state = seed;
	size_t n = gen_maps(t, g, 64, ref, bm);
	ck_assert_uint_ge(n, MAX_MAPS / 2);
	struct iref_walk_cfg c = mkcfg(g ? t->g : t->s1, 0);
	struct iref_pool pool = {0x100000000 >> (m ? 0 : 2),
				 0x200000000 >> (m ? 0 : 2)};
	build(&c, &pool, bm, n);
	unsigned hits = 0, oks = 0;
	for (unsigned pass = 0; pass < 4; pass++) {
		/* ade last: its updates change the tables for later walks */
		bool sum = pass & 1, ade = pass == 3;
		struct iref_walk_cfg cc = c;
		if (sum && !g)
			opt(&cc, "sum", "1");
		if (ade)
			opt(&cc, "ade", "1");
		for (unsigned i = 0; i < 1500; i++) {
			uint64_t a = pick_addr(t, g, ref, n);
			unsigned acc = 1u << rnd_below(3);
			bool priv = rnd_below(2);
			struct expect e = ref_walk(t, g, ref, n, a, acc, priv,
						   sum && !g, ade);
			const struct iref_walk_result *r =
				walk(&cc, a, acc, priv);
			ck_assert_msg(r->ok == e.ok,
				      "%s addr 0x%llx acc %u priv %d: ok %d, "
				      "expected %d (code %u)",
				      g ? t->g : t->s1, (unsigned long long)a,
				      acc, priv, r->ok, e.ok, r->fault.code);
			ck_assert_uint_le(r->n_acc, t->levels + 1);
			if (e.ok) {
				oks++;
				expect_ok(r, e.pa, e.size, e.perm);
				ck_assert(r->global == e.global);
			} else {
				ck_assert_str_eq(iref_wfault_name(
							 r->fault.reason),
						 iref_wfault_name(e.reason));
				ck_assert_uint_eq(r->fault.code,
						  g ? GPF(acc) : PF(acc));
				if (g)
					ck_assert_uint_eq(r->fault.addr2,
							  a & ~UINT64_C(3));
			}
			hits += e.reason != TR || e.ok;
		}
	}
	ck_assert_uint_gt(oks, 300);
	ck_assert_uint_gt(hits, oks + 400);
}

START_TEST(test_property_first_stage)
{
	for (unsigned m = 0; m < 4; m++)
		property(m, false, 0x5eed0000 + m);
}
END_TEST

START_TEST(test_property_gstage)
{
	for (unsigned m = 0; m < 4; m++)
		property(m, true, 0x6eed0000 + m);
}
END_TEST

/* ---- Nested against the composition of two single stages ---- */

/* The first stage's tables are mapped identically by the G-stage, so
 * the single-stage first walk reads what the nested one reads. */
static void nested_property(unsigned m1, unsigned m2, uint64_t seed)
{
	const struct tmode *t1 = &tmodes[m1], *t2 = &tmodes[m2];
	static struct ref_map ref[MAX_MAPS];
	static struct iref_build_map bm1[MAX_MAPS], bm2[MAX_MAPS + 1];
	rng_state = seed;
	size_t n2 = gen_maps(t2, true, 40, ref, bm2);
	for (size_t k = 0; k < n2; k++) /* half of them fully usable */
		if (rnd_below(2))
			bm2[k].perm = R | W | X;
	/* Some first-stage outputs land in G-stage mappings. */
	size_t n1 = gen_maps(t1, false, 64, ref, bm1);
	for (size_t k = 0; k < n1; k++)
		for (unsigned tries = 0; tries < 8 && rnd_below(4); tries++) {
			const struct iref_build_map *d = &bm2[rnd_below(n2)];
			if (bm1[k].size <= d->size &&
			    d->va % ref[k].page == 0) {
				bm1[k].pa = d->va;
				break;
			}
		}
	/* The first stage's table pool, identity-mapped read/write. */
	const uint64_t pool1 = UINT64_C(0x7c0000000) >> (m1 ? 0 : 2);
	struct iref_walk_cfg s2 = mkcfg(t2->g, 0);
	for (size_t k = 0; k < n2; k++) /* keep clear of the pool's GPAs */
		if (bm2[k].va < pool1 + G1 && pool1 < bm2[k].va + bm2[k].size)
			bm2[k].size = 0;
	size_t kept = 0;
	for (size_t k = 0; k < n2; k++)
		if (bm2[k].size)
			bm2[kept++] = bm2[k];
	bm2[kept++] = (struct iref_build_map){
		.va = pool1, .pa = pool1, .size = G1 / 4, .perm = R | W};
	struct iref_pool p2 = {UINT64_C(0x900000000), UINT64_C(0xa00000000)};
	build(&s2, &p2, bm2, kept);
	struct iref_walk_cfg s1 = mkcfg(t1->s1, 0);
	struct iref_pool p1 = {pool1, pool1 + G1 / 4};
	build(&s1, &p1, bm1, n1);
	unsigned oks = 0, s2_faults = 0;
	for (unsigned i = 0; i < 10000; i++) {
		const struct iref_build_map *bm = &bm1[rnd_below(n1)];
		uint64_t a = bm->va + rnd_below(bm->size);
		if (rnd_below(4) == 0)
			a = rnd_below(UINT64_C(1) << 33);
		unsigned acc = 1u << rnd_below(3);
		bool priv = rnd_below(2);
		struct iref_walk_result r1, r2, rn;
		struct iref_walk_req q = {.addr = a, .access = acc,
					  .priv = priv};
		ck_assert_int_eq(iref_walk(&s1, mem, &q, &r1), IREF_OK);
		ck_assert_int_eq(iref_walk_nested(&s1, &s2, mem, &q, &rn),
				 IREF_OK);
		ck_assert_uint_le(rn.n_acc, t1->levels * (t2->levels + 1) +
						    t2->levels);
		if (!r1.ok) {
			ck_assert(!rn.ok);
			ck_assert_uint_eq(rn.fault.code, r1.fault.code);
			ck_assert_uint_eq(rn.fault.reason, r1.fault.reason);
			ck_assert_int_eq(rn.fault.level, r1.fault.level);
			ck_assert_uint_eq(rn.fault.stage, 1);
			continue;
		}
		struct iref_walk_req q2 = {.addr = r1.pa, .access = acc,
					   .priv = priv};
		ck_assert_int_eq(iref_walk(&s2, mem, &q2, &r2), IREF_OK);
		ck_assert(rn.ok == r2.ok);
		if (!r2.ok) {
			s2_faults++;
			ck_assert_uint_eq(rn.fault.code, r2.fault.code);
			ck_assert_uint_eq(rn.fault.reason, r2.fault.reason);
			ck_assert_int_eq(rn.fault.level, r2.fault.level);
			ck_assert_uint_eq(rn.fault.stage, 2);
			ck_assert(!rn.fault.on_walk);
			ck_assert_uint_eq(rn.fault.addr, a);
			if (r2.fault.addr2)
				ck_assert_uint_eq(rn.fault.addr2,
						  r2.fault.addr2);
			continue;
		}
		oks++;
		ck_assert_uint_eq(rn.pa, r2.pa);
		ck_assert_uint_eq(rn.page_size, r1.page_size < r2.page_size
							? r1.page_size
							: r2.page_size);
		ck_assert_uint_eq(rn.perm, r1.perm & r2.perm);
		ck_assert_uint_eq(rn.attrs, (r1.attrs & 0xffff) |
						    r2.attrs << 16);
		ck_assert(rn.global == r1.global);
		ck_assert_int_eq(rn.level, r2.level);
	}
	ck_assert_uint_gt(oks, 250);
	ck_assert_uint_gt(s2_faults, 200);
}

START_TEST(test_nested_composition)
{
	nested_property(1, 1, 0x7eed0001); /* Sv39 over Sv39x4 */
	nested_property(2, 3, 0x7eed0002); /* Sv48 over Sv57x4 */
	nested_property(0, 0, 0x7eed0003); /* Sv32 over Sv32x4 */
}
END_TEST

/* ---- Hostile memory ---- */

/* Tables full of random PTEs that point among themselves (or to
 * themselves, or beyond PAS): every walk of every format, single and
 * nested, ends within the §4 bound. */
START_TEST(test_hostile_memory)
{
	const uint64_t base = 0x40000000;
	const unsigned n_pages = 12;
	rng_state = 0xbadc0de;
	for (unsigned round = 0; round < 6; round++) {
		for (uint64_t off = 0; off < n_pages * K4; off += 8) {
			uint64_t v = rnd();
			uint64_t next = base + rnd_below(n_pages) * K4;
			switch (rnd_below(4)) {
			case 0: /* a pointer among the pages */
				v = pte(next, P_V | (v & P_G));
				break;
			case 1: /* a leaf, maybe with odd bits */
				v = pte(next, (v & 0xff) | P_V) |
				    (v & UINT64_C(0xffc0000000000000) &
				     -(uint64_t)(rnd_below(4) == 0));
				break;
			case 2: /* beyond PAS, or anything */
				v = rnd_below(2) ? pte(UINT64_C(1) << 50,
						       P_V)
						 : v;
				break;
			default: /* the entry's own table */
				v = pte((base + off) & ~(K4 - 1), P_V);
			}
			w64(base + off, v);
		}
		for (unsigned i = 0; i < 4000; i++) {
			unsigned m1 = (unsigned)rnd_below(4);
			unsigned m2 = (unsigned)rnd_below(4);
			struct iref_walk_cfg s1 = mkcfg(
				tmodes[m1].s1, base + rnd_below(n_pages) * K4);
			struct iref_walk_cfg s2 = mkcfg(
				tmodes[m2].g,
				base + rnd_below(n_pages / 4) * 4 * K4);
			bool ade = rnd_below(2);
			if (ade) {
				opt(&s1, "ade", "1");
				opt(&s2, "ade", "1");
			}
			if (rnd_below(4) == 0)
				opt(&s2, "pas", "40");
			if (rnd_below(8) == 0)
				opt(&s1, "be", "1");
			uint64_t a = rnd_below(2) ? rnd()
						  : rnd_below(UINT64_C(1)
							      << 34);
			unsigned acc = 1u << rnd_below(3);
			bool priv = rnd_below(2);
			unsigned l1 = tmodes[m1].levels;
			unsigned l2 = tmodes[m2].levels;
			const struct iref_walk_result *r;
			if (rnd_below(2)) {
				r = walk(rnd_below(2) ? &s1 : &s2, a, acc,
					 priv);
				ck_assert_uint_le(r->n_acc, 6);
			} else {
				r = walk2(&s1, &s2, a, acc, priv);
				/* §4: L1 x (LG + 1) + LG reads; with A/D
				 * updates one G-stage walk and write per
				 * update, restarts capped by the core. */
				unsigned bound = ade ? 4 * (l1 * (l2 + 2) +
							    l2 + 2) +
							       l2 + 1
						     : l1 * (l2 + 1) + l2;
				ck_assert_uint_le(r->n_acc, bound);
			}
			if (r->ok) {
				ck_assert_uint_eq(r->page_size &
							  (r->page_size - 1),
						  0);
				ck_assert_uint_eq((r->pa ^ a) &
							  (r->page_size - 1),
						  0);
				ck_assert(r->perm & acc);
			} else {
				uint32_t c = r->fault.code;
				ck_assert_msg(c == PF(acc) || c == GPF(acc) ||
						      c == AF(acc),
					      "code %u", c);
				ck_assert_int_ge(r->fault.level, -1);
				ck_assert_int_lt(r->fault.level, 5);
			}
		}
	}
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("walk_riscv");

	TCase *ex = tcase_create("examples");
	tcase_add_checked_fixture(ex, setup, teardown);
	tcase_add_test(ex, test_ex16_1_sv39_read);
	tcase_add_test(ex, test_ex16_1a_dirty_clear_sade0);
	tcase_add_test(ex, test_ex16_1b_dirty_clear_sade1);
	tcase_add_test(ex, test_ex16_1c_accessed_clear);
	tcase_add_test(ex, test_ex16_1d_write_without_read);
	tcase_add_test(ex, test_ex16_1e_supervisor_page_user_read);
	tcase_add_test(ex, test_ex16_1f_misaligned_superpage);
	tcase_add_test(ex, test_ex16_1g_2m_page);
	tcase_add_test(ex, test_ex16_1h_napot);
	tcase_add_test(ex, test_ex16_1i_napot_bad_ppn);
	tcase_add_test(ex, test_ex16_1j_pbmt3);
	tcase_add_test(ex, test_ex16_1k_bit54);
	tcase_add_test(ex, test_ex16_1l_pointer_with_a);
	tcase_add_test(ex, test_ex16_1m_non_canonical);
	tcase_add_test(ex, test_ex16_1n_upper_half);
	tcase_add_test(ex, test_ex16_1o_exec_no_x);
	tcase_add_test(ex, test_ex16_2_sv39x4);
	tcase_add_test(ex, test_ex16_2_u0);
	tcase_add_test(ex, test_ex16_2_gpa_bit41);
	tcase_add_test(ex, test_ex16_2_root_misaligned);
	tcase_add_test(ex, test_ex16_3_nested_read);
	tcase_add_test(ex, test_ex16_3b_nested_ad_update_readonly);
	suite_add_tcase(s, ex);

	TCase *ed = tcase_create("edge");
	tcase_add_checked_fixture(ed, setup, teardown);
	tcase_add_test(ed, test_edge01_canonical);
	tcase_add_test(ed, test_edge02_gstage_width);
	tcase_add_test(ed, test_edge03_root_extra_bits);
	tcase_add_test(ed, test_edge04_rwx_combinations);
	tcase_add_test(ed, test_edge05_nonleaf_bits);
	tcase_add_test(ed, test_edge06_reserved_bits);
	tcase_add_test(ed, test_edge07_pbmt);
	tcase_add_test(ed, test_edge08_misaligned_superpages);
	tcase_add_test(ed, test_edge09_napot);
	tcase_add_test(ed, test_edge10_ad_fault);
	tcase_add_test(ed, test_edge11_ad_update);
	tcase_add_test(ed, test_edge12_ad_update_readonly_gstage);
	tcase_add_test(ed, test_edge13_implicit_read_fault);
	tcase_add_test(ed, test_implicit_dirty);
	tcase_add_test(ed, test_edge14_gstage_u0);
	tcase_add_test(ed, test_edge15_privilege);
	tcase_add_test(ed, test_edge17_pas);
	tcase_add_test(ed, test_edge17_pas_nested);
	tcase_add_test(ed, test_edge23_sxl);
	tcase_add_test(ed, test_edge24_endianness);
	tcase_add_test(ed, test_edge25_nested_page_size);
	tcase_add_test(ed, test_edge29_self_pointing);
	tcase_add_test(ed, test_names_and_defaults);
	tcase_add_test(ed, test_options);
	tcase_add_test(ed, test_broken_struct);
	tcase_add_test(ed, test_bus_errors);
	suite_add_tcase(s, ed);

	TCase *bu = tcase_create("builder");
	tcase_add_checked_fixture(bu, setup, teardown);
	tcase_add_test(bu, test_build_round_trip);
	tcase_add_test(bu, test_build_attrs_flags);
	suite_add_tcase(s, bu);

	TCase *pr = tcase_create("property");
	tcase_add_checked_fixture(pr, setup, teardown);
	tcase_set_timeout(pr, 120);
	tcase_add_test(pr, test_property_first_stage);
	tcase_add_test(pr, test_property_gstage);
	tcase_add_test(pr, test_nested_composition);
	tcase_add_test(pr, test_hostile_memory);
	suite_add_tcase(s, pr);
	return s;
}

int main(void)
{
	return iref_test_run(suite());
}
