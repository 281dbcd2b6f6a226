/* The contract between the shared walk core (walk_core.c) and the format
 * files (arm.c, intel.c, riscv.c, amd.c). The core owns the loop, memory
 * access and its record, the stage-2 translation of stage-1 table addresses
 * (nested), atomic A/D updates, bounded work and the builder; a format
 * owns its bits: address checks, index extraction, entry decode,
 * permissions and its fault codes. Private to the library. */
#ifndef IREF_WALKERS_WALK_CORE_H
#define IREF_WALKERS_WALK_CORE_H

#include <stdbool.h>
#include <stdint.h>

#include "iommu-ref/walk.h"

#define WALK_MAX_DEPTH 6   /* levels of any format (AMD v1 has 6) */
#define WALK_MAX_UPDATES 6 /* A/D updates one stage may queue */

/* Why a stage walks: for the transaction itself, or (stage 2 of a nested
 * walk) to translate a stage-1 table address for a read or an A/D write.
 * Formats whose codes name the access use this with orig_access. */
enum walk_purpose {
	WALK_DATA = 0,
	WALK_IMPLICIT_RD,
	WALK_IMPLICIT_WR,
};

enum walk_step {
	STEP_FAULT = 0, /* walk_fault() was called */
	STEP_TABLE,     /* w->table and w->level name the next table */
	STEP_LEAF,      /* w->leaf is filled */
};

struct walk_leaf {
	uint64_t pa;   /* output address of req->addr (offset included) */
	uint64_t size; /* page/block size in bytes */
	unsigned perm; /* IREF_PERM_* */
	uint32_t attrs;
	bool global;
};

struct walk_update {
	uint64_t addr; /* entry address (stage input space) */
	uint64_t old, new;
	int level;
};

/* One stage's walk in progress. The core sets every field (walk_start
 * and run_stage in walk_core.c: keep them in step with this struct). */
struct walk {
	const struct iref_walk_cfg *cfg;
	const struct iref_walk_req *req; /* stage 2 of a nested walk: addr is
					  * the GPA, access what is needed */
	unsigned stage;                  /* 1 or 2 */
	enum walk_purpose purpose;
	unsigned orig_access;            /* the transaction's IREF_ACC_* */
	int level;                       /* current level, format numbering */
	uint64_t table;                  /* current table (stage input space) */
	uint64_t entry_addr;             /* entry being decoded (set by core) */
	uint64_t entry_pa;               /* its physical address (set by core;
					  * differs when nested) */
	bool nested;                     /* part of a two-stage walk */
	/* Set by begin(): apply each step's queued updates as soon as the
	 * step returns (the entry passed its own checks), so a later fault
	 * leaves them written ("as walked"). Otherwise updates wait for the
	 * stage's leaf. Either way a step that faults writes nothing. */
	bool ad_as_walked;
	bool orig_priv;                  /* the transaction's privilege */
	uint64_t st[4];                  /* format scratch, zeroed by the core */
	struct walk_leaf leaf;
	/* The queued updates: WALK_MAX_UPDATES entries of run_stage's
	 * (outside the struct, which every stage initialises whole). */
	struct walk_update *upd;
	unsigned n_upd;
	struct iref_walk_result *res;
	void *core;                      /* core-private */
};

/* Geometry for the builder: depth 0 is the root table. */
struct walk_geom {
	unsigned depth;                    /* number of levels */
	int level[WALK_MAX_DEPTH];         /* format level number per depth */
	unsigned shift[WALK_MAX_DEPTH];    /* log2 bytes one entry maps */
	unsigned idx_bits[WALK_MAX_DEPTH]; /* index width */
	bool leaf_ok[WALK_MAX_DEPTH];      /* a leaf may sit here */
	uint64_t root_size;                /* bytes, also its alignment */
	unsigned pte_size;                 /* bytes per entry */
};

enum walk_entry_kind { ENTRY_EMPTY = 0, ENTRY_TABLE, ENTRY_LEAF };

struct walk_fmt {
	enum iref_fmt fmt;
	/* Accept a format name ("riscv-sv39") and set the defaults; false if
	 * the name is not this format's. */
	bool (*init)(struct iref_walk_cfg *cfg, const char *name);
	const char *(*name)(const struct iref_walk_cfg *cfg);
	enum iref_rc (*set)(struct iref_walk_cfg *cfg, const char *key,
			    const char *value, struct iref_diag *diag);

	/* Bytes per entry for this configuration (8; 4 for Sv32). */
	unsigned (*pte_size)(const struct iref_walk_cfg *cfg);
	/* Before any memory access: input checks, start level, w->table =
	 * root. Return STEP_TABLE to walk on, or walk_fault()'s value. */
	enum walk_step (*begin)(struct walk *w);
	/* Byte offset of req->addr's entry in the table at w->level. */
	uint64_t (*entry_offset)(const struct walk *w);
	/* Decode the entry read at w->level. May queue A/D updates with
	 * walk_queue_update() once the entry has passed its checks; the core
	 * applies them, in order, when the stage ends in STEP_LEAF (or after
	 * each step, w->ad_as_walked). Must move strictly towards a leaf. */
	enum walk_step (*step)(struct walk *w, uint64_t pte);
	/* Fill the fault for a bus error at w->level: reading the entry at
	 * w->entry_addr, or (write) applying an update to it. */
	void (*bus_fault)(struct walk *w, bool write);

	/* Walk-cache hooks (docs/tlb.md). After a STEP_TABLE: the state the
	 * levels walked so far accumulated (w->st), packed into *perm and
	 * *attrs so that cache_restore gives it back exactly; returns log2
	 * of the input bytes the table at w->table translates (the span of
	 * its cache entry). */
	unsigned (*cache_pack)(const struct walk *w, unsigned *perm,
			       uint32_t *attrs);
	/* After begin() and with w->table / w->level taken from a cached
	 * entry: restore the packed state into w. False, with w unchanged,
	 * if the entry cannot serve this walk (a level this configuration
	 * does not have, or a per-level check of the levels skipped that
	 * this request would fail): the core then walks from the root. */
	bool (*cache_restore)(struct walk *w, unsigned perm, uint32_t attrs);

	/* Builder hooks. */
	void (*geometry)(const struct iref_walk_cfg *cfg, struct walk_geom *g);
	uint64_t (*make_table)(const struct iref_walk_cfg *cfg, int level,
			       uint64_t next);
	uint64_t (*make_leaf)(const struct iref_walk_cfg *cfg, int level,
			      uint64_t pa, const struct iref_build_map *m);
	/* What an existing entry is; *next = its table address if a table. */
	enum walk_entry_kind (*entry_kind)(const struct iref_walk_cfg *cfg,
					   int level, uint64_t pte,
					   uint64_t *next);
};

extern const struct walk_fmt walk_fmt_arm_s1, walk_fmt_arm_s2;
extern const struct walk_fmt walk_fmt_intel_fs, walk_fmt_intel_ss;
extern const struct walk_fmt walk_fmt_riscv_s1, walk_fmt_riscv_g;
extern const struct walk_fmt walk_fmt_amd_v1, walk_fmt_amd_v2;

/* Record a fault of this stage at w->level: reason, architecture code,
 * addr = w->req->addr, and addr2 = the faulting GPA (w->req->addr) for a
 * stage 2 of a nested walk, else 0; flags/addr2 may be set in
 * w->res->fault after (the core keeps what the format sets). Returns
 * STEP_FAULT so a hook can `return walk_fault(...)`. */
enum walk_step walk_fault(struct walk *w, enum iref_wfault reason,
			  uint32_t code);
/* Ask for an atomic update of the entry just read (at w->entry_addr,
 * whose value was old) to new. */
void walk_queue_update(struct walk *w, uint64_t old, uint64_t new);

/* Parse an option value: decimal, 0x-hex, or "true"/"false"/"on"/"off"
 * (1/0). Diag names the key on error. */
enum iref_rc walk_parse_u64(const char *key, const char *value, uint64_t *out,
			    struct iref_diag *diag);

/* Builder: the accessed bit a and dirty bit d a new leaf gets, as the
 * map's flags ask; dirty only on writable leaves. */
static inline uint64_t walk_build_ad(const struct iref_build_map *m,
				     uint64_t a, uint64_t d)
{
	return (m->flags & IREF_BUILD_NO_ACCESSED ? 0 : a) |
	       ((m->perm & IREF_PERM_W) && !(m->flags & IREF_BUILD_NO_DIRTY)
			? d
			: 0);
}

/* Little helpers for bit fields. */
static inline uint64_t walk_bits(uint64_t v, unsigned hi, unsigned lo)
{
	return (v >> lo) & (hi - lo == 63 ? ~UINT64_C(0)
					  : ((UINT64_C(1) << (hi - lo + 1)) - 1));
}

static inline uint64_t walk_mask(unsigned hi, unsigned lo)
{
	return walk_bits(~UINT64_C(0), hi, lo) << lo;
}

#endif
