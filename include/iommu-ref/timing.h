/* The cycle-approximate timing model (docs/timing.md): its parameters and
 * pure functions that price what a DMA access or a request did. The device
 * counts what happened (struct iref_dma_work, a request's type and status)
 * and prices it afterwards, so timing never changes a translation. The
 * same counts and parameters give the same cycles, always. */
#ifndef IREF_TIMING_H
#define IREF_TIMING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Parameters, in device clock cycles. iref_timing_default() gives the
 * defaults named below; docs/timing.md says where each comes from. */
struct iref_timing_cfg {
	/* Every DMA access, whatever its outcome: the trip from the device
	 * interface to the translation unit and back, and the endpoint's
	 * context lookup. Default 19. */
	uint32_t dma_base;
	/* One main-TLB lookup, hit or miss. Default 3 (gem5 tlb_lat). */
	uint32_t tlb_lookup;
	/* One micro-TLB lookup, hit or miss. Default 1 (gem5 utlb_lat). */
	uint32_t utlb_lookup;
	/* One walk-cache or stage-2 table-address cache lookup of a table
	 * walk. Default 4 (gem5 walk_lat). */
	uint32_t wc_lookup;
	/* One mapping-tree lookup of a MAP/UNMAP domain (a TLB miss, or
	 * every MAP piece without a TLB). Default 100. */
	uint32_t tree_lookup;
	/* One identity piece: bypass, MSI region, reserved-region identity,
	 * unknown-endpoint pass-through. Default 0. */
	uint32_t identity;
	/* Making a fault report: the event record and its queue write,
	 * whether the queue takes it or drops it. Default 100. */
	uint32_t fault;
	/* One memory access of a table walk when mem_latency is NULL.
	 * Default 100. */
	uint32_t mem_access;
	/* Optional: the latency of one memory access, for a platform (a
	 * SystemC model) that times memory itself. It must be deterministic
	 * for the model's cycles to be. NULL: mem_access. */
	uint64_t (*mem_latency)(void *ctx, uint64_t addr, bool write);
	void *mem_ctx;
	/* Page-table walkers working in parallel, at least 1: a table walk
	 * occupies one for its memory accesses, and waits when all are busy
	 * (iref_dma_req.at orders the accesses in time). Default 16 (gem5
	 * ptw_slots). */
	uint32_t walkers;
	/* Every request: fetching its descriptors and bytes and writing
	 * the used entry. Default 300. */
	uint32_t req_base;
	/* A request executed with status OK, on top of req_base (a refused
	 * one stops at its checks and pays req_base alone). Defaults:
	 * attach 20, detach 20, map 100, unmap 100, probe 20. */
	uint32_t req_attach, req_detach, req_map, req_unmap, req_probe;
	/* The extension's requests: attach_table 20 (state only: tables
	 * are read lazily), invalidate 50 (the cache scan and the sync). */
	uint32_t req_attach_table, req_invalidate;
};

void iref_timing_default(struct iref_timing_cfg *t);

/* What one DMA access did, counted over its pieces up to the failing one
 * included. */
struct iref_dma_work {
	uint64_t tlb_lookups;  /* main TLB: hits and misses */
	uint64_t utlb_lookups; /* micro-TLB: hits and misses */
	uint64_t wc_lookups;   /* walk caches: hits and misses */
	uint64_t tree_lookups; /* mapping-tree lookups */
	uint64_t identity;     /* identity pieces */
	bool fault;            /* a fault report was made */
	/* Memory accesses of table walks and context lookups, priced with
	 * iref_timing_mem by the device. */
	uint64_t mem_cycles;
	/* Cycles spent waiting for a free page-table walker. */
	uint64_t queue_cycles;
};

/* dma_base + tlb_lookups * tlb_lookup + utlb_lookups * utlb_lookup
 * + wc_lookups * wc_lookup + tree_lookups * tree_lookup + queue_cycles
 * + identity * identity + mem_cycles (+ fault). Saturates at
 * UINT64_MAX. */
uint64_t iref_timing_dma(const struct iref_timing_cfg *t,
			 const struct iref_dma_work *w);

/* A request of wire type `type` (its first byte; 0 if it had none):
 * req_base, plus the type's cost when answered with status IREF_S_OK.
 * answered is false for a buffer returned unwritten (used length 0). */
uint64_t iref_timing_request(const struct iref_timing_cfg *t, unsigned type,
			     unsigned status, bool answered);

/* One memory access at addr: mem_latency's answer, or mem_access. What
 * walks will price their listed accesses with. */
uint64_t iref_timing_mem(const struct iref_timing_cfg *t, uint64_t addr,
			 bool write);

/* The nearest-rank percentile pct (0-100) of sorted[0..n): the value of
 * rank ceil(pct * n / 100), at least rank 1; 0 when n is 0. */
uint64_t iref_timing_percentile(const uint64_t *sorted, size_t n,
				unsigned pct);

#endif
