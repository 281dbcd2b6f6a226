/* The device's translation caches in front of MAP trees and table walks
 * (docs/tlb.md, "Device integration"): an optional micro-TLB per endpoint
 * in front of an optional main TLB shared by all endpoints. Both hold the
 * same tags, so one invalidation descriptor serves every level. */
#include <stdlib.h>

#include "iommu_priv.h"

void iotlb_fill(struct iref_iommu *d, const struct endpoint *ep,
		struct iref_tlb_tag tag, uint64_t addr,
		const struct iref_tlb_xlate *x)
{
	/* IREF_E_RANGE (every held size is larger than the page) only
	 * leaves the page uncached at that level. */
	if (d->tlb)
		(void)iref_tlb_insert(d->tlb, tag, addr, x);
	if (ep->utlb)
		(void)iref_tlb_insert(ep->utlb, tag, addr, x);
}

void tlb_invalidate(struct iref_iommu *d, const struct iref_tlb_inv *inv)
{
	/* The descriptors built in this model are well-formed, the only
	 * thing the engine refuses. */
	if (d->tlb)
		(void)iref_tlb_invalidate(d->tlb, inv, NULL);
	if (!d->cfg.utlb_enabled)
		return;
	struct endpoint *ep;
	for (size_t i = 0; (ep = idmap_next(&d->endpoints, &i));)
		(void)iref_tlb_invalidate(ep->utlb, inv, NULL);
}

enum iref_rc iotlb_add_endpoint(struct iref_iommu *d, struct endpoint *ep)
{
	if (!d->cfg.utlb_enabled)
		return IREF_OK;
	/* The geometry was validated at device creation. */
	return iref_tlb_create(&d->cfg.utlb, &ep->utlb, NULL);
}

/* uTLB statistics are the sum over the endpoints (which live as long as
 * the device). */
static void add_stats(struct iref_tlb_stats *acc,
		      const struct iref_tlb_stats *s)
{
	acc->lookups += s->lookups;
	acc->hits += s->hits;
	acc->misses += s->misses;
	acc->fills += s->fills;
	acc->evictions += s->evictions;
	acc->invalidated += s->invalidated;
}

bool iref_iommu_cache_stats(const struct iref_iommu *d,
			    enum iref_cache_level level,
			    struct iref_tlb_stats *out)
{
	struct iref_tlb_stats s = {0};
	switch (level) {
	case IREF_CACHE_UTLB: {
		if (!d->cfg.utlb_enabled)
			return false;
		const struct endpoint *ep;
		for (size_t i = 0; (ep = idmap_next(&d->endpoints, &i));) {
			struct iref_tlb_stats e;
			iref_tlb_get_stats(ep->utlb, &e);
			add_stats(&s, &e);
		}
		break;
	}
	case IREF_CACHE_TLB:
		if (!d->tlb)
			return false;
		iref_tlb_get_stats(d->tlb, &s);
		break;
	case IREF_CACHE_CTX:
		if (!d->ctx_cache)
			return false;
		s = d->ctx_stats;
		break;
	case IREF_CACHE_WALK:
		if (!d->wc)
			return false;
		iref_wcache_get_stats(d->wc, &s);
		break;
	case IREF_CACHE_S2TLB:
		if (!d->s2tlb)
			return false;
		iref_tlb_get_stats(d->s2tlb, &s);
		break;
	default:
		return false;
	}
	*out = s;
	return true;
}

bool iref_iommu_tlb_stats(const struct iref_iommu *d,
			  struct iref_tlb_stats *out)
{
	return iref_iommu_cache_stats(d, IREF_CACHE_TLB, out);
}
