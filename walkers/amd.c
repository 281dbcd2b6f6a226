/* AMD IOMMU page tables: the host I/O page table ("amd-v1") and the guest
 * table ("amd-v2", x86-64 4/5-level paging). Both use 512 8-byte entries
 * indexed by 9 address bits per level (AMD's level 6 by 7) and raise the
 * same events, so they share the entry offset, fault helpers, leaf
 * completion and builder geometry; each has its own step. Clause numbers
 * (§) are those of the AMD page-table reference that docs/walker-amd.md
 * cites. Levels are AMD's (1 = 4 KiB PTE table). */
#include "walk_core.h"

#include <stddef.h>
#include <string.h>

#include "iommu-ref/walk_amd.h"

#define BIT(n) (UINT64_C(1) << (n))
#define ADDR_MASK walk_mask(51, 12)

/* v1 entry (§4.1). */
#define V1_PR BIT(0)
#define V1_A BIT(5)
#define V1_D BIT(6)
#define V1_NL(pte) ((unsigned)((pte) >> 9) & 7u)
#define V1_U BIT(59)
#define V1_FC BIT(60)
#define V1_IR BIT(61)
#define V1_IW BIT(62)
#define V1_RSV_PTE walk_mask(58, 52)
#define V1_RSV_PDE walk_mask(60, 52) /* U and FC are PTE-only */
#define NL_DEFAULT 0u /* leaf of the level's own size */
#define NL_SIZED 7u   /* leaf whose size is encoded in the address */

/* v2 entry (§5.1). */
#define V2_P BIT(0)
#define V2_RW BIT(1)
#define V2_US BIT(2)
#define V2_PWT BIT(3)
#define V2_PCD BIT(4)
#define V2_A BIT(5)
#define V2_D BIT(6)
#define V2_PS BIT(7)
#define V2_PAT_4K BIT(7)
#define V2_G BIT(8)
#define V2_PAT_LARGE BIT(12)
#define V2_NX BIT(63)

/* w->st: what begin() derives once from the options. */
enum {
	ST_ACC,       /* v1 IR, IW; v2 R/W, U/S, NX inverted: ANDed over
		       * the path */
	ST_RSV_TABLE, /* bits that must be 0 in a table entry */
	ST_RSV_LEAF,  /* ... in a leaf, before its alignment bits */
	ST_MISC,      /* the packed fields below */
};
#define MISC_SET_TABLE(m) ((m) & 0xffff)      /* A/D bits a table gets */
#define MISC_SET_LEAF(m) ((m) >> 16 & 0xffff) /* ... the leaf gets */
#define MISC_PER_LEVEL BIT(32)                /* perm_check per level */
#define V2_ACC (V2_RW | V2_US | V2_NX)         /* what v2's ST_ACC keeps */

static const struct iref_amd_cfg *opts(const struct walk *w)
{
	return &w->cfg->u.amd;
}

static bool is_v2(const struct iref_walk_cfg *cfg)
{
	return cfg->fmt == IREF_FMT_AMD_V2;
}

/* log2 of the bytes one entry of a level maps by default (§2.1). */
static unsigned level_shift(int level)
{
	return 3 + 9 * (unsigned)level;
}

/* Entry bits pa_size..51: reserved, and naming an address beyond the
 * output size (§2.3, §5.1). */
static uint64_t addr_rsv(const struct iref_amd_cfg *c)
{
	return c->pa_size < 52 ? walk_mask(51, c->pa_size) : 0;
}

/* ---- Faults (§8) ---- */

/* The flags that describe the request rather than the cause (§8.4): a v2
 * request is a guest request and carries its privilege and execute; a v1
 * request has no PASID prefix, so neither. */
static uint32_t req_flags(const struct walk *w)
{
	uint32_t f = w->orig_access == IREF_ACC_WRITE ? IREF_AMD_F_RW : 0;
	if (is_v2(w->cfg))
		f |= IREF_AMD_F_GN |
		     (w->req->priv ? 0 : IREF_AMD_F_US) |
		     (w->orig_access == IREF_ACC_EXEC ? IREF_AMD_F_NX : 0);
	return f;
}

static enum walk_step event(struct walk *w, enum iref_wfault reason,
			    uint32_t code, uint32_t cause)
{
	walk_fault(w, reason, code);
	w->res->fault.flags = cause | req_flags(w);
	return STEP_FAULT;
}

static enum walk_step iopf(struct walk *w, enum iref_wfault reason,
			   uint32_t cause)
{
	return event(w, reason, IREF_AMD_EV_IO_PAGE_FAULT, cause);
}

/* A DTE field the walk cannot use (§3.2 step 4, §8.5): RZ=1 for a value
 * in reserved bits, RZ=0 for an illegal encoding. */
static enum walk_step illegal_dte(struct walk *w, enum iref_wfault reason,
				  uint32_t cause)
{
	return event(w, reason, IREF_AMD_EV_ILLEGAL_DEV_TABLE_ENTRY, cause);
}

static enum walk_step rsv_fault(struct walk *w, uint64_t bad)
{
	/* Only address bits beyond pa_size: the entry names an address the
	 * output size cannot hold (DESIGN: address-size). */
	enum iref_wfault reason = bad & ~addr_rsv(opts(w))
					  ? IREF_WF_TRANSLATION
					  : IREF_WF_ADDRESS_SIZE;
	return iopf(w, reason, IREF_AMD_F_PR | IREF_AMD_F_RZ);
}

static bool perm_ok(struct walk *w, unsigned perm)
{
	w->leaf.perm = perm;
	if (perm & w->req->access)
		return true;
	iopf(w, IREF_WF_PERMISSION, IREF_AMD_F_PR | IREF_AMD_F_PE);
	return false;
}

/* PAGE_TAB_HARDWARE_ERROR (§8.5, §12.26): the event's address is the
 * entry's, kept in addr2. Its flags carry only RW and GN of the request. */
static void bus_fault(struct walk *w, bool write)
{
	(void)write;
	event(w, IREF_WF_BUS_ERROR, IREF_AMD_EV_PAGE_TAB_HW_ERROR, 0);
	w->res->fault.flags &= IREF_AMD_F_RW | IREF_AMD_F_GN;
	w->res->fault.addr2 = w->entry_pa; /* system-physical */
}

/* ---- Shared walk pieces ---- */

/* The root pointer holds bits 51:12 (DTE host root, guest CR3); the
 * bits of it beyond pa_size, which make it unusable. */
static uint64_t set_root(struct walk *w)
{
	w->table = w->cfg->root & ADDR_MASK;
	return w->table & addr_rsv(opts(w));
}

static void init_st(struct walk *w, uint64_t acc, uint64_t rsv_table,
		    uint64_t rsv_leaf, uint64_t set_table, uint64_t set_leaf)
{
	w->st[ST_ACC] = acc;
	w->st[ST_RSV_TABLE] = rsv_table;
	w->st[ST_RSV_LEAF] = rsv_leaf;
	w->st[ST_MISC] = set_table | set_leaf << 16 |
			 (opts(w)->perm_check == IREF_AMD_PERM_PER_LEVEL
				  ? MISC_PER_LEVEL
				  : 0);
	w->ad_as_walked = opts(w)->ad_policy == IREF_AMD_AD_AS_WALKED;
}

static uint64_t entry_offset(const struct walk *w)
{
	/* 8 * bits (12 + 9 * (level - 1)) + 8 .. of the input; at AMD's
	 * level 6 the shift leaves the 7 bits 63:57. */
	return (w->req->addr >> (9 * w->level)) & 0xff8;
}

static void mark(struct walk *w, uint64_t pte, uint64_t set)
{
	if (~pte & set)
		walk_queue_update(w, pte, pte | set);
}

/* The leaf of 2^lg bytes in pte: output address, size, A/D. */
static enum walk_step leaf(struct walk *w, uint64_t pte, unsigned lg,
			   uint64_t set, uint32_t attrs)
{
	uint64_t size = UINT64_C(1) << lg;
	w->leaf.size = size;
	w->leaf.pa = (pte & ADDR_MASK & ~(size - 1)) |
		     (w->req->addr & (size - 1));
	w->leaf.attrs = attrs;
	mark(w, pte, set);
	return STEP_LEAF;
}

/* ---- amd-v1 (§4) ---- */

static unsigned v1_perm(uint64_t acc)
{
	/* v1 has no execute control: an execute is a read (§4.1). */
	return (acc & V1_IR ? IREF_PERM_R | IREF_PERM_X : 0) |
	       (acc & V1_IW ? IREF_PERM_W : 0);
}

static uint64_t dte_rights(const struct iref_amd_cfg *c)
{
	return (c->ir ? V1_IR : 0) | (c->iw ? V1_IW : 0);
}

/* Options a struct written by hand could get wrong in ways that would
 * break the walk itself. */
static bool cfg_usable(const struct iref_walk_cfg *cfg)
{
	const struct iref_amd_cfg *c = &cfg->u.amd;
	if (c->pa_size < 32 || c->pa_size > 52)
		return false;
	return is_v2(cfg) ? c->levels == 4 || c->levels == 5
			  : c->mode >= 1 && c->mode <= 7;
}

/* The DTE part of §3.2 and §4.4, before any read. */
static enum walk_step v1_begin(struct walk *w)
{
	const struct iref_amd_cfg *c = opts(w);
	w->level = -1;
	if (!cfg_usable(w->cfg))
		return illegal_dte(w, IREF_WF_CONFIG, 0);
	if (c->mode == 7 || c->hats == 3 || c->mode > c->hats + 4)
		return c->bad_mode == IREF_AMD_BAD_MODE_ILLEGAL_DTE
			       ? illegal_dte(w, IREF_WF_CONFIG, 0)
			       : iopf(w, IREF_WF_CONFIG, IREF_AMD_F_PR);
	if (c->had == 2)
		return illegal_dte(w, IREF_WF_CONFIG, 0);
	if (set_root(w))
		return illegal_dte(w, IREF_WF_ADDRESS_SIZE, IREF_AMD_F_RZ);
	if (c->iova_check && c->mode < 6 &&
	    w->req->addr >> level_shift(c->mode + 1))
		return iopf(w, IREF_WF_TRANSLATION, IREF_AMD_F_PR);
	uint64_t acc = dte_rights(c);
	if (c->perm_check == IREF_AMD_PERM_PER_LEVEL &&
	    !perm_ok(w, v1_perm(acc)))
		return STEP_FAULT;
	uint64_t rsv = addr_rsv(c);
	uint64_t a = c->had & 1 ? V1_A : 0;
	uint64_t d = c->had == 3 && w->req->access == IREF_ACC_WRITE ? V1_D
								      : 0;
	init_st(w, acc, rsv | V1_RSV_PDE, rsv | V1_RSV_PTE, a, a | d);
	w->level = c->mode;
	return STEP_TABLE;
}

/* Present, reserved bits, [rights], then the NextLevel rules of §4.2:
 * a table strictly below, skipped levels' IOVA bits zero, a leaf of the
 * level's size (0) or of an encoded size between it and the next
 * level's (7). */
static enum walk_step v1_step(struct walk *w, uint64_t pte)
{
	uint64_t misc = w->st[ST_MISC];
	int l = w->level;
	if (!(pte & V1_PR))
		return iopf(w, IREF_WF_TRANSLATION, 0);
	unsigned nl = V1_NL(pte);
	bool is_leaf = nl == NL_DEFAULT || nl == NL_SIZED;
	uint64_t bad = pte & w->st[is_leaf ? ST_RSV_LEAF : ST_RSV_TABLE];
	if (bad)
		return rsv_fault(w, bad);
	uint64_t acc = w->st[ST_ACC] & pte;
	w->st[ST_ACC] = acc;
	if ((is_leaf || (misc & MISC_PER_LEVEL)) && !perm_ok(w, v1_perm(acc)))
		return STEP_FAULT;
	if (!is_leaf) {
		if ((int)nl >= l)
			return iopf(w, IREF_WF_TRANSLATION, IREF_AMD_F_PR);
		/* IOVA bits of the levels nl+1 .. l-1 the jump skips. */
		if ((int)nl + 1 < l &&
		    walk_bits(w->req->addr, level_shift(l) - 1,
			      level_shift((int)nl + 1)))
			return iopf(w, IREF_WF_TRANSLATION, IREF_AMD_F_PR);
		mark(w, pte, MISC_SET_TABLE(misc));
		w->table = pte & ADDR_MASK;
		w->level = (int)nl;
		return STEP_TABLE;
	}
	unsigned lg = level_shift(l);
	if (nl == NL_SIZED) {
		/* The page is 2^(z+1) bytes, z the first 0 bit of the
		 * address from bit 12 up (§4.3); bit 52 is reserved-zero,
		 * so z <= 52. */
		uint64_t ones = (pte & ADDR_MASK) >> 12;
		unsigned z = 12 + (unsigned)__builtin_ctzll(~ones);
		if (z + 1 <= lg || z + 1 >= lg + 9)
			return iopf(w, IREF_WF_TRANSLATION, IREF_AMD_F_PR);
		lg = z + 1;
	} else if (l == 6) { /* the top table holds no pages (§4.4) */
		return iopf(w, IREF_WF_TRANSLATION, IREF_AMD_F_PR);
	}
	uint64_t set = MISC_SET_LEAF(misc);
	uint32_t attrs = (pte & V1_FC ? IREF_AMD_V1_ATTR_FC : 0) |
			 (pte & V1_U ? IREF_AMD_V1_ATTR_U : 0) |
			 ((pte | set) & V1_A ? IREF_AMD_V1_ATTR_A : 0) |
			 ((pte | set) & V1_D ? IREF_AMD_V1_ATTR_D : 0);
	return leaf(w, pte, lg, set, attrs);
}

/* ---- amd-v2 (§5) ---- */

/* Rights of this request's privilege on the path (§5.2, §5.3); acc
 * holds NX inverted: bit 63 stays 1 while no level set NX. */
static unsigned v2_perm(const struct walk *w, uint64_t acc)
{
	const struct iref_amd_cfg *c = opts(w);
	bool user_page = !c->ussup || (acc & V2_US);
	unsigned x = c->nxsup && !(acc & V2_NX) ? 0 : IREF_PERM_X;
	if (!w->req->priv)
		return user_page ? IREF_PERM_R | x |
					   (acc & V2_RW ? IREF_PERM_W : 0)
				 : 0;
	if (c->sup_user_block && c->ussup && (acc & V2_US))
		return 0;
	return IREF_PERM_R | x | (acc & V2_RW || !c->wp ? IREF_PERM_W : 0);
}

static enum walk_step v2_begin(struct walk *w)
{
	const struct iref_amd_cfg *c = opts(w);
	w->level = -1;
	if (!cfg_usable(w->cfg))
		return illegal_dte(w, IREF_WF_CONFIG, 0);
	if (c->levels == 5 && !c->gats) /* GPT level 1 without GATS */
		return illegal_dte(w, IREF_WF_CONFIG, 0);
	uint64_t bad_root = set_root(w);
	if (bad_root) /* as a GCR3 entry with reserved address bits */
		return rsv_fault(w, bad_root);
	unsigned top = c->levels == 5 ? 56 : 47; /* the sign bit */
	uint64_t high = w->req->addr >> top;
	bool canon = c->canonical == IREF_AMD_CANON_IGNORE_HIGH ||
		     high == 0 ||
		     (c->canonical == IREF_AMD_CANON_SIGN_EXTEND &&
		      high == UINT64_MAX >> top);
	if (!canon)
		return iopf(w, IREF_WF_TRANSLATION,
			    c->noncanon_rz ? IREF_AMD_F_PR | IREF_AMD_F_RZ
					   : 0);
	uint64_t rsv = addr_rsv(c) | (!c->nxsup && c->nx_reserved ? V2_NX : 0);
	uint64_t a = c->ga_update_dis ? 0 : V2_A;
	uint64_t d = !c->gd_update_dis && w->req->access == IREF_ACC_WRITE
			     ? V2_D
			     : 0;
	init_st(w, V2_ACC, rsv, rsv, a, a | d);
	w->level = c->levels;
	return STEP_TABLE;
}

/* Alignment bits of 2 MiB / 1 GiB leaves: 20:13 / 29:13, bit 12 being
 * PAT (§5.1). */
static const uint64_t v2_align[4] = {
	[2] = UINT64_C(0x1fe000), [3] = UINT64_C(0x3fffe000),
};

/* Present, reserved bits and page size, [rights], A/D, then the next
 * table or the leaf (§5.2). PS is a leaf at PD/PDPT, PAT at the PT and
 * reserved above. */
static enum walk_step v2_step(struct walk *w, uint64_t pte)
{
	uint64_t misc = w->st[ST_MISC];
	int l = w->level;
	if (!(pte & V2_P))
		return iopf(w, IREF_WF_TRANSLATION, 0);
	bool is_leaf = l == 1 || (pte & V2_PS);
	uint64_t bad;
	if (!is_leaf)
		bad = pte & w->st[ST_RSV_TABLE];
	else if (l <= 3)
		bad = pte & (w->st[ST_RSV_LEAF] | v2_align[l]);
	else
		bad = V2_PS;
	if (bad)
		return rsv_fault(w, bad);
	uint64_t acc = w->st[ST_ACC] & (pte ^ V2_NX);
	w->st[ST_ACC] = acc;
	if ((is_leaf || (misc & MISC_PER_LEVEL)) &&
	    !perm_ok(w, v2_perm(w, acc)))
		return STEP_FAULT;
	if (!is_leaf) {
		mark(w, pte, MISC_SET_TABLE(misc));
		w->table = pte & ADDR_MASK;
		w->level = l - 1;
		return STEP_TABLE;
	}
	uint64_t set = MISC_SET_LEAF(misc);
	uint64_t pat = l == 1 ? pte & V2_PAT_4K : pte & V2_PAT_LARGE;
	uint32_t attrs = (uint32_t)((pte & (V2_PWT | V2_PCD)) >> 3) |
			 (pat ? IREF_AMD_V2_ATTR_PAT : 0) |
			 (opts(w)->ussup && (acc & V2_US)
				  ? IREF_AMD_V2_ATTR_USER
				  : 0) |
			 (opts(w)->nxsup && !(acc & V2_NX) ? IREF_AMD_V2_ATTR_NX
							   : 0) |
			 ((pte | set) & V2_A ? IREF_AMD_V2_ATTR_A : 0) |
			 ((pte | set) & V2_D ? IREF_AMD_V2_ATTR_D : 0);
	w->leaf.global = pte & V2_G;
	return leaf(w, pte, level_shift(l), set, attrs);
}

static unsigned pte_size(const struct iref_walk_cfg *cfg)
{
	(void)cfg;
	return 8;
}

/* ---- Walk cache ---- */

/* The table at w->table covers what one entry of the level above it
 * would map: after a v1 skip that is less than the skipping entry maps,
 * since the skipped levels' IOVA bits must be zero. The state is the
 * path's rights. */
static unsigned v1_cache_pack(const struct walk *w, unsigned *perm,
			      uint32_t *attrs)
{
	*perm = 0;
	*attrs = (uint32_t)(w->st[ST_ACC] >> 61) & 3; /* IR, IW */
	return level_shift(w->level + 1);
}

static unsigned v2_cache_pack(const struct walk *w, unsigned *perm,
			      uint32_t *attrs)
{
	uint64_t acc = w->st[ST_ACC];
	*perm = 0;
	*attrs = (uint32_t)(acc >> 1 & 3) | (uint32_t)(acc >> 63) << 2;
	return level_shift(w->level + 1);
}

/* A table level below this configuration's top. */
static bool cache_level_ok(const struct walk *w)
{
	int top = is_v2(w->cfg) ? opts(w)->levels : opts(w)->mode;
	return w->level >= 1 && w->level < top;
}

/* With per-level checks the levels a hit skips were checked for the walk
 * that cached them, not for this request. Rights only shrink down the
 * path, so this request passes them all if it passes the rights at the
 * cached level; if not, walking from the root finds the level that
 * faults. v2's supervisor_user_pages=blocked is no exception: past a
 * U/S = 1 level only a user walk gets, which needs U/S = 1 all the way
 * down, so the cached rights refuse the supervisor here too. perm: the
 * rights the restored state gives this request. */
static bool cache_restore(struct walk *w, uint64_t acc, unsigned perm)
{
	if (!cache_level_ok(w) || ((w->st[ST_MISC] & MISC_PER_LEVEL) &&
				   !(perm & w->req->access)))
		return false;
	w->st[ST_ACC] = acc;
	return true;
}

static bool v1_cache_restore(struct walk *w, unsigned perm, uint32_t attrs)
{
	(void)perm;
	uint64_t acc = (uint64_t)(attrs & 3) << 61;
	return cache_restore(w, acc, v1_perm(acc));
}

static bool v2_cache_restore(struct walk *w, unsigned perm, uint32_t attrs)
{
	(void)perm;
	uint64_t acc = (uint64_t)(attrs & 3) << 1 |
		       (uint64_t)(attrs >> 2 & 1) << 63;
	return cache_restore(w, acc, v2_perm(w, acc));
}

/* ---- Builder hooks ---- */

/* Levels the builder lays out: a configuration the walker refuses still
 * gets a bounded geometry. */
static unsigned build_levels(const struct iref_walk_cfg *cfg)
{
	const struct iref_amd_cfg *c = &cfg->u.amd;
	unsigned n = is_v2(cfg) ? c->levels : c->mode;
	if (n < 1)
		return 1;
	if (is_v2(cfg))
		return n < 4 ? 4 : n > 5 ? 5 : n;
	return n > 6 ? 6 : n;
}

/* Leaves of 4 KiB, 2 MiB and 1 GiB only: Linux builds no larger ones
 * (v1: the 512 GiB erratum, §4.3) and v2 has none; v1 pages of encoded
 * sizes are laid out by hand. */
static void geometry(const struct iref_walk_cfg *cfg, struct walk_geom *g)
{
	unsigned levels = build_levels(cfg);
	g->depth = levels;
	for (unsigned d = 0; d < levels; d++) {
		int l = (int)(levels - d);
		g->level[d] = l;
		g->shift[d] = level_shift(l);
		g->idx_bits[d] = l == 6 ? 7 : 9;
		g->leaf_ok[d] = l <= 3;
	}
	g->root_size = 4096;
	g->pte_size = 8;
}

/* Tables as Linux writes them: rights are decided by the leaves. */
static uint64_t v1_make_table(const struct iref_walk_cfg *cfg, int level,
			      uint64_t next)
{
	(void)cfg;
	return next | V1_PR | V1_IR | V1_IW | (uint64_t)(level - 1) << 9;
}

static uint64_t v2_make_table(const struct iref_walk_cfg *cfg, int level,
			      uint64_t next)
{
	(void)cfg;
	(void)level;
	return next | V2_P | V2_RW | V2_US | V2_A;
}

/* NextLevel 0: a page of the level's own size. */
static uint64_t v1_make_leaf(const struct iref_walk_cfg *cfg, int level,
			     uint64_t pa, const struct iref_build_map *m)
{
	(void)cfg;
	(void)level;
	return pa | V1_PR | walk_build_ad(m, V1_A, V1_D) |
	       (m->perm & (IREF_PERM_R | IREF_PERM_X) ? V1_IR : 0) |
	       (m->perm & IREF_PERM_W ? V1_IW : 0) |
	       (m->attrs & IREF_AMD_V1_ATTR_FC ? V1_FC : 0) |
	       (m->attrs & IREF_AMD_V1_ATTR_U ? V1_U : 0);
}

/* A v2 entry cannot deny reads: every present leaf is readable. */
static uint64_t v2_make_leaf(const struct iref_walk_cfg *cfg, int level,
			     uint64_t pa, const struct iref_build_map *m)
{
	uint64_t pte = pa | V2_P | (level > 1 ? V2_PS : 0) |
		       (m->attrs & IREF_AMD_V2_ATTR_PWT ? V2_PWT : 0) |
		       (m->attrs & IREF_AMD_V2_ATTR_PCD ? V2_PCD : 0) |
		       walk_build_ad(m, V2_A, V2_D);
	if (m->attrs & IREF_AMD_V2_ATTR_PAT)
		pte |= level > 1 ? V2_PAT_LARGE : V2_PAT_4K;
	if (m->perm & IREF_PERM_W)
		pte |= V2_RW;
	if (m->flags & IREF_BUILD_USER)
		pte |= V2_US;
	if (m->flags & IREF_BUILD_GLOBAL)
		pte |= V2_G;
	if (cfg->u.amd.nxsup && !(m->perm & IREF_PERM_X))
		pte |= V2_NX;
	return pte;
}

/* Only a pointer to the next level down is a table the builder follows;
 * a skip or a bad NextLevel counts as occupied. */
static enum walk_entry_kind v1_entry_kind(const struct iref_walk_cfg *cfg,
					  int level, uint64_t pte,
					  uint64_t *next)
{
	(void)cfg;
	if (!(pte & V1_PR))
		return ENTRY_EMPTY;
	if (V1_NL(pte) == NL_DEFAULT || (int)V1_NL(pte) != level - 1)
		return ENTRY_LEAF;
	*next = pte & ADDR_MASK;
	return ENTRY_TABLE;
}

static enum walk_entry_kind v2_entry_kind(const struct iref_walk_cfg *cfg,
					  int level, uint64_t pte,
					  uint64_t *next)
{
	(void)cfg;
	if (!(pte & V2_P))
		return ENTRY_EMPTY;
	if (level == 1 || (pte & V2_PS))
		return ENTRY_LEAF;
	*next = pte & ADDR_MASK;
	return ENTRY_TABLE;
}

/* ---- Names and options ---- */

static bool init_fmt(struct iref_walk_cfg *cfg, const char *name,
		     const char *want, uint8_t perm_check)
{
	if (strcmp(name, want) != 0)
		return false;
	cfg->u.amd = (struct iref_amd_cfg){
		.pa_size = 52, .perm_check = perm_check,
		.mode = 4, .hats = 2, .ir = true, .iw = true,
		.iova_check = true,
		.levels = 4, .gats = 1, .ussup = true, .nxsup = true,
		.wp = true,
	};
	return true;
}

static bool v1_init(struct iref_walk_cfg *cfg, const char *name)
{
	return init_fmt(cfg, name, "amd-v1", IREF_AMD_PERM_PER_LEVEL);
}

static bool v2_init(struct iref_walk_cfg *cfg, const char *name)
{
	return init_fmt(cfg, name, "amd-v2", IREF_AMD_PERM_AT_LEAF);
}

static const char *fmt_name(const struct iref_walk_cfg *cfg)
{
	return is_v2(cfg) ? "amd-v2" : "amd-v1";
}

#define V1 1u
#define V2 2u

enum opt_kind { OPT_U8, OPT_BOOL, OPT_WORD_U8, OPT_WORD_BOOL };

struct opt {
	const char *key;
	unsigned fmts;
	size_t off;
	enum opt_kind kind;
	uint8_t min, max;
	const char *const *words; /* keyword values by index, or NULL */
};

static const char *const perm_check_words[] = {"leaf", "per_level", NULL};
static const char *const ad_policy_words[] = {"on_success", "as_walked",
					      NULL};
static const char *const bad_mode_words[] = {"io_page_fault", "illegal_dte",
					     NULL};
static const char *const canonical_words[] = {"sign_extend",
					      "lower_half_only",
					      "ignore_high", NULL};
static const char *const noncanonical_words[] = {"not_present", "reserved",
						 NULL};
static const char *const sup_user_words[] = {"allowed", "blocked", NULL};
static const char *const nx_words[] = {"ignored", "reserved", NULL};

#define OFF(f) offsetof(struct iref_amd_cfg, f)
#define U8(k, fm, f, lo, hi) {k, fm, OFF(f), OPT_U8, lo, hi, NULL}
#define BOOL(k, fm, f) {k, fm, OFF(f), OPT_BOOL, 0, 1, NULL}
#define WORD(k, fm, f, kind, w) {k, fm, OFF(f), kind, 0, 0, w}

static const struct opt options[] = {
	U8("pa_size", V1 | V2, pa_size, 32, 52),
	WORD("perm_check", V1 | V2, perm_check, OPT_WORD_U8,
	     perm_check_words),
	WORD("ad_policy", V1 | V2, ad_policy, OPT_WORD_U8, ad_policy_words),
	U8("mode", V1, mode, 1, 7),
	U8("hats", V1, hats, 0, 3),
	U8("had", V1, had, 0, 3),
	BOOL("ir", V1, ir),
	BOOL("iw", V1, iw),
	BOOL("iova_check", V1, iova_check),
	WORD("bad_mode", V1, bad_mode, OPT_WORD_U8, bad_mode_words),
	U8("levels", V2, levels, 4, 5),
	U8("gats", V2, gats, 0, 1),
	BOOL("ussup", V2, ussup),
	BOOL("nxsup", V2, nxsup),
	BOOL("wp", V2, wp),
	WORD("canonical", V2, canonical, OPT_WORD_U8, canonical_words),
	WORD("noncanonical", V2, noncanon_rz, OPT_WORD_BOOL,
	     noncanonical_words),
	WORD("supervisor_user_pages", V2, sup_user_block, OPT_WORD_BOOL,
	     sup_user_words),
	WORD("nx_unsupported", V2, nx_reserved, OPT_WORD_BOOL, nx_words),
	BOOL("ga_update_dis", V2, ga_update_dis),
	BOOL("gd_update_dis", V2, gd_update_dis),
};

static enum iref_rc parse_word(const struct opt *o, const char *value,
			       uint64_t *v, struct iref_diag *diag)
{
	for (*v = 0; o->words[*v]; ++*v)
		if (strcmp(o->words[*v], value) == 0)
			return IREF_OK;
	iref_diag_set(diag, NULL, 0, 0,
		      "option %s: '%s' is not one of %s, %s%s%s", o->key, value,
		      o->words[0], o->words[1], o->words[2] ? ", " : "",
		      o->words[2] ? o->words[2] : "");
	return IREF_E_INVAL;
}

static enum iref_rc set(struct iref_walk_cfg *cfg, const char *key,
			const char *value, struct iref_diag *diag)
{
	unsigned fmt = is_v2(cfg) ? V2 : V1;
	for (size_t i = 0; i < sizeof options / sizeof options[0]; i++) {
		const struct opt *o = &options[i];
		if (!(o->fmts & fmt) || strcmp(o->key, key) != 0)
			continue;
		uint64_t v;
		enum iref_rc rc;
		if (o->words) {
			rc = parse_word(o, value, &v, diag);
		} else {
			rc = walk_parse_u64(key, value, &v, diag);
			if (rc == IREF_OK && (v < o->min || v > o->max)) {
				iref_diag_set(diag, NULL, 0, 0,
					      "option %s: %s is outside "
					      "%u..%u", key, value, o->min,
					      o->max);
				rc = IREF_E_RANGE;
			}
		}
		if (rc != IREF_OK)
			return rc;
		char *field = (char *)&cfg->u.amd + o->off;
		if (o->kind == OPT_BOOL || o->kind == OPT_WORD_BOOL)
			*(bool *)field = v != 0;
		else
			*(uint8_t *)field = (uint8_t)v;
		return IREF_OK;
	}
	iref_diag_set(diag, NULL, 0, 0, "%s has no option '%s'",
		      fmt_name(cfg), key);
	return IREF_E_INVAL;
}

/* ---- Event names (§8.2) ---- */

const char *iref_amd_event_name(uint32_t code)
{
	static const char *const names[] = {
		[0x1] = "ILLEGAL_DEV_TABLE_ENTRY",
		[0x2] = "IO_PAGE_FAULT",
		[0x3] = "DEV_TAB_HARDWARE_ERROR",
		[0x4] = "PAGE_TAB_HARDWARE_ERROR",
		[0x5] = "ILLEGAL_COMMAND_ERROR",
		[0x6] = "COMMAND_HARDWARE_ERROR",
		[0x7] = "IOTLB_INV_TIMEOUT",
		[0x8] = "INVALID_DEVICE_REQUEST",
		[0x9] = "INVALID_PPR_REQUEST",
		[0xa] = "EVENT_COUNTER_ZERO",
		[0xd] = "RMP_PAGE_FAULT",
		[0xe] = "RMP_HW_ERROR",
	};
	return code < sizeof names / sizeof names[0] ? names[code] : NULL;
}

/* ---- The format objects ---- */

#define AMD_COMMON                                                    \
	.name = fmt_name, .set = set, .pte_size = pte_size,             \
	.entry_offset = entry_offset, .bus_fault = bus_fault,           \
	.geometry = geometry

const struct walk_fmt walk_fmt_amd_v1 = {
	.fmt = IREF_FMT_AMD_V1, .init = v1_init, .begin = v1_begin,
	.step = v1_step, .make_table = v1_make_table,
	.cache_pack = v1_cache_pack, .cache_restore = v1_cache_restore,
	.make_leaf = v1_make_leaf, .entry_kind = v1_entry_kind, AMD_COMMON,
};

const struct walk_fmt walk_fmt_amd_v2 = {
	.fmt = IREF_FMT_AMD_V2, .init = v2_init, .begin = v2_begin,
	.step = v2_step, .make_table = v2_make_table,
	.cache_pack = v2_cache_pack, .cache_restore = v2_cache_restore,
	.make_leaf = v2_make_leaf, .entry_kind = v2_entry_kind, AMD_COMMON,
};
