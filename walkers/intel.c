/* Intel VT-d page tables: the first stage ("intel-fs", x86-64 4/5-level
 * paging as VT-d uses it) and the second stage ("intel-ss"). Both share
 * the table geometry (512 8-byte entries, PS in bit 7 at levels 2-3), so
 * one step function walks both over a small per-stage description.
 * Clause numbers (§) are those of the VT-d page-table reference that
 * docs/walker-intel.md cites; levels are VT-d's (1 = 4 KiB PTE). */
#include "walk_core.h"

#include <stddef.h>
#include <string.h>

#include "iommu-ref/walk_intel.h"

#define BIT(n) (UINT64_C(1) << (n))

/* Both stages. */
#define PS BIT(7)
#define ADDR_MASK walk_mask(51, 12)

/* First-stage entry (§3). */
#define FS_P BIT(0)
#define FS_RW BIT(1)
#define FS_US BIT(2)
#define FS_PWT BIT(3)
#define FS_PCD BIT(4)
#define FS_A BIT(5)
#define FS_D BIT(6)
#define FS_PAT_4K BIT(7)
#define FS_G BIT(8)
#define FS_EA BIT(10)
#define FS_PAT_LARGE BIT(12)
#define FS_XD BIT(63)

/* Second-stage entry (§5). */
#define SS_R BIT(0)
#define SS_W BIT(1)
#define SS_X BIT(2)
#define SS_IPAT BIT(6)
#define SS_A BIT(8)
#define SS_D BIT(9)
#define SS_SNP BIT(11)
#define SS_TM BIT(62)

/* Output addresses that hit the interrupt range (§4.2, §5). */
#define INTR_PAGE 0xfeeu /* address >> 20 */

/* w->st: per-walk values begin() derives once from the options. */
enum {
	ST_RSV_TABLE, /* bits that must be 0 in a table entry */
	ST_RSV_LEAF,  /* ... in a leaf, before its alignment bits */
	ST_ACC,       /* ACC_BITS ANDed over the path (FS: XD inverted) */
	ST_MISC,      /* the packed fields below */
};
#define MISC_SET_TABLE(m) ((m) & 0xffff)     /* A/D bits a table gets */
#define MISC_SET_LEAF(m) ((m) >> 16 & 0xffff) /* ... the leaf gets */
#define MISC_LEAF_OK(m) ((m) >> 32 & 0xff)    /* bit L: PS=1 allowed */
#define MISC_PRESENT(m) ((m) >> 40 & 0xff)    /* any of these: present */
#define MISC_PER_LEVEL BIT(48)                /* perm_check per level */
/* The rights ST_ACC keeps: FS P, R/W, U/S and XD; SS R, W and X. */
#define ACC_BITS (walk_mask(2, 0) | BIT(63))

/* The architecture's codes for one stage and mode. */
struct codes {
	uint8_t range;      /* input address not translatable */
	uint8_t root_rd;    /* reading the root table failed */
	uint8_t rd;         /* reading a lower table failed */
	uint8_t np_r, np_w; /* not present, for a read / write */
	uint8_t rsv;        /* reserved bit set */
	uint8_t perm_r, perm_w, perm_x;
	uint8_t intr;       /* output in the interrupt range */
	uint8_t upd;        /* A/D update failed */
	uint8_t config;     /* unusable configuration */
};

static const struct codes fs_codes = {
	.range = IREF_INTEL_FR_SGN_1, .root_rd = IREF_INTEL_FR_SFS_4,
	.rd = IREF_INTEL_FR_SFS_1, .np_r = IREF_INTEL_FR_SFS_2,
	.np_w = IREF_INTEL_FR_SFS_2, .rsv = IREF_INTEL_FR_SFS_3,
	/* perm_r: U/S denies a user request whatever its access (a
	 * first-stage read is refused only that way). */
	.perm_r = IREF_INTEL_FR_SGN_2, .perm_w = IREF_INTEL_FR_SGN_6,
	.perm_x = IREF_INTEL_FR_SGN_3, .intr = IREF_INTEL_FR_SGN_8,
	.upd = IREF_INTEL_FR_SFS_10, .config = IREF_INTEL_FR_SPT_4,
};

static const struct codes ss_codes_scalable = {
	.range = IREF_INTEL_FR_SGN_5, .root_rd = IREF_INTEL_FR_SSS_4,
	.rd = IREF_INTEL_FR_SSS_1, .np_r = IREF_INTEL_FR_SSS_2,
	.np_w = IREF_INTEL_FR_SSS_2, .rsv = IREF_INTEL_FR_SSS_3,
	.perm_r = IREF_INTEL_FR_SGN_7, .perm_w = IREF_INTEL_FR_SGN_6,
	.perm_x = IREF_INTEL_FR_SGN_3, .intr = IREF_INTEL_FR_SGN_8,
	.upd = IREF_INTEL_FR_SSS_6, .config = IREF_INTEL_FR_SPT_4,
};

/* Legacy mode has one read and one write code for "not present" and
 * "denied", and one code for any SS table read error (§5, §8.1). */
static const struct codes ss_codes_legacy = {
	.range = IREF_INTEL_FR_LGN_1, .root_rd = IREF_INTEL_FR_LSL_1,
	.rd = IREF_INTEL_FR_LSL_1, .np_r = IREF_INTEL_FR_LGN_3,
	.np_w = IREF_INTEL_FR_LGN_2, .rsv = IREF_INTEL_FR_LSL_2,
	.perm_r = IREF_INTEL_FR_LGN_3, .perm_w = IREF_INTEL_FR_LGN_2,
	.perm_x = IREF_INTEL_FR_LGN_3, .intr = IREF_INTEL_FR_LGN_4,
	.upd = IREF_INTEL_FR_SSS_6, .config = IREF_INTEL_FR_LCT_4,
};

static const struct iref_intel_cfg *opts(const struct walk *w)
{
	return &w->cfg->u.intel;
}

static bool is_fs(const struct iref_walk_cfg *cfg)
{
	return cfg->fmt == IREF_FMT_INTEL_FS;
}

static const struct codes *codes_of(const struct iref_walk_cfg *cfg)
{
	if (is_fs(cfg))
		return &fs_codes;
	return cfg->u.intel.legacy ? &ss_codes_legacy : &ss_codes_scalable;
}

/* Entry bits haw..51: reserved, and naming an address beyond the output
 * size. */
static uint64_t addr_rsv(const struct iref_intel_cfg *c)
{
	return c->haw < 52 ? walk_mask(51, c->haw) : 0;
}

/* Bit L set where a PS=1 leaf may sit (bit 1: the PTE level, always). */
static unsigned leaf_ok_mask(const struct iref_walk_cfg *cfg)
{
	const struct iref_intel_cfg *c = &cfg->u.intel;
	if (is_fs(cfg)) /* 2 MiB always, 1 GiB with FL1GP (§2) */
		return 1u << 1 | 1u << 2 | (c->fl1gp ? 1u << 3 : 0);
	return 1u << 1 | (c->sllps & 1 ? 1u << 2 : 0) |
	       (c->sllps & 2 ? 1u << 3 : 0);
}

static bool is_write(const struct walk *w)
{
	return w->req->access == IREF_ACC_WRITE;
}

static enum walk_step perm_fault(struct walk *w, unsigned code)
{
	return walk_fault(w, IREF_WF_PERMISSION, code);
}

/* ---- Per-stage rules ---- */

/* First-stage rights of this request's privilege on the path so far
 * (§4.3). SMEP needs U/S of the whole path, so it is decided at the leaf
 * only. */
static unsigned fs_perm(const struct walk *w, uint64_t acc, bool leaf)
{
	const struct iref_intel_cfg *c = opts(w);
	bool u = acc & FS_US, rw = acc & FS_RW;
	/* acc holds XD inverted: bit 63 stays 1 while no level set XD. */
	bool exec = c->ere && !(c->nxe && !(acc & FS_XD));
	if (!w->req->priv)
		return u ? IREF_PERM_R | (rw ? IREF_PERM_W : 0) |
				   (exec ? IREF_PERM_X : 0)
			 : 0;
	return IREF_PERM_R | (rw || !c->wpe ? IREF_PERM_W : 0) |
	       (exec && !(leaf && c->smep && u) ? IREF_PERM_X : 0);
}

static bool fs_allows(const struct walk *w, uint64_t acc, bool leaf)
{
	return fs_perm(w, acc, leaf) & w->req->access;
}

/* The rights, and the fault if the access is not among them. */
static bool fs_check(struct walk *w, uint64_t acc, bool leaf)
{
	bool user = !w->req->priv, u = acc & FS_US;
	w->leaf.perm = fs_perm(w, acc, leaf);
	if (w->leaf.perm & w->req->access)
		return true;
	if (user && !u)
		perm_fault(w, fs_codes.perm_r);
	else
		perm_fault(w, is_write(w) ? fs_codes.perm_w : fs_codes.perm_x);
	return false;
}

/* Second-stage rights: R, W and X ANDed over the path (§5). X exists
 * only with SSEE, and an execute then needs R too; without SSEE an
 * execute is checked as a read. */
static unsigned ss_perm(const struct walk *w, uint64_t acc)
{
	unsigned perm = (unsigned)(acc & (SS_R | SS_W));
	if (opts(w)->ssee && (acc & SS_R) && (acc & SS_X))
		perm |= IREF_PERM_X;
	return perm;
}

static bool ss_allows(const struct walk *w, uint64_t acc, bool leaf)
{
	(void)leaf;
	unsigned a = w->req->access;
	return ss_perm(w, acc) &
	       (a == IREF_ACC_EXEC && !opts(w)->ssee ? IREF_PERM_R : a);
}

/* The rights, and the fault if the access is not among them;
 * accumulated R=W(=X)=0 is "not present". */
static bool ss_check(struct walk *w, uint64_t acc, bool leaf)
{
	const struct codes *k = codes_of(w->cfg);
	unsigned a = w->req->access;
	w->leaf.perm = ss_perm(w, acc);
	if (ss_allows(w, acc, leaf))
		return true;
	if (!(acc & MISC_PRESENT(w->st[ST_MISC])))
		walk_fault(w, IREF_WF_TRANSLATION, is_write(w) ? k->np_w
							      : k->np_r);
	else if (a == IREF_ACC_WRITE)
		perm_fault(w, k->perm_w);
	else if (a == IREF_ACC_EXEC && (acc & SS_R))
		perm_fault(w, k->perm_x);
	else
		perm_fault(w, k->perm_r);
	return false;
}

static uint32_t fs_attrs(const struct walk *w, uint64_t pte, uint64_t acc)
{
	uint64_t pat = w->level == 1 ? pte & FS_PAT_4K : pte & FS_PAT_LARGE;
	return (uint32_t)((pte & (FS_PWT | FS_PCD)) >> 3) |
	       (pat ? IREF_INTEL_FS_ATTR_PAT : 0) |
	       (acc & FS_US ? IREF_INTEL_FS_ATTR_USER : 0) |
	       (opts(w)->nxe && !(acc & FS_XD) ? IREF_INTEL_FS_ATTR_XD : 0) |
	       (pte & FS_A ? IREF_INTEL_FS_ATTR_A : 0) |
	       (pte & FS_D ? IREF_INTEL_FS_ATTR_D : 0) |
	       (pte & FS_EA ? IREF_INTEL_FS_ATTR_EA : 0);
}

static uint32_t ss_attrs(const struct walk *w, uint64_t pte, uint64_t acc)
{
	(void)w;
	(void)acc;
	return (uint32_t)walk_bits(pte, 5, 3) |
	       (pte & SS_IPAT ? IREF_INTEL_SS_ATTR_IPAT : 0) |
	       (pte & SS_SNP ? IREF_INTEL_SS_ATTR_SNP : 0) |
	       (pte & SS_TM ? IREF_INTEL_SS_ATTR_TM : 0) |
	       (pte & SS_A ? IREF_INTEL_SS_ATTR_A : 0) |
	       (pte & SS_D ? IREF_INTEL_SS_ATTR_D : 0);
}

struct stage {
	uint64_t align[6];  /* by level: leaf address bits below the page */
	uint64_t acc_flip;  /* bits inverted before ANDing into ST_ACC */
	uint64_t global;    /* the leaf's global bit, 0 if none */
	bool (*check)(struct walk *w, uint64_t acc, bool leaf);
	/* check() without the fault. */
	bool (*allows)(const struct walk *w, uint64_t acc, bool leaf);
	uint32_t (*attrs)(const struct walk *w, uint64_t pte, uint64_t acc);
};

/* Alignment bits: FS bits 20:13 / 29:13, as large leaves keep bit 12 for
 * PAT (§3 rule 3); SS bits 20:12 / 29:12, no PAT there (§12.16). */
static const struct stage fs_stage = {
	.align = {[2] = UINT64_C(0x1fe000), [3] = UINT64_C(0x3fffe000)},
	.acc_flip = FS_XD, .global = FS_G,
	.check = fs_check, .allows = fs_allows, .attrs = fs_attrs,
};

static const struct stage ss_stage = {
	.align = {[2] = UINT64_C(0x1ff000), [3] = UINT64_C(0x3ffff000)},
	.check = ss_check, .allows = ss_allows, .attrs = ss_attrs,
};

/* ---- The walk, shared by both stages ---- */

/* Checks before any memory access, then the per-walk values. */
static enum walk_step start(struct walk *w, uint64_t rsv_table,
			    uint64_t rsv_leaf, uint64_t set_table,
			    uint64_t set_leaf, uint64_t present)
{
	const struct iref_intel_cfg *c = opts(w);
	uint64_t root = w->cfg->root & ~UINT64_C(0xfff); /* FSPTPTR/SSPTPTR
							   * hold bits 63:12 */
	if (root & ~walk_mask(c->haw - 1, 0))
		return walk_fault(w, IREF_WF_ADDRESS_SIZE,
				  codes_of(w->cfg)->root_rd);
	w->st[ST_RSV_TABLE] = rsv_table;
	w->st[ST_RSV_LEAF] = rsv_leaf;
	w->st[ST_ACC] = ACC_BITS;
	w->st[ST_MISC] = set_table | set_leaf << 16 |
			 (uint64_t)leaf_ok_mask(w->cfg) << 32 |
			 present << 40 |
			 (c->perm_check == IREF_INTEL_PERM_PER_LEVEL
				  ? MISC_PER_LEVEL
				  : 0);
	w->ad_as_walked = c->ad_policy == IREF_INTEL_AD_AS_WALKED;
	w->level = c->levels;
	w->table = root;
	return STEP_TABLE;
}

/* The options a struct written by hand could get wrong in ways that
 * would break the walk itself. */
static bool cfg_usable(const struct iref_walk_cfg *cfg)
{
	const struct iref_intel_cfg *c = &cfg->u.intel;
	unsigned min_levels = is_fs(cfg) ? 4 : 3;
	return c->levels >= min_levels && c->levels <= 5 && c->haw >= 12 &&
	       c->haw <= 52;
}

static enum walk_step fs_begin(struct walk *w)
{
	const struct iref_intel_cfg *c = opts(w);
	const struct iref_walk_req *r = w->req;
	w->level = -1;
	if (!cfg_usable(w->cfg))
		return walk_fault(w, IREF_WF_CONFIG, fs_codes.config);
	/* Canonical: bits 63:width-1 all equal (§4.2). */
	unsigned sign = c->levels == 5 ? 56 : 47;
	uint64_t top = r->addr >> sign;
	if (top != 0 && top != UINT64_MAX >> sign)
		return walk_fault(w, IREF_WF_TRANSLATION, fs_codes.range);
	/* PASID-entry blocking, before any table read (§4.4). */
	if (r->priv && !c->sre)
		return perm_fault(w, c->code_sre_blocked);
	if (r->access == IREF_ACC_EXEC && !c->ere)
		return perm_fault(w, c->code_ere_blocked);
	uint64_t rsv = addr_rsv(c) | (!c->nxe && c->xd_reserved ? FS_XD : 0);
	uint64_t set = FS_A | (c->eafe ? FS_EA : 0);
	return start(w, rsv, rsv, set, set | (is_write(w) ? FS_D : 0), FS_P);
}

static enum walk_step ss_begin(struct walk *w)
{
	const struct iref_intel_cfg *c = opts(w);
	w->level = -1;
	if (!cfg_usable(w->cfg))
		return walk_fault(w, IREF_WF_CONFIG, codes_of(w->cfg)->config);
	/* X = min(MGAW, AGAW); AGAW = 12 + 9 * levels <= 57 (§2). */
	unsigned x = 12 + 9 * (unsigned)c->levels;
	if (c->mgaw < x)
		x = c->mgaw;
	if (w->req->addr >> x)
		return walk_fault(w, IREF_WF_TRANSLATION,
				  codes_of(w->cfg)->range);
	uint64_t rsv = addr_rsv(c);
	uint64_t leaf_rsv = rsv | (c->legacy && c->dt ? 0 : SS_TM) |
			    (c->legacy && !c->sc ? SS_SNP : 0);
	uint64_t set = c->ssade ? SS_A : 0;
	uint64_t set_leaf = set | (c->ssade && is_write(w) ? SS_D : 0);
	uint64_t present = SS_R | SS_W | (c->ssee ? SS_X : 0);
	return start(w, rsv | SS_SNP | SS_TM, leaf_rsv, set, set_leaf, present);
}

static uint64_t entry_offset(const struct walk *w)
{
	/* 8 * the 9 index bits at 12 + 9 * (level - 1): shifting by
	 * 9 * level leaves them 3 bits up. */
	return (w->req->addr >> (9 * w->level)) & 0xff8;
}

static enum walk_step rsv_fault(struct walk *w, uint64_t bad)
{
	/* Only address bits beyond haw: the entry names an address the
	 * output size cannot hold (DESIGN: address-size). */
	enum iref_wfault reason = bad & ~addr_rsv(opts(w))
					  ? IREF_WF_TRANSLATION
					  : IREF_WF_ADDRESS_SIZE;
	return walk_fault(w, reason, codes_of(w->cfg)->rsv);
}

/* One level (§4.2, §5): present, [rights so far], reserved bits and page
 * size, rights, A/D, then the next table or the leaf. */
static inline enum walk_step step(struct walk *w, uint64_t pte,
				  const struct stage *s)
{
	uint64_t misc = w->st[ST_MISC];
	int l = w->level;
	if (!(pte & MISC_PRESENT(misc))) {
		const struct codes *k = codes_of(w->cfg);
		return walk_fault(w, IREF_WF_TRANSLATION,
				  is_write(w) ? k->np_w : k->np_r);
	}
	uint64_t acc = w->st[ST_ACC] & (pte ^ s->acc_flip);
	if ((misc & MISC_PER_LEVEL) && !s->check(w, acc, false))
		return STEP_FAULT;
	bool leaf = l == 1 || (pte & PS);
	uint64_t bad = pte & (leaf ? w->st[ST_RSV_LEAF] | s->align[l]
				   : w->st[ST_RSV_TABLE]);
	if (leaf && !(MISC_LEAF_OK(misc) >> l & 1))
		bad |= PS; /* PS where no page of that size exists */
	if (bad)
		return rsv_fault(w, bad);
	w->st[ST_ACC] = acc;
	uint64_t set = leaf ? MISC_SET_LEAF(misc) : MISC_SET_TABLE(misc);
	if (~pte & set)
		walk_queue_update(w, pte, pte | set);
	if (!leaf) {
		w->table = pte & ADDR_MASK;
		w->level = l - 1;
		return STEP_TABLE;
	}
	uint64_t size = UINT64_C(1) << (3 + 9 * l);
	w->leaf.size = size;
	w->leaf.pa = (pte & ADDR_MASK & ~(size - 1)) |
		     (w->req->addr & (size - 1));
	if (!s->check(w, acc, true))
		return STEP_FAULT;
	/* The interrupt range concerns the transaction's own output, not a
	 * nested stage 2 translating a table address. */
	if (opts(w)->intr_check && w->purpose == WALK_DATA &&
	    w->leaf.pa >> 20 == INTR_PAGE)
		return perm_fault(w, codes_of(w->cfg)->intr);
	w->leaf.attrs = s->attrs(w, pte | set, acc);
	w->leaf.global = pte & s->global;
	return STEP_LEAF;
}

static enum walk_step fs_step(struct walk *w, uint64_t pte)
{
	return step(w, pte, &fs_stage);
}

static enum walk_step ss_step(struct walk *w, uint64_t pte)
{
	return step(w, pte, &ss_stage);
}

/* ---- Walk cache ---- */

/* The table at w->table covers what one entry of the level above maps;
 * the state is the path's rights. */
static unsigned cache_pack(const struct walk *w, unsigned *perm,
			   uint32_t *attrs)
{
	uint64_t acc = w->st[ST_ACC];
	*perm = 0;
	*attrs = (uint32_t)(acc & 7) | (uint32_t)(acc >> 63) << 3;
	return 12 + 9 * (unsigned)w->level;
}

/* With per-level checks the levels a hit skips were checked for the walk
 * that cached them, not for this request. Rights only shrink down the
 * path, so this request passes them all if it passes the rights at the
 * cached level; if not, walking from the root finds the level that
 * faults. */
static bool cache_restore(struct walk *w, uint32_t attrs,
			  const struct stage *s)
{
	uint64_t acc = (attrs & 7) | (uint64_t)(attrs >> 3 & 1) << 63;
	if (w->level < 1 || w->level >= opts(w)->levels ||
	    ((w->st[ST_MISC] & MISC_PER_LEVEL) && !s->allows(w, acc, false)))
		return false;
	w->st[ST_ACC] = acc;
	return true;
}

static bool fs_cache_restore(struct walk *w, unsigned perm, uint32_t attrs)
{
	(void)perm;
	return cache_restore(w, attrs, &fs_stage);
}

static bool ss_cache_restore(struct walk *w, unsigned perm, uint32_t attrs)
{
	(void)perm;
	return cache_restore(w, attrs, &ss_stage);
}

static void bus_fault(struct walk *w, bool write)
{
	const struct codes *k = codes_of(w->cfg);
	walk_fault(w, IREF_WF_BUS_ERROR,
		   write ? k->upd
			 : w->level == opts(w)->levels ? k->root_rd : k->rd);
}

static unsigned pte_size(const struct iref_walk_cfg *cfg)
{
	(void)cfg;
	return 8;
}

/* ---- Builder hooks ---- */

static void geometry(const struct iref_walk_cfg *cfg, struct walk_geom *g)
{
	unsigned levels = cfg->u.intel.levels, ok = leaf_ok_mask(cfg);
	g->depth = levels;
	for (unsigned d = 0; d < levels; d++) {
		unsigned l = levels - d;
		g->level[d] = (int)l;
		g->shift[d] = 3 + 9 * l;
		g->idx_bits[d] = 9;
		g->leaf_ok[d] = ok >> l & 1;
	}
	g->root_size = 4096;
	g->pte_size = 8;
}

/* Tables allow everything (rights are decided by the leaves) and carry A
 * already, so that only leaves see A/D updates. */
static uint64_t fs_make_table(const struct iref_walk_cfg *cfg, int level,
			      uint64_t next)
{
	(void)level;
	return next | FS_P | FS_RW | FS_US | FS_A |
	       (cfg->u.intel.eafe ? FS_EA : 0);
}

static uint64_t ss_make_table(const struct iref_walk_cfg *cfg, int level,
			      uint64_t next)
{
	(void)cfg;
	(void)level;
	return next | SS_R | SS_W | SS_X | SS_A;
}

/* A first-stage entry cannot deny reads: every present leaf is
 * readable. */
static uint64_t fs_make_leaf(const struct iref_walk_cfg *cfg, int level,
			     uint64_t pa, const struct iref_build_map *m)
{
	const struct iref_intel_cfg *c = &cfg->u.intel;
	uint64_t pte = pa | FS_P | (level > 1 ? PS : 0) |
		       (m->attrs & IREF_INTEL_FS_ATTR_PWT ? FS_PWT : 0) |
		       (m->attrs & IREF_INTEL_FS_ATTR_PCD ? FS_PCD : 0) |
		       walk_build_ad(m, FS_A | (c->eafe ? FS_EA : 0), FS_D);
	if (m->attrs & IREF_INTEL_FS_ATTR_PAT)
		pte |= level > 1 ? FS_PAT_LARGE : FS_PAT_4K;
	if (m->perm & IREF_PERM_W)
		pte |= FS_RW;
	if (m->flags & IREF_BUILD_USER)
		pte |= FS_US;
	if (m->flags & IREF_BUILD_GLOBAL)
		pte |= FS_G;
	if (c->nxe && !(m->perm & IREF_PERM_X))
		pte |= FS_XD;
	return pte;
}

static uint64_t ss_make_leaf(const struct iref_walk_cfg *cfg, int level,
			     uint64_t pa, const struct iref_build_map *m)
{
	(void)cfg;
	return pa | (m->perm & (IREF_PERM_R | IREF_PERM_W | IREF_PERM_X)) |
	       (level > 1 ? PS : 0) |
	       (uint64_t)(m->attrs & IREF_INTEL_SS_ATTR_EMT) << 3 |
	       (m->attrs & IREF_INTEL_SS_ATTR_IPAT ? SS_IPAT : 0) |
	       (m->attrs & IREF_INTEL_SS_ATTR_SNP ? SS_SNP : 0) |
	       (m->attrs & IREF_INTEL_SS_ATTR_TM ? SS_TM : 0) |
	       walk_build_ad(m, SS_A, SS_D);
}

static enum walk_entry_kind entry_kind(const struct iref_walk_cfg *cfg,
				       int level, uint64_t pte,
				       uint64_t *next)
{
	if (!(pte & (is_fs(cfg) ? FS_P : SS_R | SS_W | SS_X)))
		return ENTRY_EMPTY;
	if (level == 1 || (pte & PS))
		return ENTRY_LEAF;
	*next = pte & ADDR_MASK;
	return ENTRY_TABLE;
}

/* ---- Names and options ---- */

static void set_defaults(struct iref_walk_cfg *cfg)
{
	cfg->u.intel = (struct iref_intel_cfg){
		.levels = 4, .haw = 48, .intr_check = true,
		.fl1gp = true, .xd_reserved = true,
		.code_sre_blocked = IREF_INTEL_FR_SPT_6,
		.code_ere_blocked = IREF_INTEL_FR_SPT_5,
		.mgaw = 48, .sllps = 3, .sc = true,
	};
}

static bool fs_init(struct iref_walk_cfg *cfg, const char *name)
{
	if (strcmp(name, "intel-fs") != 0)
		return false;
	set_defaults(cfg);
	return true;
}

static bool ss_init(struct iref_walk_cfg *cfg, const char *name)
{
	if (strcmp(name, "intel-ss") != 0)
		return false;
	set_defaults(cfg);
	return true;
}

static const char *fs_name(const struct iref_walk_cfg *cfg)
{
	(void)cfg;
	return "intel-fs";
}

static const char *ss_name(const struct iref_walk_cfg *cfg)
{
	(void)cfg;
	return "intel-ss";
}

#define FS 1u
#define SS 2u

static const char *const perm_check_words[] = {"leaf", "per_level", NULL};
static const char *const ad_policy_words[] = {"on_success", "as_walked",
					      NULL};

struct opt {
	const char *key;
	unsigned stages;
	size_t off;
	bool is_bool;
	uint8_t min, max;
	uint8_t bias;              /* stored = value + bias ("aw") */
	const char *const *words;  /* keyword values (index), or NULL */
};

#define U8(k, st, f, lo, hi) \
	{k, st, offsetof(struct iref_intel_cfg, f), false, lo, hi, 0, NULL}
#define BOOL(k, st, f) \
	{k, st, offsetof(struct iref_intel_cfg, f), true, 0, 1, 0, NULL}

static const struct opt options[] = {
	U8("levels", FS, levels, 4, 5),
	U8("levels", SS, levels, 3, 5),
	{"aw", SS, offsetof(struct iref_intel_cfg, levels), false, 1, 3, 2,
	 NULL},
	U8("haw", FS | SS, haw, 12, 52),
	{"perm_check", FS | SS, offsetof(struct iref_intel_cfg, perm_check),
	 false, 0, 1, 0, perm_check_words},
	{"ad_policy", FS | SS, offsetof(struct iref_intel_cfg, ad_policy),
	 false, 0, 1, 0, ad_policy_words},
	BOOL("intr_check", FS | SS, intr_check),
	BOOL("sre", FS, sre),
	BOOL("wpe", FS, wpe),
	BOOL("ere", FS, ere),
	BOOL("nxe", FS, nxe),
	BOOL("smep", FS, smep),
	BOOL("eafe", FS, eafe),
	BOOL("fl1gp", FS, fl1gp),
	BOOL("xd_reserved", FS, xd_reserved),
	U8("code_sre_blocked", FS, code_sre_blocked, 0, 255),
	U8("code_ere_blocked", FS, code_ere_blocked, 0, 255),
	U8("mgaw", SS, mgaw, 12, 64),
	U8("sllps", SS, sllps, 0, 3),
	BOOL("ssee", SS, ssee),
	BOOL("ssade", SS, ssade),
	BOOL("legacy", SS, legacy),
	BOOL("sc", SS, sc),
	BOOL("dt", SS, dt),
};

static enum iref_rc set(struct iref_walk_cfg *cfg, const char *key,
			const char *value, struct iref_diag *diag)
{
	unsigned stage = is_fs(cfg) ? FS : SS;
	for (size_t i = 0; i < sizeof options / sizeof options[0]; i++) {
		const struct opt *o = &options[i];
		if (!(o->stages & stage) || strcmp(o->key, key) != 0)
			continue;
		uint64_t v = 0;
		if (o->words) {
			while (o->words[v] && strcmp(o->words[v], value) != 0)
				v++;
			if (!o->words[v]) {
				iref_diag_set(diag, NULL, 0, 0,
					      "option %s: '%s' is not one of "
					      "%s, %s", key, value,
					      o->words[0], o->words[1]);
				return IREF_E_INVAL;
			}
		} else {
			enum iref_rc rc = walk_parse_u64(key, value, &v, diag);
			if (rc != IREF_OK)
				return rc;
			if (v < o->min || v > o->max) {
				iref_diag_set(diag, NULL, 0, 0,
					      "option %s: %s is outside "
					      "%u..%u", key, value, o->min,
					      o->max);
				return IREF_E_RANGE;
			}
		}
		char *field = (char *)&cfg->u.intel + o->off;
		if (o->is_bool)
			*(bool *)field = v != 0;
		else
			*(uint8_t *)field = (uint8_t)(v + o->bias);
		return IREF_OK;
	}
	iref_diag_set(diag, NULL, 0, 0, "%s has no option '%s'",
		      stage == FS ? "intel-fs" : "intel-ss", key);
	return IREF_E_INVAL;
}

/* ---- Fault-reason names (§8.1) ---- */

const char *iref_intel_fr_name(uint32_t code)
{
	static const struct { uint8_t code; const char *name; } names[] = {
		{0x01, "LRT.2"}, {0x02, "LCT.2"}, {0x03, "LCT.4"},
		{0x04, "LGN.1"}, {0x05, "LGN.2"}, {0x06, "LGN.3"},
		{0x07, "LSL.1"}, {0x08, "LRT.1"}, {0x09, "LCT.1"},
		{0x0a, "LRT.3"}, {0x0b, "LCT.3"}, {0x0c, "LSL.2"},
		{0x0d, "LCT.5"}, {0x0e, "LGN.4"}, {0x30, "RTA.1"},
		{0x31, "RTA.2"}, {0x32, "RTA.3"}, {0x33, "RTA.4"},
		{0x38, "SRT.1"}, {0x39, "SRT.2"}, {0x3a, "SRT.3"},
		{0x40, "SCT.1"}, {0x41, "SCT.2"}, {0x42, "SCT.3"},
		{0x43, "SCT.4"}, {0x44, "SCT.5"}, {0x45, "SCT.6"},
		{0x46, "SCT.7"}, {0x47, "SCT.8"}, {0x48, "SCT.9"},
		{0x50, "SPD.1"}, {0x51, "SPD.2"}, {0x52, "SPD.3"},
		{0x58, "SPT.1"}, {0x59, "SPT.2"}, {0x5a, "SPT.3"},
		{0x5b, "SPT.4"}, {0x5c, "SPT.5"}, {0x5d, "SPT.6"},
		{0x70, "SFS.1"}, {0x71, "SFS.2"}, {0x72, "SFS.3"},
		{0x73, "SFS.4"}, {0x74, "SFS.5"}, {0x75, "SFS.6"},
		{0x76, "SFS.7"}, {0x77, "SFS.8"}, {0x78, "SSS.1"},
		{0x79, "SSS.2"}, {0x7a, "SSS.3"}, {0x7b, "SSS.4"},
		{0x7c, "SSS.5"}, {0x7d, "SSS.6"}, {0x80, "SGN.1"},
		{0x81, "SGN.2"}, {0x82, "SGN.3"}, {0x83, "SGN.4"},
		{0x84, "SGN.5"}, {0x85, "SGN.6"}, {0x86, "SGN.7"},
		{0x87, "SGN.8"}, {0x88, "SGN.9"}, {0x89, "SGN.10"},
		{0x90, "SFS.9"}, {0x91, "SFS.10"},
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].code == code)
			return names[i].name;
	return NULL;
}

/* ---- The format objects ---- */

#define INTEL_COMMON                                                  \
	.set = set, .pte_size = pte_size, .entry_offset = entry_offset, \
	.bus_fault = bus_fault, .geometry = geometry,                  \
	.entry_kind = entry_kind, .cache_pack = cache_pack

const struct walk_fmt walk_fmt_intel_fs = {
	.fmt = IREF_FMT_INTEL_FS, .init = fs_init, .name = fs_name,
	.begin = fs_begin, .step = fs_step, .make_table = fs_make_table,
	.cache_restore = fs_cache_restore,
	.make_leaf = fs_make_leaf, INTEL_COMMON,
};

const struct walk_fmt walk_fmt_intel_ss = {
	.fmt = IREF_FMT_INTEL_SS, .init = ss_init, .name = ss_name,
	.begin = ss_begin, .step = ss_step, .make_table = ss_make_table,
	.cache_restore = ss_cache_restore,
	.make_leaf = ss_make_leaf, INTEL_COMMON,
};
