/* Arm SMMUv3 stage-1 contexts of the page-table extension (ARM_SMMU3,
 * virtio-iommu.md 6.5.1): the capabilities and the sanitised SMMU_IDR0/1/
 * 3/5 PROBE reports, the checks of the guest's STE words, and the lookup
 * of a request's Context Descriptor (linear or two-level CD tables,
 * SubstreamID = PASID) decoded into an "arm-s1" walker configuration.
 * Section numbers (§) are pgtable-arm.md's; docs/extension-arm.md lists
 * every field, check, event and register bit. */
#include "ctx_core.h"

#include <string.h>

#include "iommu-ref/walk_arm.h"
#include "walk_core.h"

#define BIT(n) (UINT64_C(1) << (n))

/* ---- STE doublewords 0 and 1 (6.5.1, §11.1) ---- */

#define STE0_S1FMT(x) ((unsigned)((x) >> 4) & 3u)
/* The extension's mask: bits [51:6]; bits [55:52] are ignored. */
#define STE0_CTXPTR UINT64_C(0x000fffffffffffc0)
#define STE0_S1CDMAX(x) ((unsigned)((x) >> 59))
#define STE1_S1DSS(x) ((unsigned)(x) & 3u)

enum { S1FMT_LINEAR, S1FMT_2L_4K, S1FMT_2L_64K, S1FMT_RSVD };
enum { S1DSS_TERMINATE, S1DSS_BYPASS, S1DSS_SSID0, S1DSS_RSVD };

/* L1CD (§11.2): V and L2Ptr[55:12]. */
#define L1CD_V BIT(0)
#define L1CD_L2PTR walk_mask(55, 12)

/* ---- Context Descriptor (§11.3), as dwords 0..3 ---- */

#define CD0_EPD0 BIT(14)
#define CD0_ENDI BIT(15)
#define CD0_EPD1 BIT(30)
#define CD0_V BIT(31)
#define CD0_AFFD BIT(35)
#define CD0_WXN BIT(36)
#define CD0_TBI0 BIT(38)
#define CD0_TBI1 BIT(39)
#define CD0_PAN BIT(40)
#define CD0_AA64 BIT(41)
#define CD0_HD BIT(42)
#define CD0_HA BIT(43)
#define CD0_S BIT(44)
#define CD0_A BIT(46)
#define CD1_HAD0 BIT(1)  /* CD bit 65 */
#define CD1_E0PD0 BIT(2) /* 66 */
#define CD1_EPAN BIT(59) /* 123 */
#define CD2_HAD1 BIT(1)  /* 129 */
#define CD2_E0PD1 BIT(2) /* 130 */
#define CD_TTB walk_mask(51, 4) /* TTB0 in dword 1, TTB1 in dword 2 */

/* ---- ID registers (§14.2) ---- */

#define IDR0_S1P BIT(1)
#define IDR0_TTF_AA64 (UINT64_C(2) << 2)
#define IDR0_HTTU(v) ((uint64_t)(v) << 6)
#define IDR0_ASID16 BIT(12)
#define IDR0_CD2L BIT(19)
#define IDR0_TTENDIAN_LE (UINT64_C(2) << 21)
#define IDR0_STALL_NONE (UINT64_C(1) << 24)
#define IDR0_TERM_MODEL BIT(26)
#define IDR1_SSIDSIZE(v) ((uint64_t)(v) << 6)
#define IDR3_HAD BIT(2)
#define IDR3_STT BIT(9)
#define IDR3_RIL BIT(10)
#define IDR3_E0PD BIT(13)
#define IDR3_EPAN BIT(17) /* IHI 0070 (SMMUv3.4); not in §14.2 */
#define IDR5_GRAN4K BIT(4)
#define IDR5_GRAN16K BIT(5)
#define IDR5_GRAN64K BIT(6)
#define IDR5_VAX(v) ((uint64_t)(v) << 10)

#define SSIDSIZE_MAX 20u

/* ---- Capabilities ---- */

static void caps_default(struct iref_hw_caps *caps)
{
	caps->arch = IREF_ARCH_ARM;
	(void)iref_walk_cfg_init(&caps->s1, "arm-s1", NULL);
	caps->pasid_bits = SSIDSIZE_MAX;
	caps->x.arm.cd2l = true;
	caps->x.arm.ril = true;
}

/* Own keys; the "idrN." spellings match the walker's option names. */
static enum iref_rc caps_set(struct iref_hw_caps *caps, const char *key,
			     const char *value, struct iref_diag *diag)
{
	enum { K_SSID, K_CD2L, K_RIL };
	static const struct {
		const char *key;
		unsigned kind;
	} keys[] = {
		{"ssidsize", K_SSID}, {"pasid_bits", K_SSID},
		{"idr1.ssidsize", K_SSID}, {"cd2l", K_CD2L},
		{"idr0.cd2l", K_CD2L}, {"ril", K_RIL}, {"idr3.ril", K_RIL},
	};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		if (strcmp(key, keys[i].key) != 0)
			continue;
		unsigned kind = keys[i].kind;
		unsigned max = kind == K_SSID ? SSIDSIZE_MAX : 1;
		uint64_t v;
		enum iref_rc rc = walk_parse_u64(key, value, &v, diag);
		if (rc != IREF_OK)
			return rc;
		if (v > max) {
			iref_diag_set(diag, NULL, 0, 0,
				      "option %s: %s is outside 0..%u", key,
				      value, max);
			return IREF_E_RANGE;
		}
		if (kind == K_SSID)
			caps->pasid_bits = (unsigned)v;
		else if (kind == K_CD2L)
			caps->x.arm.cd2l = v;
		else
			caps->x.arm.ril = v;
		return IREF_OK;
	}
	return IREF_E_NOENT;
}

/* What the model's stage 1 implements, nothing of stage 2 or the host
 * (6.6, §14.2; docs/extension-arm.md has the table). */
static void regs(const struct iref_hw_caps *caps, struct iref_hw_regs *out)
{
	const struct iref_arm_cfg *c = &caps->s1.u.arm;
	/* HTTU 3 adds table-descriptor AF updates, which the walker does
	 * not do: it acts as 2 (walk_arm.h), so report 2. */
	unsigned httu = c->httu > 2 ? 2 : c->httu;
	out->type = IREF_PROBE_T_HW_ARM_SMMU3;
	out->reg[0] = IDR0_S1P | IDR0_TTF_AA64 | IDR0_HTTU(httu) |
		      (c->asid16 ? IDR0_ASID16 : 0) |
		      (caps->x.arm.cd2l ? IDR0_CD2L : 0) | IDR0_TTENDIAN_LE |
		      IDR0_STALL_NONE | IDR0_TERM_MODEL;
	out->reg[1] = IDR1_SSIDSIZE(caps->pasid_bits);
	out->reg[2] = (c->had ? IDR3_HAD : 0) | (c->stt ? IDR3_STT : 0) |
		      (caps->x.arm.ril ? IDR3_RIL : 0) |
		      (c->e0pd ? IDR3_E0PD : 0) |
		      (c->epan_cap ? IDR3_EPAN : 0);
	out->reg[3] = (uint64_t)(c->oas & 7) | (c->gran4k ? IDR5_GRAN4K : 0) |
		      (c->gran16k ? IDR5_GRAN16K : 0) |
		      (c->gran64k ? IDR5_GRAN64K : 0) | IDR5_VAX(c->vax & 3);
}

static bool accepts(unsigned format)
{
	return format == IREF_TF_ARM_SMMU3;
}

/* Block and page sizes of VMSAv8-64 without LPA2 (§2); contiguous-hint
 * spans are not leaves. */
static bool page_size_ok(const struct iref_hw_caps *caps, unsigned log2)
{
	const struct iref_arm_cfg *c = &caps->s1.u.arm;
	bool lpa = c->lpa == IREF_ARM_LPA_ON ||
		   (c->lpa == IREF_ARM_LPA_AUTO && c->oas >= IREF_ARM_PS_52);
	switch (log2) {
	case 12: case 21: case 30: return c->gran4k;
	case 14: case 25: return c->gran16k;
	case 16: case 29: return c->gran64k;
	case 42: return c->gran64k && lpa;
	}
	return false;
}

/* ---- The STE words ---- */

struct ste {
	unsigned fmt, cdmax, dss;
	uint64_t ptr;
};

/* Decode and check (6.5.1, C117), in the order 6.5.1 lists the checks;
 * two-level tables without IDR0.CD2L last. S1Fmt means nothing without
 * substreams (S1CDMax = 0), so neither of its checks applies then. */
static enum iref_status ste_decode(const struct iref_hw_caps *caps,
				   const struct iref_attach_table *at,
				   unsigned guest_pa_bits, struct ste *s)
{
	uint64_t s0 = at->u.arm.ste0;
	*s = (struct ste){
		.fmt = STE0_S1FMT(s0),
		.cdmax = STE0_S1CDMAX(s0),
		.dss = STE1_S1DSS(at->u.arm.ste1),
		.ptr = s0 & STE0_CTXPTR,
	};
	if (s->cdmax && s->fmt == S1FMT_RSVD)
		return IREF_S_INVAL;
	if (s->dss == S1DSS_RSVD)
		return IREF_S_INVAL;
	if (s->cdmax > caps->pasid_bits)
		return caps->pasid_bits ? IREF_S_RANGE : IREF_S_UNSUPP;
	if (guest_pa_bits < 64 && s->ptr >> guest_pa_bits)
		return IREF_S_RANGE;
	if (s->cdmax && s->fmt != S1FMT_LINEAR && !caps->x.arm.cd2l)
		return IREF_S_UNSUPP;
	return IREF_S_OK;
}

static enum iref_status check(const struct iref_hw_caps *caps,
			      const struct iref_attach_table *at,
			      unsigned guest_pa_bits)
{
	struct ste s;
	return ste_decode(caps, at, guest_pa_bits, &s);
}

/* ---- Context lookup ---- */

static void arm_fault(struct iref_ctx *out, uint32_t code)
{
	ctx_fault(out, IREF_R_UNKNOWN, IREF_WF_CONFIG, code);
}

/* A failed ctx_read: a bus error is the guest's F_CD_FETCH (FetchAddr
 * already in addr2); a stage-2 fault stays as stage 2 reported it. */
static void fetch_fault(struct iref_ctx *out)
{
	if (out->fault.stage == 1 && out->fault.reason == IREF_WF_BUS_ERROR)
		out->fault.code = IREF_ARM_F_CD_FETCH;
}

/* The SubstreamID whose CD serves the request (§11.2, STE.S1DSS); false
 * when the request does not use a CD (fault or stage-1 bypass). */
static bool select_ssid(const struct ste *s, const struct iref_ctx_req *req,
			struct iref_ctx *out, uint32_t *ssid)
{
	*ssid = 0;
	if (req->has_pasid) {
		if (!s->cdmax || req->pasid >> s->cdmax) {
			arm_fault(out, IREF_ARM_C_BAD_SUBSTREAMID);
			return false;
		}
		/* With S1DSS = SSID0, substream 0 belongs to no-SSID
		 * traffic (IHI 0070 STE.S1DSS: F_STREAM_DISABLED). */
		if (s->dss == S1DSS_SSID0 && req->pasid == 0) {
			arm_fault(out, IREF_ARM_F_STREAM_DISABLED);
			return false;
		}
		*ssid = req->pasid;
		return true;
	}
	if (!s->cdmax || s->dss == S1DSS_SSID0)
		return true;
	if (s->dss == S1DSS_BYPASS)
		out->kind = IREF_CTX_S1_BYPASS;
	else
		arm_fault(out, IREF_ARM_F_STREAM_DISABLED);
	return false;
}

/* The input size an L2Ptr must fit (IAS = OAS with AArch64 tables only,
 * §1). */
static unsigned ias_bits(const struct iref_arm_cfg *c)
{
	static const uint8_t bits[8] = {32, 36, 40, 42, 44, 48, 52, 52};
	return bits[c->oas & 7];
}

/* The guest-physical address of CD[ssid] (§11.2). Pointer bits the table
 * size makes RES0 are treated as zero, one of the behaviours IHI 0070
 * allows. */
static bool locate_cd(const struct iref_ctx_env *env, const struct ste *s,
		      uint32_t ssid, struct iref_ctx *out, uint64_t *cd)
{
	if (!s->cdmax) {
		*cd = s->ptr;
		return true;
	}
	if (s->fmt == S1FMT_LINEAR) {
		*cd = (s->ptr & ~((UINT64_C(64) << s->cdmax) - 1)) +
		      64 * (uint64_t)ssid;
		return true;
	}
	/* L2 tables of 64 (4 KiB) or 1024 (64 KiB) CDs; the L1 table is
	 * aligned to its size or 64 bytes (the pointer has no bits below
	 * 6). */
	unsigned leaf = s->fmt == S1FMT_2L_4K ? 6 : 10;
	unsigned l1_bits = s->cdmax > leaf ? s->cdmax - leaf : 0;
	uint64_t l1 = s->ptr & ~((UINT64_C(8) << l1_bits) - 1);
	uint64_t l1cd;
	if (!ctx_read64(env, l1 + 8 * (uint64_t)(ssid >> leaf), &l1cd, out)) {
		fetch_fault(out);
		return false;
	}
	/* L2Ptr[11:0] are taken as zero, [15:12] are RES0 for 64 KiB. */
	uint64_t l2 = l1cd & L1CD_L2PTR & ~((UINT64_C(64) << leaf) - 1);
	if (!(l1cd & L1CD_V) || l2 >> ias_bits(&env->caps->s1.u.arm)) {
		arm_fault(out, IREF_ARM_C_BAD_SUBSTREAMID);
		return false;
	}
	*cd = l2 + 64 * (uint64_t)(ssid & ((1u << leaf) - 1));
	return true;
}

/* The CD's ILLEGAL conditions this file owns, in CdIllegal() order
 * (§11.3). TxSZ, TGx and TTBx against IPS are the arm-s1 walker's: it
 * reports C_BAD_CD for them when the walk begins. HAFT and DS are RES0
 * with the IDR values reported (HTTU <= 2, DS = 0) and are ignored. */
static bool cd_illegal(const struct iref_arm_cfg *c, const uint64_t *d)
{
	uint64_t d0 = d[0];
	bool walks = !(d0 & CD0_EPD0) || !(d0 & CD0_EPD1);
	return !(d0 & CD0_V) ||
	       !(d0 & CD0_A) ||                 /* IDR0.TERM_MODEL = 1 */
	       (d0 & CD0_S) ||                  /* IDR0.STALL_MODEL = 1 */
	       ((d0 & CD0_ENDI) && walks) ||    /* IDR0.TTENDIAN = LE */
	       !(d0 & CD0_AA64) ||              /* IDR0.TTF = AArch64 */
	       ((d0 & CD0_HA) && !c->httu) ||
	       ((d0 & CD0_HD) && c->httu < 2) ||
	       (!c->asid16 && (d0 >> 56));
}

/* The CD into out->s1, starting from the device's capabilities. */
static void decode_cd(const struct iref_hw_caps *caps, const uint64_t *d,
		      struct iref_ctx *out)
{
	uint64_t d0 = d[0], d1 = d[1], d2 = d[2];
	out->s1 = caps->s1;
	struct iref_arm_cfg *c = &out->s1.u.arm;
	c->t0sz = (uint8_t)(d0 & 0x3f);
	c->tg0 = (uint8_t)(d0 >> 6 & 3);
	c->epd0 = d0 & CD0_EPD0;
	c->t1sz = (uint8_t)(d0 >> 16 & 0x3f);
	c->tg1 = (uint8_t)(d0 >> 22 & 3);
	c->epd1 = d0 & CD0_EPD1;
	c->ips = (uint8_t)(d0 >> 32 & 7);
	c->affd = d0 & CD0_AFFD;
	c->wxn = d0 & CD0_WXN;
	c->tbi0 = d0 & CD0_TBI0;
	c->tbi1 = d0 & CD0_TBI1;
	c->pan = d0 & CD0_PAN;
	c->hd = d0 & CD0_HD;
	c->ha = d0 & CD0_HA;
	c->asid = (uint16_t)(d0 >> 48);
	c->had0 = d1 & CD1_HAD0;
	c->e0pd0 = d1 & CD1_E0PD0;
	c->epan = d1 & CD1_EPAN;
	c->had1 = d2 & CD2_HAD1;
	c->e0pd1 = d2 & CD2_E0PD1;
	c->ttb1 = d2 & CD_TTB;
	c->mair = d[3];
	out->s1.root = d1 & CD_TTB;
	out->has_tag = true;
	out->tag = c->asid;
}

static void resolve(const struct iref_ctx_env *env,
		    const struct iref_attach_table *at,
		    const struct iref_ctx_req *req, struct iref_ctx *out)
{
	const struct iref_hw_caps *caps = env->caps;
	struct ste s;
	uint32_t ssid;
	uint64_t gpa;
	uint8_t b[64];
	/* A descriptor check() refuses is an ILLEGAL STE. */
	if (ste_decode(caps, at, 64, &s) != IREF_S_OK) {
		arm_fault(out, IREF_ARM_C_BAD_STE);
		return;
	}
	if (!select_ssid(&s, req, out, &ssid) ||
	    !locate_cd(env, &s, ssid, out, &gpa))
		return;
	/* A CD is 64-byte aligned: one read, never across a page. */
	if (!ctx_read(env, gpa, b, sizeof b, out)) {
		fetch_fault(out);
		return;
	}
	uint64_t d[4];
	for (unsigned i = 0; i < 4; i++)
		d[i] = iref_le64(b + 8 * i);
	if (cd_illegal(&caps->s1.u.arm, d)) {
		arm_fault(out, IREF_ARM_C_BAD_CD);
		return;
	}
	decode_cd(caps, d, out);
}

const struct ctx_arch ctx_arch_arm = {
	.arch = IREF_ARCH_ARM,
	.caps_default = caps_default,
	.caps_set = caps_set,
	.regs = regs,
	.accepts = accepts,
	.page_size_ok = page_size_ok,
	.check = check,
	.resolve = resolve,
};
