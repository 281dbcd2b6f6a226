/* AMD stage-1 contexts, formats AMD_GCR3 and AMD_PT (walkers/ctx_amd.c):
 * defaults and options, the EFR/EFR2 words PROBE reports (hand-computed),
 * every ATTACH_TABLE check of virtio-iommu.md 6.5.4 (C122 and AMD_PT),
 * GCR3-table lookups (pgtable-amd.md 3.2, 6) with their faults, through
 * an identity or an "amd-v1" stage 2, and walks end to end.
 * docs/extension-amd.md describes the choices. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "iommu-ref/context.h"
#include "iommu-ref/walk.h"
#include "testutil.h"
#include "walk_fixture.h"

#define CTX_ARCH IREF_ARCH_AMD
#include "ctx_fixture.h"

/* Guest DTE bits, written out here independently of walkers/ctx_amd.c. */
#define D0_V (UINT64_C(1) << 0)
#define D0_PPR (UINT64_C(1) << 52)
#define D0_GIOV (UINT64_C(1) << 54)
#define D0_GV (UINT64_C(1) << 55)
#define D0_GLX(n) ((uint64_t)(n) << 56)
#define D2_GPM(n) ((uint64_t)(n) << 54)

/* GCR3 root 0x812345000: bits 14:12 = 5 at dte0[60:58], 30:15 = 0x2468
 * at dte1[31:16], 51:31 = 0x10 at dte1[63:43]. */
#define ROOT UINT64_C(0x812345000)
#define ROOT_D0 UINT64_C(0x1400000000000000)
#define ROOT_D1 UINT64_C(0x0000800024680000)

static struct iref_attach_table gcr3_at(uint64_t d0, uint64_t d1,
					uint64_t d2)
{
	return (struct iref_attach_table){
		.domain = 1,
		.endpoint = 2,
		.format = IREF_TF_AMD_GCR3,
		.u.amd_gcr3.dte = {d0, d1, d2, 0},
	};
}

/* GV, GIoV, 2-level table at ROOT, 4-level guest tables. */
static struct iref_attach_table good_gcr3(void)
{
	return gcr3_at(D0_GV | D0_GIOV | D0_GLX(1) | ROOT_D0, ROOT_D1, 0);
}

static struct iref_attach_table good_pt(void)
{
	return (struct iref_attach_table){
		.domain = 1,
		.endpoint = 2,
		.format = IREF_TF_AMD_PT,
		.u.amd_pt = {.pasid = 7,
			     .attach_flags = IREF_ATTACH_TABLE_F_PASID,
			     .gcr3 = 0x301000,
			     .levels = 4},
	};
}

START_TEST(test_defaults)
{
	ck_assert_int_eq(caps.arch, IREF_ARCH_AMD);
	ck_assert_int_eq(caps.s1.fmt, IREF_FMT_AMD_V2);
	ck_assert_str_eq(iref_walk_cfg_name(&caps.s1), "amd-v2");
	ck_assert_uint_eq(caps.pasid_bits, 16);
	ck_assert(caps.x.amd.giov);
	ck_assert_uint_eq(caps.x.amd.glx, 1);
	ck_assert_uint_eq(caps.s1.u.amd.gats, 1);
	ck_assert(caps.s1.u.amd.ussup);
	ck_assert(caps.s1.u.amd.nxsup);
}
END_TEST

START_TEST(test_caps_set)
{
	set("giov", "off");
	ck_assert(!caps.x.amd.giov);
	set("glx", "0");
	ck_assert_uint_eq(caps.x.amd.glx, 0);
	set("pasid_bits", "20");
	ck_assert_uint_eq(caps.pasid_bits, 20);
	set("pasid_bits", "1");
	ck_assert_uint_eq(caps.pasid_bits, 1);
	ck_assert_int_eq(try_set("pasid_bits", "0"), IREF_E_RANGE);
	ck_assert_int_eq(try_set("pasid_bits", "21"), IREF_E_RANGE);
	ck_assert_int_eq(try_set("glx", "2"), IREF_E_RANGE);
	ck_assert_int_eq(try_set("giov", "yes"), IREF_E_INVAL);
	ck_assert_uint_eq(caps.pasid_bits, 1);
	ck_assert_uint_eq(caps.x.amd.glx, 0);
	/* Walker options through the core. */
	set("gats", "0");
	ck_assert_uint_eq(caps.s1.u.amd.gats, 0);
	set("nxsup", "0");
	ck_assert(!caps.s1.u.amd.nxsup);
	set("pa_size", "40");
	ck_assert_uint_eq(caps.s1.u.amd.pa_size, 40);
	ck_assert_int_eq(try_set("fl5lp", "1"), IREF_E_INVAL);
}
END_TEST

#define EFR_PPRSUP (UINT64_C(1) << 1)
#define EFR_GTSUP (UINT64_C(1) << 4)
#define EFR_HASUP (UINT64_C(1) << 49)
#define EFR_HDSUP (UINT64_C(1) << 52)
#define EFR_GAUPDDIS (UINT64_C(1) << 61)
#define EFR_SNPSUP (UINT64_C(1) << 63)

START_TEST(test_regs_default)
{
	struct iref_hw_regs r;
	iref_hw_caps_regs(&caps, &r);
	ck_assert_uint_eq(r.type, IREF_PROBE_T_HW_AMD);
	/* NXSup 3, GTSup 4, HATS 3 (11:10), GATS 1 (13:12), GLXSup 1
	 * (15:14), PASmax 15 (36:32), USSup 37, GIoSup 48. */
	ck_assert_uint_eq(r.reg[0], UINT64_C(0x1002f00005c18));
	ck_assert_uint_eq((r.reg[0] >> 10) & 3, 3);
	ck_assert_uint_eq((r.reg[0] >> 32) & 0x1f, 15);
	/* C126: host translation's A/D, PPR, SNP hidden. */
	ck_assert(!(r.reg[0] & (EFR_PPRSUP | EFR_HASUP | EFR_HDSUP |
				EFR_GAUPDDIS | EFR_SNPSUP)));
	/* EFR2: GCR3TRPMode (3) only. */
	ck_assert_uint_eq(r.reg[1], 0x8);
	ck_assert_uint_eq(r.reg[2] | r.reg[3], 0);
}
END_TEST

START_TEST(test_regs_options)
{
	set("nxsup", "0");
	set("ussup", "0");
	set("gats", "0");
	set("glx", "0");
	set("giov", "0");
	set("pasid_bits", "20");
	struct iref_hw_regs r;
	iref_hw_caps_regs(&caps, &r);
	/* GTSup, HATS 3, PASmax 19. */
	ck_assert_uint_eq(r.reg[0], UINT64_C(0x1300000c10));
	ck_assert(r.reg[0] & EFR_GTSUP);
}
END_TEST

START_TEST(test_formats_and_page_sizes)
{
	ck_assert(iref_hw_caps_accepts(&caps, IREF_TF_AMD_GCR3));
	ck_assert(iref_hw_caps_accepts(&caps, IREF_TF_AMD_PT));
	ck_assert(!iref_hw_caps_accepts(&caps, IREF_TF_INTEL_PT));
	ck_assert(!iref_hw_caps_accepts(&caps, 7));
	ck_assert(iref_hw_caps_page_size_ok(&caps, 12));
	ck_assert(iref_hw_caps_page_size_ok(&caps, 21));
	ck_assert(iref_hw_caps_page_size_ok(&caps, 30));
	ck_assert(!iref_hw_caps_page_size_ok(&caps, 15));
	ck_assert(!iref_hw_caps_page_size_ok(&caps, 39));
}
END_TEST

/* ---- C122: AMD_GCR3 checks ---- */

START_TEST(test_check_gcr3_ok)
{
	struct iref_attach_table at = good_gcr3();
	ck_assert_int_eq(chk(&at, 64), IREF_S_OK);
	/* V is ignored, PPR honoured, 5-level with GATS. */
	at.u.amd_gcr3.dte[0] |= D0_V | D0_PPR;
	at.u.amd_gcr3.dte[2] = D2_GPM(1);
	ck_assert_int_eq(chk(&at, 64), IREF_S_OK);
	/* GV = 0 with a zero root is no guest translation at all. */
	at = gcr3_at(0, 0, 0);
	ck_assert_int_eq(chk(&at, 64), IREF_S_OK);
}
END_TEST

START_TEST(test_check_c122_reserved_bits)
{
	/* One bit in each host-owned or reserved area of the DTE image:
	 * TV, Mode, host root, GRPR, IR, IW, bit 63; DomainID, I, SE, SA,
	 * IoCtl, EX, bit 106; IV, interrupt root, IntCtl; dte3. */
	static const struct { unsigned qw, bit; } rsv[] = {
		{0, 1}, {0, 9}, {0, 12}, {0, 51}, {0, 53}, {0, 61}, {0, 62},
		{0, 63}, {1, 0}, {1, 15}, {1, 32}, {1, 34}, {1, 39}, {1, 42},
		{2, 0}, {2, 6}, {2, 53}, {2, 56}, {2, 61}, {3, 0}, {3, 54},
		{3, 63},
	};
	for (size_t i = 0; i < sizeof rsv / sizeof rsv[0]; i++) {
		struct iref_attach_table at = good_gcr3();
		at.u.amd_gcr3.dte[rsv[i].qw] |= UINT64_C(1) << rsv[i].bit;
		ck_assert_msg(chk(&at, 64) == IREF_S_INVAL, "dte%u bit %u",
			      rsv[i].qw, rsv[i].bit);
	}
}
END_TEST

START_TEST(test_check_c122_encodings)
{
	struct iref_attach_table at = good_gcr3();
	at.u.amd_gcr3.dte[0] |= D0_GLX(3);
	ck_assert_int_eq(chk(&at, 64), IREF_S_INVAL);
	at = good_gcr3();
	at.u.amd_gcr3.dte[2] = D2_GPM(2);
	ck_assert_int_eq(chk(&at, 64), IREF_S_INVAL);
	at.u.amd_gcr3.dte[2] = D2_GPM(3);
	ck_assert_int_eq(chk(&at, 64), IREF_S_INVAL);
	/* GV = 1 with a zero GCR3 root. */
	at = gcr3_at(D0_GV, 0, 0);
	ck_assert_int_eq(chk(&at, 64), IREF_S_INVAL);
	/* Any one of the three root fields makes it non-zero. */
	at = gcr3_at(D0_GV | UINT64_C(1) << 58, 0, 0);
	ck_assert_int_eq(chk(&at, 64), IREF_S_OK);
	at = gcr3_at(D0_GV, UINT64_C(1) << 16, 0);
	ck_assert_int_eq(chk(&at, 64), IREF_S_OK);
	at = gcr3_at(D0_GV, UINT64_C(1) << 43, 0);
	ck_assert_int_eq(chk(&at, 64), IREF_S_OK);
}
END_TEST

START_TEST(test_check_gcr3_caps)
{
	struct iref_attach_table at = good_gcr3();
	at.u.amd_gcr3.dte[2] = D2_GPM(1);
	set("gats", "0");
	ck_assert_int_eq(chk(&at, 64), IREF_S_UNSUPP);
	at = good_gcr3();
	set("glx", "0");
	ck_assert_int_eq(chk(&at, 64), IREF_S_UNSUPP); /* GLX 1 */
	at.u.amd_gcr3.dte[0] &= ~D0_GLX(3);
	ck_assert_int_eq(chk(&at, 64), IREF_S_OK);
	set("glx", "1");
	at.u.amd_gcr3.dte[0] |= D0_GLX(2); /* 3 levels: never */
	ck_assert_int_eq(chk(&at, 64), IREF_S_UNSUPP);
	at = good_gcr3();
	set("giov", "0");
	ck_assert_int_eq(chk(&at, 64), IREF_S_UNSUPP);
	at.u.amd_gcr3.dte[0] &= ~D0_GIOV;
	ck_assert_int_eq(chk(&at, 64), IREF_S_OK);
}
END_TEST

START_TEST(test_check_gcr3_range)
{
	struct iref_attach_table at = good_gcr3(); /* root bit 35 */
	ck_assert_int_eq(chk(&at, 36), IREF_S_OK);
	ck_assert_int_eq(chk(&at, 35), IREF_S_RANGE);
	/* Order: INVAL before UNSUPP before RANGE. */
	set("giov", "0");
	ck_assert_int_eq(chk(&at, 35), IREF_S_UNSUPP);
	at.u.amd_gcr3.dte[0] |= D0_GLX(3);
	ck_assert_int_eq(chk(&at, 35), IREF_S_INVAL);
}
END_TEST

/* ---- AMD_PT checks ---- */

START_TEST(test_check_pt)
{
	struct iref_attach_table at = good_pt();
	ck_assert_int_eq(chk(&at, 64), IREF_S_OK);
	at.u.amd_pt.gcr3 = 0x301010;
	ck_assert_int_eq(chk(&at, 64), IREF_S_INVAL);
	at.u.amd_pt.gcr3 = UINT64_C(1) << 40;
	ck_assert_int_eq(chk(&at, 40), IREF_S_RANGE);
	ck_assert_int_eq(chk(&at, 41), IREF_S_OK);
	at = good_pt();
	static const uint8_t bad_levels[] = {0, 1, 3, 6, 255};
	for (size_t i = 0; i < sizeof bad_levels; i++) {
		at.u.amd_pt.levels = bad_levels[i];
		ck_assert_int_eq(chk(&at, 64), IREF_S_INVAL);
	}
	at.u.amd_pt.levels = 5;
	ck_assert_int_eq(chk(&at, 64), IREF_S_OK);
	set("gats", "0");
	ck_assert_int_eq(chk(&at, 64), IREF_S_UNSUPP);
	at = good_pt();
	at.u.amd_pt.attach_flags |= 1u << 1;
	ck_assert_int_eq(chk(&at, 64), IREF_S_INVAL);
	at = good_pt();
	at.u.amd_pt.pasid = 0xffff;
	ck_assert_int_eq(chk(&at, 64), IREF_S_OK);
	at.u.amd_pt.pasid = 0x10000;
	ck_assert_int_eq(chk(&at, 64), IREF_S_RANGE);
	at.u.amd_pt.attach_flags = 0; /* no PASID: the field means nothing */
	ck_assert_int_eq(chk(&at, 64), IREF_S_OK);
	/* Unknown flags before everything else. */
	at.u.amd_pt.attach_flags = 4;
	at.u.amd_pt.gcr3 = UINT64_C(1) << 50;
	ck_assert_int_eq(chk(&at, 40), IREF_S_INVAL);
}
END_TEST

/* ---- Resolve ---- */

static struct iref_walk_cfg s2cfg;
static bool use_s2;

static void resolve_acc(const struct iref_attach_table *at, bool has_pasid,
			uint32_t pasid, bool priv, unsigned access,
			struct iref_ctx *ctx)
{
	struct iref_ctx_env env = {.caps = &caps,
				   .s2 = use_s2 ? &s2cfg : NULL,
				   .mem = mem};
	struct iref_ctx_req req = {.has_pasid = has_pasid,
				   .pasid = pasid,
				   .priv = priv,
				   .access = access};
	ck_assert_int_eq(iref_ctx_resolve(&env, at, &req, ctx), IREF_OK);
}

static void resolve(const struct iref_attach_table *at, bool has_pasid,
		    uint32_t pasid, struct iref_ctx *ctx)
{
	resolve_acc(at, has_pasid, pasid, false, IREF_ACC_READ, ctx);
}

static void expect_event(const struct iref_ctx *ctx, uint32_t code,
			 uint32_t flags)
{
	ck_assert_int_eq(ctx->kind, IREF_CTX_FAULT);
	ck_assert_uint_eq(ctx->reason, IREF_R_UNKNOWN);
	ck_assert_uint_eq(ctx->fault.code, code);
	ck_assert_uint_eq(ctx->fault.flags, flags);
	ck_assert_uint_eq(ctx->fault.stage, 1);
}

#define GN IREF_AMD_F_GN
#define US IREF_AMD_F_US
#define RW IREF_AMD_F_RW
#define NX IREF_AMD_F_NX
#define RZ IREF_AMD_F_RZ
#define IOPF IREF_AMD_EV_IO_PAGE_FAULT

START_TEST(test_resolve_one_level)
{
	/* GLX 0: GCR3[pasid] at ROOT + 8 * pasid[8:0]. */
	struct iref_attach_table at =
		gcr3_at(D0_GV | ROOT_D0, ROOT_D1, 0);
	w64(ROOT + 8 * 0x1a5, 0x7777001);
	struct iref_ctx ctx;
	resolve(&at, true, 0x1a5, &ctx);
	ck_assert_int_eq(ctx.kind, IREF_CTX_WALK);
	ck_assert_int_eq(ctx.s1.fmt, IREF_FMT_AMD_V2);
	ck_assert_uint_eq(ctx.s1.root, 0x7777000);
	ck_assert_uint_eq(ctx.s1.u.amd.levels, 4);
	ck_assert_uint_eq(ctx.n_reads, 1);
	ck_assert(!ctx.has_tag);
	/* Bits other than V and 51:12 of a GCR3 entry are ignored. */
	w64(ROOT + 8 * 0x1a5, UINT64_C(0xfff0000007777ff1));
	resolve(&at, true, 0x1a5, &ctx);
	ck_assert_int_eq(ctx.kind, IREF_CTX_WALK);
	ck_assert_uint_eq(ctx.s1.root, 0x7777000);
	/* 5-level guest tables. */
	at.u.amd_gcr3.dte[2] = D2_GPM(1);
	resolve(&at, true, 0x1a5, &ctx);
	ck_assert_uint_eq(ctx.s1.u.amd.levels, 5);
}
END_TEST

START_TEST(test_resolve_two_level)
{
	/* GLX 1, PASID 0x1234: GCR3[0x1234 >> 9 = 9] at ROOT + 0x48, then
	 * entry 0x34 of that table at 0x5000000 + 0x1a0. */
	struct iref_attach_table at = good_gcr3();
	w64(ROOT + 0x48, 0x5000001);
	w64(0x5000000 + 0x1a0, 0x6543001);
	struct iref_ctx ctx;
	resolve(&at, true, 0x1234, &ctx);
	ck_assert_int_eq(ctx.kind, IREF_CTX_WALK);
	ck_assert_uint_eq(ctx.s1.root, 0x6543000);
	ck_assert_uint_eq(ctx.n_reads, 2);
	/* The caps' v2 options come along. */
	set("ussup", "0");
	resolve(&at, true, 0x1234, &ctx);
	ck_assert(!ctx.s1.u.amd.ussup);
}
END_TEST

START_TEST(test_resolve_gv0)
{
	/* GV = 0: host translation only for untagged requests (3.2 step 7),
	 * even with GIoV and garbage-free root fields. */
	struct iref_attach_table at = gcr3_at(D0_GIOV | ROOT_D0, ROOT_D1, 0);
	struct iref_ctx ctx;
	resolve(&at, false, 0, &ctx);
	ck_assert_int_eq(ctx.kind, IREF_CTX_S1_BYPASS);
	ck_assert_uint_eq(ctx.n_reads, 0);
	/* A PASID-tagged request: INVALID_DEVICE_REQUEST (step 5). */
	resolve_acc(&at, true, 3, false, IREF_ACC_WRITE, &ctx);
	expect_event(&ctx, IREF_AMD_EV_INVALID_DEVICE_REQUEST, GN | RW);
	ck_assert_uint_eq(ctx.n_reads, 0);
}
END_TEST

START_TEST(test_resolve_giov)
{
	struct iref_attach_table at = good_gcr3();
	w64(ROOT, 0x5000001);
	w64(0x5000000, 0x6000001);
	struct iref_ctx ctx;
	/* GIoV = 1: a request without PASID uses GCR3[0] (C119 analogue). */
	resolve(&at, false, 0, &ctx);
	ck_assert_int_eq(ctx.kind, IREF_CTX_WALK);
	ck_assert_uint_eq(ctx.s1.root, 0x6000000);
	/* The pasid field of an untagged request is not looked at. */
	resolve(&at, false, 0x1234, &ctx);
	ck_assert_uint_eq(ctx.s1.root, 0x6000000);
	/* GIoV = 0: untagged requests skip stage 1. */
	at.u.amd_gcr3.dte[0] &= ~D0_GIOV;
	resolve(&at, false, 0, &ctx);
	ck_assert_int_eq(ctx.kind, IREF_CTX_S1_BYPASS);
	ck_assert_uint_eq(ctx.n_reads, 0);
	/* ... while tagged ones still use the table. */
	resolve(&at, true, 0, &ctx);
	ck_assert_int_eq(ctx.kind, IREF_CTX_WALK);
}
END_TEST

START_TEST(test_resolve_pasid_range)
{
	struct iref_attach_table at = good_gcr3();
	struct iref_ctx ctx;
	/* PASmax: 16 bits by default. */
	resolve(&at, true, 0x10000, &ctx);
	expect_event(&ctx, IOPF, GN | US);
	ck_assert_uint_eq(ctx.n_reads, 0);
	/* pgtable-amd.md 12.18: GLX 0 covers PASID[8:0] only. */
	at.u.amd_gcr3.dte[0] &= ~D0_GLX(3);
	resolve_acc(&at, true, 512, true, IREF_ACC_EXEC, &ctx);
	expect_event(&ctx, IOPF, GN | NX);
	ck_assert_uint_eq(ctx.n_reads, 0);
	/* Narrower PASmax. */
	set("pasid_bits", "4");
	resolve(&at, true, 16, &ctx);
	expect_event(&ctx, IOPF, GN | US);
}
END_TEST

START_TEST(test_resolve_invalid_entry_c138)
{
	struct iref_attach_table at = good_gcr3();
	struct iref_ctx ctx;
	/* First level not valid (memory reads as zero). */
	resolve_acc(&at, true, 0x1234, false, IREF_ACC_WRITE, &ctx);
	expect_event(&ctx, IOPF, GN | US | RW);
	ck_assert_int_eq(ctx.fault.reason, IREF_WF_CONFIG);
	ck_assert_uint_eq(ctx.n_reads, 1);
	/* Second level not valid: V clear, address bits set. */
	w64(ROOT + 0x48, 0x5000001);
	w64(0x5000000 + 0x1a0, 0x6543000);
	resolve(&at, true, 0x1234, &ctx);
	expect_event(&ctx, IOPF, GN | US);
	ck_assert_uint_eq(ctx.n_reads, 2);
}
END_TEST

START_TEST(test_resolve_bus_error)
{
	struct iref_attach_table at = good_gcr3();
	w64(ROOT + 0x48, 0x5000001);
	ck_assert_int_eq(iref_sparse_mem_add_fault(sm, 0x5000000, 0x5000fff,
						   IREF_MEM_FAULT_READ),
			 IREF_OK);
	struct iref_ctx ctx;
	resolve_acc(&at, true, 0x1234, false, IREF_ACC_WRITE, &ctx);
	/* PAGE_TAB_HARDWARE_ERROR, the entry's address, RW and GN only. */
	expect_event(&ctx, IREF_AMD_EV_PAGE_TAB_HW_ERROR, GN | RW);
	ck_assert_int_eq(ctx.fault.reason, IREF_WF_BUS_ERROR);
	ck_assert_uint_eq(ctx.fault.addr2, 0x5000000 + 0x1a0);
}
END_TEST

START_TEST(test_resolve_refused_descriptor)
{
	struct iref_ctx ctx;
	/* Reserved bit: ILLEGAL_DEV_TABLE_ENTRY with RZ. */
	struct iref_attach_table at = good_gcr3();
	at.u.amd_gcr3.dte[0] |= UINT64_C(1) << 9;
	resolve_acc(&at, true, 1, false, IREF_ACC_WRITE, &ctx);
	expect_event(&ctx, IREF_AMD_EV_ILLEGAL_DEV_TABLE_ENTRY, GN | RW | RZ);
	ck_assert_uint_eq(ctx.n_reads, 0);
	/* An illegal encoding: RZ clear; untagged: GN clear. */
	at = good_gcr3();
	at.u.amd_gcr3.dte[0] |= D0_GLX(3);
	resolve(&at, false, 0, &ctx);
	expect_event(&ctx, IREF_AMD_EV_ILLEGAL_DEV_TABLE_ENTRY, 0);
	/* A capability the caps lack. */
	set("giov", "0");
	at = good_gcr3();
	resolve(&at, true, 1, &ctx);
	expect_event(&ctx, IREF_AMD_EV_ILLEGAL_DEV_TABLE_ENTRY, GN);
	/* AMD_PT too. */
	at = good_pt();
	at.u.amd_pt.levels = 3;
	resolve(&at, true, 7, &ctx);
	expect_event(&ctx, IREF_AMD_EV_ILLEGAL_DEV_TABLE_ENTRY, GN);
}
END_TEST

START_TEST(test_resolve_pt)
{
	struct iref_attach_table at = good_pt();
	struct iref_ctx ctx;
	resolve(&at, true, 7, &ctx);
	ck_assert_int_eq(ctx.kind, IREF_CTX_WALK);
	ck_assert_int_eq(ctx.s1.fmt, IREF_FMT_AMD_V2);
	ck_assert_uint_eq(ctx.s1.root, 0x301000);
	ck_assert_uint_eq(ctx.s1.u.amd.levels, 4);
	ck_assert_uint_eq(ctx.n_reads, 0);
	at.u.amd_pt.levels = 5;
	at.u.amd_pt.attach_flags = 0;
	resolve(&at, false, 0, &ctx);
	ck_assert_uint_eq(ctx.s1.u.amd.levels, 5);
}
END_TEST

/* pgtable-amd.md A-5: GCR3 root 0x300000 (GLX 0), GCR3[1] = 0x301001,
 * guest tables at `off` + the example's addresses. */
#define A5_GVA UINT64_C(0x00007f1234567abc)
static void a5_tables(uint64_t off)
{
	w64(off + 0x300008, 0x301001);
	w64(off + 0x3017f0, 0x302007);
	w64(off + 0x302240, 0x303007);
	w64(off + 0x303d10, 0x304007);
	w64(off + 0x304b38, 0x8000007);
}

static struct iref_attach_table a5_at(void)
{
	return gcr3_at(D0_GV, UINT64_C(0x600000), 0);
}

START_TEST(test_end_to_end_a5)
{
	a5_tables(0);
	struct iref_attach_table at = a5_at();
	ck_assert_int_eq(chk(&at, 64), IREF_S_OK);
	struct iref_ctx ctx;
	resolve(&at, true, 1, &ctx);
	ck_assert_int_eq(ctx.kind, IREF_CTX_WALK);
	ck_assert_uint_eq(ctx.s1.root, 0x301000);
	struct iref_walk_req wr = {.addr = A5_GVA, .access = IREF_ACC_READ};
	ck_assert_int_eq(iref_walk(&ctx.s1, mem, &wr, &res), IREF_OK);
	ck_assert(res.ok);
	ck_assert_uint_eq(res.pa, 0x8000abc);
	ck_assert_uint_eq(res.n_acc, 4 + 4); /* reads, then A updates */
	ck_assert_uint_eq(res.acc[0].addr, 0x3017f0);
	ck_assert_uint_eq(r64(0x304b38), 0x8000027);
	/* A-5 negative: US clear in the PDPT entry. */
	w64(0x302240, 0x303003);
	ck_assert_int_eq(iref_walk(&ctx.s1, mem, &wr, &res), IREF_OK);
	ck_assert(!res.ok);
	ck_assert_uint_eq(res.fault.code, IOPF);
	ck_assert_uint_eq(res.fault.flags & (IREF_AMD_F_PR | IREF_AMD_F_PE),
			  IREF_AMD_F_PR | IREF_AMD_F_PE);
}
END_TEST

/* An "amd-v1" stage 2, Mode 3 at 0x400000 with one 1 GiB leaf: GPA
 * [0, 1 GiB) -> SPA [4 GiB, 5 GiB). */
static void a6_stage2(void)
{
	struct iref_diag d = {0};
	ck_assert_int_eq(iref_walk_cfg_init(&s2cfg, "amd-v1", &d), IREF_OK);
	ck_assert_int_eq(iref_walk_cfg_set(&s2cfg, "mode", "3", &d), IREF_OK);
	struct iref_pool pool = {0x400000, 0x500000};
	struct iref_build_map m = {.va = 0, .pa = UINT64_C(0x100000000),
				   .size = 0x40000000,
				   .perm = IREF_PERM_R | IREF_PERM_W};
	ck_assert_msg(iref_build(&s2cfg, mem, &pool, &m, 1, &d) == IREF_OK,
		      "%s", d.msg);
	ck_assert_uint_eq(s2cfg.root, 0x400000);
	use_s2 = true;
}

static void no_stage2(void)
{
	use_s2 = false;
}

START_TEST(test_end_to_end_a6_nested)
{
	a6_stage2();
	a5_tables(UINT64_C(0x100000000));
	struct iref_attach_table at = a5_at();
	struct iref_ctx ctx;
	resolve(&at, true, 1, &ctx);
	ck_assert_int_eq(ctx.kind, IREF_CTX_WALK);
	ck_assert_uint_eq(ctx.s1.root, 0x301000); /* a GPA */
	/* One host read (0x400000) and GCR3[1] at 0x100300008. */
	ck_assert_uint_eq(ctx.n_reads, 2);
	struct iref_walk_req wr = {.addr = A5_GVA, .access = IREF_ACC_READ};
	ck_assert_int_eq(iref_walk_nested(&ctx.s1, &s2cfg, mem, &wr, &res),
			 IREF_OK);
	ck_assert_msg(res.ok, "fault 0x%x", res.fault.code);
	ck_assert_uint_eq(res.pa, UINT64_C(0x108000abc));
	ck_assert_uint_eq(res.page_size, 0x1000);
}
END_TEST

START_TEST(test_resolve_stage2_fault)
{
	a6_stage2();
	/* GCR3 root at GPA 0x50000000: beyond what stage 2 maps. */
	struct iref_attach_table at =
		gcr3_at(D0_GV, UINT64_C(0xa000) << 16, 0);
	struct iref_ctx ctx;
	resolve(&at, true, 1, &ctx);
	ck_assert_int_eq(ctx.kind, IREF_CTX_FAULT);
	ck_assert_uint_eq(ctx.fault.stage, 2); /* a host event (C139) */
	ck_assert(ctx.fault.on_walk);
	ck_assert_uint_eq(ctx.reason, IREF_R_UNKNOWN);
	ck_assert_uint_eq(ctx.fault.code, IOPF);
	ck_assert_uint_eq(ctx.fault.addr, 0x50000008);
	/* A second-level pointer stage 2 does not map, after a good first
	 * level read through it. */
	at = good_gcr3();
	at.u.amd_gcr3.dte[1] = 0;
	at.u.amd_gcr3.dte[0] = D0_GV | D0_GLX(1) | UINT64_C(1) << 58;
	w64(UINT64_C(0x100000000) + 0x1000 + 0x48, 0x60000001);
	resolve(&at, true, 0x1234, &ctx);
	ck_assert_int_eq(ctx.kind, IREF_CTX_FAULT);
	ck_assert_uint_eq(ctx.fault.stage, 2);
	ck_assert_uint_eq(ctx.fault.addr, 0x60000000 + 0x1a0);
	ck_assert_uint_eq(ctx.n_reads, 3); /* host, GCR3, host */
}
END_TEST

/* AMD_PT over tables the builder lays out. */
START_TEST(test_end_to_end_pt_built)
{
	struct iref_diag d = {0};
	struct iref_walk_cfg v2;
	ck_assert_int_eq(iref_walk_cfg_init(&v2, "amd-v2", &d), IREF_OK);
	ck_assert_int_eq(iref_walk_cfg_set(&v2, "levels", "5", &d), IREF_OK);
	struct iref_pool pool = {0x200000, 0x300000};
	struct iref_build_map m = {.va = UINT64_C(0xff00001234000000),
				   .pa = 0x40000000,
				   .size = 0x200000,
				   .perm = IREF_PERM_R | IREF_PERM_W,
				   .flags = IREF_BUILD_USER};
	ck_assert_msg(iref_build(&v2, mem, &pool, &m, 1, &d) == IREF_OK, "%s",
		      d.msg);
	struct iref_attach_table at = good_pt();
	at.u.amd_pt.gcr3 = v2.root;
	at.u.amd_pt.levels = 5;
	struct iref_ctx ctx;
	resolve(&at, true, 7, &ctx);
	ck_assert_int_eq(ctx.kind, IREF_CTX_WALK);
	struct iref_walk_req wr = {.addr = UINT64_C(0xff00001234056789),
				   .access = IREF_ACC_WRITE};
	ck_assert_int_eq(iref_walk(&ctx.s1, mem, &wr, &res), IREF_OK);
	ck_assert_msg(res.ok, "fault 0x%x", res.fault.code);
	ck_assert_uint_eq(res.pa, 0x40056789);
	ck_assert_uint_eq(res.page_size, 0x200000);
	ck_assert_int_eq(res.level, 2);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ctx_amd");
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
	tcase_add_test(k, test_check_gcr3_ok);
	tcase_add_test(k, test_check_c122_reserved_bits);
	tcase_add_test(k, test_check_c122_encodings);
	tcase_add_test(k, test_check_gcr3_caps);
	tcase_add_test(k, test_check_gcr3_range);
	tcase_add_test(k, test_check_pt);
	suite_add_tcase(s, k);

	TCase *r = tcase_create("resolve");
	tcase_add_checked_fixture(r, caps_setup, NULL);
	tcase_add_checked_fixture(r, setup, teardown);
	tcase_add_checked_fixture(r, no_stage2, NULL);
	tcase_add_test(r, test_resolve_one_level);
	tcase_add_test(r, test_resolve_two_level);
	tcase_add_test(r, test_resolve_gv0);
	tcase_add_test(r, test_resolve_giov);
	tcase_add_test(r, test_resolve_pasid_range);
	tcase_add_test(r, test_resolve_invalid_entry_c138);
	tcase_add_test(r, test_resolve_bus_error);
	tcase_add_test(r, test_resolve_refused_descriptor);
	tcase_add_test(r, test_resolve_pt);
	tcase_add_test(r, test_end_to_end_a5);
	tcase_add_test(r, test_end_to_end_a6_nested);
	tcase_add_test(r, test_resolve_stage2_fault);
	tcase_add_test(r, test_end_to_end_pt_built);
	suite_add_tcase(s, r);
	return s;
}

int main(void)
{
	return iref_test_run(suite());
}
