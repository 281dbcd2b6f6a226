/* Walks per second per table format, no TLB: SPAN bytes (default 1 GiB)
 * mapped with 4 KiB pages by the builder, random addresses. Nested: the
 * same stage-1 layout over a 4 KiB stage 2. A small span keeps the tables
 * in cache and shows the walkers' own cost; 1 GiB (2 MiB of leaf tables)
 * adds about one cache miss per walk. Each pattern runs twice: without
 * caches, and "+wc" with a walk cache (64 entries, 4 ways, spans 2 MiB to
 * 256 TiB, both stages) and, nested, a 16-entry stage-2 table cache
 * (docs/tlb.md); both start empty.
 * Usage: bench_walk [walks_per_format [span_bytes]] */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "iommu-ref/tlb.h"
#include "iommu-ref/walk.h"
#include "bench.h"

#define DATA_GPA (UINT64_C(1) << 32)   /* stage-1 output */
#define HOST_OFF (UINT64_C(1) << 36)   /* stage-2 output offset */
#define S1_POOL UINT64_C(0x10000000)   /* stage-1 tables (identity in s2) */
#define S2_POOL UINT64_C(0x20000000)   /* stage-2 tables */
#define POOL_SIZE UINT64_C(0x4000000)

static int build(struct iref_walk_cfg *cfg, const char *name,
		 struct iref_mem mem, uint64_t pool_at,
		 const struct iref_build_map *maps, size_t n)
{
	struct iref_diag diag = {0};
	struct iref_pool pool = {pool_at, pool_at + POOL_SIZE};
	if (iref_walk_cfg_init(cfg, name, &diag) != IREF_OK ||
	    iref_build(cfg, mem, &pool, maps, n, &diag) != IREF_OK) {
		printf("  %-14s skipped: %s\n", name, diag.msg);
		return -1;
	}
	return 0;
}

/* The caches of the "+wc" runs, fresh for each. */
static struct iref_walk_caches *caches_create(void)
{
	static struct iref_walk_caches c;
	struct iref_tlb_cfg wc = {.policy = IREF_TLB_LRU, .n_arrays = 1};
	wc.array[0] = (struct iref_tlb_array_cfg){
		.entries = 64, .ways = 4,
		.sizes = UINT64_C(1) << 21 | UINT64_C(1) << 30 |
			 UINT64_C(1) << 39 | UINT64_C(1) << 48,
		.stages = IREF_WC_S1 | IREF_WC_S2,
	};
	struct iref_tlb_cfg tc = {.policy = IREF_TLB_LRU, .n_arrays = 1};
	tc.array[0] = (struct iref_tlb_array_cfg){
		.entries = 16, .ways = 16,
		.sizes = UINT64_C(1) << 12 | UINT64_C(1) << 21 |
			 UINT64_C(1) << 30,
	};
	c = (struct iref_walk_caches){.tag = {1, 1}};
	if (iref_wcache_create(&wc, &c.wc, NULL) != IREF_OK ||
	    iref_tlb_create(&tc, &c.s2tlb, NULL) != IREF_OK) {
		fprintf(stderr, "bench_walk: cannot create the caches\n");
		exit(1);
	}
	return &c;
}

static void caches_destroy(struct iref_walk_caches *c)
{
	iref_wcache_destroy(c->wc);
	iref_tlb_destroy(c->s2tlb);
}

/* Time `walks` random reads; s2 may be NULL; c NULL: the uncached API. */
static void run(const char *label, const struct iref_walk_cfg *s1,
		const struct iref_walk_cfg *s2, struct iref_mem mem,
		const struct iref_walk_caches *c, uint64_t walks,
		uint64_t span)
{
	static struct iref_walk_result res;
	struct iref_walk_req req = {.access = IREF_ACC_READ};
	uint64_t seed = 7, ok = 0, acc = 0;
	double t0 = bench_now();
	for (uint64_t i = 0; i < walks; i++) {
		req.addr = bench_rand(&seed) % span & ~UINT64_C(7);
		if (s2 && c)
			iref_walk_nested_cached(s1, s2, mem, c, &req, &res);
		else if (s2)
			iref_walk_nested(s1, s2, mem, &req, &res);
		else if (c)
			iref_walk_cached(s1, mem, c, &req, &res);
		else
			iref_walk(s1, mem, &req, &res);
		ok += res.ok;
		acc += res.n_acc;
	}
	double t = bench_now() - t0;
	char name[80];
	snprintf(name, sizeof name, "%s%s", label, c ? " +wc" : "");
	printf("  %-34s %8.2f M walks/s  (%llu/%llu ok, %.2f accesses)\n",
	       name, walks / t / 1e6, (unsigned long long)ok,
	       (unsigned long long)walks, (double)acc / (double)walks);
}

/* The pattern uncached, then with fresh caches. */
static void run_both(const char *label, const struct iref_walk_cfg *s1,
		     const struct iref_walk_cfg *s2, struct iref_mem mem,
		     uint64_t walks, uint64_t span)
{
	run(label, s1, s2, mem, NULL, walks, span);
	struct iref_walk_caches *c = caches_create();
	run(label, s1, s2, mem, c, walks, span);
	caches_destroy(c);
}

int main(int argc, char **argv)
{
	uint64_t walks = argc > 1 ? strtoull(argv[1], NULL, 0) : 5000000;
	uint64_t span = argc > 2 ? strtoull(argv[2], NULL, 0) : UINT64_C(1) << 30;
	if (!span || span % 4096 || span > UINT64_C(1) << 32) {
		fprintf(stderr, "bench_walk: span must be a multiple of 4096, "
				"at most 4 GiB\n");
		return 1;
	}
	static const char *const single[] = {
		"riscv-sv39", "riscv-sv48", "riscv-sv39x4", "arm-s1",
		"arm-s2", "intel-fs", "intel-ss", "amd-v1", "amd-v2",
	};
	printf("bench_walk: %llu MiB of 4 KiB pages, random reads, no TLB; "
	       "+wc: walk caches\n",
	       (unsigned long long)(span >> 20));
	for (size_t i = 0; i < sizeof single / sizeof single[0]; i++) {
		struct iref_sparse_mem *sm = iref_sparse_mem_create(NULL);
		struct iref_mem mem = iref_sparse_mem_as_mem(sm);
		struct iref_build_map m = {
			.va = 0, .pa = DATA_GPA, .size = span,
			.perm = IREF_PERM_R | IREF_PERM_W,
			.flags = IREF_BUILD_USER | IREF_BUILD_NO_BLOCKS,
		};
		struct iref_walk_cfg cfg;
		if (build(&cfg, single[i], mem, S1_POOL, &m, 1) == 0)
			run_both(single[i], &cfg, NULL, mem, walks, span);
		iref_sparse_mem_destroy(sm);
	}

	static const char *const nested[][2] = {
		{"riscv-sv39", "riscv-sv39x4"},
		{"arm-s1", "arm-s2"},
		{"intel-fs", "intel-ss"},
		{"amd-v2", "amd-v1"},
	};
	for (size_t i = 0; i < sizeof nested / sizeof nested[0]; i++) {
		struct iref_sparse_mem *sm = iref_sparse_mem_create(NULL);
		struct iref_mem mem = iref_sparse_mem_as_mem(sm);
		unsigned fl = IREF_BUILD_USER | IREF_BUILD_NO_BLOCKS;
		unsigned rw = IREF_PERM_R | IREF_PERM_W;
		struct iref_build_map s1m = {0, DATA_GPA, span, rw, fl, 0};
		struct iref_build_map s2m[] = {
			{S1_POOL, S1_POOL, POOL_SIZE, rw, fl, 0},
			{DATA_GPA, DATA_GPA + HOST_OFF, span, rw, fl, 0},
		};
		struct iref_walk_cfg c1, c2;
		char label[64];
		snprintf(label, sizeof label, "%s over %s", nested[i][0],
			 nested[i][1]);
		if (build(&c2, nested[i][1], mem, S2_POOL, s2m, 2) == 0 &&
		    build(&c1, nested[i][0], mem, S1_POOL, &s1m, 1) == 0)
			run_both(label, &c1, &c2, mem, walks / 4, span);
		iref_sparse_mem_destroy(sm);
	}
	return 0;
}
