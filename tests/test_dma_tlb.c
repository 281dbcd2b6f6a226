/* The IOTLB in the device's MAP/UNMAP path (docs/tlb.md, "Device
 * integration"): hits answer exactly as the mapping tree, UNMAP, domain
 * death and resets remove exactly what they must, and the scenario
 * loader's tlb: section and tlb_stats step. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_util.h"
#include "iommu-ref/tlb.h"
#include "runner.h"
#include "scenario.h"
#include "testutil.h"

#define SZ_4K UINT64_C(0x1000)
#define SZ_2M UINT64_C(0x200000)

/* A model-default device with bypass 0, the standard endpoints and a TLB
 * of one array (entries, ways, sizes); entries 0: no TLB. */
static struct iref_iommu *tlb_dev_mask(uint32_t entries, uint32_t ways,
				       uint64_t sizes, uint64_t page_mask)
{
	struct iref_config cfg;
	conf_cfg(&cfg);
	cfg.bypass = 0;
	cfg.page_size_mask = page_mask;
	if (entries) {
		cfg.tlb_enabled = true;
		cfg.tlb.n_arrays = 1;
		cfg.tlb.array[0] = (struct iref_tlb_array_cfg){
			.entries = entries, .ways = ways, .sizes = sizes,
		};
	}
	return conf_new(&cfg);
}

static struct iref_iommu *tlb_dev(uint32_t entries, uint32_t ways,
				  uint64_t sizes)
{
	return tlb_dev_mask(entries, ways, sizes, 0x40201000);
}

static struct iref_tlb_stats stats(const struct iref_iommu *dev)
{
	struct iref_tlb_stats s;
	ck_assert(iref_iommu_tlb_stats(dev, &s));
	return s;
}

/* Everything a caller sees but the TLB use. */
static void same_result_at(int line, const struct iref_dma_result *a,
			   const struct iref_dma_result *b)
{
	ck_assert_msg(a->outcome == b->outcome, "line %d: outcome %d vs %d",
		      line, a->outcome, b->outcome);
	if (a->outcome == IREF_DMA_OK) {
		ck_assert_msg(a->path == b->path && a->pa == b->pa &&
				      a->size == b->size &&
				      a->perm == b->perm && a->mmio == b->mmio,
			      "line %d: pa 0x%llx/0x%llx size 0x%llx/0x%llx "
			      "perm %u/%u mmio %d/%d path %d/%d",
			      line, (unsigned long long)a->pa,
			      (unsigned long long)b->pa,
			      (unsigned long long)a->size,
			      (unsigned long long)b->size, a->perm, b->perm,
			      a->mmio, b->mmio, a->path, b->path);
	} else if (a->outcome == IREF_DMA_FAULT) {
		ck_assert_msg(conf_rec_eq(&a->fault, &b->fault) &&
				      a->dropped == b->dropped,
			      "line %d: fault 0x%llx vs 0x%llx", line,
			      (unsigned long long)a->fault.address,
			      (unsigned long long)b->fault.address);
	}
}

#define same_result(a, b) same_result_at(__LINE__, a, b)

static struct iref_dma_result dma(struct iref_iommu *dev, uint32_t ep,
				  uint64_t iova, uint64_t size, unsigned acc)
{
	return conf_dma_at(__LINE__, dev, ep, iova, size, acc);
}

START_TEST(test_hit_after_miss)
{
	struct iref_iommu *d = tlb_dev(64, 4, SZ_4K | SZ_2M);
	CONF_OK(conf_attach(d, 1, CONF_EP1, 0));
	CONF_OK(conf_map(d, 1, 0x10000, 0x10fff, 0x80010000, CONF_RW));
	struct iref_dma_result a = dma(d, CONF_EP1, 0x10010, 4, IREF_ACC_READ);
	ck_assert_int_eq(a.outcome, IREF_DMA_OK);
	ck_assert_int_eq(a.tlb, IREF_DMA_TLB_MISS);
	struct iref_dma_result b = dma(d, CONF_EP1, 0x10ff0, 4, IREF_ACC_WRITE);
	ck_assert_int_eq(b.tlb, IREF_DMA_TLB_HIT);
	ck_assert_uint_eq(b.pa, 0x80010ff0);
	ck_assert_uint_eq(b.size, 0x1000);
	ck_assert_uint_eq(b.perm, IREF_PERM_R | IREF_PERM_W | IREF_PERM_X);
	struct iref_tlb_stats s = stats(d);
	ck_assert_uint_eq(s.lookups, 2);
	ck_assert_uint_eq(s.hits, 1);
	ck_assert_uint_eq(s.misses, 1);
	ck_assert_uint_eq(s.fills, 1);
}
END_TEST

/* The largest held page inside the mapping with VA and PA congruent. */
START_TEST(test_fill_size)
{
	struct iref_iommu *d = tlb_dev(64, 64, SZ_4K | SZ_2M);
	CONF_OK(conf_attach(d, 1, CONF_EP1, 0));
	/* 2 MiB-aligned on both sides: one 2 MiB entry. */
	CONF_OK(conf_map(d, 1, 0x200000, 0x5fffff, 0x40200000, CONF_R));
	dma(d, CONF_EP1, 0x200000, 1, IREF_ACC_READ);
	ck_assert_int_eq(dma(d, CONF_EP1, 0x3ff000, 1, IREF_ACC_READ).tlb,
			 IREF_DMA_TLB_HIT);
	/* The next 2 MiB page of the same mapping is another entry. */
	ck_assert_int_eq(dma(d, CONF_EP1, 0x400000, 1, IREF_ACC_READ).tlb,
			 IREF_DMA_TLB_MISS);
	/* PA not 2 MiB-congruent: 4 KiB entries only. */
	CONF_OK(conf_map(d, 1, 0x800000, 0x9fffff, 0x50001000, CONF_R));
	dma(d, CONF_EP1, 0x800000, 1, IREF_ACC_READ);
	ck_assert_int_eq(dma(d, CONF_EP1, 0x800fff, 1, IREF_ACC_READ).tlb,
			 IREF_DMA_TLB_HIT);
	ck_assert_int_eq(dma(d, CONF_EP1, 0x801000, 1, IREF_ACC_READ).tlb,
			 IREF_DMA_TLB_MISS);
	/* A 2 MiB-aligned mapping shorter than 2 MiB: 4 KiB entries, none
	 * reaching past its end. */
	CONF_OK(conf_map(d, 1, 0xc00000, 0xc01fff, 0x60c00000, CONF_R));
	dma(d, CONF_EP1, 0xc00000, 1, IREF_ACC_READ);
	ck_assert_int_eq(dma(d, CONF_EP1, 0xc01000, 1, IREF_ACC_READ).tlb,
			 IREF_DMA_TLB_MISS);
	ck_assert_int_eq(conf_dma_at(__LINE__, d, CONF_EP1, 0xc02000, 1,
				     IREF_ACC_READ).outcome,
			 IREF_DMA_FAULT);
}
END_TEST

/* A hit reports the mapping's length and MMIO flag, as the tree does. */
START_TEST(test_hit_size_mmio)
{
	struct iref_iommu *d = tlb_dev(16, 4, SZ_4K);
	CONF_OK(conf_attach(d, 1, CONF_EP1, 0));
	CONF_OK(conf_map(d, 1, 0x3000, 0x5fff, 0x9000,
			 CONF_RW | IREF_MAP_F_MMIO));
	struct iref_dma_result a = dma(d, CONF_EP1, 0x4010, 8, IREF_ACC_READ);
	struct iref_dma_result b = dma(d, CONF_EP1, 0x4010, 8, IREF_ACC_READ);
	ck_assert_int_eq(a.tlb, IREF_DMA_TLB_MISS);
	ck_assert_int_eq(b.tlb, IREF_DMA_TLB_HIT);
	same_result(&a, &b);
	ck_assert_uint_eq(b.size, 0x3000);
	ck_assert(b.mmio);
	ck_assert_uint_eq(b.pa, 0xa010);
}
END_TEST

/* An access over two pages looks up each; one miss makes it a miss. */
START_TEST(test_crossing)
{
	struct iref_iommu *d = tlb_dev(16, 4, SZ_4K);
	CONF_OK(conf_attach(d, 1, CONF_EP1, 0));
	CONF_OK(conf_map(d, 1, 0x1000, 0x2fff, 0x7000, CONF_RW));
	dma(d, CONF_EP1, 0x1000, 1, IREF_ACC_READ);
	struct iref_dma_result r = dma(d, CONF_EP1, 0x1ff0, 0x20,
				       IREF_ACC_READ);
	ck_assert_int_eq(r.tlb, IREF_DMA_TLB_MISS);
	ck_assert_uint_eq(r.pa, 0x7ff0);
	ck_assert_uint_eq(stats(d).hits, 1);
	r = dma(d, CONF_EP1, 0x1ff0, 0x20, IREF_ACC_READ);
	ck_assert_int_eq(r.tlb, IREF_DMA_TLB_HIT);
	ck_assert_uint_eq(stats(d).hits, 3);
	/* Past the mapping's end: the fault names the first unmapped byte
	 * though the first page hit. */
	r = dma(d, CONF_EP1, 0x2ff0, 0x20, IREF_ACC_READ);
	ck_assert_int_eq(r.outcome, IREF_DMA_FAULT);
	ck_assert_uint_eq(r.fault.address, 0x3000);
	ck_assert_int_eq(r.tlb, IREF_DMA_TLB_MISS);
}
END_TEST

/* Randomised MAP/UNMAP/ATTACH/DETACH/DMA on a device with a small TLB and
 * one without: every status and every result but the TLB use agree. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

START_TEST(test_differential)
{
	struct iref_iommu *t = tlb_dev(16, 2, SZ_4K | SZ_2M);
	struct iref_iommu *n = tlb_dev(0, 0, 0);
	static const uint32_t eps[] = {CONF_EP1, CONF_EP2, CONF_EP3,
				       CONF_EP_RESV};
	static const unsigned accs[] = {IREF_ACC_READ, IREF_ACC_WRITE,
					IREF_ACC_EXEC};
	const uint64_t window = 8 * SZ_2M;
	uint64_t s = 12345;
	unsigned oks = 0;
	for (int i = 0; i < 20000; i++) {
		uint64_t op = rnd(&s) % 100;
		uint32_t dom = 1 + (uint32_t)(rnd(&s) % 3);
		uint32_t ep = eps[rnd(&s) % 4];
		if (op < 3) {
			ck_assert_int_eq(conf_attach(t, dom, ep, 0),
					 conf_attach(n, dom, ep, 0));
		} else if (op < 5) {
			ck_assert_int_eq(conf_detach(t, dom, ep),
					 conf_detach(n, dom, ep));
		} else if (op < 20) {
			bool big = rnd(&s) % 4 == 0;
			uint64_t unit = big ? SZ_2M : SZ_4K;
			uint64_t vs = rnd(&s) % (window / unit) * unit;
			uint64_t len = (1 + rnd(&s) % 3) * unit;
			/* Sometimes congruent at 2 MiB, sometimes not. */
			uint64_t ps = (rnd(&s) % 64) * SZ_2M +
				      (rnd(&s) % 2 ? vs % SZ_2M : SZ_4K);
			uint32_t fl = (uint32_t)(rnd(&s) % 8);
			ck_assert_int_eq(
				conf_map(t, dom, vs, vs + len - 1, ps, fl),
				conf_map(n, dom, vs, vs + len - 1, ps, fl));
		} else if (op < 30) {
			uint64_t vs = rnd(&s) % (window / SZ_4K) * SZ_4K;
			uint64_t len = (1 + rnd(&s) % 1024) * SZ_4K;
			ck_assert_int_eq(conf_unmap(t, dom, vs, vs + len - 1),
					 conf_unmap(n, dom, vs, vs + len - 1));
		} else {
			uint64_t iova = rnd(&s) % window;
			uint64_t size = 1 + rnd(&s) % 0x3000;
			unsigned acc = accs[rnd(&s) % 3];
			struct iref_dma_result a = dma(t, ep, iova, size, acc);
			struct iref_dma_result b = dma(n, ep, iova, size, acc);
			same_result(&a, &b);
			ck_assert_int_eq(b.tlb, IREF_DMA_TLB_NONE);
			oks += a.outcome == IREF_DMA_OK;
			conf_drain(t);
			conf_drain(n);
		}
	}
	struct iref_tlb_stats st = stats(t);
	/* The sequence exercised what it claims to. */
	ck_assert_uint_gt(oks, 1000);
	ck_assert_uint_gt(st.hits, 500);
	ck_assert_uint_gt(st.evictions, 100);
	ck_assert_uint_gt(st.invalidated, 100);
	ck_assert(!iref_iommu_tlb_stats(n, &st));
}
END_TEST

/* UNMAP removes its range's entries in its domain and nothing else. */
START_TEST(test_unmap_exact)
{
	struct iref_iommu *d = tlb_dev(64, 4, SZ_4K);
	CONF_OK(conf_attach(d, 1, CONF_EP1, 0));
	CONF_OK(conf_attach(d, 2, CONF_EP2, 0));
	CONF_OK(conf_map(d, 1, 0x1000, 0x2fff, 0x11000, CONF_R)); /* A */
	CONF_OK(conf_map(d, 1, 0x3000, 0x3fff, 0x13000, CONF_R)); /* B */
	CONF_OK(conf_map(d, 2, 0x1000, 0x1fff, 0x21000, CONF_R)); /* C */
	dma(d, CONF_EP1, 0x1000, 1, IREF_ACC_READ);
	dma(d, CONF_EP1, 0x2000, 1, IREF_ACC_READ);
	dma(d, CONF_EP1, 0x3000, 1, IREF_ACC_READ);
	dma(d, CONF_EP2, 0x1000, 1, IREF_ACC_READ);
	ck_assert_uint_eq(stats(d).fills, 4);
	/* An UNMAP that would split A removes nothing (S_RANGE), neither
	 * does one over an empty range. */
	CONF_ST(conf_unmap(d, 1, 0x2000, 0x3fff), IREF_S_RANGE);
	CONF_OK(conf_unmap(d, 1, 0x100000, 0x1fffff));
	ck_assert_uint_eq(stats(d).invalidated, 0);
	CONF_OK(conf_unmap(d, 1, 0x1000, 0x2fff));
	ck_assert_uint_eq(stats(d).invalidated, 2);
	struct iref_tlb_stats before = stats(d);
	ck_assert_int_eq(dma(d, CONF_EP1, 0x3000, 1, IREF_ACC_READ).tlb,
			 IREF_DMA_TLB_HIT);
	struct iref_dma_result c = dma(d, CONF_EP2, 0x1000, 1, IREF_ACC_READ);
	ck_assert_int_eq(c.tlb, IREF_DMA_TLB_HIT);
	ck_assert_uint_eq(c.pa, 0x21000);
	ck_assert_uint_eq(stats(d).hits, before.hits + 2);
	struct iref_dma_result a = dma(d, CONF_EP1, 0x2000, 1, IREF_ACC_READ);
	ck_assert_int_eq(a.outcome, IREF_DMA_FAULT);
	ck_assert_int_eq(a.tlb, IREF_DMA_TLB_MISS);
}
END_TEST

/* A dying domain is forgotten: a new domain with its ID never sees the
 * old translations. A domain that keeps an endpoint keeps its entries. */
START_TEST(test_domain_reuse)
{
	struct iref_iommu *d = tlb_dev(64, 4, SZ_4K);
	CONF_OK(conf_attach(d, 1, CONF_EP1, 0));
	CONF_OK(conf_attach(d, 1, CONF_EP2, 0));
	CONF_OK(conf_map(d, 1, 0x1000, 0x1fff, 0x11000, CONF_RW));
	dma(d, CONF_EP1, 0x1000, 1, IREF_ACC_READ);
	CONF_OK(conf_detach(d, 1, CONF_EP1));
	ck_assert_uint_eq(stats(d).invalidated, 0);
	ck_assert_int_eq(dma(d, CONF_EP2, 0x1000, 1, IREF_ACC_READ).tlb,
			 IREF_DMA_TLB_HIT);
	/* EP2 moves to domain 2: domain 1 dies. */
	CONF_OK(conf_attach(d, 2, CONF_EP2, 0));
	ck_assert_uint_eq(stats(d).invalidated, 1);
	CONF_OK(conf_attach(d, 1, CONF_EP3, 0));
	CONF_OK(conf_map(d, 1, 0x1000, 0x1fff, 0x51000, CONF_RW));
	struct iref_dma_result r = dma(d, CONF_EP3, 0x1000, 1, IREF_ACC_READ);
	ck_assert_int_eq(r.tlb, IREF_DMA_TLB_MISS);
	ck_assert_uint_eq(r.pa, 0x51000);
	/* Detach of the last endpoint, then the same ID with no mapping. */
	CONF_OK(conf_detach(d, 1, CONF_EP3));
	ck_assert_uint_eq(stats(d).invalidated, 2);
	CONF_OK(conf_attach(d, 1, CONF_EP3, 0));
	ck_assert_int_eq(conf_dma_at(__LINE__, d, CONF_EP3, 0x1000, 1,
				     IREF_ACC_READ).outcome,
			 IREF_DMA_FAULT);
}
END_TEST

/* A device with a 4-entry fully associative micro-TLB per endpoint and,
 * when main_entries, a main TLB (4 ways). */
static struct iref_iommu *utlb_dev(uint32_t main_entries)
{
	struct iref_config cfg;
	conf_cfg(&cfg);
	cfg.bypass = 0;
	cfg.utlb_enabled = true;
	cfg.utlb.n_arrays = 1;
	cfg.utlb.array[0] = (struct iref_tlb_array_cfg){4, 4, SZ_4K, 0};
	if (main_entries) {
		cfg.tlb_enabled = true;
		cfg.tlb.n_arrays = 1;
		cfg.tlb.array[0] = (struct iref_tlb_array_cfg){
			main_entries, 4, SZ_4K, 0};
	}
	return conf_new(&cfg);
}

static struct iref_tlb_stats level(const struct iref_iommu *d,
				   enum iref_cache_level l)
{
	struct iref_tlb_stats s;
	ck_assert(iref_iommu_cache_stats(d, l, &s));
	return s;
}

/* Micro-TLB in front of the main TLB: a hit there never asks the main
 * TLB; a main hit refills it; both count per level. */
START_TEST(test_utlb_levels)
{
	struct iref_iommu *d = utlb_dev(64);
	CONF_OK(conf_attach(d, 1, CONF_EP1, 0));
	CONF_OK(conf_map(d, 1, 0, 0xfffff, 0x800000, CONF_RW));
	for (uint64_t i = 0; i < 5; i++) /* 5 pages: one more than the uTLB */
		ck_assert_int_eq(dma(d, CONF_EP1, i << 12, 1, IREF_ACC_READ).tlb,
				 IREF_DMA_TLB_MISS);
	struct iref_tlb_stats u = level(d, IREF_CACHE_UTLB);
	struct iref_tlb_stats m = level(d, IREF_CACHE_TLB);
	ck_assert_uint_eq(u.misses, 5);
	ck_assert_uint_eq(u.evictions, 1); /* page 0 left the uTLB */
	ck_assert_uint_eq(m.misses, 5);
	ck_assert_uint_eq(m.fills, 5);
	/* Page 4: uTLB hit, the main TLB is not asked. */
	struct iref_dma_result r = dma(d, CONF_EP1, 0x4010, 1, IREF_ACC_READ);
	ck_assert_int_eq(r.tlb, IREF_DMA_TLB_HIT);
	ck_assert_uint_eq(r.pa, 0x804010);
	ck_assert_uint_eq(level(d, IREF_CACHE_TLB).lookups, m.lookups);
	/* Page 0: main-TLB hit, refilled into the uTLB. */
	ck_assert_int_eq(dma(d, CONF_EP1, 0, 1, IREF_ACC_READ).tlb,
			 IREF_DMA_TLB_HIT);
	ck_assert_uint_eq(level(d, IREF_CACHE_TLB).hits, 1);
	ck_assert_uint_eq(level(d, IREF_CACHE_UTLB).fills, 6);
	ck_assert_uint_eq(level(d, IREF_CACHE_UTLB).hits, 1);
	/* The same id on the other endpoint has its own uTLB. */
	CONF_OK(conf_attach(d, 1, CONF_EP2, 0));
	dma(d, CONF_EP2, 0x4000, 1, IREF_ACC_READ);
	ck_assert_uint_eq(level(d, IREF_CACHE_TLB).hits, 2);
	ck_assert(!iref_iommu_cache_stats(d, IREF_CACHE_CTX, &u) ||
		  u.lookups == 0);
}
END_TEST

/* Invalidations reach every endpoint's micro-TLB: UNMAP, a dying domain,
 * a reset. A uTLB works without a main TLB. */
START_TEST(test_utlb_invalidation)
{
	struct iref_iommu *d = utlb_dev(0);
	ck_assert(!iref_iommu_tlb_stats(d, &(struct iref_tlb_stats){0}));
	CONF_OK(conf_attach(d, 1, CONF_EP1, 0));
	CONF_OK(conf_attach(d, 1, CONF_EP2, 0));
	CONF_OK(conf_map(d, 1, 0x1000, 0x1fff, 0x11000, CONF_RW));
	CONF_OK(conf_map(d, 1, 0x2000, 0x2fff, 0x12000, CONF_RW));
	dma(d, CONF_EP1, 0x1000, 1, IREF_ACC_READ);
	dma(d, CONF_EP2, 0x1000, 1, IREF_ACC_READ);
	dma(d, CONF_EP2, 0x2000, 1, IREF_ACC_READ);
	ck_assert_int_eq(dma(d, CONF_EP1, 0x1000, 1, IREF_ACC_READ).tlb,
			 IREF_DMA_TLB_HIT);
	CONF_OK(conf_unmap(d, 1, 0x1000, 0x1fff));
	ck_assert_uint_eq(level(d, IREF_CACHE_UTLB).invalidated, 2);
	ck_assert_int_eq(dma(d, CONF_EP1, 0x1000, 1, IREF_ACC_READ).outcome,
			 IREF_DMA_FAULT);
	ck_assert_int_eq(dma(d, CONF_EP2, 0x2000, 1, IREF_ACC_READ).tlb,
			 IREF_DMA_TLB_HIT);
	iref_iommu_reset(d);
	ck_assert_uint_eq(level(d, IREF_CACHE_UTLB).invalidated, 3);
}
END_TEST

/* A bad micro-TLB geometry is refused at creation, named "utlb". */
START_TEST(test_utlb_config)
{
	struct iref_config cfg;
	conf_cfg(&cfg);
	cfg.utlb_enabled = true;
	cfg.utlb.n_arrays = 1;
	cfg.utlb.array[0] = (struct iref_tlb_array_cfg){6, 4, SZ_4K, 0};
	struct iref_iommu *d = NULL;
	struct iref_diag diag = {0};
	ck_assert_int_ne(iref_iommu_create(&cfg, &d, &diag), IREF_OK);
	ck_assert_ptr_null(d);
	ck_assert_msg(strncmp(diag.msg, "utlb: ", 6) == 0, "%s", diag.msg);
}
END_TEST

static void fill_two(struct iref_iommu *d, uint64_t pa)
{
	CONF_OK(conf_attach(d, 1, CONF_EP1, 0));
	CONF_OK(conf_map(d, 1, 0x1000, 0x2fff, pa, CONF_RW));
	dma(d, CONF_EP1, 0x1000, 1, IREF_ACC_READ);
	dma(d, CONF_EP1, 0x2000, 1, IREF_ACC_READ);
}

START_TEST(test_reset)
{
	struct iref_iommu *d = tlb_dev(64, 4, SZ_4K);
	for (int system = 0; system < 2; system++) {
		fill_two(d, 0x10000 + (uint64_t)system * 0x100000);
		if (system)
			iref_iommu_system_reset(d);
		else
			iref_iommu_reset(d);
		ck_assert_uint_eq(stats(d).invalidated, 2 * (unsigned)(system + 1));
		conf_negotiate(d, iref_iommu_offered(d));
	}
	fill_two(d, 0x70000);
	struct iref_dma_result r = dma(d, CONF_EP1, 0x2000, 1, IREF_ACC_READ);
	ck_assert_int_eq(r.tlb, IREF_DMA_TLB_HIT);
	ck_assert_uint_eq(r.pa, 0x71000);
}
END_TEST

/* One-byte granule: a mapping holding no whole congruent 4 KiB page is
 * not cached; one that does is cached without reaching past its end. */
START_TEST(test_small_granule)
{
	struct iref_iommu *d = tlb_dev_mask(16, 4, SZ_4K, 0x1);
	CONF_OK(conf_attach(d, 1, CONF_EP1, 0));
	CONF_OK(conf_map(d, 1, 0x1001, 0x2000, 0x9001, CONF_RW));
	CONF_OK(conf_map(d, 1, 0x3000, 0x4fff, 0x7800, CONF_RW));
	for (int i = 0; i < 2; i++) {
		struct iref_dma_result r = dma(d, CONF_EP1, 0x1800, 4,
					       IREF_ACC_READ);
		ck_assert_uint_eq(r.pa, 0x9800);
		ck_assert_uint_eq(r.size, 0x1000);
		ck_assert_int_eq(r.tlb, IREF_DMA_TLB_MISS);
		r = dma(d, CONF_EP1, 0x3800, 4, IREF_ACC_READ);
		ck_assert_uint_eq(r.pa, 0x8000);
		ck_assert_int_eq(r.tlb, IREF_DMA_TLB_MISS);
	}
	ck_assert_uint_eq(stats(d).fills, 0);
	/* A whole page, then a two-byte read-only mapping right after. */
	CONF_OK(conf_map(d, 1, 0x6000, 0x6fff, 0x16000, CONF_RW));
	CONF_OK(conf_map(d, 1, 0x7000, 0x7001, 0x17000, CONF_R));
	dma(d, CONF_EP1, 0x6000, 1, IREF_ACC_WRITE);
	ck_assert_uint_eq(stats(d).fills, 1);
	struct iref_dma_result r = dma(d, CONF_EP1, 0x6ffe, 4, IREF_ACC_WRITE);
	ck_assert_int_eq(r.outcome, IREF_DMA_FAULT);
	ck_assert_uint_eq(r.fault.address, 0x7000);
	r = dma(d, CONF_EP1, 0x6ffe, 4, IREF_ACC_READ);
	ck_assert_int_eq(r.outcome, IREF_DMA_OK);
	ck_assert_uint_eq(r.size, 0x1000);
	ck_assert_uint_eq(r.pa, 0x16ffe);
}
END_TEST

/* Permission faults after a fill report exactly as without a TLB, and
 * leave the entry serving the accesses it allows. */
START_TEST(test_permission_fault)
{
	struct iref_iommu *t = tlb_dev(16, 4, SZ_4K);
	struct iref_iommu *n = tlb_dev(0, 0, 0);
	struct iref_iommu *devs[] = {t, n};
	struct iref_dma_result w[2], x[2];
	struct iref_fault_record rec[2][2];
	for (int i = 0; i < 2; i++) {
		CONF_OK(conf_attach(devs[i], 1, CONF_EP1, 0));
		CONF_OK(conf_map(devs[i], 1, 0x1000, 0x1fff, 0x9000, CONF_R));
		CONF_OK(conf_map(devs[i], 1, 0x2000, 0x2fff, 0xa000, CONF_W));
		dma(devs[i], CONF_EP1, 0x1000, 1, IREF_ACC_READ);
		dma(devs[i], CONF_EP1, 0x2000, 1, IREF_ACC_WRITE);
		w[i] = dma(devs[i], CONF_EP1, 0x1008, 4, IREF_ACC_WRITE);
		x[i] = dma(devs[i], CONF_EP1, 0x2008, 4, IREF_ACC_EXEC);
		ck_assert(conf_pop(devs[i], &rec[i][0], NULL));
		ck_assert(conf_pop(devs[i], &rec[i][1], NULL));
	}
	ck_assert_int_eq(w[0].outcome, IREF_DMA_FAULT);
	ck_assert_int_eq(x[0].outcome, IREF_DMA_FAULT);
	same_result(&w[0], &w[1]);
	same_result(&x[0], &x[1]);
	ck_assert(conf_rec_eq(&rec[0][0], &rec[1][0]));
	ck_assert(conf_rec_eq(&rec[0][1], &rec[1][1]));
	ck_assert_int_eq(w[0].tlb, IREF_DMA_TLB_MISS);
	struct iref_tlb_stats s = stats(t);
	ck_assert_uint_eq(s.misses, 4);
	ck_assert_uint_eq(s.fills, 2);
	ck_assert_int_eq(dma(t, CONF_EP1, 0x1008, 4, IREF_ACC_READ).tlb,
			 IREF_DMA_TLB_HIT);
}
END_TEST

/* Bypass, MSI and reserved regions are never looked up nor cached. */
START_TEST(test_not_cached_paths)
{
	struct iref_iommu *d = tlb_dev(16, 4, SZ_4K);
	CONF_OK(conf_attach(d, 1, CONF_EP_RESV, 0));
	CONF_OK(conf_attach(d, 2, CONF_EP1, IREF_ATTACH_F_BYPASS));
	CONF_OK(conf_map(d, 1, 0, 0xfffff, 0x400000, CONF_RW));
	for (int i = 0; i < 2; i++) {
		struct iref_dma_result r =
			dma(d, CONF_EP_RESV, CONF_MSI_START, 4, IREF_ACC_WRITE);
		ck_assert_int_eq(r.path, IREF_PATH_MSI);
		ck_assert_int_eq(r.tlb, IREF_DMA_TLB_NONE);
		r = dma(d, CONF_EP1, 0x5000, 4, IREF_ACC_WRITE);
		ck_assert_int_eq(r.path, IREF_PATH_BYPASS);
		ck_assert_int_eq(r.tlb, IREF_DMA_TLB_NONE);
		r = dma(d, CONF_EP_RESV, CONF_RESV_START, 4, IREF_ACC_READ);
		ck_assert_int_eq(r.outcome, IREF_DMA_FAULT);
		ck_assert_int_eq(r.tlb, IREF_DMA_TLB_NONE);
		conf_drain(d);
	}
	ck_assert_uint_eq(stats(d).lookups, 0);
	/* An access from the mapping into the reserved region: the mapped
	 * piece is looked up, the region still faults. */
	struct iref_dma_result r = dma(d, CONF_EP_RESV, CONF_RESV_START - 8,
				       16, IREF_ACC_READ);
	ck_assert_int_eq(r.outcome, IREF_DMA_FAULT);
	ck_assert_uint_eq(r.fault.address, CONF_RESV_START);
	ck_assert_uint_eq(stats(d).lookups, 1);
}
END_TEST

START_TEST(test_config)
{
	struct iref_config cfg;
	conf_cfg(&cfg);
	cfg.tlb_enabled = true;
	cfg.tlb.n_arrays = 1;
	cfg.tlb.array[0] = (struct iref_tlb_array_cfg){
		.entries = 12, .ways = 4, .sizes = SZ_4K, /* 3 sets */
	};
	struct iref_iommu *dev = NULL;
	struct iref_diag diag = {0};
	ck_assert_int_eq(iref_iommu_create(&cfg, &dev, &diag), IREF_E_INVAL);
	ck_assert_ptr_null(dev);
	ck_assert_msg(!strncmp(diag.msg, "tlb: ", 5), "diag: %s", diag.msg);
	/* Default: no TLB. */
	struct iref_iommu *n = tlb_dev(0, 0, 0);
	struct iref_tlb_stats s = {.hits = 7};
	ck_assert(!iref_iommu_tlb_stats(n, &s));
	ck_assert_uint_eq(s.hits, 7);
}
END_TEST

/* ---- scenarios ---- */

#define PROLOGUE                                                         \
	"endpoints: [{id: 1}]\n"                                         \
	"steps:\n"                                                       \
	"  - {attach: {domain: 1, endpoint: 1}}\n"                       \
	"  - {map: {domain: 1, virt_start: 0x1000, virt_end: 0x1fff, "   \
	"phys_start: 0x5000, flags: [read]}}\n"                          \
	"  - {dma: {endpoint: 1, addr: 0x1010, size: 4, access: read}}\n"

START_TEST(test_scenario_lines)
{
	struct iref_test_output o;
	iref_test_run_text(
		"iommu: {bypass: 0, tlb: {entries: 8, ways: 2, sizes: [4k, 2m],"
		" policy: fifo}}\n" PROLOGUE
		"  - dma: {endpoint: 1, addr: 0x1010, size: 4, access: read}\n"
		"    expect: {pa: 0x5010, tlb: hit}\n"
		"  - tlb_stats:\n"
		"    expect: {lookups: 2, hits: 1, misses: 1}\n"
		"  - tlb_stats:\n"
		"    expect: {hits: 2}\n",
		&o);
	ck_assert_uint_eq(o.t.passed, 5);
	ck_assert_uint_eq(o.t.failed, 1);
	ck_assert_ptr_nonnull(strstr(o.out, "perm=rx via=map tlb=miss\n"));
	ck_assert_ptr_nonnull(strstr(o.out, "perm=rx via=map tlb=hit\n"));
	ck_assert_ptr_nonnull(strstr(
		o.out, "\ntlb lookups=2 hits=1 misses=1 fills=1 evictions=0 "
		       "invalidated=0\n"));
	ck_assert_ptr_nonnull(strstr(o.err, "expected hits=2, got hits=1"));
	iref_test_output_free(&o);
	/* Without a TLB the lines are as they always were. */
	iref_test_run_text("iommu: {bypass: 0}\n" PROLOGUE, &o);
	ck_assert_ptr_null(strstr(o.out, "tlb"));
	ck_assert_ptr_nonnull(strstr(o.out, "via=map\n"));
	iref_test_output_free(&o);
}
END_TEST

START_TEST(test_scenario_config)
{
	struct iref_diag diag;
	struct scenario *s = iref_test_parse(
		"iommu:\n"
		"  tlb:\n"
		"    policy: random\n"
		"    seed: 7\n"
		"    arrays:\n"
		"      - {entries: 64, ways: 8, sizes: [4K, 16k]}\n"
		"      - {entries: 4, sizes: 0x40200000}\n"
		"steps: []\n",
		&diag);
	ck_assert_msg(s, "%s", diag.msg);
	ck_assert(s->cfg.tlb_enabled);
	ck_assert_int_eq(s->cfg.tlb.policy, IREF_TLB_RANDOM);
	ck_assert_uint_eq(s->cfg.tlb.seed, 7);
	ck_assert_uint_eq(s->cfg.tlb.n_arrays, 2);
	ck_assert_uint_eq(s->cfg.tlb.array[0].sizes, 0x5000);
	ck_assert_uint_eq(s->cfg.tlb.array[0].ways, 8);
	ck_assert_uint_eq(s->cfg.tlb.array[1].ways, 4);
	ck_assert_uint_eq(s->cfg.tlb.array[1].sizes, 0x40200000);
	scenario_free(s);
	/* One-array form: fully associative 4 KiB by default. */
	s = iref_test_parse("iommu: {tlb: {entries: 32}}\nsteps: []\n", &diag);
	ck_assert_msg(s, "%s", diag.msg);
	ck_assert_uint_eq(s->cfg.tlb.n_arrays, 1);
	ck_assert_uint_eq(s->cfg.tlb.array[0].ways, 32);
	ck_assert_uint_eq(s->cfg.tlb.array[0].sizes, 0x1000);
	ck_assert_int_eq(s->cfg.tlb.policy, IREF_TLB_LRU);
	scenario_free(s);

	static const struct {
		const char *text, *msg;
	} bad[] = {
		{"iommu: {tlb: {ways: 2}}\nsteps: []\n", "missing key 'entries'"},
		{"iommu: {tlb: {entries: 8, policy: mru}}\nsteps: []\n",
		 "unknown policy 'mru' (expected one of: lru, plru, fifo, random)"},
		{"iommu: {tlb: {entries: 8, sizes: [3k]}}\nsteps: []\n",
		 "not a power of two"},
		{"iommu: {tlb: {entries: 8, arrays: [{entries: 8, sizes: [4k]}]}}"
		 "\nsteps: []\n",
		 "'entries' and 'arrays' are exclusive"},
		{"iommu: {tlb: {arrays: [{entries: 8}]}}\nsteps: []\n",
		 "missing key 'sizes'"},
		{"steps: [{tlb_stats: }]\n", "the device has no TLB"},
		{"steps:\n  - dma: {endpoint: 1, addr: 0, size: 1, access: read}\n"
		 "    expect: {tlb: hit}\n",
		 "the device has no TLB"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		s = iref_test_parse(bad[i].text, &diag);
		ck_assert_msg(!s, "case %zu loaded", i);
		ck_assert_msg(strstr(diag.msg, bad[i].msg), "case %zu: %s", i,
			      diag.msg);
	}
	/* The library checks the geometry when it creates the device. */
	s = iref_test_parse("iommu: {tlb: {entries: 12, ways: 4}}\nsteps: []\n", &diag);
	ck_assert_msg(s, "%s", diag.msg);
	struct scenario_dev d;
	ck_assert(!scenario_setup(s, &d, &diag));
	ck_assert_msg(strstr(diag.msg, "device configuration refused: tlb: "),
		      "%s", diag.msg);
	scenario_free(s);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("dma_tlb");
	TCase *tc = conf_tcase(s, "device");
	tcase_add_test(tc, test_hit_after_miss);
	tcase_add_test(tc, test_fill_size);
	tcase_add_test(tc, test_hit_size_mmio);
	tcase_add_test(tc, test_crossing);
	tcase_add_test(tc, test_differential);
	tcase_add_test(tc, test_unmap_exact);
	tcase_add_test(tc, test_domain_reuse);
	tcase_add_test(tc, test_reset);
	tcase_add_test(tc, test_utlb_levels);
	tcase_add_test(tc, test_utlb_invalidation);
	tcase_add_test(tc, test_utlb_config);
	tcase_add_test(tc, test_small_granule);
	tcase_add_test(tc, test_permission_fault);
	tcase_add_test(tc, test_not_cached_paths);
	tcase_add_test(tc, test_config);
	tc = conf_tcase(s, "scenario");
	tcase_add_test(tc, test_scenario_lines);
	tcase_add_test(tc, test_scenario_config);
	return s;
}

int main(void)
{
	return iref_test_run(suite());
}
