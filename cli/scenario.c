/* The scenario loader. Mappings are read through tables of fields (key,
 * parser, destination offset), so every section gets the same checks:
 * unknown and duplicate keys, missing required keys, types, number widths
 * and names, each reported at the node's line and column. */
#include "scenario.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ytree.h"

/* Enums are stored through their 4-byte representation (store()). */
_Static_assert(sizeof(enum iref_len0_policy) == 4, "enum size");
_Static_assert(sizeof(enum iref_events_mode) == 4, "enum size");
_Static_assert(sizeof(enum iref_dma_outcome) == 4, "enum size");

struct ld {
	struct scenario *s;
	const char *name;
	const char *dir;
	struct iref_diag *diag;
};

static bool fail(struct ld *ld, const struct ynode *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool fail(struct ld *ld, const struct ynode *n, const char *fmt, ...)
{
	char msg[sizeof ld->diag->msg];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	iref_diag_set(ld->diag, ld->name, n->line, n->column, "%s", msg);
	return false;
}

static char *dup_str(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	return d ? memcpy(d, s, n) : NULL;
}

static const char *kind_str(const struct ynode *n)
{
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

static bool want(struct ld *ld, const struct ynode *n, enum ynode_kind kind,
		 const char *what)
{
	static const char *const names[] = {
		[YNODE_SCALAR] = "a scalar",
		[YNODE_SEQ] = "a list",
		[YNODE_MAP] = "a mapping",
	};
	if (n->kind == kind)
		return true;
	return fail(ld, n, "%s: expected %s, got %s", what, names[kind],
		    kind_str(n));
}

/* Numbers: decimal or 0x hex, unsigned, and no wider than bits. */
static bool parse_uint(struct ld *ld, const struct ynode *n, const char *what,
		       unsigned bits, uint64_t *out)
{
	if (n->kind != YNODE_SCALAR || !n->plain || !n->str[0])
		return fail(ld, n, "%s: expected a number, got %s", what,
			    ynode_is_null(n) ? "nothing" : kind_str(n));
	const char *p = n->str;
	unsigned base = 10;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	uint64_t v = 0;
	bool over = false;
	if (!*p)
		return fail(ld, n, "%s: '%s' is not a number", what, n->str);
	for (; *p; p++) {
		unsigned d;
		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = (unsigned)(*p - 'a' + 10);
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			d = (unsigned)(*p - 'A' + 10);
		else
			return fail(ld, n,
				    "%s: '%s' is not a number (decimal or 0x "
				    "hex)",
				    what, n->str);
		if (v > (UINT64_MAX - d) / base)
			over = true;
		v = v * base + d;
	}
	if (over || (bits < 64 && v >> bits))
		return fail(ld, n, "%s: %s does not fit in %u bits", what,
			    n->str, bits);
	*out = v;
	return true;
}

/* Names of a closed set of values; NULL-terminated tables. */
struct name {
	const char *name;
	uint64_t value;
};

static void name_list(char *buf, size_t size, const struct name *t)
{
	size_t len = 0;
	buf[0] = '\0';
	for (; t->name && len < size; t++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s",
					len ? ", " : "", t->name);
}

static bool parse_name(struct ld *ld, const struct ynode *n, const char *what,
		       const struct name *t, uint64_t *out)
{
	if (!want(ld, n, YNODE_SCALAR, what))
		return false;
	for (const struct name *e = t; e->name; e++) {
		if (!strcmp(n->str, e->name)) {
			*out = e->value;
			return true;
		}
	}
	char list[160];
	name_list(list, sizeof list, t);
	return fail(ld, n, "%s: unknown name '%s' (expected one of: %s)", what,
		    n->str, list);
}

/* A field of a mapping: key, parser and where the value goes (base +
 * off, size bytes). bits bounds numbers; names is the set of a named
 * value or flag list; sub is the table of a nested mapping. */
struct field;
typedef bool (*field_fn)(struct ld *ld, const struct ynode *v, void *base,
			 const struct field *f);
struct field {
	const char *key;
	field_fn parse;
	size_t off, size;
	unsigned bits;
	const struct name *names;
	const struct field *sub;
	bool required;
	bool numeric; /* a number is accepted where a name is expected */
};

#define FLD(k, fn, type, m, ...)                                            \
	{                                                                   \
		.key = k, .parse = fn, .off = offsetof(type, m),            \
		.size = sizeof(((type *)0)->m), __VA_ARGS__                 \
	}

static void *at(void *base, const struct field *f)
{
	return (char *)base + f->off;
}

/* Store v into an unsigned field (or enum) of 1, 2, 4 or 8 bytes. */
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

static bool parse_map(struct ld *ld, const struct ynode *n, const char *what,
		      const struct field *fields, void *base)
{
	if (!want(ld, n, YNODE_MAP, what))
		return false;
	for (size_t i = 0; i < n->n; i++) {
		const struct ynode *k = n->kids[2 * i];
		const struct field *f = fields;
		while (f->key && strcmp(f->key, k->str))
			f++;
		if (!f->key) {
			char list[200];
			size_t len = 0;
			list[0] = '\0';
			for (f = fields; f->key && len < sizeof list; f++)
				len += (size_t)snprintf(
					list + len, sizeof list - len, "%s%s",
					len ? ", " : "", f->key);
			return fail(ld, k,
				    "unknown key '%s' in %s (expected one of: "
				    "%s)",
				    k->str, what, list);
		}
		for (size_t j = 0; j < i; j++)
			if (!strcmp(n->kids[2 * j]->str, k->str))
				return fail(ld, k, "duplicate key '%s' in %s",
					    k->str, what);
		if (!f->parse(ld, n->kids[2 * i + 1], base, f))
			return false;
	}
	for (const struct field *f = fields; f->key; f++)
		if (f->required && !ynode_get(n, f->key))
			return fail(ld, n, "%s: missing key '%s'", what,
				    f->key);
	return true;
}

static bool f_uint(struct ld *ld, const struct ynode *v, void *base,
		   const struct field *f)
{
	uint64_t x;
	if (!parse_uint(ld, v, f->key, f->bits, &x))
		return false;
	store(at(base, f), f->size, x);
	return true;
}

static bool f_opt(struct ld *ld, const struct ynode *v, void *base,
		  const struct field *f)
{
	struct opt *o = at(base, f);
	o->set = parse_uint(ld, v, f->key, f->bits, &o->v);
	return o->set;
}

static bool f_bool(struct ld *ld, const struct ynode *v, void *base,
		   const struct field *f)
{
	bool *b = at(base, f);
	if (v->kind == YNODE_SCALAR && v->plain &&
	    (!strcmp(v->str, "true") || !strcmp(v->str, "false"))) {
		*b = v->str[0] == 't';
		return true;
	}
	return fail(ld, v, "%s: expected true or false", f->key);
}

static bool name_or_number(struct ld *ld, const struct ynode *v,
			   const struct field *f, uint64_t *x)
{
	if (f->numeric && v->kind == YNODE_SCALAR && v->plain &&
	    v->str[0] >= '0' && v->str[0] <= '9')
		return parse_uint(ld, v, f->key, f->bits, x);
	return parse_name(ld, v, f->key, f->names, x);
}

static bool f_name(struct ld *ld, const struct ynode *v, void *base,
		   const struct field *f)
{
	uint64_t x;
	if (!name_or_number(ld, v, f, &x))
		return false;
	store(at(base, f), f->size, x);
	return true;
}

static bool f_name_opt(struct ld *ld, const struct ynode *v, void *base,
		       const struct field *f)
{
	struct opt *o = at(base, f);
	o->set = name_or_number(ld, v, f, &o->v);
	return o->set;
}

/* A flag set: a list of names, or a number. */
static bool parse_flags(struct ld *ld, const struct ynode *v,
			const struct field *f, uint64_t *out)
{
	if (v->kind == YNODE_SCALAR)
		return parse_uint(ld, v, f->key, f->bits, out);
	if (!want(ld, v, YNODE_SEQ, f->key))
		return false;
	*out = 0;
	for (size_t i = 0; i < v->n; i++) {
		uint64_t bit;
		if (!parse_name(ld, v->kids[i], f->key, f->names, &bit))
			return false;
		*out |= bit;
	}
	return true;
}

static bool f_flags(struct ld *ld, const struct ynode *v, void *base,
		    const struct field *f)
{
	uint64_t x;
	if (!parse_flags(ld, v, f, &x))
		return false;
	store(at(base, f), f->size, x);
	return true;
}

static bool f_flags_opt(struct ld *ld, const struct ynode *v, void *base,
			const struct field *f)
{
	struct opt *o = at(base, f);
	o->set = parse_flags(ld, v, f, &o->v);
	return o->set;
}

static bool f_status_opt(struct ld *ld, const struct ynode *v, void *base,
			 const struct field *f)
{
	struct opt *o = at(base, f);
	if (!want(ld, v, YNODE_SCALAR, f->key))
		return false;
	int st = iref_status_parse(v->str);
	if (st < 0) {
		char list[160];
		size_t len = 0;
		for (unsigned i = 0; i < IREF_S_COUNT; i++)
			len += (size_t)snprintf(list + len, sizeof list - len,
						"%s%s", i ? ", " : "",
						iref_status_name(i));
		return fail(ld, v,
			    "%s: unknown status '%s' (expected one of: %s)",
			    f->key, v->str, list);
	}
	o->set = true;
	o->v = (uint64_t)st;
	return true;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Hex bytes: pairs of hex digits, optionally separated by white space. */
static bool parse_hex(struct ld *ld, const struct ynode *v, const char *what,
		      struct bytes *out)
{
	if (!want(ld, v, YNODE_SCALAR, what))
		return false;
	size_t len = strlen(v->str);
	uint8_t *p = malloc(len / 2 + 1);
	if (!p)
		return fail(ld, v, "out of memory");
	size_t n = 0;
	for (const char *s = v->str; *s;) {
		if (*s == ' ' || *s == '\t' || *s == '\n') {
			s++;
			continue;
		}
		int hi = hex_digit(s[0]), lo = hi < 0 ? -1 : hex_digit(s[1]);
		if (lo < 0) {
			free(p);
			return fail(ld, v,
				    "%s: byte %zu is not two hex digits (at "
				    "'%.8s')",
				    what, n + 1, s);
		}
		p[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	free(out->p);
	out->p = p;
	out->n = n;
	return true;
}

static bool f_hex(struct ld *ld, const struct ynode *v, void *base,
		  const struct field *f)
{
	return parse_hex(ld, v, f->key, at(base, f));
}

static bool f_string(struct ld *ld, const struct ynode *v, void *base,
		     const struct field *f)
{
	char **s = at(base, f);
	if (!want(ld, v, YNODE_SCALAR, f->key))
		return false;
	free(*s);
	if (!(*s = dup_str(v->str)))
		return fail(ld, v, "out of memory");
	return true;
}

/* A nested mapping whose fields land in the same base. */
static bool f_sub(struct ld *ld, const struct ynode *v, void *base,
		  const struct field *f)
{
	return parse_map(ld, v, f->key, f->sub, base);
}

/* Keep the node for a later pass (order-dependent sections). */
static bool f_node(struct ld *ld, const struct ynode *v, void *base,
		   const struct field *f)
{
	(void)ld;
	*(const struct ynode **)at(base, f) = v;
	return true;
}

/* ---- Name tables ---- */

static const struct name feature_names[] = {
	{"input_range", IREF_FEAT(IREF_F_INPUT_RANGE)},
	{"domain_range", IREF_FEAT(IREF_F_DOMAIN_RANGE)},
	{"map_unmap", IREF_FEAT(IREF_F_MAP_UNMAP)},
	{"bypass", IREF_FEAT(IREF_F_BYPASS)},
	{"probe", IREF_FEAT(IREF_F_PROBE)},
	{"mmio", IREF_FEAT(IREF_F_MMIO)},
	{"bypass_config", IREF_FEAT(IREF_F_BYPASS_CONFIG)},
	{"attach_table", IREF_FEAT(IREF_F_ATTACH_TABLE)},
	{"indirect_desc", IREF_FEAT(IREF_F_INDIRECT_DESC)},
	{"event_idx", IREF_FEAT(IREF_F_EVENT_IDX)},
	{"version_1", IREF_FEAT(IREF_F_VERSION_1)},
	{NULL, 0},
};

static const struct name len0_names[] = {
	{"len0", IREF_LEN0_SILENT},
	{"status", IREF_LEN0_STATUS},
	{NULL, 0},
};

static const struct name mode_names[] = {
	{"auto", IREF_EVENTS_AUTO},
	{"posted", IREF_EVENTS_POSTED},
	{NULL, 0},
};

static const struct name subtype_names[] = {
	{"reserved", IREF_RESV_MEM_T_RESERVED},
	{"msi", IREF_RESV_MEM_T_MSI},
	{NULL, 0},
};

static const struct name map_flag_names[] = {
	{"read", IREF_MAP_F_READ},
	{"write", IREF_MAP_F_WRITE},
	{"mmio", IREF_MAP_F_MMIO},
	{NULL, 0},
};

static const struct name access_names[] = {
	{"read", IREF_ACC_READ},
	{"write", IREF_ACC_WRITE},
	{"exec", IREF_ACC_EXEC},
	{NULL, 0},
};

static const struct name perm_names[] = {
	{"read", IREF_PERM_R},
	{"write", IREF_PERM_W},
	{"exec", IREF_PERM_X},
	{NULL, 0},
};

static const struct name fault_flag_names[] = {
	{"read", IREF_FAULT_F_READ},
	{"write", IREF_FAULT_F_WRITE},
	{"exec", IREF_FAULT_F_EXEC},
	{"address", IREF_FAULT_F_ADDRESS},
	{"pasid", IREF_FAULT_F_PASID},
	{NULL, 0},
};

static const struct name reason_names[] = {
	{"unknown", IREF_R_UNKNOWN},
	{"domain", IREF_R_DOMAIN},
	{"mapping", IREF_R_MAPPING},
	{NULL, 0},
};

static const struct name via_names[] = {
	{"map", VIA_MAP},
	{"mmio", VIA_MMIO},
	{"bypass", VIA_BYPASS},
	{"msi", VIA_MSI},
	{NULL, 0},
};

static const struct name outcome_names[] = {
	{"ok", IREF_DMA_OK},
	{"fault", IREF_DMA_FAULT},
	{"abort", IREF_DMA_ABORT},
	{NULL, 0},
};

static const struct name host_names[] = {
	{"ok", 1},
	{"rejected", 0},
	{NULL, 0},
};

static const struct name reset_names[] = {
	{"device", 0},
	{"system", 1},
	{NULL, 0},
};

/* ---- iommu: ---- */

static bool parse_features(struct ld *ld, const struct ynode *v,
			   const char *what, uint64_t *out)
{
	if (!want(ld, v, YNODE_SEQ, what))
		return false;
	*out = IREF_FEAT(IREF_F_VERSION_1); /* a modern device always has it */
	for (size_t i = 0; i < v->n; i++) {
		uint64_t bit;
		if (!parse_name(ld, v->kids[i], what, feature_names, &bit))
			return false;
		*out |= bit;
	}
	return true;
}

static bool f_features(struct ld *ld, const struct ynode *v, void *base,
		       const struct field *f)
{
	return parse_features(ld, v, f->key, at(base, f));
}

#define SCN(k, fn, m, ...) FLD(k, fn, struct scenario, m, __VA_ARGS__)

static const struct field range64_fields[] = {
	SCN("start", f_uint, cfg.input_start, .bits = 64, .required = true),
	SCN("end", f_uint, cfg.input_end, .bits = 64, .required = true),
	{0},
};

static const struct field range32_fields[] = {
	SCN("start", f_uint, cfg.domain_start, .bits = 32, .required = true),
	SCN("end", f_uint, cfg.domain_end, .bits = 32, .required = true),
	{0},
};

static const struct field option_fields[] = {
	SCN("write_implies_read", f_bool, cfg.opt.write_implies_read),
	SCN("resv_bypass_identity", f_bool, cfg.opt.resv_bypass_identity),
	SCN("unknown_endpoint_passthrough", f_bool,
	    cfg.opt.unknown_endpoint_passthrough),
	SCN("unmap_reserved_inval", f_bool, cfg.opt.unmap_reserved_inval),
	SCN("unknown_type", f_name, cfg.opt.unknown_type, .names = len0_names),
	SCN("short_request", f_name, cfg.opt.short_request,
	    .names = len0_names),
	SCN("max_domains", f_uint, cfg.opt.max_domains, .bits = 32),
	SCN("max_endpoints_per_domain", f_uint,
	    cfg.opt.max_endpoints_per_domain, .bits = 32),
	SCN("max_mappings", f_uint, cfg.opt.max_mappings, .bits = 64),
	SCN("guest_pa_bits", f_uint, cfg.opt.guest_pa_bits, .bits = 32),
	SCN("eventq_depth", f_uint, cfg.opt.eventq_depth, .bits = 32),
	{0},
};

static const struct field eventq_fields[] = {
	SCN("mode", f_name, eventq_mode, .names = mode_names,
	    .required = true),
	{0},
};

static const struct field iommu_fields[] = {
	SCN("features", f_features, cfg.features),
	SCN("negotiated", f_features, negotiated),
	SCN("page_size_mask", f_uint, cfg.page_size_mask, .bits = 64),
	SCN("input_range", f_sub, cfg, .sub = range64_fields),
	SCN("domain_range", f_sub, cfg, .sub = range32_fields),
	SCN("probe_size", f_uint, cfg.probe_size, .bits = 32),
	SCN("bypass", f_uint, cfg.bypass, .bits = 8),
	SCN("options", f_sub, cfg.opt, .sub = option_fields),
	SCN("eventq", f_sub, eventq_mode, .sub = eventq_fields),
	{0},
};

static bool load_iommu(struct ld *ld, const struct ynode *key,
		       const struct ynode *v)
{
	struct scenario *s = ld->s;
	s->iommu_line = key->line;
	s->iommu_column = key->column;
	s->negotiated = 0;
	if (!parse_map(ld, v, "iommu", iommu_fields, s))
		return false;
	/* Checked only now: features may come after negotiated. */
	const struct ynode *neg = ynode_get(v, "negotiated");
	if (!neg) {
		s->negotiated = s->cfg.features;
		return true;
	}
	for (size_t i = 0; i < neg->n; i++) {
		uint64_t bit = 0;
		parse_name(ld, neg->kids[i], "negotiated", feature_names,
			   &bit);
		if (!(bit & s->cfg.features))
			return fail(ld, neg->kids[i],
				    "negotiated: feature '%s' is not offered",
				    neg->kids[i]->str);
	}
	return true;
}

/* ---- endpoints: ---- */

#define RESV(k, fn, m, ...) FLD(k, fn, struct iref_resv_region, m, __VA_ARGS__)

static const struct field resv_fields[] = {
	RESV("subtype", f_name, subtype, .names = subtype_names, .bits = 8,
	     .numeric = true, .required = true),
	RESV("start", f_uint, start, .bits = 64, .required = true),
	RESV("end", f_uint, end, .bits = 64, .required = true),
	{0},
};

static bool f_resv(struct ld *ld, const struct ynode *v, void *base,
		   const struct field *f)
{
	struct iref_endpoint_config *ep = base;
	(void)f;
	if (!want(ld, v, YNODE_SEQ, "reserved"))
		return false;
	struct iref_resv_region *r = calloc(v->n + 1, sizeof *r);
	if (!r)
		return fail(ld, v, "out of memory");
	free((void *)ep->resv);
	ep->resv = r;
	ep->n_resv = v->n;
	for (size_t i = 0; i < v->n; i++)
		if (!parse_map(ld, v->kids[i], "reserved region", resv_fields,
			       &r[i]))
			return false;
	return true;
}

#define EP(k, fn, m, ...) FLD(k, fn, struct iref_endpoint_config, m, __VA_ARGS__)

static const struct field endpoint_fields[] = {
	EP("id", f_uint, id, .bits = 32, .required = true),
	EP("reserved", f_resv, resv),
	EP("compat_class", f_uint, compat_class, .bits = 32),
	{0},
};

static bool load_endpoints(struct ld *ld, const struct ynode *v)
{
	struct scenario *s = ld->s;
	if (!want(ld, v, YNODE_SEQ, "endpoints"))
		return false;
	if (v->n && !(s->eps = calloc(v->n, sizeof *s->eps)))
		return fail(ld, v, "out of memory");
	s->n_eps = v->n;
	for (size_t i = 0; i < v->n; i++) {
		struct scn_endpoint *ep = &s->eps[i];
		ep->line = v->kids[i]->line;
		ep->column = v->kids[i]->column;
		if (!parse_map(ld, v->kids[i], "endpoint", endpoint_fields,
			       &ep->cfg))
			return false;
	}
	return true;
}

/* ---- memory: ---- */

static bool f_words(struct ld *ld, const struct ynode *v, void *base,
		    const struct field *f)
{
	struct bytes *b = at(base, f);
	if (!want(ld, v, YNODE_SEQ, f->key))
		return false;
	if (v->n && !(b->p = malloc(v->n * 8)))
		return fail(ld, v, "out of memory");
	b->n = v->n * 8;
	for (size_t i = 0; i < v->n; i++) {
		uint64_t w;
		if (!parse_uint(ld, v->kids[i], f->key, 64, &w))
			return false;
		iref_put_le64(b->p + 8 * i, w);
	}
	return true;
}

#define MEM(k, fn, m, ...) FLD(k, fn, struct mem_item, m, __VA_ARGS__)

static const struct field mem_fields[] = {
	MEM("addr", f_uint, addr, .bits = 64),
	MEM("u64", f_words, data),
	MEM("bytes", f_hex, data),
	MEM("image", f_string, path),
	{0},
};

static char *join_path(const char *dir, const char *path)
{
	if (!dir || !dir[0] || path[0] == '/')
		return dup_str(path);
	size_t n = strlen(dir) + strlen(path) + 2;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s/%s", dir, path);
	return p;
}

static bool load_mem_item(struct ld *ld, const struct ynode *v,
			  struct mem_item *m)
{
	m->line = v->line;
	m->column = v->column;
	if (!want(ld, v, YNODE_MAP, "memory item"))
		return false;
	/* Exactly one source; checked before parsing so no source
	 * overwrites another's buffer. */
	const char *src[] = {"u64", "bytes", "image"};
	const struct ynode *given = NULL;
	const char *given_name = NULL;
	for (size_t i = 0; i < 3; i++) {
		const struct ynode *n = ynode_get(v, src[i]);
		if (n && given)
			return fail(ld, n,
				    "memory item: '%s' and '%s' are exclusive",
				    given_name, src[i]);
		if (n) {
			given = n;
			given_name = src[i];
		}
	}
	if (!given)
		return fail(ld, v, "memory item: needs one of u64, bytes, image");
	if (!parse_map(ld, v, "memory item", mem_fields, m))
		return false;
	const struct ynode *addr = ynode_get(v, "addr");
	if (m->path) {
		m->kind = MEM_IMAGE;
		if (addr)
			return fail(ld, addr,
				    "memory item: an image gives its own "
				    "addresses; remove 'addr'");
		char *full = join_path(ld->dir, m->path);
		if (!full)
			return fail(ld, v, "out of memory");
		free(m->path);
		m->path = full;
		return true;
	}
	m->kind = MEM_BYTES;
	if (!addr)
		return fail(ld, v, "memory item: missing key 'addr'");
	if (m->data.n && m->addr + (m->data.n - 1) < m->addr)
		return fail(ld, v,
			    "memory item: %zu bytes at %s run past 2^64",
			    m->data.n, addr->str);
	return true;
}

static bool load_memory(struct ld *ld, const struct ynode *v)
{
	struct scenario *s = ld->s;
	if (!want(ld, v, YNODE_SEQ, "memory"))
		return false;
	if (v->n && !(s->mem = calloc(v->n, sizeof *s->mem)))
		return fail(ld, v, "out of memory");
	s->n_mem = v->n;
	for (size_t i = 0; i < v->n; i++)
		if (!load_mem_item(ld, v->kids[i], &s->mem[i]))
			return false;
	return true;
}

/* ---- steps: arguments ---- */

/* Arguments of the friendly request kinds, before encoding. */
struct req_args {
	uint32_t domain, endpoint;
	bool bypass;
	struct opt flags;
	uint64_t reserved;
	uint64_t virt_start, virt_end, phys_start;
	uint32_t map_flags;
	struct opt size;
};

#define RQ(k, fn, m, ...) FLD(k, fn, struct req_args, m, __VA_ARGS__)
#define DOMAIN RQ("domain", f_uint, domain, .bits = 32, .required = true)
#define ENDPOINT RQ("endpoint", f_uint, endpoint, .bits = 32, .required = true)
#define VIRT                                                                \
	RQ("virt_start", f_uint, virt_start, .bits = 64, .required = true), \
	RQ("virt_end", f_uint, virt_end, .bits = 64, .required = true)

static const struct field attach_fields[] = {
	DOMAIN,
	ENDPOINT,
	RQ("bypass", f_bool, bypass),
	RQ("flags", f_opt, flags, .bits = 32),
	RQ("reserved", f_uint, reserved, .bits = 32),
	{0},
};

static const struct field detach_fields[] = {
	DOMAIN,
	ENDPOINT,
	RQ("reserved", f_uint, reserved, .bits = 64),
	{0},
};

static const struct field map_fields[] = {
	DOMAIN,
	VIRT,
	RQ("phys_start", f_uint, phys_start, .bits = 64, .required = true),
	RQ("flags", f_flags, map_flags, .bits = 32, .names = map_flag_names,
	   .required = true),
	{0},
};

static const struct field unmap_fields[] = {
	DOMAIN,
	VIRT,
	RQ("reserved", f_uint, reserved, .bits = 32),
	{0},
};

static const struct field probe_fields[] = {
	ENDPOINT,
	RQ("size", f_opt, size, .bits = 32),
	{0},
};

static bool new_request(struct ld *ld, const struct ynode *v, struct step *st,
			size_t rlen)
{
	if (!(st->rd.p = calloc(1, rlen)))
		return fail(ld, v, "out of memory");
	st->rd.n = rlen;
	st->wlen = IREF_TAIL_SIZE;
	return true;
}

static bool a_attach(struct ld *ld, const struct ynode *v, struct step *st)
{
	struct req_args a = {0};
	if (!parse_map(ld, v, "attach", attach_fields, &a))
		return false;
	if (a.bypass && a.flags.set)
		return fail(ld, ynode_get(v, "flags"),
			    "attach: give either bypass or flags");
	uint32_t flags = a.bypass ? IREF_ATTACH_F_BYPASS : (uint32_t)a.flags.v;
	if (!new_request(ld, v, st, IREF_ATTACH_RSIZE))
		return false;
	iref_enc_attach(st->rd.p, a.domain, a.endpoint, flags);
	iref_put_le32(st->rd.p + 16, (uint32_t)a.reserved);
	return true;
}

static bool a_detach(struct ld *ld, const struct ynode *v, struct step *st)
{
	struct req_args a = {0};
	if (!parse_map(ld, v, "detach", detach_fields, &a) ||
	    !new_request(ld, v, st, IREF_DETACH_RSIZE))
		return false;
	iref_enc_detach(st->rd.p, a.domain, a.endpoint);
	iref_put_le64(st->rd.p + 12, a.reserved);
	return true;
}

static bool a_map(struct ld *ld, const struct ynode *v, struct step *st)
{
	struct req_args a = {0};
	if (!parse_map(ld, v, "map", map_fields, &a) ||
	    !new_request(ld, v, st, IREF_MAP_RSIZE))
		return false;
	iref_enc_map(st->rd.p, a.domain, a.virt_start, a.virt_end,
		     a.phys_start, a.map_flags);
	return true;
}

static bool a_unmap(struct ld *ld, const struct ynode *v, struct step *st)
{
	struct req_args a = {0};
	if (!parse_map(ld, v, "unmap", unmap_fields, &a) ||
	    !new_request(ld, v, st, IREF_UNMAP_RSIZE))
		return false;
	iref_enc_unmap(st->rd.p, a.domain, a.virt_start, a.virt_end);
	iref_put_le32(st->rd.p + 24, (uint32_t)a.reserved);
	return true;
}

static bool check_wlen(struct ld *ld, const struct ynode *v, uint64_t wlen)
{
	if (wlen > SCENARIO_WLEN_MAX)
		return fail(ld, v,
			    "a writable area of %llu bytes is more than the "
			    "limit of %u",
			    (unsigned long long)wlen, SCENARIO_WLEN_MAX);
	return true;
}

static bool a_probe(struct ld *ld, const struct ynode *v, struct step *st)
{
	struct req_args a = {0};
	if (!parse_map(ld, v, "probe", probe_fields, &a))
		return false;
	/* iommu: is loaded before the steps, so probe_size is final. */
	uint64_t wlen = a.size.set ? a.size.v
				   : (uint64_t)ld->s->cfg.probe_size +
					     IREF_TAIL_SIZE;
	if (!check_wlen(ld, v, wlen) ||
	    !new_request(ld, v, st, IREF_PROBE_RSIZE))
		return false;
	st->wlen = (size_t)wlen;
	iref_enc_probe(st->rd.p, a.endpoint);
	return true;
}

struct raw_args {
	struct bytes bytes;
	struct opt writable;
};

static const struct field raw_fields[] = {
	FLD("bytes", f_hex, struct raw_args, bytes, .required = true),
	FLD("writable", f_opt, struct raw_args, writable, .bits = 32),
	{0},
};

static bool a_request(struct ld *ld, const struct ynode *v, struct step *st)
{
	st->wlen = IREF_TAIL_SIZE;
	if (v->kind == YNODE_SCALAR)
		return parse_hex(ld, v, "request", &st->rd);
	struct raw_args a = {0};
	bool ok = parse_map(ld, v, "request", raw_fields, &a);
	st->rd = a.bytes; /* the step owns the bytes, even on error */
	if (!ok)
		return false;
	if (a.writable.set) {
		if (!check_wlen(ld, v, a.writable.v))
			return false;
		st->wlen = (size_t)a.writable.v;
	}
	return true;
}

struct dma_args {
	uint32_t endpoint, access;
	uint64_t addr, size;
	struct opt pasid;
};

#define DMA(k, fn, m, ...) FLD(k, fn, struct dma_args, m, __VA_ARGS__)

static const struct field dma_fields[] = {
	DMA("endpoint", f_uint, endpoint, .bits = 32, .required = true),
	DMA("addr", f_uint, addr, .bits = 64, .required = true),
	DMA("size", f_uint, size, .bits = 64, .required = true),
	DMA("access", f_name, access, .names = access_names,
	    .required = true),
	DMA("pasid", f_opt, pasid, .bits = 32),
	{0},
};

static bool a_dma(struct ld *ld, const struct ynode *v, struct step *st)
{
	struct dma_args a = {0};
	if (!parse_map(ld, v, "dma", dma_fields, &a))
		return false;
	if (!a.size)
		return fail(ld, ynode_get(v, "size"), "dma: size must be >= 1");
	if (a.addr + (a.size - 1) < a.addr)
		return fail(ld, ynode_get(v, "size"),
			    "dma: the access runs past 2^64");
	st->dma = (struct iref_dma_req){
		.endpoint = a.endpoint,
		.has_pasid = a.pasid.set,
		.pasid = (uint32_t)a.pasid.v,
		.iova = a.addr,
		.size = a.size,
		.access = a.access,
	};
	return true;
}

static const struct field events_fields[] = {
	/* Only the nested form "events: {expect: ...}"; parse_step takes
	 * the value. */
	{.key = "expect", .parse = f_node, .size = sizeof(void *)},
	{0},
};

static bool a_events(struct ld *ld, const struct ynode *v, struct step *st)
{
	const struct ynode *unused;
	(void)st;
	if (ynode_is_null(v))
		return true;
	return parse_map(ld, v, "events", events_fields, &unused);
}

static bool a_bypass(struct ld *ld, const struct ynode *v, struct step *st)
{
	return parse_uint(ld, v, "bypass", 8, &st->value);
}

#define ST(k, fn, m, ...) FLD(k, fn, struct step, m, __VA_ARGS__)

static const struct field config_write_fields[] = {
	ST("offset", f_uint, off, .bits = 32, .required = true),
	ST("bytes", f_hex, data, .required = true),
	{0},
};

static bool a_config_write(struct ld *ld, const struct ynode *v,
			   struct step *st)
{
	return parse_map(ld, v, "config_write", config_write_fields, st);
}

static bool a_reset(struct ld *ld, const struct ynode *v, struct step *st)
{
	return parse_name(ld, v, "reset", reset_names, &st->value);
}

static const struct field post_fields[] = {
	ST("count", f_uint, count, .bits = 32, .required = true),
	ST("size", f_uint, size, .bits = 32, .required = true),
	{0},
};

static bool a_post(struct ld *ld, const struct ynode *v, struct step *st)
{
	return parse_map(ld, v, "post_event_buffers", post_fields, st);
}

/* ---- steps: expectations ---- */

#define PR(k, fn, m, ...) FLD(k, fn, struct iref_probe_prop, m, __VA_ARGS__)

static const struct field resv_prop_fields[] = {
	PR("subtype", f_name, subtype, .names = subtype_names, .bits = 8,
	   .numeric = true, .required = true),
	PR("start", f_uint, start, .bits = 64, .required = true),
	PR("end", f_uint, end, .bits = 64, .required = true),
	{0},
};

static const struct field other_prop_fields[] = {
	PR("type", f_uint, type, .bits = 12, .required = true),
	PR("length", f_uint, length, .bits = 16, .required = true),
	{0},
};

static const struct field prop_fields[] = {
	PR("resv_mem", f_sub, type, .sub = resv_prop_fields),
	PR("prop", f_sub, type, .sub = other_prop_fields),
	{0},
};

static bool f_props(struct ld *ld, const struct ynode *v, void *base,
		    const struct field *f)
{
	struct expect_req *e = base;
	if (!want(ld, v, YNODE_SEQ, f->key))
		return false;
	if (v->n && !(e->props = calloc(v->n, sizeof *e->props)))
		return fail(ld, v, "out of memory");
	e->n_props = v->n;
	e->has_props = true;
	for (size_t i = 0; i < v->n; i++) {
		const struct ynode *item = v->kids[i];
		struct iref_probe_prop *p = &e->props[i];
		if (!parse_map(ld, item, "property", prop_fields, p))
			return false;
		if (item->n != 1)
			return fail(ld, item,
				    "property: give one of resv_mem, prop");
		if (ynode_get(item, "resv_mem")) {
			p->type = IREF_PROBE_T_RESV_MEM;
			p->length = IREF_RESV_MEM_PROP_SIZE - 4;
		}
	}
	return true;
}

#define XR(k, fn, m, ...) FLD(k, fn, struct expect_req, m, __VA_ARGS__)

static const struct field req_expect_fields[] = {
	XR("status", f_status_opt, status),
	XR("used", f_opt, used, .bits = 32),
	{0},
};

static const struct field probe_expect_fields[] = {
	XR("status", f_status_opt, status),
	XR("used", f_opt, used, .bits = 32),
	XR("properties", f_props, props),
	{0},
};

static bool e_req(struct ld *ld, const struct ynode *v, struct step *st)
{
	struct expect_req *e = &st->req;
	if (v->kind == YNODE_SCALAR) /* "expect: ok" = {status: ok} */
		return f_status_opt(ld, v, e, &req_expect_fields[0]);
	const struct field *t = st->kind == STEP_PROBE ? probe_expect_fields
						       : req_expect_fields;
	if (!parse_map(ld, v, "expect", t, e))
		return false;
	if (!v->n)
		return fail(ld, v, "expect: give status, used%s",
			    st->kind == STEP_PROBE ? " or properties" : "");
	return true;
}

#define XD(k, fn, m, ...) FLD(k, fn, struct expect_dma, m, __VA_ARGS__)

static const struct field dma_ok_fields[] = {
	XD("pa", f_opt, pa, .bits = 64),
	XD("size", f_opt, size, .bits = 64),
	XD("perm", f_flags_opt, perm, .names = perm_names, .bits = 32),
	XD("via", f_name_opt, via, .names = via_names),
	{0},
};

static const struct field dma_fault_fields[] = {
	XD("fault", f_name_opt, reason, .names = reason_names, .bits = 8,
	   .numeric = true, .required = true),
	XD("flags", f_flags_opt, flags, .names = fault_flag_names,
	   .bits = 32),
	XD("address", f_opt, address, .bits = 64),
	{0},
};

static bool e_dma(struct ld *ld, const struct ynode *v, struct step *st)
{
	struct expect_dma *e = &st->dma_exp;
	uint64_t outcome;
	if (v->kind == YNODE_SCALAR) {
		if (!parse_name(ld, v, "expect", outcome_names, &outcome))
			return false;
		e->outcome = (enum iref_dma_outcome)outcome;
		return true;
	}
	bool fault = ynode_get(v, "fault") != NULL;
	e->outcome = fault ? IREF_DMA_FAULT : IREF_DMA_OK;
	if (!parse_map(ld, v, fault ? "fault expectation" : "expect",
		       fault ? dma_fault_fields : dma_ok_fields, e))
		return false;
	if (!v->n)
		return fail(ld, v, "expect: give pa, size, perm, via or fault");
	return true;
}

#define XE(k, fn, m, ...) FLD(k, fn, struct expect_event, m, __VA_ARGS__)

static const struct field event_fields[] = {
	XE("reason", f_name_opt, reason, .names = reason_names, .bits = 8,
	   .numeric = true, .required = true),
	XE("endpoint", f_opt, endpoint, .bits = 32, .required = true),
	XE("pasid", f_opt, pasid, .bits = 32),
	XE("address", f_opt, address, .bits = 64),
	XE("flags", f_flags_opt, flags, .names = fault_flag_names, .bits = 32),
	{0},
};

static bool f_records(struct ld *ld, const struct ynode *v, void *base,
		      const struct field *f)
{
	struct expect_events *e = base;
	if (!want(ld, v, YNODE_SEQ, f->key))
		return false;
	if (v->n && !(e->rec = calloc(v->n, sizeof *e->rec)))
		return fail(ld, v, "out of memory");
	e->n = v->n;
	e->has_records = true;
	for (size_t i = 0; i < v->n; i++) {
		e->rec[i].line = v->kids[i]->line;
		e->rec[i].column = v->kids[i]->column;
		if (!parse_map(ld, v->kids[i], "event", event_fields,
			       &e->rec[i]))
			return false;
	}
	return true;
}

#define XS(k, fn, m, ...) FLD(k, fn, struct expect_events, m, __VA_ARGS__)

static const struct field events_expect_fields[] = {
	XS("records", f_records, rec),
	XS("dropped", f_opt, dropped, .bits = 64),
	{0},
};

static bool e_events(struct ld *ld, const struct ynode *v, struct step *st)
{
	if (v->kind == YNODE_SEQ) /* a list is {records: list} */
		return f_records(ld, v, &st->events, &events_expect_fields[0]);
	return parse_map(ld, v, "expect", events_expect_fields, &st->events);
}

static bool e_host(struct ld *ld, const struct ynode *v, struct step *st)
{
	st->accepted.set = parse_name(ld, v, "expect", host_names,
				      &st->accepted.v);
	return st->accepted.set;
}

/* ---- steps ---- */

struct step_desc {
	const char *name;
	bool (*args)(struct ld *ld, const struct ynode *v, struct step *st);
	/* NULL: the kind takes no expectation. */
	bool (*expect)(struct ld *ld, const struct ynode *v, struct step *st);
};

static const struct step_desc step_descs[] = {
	[STEP_ATTACH] = {"attach", a_attach, e_req},
	[STEP_DETACH] = {"detach", a_detach, e_req},
	[STEP_MAP] = {"map", a_map, e_req},
	[STEP_UNMAP] = {"unmap", a_unmap, e_req},
	[STEP_PROBE] = {"probe", a_probe, e_req},
	[STEP_REQUEST] = {"request", a_request, e_req},
	[STEP_DMA] = {"dma", a_dma, e_dma},
	[STEP_EVENTS] = {"events", a_events, e_events},
	[STEP_BYPASS] = {"bypass", a_bypass, e_host},
	[STEP_CONFIG_WRITE] = {"config_write", a_config_write, e_host},
	[STEP_RESET] = {"reset", a_reset, NULL},
	[STEP_POST_EVENT_BUFFERS] = {"post_event_buffers", a_post, e_host},
};

#define N_STEP_KINDS (sizeof step_descs / sizeof step_descs[0])

const char *step_kind_name(enum step_kind kind)
{
	return (size_t)kind < N_STEP_KINDS ? step_descs[kind].name : "?";
}

static const struct ynode *key_node(const struct ynode *map, const char *key)
{
	for (size_t i = 0; i < map->n; i++)
		if (!strcmp(map->kids[2 * i]->str, key))
			return map->kids[2 * i];
	return NULL;
}

static bool parse_step(struct ld *ld, const struct ynode *item,
		       struct step *st)
{
	if (!want(ld, item, YNODE_MAP, "step"))
		return false;
	const struct ynode *kind_key = NULL, *expect_key = NULL, *expect = NULL;
	size_t kind = 0;
	for (size_t i = 0; i < item->n; i++) {
		const struct ynode *k = item->kids[2 * i];
		if (!strcmp(k->str, "expect")) {
			if (expect_key)
				return fail(ld, k, "duplicate key 'expect' "
						   "in step");
			expect_key = k;
			expect = item->kids[2 * i + 1];
			continue;
		}
		size_t d = 0;
		while (d < N_STEP_KINDS && strcmp(step_descs[d].name, k->str))
			d++;
		if (d == N_STEP_KINDS) {
			char list[200];
			size_t len = 0;
			for (size_t j = 0; j < N_STEP_KINDS; j++)
				len += (size_t)snprintf(
					list + len, sizeof list - len, "%s%s",
					j ? ", " : "", step_descs[j].name);
			return fail(ld, k,
				    "unknown step kind '%s' (expected one of: "
				    "%s)",
				    k->str, list);
		}
		if (kind_key)
			return fail(ld, k,
				    "a step has one kind: '%s' after '%s'",
				    k->str, kind_key->str);
		kind_key = k;
		kind = d;
	}
	if (!kind_key)
		return fail(ld, item, "step without a kind");
	const struct step_desc *desc = &step_descs[kind];
	const struct ynode *args = ynode_get(item, kind_key->str);
	st->kind = (enum step_kind)kind;
	st->line = kind_key->line;
	st->column = kind_key->column;
	if (!desc->args(ld, args, st))
		return false;
	/* events may carry its expect inside: "events: {expect: [...]}". */
	const struct ynode *inner = st->kind == STEP_EVENTS &&
					    args->kind == YNODE_MAP
				    ? key_node(args, "expect")
				    : NULL;
	if (inner) {
		if (expect_key)
			return fail(ld, inner, "events: expect given twice");
		expect_key = inner;
		expect = ynode_get(args, "expect");
	}
	if (!expect_key)
		return true;
	if (!desc->expect)
		return fail(ld, expect_key, "%s steps take no expect",
			    desc->name);
	st->has_expect = true;
	st->expect_line = expect_key->line;
	st->expect_column = expect_key->column;
	return desc->expect(ld, expect, st);
}

static bool load_steps(struct ld *ld, const struct ynode *v)
{
	struct scenario *s = ld->s;
	if (!want(ld, v, YNODE_SEQ, "steps"))
		return false;
	if (v->n && !(s->steps = calloc(v->n, sizeof *s->steps)))
		return fail(ld, v, "out of memory");
	s->n_steps = v->n;
	for (size_t i = 0; i < v->n; i++)
		if (!parse_step(ld, v->kids[i], &s->steps[i]))
			return false;
	return true;
}

/* ---- the document ---- */

struct top {
	const struct ynode *iommu, *endpoints, *memory, *steps;
};

#define TOP(k, m, ...) FLD(k, f_node, struct top, m, __VA_ARGS__)

static const struct field top_fields[] = {
	TOP("iommu", iommu),
	TOP("endpoints", endpoints),
	TOP("memory", memory),
	TOP("steps", steps, .required = true),
	{0},
};

static bool load(struct ld *ld, const struct ynode *root)
{
	struct top t = {0};
	if (!parse_map(ld, root, "scenario", top_fields, &t))
		return false;
	/* Sections in dependency order, whatever the file's order: a probe
	 * step's default size comes from iommu. */
	if (t.iommu) {
		if (!load_iommu(ld, key_node(root, "iommu"), t.iommu))
			return false;
	} else {
		ld->s->negotiated = ld->s->cfg.features;
	}
	return (!t.endpoints || load_endpoints(ld, t.endpoints)) &&
	       (!t.memory || load_memory(ld, t.memory)) &&
	       load_steps(ld, t.steps);
}

struct scenario *scenario_parse(const char *text, size_t len,
				const char *name, const char *dir,
				struct iref_diag *diag)
{
	struct ynode *root = ytree_parse(text, len, name, diag);
	if (!root)
		return NULL;
	struct scenario *s = calloc(1, sizeof *s);
	struct ld ld = {.s = s, .name = name, .dir = dir, .diag = diag};
	bool ok = s && (s->name = dup_str(name));
	if (!ok) {
		iref_diag_set(diag, name, 0, 0, "out of memory");
	} else {
		iref_config_default(&s->cfg);
		ok = load(&ld, root);
	}
	ytree_free(root);
	if (!ok) {
		scenario_free(s);
		return NULL;
	}
	return s;
}

struct scenario *scenario_load(const char *path, struct iref_diag *diag)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		iref_diag_set(diag, path, 0, 0, "cannot open: %s",
			      strerror(errno));
		return NULL;
	}
	char *text = NULL;
	size_t len = 0, cap = 0;
	bool ok = true;
	for (;;) {
		if (len == cap) {
			cap = cap ? 2 * cap : 4096;
			char *t = realloc(text, cap);
			if (!t) {
				iref_diag_set(diag, path, 0, 0,
					      "out of memory");
				ok = false;
				break;
			}
			text = t;
		}
		size_t n = fread(text + len, 1, cap - len, f);
		len += n;
		if (n == 0) {
			if (ferror(f)) {
				iref_diag_set(diag, path, 0, 0,
					      "cannot read: %s",
					      strerror(errno));
				ok = false;
			}
			break;
		}
	}
	fclose(f);
	struct scenario *s = NULL;
	if (ok) {
		/* Images are found next to the scenario. */
		const char *slash = strrchr(path, '/');
		size_t dlen = slash ? (size_t)(slash - path) : 0;
		char *dir = malloc(dlen + 2);
		if (!dir) {
			iref_diag_set(diag, path, 0, 0, "out of memory");
		} else {
			if (slash && dlen == 0)
				dlen = 1; /* the root directory */
			memcpy(dir, path, dlen);
			dir[dlen] = '\0';
			s = scenario_parse(text, len, path, dir, diag);
			free(dir);
		}
	}
	free(text);
	return s;
}

void scenario_free(struct scenario *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_eps; i++)
		free((void *)s->eps[i].cfg.resv);
	for (size_t i = 0; i < s->n_mem; i++) {
		free(s->mem[i].data.p);
		free(s->mem[i].path);
	}
	for (size_t i = 0; i < s->n_steps; i++) {
		struct step *st = &s->steps[i];
		free(st->rd.p);
		free(st->data.p);
		free(st->req.props);
		free(st->events.rec);
	}
	free(s->eps);
	free(s->mem);
	free(s->steps);
	free(s->name);
	free(s);
}
