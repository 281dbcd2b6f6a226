/* The RISC-V part of the page-table extension (walkers/ctx_riscv.c)
 * through the public API: capabilities and their keys, the sanitised
 * capabilities/fctl words bit by bit, ATTACH_TABLE checks of the DC words
 * (C121), the first-stage lookup for a single iosatp and for PD8/PD17/
 * PD20 process directories with hand-computed addresses, process-context
 * faults (C138), bus errors, stage-2 translated PDT reads (C139, C140) and
 * end-to-end walks of the context found. Section numbers (§) are
 * pgtable-riscv.md's. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "iommu-ref/context.h"
#include "iommu-ref/walk.h"
#include "testutil.h"
#include "walk_fixture.h"

#define BIT(n) (UINT64_C(1) << (n))

/* DC and PC bits, written out here independently of ctx_riscv.c. */
#define TC_V BIT(0)
#define TC_PDTV BIT(5)
#define TC_SADE BIT(8)
#define TC_DPE BIT(9)
#define TC_SBE BIT(10)
#define TC_SXL BIT(11)
#define MODE(m) ((uint64_t)(m) << 60)
#define PSCID(p) ((uint64_t)(p) << 12)
#define BARE 0u
#define SV39 8u /* SXL = 0; Sv32 with SXL = 1 */
#define SV48 9u
#define SV57 10u
#define PD8 1u
#define PD17 2u
#define PD20 3u
#define PC_V BIT(0)
#define PC_ENS BIT(1)
#define PC_SUM BIT(2)
#define PDTE(next) (((uint64_t)(next) >> 12 << 10) | 1u)

#define C_DDT_MISCONFIG 259u
#define C_TTYP 260u
#define C_PDT_ACCESS 265u
#define C_PDT_INVALID 266u
#define C_PDT_MISCONFIG 267u

static struct iref_hw_caps caps;
static struct iref_ctx ctx;

static void caps_setup(void)
{
	setup();
	iref_hw_caps_default(&caps, IREF_ARCH_RISCV);
	memset(&ctx, 0, sizeof ctx);
}

static struct iref_attach_table rv_at(uint64_t tc, uint64_t fsc,
				      uint64_t ta)
{
	struct iref_attach_table at = {.domain = 1, .endpoint = 2,
				       .format = IREF_TF_RISCV};
	at.u.riscv = (struct iref_desc_riscv){tc, fsc, ta};
	return at;
}

static struct iref_ctx_env env_of(const struct iref_walk_cfg *s2)
{
	return (struct iref_ctx_env){.caps = &caps, .s2 = s2, .mem = mem};
}

static void resolve_req(const struct iref_ctx_env *env,
			const struct iref_attach_table *at,
			const struct iref_ctx_req *req)
{
	ck_assert_int_eq(iref_ctx_resolve(env, at, req, &ctx), IREF_OK);
}

static void resolve(const struct iref_attach_table *at, bool has_pasid,
		    uint32_t pasid)
{
	struct iref_ctx_env env = env_of(NULL);
	struct iref_ctx_req req = {.has_pasid = has_pasid, .pasid = pasid,
				   .access = IREF_ACC_READ};
	resolve_req(&env, at, &req);
}

static void assert_fault(uint32_t code, enum iref_wfault wf)
{
	ck_assert_int_eq(ctx.kind, IREF_CTX_FAULT);
	ck_assert_uint_eq(ctx.reason, IREF_R_UNKNOWN); /* C138 */
	ck_assert_uint_eq(ctx.fault.code, code);
	ck_assert_int_eq(ctx.fault.reason, wf);
	ck_assert_uint_eq(ctx.fault.stage, 1);
	ck_assert_int_eq(ctx.fault.level, -1);
}

static void assert_cfg_fault(uint32_t code)
{
	assert_fault(code, IREF_WF_CONFIG);
}

/* The request walks mode from root, tagged pscid. */
static void assert_walk(unsigned mode, uint64_t root, uint32_t pscid)
{
	ck_assert_int_eq(ctx.kind, IREF_CTX_WALK);
	ck_assert_int_eq(ctx.s1.fmt, IREF_FMT_RISCV_S1);
	ck_assert_uint_eq(ctx.s1.u.riscv.mode, mode);
	ck_assert_uint_eq(ctx.s1.root, root);
	ck_assert(ctx.has_tag);
	ck_assert_uint_eq(ctx.tag, pscid);
}

static void assert_bypass(void)
{
	ck_assert_int_eq(ctx.kind, IREF_CTX_S1_BYPASS);
	ck_assert(!ctx.has_tag);
}

static void set_cap(const char *key, const char *value)
{
	struct iref_diag diag;
	ck_assert_int_eq(iref_hw_caps_set(&caps, key, value, &diag),
			 IREF_OK);
}

static void write_pc(uint64_t addr, uint64_t ta, uint64_t fsc)
{
	w64(addr, ta);
	w64(addr + 8, fsc);
}

/* ---- Capabilities, registers ---- */

START_TEST(test_caps_defaults)
{
	ck_assert_int_eq(caps.arch, IREF_ARCH_RISCV);
	ck_assert_int_eq(caps.s1.fmt, IREF_FMT_RISCV_S1);
	ck_assert_str_eq(iref_walk_cfg_name(&caps.s1), "riscv-sv39");
	const struct iref_hw_riscv *h = &caps.x.riscv;
	ck_assert(!h->sv32 && h->sv39 && h->sv48 && h->sv57);
	ck_assert(h->pd8 && h->pd17 && h->pd20 && h->amo_hwad);
	ck_assert_uint_eq(caps.pasid_bits, 20);
	/* The walker's own defaults (walk_riscv.h). */
	ck_assert_uint_eq(caps.s1.u.riscv.pas, 56);
	ck_assert(caps.s1.u.riscv.svpbmt && !caps.s1.u.riscv.svrsw60t59b);
	/* Format 4 only (6.6, C113). */
	for (unsigned f = 0; f < 256; f++)
		ck_assert(iref_hw_caps_accepts(&caps, f) == (f == 4));
}
END_TEST

/* C125/C126: type 4; capabilities = version 0x10 | Sv39[9] | Sv48[10] |
 * Sv57[11] | Svpbmt[15] | AMO_HWAD[24] | END[27] | PAS[37:32] = 56 |
 * PD8[38] | PD17[39] | PD20[40]; fctl = 0. */
START_TEST(test_regs_defaults)
{
	struct iref_hw_regs r;
	iref_hw_caps_regs(&caps, &r);
	ck_assert_uint_eq(r.type, IREF_PROBE_T_HW_RISCV);
	ck_assert_uint_eq(r.reg[0], UINT64_C(0x000001f809008e10));
	ck_assert_uint_eq(r.reg[1], 0);
	ck_assert_uint_eq(r.reg[2], 0);
	ck_assert_uint_eq(r.reg[3], 0);
	ck_assert_uint_eq(r.reg[0] & 0xff, 0x10);      /* version 1.0 */
	ck_assert_uint_eq(r.reg[0] >> 32 & 0x3f, 56);  /* PAS */
	/* Hidden: Sv32x4..Sv57x4[19:16], AMO_MRIF[21], MSI_FLAT[22],
	 * MSI_MRIF[23], ATS[25], T2GPA[26], IGS[29:28], HPM[30], DBG[31],
	 * QOSID[41], NL[42], S[43]; reserved and custom bits zero. */
	uint64_t hidden = UINT64_C(0xf0000) | BIT(21) | BIT(22) | BIT(23) |
			  BIT(25) | BIT(26) | BIT(28) | BIT(29) | BIT(30) |
			  BIT(31) | BIT(41) | BIT(42) | BIT(43) | BIT(12) |
			  BIT(13) | BIT(20) | ~(BIT(44) - 1);
	ck_assert_uint_eq(r.reg[0] & hidden, 0);
}
END_TEST

START_TEST(test_regs_from_caps)
{
	set_cap("sv32", "1");
	set_cap("sv39", "0");
	set_cap("pd20", "0");
	set_cap("amo_hwad", "0");
	set_cap("svpbmt", "0");      /* walker options */
	set_cap("svrsw60t59b", "1");
	set_cap("pas", "40");
	ck_assert_uint_eq(caps.pasid_bits, 17);
	struct iref_hw_regs r;
	iref_hw_caps_regs(&caps, &r);
	/* 0x10 | Sv32 0x100 | Sv48 0x400 | Sv57 0x800 | Svrsw60t59b 0x4000
	 * | END 0x8000000 | PAS 40 << 32 | PD8 | PD17. */
	ck_assert_uint_eq(r.reg[0], UINT64_C(0x000000e808004d10));
	ck_assert_uint_eq(r.reg[1], 0);
}
END_TEST

START_TEST(test_caps_set)
{
	struct iref_diag diag;
	const struct iref_hw_riscv *h = &caps.x.riscv;
	set_cap("sv57", "0");
	ck_assert(!h->sv57 && h->sv48);
	set_cap("pd8", "0");
	ck_assert(!h->pd8);
	ck_assert_uint_eq(caps.pasid_bits, 20);
	set_cap("pd20", "0");
	ck_assert_uint_eq(caps.pasid_bits, 17);
	set_cap("pd17", "0");
	ck_assert_uint_eq(caps.pasid_bits, 0);
	set_cap("pd8", "1");
	ck_assert_uint_eq(caps.pasid_bits, 8);
	/* pasid_bits names the widest PDT and sets all three. */
	set_cap("pasid_bits", "20");
	ck_assert(h->pd8 && h->pd17 && h->pd20);
	set_cap("pasid_bits", "17");
	ck_assert(h->pd8 && h->pd17 && !h->pd20);
	ck_assert_uint_eq(caps.pasid_bits, 17);
	set_cap("pasid_bits", "0");
	ck_assert(!h->pd8 && !h->pd17 && !h->pd20);
	ck_assert_int_eq(iref_hw_caps_set(&caps, "pasid_bits", "16", &diag),
			 IREF_E_RANGE);
	ck_assert_int_eq(iref_hw_caps_set(&caps, "sv32", "2", &diag),
			 IREF_E_RANGE);
	ck_assert(!h->sv32);
	ck_assert_int_eq(iref_hw_caps_set(&caps, "amo_hwad", "x", &diag),
			 IREF_E_INVAL);
	ck_assert(h->amo_hwad);
	/* Neither ours nor the walker's. */
	ck_assert_int_eq(iref_hw_caps_set(&caps, "cd2l", "1", &diag),
			 IREF_E_INVAL);
	ck_assert_int_eq(iref_hw_caps_set(&caps, "pas", "57", &diag),
			 IREF_E_RANGE);
}
END_TEST

/* INVALIDATE page sizes (6.7 rule 7): the leaf sizes of the modes. */
START_TEST(test_page_sizes)
{
	static const unsigned yes[] = {12, 16, 21, 30, 39, 48};
	for (unsigned i = 0; i < 6; i++)
		ck_assert(iref_hw_caps_page_size_ok(&caps, yes[i]));
	static const unsigned no[] = {0, 11, 13, 14, 22, 29, 40, 47, 57, 63,
				      64, 200};
	for (unsigned i = 0; i < sizeof no / sizeof no[0]; i++)
		ck_assert(!iref_hw_caps_page_size_ok(&caps, no[i]));
	set_cap("sv57", "0");
	ck_assert(!iref_hw_caps_page_size_ok(&caps, 48));
	ck_assert(iref_hw_caps_page_size_ok(&caps, 39));
	set_cap("sv48", "0");
	ck_assert(!iref_hw_caps_page_size_ok(&caps, 39));
	ck_assert(iref_hw_caps_page_size_ok(&caps, 30));
	set_cap("sv32", "1");
	ck_assert(iref_hw_caps_page_size_ok(&caps, 22)); /* Sv32 4 MiB */
	set_cap("sv39", "0");
	ck_assert(iref_hw_caps_page_size_ok(&caps, 12));
	ck_assert(iref_hw_caps_page_size_ok(&caps, 22));
	ck_assert(!iref_hw_caps_page_size_ok(&caps, 16)); /* no NAPOT */
	ck_assert(!iref_hw_caps_page_size_ok(&caps, 21));
	ck_assert(!iref_hw_caps_page_size_ok(&caps, 30));
}
END_TEST

/* ---- ATTACH_TABLE checks ---- */

static enum iref_status chk(uint64_t tc, uint64_t fsc, uint64_t ta)
{
	struct iref_attach_table at = rv_at(tc, fsc, ta);
	return iref_ctx_check(&caps, &at, 64);
}

/* C121: MODE not supported -> S_UNSUPP; DPE without PDTV -> S_INVAL. */
START_TEST(test_check_c121_modes)
{
	/* iosatp (PDTV = 0). */
	ck_assert_int_eq(chk(0, MODE(BARE), 0), IREF_S_OK);
	ck_assert_int_eq(chk(0, MODE(SV39) | 0x80000, 0), IREF_S_OK);
	ck_assert_int_eq(chk(0, MODE(SV48) | 0x80000, 0), IREF_S_OK);
	ck_assert_int_eq(chk(0, MODE(SV57) | 0x80000, 0), IREF_S_OK);
	static const unsigned bad[] = {1, 2, 7, 11, 12, 13, 14, 15};
	for (unsigned i = 0; i < 8; i++)
		ck_assert_int_eq(chk(0, MODE(bad[i]) | 0x80000, 0),
				 IREF_S_UNSUPP);
	set_cap("sv48", "0");
	ck_assert_int_eq(chk(0, MODE(SV48) | 0x80000, 0), IREF_S_UNSUPP);
	ck_assert_int_eq(chk(0, MODE(SV57) | 0x80000, 0), IREF_S_OK);
	/* SXL = 1: MODE 8 is Sv32, which the default device lacks. */
	ck_assert_int_eq(chk(TC_SXL, MODE(SV39) | 0x80000, 0),
			 IREF_S_UNSUPP);
	ck_assert_int_eq(chk(TC_SXL, MODE(BARE), 0), IREF_S_UNSUPP);
	ck_assert_int_eq(chk(TC_SXL | TC_PDTV, MODE(PD8), 0), IREF_S_UNSUPP);
	set_cap("sv32", "1");
	ck_assert_int_eq(chk(TC_SXL, MODE(8) | 0x80000, 0), IREF_S_OK);
	ck_assert_int_eq(chk(TC_SXL, MODE(SV57) | 0x80000, 0),
			 IREF_S_UNSUPP);
	ck_assert_int_eq(chk(TC_SXL | TC_PDTV, MODE(PD8), 0), IREF_S_OK);

	/* pdtp (PDTV = 1). */
	for (unsigned m = 0; m < 16; m++)
		ck_assert_int_eq(chk(TC_PDTV, MODE(m) | 0x100, 0),
				 m <= PD20 ? IREF_S_OK : IREF_S_UNSUPP);
	set_cap("pd17", "0");
	ck_assert_int_eq(chk(TC_PDTV, MODE(PD17) | 0x100, 0), IREF_S_UNSUPP);
	ck_assert_int_eq(chk(TC_PDTV, MODE(PD20) | 0x100, 0), IREF_S_OK);
	set_cap("pd20", "0");
	ck_assert_int_eq(chk(TC_PDTV, MODE(PD20) | 0x100, 0), IREF_S_UNSUPP);
	set_cap("pd8", "0");
	ck_assert_int_eq(chk(TC_PDTV, MODE(PD8) | 0x100, 0), IREF_S_UNSUPP);
	ck_assert_int_eq(chk(TC_PDTV, MODE(BARE), 0), IREF_S_OK);
}
END_TEST

START_TEST(test_check_other_statuses)
{
	/* C121: DPE with PDTV = 0. */
	ck_assert_int_eq(chk(TC_DPE, MODE(SV39) | 0x80000, 0), IREF_S_INVAL);
	ck_assert_int_eq(chk(TC_DPE, MODE(BARE), 0), IREF_S_INVAL);
	ck_assert_int_eq(chk(TC_DPE | TC_PDTV, MODE(PD8) | 0x100, 0),
			 IREF_S_OK);
	/* PPN beyond the guest PA width: root 2^32 with 32 bits. */
	struct iref_attach_table at = rv_at(0, MODE(SV39) | 0x100000, 0);
	ck_assert_int_eq(iref_ctx_check(&caps, &at, 32), IREF_S_RANGE);
	ck_assert_int_eq(iref_ctx_check(&caps, &at, 33), IREF_S_OK);
	ck_assert_int_eq(iref_ctx_check(&caps, &at, 0), IREF_S_OK); /* none */
	at = rv_at(0, MODE(SV39) | 0xfffff, 0);
	ck_assert_int_eq(iref_ctx_check(&caps, &at, 32), IREF_S_OK);
	at = rv_at(TC_PDTV, MODE(PD20) | 0x100000, 0);
	ck_assert_int_eq(iref_ctx_check(&caps, &at, 32), IREF_S_RANGE);
	/* Under Bare the PPN is not a pointer. */
	at = rv_at(0, MODE(BARE) | 0xfffffffffffULL, 0);
	ck_assert_int_eq(iref_ctx_check(&caps, &at, 32), IREF_S_OK);
	at = rv_at(TC_PDTV, MODE(BARE) | 0xfffffffffffULL, 0);
	ck_assert_int_eq(iref_ctx_check(&caps, &at, 32), IREF_S_OK);
	/* SADE needs AMO_HWAD. */
	ck_assert_int_eq(chk(TC_SADE, MODE(SV39) | 0x80000, 0), IREF_S_OK);
	set_cap("amo_hwad", "0");
	ck_assert_int_eq(chk(TC_SADE, MODE(SV39) | 0x80000, 0),
			 IREF_S_UNSUPP);
	ck_assert_int_eq(chk(TC_SADE | TC_PDTV, MODE(PD8) | 0x100, 0),
			 IREF_S_UNSUPP);
	ck_assert_int_eq(chk(0, MODE(SV39) | 0x80000, 0), IREF_S_OK);
	/* dc_ta: only PSCID[31:12]. */
	ck_assert_int_eq(chk(0, MODE(SV39), PSCID(0xfffff)), IREF_S_OK);
	static const unsigned ta_bad[] = {0, 1, 11, 32, 40, 52, 63};
	for (unsigned i = 0; i < 7; i++)
		ck_assert_int_eq(chk(0, MODE(SV39), BIT(ta_bad[i])),
				 IREF_S_INVAL);
	ck_assert_int_eq(chk(TC_PDTV, MODE(PD8), BIT(0)), IREF_S_INVAL);
	/* fsc reserved bits [59:44]. */
	for (unsigned b = 44; b < 60; b++) {
		ck_assert_int_eq(chk(0, MODE(SV39) | BIT(b), 0), IREF_S_INVAL);
		ck_assert_int_eq(chk(TC_PDTV, MODE(PD8) | BIT(b), 0),
				 IREF_S_INVAL);
	}
}
END_TEST

/* Reserved bits, then 6.5.3's order (MODE, DPE, PPN), then SADE. */
START_TEST(test_check_order)
{
	set_cap("amo_hwad", "0");
	struct iref_attach_table at =
		rv_at(TC_DPE | TC_SADE, MODE(11) | 0x100000, BIT(0));
	ck_assert_int_eq(iref_ctx_check(&caps, &at, 32), IREF_S_INVAL);
	at.u.riscv.dc_ta = 0;
	ck_assert_int_eq(iref_ctx_check(&caps, &at, 32), IREF_S_UNSUPP);
	at.u.riscv.dc_fsc = MODE(SV39) | 0x100000;
	ck_assert_int_eq(iref_ctx_check(&caps, &at, 32), IREF_S_INVAL);
	at.u.riscv.dc_tc = TC_SADE;
	ck_assert_int_eq(iref_ctx_check(&caps, &at, 32), IREF_S_RANGE);
	ck_assert_int_eq(iref_ctx_check(&caps, &at, 64), IREF_S_UNSUPP);
}
END_TEST

/* Host-owned tc bits (V, EN_ATS, EN_PRI, T2GPA, DTF, PRPR, GADE and the
 * reserved/custom ones) change neither the check nor the context. */
START_TEST(test_check_ignored_tc_bits)
{
	const uint64_t host = TC_V | BIT(1) | BIT(2) | BIT(3) | BIT(4) |
			      BIT(6) | BIT(7) | ~(BIT(12) - 1);
	write_pc(0x100010, PC_V | PSCID(3), MODE(SV39) | 0x42);
	static const uint64_t tcs[] = {0, TC_SADE, TC_PDTV,
				       TC_PDTV | TC_DPE | TC_SADE};
	for (unsigned i = 0; i < 4; i++) {
		bool pdtv = tcs[i] & TC_PDTV;
		uint64_t fsc = pdtv ? MODE(PD8) | 0x100 : MODE(SV39) | 0x80000;
		ck_assert_int_eq(chk(tcs[i] | host, fsc, PSCID(5)), IREF_S_OK);
		struct iref_attach_table at = rv_at(tcs[i], fsc, PSCID(5));
		resolve(&at, pdtv, 1);
		ck_assert_int_eq(ctx.kind, IREF_CTX_WALK);
		struct iref_ctx want = ctx;
		at.u.riscv.dc_tc |= host;
		resolve(&at, pdtv, 1);
		ck_assert_mem_eq(&ctx, &want, sizeof ctx);
	}
}
END_TEST

/* ---- Context lookup: PDTV = 0 ---- */

START_TEST(test_single_sv39)
{
	set_cap("pas", "48");
	set_cap("svrsw60t59b", "1");
	struct iref_attach_table at =
		rv_at(TC_SADE, MODE(SV39) | 0x80000, PSCID(7));
	resolve(&at, false, 0);
	assert_walk(IREF_RISCV_SV39, 0x80000000, 7);
	const struct iref_riscv_cfg *c = &ctx.s1.u.riscv;
	ck_assert(c->ade && !c->be && !c->sum);
	/* Capabilities come from the device. */
	ck_assert_uint_eq(c->pas, 48);
	ck_assert(c->svpbmt && c->svrsw60t59b);
	ck_assert_uint_eq(ctx.n_reads, 0);

	at = rv_at(TC_SBE, MODE(SV48) | 0xfffffffffffULL, PSCID(0xfffff));
	resolve(&at, false, 0);
	assert_walk(IREF_RISCV_SV48, UINT64_C(0xfffffffffff000), 0xfffff);
	ck_assert(!ctx.s1.u.riscv.ade && ctx.s1.u.riscv.be);
	at = rv_at(0, MODE(SV57) | 0x123, 0);
	resolve(&at, false, 0);
	assert_walk(IREF_RISCV_SV57, 0x123000, 0);
	set_cap("sv32", "1");
	at = rv_at(TC_SXL, MODE(8) | 0x123, PSCID(3));
	resolve(&at, false, 0);
	assert_walk(IREF_RISCV_SV32, 0x123000, 3);
	ck_assert_str_eq(iref_walk_cfg_name(&ctx.s1), "riscv-sv32");
}
END_TEST

START_TEST(test_single_bare)
{
	struct iref_attach_table at = rv_at(0, MODE(BARE), PSCID(7));
	resolve(&at, false, 0);
	assert_bypass();
	ck_assert_uint_eq(ctx.n_reads, 0);
}
END_TEST

/* §12 step 3: a process_id with PDTV = 0 is a disallowed transaction. */
START_TEST(test_single_with_pasid)
{
	struct iref_attach_table at = rv_at(0, MODE(SV39) | 0x80000, 0);
	resolve(&at, true, 0);
	assert_cfg_fault(C_TTYP);
	at = rv_at(0, MODE(BARE), 0);
	resolve(&at, true, 5);
	assert_cfg_fault(C_TTYP);
}
END_TEST

/* A descriptor check() refuses, resolved anyway: DC misconfigured. */
START_TEST(test_unchecked_descriptor)
{
	struct iref_attach_table at = rv_at(TC_DPE, MODE(SV39) | 0x80000, 0);
	resolve(&at, false, 0);
	assert_cfg_fault(C_DDT_MISCONFIG);
	at = rv_at(TC_PDTV, MODE(5) | 0x100, 0);
	resolve(&at, true, 1);
	assert_cfg_fault(C_DDT_MISCONFIG);
	ck_assert_uint_eq(ctx.n_reads, 0);

	struct iref_ctx_env env = env_of(NULL);
	struct iref_ctx_req req = {0};
	at.format = IREF_TF_ARM_SMMU3;
	ck_assert_int_eq(iref_ctx_resolve(&env, &at, &req, &ctx),
			 IREF_E_INVAL);
}
END_TEST

/* ---- Context lookup: process directories ---- */

/* PD8: PC[pid] at root + 16 * pid. */
START_TEST(test_pd8)
{
	struct iref_attach_table at = rv_at(TC_PDTV, MODE(PD8) | 0x100, 0);
	write_pc(0x100050, PC_V | PSCID(0x123), MODE(SV48) | 0x200);
	write_pc(0x100ff0, PC_V | PSCID(0xfffff), MODE(SV39) | 0x300);
	resolve(&at, true, 5);
	assert_walk(IREF_RISCV_SV48, 0x200000, 0x123);
	ck_assert_uint_eq(ctx.n_reads, 2);
	resolve(&at, true, 0xff);
	assert_walk(IREF_RISCV_SV39, 0x300000, 0xfffff);
	/* Wider than PD8. */
	resolve(&at, true, 0x100);
	assert_cfg_fault(C_TTYP);
	ck_assert_uint_eq(ctx.n_reads, 0);
}
END_TEST

/* PD17: root entry at root + 8 * pid[16:8], PC at next + 16 * pid[7:0].
 * pid 0x12345: 0x300000 + 0x123 * 8 = 0x300918, PC 0x301450. */
START_TEST(test_pd17)
{
	struct iref_attach_table at = rv_at(TC_PDTV, MODE(PD17) | 0x300, 0);
	w64(0x300918, PDTE(0x301000));
	write_pc(0x301450, PC_V | PSCID(0x42), MODE(SV57) | 0x777);
	resolve(&at, true, 0x12345);
	assert_walk(IREF_RISCV_SV57, 0x777000, 0x42);
	ck_assert_uint_eq(ctx.n_reads, 3);
	/* pid 0x1ffff: entry 0x300ff8, PC 0x302ff0. */
	w64(0x300ff8, PDTE(0x302000));
	write_pc(0x302ff0, PC_V | PSCID(9), MODE(SV39) | 0x888);
	resolve(&at, true, 0x1ffff);
	assert_walk(IREF_RISCV_SV39, 0x888000, 9);
	resolve(&at, true, 0x20000);
	assert_cfg_fault(C_TTYP);
}
END_TEST

/* PD20: pid 0xfabcd: PDI[2] = 7, PDI[1] = 0x1ab, PDI[0] = 0xcd. Root
 * entry 0x400000 + 7 * 8 = 0x400038; next 0x401000 + 0x1ab * 8 =
 * 0x401d58; PC 0x402000 + 0xcd * 16 = 0x402cd0. */
START_TEST(test_pd20)
{
	struct iref_attach_table at = rv_at(TC_PDTV, MODE(PD20) | 0x400, 0);
	w64(0x400038, PDTE(0x401000));
	w64(0x401d58, PDTE(0x402000));
	write_pc(0x402cd0, PC_V | PSCID(0xabcde), MODE(SV39) | 0x99999);
	resolve(&at, true, 0xfabcd);
	assert_walk(IREF_RISCV_SV39, 0x99999000, 0xabcde);
	ck_assert_uint_eq(ctx.n_reads, 4);
	/* pid 0x20001: PDI 1, 0, 1: 0x400008, 0x405000, PC 0x406010. */
	w64(0x400008, PDTE(0x405000));
	w64(0x405000, PDTE(0x406000));
	write_pc(0x406010, PC_V | PSCID(1), MODE(SV48) | 0x1);
	resolve(&at, true, 0x20001);
	assert_walk(IREF_RISCV_SV48, 0x1000, 1);
	resolve(&at, true, 0x100000);
	assert_cfg_fault(C_TTYP);
	resolve(&at, true, 0xffffffffu);
	assert_cfg_fault(C_TTYP);
	ck_assert_uint_eq(ctx.n_reads, 0);
}
END_TEST

/* §12 step 6: no process_id. */
START_TEST(test_no_pasid_dpe)
{
	write_pc(0x100000, PC_V | PSCID(0x55), MODE(SV39) | 0x500);
	struct iref_attach_table at =
		rv_at(TC_PDTV | TC_DPE, MODE(PD8) | 0x100, 0);
	resolve(&at, false, 0);
	assert_walk(IREF_RISCV_SV39, 0x500000, 0x55);
	/* The default process_id carries no privilege: ENS = 0 is fine. */
	struct iref_ctx_env env = env_of(NULL);
	struct iref_ctx_req req = {.priv = true, .access = IREF_ACC_READ};
	resolve_req(&env, &at, &req);
	assert_walk(IREF_RISCV_SV39, 0x500000, 0x55);
	/* DPE = 0: first stage Bare, no reads. */
	at = rv_at(TC_PDTV, MODE(PD8) | 0x100, 0);
	resolve(&at, false, 0);
	assert_bypass();
	ck_assert_uint_eq(ctx.n_reads, 0);
	resolve(&at, true, 0);
	assert_walk(IREF_RISCV_SV39, 0x500000, 0x55);
}
END_TEST

/* pdtp Bare: no first stage for any process_id of 20 bits. */
START_TEST(test_pdtp_bare)
{
	struct iref_attach_table at = rv_at(TC_PDTV | TC_DPE, MODE(BARE), 0);
	resolve(&at, true, 0xfffff);
	assert_bypass();
	resolve(&at, false, 0);
	assert_bypass();
	resolve(&at, true, 0x100000);
	assert_cfg_fault(C_TTYP);
	ck_assert_uint_eq(ctx.n_reads, 0);
}
END_TEST

/* Non-leaf PDT entries (§11): V = 0 -> 266, reserved [9:1], [63:54] ->
 * 267 (C138). */
START_TEST(test_pdte_faults)
{
	struct iref_attach_table at = rv_at(TC_PDTV, MODE(PD17) | 0x300, 0);
	write_pc(0x301010, PC_V, MODE(SV39) | 1);
	w64(0x300000, PDTE(0x301000) & ~UINT64_C(1));
	resolve(&at, true, 1);
	assert_cfg_fault(C_PDT_INVALID);
	ck_assert_uint_eq(ctx.n_reads, 1);
	static const unsigned rsv[] = {1, 9, 54, 60, 63};
	for (unsigned i = 0; i < 5; i++) {
		w64(0x300000, PDTE(0x301000) | BIT(rsv[i]));
		resolve(&at, true, 1);
		assert_cfg_fault(C_PDT_MISCONFIG);
	}
	/* V = 0 wins over reserved bits. */
	w64(0x300000, BIT(54));
	resolve(&at, true, 1);
	assert_cfg_fault(C_PDT_INVALID);
	w64(0x300000, PDTE(0x301000));
	resolve(&at, true, 1);
	assert_walk(IREF_RISCV_SV39, 0x1000, 0);
}
END_TEST

static void pc_expect(uint64_t ta, uint64_t fsc, uint32_t code)
{
	struct iref_attach_table at = rv_at(TC_PDTV, MODE(PD8) | 0x100, 0);
	write_pc(0x100020, ta, fsc);
	resolve(&at, true, 2);
	if (code)
		assert_cfg_fault(code);
	else
		ck_assert_int_eq(ctx.kind, IREF_CTX_WALK);
}

/* Process-context faults (§11, PC_MISCONFIG; C138). */
START_TEST(test_pc_faults)
{
	pc_expect(PC_V, MODE(SV39) | 1, 0);
	/* V = 0: the rest is software's. */
	pc_expect(0, MODE(SV39) | 1, C_PDT_INVALID);
	pc_expect(~PC_V, ~UINT64_C(0), C_PDT_INVALID);
	/* Reserved ta bits [11:3], [63:32] and fsc bits [59:44]. */
	static const unsigned ta_rsv[] = {3, 11, 32, 48, 63};
	for (unsigned i = 0; i < 5; i++)
		pc_expect(PC_V | BIT(ta_rsv[i]), MODE(SV39) | 1,
			  C_PDT_MISCONFIG);
	pc_expect(PC_V, MODE(SV39) | BIT(44) | 1, C_PDT_MISCONFIG);
	pc_expect(PC_V, MODE(SV39) | BIT(59) | 1, C_PDT_MISCONFIG);
	/* MODE: reserved encodings, unsupported modes, Sv32 without SXL. */
	pc_expect(PC_V, MODE(11) | 1, C_PDT_MISCONFIG);
	pc_expect(PC_V, MODE(1) | 1, C_PDT_MISCONFIG);
	pc_expect(PC_V, MODE(15) | 1, C_PDT_MISCONFIG);
	set_cap("sv57", "0");
	pc_expect(PC_V, MODE(SV57) | 1, C_PDT_MISCONFIG);
	pc_expect(PC_V, MODE(SV48) | 1, 0);
	/* PC.fsc Bare: no first stage. */
	write_pc(0x100020, PC_V | PSCID(4), MODE(BARE));
	struct iref_attach_table at = rv_at(TC_PDTV, MODE(PD8) | 0x100, 0);
	resolve(&at, true, 2);
	assert_bypass();
}
END_TEST

/* PC.fsc under SXL = 1: MODE 8 is Sv32, 9 and 10 are reserved. */
START_TEST(test_pc_sxl)
{
	set_cap("sv32", "1");
	struct iref_attach_table at =
		rv_at(TC_PDTV | TC_SXL, MODE(PD8) | 0x100, 0);
	write_pc(0x100010, PC_V | PSCID(6), MODE(8) | 0x42);
	resolve(&at, true, 1);
	assert_walk(IREF_RISCV_SV32, 0x42000, 6);
	write_pc(0x100010, PC_V | PSCID(6), MODE(SV48) | 0x42);
	resolve(&at, true, 1);
	assert_cfg_fault(C_PDT_MISCONFIG);
}
END_TEST

/* ENS and SUM (§11, §12 step 6): a supervisor request needs ENS. */
START_TEST(test_ens_sum)
{
	struct iref_attach_table at = rv_at(TC_PDTV, MODE(PD8) | 0x100, 0);
	struct iref_ctx_env env = env_of(NULL);
	struct iref_ctx_req req = {.has_pasid = true, .pasid = 3,
				   .priv = true, .access = IREF_ACC_READ};
	write_pc(0x100030, PC_V | PC_SUM | PSCID(8), MODE(SV39) | 0x10);
	resolve_req(&env, &at, &req);
	assert_cfg_fault(C_TTYP);
	ck_assert_uint_eq(ctx.n_reads, 2); /* after the PC was located */
	req.priv = false;
	resolve_req(&env, &at, &req);
	assert_walk(IREF_RISCV_SV39, 0x10000, 8);
	ck_assert(ctx.s1.u.riscv.sum);
	req.priv = true;
	write_pc(0x100030, PC_V | PC_ENS | PSCID(8), MODE(SV39) | 0x10);
	resolve_req(&env, &at, &req);
	assert_walk(IREF_RISCV_SV39, 0x10000, 8);
	ck_assert(!ctx.s1.u.riscv.sum);
	write_pc(0x100030, PC_V | PC_ENS | PC_SUM, MODE(SV39) | 0x10);
	resolve_req(&env, &at, &req);
	ck_assert(ctx.s1.u.riscv.sum);
}
END_TEST

/* SBE = 1: PDT entries and PCs are big-endian, and so are the PTEs. */
START_TEST(test_sbe_big_endian)
{
	struct iref_attach_table at =
		rv_at(TC_PDTV | TC_SBE | TC_SADE, MODE(PD17) | 0x300, 0);
	w64(0x300008, __builtin_bswap64(PDTE(0x301000)));
	write_pc(0x301020, __builtin_bswap64(PC_V | PSCID(0x12)),
		 __builtin_bswap64(MODE(SV48) | 0xabc));
	resolve(&at, true, 0x102);
	assert_walk(IREF_RISCV_SV48, 0xabc000, 0x12);
	ck_assert(ctx.s1.u.riscv.be && ctx.s1.u.riscv.ade);
	/* The same words read little-endian are garbage: V = 0. */
	at.u.riscv.dc_tc = TC_PDTV;
	resolve(&at, true, 0x102);
	assert_cfg_fault(C_PDT_INVALID);
}
END_TEST

/* ---- Read faults ---- */

/* A bus error on a PDT entry or a PC: 265 with the address. */
START_TEST(test_pdt_bus_error)
{
	struct iref_attach_table at = rv_at(TC_PDTV, MODE(PD20) | 0x400, 0);
	w64(0x400000, PDTE(0x401000));
	w64(0x401000, PDTE(0x402000));
	write_pc(0x402010, PC_V, MODE(SV39) | 1);
	resolve(&at, true, 1);
	ck_assert_int_eq(ctx.kind, IREF_CTX_WALK);
	ck_assert_int_eq(iref_sparse_mem_add_fault(sm, 0x401000, 0x401007,
						   IREF_MEM_FAULT_READ),
			 IREF_OK);
	resolve(&at, true, 1);
	assert_fault(C_PDT_ACCESS, IREF_WF_BUS_ERROR);
	ck_assert_uint_eq(ctx.fault.addr2, 0x401000);
	ck_assert_uint_eq(ctx.n_reads, 2);
	/* On the PC's second word. */
	w64(0x400008, PDTE(0x403000));
	w64(0x403000, PDTE(0x404000));
	write_pc(0x404010, PC_V, MODE(SV39) | 1);
	ck_assert_int_eq(iref_sparse_mem_add_fault(sm, 0x404018, 0x40401f,
						   IREF_MEM_FAULT_READ),
			 IREF_OK);
	resolve(&at, true, 0x20001);
	assert_fault(C_PDT_ACCESS, IREF_WF_BUS_ERROR);
	ck_assert_uint_eq(ctx.fault.addr2, 0x404018);
	ck_assert_uint_eq(ctx.n_reads, 4);
}
END_TEST

/* Without a stage 2 the PDT address is physical: at or above 2^PAS it is
 * an access fault (§17 item 17), before any read. */
START_TEST(test_pdt_beyond_pas)
{
	set_cap("pas", "32");
	struct iref_attach_table at =
		rv_at(TC_PDTV, MODE(PD8) | 0x100000, 0);
	resolve(&at, true, 1);
	assert_fault(C_PDT_ACCESS, IREF_WF_ADDRESS_SIZE);
	ck_assert_uint_eq(ctx.fault.addr2, 0x100000010);
	ck_assert_uint_eq(ctx.n_reads, 0);
	at = rv_at(TC_PDTV, MODE(PD8) | 0xfffff, 0);
	write_pc(0xfffff010, PC_V, MODE(SV39) | 1);
	resolve(&at, true, 1);
	ck_assert_int_eq(ctx.kind, IREF_CTX_WALK);
}
END_TEST

/* A host G-stage (riscv-sv39x4) mapping GPA [0x400000, 0x404000) to PA
 * 0x5400000 with 4 KiB leaves, tables from PA 0x1000000. */
static void build_s2(struct iref_walk_cfg *s2)
{
	struct iref_diag diag;
	ck_assert_int_eq(iref_walk_cfg_init(s2, "riscv-sv39x4", &diag),
			 IREF_OK);
	struct iref_pool pool = {0x1000000, 0x1100000};
	struct iref_build_map m = {.va = 0x400000, .pa = 0x5400000,
				   .size = 0x4000,
				   .perm = IREF_PERM_R | IREF_PERM_W,
				   .flags = IREF_BUILD_NO_BLOCKS};
	ck_assert_int_eq(iref_build(s2, mem, &pool, &m, 1, &diag), IREF_OK);
}

/* The PD20 tables of test_pd20 at GPA 0x400000 (PA 0x5400000). */
static void pd20_behind_s2(void)
{
	w64(0x5400038, PDTE(0x401000));
	w64(0x5401d58, PDTE(0x402000));
	write_pc(0x5402cd0, PC_V | PSCID(0xabcde), MODE(SV39) | 0x99999);
}

/* C140: every PDT read is stage-2 translated. */
START_TEST(test_stage2_translated)
{
	struct iref_walk_cfg s2;
	build_s2(&s2);
	pd20_behind_s2();
	struct iref_attach_table at = rv_at(TC_PDTV, MODE(PD20) | 0x400, 0);
	struct iref_ctx_env env = env_of(&s2);
	struct iref_ctx_req req = {.has_pasid = true, .pasid = 0xfabcd,
				   .access = IREF_ACC_READ};
	resolve_req(&env, &at, &req);
	assert_walk(IREF_RISCV_SV39, 0x99999000, 0xabcde);
	/* Four words, each after a 3-level G-stage walk. */
	ck_assert_uint_eq(ctx.n_reads, 16);
	/* Without the stage 2 the same GPAs hold nothing. */
	resolve(&at, true, 0xfabcd);
	assert_cfg_fault(C_PDT_INVALID);
	/* Behind a stage 2 the PDT addresses are GPAs: PAS does not bound
	 * them (0x400000 >= 2^20), the stage 2 does. */
	set_cap("pas", "20");
	resolve_req(&env, &at, &req);
	ck_assert_int_eq(ctx.kind, IREF_CTX_WALK);
}
END_TEST

/* C139: a G-stage fault on a PDT read stays a stage-2 (host) event, as
 * a RISC-V IOMMU reports it (GET_PC): a guest page fault of the
 * transaction's access with iotval2 bit 0 (implicit) set. */
START_TEST(test_stage2_fault)
{
	struct iref_walk_cfg s2;
	build_s2(&s2);
	pd20_behind_s2();
	/* The leaf PDT of pid 0xfabcd moves to the unmapped GPA 0x500000. */
	w64(0x5401d58, PDTE(0x500000));
	struct iref_attach_table at = rv_at(TC_PDTV, MODE(PD20) | 0x400, 0);
	struct iref_ctx_env env = env_of(&s2);
	static const struct {
		unsigned access;
		uint32_t cause;
	} cases[] = {
		{IREF_ACC_READ, 21}, {IREF_ACC_WRITE, 23}, {IREF_ACC_EXEC, 20},
	};
	for (unsigned i = 0; i < 3; i++) {
		struct iref_ctx_req req = {.has_pasid = true,
					   .pasid = 0xfabcd,
					   .access = cases[i].access};
		resolve_req(&env, &at, &req);
		ck_assert_int_eq(ctx.kind, IREF_CTX_FAULT);
		ck_assert_uint_eq(ctx.reason, IREF_R_UNKNOWN);
		ck_assert_uint_eq(ctx.fault.stage, 2);
		ck_assert(ctx.fault.on_walk);
		ck_assert_int_eq(ctx.fault.reason, IREF_WF_TRANSLATION);
		ck_assert_uint_eq(ctx.fault.code, cases[i].cause);
		/* GPA of the PC 0x500000 + 0xcd * 16, bit 0 set. */
		ck_assert_uint_eq(ctx.fault.addr2, 0x500cd1);
	}
}
END_TEST

/* A G-stage access fault on a PDT read is 265 (GET_PC); a host stage 2
 * of another format keeps its own record. */
START_TEST(test_stage2_access_fault)
{
	struct iref_walk_cfg s2;
	build_s2(&s2);
	pd20_behind_s2();
	struct iref_attach_table at = rv_at(TC_PDTV, MODE(PD20) | 0x400, 0);
	struct iref_ctx_env env = env_of(&s2);
	struct iref_ctx_req req = {.has_pasid = true, .pasid = 0xfabcd,
				   .access = IREF_ACC_WRITE};
	ck_assert_int_eq(iref_sparse_mem_add_fault(sm, 0x1000000, 0x10fffff,
						   IREF_MEM_FAULT_READ),
			 IREF_OK);
	resolve_req(&env, &at, &req);
	ck_assert_int_eq(ctx.kind, IREF_CTX_FAULT);
	ck_assert_uint_eq(ctx.fault.stage, 2);
	ck_assert_int_eq(ctx.fault.reason, IREF_WF_BUS_ERROR);
	ck_assert_uint_eq(ctx.fault.code, C_PDT_ACCESS);

	/* An Arm stage 2 with nothing mapped: F_TRANSLATION as is. */
	struct iref_diag diag;
	struct iref_walk_cfg arm;
	ck_assert_int_eq(iref_walk_cfg_init(&arm, "arm-s2", &diag), IREF_OK);
	struct iref_pool pool = {0x2000000, 0x2100000};
	struct iref_build_map m = {.va = 0x800000, .pa = 0x800000,
				   .size = 0x1000, .perm = IREF_PERM_R};
	ck_assert_int_eq(iref_build(&arm, mem, &pool, &m, 1, &diag), IREF_OK);
	env = env_of(&arm);
	resolve_req(&env, &at, &req);
	ck_assert_int_eq(ctx.kind, IREF_CTX_FAULT);
	ck_assert_uint_eq(ctx.fault.stage, 2);
	ck_assert_uint_eq(ctx.fault.code, IREF_ARM_F_TRANSLATION);
}
END_TEST

/* ---- End to end ---- */

/* pgtable-riscv.md §16.1: the tables built by iref_build under root
 * 0x8000_0000 are the worked example's, and the context's walk of IOVA
 * 0x12_3456_7abc reads PA 0x9123_4abc. */
START_TEST(test_end_to_end_16_1)
{
	struct iref_diag diag;
	struct iref_walk_cfg b;
	ck_assert_int_eq(iref_walk_cfg_init(&b, "riscv-sv39", &diag),
			 IREF_OK);
	b.root = 0x80000000;
	struct iref_pool pool = {0x80001000, 0x80010000};
	struct iref_build_map m = {.va = UINT64_C(0x1234567000),
				   .pa = 0x91234000, .size = 0x1000,
				   .perm = IREF_PERM_R | IREF_PERM_W,
				   .flags = IREF_BUILD_USER};
	ck_assert_int_eq(iref_build(&b, mem, &pool, &m, 1, &diag), IREF_OK);
	ck_assert_uint_eq(r64(0x80000240), 0x20000401);
	ck_assert_uint_eq(r64(0x80001d10), 0x20000801);
	ck_assert_uint_eq(r64(0x80002b38), 0x2448d0d7);

	struct iref_attach_table at = rv_at(0, MODE(SV39) | 0x80000, PSCID(7));
	resolve(&at, false, 0);
	assert_walk(IREF_RISCV_SV39, 0x80000000, 7);
	struct iref_walk_req wr = {.addr = UINT64_C(0x1234567abc),
				   .access = IREF_ACC_READ};
	ck_assert_int_eq(iref_walk(&ctx.s1, mem, &wr, &res), IREF_OK);
	ck_assert(res.ok);
	ck_assert_uint_eq(res.pa, 0x91234abc);
	ck_assert_uint_eq(res.page_size, 0x1000);
	ck_assert_uint_eq(res.perm, IREF_PERM_R | IREF_PERM_W);
	ck_assert(!res.global);

	/* Variants a and b: D = 0, write; SADE decides. */
	w64(0x80002b38, 0x2448d057);
	wr.access = IREF_ACC_WRITE;
	ck_assert_int_eq(iref_walk(&ctx.s1, mem, &wr, &res), IREF_OK);
	ck_assert(!res.ok);
	ck_assert_uint_eq(res.fault.code, 15);
	ck_assert_uint_eq(r64(0x80002b38), 0x2448d057);
	at.u.riscv.dc_tc = TC_SADE;
	resolve(&at, false, 0);
	ck_assert_int_eq(iref_walk(&ctx.s1, mem, &wr, &res), IREF_OK);
	ck_assert(res.ok);
	ck_assert_uint_eq(r64(0x80002b38), 0x2448d0d7);
}
END_TEST

/* The same tables through a PD8 process context with ENS and SUM: a
 * supervisor read of the U = 1 page works with SUM only. */
START_TEST(test_end_to_end_pc)
{
	struct iref_diag diag;
	struct iref_walk_cfg b;
	ck_assert_int_eq(iref_walk_cfg_init(&b, "riscv-sv39", &diag),
			 IREF_OK);
	struct iref_pool pool = {0x80000000, 0x80010000};
	struct iref_build_map m = {.va = UINT64_C(0x1234567000),
				   .pa = 0x91234000, .size = 0x1000,
				   .perm = IREF_PERM_R | IREF_PERM_W,
				   .flags = IREF_BUILD_USER};
	ck_assert_int_eq(iref_build(&b, mem, &pool, &m, 1, &diag), IREF_OK);
	ck_assert_uint_eq(b.root, 0x80000000);
	struct iref_attach_table at = rv_at(TC_PDTV, MODE(PD8) | 0x100, 0);
	struct iref_ctx_env env = env_of(NULL);
	struct iref_ctx_req req = {.has_pasid = true, .pasid = 9,
				   .priv = true, .access = IREF_ACC_READ};
	struct iref_walk_req wr = {.addr = UINT64_C(0x1234567abc),
				   .access = IREF_ACC_READ, .priv = true};
	for (unsigned sum = 0; sum < 2; sum++) {
		write_pc(0x100090, PC_V | PC_ENS | (sum ? PC_SUM : 0) |
					   PSCID(2),
			 MODE(SV39) | 0x80000);
		resolve_req(&env, &at, &req);
		assert_walk(IREF_RISCV_SV39, 0x80000000, 2);
		ck_assert_int_eq(iref_walk(&ctx.s1, mem, &wr, &res), IREF_OK);
		ck_assert(res.ok == (sum == 1));
		if (sum)
			ck_assert_uint_eq(res.pa, 0x91234abc);
		else
			ck_assert_uint_eq(res.fault.code, 13);
	}
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ctx_riscv");
	TCase *tc = tcase_create("caps");
	tcase_add_checked_fixture(tc, caps_setup, teardown);
	tcase_add_test(tc, test_caps_defaults);
	tcase_add_test(tc, test_regs_defaults);
	tcase_add_test(tc, test_regs_from_caps);
	tcase_add_test(tc, test_caps_set);
	tcase_add_test(tc, test_page_sizes);
	suite_add_tcase(s, tc);

	TCase *ck = tcase_create("check");
	tcase_add_checked_fixture(ck, caps_setup, teardown);
	tcase_add_test(ck, test_check_c121_modes);
	tcase_add_test(ck, test_check_other_statuses);
	tcase_add_test(ck, test_check_order);
	tcase_add_test(ck, test_check_ignored_tc_bits);
	suite_add_tcase(s, ck);

	TCase *lk = tcase_create("lookup");
	tcase_add_checked_fixture(lk, caps_setup, teardown);
	tcase_add_test(lk, test_single_sv39);
	tcase_add_test(lk, test_single_bare);
	tcase_add_test(lk, test_single_with_pasid);
	tcase_add_test(lk, test_unchecked_descriptor);
	tcase_add_test(lk, test_pd8);
	tcase_add_test(lk, test_pd17);
	tcase_add_test(lk, test_pd20);
	tcase_add_test(lk, test_no_pasid_dpe);
	tcase_add_test(lk, test_pdtp_bare);
	tcase_add_test(lk, test_pdte_faults);
	tcase_add_test(lk, test_pc_faults);
	tcase_add_test(lk, test_pc_sxl);
	tcase_add_test(lk, test_ens_sum);
	tcase_add_test(lk, test_sbe_big_endian);
	tcase_add_test(lk, test_pdt_bus_error);
	tcase_add_test(lk, test_pdt_beyond_pas);
	tcase_add_test(lk, test_stage2_translated);
	tcase_add_test(lk, test_stage2_fault);
	tcase_add_test(lk, test_stage2_access_fault);
	tcase_add_test(lk, test_end_to_end_16_1);
	tcase_add_test(lk, test_end_to_end_pc);
	suite_add_tcase(s, lk);
	return s;
}

int main(void)
{
	return iref_test_run(suite());
}
