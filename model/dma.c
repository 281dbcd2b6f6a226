/* DMA translation for MAP/UNMAP and bypass (virtio-iommu.md 5.1, 5.2). An
 * access is split into pieces at mapping and reserved-region boundaries;
 * it succeeds only if every piece does, and a fault names the first failing
 * byte (C102). */
#include "iommu-ref/dma.h"

#include "iommu_priv.h"

/* One piece: where [p, *piece_end] goes, or a fault at p. */
struct piece {
	bool ok;
	enum iref_dma_path path;
	uint64_t pa, size;
	unsigned perm;
	bool mmio;
	uint8_t reason;
};

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

static void identity(struct piece *pc, uint64_t p, enum iref_dma_path path)
{
	pc->ok = true;
	pc->path = path;
	pc->pa = p;
	pc->size = 0;
	pc->perm = IREF_PERM_R | IREF_PERM_W | IREF_PERM_X;
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

static void translate_piece(const struct iref_iommu *d,
			    const struct endpoint *ep,
			    const struct iref_dma_req *req, uint64_t p,
			    uint64_t *piece_end, struct piece *pc)
{
	const struct iref_resv_region *r = resv_at(ep, p, piece_end);
	const struct domain *dom = ep->domain;
	bool bypassed = dom ? dom->kind == DOMAIN_BYPASS
			    : unattached_bypass(d);
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
	if (!dom) {
		pc->reason = IREF_R_DOMAIN; /* C96 */
		return;
	}
	if (req->has_pasid) {
		pc->reason = IREF_R_UNKNOWN; /* C101 */
		return;
	}
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
	pc->ok = true;
	pc->path = IREF_PATH_MAPPING;
	pc->pa = m.phys_start + (p - m.virt_start);
	pc->size = m.virt_end - m.virt_start + 1;
	pc->perm = perm;
	pc->mmio = m.flags & IREF_MAP_F_MMIO;
}

static void fault(struct iref_iommu *d, const struct iref_dma_req *req,
		  uint8_t reason, uint64_t addr, struct iref_dma_result *res)
{
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
		.reason = reason,
		.flags = flags,
		.endpoint = req->endpoint,
		.pasid = req->has_pasid && ext ? req->pasid : 0,
		.address = addr,
	};
	res->dropped = !events_report(d, &res->fault);
}

enum iref_rc iref_dma(struct iref_iommu *d, const struct iref_dma_req *req,
		      struct iref_dma_result *res)
{
	uint64_t last = req->iova + (req->size - 1);
	if (req->size == 0 || last < req->iova ||
	    (req->access != IREF_ACC_READ && req->access != IREF_ACC_WRITE &&
	     req->access != IREF_ACC_EXEC))
		return IREF_E_INVAL;
	*res = (struct iref_dma_result){0};
	const struct endpoint *ep = idmap_get(&d->endpoints, req->endpoint);
	if (!ep) {
		/* C100: no record can name an endpoint we do not manage. */
		if (d->cfg.opt.unknown_endpoint_passthrough) {
			res->path = IREF_PATH_BYPASS;
			res->pa = req->iova;
			res->perm = IREF_PERM_R | IREF_PERM_W | IREF_PERM_X;
			return IREF_OK;
		}
		iommu_log(d, "DMA from unknown endpoint %u at 0x%llx aborted",
			  req->endpoint, (unsigned long long)req->iova);
		res->outcome = IREF_DMA_ABORT;
		return IREF_OK;
	}
	for (uint64_t p = req->iova;;) {
		uint64_t piece_end = last;
		struct piece pc = {0};
		translate_piece(d, ep, req, p, &piece_end, &pc);
		if (!pc.ok) {
			fault(d, req, pc.reason, p, res);
			return IREF_OK;
		}
		if (p == req->iova) {
			res->path = pc.path;
			res->pa = pc.pa;
			res->size = pc.size;
			res->perm = pc.perm;
			res->mmio = pc.mmio;
		}
		if (piece_end == last)
			return IREF_OK;
		p = piece_end + 1;
	}
}
