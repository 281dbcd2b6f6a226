/* Walk caches in front of the walkers (docs/tlb.md, "Walk caches in front
 * of the walkers"): iref_walk_cached / iref_walk_nested_cached must give
 * exactly the uncached walk's result, fault codes and levels included,
 * and the same A/D writes, while reading fewer entries. The differential
 * tests run every request twice, on two identical memories: uncached on
 * one, cached on the other, so A/D updates keep both memories equal. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "iommu-ref/tlb.h"
#include "iommu-ref/walk.h"
#include "testutil.h"

#define K4 UINT64_C(0x1000)
#define M2 UINT64_C(0x200000)
#define M4 UINT64_C(0x400000)
#define G1 UINT64_C(0x40000000)
#define BIT(n) (UINT64_C(1) << (n))

#define R IREF_PERM_R
#define W IREF_PERM_W
#define X IREF_PERM_X

#define POOL_S1 UINT64_C(0x10000000)     /* stage-1 tables (GPA if nested) */
#define POOL_S2 UINT64_C(0x20000000)     /* stage-2 tables */
#define POOL_SIZE UINT64_C(0x800000)
#define TABLE_OFF UINT64_C(0x100000000) /* nested: s2 moves s1 tables here */
#define DATA_GPA UINT64_C(0x200000000)  /* nested: stage-1 outputs */
#define DATA_OFF UINT64_C(0x1000000000) /* nested: stage 2 adds this */
#define DATA_WIN UINT64_C(0x4000000)    /* ... over 64 MiB, one hole */

static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* One array of 64 entries, 4 ways, every span 2^21 .. 2^57, both
 * stages; and a 16-entry stage-2 table cache of 4K/2M/1G pages. */
static struct iref_wcache *new_wcache(uint32_t entries, uint32_t ways)
{
	struct iref_tlb_cfg cfg = {.policy = IREF_TLB_LRU, .n_arrays = 1};
	cfg.array[0] = (struct iref_tlb_array_cfg){
		.entries = entries, .ways = ways,
		.sizes = (BIT(58) - 1) & ~(BIT(21) - 1),
		.stages = IREF_WC_S1 | IREF_WC_S2,
	};
	struct iref_wcache *wc = NULL;
	struct iref_diag d = {0};
	ck_assert_msg(iref_wcache_create(&cfg, &wc, &d) == IREF_OK, "%s",
		      d.msg);
	return wc;
}

static struct iref_tlb *new_s2tlb(void)
{
	struct iref_tlb_cfg cfg = {.policy = IREF_TLB_LRU, .n_arrays = 1};
	cfg.array[0] = (struct iref_tlb_array_cfg){
		.entries = 16, .ways = 16, .sizes = BIT(12) | BIT(21) | BIT(30),
	};
	struct iref_tlb *t = NULL;
	struct iref_diag d = {0};
	ck_assert_msg(iref_tlb_create(&cfg, &t, &d) == IREF_OK, "%s", d.msg);
	return t;
}

static void cfg_init(struct iref_walk_cfg *c, const char *name,
		     const char *const *opts)
{
	struct iref_diag d = {0};
	ck_assert_msg(iref_walk_cfg_init(c, name, &d) == IREF_OK, "%s", d.msg);
	for (; opts && *opts; opts++) {
		char key[64];
		const char *eq = strchr(*opts, '=');
		ck_assert_ptr_nonnull(eq);
		snprintf(key, sizeof key, "%.*s", (int)(eq - *opts), *opts);
		ck_assert_msg(iref_walk_cfg_set(c, key, eq + 1, &d) == IREF_OK,
			      "%s: %s", *opts, d.msg);
	}
}

/* ---- Two identical memories ---- */

/* Stage-1 tables of a nested walk live at GPAs that stage 2 moves by
 * TABLE_OFF: the builder writes them through this view. */
static enum iref_rc view_read(void *ctx, uint64_t a, void *b, size_t n)
{
	return iref_mem_read(*(struct iref_mem *)ctx, a + TABLE_OFF, b, n);
}

static enum iref_rc view_write(void *ctx, uint64_t a, const void *b,
			       size_t n)
{
	return iref_mem_write(*(struct iref_mem *)ctx, a + TABLE_OFF, b, n);
}

static const struct iref_mem_ops view_ops = {view_read, view_write};

struct twin {
	struct iref_sparse_mem *sm[2];
	struct iref_mem mem[2]; /* 0: uncached walks, 1: cached walks */
	struct iref_walk_cfg s1, s2;
	bool nested;
	struct iref_walk_caches c;
	struct iref_walk_result ru, rc;
};

static void twin_init(struct twin *t, bool wc, bool s2tlb)
{
	memset(t, 0, sizeof *t);
	for (int i = 0; i < 2; i++) {
		t->sm[i] = iref_sparse_mem_create(NULL);
		ck_assert_ptr_nonnull(t->sm[i]);
		t->mem[i] = iref_sparse_mem_as_mem(t->sm[i]);
	}
	t->c.wc = wc ? new_wcache(64, 4) : NULL;
	t->c.s2tlb = s2tlb ? new_s2tlb() : NULL;
	t->c.tag = (struct iref_tlb_tag){.domain = 3, .asid = 5};
}

static void twin_free(struct twin *t)
{
	iref_wcache_destroy(t->c.wc);
	iref_tlb_destroy(t->c.s2tlb);
	for (int i = 0; i < 2; i++)
		iref_sparse_mem_destroy(t->sm[i]);
}

/* Build the same tables in both memories (the builder is deterministic,
 * so both get the same root). cfg->root is set from the first. */
static void twin_build(struct twin *t, struct iref_walk_cfg *cfg,
		       bool via_view, uint64_t pool_at,
		       const struct iref_build_map *maps, size_t n)
{
	struct iref_walk_cfg copy = *cfg;
	for (int i = 0; i < 2; i++) {
		struct iref_walk_cfg *c = i ? &copy : cfg;
		struct iref_pool pool = {pool_at, pool_at + POOL_SIZE};
		struct iref_mem m = t->mem[i];
		struct iref_mem view = {&view_ops, &t->mem[i]};
		struct iref_diag d = {0};
		ck_assert_msg(iref_build(c, via_view ? view : m, &pool, maps,
					 n, &d) == IREF_OK,
			      "%s", d.msg);
	}
	ck_assert_uint_eq(copy.root, cfg->root);
}

static void twin_w64(struct twin *t, uint64_t pa, uint64_t v)
{
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(iref_mem_write64(t->mem[i], pa, v), IREF_OK);
}

static uint64_t twin_r64(struct twin *t, uint64_t pa)
{
	uint64_t v[2];
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(iref_mem_read64(t->mem[i], pa, &v[i]),
				 IREF_OK);
	ck_assert_uint_eq(v[0], v[1]);
	return v[0];
}

static void walk_one(struct twin *t, int i, const struct iref_walk_req *q,
		     struct iref_walk_result *res)
{
	const struct iref_walk_caches *c = i ? &t->c : NULL;
	enum iref_rc rc =
		t->nested ? iref_walk_nested_cached(&t->s1, &t->s2, t->mem[i],
						    c, q, res)
			  : iref_walk_cached(&t->s1, t->mem[i], c, q, res);
	ck_assert_int_eq(rc, IREF_OK);
}

/* Walk the cached side only. */
static struct iref_walk_result *cached(struct twin *t, uint64_t addr,
				       unsigned access, bool priv)
{
	struct iref_walk_req q = {addr, access, priv};
	walk_one(t, 1, &q, &t->rc);
	return &t->rc;
}

static unsigned count(const struct iref_walk_result *r, int kind, int stage)
{
	unsigned n = 0;
	for (unsigned i = 0; i < r->n_acc && i < IREF_WALK_MAX_ACCESSES; i++)
		if (r->acc[i].kind == kind &&
		    (stage == 0 || r->acc[i].stage == stage))
			n++;
	return n;
}

/* The two results agree in everything but the reads skipped. */
static void same(const struct iref_walk_result *u,
		 const struct iref_walk_result *c, const char *what,
		 uint64_t addr)
{
	const struct iref_walk_fault *fu = &u->fault, *fc = &c->fault;
	ck_assert_msg(u->ok == c->ok && u->pa == c->pa &&
			      u->page_size == c->page_size &&
			      u->perm == c->perm && u->attrs == c->attrs &&
			      u->global == c->global && u->level == c->level,
		      "%s 0x%llx: ok %d/%d pa 0x%llx/0x%llx size 0x%llx/0x%llx "
		      "perm %u/%u attrs 0x%x/0x%x global %d/%d level %d/%d",
		      what, (unsigned long long)addr, u->ok, c->ok,
		      (unsigned long long)u->pa, (unsigned long long)c->pa,
		      (unsigned long long)u->page_size,
		      (unsigned long long)c->page_size, u->perm, c->perm,
		      u->attrs, c->attrs, u->global, c->global, u->level,
		      c->level);
	ck_assert_msg(fu->reason == fc->reason && fu->code == fc->code &&
			      fu->flags == fc->flags && fu->level == fc->level &&
			      fu->stage == fc->stage &&
			      fu->on_walk == fc->on_walk &&
			      fu->addr == fc->addr && fu->addr2 == fc->addr2,
		      "%s 0x%llx: fault %s/%s code 0x%x/0x%x flags 0x%x/0x%x "
		      "level %d/%d stage %u/%u walk %d/%d addr2 0x%llx/0x%llx",
		      what, (unsigned long long)addr,
		      iref_wfault_name(fu->reason), iref_wfault_name(fc->reason),
		      fu->code, fc->code, fu->flags, fc->flags, fu->level,
		      fc->level, fu->stage, fc->stage, fu->on_walk, fc->on_walk,
		      (unsigned long long)fu->addr2,
		      (unsigned long long)fc->addr2);
	ck_assert_msg(c->n_acc <= u->n_acc, "%s 0x%llx: %u accesses cached, "
		      "%u uncached", what, (unsigned long long)addr, c->n_acc,
		      u->n_acc);
	/* The same A/D writes, in order, keep both memories equal. */
	unsigned i = 0, j = 0, n = IREF_WALK_MAX_ACCESSES;
	for (;;) {
		while (i < u->n_acc && i < n && u->acc[i].kind != IREF_WALK_WR)
			i++;
		while (j < c->n_acc && j < n && c->acc[j].kind != IREF_WALK_WR)
			j++;
		bool eu = i >= u->n_acc || i >= n, ec = j >= c->n_acc || j >= n;
		ck_assert_msg(eu == ec, "%s 0x%llx: writes differ in number",
			      what, (unsigned long long)addr);
		if (eu)
			break;
		ck_assert_msg(u->acc[i].addr == c->acc[j].addr &&
				      u->acc[i].value == c->acc[j].value,
			      "%s 0x%llx: write 0x%llx=0x%llx / 0x%llx=0x%llx",
			      what, (unsigned long long)addr,
			      (unsigned long long)u->acc[i].addr,
			      (unsigned long long)u->acc[i].value,
			      (unsigned long long)c->acc[j].addr,
			      (unsigned long long)c->acc[j].value);
		i++;
		j++;
	}
}

/* The request on both sides; the results must agree. */
static void both(struct twin *t, uint64_t addr, unsigned access, bool priv,
		 const char *what)
{
	struct iref_walk_req q = {addr, access, priv};
	walk_one(t, 0, &q, &t->ru);
	walk_one(t, 1, &q, &t->rc);
	same(&t->ru, &t->rc, what, addr);
}

/* ---- Randomised differential tests ---- */

struct fcase {
	const char *s1;
	const char *opt1[6];
	const char *s2; /* NULL: single stage */
	const char *opt2[6];
	unsigned va_bits;  /* mapped inputs lie below 2^va_bits */
	uint64_t set_mask; /* table-entry bits a mutation may set */
	uint64_t clr_mask; /* ... may clear */
	bool ttb1;         /* Arm: map a TTB1 half too */
	bool s2_clean;     /* nested: the s1 tables' s2 pages writable-clean */
	uint64_t gran;     /* stage-1 granule; 0: 4 KiB */
};

/* Table-entry bits worth changing: hierarchical rights and the accessed
 * bits a cached hit skips. */
#define ARM_T (BIT(59) | BIT(60) | BIT(61) | BIT(62))
#define X86_T_CLR (BIT(1) | BIT(2) | BIT(5))
#define SS_T_CLR (BIT(0) | BIT(1) | BIT(2) | BIT(8))
#define V1_T_CLR (BIT(5) | BIT(61) | BIT(62))

static const struct fcase cases[] = {
	{"arm-s1", {0}, NULL, {0}, 47, ARM_T, 0, false, false, 0},
	{"arm-s1", {"epd1=0", "ha=1", "hd=1", 0}, NULL, {0}, 47, ARM_T, 0,
	 true, false, 0},
	{"arm-s1", {"granule=64k", "had0=1", 0}, NULL, {0}, 47, ARM_T, 0,
	 false, false, 0x10000},
	{"arm-s1", {"granule=16k", "t0sz=25", 0}, NULL, {0}, 38, ARM_T, 0,
	 false, false, 0x4000},
	{"arm-s2", {0}, NULL, {0}, 48, ARM_T, 0, false, false, 0},
	{"arm-s2", {"s2t0sz=24", "s2sl0=1", "s2ha=1", "s2hd=1", 0}, NULL,
	 {0}, 40, 0, 0, false, false, 0},
	{"intel-fs", {"sre=1", 0}, NULL, {0}, 47, BIT(63), X86_T_CLR, false,
	 false, 0},
	{"intel-fs", {"sre=1", "ere=1", "nxe=1", "perm_check=per_level",
		      "smep=1", 0},
	 NULL, {0}, 47, BIT(63), X86_T_CLR, false, false, 0},
	{"intel-fs", {"levels=5", "ad_policy=as_walked", "nxe=1", "ere=1",
		      "sre=1", 0},
	 NULL, {0}, 56, BIT(63), X86_T_CLR, false, false, 0},
	{"intel-ss", {"ssade=1", 0}, NULL, {0}, 48, 0, SS_T_CLR, false,
	 false, 0},
	{"intel-ss", {"ssade=1", "perm_check=per_level", "ssee=1", 0}, NULL,
	 {0}, 48, 0, SS_T_CLR, false, false, 0},
	{"riscv-sv39", {0}, NULL, {0}, 38, BIT(5), 0, false, false, 0},
	{"riscv-sv39", {"ade=1", "sum=1", 0}, NULL, {0}, 38, BIT(5), 0, false,
	 false, 0},
	{"riscv-sv48", {"ade=1", 0}, NULL, {0}, 47, BIT(5), 0, false, false, 0},
	{"riscv-sv39x4", {"ade=1", 0}, NULL, {0}, 41, BIT(5), 0, false,
	 false, 0},
	{"amd-v1", {"had=3", 0}, NULL, {0}, 48, 0, V1_T_CLR, false, false, 0},
	{"amd-v1", {"perm_check=leaf", "had=1", "ad_policy=as_walked", 0},
	 NULL, {0}, 48, 0, V1_T_CLR, false, false, 0},
	{"amd-v1", {"mode=6", 0}, NULL, {0}, 63, 0, V1_T_CLR, false, false, 0},
	{"amd-v2", {0}, NULL, {0}, 47, BIT(63), X86_T_CLR, false, false, 0},
	{"amd-v2", {"perm_check=per_level", "supervisor_user_pages=blocked",
		    0},
	 NULL, {0}, 47, BIT(63), X86_T_CLR, false, false, 0},
	{"amd-v2", {"levels=5", "gats=1", "ad_policy=as_walked", 0}, NULL,
	 {0}, 56, BIT(63), X86_T_CLR, false, false, 0},
	/* Nested pairs. */
	{"arm-s1", {"ha=1", "hd=1", 0}, "arm-s2", {"s2ha=1", "s2hd=1", 0},
	 47, ARM_T, 0, false, true, 0},
	{"arm-s1", {0}, "arm-s2", {0}, 47, ARM_T, 0, false, false, 0},
	{"intel-fs", {"nxe=1", "sre=1", 0}, "intel-ss", {"ssade=1", 0}, 47,
	 BIT(63), X86_T_CLR, false, true, 0},
	{"riscv-sv39", {"ade=1", 0}, "riscv-sv39x4", {"ade=1", 0}, 38, BIT(5),
	 0, false, true, 0},
	{"riscv-sv48", {0}, "riscv-sv48x4", {0}, 47, BIT(5), 0, false, false, 0},
	{"amd-v2", {0}, "amd-v1", {"had=3", 0}, 47, BIT(63), X86_T_CLR, false,
	 true, 0},
	{"amd-v2", {"perm_check=per_level", 0}, "amd-v1", {0}, 47, BIT(63),
	 X86_T_CLR, false, false, 0},
};
#define N_CASES (sizeof cases / sizeof cases[0])

#define MAX_MAPS 48
#define REGION_MAPS 6

struct layout {
	struct iref_build_map m[MAX_MAPS];
	size_t n;
};

/* A few 4 MiB regions, some sharing a 1 GiB / 512 GiB neighbourhood,
 * filled with mappings of random size, rights and flags and gaps. */
static void lay_out(struct layout *l, uint64_t *seed, unsigned va_bits,
		    bool nested, uint64_t gran)
{
	uint64_t g = gran ? gran : K4;
	uint64_t top = BIT(va_bits > 48 ? 48 : va_bits);
	uint64_t base = 0;
	for (unsigned r = 0; r < 6 && l->n < MAX_MAPS; r++) {
		if (r % 2 == 0 || r == 5)
			base = rnd(seed) % top & ~(M4 - 1);
		else
			base = (base + M4 * (1 + rnd(seed) % 3)) % top;
		if (va_bits > 48 && r == 4)
			base |= rnd(seed) % BIT(va_bits) & ~(BIT(48) - 1);
		uint64_t at = 0;
		for (unsigned k = 0; k < REGION_MAPS && l->n < MAX_MAPS; k++) {
			uint64_t gap = g * (rnd(seed) % 3) *
				       (rnd(seed) % 2 ? 1 : 128 * K4 / g);
			uint64_t size = rnd(seed) % 4 == 0
						? M2
						: g * (1 + rnd(seed) % 96);
			if (size == M2)
				at = (at + gap + M2 - 1) & ~(M2 - 1);
			else
				at += gap;
			if (at + size > M4)
				break;
			uint64_t pa = nested ? DATA_GPA + rnd(seed) % (DATA_WIN +
								    M4)
					     : BIT(32) + rnd(seed) % BIT(39);
			pa &= ~(size == M2 ? M2 - 1 : g - 1);
			unsigned fl = (unsigned)rnd(seed) &
				      (IREF_BUILD_USER | IREF_BUILD_GLOBAL |
				       IREF_BUILD_NO_ACCESSED |
				       IREF_BUILD_NO_DIRTY |
				       IREF_BUILD_NO_BLOCKS);
			unsigned perm = (unsigned)rnd(seed) % 8;
			if (!perm)
				perm = R;
			l->m[l->n++] = (struct iref_build_map){
				.va = base + at, .pa = pa,
				.size = size, .perm = perm, .flags = fl,
			};
			at += size;
		}
	}
}

/* Change table entries on the path to each mapping, the same way in both
 * memories: the table entries of a walk are its stage's reads but the
 * last (the leaf). */
static void mutate(struct twin *t, const struct layout *l,
		   const struct fcase *fc, uint64_t *seed)
{
	unsigned stage = t->nested || t->s1.fmt == IREF_FMT_ARM_S1 ||
					 t->s1.fmt == IREF_FMT_INTEL_FS ||
					 t->s1.fmt == IREF_FMT_RISCV_S1 ||
					 t->s1.fmt == IREF_FMT_AMD_V2
				 ? 1
				 : 2;
	for (size_t k = 0; k < l->n; k++) {
		struct iref_walk_req q = {l->m[k].va, IREF_ACC_READ, true};
		walk_one(t, 0, &q, &t->ru);
		q.addr = l->m[k].va; /* the same writes on the other side */
		struct iref_walk_result other;
		struct iref_walk_caches none = {0};
		enum iref_rc rc =
			t->nested ? iref_walk_nested_cached(&t->s1, &t->s2,
							    t->mem[1], &none,
							    &q, &other)
				  : iref_walk_cached(&t->s1, t->mem[1], &none,
						     &q, &other);
		ck_assert_int_eq(rc, IREF_OK);
		if (!t->ru.ok)
			continue;
		int last = -1;
		for (unsigned i = 0; i < t->ru.n_acc; i++)
			if (t->ru.acc[i].kind == IREF_WALK_RD &&
			    t->ru.acc[i].stage == stage)
				last = (int)i;
		for (int i = 0; i < last; i++) {
			const struct iref_walk_access *a = &t->ru.acc[i];
			if (a->kind != IREF_WALK_RD || a->stage != stage ||
			    a->size != 8 || rnd(seed) % 3)
				continue;
			uint64_t r = rnd(seed) & rnd(seed); /* 1 bit in 4 */
			uint64_t v = twin_r64(t, a->addr);
			twin_w64(t, a->addr,
				 (v & ~(r & fc->clr_mask)) |
					 (rnd(seed) & r & fc->set_mask));
		}
	}
}

static void build_case(struct twin *t, const struct fcase *fc,
		       uint64_t *seed, struct layout *l)
{
	cfg_init(&t->s1, fc->s1, fc->opt1);
	t->nested = fc->s2 != NULL;
	memset(l, 0, sizeof *l);
	lay_out(l, seed, fc->va_bits, t->nested, fc->gran);
	if (t->nested) {
		cfg_init(&t->s2, fc->s2, fc->opt2);
		unsigned rw = R | W;
		unsigned clean = fc->s2_clean ? IREF_BUILD_NO_DIRTY |
							IREF_BUILD_NO_ACCESSED
					      : 0;
		/* The stage-1 tables (writable-clean and not accessed, so
		 * the first A/D write through them sets them), and the data
		 * window minus a 2 MiB hole. */
		struct iref_build_map m2[] = {
			{POOL_S1, POOL_S1 + TABLE_OFF, POOL_SIZE, rw, clean, 0},
			{DATA_GPA, DATA_GPA + DATA_OFF, DATA_WIN / 2, R | W | X,
			 IREF_BUILD_USER, 0},
			{DATA_GPA + DATA_WIN / 2 + M2,
			 DATA_GPA + DATA_OFF + DATA_WIN / 2 + M2,
			 DATA_WIN / 2 - M2, R | X, IREF_BUILD_USER, 0},
		};
		twin_build(t, &t->s2, false, POOL_S2, m2, 3);
	}
	twin_build(t, &t->s1, t->nested, POOL_S1, l->m, l->n);
	if (fc->ttb1) {
		/* TTB1: the same layout again, VA[63:48] all ones. */
		struct iref_walk_cfg hi = t->s1;
		struct layout l1 = {0};
		hi.root = 0;
		lay_out(&l1, seed, fc->va_bits, false, fc->gran);
		twin_build(t, &hi, false, POOL_S1 + POOL_SIZE / 2, l1.m, l1.n);
		t->s1.u.arm.ttb1 = hi.root;
		for (size_t i = 0; i < l1.n && l->n < MAX_MAPS; i++) {
			l->m[l->n] = l1.m[i];
			l->m[l->n++].va |= ~(BIT(48) - 1);
		}
	}
	mutate(t, l, fc, seed);
}

/* Inputs: mostly inside mappings, some in the gaps and neighbourhoods,
 * some anywhere (range checks). */
static uint64_t pick(const struct layout *l, uint64_t *seed, unsigned bits)
{
	uint64_t r = rnd(seed) % 100;
	const struct iref_build_map *m = &l->m[rnd(seed) % l->n];
	if (r < 60)
		return m->va + (rnd(seed) % m->size & ~UINT64_C(7));
	if (r < 80)
		return m->va + (rnd(seed) % (M4 * 2) & ~UINT64_C(0xfff)) -
		       M4 / 2;
	if (r < 90)
		return (m->va & ~(G1 - 1)) + rnd(seed) % G1;
	if (r < 97)
		return rnd(seed) % BIT(bits);
	return rnd(seed);
}

static void run_case(const struct fcase *fc, uint64_t seed, unsigned walks)
{
	struct twin t;
	struct layout l;
	char what[128];
	snprintf(what, sizeof what, "%s %s%s%s", fc->s1, fc->opt1[0] ? fc->opt1[0] : "",
		 fc->s2 ? " over " : "", fc->s2 ? fc->s2 : "");
	twin_init(&t, true, true);
	build_case(&t, fc, &seed, &l);
	static const unsigned acc[] = {IREF_ACC_READ, IREF_ACC_WRITE,
				       IREF_ACC_EXEC};
	for (unsigned i = 0; i < walks; i++) {
		uint64_t a = pick(&l, &seed, fc->va_bits);
		unsigned access = acc[rnd(&seed) % 3];
		bool priv = rnd(&seed) % 2;
		both(&t, a, access, priv, what);
		/* Again nearby: the likeliest hit. */
		both(&t, a ^ (rnd(&seed) % 64 * K4), access, !priv, what);
		if (rnd(&seed) % 500 == 0) {
			struct iref_tlb_inv all = {0};
			ck_assert_int_eq(iref_wcache_invalidate(t.c.wc, &all,
								NULL),
					 IREF_OK);
		}
	}
	struct iref_tlb_stats st;
	iref_wcache_get_stats(t.c.wc, &st);
	ck_assert_msg(st.hits > walks / 4, "%s: only %llu walk-cache hits",
		      what, (unsigned long long)st.hits);
	if (t.nested) {
		iref_tlb_get_stats(t.c.s2tlb, &st);
		ck_assert_msg(st.hits > 0, "%s: no stage-2 table-cache hit",
			      what);
	}
	twin_free(&t);
}

START_TEST(test_differential)
{
	/* _i: one case per loop iteration, named in every message. */
	const struct fcase *fc = &cases[_i];
	for (uint64_t seed = 1; seed <= 3; seed++)
		run_case(fc, seed * 7919 + (uint64_t)_i, fc->s2 ? 600 : 1500);
}
END_TEST

/* ---- Directed tests ---- */

struct fmt_one {
	const char *name;
	const char *opts[4];
};

static const struct fmt_one singles[] = {
	{"arm-s1", {0}},
	{"arm-s2", {0}},
	{"intel-fs", {"sre=1", 0}},
	{"intel-fs", {"levels=5", "sre=1", 0}},
	{"intel-ss", {0}},
	{"riscv-sv39", {"sum=1", 0}},
	{"riscv-sv48", {"sum=1", 0}},
	{"riscv-sv39x4", {0}},
	{"amd-v1", {0}},
	{"amd-v2", {0}},
};
#define N_SINGLES (sizeof singles / sizeof singles[0])

#define VA UINT64_C(0x1234400000) /* 2 MiB aligned, below 2^38 */
#define PA UINT64_C(0x80000000)

/* One 2 MiB region of 4 KiB pages at VA. */
static void simple(struct twin *t, const char *name, const char *const *opt,
		   unsigned flags)
{
	cfg_init(&t->s1, name, opt);
	struct iref_build_map m = {VA, PA, M2, R | W | X,
				   IREF_BUILD_USER | IREF_BUILD_NO_BLOCKS |
					   flags,
				   0};
	twin_build(t, &t->s1, false, POOL_S1, &m, 1);
}

/* A hit at the deepest table reads one entry; an invalidation (all, or
 * the range) makes the next walk read every level again. */
START_TEST(test_hit_reads_one_entry)
{
	const struct fmt_one *f = &singles[_i];
	struct twin t;
	twin_init(&t, true, false);
	simple(&t, f->name, f->opts, 0);
	unsigned levels = cached(&t, VA, IREF_ACC_READ, true)->n_acc;
	ck_assert_msg(t.rc.ok && levels >= 3, "%s", f->name);
	struct iref_walk_result *r = cached(&t, VA + 5 * K4, IREF_ACC_READ,
					    true);
	ck_assert_msg(r->ok && r->pa == PA + 5 * K4, "%s", f->name);
	ck_assert_uint_eq(r->n_acc, 1);
	both(&t, VA + 7 * K4, IREF_ACC_WRITE, true, f->name);
	ck_assert_uint_eq(t.rc.n_acc, 1);
	ck_assert_uint_eq(t.ru.n_acc, levels);

	struct iref_tlb_inv all = {0};
	size_t gone = 0;
	ck_assert_int_eq(iref_wcache_invalidate(t.c.wc, &all, &gone), IREF_OK);
	ck_assert_uint_eq(gone, levels - 1);
	ck_assert_uint_eq(cached(&t, VA + 9 * K4, IREF_ACC_READ, true)->n_acc,
			  levels);
	ck_assert_uint_eq(cached(&t, VA + 9 * K4, IREF_ACC_READ, true)->n_acc,
			  1);

	/* A range invalidation drops every entry whose span holds it. */
	struct iref_tlb_inv one = {
		.flags = IREF_TLB_INV_DOMAIN | IREF_TLB_INV_RANGE,
		.domain = t.c.tag.domain, .first = VA + M2 - 1,
		.last = VA + M2 - 1,
	};
	ck_assert_int_eq(iref_wcache_invalidate(t.c.wc, &one, &gone), IREF_OK);
	ck_assert_uint_eq(gone, levels - 1);
	both(&t, VA + 11 * K4, IREF_ACC_READ, false, f->name);
	ck_assert_uint_eq(t.rc.n_acc, levels);
	/* Another tag shares nothing. */
	t.c.tag.domain++;
	if (t.s1.fmt == IREF_FMT_ARM_S1 || t.s1.fmt == IREF_FMT_INTEL_FS ||
	    t.s1.fmt == IREF_FMT_RISCV_S1 || t.s1.fmt == IREF_FMT_AMD_V2) {
		t.c.tag.domain--;
		t.c.tag.asid++;
	}
	ck_assert_uint_eq(cached(&t, VA, IREF_ACC_READ, true)->n_acc, levels);
	/* Unmapped, in the cached 1 GiB: the fault comes from the level
	 * below the hit, as without the cache. */
	both(&t, VA + 3 * M2, IREF_ACC_READ, true, f->name);
	ck_assert(!t.rc.ok);
	ck_assert_uint_lt(t.rc.n_acc, t.ru.n_acc);
	twin_free(&t);
}
END_TEST

/* The entry read at `level_index` (0 = root) on the way to VA. */
static uint64_t path_entry(struct twin *t, unsigned level_index)
{
	struct iref_walk_req q = {VA, IREF_ACC_READ, true};
	walk_one(t, 0, &q, &t->ru);
	ck_assert_uint_gt(t->ru.n_acc, level_index);
	return t->ru.acc[level_index].addr;
}

/* Walk with a cache filled by a request that passes, then one the path's
 * accumulated rights refuse: the same fault either way. */
static void refused_after_hit(struct twin *t, unsigned access, bool priv,
			      enum iref_wfault reason, uint32_t code,
			      int level, bool resumed)
{
	ck_assert(cached(t, VA, IREF_ACC_READ, true)->ok);
	both(t, VA + K4, access, priv, "refused");
	ck_assert(!t->rc.ok);
	ck_assert_int_eq(t->rc.fault.reason, reason);
	ck_assert_uint_eq(t->rc.fault.code, code);
	ck_assert_int_eq(t->rc.fault.level, level);
	if (resumed)
		ck_assert_uint_eq(t->rc.n_acc, 1);
	else
		ck_assert_uint_eq(t->rc.n_acc, t->ru.n_acc);
}

/* Arm APTable[1] (read-only) at the level-1 table descriptor: a write
 * resumed at level 3 still faults as a permission fault at level 3. */
START_TEST(test_arm_aptable_readonly)
{
	struct twin t;
	twin_init(&t, true, false);
	simple(&t, "arm-s1", NULL, 0);
	uint64_t e1 = path_entry(&t, 1);
	twin_w64(&t, e1, twin_r64(&t, e1) | BIT(62));
	ck_assert_uint_eq(cached(&t, VA, IREF_ACC_READ, true)->perm, R | X);
	refused_after_hit(&t, IREF_ACC_WRITE, true, IREF_WF_PERMISSION,
			  IREF_ARM_F_PERMISSION, 3, true);
	/* APTable[0] at level 2: no unprivileged access below. */
	uint64_t e2 = path_entry(&t, 2);
	twin_w64(&t, e2, twin_r64(&t, e2) | BIT(61));
	struct iref_tlb_inv all = {0};
	iref_wcache_invalidate(t.c.wc, &all, NULL);
	refused_after_hit(&t, IREF_ACC_READ, false, IREF_WF_PERMISSION,
			  IREF_ARM_F_PERMISSION, 3, true);
	twin_free(&t);
}
END_TEST

/* x86 U/S = 0 at level 3 (VT-d first stage): a user read resumed below
 * faults at the leaf as the uncached walk does; with per-level checks the
 * fault is at level 3, and the cache must not hide that. */
START_TEST(test_intel_us_level3)
{
	static const char *const opts[2][3] = {
		{"sre=1", 0}, {"sre=1", "perm_check=per_level", 0}};
	for (int pl = 0; pl < 2; pl++) {
		struct twin t;
		twin_init(&t, true, false);
		simple(&t, "intel-fs", opts[pl], 0);
		uint64_t e3 = path_entry(&t, 1);
		twin_w64(&t, e3, twin_r64(&t, e3) & ~BIT(2));
		refused_after_hit(&t, IREF_ACC_READ, false, IREF_WF_PERMISSION,
				  IREF_INTEL_FR_SGN_2, pl ? 3 : 1, !pl);
		/* A supervisor write still resumes. */
		both(&t, VA + 2 * K4, IREF_ACC_WRITE, true, "intel-fs");
		ck_assert(t.rc.ok);
		ck_assert_uint_eq(t.rc.n_acc, 1);
		twin_free(&t);
	}
}
END_TEST

/* AMD v1 IW = 0 at the level-3 PDE: per level (the default) the write
 * faults at level 3, at the leaf otherwise; both the same cached. */
START_TEST(test_amd_v1_iw_table)
{
	static const char *const leaf[] = {"perm_check=leaf", 0};
	for (int at_leaf = 0; at_leaf < 2; at_leaf++) {
		struct twin t;
		twin_init(&t, true, false);
		simple(&t, "amd-v1", at_leaf ? leaf : NULL, 0);
		uint64_t e3 = path_entry(&t, 1);
		twin_w64(&t, e3, twin_r64(&t, e3) & ~BIT(62));
		refused_after_hit(&t, IREF_ACC_WRITE, true, IREF_WF_PERMISSION,
				  IREF_AMD_EV_IO_PAGE_FAULT, at_leaf ? 1 : 3,
				  at_leaf);
		ck_assert_uint_eq(t.rc.fault.flags & IREF_AMD_F_PE,
				  IREF_AMD_F_PE);
		twin_free(&t);
	}
}
END_TEST

/* AMD v1 level skipping (§4.2): a level-4 PDE pointing straight at a
 * level-2 table translates only inputs whose bits 38:30 are zero; its
 * cache entry spans 1 GiB, not 512, so other inputs still fault. */
START_TEST(test_amd_v1_skip)
{
	struct twin t;
	twin_init(&t, true, false);
	cfg_init(&t.s1, "amd-v1", NULL);
	struct iref_build_map m[] = {
		{0x200000, PA, M2, R | W, IREF_BUILD_NO_BLOCKS, 0},
		{0x20000000, PA + M2, M2, R, 0, 0},
	};
	twin_build(&t, &t.s1, false, POOL_S1, m, 2);
	struct iref_walk_req q = {0x200000, IREF_ACC_READ, true};
	walk_one(&t, 0, &q, &t.ru);
	ck_assert(t.ru.ok);
	/* Level 4 -> level 3 -> level 2: point level 4 at the level-2
	 * table, NextLevel 2. */
	uint64_t e4 = t.ru.acc[0].addr, e3 = t.ru.acc[1].addr;
	uint64_t t2 = twin_r64(&t, e3) & (BIT(52) - BIT(12));
	uint64_t pde = twin_r64(&t, e4);
	twin_w64(&t, e4, (pde & ~(BIT(52) - BIT(12)) & ~(UINT64_C(7) << 9)) |
				 t2 | UINT64_C(2) << 9);
	both(&t, 0x200000, IREF_ACC_READ, true, "skip");
	ck_assert(t.rc.ok);
	ck_assert_uint_eq(t.rc.n_acc, 3);
	both(&t, 0x201000, IREF_ACC_WRITE, true, "skip");
	ck_assert(t.rc.ok);
	ck_assert_uint_eq(t.rc.n_acc, 1);
	/* Bits 38:30 not zero: faults at level 4 after the hit too. */
	both(&t, G1 + 0x200000, IREF_ACC_READ, true, "skip");
	ck_assert(!t.rc.ok);
	ck_assert_int_eq(t.rc.fault.level, 4);
	ck_assert_uint_eq(t.rc.n_acc, 1);
	uint64_t seed = 99;
	for (int i = 0; i < 2000; i++)
		both(&t, rnd(&seed) % (4 * G1) & ~UINT64_C(7),
		     rnd(&seed) % 2 ? IREF_ACC_READ : IREF_ACC_WRITE, true,
		     "skip");
	twin_free(&t);
}
END_TEST

/* RISC-V: G on a pointer PTE makes the leaf global (§2.1); resuming
 * below it must keep that. */
START_TEST(test_riscv_global_pointer)
{
	struct twin t;
	twin_init(&t, true, false);
	static const char *const sum[] = {"sum=1", 0};
	simple(&t, "riscv-sv39", sum, 0);
	uint64_t root = path_entry(&t, 0);
	twin_w64(&t, root, twin_r64(&t, root) | BIT(5));
	ck_assert(cached(&t, VA, IREF_ACC_READ, true)->global);
	both(&t, VA + K4, IREF_ACC_READ, true, "riscv G");
	ck_assert(t.rc.global);
	ck_assert_uint_eq(t.rc.n_acc, 1);
	twin_free(&t);
}
END_TEST

/* An accessed bit still to be written when the walk faults is not behind
 * a cached entry: the next walk reads and sets it, as uncached. */
START_TEST(test_pending_accessed_not_cached)
{
	struct twin t;
	twin_init(&t, true, false);
	static const char *const sre[] = {"sre=1", 0};
	cfg_init(&t.s1, "intel-fs", sre);
	struct iref_build_map m = {VA, PA, K4 * 8, R | W,
				   IREF_BUILD_NO_BLOCKS, 0};
	twin_build(&t, &t.s1, false, POOL_S1, &m, 1);
	uint64_t e2 = path_entry(&t, 2); /* level 2: points at the PTEs */
	twin_w64(&t, e2, twin_r64(&t, e2) & ~BIT(5));
	both(&t, VA + 100 * K4, IREF_ACC_READ, true, "pending A");
	ck_assert(!t.rc.ok); /* not present: A stays clear */
	ck_assert_uint_eq(count(&t.rc, IREF_WALK_WR, 0), 0);
	both(&t, VA, IREF_ACC_READ, true, "pending A");
	ck_assert(t.rc.ok);
	ck_assert_uint_eq(count(&t.rc, IREF_WALK_WR, 0), 1);
	ck_assert_uint_eq(count(&t.rc, IREF_WALK_RD, 0), 2);
	both(&t, VA + K4, IREF_ACC_READ, true, "pending A");
	ck_assert_uint_eq(t.rc.n_acc, 1);
	twin_free(&t);
}
END_TEST

/* Nested: the stage-2 table cache gives stage-1 table addresses without
 * stage-2 reads; an invalidation brings them back. */
START_TEST(test_s2tlb_skips_stage2)
{
	struct twin t;
	twin_init(&t, false, true);
	t.nested = true;
	cfg_init(&t.s1, "arm-s1", NULL);
	cfg_init(&t.s2, "arm-s2", NULL);
	struct iref_build_map m2[] = {
		{POOL_S1, POOL_S1 + TABLE_OFF, POOL_SIZE, R | W, 0, 0},
		{DATA_GPA, DATA_GPA + DATA_OFF, M2, R | W, IREF_BUILD_USER, 0},
	};
	twin_build(&t, &t.s2, false, POOL_S2, m2, 2);
	struct iref_build_map m1 = {VA, DATA_GPA, M2, R | W,
				    IREF_BUILD_NO_BLOCKS, 0};
	twin_build(&t, &t.s1, true, POOL_S1, &m1, 1);
	both(&t, VA, IREF_ACC_READ, true, "s2tlb");
	unsigned s2_reads = count(&t.ru, IREF_WALK_RD, 2);
	ck_assert_uint_eq(count(&t.rc, IREF_WALK_RD, 1), 4);
	ck_assert_uint_eq(s2_reads, 5 * 3); /* 2 MiB blocks: 3 levels */
	both(&t, VA + K4, IREF_ACC_READ, true, "s2tlb");
	ck_assert_uint_eq(count(&t.rc, IREF_WALK_RD, 1), 4);
	ck_assert_uint_eq(count(&t.rc, IREF_WALK_RD, 2), 3); /* data only */
	/* The tables share one 2 MiB stage-2 page: one miss, then hits. */
	struct iref_tlb_stats st;
	iref_tlb_get_stats(t.c.s2tlb, &st);
	ck_assert_uint_eq(st.misses, 1);
	ck_assert_uint_eq(st.hits, 3 + 4);
	struct iref_tlb_inv all = {0};
	ck_assert_int_eq(iref_tlb_invalidate(t.c.s2tlb, &all, NULL), IREF_OK);
	both(&t, VA + 2 * K4, IREF_ACC_READ, true, "s2tlb");
	ck_assert_uint_eq(count(&t.rc, IREF_WALK_RD, 2), 3 + 3);

	/* With a walk cache too: one stage-1 entry, one stage-2 entry. */
	t.c.wc = new_wcache(64, 4);
	both(&t, VA + 3 * K4, IREF_ACC_READ, true, "s2tlb");
	both(&t, VA + 4 * K4, IREF_ACC_READ, true, "s2tlb");
	ck_assert_uint_eq(count(&t.rc, IREF_WALK_RD, 1), 1);
	ck_assert_uint_eq(count(&t.rc, IREF_WALK_RD, 2), 1);
	twin_free(&t);
}
END_TEST

/* A stage-2 walk for a table read leaves the dirty bit of a
 * writable-clean page alone, so its cached translation must not serve the
 * A/D write that follows (most formats report W on such a page): that
 * write walks stage 2 and sets the bit, as uncached. */
static const struct {
	const char *s1, *o1[3], *s2, *o2[3];
} dirty_pairs[] = {
	{"arm-s1", {"ha=1", 0}, "arm-s2", {"s2ha=1", "s2hd=1", 0}},
	{"intel-fs", {"sre=1", 0}, "intel-ss", {"ssade=1", 0}},
	{"riscv-sv39", {"ade=1", 0}, "riscv-sv39x4", {"ade=1", 0}},
	{"amd-v2", {0}, "amd-v1", {"had=3", 0}},
};

START_TEST(test_s2tlb_write_walks)
{
	struct twin t;
	twin_init(&t, false, true);
	t.nested = true;
	cfg_init(&t.s1, dirty_pairs[_i].s1, dirty_pairs[_i].o1);
	cfg_init(&t.s2, dirty_pairs[_i].s2, dirty_pairs[_i].o2);
	struct iref_build_map m2[] = {
		{POOL_S1, POOL_S1 + TABLE_OFF, POOL_SIZE, R | W,
		 IREF_BUILD_NO_DIRTY | IREF_BUILD_NO_BLOCKS, 0},
		{DATA_GPA, DATA_GPA + DATA_OFF, M2, R | W, IREF_BUILD_USER, 0},
	};
	twin_build(&t, &t.s2, false, POOL_S2, m2, 2);
	struct iref_build_map m1[] = {
		{VA, DATA_GPA, K4, R | W, IREF_BUILD_NO_BLOCKS, 0},
		{VA + K4, DATA_GPA + K4, K4, R | W,
		 IREF_BUILD_NO_BLOCKS | IREF_BUILD_NO_ACCESSED, 0},
	};
	twin_build(&t, &t.s1, true, POOL_S1, m1, 2);
	both(&t, VA, IREF_ACC_READ, true, dirty_pairs[_i].s1);
	ck_assert(t.rc.ok);
	both(&t, VA + K4, IREF_ACC_READ, true, dirty_pairs[_i].s1);
	ck_assert(t.rc.ok);
	/* The stage-1 leaf's accessed bit, after the stage-2 dirty update
	 * of the page holding it. */
	ck_assert_uint_eq(count(&t.rc, IREF_WALK_WR, 2), 1);
	ck_assert_uint_eq(count(&t.rc, IREF_WALK_WR, 1), 1);
	struct iref_tlb_stats st;
	iref_tlb_get_stats(t.c.s2tlb, &st);
	ck_assert_uint_gt(st.hits, 0);
	twin_free(&t);
}
END_TEST

/* The NULL-caches call is the uncached walk, and a cache given to a
 * single-stage walk ignores s2tlb. */
START_TEST(test_null_caches)
{
	struct twin t;
	twin_init(&t, false, true);
	static const char *const sum[] = {"sum=1", 0};
	simple(&t, "riscv-sv48", sum, 0);
	struct iref_walk_req q = {VA + 3 * K4, IREF_ACC_WRITE, false};
	struct iref_walk_result *a = &t.ru, *b = &t.rc;
	ck_assert_int_eq(iref_walk(&t.s1, t.mem[0], &q, a), IREF_OK);
	ck_assert_int_eq(iref_walk_cached(&t.s1, t.mem[1], NULL, &q, b),
			 IREF_OK);
	same(a, b, "null", q.addr);
	ck_assert_uint_eq(a->n_acc, b->n_acc);
	ck_assert_int_eq(iref_walk_cached(&t.s1, t.mem[1], &t.c, &q, b),
			 IREF_OK);
	ck_assert_uint_eq(a->n_acc, b->n_acc);
	ck_assert_uint_eq(iref_tlb_count(t.c.s2tlb), 0);
	struct iref_walk_cfg none = {0};
	ck_assert_int_eq(iref_walk_cached(&none, t.mem[1], &t.c, &q, b),
			 IREF_E_INVAL);
	twin_free(&t);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("walk_cache");
	TCase *d = tcase_create("directed");
	tcase_add_loop_test(d, test_hit_reads_one_entry, 0, (int)N_SINGLES);
	tcase_add_test(d, test_arm_aptable_readonly);
	tcase_add_test(d, test_intel_us_level3);
	tcase_add_test(d, test_amd_v1_iw_table);
	tcase_add_test(d, test_amd_v1_skip);
	tcase_add_test(d, test_riscv_global_pointer);
	tcase_add_test(d, test_pending_accessed_not_cached);
	tcase_add_test(d, test_s2tlb_skips_stage2);
	tcase_add_loop_test(d, test_s2tlb_write_walks, 0,
			    (int)(sizeof dirty_pairs / sizeof dirty_pairs[0]));
	tcase_add_test(d, test_null_caches);
	suite_add_tcase(s, d);

	TCase *p = tcase_create("differential");
	tcase_set_timeout(p, 120);
	tcase_add_loop_test(p, test_differential, 0, (int)N_CASES);
	suite_add_tcase(s, p);
	return s;
}

int main(void)
{
	return iref_test_run(suite());
}
