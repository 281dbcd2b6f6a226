/* Stage-1 contexts of the page-table extension: what a device's stage-1
 * hardware implements (capabilities, the ID registers PROBE reports), the
 * checks of each format's ATTACH_TABLE descriptor, and the lookup of a
 * request's stage-1 configuration through the guest's context structures
 * (Arm CD tables, RISC-V process directories, AMD GCR3 tables; Intel and
 * AMD per-PASID tables need none). walkers/ctx_<arch>.c implement one
 * architecture each; docs/extension.md documents them.
 *
 * Every address a descriptor or a context structure holds is a
 * guest-physical address; context reads go through the host's stage 2
 * (virtio-iommu.md 6.8). */
#ifndef IREF_CONTEXT_H
#define IREF_CONTEXT_H

#include <stdbool.h>
#include <stdint.h>

#include "iommu-ref/error.h"
#include "iommu-ref/ext_wire.h"
#include "iommu-ref/mem.h"
#include "iommu-ref/walk.h"

enum iref_arch {
	IREF_ARCH_NONE = 0, /* no page-table extension */
	IREF_ARCH_ARM,      /* SMMUv3: ARM_SMMU3 */
	IREF_ARCH_INTEL,    /* VT-d: INTEL_PT */
	IREF_ARCH_RISCV,    /* RISC-V IOMMU: RISCV */
	IREF_ARCH_AMD,      /* AMD IOMMU: AMD_GCR3, AMD_PT */
};
/* "none", "arm", "intel", "riscv", "amd"; NULL if unknown. */
const char *iref_arch_name(enum iref_arch arch);
/* Inverse of iref_arch_name; -1 if unknown. */
int iref_arch_parse(const char *name);

/* Capabilities of one architecture that the walker configuration does not
 * carry. */
struct iref_hw_arm {
	bool cd2l;     /* IDR0.CD2L: two-level CD tables, default true */
	bool ril;      /* IDR3.RIL: range invalidation, default true */
};
struct iref_hw_intel {
	bool fl5lp;    /* CAP.FL5LP: 5-level first stage, default true */
	bool srs;      /* ECAP.SRS: supervisor requests, default true */
	bool eafs;     /* ECAP.EAFS: extended accessed flag, default false */
};
struct iref_hw_riscv {
	bool sv32, sv39, sv48, sv57; /* capabilities.Sv*: default 39/48/57 */
	bool pd8, pd17, pd20;        /* capabilities.PD*: default all */
	bool amo_hwad; /* capabilities.AMO_HWAD: SADE allowed, default true */
};
struct iref_hw_amd {
	bool giov;     /* EFR.GIoSup: GIOV honoured, default true */
	uint8_t glx;   /* EFR.GLXSup: 0 one-level, 1 two-level GCR3 tables
			* too; default 1 */
};

/* A device's stage-1 hardware for one architecture. s1 is a stage-1
 * walker configuration ("arm-s1", "intel-fs", "riscv-sv39", "amd-v2")
 * whose capability options (Arm oas/vax/granules/httu/asid16/stt/had/
 * e0pd/epan_cap/xnx, Intel fl1gp/haw, RISC-V pas/svpbmt/svrsw60t59b, AMD
 * pa_size/gats/ussup/nxsup) are the device's; a context's configuration
 * starts from it. pasid_bits: the PASID (SSID, process_id) width, 0 for
 * none (Arm SSIDSIZE, Intel PSS + 1, RISC-V the widest PDT, AMD
 * PASmax + 1). */
struct iref_hw_caps {
	enum iref_arch arch;
	struct iref_walk_cfg s1;
	unsigned pasid_bits;
	union {
		struct iref_hw_arm arm;
		struct iref_hw_intel intel;
		struct iref_hw_riscv riscv;
		struct iref_hw_amd amd;
	} x;
};

/* The architecture's defaults (docs/extension.md lists them).
 * IREF_ARCH_NONE gives a zeroed struct. */
void iref_hw_caps_default(struct iref_hw_caps *caps, enum iref_arch arch);
/* Set one capability by name: the architecture's own keys (e.g. "cd2l",
 * "ssidsize"/"pasid_bits", "fl5lp", "pd20", "glx") or, failing those, a
 * stage-1 walker option (iref_walk_cfg_set on caps->s1). */
enum iref_rc iref_hw_caps_set(struct iref_hw_caps *caps, const char *key,
			      const char *value, struct iref_diag *diag);
/* The sanitised ID registers PROBE returns (6.6): stage-1 features only,
 * stage 2, VMID/GSCID, HYP and nesting hidden. */
void iref_hw_caps_regs(const struct iref_hw_caps *caps,
		       struct iref_hw_regs *out);
/* Whether ATTACH_TABLE with this format is accepted (6.6: Arm -> 1,
 * Intel -> 2, RISC-V -> 4, AMD -> 5, 6). */
bool iref_hw_caps_accepts(const struct iref_hw_caps *caps, unsigned format);
/* Whether 2^log2 bytes is a leaf size of the architecture's stage-1
 * tables as the capabilities allow (INVALIDATE page_size, 6.7 rule 7). */
bool iref_hw_caps_page_size_ok(const struct iref_hw_caps *caps,
			       unsigned log2);

/* The format-specific checks of ATTACH_TABLE (6.3 rule 7, 6.5):
 * IREF_S_OK, IREF_S_INVAL, IREF_S_RANGE or IREF_S_UNSUPP. The format is
 * one iref_hw_caps_accepts takes; guest_pa_bits bounds guest-physical
 * pointers (64 = none). */
enum iref_status iref_ctx_check(const struct iref_hw_caps *caps,
				const struct iref_attach_table *at,
				unsigned guest_pa_bits);

/* Where context reads go: guest memory and the host's stage 2 (s2 NULL or
 * fmt IREF_FMT_NONE: identity). */
struct iref_ctx_env {
	const struct iref_hw_caps *caps;
	const struct iref_walk_cfg *s2;
	struct iref_mem mem;
};

struct iref_ctx_req {
	bool has_pasid;
	uint32_t pasid;
	bool priv;       /* supervisor / privileged */
	unsigned access; /* IREF_ACC_* */
};

enum iref_ctx_kind {
	IREF_CTX_WALK = 0,  /* translate by walking s1 */
	IREF_CTX_S1_BYPASS, /* no stage 1: the input address is a GPA (Arm
			     * S1DSS bypass, RISC-V Bare, AMD GV = 0) */
	IREF_CTX_FAULT,     /* the request fails: reason and fault */
};

struct iref_ctx {
	enum iref_ctx_kind kind;
	/* WALK: the stage-1 configuration (root included). */
	struct iref_walk_cfg s1;
	/* The context's address-space tag where the format has one (Arm
	 * CD.ASID, RISC-V PSCID); has_tag false otherwise. */
	bool has_tag;
	uint32_t tag;
	/* FAULT: the virtio reason to report (6.8: R_UNKNOWN for a bad guest
	 * configuration, R_DOMAIN when nothing is attached for the request)
	 * and the architecture's record (e.g. Arm C_BAD_CD,
	 * C_BAD_SUBSTREAMID, F_STREAM_DISABLED; RISC-V causes 260, 265-267;
	 * AMD event codes). fault.stage == 2 means a stage-2 fault or bus
	 * error on a context read: a host event, not the guest's. */
	uint8_t reason;
	struct iref_walk_fault fault;
	/* Memory reads the lookup made (context entries and the stage-2
	 * walks translating them), for the timing model. */
	unsigned n_reads;
};

/* The stage-1 context of a request from an endpoint attached with `at`.
 * IREF_E_INVAL only for an unusable env or at (format the caps do not
 * accept); every architectural outcome is in *out. Allocates nothing. */
enum iref_rc iref_ctx_resolve(const struct iref_ctx_env *env,
			      const struct iref_attach_table *at,
			      const struct iref_ctx_req *req,
			      struct iref_ctx *out);

#endif
