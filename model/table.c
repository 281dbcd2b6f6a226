/* The page-table extension in the device (virtio-iommu.md section 6):
 * table domains and attachments, ATTACH_TABLE, DETACH with a PASID,
 * INVALIDATE, the HW PROBE property, and DMA through the guest's stage-1
 * tables nested in the host's stage 2. Architecture bits stay behind
 * context.h (walkers/ctx_<arch>.c). */
#include <stdlib.h>
#include <string.h>

#include "iommu_priv.h"

/* ---- Caches ----
 * TLB entries of table translations are tagged {endpoint ID, PASID key}:
 * every attachment has its own tables, and the key is never
 * IREF_TLB_NO_ASID, so they never meet the MAP entries tagged {domain ID,
 * IREF_TLB_NO_ASID}. Entries are never global, so F_GLOBAL needs nothing
 * extra. Contexts are cached under the same key when the device has a TLB
 * (the "cached" profile, C136). */

static uint32_t pasid_key(bool has_pasid, uint32_t pasid)
{
	return has_pasid ? pasid : PASID_KEY_NONE;
}

/* PCIe carries "privileged mode requested" in the PASID prefix: without
 * a PASID a request is unprivileged, except on Arm where PnU is an
 * attribute of every transaction. */
static bool req_priv(const struct iref_iommu *d, const struct iref_dma_req *req)
{
	return req->priv &&
	       (req->has_pasid || d->cfg.hw.arch == IREF_ARCH_ARM);
}

/* A PASID at or above 2^20 has no key (no format accepts one): such a
 * request is neither cached nor looked up. */
static bool keyed(const struct iref_dma_req *req)
{
	return !req->has_pasid || req->pasid < PASID_KEY_NONE;
}

/* What to drop for one endpoint. */
struct drop {
	bool tlb, ctx;
	bool leaf;    /* only leaf entries changed: walk caches stay */
	bool one_key; /* only entries of `key`, else every key */
	uint32_t key;
	bool global;  /* with one_key: global TLB entries too (they match
		       * every key of the endpoint) */
	bool range;   /* TLB: only entries overlapping [first, last] */
	uint64_t first, last;
};

static unsigned ctx_slot(uint32_t ep, uint32_t key)
{
	uint32_t h = ep * 0x9e3779b1u ^ key * 0x85ebca6bu;
	return (h >> 16) % CTX_CACHE_ENTRIES;
}

static void drop_cached(struct iref_iommu *d, uint32_t ep,
			const struct drop *f)
{
	struct iref_tlb_inv inv = {
		.flags = IREF_TLB_INV_DOMAIN | IREF_TLB_INV_HAS_ASID |
			 (f->one_key ? IREF_TLB_INV_ASID : 0) |
			 (f->one_key && f->global ? IREF_TLB_INV_GLOBAL : 0) |
			 (f->range ? IREF_TLB_INV_RANGE : 0),
		.domain = ep,
		.asid = f->key,
		.first = f->first,
		.last = f->last,
	};
	if (f->tlb)
		tlb_invalidate(d, &inv);
	/* Stage-1 walk-cache entries carry the same tag; stage-2 ones (no
	 * ASID) belong to the host and stay. */
	if (f->tlb && !f->leaf && d->wc)
		(void)iref_wcache_invalidate(d->wc, &inv, NULL);
	if (f->ctx && d->ctx_cache)
		for (unsigned i = 0; i < CTX_CACHE_ENTRIES; i++) {
			struct ctx_cache_entry *e = &d->ctx_cache[i];
			if (e->valid && e->ep == ep &&
			    (!f->one_key || e->key == f->key)) {
				e->valid = false;
				d->ctx_stats.invalidated++;
			}
		}
}

/* Attaching or detaching drops every cached entry of the endpoint (or
 * endpoint + PASID) before completing (6.2). */
static void drop_att_cache(struct iref_iommu *d, const struct table_att *a)
{
	bool whole = !iref_table_format_per_pasid(a->at.format);
	drop_cached(d, a->ep->id,
		    &(struct drop){.tlb = true, .ctx = true, .one_key = !whole,
				   .key = pasid_key(a->has_pasid, a->pasid),
				   .global = true});
}

/* ---- Attachments ---- */

static void att_unlink(struct iref_iommu *d, struct table_att *a)
{
	struct domain *dom = a->dom;
	for (struct table_att **p = &dom->atts; *p; p = &(*p)->next_in_domain)
		if (*p == a) {
			*p = a->next_in_domain;
			break;
		}
	struct endpoint *ep = a->ep;
	if (ep->whole == a)
		ep->whole = NULL;
	else if (ep->nopasid == a)
		ep->nopasid = NULL;
	else
		idmap_del(&ep->pasids, a->pasid);
	drop_att_cache(d, a);
	free(a);
	if (--dom->n_atts == 0) {
		idmap_del(&d->domains, dom->id);
		domain_free(dom);
	}
}

static void att_link(struct table_att *a, struct domain *dom)
{
	a->dom = dom;
	a->next_in_domain = dom->atts;
	dom->atts = a;
	dom->n_atts++;
}

size_t table_detach_ep(struct iref_iommu *d, struct endpoint *ep,
		       bool only_dom, uint32_t dom_id)
{
	size_t n = 0;
	if (ep->whole && (!only_dom || ep->whole->dom->id == dom_id)) {
		att_unlink(d, ep->whole);
		n++;
	}
	if (ep->nopasid && (!only_dom || ep->nopasid->dom->id == dom_id)) {
		att_unlink(d, ep->nopasid);
		n++;
	}
	/* Deleting from the idmap moves entries back, so restart the scan
	 * after each removal. */
	for (bool again = true; again;) {
		again = false;
		struct table_att *a;
		for (size_t i = 0; (a = idmap_next(&ep->pasids, &i));)
			if (!only_dom || a->dom->id == dom_id) {
				att_unlink(d, a);
				n++;
				again = true;
				break;
			}
	}
	return n;
}

/* The attachment a per-PASID request replaces, if any. */
static struct table_att *pasid_att(const struct endpoint *ep, bool has_pasid,
				   uint32_t pasid)
{
	return has_pasid ? idmap_get(&ep->pasids, pasid) : ep->nopasid;
}

/* Section 6.3, rules in the spec file's order; no error changes state. */
uint8_t table_attach_req(struct iref_iommu *d, const uint8_t *rd)
{
	struct iref_attach_table at;
	enum iref_status dec = iref_dec_attach_table(rd, &at);
	struct endpoint *ep = idmap_get(&d->endpoints, at.endpoint);
	if (!ep)
		return IREF_S_NOENT;
	if (!domain_in_range(d, at.domain))
		return IREF_S_RANGE;
	if (dec == IREF_S_UNSUPP || !iref_hw_caps_accepts(&d->cfg.hw,
							  at.format))
		return IREF_S_UNSUPP;
	if (dec != IREF_S_OK)
		return dec;
	struct domain *dom = idmap_get(&d->domains, at.domain);
	if (dom && (dom->kind != DOMAIN_TABLE || dom->format != at.format))
		return IREF_S_INVAL;
	uint8_t st = iref_ctx_check(&d->cfg.hw, &at, d->cfg.opt.guest_pa_bits);
	if (st != IREF_S_OK)
		return st;
	bool per_pasid = iref_table_format_per_pasid(at.format);
	uint32_t pasid = 0;
	bool has_pasid = iref_attach_table_pasid(&at, &pasid);
	/* 6.2: per-PASID attachments do not mix with any other kind. */
	if (per_pasid && (ep->domain || ep->whole))
		return IREF_S_UNSUPP;
	if (!per_pasid && (ep->nopasid || ep->pasids.count))
		return IREF_S_UNSUPP;
	struct table_att *old = per_pasid ? pasid_att(ep, has_pasid, pasid)
					  : ep->whole;
	if (old && old->dom == dom) {
		/* Same attachment point, same domain: a new descriptor. */
		old->at = at;
		drop_att_cache(d, old);
		return IREF_S_OK;
	}
	if (!dom) {
		/* Domains the implicit detach frees make room (as ATTACH). */
		size_t live = d->domains.count;
		if ((old && old->dom->n_atts == 1) ||
		    (!per_pasid && ep->domain && ep->domain->n_endpoints == 1))
			live--;
		if (d->cfg.opt.max_domains && live >= d->cfg.opt.max_domains)
			return IREF_S_NOMEM;
	}
	struct table_att *a = calloc(1, sizeof *a);
	if (!a)
		return IREF_S_NOMEM;
	if (has_pasid && idmap_reserve(&ep->pasids) != IREF_OK) {
		free(a);
		return IREF_S_NOMEM;
	}
	if (!dom) {
		if (idmap_reserve(&d->domains) != IREF_OK ||
		    !(dom = domain_new(at.domain, DOMAIN_TABLE,
				       ep->compat_class))) {
			free(a);
			return IREF_S_NOMEM;
		}
		dom->format = at.format;
		idmap_put(&d->domains, at.domain, dom); /* reserved */
	}
	/* Committed: the implicit detach (6.2) cannot free dom, which is
	 * new or not the old attachment's. */
	if (old)
		att_unlink(d, old);
	else if (!per_pasid)
		endpoint_leave(d, ep);
	*a = (struct table_att){.ep = ep, .has_pasid = has_pasid,
				.pasid = pasid, .at = at};
	att_link(a, dom);
	if (!per_pasid)
		ep->whole = a;
	else if (has_pasid)
		idmap_put(&ep->pasids, pasid, a); /* reserved */
	else
		ep->nopasid = a;
	drop_att_cache(d, a);
	return IREF_S_OK;
}

/* Section 6.4, with DETACH_F_PASID (flags checked by the caller). */
uint8_t table_detach_pasid_req(struct iref_iommu *d, struct endpoint *ep,
			       uint32_t dom_id, uint32_t pasid)
{
	struct table_att *a = idmap_get(&ep->pasids, pasid);
	if (!a || a->dom->id != dom_id)
		return IREF_S_INVAL; /* whole-table, map, bypass or absent */
	att_unlink(d, a);
	return IREF_S_OK;
}

/* ---- INVALIDATE (6.7) ---- */

#define INVAL_CACHES (IREF_INVAL_C_PASID | IREF_INVAL_C_TLB)
#define INVAL_FLAGS                                                    \
	(IREF_INVAL_F_LEAF | IREF_INVAL_F_PASID | IREF_INVAL_F_ID |    \
	 IREF_INVAL_F_GLOBAL)

/* Rule 8: the Arm tag is an ASID of 16 bits (8 without ASID16). */
static bool id_ok(const struct iref_iommu *d, uint64_t id)
{
	if (d->cfg.hw.arch != IREF_ARCH_ARM)
		return true; /* Intel, AMD: ignored; RISC-V: a PSCID */
	uint64_t max = d->cfg.hw.s1.u.arm.asid16 ? 0xffff : 0xff;
	return id <= max;
}

uint8_t table_invalidate_req(struct iref_iommu *d, const uint8_t *rd)
{
	struct iref_invalidate inv;
	iref_dec_invalidate(rd, &inv);
	if (inv.scope < IREF_INVAL_S_DOMAIN || inv.scope > IREF_INVAL_S_ADDRESS)
		return IREF_S_INVAL;
	if ((inv.caches & ~INVAL_CACHES) || (inv.flags & ~INVAL_FLAGS))
		return IREF_S_INVAL;
	struct domain *dom = idmap_get(&d->domains, inv.domain);
	if (!dom)
		return IREF_S_NOENT;
	if (dom->kind != DOMAIN_TABLE)
		return IREF_S_INVAL;
	bool by_pasid = inv.flags & IREF_INVAL_F_PASID;
	if (inv.scope == IREF_INVAL_S_PASID && !by_pasid)
		return IREF_S_INVAL;
	struct drop f = {
		.tlb = inv.caches & IREF_INVAL_C_TLB,
		.ctx = inv.caches & IREF_INVAL_C_PASID,
		.leaf = inv.flags & IREF_INVAL_F_LEAF,
		.global = inv.flags & IREF_INVAL_F_GLOBAL,
	};
	if (inv.scope == IREF_INVAL_S_ADDRESS) {
		if (inv.nr_pages == 0 ||
		    !iref_hw_caps_page_size_ok(&d->cfg.hw, inv.page_size) ||
		    !f.tlb)
			return IREF_S_INVAL;
		uint64_t span_m1 = (UINT64_C(1) << inv.page_size) - 1;
		if ((inv.address & span_m1) ||
		    inv.nr_pages - 1 > (UINT64_MAX >> inv.page_size) ||
		    ((inv.nr_pages - 1) << inv.page_size) + span_m1 >
			    UINT64_MAX - inv.address)
			return IREF_S_RANGE;
		f.range = true;
		f.first = inv.address;
		f.last = inv.address + ((inv.nr_pages - 1) << inv.page_size) +
			 span_m1;
	}
	if ((inv.flags & IREF_INVAL_F_ID) && !id_ok(d, inv.id))
		return IREF_S_INVAL;
	/* The PASID scope ignores address fields; the DOMAIN scope the PASID
	 * too. The ASID/PSCID filter (F_ID) is not applied: entries are
	 * tagged by PASID, and dropping more is always allowed. */
	bool filter = by_pasid && inv.scope != IREF_INVAL_S_DOMAIN;
	for (struct table_att *a = dom->atts; a; a = a->next_in_domain) {
		struct drop g = f;
		if (iref_table_format_per_pasid(a->at.format)) {
			/* Its entries carry its own key. */
			if (filter && (!a->has_pasid || a->pasid != inv.pasid))
				continue;
			g.one_key = true;
			g.key = pasid_key(a->has_pasid, a->pasid);
		} else if (filter) {
			g.one_key = true;
			g.key = inv.pasid;
			/* Requests without PASID may use PASID 0's context
			 * (Arm CD 0, AMD GIOV, RISC-V DPE): drop theirs too. */
			if (inv.pasid == 0) {
				drop_cached(d, a->ep->id, &g);
				g.key = PASID_KEY_NONE;
			}
		}
		drop_cached(d, a->ep->id, &g);
	}
	return IREF_S_OK;
}

/* ---- PROBE (6.6) ---- */

size_t table_hw_prop_size(const struct iref_iommu *d)
{
	if (!neg(d, IREF_F_ATTACH_TABLE))
		return 0;
	struct iref_hw_regs r;
	iref_hw_caps_regs(&d->cfg.hw, &r);
	return iref_hw_prop_size(r.type);
}

size_t table_hw_prop(const struct iref_iommu *d, uint8_t *p)
{
	struct iref_hw_regs r;
	iref_hw_caps_regs(&d->cfg.hw, &r);
	return iref_enc_hw_prop(p, &r);
}

/* ---- Translation ---- */

static bool have_stage2(const struct iref_iommu *d)
{
	return d->cfg.stage2.fmt != IREF_FMT_NONE;
}

/* The walk's memory accesses, priced for the timing model. */
static void price_walk(const struct iref_iommu *d,
		       const struct iref_walk_result *r,
		       struct iref_dma_work *w)
{
	if (!d->cfg.timing_enabled)
		return;
	const struct iref_timing_cfg *t = &d->cfg.timing;
	unsigned listed = r->n_acc < IREF_WALK_MAX_ACCESSES
				  ? r->n_acc
				  : IREF_WALK_MAX_ACCESSES;
	for (unsigned i = 0; i < listed; i++)
		w->mem_cycles += iref_timing_mem(t, r->acc[i].addr,
						 r->acc[i].kind == IREF_WALK_WR);
	w->mem_cycles += (uint64_t)(r->n_acc - listed) * t->mem_access;
}

/* One stage-2 translation of gpa; false with *f on a fault. */
static bool stage2_walk(struct iref_iommu *d, uint64_t gpa, unsigned access,
			struct iref_walk_result *r, struct iref_walk_fault *f,
			struct iref_dma_work *w)
{
	struct iref_walk_req wr = {.addr = gpa, .access = access};
	if (iref_walk(&d->cfg.stage2, d->cfg.mem, &wr, r) != IREF_OK) {
		*f = (struct iref_walk_fault){.reason = IREF_WF_CONFIG,
					      .stage = 2, .level = -1,
					      .addr = gpa};
		return false;
	}
	price_walk(d, r, w);
	if (!r->ok) {
		*f = r->fault;
		f->stage = 2;
		return false;
	}
	return true;
}

/* The context of a request: the cached one, or looked up into buf (and
 * cached when it translates: faults are never cached). */
static const struct iref_ctx *get_ctx(struct iref_iommu *d,
				      const struct endpoint *ep,
				      const struct table_att *a,
				      const struct iref_dma_req *req,
				      struct iref_ctx *ctx,
				      struct iref_dma_work *w)
{
	uint32_t key = pasid_key(req->has_pasid, req->pasid);
	bool priv = req_priv(d, req);
	bool cacheable = d->ctx_cache && keyed(req);
	struct ctx_cache_entry *e =
		cacheable ? &d->ctx_cache[ctx_slot(ep->id, key)] : NULL;
	if (e) {
		d->ctx_stats.lookups++;
		/* Privilege is part of the key: a lookup may refuse it
		 * (RISC-V PC.ta.ENS). */
		if (e->valid && e->ep == ep->id && e->key == key &&
		    e->priv == priv) {
			d->ctx_stats.hits++;
			return &e->ctx;
		}
		d->ctx_stats.misses++;
	}
	struct iref_ctx_env env = {
		.caps = &d->cfg.hw,
		.s2 = have_stage2(d) ? &d->cfg.stage2 : NULL,
		.mem = d->cfg.mem,
	};
	struct iref_ctx_req cr = {
		.has_pasid = req->has_pasid,
		.pasid = req->pasid,
		.priv = priv,
		.access = req->access,
	};
	if (iref_ctx_resolve(&env, &a->at, &cr, ctx) != IREF_OK) {
		/* Attached formats are accepted ones: unreachable, but a
		 * fault is the safe answer. */
		*ctx = (struct iref_ctx){.kind = IREF_CTX_FAULT,
					 .reason = IREF_R_UNKNOWN};
	}
	if (d->cfg.timing_enabled)
		w->mem_cycles += (uint64_t)ctx->n_reads *
				 d->cfg.timing.mem_access;
	if (e && ctx->kind != IREF_CTX_FAULT) {
		d->ctx_stats.fills++;
		d->ctx_stats.evictions += e->valid;
		*e = (struct ctx_cache_entry){true, priv, ep->id, key, *ctx};
	}
	return ctx;
}

/* A fault of the table path: stage-2 ones are host events (6.8, C139). */
static void walk_fault(struct iref_iommu *d, const struct iref_dma_req *req,
		       const struct iref_walk_fault *f, uint8_t reason,
		       struct dma_piece *pc)
{
	pc->has_walk_fault = true;
	pc->walk = *f;
	if (f->stage == 2) {
		iommu_log(d, "stage-2 fault (%s, code 0x%x%s) for endpoint %u "
			     "at 0x%llx",
			  iref_wfault_name(f->reason), f->code,
			  f->on_walk ? ", on a stage-1 table access" : "",
			  req->endpoint, (unsigned long long)f->addr);
		pc->host = !d->cfg.opt.s2_fault_report;
		reason = IREF_R_UNKNOWN;
	}
	pc->reason = reason;
}

/* 6.8: stage-1 translation faults are R_MAPPING; a configuration the
 * walker refuses or a table read the memory refuses is R_UNKNOWN. */
static uint8_t walk_reason(enum iref_wfault f)
{
	return f == IREF_WF_CONFIG || f == IREF_WF_BUS_ERROR ? IREF_R_UNKNOWN
							     : IREF_R_MAPPING;
}

static void clip(uint64_t p, uint64_t size, uint64_t *piece_end)
{
	if (size && (p | (size - 1)) < *piece_end)
		*piece_end = p | (size - 1);
}

/* Give a walk of `cycles` memory time to the walker free first: it is
 * asked for when the access is issued plus what the access waited and
 * walked so far (its earlier pieces), and waits until that walker is
 * free. A cycle-approximate queue: walks are served in the order the
 * device sees the accesses. */
static void queue_walk(struct iref_iommu *d, const struct iref_dma_req *req,
		       struct iref_dma_work *w, uint64_t cycles)
{
	if (!d->walker_free)
		return;
	uint64_t *best = &d->walker_free[0];
	for (uint32_t i = 1; i < d->cfg.timing.walkers; i++)
		if (d->walker_free[i] < *best)
			best = &d->walker_free[i];
	uint64_t ask = req->at + w->queue_cycles + w->mem_cycles - cycles;
	uint64_t start = *best > ask ? *best : ask;
	w->queue_cycles += start - ask;
	*best = start + cycles;
}

/* Lookups the walk caches have answered so far (timing counts a walk's
 * share from the difference). */
static uint64_t wc_lookups(const struct iref_iommu *d)
{
	struct iref_tlb_stats s = {0}, t = {0};
	if (d->wc)
		iref_wcache_get_stats(d->wc, &s);
	if (d->s2tlb)
		iref_tlb_get_stats(d->s2tlb, &t);
	return s.lookups + t.lookups;
}

/* The piece went through the tables; it ends with its page. */
static void translated(struct dma_piece *pc, uint64_t p, uint64_t pa,
		       uint64_t size, unsigned perm, int level,
		       uint64_t *piece_end)
{
	pc->ok = true;
	pc->path = IREF_PATH_TABLE;
	pc->pa = pa;
	pc->size = size;
	pc->perm = perm;
	pc->level = level;
	clip(p, size, piece_end);
}

/* A TLB miss: walk (through the walk caches) and fill the TLBs. Out of
 * line, so that the hit path does not carry the walk's large result on
 * its stack. */
static __attribute__((noinline)) void
table_walk(struct iref_iommu *d, const struct endpoint *ep,
	   const struct iref_dma_req *req, const struct iref_ctx *ctx,
	   struct iref_tlb_tag tag, uint64_t p, uint64_t *piece_end,
	   struct dma_piece *pc, struct iref_dma_work *w)
{
	struct iref_walk_req wr = {.addr = p, .access = req->access,
				   .priv = req_priv(d, req)};
	/* Walk caches share the TLB's tag; a request without a key (a PASID
	 * of 2^20 or more) walks uncached. */
	struct iref_walk_caches wc = {
		.wc = keyed(req) ? d->wc : NULL,
		.s2tlb = keyed(req) ? d->s2tlb : NULL,
		.tag = tag,
	};
	uint64_t looked = wc_lookups(d);
	struct iref_walk_result r;
	enum iref_rc rc =
		have_stage2(d)
			? iref_walk_nested_cached(&ctx->s1, &d->cfg.stage2,
						  d->cfg.mem, &wc, &wr, &r)
			: iref_walk_cached(&ctx->s1, d->cfg.mem, &wc, &wr, &r);
	w->wc_lookups += wc_lookups(d) - looked;
	uint64_t before = w->mem_cycles;
	price_walk(d, &r, w);
	queue_walk(d, req, w, w->mem_cycles - before);
	if (rc != IREF_OK) {
		struct iref_walk_fault f = {.reason = IREF_WF_CONFIG,
					    .stage = 1, .level = -1,
					    .addr = p};
		walk_fault(d, req, &f, IREF_R_UNKNOWN, pc);
		return;
	}
	if (!r.ok) {
		walk_fault(d, req, &r.fault, walk_reason(r.fault.reason), pc);
		return;
	}
	translated(pc, p, r.pa, r.page_size, r.perm, r.level, piece_end);
	if (pc->tlb == IREF_DMA_TLB_MISS) {
		/* A write was not allowed until this walk wrote the dirty
		 * state, so only a write's walk may cache W (tlb.h). */
		struct iref_tlb_xlate x = {
			.pa = r.pa,
			.page_size = r.page_size,
			.perm = req->access == IREF_ACC_WRITE
					? r.perm
					: r.perm & ~(unsigned)IREF_PERM_W,
			.attrs = r.attrs,
			.level = r.level,
			/* Global PTEs (Arm nG = 0, x86 and RISC-V G) match
			 * every PASID of the endpoint, as they match every
			 * ASID of a VMID or DID on hardware. */
			.global = r.global,
		};
		iotlb_fill(d, ep, tag, p, &x);
	}
}

void table_translate_piece(struct iref_iommu *d, const struct endpoint *ep,
			   const struct iref_dma_req *req, uint64_t p,
			   uint64_t *piece_end, struct dma_piece *pc,
			   struct iref_dma_work *w)
{
	const struct table_att *a =
		ep->whole ? ep->whole
			  : pasid_att(ep, req->has_pasid, req->pasid);
	if (!a) {
		pc->reason = IREF_R_DOMAIN; /* nothing attached for it */
		return;
	}
	struct iref_ctx buf;
	const struct iref_ctx *ctx = get_ctx(d, ep, a, req, &buf, w);
	switch (ctx->kind) {
	case IREF_CTX_FAULT: {
		struct iref_walk_fault f = ctx->fault;
		f.addr = p;
		walk_fault(d, req, &f, ctx->reason, pc);
		return;
	}
	case IREF_CTX_S1_BYPASS:
		/* The input address is a GPA: stage 2 alone, or identity. */
		pc->ok = true;
		pc->path = IREF_PATH_STAGE2;
		pc->pa = p;
		pc->perm = IREF_PERM_R | IREF_PERM_W | IREF_PERM_X;
		stage2_piece(d, req, p, piece_end, pc, w);
		return;
	case IREF_CTX_WALK:
		break;
	}
	struct iref_tlb_tag tag = {ep->id, pasid_key(req->has_pasid,
						     req->pasid)};
	struct iref_tlb_xlate x;
	if (iotlb_present(d) && keyed(req)) {
		pc->tlb = iotlb_lookup(d, ep, tag, p, req->access, &x, w);
		if (pc->tlb == IREF_DMA_TLB_HIT) {
			translated(pc, p, x.pa, x.page_size, x.perm, x.level,
				   piece_end);
			return;
		}
	}
	table_walk(d, ep, req, ctx, tag, p, piece_end, pc, w);
}

void stage2_piece(struct iref_iommu *d, const struct iref_dma_req *req,
		  uint64_t p, uint64_t *piece_end, struct dma_piece *pc,
		  struct iref_dma_work *w)
{
	if (!have_stage2(d))
		return;
	struct iref_walk_result r;
	struct iref_walk_fault f;
	if (!stage2_walk(d, pc->pa, req->access, &r, &f, w)) {
		pc->ok = false;
		walk_fault(d, req, &f, IREF_R_UNKNOWN, pc);
		return;
	}
	/* The piece may not leave the stage-2 page holding its first
	 * byte's GPA. */
	uint64_t left = (pc->pa | (r.page_size - 1)) - pc->pa;
	if (*piece_end - p > left)
		*piece_end = p + left;
	pc->pa = r.pa;
	pc->size = pc->size && pc->size < r.page_size ? pc->size
						      : r.page_size;
	pc->perm &= r.perm;
}
