#include "ytree.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* Deeper than any scenario needs; bounds the recursion of ytree_free. */
#define MAX_DEPTH 64

struct builder {
	const char *name;
	struct iref_diag *diag;
	struct ynode *root;
	struct ynode *stack[MAX_DEPTH];
	unsigned depth;
};

void ytree_free(struct ynode *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->nkids; i++)
		ytree_free(n->kids[i]);
	free(n->kids);
	free(n->str);
	free(n);
}

static struct ynode *node_new(const struct builder *b, enum ynode_kind kind,
			      yaml_mark_t mark)
{
	struct ynode *n = calloc(1, sizeof *n);
	if (n) {
		n->kind = kind;
		n->file = b->name;
		n->line = (unsigned)mark.line + 1;
		n->column = (unsigned)mark.column + 1;
	}
	return n;
}

/* Hang n under the innermost open collection (or make it the root). On
 * failure n is freed. */
static bool attach(struct builder *b, struct ynode *n)
{
	if (!b->depth) {
		b->root = n;
		return true;
	}
	struct ynode *parent = b->stack[b->depth - 1];
	if (parent->kind == YNODE_MAP && parent->nkids % 2 == 0 &&
	    n->kind != YNODE_SCALAR) {
		iref_diag_set(b->diag, b->name, n->line, n->column,
			      "a mapping key must be a scalar");
		ytree_free(n);
		return false;
	}
	if (parent->nkids == parent->cap) {
		size_t cap = parent->cap ? 2 * parent->cap : 8;
		struct ynode **k = realloc(parent->kids, cap * sizeof *k);
		if (!k) {
			iref_diag_set(b->diag, b->name, n->line, n->column,
				      "out of memory");
			ytree_free(n);
			return false;
		}
		parent->kids = k;
		parent->cap = cap;
	}
	parent->kids[parent->nkids++] = n;
	parent->n = parent->kind == YNODE_MAP ? parent->nkids / 2
					       : parent->nkids;
	return true;
}

static bool on_scalar(struct builder *b, const yaml_event_t *ev)
{
	struct ynode *n = node_new(b, YNODE_SCALAR, ev->start_mark);
	if (!n || !(n->str = malloc(ev->data.scalar.length + 1))) {
		free(n);
		iref_diag_set(b->diag, b->name, 0, 0, "out of memory");
		return false;
	}
	memcpy(n->str, ev->data.scalar.value, ev->data.scalar.length);
	n->str[ev->data.scalar.length] = '\0';
	n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	if (strlen(n->str) != ev->data.scalar.length) {
		iref_diag_set(b->diag, b->name, n->line, n->column,
			      "NUL character in a scalar");
		ytree_free(n);
		return false;
	}
	return attach(b, n);
}

static bool on_start(struct builder *b, enum ynode_kind kind,
		     const yaml_event_t *ev)
{
	struct ynode *n = node_new(b, kind, ev->start_mark);
	if (!n) {
		iref_diag_set(b->diag, b->name, 0, 0, "out of memory");
		return false;
	}
	if (b->depth == MAX_DEPTH) {
		iref_diag_set(b->diag, b->name, n->line, n->column,
			      "nesting deeper than %d levels", MAX_DEPTH);
		free(n);
		return false;
	}
	if (!attach(b, n))
		return false;
	b->stack[b->depth++] = n;
	return true;
}

/* Line and column of a byte offset (libyaml gives only the offset for
 * encoding errors). */
static void offset_mark(const char *text, size_t len, size_t off,
			unsigned *line, unsigned *column)
{
	*line = 1;
	*column = 1;
	for (size_t i = 0; i < off && i < len; i++) {
		if (text[i] == '\n') {
			++*line;
			*column = 1;
		} else {
			++*column;
		}
	}
}

static void syntax_error(struct builder *b, const yaml_parser_t *p,
			 const char *text, size_t len)
{
	const char *problem = p->problem ? p->problem : "syntax error";
	unsigned line, column;
	switch (p->error) {
	case YAML_MEMORY_ERROR:
		iref_diag_set(b->diag, b->name, 0, 0, "out of memory");
		return;
	case YAML_READER_ERROR:
		offset_mark(text, len, p->problem_offset, &line, &column);
		iref_diag_set(b->diag, b->name, line, column, "%s", problem);
		return;
	default:
		line = (unsigned)p->problem_mark.line + 1;
		column = (unsigned)p->problem_mark.column + 1;
		if (p->context)
			iref_diag_set(b->diag, b->name, line, column,
				      "%s (%s at line %u, column %u)", problem,
				      p->context,
				      (unsigned)p->context_mark.line + 1,
				      (unsigned)p->context_mark.column + 1);
		else
			iref_diag_set(b->diag, b->name, line, column, "%s",
				      problem);
	}
}

/* Explicit tags would ask for types we do not implement; refuse them
 * rather than silently reading "!!str 5" as a number. */
static bool no_tag(struct builder *b, const yaml_event_t *ev,
		   const yaml_char_t *tag)
{
	if (!tag)
		return true;
	iref_diag_set(b->diag, b->name, (unsigned)ev->start_mark.line + 1,
		      (unsigned)ev->start_mark.column + 1,
		      "YAML tags are not supported");
	return false;
}

static bool on_event(struct builder *b, const yaml_event_t *ev,
		     unsigned *docs)
{
	unsigned line = (unsigned)ev->start_mark.line + 1;
	unsigned column = (unsigned)ev->start_mark.column + 1;
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++*docs > 1) {
			iref_diag_set(b->diag, b->name, line, column,
				      "only one YAML document is allowed");
			return false;
		}
		return true;
	case YAML_ALIAS_EVENT:
		iref_diag_set(b->diag, b->name, line, column,
			      "YAML aliases are not supported");
		return false;
	case YAML_SCALAR_EVENT:
		return no_tag(b, ev, ev->data.scalar.tag) && on_scalar(b, ev);
	case YAML_SEQUENCE_START_EVENT:
		return no_tag(b, ev, ev->data.sequence_start.tag) &&
		       on_start(b, YNODE_SEQ, ev);
	case YAML_MAPPING_START_EVENT:
		return no_tag(b, ev, ev->data.mapping_start.tag) &&
		       on_start(b, YNODE_MAP, ev);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		b->depth--;
		return true;
	default:
		return true;
	}
}

struct ynode *ytree_parse(const char *text, size_t len, const char *name,
			  struct iref_diag *diag)
{
	struct builder b = {.name = name, .diag = diag};
	yaml_parser_t p;
	if (!yaml_parser_initialize(&p)) {
		iref_diag_set(diag, name, 0, 0, "out of memory");
		return NULL;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	unsigned docs = 0;
	bool ok = true, done = false;
	while (ok && !done) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&p, &ev)) {
			syntax_error(&b, &p, text, len);
			ok = false;
			break;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		ok = on_event(&b, &ev, &docs);
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	if (ok && !b.root) {
		iref_diag_set(diag, name, 1, 1, "empty document");
		ok = false;
	}
	if (!ok) {
		ytree_free(b.root);
		return NULL;
	}
	return b.root;
}

bool ynode_is_null(const struct ynode *n)
{
	return n->kind == YNODE_SCALAR && n->plain &&
	       (!n->str[0] || !strcmp(n->str, "~") || !strcmp(n->str, "null"));
}

const struct ynode *ynode_get(const struct ynode *map, const char *key)
{
	if (map->kind != YNODE_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (!strcmp(map->kids[2 * i]->str, key))
			return map->kids[2 * i + 1];
	return NULL;
}

const struct ynode *ynode_dup_key(const struct ynode *map)
{
	if (map->kind != YNODE_MAP)
		return NULL;
	/* Quadratic, but mappings hold a handful of keys. */
	for (size_t i = 1; i < map->n; i++)
		for (size_t j = 0; j < i; j++)
			if (!strcmp(map->kids[2 * j]->str, map->kids[2 * i]->str))
				return map->kids[2 * i];
	return NULL;
}

struct ynode **ytree_slot(struct ynode *map, const char *key)
{
	if (map->kind != YNODE_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (!strcmp(map->kids[2 * i]->str, key))
			return &map->kids[2 * i + 1];
	return NULL;
}

/* Remove pair i of a mapping, handing its value to the caller. */
static struct ynode *remove_pair(struct ynode *map, size_t i)
{
	struct ynode *v = map->kids[2 * i + 1];
	ytree_free(map->kids[2 * i]);
	memmove(&map->kids[2 * i], &map->kids[2 * i + 2],
		(map->nkids - 2 * i - 2) * sizeof *map->kids);
	map->nkids -= 2;
	map->n--;
	return v;
}

struct ynode *ytree_take(struct ynode *map, const char *key)
{
	if (map->kind != YNODE_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (!strcmp(map->kids[2 * i]->str, key))
			return remove_pair(map, i);
	return NULL;
}

void ytree_drop(struct ynode *map, const char *key)
{
	struct ynode *v;
	while ((v = ytree_take(map, key)))
		ytree_free(v);
}

/* The index of the pair of key in a mapping being taken apart (moved
 * pairs are NULL), or map->n. */
static size_t find_pair(const struct ynode *map, const char *key)
{
	size_t i = 0;
	while (i < map->n &&
	       (!map->kids[2 * i] || strcmp(map->kids[2 * i]->str, key)))
		i++;
	return i;
}

struct ynode *ytree_merge(struct ynode *base, struct ynode *over,
			  const char *what, struct iref_diag *diag)
{
	if (base->kind != YNODE_MAP || over->kind != YNODE_MAP) {
		ytree_free(base);
		return over;
	}
	/* A duplicate would be hidden by the merge: report it first, where
	 * it was written. */
	const struct ynode *dup = ynode_dup_key(base);
	if (!dup)
		dup = ynode_dup_key(over);
	if (dup) {
		iref_diag_set(diag, dup->file, dup->line, dup->column,
			      "duplicate key '%s' in %s", dup->str, what);
		goto fail;
	}
	size_t cap = base->nkids + over->nkids, n = 0;
	struct ynode **k = malloc((cap ? cap : 1) * sizeof *k);
	if (!k) {
		iref_diag_set(diag, over->file, over->line, over->column,
			      "out of memory");
		goto fail;
	}
	/* Moved pairs are set to NULL, so that freeing the remains of base
	 * and over on an error frees each node once. */
	for (size_t i = 0; i < base->n; i++) {
		if (ynode_get(over, base->kids[2 * i]->str))
			continue;
		k[n++] = base->kids[2 * i];
		k[n++] = base->kids[2 * i + 1];
		base->kids[2 * i] = base->kids[2 * i + 1] = NULL;
	}
	for (size_t i = 0; i < over->n; i++) {
		struct ynode *key = over->kids[2 * i];
		struct ynode *v = over->kids[2 * i + 1];
		over->kids[2 * i] = over->kids[2 * i + 1] = NULL;
		k[n++] = key;
		size_t j = find_pair(base, key->str);
		if (j < base->n) {
			struct ynode *bv = base->kids[2 * j + 1];
			base->kids[2 * j + 1] = NULL;
			v = ytree_merge(bv, v, key->str, diag);
		}
		if (!v) {
			for (size_t m = 0; m < n; m++)
				ytree_free(k[m]);
			free(k);
			goto fail;
		}
		k[n++] = v;
	}
	free(over->kids);
	over->kids = k;
	over->nkids = n;
	over->n = n / 2;
	over->cap = cap ? cap : 1;
	ytree_free(base);
	return over;
fail:
	ytree_free(base);
	ytree_free(over);
	return NULL;
}
