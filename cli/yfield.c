#include "yfield.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iommu-ref/hex.h"

bool yfail(struct yctx *y, const struct ynode *n, const char *fmt, ...)
{
	char msg[sizeof y->diag->msg];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	/* A node merged from a preset is reported in its own file. */
	iref_diag_set(y->diag, n->file ? n->file : y->name, n->line,
		      n->column, "%s", msg);
	return false;
}

void yjoin_add(struct yjoin *j, const char *item)
{
	if (j->len >= sizeof j->buf)
		return;
	int n = snprintf(j->buf + j->len, sizeof j->buf - j->len, "%s%s",
			 j->len ? ", " : "", item);
	j->len = n < 0 ? sizeof j->buf : j->len + (size_t)n;
}

static const char *kind_str(const struct ynode *n)
{
	if (ynode_is_null(n))
		return "nothing";
	switch (n->kind) {
	case YNODE_SCALAR:
		return n->plain ? "a scalar" : "a string";
	case YNODE_SEQ:
		return "a list";
	case YNODE_MAP:
		return "a mapping";
	}
	return "?";
}

bool ywant(struct yctx *y, const struct ynode *n, enum ynode_kind kind,
	   const char *what)
{
	static const char *const names[] = {
		[YNODE_SCALAR] = "a scalar",
		[YNODE_SEQ] = "a list",
		[YNODE_MAP] = "a mapping",
	};
	if (n->kind == kind)
		return true;
	return yfail(y, n, "%s: expected %s, got %s", what, names[kind],
		     kind_str(n));
}

const struct ynode *ykey(const struct ynode *map, const char *key)
{
	for (size_t i = 0; i < map->n; i++)
		if (!strcmp(map->kids[2 * i]->str, key))
			return map->kids[2 * i];
	return NULL;
}

bool ystr_uint(const char *s, const char *what, unsigned bits,
	       uint64_t *out, struct iref_diag *diag)
{
	const char *p = s;
	unsigned base = 10;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	uint64_t v = 0;
	bool over = false;
	if (!*p) {
		iref_diag_set(diag, NULL, 0, 0, "%s: '%s' is not a number",
			      what, s);
		return false;
	}
	for (; *p; p++) {
		int d = iref_hex_digit(*p);
		if (d < 0 || (unsigned)d >= base) {
			iref_diag_set(diag, NULL, 0, 0,
				      "%s: '%s' is not a number (decimal or 0x "
				      "hex)",
				      what, s);
			return false;
		}
		if (v > (UINT64_MAX - (unsigned)d) / base)
			over = true;
		v = v * base + (unsigned)d;
	}
	if (over || (bits < 64 && v >> bits)) {
		iref_diag_set(diag, NULL, 0, 0, "%s: %s does not fit in %u bits",
			      what, s, bits);
		return false;
	}
	*out = v;
	return true;
}

bool yparse_uint(struct yctx *y, const struct ynode *n, const char *what,
		 unsigned bits, uint64_t *out)
{
	/* A quoted "12" is a string: numbers are never guessed from text
	 * the author marked as text. */
	if (n->kind != YNODE_SCALAR || !n->plain || !n->str[0])
		return yfail(y, n, "%s: expected a number, got %s", what,
			     kind_str(n));
	struct iref_diag why;
	if (!ystr_uint(n->str, what, bits, out, &why))
		return yfail(y, n, "%s", why.msg);
	return true;
}

bool ystr_name(const char *s, const char *what, const struct yname *t,
	       uint64_t *out, struct iref_diag *diag)
{
	struct yjoin names = {0};
	for (const struct yname *e = t; e->name; e++) {
		if (!strcmp(s, e->name)) {
			*out = e->value;
			return true;
		}
		yjoin_add(&names, e->name);
	}
	iref_diag_set(diag, NULL, 0, 0,
		      "%s: unknown name '%s' (expected one of: %s)", what, s,
		      names.buf);
	return false;
}

bool yparse_name(struct yctx *y, const struct ynode *n, const char *what,
		 const struct yname *t, uint64_t *out)
{
	if (!ywant(y, n, YNODE_SCALAR, what))
		return false;
	struct iref_diag why;
	if (!ystr_name(n->str, what, t, out, &why))
		return yfail(y, n, "%s", why.msg);
	return true;
}

bool yparse_hex(struct yctx *y, const struct ynode *n, const char *what,
		struct bytes *out)
{
	if (!ywant(y, n, YNODE_SCALAR, what))
		return false;
	uint8_t *p = malloc(strlen(n->str) / 2 + 1);
	if (!p)
		return yfail(y, n, "out of memory");
	size_t len = 0;
	for (const char *s = n->str; *s;) {
		if (*s == ' ' || *s == '\t' || *s == '\n') {
			s++;
			continue;
		}
		int hi = iref_hex_digit(s[0]);
		int lo = hi < 0 ? -1 : iref_hex_digit(s[1]);
		if (lo < 0) {
			free(p);
			return yfail(y, n,
				     "%s: byte %zu is not two hex digits (at "
				     "'%.8s')",
				     what, len + 1, s);
		}
		p[len++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	free(out->p);
	out->p = p;
	out->n = len;
	return true;
}

bool yparse_map(struct yctx *y, const struct ynode *n, const char *what,
		const struct yfield *fields, void *base)
{
	if (!ywant(y, n, YNODE_MAP, what))
		return false;
	for (size_t i = 0; i < n->n; i++) {
		const struct ynode *k = n->kids[2 * i];
		const struct yfield *f = fields;
		while (f->key && strcmp(f->key, k->str))
			f++;
		if (!f->key) {
			struct yjoin keys = {0};
			for (f = fields; f->key; f++)
				yjoin_add(&keys, f->key);
			return yfail(y, k,
				     "unknown key '%s' in %s (expected one "
				     "of: %s)",
				     k->str, what, keys.buf);
		}
		/* Quadratic, but only in the keys of one table: an unknown
		 * key stops the loop first. */
		for (size_t j = 0; j < i; j++)
			if (!strcmp(n->kids[2 * j]->str, k->str))
				return yfail(y, k, "duplicate key '%s' in %s",
					     k->str, what);
		if (!f->parse(y, n->kids[2 * i + 1], base, f))
			return false;
	}
	for (const struct yfield *f = fields; f->key; f++)
		if (f->required && !ynode_get(n, f->key))
			return yfail(y, n, "%s: missing key '%s'", what,
				     f->key);
	return true;
}

static void *at(void *base, const struct yfield *f)
{
	return (char *)base + f->off;
}

/* Store v into an unsigned integer or enum of 1, 2, 4 or 8 bytes; enums
 * are stored through their 4-byte representation. */
static void store(void *p, size_t size, uint64_t v)
{
	uint8_t u8 = (uint8_t)v;
	uint16_t u16 = (uint16_t)v;
	uint32_t u32 = (uint32_t)v;
	switch (size) {
	case 1:
		memcpy(p, &u8, 1);
		break;
	case 2:
		memcpy(p, &u16, 2);
		break;
	case 4:
		memcpy(p, &u32, 4);
		break;
	default:
		memcpy(p, &v, 8);
	}
}

bool yf_uint(struct yctx *y, const struct ynode *v, void *base,
	     const struct yfield *f)
{
	uint64_t x;
	if (!yparse_uint(y, v, f->key, f->bits, &x))
		return false;
	store(at(base, f), f->size, x);
	return true;
}

bool yf_opt(struct yctx *y, const struct ynode *v, void *base,
	    const struct yfield *f)
{
	struct opt *o = at(base, f);
	o->set = yparse_uint(y, v, f->key, f->bits, &o->v);
	return o->set;
}

static bool parse_bool(struct yctx *y, const struct ynode *v,
		       const struct yfield *f, bool *b)
{
	if (v->kind == YNODE_SCALAR && v->plain &&
	    (!strcmp(v->str, "true") || !strcmp(v->str, "false"))) {
		*b = v->str[0] == 't';
		return true;
	}
	return yfail(y, v, "%s: expected true or false", f->key);
}

bool yf_bool(struct yctx *y, const struct ynode *v, void *base,
	     const struct yfield *f)
{
	return parse_bool(y, v, f, at(base, f));
}

bool yf_bool_opt(struct yctx *y, const struct ynode *v, void *base,
		 const struct yfield *f)
{
	struct opt *o = at(base, f);
	bool b = false;
	o->set = parse_bool(y, v, f, &b);
	o->v = b;
	return o->set;
}

static bool name_or_number(struct yctx *y, const struct ynode *v,
			   const struct yfield *f, uint64_t *x)
{
	if (f->numeric && v->kind == YNODE_SCALAR && v->plain &&
	    v->str[0] >= '0' && v->str[0] <= '9')
		return yparse_uint(y, v, f->key, f->bits, x);
	return yparse_name(y, v, f->key, f->names, x);
}

bool yf_name(struct yctx *y, const struct ynode *v, void *base,
	     const struct yfield *f)
{
	uint64_t x;
	if (!name_or_number(y, v, f, &x))
		return false;
	store(at(base, f), f->size, x);
	return true;
}

bool yf_name_opt(struct yctx *y, const struct ynode *v, void *base,
		 const struct yfield *f)
{
	struct opt *o = at(base, f);
	o->set = name_or_number(y, v, f, &o->v);
	return o->set;
}

static bool parse_flags(struct yctx *y, const struct ynode *v,
			const struct yfield *f, uint64_t *out)
{
	if (v->kind == YNODE_SCALAR)
		return yparse_uint(y, v, f->key, f->bits, out);
	if (!ywant(y, v, YNODE_SEQ, f->key))
		return false;
	*out = 0;
	for (size_t i = 0; i < v->n; i++) {
		uint64_t bit;
		if (!yparse_name(y, v->kids[i], f->key, f->names, &bit))
			return false;
		*out |= bit;
	}
	return true;
}

bool yf_flags(struct yctx *y, const struct ynode *v, void *base,
	      const struct yfield *f)
{
	uint64_t x;
	if (!parse_flags(y, v, f, &x))
		return false;
	store(at(base, f), f->size, x);
	return true;
}

bool yf_flags_opt(struct yctx *y, const struct ynode *v, void *base,
		  const struct yfield *f)
{
	struct opt *o = at(base, f);
	o->set = parse_flags(y, v, f, &o->v);
	return o->set;
}

bool yf_hex(struct yctx *y, const struct ynode *v, void *base,
	    const struct yfield *f)
{
	return yparse_hex(y, v, f->key, at(base, f));
}

bool yf_string(struct yctx *y, const struct ynode *v, void *base,
	       const struct yfield *f)
{
	char **s = at(base, f);
	if (!ywant(y, v, YNODE_SCALAR, f->key))
		return false;
	size_t n = strlen(v->str) + 1;
	char *d = malloc(n);
	if (!d)
		return yfail(y, v, "out of memory");
	free(*s);
	*s = memcpy(d, v->str, n);
	return true;
}

bool yf_sub(struct yctx *y, const struct ynode *v, void *base,
	    const struct yfield *f)
{
	return yparse_map(y, v, f->key, f->sub, base);
}

bool yf_node(struct yctx *y, const struct ynode *v, void *base,
	     const struct yfield *f)
{
	(void)y;
	*(const struct ynode **)at(base, f) = v;
	return true;
}
