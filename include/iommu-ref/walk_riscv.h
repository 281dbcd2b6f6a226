/* Options, fault codes and result encodings of the RISC-V walker formats:
 * first stage "riscv-sv32", "riscv-sv39", "riscv-sv48", "riscv-sv57" and
 * G-stage "riscv-sv32x4", "riscv-sv39x4", "riscv-sv48x4", "riscv-sv57x4",
 * as a RISC-V IOMMU walks them. walkers/riscv.c implements them;
 * docs/walker-riscv.md documents every option, code and choice.
 *
 * Levels are RISC-V's: i = LEVELS - 1 at the root down to 0, the table of
 * 4 KiB leaves (Sv32: 1..0, Sv39: 2..0, Sv48: 3..0, Sv57: 4..0); -1 for a
 * fault before any table (input width, root alignment). */
#ifndef IREF_WALK_RISCV_H
#define IREF_WALK_RISCV_H

#include <stdbool.h>
#include <stdint.h>

/* The paging mode, set by the format name. */
enum iref_riscv_mode {
	IREF_RISCV_SV32 = 0, /* Sv32 / Sv32x4: 4-byte PTEs, 34-bit PAs */
	IREF_RISCV_SV39,
	IREF_RISCV_SV48,
	IREF_RISCV_SV57,
};

/* One struct for both stages; each field names the stage that reads it.
 * iref_walk_cfg_init sets the defaults given here. The root (cfg->root) is
 * iosatp.PPN x 4096 (first stage) or iohgatp.PPN x 4096 (G-stage): its
 * bits 11:0 cannot be expressed and are ignored. */
struct iref_riscv_cfg {
	uint8_t mode;     /* enum iref_riscv_mode, from the name */
	uint8_t pas;      /* capabilities.PAS, 12..56, default 56: table
			   * addresses at or above 2^pas -> access fault */
	bool ade;         /* DC.tc.SADE (first stage) / GADE (G-stage):
			   * hardware A/D update, default false (A/D fault) */
	bool sum;         /* first stage: PC.ta.SUM, default false */
	bool svpbmt;      /* capabilities.Svpbmt, default true */
	bool svrsw60t59b; /* capabilities.Svrsw60t59b: bits 60:59 are
			   * software bits, default false (reserved) */
	bool be;          /* big-endian PTEs: DC.tc.SBE (first stage) /
			   * fctl.BE (G-stage), default false */
	bool sxl;         /* G-stage: DC.tc.SXL, GPA bits 63:34 must be 0;
			   * default true for riscv-sv32x4, else false */
	bool implicit_dirty; /* G-stage: first-stage PTE accesses also need
			      * D in a writable G-stage leaf (set with ade,
			      * else guest page fault), as the reference model
			      * does when SADE = GADE = 1; default false */
	bool leaf_pas;    /* a leaf output at or above 2^pas -> access
			   * fault (beyond the spec's walk), default false */
};

/* RISC-V IOMMU fault-record CAUSE values, the walk's fault.code. The
 * page-fault family is chosen by the transaction's original access. */
#define IREF_RISCV_CAUSE_INST_ACCESS 1u   /* table read/update refused, */
#define IREF_RISCV_CAUSE_READ_ACCESS 5u   /* table address beyond PAS */
#define IREF_RISCV_CAUSE_WRITE_ACCESS 7u
#define IREF_RISCV_CAUSE_INST_PAGE 12u    /* first-stage page fault */
#define IREF_RISCV_CAUSE_READ_PAGE 13u
#define IREF_RISCV_CAUSE_WRITE_PAGE 15u
#define IREF_RISCV_CAUSE_INST_GUEST_PAGE 20u /* G-stage (guest) page fault */
#define IREF_RISCV_CAUSE_READ_GUEST_PAGE 21u
#define IREF_RISCV_CAUSE_WRITE_GUEST_PAGE 23u
#define IREF_RISCV_CAUSE_DDT_MISCONFIG 259u /* G-stage root not 16 KiB
					     * aligned */
#define IREF_RISCV_CAUSE_TTYP_DISALLOWED 260u /* process_id refused,
					       * supervisor with PC ENS=0 */
#define IREF_RISCV_CAUSE_PDT_LOAD_ACCESS 265u /* PDT entry / PC read */
#define IREF_RISCV_CAUSE_PDT_INVALID 266u     /* V = 0 */
#define IREF_RISCV_CAUSE_PDT_MISCONFIG 267u   /* reserved bits, mode */
/* First/second-stage PT data corruption: defined for completeness, never
 * reported (the memory interface has no poison). */
#define IREF_RISCV_CAUSE_PT_CORRUPTION 274u

/* fault.addr is iotval (the transaction's address). For causes 20/21/23
 * fault.addr2 is iotval2: the GPA with bits 1:0 replaced by these flags;
 * for other causes of a nested walk it is the GPA being translated
 * (informational; the fault record's iotval2 is 0 then). */
#define IREF_RISCV_IOTVAL2_IMPLICIT 1u /* first-stage PTE access */
#define IREF_RISCV_IOTVAL2_WRITE 2u    /* ... that was an A/D update */

/* Result attrs, 16 bits per stage (nested: first stage | G-stage << 16). */
#define IREF_RISCV_ATTR_PBMT 0x03u  /* PBMT: 0 PMA, 1 NC, 2 IO */
#define IREF_RISCV_ATTR_NAPOT 0x04u /* Svnapot 64 KiB leaf */
#define IREF_RISCV_ATTR_U 0x08u
#define IREF_RISCV_ATTR_A 0x10u     /* A and D after the walk */
#define IREF_RISCV_ATTR_D 0x20u
#define IREF_RISCV_ATTR_RSW 0xc0u   /* RSW, PTE bits 9:8 */
#define IREF_RISCV_ATTR_RSW_SHIFT 6
/* The builder's iref_build_map.attrs: PBMT and RSW as above;
 * IREF_RISCV_ATTR_NAPOT writes the 4 KiB leaves of a mapping whose va, pa
 * and size are 64 KiB aligned as NAPOT PTEs. U, A and D come from the
 * IREF_BUILD_* flags (G-stage leaves always get U = 1). */

/* Effective PBMT of a result: the first stage's if non-zero, else the
 * G-stage's (single-stage results have a zero upper half). */
static inline unsigned iref_riscv_pbmt(uint32_t attrs)
{
	return attrs & IREF_RISCV_ATTR_PBMT
		       ? attrs & IREF_RISCV_ATTR_PBMT
		       : attrs >> 16 & IREF_RISCV_ATTR_PBMT;
}

#endif
