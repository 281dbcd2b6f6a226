/* Arm VMSAv8-64 page tables as an SMMUv3 walks them: stage 1 ("arm-s1",
 * configured by a Context Descriptor, StreamWorld NS-EL1 with two VA
 * ranges) and stage 2 ("arm-s2", configured by a Stream Table Entry, with
 * concatenated start tables). Both stages share the descriptor decode
 * (validity, where blocks may sit, the output or next-table address and
 * its size check) and the Access flag rule; they differ in permissions,
 * attributes and how the input address is checked. Section numbers (§)
 * are those of the Arm reference docs/walker-arm.md cites; levels are
 * Arm's (0..3). */
#include "walk_core.h"

#include <stddef.h>
#include <string.h>

#include "iommu-ref/walk_arm.h"

#define BIT(n) (UINT64_C(1) << (n))

/* Descriptor bits (§5); both stages unless named. */
#define D_VALID BIT(0)
#define D_TABLE BIT(1) /* a table at levels 0-2, a page at level 3 */
#define D_AP1 BIT(6)   /* S1 AP[1]: unprivileged access */
#define D_AP2 BIT(7)   /* S1 AP[2]: read-only */
#define D_S2AP_R BIT(6)
#define D_S2AP_W BIT(7)
#define D_AF BIT(10)
#define D_NG BIT(11)
#define D_DBM BIT(51)
#define D_CONT BIT(52)
#define D_PXN BIT(53)  /* S2: XN[0] */
#define D_UXN BIT(54)  /* S2: XN[1] */
#define D_OA_HI walk_mask(15, 12) /* OA[51:48] with 64 KiB granules */

/* Stage-1 table descriptor controls inherited by the levels below. */
#define T_PXN BIT(59)
#define T_UXN BIT(60)
#define T_AP0 BIT(61) /* no unprivileged access */
#define T_AP1 BIT(62) /* no write access */
#define T_ALL (T_PXN | T_UXN | T_AP0 | T_AP1)

/* w->st: what begin() derives once from the options. */
enum {
	ST_IA,     /* input address, bits above the input size cleared */
	ST_GEOM,   /* the packed fields below */
	ST_SHIFTS, /* byte L: log2 of what an entry at level L maps */
	ST_TATTR,  /* stage 1: T_ALL of the path's table descriptors ORed */
};
#define G_GRAN(m) ((unsigned)(m) & 0xff)           /* granule shift */
#define G_START(m) ((unsigned)((m) >> 8) & 0xff)   /* start level */
#define G_OUT(m) ((unsigned)((m) >> 16) & 0xff)    /* output bits */
#define G_BLOCKS(m) ((unsigned)((m) >> 24) & 0xff) /* bit L: blocks ok */
#define F_HI BIT(32)   /* descriptor bits [15:12] are OA[51:48] */
#define F_RES0 BIT(33) /* block OA RES0 bits fault */
#define F_HA BIT(34)
#define F_HD BIT(35)
#define F_AFFD BIT(36)
#define F_HIER BIT(37) /* hierarchical controls apply (no HADx) */
#define F_WXN BIT(38)
#define F_PAN BIT(39)
#define F_EPAN BIT(40)
#define F_XNX BIT(41)
#define F_PTW BIT(42)  /* S2PTW: table walks to Device memory fault */

enum { FMT_S1 = 1, FMT_S2 = 2 };

/* One stage's geometry and output size, from its options. */
struct layout {
	unsigned g;        /* granule shift: 12, 14 or 16 */
	unsigned start;    /* start level */
	unsigned in_bits;  /* input address size */
	unsigned out_bits; /* effective output address size */
	unsigned blocks;   /* bit L: a block descriptor may sit at level L */
	bool hi;           /* descriptor bits [15:12] are OA[51:48] */
};

/* log2 of the bytes an entry at level l maps (§2). */
static unsigned level_shift(unsigned g, unsigned l)
{
	return g + (g - 3) * (3 - l);
}

/* The level that resolves the top of an in_bits input (§3.2): 4 -
 * ceil((in_bits - g) / (g - 3)); constant divisors keep it cheap. */
static unsigned start_level(unsigned g, unsigned in_bits)
{
	switch (g) {
	case 12: return 4 - (in_bits - 4) / 9;
	case 14: return 4 - (in_bits - 4) / 11;
	default: return 4 - (in_bits - 4) / 13;
	}
}

/* OAS / IPS / S2PS encodings in bits (§1); 7 is reserved and behaves as
 * 52 in SMMUv3.1-3.3 (IHI 0070 CD.IPS, STE.S2PS). */
static unsigned ps_bits(unsigned enc)
{
	static const uint8_t bits[8] = {32, 36, 40, 42, 44, 48, 52, 52};
	return bits[enc & 7];
}

/* l->g from a TGx field's shift (0 for a reserved encoding, then 12 so
 * the layout stays usable); false if reserved or not in SMMU_IDR5
 * (C_BAD_CD / C_BAD_STE). */
static bool set_granule(const struct iref_arm_cfg *c, unsigned shift,
			struct layout *l)
{
	l->g = shift ? shift : 12;
	return (shift == 12 && c->gran4k) || (shift == 14 && c->gran16k) ||
	       (shift == 16 && c->gran64k);
}

/* Input size from TxSZ / S2T0SZ and its valid range: out of range is
 * ILLEGAL (SMMUv3.1+) or clamped (the SMMUv3.0 alternative). */
static bool set_input(const struct iref_arm_cfg *c, unsigned tsz, unsigned lo,
		      unsigned hi, struct layout *l)
{
	bool in_range = tsz >= lo && tsz <= hi;
	l->in_bits = 64 - (tsz < lo ? lo : tsz > hi ? hi : tsz);
	return in_range || c->txsz_oor == IREF_ARM_OOR_CLAMP;
}

/* Effective output size, block levels and OA[51:48] placement (§1, §2,
 * §5.2). */
static void set_output(const struct iref_arm_cfg *c, unsigned ps,
		       struct layout *l)
{
	unsigned oas = ps_bits(c->oas), out = ps_bits(ps);
	if (out > oas)
		out = oas;
	/* Without LPA2 a 4K/16K descriptor holds 48 address bits. */
	if (l->g != 16 && out > 48)
		out = 48;
	l->out_bits = out;
	bool lpa = c->lpa == IREF_ARM_LPA_ON ||
		   (c->lpa == IREF_ARM_LPA_AUTO && oas == 52);
	l->blocks = l->g == 12 ? 0x6 : l->g == 14 ? 0x4 : lpa ? 0x6 : 0x4;
	l->hi = l->g == 16 &&
		(c->oa_hi == IREF_ARM_OA_HI_ALWAYS ||
		 (c->oa_hi == IREF_ARM_OA_HI_EFF52 ? out : oas) == 52);
}

/* Largest TxSZ / S2T0SZ (§1: IHI 0070 CD.T0SZ, STE.S2T0SZ). */
static unsigned txsz_max(const struct iref_arm_cfg *c, unsigned g)
{
	return c->stt ? (g == 16 ? 47 : 48) : 39;
}

/* Stage 1, half sel (0: TTB0 = cfg->root, 1: TTB1): its layout and table
 * base; false if the CD is ILLEGAL for it (§1, §3.2, §11.3). */
static bool s1_layout(const struct iref_walk_cfg *cfg, unsigned sel,
		      struct layout *l, uint64_t *ttb)
{
	static const uint8_t tg_shift[2][4] = {{12, 16, 14, 0},
					       {0, 14, 12, 16}};
	const struct iref_arm_cfg *c = &cfg->u.arm;
	bool ok = set_granule(c, tg_shift[sel][(sel ? c->tg1 : c->tg0) & 3],
			      l);
	unsigned lo = c->vax && l->g == 16 ? 12 : 16;
	ok &= set_input(c, sel ? c->t1sz : c->t0sz, lo, txsz_max(c, l->g), l);
	l->start = start_level(l->g, l->in_bits);
	set_output(c, c->ips, l);
	*ttb = sel ? c->ttb1 : cfg->root;
	return ok && !(*ttb >> l->out_bits);
}

/* Stage 2: layout; false if the STE is ILLEGAL (§1, §4). */
static bool s2_layout(const struct iref_walk_cfg *cfg, struct layout *l)
{
	static const uint8_t tg_shift[4] = {12, 16, 14, 0};
	const struct iref_arm_cfg *c = &cfg->u.arm;
	bool ok = set_granule(c, tg_shift[c->s2tg & 3], l);
	unsigned ias = ps_bits(c->oas), s = l->g - 3;
	unsigned lo = l->g == 16 ? 12 : 16;
	if (64 - ias > lo)
		lo = 64 - ias;
	ok &= set_input(c, c->s2t0sz, lo, txsz_max(c, l->g), l);
	set_output(c, c->s2ps, l);
	/* S2SL0 (§4.1); level 0 (4K) / level 1 (16K, 64K) need the
	 * implemented PA size AArch64.S2InvalidSL names, not S2PS. */
	unsigned sl0 = c->s2sl0 & 3;
	int start = (l->g == 12 ? 2 : 3) - (int)sl0;
	if (sl0 == 3) {
		ok &= l->g == 12 && c->stt;
		start = 3;
	} else if (sl0 == 2) {
		ok &= ias >= (l->g == 14 ? 42u : 44u);
	}
	/* 1..s+4 bits at the start level: up to 16 concatenated tables. */
	int n = (int)l->in_bits - (int)level_shift(l->g, (unsigned)start);
	if (n < 1 || n > (int)s + 4) {
		ok = false;
		start = (int)start_level(l->g, l->in_bits); /* usable */
	}
	l->start = (unsigned)start;
	if (c->wide_ipa == IREF_ARM_WIDE_IPA_ILLEGAL &&
	    l->in_bits > l->out_bits)
		ok = false;
	return ok && !(cfg->root >> l->out_bits);
}

/* Bits of the start table's index, and its size (also its alignment). */
static unsigned root_bits(const struct layout *l)
{
	return l->in_bits - level_shift(l->g, l->start);
}

static uint64_t root_size(const struct layout *l)
{
	uint64_t size = UINT64_C(8) << root_bits(l);
	/* A 52-bit output size imposes 64-byte alignment (CD.TTBx,
	 * STE.S2TTB). */
	return l->out_bits == 52 && size < 64 ? 64 : size;
}

/* ---- Faults (§10) ---- */

/* Record a fault with the event record's attribute bits and address. */
static enum walk_step arm_fault(struct walk *w, enum iref_wfault reason,
				uint32_t code)
{
	walk_fault(w, reason, code);
	struct iref_walk_fault *f = &w->res->fault;
	unsigned acc = w->orig_access;
	bool table_walk = w->purpose != WALK_DATA;
	/* The record carries the transaction's attributes, also when an
	 * implicit stage-2 walk for a table address faults. */
	uint32_t fl = (acc == IREF_ACC_WRITE ? 0 : IREF_ARM_FLAG_RNW) |
		      (acc == IREF_ACC_EXEC ? IREF_ARM_FLAG_IND : 0) |
		      (w->orig_priv ? IREF_ARM_FLAG_PNU : 0);
	unsigned cls = table_walk ? IREF_ARM_CLASS_TT : IREF_ARM_CLASS_IN;
	if (w->stage == 2) {
		fl |= IREF_ARM_FLAG_S2;
		f->addr2 = w->req->addr;
		if (code == IREF_ARM_F_PERMISSION &&
		    w->purpose == WALK_IMPLICIT_RD)
			fl |= IREF_ARM_FLAG_TTRNW;
	}
	if (code == IREF_ARM_F_WALK_EABT) {
		/* A stage-1 descriptor access is CLASS TT even at S2 = 0. */
		if (w->stage == 1)
			cls = IREF_ARM_CLASS_TT;
		f->addr2 = w->entry_pa; /* FetchAddr is physical */
	}
	f->flags = fl | cls << 8;
	return STEP_FAULT;
}

/* An unusable CD or STE: no walk, no record fields. */
static enum walk_step config_fault(struct walk *w, uint32_t code)
{
	w->level = -1;
	return walk_fault(w, IREF_WF_CONFIG, code);
}

static void bus_fault(struct walk *w, bool write)
{
	(void)write; /* RnW names the transaction, not the table access */
	arm_fault(w, IREF_WF_BUS_ERROR, IREF_ARM_F_WALK_EABT);
}

/* ---- The walk ---- */

static uint64_t layout_flags(const struct iref_arm_cfg *c,
			     const struct layout *l)
{
	return (l->hi ? F_HI : 0) |
	       (c->block_res0 == IREF_ARM_RES0_FAULT ? F_RES0 : 0);
}

/* Fill w->st and the start table; the input checks are done. */
static enum walk_step start_walk(struct walk *w, const struct layout *l,
				 uint64_t ia, uint64_t ttb, uint64_t flags)
{
	uint64_t s = l->g - 3, shifts = l->g * UINT64_C(0x01010101);
	shifts += s * UINT64_C(0x00010203); /* byte L: g + s * (3 - L) */
	w->st[ST_IA] = ia;
	w->st[ST_GEOM] = l->g | l->start << 8 | l->out_bits << 16 |
			 l->blocks << 24 | flags;
	w->st[ST_SHIFTS] = shifts;
	/* Bits below the table's alignment are treated as zero. */
	w->table = ttb & ~(root_size(l) - 1);
	w->level = (int)l->start;
	return STEP_TABLE;
}

static enum walk_step s1_begin(struct walk *w)
{
	const struct iref_arm_cfg *c = &w->cfg->u.arm;
	struct layout l[2];
	uint64_t ttb[2];
	bool epd[2] = {c->epd0, c->epd1};
	/* CdIllegal() (§11.3): a disabled half is not checked. */
	bool ok = (!c->ha || c->httu) && (!c->hd || c->httu >= 2) &&
		  (c->asid16 || c->asid < 256);
	for (unsigned x = 0; x < 2; x++)
		if (!epd[x] && !s1_layout(w->cfg, x, &l[x], &ttb[x]))
			ok = false;
	if (!ok)
		return config_fault(w, IREF_ARM_C_BAD_CD);

	/* §3.1: VA[55] picks the half; its range, EPD and E0PD. */
	uint64_t va = w->req->addr;
	unsigned sel = va >> 55 & 1;
	w->level = 0;
	if (epd[sel])
		return arm_fault(w, IREF_WF_TRANSLATION,
				 IREF_ARM_F_TRANSLATION);
	if (sel ? c->tbi1 : c->tbi0)
		va = (va & walk_mask(55, 0)) | (sel ? walk_mask(63, 56) : 0);
	unsigned in = l[sel].in_bits;
	if (va >> in != (sel ? ~UINT64_C(0) >> in : 0) ||
	    (c->e0pd && (sel ? c->e0pd1 : c->e0pd0) && !w->req->priv))
		return arm_fault(w, IREF_WF_TRANSLATION,
				 IREF_ARM_F_TRANSLATION);

	bool had = c->had && (sel ? c->had1 : c->had0);
	uint64_t flags = layout_flags(c, &l[sel]) | (c->ha ? F_HA : 0) |
			 /* {HD, HA} = {1, 0} behaves as {0, 0} */
			 (c->ha && c->hd ? F_HD : 0) | (c->affd ? F_AFFD : 0) |
			 (had ? 0 : F_HIER) | (c->wxn ? F_WXN : 0) |
			 (c->pan ? F_PAN : 0) |
			 (c->epan && c->epan_cap ? F_EPAN : 0);
	return start_walk(w, &l[sel], va & (BIT(in) - 1), ttb[sel], flags);
}

static enum walk_step s2_begin(struct walk *w)
{
	const struct iref_arm_cfg *c = &w->cfg->u.arm;
	struct layout l;
	if (!s2_layout(w->cfg, &l) || (c->s2ha && !c->httu) ||
	    (c->s2hd && c->httu < 2))
		return config_fault(w, IREF_ARM_C_BAD_STE);
	uint64_t ipa = w->req->addr;
	w->level = 0;
	/* A transaction's input beyond the IAS faults at the bypassed
	 * stage 1 (§1); table addresses come checked from stage 1. */
	if (w->purpose == WALK_DATA && ipa >> ps_bits(c->oas)) {
		arm_fault(w, IREF_WF_ADDRESS_SIZE, IREF_ARM_F_ADDR_SIZE);
		w->res->fault.stage = 1;
		w->res->fault.flags &= ~IREF_ARM_FLAG_S2;
		w->res->fault.addr2 = 0;
		return STEP_FAULT;
	}
	if (ipa >> l.in_bits)
		return arm_fault(w, IREF_WF_TRANSLATION,
				 IREF_ARM_F_TRANSLATION);
	uint64_t flags = layout_flags(c, &l) | (c->s2ha ? F_HA : 0) |
			 (c->s2ha && c->s2hd ? F_HD : 0) |
			 (c->s2affd ? F_AFFD : 0) | (c->xnx ? F_XNX : 0) |
			 (c->s2ptw ? F_PTW : 0);
	return start_walk(w, &l, ipa, w->cfg->root, flags);
}

static unsigned pte_size(const struct iref_walk_cfg *cfg)
{
	(void)cfg;
	return 8;
}

static uint64_t entry_offset(const struct walk *w)
{
	unsigned lv = (unsigned)w->level;
	uint64_t geom = w->st[ST_GEOM];
	uint64_t idx = w->st[ST_IA] >> (w->st[ST_SHIFTS] >> (8 * lv) & 0xff);
	/* The start level takes every bit left (concatenated tables). */
	if (lv != G_START(geom))
		idx &= (UINT64_C(1) << (G_GRAN(geom) - 3)) - 1;
	return idx << 3;
}

/* The address a descriptor holds, its low sh bits cleared (§5.2). */
static uint64_t desc_addr(uint64_t d, unsigned sh, bool hi)
{
	return (d & walk_mask(47, sh)) | (hi ? (d & D_OA_HI) << 36 : 0);
}

/* The Access flag (§6 step 4, §8): AF = 0 is set through *nd (HA),
 * ignored (AFFD) or an Access fault; HA makes AFFD irrelevant. */
static bool access_flag(struct walk *w, uint64_t d, uint64_t *nd)
{
	uint64_t geom = w->st[ST_GEOM];
	if ((d & D_AF) || ((geom & F_AFFD) && !(geom & F_HA)))
		return true;
	if (geom & F_HA) {
		*nd |= D_AF;
		return true;
	}
	arm_fault(w, IREF_WF_ACCESS_FLAG, IREF_ARM_F_ACCESS);
	return false;
}

/* The leaf's result; the permission check; the update it needs. A
 * faulting walk writes nothing (§6). */
static enum walk_step finish_leaf(struct walk *w, uint64_t d, uint64_t nd,
				  uint64_t oa, unsigned sh, unsigned perm,
				  uint32_t attrs, bool global)
{
	w->leaf = (struct walk_leaf){
		.pa = oa | (w->req->addr & (BIT(sh) - 1)),
		.size = BIT(sh),
		.perm = perm,
		.attrs = attrs,
		.global = global,
	};
	if (!(perm & w->req->access))
		return arm_fault(w, IREF_WF_PERMISSION, IREF_ARM_F_PERMISSION);
	if (nd != d)
		walk_queue_update(w, d, nd);
	return STEP_LEAF;
}

/* Stage-1 leaf: AF, dirty state, permissions (§7.1, §8). */
static enum walk_step s1_leaf(struct walk *w, uint64_t d, uint64_t oa,
			      unsigned sh)
{
	uint64_t geom = w->st[ST_GEOM], nd = d;
	if (!access_flag(w, d, &nd))
		return STEP_FAULT;
	uint64_t t = geom & F_HIER ? w->st[ST_TATTR] : 0;
	/* Writable-clean (DBM) becomes dirty on a write. Only AP[2] is
	 * lifted: APTable[1], AP[1] and PAN still refuse it below, and a
	 * refused write updates nothing. */
	if (w->req->access == IREF_ACC_WRITE && (geom & F_HD) && (d & D_DBM))
		nd &= ~D_AP2;
	bool ro = (nd & D_AP2) || (t & T_AP1);
	bool user = (nd & D_AP1) && !(t & T_AP0);
	bool uxn = (nd & D_UXN) || (t & T_UXN);
	bool pxn = (nd & D_PXN) || (t & T_PXN);
	bool wxn = geom & F_WXN;
	unsigned perm;
	if (w->req->priv) {
		perm = IREF_PERM_R | (ro ? 0 : IREF_PERM_W);
		if ((geom & F_PAN) && (user || ((geom & F_EPAN) && !uxn)))
			perm = 0;
		/* EL0-writable pages are privileged execute-never. */
		if (!pxn && !(user && !ro) && !(wxn && !ro))
			perm |= IREF_PERM_X;
	} else {
		perm = user ? IREF_PERM_R | (ro ? 0 : IREF_PERM_W) : 0;
		if (!uxn && !(wxn && user && !ro))
			perm |= IREF_PERM_X;
	}
	unsigned idx = (unsigned)(d >> 2 & 7);
	uint32_t mair = (uint32_t)(w->cfg->u.arm.mair >> (8 * idx) & 0xff);
	uint32_t attrs = idx | (uint32_t)(d >> 8 & 3) << 3 |
			 (d & D_NG ? IREF_ARM_S1_ATTR_NG : 0) |
			 (d & D_CONT ? IREF_ARM_S1_ATTR_CONT : 0) | mair << 8;
	return finish_leaf(w, d, nd, oa, sh, perm, attrs, !(d & D_NG));
}

/* Stage-2 leaf: AF, dirty state, S2AP, XN (§7.2, §7.3, §8). */
static enum walk_step s2_leaf(struct walk *w, uint64_t d, uint64_t oa,
			      unsigned sh)
{
	uint64_t geom = w->st[ST_GEOM], nd = d;
	if (!access_flag(w, d, &nd))
		return STEP_FAULT;
	if (w->req->access == IREF_ACC_WRITE && (geom & F_HD) && (d & D_DBM))
		nd |= D_S2AP_W;
	unsigned perm = (nd & D_S2AP_R ? IREF_PERM_R : 0) |
			(nd & D_S2AP_W ? IREF_PERM_W : 0);
	/* XN[1:0] (§7.3): without XNX only XN[1] counts; with it, 01
	 * denies privileged and 11 unprivileged fetches. */
	unsigned xn = (unsigned)(d >> 53 & 3);
	bool x = (geom & F_XNX) && w->req->priv ? (xn == 0 || xn == 3)
						 : xn < 2;
	if (x)
		perm |= IREF_PERM_X;
	/* S2PTW: a stage-1 table in Device memory (MemAttr[3:2] = 0). */
	if ((geom & F_PTW) && w->purpose != WALK_DATA && !(d & walk_mask(5, 4)))
		perm = 0;
	uint32_t attrs = (uint32_t)(d >> 2 & 0xf) | (uint32_t)(d >> 8 & 3) << 4 |
			 (d & D_CONT ? IREF_ARM_S2_ATTR_CONT : 0);
	return finish_leaf(w, d, nd, oa, sh, perm, attrs, false);
}

typedef enum walk_step (*leaf_fn)(struct walk *w, uint64_t d, uint64_t oa,
				  unsigned sh);

/* One descriptor (§6 step 3): valid, a block only where §2 allows it,
 * its address within the output size, then a table or the stage's leaf
 * rules. */
static inline enum walk_step step(struct walk *w, uint64_t d, leaf_fn leaf)
{
	uint64_t geom = w->st[ST_GEOM];
	unsigned lv = (unsigned)w->level, g = G_GRAN(geom);
	bool is_leaf = lv == 3 || !(d & D_TABLE);
	if (!(d & D_VALID) || (!(d & D_TABLE) && !(G_BLOCKS(geom) >> lv & 1)))
		return arm_fault(w, IREF_WF_TRANSLATION,
				 IREF_ARM_F_TRANSLATION);
	unsigned sh = is_leaf ? level_shift(g, lv) : g;
	if ((geom & F_RES0) && sh > g && (d & walk_mask(sh - 1, g)))
		return arm_fault(w, IREF_WF_TRANSLATION,
				 IREF_ARM_F_TRANSLATION);
	uint64_t a = desc_addr(d, sh, geom & F_HI);
	if (a >> G_OUT(geom))
		return arm_fault(w, IREF_WF_ADDRESS_SIZE,
				 IREF_ARM_F_ADDR_SIZE);
	if (is_leaf)
		return leaf(w, d, a, sh);
	w->st[ST_TATTR] |= d & T_ALL;
	w->table = a;
	w->level++;
	return STEP_TABLE;
}

static enum walk_step s1_step(struct walk *w, uint64_t d)
{
	return step(w, d, s1_leaf);
}

static enum walk_step s2_step(struct walk *w, uint64_t d)
{
	return step(w, d, s2_leaf);
}

/* ---- Walk cache ---- */

/* The table at w->table covers what one entry of the level above maps;
 * the state is the path's APTable/XNTable (stage 2: unused, kept). */
static unsigned cache_pack(const struct walk *w, unsigned *perm,
			   uint32_t *attrs)
{
	*perm = 0;
	*attrs = (uint32_t)(w->st[ST_TATTR] >> 59);
	return (unsigned)(w->st[ST_SHIFTS] >> (8 * (w->level - 1)) & 0xff);
}

/* begin() chose the half (VA[55] is part of the cache key) and the start
 * level; an entry of another layout cannot be below it. */
static bool cache_restore(struct walk *w, unsigned perm, uint32_t attrs)
{
	(void)perm;
	if (w->level <= (int)G_START(w->st[ST_GEOM]) || w->level > 3)
		return false;
	w->st[ST_TATTR] = (uint64_t)attrs << 59 & T_ALL;
	return true;
}

/* ---- Builder ---- */

static struct layout layout_of(const struct iref_walk_cfg *cfg)
{
	struct layout l;
	uint64_t ttb;
	if (cfg->fmt == IREF_FMT_ARM_S1)
		s1_layout(cfg, 0, &l, &ttb);
	else
		s2_layout(cfg, &l);
	return l;
}

/* Tables under TTB0 (stage 1) or S2TTB; an unusable configuration still
 * gets a sane geometry (its walks report C_BAD_CD / C_BAD_STE). */
static void geometry(const struct iref_walk_cfg *cfg, struct walk_geom *g)
{
	struct layout l = layout_of(cfg);
	g->depth = 4 - l.start;
	for (unsigned d = 0; d < g->depth; d++) {
		unsigned lv = l.start + d;
		g->level[d] = (int)lv;
		g->shift[d] = level_shift(l.g, lv);
		g->idx_bits[d] = d ? l.g - 3 : root_bits(&l);
		g->leaf_ok[d] = lv == 3 || (l.blocks >> lv & 1);
	}
	g->root_size = root_size(&l);
	g->pte_size = 8;
}

/* An address as a descriptor holds it (OA[51:48] in [15:12] with 64 KiB
 * granules and 52-bit output). */
static uint64_t addr_desc(const struct iref_walk_cfg *cfg, uint64_t a)
{
	bool hi = layout_of(cfg).hi;
	return (a & walk_mask(47, 0)) | (hi ? (a >> 48 & 0xf) << 12 : 0);
}

static uint64_t make_table(const struct iref_walk_cfg *cfg, int level,
			   uint64_t next)
{
	(void)level;
	return addr_desc(cfg, next) | D_TABLE | D_VALID;
}

/* Stage 1: AP[1] for user mappings that may read or write, AP[2] unless
 * writable (or DBM + AP[2] when writable-clean), UXN unless user
 * executable, PXN unless executable; nG unless global. Stage 2: S2AP from
 * R/W (DBM instead of S2AP[1] when writable-clean), XN = 10 unless
 * executable. */
static uint64_t make_leaf(const struct iref_walk_cfg *cfg, int level,
			  uint64_t pa, const struct iref_build_map *m)
{
	uint64_t d = addr_desc(cfg, pa) | D_VALID |
		     (level == 3 ? D_TABLE : 0) |
		     (m->flags & IREF_BUILD_NO_ACCESSED ? 0 : D_AF);
	bool w = m->perm & IREF_PERM_W, x = m->perm & IREF_PERM_X;
	bool clean = m->flags & IREF_BUILD_NO_DIRTY;
	if (cfg->fmt == IREF_FMT_ARM_S1) {
		bool user = m->flags & IREF_BUILD_USER;
		d |= (uint64_t)(m->attrs & 7) << 2 |
		     (uint64_t)(m->attrs >> 3 & 3) << 8;
		if (user && (m->perm & (IREF_PERM_R | IREF_PERM_W)))
			d |= D_AP1;
		if (!w || clean)
			d |= D_AP2 | (w ? D_DBM : 0);
		if (!(user && x))
			d |= D_UXN;
		if (!x)
			d |= D_PXN;
		if (!(m->flags & IREF_BUILD_GLOBAL))
			d |= D_NG;
	} else {
		d |= (uint64_t)(m->attrs & 0xf) << 2 |
		     (uint64_t)(m->attrs >> 4 & 3) << 8;
		if (m->perm & IREF_PERM_R)
			d |= D_S2AP_R;
		if (w)
			d |= clean ? D_DBM : D_S2AP_W;
		if (!x)
			d |= D_UXN;
	}
	return d;
}

static enum walk_entry_kind entry_kind(const struct iref_walk_cfg *cfg,
				       int level, uint64_t pte,
				       uint64_t *next)
{
	if (!(pte & D_VALID))
		return ENTRY_EMPTY;
	if (level == 3 || !(pte & D_TABLE))
		return ENTRY_LEAF;
	struct layout l = layout_of(cfg);
	*next = desc_addr(pte, l.g, l.hi);
	return ENTRY_TABLE;
}

/* ---- Options ---- */

enum opt_kind {
	K_BOOL,
	K_U8,   /* 0..max */
	K_U16,
	K_U64,
	K_ENC,  /* a keyword of words[] (its index) or 0..max */
	K_PS,   /* an encoding 0..max or a size in bits */
	K_GRAN, /* "4k" | "16k" | "64k": TG0 and TG1, or S2TG */
};

struct opt {
	const char *key;
	uint8_t fmts; /* FMT_S1 | FMT_S2 */
	uint8_t kind;
	uint8_t max;
	size_t off;
	const char *const *words; /* "" marks a reserved encoding */
};

static const char *const tg0_words[] = {"4k", "64k", "16k", ""};
static const char *const tg1_words[] = {"", "16k", "4k", "64k"};
static const char *const gran_words[] = {"4k", "16k", "64k"};
static const char *const oor_words[] = {"illegal", "clamp"};
static const char *const res0_words[] = {"ignore", "fault"};
static const char *const oa_hi_words[] = {"oas52", "always", "eff52"};
static const char *const lpa_words[] = {"auto", "off", "on"};
static const char *const wide_words[] = {"allow", "illegal"};

#define OFF(f) offsetof(struct iref_arm_cfg, f)
#define NWORDS(w) (sizeof(w) / sizeof((w)[0]))
#define BOOL(k, fm, f) {k, fm, K_BOOL, 1, OFF(f), NULL}
#define U8(k, fm, f, mx) {k, fm, K_U8, mx, OFF(f), NULL}
#define ENC(k, fm, f, w) {k, fm, K_ENC, NWORDS(w) - 1, OFF(f), w}
#define PS(k, fm, f, mx) {k, fm, K_PS, mx, OFF(f), NULL}
#define BOTH (FMT_S1 | FMT_S2)

static const struct opt options[] = {
	/* SMMU ID registers. */
	PS("idr5.oas", BOTH, oas, 6),
	U8("idr5.vax", BOTH, vax, 1),
	BOOL("idr5.gran4k", BOTH, gran4k),
	BOOL("idr5.gran16k", BOTH, gran16k),
	BOOL("idr5.gran64k", BOTH, gran64k),
	U8("idr0.httu", BOTH, httu, 3),
	BOOL("idr0.asid16", BOTH, asid16),
	BOOL("idr3.stt", BOTH, stt),
	BOOL("idr3.had", BOTH, had),
	BOOL("idr3.e0pd", BOTH, e0pd),
	BOOL("idr3.epan", BOTH, epan_cap),
	BOOL("idr3.xnx", BOTH, xnx),
	/* Implementation choices. */
	ENC("txsz_oor", BOTH, txsz_oor, oor_words),
	ENC("block_res0", BOTH, block_res0, res0_words),
	ENC("oa_hi", BOTH, oa_hi, oa_hi_words),
	ENC("lpa", BOTH, lpa, lpa_words),
	ENC("wide_ipa", FMT_S2, wide_ipa, wide_words),
	/* Context Descriptor. */
	{"granule", FMT_S1, K_GRAN, 2, 0, gran_words},
	U8("t0sz", FMT_S1, t0sz, 63),
	U8("t1sz", FMT_S1, t1sz, 63),
	ENC("tg0", FMT_S1, tg0, tg0_words),
	ENC("tg1", FMT_S1, tg1, tg1_words),
	PS("ips", FMT_S1, ips, 7),
	BOOL("epd0", FMT_S1, epd0),
	BOOL("epd1", FMT_S1, epd1),
	BOOL("tbi0", FMT_S1, tbi0),
	BOOL("tbi1", FMT_S1, tbi1),
	BOOL("e0pd0", FMT_S1, e0pd0),
	BOOL("e0pd1", FMT_S1, e0pd1),
	BOOL("had0", FMT_S1, had0),
	BOOL("had1", FMT_S1, had1),
	BOOL("ha", FMT_S1, ha),
	BOOL("hd", FMT_S1, hd),
	BOOL("affd", FMT_S1, affd),
	BOOL("wxn", FMT_S1, wxn),
	BOOL("pan", FMT_S1, pan),
	BOOL("epan", FMT_S1, epan),
	{"asid", FMT_S1, K_U16, 0, OFF(asid), NULL},
	{"ttb1", FMT_S1, K_U64, 0, OFF(ttb1), NULL},
	{"mair", FMT_S1, K_U64, 0, OFF(mair), NULL},
	/* Stream Table Entry. */
	{"granule", FMT_S2, K_GRAN, 2, 0, gran_words},
	U8("s2t0sz", FMT_S2, s2t0sz, 63),
	U8("s2sl0", FMT_S2, s2sl0, 3),
	ENC("s2tg", FMT_S2, s2tg, tg0_words),
	PS("s2ps", FMT_S2, s2ps, 7),
	BOOL("s2ha", FMT_S2, s2ha),
	BOOL("s2hd", FMT_S2, s2hd),
	BOOL("s2affd", FMT_S2, s2affd),
	BOOL("s2ptw", FMT_S2, s2ptw),
};

static const char *fmt_name(enum iref_fmt fmt)
{
	return fmt == IREF_FMT_ARM_S1 ? "arm-s1" : "arm-s2";
}

/* A value for option o: a keyword, a size in bits, or a number. */
static enum iref_rc parse(const struct opt *o, const char *key,
			  const char *value, uint64_t *v,
			  struct iref_diag *diag)
{
	if (o->words)
		for (unsigned i = 0; i <= o->max; i++)
			if (*o->words[i] && strcmp(o->words[i], value) == 0) {
				*v = i;
				return IREF_OK;
			}
	if (o->kind == K_GRAN) {
		iref_diag_set(diag, NULL, 0, 0,
			      "option %s: '%s' is not 4k, 16k or 64k", key,
			      value);
		return IREF_E_INVAL;
	}
	enum iref_rc rc = walk_parse_u64(key, value, v, diag);
	if (rc != IREF_OK)
		return rc;
	for (unsigned e = 0; o->kind == K_PS && e <= o->max && *v > o->max;
	     e++)
		if (*v == ps_bits(e))
			*v = e;
	uint64_t max = o->kind == K_U64 ? ~UINT64_C(0)
		       : o->kind == K_U16 ? 0xffff
					  : o->max;
	if (*v > max) {
		iref_diag_set(diag, NULL, 0, 0,
			      "option %s: %s is outside 0..%llu%s", key, value,
			      (unsigned long long)max,
			      o->kind == K_PS ? " (or 32, 36, 40, 42, 44, 48, "
						"52 bits)"
					      : "");
		return IREF_E_RANGE;
	}
	return IREF_OK;
}

static enum iref_rc set(struct iref_walk_cfg *cfg, const char *key,
			const char *value, struct iref_diag *diag)
{
	unsigned fmt = cfg->fmt == IREF_FMT_ARM_S1 ? FMT_S1 : FMT_S2;
	struct iref_arm_cfg *c = &cfg->u.arm;
	for (size_t i = 0; i < sizeof options / sizeof options[0]; i++) {
		const struct opt *o = &options[i];
		if (!(o->fmts & fmt) || strcmp(o->key, key) != 0)
			continue;
		uint64_t v;
		enum iref_rc rc = parse(o, key, value, &v, diag);
		if (rc != IREF_OK)
			return rc;
		char *field = (char *)c + o->off;
		switch ((enum opt_kind)o->kind) {
		case K_BOOL:
			*(bool *)field = v != 0;
			break;
		case K_U8:
		case K_ENC:
		case K_PS:
			*(uint8_t *)field = (uint8_t)v;
			break;
		case K_U16:
			*(uint16_t *)field = (uint16_t)v;
			break;
		case K_U64:
			*(uint64_t *)field = v;
			break;
		case K_GRAN: /* gran_words order: 4k, 16k, 64k */
			if (fmt == FMT_S1) {
				c->tg0 = (uint8_t)"\0\2\1"[v];
				c->tg1 = (uint8_t)"\2\1\3"[v];
			} else {
				c->s2tg = (uint8_t)"\0\2\1"[v];
			}
			break;
		}
		return IREF_OK;
	}
	iref_diag_set(diag, NULL, 0, 0, "%s has no option '%s'",
		      fmt_name(cfg->fmt), key);
	return IREF_E_INVAL;
}

static bool init(struct iref_walk_cfg *cfg, const char *name)
{
	if (strcmp(name, fmt_name(cfg->fmt)) != 0)
		return false;
	cfg->u.arm = (struct iref_arm_cfg){
		.oas = IREF_ARM_PS_48, .gran4k = true, .gran16k = true,
		.gran64k = true, .httu = 2, .asid16 = true, .had = true,
		.e0pd = true, .epan_cap = true, .xnx = true,
		.t0sz = 16, .t1sz = 16, .tg0 = IREF_ARM_TG0_4K,
		.tg1 = IREF_ARM_TG1_4K, .ips = IREF_ARM_PS_48, .epd1 = true,
		.s2t0sz = 16, .s2sl0 = 2, .s2tg = IREF_ARM_S2TG_4K,
		.s2ps = IREF_ARM_PS_48,
	};
	return true;
}

static const char *name(const struct iref_walk_cfg *cfg)
{
	return fmt_name(cfg->fmt);
}

const char *iref_arm_event_name(uint32_t code)
{
	switch (code) {
	case IREF_ARM_C_BAD_STE: return "C_BAD_STE";
	case IREF_ARM_F_STREAM_DISABLED: return "F_STREAM_DISABLED";
	case IREF_ARM_C_BAD_SUBSTREAMID: return "C_BAD_SUBSTREAMID";
	case IREF_ARM_F_CD_FETCH: return "F_CD_FETCH";
	case IREF_ARM_C_BAD_CD: return "C_BAD_CD";
	case IREF_ARM_F_WALK_EABT: return "F_WALK_EABT";
	case IREF_ARM_F_TRANSLATION: return "F_TRANSLATION";
	case IREF_ARM_F_ADDR_SIZE: return "F_ADDR_SIZE";
	case IREF_ARM_F_ACCESS: return "F_ACCESS";
	case IREF_ARM_F_PERMISSION: return "F_PERMISSION";
	}
	return NULL;
}

/* ---- The format objects ---- */

#define ARM_COMMON                                                        \
	.init = init, .name = name, .set = set, .pte_size = pte_size,    \
	.entry_offset = entry_offset, .bus_fault = bus_fault,           \
	.cache_pack = cache_pack, .cache_restore = cache_restore,       \
	.geometry = geometry, .make_table = make_table,                 \
	.make_leaf = make_leaf, .entry_kind = entry_kind

const struct walk_fmt walk_fmt_arm_s1 = {
	.fmt = IREF_FMT_ARM_S1, .begin = s1_begin, .step = s1_step,
	ARM_COMMON,
};

const struct walk_fmt walk_fmt_arm_s2 = {
	.fmt = IREF_FMT_ARM_S2, .begin = s2_begin, .step = s2_step,
	ARM_COMMON,
};
