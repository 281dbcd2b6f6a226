/* Options, fault codes and result encodings of the Intel VT-d walker
 * formats: "intel-fs" (first stage, x86-64 4/5-level paging as VT-d uses
 * it) and "intel-ss" (second stage). walkers/intel.c implements them;
 * docs/walker-intel.md documents every option, code and choice.
 *
 * Levels are VT-d's: 1 is the table of 4 KiB PTEs, 2 the PDEs (2 MiB),
 * 3 the PDPTEs (1 GiB), 4 the PML4Es, 5 the PML5Es; -1 before any table. */
#ifndef IREF_WALK_INTEL_H
#define IREF_WALK_INTEL_H

#include <stdbool.h>
#include <stdint.h>

/* When permissions are decided (both stages). */
enum iref_intel_perm_check {
	/* After the walk, on the rights accumulated over every level; a
	 * reserved bit anywhere on the path wins over a permission fault
	 * (x86 and the VT-d walk algorithm). */
	IREF_INTEL_PERM_AT_LEAF = 0,
	/* At each level, on the rights accumulated so far, before that
	 * entry's reserved bits are checked (QEMU's order). */
	IREF_INTEL_PERM_PER_LEVEL,
};

/* When A/D updates are written (both stages; §4.5 ad_policy). */
enum iref_intel_ad_policy {
	/* Only when the walk reaches a leaf that allows the access. */
	IREF_INTEL_AD_ON_SUCCESS = 0,
	/* As each entry passes its own checks, so a fault further down
	 * leaves the upper entries' A bits set (QEMU). */
	IREF_INTEL_AD_AS_WALKED,
};

/* One struct for both formats; each field names the stage that reads it.
 * iref_walk_cfg_init sets the defaults given here. */
struct iref_intel_cfg {
	/* Both stages. */
	uint8_t levels;     /* FS: 4 | 5 (FSPM 00b/01b), default 4; SS: 3 | 4
			     * | 5 (AW 001b-011b, key "aw" sets AW), default 4 */
	uint8_t haw;        /* output address width 12..52, default 48: entry
			     * address bits haw..51 are reserved */
	uint8_t perm_check; /* enum iref_intel_perm_check, default AT_LEAF */
	uint8_t ad_policy;  /* enum iref_intel_ad_policy, default ON_SUCCESS */
	bool intr_check;    /* an output in 0xfee00000..0xfeefffff faults
			     * (SGN.8 / LGN.4), default true */
	/* First stage: PASID-entry controls and capabilities. */
	bool sre;          /* supervisor requests enabled, default false */
	bool wpe;          /* supervisor writes honour R/W, default false */
	bool ere;          /* execute requests enabled (ECAP.ERS and ERE),
			    * default false */
	bool nxe;          /* XD (bit 63) denies execute, default false */
	bool smep;         /* supervisor execute of user pages denied,
			    * default false */
	bool eafe;         /* EA (bit 10) set with A, default false */
	bool fl1gp;        /* CAP.FL1GP: 1 GiB pages, default true */
	bool xd_reserved;  /* XD is reserved while nxe is off, default true */
	uint8_t code_sre_blocked; /* supervisor request with sre off: 0x5d */
	uint8_t code_ere_blocked; /* execute request with ere off: 0x5c */
	/* Second stage. */
	uint8_t mgaw;  /* CAP.MGAW + 1, 12..64, default 48; inputs at or
			* above 2^min(mgaw, AGAW) fault */
	uint8_t sllps; /* CAP.SLLPS: bit 0 2 MiB, bit 1 1 GiB; default 3 */
	bool ssee;     /* SSEE: X (bit 2) counts, default false */
	bool ssade;    /* SSADE: A (bit 8) and D (bit 9) are set, default
			* false */
	bool legacy;   /* legacy-mode (context-entry) fault codes, default
			* false (scalable mode) */
	bool sc;       /* ECAP.SC: legacy leaves may set SNP, default true */
	bool dt;       /* ECAP.DT: legacy leaves may set TM, default false */
};

/* Result attrs (16 bits per stage; nested: FS | SS << 16).
 * First stage: PAT index PWT | PCD << 1 | PAT << 2, then the effective
 * user/XD state of the path and the leaf's A/D/EA after the walk. */
#define IREF_INTEL_FS_ATTR_PWT 0x01u
#define IREF_INTEL_FS_ATTR_PCD 0x02u
#define IREF_INTEL_FS_ATTR_PAT 0x04u
#define IREF_INTEL_FS_ATTR_USER 0x08u /* U/S = 1 at every level */
#define IREF_INTEL_FS_ATTR_XD 0x10u   /* XD at some level, nxe on */
#define IREF_INTEL_FS_ATTR_A 0x20u
#define IREF_INTEL_FS_ATTR_D 0x40u
#define IREF_INTEL_FS_ATTR_EA 0x80u
/* Second stage: the leaf's memory-type and snoop bits, A/D after. */
#define IREF_INTEL_SS_ATTR_EMT 0x07u /* EMT, bits 5:3 of the leaf */
#define IREF_INTEL_SS_ATTR_IPAT 0x08u
#define IREF_INTEL_SS_ATTR_SNP 0x10u
#define IREF_INTEL_SS_ATTR_TM 0x20u
#define IREF_INTEL_SS_ATTR_A 0x40u
#define IREF_INTEL_SS_ATTR_D 0x80u
/* The builder's iref_build_map.attrs use the same low bits: FS bits 2:0
 * (PWT, PCD, PAT), SS bits 5:0 (EMT, IPAT, SNP, TM). */

/* VT-d fault reasons (the FR field), the walk's fault.code. fault.flags
 * is always 0. Codes the walkers report: */
#define IREF_INTEL_FR_LGN_1 0x04u  /* legacy: input beyond min(MGAW, AGAW) */
#define IREF_INTEL_FR_LGN_2 0x05u  /* legacy: write denied / not present */
#define IREF_INTEL_FR_LGN_3 0x06u  /* legacy: read denied / not present */
#define IREF_INTEL_FR_LSL_1 0x07u  /* legacy: SS entry read error */
#define IREF_INTEL_FR_LSL_2 0x0cu  /* legacy: SS reserved bit */
#define IREF_INTEL_FR_LGN_4 0x0eu  /* legacy: output in interrupt range */
#define IREF_INTEL_FR_SPT_5 0x5cu  /* execute request blocked (default) */
#define IREF_INTEL_FR_SPT_6 0x5du  /* supervisor request blocked (default) */
#define IREF_INTEL_FR_SFS_1 0x70u  /* FS non-root entry read error */
#define IREF_INTEL_FR_SFS_2 0x71u  /* FS entry not present */
#define IREF_INTEL_FR_SFS_3 0x72u  /* FS reserved bit */
#define IREF_INTEL_FR_SFS_4 0x73u  /* FS root read error / bad FSPTPTR */
#define IREF_INTEL_FR_SFS_10 0x91u /* FS A/D update failed */
#define IREF_INTEL_FR_SSS_1 0x78u  /* SS non-root entry read error */
#define IREF_INTEL_FR_SSS_2 0x79u  /* SS not present (R=W=0) */
#define IREF_INTEL_FR_SSS_3 0x7au  /* SS reserved bit */
#define IREF_INTEL_FR_SSS_4 0x7bu  /* SS root read error / bad SSPTPTR */
#define IREF_INTEL_FR_SSS_6 0x7du  /* SS A/D update failed */
#define IREF_INTEL_FR_SGN_1 0x80u  /* FS input not canonical */
#define IREF_INTEL_FR_SGN_2 0x81u  /* user request, supervisor page */
#define IREF_INTEL_FR_SGN_3 0x82u  /* execute denied */
#define IREF_INTEL_FR_SGN_5 0x84u  /* SS input beyond min(MGAW, AGAW) */
#define IREF_INTEL_FR_SGN_6 0x85u  /* write denied (FS or SS) */
#define IREF_INTEL_FR_SGN_7 0x86u  /* read denied (SS) */
#define IREF_INTEL_FR_SGN_8 0x87u  /* output in interrupt range */
/* A configuration the walker cannot use (levels or haw out of range in a
 * struct written directly) reports SPT.4, invalid PASID entry, as config;
 * legacy mode LCT.4. */
#define IREF_INTEL_FR_LCT_4 0x03u
#define IREF_INTEL_FR_SPT_4 0x5bu

/* The specification's name of a fault reason ("SFS.2", "LGN.1"), NULL
 * for a value VT-d does not define. Covers the context and PASID-table
 * codes too. */
const char *iref_intel_fr_name(uint32_t code);

#endif
