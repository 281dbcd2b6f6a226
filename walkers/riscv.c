/* RISC-V page tables as a RISC-V IOMMU walks them: the first stage
 * ("riscv-sv32" ... "riscv-sv57") and the G-stage ("riscv-sv32x4" ...
 * "riscv-sv57x4"). Both stages share the PTE format and the walk of the
 * Privileged spec; the G-stage differs only in its input check, its 16 KiB
 * root with two extra index bits, the U rule, the ignored G bit and its
 * guest-page-fault codes. Clause numbers (§) are those of the RISC-V
 * page-table reference that docs/walker-riscv.md cites; levels are
 * RISC-V's (i = LEVELS - 1 at the root, 0 = 4 KiB). */
#include "walk_core.h"

#include <stddef.h>
#include <string.h>

#include "iommu-ref/walk_riscv.h"

#define BIT(n) (UINT64_C(1) << (n))

/* PTE bits (§2.1, §2.2). Sv32 PTEs are 32 bits wide, so every bit above 31
 * reads as 0 there and the same masks serve both widths. */
#define PTE_V BIT(0)
#define PTE_R BIT(1)
#define PTE_W BIT(2)
#define PTE_X BIT(3)
#define PTE_U BIT(4)
#define PTE_G BIT(5)
#define PTE_A BIT(6)
#define PTE_D BIT(7)
#define PTE_RSW_SHIFT 8
#define PTE_PPN walk_mask(53, 10)
#define PTE_RSV walk_mask(60, 54)
#define PTE_RSV_SW walk_mask(60, 59) /* software bits with Svrsw60t59b */
#define PTE_PBMT walk_mask(62, 61)
#define PTE_PBMT_SHIFT 61
#define PTE_N BIT(63)
/* Reserved in a pointer (non-leaf) PTE, besides PTE_RSV (§2.3). */
#define PTE_NONLEAF_RSV (PTE_D | PTE_A | PTE_U | PTE_PBMT | PTE_N)

#define NAPOT_SHIFT 16 /* Svnapot: 64 KiB, PPN[3:0] = 0b1000 (§5) */
#define NAPOT_PPN_LOW 0x8u

#define G_ROOT_SIZE UINT64_C(0x4000) /* G-stage root: 16 KiB (§1) */

/* Per mode: levels, index bits per level, input widths (§1). */
struct mode {
	const char *name[2]; /* first stage, G-stage */
	uint8_t levels;
	uint8_t ib;          /* index bits; a 4 KiB table has 2^ib entries */
	uint8_t va_bits;     /* first-stage IOVA width */
	bool va_signed;      /* IOVA bits above va_bits copy bit va_bits-1 */
	uint8_t gpa_bits;    /* G-stage GPA width */
};

static const struct mode modes[] = {
	[IREF_RISCV_SV32] = {{"riscv-sv32", "riscv-sv32x4"}, 2, 10, 32, false,
			     34},
	[IREF_RISCV_SV39] = {{"riscv-sv39", "riscv-sv39x4"}, 3, 9, 39, true,
			     41},
	[IREF_RISCV_SV48] = {{"riscv-sv48", "riscv-sv48x4"}, 4, 9, 48, true,
			     50},
	[IREF_RISCV_SV57] = {{"riscv-sv57", "riscv-sv57x4"}, 5, 9, 57, true,
			     59},
};
#define N_MODES (sizeof modes / sizeof modes[0])

/* w->st: what begin() derives once per stage walk. */
enum {
	ST_ADDR, /* input address, bits above the mode's width cleared */
	ST_RSV,  /* bits that must be 0 in every PTE */
	ST_PAHI, /* address bits at or above 2^pas */
	ST_INFO, /* the packed fields below */
};
/* ST_INFO. Bit 5 collects G over the path, where the PTE keeps it. */
#define INFO_G PTE_G
#define INFO_PF(i) ((uint32_t)((i) >> 8 & 0xff))  /* page-fault cause */
#define INFO_AF(i) ((uint32_t)((i) >> 16 & 0xff)) /* access-fault cause */
#define INFO_IB(i) ((unsigned)((i) >> 24 & 0xf))
#define INFO_TOP(i) ((unsigned)((i) >> 28 & 0xf))
#define INFO_PERM_U(i) ((unsigned)((i) >> 32 & 7))  /* rights on U = 1 */
#define INFO_PERM_S(i) ((unsigned)((i) >> 36 & 7))  /* ... on U = 0 */
#define INFO_NEED_D BIT(40)   /* a write: D must be set */
#define INFO_IMPLICIT_D BIT(41) /* implicit-dirty: D too if W = 1 */
#define INFO_CHECK_OA BIT(42)   /* the output address must be below PAS */
#define INFO_IOTVAL2(i) ((i) >> 48 & 3)

static const struct iref_riscv_cfg *opts(const struct iref_walk_cfg *cfg)
{
	return &cfg->u.riscv;
}

static bool is_g(const struct iref_walk_cfg *cfg)
{
	return cfg->fmt == IREF_FMT_RISCV_G;
}

static bool cfg_ok(const struct iref_walk_cfg *cfg)
{
	const struct iref_riscv_cfg *o = opts(cfg);
	return o->mode < N_MODES && o->pas >= 12 && o->pas <= 56;
}

/* The mode of a usable cfg; a broken struct written directly reads as
 * Sv39 here and is refused by begin(). */
static const struct mode *mode_of(const struct iref_walk_cfg *cfg)
{
	return &modes[cfg_ok(cfg) ? opts(cfg)->mode : IREF_RISCV_SV39];
}

/* PTEs are stored in the endianness SBE / fctl.BE names; swapping is its
 * own inverse, so it converts both ways. */
static uint64_t swap_pte(const struct iref_walk_cfg *cfg, uint64_t v)
{
	if (!opts(cfg)->be)
		return v;
	return mode_of(cfg)->ib == 10 ? __builtin_bswap32((uint32_t)v)
				      : __builtin_bswap64(v);
}

static unsigned pte_size_of(const struct iref_walk_cfg *cfg)
{
	return opts(cfg)->mode == IREF_RISCV_SV32 ? 4 : 8;
}

/* ---- Faults (§4, §9) ---- */

/* Page fault (first stage) or guest page fault (G-stage), for the
 * transaction's original access; iotval2 for the latter (§8). */
static enum walk_step page_fault(struct walk *w, enum iref_wfault reason)
{
	uint64_t info = w->st[ST_INFO];
	walk_fault(w, reason, INFO_PF(info));
	if (is_g(w->cfg))
		w->res->fault.addr2 =
			(w->req->addr & ~UINT64_C(3)) | INFO_IOTVAL2(info);
	return STEP_FAULT;
}

static enum walk_step access_fault(struct walk *w, enum iref_wfault reason)
{
	walk_fault(w, reason, INFO_AF(w->st[ST_INFO]));
	w->res->fault.addr2 = 0; /* iotval2 is for guest page faults only */
	return STEP_FAULT;
}

static void bus_fault(struct walk *w, bool write)
{
	(void)write; /* reads and A/D writes share the access-fault code */
	access_fault(w, IREF_WF_BUS_ERROR);
}

/* ---- The walk ---- */

/* Rights a request of this privilege gets from a leaf's R/W/X, for U = 1
 * and U = 0 pages (§6): S-mode reaches U pages only with SUM and never
 * for execute; the G-stage treats every access as U-mode. */
static uint64_t perm_masks(const struct walk *w)
{
	const unsigned rwx = IREF_PERM_R | IREF_PERM_W | IREF_PERM_X;
	unsigned on_u = rwx, on_s = 0;
	if (!is_g(w->cfg) && w->req->priv) {
		on_u = opts(w->cfg)->sum ? IREF_PERM_R | IREF_PERM_W : 0;
		on_s = rwx;
	}
	return (uint64_t)on_u << 32 | (uint64_t)on_s << 36;
}

/* Page-fault and access-fault causes by the original access (one
 * IREF_ACC_* bit; anything else counts as a write). Guest page faults
 * are the page faults + 8. */
#define PF_W IREF_RISCV_CAUSE_WRITE_PAGE
#define AF_W IREF_RISCV_CAUSE_WRITE_ACCESS
static const uint8_t pf_cause[8] = {
	PF_W, IREF_RISCV_CAUSE_READ_PAGE, PF_W, PF_W,
	IREF_RISCV_CAUSE_INST_PAGE, PF_W, PF_W, PF_W,
};
static const uint8_t af_cause[8] = {
	AF_W, IREF_RISCV_CAUSE_READ_ACCESS, AF_W, AF_W,
	IREF_RISCV_CAUSE_INST_ACCESS, AF_W, AF_W, AF_W,
};
#define GUEST_PAGE_DELTA                                                   \
	(IREF_RISCV_CAUSE_READ_GUEST_PAGE - IREF_RISCV_CAUSE_READ_PAGE)

/* A G-stage walk for a first-stage PTE access reports it in iotval2, may
 * have to set D on it (§7, §8), and its output is the PTE's address,
 * which must be below PAS (§4 step 2). */
static uint64_t implicit_info(const struct walk *w)
{
	if (w->purpose == WALK_DATA)
		return 0;
	uint64_t v = (uint64_t)IREF_RISCV_IOTVAL2_IMPLICIT << 48 |
		     INFO_CHECK_OA;
	if (w->purpose == WALK_IMPLICIT_WR)
		v |= (uint64_t)IREF_RISCV_IOTVAL2_WRITE << 48;
	if (opts(w->cfg)->implicit_dirty)
		v |= INFO_IMPLICIT_D;
	return v;
}

static bool input_ok(const struct walk *w, const struct mode *m)
{
	uint64_t a = w->req->addr;
	if (is_g(w->cfg)) /* no sign extension for GPAs (§3) */
		return !(a >> (opts(w->cfg)->sxl ? 34 : m->gpa_bits));
	if (!m->va_signed) /* Sv32: bits 63:32 zero */
		return !(a >> m->va_bits);
	uint64_t top = a >> (m->va_bits - 1);
	return top == 0 || top == ~UINT64_C(0) >> (m->va_bits - 1);
}

static uint64_t walk_info(const struct walk *w, const struct mode *m,
			  bool g)
{
	unsigned a = w->orig_access & 7;
	uint64_t pf = pf_cause[a] + (g ? GUEST_PAGE_DELTA : 0);
	return pf << 8 | (uint64_t)af_cause[a] << 16 | (uint64_t)m->ib << 24 |
	       (uint64_t)(m->levels - 1) << 28 | perm_masks(w) |
	       (w->req->access == IREF_ACC_WRITE ? INFO_NEED_D : 0) |
	       (opts(w->cfg)->leaf_pas ? INFO_CHECK_OA : 0) |
	       (g ? implicit_info(w) : 0);
}

static enum walk_step begin(struct walk *w)
{
	const struct iref_walk_cfg *cfg = w->cfg;
	const struct iref_riscv_cfg *o = opts(cfg);
	const struct mode *m = mode_of(cfg);
	bool g = is_g(cfg);
	w->level = -1;
	w->st[ST_INFO] = walk_info(w, m, g);
	/* A mode or PAS the fields cannot hold, or a G-stage root that is
	 * not 16 KiB aligned, is a misconfigured DC (§1, §10.3). */
	if (!cfg_ok(cfg) || (g && (cfg->root & (G_ROOT_SIZE - 1) &
					       ~UINT64_C(0xfff))))
		return walk_fault(w, IREF_WF_CONFIG,
				  IREF_RISCV_CAUSE_DDT_MISCONFIG);
	if (!input_ok(w, m))
		return page_fault(w, IREF_WF_TRANSLATION);
	w->st[ST_ADDR] = g ? w->req->addr
				 : w->req->addr & (BIT(m->va_bits) - 1);
	w->st[ST_RSV] = (o->svrsw60t59b ? PTE_RSV & ~PTE_RSV_SW : PTE_RSV) |
			(o->svpbmt ? 0 : PTE_PBMT);
	/* A nested first stage's addresses are GPAs: the G-stage checks
	 * them, against its own width and pas. */
	w->st[ST_PAHI] = !g && w->nested ? 0 : ~(BIT(o->pas) - 1);
	w->level = m->levels - 1;
	w->table = cfg->root & ~UINT64_C(0xfff);
	if (w->table & w->st[ST_PAHI])
		return access_fault(w, IREF_WF_ADDRESS_SIZE);
	return STEP_TABLE;
}

static uint64_t entry_offset(const struct walk *w)
{
	uint64_t info = w->st[ST_INFO];
	unsigned ib = INFO_IB(info), lvl = (unsigned)w->level;
	uint64_t idx = w->st[ST_ADDR] >> (12 + ib * lvl);
	/* At the root the cleared address bounds the index (two bits more
	 * for the G-stage). */
	if (lvl != INFO_TOP(info))
		idx &= BIT(ib) - 1;
	return idx << (12 - ib);
}

static enum walk_step next_table(struct walk *w, uint64_t pte)
{
	if (pte & PTE_NONLEAF_RSV)
		return page_fault(w, IREF_WF_TRANSLATION);
	if (w->level == 0) /* a pointer where only a leaf may be */
		return page_fault(w, IREF_WF_TRANSLATION);
	w->st[ST_INFO] |= pte & INFO_G;
	w->level--;
	w->table = (pte & PTE_PPN) << 2;
	/* The next PTE's address beyond PAS (§4 step 2). */
	if (w->table & w->st[ST_PAHI])
		return access_fault(w, IREF_WF_ADDRESS_SIZE);
	return STEP_TABLE;
}

static enum walk_step leaf(struct walk *w, uint64_t raw, uint64_t pte)
{
	uint64_t info = w->st[ST_INFO];
	unsigned lvl = (unsigned)w->level;
	unsigned perm = (unsigned)(pte >> 1 & 7) & /* R, W, X = PERM_R/W/X */
			(pte & PTE_U ? INFO_PERM_U(info) : INFO_PERM_S(info));
	if (!(perm & w->req->access)) /* step 5 */
		return page_fault(w, IREF_WF_PERMISSION);
	unsigned shift = 12 + INFO_IB(info) * lvl;
	uint64_t ppn = (pte & PTE_PPN) >> 10;
	if (ppn & (BIT(shift - 12) - 1)) /* step 6: misaligned superpage */
		return page_fault(w, IREF_WF_TRANSLATION);
	if (pte & PTE_N) { /* step 7: only level 0 gets here */
		if ((ppn & 0xf) != NAPOT_PPN_LOW)
			return page_fault(w, IREF_WF_TRANSLATION);
		shift = NAPOT_SHIFT;
	}
	uint64_t size = BIT(shift);
	uint64_t pa = (ppn << 12 & ~(size - 1)) | (w->req->addr & (size - 1));
	if ((info & INFO_CHECK_OA) && (pa & w->st[ST_PAHI]))
		return access_fault(w, IREF_WF_ADDRESS_SIZE);
	/* Step 8: A, and D for a write (or an implicit access with
	 * implicit-dirty to a writable page); never D on W = 0. */
	bool need_d = !(pte & PTE_D) &&
		      ((info & INFO_NEED_D) ||
		       ((info & INFO_IMPLICIT_D) && (pte & PTE_W)));
	if (!(pte & PTE_A) || need_d) {
		if (!opts(w->cfg)->ade)
			return page_fault(w, IREF_WF_ACCESS_FLAG);
		pte |= PTE_A | (need_d ? PTE_D : 0);
		walk_queue_update(w, raw, swap_pte(w->cfg, pte));
	}
	w->leaf = (struct walk_leaf){
		.pa = pa,
		.size = size,
		.perm = perm,
		.attrs = (uint32_t)((pte & PTE_PBMT) >> PTE_PBMT_SHIFT) |
			 (pte & PTE_N ? IREF_RISCV_ATTR_NAPOT : 0) |
			 (pte & PTE_U ? IREF_RISCV_ATTR_U : 0) |
			 (pte & PTE_A ? IREF_RISCV_ATTR_A : 0) |
			 (pte & PTE_D ? IREF_RISCV_ATTR_D : 0) |
			 (uint32_t)(pte >> PTE_RSW_SHIFT & 3)
				 << IREF_RISCV_ATTR_RSW_SHIFT,
		/* The G bit of G-stage PTEs is ignored (§2.1). */
		.global = !is_g(w->cfg) && ((info | pte) & INFO_G),
	};
	return STEP_LEAF;
}

static enum walk_step step(struct walk *w, uint64_t raw)
{
	uint64_t pte = swap_pte(w->cfg, raw);
	/* Step 3: invalid, W without R, reserved bits or encodings, N above
	 * level 0. */
	if (!(pte & PTE_V) || (pte & (PTE_R | PTE_W)) == PTE_W ||
	    (pte & w->st[ST_RSV]) || (pte & PTE_PBMT) == PTE_PBMT ||
	    ((pte & PTE_N) && w->level != 0))
		return page_fault(w, IREF_WF_TRANSLATION);
	if (!(pte & (PTE_R | PTE_X))) /* step 4 */
		return next_table(w, pte);
	return leaf(w, raw, pte);
}

/* ---- Walk cache ---- */

/* The table at w->table covers what one entry of the level above maps.
 * The only state the path accumulates is G (a global pointer PTE makes
 * the leaf global, §2.1); the rest of ST_INFO is begin()'s. */
static unsigned cache_pack(const struct walk *w, unsigned *perm,
			   uint32_t *attrs)
{
	uint64_t info = w->st[ST_INFO];
	*perm = 0;
	*attrs = info & INFO_G ? 1 : 0;
	return 12 + INFO_IB(info) * (unsigned)(w->level + 1);
}

static bool cache_restore(struct walk *w, unsigned perm, uint32_t attrs)
{
	(void)perm;
	if (w->level < 0 || w->level >= (int)INFO_TOP(w->st[ST_INFO]))
		return false;
	w->st[ST_INFO] |= attrs & 1 ? INFO_G : 0;
	return true;
}

/* ---- Names and options ---- */

static bool init(struct iref_walk_cfg *cfg, const char *name)
{
	bool g = is_g(cfg);
	for (unsigned m = 0; m < N_MODES; m++)
		if (strcmp(name, modes[m].name[g]) == 0) {
			cfg->u.riscv = (struct iref_riscv_cfg){
				.mode = (uint8_t)m,
				.pas = 56,
				.svpbmt = true,
				.sxl = g && m == IREF_RISCV_SV32,
			};
			return true;
		}
	return false;
}

static const char *name(const struct iref_walk_cfg *cfg)
{
	return cfg_ok(cfg) ? mode_of(cfg)->name[is_g(cfg)] : "riscv-invalid";
}

#define STAGE_1 1u
#define STAGE_G 2u

static const struct option {
	const char *key;
	size_t off;
	bool is_bool;
	uint8_t min, max;
	unsigned stages;
} options[] = {
	{"ade", offsetof(struct iref_riscv_cfg, ade), true, 0, 1,
	 STAGE_1 | STAGE_G},
	{"sum", offsetof(struct iref_riscv_cfg, sum), true, 0, 1, STAGE_1},
	{"svpbmt", offsetof(struct iref_riscv_cfg, svpbmt), true, 0, 1,
	 STAGE_1 | STAGE_G},
	{"svrsw60t59b", offsetof(struct iref_riscv_cfg, svrsw60t59b), true, 0,
	 1, STAGE_1 | STAGE_G},
	{"pas", offsetof(struct iref_riscv_cfg, pas), false, 12, 56,
	 STAGE_1 | STAGE_G},
	{"be", offsetof(struct iref_riscv_cfg, be), true, 0, 1,
	 STAGE_1 | STAGE_G},
	{"sxl", offsetof(struct iref_riscv_cfg, sxl), true, 0, 1, STAGE_G},
	{"implicit-dirty", offsetof(struct iref_riscv_cfg, implicit_dirty),
	 true, 0, 1, STAGE_G},
	{"leaf-pas", offsetof(struct iref_riscv_cfg, leaf_pas), true, 0, 1,
	 STAGE_1 | STAGE_G},
};

static enum iref_rc set(struct iref_walk_cfg *cfg, const char *key,
			const char *value, struct iref_diag *diag)
{
	unsigned stage = is_g(cfg) ? STAGE_G : STAGE_1;
	for (size_t i = 0; i < sizeof options / sizeof options[0]; i++) {
		const struct option *op = &options[i];
		if (strcmp(key, op->key) != 0 || !(op->stages & stage))
			continue;
		uint64_t v;
		enum iref_rc rc = walk_parse_u64(key, value, &v, diag);
		if (rc != IREF_OK)
			return rc;
		if (v < op->min || v > op->max) {
			iref_diag_set(diag, NULL, 0, 0,
				      "option %s: %s is outside %u..%u", key,
				      value, op->min, op->max);
			return IREF_E_RANGE;
		}
		char *field = (char *)&cfg->u.riscv + op->off;
		if (op->is_bool)
			*(bool *)field = v != 0;
		else
			*(uint8_t *)field = (uint8_t)v;
		return IREF_OK;
	}
	iref_diag_set(diag, NULL, 0, 0,
		      "option %s: not an option of %s (ade, svpbmt, "
		      "svrsw60t59b, pas, be, leaf-pas; %s)",
		      key, name(cfg),
		      stage == STAGE_G ? "sxl, implicit-dirty" : "sum");
	return IREF_E_INVAL;
}

/* ---- Builder ---- */

static void geometry(const struct iref_walk_cfg *cfg, struct walk_geom *g)
{
	const struct mode *m = mode_of(cfg);
	bool gs = is_g(cfg);
	memset(g, 0, sizeof *g);
	g->depth = m->levels;
	for (unsigned d = 0; d < m->levels; d++) {
		unsigned lvl = m->levels - 1 - d;
		g->level[d] = (int)lvl;
		g->shift[d] = 12 + m->ib * lvl;
		g->idx_bits[d] = m->ib + (gs && d == 0 ? 2 : 0);
		g->leaf_ok[d] = true;
	}
	g->root_size = gs ? G_ROOT_SIZE : 0x1000;
	g->pte_size = pte_size_of(cfg);
}

static uint64_t make_table(const struct iref_walk_cfg *cfg, int level,
			   uint64_t next)
{
	(void)level;
	return swap_pte(cfg, PTE_V | ((next >> 12 << 10) & PTE_PPN));
}

static bool napot_ok(const struct iref_walk_cfg *cfg, int level,
		     const struct iref_build_map *m)
{
	const uint64_t sz = BIT(NAPOT_SHIFT);
	return (m->attrs & IREF_RISCV_ATTR_NAPOT) && level == 0 &&
	       mode_of(cfg)->ib == 9 && !((m->va | m->pa | m->size) & (sz - 1));
}

/* A mapping without any right is written as an invalid PTE holding the
 * rest of the leaf: RISC-V has no valid leaf with R = W = X = 0. */
static uint64_t make_leaf(const struct iref_walk_cfg *cfg, int level,
			  uint64_t pa, const struct iref_build_map *m)
{
	bool g = is_g(cfg);
	unsigned perm = m->perm & (IREF_PERM_R | IREF_PERM_W | IREF_PERM_X);
	uint64_t pte = ((pa >> 12 << 10) & PTE_PPN) | (uint64_t)perm << 1 |
		       (perm ? PTE_V : 0) |
		       (g || (m->flags & IREF_BUILD_USER) ? PTE_U : 0) |
		       (!g && (m->flags & IREF_BUILD_GLOBAL) ? PTE_G : 0) |
		       (m->flags & IREF_BUILD_NO_ACCESSED ? 0 : PTE_A) |
		       (m->flags & IREF_BUILD_NO_DIRTY ? 0 : PTE_D) |
		       (uint64_t)(m->attrs >> IREF_RISCV_ATTR_RSW_SHIFT & 3)
			       << PTE_RSW_SHIFT;
	if (mode_of(cfg)->ib == 9) /* no PBMT or N in a 32-bit PTE */
		pte |= (uint64_t)(m->attrs & IREF_RISCV_ATTR_PBMT)
		       << PTE_PBMT_SHIFT;
	if (napot_ok(cfg, level, m))
		pte = (pte & ~(UINT64_C(0xf) << 10)) | NAPOT_PPN_LOW << 10 |
		      PTE_N;
	return swap_pte(cfg, pte);
}

static enum walk_entry_kind entry_kind(const struct iref_walk_cfg *cfg,
				       int level, uint64_t pte,
				       uint64_t *next)
{
	(void)level;
	pte = swap_pte(cfg, pte);
	if (!(pte & PTE_V)) /* a non-zero invalid PTE is a rightless leaf */
		return pte ? ENTRY_LEAF : ENTRY_EMPTY;
	if (pte & (PTE_R | PTE_W | PTE_X))
		return ENTRY_LEAF;
	*next = (pte & PTE_PPN) << 2;
	return ENTRY_TABLE;
}

/* ---- Format objects ---- */

#define RISCV_FMT(f)                                                       \
	{                                                                  \
		.fmt = (f), .init = init, .name = name, .set = set,        \
		.pte_size = pte_size_of, .begin = begin,                   \
		.entry_offset = entry_offset, .step = step,                \
		.bus_fault = bus_fault, .geometry = geometry,              \
		.make_table = make_table, .make_leaf = make_leaf,          \
		.entry_kind = entry_kind, .cache_pack = cache_pack,        \
		.cache_restore = cache_restore,                            \
	}

const struct walk_fmt walk_fmt_riscv_s1 = RISCV_FMT(IREF_FMT_RISCV_S1);
const struct walk_fmt walk_fmt_riscv_g = RISCV_FMT(IREF_FMT_RISCV_G);
