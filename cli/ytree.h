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
	unsigned line, column; /* 1-based */
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
 * (diag->file = name). An empty stream is an error too. */
struct ynode *ytree_parse(const char *text, size_t len, const char *name,
			  struct iref_diag *diag);
void ytree_free(struct ynode *n);

/* A plain empty scalar, "~" or "null": a key given without a value. */
bool ynode_is_null(const struct ynode *n);
/* The value of key in a mapping, or NULL. */
const struct ynode *ynode_get(const struct ynode *map, const char *key);

#endif
