/* AMD stage-1 contexts (virtio-iommu.md 6.5.4): AMD_GCR3, the guest-owned
 * DTE bits of guest translation with a guest-owned GCR3 table indexed by
 * PASID, and AMD_PT, one v2 table per (endpoint, PASID) that the device
 * selects. Lookup follows pgtable-amd.md 3.2 and 6; docs/extension-amd.md
 * documents the choices. */
#include "ctx_core.h"

#include <string.h>

#include "walk_core.h"

#define PASID_BITS_MAX 20u

/* Guest DTE bits AMD_GCR3 carries (pgtable-amd.md 3.1). */
#define DTE0_V (UINT64_C(1) << 0)
#define DTE0_PPR (UINT64_C(1) << 52)
#define DTE0_GIOV (UINT64_C(1) << 54)
#define DTE0_GV (UINT64_C(1) << 55)
#define DTE0_GLX_SHIFT 56
#define DTE0_GCR3_14_12_SHIFT 58
#define DTE1_GCR3_30_15_SHIFT 16
#define DTE1_GCR3_51_31_SHIFT 43
#define DTE2_GPM_SHIFT 54

/* EFR and EFR2 bits (pgtable-amd.md 10). */
#define EFR_NXSUP (UINT64_C(1) << 3)
#define EFR_GTSUP (UINT64_C(1) << 4)
#define EFR_HATS_SHIFT 10
#define EFR_HATS_NONE UINT64_C(3)
#define EFR_GATS_SHIFT 12
#define EFR_GLXSUP_SHIFT 14
#define EFR_PASMAX_SHIFT 32
#define EFR_USSUP (UINT64_C(1) << 37)
#define EFR_GIOSUP (UINT64_C(1) << 48)
#define EFR2_GCR3TRPMODE (UINT64_C(1) << 3)

/* GCR3 table entries: valid, and the next table or guest CR3 (6). */
#define GCR3_VALID UINT64_C(1)
#define GCR3_ADDR (walk_mask(51, 12))

static void caps_default(struct iref_hw_caps *caps)
{
	caps->arch = IREF_ARCH_AMD;
	iref_walk_cfg_init(&caps->s1, "amd-v2", NULL);
	caps->pasid_bits = 16;
	caps->x.amd = (struct iref_hw_amd){.giov = true, .glx = 1};
}

static enum iref_rc caps_set(struct iref_hw_caps *caps, const char *key,
			     const char *value, struct iref_diag *diag)
{
	bool pasid = strcmp(key, "pasid_bits") == 0;
	bool giov = strcmp(key, "giov") == 0;
	if (!pasid && !giov && strcmp(key, "glx") != 0)
		return IREF_E_NOENT;
	/* pasid_bits is PASmax + 1, which cannot say zero PASIDs. */
	unsigned min = pasid ? 1 : 0, max = pasid ? PASID_BITS_MAX : 1;
	uint64_t v;
	enum iref_rc rc = walk_parse_u64(key, value, &v, diag);
	if (rc != IREF_OK)
		return rc;
	if (v < min || v > max) {
		iref_diag_set(diag, NULL, 0, 0,
			      "option %s: %s is outside %u..%u", key, value,
			      min, max);
		return IREF_E_RANGE;
	}
	if (pasid)
		caps->pasid_bits = (unsigned)v;
	else if (giov)
		caps->x.amd.giov = v != 0;
	else
		caps->x.amd.glx = (uint8_t)v;
	return IREF_OK;
}

/* Whether a PASID fits PASmax (a struct written by hand may hold any
 * width). */
static bool pasid_in_range(const struct iref_hw_caps *caps, uint32_t pasid)
{
	return caps->pasid_bits >= 32 ||
	       (caps->pasid_bits && pasid >> caps->pasid_bits == 0);
}

/* 10.4: guest translation and what shapes the guest's tables and GCR3
 * table. HATS = 3 says "no host translation": the guest cannot program
 * the v1 table. EFR2.GCR3TRPMode: GCR3 pointers are guest-physical, as the
 * model always reads them. PPR, interrupts, SMI, counters, logs, host A/D
 * and SNP stay zero. */
static void regs(const struct iref_hw_caps *caps, struct iref_hw_regs *out)
{
	const struct iref_amd_cfg *s1 = &caps->s1.u.amd;
	out->type = IREF_PROBE_T_HW_AMD;
	out->reg[0] = EFR_GTSUP | EFR_HATS_NONE << EFR_HATS_SHIFT |
		      (s1->nxsup ? EFR_NXSUP : 0) |
		      (uint64_t)(s1->gats & 3) << EFR_GATS_SHIFT |
		      (uint64_t)(caps->x.amd.glx & 3) << EFR_GLXSUP_SHIFT |
		      (uint64_t)(caps->pasid_bits ? (caps->pasid_bits - 1) & 0x1f
						      : 0)
			      << EFR_PASMAX_SHIFT |
		      (s1->ussup ? EFR_USSUP : 0) |
		      (caps->x.amd.giov ? EFR_GIOSUP : 0);
	out->reg[1] = EFR2_GCR3TRPMODE;
}

static bool accepts(unsigned format)
{
	return format == IREF_TF_AMD_GCR3 || format == IREF_TF_AMD_PT;
}

static bool page_size_ok(const struct iref_hw_caps *caps, unsigned log2)
{
	(void)caps;
	return log2 == 12 || log2 == 21 || log2 == 30;
}

/* ---- AMD_GCR3 ---- */

static const uint64_t dte_known[4] = {
	DTE0_V | DTE0_PPR | DTE0_GIOV | DTE0_GV | UINT64_C(3) << DTE0_GLX_SHIFT |
		UINT64_C(7) << DTE0_GCR3_14_12_SHIFT,
	UINT64_C(0xffff) << DTE1_GCR3_30_15_SHIFT |
		UINT64_C(0x1fffff) << DTE1_GCR3_51_31_SHIFT,
	UINT64_C(3) << DTE2_GPM_SHIFT,
	0,
};

static bool dte_rsv_set(const struct iref_desc_amd_gcr3 *d)
{
	for (unsigned i = 0; i < 4; i++)
		if (d->dte[i] & ~dte_known[i])
			return true;
	return false;
}

static uint64_t gcr3_root(const struct iref_desc_amd_gcr3 *d)
{
	return walk_bits(d->dte[0], 60, 58) << 12 |
	       walk_bits(d->dte[1], 31, 16) << 15 |
	       walk_bits(d->dte[1], 63, 43) << 31;
}

static unsigned glx(const struct iref_desc_amd_gcr3 *d)
{
	return (unsigned)walk_bits(d->dte[0], 57, 56);
}

static unsigned gpm(const struct iref_desc_amd_gcr3 *d)
{
	return (unsigned)walk_bits(d->dte[2], 55, 54);
}

/* C122 and the rest of 6.5.4: malformed first (INVAL), then what the
 * capabilities refuse (UNSUPP), then the guest-PA bound (RANGE). */
static enum iref_status check_gcr3(const struct iref_hw_caps *caps,
				   const struct iref_desc_amd_gcr3 *d,
				   unsigned guest_pa_bits)
{
	if (dte_rsv_set(d) || glx(d) == 3 || gpm(d) >= 2 ||
	    ((d->dte[0] & DTE0_GV) && gcr3_root(d) == 0))
		return IREF_S_INVAL;
	if ((gpm(d) == 1 && !caps->s1.u.amd.gats) || glx(d) > caps->x.amd.glx ||
	    ((d->dte[0] & DTE0_GIOV) && !caps->x.amd.giov))
		return IREF_S_UNSUPP;
	if (guest_pa_bits < 64 && gcr3_root(d) >> guest_pa_bits)
		return IREF_S_RANGE;
	return IREF_S_OK;
}

/* ---- AMD_PT ---- */

/* The same order as INTEL_PT's: unknown bits, root, depth, PASID. */
static enum iref_status check_pt(const struct iref_hw_caps *caps,
				 const struct iref_desc_amd_pt *d,
				 unsigned guest_pa_bits)
{
	if (d->attach_flags & ~IREF_ATTACH_TABLE_F_PASID)
		return IREF_S_INVAL;
	if (d->gcr3 & 0xfff)
		return IREF_S_INVAL;
	if (guest_pa_bits < 64 && d->gcr3 >> guest_pa_bits)
		return IREF_S_RANGE;
	if (d->levels != 4 && d->levels != 5)
		return IREF_S_INVAL;
	if (d->levels == 5 && !caps->s1.u.amd.gats)
		return IREF_S_UNSUPP;
	if ((d->attach_flags & IREF_ATTACH_TABLE_F_PASID) &&
	    !pasid_in_range(caps, d->pasid))
		return IREF_S_RANGE;
	return IREF_S_OK;
}

static enum iref_status check(const struct iref_hw_caps *caps,
			      const struct iref_attach_table *at,
			      unsigned guest_pa_bits)
{
	return at->format == IREF_TF_AMD_GCR3
		       ? check_gcr3(caps, &at->u.amd_gcr3, guest_pa_bits)
		       : check_pt(caps, &at->u.amd_pt, guest_pa_bits);
}

/* ---- Lookup ---- */

/* The event flags that describe a guest (v2) request (8.3, 8.4), as the
 * amd-v2 walker sets them. */
static uint32_t req_flags(const struct iref_ctx_req *req)
{
	return IREF_AMD_F_GN | (req->priv ? 0 : IREF_AMD_F_US) |
	       (req->access == IREF_ACC_WRITE ? IREF_AMD_F_RW : 0) |
	       (req->access == IREF_ACC_EXEC ? IREF_AMD_F_NX : 0);
}

static void event(struct iref_ctx *out, uint32_t code, uint32_t flags)
{
	ctx_fault(out, IREF_R_UNKNOWN, IREF_WF_CONFIG, code);
	out->fault.flags = flags;
}

/* A descriptor ATTACH_TABLE would refuse, as the DTE the device would
 * build from it: ILLEGAL_DEV_TABLE_ENTRY, RZ = 1 for reserved bits set
 * (8.5), GN only for a PASID-tagged request. */
static void illegal_dte(const struct iref_ctx_req *req, bool rsv,
			struct iref_ctx *out)
{
	event(out, IREF_AMD_EV_ILLEGAL_DEV_TABLE_ENTRY,
	      (req->access == IREF_ACC_WRITE ? IREF_AMD_F_RW : 0) |
		      (req->has_pasid ? IREF_AMD_F_GN : 0) |
		      (rsv ? IREF_AMD_F_RZ : 0));
}

/* GCR3[pasid] of a table of `levels` levels at root (6): the guest CR3,
 * or false with the fault in out. */
static bool gcr3_lookup(const struct iref_ctx_env *env,
			const struct iref_ctx_req *req, uint64_t root,
			unsigned levels, uint32_t pasid, uint64_t *cr3,
			struct iref_ctx *out)
{
	/* PASmax and the levels' reach (6, 8.4): PR = 0. */
	if (!pasid_in_range(env->caps, pasid) || pasid >> (9 * levels)) {
		event(out, IREF_AMD_EV_IO_PAGE_FAULT, req_flags(req));
		return false;
	}
	uint64_t table = root;
	for (unsigned k = levels; k-- > 0;) {
		uint64_t e;
		if (!ctx_read64(env, table + 8 * ((pasid >> (9 * k)) & 0x1ff),
				&e, out)) {
			/* A bus error (stage 1): the structure read failed
			 * (8.5); a stage-2 fault stays the host's. */
			if (out->fault.stage == 1) {
				out->fault.code =
					IREF_AMD_EV_PAGE_TAB_HW_ERROR;
				out->fault.flags = req_flags(req) &
						   (IREF_AMD_F_RW |
						    IREF_AMD_F_GN);
			}
			return false;
		}
		if (!(e & GCR3_VALID)) { /* 8.4: PR = 0 */
			event(out, IREF_AMD_EV_IO_PAGE_FAULT, req_flags(req));
			return false;
		}
		/* Other bits of an entry are ignored ([U] in 6). */
		table = e & GCR3_ADDR;
	}
	*cr3 = table;
	return true;
}

/* 3.2 steps 4-7 for the guest part of the DTE: GV = 0 leaves the host's
 * translation only; a PASID-tagged request then is an invalid device
 * request (step 5, model default); without PASID GIoV selects PASID 0. */
static void resolve_gcr3(const struct iref_ctx_env *env,
			 const struct iref_desc_amd_gcr3 *d,
			 const struct iref_ctx_req *req, struct iref_ctx *out)
{
	bool gv = d->dte[0] & DTE0_GV;
	if (!gv && req->has_pasid) {
		event(out, IREF_AMD_EV_INVALID_DEVICE_REQUEST,
		      req_flags(req) & (IREF_AMD_F_RW | IREF_AMD_F_GN));
		return;
	}
	if (!gv || (!req->has_pasid && !(d->dte[0] & DTE0_GIOV))) {
		out->kind = IREF_CTX_S1_BYPASS;
		return;
	}
	uint64_t cr3;
	if (!gcr3_lookup(env, req, gcr3_root(d), glx(d) + 1,
			 req->has_pasid ? req->pasid : 0, &cr3, out))
		return;
	out->s1 = env->caps->s1;
	out->s1.u.amd.levels = gpm(d) ? 5 : 4;
	out->s1.root = cr3;
}

static void resolve(const struct iref_ctx_env *env,
		    const struct iref_attach_table *at,
		    const struct iref_ctx_req *req, struct iref_ctx *out)
{
	if (check(env->caps, at, 64) != IREF_S_OK) {
		illegal_dte(req,
			    at->format == IREF_TF_AMD_GCR3 &&
				    dte_rsv_set(&at->u.amd_gcr3),
			    out);
		return;
	}
	if (at->format == IREF_TF_AMD_GCR3) {
		resolve_gcr3(env, &at->u.amd_gcr3, req, out);
		return;
	}
	out->s1 = env->caps->s1;
	out->s1.u.amd.levels = at->u.amd_pt.levels;
	out->s1.root = at->u.amd_pt.gcr3;
}

const struct ctx_arch ctx_arch_amd = {
	.arch = IREF_ARCH_AMD,
	.caps_default = caps_default,
	.caps_set = caps_set,
	.regs = regs,
	.accepts = accepts,
	.page_size_ok = page_size_ok,
	.check = check,
	.resolve = resolve,
};
