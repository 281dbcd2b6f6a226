/* Request parsing and execution (virtio-iommu.md 2-4). Each handler reads
 * its fields from the wire bytes and returns the tail status; rules are
 * checked in the order the spec file lists them, and no error path changes
 * state (C28). */
#include "iommu-ref/request.h"

#include <string.h>

#include "iommu_priv.h"

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* Section 3.2. */
static uint8_t do_attach(struct iref_iommu *d, const uint8_t *rd)
{
	uint32_t dom_id = iref_le32(rd + 4), ep_id = iref_le32(rd + 8);
	uint32_t flags = iref_le32(rd + 12);
	if (!all_zero(rd + 16, 4))
		return IREF_S_INVAL;
	bool want_bypass = flags & IREF_ATTACH_F_BYPASS;
	if ((flags & ~IREF_ATTACH_F_BYPASS) ||
	    (want_bypass && !neg(d, IREF_F_BYPASS_CONFIG)))
		return IREF_S_INVAL;
	struct endpoint *ep = idmap_get(&d->endpoints, ep_id);
	if (!ep)
		return IREF_S_NOENT;
	if (!domain_in_range(d, dom_id))
		return IREF_S_RANGE;
	/* C36a: per-PASID table attachments do not mix with others (6.2). */
	if (ep->nopasid || ep->pasids.count)
		return IREF_S_UNSUPP;
	enum domain_kind kind = want_bypass ? DOMAIN_BYPASS : DOMAIN_MAP;
	struct domain *dom = idmap_get(&d->domains, dom_id);
	if (dom && dom->kind != kind)
		return IREF_S_INVAL;
	if (dom && dom == ep->domain)
		return IREF_S_OK; /* re-attach: a no-op that keeps mappings */
	if (dom && d->cfg.opt.max_endpoints_per_domain &&
	    dom->n_endpoints >= d->cfg.opt.max_endpoints_per_domain)
		return IREF_S_UNSUPP;
	if (dom && dom->compat_class != ep->compat_class)
		return IREF_S_UNSUPP;
	if (!dom) {
		/* The old domain dies if ep was its last endpoint, which frees
		 * a slot for the new one. */
		size_t live = d->domains.count;
		if ((ep->domain && ep->domain->n_endpoints == 1) ||
		    (ep->whole && ep->whole->dom->n_atts == 1))
			live--;
		if (d->cfg.opt.max_domains && live >= d->cfg.opt.max_domains)
			return IREF_S_NOMEM;
		if (idmap_reserve(&d->domains) != IREF_OK ||
		    !(dom = domain_new(dom_id, kind, ep->compat_class)))
			return IREF_S_NOMEM;
		idmap_put(&d->domains, dom_id, dom); /* reserved: cannot fail */
	}
	endpoint_leave(d, ep);
	table_detach_ep(d, ep, false, 0); /* a whole-table attachment */
	endpoint_join(ep, dom);
	return IREF_S_OK;
}

/* Section 3.3; with F_ATTACH_TABLE negotiated the 8 reserved bytes are
 * flags and a PASID (6.4), otherwise they are ignored (C47). */
static uint8_t do_detach(struct iref_iommu *d, const uint8_t *rd)
{
	uint32_t dom_id = iref_le32(rd + 4), ep_id = iref_le32(rd + 8);
	struct endpoint *ep = idmap_get(&d->endpoints, ep_id);
	if (!ep)
		return IREF_S_NOENT;
	if (neg(d, IREF_F_ATTACH_TABLE)) {
		uint32_t flags = iref_le32(rd + 12);
		if (flags & ~IREF_DETACH_F_PASID)
			return IREF_S_INVAL;
		if (flags & IREF_DETACH_F_PASID)
			return table_detach_pasid_req(d, ep, dom_id,
						      iref_le32(rd + 16));
	}
	if (ep->domain && ep->domain->id == dom_id) {
		endpoint_leave(d, ep);
		return IREF_S_OK;
	}
	/* Table attachments: the whole-table one, or every PASID's in the
	 * named domain (6.4). */
	return table_detach_ep(d, ep, true, dom_id) ? IREF_S_OK
						     : IREF_S_INVAL;
}

/* The MAP/UNMAP domain a request names, or the status that refuses it. */
static uint8_t map_domain(struct iref_iommu *d, uint32_t id,
			  struct domain **out)
{
	struct domain *dom = idmap_get(&d->domains, id);
	if (!dom)
		return IREF_S_NOENT;
	if (dom->kind != DOMAIN_MAP)
		return IREF_S_INVAL;
	*out = dom;
	return IREF_S_OK;
}

static bool overlaps_resv(const struct domain *dom, uint64_t start,
			  uint64_t end)
{
	for (const struct endpoint *ep = dom->endpoints; ep;
	     ep = ep->next_in_domain)
		for (size_t i = 0; i < ep->n_resv; i++)
			if (ep->resv[i].start <= end && start <= ep->resv[i].end)
				return true;
	return false;
}

/* Section 3.4. */
static uint8_t do_map(struct iref_iommu *d, const uint8_t *rd)
{
	uint32_t dom_id = iref_le32(rd + 4);
	uint64_t vs = iref_le64(rd + 8), ve = iref_le64(rd + 16);
	uint64_t ps = iref_le64(rd + 24);
	uint32_t flags = iref_le32(rd + 32);
	uint32_t known = IREF_MAP_F_READ | IREF_MAP_F_WRITE |
			 (neg(d, IREF_F_MMIO) ? IREF_MAP_F_MMIO : 0);
	if (flags & ~known)
		return IREF_S_INVAL;
	struct domain *dom;
	uint8_t st = map_domain(d, dom_id, &dom);
	if (st != IREF_S_OK)
		return st;
	if (ve <= vs)
		return IREF_S_INVAL;
	uint64_t g = d->granule;
	if ((vs | ps | (ve + 1)) & (g - 1))
		return IREF_S_RANGE;
	if (offered(d, IREF_F_INPUT_RANGE) &&
	    (vs < d->cfg.input_start || ve > d->cfg.input_end))
		return IREF_S_RANGE;
	uint64_t len_m1 = ve - vs, pe = ps + len_m1;
	unsigned pa_bits = d->cfg.opt.guest_pa_bits;
	if (pe < ps || (pa_bits && pa_bits < 64 && (pe >> pa_bits)))
		return IREF_S_RANGE;
	/* Rules 9 and 10 share S_INVAL, so the tree's own overlap check in
	 * insert serves rule 9 and the lookup is done once; only a full
	 * domain (rule 11 ranks below rule 9) needs a separate look. */
	if (overlaps_resv(dom, vs, ve))
		return IREF_S_INVAL;
	if (d->cfg.opt.max_mappings &&
	    iref_maptree_count(dom->maps) >= d->cfg.opt.max_mappings)
		return iref_maptree_intersects(dom->maps, vs, ve)
			       ? IREF_S_INVAL
			       : IREF_S_NOMEM;
	/* No TLB invalidation: the TLB caches translations, never their
	 * absence (no negative caching), and a MAP only adds a mapping where
	 * there was none. */
	struct iref_mapping m = {
		.virt_start = vs, .virt_end = ve, .phys_start = ps,
		.flags = flags,
	};
	switch (iref_maptree_insert(dom->maps, &m)) {
	case IREF_OK:
		return IREF_S_OK;
	case IREF_E_EXIST:
		return IREF_S_INVAL;
	default:
		return IREF_S_NOMEM;
	}
}

/* Section 3.5. */
static uint8_t do_unmap(struct iref_iommu *d, const uint8_t *rd)
{
	uint32_t dom_id = iref_le32(rd + 4);
	uint64_t vs = iref_le64(rd + 8), ve = iref_le64(rd + 16);
	if (d->cfg.opt.unmap_reserved_inval && !all_zero(rd + 24, 4))
		return IREF_S_INVAL;
	struct domain *dom;
	uint8_t st = map_domain(d, dom_id, &dom);
	if (st != IREF_S_OK)
		return st;
	if (ve < vs)
		return IREF_S_INVAL;
	size_t removed;
	if (iref_maptree_unmap(dom->maps, vs, ve, &removed) != IREF_OK)
		return IREF_S_RANGE;
	/* Whatever was removed lay inside [vs, ve] and no live mapping
	 * overlaps it, so the range selects exactly the removed entries. */
	if (removed)
		tlb_invalidate(d, &(struct iref_tlb_inv){
					  .flags = IREF_TLB_INV_DOMAIN |
						   IREF_TLB_INV_ASID |
						   IREF_TLB_INV_RANGE,
					  .domain = dom_id,
					  .asid = IREF_TLB_NO_ASID,
					  .first = vs,
					  .last = ve,
				  });
	return IREF_S_OK;
}

/* Section 4: properties go to wr[0..probe_size); returns the status. The
 * caller has zeroed the area. */
static uint8_t do_probe(struct iref_iommu *d, const uint8_t *rd, uint8_t *wr,
			size_t wlen)
{
	const struct endpoint *ep = idmap_get(&d->endpoints,
					      iref_le32(rd + 4));
	if (!ep)
		return IREF_S_NOENT;
	size_t area = d->cfg.probe_size;
	if (wlen - IREF_TAIL_SIZE < area)
		return IREF_S_INVAL;
	size_t resv = ep->n_resv * IREF_RESV_MEM_PROP_SIZE;
	if (resv + table_hw_prop_size(d) > area)
		return IREF_S_INVAL; /* C92: properties do not fit */
	for (size_t i = 0; i < ep->n_resv; i++) {
		uint8_t *p = wr + i * IREF_RESV_MEM_PROP_SIZE;
		iref_put_le16(p, IREF_PROBE_T_RESV_MEM);
		iref_put_le16(p + 2, IREF_RESV_MEM_PROP_SIZE - 4);
		p[4] = ep->resv[i].subtype;
		iref_put_le64(p + 8, ep->resv[i].start);
		iref_put_le64(p + 16, ep->resv[i].end);
	}
	/* 6.6: one HW property, F_ATTACH_TABLE negotiated (C125). */
	if (table_hw_prop_size(d))
		table_hw_prop(d, wr + resv);
	return IREF_S_OK;
}

struct req_kind {
	size_t rsize;         /* readable bytes of a well-formed request */
	int need_feature;     /* negotiated feature, or -1; S_UNSUPP if not */
	uint8_t (*run)(struct iref_iommu *d, const uint8_t *rd);
};

static const struct req_kind kinds[] = {
	[IREF_T_ATTACH] = {IREF_ATTACH_RSIZE, -1, do_attach},
	[IREF_T_DETACH] = {IREF_DETACH_RSIZE, -1, do_detach},
	[IREF_T_MAP] = {IREF_MAP_RSIZE, IREF_F_MAP_UNMAP, do_map},
	[IREF_T_UNMAP] = {IREF_UNMAP_RSIZE, IREF_F_MAP_UNMAP, do_unmap},
	[IREF_T_PROBE] = {IREF_PROBE_RSIZE, -1, NULL},
	[IREF_T_ATTACH_TABLE] = {IREF_ATTACH_TABLE_RSIZE, IREF_F_ATTACH_TABLE,
				 table_attach_req},
	[IREF_T_INVALIDATE] = {IREF_INVALIDATE_RSIZE, IREF_F_ATTACH_TABLE,
			       table_invalidate_req},
};

/* Types this device recognises (G3): PROBE only when F_PROBE is offered,
 * and negotiated too (C84, [MODEL]); the extension's when F_ATTACH_TABLE
 * is offered (C110: S_UNSUPP if not negotiated, from need_feature). */
static bool recognised(const struct iref_iommu *d, unsigned type)
{
	if (type == IREF_T_PROBE)
		return offered(d, IREF_F_PROBE) && neg(d, IREF_F_PROBE);
	if (type == IREF_T_ATTACH_TABLE || type == IREF_T_INVALIDATE)
		return offered(d, IREF_F_ATTACH_TABLE);
	return type >= IREF_T_ATTACH && type <= IREF_T_UNMAP;
}

/* Write the tail into the last 4 writable bytes. */
static size_t complete(uint8_t *wr, size_t wlen, uint8_t status)
{
	wr[wlen - IREF_TAIL_SIZE] = status;
	memset(wr + wlen - IREF_TAIL_SIZE + 1, 0, IREF_TAIL_SIZE - 1);
	return wlen;
}

/* The QEMU-like answers to requests the spec returns unwritten. */
static size_t refuse(uint8_t *wr, size_t wlen, uint8_t status)
{
	memset(wr, 0, wlen - IREF_TAIL_SIZE);
	return complete(wr, wlen, status);
}

static size_t process(struct iref_iommu *d, const uint8_t *rd, size_t rlen,
		      uint8_t *wr, size_t wlen)
{
	if (wlen < IREF_TAIL_SIZE)
		return 0; /* C23: nowhere to put a tail */
	bool status_policy_short =
		d->cfg.opt.short_request == IREF_LEN0_STATUS;
	/* Buffers answered with used length 0 stay unwritten (G3), so the
	 * area is cleared only once an answer is certain. */
	size_t area = wlen - IREF_TAIL_SIZE;
	if (rlen < 4)
		return status_policy_short ? refuse(wr, wlen, IREF_S_INVAL) : 0;
	unsigned type = rd[0];
	if (!recognised(d, type)) {
		/* C21; a PROBE that is offered but not negotiated is never
		 * answered, whatever the policy. */
		bool probe = type == IREF_T_PROBE && offered(d, IREF_F_PROBE);
		return d->cfg.opt.unknown_type == IREF_LEN0_STATUS && !probe
			       ? refuse(wr, wlen, IREF_S_UNSUPP)
			       : 0;
	}
	const struct req_kind *k = &kinds[type];
	if (rlen < k->rsize) /* C22; extra bytes are ignored (C26) */
		return status_policy_short ? refuse(wr, wlen, IREF_S_INVAL) : 0;
	memset(wr, 0, area);
	uint8_t st;
	if (k->need_feature >= 0 && !neg(d, (unsigned)k->need_feature))
		st = IREF_S_UNSUPP;
	else if (type == IREF_T_PROBE)
		st = do_probe(d, rd, wr, wlen);
	else
		st = k->run(d, rd);
	if (st != IREF_S_OK && type == IREF_T_PROBE)
		memset(wr, 0, area); /* no partial property */
	return complete(wr, wlen, st);
}

size_t iref_request(struct iref_iommu *d, const uint8_t *rd, size_t rlen,
		    uint8_t *wr, size_t wlen)
{
	size_t used = process(d, rd, rlen, wr, wlen);
	/* Priced from what the guest sees: the type byte and the tail. A
	 * used length is 0 or wlen, so a non-zero one holds a tail. */
	if (d->cfg.timing_enabled)
		d->req_cycles = iref_timing_request(
			&d->cfg.timing, rlen ? rd[0] : 0,
			used ? wr[used - IREF_TAIL_SIZE] : 0, used != 0);
	return used;
}

uint64_t iref_request_cycles(const struct iref_iommu *d)
{
	return d->req_cycles;
}
