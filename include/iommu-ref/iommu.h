/* The virtio-iommu device instance: configuration, feature negotiation,
 * endpoints, resets and the configuration space. Requests, DMA translation
 * and fault events have their own headers (request.h, dma.h, events.h). */
#ifndef IREF_IOMMU_H
#define IREF_IOMMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iommu-ref/context.h"
#include "iommu-ref/error.h"
#include "iommu-ref/mem.h"
#include "iommu-ref/timing.h"
#include "iommu-ref/tlb.h"
#include "iommu-ref/wire.h"

struct iref_iommu;

/* How the device answers input the spec lets it drop silently; the default
 * is the spec's (virtio-iommu.md section 9 lists the peers that differ). */
enum iref_len0_policy {
	IREF_LEN0_SILENT = 0, /* return the buffer unwritten (spec) */
	IREF_LEN0_STATUS,     /* write a status instead (QEMU-like) */
};

/* Choices the spec leaves open ([MODEL] in virtio-iommu.md). Zero values
 * are the spec-faithful defaults. */
struct iref_model_options {
	/* Section 3.4: a WRITE-only mapping also allows reads (MAY). */
	bool write_implies_read;
	/* Section 4.3: a bypassed endpoint's access inside a T_RESERVED
	 * region passes through (identity) instead of faulting R_MAPPING. */
	bool resv_bypass_identity;
	/* Section 5.2 step 1: DMA from an endpoint the instance does not
	 * manage passes through untranslated instead of aborting. */
	bool unknown_endpoint_passthrough;
	/* Section 3.5 rule 2 / C81: UNMAP with reserved != 0 answers S_INVAL
	 * (and performs nothing) instead of being performed as if zero. */
	bool unmap_reserved_inval;
	/* G3 / C21: unknown request type. LEN0_STATUS answers S_UNSUPP. */
	enum iref_len0_policy unknown_type;
	/* G4 / C22: request shorter than its type. LEN0_STATUS answers
	 * S_INVAL when the writable area can hold a tail. */
	enum iref_len0_policy short_request;
	/* Capacities; 0 = unlimited. max_domains is device-wide (ATTACH ->
	 * S_NOMEM, C42); max_endpoints_per_domain gives S_UNSUPP (C35a);
	 * max_mappings is per domain (MAP -> S_NOMEM, C67). */
	uint32_t max_domains;
	uint32_t max_endpoints_per_domain;
	uint64_t max_mappings;
	/* Guest-physical address width; MAP beyond it -> S_RANGE (C59).
	 * 0 or 64 = the whole 64-bit space. */
	unsigned guest_pa_bits;
	/* Fault records kept for the reader (events.h); 0 = default 256.
	 * Faults past the depth are dropped and counted (C105). */
	uint32_t eventq_depth;
	/* Section 6.8: a stage-2 fault of a DMA (on its data or its table
	 * walk) is a host event, logged on the host channel and not queued;
	 * with this set it is also reported to the guest as R_UNKNOWN. */
	bool s2_fault_report;
};

/* The device's configuration: what it offers and its config space. */
struct iref_config {
	/* Offered feature bits, device-type and transport (wire.h). */
	uint64_t features;
	uint64_t page_size_mask;
	uint64_t input_start, input_end;   /* inclusive */
	uint32_t domain_start, domain_end; /* inclusive */
	uint32_t probe_size;
	uint8_t bypass; /* initial config bypass: 0 or 1 */
	struct iref_model_options opt;
	/* IOTLB in front of MAP/UNMAP translation (docs/tlb.md, "Device
	 * integration"): with tlb_enabled, `tlb` is its geometry, arrays
	 * holding 4 KiB pages and up (stages 0). Off by default: no TLB,
	 * and DMA results carry no TLB information. */
	bool tlb_enabled;
	struct iref_tlb_cfg tlb;
	/* A micro-TLB per endpoint in front of the main TLB (gem5's SMMUv3
	 * device interfaces have one): with utlb_enabled, every endpoint
	 * gets a TLB of geometry `utlb`, looked up first; a main-TLB hit
	 * refills it, a walk or tree lookup fills both. Either level may be
	 * configured alone. */
	bool utlb_enabled;
	struct iref_tlb_cfg utlb;
	/* Caches of table walks (docs/tlb.md, "Walk caches in front of the
	 * walkers"), table attachments only: with wc_enabled a walk cache
	 * of geometry `wc` (arrays with stages IREF_WC_S1/S2, sizes the
	 * spans held) lets a walk resume below the levels it holds; with
	 * s2tlb_enabled nested walks cache the stage-2 translations of
	 * stage-1 table addresses in a TLB of geometry `s2tlb`. */
	bool wc_enabled;
	struct iref_tlb_cfg wc;
	bool s2tlb_enabled;
	struct iref_tlb_cfg s2tlb;
	/* Cycle-approximate timing (docs/timing.md): with timing_enabled,
	 * DMA results carry cycles priced with `timing` and
	 * iref_request_cycles() prices requests. Off by default: cycles are
	 * 0. iref_config_default() fills `timing` with the defaults. */
	bool timing_enabled;
	struct iref_timing_cfg timing;
	/* Page-table extension (section 6, docs/extension.md): the stage-1
	 * hardware the device models. hw.arch IREF_ARCH_NONE (the default)
	 * has no extension, and offering F_ATTACH_TABLE is refused. */
	struct iref_hw_caps hw;
	/* The host's stage 2 (GPA -> host PA), never visible to the guest:
	 * fmt IREF_FMT_NONE (the default) is identity; otherwise a stage-2
	 * configuration ("arm-s2", "intel-ss", "riscv-sv39x4", "amd-v1", ...)
	 * whose tables are in `mem`. Table domains walk nested through it
	 * (stage-1 table reads included); MAP outputs (phys_start is a GPA)
	 * and context reads go through it too. */
	struct iref_walk_cfg stage2;
	/* Guest memory (table walks, virtqueues); may be absent ({0}). */
	struct iref_mem mem;
	/* Host channel: messages about events that do not go to the guest
	 * (aborted DMA from an unknown endpoint, ignored config writes).
	 * Optional. */
	void (*host_log)(void *ctx, const char *msg);
	void *host_log_ctx;
};

/* The model defaults of virtio-iommu.md section 1.3: features VERSION_1,
 * INPUT_RANGE, DOMAIN_RANGE, MAP_UNMAP, PROBE, MMIO, BYPASS_CONFIG,
 * INDIRECT_DESC, EVENT_IDX; page_size_mask 0x40201000; input range
 * [0, 2^48-1]; domain range [0, 2^32-1]; probe_size 512; bypass 1; no
 * TLB; timing off, with iref_timing_default() parameters. */
void iref_config_default(struct iref_config *cfg);

/* Create a device. Refuses (IREF_E_INVAL, reason in diag) a configuration
 * the spec forbids: page_size_mask == 0, bypass not 0/1, both F_BYPASS and
 * F_BYPASS_CONFIG, F_ATTACH_TABLE without F_PROBE, no VERSION_1, empty
 * ranges; a TLB geometry iref_tlb_create refuses (its code, diag
 * prefixed with "tlb: "); timing with walkers 0; F_ATTACH_TABLE
 * without hw.arch; a stage2 that is not a stage-2 format. The device starts with
 * no feature negotiated. */
enum iref_rc iref_iommu_create(const struct iref_config *cfg,
			       struct iref_iommu **out,
			       struct iref_diag *diag);
void iref_iommu_destroy(struct iref_iommu *dev);

/* A reserved region of an endpoint (PROBE RESV_MEM property). */
struct iref_resv_region {
	uint8_t subtype; /* IREF_RESV_MEM_T_RESERVED or _MSI */
	uint64_t start, end; /* inclusive */
};

struct iref_endpoint_config {
	uint32_t id;
	const struct iref_resv_region *resv;
	size_t n_resv;
	/* Endpoints of different classes cannot share a domain (ATTACH ->
	 * S_UNSUPP, C43). Default 0 for all: every endpoint compatible. */
	uint32_t compat_class;
};

/* Declare an endpoint (platform-defined, as a device tree or VIOT would).
 * IREF_E_EXIST if the ID is taken; IREF_E_INVAL (diag says why) for
 * regions with start > end, more than one MSI region, overlapping regions
 * or an unknown subtype. */
enum iref_rc iref_iommu_add_endpoint(struct iref_iommu *dev,
				     const struct iref_endpoint_config *ep,
				     struct iref_diag *diag);

/* Feature negotiation (the driver's FEATURES_OK step). Accepted iff the set
 * is a subset of the offered features and contains VERSION_1; otherwise
 * IREF_E_INVAL and nothing is negotiated. */
enum iref_rc iref_iommu_negotiate(struct iref_iommu *dev, uint64_t features);
uint64_t iref_iommu_offered(const struct iref_iommu *dev);
uint64_t iref_iommu_negotiated(const struct iref_iommu *dev);

/* Device reset (status <- 0): attachments, domains, mappings, negotiated
 * features and pending events are gone; config bypass is kept. System
 * reset also restores bypass to its initial value. */
void iref_iommu_reset(struct iref_iommu *dev);
void iref_iommu_system_reset(struct iref_iommu *dev);

/* The 40-byte config space (struct virtio_iommu_config, section 1.3). */
#define IREF_CONFIG_SPACE_SIZE 40
void iref_iommu_config_read(const struct iref_iommu *dev,
			    uint8_t out[IREF_CONFIG_SPACE_SIZE]);
/* A driver's config write of len bytes at off. Only `bypass` (offset 0x24)
 * with BYPASS_CONFIG negotiated and value 0/1 takes effect; anything else is
 * ignored (logged on the host channel) and returns IREF_E_INVAL. */
enum iref_rc iref_iommu_config_write(struct iref_iommu *dev, uint32_t off,
				     const uint8_t *buf, size_t len);
/* Incremented on every config change (ConfigGeneration). */
uint32_t iref_iommu_config_generation(const struct iref_iommu *dev);
/* The host changes `bypass` (0/1) itself, e.g. from a scenario step. */
enum iref_rc iref_iommu_set_bypass(struct iref_iommu *dev, uint8_t bypass);

/* State queries for tests and reports. */
/* Domain the endpoint is attached to; false if unattached or unknown. */
bool iref_iommu_endpoint_domain(const struct iref_iommu *dev,
				uint32_t endpoint, uint32_t *domain);
bool iref_iommu_domain_exists(const struct iref_iommu *dev, uint32_t domain);
/* Number of mappings of a MAP domain (0 if none or not a map domain). */
size_t iref_iommu_domain_mappings(const struct iref_iommu *dev,
				  uint32_t domain);
size_t iref_iommu_domain_count(const struct iref_iommu *dev);
/* The ATTACH_TABLE format of a table domain; 0 for a map or bypass domain
 * or no domain. */
unsigned iref_iommu_domain_format(const struct iref_iommu *dev,
				  uint32_t domain);
/* The domain of an endpoint's table attachment for requests with PASID
 * `pasid` (has_pasid) or without: a whole-table attachment serves both; a
 * per-PASID format needs that PASID's attachment. False if none. */
bool iref_iommu_table_domain(const struct iref_iommu *dev, uint32_t endpoint,
			     bool has_pasid, uint32_t pasid,
			     uint32_t *domain);

/* Cache levels with statistics. */
enum iref_cache_level {
	IREF_CACHE_UTLB = 0, /* the micro-TLBs, summed over endpoints */
	IREF_CACHE_TLB,      /* the main TLB */
	IREF_CACHE_CTX,      /* the context cache of table attachments */
	IREF_CACHE_WALK,     /* the walk cache */
	IREF_CACHE_S2TLB,    /* stage-2 translations of table addresses */
};
#define IREF_CACHE_LEVELS 5
/* One level's counters since the device was created (resets invalidate
 * entries, they do not clear counters); false, *out untouched, when the
 * device does not have that level. */
bool iref_iommu_cache_stats(const struct iref_iommu *dev,
			    enum iref_cache_level level,
			    struct iref_tlb_stats *out);
/* The main TLB's counters (iref_iommu_cache_stats, IREF_CACHE_TLB). */
bool iref_iommu_tlb_stats(const struct iref_iommu *dev,
			  struct iref_tlb_stats *out);

#endif
