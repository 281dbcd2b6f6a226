/* The wire layouts of the virtio-iommu page-table extension
 * (virtio-iommu.md section 6): ATTACH_TABLE and its per-format
 * descriptors, DETACH with a PASID, INVALIDATE and the PROBE properties
 * that carry ID registers. Only the Arm SMMUv3 layout is known from public
 * artefacts; the Intel, RISC-V and AMD layouts are provisional [MODEL] and
 * live here and in model/ext_wire.c only, so that they can be replaced when
 * the specification is published (docs/extension.md). */
#ifndef IREF_EXT_WIRE_H
#define IREF_EXT_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iommu-ref/wire.h"

/* ATTACH_TABLE formats (6.3). 0, 3 and 7-255 are unassigned. */
enum iref_table_format {
	IREF_TF_ARM_SMMU3 = 1,
	IREF_TF_INTEL_PT = 2, /* [MODEL] layout */
	IREF_TF_RISCV = 4,    /* [MODEL] layout */
	IREF_TF_AMD_GCR3 = 5, /* [MODEL] layout */
	IREF_TF_AMD_PT = 6,   /* [MODEL] layout */
};
/* "arm_smmu3", "intel_pt", "riscv", "amd_gcr3", "amd_pt"; NULL for an
 * unassigned code. */
const char *iref_table_format_name(unsigned format);
/* Inverse of iref_table_format_name; -1 if unknown. */
int iref_table_format_parse(const char *name);
/* Formats whose attachments are per (endpoint, PASID), the host owning the
 * PASID structure (6.2): INTEL_PT, AMD_PT. */
bool iref_table_format_per_pasid(unsigned format);

/* attach_flags of INTEL_PT and AMD_PT. */
#define IREF_ATTACH_TABLE_F_PASID (1u << 0)
/* DETACH flags at offset 12 when F_ATTACH_TABLE is negotiated (6.4). */
#define IREF_DETACH_F_PASID (1u << 0)

/* ARM_SMMU3 (6.5.1): STE doublewords 0 and 1. */
struct iref_desc_arm {
	uint64_t ste0, ste1;
};
/* INTEL_PT (6.5.2). s1_flags: IREF_INTEL_S1_*. */
#define IREF_INTEL_S1_SRE (1u << 0)
#define IREF_INTEL_S1_EAFE (1u << 1)
#define IREF_INTEL_S1_WPE (1u << 2)
struct iref_desc_intel {
	uint32_t pasid, attach_flags;
	uint64_t s1_flags;
	uint64_t pgtbl_addr;
	uint32_t addr_width;
};
/* RISCV (6.5.3): device-context words. */
struct iref_desc_riscv {
	uint64_t dc_tc, dc_fsc, dc_ta;
};
/* AMD_GCR3 (6.5.4): the guest-owned bits of a DTE. */
struct iref_desc_amd_gcr3 {
	uint64_t dte[4];
};
/* AMD_PT (6.5.4). */
struct iref_desc_amd_pt {
	uint32_t pasid, attach_flags;
	uint64_t gcr3;
	uint8_t levels;
};

/* A decoded ATTACH_TABLE request. */
struct iref_attach_table {
	uint32_t domain, endpoint;
	uint8_t format;
	union {
		struct iref_desc_arm arm;
		struct iref_desc_intel intel;
		struct iref_desc_riscv riscv;
		struct iref_desc_amd_gcr3 amd_gcr3;
		struct iref_desc_amd_pt amd_pt;
	} u;
};

/* Decode the IREF_ATTACH_TABLE_RSIZE readable bytes. IREF_S_UNSUPP for an
 * unassigned format (out->format is still set), IREF_S_INVAL for non-zero
 * bytes in the format's reserved areas (6.3 rule 5), else IREF_S_OK. The
 * head's reserved bytes are not looked at. */
enum iref_status iref_dec_attach_table(const uint8_t *rd,
				       struct iref_attach_table *out);
/* Encode a well-formed request (reserved bytes zero); returns
 * IREF_ATTACH_TABLE_RSIZE. An unassigned format leaves the descriptor
 * bytes zero. */
size_t iref_enc_attach_table(uint8_t *buf, const struct iref_attach_table *at);
/* The PASID a per-PASID descriptor attaches; false for a request without
 * PASID (attach_flags F_PASID clear) or a whole-table format. */
bool iref_attach_table_pasid(const struct iref_attach_table *at,
			     uint32_t *pasid);

/* DETACH with the extension's flags and pasid (6.4). */
size_t iref_enc_detach_pasid(uint8_t *buf, uint32_t domain,
			     uint32_t endpoint, uint32_t flags,
			     uint32_t pasid);

/* INVALIDATE (6.7). */
#define IREF_INVAL_S_DOMAIN 1u
#define IREF_INVAL_S_PASID 2u
#define IREF_INVAL_S_ADDRESS 3u
#define IREF_INVAL_C_PASID (1u << 0)
#define IREF_INVAL_C_TLB (1u << 1)
#define IREF_INVAL_F_LEAF (1u << 0)
#define IREF_INVAL_F_PASID (1u << 1)
#define IREF_INVAL_F_ID (1u << 2)
#define IREF_INVAL_F_GLOBAL (1u << 3)
/* Arm: the ASID in `id` (VIRTIO_IOMMU_HW_ARM_INVALIDATE_ID_ASID). */
#define IREF_INVAL_ID_ARM_ASID 0xffffu

struct iref_invalidate {
	uint8_t scope;
	uint8_t caches;
	uint16_t flags;
	uint32_t domain;
	uint32_t pasid;
	uint64_t id;
	uint64_t address;
	uint64_t nr_pages;
	uint8_t page_size; /* log2 */
};
/* Decode the IREF_INVALIDATE_RSIZE readable bytes (no checks). */
void iref_dec_invalidate(const uint8_t *rd, struct iref_invalidate *out);
size_t iref_enc_invalidate(uint8_t *buf, const struct iref_invalidate *inv);

/* PROBE HW properties (6.6). */
#define IREF_PROBE_T_HW_ARM_SMMU3 2
#define IREF_PROBE_T_HW_INTEL 3 /* [MODEL] */
#define IREF_PROBE_T_HW_RISCV 4 /* [MODEL] */
#define IREF_PROBE_T_HW_AMD 5   /* [MODEL] */
#define IREF_HW_ARM_PROP_SIZE 56
#define IREF_HW_PROP_SIZE 24

/* ID registers of one HW property: Arm idr0, idr1, idr3, idr5 in reg[0..3];
 * Intel cap, ecap; RISC-V capabilities, fctl; AMD efr, efr2 in reg[0..1]. */
struct iref_hw_regs {
	uint16_t type; /* IREF_PROBE_T_HW_* */
	uint64_t reg[4];
};
/* Bytes the property takes (header included); 0 for an unknown type. */
size_t iref_hw_prop_size(unsigned type);
/* Write the property (header included) into buf, which holds
 * iref_hw_prop_size(r->type) bytes; returns that size. */
size_t iref_enc_hw_prop(uint8_t *buf, const struct iref_hw_regs *r);
/* Read a property as a driver does; false if it is not a HW property or
 * its length is not the type's. */
bool iref_dec_hw_prop(const struct iref_probe_prop *p,
		      struct iref_hw_regs *out);

#endif
