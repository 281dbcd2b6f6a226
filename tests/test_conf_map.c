/* Conformance: MAP and UNMAP (virtio-iommu.md sections 3.4, 3.5;
 * checklist C51-C83). */
#include "conf_util.h"
#include "testutil.h"

#define DOM 1u

/* Device from cfg with ep1 attached to map domain DOM. */
static struct iref_iommu *map_dev_cfg(const struct iref_config *cfg)
{
	struct iref_iommu *dev = conf_new(cfg);
	CONF_OK(conf_attach(dev, DOM, CONF_EP1, 0));
	return dev;
}

static struct iref_iommu *map_dev(void)
{
	struct iref_config cfg;
	conf_cfg(&cfg);
	return map_dev_cfg(&cfg);
}

/* Device with a 1-byte granule (page_size_mask bit 0, section 1.3 rule 3),
 * so the byte-level examples of the spec can be used literally. */
static struct iref_iommu *map_dev_byte(void)
{
	struct iref_config cfg;
	conf_cfg(&cfg);
	cfg.page_size_mask = 1;
	return map_dev_cfg(&cfg);
}

/* Is iova mapped for reads by ep1 (without leaving an event behind)? */
static bool mapped(struct iref_iommu *dev, uint64_t iova)
{
	struct iref_dma_result r = conf_dma(dev, CONF_EP1, iova, 1,
					    IREF_ACC_READ);
	conf_drain(dev);
	return r.outcome == IREF_DMA_OK;
}

/* ------------------------------------------------------------------ */
/* MAP                                                                  */

/* C51: "MAP with a flags bit >= 3 -> S_INVAL." [SPEC-M] */
START_TEST(test_C51_map_unknown_flag_inval)
{
	struct iref_iommu *dev = map_dev();
	for (unsigned bit = 3; bit < 32; bit++) {
		CONF_ST(conf_map(dev, DOM, 0x1000, 0x1fff, 0x11000,
				 CONF_RW | (1u << bit)),
			IREF_S_INVAL);
		CONF_ST(conf_map(dev, DOM, 0x1000, 0x1fff, 0x11000, 1u << bit),
			IREF_S_INVAL);
	}
	ck_assert_uint_eq(iref_iommu_domain_mappings(dev, DOM), 0);
	conf_expect_fault(dev, CONF_EP1, 0x1000, IREF_ACC_READ,
			  IREF_R_MAPPING);
}
END_TEST

/* C52: "MAP with MAP_F_MMIO when F_MMIO not negotiated -> S_INVAL."
 * [MODEL] With F_MMIO negotiated the same MAP succeeds. */
START_TEST(test_C52_map_mmio_without_feature_inval)
{
	struct iref_config cfg;
	conf_cfg(&cfg);
	struct iref_iommu *dev = conf_new_unnegotiated(&cfg);
	conf_negotiate_without(dev, IREF_FEAT(IREF_F_MMIO));
	CONF_OK(conf_attach(dev, DOM, CONF_EP1, 0));
	CONF_ST(conf_map(dev, DOM, 0x1000, 0x1fff, 0xfee00000u,
			 CONF_RW | IREF_MAP_F_MMIO),
		IREF_S_INVAL);
	ck_assert_uint_eq(iref_iommu_domain_mappings(dev, DOM), 0);

	struct iref_iommu *dev2 = map_dev();
	ck_assert(iref_iommu_negotiated(dev2) & IREF_FEAT(IREF_F_MMIO));
	CONF_OK(conf_map(dev2, DOM, 0x1000, 0x1fff, 0xfee00000u,
			 CONF_W | IREF_MAP_F_MMIO));
	struct iref_dma_result r = conf_expect_map(dev2, CONF_EP1, 0x1004,
						   IREF_ACC_WRITE, 0xfee00004u);
	ck_assert(r.mmio);
	CONF_OK(conf_map(dev2, DOM, 0x2000, 0x2fff, 0x52000, CONF_RW));
	r = conf_expect_map(dev2, CONF_EP1, 0x2000, IREF_ACC_WRITE, 0x52000);
	ck_assert(!r.mmio);
}
END_TEST

/* C53: "MAP to a non-existent domain -> S_NOENT." [SPEC-S] */
START_TEST(test_C53_map_unknown_domain_noent)
{
	struct iref_iommu *dev = map_dev();
	CONF_ST(conf_map(dev, 2, 0x1000, 0x1fff, 0x11000, CONF_RW),
		IREF_S_NOENT);
	CONF_ST(conf_map(dev, 0xffffffffu, 0x1000, 0x1fff, 0x11000, CONF_RW),
		IREF_S_NOENT);
	ck_assert(!iref_iommu_domain_exists(dev, 2));
	ck_assert_uint_eq(iref_iommu_domain_count(dev), 1);
}
END_TEST

/* C54: "MAP to a bypass domain -> S_INVAL." [SPEC-S] */
START_TEST(test_C54_map_bypass_domain_inval)
{
	struct iref_iommu *dev = conf_dev();
	CONF_OK(conf_attach(dev, 7, CONF_EP1, IREF_ATTACH_F_BYPASS));
	CONF_ST(conf_map(dev, 7, 0x1000, 0x1fff, 0x11000, CONF_RW),
		IREF_S_INVAL);
	ck_assert_uint_eq(iref_iommu_domain_mappings(dev, 7), 0);
	conf_expect_bypass(dev, CONF_EP1, 0x1000, IREF_ACC_READ);
}
END_TEST

/* C55: "MAP with virt_start, phys_start or virt_end+1 not granule-aligned
 * -> S_RANGE (each of the three separately)." [SPEC-S] */
START_TEST(test_C55_map_unaligned_range)
{
	struct iref_iommu *dev = map_dev();
	CONF_ST(conf_map(dev, DOM, 0x1001, 0x1fff, 0x11000, CONF_RW),
		IREF_S_RANGE);
	CONF_ST(conf_map(dev, DOM, 0x1800, 0x1fff, 0x11000, CONF_RW),
		IREF_S_RANGE);
	CONF_ST(conf_map(dev, DOM, 0x1000, 0x1fff, 0x11001, CONF_RW),
		IREF_S_RANGE);
	CONF_ST(conf_map(dev, DOM, 0x1000, 0x1fff, 0x11800, CONF_RW),
		IREF_S_RANGE);
	CONF_ST(conf_map(dev, DOM, 0x1000, 0x1ffe, 0x11000, CONF_RW),
		IREF_S_RANGE);
	CONF_ST(conf_map(dev, DOM, 0x1000, 0x2000, 0x11000, CONF_RW),
		IREF_S_RANGE);
	CONF_ST(conf_map(dev, DOM, 0x1000, 0x17ff, 0x11000, CONF_RW),
		IREF_S_RANGE);
	ck_assert_uint_eq(iref_iommu_domain_mappings(dev, DOM), 0);
	/* Aligned: fine. */
	CONF_OK(conf_map(dev, DOM, 0x1000, 0x1fff, 0x11000, CONF_RW));
}
END_TEST

/* C55: the granule is the lowest set bit of page_size_mask (64 KiB here),
 * the other bits are hints only. */
START_TEST(test_C55_granule_is_lowest_mask_bit)
{
	struct iref_config cfg;
	conf_cfg(&cfg);
	cfg.page_size_mask = UINT64_C(0x10000) | UINT64_C(0x200000);
	struct iref_iommu *dev = map_dev_cfg(&cfg);
	CONF_ST(conf_map(dev, DOM, 0x1000, 0x1fff, 0x11000, CONF_RW),
		IREF_S_RANGE);
	CONF_ST(conf_map(dev, DOM, 0x10000, 0x1ffff, 0x11000, CONF_RW),
		IREF_S_RANGE);
	CONF_ST(conf_map(dev, DOM, 0x10000, 0x10fff, 0x10000, CONF_RW),
		IREF_S_RANGE);
	/* 64 KiB, not a multiple of 2 MiB: fine. */
	CONF_OK(conf_map(dev, DOM, 0x10000, 0x2ffff, 0x50000, CONF_RW));
	/* 1-byte granule: anything goes. */
	struct iref_iommu *b = map_dev_byte();
	CONF_OK(conf_map(b, DOM, 0x1001, 0x1002, 0x7777, CONF_RW));
	conf_expect_map(b, CONF_EP1, 0x1002, IREF_ACC_READ, 0x7778);
}
END_TEST

/* C56: "MAP with virt_end = 2^64-1 and aligned start passes the alignment
 * check." [SPEC-S/MODEL] (virt_end + 1 is computed modulo 2^64). Needs an
 * input range up to 2^64-1. */
START_TEST(test_C56_map_virt_end_max_aligned)
{
	struct iref_config cfg;
	conf_cfg(&cfg);
	cfg.input_end = UINT64_MAX;
	struct iref_iommu *dev = map_dev_cfg(&cfg);
	CONF_OK(conf_map(dev, DOM, UINT64_MAX - 0xfff, UINT64_MAX, 0x40000000,
			 CONF_RW));
	conf_expect_map(dev, CONF_EP1, UINT64_MAX, IREF_ACC_READ, 0x40000fff);
	conf_expect_map(dev, CONF_EP1, UINT64_MAX - 0xfff, IREF_ACC_WRITE,
			0x40000000);
	/* One below: really unaligned. */
	CONF_ST(conf_map(dev, DOM, UINT64_MAX - 0x2fff, UINT64_MAX - 0x1001,
			 0x50000000, CONF_RW),
		IREF_S_RANGE);
	/* Whole top half in one mapping. */
	CONF_OK(conf_map(dev, DOM, UINT64_C(1) << 63, UINT64_MAX - 0x1000,
			 0x0, CONF_R));
}
END_TEST

/* C57: "MAP with virt_end <= virt_start -> S_INVAL." [MODEL] (checked
 * before alignment, section 3.4 rule 5 before 6). */
START_TEST(test_C57_map_end_not_above_start_inval)
{
	struct iref_iommu *dev = map_dev();
	CONF_ST(conf_map(dev, DOM, 0x2000, 0x2000, 0x11000, CONF_RW),
		IREF_S_INVAL);
	CONF_ST(conf_map(dev, DOM, 0x2000, 0x1fff, 0x11000, CONF_RW),
		IREF_S_INVAL);
	CONF_ST(conf_map(dev, DOM, 0x3000, 0x1fff, 0x11000, CONF_RW),
		IREF_S_INVAL);
	CONF_ST(conf_map(dev, DOM, 0x1000, 0, 0x11000, CONF_RW), IREF_S_INVAL);
	ck_assert_uint_eq(iref_iommu_domain_mappings(dev, DOM), 0);
	struct iref_iommu *b = map_dev_byte();
	CONF_ST(conf_map(b, DOM, 0x10, 0x10, 0x10, CONF_RW), IREF_S_INVAL);
	CONF_OK(conf_map(b, DOM, 0x10, 0x11, 0x10, CONF_RW));
}
END_TEST

/* C58: "MAP outside input_range -> S_RANGE." [MODEL] Default range
 * [0, 2^48-1]; a custom start; crossing either edge. */
START_TEST(test_C58_map_outside_input_range)
{
	struct iref_iommu *dev = map_dev();
	uint64_t e = CONF_INPUT_END;
	CONF_ST(conf_map(dev, DOM, e + 1, e + 0x1000, 0x11000, CONF_RW),
		IREF_S_RANGE);
	CONF_ST(conf_map(dev, DOM, e - 0xfff, e + 0x1000, 0x11000, CONF_RW),
		IREF_S_RANGE);
	CONF_ST(conf_map(dev, DOM, 0, UINT64_MAX, 0, CONF_RW), IREF_S_RANGE);
	ck_assert_uint_eq(iref_iommu_domain_mappings(dev, DOM), 0);
	CONF_OK(conf_map(dev, DOM, e - 0xfff, e, 0x11000, CONF_RW));

	struct iref_config cfg;
	conf_cfg(&cfg);
	cfg.input_start = 0x100000;
	cfg.input_end = 0x1fffff;
	struct iref_iommu *d2 = map_dev_cfg(&cfg);
	CONF_ST(conf_map(d2, DOM, 0xff000, 0xfffff, 0, CONF_RW), IREF_S_RANGE);
	CONF_ST(conf_map(d2, DOM, 0xff000, 0x100fff, 0, CONF_RW),
		IREF_S_RANGE);
	CONF_ST(conf_map(d2, DOM, 0x1ff000, 0x200fff, 0, CONF_RW),
		IREF_S_RANGE);
	CONF_OK(conf_map(d2, DOM, 0x100000, 0x1fffff, 0, CONF_RW));
}
END_TEST

/* C58 / G6: input_range is enforced whenever INPUT_RANGE is offered, even
 * when not negotiated. */
START_TEST(test_C58_input_range_checked_when_offered_not_negotiated)
{
	struct iref_config cfg;
	conf_cfg(&cfg);
	struct iref_iommu *dev = conf_new_unnegotiated(&cfg);
	conf_negotiate_without(dev, IREF_FEAT(IREF_F_INPUT_RANGE));
	CONF_OK(conf_attach(dev, DOM, CONF_EP1, 0));
	CONF_ST(conf_map(dev, DOM, CONF_INPUT_END + 1,
			 CONF_INPUT_END + 0x1000, 0, CONF_RW),
		IREF_S_RANGE);
}
END_TEST

/* C59: "MAP whose phys range wraps past 2^64 or exceeds the guest PA limit
 * -> S_RANGE." [MODEL] */
START_TEST(test_C59_map_phys_wrap_range)
{
	struct iref_iommu *dev = map_dev();
	CONF_ST(conf_map(dev, DOM, 0x1000, 0x2fff, UINT64_MAX - 0xfff,
			 CONF_RW),
		IREF_S_RANGE);
	/* [0, 2^48-1] -> [0x2000, 2^48+0x1fff]: no wrap, no PA limit. */
	CONF_OK(conf_map(dev, DOM, 0x0, CONF_INPUT_END, 0x2000, CONF_RW));
	CONF_OK(conf_unmap(dev, DOM, 0, CONF_INPUT_END));
	/* Ending exactly at 2^64-1 does not wrap. */
	CONF_OK(conf_map(dev, DOM, 0x1000, 0x1fff, UINT64_MAX - 0xfff,
			 CONF_RW));
	conf_expect_map(dev, CONF_EP1, 0x1fff, IREF_ACC_READ, UINT64_MAX);
}
END_TEST

/* C59 with guest_pa_bits = 40. */
START_TEST(test_C59_map_beyond_guest_pa_bits)
{
	struct iref_config cfg;
	conf_cfg(&cfg);
	cfg.opt.guest_pa_bits = 40;
	struct iref_iommu *dev = map_dev_cfg(&cfg);
	uint64_t lim = UINT64_C(1) << 40;
	CONF_ST(conf_map(dev, DOM, 0x1000, 0x1fff, lim, CONF_RW),
		IREF_S_RANGE);
	CONF_ST(conf_map(dev, DOM, 0x1000, 0x2fff, lim - 0x1000, CONF_RW),
		IREF_S_RANGE);
	CONF_ST(conf_map(dev, DOM, 0x1000, 0x1fff, UINT64_C(1) << 63, CONF_RW),
		IREF_S_RANGE);
	ck_assert_uint_eq(iref_iommu_domain_mappings(dev, DOM), 0);
	CONF_OK(conf_map(dev, DOM, 0x1000, 0x1fff, lim - 0x1000, CONF_RW));
	conf_expect_map(dev, CONF_EP1, 0x1fff, IREF_ACC_READ, lim - 1);
}
END_TEST

/* C60: "MAP overlapping an existing mapping by one byte -> S_INVAL,
 * existing mapping unchanged." [SPEC-S] 1-byte granule for a real one-byte
 * overlap, both ends. */
START_TEST(test_C60_map_overlap_one_byte_inval)
{
	struct iref_iommu *dev = map_dev_byte();
	CONF_OK(conf_map(dev, DOM, 0x1000, 0x1fff, 0x51000, CONF_R));
	CONF_ST(conf_map(dev, DOM, 0x1fff, 0x2fff, 0x62000, CONF_RW),
		IREF_S_INVAL);
	CONF_ST(conf_map(dev, DOM, 0x0, 0x1000, 0x60000, CONF_RW),
		IREF_S_INVAL);
	CONF_ST(conf_map(dev, DOM, 0x1800, 0x1801, 0x60000, CONF_RW),
		IREF_S_INVAL);
	CONF_ST(conf_map(dev, DOM, 0x0, 0xffff, 0x60000, CONF_RW),
		IREF_S_INVAL);
	CONF_ST(conf_map(dev, DOM, 0x1000, 0x1fff, 0x51000, CONF_R),
		IREF_S_INVAL); /* identical */
	ck_assert_uint_eq(iref_iommu_domain_mappings(dev, DOM), 1);
	struct iref_dma_result r = conf_expect_map(dev, CONF_EP1, 0x1fff,
						   IREF_ACC_READ, 0x51fff);
	ck_assert_uint_eq(r.perm & (IREF_PERM_R | IREF_PERM_W), IREF_PERM_R);
	conf_expect_map(dev, CONF_EP1, 0x1000, IREF_ACC_READ, 0x51000);
	conf_expect_fault(dev, CONF_EP1, 0x1fff, IREF_ACC_WRITE,
			  IREF_R_MAPPING);
	conf_expect_fault(dev, CONF_EP1, 0x2000, IREF_ACC_READ,
			  IREF_R_MAPPING);
	conf_expect_fault(dev, CONF_EP1, 0xfff, IREF_ACC_READ,
			  IREF_R_MAPPING);
}
END_TEST

/* C60 with the default 4 KiB granule (overlap by one page). */
START_TEST(test_C60_map_overlap_page_inval)
{
	struct iref_iommu *dev = map_dev();
	CONF_OK(conf_map(dev, DOM, 0x10000, 0x1ffff, 0x80000, CONF_RW));
	CONF_ST(conf_map(dev, DOM, 0x1f000, 0x20fff, 0x90000, CONF_RW),
		IREF_S_INVAL);
	CONF_ST(conf_map(dev, DOM, 0xf000, 0x10fff, 0x90000, CONF_RW),
		IREF_S_INVAL);
	ck_assert_uint_eq(iref_iommu_domain_mappings(dev, DOM), 1);
	conf_expect_map(dev, CONF_EP1, 0x1ffff, IREF_ACC_WRITE, 0x8ffff);
}
END_TEST

/* C61: "MAP immediately adjacent to an existing mapping -> S_OK." [SPEC] */
START_TEST(test_C61_map_adjacent_ok)
{
	struct iref_iommu *dev = map_dev();
	CONF_OK(conf_map(dev, DOM, 0x10000, 0x10fff, 0x80000, CONF_RW));
	CONF_OK(conf_map(dev, DOM, 0x11000, 0x11fff, 0x30000, CONF_R));
	CONF_OK(conf_map(dev, DOM, 0xf000, 0xffff, 0x50000, CONF_W));
	ck_assert_uint_eq(iref_iommu_domain_mappings(dev, DOM), 3);
	conf_expect_map(dev, CONF_EP1, 0xffff, IREF_ACC_WRITE, 0x50fff);
	conf_expect_map(dev, CONF_EP1, 0x10000, IREF_ACC_READ, 0x80000);
	conf_expect_map(dev, CONF_EP1, 0x10fff, IREF_ACC_READ, 0x80fff);
	conf_expect_map(dev, CONF_EP1, 0x11000, IREF_ACC_READ, 0x30000);
	struct iref_iommu *b = map_dev_byte();
	CONF_OK(conf_map(b, DOM, 0, 4, 0x100, CONF_RW));
	CONF_OK(conf_map(b, DOM, 5, 9, 0x200, CONF_RW));
	conf_expect_map(b, CONF_EP1, 4, IREF_ACC_READ, 0x104);
	conf_expect_map(b, CONF_EP1, 5, IREF_ACC_READ, 0x200);
}
END_TEST

/* C62: "MAP overlapping a RESV_MEM region of an attached endpoint ->
 * S_INVAL." [SPEC-S/MODEL] Both subtypes, one-page overlaps; a domain
 * whose endpoints have no such region may map the range. */
START_TEST(test_C62_map_over_resv_region_inval)
{
	struct iref_iommu *dev = map_dev();
	CONF_OK(conf_attach(dev, 2, CONF_EP_RESV, 0));
	CONF_ST(conf_map(dev, 2, CONF_RESV_START, CONF_RESV_START + 0xfff,
			 0x80000, CONF_RW),
		IREF_S_INVAL);
	CONF_ST(conf_map(dev, 2, CONF_RESV_START - 0x1000,
			 CONF_RESV_START + 0xfff, 0x80000, CONF_RW),
		IREF_S_INVAL);
	CONF_ST(conf_map(dev, 2, CONF_RESV_END - 0xfff, CONF_RESV_END + 0x1000,
			 0x80000, CONF_RW),
		IREF_S_INVAL);
	CONF_ST(conf_map(dev, 2, CONF_MSI_START, CONF_MSI_START + 0xfff,
			 CONF_MSI_START, CONF_W | IREF_MAP_F_MMIO),
		IREF_S_INVAL);
	CONF_ST(conf_map(dev, 2, 0, UINT64_C(0x7fffffff), 0, CONF_RW),
		IREF_S_INVAL);
	ck_assert_uint_eq(iref_iommu_domain_mappings(dev, 2), 0);
	/* Next to the regions: fine. */
	CONF_OK(conf_map(dev, 2, CONF_RESV_END + 1, CONF_RESV_END + 0x1000,
			 0x80000, CONF_RW));
	CONF_OK(conf_map(dev, 2, CONF_RESV_START - 0x1000,
			 CONF_RESV_START - 1, 0x90000, CONF_RW));
	/* Domain DOM (ep1 only) may map the same IOVA. */
	CONF_OK(conf_map(dev, DOM, CONF_RESV_START, CONF_RESV_END, 0x80000,
			 CONF_RW));
	conf_expect_map(dev, CONF_EP1, CONF_RESV_START, IREF_ACC_READ, 0x80000);
}
END_TEST

/* C62: the region of any endpoint in the domain counts, not only the
 * first. */
START_TEST(test_C62_region_of_second_endpoint_counts)
{
	struct iref_iommu *dev = map_dev();
	CONF_OK(conf_attach(dev, DOM, CONF_EP_RESV, 0));
	CONF_ST(conf_map(dev, DOM, CONF_MSI_END - 0xfff, CONF_MSI_END,
			 0x80000, CONF_RW),
		IREF_S_INVAL);
	/* After ep10 leaves, the range is mappable. */
	CONF_OK(conf_detach(dev, DOM, CONF_EP_RESV));
	CONF_OK(conf_map(dev, DOM, CONF_MSI_END - 0xfff, CONF_MSI_END,
			 0x80000, CONF_RW));
}
END_TEST

/* C63: "After MAP -> S_OK, an access at any VA in [virt_start, virt_end]
 * reaches PA = VA - virt_start + phys_start, including both end bytes."
 * [SPEC-i] */
START_TEST(test_C63_map_translation_both_ends)
{
	struct iref_iommu *dev = map_dev();
	CONF_OK(conf_map(dev, DOM, 0x200000, 0x3fffff, 0x123400000ull,
			 CONF_RW));
	static const uint64_t offs[] = { 0, 1, 0xfff, 0x1000, 0x12345,
					 0x1ffffe, 0x1fffff };
	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		struct iref_dma_result r = conf_expect_map(
			dev, CONF_EP1, 0x200000 + offs[i], IREF_ACC_READ,
			0x123400000ull + offs[i]);
		ck_assert_uint_eq(r.perm & (IREF_PERM_R | IREF_PERM_W),
				  IREF_PERM_R | IREF_PERM_W);
		conf_expect_map(dev, CONF_EP1, 0x200000 + offs[i],
				IREF_ACC_WRITE, 0x123400000ull + offs[i]);
	}
	/* The whole range in one access. */
	struct iref_dma_result r =
		conf_dma(dev, CONF_EP1, 0x200000, 0x200000, IREF_ACC_READ);
	ck_assert_int_eq(r.outcome, IREF_DMA_OK);
	ck_assert_uint_eq(r.pa, 0x123400000ull);
	/* One byte beyond each end is not mapped. */
	conf_expect_fault(dev, CONF_EP1, 0x1fffff, IREF_ACC_READ,
			  IREF_R_MAPPING);
	conf_expect_fault(dev, CONF_EP1, 0x400000, IREF_ACC_READ,
			  IREF_R_MAPPING);
}
END_TEST

/* C63: PA can be below VA too, and the granule-1 case maps odd ranges. */
START_TEST(test_C63_map_translation_byte_granule)
{
	struct iref_iommu *dev = map_dev_byte();
	CONF_OK(conf_map(dev, DOM, 0x10003, 0x10009, 0x7, CONF_RW));
	conf_expect_map(dev, CONF_EP1, 0x10003, IREF_ACC_READ, 0x7);
	conf_expect_map(dev, CONF_EP1, 0x10009, IREF_ACC_WRITE, 0xd);
	conf_expect_fault(dev, CONF_EP1, 0x1000a, IREF_ACC_READ,
			  IREF_R_MAPPING);
	conf_expect_fault(dev, CONF_EP1, 0x10002, IREF_ACC_READ,
			  IREF_R_MAPPING);
}
END_TEST

/* C64: "Write to a mapping without MAP_F_WRITE never reaches memory and
 * raises R_MAPPING with F_WRITE|F_ADDRESS." [SPEC-M/MODEL] Also with
 * write_implies_read (which is about reads only). */
START_TEST(test_C64_write_to_readonly_faults)
{
	for (int wir = 0; wir < 2; wir++) {
		struct iref_config cfg;
		conf_cfg(&cfg);
		cfg.opt.write_implies_read = wir;
		struct iref_iommu *dev = map_dev_cfg(&cfg);
		CONF_OK(conf_map(dev, DOM, 0x1000, 0x1fff, 0x51000, CONF_R));
		struct iref_fault_record f = conf_expect_fault(
			dev, CONF_EP1, 0x1234, IREF_ACC_WRITE, IREF_R_MAPPING);
		ck_assert_uint_eq(f.flags,
				  IREF_FAULT_F_WRITE | IREF_FAULT_F_ADDRESS);
		ck_assert_uint_eq(f.address, 0x1234);
		ck_assert_uint_eq(f.endpoint, CONF_EP1);
		/* A multi-byte write: nothing is performed. */
		struct iref_dma_result r =
			conf_dma(dev, CONF_EP1, 0x1000, 0x1000, IREF_ACC_WRITE);
		ck_assert_int_eq(r.outcome, IREF_DMA_FAULT);
		conf_drain(dev);
		conf_expect_map(dev, CONF_EP1, 0x1234, IREF_ACC_READ, 0x51234);
	}
}
END_TEST

/* C65: "Read from a mapping without MAP_F_READ faults R_MAPPING with
 * F_READ (strict profile)." [SPEC-MAY/MODEL] Exec needs READ too. */
START_TEST(test_C65_read_from_writeonly_faults_strict)
{
	struct iref_iommu *dev = map_dev();
	CONF_OK(conf_map(dev, DOM, 0x1000, 0x1fff, 0x51000, CONF_W));
	struct iref_fault_record f = conf_expect_fault(
		dev, CONF_EP1, 0x1008, IREF_ACC_READ, IREF_R_MAPPING);
	ck_assert_uint_eq(f.flags, IREF_FAULT_F_READ | IREF_FAULT_F_ADDRESS);
	f = conf_expect_fault(dev, CONF_EP1, 0x1010, IREF_ACC_EXEC,
			      IREF_R_MAPPING);
	ck_assert_uint_eq(f.flags, IREF_FAULT_F_READ | IREF_FAULT_F_ADDRESS);
	conf_expect_map(dev, CONF_EP1, 0x1008, IREF_ACC_WRITE, 0x51008);
}
END_TEST

/* C65, MODEL alternative: write_implies_read lets a WRITE-only mapping
 * serve reads (section 3.4, SPEC-MAY). */
START_TEST(test_C65_write_implies_read_option)
{
	struct iref_config cfg;
	conf_cfg(&cfg);
	cfg.opt.write_implies_read = true;
	struct iref_iommu *dev = map_dev_cfg(&cfg);
	CONF_OK(conf_map(dev, DOM, 0x1000, 0x1fff, 0x51000, CONF_W));
	conf_expect_map(dev, CONF_EP1, 0x1008, IREF_ACC_READ, 0x51008);
	conf_expect_map(dev, CONF_EP1, 0x1008, IREF_ACC_WRITE, 0x51008);
	/* flags = 0 still allows nothing. */
	CONF_OK(conf_map(dev, DOM, 0x2000, 0x2fff, 0x52000, 0));
	conf_expect_fault(dev, CONF_EP1, 0x2000, IREF_ACC_READ,
			  IREF_R_MAPPING);
}
END_TEST

/* C66: "MAP with flags = 0 -> S_OK and every access to it faults."
 * [MODEL] */
START_TEST(test_C66_map_no_perms_all_fault)
{
	struct iref_iommu *dev = map_dev();
	CONF_OK(conf_map(dev, DOM, 0x1000, 0x1fff, 0x51000, 0));
	ck_assert_uint_eq(iref_iommu_domain_mappings(dev, DOM), 1);
	conf_expect_fault(dev, CONF_EP1, 0x1000, IREF_ACC_READ,
			  IREF_R_MAPPING);
	conf_expect_fault(dev, CONF_EP1, 0x1fff, IREF_ACC_WRITE,
			  IREF_R_MAPPING);
	conf_expect_fault(dev, CONF_EP1, 0x1800, IREF_ACC_EXEC,
			  IREF_R_MAPPING);
	/* It is a mapping: overlaps are refused, UNMAP removes it. */
	CONF_ST(conf_map(dev, DOM, 0x1000, 0x1fff, 0x51000, CONF_RW),
		IREF_S_INVAL);
	CONF_OK(conf_unmap(dev, DOM, 0x1000, 0x1fff));
	ck_assert_uint_eq(iref_iommu_domain_mappings(dev, DOM), 0);
}
END_TEST

/* C67: "MAP when the domain's mapping capacity is exhausted -> S_NOMEM."
 * [MODEL] max_mappings is per domain. */
START_TEST(test_C67_mapping_capacity_nomem)
{
	struct iref_config cfg;
	conf_cfg(&cfg);
	cfg.opt.max_mappings = 2;
	struct iref_iommu *dev = map_dev_cfg(&cfg);
	CONF_OK(conf_map(dev, DOM, 0x1000, 0x1fff, 0x51000, CONF_RW));
	CONF_OK(conf_map(dev, DOM, 0x3000, 0x3fff, 0x53000, CONF_RW));
	CONF_ST(conf_map(dev, DOM, 0x5000, 0x5fff, 0x55000, CONF_RW),
		IREF_S_NOMEM);
	ck_assert_uint_eq(iref_iommu_domain_mappings(dev, DOM), 2);
	conf_expect_fault(dev, CONF_EP1, 0x5000, IREF_ACC_READ,
			  IREF_R_MAPPING);
	/* Another domain has its own capacity. */
	CONF_OK(conf_attach(dev, 2, CONF_EP2, 0));
	CONF_OK(conf_map(dev, 2, 0x5000, 0x5fff, 0x55000, CONF_RW));
	CONF_OK(conf_map(dev, 2, 0x6000, 0x6fff, 0x56000, CONF_RW));
	/* UNMAP frees a slot. */
	CONF_OK(conf_unmap(dev, DOM, 0x1000, 0x1fff));
	CONF_OK(conf_map(dev, DOM, 0x5000, 0x5fff, 0x55000, CONF_RW));
	conf_expect_map(dev, CONF_EP1, 0x5000, IREF_ACC_READ, 0x55000);
}
END_TEST

/* C68: "MAP/UNMAP when F_MAP_UNMAP is not negotiated -> S_UNSUPP."
 * [MODEL] Offered but not negotiated; checked before flags and domain. */
START_TEST(test_C68_map_unmap_not_negotiated_unsupp)
{
	struct iref_config cfg;
	conf_cfg(&cfg);
	struct iref_iommu *dev = conf_new_unnegotiated(&cfg);
	conf_negotiate_without(dev, IREF_FEAT(IREF_F_MAP_UNMAP));
	CONF_OK(conf_attach(dev, DOM, CONF_EP1, 0));
	CONF_ST(conf_map(dev, DOM, 0x1000, 0x1fff, 0x51000, CONF_RW),
		IREF_S_UNSUPP);
	CONF_ST(conf_map(dev, 99, 0x1000, 0x1fff, 0x51000, 0x80),
		IREF_S_UNSUPP);
	CONF_ST(conf_unmap(dev, DOM, 0x1000, 0x1fff), IREF_S_UNSUPP);
	CONF_ST(conf_unmap(dev, 99, 0x1fff, 0x1000), IREF_S_UNSUPP);
	ck_assert_uint_eq(iref_iommu_domain_mappings(dev, DOM), 0);
}
END_TEST

/* C68: a device that does not offer F_MAP_UNMAP at all. */
START_TEST(test_C68_map_unmap_not_offered_unsupp)
{
	struct iref_config cfg;
	conf_cfg(&cfg);
	cfg.features &= ~IREF_FEAT(IREF_F_MAP_UNMAP);
	struct iref_iommu *dev = conf_new(&cfg);
	CONF_OK(conf_attach(dev, DOM, CONF_EP1, 0));
	CONF_ST(conf_map(dev, DOM, 0x1000, 0x1fff, 0x51000, CONF_RW),
		IREF_S_UNSUPP);
	CONF_ST(conf_unmap(dev, DOM, 0x1000, 0x1fff), IREF_S_UNSUPP);
}
END_TEST

/* C69: "MAP/UNMAP on a table domain -> S_INVAL." [MODEL] Base profile part:
 * ATTACH_TABLE is an unknown type, so the ID names no domain (MAP/UNMAP ->
 * S_NOENT, not a table-domain answer). Extension part needs the
 * ATTACH_TABLE API. */
START_TEST(test_C69_base_profile_no_table_domain)
{
	struct iref_iommu *dev = conf_dev();
	uint8_t rd[IREF_ATTACH_TABLE_RSIZE], wr[4];
	memset(rd, 0, sizeof(rd));
	rd[0] = IREF_T_ATTACH_TABLE;
	iref_put_le32(rd + 4, 6);
	iref_put_le32(rd + 8, CONF_EP1);
	rd[12] = 1;
	ck_assert_uint_eq(conf_raw(dev, rd, sizeof(rd), wr, 4, CONF_FILL), 0);
	CONF_ST(conf_map(dev, 6, 0x1000, 0x1fff, 0x51000, CONF_RW),
		IREF_S_NOENT);
	CONF_ST(conf_unmap(dev, 6, 0x1000, 0x1fff), IREF_S_NOENT);
}
END_TEST

/* ------------------------------------------------------------------ */
/* UNMAP: the seven reference examples of section 3.5, literally (1-byte
 * granule), and scaled to 4 KiB pages.                                 */

/* C70: "UNMAP of an empty range -> S_OK (example 1)." [SPEC-S] */
START_TEST(test_C70_unmap_empty_ok)
{
	struct iref_iommu *dev = map_dev_byte();
	CONF_OK(conf_unmap(dev, DOM, 0, 4));
	ck_assert_uint_eq(iref_iommu_domain_mappings(dev, DOM), 0);
	struct iref_iommu *d4 = map_dev();
	CONF_OK(conf_map(d4, DOM, 0x10000, 0x10fff, 0x80000, CONF_RW));
	CONF_OK(conf_unmap(d4, DOM, 0, 0x4fff));
	CONF_OK(conf_unmap(d4, DOM, 0x11000, CONF_INPUT_END));
	ck_assert_uint_eq(iref_iommu_domain_mappings(d4, DOM), 1);
}
END_TEST

/* C71: "UNMAP exactly one mapping -> S_OK, removed (example 2)." */
START_TEST(test_C71_unmap_exact_ok)
{
	struct iref_iommu *dev = map_dev_byte();
	CONF_OK(conf_map(dev, DOM, 0, 9, 0x1000, CONF_RW));
	CONF_OK(conf_unmap(dev, DOM, 0, 9));
	ck_assert_uint_eq(iref_iommu_domain_mappings(dev, DOM), 0);
	ck_assert(!mapped(dev, 0) && !mapped(dev, 9));
	struct iref_iommu *d4 = map_dev();
	CONF_OK(conf_map(d4, DOM, 0x10000, 0x19fff, 0x80000, CONF_RW));
	CONF_OK(conf_unmap(d4, DOM, 0x10000, 0x19fff));
	ck_assert_uint_eq(iref_iommu_domain_mappings(d4, DOM), 0);
}
END_TEST

/* C72: "UNMAP covering two contiguous mappings -> both removed (example
 * 3)." */
START_TEST(test_C72_unmap_two_contiguous)
{
	struct iref_iommu *dev = map_dev_byte();
	CONF_OK(conf_map(dev, DOM, 0, 4, 0x1000, CONF_RW));
	CONF_OK(conf_map(dev, DOM, 5, 9, 0x2000, CONF_RW));
	CONF_OK(conf_unmap(dev, DOM, 0, 9));
	ck_assert_uint_eq(iref_iommu_domain_mappings(dev, DOM), 0);
	ck_assert(!mapped(dev, 4) && !mapped(dev, 5));
}
END_TEST

/* C73: "UNMAP [0,4] of mapping [0,9] -> S_RANGE, nothing removed (example
 * 4)." */
START_TEST(test_C73_unmap_split_range)
{
	struct iref_iommu *dev = map_dev_byte();
	CONF_OK(conf_map(dev, DOM, 0, 9, 0x1000, CONF_RW));
	CONF_ST(conf_unmap(dev, DOM, 0, 4), IREF_S_RANGE);
	ck_assert_uint_eq(iref_iommu_domain_mappings(dev, DOM), 1);
	conf_expect_map(dev, CONF_EP1, 0, IREF_ACC_READ, 0x1000);
	conf_expect_map(dev, CONF_EP1, 9, IREF_ACC_READ, 0x1009);
	struct iref_iommu *d4 = map_dev();
	CONF_OK(conf_map(d4, DOM, 0x10000, 0x19fff, 0x80000, CONF_RW));
	CONF_ST(conf_unmap(d4, DOM, 0x10000, 0x14fff), IREF_S_RANGE);
	ck_assert_uint_eq(iref_iommu_domain_mappings(d4, DOM), 1);
}
END_TEST

/* C74: "UNMAP [0,4] with mappings [0,4],[5,9] -> only [0,4] removed
 * (example 5)." */
START_TEST(test_C74_unmap_first_of_two)
{
	struct iref_iommu *dev = map_dev_byte();
	CONF_OK(conf_map(dev, DOM, 0, 4, 0x1000, CONF_RW));
	CONF_OK(conf_map(dev, DOM, 5, 9, 0x2000, CONF_RW));
	CONF_OK(conf_unmap(dev, DOM, 0, 4));
	ck_assert_uint_eq(iref_iommu_domain_mappings(dev, DOM), 1);
	ck_assert(!mapped(dev, 0) && !mapped(dev, 4));
	conf_expect_map(dev, CONF_EP1, 5, IREF_ACC_READ, 0x2000);
	conf_expect_map(dev, CONF_EP1, 9, IREF_ACC_READ, 0x2004);
}
END_TEST

/* C75: "UNMAP [0,9] with mapping [0,4] -> S_OK, removed (example 6)." */
START_TEST(test_C75_unmap_larger_range)
{
	struct iref_iommu *dev = map_dev_byte();
	CONF_OK(conf_map(dev, DOM, 0, 4, 0x1000, CONF_RW));
	CONF_OK(conf_unmap(dev, DOM, 0, 9));
	ck_assert_uint_eq(iref_iommu_domain_mappings(dev, DOM), 0);
	ck_assert(!mapped(dev, 0));
}
END_TEST

/* C76: "UNMAP [0,14] with mappings [0,4],[10,14] -> both removed (example
 * 7)." */
START_TEST(test_C76_unmap_with_hole)
{
	struct iref_iommu *dev = map_dev_byte();
	CONF_OK(conf_map(dev, DOM, 0, 4, 0x1000, CONF_RW));
	CONF_OK(conf_map(dev, DOM, 10, 14, 0x2000, CONF_RW));
	CONF_OK(conf_map(dev, DOM, 15, 20, 0x3000, CONF_RW));
	CONF_OK(conf_unmap(dev, DOM, 0, 14));
	ck_assert_uint_eq(iref_iommu_domain_mappings(dev, DOM), 1);
	ck_assert(!mapped(dev, 0) && !mapped(dev, 14));
	conf_expect_map(dev, CONF_EP1, 15, IREF_ACC_READ, 0x3000);
	struct iref_iommu *d4 = map_dev();
	CONF_OK(conf_map(d4, DOM, 0x0, 0x4fff, 0x80000, CONF_RW));
	CONF_OK(conf_map(d4, DOM, 0xa000, 0xefff, 0x90000, CONF_RW));
	CONF_OK(conf_unmap(d4, DOM, 0, 0xefff));
	ck_assert_uint_eq(iref_iommu_domain_mappings(d4, DOM), 0);
}
END_TEST

/* C72/C76 at scale: 600 one-page mappings with one-page holes; an UNMAP
 * over a middle run removes exactly the mappings inside it, whatever the
 * device's internal layout (many tree nodes). */
START_TEST(test_C76_unmap_many_mappings)
{
	struct iref_iommu *dev = map_dev();
	const unsigned n = 600;
	for (unsigned i = 0; i < n; i++) {
		uint64_t va = 0x100000 + (uint64_t)i * 0x2000;
		CONF_OK(conf_map(dev, DOM, va, va + 0xfff,
				 0x40000000 + (uint64_t)i * 0x1000, CONF_RW));
	}
	ck_assert_uint_eq(iref_iommu_domain_mappings(dev, DOM), n);
	/* mappings 100..399 (the range starts and ends in holes) */
	uint64_t lo = 0x100000 + 100 * 0x2000 - 0x1000;
	uint64_t hi = 0x100000 + 399 * 0x2000 + 0x1fff;
	CONF_OK(conf_unmap(dev, DOM, lo, hi));
	ck_assert_uint_eq(iref_iommu_domain_mappings(dev, DOM), n - 300);
	for (unsigned i = 0; i < n; i++) {
		uint64_t va = 0x100000 + (uint64_t)i * 0x2000;
		bool want = i < 100 || i >= 400;
		ck_assert_msg(mapped(dev, va) == want && mapped(dev, va + 0xfff)
				== want, "mapping %u: mapped %d, expected %d",
			      i, mapped(dev, va), want);
		if (want && i % 50 == 0)
			conf_expect_map(dev, CONF_EP1, va + 8, IREF_ACC_READ,
					0x40000008 + (uint64_t)i * 0x1000);
	}
	/* everything */
	CONF_OK(conf_unmap(dev, DOM, 0, CONF_INPUT_END));
	ck_assert_uint_eq(iref_iommu_domain_mappings(dev, DOM), 0);
}
END_TEST

/* C77 at scale: 300 mappings fully covered and the last one split ->
 * S_RANGE and all 301 still there. */
START_TEST(test_C77_unmap_many_then_split_removes_nothing)
{
	struct iref_iommu *dev = map_dev();
	for (unsigned i = 0; i < 300; i++) {
		uint64_t va = (uint64_t)i * 0x1000;
		CONF_OK(conf_map(dev, DOM, va, va + 0xfff, va, CONF_RW));
	}
	CONF_OK(conf_map(dev, DOM, 300 * 0x1000, 300 * 0x1000 + 0x3fff,
			 0x80000000u, CONF_RW));
	CONF_ST(conf_unmap(dev, DOM, 0, 300 * 0x1000 + 0x1fff), IREF_S_RANGE);
	ck_assert_uint_eq(iref_iommu_domain_mappings(dev, DOM), 301);
	for (unsigned i = 0; i < 300; i += 37)
		conf_expect_map(dev, CONF_EP1, (uint64_t)i * 0x1000,
				IREF_ACC_READ, (uint64_t)i * 0x1000);
	/* Split at the start instead. */
	CONF_ST(conf_unmap(dev, DOM, 300 * 0x1000 + 0x1000, UINT64_MAX),
		IREF_S_RANGE);
	ck_assert_uint_eq(iref_iommu_domain_mappings(dev, DOM), 301);
}
END_TEST

/* C77: "UNMAP covering mapping A fully and splitting mapping B -> S_RANGE
 * and A is still mapped." [SPEC-S] B after A and B before A (a device
 * removing mappings in address order while checking would fail one of
 * them, cf. QEMU in section 9). */
START_TEST(test_C77_unmap_full_and_split_removes_nothing)
{
	struct iref_iommu *dev = map_dev_byte();
	CONF_OK(conf_map(dev, DOM, 0, 4, 0x1000, CONF_RW));   /* A */
	CONF_OK(conf_map(dev, DOM, 5, 9, 0x2000, CONF_RW));   /* B */
	CONF_OK(conf_map(dev, DOM, 20, 29, 0x3000, CONF_RW)); /* C */
	CONF_OK(conf_map(dev, DOM, 30, 34, 0x4000, CONF_RW)); /* D */
	CONF_ST(conf_unmap(dev, DOM, 0, 7), IREF_S_RANGE);    /* A + half B */
	CONF_ST(conf_unmap(dev, DOM, 25, 34), IREF_S_RANGE);  /* half C + D */
	CONF_ST(conf_unmap(dev, DOM, 0, 25), IREF_S_RANGE);   /* A,B + half C */
	ck_assert_uint_eq(iref_iommu_domain_mappings(dev, DOM), 4);
	conf_expect_map(dev, CONF_EP1, 0, IREF_ACC_READ, 0x1000);
	conf_expect_map(dev, CONF_EP1, 5, IREF_ACC_READ, 0x2000);
	conf_expect_map(dev, CONF_EP1, 20, IREF_ACC_READ, 0x3000);
	conf_expect_map(dev, CONF_EP1, 34, IREF_ACC_READ, 0x4004);
}
END_TEST

/* C78: "UNMAP whose first address lies inside a mapping but is not its
 * first address, or whose last address lies inside a mapping but is not
 * its last address -> S_RANGE, nothing removed." [SPEC-S] */
START_TEST(test_C78_unmap_edge_inside_mapping_range)
{
	struct iref_iommu *dev = map_dev_byte();
	CONF_OK(conf_map(dev, DOM, 10, 19, 0x1000, CONF_RW));
	CONF_ST(conf_unmap(dev, DOM, 11, 19), IREF_S_RANGE);
	CONF_ST(conf_unmap(dev, DOM, 11, 100), IREF_S_RANGE);
	CONF_ST(conf_unmap(dev, DOM, 10, 18), IREF_S_RANGE);
	CONF_ST(conf_unmap(dev, DOM, 0, 18), IREF_S_RANGE);
	CONF_ST(conf_unmap(dev, DOM, 12, 12), IREF_S_RANGE);
	CONF_ST(conf_unmap(dev, DOM, 19, 19), IREF_S_RANGE);
	CONF_ST(conf_unmap(dev, DOM, 10, 10), IREF_S_RANGE);
	ck_assert_uint_eq(iref_iommu_domain_mappings(dev, DOM), 1);
	conf_expect_map(dev, CONF_EP1, 10, IREF_ACC_READ, 0x1000);
	conf_expect_map(dev, CONF_EP1, 19, IREF_ACC_READ, 0x1009);
	CONF_OK(conf_unmap(dev, DOM, 10, 19));
}
END_TEST

/* C79: "UNMAP on a non-existent domain -> S_NOENT." [SPEC-S] */
START_TEST(test_C79_unmap_unknown_domain_noent)
{
	struct iref_iommu *dev = map_dev();
	CONF_ST(conf_unmap(dev, 2, 0, 0xfff), IREF_S_NOENT);
	CONF_ST(conf_unmap(dev, 0xffffffffu, 0, UINT64_MAX), IREF_S_NOENT);
	ck_assert(!iref_iommu_domain_exists(dev, 2));
}
END_TEST

/* C80: "UNMAP on a bypass domain -> S_INVAL." [SPEC-S] */
START_TEST(test_C80_unmap_bypass_domain_inval)
{
	struct iref_iommu *dev = conf_dev();
	CONF_OK(conf_attach(dev, 7, CONF_EP1, IREF_ATTACH_F_BYPASS));
	CONF_ST(conf_unmap(dev, 7, 0, 0xfff), IREF_S_INVAL);
	CONF_ST(conf_unmap(dev, 7, 0, UINT64_MAX), IREF_S_INVAL);
	ck_assert(iref_iommu_domain_exists(dev, 7));
	conf_expect_bypass(dev, CONF_EP1, 0x100, IREF_ACC_WRITE);
}
END_TEST

/* C81: "UNMAP with reserved != 0 is performed as if zero (oracle also
 * accepts S_INVAL, with the unmap performed or not)." [SPEC-MAY/MODEL]
 * Default reading: performed, S_OK. */
START_TEST(test_C81_unmap_reserved_ignored_default)
{
	struct iref_iommu *dev = map_dev();
	CONF_OK(conf_map(dev, DOM, 0x1000, 0x1fff, 0x51000, CONF_RW));
	CONF_OK(conf_map(dev, DOM, 0x3000, 0x3fff, 0x53000, CONF_RW));
	for (int i = 0; i < 4; i++) {
		uint8_t rd[IREF_UNMAP_RSIZE];
		iref_enc_unmap(rd, DOM, 0x1000, 0x1fff);
		rd[24 + i] = 0xff;
		CONF_OK(conf_send(dev, rd, sizeof(rd)));
		ck_assert_uint_eq(iref_iommu_domain_mappings(dev, DOM), 1);
	}
	/* Errors keep their statuses with reserved set. */
	uint8_t rd[IREF_UNMAP_RSIZE];
	iref_enc_unmap(rd, DOM, 0x3000, 0x37ff);
	rd[27] = 1;
	CONF_ST(conf_send(dev, rd, sizeof(rd)), IREF_S_RANGE);
	iref_enc_unmap(rd, DOM, 0x3000, 0x3fff);
	rd[25] = 1;
	CONF_OK(conf_send(dev, rd, sizeof(rd)));
	ck_assert_uint_eq(iref_iommu_domain_mappings(dev, DOM), 0);
	conf_expect_fault(dev, CONF_EP1, 0x3000, IREF_ACC_READ,
			  IREF_R_MAPPING);
}
END_TEST

/* C81, MODEL alternative: unmap_reserved_inval answers S_INVAL and
 * performs nothing. */
START_TEST(test_C81_unmap_reserved_inval_option)
{
	struct iref_config cfg;
	conf_cfg(&cfg);
	cfg.opt.unmap_reserved_inval = true;
	struct iref_iommu *dev = map_dev_cfg(&cfg);
	CONF_OK(conf_map(dev, DOM, 0x1000, 0x1fff, 0x51000, CONF_RW));
	uint8_t rd[IREF_UNMAP_RSIZE];
	iref_enc_unmap(rd, DOM, 0x1000, 0x1fff);
	rd[26] = 0x10;
	CONF_ST(conf_send(dev, rd, sizeof(rd)), IREF_S_INVAL);
	ck_assert_uint_eq(iref_iommu_domain_mappings(dev, DOM), 1);
	conf_expect_map(dev, CONF_EP1, 0x1000, IREF_ACC_READ, 0x51000);
	/* Zero reserved still works. */
	CONF_OK(conf_unmap(dev, DOM, 0x1000, 0x1fff));
	ck_assert_uint_eq(iref_iommu_domain_mappings(dev, DOM), 0);
}
END_TEST

/* C82: "UNMAP with virt_end < virt_start -> S_INVAL." [MODEL] virt_end ==
 * virt_start is a legal one-byte range. */
START_TEST(test_C82_unmap_end_below_start_inval)
{
	struct iref_iommu *dev = map_dev_byte();
	CONF_OK(conf_map(dev, DOM, 10, 19, 0x1000, CONF_RW));
	CONF_ST(conf_unmap(dev, DOM, 19, 10), IREF_S_INVAL);
	CONF_ST(conf_unmap(dev, DOM, UINT64_MAX, 0), IREF_S_INVAL);
	CONF_ST(conf_unmap(dev, DOM, 1, 0), IREF_S_INVAL);
	ck_assert_uint_eq(iref_iommu_domain_mappings(dev, DOM), 1);
	CONF_OK(conf_unmap(dev, DOM, 5, 5));
	CONF_OK(conf_unmap(dev, DOM, 20, 20));
	ck_assert_uint_eq(iref_iommu_domain_mappings(dev, DOM), 1);
	/* The smallest mapping has 2 bytes (C57): UNMAP [x, x] inside it
	 * splits it. */
	CONF_OK(conf_map(dev, DOM, 30, 31, 0x2000, CONF_RW));
	CONF_ST(conf_unmap(dev, DOM, 30, 30), IREF_S_RANGE);
	CONF_OK(conf_unmap(dev, DOM, 30, 31));
}
END_TEST

/* C83: "After UNMAP -> S_OK, DMA to the removed range faults R_MAPPING."
 * [SPEC-i] For every endpoint of the domain, at both ends. */
START_TEST(test_C83_dma_after_unmap_faults)
{
	struct iref_iommu *dev = map_dev();
	CONF_OK(conf_attach(dev, DOM, CONF_EP2, 0));
	CONF_OK(conf_map(dev, DOM, 0x10000, 0x1ffff, 0x80000, CONF_RW));
	CONF_OK(conf_map(dev, DOM, 0x20000, 0x20fff, 0x90000, CONF_RW));
	conf_expect_map(dev, CONF_EP2, 0x1ffff, IREF_ACC_WRITE, 0x8ffff);
	CONF_OK(conf_unmap(dev, DOM, 0x10000, 0x1ffff));
	uint32_t eps[2] = { CONF_EP1, CONF_EP2 };
	for (int i = 0; i < 2; i++) {
		conf_expect_fault(dev, eps[i], 0x10000, IREF_ACC_READ,
				  IREF_R_MAPPING);
		conf_expect_fault(dev, eps[i], 0x1ffff, IREF_ACC_WRITE,
				  IREF_R_MAPPING);
		conf_expect_map(dev, eps[i], 0x20000, IREF_ACC_READ, 0x90000);
	}
	/* The range can be mapped again, elsewhere. */
	CONF_OK(conf_map(dev, DOM, 0x10000, 0x1ffff, 0xa0000, CONF_R));
	conf_expect_map(dev, CONF_EP1, 0x10000, IREF_ACC_READ, 0xa0000);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("conf_map");
	TCase *tc = conf_tcase(s, "C51-C83");
	tcase_add_test(tc, test_C51_map_unknown_flag_inval);
	tcase_add_test(tc, test_C52_map_mmio_without_feature_inval);
	tcase_add_test(tc, test_C53_map_unknown_domain_noent);
	tcase_add_test(tc, test_C54_map_bypass_domain_inval);
	tcase_add_test(tc, test_C55_map_unaligned_range);
	tcase_add_test(tc, test_C55_granule_is_lowest_mask_bit);
	tcase_add_test(tc, test_C56_map_virt_end_max_aligned);
	tcase_add_test(tc, test_C57_map_end_not_above_start_inval);
	tcase_add_test(tc, test_C58_map_outside_input_range);
	tcase_add_test(tc,
		       test_C58_input_range_checked_when_offered_not_negotiated);
	tcase_add_test(tc, test_C59_map_phys_wrap_range);
	tcase_add_test(tc, test_C59_map_beyond_guest_pa_bits);
	tcase_add_test(tc, test_C60_map_overlap_one_byte_inval);
	tcase_add_test(tc, test_C60_map_overlap_page_inval);
	tcase_add_test(tc, test_C61_map_adjacent_ok);
	tcase_add_test(tc, test_C62_map_over_resv_region_inval);
	tcase_add_test(tc, test_C62_region_of_second_endpoint_counts);
	tcase_add_test(tc, test_C63_map_translation_both_ends);
	tcase_add_test(tc, test_C63_map_translation_byte_granule);
	tcase_add_test(tc, test_C64_write_to_readonly_faults);
	tcase_add_test(tc, test_C65_read_from_writeonly_faults_strict);
	tcase_add_test(tc, test_C65_write_implies_read_option);
	tcase_add_test(tc, test_C66_map_no_perms_all_fault);
	tcase_add_test(tc, test_C67_mapping_capacity_nomem);
	tcase_add_test(tc, test_C68_map_unmap_not_negotiated_unsupp);
	tcase_add_test(tc, test_C68_map_unmap_not_offered_unsupp);
	tcase_add_test(tc, test_C69_base_profile_no_table_domain);
	tcase_add_test(tc, test_C70_unmap_empty_ok);
	tcase_add_test(tc, test_C71_unmap_exact_ok);
	tcase_add_test(tc, test_C72_unmap_two_contiguous);
	tcase_add_test(tc, test_C73_unmap_split_range);
	tcase_add_test(tc, test_C74_unmap_first_of_two);
	tcase_add_test(tc, test_C75_unmap_larger_range);
	tcase_add_test(tc, test_C76_unmap_with_hole);
	tcase_add_test(tc, test_C76_unmap_many_mappings);
	tcase_add_test(tc, test_C77_unmap_full_and_split_removes_nothing);
	tcase_add_test(tc, test_C77_unmap_many_then_split_removes_nothing);
	tcase_add_test(tc, test_C78_unmap_edge_inside_mapping_range);
	tcase_add_test(tc, test_C79_unmap_unknown_domain_noent);
	tcase_add_test(tc, test_C80_unmap_bypass_domain_inval);
	tcase_add_test(tc, test_C81_unmap_reserved_ignored_default);
	tcase_add_test(tc, test_C81_unmap_reserved_inval_option);
	tcase_add_test(tc, test_C82_unmap_end_below_start_inval);
	tcase_add_test(tc, test_C83_dma_after_unmap_faults);
	return s;
}

int main(void)
{
	return iref_test_run(suite());
}
