/* The shared walk core: the level loop, memory access and its record,
 * stage-2 translation of stage-1 table addresses, atomic A/D updates,
 * bounded work, the format registry and the table builder. Format bits
 * live in the format files behind struct walk_fmt (walk_core.h). */
#include "walk_core.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A table entry walk never needs more steps than levels; the cap only
 * guards against a format that fails to make progress. */
#define MAX_STEPS (2 * WALK_MAX_DEPTH)
/* Restarts of a stage whose A/D update found the entry changed. A static
 * memory never changes, so this only bounds a hostile memory callback. */
#define MAX_RESTARTS 4
/* Pages of the read fast path (iref_mem_page) a walk remembers: the last
 * one of each level (mod 8) of each stage. The stage-2 walks of a nested
 * walk's stage-1 table addresses mostly read the same upper tables. */
#define WALK_PAGE_LEVELS 8
#define WALK_PAGES (2 * WALK_PAGE_LEVELS)
#define PAGE_MASK UINT64_C(0xfff)

static const struct walk_fmt *const formats[IREF_FMT_COUNT] = {
	[IREF_FMT_ARM_S1] = &walk_fmt_arm_s1,
	[IREF_FMT_ARM_S2] = &walk_fmt_arm_s2,
	[IREF_FMT_INTEL_FS] = &walk_fmt_intel_fs,
	[IREF_FMT_INTEL_SS] = &walk_fmt_intel_ss,
	[IREF_FMT_RISCV_S1] = &walk_fmt_riscv_s1,
	[IREF_FMT_RISCV_G] = &walk_fmt_riscv_g,
	[IREF_FMT_AMD_V1] = &walk_fmt_amd_v1,
	[IREF_FMT_AMD_V2] = &walk_fmt_amd_v2,
};

/* Formats that translate guest-physical addresses (the second stage). */
static bool is_stage2(enum iref_fmt f)
{
	return f == IREF_FMT_ARM_S2 || f == IREF_FMT_INTEL_SS ||
	       f == IREF_FMT_RISCV_G || f == IREF_FMT_AMD_V1;
}

static const struct walk_fmt *fmt_of(const struct iref_walk_cfg *cfg)
{
	return cfg->fmt > IREF_FMT_NONE && cfg->fmt < IREF_FMT_COUNT
		       ? formats[cfg->fmt]
		       : NULL;
}

enum iref_rc iref_walk_cfg_init(struct iref_walk_cfg *cfg, const char *name,
				struct iref_diag *diag)
{
	for (int f = IREF_FMT_NONE + 1; f < IREF_FMT_COUNT; f++) {
		memset(cfg, 0, sizeof *cfg);
		cfg->fmt = (enum iref_fmt)f;
		if (formats[f]->init(cfg, name))
			return IREF_OK;
	}
	memset(cfg, 0, sizeof *cfg);
	iref_diag_set(diag, NULL, 0, 0,
		      "unknown table format '%s' (arm-s1, arm-s2, intel-fs, "
		      "intel-ss, riscv-sv32 ... riscv-sv57x4, amd-v1, amd-v2)",
		      name);
	return IREF_E_INVAL;
}

enum iref_rc iref_walk_cfg_set(struct iref_walk_cfg *cfg, const char *key,
			       const char *value, struct iref_diag *diag)
{
	const struct walk_fmt *f = fmt_of(cfg);
	if (!f) {
		iref_diag_set(diag, NULL, 0, 0, "no table format chosen");
		return IREF_E_INVAL;
	}
	return f->set(cfg, key, value, diag);
}

const char *iref_walk_cfg_name(const struct iref_walk_cfg *cfg)
{
	const struct walk_fmt *f = fmt_of(cfg);
	return f ? f->name(cfg) : "none";
}

const char *iref_wfault_name(enum iref_wfault f)
{
	switch (f) {
	case IREF_WF_NONE: return "none";
	case IREF_WF_TRANSLATION: return "translation";
	case IREF_WF_ADDRESS_SIZE: return "address-size";
	case IREF_WF_ACCESS_FLAG: return "access-flag";
	case IREF_WF_PERMISSION: return "permission";
	case IREF_WF_BUS_ERROR: return "bus-error";
	case IREF_WF_CONFIG: return "config";
	}
	return "unknown";
}

enum iref_rc walk_parse_u64(const char *key, const char *value, uint64_t *out,
			    struct iref_diag *diag)
{
	static const struct { const char *word; uint64_t v; } words[] = {
		{"true", 1}, {"false", 0}, {"on", 1}, {"off", 0},
	};
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strcmp(value, words[i].word) == 0) {
			*out = words[i].v;
			return IREF_OK;
		}
	char *end;
	errno = 0;
	unsigned long long v = strtoull(value, &end, 0);
	if (!*value || *value == '-' || *end || errno) {
		iref_diag_set(diag, NULL, 0, 0,
			      "option %s: '%s' is not a number or on/off",
			      key, value);
		return IREF_E_INVAL;
	}
	*out = v;
	return IREF_OK;
}

/* A page base and its fast-path pointer (NULL: read through the callback). */
struct page_ref {
	uint64_t base;
	const uint8_t *p;
};

/* What the loop needs beyond one stage's struct walk. */
struct core {
	struct iref_mem mem;
	const struct iref_walk_cfg *s2; /* translates stage-1 table addresses */
	const struct iref_walk_req *orig; /* the transaction */
	struct iref_walk_result *res;
	struct iref_wcache *wc;         /* NULL: no walk cache */
	struct iref_tlb *s2tlb;         /* NULL: no stage-2 table cache */
	struct iref_tlb_tag tag;
	/* The pages this walk looked up, by stage and level; bit i of
	 * pages_valid says pages[i] is set. Dropped at every write (mem.h). */
	struct page_ref pages[WALK_PAGES];
	uint32_t pages_valid;
};

enum walk_step walk_fault(struct walk *w, enum iref_wfault reason,
			  uint32_t code)
{
	w->res->fault = (struct iref_walk_fault){
		.reason = reason,
		.code = code,
		.level = w->level,
		.stage = w->stage,
		.addr = w->req->addr,
		.addr2 = w->nested && w->stage == 2 ? w->req->addr : 0,
	};
	return STEP_FAULT;
}

void walk_queue_update(struct walk *w, uint64_t old, uint64_t new)
{
	/* A format queues at most one update per level it walks. */
	if (w->n_upd < WALK_MAX_UPDATES)
		w->upd[w->n_upd++] = (struct walk_update){
			.addr = w->entry_addr, .old = old, .new = new,
			.level = w->level,
		};
}

static void record(struct walk *w, uint64_t addr, uint64_t value,
		   enum iref_walk_acc_kind kind, unsigned size)
{
	struct iref_walk_result *res = w->res;
	if (res->n_acc < IREF_WALK_MAX_ACCESSES)
		res->acc[res->n_acc] = (struct iref_walk_access){
			.addr = addr, .value = value, .kind = (uint8_t)kind,
			.stage = (uint8_t)w->stage, .level = (int8_t)w->level,
			.size = (uint8_t)size,
		};
	res->n_acc++;
}

/* Entries are little-endian in memory; a format that wants another order
 * (RISC-V "be") swaps the value in its own decode. */
static inline uint64_t le_decode(const uint8_t *b, unsigned size)
{
	uint64_t v = 0;
	if (size == sizeof v) { /* one load, not eight */
		memcpy(&v, b, sizeof v);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		v = __builtin_bswap64(v);
#endif
		return v;
	}
	for (unsigned i = size; i-- > 0;)
		v = v << 8 | b[i];
	return v;
}

static enum iref_rc read_entry(struct iref_mem mem, uint64_t pa,
			       unsigned size, uint64_t *val)
{
	uint8_t b[8];
	enum iref_rc rc = iref_mem_read(mem, pa, b, size);
	if (rc != IREF_OK)
		return rc;
	*val = le_decode(b, size);
	return IREF_OK;
}

/* The fast-path pointer of pa's page, which w's stage reads at w->level:
 * the one remembered for that stage and level if it is pa's page, else
 * asked for and remembered (NULL included, so a memory without the fast
 * path is asked once per table). */
static const uint8_t *page_of(const struct walk *w, uint64_t pa)
{
	struct core *c = w->core;
	uint64_t base = pa & ~PAGE_MASK;
	unsigned i = (w->stage - 1) * WALK_PAGE_LEVELS +
		     ((unsigned)w->level & (WALK_PAGE_LEVELS - 1));
	struct page_ref *r = &c->pages[i];
	if (!(c->pages_valid & UINT32_C(1) << i) || r->base != base) {
		*r = (struct page_ref){base, iref_mem_page(c->mem, base)};
		c->pages_valid |= UINT32_C(1) << i;
	}
	return r->p;
}

/* read_entry for the walk loop, of the entry w's stage reads at w->level:
 * the same value and outcome, straight from the page when the memory
 * gives it. Entries are naturally aligned, but one that crosses a page
 * still goes through read. */
static enum iref_rc walk_read(const struct walk *w, uint64_t pa,
			      unsigned size, uint64_t *val)
{
	struct core *c = w->core;
	if ((pa & PAGE_MASK) <= PAGE_MASK + 1 - size) {
		const uint8_t *p = page_of(w, pa);
		if (p) {
			*val = le_decode(p + (pa & PAGE_MASK), size);
			return IREF_OK;
		}
	}
	return read_entry(c->mem, pa, size, val);
}

static enum iref_rc write_entry(struct iref_mem mem, uint64_t pa,
				unsigned size, uint64_t val)
{
	uint8_t b[8];
	for (unsigned i = 0; i < size; i++)
		b[i] = (uint8_t)(val >> (8 * i));
	return iref_mem_write(mem, pa, b, size);
}

/* Every write may invalidate the fast-path pointers (mem.h). */
static enum iref_rc walk_write(struct core *c, uint64_t pa, unsigned size,
			       uint64_t val)
{
	c->pages_valid = 0;
	return write_entry(c->mem, pa, size, val);
}

/* Set up a stage's walk of req. Field by field: a designated initialiser
 * clears the whole struct with a string store that costs a good part of
 * a short walk. run_stage sets the rest (st, upd, n_upd, ad_as_walked). */
static void walk_start(struct walk *w, struct core *c,
		       const struct iref_walk_cfg *cfg,
		       const struct iref_walk_req *req, unsigned stage,
		       enum walk_purpose purpose)
{
	w->cfg = cfg;
	w->req = req;
	w->stage = stage;
	w->purpose = purpose;
	w->orig_access = c->orig->access;
	w->orig_priv = c->orig->priv;
	w->level = 0;
	w->table = w->entry_addr = w->entry_pa = 0;
	w->nested = c->s2 != NULL;
	w->leaf = (struct walk_leaf){0};
	w->res = c->res;
	w->core = c;
}

static enum walk_step run_stage(struct walk *w);

/* Stage-2 entries of both caches belong to the domain alone. */
static struct iref_tlb_tag stage_tag(const struct core *c, unsigned stage)
{
	return stage == 2 ? (struct iref_tlb_tag){c->tag.domain,
						   IREF_TLB_NO_ASID}
			  : c->tag;
}

/* A stage-1 table address of a nested walk to a physical address: the
 * stage-2 table cache, else a stage-2 walk for this purpose, whose fault
 * becomes the result's. Out of line: single-stage walks never come here
 * and keep a lean loop. */
static __attribute__((noinline)) bool
to_pa_nested(struct walk *w, uint64_t addr, enum walk_purpose purpose,
	     uint64_t *pa)
{
	struct core *c = w->core;
	struct iref_walk_req r2 = {
		.addr = addr,
		.access = purpose == WALK_IMPLICIT_WR ? IREF_ACC_WRITE
						      : IREF_ACC_READ,
		.priv = true,
	};
	struct iref_tlb_tag tag = stage_tag(c, 2);
	struct iref_tlb_xlate x;
	if (c->s2tlb && iref_tlb_lookup(c->s2tlb, tag, addr, r2.access, &x)) {
		*pa = x.pa;
		return true;
	}
	struct walk w2;
	walk_start(&w2, c, c->s2, &r2, 2, purpose);
	if (run_stage(&w2) != STEP_LEAF) {
		w->res->fault.on_walk = true;
		w->res->fault.addr = c->orig->addr;
		return false;
	}
	*pa = w2.leaf.pa;
	if (c->s2tlb) {
		/* A read's walk set no dirty bit a later write may need. */
		x = (struct iref_tlb_xlate){
			.pa = w2.leaf.pa, .page_size = w2.leaf.size,
			.perm = w2.leaf.perm & (r2.access == IREF_ACC_WRITE
							? ~0u
							: ~IREF_PERM_W),
			.attrs = w2.leaf.attrs, .level = w2.level,
		};
		(void)iref_tlb_insert(c->s2tlb, tag, addr, &x); /* best effort */
	}
	return true;
}

/* A table address (stage input space) to a physical address: identity
 * unless a stage 2 translates this stage's tables. */
static inline bool to_pa(struct walk *w, uint64_t addr,
			 enum walk_purpose purpose, uint64_t *pa)
{
	const struct core *c = w->core;
	if (!c->s2 || w->stage == 2) {
		*pa = addr;
		return true;
	}
	return to_pa_nested(w, addr, purpose, pa);
}

enum upd_outcome { UPD_DONE, UPD_FAULT, UPD_CHANGED };

/* Apply the stage's queued updates as compare-and-swaps, in order. */
static enum upd_outcome apply_updates(struct walk *w, const struct walk_fmt *f,
				      unsigned size)
{
	struct core *c = w->core;
	int leaf_level = w->level;
	for (unsigned i = 0; i < w->n_upd; i++) {
		const struct walk_update *u = &w->upd[i];
		w->level = u->level;
		w->entry_addr = u->addr;
		uint64_t pa, cur;
		if (!to_pa(w, u->addr, WALK_IMPLICIT_WR, &pa))
			return UPD_FAULT;
		w->entry_pa = pa;
		if (walk_read(w, pa, size, &cur) != IREF_OK ||
		    (cur == u->old &&
		     walk_write(c, pa, size, u->new) != IREF_OK)) {
			f->bus_fault(w, true);
			return UPD_FAULT;
		}
		if (cur != u->old)
			return UPD_CHANGED;
		record(w, pa, u->new, IREF_WALK_WR, size);
	}
	w->level = leaf_level;
	return UPD_DONE;
}

/* Walk cache: resume at the deepest cached table covering the stage's
 * input address, if its format takes the entry for this walk. begin()
 * has run, so input checks and per-walk state are this request's. The
 * cache path is out of line so that the uncached loop stays lean. */
static __attribute__((noinline)) void resume(struct walk *w,
					      const struct walk_fmt *f)
{
	const struct core *c = w->core;
	struct iref_wcache_entry e;
	if (!iref_wcache_lookup(c->wc, stage_tag(c, w->stage), w->stage,
				w->req->addr, &e))
		return;
	uint64_t table = w->table;
	int level = w->level;
	w->table = e.table;
	w->level = e.level;
	if (!f->cache_restore(w, e.perm, e.attrs)) {
		w->table = table;
		w->level = level;
	}
}

static void wc_insert(const struct walk *w, const struct iref_wcache_entry *e)
{
	const struct core *c = w->core;
	/* A span the cache does not hold is simply not cached. */
	(void)iref_wcache_insert(c->wc, stage_tag(c, w->stage), w->stage,
				 w->req->addr, e);
}

/* After a STEP_TABLE: cache the table the walk moved to, now if every
 * update queued on the path is written, else (*n_fill) once the stage's
 * leaf has written them: hardware caches an entry after setting its
 * accessed bit, and a hit must not skip an update the walk still owes. */
static __attribute__((noinline)) void
wc_table(const struct walk *w, const struct walk_fmt *f,
	 struct iref_wcache_entry *fill, unsigned *n_fill)
{
	struct iref_wcache_entry e = {.table = w->table, .level = w->level};
	unsigned lg = f->cache_pack(w, &e.perm, &e.attrs);
	if (lg > 63) /* no such span; the cache refuses those below 4 KiB */
		return;
	e.span = UINT64_C(1) << lg;
	if (w->n_upd)
		fill[(*n_fill)++] = e;
	else
		wc_insert(w, &e);
}

static enum walk_step run_stage(struct walk *w)
{
	const struct walk_fmt *f = formats[w->cfg->fmt];
	struct core *c = w->core;
	unsigned size = f->pte_size(w->cfg);
	struct iref_wcache_entry fill[MAX_STEPS]; /* at most one per step */
	struct walk_update upd[WALK_MAX_UPDATES];
	w->upd = upd;
	for (unsigned attempt = 0;; attempt++) {
		memset(w->st, 0, sizeof w->st);
		w->n_upd = 0;
		w->ad_as_walked = false;
		if (f->begin(w) != STEP_TABLE)
			return STEP_FAULT;
		if (c->wc)
			resume(w, f);
		unsigned n_fill = 0;
		enum walk_step s = STEP_TABLE;
		enum upd_outcome u = UPD_DONE;
		for (unsigned n = 0; s == STEP_TABLE; n++) {
			if (n == MAX_STEPS)
				return walk_fault(w, IREF_WF_CONFIG, 0);
			w->entry_addr = w->table + f->entry_offset(w);
			uint64_t pte;
			if (!to_pa(w, w->entry_addr, WALK_IMPLICIT_RD,
				   &w->entry_pa))
				return STEP_FAULT;
			uint64_t pa = w->entry_pa;
			if (walk_read(w, pa, size, &pte) != IREF_OK) {
				f->bus_fault(w, false);
				return STEP_FAULT;
			}
			record(w, pa, pte, IREF_WALK_RD, size);
			unsigned queued = w->n_upd;
			s = f->step(w, pte);
			if (s == STEP_FAULT)
				w->n_upd = queued; /* a faulting entry writes nothing */
			else if (w->ad_as_walked && w->n_upd) {
				int level = w->level;
				uint64_t table = w->table;
				u = apply_updates(w, f, size);
				w->n_upd = 0;
				w->level = level;
				w->table = table;
				if (u != UPD_DONE)
					break;
			}
			if (s == STEP_TABLE && c->wc)
				wc_table(w, f, fill, &n_fill);
		}
		if (u == UPD_DONE && s == STEP_FAULT)
			return s;
		if (u == UPD_DONE && s == STEP_LEAF)
			u = apply_updates(w, f, size);
		switch (u) {
		case UPD_DONE:
			for (unsigned i = 0; i < n_fill; i++)
				wc_insert(w, &fill[i]);
			return STEP_LEAF;
		case UPD_FAULT:
			return STEP_FAULT;
		case UPD_CHANGED:
			if (attempt + 1 < MAX_RESTARTS)
				continue;
			f->bus_fault(w, true); /* memory never settles */
			return STEP_FAULT;
		}
	}
}

static void clear_result(struct iref_walk_result *res)
{
	/* The access array is written as it fills; clearing it would cost
	 * more than the walk. */
	res->ok = false;
	res->pa = res->page_size = 0;
	res->perm = 0;
	res->attrs = 0;
	res->global = false;
	res->level = -1;
	res->fault = (struct iref_walk_fault){.level = -1};
	res->n_acc = 0;
}

static void set_leaf(struct iref_walk_result *res, const struct walk *w)
{
	res->ok = true;
	res->pa = w->leaf.pa;
	res->page_size = w->leaf.size;
	res->perm = w->leaf.perm;
	res->attrs = w->leaf.attrs;
	res->global = w->leaf.global;
	res->level = w->level;
}

/* Field by field: pages[] is only read where pages_valid says it is set,
 * and zeroing it would cost a good part of a short walk. */
static void core_init(struct core *c, struct iref_mem mem,
		      const struct iref_walk_caches *caches,
		      const struct iref_walk_cfg *s2,
		      const struct iref_walk_req *req,
		      struct iref_walk_result *res)
{
	c->mem = mem;
	c->s2 = s2;
	c->orig = req;
	c->res = res;
	c->wc = caches ? caches->wc : NULL;
	c->s2tlb = caches && s2 ? caches->s2tlb : NULL;
	c->tag = caches ? caches->tag : (struct iref_tlb_tag){0};
	c->pages_valid = 0;
}

enum iref_rc iref_walk(const struct iref_walk_cfg *cfg, struct iref_mem mem,
		       const struct iref_walk_req *req,
		       struct iref_walk_result *res)
{
	return iref_walk_cached(cfg, mem, NULL, req, res);
}

enum iref_rc iref_walk_cached(const struct iref_walk_cfg *cfg,
			      struct iref_mem mem,
			      const struct iref_walk_caches *caches,
			      const struct iref_walk_req *req,
			      struct iref_walk_result *res)
{
	if (!fmt_of(cfg))
		return IREF_E_INVAL;
	clear_result(res);
	struct core c;
	core_init(&c, mem, caches, NULL, req, res);
	struct walk w;
	walk_start(&w, &c, cfg, req, is_stage2(cfg->fmt) ? 2 : 1, WALK_DATA);
	if (run_stage(&w) == STEP_LEAF)
		set_leaf(res, &w);
	return IREF_OK;
}

enum iref_rc iref_walk_nested(const struct iref_walk_cfg *s1,
			      const struct iref_walk_cfg *s2,
			      struct iref_mem mem,
			      const struct iref_walk_req *req,
			      struct iref_walk_result *res)
{
	return iref_walk_nested_cached(s1, s2, mem, NULL, req, res);
}

enum iref_rc iref_walk_nested_cached(const struct iref_walk_cfg *s1,
				     const struct iref_walk_cfg *s2,
				     struct iref_mem mem,
				     const struct iref_walk_caches *caches,
				     const struct iref_walk_req *req,
				     struct iref_walk_result *res)
{
	if (!fmt_of(s1) || !fmt_of(s2))
		return IREF_E_INVAL;
	clear_result(res);
	struct core c;
	core_init(&c, mem, caches, s2, req, res);
	struct walk w1;
	walk_start(&w1, &c, s1, req, 1, WALK_DATA);
	if (run_stage(&w1) != STEP_LEAF)
		return IREF_OK;
	/* The stage-1 output is a GPA: stage 2 with the transaction's own
	 * access. */
	struct iref_walk_req r2 = {
		.addr = w1.leaf.pa, .access = req->access, .priv = req->priv,
	};
	struct walk w2;
	walk_start(&w2, &c, s2, &r2, 2, WALK_DATA);
	if (run_stage(&w2) != STEP_LEAF) {
		res->fault.addr = req->addr;
		return IREF_OK;
	}
	set_leaf(res, &w2);
	res->page_size = w1.leaf.size < w2.leaf.size ? w1.leaf.size
						     : w2.leaf.size;
	res->perm = w1.leaf.perm & w2.leaf.perm;
	res->attrs = (w1.leaf.attrs & 0xffff) | (w2.leaf.attrs << 16);
	res->global = w1.leaf.global;
	return IREF_OK;
}

/* ---- Builder ---- */

static bool pool_take(struct iref_pool *pool, uint64_t size, uint64_t *out)
{
	uint64_t at = (pool->next + size - 1) & ~(size - 1);
	if (at < pool->next || at > pool->end || pool->end - at < size)
		return false;
	*out = at;
	pool->next = at + size;
	return true;
}

static enum iref_rc zero_table(struct iref_mem mem, uint64_t at,
			       uint64_t size)
{
	static const uint8_t zeros[4096];
	for (uint64_t off = 0; off < size; off += sizeof zeros) {
		uint64_t n = size - off < sizeof zeros ? size - off
						       : sizeof zeros;
		enum iref_rc rc = iref_mem_write(mem, at + off, zeros, n);
		if (rc != IREF_OK)
			return rc;
	}
	return IREF_OK;
}

struct builder {
	const struct walk_fmt *f;
	const struct iref_walk_cfg *cfg;
	struct walk_geom g;
	struct iref_mem mem;
	struct iref_pool *pool;
	struct iref_diag *diag;
};

static uint64_t entry_at(const struct builder *b, uint64_t table,
			 unsigned depth, uint64_t va)
{
	uint64_t idx = (va >> b->g.shift[depth]) &
		       ((UINT64_C(1) << b->g.idx_bits[depth]) - 1);
	return table + idx * b->g.pte_size;
}

/* Write one leaf for va at depth d, creating tables on the way. */
static enum iref_rc place(struct builder *b, size_t i, uint64_t va,
			  uint64_t pa, unsigned d,
			  const struct iref_build_map *m)
{
	uint64_t table = b->cfg->root, ea, pte;
	for (unsigned k = 0;; k++) {
		ea = entry_at(b, table, k, va);
		enum iref_rc rc = read_entry(b->mem, ea, b->g.pte_size, &pte);
		if (rc != IREF_OK)
			return rc;
		uint64_t next = 0;
		enum walk_entry_kind kind =
			b->f->entry_kind(b->cfg, b->g.level[k], pte, &next);
		if (k == d || kind == ENTRY_LEAF) {
			if (kind != ENTRY_EMPTY) {
				iref_diag_set(b->diag, NULL, 0, 0,
					      "mapping %zu overlaps an earlier "
					      "one at 0x%llx", i,
					      (unsigned long long)va);
				return IREF_E_INVAL;
			}
			return write_entry(b->mem, ea, b->g.pte_size,
					   b->f->make_leaf(b->cfg,
							   b->g.level[k], pa,
							   m));
		}
		if (kind == ENTRY_EMPTY) {
			uint64_t size = (UINT64_C(1) << b->g.idx_bits[k + 1]) *
					b->g.pte_size;
			if (!pool_take(b->pool, size, &next)) {
				iref_diag_set(b->diag, NULL, 0, 0,
					      "table pool exhausted at mapping "
					      "%zu", i);
				return IREF_E_NOMEM;
			}
			if ((rc = zero_table(b->mem, next, size)) != IREF_OK ||
			    (rc = write_entry(b->mem, ea, b->g.pte_size,
					      b->f->make_table(b->cfg,
							       b->g.level[k],
							       next))) !=
				    IREF_OK)
				return rc;
		}
		table = next;
	}
}

/* The shallowest depth whose leaf fits va/pa alignment and the rest. */
static unsigned pick_depth(const struct builder *b, uint64_t va, uint64_t pa,
			   uint64_t rest, unsigned flags)
{
	unsigned last = b->g.depth - 1;
	for (unsigned d = 0; d < last; d++) {
		uint64_t sz = UINT64_C(1) << b->g.shift[d];
		if (b->g.leaf_ok[d] && !(flags & IREF_BUILD_NO_BLOCKS) &&
		    !((va | pa) & (sz - 1)) && rest >= sz)
			return d;
	}
	return last;
}

enum iref_rc iref_build(struct iref_walk_cfg *cfg, struct iref_mem mem,
			struct iref_pool *pool,
			const struct iref_build_map *maps, size_t n,
			struct iref_diag *diag)
{
	struct builder b = {
		.f = fmt_of(cfg), .cfg = cfg, .mem = mem, .pool = pool,
		.diag = diag,
	};
	if (!b.f) {
		iref_diag_set(diag, NULL, 0, 0, "no table format chosen");
		return IREF_E_INVAL;
	}
	b.f->geometry(cfg, &b.g);
	if (b.g.depth == 0 || b.g.depth > WALK_MAX_DEPTH) {
		/* A hand-filled options struct can describe no table. */
		iref_diag_set(diag, NULL, 0, 0,
			      "the %s options describe no usable table",
			      b.f->name(cfg));
		return IREF_E_INVAL;
	}
	enum iref_rc rc;
	if (!cfg->root) {
		if (!pool_take(pool, b.g.root_size, &cfg->root)) {
			iref_diag_set(diag, NULL, 0, 0,
				      "table pool too small for the root");
			return IREF_E_NOMEM;
		}
		if ((rc = zero_table(mem, cfg->root, b.g.root_size)) != IREF_OK)
			return rc;
	}
	uint64_t gran = UINT64_C(1) << b.g.shift[b.g.depth - 1];
	for (size_t i = 0; i < n; i++) {
		const struct iref_build_map *m = &maps[i];
		if (!m->size || ((m->va | m->pa | m->size) & (gran - 1)) ||
		    m->va + (m->size - 1) < m->va ||
		    m->pa + (m->size - 1) < m->pa) {
			iref_diag_set(diag, NULL, 0, 0,
				      "mapping %zu: va, pa and size must be "
				      "multiples of 0x%llx and not wrap", i,
				      (unsigned long long)gran);
			return IREF_E_INVAL;
		}
		for (uint64_t off = 0; off < m->size;) {
			unsigned d = pick_depth(&b, m->va + off, m->pa + off,
						m->size - off, m->flags);
			if ((rc = place(&b, i, m->va + off, m->pa + off, d,
					m)) != IREF_OK)
				return rc;
			off += UINT64_C(1) << b.g.shift[d];
		}
	}
	return IREF_OK;
}
