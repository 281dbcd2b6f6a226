/* Translation of one DMA access by an endpoint (virtio-iommu.md 5.2). */
#ifndef IREF_DMA_H
#define IREF_DMA_H

#include <stdbool.h>
#include <stdint.h>

#include "iommu-ref/access.h"
#include "iommu-ref/error.h"
#include "iommu-ref/walk.h"
#include "iommu-ref/wire.h"

struct iref_iommu;

struct iref_dma_req {
	uint32_t endpoint;
	bool has_pasid;
	uint32_t pasid;
	uint64_t iova;
	uint64_t size;   /* bytes, >= 1 */
	unsigned access; /* one of IREF_ACC_* */
	bool priv;       /* privileged / supervisor (table domains) */
	/* Timing only: the device cycle at which the access is issued. A
	 * table walk waits for a free page-table walker (timing `walkers`)
	 * from then on; accesses issued each after the previous one ended
	 * never wait. */
	uint64_t at;
};

enum iref_dma_outcome {
	IREF_DMA_OK = 0,   /* translated: pa is valid */
	IREF_DMA_FAULT,    /* aborted with a fault report (maybe dropped) */
	IREF_DMA_ABORT,    /* aborted without a report: unknown endpoint,
			    * or a stage-2 fault (a host event, 6.8) */
};

/* How an access that succeeded was translated. */
enum iref_dma_path {
	IREF_PATH_MAPPING = 0, /* a MAP mapping */
	IREF_PATH_BYPASS,      /* identity: bypass (config or bypass domain) */
	IREF_PATH_MSI,         /* identity inside a RESV_MEM MSI region */
	IREF_PATH_TABLE,       /* the guest's stage-1 tables (ATTACH_TABLE),
				* then the host's stage 2 */
	IREF_PATH_STAGE2,      /* a table attachment whose context bypasses
				* stage 1: the host's stage 2 alone */
};

/* What the IOTLB did for an access (always NONE without a TLB). Ordered:
 * an access reports the greatest value among its pieces. */
enum iref_dma_tlb {
	IREF_DMA_TLB_NONE = 0, /* no lookup: only MAP translations are
				* cached, and faults before the mapping
				* (domain, PASID) look nothing up */
	IREF_DMA_TLB_HIT,      /* every lookup the access made hit */
	IREF_DMA_TLB_MISS,     /* some lookup missed (the tree answered) */
};

struct iref_dma_result {
	enum iref_dma_outcome outcome;
	/* Any outcome: one lookup per piece translated through a MAP
	 * mapping, up to the first failing piece included. */
	enum iref_dma_tlb tlb;
	/* IREF_DMA_OK */
	enum iref_dma_path path;
	uint64_t pa;   /* physical address of the first byte */
	uint64_t size; /* size of the translation unit holding the first
			* byte: the mapping's length (a TLB hit gives the
			* same), or 0 for identity */
	unsigned perm; /* IREF_PERM_* granted there */
	bool mmio;     /* the mapping is device memory (MAP_F_MMIO) */
	/* Table paths: size is the page size (the smaller stage's when
	 * nested) and `level` the leaf level of the last stage. */
	int level;
	/* IREF_DMA_FAULT: the fault as reported (wire.h), and whether the
	 * record reached the event queue or was dropped (queue full). */
	struct iref_fault_record fault;
	bool dropped;
	/* IREF_DMA_FAULT or IREF_DMA_ABORT on a table attachment: the
	 * architecture's record (event ID / fault reason / cause, level,
	 * stage) behind the report, has_walk_fault set; `walk` is
	 * meaningful only then (otherwise left as it was). A stage-2 fault
	 * is an ABORT (host event) unless opt.s2_fault_report. */
	bool has_walk_fault;
	struct iref_walk_fault walk;
	/* Any outcome: the access's cycles (docs/timing.md), 0 when the
	 * device's timing is off. */
	uint64_t cycles;
};

/* Translate. Returns IREF_E_INVAL for a malformed request (size 0, the
 * range wrapping past 2^64, access not exactly one IREF_ACC_* bit);
 * otherwise IREF_OK with the outcome in *res. An access crossing mapping
 * boundaries is checked piece by piece and performs nothing unless every
 * piece passes; a fault names the first failing byte (C102). A TLB hit
 * gives exactly what the mapping tree would. Allocates nothing. */
enum iref_rc iref_dma(struct iref_iommu *dev, const struct iref_dma_req *req,
		      struct iref_dma_result *res);

#endif
