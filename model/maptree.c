/*
 * The mapping store: a B+tree keyed by virt_start.
 *
 * Leaves hold up to 32 mappings (1088 bytes), inner nodes up to 64 children
 * (1088 bytes): a million mappings take four node visits per lookup and
 * about 50 bytes each. Every node starts with its key array, cache-line
 * aligned, so a search touches only those lines. Key slots past the live
 * ones hold KEY_PAD so the search can run branch-free over the whole
 * fixed-size array.
 *
 * In an inner node key[i] (i >= 1) is exactly the smallest virt_start under
 * child[i]; key[0] is unused and kept 0. Exact separators make the leaf a
 * descent reaches hold the predecessor of the search key whenever one
 * exists, so lookup, overlap check and successor need no sibling walk.
 *
 * Every non-root node is at least half full, except that nodes on the
 * rightmost spine may hold as few as two entries: appending past the end of
 * the tree splits a full node into a full one and one holding two entries
 * instead of two halves, which packs ascending (dense) mappings nearly
 * full.
 *
 * Nodes come from per-kind pools carved out of slabs; freed nodes go back
 * to the pool and slabs are only released when the tree becomes empty.
 * Updates take the nodes they may need from the pool before changing
 * anything, so running out of memory leaves the tree as it was.
 */
#include "iommu-ref/maptree.h"

#include <stdlib.h>
#include <string.h>

#define LEAF_CAP	32
#define INNER_CAP	64
#define LINE		64
#define KEY_PAD		UINT64_MAX
#define KEYS_PER_LINE	(LINE / sizeof(uint64_t))
/* Off the rightmost spine, nodes below the root are at least half full, so
 * h inner levels hold at least 16 * 32^(h-1) mappings: 2^64 mappings need
 * at most 13. */
#define MAX_HEIGHT	16
/* Slabs start small so a small tree stays small, then double up to this. */
#define SLAB_MAX_OBJS	256

_Static_assert(LEAF_CAP % KEYS_PER_LINE == 0 && INNER_CAP % KEYS_PER_LINE == 0,
	       "rank() counts whole cache lines of keys");

struct leaf_val {
	uint64_t end;
	uint64_t phys;
	uint32_t flags;
};

struct leaf {
	_Alignas(LINE) uint64_t key[LEAF_CAP];
	struct leaf_val val[LEAF_CAP];
	unsigned n;
};

struct inner {
	_Alignas(LINE) uint64_t key[INNER_CAP];
	void *child[INNER_CAP];
	unsigned n;
};

struct free_obj {
	struct free_obj *next;
};

struct slab {
	_Alignas(LINE) struct slab *next;
};

struct pool {
	size_t obj_size;
	size_t slab_objs;	/* objects in the next slab */
	size_t nfree;
	size_t nobjs;
	size_t bytes;
	struct free_obj *free;
	struct slab *slabs;
};

struct iref_maptree {
	void *root;		/* NULL when empty */
	unsigned height;	/* inner levels above the leaves */
	size_t count;
	size_t max_bytes;	/* 0: unlimited */
	struct pool leaves;
	struct pool inners;
};

/* The inner nodes a descent went through and the child taken in each. */
struct path {
	struct inner *node[MAX_HEIGHT];
	unsigned idx[MAX_HEIGHT];
};

/* A node seen generically: leaves and inner nodes differ only in the
 * payload riding along with each key. */
struct view {
	uint64_t *key;
	unsigned char *pay;
	unsigned *n;
	size_t psize;
	unsigned cap;
};

static void pool_init(struct pool *p, size_t obj_size)
{
	*p = (struct pool){ .obj_size = obj_size, .slab_objs = 1 };
}

static void pool_put(struct pool *p, void *obj)
{
	struct free_obj *o = obj;

	o->next = p->free;
	p->free = o;
	p->nfree++;
}

static void *pool_get(struct pool *p)
{
	struct free_obj *o = p->free;

	p->free = o->next;
	p->nfree--;
	return o;
}

static void pool_release(struct pool *p)
{
	while (p->slabs) {
		struct slab *s = p->slabs;

		p->slabs = s->next;
		free(s);
	}
	pool_init(p, p->obj_size);
}

static size_t tree_bytes(const struct iref_maptree *t)
{
	return sizeof(*t) + t->leaves.bytes + t->inners.bytes;
}

/* Make sure p can hand out n objects without allocating. */
static bool pool_reserve(struct iref_maptree *t, struct pool *p, size_t n)
{
	while (p->nfree < n) {
		size_t size = sizeof(struct slab) + p->slab_objs * p->obj_size;

		if (t->max_bytes && tree_bytes(t) + size > t->max_bytes)
			return false;
		struct slab *s = aligned_alloc(LINE, size);
		if (!s)
			return false;
		s->next = p->slabs;
		p->slabs = s;
		p->bytes += size;
		p->nobjs += p->slab_objs;
		/* Pushed backwards so they are handed out in address order. */
		for (size_t i = p->slab_objs; i--;)
			pool_put(p, (unsigned char *)(s + 1) + i * p->obj_size);
		if (p->slab_objs < SLAB_MAX_OBJS)
			p->slab_objs *= 2;
	}
	return true;
}

static bool is_leaf(const struct iref_maptree *t, unsigned depth)
{
	return depth == t->height;
}

static struct pool *pool_of(struct iref_maptree *t, bool leaf)
{
	return leaf ? &t->leaves : &t->inners;
}

static struct view view_of(void *node, bool leaf)
{
	if (leaf) {
		struct leaf *l = node;

		return (struct view){ l->key, (unsigned char *)l->val, &l->n,
				      sizeof(l->val[0]), LEAF_CAP };
	}
	struct inner *in = node;

	return (struct view){ in->key, (unsigned char *)in->child, &in->n,
			      sizeof(in->child[0]), INNER_CAP };
}

/* An empty node from the pool (which must hold one). */
static void *node_get(struct iref_maptree *t, bool leaf)
{
	void *node = pool_get(pool_of(t, leaf));
	struct view v = view_of(node, leaf);

	memset(v.key, 0xff, v.cap * sizeof(*v.key));
	*v.n = 0;
	return node;
}

/* Open cnt slots at pos (their contents undefined). */
static void view_open(const struct view *v, unsigned pos, unsigned cnt)
{
	unsigned tail = *v->n - pos;

	memmove(v->key + pos + cnt, v->key + pos, tail * sizeof(*v->key));
	memmove(v->pay + (pos + cnt) * v->psize, v->pay + pos * v->psize,
		tail * v->psize);
	*v->n += cnt;
}

/* Remove slots [from, to), padding the key slots this frees. */
static void view_close(const struct view *v, unsigned from, unsigned to)
{
	unsigned n = *v->n;

	memmove(v->key + from, v->key + to, (n - to) * sizeof(*v->key));
	memmove(v->pay + from * v->psize, v->pay + to * v->psize,
		(n - to) * v->psize);
	*v->n = n - (to - from);
	for (unsigned i = *v->n; i < n; i++)
		v->key[i] = KEY_PAD;
}

static void view_insert(const struct view *v, unsigned pos, uint64_t key,
			const void *pay)
{
	view_open(v, pos, 1);
	v->key[pos] = key;
	memcpy(v->pay + pos * v->psize, pay, v->psize);
}

/* Move cnt slots of src starting at from to dst at position at. */
static void view_splice(const struct view *dst, unsigned at,
			const struct view *src, unsigned from, unsigned cnt)
{
	view_open(dst, at, cnt);
	memcpy(dst->key + at, src->key + from, cnt * sizeof(*dst->key));
	memcpy(dst->pay + at * dst->psize, src->pay + from * src->psize,
	       cnt * dst->psize);
	view_close(src, from, from + cnt);
}

/*
 * How many of the n live keys are <= x. Two rounds of independent
 * compares instead of a binary search's chain of dependent ones: the last
 * key of each cache line picks the line, then that line's keys are counted.
 * Pads compare greater than any x but KEY_PAD itself, which is the one
 * case the final clamp is for.
 */
static inline unsigned rank(const uint64_t *key, unsigned cap, unsigned n,
			    uint64_t x)
{
	unsigned line = 0, count = 0;

	for (unsigned j = KEYS_PER_LINE - 1; j < cap - 1; j += KEYS_PER_LINE)
		line += key[j] <= x;
	key += line * KEYS_PER_LINE;
	for (unsigned j = 0; j < KEYS_PER_LINE; j++)
		count += key[j] <= x;
	count += line * KEYS_PER_LINE;
	return count < n ? count : n;
}

/* How many keys of a leaf are <= x. */
static inline unsigned leaf_rank(const struct leaf *l, uint64_t x)
{
	return rank(l->key, LEAF_CAP, l->n, x);
}

/* How many keys of a leaf are < x. */
static inline unsigned leaf_below(const struct leaf *l, uint64_t x)
{
	return x ? leaf_rank(l, x - 1) : 0;
}

static inline void prefetch(const void *p, size_t bytes)
{
	for (size_t off = 0; off < bytes; off += LINE)
		__builtin_prefetch((const char *)p + off);
}

/* The leaf whose key range holds x; records the way down in p if not
 * NULL. The tree must not be empty. */
static inline struct leaf *descend(const struct iref_maptree *t, uint64_t x,
				   struct path *p)
{
	void *node = t->root;

	for (unsigned d = 0; d < t->height; d++) {
		struct inner *in = node;
		/* key[0] is 0, so the rank is at least 1. */
		unsigned i = rank(in->key, INNER_CAP, in->n, x) - 1;

		if (p) {
			p->node[d] = in;
			p->idx[d] = i;
		}
		node = in->child[i];
		/* Start fetching every line the child's search may touch at
		 * once rather than one after the other. In a leaf that is all
		 * of it: a lookup reads one value slot, an update shifts
		 * them. */
		if (d + 1 < t->height)
			prefetch(node, sizeof(in->key));
		else
			prefetch(node, sizeof(struct leaf));
	}
	return node;
}

/* The leaf and slot holding the greatest virt_start <= x; NULL if none. */
static const struct leaf *pred(const struct iref_maptree *t, uint64_t x,
			       unsigned *slot)
{
	if (!t->root)
		return NULL;
	const struct leaf *l = descend(t, x, NULL);
	unsigned r = leaf_rank(l, x);

	if (!r)
		return NULL;
	*slot = r - 1;
	return l;
}

/* The smallest key right of the leaf p leads to. */
static bool next_key(const struct iref_maptree *t, const struct path *p,
		     uint64_t *key)
{
	for (unsigned d = t->height; d--;) {
		if (p->idx[d] + 1 < p->node[d]->n) {
			*key = p->node[d]->key[p->idx[d] + 1];
			return true;
		}
	}
	return false;
}

static bool rightmost(const struct iref_maptree *t, const struct path *p)
{
	for (unsigned d = 0; d < t->height; d++)
		if (p->idx[d] + 1 < p->node[d]->n)
			return false;
	return true;
}

/* The node at depth of p has a new smallest key: update the one separator
 * that records it (none on the leftmost spine). */
static void set_sep(const struct path *p, unsigned depth, uint64_t key)
{
	while (depth--) {
		if (p->idx[depth]) {
			p->node[depth]->key[p->idx[depth]] = key;
			return;
		}
	}
}

/* Fill the pools with what inserting into the (full) leaf p leads to
 * needs: the leaf's sibling, one node per full ancestor, maybe a root. */
static bool reserve_split(struct iref_maptree *t, const struct path *p)
{
	unsigned d = t->height;

	while (d && p->node[d - 1]->n == INNER_CAP)
		d--;
	return pool_reserve(t, &t->leaves, 1) &&
	       pool_reserve(t, &t->inners, t->height - d + !d);
}

/* Put (key, pay) at slot pos of node, at depth of path p, splitting full
 * nodes upward. The pools hold what this needs (see reserve_split). */
static void put(struct iref_maptree *t, const struct path *p, unsigned depth,
		void *node, unsigned pos, uint64_t key, const void *pay,
		bool append)
{
	void *split;	/* the new right half, to hang next to node */

	for (;;) {
		struct view v = view_of(node, is_leaf(t, depth));

		if (*v.n < v.cap) {
			view_insert(&v, pos, key, pay);
			return;
		}
		void *right = node_get(t, is_leaf(t, depth));
		struct view r = view_of(right, is_leaf(t, depth));
		unsigned keep = append ? v.cap - 1 : v.cap / 2;

		view_splice(&r, 0, &v, keep, v.cap - keep);
		if (pos < keep)
			view_insert(&v, pos, key, pay);
		else
			view_insert(&r, pos - keep, key, pay);
		key = r.key[0];
		if (!is_leaf(t, depth))
			r.key[0] = 0;
		split = right;
		pay = &split;
		if (!depth)
			break;
		depth--;
		node = p->node[depth];
		pos = p->idx[depth] + 1;
	}
	struct inner *root = node_get(t, false);

	root->key[0] = 0;
	root->child[0] = t->root;
	root->key[1] = key;
	root->child[1] = split;
	root->n = 2;
	t->root = root;
	t->height++;
}

/* Restore the fill invariant upward from node, at the bottom of p, after
 * removals from it. */
static void rebalance(struct iref_maptree *t, const struct path *p,
		      void *node)
{
	for (unsigned d = t->height; d; d--) {
		bool leaf = is_leaf(t, d);
		struct view v = view_of(node, leaf);

		if (*v.n >= v.cap / 2)
			return;
		/* Pair node with its left sibling, or its right one if first. */
		struct inner *parent = p->node[d - 1];
		unsigned bi = p->idx[d - 1] ? p->idx[d - 1] : 1;
		struct view a = view_of(parent->child[bi - 1], leaf);
		struct view b = view_of(parent->child[bi], leaf);
		/* Only an emptied leaf can gain a new smallest key here, and
		 * it always merges. */
		bool a_empty = !*a.n;
		unsigned total = *a.n + *b.n;

		if (!leaf)
			b.key[0] = parent->key[bi];
		if (total <= v.cap) {
			struct view pv = view_of(parent, false);

			view_splice(&a, *a.n, &b, 0, *b.n);
			pool_put(pool_of(t, leaf), parent->child[bi]);
			view_close(&pv, bi, bi + 1);
			if (a_empty)
				set_sep(p, d, a.key[0]);
			node = parent;
			continue;
		}
		if (*a.n > total / 2)
			view_splice(&b, 0, &a, total / 2, *a.n - total / 2);
		else
			view_splice(&a, *a.n, &b, 0, total / 2 - *a.n);
		parent->key[bi] = b.key[0];
		if (!leaf)
			b.key[0] = 0;
		return;
	}
	if (t->height) {
		struct inner *root = t->root;

		if (root->n == 1) {
			t->root = root->child[0];
			pool_put(&t->inners, root);
			t->height--;
		}
	} else if (!((struct leaf *)t->root)->n) {
		iref_maptree_clear(t);
	}
}

struct iref_maptree *iref_maptree_create(void)
{
	struct iref_maptree *t = malloc(sizeof(*t));

	if (!t)
		return NULL;
	*t = (struct iref_maptree){ 0 };
	pool_init(&t->leaves, sizeof(struct leaf));
	pool_init(&t->inners, sizeof(struct inner));
	return t;
}

void iref_maptree_destroy(struct iref_maptree *t)
{
	if (!t)
		return;
	iref_maptree_clear(t);
	free(t);
}

void iref_maptree_set_max_bytes(struct iref_maptree *t, size_t max)
{
	t->max_bytes = max;
}

enum iref_rc iref_maptree_insert(struct iref_maptree *t,
				 const struct iref_mapping *m)
{
	const struct leaf_val val = { m->virt_end, m->phys_start, m->flags };

	if (m->virt_end < m->virt_start)
		return IREF_E_INVAL;
	if (!t->root) {
		if (!pool_reserve(t, &t->leaves, 1))
			return IREF_E_NOMEM;
		t->root = node_get(t, true);
		struct view v = view_of(t->root, true);

		view_insert(&v, 0, m->virt_start, &val);
		t->count = 1;
		return IREF_OK;
	}
	/* No separator lies inside a free range, so descending by virt_end
	 * reaches the leaf virt_start belongs in, and the one mapping that
	 * can overlap is the predecessor of virt_end. */
	struct path p;
	struct leaf *l = descend(t, m->virt_end, &p);
	unsigned pos = leaf_rank(l, m->virt_end);
	bool append = false;

	if (pos && l->val[pos - 1].end >= m->virt_start)
		return IREF_E_EXIST;
	if (l->n == LEAF_CAP) {
		if (!reserve_split(t, &p))
			return IREF_E_NOMEM;
		append = pos == LEAF_CAP && rightmost(t, &p);
	}
	put(t, &p, t->height, l, pos, m->virt_start, &val, append);
	t->count++;
	return IREF_OK;
}

bool iref_maptree_lookup(const struct iref_maptree *t, uint64_t addr,
			 struct iref_mapping *out)
{
	unsigned i;
	const struct leaf *l = pred(t, addr, &i);

	if (!l || l->val[i].end < addr)
		return false;
	*out = (struct iref_mapping){
		.virt_start = l->key[i],
		.virt_end = l->val[i].end,
		.phys_start = l->val[i].phys,
		.flags = l->val[i].flags,
	};
	return true;
}

bool iref_maptree_intersects(const struct iref_maptree *t, uint64_t start,
			     uint64_t end)
{
	/* Any intersecting mapping ends at or after start, and so does every
	 * mapping after it: checking the last one starting <= end suffices. */
	unsigned i;
	const struct leaf *l = start <= end ? pred(t, end, &i) : NULL;

	return l && l->val[i].end >= start;
}

enum iref_rc iref_maptree_unmap(struct iref_maptree *t, uint64_t start,
				uint64_t end, size_t *removed)
{
	size_t before = t->count;
	struct iref_mapping m;
	struct path p;

	if (removed)
		*removed = 0;
	if (end < start)
		return IREF_E_INVAL;
	if (!t->root)
		return IREF_OK;
	/*
	 * Only the first intersecting mapping can start before start and only
	 * the last can end after end; the ones between lie inside. The first
	 * is the last one starting below start, in the leaf start leads to;
	 * so is the last unless that leaf has nothing past end.
	 */
	struct leaf *l = descend(t, start, &p);
	unsigned first = leaf_below(l, start);
	unsigned stop = leaf_rank(l, end);

	if ((first && l->val[first - 1].end >= start) ||
	    (stop < l->n ? stop && l->val[stop - 1].end > end :
	     iref_maptree_lookup(t, end, &m) && m.virt_end > end))
		return IREF_E_RANGE;

	/* Remove the keys in [start, end] a leaf's run at a time; cur only
	 * moves on when the leaf covering it has nothing left in range. */
	uint64_t cur = start;

	for (;;) {
		if (first < stop) {
			bool more = stop == l->n;
			struct view v = view_of(l, true);

			view_close(&v, first, stop);
			t->count -= stop - first;
			if (!first && l->n)
				set_sep(&p, t->height, l->key[0]);
			rebalance(t, &p, l);
			if (!more || !t->root)
				break;
		} else if (stop < l->n || !next_key(t, &p, &cur) || cur > end) {
			break;
		}
		l = descend(t, cur, &p);
		first = leaf_below(l, cur);
		stop = leaf_rank(l, end);
	}
	if (removed)
		*removed = before - t->count;
	return IREF_OK;
}

size_t iref_maptree_count(const struct iref_maptree *t)
{
	return t->count;
}

void iref_maptree_clear(struct iref_maptree *t)
{
	pool_release(&t->leaves);
	pool_release(&t->inners);
	t->root = NULL;
	t->height = 0;
	t->count = 0;
}

size_t iref_maptree_bytes(const struct iref_maptree *t)
{
	return tree_bytes(t);
}

static bool walk(const struct iref_maptree *t, const void *node,
		 unsigned depth,
		 bool (*fn)(void *ctx, const struct iref_mapping *m), void *ctx)
{
	if (is_leaf(t, depth)) {
		const struct leaf *l = node;

		for (unsigned i = 0; i < l->n; i++) {
			const struct iref_mapping m = {
				.virt_start = l->key[i],
				.virt_end = l->val[i].end,
				.phys_start = l->val[i].phys,
				.flags = l->val[i].flags,
			};

			if (!fn(ctx, &m))
				return false;
		}
		return true;
	}
	const struct inner *in = node;

	for (unsigned i = 0; i < in->n; i++)
		if (!walk(t, in->child[i], depth + 1, fn, ctx))
			return false;
	return true;
}

void iref_maptree_foreach(const struct iref_maptree *t,
			  bool (*fn)(void *ctx, const struct iref_mapping *m),
			  void *ctx)
{
	if (t->root)
		walk(t, t->root, 0, fn, ctx);
}

struct check {
	uint64_t prev_end;
	bool have_prev;
	size_t mappings;
	size_t leaves;
	size_t inners;
};

/* Validate the subtree at node; *min receives its smallest key. */
static bool check_node(const struct iref_maptree *t, void *node,
		       unsigned depth, bool right, struct check *c,
		       uint64_t *min)
{
	struct view v = view_of(node, is_leaf(t, depth));
	unsigned n = *v.n;
	unsigned least = !depth ? (is_leaf(t, depth) ? 1 : 2)
				: (right ? 2 : v.cap / 2);

	if (n < least || n > v.cap)
		return false;
	for (unsigned i = n; i < v.cap; i++)
		if (v.key[i] != KEY_PAD)
			return false;
	if (is_leaf(t, depth)) {
		const struct leaf *l = node;

		for (unsigned i = 0; i < n; i++) {
			if (l->val[i].end < l->key[i] ||
			    (c->have_prev && l->key[i] <= c->prev_end))
				return false;
			c->prev_end = l->val[i].end;
			c->have_prev = true;
		}
		c->mappings += n;
		c->leaves++;
		*min = l->key[0];
		return true;
	}
	const struct inner *in = node;

	if (in->key[0] != 0)
		return false;
	c->inners++;
	for (unsigned i = 0; i < n; i++) {
		uint64_t sub;

		if (!check_node(t, in->child[i], depth + 1,
				right && i == n - 1, c, &sub))
			return false;
		if (!i)
			*min = sub;
		else if (sub != in->key[i])
			return false;
	}
	return true;
}

bool iref_maptree_check(const struct iref_maptree *t)
{
	struct check c = { 0 };
	uint64_t min;

	if (!t->root)
		return !t->count && !t->height && !t->leaves.nobjs &&
		       !t->inners.nobjs;
	if (t->height >= MAX_HEIGHT ||
	    !check_node(t, t->root, 0, true, &c, &min))
		return false;
	/* Every pooled node is either in the tree or on a free list. */
	return c.mappings == t->count &&
	       c.leaves + t->leaves.nfree == t->leaves.nobjs &&
	       c.inners + t->inners.nfree == t->inners.nobjs;
}
