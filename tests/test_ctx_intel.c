/* VT-d stage-1 contexts, format INTEL_PT (walkers/ctx_intel.c): defaults
 * and options, the CAP/ECAP words PROBE reports (hand-computed), every
 * ATTACH_TABLE check of virtio-iommu.md 6.5.2 (C120), the first-stage
 * configuration a descriptor resolves to, and walks of it end to end
 * (pgtable-intel.md I-1). docs/extension-intel.md describes the choices. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "iommu-ref/context.h"
#include "iommu-ref/walk.h"
#include "testutil.h"
#include "walk_fixture.h"

#define CTX_ARCH IREF_ARCH_INTEL
#include "ctx_fixture.h"

/* A well-formed descriptor: PASID 5, 4-level table at 0x100000. */
static struct iref_attach_table good(void)
{
	return (struct iref_attach_table){
		.domain = 1,
		.endpoint = 2,
		.format = IREF_TF_INTEL_PT,
		.u.intel = {.pasid = 5,
			    .attach_flags = IREF_ATTACH_TABLE_F_PASID,
			    .pgtbl_addr = 0x100000,
			    .addr_width = 48},
	};
}

START_TEST(test_defaults)
{
	ck_assert_int_eq(caps.arch, IREF_ARCH_INTEL);
	ck_assert_int_eq(caps.s1.fmt, IREF_FMT_INTEL_FS);
	ck_assert_str_eq(iref_walk_cfg_name(&caps.s1), "intel-fs");
	ck_assert_uint_eq(caps.pasid_bits, 20);
	ck_assert(caps.x.intel.fl5lp);
	ck_assert(caps.x.intel.srs);
	ck_assert(!caps.x.intel.eafs);
	/* The walker's own defaults are kept. */
	ck_assert(caps.s1.u.intel.fl1gp);
	ck_assert_uint_eq(caps.s1.u.intel.haw, 48);
	ck_assert(!caps.s1.u.intel.sre);
}
END_TEST

START_TEST(test_caps_set)
{
	set("fl5lp", "0");
	ck_assert(!caps.x.intel.fl5lp);
	set("srs", "off");
	ck_assert(!caps.x.intel.srs);
	set("eafs", "true");
	ck_assert(caps.x.intel.eafs);
	set("pasid_bits", "0");
	ck_assert_uint_eq(caps.pasid_bits, 0);
	set("pasid_bits", "20");
	ck_assert_uint_eq(caps.pasid_bits, 20);
	ck_assert_int_eq(try_set("pasid_bits", "21"), IREF_E_RANGE);
	ck_assert_int_eq(try_set("fl5lp", "2"), IREF_E_RANGE);
	ck_assert_int_eq(try_set("srs", "maybe"), IREF_E_INVAL);
	ck_assert_uint_eq(caps.pasid_bits, 20); /* failures change nothing */
	ck_assert(caps.x.intel.eafs);
	/* Not an Intel key: the walker's options. */
	set("fl1gp", "0");
	ck_assert(!caps.s1.u.intel.fl1gp);
	set("haw", "39");
	ck_assert_uint_eq(caps.s1.u.intel.haw, 39);
	ck_assert_int_eq(try_set("cd2l", "1"), IREF_E_INVAL);
}
END_TEST

#define CAP_SAGAW_48 (UINT64_C(1) << 10)
#define CAP_SAGAW_57 (UINT64_C(1) << 11)
#define CAP_FL1GP (UINT64_C(1) << 56)
#define CAP_FL5LP (UINT64_C(1) << 60)
#define ECAP_PT (UINT64_C(1) << 6)
#define ECAP_NEST (UINT64_C(1) << 26)
#define ECAP_ERS (UINT64_C(1) << 30)
#define ECAP_SRS (UINT64_C(1) << 31)
#define ECAP_EAFS (UINT64_C(1) << 34)
#define ECAP_PASID (UINT64_C(1) << 40)
#define ECAP_SLADS (UINT64_C(1) << 45)
#define ECAP_SLTS (UINT64_C(1) << 46)

START_TEST(test_regs_default)
{
	struct iref_hw_regs r;
	iref_hw_caps_regs(&caps, &r);
	ck_assert_uint_eq(r.type, IREF_PROBE_T_HW_INTEL);
	/* SAGAW 1100b (10, 11), MGAW 56 (21:16), FL1GP (56), FL5LP (60). */
	ck_assert_uint_eq(r.reg[0], UINT64_C(0x1100000000380c00));
	ck_assert(r.reg[0] & CAP_FL1GP);
	ck_assert(r.reg[0] & CAP_FL5LP);
	ck_assert_uint_eq((r.reg[0] >> 16) & 0x3f, 56);
	ck_assert_uint_eq((r.reg[0] >> 34) & 0xf, 0); /* SLLPS hidden */
	ck_assert_uint_eq(r.reg[0] & 7, 0);           /* ND hidden */
	/* C (0), SRS (31), PSS 19 (39:35), PASID (40), SMTS (43), FLTS (47),
	 * SMPWCS (48). */
	ck_assert_uint_eq(r.reg[1], UINT64_C(0x1899880000001));
	ck_assert_uint_eq((r.reg[1] >> 35) & 0x1f, 19);
	ck_assert(r.reg[1] & ECAP_SRS);
	ck_assert(r.reg[1] & ECAP_PASID);
	/* C126: stage 2, nesting and pass-through hidden. */
	ck_assert(!(r.reg[1] & (ECAP_SLTS | ECAP_NEST | ECAP_PT | ECAP_SLADS |
				ECAP_EAFS | ECAP_ERS)));
	ck_assert_uint_eq(r.reg[2] | r.reg[3], 0);
}
END_TEST

START_TEST(test_regs_options)
{
	set("fl5lp", "0");
	set("fl1gp", "0");
	set("srs", "0");
	set("eafs", "1");
	set("ere", "1");
	set("pasid_bits", "0");
	struct iref_hw_regs r;
	iref_hw_caps_regs(&caps, &r);
	/* SAGAW 0100b, MGAW 47, no FL1GP/FL5LP. */
	ck_assert_uint_eq(r.reg[0], UINT64_C(0x2f0400));
	ck_assert(!(r.reg[0] & CAP_SAGAW_57));
	ck_assert(r.reg[0] & CAP_SAGAW_48);
	/* C, ERS (30), EAFS (34), SMTS, FLTS, SMPWCS; no PASID, PSS 0. */
	ck_assert_uint_eq(r.reg[1], UINT64_C(0x1880440000001));
	set("pasid_bits", "5");
	iref_hw_caps_regs(&caps, &r);
	ck_assert_uint_eq(r.reg[1], UINT64_C(0x1880440000001) | ECAP_PASID |
					    UINT64_C(4) << 35);
}
END_TEST

START_TEST(test_formats_and_page_sizes)
{
	ck_assert(iref_hw_caps_accepts(&caps, IREF_TF_INTEL_PT));
	ck_assert(!iref_hw_caps_accepts(&caps, IREF_TF_ARM_SMMU3));
	ck_assert(!iref_hw_caps_accepts(&caps, IREF_TF_AMD_PT));
	ck_assert(!iref_hw_caps_accepts(&caps, 3));
	ck_assert(iref_hw_caps_page_size_ok(&caps, 12));
	ck_assert(iref_hw_caps_page_size_ok(&caps, 21));
	ck_assert(iref_hw_caps_page_size_ok(&caps, 30));
	ck_assert(!iref_hw_caps_page_size_ok(&caps, 13));
	ck_assert(!iref_hw_caps_page_size_ok(&caps, 39));
	ck_assert(!iref_hw_caps_page_size_ok(&caps, 16));
	set("fl1gp", "0");
	ck_assert(!iref_hw_caps_page_size_ok(&caps, 30));
	ck_assert(iref_hw_caps_page_size_ok(&caps, 21));
}
END_TEST

/* ---- C120: ATTACH_TABLE checks ---- */

START_TEST(test_check_c120_ok)
{
	struct iref_attach_table at = good();
	ck_assert_int_eq(chk(&at, 64), IREF_S_OK);
	at.u.intel.addr_width = 57;
	at.u.intel.s1_flags = IREF_INTEL_S1_SRE | IREF_INTEL_S1_WPE;
	ck_assert_int_eq(chk(&at, 48), IREF_S_OK);
	/* Without F_PASID the pasid field means nothing. */
	at.u.intel.attach_flags = 0;
	at.u.intel.pasid = UINT32_MAX;
	ck_assert_int_eq(chk(&at, 48), IREF_S_OK);
	/* A format the caps do not take: the core answers UNSUPP. */
	at.format = IREF_TF_AMD_PT;
	ck_assert_int_eq(chk(&at, 48), IREF_S_UNSUPP);
}
END_TEST

START_TEST(test_check_c120_unknown_bits)
{
	struct iref_attach_table at = good();
	at.u.intel.s1_flags = 1u << 3;
	ck_assert_int_eq(chk(&at, 64), IREF_S_INVAL);
	at.u.intel.s1_flags = UINT64_C(1) << 63;
	ck_assert_int_eq(chk(&at, 64), IREF_S_INVAL);
	at = good();
	at.u.intel.attach_flags |= 1u << 1;
	ck_assert_int_eq(chk(&at, 64), IREF_S_INVAL);
	at.u.intel.attach_flags = 1u << 31;
	ck_assert_int_eq(chk(&at, 64), IREF_S_INVAL);
}
END_TEST

START_TEST(test_check_c120_pgtbl)
{
	struct iref_attach_table at = good();
	at.u.intel.pgtbl_addr = 0x100800;
	ck_assert_int_eq(chk(&at, 64), IREF_S_INVAL);
	at.u.intel.pgtbl_addr = 0x100008;
	ck_assert_int_eq(chk(&at, 64), IREF_S_INVAL);
	at.u.intel.pgtbl_addr = UINT64_C(1) << 40;
	ck_assert_int_eq(chk(&at, 40), IREF_S_RANGE);
	ck_assert_int_eq(chk(&at, 41), IREF_S_OK);
	ck_assert_int_eq(chk(&at, 0), IREF_S_OK); /* 0: no bound */
	at.u.intel.pgtbl_addr = UINT64_C(0xfffffffffffff000);
	ck_assert_int_eq(chk(&at, 63), IREF_S_RANGE);
	ck_assert_int_eq(chk(&at, 64), IREF_S_OK);
}
END_TEST

START_TEST(test_check_c120_addr_width)
{
	static const uint32_t bad[] = {0, 39, 47, 49, 52, 56, 58, 64};
	struct iref_attach_table at = good();
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		at.u.intel.addr_width = bad[i];
		ck_assert_int_eq(chk(&at, 64), IREF_S_INVAL);
	}
	at.u.intel.addr_width = 57;
	ck_assert_int_eq(chk(&at, 64), IREF_S_OK);
	set("fl5lp", "0");
	ck_assert_int_eq(chk(&at, 64), IREF_S_UNSUPP);
	at.u.intel.addr_width = 48;
	ck_assert_int_eq(chk(&at, 64), IREF_S_OK);
}
END_TEST

START_TEST(test_check_c120_sre_eafe)
{
	struct iref_attach_table at = good();
	at.u.intel.s1_flags = IREF_INTEL_S1_SRE;
	ck_assert_int_eq(chk(&at, 64), IREF_S_OK);
	set("srs", "0");
	ck_assert_int_eq(chk(&at, 64), IREF_S_UNSUPP);
	at.u.intel.s1_flags = IREF_INTEL_S1_EAFE; /* EAFS off by default */
	ck_assert_int_eq(chk(&at, 64), IREF_S_UNSUPP);
	set("eafs", "1");
	ck_assert_int_eq(chk(&at, 64), IREF_S_OK);
	at.u.intel.s1_flags = IREF_INTEL_S1_WPE; /* always allowed */
	set("eafs", "0");
	ck_assert_int_eq(chk(&at, 64), IREF_S_OK);
}
END_TEST

START_TEST(test_check_c120_pasid)
{
	struct iref_attach_table at = good();
	at.u.intel.pasid = (1u << 20) - 1;
	ck_assert_int_eq(chk(&at, 64), IREF_S_OK);
	at.u.intel.pasid = 1u << 20;
	ck_assert_int_eq(chk(&at, 64), IREF_S_RANGE);
	set("pasid_bits", "4");
	at.u.intel.pasid = 15;
	ck_assert_int_eq(chk(&at, 64), IREF_S_OK);
	at.u.intel.pasid = 16;
	ck_assert_int_eq(chk(&at, 64), IREF_S_RANGE);
	/* ECAP.PASID = 0: no PASID-tagged attachment at all. */
	set("pasid_bits", "0");
	at.u.intel.pasid = 0;
	ck_assert_int_eq(chk(&at, 64), IREF_S_RANGE);
	at.u.intel.attach_flags = 0;
	ck_assert_int_eq(chk(&at, 64), IREF_S_OK);
}
END_TEST

START_TEST(test_check_order)
{
	/* Unknown bits win over everything. */
	struct iref_attach_table at = good();
	at.u.intel.s1_flags = 1u << 5;
	at.u.intel.pgtbl_addr = 0x123;
	at.u.intel.addr_width = 50;
	ck_assert_int_eq(chk(&at, 12), IREF_S_INVAL);
	/* The pointer's range before the width. */
	at = good();
	at.u.intel.pgtbl_addr = UINT64_C(1) << 45;
	at.u.intel.addr_width = 50;
	ck_assert_int_eq(chk(&at, 40), IREF_S_RANGE);
	/* The width's encoding before the capabilities. */
	set("srs", "0");
	at = good();
	at.u.intel.s1_flags = IREF_INTEL_S1_SRE;
	at.u.intel.addr_width = 50;
	ck_assert_int_eq(chk(&at, 64), IREF_S_INVAL);
	/* Capabilities before the PASID. */
	at.u.intel.addr_width = 48;
	at.u.intel.pasid = 1u << 20;
	ck_assert_int_eq(chk(&at, 64), IREF_S_UNSUPP);
}
END_TEST

/* ---- Resolve ---- */

static void resolve(const struct iref_attach_table *at, bool has_pasid,
		    uint32_t pasid, bool priv, struct iref_ctx *ctx)
{
	struct iref_ctx_env env = {.caps = &caps, .mem = mem};
	struct iref_ctx_req req = {.has_pasid = has_pasid,
				   .pasid = pasid,
				   .priv = priv,
				   .access = IREF_ACC_READ};
	ck_assert_int_eq(iref_ctx_resolve(&env, at, &req, ctx), IREF_OK);
}

START_TEST(test_resolve_4level)
{
	set("haw", "46");
	struct iref_attach_table at = good();
	at.u.intel.s1_flags = IREF_INTEL_S1_SRE | IREF_INTEL_S1_WPE;
	struct iref_ctx ctx;
	resolve(&at, true, 5, false, &ctx);
	ck_assert_int_eq(ctx.kind, IREF_CTX_WALK);
	ck_assert_int_eq(ctx.s1.fmt, IREF_FMT_INTEL_FS);
	ck_assert_uint_eq(ctx.s1.root, 0x100000);
	ck_assert_uint_eq(ctx.s1.u.intel.levels, 4);
	ck_assert(ctx.s1.u.intel.sre);
	ck_assert(ctx.s1.u.intel.wpe);
	ck_assert(!ctx.s1.u.intel.eafe);
	ck_assert_uint_eq(ctx.s1.u.intel.haw, 46); /* from the caps */
	ck_assert(!ctx.has_tag);
	ck_assert_uint_eq(ctx.n_reads, 0); /* no memory structure */
}
END_TEST

START_TEST(test_resolve_5level)
{
	set("eafs", "1");
	struct iref_attach_table at = good();
	at.u.intel.addr_width = 57;
	at.u.intel.pgtbl_addr = 0x7654000;
	at.u.intel.s1_flags = IREF_INTEL_S1_EAFE;
	struct iref_ctx ctx;
	resolve(&at, false, 0, true, &ctx);
	ck_assert_int_eq(ctx.kind, IREF_CTX_WALK);
	ck_assert_uint_eq(ctx.s1.root, 0x7654000);
	ck_assert_uint_eq(ctx.s1.u.intel.levels, 5);
	ck_assert(ctx.s1.u.intel.eafe);
	ck_assert(!ctx.s1.u.intel.sre);
	ck_assert(!ctx.s1.u.intel.wpe);
}
END_TEST

START_TEST(test_resolve_refused_descriptor)
{
	struct iref_attach_table at = good();
	at.u.intel.addr_width = 39;
	struct iref_ctx ctx;
	resolve(&at, true, 5, false, &ctx);
	ck_assert_int_eq(ctx.kind, IREF_CTX_FAULT);
	ck_assert_uint_eq(ctx.reason, IREF_R_UNKNOWN);
	ck_assert_uint_eq(ctx.fault.code, IREF_INTEL_FR_SPT_4);
	ck_assert_int_eq(ctx.fault.reason, IREF_WF_CONFIG);
	/* A format the caps do not take is the caller's error. */
	struct iref_ctx_env env = {.caps = &caps, .mem = mem};
	struct iref_ctx_req req = {.access = IREF_ACC_READ};
	at.format = IREF_TF_RISCV;
	ck_assert_int_eq(iref_ctx_resolve(&env, &at, &req, &ctx),
			 IREF_E_INVAL);
}
END_TEST

/* pgtable-intel.md I-1: the tables written out by hand. */
#define I1_IOVA UINT64_C(0x00007f1234567abc)
static void i1_tables(void)
{
	w64(0x1007f0, 0x101007);
	w64(0x101240, 0x102007);
	w64(0x102d10, 0x103007);
	w64(0x103b38, 0x80000007);
}

START_TEST(test_end_to_end_i1)
{
	i1_tables();
	struct iref_attach_table at = good();
	struct iref_ctx ctx;
	resolve(&at, true, 5, false, &ctx);
	ck_assert_int_eq(ctx.kind, IREF_CTX_WALK);
	struct iref_walk_req wr = {.addr = I1_IOVA, .access = IREF_ACC_READ};
	ck_assert_int_eq(iref_walk(&ctx.s1, mem, &wr, &res), IREF_OK);
	ck_assert(res.ok);
	ck_assert_uint_eq(res.pa, 0x80000abc);
	ck_assert_uint_eq(res.page_size, 0x1000);
	ck_assert_uint_eq(res.acc[0].addr, 0x1007f0);
	ck_assert_uint_eq(res.acc[3].addr, 0x103b38);
	/* SRE clear: a supervisor request is blocked at the PASID entry
	 * (pgtable-intel.md 4.4, SPT.6 by default). */
	wr.priv = true;
	ck_assert_int_eq(iref_walk(&ctx.s1, mem, &wr, &res), IREF_OK);
	ck_assert(!res.ok);
	ck_assert_uint_eq(res.fault.code, IREF_INTEL_FR_SPT_6);
	/* SRE set: the same supervisor request translates. */
	at.u.intel.s1_flags = IREF_INTEL_S1_SRE;
	resolve(&at, true, 5, true, &ctx);
	ck_assert_int_eq(iref_walk(&ctx.s1, mem, &wr, &res), IREF_OK);
	ck_assert(res.ok);
	ck_assert_uint_eq(res.pa, 0x80000abc);
}
END_TEST

/* Built tables, 5-level, over an "intel-ss" stage 2 shifting GPAs by
 * 1 GiB: the resolved context walks nested (C140). */
START_TEST(test_end_to_end_built_nested)
{
	struct iref_diag d = {0};
	struct iref_walk_cfg s2, fs;
	ck_assert_int_eq(iref_walk_cfg_init(&s2, "intel-ss", &d), IREF_OK);
	ck_assert_int_eq(iref_walk_cfg_init(&fs, "intel-fs", &d), IREF_OK);
	ck_assert_int_eq(iref_walk_cfg_set(&fs, "levels", "5", &d), IREF_OK);
	/* Stage 2: GPA [0, 1 GiB) -> SPA [1 GiB, 2 GiB). */
	struct iref_pool hp = {0x80000000, 0x80100000};
	struct iref_build_map hm = {.va = 0, .pa = 0x40000000,
				    .size = 0x40000000,
				    .perm = IREF_PERM_R | IREF_PERM_W};
	ck_assert_msg(iref_build(&s2, mem, &hp, &hm, 1, &d) == IREF_OK, "%s",
		      d.msg);
	/* The builder writes the addresses it allocates into the entries:
	 * build the guest tables at their GPAs, copy them to the SPAs stage
	 * 2 gives those GPAs, then wipe the originals. */
	struct iref_pool gp = {0x200000, 0x300000};
	struct iref_build_map gm = {.va = UINT64_C(0x00ff123456000000),
				    .pa = 0x1000000,
				    .size = 0x200000,
				    .perm = IREF_PERM_R | IREF_PERM_W,
				    .flags = IREF_BUILD_USER};
	ck_assert_msg(iref_build(&fs, mem, &gp, &gm, 1, &d) == IREF_OK, "%s",
		      d.msg);
	for (uint64_t a = 0x200000; a < gp.next; a += 8) {
		w64(a + 0x40000000, r64(a));
		w64(a, 0);
	}

	struct iref_attach_table at = good();
	at.u.intel.addr_width = 57;
	at.u.intel.pgtbl_addr = fs.root;
	struct iref_ctx ctx;
	resolve(&at, true, 5, false, &ctx);
	ck_assert_int_eq(ctx.kind, IREF_CTX_WALK);
	ck_assert_uint_eq(ctx.s1.u.intel.levels, 5);
	struct iref_walk_req wr = {.addr = UINT64_C(0x00ff123456012345),
				   .access = IREF_ACC_WRITE};
	ck_assert_int_eq(iref_walk_nested(&ctx.s1, &s2, mem, &wr, &res),
			 IREF_OK);
	ck_assert_msg(res.ok, "fault code 0x%x", res.fault.code);
	ck_assert_uint_eq(res.pa, 0x41000000 + 0x12345);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ctx_intel");
	TCase *c = tcase_create("caps");
	tcase_add_checked_fixture(c, caps_setup, NULL);
	tcase_add_test(c, test_defaults);
	tcase_add_test(c, test_caps_set);
	tcase_add_test(c, test_regs_default);
	tcase_add_test(c, test_regs_options);
	tcase_add_test(c, test_formats_and_page_sizes);
	suite_add_tcase(s, c);

	TCase *k = tcase_create("check");
	tcase_add_checked_fixture(k, caps_setup, NULL);
	tcase_add_test(k, test_check_c120_ok);
	tcase_add_test(k, test_check_c120_unknown_bits);
	tcase_add_test(k, test_check_c120_pgtbl);
	tcase_add_test(k, test_check_c120_addr_width);
	tcase_add_test(k, test_check_c120_sre_eafe);
	tcase_add_test(k, test_check_c120_pasid);
	tcase_add_test(k, test_check_order);
	suite_add_tcase(s, k);

	TCase *r = tcase_create("resolve");
	tcase_add_checked_fixture(r, caps_setup, NULL);
	tcase_add_checked_fixture(r, setup, teardown);
	tcase_add_test(r, test_resolve_4level);
	tcase_add_test(r, test_resolve_5level);
	tcase_add_test(r, test_resolve_refused_descriptor);
	tcase_add_test(r, test_end_to_end_i1);
	tcase_add_test(r, test_end_to_end_built_nested);
	suite_add_tcase(s, r);
	return s;
}

int main(void)
{
	return iref_test_run(suite());
}
