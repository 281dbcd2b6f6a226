/* DMA translation for MAP/UNMAP and bypass (virtio-iommu.md 5.1, 5.2). An
 * access is split into pieces at mapping and reserved-region boundaries;
 * it succeeds only if every piece does, and a fault names the first failing
 * byte (C102). */
#include "iommu-ref/dma.h"

#include "iommu_priv.h"

/* TLB entries of MAP translations (docs/tlb.md, "Device integration").
 * attrs carry what a hit reports besides pa and perm: the mapping's length
 * in granules minus one, and its MMIO flag. A mapping of more granules
 * than that field holds is not cached. Entries never reach past their
 * mapping, so UNMAP can invalidate exactly its range. */
#define TLB_MIN_SHIFT 12 /* the engine's smallest page: 4 KiB */
#define ATTR_MMIO (UINT32_C(1) << 31)
#define ATTR_UNITS_MAX (ATTR_MMIO - 1)

static const struct iref_resv_region *resv_at(const struct endpoint *ep,
					      uint64_t p, uint64_t *next)
{
	for (size_t i = 0; i < ep->n_resv; i++) {
		const struct iref_resv_region *r = &ep->resv[i];
		if (r->start <= p && p <= r->end)
			return r;
		if (r->start > p && r->start - 1 < *next)
			*next = r->start - 1; /* stop before the region */
	}
	return NULL;
}

static void identity(struct dma_piece *pc, uint64_t p, enum iref_dma_path path)
{
	pc->ok = true;
	pc->path = path;
	pc->pa = p;
	pc->size = 0;
	pc->perm = IREF_PERM_R | IREF_PERM_W | IREF_PERM_X;
}

static void mapped(struct dma_piece *pc, uint64_t pa, uint64_t size,
		   unsigned perm, bool mmio)
{
	pc->ok = true;
	pc->path = IREF_PATH_MAPPING;
	pc->pa = pa;
	pc->size = size;
	pc->perm = perm;
	pc->mmio = mmio;
}

static struct iref_tlb_tag map_tag(const struct domain *dom)
{
	return (struct iref_tlb_tag){dom->id, IREF_TLB_NO_ASID};
}

/* A hit: the piece ends with the cached page, which lies inside the
 * mapping, so the next piece looks up again. */
static bool tlb_hit(struct iref_iommu *d, const struct endpoint *ep,
		    unsigned access, uint64_t p, uint64_t *piece_end,
		    struct dma_piece *pc, struct iref_dma_work *w)
{
	struct iref_tlb_xlate x;
	pc->tlb = iotlb_lookup(d, ep, map_tag(ep->domain), p, access, &x, w);
	if (pc->tlb != IREF_DMA_TLB_HIT)
		return false;
	uint64_t page_end = p | (x.page_size - 1);
	if (page_end < *piece_end)
		*piece_end = page_end;
	/* (units + 1) * granule wraps exactly as the tree path's length. */
	mapped(pc, x.pa, ((x.attrs & ATTR_UNITS_MAX) + 1) * d->granule, x.perm,
	       x.attrs & ATTR_MMIO);
	return true;
}

/* The largest power of two >= 4 KiB whose aligned block around p lies
 * inside m with VA and PA congruent: the most an entry for p may cover. 0
 * if there is none (a mapping smaller than 4 KiB, or misaligned). */
static uint64_t cacheable_size(const struct iref_mapping *m, uint64_t p,
			       uint64_t pa)
{
	uint64_t best = 0;
	for (unsigned k = TLB_MIN_SHIFT; k < 64; k++) {
		uint64_t mask = (UINT64_C(1) << k) - 1, base = p & ~mask;
		if (((p ^ pa) & mask) || base < m->virt_start ||
		    base + mask > m->virt_end)
			break;
		best = mask + 1;
	}
	return best;
}

static void tlb_fill(struct iref_iommu *d, const struct endpoint *ep,
		     uint64_t p, const struct iref_mapping *m,
		     const struct dma_piece *pc)
{
	uint64_t units_m1 = (m->virt_end - m->virt_start) / d->granule;
	uint64_t size = cacheable_size(m, p, pc->pa);
	if (!size || units_m1 > ATTR_UNITS_MAX)
		return;
	struct iref_tlb_xlate x = {
		.pa = pc->pa,
		.page_size = size,
		.perm = pc->perm,
		.attrs = (uint32_t)units_m1 | (pc->mmio ? ATTR_MMIO : 0),
	};
	iotlb_fill(d, ep, map_tag(ep->domain), p, &x);
}

static unsigned mapping_perm(const struct iref_iommu *d, uint32_t flags)
{
	unsigned perm = 0;
	if (flags & IREF_MAP_F_WRITE)
		perm |= IREF_PERM_W;
	if ((flags & IREF_MAP_F_READ) ||
	    ((flags & IREF_MAP_F_WRITE) && d->cfg.opt.write_implies_read))
		perm |= IREF_PERM_R;
	/* The base device has no exec flag: fetches need READ (3.4). */
	if (perm & IREF_PERM_R)
		perm |= IREF_PERM_X;
	return perm;
}

static void translate_piece(struct iref_iommu *d, const struct endpoint *ep,
			    const struct iref_dma_req *req, uint64_t p,
			    uint64_t *piece_end, struct dma_piece *pc,
			    struct iref_dma_work *w)
{
	const struct iref_resv_region *r = resv_at(ep, p, piece_end);
	const struct domain *dom = ep->domain;
	bool table = has_table_att(ep);
	bool bypassed = dom ? dom->kind == DOMAIN_BYPASS
			    : !table && unattached_bypass(d);
	if (r) {
		if (r->end < *piece_end)
			*piece_end = r->end;
		if (r->subtype == IREF_RESV_MEM_T_MSI)
			identity(pc, p, IREF_PATH_MSI); /* C94 */
		else if (bypassed && d->cfg.opt.resv_bypass_identity)
			identity(pc, p, IREF_PATH_BYPASS);
		else
			pc->reason = IREF_R_MAPPING; /* C93 */
		return;
	}
	if (bypassed) {
		identity(pc, p, IREF_PATH_BYPASS);
		return;
	}
	if (table) {
		table_translate_piece(d, ep, req, p, piece_end, pc, w);
		return;
	}
	if (!dom) {
		pc->reason = IREF_R_DOMAIN; /* C96 */
		return;
	}
	if (req->has_pasid) {
		pc->reason = IREF_R_UNKNOWN; /* C101 */
		return;
	}
	/* Reserved regions, bypass and MSI were decided above: only MAP
	 * translations reach the TLB. A hit needs the access allowed, so a
	 * permission fault always comes from the tree. */
	if (iotlb_present(d) &&
	    tlb_hit(d, ep, req->access, p, piece_end, pc, w))
		return;
	pc->tree = true;
	struct iref_mapping m;
	if (!iref_maptree_lookup(dom->maps, p, &m)) {
		pc->reason = IREF_R_MAPPING;
		return;
	}
	if (m.virt_end < *piece_end)
		*piece_end = m.virt_end;
	unsigned perm = mapping_perm(d, m.flags);
	if (!(perm & req->access)) {
		pc->reason = IREF_R_MAPPING; /* C64, C65 */
		return;
	}
	mapped(pc, m.phys_start + (p - m.virt_start),
	       m.virt_end - m.virt_start + 1, perm, m.flags & IREF_MAP_F_MMIO);
	if (iotlb_present(d))
		tlb_fill(d, ep, p, &m, pc);
}

static void fault(struct iref_iommu *d, const struct iref_dma_req *req,
		  const struct dma_piece *pc, uint64_t addr,
		  struct iref_dma_result *res)
{
	res->has_walk_fault = pc->has_walk_fault;
	res->walk = pc->walk;
	if (pc->host) {
		res->outcome = IREF_DMA_ABORT; /* 6.8: not the guest's */
		return;
	}
	bool ext = neg(d, IREF_F_ATTACH_TABLE);
	uint32_t flags = IREF_FAULT_F_ADDRESS;
	if (req->access == IREF_ACC_WRITE)
		flags |= IREF_FAULT_F_WRITE;
	else
		flags |= IREF_FAULT_F_READ; /* C104: a fetch reads */
	if (req->access == IREF_ACC_EXEC && ext)
		flags |= IREF_FAULT_F_EXEC;
	if (req->has_pasid && ext)
		flags |= IREF_FAULT_F_PASID;
	res->outcome = IREF_DMA_FAULT;
	res->fault = (struct iref_fault_record){
		.reason = pc->reason,
		.flags = flags,
		.endpoint = req->endpoint,
		.pasid = req->has_pasid && ext ? req->pasid : 0,
		.address = addr,
	};
	res->dropped = !events_report(d, &res->fault);
}

/* The access from iova to last, with what it did counted into w for the
 * timing model. */
static void translate(struct iref_iommu *d, const struct iref_dma_req *req,
		      uint64_t last, struct iref_dma_result *res,
		      struct iref_dma_work *w)
{
	const struct endpoint *ep = idmap_get(&d->endpoints, req->endpoint);
	if (!ep) {
		/* C100: no record can name an endpoint we do not manage. */
		if (d->cfg.opt.unknown_endpoint_passthrough) {
			res->path = IREF_PATH_BYPASS;
			res->pa = req->iova;
			res->perm = IREF_PERM_R | IREF_PERM_W | IREF_PERM_X;
			w->identity = 1;
			return;
		}
		iommu_log(d, "DMA from unknown endpoint %u at 0x%llx aborted",
			  req->endpoint, (unsigned long long)req->iova);
		res->outcome = IREF_DMA_ABORT;
		return;
	}
	for (uint64_t p = req->iova;;) {
		uint64_t piece_end = last;
		/* Field by field: `walk` is only read with has_walk_fault,
		 * and zeroing the whole struct per piece costs more than a
		 * TLB hit. */
		struct dma_piece pc;
		pc.ok = pc.mmio = pc.host = pc.has_walk_fault = pc.tree = false;
		pc.path = IREF_PATH_MAPPING;
		pc.pa = pc.size = 0;
		pc.perm = 0;
		pc.level = 0;
		pc.reason = 0;
		pc.tlb = IREF_DMA_TLB_NONE;
		translate_piece(d, ep, req, p, &piece_end, &pc, w);
		/* MAP outputs and bypass addresses are GPAs (6.8); MSI
		 * doorbells pass untranslated. */
		if (pc.ok && d->cfg.stage2.fmt != IREF_FMT_NONE &&
		    (pc.path == IREF_PATH_MAPPING ||
		     pc.path == IREF_PATH_BYPASS))
			stage2_piece(d, req, p, &piece_end, &pc, w);
		/* NONE < HIT < MISS: one miss makes the access a miss. */
		if (pc.tlb > res->tlb)
			res->tlb = pc.tlb;
		w->tree_lookups += pc.tree;
		if (!pc.ok) {
			fault(d, req, &pc, p, res);
			w->fault = !pc.host;
			return;
		}
		if (pc.path == IREF_PATH_BYPASS || pc.path == IREF_PATH_MSI)
			w->identity++;
		if (p == req->iova) {
			res->path = pc.path;
			res->pa = pc.pa;
			res->size = pc.size;
			res->perm = pc.perm;
			res->mmio = pc.mmio;
			res->level = pc.level;
		}
		if (piece_end == last)
			return;
		p = piece_end + 1;
	}
}

enum iref_rc iref_dma(struct iref_iommu *d, const struct iref_dma_req *req,
		      struct iref_dma_result *res)
{
	uint64_t last = req->iova + (req->size - 1);
	if (req->size == 0 || last < req->iova ||
	    (req->access != IREF_ACC_READ && req->access != IREF_ACC_WRITE &&
	     req->access != IREF_ACC_EXEC))
		return IREF_E_INVAL;
	/* Field by field, for the reason given in translate(). */
	res->outcome = IREF_DMA_OK;
	res->tlb = IREF_DMA_TLB_NONE;
	res->path = IREF_PATH_MAPPING;
	res->pa = res->size = res->cycles = 0;
	res->perm = 0;
	res->mmio = res->dropped = res->has_walk_fault = false;
	res->level = 0;
	res->fault = (struct iref_fault_record){0};
	struct iref_dma_work w = {0};
	translate(d, req, last, res, &w);
	if (d->cfg.timing_enabled)
		res->cycles = iref_timing_dma(&d->cfg.timing, &w);
	return IREF_OK;
}
