#include "runner.h"

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

bool scenario_setup(const struct scenario *s, struct scenario_dev *d,
		    struct iref_diag *diag)
{
	*d = (struct scenario_dev){0};
	struct iref_config cfg = s->cfg;
	if (!(d->mem = iref_sparse_mem_create(&s->memcfg))) {
		iref_diag_set(diag, s->name, 0, 0, "out of memory");
		return false;
	}
	cfg.mem = iref_sparse_mem_as_mem(d->mem);
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
	if (!load_memory(s, cfg.mem, diag))
		goto fail;
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
	FILE *out;
	struct rline line; /* the results line being built */
	struct rline x, y;
	unsigned where; /* line of a mismatch; the expect's by default */
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
	}
	return VIA_MAP;
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
}

static enum verdict run_dma(struct run *r, const struct step *st)
{
	const struct expect_dma *e = &st->dma_exp;
	struct iref_dma_result res;
	enum iref_rc rc = iref_dma(r->dev, &st->dma, &res);
	results_dma_access(&r->line, &st->dma);
	results_arrow(&r->line);
	if (rc != IREF_OK) {
		rline_add(&r->line, "error");
		emit(r);
		rline_add(&r->x, "iref_dma refused the access: %s",
			  iref_rc_str(rc));
		return ERROR;
	}
	results_dma_outcome(&r->line, &res);
	emit(r);
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
	return verdict(r);
}

static void expect_event(struct rline *l, const struct expect_event *e)
{
	expect_field(l, "reason", &e->reason, r_reason);
	expect_field(l, "ep", &e->endpoint, r_dec);
	expect_field(l, "pasid", &e->pasid, r_dec);
	expect_field(l, "addr", &e->address, r_hex);
	expect_field(l, "flags", &e->flags, r_fault_flags);
}

/* Compare record i (1-based in messages) with its expectation. */
static void cmp_event(struct run *r, size_t i, const struct expect_event *e,
		      const struct iref_fault_record *got)
{
	if (!e) {
		rline_add(&r->x, "no event %zu", i + 1);
		results_event(&r->y, got);
		return;
	}
	r->where = e->line;
	if (!got) {
		rline_add(&r->x, "event %zu", i + 1);
		expect_event(&r->x, e);
		rline_add(&r->y, "no event %zu", i + 1);
		return;
	}
	/* Name the record on both sides; drop the names if all agree. */
	rline_add(&r->x, "event %zu", i + 1);
	rline_add(&r->y, "event %zu", i + 1);
	size_t named = r->x.len;
	cmp(r, "reason", &e->reason, true, got->reason, r_reason);
	cmp(r, "ep", &e->endpoint, true, got->endpoint, r_dec);
	cmp(r, "pasid", &e->pasid, got->flags & IREF_FAULT_F_PASID,
	    got->pasid, r_dec);
	cmp(r, "addr", &e->address, got->flags & IREF_FAULT_F_ADDRESS,
	    got->address, r_hex);
	cmp(r, "flags", &e->flags, true, got->flags, r_fault_flags);
	if (r->x.len == named) {
		rline_clear(&r->x);
		rline_clear(&r->y);
	}
}

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
	if (e->has_records) {
		size_t max = got > e->n ? got : e->n;
		for (size_t i = 0; i < max && !r->x.len; i++)
			cmp_event(r, i, i < e->n ? &e->rec[i] : NULL,
				  i < got ? &rec[i] : NULL);
	}
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

static enum verdict run_post(struct run *r, const struct step *st)
{
	uint32_t i = 0;
	while (i < st->count && iref_events_post(r->dev, st->size) == IREF_OK)
		i++;
	results_eventq_post(&r->line, st->count, st->size);
	host_outcome(r, st, i == st->count);
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
};

void scenario_run_steps(const struct scenario *s, struct iref_iommu *dev,
			FILE *out, FILE *err, struct run_totals *totals)
{
	struct run r = {.s = s, .dev = dev, .out = out};
	for (size_t i = 0; i < s->n_steps; i++) {
		const struct step *st = &s->steps[i];
		r.where = st->expect_line;
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
					s->name, st->line, i + 1,
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
	scenario_run_steps(s, d.dev, quiet ? NULL : out, err, &t);
	fprintf(out, "%u passed, %u failed\n", t.passed, t.failed);
	scenario_teardown(&d);
	scenario_free(s);
	return t.failed ? 1 : 0;
}
