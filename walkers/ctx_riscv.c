/* RISC-V IOMMU stage-1 contexts of the page-table extension (RISCV,
 * virtio-iommu.md 6.5.3): the capabilities and the sanitised capabilities/
 * fctl words PROBE reports, the checks of the guest's device-context words
 * (tc, fsc, ta), and the lookup of a request's first stage: DC.fsc as
 * iosatp, or a process-directory table (PD8/PD17/PD20) whose process
 * context gives iosatp, PSCID and SUM. Section numbers (§) are
 * pgtable-riscv.md's; docs/extension-riscv.md lists every field, check,
 * cause and register bit. */
#include "ctx_core.h"

#include <stddef.h>
#include <string.h>

#include "iommu-ref/walk_riscv.h"
#include "walk_core.h"

#define BIT(n) (UINT64_C(1) << (n))

/* ---- Device-context words (6.5.3, §10.3) ---- */

/* The tc bits the extension honours; the others are host-owned. */
#define TC_PDTV BIT(5)
#define TC_SADE BIT(8)
#define TC_DPE BIT(9)
#define TC_SBE BIT(10)
#define TC_SXL BIT(11)

/* iosatp, pdtp and PC.fsc share one layout. */
#define FSC_PPN walk_mask(43, 0)
#define FSC_RSV walk_mask(59, 44)
#define FSC_MODE(x) ((unsigned)((x) >> 60))

#define TA_PSCID walk_mask(31, 12)
#define PSCID_OF(ta) ((uint32_t)(((ta) & TA_PSCID) >> 12))

enum { PDTP_BARE, PDTP_PD8, PDTP_PD17, PDTP_PD20 };
#define IOSATP_BARE 0u
/* iosatp MODE 8 is Sv32 with SXL = 1, Sv39 with SXL = 0 (§1). */
#define IOSATP_SV32 8u
#define IOSATP_SV39 8u
#define IOSATP_SV48 9u
#define IOSATP_SV57 10u

/* What an iosatp MODE selects besides the walker's enum iref_riscv_mode. */
#define MODE_BARE 0xfeu
#define MODE_BAD 0xffu

/* ---- PDT (§11) ---- */

#define PDTE_V BIT(0)
#define PDTE_PPN walk_mask(53, 10)
#define PDTE_RSV (walk_mask(9, 1) | walk_mask(63, 54))
#define PC_V BIT(0)
#define PC_ENS BIT(1)
#define PC_SUM BIT(2)
#define PC_TA_RSV (walk_mask(11, 3) | walk_mask(63, 32))
#define PC_SIZE 16u
#define PID_BITS 20u /* the widest process_id (PD20) */

/* ---- capabilities and fctl (§14) ---- */

#define CAP_VERSION_1_0 UINT64_C(0x10)
#define CAP_SV32 BIT(8)
#define CAP_SV39 BIT(9)
#define CAP_SV48 BIT(10)
#define CAP_SV57 BIT(11)
#define CAP_SVRSW60T59B BIT(14)
#define CAP_SVPBMT BIT(15)
#define CAP_AMO_HWAD BIT(24)
#define CAP_END BIT(27)
#define CAP_PAS(v) ((uint64_t)((v) & 0x3f) << 32)
#define CAP_PD8 BIT(38)
#define CAP_PD17 BIT(39)
#define CAP_PD20 BIT(40)

/* ---- Capabilities ---- */

/* pasid_bits: the widest PDT the capabilities allow. */
static unsigned pdt_width(const struct iref_hw_riscv *h)
{
	return h->pd20 ? 20 : h->pd17 ? 17 : h->pd8 ? 8 : 0;
}

static void caps_default(struct iref_hw_caps *caps)
{
	caps->arch = IREF_ARCH_RISCV;
	(void)iref_walk_cfg_init(&caps->s1, "riscv-sv39", NULL);
	caps->x.riscv = (struct iref_hw_riscv){
		.sv39 = true, .sv48 = true, .sv57 = true,
		.pd8 = true, .pd17 = true, .pd20 = true,
		.amo_hwad = true,
	};
	caps->pasid_bits = pdt_width(&caps->x.riscv);
}

/* The bits of the capabilities register by name; "pasid_bits" (0, 8, 17
 * or 20) names the widest PDT and so sets PD8/PD17/PD20 together. */
static enum iref_rc caps_set(struct iref_hw_caps *caps, const char *key,
			     const char *value, struct iref_diag *diag)
{
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
		{"sv32", offsetof(struct iref_hw_riscv, sv32)},
		{"sv39", offsetof(struct iref_hw_riscv, sv39)},
		{"sv48", offsetof(struct iref_hw_riscv, sv48)},
		{"sv57", offsetof(struct iref_hw_riscv, sv57)},
		{"pd8", offsetof(struct iref_hw_riscv, pd8)},
		{"pd17", offsetof(struct iref_hw_riscv, pd17)},
		{"pd20", offsetof(struct iref_hw_riscv, pd20)},
		{"amo_hwad", offsetof(struct iref_hw_riscv, amo_hwad)},
	};
	struct iref_hw_riscv *h = &caps->x.riscv;
	bool width = strcmp(key, "pasid_bits") == 0;
	bool *field = NULL;
	for (size_t i = 0; i < sizeof keys / sizeof keys[0] && !width; i++)
		if (strcmp(key, keys[i].key) == 0)
			field = (bool *)((char *)h + keys[i].off);
	if (!width && !field)
		return IREF_E_NOENT;
	uint64_t v;
	enum iref_rc rc = walk_parse_u64(key, value, &v, diag);
	if (rc != IREF_OK)
		return rc;
	if (width ? v != 0 && v != 8 && v != 17 && v != 20 : v > 1) {
		iref_diag_set(diag, NULL, 0, 0, "option %s: %s is not %s", key,
			      value, width ? "0, 8, 17 or 20" : "0 or 1");
		return IREF_E_RANGE;
	}
	if (width) {
		h->pd8 = v >= 8;
		h->pd17 = v >= 17;
		h->pd20 = v >= 20;
	} else {
		*field = v != 0;
	}
	caps->pasid_bits = pdt_width(h);
	return IREF_OK;
}

/* What the guest's first stage and PDT may use, nothing of the host's
 * G-stage, MSI tables, queues, ATS or interrupts (6.6, §14). END = 1: the
 * walker and the PDT reads honour DC.tc.SBE. */
static void regs(const struct iref_hw_caps *caps, struct iref_hw_regs *out)
{
	const struct iref_hw_riscv *h = &caps->x.riscv;
	const struct iref_riscv_cfg *c = &caps->s1.u.riscv;
	out->type = IREF_PROBE_T_HW_RISCV;
	out->reg[0] = CAP_VERSION_1_0 | (h->sv32 ? CAP_SV32 : 0) |
		      (h->sv39 ? CAP_SV39 : 0) | (h->sv48 ? CAP_SV48 : 0) |
		      (h->sv57 ? CAP_SV57 : 0) |
		      (c->svrsw60t59b ? CAP_SVRSW60T59B : 0) |
		      (c->svpbmt ? CAP_SVPBMT : 0) |
		      (h->amo_hwad ? CAP_AMO_HWAD : 0) | CAP_END |
		      CAP_PAS(c->pas) | (h->pd8 ? CAP_PD8 : 0) |
		      (h->pd17 ? CAP_PD17 : 0) | (h->pd20 ? CAP_PD20 : 0);
	out->reg[1] = 0; /* fctl: BE = 0 (little-endian), WSI = 0, GXL = 0 */
}

static bool accepts(unsigned format)
{
	return format == IREF_TF_RISCV;
}

/* Leaf sizes of the modes the capabilities allow (§1): 4 KiB, Svnapot
 * 64 KiB (mandatory for a RISC-V IOMMU), 2 MiB and 1 GiB for Sv39 and
 * up, 512 GiB for Sv48/57, 256 TiB for Sv57, 4 MiB for Sv32. */
static bool page_size_ok(const struct iref_hw_caps *caps, unsigned log2)
{
	const struct iref_hw_riscv *h = &caps->x.riscv;
	bool sv39up = h->sv39 || h->sv48 || h->sv57;
	switch (log2) {
	case 12: return sv39up || h->sv32;
	case 16: case 21: case 30: return sv39up;
	case 22: return h->sv32;
	case 39: return h->sv48 || h->sv57;
	case 48: return h->sv57;
	}
	return false;
}

/* ---- The device-context words ---- */

/* The walker mode of an iosatp MODE under SXL (§1, §10.3), MODE_BARE, or
 * MODE_BAD for a reserved, custom or unsupported encoding. */
static unsigned iosatp_mode(const struct iref_hw_riscv *h, bool sxl,
			    unsigned mode)
{
	if (mode == IOSATP_BARE)
		return MODE_BARE;
	if (sxl)
		return mode == IOSATP_SV32 && h->sv32 ? IREF_RISCV_SV32
						      : MODE_BAD;
	switch (mode) {
	case IOSATP_SV39: return h->sv39 ? IREF_RISCV_SV39 : MODE_BAD;
	case IOSATP_SV48: return h->sv48 ? IREF_RISCV_SV48 : MODE_BAD;
	case IOSATP_SV57: return h->sv57 ? IREF_RISCV_SV57 : MODE_BAD;
	}
	return MODE_BAD;
}

/* PDT levels of a pdtp MODE other than Bare; 0 if unsupported. */
static unsigned pdt_levels(const struct iref_hw_riscv *h, unsigned mode)
{
	switch (mode) {
	case PDTP_PD8: return h->pd8 ? 1 : 0;
	case PDTP_PD17: return h->pd17 ? 2 : 0;
	case PDTP_PD20: return h->pd20 ? 3 : 0;
	}
	return 0;
}

struct dc {
	bool pdtv, sade, dpe, sbe, sxl;
	unsigned mode;   /* PDTV = 0: iosatp_mode(); 1: the pdtp MODE */
	unsigned levels; /* PDTV = 1, MODE not Bare: PDT levels */
	uint64_t fsc;
	uint32_t pscid;  /* PDTV = 0 */
};

/* Decode and check (6.5.3, C121): reserved bits first (as 6.3 rule 5
 * puts them before the format's checks), then 6.5.3's list in its order,
 * then SADE (the DC misconfiguration of §10.3 an unsupported feature
 * is). */
static enum iref_status dc_decode(const struct iref_hw_caps *caps,
				  const struct iref_attach_table *at,
				  unsigned guest_pa_bits, struct dc *d)
{
	const struct iref_hw_riscv *h = &caps->x.riscv;
	uint64_t tc = at->u.riscv.dc_tc, fsc = at->u.riscv.dc_fsc;
	uint64_t ta = at->u.riscv.dc_ta;
	*d = (struct dc){
		.pdtv = tc & TC_PDTV, .sade = tc & TC_SADE,
		.dpe = tc & TC_DPE, .sbe = tc & TC_SBE, .sxl = tc & TC_SXL,
		.fsc = fsc, .pscid = PSCID_OF(ta),
	};
	if ((ta & ~TA_PSCID) || (fsc & FSC_RSV))
		return IREF_S_INVAL;
	/* SXL selects the 32-bit modes, which need Sv32. */
	if (d->sxl && !h->sv32)
		return IREF_S_UNSUPP;
	if (d->pdtv) {
		d->mode = FSC_MODE(fsc);
		d->levels = pdt_levels(h, d->mode);
		if (d->mode != PDTP_BARE && !d->levels)
			return IREF_S_UNSUPP;
	} else {
		d->mode = iosatp_mode(h, d->sxl, FSC_MODE(fsc));
		if (d->mode == MODE_BAD)
			return IREF_S_UNSUPP;
	}
	if (d->dpe && !d->pdtv)
		return IREF_S_INVAL;
	/* The PPN means nothing under Bare. */
	bool bare = d->pdtv ? d->mode == PDTP_BARE : d->mode == MODE_BARE;
	if (!bare && guest_pa_bits < 64 && (fsc & FSC_PPN) << 12 >> guest_pa_bits)
		return IREF_S_RANGE;
	if (d->sade && !h->amo_hwad)
		return IREF_S_UNSUPP;
	return IREF_S_OK;
}

static enum iref_status check(const struct iref_hw_caps *caps,
			      const struct iref_attach_table *at,
			      unsigned guest_pa_bits)
{
	struct dc d;
	return dc_decode(caps, at, guest_pa_bits, &d);
}

/* ---- Context lookup ---- */

static void cfg_fault(struct iref_ctx *out, uint32_t cause)
{
	ctx_fault(out, IREF_R_UNKNOWN, IREF_WF_CONFIG, cause);
}

/* A failed ctx_read as a RISC-V IOMMU reports it (§11, GET_PC): a bus
 * error on the entry is 265; a G-stage access fault is 265 too, and a
 * guest page fault takes the transaction's access type with iotval2 bit
 * 0 set (an implicit access). Another host stage-2 format keeps its own
 * record. */
static void read_fault(const struct iref_ctx_env *env,
		       const struct iref_ctx_req *req, struct iref_ctx *out)
{
	struct iref_walk_fault *f = &out->fault;
	if (f->stage == 1) {
		f->code = IREF_RISCV_CAUSE_PDT_LOAD_ACCESS;
		return;
	}
	if (env->s2->fmt != IREF_FMT_RISCV_G)
		return;
	if (f->reason == IREF_WF_BUS_ERROR ||
	    f->reason == IREF_WF_ADDRESS_SIZE) {
		f->code = IREF_RISCV_CAUSE_PDT_LOAD_ACCESS;
	} else if (f->code == IREF_RISCV_CAUSE_READ_GUEST_PAGE) {
		f->code = req->access == IREF_ACC_READ
				  ? IREF_RISCV_CAUSE_READ_GUEST_PAGE
			  : req->access == IREF_ACC_EXEC
				  ? IREF_RISCV_CAUSE_INST_GUEST_PAGE
				  : IREF_RISCV_CAUSE_WRITE_GUEST_PAGE;
		f->addr2 |= IREF_RISCV_IOTVAL2_IMPLICIT;
	}
}

/* One PDT doubleword, in the endianness DC.tc.SBE names. Without a
 * stage 2 the address is physical and must be below PAS (§17 item 17);
 * behind one, the stage 2 checks it. */
static bool pdt_read(const struct iref_ctx_env *env,
		     const struct iref_ctx_req *req, const struct dc *d,
		     uint64_t gpa, uint64_t *val, struct iref_ctx *out)
{
	bool identity = !env->s2 || env->s2->fmt == IREF_FMT_NONE;
	if (identity && gpa >> env->caps->s1.u.riscv.pas) {
		ctx_fault(out, IREF_R_UNKNOWN, IREF_WF_ADDRESS_SIZE,
			  IREF_RISCV_CAUSE_PDT_LOAD_ACCESS);
		out->fault.addr2 = gpa;
		return false;
	}
	if (!ctx_read64(env, gpa, val, out)) {
		read_fault(env, req, out);
		return false;
	}
	if (d->sbe)
		*val = __builtin_bswap64(*val);
	return true;
}

/* The process context of process_id pid (§11, GET_PC): ta in pc[0], fsc
 * in pc[1]. PDI[0] = pid[7:0], PDI[1] = pid[16:8], PDI[2] = pid[19:17]. */
static bool locate_pc(const struct iref_ctx_env *env,
		      const struct iref_ctx_req *req, const struct dc *d,
		      uint32_t pid, uint64_t *pc, struct iref_ctx *out)
{
	static const uint8_t pdi_shift[3] = {0, 8, 17};
	static const uint16_t pdi_mask[3] = {0xff, 0x1ff, 0x7};
	uint64_t a = (d->fsc & FSC_PPN) << 12;
	for (unsigned i = d->levels - 1; i > 0; i--) {
		uint64_t pdte;
		uint64_t pdi = pid >> pdi_shift[i] & pdi_mask[i];
		if (!pdt_read(env, req, d, a + 8 * pdi, &pdte, out))
			return false;
		if (!(pdte & PDTE_V)) {
			cfg_fault(out, IREF_RISCV_CAUSE_PDT_INVALID);
			return false;
		}
		if (pdte & PDTE_RSV) {
			cfg_fault(out, IREF_RISCV_CAUSE_PDT_MISCONFIG);
			return false;
		}
		a = (pdte & PDTE_PPN) << 2;
	}
	/* A PC is 16-byte aligned: both words lie in one page. */
	a += PC_SIZE * (pid & pdi_mask[0]);
	return pdt_read(env, req, d, a, &pc[0], out) &&
	       pdt_read(env, req, d, a + 8, &pc[1], out);
}

/* The first stage an iosatp names, starting from the device's
 * capabilities (caps->s1 keeps pas, svpbmt, svrsw60t59b and the model's
 * options); the context sets the rest. */
static void set_stage1(const struct iref_hw_caps *caps, const struct dc *d,
		       unsigned mode, uint64_t iosatp, bool sum,
		       uint32_t pscid, struct iref_ctx *out)
{
	if (mode == MODE_BARE) {
		out->kind = IREF_CTX_S1_BYPASS;
		return;
	}
	out->s1 = caps->s1;
	struct iref_riscv_cfg *c = &out->s1.u.riscv;
	c->mode = (uint8_t)mode;
	c->ade = d->sade;
	c->be = d->sbe;
	c->sum = sum;
	out->s1.root = (iosatp & FSC_PPN) << 12;
	out->has_tag = true;
	out->tag = pscid;
}

/* §12 steps 3, 5 and 6. */
static void resolve(const struct iref_ctx_env *env,
		    const struct iref_attach_table *at,
		    const struct iref_ctx_req *req, struct iref_ctx *out)
{
	const struct iref_hw_caps *caps = env->caps;
	static const uint8_t pid_bits[4] = {PID_BITS, 8, 17, 20};
	struct dc d;
	/* A descriptor check() refuses is a misconfigured DC. */
	if (dc_decode(caps, at, 64, &d) != IREF_S_OK) {
		cfg_fault(out, IREF_RISCV_CAUSE_DDT_MISCONFIG);
		return;
	}
	if (!d.pdtv) {
		if (req->has_pasid)
			cfg_fault(out, IREF_RISCV_CAUSE_TTYP_DISALLOWED);
		else
			set_stage1(caps, &d, d.mode, d.fsc, false, d.pscid,
				   out);
		return;
	}
	uint32_t pid = req->pasid;
	if (!req->has_pasid) {
		if (!d.dpe) {
			out->kind = IREF_CTX_S1_BYPASS;
			return;
		}
		pid = 0;
	}
	/* A RISC-V process_id has 20 bits, fewer with PD8/PD17. */
	if (pid >> pid_bits[d.mode]) {
		cfg_fault(out, IREF_RISCV_CAUSE_TTYP_DISALLOWED);
		return;
	}
	if (d.mode == PDTP_BARE) {
		out->kind = IREF_CTX_S1_BYPASS;
		return;
	}
	uint64_t pc[2];
	if (!locate_pc(env, req, &d, pid, pc, out))
		return;
	if (!(pc[0] & PC_V)) {
		cfg_fault(out, IREF_RISCV_CAUSE_PDT_INVALID);
		return;
	}
	unsigned mode = iosatp_mode(&caps->x.riscv, d.sxl, FSC_MODE(pc[1]));
	if ((pc[0] & PC_TA_RSV) || (pc[1] & FSC_RSV) || mode == MODE_BAD) {
		cfg_fault(out, IREF_RISCV_CAUSE_PDT_MISCONFIG);
		return;
	}
	/* Only a request with a process_id carries a privilege: the DPE
	 * default is a user request. */
	if (req->has_pasid && req->priv && !(pc[0] & PC_ENS)) {
		cfg_fault(out, IREF_RISCV_CAUSE_TTYP_DISALLOWED);
		return;
	}
	set_stage1(caps, &d, mode, pc[1], pc[0] & PC_SUM, PSCID_OF(pc[0]),
		   out);
}

const struct ctx_arch ctx_arch_riscv = {
	.arch = IREF_ARCH_RISCV,
	.caps_default = caps_default,
	.caps_set = caps_set,
	.regs = regs,
	.accepts = accepts,
	.page_size_ok = page_size_ok,
	.check = check,
	.resolve = resolve,
};
