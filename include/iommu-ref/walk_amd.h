/* Options, fault codes and result encodings of the AMD IOMMU walker
 * formats: "amd-v1" (the host I/O page table) and "amd-v2" (the guest page
 * table, x86-64 4/5-level paging). walkers/amd.c implements them;
 * docs/walker-amd.md documents every option, code and choice.
 *
 * Levels: amd-v1 numbers its tables as AMD does, by the IOVA bits they
 * index: 1 is the table of 4 KiB PTEs (bits 20:12), 2 (29:21), 3 (38:30),
 * 4 (47:39), 5 (56:48), 6 the 128-entry top table (63:57); a walk starts
 * at level DTE.Mode. amd-v2: 1 = PT, 2 = PD, 3 = PDPT, 4 = PML4, 5 = PML5.
 * -1: before any table was read (a DTE-level check). */
#ifndef IREF_WALK_AMD_H
#define IREF_WALK_AMD_H

#include <stdbool.h>
#include <stdint.h>

/* When permissions are decided (option "perm_check"). */
enum iref_amd_perm_check {
	/* On the rights accumulated over the whole path, at the leaf: a
	 * not-present entry, reserved bit or bad encoding further down wins
	 * over an upper level's denial (x86 paging; amd-v2 default). */
	IREF_AMD_PERM_AT_LEAF = 0,
	/* At every entry on the rights accumulated so far, right after the
	 * entry's reserved bits (and at the DTE before any read); amd-v1
	 * default, as AMD's host walk ANDs IR/IW level by level. */
	IREF_AMD_PERM_PER_LEVEL,
};

/* When A/D updates are written ("ad_policy", both formats; §4.5, §5.4). */
enum iref_amd_ad_policy {
	/* Only when the walk reaches a leaf that allows the access. */
	IREF_AMD_AD_ON_SUCCESS = 0,
	/* Each entry as soon as it passes its own checks ("update ...
	 * atomically, then continue to the next stage of translation"), so
	 * a fault further down leaves the upper entries' A bits set. */
	IREF_AMD_AD_AS_WALKED,
};

/* The event a DTE.Mode of 7, or above EFR.HATS + 4, raises ("bad_mode"). */
enum iref_amd_bad_mode {
	IREF_AMD_BAD_MODE_IO_PAGE_FAULT = 0, /* IO_PAGE_FAULT PR=1 */
	IREF_AMD_BAD_MODE_ILLEGAL_DTE,       /* ILLEGAL_DEV_TABLE_ENTRY */
};

/* Which GVAs a v2 table accepts ("canonical"); width w = 48 or 57. */
enum iref_amd_canonical {
	IREF_AMD_CANON_SIGN_EXTEND = 0, /* bits 63:w-1 all equal */
	IREF_AMD_CANON_LOWER_HALF,      /* bits 63:w-1 all zero */
	IREF_AMD_CANON_IGNORE_HIGH,     /* bits 63:w ignored */
};

/* One struct for both formats; each field names the format that reads it.
 * iref_walk_cfg_init sets the defaults given here. */
struct iref_amd_cfg {
	/* Both formats. */
	uint8_t pa_size;    /* Misc Information PAsize, 32..52, default 52:
			     * entry address bits pa_size..51 are reserved */
	uint8_t perm_check; /* enum iref_amd_perm_check; default v1
			     * PER_LEVEL, v2 AT_LEAF */
	uint8_t ad_policy;  /* enum iref_amd_ad_policy, default ON_SUCCESS */
	/* amd-v1: the DTE and EFR fields of host translation. */
	uint8_t mode;     /* DTE.Mode: 1..6 levels, 7 (reserved) faults;
			   * default 4 */
	uint8_t hats;     /* EFR.HATS 0..3: Mode above hats + 4 faults (3:
			   * no host translation); default 2 */
	uint8_t had;      /* DTE.HAD: 0 no update, 1 A, 3 A and D; 2 is a
			   * reserved encoding; default 0 */
	bool ir, iw;      /* DTE.IR / DTE.IW, default true */
	bool iova_check;  /* IOVA bits above Mode's reach fault, default
			   * true (false: they are ignored) */
	uint8_t bad_mode; /* enum iref_amd_bad_mode, default IO_PAGE_FAULT */
	/* amd-v2: guest paging mode, EFR and Control bits. */
	uint8_t levels;      /* 4 | 5 (DTE GPT level 0 / 1), default 4 */
	uint8_t gats;        /* EFR.GATS 0..1: 1 = 5-level allowed, default 1 */
	bool ussup;          /* EFR.USSup: U/S is honoured, default true */
	bool nxsup;          /* EFR.NXSup: NX is honoured, default true */
	bool wp;             /* supervisor writes honour R/W, default true */
	uint8_t canonical;   /* enum iref_amd_canonical, default SIGN_EXTEND */
	bool noncanon_rz;    /* non-canonical GVA: PR=1 RZ=1 instead of the
			      * default PR=0 */
	bool sup_user_block; /* supervisor requests to user pages fault,
			      * default false (allowed) */
	bool nx_reserved;    /* with nxsup off, NX=1 is a reserved bit
			      * (default false: ignored) */
	bool ga_update_dis;  /* Control.GAUpdateDis: no A updates, default
			      * false */
	bool gd_update_dis;  /* Control.GDUpdateDis: no D updates, default
			      * false */
};

/* AMD event codes, the walk's fault.code. */
#define IREF_AMD_EV_ILLEGAL_DEV_TABLE_ENTRY 0x1u /* DTE field unusable */
#define IREF_AMD_EV_IO_PAGE_FAULT 0x2u
#define IREF_AMD_EV_PAGE_TAB_HW_ERROR 0x4u /* PAGE_TAB_HARDWARE_ERROR */
/* A PASID-tagged request while DTE.GV = 0 (context lookup, AMD_GCR3). */
#define IREF_AMD_EV_INVALID_DEVICE_REQUEST 0x8u

/* fault.flags: the event's flag bits 56:48 shifted down by 48 (Linux's
 * view). RW, GN, NX and US describe the request, the others the cause. */
#define IREF_AMD_F_GN 0x001u /* guest (v2) request */
#define IREF_AMD_F_NX 0x002u /* the request is an execute */
#define IREF_AMD_F_US 0x004u /* the request is a user request */
#define IREF_AMD_F_I 0x008u  /* interrupt request (never from a walk) */
#define IREF_AMD_F_PR 0x010u /* the entry was present */
#define IREF_AMD_F_RW 0x020u /* the request is a write */
#define IREF_AMD_F_PE 0x040u /* permission violation */
#define IREF_AMD_F_RZ 0x080u /* reserved bit set */
#define IREF_AMD_F_TR 0x100u /* ATS translation request (never here) */

/* Result attrs (16 bits per stage; nested: v2 | v1 << 16).
 * amd-v1: the leaf's FC and U bits, and its A/D after the walk. */
#define IREF_AMD_V1_ATTR_FC 0x01u /* force coherent (bit 60) */
#define IREF_AMD_V1_ATTR_U 0x02u  /* untranslated access only (bit 59) */
#define IREF_AMD_V1_ATTR_A 0x04u
#define IREF_AMD_V1_ATTR_D 0x08u
/* amd-v2: PAT index PWT | PCD << 1 | PAT << 2, the effective U/S and NX
 * of the path, the leaf's A/D after the walk. */
#define IREF_AMD_V2_ATTR_PWT 0x01u
#define IREF_AMD_V2_ATTR_PCD 0x02u
#define IREF_AMD_V2_ATTR_PAT 0x04u
#define IREF_AMD_V2_ATTR_USER 0x08u /* U/S = 1 at every level */
#define IREF_AMD_V2_ATTR_NX 0x10u   /* NX at some level, nxsup on */
#define IREF_AMD_V2_ATTR_A 0x20u
#define IREF_AMD_V2_ATTR_D 0x40u
/* The builder's iref_build_map.attrs use the same low bits: v1 bits 1:0
 * (FC, U), v2 bits 2:0 (PWT, PCD, PAT). */

/* The specification's name of an event code ("IO_PAGE_FAULT"), NULL for
 * a value AMD does not define. */
const char *iref_amd_event_name(uint32_t code);

#endif
