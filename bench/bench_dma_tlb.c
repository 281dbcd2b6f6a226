/* iref_dma with an IOTLB in front of the mapping tree: throughput on a
 * hit-dominated pattern (with and without the TLB), and hit rates of two
 * geometries on a streaming and a random pattern.
 * Usage: bench_dma_tlb [accesses]   (default 20000000) */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "iommu-ref/dma.h"
#include "iommu-ref/iommu.h"
#include "iommu-ref/request.h"
#include "bench.h"

#define PAGES 16384 /* 4 KiB mappings: 64 MiB */

static int send(struct iref_iommu *d, const uint8_t *rd, size_t rlen)
{
	uint8_t tail[4];
	return iref_request(d, rd, rlen, tail, sizeof tail) ? tail[0] : -1;
}

struct geom {
	const char *name;
	uint32_t entries, ways; /* entries 0: no TLB */
};

/* A device with one domain of PAGES separate 4 KiB mappings. */
static struct iref_iommu *setup(const struct geom *g)
{
	struct iref_config cfg;
	iref_config_default(&cfg);
	cfg.bypass = 0;
	if (g->entries) {
		cfg.tlb_enabled = true;
		cfg.tlb.n_arrays = 1;
		cfg.tlb.array[0] = (struct iref_tlb_array_cfg){
			.entries = g->entries, .ways = g->ways,
			.sizes = 0x40201000,
		};
	}
	struct iref_iommu *d;
	struct iref_endpoint_config ep = {.id = 1};
	if (iref_iommu_create(&cfg, &d, NULL) != IREF_OK ||
	    iref_iommu_add_endpoint(d, &ep, NULL) != IREF_OK ||
	    iref_iommu_negotiate(d, iref_iommu_offered(d)) != IREF_OK)
		return NULL;
	uint8_t rq[64];
	send(d, rq, iref_enc_attach(rq, 1, 1, 0));
	for (uint64_t i = 0; i < PAGES; i++) {
		uint64_t va = i * 0x1000;
		if (send(d, rq, iref_enc_map(rq, 1, va, va + 0xfff,
					      0x100000000 + va, 3)) != 0)
			return NULL;
	}
	return d;
}

enum pattern { HOT, STREAM, RANDOM };

/* M accesses per second; *hit_rate from the TLB's counters. */
static double run(struct iref_iommu *d, enum pattern p, uint64_t n,
		  double *hit_rate)
{
	struct iref_dma_req req = {.endpoint = 1, .size = 8,
				   .access = IREF_ACC_READ};
	struct iref_dma_result res;
	struct iref_tlb_stats s0 = {0}, s1 = {0};
	iref_iommu_tlb_stats(d, &s0);
	uint64_t s = 42, ok = 0;
	double t0 = bench_now();
	for (uint64_t i = 0; i < n; i++) {
		switch (p) {
		case HOT: /* 16 resident pages */
			req.iova = (bench_rand(&s) & 0xf) * 0x1000 + (i & 0xff8);
			break;
		case STREAM: /* 64 B steps through all the pages */
			req.iova = (i * 64) % (PAGES * UINT64_C(0x1000));
			break;
		case RANDOM:
			req.iova = (bench_rand(&s) % PAGES) * 0x1000 + (i & 0xff8);
			break;
		}
		iref_dma(d, &req, &res);
		ok += res.outcome == IREF_DMA_OK;
	}
	double t = bench_now() - t0;
	if (ok != n)
		fprintf(stderr, "bench_dma_tlb: %llu of %llu failed\n",
			(unsigned long long)(n - ok), (unsigned long long)n);
	*hit_rate = 0;
	if (iref_iommu_tlb_stats(d, &s1) && s1.lookups > s0.lookups)
		*hit_rate = (double)(s1.hits - s0.hits) /
			    (double)(s1.lookups - s0.lookups);
	return n / t / 1e6;
}

int main(int argc, char **argv)
{
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 0) : 20000000;
	static const struct geom geoms[] = {
		{"no TLB", 0, 0},
		{"64 fully associative", 64, 64},
		{"1024 x 8-way", 1024, 8},
	};
	printf("bench_dma_tlb: %u live 4 KiB mappings, %llu accesses each, "
	       "8-byte reads\n",
	       PAGES, (unsigned long long)n);
	printf("  %-22s %10s %10s %10s %8s %8s\n", "geometry", "hot M/s",
	       "stream M/s", "random M/s", "stream%", "random%");
	for (size_t g = 0; g < sizeof geoms / sizeof geoms[0]; g++) {
		struct iref_iommu *d = setup(&geoms[g]);
		if (!d) {
			fprintf(stderr, "bench_dma_tlb: setup failed\n");
			return 1;
		}
		double hot_rate, st_rate, rnd_rate;
		double hot = run(d, HOT, n, &hot_rate);
		double st = run(d, STREAM, n, &st_rate);
		double rnd = run(d, RANDOM, n, &rnd_rate);
		printf("  %-22s %10.2f %10.2f %10.2f", geoms[g].name, hot, st,
		       rnd);
		if (geoms[g].entries)
			printf(" %7.2f%% %7.2f%%\n", 100 * st_rate,
			       100 * rnd_rate);
		else
			printf(" %8s %8s\n", "-", "-");
		iref_iommu_destroy(d);
	}
	return 0;
}
