/* Hostile input to the page-table extension: random ATTACH_TABLE,
 * INVALIDATE and DETACH bytes, random guest memory under the attached
 * tables and context structures, random DMAs with random PASIDs, on a
 * device of each architecture with every cache level and a nested stage
 * 2. Nothing may crash (CI runs this under ASan and UBSan), every answer
 * is a status the spec defines, a refused request changes nothing the
 * queries show (C28), and DMA outcomes are well-formed. */
#include <check.h>

#include "conf_util.h"
#include "iommu-ref/context.h"
#include "iommu-ref/ext_wire.h"
#include "testutil.h"
#include "walk_fixture.h"

#define ROUNDS 4000
#define MEM_BASE UINT64_C(0x100000)
#define MEM_PAGES 16 /* random words are written over these pages */

static uint64_t rng;
/* What a run reached, so that it is known to exercise the paths. */
static unsigned attached, walked, faulted;

static uint64_t next(void)
{
	rng = rng * 6364136223846793005u + 1442695040888963407u;
	return rng >> 16 ^ rng << 21;
}

/* A small value most of the time, so that fields hit the interesting
 * ranges (formats, scopes, page sizes, addresses in guest memory). */
static uint64_t field(void)
{
	switch (next() % 5) {
	case 0: return next() % 8;
	case 1: return MEM_BASE + (next() % (MEM_PAGES * 0x1000) & ~7u);
	case 2: return next() % 64;
	case 3: return (uint64_t)1 << (next() % 64);
	}
	return next();
}

/* A page of the randomised memory. */
static uint64_t mem_page(void)
{
	return MEM_BASE + (next() % MEM_PAGES) * 0x1000;
}

/* A stage-1 table built at the start (Intel and AMD per-PASID formats
 * attach it directly), which the guest's scribbles then corrupt. */
static uint64_t built_root;

static uint64_t root(void)
{
	return built_root && next() % 2 ? built_root : mem_page();
}

/* A table entry or context word that often looks valid: a page of the
 * randomised memory with random low (flag) bits. */
static uint64_t entry(void)
{
	return next() % 2 ? mem_page() | (next() & 0xfff) : field();
}

/* A descriptor of the device's own formats, plausible most of the time
 * so that attachments succeed and walks run. */
static void plausible(enum iref_arch arch, struct iref_attach_table *at)
{
	switch (arch) {
	case IREF_ARCH_ARM:
		at->format = IREF_TF_ARM_SMMU3;
		at->u.arm.ste0 = (mem_page() + (next() % 64) * 64) |
				 (next() % 4) << 4 | (next() % 4) << 59;
		at->u.arm.ste1 = next() % 4;
		break;
	case IREF_ARCH_INTEL:
		at->format = IREF_TF_INTEL_PT;
		at->u.intel = (struct iref_desc_intel){
			(uint32_t)(next() % 4), (uint32_t)(next() % 2),
			next() % 4 ? 0 : next() % 8, root(),
			next() % 4 ? 48 : 57};
		break;
	case IREF_ARCH_RISCV: {
		static const uint64_t tc[] = {0, 0x20, 0x220, 0x120};
		at->format = IREF_TF_RISCV;
		uint64_t t = tc[next() % 4];
		uint64_t mode = t & 0x20 ? 1 + next() % 3 : 8 + next() % 3;
		at->u.riscv = (struct iref_desc_riscv){
			t, mode << 60 | mem_page() >> 12, (next() % 4) << 12};
		break;
	}
	case IREF_ARCH_AMD:
		if (next() % 2) {
			uint64_t root = mem_page();
			at->format = IREF_TF_AMD_GCR3;
			at->u.amd_gcr3.dte[0] =
				UINT64_C(1) << 55 | (next() % 2) << 54 |
				(next() % 2) << 56 | (root >> 12 & 7) << 58;
			at->u.amd_gcr3.dte[1] = (root >> 15 & 0xffff) << 16 |
						(root >> 31) << 43;
			at->u.amd_gcr3.dte[2] = (next() % 2) << 54;
		} else {
			at->format = IREF_TF_AMD_PT;
			at->u.amd_pt = (struct iref_desc_amd_pt){
				(uint32_t)(next() % 4), (uint32_t)(next() % 2),
				root(), (uint8_t)(next() % 4 ? 4 : 5)};
		}
		break;
	case IREF_ARCH_NONE:
		break;
	}
}

static struct iref_iommu *fuzz_dev(enum iref_arch arch, const char *s2fmt)
{
	struct iref_config cfg;
	conf_cfg(&cfg);
	cfg.features |= IREF_FEAT(IREF_F_ATTACH_TABLE);
	iref_hw_caps_default(&cfg.hw, arch);
	cfg.mem = mem;
	cfg.bypass = 0;
	cfg.opt.eventq_depth = 8;
	cfg.timing_enabled = true;
	cfg.tlb_enabled = cfg.utlb_enabled = true;
	cfg.tlb.n_arrays = cfg.utlb.n_arrays = 1;
	cfg.tlb.array[0] = (struct iref_tlb_array_cfg){16, 4, 0x40201000, 0};
	cfg.utlb.array[0] = (struct iref_tlb_array_cfg){4, 4, 0x1000, 0};
	cfg.wc_enabled = cfg.s2tlb_enabled = true;
	cfg.wc.n_arrays = cfg.s2tlb.n_arrays = 1;
	cfg.wc.array[0] = (struct iref_tlb_array_cfg){
		16, 4, ~UINT64_C(0) << 21 & ~(~UINT64_C(0) << 49),
		IREF_WC_S1 | IREF_WC_S2};
	cfg.s2tlb.array[0] = (struct iref_tlb_array_cfg){8, 4, 0x1000, 0};
	if (s2fmt) {
		struct iref_diag d = {0};
		ck_assert_int_eq(iref_walk_cfg_init(&cfg.stage2, s2fmt, &d),
				 IREF_OK);
		/* The stage-2 root lies in the randomised memory too. */
		cfg.stage2.root = MEM_BASE + 0x4000 * (next() % 4);
	}
	return conf_new(&cfg);
}

/* What the queries show of the device: compared around refused
 * requests. */
struct snapshot {
	size_t domains;
	unsigned format[8];
	bool table[4][3];
};

static void snap(struct iref_iommu *dev, struct snapshot *s)
{
	memset(s, 0, sizeof *s); /* padding too: compared with memcmp */
	s->domains = iref_iommu_domain_count(dev);
	for (uint32_t i = 0; i < 8; i++)
		s->format[i] = iref_iommu_domain_format(dev, i);
	static const uint32_t eps[4] = {CONF_EP1, CONF_EP2, CONF_EP3,
					CONF_EP_RESV};
	for (int e = 0; e < 4; e++)
		for (uint32_t p = 0; p < 3; p++)
			s->table[e][p] = iref_iommu_table_domain(
				dev, eps[e], p != 0, p, NULL);
}

static void one_request(struct iref_iommu *dev, enum iref_arch arch)
{
	uint8_t rd[IREF_ATTACH_TABLE_RSIZE];
	size_t n;
	switch (next() % 4) {
	case 0: {
		struct iref_attach_table at = {
			.domain = (uint32_t)(next() % 8),
			.endpoint = (uint32_t)(next() % 12),
			.format = (uint8_t)(next() % 8),
		};
		if (next() % 4) {
			plausible(arch, &at);
		} else {
			uint64_t w[sizeof at.u / sizeof(uint64_t)];
			for (size_t i = 0; i < sizeof w / sizeof *w; i++)
				w[i] = field();
			memcpy(&at.u, w, sizeof w);
		}
		n = iref_enc_attach_table(rd, &at);
		break;
	}
	case 1: {
		struct iref_invalidate inv = {
			.scope = (uint8_t)(next() % 5),
			.caches = (uint8_t)(next() % 5),
			.flags = (uint16_t)(next() % 20),
			.domain = (uint32_t)(next() % 8),
			.pasid = (uint32_t)(next() % 4),
			.id = field(), .address = field(),
			.nr_pages = field(),
			.page_size = (uint8_t)(next() % 70),
		};
		n = iref_enc_invalidate(rd, &inv);
		break;
	}
	case 2:
		n = iref_enc_detach_pasid(rd, (uint32_t)(next() % 8),
					  (uint32_t)(next() % 12),
					  (uint32_t)(next() % 3),
					  (uint32_t)(next() % 4));
		break;
	default:
		/* Rarely: a map or bypass attachment blocks per-PASID ones. */
		if (next() % 4) {
			n = iref_enc_detach(rd, (uint32_t)(next() % 8),
					    (uint32_t)(next() % 4) + 1);
			break;
		}
		n = iref_enc_attach(rd, (uint32_t)(next() % 8),
				    (uint32_t)(next() % 4) + 1,
				    (uint32_t)(next() % 2));
		break;
	}
	/* Now and then a bit flipped anywhere but in the type byte,
	 * reserved bytes included. */
	if (next() % 4 == 0)
		rd[1 + next() % (n - 1)] ^= (uint8_t)(1u << (next() % 8));
	struct snapshot before, after;
	snap(dev, &before);
	uint8_t wr[4];
	size_t used = iref_request(dev, rd, n, wr, sizeof wr);
	ck_assert_uint_eq(used, sizeof wr);
	ck_assert_uint_lt(wr[0], IREF_S_COUNT);
	ck_assert(wr[0] != IREF_S_IOERR && wr[0] != IREF_S_DEVERR &&
		  wr[0] != IREF_S_FAULT);
	attached += rd[0] == IREF_T_ATTACH_TABLE && wr[0] == IREF_S_OK;
	if (wr[0] != IREF_S_OK) {
		snap(dev, &after);
		ck_assert_msg(memcmp(&before, &after, sizeof before) == 0,
			      "type %u refused with %s changed state", rd[0],
			      iref_status_name(wr[0]));
	}
}

static void one_dma(struct iref_iommu *dev)
{
	struct iref_dma_req rq = {
		.endpoint = (uint32_t)(next() % 12),
		.has_pasid = next() % 2,
		.pasid = (uint32_t)(next() % 4),
		.iova = next() % 2 ? next() % 0x400000 : field(),
		.size = 1 + next() % 0x3000,
		.access = 1u << (next() % 3),
		.priv = next() % 2,
		.at = next() % 1000,
	};
	if (rq.iova + (rq.size - 1) < rq.iova)
		rq.size = 1;
	struct iref_dma_result r;
	ck_assert_int_eq(iref_dma(dev, &rq, &r), IREF_OK);
	switch (r.outcome) {
	case IREF_DMA_OK:
		ck_assert(r.perm & rq.access);
		walked += r.path == IREF_PATH_TABLE;
		break;
	case IREF_DMA_FAULT:
		ck_assert_uint_le(r.fault.reason, IREF_R_MAPPING);
		ck_assert(r.fault.flags & IREF_FAULT_F_ADDRESS);
		break;
	case IREF_DMA_ABORT:
		break;
	default:
		ck_abort_msg("outcome %d", (int)r.outcome);
	}
	if (r.has_walk_fault)
		ck_assert(r.walk.stage == 1 || r.walk.stage == 2);
	faulted += r.has_walk_fault;
}

static void fuzz(enum iref_arch arch, const char *s2fmt, uint64_t seed)
{
	rng = seed;
	attached = walked = faulted = 0;
	struct iref_iommu *dev = fuzz_dev(arch, s2fmt);
	built_root = 0;
	static const char *const s1[] = {
		[IREF_ARCH_INTEL] = "intel-fs", [IREF_ARCH_AMD] = "amd-v2"};
	if ((arch == IREF_ARCH_INTEL || arch == IREF_ARCH_AMD) && !s2fmt) {
		struct iref_walk_cfg c;
		struct iref_diag d = {0};
		ck_assert_int_eq(iref_walk_cfg_init(&c, s1[arch], &d), IREF_OK);
		struct iref_pool p = {MEM_BASE + 8 * 0x1000,
				      MEM_BASE + MEM_PAGES * 0x1000};
		struct iref_build_map m = {0, 0x80000000, 0x400000,
					   IREF_PERM_R | IREF_PERM_W,
					   IREF_BUILD_USER | IREF_BUILD_NO_BLOCKS,
					   0};
		ck_assert_int_eq(iref_build(&c, mem, &p, &m, 1, &d), IREF_OK);
		built_root = c.root;
	}
	for (int i = 0; i < ROUNDS; i++) {
		switch (next() % 4) {
		case 0:
			one_request(dev, arch);
			break;
		case 1:
			/* The guest scribbles over its tables and contexts. */
			w64(MEM_BASE + (next() % (MEM_PAGES * 0x1000) & ~7u),
			    entry());
			break;
		default:
			one_dma(dev);
			break;
		}
		if (i % 64 == 0)
			conf_drain(dev);
	}
	ck_assert_msg(attached > 10 && faulted > 10 &&
			      (built_root == 0 || walked > 3),
		      "attached %u, table faults %u, table walks %u",
		      attached, faulted, walked);
}

static void teardown_all(void)
{
	conf_teardown();
	teardown();
}

START_TEST(test_fuzz_arm) { fuzz(IREF_ARCH_ARM, NULL, 1); }
END_TEST
START_TEST(test_fuzz_arm_nested) { fuzz(IREF_ARCH_ARM, "arm-s2", 2); }
END_TEST
START_TEST(test_fuzz_intel) { fuzz(IREF_ARCH_INTEL, NULL, 3); }
END_TEST
START_TEST(test_fuzz_intel_nested) { fuzz(IREF_ARCH_INTEL, "intel-ss", 4); }
END_TEST
START_TEST(test_fuzz_riscv) { fuzz(IREF_ARCH_RISCV, NULL, 5); }
END_TEST
START_TEST(test_fuzz_riscv_nested)
{
	fuzz(IREF_ARCH_RISCV, "riscv-sv39x4", 6);
}
END_TEST
START_TEST(test_fuzz_amd) { fuzz(IREF_ARCH_AMD, NULL, 7); }
END_TEST
START_TEST(test_fuzz_amd_nested) { fuzz(IREF_ARCH_AMD, "amd-v1", 8); }
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ext_fuzz");
	TCase *tc = tcase_create("hostile");
	tcase_add_checked_fixture(tc, setup, teardown_all);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_fuzz_arm);
	tcase_add_test(tc, test_fuzz_arm_nested);
	tcase_add_test(tc, test_fuzz_intel);
	tcase_add_test(tc, test_fuzz_intel_nested);
	tcase_add_test(tc, test_fuzz_riscv);
	tcase_add_test(tc, test_fuzz_riscv_nested);
	tcase_add_test(tc, test_fuzz_amd);
	tcase_add_test(tc, test_fuzz_amd_nested);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return iref_test_run(suite());
}
