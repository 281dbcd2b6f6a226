/* The results line format (docs/results-format.md): one line per step or
 * translation, "key=value" fields in a fixed order, hex in lower case with
 * 0x. The scenario runner prints these, and the trace replayer and the
 * oracle compare must print and read exactly the same text, so every piece
 * is built here and nowhere else.
 *
 * A line is built by appending parts: the subject ("dma ep=1 ..."), then
 * results_arrow(), then the outcome ("ok pa=..."). Fields a later version
 * adds (cycles=) are appended after the outcome, so older readers that
 * compare a prefix keep working. */
#ifndef IREF_CLI_RESULTS_H
#define IREF_CLI_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iommu-ref/dma.h"
#include "iommu-ref/ext_wire.h"
#include "iommu-ref/tlb.h"
#include "iommu-ref/walk.h"
#include "iommu-ref/wire.h"

/* A growable text line. All-zero is a valid empty line. */
struct rline {
	char *s;
	size_t len, cap;
	bool nomem; /* an append failed: the text is incomplete */
};

void rline_free(struct rline *l);
void rline_clear(struct rline *l);
void rline_add(struct rline *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The text; "(out of memory)" if an append failed. */
const char *rline_str(const struct rline *l);

/* " -> " between subject and outcome. */
void results_arrow(struct rline *l);

/* Field values. */
void results_status(struct rline *l, unsigned status);  /* ok, 0x9 */
void results_map_flags(struct rline *l, uint32_t flags); /* rw, -, 0x9 */
void results_fault_flags(struct rline *l, uint32_t flags); /* w,address */
void results_perm(struct rline *l, unsigned perm);       /* rwx, - */
void results_reason(struct rline *l, unsigned reason);   /* mapping, 0x7 */
void results_via(struct rline *l, enum iref_dma_path path, bool mmio);
/* One PROBE property: resv_mem(msi,0x..,0x..), a HW property by its
 * registers (results_hw_regs; needs p->value) or prop(0x2,52). */
void results_prop(struct rline *l, const struct iref_probe_prop *p);
/* hw_arm_smmu3(idr0=0x..,idr1=0x..,idr3=0x..,idr5=0x..),
 * hw_intel(cap=..,ecap=..), hw_riscv(caps=..,fctl=..),
 * hw_amd(efr=..,efr2=..). */
void results_hw_regs(struct rline *l, const struct iref_hw_regs *r);

/* A PROBE properties area as a driver reads it: properties separated by
 * ';', "-" for none, ";overrun" if one runs past the area. */
void results_props(struct rline *l, const uint8_t *area, size_t len);

/* Requests. Subject from the request's wire bytes: "req map ..." for a
 * friendly step (raw = false and rd holds a complete ATTACH, DETACH, MAP,
 * UNMAP, PROBE, ATTACH_TABLE or INVALIDATE), "req raw type=.. rlen=..
 * wlen=.." otherwise. */
void results_request(struct rline *l, bool raw, const uint8_t *rd,
		     size_t rlen, size_t wlen);
/* Outcome from the writable area and the used length: "used=0",
 * "status=ok", plus "props=..." for a PROBE. */
void results_reply(struct rline *l, const uint8_t *rd, size_t rlen,
		   const uint8_t *wr, size_t wlen, size_t used);

/* DMA: subject and outcome. A table path's ok ends with " level=L"; a
 * fault or abort with a walk fault behind it with " code=0x.. walk=REASON
 * stage=S level=L". */
void results_dma_access(struct rline *l, const struct iref_dma_req *req);
/* " at=N": the issue cycle of a dma step that gave one. */
void results_dma_at(struct rline *l, uint64_t at);
void results_dma_outcome(struct rline *l, const struct iref_dma_result *r);
/* Whether a path walks the tables of a table attachment (level=). */
bool results_dma_table_path(enum iref_dma_path path);
/* After the outcome, on a device with a TLB only: " tlb=hit|miss|-". */
void results_dma_tlb(struct rline *l, enum iref_dma_tlb t);
/* The value alone: hit, miss, - (no lookup). */
void results_tlb_use(struct rline *l, enum iref_dma_tlb t);

/* Last on dma and req lines of a device with timing only: " cycles=N". */
void results_cycles(struct rline *l, uint64_t cycles);

/* The timing summary of a run, printed before "N passed, M failed":
 * "timing cycles=N dma=N req=N p50=N p90=N p99=N max=N". cycles is the sum
 * over dma and req lines; the percentiles (nearest rank) and max are over
 * dma lines, "-" when there were none. */
struct timing_summary {
	uint64_t cycles;
	size_t dma, req;
	uint64_t p50, p90, p99, max;
};
void results_timing(struct rline *l, const struct timing_summary *s);

/* A cache level's counters, a line without outcome: "tlb lookups=N
 * hits=N misses=N fills=N evictions=N invalidated=N" for the main TLB
 * (level NULL), "tlb level=utlb lookups=N ..." for another level. */
void results_tlb_stats(struct rline *l, const char *level,
		       const struct iref_tlb_stats *s);

/* Table walks. Subject: "walk fmt=riscv-sv39 iova=0x.. acc=r priv=u",
 * fmt "S1/S2" when nested (s2 not NULL). Outcome: "ok pa=.. size=..
 * perm=.. level=.. attrs=.. global=.." or "fault reason=.. code=..
 * level=.. stage=.. [walk=1] addr=.. addr2=.. flags=..". */
void results_walk_request(struct rline *l, const struct iref_walk_cfg *s1,
			  const struct iref_walk_cfg *s2,
			  const struct iref_walk_req *req);
void results_walk_outcome(struct rline *l, const struct iref_walk_result *r);
/* A level in the format's numbering; "-" for none (-1). */
void results_level(struct rline *l, int level);
void results_wfault(struct rline *l, enum iref_wfault reason);
/* One memory access of a walk: "read stage=1 level=2 addr=.. value=..";
 * as a line of its own after the walk's line it is indented by two
 * spaces (results_walk_access_line), and accesses the result did not
 * record are counted on one such line, "unrecorded count=N". */
void results_walk_access_kind(struct rline *l, unsigned kind);
void results_walk_access(struct rline *l, const struct iref_walk_access *a);
void results_walk_access_line(struct rline *l,
			      const struct iref_walk_access *a);
void results_walk_unrecorded(struct rline *l, unsigned count);
/* A guest write of 64-bit words: "write addr=0x.. words=N"; its outcome
 * is results_host() or results_error(). */
void results_write(struct rline *l, uint64_t addr, size_t words);
/* A table build: "tables fmt=.. root=.. mappings=N"; its outcome is
 * results_host() or results_error(). */
void results_tables(struct rline *l, const struct iref_walk_cfg *cfg,
		    size_t mappings);

/* Event queue: the header of an events step, then one line per record. */
void results_events(struct rline *l, size_t count, uint64_t dropped);
void results_event(struct rline *l, const struct iref_fault_record *r);

/* Host-side operations; their outcome is results_host(). */
void results_config_bypass(struct rline *l, unsigned value);
void results_config_write(struct rline *l, uint32_t off, const uint8_t *data,
			  size_t len);
void results_reset(struct rline *l, bool system);
void results_eventq_post(struct rline *l, uint32_t count, uint32_t size);
void results_host(struct rline *l, bool accepted); /* ok, rejected */
/* The outcome of a step the library refused to carry out: "error". */
void results_error(struct rline *l);

#endif
