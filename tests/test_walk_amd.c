/* Tests of the AMD IOMMU walkers, "amd-v1" (host table) and "amd-v2"
 * (guest table): every worked example (A-1 .. A-6, §11) and walk-related
 * edge case (§12) of the AMD page-table reference, option parsing, builder
 * round trips, a property test per format against a flat map, hostile
 * memory, and nested translation against the composition of the two
 * single-stage walks. */
#include "iommu-ref/walk.h"

#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "walk_fixture.h"

#define IRW UINT64_C(0x6000000000000000) /* v1 IR | IW */
#define V1_IR_ UINT64_C(0x2000000000000000)
#define V1_IW_ UINT64_C(0x4000000000000000)
#define GIB (UINT64_C(1) << 30)
#define MIB (UINT64_C(1) << 20)
#define KIB UINT64_C(1024)

#define PR IREF_AMD_F_PR
#define PE IREF_AMD_F_PE
#define RZ IREF_AMD_F_RZ
#define RW IREF_AMD_F_RW
#define GN IREF_AMD_F_GN
#define US IREF_AMD_F_US
#define NX IREF_AMD_F_NX
#define IOPF IREF_AMD_EV_IO_PAGE_FAULT

static struct iref_walk_cfg cfg_of(const char *name, uint64_t root)
{
	struct iref_walk_cfg c;
	ck_assert_int_eq(iref_walk_cfg_init(&c, name, NULL), IREF_OK);
	c.root = root;
	return c;
}

static void opt(struct iref_walk_cfg *c, const char *key, const char *value)
{
	struct iref_diag d = {0};
	ck_assert_msg(iref_walk_cfg_set(c, key, value, &d) == IREF_OK,
		      "%s=%s: %s", key, value, d.msg);
}

static struct iref_walk_cfg v1_cfg(const char *mode, uint64_t root)
{
	struct iref_walk_cfg c = cfg_of("amd-v1", root);
	opt(&c, "mode", mode);
	return c;
}

static const struct iref_walk_result *walk_in(const struct iref_walk_cfg *c,
					      struct iref_mem mem,
					      uint64_t addr, unsigned acc,
					      bool priv)
{
	struct iref_walk_req r = {.addr = addr, .access = acc, .priv = priv};
	ck_assert_int_eq(iref_walk(c, mem, &r, &res), IREF_OK);
	return &res;
}

static const struct iref_walk_result *walk(const struct iref_walk_cfg *c,
					   uint64_t addr, unsigned acc)
{
	return walk_in(c, mem, addr, acc, false);
}

static const struct iref_walk_result *
nested(const struct iref_walk_cfg *s1, const struct iref_walk_cfg *s2,
       uint64_t addr, unsigned acc, bool priv)
{
	struct iref_walk_req r = {.addr = addr, .access = acc, .priv = priv};
	ck_assert_int_eq(iref_walk_nested(s1, s2, mem, &r, &res), IREF_OK);
	return &res;
}

static void expect_ok(const struct iref_walk_result *r, uint64_t pa,
		      uint64_t size)
{
	ck_assert_msg(r->ok, "fault: reason %d code %u flags 0x%x level %d "
		      "stage %u", r->fault.reason, r->fault.code,
		      r->fault.flags, r->fault.level, r->fault.stage);
	ck_assert_uint_eq(r->pa, pa);
	ck_assert_uint_eq(r->page_size, size);
}

static void expect_fault(const struct iref_walk_result *r,
			 enum iref_wfault reason, uint32_t code,
			 uint32_t flags, int level)
{
	ck_assert_msg(!r->ok, "no fault: pa 0x%llx", (unsigned long long)r->pa);
	ck_assert_int_eq(r->fault.reason, reason);
	ck_assert_uint_eq(r->fault.code, code);
	ck_assert_uint_eq(r->fault.flags, flags);
	ck_assert_int_eq(r->fault.level, level);
}

static void expect_acc(const struct iref_walk_result *r, unsigned i,
		       uint64_t addr, uint64_t value, unsigned kind)
{
	ck_assert_uint_gt(r->n_acc, i);
	ck_assert_uint_eq(r->acc[i].addr, addr);
	ck_assert_uint_eq(r->acc[i].value, value);
	ck_assert_uint_eq(r->acc[i].kind, kind);
	ck_assert_uint_eq(r->acc[i].size, 8);
}

/* v1 NextLevel=7 leaf of size bytes at pa (§4.3, Linux PAGE_SIZE_PTE). */
static uint64_t nl7(uint64_t pa, uint64_t size)
{
	return ((pa | (size - 1)) & ~(size >> 1) &
		UINT64_C(0x000ffffffffff000)) | 7u << 9 | 1 | IRW;
}

/* ---- Options ---- */

START_TEST(test_cfg_names_defaults)
{
	struct iref_walk_cfg c = cfg_of("amd-v1", 0);
	ck_assert_int_eq(c.fmt, IREF_FMT_AMD_V1);
	ck_assert_str_eq(iref_walk_cfg_name(&c), "amd-v1");
	ck_assert_uint_eq(c.u.amd.mode, 4);
	ck_assert_uint_eq(c.u.amd.hats, 2);
	ck_assert_uint_eq(c.u.amd.had, 0);
	ck_assert_uint_eq(c.u.amd.pa_size, 52);
	ck_assert(c.u.amd.ir && c.u.amd.iw && c.u.amd.iova_check);
	ck_assert_uint_eq(c.u.amd.perm_check, IREF_AMD_PERM_PER_LEVEL);
	ck_assert_uint_eq(c.u.amd.bad_mode, IREF_AMD_BAD_MODE_IO_PAGE_FAULT);
	c = cfg_of("amd-v2", 0);
	ck_assert_int_eq(c.fmt, IREF_FMT_AMD_V2);
	ck_assert_str_eq(iref_walk_cfg_name(&c), "amd-v2");
	ck_assert_uint_eq(c.u.amd.levels, 4);
	ck_assert_uint_eq(c.u.amd.perm_check, IREF_AMD_PERM_AT_LEAF);
	ck_assert(c.u.amd.ussup && c.u.amd.nxsup && c.u.amd.wp);
	ck_assert_uint_eq(c.u.amd.gats, 1);
	ck_assert_uint_eq(c.u.amd.canonical, IREF_AMD_CANON_SIGN_EXTEND);
	ck_assert(!c.u.amd.noncanon_rz && !c.u.amd.sup_user_block &&
		  !c.u.amd.nx_reserved && !c.u.amd.ga_update_dis &&
		  !c.u.amd.gd_update_dis);
	struct iref_diag d = {0};
	ck_assert_int_eq(iref_walk_cfg_init(&c, "amd-v3", &d), IREF_E_INVAL);
	ck_assert_str_eq(iref_amd_event_name(IOPF), "IO_PAGE_FAULT");
	ck_assert_str_eq(iref_amd_event_name(4), "PAGE_TAB_HARDWARE_ERROR");
	ck_assert_ptr_null(iref_amd_event_name(0xb));
	ck_assert_ptr_null(iref_amd_event_name(0x100));
}
END_TEST

START_TEST(test_cfg_set)
{
	struct iref_walk_cfg c = cfg_of("amd-v1", 0);
	opt(&c, "mode", "6");
	opt(&c, "hats", "0x1");
	opt(&c, "had", "3");
	opt(&c, "ir", "off");
	opt(&c, "iova_check", "false");
	opt(&c, "bad_mode", "illegal_dte");
	opt(&c, "perm_check", "leaf");
	opt(&c, "pa_size", "40");
	ck_assert_uint_eq(c.u.amd.mode, 6);
	ck_assert_uint_eq(c.u.amd.hats, 1);
	ck_assert_uint_eq(c.u.amd.had, 3);
	ck_assert(!c.u.amd.ir && c.u.amd.iw && !c.u.amd.iova_check);
	ck_assert_uint_eq(c.u.amd.bad_mode, IREF_AMD_BAD_MODE_ILLEGAL_DTE);
	ck_assert_uint_eq(c.u.amd.perm_check, IREF_AMD_PERM_AT_LEAF);
	ck_assert_uint_eq(c.u.amd.pa_size, 40);
	struct iref_diag d = {0};
	ck_assert_int_eq(iref_walk_cfg_set(&c, "mode", "0", &d), IREF_E_RANGE);
	ck_assert_int_eq(iref_walk_cfg_set(&c, "mode", "8", &d), IREF_E_RANGE);
	ck_assert_int_eq(iref_walk_cfg_set(&c, "pa_size", "53", &d),
			 IREF_E_RANGE);
	ck_assert_int_eq(iref_walk_cfg_set(&c, "bad_mode", "x", &d),
			 IREF_E_INVAL);
	ck_assert_ptr_nonnull(strstr(d.msg, "io_page_fault"));
	ck_assert_int_eq(iref_walk_cfg_set(&c, "levels", "5", &d),
			 IREF_E_INVAL); /* a v2 option */
	ck_assert_ptr_nonnull(strstr(d.msg, "amd-v1"));
	ck_assert_int_eq(iref_walk_cfg_set(&c, "mode", "-1", &d),
			 IREF_E_INVAL);
	ck_assert_uint_eq(c.u.amd.mode, 6); /* failed sets change nothing */

	c = cfg_of("amd-v2", 0);
	opt(&c, "levels", "5");
	opt(&c, "gats", "0");
	opt(&c, "ussup", "off");
	opt(&c, "nxsup", "0");
	opt(&c, "wp", "off");
	opt(&c, "canonical", "lower_half_only");
	opt(&c, "noncanonical", "reserved");
	opt(&c, "supervisor_user_pages", "blocked");
	opt(&c, "nx_unsupported", "reserved");
	opt(&c, "ga_update_dis", "on");
	opt(&c, "gd_update_dis", "1");
	opt(&c, "perm_check", "per_level");
	ck_assert_uint_eq(c.u.amd.levels, 5);
	ck_assert_uint_eq(c.u.amd.gats, 0);
	ck_assert(!c.u.amd.ussup && !c.u.amd.nxsup && !c.u.amd.wp);
	ck_assert_uint_eq(c.u.amd.canonical, IREF_AMD_CANON_LOWER_HALF);
	ck_assert(c.u.amd.noncanon_rz && c.u.amd.sup_user_block &&
		  c.u.amd.nx_reserved && c.u.amd.ga_update_dis &&
		  c.u.amd.gd_update_dis);
	ck_assert_uint_eq(c.u.amd.perm_check, IREF_AMD_PERM_PER_LEVEL);
	opt(&c, "canonical", "ignore_high");
	ck_assert_uint_eq(c.u.amd.canonical, IREF_AMD_CANON_IGNORE_HIGH);
	ck_assert_int_eq(iref_walk_cfg_set(&c, "levels", "3", &d),
			 IREF_E_RANGE);
	ck_assert_int_eq(iref_walk_cfg_set(&c, "mode", "3", &d),
			 IREF_E_INVAL); /* a v1 option */
	ck_assert_int_eq(iref_walk_cfg_set(&c, "canonical", "sign", &d),
			 IREF_E_INVAL);
}
END_TEST

/* A configuration struct written by hand with values no option accepts
 * gives a config fault, not a walk. */
START_TEST(test_cfg_unusable_struct)
{
	struct iref_walk_cfg c = cfg_of("amd-v1", 0x1000);
	c.u.amd.mode = 0;
	expect_fault(walk(&c, 0, IREF_ACC_READ), IREF_WF_CONFIG,
		     IREF_AMD_EV_ILLEGAL_DEV_TABLE_ENTRY, 0, -1);
	ck_assert_uint_eq(res.n_acc, 0);
	c.u.amd.mode = 3;
	c.u.amd.pa_size = 60;
	expect_fault(walk(&c, 0, IREF_ACC_WRITE), IREF_WF_CONFIG,
		     IREF_AMD_EV_ILLEGAL_DEV_TABLE_ENTRY, RW, -1);
	c = cfg_of("amd-v2", 0x1000);
	c.u.amd.levels = 3;
	expect_fault(walk(&c, 0, IREF_ACC_READ), IREF_WF_CONFIG,
		     IREF_AMD_EV_ILLEGAL_DEV_TABLE_ENTRY, GN | US, -1);
}
END_TEST

/* ---- Worked examples (§11) ---- */

/* A-1 tables: Mode 3, root 0x200000, IOVA 0x1234567abc -> 0x80000abc. */
static struct iref_walk_cfg a1_tables(void)
{
	w64(0x200240, UINT64_C(0x6000000000201401));
	w64(0x201d10, UINT64_C(0x6000000000202201));
	w64(0x202b38, UINT64_C(0x6000000080000001));
	return v1_cfg("3", 0x200000);
}

START_TEST(test_a1_v1_mode3_4k)
{
	struct iref_walk_cfg c = a1_tables();
	const struct iref_walk_result *r = walk(&c, 0x1234567abc,
						IREF_ACC_READ);
	expect_ok(r, 0x80000abc, 0x1000);
	ck_assert_uint_eq(r->perm, IREF_PERM_R | IREF_PERM_W | IREF_PERM_X);
	ck_assert_int_eq(r->level, 1);
	ck_assert_uint_eq(r->attrs, 0);
	ck_assert(!r->global);
	ck_assert_uint_eq(r->n_acc, 3);
	expect_acc(r, 0, 0x200240, UINT64_C(0x6000000000201401), IREF_WALK_RD);
	expect_acc(r, 1, 0x201d10, UINT64_C(0x6000000000202201), IREF_WALK_RD);
	expect_acc(r, 2, 0x202b38, UINT64_C(0x6000000080000001), IREF_WALK_RD);
	ck_assert_int_eq(r->acc[0].level, 3);
	ck_assert_int_eq(r->acc[1].level, 2);
	ck_assert_int_eq(r->acc[2].level, 1);
	/* amd-v1 is the host (second-stage) format. */
	ck_assert_uint_eq(r->acc[0].stage, 2);
	expect_ok(walk(&c, 0x1234567abc, IREF_ACC_WRITE), 0x80000abc, 0x1000);
}
END_TEST

START_TEST(test_a1_write_denied_iw_clear_at_l3)
{
	struct iref_walk_cfg c = a1_tables();
	w64(0x200240, UINT64_C(0x2000000000201401));
	const struct iref_walk_result *r = walk(&c, 0x1234567abc,
						IREF_ACC_WRITE);
	/* PR|PE|RW = 0x070 (§11.1), found at the level-3 entry. */
	expect_fault(r, IREF_WF_PERMISSION, IOPF, 0x070, 3);
	ck_assert_uint_eq(r->fault.addr, 0x1234567abc);
	ck_assert_uint_eq(r->fault.stage, 2);
	ck_assert_uint_eq(r->n_acc, 1);
	expect_ok(walk(&c, 0x1234567abc, IREF_ACC_READ), 0x80000abc, 0x1000);
	ck_assert_uint_eq(res.perm, IREF_PERM_R | IREF_PERM_X);
	/* perm_check=leaf: the same flags, decided at the leaf. */
	opt(&c, "perm_check", "leaf");
	r = walk(&c, 0x1234567abc, IREF_ACC_WRITE);
	expect_fault(r, IREF_WF_PERMISSION, IOPF, 0x070, 1);
	ck_assert_uint_eq(r->n_acc, 3);
}
END_TEST

START_TEST(test_a1_iova_above_mode3)
{
	struct iref_walk_cfg c = a1_tables();
	const struct iref_walk_result *r = walk(&c, UINT64_C(0x8000000000),
						IREF_ACC_READ);
	expect_fault(r, IREF_WF_TRANSLATION, IOPF, PR, -1);
	ck_assert_uint_eq(r->fault.addr, UINT64_C(0x8000000000));
	ck_assert_uint_eq(r->n_acc, 0);
}
END_TEST

START_TEST(test_a2_skipped_level)
{
	struct iref_walk_cfg c = a1_tables();
	w64(0x200800, UINT64_C(0x6000000000204201));
	w64(0x204028, UINT64_C(0x6000000090000001));
	const struct iref_walk_result *r = walk(&c, 0x4000005123,
						IREF_ACC_READ);
	expect_ok(r, 0x90000123, 0x1000);
	ck_assert_int_eq(r->level, 1);
	ck_assert_uint_eq(r->n_acc, 2);
	expect_acc(r, 1, 0x204028, UINT64_C(0x6000000090000001), IREF_WALK_RD);
	/* Skipped level-2 bits 29:21 = 1. */
	expect_fault(walk(&c, 0x4000205123, IREF_ACC_READ),
		     IREF_WF_TRANSLATION, IOPF, PR, 3);
	/* NextLevel 3 in a level-3 entry. */
	w64(0x200800, UINT64_C(0x6000000000204601));
	expect_fault(walk(&c, 0x4000005123, IREF_ACC_READ),
		     IREF_WF_TRANSLATION, IOPF, PR, 3);
}
END_TEST

START_TEST(test_a3_nl7_32k_in_level1)
{
	struct iref_walk_cfg c = a1_tables();
	uint64_t pte = UINT64_C(0x60000000a000be01);
	ck_assert_uint_eq(nl7(0xa0008000, 32 * KIB), pte);
	for (uint64_t a = 0x202b80; a <= 0x202bb8; a += 8)
		w64(a, pte);
	const struct iref_walk_result *r = walk(&c, 0x1234575abc,
						IREF_ACC_READ);
	expect_ok(r, 0xa000dabc, 32 * KIB);
	ck_assert_int_eq(r->level, 1);
	expect_acc(r, 2, 0x202ba8, pte, IREF_WALK_RD);
	/* 4 MiB encoded in a level-1 table: beyond 2 MiB. */
	w64(0x202ba8, UINT64_C(0x60000000a01ffe01));
	expect_fault(walk(&c, 0x1234575abc, IREF_ACC_READ),
		     IREF_WF_TRANSLATION, IOPF, PR, 1);
}
END_TEST

START_TEST(test_a4_nl7_8m_in_level2)
{
	struct iref_walk_cfg c = a1_tables();
	uint64_t pte = UINT64_C(0x6000000100bffe01);
	ck_assert_uint_eq(nl7(UINT64_C(0x100800000), 8 * MIB), pte);
	for (uint64_t a = 0x201d20; a <= 0x201d38; a += 8)
		w64(a, pte);
	const struct iref_walk_result *r = walk(&c, 0x1234987654,
						IREF_ACC_WRITE);
	expect_ok(r, UINT64_C(0x100987654), 8 * MIB);
	ck_assert_int_eq(r->level, 2);
	ck_assert_uint_eq(r->n_acc, 2);
}
END_TEST

/* A-5 guest tables (without the GCR3 lookup, issue 5): CR3 0x301000. */
static struct iref_walk_cfg a5_tables(uint64_t base, uint64_t low)
{
	w64(base + 0x3017f0, 0x302000 | low);
	w64(base + 0x302240, 0x303000 | low);
	w64(base + 0x303d10, 0x304000 | low);
	w64(base + 0x304b38, 0x8000000 | low);
	return cfg_of("amd-v2", 0x301000);
}

#define A5_GVA UINT64_C(0x00007f1234567abc)

START_TEST(test_a5_v2_4level_ad)
{
	struct iref_walk_cfg c = a5_tables(0, 0x007);
	const struct iref_walk_result *r = walk(&c, A5_GVA, IREF_ACC_READ);
	expect_ok(r, 0x8000abc, 0x1000);
	ck_assert_uint_eq(r->perm, IREF_PERM_R | IREF_PERM_W | IREF_PERM_X);
	ck_assert_int_eq(r->level, 1);
	ck_assert_uint_eq(r->attrs, IREF_AMD_V2_ATTR_USER | IREF_AMD_V2_ATTR_A);
	/* Four reads, then A written into all four entries (on_success). */
	ck_assert_uint_eq(r->n_acc, 8);
	expect_acc(r, 0, 0x3017f0, 0x302007, IREF_WALK_RD);
	expect_acc(r, 1, 0x302240, 0x303007, IREF_WALK_RD);
	expect_acc(r, 2, 0x303d10, 0x304007, IREF_WALK_RD);
	expect_acc(r, 3, 0x304b38, 0x8000007, IREF_WALK_RD);
	expect_acc(r, 4, 0x3017f0, 0x302027, IREF_WALK_WR);
	expect_acc(r, 5, 0x302240, 0x303027, IREF_WALK_WR);
	expect_acc(r, 6, 0x303d10, 0x304027, IREF_WALK_WR);
	expect_acc(r, 7, 0x304b38, 0x8000027, IREF_WALK_WR);
	ck_assert_uint_eq(r->acc[0].stage, 1);
	ck_assert_uint_eq(r64(0x304b38), 0x8000027);
	/* A write: D into the PT entry only. */
	r = walk(&c, A5_GVA, IREF_ACC_WRITE);
	expect_ok(r, 0x8000abc, 0x1000);
	ck_assert_uint_eq(r->n_acc, 5);
	expect_acc(r, 4, 0x304b38, 0x8000067, IREF_WALK_WR);
	ck_assert_uint_eq(r->attrs, IREF_AMD_V2_ATTR_USER | IREF_AMD_V2_ATTR_A |
					    IREF_AMD_V2_ATTR_D);
	ck_assert_uint_eq(r64(0x303d10), 0x304027);
}
END_TEST

START_TEST(test_a5_us_clear_in_pdpte)
{
	struct iref_walk_cfg c = a5_tables(0, 0x007);
	w64(0x302240, 0x303003);
	const struct iref_walk_result *r = walk(&c, A5_GVA, IREF_ACC_READ);
	/* GN|PR|PE, US = a user request. */
	expect_fault(r, IREF_WF_PERMISSION, IOPF, GN | PR | PE | US, 1);
	ck_assert_uint_eq(r->fault.flags, 0x55);
	ck_assert_uint_eq(r->fault.stage, 1);
	ck_assert_uint_eq(r->n_acc, 4); /* nothing written */
	ck_assert_uint_eq(r64(0x3017f0), 0x302007);
	r = walk_in(&c, mem, A5_GVA, IREF_ACC_READ, true);
	expect_ok(r, 0x8000abc, 0x1000);
	ck_assert_uint_eq(r->attrs & IREF_AMD_V2_ATTR_USER, 0);
	/* Without USSup, U/S is not honoured. */
	opt(&c, "ussup", "off");
	expect_ok(walk(&c, A5_GVA, IREF_ACC_READ), 0x8000abc, 0x1000);
}
END_TEST

/* ad_policy=as_walked (§5.4, the AMD text Linux quotes: update each entry
 * atomically, then continue): a user request refused at the leaf (U/S
 * clear in the PDPTE, rights decided at the leaf) still leaves A set in
 * every upper entry, in walk order, and the leaf unwritten; on_success
 * (above) writes nothing. */
START_TEST(test_ad_policy_as_walked)
{
	struct iref_walk_cfg c = a5_tables(0, 0x007);
	w64(0x302240, 0x303003);
	opt(&c, "ad_policy", "as_walked");
	const struct iref_walk_result *r = walk(&c, A5_GVA, IREF_ACC_READ);
	expect_fault(r, IREF_WF_PERMISSION, IOPF, GN | PR | PE | US, 1);
	ck_assert_uint_eq(r->n_acc, 7);
	expect_acc(r, 0, 0x3017f0, 0x302007, IREF_WALK_RD);
	expect_acc(r, 1, 0x3017f0, 0x302027, IREF_WALK_WR);
	expect_acc(r, 2, 0x302240, 0x303003, IREF_WALK_RD);
	expect_acc(r, 3, 0x302240, 0x303023, IREF_WALK_WR);
	expect_acc(r, 4, 0x303d10, 0x304007, IREF_WALK_RD);
	expect_acc(r, 5, 0x303d10, 0x304027, IREF_WALK_WR);
	expect_acc(r, 6, 0x304b38, 0x8000007, IREF_WALK_RD);
	ck_assert_uint_eq(r64(0x304b38), 0x8000007);
}
END_TEST

/* guest tables of A-5 at GPA = SPA - 4 GiB, host Mode 3 with one
 * 1 GiB page GPA [0, 1G) -> SPA [4G, 5G). */
static void a6_tables(struct iref_walk_cfg *s1, struct iref_walk_cfg *s2,
		      uint64_t host_pte, uint64_t guest_low)
{
	w64(0x400000, host_pte);
	*s2 = v1_cfg("3", 0x400000);
	*s1 = a5_tables(4 * GIB, guest_low);
}

START_TEST(test_a6_nested_reads)
{
	struct iref_walk_cfg s1, s2;
	a6_tables(&s1, &s2, UINT64_C(0x6000000100000001), 0x027);
	const struct iref_walk_result *r = nested(&s1, &s2, A5_GVA,
						  IREF_ACC_READ, false);
	expect_ok(r, UINT64_C(0x108000abc), 0x1000);
	ck_assert_int_eq(r->level, 3); /* the host leaf */
	ck_assert_uint_eq(r->perm, IREF_PERM_R | IREF_PERM_W | IREF_PERM_X);
	ck_assert_uint_eq(r->attrs,
			  IREF_AMD_V2_ATTR_USER | IREF_AMD_V2_ATTR_A);
	static const uint64_t order[] = {
		0x400000, UINT64_C(0x1003017f0), 0x400000,
		UINT64_C(0x100302240), 0x400000, UINT64_C(0x100303d10),
		0x400000, UINT64_C(0x100304b38), 0x400000,
	};
	ck_assert_uint_eq(r->n_acc, 9);
	for (unsigned i = 0; i < 9; i++) {
		ck_assert_uint_eq(r->acc[i].addr, order[i]);
		ck_assert_uint_eq(r->acc[i].kind, IREF_WALK_RD);
		ck_assert_uint_eq(r->acc[i].stage, i % 2 ? 1 : 2);
	}
}
END_TEST

START_TEST(test_a6_host_iw_clear)
{
	struct iref_walk_cfg s1, s2;
	/* Guest A and D already set: the write fails only at the final
	 * host translation of the output GPA. */
	a6_tables(&s1, &s2, UINT64_C(0x2000000100000001), 0x027);
	w64(UINT64_C(0x100304b38), 0x8000067);
	expect_ok(nested(&s1, &s2, A5_GVA, IREF_ACC_READ, false),
		  UINT64_C(0x108000abc), 0x1000);
	ck_assert_uint_eq(res.perm, IREF_PERM_R | IREF_PERM_X);
	const struct iref_walk_result *r = nested(&s1, &s2, A5_GVA,
						  IREF_ACC_WRITE, false);
	expect_fault(r, IREF_WF_PERMISSION, IOPF, PR | PE | RW, 3);
	ck_assert_uint_eq(r->fault.stage, 2);
	ck_assert(!r->fault.on_walk);
	ck_assert_uint_eq(r->fault.addr, A5_GVA);
	ck_assert_uint_eq(r->fault.addr2, 0x8000abc);
	ck_assert_uint_eq(r->n_acc, 9);
}
END_TEST

START_TEST(test_a6_guest_a_update_is_host_write)
{
	struct iref_walk_cfg s1, s2;
	/* A clear, host writable: A goes in through the host table. */
	a6_tables(&s1, &s2, UINT64_C(0x6000000100000001), 0x007);
	const struct iref_walk_result *r = nested(&s1, &s2, A5_GVA,
						  IREF_ACC_READ, false);
	expect_ok(r, UINT64_C(0x108000abc), 0x1000);
	/* 8 reads, then per update a host read and the write, then the
	 * final host read. */
	ck_assert_uint_eq(r->n_acc, 8 + 4 * 2 + 1);
	expect_acc(r, 8, 0x400000, UINT64_C(0x6000000100000001), IREF_WALK_RD);
	expect_acc(r, 9, UINT64_C(0x1003017f0), 0x302027, IREF_WALK_WR);
	expect_acc(r, 15, UINT64_C(0x100304b38), 0x8000027, IREF_WALK_WR);
	ck_assert_uint_eq(r64(UINT64_C(0x100302240)), 0x303027);

	/* Host read-only: even a read faults, setting A being a write. */
	teardown();
	setup();
	a6_tables(&s1, &s2, UINT64_C(0x2000000100000001), 0x007);
	r = nested(&s1, &s2, A5_GVA, IREF_ACC_READ, false);
	expect_fault(r, IREF_WF_PERMISSION, IOPF, PR | PE, 3);
	ck_assert_uint_eq(r->fault.stage, 2);
	ck_assert(r->fault.on_walk);
	ck_assert_uint_eq(r->fault.addr, A5_GVA);
	ck_assert_uint_eq(r->fault.addr2, 0x3017f0);
	ck_assert_uint_eq(r64(UINT64_C(0x1003017f0)), 0x302007);
	/* Guest A updates disabled: the read succeeds, nothing written. */
	opt(&s1, "ga_update_dis", "on");
	r = nested(&s1, &s2, A5_GVA, IREF_ACC_READ, false);
	expect_ok(r, UINT64_C(0x108000abc), 0x1000);
	ck_assert_uint_eq(r->n_acc, 9);
}
END_TEST

/* ---- Edge cases (§12) ---- */

/* §12.3: Mode 7, or above HATS + 4, faults before any read. */
START_TEST(test_edge03_bad_mode)
{
	w64(0x10000, 0);
	struct iref_walk_cfg c = v1_cfg("7", 0x10000);
	const struct iref_walk_result *r = walk(&c, 0x1000, IREF_ACC_READ);
	expect_fault(r, IREF_WF_CONFIG, IOPF, PR, -1);
	ck_assert_uint_eq(r->n_acc, 0);
	c = v1_cfg("5", 0x10000);
	opt(&c, "hats", "0");
	expect_fault(walk(&c, 0x1000, IREF_ACC_WRITE), IREF_WF_CONFIG, IOPF,
		     PR | RW, -1);
	ck_assert_uint_eq(res.n_acc, 0);
	opt(&c, "bad_mode", "illegal_dte");
	expect_fault(walk(&c, 0x1000, IREF_ACC_READ), IREF_WF_CONFIG,
		     IREF_AMD_EV_ILLEGAL_DEV_TABLE_ENTRY, 0, -1);
	/* HATS 0 allows Mode 4; HATS 3 allows none. */
	c = v1_cfg("4", 0x10000);
	opt(&c, "hats", "0");
	expect_fault(walk(&c, 0x1000, IREF_ACC_READ), IREF_WF_TRANSLATION,
		     IOPF, 0, 4);
	c = v1_cfg("1", 0x10000);
	opt(&c, "hats", "3");
	expect_fault(walk(&c, 0x1000, IREF_ACC_READ), IREF_WF_CONFIG, IOPF,
		     PR, -1);
}
END_TEST

/* §12.4: Mode 3 rejects IOVA bit 39 (unless iova_check is off); Mode 6
 * takes any 64-bit IOVA. */
START_TEST(test_edge04_iova_range)
{
	struct iref_walk_cfg c = a1_tables();
	uint64_t hi = UINT64_C(0x8000000000) | 0x1234567abc;
	expect_fault(walk(&c, hi, IREF_ACC_READ), IREF_WF_TRANSLATION, IOPF,
		     PR, -1);
	expect_fault(walk(&c, UINT64_C(1) << 63, IREF_ACC_READ),
		     IREF_WF_TRANSLATION, IOPF, PR, -1);
	opt(&c, "iova_check", "off");
	expect_ok(walk(&c, hi, IREF_ACC_READ), 0x80000abc, 0x1000);

	struct iref_walk_cfg c6 = v1_cfg("6", 0);
	struct iref_pool pool = {0x1000000, 0x2000000};
	struct iref_build_map bm = {
		.va = UINT64_C(0xfedcba9876543000), .pa = 0x5000,
		.size = 0x1000, .perm = IREF_PERM_R,
	};
	ck_assert_int_eq(iref_build(&c6, mem, &pool, &bm, 1, NULL), IREF_OK);
	const struct iref_walk_result *r =
		walk(&c6, UINT64_C(0xfedcba9876543210), IREF_ACC_READ);
	expect_ok(r, 0x5210, 0x1000);
	ck_assert_uint_eq(r->n_acc, 6);
	ck_assert_int_eq(r->acc[0].level, 6);
}
END_TEST

/* §12.5: the level-6 root is indexed by bits 63:57; index 0x7f is
 * reachable (and a jump from level 6 to 1 skips 56:21). */
START_TEST(test_edge05_level6_root_index)
{
	struct iref_walk_cfg c = v1_cfg("6", 0x10000);
	w64(0x10000 + 0x7f * 8, IRW | 0x11000 | 1u << 9 | 1);
	w64(0x11008, IRW | 0x77000000 | 1);
	const struct iref_walk_result *r =
		walk(&c, UINT64_C(0xfe00000000001abc), IREF_ACC_READ);
	expect_ok(r, 0x77000abc, 0x1000);
	expect_acc(r, 0, 0x103f8, IRW | 0x11000 | 1u << 9 | 1, IREF_WALK_RD);
	ck_assert_int_eq(r->acc[0].level, 6);
	/* Index 0x7e is another, empty slot. */
	r = walk(&c, UINT64_C(0xfc00000000001abc), IREF_ACC_READ);
	expect_fault(r, IREF_WF_TRANSLATION, IOPF, 0, 6);
	expect_acc(r, 0, 0x103f0, 0, IREF_WALK_RD);
	/* The top table holds no pages: NextLevel 0 or 7 there faults. */
	w64(0x103f8, IRW | 0x77000000 | 1);
	expect_fault(walk(&c, UINT64_C(0xfe00000000001abc), IREF_ACC_READ),
		     IREF_WF_TRANSLATION, IOPF, PR, 6);
	w64(0x103f8, IRW | UINT64_C(0x000ffffffffff000) | 7u << 9 | 1);
	expect_fault(walk(&c, UINT64_C(0xfe00000000001abc), IREF_ACC_READ),
		     IREF_WF_TRANSLATION, IOPF, PR, 6);
}
END_TEST

/* §12.6: NextLevel equal to or above the current level. */
START_TEST(test_edge06_nextlevel_not_below)
{
	struct iref_walk_cfg c = a1_tables();
	w64(0x201d10, IRW | 0x202000 | 2u << 9 | 1); /* L2 -> 2 */
	expect_fault(walk(&c, 0x1234567abc, IREF_ACC_READ),
		     IREF_WF_TRANSLATION, IOPF, PR, 2);
	w64(0x201d10, IRW | 0x202000 | 5u << 9 | 1); /* L2 -> 5 */
	expect_fault(walk(&c, 0x1234567abc, IREF_ACC_WRITE),
		     IREF_WF_TRANSLATION, IOPF, PR | RW, 2);
	w64(0x201d10, IRW | 0x202000 | 1u << 9 | 1);
	w64(0x202b38, IRW | 0x202000 | 1u << 9 | 1); /* L1 -> 1 */
	expect_fault(walk(&c, 0x1234567abc, IREF_ACC_READ),
		     IREF_WF_TRANSLATION, IOPF, PR, 1);
	ck_assert_uint_eq(res.n_acc, 3);
}
END_TEST

/* §12.7: a jump from level 4 to level 1 needs IOVA bits 38:21 zero; each
 * skipped level's bits alone fault. */
START_TEST(test_edge07_skipped_levels)
{
	struct iref_walk_cfg c = v1_cfg("4", 0x20000);
	w64(0x20000 + 8 * 5, IRW | 0x21000 | 1u << 9 | 1);
	w64(0x21000 + 8 * 3, IRW | 0x55000 | 1);
	uint64_t base = UINT64_C(5) << 39 | 0x3000;
	expect_ok(walk(&c, base | 0x10, IREF_ACC_READ), 0x55010, 0x1000);
	ck_assert_uint_eq(res.n_acc, 2);
	static const unsigned bits[] = {30, 34, 38, 21, 25, 29};
	for (unsigned i = 0; i < 6; i++)
		expect_fault(walk(&c, base | UINT64_C(1) << bits[i],
				  IREF_ACC_READ),
			     IREF_WF_TRANSLATION, IOPF, PR, 4);
	/* A jump of one level skips nothing. */
	w64(0x20000 + 8 * 5, IRW | 0x22000 | 3u << 9 | 1);
	w64(0x22000 + 8 * 1, IRW | 0x23000 | 1u << 9 | 1); /* L3 -> L1 */
	w64(0x23000 + 8 * 3, IRW | 0x66000 | 1);
	expect_ok(walk(&c, base | UINT64_C(1) << 30, IREF_ACC_READ), 0x66000,
		  0x1000);
	expect_fault(walk(&c, base | UINT64_C(1) << 30 | UINT64_C(1) << 21,
			  IREF_ACC_READ),
		     IREF_WF_TRANSLATION, IOPF, PR, 3);
}
END_TEST

/* §12.8: NextLevel 0 at levels 2 and 3 maps 2 MiB and 1 GiB. */
START_TEST(test_edge08_nl0_large)
{
	struct iref_walk_cfg c = a1_tables();
	w64(0x200008, IRW | 0x40000000 | 1);
	const struct iref_walk_result *r = walk(&c, 0x40123456, IREF_ACC_READ);
	expect_ok(r, 0x40123456, GIB);
	ck_assert_int_eq(r->level, 3);
	w64(0x201000 + 0x1a3 * 8, IRW | 0xa00000 | 1);
	uint64_t iova = UINT64_C(0x48) << 30 | UINT64_C(0x1a3) << 21 | 0x12345;
	r = walk(&c, iova, IREF_ACC_READ);
	expect_ok(r, 0xa12345, 2 * MIB);
	ck_assert_int_eq(r->level, 2);
}
END_TEST

/* §12.9: NextLevel 7 sizes at and just beyond the bounds of a level. */
START_TEST(test_edge09_nl7_bounds)
{
	uint64_t iova = 0x1234567abc;
	static const struct { uint64_t slot, pa, size; bool ok; } cases[] = {
		{0x202b38, 0xabc000, 8 * KIB, true},
		{0x202b38, 0x7700000, MIB, true},
		{0x202b38, 0x7600000, 2 * MIB, false},
		{0x201d10, 0x1c00000, 4 * MIB, true},
		{0x201d10, UINT64_C(0x80000000), 512 * MIB, true},
		{0x201d10, UINT64_C(0x80000000), GIB, false},
		{0x200240, UINT64_C(0x100000000), 2 * GIB, true},
		{0x200240, UINT64_C(0x8000000000), 512 * GIB, false},
	};
	for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		teardown();
		setup();
		struct iref_walk_cfg c = a1_tables();
		w64(cases[i].slot, nl7(cases[i].pa, cases[i].size));
		int level = cases[i].slot == 0x202b38   ? 1
			    : cases[i].slot == 0x201d10 ? 2
							: 3;
		const struct iref_walk_result *r = walk(&c, iova,
							IREF_ACC_READ);
		if (cases[i].ok) {
			uint64_t sz = cases[i].size;
			expect_ok(r, cases[i].pa | (iova & (sz - 1)), sz);
			ck_assert_int_eq(r->level, level);
		} else {
			expect_fault(r, IREF_WF_TRANSLATION, IOPF, PR, level);
		}
	}
}
END_TEST

/* §12.10: replicas of a NextLevel 7 page that differ: only the slot the
 * IOVA indexes counts. */
START_TEST(test_edge10_replicas_differ)
{
	struct iref_walk_cfg c = a1_tables();
	for (unsigned i = 0x170; i < 0x178; i++)
		w64(0x202000 + 8 * i,
		    nl7(i == 0x175 ? 0xb0008000 : 0xa0008000, 32 * KIB));
	expect_ok(walk(&c, 0x1234575abc, IREF_ACC_READ), 0xb000dabc,
		  32 * KIB);
	expect_ok(walk(&c, 0x1234570abc, IREF_ACC_READ), 0xa0008abc,
		  32 * KIB);
	/* A replica slot that is not present faults on its own. */
	w64(0x202000 + 8 * 0x171, 0);
	expect_fault(walk(&c, 0x1234571abc, IREF_ACC_READ),
		     IREF_WF_TRANSLATION, IOPF, 0, 1);
}
END_TEST

/* §12.11: reserved bits PTE 58:52, PDE 60:52, addresses >= PAsize. */
START_TEST(test_edge11_reserved_bits)
{
	struct iref_walk_cfg c = a1_tables();
	uint64_t pte = UINT64_C(0x6000000080000001);
	uint64_t pde = UINT64_C(0x6000000000202201);
	for (unsigned b = 52; b <= 58; b++) {
		w64(0x202b38, pte | UINT64_C(1) << b);
		expect_fault(walk(&c, 0x1234567abc, IREF_ACC_READ),
			     IREF_WF_TRANSLATION, IOPF, PR | RZ, 1);
	}
	/* U (59), FC (60) and bit 63 are legal in a PTE. */
	w64(0x202b38, pte | UINT64_C(1) << 59 | UINT64_C(1) << 60 |
			      UINT64_C(1) << 63);
	expect_ok(walk(&c, 0x1234567abc, IREF_ACC_READ), 0x80000abc, 0x1000);
	ck_assert_uint_eq(res.attrs,
			  IREF_AMD_V1_ATTR_U | IREF_AMD_V1_ATTR_FC);
	for (unsigned b = 52; b <= 60; b++) {
		w64(0x201d10, pde | UINT64_C(1) << b);
		expect_fault(walk(&c, 0x1234567abc, IREF_ACC_WRITE),
			     IREF_WF_TRANSLATION, IOPF, PR | RZ | RW, 2);
	}
	w64(0x201d10, pde | UINT64_C(1) << 63);
	expect_ok(walk(&c, 0x1234567abc, IREF_ACC_READ), 0x80000abc, 0x1000);
	/* PAsize 40: an output or a table beyond it. */
	opt(&c, "pa_size", "40");
	w64(0x202b38, IRW | UINT64_C(0x10000000000) | 1);
	expect_fault(walk(&c, 0x1234567abc, IREF_ACC_READ),
		     IREF_WF_ADDRESS_SIZE, IOPF, PR | RZ, 1);
	w64(0x202b38, IRW | UINT64_C(0xff00000000) | 1);
	expect_ok(walk(&c, 0x1234567abc, IREF_ACC_READ),
		  UINT64_C(0xff00000abc), 0x1000);
	w64(0x200240, IRW | UINT64_C(0x10000201000) | 2u << 9 | 1);
	expect_fault(walk(&c, 0x1234567abc, IREF_ACC_READ),
		     IREF_WF_ADDRESS_SIZE, IOPF, PR | RZ, 3);
	/* Both kinds at once: the non-address bit makes it translation. */
	w64(0x200240, IRW | UINT64_C(0x10000201000) | UINT64_C(1) << 55 |
			      2u << 9 | 1);
	expect_fault(walk(&c, 0x1234567abc, IREF_ACC_READ),
		     IREF_WF_TRANSLATION, IOPF, PR | RZ, 3);
	/* A DTE root beyond PAsize is an unusable DTE. */
	c.root = UINT64_C(0x10000200000);
	expect_fault(walk(&c, 0x1234567abc, IREF_ACC_READ),
		     IREF_WF_ADDRESS_SIZE,
		     IREF_AMD_EV_ILLEGAL_DEV_TABLE_ENTRY, RZ, -1);
	ck_assert_uint_eq(res.n_acc, 0);
}
END_TEST

/* §12.12: IR ANDed over DTE, PDE and leaf. */
START_TEST(test_edge12_permission_and)
{
	struct iref_walk_cfg c = a1_tables();
	opt(&c, "ir", "off");
	expect_fault(walk(&c, 0x1234567abc, IREF_ACC_READ), IREF_WF_PERMISSION,
		     IOPF, PR | PE, -1);
	ck_assert_uint_eq(res.n_acc, 0);
	expect_fault(walk(&c, 0x1234567abc, IREF_ACC_EXEC), IREF_WF_PERMISSION,
		     IOPF, PR | PE, -1);
	expect_ok(walk(&c, 0x1234567abc, IREF_ACC_WRITE), 0x80000abc, 0x1000);
	ck_assert_uint_eq(res.perm, IREF_PERM_W);
	/* perm_check=leaf: the DTE's IR decides at the leaf. */
	opt(&c, "perm_check", "leaf");
	expect_fault(walk(&c, 0x1234567abc, IREF_ACC_READ), IREF_WF_PERMISSION,
		     IOPF, PR | PE, 1);
	ck_assert_uint_eq(res.n_acc, 3);

	c = a1_tables();
	w64(0x201d10, UINT64_C(0x4000000000202201)); /* PDE without IR */
	expect_fault(walk(&c, 0x1234567abc, IREF_ACC_READ), IREF_WF_PERMISSION,
		     IOPF, PR | PE, 2);
	expect_ok(walk(&c, 0x1234567abc, IREF_ACC_WRITE), 0x80000abc, 0x1000);
	w64(0x201d10, UINT64_C(0x6000000000202201));
	w64(0x202b38, UINT64_C(0x4000000080000001)); /* leaf without IR */
	expect_fault(walk(&c, 0x1234567abc, IREF_ACC_READ), IREF_WF_PERMISSION,
		     IOPF, PR | PE, 1);
	expect_ok(walk(&c, 0x1234567abc, IREF_ACC_WRITE), 0x80000abc, 0x1000);
	/* Upper denial vs lower not-present: per_level reports the
	 * denial, leaf the missing entry. */
	w64(0x200240, UINT64_C(0x4000000000201401));
	w64(0x202b38, 0);
	expect_fault(walk(&c, 0x1234567abc, IREF_ACC_READ), IREF_WF_PERMISSION,
		     IOPF, PR | PE, 3);
	opt(&c, "perm_check", "leaf");
	expect_fault(walk(&c, 0x1234567abc, IREF_ACC_READ),
		     IREF_WF_TRANSLATION, IOPF, 0, 1);
}
END_TEST

/* §12.13: host A/D per DTE.HAD. */
START_TEST(test_edge13_host_ad)
{
	struct iref_walk_cfg c = a1_tables();
	expect_ok(walk(&c, 0x1234567abc, IREF_ACC_WRITE), 0x80000abc, 0x1000);
	ck_assert_uint_eq(res.n_acc, 3);
	ck_assert_uint_eq(r64(0x202b38), UINT64_C(0x6000000080000001));

	opt(&c, "had", "3");
	const struct iref_walk_result *r = walk(&c, 0x1234567abc,
						IREF_ACC_READ);
	expect_ok(r, 0x80000abc, 0x1000);
	ck_assert_uint_eq(r->n_acc, 6);
	expect_acc(r, 3, 0x200240, UINT64_C(0x6000000000201421), IREF_WALK_WR);
	expect_acc(r, 4, 0x201d10, UINT64_C(0x6000000000202221), IREF_WALK_WR);
	expect_acc(r, 5, 0x202b38, UINT64_C(0x6000000080000021), IREF_WALK_WR);
	ck_assert_uint_eq(r->attrs, IREF_AMD_V1_ATTR_A);
	r = walk(&c, 0x1234567abc, IREF_ACC_WRITE); /* D on the leaf only */
	ck_assert_uint_eq(r->n_acc, 4);
	expect_acc(r, 3, 0x202b38, UINT64_C(0x6000000080000061), IREF_WALK_WR);
	ck_assert_uint_eq(r->attrs, IREF_AMD_V1_ATTR_A | IREF_AMD_V1_ATTR_D);
	ck_assert_uint_eq(r64(0x201d10), UINT64_C(0x6000000000202221));
	r = walk(&c, 0x1234567abc, IREF_ACC_WRITE); /* all set: no write */
	ck_assert_uint_eq(r->n_acc, 3);

	teardown();
	setup();
	c = a1_tables();
	opt(&c, "had", "1"); /* A only */
	r = walk(&c, 0x1234567abc, IREF_ACC_WRITE);
	ck_assert_uint_eq(r->n_acc, 6);
	ck_assert_uint_eq(r64(0x202b38), UINT64_C(0x6000000080000021));
	/* A faulting walk writes nothing (on_success). */
	w64(0x202b38, UINT64_C(0x2000000080000001));
	w64(0x200240, UINT64_C(0x6000000000201401));
	opt(&c, "had", "3");
	r = walk(&c, 0x1234567abc, IREF_ACC_WRITE);
	expect_fault(r, IREF_WF_PERMISSION, IOPF, PR | PE | RW, 1);
	ck_assert_uint_eq(r->n_acc, 3);
	ck_assert_uint_eq(r64(0x200240), UINT64_C(0x6000000000201401));
	/* HAD 10b: a reserved encoding. */
	opt(&c, "had", "2");
	expect_fault(walk(&c, 0x1234567abc, IREF_ACC_READ), IREF_WF_CONFIG,
		     IREF_AMD_EV_ILLEGAL_DEV_TABLE_ENTRY, 0, -1);
}
END_TEST

/* v2 tables for GVA 0 with free choice of the PDPTE/PDE and leaf. */
static struct iref_walk_cfg v2_small(uint64_t pml4e, uint64_t pdpte,
				     uint64_t pde, uint64_t pte)
{
	w64(0x10000, pml4e);
	w64(0x11000, pdpte);
	w64(0x12000, pde);
	w64(0x13000, pte);
	return cfg_of("amd-v2", 0x10000);
}

/* §12.14: PS at the top reserved; PS leaves at PDPT/PD; alignment bits
 * reserved; PAT bit 12 allowed. */
START_TEST(test_edge14_v2_ps)
{
	struct iref_walk_cfg c = v2_small(0x11027, 0x12027, 0x13027,
					  0x40000027);
	expect_ok(walk(&c, 0x123, IREF_ACC_READ), 0x40000123, 0x1000);
	w64(0x10000, 0x110a7); /* PS in the PML4E */
	expect_fault(walk(&c, 0x123, IREF_ACC_READ), IREF_WF_TRANSLATION, IOPF,
		     GN | PR | RZ | US, 4);
	w64(0x10000, 0x11027);
	w64(0x11000, UINT64_C(0x80000000) | 0xa7); /* 1 GiB leaf */
	const struct iref_walk_result *r = walk(&c, 0x3456789, IREF_ACC_READ);
	expect_ok(r, UINT64_C(0x83456789), GIB);
	ck_assert_int_eq(r->level, 3);
	for (unsigned b = 13; b <= 29; b += 4) {
		w64(0x11000, UINT64_C(0x80000000) | UINT64_C(1) << b | 0xa7);
		expect_fault(walk(&c, 0x3456789, IREF_ACC_READ),
			     IREF_WF_TRANSLATION, IOPF, GN | PR | RZ | US, 3);
	}
	w64(0x11000, UINT64_C(0x80000000) | 0x1000 | 0xa7); /* PAT */
	r = walk(&c, 0x3456789, IREF_ACC_READ);
	expect_ok(r, UINT64_C(0x83456789), GIB);
	ck_assert_uint_eq(r->attrs & IREF_AMD_V2_ATTR_PAT,
			  IREF_AMD_V2_ATTR_PAT);
	w64(0x11000, 0x12027);
	w64(0x12000, 0x600000 | 0x18 | 0xa7); /* 2 MiB, PWT|PCD */
	r = walk(&c, 0x1abcde, IREF_ACC_READ);
	expect_ok(r, 0x7abcde, 2 * MIB);
	ck_assert_int_eq(r->level, 2);
	ck_assert_uint_eq(r->attrs & 7,
			  IREF_AMD_V2_ATTR_PWT | IREF_AMD_V2_ATTR_PCD);
	for (unsigned b = 13; b <= 20; b++) {
		w64(0x12000, 0x600000 | UINT64_C(1) << b | 0xa7);
		expect_fault(walk(&c, 0x1abcde, IREF_ACC_WRITE),
			     IREF_WF_TRANSLATION, IOPF,
			     GN | PR | RZ | US | RW, 2);
	}
	/* PAT in a 4 KiB leaf is bit 7. */
	w64(0x12000, 0x13027);
	w64(0x13000, 0x40000000 | 0xa7);
	r = walk(&c, 0x123, IREF_ACC_READ);
	expect_ok(r, 0x40000123, 0x1000);
	ck_assert_uint_eq(r->attrs & IREF_AMD_V2_ATTR_PAT,
			  IREF_AMD_V2_ATTR_PAT);
	/* PS in a PML5E of a 5-level table. */
	w64(0x20000, 0x100a7);
	opt(&c, "levels", "5");
	c.root = 0x20000;
	expect_fault(walk(&c, 0x123, IREF_ACC_READ), IREF_WF_TRANSLATION, IOPF,
		     GN | PR | RZ | US, 5);
	w64(0x20000, 0x10027);
	expect_ok(walk(&c, 0x123, IREF_ACC_READ), 0x40000123, 0x1000);
	/* Addresses beyond PAsize. */
	opt(&c, "pa_size", "36");
	w64(0x13000, UINT64_C(0x1000000000) | 0x27);
	expect_fault(walk(&c, 0x123, IREF_ACC_READ), IREF_WF_ADDRESS_SIZE,
		     IOPF, GN | PR | RZ | US, 1);
	c.root = UINT64_C(0x1000000000);
	expect_fault(walk(&c, 0x123, IREF_ACC_READ), IREF_WF_ADDRESS_SIZE,
		     IOPF, GN | PR | RZ | US, -1);
}
END_TEST

/* §12.15: R/W, U/S and NX at an upper level. */
START_TEST(test_edge15_v2_upper_rights)
{
	struct iref_walk_cfg c = v2_small(0x11025, 0x12027, 0x13027,
					  0x40000067); /* PML4E R/W=0 */
	expect_fault(walk(&c, 0x123, IREF_ACC_WRITE), IREF_WF_PERMISSION,
		     IOPF, GN | PR | PE | US | RW, 1);
	expect_fault(walk_in(&c, mem, 0x123, IREF_ACC_WRITE, true),
		     IREF_WF_PERMISSION, IOPF, GN | PR | PE | RW, 1);
	expect_ok(walk(&c, 0x123, IREF_ACC_READ), 0x40000123, 0x1000);
	ck_assert_uint_eq(res.perm, IREF_PERM_R | IREF_PERM_X);
	opt(&c, "wp", "off"); /* supervisor writes ignore R/W */
	expect_ok(walk_in(&c, mem, 0x123, IREF_ACC_WRITE, true), 0x40000123,
		  0x1000);
	expect_fault(walk(&c, 0x123, IREF_ACC_WRITE), IREF_WF_PERMISSION,
		     IOPF, GN | PR | PE | US | RW, 1);

	c = v2_small(0x11027, 0x12023, 0x13027, 0x40000067); /* U/S=0 */
	expect_fault(walk(&c, 0x123, IREF_ACC_READ), IREF_WF_PERMISSION,
		     IOPF, GN | PR | PE | US, 1);
	expect_ok(walk_in(&c, mem, 0x123, IREF_ACC_WRITE, true), 0x40000123,
		  0x1000);
	opt(&c, "ussup", "off");
	expect_ok(walk(&c, 0x123, IREF_ACC_READ), 0x40000123, 0x1000);
	/* Supervisor access to a user page: allowed unless blocked. */
	c = v2_small(0x11027, 0x12027, 0x13027, 0x40000067);
	expect_ok(walk_in(&c, mem, 0x123, IREF_ACC_READ, true), 0x40000123,
		  0x1000);
	opt(&c, "supervisor_user_pages", "blocked");
	expect_fault(walk_in(&c, mem, 0x123, IREF_ACC_READ, true),
		     IREF_WF_PERMISSION, IOPF, GN | PR | PE, 1);
	expect_ok(walk(&c, 0x123, IREF_ACC_READ), 0x40000123, 0x1000);
	opt(&c, "ussup", "off"); /* no user pages without U/S */
	expect_ok(walk_in(&c, mem, 0x123, IREF_ACC_READ, true), 0x40000123,
		  0x1000);

	c = v2_small(0x11027 | UINT64_C(1) << 63, 0x12027, 0x13027,
		     0x40000067); /* NX in the PML4E */
	expect_fault(walk(&c, 0x123, IREF_ACC_EXEC), IREF_WF_PERMISSION,
		     IOPF, GN | PR | PE | US | NX, 1);
	expect_ok(walk(&c, 0x123, IREF_ACC_READ), 0x40000123, 0x1000);
	ck_assert_uint_eq(res.perm, IREF_PERM_R | IREF_PERM_W);
	ck_assert_uint_eq(res.attrs & IREF_AMD_V2_ATTR_NX,
			  IREF_AMD_V2_ATTR_NX);
	opt(&c, "nxsup", "off");
	expect_ok(walk(&c, 0x123, IREF_ACC_EXEC), 0x40000123, 0x1000);
	ck_assert_uint_eq(res.attrs & IREF_AMD_V2_ATTR_NX, 0);
	opt(&c, "nx_unsupported", "reserved");
	expect_fault(walk(&c, 0x123, IREF_ACC_READ), IREF_WF_TRANSLATION,
		     IOPF, GN | PR | RZ | US, 4);
	/* per_level: the upper denial wins over a lower reserved bit. */
	c = v2_small(0x11025, 0x12027, 0x13027,
		     0x40000067 | UINT64_C(1) << 51);
	opt(&c, "pa_size", "48");
	expect_fault(walk(&c, 0x123, IREF_ACC_WRITE), IREF_WF_ADDRESS_SIZE,
		     IOPF, GN | PR | RZ | US | RW, 1);
	opt(&c, "perm_check", "per_level");
	expect_fault(walk(&c, 0x123, IREF_ACC_WRITE), IREF_WF_PERMISSION,
		     IOPF, GN | PR | PE | US | RW, 4);
	ck_assert_uint_eq(res.n_acc, 1);
}
END_TEST

/* §12.16: guest A/D rules. */
START_TEST(test_edge16_v2_ad)
{
	struct iref_walk_cfg c = v2_small(0x11007, 0x12007, 0x13007,
					  0x40000007);
	const struct iref_walk_result *r = walk(&c, 0x123, IREF_ACC_READ);
	ck_assert_uint_eq(r->n_acc, 8);
	ck_assert_uint_eq(r64(0x13000), 0x40000027); /* no D on a read */
	r = walk(&c, 0x123, IREF_ACC_READ); /* already set: no write */
	ck_assert_uint_eq(r->n_acc, 4);
	/* A write on a read-only page: fault, nothing written. */
	w64(0x13000, 0x40000005);
	w64(0x10000, 0x11007);
	r = walk(&c, 0x123, IREF_ACC_WRITE);
	expect_fault(r, IREF_WF_PERMISSION, IOPF, GN | PR | PE | US | RW, 1);
	ck_assert_uint_eq(r->n_acc, 4);
	ck_assert_uint_eq(r64(0x10000), 0x11007);
	ck_assert_uint_eq(r64(0x13000), 0x40000005);
	/* Update disables. */
	w64(0x13000, 0x40000007);
	opt(&c, "gd_update_dis", "on");
	r = walk(&c, 0x123, IREF_ACC_WRITE);
	expect_ok(r, 0x40000123, 0x1000);
	ck_assert_uint_eq(r64(0x13000), 0x40000027);
	ck_assert_uint_eq(r64(0x10000), 0x11027);
	ck_assert_uint_eq(r->attrs & IREF_AMD_V2_ATTR_D, 0);
	w64(0x13000, 0x40000007);
	opt(&c, "gd_update_dis", "off");
	opt(&c, "ga_update_dis", "on");
	r = walk(&c, 0x123, IREF_ACC_WRITE);
	ck_assert_uint_eq(r->n_acc, 5);
	ck_assert_uint_eq(r64(0x13000), 0x40000047);
}
END_TEST

/* §12.17: 5-level needs GATS; canonical rules of a 4-level table. */
START_TEST(test_edge17_v2_levels_canonical)
{
	struct iref_walk_cfg c = v2_small(0x11027, 0x12027, 0x13027,
					  0x40000027);
	w64(0x20000, 0x10027);
	struct iref_walk_cfg c5 = c;
	opt(&c5, "levels", "5");
	c5.root = 0x20000;
	expect_ok(walk(&c5, 0x123, IREF_ACC_READ), 0x40000123, 0x1000);
	ck_assert_uint_eq(res.n_acc, 5);
	/* 5-level: 57-bit canonical, bit 48 indexes the PML5. */
	expect_fault(walk(&c5, UINT64_C(1) << 48, IREF_ACC_READ),
		     IREF_WF_TRANSLATION, IOPF, GN | US, 5);
	expect_fault(walk(&c5, UINT64_C(1) << 56, IREF_ACC_READ),
		     IREF_WF_TRANSLATION, IOPF, GN | US, -1);
	opt(&c5, "gats", "0");
	expect_fault(walk(&c5, 0x123, IREF_ACC_READ), IREF_WF_CONFIG,
		     IREF_AMD_EV_ILLEGAL_DEV_TABLE_ENTRY, GN | US, -1);
	ck_assert_uint_eq(res.n_acc, 0);

	uint64_t noncanon = UINT64_C(0x0000800000000123);
	uint64_t upper = UINT64_C(0xffff800000000123);
	expect_fault(walk(&c, noncanon, IREF_ACC_READ), IREF_WF_TRANSLATION,
		     IOPF, GN | US, -1);
	ck_assert_uint_eq(res.n_acc, 0);
	/* The upper half walks (PML4 index 256, empty here). */
	const struct iref_walk_result *r = walk(&c, upper, IREF_ACC_READ);
	expect_fault(r, IREF_WF_TRANSLATION, IOPF, GN | US, 4);
	expect_acc(r, 0, 0x10000 + 256 * 8, 0, IREF_WALK_RD);
	opt(&c, "noncanonical", "reserved");
	expect_fault(walk(&c, noncanon, IREF_ACC_READ), IREF_WF_TRANSLATION,
		     IOPF, GN | US | PR | RZ, -1);
	opt(&c, "canonical", "lower_half_only");
	expect_fault(walk(&c, upper, IREF_ACC_READ), IREF_WF_TRANSLATION,
		     IOPF, GN | US | PR | RZ, -1);
	expect_ok(walk(&c, 0x123, IREF_ACC_READ), 0x40000123, 0x1000);
	opt(&c, "canonical", "ignore_high");
	expect_ok(walk(&c, UINT64_C(0x1234000000000123), IREF_ACC_READ),
		  0x40000123, 0x1000);
}
END_TEST

/* §12.21: a host fault reading a guest table entry vs on the final GPA;
 * a host read-only page holding a guest table blocks its A update. */
START_TEST(test_edge21_nested_host_faults)
{
	/* Host Mode 3: GPA [0, 2M) -> SPA [4G, 4G+2M) read-only, nothing
	 * else mapped. */
	struct iref_walk_cfg s2 = v1_cfg("3", 0x400000);
	w64(0x400000, IRW | 0x401000 | 2u << 9 | 1);
	w64(0x401000, V1_IR_ | UINT64_C(0x100000000) | 1);
	struct iref_walk_cfg s1 = cfg_of("amd-v2", 0x10000);
	uint64_t spa = UINT64_C(0x100000000);
	w64(spa + 0x10000, 0x11027);
	w64(spa + 0x11000, 0x12027);
	w64(spa + 0x12000, 0x300027); /* a table outside the host map */
	const struct iref_walk_result *r = nested(&s1, &s2, 0x123,
						  IREF_ACC_READ, false);
	expect_fault(r, IREF_WF_TRANSLATION, IOPF, 0, 2);
	ck_assert_uint_eq(r->fault.stage, 2);
	ck_assert(r->fault.on_walk);
	ck_assert_uint_eq(r->fault.addr, 0x123);
	ck_assert_uint_eq(r->fault.addr2, 0x300000);
	/* The guest table inside; the output GPA outside. */
	w64(spa + 0x12000, 0x13027);
	w64(spa + 0x13000, 0x40000027);
	r = nested(&s1, &s2, 0x123, IREF_ACC_READ, false);
	expect_fault(r, IREF_WF_TRANSLATION, IOPF, 0, 3);
	ck_assert_uint_eq(r->fault.stage, 2);
	ck_assert(!r->fault.on_walk);
	ck_assert_uint_eq(r->fault.addr2, 0x40000123);
	/* The output inside too: success. */
	w64(spa + 0x13000, 0x1000 | 0x27);
	expect_ok(nested(&s1, &s2, 0x123, IREF_ACC_READ, false),
		  spa + 0x1123, 0x1000);
	/* A guest entry with A clear on the read-only host page. */
	w64(spa + 0x12000, 0x13007);
	r = nested(&s1, &s2, 0x123, IREF_ACC_READ, false);
	expect_fault(r, IREF_WF_PERMISSION, IOPF, PR | PE, 2);
	ck_assert(r->fault.on_walk);
	ck_assert_uint_eq(r->fault.addr2, 0x12000);
	ck_assert_uint_eq(r64(spa + 0x12000), 0x13007);
	/* A guest-stage fault is stage 1. */
	w64(spa + 0x12000, 0x13027);
	w64(spa + 0x13000, 0);
	r = nested(&s1, &s2, 0x123, IREF_ACC_WRITE, false);
	expect_fault(r, IREF_WF_TRANSLATION, IOPF, GN | US | RW, 1);
	ck_assert_uint_eq(r->fault.stage, 1);
	ck_assert(!r->fault.on_walk);
}
END_TEST

/* §12.26: a table outside modelled memory is PAGE_TAB_HARDWARE_ERROR
 * with the entry's address; so is a failed A/D write. */
START_TEST(test_edge26_table_outside_memory)
{
	teardown();
	struct iref_sparse_mem_config mc = {.limit = 0x1000000};
	sm = iref_sparse_mem_create(&mc);
	mem = iref_sparse_mem_as_mem(sm);
	struct iref_walk_cfg c = a1_tables();
	w64(0x201d10, IRW | 0x2000000 | 1u << 9 | 1);
	const struct iref_walk_result *r = walk(&c, 0x1234567abc,
						IREF_ACC_WRITE);
	expect_fault(r, IREF_WF_BUS_ERROR, IREF_AMD_EV_PAGE_TAB_HW_ERROR, RW,
		     1);
	ck_assert_uint_eq(r->fault.addr, 0x1234567abc);
	ck_assert_uint_eq(r->fault.addr2, 0x2000000 + 0x167 * 8);
	ck_assert_uint_eq(r->n_acc, 2);
	c.root = 0x3000000;
	r = walk(&c, 0x1234567abc, IREF_ACC_READ);
	expect_fault(r, IREF_WF_BUS_ERROR, IREF_AMD_EV_PAGE_TAB_HW_ERROR, 0, 3);
	ck_assert_uint_eq(r->fault.addr2, 0x3000000 + 0x48 * 8);
	/* v2: GN in the flags. */
	struct iref_walk_cfg c2 = cfg_of("amd-v2", 0x3000000);
	expect_fault(walk(&c2, 0x123, IREF_ACC_READ), IREF_WF_BUS_ERROR,
		     IREF_AMD_EV_PAGE_TAB_HW_ERROR, GN, 4);
	/* A/D write refused. */
	c = a1_tables();
	w64(0x201d10, UINT64_C(0x6000000000202201));
	opt(&c, "had", "3");
	ck_assert_int_eq(iref_sparse_mem_add_fault(sm, 0x201d10, 0x201d17,
						   IREF_MEM_FAULT_WRITE),
			 IREF_OK);
	r = walk(&c, 0x1234567abc, IREF_ACC_READ);
	expect_fault(r, IREF_WF_BUS_ERROR, IREF_AMD_EV_PAGE_TAB_HW_ERROR, 0, 2);
	ck_assert_uint_eq(r->fault.addr2, 0x201d10);
}
END_TEST

/* ---- Builder ---- */

START_TEST(test_build_v1_roundtrip)
{
	struct iref_walk_cfg c = v1_cfg("4", 0);
	struct iref_pool pool = {0x100000, 0x800000};
	const struct iref_build_map maps[] = {
		{.va = GIB, .pa = 4 * GIB, .size = GIB,
		 .perm = IREF_PERM_R | IREF_PERM_W,
		 .attrs = IREF_AMD_V1_ATTR_FC},
		{.va = 0x200000, .pa = 0x800000, .size = 2 * MIB + 0x1000,
		 .perm = IREF_PERM_R, .attrs = IREF_AMD_V1_ATTR_U},
		{.va = UINT64_C(0x7f0000001000), .pa = 0x5000, .size = 0x3000,
		 .perm = IREF_PERM_W, .flags = IREF_BUILD_NO_DIRTY},
		{.va = 0x40000000 + 0x2000000, .pa = 0x9000000,
		 .size = 0x1000, .perm = IREF_PERM_R,
		 .flags = IREF_BUILD_NO_ACCESSED},
	};
	ck_assert_int_eq(iref_build(&c, mem, &pool, maps, 2, NULL), IREF_OK);
	ck_assert_uint_eq(c.root, 0x100000);
	/* Extend under the same root. */
	ck_assert_int_eq(iref_build(&c, mem, &pool, maps + 2, 1, NULL), IREF_OK);
	ck_assert_uint_eq(c.root, 0x100000);

	const struct iref_walk_result *r = walk(&c, GIB + 0x12345678,
						IREF_ACC_WRITE);
	expect_ok(r, 4 * GIB + 0x12345678, GIB);
	ck_assert_int_eq(r->level, 3);
	ck_assert_uint_eq(r->attrs, IREF_AMD_V1_ATTR_FC | IREF_AMD_V1_ATTR_A |
					    IREF_AMD_V1_ATTR_D);
	r = walk(&c, 0x3fffff, IREF_ACC_READ);
	expect_ok(r, 0x9fffff, 2 * MIB);
	ck_assert_int_eq(r->level, 2);
	ck_assert_uint_eq(r->attrs, IREF_AMD_V1_ATTR_U | IREF_AMD_V1_ATTR_A);
	expect_fault(walk(&c, 0x400000, IREF_ACC_WRITE), IREF_WF_PERMISSION,
		     IOPF, PR | PE | RW, 1);
	ck_assert_uint_eq(walk(&c, 0x400fff, IREF_ACC_READ)->pa, 0xa00fff);
	ck_assert_uint_eq(res.page_size, 0x1000);
	expect_fault(walk(&c, 0x401000, IREF_ACC_READ), IREF_WF_TRANSLATION,
		     IOPF, 0, 1);
	/* Write-only: v1 can deny reads. */
	expect_fault(walk(&c, UINT64_C(0x7f0000003008), IREF_ACC_READ),
		     IREF_WF_PERMISSION, IOPF, PR | PE, 1);
	r = walk(&c, UINT64_C(0x7f0000003008), IREF_ACC_WRITE);
	expect_ok(r, 0x7008, 0x1000);
	ck_assert_uint_eq(r->perm, IREF_PERM_W);
	ck_assert_uint_eq(r->attrs, IREF_AMD_V1_ATTR_A);
	/* Overlap: inside the 1 GiB page. */
	struct iref_diag d = {0};
	ck_assert_int_eq(iref_build(&c, mem, &pool, maps + 3, 1, &d),
			 IREF_E_INVAL);
	ck_assert_ptr_nonnull(strstr(d.msg, "overlaps"));
	/* Tables as Linux writes them: PR|IR|IW|NextLevel. */
	uint64_t top = r64(0x100000);
	ck_assert_uint_eq(top & UINT64_C(0xfff0000000000fff),
			  IRW | 3u << 9 | 1);
}
END_TEST

START_TEST(test_build_v1_small_modes)
{
	/* Mode 1: one table of 4 KiB pages. */
	struct iref_walk_cfg c = v1_cfg("1", 0);
	struct iref_pool pool = {0x100000, 0x200000};
	struct iref_build_map bm = {.va = 0x1ff000, .pa = 0x42000,
				    .size = 0x1000, .perm = IREF_PERM_R};
	ck_assert_int_eq(iref_build(&c, mem, &pool, &bm, 1, NULL), IREF_OK);
	const struct iref_walk_result *r = walk(&c, 0x1ff010, IREF_ACC_READ);
	expect_ok(r, 0x42010, 0x1000);
	ck_assert_uint_eq(r->n_acc, 1);
	expect_fault(walk(&c, 0x200000, IREF_ACC_READ), IREF_WF_TRANSLATION,
		     IOPF, PR, -1);
	/* Mode 2 with a 2 MiB page at the root. */
	c = v1_cfg("2", 0);
	bm = (struct iref_build_map){.va = 0x200000, .pa = 0x600000,
				     .size = 2 * MIB, .perm = IREF_PERM_W};
	ck_assert_int_eq(iref_build(&c, mem, &pool, &bm, 1, NULL), IREF_OK);
	expect_ok(walk(&c, 0x3fffff, IREF_ACC_WRITE), 0x7fffff, 2 * MIB);
	ck_assert_int_eq(res.level, 2);
}
END_TEST

START_TEST(test_build_v2_roundtrip)
{
	for (unsigned levels = 4; levels <= 5; levels++) {
		struct iref_walk_cfg c = cfg_of("amd-v2", 0);
		opt(&c, "levels", levels == 4 ? "4" : "5");
		struct iref_pool pool = {0x100000 * levels,
					 0x100000 * levels + 0x80000};
		const struct iref_build_map maps[] = {
			{.va = GIB, .pa = 2 * GIB, .size = GIB,
			 .perm = IREF_PERM_R | IREF_PERM_X,
			 .flags = IREF_BUILD_USER | IREF_BUILD_GLOBAL,
			 .attrs = IREF_AMD_V2_ATTR_PAT},
			{.va = UINT64_C(0xffff800000200000),
			 .pa = 0x800000, .size = 2 * MIB + 0x2000,
			 .perm = IREF_PERM_R | IREF_PERM_W,
			 .attrs = IREF_AMD_V2_ATTR_PCD},
		};
		size_t n = levels == 4 ? 2 : 1;
		ck_assert_int_eq(iref_build(&c, mem, &pool, maps, n, NULL),
				 IREF_OK);
		const struct iref_walk_result *r = walk(&c, GIB + 0x1234,
							IREF_ACC_EXEC);
		expect_ok(r, 2 * GIB + 0x1234, GIB);
		ck_assert(r->global);
		ck_assert_uint_eq(r->perm, IREF_PERM_R | IREF_PERM_X);
		ck_assert_uint_eq(r->attrs, IREF_AMD_V2_ATTR_PAT |
						    IREF_AMD_V2_ATTR_USER |
						    IREF_AMD_V2_ATTR_A);
		ck_assert_uint_eq(r->n_acc, levels - 2);
		expect_fault(walk(&c, GIB, IREF_ACC_WRITE), IREF_WF_PERMISSION,
			     IOPF, GN | PR | PE | US | RW, 3);
		if (levels == 5)
			continue;
		/* Supervisor-only mapping in the upper half. */
		r = walk_in(&c, mem, UINT64_C(0xffff800000400010),
			    IREF_ACC_WRITE, true);
		expect_ok(r, 0xa00010, 0x1000);
		ck_assert(!r->global);
		ck_assert_uint_eq(r->attrs,
				  IREF_AMD_V2_ATTR_PCD | IREF_AMD_V2_ATTR_NX |
					  IREF_AMD_V2_ATTR_A |
					  IREF_AMD_V2_ATTR_D);
		expect_fault(walk(&c, UINT64_C(0xffff800000200000),
				  IREF_ACC_READ),
			     IREF_WF_PERMISSION, IOPF, GN | PR | PE | US, 2);
		expect_fault(walk_in(&c, mem, UINT64_C(0xffff800000200000),
				     IREF_ACC_EXEC, true),
			     IREF_WF_PERMISSION, IOPF, GN | PR | PE | NX, 2);
	}
}
END_TEST

/* ---- Property tests ---- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64*: deterministic, good enough for test inputs. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * UINT64_C(0x2545f4914f6cdd1d);
}

static uint64_t below(uint64_t n)
{
	return rnd() % n;
}

#define NMAPS 48

/* Random mappings of mixed page sizes, each alone in its own 4 GiB slot
 * (so holes sit around every one): va_bits wide, upper half too if
 * upper is set (sign-extended 48-bit). */
static void gen_maps(struct iref_build_map *maps, size_t n, unsigned va_bits,
		     bool upper)
{
	uint64_t slots = UINT64_C(1) << (va_bits - 32 - (upper ? 1 : 0));
	uint64_t used[NMAPS];
	for (size_t i = 0; i < n; i++) {
		uint64_t s;
		bool dup;
		do {
			s = below(slots);
			dup = false;
			for (size_t j = 0; j < i; j++)
				dup |= used[j] == s;
		} while (dup);
		used[i] = s;
		uint64_t base = s << 32, off, size, pa;
		unsigned cls = (unsigned)below(10);
		if (cls < 6) {
			off = below((UINT64_C(1) << 20) - 64) << 12;
			size = (1 + below(64)) << 12;
			pa = below(UINT64_C(1) << 28) << 12;
		} else if (cls < 9) {
			off = below(2040) << 21;
			size = (1 + below(4)) << 21 |
			       (below(2) ? below(16) << 12 : 0);
			pa = below(UINT64_C(1) << 19) << 21;
		} else {
			off = below(2) << 30;
			size = GIB + (below(2) ? 2 * MIB : 0);
			pa = below(512) << 30;
		}
		if (upper && below(2))
			base |= UINT64_C(0xffff800000000000);
		maps[i] = (struct iref_build_map){
			.va = base + off, .pa = (UINT64_C(1) << 32) + pa,
			.size = size,
		};
	}
}

static const struct iref_build_map *lookup(const struct iref_build_map *maps,
					   size_t n, uint64_t addr)
{
	for (size_t i = 0; i < n; i++)
		if (addr - maps[i].va < maps[i].size)
			return &maps[i];
	return NULL;
}

/* An address inside a random mapping, or anywhere in the space. */
static uint64_t pick_addr(const struct iref_build_map *maps, size_t n,
			  unsigned va_bits, bool upper)
{
	if (below(10) < 7) {
		const struct iref_build_map *bm = &maps[below(n)];
		return bm->va + below(bm->size);
	}
	uint64_t a = below(UINT64_C(1) << (va_bits - (upper ? 1 : 0)));
	return upper && below(2) ? a | UINT64_C(0xffff800000000000) : a;
}

static unsigned pick_access(void)
{
	static const unsigned acc[] = {IREF_ACC_READ, IREF_ACC_WRITE,
				       IREF_ACC_EXEC};
	return acc[below(3)];
}

/* The leaf's page lies inside the mapping and keeps the offset. */
static void check_page(const struct iref_walk_result *r,
		       const struct iref_build_map *bm, uint64_t addr)
{
	uint64_t ps = r->page_size;
	ck_assert(ps == 0x1000 || ps == 2 * MIB || ps == GIB);
	ck_assert_uint_eq(r->pa, bm->pa + (addr - bm->va));
	uint64_t page = addr & ~(ps - 1);
	ck_assert(page - bm->va < bm->size &&
		  page + ps - 1 - bm->va < bm->size);
}

START_TEST(test_property_v1)
{
	rng_state = UINT64_C(0x9e3779b97f4a7c15);
	for (unsigned round = 0; round < 4; round++) {
		teardown();
		setup();
		bool mode4 = round & 1;
		unsigned va_bits = mode4 ? 48 : 39;
		struct iref_walk_cfg c = v1_cfg(mode4 ? "4" : "3", 0);
		struct iref_build_map maps[NMAPS];
		gen_maps(maps, NMAPS, va_bits, false);
		for (size_t i = 0; i < NMAPS; i++) {
			static const unsigned perms[] = {
				IREF_PERM_R, IREF_PERM_W, IREF_PERM_X,
				IREF_PERM_R | IREF_PERM_W,
				IREF_PERM_R | IREF_PERM_X};
			maps[i].perm = perms[below(5)];
			maps[i].flags = below(4) ? 0 : IREF_BUILD_NO_ACCESSED;
			maps[i].attrs = (uint32_t)below(4);
		}
		struct iref_pool pool = {0x1000000, 0x40000000};
		ck_assert_int_eq(iref_build(&c, mem, &pool, maps, NMAPS, NULL),
				 IREF_OK);
		for (unsigned k = 0; k < 3000; k++) {
			uint64_t addr = pick_addr(maps, NMAPS, va_bits, false);
			unsigned acc = pick_access();
			const struct iref_walk_result *r = walk(&c, addr, acc);
			const struct iref_build_map *bm =
				lookup(maps, NMAPS, addr);
			uint32_t rw = acc == IREF_ACC_WRITE ? RW : 0;
			ck_assert_uint_le(r->n_acc, mode4 ? 4 : 3);
			if (!bm) {
				expect_fault(r, IREF_WF_TRANSLATION, IOPF, rw,
					     r->fault.level);
				ck_assert_int_ge(r->fault.level, 1);
				continue;
			}
			unsigned perm =
				(bm->perm & (IREF_PERM_R | IREF_PERM_X)
					 ? IREF_PERM_R | IREF_PERM_X
					 : 0) |
				(bm->perm & IREF_PERM_W);
			if (!(perm & acc)) {
				expect_fault(r, IREF_WF_PERMISSION, IOPF,
					     PR | PE | rw, r->fault.level);
				ck_assert_int_ge(r->fault.level, 1);
				ck_assert_int_le(r->fault.level, 3);
				continue;
			}
			ck_assert(r->ok);
			check_page(r, bm, addr);
			ck_assert_uint_eq(r->perm, perm);
			uint32_t attrs =
				bm->attrs |
				(bm->flags & IREF_BUILD_NO_ACCESSED
					 ? 0
					 : IREF_AMD_V1_ATTR_A) |
				(bm->perm & IREF_PERM_W ? IREF_AMD_V1_ATTR_D
							: 0);
			ck_assert_uint_eq(r->attrs, attrs);
		}
	}
}
END_TEST

START_TEST(test_property_v2)
{
	rng_state = UINT64_C(0x0123456789abcdef);
	for (unsigned round = 0; round < 4; round++) {
		teardown();
		setup();
		bool five = round & 1;
		unsigned va_bits = five ? 57 : 48;
		struct iref_walk_cfg c = cfg_of("amd-v2", 0);
		opt(&c, "levels", five ? "5" : "4");
		struct iref_build_map maps[NMAPS];
		gen_maps(maps, NMAPS, va_bits, !five);
		for (size_t i = 0; i < NMAPS; i++) {
			maps[i].perm = IREF_PERM_R |
				       (below(2) ? IREF_PERM_W : 0) |
				       (below(2) ? IREF_PERM_X : 0);
			maps[i].flags = (below(2) ? IREF_BUILD_USER : 0) |
					(below(4) ? 0 : IREF_BUILD_GLOBAL) |
					(below(4) ? 0 : IREF_BUILD_NO_DIRTY);
			maps[i].attrs = (uint32_t)below(8);
		}
		struct iref_pool pool = {0x1000000, 0x40000000};
		ck_assert_int_eq(iref_build(&c, mem, &pool, maps, NMAPS, NULL),
				 IREF_OK);
		static uint64_t dirtied[3000];
		unsigned n_dirtied = 0;
		for (unsigned k = 0; k < 3000; k++) {
			uint64_t addr = pick_addr(maps, NMAPS, va_bits, !five);
			if (!five && below(20) == 0)
				addr = rnd(); /* mostly non-canonical */
			unsigned acc = pick_access();
			bool priv = below(2);
			const struct iref_walk_result *r =
				walk_in(&c, mem, addr, acc, priv);
			uint32_t req = GN | (priv ? 0 : US) |
				       (acc == IREF_ACC_WRITE ? RW : 0) |
				       (acc == IREF_ACC_EXEC ? NX : 0);
			ck_assert_uint_le(r->n_acc, five ? 10 : 8);
			unsigned top = five ? 56 : 47;
			uint64_t high = addr >> top;
			if (high != 0 && high != UINT64_MAX >> top) {
				expect_fault(r, IREF_WF_TRANSLATION, IOPF, req,
					     -1);
				continue;
			}
			const struct iref_build_map *bm =
				lookup(maps, NMAPS, addr);
			if (!bm) {
				expect_fault(r, IREF_WF_TRANSLATION, IOPF, req,
					     r->fault.level);
				ck_assert_int_ge(r->fault.level, 1);
				continue;
			}
			bool user = bm->flags & IREF_BUILD_USER;
			unsigned perm = priv || user ? bm->perm : 0;
			if (!(perm & acc)) {
				expect_fault(r, IREF_WF_PERMISSION, IOPF,
					     req | PR | PE, r->fault.level);
				continue;
			}
			ck_assert(r->ok);
			check_page(r, bm, addr);
			ck_assert_uint_eq(r->perm, perm);
			ck_assert_uint_eq(r->global,
					  (bm->flags & IREF_BUILD_GLOBAL) != 0);
			/* D: built so, or set by this or an earlier write
			 * to the same page. */
			uint64_t page = addr & ~(r->page_size - 1);
			bool dirty = (bm->perm & IREF_PERM_W) &&
				     !(bm->flags & IREF_BUILD_NO_DIRTY);
			for (unsigned j = 0; j < n_dirtied && !dirty; j++)
				dirty = dirtied[j] == page;
			if (acc == IREF_ACC_WRITE && !dirty)
				dirtied[n_dirtied++] = page;
			dirty |= acc == IREF_ACC_WRITE;
			uint32_t attrs =
				bm->attrs | IREF_AMD_V2_ATTR_A |
				(user ? IREF_AMD_V2_ATTR_USER : 0) |
				(bm->perm & IREF_PERM_X ? 0
							: IREF_AMD_V2_ATTR_NX) |
				(dirty ? IREF_AMD_V2_ATTR_D : 0);
			ck_assert_uint_eq(r->attrs, attrs);
		}
	}
}
END_TEST

/* ---- Hostile memory ---- */

/* Worst cases the core allows: a stage restarts at most 4 times when
 * its A/D compare-and-swap finds memory changed (an entry read twice
 * through a self-referencing table), each attempt at most 6 reads and 6
 * writes; nested: every guest read and update costs a host walk. */
#define HOSTILE_MAX_SINGLE (4 * (6 + 6))
#define HOSTILE_MAX_NESTED                                                \
	(4 * (5 * (HOSTILE_MAX_SINGLE + 1) * 2) + HOSTILE_MAX_SINGLE)

static uint64_t garbage(uint64_t table, uint64_t lo, uint64_t pages)
{
	uint64_t page = lo + (below(pages) << 12);
	switch (below(6)) {
	case 0:
		return rnd();
	case 1:
		return 0;
	case 2: /* a present entry pointing into the region */
		return page | (rnd() & UINT64_C(0xf000000000000fff)) | 1;
	case 3: /* to its own table, any NextLevel */
		return table | (rnd() & UINT64_C(0x6000000000000eff)) | 1;
	case 4: /* beyond memory */
		return (rnd() & UINT64_C(0x000ffffffffff000)) | IRW | 1 |
		       below(8) << 9;
	default: /* a v1 NextLevel 7 page of random size */
		return (rnd() & UINT64_C(0x000ffffffffff000)) | IRW |
		       7u << 9 | 1;
	}
}

static void random_options(struct iref_walk_cfg *c)
{
	struct iref_amd_cfg *a = &c->u.amd;
	a->pa_size = (uint8_t)(32 + below(21));
	a->perm_check = (uint8_t)below(2);
	a->mode = (uint8_t)(1 + below(7));
	a->hats = (uint8_t)below(4);
	a->had = (uint8_t)below(4);
	a->ir = below(4);
	a->iw = below(4);
	a->iova_check = below(2);
	a->bad_mode = (uint8_t)below(2);
	a->levels = (uint8_t)(4 + below(2));
	a->gats = (uint8_t)below(2);
	a->ussup = below(2);
	a->nxsup = below(2);
	a->wp = below(2);
	a->canonical = (uint8_t)below(3);
	a->noncanon_rz = below(2);
	a->sup_user_block = below(2);
	a->nx_reserved = below(2);
	a->ga_update_dis = below(2);
	a->gd_update_dis = below(2);
}

static void check_sane(const struct iref_walk_result *r, uint64_t addr,
		       unsigned acc, unsigned max_acc)
{
	ck_assert_uint_le(r->n_acc, max_acc);
	if (r->ok) {
		uint64_t ps = r->page_size;
		ck_assert(ps >= 0x1000 && (ps & (ps - 1)) == 0);
		ck_assert_uint_eq(r->pa & (ps - 1), addr & (ps - 1));
		ck_assert(r->perm & acc);
		return;
	}
	ck_assert_int_ne(r->fault.reason, IREF_WF_NONE);
	ck_assert(r->fault.code == IOPF ||
		  r->fault.code == IREF_AMD_EV_ILLEGAL_DEV_TABLE_ENTRY ||
		  r->fault.code == IREF_AMD_EV_PAGE_TAB_HW_ERROR);
	ck_assert_int_ge(r->fault.level, -1);
	ck_assert_int_le(r->fault.level, 6);
	ck_assert_uint_eq(r->fault.flags & ~0x1ffu, 0);
}

START_TEST(test_hostile_memory)
{
	teardown();
	struct iref_sparse_mem_config mc = {.limit = 0x400000};
	sm = iref_sparse_mem_create(&mc);
	mem = iref_sparse_mem_as_mem(sm);
	rng_state = UINT64_C(0xdeadbeefcafef00d);
	const uint64_t lo = 0x100000, pages = 64;
	for (unsigned round = 0; round < 20; round++) {
		for (uint64_t p = 0; p < pages; p++)
			for (uint64_t e = 0; e < 512; e++)
				w64(lo + (p << 12) + e * 8,
				    garbage(lo + (p << 12), lo, pages));
		for (unsigned k = 0; k < 400; k++) {
			struct iref_walk_cfg c = cfg_of(
				below(2) ? "amd-v1" : "amd-v2",
				below(8) ? lo + (below(pages) << 12) : rnd());
			random_options(&c);
			uint64_t addr = below(2) ? rnd() : below(1u << 30);
			unsigned acc = pick_access();
			const struct iref_walk_result *r =
				walk_in(&c, mem, addr, acc, below(2));
			check_sane(r, addr, acc, HOSTILE_MAX_SINGLE);
			struct iref_walk_cfg s1 = cfg_of(
				"amd-v2", lo + (below(pages) << 12));
			struct iref_walk_cfg s2 = cfg_of(
				"amd-v1", lo + (below(pages) << 12));
			random_options(&s1);
			random_options(&s2);
			r = nested(&s1, &s2, addr, acc, below(2));
			check_sane(r, addr, acc, HOSTILE_MAX_NESTED);
			ck_assert(r->ok || r->fault.stage == 1 ||
				  r->fault.stage == 2);
		}
	}
}
END_TEST

/* ---- Nested against the composition of two single stages ---- */

/* Guest-physical memory seen by a single-stage walk: GPA [0, 1 GiB) is
 * host SPA [4 GiB, 5 GiB), as the host table below maps it. */
struct gpa_view {
	struct iref_mem base;
	uint64_t off;
};

static enum iref_rc view_read(void *ctx, uint64_t addr, void *buf,
			      size_t len)
{
	const struct gpa_view *v = ctx;
	return iref_mem_read(v->base, addr + v->off, buf, len);
}

static enum iref_rc view_write(void *ctx, uint64_t addr, const void *buf,
			       size_t len)
{
	const struct gpa_view *v = ctx;
	return iref_mem_write(v->base, addr + v->off, buf, len);
}

static const struct iref_mem_ops view_ops = {view_read, view_write};

START_TEST(test_nested_vs_composition)
{
	rng_state = UINT64_C(0x5eed5eed5eed5eed);
	struct gpa_view view = {mem, 4 * GIB};
	struct iref_mem gmem = {&view_ops, &view};

	/* Host: GPA [0, 1G) -> [4G, 5G) read/write for the guest tables,
	 * then random data mappings of GPAs [4G, 64G) with random rights
	 * (and holes). */
	struct iref_walk_cfg s2 = v1_cfg("3", 0);
	struct iref_build_map hmaps[NMAPS];
	hmaps[0] = (struct iref_build_map){
		.va = 0, .pa = 4 * GIB, .size = GIB,
		.perm = IREF_PERM_R | IREF_PERM_W,
	};
	for (size_t i = 1; i < NMAPS; i++) {
		uint64_t va = (4 + (i - 1)) * GIB + (below(512) << 21);
		hmaps[i] = (struct iref_build_map){
			.va = va,
			.pa = (UINT64_C(64) + below(1024)) * GIB +
			      (below(512) << 21),
			.size = (1 + below(64)) << 12,
			.perm = (unsigned)(1 + below(3)),
		};
		if (below(3) == 0)
			hmaps[i].size = (1 + below(3)) << 21;
	}
	struct iref_pool hpool = {0x1000000, 0x8000000};
	ck_assert_int_eq(iref_build(&s2, mem, &hpool, hmaps, NMAPS, NULL),
			 IREF_OK);

	/* Guest: random GVAs to GPAs near the host's data mappings. */
	struct iref_walk_cfg s1 = cfg_of("amd-v2", 0);
	struct iref_build_map gmaps[NMAPS];
	gen_maps(gmaps, NMAPS, 48, true);
	for (size_t i = 0; i < NMAPS; i++) {
		const struct iref_build_map *h = &hmaps[1 + below(NMAPS - 1)];
		uint64_t al = gmaps[i].size >= GIB     ? GIB
			      : gmaps[i].size >= 2 * MIB ? 2 * MIB
							 : 0x1000;
		gmaps[i].pa = (h->va & ~(al - 1)) +
			      (below(2) ? 0 : al * (1 + below(4)));
		gmaps[i].perm = IREF_PERM_R | (below(2) ? IREF_PERM_W : 0) |
				(below(2) ? IREF_PERM_X : 0);
		gmaps[i].flags = below(2) ? IREF_BUILD_USER : 0;
	}
	struct iref_pool gpool = {0x100000, 0x8000000}; /* GPAs */
	ck_assert_int_eq(iref_build(&s1, gmem, &gpool, gmaps, NMAPS, NULL),
			 IREF_OK);

	static struct iref_walk_result r1, r2, rn;
	unsigned both_ok = 0, s1_faults = 0, s2_faults = 0;
	for (unsigned k = 0; k < 4000; k++) {
		uint64_t addr = pick_addr(gmaps, NMAPS, 48, true);
		unsigned acc = pick_access();
		bool priv = below(2);
		struct iref_walk_req req = {addr, acc, priv};
		ck_assert_int_eq(iref_walk(&s1, gmem, &req, &r1), IREF_OK);
		ck_assert_int_eq(iref_walk_nested(&s1, &s2, mem, &req, &rn),
				 IREF_OK);
		if (!r1.ok) {
			s1_faults++;
			ck_assert(!rn.ok);
			ck_assert_uint_eq(rn.fault.stage, 1);
			ck_assert_int_eq(rn.fault.reason, r1.fault.reason);
			ck_assert_uint_eq(rn.fault.code, r1.fault.code);
			ck_assert_uint_eq(rn.fault.flags, r1.fault.flags);
			ck_assert_int_eq(rn.fault.level, r1.fault.level);
			ck_assert(!rn.fault.on_walk);
			continue;
		}
		struct iref_walk_req req2 = {r1.pa, acc, priv};
		ck_assert_int_eq(iref_walk(&s2, mem, &req2, &r2), IREF_OK);
		if (!r2.ok) {
			s2_faults++;
			ck_assert(!rn.ok);
			ck_assert_uint_eq(rn.fault.stage, 2);
			ck_assert(!rn.fault.on_walk);
			ck_assert_int_eq(rn.fault.reason, r2.fault.reason);
			ck_assert_uint_eq(rn.fault.code, r2.fault.code);
			ck_assert_uint_eq(rn.fault.flags, r2.fault.flags);
			ck_assert_int_eq(rn.fault.level, r2.fault.level);
			ck_assert_uint_eq(rn.fault.addr, addr);
			ck_assert_uint_eq(rn.fault.addr2, r1.pa);
			continue;
		}
		both_ok++;
		ck_assert(rn.ok);
		ck_assert_uint_eq(rn.pa, r2.pa);
		ck_assert_uint_eq(rn.page_size, r1.page_size < r2.page_size
							? r1.page_size
							: r2.page_size);
		ck_assert_uint_eq(rn.perm, r1.perm & r2.perm);
		ck_assert_uint_eq(rn.attrs, r1.attrs | r2.attrs << 16);
		ck_assert_int_eq(rn.level, r2.level);
		ck_assert_uint_eq(rn.global, r1.global);
		/* Each guest read costs a host read (one 1 GiB page) first. */
		ck_assert_uint_eq(rn.n_acc, 2 * r1.n_acc + r2.n_acc);
	}
	/* The mix exercised every outcome. */
	ck_assert_uint_gt(both_ok, 400);
	ck_assert_uint_gt(s1_faults, 400);
	ck_assert_uint_gt(s2_faults, 100);
}
END_TEST

static Suite *amd_suite(void)
{
	Suite *s = suite_create("walk_amd");
	TCase *tc = tcase_create("options");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_cfg_names_defaults);
	tcase_add_test(tc, test_cfg_set);
	tcase_add_test(tc, test_cfg_unusable_struct);
	suite_add_tcase(s, tc);

	tc = tcase_create("examples");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_a1_v1_mode3_4k);
	tcase_add_test(tc, test_a1_write_denied_iw_clear_at_l3);
	tcase_add_test(tc, test_a1_iova_above_mode3);
	tcase_add_test(tc, test_a2_skipped_level);
	tcase_add_test(tc, test_a3_nl7_32k_in_level1);
	tcase_add_test(tc, test_a4_nl7_8m_in_level2);
	tcase_add_test(tc, test_a5_v2_4level_ad);
	tcase_add_test(tc, test_a5_us_clear_in_pdpte);
	tcase_add_test(tc, test_ad_policy_as_walked);
	tcase_add_test(tc, test_a6_nested_reads);
	tcase_add_test(tc, test_a6_host_iw_clear);
	tcase_add_test(tc, test_a6_guest_a_update_is_host_write);
	suite_add_tcase(s, tc);

	tc = tcase_create("edge");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_edge03_bad_mode);
	tcase_add_test(tc, test_edge04_iova_range);
	tcase_add_test(tc, test_edge05_level6_root_index);
	tcase_add_test(tc, test_edge06_nextlevel_not_below);
	tcase_add_test(tc, test_edge07_skipped_levels);
	tcase_add_test(tc, test_edge08_nl0_large);
	tcase_add_test(tc, test_edge09_nl7_bounds);
	tcase_add_test(tc, test_edge10_replicas_differ);
	tcase_add_test(tc, test_edge11_reserved_bits);
	tcase_add_test(tc, test_edge12_permission_and);
	tcase_add_test(tc, test_edge13_host_ad);
	tcase_add_test(tc, test_edge14_v2_ps);
	tcase_add_test(tc, test_edge15_v2_upper_rights);
	tcase_add_test(tc, test_edge16_v2_ad);
	tcase_add_test(tc, test_edge17_v2_levels_canonical);
	tcase_add_test(tc, test_edge21_nested_host_faults);
	tcase_add_test(tc, test_edge26_table_outside_memory);
	suite_add_tcase(s, tc);

	tc = tcase_create("builder");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_build_v1_roundtrip);
	tcase_add_test(tc, test_build_v1_small_modes);
	tcase_add_test(tc, test_build_v2_roundtrip);
	suite_add_tcase(s, tc);

	tc = tcase_create("property");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_property_v1);
	tcase_add_test(tc, test_property_v2);
	tcase_add_test(tc, test_hostile_memory);
	tcase_add_test(tc, test_nested_vs_composition);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return iref_test_run(amd_suite());
}
