#define _POSIX_C_SOURCE 200809L /* fileno, fstat */

#include "walkcmd.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "iommu-ref/mem.h"
#include "iommu-ref/walk.h"
#include "results.h"
#include "runner.h"
#include "yfield.h"

static bool fail(FILE *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static bool fail(FILE *err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("iommu-ref: ", err);
	vfprintf(err, fmt, ap);
	fputs("\n", err);
	va_end(ap);
	return false;
}

/* A stage from its options; prefix tells "--" from "--s2-" in
 * messages. */
static bool make_cfg(const struct walk_stage_opts *so, const char *prefix,
		     struct iref_walk_cfg *cfg, FILE *err)
{
	struct iref_diag why = {0};
	if (iref_walk_cfg_init(cfg, so->format, &why) != IREF_OK)
		return fail(err, "%sformat: %s", prefix, why.msg);
	for (size_t i = 0; i < so->n_opts; i++) {
		const char *kv = so->opts[i], *eq = strchr(kv, '=');
		if (!eq || eq == kv)
			return fail(err, "%sopt '%s': expected KEY=VALUE",
				    prefix, kv);
		char *key = malloc((size_t)(eq - kv) + 1);
		if (!key)
			return fail(err, "out of memory");
		memcpy(key, kv, (size_t)(eq - kv));
		key[eq - kv] = '\0';
		why = (struct iref_diag){0};
		enum iref_rc rc = iref_walk_cfg_set(cfg, key, eq + 1, &why);
		free(key);
		if (rc != IREF_OK)
			return fail(err, "%sopt %s: %s", prefix, kv,
				    why.msg[0] ? why.msg : iref_rc_str(rc));
	}
	char what[16];
	snprintf(what, sizeof what, "%sroot", prefix);
	if (!ystr_uint(so->root, what, 64, &cfg->root, &why))
		return fail(err, "%s", why.msg);
	return true;
}

/* ---- request lines: ADDR ACCESS [PRIV] ---- */

static const struct yname access_words[] = {
	{"r", IREF_ACC_READ},  {"w", IREF_ACC_WRITE}, {"x", IREF_ACC_EXEC},
	{"read", IREF_ACC_READ}, {"write", IREF_ACC_WRITE},
	{"exec", IREF_ACC_EXEC}, {NULL, 0},
};

static const struct yname priv_words[] = {
	{"u", 0}, {"s", 1}, {"user", 0}, {"supervisor", 1}, {NULL, 0},
};

/* Tokens are kept up to this length; no number or word of a request is
 * longer, so a longer token is refused rather than stored: memory stays
 * constant whatever the lines hold. */
#define TOKEN_MAX 64

struct token {
	char s[TOKEN_MAX + 1];
	size_t len; /* may exceed TOKEN_MAX: the rest was not kept */
	unsigned column;
};

/* One line split into tokens; one beyond PRIV is kept to be refused. */
struct req_line {
	struct token tok[4];
	size_t n;
	unsigned end;     /* column just past the content */
	unsigned nul_col; /* column of the first NUL byte, 0 if none */
};

/* Read a line; false at the end of the input (or on a read error, which
 * the caller tells by ferror). Blanks are spaces, tabs and carriage
 * returns; '#' comments run to the end of the line. */
static bool read_line(FILE *f, struct req_line *l)
{
	int c = getc(f);
	if (c == EOF)
		return false;
	l->n = 0;
	l->nul_col = 0;
	struct token *t = NULL;
	/* After a '#', or a token too many (refused anyway), the rest of
	 * the line is only read. */
	bool skip = false;
	unsigned col = 1;
	for (; c != EOF && c != '\n'; c = getc(f), col++) {
		if (skip)
			continue;
		if (c == ' ' || c == '\t' || c == '\r' || c == '#') {
			t = NULL;
			if (c == '#') {
				skip = true;
				l->end = col;
			}
			continue;
		}
		if (!c && !l->nul_col)
			l->nul_col = col;
		if (!t) {
			if (l->n == sizeof l->tok / sizeof l->tok[0]) {
				skip = true;
				continue;
			}
			t = &l->tok[l->n++];
			t->len = 0;
			t->column = col;
		}
		if (t->len < TOKEN_MAX) {
			t->s[t->len] = (char)c;
			t->s[t->len + 1] = '\0';
		}
		t->len++;
	}
	if (!skip)
		l->end = col;
	return true;
}

/* Parse a line into req; 0 a request, 1 nothing to do (blank or
 * comment), -1 an error described in diag (message and column). */
static int parse_request(const struct req_line *l, struct iref_walk_req *req,
			 struct iref_diag *diag)
{
	static const char *const what[] = {"ADDR", "ACCESS", "PRIV"};
	if (l->nul_col) {
		iref_diag_set(diag, NULL, 0, l->nul_col, "NUL character");
		return -1;
	}
	if (!l->n)
		return 1;
	if (l->n > 3) {
		iref_diag_set(diag, NULL, 0, l->tok[3].column,
			      "trailing text after PRIV");
		return -1;
	}
	if (l->n < 2) {
		iref_diag_set(diag, NULL, 0, l->end,
			      "ACCESS missing (r, w, x, read, write, exec)");
		return -1;
	}
	uint64_t v[3] = {0};
	for (size_t i = 0; i < l->n; i++) {
		const struct token *t = &l->tok[i];
		bool ok;
		if (t->len > TOKEN_MAX) {
			iref_diag_set(diag, NULL, 0, 0,
				      "%s: longer than %d characters", what[i],
				      TOKEN_MAX);
			ok = false;
		} else if (i == 0) {
			ok = ystr_uint(t->s, what[i], 64, &v[i], diag);
		} else {
			ok = ystr_name(t->s, what[i],
				       i == 1 ? access_words : priv_words,
				       &v[i], diag);
		}
		if (!ok) {
			diag->column = t->column;
			return -1;
		}
	}
	*req = (struct iref_walk_req){
		.addr = v[0], .access = (unsigned)v[1], .priv = v[2],
	};
	return 0;
}

/* ---- the command ---- */

struct walker {
	struct iref_walk_cfg s1, s2;
	bool nested, show_accesses;
	struct iref_mem mem;
	struct rline line;
	struct iref_walk_result res;
	FILE *out;
};

static void put(struct walker *w)
{
	fputs(rline_str(&w->line), w->out);
	putc('\n', w->out);
	rline_clear(&w->line);
}

/* Walk one request and print its lines; false if the walker refuses the
 * configuration (reported on err). */
static bool walk_one(struct walker *w, const struct iref_walk_req *req,
		     FILE *err)
{
	struct iref_walk_result *res = &w->res;
	enum iref_rc rc =
		w->nested ? iref_walk_nested(&w->s1, &w->s2, w->mem, req, res)
			  : iref_walk(&w->s1, w->mem, req, res);
	if (rc != IREF_OK)
		return fail(err, "the walker refused the configuration: %s",
			    iref_rc_str(rc));
	results_walk_request(&w->line, &w->s1, w->nested ? &w->s2 : NULL,
			     req);
	results_arrow(&w->line);
	results_walk_outcome(&w->line, res);
	put(w);
	if (!w->show_accesses)
		return true;
	unsigned kept = res->n_acc < IREF_WALK_MAX_ACCESSES
				? res->n_acc
				: IREF_WALK_MAX_ACCESSES;
	for (unsigned i = 0; i < kept; i++) {
		results_walk_access_line(&w->line, &res->acc[i]);
		put(w);
	}
	if (res->n_acc > kept) {
		results_walk_unrecorded(&w->line, res->n_acc - kept);
		put(w);
	}
	return true;
}

/* Walk every request of in (named name); false after a bad line or a
 * read error, reported on err. */
static bool walk_stream(struct walker *w, FILE *in, const char *name,
			FILE *err)
{
	struct req_line l;
	struct iref_diag diag = {0};
	for (unsigned line = 1; read_line(in, &l); line++) {
		struct iref_walk_req req;
		int rc = parse_request(&l, &req, &diag);
		if (rc > 0)
			continue;
		if (rc < 0) {
			/* After the lines of the requests before it. */
			fflush(w->out);
			diag.file = name;
			diag.line = line;
			cli_print_diag(err, &diag);
			return false;
		}
		if (!walk_one(w, &req, err))
			return false;
	}
	if (ferror(in))
		return fail(err, "cannot read %s: %s", name, strerror(errno));
	return true;
}

int cli_walk(const struct walk_opts *o, FILE *in, FILE *out, FILE *err)
{
	struct walker w = {
		.nested = o->s2.format != NULL,
		.show_accesses = o->show_accesses,
		.out = out,
	};
	if (!make_cfg(&o->s1, "--", &w.s1, err) ||
	    (w.nested && !make_cfg(&o->s2, "--s2-", &w.s2, err)))
		return 2;
	struct iref_sparse_mem *sm = iref_sparse_mem_create(NULL);
	if (!sm) {
		fail(err, "out of memory");
		return 2;
	}
	w.mem = iref_sparse_mem_as_mem(sm);
	bool ok = true;
	for (size_t i = 0; ok && i < o->n_mems; i++) {
		struct iref_diag diag = {0};
		if (iref_mem_load_image(w.mem, o->mems[i], &diag) != IREF_OK) {
			cli_print_diag(err, &diag);
			ok = false;
		}
	}
	bool std_in = !o->requests || !strcmp(o->requests, "-");
	FILE *rq = in;
	if (ok && !std_in && !(rq = fopen(o->requests, "rb")))
		ok = fail(err, "cannot open %s: %s", o->requests,
			  strerror(errno));
	/* Requests from a pipe or a terminal get each answer at once, so a
	 * test bench can drive the command one request at a time. */
	struct stat st;
	if (ok && (fstat(fileno(rq), &st) || !S_ISREG(st.st_mode)))
		setvbuf(out, NULL, _IOLBF, 0);
	if (ok)
		ok = walk_stream(&w, rq, std_in ? "<stdin>" : o->requests,
				 err);
	if (rq && !std_in)
		fclose(rq);
	if (fflush(out) || ferror(out))
		ok = fail(err, "cannot write the results: %s", strerror(errno));
	rline_free(&w.line);
	iref_sparse_mem_destroy(sm);
	return ok ? 0 : 2;
}
