/*
 * TLB benchmark, statistics on (they always are):
 *  - hit-dominated: lookups of random addresses in pages that are all
 *    resident;
 *  - miss-dominated: lookup, and insert on a miss, of random 4 KiB pages
 *    over 4 GiB (almost every lookup misses and evicts);
 *  - hit rates on a streaming and two random DMA patterns.
 * Geometries hold 4 KiB, 2 MiB and 1 GiB pages; lookups probe 4 KiB first.
 *
 * Usage: bench_tlb [millions of lookups per run, default 20]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "iommu-ref/access.h"
#include "iommu-ref/tlb.h"
#include "bench.h"

#define PAGE		4096u
#define SIZES		((1ull << 12) | (1ull << 21) | (1ull << 30))
#define ADDRS		(1u << 16) /* precomputed addresses, cycled */
#define MISS_PAGES	(1u << 20)

struct geom {
	const char *name;
	unsigned n_arrays;
	struct iref_tlb_array_cfg array[3];
};

static const struct geom geoms[] = {
	{ "64 fully assoc.", 1, { { 64, 64, SIZES, 0 } } },
	{ "1024 x 8-way", 1, { { 1024, 8, SIZES, 0 } } },
	{ "4096 x 4-way", 1, { { 4096, 4, SIZES, 0 } } },
	{ "per size 1024x8+64x4+16", 3,
	  { { 1024, 8, 1ull << 12, 0 }, { 64, 4, 1ull << 21, 0 },
	    { 16, 16, 1ull << 30, 0 } } },
};

static const struct iref_tlb_tag tag = { .domain = 1, .asid = 7 };
static uint64_t rng_state = 1;
static uint64_t *addrs;

static struct iref_tlb *make(const struct geom *g, enum iref_tlb_policy p)
{
	struct iref_tlb_cfg cfg = { .policy = p, .seed = 42,
				    .n_arrays = g->n_arrays };
	struct iref_tlb *tlb;
	struct iref_diag diag;

	for (unsigned i = 0; i < g->n_arrays; i++)
		cfg.array[i] = g->array[i];
	if (iref_tlb_create(&cfg, &tlb, &diag) != IREF_OK) {
		fprintf(stderr, "bench_tlb: %s: %s\n", g->name, diag.msg);
		exit(EXIT_FAILURE);
	}
	return tlb;
}

static void insert(struct iref_tlb *tlb, uint64_t addr)
{
	struct iref_tlb_xlate x = {
		.pa = addr + (1ull << 40),
		.page_size = PAGE,
		.perm = IREF_PERM_R | IREF_PERM_W,
		.level = 3,
	};

	if (iref_tlb_insert(tlb, tag, addr, &x) != IREF_OK) {
		fprintf(stderr, "bench_tlb: insert failed\n");
		exit(EXIT_FAILURE);
	}
}

/* Lookups per second, best of three runs, with the first `pages` 4 KiB
 * pages resident and lookups at random among the first `hot` of them; the
 * hit rate goes to *rate. */
static double run_hits(struct iref_tlb *tlb, unsigned pages, unsigned hot,
		       uint64_t n, double *rate)
{
	struct iref_tlb_xlate x;
	struct iref_tlb_stats st;
	uint64_t sum = 0;
	double best = 1e30;

	for (unsigned i = 0; i < pages; i++)
		insert(tlb, (uint64_t)i * PAGE);
	for (unsigned i = 0; i < ADDRS; i++)
		addrs[i] = bench_rand(&rng_state) % hot * PAGE + bench_rand(&rng_state) % PAGE;
	iref_tlb_reset_stats(tlb);
	for (int r = 0; r < 3; r++) {
		double t0 = bench_now();

		for (uint64_t i = 0; i < n; i++)
			if (iref_tlb_lookup(tlb, tag, addrs[i & (ADDRS - 1)],
					    IREF_ACC_READ, &x))
				sum += x.pa;
		double t = bench_now() - t0;

		best = t < best ? t : best;
	}
	iref_tlb_get_stats(tlb, &st);
	*rate = (double)st.hits / st.lookups;
	return sum == 1 ? 0 : n / best; /* sum keeps the loop */
}

/* Lookup + insert-on-miss operations per second. */
static double run_misses(struct iref_tlb *tlb, uint64_t n, double *rate)
{
	struct iref_tlb_xlate x;
	struct iref_tlb_stats st;

	for (unsigned i = 0; i < ADDRS; i++)
		addrs[i] = bench_rand(&rng_state) % MISS_PAGES * PAGE;
	double t0 = bench_now();
	for (uint64_t i = 0; i < n; i++) {
		uint64_t a = addrs[i & (ADDRS - 1)] ^ (i >> 16 << 12);

		if (!iref_tlb_lookup(tlb, tag, a, IREF_ACC_READ, &x))
			insert(tlb, a);
	}
	double t = bench_now() - t0;
	iref_tlb_get_stats(tlb, &st);
	*rate = (double)st.hits / st.lookups;
	return n / t;
}

/* Hit rate of a DMA pattern: 64-byte accesses streaming over a 64 MiB
 * buffer, or at random places in a working set of `pages` pages. */
static double pattern(const struct geom *g, unsigned pages, bool stream,
		      uint64_t n)
{
	struct iref_tlb *tlb = make(g, IREF_TLB_LRU);
	struct iref_tlb_xlate x;
	struct iref_tlb_stats st;

	for (uint64_t i = 0; i < n; i++) {
		uint64_t a = stream ? i * 64 % (64ull << 20)
				    : bench_rand(&rng_state) % pages * PAGE + bench_rand(&rng_state) % 64 * 64;

		if (!iref_tlb_lookup(tlb, tag, a, IREF_ACC_READ, &x))
			insert(tlb, a & ~(uint64_t)(PAGE - 1));
	}
	iref_tlb_get_stats(tlb, &st);
	iref_tlb_destroy(tlb);
	return 100.0 * st.hits / st.lookups;
}

int main(int argc, char **argv)
{
	uint64_t n = (argc > 1 ? strtoull(argv[1], NULL, 10) : 20) * 1000000;
	size_t ng = sizeof(geoms) / sizeof(geoms[0]);

	addrs = malloc(ADDRS * sizeof(*addrs));
	if (!addrs || n == 0) {
		fprintf(stderr, "usage: bench_tlb [millions of lookups]\n");
		return EXIT_FAILURE;
	}
	printf("%-26s %-7s %9s %9s %6s %9s %6s\n", "geometry", "policy",
	       "hot M/s", "hit M/s", "hit%", "miss M/s", "hit%");
	for (size_t gi = 0; gi < ng; gi++) {
		for (int p = 0; p < IREF_TLB_POLICY_COUNT; p++) {
			unsigned pages = geoms[gi].array[0].entries;
			struct iref_tlb *tlb = make(&geoms[gi], p);
			double hr, mr;
			double hot = run_hits(tlb, pages, 16, n, &hr);
			double h = run_hits(tlb, pages, pages, n, &hr);

			iref_tlb_destroy(tlb);
			tlb = make(&geoms[gi], p);
			double m = run_misses(tlb, n / 4, &mr);
			iref_tlb_destroy(tlb);
			printf("%-26s %-7s %9.1f %9.1f %6.1f %9.1f %6.1f\n",
			       geoms[gi].name, iref_tlb_policy_name(p),
			       hot / 1e6, h / 1e6, 100 * hr, m / 1e6, 100 * mr);
		}
	}
	printf("\nhit rate %% (LRU, 4 KiB pages)  %10s %10s %10s\n",
	       "stream", "rand 512p", "rand 16Kp");
	for (size_t gi = 0; gi < ng; gi++)
		printf("%-30s %10.2f %10.2f %10.2f\n", geoms[gi].name,
		       pattern(&geoms[gi], 0, true, n / 4),
		       pattern(&geoms[gi], 512, false, n / 4),
		       pattern(&geoms[gi], 16384, false, n / 4));
	free(addrs);
	return EXIT_SUCCESS;
}
