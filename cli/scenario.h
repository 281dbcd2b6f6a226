/* YAML scenarios (docs/scenario.md): the loader turns a file into a
 * checked, self-contained description (device configuration, endpoints,
 * memory contents, steps with their expectations) so that running it can no
 * longer meet an input error. Friendly request steps are encoded to wire
 * bytes here, with the encoders of wire.h. */
#ifndef IREF_CLI_SCENARIO_H
#define IREF_CLI_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iommu-ref/dma.h"
#include "iommu-ref/error.h"
#include "iommu-ref/events.h"
#include "iommu-ref/ext_wire.h"
#include "iommu-ref/iommu.h"
#include "iommu-ref/walk.h"
#include "iommu-ref/wire.h"
#include "yfield.h"

/* Largest writable area a request step may ask for. */
#define SCENARIO_WLEN_MAX (16u << 20)

enum step_kind {
	STEP_ATTACH,
	STEP_DETACH,
	STEP_MAP,
	STEP_UNMAP,
	STEP_PROBE,
	STEP_REQUEST,
	STEP_DMA,
	STEP_EVENTS,
	STEP_BYPASS,
	STEP_CONFIG_WRITE,
	STEP_RESET,
	STEP_POST_EVENT_BUFFERS,
	STEP_TABLES,
	STEP_WALK,
	STEP_TLB_STATS,
	STEP_ATTACH_TABLE,
	STEP_INVALIDATE,
	STEP_WRITE,
};

/* The YAML key of a step kind ("attach", "post_event_buffers"). */
const char *step_kind_name(enum step_kind kind);

/* How a successful DMA went (results "via="). */
enum expect_via {
	VIA_MAP,
	VIA_MMIO,
	VIA_BYPASS,
	VIA_MSI,
	VIA_TABLE,
	VIA_S2,
};

/* What a request step expects: tail status and/or used length, and for a
 * PROBE the exact property list (value pointers are NULL; hw[i].type is
 * non-zero for a HW property given by its registers); cycles on a device
 * with timing only. */
struct expect_req {
	struct opt status, used, cycles;
	bool has_props;
	struct iref_probe_prop *props;
	struct iref_hw_regs *hw;
	size_t n_props;
};

/* What a DMA step expects: the outcome, and the fields given. perm holds
 * IREF_PERM_*, via an enum expect_via, flags the fault record's flags,
 * tlb an enum iref_dma_tlb (a device with a TLB only), cycles the access's
 * cycles (a device with timing only). level is a table path's leaf level
 * (ok) or the walk fault's (UINT64_MAX: none); code, walk (an
 * iref_wfault) and stage the walk fault behind a fault or an abort on a
 * table attachment. */
struct expect_dma {
	enum iref_dma_outcome outcome;
	struct opt pa, size, perm, via;
	struct opt reason, flags, address;
	struct opt code, walk, stage, level;
	struct opt tlb, cycles;
};

/* What a tlb_stats step expects: any of the level's counters. */
struct expect_tlb {
	struct opt lookups, hits, misses, fills, evictions, invalidated;
};

struct expect_event {
	unsigned line, column;
	struct opt reason, endpoint, pasid, address, flags;
};

/* What an events step expects: the whole list of records popped, and/or
 * the count of dropped reports since the device was created. */
struct expect_events {
	bool has_records;
	struct expect_event *rec;
	size_t n;
	struct opt dropped;
};

/* One expected memory access of a walk; kind is an iref_walk_acc_kind. */
struct expect_access {
	unsigned line;
	struct opt kind, stage, level, addr, value;
};

/* What a walk step expects. outcome (v = 1: a fault) is set by "expect:
 * ok|fault" or by a field only one outcome has; level is the leaf's or
 * the fault's (UINT64_MAX: none, a fault before any table). perm holds
 * IREF_PERM_*, reason an iref_wfault, walk the fault's on_walk, global 0
 * or 1. */
struct expect_walk {
	struct opt outcome;
	struct opt pa, size, perm, attrs, global;
	struct opt reason, code, stage, walk, addr, addr2, flags;
	struct opt level;
	bool has_acc;
	struct expect_access *acc;
	size_t n_acc;
};

/* One stage of a walk, or the tables a tables step builds: the
 * configuration, or the earlier tables step (by index) that gives it, whose
 * root is known only once that step has run. */
struct walk_stage {
	struct iref_walk_cfg cfg;
	bool from_tables;
	size_t tables;
};

/* A mapping of a tables step and where it was written, for the builder's
 * refusals (file NULL: the scenario; else a preset of its files). */
struct build_item {
	const char *file;
	unsigned line, column;
	struct iref_build_map map;
};

struct step {
	enum step_kind kind;
	unsigned line, column; /* the kind's key */
	bool has_expect;
	unsigned expect_line, expect_column;

	/* Requests (attach, detach, map, unmap, probe, request): the
	 * device-readable bytes and the writable length. */
	struct bytes rd;
	size_t wlen;
	struct expect_req req;

	struct iref_dma_req dma;
	bool dma_at; /* dma.at given (at:); otherwise the runner's clock */
	struct expect_dma dma_exp;

	struct expect_events events;

	/* tlb_stats: the cache level read, and what its counters should
	 * be. */
	enum iref_cache_level cache;
	struct expect_tlb tlb;

	/* bypass: value; reset: 1 = system; config_write: off and data;
	 * post_event_buffers: count buffers of size bytes; write: data (the
	 * words' little-endian bytes) at addr. */
	uint64_t value;
	uint32_t off;
	uint64_t addr;
	struct bytes data;
	uint32_t count, size;
	/* Host operations: expected acceptance (v = 1 ok, 0 rejected). */
	struct opt accepted;

	/* tables: s1.cfg (root 0: take one from the pool), the pool, the
	 * mappings, the name walks refer to it by (may be NULL), the
	 * expected root. walk: s1, s2 if nested, the request. */
	struct walk_stage s1, s2;
	bool nested;
	struct iref_pool pool;
	struct build_item *maps;
	size_t n_maps;
	char *name;
	struct opt root;
	struct iref_walk_req walk;
	struct expect_walk walk_exp;
};

enum mem_kind {
	MEM_BYTES, /* u64 words are stored as their little-endian bytes */
	MEM_IMAGE,
};

struct mem_item {
	enum mem_kind kind;
	unsigned line, column;
	uint64_t addr;
	struct bytes data;
	char *path; /* MEM_IMAGE: resolved against the scenario's directory */
};

struct scn_endpoint {
	unsigned line, column;
	struct iref_endpoint_config cfg; /* cfg.resv is owned */
};

/* The host's stage-2 tables (iommu: stage2:), built into guest memory
 * before the device is created: cfg.stage2 is the configuration (root 0:
 * take one from the pool). */
struct stage2_build {
	bool build; /* mappings were given */
	/* The stage2 value (file NULL: the scenario; else a preset). */
	const char *file;
	unsigned line, column;
	struct iref_pool pool;
	struct build_item *maps;
	size_t n_maps;
};

struct scenario {
	char *name; /* the file name messages use */
	/* The presets iommu: took its configuration from (iommu: preset:),
	 * by the paths messages name them with. */
	char **files;
	size_t n_files;
	/* Device configuration (cfg.mem is left empty; cfg.tlb and
	 * cfg.utlb from iommu: tlb: and utlb:, cfg.timing from iommu: timing:, cfg.hw from iommu:
	 * hw:, cfg.stage2 from iommu: stage2: with s2 the tables to build)
	 * and where it came from, for a refusal by iref_iommu_create. */
	struct iref_config cfg;
	unsigned iommu_line, iommu_column;
	struct stage2_build s2;
	uint64_t negotiated;
	enum iref_events_mode eventq_mode;
	struct scn_endpoint *eps;
	size_t n_eps;
	struct iref_sparse_mem_config memcfg; /* guest_memory: */
	struct mem_item *mem;
	size_t n_mem;
	struct step *steps;
	size_t n_steps;
};

/* Load text[0..len) named name (used in messages); images and presets
 * are resolved against dir ("" or NULL: the current directory). NULL on
 * error, with the position and reason in diag. diag->file is name, which
 * must outlive diag's use, or for an error inside a preset the preset's
 * path, held by the loader until the thread's next scenario_parse. */
struct scenario *scenario_parse(const char *text, size_t len,
				const char *name, const char *dir,
				struct iref_diag *diag);
/* Read and load a file; images relative to the file's directory. */
struct scenario *scenario_load(const char *path, struct iref_diag *diag);
void scenario_free(struct scenario *s);

/* The device has a TLB or a micro-TLB: dma lines carry tlb=. */
bool scenario_has_tlb(const struct scenario *s);
/* A cache level by the name tlb_stats steps give it (utlb, tlb, ctx). */
const char *cache_level_name(enum iref_cache_level level);

#endif
