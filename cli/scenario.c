/* The scenario loader. Mappings are read through tables of fields (key,
 * parser, destination offset), so every section gets the same checks:
 * unknown and duplicate keys, missing required keys, types, number widths
 * and names, each reported at the node's line and column. */
#define _POSIX_C_SOURCE 200809L /* fileno, fstat */
#include "scenario.h"

#include <errno.h>
#include <sys/stat.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yfield.h"
#include "ytree.h"

/* yfield stores enums through their 4-byte representation. */
_Static_assert(sizeof(enum iref_len0_policy) == 4, "enum size");
_Static_assert(sizeof(enum iref_events_mode) == 4, "enum size");
_Static_assert(sizeof(enum iref_dma_outcome) == 4, "enum size");
_Static_assert(sizeof(enum iref_tlb_policy) == 4, "enum size");
_Static_assert(sizeof(enum iref_cache_level) == 4, "enum size");

/* How deep presets may name presets, and how many one scenario may load
 * in all (lists at every depth would otherwise multiply). */
#define PRESET_DEPTH 8
#define PRESET_MAX 64

/* A file's identity, to find a preset that names itself. */
struct file_id {
	dev_t dev;
	ino_t ino;
};

/* The loader's state; y first, so field parsers reach the rest. */
struct ld {
	struct yctx y;
	struct scenario *s;
	const char *dir;
	size_t cur; /* the step being loaded: walks see the tables before it */
	/* The presets being loaded, outermost first. */
	struct file_id open[PRESET_DEPTH];
	unsigned depth;
};

/* The preset a node was written in, or NULL for the scenario itself. */
static const char *preset_file(const struct ld *ld, const struct ynode *n)
{
	return n->file == ld->y.name ? NULL : n->file;
}

static char *dup_str(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	return d ? memcpy(d, s, n) : NULL;
}

/* Statuses by the names of wire.h. */
static bool f_status_opt(struct yctx *y, const struct ynode *v, void *base,
			 const struct yfield *f)
{
	struct opt *o = (struct opt *)((char *)base + f->off);
	if (!ywant(y, v, YNODE_SCALAR, f->key))
		return false;
	int st = iref_status_parse(v->str);
	if (st < 0) {
		struct yjoin names = {0};
		for (unsigned i = 0; i < IREF_S_COUNT; i++)
			yjoin_add(&names, iref_status_name(i));
		return yfail(y, v,
			     "%s: unknown status '%s' (expected one of: %s)",
			     f->key, v->str, names.buf);
	}
	o->set = true;
	o->v = (uint64_t)st;
	return true;
}

/* Normalised walk fault reasons by the library's names. */
static bool f_wfault_opt(struct yctx *y, const struct ynode *v, void *base,
			 const struct yfield *f)
{
	struct opt *o = (struct opt *)((char *)base + f->off);
	if (!ywant(y, v, YNODE_SCALAR, f->key))
		return false;
	struct yjoin names = {0};
	for (unsigned r = IREF_WF_NONE + 1; r <= IREF_WF_CONFIG; r++) {
		const char *name = iref_wfault_name((enum iref_wfault)r);
		if (!strcmp(v->str, name)) {
			o->set = true;
			o->v = r;
			return true;
		}
		yjoin_add(&names, name);
	}
	return yfail(y, v, "%s: unknown fault reason '%s' (expected one of: %s)",
		     f->key, v->str, names.buf);
}

/* ---- Name tables ---- */

static const struct yname feature_names[] = {
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

static const struct yname len0_names[] = {
	{"len0", IREF_LEN0_SILENT},
	{"status", IREF_LEN0_STATUS},
	{NULL, 0},
};

static const struct yname mode_names[] = {
	{"auto", IREF_EVENTS_AUTO},
	{"posted", IREF_EVENTS_POSTED},
	{NULL, 0},
};

static const struct yname subtype_names[] = {
	{"reserved", IREF_RESV_MEM_T_RESERVED},
	{"msi", IREF_RESV_MEM_T_MSI},
	{NULL, 0},
};

static const struct yname map_flag_names[] = {
	{"read", IREF_MAP_F_READ},
	{"write", IREF_MAP_F_WRITE},
	{"mmio", IREF_MAP_F_MMIO},
	{NULL, 0},
};

static const struct yname access_names[] = {
	{"read", IREF_ACC_READ},
	{"write", IREF_ACC_WRITE},
	{"exec", IREF_ACC_EXEC},
	{NULL, 0},
};

static const struct yname perm_names[] = {
	{"read", IREF_PERM_R},
	{"write", IREF_PERM_W},
	{"exec", IREF_PERM_X},
	{NULL, 0},
};

static const struct yname fault_flag_names[] = {
	{"read", IREF_FAULT_F_READ},
	{"write", IREF_FAULT_F_WRITE},
	{"exec", IREF_FAULT_F_EXEC},
	{"address", IREF_FAULT_F_ADDRESS},
	{"pasid", IREF_FAULT_F_PASID},
	{NULL, 0},
};

static const struct yname reason_names[] = {
	{"unknown", IREF_R_UNKNOWN},
	{"domain", IREF_R_DOMAIN},
	{"mapping", IREF_R_MAPPING},
	{NULL, 0},
};

static const struct yname via_names[] = {
	{"map", VIA_MAP},
	{"mmio", VIA_MMIO},
	{"bypass", VIA_BYPASS},
	{"msi", VIA_MSI},
	{"table", VIA_TABLE},
	{"s2", VIA_S2},
	{NULL, 0},
};

static const struct yname outcome_names[] = {
	{"ok", IREF_DMA_OK},
	{"fault", IREF_DMA_FAULT},
	{"abort", IREF_DMA_ABORT},
	{NULL, 0},
};

static const struct yname host_names[] = {
	{"ok", 1},
	{"rejected", 0},
	{NULL, 0},
};

static const struct yname priv_names[] = {
	{"user", 0},
	{"supervisor", 1},
	{NULL, 0},
};

static const struct yname walk_acc_names[] = {
	{"read", IREF_WALK_RD},
	{"write", IREF_WALK_WR},
	{NULL, 0},
};

static const struct yname walk_outcome_names[] = {
	{"ok", 0},
	{"fault", 1},
	{NULL, 0},
};

/* A walk's level: a number, or none for a fault before any table. */
static const struct yname level_names[] = {
	{"none", UINT64_MAX},
	{NULL, 0},
};

static const struct yname tlb_use_names[] = {
	{"none", IREF_DMA_TLB_NONE},
	{"hit", IREF_DMA_TLB_HIT},
	{"miss", IREF_DMA_TLB_MISS},
	{NULL, 0},
};

static const struct yname reset_names[] = {
	{"device", 0},
	{"system", 1},
	{NULL, 0},
};

/* ---- iommu: tlb: ---- */

/* TLB policies by the library's names. */
static bool f_tlb_policy(struct yctx *y, const struct ynode *v, void *base,
			 const struct yfield *f)
{
	if (!ywant(y, v, YNODE_SCALAR, f->key))
		return false;
	int p = iref_tlb_policy_parse(v->str);
	if (p < 0) {
		struct yjoin names = {0};
		for (int i = 0; i < IREF_TLB_POLICY_COUNT; i++)
			yjoin_add(&names,
				  iref_tlb_policy_name((enum iref_tlb_policy)i));
		return yfail(y, v, "%s: unknown policy '%s' (expected one of: %s)",
			     f->key, v->str, names.buf);
	}
	*(enum iref_tlb_policy *)((char *)base + f->off) =
		(enum iref_tlb_policy)p;
	return true;
}

/* One page size: a number of bytes, or one with a k, m, g or t suffix
 * (powers of 1024: 4k, 2m, 1g); a power of two. */
static bool parse_page_size(struct yctx *y, const struct ynode *n,
			    uint64_t *out)
{
	static const char suffix[] = "kmgt";
	if (!ywant(y, n, YNODE_SCALAR, "sizes"))
		return false;
	size_t len = strlen(n->str);
	const char *sx = len > 1 ? strchr(suffix, n->str[len - 1] | 0x20)
				 : NULL;
	uint64_t v;
	if (sx && *sx) {
		char num[32];
		struct iref_diag why;
		unsigned shift = 10 * (unsigned)(sx - suffix + 1);
		if (len > sizeof num)
			return yfail(y, n, "sizes: '%s' is too long", n->str);
		memcpy(num, n->str, len - 1);
		num[len - 1] = '\0';
		if (!ystr_uint(num, "sizes", 64 - shift, &v, &why))
			return yfail(y, n, "%s", why.msg);
		v <<= shift;
	} else if (!yparse_uint(y, n, "sizes", 64, &v)) {
		return false;
	}
	if (!v || (v & (v - 1)))
		return yfail(y, n, "sizes: %s is not a power of two", n->str);
	*out = v;
	return true;
}

/* A list of page sizes, or a number: their OR (bit n = 2^n bytes, as
 * page_size_mask). The engine checks the bits. */
static bool f_tlb_sizes(struct yctx *y, const struct ynode *v, void *base,
			const struct yfield *f)
{
	struct opt *o = (struct opt *)((char *)base + f->off);
	if (v->kind == YNODE_SCALAR) {
		if (!yparse_uint(y, v, f->key, 64, &o->v))
			return false;
	} else {
		if (!ywant(y, v, YNODE_SEQ, f->key))
			return false;
		o->v = 0;
		for (size_t i = 0; i < v->n; i++) {
			uint64_t size;
			if (!parse_page_size(y, v->kids[i], &size))
				return false;
			o->v |= size;
		}
	}
	o->set = true;
	return true;
}

/* One array; ways default to entries (fully associative), sizes to 4 KiB
 * pages alone. */
struct tlb_array_args {
	struct opt entries, ways, sizes;
	uint64_t stages; /* walk caches: IREF_WC_S1 | IREF_WC_S2 */
};

struct tlb_args {
	struct tlb_array_args a; /* the one-array form */
	enum iref_tlb_policy policy;
	uint64_t seed;
	const struct ynode *arrays;
};

/* Walk-cache stages an array holds. */
static const struct yname wc_stage_names[] = {
	{"s1", IREF_WC_S1},
	{"s2", IREF_WC_S2},
	{NULL, 0},
};

#define TA1(k, fn, m, ...) \
	YFIELD(k, fn, struct tlb_array_args, m, __VA_ARGS__)

static const struct yfield tlb_array_fields[] = {
	TA1("entries", yf_opt, entries, .bits = 32, .required = true),
	TA1("ways", yf_opt, ways, .bits = 32),
	TA1("sizes", f_tlb_sizes, sizes, .required = true),
	TA1("stages", yf_flags, stages, .names = wc_stage_names),
	{0},
};

#define TLB(k, fn, m, ...) YFIELD(k, fn, struct tlb_args, m, __VA_ARGS__)

static const struct yfield tlb_fields[] = {
	TLB("entries", yf_opt, a.entries, .bits = 32),
	TLB("ways", yf_opt, a.ways, .bits = 32),
	TLB("sizes", f_tlb_sizes, a.sizes),
	TLB("stages", yf_flags, a.stages, .names = wc_stage_names),
	TLB("policy", f_tlb_policy, policy),
	TLB("seed", yf_uint, seed, .bits = 64),
	TLB("arrays", yf_node, arrays),
	{0},
};

/* Spans a walk cache holds by default: 2 MiB to 256 TiB, every table
 * level above the leaves of a 4 KiB-granule walk. */
#define WC_SPANS (~UINT64_C(0) << 21 & ~(~UINT64_C(0) << 49))

static struct iref_tlb_array_cfg tlb_array(const struct tlb_array_args *a,
					   bool wc)
{
	return (struct iref_tlb_array_cfg){
		.entries = (uint32_t)a->entries.v,
		.ways = (uint32_t)(a->ways.set ? a->ways.v : a->entries.v),
		.sizes = a->sizes.set ? a->sizes.v
			 : wc	      ? WC_SPANS
				      : UINT64_C(0x1000),
		.stages = wc && !a->stages ? IREF_WC_S1 | IREF_WC_S2
					   : (unsigned)a->stages,
	};
}

/* iommu: tlb:, utlb:, wc: and s2tlb: into the iref_tlb_cfg at f->off;
 * load_iommu enables the level given. A walk cache (wc) defaults to both
 * stages and every table span; the others hold no stages. The library
 * checks the geometry when it creates the device. */
static bool f_tlb(struct yctx *y, const struct ynode *v, void *base,
		  const struct yfield *f)
{
	bool wc = strcmp(f->key, "wc") == 0;
	struct tlb_args a = {0};
	if (!yparse_map(y, v, f->key, tlb_fields, &a))
		return false;
	struct iref_tlb_cfg *c =
		(struct iref_tlb_cfg *)((char *)base + f->off);
	*c = (struct iref_tlb_cfg){.policy = a.policy, .seed = a.seed};
	if (!a.arrays) {
		if (!a.a.entries.set)
			return yfail(y, v,
				     "%s: missing key 'entries' (or 'arrays')",
				     f->key);
		c->array[0] = tlb_array(&a.a, wc);
		c->n_arrays = 1;
		return true;
	}
	const char *clash = a.a.entries.set ? "entries"
			    : a.a.ways.set  ? "ways"
			    : a.a.sizes.set ? "sizes"
					    : NULL;
	if (clash)
		return yfail(y, ykey(v, clash),
			     "%s: '%s' and 'arrays' are exclusive (each array "
			     "gives its own)",
			     f->key, clash);
	if (!ywant(y, a.arrays, YNODE_SEQ, "arrays"))
		return false;
	if (!a.arrays->n || a.arrays->n > IREF_TLB_MAX_ARRAYS)
		return yfail(y, a.arrays, "arrays: give 1 to %d arrays",
			     IREF_TLB_MAX_ARRAYS);
	char what[16];
	snprintf(what, sizeof what, "%s array", f->key);
	for (size_t i = 0; i < a.arrays->n; i++) {
		struct tlb_array_args aa = {0};
		if (!yparse_map(y, a.arrays->kids[i], what, tlb_array_fields,
				&aa))
			return false;
		c->array[i] = tlb_array(&aa, wc);
	}
	c->n_arrays = (unsigned)a.arrays->n;
	return true;
}

/* ---- iommu: timing: ---- */

#define TIM(k, m) \
	YFIELD(k, yf_uint, struct iref_timing_cfg, m, .bits = 32)

static const struct yfield timing_fields[] = {
	TIM("dma_base", dma_base),
	TIM("tlb_lookup", tlb_lookup),
	TIM("utlb_lookup", utlb_lookup),
	TIM("wc_lookup", wc_lookup),
	TIM("tree_lookup", tree_lookup),
	TIM("identity", identity),
	TIM("fault", fault),
	TIM("mem_access", mem_access),
	TIM("walkers", walkers),
	TIM("req_base", req_base),
	TIM("req_attach", req_attach),
	TIM("req_detach", req_detach),
	TIM("req_map", req_map),
	TIM("req_unmap", req_unmap),
	TIM("req_probe", req_probe),
	TIM("req_attach_table", req_attach_table),
	TIM("req_invalidate", req_invalidate),
	{0},
};

/* iommu: timing: over the defaults iref_config_default() put in
 * cfg.timing; an empty value keeps them all. The library checks
 * walkers. */
static bool f_timing(struct yctx *y, const struct ynode *v, void *base,
		     const struct yfield *f)
{
	struct iref_config *cfg = &((struct scenario *)base)->cfg;
	(void)f;
	if (!ynode_is_null(v) &&
	    !yparse_map(y, v, "timing", timing_fields, &cfg->timing))
		return false;
	cfg->timing_enabled = true;
	return true;
}

/* An expectation of cycles= needs a device that prices. */
static bool need_timing(struct ld *ld, const struct ynode *expect)
{
	if (ld->s->cfg.timing_enabled)
		return true;
	return yfail(&ld->y, ykey(expect, "cycles"),
		     "cycles: the device has no timing (add iommu: timing:)");
}

/* ---- iommu: ---- */

#define SCN(k, fn, m, ...) YFIELD(k, fn, struct scenario, m, __VA_ARGS__)

static const struct yfield range64_fields[] = {
	SCN("start", yf_uint, cfg.input_start, .bits = 64, .required = true),
	SCN("end", yf_uint, cfg.input_end, .bits = 64, .required = true),
	{0},
};

static const struct yfield range32_fields[] = {
	SCN("start", yf_uint, cfg.domain_start, .bits = 32, .required = true),
	SCN("end", yf_uint, cfg.domain_end, .bits = 32, .required = true),
	{0},
};

static const struct yfield option_fields[] = {
	SCN("write_implies_read", yf_bool, cfg.opt.write_implies_read),
	SCN("resv_bypass_identity", yf_bool, cfg.opt.resv_bypass_identity),
	SCN("unknown_endpoint_passthrough", yf_bool,
	    cfg.opt.unknown_endpoint_passthrough),
	SCN("unmap_reserved_inval", yf_bool, cfg.opt.unmap_reserved_inval),
	SCN("unknown_type", yf_name, cfg.opt.unknown_type, .names = len0_names),
	SCN("short_request", yf_name, cfg.opt.short_request,
	    .names = len0_names),
	SCN("max_domains", yf_uint, cfg.opt.max_domains, .bits = 32),
	SCN("max_endpoints_per_domain", yf_uint,
	    cfg.opt.max_endpoints_per_domain, .bits = 32),
	SCN("max_mappings", yf_uint, cfg.opt.max_mappings, .bits = 64),
	SCN("guest_pa_bits", yf_uint, cfg.opt.guest_pa_bits, .bits = 32),
	SCN("eventq_depth", yf_uint, cfg.opt.eventq_depth, .bits = 32),
	SCN("s2_fault_report", yf_bool, cfg.opt.s2_fault_report),
	{0},
};

static const struct yfield guest_memory_fields[] = {
	SCN("unwritten_is_bus_error", yf_bool, memcfg.unwritten_is_bus_error),
	SCN("limit", yf_uint, memcfg.limit, .bits = 64),
	{0},
};

static const struct yfield eventq_fields[] = {
	SCN("mode", yf_name, eventq_mode, .names = mode_names,
	    .required = true),
	{0},
};

/* Both need the table and option loaders of the steps' section. */
static bool f_hw(struct yctx *y, const struct ynode *v, void *base,
		 const struct yfield *f);
static bool f_stage2(struct yctx *y, const struct ynode *v, void *base,
		     const struct yfield *f);

static const struct yfield iommu_fields[] = {
	SCN("features", yf_flags, cfg.features, .names = feature_names,
	    .bits = 64),
	SCN("negotiated", yf_flags, negotiated, .names = feature_names,
	    .bits = 64),
	SCN("page_size_mask", yf_uint, cfg.page_size_mask, .bits = 64),
	SCN("input_range", yf_sub, cfg, .sub = range64_fields),
	SCN("domain_range", yf_sub, cfg, .sub = range32_fields),
	SCN("probe_size", yf_uint, cfg.probe_size, .bits = 32),
	SCN("bypass", yf_uint, cfg.bypass, .bits = 8),
	SCN("options", yf_sub, cfg.opt, .sub = option_fields),
	SCN("eventq", yf_sub, eventq_mode, .sub = eventq_fields),
	SCN("tlb", f_tlb, cfg.tlb),
	SCN("utlb", f_tlb, cfg.utlb),
	SCN("wc", f_tlb, cfg.wc),
	SCN("s2tlb", f_tlb, cfg.s2tlb),
	SCN("timing", f_timing, cfg.timing),
	SCN("hw", f_hw, cfg.hw),
	SCN("stage2", f_stage2, cfg.stage2),
	{0},
};

static bool load_iommu(struct ld *ld, const struct ynode *key,
		       const struct ynode *v)
{
	struct scenario *s = ld->s;
	s->iommu_line = key->line;
	s->iommu_column = key->column;
	s->negotiated = 0;
	if (!yparse_map(&ld->y, v, "iommu", iommu_fields, s))
		return false;
	s->cfg.tlb_enabled = ynode_get(v, "tlb") != NULL;
	s->cfg.utlb_enabled = ynode_get(v, "utlb") != NULL;
	s->cfg.wc_enabled = ynode_get(v, "wc") != NULL;
	s->cfg.s2tlb_enabled = ynode_get(v, "s2tlb") != NULL;
	/* A modern device always offers VERSION_1, and a driver takes it. */
	s->cfg.features |= IREF_FEAT(IREF_F_VERSION_1);
	const struct ynode *neg = ynode_get(v, "negotiated");
	if (!neg) {
		s->negotiated = s->cfg.features;
		return true;
	}
	s->negotiated |= IREF_FEAT(IREF_F_VERSION_1);
	/* Checked only now: features may come after negotiated. */
	uint64_t extra = s->negotiated & ~s->cfg.features;
	for (const struct yname *e = feature_names; extra && e->name; e++)
		if (e->value & extra)
			return yfail(&ld->y, neg,
				     "negotiated: feature '%s' is not offered",
				     e->name);
	if (extra)
		return yfail(&ld->y, neg,
			     "negotiated: bits 0x%llx are not offered",
			     (unsigned long long)extra);
	return true;
}

/* ---- endpoints: ---- */

#define RESV(k, fn, m, ...) \
	YFIELD(k, fn, struct iref_resv_region, m, __VA_ARGS__)

static const struct yfield resv_fields[] = {
	RESV("subtype", yf_name, subtype, .names = subtype_names, .bits = 8,
	     .numeric = true, .required = true),
	RESV("start", yf_uint, start, .bits = 64, .required = true),
	RESV("end", yf_uint, end, .bits = 64, .required = true),
	{0},
};

static bool f_resv(struct yctx *y, const struct ynode *v, void *base,
		   const struct yfield *f)
{
	struct iref_endpoint_config *ep = base;
	(void)f;
	if (!ywant(y, v, YNODE_SEQ, "reserved"))
		return false;
	struct iref_resv_region *r = calloc(v->n + 1, sizeof *r);
	if (!r)
		return yfail(y, v, "out of memory");
	free((void *)ep->resv);
	ep->resv = r;
	ep->n_resv = v->n;
	for (size_t i = 0; i < v->n; i++)
		if (!yparse_map(y, v->kids[i], "reserved region", resv_fields,
				&r[i]))
			return false;
	return true;
}

#define EP(k, fn, m, ...) \
	YFIELD(k, fn, struct iref_endpoint_config, m, __VA_ARGS__)

static const struct yfield endpoint_fields[] = {
	EP("id", yf_uint, id, .bits = 32, .required = true),
	EP("reserved", f_resv, resv),
	EP("compat_class", yf_uint, compat_class, .bits = 32),
	{0},
};

static bool load_endpoints(struct ld *ld, const struct ynode *v)
{
	struct scenario *s = ld->s;
	if (!ywant(&ld->y, v, YNODE_SEQ, "endpoints"))
		return false;
	if (v->n && !(s->eps = calloc(v->n, sizeof *s->eps)))
		return yfail(&ld->y, v, "out of memory");
	s->n_eps = v->n;
	for (size_t i = 0; i < v->n; i++) {
		struct scn_endpoint *ep = &s->eps[i];
		ep->line = v->kids[i]->line;
		ep->column = v->kids[i]->column;
		if (!yparse_map(&ld->y, v->kids[i], "endpoint", endpoint_fields,
				&ep->cfg))
			return false;
	}
	return true;
}

/* ---- memory: ---- */

static bool f_words(struct yctx *y, const struct ynode *v, void *base,
		    const struct yfield *f)
{
	struct bytes *b = (struct bytes *)((char *)base + f->off);
	if (!ywant(y, v, YNODE_SEQ, f->key))
		return false;
	if (v->n && !(b->p = malloc(v->n * 8)))
		return yfail(y, v, "out of memory");
	b->n = v->n * 8;
	for (size_t i = 0; i < v->n; i++) {
		uint64_t w;
		if (!yparse_uint(y, v->kids[i], f->key, 64, &w))
			return false;
		iref_put_le64(b->p + 8 * i, w);
	}
	return true;
}

#define MEM(k, fn, m, ...) YFIELD(k, fn, struct mem_item, m, __VA_ARGS__)

static const struct yfield mem_fields[] = {
	MEM("addr", yf_uint, addr, .bits = 64),
	MEM("u64", f_words, data),
	MEM("bytes", yf_hex, data),
	MEM("image", yf_string, path),
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
	if (!ywant(&ld->y, v, YNODE_MAP, "memory item"))
		return false;
	/* Exactly one source; checked before parsing so no source
	 * overwrites another's buffer. */
	const struct ynode *given = NULL;
	for (size_t i = 0; i < v->n; i++) {
		const struct ynode *k = v->kids[2 * i];
		if (strcmp(k->str, "u64") && strcmp(k->str, "bytes") &&
		    strcmp(k->str, "image"))
			continue;
		if (given)
			return yfail(&ld->y, k,
				     "memory item: '%s' and '%s' are exclusive",
				     given->str, k->str);
		given = k;
	}
	if (!given)
		return yfail(&ld->y, v,
			     "memory item: needs one of u64, bytes, image");
	if (!yparse_map(&ld->y, v, "memory item", mem_fields, m))
		return false;
	const struct ynode *addr = ynode_get(v, "addr");
	if (m->path) {
		m->kind = MEM_IMAGE;
		if (addr)
			return yfail(&ld->y, ykey(v, "addr"),
				     "memory item: an image gives its own "
				     "addresses; remove 'addr'");
		char *full = join_path(ld->dir, m->path);
		if (!full)
			return yfail(&ld->y, v, "out of memory");
		free(m->path);
		m->path = full;
		return true;
	}
	m->kind = MEM_BYTES;
	if (!addr)
		return yfail(&ld->y, v, "memory item: missing key 'addr'");
	if (m->data.n && m->addr + (m->data.n - 1) < m->addr)
		return yfail(&ld->y, v,
			     "memory item: %zu bytes at %s run past 2^64",
			     m->data.n, addr->str);
	return true;
}

static bool load_memory(struct ld *ld, const struct ynode *v)
{
	struct scenario *s = ld->s;
	if (!ywant(&ld->y, v, YNODE_SEQ, "memory"))
		return false;
	if (v->n && !(s->mem = calloc(v->n, sizeof *s->mem)))
		return yfail(&ld->y, v, "out of memory");
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
	struct opt flags, pasid;
	uint64_t reserved;
	uint64_t virt_start, virt_end, phys_start;
	uint32_t map_flags;
	struct opt size;
};

#define RQ(k, fn, m, ...) YFIELD(k, fn, struct req_args, m, __VA_ARGS__)
#define DOMAIN RQ("domain", yf_uint, domain, .bits = 32, .required = true)
#define ENDPOINT RQ("endpoint", yf_uint, endpoint, .bits = 32, .required = true)
#define VIRT                                                                \
	RQ("virt_start", yf_uint, virt_start, .bits = 64, .required = true), \
	RQ("virt_end", yf_uint, virt_end, .bits = 64, .required = true)

static const struct yfield attach_fields[] = {
	DOMAIN,
	ENDPOINT,
	RQ("bypass", yf_bool, bypass),
	RQ("flags", yf_opt, flags, .bits = 32),
	RQ("reserved", yf_uint, reserved, .bits = 32),
	{0},
};

static const struct yfield detach_fields[] = {
	DOMAIN,
	ENDPOINT,
	RQ("reserved", yf_uint, reserved, .bits = 64),
	RQ("pasid", yf_opt, pasid, .bits = 32),
	RQ("flags", yf_opt, flags, .bits = 32),
	{0},
};

static const struct yfield map_fields[] = {
	DOMAIN,
	VIRT,
	RQ("phys_start", yf_uint, phys_start, .bits = 64, .required = true),
	RQ("flags", yf_flags, map_flags, .bits = 32, .names = map_flag_names,
	   .required = true),
	{0},
};

static const struct yfield unmap_fields[] = {
	DOMAIN,
	VIRT,
	RQ("reserved", yf_uint, reserved, .bits = 32),
	{0},
};

static const struct yfield probe_fields[] = {
	ENDPOINT,
	RQ("size", yf_opt, size, .bits = 32),
	{0},
};

/* Make room for a friendly request's rsize wire bytes (zeroed) and its
 * tail; the caller encodes them. */
static bool request_bytes(struct ld *ld, const struct ynode *v,
			  struct step *st, size_t rsize)
{
	if (!(st->rd.p = calloc(1, rsize)))
		return yfail(&ld->y, v, "out of memory");
	st->rd.n = rsize;
	st->wlen = IREF_TAIL_SIZE;
	return true;
}

/* Read the arguments of a friendly request into a, then request_bytes. */
static bool friendly(struct ld *ld, const struct ynode *v, struct step *st,
		     const struct yfield *fields, size_t rsize,
		     struct req_args *a)
{
	*a = (struct req_args){0};
	return yparse_map(&ld->y, v, step_kind_name(st->kind), fields, a) &&
	       request_bytes(ld, v, st, rsize);
}

static bool a_attach(struct ld *ld, const struct ynode *v, struct step *st)
{
	struct req_args a;
	if (!friendly(ld, v, st, attach_fields, IREF_ATTACH_RSIZE, &a))
		return false;
	if (a.bypass && a.flags.set)
		return yfail(&ld->y, ykey(v, "flags"),
			     "attach: give either bypass or flags");
	uint32_t flags = a.bypass ? IREF_ATTACH_F_BYPASS : (uint32_t)a.flags.v;
	iref_enc_attach(st->rd.p, a.domain, a.endpoint, flags);
	iref_put_le32(st->rd.p + 16, (uint32_t)a.reserved);
	return true;
}

static bool a_detach(struct ld *ld, const struct ynode *v, struct step *st)
{
	struct req_args a;
	if (!friendly(ld, v, st, detach_fields, IREF_DETACH_RSIZE, &a))
		return false;
	if (!a.pasid.set && !a.flags.set) {
		iref_enc_detach(st->rd.p, a.domain, a.endpoint);
		iref_put_le64(st->rd.p + 12, a.reserved);
		return true;
	}
	/* The extension's flags and pasid are those reserved bytes. */
	if (ynode_get(v, "reserved"))
		return yfail(&ld->y, ykey(v, "reserved"),
			     "detach: 'reserved' and '%s' are exclusive (both "
			     "are the bytes at offset 12)",
			     a.pasid.set ? "pasid" : "flags");
	uint32_t flags = (uint32_t)a.flags.v |
			 (a.pasid.set ? IREF_DETACH_F_PASID : 0);
	iref_enc_detach_pasid(st->rd.p, a.domain, a.endpoint, flags,
			      (uint32_t)a.pasid.v);
	return true;
}

/* ---- steps: the page-table extension's requests ---- */

/* ATTACH_TABLE arguments: the descriptor's fields by name, and the
 * friendly ones ORed into them. */
struct at_args {
	struct iref_attach_table at;
	const struct ynode *format;
	struct opt ptr, s1fmt, cdmax, dss; /* ARM_SMMU3 */
	struct opt pasid;                  /* INTEL_PT, AMD_PT */
	bool sre, eafe, wpe;               /* INTEL_PT */
};

#define AT(k, fn, m, ...) YFIELD(k, fn, struct at_args, m, __VA_ARGS__)
#define AT_U64(k, m) AT(k, yf_uint, m, .bits = 64)
#define AT_COMMON                                                       \
	AT("domain", yf_uint, at.domain, .bits = 32, .required = true),  \
	AT("endpoint", yf_uint, at.endpoint, .bits = 32,                 \
	   .required = true),                                            \
	AT("format", yf_node, format, .required = true)

static const struct yname s1fmt_names[] = {
	{"linear", 0},
	{"two_level_4k", 1},
	{"two_level_64k", 2},
	{NULL, 0},
};

static const struct yname s1dss_names[] = {
	{"terminate", 0},
	{"bypass", 1},
	{"ssid0", 2},
	{NULL, 0},
};

static const struct yfield at_arm_fields[] = {
	AT_COMMON,
	AT_U64("ste0", at.u.arm.ste0),
	AT_U64("ste1", at.u.arm.ste1),
	AT("s1contextptr", yf_opt, ptr, .bits = 64),
	AT("s1fmt", yf_name_opt, s1fmt, .names = s1fmt_names, .bits = 2,
	   .numeric = true),
	AT("s1cdmax", yf_opt, cdmax, .bits = 5),
	AT("s1dss", yf_name_opt, dss, .names = s1dss_names, .bits = 2,
	   .numeric = true),
	{0},
};

static const struct yfield at_intel_fields[] = {
	AT_COMMON,
	AT("pasid", yf_opt, pasid, .bits = 32),
	AT("attach_flags", yf_uint, at.u.intel.attach_flags, .bits = 32),
	AT_U64("s1_flags", at.u.intel.s1_flags),
	AT("sre", yf_bool, sre),
	AT("eafe", yf_bool, eafe),
	AT("wpe", yf_bool, wpe),
	AT_U64("pgtbl", at.u.intel.pgtbl_addr),
	AT("addr_width", yf_uint, at.u.intel.addr_width, .bits = 32),
	{0},
};

static const struct yfield at_riscv_fields[] = {
	AT_COMMON,
	AT_U64("dc_tc", at.u.riscv.dc_tc),
	AT_U64("dc_fsc", at.u.riscv.dc_fsc),
	AT_U64("dc_ta", at.u.riscv.dc_ta),
	{0},
};

static const struct yfield at_amd_gcr3_fields[] = {
	AT_COMMON,
	AT_U64("dte0", at.u.amd_gcr3.dte[0]),
	AT_U64("dte1", at.u.amd_gcr3.dte[1]),
	AT_U64("dte2", at.u.amd_gcr3.dte[2]),
	AT_U64("dte3", at.u.amd_gcr3.dte[3]),
	{0},
};

static const struct yfield at_amd_pt_fields[] = {
	AT_COMMON,
	AT("pasid", yf_opt, pasid, .bits = 32),
	AT("attach_flags", yf_uint, at.u.amd_pt.attach_flags, .bits = 32),
	AT_U64("gcr3", at.u.amd_pt.gcr3),
	AT("levels", yf_uint, at.u.amd_pt.levels, .bits = 8),
	{0},
};

/* An unassigned format code has no descriptor fields. */
static const struct yfield at_common_fields[] = {
	AT_COMMON,
	{0},
};

/* The format by the library's names, or a u8 code (for the device's
 * answer to an unassigned one); its field table and defaults. */
static const struct yfield *at_format(struct ld *ld, const struct ynode *v,
				      struct at_args *a)
{
	uint64_t code;
	if (!ywant(&ld->y, v, YNODE_SCALAR, "format"))
		return NULL;
	if (v->plain && v->str[0] >= '0' && v->str[0] <= '9') {
		if (!yparse_uint(&ld->y, v, "format", 8, &code))
			return NULL;
	} else {
		int f = iref_table_format_parse(v->str);
		if (f < 0) {
			struct yjoin names = {0};
			for (unsigned i = 0; i < 256; i++)
				if (iref_table_format_name(i))
					yjoin_add(&names,
						  iref_table_format_name(i));
			yfail(&ld->y, v,
			      "format: unknown table format '%s' (expected "
			      "one of: %s, or a number)",
			      v->str, names.buf);
			return NULL;
		}
		code = (uint64_t)f;
	}
	a->at.format = (uint8_t)code;
	switch (code) {
	case IREF_TF_ARM_SMMU3:
		return at_arm_fields;
	case IREF_TF_INTEL_PT:
		a->at.u.intel.addr_width = 48;
		return at_intel_fields;
	case IREF_TF_RISCV:
		return at_riscv_fields;
	case IREF_TF_AMD_GCR3:
		return at_amd_gcr3_fields;
	case IREF_TF_AMD_PT:
		a->at.u.amd_pt.levels = 4;
		return at_amd_pt_fields;
	}
	return at_common_fields;
}

/* STE bits of the friendly ARM_SMMU3 fields (virtio-iommu.md 6.5.1). */
#define STE0_S1FMT_SHIFT 4
#define STE0_S1CONTEXTPTR_MASK UINT64_C(0x000fffffffffffc0)
#define STE0_S1CDMAX_SHIFT 59

static bool at_friendly(struct ld *ld, const struct ynode *v,
			struct at_args *a)
{
	struct iref_attach_table *at = &a->at;
	switch (at->format) {
	case IREF_TF_ARM_SMMU3:
		if (a->ptr.v & ~STE0_S1CONTEXTPTR_MASK)
			return yfail(&ld->y, ynode_get(v, "s1contextptr"),
				     "s1contextptr: 0x%llx is not a 64-byte "
				     "aligned address below 2^52",
				     (unsigned long long)a->ptr.v);
		at->u.arm.ste0 |= a->ptr.v |
				  a->s1fmt.v << STE0_S1FMT_SHIFT |
				  a->cdmax.v << STE0_S1CDMAX_SHIFT;
		at->u.arm.ste1 |= a->dss.v;
		break;
	case IREF_TF_INTEL_PT:
		at->u.intel.s1_flags |= (a->sre ? IREF_INTEL_S1_SRE : 0) |
					(a->eafe ? IREF_INTEL_S1_EAFE : 0) |
					(a->wpe ? IREF_INTEL_S1_WPE : 0);
		if (a->pasid.set) {
			at->u.intel.pasid = (uint32_t)a->pasid.v;
			at->u.intel.attach_flags |= IREF_ATTACH_TABLE_F_PASID;
		}
		break;
	case IREF_TF_AMD_PT:
		if (a->pasid.set) {
			at->u.amd_pt.pasid = (uint32_t)a->pasid.v;
			at->u.amd_pt.attach_flags |= IREF_ATTACH_TABLE_F_PASID;
		}
		break;
	}
	return true;
}

static bool a_attach_table(struct ld *ld, const struct ynode *v,
			   struct step *st)
{
	struct at_args a = {0};
	if (!ywant(&ld->y, v, YNODE_MAP, "attach_table"))
		return false;
	const struct ynode *format = ynode_get(v, "format");
	if (!format)
		return yfail(&ld->y, v, "attach_table: missing key 'format'");
	const struct yfield *fields = at_format(ld, format, &a);
	if (!fields ||
	    !yparse_map(&ld->y, v, "attach_table", fields, &a) ||
	    !at_friendly(ld, v, &a) ||
	    !request_bytes(ld, v, st, IREF_ATTACH_TABLE_RSIZE))
		return false;
	iref_enc_attach_table(st->rd.p, &a.at);
	return true;
}

static const struct yname scope_names[] = {
	{"domain", IREF_INVAL_S_DOMAIN},
	{"pasid", IREF_INVAL_S_PASID},
	{"address", IREF_INVAL_S_ADDRESS},
	{NULL, 0},
};

static const struct yname cache_names[] = {
	{"pasid", IREF_INVAL_C_PASID},
	{"tlb", IREF_INVAL_C_TLB},
	{NULL, 0},
};

static const struct yname inval_flag_names[] = {
	{"leaf", IREF_INVAL_F_LEAF},
	{"pasid", IREF_INVAL_F_PASID},
	{"id", IREF_INVAL_F_ID},
	{"global", IREF_INVAL_F_GLOBAL},
	{NULL, 0},
};

struct inval_args {
	struct iref_invalidate inv;
	struct opt pasid, id;
};

#define INV(k, fn, m, ...) YFIELD(k, fn, struct inval_args, m, __VA_ARGS__)

static const struct yfield inval_fields[] = {
	INV("domain", yf_uint, inv.domain, .bits = 32, .required = true),
	INV("scope", yf_name, inv.scope, .names = scope_names, .bits = 8,
	    .numeric = true, .required = true),
	INV("caches", yf_flags, inv.caches, .names = cache_names, .bits = 8,
	    .required = true),
	INV("flags", yf_flags, inv.flags, .names = inval_flag_names,
	    .bits = 16),
	INV("pasid", yf_opt, pasid, .bits = 32),
	INV("id", yf_opt, id, .bits = 64),
	INV("address", yf_uint, inv.address, .bits = 64),
	INV("pages", yf_uint, inv.nr_pages, .bits = 64),
	INV("page_size", yf_uint, inv.page_size, .bits = 8),
	{0},
};

static bool a_invalidate(struct ld *ld, const struct ynode *v,
			 struct step *st)
{
	struct inval_args a = {.inv.page_size = 12};
	if (!yparse_map(&ld->y, v, "invalidate", inval_fields, &a) ||
	    !request_bytes(ld, v, st, IREF_INVALIDATE_RSIZE))
		return false;
	/* Giving a value says it is valid. */
	if (a.pasid.set) {
		a.inv.pasid = (uint32_t)a.pasid.v;
		a.inv.flags |= IREF_INVAL_F_PASID;
	}
	if (a.id.set) {
		a.inv.id = a.id.v;
		a.inv.flags |= IREF_INVAL_F_ID;
	}
	iref_enc_invalidate(st->rd.p, &a.inv);
	return true;
}

static bool a_map(struct ld *ld, const struct ynode *v, struct step *st)
{
	struct req_args a;
	if (!friendly(ld, v, st, map_fields, IREF_MAP_RSIZE, &a))
		return false;
	iref_enc_map(st->rd.p, a.domain, a.virt_start, a.virt_end,
		     a.phys_start, a.map_flags);
	return true;
}

static bool a_unmap(struct ld *ld, const struct ynode *v, struct step *st)
{
	struct req_args a;
	if (!friendly(ld, v, st, unmap_fields, IREF_UNMAP_RSIZE, &a))
		return false;
	iref_enc_unmap(st->rd.p, a.domain, a.virt_start, a.virt_end);
	iref_put_le32(st->rd.p + 24, (uint32_t)a.reserved);
	return true;
}

static bool check_wlen(struct ld *ld, const struct ynode *v, uint64_t wlen)
{
	if (wlen > SCENARIO_WLEN_MAX)
		return yfail(&ld->y, v,
			     "a writable area of %llu bytes is more than the "
			     "limit of %u",
			     (unsigned long long)wlen, SCENARIO_WLEN_MAX);
	return true;
}

static bool a_probe(struct ld *ld, const struct ynode *v, struct step *st)
{
	struct req_args a;
	if (!friendly(ld, v, st, probe_fields, IREF_PROBE_RSIZE, &a))
		return false;
	/* iommu: is loaded before the steps, so probe_size is final. */
	uint64_t wlen = a.size.set ? a.size.v
				   : (uint64_t)ld->s->cfg.probe_size +
					     IREF_TAIL_SIZE;
	if (!check_wlen(ld, a.size.set ? ynode_get(v, "size") : v, wlen))
		return false;
	st->wlen = (size_t)wlen;
	iref_enc_probe(st->rd.p, a.endpoint);
	return true;
}

struct raw_args {
	struct bytes bytes;
	struct opt writable;
};

static const struct yfield raw_fields[] = {
	YFIELD("bytes", yf_hex, struct raw_args, bytes, .required = true),
	YFIELD("writable", yf_opt, struct raw_args, writable, .bits = 32),
	{0},
};

static bool a_request(struct ld *ld, const struct ynode *v, struct step *st)
{
	st->wlen = IREF_TAIL_SIZE;
	if (v->kind == YNODE_SCALAR)
		return yparse_hex(&ld->y, v, "request", &st->rd);
	struct raw_args a = {0};
	bool ok = yparse_map(&ld->y, v, "request", raw_fields, &a);
	st->rd = a.bytes; /* the step owns the bytes, even on error */
	if (!ok)
		return false;
	if (a.writable.set) {
		if (!check_wlen(ld, ynode_get(v, "writable"), a.writable.v))
			return false;
		st->wlen = (size_t)a.writable.v;
	}
	return true;
}

struct dma_args {
	uint32_t endpoint, access;
	uint64_t addr, size;
	struct opt pasid;
	bool priv;
	struct opt at;
};

#define DMA(k, fn, m, ...) YFIELD(k, fn, struct dma_args, m, __VA_ARGS__)

static const struct yfield dma_fields[] = {
	DMA("endpoint", yf_uint, endpoint, .bits = 32, .required = true),
	DMA("addr", yf_uint, addr, .bits = 64, .required = true),
	DMA("size", yf_uint, size, .bits = 64, .required = true),
	DMA("access", yf_name, access, .names = access_names,
	    .required = true),
	DMA("pasid", yf_opt, pasid, .bits = 32),
	DMA("priv", yf_bool, priv),
	DMA("at", yf_opt, at, .bits = 64),
	{0},
};

static bool a_dma(struct ld *ld, const struct ynode *v, struct step *st)
{
	struct dma_args a = {0};
	if (!yparse_map(&ld->y, v, "dma", dma_fields, &a))
		return false;
	if (!a.size)
		return yfail(&ld->y, ynode_get(v, "size"),
			     "dma: size must be >= 1");
	if (a.addr + (a.size - 1) < a.addr)
		return yfail(&ld->y, ynode_get(v, "size"),
			     "dma: the access runs past 2^64");
	st->dma = (struct iref_dma_req){
		.endpoint = a.endpoint,
		.has_pasid = a.pasid.set,
		.pasid = (uint32_t)a.pasid.v,
		.iova = a.addr,
		.size = a.size,
		.access = a.access,
		.priv = a.priv,
		.at = a.at.v,
	};
	st->dma_at = a.at.set;
	return true;
}

static const struct yfield events_fields[] = {
	/* Only the nested form "events: {expect: ...}"; parse_step takes
	 * the value. */
	{.key = "expect", .parse = yf_node, .size = sizeof(void *)},
	{0},
};

static bool a_events(struct ld *ld, const struct ynode *v, struct step *st)
{
	const struct ynode *unused;
	(void)st;
	if (ynode_is_null(v))
		return true;
	return yparse_map(&ld->y, v, "events", events_fields, &unused);
}

static bool a_bypass(struct ld *ld, const struct ynode *v, struct step *st)
{
	return yparse_uint(&ld->y, v, "bypass", 8, &st->value);
}

#define ST(k, fn, m, ...) YFIELD(k, fn, struct step, m, __VA_ARGS__)

static const struct yfield config_write_fields[] = {
	ST("offset", yf_uint, off, .bits = 32, .required = true),
	ST("bytes", yf_hex, data, .required = true),
	{0},
};

static bool a_config_write(struct ld *ld, const struct ynode *v,
			   struct step *st)
{
	return yparse_map(&ld->y, v, "config_write", config_write_fields, st);
}

static bool a_reset(struct ld *ld, const struct ynode *v, struct step *st)
{
	return yparse_name(&ld->y, v, "reset", reset_names, &st->value);
}

static const struct yfield post_fields[] = {
	ST("count", yf_uint, count, .bits = 32, .required = true),
	ST("size", yf_uint, size, .bits = 32, .required = true),
	{0},
};

static bool a_post(struct ld *ld, const struct ynode *v, struct step *st)
{
	return yparse_map(&ld->y, v, "post_event_buffers", post_fields, st);
}

/* write: the guest changing its memory (a PTE, a context entry) between
 * requests. */
struct write_args {
	uint64_t addr;
	struct opt value;
	struct bytes values;
};

#define WR(k, fn, m, ...) YFIELD(k, fn, struct write_args, m, __VA_ARGS__)

static const struct yfield write_fields[] = {
	WR("addr", yf_uint, addr, .bits = 64, .required = true),
	WR("value", yf_opt, value, .bits = 64),
	WR("values", f_words, values),
	{0},
};

static bool a_write(struct ld *ld, const struct ynode *v, struct step *st)
{
	struct write_args a = {0};
	if (!ywant(&ld->y, v, YNODE_MAP, "write"))
		return false;
	/* Checked first, so that values never overwrite a buffer. */
	if (ynode_get(v, "value") && ynode_get(v, "values"))
		return yfail(&ld->y, ykey(v, "values"),
			     "write: 'value' and 'values' are exclusive");
	bool ok = yparse_map(&ld->y, v, "write", write_fields, &a);
	st->data = a.values; /* the step owns the bytes, even on error */
	if (!ok)
		return false;
	st->addr = a.addr;
	if (a.value.set) {
		if (!(st->data.p = malloc(8)))
			return yfail(&ld->y, v, "out of memory");
		iref_put_le64(st->data.p, a.value.v);
		st->data.n = 8;
	} else if (!ynode_get(v, "values")) {
		return yfail(&ld->y, v, "write: give 'value' or 'values'");
	} else if (!st->data.n) {
		return yfail(&ld->y, ynode_get(v, "values"),
			     "values: give at least one word");
	}
	if (st->addr + (st->data.n - 1) < st->addr)
		return yfail(&ld->y, v, "write: %zu bytes at 0x%llx run past "
			     "2^64", st->data.n, (unsigned long long)st->addr);
	return true;
}

/* ---- steps: page tables and walks ---- */

/* A library setter of options by name and value text. */
typedef enum iref_rc (*option_set_fn)(void *obj, const char *key,
				      const char *value,
				      struct iref_diag *diag);

static enum iref_rc set_walk_option(void *cfg, const char *key,
				    const char *value, struct iref_diag *diag)
{
	return iref_walk_cfg_set(cfg, key, value, diag);
}

static enum iref_rc set_hw_cap(void *caps, const char *key,
			       const char *value, struct iref_diag *diag)
{
	return iref_hw_caps_set(caps, key, value, diag);
}

/* A mapping of scalars handed to set in file order, so the library
 * checks names and values and the loader knows no more than it does; a
 * refusal is reported at the key. skip (may be NULL) is a key the caller
 * reads itself. */
static bool load_options(struct ld *ld, const struct ynode *options,
			 const char *what, const char *skip,
			 option_set_fn set, void *obj)
{
	if (!ywant(&ld->y, options, YNODE_MAP, what))
		return false;
	for (size_t i = 0; i < options->n; i++) {
		const struct ynode *k = options->kids[2 * i];
		const struct ynode *v = options->kids[2 * i + 1];
		for (size_t j = 0; j < i; j++)
			if (!strcmp(options->kids[2 * j]->str, k->str))
				return yfail(&ld->y, k,
					     "duplicate key '%s' in %s",
					     k->str, what);
		if (skip && !strcmp(k->str, skip))
			continue;
		if (!ywant(&ld->y, v, YNODE_SCALAR, k->str))
			return false;
		struct iref_diag why = {0};
		enum iref_rc rc = set(obj, k->str, v->str, &why);
		if (rc != IREF_OK)
			return yfail(&ld->y, k, "%s: %s", what,
				     why.msg[0] ? why.msg : iref_rc_str(rc));
	}
	return true;
}

/* A format and its options, both checked by the library, so the loader
 * knows every format and option the walkers do and no more. */
static bool load_cfg(struct ld *ld, const struct ynode *format,
		     const struct ynode *options, struct iref_walk_cfg *cfg)
{
	struct iref_diag why = {0};
	if (!ywant(&ld->y, format, YNODE_SCALAR, "format"))
		return false;
	enum iref_rc rc = iref_walk_cfg_init(cfg, format->str, &why);
	if (rc != IREF_OK)
		return yfail(&ld->y, format, "format: %s",
			     why.msg[0] ? why.msg : iref_rc_str(rc));
	return !options || load_options(ld, options, "options", NULL,
					set_walk_option, cfg);
}

/* The keys that give a stage's tables: a configuration, or the name of
 * an earlier tables step. */
struct stage_args {
	const struct ynode *format, *options, *tables;
	struct opt root;
};

/* The stage keys of a mapping read into member M (with its dot, or
 * nothing) of T. */
#define STAGE_FIELDS(T, M)                                             \
	YFIELD("format", yf_node, T, M format),                        \
	YFIELD("options", yf_node, T, M options),                      \
	YFIELD("root", yf_opt, T, M root, .bits = 64),                 \
	YFIELD("tables", yf_node, T, M tables)

static const struct yfield stage_fields[] = {
	STAGE_FIELDS(struct stage_args, ),
	{0},
};

/* The index of the tables step before the current one named name, or
 * ld->cur if there is none. */
static size_t named_tables(const struct ld *ld, const char *name)
{
	size_t i = 0;
	while (i < ld->cur && (ld->s->steps[i].kind != STEP_TABLES ||
			       !ld->s->steps[i].name ||
			       strcmp(ld->s->steps[i].name, name)))
		i++;
	return i;
}

static bool find_tables(struct ld *ld, const struct ynode *name,
			struct walk_stage *ws)
{
	if (!ywant(&ld->y, name, YNODE_SCALAR, "tables"))
		return false;
	size_t i = named_tables(ld, name->str);
	if (i == ld->cur)
		return yfail(&ld->y, name,
			     "tables: no earlier tables step is named '%s'",
			     name->str);
	ws->cfg = ld->s->steps[i].s1.cfg;
	ws->from_tables = true;
	ws->tables = i;
	return true;
}

/* v is the mapping holding a's keys; what names it in messages. */
static bool load_stage(struct ld *ld, const struct ynode *v,
		       const struct stage_args *a, struct walk_stage *ws,
		       const char *what)
{
	if (a->tables) {
		const char *clash = a->format    ? "format"
				    : a->options ? "options"
				    : a->root.set ? "root"
						  : NULL;
		if (clash)
			return yfail(&ld->y, ykey(v, clash),
				     "%s: '%s' and 'tables' are exclusive "
				     "(the named tables give format, options "
				     "and root)",
				     what, clash);
		return find_tables(ld, a->tables, ws);
	}
	if (!a->format)
		return yfail(&ld->y, v, "%s: missing key 'format' (or 'tables')",
			     what);
	if (!load_cfg(ld, a->format, a->options, &ws->cfg))
		return false;
	ws->cfg.root = a->root.v;
	return true;
}

struct map_args {
	uint64_t va, pa, size;
	uint32_t perm, attrs;
	bool user, global, accessed, dirty, blocks;
};

#define MAPA(k, fn, m, ...) YFIELD(k, fn, struct map_args, m, __VA_ARGS__)

static const struct yfield mapping_fields[] = {
	MAPA("va", yf_uint, va, .bits = 64, .required = true),
	MAPA("pa", yf_uint, pa, .bits = 64, .required = true),
	MAPA("size", yf_uint, size, .bits = 64, .required = true),
	MAPA("perm", yf_flags, perm, .names = perm_names, .bits = 32,
	     .required = true),
	MAPA("user", yf_bool, user),
	MAPA("global", yf_bool, global),
	MAPA("accessed", yf_bool, accessed),
	MAPA("dirty", yf_bool, dirty),
	MAPA("blocks", yf_bool, blocks),
	MAPA("attrs", yf_uint, attrs, .bits = 32),
	{0},
};

static bool load_mapping(struct ld *ld, const struct ynode *v,
			 struct build_item *b)
{
	/* A mapping is reachable by a default (user) walk and needs no A/D
	 * update unless it says otherwise. */
	struct map_args a = {
		.user = true, .accessed = true, .dirty = true, .blocks = true,
	};
	b->file = preset_file(ld, v);
	b->line = v->line;
	b->column = v->column;
	if (!yparse_map(&ld->y, v, "mapping", mapping_fields, &a))
		return false;
	if (!a.size)
		return yfail(&ld->y, ynode_get(v, "size"),
			     "mapping: size must be >= 1");
	if (a.va + (a.size - 1) < a.va || a.pa + (a.size - 1) < a.pa)
		return yfail(&ld->y, ynode_get(v, "size"),
			     "mapping: runs past 2^64");
	b->map = (struct iref_build_map){
		.va = a.va,
		.pa = a.pa,
		.size = a.size,
		.perm = a.perm,
		.attrs = a.attrs,
		.flags = (a.user ? IREF_BUILD_USER : 0) |
			 (a.global ? IREF_BUILD_GLOBAL : 0) |
			 (a.accessed ? 0 : IREF_BUILD_NO_ACCESSED) |
			 (a.dirty ? 0 : IREF_BUILD_NO_DIRTY) |
			 (a.blocks ? 0 : IREF_BUILD_NO_BLOCKS),
	};
	return true;
}

static bool load_mappings(struct ld *ld, const struct ynode *v,
			  struct build_item **maps, size_t *n_maps)
{
	if (!ywant(&ld->y, v, YNODE_SEQ, "mappings"))
		return false;
	if (v->n && !(*maps = calloc(v->n, sizeof **maps)))
		return yfail(&ld->y, v, "out of memory");
	*n_maps = v->n;
	for (size_t i = 0; i < v->n; i++)
		if (!load_mapping(ld, v->kids[i], &(*maps)[i]))
			return false;
	return true;
}

static bool load_name(struct ld *ld, const struct ynode *v, struct step *st)
{
	if (!ywant(&ld->y, v, YNODE_SCALAR, "name"))
		return false;
	size_t i = named_tables(ld, v->str);
	if (i < ld->cur)
		return yfail(&ld->y, v,
			     "name: '%s' already names the tables of line %u",
			     v->str, ld->s->steps[i].line);
	if (!(st->name = dup_str(v->str)))
		return yfail(&ld->y, v, "out of memory");
	return true;
}

/* The pool's end is inclusive, like every range of a scenario. */
struct pool_args {
	uint64_t start, end;
};

static const struct yfield pool_fields[] = {
	YFIELD("start", yf_uint, struct pool_args, start, .bits = 64,
	       .required = true),
	YFIELD("end", yf_uint, struct pool_args, end, .bits = 64,
	       .required = true),
	{0},
};

static bool load_pool(struct ld *ld, const struct ynode *v,
		      struct iref_pool *pool)
{
	struct pool_args p;
	if (!yparse_map(&ld->y, v, "pool", pool_fields, &p))
		return false;
	if (p.end < p.start)
		return yfail(&ld->y, v, "pool: end is below start");
	*pool = (struct iref_pool){
		.next = p.start,
		/* [start, end] as [next, end): the last byte of the address
		 * space is lost, but no table fits in one byte. */
		.end = p.end == UINT64_MAX ? p.end : p.end + 1,
	};
	return true;
}

struct tables_args {
	struct stage_args st;
	const struct ynode *pool, *name, *mappings;
};

#define TA(k, fn, m, ...) YFIELD(k, fn, struct tables_args, m, __VA_ARGS__)

static const struct yfield tables_fields[] = {
	STAGE_FIELDS(struct tables_args, st.),
	TA("pool", yf_node, pool),
	TA("name", yf_node, name),
	TA("mappings", yf_node, mappings, .required = true),
	{0},
};

static bool a_tables(struct ld *ld, const struct ynode *v, struct step *st)
{
	struct tables_args a = {0};
	if (!yparse_map(&ld->y, v, "tables", tables_fields, &a) ||
	    !load_stage(ld, v, &a.st, &st->s1, "tables"))
		return false;
	/* The builder reads root 0 as "take one from the pool". */
	if (a.st.root.set && !a.st.root.v)
		return yfail(&ld->y, ynode_get(v, "root"),
			     "root: 0 is no root; leave root out to take one "
			     "from the pool");
	/* Without a pool every table the mappings need must exist. */
	return (!a.pool || load_pool(ld, a.pool, &st->pool)) &&
	       (!a.name || load_name(ld, a.name, st)) &&
	       load_mappings(ld, a.mappings, &st->maps, &st->n_maps);
}

/* ---- iommu: hw: and stage2: ---- */

static bool f_hw(struct yctx *y, const struct ynode *v, void *base,
		 const struct yfield *f)
{
	struct ld *ld = (struct ld *)y;
	struct iref_hw_caps *caps =
		(struct iref_hw_caps *)((char *)base + f->off);
	if (!ywant(y, v, YNODE_MAP, "hw"))
		return false;
	const struct ynode *arch = ynode_get(v, "arch");
	if (!arch)
		return yfail(y, v, "hw: missing key 'arch'");
	if (!ywant(y, arch, YNODE_SCALAR, "arch"))
		return false;
	int a = iref_arch_parse(arch->str);
	if (a <= IREF_ARCH_NONE) {
		struct yjoin names = {0};
		for (int i = IREF_ARCH_NONE + 1;
		     iref_arch_name((enum iref_arch)i); i++)
			yjoin_add(&names, iref_arch_name((enum iref_arch)i));
		return yfail(y, arch,
			     "arch: unknown architecture '%s' (expected one "
			     "of: %s)",
			     arch->str, names.buf);
	}
	/* The other keys go over the architecture's defaults. */
	iref_hw_caps_default(caps, (enum iref_arch)a);
	return load_options(ld, v, "hw", "arch", set_hw_cap, caps);
}

struct stage2_args {
	const struct ynode *format, *options, *pool, *mappings;
	struct opt root;
};

#define S2A(k, fn, m, ...) YFIELD(k, fn, struct stage2_args, m, __VA_ARGS__)

static const struct yfield stage2_fields[] = {
	S2A("format", yf_node, format, .required = true),
	S2A("options", yf_node, options),
	S2A("root", yf_opt, root, .bits = 64),
	S2A("pool", yf_node, pool),
	S2A("mappings", yf_node, mappings),
	{0},
};

/* The host's stage 2: identity, or a configuration whose tables are in
 * memory (root) or built at setup (mappings, like a tables step). The
 * library checks that the format is a stage-2 one when it creates the
 * device. */
static bool f_stage2(struct yctx *y, const struct ynode *v, void *base,
		     const struct yfield *f)
{
	struct ld *ld = (struct ld *)y;
	struct scenario *s = base;
	struct iref_walk_cfg *cfg =
		(struct iref_walk_cfg *)((char *)base + f->off);
	s->s2.file = preset_file(ld, v);
	s->s2.line = v->line;
	s->s2.column = v->column;
	if (v->kind == YNODE_SCALAR) {
		if (strcmp(v->str, "identity"))
			return yfail(y, v,
				     "stage2: expected identity or a mapping "
				     "{format, options, root, pool, mappings}");
		*cfg = (struct iref_walk_cfg){.fmt = IREF_FMT_NONE};
		return true;
	}
	struct stage2_args a = {0};
	if (!yparse_map(y, v, "stage2", stage2_fields, &a) ||
	    !load_cfg(ld, a.format, a.options, cfg))
		return false;
	if (a.root.set && !a.root.v)
		return yfail(y, ynode_get(v, "root"),
			     "root: 0 is no root; leave root out to take one "
			     "from the pool");
	if (!a.root.set && !a.mappings)
		return yfail(y, v,
			     "stage2: missing key 'root' (or 'mappings' to "
			     "build tables from a 'pool')");
	cfg->root = a.root.v;
	s->s2.build = a.mappings != NULL;
	return (!a.pool || load_pool(ld, a.pool, &s->s2.pool)) &&
	       (!a.mappings ||
		load_mappings(ld, a.mappings, &s->s2.maps, &s->s2.n_maps));
}

struct walk_args {
	struct stage_args s1;
	const struct ynode *s2;
	uint64_t addr;
	uint32_t access, priv;
};

#define WA(k, fn, m, ...) YFIELD(k, fn, struct walk_args, m, __VA_ARGS__)

static const struct yfield walk_fields[] = {
	STAGE_FIELDS(struct walk_args, s1.),
	WA("s2", yf_node, s2),
	WA("addr", yf_uint, addr, .bits = 64, .required = true),
	WA("access", yf_name, access, .names = access_names, .required = true),
	WA("privilege", yf_name, priv, .names = priv_names),
	{0},
};

/* A walk stage needs a root: its own or its tables'. */
static bool load_walk_stage(struct ld *ld, const struct ynode *v,
			    const struct stage_args *a, struct walk_stage *ws,
			    const char *what)
{
	if (!a->tables && !a->root.set)
		return yfail(&ld->y, v, "%s: missing key 'root' (or 'tables')",
			     what);
	return load_stage(ld, v, a, ws, what);
}

static bool a_walk(struct ld *ld, const struct ynode *v, struct step *st)
{
	struct walk_args a = {0};
	if (!yparse_map(&ld->y, v, "walk", walk_fields, &a) ||
	    !load_walk_stage(ld, v, &a.s1, &st->s1, "walk"))
		return false;
	st->walk = (struct iref_walk_req){
		.addr = a.addr, .access = a.access, .priv = a.priv,
	};
	if (!a.s2)
		return true;
	struct stage_args s2 = {0};
	st->nested = true;
	return yparse_map(&ld->y, a.s2, "s2", stage_fields, &s2) &&
	       load_walk_stage(ld, a.s2, &s2, &st->s2, "s2");
}

/* ---- steps: expectations ---- */

/* One expected property: p, or hw for a HW property (hw.type set). */
struct prop_item {
	struct iref_probe_prop p;
	struct iref_hw_regs hw;
};

#define PR(k, fn, m, ...) YFIELD(k, fn, struct prop_item, p.m, __VA_ARGS__)
#define HWR(k, i)                                                    \
	YFIELD(k, yf_uint, struct prop_item, hw.reg[i], .bits = 64,  \
	       .required = true)

static const struct yfield resv_prop_fields[] = {
	PR("subtype", yf_name, subtype, .names = subtype_names, .bits = 8,
	   .numeric = true, .required = true),
	PR("start", yf_uint, start, .bits = 64, .required = true),
	PR("end", yf_uint, end, .bits = 64, .required = true),
	{0},
};

static const struct yfield other_prop_fields[] = {
	PR("type", yf_uint, type, .bits = 12, .required = true),
	PR("length", yf_uint, length, .bits = 16, .required = true),
	{0},
};

/* The registers of each HW property, in the order of iref_hw_regs. */
static const struct yfield hw_arm_fields[] = {
	HWR("idr0", 0), HWR("idr1", 1), HWR("idr3", 2), HWR("idr5", 3), {0},
};
static const struct yfield hw_intel_fields[] = {
	HWR("cap", 0), HWR("ecap", 1), {0},
};
static const struct yfield hw_riscv_fields[] = {
	HWR("caps", 0), HWR("fctl", 1), {0},
};
static const struct yfield hw_amd_fields[] = {
	HWR("efr", 0), HWR("efr2", 1), {0},
};

/* Keys in the order of the IREF_PROBE_T_HW_* types, from
 * IREF_PROBE_T_HW_ARM_SMMU3. */
static const char *const hw_prop_keys[] = {
	"hw_arm_smmu3", "hw_intel", "hw_riscv", "hw_amd",
};

static const struct yfield prop_fields[] = {
	PR("resv_mem", yf_sub, type, .sub = resv_prop_fields),
	PR("prop", yf_sub, type, .sub = other_prop_fields),
	PR("hw_arm_smmu3", yf_sub, type, .sub = hw_arm_fields),
	PR("hw_intel", yf_sub, type, .sub = hw_intel_fields),
	PR("hw_riscv", yf_sub, type, .sub = hw_riscv_fields),
	PR("hw_amd", yf_sub, type, .sub = hw_amd_fields),
	{0},
};

static bool f_props(struct yctx *y, const struct ynode *v, void *base,
		    const struct yfield *f)
{
	struct expect_req *e = base;
	if (!ywant(y, v, YNODE_SEQ, f->key))
		return false;
	if (v->n && (!(e->props = calloc(v->n, sizeof *e->props)) ||
		     !(e->hw = calloc(v->n, sizeof *e->hw))))
		return yfail(y, v, "out of memory");
	e->n_props = v->n;
	e->has_props = true;
	for (size_t i = 0; i < v->n; i++) {
		const struct ynode *item = v->kids[i];
		struct prop_item p = {0};
		if (!yparse_map(y, item, "property", prop_fields, &p))
			return false;
		if (item->n != 1)
			return yfail(y, item,
				     "property: give one of resv_mem, prop, "
				     "hw_arm_smmu3, hw_intel, hw_riscv, "
				     "hw_amd");
		if (ynode_get(item, "resv_mem")) {
			p.p.type = IREF_PROBE_T_RESV_MEM;
			p.p.length = IREF_RESV_MEM_PROP_SIZE - 4;
		}
		for (unsigned t = 0;
		     t < sizeof hw_prop_keys / sizeof hw_prop_keys[0]; t++) {
			if (!ynode_get(item, hw_prop_keys[t]))
				continue;
			p.hw.type = (uint16_t)(IREF_PROBE_T_HW_ARM_SMMU3 + t);
			p.p.type = p.hw.type;
			p.p.length =
				(uint16_t)(iref_hw_prop_size(p.hw.type) - 4);
		}
		e->props[i] = p.p;
		e->hw[i] = p.hw;
	}
	return true;
}

#define XR(k, fn, m, ...) YFIELD(k, fn, struct expect_req, m, __VA_ARGS__)

static const struct yfield req_expect_fields[] = {
	XR("status", f_status_opt, status),
	XR("used", yf_opt, used, .bits = 32),
	XR("cycles", yf_opt, cycles, .bits = 64),
	{0},
};

static const struct yfield probe_expect_fields[] = {
	XR("status", f_status_opt, status),
	XR("used", yf_opt, used, .bits = 32),
	XR("cycles", yf_opt, cycles, .bits = 64),
	XR("properties", f_props, props),
	{0},
};

static bool e_req(struct ld *ld, const struct ynode *v, struct step *st)
{
	struct expect_req *e = &st->req;
	if (v->kind == YNODE_SCALAR) /* "expect: ok" = {status: ok} */
		return f_status_opt(&ld->y, v, e, &req_expect_fields[0]);
	const struct yfield *t = st->kind == STEP_PROBE ? probe_expect_fields
						       : req_expect_fields;
	if (!yparse_map(&ld->y, v, "expect", t, e))
		return false;
	if (!v->n)
		return yfail(&ld->y, v, "expect: give status, used, cycles%s",
			     st->kind == STEP_PROBE ? " or properties" : "");
	return !e->cycles.set || need_timing(ld, v);
}

#define XD(k, fn, m, ...) YFIELD(k, fn, struct expect_dma, m, __VA_ARGS__)

#define XD_LEVEL                                                     \
	XD("level", yf_name_opt, level, .names = level_names, .bits = 7, \
	   .numeric = true)
/* The walk fault behind a fault or an abort on a table attachment. */
#define XD_WALK_FAULT                                                \
	XD("code", yf_opt, code, .bits = 32),                        \
	XD("walk", f_wfault_opt, walk),                              \
	XD("stage", yf_opt, stage, .bits = 32),                      \
	XD_LEVEL
#define XD_LATER                                                     \
	XD("tlb", yf_name_opt, tlb, .names = tlb_use_names),         \
	XD("cycles", yf_opt, cycles, .bits = 64)

static const struct yfield dma_ok_fields[] = {
	XD("pa", yf_opt, pa, .bits = 64),
	XD("size", yf_opt, size, .bits = 64),
	XD("perm", yf_flags_opt, perm, .names = perm_names, .bits = 32),
	XD("via", yf_name_opt, via, .names = via_names),
	XD_LEVEL,
	XD_LATER,
	{0},
};

static const struct yfield dma_fault_fields[] = {
	XD("fault", yf_name_opt, reason, .names = reason_names, .bits = 8,
	   .numeric = true, .required = true),
	XD("flags", yf_flags_opt, flags, .names = fault_flag_names,
	   .bits = 32),
	XD("address", yf_opt, address, .bits = 64),
	XD_WALK_FAULT,
	XD_LATER,
	{0},
};

/* "abort: true" says which form this is; it stores nothing. */
static bool f_abort(struct yctx *y, const struct ynode *v, void *base,
		    const struct yfield *f)
{
	(void)base;
	if (v->kind == YNODE_SCALAR && v->plain && !strcmp(v->str, "true"))
		return true;
	return yfail(y, v, "%s: only true (use ok or fault fields for the "
		     "other outcomes)", f->key);
}

static const struct yfield dma_abort_fields[] = {
	{.key = "abort", .parse = f_abort, .required = true},
	XD_WALK_FAULT,
	XD_LATER,
	{0},
};

static bool e_dma(struct ld *ld, const struct ynode *v, struct step *st)
{
	struct expect_dma *e = &st->dma_exp;
	uint64_t outcome;
	if (v->kind == YNODE_SCALAR) {
		if (!yparse_name(&ld->y, v, "expect", outcome_names, &outcome))
			return false;
		e->outcome = (enum iref_dma_outcome)outcome;
		return true;
	}
	const char *what = "expect";
	const struct yfield *fields = dma_ok_fields;
	e->outcome = IREF_DMA_OK;
	if (v->kind == YNODE_MAP && ynode_get(v, "fault")) {
		what = "fault expectation";
		fields = dma_fault_fields;
		e->outcome = IREF_DMA_FAULT;
	} else if (v->kind == YNODE_MAP && ynode_get(v, "abort")) {
		what = "abort expectation";
		fields = dma_abort_fields;
		e->outcome = IREF_DMA_ABORT;
	}
	if (!yparse_map(&ld->y, v, what, fields, e))
		return false;
	if (!v->n)
		return yfail(&ld->y, v,
			     "expect: give pa, size, perm, via, level, tlb, "
			     "cycles, fault or abort");
	if (e->stage.set && e->stage.v != 1 && e->stage.v != 2)
		return yfail(&ld->y, ynode_get(v, "stage"), "stage: 1 or 2");
	if (e->tlb.set && !scenario_has_tlb(ld->s))
		return yfail(&ld->y, ykey(v, "tlb"),
			     "tlb: the device has no TLB (add iommu: tlb: or "
			     "utlb:)");
	return !e->cycles.set || need_timing(ld, v);
}

#define XE(k, fn, m, ...) YFIELD(k, fn, struct expect_event, m, __VA_ARGS__)

static const struct yfield event_fields[] = {
	XE("reason", yf_name_opt, reason, .names = reason_names, .bits = 8,
	   .numeric = true, .required = true),
	XE("endpoint", yf_opt, endpoint, .bits = 32, .required = true),
	XE("pasid", yf_opt, pasid, .bits = 32),
	XE("address", yf_opt, address, .bits = 64),
	XE("flags", yf_flags_opt, flags, .names = fault_flag_names, .bits = 32),
	{0},
};

static bool f_records(struct yctx *y, const struct ynode *v, void *base,
		      const struct yfield *f)
{
	struct expect_events *e = base;
	if (!ywant(y, v, YNODE_SEQ, f->key))
		return false;
	if (v->n && !(e->rec = calloc(v->n, sizeof *e->rec)))
		return yfail(y, v, "out of memory");
	e->n = v->n;
	e->has_records = true;
	for (size_t i = 0; i < v->n; i++) {
		e->rec[i].line = v->kids[i]->line;
		e->rec[i].column = v->kids[i]->column;
		if (!yparse_map(y, v->kids[i], "event", event_fields,
				&e->rec[i]))
			return false;
	}
	return true;
}

#define XS(k, fn, m, ...) YFIELD(k, fn, struct expect_events, m, __VA_ARGS__)

static const struct yfield events_expect_fields[] = {
	XS("records", f_records, rec),
	XS("dropped", yf_opt, dropped, .bits = 64),
	{0},
};

static bool e_events(struct ld *ld, const struct ynode *v, struct step *st)
{
	if (v->kind == YNODE_SEQ) /* a list is {records: list} */
		return f_records(&ld->y, v, &st->events,
				 &events_expect_fields[0]);
	return yparse_map(&ld->y, v, "expect", events_expect_fields,
			  &st->events);
}

static const struct yfield tables_expect_fields[] = {
	ST("root", yf_opt, root, .bits = 64, .required = true),
	{0},
};

static bool e_tables(struct ld *ld, const struct ynode *v, struct step *st)
{
	return yparse_map(&ld->y, v, "expect", tables_expect_fields, st);
}

#define XA(k, fn, m, ...) \
	YFIELD(k, fn, struct expect_access, m, __VA_ARGS__)

static const struct yfield access_fields[] = {
	XA("kind", yf_name_opt, kind, .names = walk_acc_names),
	XA("stage", yf_opt, stage, .bits = 8),
	XA("level", yf_opt, level, .bits = 7),
	XA("addr", yf_opt, addr, .bits = 64),
	XA("value", yf_opt, value, .bits = 64),
	{0},
};

static bool f_accesses(struct yctx *y, const struct ynode *v, void *base,
		       const struct yfield *f)
{
	struct expect_walk *e = base;
	if (!ywant(y, v, YNODE_SEQ, f->key))
		return false;
	/* The result records this many; a longer list could never match. */
	if (v->n > IREF_WALK_MAX_ACCESSES)
		return yfail(y, v, "accesses: more than %u",
			     IREF_WALK_MAX_ACCESSES);
	if (v->n && !(e->acc = calloc(v->n, sizeof *e->acc)))
		return yfail(y, v, "out of memory");
	e->n_acc = v->n;
	e->has_acc = true;
	for (size_t i = 0; i < v->n; i++) {
		e->acc[i].line = v->kids[i]->line;
		if (!yparse_map(y, v->kids[i], "access", access_fields,
				&e->acc[i]))
			return false;
	}
	return true;
}

#define XW(k, fn, m, ...) YFIELD(k, fn, struct expect_walk, m, __VA_ARGS__)

static const struct yfield walk_expect_fields[] = {
	XW("pa", yf_opt, pa, .bits = 64),
	XW("size", yf_opt, size, .bits = 64),
	XW("perm", yf_flags_opt, perm, .names = perm_names, .bits = 32),
	XW("attrs", yf_opt, attrs, .bits = 32),
	XW("global", yf_bool_opt, global),
	XW("fault", f_wfault_opt, reason),
	XW("code", yf_opt, code, .bits = 32),
	XW("stage", yf_opt, stage, .bits = 32),
	XW("walk", yf_bool_opt, walk),
	XW("addr", yf_opt, addr, .bits = 64),
	XW("addr2", yf_opt, addr2, .bits = 64),
	XW("flags", yf_opt, flags, .bits = 32),
	XW("level", yf_name_opt, level, .names = level_names, .bits = 7,
	   .numeric = true),
	XW("accesses", f_accesses, acc),
	{0},
};

static bool e_walk(struct ld *ld, const struct ynode *v, struct step *st)
{
	struct expect_walk *e = &st->walk_exp;
	if (v->kind == YNODE_SCALAR) { /* "expect: ok" or "expect: fault" */
		e->outcome.set = yparse_name(&ld->y, v, "expect",
					     walk_outcome_names,
					     &e->outcome.v);
		return e->outcome.set;
	}
	if (!yparse_map(&ld->y, v, "expect", walk_expect_fields, e))
		return false;
	if (!v->n)
		return yfail(&ld->y, v,
			     "expect: give ok, fault, or the fields to check");
	bool ok = e->pa.set || e->size.set || e->perm.set || e->attrs.set ||
		  e->global.set;
	bool fault = e->reason.set || e->code.set || e->stage.set ||
		     e->walk.set || e->addr.set || e->addr2.set ||
		     e->flags.set;
	if (ok && fault)
		return yfail(&ld->y, v,
			     "expect: fields of a translation (pa, size, perm, "
			     "attrs, global) and of a fault (fault, code, "
			     "stage, walk, addr, addr2, flags) do not mix");
	if (e->stage.set && e->stage.v != 1 && e->stage.v != 2)
		return yfail(&ld->y, ynode_get(v, "stage"),
			     "stage: 1 or 2");
	e->outcome.set = ok || fault;
	e->outcome.v = fault;
	return true;
}

bool scenario_has_tlb(const struct scenario *s)
{
	return s->cfg.tlb_enabled || s->cfg.utlb_enabled;
}

static const struct yname cache_level_names[] = {
	{"utlb", IREF_CACHE_UTLB},
	{"tlb", IREF_CACHE_TLB},
	{"ctx", IREF_CACHE_CTX},
	{"walk", IREF_CACHE_WALK},
	{"s2tlb", IREF_CACHE_S2TLB},
	{NULL, 0},
};

const char *cache_level_name(enum iref_cache_level level)
{
	for (const struct yname *e = cache_level_names; e->name; e++)
		if (e->value == level)
			return e->name;
	return "?";
}

static const struct yfield tlb_stats_fields[] = {
	YFIELD("level", yf_name, struct step, cache,
	       .names = cache_level_names),
	{0},
};

static bool a_tlb_stats(struct ld *ld, const struct ynode *v,
			struct step *st)
{
	const struct iref_config *cfg = &ld->s->cfg;
	st->cache = IREF_CACHE_TLB;
	if (!ynode_is_null(v) &&
	    !yparse_map(&ld->y, v, "tlb_stats", tlb_stats_fields, st))
		return false;
	/* The device has the context cache when it has either TLB. */
	bool have = st->cache == IREF_CACHE_UTLB    ? cfg->utlb_enabled
		    : st->cache == IREF_CACHE_TLB   ? cfg->tlb_enabled
		    : st->cache == IREF_CACHE_WALK  ? cfg->wc_enabled
		    : st->cache == IREF_CACHE_S2TLB ? cfg->s2tlb_enabled
						    : scenario_has_tlb(ld->s);
	if (have)
		return true;
	const struct ynode *at = v->kind == YNODE_MAP && ynode_get(v, "level")
					 ? ynode_get(v, "level")
					 : v;
	switch (st->cache) {
	case IREF_CACHE_UTLB:
		return yfail(&ld->y, at,
			     "tlb_stats: the device has no micro-TLB (add "
			     "iommu: utlb:)");
	case IREF_CACHE_TLB:
		return yfail(&ld->y, at,
			     "tlb_stats: the device has no TLB (add iommu: "
			     "tlb:)");
	case IREF_CACHE_WALK:
		return yfail(&ld->y, at,
			     "tlb_stats: the device has no walk cache (add "
			     "iommu: wc:)");
	case IREF_CACHE_S2TLB:
		return yfail(&ld->y, at,
			     "tlb_stats: the device has no stage-2 table "
			     "cache (add iommu: s2tlb:)");
	default:
		return yfail(&ld->y, at,
			     "tlb_stats: the device has no context cache (it "
			     "comes with iommu: tlb: or utlb:)");
	}
}

#define XT(k, m) YFIELD(k, yf_opt, struct expect_tlb, m, .bits = 64)

static const struct yfield tlb_expect_fields[] = {
	XT("lookups", lookups),
	XT("hits", hits),
	XT("misses", misses),
	XT("fills", fills),
	XT("evictions", evictions),
	XT("invalidated", invalidated),
	{0},
};

static bool e_tlb_stats(struct ld *ld, const struct ynode *v,
			struct step *st)
{
	if (!yparse_map(&ld->y, v, "expect", tlb_expect_fields, &st->tlb))
		return false;
	if (!v->n)
		return yfail(&ld->y, v,
			     "expect: give lookups, hits, misses, fills, "
			     "evictions or invalidated");
	return true;
}

static bool e_host(struct ld *ld, const struct ynode *v, struct step *st)
{
	st->accepted.set = yparse_name(&ld->y, v, "expect", host_names,
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
	[STEP_TABLES] = {"tables", a_tables, e_tables},
	[STEP_WALK] = {"walk", a_walk, e_walk},
	[STEP_TLB_STATS] = {"tlb_stats", a_tlb_stats, e_tlb_stats},
	[STEP_ATTACH_TABLE] = {"attach_table", a_attach_table, e_req},
	[STEP_INVALIDATE] = {"invalidate", a_invalidate, e_req},
	[STEP_WRITE] = {"write", a_write, NULL},
};

#define N_STEP_KINDS (sizeof step_descs / sizeof step_descs[0])

const char *step_kind_name(enum step_kind kind)
{
	return (size_t)kind < N_STEP_KINDS ? step_descs[kind].name : "?";
}

static bool parse_step(struct ld *ld, const struct ynode *item,
		       struct step *st)
{
	if (!ywant(&ld->y, item, YNODE_MAP, "step"))
		return false;
	const struct ynode *kind_key = NULL, *expect_key = NULL, *expect = NULL;
	size_t kind = 0;
	for (size_t i = 0; i < item->n; i++) {
		const struct ynode *k = item->kids[2 * i];
		if (!strcmp(k->str, "expect")) {
			if (expect_key)
				return yfail(&ld->y, k,
					     "duplicate key 'expect' in step");
			expect_key = k;
			expect = item->kids[2 * i + 1];
			continue;
		}
		size_t d = 0;
		while (d < N_STEP_KINDS && strcmp(step_descs[d].name, k->str))
			d++;
		if (d == N_STEP_KINDS) {
			struct yjoin kinds = {0};
			for (size_t j = 0; j < N_STEP_KINDS; j++)
				yjoin_add(&kinds, step_descs[j].name);
			return yfail(&ld->y, k,
				     "unknown step kind '%s' (expected one of: "
				     "%s)",
				     k->str, kinds.buf);
		}
		if (kind_key)
			return yfail(&ld->y, k,
				     "a step has one kind: '%s' after '%s'",
				     k->str, kind_key->str);
		kind_key = k;
		kind = d;
	}
	if (!kind_key)
		return yfail(&ld->y, item, "step without a kind");
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
				    ? ykey(args, "expect")
				    : NULL;
	if (inner) {
		if (expect_key)
			return yfail(&ld->y, inner,
				     "events: expect given twice");
		expect_key = inner;
		expect = ynode_get(args, "expect");
	}
	if (!expect_key)
		return true;
	if (!desc->expect)
		return yfail(&ld->y, expect_key, "%s steps take no expect",
			     desc->name);
	if (ynode_is_null(expect))
		return yfail(&ld->y, expect_key,
			     "expect without a value: give one or remove it");
	st->has_expect = true;
	st->expect_line = expect_key->line;
	st->expect_column = expect_key->column;
	return desc->expect(ld, expect, st);
}

static bool load_steps(struct ld *ld, const struct ynode *v)
{
	struct scenario *s = ld->s;
	if (!ywant(&ld->y, v, YNODE_SEQ, "steps"))
		return false;
	if (v->n && !(s->steps = calloc(v->n, sizeof *s->steps)))
		return yfail(&ld->y, v, "out of memory");
	s->n_steps = v->n;
	for (ld->cur = 0; ld->cur < v->n; ld->cur++)
		if (!parse_step(ld, v->kids[ld->cur], &s->steps[ld->cur]))
			return false;
	return true;
}

/* ---- files and presets ---- */

/* The whole of a file into a malloc'd buffer of *len bytes, and its
 * identity if id is not NULL. NULL on error, why->msg saying why. */
static char *read_file(const char *path, size_t *len, struct file_id *id,
		       struct iref_diag *why)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		iref_diag_set(why, path, 0, 0, "cannot open: %s",
			      strerror(errno));
		return NULL;
	}
	struct stat st;
	if (id && fstat(fileno(f), &st)) {
		iref_diag_set(why, path, 0, 0, "cannot read: %s",
			      strerror(errno));
		fclose(f);
		return NULL;
	}
	if (id)
		*id = (struct file_id){.dev = st.st_dev, .ino = st.st_ino};
	char *text = NULL;
	size_t cap = 0;
	*len = 0;
	for (;;) {
		if (*len == cap) {
			cap = cap ? 2 * cap : 4096;
			char *t = realloc(text, cap);
			if (!t) {
				iref_diag_set(why, path, 0, 0, "out of memory");
				break;
			}
			text = t;
		}
		size_t n = fread(text + *len, 1, cap - *len, f);
		*len += n;
		if (n)
			continue;
		if (!ferror(f)) {
			fclose(f);
			return text;
		}
		iref_diag_set(why, path, 0, 0, "cannot read: %s",
			      strerror(errno));
		break;
	}
	fclose(f);
	free(text);
	return NULL;
}

/* The directory of a file, which the paths it gives are relative to: ""
 * for the current one. NULL when out of memory. */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t dlen = slash ? (size_t)(slash - path) : 0;
	if (slash && dlen == 0)
		dlen = 1; /* the root directory */
	char *dir = malloc(dlen + 1);
	if (dir) {
		memcpy(dir, path, dlen);
		dir[dlen] = '\0';
	}
	return dir;
}

/* A failed load frees the preset names its diagnostic may point to; the
 * diagnostic gets this copy instead (scenario.h). Preset paths longer
 * than it are refused. */
static _Thread_local char failed_preset[4096];

static void keep_diag_file(const struct scenario *s, struct iref_diag *diag)
{
	for (size_t i = 0; diag && s && i < s->n_files; i++)
		if (diag->file == s->files[i]) {
			snprintf(failed_preset, sizeof failed_preset, "%s",
				 diag->file);
			diag->file = failed_preset;
			return;
		}
}

/* The scenario keeps path (malloc'd, freed here on failure) as a preset
 * name: its nodes, and what the runner reports at them, point to it. */
static const char *own_file(struct ld *ld, char *path)
{
	struct scenario *s = ld->s;
	char **f = realloc(s->files, (s->n_files + 1) * sizeof *f);
	if (!f) {
		free(path);
		return NULL;
	}
	s->files = f;
	s->files[s->n_files++] = path;
	return path;
}

/* Keys that only mean something under one value of another key of their
 * section: hw capabilities belong to an architecture, stage2 options and
 * tables to a format. Naming another one drops the preset's section. */
static const struct {
	const char *section, *key;
} merge_owner[] = {
	{"hw", "arch"},
	{"stage2", "format"},
};

/* A TLB's one-array keys and its arrays exclude each other. */
static const char *const tlb_one_array[] = {"entries", "ways", "sizes"};
static const char *const tlb_sections[] = {"tlb", "utlb", "wc", "s2tlb"};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* What of base (a preset's iommu mapping) cannot merge with over's
 * keys: a section of another architecture or format, the other form of
 * a TLB. */
static void prune_preset(struct ynode *base, const struct ynode *over)
{
	for (size_t i = 0; i < NELEM(merge_owner); i++) {
		struct ynode **b = ytree_slot(base, merge_owner[i].section);
		const struct ynode *o = ynode_get(over, merge_owner[i].section);
		if (!b || !o || (*b)->kind != YNODE_MAP || o->kind != YNODE_MAP)
			continue;
		const struct ynode *bk = ynode_get(*b, merge_owner[i].key);
		const struct ynode *ok = ynode_get(o, merge_owner[i].key);
		if (bk && ok && bk->kind == YNODE_SCALAR &&
		    ok->kind == YNODE_SCALAR && strcmp(bk->str, ok->str))
			ytree_drop(base, merge_owner[i].section);
	}
	for (size_t i = 0; i < NELEM(tlb_sections); i++) {
		struct ynode **b = ytree_slot(base, tlb_sections[i]);
		const struct ynode *o = ynode_get(over, tlb_sections[i]);
		if (!b || !o || (*b)->kind != YNODE_MAP || o->kind != YNODE_MAP)
			continue;
		bool one = false;
		for (size_t k = 0; k < NELEM(tlb_one_array); k++)
			one |= ynode_get(o, tlb_one_array[k]) != NULL;
		if (one)
			ytree_drop(*b, "arrays");
		for (size_t k = 0; ynode_get(o, "arrays") &&
				   k < NELEM(tlb_one_array); k++)
			ytree_drop(*b, tlb_one_array[k]);
	}
}

/* over on base, both iommu mappings, consumed. */
static struct ynode *merge_preset(struct ld *ld, struct ynode *base,
				  struct ynode *over)
{
	prune_preset(base, over);
	return ytree_merge(base, over, "iommu", ld->y.diag);
}

struct preset_top {
	const struct ynode *iommu;
};

static const struct yfield preset_fields[] = {
	YFIELD("iommu", yf_node, struct preset_top, iommu, .required = true),
	{0},
};

static struct ynode *with_presets(struct ld *ld, struct ynode *m,
				  const char *dir);

/* The iommu mapping of the preset file named by path (relative to dir),
 * over the presets it names itself. NULL on error. */
static struct ynode *load_preset(struct ld *ld, const struct ynode *path,
				 const char *dir)
{
	if (path->kind != YNODE_SCALAR || ynode_is_null(path)) {
		yfail(&ld->y, path, "preset: expected a path or a list of paths");
		return NULL;
	}
	if (ld->depth == PRESET_DEPTH) {
		yfail(&ld->y, path, "preset: presets nest deeper than %d",
		      PRESET_DEPTH);
		return NULL;
	}
	if (ld->s->n_files == PRESET_MAX) {
		yfail(&ld->y, path, "preset: more than %d presets in all",
		      PRESET_MAX);
		return NULL;
	}
	char *full = join_path(dir, path->str);
	if (!full) {
		yfail(&ld->y, path, "out of memory");
		return NULL;
	}
	struct iref_diag why = {0};
	struct file_id id;
	size_t len;
	char *text = strlen(full) < sizeof failed_preset
			     ? read_file(full, &len, &id, &why)
			     : NULL;
	if (!text) {
		if (why.msg[0])
			yfail(&ld->y, path, "preset: %s: %s", full, why.msg);
		else
			yfail(&ld->y, path, "preset: path too long");
		free(full);
		return NULL;
	}
	for (unsigned i = 0; i < ld->depth; i++)
		if (ld->open[i].dev == id.dev && ld->open[i].ino == id.ino) {
			yfail(&ld->y, path,
			      "preset: %s is already being loaded (a cycle of "
			      "presets)",
			      full);
			free(full);
			free(text);
			return NULL;
		}
	const char *name = own_file(ld, full);
	if (!name) {
		free(text);
		yfail(&ld->y, path, "out of memory");
		return NULL;
	}
	struct ynode *root = ytree_parse(text, len, name, ld->y.diag);
	free(text);
	if (!root)
		return NULL;
	struct preset_top t;
	if (!yparse_map(&ld->y, root, "preset", preset_fields, &t)) {
		ytree_free(root);
		return NULL;
	}
	struct ynode *iommu = ytree_take(root, "iommu");
	ytree_free(root);
	char *pdir = NULL;
	if (!ywant(&ld->y, iommu, YNODE_MAP, "iommu") ||
	    !(pdir = dir_of(name))) {
		if (iommu->kind == YNODE_MAP)
			yfail(&ld->y, iommu, "out of memory");
		ytree_free(iommu);
		return NULL;
	}
	ld->open[ld->depth++] = id;
	struct ynode *r = with_presets(ld, iommu, pdir);
	ld->depth--;
	free(pdir);
	return r;
}

/* The iommu mapping m (consumed), written in a file of directory dir,
 * over the presets its preset: key names, a later one over an earlier
 * one. NULL on error. */
static struct ynode *with_presets(struct ld *ld, struct ynode *m,
				  const char *dir)
{
	if (m->kind != YNODE_MAP || !ynode_get(m, "preset"))
		return m;
	struct ynode *paths = ytree_take(m, "preset");
	struct ynode *base = NULL;
	if (ynode_get(m, "preset")) {
		yfail(&ld->y, ykey(m, "preset"),
		      "duplicate key 'preset' in iommu");
		goto fail;
	}
	if (paths->kind != YNODE_SEQ) {
		if (!(base = load_preset(ld, paths, dir)))
			goto fail;
	}
	for (size_t i = 0; paths->kind == YNODE_SEQ && i < paths->n; i++) {
		struct ynode *one = load_preset(ld, paths->kids[i], dir);
		if (!one)
			goto fail;
		base = base ? merge_preset(ld, base, one) : one;
		if (!base)
			goto fail;
	}
	ytree_free(paths);
	return base ? merge_preset(ld, base, m) : m;
fail:
	ytree_free(paths);
	ytree_free(base);
	ytree_free(m);
	return NULL;
}

/* ---- the document ---- */

struct top {
	const struct ynode *iommu, *endpoints, *guest_memory, *memory, *steps;
};

#define TOP(k, m, ...) YFIELD(k, yf_node, struct top, m, __VA_ARGS__)

static const struct yfield top_fields[] = {
	TOP("iommu", iommu),
	TOP("endpoints", endpoints),
	TOP("guest_memory", guest_memory),
	TOP("memory", memory),
	TOP("steps", steps, .required = true),
	{0},
};

static bool load(struct ld *ld, struct ynode *root)
{
	struct top t = {0};
	if (!yparse_map(&ld->y, root, "scenario", top_fields, &t))
		return false;
	/* Sections in dependency order, whatever the file's order: a probe
	 * step's default size comes from iommu. */
	if (t.iommu) {
		/* Presets are merged into the tree, so that the fields are
		 * read once, wherever each was written. */
		struct ynode **slot = ytree_slot(root, "iommu");
		*slot = with_presets(ld, *slot, ld->dir);
		if (!(t.iommu = *slot) ||
		    !load_iommu(ld, ykey(root, "iommu"), t.iommu))
			return false;
	} else {
		ld->s->negotiated = ld->s->cfg.features;
	}
	if (t.guest_memory &&
	    !yparse_map(&ld->y, t.guest_memory, "guest_memory",
			guest_memory_fields, ld->s))
		return false;
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
	struct ld ld = {.y = {.name = name, .diag = diag}, .s = s, .dir = dir};
	bool ok = s && (s->name = dup_str(name));
	if (!ok) {
		iref_diag_set(diag, name, 0, 0, "out of memory");
	} else {
		iref_config_default(&s->cfg);
		ok = load(&ld, root);
	}
	ytree_free(root);
	if (!ok) {
		keep_diag_file(s, diag);
		scenario_free(s);
		return NULL;
	}
	return s;
}

struct scenario *scenario_load(const char *path, struct iref_diag *diag)
{
	size_t len;
	char *text = read_file(path, &len, NULL, diag);
	if (!text)
		return NULL;
	/* Images and presets are found next to the scenario. */
	char *dir = dir_of(path);
	struct scenario *s = NULL;
	if (!dir)
		iref_diag_set(diag, path, 0, 0, "out of memory");
	else
		s = scenario_parse(text, len, path, dir, diag);
	free(dir);
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
		free(st->req.hw);
		free(st->events.rec);
		free(st->maps);
		free(st->name);
		free(st->walk_exp.acc);
	}
	free(s->s2.maps);
	for (size_t i = 0; i < s->n_files; i++)
		free(s->files[i]);
	free(s->files);
	free(s->eps);
	free(s->mem);
	free(s->steps);
	free(s->name);
	free(s);
}
