#include "results.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "iommu-ref/ext_wire.h"

typedef unsigned long long ull;

void rline_free(struct rline *l)
{
	free(l->s);
	*l = (struct rline){0};
}

void rline_clear(struct rline *l)
{
	l->len = 0;
	l->nomem = false;
	if (l->s)
		l->s[0] = '\0';
}

void rline_add(struct rline *l, const char *fmt, ...)
{
	if (l->nomem)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(l->s ? l->s + l->len : NULL, l->cap - l->len, fmt,
			  ap);
	va_end(ap);
	if (n < 0) {
		l->nomem = true;
		return;
	}
	if (l->len + (size_t)n + 1 > l->cap) {
		size_t cap = l->cap ? l->cap : 128;
		while (cap < l->len + (size_t)n + 1)
			cap *= 2;
		char *s = realloc(l->s, cap);
		if (!s) {
			l->nomem = true;
			return;
		}
		l->s = s;
		l->cap = cap;
		va_start(ap, fmt);
		vsnprintf(l->s + l->len, l->cap - l->len, fmt, ap);
		va_end(ap);
	}
	l->len += (size_t)n;
}

const char *rline_str(const struct rline *l)
{
	if (l->nomem)
		return "(out of memory)";
	return l->s ? l->s : "";
}

void results_arrow(struct rline *l)
{
	rline_add(l, " -> ");
}

void results_status(struct rline *l, unsigned status)
{
	const char *name = iref_status_name(status);
	if (name)
		rline_add(l, "%s", name);
	else
		rline_add(l, "0x%x", status);
}

/* Flag sets whose bits all have names print as names; a set with any
 * unnamed bit prints as one hex number, so a reader never has to mix the
 * two forms. */
struct flag_name {
	uint32_t bit;
	const char *name;
};

static void flag_set(struct rline *l, uint32_t v, const struct flag_name *t,
		     size_t n, const char *sep)
{
	uint32_t named = 0;
	for (size_t i = 0; i < n; i++)
		named |= t[i].bit;
	if (v & ~named) {
		rline_add(l, "0x%x", v);
		return;
	}
	if (!v) {
		rline_add(l, "-");
		return;
	}
	const char *s = "";
	for (size_t i = 0; i < n; i++) {
		if (v & t[i].bit) {
			rline_add(l, "%s%s", s, t[i].name);
			s = sep;
		}
	}
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct flag_name map_flags[] = {
	{IREF_MAP_F_READ, "r"},
	{IREF_MAP_F_WRITE, "w"},
	{IREF_MAP_F_MMIO, "m"},
};

static const struct flag_name fault_flags[] = {
	{IREF_FAULT_F_READ, "r"},
	{IREF_FAULT_F_WRITE, "w"},
	{IREF_FAULT_F_EXEC, "x"},
	{IREF_FAULT_F_ADDRESS, "address"},
	{IREF_FAULT_F_PASID, "pasid"},
};

static const struct flag_name perms[] = {
	{IREF_PERM_R, "r"},
	{IREF_PERM_W, "w"},
	{IREF_PERM_X, "x"},
};

void results_map_flags(struct rline *l, uint32_t flags)
{
	flag_set(l, flags, map_flags, N(map_flags), "");
}

void results_fault_flags(struct rline *l, uint32_t flags)
{
	flag_set(l, flags, fault_flags, N(fault_flags), ",");
}

void results_perm(struct rline *l, unsigned perm)
{
	flag_set(l, perm, perms, N(perms), "");
}

void results_reason(struct rline *l, unsigned reason)
{
	const char *name = iref_fault_reason_name(reason);
	if (name)
		rline_add(l, "%s", name);
	else
		rline_add(l, "0x%x", reason);
}

void results_via(struct rline *l, enum iref_dma_path path, bool mmio)
{
	switch (path) {
	case IREF_PATH_MAPPING:
		rline_add(l, "%s", mmio ? "mmio" : "map");
		return;
	case IREF_PATH_BYPASS:
		rline_add(l, "bypass");
		return;
	case IREF_PATH_MSI:
		rline_add(l, "msi");
		return;
	case IREF_PATH_TABLE:
		rline_add(l, "table");
		return;
	case IREF_PATH_STAGE2:
		rline_add(l, "s2");
		return;
	}
	rline_add(l, "0x%x", (unsigned)path);
}

/* Register names of each HW property, in the order of iref_hw_regs, from
 * IREF_PROBE_T_HW_ARM_SMMU3. */
static const struct {
	const char *name;
	const char *reg[4];
} hw_props[] = {
	{"hw_arm_smmu3", {"idr0", "idr1", "idr3", "idr5"}},
	{"hw_intel", {"cap", "ecap"}},
	{"hw_riscv", {"caps", "fctl"}},
	{"hw_amd", {"efr", "efr2"}},
};

void results_hw_regs(struct rline *l, const struct iref_hw_regs *r)
{
	unsigned t = r->type - IREF_PROBE_T_HW_ARM_SMMU3;
	if (r->type < IREF_PROBE_T_HW_ARM_SMMU3 || t >= N(hw_props)) {
		rline_add(l, "prop(0x%x,-)", r->type);
		return;
	}
	rline_add(l, "%s(", hw_props[t].name);
	for (unsigned i = 0; i < 4 && hw_props[t].reg[i]; i++)
		rline_add(l, "%s%s=0x%llx", i ? "," : "", hw_props[t].reg[i],
			  (ull)r->reg[i]);
	rline_add(l, ")");
}

void results_prop(struct rline *l, const struct iref_probe_prop *p)
{
	struct iref_hw_regs hw;
	if (p->value && iref_dec_hw_prop(p, &hw)) {
		results_hw_regs(l, &hw);
		return;
	}
	if (p->type != IREF_PROBE_T_RESV_MEM || p->length < 20) {
		rline_add(l, "prop(0x%x,%u)", p->type, p->length);
		return;
	}
	rline_add(l, "resv_mem(");
	if (p->subtype == IREF_RESV_MEM_T_MSI)
		rline_add(l, "msi");
	else if (p->subtype == IREF_RESV_MEM_T_RESERVED)
		rline_add(l, "reserved");
	else
		rline_add(l, "0x%x", p->subtype);
	rline_add(l, ",0x%llx,0x%llx)", (ull)p->start, (ull)p->end);
}

/* Readable size of the request types with a friendly subject; 0 for the
 * others, which always print as raw. */
static size_t friendly_size(uint8_t type)
{
	switch (type) {
	case IREF_T_ATTACH:
		return IREF_ATTACH_RSIZE;
	case IREF_T_DETACH:
		return IREF_DETACH_RSIZE;
	case IREF_T_MAP:
		return IREF_MAP_RSIZE;
	case IREF_T_UNMAP:
		return IREF_UNMAP_RSIZE;
	case IREF_T_PROBE:
		return IREF_PROBE_RSIZE;
	case IREF_T_ATTACH_TABLE:
		return IREF_ATTACH_TABLE_RSIZE;
	case IREF_T_INVALIDATE:
		return IREF_INVALIDATE_RSIZE;
	}
	return 0;
}

/* The descriptor's fields in encoding order: words in hex, the PASID,
 * address width and level count in decimal. */
static void attach_table_desc(struct rline *l,
			      const struct iref_attach_table *at)
{
	switch (at->format) {
	case IREF_TF_ARM_SMMU3:
		rline_add(l, " ste0=0x%llx ste1=0x%llx", (ull)at->u.arm.ste0,
			  (ull)at->u.arm.ste1);
		return;
	case IREF_TF_INTEL_PT:
		rline_add(l,
			  " pasid=%u attach_flags=0x%x s1_flags=0x%llx "
			  "pgtbl=0x%llx addr_width=%u",
			  at->u.intel.pasid, at->u.intel.attach_flags,
			  (ull)at->u.intel.s1_flags,
			  (ull)at->u.intel.pgtbl_addr,
			  at->u.intel.addr_width);
		return;
	case IREF_TF_RISCV:
		rline_add(l, " dc_tc=0x%llx dc_fsc=0x%llx dc_ta=0x%llx",
			  (ull)at->u.riscv.dc_tc, (ull)at->u.riscv.dc_fsc,
			  (ull)at->u.riscv.dc_ta);
		return;
	case IREF_TF_AMD_GCR3:
		for (unsigned i = 0; i < 4; i++)
			rline_add(l, " dte%u=0x%llx", i,
				  (ull)at->u.amd_gcr3.dte[i]);
		return;
	case IREF_TF_AMD_PT:
		rline_add(l, " pasid=%u attach_flags=0x%x gcr3=0x%llx levels=%u",
			  at->u.amd_pt.pasid, at->u.amd_pt.attach_flags,
			  (ull)at->u.amd_pt.gcr3, at->u.amd_pt.levels);
		return;
	}
}

static void attach_table_subject(struct rline *l, const uint8_t *rd)
{
	struct iref_attach_table at;
	enum iref_status st = iref_dec_attach_table(rd, &at);
	const char *name = iref_table_format_name(at.format);
	rline_add(l, "req attach_table domain=%u ep=%u format=", at.domain,
		  at.endpoint);
	if (name)
		rline_add(l, "%s", name);
	else
		rline_add(l, "0x%x", at.format);
	/* A friendly step leaves the reserved bytes zero; the fields of an
	 * unassigned format are unknown. */
	if (st == IREF_S_OK)
		attach_table_desc(l, &at);
}

static const struct flag_name inval_caches[] = {
	{IREF_INVAL_C_PASID, "pasid"},
	{IREF_INVAL_C_TLB, "tlb"},
};

static const struct flag_name inval_flags[] = {
	{IREF_INVAL_F_LEAF, "leaf"},
	{IREF_INVAL_F_PASID, "pasid"},
	{IREF_INVAL_F_ID, "id"},
	{IREF_INVAL_F_GLOBAL, "global"},
};

static const char *const inval_scopes[] = {
	[IREF_INVAL_S_DOMAIN] = "domain",
	[IREF_INVAL_S_PASID] = "pasid",
	[IREF_INVAL_S_ADDRESS] = "address",
};

/* pasid and id only when their flag says they are valid, the range only
 * for an address scope: the fields the device reads. */
static void invalidate_subject(struct rline *l, const uint8_t *rd)
{
	struct iref_invalidate inv;
	iref_dec_invalidate(rd, &inv);
	rline_add(l, "req invalidate domain=%u scope=", inv.domain);
	if (inv.scope < N(inval_scopes) && inval_scopes[inv.scope])
		rline_add(l, "%s", inval_scopes[inv.scope]);
	else
		rline_add(l, "0x%x", inv.scope);
	rline_add(l, " caches=");
	flag_set(l, inv.caches, inval_caches, N(inval_caches), ",");
	rline_add(l, " flags=");
	flag_set(l, inv.flags, inval_flags, N(inval_flags), ",");
	if (inv.flags & IREF_INVAL_F_PASID)
		rline_add(l, " pasid=%u", inv.pasid);
	else
		rline_add(l, " pasid=-");
	if (inv.flags & IREF_INVAL_F_ID)
		rline_add(l, " id=0x%llx", (ull)inv.id);
	else
		rline_add(l, " id=-");
	if (inv.scope == IREF_INVAL_S_ADDRESS)
		rline_add(l, " addr=0x%llx pages=%llu psize=%u",
			  (ull)inv.address, (ull)inv.nr_pages, inv.page_size);
	else
		rline_add(l, " addr=- pages=- psize=-");
}

void results_request(struct rline *l, bool raw, const uint8_t *rd,
		     size_t rlen, size_t wlen)
{
	/* Fields are decoded only from a complete request of a known type. */
	if (raw || !rlen || !friendly_size(rd[0]) ||
	    rlen < friendly_size(rd[0])) {
		rline_add(l, "req raw type=");
		if (rlen)
			rline_add(l, "0x%02x", rd[0]);
		else
			rline_add(l, "-");
		rline_add(l, " rlen=%zu wlen=%zu", rlen, wlen);
		return;
	}
	/* A reserved field is shown only when a step set it: the common case
	 * stays short and the line still says what was sent. */
	uint64_t reserved = 0;
	switch (rd[0]) {
	case IREF_T_ATTACH:
		rline_add(l, "req attach domain=%u ep=%u flags=0x%x",
			  iref_le32(rd + 4), iref_le32(rd + 8),
			  iref_le32(rd + 12));
		reserved = iref_le32(rd + 16);
		break;
	case IREF_T_DETACH:
		rline_add(l, "req detach domain=%u ep=%u", iref_le32(rd + 4),
			  iref_le32(rd + 8));
		/* The extension's PASID form (flags = DETACH_F_PASID alone);
		 * any other value of those bytes prints as reserved. */
		if (iref_le32(rd + 12) == IREF_DETACH_F_PASID)
			rline_add(l, " pasid=%u", iref_le32(rd + 16));
		else
			reserved = iref_le64(rd + 12);
		break;
	case IREF_T_MAP:
		rline_add(l,
			  "req map domain=%u virt=[0x%llx,0x%llx] "
			  "phys=0x%llx flags=",
			  iref_le32(rd + 4), (ull)iref_le64(rd + 8),
			  (ull)iref_le64(rd + 16), (ull)iref_le64(rd + 24));
		results_map_flags(l, iref_le32(rd + 32));
		break;
	case IREF_T_UNMAP:
		rline_add(l, "req unmap domain=%u virt=[0x%llx,0x%llx]",
			  iref_le32(rd + 4), (ull)iref_le64(rd + 8),
			  (ull)iref_le64(rd + 16));
		reserved = iref_le32(rd + 24);
		break;
	case IREF_T_PROBE:
		rline_add(l, "req probe ep=%u wlen=%zu", iref_le32(rd + 4),
			  wlen);
		break;
	case IREF_T_ATTACH_TABLE:
		attach_table_subject(l, rd);
		break;
	case IREF_T_INVALIDATE:
		invalidate_subject(l, rd);
		break;
	}
	if (reserved)
		rline_add(l, " reserved=0x%llx", (ull)reserved);
}

struct prop_list {
	struct rline *l;
	size_t n;
};

static bool add_prop(void *ctx, const struct iref_probe_prop *p)
{
	struct prop_list *pl = ctx;
	if (pl->n++)
		rline_add(pl->l, ";");
	results_prop(pl->l, p);
	return true;
}

void results_props(struct rline *l, const uint8_t *area, size_t len)
{
	struct prop_list pl = {.l = l};
	if (iref_probe_parse(area, len, add_prop, &pl) != IREF_OK)
		rline_add(l, "%soverrun", pl.n ? ";" : "");
	else if (!pl.n)
		rline_add(l, "-");
}

void results_reply(struct rline *l, const uint8_t *rd, size_t rlen,
		   const uint8_t *wr, size_t wlen, size_t used)
{
	if (used < IREF_TAIL_SIZE || used > wlen) { /* no tail to read */
		rline_add(l, "used=%zu", used);
		return;
	}
	/* The used length is worth a field only when it is not the whole
	 * writable area, which is what the spec asks for (C25). */
	if (used != wlen)
		rline_add(l, "used=%zu ", used);
	rline_add(l, "status=");
	results_status(l, wr[used - IREF_TAIL_SIZE]);
	if (!rlen || rd[0] != IREF_T_PROBE)
		return;
	rline_add(l, " props=");
	results_props(l, wr, used - IREF_TAIL_SIZE);
}

static const char *const acc_names[] = {
	[IREF_ACC_READ] = "r",
	[IREF_ACC_WRITE] = "w",
	[IREF_ACC_EXEC] = "x",
};

static void access_name(struct rline *l, unsigned access)
{
	if (access < N(acc_names) && acc_names[access])
		rline_add(l, "%s", acc_names[access]);
	else
		rline_add(l, "0x%x", access);
}

void results_dma_access(struct rline *l, const struct iref_dma_req *req)
{
	rline_add(l, "dma ep=%u pasid=", req->endpoint);
	if (req->has_pasid)
		rline_add(l, "%u", req->pasid);
	else
		rline_add(l, "-");
	rline_add(l, " iova=0x%llx len=%llu acc=", (ull)req->iova,
		  (ull)req->size);
	access_name(l, req->access);
	/* Only when set, so that lines of user accesses stay as they were. */
	if (req->priv)
		rline_add(l, " priv=s");
}

void results_dma_at(struct rline *l, uint64_t at)
{
	rline_add(l, " at=%llu", (ull)at);
}

bool results_dma_table_path(enum iref_dma_path path)
{
	return path == IREF_PATH_TABLE || path == IREF_PATH_STAGE2;
}

/* The walk fault behind a fault or abort of a table attachment. */
static void dma_walk_fault(struct rline *l, const struct iref_dma_result *r)
{
	if (!r->has_walk_fault)
		return;
	rline_add(l, " code=0x%x walk=", r->walk.code);
	results_wfault(l, r->walk.reason);
	rline_add(l, " stage=%u level=", r->walk.stage);
	results_level(l, r->walk.level);
}

void results_dma_outcome(struct rline *l, const struct iref_dma_result *r)
{
	switch (r->outcome) {
	case IREF_DMA_OK:
		rline_add(l, "ok pa=0x%llx size=", (ull)r->pa);
		if (r->size)
			rline_add(l, "0x%llx", (ull)r->size);
		else
			rline_add(l, "-");
		rline_add(l, " perm=");
		results_perm(l, r->perm);
		rline_add(l, " via=");
		results_via(l, r->path, r->mmio);
		if (results_dma_table_path(r->path)) {
			rline_add(l, " level=");
			results_level(l, r->level);
		}
		return;
	case IREF_DMA_FAULT:
		rline_add(l, "fault reason=");
		results_reason(l, r->fault.reason);
		rline_add(l, " flags=");
		results_fault_flags(l, r->fault.flags);
		if (r->fault.flags & IREF_FAULT_F_ADDRESS)
			rline_add(l, " addr=0x%llx", (ull)r->fault.address);
		else
			rline_add(l, " addr=-");
		dma_walk_fault(l, r);
		return;
	case IREF_DMA_ABORT:
		rline_add(l, "abort");
		dma_walk_fault(l, r);
		return;
	}
	rline_add(l, "0x%x", (unsigned)r->outcome);
}

void results_tlb_use(struct rline *l, enum iref_dma_tlb t)
{
	switch (t) {
	case IREF_DMA_TLB_NONE:
		rline_add(l, "-");
		return;
	case IREF_DMA_TLB_HIT:
		rline_add(l, "hit");
		return;
	case IREF_DMA_TLB_MISS:
		rline_add(l, "miss");
		return;
	}
	rline_add(l, "0x%x", (unsigned)t);
}

void results_dma_tlb(struct rline *l, enum iref_dma_tlb t)
{
	rline_add(l, " tlb=");
	results_tlb_use(l, t);
}

void results_cycles(struct rline *l, uint64_t cycles)
{
	rline_add(l, " cycles=%llu", (ull)cycles);
}

void results_timing(struct rline *l, const struct timing_summary *s)
{
	rline_add(l, "timing cycles=%llu dma=%zu req=%zu", (ull)s->cycles,
		  s->dma, s->req);
	if (!s->dma) {
		rline_add(l, " p50=- p90=- p99=- max=-");
		return;
	}
	rline_add(l, " p50=%llu p90=%llu p99=%llu max=%llu", (ull)s->p50,
		  (ull)s->p90, (ull)s->p99, (ull)s->max);
}

void results_tlb_stats(struct rline *l, const char *level,
		       const struct iref_tlb_stats *s)
{
	rline_add(l, "tlb");
	if (level)
		rline_add(l, " level=%s", level);
	rline_add(l,
		  " lookups=%llu hits=%llu misses=%llu fills=%llu "
		  "evictions=%llu invalidated=%llu",
		  (ull)s->lookups, (ull)s->hits, (ull)s->misses,
		  (ull)s->fills, (ull)s->evictions, (ull)s->invalidated);
}

void results_walk_request(struct rline *l, const struct iref_walk_cfg *s1,
			  const struct iref_walk_cfg *s2,
			  const struct iref_walk_req *req)
{
	rline_add(l, "walk fmt=%s", iref_walk_cfg_name(s1));
	if (s2)
		rline_add(l, "/%s", iref_walk_cfg_name(s2));
	rline_add(l, " iova=0x%llx acc=", (ull)req->addr);
	access_name(l, req->access);
	rline_add(l, " priv=%s", req->priv ? "s" : "u");
}

void results_level(struct rline *l, int level)
{
	if (level < 0)
		rline_add(l, "-");
	else
		rline_add(l, "%d", level);
}

void results_wfault(struct rline *l, enum iref_wfault reason)
{
	rline_add(l, "%s", iref_wfault_name(reason));
}

void results_walk_outcome(struct rline *l, const struct iref_walk_result *r)
{
	if (r->ok) {
		rline_add(l, "ok pa=0x%llx size=0x%llx perm=", (ull)r->pa,
			  (ull)r->page_size);
		results_perm(l, r->perm);
		rline_add(l, " level=");
		results_level(l, r->level);
		rline_add(l, " attrs=0x%x global=%d", r->attrs, r->global);
		return;
	}
	const struct iref_walk_fault *f = &r->fault;
	rline_add(l, "fault reason=");
	results_wfault(l, f->reason);
	rline_add(l, " code=0x%x level=", f->code);
	results_level(l, f->level);
	rline_add(l, " stage=%u", f->stage);
	/* Only a nested walk can fault on its way; the common line stays
	 * short. */
	if (f->on_walk)
		rline_add(l, " walk=1");
	rline_add(l, " addr=0x%llx addr2=0x%llx flags=0x%x", (ull)f->addr,
		  (ull)f->addr2, f->flags);
}

void results_walk_access_kind(struct rline *l, unsigned kind)
{
	if (kind == IREF_WALK_RD)
		rline_add(l, "read");
	else if (kind == IREF_WALK_WR)
		rline_add(l, "write");
	else
		rline_add(l, "0x%x", kind);
}

void results_walk_access(struct rline *l, const struct iref_walk_access *a)
{
	results_walk_access_kind(l, a->kind);
	rline_add(l, " stage=%u level=", a->stage);
	results_level(l, a->level);
	rline_add(l, " addr=0x%llx value=0x%llx", (ull)a->addr,
		  (ull)a->value);
}

void results_walk_access_line(struct rline *l,
			      const struct iref_walk_access *a)
{
	rline_add(l, "  ");
	results_walk_access(l, a);
}

void results_walk_unrecorded(struct rline *l, unsigned count)
{
	rline_add(l, "  unrecorded count=%u", count);
}

void results_write(struct rline *l, uint64_t addr, size_t words)
{
	rline_add(l, "write addr=0x%llx words=%zu", (ull)addr, words);
}

void results_tables(struct rline *l, const struct iref_walk_cfg *cfg,
		    size_t mappings)
{
	rline_add(l, "tables fmt=%s root=0x%llx mappings=%zu",
		  iref_walk_cfg_name(cfg), (ull)cfg->root, mappings);
}

void results_events(struct rline *l, size_t count, uint64_t dropped)
{
	rline_add(l, "events count=%zu dropped=%llu", count, (ull)dropped);
}

void results_event(struct rline *l, const struct iref_fault_record *r)
{
	rline_add(l, "event reason=");
	results_reason(l, r->reason);
	rline_add(l, " ep=%u pasid=", r->endpoint);
	if (r->flags & IREF_FAULT_F_PASID)
		rline_add(l, "%u", r->pasid);
	else
		rline_add(l, "-");
	if (r->flags & IREF_FAULT_F_ADDRESS)
		rline_add(l, " addr=0x%llx", (ull)r->address);
	else
		rline_add(l, " addr=-");
	rline_add(l, " flags=");
	results_fault_flags(l, r->flags);
}

void results_config_bypass(struct rline *l, unsigned value)
{
	rline_add(l, "config bypass=%u", value);
}

void results_config_write(struct rline *l, uint32_t off, const uint8_t *data,
			  size_t len)
{
	rline_add(l, "config write off=0x%x data=", off);
	if (!len)
		rline_add(l, "-");
	for (size_t i = 0; i < len; i++)
		rline_add(l, "%02x", data[i]);
}

void results_reset(struct rline *l, bool system)
{
	rline_add(l, "reset %s", system ? "system" : "device");
}

void results_eventq_post(struct rline *l, uint32_t count, uint32_t size)
{
	rline_add(l, "eventq post count=%u size=%u", count, size);
}

void results_host(struct rline *l, bool accepted)
{
	rline_add(l, "%s", accepted ? "ok" : "rejected");
}

void results_error(struct rline *l)
{
	rline_add(l, "error");
}
