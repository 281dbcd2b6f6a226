/* Conformance: ATTACH and DETACH (virtio-iommu.md sections 3.1-3.3;
 * checklist C29-C50). */
#include "conf_util.h"
#include "testutil.h"

/* ------------------------------------------------------------------ */
/* ATTACH                                                               */

/* C29: "ATTACH with reserved != 0 -> S_INVAL, nothing attached."
 * [SPEC-M] Each of the four reserved bytes, for a new domain and for a
 * move out of an existing one. */
START_TEST(test_C29_attach_reserved_nonzero_inval)
{
	struct iref_iommu *dev = conf_dev();
	CONF_OK(conf_attach(dev, 1, CONF_EP2, 0));
	CONF_OK(conf_map(dev, 1, 0x1000, 0x1fff, 0x8000, CONF_RW));
	for (int i = 0; i < 4; i++) {
		uint8_t rd[IREF_ATTACH_RSIZE];
		/* new domain 5 for ep1 */
		iref_enc_attach(rd, 5, CONF_EP1, 0);
		rd[16 + i] = (uint8_t)(1u << i);
		CONF_ST(conf_send(dev, rd, sizeof(rd)), IREF_S_INVAL);
		ck_assert_int_eq(conf_ep_dom(dev, CONF_EP1), -1);
		ck_assert(!iref_iommu_domain_exists(dev, 5));
		/* move ep2 from domain 1 (it would be destroyed) */
		iref_enc_attach(rd, 5, CONF_EP2, 0);
		rd[16 + i] = 0xff;
		CONF_ST(conf_send(dev, rd, sizeof(rd)), IREF_S_INVAL);
		ck_assert_int_eq(conf_ep_dom(dev, CONF_EP2), 1);
		ck_assert(iref_iommu_domain_exists(dev, 1));
		ck_assert(!iref_iommu_domain_exists(dev, 5));
		conf_expect_map(dev, CONF_EP2, 0x1000, IREF_ACC_READ, 0x8000);
	}
	/* Bypass flavour too. */
	uint8_t rd[IREF_ATTACH_RSIZE];
	iref_enc_attach(rd, 6, CONF_EP3, IREF_ATTACH_F_BYPASS);
	rd[19] = 0x80;
	CONF_ST(conf_send(dev, rd, sizeof(rd)), IREF_S_INVAL);
	ck_assert(!iref_iommu_domain_exists(dev, 6));
}
END_TEST

/* C30: "ATTACH with any flags bit other than bit 0 -> S_INVAL." [SPEC-M] */
START_TEST(test_C30_attach_unknown_flag_inval)
{
	struct iref_iommu *dev = conf_dev();
	for (unsigned bit = 1; bit < 32; bit++) {
		CONF_ST(conf_attach(dev, 5, CONF_EP1, 1u << bit),
			IREF_S_INVAL);
		CONF_ST(conf_attach(dev, 5, CONF_EP1,
				    (1u << bit) | IREF_ATTACH_F_BYPASS),
			IREF_S_INVAL);
	}
	ck_assert_int_eq(conf_ep_dom(dev, CONF_EP1), -1);
	ck_assert(!iref_iommu_domain_exists(dev, 5));
	ck_assert_uint_eq(iref_iommu_domain_count(dev), 0);
}
END_TEST

/* C31: "ATTACH with ATTACH_F_BYPASS when BYPASS_CONFIG not negotiated ->
 * S_INVAL." [MODEL] Offered but not negotiated. */
START_TEST(test_C31_attach_bypass_flag_without_bypass_config_inval)
{
	struct iref_config cfg;
	conf_cfg(&cfg);
	struct iref_iommu *dev = conf_new_unnegotiated(&cfg);
	conf_negotiate_without(dev, IREF_FEAT(IREF_F_BYPASS_CONFIG));
	CONF_ST(conf_attach(dev, 5, CONF_EP1, IREF_ATTACH_F_BYPASS),
		IREF_S_INVAL);
	ck_assert_int_eq(conf_ep_dom(dev, CONF_EP1), -1);
	ck_assert(!iref_iommu_domain_exists(dev, 5));
	/* The plain ATTACH still works. */
	CONF_OK(conf_attach(dev, 5, CONF_EP1, 0));
}
END_TEST

/* C31 with a legacy-profile device (F_BYPASS offered instead of
 * F_BYPASS_CONFIG): bit 0 is unrecognised. */
START_TEST(test_C31_attach_bypass_flag_legacy_profile_inval)
{
	struct iref_config cfg;
	conf_cfg(&cfg);
	cfg.features &= ~IREF_FEAT(IREF_F_BYPASS_CONFIG);
	cfg.features |= IREF_FEAT(IREF_F_BYPASS);
	struct iref_iommu *dev = conf_new(&cfg);
	CONF_ST(conf_attach(dev, 5, CONF_EP1, IREF_ATTACH_F_BYPASS),
		IREF_S_INVAL);
	ck_assert_int_eq(conf_ep_dom(dev, CONF_EP1), -1);
}
END_TEST

/* C32: "ATTACH of a non-existent endpoint -> S_NOENT." [SPEC-M] No domain
 * is created. */
START_TEST(test_C32_attach_unknown_endpoint_noent)
{
	struct iref_iommu *dev = conf_dev();
	CONF_ST(conf_attach(dev, 5, CONF_EP_NONE, 0), IREF_S_NOENT);
	CONF_ST(conf_attach(dev, 6, 0, 0), IREF_S_NOENT);
	CONF_ST(conf_attach(dev, 7, 0xffffffffu, IREF_ATTACH_F_BYPASS),
		IREF_S_NOENT);
	ck_assert_uint_eq(iref_iommu_domain_count(dev), 0);
	ck_assert(!iref_iommu_domain_exists(dev, 5));
	/* Joining an existing domain: same answer, domain unchanged. */
	CONF_OK(conf_attach(dev, 5, CONF_EP1, 0));
	CONF_ST(conf_attach(dev, 5, CONF_EP_NONE, 0), IREF_S_NOENT);
	ck_assert_uint_eq(iref_iommu_domain_count(dev), 1);
}
END_TEST

/* C32 with the model's evaluation order (section 3.2: first match wins):
 * reserved / flags are checked before the endpoint. */
START_TEST(test_C32_order_reserved_and_flags_before_noent)
{
	struct iref_iommu *dev = conf_dev();
	uint8_t rd[IREF_ATTACH_RSIZE];
	iref_enc_attach(rd, 5, CONF_EP_NONE, 0);
	rd[16] = 1;
	CONF_ST(conf_send(dev, rd, sizeof(rd)), IREF_S_INVAL);
	CONF_ST(conf_attach(dev, 5, CONF_EP_NONE, 0x100), IREF_S_INVAL);
}
END_TEST

/* C33: "ATTACH with domain outside domain_range (DOMAIN_RANGE offered) ->
 * S_RANGE." [MODEL] Both edges. */
START_TEST(test_C33_attach_domain_out_of_range)
{
	struct iref_config cfg;
	conf_cfg(&cfg);
	cfg.domain_start = 10;
	cfg.domain_end = 100;
	struct iref_iommu *dev = conf_new(&cfg);
	CONF_ST(conf_attach(dev, 9, CONF_EP1, 0), IREF_S_RANGE);
	CONF_ST(conf_attach(dev, 0, CONF_EP1, 0), IREF_S_RANGE);
	CONF_ST(conf_attach(dev, 101, CONF_EP1, 0), IREF_S_RANGE);
	CONF_ST(conf_attach(dev, 0xffffffffu, CONF_EP1, IREF_ATTACH_F_BYPASS),
		IREF_S_RANGE);
	ck_assert_int_eq(conf_ep_dom(dev, CONF_EP1), -1);
	ck_assert_uint_eq(iref_iommu_domain_count(dev), 0);
	CONF_OK(conf_attach(dev, 10, CONF_EP1, 0));
	CONF_OK(conf_attach(dev, 100, CONF_EP2, 0));
	/* A failed move keeps the endpoint where it was. */
	CONF_ST(conf_attach(dev, 101, CONF_EP1, 0), IREF_S_RANGE);
	ck_assert_int_eq(conf_ep_dom(dev, CONF_EP1), 10);
}
END_TEST

/* C33 / G6: the range is checked whenever DOMAIN_RANGE is offered, even
 * if the driver did not negotiate it. */
START_TEST(test_C33_domain_range_checked_when_offered_not_negotiated)
{
	struct iref_config cfg;
	conf_cfg(&cfg);
	cfg.domain_start = 1;
	cfg.domain_end = 8;
	struct iref_iommu *dev = conf_new_unnegotiated(&cfg);
	conf_negotiate_without(dev, IREF_FEAT(IREF_F_DOMAIN_RANGE));
	CONF_ST(conf_attach(dev, 9, CONF_EP1, 0), IREF_S_RANGE);
	CONF_ST(conf_attach(dev, 0, CONF_EP1, 0), IREF_S_RANGE);
	CONF_OK(conf_attach(dev, 8, CONF_EP1, 0));
}
END_TEST

/* C33: the default domain_range is [0, 2^32 - 1]: every ID is valid. */
START_TEST(test_C33_default_range_accepts_every_id)
{
	struct iref_iommu *dev = conf_dev();
	uint8_t c[IREF_CONFIG_SPACE_SIZE];
	iref_iommu_config_read(dev, c);
	ck_assert_uint_eq(iref_le32(c + 0x18), 0);
	ck_assert_uint_eq(iref_le32(c + 0x1c), 0xffffffffu);
	CONF_OK(conf_attach(dev, 0, CONF_EP1, 0));
	CONF_OK(conf_attach(dev, 0xffffffffu, CONF_EP2, 0));
}
END_TEST

/* C34: "ATTACH to a new domain ID -> S_OK and the endpoint is attached
 * [SPEC-M]; its DMA is blocked while the domain is empty [SPEC-i]; the
 * model reports R_MAPPING (+F_ADDRESS) [MODEL]." Also with config
 * bypass = 1: attaching ends bypass. */
START_TEST(test_C34_attach_new_domain_blocks_dma)
{
	struct iref_iommu *dev = conf_dev();
	conf_expect_bypass(dev, CONF_EP1, 0x1000, IREF_ACC_READ);
	CONF_OK(conf_attach(dev, 42, CONF_EP1, 0));
	ck_assert_int_eq(conf_ep_dom(dev, CONF_EP1), 42);
	ck_assert(iref_iommu_domain_exists(dev, 42));
	ck_assert_uint_eq(iref_iommu_domain_mappings(dev, 42), 0);
	ck_assert_uint_eq(iref_iommu_domain_count(dev), 1);
	conf_expect_fault(dev, CONF_EP1, 0x1000, IREF_ACC_READ,
			  IREF_R_MAPPING);
	conf_expect_fault(dev, CONF_EP1, 0xabcdef, IREF_ACC_WRITE,
			  IREF_R_MAPPING);
	conf_expect_fault(dev, CONF_EP1, 0, IREF_ACC_EXEC, IREF_R_MAPPING);
	/* Others are unaffected. */
	conf_expect_bypass(dev, CONF_EP2, 0x1000, IREF_ACC_READ);
}
END_TEST

/* C35: "Second endpoint attached to the same domain -> S_OK; both see
 * every mapping of the domain." [SPEC-MAY/MODEL] */
START_TEST(test_C35_shared_domain_both_see_mappings)
{
	struct iref_iommu *dev = conf_dev();
	CONF_OK(conf_attach(dev, 1, CONF_EP1, 0));
	CONF_OK(conf_map(dev, 1, 0x1000, 0x1fff, 0x11000, CONF_RW));
	CONF_OK(conf_attach(dev, 1, CONF_EP2, 0));
	CONF_OK(conf_map(dev, 1, 0x4000, 0x5fff, 0x24000, CONF_R));
	ck_assert_int_eq(conf_ep_dom(dev, CONF_EP1), 1);
	ck_assert_int_eq(conf_ep_dom(dev, CONF_EP2), 1);
	ck_assert_uint_eq(iref_iommu_domain_count(dev), 1);
	uint32_t eps[2] = { CONF_EP1, CONF_EP2 };
	for (int i = 0; i < 2; i++) {
		conf_expect_map(dev, eps[i], 0x1abc, IREF_ACC_WRITE, 0x11abc);
		conf_expect_map(dev, eps[i], 0x5fff, IREF_ACC_READ, 0x25fff);
		conf_expect_fault(dev, eps[i], 0x4000, IREF_ACC_WRITE,
				  IREF_R_MAPPING);
	}
	/* An UNMAP is seen by both too. */
	CONF_OK(conf_unmap(dev, 1, 0x1000, 0x1fff));
	for (int i = 0; i < 2; i++)
		conf_expect_fault(dev, eps[i], 0x1abc, IREF_ACC_READ,
				  IREF_R_MAPPING);
}
END_TEST

/* C35a: "With max_endpoints_per_domain = 1, a second ATTACH to the same
 * domain -> S_UNSUPP, and nothing changes." [SPEC-M] */
START_TEST(test_C35a_endpoint_cap_unsupp_no_change)
{
	struct iref_config cfg;
	conf_cfg(&cfg);
	cfg.opt.max_endpoints_per_domain = 1;
	struct iref_iommu *dev = conf_new(&cfg);
	CONF_OK(conf_attach(dev, 1, CONF_EP1, 0));
	CONF_OK(conf_map(dev, 1, 0x1000, 0x1fff, 0x11000, CONF_RW));
	CONF_OK(conf_attach(dev, 2, CONF_EP2, 0));
	CONF_OK(conf_map(dev, 2, 0x1000, 0x1fff, 0x22000, CONF_RW));
	struct conf_snap before;
	conf_snap_take(dev, &before);
	/* ep2 (sole member of 2) into 1: would destroy 2 if it moved. */
	CONF_ST(conf_attach(dev, 1, CONF_EP2, 0), IREF_S_UNSUPP);
	/* ep3 (unattached) into 1. */
	CONF_ST(conf_attach(dev, 1, CONF_EP3, 0), IREF_S_UNSUPP);
	conf_snap_check(dev, &before, "C35a cap");
	ck_assert_int_eq(conf_ep_dom(dev, CONF_EP2), 2);
	conf_expect_map(dev, CONF_EP2, 0x1000, IREF_ACC_READ, 0x22000);
	/* The cap is per domain: a new domain is fine. */
	CONF_OK(conf_attach(dev, 3, CONF_EP3, 0));
}
END_TEST

/* C35a with bypass domains: the cap applies to them too. */
START_TEST(test_C35a_endpoint_cap_bypass_domain)
{
	struct iref_config cfg;
	conf_cfg(&cfg);
	cfg.opt.max_endpoints_per_domain = 2;
	struct iref_iommu *dev = conf_new(&cfg);
	CONF_OK(conf_attach(dev, 7, CONF_EP1, IREF_ATTACH_F_BYPASS));
	CONF_OK(conf_attach(dev, 7, CONF_EP2, IREF_ATTACH_F_BYPASS));
	CONF_ST(conf_attach(dev, 7, CONF_EP3, IREF_ATTACH_F_BYPASS),
		IREF_S_UNSUPP);
	ck_assert_int_eq(conf_ep_dom(dev, CONF_EP3), -1);
}
END_TEST

/* C35a / C37: re-attaching a member to its own domain is not a second
 * endpoint; with the cap reached it is still the S_OK no-op. */
START_TEST(test_C35a_reattach_member_not_capped)
{
	struct iref_config cfg;
	conf_cfg(&cfg);
	cfg.opt.max_endpoints_per_domain = 1;
	struct iref_iommu *dev = conf_new(&cfg);
	CONF_OK(conf_attach(dev, 1, CONF_EP1, 0));
	CONF_OK(conf_map(dev, 1, 0x1000, 0x1fff, 0x11000, CONF_RW));
	CONF_OK(conf_attach(dev, 1, CONF_EP1, 0));
	ck_assert_uint_eq(iref_iommu_domain_mappings(dev, 1), 1);
	conf_expect_map(dev, CONF_EP1, 0x1000, IREF_ACC_READ, 0x11000);
}
END_TEST

/* C36: "ATTACH of an endpoint attached to A into B -> S_OK; A's mappings
 * are no longer reachable by it; A is destroyed if it became empty (MAP to
 * A -> S_NOENT)." [SPEC-S] */
START_TEST(test_C36_move_destroys_empty_old_domain)
{
	struct iref_iommu *dev = conf_dev();
	CONF_OK(conf_attach(dev, 1, CONF_EP1, 0));
	CONF_OK(conf_map(dev, 1, 0x1000, 0x1fff, 0x11000, CONF_RW));
	CONF_OK(conf_attach(dev, 2, CONF_EP1, 0));
	ck_assert_int_eq(conf_ep_dom(dev, CONF_EP1), 2);
	ck_assert(!iref_iommu_domain_exists(dev, 1));
	ck_assert(iref_iommu_domain_exists(dev, 2));
	ck_assert_uint_eq(iref_iommu_domain_count(dev), 1);
	conf_expect_fault(dev, CONF_EP1, 0x1000, IREF_ACC_READ,
			  IREF_R_MAPPING);
	CONF_ST(conf_map(dev, 1, 0x1000, 0x1fff, 0x11000, CONF_RW),
		IREF_S_NOENT);
	CONF_ST(conf_unmap(dev, 1, 0, 0xffff), IREF_S_NOENT);
	/* Re-creating 1 starts empty. */
	CONF_OK(conf_attach(dev, 1, CONF_EP2, 0));
	ck_assert_uint_eq(iref_iommu_domain_mappings(dev, 1), 0);
	conf_expect_fault(dev, CONF_EP2, 0x1000, IREF_ACC_READ,
			  IREF_R_MAPPING);
}
END_TEST

/* C36: when A keeps another endpoint it survives with its mappings; the
 * moved endpoint sees B's mappings only. Also map -> bypass domain. */
START_TEST(test_C36_move_keeps_shared_old_domain)
{
	struct iref_iommu *dev = conf_dev();
	CONF_OK(conf_attach(dev, 1, CONF_EP1, 0));
	CONF_OK(conf_attach(dev, 1, CONF_EP2, 0));
	CONF_OK(conf_map(dev, 1, 0x1000, 0x1fff, 0x11000, CONF_RW));
	CONF_OK(conf_attach(dev, 2, CONF_EP3, 0));
	CONF_OK(conf_map(dev, 2, 0x1000, 0x1fff, 0x22000, CONF_RW));
	CONF_OK(conf_attach(dev, 2, CONF_EP1, 0));
	ck_assert(iref_iommu_domain_exists(dev, 1));
	ck_assert_uint_eq(iref_iommu_domain_mappings(dev, 1), 1);
	conf_expect_map(dev, CONF_EP1, 0x1000, IREF_ACC_READ, 0x22000);
	conf_expect_map(dev, CONF_EP2, 0x1000, IREF_ACC_READ, 0x11000);
	/* Move ep2 into a bypass domain: 1 dies, ep2 is identity. */
	CONF_OK(conf_attach(dev, 3, CONF_EP2, IREF_ATTACH_F_BYPASS));
	ck_assert(!iref_iommu_domain_exists(dev, 1));
	conf_expect_bypass(dev, CONF_EP2, 0x1000, IREF_ACC_WRITE);
	/* And back from bypass into a map domain. */
	CONF_OK(conf_attach(dev, 2, CONF_EP2, 0));
	ck_assert(!iref_iommu_domain_exists(dev, 3));
	conf_expect_map(dev, CONF_EP2, 0x1000, IREF_ACC_READ, 0x22000);
}
END_TEST

/* C36a: "ATTACH of an endpoint that holds per-PASID table attachments
 * (F_ATTACH_TABLE) -> S_UNSUPP, attachments unchanged." [SPEC-M via EXT]
 * Base profile part: without F_ATTACH_TABLE no request can create a
 * per-PASID attachment (an INTEL_PT ATTACH_TABLE is an unknown type, len0),
 * so an endpoint is always movable: ATTACH -> S_OK. The extension part
 * comes with ATTACH_TABLE (the page-table extension issue). */
START_TEST(test_C36a_base_profile_no_pasid_attachment_attach_moves)
{
	struct iref_iommu *dev = conf_dev();
	uint8_t rd[IREF_ATTACH_TABLE_RSIZE], wr[4];
	memset(rd, 0, sizeof(rd));
	rd[0] = IREF_T_ATTACH_TABLE;
	iref_put_le32(rd + 4, 1);
	iref_put_le32(rd + 8, CONF_EP1);
	rd[12] = 2;			   /* INTEL_PT */
	iref_put_le32(rd + 16, 5);	   /* pasid */
	iref_put_le32(rd + 20, 1);	   /* ATTACH_TABLE_F_PASID */
	iref_put_le64(rd + 32, 0x100000);  /* pgtbl_addr */
	iref_put_le32(rd + 40, 48);	   /* addr_width */
	ck_assert_uint_eq(conf_raw(dev, rd, sizeof(rd), wr, 4, CONF_FILL), 0);
	ck_assert_int_eq(conf_ep_dom(dev, CONF_EP1), -1);
	ck_assert(!iref_iommu_domain_exists(dev, 1));
	CONF_OK(conf_attach(dev, 2, CONF_EP1, 0));
	CONF_OK(conf_attach(dev, 3, CONF_EP1, 0));
	ck_assert_int_eq(conf_ep_dom(dev, CONF_EP1), 3);
}
END_TEST

/* C37: "ATTACH to the domain the endpoint is already in -> S_OK, mappings
 * preserved." [MODEL] Sole member (QEMU destroys/recreates here, §9) and
 * shared domain; bypass domain too. */
START_TEST(test_C37_reattach_same_domain_keeps_mappings)
{
	struct iref_iommu *dev = conf_dev();
	CONF_OK(conf_attach(dev, 1, CONF_EP1, 0));
	CONF_OK(conf_map(dev, 1, 0x1000, 0x1fff, 0x11000, CONF_RW));
	CONF_OK(conf_map(dev, 1, 0x3000, 0x3fff, 0x13000, CONF_R));
	CONF_OK(conf_attach(dev, 1, CONF_EP1, 0));
	ck_assert_int_eq(conf_ep_dom(dev, CONF_EP1), 1);
	ck_assert_uint_eq(iref_iommu_domain_mappings(dev, 1), 2);
	conf_expect_map(dev, CONF_EP1, 0x1000, IREF_ACC_WRITE, 0x11000);
	conf_expect_map(dev, CONF_EP1, 0x3fff, IREF_ACC_READ, 0x13fff);
	CONF_OK(conf_attach(dev, 1, CONF_EP2, 0));
	CONF_OK(conf_attach(dev, 1, CONF_EP2, 0));
	ck_assert_uint_eq(iref_iommu_domain_mappings(dev, 1), 2);
	ck_assert_uint_eq(iref_iommu_domain_count(dev), 1);
	conf_expect_map(dev, CONF_EP2, 0x1000, IREF_ACC_READ, 0x11000);
	CONF_OK(conf_attach(dev, 9, CONF_EP3, IREF_ATTACH_F_BYPASS));
	CONF_OK(conf_attach(dev, 9, CONF_EP3, IREF_ATTACH_F_BYPASS));
	ck_assert_int_eq(conf_ep_dom(dev, CONF_EP3), 9);
	conf_expect_bypass(dev, CONF_EP3, 0x1000, IREF_ACC_WRITE);
}
END_TEST

/* C38: "ATTACH with ATTACH_F_BYPASS to an existing non-bypass domain ->
 * S_INVAL and the endpoint's previous attachment is unchanged."
 * [SPEC-S/MODEL] */
START_TEST(test_C38_bypass_flag_to_map_domain_inval)
{
	struct iref_iommu *dev = conf_dev();
	CONF_OK(conf_attach(dev, 1, CONF_EP1, 0));
	CONF_OK(conf_map(dev, 1, 0x1000, 0x1fff, 0x11000, CONF_RW));
	CONF_OK(conf_attach(dev, 2, CONF_EP2, 0));
	CONF_OK(conf_map(dev, 2, 0x1000, 0x1fff, 0x22000, CONF_RW));
	CONF_ST(conf_attach(dev, 1, CONF_EP2, IREF_ATTACH_F_BYPASS),
		IREF_S_INVAL);
	ck_assert_int_eq(conf_ep_dom(dev, CONF_EP2), 2);
	ck_assert(iref_iommu_domain_exists(dev, 2));
	conf_expect_map(dev, CONF_EP2, 0x1000, IREF_ACC_READ, 0x22000);
	/* The target domain is unchanged too. */
	ck_assert_uint_eq(iref_iommu_domain_mappings(dev, 1), 1);
	conf_expect_map(dev, CONF_EP1, 0x1000, IREF_ACC_READ, 0x11000);
	/* Unattached endpoint: stays unattached (and in config bypass). */
	CONF_ST(conf_attach(dev, 1, CONF_EP3, IREF_ATTACH_F_BYPASS),
		IREF_S_INVAL);
	ck_assert_int_eq(conf_ep_dom(dev, CONF_EP3), -1);
	conf_expect_bypass(dev, CONF_EP3, 0x1000, IREF_ACC_READ);
}
END_TEST

/* C39: "ATTACH without ATTACH_F_BYPASS to an existing bypass domain ->
 * S_INVAL." [SPEC-S] Previous attachment unchanged. */
START_TEST(test_C39_plain_attach_to_bypass_domain_inval)
{
	struct iref_iommu *dev = conf_dev_nobypass();
	CONF_OK(conf_attach(dev, 7, CONF_EP1, IREF_ATTACH_F_BYPASS));
	CONF_OK(conf_attach(dev, 2, CONF_EP2, 0));
	CONF_OK(conf_map(dev, 2, 0x1000, 0x1fff, 0x22000, CONF_RW));
	CONF_ST(conf_attach(dev, 7, CONF_EP2, 0), IREF_S_INVAL);
	ck_assert_int_eq(conf_ep_dom(dev, CONF_EP2), 2);
	conf_expect_map(dev, CONF_EP2, 0x1000, IREF_ACC_READ, 0x22000);
	CONF_ST(conf_attach(dev, 7, CONF_EP3, 0), IREF_S_INVAL);
	ck_assert_int_eq(conf_ep_dom(dev, CONF_EP3), -1);
	conf_expect_fault(dev, CONF_EP3, 0x1000, IREF_ACC_READ, IREF_R_DOMAIN);
	conf_expect_bypass(dev, CONF_EP1, 0x1000, IREF_ACC_READ);
}
END_TEST

/* C40: "ATTACH with ATTACH_F_BYPASS creates a bypass domain; its
 * endpoints' DMA is identity-mapped with all permissions." [SPEC] */
START_TEST(test_C40_bypass_domain_identity_all_perms)
{
	struct iref_iommu *dev = conf_dev_nobypass();
	conf_expect_fault(dev, CONF_EP1, 0x1234, IREF_ACC_READ, IREF_R_DOMAIN);
	CONF_OK(conf_attach(dev, 7, CONF_EP1, IREF_ATTACH_F_BYPASS));
	ck_assert(iref_iommu_domain_exists(dev, 7));
	ck_assert_int_eq(conf_ep_dom(dev, CONF_EP1), 7);
	static const uint64_t iovas[] = { 0, 0x1234, 0xfffff000,
					  CONF_INPUT_END };
	for (size_t i = 0; i < sizeof(iovas) / sizeof(iovas[0]); i++) {
		struct iref_dma_result r = conf_expect_bypass(
			dev, CONF_EP1, iovas[i], IREF_ACC_READ);
		ck_assert_uint_eq(r.perm & (IREF_PERM_R | IREF_PERM_W),
				  IREF_PERM_R | IREF_PERM_W);
		conf_expect_bypass(dev, CONF_EP1, iovas[i], IREF_ACC_WRITE);
		conf_expect_bypass(dev, CONF_EP1, iovas[i], IREF_ACC_EXEC);
	}
	/* A second endpoint joins with the flag. */
	CONF_OK(conf_attach(dev, 7, CONF_EP2, IREF_ATTACH_F_BYPASS));
	conf_expect_bypass(dev, CONF_EP2, 0x5000, IREF_ACC_WRITE);
	ck_assert_uint_eq(iref_iommu_domain_mappings(dev, 7), 0);
	ck_assert_uint_eq(iref_events_pending(dev), 0);
}
END_TEST

/* C41: "ATTACH (plain) to a table domain -> S_INVAL." [MODEL] Base profile
 * part: no request can create a table domain (ATTACH_TABLE is an unknown
 * type, len0), so the ID stays free and a plain ATTACH makes it a map
 * domain. The extension part needs the ATTACH_TABLE API. */
START_TEST(test_C41_base_profile_no_table_domain)
{
	struct iref_iommu *dev = conf_dev();
	uint8_t rd[IREF_ATTACH_TABLE_RSIZE], wr[4];
	memset(rd, 0, sizeof(rd));
	rd[0] = IREF_T_ATTACH_TABLE;
	iref_put_le32(rd + 4, 4);
	iref_put_le32(rd + 8, CONF_EP1);
	rd[12] = 1; /* ARM_SMMU3 */
	ck_assert_uint_eq(conf_raw(dev, rd, sizeof(rd), wr, 4, CONF_FILL), 0);
	ck_assert(!iref_iommu_domain_exists(dev, 4));
	CONF_OK(conf_attach(dev, 4, CONF_EP2, 0));
	CONF_OK(conf_map(dev, 4, 0x1000, 0x1fff, 0x5000, CONF_RW));
	conf_expect_map(dev, CONF_EP2, 0x1000, IREF_ACC_READ, 0x5000);
}
END_TEST

/* C42: "ATTACH when the device-wide domain/attachment capacity is
 * exhausted -> S_NOMEM." [MODEL] */
START_TEST(test_C42_domain_capacity_nomem)
{
	struct iref_config cfg;
	conf_cfg(&cfg);
	cfg.opt.max_domains = 2;
	struct iref_iommu *dev = conf_new(&cfg);
	CONF_OK(conf_attach(dev, 1, CONF_EP1, 0));
	CONF_OK(conf_attach(dev, 2, CONF_EP2, IREF_ATTACH_F_BYPASS));
	struct conf_snap before;
	conf_snap_take(dev, &before);
	CONF_ST(conf_attach(dev, 3, CONF_EP3, 0), IREF_S_NOMEM);
	CONF_ST(conf_attach(dev, 4, CONF_EP3, IREF_ATTACH_F_BYPASS),
		IREF_S_NOMEM);
	conf_snap_check(dev, &before, "C42");
	ck_assert(!iref_iommu_domain_exists(dev, 3));
	/* Joining existing domains needs no new slot. */
	CONF_OK(conf_attach(dev, 1, CONF_EP3, 0));
	CONF_OK(conf_attach(dev, 2, CONF_EP_RESV, IREF_ATTACH_F_BYPASS));
	/* ep3 leaves a shared domain for a new one: no slot -> S_NOMEM. */
	CONF_ST(conf_attach(dev, 5, CONF_EP3, 0), IREF_S_NOMEM);
	ck_assert_int_eq(conf_ep_dom(dev, CONF_EP3), 1);
	/* Freeing a domain frees its slot. */
	CONF_OK(conf_detach(dev, 2, CONF_EP2));
	CONF_OK(conf_detach(dev, 2, CONF_EP_RESV));
	ck_assert(!iref_iommu_domain_exists(dev, 2));
	CONF_OK(conf_attach(dev, 5, CONF_EP2, 0));
	/* At capacity again (1, 5). Moving the sole endpoint of a domain
	 * into a new one needs no extra slot: the move SHOULD behave exactly
	 * as DETACH(old) then ATTACH (section 3.2 rule 10), and the DETACH
	 * frees the old domain. */
	CONF_OK(conf_attach(dev, 6, CONF_EP2, 0));
	ck_assert(!iref_iommu_domain_exists(dev, 5));
	ck_assert_int_eq(conf_ep_dom(dev, CONF_EP2), 6);
	ck_assert_uint_eq(iref_iommu_domain_count(dev), 2);
}
END_TEST

/* C43: "ATTACH of an endpoint whose configured compatibility class
 * differs from the domain's -> S_UNSUPP." [SPEC-S, optional profile] */
START_TEST(test_C43_incompatible_class_unsupp)
{
	struct iref_config cfg;
	conf_cfg(&cfg);
	struct iref_iommu *dev = conf_new_bare(&cfg);
	conf_add_ep(dev, 1, 0, NULL, 0);
	conf_add_ep(dev, 2, 1, NULL, 0);
	conf_add_ep(dev, 3, 0, NULL, 0);
	conf_add_ep(dev, 4, 1, NULL, 0);
	conf_negotiate(dev, iref_iommu_offered(dev));
	CONF_OK(conf_attach(dev, 1, 1, 0));
	CONF_OK(conf_attach(dev, 2, 2, 0));
	CONF_OK(conf_map(dev, 2, 0x1000, 0x1fff, 0x22000, CONF_RW));
	CONF_ST(conf_attach(dev, 1, 2, 0), IREF_S_UNSUPP);
	ck_assert_int_eq(conf_ep_dom(dev, 2), 2);
	conf_expect_map(dev, 2, 0x1000, IREF_ACC_READ, 0x22000);
	CONF_ST(conf_attach(dev, 2, 3, 0), IREF_S_UNSUPP);
	ck_assert_int_eq(conf_ep_dom(dev, 3), -1);
	/* Same class shares. */
	CONF_OK(conf_attach(dev, 1, 3, 0));
	CONF_OK(conf_attach(dev, 2, 4, 0));
	/* A domain emptied and re-created takes the class of its new first
	 * endpoint. */
	CONF_OK(conf_detach(dev, 1, 1));
	CONF_OK(conf_detach(dev, 1, 3));
	CONF_OK(conf_attach(dev, 1, 2, 0));
	ck_assert_int_eq(conf_ep_dom(dev, 2), 1);
}
END_TEST

/* C43: by default every endpoint is compatible (class 0 for all). */
START_TEST(test_C43_default_all_compatible)
{
	struct iref_iommu *dev = conf_dev();
	CONF_OK(conf_attach(dev, 1, CONF_EP1, 0));
	CONF_OK(conf_attach(dev, 1, CONF_EP2, 0));
	CONF_OK(conf_attach(dev, 1, CONF_EP3, 0));
	CONF_OK(conf_attach(dev, 1, CONF_EP_RESV, 0));
}
END_TEST

/* ------------------------------------------------------------------ */
/* DETACH                                                               */

/* C44: "DETACH of a non-existent endpoint -> S_NOENT." [SPEC-M] */
START_TEST(test_C44_detach_unknown_endpoint_noent)
{
	struct iref_iommu *dev = conf_dev();
	CONF_OK(conf_attach(dev, 1, CONF_EP1, 0));
	CONF_ST(conf_detach(dev, 1, CONF_EP_NONE), IREF_S_NOENT);
	CONF_ST(conf_detach(dev, 2, CONF_EP_NONE), IREF_S_NOENT);
	ck_assert_int_eq(conf_ep_dom(dev, CONF_EP1), 1);
	ck_assert(iref_iommu_domain_exists(dev, 1));
}
END_TEST

/* C45: "DETACH of an endpoint that is not attached -> S_INVAL."
 * [SPEC-MAY] Domain existing or not. */
START_TEST(test_C45_detach_unattached_inval)
{
	struct iref_iommu *dev = conf_dev();
	CONF_ST(conf_detach(dev, 1, CONF_EP1), IREF_S_INVAL);
	CONF_OK(conf_attach(dev, 1, CONF_EP2, 0));
	CONF_ST(conf_detach(dev, 1, CONF_EP1), IREF_S_INVAL);
	ck_assert_int_eq(conf_ep_dom(dev, CONF_EP2), 1);
	ck_assert_int_eq(conf_ep_dom(dev, CONF_EP1), -1);
	/* Detaching twice: the second one is an error. */
	CONF_OK(conf_detach(dev, 1, CONF_EP2));
	CONF_ST(conf_detach(dev, 1, CONF_EP2), IREF_S_INVAL);
}
END_TEST

/* C46: "DETACH naming a domain the endpoint is not attached to -> S_INVAL,
 * attachment unchanged." [SPEC-MAY] */
START_TEST(test_C46_detach_wrong_domain_inval)
{
	struct iref_iommu *dev = conf_dev();
	CONF_OK(conf_attach(dev, 1, CONF_EP1, 0));
	CONF_OK(conf_map(dev, 1, 0x1000, 0x1fff, 0x11000, CONF_RW));
	CONF_OK(conf_attach(dev, 2, CONF_EP2, 0));
	CONF_ST(conf_detach(dev, 2, CONF_EP1), IREF_S_INVAL);
	CONF_ST(conf_detach(dev, 3, CONF_EP1), IREF_S_INVAL);
	ck_assert_int_eq(conf_ep_dom(dev, CONF_EP1), 1);
	ck_assert_int_eq(conf_ep_dom(dev, CONF_EP2), 2);
	conf_expect_map(dev, CONF_EP1, 0x1000, IREF_ACC_READ, 0x11000);
	ck_assert(!iref_iommu_domain_exists(dev, 3));
}
END_TEST

/* C47: "DETACH with non-zero reserved bytes (no F_ATTACH_TABLE) behaves as
 * with zeros." [SPEC-M] Success and error cases. */
START_TEST(test_C47_detach_reserved_ignored)
{
	struct iref_iommu *dev = conf_dev();
	CONF_OK(conf_attach(dev, 1, CONF_EP1, 0));
	uint8_t rd[IREF_DETACH_RSIZE];
	iref_enc_detach(rd, 1, CONF_EP1);
	memset(rd + 12, 0xff, 8);
	CONF_OK(conf_send(dev, rd, sizeof(rd)));
	ck_assert_int_eq(conf_ep_dom(dev, CONF_EP1), -1);
	/* Now not attached: S_INVAL as with zeros. */
	CONF_ST(conf_send(dev, rd, sizeof(rd)), IREF_S_INVAL);
	iref_enc_detach(rd, 1, CONF_EP_NONE);
	rd[12] = 1; /* would be DETACH_F_PASID with the extension */
	CONF_ST(conf_send(dev, rd, sizeof(rd)), IREF_S_NOENT);
	/* DETACH_F_PASID-looking bytes still detach the whole endpoint. */
	CONF_OK(conf_attach(dev, 2, CONF_EP2, 0));
	iref_enc_detach(rd, 2, CONF_EP2);
	iref_put_le32(rd + 12, 1);
	iref_put_le32(rd + 16, 7);
	CONF_OK(conf_send(dev, rd, sizeof(rd)));
	ck_assert_int_eq(conf_ep_dom(dev, CONF_EP2), -1);
}
END_TEST

/* C48: "After DETACH -> S_OK the endpoint cannot use any mapping of the
 * domain (DMA faults R_DOMAIN or is bypassed per section 5.1)." [SPEC-M]
 * bypass = 0: R_DOMAIN. */
START_TEST(test_C48_detached_endpoint_faults_domain)
{
	struct iref_iommu *dev = conf_dev_nobypass();
	CONF_OK(conf_attach(dev, 1, CONF_EP1, 0));
	CONF_OK(conf_attach(dev, 1, CONF_EP2, 0));
	CONF_OK(conf_map(dev, 1, 0x1000, 0x1fff, 0x11000, CONF_RW));
	conf_expect_map(dev, CONF_EP1, 0x1000, IREF_ACC_READ, 0x11000);
	CONF_OK(conf_detach(dev, 1, CONF_EP1));
	ck_assert_int_eq(conf_ep_dom(dev, CONF_EP1), -1);
	conf_expect_fault(dev, CONF_EP1, 0x1000, IREF_ACC_READ, IREF_R_DOMAIN);
	conf_expect_fault(dev, CONF_EP1, 0x1fff, IREF_ACC_WRITE,
			  IREF_R_DOMAIN);
}
END_TEST

/* C48 with config bypass = 1: identity, not the domain's mapping. */
START_TEST(test_C48_detached_endpoint_bypassed_not_mapped)
{
	struct iref_iommu *dev = conf_dev();
	CONF_OK(conf_attach(dev, 1, CONF_EP1, 0));
	CONF_OK(conf_attach(dev, 1, CONF_EP2, 0));
	CONF_OK(conf_map(dev, 1, 0x1000, 0x1fff, 0x11000, CONF_RW));
	CONF_OK(conf_detach(dev, 1, CONF_EP1));
	conf_expect_bypass(dev, CONF_EP1, 0x1000, IREF_ACC_READ);
	conf_expect_bypass(dev, CONF_EP1, 0x1fff, IREF_ACC_WRITE);
	/* From a bypass domain: back to config bypass behaviour. */
	CONF_OK(conf_attach(dev, 5, CONF_EP3, IREF_ATTACH_F_BYPASS));
	CONF_OK(conf_detach(dev, 5, CONF_EP3));
	ck_assert(!iref_iommu_domain_exists(dev, 5));
	conf_expect_bypass(dev, CONF_EP3, 0x1000, IREF_ACC_READ);
	uint8_t z = 0;
	ck_assert_int_eq(iref_iommu_config_write(dev, 0x24, &z, 1), IREF_OK);
	conf_expect_fault(dev, CONF_EP3, 0x1000, IREF_ACC_READ, IREF_R_DOMAIN);
}
END_TEST

/* C49: "Detaching the last endpoint destroys the domain: MAP/UNMAP on its
 * ID -> S_NOENT; a new ATTACH with that ID starts empty." [SPEC-i] */
START_TEST(test_C49_last_detach_destroys_domain)
{
	struct iref_iommu *dev = conf_dev();
	CONF_OK(conf_attach(dev, 1, CONF_EP1, 0));
	CONF_OK(conf_map(dev, 1, 0x1000, 0x1fff, 0x11000, CONF_RW));
	CONF_OK(conf_map(dev, 1, 0x8000, 0x8fff, 0x18000, CONF_RW));
	CONF_OK(conf_detach(dev, 1, CONF_EP1));
	ck_assert(!iref_iommu_domain_exists(dev, 1));
	ck_assert_uint_eq(iref_iommu_domain_count(dev), 0);
	CONF_ST(conf_map(dev, 1, 0x2000, 0x2fff, 0x12000, CONF_RW),
		IREF_S_NOENT);
	CONF_ST(conf_unmap(dev, 1, 0x1000, 0x1fff), IREF_S_NOENT);
	CONF_OK(conf_attach(dev, 1, CONF_EP2, 0));
	ck_assert_uint_eq(iref_iommu_domain_mappings(dev, 1), 0);
	conf_expect_fault(dev, CONF_EP2, 0x1000, IREF_ACC_READ,
			  IREF_R_MAPPING);
	conf_expect_fault(dev, CONF_EP2, 0x8000, IREF_ACC_READ,
			  IREF_R_MAPPING);
	/* The old range is free again. */
	CONF_OK(conf_map(dev, 1, 0x1000, 0x1fff, 0x31000, CONF_RW));
	/* A bypass domain dies the same way; its ID can become a map
	 * domain. */
	CONF_OK(conf_attach(dev, 7, CONF_EP3, IREF_ATTACH_F_BYPASS));
	CONF_OK(conf_detach(dev, 7, CONF_EP3));
	ck_assert(!iref_iommu_domain_exists(dev, 7));
	CONF_OK(conf_attach(dev, 7, CONF_EP3, 0));
	CONF_OK(conf_map(dev, 7, 0x1000, 0x1fff, 0x41000, CONF_RW));
}
END_TEST

/* C50: "Detaching one of two endpoints leaves the domain and its mappings
 * usable by the other." [SPEC-i] */
START_TEST(test_C50_detach_one_of_two_keeps_domain)
{
	struct iref_iommu *dev = conf_dev();
	CONF_OK(conf_attach(dev, 1, CONF_EP1, 0));
	CONF_OK(conf_attach(dev, 1, CONF_EP2, 0));
	CONF_OK(conf_map(dev, 1, 0x1000, 0x1fff, 0x11000, CONF_RW));
	CONF_OK(conf_detach(dev, 1, CONF_EP1));
	ck_assert(iref_iommu_domain_exists(dev, 1));
	ck_assert_uint_eq(iref_iommu_domain_mappings(dev, 1), 1);
	conf_expect_map(dev, CONF_EP2, 0x1800, IREF_ACC_WRITE, 0x11800);
	CONF_OK(conf_map(dev, 1, 0x2000, 0x2fff, 0x12000, CONF_R));
	conf_expect_map(dev, CONF_EP2, 0x2000, IREF_ACC_READ, 0x12000);
	CONF_OK(conf_unmap(dev, 1, 0x1000, 0x1fff));
	ck_assert_uint_eq(iref_iommu_domain_mappings(dev, 1), 1);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("conf_attach");
	TCase *tc = conf_tcase(s, "C29-C50");
	tcase_add_test(tc, test_C29_attach_reserved_nonzero_inval);
	tcase_add_test(tc, test_C30_attach_unknown_flag_inval);
	tcase_add_test(tc,
		       test_C31_attach_bypass_flag_without_bypass_config_inval);
	tcase_add_test(tc, test_C31_attach_bypass_flag_legacy_profile_inval);
	tcase_add_test(tc, test_C32_attach_unknown_endpoint_noent);
	tcase_add_test(tc, test_C32_order_reserved_and_flags_before_noent);
	tcase_add_test(tc, test_C33_attach_domain_out_of_range);
	tcase_add_test(tc,
		       test_C33_domain_range_checked_when_offered_not_negotiated);
	tcase_add_test(tc, test_C33_default_range_accepts_every_id);
	tcase_add_test(tc, test_C34_attach_new_domain_blocks_dma);
	tcase_add_test(tc, test_C35_shared_domain_both_see_mappings);
	tcase_add_test(tc, test_C35a_endpoint_cap_unsupp_no_change);
	tcase_add_test(tc, test_C35a_endpoint_cap_bypass_domain);
	tcase_add_test(tc, test_C35a_reattach_member_not_capped);
	tcase_add_test(tc, test_C36_move_destroys_empty_old_domain);
	tcase_add_test(tc, test_C36_move_keeps_shared_old_domain);
	tcase_add_test(tc,
		       test_C36a_base_profile_no_pasid_attachment_attach_moves);
	tcase_add_test(tc, test_C37_reattach_same_domain_keeps_mappings);
	tcase_add_test(tc, test_C38_bypass_flag_to_map_domain_inval);
	tcase_add_test(tc, test_C39_plain_attach_to_bypass_domain_inval);
	tcase_add_test(tc, test_C40_bypass_domain_identity_all_perms);
	tcase_add_test(tc, test_C41_base_profile_no_table_domain);
	tcase_add_test(tc, test_C42_domain_capacity_nomem);
	tcase_add_test(tc, test_C43_incompatible_class_unsupp);
	tcase_add_test(tc, test_C43_default_all_compatible);
	tcase_add_test(tc, test_C44_detach_unknown_endpoint_noent);
	tcase_add_test(tc, test_C45_detach_unattached_inval);
	tcase_add_test(tc, test_C46_detach_wrong_domain_inval);
	tcase_add_test(tc, test_C47_detach_reserved_ignored);
	tcase_add_test(tc, test_C48_detached_endpoint_faults_domain);
	tcase_add_test(tc, test_C48_detached_endpoint_bypassed_not_mapped);
	tcase_add_test(tc, test_C49_last_detach_destroys_domain);
	tcase_add_test(tc, test_C50_detach_one_of_two_keeps_domain);
	return s;
}

int main(void)
{
	return iref_test_run(suite());
}
