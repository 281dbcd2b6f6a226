#include "runner.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "iommu-ref/dma.h"
#include "iommu-ref/events.h"
#include "iommu-ref/request.h"
#include "results.h"

typedef unsigned long long ull;

void cli_print_diag(FILE *f, const struct iref_diag *diag)
{
	const char *file = diag->file ? diag->file : "iommu-ref";
	if (diag->line)
		fprintf(f, "%s:%u:%u: %s\n", file, diag->line, diag->column,
			diag->msg);
	else
		fprintf(f, "%s: %s\n", file, diag->msg);
}

/* ---- setup ---- */

static bool load_memory(const struct scenario *s, struct iref_mem mem,
			struct iref_diag *diag)
{
	for (size_t i = 0; i < s->n_mem; i++) {
		const struct mem_item *m = &s->mem[i];
		enum iref_rc rc;
		if (m->kind == MEM_BYTES) {
			rc = iref_mem_write(mem, m->addr, m->data.p, m->data.n);
			if (rc == IREF_OK)
				continue;
			iref_diag_set(diag, s->name, m->line, m->column,
				      "memory refused %zu bytes at 0x%llx: %s",
				      m->data.n, (ull)m->addr, iref_rc_str(rc));
			return false;
		}
		struct iref_diag img = {0};
		rc = iref_mem_load_image(mem, m->path, &img);
		if (rc == IREF_OK)
			continue;
		/* An error inside the image is shown where it is, in the
		 * image; one without a position (cannot open) at the item. */
		if (img.line)
			*diag = img;
		else
			iref_diag_set(diag, s->name, m->line, m->column,
				      "memory image: %s",
				      img.msg[0] ? img.msg : iref_rc_str(rc));
		return false;
	}
	return true;
}

/* The builder names a mapping by its index in the array it was given;
 * given one at a time, that is always "mapping 0". The message's line
 * says which mapping it is, so the text says "this mapping". */
static void builder_message(struct rline *l, enum iref_rc rc,
			    const char *msg)
{
	static const char idx[] = "mapping 0";
	if (!msg[0]) {
		rline_add(l, "%s", iref_rc_str(rc));
		return;
	}
	const char *at = strstr(msg, idx);
	if (at && !isdigit((unsigned char)at[sizeof idx - 1]))
		rline_add(l, "%.*sthis mapping%s", (int)(at - msg), msg,
			  at + sizeof idx - 1);
	else
		rline_add(l, "%s", msg);
}

/* Build the n mappings of items into cfg's tables: the root first (taken
 * from the pool when cfg->root is 0), then one mapping at a time, so that
 * a refusal names its mapping. On a refusal *failed is the mapping
 * refused (NULL: the root) and msg says why. */
static enum iref_rc build_tables(struct iref_walk_cfg *cfg,
				 struct iref_mem mem, struct iref_pool pool,
				 const struct build_item *items, size_t n,
				 const struct build_item **failed,
				 struct rline *msg)
{
	struct iref_diag why = {0};
	enum iref_rc rc = iref_build(cfg, mem, &pool, NULL, 0, &why);
	*failed = NULL;
	for (size_t i = 0; rc == IREF_OK && i < n; i++) {
		*failed = &items[i];
		rc = iref_build(cfg, mem, &pool, &items[i].map, 1, &why);
	}
	if (rc != IREF_OK)
		builder_message(msg, rc, why.msg);
	return rc;
}

/* The host's stage-2 tables, into cfg->stage2 before the device sees
 * it. */
static bool build_stage2(const struct scenario *s, struct iref_config *cfg,
			 struct iref_diag *diag)
{
	if (cfg->stage2.fmt == IREF_FMT_NONE || !s->s2.build)
		return true;
	const struct build_item *failed;
	struct rline msg = {0};
	enum iref_rc rc = build_tables(&cfg->stage2, cfg->mem, s->s2.pool,
				       s->s2.maps, s->s2.n_maps, &failed,
				       &msg);
	/* The stage2 section may come from a preset. */
	const char *file = failed ? failed->file : s->s2.file;
	if (rc != IREF_OK)
		iref_diag_set(diag, file ? file : s->name,
			      failed ? failed->line : s->s2.line,
			      failed ? failed->column : s->s2.column,
			      "stage2: %s", rline_str(&msg));
	rline_free(&msg);
	return rc == IREF_OK;
}

bool scenario_setup(const struct scenario *s, struct scenario_dev *d,
		    struct iref_diag *diag)
{
	*d = (struct scenario_dev){0};
	struct iref_config cfg = s->cfg;
	if (!(d->mem = iref_sparse_mem_create(&s->memcfg)) ||
	    !(d->roots = calloc(s->n_steps ? s->n_steps : 1,
				sizeof *d->roots))) {
		iref_diag_set(diag, s->name, 0, 0, "out of memory");
		goto fail;
	}
	cfg.mem = iref_sparse_mem_as_mem(d->mem);
	/* Memory first: the stage-2 tables are built over it, and the
	 * device takes their root with its configuration. */
	if (!load_memory(s, cfg.mem, diag) || !build_stage2(s, &cfg, diag))
		goto fail;
	struct iref_diag why = {0};
	enum iref_rc rc = iref_iommu_create(&cfg, &d->dev, &why);
	if (rc != IREF_OK) {
		d->dev = NULL;
		iref_diag_set(diag, s->name, s->iommu_line, s->iommu_column,
			      "device configuration refused: %s",
			      why.msg[0] ? why.msg : iref_rc_str(rc));
		goto fail;
	}
	iref_events_set_mode(d->dev, s->eventq_mode);
	for (size_t i = 0; i < s->n_eps; i++) {
		const struct scn_endpoint *ep = &s->eps[i];
		why = (struct iref_diag){0};
		rc = iref_iommu_add_endpoint(d->dev, &ep->cfg, &why);
		if (rc == IREF_OK)
			continue;
		if (why.msg[0])
			iref_diag_set(diag, s->name, ep->line, ep->column,
				      "%s", why.msg);
		else
			iref_diag_set(diag, s->name, ep->line, ep->column,
				      "endpoint %u refused: %s", ep->cfg.id,
				      iref_rc_str(rc));
		goto fail;
	}
	/* The loader checked that the set is offered; this can only fail
	 * if the device disagrees about what it offers. */
	if (iref_iommu_negotiate(d->dev, s->negotiated) != IREF_OK) {
		iref_diag_set(diag, s->name, s->iommu_line, s->iommu_column,
			      "the device refused the negotiated features "
			      "0x%llx",
			      (ull)s->negotiated);
		goto fail;
	}
	return true;
fail:
	scenario_teardown(d);
	return false;
}

void scenario_teardown(struct scenario_dev *d)
{
	if (d->dev)
		iref_iommu_destroy(d->dev);
	if (d->mem)
		iref_sparse_mem_destroy(d->mem);
	free(d->roots);
	*d = (struct scenario_dev){0};
}

/* ---- steps ---- */

enum verdict {
	PASS,
	MISMATCH, /* x: expected, y: got, at line */
	ERROR,    /* x: what went wrong */
};

struct run {
	const struct scenario *s;
	struct iref_iommu *dev;
	struct iref_mem mem;
	uint64_t *roots;
	FILE *out;
	struct run_totals *totals;
	struct rline line; /* the results line being built */
	struct rline x, y;
	unsigned where;    /* line of a mismatch; the expect's by default */
	unsigned err_line; /* line of an error; the step's by default */
	uint64_t clock;    /* timing: when the last dma step's access ended */
};

static void emit(struct run *r)
{
	if (r->out)
		fprintf(r->out, "%s\n", rline_str(&r->line));
	rline_clear(&r->line);
}

/* Mismatch messages name fields as results lines do. */
typedef void (*render_fn)(struct rline *l, uint64_t v);

static void r_hex(struct rline *l, uint64_t v)
{
	rline_add(l, "0x%llx", (ull)v);
}

static void r_dec(struct rline *l, uint64_t v)
{
	rline_add(l, "%llu", (ull)v);
}

static void r_size(struct rline *l, uint64_t v)
{
	if (v)
		r_hex(l, v);
	else
		rline_add(l, "-");
}

static void r_status(struct rline *l, uint64_t v)
{
	results_status(l, (unsigned)v);
}

static void r_perm(struct rline *l, uint64_t v)
{
	results_perm(l, (unsigned)v);
}

static void r_fault_flags(struct rline *l, uint64_t v)
{
	results_fault_flags(l, (uint32_t)v);
}

static void r_reason(struct rline *l, uint64_t v)
{
	results_reason(l, (unsigned)v);
}

static void r_via(struct rline *l, uint64_t v)
{
	static const struct {
		enum iref_dma_path path;
		bool mmio;
	} via[] = {
		[VIA_MAP] = {IREF_PATH_MAPPING, false},
		[VIA_MMIO] = {IREF_PATH_MAPPING, true},
		[VIA_BYPASS] = {IREF_PATH_BYPASS, false},
		[VIA_MSI] = {IREF_PATH_MSI, false},
		[VIA_TABLE] = {IREF_PATH_TABLE, false},
		[VIA_S2] = {IREF_PATH_STAGE2, false},
	};
	results_via(l, via[v].path, via[v].mmio);
}

static uint64_t via_of(const struct iref_dma_result *res)
{
	switch (res->path) {
	case IREF_PATH_MAPPING:
		return res->mmio ? VIA_MMIO : VIA_MAP;
	case IREF_PATH_BYPASS:
		return VIA_BYPASS;
	case IREF_PATH_MSI:
		return VIA_MSI;
	case IREF_PATH_TABLE:
		return VIA_TABLE;
	case IREF_PATH_STAGE2:
		return VIA_S2;
	}
	return VIA_MAP;
}

static void r_tlb(struct rline *l, uint64_t v)
{
	results_tlb_use(l, (enum iref_dma_tlb)v);
}

static void r_level(struct rline *l, uint64_t v)
{
	results_level(l, (int)v);
}

static void r_wfault(struct rline *l, uint64_t v)
{
	results_wfault(l, (enum iref_wfault)v);
}

static void field(struct rline *l, const char *key, render_fn render,
		  bool present, uint64_t v)
{
	rline_add(l, "%s%s=", l->len ? " " : "", key);
	if (present)
		render(l, v);
	else
		rline_add(l, "-");
}

/* Compare one expected field with what happened; "present" is false when
 * the device reported no value (a fault without F_ADDRESS). */
static void cmp(struct run *r, const char *key, const struct opt *e,
		bool present, uint64_t got, render_fn render)
{
	if (!e->set || (present && e->v == got))
		return;
	field(&r->x, key, render, true, e->v);
	field(&r->y, key, render, present, got);
}

static void expect_field(struct rline *l, const char *key,
			 const struct opt *e, render_fn render)
{
	if (e->set)
		field(l, key, render, true, e->v);
}

static enum verdict verdict(struct run *r)
{
	return r->x.len || r->x.nomem ? MISMATCH : PASS;
}

static void host_outcome(struct run *r, const struct step *st, bool ok)
{
	results_arrow(&r->line);
	results_host(&r->line, ok);
	emit(r);
	if (st->accepted.set && st->accepted.v != ok) {
		results_host(&r->x, st->accepted.v);
		results_host(&r->y, ok);
	}
}

/* ---- timing ---- */

/* Append cycles= to the line and add them to the total. */
static void timed(struct run *r, uint64_t c)
{
	struct run_totals *t = r->totals;
	results_cycles(&r->line, c);
	t->cycles = c > UINT64_MAX - t->cycles ? UINT64_MAX : t->cycles + c;
}

/* Keep a DMA step's cycles for the percentiles; false when out of
 * memory. */
static bool keep_dma(struct run_totals *t, uint64_t c)
{
	if (t->n_dma == t->cap_dma) {
		size_t cap = t->cap_dma ? 2 * t->cap_dma : 64;
		uint64_t *p = realloc(t->dma_cycles, cap * sizeof *p);
		if (!p)
			return false;
		t->dma_cycles = p;
		t->cap_dma = cap;
	}
	t->dma_cycles[t->n_dma++] = c;
	return true;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

void run_totals_timing(struct run_totals *t, struct timing_summary *s)
{
	if (t->n_dma) /* qsort wants a non-null base even for none */
		qsort(t->dma_cycles, t->n_dma, sizeof *t->dma_cycles,
		      cmp_u64);
	*s = (struct timing_summary){
		.cycles = t->cycles,
		.dma = t->n_dma,
		.req = t->n_req,
		.p50 = iref_timing_percentile(t->dma_cycles, t->n_dma, 50),
		.p90 = iref_timing_percentile(t->dma_cycles, t->n_dma, 90),
		.p99 = iref_timing_percentile(t->dma_cycles, t->n_dma, 99),
		.max = iref_timing_percentile(t->dma_cycles, t->n_dma, 100),
	};
}

void run_totals_free(struct run_totals *t)
{
	free(t->dma_cycles);
	t->dma_cycles = NULL;
	t->n_dma = t->cap_dma = 0;
}

static enum verdict run_request(struct run *r, const struct step *st)
{
	const struct expect_req *e = &st->req;
	uint8_t *wr = malloc(st->wlen ? st->wlen : 1);
	if (!wr) {
		rline_add(&r->x, "out of memory");
		return ERROR;
	}
	/* A pattern, so bytes the device forgot to write show up. */
	memset(wr, 0xff, st->wlen);
	size_t used = iref_request(r->dev, st->rd.p, st->rd.n, wr, st->wlen);
	results_request(&r->line, st->kind == STEP_REQUEST, st->rd.p,
			st->rd.n, st->wlen);
	results_arrow(&r->line);
	results_reply(&r->line, st->rd.p, st->rd.n, wr, st->wlen, used);
	uint64_t cycles = iref_request_cycles(r->dev);
	if (r->s->cfg.timing_enabled) {
		timed(r, cycles);
		r->totals->n_req++;
	}
	emit(r);
	bool tail = used >= IREF_TAIL_SIZE && used <= st->wlen;
	cmp(r, "used", &e->used, true, used, r_dec);
	if (e->status.set && !tail) {
		field(&r->x, "status", r_status, true, e->status.v);
		field(&r->y, "used", r_dec, true, used);
	} else if (tail) {
		cmp(r, "status", &e->status, true,
		    wr[used - IREF_TAIL_SIZE], r_status);
	}
	if (e->has_props) {
		/* Both sides in the results notation, compared as text. */
		struct rline want = {0}, got = {0};
		for (size_t i = 0; i < e->n_props; i++) {
			rline_add(&want, "%s", i ? ";" : "");
			if (e->hw[i].type)
				results_hw_regs(&want, &e->hw[i]);
			else
				results_prop(&want, &e->props[i]);
		}
		if (!e->n_props)
			rline_add(&want, "-");
		if (tail)
			results_props(&got, wr, used - IREF_TAIL_SIZE);
		else
			rline_add(&got, "-");
		if (strcmp(rline_str(&want), rline_str(&got))) {
			rline_add(&r->x, "%sprops=%s", r->x.len ? " " : "",
				  rline_str(&want));
			rline_add(&r->y, "%sprops=%s", r->y.len ? " " : "",
				  rline_str(&got));
		}
		rline_free(&want);
		rline_free(&got);
	}
	cmp(r, "cycles", &e->cycles, true, cycles, r_dec);
	free(wr);
	return verdict(r);
}

static void expect_dma(struct rline *l, const struct expect_dma *e)
{
	static const char *const outcome[] = {
		[IREF_DMA_OK] = "ok",
		[IREF_DMA_FAULT] = "fault",
		[IREF_DMA_ABORT] = "abort",
	};
	rline_add(l, "%s", outcome[e->outcome]);
	expect_field(l, "pa", &e->pa, r_hex);
	expect_field(l, "size", &e->size, r_size);
	expect_field(l, "perm", &e->perm, r_perm);
	expect_field(l, "via", &e->via, r_via);
	expect_field(l, "reason", &e->reason, r_reason);
	expect_field(l, "flags", &e->flags, r_fault_flags);
	expect_field(l, "addr", &e->address, r_hex);
	expect_field(l, "code", &e->code, r_hex);
	expect_field(l, "walk", &e->walk, r_wfault);
	expect_field(l, "stage", &e->stage, r_dec);
	expect_field(l, "level", &e->level, r_level);
	expect_field(l, "tlb", &e->tlb, r_tlb);
	expect_field(l, "cycles", &e->cycles, r_dec);
}

static enum verdict run_dma(struct run *r, const struct step *st)
{
	const struct expect_dma *e = &st->dma_exp;
	struct iref_dma_result res;
	/* Without at: the access is issued when the previous one ended. */
	struct iref_dma_req rq = st->dma;
	if (!st->dma_at)
		rq.at = r->clock;
	enum iref_rc rc = iref_dma(r->dev, &rq, &res);
	if (rc == IREF_OK)
		r->clock = rq.at + res.cycles;
	results_dma_access(&r->line, &st->dma);
	if (st->dma_at)
		results_dma_at(&r->line, rq.at);
	results_arrow(&r->line);
	if (rc != IREF_OK) {
		results_error(&r->line);
		emit(r);
		rline_add(&r->x, "iref_dma refused the access: %s",
			  iref_rc_str(rc));
		return ERROR;
	}
	results_dma_outcome(&r->line, &res);
	/* Only then, so lines of devices without a TLB stay as they were. */
	if (scenario_has_tlb(r->s))
		results_dma_tlb(&r->line, res.tlb);
	bool kept = true;
	if (r->s->cfg.timing_enabled) {
		timed(r, res.cycles);
		kept = keep_dma(r->totals, res.cycles);
	}
	emit(r);
	if (!kept) {
		rline_add(&r->x, "out of memory");
		return ERROR;
	}
	if (!st->has_expect)
		return PASS;
	if (e->outcome != res.outcome) {
		expect_dma(&r->x, e);
		results_dma_outcome(&r->y, &res);
		return MISMATCH;
	}
	cmp(r, "pa", &e->pa, true, res.pa, r_hex);
	cmp(r, "size", &e->size, true, res.size, r_size);
	cmp(r, "perm", &e->perm, true, res.perm, r_perm);
	cmp(r, "via", &e->via, true, via_of(&res), r_via);
	cmp(r, "reason", &e->reason, true, res.fault.reason, r_reason);
	cmp(r, "flags", &e->flags, true, res.fault.flags, r_fault_flags);
	cmp(r, "addr", &e->address,
	    res.fault.flags & IREF_FAULT_F_ADDRESS, res.fault.address, r_hex);
	/* level is the leaf's of a table path, or the walk fault's; -1
	 * (none) meets an expected none as UINT64_MAX. */
	bool ok = res.outcome == IREF_DMA_OK;
	const struct iref_walk_fault *w = &res.walk;
	cmp(r, "code", &e->code, res.has_walk_fault, w->code, r_hex);
	cmp(r, "walk", &e->walk, res.has_walk_fault, w->reason, r_wfault);
	cmp(r, "stage", &e->stage, res.has_walk_fault, w->stage, r_dec);
	cmp(r, "level", &e->level,
	    ok ? results_dma_table_path(res.path) : res.has_walk_fault,
	    (uint64_t)(int64_t)(ok ? res.level : w->level), r_level);
	cmp(r, "tlb", &e->tlb, true, res.tlb, r_tlb);
	cmp(r, "cycles", &e->cycles, true, res.cycles, r_dec);
	return verdict(r);
}

static enum verdict run_tlb_stats(struct run *r, const struct step *st)
{
	const struct expect_tlb *e = &st->tlb;
	struct iref_tlb_stats t;
	/* The loader refuses the step on a device without that level. */
	if (!iref_iommu_cache_stats(r->dev, st->cache, &t)) {
		rline_add(&r->x, "the device has no %s",
			  cache_level_name(st->cache));
		return ERROR;
	}
	/* The main TLB's line is unnamed, as it always was. */
	results_tlb_stats(&r->line,
			  st->cache == IREF_CACHE_TLB
				  ? NULL
				  : cache_level_name(st->cache),
			  &t);
	emit(r);
	cmp(r, "lookups", &e->lookups, true, t.lookups, r_dec);
	cmp(r, "hits", &e->hits, true, t.hits, r_dec);
	cmp(r, "misses", &e->misses, true, t.misses, r_dec);
	cmp(r, "fills", &e->fills, true, t.fills, r_dec);
	cmp(r, "evictions", &e->evictions, true, t.evictions, r_dec);
	cmp(r, "invalidated", &e->invalidated, true, t.invalidated, r_dec);
	return verdict(r);
}

/* Expected lists (event records, walk accesses) are compared item by
 * item, in order, up to the first difference; a missing or extra item is
 * one. Both sides name the item ("event 2"); the fields that differ
 * follow. */
struct item_cmp {
	const char *what;
	unsigned (*line)(const void *e);
	/* The expected item's fields; an item nobody expected, in full. */
	void (*expect)(struct rline *l, const void *e);
	void (*got)(struct rline *l, size_t i, const void *g);
	void (*fields)(struct run *r, const void *e, const void *g);
};

static void cmp_item(struct run *r, const struct item_cmp *c, size_t i,
		     const void *e, const void *got)
{
	if (!e) {
		rline_add(&r->x, "no %s %zu", c->what, i + 1);
		c->got(&r->y, i, got);
		return;
	}
	r->where = c->line(e);
	rline_add(&r->x, "%s %zu", c->what, i + 1);
	if (!got) {
		c->expect(&r->x, e);
		rline_add(&r->y, "no %s %zu", c->what, i + 1);
		return;
	}
	rline_add(&r->y, "%s %zu", c->what, i + 1);
	size_t named = r->x.len;
	c->fields(r, e, got);
	if (r->x.len == named) { /* all agree: drop the names */
		rline_clear(&r->x);
		rline_clear(&r->y);
	}
}

/* n_e items of e_size bytes expected, n_g of g_size happened. */
static void cmp_list(struct run *r, const struct item_cmp *c, const void *e,
		     size_t n_e, size_t e_size, const void *g, size_t n_g,
		     size_t g_size)
{
	size_t max = n_g > n_e ? n_g : n_e;
	for (size_t i = 0; i < max && !r->x.len; i++)
		cmp_item(r, c, i,
			 i < n_e ? (const char *)e + i * e_size : NULL,
			 i < n_g ? (const char *)g + i * g_size : NULL);
}

static unsigned event_line(const void *e)
{
	return ((const struct expect_event *)e)->line;
}

static void expect_event(struct rline *l, const void *ev)
{
	const struct expect_event *e = ev;
	expect_field(l, "reason", &e->reason, r_reason);
	expect_field(l, "ep", &e->endpoint, r_dec);
	expect_field(l, "pasid", &e->pasid, r_dec);
	expect_field(l, "addr", &e->address, r_hex);
	expect_field(l, "flags", &e->flags, r_fault_flags);
}

static void got_event(struct rline *l, size_t i, const void *g)
{
	(void)i;
	results_event(l, g);
}

static void cmp_event(struct run *r, const void *ev, const void *g)
{
	const struct expect_event *e = ev;
	const struct iref_fault_record *got = g;
	cmp(r, "reason", &e->reason, true, got->reason, r_reason);
	cmp(r, "ep", &e->endpoint, true, got->endpoint, r_dec);
	cmp(r, "pasid", &e->pasid, got->flags & IREF_FAULT_F_PASID,
	    got->pasid, r_dec);
	cmp(r, "addr", &e->address, got->flags & IREF_FAULT_F_ADDRESS,
	    got->address, r_hex);
	cmp(r, "flags", &e->flags, true, got->flags, r_fault_flags);
}

static const struct item_cmp event_cmp = {
	"event", event_line, expect_event, got_event, cmp_event,
};

static enum verdict run_events(struct run *r, const struct step *st)
{
	const struct expect_events *e = &st->events;
	size_t n = iref_events_pending(r->dev);
	struct iref_fault_record *rec = malloc((n ? n : 1) * sizeof *rec);
	if (!rec) {
		rline_add(&r->x, "out of memory");
		return ERROR;
	}
	size_t got = 0;
	while (got < n && iref_events_pop(r->dev, NULL, &rec[got]))
		got++;
	uint64_t dropped = iref_events_dropped(r->dev);
	results_events(&r->line, got, dropped);
	emit(r);
	for (size_t i = 0; i < got; i++) {
		results_event(&r->line, &rec[i]);
		emit(r);
	}
	if (e->has_records)
		cmp_list(r, &event_cmp, e->rec, e->n, sizeof *e->rec, rec, got,
			 sizeof *rec);
	if (!r->x.len)
		cmp(r, "dropped", &e->dropped, true, dropped, r_dec);
	free(rec);
	return verdict(r);
}

static enum verdict run_bypass(struct run *r, const struct step *st)
{
	results_config_bypass(&r->line, (unsigned)st->value);
	host_outcome(r, st,
		     iref_iommu_set_bypass(r->dev, (uint8_t)st->value) ==
			     IREF_OK);
	return verdict(r);
}

static enum verdict run_config_write(struct run *r, const struct step *st)
{
	results_config_write(&r->line, st->off, st->data.p, st->data.n);
	host_outcome(r, st,
		     iref_iommu_config_write(r->dev, st->off, st->data.p,
					     st->data.n) == IREF_OK);
	return verdict(r);
}

static enum verdict run_reset(struct run *r, const struct step *st)
{
	if (st->value)
		iref_iommu_system_reset(r->dev);
	else
		iref_iommu_reset(r->dev);
	results_reset(&r->line, st->value);
	results_arrow(&r->line);
	results_host(&r->line, true);
	emit(r);
	/* The driver initialises the device again, as after any reset. */
	if (iref_iommu_negotiate(r->dev, r->s->negotiated) != IREF_OK) {
		rline_add(&r->x, "the device refused the features after reset");
		return ERROR;
	}
	return PASS;
}

static enum verdict run_write(struct run *r, const struct step *st)
{
	enum iref_rc rc = iref_mem_write(r->mem, st->addr, st->data.p,
					 st->data.n);
	results_write(&r->line, st->addr, st->data.n / 8);
	results_arrow(&r->line);
	if (rc != IREF_OK) {
		results_error(&r->line);
		emit(r);
		rline_add(&r->x, "memory refused %zu bytes at 0x%llx: %s",
			  st->data.n, (ull)st->addr, iref_rc_str(rc));
		return ERROR;
	}
	results_host(&r->line, true);
	emit(r);
	return PASS;
}

static enum verdict run_post(struct run *r, const struct step *st)
{
	uint32_t i = 0;
	while (i < st->count && iref_events_post(r->dev, st->size) == IREF_OK)
		i++;
	results_eventq_post(&r->line, st->count, st->size);
	host_outcome(r, st, i == st->count);
	return verdict(r);
}

/* ---- page tables and walks ---- */

static void r_acc_kind(struct rline *l, uint64_t v)
{
	results_walk_access_kind(l, (unsigned)v);
}

/* A stage's configuration with the root its tables step chose. */
static struct iref_walk_cfg stage_cfg(const struct run *r,
				      const struct walk_stage *ws)
{
	struct iref_walk_cfg cfg = ws->cfg;
	if (ws->from_tables)
		cfg.root = r->roots[ws->tables];
	return cfg;
}

static enum verdict run_tables(struct run *r, const struct step *st)
{
	struct iref_walk_cfg cfg = stage_cfg(r, &st->s1);
	const struct build_item *item;
	enum iref_rc rc = build_tables(&cfg, r->mem, st->pool, st->maps,
				       st->n_maps, &item, &r->x);
	r->roots[st - r->s->steps] = cfg.root;
	results_tables(&r->line, &cfg, st->n_maps);
	results_arrow(&r->line);
	if (rc != IREF_OK) {
		results_error(&r->line);
		emit(r);
		if (item)
			r->err_line = item->line;
		return ERROR;
	}
	results_host(&r->line, true);
	emit(r);
	cmp(r, "root", &st->root, true, cfg.root, r_hex);
	return verdict(r);
}

static void expect_walk(struct rline *l, const struct expect_walk *e)
{
	rline_add(l, "%s", e->outcome.v ? "fault" : "ok");
	expect_field(l, "pa", &e->pa, r_hex);
	expect_field(l, "size", &e->size, r_hex);
	expect_field(l, "perm", &e->perm, r_perm);
	expect_field(l, "reason", &e->reason, r_wfault);
	expect_field(l, "code", &e->code, r_hex);
	expect_field(l, "level", &e->level, r_level);
	expect_field(l, "attrs", &e->attrs, r_hex);
	expect_field(l, "global", &e->global, r_dec);
	expect_field(l, "stage", &e->stage, r_dec);
	expect_field(l, "walk", &e->walk, r_dec);
	expect_field(l, "addr", &e->addr, r_hex);
	expect_field(l, "addr2", &e->addr2, r_hex);
	expect_field(l, "flags", &e->flags, r_hex);
}

static unsigned access_line(const void *e)
{
	return ((const struct expect_access *)e)->line;
}

static void expect_access(struct rline *l, const void *ea)
{
	const struct expect_access *e = ea;
	expect_field(l, "kind", &e->kind, r_acc_kind);
	expect_field(l, "stage", &e->stage, r_dec);
	expect_field(l, "level", &e->level, r_level);
	expect_field(l, "addr", &e->addr, r_hex);
	expect_field(l, "value", &e->value, r_hex);
}

static void got_access(struct rline *l, size_t i, const void *g)
{
	rline_add(l, "access %zu ", i + 1);
	results_walk_access(l, g);
}

static void cmp_access(struct run *r, const void *ea, const void *g)
{
	const struct expect_access *e = ea;
	const struct iref_walk_access *got = g;
	cmp(r, "kind", &e->kind, true, got->kind, r_acc_kind);
	cmp(r, "stage", &e->stage, true, got->stage, r_dec);
	cmp(r, "level", &e->level, got->level >= 0, (uint64_t)got->level,
	    r_level);
	cmp(r, "addr", &e->addr, true, got->addr, r_hex);
	cmp(r, "value", &e->value, true, got->value, r_hex);
}

static const struct item_cmp access_cmp = {
	"access", access_line, expect_access, got_access, cmp_access,
};

static void cmp_walk(struct run *r, const struct expect_walk *e,
		     const struct iref_walk_result *res)
{
	/* outcome.v is 1 for a fault. */
	if (e->outcome.set && e->outcome.v == res->ok) {
		expect_walk(&r->x, e);
		results_walk_outcome(&r->y, res);
		return;
	}
	const struct iref_walk_fault *f = &res->fault;
	int level = res->ok ? res->level : f->level;
	if (res->ok) {
		cmp(r, "pa", &e->pa, true, res->pa, r_hex);
		cmp(r, "size", &e->size, true, res->page_size, r_hex);
		cmp(r, "perm", &e->perm, true, res->perm, r_perm);
	} else {
		cmp(r, "reason", &e->reason, true, f->reason, r_wfault);
		cmp(r, "code", &e->code, true, f->code, r_hex);
	}
	/* -1 (no level) meets an expected none as UINT64_MAX. */
	cmp(r, "level", &e->level, true, (uint64_t)(int64_t)level, r_level);
	if (res->ok) {
		cmp(r, "attrs", &e->attrs, true, res->attrs, r_hex);
		cmp(r, "global", &e->global, true, res->global, r_dec);
	} else {
		cmp(r, "stage", &e->stage, true, f->stage, r_dec);
		cmp(r, "walk", &e->walk, true, f->on_walk, r_dec);
		cmp(r, "addr", &e->addr, true, f->addr, r_hex);
		cmp(r, "addr2", &e->addr2, true, f->addr2, r_hex);
		cmp(r, "flags", &e->flags, true, f->flags, r_hex);
	}
	if (e->has_acc && !r->x.len)
		cmp_list(r, &access_cmp, e->acc, e->n_acc, sizeof *e->acc,
			 res->acc,
			 res->n_acc < IREF_WALK_MAX_ACCESSES
				 ? res->n_acc
				 : IREF_WALK_MAX_ACCESSES,
			 sizeof *res->acc);
}

static enum verdict run_walk(struct run *r, const struct step *st)
{
	struct iref_walk_cfg s1 = stage_cfg(r, &st->s1);
	struct iref_walk_cfg s2 = stage_cfg(r, &st->s2);
	struct iref_walk_result res;
	enum iref_rc rc =
		st->nested ? iref_walk_nested(&s1, &s2, r->mem, &st->walk, &res)
			   : iref_walk(&s1, r->mem, &st->walk, &res);
	results_walk_request(&r->line, &s1, st->nested ? &s2 : NULL,
			     &st->walk);
	results_arrow(&r->line);
	if (rc != IREF_OK) {
		results_error(&r->line);
		emit(r);
		rline_add(&r->x, "the walker refused the configuration: %s",
			  iref_rc_str(rc));
		return ERROR;
	}
	results_walk_outcome(&r->line, &res);
	emit(r);
	if (st->has_expect)
		cmp_walk(r, &st->walk_exp, &res);
	return verdict(r);
}

static enum verdict (*const runners[])(struct run *, const struct step *) = {
	[STEP_ATTACH] = run_request,
	[STEP_DETACH] = run_request,
	[STEP_MAP] = run_request,
	[STEP_UNMAP] = run_request,
	[STEP_PROBE] = run_request,
	[STEP_REQUEST] = run_request,
	[STEP_DMA] = run_dma,
	[STEP_EVENTS] = run_events,
	[STEP_BYPASS] = run_bypass,
	[STEP_CONFIG_WRITE] = run_config_write,
	[STEP_RESET] = run_reset,
	[STEP_POST_EVENT_BUFFERS] = run_post,
	[STEP_TABLES] = run_tables,
	[STEP_WALK] = run_walk,
	[STEP_TLB_STATS] = run_tlb_stats,
	[STEP_ATTACH_TABLE] = run_request,
	[STEP_INVALIDATE] = run_request,
	[STEP_WRITE] = run_write,
};

void scenario_run_steps(const struct scenario *s, struct scenario_dev *d,
			FILE *out, FILE *err, struct run_totals *totals)
{
	struct run r = {
		.s = s, .dev = d->dev, .mem = iref_sparse_mem_as_mem(d->mem),
		.roots = d->roots, .out = out, .totals = totals,
	};
	for (size_t i = 0; i < s->n_steps; i++) {
		const struct step *st = &s->steps[i];
		r.where = st->expect_line;
		r.err_line = st->line;
		enum verdict v = runners[st->kind](&r, st);
		if (v == PASS) {
			totals->passed++;
		} else {
			totals->failed++;
			/* Keep the message after the lines it refers to. */
			if (out)
				fflush(out);
			if (v == MISMATCH)
				fprintf(err,
					"%s:%u: step %zu (%s): expected %s, "
					"got %s\n",
					s->name, r.where, i + 1,
					step_kind_name(st->kind),
					rline_str(&r.x), rline_str(&r.y));
			else
				fprintf(err,
					"%s:%u: step %zu (%s): error: %s\n",
					s->name, r.err_line, i + 1,
					step_kind_name(st->kind),
					rline_str(&r.x));
		}
		rline_clear(&r.line);
		rline_clear(&r.x);
		rline_clear(&r.y);
	}
	rline_free(&r.line);
	rline_free(&r.x);
	rline_free(&r.y);
}

int cli_run(const char *path, bool quiet, FILE *out, FILE *err)
{
	struct iref_diag diag = {0};
	struct scenario *s = scenario_load(path, &diag);
	if (!s) {
		cli_print_diag(err, &diag);
		return 2;
	}
	struct scenario_dev d;
	if (!scenario_setup(s, &d, &diag)) {
		cli_print_diag(err, &diag);
		scenario_free(s);
		return 2;
	}
	struct run_totals t = {0};
	scenario_run_steps(s, &d, quiet ? NULL : out, err, &t);
	if (s->cfg.timing_enabled) {
		struct timing_summary ts;
		struct rline l = {0};
		run_totals_timing(&t, &ts);
		results_timing(&l, &ts);
		fprintf(out, "%s\n", rline_str(&l));
		rline_free(&l);
	}
	run_totals_free(&t);
	fprintf(out, "%u passed, %u failed\n", t.passed, t.failed);
	scenario_teardown(&d);
	scenario_free(s);
	return t.failed ? 1 : 0;
}
