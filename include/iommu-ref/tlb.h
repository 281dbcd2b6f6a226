/* Translation caches: the IOTLB, walk (paging-structure) caches and the
 * nested cache of stage-2 translations of stage-1 table addresses, all on
 * one set-associative engine (docs/tlb.md). They only hold entries: the
 * device and the walkers decide what to insert, when to look up and what
 * to invalidate. No instance is safe to use from two threads at once. */
#ifndef IREF_TLB_H
#define IREF_TLB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iommu-ref/error.h"

/* ---- Configuration (plain numbers and enums, for the YAML loader) ---- */

enum iref_tlb_policy {
	IREF_TLB_LRU = 0, /* least recently used (exact) */
	IREF_TLB_PLRU,    /* tree pseudo-LRU; ways must be a power of two */
	IREF_TLB_FIFO,    /* oldest fill first; hits do not reorder */
	IREF_TLB_RANDOM,  /* seeded: the same seed gives the same victims */
};
#define IREF_TLB_POLICY_COUNT 4

/* "lru", "plru", "fifo", "random"; NULL if unknown. */
const char *iref_tlb_policy_name(enum iref_tlb_policy p);
/* Inverse of iref_tlb_policy_name; -1 if the name is unknown. */
int iref_tlb_policy_parse(const char *name);

#define IREF_TLB_MAX_ARRAYS 8
#define IREF_TLB_MAX_ENTRIES (1u << 24) /* per array */

/* Walk-cache stages an array holds (iref_tlb_array_cfg.stages). */
#define IREF_WC_S1 1u
#define IREF_WC_S2 2u

/* One set-associative array. sets = entries / ways must be a power of
 * two; ways == entries is fully associative, ways == 1 direct mapped.
 * sizes: bit n set = the array holds 2^n-byte pages (TLB) or entries
 * spanning 2^n bytes of input (walk cache), n >= 12. Several sizes in one
 * array share its sets (the size is part of the tag); a size may be held by
 * one array only. stages: walk caches only, IREF_WC_S1 and/or IREF_WC_S2;
 * 0 for a TLB. */
struct iref_tlb_array_cfg {
	uint32_t entries;
	uint32_t ways;
	uint64_t sizes;
	unsigned stages;
};

struct iref_tlb_cfg {
	enum iref_tlb_policy policy;
	uint64_t seed;     /* IREF_TLB_RANDOM; any value, 0 included */
	unsigned n_arrays; /* 1 .. IREF_TLB_MAX_ARRAYS */
	struct iref_tlb_array_cfg array[IREF_TLB_MAX_ARRAYS];
};

/* ---- Tags ---- */

/* The tag of entries without a first stage (stage-2-only, pass-through and
 * MAP/UNMAP translations, stage-2 walk-cache entries). */
#define IREF_TLB_NO_ASID UINT32_MAX

/* domain: the virtio domain, Arm VMID, VT-d DID, RISC-V GSCID or AMD
 * DomainID, as the caller chooses. asid: the first stage's address-space
 * tag (Arm ASID, VT-d PASID, RISC-V PSCID, AMD PASID) or IREF_TLB_NO_ASID;
 * values up to 0xfffffffd (0xfffffffe is reserved). */
struct iref_tlb_tag {
	uint32_t domain;
	uint32_t asid;
};

/* ---- Statistics (always counted) ---- */

struct iref_tlb_stats {
	uint64_t lookups;     /* hits + misses */
	uint64_t hits;
	uint64_t misses;      /* permission misses included */
	uint64_t fills;       /* inserts that took a way (not refreshes) */
	uint64_t evictions;   /* fills that displaced a valid entry */
	uint64_t invalidated; /* entries removed by invalidations */
};

/* ---- Invalidation (shared by TLBs and walk caches) ---- */

/* Filters, ANDed; no flag at all removes everything. */
#define IREF_TLB_INV_DOMAIN (1u << 0)   /* entries of `domain` */
/* Entries tagged `asid`; global entries only with IREF_TLB_INV_GLOBAL. */
#define IREF_TLB_INV_ASID (1u << 1)
#define IREF_TLB_INV_GLOBAL (1u << 2)   /* see IREF_TLB_INV_ASID */
#define IREF_TLB_INV_HAS_ASID (1u << 3) /* entries with an ASID only */
/* Entries whose page (walk cache: span) overlaps [first, last]. */
#define IREF_TLB_INV_RANGE (1u << 4)
/* Only leaf entries changed: TLBs ignore it, walk caches remove nothing. */
#define IREF_TLB_INV_LEAF (1u << 5)
/* TLBs: only entries filled from leaves of exactly leaf_size bytes (Arm
 * TTL, translated to a size); walk caches ignore it. */
#define IREF_TLB_INV_SIZE (1u << 6)

struct iref_tlb_inv {
	unsigned flags;
	uint32_t domain;
	uint32_t asid;
	uint64_t first, last; /* inclusive */
	uint64_t leaf_size;
};

/* ---- The TLB ---- */

struct iref_tlb;

/* A cached translation. Insert: pa is the output address of the inserted
 * address, page_size the leaf's size; perm are the accesses a hit may serve
 * without a walk (leave IREF_PERM_W out of a writable-clean leaf whose
 * first write must set the dirty bit). Lookup: pa is the output address of
 * the looked-up address and page_size the size the entry holds, smaller
 * than the leaf's when the TLB does not hold that size. */
struct iref_tlb_xlate {
	uint64_t pa;
	uint64_t page_size;
	unsigned perm;  /* IREF_PERM_* */
	uint32_t attrs; /* format-defined, stored as given */
	int level;      /* leaf level, format numbering, -128 .. 127 */
	bool global;    /* matches every ASID of its domain */
};

/* IREF_E_INVAL or IREF_E_RANGE with a message in diag for a bad cfg;
 * IREF_E_NOMEM. */
enum iref_rc iref_tlb_create(const struct iref_tlb_cfg *cfg,
			     struct iref_tlb **out, struct iref_diag *diag);
void iref_tlb_destroy(struct iref_tlb *tlb);

/* The entry for addr under tag, probing held sizes smallest first; a global
 * entry of tag.domain matches any asid but IREF_TLB_NO_ASID. A hit needs
 * the entry to allow every access bit in `access` (IREF_ACC_*); a match
 * that does not is a miss. Updates replacement state and statistics.
 * Allocates nothing; O(ways) per probed size. */
bool iref_tlb_lookup(struct iref_tlb *tlb, struct iref_tlb_tag tag,
		     uint64_t addr, unsigned access,
		     struct iref_tlb_xlate *out);

/* Cache x as the translation of addr under tag. The entry takes the
 * largest held size not above x->page_size (the page of that size holding
 * addr); an entry with the same tag, size and page is replaced in place.
 * IREF_E_INVAL: page_size not a power of two >= 4096, pa and addr not
 * congruent modulo page_size, perm or level out of range, reserved asid.
 * IREF_E_RANGE: every held size is above page_size (nothing cached). */
enum iref_rc iref_tlb_insert(struct iref_tlb *tlb, struct iref_tlb_tag tag,
			     uint64_t addr, const struct iref_tlb_xlate *x);

/* Remove every entry the filters select; *removed (may be NULL) gets the
 * number. IREF_E_INVAL for unknown flags, first > last with RANGE, or a
 * leaf_size that is not a power of two >= 4096 with SIZE. */
enum iref_rc iref_tlb_invalidate(struct iref_tlb *tlb,
				 const struct iref_tlb_inv *inv,
				 size_t *removed);

void iref_tlb_get_stats(const struct iref_tlb *tlb,
			struct iref_tlb_stats *out);
void iref_tlb_reset_stats(struct iref_tlb *tlb);
/* Valid entries (O(entries)). */
size_t iref_tlb_count(const struct iref_tlb *tlb);

/* ---- Walk caches (paging-structure caches) ---- */

struct iref_wcache;

/* A cached table entry: the input range [addr & ~(span - 1), + span) of one
 * stage is translated by the table at `table` (stage input space), whose
 * level is `level`: a hit resumes the walk there. perm and attrs carry
 * what the levels above accumulated (Arm APTable/XNTable, x86 U/S and R/W
 * ANDed so far), format-defined. */
struct iref_wcache_entry {
	uint64_t table;
	uint64_t span;  /* power of two >= 4096 */
	unsigned perm;
	uint32_t attrs;
	int level;      /* -128 .. 127 */
};

/* cfg arrays must set stages; sizes are the spans held. */
enum iref_rc iref_wcache_create(const struct iref_tlb_cfg *cfg,
				struct iref_wcache **out,
				struct iref_diag *diag);
void iref_wcache_destroy(struct iref_wcache *wc);

/* The deepest cached entry (smallest span) of `stage` (1 or 2) covering
 * addr. Stage-2 entries belong to the domain alone: their asid is taken as
 * IREF_TLB_NO_ASID whatever tag.asid says. Allocates nothing. */
bool iref_wcache_lookup(struct iref_wcache *wc, struct iref_tlb_tag tag,
			unsigned stage, uint64_t addr,
			struct iref_wcache_entry *out);

/* IREF_E_INVAL: stage not 1 or 2, bad span, perm or level, reserved asid;
 * IREF_E_RANGE: span not held for that stage (nothing cached). */
enum iref_rc iref_wcache_insert(struct iref_wcache *wc,
				struct iref_tlb_tag tag, unsigned stage,
				uint64_t addr,
				const struct iref_wcache_entry *e);

/* As iref_tlb_invalidate; with IREF_TLB_INV_LEAF nothing is removed. A
 * walk-cache-only invalidation is this call without the TLB's. */
enum iref_rc iref_wcache_invalidate(struct iref_wcache *wc,
				    const struct iref_tlb_inv *inv,
				    size_t *removed);

void iref_wcache_get_stats(const struct iref_wcache *wc,
			   struct iref_tlb_stats *out);
void iref_wcache_reset_stats(struct iref_wcache *wc);
size_t iref_wcache_count(const struct iref_wcache *wc);

/* The nested walk's cache of stage-2 translations of stage-1 table
 * addresses is an iref_tlb of its own: tag {VMID, IREF_TLB_NO_ASID}, addr
 * the table's GPA, x the stage-2 walk's result (docs/tlb.md). */

#endif
