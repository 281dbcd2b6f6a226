/* iref_dma through an attached guest table (page-table extension): an
 * Intel first-stage table of 4 KiB pages attached for one PASID, with an
 * identity or an intel-ss host stage 2, with and without an IOTLB, on a
 * hit-dominated (hot), a streaming and a random pattern.
 * Usage: bench_dma_table [accesses]   (default 5000000) */
#include <stdio.h>
#include <stdlib.h>

#include "iommu-ref/context.h"
#include "iommu-ref/dma.h"
#include "iommu-ref/ext_wire.h"
#include "iommu-ref/iommu.h"
#include "iommu-ref/request.h"
#include "bench.h"

#define PAGES 16384 /* 64 MiB of 4 KiB pages */
#define POOL UINT64_C(0x10000000)
#define S2_POOL UINT64_C(0x40000000)
#define OUT UINT64_C(0x100000000)

struct setup {
	const char *name;
	bool tlb, stage2, wc;
};

static struct iref_iommu *make(const struct setup *s, struct iref_mem mem)
{
	struct iref_config cfg;
	iref_config_default(&cfg);
	cfg.features |= IREF_FEAT(IREF_F_ATTACH_TABLE);
	iref_hw_caps_default(&cfg.hw, IREF_ARCH_INTEL);
	cfg.mem = mem;
	cfg.bypass = 0;
	if (s->tlb) {
		cfg.tlb_enabled = true;
		cfg.tlb.n_arrays = 1;
		cfg.tlb.array[0] = (struct iref_tlb_array_cfg){
			.entries = 1024, .ways = 8, .sizes = 0x40201000};
	}
	if (s->wc) {
		/* gem5's SMMUv3 walk cache holds 4 + 28 + 348 + 4 entries per
		 * stage; one 4-way array of 512 for both stages here. */
		cfg.wc_enabled = true;
		cfg.wc.n_arrays = 1;
		cfg.wc.array[0] = (struct iref_tlb_array_cfg){
			.entries = 512, .ways = 4,
			.sizes = ~UINT64_C(0) << 21 & ~(~UINT64_C(0) << 49),
			.stages = IREF_WC_S1 | IREF_WC_S2};
		cfg.s2tlb_enabled = s->stage2;
		cfg.s2tlb.n_arrays = 1;
		cfg.s2tlb.array[0] = (struct iref_tlb_array_cfg){
			.entries = 128, .ways = 4, .sizes = 0x40201000};
	}
	struct iref_walk_cfg fs;
	if (iref_walk_cfg_init(&fs, "intel-fs", NULL) != IREF_OK)
		return NULL;
	struct iref_build_map m = {0, OUT, (uint64_t)PAGES << 12,
				   IREF_PERM_R | IREF_PERM_W,
				   IREF_BUILD_NO_BLOCKS | IREF_BUILD_USER, 0};
	struct iref_pool p = {POOL, POOL + 0x1000000};
	if (iref_build(&fs, mem, &p, &m, 1, NULL) != IREF_OK)
		return NULL;
	if (s->stage2) {
		/* Identity-valued host tables over the guest's RAM, in 2 MiB
		 * blocks, so only the walk's length changes. */
		if (iref_walk_cfg_init(&cfg.stage2, "intel-ss", NULL) !=
		    IREF_OK)
			return NULL;
		struct iref_build_map s2[] = {
			{POOL, POOL, 0x1000000, IREF_PERM_R | IREF_PERM_W, 0,
			 0},
			{OUT, OUT, (uint64_t)PAGES << 12,
			 IREF_PERM_R | IREF_PERM_W, 0, 0},
		};
		struct iref_pool sp = {S2_POOL, S2_POOL + 0x1000000};
		if (iref_build(&cfg.stage2, mem, &sp, s2, 2, NULL) != IREF_OK)
			return NULL;
	}
	struct iref_iommu *d;
	struct iref_endpoint_config ep = {.id = 1};
	if (iref_iommu_create(&cfg, &d, NULL) != IREF_OK ||
	    iref_iommu_add_endpoint(d, &ep, NULL) != IREF_OK ||
	    iref_iommu_negotiate(d, iref_iommu_offered(d)) != IREF_OK)
		return NULL;
	struct iref_attach_table at = {
		.domain = 1, .endpoint = 1, .format = IREF_TF_INTEL_PT,
		.u.intel = {.pasid = 1, .attach_flags = IREF_ATTACH_TABLE_F_PASID,
			    .pgtbl_addr = fs.root, .addr_width = 48},
	};
	uint8_t rq[IREF_ATTACH_TABLE_RSIZE], tail[4];
	if (iref_request(d, rq, iref_enc_attach_table(rq, &at), tail, 4) !=
		    4 ||
	    tail[0] != IREF_S_OK)
		return NULL;
	return d;
}

enum pattern { HOT, STREAM, RANDOM };
static const char *const pattern_names[] = {"hot", "stream", "random"};

static uint64_t page_of(enum pattern p, uint64_t i, uint64_t *seed)
{
	switch (p) {
	case HOT: return i & 255; /* 256 pages: fit any TLB here */
	case STREAM: return (i >> 6) % PAGES; /* 64 lines per page */
	case RANDOM: return bench_rand(seed) % PAGES;
	}
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 0) : 5000000;
	static const struct setup setups[] = {
		{"no TLB, identity stage 2", false, false, false},
		{"no TLB, intel-ss stage 2", false, true, false},
		{"TLB 1024x8, identity stage 2", true, false, false},
		{"TLB 1024x8, intel-ss stage 2", true, true, false},
		{"TLB + walk caches, identity", true, false, true},
		{"TLB + walk caches, intel-ss", true, true, true},
	};
	printf("bench_dma_table: %llu accesses per run, %d pages (4 KiB)\n",
	       (unsigned long long)n, PAGES);
	for (size_t s = 0; s < sizeof setups / sizeof setups[0]; s++) {
		struct iref_sparse_mem *sm = iref_sparse_mem_create(NULL);
		struct iref_iommu *d = make(&setups[s],
					    iref_sparse_mem_as_mem(sm));
		if (!d) {
			fprintf(stderr, "setup '%s' failed\n", setups[s].name);
			return 1;
		}
		for (enum pattern p = HOT; p <= RANDOM; p++) {
			uint64_t seed = 42, faults = 0;
			struct iref_tlb_stats before = {0}, after = {0};
			iref_iommu_tlb_stats(d, &before);
			double t0 = bench_now();
			for (uint64_t i = 0; i < n; i++) {
				struct iref_dma_req rq = {
					.endpoint = 1, .has_pasid = true,
					.pasid = 1,
					.iova = page_of(p, i, &seed) << 12 |
						(i & 63) << 6,
					.size = 8, .access = IREF_ACC_READ,
				};
				struct iref_dma_result r;
				iref_dma(d, &rq, &r);
				faults += r.outcome != IREF_DMA_OK;
			}
			double dt = bench_now() - t0;
			iref_iommu_tlb_stats(d, &after);
			uint64_t looks = after.lookups - before.lookups;
			printf("  %-30s %-7s %7.2f M/s", setups[s].name,
			       pattern_names[p], (double)n / dt / 1e6);
			if (looks)
				printf("  hit rate %5.1f%%",
				       100.0 * (double)(after.hits -
							before.hits) /
					       (double)looks);
			printf("%s\n", faults ? "  (FAULTS!)" : "");
		}
		iref_iommu_destroy(d);
		iref_sparse_mem_destroy(sm);
	}
	return 0;
}
