/* The device's state, shared by the model's files (iommu.c, request.c,
 * dma.c, events.c). Not part of the public API. */
#ifndef IREF_MODEL_IOMMU_PRIV_H
#define IREF_MODEL_IOMMU_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "idmap.h"
#include "iommu-ref/events.h"
#include "iommu-ref/iommu.h"
#include "iommu-ref/maptree.h"
#include "iommu-ref/tlb.h"

enum domain_kind {
	DOMAIN_MAP,    /* MAP/UNMAP mappings */
	DOMAIN_BYPASS, /* created with ATTACH_F_BYPASS: identity */
};

struct endpoint;

struct domain {
	uint32_t id;
	enum domain_kind kind;
	uint32_t n_endpoints;
	uint32_t compat_class; /* shared by all its endpoints (C43) */
	struct endpoint *endpoints; /* list through endpoint.next_in_domain */
	struct iref_maptree *maps;  /* DOMAIN_MAP only */
};

struct endpoint {
	uint32_t id;
	uint32_t compat_class;
	struct iref_resv_region *resv;
	size_t n_resv;
	struct domain *domain; /* NULL when unattached */
	struct endpoint *next_in_domain;
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
};

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

void iommu_log(const struct iref_iommu *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Domain lifetime (iommu.c). */
struct domain *domain_new(uint32_t id, enum domain_kind kind,
			  uint32_t compat_class);
void domain_free(struct domain *dom);
void endpoint_join(struct endpoint *ep, struct domain *dom);
/* Detach ep from its domain; the domain dies with its last endpoint. */
void endpoint_leave(struct iref_iommu *d, struct endpoint *ep);

/* Remove the TLB entries inv selects (no-op without a TLB). Every entry
 * lies inside one live mapping of its domain, so these removals are exact:
 * UNMAP drops its range, a dying domain its ID (IDs are reused), a reset
 * everything. */
void tlb_invalidate(struct iref_iommu *d, const struct iref_tlb_inv *inv);

/* Event queue (events.c). */
enum iref_rc events_init(struct events *ev, uint32_t depth);
void events_fini(struct events *ev);
void events_clear(struct events *ev);
/* Queue a report; false if it was dropped. */
bool events_report(struct iref_iommu *d, const struct iref_fault_record *r);

#endif
