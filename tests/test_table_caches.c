/* The device's caches in front of table walks (docs/tlb.md, docs/
 * extension.md): walk caches and the stage-2 table-address cache give the
 * results of uncached walks, count per level, and keep a stale table
 * pointer exactly until an invalidation that is not leaf-only. */
#include <check.h>

#include "conf_util.h"
#include "iommu-ref/context.h"
#include "iommu-ref/ext_wire.h"
#include "iommu-ref/walk.h"
#include "testutil.h"
#include "walk_fixture.h"

#define FS_POOL UINT64_C(0x10000000)
#define S2_POOL UINT64_C(0x40000000)
#define OUT UINT64_C(0x80000000)
#define PAGES 512 /* one 2 MiB region of 4 KiB pages */

enum { NO_CACHES = 0, CACHES = 1 };

/* dev_with() turns the timing model on (default parameters but the
 * number of walkers, when set). */
static bool with_timing;
static uint32_t walkers;

static struct iref_tlb_cfg one_array(uint32_t entries, uint64_t sizes,
				     unsigned stages)
{
	return (struct iref_tlb_cfg){
		.n_arrays = 1,
		.array = {{.entries = entries, .ways = 4, .sizes = sizes,
			   .stages = stages}},
	};
}

/* An Intel device, PASID 1 of endpoint 1 attached to an intel-fs table
 * mapping [0, PAGES) pages to OUT, optionally nested over an intel-ss
 * stage 2 (identity-valued over the tables and the output) and with a
 * TLB, a walk cache and a stage-2 table-address cache. */
static struct iref_iommu *dev_with(bool caches, bool nested, uint64_t *root)
{
	struct iref_config cfg;
	conf_cfg(&cfg);
	cfg.features |= IREF_FEAT(IREF_F_ATTACH_TABLE);
	iref_hw_caps_default(&cfg.hw, IREF_ARCH_INTEL);
	cfg.mem = mem;
	cfg.bypass = 0;
	cfg.timing_enabled = with_timing;
	if (walkers)
		cfg.timing.walkers = walkers;
	if (caches) {
		cfg.tlb_enabled = true;
		cfg.tlb = one_array(64, UINT64_C(0x40201000), 0);
		cfg.wc_enabled = true;
		cfg.wc = one_array(64, ~UINT64_C(0) << 21 & ~(~UINT64_C(0) << 49),
				   IREF_WC_S1 | IREF_WC_S2);
		cfg.s2tlb_enabled = nested;
		cfg.s2tlb = one_array(64, UINT64_C(0x40201000), 0);
	}
	struct iref_diag d = {0};
	struct iref_walk_cfg fs;
	ck_assert_int_eq(iref_walk_cfg_init(&fs, "intel-fs", &d), IREF_OK);
	if (!*root) {
		struct iref_build_map m = {0, OUT, PAGES * UINT64_C(0x1000),
					   IREF_PERM_R | IREF_PERM_W,
					   IREF_BUILD_USER | IREF_BUILD_NO_BLOCKS,
					   0};
		struct iref_pool p = {FS_POOL, FS_POOL + 0x100000};
		ck_assert_int_eq(iref_build(&fs, mem, &p, &m, 1, &d), IREF_OK);
		*root = fs.root;
	}
	if (nested) {
		ck_assert_int_eq(iref_walk_cfg_init(&cfg.stage2, "intel-ss",
						    &d),
				 IREF_OK);
		cfg.stage2.root = S2_POOL;
		struct iref_build_map m[] = {
			{FS_POOL, FS_POOL, 0x200000, IREF_PERM_R | IREF_PERM_W,
			 IREF_BUILD_NO_BLOCKS, 0},
			{OUT, OUT, 0x200000, IREF_PERM_R | IREF_PERM_W,
			 IREF_BUILD_NO_BLOCKS, 0},
		};
		/* Both devices of a comparison share these tables. */
		uint64_t probe = 0;
		ck_assert_int_eq(iref_mem_read64(mem, S2_POOL, &probe),
				 IREF_OK);
		if (!probe) {
			struct iref_pool p = {S2_POOL, S2_POOL + 0x100000};
			cfg.stage2.root = 0;
			ck_assert_int_eq(iref_build(&cfg.stage2, mem, &p, m, 2,
						    &d),
					 IREF_OK);
			ck_assert_uint_eq(cfg.stage2.root, S2_POOL);
		}
	}
	struct iref_iommu *dev = conf_new(&cfg);
	struct iref_attach_table at = {
		.domain = 1, .endpoint = CONF_EP1, .format = IREF_TF_INTEL_PT,
		.u.intel = {.pasid = 1, .attach_flags = IREF_ATTACH_TABLE_F_PASID,
			    .pgtbl_addr = *root, .addr_width = 48},
	};
	uint8_t rd[IREF_ATTACH_TABLE_RSIZE];
	size_t n = iref_enc_attach_table(rd, &at);
	CONF_OK(conf_send(dev, rd, n));
	return dev;
}

static struct iref_dma_result go(struct iref_iommu *dev, uint64_t iova,
				 unsigned acc)
{
	return conf_dma_pasid(dev, CONF_EP1, 1, iova, 8, acc);
}

static struct iref_tlb_stats level(const struct iref_iommu *d,
				   enum iref_cache_level l)
{
	struct iref_tlb_stats s;
	ck_assert(iref_iommu_cache_stats(d, l, &s));
	return s;
}

static void teardown_all(void)
{
	conf_teardown();
	teardown();
}

/* Same answers with and without caches, over reads and writes of mapped
 * and unmapped pages, single stage and nested; the caches are used. */
START_TEST(test_differential)
{
	for (int nested = 0; nested < 2; nested++) {
		uint64_t root = 0;
		struct iref_iommu *plain = dev_with(NO_CACHES, nested, &root);
		struct iref_iommu *cached = dev_with(CACHES, nested, &root);
		uint64_t seed = 7;
		for (int i = 0; i < 4000; i++) {
			seed = seed * 6364136223846793005u + 1442695040888963407u;
			uint64_t page = (seed >> 33) % (PAGES + 64);
			unsigned acc = (seed >> 20) & 1 ? IREF_ACC_WRITE
							: IREF_ACC_READ;
			struct iref_dma_result a = go(plain, page << 12, acc);
			struct iref_dma_result b = go(cached, page << 12, acc);
			ck_assert_int_eq(a.outcome, b.outcome);
			if (a.outcome == IREF_DMA_OK) {
				ck_assert_uint_eq(a.pa, b.pa);
				ck_assert_uint_eq(a.size, b.size);
			} else {
				ck_assert_uint_eq(a.walk.code, b.walk.code);
				ck_assert_int_eq(a.walk.level, b.walk.level);
			}
		}
		ck_assert_uint_gt(level(cached, IREF_CACHE_WALK).hits, 100);
		if (nested)
			ck_assert_uint_gt(level(cached, IREF_CACHE_S2TLB).hits,
					  100);
		conf_teardown();
	}
}
END_TEST

/* A walk-cache hit skips the upper levels, so a table pointer the guest
 * changes stays in use until an invalidation that is not leaf-only
 * (INVALIDATE F_LEAF: "only leaf entries need invalidating"). */
START_TEST(test_stale_table_pointer)
{
	uint64_t root = 0;
	struct iref_iommu *dev = dev_with(CACHES, false, &root);
	ck_assert_uint_eq(go(dev, 0x1000, IREF_ACC_READ).pa, OUT + 0x1000);
	/* A second page table for the same 2 MiB region, mapping page 2 to
	 * OUT + 0x100000 + 0x2000, and the PDE pointed at it. */
	uint64_t pt2 = FS_POOL + 0x80000;
	w64(pt2 + 2 * 8, (OUT + 0x102000) | 0x67);
	uint64_t pml4e = r64(root) & UINT64_C(0x000ffffffffff000);
	uint64_t pdpte = r64(pml4e) & UINT64_C(0x000ffffffffff000);
	uint64_t pde = r64(pdpte);
	w64(pdpte, (pde & 0xfff) | pt2);
	/* Page 2 is not in the TLB: the cached PDE still leads to the old
	 * table. */
	ck_assert_uint_eq(go(dev, 0x2000, IREF_ACC_READ).pa, OUT + 0x2000);
	uint8_t rd[IREF_INVALIDATE_RSIZE];
	struct iref_invalidate inv = {
		.scope = IREF_INVAL_S_ADDRESS, .caches = IREF_INVAL_C_TLB,
		.flags = IREF_INVAL_F_LEAF | IREF_INVAL_F_PASID, .domain = 1,
		.pasid = 1, .address = 0x2000, .nr_pages = 1, .page_size = 12,
	};
	CONF_OK(conf_send(dev, rd, iref_enc_invalidate(rd, &inv)));
	ck_assert_uint_eq(go(dev, 0x2000, IREF_ACC_READ).pa, OUT + 0x2000);
	ck_assert_uint_eq(level(dev, IREF_CACHE_WALK).invalidated, 0);
	inv.flags &= ~IREF_INVAL_F_LEAF;
	CONF_OK(conf_send(dev, rd, iref_enc_invalidate(rd, &inv)));
	ck_assert_uint_gt(level(dev, IREF_CACHE_WALK).invalidated, 0);
	ck_assert_uint_eq(go(dev, 0x2000, IREF_ACC_READ).pa, OUT + 0x102000);
}
END_TEST

/* Walk cycles by hand (docs/timing.md defaults): dma_base 19, a TLB
 * lookup 3, a walk-cache lookup 4, a memory read 100. A 4-level walk from
 * the root reads 4 entries; resumed from a cached PDE it reads 1. */
START_TEST(test_walk_cycles)
{
	with_timing = true;
	uint64_t root = 0;
	struct iref_iommu *plain = dev_with(NO_CACHES, false, &root);
	struct iref_iommu *dev = dev_with(CACHES, false, &root);
	ck_assert_uint_eq(go(plain, 0x1000, IREF_ACC_READ).cycles,
			  19 + 4 * 100);
	ck_assert_uint_eq(go(dev, 0x1000, IREF_ACC_READ).cycles,
			  19 + 3 + 4 + 4 * 100);
	ck_assert_uint_eq(go(dev, 0x3000, IREF_ACC_READ).cycles,
			  19 + 3 + 4 + 100);
	ck_assert_uint_eq(level(dev, IREF_CACHE_WALK).hits, 1);
	/* A TLB hit: no walk, no walk-cache lookup. */
	ck_assert_uint_eq(go(dev, 0x3008, IREF_ACC_READ).cycles, 19 + 3);
	with_timing = false;
}
END_TEST

/* Two walkers, three walks issued at once: the third waits until the
 * first walker is free (4 reads of 100 cycles); one issued later finds a
 * free walker. */
START_TEST(test_walker_queue)
{
	with_timing = true;
	walkers = 2;
	uint64_t root = 0;
	struct iref_iommu *dev = dev_with(NO_CACHES, false, &root);
	uint64_t cyc[4];
	static const uint64_t at[4] = {0, 0, 0, 5000};
	for (int i = 0; i < 4; i++) {
		struct iref_dma_req rq = {
			.endpoint = CONF_EP1, .has_pasid = true, .pasid = 1,
			.iova = (uint64_t)i << 12, .size = 8,
			.access = IREF_ACC_READ, .at = at[i],
		};
		struct iref_dma_result r;
		ck_assert_int_eq(iref_dma(dev, &rq, &r), IREF_OK);
		ck_assert_int_eq(r.outcome, IREF_DMA_OK);
		cyc[i] = r.cycles;
	}
	ck_assert_uint_eq(cyc[0], 19 + 400);
	ck_assert_uint_eq(cyc[1], 19 + 400);
	ck_assert_uint_eq(cyc[2], 19 + 400 + 400);
	ck_assert_uint_eq(cyc[3], 19 + 400);
	with_timing = false;
	walkers = 0;
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("table_caches");
	TCase *tc = tcase_create("caches");
	tcase_add_checked_fixture(tc, setup, teardown_all);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_differential);
	tcase_add_test(tc, test_stale_table_pointer);
	tcase_add_test(tc, test_walk_cycles);
	tcase_add_test(tc, test_walker_queue);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return iref_test_run(suite());
}
