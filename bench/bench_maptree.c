/*
 * Mapping store benchmark: MAP+UNMAP churn, random and sequential lookups
 * and memory, with N live 4 KiB mappings (default 1,000,000) placed either
 * at random pages of a 48-bit space or packed back to back.
 *
 * Usage: bench_maptree [N]
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "iommu-ref/maptree.h"
#include "bench.h"

#define PAGE		4096u
#define SPACE_BITS	48
#define DENSE_BASE	(1ull << 32)
#define PAIRS		(2u << 20)
#define LOOKUPS		(8u << 20)

enum layout { RANDOM, DENSE };

struct bench {
	enum layout layout;
	struct iref_maptree *t;
	uint64_t *live;	/* the start of each live mapping */
	size_t n;
	uint64_t hole;	/* DENSE: the free page the next map takes */
	size_t errors;
};

static uint64_t rng_state = 1;

static void *xmalloc(size_t size)
{
	void *p = malloc(size);

	if (!p) {
		fprintf(stderr, "bench_maptree: out of memory\n");
		exit(EXIT_FAILURE);
	}
	return p;
}

/* Map one page at a fresh address and return it. */
static uint64_t map_one(struct bench *b)
{
	for (;;) {
		uint64_t va = b->layout == DENSE ?
			      b->hole :
			      (bench_rand(&rng_state) >> (64 - SPACE_BITS)) & ~(uint64_t)(PAGE - 1);
		struct iref_mapping m = { va, va + PAGE - 1, va ^ 0x5000, 3 };
		enum iref_rc rc = iref_maptree_insert(b->t, &m);

		if (rc == IREF_OK)
			return va;
		/* A random page may be taken already; anything else is a bug. */
		if (rc != IREF_E_EXIST || b->layout == DENSE) {
			b->errors++;
			return va;
		}
	}
}

static void unmap_one(struct bench *b, uint64_t va)
{
	size_t removed;

	if (iref_maptree_unmap(b->t, va, va + PAGE - 1, &removed) != IREF_OK ||
	    removed != 1)
		b->errors++;
}

static void fill(struct bench *b)
{
	double t0 = bench_now();

	for (size_t i = 0; i < b->n; i++) {
		b->live[i] = map_one(b);
		b->hole += PAGE;	/* DENSE packs them back to back */
	}
	double dt = bench_now() - t0;

	printf("  fill:                %8.2f M maps/s\n", b->n / dt * 1e-6);
	printf("  memory after fill:   %8.1f bytes/mapping\n",
	       (double)iref_maptree_bytes(b->t) / iref_maptree_count(b->t));
}

/* Map a page, then unmap the oldest one: the count stays at n. live[] is
 * in random address order, so the victims are spread over the whole tree
 * while live[] itself is walked in order (its cache misses would otherwise
 * be timed too). */
static void churn(struct bench *b)
{
	for (size_t i = b->n; i > 1; i--) {
		size_t j = bench_rand(&rng_state) % i;
		uint64_t va = b->live[i - 1];

		b->live[i - 1] = b->live[j];
		b->live[j] = va;
	}
	double t0 = bench_now();

	for (size_t i = 0; i < PAIRS; i++) {
		uint64_t va = map_one(b);
		uint64_t *oldest = &b->live[i % b->n];

		unmap_one(b, *oldest);
		b->hole = *oldest;
		*oldest = va;
	}
	double dt = bench_now() - t0;

	printf("  MAP+UNMAP:           %8.2f M pairs/s (%.0f ns/pair)\n",
	       PAIRS / dt * 1e-6, dt / PAIRS * 1e9);
	printf("  memory after churn:  %8.1f bytes/mapping\n",
	       (double)iref_maptree_bytes(b->t) / iref_maptree_count(b->t));
}

/* Look up every address of addr, rounds times over. */
static void lookups(struct bench *b, const char *what, const uint64_t *addr,
		    size_t naddr)
{
	size_t rounds = (LOOKUPS + naddr - 1) / naddr, hits = 0;
	struct iref_mapping m;
	double t0 = bench_now();

	for (size_t r = 0; r < rounds; r++)
		for (size_t i = 0; i < naddr; i++)
			hits += iref_maptree_lookup(b->t, addr[i], &m);
	double dt = bench_now() - t0;

	if (hits != rounds * naddr)
		b->errors++;
	printf("  %-20s %8.2f M lookups/s (%.1f ns/lookup)\n", what,
	       rounds * naddr / dt * 1e-6, dt / (rounds * naddr) * 1e9);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static void run(enum layout layout, size_t n)
{
	struct bench b = {
		.layout = layout,
		.t = iref_maptree_create(),
		.live = xmalloc(n * sizeof(uint64_t)),
		.n = n,
		.hole = DENSE_BASE,
	};
	/* Addresses are computed up front so only lookups are timed. */
	size_t nrand = n < LOOKUPS / 2 ? n : LOOKUPS / 2;
	uint64_t *addr = xmalloc(n * sizeof(uint64_t));

	if (!b.t) {
		fprintf(stderr, "bench_maptree: out of memory\n");
		exit(EXIT_FAILURE);
	}
	printf("%s layout, %zu live 4 KiB mappings:\n",
	       layout == DENSE ? "dense" : "random 48-bit", n);
	fill(&b);
	churn(&b);

	for (size_t i = 0; i < nrand; i++)
		addr[i] = b.live[bench_rand(&rng_state) % n] + bench_rand(&rng_state) % PAGE;
	lookups(&b, "random lookups:", addr, nrand);

	for (size_t i = 0; i < n; i++)
		addr[i] = b.live[i];
	qsort(addr, n, sizeof(*addr), cmp_u64);
	for (size_t i = 0; i < n; i++)
		addr[i] += i % PAGE;
	lookups(&b, "sequential lookups:", addr, n);

	if (b.errors)
		printf("  (%zu unexpected results)\n", b.errors);
	free(addr);
	free(b.live);
	iref_maptree_destroy(b.t);
}

int main(int argc, char **argv)
{
	size_t n = 1000000;

	if (argc > 1) {
		char *end;
		unsigned long long v = strtoull(argv[1], &end, 0);

		if (*end || !v) {
			fprintf(stderr, "usage: %s [mappings]\n", argv[0]);
			return EXIT_FAILURE;
		}
		n = v;
	}
	run(RANDOM, n);
	run(DENSE, n);
	return EXIT_SUCCESS;
}
