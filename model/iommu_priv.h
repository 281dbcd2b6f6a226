/* The device's state, shared by the model's files (iommu.c, request.c,
 * dma.c, events.c). Not part of the public API. */
#ifndef IREF_MODEL_IOMMU_PRIV_H
#define IREF_MODEL_IOMMU_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "idmap.h"
#include "iommu-ref/context.h"
#include "iommu-ref/dma.h"
#include "iommu-ref/events.h"
#include "iommu-ref/iommu.h"
#include "iommu-ref/maptree.h"
#include "iommu-ref/tlb.h"

enum domain_kind {
	DOMAIN_MAP,    /* MAP/UNMAP mappings */
	DOMAIN_BYPASS, /* created with ATTACH_F_BYPASS: identity */
	DOMAIN_TABLE,  /* created with ATTACH_TABLE: guest tables */
};

struct endpoint;
struct domain;

/* One table attachment (section 6.2): a whole-table format's one per
 * endpoint, or one (endpoint, PASID) of a per-PASID format. */
struct table_att {
	struct endpoint *ep;
	struct domain *dom;
	bool has_pasid;
	uint32_t pasid;
	struct iref_attach_table at;
	struct table_att *next_in_domain;
};

struct domain {
	uint32_t id;
	enum domain_kind kind;
	uint32_t n_endpoints;
	uint32_t compat_class; /* shared by all its endpoints (C43) */
	struct endpoint *endpoints; /* list through endpoint.next_in_domain */
	struct iref_maptree *maps;  /* DOMAIN_MAP only */
	/* DOMAIN_TABLE: its format and attachments (n_endpoints and
	 * endpoints stay 0/NULL); it dies with its last attachment. */
	uint8_t format;
	uint32_t n_atts;
	struct table_att *atts;
};

struct endpoint {
	uint32_t id;
	uint32_t compat_class;
	struct iref_resv_region *resv;
	size_t n_resv;
	struct domain *domain; /* MAP or bypass domain; NULL otherwise */
	struct endpoint *next_in_domain;
	/* Table attachments: `whole` for a whole-table format, or per-PASID
	 * ones (`pasids` keyed by PASID, `nopasid` for requests without a
	 * PASID). An endpoint holds one kind at a time. */
	struct table_att *whole;
	struct idmap pasids;
	struct table_att *nopasid;
	struct iref_tlb *utlb; /* micro-TLB, NULL without one */
};

struct events {
	enum iref_events_mode mode;
	uint32_t depth;
	/* Waiting reports: a ring of depth records. */
	uint8_t (*ring)[IREF_FAULT_RECORD_SIZE];
	uint32_t head, count;
	/* POSTED mode: writable lengths of posted buffers, a ring too. */
	uint32_t *posted;
	uint32_t posted_head, posted_count;
	uint64_t dropped;
};

struct iref_iommu {
	struct iref_config cfg;
	uint64_t negotiated;
	uint8_t bypass;
	uint32_t generation;
	uint64_t granule; /* lowest set bit of page_size_mask */
	struct idmap endpoints;
	struct idmap domains;
	struct events ev;
	/* IOTLB of MAP translations, tagged {domain ID, IREF_TLB_NO_ASID};
	 * NULL without one. */
	struct iref_tlb *tlb;
	/* iref_request_cycles(): the last request's price. */
	uint64_t req_cycles;
	/* Context cache of table attachments (the "cached" profile, on with
	 * the TLB): resolved stage-1 contexts, NULL without a TLB. */
	struct ctx_cache_entry *ctx_cache;
	struct iref_tlb_stats ctx_stats;
	/* Timing: the cycle each page-table walker is busy until (timing
	 * `walkers` entries; NULL with timing off). */
	uint64_t *walker_free;
	/* Walk caches of table attachments; NULL without. */
	struct iref_wcache *wc;
	struct iref_tlb *s2tlb;
};

/* A cached context, keyed by endpoint and PASID key (table.c). */
struct ctx_cache_entry {
	bool valid;
	bool priv;
	uint32_t ep, key;
	struct iref_ctx ctx;
};
#define CTX_CACHE_ENTRIES 64
/* The TLB/context-cache key of requests without PASID (PASIDs are at most
 * 20 bits wide). */
#define PASID_KEY_NONE (UINT32_C(1) << 20)

static inline bool neg(const struct iref_iommu *d, unsigned bit)
{
	return d->negotiated & IREF_FEAT(bit);
}

static inline bool offered(const struct iref_iommu *d, unsigned bit)
{
	return d->cfg.features & IREF_FEAT(bit);
}

/* virtio-iommu.md 5.1: is an unattached endpoint in bypass? */
static inline bool unattached_bypass(const struct iref_iommu *d)
{
	return (offered(d, IREF_F_BYPASS_CONFIG) && d->bypass == 1) ||
	       neg(d, IREF_F_BYPASS);
}

static inline bool domain_in_range(const struct iref_iommu *d, uint32_t id)
{
	return !offered(d, IREF_F_DOMAIN_RANGE) ||
	       (id >= d->cfg.domain_start && id <= d->cfg.domain_end);
}

void iommu_log(const struct iref_iommu *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Domain lifetime (iommu.c). */
struct domain *domain_new(uint32_t id, enum domain_kind kind,
			  uint32_t compat_class);
void domain_free(struct domain *dom);
void endpoint_join(struct endpoint *ep, struct domain *dom);
/* Detach ep from its domain; the domain dies with its last endpoint. */
void endpoint_leave(struct iref_iommu *d, struct endpoint *ep);

/* Translation caches (iotlb.c): micro-TLBs and the main TLB. The lookup
 * is inline: it is the TLB-hit path of every DMA. */
static inline bool iotlb_present(const struct iref_iommu *d)
{
	return d->tlb || d->cfg.utlb_enabled;
}

/* HIT or MISS (lookups counted into w); a main-TLB hit refills the
 * endpoint's micro-TLB. */
static inline enum iref_dma_tlb iotlb_lookup(struct iref_iommu *d,
					     const struct endpoint *ep,
					     struct iref_tlb_tag tag,
					     uint64_t addr, unsigned access,
					     struct iref_tlb_xlate *x,
					     struct iref_dma_work *w)
{
	if (ep->utlb) {
		w->utlb_lookups++;
		if (iref_tlb_lookup(ep->utlb, tag, addr, access, x))
			return IREF_DMA_TLB_HIT;
	}
	if (d->tlb) {
		w->tlb_lookups++;
		if (iref_tlb_lookup(d->tlb, tag, addr, access, x)) {
			/* Refill the level above, as a hardware uTLB does. */
			if (ep->utlb)
				(void)iref_tlb_insert(ep->utlb, tag, addr, x);
			return IREF_DMA_TLB_HIT;
		}
	}
	return IREF_DMA_TLB_MISS;
}
void iotlb_fill(struct iref_iommu *d, const struct endpoint *ep,
		struct iref_tlb_tag tag, uint64_t addr,
		const struct iref_tlb_xlate *x);
enum iref_rc iotlb_add_endpoint(struct iref_iommu *d, struct endpoint *ep);

/* Remove the entries inv selects from every TLB level (no-op without). Every entry
 * lies inside one live mapping of its domain, so these removals are exact:
 * UNMAP drops its range, a dying domain its ID (IDs are reused), a reset
 * everything. */
void tlb_invalidate(struct iref_iommu *d, const struct iref_tlb_inv *inv);

/* Table attachments (table.c). */
static inline bool has_table_att(const struct endpoint *ep)
{
	return ep->whole || ep->nopasid || ep->pasids.count;
}
/* Remove every table attachment of ep (all of them in dom_id when
 * only_dom, else all); the number removed. */
size_t table_detach_ep(struct iref_iommu *d, struct endpoint *ep,
		       bool only_dom, uint32_t dom_id);
uint8_t table_attach_req(struct iref_iommu *d, const uint8_t *rd);
uint8_t table_detach_pasid_req(struct iref_iommu *d, struct endpoint *ep,
			       uint32_t dom_id, uint32_t pasid);
uint8_t table_invalidate_req(struct iref_iommu *d, const uint8_t *rd);
/* The HW property of the device's architecture into p (room for it is
 * checked by the caller); its size. */
size_t table_hw_prop(const struct iref_iommu *d, uint8_t *p);
size_t table_hw_prop_size(const struct iref_iommu *d);
/* One piece of a DMA access: where [p, *piece_end] goes, or a fault at
 * p (dma.c's piece loop). */
struct dma_piece {
	bool ok;
	enum iref_dma_path path;
	uint64_t pa, size;
	unsigned perm;
	bool mmio;
	int level;
	uint8_t reason;
	bool host;           /* a host event: abort, no report (6.8) */
	bool has_walk_fault; /* walk: the architecture's record */
	struct iref_walk_fault walk;
	enum iref_dma_tlb tlb;
	bool tree; /* the mapping tree was asked */
};
/* Translate one piece through ep's table attachment. */
void table_translate_piece(struct iref_iommu *d, const struct endpoint *ep,
			   const struct iref_dma_req *req, uint64_t p,
			   uint64_t *piece_end, struct dma_piece *pc,
			   struct iref_dma_work *w);
/* Take a piece that translated to the GPA pc->pa through the host's
 * stage 2 (nothing without one): pc->pa becomes the host PA, the piece
 * ends with the stage-2 page, perm and size shrink to both stages'; a
 * stage-2 fault turns pc into a fault (a host event, 6.8). */
void stage2_piece(struct iref_iommu *d, const struct iref_dma_req *req,
		  uint64_t p, uint64_t *piece_end, struct dma_piece *pc,
		  struct iref_dma_work *w);

/* Event queue (events.c). */
enum iref_rc events_init(struct events *ev, uint32_t depth);
void events_fini(struct events *ev);
void events_clear(struct events *ev);
/* Queue a report; false if it was dropped. */
bool events_report(struct iref_iommu *d, const struct iref_fault_record *r);

#endif
