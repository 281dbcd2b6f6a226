/* Device lifecycle: configuration checks, endpoints, domains, feature
 * negotiation, resets and the config space (virtio-iommu.md 1, 3.1, 7). */
#include "iommu_priv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KNOWN_FEATURES                                                        \
	(IREF_FEAT(IREF_F_INPUT_RANGE) | IREF_FEAT(IREF_F_DOMAIN_RANGE) |     \
	 IREF_FEAT(IREF_F_MAP_UNMAP) | IREF_FEAT(IREF_F_BYPASS) |             \
	 IREF_FEAT(IREF_F_PROBE) | IREF_FEAT(IREF_F_MMIO) |                   \
	 IREF_FEAT(IREF_F_BYPASS_CONFIG) | IREF_FEAT(IREF_F_INDIRECT_DESC) |  \
	 IREF_FEAT(IREF_F_EVENT_IDX) | IREF_FEAT(IREF_F_VERSION_1) |          \
	 IREF_FEAT(IREF_F_ATTACH_TABLE))

/* A property area larger than this is refused at creation: nothing needs
 * it, and every PROBE answer is that large. */
#define MAX_PROBE_SIZE (1u << 20)
#define DEFAULT_EVENTQ_DEPTH 256

void iref_config_default(struct iref_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->features = IREF_FEAT(IREF_F_VERSION_1) |
			IREF_FEAT(IREF_F_INPUT_RANGE) |
			IREF_FEAT(IREF_F_DOMAIN_RANGE) |
			IREF_FEAT(IREF_F_MAP_UNMAP) | IREF_FEAT(IREF_F_PROBE) |
			IREF_FEAT(IREF_F_MMIO) |
			IREF_FEAT(IREF_F_BYPASS_CONFIG) |
			IREF_FEAT(IREF_F_INDIRECT_DESC) |
			IREF_FEAT(IREF_F_EVENT_IDX);
	cfg->page_size_mask = 0x40201000;
	cfg->input_start = 0;
	cfg->input_end = (UINT64_C(1) << 48) - 1;
	cfg->domain_start = 0;
	cfg->domain_end = UINT32_MAX;
	cfg->probe_size = 512;
	cfg->bypass = 1;
	iref_timing_default(&cfg->timing);
}

void iommu_log(const struct iref_iommu *d, const char *fmt, ...)
{
	if (!d->cfg.host_log)
		return;
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	d->cfg.host_log(d->cfg.host_log_ctx, msg);
}

static bool stage2_format(enum iref_fmt f)
{
	return f == IREF_FMT_NONE || f == IREF_FMT_ARM_S2 ||
	       f == IREF_FMT_INTEL_SS || f == IREF_FMT_RISCV_G ||
	       f == IREF_FMT_AMD_V1;
}

static enum iref_rc check_config(const struct iref_config *c,
				 struct iref_diag *diag)
{
	const char *why = NULL;
	if (c->features & ~KNOWN_FEATURES)
		why = "offered features include a bit this device does not "
		      "implement";
	else if (!(c->features & IREF_FEAT(IREF_F_VERSION_1)))
		why = "a modern device must offer VERSION_1";
	else if ((c->features & IREF_FEAT(IREF_F_BYPASS)) &&
		 (c->features & IREF_FEAT(IREF_F_BYPASS_CONFIG)))
		why = "F_BYPASS and F_BYPASS_CONFIG must not both be offered";
	else if (c->page_size_mask == 0)
		why = "page_size_mask needs at least one bit set";
	else if (c->bypass > 1)
		why = "bypass must be 0 or 1";
	else if (c->input_start > c->input_end)
		why = "input_range start is above its end";
	else if (c->domain_start > c->domain_end)
		why = "domain_range start is above its end";
	else if (c->probe_size > MAX_PROBE_SIZE)
		why = "probe_size is above 1 MiB";
	else if (c->opt.guest_pa_bits > 64)
		why = "guest_pa_bits is above 64";
	else if (c->timing_enabled && c->timing.walkers == 0)
		why = "timing: walkers must be at least 1";
	else if ((c->features & IREF_FEAT(IREF_F_ATTACH_TABLE)) &&
		 !(c->features & IREF_FEAT(IREF_F_PROBE)))
		why = "F_ATTACH_TABLE is offered only with F_PROBE (C109)";
	else if ((c->features & IREF_FEAT(IREF_F_ATTACH_TABLE)) &&
		 (c->hw.arch == IREF_ARCH_NONE || !iref_arch_name(c->hw.arch)))
		why = "F_ATTACH_TABLE needs hw.arch (the stage-1 hardware)";
	else if (!stage2_format(c->stage2.fmt))
		why = "stage2 must be a stage-2 format (arm-s2, intel-ss, "
		      "riscv-sv*x4, amd-v1) or none";
	if (!why)
		return IREF_OK;
	iref_diag_set(diag, NULL, 0, 0, "%s", why);
	return IREF_E_INVAL;
}

/* The walk caches of the configuration; on a refusal the diag names the
 * cache ("wc: ", "s2tlb: ") and nothing stays allocated. */
static enum iref_rc create_walk_caches(struct iref_iommu *d,
				       struct iref_diag *diag)
{
	struct iref_diag why = {0};
	enum iref_rc rc = IREF_OK;
	const char *what = "wc";
	if (d->cfg.wc_enabled)
		rc = iref_wcache_create(&d->cfg.wc, &d->wc, &why);
	if (rc == IREF_OK && d->cfg.s2tlb_enabled) {
		what = "s2tlb";
		rc = iref_tlb_create(&d->cfg.s2tlb, &d->s2tlb, &why);
	}
	if (rc == IREF_OK)
		return IREF_OK;
	iref_diag_set(diag, NULL, 0, 0, "%s: %s", what,
		      why.msg[0] ? why.msg : iref_rc_str(rc));
	iref_wcache_destroy(d->wc);
	d->wc = NULL;
	return rc;
}

enum iref_rc iref_iommu_create(const struct iref_config *cfg,
			       struct iref_iommu **out,
			       struct iref_diag *diag)
{
	*out = NULL;
	enum iref_rc rc = check_config(cfg, diag);
	if (rc != IREF_OK)
		return rc;
	/* Endpoints create their micro-TLBs later: try the geometry now. */
	struct iref_diag why = {0};
	if (cfg->utlb_enabled) {
		struct iref_tlb *probe;
		rc = iref_tlb_create(&cfg->utlb, &probe, &why);
		if (rc != IREF_OK) {
			iref_diag_set(diag, NULL, 0, 0, "utlb: %s",
				      why.msg[0] ? why.msg : iref_rc_str(rc));
			return rc;
		}
		iref_tlb_destroy(probe);
	}
	struct iref_iommu *d = calloc(1, sizeof *d);
	if (!d)
		return IREF_E_NOMEM;
	d->cfg = *cfg;
	d->bypass = cfg->bypass;
	d->granule = cfg->page_size_mask & -cfg->page_size_mask;
	idmap_init(&d->endpoints);
	idmap_init(&d->domains);
	if (cfg->tlb_enabled) {
		rc = iref_tlb_create(&cfg->tlb, &d->tlb, &why);
		if (rc != IREF_OK) {
			iref_diag_set(diag, NULL, 0, 0, "tlb: %s",
				      why.msg[0] ? why.msg : iref_rc_str(rc));
			free(d);
			return rc;
		}
	}
	uint32_t depth = cfg->opt.eventq_depth ? cfg->opt.eventq_depth
					       : DEFAULT_EVENTQ_DEPTH;
	if ((rc = create_walk_caches(d, diag)) != IREF_OK) {
		iref_tlb_destroy(d->tlb);
		free(d);
		return rc;
	}
	if ((iotlb_present(d) && !(d->ctx_cache = calloc(CTX_CACHE_ENTRIES,
					       sizeof *d->ctx_cache))) ||
	    (cfg->timing_enabled &&
	     !(d->walker_free = calloc(cfg->timing.walkers,
				       sizeof *d->walker_free))) ||
	    events_init(&d->ev, depth) != IREF_OK) {
		free(d->ctx_cache);
		free(d->walker_free);
		iref_wcache_destroy(d->wc);
		iref_tlb_destroy(d->s2tlb);
		iref_tlb_destroy(d->tlb);
		free(d);
		return IREF_E_NOMEM;
	}
	if (cfg->features & IREF_FEAT(IREF_F_BYPASS))
		iommu_log(d, "warning: legacy F_BYPASS offered; new devices "
			     "should offer F_BYPASS_CONFIG instead");
	*out = d;
	return IREF_OK;
}

static void drop_domains(struct iref_iommu *d)
{
	struct endpoint *ep;
	for (size_t i = 0; (ep = idmap_next(&d->endpoints, &i));)
		table_detach_ep(d, ep, false, 0);
	struct domain *dom;
	for (size_t i = 0; (dom = idmap_next(&d->domains, &i));)
		domain_free(dom);
	idmap_free(&d->domains);
	for (size_t i = 0; (ep = idmap_next(&d->endpoints, &i));) {
		ep->domain = NULL;
		ep->next_in_domain = NULL;
	}
}

void iref_iommu_destroy(struct iref_iommu *d)
{
	if (!d)
		return;
	drop_domains(d);
	struct endpoint *ep;
	for (size_t i = 0; (ep = idmap_next(&d->endpoints, &i));) {
		idmap_free(&ep->pasids);
		iref_tlb_destroy(ep->utlb);
		free(ep->resv);
		free(ep);
	}
	idmap_free(&d->endpoints);
	events_fini(&d->ev);
	free(d->ctx_cache);
	free(d->walker_free);
	iref_wcache_destroy(d->wc);
	iref_tlb_destroy(d->s2tlb);
	iref_tlb_destroy(d->tlb);
	free(d);
}

static bool ranges_overlap(const struct iref_resv_region *a,
			   const struct iref_resv_region *b)
{
	return a->start <= b->end && b->start <= a->end;
}

static enum iref_rc check_resv(const struct iref_endpoint_config *e,
			       struct iref_diag *diag)
{
	size_t n_msi = 0;
	for (size_t i = 0; i < e->n_resv; i++) {
		const struct iref_resv_region *r = &e->resv[i];
		if (r->subtype != IREF_RESV_MEM_T_RESERVED &&
		    r->subtype != IREF_RESV_MEM_T_MSI) {
			iref_diag_set(diag, NULL, 0, 0,
				      "endpoint %u: region %zu has unknown "
				      "subtype %u", e->id, i, r->subtype);
			return IREF_E_INVAL;
		}
		if (r->start > r->end) {
			iref_diag_set(diag, NULL, 0, 0,
				      "endpoint %u: region %zu starts above "
				      "its end", e->id, i);
			return IREF_E_INVAL;
		}
		/* C89: at most one MSI region, no overlap. */
		if (r->subtype == IREF_RESV_MEM_T_MSI && ++n_msi > 1) {
			iref_diag_set(diag, NULL, 0, 0,
				      "endpoint %u: more than one MSI region",
				      e->id);
			return IREF_E_INVAL;
		}
		for (size_t j = 0; j < i; j++)
			if (ranges_overlap(r, &e->resv[j])) {
				iref_diag_set(diag, NULL, 0, 0,
					      "endpoint %u: regions %zu and "
					      "%zu overlap", e->id, j, i);
				return IREF_E_INVAL;
			}
	}
	return IREF_OK;
}

enum iref_rc iref_iommu_add_endpoint(struct iref_iommu *d,
				     const struct iref_endpoint_config *e,
				     struct iref_diag *diag)
{
	if (idmap_get(&d->endpoints, e->id)) {
		iref_diag_set(diag, NULL, 0, 0, "endpoint %u already exists",
			      e->id);
		return IREF_E_EXIST;
	}
	enum iref_rc rc = check_resv(e, diag);
	if (rc != IREF_OK)
		return rc;
	struct endpoint *ep = calloc(1, sizeof *ep);
	if (!ep)
		return IREF_E_NOMEM;
	ep->id = e->id;
	ep->compat_class = e->compat_class;
	idmap_init(&ep->pasids);
	if (e->n_resv) {
		ep->resv = malloc(e->n_resv * sizeof *ep->resv);
		if (!ep->resv) {
			free(ep);
			return IREF_E_NOMEM;
		}
		memcpy(ep->resv, e->resv, e->n_resv * sizeof *ep->resv);
		ep->n_resv = e->n_resv;
	}
	rc = iotlb_add_endpoint(d, ep);
	if (rc == IREF_OK)
		rc = idmap_put(&d->endpoints, e->id, ep);
	if (rc != IREF_OK) {
		iref_tlb_destroy(ep->utlb);
		free(ep->resv);
		free(ep);
	}
	return rc;
}

enum iref_rc iref_iommu_negotiate(struct iref_iommu *d, uint64_t features)
{
	if ((features & ~d->cfg.features) ||
	    !(features & IREF_FEAT(IREF_F_VERSION_1)))
		return IREF_E_INVAL;
	d->negotiated = features;
	return IREF_OK;
}

uint64_t iref_iommu_offered(const struct iref_iommu *d)
{
	return d->cfg.features;
}

uint64_t iref_iommu_negotiated(const struct iref_iommu *d)
{
	return d->negotiated;
}

void iref_iommu_reset(struct iref_iommu *d)
{
	drop_domains(d);
	tlb_invalidate(d, &(struct iref_tlb_inv){0}); /* no filter: all */
	if (d->wc)
		(void)iref_wcache_invalidate(d->wc, &(struct iref_tlb_inv){0},
					     NULL);
	if (d->s2tlb)
		(void)iref_tlb_invalidate(d->s2tlb, &(struct iref_tlb_inv){0},
					  NULL);
	if (d->ctx_cache)
		memset(d->ctx_cache, 0,
		       CTX_CACHE_ENTRIES * sizeof *d->ctx_cache);
	d->negotiated = 0;
	events_clear(&d->ev);
}

void iref_iommu_system_reset(struct iref_iommu *d)
{
	iref_iommu_reset(d);
	if (d->bypass != d->cfg.bypass) {
		d->bypass = d->cfg.bypass;
		d->generation++;
	}
}

void iref_iommu_config_read(const struct iref_iommu *d,
			    uint8_t out[IREF_CONFIG_SPACE_SIZE])
{
	memset(out, 0, IREF_CONFIG_SPACE_SIZE);
	iref_put_le64(out + 0x00, d->cfg.page_size_mask);
	iref_put_le64(out + 0x08, d->cfg.input_start);
	iref_put_le64(out + 0x10, d->cfg.input_end);
	iref_put_le32(out + 0x18, d->cfg.domain_start);
	iref_put_le32(out + 0x1c, d->cfg.domain_end);
	iref_put_le32(out + 0x20, d->cfg.probe_size);
	out[0x24] = d->bypass;
}

enum iref_rc iref_iommu_set_bypass(struct iref_iommu *d, uint8_t bypass)
{
	if (bypass > 1)
		return IREF_E_INVAL;
	if (d->bypass != bypass) {
		d->bypass = bypass;
		d->generation++;
	}
	return IREF_OK;
}

enum iref_rc iref_iommu_config_write(struct iref_iommu *d, uint32_t off,
				     const uint8_t *buf, size_t len)
{
	/* C19: only a one-byte write of 0/1 to `bypass`, with the feature
	 * negotiated, changes anything. */
	if (off != 0x24 || len != 1) {
		iommu_log(d, "ignored config write of %zu bytes at 0x%x: only "
			     "bypass (0x24, 1 byte) is writable", len, off);
		return IREF_E_INVAL;
	}
	if (!neg(d, IREF_F_BYPASS_CONFIG)) {
		iommu_log(d, "ignored bypass write: F_BYPASS_CONFIG not "
			     "negotiated");
		return IREF_E_INVAL;
	}
	if (iref_iommu_set_bypass(d, buf[0]) != IREF_OK) {
		iommu_log(d, "ignored bypass write of %u: only 0 and 1 are "
			     "valid", buf[0]);
		return IREF_E_INVAL;
	}
	return IREF_OK;
}

uint32_t iref_iommu_config_generation(const struct iref_iommu *d)
{
	return d->generation;
}

struct domain *domain_new(uint32_t id, enum domain_kind kind,
			  uint32_t compat_class)
{
	struct domain *dom = calloc(1, sizeof *dom);
	if (!dom)
		return NULL;
	dom->id = id;
	dom->kind = kind;
	dom->compat_class = compat_class;
	if (kind == DOMAIN_MAP && !(dom->maps = iref_maptree_create())) {
		free(dom);
		return NULL;
	}
	return dom;
}

void domain_free(struct domain *dom)
{
	if (dom->maps)
		iref_maptree_destroy(dom->maps);
	free(dom);
}

void endpoint_join(struct endpoint *ep, struct domain *dom)
{
	ep->domain = dom;
	ep->next_in_domain = dom->endpoints;
	dom->endpoints = ep;
	dom->n_endpoints++;
}

void endpoint_leave(struct iref_iommu *d, struct endpoint *ep)
{
	struct domain *dom = ep->domain;
	if (!dom)
		return;
	for (struct endpoint **p = &dom->endpoints; *p;
	     p = &(*p)->next_in_domain)
		if (*p == ep) {
			*p = ep->next_in_domain;
			break;
		}
	ep->domain = NULL;
	ep->next_in_domain = NULL;
	if (--dom->n_endpoints == 0) {
		tlb_invalidate(d, &(struct iref_tlb_inv){
					  .flags = IREF_TLB_INV_DOMAIN |
						   IREF_TLB_INV_ASID,
					  .domain = dom->id,
					  .asid = IREF_TLB_NO_ASID,
				  });
		idmap_del(&d->domains, dom->id);
		domain_free(dom);
	}
}

bool iref_iommu_endpoint_domain(const struct iref_iommu *d, uint32_t id,
				uint32_t *domain)
{
	const struct endpoint *ep = idmap_get(&d->endpoints, id);
	if (!ep || !ep->domain)
		return false;
	if (domain)
		*domain = ep->domain->id;
	return true;
}

bool iref_iommu_domain_exists(const struct iref_iommu *d, uint32_t domain)
{
	return idmap_get(&d->domains, domain) != NULL;
}

size_t iref_iommu_domain_mappings(const struct iref_iommu *d, uint32_t id)
{
	const struct domain *dom = idmap_get(&d->domains, id);
	return dom && dom->maps ? iref_maptree_count(dom->maps) : 0;
}

size_t iref_iommu_domain_count(const struct iref_iommu *d)
{
	return d->domains.count;
}

unsigned iref_iommu_domain_format(const struct iref_iommu *d, uint32_t id)
{
	const struct domain *dom = idmap_get(&d->domains, id);
	return dom && dom->kind == DOMAIN_TABLE ? dom->format : 0;
}

bool iref_iommu_table_domain(const struct iref_iommu *d, uint32_t id,
			     bool has_pasid, uint32_t pasid,
			     uint32_t *domain)
{
	const struct endpoint *ep = idmap_get(&d->endpoints, id);
	if (!ep)
		return false;
	const struct table_att *a =
		ep->whole ? ep->whole
		: has_pasid ? idmap_get(&ep->pasids, pasid)
			    : ep->nopasid;
	if (!a)
		return false;
	if (domain)
		*domain = a->dom->id;
	return true;
}
