/* VT-d stage-1 contexts: format INTEL_PT (virtio-iommu.md 6.5.2), one
 * first-stage table per (endpoint, PASID). The host owns the PASID table
 * (pgtable-intel.md section 1), so the device picks the attachment by
 * PASID and this file only turns the descriptor into the first-stage
 * configuration a PASID entry would hold: no memory is read.
 * docs/extension-intel.md documents the choices. */
#include "ctx_core.h"

#include <string.h>

#include "walk_core.h"

#define PASID_BITS_MAX 20u

/* CAP_REG and ECAP_REG bits (pgtable-intel.md 10). */
#define CAP_SAGAW_SHIFT 8
#define CAP_SAGAW_48 (1u << 2) /* 4-level */
#define CAP_SAGAW_57 (1u << 3) /* 5-level */
#define CAP_MGAW_SHIFT 16
#define CAP_FL1GP (UINT64_C(1) << 56)
#define CAP_FL5LP (UINT64_C(1) << 60)
#define ECAP_C (UINT64_C(1) << 0)
#define ECAP_ERS (UINT64_C(1) << 30)
#define ECAP_SRS (UINT64_C(1) << 31)
#define ECAP_EAFS (UINT64_C(1) << 34)
#define ECAP_PSS_SHIFT 35
#define ECAP_PASID (UINT64_C(1) << 40)
#define ECAP_SMTS (UINT64_C(1) << 43)
#define ECAP_FLTS (UINT64_C(1) << 47)
#define ECAP_SMPWCS (UINT64_C(1) << 48)

#define S1_FLAGS_KNOWN \
	(IREF_INTEL_S1_SRE | IREF_INTEL_S1_EAFE | IREF_INTEL_S1_WPE)

static void caps_default(struct iref_hw_caps *caps)
{
	caps->arch = IREF_ARCH_INTEL;
	iref_walk_cfg_init(&caps->s1, "intel-fs", NULL);
	caps->pasid_bits = PASID_BITS_MAX;
	caps->x.intel = (struct iref_hw_intel){
		.fl5lp = true, .srs = true, .eafs = false};
}

static enum iref_rc caps_set(struct iref_hw_caps *caps, const char *key,
			     const char *value, struct iref_diag *diag)
{
	struct iref_hw_intel *x = &caps->x.intel;
	bool *flag = strcmp(key, "fl5lp") == 0   ? &x->fl5lp
		     : strcmp(key, "srs") == 0   ? &x->srs
		     : strcmp(key, "eafs") == 0  ? &x->eafs
						 : NULL;
	if (!flag && strcmp(key, "pasid_bits") != 0)
		return IREF_E_NOENT;
	uint64_t v;
	enum iref_rc rc = walk_parse_u64(key, value, &v, diag);
	if (rc != IREF_OK)
		return rc;
	unsigned max = flag ? 1 : PASID_BITS_MAX;
	if (v > max) {
		iref_diag_set(diag, NULL, 0, 0, "option %s: %s is outside 0..%u",
			      key, value, max);
		return IREF_E_RANGE;
	}
	if (flag)
		*flag = v != 0;
	else
		caps->pasid_bits = (unsigned)v;
	return IREF_OK;
}

/* What a first-stage-only guest needs: its paging modes and PASID-entry
 * controls. SAGAW and MGAW describe the first stage's input widths, as a
 * guest without stage 2 derives them (Linux takes 4/5-level from FL5LP
 * when SLTS is 0); C and SMPWCS because the model's walks read guest
 * memory coherently. Stage 2 (SLTS, SLLPS, SLADS), NEST, PT, domain ids,
 * fault-recording and invalidation registers are the host's. */
static void regs(const struct iref_hw_caps *caps, struct iref_hw_regs *out)
{
	const struct iref_hw_intel *x = &caps->x.intel;
	const struct iref_intel_cfg *s1 = &caps->s1.u.intel;
	uint64_t mgaw = x->fl5lp ? 57 : 48;
	out->type = IREF_PROBE_T_HW_INTEL;
	out->reg[0] = (uint64_t)(CAP_SAGAW_48 | (x->fl5lp ? CAP_SAGAW_57 : 0))
			      << CAP_SAGAW_SHIFT |
		      (mgaw - 1) << CAP_MGAW_SHIFT |
		      (s1->fl1gp ? CAP_FL1GP : 0) |
		      (x->fl5lp ? CAP_FL5LP : 0);
	out->reg[1] = ECAP_C | ECAP_SMTS | ECAP_FLTS | ECAP_SMPWCS |
		      (s1->ere ? ECAP_ERS : 0) | (x->srs ? ECAP_SRS : 0) |
		      (x->eafs ? ECAP_EAFS : 0) |
		      (caps->pasid_bits
			       ? ECAP_PASID |
					 (uint64_t)((caps->pasid_bits - 1) & 0x1f)
						 << ECAP_PSS_SHIFT
			       : 0);
}

static bool accepts(unsigned format)
{
	return format == IREF_TF_INTEL_PT;
}

static bool page_size_ok(const struct iref_hw_caps *caps, unsigned log2)
{
	return log2 == 12 || log2 == 21 ||
	       (log2 == 30 && caps->s1.u.intel.fl1gp);
}

/* 6.5.2 (C120) in the order the spec lists it, the unknown-bit checks
 * first: a descriptor with bits this model does not know means something
 * it cannot honour, whatever its other fields say. */
static enum iref_status check(const struct iref_hw_caps *caps,
			      const struct iref_attach_table *at,
			      unsigned guest_pa_bits)
{
	const struct iref_desc_intel *d = &at->u.intel;
	if ((d->s1_flags & ~(uint64_t)S1_FLAGS_KNOWN) ||
	    (d->attach_flags & ~IREF_ATTACH_TABLE_F_PASID))
		return IREF_S_INVAL;
	if (d->pgtbl_addr & 0xfff)
		return IREF_S_INVAL;
	if (guest_pa_bits < 64 && d->pgtbl_addr >> guest_pa_bits)
		return IREF_S_RANGE;
	if (d->addr_width != 48 && d->addr_width != 57)
		return IREF_S_INVAL;
	if (d->addr_width == 57 && !caps->x.intel.fl5lp)
		return IREF_S_UNSUPP;
	if (((d->s1_flags & IREF_INTEL_S1_SRE) && !caps->x.intel.srs) ||
	    ((d->s1_flags & IREF_INTEL_S1_EAFE) && !caps->x.intel.eafs))
		return IREF_S_UNSUPP;
	if ((d->attach_flags & IREF_ATTACH_TABLE_F_PASID) &&
	    (caps->pasid_bits == 0 ||
	     (caps->pasid_bits < 32 && d->pasid >> caps->pasid_bits)))
		return IREF_S_RANGE;
	return IREF_S_OK;
}

/* The PASID entry the device builds: FSPM from addr_width, FSPTPTR, SRE,
 * EAFE, WPE; the walker applies SRE's request blocking (4.4). */
static void resolve(const struct iref_ctx_env *env,
		    const struct iref_attach_table *at,
		    const struct iref_ctx_req *req, struct iref_ctx *out)
{
	(void)req;
	const struct iref_desc_intel *d = &at->u.intel;
	/* A descriptor ATTACH_TABLE would refuse cannot make a PASID entry:
	 * SPT.4, invalid PASID entry. */
	if (check(env->caps, at, 64) != IREF_S_OK) {
		ctx_fault(out, IREF_R_UNKNOWN, IREF_WF_CONFIG,
			  IREF_INTEL_FR_SPT_4);
		return;
	}
	out->s1 = env->caps->s1;
	struct iref_intel_cfg *c = &out->s1.u.intel;
	out->s1.root = d->pgtbl_addr;
	c->levels = d->addr_width == 57 ? 5 : 4;
	c->sre = d->s1_flags & IREF_INTEL_S1_SRE;
	c->eafe = d->s1_flags & IREF_INTEL_S1_EAFE;
	c->wpe = d->s1_flags & IREF_INTEL_S1_WPE;
}

const struct ctx_arch ctx_arch_intel = {
	.arch = IREF_ARCH_INTEL,
	.caps_default = caps_default,
	.caps_set = caps_set,
	.regs = regs,
	.accepts = accepts,
	.page_size_ok = page_size_ok,
	.check = check,
	.resolve = resolve,
};
