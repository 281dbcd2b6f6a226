/* Page-table walks for the four formats of the virtio-iommu page-table
 * extension, single-stage and nested, and the table builder. A walker is
 * pure: a configuration (format, options, root), guest memory and an access
 * in; one result record out, with every memory access it made. */
#ifndef IREF_WALK_H
#define IREF_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iommu-ref/access.h"
#include "iommu-ref/error.h"
#include "iommu-ref/mem.h"
#include "iommu-ref/tlb.h"
#include "iommu-ref/walk_amd.h"
#include "iommu-ref/walk_arm.h"
#include "iommu-ref/walk_intel.h"
#include "iommu-ref/walk_riscv.h"

enum iref_fmt {
	IREF_FMT_NONE = 0,
	IREF_FMT_ARM_S1,   /* VMSAv8-64 stage 1 (SMMUv3 CD) */
	IREF_FMT_ARM_S2,   /* VMSAv8-64 stage 2 (SMMUv3 STE) */
	IREF_FMT_INTEL_FS, /* VT-d first stage (x86-64 4/5-level) */
	IREF_FMT_INTEL_SS, /* VT-d second stage */
	IREF_FMT_RISCV_S1, /* Sv32/39/48/57 first stage */
	IREF_FMT_RISCV_G,  /* Sv32x4/39x4/48x4/57x4 G-stage */
	IREF_FMT_AMD_V1,   /* AMD IOMMU v1 host table */
	IREF_FMT_AMD_V2,   /* AMD IOMMU v2 guest table (x86-64) */
	IREF_FMT_COUNT,
};

/* One stage's configuration. `root` is the table root address (an input of
 * the next stage when nested). Options live in the format's own struct;
 * iref_walk_cfg_init/set fill them from names (docs/walkers.md). */
struct iref_walk_cfg {
	enum iref_fmt fmt;
	uint64_t root;
	union {
		struct iref_arm_cfg arm;
		struct iref_intel_cfg intel;
		struct iref_riscv_cfg riscv;
		struct iref_amd_cfg amd;
	} u;
};

/* Set up a configuration from a format name ("arm-s1", "arm-s2",
 * "intel-fs", "intel-ss", "riscv-sv39" ... "riscv-sv57x4", "amd-v1",
 * "amd-v2") with the format's documented defaults. */
enum iref_rc iref_walk_cfg_init(struct iref_walk_cfg *cfg, const char *name,
				struct iref_diag *diag);
/* Set one option by name ("granule", "levels", "ade", ...); value is a
 * decimal or 0x-hex number or a keyword the option documents. */
enum iref_rc iref_walk_cfg_set(struct iref_walk_cfg *cfg, const char *key,
			       const char *value, struct iref_diag *diag);
/* The format's name as iref_walk_cfg_init takes it. */
const char *iref_walk_cfg_name(const struct iref_walk_cfg *cfg);

struct iref_walk_req {
	uint64_t addr;   /* input address of the first stage */
	unsigned access; /* exactly one IREF_ACC_* */
	bool priv;       /* supervisor / privileged request */
};

/* Normalised fault reasons (DESIGN.md). */
enum iref_wfault {
	IREF_WF_NONE = 0,
	IREF_WF_TRANSLATION,
	IREF_WF_ADDRESS_SIZE,
	IREF_WF_ACCESS_FLAG,
	IREF_WF_PERMISSION,
	IREF_WF_BUS_ERROR,
	IREF_WF_CONFIG,
};
/* "translation", "address-size", "access-flag", "permission",
 * "bus-error", "config"; "none" for IREF_WF_NONE. */
const char *iref_wfault_name(enum iref_wfault f);

struct iref_walk_fault {
	enum iref_wfault reason;
	/* The architecture's own code: SMMUv3 event ID, VT-d fault reason,
	 * RISC-V IOMMU cause, AMD event code (walk_<fmt>.h names them). */
	uint32_t code;
	/* Architecture extras: Arm CLASS/S2/RnW bits, AMD IO_PAGE_FAULT
	 * flags, ... (walk_<fmt>.h documents them); 0 if none. */
	uint32_t flags;
	int level;      /* level in the format's numbering; -1 = before any */
	unsigned stage; /* 1 or 2 */
	bool on_walk;   /* stage-2 fault on a stage-1 table access (nested) */
	uint64_t addr;  /* the stage's faulting input address */
	uint64_t addr2; /* RISC-V iotval2, Arm fault IPA, ...; 0 if none */
};

enum iref_walk_acc_kind {
	IREF_WALK_RD = 0, /* a table entry read */
	IREF_WALK_WR = 1, /* an A/D (or AF/dirty) update written */
};

struct iref_walk_access {
	uint64_t addr;  /* physical address */
	uint64_t value; /* the value read or written */
	uint8_t kind;   /* enum iref_walk_acc_kind */
	uint8_t stage;  /* 1 or 2: the stage whose table this is */
	int8_t level;
	uint8_t size;   /* bytes */
};

#define IREF_WALK_MAX_ACCESSES 96

struct iref_walk_result {
	bool ok;
	/* ok: */
	uint64_t pa;
	uint64_t page_size; /* bytes; nested: the smaller of both stages */
	unsigned perm;      /* IREF_PERM_*: what the leaf (and path) allow */
	uint32_t attrs;     /* memory attributes, format-defined */
	bool global;
	int level;          /* leaf level (the last stage's, when nested) */
	/* !ok: */
	struct iref_walk_fault fault;
	/* Memory accesses in order; n_acc counts all of them, acc holds the
	 * first IREF_WALK_MAX_ACCESSES. */
	unsigned n_acc;
	struct iref_walk_access acc[IREF_WALK_MAX_ACCESSES];
};

/* Walk one stage. IREF_E_INVAL only for an unusable cfg (no format);
 * every architectural outcome, faults included, is in *res. Bounded work
 * whatever the memory holds. Allocates nothing. */
enum iref_rc iref_walk(const struct iref_walk_cfg *cfg, struct iref_mem mem,
		       const struct iref_walk_req *req,
		       struct iref_walk_result *res);

/* Two stages: every stage-1 table address and the stage-1 output go
 * through s2 (table reads as reads, A/D updates as writes). */
enum iref_rc iref_walk_nested(const struct iref_walk_cfg *s1,
			      const struct iref_walk_cfg *s2,
			      struct iref_mem mem,
			      const struct iref_walk_req *req,
			      struct iref_walk_result *res);

/* ---- Walks with caches (docs/tlb.md, "Walk caches in front of the
 * walkers") ---- */

/* The caches a walk may use; the caller owns them and invalidates them
 * when tables or configurations change. The results are those of the
 * uncached walk as long as memory has not changed since the entries were
 * cached; only the access list is shorter. */
struct iref_walk_caches {
	struct iref_wcache *wc; /* paging-structure cache; NULL: none */
	/* Nested only: stage-2 translations of stage-1 table addresses, tag
	 * {tag.domain, IREF_TLB_NO_ASID}; NULL: none. */
	struct iref_tlb *s2tlb;
	/* tag.domain for both caches, tag.asid for stage-1 walk-cache
	 * entries (stage-2 entries use IREF_TLB_NO_ASID). */
	struct iref_tlb_tag tag;
};

/* iref_walk and iref_walk_nested with caches; c (or its members) NULL:
 * none, which is exactly iref_walk / iref_walk_nested. Allocates
 * nothing; a walk fills the caches with what it walked. */
enum iref_rc iref_walk_cached(const struct iref_walk_cfg *cfg,
			      struct iref_mem mem,
			      const struct iref_walk_caches *c,
			      const struct iref_walk_req *req,
			      struct iref_walk_result *res);
enum iref_rc iref_walk_nested_cached(const struct iref_walk_cfg *s1,
				     const struct iref_walk_cfg *s2,
				     struct iref_mem mem,
				     const struct iref_walk_caches *c,
				     const struct iref_walk_req *req,
				     struct iref_walk_result *res);

/* ---- Builder ---- */

/* Table pages come from [next, end) of guest memory, 4 KiB at a time (or
 * the root's size and alignment). */
struct iref_pool {
	uint64_t next;
	uint64_t end;
};

#define IREF_BUILD_USER (1u << 0)      /* user/unprivileged accessible */
#define IREF_BUILD_GLOBAL (1u << 1)    /* global (not ASID/PSCID tagged) */
#define IREF_BUILD_NO_ACCESSED (1u << 2) /* leave A/AF clear */
#define IREF_BUILD_NO_DIRTY (1u << 3)  /* leave D clear (writable-clean) */
#define IREF_BUILD_NO_BLOCKS (1u << 4) /* 4 KiB-level leaves only */

struct iref_build_map {
	uint64_t va, pa, size; /* size: a multiple of the smallest page */
	unsigned perm;         /* IREF_PERM_* */
	unsigned flags;        /* IREF_BUILD_* */
	uint32_t attrs;        /* format-defined memory attributes */
};

/* Lay out tables for maps in mem. If cfg->root is 0 a root is taken from
 * the pool and stored in cfg->root; otherwise the tables under the given
 * root are extended. Picks the largest leaf the format allows where size
 * and alignment permit (unless IREF_BUILD_NO_BLOCKS). Errors: IREF_E_NOMEM
 * pool exhausted, IREF_E_INVAL misaligned or overlapping mapping (diag
 * names the mapping's index), memory errors as returned. */
enum iref_rc iref_build(struct iref_walk_cfg *cfg, struct iref_mem mem,
			struct iref_pool *pool,
			const struct iref_build_map *maps, size_t n,
			struct iref_diag *diag);

#endif
