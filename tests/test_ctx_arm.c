/* The Arm SMMUv3 part of the page-table extension (walkers/ctx_arm.c)
 * through the public API: capabilities and their keys, the sanitised
 * SMMU_IDR0/1/3/5 words bit by bit, ATTACH_TABLE checks of the STE words
 * (C117, C118), the CD lookup for every table format with hand-computed
 * addresses (C119), CD ILLEGAL conditions (C138), fetch faults, stage-2
 * translated context reads (C139, C140) and end-to-end walks of the
 * decoded CD. Section numbers (§) are pgtable-arm.md's. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "iommu-ref/context.h"
#include "iommu-ref/walk.h"
#include "testutil.h"
#include "walk_fixture.h"

#define BIT(n) (UINT64_C(1) << (n))

/* STE words, written out here independently of walkers/ctx_arm.c. */
#define STE0_V BIT(0)
#define STE0_CONFIG_S1 (UINT64_C(5) << 1) /* Config 0b101 */
#define FMT_LINEAR 0u
#define FMT_2L_4K 1u
#define FMT_2L_64K 2u
#define DSS_TERMINATE 0u
#define DSS_BYPASS 1u
#define DSS_SSID0 2u

/* CD dword 0 bits (§11.3). */
#define CD_EPD0 BIT(14)
#define CD_ENDI BIT(15)
#define CD_EPD1 BIT(30)
#define CD_V BIT(31)
#define CD_IPS48 (UINT64_C(5) << 32)
#define CD_AFFD BIT(35)
#define CD_WXN BIT(36)
#define CD_TBI0 BIT(38)
#define CD_TBI1 BIT(39)
#define CD_PAN BIT(40)
#define CD_AA64 BIT(41)
#define CD_HD BIT(42)
#define CD_HA BIT(43)
#define CD_S BIT(44)
#define CD_R BIT(45)
#define CD_A BIT(46)
#define CD_ASID(a) ((uint64_t)(a) << 48)
/* A usable CD: 48-bit TTB0 range, 4 KiB granule, TTB1 disabled. */
#define CD0_GOOD (16u | CD_EPD1 | CD_V | CD_IPS48 | CD_AA64 | CD_R | CD_A)

static struct iref_hw_caps caps;
static struct iref_ctx ctx;

static void caps_setup(void)
{
	setup();
	iref_hw_caps_default(&caps, IREF_ARCH_ARM);
	memset(&ctx, 0, sizeof ctx);
}

static uint64_t ste0(unsigned fmt, uint64_t ptr, unsigned cdmax)
{
	return STE0_V | STE0_CONFIG_S1 | (uint64_t)fmt << 4 | ptr |
	       (uint64_t)cdmax << 59;
}

static struct iref_attach_table arm_at(uint64_t s0, uint64_t s1)
{
	struct iref_attach_table at = {.domain = 1, .endpoint = 2,
				       .format = IREF_TF_ARM_SMMU3};
	at.u.arm.ste0 = s0;
	at.u.arm.ste1 = s1;
	return at;
}

/* A CD at addr: dword 0 as given, TTB0, dword 2 (TTB1, HAD1, E0PD1) and
 * MAIR; the other four dwords hold junk the decode must ignore. */
static void write_cd(uint64_t addr, uint64_t d0, uint64_t ttb0, uint64_t d2,
		     uint64_t mair)
{
	w64(addr, d0);
	w64(addr + 8, ttb0);
	w64(addr + 16, d2);
	w64(addr + 24, mair);
	for (unsigned i = 4; i < 8; i++)
		w64(addr + 8 * i, UINT64_C(0xdeadbeefcafef00d));
}

/* A good CD at addr whose ASID and TTB0 (= addr) identify it. */
static void cd_tagged(uint64_t addr, uint16_t asid)
{
	write_cd(addr, CD0_GOOD | CD_ASID(asid), addr, 0, 0);
}

static struct iref_ctx_env env_of(const struct iref_walk_cfg *s2)
{
	return (struct iref_ctx_env){.caps = &caps, .s2 = s2, .mem = mem};
}

static void resolve_env(const struct iref_ctx_env *env,
			const struct iref_attach_table *at, bool has_pasid,
			uint32_t pasid)
{
	struct iref_ctx_req req = {.has_pasid = has_pasid, .pasid = pasid,
				   .access = IREF_ACC_READ};
	ck_assert_int_eq(iref_ctx_resolve(env, at, &req, &ctx), IREF_OK);
}

static void resolve(const struct iref_attach_table *at, bool has_pasid,
		    uint32_t pasid)
{
	struct iref_ctx_env env = env_of(NULL);
	resolve_env(&env, at, has_pasid, pasid);
}

/* The request found the CD that cd_tagged wrote at addr. */
static void assert_cd_at(uint64_t addr, uint16_t asid)
{
	ck_assert_int_eq(ctx.kind, IREF_CTX_WALK);
	ck_assert_uint_eq(ctx.s1.root, addr);
	ck_assert(ctx.has_tag);
	ck_assert_uint_eq(ctx.tag, asid);
	ck_assert_uint_eq(ctx.s1.u.arm.asid, asid);
}

static void assert_ctx_fault(uint32_t code)
{
	ck_assert_int_eq(ctx.kind, IREF_CTX_FAULT);
	ck_assert_uint_eq(ctx.reason, IREF_R_UNKNOWN);
	ck_assert_uint_eq(ctx.fault.code, code);
	ck_assert_int_eq(ctx.fault.reason, IREF_WF_CONFIG);
	ck_assert_uint_eq(ctx.fault.stage, 1);
	ck_assert_int_eq(ctx.fault.level, -1);
}

static void set_cap(const char *key, const char *value)
{
	struct iref_diag diag;
	ck_assert_int_eq(iref_hw_caps_set(&caps, key, value, &diag),
			 IREF_OK);
}

/* ---- Capabilities, ID registers ---- */

START_TEST(test_caps_defaults)
{
	ck_assert_int_eq(caps.arch, IREF_ARCH_ARM);
	ck_assert_int_eq(caps.s1.fmt, IREF_FMT_ARM_S1);
	ck_assert_uint_eq(caps.pasid_bits, 20);
	ck_assert(caps.x.arm.cd2l);
	ck_assert(caps.x.arm.ril);
	/* The walker's own defaults (walk_arm.h). */
	ck_assert_uint_eq(caps.s1.u.arm.oas, IREF_ARM_PS_48);
	ck_assert_uint_eq(caps.s1.u.arm.httu, 2);
	ck_assert(caps.s1.u.arm.asid16);
	ck_assert(caps.s1.u.arm.gran4k && caps.s1.u.arm.gran16k &&
		  caps.s1.u.arm.gran64k);
	/* Format 1 only (6.6, C113). */
	for (unsigned f = 0; f < 256; f++)
		ck_assert(iref_hw_caps_accepts(&caps, f) == (f == 1));
}
END_TEST

/* C125/C126: type 2; IDR0 = S1P[1] | TTF[3:2]=2 | HTTU[7:6]=2 |
 * ASID16[12] | CD2L[19] | TTENDIAN[22:21]=2 | STALL_MODEL[25:24]=1 |
 * TERM_MODEL[26]; IDR1 = SSIDSIZE[10:6]=20; IDR3 = HAD[2] | RIL[10] |
 * E0PD[13] | EPAN[17]; IDR5 = OAS 5 | GRAN4K[4] | GRAN16K[5] |
 * GRAN64K[6]. */
START_TEST(test_idr_defaults)
{
	struct iref_hw_regs r;
	iref_hw_caps_regs(&caps, &r);
	ck_assert_uint_eq(r.type, IREF_PROBE_T_HW_ARM_SMMU3);
	ck_assert_uint_eq(r.reg[0], UINT64_C(0x0548108a));
	ck_assert_uint_eq(r.reg[1], UINT64_C(0x500));
	ck_assert_uint_eq(r.reg[2], UINT64_C(0x22404));
	ck_assert_uint_eq(r.reg[3], UINT64_C(0x75));
	/* Hidden: S2P[0], HYP[9], VMID16[18], XNX (IDR3[4], stage 2). */
	ck_assert_uint_eq(r.reg[0] & (BIT(0) | BIT(9) | BIT(18)), 0);
	ck_assert_uint_eq(r.reg[2] & BIT(4), 0);
	ck_assert_uint_eq(r.reg[0] >> 2 & 3, 2);   /* TTF AArch64 */
	ck_assert_uint_eq(r.reg[0] >> 21 & 3, 2);  /* TTENDIAN LE */
	ck_assert_uint_eq(r.reg[0] >> 24 & 3, 1);  /* no stalls */
	ck_assert_uint_eq(r.reg[1] >> 6 & 31, 20); /* SSIDSIZE */
	ck_assert_uint_eq(r.reg[1] & 63, 0);       /* SIDSIZE */
}
END_TEST

START_TEST(test_idr_from_caps)
{
	set_cap("idr0.httu", "0");
	set_cap("idr0.asid16", "0");
	set_cap("cd2l", "0");
	set_cap("ssidsize", "0");
	set_cap("ril", "0");
	set_cap("idr3.had", "0");
	set_cap("idr3.e0pd", "0");
	set_cap("idr3.epan", "0");
	set_cap("idr3.stt", "1");
	set_cap("idr3.xnx", "1");
	set_cap("idr5.oas", "52");
	set_cap("idr5.gran16k", "0");
	set_cap("idr5.vax", "1");
	struct iref_hw_regs r;
	iref_hw_caps_regs(&caps, &r);
	/* S1P | TTF | TTENDIAN | STALL_MODEL | TERM_MODEL. */
	ck_assert_uint_eq(r.reg[0], UINT64_C(0x0540000a));
	ck_assert_uint_eq(r.reg[1], 0);
	ck_assert_uint_eq(r.reg[2], UINT64_C(0x200)); /* STT only */
	/* OAS 6 | GRAN4K | GRAN64K | VAX 1. */
	ck_assert_uint_eq(r.reg[3], UINT64_C(0x456));

	/* PROBE caps HTTU at 2: HTTU 3 promises table-descriptor AF updates
	 * (HAFT), which the walker does not perform (docs/extension-arm.md). */
	set_cap("idr0.httu", "3");
	iref_hw_caps_regs(&caps, &r);
	ck_assert_uint_eq(r.reg[0] >> 6 & 3, 2);
	set_cap("idr0.httu", "1");
	set_cap("pasid_bits", "7");
	iref_hw_caps_regs(&caps, &r);
	ck_assert_uint_eq(r.reg[0] >> 6 & 3, 1);
	ck_assert_uint_eq(r.reg[1], UINT64_C(7) << 6);

	/* No architecture: nothing reported. */
	struct iref_hw_caps none;
	iref_hw_caps_default(&none, IREF_ARCH_NONE);
	iref_hw_caps_regs(&none, &r);
	ck_assert_uint_eq(r.type, 0);
	ck_assert_uint_eq(r.reg[0] | r.reg[1] | r.reg[2] | r.reg[3], 0);
}
END_TEST

START_TEST(test_caps_set)
{
	struct iref_diag diag;
	set_cap("ssidsize", "8");
	ck_assert_uint_eq(caps.pasid_bits, 8);
	set_cap("pasid_bits", "0x14");
	ck_assert_uint_eq(caps.pasid_bits, 20);
	set_cap("idr1.ssidsize", "3");
	ck_assert_uint_eq(caps.pasid_bits, 3);
	ck_assert_int_eq(iref_hw_caps_set(&caps, "ssidsize", "21", &diag),
			 IREF_E_RANGE);
	ck_assert_uint_eq(caps.pasid_bits, 3);
	ck_assert_int_eq(iref_hw_caps_set(&caps, "ssidsize", "x", &diag),
			 IREF_E_INVAL);
	set_cap("cd2l", "off");
	ck_assert(!caps.x.arm.cd2l);
	set_cap("idr0.cd2l", "1");
	ck_assert(caps.x.arm.cd2l);
	set_cap("ril", "0");
	ck_assert(!caps.x.arm.ril);
	ck_assert(caps.x.arm.cd2l);
	set_cap("idr3.ril", "true");
	ck_assert(caps.x.arm.ril);
	ck_assert_int_eq(iref_hw_caps_set(&caps, "cd2l", "2", &diag),
			 IREF_E_RANGE);
	/* Other keys go to the walker. */
	set_cap("idr0.httu", "1");
	ck_assert_uint_eq(caps.s1.u.arm.httu, 1);
	set_cap("idr5.oas", "40");
	ck_assert_uint_eq(caps.s1.u.arm.oas, 2);
	ck_assert_int_eq(iref_hw_caps_set(&caps, "bogus", "1", &diag),
			 IREF_E_INVAL);
}
END_TEST

/* INVALIDATE page_size (6.7 rule 7, C131): the leaf sizes of the enabled
 * granules (§2). */
START_TEST(test_page_sizes)
{
	static const unsigned ok[] = {12, 21, 30, 14, 25, 16, 29};
	for (unsigned i = 0; i < 7; i++)
		ck_assert(iref_hw_caps_page_size_ok(&caps, ok[i]));
	static const unsigned bad[] = {0, 11, 13, 15, 20, 39, 42, 48, 63, 64,
				       200};
	for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert(!iref_hw_caps_page_size_ok(&caps, bad[i]));
	/* 4 TiB level-1 blocks with 64 KiB granules need a 52-bit OAS. */
	set_cap("idr5.oas", "52");
	ck_assert(iref_hw_caps_page_size_ok(&caps, 42));
	set_cap("lpa", "off");
	ck_assert(!iref_hw_caps_page_size_ok(&caps, 42));
	set_cap("idr5.gran4k", "0");
	ck_assert(!iref_hw_caps_page_size_ok(&caps, 12));
	ck_assert(!iref_hw_caps_page_size_ok(&caps, 21));
	ck_assert(!iref_hw_caps_page_size_ok(&caps, 30));
	ck_assert(iref_hw_caps_page_size_ok(&caps, 14));
	set_cap("idr5.gran16k", "0");
	ck_assert(!iref_hw_caps_page_size_ok(&caps, 25));
	set_cap("idr5.gran64k", "0");
	ck_assert(!iref_hw_caps_page_size_ok(&caps, 29));
}
END_TEST

/* ---- ATTACH_TABLE checks ---- */

static enum iref_status chk(uint64_t s0, uint64_t s1, unsigned pa_bits)
{
	struct iref_attach_table at = arm_at(s0, s1);
	return iref_ctx_check(&caps, &at, pa_bits);
}

/* C117, each check on its own. */
START_TEST(test_check_c117)
{
	uint64_t ptr = 0x10000;
	ck_assert_int_eq(chk(ste0(FMT_LINEAR, ptr, 0), 0, 40), IREF_S_OK);
	/* S1Fmt = 3: S_INVAL; ignored without substreams. */
	ck_assert_int_eq(chk(ste0(3, ptr, 4), 0, 40), IREF_S_INVAL);
	ck_assert_int_eq(chk(ste0(3, ptr, 0), 0, 40), IREF_S_OK);
	/* S1DSS = 3: S_INVAL, with or without substreams. */
	ck_assert_int_eq(chk(ste0(0, ptr, 4), 3, 40), IREF_S_INVAL);
	ck_assert_int_eq(chk(ste0(0, ptr, 0), 3, 40), IREF_S_INVAL);
	for (unsigned dss = 0; dss < 3; dss++)
		ck_assert_int_eq(chk(ste0(0, ptr, 4), dss, 40), IREF_S_OK);
	/* S1CDMax against SSIDSIZE. */
	ck_assert_int_eq(chk(ste0(0, ptr, 20), 0, 40), IREF_S_OK);
	ck_assert_int_eq(chk(ste0(0, ptr, 21), 0, 40), IREF_S_RANGE);
	ck_assert_int_eq(chk(ste0(0, ptr, 31), 0, 40), IREF_S_RANGE);
	set_cap("ssidsize", "8");
	ck_assert_int_eq(chk(ste0(0, ptr, 8), 0, 40), IREF_S_OK);
	ck_assert_int_eq(chk(ste0(0, ptr, 9), 0, 40), IREF_S_RANGE);
	set_cap("ssidsize", "0");
	ck_assert_int_eq(chk(ste0(0, ptr, 1), 0, 40), IREF_S_UNSUPP);
	ck_assert_int_eq(chk(ste0(0, ptr, 0), 0, 40), IREF_S_OK);
	set_cap("ssidsize", "20");
	/* S1ContextPtr against the guest PA size. */
	ck_assert_int_eq(chk(ste0(0, BIT(40), 0), 0, 40), IREF_S_RANGE);
	ck_assert_int_eq(chk(ste0(0, BIT(40) - 64, 0), 0, 40), IREF_S_OK);
	ck_assert_int_eq(chk(ste0(0, BIT(51), 0), 0, 64), IREF_S_OK);
	ck_assert_int_eq(chk(ste0(0, BIT(51), 0), 0, 0), IREF_S_OK);
	ck_assert_int_eq(chk(ste0(0, BIT(51), 0), 0, 52), IREF_S_OK);
	ck_assert_int_eq(chk(ste0(0, BIT(51), 0), 0, 51), IREF_S_RANGE);
	/* Bits [55:52] are outside the extension's pointer mask. */
	ck_assert_int_eq(chk(ste0(0, ptr, 0) | BIT(55), 0, 40), IREF_S_OK);
	/* Two-level tables without IDR0.CD2L: S_UNSUPP, unless S1CDMax =
	 * 0 makes S1Fmt irrelevant. */
	set_cap("cd2l", "0");
	ck_assert_int_eq(chk(ste0(FMT_2L_4K, ptr, 8), 0, 40), IREF_S_UNSUPP);
	ck_assert_int_eq(chk(ste0(FMT_2L_64K, ptr, 8), 0, 40),
			 IREF_S_UNSUPP);
	ck_assert_int_eq(chk(ste0(FMT_2L_4K, ptr, 0), 0, 40), IREF_S_OK);
	ck_assert_int_eq(chk(ste0(FMT_LINEAR, ptr, 8), 0, 40), IREF_S_OK);
	/* Another format: the core refuses it (C113). */
	struct iref_attach_table at = arm_at(ste0(0, ptr, 0), 0);
	at.format = IREF_TF_INTEL_PT;
	ck_assert_int_eq(iref_ctx_check(&caps, &at, 40), IREF_S_UNSUPP);
}
END_TEST

/* C117: the order 6.5.1 lists the checks in, CD2L last. */
START_TEST(test_check_order)
{
	ck_assert_int_eq(chk(ste0(3, BIT(45), 25), 3, 40), IREF_S_INVAL);
	ck_assert_int_eq(chk(ste0(0, BIT(45), 25), 3, 40), IREF_S_INVAL);
	ck_assert_int_eq(chk(ste0(0, BIT(45), 25), 0, 40), IREF_S_RANGE);
	set_cap("ssidsize", "0");
	ck_assert_int_eq(chk(ste0(0, BIT(45), 1), 0, 40), IREF_S_UNSUPP);
	set_cap("ssidsize", "20");
	set_cap("cd2l", "0");
	ck_assert_int_eq(chk(ste0(FMT_2L_4K, BIT(45), 8), 0, 40),
			 IREF_S_RANGE);
}
END_TEST

/* C118: V, Config and every STE bit 6.5.1 does not honour change neither
 * the check nor the context found. */
START_TEST(test_check_c118_ignored_bits)
{
	uint64_t ptr = 0x40000;
	cd_tagged(ptr + 64 * 3, 0x33);
	uint64_t base = (uint64_t)FMT_LINEAR << 4 | ptr | UINT64_C(2) << 59;
	/* ste0: V[0], Config[3:1], [58:52]; ste1: everything but S1DSS
	 * (S1CIR/COR/CSH, S1STALLD, EATS, STRW, SHCFG, ...). */
	static const uint64_t junk0[] = {0, 0x1, 0x2, 0x8, 0xf, 0xb,
					 UINT64_C(0x07f0000000000000)};
	static const uint64_t junk1[] = {0, 0xfc, BIT(27), UINT64_C(3) << 28,
					 ~UINT64_C(3)};
	for (unsigned i = 0; i < sizeof junk0 / sizeof junk0[0]; i++)
		for (unsigned j = 0; j < sizeof junk1 / sizeof junk1[0]; j++) {
			uint64_t s0 = base | junk0[i];
			uint64_t s1 = DSS_SSID0 | junk1[j];
			ck_assert_int_eq(chk(s0, s1, 40), IREF_S_OK);
			struct iref_attach_table at = arm_at(s0, s1);
			resolve(&at, true, 3);
			assert_cd_at(ptr + 64 * 3, 0x33);
		}
}
END_TEST

/* ---- CD lookup (C119) ---- */

/* Linear table of 16 CDs at 0x40000: CD[s] at 0x40000 + 64 s. */
START_TEST(test_linear)
{
	static const uint32_t ssids[] = {0, 1, 7, 15};
	static const uint64_t cds[] = {0x40000, 0x40040, 0x401c0, 0x403c0};
	for (unsigned i = 0; i < 4; i++)
		cd_tagged(cds[i], (uint16_t)(0x100 + i));
	struct iref_attach_table at = arm_at(ste0(FMT_LINEAR, 0x40000, 4), 0);
	for (unsigned i = 0; i < 4; i++) {
		resolve(&at, true, ssids[i]);
		assert_cd_at(cds[i], (uint16_t)(0x100 + i));
		ck_assert_uint_eq(ctx.n_reads, 1);
	}
	/* Pointer bits [S1CDMax+5:6] are RES0: treated as zero. */
	at = arm_at(ste0(FMT_LINEAR, 0x40000 | 0x3c0, 4), 0);
	resolve(&at, true, 1);
	assert_cd_at(0x40040, 0x101);
}
END_TEST

/* S1CDMax = 0: the pointer is the one CD; S1Fmt and S1DSS are ignored. */
START_TEST(test_single_cd)
{
	cd_tagged(0x7000, 0x77);
	for (unsigned fmt = 0; fmt < 4; fmt++)
		for (unsigned dss = 0; dss < 3; dss++) {
			struct iref_attach_table at =
				arm_at(ste0(fmt, 0x7000, 0), dss);
			resolve(&at, false, 0);
			assert_cd_at(0x7000, 0x77);
			ck_assert_uint_eq(ctx.n_reads, 1);
		}
}
END_TEST

/* Two-level, 4 KiB leaves, S1CDMax = 10: L1 index SSID[9:6] (16 L1CDs at
 * 0x50000), L2 index SSID[5:0]. */
START_TEST(test_two_level_4k)
{
	w64(0x50000 + 8 * 0, 0x60000 | 1);
	w64(0x50000 + 8 * 1, 0x61000 | 0xff0 | 1); /* [11:0] taken as 0 */
	w64(0x50000 + 8 * 2, 0x62000);             /* V = 0 */
	w64(0x50000 + 8 * 15, 0x6f000 | 1);
	static const uint32_t ssids[] = {0, 5, 65, 127, 1023};
	static const uint64_t cds[] = {0x60000, 0x60140, 0x61040, 0x61fc0,
				       0x6ffc0};
	for (unsigned i = 0; i < 5; i++)
		cd_tagged(cds[i], (uint16_t)(0x200 + i));
	struct iref_attach_table at = arm_at(ste0(FMT_2L_4K, 0x50000, 10), 0);
	for (unsigned i = 0; i < 5; i++) {
		resolve(&at, true, ssids[i]);
		assert_cd_at(cds[i], (uint16_t)(0x200 + i));
		ck_assert_uint_eq(ctx.n_reads, 2);
	}
	/* L1CD.V = 0 (SSIDs 128..191). */
	resolve(&at, true, 130);
	assert_ctx_fault(IREF_ARM_C_BAD_SUBSTREAMID);
	ck_assert_uint_eq(ctx.n_reads, 1);

	/* The L1 table is aligned to its size (128 bytes): pointer bit 6 is
	 * RES0, treated as zero. */
	at = arm_at(ste0(FMT_2L_4K, 0x50040, 10), 0);
	resolve(&at, true, 65);
	assert_cd_at(0x61040, 0x202);

	/* S1CDMax <= 6: only L1CD 0 is used. */
	at = arm_at(ste0(FMT_2L_4K, 0x50000, 3), 0);
	resolve(&at, true, 5);
	assert_cd_at(0x60140, 0x201);
}
END_TEST

/* Two-level, 64 KiB leaves, S1CDMax = 12: L1 index SSID[11:10] (4 L1CDs
 * at 0x70000), L2 index SSID[9:0]. */
START_TEST(test_two_level_64k)
{
	w64(0x70000 + 8 * 0, 0x100000 | 1);
	w64(0x70000 + 8 * 1, 0x100000 | 0x5000 | 1); /* [15:12] RES0 */
	w64(0x70000 + 8 * 3, 0x200000 | 1);
	static const uint32_t ssids[] = {0, 1023, 1025, 4095};
	static const uint64_t cds[] = {0x100000, 0x10ffc0, 0x100040,
				       0x20ffc0};
	for (unsigned i = 0; i < 4; i++)
		cd_tagged(cds[i], (uint16_t)(0x300 + i));
	struct iref_attach_table at =
		arm_at(ste0(FMT_2L_64K, 0x70000, 12), 0);
	for (unsigned i = 0; i < 4; i++) {
		resolve(&at, true, ssids[i]);
		assert_cd_at(cds[i], (uint16_t)(0x300 + i));
		ck_assert_uint_eq(ctx.n_reads, 2);
	}
	resolve(&at, true, 2048); /* L1CD 2 never written: V = 0 */
	assert_ctx_fault(IREF_ARM_C_BAD_SUBSTREAMID);
	resolve(&at, true, 4096); /* beyond 2^S1CDMax */
	assert_ctx_fault(IREF_ARM_C_BAD_SUBSTREAMID);
	ck_assert_uint_eq(ctx.n_reads, 0);
}
END_TEST

/* An L2Ptr beyond the IAS (OAS 48 here) is refused like an invalid L1CD
 * (§10.1 C_BAD_SUBSTREAMID). */
START_TEST(test_l2ptr_range)
{
	w64(0x50000, BIT(48) | 1);
	struct iref_attach_table at = arm_at(ste0(FMT_2L_4K, 0x50000, 8), 0);
	resolve(&at, true, 1);
	assert_ctx_fault(IREF_ARM_C_BAD_SUBSTREAMID);
	set_cap("idr5.oas", "52");
	cd_tagged(BIT(48) + 64, 0x48);
	resolve(&at, true, 1);
	assert_cd_at(BIT(48) + 64, 0x48);
}
END_TEST

/* Traffic without a SubstreamID when substreams are on (STE.S1DSS). */
START_TEST(test_s1dss)
{
	cd_tagged(0x40000, 0x10);
	cd_tagged(0x40040, 0x11);
	struct iref_attach_table at =
		arm_at(ste0(FMT_LINEAR, 0x40000, 2), DSS_TERMINATE);
	resolve(&at, false, 0);
	assert_ctx_fault(IREF_ARM_F_STREAM_DISABLED);
	ck_assert_uint_eq(ctx.n_reads, 0);
	resolve(&at, true, 0); /* SSID 0 itself is usable */
	assert_cd_at(0x40000, 0x10);

	at = arm_at(ste0(FMT_LINEAR, 0x40000, 2), DSS_BYPASS);
	resolve(&at, false, 0);
	ck_assert_int_eq(ctx.kind, IREF_CTX_S1_BYPASS);
	ck_assert_uint_eq(ctx.n_reads, 0);
	resolve(&at, true, 1);
	assert_cd_at(0x40040, 0x11);

	at = arm_at(ste0(FMT_LINEAR, 0x40000, 2), DSS_SSID0);
	resolve(&at, false, 0);
	assert_cd_at(0x40000, 0x10);
	/* Substream 0 now belongs to no-SSID traffic: IHI 0070 STE.S1DSS
	 * reports F_STREAM_DISABLED. */
	resolve(&at, true, 0);
	assert_ctx_fault(IREF_ARM_F_STREAM_DISABLED);
	resolve(&at, true, 1);
	assert_cd_at(0x40040, 0x11);
}
END_TEST

START_TEST(test_ssid_out_of_range)
{
	cd_tagged(0x40000, 0x10);
	struct iref_attach_table at = arm_at(ste0(FMT_LINEAR, 0x40000, 2), 0);
	static const uint32_t bad[] = {4, 5, 1u << 20, 0xffffffffu};
	for (unsigned i = 0; i < 4; i++) {
		resolve(&at, true, bad[i]);
		assert_ctx_fault(IREF_ARM_C_BAD_SUBSTREAMID);
	}
	/* No substreams: any SSID is refused. */
	at = arm_at(ste0(FMT_LINEAR, 0x40000, 0), 0);
	resolve(&at, true, 0);
	assert_ctx_fault(IREF_ARM_C_BAD_SUBSTREAMID);
	ck_assert_uint_eq(ctx.n_reads, 0);
}
END_TEST

/* A descriptor check() refuses, resolved anyway: an ILLEGAL STE; the
 * wrong format: IREF_E_INVAL. */
START_TEST(test_unchecked_descriptor)
{
	struct iref_attach_table at = arm_at(ste0(3, 0x40000, 2), 0);
	resolve(&at, true, 1);
	assert_ctx_fault(IREF_ARM_C_BAD_STE);
	set_cap("cd2l", "0");
	at = arm_at(ste0(FMT_2L_4K, 0x40000, 8), 0);
	resolve(&at, true, 1);
	assert_ctx_fault(IREF_ARM_C_BAD_STE);

	struct iref_ctx_env env = env_of(NULL);
	struct iref_ctx_req req = {0};
	at.format = IREF_TF_RISCV;
	ck_assert_int_eq(iref_ctx_resolve(&env, &at, &req, &ctx),
			 IREF_E_INVAL);
	env.caps = NULL;
	at.format = IREF_TF_ARM_SMMU3;
	ck_assert_int_eq(iref_ctx_resolve(&env, &at, &req, &ctx),
			 IREF_E_INVAL);
}
END_TEST

/* ---- The CD ---- */

/* Every field the walker takes, decoded from its CD bit. */
START_TEST(test_cd_fields)
{
	uint64_t d0 = 20u | 2u << 6 | CD_EPD0 | 25u << 16 | 3u << 22 |
		      CD_V | UINT64_C(2) << 32 | CD_AFFD | CD_WXN | CD_TBI0 |
		      CD_TBI1 | CD_PAN | CD_AA64 | CD_HD | CD_HA | CD_R |
		      CD_A | CD_ASID(0xbeef);
	/* dword 1: HAD0[65], E0PD0[66], TTB0, EPAN[123]; dword 2: HAD1,
	 * E0PD1, TTB1. Low TTB bits [3:0] are outside the field. */
	uint64_t d1 = BIT(1) | BIT(2) | UINT64_C(0x000abcdef1234560) |
		      BIT(59) | 0x9;
	uint64_t d2 = BIT(1) | BIT(2) | UINT64_C(0x0001234567890ab0) | 0x8;
	write_cd(0x9000, d0, d1, d2, UINT64_C(0x0011223344556677));
	struct iref_attach_table at = arm_at(ste0(0, 0x9000, 0), 0);
	resolve(&at, false, 0);
	ck_assert_int_eq(ctx.kind, IREF_CTX_WALK);
	ck_assert_int_eq(ctx.s1.fmt, IREF_FMT_ARM_S1);
	const struct iref_arm_cfg *c = &ctx.s1.u.arm;
	ck_assert_uint_eq(c->t0sz, 20);
	ck_assert_uint_eq(c->tg0, IREF_ARM_TG0_16K);
	ck_assert(c->epd0);
	ck_assert_uint_eq(c->t1sz, 25);
	ck_assert_uint_eq(c->tg1, IREF_ARM_TG1_64K);
	ck_assert(!c->epd1);
	ck_assert_uint_eq(c->ips, 2);
	ck_assert(c->affd && c->wxn && c->tbi0 && c->tbi1 && c->pan);
	ck_assert(c->hd && c->ha);
	ck_assert(c->had0 && c->e0pd0 && c->epan && c->had1 && c->e0pd1);
	ck_assert_uint_eq(c->asid, 0xbeef);
	ck_assert_uint_eq(ctx.tag, 0xbeef);
	ck_assert_uint_eq(ctx.s1.root, UINT64_C(0x000abcdef1234560));
	ck_assert_uint_eq(c->ttb1, UINT64_C(0x0001234567890ab0));
	ck_assert_uint_eq(c->mair, UINT64_C(0x0011223344556677));
	/* Capabilities come from the device. */
	ck_assert_uint_eq(c->oas, IREF_ARM_PS_48);
	ck_assert_uint_eq(c->httu, 2);

	/* The opposite values. */
	write_cd(0x9000, CD0_GOOD, 0x1000, 0, 0);
	resolve(&at, false, 0);
	ck_assert_int_eq(ctx.kind, IREF_CTX_WALK);
	ck_assert(!c->epd0 && c->epd1 && !c->tbi0 && !c->tbi1 && !c->pan);
	ck_assert(!c->ha && !c->hd && !c->affd && !c->wxn && !c->epan);
	ck_assert(!c->had0 && !c->had1 && !c->e0pd0 && !c->e0pd1);
	ck_assert_uint_eq(c->t0sz, 16);
	ck_assert_uint_eq(c->tg0, IREF_ARM_TG0_4K);
	ck_assert_uint_eq(c->ips, 5);
	ck_assert_uint_eq(c->asid, 0);
	ck_assert_uint_eq(ctx.s1.root, 0x1000);
}
END_TEST

static void cd_expect(uint64_t d0, bool illegal)
{
	write_cd(0x9000, d0, 0x1000, 0, 0);
	struct iref_attach_table at = arm_at(ste0(0, 0x9000, 0), 0);
	resolve(&at, false, 0);
	if (illegal)
		assert_ctx_fault(IREF_ARM_C_BAD_CD);
	else
		ck_assert_int_eq(ctx.kind, IREF_CTX_WALK);
}

/* CD ILLEGAL conditions found at lookup (§11.3, C138). */
START_TEST(test_cd_illegal)
{
	cd_expect(CD0_GOOD, false);
	cd_expect(CD0_GOOD & ~CD_V, true);
	cd_expect(CD0_GOOD & ~CD_AA64, true);        /* VMSAv8-32 */
	cd_expect(CD0_GOOD & ~CD_A, true);           /* TERM_MODEL = 1 */
	cd_expect(CD0_GOOD | CD_S, true);            /* STALL_MODEL = 1 */
	cd_expect(CD0_GOOD & ~CD_R, false);          /* R: not checked */
	cd_expect(CD0_GOOD | CD_ENDI, true);         /* TTENDIAN = LE */
	cd_expect(CD0_GOOD | CD_ENDI | CD_EPD0, false); /* no walks */
	/* HTTU 2 allows HA and HD. */
	cd_expect(CD0_GOOD | CD_HA | CD_HD, false);
	set_cap("idr0.httu", "1");
	cd_expect(CD0_GOOD | CD_HA, false);
	cd_expect(CD0_GOOD | CD_HA | CD_HD, true);
	cd_expect(CD0_GOOD | CD_HD, true);
	set_cap("idr0.httu", "0");
	cd_expect(CD0_GOOD | CD_HA, true);
	/* ASID[15:8] with 8-bit ASIDs. */
	cd_expect(CD0_GOOD | CD_ASID(0x100), false);
	set_cap("idr0.asid16", "0");
	cd_expect(CD0_GOOD | CD_ASID(0x100), true);
	cd_expect(CD0_GOOD | CD_ASID(0xff), false);
	/* A V = 0 CD is refused whatever else it holds. */
	cd_expect(0, true);
}
END_TEST

/* ---- Fetch faults and stage 2 ---- */

/* A bus error on the CD or L1CD fetch: F_CD_FETCH with FetchAddr. */
START_TEST(test_cd_fetch_bus_error)
{
	ck_assert_int_eq(iref_sparse_mem_add_fault(sm, 0x40040, 0x4007f,
						   IREF_MEM_FAULT_READ),
			 IREF_OK);
	struct iref_attach_table at = arm_at(ste0(FMT_LINEAR, 0x40000, 4), 0);
	resolve(&at, true, 1);
	ck_assert_int_eq(ctx.kind, IREF_CTX_FAULT);
	ck_assert_uint_eq(ctx.reason, IREF_R_UNKNOWN);
	ck_assert_uint_eq(ctx.fault.code, IREF_ARM_F_CD_FETCH);
	ck_assert_int_eq(ctx.fault.reason, IREF_WF_BUS_ERROR);
	ck_assert_uint_eq(ctx.fault.stage, 1);
	ck_assert_uint_eq(ctx.fault.addr2, 0x40040);
	ck_assert_str_eq(iref_arm_event_name(ctx.fault.code), "F_CD_FETCH");
	resolve(&at, true, 2); /* the next CD reads fine */
	ck_assert_int_eq(ctx.kind, IREF_CTX_FAULT);
	ck_assert_uint_eq(ctx.fault.code, IREF_ARM_C_BAD_CD); /* zeros */

	/* The L1CD of SSID 64..127. */
	ck_assert_int_eq(iref_sparse_mem_add_fault(sm, 0x50008, 0x5000f,
						   IREF_MEM_FAULT_READ),
			 IREF_OK);
	at = arm_at(ste0(FMT_2L_4K, 0x50000, 8), 0);
	resolve(&at, true, 64);
	ck_assert_uint_eq(ctx.fault.code, IREF_ARM_F_CD_FETCH);
	ck_assert_int_eq(ctx.fault.reason, IREF_WF_BUS_ERROR);
	ck_assert_uint_eq(ctx.fault.addr2, 0x50008);
	ck_assert_uint_eq(ctx.n_reads, 1);
}
END_TEST

/* A host stage 2 mapping GPA [0x40000, 0x50000) to PA 0x800000, tables
 * from PA 0x1000000. */
static void build_s2(struct iref_walk_cfg *s2)
{
	struct iref_diag diag;
	ck_assert_int_eq(iref_walk_cfg_init(s2, "arm-s2", &diag), IREF_OK);
	struct iref_pool pool = {0x1000000, 0x1100000};
	struct iref_build_map m = {.va = 0x40000, .pa = 0x800000,
				   .size = 0x10000,
				   .perm = IREF_PERM_R | IREF_PERM_W,
				   .flags = IREF_BUILD_NO_BLOCKS};
	ck_assert_int_eq(iref_build(s2, mem, &pool, &m, 1, &diag), IREF_OK);
}

/* C140: CD and L1CD reads are stage-2 translated. */
START_TEST(test_stage2_translated)
{
	struct iref_walk_cfg s2;
	build_s2(&s2);
	cd_tagged(0x40000 + 64 * 3, 0x99);     /* at the GPA: not read */
	write_cd(0x800000 + 64 * 3, CD0_GOOD | CD_ASID(0x42), 0x123000, 0,
		 0);
	struct iref_ctx_env env = env_of(&s2);
	struct iref_attach_table at = arm_at(ste0(FMT_LINEAR, 0x40000, 4), 0);
	resolve_env(&env, &at, true, 3);
	ck_assert_int_eq(ctx.kind, IREF_CTX_WALK);
	ck_assert_uint_eq(ctx.tag, 0x42);
	ck_assert_uint_eq(ctx.s1.root, 0x123000); /* a GPA, untranslated */
	/* Four stage-2 levels (48-bit IPA, 4 KiB) and the CD. */
	ck_assert_uint_eq(ctx.n_reads, 5);

	/* Two levels: the L1CD at GPA 0x48000 and the CD at 0x4c040. */
	w64(0x800000 + 0x8000, 0x4c000 | 1);
	write_cd(0x800000 + 0xc040, CD0_GOOD | CD_ASID(0x43), 0x124000, 0,
		 0);
	at = arm_at(ste0(FMT_2L_4K, 0x48000, 8), 0);
	resolve_env(&env, &at, true, 1);
	ck_assert_int_eq(ctx.kind, IREF_CTX_WALK);
	ck_assert_uint_eq(ctx.tag, 0x43);
	ck_assert_uint_eq(ctx.n_reads, 10);
}
END_TEST

/* C139: a stage-2 fault on the CD fetch is reported as stage 2 found it:
 * a host event. */
START_TEST(test_stage2_fault)
{
	struct iref_walk_cfg s2;
	build_s2(&s2);
	cd_tagged(0x90000, 0x99); /* identity would find it */
	struct iref_ctx_env env = env_of(&s2);
	struct iref_attach_table at = arm_at(ste0(FMT_LINEAR, 0x90000, 0), 0);
	resolve_env(&env, &at, false, 0);
	ck_assert_int_eq(ctx.kind, IREF_CTX_FAULT);
	ck_assert_uint_eq(ctx.reason, IREF_R_UNKNOWN);
	ck_assert_uint_eq(ctx.fault.stage, 2);
	ck_assert(ctx.fault.on_walk);
	ck_assert_uint_eq(ctx.fault.code, IREF_ARM_F_TRANSLATION);
	ck_assert_int_eq(ctx.fault.reason, IREF_WF_TRANSLATION);
	ck_assert(ctx.n_reads > 0);

	/* The L1CD translates, its L2 table does not. */
	w64(0x800000, 0x90000 | 1);
	at = arm_at(ste0(FMT_2L_4K, 0x40000, 8), 0);
	resolve_env(&env, &at, true, 2);
	ck_assert_int_eq(ctx.kind, IREF_CTX_FAULT);
	ck_assert_uint_eq(ctx.fault.stage, 2);
	ck_assert_uint_eq(ctx.fault.code, IREF_ARM_F_TRANSLATION);
}
END_TEST

/* ---- End to end: the decoded CD walks ---- */

/* Stage-1 tables for VA [0x400000, 0x600000) -> PA 0x9000000, built under
 * a default "arm-s1" configuration; returns TTB0. */
static uint64_t build_s1(void)
{
	struct iref_diag diag;
	struct iref_walk_cfg s1;
	ck_assert_int_eq(iref_walk_cfg_init(&s1, "arm-s1", &diag), IREF_OK);
	struct iref_pool pool = {0x200000, 0x300000};
	struct iref_build_map m = {.va = 0x400000, .pa = 0x9000000,
				   .size = 0x200000,
				   .perm = IREF_PERM_R | IREF_PERM_W};
	ck_assert_int_eq(iref_build(&s1, mem, &pool, &m, 1, &diag), IREF_OK);
	return s1.root;
}

static void walk_ctx(uint64_t va, unsigned access)
{
	struct iref_walk_req wr = {.addr = va, .access = access,
				   .priv = true};
	ck_assert_int_eq(iref_walk(&ctx.s1, mem, &wr, &res), IREF_OK);
}

START_TEST(test_end_to_end)
{
	uint64_t ttb0 = build_s1();
	write_cd(0x40000 + 64 * 5, CD0_GOOD | CD_ASID(7), ttb0, 0, 0);
	struct iref_attach_table at = arm_at(ste0(FMT_LINEAR, 0x40000, 3), 0);
	resolve(&at, true, 5);
	ck_assert_int_eq(ctx.kind, IREF_CTX_WALK);
	walk_ctx(0x401234, IREF_ACC_WRITE);
	ck_assert(res.ok);
	ck_assert_uint_eq(res.pa, 0x9001234);
	ck_assert_uint_eq(res.page_size, 0x200000);
	walk_ctx(0x600000, IREF_ACC_READ);
	ck_assert(!res.ok);
	ck_assert_uint_eq(res.fault.code, IREF_ARM_F_TRANSLATION);
	/* TTB1 is disabled (EPD1): the upper range faults. */
	walk_ctx(UINT64_C(0xffff000000401234), IREF_ACC_READ);
	ck_assert(!res.ok);
	ck_assert_uint_eq(res.fault.code, IREF_ARM_F_TRANSLATION);
}
END_TEST

/* The CD ILLEGAL conditions the arm-s1 walker checks when the walk
 * begins: lookup succeeds, the walk reports C_BAD_CD (C138). */
START_TEST(test_end_to_end_walker_illegal)
{
	uint64_t ttb0 = build_s1();
	struct iref_attach_table at = arm_at(ste0(FMT_LINEAR, 0x40000, 0), 0);
	static const struct {
		uint64_t d0, ttb0;
		const char *cap, *val;
	} cases[] = {
		{(CD0_GOOD & ~UINT64_C(0x3f)) | 40, 0, NULL, NULL}, /* T0SZ */
		{(CD0_GOOD & ~UINT64_C(0x3f)) | 15, 0, NULL, NULL},
		{CD0_GOOD | 3u << 6, 0, NULL, NULL},       /* TG0 reserved */
		{CD0_GOOD | 1u << 6, 0, "idr5.gran64k", "0"},
		{CD0_GOOD & ~CD_EPD1, 0, NULL, NULL},      /* TG1 = 0 */
		/* TTB0 beyond a 32-bit IPS. */
		{CD0_GOOD & ~(UINT64_C(7) << 32), BIT(33) | 0x1000, NULL, NULL},
		{CD0_GOOD, BIT(48), NULL, NULL},           /* TTB0 > 48 bits */
	};
	for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		iref_hw_caps_default(&caps, IREF_ARCH_ARM);
		if (cases[i].cap)
			set_cap(cases[i].cap, cases[i].val);
		uint64_t t = cases[i].ttb0 ? cases[i].ttb0 : ttb0;
		write_cd(0x40000, cases[i].d0, t, 0, 0);
		resolve(&at, false, 0);
		ck_assert_int_eq(ctx.kind, IREF_CTX_WALK);
		walk_ctx(0x401234, IREF_ACC_READ);
		ck_assert(!res.ok);
		ck_assert_uint_eq(res.fault.code, IREF_ARM_C_BAD_CD);
		ck_assert_int_eq(res.fault.reason, IREF_WF_CONFIG);
	}
	/* With the same CD made legal, the walk succeeds. */
	iref_hw_caps_default(&caps, IREF_ARCH_ARM);
	write_cd(0x40000, CD0_GOOD, ttb0, 0, 0);
	resolve(&at, false, 0);
	walk_ctx(0x401234, IREF_ACC_READ);
	ck_assert(res.ok);
	ck_assert_uint_eq(res.pa, 0x9001234);
}
END_TEST

START_TEST(test_event_names)
{
	ck_assert_str_eq(iref_arm_event_name(0x06), "F_STREAM_DISABLED");
	ck_assert_str_eq(iref_arm_event_name(0x08), "C_BAD_SUBSTREAMID");
	ck_assert_str_eq(iref_arm_event_name(0x09), "F_CD_FETCH");
	ck_assert_str_eq(iref_arm_event_name(0x0a), "C_BAD_CD");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ctx_arm");
	TCase *tc = tcase_create("caps");
	tcase_add_checked_fixture(tc, caps_setup, teardown);
	tcase_add_test(tc, test_caps_defaults);
	tcase_add_test(tc, test_idr_defaults);
	tcase_add_test(tc, test_idr_from_caps);
	tcase_add_test(tc, test_caps_set);
	tcase_add_test(tc, test_page_sizes);
	tcase_add_test(tc, test_event_names);
	suite_add_tcase(s, tc);

	TCase *ck = tcase_create("check");
	tcase_add_checked_fixture(ck, caps_setup, teardown);
	tcase_add_test(ck, test_check_c117);
	tcase_add_test(ck, test_check_order);
	tcase_add_test(ck, test_check_c118_ignored_bits);
	suite_add_tcase(s, ck);

	TCase *lk = tcase_create("lookup");
	tcase_add_checked_fixture(lk, caps_setup, teardown);
	tcase_add_test(lk, test_linear);
	tcase_add_test(lk, test_single_cd);
	tcase_add_test(lk, test_two_level_4k);
	tcase_add_test(lk, test_two_level_64k);
	tcase_add_test(lk, test_l2ptr_range);
	tcase_add_test(lk, test_s1dss);
	tcase_add_test(lk, test_ssid_out_of_range);
	tcase_add_test(lk, test_unchecked_descriptor);
	tcase_add_test(lk, test_cd_fields);
	tcase_add_test(lk, test_cd_illegal);
	tcase_add_test(lk, test_cd_fetch_bus_error);
	tcase_add_test(lk, test_stage2_translated);
	tcase_add_test(lk, test_stage2_fault);
	tcase_add_test(lk, test_end_to_end);
	tcase_add_test(lk, test_end_to_end_walker_illegal);
	suite_add_tcase(s, lk);
	return s;
}

int main(void)
{
	return iref_test_run(suite());
}
