/* Pricing of what the device did (docs/timing.md). Pure arithmetic on the
 * parameters: no state, so the same input gives the same cycles. */
#include "iommu-ref/timing.h"

#include "iommu-ref/wire.h"

void iref_timing_default(struct iref_timing_cfg *t)
{
	/* TLB and context latencies and the walker count are gem5's SMMUv3
	 * model defaults (src/dev/arm/SMMUv3.py): tlb_lat 3, cfg_lat 3,
	 * ifc_smmu_lat + smmu_ifc_lat 8 + 8, ptw_slots 16. The memory, tree,
	 * fault and request costs have no public model: they assume a
	 * memory round trip of about 100 device cycles (docs/timing.md). */
	*t = (struct iref_timing_cfg){
		.dma_base = 8 + 8 + 3,
		.tlb_lookup = 3,
		.utlb_lookup = 1,
		.wc_lookup = 4,
		.tree_lookup = 100,
		.identity = 0,
		.fault = 100,
		.mem_access = 100,
		.walkers = 16,
		.req_base = 300,
		.req_attach = 20,
		.req_detach = 20,
		.req_map = 100,
		.req_unmap = 100,
		.req_probe = 20,
		.req_attach_table = 20,
		.req_invalidate = 50,
	};
}

/* acc + n * unit, saturating: a count times a cost may exceed 2^64 only
 * for absurd inputs, and a saturated total stays recognisable. */
static uint64_t add_mul(uint64_t acc, uint64_t n, uint64_t unit)
{
	if (unit && n > (UINT64_MAX - acc) / unit)
		return UINT64_MAX;
	return acc + n * unit;
}

uint64_t iref_timing_dma(const struct iref_timing_cfg *t,
			 const struct iref_dma_work *w)
{
	uint64_t c = t->dma_base;
	c = add_mul(c, w->tlb_lookups, t->tlb_lookup);
	c = add_mul(c, w->utlb_lookups, t->utlb_lookup);
	c = add_mul(c, w->wc_lookups, t->wc_lookup);
	c = add_mul(c, w->tree_lookups, t->tree_lookup);
	c = add_mul(c, w->identity, t->identity);
	c = add_mul(c, 1, w->mem_cycles);
	c = add_mul(c, 1, w->queue_cycles);
	return add_mul(c, w->fault, t->fault);
}

uint64_t iref_timing_request(const struct iref_timing_cfg *t, unsigned type,
			     unsigned status, bool answered)
{
	uint64_t c = t->req_base;
	if (!answered || status != IREF_S_OK)
		return c;
	switch (type) {
	case IREF_T_ATTACH:
		return c + t->req_attach;
	case IREF_T_DETACH:
		return c + t->req_detach;
	case IREF_T_MAP:
		return c + t->req_map;
	case IREF_T_UNMAP:
		return c + t->req_unmap;
	case IREF_T_PROBE:
		return c + t->req_probe;
	case IREF_T_ATTACH_TABLE:
		return c + t->req_attach_table;
	case IREF_T_INVALIDATE:
		return c + t->req_invalidate;
	}
	return c;
}

uint64_t iref_timing_mem(const struct iref_timing_cfg *t, uint64_t addr,
			 bool write)
{
	if (t->mem_latency)
		return t->mem_latency(t->mem_ctx, addr, write);
	return t->mem_access;
}

uint64_t iref_timing_percentile(const uint64_t *sorted, size_t n,
				unsigned pct)
{
	if (!n)
		return 0;
	if (pct > 100)
		pct = 100;
	/* ceil(pct * n / 100) in integers, split so that nothing overflows:
	 * with n = 100q + r it is pct * q + ceil(pct * r / 100). */
	size_t rank = n / 100 * pct + (n % 100 * pct + 99) / 100;
	return sorted[rank ? rank - 1 : 0];
}
