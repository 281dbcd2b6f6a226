/* The contract between the context core (ctx_core.c) and the architecture
 * files (ctx_arm.c, ctx_intel.c, ctx_riscv.c, ctx_amd.c). The core
 * dispatches by architecture and reads guest context structures through
 * stage 2; an architecture owns its capabilities, ID registers, descriptor
 * checks and context lookup. Private to the library. */
#ifndef IREF_WALKERS_CTX_CORE_H
#define IREF_WALKERS_CTX_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iommu-ref/context.h"

struct ctx_arch {
	enum iref_arch arch;
	/* Defaults, caps->arch and caps->s1 included. */
	void (*caps_default)(struct iref_hw_caps *caps);
	/* One of the architecture's own keys: IREF_OK, or an error with diag
	 * set; IREF_E_NOENT (diag untouched) if the key is not one of its
	 * own, so the core tries the walker's options. */
	enum iref_rc (*caps_set)(struct iref_hw_caps *caps, const char *key,
				 const char *value, struct iref_diag *diag);
	void (*regs)(const struct iref_hw_caps *caps,
		     struct iref_hw_regs *out);
	bool (*accepts)(unsigned format);
	bool (*page_size_ok)(const struct iref_hw_caps *caps, unsigned log2);
	enum iref_status (*check)(const struct iref_hw_caps *caps,
				  const struct iref_attach_table *at,
				  unsigned guest_pa_bits);
	/* Fill *out (zeroed by the core, kind WALK) for an `at` this
	 * architecture accepts. */
	void (*resolve)(const struct iref_ctx_env *env,
			const struct iref_attach_table *at,
			const struct iref_ctx_req *req, struct iref_ctx *out);
};

extern const struct ctx_arch ctx_arch_arm, ctx_arch_intel, ctx_arch_riscv,
	ctx_arch_amd;

/* Read len bytes (not crossing a 4 KiB page) of a context structure at
 * guest-physical gpa: stage-2 translated, then read from memory; counts
 * the reads in out->n_reads. On failure returns false with out->kind =
 * FAULT and out->fault filled: a stage-2 fault as the stage-2 walker
 * reported it (stage 2, reason R_UNKNOWN: a host event), or a bus error
 * (reason IREF_WF_BUS_ERROR, stage 1, code 0: the caller sets its
 * architecture's code, e.g. Arm F_CD_FETCH) with fault.addr2 = the
 * physical address. */
bool ctx_read(const struct iref_ctx_env *env, uint64_t gpa, void *buf,
	      size_t len, struct iref_ctx *out);
/* The same for one little-endian 64-bit word. */
bool ctx_read64(const struct iref_ctx_env *env, uint64_t gpa, uint64_t *val,
		struct iref_ctx *out);

/* Mark out as a fault of the guest's configuration: kind FAULT, reason
 * (IREF_R_UNKNOWN or IREF_R_DOMAIN), normalised wf, the architecture's
 * code, stage 1, level -1, addr = the request's input address if known
 * (the device fills it; 0 here). */
void ctx_fault(struct iref_ctx *out, uint8_t reason, enum iref_wfault wf,
	       uint32_t code);

/* Option values parse with walk_parse_u64 (walk_core.h). */

#endif
