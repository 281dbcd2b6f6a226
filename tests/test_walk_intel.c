/* The Intel VT-d walkers, "intel-fs" and "intel-ss": every worked example
 * (§11, I-1 .. I-5) and every walk edge case (§12) of the VT-d page-table
 * reference, options, builder round trips, property tests against a flat
 * reference map, hostile memory, and nested walks against the composition
 * of two single-stage walks. Section numbers: docs/walker-intel.md. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "iommu-ref/walk.h"
#include "testutil.h"
#include "walk_fixture.h"

#define K4 UINT64_C(0x1000)
#define M2 UINT64_C(0x200000)
#define G1 UINT64_C(0x40000000)

#define R IREF_PERM_R
#define W IREF_PERM_W
#define X IREF_PERM_X
#define ACC_R IREF_ACC_READ
#define ACC_W IREF_ACC_WRITE
#define ACC_X IREF_ACC_EXEC
#define USER false
#define SUP true

/* Bits hi..lo set. */
static uint64_t bits(unsigned hi, unsigned lo)
{
	return (~UINT64_C(0) >> (63 - hi)) & ~((UINT64_C(1) << lo) - 1);
}

static void opt(struct iref_walk_cfg *c, const char *key, const char *val)
{
	struct iref_diag d = {0};
	ck_assert_msg(iref_walk_cfg_set(c, key, val, &d) == IREF_OK,
		      "%s=%s: %s", key, val, d.msg);
}

static struct iref_walk_cfg fs_cfg(uint64_t root)
{
	struct iref_walk_cfg c;
	ck_assert_int_eq(iref_walk_cfg_init(&c, "intel-fs", NULL), IREF_OK);
	c.root = root;
	return c;
}

static struct iref_walk_cfg ss_cfg(uint64_t root)
{
	struct iref_walk_cfg c;
	ck_assert_int_eq(iref_walk_cfg_init(&c, "intel-ss", NULL), IREF_OK);
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
	ck_assert_msg(r->ok, "fault code 0x%x reason %s level %d stage %u",
		      r->fault.code, iref_wfault_name(r->fault.reason),
		      r->fault.level, r->fault.stage);
	ck_assert_uint_eq(r->pa, pa);
	ck_assert_uint_eq(r->page_size, size);
	ck_assert_uint_eq(r->perm, perm);
}

static void expect_fault(const struct iref_walk_result *r,
			 enum iref_wfault reason, uint32_t code, int level,
			 unsigned stage)
{
	ck_assert_msg(!r->ok, "walk succeeded: pa 0x%llx",
		      (unsigned long long)r->pa);
	ck_assert_str_eq(iref_wfault_name(r->fault.reason),
			 iref_wfault_name(reason));
	ck_assert_uint_eq(r->fault.code, code);
	ck_assert_int_eq(r->fault.level, level);
	ck_assert_uint_eq(r->fault.stage, stage);
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
		       uint64_t value)
{
	ck_assert_uint_lt(i, r->n_acc);
	ck_assert_uint_eq(r->acc[i].kind, kind);
	ck_assert_uint_eq(r->acc[i].addr, addr);
	ck_assert_uint_eq(r->acc[i].value, value);
	ck_assert_uint_eq(r->acc[i].size, 8);
}

/* ---- §11 worked examples ---- */

#define I1_IOVA UINT64_C(0x00007f1234567abc)
#define I1_PML4E UINT64_C(0x1007f0)
#define I1_PDPTE UINT64_C(0x101240)
#define I1_PDE UINT64_C(0x102d10)
#define I1_PTE UINT64_C(0x103b38)

/* The I-1 tables, each entry at its address + off. */
static void i1_tables(uint64_t off, uint64_t pte)
{
	w64(I1_PML4E + off, 0x101007);
	w64(I1_PDPTE + off, 0x102007);
	w64(I1_PDE + off, 0x103007);
	w64(I1_PTE + off, pte);
}

START_TEST(test_ex_i1_user_read_then_write)
{
	i1_tables(0, 0x80000007);
	struct iref_walk_cfg c = fs_cfg(0x100000);
	const struct iref_walk_result *r = walk(&c, I1_IOVA, ACC_R, USER);
	expect_ok(r, 0x80000abc, 0x1000, R | W);
	ck_assert_int_eq(r->level, 1);
	ck_assert(r->attrs & IREF_INTEL_FS_ATTR_USER);
	ck_assert_uint_eq(r->n_acc, 8);
	static const uint64_t ea[4] = {I1_PML4E, I1_PDPTE, I1_PDE, I1_PTE};
	static const uint64_t before[4] = {0x101007, 0x102007, 0x103007,
					   0x80000007};
	for (unsigned i = 0; i < 4; i++) {
		expect_acc(r, i, IREF_WALK_RD, ea[i], before[i]);
		ck_assert_int_eq(r->acc[i].level, 4 - (int)i);
		ck_assert_uint_eq(r->acc[i].stage, 1);
		expect_acc(r, 4 + i, IREF_WALK_WR, ea[i], before[i] | 0x20);
		ck_assert_uint_eq(r64(ea[i]), before[i] | 0x20);
	}
	ck_assert(r->attrs & IREF_INTEL_FS_ATTR_A);
	ck_assert(!(r->attrs & IREF_INTEL_FS_ATTR_D));

	r = walk(&c, I1_IOVA, ACC_W, USER);
	expect_ok(r, 0x80000abc, 0x1000, R | W);
	ck_assert_uint_eq(count(r, IREF_WALK_RD), 4);
	ck_assert_uint_eq(count(r, IREF_WALK_WR), 1);
	expect_acc(r, 4, IREF_WALK_WR, I1_PTE, 0x80000067);
	ck_assert_uint_eq(r64(I1_PTE), 0x80000067);
	ck_assert_uint_eq(r64(I1_PDE), 0x103027);
	ck_assert(r->attrs & IREF_INTEL_FS_ATTR_D);
}
END_TEST

START_TEST(test_ex_i2_2m_page)
{
	i1_tables(0, 0x80000007);
	w64(0x102d18, 0x40200087);
	struct iref_walk_cfg c = fs_cfg(0x100000);
	const struct iref_walk_result *r =
		walk(&c, 0x00007f1234601234, ACC_R, USER);
	expect_ok(r, 0x40201234, 0x200000, R | W);
	ck_assert_int_eq(r->level, 2);
	ck_assert_uint_eq(count(r, IREF_WALK_RD), 3);
	ck_assert(!(r->attrs & IREF_INTEL_FS_ATTR_PAT));

	w64(0x102d18, 0x40201087); /* bit 12: PAT */
	r = walk(&c, 0x00007f1234601234, ACC_R, USER);
	expect_ok(r, 0x40201234, 0x200000, R | W);
	ck_assert(r->attrs & IREF_INTEL_FS_ATTR_PAT);

	w64(0x102d18, 0x40202087); /* bit 13: alignment, reserved */
	r = walk(&c, 0x00007f1234601234, ACC_R, USER);
	expect_fault(r, IREF_WF_TRANSLATION, IREF_INTEL_FR_SFS_3, 2, 1);
	ck_assert_uint_eq(r64(0x102d18), 0x40202087); /* no A on a fault */
}
END_TEST

/* §4.5 ad_policy: as_walked writes each entry's A as soon as it passes its
 * own checks, so a fault below leaves the upper A bits set (QEMU); the
 * faulting entry itself is never written. on_success writes nothing. */
START_TEST(test_ad_policy_as_walked)
{
	static const uint64_t ea[4] = {I1_PML4E, I1_PDPTE, I1_PDE, I1_PTE};
	static const uint64_t val[4] = {0x101007, 0x102007, 0x103007,
					0x80000005}; /* leaf read-only */
	i1_tables(0, val[3]);
	struct iref_walk_cfg c = fs_cfg(0x100000);
	const struct iref_walk_result *r = walk(&c, I1_IOVA, ACC_W, USER);
	expect_fault(r, IREF_WF_PERMISSION, IREF_INTEL_FR_SGN_6, 1, 1);
	ck_assert_uint_eq(count(r, IREF_WALK_WR), 0);
	ck_assert_uint_eq(r64(I1_PML4E), val[0]);

	opt(&c, "ad_policy", "as_walked");
	r = walk(&c, I1_IOVA, ACC_W, USER);
	expect_fault(r, IREF_WF_PERMISSION, IREF_INTEL_FR_SGN_6, 1, 1);
	ck_assert_uint_eq(r->n_acc, 7);
	for (unsigned i = 0; i < 3; i++) {
		expect_acc(r, 2 * i, IREF_WALK_RD, ea[i], val[i]);
		expect_acc(r, 2 * i + 1, IREF_WALK_WR, ea[i], val[i] | 0x20);
		ck_assert_uint_eq(r64(ea[i]), val[i] | 0x20);
	}
	expect_acc(r, 6, IREF_WALK_RD, I1_PTE, val[3]);
	ck_assert_uint_eq(r64(I1_PTE), val[3]);

	/* A read succeeds and sets the leaf's A too, in walk order. */
	r = walk(&c, I1_IOVA, ACC_R, USER);
	expect_ok(r, 0x80000abc, 0x1000, R);
	ck_assert_uint_eq(r->n_acc, 5);
	expect_acc(r, 4, IREF_WALK_WR, I1_PTE, val[3] | 0x20);
}
END_TEST

START_TEST(test_ex_i3_faults)
{
	i1_tables(0, 0x80000007);
	struct iref_walk_cfg c = fs_cfg(0x100000);
	const struct iref_walk_result *r;

	r = walk(&c, 0x0000800000000000, ACC_R, USER);
	expect_fault(r, IREF_WF_TRANSLATION, IREF_INTEL_FR_SGN_1, -1, 1);
	ck_assert_uint_eq(r->n_acc, 0);
	ck_assert_uint_eq(r->fault.addr, 0x0000800000000000);

	r = walk(&c, 0xffff800000000000, ACC_R, USER);
	expect_fault(r, IREF_WF_TRANSLATION, IREF_INTEL_FR_SFS_2, 4, 1);
	ck_assert_uint_eq(r->n_acc, 1);
	expect_acc(r, 0, IREF_WALK_RD, 0x100800, 0);

	w64(I1_PTE, 0x80000005);
	r = walk(&c, I1_IOVA, ACC_W, USER);
	expect_fault(r, IREF_WF_PERMISSION, IREF_INTEL_FR_SGN_6, 1, 1);

	opt(&c, "sre", "1");
	r = walk(&c, I1_IOVA, ACC_W, SUP);
	expect_ok(r, 0x80000abc, 0x1000, R | W);
	ck_assert_uint_eq(r64(I1_PTE), 0x80000065);

	w64(I1_PTE, 0x80000005);
	opt(&c, "wpe", "1");
	r = walk(&c, I1_IOVA, ACC_W, SUP);
	expect_fault(r, IREF_WF_PERMISSION, IREF_INTEL_FR_SGN_6, 1, 1);

	c = fs_cfg(0x100000);
	w64(I1_PTE, 0x80000007);
	w64(I1_PDE, 0x103003);
	r = walk(&c, I1_IOVA, ACC_R, USER);
	expect_fault(r, IREF_WF_PERMISSION, IREF_INTEL_FR_SGN_2, 1, 1);
	r = walk(&c, I1_IOVA, ACC_R, SUP); /* SRE=0 */
	expect_fault(r, IREF_WF_PERMISSION, IREF_INTEL_FR_SPT_6, -1, 1);
	ck_assert_uint_eq(r->n_acc, 0);

	w64(I1_PDE, 0x103007);
	w64(I1_PML4E, 0x101087);
	r = walk(&c, I1_IOVA, ACC_R, USER);
	expect_fault(r, IREF_WF_TRANSLATION, IREF_INTEL_FR_SFS_3, 4, 1);
	ck_assert_uint_eq(r->n_acc, 1);

	w64(I1_PML4E, 0x101007);
	w64(I1_PTE, 0xfee00007);
	r = walk(&c, I1_IOVA, ACC_R, USER);
	expect_fault(r, IREF_WF_PERMISSION, IREF_INTEL_FR_SGN_8, 1, 1);
}
END_TEST

static void i4_tables(void)
{
	w64(0x200000, 0x201003);
	w64(0x201020, 0x1c0000083);
}

START_TEST(test_ex_i4_ss_1g)
{
	i4_tables();
	struct iref_walk_cfg c = ss_cfg(0x200000);
	const struct iref_walk_result *r =
		walk(&c, 0x123456789, ACC_R, SUP);
	expect_ok(r, 0x1e3456789, 0x40000000, R | W);
	ck_assert_int_eq(r->level, 3);
	ck_assert_uint_eq(r->n_acc, 2);
	expect_acc(r, 0, IREF_WALK_RD, 0x200000, 0x201003);
	expect_acc(r, 1, IREF_WALK_RD, 0x201020, 0x1c0000083);
	ck_assert_uint_eq(r->acc[0].stage, 2);

	opt(&c, "sllps", "1"); /* 2 MiB only */
	r = walk(&c, 0x123456789, ACC_R, SUP);
	expect_fault(r, IREF_WF_TRANSLATION, IREF_INTEL_FR_SSS_3, 3, 2);

	c = ss_cfg(0x200000);
	opt(&c, "mgaw", "32");
	r = walk(&c, 0x123456789, ACC_R, SUP);
	expect_fault(r, IREF_WF_TRANSLATION, IREF_INTEL_FR_SGN_5, -1, 2);
	ck_assert_uint_eq(r->n_acc, 0);
	opt(&c, "mgaw", "39");
	expect_ok(walk(&c, 0x123456789, ACC_R, SUP), 0x1e3456789, G1, R | W);
}
END_TEST

#define I5_HOST UINT64_C(0x100000000)

/* I-5: FS 4-level (tables at GPAs) over SS 3-level (GPA [0, 1 GiB) ->
 * HPA [4 GiB, 5 GiB) by one 1 GiB leaf). fs_a: FS entries' A bit. */
static void i5_setup(struct iref_walk_cfg *fs, struct iref_walk_cfg *ss,
		     uint64_t ss_leaf, uint64_t fs_a)
{
	w64(0x300000, ss_leaf);
	w64(I1_PML4E + I5_HOST, 0x101007 | fs_a);
	w64(I1_PDPTE + I5_HOST, 0x102007 | fs_a);
	w64(I1_PDE + I5_HOST, 0x103007 | fs_a);
	w64(I1_PTE + I5_HOST, 0x8000007 | fs_a);
	*fs = fs_cfg(0x100000);
	*ss = ss_cfg(0x300000);
	opt(ss, "aw", "1");
}

START_TEST(test_ex_i5_nested)
{
	struct iref_walk_cfg fs, ss;
	/* A already set, so that the walk is the reads the example lists. */
	i5_setup(&fs, &ss, 0x100000083, 0x20);
	const struct iref_walk_result *r = walk2(&fs, &ss, I1_IOVA, ACC_R,
						 USER);
	expect_ok(r, 0x108000abc, 0x1000, R | W);
	static const uint64_t order[9] = {
		0x300000, 0x1001007f0, 0x300000, 0x100101240, 0x300000,
		0x100102d10, 0x300000, 0x100103b38, 0x300000,
	};
	static const unsigned stage[9] = {2, 1, 2, 1, 2, 1, 2, 1, 2};
	ck_assert_uint_eq(r->n_acc, 9);
	for (unsigned i = 0; i < 9; i++) {
		ck_assert_uint_eq(r->acc[i].kind, IREF_WALK_RD);
		ck_assert_uint_eq(r->acc[i].addr, order[i]);
		ck_assert_uint_eq(r->acc[i].stage, stage[i]);
	}
	ck_assert_int_eq(r->level, 3); /* the SS leaf */
}
END_TEST

START_TEST(test_ex_i5_nested_a_updates)
{
	/* The I-1 values (A clear): the result is the same, and each A write
	 * lands at the entry's host address. */
	struct iref_walk_cfg fs, ss;
	i5_setup(&fs, &ss, 0x100000083, 0);
	const struct iref_walk_result *r = walk2(&fs, &ss, I1_IOVA, ACC_R,
						 USER);
	expect_ok(r, 0x108000abc, 0x1000, R | W);
	ck_assert_uint_eq(count(r, IREF_WALK_WR), 4);
	ck_assert_uint_eq(r64(I1_PML4E + I5_HOST), 0x101027);
	ck_assert_uint_eq(r64(I1_PTE + I5_HOST), 0x8000027);
	ck_assert_uint_eq(r->acc[r->n_acc - 1].addr, 0x300000);
}
END_TEST

START_TEST(test_ex_i5_nested_ss_readonly)
{
	struct iref_walk_cfg fs, ss;
	i5_setup(&fs, &ss, 0x100000081, 0); /* SS R only */
	const struct iref_walk_result *r = walk2(&fs, &ss, I1_IOVA, ACC_R,
						 USER);
	expect_fault(r, IREF_WF_PERMISSION, IREF_INTEL_FR_SGN_6, 3, 2);
	ck_assert(r->fault.on_walk);
	ck_assert_uint_eq(r->fault.addr, I1_IOVA);
	ck_assert_uint_eq(r->fault.addr2, I1_PML4E); /* the entry's GPA */
	ck_assert_uint_eq(count(r, IREF_WALK_WR), 0);
	ck_assert_uint_eq(r64(I1_PML4E + I5_HOST), 0x101007);
}
END_TEST

/* ---- Options ---- */

START_TEST(test_options)
{
	struct iref_walk_cfg c;
	struct iref_diag d = {0};
	ck_assert_int_eq(iref_walk_cfg_init(&c, "intel-fs", &d), IREF_OK);
	ck_assert_int_eq(c.fmt, IREF_FMT_INTEL_FS);
	ck_assert_str_eq(iref_walk_cfg_name(&c), "intel-fs");
	ck_assert_uint_eq(c.u.intel.levels, 4);
	ck_assert_uint_eq(c.u.intel.haw, 48);
	ck_assert(c.u.intel.fl1gp && c.u.intel.xd_reserved);
	ck_assert(c.u.intel.intr_check);
	ck_assert(!c.u.intel.sre && !c.u.intel.wpe && !c.u.intel.nxe);
	ck_assert_uint_eq(c.u.intel.code_sre_blocked, 0x5d);
	ck_assert_uint_eq(c.u.intel.code_ere_blocked, 0x5c);
	opt(&c, "levels", "5");
	ck_assert_uint_eq(c.u.intel.levels, 5);
	opt(&c, "perm_check", "per_level");
	ck_assert_uint_eq(c.u.intel.perm_check, IREF_INTEL_PERM_PER_LEVEL);
	opt(&c, "nxe", "on");
	ck_assert(c.u.intel.nxe);
	opt(&c, "code_sre_blocked", "0x5c");
	ck_assert_uint_eq(c.u.intel.code_sre_blocked, 0x5c);
	ck_assert_int_eq(iref_walk_cfg_set(&c, "levels", "3", &d),
			 IREF_E_RANGE);
	ck_assert_int_eq(iref_walk_cfg_set(&c, "haw", "53", &d), IREF_E_RANGE);
	ck_assert_int_eq(iref_walk_cfg_set(&c, "sllps", "1", &d),
			 IREF_E_INVAL); /* an SS option */
	ck_assert_ptr_nonnull(strstr(d.msg, "sllps"));
	ck_assert_int_eq(iref_walk_cfg_set(&c, "perm_check", "never", &d),
			 IREF_E_INVAL);
	ck_assert_int_eq(iref_walk_cfg_set(&c, "wpe", "maybe", &d),
			 IREF_E_INVAL);
	ck_assert_uint_eq(c.u.intel.levels, 5); /* unchanged by failures */

	ck_assert_int_eq(iref_walk_cfg_init(&c, "intel-ss", &d), IREF_OK);
	ck_assert_int_eq(c.fmt, IREF_FMT_INTEL_SS);
	ck_assert_str_eq(iref_walk_cfg_name(&c), "intel-ss");
	ck_assert_uint_eq(c.u.intel.levels, 4);
	ck_assert_uint_eq(c.u.intel.mgaw, 48);
	ck_assert_uint_eq(c.u.intel.sllps, 3);
	ck_assert(c.u.intel.sc && !c.u.intel.dt && !c.u.intel.legacy);
	opt(&c, "aw", "3");
	ck_assert_uint_eq(c.u.intel.levels, 5);
	opt(&c, "levels", "3");
	ck_assert_uint_eq(c.u.intel.levels, 3);
	ck_assert_int_eq(iref_walk_cfg_set(&c, "aw", "0", &d), IREF_E_RANGE);
	ck_assert_int_eq(iref_walk_cfg_set(&c, "sllps", "4", &d),
			 IREF_E_RANGE);
	ck_assert_int_eq(iref_walk_cfg_set(&c, "sre", "1", &d), IREF_E_INVAL);
	opt(&c, "mgaw", "64");
	ck_assert_uint_eq(c.u.intel.mgaw, 64);

	ck_assert_int_eq(iref_walk_cfg_init(&c, "intel-fx", &d), IREF_E_INVAL);
}
END_TEST

START_TEST(test_fault_names)
{
	ck_assert_str_eq(iref_intel_fr_name(IREF_INTEL_FR_SFS_2), "SFS.2");
	ck_assert_str_eq(iref_intel_fr_name(IREF_INTEL_FR_SFS_10), "SFS.10");
	ck_assert_str_eq(iref_intel_fr_name(IREF_INTEL_FR_LGN_1), "LGN.1");
	ck_assert_str_eq(iref_intel_fr_name(0x5b), "SPT.4");
	ck_assert_str_eq(iref_intel_fr_name(0x89), "SGN.10");
	ck_assert_ptr_null(iref_intel_fr_name(0));
	ck_assert_ptr_null(iref_intel_fr_name(0x20)); /* interrupt remap */
	ck_assert_ptr_null(iref_intel_fr_name(0x191));
}
END_TEST

START_TEST(test_unusable_cfg)
{
	struct iref_walk_cfg c = fs_cfg(0x100000);
	c.u.intel.levels = 3;
	expect_fault(walk(&c, 0, ACC_R, USER), IREF_WF_CONFIG,
		     IREF_INTEL_FR_SPT_4, -1, 1);
	c = ss_cfg(0x100000);
	c.u.intel.haw = 60;
	expect_fault(walk(&c, 0, ACC_R, USER), IREF_WF_CONFIG,
		     IREF_INTEL_FR_SPT_4, -1, 2);
	c.u.intel.legacy = true;
	expect_fault(walk(&c, 0, ACC_R, USER), IREF_WF_CONFIG,
		     IREF_INTEL_FR_LCT_4, -1, 2);
	ck_assert_uint_eq(res.n_acc, 0);
}
END_TEST

START_TEST(test_root_beyond_haw)
{
	struct iref_walk_cfg c = fs_cfg(UINT64_C(1) << 40);
	opt(&c, "haw", "40");
	expect_fault(walk(&c, 0, ACC_R, USER), IREF_WF_ADDRESS_SIZE,
		     IREF_INTEL_FR_SFS_4, -1, 1);
	ck_assert_uint_eq(res.n_acc, 0);
	c = ss_cfg(UINT64_C(1) << 40);
	opt(&c, "haw", "40");
	expect_fault(walk(&c, 0, ACC_R, USER), IREF_WF_ADDRESS_SIZE,
		     IREF_INTEL_FR_SSS_4, -1, 2);
	/* The pointer fields hold bits 63:12: low bits are not an address. */
	w64(0x5000, 0);
	c = ss_cfg(0x5abc);
	walk(&c, 0x1000, ACC_R, SUP);
	expect_acc(&res, 0, IREF_WALK_RD, 0x5000, 0);
}
END_TEST

/* ---- §12 edge cases (walk and table rules) ---- */

START_TEST(test_edge01_canonical)
{
	struct iref_walk_cfg c4 = fs_cfg(0x100000), c5 = fs_cfg(0x100000);
	opt(&c5, "levels", "5");
	static const struct {
		uint64_t addr;
		bool ok4, ok5;
	} cases[] = {
		{0x00007fffffffffff, true, true},
		{0x0000800000000000, false, true},
		{0xffff800000000000, true, true},
		{0xffff7fffffffffff, false, true},
		{0xff00000000000000, false, true},
		{0x00ffffffffffffff, false, true},
		{0x0100000000000000, false, false},
		{0xfeffffffffffffff, false, false},
		{0x8000000000000000, false, false},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		for (int five = 0; five < 2; five++) {
			bool ok = five ? cases[i].ok5 : cases[i].ok4;
			const struct iref_walk_result *r =
				walk(five ? &c5 : &c4, cases[i].addr, ACC_R,
				     USER);
			if (ok) /* canonical: the (empty) root is read */
				expect_fault(r, IREF_WF_TRANSLATION,
					     IREF_INTEL_FR_SFS_2, five ? 5 : 4,
					     1);
			else
				expect_fault(r, IREF_WF_TRANSLATION,
					     IREF_INTEL_FR_SGN_1, -1, 1);
		}
	}
}
END_TEST

START_TEST(test_edge02_ps_upper_levels)
{
	struct iref_walk_cfg c = fs_cfg(0x100000);
	opt(&c, "levels", "5");
	w64(0x100000, 0x101087); /* PS in the PML5E */
	expect_fault(walk(&c, 0, ACC_R, USER), IREF_WF_TRANSLATION,
		     IREF_INTEL_FR_SFS_3, 5, 1);
	w64(0x100000, 0x101007);
	w64(0x101000, 0x102087); /* PS in the PML4E */
	expect_fault(walk(&c, 0, ACC_R, USER), IREF_WF_TRANSLATION,
		     IREF_INTEL_FR_SFS_3, 4, 1);
	w64(0x101000, 0x102007);
	w64(0x102000, 0x40000087); /* 1 GiB PDPTE */
	expect_ok(walk(&c, 0x1234, ACC_R, USER), 0x40001234, G1, R | W);
	opt(&c, "fl1gp", "0");
	expect_fault(walk(&c, 0x1234, ACC_R, USER), IREF_WF_TRANSLATION,
		     IREF_INTEL_FR_SFS_3, 3, 1);
}
END_TEST

START_TEST(test_edge03_alignment_bits)
{
	struct iref_walk_cfg c = fs_cfg(0x100000);
	w64(0x100000, 0x101007);
	w64(0x101000, 0x40000087 | UINT64_C(1) << 29);
	expect_fault(walk(&c, 0, ACC_R, USER), IREF_WF_TRANSLATION,
		     IREF_INTEL_FR_SFS_3, 3, 1);
	w64(0x101000, 0x40000087 | UINT64_C(1) << 13);
	expect_fault(walk(&c, 0, ACC_R, USER), IREF_WF_TRANSLATION,
		     IREF_INTEL_FR_SFS_3, 3, 1);
	w64(0x101000, 0x40001087); /* PAT, not an address bit */
	expect_ok(walk(&c, 0x4678, ACC_R, USER), 0x40004678, G1, R | W);
	ck_assert(res.attrs & IREF_INTEL_FS_ATTR_PAT);

	w64(0x101000, 0x102007);
	w64(0x102000, 0x600087 | UINT64_C(1) << 20);
	expect_fault(walk(&c, 0, ACC_R, USER), IREF_WF_TRANSLATION,
		     IREF_INTEL_FR_SFS_3, 2, 1);
	w64(0x102000, 0x601087);
	expect_ok(walk(&c, 0x4678, ACC_R, USER), 0x604678, M2, R | W);
	/* Bit 7 of a PTE is PAT, not PS. */
	w64(0x102000, 0x103007);
	w64(0x103000, 0x7000087);
	expect_ok(walk(&c, 0x123, ACC_R, USER), 0x7000123, K4, R | W);
	ck_assert(res.attrs & IREF_INTEL_FS_ATTR_PAT);
}
END_TEST

START_TEST(test_edge04_haw_bits)
{
	struct iref_walk_cfg c = fs_cfg(0x100000);
	opt(&c, "haw", "40");
	i1_tables(0, 0x80000007);
	w64(I1_PDPTE, 0x102007 | UINT64_C(1) << 45); /* table pointer */
	expect_fault(walk(&c, I1_IOVA, ACC_R, USER), IREF_WF_ADDRESS_SIZE,
		     IREF_INTEL_FR_SFS_3, 3, 1);
	w64(I1_PDPTE, 0x102007 | UINT64_C(1) << 40); /* bit haw itself */
	expect_fault(walk(&c, I1_IOVA, ACC_R, USER), IREF_WF_ADDRESS_SIZE,
		     IREF_INTEL_FR_SFS_3, 3, 1);
	w64(I1_PDPTE, 0x102007 | UINT64_C(1) << 39); /* below haw: fine */
	expect_fault(walk(&c, I1_IOVA, ACC_R, USER), IREF_WF_TRANSLATION,
		     IREF_INTEL_FR_SFS_2, 2, 1);
	w64(I1_PDPTE, 0x102007);
	w64(I1_PTE, 0x80000007 | UINT64_C(1) << 51); /* leaf */
	expect_fault(walk(&c, I1_IOVA, ACC_R, USER), IREF_WF_ADDRESS_SIZE,
		     IREF_INTEL_FR_SFS_3, 1, 1);
	/* With another reserved bit the entry is simply malformed. */
	w64(I1_PTE, 0x80000007 | UINT64_C(1) << 51 | UINT64_C(1) << 63);
	expect_fault(walk(&c, I1_IOVA, ACC_R, USER), IREF_WF_TRANSLATION,
		     IREF_INTEL_FR_SFS_3, 1, 1);
	/* Bits 62:52 are ignored. */
	w64(I1_PTE, 0x80000007 | bits(62, 52));
	expect_ok(walk(&c, I1_IOVA, ACC_R, USER), 0x80000abc, K4, R | W);
	opt(&c, "haw", "52");
	w64(I1_PTE, 0x80000007 | UINT64_C(1) << 51);
	expect_ok(walk(&c, I1_IOVA, ACC_R, USER),
		  0x80000abc | UINT64_C(1) << 51, K4, R | W);
}
END_TEST

START_TEST(test_edge05_xd)
{
	struct iref_walk_cfg c = fs_cfg(0x100000);
	i1_tables(0, 0x80000007 | UINT64_C(1) << 63);
	expect_fault(walk(&c, I1_IOVA, ACC_R, USER), IREF_WF_TRANSLATION,
		     IREF_INTEL_FR_SFS_3, 1, 1);
	opt(&c, "xd_reserved", "off"); /* QEMU: bit 63 ignored */
	expect_ok(walk(&c, I1_IOVA, ACC_R, USER), 0x80000abc, K4, R | W);
	ck_assert(!(res.attrs & IREF_INTEL_FS_ATTR_XD));
	c = fs_cfg(0x100000);
	opt(&c, "nxe", "1");
	expect_ok(walk(&c, I1_IOVA, ACC_R, USER), 0x80000abc, K4, R | W);
	ck_assert(res.attrs & IREF_INTEL_FS_ATTR_XD);
	opt(&c, "ere", "1");
	expect_fault(walk(&c, I1_IOVA, ACC_X, USER), IREF_WF_PERMISSION,
		     IREF_INTEL_FR_SGN_3, 1, 1);
	/* XD at an upper level only denies execute all the same. */
	w64(I1_PTE, 0x80000007);
	w64(I1_PDPTE, 0x102007 | UINT64_C(1) << 63);
	expect_fault(walk(&c, I1_IOVA, ACC_X, USER), IREF_WF_PERMISSION,
		     IREF_INTEL_FR_SGN_3, 1, 1);
	w64(I1_PDPTE, 0x102007);
	expect_ok(walk(&c, I1_IOVA, ACC_X, USER), 0x80000abc, K4, R | W | X);
}
END_TEST

START_TEST(test_edge06_us_upper_level)
{
	struct iref_walk_cfg c = fs_cfg(0x100000);
	i1_tables(0, 0x80000007);
	w64(I1_PDPTE, 0x102003); /* U/S=0 at level 3 only */
	expect_fault(walk(&c, I1_IOVA, ACC_R, USER), IREF_WF_PERMISSION,
		     IREF_INTEL_FR_SGN_2, 1, 1);
	expect_fault(walk(&c, I1_IOVA, ACC_W, USER), IREF_WF_PERMISSION,
		     IREF_INTEL_FR_SGN_2, 1, 1);
	expect_fault(walk(&c, I1_IOVA, ACC_R, SUP), IREF_WF_PERMISSION,
		     IREF_INTEL_FR_SPT_6, -1, 1);
	ck_assert_uint_eq(res.n_acc, 0);
	opt(&c, "code_sre_blocked", "0x5c");
	expect_fault(walk(&c, I1_IOVA, ACC_R, SUP), IREF_WF_PERMISSION,
		     IREF_INTEL_FR_SPT_5, -1, 1);
	opt(&c, "sre", "1");
	expect_ok(walk(&c, I1_IOVA, ACC_R, SUP), 0x80000abc, K4, R | W);
	ck_assert(!(res.attrs & IREF_INTEL_FS_ATTR_USER));
}
END_TEST

START_TEST(test_edge07_rw_upper_level)
{
	struct iref_walk_cfg c = fs_cfg(0x100000);
	opt(&c, "sre", "1");
	i1_tables(0, 0x80000027);
	w64(I1_PDPTE, 0x102025); /* R/W=0 at level 3 only */
	expect_ok(walk(&c, I1_IOVA, ACC_R, USER), 0x80000abc, K4, R);
	expect_fault(walk(&c, I1_IOVA, ACC_W, USER), IREF_WF_PERMISSION,
		     IREF_INTEL_FR_SGN_6, 1, 1);
	ck_assert_uint_eq(r64(I1_PTE), 0x80000027);
	expect_ok(walk(&c, I1_IOVA, ACC_W, SUP), 0x80000abc, K4, R | W);
	ck_assert_uint_eq(r64(I1_PTE), 0x80000067);
	ck_assert_uint_eq(r64(I1_PDPTE), 0x102025); /* D only on the leaf */
	opt(&c, "wpe", "1");
	expect_ok(walk(&c, I1_IOVA, ACC_R, SUP), 0x80000abc, K4, R);
	expect_fault(walk(&c, I1_IOVA, ACC_W, SUP), IREF_WF_PERMISSION,
		     IREF_INTEL_FR_SGN_6, 1, 1);
}
END_TEST

START_TEST(test_edge08_accessed_dirty)
{
	struct iref_walk_cfg c = fs_cfg(0x100000);
	i1_tables(0, 0x80000007);
	const struct iref_walk_result *r = walk(&c, I1_IOVA, ACC_R, USER);
	ck_assert_uint_eq(count(r, IREF_WALK_WR), 4);
	ck_assert_uint_eq(r64(I1_PTE), 0x80000027); /* no D on a read */
	r = walk(&c, I1_IOVA, ACC_R, USER);
	ck_assert_uint_eq(count(r, IREF_WALK_WR), 0); /* already set */
	r = walk(&c, I1_IOVA, ACC_W, USER);
	ck_assert_uint_eq(count(r, IREF_WALK_WR), 1);
	ck_assert_uint_eq(r64(I1_PTE), 0x80000067);
	ck_assert_uint_eq(r64(I1_PDE), 0x103027);
	r = walk(&c, I1_IOVA, ACC_W, USER);
	ck_assert_uint_eq(count(r, IREF_WALK_WR), 0);

	/* EAFE: EA with A, also where A alone is already set. */
	opt(&c, "eafe", "1");
	r = walk(&c, I1_IOVA, ACC_R, USER);
	ck_assert_uint_eq(count(r, IREF_WALK_WR), 4);
	ck_assert_uint_eq(r64(I1_PML4E), 0x101427);
	ck_assert_uint_eq(r64(I1_PTE), 0x80000467);
	ck_assert(r->attrs & IREF_INTEL_FS_ATTR_EA);

	/* An A/D write the memory refuses. */
	c = fs_cfg(0x100000);
	i1_tables(0, 0x80000027);
	ck_assert_int_eq(iref_sparse_mem_add_fault(sm, I1_PTE, I1_PTE + 7,
						   IREF_MEM_FAULT_WRITE),
			 IREF_OK);
	expect_ok(walk(&c, I1_IOVA, ACC_R, USER), 0x80000abc, K4, R | W);
	expect_fault(walk(&c, I1_IOVA, ACC_W, USER), IREF_WF_BUS_ERROR,
		     IREF_INTEL_FR_SFS_10, 1, 1);
	ck_assert_uint_eq(res.fault.addr, I1_IOVA);

	/* SS A/D, only with SSADE. */
	struct iref_walk_cfg s = ss_cfg(0x200000);
	w64(0x200000, 0x201003);
	w64(0x201000, 0x202003);
	w64(0x202000, 0x203003);
	w64(0x203000, 0x9000003);
	r = walk(&s, 0x123, ACC_W, SUP);
	ck_assert_uint_eq(count(r, IREF_WALK_WR), 0);
	ck_assert(!(r->attrs & IREF_INTEL_SS_ATTR_A));
	opt(&s, "ssade", "1");
	r = walk(&s, 0x123, ACC_R, SUP);
	ck_assert_uint_eq(count(r, IREF_WALK_WR), 4);
	ck_assert_uint_eq(r64(0x201000), 0x202103);
	ck_assert_uint_eq(r64(0x203000), 0x9000103);
	ck_assert(r->attrs & IREF_INTEL_SS_ATTR_A);
	r = walk(&s, 0x123, ACC_W, SUP);
	ck_assert_uint_eq(count(r, IREF_WALK_WR), 1);
	ck_assert_uint_eq(r64(0x203000), 0x9000303);
	ck_assert(r->attrs & IREF_INTEL_SS_ATTR_D);
	/* An SS A/D write the memory refuses (the PDE's A write works). */
	w64(0x202000, 0x204003);
	w64(0x204000, 0x9000003);
	ck_assert_int_eq(iref_sparse_mem_add_fault(sm, 0x204000, 0x204007,
						   IREF_MEM_FAULT_WRITE),
			 IREF_OK);
	expect_fault(walk(&s, 0x123, ACC_R, SUP), IREF_WF_BUS_ERROR,
		     IREF_INTEL_FR_SSS_6, 1, 2);
}
END_TEST

START_TEST(test_fs_execute)
{
	struct iref_walk_cfg c = fs_cfg(0x100000);
	opt(&c, "sre", "1");
	opt(&c, "nxe", "1");
	i1_tables(0, 0x80000027);
	expect_fault(walk(&c, I1_IOVA, ACC_X, USER), IREF_WF_PERMISSION,
		     IREF_INTEL_FR_SPT_5, -1, 1); /* ERE off */
	ck_assert_uint_eq(res.n_acc, 0);
	opt(&c, "ere", "1");
	expect_ok(walk(&c, I1_IOVA, ACC_X, SUP), 0x80000abc, K4, R | W | X);
	opt(&c, "smep", "1"); /* a user page: supervisor execute denied */
	expect_fault(walk(&c, I1_IOVA, ACC_X, SUP), IREF_WF_PERMISSION,
		     IREF_INTEL_FR_SGN_3, 1, 1);
	expect_ok(walk(&c, I1_IOVA, ACC_R, SUP), 0x80000abc, K4, R | W);
	expect_ok(walk(&c, I1_IOVA, ACC_X, USER), 0x80000abc, K4, R | W | X);
	w64(I1_PDE, 0x103003); /* supervisor page */
	expect_ok(walk(&c, I1_IOVA, ACC_X, SUP), 0x80000abc, K4, R | W | X);
	expect_fault(walk(&c, I1_IOVA, ACC_X, USER), IREF_WF_PERMISSION,
		     IREF_INTEL_FR_SGN_2, 1, 1);
}
END_TEST

START_TEST(test_perm_check_per_level)
{
	struct iref_walk_cfg c = fs_cfg(0x100000);
	i1_tables(0, 0x80000007 | UINT64_C(1) << 63); /* XD reserved */
	w64(I1_PDPTE, 0x102003);                      /* supervisor */
	expect_fault(walk(&c, I1_IOVA, ACC_R, USER), IREF_WF_TRANSLATION,
		     IREF_INTEL_FR_SFS_3, 1, 1);
	opt(&c, "perm_check", "per_level");
	expect_fault(walk(&c, I1_IOVA, ACC_R, USER), IREF_WF_PERMISSION,
		     IREF_INTEL_FR_SGN_2, 3, 1);
	ck_assert_uint_eq(res.n_acc, 2);
	/* The same entry: rights before its reserved bits. */
	w64(I1_PDPTE, 0x102003 | UINT64_C(1) << 63);
	expect_fault(walk(&c, I1_IOVA, ACC_R, USER), IREF_WF_PERMISSION,
		     IREF_INTEL_FR_SGN_2, 3, 1);

	struct iref_walk_cfg s = ss_cfg(0x200000);
	w64(0x200000, 0x201003);
	w64(0x201000, 0x202001); /* W=0 at level 3 */
	w64(0x202000, 0x203003);
	w64(0x203000, 0x9000003 | UINT64_C(1) << 62);
	expect_fault(walk(&s, 0, ACC_W, SUP), IREF_WF_TRANSLATION,
		     IREF_INTEL_FR_SSS_3, 1, 2);
	opt(&s, "perm_check", "per_level");
	expect_fault(walk(&s, 0, ACC_W, SUP), IREF_WF_PERMISSION,
		     IREF_INTEL_FR_SGN_6, 3, 2);
}
END_TEST

/* SS 4-level at 0x200000 mapping GPA [0, 4 KiB) with pte, tables RWX. */
static void ss_tables(uint64_t pte)
{
	w64(0x200000, 0x201007);
	w64(0x201000, 0x202007);
	w64(0x202000, 0x203007);
	w64(0x203000, pte);
}

START_TEST(test_edge13_ss_not_present)
{
	struct iref_walk_cfg c = ss_cfg(0x200000);
	ss_tables(0x9000000 | 0x100); /* R=W=0, A set: not present */
	expect_fault(walk(&c, 0, ACC_R, SUP), IREF_WF_TRANSLATION,
		     IREF_INTEL_FR_SSS_2, 1, 2);
	expect_fault(walk(&c, 0, ACC_W, SUP), IREF_WF_TRANSLATION,
		     IREF_INTEL_FR_SSS_2, 1, 2);
	opt(&c, "legacy", "1");
	expect_fault(walk(&c, 0, ACC_R, SUP), IREF_WF_TRANSLATION,
		     IREF_INTEL_FR_LGN_3, 1, 2);
	expect_fault(walk(&c, 0, ACC_W, SUP), IREF_WF_TRANSLATION,
		     IREF_INTEL_FR_LGN_2, 1, 2);

	/* X alone is "present" only with SSEE. */
	c = ss_cfg(0x200000);
	ss_tables(0x9000004);
	expect_fault(walk(&c, 0, ACC_R, SUP), IREF_WF_TRANSLATION,
		     IREF_INTEL_FR_SSS_2, 1, 2);
	opt(&c, "ssee", "1");
	expect_fault(walk(&c, 0, ACC_R, SUP), IREF_WF_PERMISSION,
		     IREF_INTEL_FR_SGN_7, 1, 2);

	/* R=1, W=0 at the PDE. */
	c = ss_cfg(0x200000);
	ss_tables(0x9000003);
	w64(0x202000, 0x203001);
	expect_ok(walk(&c, 0x10, ACC_R, SUP), 0x9000010, K4, R);
	expect_fault(walk(&c, 0x10, ACC_W, SUP), IREF_WF_PERMISSION,
		     IREF_INTEL_FR_SGN_6, 1, 2);
	opt(&c, "legacy", "1");
	expect_fault(walk(&c, 0x10, ACC_W, SUP), IREF_WF_PERMISSION,
		     IREF_INTEL_FR_LGN_2, 1, 2);

	/* W only at the leaf, read. */
	c = ss_cfg(0x200000);
	ss_tables(0x9000002);
	expect_ok(walk(&c, 0x10, ACC_W, SUP), 0x9000010, K4, W);
	expect_fault(walk(&c, 0x10, ACC_R, SUP), IREF_WF_PERMISSION,
		     IREF_INTEL_FR_SGN_7, 1, 2);

	/* Accumulated R=W=0: R only at level 4, W only at level 3. */
	ss_tables(0x9000003);
	w64(0x200000, 0x201001);
	w64(0x201000, 0x202002);
	expect_fault(walk(&c, 0x10, ACC_R, SUP), IREF_WF_TRANSLATION,
		     IREF_INTEL_FR_SSS_2, 1, 2);
	expect_fault(walk(&c, 0x10, ACC_W, SUP), IREF_WF_TRANSLATION,
		     IREF_INTEL_FR_SSS_2, 1, 2);
	opt(&c, "perm_check", "per_level");
	expect_fault(walk(&c, 0x10, ACC_R, SUP), IREF_WF_TRANSLATION,
		     IREF_INTEL_FR_SSS_2, 3, 2);
	expect_fault(walk(&c, 0x10, ACC_W, SUP), IREF_WF_PERMISSION,
		     IREF_INTEL_FR_SGN_6, 4, 2);
}
END_TEST

START_TEST(test_ss_execute)
{
	struct iref_walk_cfg c = ss_cfg(0x200000);
	ss_tables(0x9000001); /* R, no X */
	/* Without SSEE X is ignored: an execute is checked as a read. */
	expect_ok(walk(&c, 0x10, ACC_X, SUP), 0x9000010, K4, R);
	opt(&c, "ssee", "1");
	expect_fault(walk(&c, 0x10, ACC_X, SUP), IREF_WF_PERMISSION,
		     IREF_INTEL_FR_SGN_3, 1, 2);
	w64(0x203000, 0x9000005);
	expect_ok(walk(&c, 0x10, ACC_X, SUP), 0x9000010, K4, R | X);
	w64(0x202000, 0x203003); /* X=0 at the PDE */
	expect_fault(walk(&c, 0x10, ACC_X, SUP), IREF_WF_PERMISSION,
		     IREF_INTEL_FR_SGN_3, 1, 2);
	w64(0x202000, 0x203007);
	w64(0x203000, 0x9000006); /* X without R */
	expect_fault(walk(&c, 0x10, ACC_X, SUP), IREF_WF_PERMISSION,
		     IREF_INTEL_FR_SGN_7, 1, 2);
}
END_TEST

START_TEST(test_edge14_ss_reserved)
{
	struct iref_walk_cfg c = ss_cfg(0x200000);
	ss_tables(0x9000003);
	w64(0x201000, 0x202003 | 0x800); /* SNP in a non-leaf */
	expect_fault(walk(&c, 0, ACC_R, SUP), IREF_WF_TRANSLATION,
		     IREF_INTEL_FR_SSS_3, 3, 2);
	w64(0x201000, 0x202003 | UINT64_C(1) << 62);
	expect_fault(walk(&c, 0, ACC_R, SUP), IREF_WF_TRANSLATION,
		     IREF_INTEL_FR_SSS_3, 3, 2);
	w64(0x201000, 0x202003);
	w64(0x200000, 0x201083); /* PS in the SS-PML4E */
	expect_fault(walk(&c, 0, ACC_R, SUP), IREF_WF_TRANSLATION,
		     IREF_INTEL_FR_SSS_3, 4, 2);
	w64(0x200000, 0x201003);
	w64(0x203000, 0x9000003 | UINT64_C(1) << 62); /* TM */
	expect_fault(walk(&c, 0, ACC_R, SUP), IREF_WF_TRANSLATION,
		     IREF_INTEL_FR_SSS_3, 1, 2);
	opt(&c, "legacy", "1");
	expect_fault(walk(&c, 0, ACC_R, SUP), IREF_WF_TRANSLATION,
		     IREF_INTEL_FR_LSL_2, 1, 2);
	opt(&c, "dt", "1");
	expect_ok(walk(&c, 0, ACC_R, SUP), 0x9000000, K4, R | W);
	ck_assert(res.attrs & IREF_INTEL_SS_ATTR_TM);
	/* SNP in a leaf: allowed in scalable mode, in legacy mode with SC. */
	w64(0x203000, 0x9000003 | 0x800);
	expect_ok(walk(&c, 0, ACC_R, SUP), 0x9000000, K4, R | W);
	ck_assert(res.attrs & IREF_INTEL_SS_ATTR_SNP);
	opt(&c, "sc", "0");
	expect_fault(walk(&c, 0, ACC_R, SUP), IREF_WF_TRANSLATION,
		     IREF_INTEL_FR_LSL_2, 1, 2);
	opt(&c, "legacy", "0");
	expect_ok(walk(&c, 0, ACC_R, SUP), 0x9000000, K4, R | W);
	/* Ignored: 61:52, 63, 10, bit 7 of an SS-PTE; EMT/IPAT reported. */
	w64(0x203000, 0x9000003 | bits(61, 52) | UINT64_C(1) << 63 |
			      0x400 | 0x80 | 0x30 | 0x40);
	expect_ok(walk(&c, 0, ACC_R, SUP), 0x9000000, K4, R | W);
	ck_assert_uint_eq(res.attrs & IREF_INTEL_SS_ATTR_EMT, 6);
	ck_assert(res.attrs & IREF_INTEL_SS_ATTR_IPAT);
	/* Address bits at and above haw. */
	opt(&c, "haw", "39");
	w64(0x203000, 0x9000003 | UINT64_C(1) << 39);
	expect_fault(walk(&c, 0, ACC_R, SUP), IREF_WF_ADDRESS_SIZE,
		     IREF_INTEL_FR_SSS_3, 1, 2);
}
END_TEST

START_TEST(test_edge15_ss_input_limit)
{
	struct iref_walk_cfg c = ss_cfg(0x200000);
	opt(&c, "aw", "1"); /* AGAW 39 */
	expect_fault(walk(&c, UINT64_C(1) << 39, ACC_R, SUP),
		     IREF_WF_TRANSLATION, IREF_INTEL_FR_SGN_5, -1, 2);
	expect_fault(walk(&c, (UINT64_C(1) << 39) - 1, ACC_R, SUP),
		     IREF_WF_TRANSLATION, IREF_INTEL_FR_SSS_2, 3, 2);
	opt(&c, "mgaw", "36"); /* MGAW below AGAW */
	expect_fault(walk(&c, UINT64_C(1) << 36, ACC_R, SUP),
		     IREF_WF_TRANSLATION, IREF_INTEL_FR_SGN_5, -1, 2);
	expect_fault(walk(&c, (UINT64_C(1) << 36) - 1, ACC_R, SUP),
		     IREF_WF_TRANSLATION, IREF_INTEL_FR_SSS_2, 3, 2);
	opt(&c, "legacy", "1");
	expect_fault(walk(&c, UINT64_C(1) << 36, ACC_R, SUP),
		     IREF_WF_TRANSLATION, IREF_INTEL_FR_LGN_1, -1, 2);
	c = ss_cfg(0x200000);
	opt(&c, "aw", "3");
	opt(&c, "mgaw", "64"); /* AGAW 57 */
	expect_fault(walk(&c, UINT64_C(1) << 57, ACC_R, SUP),
		     IREF_WF_TRANSLATION, IREF_INTEL_FR_SGN_5, -1, 2);
	expect_fault(walk(&c, (UINT64_C(1) << 57) - 1, ACC_R, SUP),
		     IREF_WF_TRANSLATION, IREF_INTEL_FR_SSS_2, 5, 2);
	expect_acc(&res, 0, IREF_WALK_RD, 0x200ff8, 0);
}
END_TEST

START_TEST(test_edge16_ss_large_leaf_bits)
{
	struct iref_walk_cfg c = ss_cfg(0x200000);
	ss_tables(0x9000003);
	w64(0x202000, 0x40001083); /* 2 MiB with bit 12 */
	expect_fault(walk(&c, 0, ACC_R, SUP), IREF_WF_TRANSLATION,
		     IREF_INTEL_FR_SSS_3, 2, 2);
	w64(0x202000, 0x40000083);
	expect_ok(walk(&c, 0x12345, ACC_R, SUP), 0x40012345, M2, R | W);
	opt(&c, "sllps", "2"); /* 1 GiB only */
	expect_fault(walk(&c, 0, ACC_R, SUP), IREF_WF_TRANSLATION,
		     IREF_INTEL_FR_SSS_3, 2, 2);
	w64(0x201000, 0x80001083); /* 1 GiB with bit 12 */
	expect_fault(walk(&c, 0, ACC_R, SUP), IREF_WF_TRANSLATION,
		     IREF_INTEL_FR_SSS_3, 3, 2);
	w64(0x201000, 0x80000083);
	expect_ok(walk(&c, 0x1234567, ACC_R, SUP), 0x81234567, G1, R | W);
}
END_TEST

START_TEST(test_edge17_interrupt_range)
{
	struct iref_walk_cfg c = ss_cfg(0x200000);
	ss_tables(0xfee00003);
	expect_fault(walk(&c, 0x10, ACC_W, SUP), IREF_WF_PERMISSION,
		     IREF_INTEL_FR_SGN_8, 1, 2);
	ss_tables(0xfeeff003);
	expect_fault(walk(&c, 0xfff, ACC_R, SUP), IREF_WF_PERMISSION,
		     IREF_INTEL_FR_SGN_8, 1, 2);
	ss_tables(0xfef00003);
	expect_ok(walk(&c, 0, ACC_R, SUP), 0xfef00000, K4, R | W);
	ss_tables(0xfedff003);
	expect_ok(walk(&c, 0xfff, ACC_R, SUP), 0xfedfffff, K4, R | W);
	/* A 2 MiB page around the range: only addresses inside fault. */
	w64(0x202000, 0xfee00083);
	expect_fault(walk(&c, 0xfffff, ACC_R, SUP), IREF_WF_PERMISSION,
		     IREF_INTEL_FR_SGN_8, 2, 2);
	expect_ok(walk(&c, 0x100000, ACC_R, SUP), 0xfef00000, M2, R | W);
	opt(&c, "legacy", "1");
	expect_fault(walk(&c, 0, ACC_R, SUP), IREF_WF_PERMISSION,
		     IREF_INTEL_FR_LGN_4, 2, 2);
	opt(&c, "intr_check", "0");
	expect_ok(walk(&c, 0, ACC_R, SUP), 0xfee00000, M2, R | W);

	struct iref_walk_cfg f = fs_cfg(0x100000);
	i1_tables(0, 0xfee00027);
	expect_fault(walk(&f, I1_IOVA, ACC_R, USER), IREF_WF_PERMISSION,
		     IREF_INTEL_FR_SGN_8, 1, 1);
	opt(&f, "intr_check", "off");
	expect_ok(walk(&f, I1_IOVA, ACC_R, USER), 0xfee00abc, K4, R | W);
}
END_TEST

START_TEST(test_edge18_nested_fault_stage)
{
	struct iref_walk_cfg fs, ss;
	i5_setup(&fs, &ss, 0x100000083, 0x20);
	/* The output GPA beyond the SS mapping: stage 2, not on the walk. */
	w64(I1_PTE + I5_HOST, 0x40000027);
	const struct iref_walk_result *r = walk2(&fs, &ss, I1_IOVA, ACC_R,
						 USER);
	expect_fault(r, IREF_WF_TRANSLATION, IREF_INTEL_FR_SSS_2, 3, 2);
	ck_assert(!r->fault.on_walk);
	ck_assert_uint_eq(r->fault.addr, I1_IOVA);
	ck_assert_uint_eq(r->fault.addr2, 0x40000abc);
	ck_assert_uint_eq(count(r, IREF_WALK_RD), 9);
	/* A table GPA beyond it: stage 2, on the walk, before any FS read. */
	fs.root = 0x40100000;
	r = walk2(&fs, &ss, I1_IOVA, ACC_R, USER);
	expect_fault(r, IREF_WF_TRANSLATION, IREF_INTEL_FR_SSS_2, 3, 2);
	ck_assert(r->fault.on_walk);
	ck_assert_uint_eq(r->fault.addr, I1_IOVA);
	ck_assert_uint_eq(r->fault.addr2, 0x401007f0);
	ck_assert_uint_eq(r->n_acc, 1);
	/* An FS fault stays stage 1. */
	fs.root = 0x100000;
	w64(I1_PDE + I5_HOST, 0);
	r = walk2(&fs, &ss, I1_IOVA, ACC_R, USER);
	expect_fault(r, IREF_WF_TRANSLATION, IREF_INTEL_FR_SFS_2, 2, 1);
	ck_assert(!r->fault.on_walk);
}
END_TEST

START_TEST(test_edge19_nested_ro_table_page)
{
	struct iref_walk_cfg fs, ss;
	i5_setup(&fs, &ss, 0x100000081, 0x20); /* SS R only, FS A set */
	const struct iref_walk_result *r = walk2(&fs, &ss, I1_IOVA, ACC_R,
						 USER);
	expect_ok(r, 0x108000abc, K4, R); /* rights: FS rw & SS r */
	/* attrs: FS | SS << 16 */
	ck_assert_uint_eq(r->attrs, IREF_INTEL_FS_ATTR_USER |
					    IREF_INTEL_FS_ATTR_A);
	r = walk2(&fs, &ss, I1_IOVA, ACC_W, USER); /* D needs an SS write */
	expect_fault(r, IREF_WF_PERMISSION, IREF_INTEL_FR_SGN_6, 3, 2);
	ck_assert(r->fault.on_walk);
	ck_assert_uint_eq(r->fault.addr2, I1_PTE);
	ck_assert_uint_eq(r64(I1_PTE + I5_HOST), 0x8000027);
}
END_TEST

START_TEST(test_edge20_bus_errors)
{
	struct iref_walk_cfg c = fs_cfg(0x100000);
	i1_tables(0, 0x80000027);
	ck_assert_int_eq(iref_sparse_mem_add_fault(sm, 0x101000, 0x101fff,
						   IREF_MEM_FAULT_READ),
			 IREF_OK);
	expect_fault(walk(&c, I1_IOVA, ACC_R, USER), IREF_WF_BUS_ERROR,
		     IREF_INTEL_FR_SFS_1, 3, 1);
	ck_assert_uint_eq(res.n_acc, 1);
	ck_assert_int_eq(iref_sparse_mem_add_fault(sm, 0x100000, 0x100fff,
						   IREF_MEM_FAULT_READ),
			 IREF_OK);
	expect_fault(walk(&c, I1_IOVA, ACC_R, USER), IREF_WF_BUS_ERROR,
		     IREF_INTEL_FR_SFS_4, 4, 1);
	ck_assert_uint_eq(res.n_acc, 0);

	struct iref_walk_cfg s = ss_cfg(0x200000);
	ss_tables(0x9000003);
	ck_assert_int_eq(iref_sparse_mem_add_fault(sm, 0x202000, 0x202fff,
						   IREF_MEM_FAULT_READ),
			 IREF_OK);
	expect_fault(walk(&s, 0, ACC_R, SUP), IREF_WF_BUS_ERROR,
		     IREF_INTEL_FR_SSS_1, 2, 2);
	opt(&s, "legacy", "1");
	expect_fault(walk(&s, 0, ACC_R, SUP), IREF_WF_BUS_ERROR,
		     IREF_INTEL_FR_LSL_1, 2, 2);
	ck_assert_int_eq(iref_sparse_mem_add_fault(sm, 0x200000, 0x200fff,
						   IREF_MEM_FAULT_READ),
			 IREF_OK);
	expect_fault(walk(&s, 0, ACC_R, SUP), IREF_WF_BUS_ERROR,
		     IREF_INTEL_FR_LSL_1, 4, 2);
	opt(&s, "legacy", "0");
	expect_fault(walk(&s, 0, ACC_R, SUP), IREF_WF_BUS_ERROR,
		     IREF_INTEL_FR_SSS_4, 4, 2);
}
END_TEST

START_TEST(test_edge20_nested_bus_error)
{
	struct iref_walk_cfg fs, ss;
	i5_setup(&fs, &ss, 0x100000083, 0x20);
	/* The FS PDE's host page refuses reads: an FS code, stage 1. */
	ck_assert_int_eq(iref_sparse_mem_add_fault(sm, I1_PDE + I5_HOST,
						   I1_PDE + I5_HOST + 7,
						   IREF_MEM_FAULT_READ),
			 IREF_OK);
	const struct iref_walk_result *r = walk2(&fs, &ss, I1_IOVA, ACC_R,
						 USER);
	expect_fault(r, IREF_WF_BUS_ERROR, IREF_INTEL_FR_SFS_1, 2, 1);
	/* The SS root refuses reads: an SS code, stage 2, on the walk. */
	ck_assert_int_eq(iref_sparse_mem_add_fault(sm, 0x300000, 0x300007,
						   IREF_MEM_FAULT_READ),
			 IREF_OK);
	r = walk2(&fs, &ss, I1_IOVA, ACC_R, USER);
	expect_fault(r, IREF_WF_BUS_ERROR, IREF_INTEL_FR_SSS_4, 3, 2);
	ck_assert(r->fault.on_walk);
	ck_assert_uint_eq(r->fault.addr2, I1_PML4E);
}
END_TEST

START_TEST(test_edge24_hostile_tables)
{
	/* A table whose entry 0 points at itself: every level reads it. */
	struct iref_walk_cfg c = fs_cfg(0x1000);
	opt(&c, "levels", "5");
	w64(0x1000, 0x1027);
	const struct iref_walk_result *r = walk(&c, 0x123, ACC_R, USER);
	expect_ok(r, 0x1123, K4, R | W);
	ck_assert_uint_eq(r->n_acc, 5);
	/* Every bit set: PS in the PML5E. */
	w64(0x1000, ~UINT64_C(0));
	expect_fault(walk(&c, 0x123, ACC_R, USER), IREF_WF_TRANSLATION,
		     IREF_INTEL_FR_SFS_3, 5, 1);
	ck_assert_uint_eq(res.n_acc, 1);
	struct iref_walk_cfg s = ss_cfg(0x1000);
	opt(&s, "aw", "3");
	expect_fault(walk(&s, 0x123, ACC_R, USER), IREF_WF_TRANSLATION,
		     IREF_INTEL_FR_SSS_3, 5, 2);

	/* A table pointer to the top of a smaller memory. */
	struct iref_sparse_mem_config mc = {.limit = UINT64_C(1) << 32};
	struct iref_sparse_mem *small = iref_sparse_mem_create(&mc);
	struct iref_mem m = iref_sparse_mem_as_mem(small);
	ck_assert_int_eq(iref_mem_write64(m, 0x1000, 0xfffffffffffff027),
			 IREF_OK);
	opt(&c, "haw", "52");
	opt(&c, "xd_reserved", "0");
	struct iref_walk_req rq = {.addr = 0, .access = ACC_R};
	ck_assert_int_eq(iref_walk(&c, m, &rq, &res), IREF_OK);
	expect_fault(&res, IREF_WF_BUS_ERROR, IREF_INTEL_FR_SFS_1, 4, 1);
	iref_sparse_mem_destroy(small);

	/* Nested, 5 levels over 5, all self-referencing at address 0: the
	 * bound (5 + 1) * (5 + 1) - 1 = 35 reads. */
	w64(0, 0x27); /* FS: P|RW|US|A; SS: R|W|X, EMT bit */
	c = fs_cfg(0);
	opt(&c, "levels", "5");
	s = ss_cfg(0);
	opt(&s, "aw", "3");
	r = walk2(&c, &s, 0x123, ACC_R, USER);
	expect_ok(r, 0x123, K4, R | W);
	ck_assert_uint_eq(r->n_acc, 35);
	ck_assert_uint_eq(count(r, IREF_WALK_RD), 35);
}
END_TEST

/* ---- Builder round trips ---- */

static struct iref_pool pool_at(uint64_t at)
{
	return (struct iref_pool){at, at + 0x1000000};
}

static void build(struct iref_walk_cfg *c, struct iref_mem m,
		  struct iref_pool *p, const struct iref_build_map *maps,
		  size_t n)
{
	struct iref_diag d = {0};
	ck_assert_msg(iref_build(c, m, p, maps, n, &d) == IREF_OK, "%s",
		      d.msg);
}

/* The value the walk read for its leaf: its last read. */
static uint64_t leaf_value(const struct iref_walk_result *r)
{
	for (unsigned i = r->n_acc; i-- > 0;)
		if (r->acc[i].kind == IREF_WALK_RD)
			return r->acc[i].value;
	ck_abort_msg("no read");
	return 0;
}

START_TEST(test_build_fs)
{
	struct iref_walk_cfg c = fs_cfg(0);
	opt(&c, "sre", "1");
	opt(&c, "nxe", "1");
	opt(&c, "ere", "1");
	const struct iref_build_map maps[] = {
		{0x1000, 0x5000, K4, R | W, IREF_BUILD_USER | IREF_BUILD_GLOBAL,
		 IREF_INTEL_FS_ATTR_PWT | IREF_INTEL_FS_ATTR_PCD |
			 IREF_INTEL_FS_ATTR_PAT},
		{0x200000, 0x40000000, M2, R, 0, IREF_INTEL_FS_ATTR_PAT},
		{G1, 2 * G1, G1, R | W | X, IREF_BUILD_USER, 0},
		{0xffff800000000000, 0x1000000, 3 * K4, R | W,
		 IREF_BUILD_NO_BLOCKS | IREF_BUILD_NO_ACCESSED |
			 IREF_BUILD_NO_DIRTY, 0},
	};
	struct iref_pool p = pool_at(0x10000000);
	build(&c, mem, &p, maps, 4);
	ck_assert_uint_eq(c.root, 0x10000000);

	const struct iref_walk_result *r = walk(&c, 0x1234, ACC_R, USER);
	expect_ok(r, 0x5234, K4, R | W);
	ck_assert(r->global);
	ck_assert_uint_eq(r->attrs & 7, 7);
	ck_assert_uint_eq(leaf_value(r), 0x80000000000051ff);
	ck_assert_uint_eq(r->acc[0].value & 0xfff, 0x027); /* tables */
	ck_assert_uint_eq(r->n_acc, 4);

	r = walk(&c, 0x2abcde, ACC_R, SUP); /* WPE=0: supervisor may write */
	expect_ok(r, 0x400abcde, M2, R | W);
	ck_assert(!r->global);
	ck_assert_uint_eq(r->attrs & 7, IREF_INTEL_FS_ATTR_PAT);
	ck_assert_uint_eq(leaf_value(r), 0x8000000040001021 | 0x80);
	expect_fault(walk(&c, 0x2abcde, ACC_R, USER), IREF_WF_PERMISSION,
		     IREF_INTEL_FR_SGN_2, 2, 1);

	r = walk(&c, G1 + 0x12345678, ACC_X, USER);
	expect_ok(r, 2 * G1 + 0x12345678, G1, R | W | X);
	ck_assert_int_eq(r->level, 3);

	r = walk(&c, 0xffff800000002010, ACC_R, SUP);
	expect_ok(r, 0x1002010, K4, R | W);
	ck_assert_uint_eq(count(r, IREF_WALK_WR), 1); /* A was left clear */
	ck_assert_uint_eq(leaf_value(&res) & 0x60, 0);
	r = walk(&c, 0xffff800000002010, ACC_W, SUP);
	ck_assert_uint_eq(count(r, IREF_WALK_WR), 1); /* D */
	expect_fault(walk(&c, 0xffff800000003000, ACC_R, SUP),
		     IREF_WF_TRANSLATION, IREF_INTEL_FR_SFS_2, 1, 1);

	/* Extend the same root; overlaps and an exhausted pool fail. */
	const struct iref_build_map more = {0x3000, 0x7000, K4, R, 0, 0};
	build(&c, mem, &p, &more, 1);
	expect_ok(walk(&c, 0x3008, ACC_W, SUP), 0x7008, K4, R | W);
	expect_ok(walk(&c, 0x1008, ACC_R, USER), 0x5008, K4, R | W);
	struct iref_diag d = {0};
	const struct iref_build_map clash = {0x200000, 0, K4, R, 0, 0};
	ck_assert_int_eq(iref_build(&c, mem, &p, &clash, 1, &d), IREF_E_INVAL);
	struct iref_pool tiny = {0x20000000, 0x20001000};
	const struct iref_build_map far = {0x7f0000000000, 0, K4, R, 0, 0};
	ck_assert_int_eq(iref_build(&c, mem, &tiny, &far, 1, &d),
			 IREF_E_NOMEM);

	/* Without FL1GP a 1 GiB range becomes 2 MiB pages. */
	struct iref_walk_cfg c2 = fs_cfg(0);
	opt(&c2, "fl1gp", "0");
	opt(&c2, "levels", "5");
	const struct iref_build_map big = {0x00ff000000000000 - G1, 0, G1,
					   R | W, IREF_BUILD_USER, 0};
	struct iref_pool p2 = pool_at(0x30000000);
	build(&c2, mem, &p2, &big, 1);
	r = walk(&c2, 0x00ff000000000000 - 0x12345, ACC_W, USER);
	expect_ok(r, G1 - 0x12345, M2, R | W);
	ck_assert_uint_eq(r->n_acc, 4);
}
END_TEST

START_TEST(test_build_ss)
{
	struct iref_walk_cfg c = ss_cfg(0);
	opt(&c, "ssee", "1");
	opt(&c, "aw", "1");
	const struct iref_build_map maps[] = {
		{0x1000, 0x5000, K4, R, 0, 6 | IREF_INTEL_SS_ATTR_IPAT},
		{0x2000, 0x6000, K4, W, 0, IREF_INTEL_SS_ATTR_SNP},
		{0x3000, 0x7000, K4, R | X, 0, 0},
		{M2, 4 * M2, M2, R | W | X, 0, 0},
		{G1, 0, G1, R | W, 0, 0},
		{2 * G1, 3 * G1, M2 * 2, R | W,
		 IREF_BUILD_NO_BLOCKS | IREF_BUILD_NO_ACCESSED, 0},
	};
	struct iref_pool p = pool_at(0x10000000);
	build(&c, mem, &p, maps, 6);
	const struct iref_walk_result *r = walk(&c, 0x1010, ACC_R, SUP);
	expect_ok(r, 0x5010, K4, R);
	ck_assert_uint_eq(r->attrs & 0x3f, 6 | IREF_INTEL_SS_ATTR_IPAT);
	ck_assert_uint_eq(leaf_value(r), 0x5000 | 1 | 6 << 3 | 0x40 | 0x100);
	ck_assert_uint_eq(r->acc[0].value & 0xfff, 0x107);
	expect_ok(walk(&c, 0x2010, ACC_W, SUP), 0x6010, K4, W);
	ck_assert_uint_eq(leaf_value(&res), 0x6000 | 2 | 0x800 | 0x300);
	expect_ok(walk(&c, 0x3010, ACC_X, SUP), 0x7010, K4, R | X);
	expect_fault(walk(&c, 0x3010, ACC_W, SUP), IREF_WF_PERMISSION,
		     IREF_INTEL_FR_SGN_6, 1, 2);
	expect_ok(walk(&c, M2 + 5, ACC_X, SUP), 4 * M2 + 5, M2, R | W | X);
	ck_assert_uint_eq(leaf_value(&res), 4 * M2 | 7 | 0x80 | 0x300);
	r = walk(&c, G1 + 0x3456789, ACC_W, SUP);
	expect_ok(r, 0x3456789, G1, R | W);
	ck_assert_uint_eq(r->n_acc, 1);
	r = walk(&c, 2 * G1 + M2 + 0x5000, ACC_R, SUP);
	expect_ok(r, 3 * G1 + M2 + 0x5000, K4, R | W);
	ck_assert_uint_eq(leaf_value(r) & 0x300, 0x200); /* D, no A */
	expect_fault(walk(&c, 0x4000, ACC_R, SUP), IREF_WF_TRANSLATION,
		     IREF_INTEL_FR_SSS_2, 1, 2);

	/* SLLPS without 1 GiB: the range is built from 2 MiB leaves. */
	struct iref_walk_cfg c2 = ss_cfg(0);
	opt(&c2, "sllps", "1");
	struct iref_pool p2 = pool_at(0x20000000);
	build(&c2, mem, &p2, &maps[4], 1);
	expect_ok(walk(&c2, G1 + 0x3456789, ACC_R, SUP), 0x3456789, M2,
		  R | W);
	opt(&c2, "sllps", "0");
	expect_fault(walk(&c2, G1 + 0x3456789, ACC_R, SUP),
		     IREF_WF_TRANSLATION, IREF_INTEL_FR_SSS_3, 2, 2);
}
END_TEST

/* ---- Property tests: random maps against a flat reference ---- */

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

struct rmap {
	uint64_t va, pa, size, page;
	unsigned perm, flags;
};

#define NMAPS 160

static const struct rmap *lookup(const struct rmap *m, size_t n, uint64_t a)
{
	for (size_t i = 0; i < n; i++)
		if (a >= m[i].va && a - m[i].va < m[i].size)
			return &m[i];
	return NULL;
}

/* Random non-overlapping maps in a few windows of the input space:
 * single 4 KiB / 2 MiB / 1 GiB pages and multi-page 4 KiB runs. */
static size_t random_maps(uint64_t *seed, struct rmap *m,
			  const uint64_t *bases, size_t nbases,
			  uint64_t window, bool fs)
{
	size_t n = 0;
	while (n < NMAPS) {
		uint64_t r = rnd(seed);
		struct rmap x = {0};
		unsigned kind = r % 10;
		x.page = kind < 6 ? K4 : kind < 9 ? M2 : G1;
		x.size = x.page;
		if (kind < 2) {
			x.size = K4 * (1 + (r >> 8) % 8);
			x.flags |= IREF_BUILD_NO_BLOCKS;
		}
		x.va = bases[(r >> 16) % nbases] +
		       ((rnd(seed) % window) & ~(x.page - 1));
		x.pa = (UINT64_C(1) << 32) +
		       ((rnd(seed) % (UINT64_C(1) << 40)) & ~(x.page - 1));
		x.perm = (unsigned)(r >> 24) & 7;
		if (fs)
			x.perm |= R; /* FS entries cannot deny reads */
		if (r >> 27 & 1)
			x.flags |= IREF_BUILD_USER;
		if (r >> 28 & 1)
			x.flags |= IREF_BUILD_GLOBAL;
		if ((r >> 29 & 7) == 0)
			x.flags |= IREF_BUILD_NO_ACCESSED;
		if ((r >> 32 & 7) == 0)
			x.flags |= IREF_BUILD_NO_DIRTY;
		bool clash = false;
		for (size_t i = 0; i < n && !clash; i++)
			clash = x.va < m[i].va + m[i].size &&
				m[i].va < x.va + x.size;
		if (!clash)
			m[n++] = x;
	}
	return n;
}

static void build_maps(struct iref_walk_cfg *c, struct iref_mem m,
		       uint64_t pool, const struct rmap *rm, size_t n)
{
	struct iref_build_map bm[NMAPS];
	for (size_t i = 0; i < n; i++)
		bm[i] = (struct iref_build_map){rm[i].va, rm[i].pa,
						rm[i].size, rm[i].perm,
						rm[i].flags, 0};
	struct iref_pool p = {pool, pool + 0x4000000};
	build(c, m, &p, bm, n);
}

/* An address to probe: mostly inside a map, else anywhere in a window. */
static uint64_t probe(uint64_t *seed, const struct rmap *m, size_t n,
		      const uint64_t *bases, size_t nbases, uint64_t window)
{
	uint64_t r = rnd(seed);
	if (r % 4) {
		const struct rmap *x = &m[(r >> 8) % n];
		return x->va + rnd(seed) % x->size;
	}
	return bases[(r >> 8) % nbases] + rnd(seed) % window;
}

static int page_level(uint64_t page)
{
	return page == K4 ? 1 : page == M2 ? 2 : 3;
}

/* §4.3 as a table, independently of the walker. */
static void fs_reference(const struct rmap *x, bool wpe, unsigned acc,
			 bool priv, unsigned *perm, uint32_t *code)
{
	bool u = x->flags & IREF_BUILD_USER;
	bool w = x->perm & W, xx = x->perm & X;
	if (!priv)
		*perm = u ? R | (w ? W : 0) | (xx ? X : 0) : 0;
	else
		*perm = R | (w || !wpe ? W : 0) | (xx && !u ? X : 0);
	*code = 0;
	if (*perm & acc)
		return;
	if (!priv && !u)
		*code = IREF_INTEL_FR_SGN_2;
	else
		*code = acc == ACC_W ? IREF_INTEL_FR_SGN_6 : IREF_INTEL_FR_SGN_3;
}

START_TEST(test_property_fs)
{
	for (int run = 0; run < 2; run++) {
		bool five = run == 1, wpe = run == 1;
		uint64_t seed = 0x1234567 + (uint64_t)run;
		uint64_t lo = five ? UINT64_C(0x00ff000000000000)
				   : UINT64_C(0x00007f0000000000);
		uint64_t hi = five ? UINT64_C(0xff00000000000000)
				   : UINT64_C(0xffff800000000000);
		const uint64_t bases[] = {0, lo, hi, 0xfffffff000000000};
		const uint64_t window = UINT64_C(1) << 36;
		struct rmap m[NMAPS];
		size_t n = random_maps(&seed, m, bases, 4, window, true);
		struct iref_walk_cfg c = fs_cfg(0);
		opt(&c, "levels", five ? "5" : "4");
		opt(&c, "wpe", wpe ? "1" : "0");
		opt(&c, "sre", "1");
		opt(&c, "nxe", "1");
		opt(&c, "ere", "1");
		opt(&c, "smep", "1");
		build_maps(&c, mem, 0x100000000, m, n);
		for (int i = 0; i < 20000; i++) {
			uint64_t a = probe(&seed, m, n, bases, 4, window);
			uint64_t r = rnd(&seed);
			unsigned acc = 1u << (r % 3);
			bool priv = r >> 8 & 1;
			if ((r >> 12) % 64 == 0) /* non-canonical */
				a ^= UINT64_C(1) << (five ? 60 : 52);
			const struct iref_walk_result *res1 =
				walk(&c, a, acc, priv);
			const struct rmap *x = lookup(m, n, a);
			if ((r >> 12) % 64 == 0) {
				expect_fault(res1, IREF_WF_TRANSLATION,
					     IREF_INTEL_FR_SGN_1, -1, 1);
				continue;
			}
			if (!x) {
				ck_assert(!res1->ok);
				ck_assert_uint_eq(res1->fault.code,
						  IREF_INTEL_FR_SFS_2);
				continue;
			}
			unsigned perm;
			uint32_t code;
			fs_reference(x, wpe, acc, priv, &perm, &code);
			if (code)
				expect_fault(res1, IREF_WF_PERMISSION, code,
					     page_level(x->page), 1);
			else
				expect_ok(res1, x->pa + (a - x->va), x->page,
					  perm);
			if (code)
				continue;
			ck_assert_int_eq(res1->global,
					 !!(x->flags & IREF_BUILD_GLOBAL));
			ck_assert_uint_eq(count(res1, IREF_WALK_RD),
					  (five ? 6u : 5u) -
						  (unsigned)page_level(x->page));
		}
	}
}
END_TEST

/* §5 rights as a table. */
static void ss_reference(const struct rmap *x, bool ssee, unsigned acc,
			 unsigned *perm, uint32_t *code,
			 enum iref_wfault *reason)
{
	unsigned p = x->perm;
	*perm = (p & (R | W)) | (ssee && (p & R) && (p & X) ? X : 0);
	unsigned need = acc == ACC_X && !ssee ? R : acc;
	*code = 0;
	*reason = IREF_WF_PERMISSION;
	if (*perm & need)
		return;
	if (!(p & (R | W | (ssee ? X : 0)))) {
		*code = IREF_INTEL_FR_SSS_2;
		*reason = IREF_WF_TRANSLATION;
	} else if (acc == ACC_W) {
		*code = IREF_INTEL_FR_SGN_6;
	} else if (acc == ACC_X && (p & R)) {
		*code = IREF_INTEL_FR_SGN_3;
	} else {
		*code = IREF_INTEL_FR_SGN_7;
	}
}

START_TEST(test_property_ss)
{
	for (unsigned levels = 3; levels <= 5; levels++) {
		uint64_t seed = 0xabcdef + levels;
		bool ssee = levels != 4;
		unsigned x = levels == 3 ? 39 : 48; /* min(MGAW 48, AGAW) */
		const uint64_t bases[] = {0, (UINT64_C(1) << (x - 1)),
					  (UINT64_C(1) << x) - (UINT64_C(1)
								<< 36)};
		const uint64_t window = UINT64_C(1) << 36;
		struct rmap m[NMAPS];
		size_t n = random_maps(&seed, m, bases, 3, window, false);
		struct iref_walk_cfg c = ss_cfg(0);
		char lv[2] = {(char)('0' + levels), 0};
		opt(&c, "levels", lv);
		opt(&c, "ssee", ssee ? "1" : "0");
		build_maps(&c, mem, 0x100000000, m, n);
		for (int i = 0; i < 20000; i++) {
			uint64_t a = probe(&seed, m, n, bases, 3, window);
			uint64_t r = rnd(&seed);
			unsigned acc = 1u << (r % 3);
			if ((r >> 12) % 64 == 0) {
				a |= UINT64_C(1) << (x + (r >> 20) % (64 - x));
				expect_fault(walk(&c, a, acc, SUP),
					     IREF_WF_TRANSLATION,
					     IREF_INTEL_FR_SGN_5, -1, 2);
				continue;
			}
			const struct iref_walk_result *res1 =
				walk(&c, a, acc, SUP);
			const struct rmap *e = lookup(m, n, a);
			if (!e) {
				ck_assert(!res1->ok);
				ck_assert_uint_eq(res1->fault.code,
						  IREF_INTEL_FR_SSS_2);
				continue;
			}
			unsigned perm;
			uint32_t code;
			enum iref_wfault reason;
			ss_reference(e, ssee, acc, &perm, &code, &reason);
			if (code)
				expect_fault(res1, reason, code,
					     page_level(e->page), 2);
			else
				expect_ok(res1, e->pa + (a - e->va), e->page,
					  perm);
		}
	}
}
END_TEST

/* ---- Hostile memory ---- */

/* Accesses one stage may make: the core retries a stage whose A/D
 * compare-and-swap found the entry changed (4 attempts), each attempt
 * reading at most 5 entries and writing at most 5. */
#define ONE_STAGE_MAX (4 * (5 + 5))
/* Nested: each FS read and FS A/D write first walks stage 2; then the
 * output goes through stage 2. */
#define NESTED_MAX (4 * 5 * 2 * (ONE_STAGE_MAX + 1) + ONE_STAGE_MAX)

static void check_sane(const struct iref_walk_result *r, unsigned access,
		       unsigned max_acc)
{
	ck_assert_uint_le(r->n_acc, max_acc);
	if (r->ok) {
		ck_assert(r->page_size == K4 || r->page_size == M2 ||
			  r->page_size == G1);
		ck_assert_uint_lt(r->pa, UINT64_C(1) << 52);
		ck_assert_int_ge(r->level, 1);
		ck_assert_int_le(r->level, 3);
		if (access != ACC_X)
			ck_assert(r->perm & access);
		return;
	}
	ck_assert_int_ne(r->fault.reason, IREF_WF_NONE);
	ck_assert_ptr_nonnull(iref_intel_fr_name(r->fault.code));
	ck_assert(r->fault.stage == 1 || r->fault.stage == 2);
	ck_assert_int_ge(r->fault.level, -1);
	ck_assert_int_le(r->fault.level, 5);
}

static void random_options(uint64_t *seed, struct iref_walk_cfg *c)
{
	static const char *const fs_keys[] = {"wpe", "sre", "ere", "nxe",
					      "smep", "eafe", "fl1gp",
					      "xd_reserved", "intr_check"};
	static const char *const ss_keys[] = {"ssee", "ssade", "legacy",
					      "sc", "dt", "intr_check"};
	bool fs = c->fmt == IREF_FMT_INTEL_FS;
	const char *const *keys = fs ? fs_keys : ss_keys;
	size_t nk = fs ? 9 : 6;
	for (size_t i = 0; i < nk; i++)
		opt(c, keys[i], rnd(seed) & 1 ? "1" : "0");
	uint64_t r = rnd(seed);
	opt(c, "perm_check", r & 1 ? "per_level" : "leaf");
	opt(c, "haw", r >> 1 & 1 ? "52" : "36");
	if (fs) {
		opt(c, "levels", r >> 2 & 1 ? "5" : "4");
	} else {
		static const char *const lv[] = {"3", "4", "5"};
		opt(c, "levels", lv[(r >> 2) % 3]);
		opt(c, "sllps", r >> 8 & 1 ? "3" : "1");
		opt(c, "mgaw", r >> 9 & 1 ? "64" : "40");
	}
}

START_TEST(test_hostile_memory)
{
	for (unsigned round = 0; round < 8; round++) {
		uint64_t seed = 0x5eed0000 + round;
		struct iref_sparse_mem_config mc = {
			.limit = round & 1 ? UINT64_C(1) << 24 : 0,
			.unwritten_is_bus_error = round & 2,
		};
		struct iref_sparse_mem *hm = iref_sparse_mem_create(&mc);
		struct iref_mem m = iref_sparse_mem_as_mem(hm);
		const uint64_t base = 0x10000, pages = 32;
		for (uint64_t e = 0; e < pages * 512; e++) {
			uint64_t r = rnd(&seed), v;
			switch (r % 5) {
			case 0: v = rnd(&seed); break;
			case 1: v = ~UINT64_C(0); break;
			case 2: /* itself */
				v = (base + e * 8) & ~UINT64_C(0xfff);
				v |= r >> 40 & 0xfff;
				break;
			case 3: /* another table of the heap */
				v = base + (r >> 8) % pages * K4;
				v |= r >> 40 & 0xfff;
				break;
			default: v = r & 1 ? 0 : r >> 3 & 0xfff; break;
			}
			ck_assert_int_eq(iref_mem_write64(m, base + e * 8, v),
					 IREF_OK);
		}
		for (int i = 0; i < 3000; i++) {
			struct iref_walk_cfg c1 = fs_cfg(0), c2 = ss_cfg(0);
			random_options(&seed, &c1);
			random_options(&seed, &c2);
			c1.root = base + rnd(&seed) % pages * K4;
			c2.root = base + rnd(&seed) % pages * K4;
			uint64_t r = rnd(&seed);
			struct iref_walk_req rq = {
				.addr = rnd(&seed) & (r & 8 ? ~UINT64_C(0)
							    : 0xffffffffff),
				.access = 1u << (r % 3),
				.priv = r >> 4 & 1,
			};
			unsigned which = (r >> 5) % 3;
			if (which == 2) {
				ck_assert_int_eq(iref_walk_nested(&c1, &c2, m,
								  &rq, &res),
						 IREF_OK);
				check_sane(&res, rq.access, NESTED_MAX);
			} else {
				ck_assert_int_eq(iref_walk(which ? &c2 : &c1,
							   m, &rq, &res),
						 IREF_OK);
				check_sane(&res, rq.access, ONE_STAGE_MAX);
				ck_assert_uint_eq(res.fault.stage,
						  res.ok ? 0 : which + 1);
			}
		}
		iref_sparse_mem_destroy(hm);
	}
}
END_TEST

/* ---- Nested against the composition of two single stages ---- */

/* Guest-physical memory seen through a stage 2: what a single-stage FS
 * walk needs to read tables that live at GPAs. */
struct gview {
	const struct iref_walk_cfg *ss;
	struct iref_mem host;
};

static enum iref_rc gv_access(struct gview *g, uint64_t gpa, void *buf,
			      size_t len, bool write)
{
	uint8_t *b = buf;
	while (len) {
		size_t n = K4 - (gpa & (K4 - 1));
		if (n > len)
			n = len;
		struct iref_walk_req rq = {
			.addr = gpa, .access = write ? ACC_W : ACC_R,
			.priv = true,
		};
		struct iref_walk_result r2;
		if (iref_walk(g->ss, g->host, &rq, &r2) != IREF_OK || !r2.ok)
			return IREF_E_BUS;
		enum iref_rc rc = write ? iref_mem_write(g->host, r2.pa, b, n)
					: iref_mem_read(g->host, r2.pa, b, n);
		if (rc != IREF_OK)
			return rc;
		gpa += n;
		b += n;
		len -= n;
	}
	return IREF_OK;
}

static enum iref_rc gv_read(void *ctx, uint64_t a, void *buf, size_t len)
{
	return gv_access(ctx, a, buf, len, false);
}

static enum iref_rc gv_write(void *ctx, uint64_t a, const void *buf,
			     size_t len)
{
	return gv_access(ctx, a, (void *)buf, len, true);
}

static const struct iref_mem_ops gv_ops = {gv_read, gv_write};

START_TEST(test_nested_composition)
{
	uint64_t seed = 0xfeedbeef;
	const uint64_t fs_pool = 0x40000000, host_off = UINT64_C(1) << 40;
	struct iref_walk_cfg ss = ss_cfg(0), fs = fs_cfg(0);
	opt(&ss, "ssee", "1");
	opt(&fs, "sre", "1");
	opt(&fs, "nxe", "1");
	opt(&fs, "ere", "1");
	/* Stage 2: the FS table pool (GPA) read-write, then random data
	 * maps with holes and mixed rights in the output window. */
	const uint64_t gbases[] = {UINT64_C(1) << 32};
	struct rmap sm2[NMAPS];
	size_t n2 = random_maps(&seed, sm2, gbases, 1, UINT64_C(1) << 34,
				false);
	struct iref_build_map pool_map = {fs_pool, fs_pool + host_off,
					  0x4000000, R | W, 0, 0};
	struct iref_pool p2 = pool_at(0x10000000);
	build(&ss, mem, &p2, &pool_map, 1);
	for (size_t i = 0; i < n2; i++)
		sm2[i].pa = sm2[i].pa % (UINT64_C(1) << 40) + host_off * 2;
	build_maps(&ss, mem, 0x20000000, sm2, n2);
	/* Stage 1, built through the stage-2 view of memory. */
	struct gview gv = {&ss, mem};
	struct iref_mem gmem = {&gv_ops, &gv};
	const uint64_t vbases[] = {0, 0xffff800000000000};
	struct rmap sm1[NMAPS];
	size_t n1 = random_maps(&seed, sm1, vbases, 2, UINT64_C(1) << 36,
				true);
	for (size_t i = 0; i < n1; i++) {
		sm1[i].pa = (UINT64_C(1) << 32) +
			    sm1[i].pa % (UINT64_C(1) << 34);
		sm1[i].flags &= ~(unsigned)(IREF_BUILD_NO_ACCESSED |
					    IREF_BUILD_NO_DIRTY);
	}
	struct iref_pool p1 = {fs_pool, fs_pool + 0x4000000};
	struct iref_build_map bm[NMAPS];
	for (size_t i = 0; i < n1; i++)
		bm[i] = (struct iref_build_map){sm1[i].va, sm1[i].pa,
						sm1[i].size, sm1[i].perm,
						sm1[i].flags, 0};
	build(&fs, gmem, &p1, bm, n1);

	unsigned oks = 0, s2faults = 0;
	for (int i = 0; i < 20000; i++) {
		uint64_t a = probe(&seed, sm1, n1, vbases, 2,
				   UINT64_C(1) << 36);
		uint64_t r = rnd(&seed);
		struct iref_walk_req rq = {a, 1u << (r % 3), r >> 4 & 1};
		struct iref_walk_result one, two, both;
		ck_assert_int_eq(iref_walk(&fs, gmem, &rq, &one), IREF_OK);
		ck_assert_int_eq(iref_walk_nested(&fs, &ss, mem, &rq, &both),
				 IREF_OK);
		if (!one.ok) {
			ck_assert(!both.ok);
			ck_assert_uint_eq(both.fault.stage, 1);
			ck_assert_uint_eq(both.fault.code, one.fault.code);
			ck_assert_int_eq(both.fault.level, one.fault.level);
			ck_assert_int_eq(both.fault.reason, one.fault.reason);
			continue;
		}
		struct iref_walk_req r2 = {one.pa, rq.access, rq.priv};
		ck_assert_int_eq(iref_walk(&ss, mem, &r2, &two), IREF_OK);
		if (!two.ok) {
			s2faults++;
			ck_assert(!both.ok);
			ck_assert_uint_eq(both.fault.stage, 2);
			ck_assert(!both.fault.on_walk);
			ck_assert_uint_eq(both.fault.code, two.fault.code);
			ck_assert_int_eq(both.fault.level, two.fault.level);
			ck_assert_uint_eq(both.fault.addr, a);
			ck_assert_uint_eq(both.fault.addr2, one.pa);
			continue;
		}
		oks++;
		ck_assert(both.ok);
		ck_assert_uint_eq(both.pa, two.pa);
		ck_assert_uint_eq(both.page_size, one.page_size < two.page_size
							  ? one.page_size
							  : two.page_size);
		ck_assert_uint_eq(both.perm, one.perm & two.perm);
		ck_assert_uint_eq(both.attrs, one.attrs | two.attrs << 16);
		ck_assert_int_eq(both.level, two.level);
		ck_assert_int_eq(both.global, one.global);
	}
	/* The random layout must exercise every branch. */
	ck_assert_uint_gt(oks, 1000);
	ck_assert_uint_gt(s2faults, 1000);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("walk_intel");
	TCase *ex = tcase_create("worked_examples");
	tcase_add_checked_fixture(ex, setup, teardown);
	tcase_add_test(ex, test_ex_i1_user_read_then_write);
	tcase_add_test(ex, test_ex_i2_2m_page);
	tcase_add_test(ex, test_ad_policy_as_walked);
	tcase_add_test(ex, test_ex_i3_faults);
	tcase_add_test(ex, test_ex_i4_ss_1g);
	tcase_add_test(ex, test_ex_i5_nested);
	tcase_add_test(ex, test_ex_i5_nested_a_updates);
	tcase_add_test(ex, test_ex_i5_nested_ss_readonly);
	suite_add_tcase(s, ex);

	TCase *op = tcase_create("options");
	tcase_add_checked_fixture(op, setup, teardown);
	tcase_add_test(op, test_options);
	tcase_add_test(op, test_fault_names);
	tcase_add_test(op, test_unusable_cfg);
	tcase_add_test(op, test_root_beyond_haw);
	suite_add_tcase(s, op);

	TCase *ed = tcase_create("edge_cases");
	tcase_add_checked_fixture(ed, setup, teardown);
	tcase_add_test(ed, test_edge01_canonical);
	tcase_add_test(ed, test_edge02_ps_upper_levels);
	tcase_add_test(ed, test_edge03_alignment_bits);
	tcase_add_test(ed, test_edge04_haw_bits);
	tcase_add_test(ed, test_edge05_xd);
	tcase_add_test(ed, test_edge06_us_upper_level);
	tcase_add_test(ed, test_edge07_rw_upper_level);
	tcase_add_test(ed, test_edge08_accessed_dirty);
	tcase_add_test(ed, test_fs_execute);
	tcase_add_test(ed, test_perm_check_per_level);
	tcase_add_test(ed, test_edge13_ss_not_present);
	tcase_add_test(ed, test_ss_execute);
	tcase_add_test(ed, test_edge14_ss_reserved);
	tcase_add_test(ed, test_edge15_ss_input_limit);
	tcase_add_test(ed, test_edge16_ss_large_leaf_bits);
	tcase_add_test(ed, test_edge17_interrupt_range);
	tcase_add_test(ed, test_edge18_nested_fault_stage);
	tcase_add_test(ed, test_edge19_nested_ro_table_page);
	tcase_add_test(ed, test_edge20_bus_errors);
	tcase_add_test(ed, test_edge20_nested_bus_error);
	tcase_add_test(ed, test_edge24_hostile_tables);
	suite_add_tcase(s, ed);

	TCase *bu = tcase_create("builder");
	tcase_add_checked_fixture(bu, setup, teardown);
	tcase_add_test(bu, test_build_fs);
	tcase_add_test(bu, test_build_ss);
	suite_add_tcase(s, bu);

	TCase *pr = tcase_create("property");
	tcase_add_checked_fixture(pr, setup, teardown);
	tcase_set_timeout(pr, 120);
	tcase_add_test(pr, test_property_fs);
	tcase_add_test(pr, test_property_ss);
	tcase_add_test(pr, test_hostile_memory);
	tcase_add_test(pr, test_nested_composition);
	suite_add_tcase(s, pr);
	return s;
}

int main(void)
{
	return iref_test_run(suite());
}
