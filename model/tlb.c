/*
 * The set-associative engine behind iref_tlb and iref_wcache.
 *
 * An engine has up to IREF_TLB_MAX_ARRAYS arrays and one class per
 * (stage, size) it holds, sorted by stage then size; stage 0 is the TLB's
 * leaves, stages 1 and 2 the walk cache's. Each class lives in one array;
 * several classes may share an array, indexing its sets with their own
 * page number. Probing a stage's classes in order is smallest size first,
 * which for a walk cache is deepest level first.
 *
 * Entries are 32 bytes (one aligned half line): tag words va and ctx, then
 * the payload. va is page base | class << 1 | 1: bit 0 is the valid bit
 * and the class keeps pages of different sizes or stages apart in a shared
 * array, so one compare checks address, size and validity. ctx is
 * domain << 32 | asid, with asid GLOBAL_ASID for global entries, so a
 * probe accepts one of two ctx values and needs no flag test.
 *
 * Each set also has a contiguous row of one-byte fingerprints of its
 * entries' va and domain (0: invalid), padded to a multiple of eight. A
 * probe tests eight fingerprints per 64-bit word and compares the full tag
 * of candidates only: a hit reads one fingerprint word and the one line
 * holding the entry, and takes no data-dependent branch on which way hit.
 *
 * Replacement state lives beside the entries: LRU and FIFO keep a 64-bit
 * stamp per entry from a per-engine clock (LRU stamps on fill and hit, FIFO
 * on fill only) and evict the smallest; PLRU keeps ways - 1 tree bits per
 * set; random draws from a seeded splitmix64. Every policy takes the
 * lowest invalid way first.
 */
#include "iommu-ref/tlb.h"

#include <stdlib.h>
#include <string.h>

#include "iommu-ref/access.h"

_Static_assert(IREF_ACC_READ == IREF_PERM_R && IREF_ACC_WRITE == IREF_PERM_W &&
	       IREF_ACC_EXEC == IREF_PERM_X,
	       "a lookup tests access bits against permission bits");

#define LINE		64
#define MIN_SHIFT	12
#define PAGE_LOW	((UINT64_C(1) << MIN_SHIFT) - 1)
#define VALID		UINT64_C(1)
#define GLOBAL_ASID	(UINT32_MAX - 1)
#define PERM_ALL	(IREF_PERM_R | IREF_PERM_W | IREF_PERM_X)
#define N_STAGES	3
#define MAX_CLASSES	(64 * 2)
#define F_GLOBAL	1u
#define PLRU_H		6 /* tree levels per 64-bit word */
#define INV_FLAGS	(IREF_TLB_INV_DOMAIN | IREF_TLB_INV_ASID | \
			 IREF_TLB_INV_GLOBAL | IREF_TLB_INV_HAS_ASID | \
			 IREF_TLB_INV_RANGE | IREF_TLB_INV_LEAF | \
			 IREF_TLB_INV_SIZE)

_Static_assert(MAX_CLASSES << 1 <= PAGE_LOW, "class bits fit below a page");

struct entry {
	uint64_t va;	/* page base | class << 1 | VALID; 0 when invalid */
	uint64_t ctx;	/* domain << 32 | asid */
	uint64_t out;	/* output page base or next-table address */
	uint32_t attrs;
	uint8_t perm;
	int8_t level;
	uint8_t leaf_shift;	/* log2 of the leaf's size (TLB) */
	uint8_t flags;		/* F_GLOBAL as inserted */
};

_Static_assert(sizeof(struct entry) == 32, "32-byte entries");

struct array {
	struct entry *ent;	/* sets * ways, set-major */
	uint8_t *fp;		/* fingerprints, fp_stride bytes per set */
	uint64_t *repl;		/* LRU/FIFO stamps, PLRU bits, or NULL */
	uint64_t set_mask;
	uint32_t ways;
	uint32_t fp_stride;	/* ways rounded up to 8; 0 pads */
	/* Tree PLRU (see plru_touch): words per set, log2(ways), height of
	 * the top block and the masks of plru_masks(). */
	uint32_t plru_words;
	unsigned plru_depth;
	unsigned plru_top;
	uint64_t *plru_mask;
};

struct klass {
	uint64_t key;		/* class << 1 | VALID */
	uint64_t mask;		/* size - 1 */
	unsigned shift;
	unsigned arr;		/* index in engine.arr */
	/* A copy of engine.arr[arr], whose fields never change after
	 * creation: a probe reads it here, with no pointer to chase. */
	struct array a;
};

struct engine {
	enum iref_tlb_policy policy;
	bool walk;	/* walk cache: LEAF removes nothing, SIZE unused */
	uint64_t clock;
	uint64_t rng;
	uint64_t hits, misses, fills, evictions, invalidated;
	unsigned n_arrays;
	unsigned first[N_STAGES], end[N_STAGES]; /* classes of a stage */
	struct array arr[IREF_TLB_MAX_ARRAYS];
	struct klass cls[MAX_CLASSES];
};

struct iref_tlb {
	struct engine e;
};

struct iref_wcache {
	struct engine e;
};

static const char *const policy_names[IREF_TLB_POLICY_COUNT] = {
	[IREF_TLB_LRU] = "lru",
	[IREF_TLB_PLRU] = "plru",
	[IREF_TLB_FIFO] = "fifo",
	[IREF_TLB_RANDOM] = "random",
};

const char *iref_tlb_policy_name(enum iref_tlb_policy p)
{
	return (unsigned)p < IREF_TLB_POLICY_COUNT ? policy_names[p] : NULL;
}

int iref_tlb_policy_parse(const char *name)
{
	for (int i = 0; i < IREF_TLB_POLICY_COUNT; i++)
		if (strcmp(name, policy_names[i]) == 0)
			return i;
	return -1;
}

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

static unsigned log2_64(uint64_t v)
{
	return (unsigned)__builtin_ctzll(v);
}

static uint64_t ctx_of(uint32_t domain, uint32_t asid)
{
	return (uint64_t)domain << 32 | asid;
}

static size_t array_entries(const struct array *a)
{
	return (a->set_mask + 1) * a->ways;
}

static bool valid_page_size(uint64_t size)
{
	return is_pow2(size) && size > PAGE_LOW;
}

/* ---- Creation ---- */

static void *alloc_lines(size_t n, size_t size)
{
	size_t bytes = (n * size + LINE - 1) / LINE * LINE;
	void *p = aligned_alloc(LINE, bytes);

	if (p)
		memset(p, 0, bytes);
	return p;
}

static void engine_free(struct engine *e)
{
	for (unsigned i = 0; i < e->n_arrays; i++) {
		free(e->arr[i].ent);
		free(e->arr[i].fp);
		free(e->arr[i].repl);
		free(e->arr[i].plru_mask);
	}
}

static enum iref_rc check_array(const struct iref_tlb_cfg *cfg, unsigned i,
				bool walk, struct iref_diag *diag)
{
	const struct iref_tlb_array_cfg *ac = &cfg->array[i];

	if (!ac->entries || !ac->ways) {
		iref_diag_set(diag, NULL, 0, 0,
			      "array %u: entries and ways must be at least 1",
			      i);
		return IREF_E_INVAL;
	}
	if (ac->entries > IREF_TLB_MAX_ENTRIES) {
		iref_diag_set(diag, NULL, 0, 0,
			      "array %u: %u entries, more than %u", i,
			      ac->entries, IREF_TLB_MAX_ENTRIES);
		return IREF_E_RANGE;
	}
	if (ac->entries % ac->ways) {
		iref_diag_set(diag, NULL, 0, 0,
			      "array %u: %u entries are not a multiple of "
			      "%u ways", i, ac->entries, ac->ways);
		return IREF_E_INVAL;
	}
	if (!is_pow2(ac->entries / ac->ways)) {
		iref_diag_set(diag, NULL, 0, 0,
			      "array %u: %u sets is not a power of two", i,
			      ac->entries / ac->ways);
		return IREF_E_INVAL;
	}
	if (cfg->policy == IREF_TLB_PLRU && !is_pow2(ac->ways)) {
		iref_diag_set(diag, NULL, 0, 0,
			      "array %u: tree PLRU needs a power-of-two number "
			      "of ways, not %u", i, ac->ways);
		return IREF_E_INVAL;
	}
	if (!ac->sizes || (ac->sizes & PAGE_LOW)) {
		iref_diag_set(diag, NULL, 0, 0,
			      "array %u: sizes 0x%llx must hold at least one "
			      "size, each at least 4 KiB", i,
			      (unsigned long long)ac->sizes);
		return IREF_E_INVAL;
	}
	if (walk &&
	    (!ac->stages || (ac->stages & ~(IREF_WC_S1 | IREF_WC_S2)))) {
		iref_diag_set(diag, NULL, 0, 0,
			      "array %u: walk-cache stages 0x%x must be stage "
			      "1, stage 2 or both", i, ac->stages);
		return IREF_E_INVAL;
	}
	if (!walk && ac->stages) {
		iref_diag_set(diag, NULL, 0, 0,
			      "array %u: a TLB array has no stages (0x%x)", i,
			      ac->stages);
		return IREF_E_INVAL;
	}
	return IREF_OK;
}

/* For each way l of a block of height h: the bits of its path (table[l])
 * and their values after an access to l (table[64 + l]), each pointing
 * away from l. */
static void plru_masks(uint64_t *table, unsigned h)
{
	for (unsigned l = 0; l < 1u << h; l++) {
		unsigned node = 1;

		for (unsigned d = h; d-- > 0;) {
			unsigned right = (l >> d) & 1;

			table[l] |= UINT64_C(1) << node;
			table[(1u << PLRU_H) + l] |=
				(uint64_t)(right ^ 1) << node;
			node = 2 * node + right;
		}
	}
}

static bool alloc_array(struct array *a, const struct iref_tlb_array_cfg *ac,
			enum iref_tlb_policy policy)
{
	size_t sets = ac->entries / ac->ways;

	a->ways = ac->ways;
	a->set_mask = sets - 1;
	a->ent = alloc_lines(ac->entries, sizeof(struct entry));
	a->fp_stride = (ac->ways + 7) / 8 * 8;
	a->fp = alloc_lines(sets, a->fp_stride);
	if (!a->ent || !a->fp)
		return false;
	switch (policy) {
	case IREF_TLB_LRU:
	case IREF_TLB_FIFO:
		a->repl = alloc_lines(ac->entries, sizeof(uint64_t));
		return a->repl != NULL;
	case IREF_TLB_PLRU:
		a->plru_depth = log2_64(ac->ways);
		a->plru_top = a->plru_depth ? (a->plru_depth - 1) % PLRU_H + 1
					    : 0;
		a->plru_words = 1;
		for (unsigned above = a->plru_top; above < a->plru_depth;
		     above += PLRU_H)
			a->plru_words += 1u << above;
		a->repl = alloc_lines(sets * a->plru_words, sizeof(uint64_t));
		a->plru_mask = alloc_lines(4 << PLRU_H, sizeof(uint64_t));
		if (!a->repl || !a->plru_mask)
			return false;
		plru_masks(a->plru_mask, a->plru_top);
		plru_masks(a->plru_mask + (2 << PLRU_H), PLRU_H);
		return true;
	case IREF_TLB_RANDOM:
		break;
	}
	return true;
}

static enum iref_rc engine_init(struct engine *e,
				const struct iref_tlb_cfg *cfg, bool walk,
				struct iref_diag *diag)
{
	uint64_t held[N_STAGES] = { 0 };
	uint8_t owner[N_STAGES][64];

	memset(e, 0, sizeof(*e));
	e->walk = walk;
	e->policy = cfg->policy;
	e->rng = cfg->seed;
	if ((unsigned)cfg->policy >= IREF_TLB_POLICY_COUNT) {
		iref_diag_set(diag, NULL, 0, 0, "unknown replacement policy %d",
			      (int)cfg->policy);
		return IREF_E_INVAL;
	}
	if (cfg->n_arrays < 1 || cfg->n_arrays > IREF_TLB_MAX_ARRAYS) {
		iref_diag_set(diag, NULL, 0, 0, "%u arrays, not in 1..%u",
			      cfg->n_arrays, IREF_TLB_MAX_ARRAYS);
		return IREF_E_INVAL;
	}
	for (unsigned i = 0; i < cfg->n_arrays; i++) {
		const struct iref_tlb_array_cfg *ac = &cfg->array[i];
		enum iref_rc rc = check_array(cfg, i, walk, diag);

		if (rc != IREF_OK)
			return rc;
		for (unsigned s = 0; s < N_STAGES; s++) {
			bool in = walk ? s > 0 && ((ac->stages >> (s - 1)) & 1)
				       : s == 0;
			uint64_t dup = held[s] & ac->sizes;

			if (!in)
				continue;
			if (dup) {
				iref_diag_set(diag, NULL, 0, 0,
					      "array %u: size 0x%llx is "
					      "already held by array %u", i,
					      1ull << log2_64(dup),
					      owner[s][log2_64(dup)]);
				return IREF_E_INVAL;
			}
			held[s] |= ac->sizes;
			for (unsigned b = MIN_SHIFT; b < 64; b++)
				if ((ac->sizes >> b) & 1)
					owner[s][b] = (uint8_t)i;
		}
	}

	unsigned n = 0;

	for (unsigned s = 0; s < N_STAGES; s++) {
		e->first[s] = n;
		for (unsigned b = MIN_SHIFT; b < 64; b++) {
			if (!((held[s] >> b) & 1))
				continue;
			e->cls[n] = (struct klass){
				.key = (uint64_t)n << 1 | VALID,
				.mask = (UINT64_C(1) << b) - 1,
				.shift = b,
				.arr = owner[s][b],
			};
			n++;
		}
		e->end[s] = n;
	}
	for (unsigned i = 0; i < cfg->n_arrays; i++) {
		e->n_arrays = i + 1;
		if (!alloc_array(&e->arr[i], &cfg->array[i], cfg->policy)) {
			engine_free(e);
			iref_diag_set(diag, NULL, 0, 0,
				      "array %u: out of memory", i);
			return IREF_E_NOMEM;
		}
	}
	for (unsigned c = 0; c < n; c++)
		e->cls[c].a = e->arr[e->cls[c].arr];
	return IREF_OK;
}

/* ---- Fingerprints ---- */

/* A valid entry's fingerprint: 8 bits of its va and domain, never 0. */
static inline uint8_t fingerprint(uint64_t va, uint64_t ctx)
{
	uint64_t h = (va ^ (ctx >> 32) * 0xff51afd7ed558ccdu) *
		     0x9e3779b97f4a7c15u;
	uint8_t f = (uint8_t)(h >> 56);

	return f | !f;
}

/* Eight fingerprints of a set from way w0 on, way w0 in the low byte. */
static inline uint64_t fp_word(const struct array *a, size_t set, uint32_t w0)
{
	uint64_t x;

	memcpy(&x, a->fp + set * a->fp_stride + w0, sizeof(x));
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	x = __builtin_bswap64(x);
#endif
	return x;
}

/* Bit 7 of each zero byte of x, exactly (no borrow between bytes). */
static inline uint64_t zero_bytes(uint64_t x)
{
	const uint64_t lo7 = 0x7f7f7f7f7f7f7f7fu;

	return ~(((x & lo7) + lo7) | x | lo7);
}

/* The lowest invalid way of set, or -1. */
static int32_t first_invalid(const struct array *a, size_t set)
{
	for (uint32_t w0 = 0; w0 < a->ways; w0 += 8) {
		uint64_t z = zero_bytes(fp_word(a, set, w0));

		if (a->ways - w0 < 8) /* padding bytes are 0 too */
			z &= (UINT64_C(1) << 8 * (a->ways - w0)) - 1;
		if (z)
			return (int32_t)(w0 + (uint32_t)__builtin_ctzll(z) / 8);
	}
	return -1;
}

/* ---- Replacement ---- */

static uint64_t next_random(struct engine *e)
{
	uint64_t z = (e->rng += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/*
 * Tree PLRU. A node's bit set means the victim lies in its right half, and
 * an access points every node on its path away from itself. The ways - 1
 * bits of a set are cut into blocks of at most PLRU_H levels, each block a
 * heap-numbered subtree in one 64-bit word: word 0 holds the top
 * plru_top levels; below, each block level holds one word per leaf of the
 * levels above. An access rewrites one word per block level with the
 * masks of plru_masks(), so a set of up to 64 ways costs one masked store
 * and no branch on the way.
 */
static inline void plru_touch(const struct array *a, size_t idx)
{
	uint64_t *bits = a->repl + (idx >> a->plru_depth) * a->plru_words;
	unsigned way = (unsigned)(idx & (a->ways - 1));
	unsigned shift = a->plru_depth - a->plru_top; /* way bits below */
	const uint64_t *m = a->plru_mask;
	size_t sub = way >> shift, word = 1;

	bits[0] = (bits[0] & ~m[sub]) | m[(1u << PLRU_H) + sub];
	m += 2u << PLRU_H;
	while (shift) {
		unsigned l;
		uint64_t *v;

		shift -= PLRU_H;
		l = (way >> shift) & ((1u << PLRU_H) - 1);
		v = &bits[word + sub];
		*v = (*v & ~m[l]) | m[(1u << PLRU_H) + l];
		word += (size_t)1 << (a->plru_depth - shift - PLRU_H);
		sub = sub << PLRU_H | l;
	}
}

static unsigned plru_descend(uint64_t v, unsigned h)
{
	unsigned node = 1;

	for (unsigned d = 0; d < h; d++)
		node = 2 * node + (unsigned)((v >> node) & 1);
	return node - (1u << h);
}

static uint32_t plru_victim(const struct array *a, size_t set)
{
	const uint64_t *bits = a->repl + set * a->plru_words;
	unsigned shift = a->plru_depth - a->plru_top;
	size_t sub = plru_descend(bits[0], a->plru_top), word = 1;

	while (shift) {
		shift -= PLRU_H;
		sub = sub << PLRU_H | plru_descend(bits[word + sub], PLRU_H);
		word += (size_t)1 << (a->plru_depth - shift - PLRU_H);
	}
	return (uint32_t)sub;
}

/* Entry idx was used: by a hit or a refresh (fill false) or a fill. */
static inline void touch(struct engine *e, const struct array *a, size_t idx,
			 bool fill)
{
	switch (e->policy) {
	case IREF_TLB_LRU:
		a->repl[idx] = ++e->clock;
		break;
	case IREF_TLB_FIFO:
		if (fill)
			a->repl[idx] = ++e->clock;
		break;
	case IREF_TLB_PLRU:
		plru_touch(a, idx);
		break;
	case IREF_TLB_RANDOM:
		break;
	}
}

static uint32_t victim(struct engine *e, const struct array *a, size_t set)
{
	const uint64_t *stamp;
	uint64_t best;
	uint32_t v = 0;
	int32_t free_way = first_invalid(a, set);

	if (free_way >= 0)
		return (uint32_t)free_way;
	switch (e->policy) {
	case IREF_TLB_LRU:
	case IREF_TLB_FIFO:
		/* Branch-free minimum: stamps are in no predictable order. */
		stamp = a->repl + set * a->ways;
		best = stamp[0];
		for (uint32_t w = 1; w < a->ways; w++) {
			bool lt = stamp[w] < best;

			best = lt ? stamp[w] : best;
			v = lt ? w : v;
		}
		return v;
	case IREF_TLB_PLRU:
		return plru_victim(a, set);
	case IREF_TLB_RANDOM:
		/* Multiply-shift: no division; bias at most ways / 2^32. */
		return (uint32_t)(((next_random(e) >> 32) * a->ways) >> 32);
	}
	return 0;
}

/* ---- Probe, fill, invalidate ---- */

/* Store en in way w of set; an all-zero en invalidates the way. */
static void put(struct array *a, size_t set, uint32_t w,
		const struct entry *en)
{
	a->ent[set * a->ways + w] = *en;
	a->fp[set * a->fp_stride + w] = en->va ? fingerprint(en->va, en->ctx)
					       : 0;
}

/* The way of `set` holding va under ctx1 or ctx2, or -1. Fingerprints
 * are tested eight at a time (zero bytes of fp ^ pattern) and only
 * candidates have their tag compared, so a probe costs a few operations
 * per eight ways and rarely a mispredicted branch. */
static inline int32_t probe_set(const struct array *a, size_t set,
				uint64_t va, uint64_t ctx1, uint64_t ctx2)
{
	const struct entry *t = a->ent + set * a->ways;
	uint64_t pat = fingerprint(va, ctx1) * 0x0101010101010101u;

	for (uint32_t w0 = 0; w0 < a->ways; w0 += 8) {
		for (uint64_t x = zero_bytes(fp_word(a, set, w0) ^ pat); x;
		     x &= x - 1) {
			uint32_t w = w0 + (uint32_t)__builtin_ctzll(x) / 8;

			if (t[w].va == va &&
			    (t[w].ctx == ctx1 || t[w].ctx == ctx2))
				return (int32_t)w;
		}
	}
	return -1;
}

/* The entry of stage's classes matching addr under ctx1 or ctx2 (which
 * share the domain), smallest size first: its index in (*cls)->a, or
 * SIZE_MAX. */
static inline size_t probe(const struct engine *e, unsigned stage,
			   uint64_t addr, uint64_t ctx1, uint64_t ctx2,
			   const struct klass **cls)
{
	for (unsigned c = e->first[stage]; c < e->end[stage]; c++) {
		const struct klass *k = &e->cls[c];
		const struct array *a = &k->a;
		size_t set = (addr >> k->shift) & a->set_mask;
		int32_t w = probe_set(a, set, (addr & ~k->mask) | k->key, ctx1,
				      ctx2);

		if (w >= 0) {
			*cls = k;
			return set * a->ways + (uint32_t)w;
		}
	}
	return SIZE_MAX;
}

/* Cache en (va filled in here) for addr in class k: in place over an entry
 * with the same tag, else in the policy's victim way. */
static void fill(struct engine *e, const struct klass *k, uint64_t addr,
		 struct entry en)
{
	struct array *a = &e->arr[k->arr];
	size_t set = (addr >> k->shift) & a->set_mask;
	int32_t same;
	uint32_t w;

	en.va = (addr & ~k->mask) | k->key;
	same = probe_set(a, set, en.va, en.ctx, en.ctx);
	if (same >= 0) {
		w = (uint32_t)same;
	} else {
		w = victim(e, a, set);
		e->evictions += a->fp[set * a->fp_stride + w] != 0;
		e->fills++;
	}
	put(a, set, w, &en);
	touch(e, a, set * a->ways + w, same < 0);
}

static bool inv_match(const struct engine *e, const struct iref_tlb_inv *inv,
		      const struct entry *t)
{
	unsigned f = inv->flags;
	uint32_t asid = (uint32_t)t->ctx;

	if (!(t->va & VALID))
		return false;
	if ((f & IREF_TLB_INV_DOMAIN) &&
	    (uint32_t)(t->ctx >> 32) != inv->domain)
		return false;
	if ((f & IREF_TLB_INV_ASID) && asid != inv->asid &&
	    !((f & IREF_TLB_INV_GLOBAL) && asid == GLOBAL_ASID))
		return false;
	if ((f & IREF_TLB_INV_HAS_ASID) && asid == IREF_TLB_NO_ASID)
		return false;
	if ((f & IREF_TLB_INV_SIZE) && !e->walk &&
	    t->leaf_shift != log2_64(inv->leaf_size))
		return false;
	if (f & IREF_TLB_INV_RANGE) {
		const struct klass *k = &e->cls[(t->va & PAGE_LOW) >> 1];
		uint64_t base = t->va & ~PAGE_LOW;

		if (base > inv->last || base + k->mask < inv->first)
			return false;
	}
	return true;
}

/* Remove the entries of `set` that inv selects; with va != 0 only those
 * holding va. */
static size_t inv_set(const struct engine *e, const struct iref_tlb_inv *inv,
		      struct array *a, size_t set, uint64_t va)
{
	size_t n = 0;

	for (uint32_t w = 0; w < a->ways; w++) {
		const struct entry *en = &a->ent[set * a->ways + w];

		if ((va && en->va != va) || !inv_match(e, inv, en))
			continue;
		put(a, set, w, &(struct entry){ 0 });
		n++;
	}
	return n;
}

/* Pages of a's classes a range touches, counted up to the array's sets:
 * probing them is then cheaper than scanning the array. */
static bool few_pages(const struct engine *e, const struct array *a,
		      const struct iref_tlb_inv *inv)
{
	uint64_t pages = 0;

	for (unsigned c = 0; c < e->end[N_STAGES - 1]; c++) {
		const struct klass *k = &e->cls[c];

		if (&e->arr[k->arr] != a)
			continue;
		pages += (inv->last >> k->shift) - (inv->first >> k->shift) + 1;
		if (pages > a->set_mask)
			return false;
	}
	return true;
}

static size_t inv_pages(const struct engine *e, const struct iref_tlb_inv *inv,
			struct array *a)
{
	size_t n = 0;

	for (unsigned c = 0; c < e->end[N_STAGES - 1]; c++) {
		const struct klass *k = &e->cls[c];
		uint64_t p0 = inv->first >> k->shift;
		uint64_t pages = (inv->last >> k->shift) - p0 + 1;

		if (&e->arr[k->arr] != a)
			continue;
		for (uint64_t i = 0; i < pages; i++) {
			uint64_t p = p0 + i;

			n += inv_set(e, inv, a, p & a->set_mask,
				     p << k->shift | k->key);
		}
	}
	return n;
}

static enum iref_rc engine_invalidate(struct engine *e,
				      const struct iref_tlb_inv *inv,
				      size_t *removed)
{
	size_t n = 0;

	if (removed)
		*removed = 0;
	if ((inv->flags & ~INV_FLAGS) ||
	    ((inv->flags & IREF_TLB_INV_RANGE) && inv->first > inv->last) ||
	    ((inv->flags & IREF_TLB_INV_SIZE) &&
	     !valid_page_size(inv->leaf_size)))
		return IREF_E_INVAL;
	if (e->walk && (inv->flags & IREF_TLB_INV_LEAF))
		return IREF_OK;
	for (unsigned i = 0; i < e->n_arrays; i++) {
		struct array *a = &e->arr[i];

		if ((inv->flags & IREF_TLB_INV_RANGE) && few_pages(e, a, inv)) {
			n += inv_pages(e, inv, a);
			continue;
		}
		for (size_t set = 0; set <= a->set_mask; set++)
			n += inv_set(e, inv, a, set, 0);
	}
	e->invalidated += n;
	if (removed)
		*removed = n;
	return IREF_OK;
}

static void engine_stats(const struct engine *e, struct iref_tlb_stats *out)
{
	*out = (struct iref_tlb_stats){
		.lookups = e->hits + e->misses,
		.hits = e->hits,
		.misses = e->misses,
		.fills = e->fills,
		.evictions = e->evictions,
		.invalidated = e->invalidated,
	};
}

static void engine_reset_stats(struct engine *e)
{
	e->hits = e->misses = e->fills = e->evictions = e->invalidated = 0;
}

static size_t engine_count(const struct engine *e)
{
	size_t n = 0;

	for (unsigned i = 0; i < e->n_arrays; i++) {
		const struct array *a = &e->arr[i];

		for (size_t idx = 0; idx < array_entries(a); idx++)
			n += a->ent[idx].va & VALID;
	}
	return n;
}

static enum iref_rc out_of_memory(struct iref_diag *diag)
{
	iref_diag_set(diag, NULL, 0, 0, "out of memory");
	return IREF_E_NOMEM;
}

static bool check_entry(uint32_t asid, unsigned perm, int level)
{
	return asid != GLOBAL_ASID && !(perm & ~PERM_ALL) &&
	       level >= INT8_MIN && level <= INT8_MAX;
}

/* ---- TLB ---- */

enum iref_rc iref_tlb_create(const struct iref_tlb_cfg *cfg,
			     struct iref_tlb **out, struct iref_diag *diag)
{
	struct iref_tlb *tlb = malloc(sizeof(*tlb));
	enum iref_rc rc = tlb ? engine_init(&tlb->e, cfg, false, diag)
			      : out_of_memory(diag);

	if (rc != IREF_OK) {
		free(tlb);
		tlb = NULL;
	}
	*out = tlb;
	return rc;
}

void iref_tlb_destroy(struct iref_tlb *tlb)
{
	if (!tlb)
		return;
	engine_free(&tlb->e);
	free(tlb);
}

bool iref_tlb_lookup(struct iref_tlb *tlb, struct iref_tlb_tag tag,
		     uint64_t addr, unsigned access, struct iref_tlb_xlate *out)
{
	struct engine *e = &tlb->e;
	uint64_t ctx = ctx_of(tag.domain, tag.asid);
	uint64_t gctx = tag.asid == IREF_TLB_NO_ASID
				? ctx : ctx_of(tag.domain, GLOBAL_ASID);
	const struct klass *k;
	size_t idx = probe(e, 0, addr, ctx, gctx, &k);
	const struct entry *d;

	if (idx == SIZE_MAX || (access & ~k->a.ent[idx].perm)) {
		e->misses++;
		return false;
	}
	e->hits++;
	touch(e, &k->a, idx, false);
	d = &k->a.ent[idx];
	*out = (struct iref_tlb_xlate){
		.pa = d->out | (addr & k->mask),
		.page_size = k->mask + 1,
		.perm = d->perm,
		.attrs = d->attrs,
		.level = d->level,
		.global = d->flags & F_GLOBAL,
	};
	return true;
}

enum iref_rc iref_tlb_insert(struct iref_tlb *tlb, struct iref_tlb_tag tag,
			     uint64_t addr, const struct iref_tlb_xlate *x)
{
	struct engine *e = &tlb->e;
	const struct klass *k = NULL;
	unsigned leaf;

	if (!check_entry(tag.asid, x->perm, x->level) ||
	    !valid_page_size(x->page_size) ||
	    ((x->pa ^ addr) & (x->page_size - 1)))
		return IREF_E_INVAL;
	leaf = log2_64(x->page_size);
	for (unsigned c = e->first[0]; c < e->end[0] && e->cls[c].shift <= leaf;
	     c++)
		k = &e->cls[c];
	if (!k)
		return IREF_E_RANGE;

	/* Without an ASID there is nothing for global to widen. */
	bool global = x->global && tag.asid != IREF_TLB_NO_ASID;

	fill(e, k, addr, (struct entry){
		.ctx = ctx_of(tag.domain, global ? GLOBAL_ASID : tag.asid),
		.out = x->pa & ~k->mask,
		.attrs = x->attrs,
		.perm = (uint8_t)x->perm,
		.level = (int8_t)x->level,
		.leaf_shift = (uint8_t)leaf,
		.flags = x->global ? F_GLOBAL : 0,
	});
	return IREF_OK;
}

enum iref_rc iref_tlb_invalidate(struct iref_tlb *tlb,
				 const struct iref_tlb_inv *inv,
				 size_t *removed)
{
	return engine_invalidate(&tlb->e, inv, removed);
}

void iref_tlb_get_stats(const struct iref_tlb *tlb, struct iref_tlb_stats *out)
{
	engine_stats(&tlb->e, out);
}

void iref_tlb_reset_stats(struct iref_tlb *tlb)
{
	engine_reset_stats(&tlb->e);
}

size_t iref_tlb_count(const struct iref_tlb *tlb)
{
	return engine_count(&tlb->e);
}

/* ---- Walk cache ---- */

enum iref_rc iref_wcache_create(const struct iref_tlb_cfg *cfg,
				struct iref_wcache **out,
				struct iref_diag *diag)
{
	struct iref_wcache *wc = malloc(sizeof(*wc));
	enum iref_rc rc = wc ? engine_init(&wc->e, cfg, true, diag)
			     : out_of_memory(diag);

	if (rc != IREF_OK) {
		free(wc);
		wc = NULL;
	}
	*out = wc;
	return rc;
}

void iref_wcache_destroy(struct iref_wcache *wc)
{
	if (!wc)
		return;
	engine_free(&wc->e);
	free(wc);
}

/* Stage-2 tables belong to the domain (VMID), shared by all its ASIDs. */
static uint64_t wc_ctx(struct iref_tlb_tag tag, unsigned stage)
{
	return ctx_of(tag.domain, stage == 2 ? IREF_TLB_NO_ASID : tag.asid);
}

bool iref_wcache_lookup(struct iref_wcache *wc, struct iref_tlb_tag tag,
			unsigned stage, uint64_t addr,
			struct iref_wcache_entry *out)
{
	struct engine *e = &wc->e;
	uint64_t ctx = wc_ctx(tag, stage);
	const struct klass *k;
	size_t idx = stage == 1 || stage == 2
			     ? probe(e, stage, addr, ctx, ctx, &k) : SIZE_MAX;
	const struct entry *d;

	if (idx == SIZE_MAX) {
		e->misses++;
		return false;
	}
	e->hits++;
	touch(e, &k->a, idx, false);
	d = &k->a.ent[idx];
	*out = (struct iref_wcache_entry){
		.table = d->out,
		.span = k->mask + 1,
		.perm = d->perm,
		.attrs = d->attrs,
		.level = d->level,
	};
	return true;
}

enum iref_rc iref_wcache_insert(struct iref_wcache *wc,
				struct iref_tlb_tag tag, unsigned stage,
				uint64_t addr,
				const struct iref_wcache_entry *x)
{
	struct engine *e = &wc->e;

	if ((stage != 1 && stage != 2) ||
	    !check_entry(tag.asid, x->perm, x->level) ||
	    !valid_page_size(x->span))
		return IREF_E_INVAL;
	for (unsigned c = e->first[stage]; c < e->end[stage]; c++) {
		const struct klass *k = &e->cls[c];

		if (k->mask + 1 != x->span)
			continue;
		fill(e, k, addr, (struct entry){
			.ctx = wc_ctx(tag, stage),
			.out = x->table,
			.attrs = x->attrs,
			.perm = (uint8_t)x->perm,
			.level = (int8_t)x->level,
		});
		return IREF_OK;
	}
	return IREF_E_RANGE;
}

enum iref_rc iref_wcache_invalidate(struct iref_wcache *wc,
				    const struct iref_tlb_inv *inv,
				    size_t *removed)
{
	return engine_invalidate(&wc->e, inv, removed);
}

void iref_wcache_get_stats(const struct iref_wcache *wc,
			   struct iref_tlb_stats *out)
{
	engine_stats(&wc->e, out);
}

void iref_wcache_reset_stats(struct iref_wcache *wc)
{
	engine_reset_stats(&wc->e);
}

size_t iref_wcache_count(const struct iref_wcache *wc)
{
	return engine_count(&wc->e);
}
