/* A YAML document as a small tree of nodes that remember where they were
 * written, so every later complaint can name a line and column. Built from
 * libyaml's event stream; aliases, explicit tags and multi-document streams
 * are refused (a scenario has no use for them, and refusing aliases keeps
 * "billion laughs" inputs from blowing up the step count). */
#ifndef IREF_CLI_YTREE_H
#define IREF_CLI_YTREE_H

#include <stdbool.h>
#include <stddef.h>

#include "iommu-ref/error.h"

enum ynode_kind {
	YNODE_SCALAR,
	YNODE_SEQ,
	YNODE_MAP,
};

struct ynode {
	enum ynode_kind kind;
	/* Where it was written: the name given to ytree_parse (trees merged
	 * from several files keep each node's own) and a 1-based position. */
	const char *file;
	unsigned line, column;
	/* YNODE_SCALAR: NUL-terminated (scalars with an embedded NUL are
	 * refused); plain = unquoted, so it may be a number, bool or null. */
	char *str;
	bool plain;
	/* YNODE_SEQ: n items in kids. YNODE_MAP: n pairs, kids[2i] the key
	 * (always a scalar) and kids[2i+1] its value. */
	struct ynode **kids;
	size_t n;
	size_t nkids, cap; /* entries in kids (2n for a map), allocated */
};

/* Parse text[0..len) as one YAML document. NULL on error with diag set
 * (diag->file = name). An empty stream is an error too. Every node's
 * file is name, which must outlive the tree. */
struct ynode *ytree_parse(const char *text, size_t len, const char *name,
			  struct iref_diag *diag);
void ytree_free(struct ynode *n);

/* A plain empty scalar, "~" or "null": a key given without a value. */
bool ynode_is_null(const struct ynode *n);
/* The value of key in a mapping, or NULL. */
const struct ynode *ynode_get(const struct ynode *map, const char *key);
/* The second key node of the first key a mapping holds twice, or NULL. */
const struct ynode *ynode_dup_key(const struct ynode *map);

/* Editing trees (configuration presets). Where the value of key sits in a
 * mapping (the first one), so it can be replaced; NULL if absent. */
struct ynode **ytree_slot(struct ynode *map, const char *key);
/* Detach the value of key (the first one) and remove its pair; the caller
 * owns the value. NULL if absent. */
struct ynode *ytree_take(struct ynode *map, const char *key);
/* Remove every pair of key. */
void ytree_drop(struct ynode *map, const char *key);
/* Merge over onto base, consuming both: where both are mappings, the
 * result holds base's keys that over does not give, then over's keys,
 * each merged with base's value of that key when both values are
 * mappings; otherwise over replaces base. Nodes keep their file and
 * position; a merged mapping takes over's. NULL on error with diag set:
 * a duplicate key (what names the mapping), out of memory. */
struct ynode *ytree_merge(struct ynode *base, struct ynode *over,
			  const char *what, struct iref_diag *diag);

#endif
