/* Options, fault codes and result encodings of the Arm walker formats:
 * "arm-s1" (VMSAv8-64 stage 1 as an SMMUv3 Context Descriptor configures
 * it, StreamWorld NS-EL1: two VA ranges) and "arm-s2" (VMSAv8-64 stage 2
 * as a Stream Table Entry configures it). walkers/arm.c implements them;
 * docs/walker-arm.md documents every option, code and choice.
 *
 * Levels are Arm's: 0..3, 3 the last (the page level); the start level
 * depends on the granule and input size. Faults found before any table is
 * read report level 0 when the input address is refused (range, EPDx,
 * E0PDx, stage-1 bypass address size) and -1 for an unusable CD or STE
 * (C_BAD_CD, C_BAD_STE). */
#ifndef IREF_WALK_ARM_H
#define IREF_WALK_ARM_H

#include <stdbool.h>
#include <stdint.h>

/* CD.TG0 / CD.TG1 / STE.S2TG encodings (TG1 differs, as TCR_ELx.TG1). */
#define IREF_ARM_TG0_4K 0u
#define IREF_ARM_TG0_64K 1u
#define IREF_ARM_TG0_16K 2u
#define IREF_ARM_TG1_16K 1u
#define IREF_ARM_TG1_4K 2u
#define IREF_ARM_TG1_64K 3u
#define IREF_ARM_S2TG_4K 0u
#define IREF_ARM_S2TG_64K 1u
#define IREF_ARM_S2TG_16K 2u

/* Size encodings of SMMU_IDR5.OAS, CD.IPS and STE.S2PS: 0 32 bits, 1 36,
 * 2 40, 3 42, 4 44, 5 48, 6 52 (7: reserved, behaves as 52 here). */
#define IREF_ARM_PS_48 5u
#define IREF_ARM_PS_52 6u

/* Implementation choices the architecture leaves open (see the doc). */
enum iref_arm_oor {          /* TxSZ / S2T0SZ outside the valid range */
	IREF_ARM_OOR_ILLEGAL = 0, /* C_BAD_CD / C_BAD_STE (SMMUv3.1+) */
	IREF_ARM_OOR_CLAMP,       /* use the nearest valid value (v3.0) */
};
enum iref_arm_res0 {         /* block descriptor OA bits [shift-1:g] */
	IREF_ARM_RES0_IGNORE = 0, /* treated as zero */
	IREF_ARM_RES0_FAULT,      /* F_TRANSLATION at that level */
};
enum iref_arm_oa_hi {        /* 64 KiB descriptor bits [15:12] */
	IREF_ARM_OA_HI_OAS52 = 0, /* OA[51:48] when OAS is 52 bits */
	IREF_ARM_OA_HI_ALWAYS,    /* OA[51:48] whatever the OAS */
	IREF_ARM_OA_HI_EFF52,     /* only when the stage's output size is
				   * 52 bits, else ignored (QEMU) */
};
enum iref_arm_lpa {          /* 64 KiB level-1 (4 TiB) blocks */
	IREF_ARM_LPA_AUTO = 0,    /* allowed iff OAS is 52 bits */
	IREF_ARM_LPA_OFF,
	IREF_ARM_LPA_ON,
};
enum iref_arm_wide_ipa {     /* S2T0SZ wider than the effective S2PS */
	IREF_ARM_WIDE_IPA_ALLOW = 0, /* walk; outputs are still checked */
	IREF_ARM_WIDE_IPA_ILLEGAL,   /* C_BAD_STE (older QEMU) */
};

/* One struct for both formats; each field names what it models. Field
 * values are the architectural encodings; iref_walk_cfg_init sets the
 * defaults given here. */
struct iref_arm_cfg {
	/* SMMU capabilities (ID registers), both formats. */
	uint8_t oas;     /* IDR5.OAS 0..6, default 5 (48 bits); also IAS */
	uint8_t vax;     /* IDR5.VAX 0 (48-bit VA) | 1 (52-bit), default 0 */
	bool gran4k, gran16k, gran64k; /* IDR5.GRANxx, default all true */
	uint8_t httu;    /* IDR0.HTTU 0..3 (3 acts as 2), default 2 */
	bool asid16;     /* IDR0.ASID16, default true */
	bool stt;        /* IDR3.STT (small tables), default false */
	bool had;        /* IDR3.HAD (CD.HADx honoured), default true */
	bool e0pd;       /* IDR3.E0PD (CD.E0PDx honoured), default true */
	bool epan_cap;   /* IDR3.EPAN (CD.EPAN honoured), default true */
	bool xnx;        /* IDR3.XNX (stage-2 XN[0]), default true */
	/* Implementation choices, both formats. */
	uint8_t txsz_oor;   /* enum iref_arm_oor, default ILLEGAL */
	uint8_t block_res0; /* enum iref_arm_res0, default IGNORE */
	uint8_t oa_hi;      /* enum iref_arm_oa_hi, default OAS52 */
	uint8_t lpa;        /* enum iref_arm_lpa, default AUTO */
	uint8_t wide_ipa;   /* arm-s2: enum iref_arm_wide_ipa, default
			     * ALLOW */
	/* arm-s1: Context Descriptor fields. cfg->root is TTB0. */
	uint8_t t0sz, t1sz; /* default 16 (48-bit VA ranges) */
	uint8_t tg0, tg1;   /* default 4 KiB (TG0 0, TG1 2) */
	uint8_t ips;        /* CD.IPS 0..7, default 5 (48 bits) */
	bool epd0, epd1;    /* default false, true (no TTB1 given) */
	bool tbi0, tbi1;    /* default false */
	bool e0pd0, e0pd1;  /* default false */
	bool had0, had1;    /* default false */
	bool ha, hd, affd;  /* default false */
	bool wxn, pan, epan; /* default false */
	uint16_t asid;      /* default 0 (checked against ASID16 only) */
	uint64_t ttb1;      /* TTB1 address, default 0 */
	uint64_t mair;      /* {CD.MAIR1, CD.MAIR0}, default 0 */
	/* arm-s2: Stream Table Entry fields. cfg->root is S2TTB. */
	uint8_t s2t0sz;     /* default 16 (48-bit IPA) */
	uint8_t s2sl0;      /* default 2 (level 0 for 4 KiB) */
	uint8_t s2tg;       /* default 4 KiB (0) */
	uint8_t s2ps;       /* STE.S2PS 0..7, default 5 (48 bits) */
	bool s2ha, s2hd, s2affd; /* default false */
	bool s2ptw;         /* stage-1 walks to Device memory fault,
			     * default false */
};

/* SMMUv3 event IDs: the walk's fault.code. */
#define IREF_ARM_C_BAD_STE 0x04u
/* Context lookup (context.h, walkers/ctx_arm.c): no SSID with S1DSS
 * terminate, or SSID 0 with S1DSS SSID0; SSID refused or L1CD invalid; bus
 * error fetching a CD or L1CD (fault.addr2 = FetchAddr). */
#define IREF_ARM_F_STREAM_DISABLED 0x06u
#define IREF_ARM_C_BAD_SUBSTREAMID 0x08u
#define IREF_ARM_F_CD_FETCH 0x09u
#define IREF_ARM_C_BAD_CD 0x0au
#define IREF_ARM_F_WALK_EABT 0x0bu
#define IREF_ARM_F_TRANSLATION 0x10u
#define IREF_ARM_F_ADDR_SIZE 0x11u
#define IREF_ARM_F_ACCESS 0x12u
#define IREF_ARM_F_PERMISSION 0x13u

/* fault.flags: bits [127:96] of the SMMUv3 event record (0 for C_BAD_*),
 * so flags << 96 drops into a record unchanged. */
#define IREF_ARM_FLAG_PNU (1u << 1)    /* privileged transaction */
#define IREF_ARM_FLAG_IND (1u << 2)    /* instruction fetch */
#define IREF_ARM_FLAG_RNW (1u << 3)    /* read (1) or write (0) */
#define IREF_ARM_FLAG_S2 (1u << 7)     /* the fault is at stage 2 */
#define IREF_ARM_FLAG_CLASS(f) ((f) >> 8 & 3u)
#define IREF_ARM_CLASS_CD 0u           /* (CD fetches: not walked here) */
#define IREF_ARM_CLASS_TT 1u           /* a stage-1 table access */
#define IREF_ARM_CLASS_IN 2u           /* the stage's input address */
#define IREF_ARM_FLAG_TTRNW (1u << 12) /* F_PERMISSION, CLASS TT: the
					* table access was a read */
/* fault.addr2: the IPA of a stage-2 fault (the stage-1 descriptor's IPA
 * for CLASS TT, the input IPA for CLASS IN); the descriptor's address
 * (FetchAddr) for F_WALK_EABT; 0 for stage-1 faults. */

/* Result attrs (16 bits per stage; nested: S1 | S2 << 16). */
#define IREF_ARM_S1_ATTR_INDX 0x0007u  /* AttrIndx[2:0] */
#define IREF_ARM_S1_ATTR_SH 0x0018u    /* SH, bits 4:3 */
#define IREF_ARM_S1_ATTR_NG 0x0020u
#define IREF_ARM_S1_ATTR_CONT 0x0040u  /* Contiguous hint */
#define IREF_ARM_S1_ATTR_MAIR 0xff00u  /* the MAIR Attr byte it selects */
#define IREF_ARM_S2_ATTR_MEMATTR 0x000fu
#define IREF_ARM_S2_ATTR_SH 0x0030u    /* SH, bits 5:4 */
#define IREF_ARM_S2_ATTR_CONT 0x0040u
/* The builder's iref_build_map.attrs use the same low bits: stage 1
 * AttrIndx and SH (bits 4:0), stage 2 MemAttr and SH (bits 5:0). */

/* The event's name ("F_TRANSLATION"), NULL for a code the walkers do not
 * report. */
const char *iref_arm_event_name(uint32_t code);

#endif
