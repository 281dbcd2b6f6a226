/* Conformance of the page-table extension (virtio-iommu.md section 6,
 * checklist C109-C140, and the extension halves of C36a, C41, C69). The
 * device is driven through its wire requests and iref_dma(); guest tables
 * are laid out with the builder in a sparse guest memory. */
#include <check.h>
#include <stdlib.h>

#include "conf_util.h"
#include "iommu-ref/context.h"
#include "iommu-ref/ext_wire.h"
#include "iommu-ref/walk.h"
#include "testutil.h"
#include "walk_fixture.h"

/* Guest-physical layout of every test. */
#define POOL_A UINT64_C(0x10000000)  /* table pages, first table */
#define POOL_B UINT64_C(0x20000000)  /* table pages, second table */
#define CD_TABLE UINT64_C(0x30000000) /* Arm CD table */
#define PA1 UINT64_C(0x80000000)
#define PA2 UINT64_C(0x90000000)
#define IOVA UINT64_C(0x400000)

static void teardown_all(void)
{
	conf_teardown();
	teardown();
}

static void ext_cfg(struct iref_config *cfg, enum iref_arch arch)
{
	conf_cfg(cfg);
	cfg->features |= IREF_FEAT(IREF_F_ATTACH_TABLE);
	iref_hw_caps_default(&cfg->hw, arch);
	cfg->mem = mem;
	cfg->bypass = 0;
}

static void with_tlb(struct iref_config *cfg)
{
	cfg->tlb_enabled = true;
	cfg->tlb = (struct iref_tlb_cfg){
		.n_arrays = 1,
		.array = {{.entries = 64, .ways = 4,
			   .sizes = (UINT64_C(1) << 12) | (UINT64_C(1) << 21) |
				    (UINT64_C(1) << 30)}},
	};
}

static struct iref_iommu *ext_dev(enum iref_arch arch, bool tlb)
{
	struct iref_config cfg;
	ext_cfg(&cfg, arch);
	if (tlb)
		with_tlb(&cfg);
	return conf_new(&cfg);
}

/* Lay out one 4 KiB mapping va -> pa in a new table of `fmt` whose pages
 * come from pool, with builder flags (IREF_BUILD_*); returns the root. */
static uint64_t build_table_flags(const char *fmt, uint64_t pool,
				  uint64_t va, uint64_t pa, unsigned perm,
				  unsigned flags)
{
	struct iref_walk_cfg c;
	struct iref_diag d = {0};
	ck_assert_int_eq(iref_walk_cfg_init(&c, fmt, &d), IREF_OK);
	struct iref_pool p = {pool, pool + 0x1000000};
	struct iref_build_map m = {va, pa, 0x1000, perm, flags, 0};
	ck_assert_msg(iref_build(&c, mem, &p, &m, 1, &d) == IREF_OK, "%s",
		      d.msg);
	return c.root;
}

static uint64_t build_table(const char *fmt, uint64_t pool, uint64_t va,
			    uint64_t pa, unsigned perm)
{
	return build_table_flags(fmt, pool, va, pa, perm, IREF_BUILD_USER);
}

/* The 4 KiB leaf entry of va in a 4-level x86-style table at root (Intel
 * first stage, AMD v2): what a guest edits to change a mapping. */
static uint64_t x86_leaf_addr(uint64_t root, uint64_t va)
{
	uint64_t t = root;
	for (int shift = 39; shift >= 12; shift -= 9) {
		uint64_t e = t + ((va >> shift) & 0x1ff) * 8;
		if (shift == 12)
			return e;
		t = r64(e) & UINT64_C(0x000ffffffffff000);
	}
	return 0;
}

/* ---- Requests ---- */

static int attach_table_at(int line, struct iref_iommu *dev,
			   const struct iref_attach_table *at)
{
	uint8_t rd[IREF_ATTACH_TABLE_RSIZE];
	size_t n = iref_enc_attach_table(rd, at);
	return conf_send_w_at(line, dev, rd, n, 4);
}
#define attach_table(dev, at) attach_table_at(__LINE__, dev, at)

static struct iref_attach_table intel_at(uint32_t dom, uint32_t ep,
					 bool has_pasid, uint32_t pasid,
					 uint64_t root)
{
	return (struct iref_attach_table){
		.domain = dom, .endpoint = ep, .format = IREF_TF_INTEL_PT,
		.u.intel = {.pasid = pasid,
			    .attach_flags = has_pasid
						    ? IREF_ATTACH_TABLE_F_PASID
						    : 0,
			    .pgtbl_addr = root, .addr_width = 48},
	};
}

/* Arm STE words for a CD table at CD_TABLE: linear, 2^cdmax CDs. */
static struct iref_attach_table arm_at(uint32_t dom, uint32_t ep,
				       unsigned cdmax, unsigned s1dss)
{
	return (struct iref_attach_table){
		.domain = dom, .endpoint = ep, .format = IREF_TF_ARM_SMMU3,
		.u.arm = {.ste0 = CD_TABLE | (uint64_t)cdmax << 59,
			  .ste1 = s1dss},
	};
}

/* A valid CD (pgtable-arm.md 11.3) at CD_TABLE + 64 * index: 48-bit VA
 * with 4 KiB granule, TTB1 disabled, AA64, A = 1 (faults terminate), the
 * given ASID and TTB0. */
static void write_cd(unsigned index, uint64_t ttb0, uint16_t asid)
{
	uint64_t cd = CD_TABLE + 64 * (uint64_t)index;
	uint64_t w0 = 16u /* T0SZ */ | (UINT64_C(1) << 30) /* EPD1 */ |
		      (UINT64_C(1) << 31) /* V */ |
		      (UINT64_C(5) << 32) /* IPS 48 bits */ |
		      (UINT64_C(1) << 41) /* AA64 */ |
		      (UINT64_C(1) << 46) /* A: abort, as TERM_MODEL asks */ |
		      (uint64_t)asid << 48;
	w64(cd, w0);
	w64(cd + 8, ttb0 & UINT64_C(0x000ffffffffffff0));
	for (int i = 2; i < 8; i++)
		w64(cd + 8 * i, 0);
}

static int invalidate_at(int line, struct iref_iommu *dev,
			 const struct iref_invalidate *inv)
{
	uint8_t rd[IREF_INVALIDATE_RSIZE];
	size_t n = iref_enc_invalidate(rd, inv);
	return conf_send_w_at(line, dev, rd, n, 4);
}
#define invalidate(dev, ...) \
	invalidate_at(__LINE__, dev, &(struct iref_invalidate){__VA_ARGS__})

static int detach_pasid_at(int line, struct iref_iommu *dev, uint32_t dom,
			   uint32_t ep, uint32_t flags, uint32_t pasid)
{
	uint8_t rd[IREF_DETACH_RSIZE];
	size_t n = iref_enc_detach_pasid(rd, dom, ep, flags, pasid);
	return conf_send_w_at(line, dev, rd, n, 4);
}
#define detach_pasid(dev, dom, ep, pasid) \
	detach_pasid_at(__LINE__, dev, dom, ep, IREF_DETACH_F_PASID, pasid)

/* ---- DMA ---- */

static struct iref_dma_result dma_at(int line, struct iref_iommu *dev,
				     uint32_t ep, bool has_pasid,
				     uint32_t pasid, uint64_t iova,
				     unsigned acc)
{
	return has_pasid ? conf_dma_pasid_at(line, dev, ep, pasid, iova, 4,
					     acc)
			 : conf_dma_at(line, dev, ep, iova, 4, acc);
}

static void expect_pa_at(int line, struct iref_iommu *dev, uint32_t ep,
			 bool has_pasid, uint32_t pasid, uint64_t iova,
			 uint64_t pa)
{
	struct iref_dma_result r =
		dma_at(line, dev, ep, has_pasid, pasid, iova, IREF_ACC_READ);
	ck_assert_msg(r.outcome == IREF_DMA_OK,
		      "line %d: ep %u pasid %u: outcome %s (reason %u, code "
		      "0x%x), expected ok",
		      line, ep, pasid, conf_outcome_name(r.outcome),
		      r.fault.reason, r.walk.code);
	ck_assert_msg(r.pa == pa, "line %d: pa 0x%llx, expected 0x%llx",
		      line, (unsigned long long)r.pa,
		      (unsigned long long)pa);
}
#define expect_pa(dev, ep, hp, pasid, iova, pa) \
	expect_pa_at(__LINE__, dev, ep, hp, pasid, iova, pa)

static void expect_fault_at(int line, struct iref_iommu *dev, uint32_t ep,
			    bool has_pasid, uint32_t pasid, uint64_t iova,
			    uint8_t reason)
{
	struct iref_dma_result r =
		dma_at(line, dev, ep, has_pasid, pasid, iova, IREF_ACC_READ);
	ck_assert_msg(r.outcome == IREF_DMA_FAULT && r.fault.reason == reason,
		      "line %d: outcome %s reason %u, expected fault %u", line,
		      conf_outcome_name(r.outcome), r.fault.reason, reason);
}
#define expect_fault(dev, ep, hp, pasid, iova, reason) \
	expect_fault_at(__LINE__, dev, ep, hp, pasid, iova, reason)

/* An Intel device with endpoint 1 PASID 1 attached in domain 5 to a table
 * mapping IOVA -> PA1. */
static struct iref_iommu *intel_setup(bool tlb, uint64_t *root)
{
	struct iref_iommu *dev = ext_dev(IREF_ARCH_INTEL, tlb);
	*root = build_table("intel-fs", POOL_A, IOVA, PA1,
			    IREF_PERM_R | IREF_PERM_W);
	struct iref_attach_table at = intel_at(5, CONF_EP1, true, 1, *root);
	CONF_OK(attach_table(dev, &at));
	return dev;
}

/* ------------------------------------------------------------------ */

START_TEST(test_C109_attach_table_needs_probe_and_hw)
{
	ck_assert_uint_eq(IREF_F_ATTACH_TABLE, 7);
	struct iref_config cfg;
	struct iref_iommu *dev = NULL;
	struct iref_diag d = {0};
	ext_cfg(&cfg, IREF_ARCH_ARM);
	cfg.features &= ~IREF_FEAT(IREF_F_PROBE);
	ck_assert_int_eq(iref_iommu_create(&cfg, &dev, &d), IREF_E_INVAL);
	ck_assert_ptr_null(dev);
	ext_cfg(&cfg, IREF_ARCH_NONE);
	ck_assert_int_eq(iref_iommu_create(&cfg, &dev, &d), IREF_E_INVAL);
	ext_cfg(&cfg, IREF_ARCH_ARM);
	ck_assert_int_eq(iref_iommu_create(&cfg, &dev, &d), IREF_OK);
	ck_assert(iref_iommu_offered(dev) & IREF_FEAT(IREF_F_ATTACH_TABLE));
	iref_iommu_destroy(dev);
}
END_TEST

START_TEST(test_C110_not_negotiated_unsupp_not_offered_len0)
{
	struct iref_config cfg;
	ext_cfg(&cfg, IREF_ARCH_INTEL);
	struct iref_iommu *dev = conf_new_bare(&cfg);
	conf_add_std_eps(dev);
	conf_negotiate_without(dev, IREF_FEAT(IREF_F_ATTACH_TABLE));
	struct iref_attach_table at = intel_at(1, CONF_EP1, false, 0, 0x1000);
	CONF_ST(attach_table(dev, &at), IREF_S_UNSUPP);
	CONF_ST(invalidate(dev, .scope = IREF_INVAL_S_DOMAIN, .domain = 1),
		IREF_S_UNSUPP);
	/* Base profile: unknown types, buffer returned unwritten. */
	struct iref_iommu *base = conf_dev();
	uint8_t rd[IREF_ATTACH_TABLE_RSIZE], wr[4];
	size_t n = iref_enc_attach_table(rd, &at);
	ck_assert_uint_eq(conf_raw(base, rd, n, wr, 4, CONF_FILL), 0);
	ck_assert(conf_all(wr, 4, CONF_FILL));
	n = iref_enc_invalidate(rd, &(struct iref_invalidate){.scope = 1});
	ck_assert_uint_eq(conf_raw(base, rd, n, wr, 4, CONF_FILL), 0);
}
END_TEST

START_TEST(test_C111_short_requests_len0)
{
	struct iref_iommu *dev = ext_dev(IREF_ARCH_INTEL, false);
	uint8_t rd[IREF_ATTACH_TABLE_RSIZE], wr[4];
	struct iref_attach_table at = intel_at(1, CONF_EP1, false, 0, 0x1000);
	iref_enc_attach_table(rd, &at);
	ck_assert_uint_eq(conf_raw(dev, rd, IREF_ATTACH_TABLE_RSIZE - 1, wr,
				   4, CONF_FILL),
			  0);
	iref_enc_invalidate(rd, &(struct iref_invalidate){.scope = 1});
	ck_assert_uint_eq(conf_raw(dev, rd, IREF_INVALIDATE_RSIZE - 1, wr, 4,
				   CONF_FILL),
			  0);
	ck_assert(!iref_iommu_domain_exists(dev, 1));
}
END_TEST

START_TEST(test_C112_unknown_endpoint_noent)
{
	struct iref_iommu *dev = ext_dev(IREF_ARCH_INTEL, false);
	struct iref_attach_table at =
		intel_at(1, CONF_EP_NONE, false, 0, 0x1000);
	CONF_ST(attach_table(dev, &at), IREF_S_NOENT);
}
END_TEST

START_TEST(test_C113_unassigned_or_unannounced_format_unsupp)
{
	struct iref_iommu *dev = ext_dev(IREF_ARCH_INTEL, false);
	static const uint8_t bad[] = {0, 3, 7, 0x80, 0xff};
	for (size_t i = 0; i < sizeof bad; i++) {
		struct iref_attach_table at = {.domain = 1,
					       .endpoint = CONF_EP1,
					       .format = bad[i]};
		CONF_ST(attach_table(dev, &at), IREF_S_UNSUPP);
	}
	/* Assigned but not this device's architecture (6.6). */
	struct iref_attach_table at = arm_at(1, CONF_EP1, 0, 0);
	CONF_ST(attach_table(dev, &at), IREF_S_UNSUPP);
	ck_assert(!iref_iommu_domain_exists(dev, 1));
}
END_TEST

START_TEST(test_C114_map_bypass_or_other_format_domain_inval)
{
	struct iref_iommu *dev = ext_dev(IREF_ARCH_AMD, false);
	CONF_OK(conf_attach(dev, 1, CONF_EP1, 0));
	CONF_OK(conf_attach(dev, 2, CONF_EP2, IREF_ATTACH_F_BYPASS));
	struct iref_attach_table at = {
		.endpoint = CONF_EP3, .format = IREF_TF_AMD_PT,
		.u.amd_pt = {.gcr3 = 0x1000, .levels = 4},
	};
	at.domain = 1;
	CONF_ST(attach_table(dev, &at), IREF_S_INVAL);
	at.domain = 2;
	CONF_ST(attach_table(dev, &at), IREF_S_INVAL);
	at.domain = 3;
	CONF_OK(attach_table(dev, &at));
	ck_assert_uint_eq(iref_iommu_domain_format(dev, 3), IREF_TF_AMD_PT);
	/* Domain 3 is an AMD_PT table domain: AMD_GCR3 may not join it. */
	struct iref_attach_table g = {
		.domain = 3, .endpoint = CONF_EP_RESV,
		.format = IREF_TF_AMD_GCR3,
		.u.amd_gcr3 = {.dte = {UINT64_C(1) << 55 | UINT64_C(1) << 58,
				       0, 0, 0}},
	};
	CONF_ST(attach_table(dev, &g), IREF_S_INVAL);
	ck_assert(!iref_iommu_table_domain(dev, CONF_EP_RESV, false, 0,
					   NULL));
}
END_TEST

START_TEST(test_C115_nonzero_descriptor_reserved_inval)
{
	struct iref_iommu *dev = ext_dev(IREF_ARCH_INTEL, false);
	struct iref_attach_table at = intel_at(1, CONF_EP1, false, 0, 0x1000);
	uint8_t rd[IREF_ATTACH_TABLE_RSIZE];
	/* Bytes 13-15 and 44-119 are reserved in the INTEL_PT layout. */
	static const unsigned offs[] = {13, 15, 44, 119};
	for (size_t i = 0; i < sizeof offs / sizeof offs[0]; i++) {
		size_t n = iref_enc_attach_table(rd, &at);
		rd[offs[i]] = 1;
		CONF_ST(conf_send(dev, rd, n), IREF_S_INVAL);
	}
	ck_assert(!iref_iommu_domain_exists(dev, 1));
	CONF_OK(attach_table(dev, &at));
}
END_TEST

START_TEST(test_C116_attach_table_moves_endpoint)
{
	struct iref_iommu *dev = ext_dev(IREF_ARCH_ARM, false);
	CONF_OK(conf_attach(dev, 1, CONF_EP1, 0));
	CONF_OK(conf_map(dev, 1, 0, 0xfff, 0x1000, CONF_RW));
	write_cd(0, build_table("arm-s1", POOL_A, IOVA, PA1, IREF_PERM_R), 1);
	struct iref_attach_table at = arm_at(2, CONF_EP1, 0, 0);
	CONF_OK(attach_table(dev, &at));
	ck_assert(!iref_iommu_domain_exists(dev, 1)); /* destroyed: empty */
	CONF_ST(conf_map(dev, 1, 0x1000, 0x1fff, 0, CONF_RW), IREF_S_NOENT);
	ck_assert_int_eq(conf_ep_dom(dev, CONF_EP1), -1);
	uint32_t dom = 0;
	ck_assert(iref_iommu_table_domain(dev, CONF_EP1, false, 0, &dom));
	ck_assert_uint_eq(dom, 2);
	expect_pa(dev, CONF_EP1, false, 0, IOVA, PA1);
	/* A plain ATTACH moves it back and the table domain dies. */
	CONF_OK(conf_attach(dev, 1, CONF_EP1, 0));
	ck_assert(!iref_iommu_domain_exists(dev, 2));
}
END_TEST

START_TEST(test_C117_arm_ste_checks)
{
	struct iref_config cfg;
	ext_cfg(&cfg, IREF_ARCH_ARM);
	cfg.opt.guest_pa_bits = 40;
	struct iref_iommu *dev = conf_new(&cfg);
	struct iref_attach_table at = arm_at(1, CONF_EP1, 1, 0);
	at.u.arm.ste0 |= 3u << 4; /* S1Fmt 3 (meaningful with substreams) */
	CONF_ST(attach_table(dev, &at), IREF_S_INVAL);
	at = arm_at(1, CONF_EP1, 2, 3); /* S1DSS 3 */
	CONF_ST(attach_table(dev, &at), IREF_S_INVAL);
	at = arm_at(1, CONF_EP1, 21, 0); /* S1CDMax above SSIDSIZE 20 */
	CONF_ST(attach_table(dev, &at), IREF_S_RANGE);
	at = arm_at(1, CONF_EP1, 0, 0);
	at.u.arm.ste0 = (UINT64_C(1) << 40) | 0x40; /* beyond 40-bit GPA */
	CONF_ST(attach_table(dev, &at), IREF_S_RANGE);
	/* SSIDSIZE 0: substreams are not supported at all. */
	ext_cfg(&cfg, IREF_ARCH_ARM);
	cfg.hw.pasid_bits = 0;
	struct iref_iommu *nossid = conf_new(&cfg);
	at = arm_at(1, CONF_EP1, 1, 0);
	CONF_ST(attach_table(nossid, &at), IREF_S_UNSUPP);
	ck_assert(!iref_iommu_domain_exists(dev, 1));
	ck_assert(!iref_iommu_domain_exists(nossid, 1));
}
END_TEST

START_TEST(test_C118_arm_valid_config_s2_bits_ignored)
{
	struct iref_iommu *dev = ext_dev(IREF_ARCH_ARM, false);
	write_cd(0, build_table("arm-s1", POOL_A, IOVA, PA1, IREF_PERM_R), 3);
	struct iref_attach_table at = arm_at(1, CONF_EP1, 0, 0);
	/* V = 0, Config = abort, and STE dword-1 bits outside S1DSS/S1CIR/
	 * S1COR/S1CSH/S1STALLD. */
	at.u.arm.ste0 &= ~UINT64_C(0xf);
	at.u.arm.ste1 |= UINT64_C(3) << 28 | UINT64_C(1) << 40;
	CONF_OK(attach_table(dev, &at));
	expect_pa(dev, CONF_EP1, false, 0, IOVA, PA1);
	at.u.arm.ste0 |= 0xf; /* V = 1, Config = nested */
	CONF_OK(attach_table(dev, &at));
	expect_pa(dev, CONF_EP1, false, 0, IOVA, PA1);
}
END_TEST

START_TEST(test_C119_arm_ssid_selects_cd)
{
	struct iref_iommu *dev = ext_dev(IREF_ARCH_ARM, false);
	write_cd(0, build_table("arm-s1", POOL_A, IOVA, PA1, IREF_PERM_R), 1);
	write_cd(1, build_table("arm-s1", POOL_B, IOVA, PA2, IREF_PERM_R), 2);
	/* Two CDs (S1CDMax 1); no-SSID traffic uses CD 0 (S1DSS 2). */
	struct iref_attach_table at = arm_at(1, CONF_EP1, 1, 2);
	CONF_OK(attach_table(dev, &at));
	expect_pa(dev, CONF_EP1, true, 1, IOVA, PA2);
	expect_pa(dev, CONF_EP1, false, 0, IOVA, PA1);
	expect_fault(dev, CONF_EP1, true, 2, IOVA, IREF_R_UNKNOWN);
	/* S1DSS 0: no-SSID traffic is terminated. */
	at = arm_at(1, CONF_EP1, 1, 0);
	CONF_OK(attach_table(dev, &at));
	expect_fault(dev, CONF_EP1, false, 0, IOVA, IREF_R_UNKNOWN);
	expect_pa(dev, CONF_EP1, true, 1, IOVA, PA2);
	/* S1DSS 1: stage 1 bypassed (identity stage 2 here). */
	at = arm_at(1, CONF_EP1, 1, 1);
	CONF_OK(attach_table(dev, &at));
	struct iref_dma_result r = conf_dma(dev, CONF_EP1, IOVA, 4,
					    IREF_ACC_WRITE);
	ck_assert_int_eq(r.outcome, IREF_DMA_OK);
	ck_assert_int_eq(r.path, IREF_PATH_STAGE2);
	ck_assert_uint_eq(r.pa, IOVA);
}
END_TEST

START_TEST(test_C120_intel_checks)
{
	struct iref_config cfg;
	ext_cfg(&cfg, IREF_ARCH_INTEL);
	cfg.hw.x.intel.fl5lp = false;
	cfg.hw.x.intel.srs = false;
	cfg.hw.pasid_bits = 8;
	struct iref_iommu *dev = conf_new(&cfg);
	struct iref_attach_table at = intel_at(1, CONF_EP1, true, 1, 0x1000);
	at.u.intel.addr_width = 39;
	CONF_ST(attach_table(dev, &at), IREF_S_INVAL);
	at.u.intel.addr_width = 57;
	CONF_ST(attach_table(dev, &at), IREF_S_UNSUPP);
	at = intel_at(1, CONF_EP1, true, 1, 0x1000);
	at.u.intel.s1_flags = IREF_INTEL_S1_SRE;
	CONF_ST(attach_table(dev, &at), IREF_S_UNSUPP);
	at = intel_at(1, CONF_EP1, true, 1, 0x1800);
	CONF_ST(attach_table(dev, &at), IREF_S_INVAL);
	at = intel_at(1, CONF_EP1, true, 256, 0x1000); /* 2^(PSS+1) */
	CONF_ST(attach_table(dev, &at), IREF_S_RANGE);
	ck_assert(!iref_iommu_domain_exists(dev, 1));
	at = intel_at(1, CONF_EP1, true, 255, 0x1000);
	CONF_OK(attach_table(dev, &at));
}
END_TEST

START_TEST(test_C121_riscv_checks)
{
	struct iref_iommu *dev = ext_dev(IREF_ARCH_RISCV, false);
	struct iref_attach_table at = {
		.domain = 1, .endpoint = CONF_EP1, .format = IREF_TF_RISCV,
	};
	/* iosatp MODE 11 is no Sv mode; 8 with SXL = 0 is Sv39. */
	at.u.riscv.dc_fsc = UINT64_C(11) << 60 | 0x1000;
	CONF_ST(attach_table(dev, &at), IREF_S_UNSUPP);
	at.u.riscv.dc_fsc = UINT64_C(8) << 60 | 0x1000;
	at.u.riscv.dc_tc = 1u << 9; /* DPE without PDTV */
	CONF_ST(attach_table(dev, &at), IREF_S_INVAL);
	ck_assert(!iref_iommu_domain_exists(dev, 1));
	at.u.riscv.dc_tc = 0;
	CONF_OK(attach_table(dev, &at));
}
END_TEST

START_TEST(test_C122_amd_gcr3_checks)
{
	struct iref_iommu *dev = ext_dev(IREF_ARCH_AMD, false);
	uint64_t gv = UINT64_C(1) << 55, root_lo = UINT64_C(1) << 58;
	struct iref_attach_table at = {
		.domain = 1, .endpoint = CONF_EP1,
		.format = IREF_TF_AMD_GCR3,
	};
	at.u.amd_gcr3.dte[0] = gv | root_lo | UINT64_C(3) << 56; /* GLX 3 */
	CONF_ST(attach_table(dev, &at), IREF_S_INVAL);
	at.u.amd_gcr3.dte[0] = gv | root_lo;
	at.u.amd_gcr3.dte[2] = UINT64_C(2) << 54; /* GuestPagingMode 2 */
	CONF_ST(attach_table(dev, &at), IREF_S_INVAL);
	at.u.amd_gcr3.dte[2] = 0;
	at.u.amd_gcr3.dte[0] = gv; /* GV with a zero GCR3 root */
	CONF_ST(attach_table(dev, &at), IREF_S_INVAL);
	ck_assert(!iref_iommu_domain_exists(dev, 1));
	at.u.amd_gcr3.dte[0] = gv | root_lo;
	CONF_OK(attach_table(dev, &at));
}
END_TEST

START_TEST(test_C123_pasids_translate_independently)
{
	uint64_t root1;
	struct iref_iommu *dev = intel_setup(false, &root1);
	uint64_t root2 = build_table("intel-fs", POOL_B, IOVA, PA2,
				     IREF_PERM_R);
	struct iref_attach_table at = intel_at(5, CONF_EP1, true, 2, root2);
	CONF_OK(attach_table(dev, &at));
	at = intel_at(6, CONF_EP1, false, 0, root2); /* no-PASID requests */
	CONF_OK(attach_table(dev, &at));
	expect_pa(dev, CONF_EP1, true, 1, IOVA, PA1);
	expect_pa(dev, CONF_EP1, true, 2, IOVA, PA2);
	expect_pa(dev, CONF_EP1, false, 0, IOVA, PA2);
	expect_fault(dev, CONF_EP1, true, 3, IOVA, IREF_R_DOMAIN);
	CONF_OK(detach_pasid(dev, 5, CONF_EP1, 1));
	expect_fault(dev, CONF_EP1, true, 1, IOVA, IREF_R_DOMAIN);
	expect_pa(dev, CONF_EP1, true, 2, IOVA, PA2);
	ck_assert(iref_iommu_domain_exists(dev, 5));
	CONF_ST(detach_pasid(dev, 5, CONF_EP1, 1), IREF_S_INVAL);
	CONF_ST(detach_pasid(dev, 6, CONF_EP1, 2), IREF_S_INVAL);
	/* Whole-endpoint DETACH removes its PASIDs of that domain. */
	CONF_OK(conf_detach(dev, 5, CONF_EP1));
	ck_assert(!iref_iommu_domain_exists(dev, 5));
	expect_pa(dev, CONF_EP1, false, 0, IOVA, PA2);
}
END_TEST

START_TEST(test_C124_detach_pasid_on_other_attachments_inval)
{
	struct iref_iommu *dev = ext_dev(IREF_ARCH_ARM, false);
	CONF_OK(conf_attach(dev, 1, CONF_EP1, 0));
	CONF_OK(conf_attach(dev, 2, CONF_EP2, IREF_ATTACH_F_BYPASS));
	write_cd(0, build_table("arm-s1", POOL_A, IOVA, PA1, IREF_PERM_R), 1);
	struct iref_attach_table at = arm_at(3, CONF_EP3, 0, 0);
	CONF_OK(attach_table(dev, &at));
	CONF_ST(detach_pasid(dev, 1, CONF_EP1, 0), IREF_S_INVAL);
	CONF_ST(detach_pasid(dev, 2, CONF_EP2, 0), IREF_S_INVAL);
	CONF_ST(detach_pasid(dev, 3, CONF_EP3, 0), IREF_S_INVAL);
	/* Unknown flag bits. */
	CONF_ST(detach_pasid_at(__LINE__, dev, 1, CONF_EP1, 2, 0),
		IREF_S_INVAL);
	ck_assert_int_eq(conf_ep_dom(dev, CONF_EP1), 1);
	ck_assert_int_eq(conf_ep_dom(dev, CONF_EP2), 2);
	ck_assert(iref_iommu_table_domain(dev, CONF_EP3, false, 0, NULL));
}
END_TEST

/* The HW property of a PROBE answer; false if there is none. */
static bool probe_hw(struct iref_iommu *dev, uint32_t ep,
		     struct iref_hw_regs *regs, unsigned *count)
{
	uint8_t wr[512 + 4];
	ck_assert_uint_eq(conf_probe_raw(dev, ep, wr, sizeof wr), sizeof wr);
	ck_assert_uint_eq(wr[512], IREF_S_OK);
	*count = 0;
	for (size_t off = 0; off + 4 <= 512;) {
		struct iref_probe_prop p = {
			.type = iref_le16(wr + off) & 0xfff,
			.length = iref_le16(wr + off + 2),
			.value = wr + off + 4,
		};
		if (p.type == 0)
			break;
		if (iref_dec_hw_prop(&p, regs))
			++*count;
		off += 4 + p.length;
	}
	return *count > 0;
}

START_TEST(test_C125_probe_returns_one_hw_property)
{
	struct iref_iommu *dev = ext_dev(IREF_ARCH_ARM, false);
	struct iref_hw_regs r;
	unsigned n;
	ck_assert(probe_hw(dev, CONF_EP_RESV, &r, &n));
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(r.type, IREF_PROBE_T_HW_ARM_SMMU3);
	/* The raw bytes: length 52, IDR2 and IDR4 slots zero. */
	uint8_t wr[512 + 4];
	conf_probe_raw(dev, CONF_EP1, wr, sizeof wr);
	ck_assert_uint_eq(iref_le16(wr), IREF_PROBE_T_HW_ARM_SMMU3);
	ck_assert_uint_eq(iref_le16(wr + 2), 52);
	ck_assert_uint_eq(iref_le64(wr + 24), 0);
	ck_assert_uint_eq(iref_le64(wr + 40), 0);
	/* Not negotiated: no HW property. */
	struct iref_config cfg;
	ext_cfg(&cfg, IREF_ARCH_ARM);
	struct iref_iommu *base = conf_new_bare(&cfg);
	conf_add_std_eps(base);
	conf_negotiate_without(base, IREF_FEAT(IREF_F_ATTACH_TABLE));
	ck_assert(!probe_hw(base, CONF_EP1, &r, &n));
}
END_TEST

START_TEST(test_C126_hw_property_identical_and_sanitised)
{
	static const enum iref_arch arches[] = {
		IREF_ARCH_ARM, IREF_ARCH_INTEL, IREF_ARCH_RISCV, IREF_ARCH_AMD};
	for (size_t i = 0; i < 4; i++) {
		struct iref_iommu *dev = ext_dev(arches[i], false);
		struct iref_hw_regs a, b;
		unsigned n;
		ck_assert(probe_hw(dev, CONF_EP1, &a, &n));
		ck_assert(probe_hw(dev, CONF_EP_RESV, &b, &n));
		ck_assert_mem_eq(&a, &b, sizeof a);
		if (arches[i] == IREF_ARCH_ARM) {
			ck_assert_uint_eq(a.reg[0] & 1, 0);         /* S2P */
			ck_assert_uint_eq(a.reg[0] >> 9 & 1, 0);    /* HYP */
			ck_assert_uint_eq(a.reg[0] >> 18 & 1, 0);   /* VMID16 */
			ck_assert_uint_eq(a.reg[0] >> 1 & 1, 1);    /* S1P */
		}
		conf_teardown();
	}
}
END_TEST

START_TEST(test_C127_bad_scope_caches_flags_inval)
{
	uint64_t root;
	struct iref_iommu *dev = intel_setup(false, &root);
	CONF_ST(invalidate(dev, .scope = 0, .domain = 5), IREF_S_INVAL);
	CONF_ST(invalidate(dev, .scope = 4, .domain = 5), IREF_S_INVAL);
	CONF_ST(invalidate(dev, .scope = 1, .caches = 4, .domain = 5),
		IREF_S_INVAL);
	CONF_ST(invalidate(dev, .scope = 1, .flags = 0x10, .domain = 5),
		IREF_S_INVAL);
	CONF_OK(invalidate(dev, .scope = 1, .caches = 3, .flags = 0xf,
			   .domain = 5));
}
END_TEST

START_TEST(test_C128_C129_domain_missing_or_not_table)
{
	uint64_t root;
	struct iref_iommu *dev = intel_setup(false, &root);
	CONF_ST(invalidate(dev, .scope = 1, .caches = 2, .domain = 77),
		IREF_S_NOENT);
	CONF_OK(conf_attach(dev, 1, CONF_EP2, 0));
	CONF_OK(conf_attach(dev, 2, CONF_EP3, IREF_ATTACH_F_BYPASS));
	CONF_ST(invalidate(dev, .scope = 1, .caches = 2, .domain = 1),
		IREF_S_INVAL);
	CONF_ST(invalidate(dev, .scope = 1, .caches = 2, .domain = 2),
		IREF_S_INVAL);
}
END_TEST

START_TEST(test_C130_pasid_scope_needs_f_pasid)
{
	uint64_t root;
	struct iref_iommu *dev = intel_setup(false, &root);
	CONF_ST(invalidate(dev, .scope = IREF_INVAL_S_PASID, .caches = 2,
			   .domain = 5, .pasid = 1),
		IREF_S_INVAL);
	CONF_OK(invalidate(dev, .scope = IREF_INVAL_S_PASID, .caches = 2,
			   .flags = IREF_INVAL_F_PASID, .domain = 5,
			   .pasid = 1));
}
END_TEST

START_TEST(test_C131_address_scope_checks)
{
	uint64_t root;
	struct iref_iommu *dev = intel_setup(false, &root);
#define ADDR(...)                                                          \
	invalidate(dev, .scope = IREF_INVAL_S_ADDRESS, .domain = 5,         \
		   __VA_ARGS__)
	CONF_ST(ADDR(.caches = 2, .address = 0, .nr_pages = 0,
		     .page_size = 12),
		IREF_S_INVAL);
	CONF_ST(ADDR(.caches = 2, .address = 0, .nr_pages = 1,
		     .page_size = 13),
		IREF_S_INVAL);
	CONF_ST(ADDR(.caches = 1, .address = 0, .nr_pages = 1,
		     .page_size = 12),
		IREF_S_INVAL);
	CONF_ST(ADDR(.caches = 2, .address = 0x800, .nr_pages = 1,
		     .page_size = 12),
		IREF_S_RANGE);
	CONF_ST(ADDR(.caches = 2, .address = UINT64_C(0xfffffffffffff000),
		     .nr_pages = 2, .page_size = 12),
		IREF_S_RANGE);
	CONF_OK(ADDR(.caches = 2, .address = UINT64_C(0xfffffffffffff000),
		     .nr_pages = 1, .page_size = 12));
	CONF_OK(ADDR(.caches = 2, .address = 0x200000, .nr_pages = 3,
		     .page_size = 21));
#undef ADDR
}
END_TEST

/* Point the leaf of IOVA at PA2 without telling the device. */
static void retarget(uint64_t root)
{
	uint64_t e = x86_leaf_addr(root, IOVA);
	w64(e, (r64(e) & ~UINT64_C(0x000ffffffffff000)) | PA2);
}

START_TEST(test_C132_caches_zero_is_a_noop)
{
	uint64_t root;
	struct iref_iommu *dev = intel_setup(true, &root);
	expect_pa(dev, CONF_EP1, true, 1, IOVA, PA1);
	retarget(root);
	CONF_OK(invalidate(dev, .scope = IREF_INVAL_S_DOMAIN, .caches = 0,
			   .domain = 5));
	expect_pa(dev, CONF_EP1, true, 1, IOVA, PA1); /* still cached */
}
END_TEST

START_TEST(test_C133_domain_invalidation_reaches_every_endpoint)
{
	uint64_t root;
	struct iref_iommu *dev = intel_setup(true, &root);
	struct iref_attach_table at = intel_at(5, CONF_EP2, true, 1, root);
	CONF_OK(attach_table(dev, &at));
	expect_pa(dev, CONF_EP1, true, 1, IOVA, PA1);
	expect_pa(dev, CONF_EP2, true, 1, IOVA, PA1);
	retarget(root);
	/* The stale translation stays until the invalidation (cached
	 * profile, C136). */
	expect_pa(dev, CONF_EP1, true, 1, IOVA, PA1);
	CONF_OK(invalidate(dev, .scope = IREF_INVAL_S_DOMAIN,
			   .caches = IREF_INVAL_C_TLB, .domain = 5));
	expect_pa(dev, CONF_EP1, true, 1, IOVA, PA2);
	expect_pa(dev, CONF_EP2, true, 1, IOVA, PA2);
}
END_TEST

START_TEST(test_C134_address_invalidation_by_asid)
{
	struct iref_iommu *dev = ext_dev(IREF_ARCH_ARM, true);
	uint64_t root = build_table("arm-s1", POOL_A, IOVA, PA1,
				    IREF_PERM_R);
	write_cd(0, root, 7);
	struct iref_attach_table at = arm_at(1, CONF_EP1, 0, 0);
	CONF_OK(attach_table(dev, &at));
	expect_pa(dev, CONF_EP1, false, 0, IOVA, PA1);
	/* The level-3 entry: VMSAv8-64 4 KiB tables index like x86. */
	uint64_t e = x86_leaf_addr(root, IOVA);
	w64(e, (r64(e) & ~UINT64_C(0x0000fffffffff000)) | PA2);
	expect_pa(dev, CONF_EP1, false, 0, IOVA, PA1);
	CONF_OK(invalidate(dev, .scope = IREF_INVAL_S_ADDRESS,
			   .caches = IREF_INVAL_C_TLB,
			   .flags = IREF_INVAL_F_ID | IREF_INVAL_F_LEAF,
			   .domain = 1, .id = 7, .address = IOVA,
			   .nr_pages = 1, .page_size = 12));
	expect_pa(dev, CONF_EP1, false, 0, IOVA, PA2);
	/* Arm: an ASID above 16 bits is refused (rule 8). */
	CONF_ST(invalidate(dev, .scope = IREF_INVAL_S_DOMAIN,
			   .caches = IREF_INVAL_C_TLB,
			   .flags = IREF_INVAL_F_ID, .domain = 1,
			   .id = 0x10000),
		IREF_S_INVAL);
}
END_TEST

START_TEST(test_C135_context_change_needs_c_pasid)
{
	struct iref_iommu *dev = ext_dev(IREF_ARCH_ARM, true);
	write_cd(0, build_table("arm-s1", POOL_A, IOVA, PA1, IREF_PERM_R), 1);
	write_cd(1, build_table("arm-s1", POOL_A + 0x100000, IOVA, PA1,
				IREF_PERM_R),
		 2);
	uint64_t root_b = build_table("arm-s1", POOL_B, IOVA + 0x1000, PA2,
				      IREF_PERM_R);
	struct iref_attach_table at = arm_at(1, CONF_EP1, 1, 2);
	CONF_OK(attach_table(dev, &at));
	expect_pa(dev, CONF_EP1, true, 1, IOVA, PA1);
	/* CD 1 now points at the second table. The cached context still
	 * serves the old one: IOVA + 0x1000 is unmapped there. */
	write_cd(1, root_b, 3);
	expect_fault(dev, CONF_EP1, true, 1, IOVA + 0x1000, IREF_R_MAPPING);
	CONF_OK(invalidate(dev, .scope = IREF_INVAL_S_PASID,
			   .caches = IREF_INVAL_C_PASID,
			   .flags = IREF_INVAL_F_PASID, .domain = 1,
			   .pasid = 1));
	expect_pa(dev, CONF_EP1, true, 1, IOVA + 0x1000, PA2);
}
END_TEST

START_TEST(test_C136_coherent_without_tlb_fresh_after_reattach)
{
	uint64_t root;
	struct iref_iommu *dev = intel_setup(false, &root);
	expect_pa(dev, CONF_EP1, true, 1, IOVA, PA1);
	retarget(root);
	expect_pa(dev, CONF_EP1, true, 1, IOVA, PA2); /* coherent */
	/* Cached profile: never an entry of a replaced table. */
	uint64_t root2;
	struct iref_iommu *cached = intel_setup(true, &root2);
	expect_pa(cached, CONF_EP1, true, 1, IOVA, PA1);
	uint64_t other = build_table("intel-fs", POOL_B, IOVA, PA2,
				     IREF_PERM_R);
	struct iref_attach_table at = intel_at(5, CONF_EP1, true, 1, other);
	CONF_OK(attach_table(cached, &at));
	expect_pa(cached, CONF_EP1, true, 1, IOVA, PA2);
}
END_TEST

START_TEST(test_C137_stage1_fault_record)
{
	uint64_t root;
	struct iref_iommu *dev = intel_setup(false, &root);
	conf_drain(dev);
	struct iref_dma_result r =
		conf_dma_pasid(dev, CONF_EP1, 1, IOVA + 0x3000, 4,
			       IREF_ACC_WRITE);
	ck_assert_int_eq(r.outcome, IREF_DMA_FAULT);
	ck_assert(r.has_walk_fault);
	ck_assert_int_eq(r.walk.stage, 1);
	ck_assert_int_eq(r.walk.reason, IREF_WF_TRANSLATION);
	struct iref_fault_record rec;
	ck_assert(conf_pop(dev, &rec, NULL));
	ck_assert_uint_eq(rec.reason, IREF_R_MAPPING);
	ck_assert_uint_eq(rec.flags, IREF_FAULT_F_WRITE |
					     IREF_FAULT_F_ADDRESS |
					     IREF_FAULT_F_PASID);
	ck_assert_uint_eq(rec.endpoint, CONF_EP1);
	ck_assert_uint_eq(rec.pasid, 1);
	ck_assert_uint_eq(rec.address, IOVA + 0x3000);
	/* An execute request is reported with F_EXEC (C104). */
	r = conf_dma_pasid(dev, CONF_EP1, 1, IOVA + 0x3000, 4, IREF_ACC_EXEC);
	ck_assert(conf_pop(dev, &rec, NULL));
	ck_assert(rec.flags & IREF_FAULT_F_EXEC);
}
END_TEST

START_TEST(test_C138_bad_guest_config_unknown)
{
	struct iref_iommu *dev = ext_dev(IREF_ARCH_ARM, false);
	write_cd(0, build_table("arm-s1", POOL_A, IOVA, PA1, IREF_PERM_R), 1);
	w64(CD_TABLE, 0); /* CD.V = 0 */
	struct iref_attach_table at = arm_at(1, CONF_EP1, 0, 0);
	CONF_OK(attach_table(dev, &at)); /* read lazily (6.2) */
	conf_drain(dev);
	struct iref_dma_result r = conf_dma(dev, CONF_EP1, IOVA, 4,
					    IREF_ACC_READ);
	ck_assert_int_eq(r.outcome, IREF_DMA_FAULT);
	ck_assert_uint_eq(r.fault.reason, IREF_R_UNKNOWN);
	ck_assert(r.has_walk_fault);
	ck_assert_uint_eq(r.walk.code, IREF_ARM_C_BAD_CD);
	struct iref_fault_record rec;
	ck_assert(conf_pop(dev, &rec, NULL));
	ck_assert_uint_eq(rec.reason, IREF_R_UNKNOWN);
}
END_TEST

/* A device whose host stage 2 (intel-ss) maps GPA [0x10000000, +16 MiB)
 * and PA1's page, PA1 read-only. */
static struct iref_iommu *s2_dev(bool report, uint64_t *root)
{
	struct iref_config cfg;
	ext_cfg(&cfg, IREF_ARCH_INTEL);
	cfg.opt.s2_fault_report = report;
	struct iref_diag d = {0};
	ck_assert_int_eq(iref_walk_cfg_init(&cfg.stage2, "intel-ss", &d),
			 IREF_OK);
	*root = build_table("intel-fs", POOL_A, IOVA, PA1,
			    IREF_PERM_R | IREF_PERM_W);
	struct iref_pool p = {UINT64_C(0x40000000), UINT64_C(0x41000000)};
	struct iref_build_map m[] = {
		{POOL_A, UINT64_C(0x50000000), 0x1000000,
		 IREF_PERM_R | IREF_PERM_W, 0, 0},
		{PA1, PA2, 0x1000, IREF_PERM_R, 0, 0},
	};
	ck_assert_int_eq(iref_build(&cfg.stage2, mem, &p, m, 2, &d), IREF_OK);
	/* The guest's tables live at the host PA stage 2 gives them. */
	for (uint64_t off = 0; off < 0x10000; off += 8) {
		uint64_t v = 0;
		ck_assert_int_eq(iref_mem_read64(mem, POOL_A + off, &v),
				 IREF_OK);
		w64(UINT64_C(0x50000000) + off, v);
	}
	struct iref_iommu *dev = conf_new(&cfg);
	struct iref_attach_table at = intel_at(5, CONF_EP1, true, 1, *root);
	CONF_OK(attach_table(dev, &at));
	return dev;
}

static char host_msg[256];

START_TEST(test_C140_stage2_translates_walks_and_outputs)
{
	uint64_t root;
	struct iref_iommu *dev = s2_dev(false, &root);
	struct iref_dma_result r = conf_dma_pasid(dev, CONF_EP1, 1, IOVA + 8,
						  4, IREF_ACC_READ);
	ck_assert_int_eq(r.outcome, IREF_DMA_OK);
	ck_assert_uint_eq(r.pa, PA2 + 8);
	ck_assert_uint_eq(r.perm & (IREF_PERM_R | IREF_PERM_W), IREF_PERM_R);
	/* Stage 1 allows the write, stage 2 does not (C139 too). */
	conf_drain(dev);
	r = conf_dma_pasid(dev, CONF_EP1, 1, IOVA, 4, IREF_ACC_WRITE);
	ck_assert_int_eq(r.outcome, IREF_DMA_ABORT);
	ck_assert(r.has_walk_fault);
	ck_assert_int_eq(r.walk.stage, 2);
	ck_assert(!conf_pop(dev, NULL, NULL));
}
END_TEST

static void log_host(void *ctx, const char *msg)
{
	(void)ctx;
	snprintf(host_msg, sizeof host_msg, "%s", msg);
}

START_TEST(test_C139_stage2_fault_is_a_host_event)
{
	uint64_t root;
	struct iref_iommu *dev = s2_dev(false, &root);
	/* A stage-1 table the host never mapped: the walk's first read
	 * faults at stage 2. */
	uint64_t lost = build_table("intel-fs", POOL_B, IOVA, PA1,
				    IREF_PERM_R);
	struct iref_attach_table at = intel_at(5, CONF_EP1, true, 2, lost);
	CONF_OK(attach_table(dev, &at));
	conf_drain(dev);
	struct iref_dma_result r = conf_dma_pasid(dev, CONF_EP1, 2, IOVA, 4,
						  IREF_ACC_READ);
	ck_assert_int_eq(r.outcome, IREF_DMA_ABORT);
	ck_assert(r.walk.stage == 2 && r.walk.on_walk);
	ck_assert(!conf_pop(dev, NULL, NULL));
	/* The option reports it to the guest as R_UNKNOWN. */
	struct iref_iommu *rep = s2_dev(true, &root);
	CONF_OK(attach_table(rep, &at));
	conf_drain(rep);
	r = conf_dma_pasid(rep, CONF_EP1, 2, IOVA, 4, IREF_ACC_READ);
	ck_assert_int_eq(r.outcome, IREF_DMA_FAULT);
	ck_assert_uint_eq(r.fault.reason, IREF_R_UNKNOWN);
	ck_assert(conf_pop(rep, NULL, NULL));
}
END_TEST

START_TEST(test_C139_host_channel_message)
{
	struct iref_config cfg;
	ext_cfg(&cfg, IREF_ARCH_INTEL);
	struct iref_diag d = {0};
	ck_assert_int_eq(iref_walk_cfg_init(&cfg.stage2, "intel-ss", &d),
			 IREF_OK);
	cfg.stage2.root = UINT64_C(0x40000000); /* empty: faults at once */
	cfg.host_log = log_host;
	host_msg[0] = 0;
	struct iref_iommu *dev = conf_new(&cfg);
	struct iref_attach_table at = intel_at(5, CONF_EP1, true, 1, 0x1000);
	CONF_OK(attach_table(dev, &at));
	struct iref_dma_result r = conf_dma_pasid(dev, CONF_EP1, 1, IOVA, 4,
						  IREF_ACC_READ);
	ck_assert_int_eq(r.outcome, IREF_DMA_ABORT);
	ck_assert_msg(strstr(host_msg, "stage-2") != NULL, "host log: '%s'",
		      host_msg);
}
END_TEST

START_TEST(test_C36a_attach_with_pasid_attachments_unsupp)
{
	uint64_t root;
	struct iref_iommu *dev = intel_setup(false, &root);
	CONF_ST(conf_attach(dev, 1, CONF_EP1, 0), IREF_S_UNSUPP);
	CONF_ST(conf_attach(dev, 2, CONF_EP1, IREF_ATTACH_F_BYPASS),
		IREF_S_UNSUPP);
	expect_pa(dev, CONF_EP1, true, 1, IOVA, PA1);
	ck_assert(!iref_iommu_domain_exists(dev, 1));
	/* The other way round: a map-attached endpoint cannot take a
	 * per-PASID table (6.2). */
	CONF_OK(conf_attach(dev, 1, CONF_EP2, 0));
	struct iref_attach_table at = intel_at(5, CONF_EP2, true, 1, root);
	CONF_ST(attach_table(dev, &at), IREF_S_UNSUPP);
}
END_TEST

START_TEST(test_C41_C69_table_domain_refuses_base_requests)
{
	uint64_t root;
	struct iref_iommu *dev = intel_setup(false, &root);
	CONF_ST(conf_attach(dev, 5, CONF_EP2, 0), IREF_S_INVAL);
	CONF_ST(conf_attach(dev, 5, CONF_EP2, IREF_ATTACH_F_BYPASS),
		IREF_S_INVAL);
	CONF_ST(conf_map(dev, 5, 0, 0xfff, 0, CONF_RW), IREF_S_INVAL);
	CONF_ST(conf_unmap(dev, 5, 0, 0xfff), IREF_S_INVAL);
	ck_assert_int_eq(conf_ep_dom(dev, CONF_EP2), -1);
}
END_TEST

/* Privilege travels in the PASID prefix: a privileged request without a
 * PASID is treated as unprivileged on Intel (docs/extension.md). */
START_TEST(test_privilege_needs_pasid)
{
	struct iref_iommu *dev = ext_dev(IREF_ARCH_INTEL, false);
	struct iref_walk_cfg c;
	struct iref_diag d = {0};
	ck_assert_int_eq(iref_walk_cfg_init(&c, "intel-fs", &d), IREF_OK);
	struct iref_pool p = {POOL_A, POOL_A + 0x100000};
	struct iref_build_map m = {IOVA, PA1, 0x1000, IREF_PERM_R, 0, 0};
	ck_assert_int_eq(iref_build(&c, mem, &p, &m, 1, &d), IREF_OK);
	struct iref_attach_table at = intel_at(5, CONF_EP1, true, 1, c.root);
	at.u.intel.s1_flags = IREF_INTEL_S1_SRE;
	CONF_OK(attach_table(dev, &at));
	at = intel_at(5, CONF_EP1, false, 0, c.root);
	at.u.intel.s1_flags = IREF_INTEL_S1_SRE;
	CONF_OK(attach_table(dev, &at));
	struct iref_dma_req rq = {.endpoint = CONF_EP1, .has_pasid = true,
				  .pasid = 1, .iova = IOVA, .size = 4,
				  .access = IREF_ACC_READ, .priv = true};
	struct iref_dma_result r;
	ck_assert_int_eq(iref_dma(dev, &rq, &r), IREF_OK);
	ck_assert_int_eq(r.outcome, IREF_DMA_OK); /* supervisor page */
	rq.has_pasid = false;
	ck_assert_int_eq(iref_dma(dev, &rq, &r), IREF_OK);
	ck_assert_int_eq(r.outcome, IREF_DMA_FAULT);
	ck_assert_int_eq(r.walk.reason, IREF_WF_PERMISSION);
}
END_TEST

/* A global PTE (Arm nG = 0) is cached for every SSID of the stream, as
 * hardware matches it for every ASID: SSID 1's walk serves SSID 2 whose
 * CD points elsewhere. A PASID-scope INVALIDATE keeps it unless
 * F_GLOBAL (virtio-iommu.md 6.7 coverage); replacing the attachment
 * drops it. */
START_TEST(test_global_entries)
{
	struct iref_iommu *dev = ext_dev(IREF_ARCH_ARM, true);
	write_cd(1, build_table_flags("arm-s1", POOL_A, IOVA, PA1, IREF_PERM_R,
				      IREF_BUILD_USER | IREF_BUILD_GLOBAL),
		 1);
	write_cd(2, build_table("arm-s1", POOL_B, IOVA, PA2, IREF_PERM_R), 2);
	struct iref_attach_table at = arm_at(1, CONF_EP1, 2, 0);
	CONF_OK(attach_table(dev, &at));
	expect_pa(dev, CONF_EP1, true, 1, IOVA, PA1);
	expect_pa(dev, CONF_EP1, true, 2, IOVA, PA1); /* the global entry */
	CONF_OK(invalidate(dev, .scope = IREF_INVAL_S_PASID,
			   .caches = IREF_INVAL_C_TLB,
			   .flags = IREF_INVAL_F_PASID, .domain = 1,
			   .pasid = 1));
	expect_pa(dev, CONF_EP1, true, 2, IOVA, PA1);
	CONF_OK(invalidate(dev, .scope = IREF_INVAL_S_PASID,
			   .caches = IREF_INVAL_C_TLB,
			   .flags = IREF_INVAL_F_PASID | IREF_INVAL_F_GLOBAL,
			   .domain = 1, .pasid = 1));
	expect_pa(dev, CONF_EP1, true, 2, IOVA, PA2);
	/* Filled again by SSID 1, then gone with the attachment. */
	expect_pa(dev, CONF_EP1, true, 1, IOVA, PA1);
	CONF_OK(attach_table(dev, &at));
	expect_pa(dev, CONF_EP1, true, 2, IOVA, PA2);
}
END_TEST

START_TEST(test_eventq_bounded_in_table_mode)
{
	struct iref_config cfg;
	ext_cfg(&cfg, IREF_ARCH_INTEL);
	cfg.opt.eventq_depth = 2;
	struct iref_iommu *dev = conf_new(&cfg);
	struct iref_attach_table at = intel_at(5, CONF_EP1, true, 1,
					       build_table("intel-fs", POOL_A,
							   IOVA, PA1,
							   IREF_PERM_R));
	CONF_OK(attach_table(dev, &at));
	conf_drain(dev);
	bool dropped[3];
	for (int i = 0; i < 3; i++) {
		struct iref_dma_result r = conf_dma_pasid(
			dev, CONF_EP1, 1, 0x7000000 + 0x1000 * (uint64_t)i, 4,
			IREF_ACC_READ);
		ck_assert_int_eq(r.outcome, IREF_DMA_FAULT);
		dropped[i] = r.dropped;
	}
	ck_assert(!dropped[0] && !dropped[1] && dropped[2]);
	ck_assert_uint_eq(iref_events_dropped(dev), 1);
	struct iref_fault_record rec;
	ck_assert(conf_pop(dev, &rec, NULL));
	ck_assert_uint_eq(rec.address, 0x7000000);
	ck_assert(conf_pop(dev, &rec, NULL));
	ck_assert(!conf_pop(dev, NULL, NULL));
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("conf_ext");
	TCase *t = tcase_create("extension");
	tcase_add_checked_fixture(t, setup, teardown_all);
	tcase_add_test(t, test_C109_attach_table_needs_probe_and_hw);
	tcase_add_test(t, test_C110_not_negotiated_unsupp_not_offered_len0);
	tcase_add_test(t, test_C111_short_requests_len0);
	tcase_add_test(t, test_C112_unknown_endpoint_noent);
	tcase_add_test(t, test_C113_unassigned_or_unannounced_format_unsupp);
	tcase_add_test(t, test_C114_map_bypass_or_other_format_domain_inval);
	tcase_add_test(t, test_C115_nonzero_descriptor_reserved_inval);
	tcase_add_test(t, test_C116_attach_table_moves_endpoint);
	tcase_add_test(t, test_C117_arm_ste_checks);
	tcase_add_test(t, test_C118_arm_valid_config_s2_bits_ignored);
	tcase_add_test(t, test_C119_arm_ssid_selects_cd);
	tcase_add_test(t, test_C120_intel_checks);
	tcase_add_test(t, test_C121_riscv_checks);
	tcase_add_test(t, test_C122_amd_gcr3_checks);
	tcase_add_test(t, test_C123_pasids_translate_independently);
	tcase_add_test(t, test_C124_detach_pasid_on_other_attachments_inval);
	tcase_add_test(t, test_C125_probe_returns_one_hw_property);
	tcase_add_test(t, test_C126_hw_property_identical_and_sanitised);
	tcase_add_test(t, test_C127_bad_scope_caches_flags_inval);
	tcase_add_test(t, test_C128_C129_domain_missing_or_not_table);
	tcase_add_test(t, test_C130_pasid_scope_needs_f_pasid);
	tcase_add_test(t, test_C131_address_scope_checks);
	tcase_add_test(t, test_C132_caches_zero_is_a_noop);
	tcase_add_test(t, test_C133_domain_invalidation_reaches_every_endpoint);
	tcase_add_test(t, test_C134_address_invalidation_by_asid);
	tcase_add_test(t, test_C135_context_change_needs_c_pasid);
	tcase_add_test(t, test_C136_coherent_without_tlb_fresh_after_reattach);
	tcase_add_test(t, test_C137_stage1_fault_record);
	tcase_add_test(t, test_C138_bad_guest_config_unknown);
	tcase_add_test(t, test_C139_stage2_fault_is_a_host_event);
	tcase_add_test(t, test_C139_host_channel_message);
	tcase_add_test(t, test_C140_stage2_translates_walks_and_outputs);
	tcase_add_test(t, test_C36a_attach_with_pasid_attachments_unsupp);
	tcase_add_test(t, test_C41_C69_table_domain_refuses_base_requests);
	tcase_add_test(t, test_eventq_bounded_in_table_mode);
	tcase_add_test(t, test_privilege_needs_pasid);
	tcase_add_test(t, test_global_entries);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	return iref_test_run(suite());
}
