/* Reading YAML mappings through tables of fields (key, parser, where the
 * value goes), so every YAML input of the CLI gets the same checks:
 * unknown and duplicate keys, missing required keys, node types, number
 * widths and closed sets of names, each refused at its line and column.
 * The scenario loader uses it; configuration presets can too. */
#ifndef IREF_CLI_YFIELD_H
#define IREF_CLI_YFIELD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iommu-ref/error.h"
#include "ytree.h"

/* A value the input may leave out. */
struct opt {
	bool set;
	uint64_t v;
};

/* Bytes given as hex. */
struct bytes {
	uint8_t *p;
	size_t n;
};

/* Where refusals go. Embed it in a larger context to reach more state
 * from custom field parsers. */
struct yctx {
	const char *name; /* the file name of nodes without one */
	struct iref_diag *diag;
};

/* Refuse node n: diag gets its file, position and the message. Returns
 * false. */
bool yfail(struct yctx *y, const struct ynode *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* n must be of kind; what names the value in the message. */
bool ywant(struct yctx *y, const struct ynode *n, enum ynode_kind kind,
	   const char *what);
/* The key node of key in a mapping (for messages about the key), or NULL. */
const struct ynode *ykey(const struct ynode *map, const char *key);

/* Numbers: an unquoted decimal or 0x hex, unsigned, within bits. */
bool yparse_uint(struct yctx *y, const struct ynode *n, const char *what,
		 unsigned bits, uint64_t *out);

/* A closed set of names; tables end with {NULL, 0}. */
struct yname {
	const char *name;
	uint64_t value;
};
bool yparse_name(struct yctx *y, const struct ynode *n, const char *what,
		 const struct yname *t, uint64_t *out);

/* The same two checks on bare text (command lines, request files), so
 * every input of the CLI spells numbers and names alike. On error
 * diag->msg says why; file, line and column are left for the caller. */
bool ystr_uint(const char *s, const char *what, unsigned bits,
	       uint64_t *out, struct iref_diag *diag);
bool ystr_name(const char *s, const char *what, const struct yname *t,
	       uint64_t *out, struct iref_diag *diag);

/* Hex bytes: pairs of hex digits, white space allowed between pairs.
 * Replaces (and frees) out->p. */
bool yparse_hex(struct yctx *y, const struct ynode *n, const char *what,
		struct bytes *out);

/* A field of a mapping: the parser gets the value node and the base of
 * the destination; the value goes to base + off (size bytes). bits bounds
 * numbers, names is the set of a named value or flag list, sub the table
 * of a nested mapping read into the same base. Tables end with {0}. */
struct yfield;
typedef bool (*yfield_fn)(struct yctx *y, const struct ynode *v, void *base,
			  const struct yfield *f);
struct yfield {
	const char *key;
	yfield_fn parse;
	size_t off, size;
	unsigned bits;
	const struct yname *names;
	const struct yfield *sub;
	bool required;
	bool numeric; /* a number is accepted where a name is expected */
};

/* A field of member m of struct type. */
#define YFIELD(k, fn, type, m, ...)                                         \
	{                                                                   \
		.key = k, .parse = fn, .off = offsetof(type, m),            \
		.size = sizeof(((type *)0)->m), __VA_ARGS__                 \
	}

/* Read mapping n (what names it in messages) field by field into base. */
bool yparse_map(struct yctx *y, const struct ynode *n, const char *what,
		const struct yfield *fields, void *base);

/* Field parsers. Destinations: yf_uint, yf_name, yf_flags an unsigned
 * integer or enum of f->size bytes; the _opt variants a struct opt;
 * yf_bool a bool (yf_bool_opt a struct opt of 0 or 1); yf_hex a struct
 * bytes; yf_string a malloc'd char *; yf_node the value's const struct
 * ynode *, for a later pass. A flag set is a list of names (ORed) or a
 * number. */
bool yf_uint(struct yctx *y, const struct ynode *v, void *base,
	     const struct yfield *f);
bool yf_opt(struct yctx *y, const struct ynode *v, void *base,
	    const struct yfield *f);
bool yf_bool(struct yctx *y, const struct ynode *v, void *base,
	     const struct yfield *f);
bool yf_bool_opt(struct yctx *y, const struct ynode *v, void *base,
		 const struct yfield *f);
bool yf_name(struct yctx *y, const struct ynode *v, void *base,
	     const struct yfield *f);
bool yf_name_opt(struct yctx *y, const struct ynode *v, void *base,
		 const struct yfield *f);
bool yf_flags(struct yctx *y, const struct ynode *v, void *base,
	      const struct yfield *f);
bool yf_flags_opt(struct yctx *y, const struct ynode *v, void *base,
		  const struct yfield *f);
bool yf_hex(struct yctx *y, const struct ynode *v, void *base,
	    const struct yfield *f);
bool yf_string(struct yctx *y, const struct ynode *v, void *base,
	       const struct yfield *f);
bool yf_sub(struct yctx *y, const struct ynode *v, void *base,
	    const struct yfield *f);
bool yf_node(struct yctx *y, const struct ynode *v, void *base,
	     const struct yfield *f);

/* "a, b, c" lists for messages, cut short rather than overflowing. */
struct yjoin {
	char buf[240];
	size_t len;
};
void yjoin_add(struct yjoin *j, const char *item);

#endif
