/* Conformance: bypass, translation and the event queue (virtio-iommu.md
 * sections 5.1-5.3; checklist C95-C108). */
#include "conf_util.h"
#include "testutil.h"

/* ------------------------------------------------------------------ */
/* Bypass and translation                                               */

/* C95: "BYPASS_CONFIG offered, bypass = 1, endpoint unattached -> identity
 * DMA, even before feature negotiation." [SPEC] */
START_TEST(test_C95_unattached_bypass_before_negotiation)
{
	struct iref_config cfg;
	conf_cfg(&cfg);
	ck_assert(cfg.features & IREF_FEAT(IREF_F_BYPASS_CONFIG));
	ck_assert_uint_eq(cfg.bypass, 1);
	struct iref_iommu *dev = conf_new_unnegotiated(&cfg);
	ck_assert_uint_eq(iref_iommu_negotiated(dev), 0);
	struct iref_dma_result r =
		conf_expect_bypass(dev, CONF_EP1, 0x12345678, IREF_ACC_READ);
	ck_assert_uint_eq(r.perm & (IREF_PERM_R | IREF_PERM_W),
			  IREF_PERM_R | IREF_PERM_W);
	conf_expect_bypass(dev, CONF_EP2, 0x0, IREF_ACC_WRITE);
	conf_expect_bypass(dev, CONF_EP3, 0xfffff000, IREF_ACC_EXEC);
	ck_assert_uint_eq(iref_events_pending(dev), 0);
	/* Still so after negotiation. */
	conf_negotiate(dev, iref_iommu_offered(dev));
	conf_expect_bypass(dev, CONF_EP1, 0x12345678, IREF_ACC_WRITE);
}
END_TEST

/* C95: the condition is "offered": a driver that did not accept
 * BYPASS_CONFIG still sees unattached endpoints bypassed (section 5.1). */
START_TEST(test_C95_bypass_config_offered_not_negotiated)
{
	struct iref_config cfg;
	conf_cfg(&cfg);
	struct iref_iommu *dev = conf_new_unnegotiated(&cfg);
	conf_negotiate_without(dev, IREF_FEAT(IREF_F_BYPASS_CONFIG));
	conf_expect_bypass(dev, CONF_EP1, 0x4000, IREF_ACC_READ);
	conf_expect_bypass(dev, CONF_EP1, 0x4000, IREF_ACC_WRITE);
}
END_TEST

/* C96: "F_BYPASS not negotiated, bypass = 0, endpoint unattached -> DMA
 * aborted [SPEC-S]; R_DOMAIN fault with F_ADDRESS [MODEL]." */
START_TEST(test_C96_unattached_no_bypass_faults_domain)
{
	struct iref_iommu *dev = conf_dev_nobypass();
	struct iref_fault_record f = conf_expect_fault(
		dev, CONF_EP1, 0x5000, IREF_ACC_READ, IREF_R_DOMAIN);
	ck_assert_uint_eq(f.flags, IREF_FAULT_F_READ | IREF_FAULT_F_ADDRESS);
	f = conf_expect_fault(dev, CONF_EP2, 0x6008, IREF_ACC_WRITE,
			      IREF_R_DOMAIN);
	ck_assert_uint_eq(f.flags, IREF_FAULT_F_WRITE | IREF_FAULT_F_ADDRESS);
	ck_assert_uint_eq(f.address, 0x6008);
	/* Before negotiation as well. */
	struct iref_config cfg;
	conf_cfg(&cfg);
	cfg.bypass = 0;
	struct iref_iommu *d2 = conf_new_unnegotiated(&cfg);
	conf_expect_fault(d2, CONF_EP3, 0x0, IREF_ACC_READ, IREF_R_DOMAIN);
}
END_TEST

/* C97: "Legacy F_BYPASS negotiated, unattached -> identity; offered but not
 * negotiated -> aborted." [SPEC] In the legacy profile the config bypass
 * field is not valid, so its value does not matter. */
START_TEST(test_C97_legacy_bypass_feature)
{
	struct iref_config cfg;
	conf_cfg(&cfg);
	cfg.features &= ~IREF_FEAT(IREF_F_BYPASS_CONFIG);
	cfg.features |= IREF_FEAT(IREF_F_BYPASS);
	cfg.bypass = 1;
	struct iref_iommu *dev = conf_new_unnegotiated(&cfg);
	conf_expect_fault(dev, CONF_EP1, 0x7000, IREF_ACC_READ, IREF_R_DOMAIN);
	conf_negotiate(dev, iref_iommu_offered(dev));
	conf_expect_bypass(dev, CONF_EP1, 0x7000, IREF_ACC_READ);
	conf_expect_bypass(dev, CONF_EP1, 0x7000, IREF_ACC_WRITE);
	/* Attached endpoints are translated. */
	CONF_OK(conf_attach(dev, 1, CONF_EP2, 0));
	conf_expect_fault(dev, CONF_EP2, 0x7000, IREF_ACC_READ,
			  IREF_R_MAPPING);

	/* Offered, not negotiated: aborted. */
	struct iref_iommu *d2 = conf_new_unnegotiated(&cfg);
	conf_negotiate_without(d2, IREF_FEAT(IREF_F_BYPASS));
	conf_expect_fault(d2, CONF_EP1, 0x7000, IREF_ACC_WRITE, IREF_R_DOMAIN);
}
END_TEST

/* C97 with bypass = 0 in the (invalid) config field: negotiated F_BYPASS
 * still gives identity. */
START_TEST(test_C97_legacy_bypass_ignores_config_field)
{
	struct iref_config cfg;
	conf_cfg(&cfg);
	cfg.features &= ~IREF_FEAT(IREF_F_BYPASS_CONFIG);
	cfg.features |= IREF_FEAT(IREF_F_BYPASS);
	cfg.bypass = 0;
	struct iref_iommu *dev = conf_new(&cfg);
	conf_expect_bypass(dev, CONF_EP1, 0x7000, IREF_ACC_READ);
}
END_TEST

/* C98: "Changing bypass at runtime switches unattached endpoints
 * immediately and leaves attached ones unaffected." [SPEC] Driver write
 * (config offset 0x24) and host change. */
START_TEST(test_C98_runtime_bypass_change)
{
	struct iref_iommu *dev = conf_dev();
	CONF_OK(conf_attach(dev, 1, CONF_EP1, 0));
	CONF_OK(conf_map(dev, 1, 0x1000, 0x1fff, 0x51000, CONF_RW));
	CONF_OK(conf_attach(dev, 2, CONF_EP2, IREF_ATTACH_F_BYPASS));
	conf_expect_bypass(dev, CONF_EP3, 0x1000, IREF_ACC_READ);

	uint8_t v = 0;
	ck_assert_int_eq(iref_iommu_config_write(dev, 0x24, &v, 1), IREF_OK);
	uint8_t c[IREF_CONFIG_SPACE_SIZE];
	iref_iommu_config_read(dev, c);
	ck_assert_uint_eq(c[0x24], 0);
	conf_expect_fault(dev, CONF_EP3, 0x1000, IREF_ACC_READ, IREF_R_DOMAIN);
	conf_expect_map(dev, CONF_EP1, 0x1000, IREF_ACC_READ, 0x51000);
	conf_expect_fault(dev, CONF_EP1, 0x3000, IREF_ACC_READ,
			  IREF_R_MAPPING);
	conf_expect_bypass(dev, CONF_EP2, 0x1000, IREF_ACC_WRITE);

	v = 1;
	ck_assert_int_eq(iref_iommu_config_write(dev, 0x24, &v, 1), IREF_OK);
	conf_expect_bypass(dev, CONF_EP3, 0x1000, IREF_ACC_READ);
	conf_expect_map(dev, CONF_EP1, 0x1000, IREF_ACC_READ, 0x51000);
	conf_expect_fault(dev, CONF_EP1, 0x3000, IREF_ACC_READ,
			  IREF_R_MAPPING);

	/* Host-side change. */
	ck_assert_int_eq(iref_iommu_set_bypass(dev, 0), IREF_OK);
	conf_expect_fault(dev, CONF_EP3, 0x1000, IREF_ACC_WRITE,
			  IREF_R_DOMAIN);
	conf_expect_bypass(dev, CONF_EP2, 0x1000, IREF_ACC_WRITE);
	ck_assert_int_eq(iref_iommu_set_bypass(dev, 1), IREF_OK);
	conf_expect_bypass(dev, CONF_EP3, 0x1000, IREF_ACC_WRITE);
}
END_TEST

/* C98: an ignored write (value 2) changes nothing. */
START_TEST(test_C98_invalid_bypass_write_no_switch)
{
	struct iref_iommu *dev = conf_dev();
	uint8_t v = 2;
	ck_assert_int_eq(iref_iommu_config_write(dev, 0x24, &v, 1),
			 IREF_E_INVAL);
	conf_expect_bypass(dev, CONF_EP3, 0x1000, IREF_ACC_READ);
	v = 0;
	ck_assert_int_eq(iref_iommu_config_write(dev, 0x24, &v, 1), IREF_OK);
	v = 0xff;
	ck_assert_int_eq(iref_iommu_config_write(dev, 0x24, &v, 1),
			 IREF_E_INVAL);
	conf_expect_fault(dev, CONF_EP3, 0x1000, IREF_ACC_READ, IREF_R_DOMAIN);
}
END_TEST

/* C99: "Endpoint in a bypass domain is identity-mapped regardless of
 * config bypass." [SPEC] */
START_TEST(test_C99_bypass_domain_ignores_config_bypass)
{
	for (int b = 0; b < 2; b++) {
		struct iref_config cfg;
		conf_cfg(&cfg);
		cfg.bypass = (uint8_t)b;
		struct iref_iommu *dev = conf_new(&cfg);
		CONF_OK(conf_attach(dev, 3, CONF_EP1, IREF_ATTACH_F_BYPASS));
		conf_expect_bypass(dev, CONF_EP1, 0xabc000, IREF_ACC_READ);
		conf_expect_bypass(dev, CONF_EP1, 0xabc000, IREF_ACC_WRITE);
		ck_assert_int_eq(iref_iommu_set_bypass(dev, (uint8_t)!b),
				 IREF_OK);
		conf_expect_bypass(dev, CONF_EP1, 0xabc000, IREF_ACC_WRITE);
	}
}
END_TEST

/* C100: "DMA from an endpoint ID the instance does not manage -> aborted;
 * no eventq record (a record needs a valid endpoint ID, C103a),
 * host-channel log only." [MODEL] In bypass and non-bypass configs. */
START_TEST(test_C100_unknown_endpoint_aborted_logged)
{
	for (int b = 0; b < 2; b++) {
		struct conf_log log;
		memset(&log, 0, sizeof(log));
		struct iref_config cfg;
		conf_cfg(&cfg);
		cfg.bypass = (uint8_t)b;
		cfg.host_log = conf_log_fn;
		cfg.host_log_ctx = &log;
		struct iref_iommu *dev = conf_new(&cfg);
		unsigned before = log.count;
		struct iref_dma_result r = conf_dma(dev, CONF_EP_NONE, 0x1000,
						    4, IREF_ACC_WRITE);
		ck_assert_msg(r.outcome == IREF_DMA_ABORT,
			      "bypass %d: outcome %s, expected abort", b,
			      conf_outcome_name(r.outcome));
		ck_assert_uint_eq(iref_events_pending(dev), 0);
		ck_assert_uint_eq(iref_events_dropped(dev), 0);
		ck_assert_msg(log.count > before,
			      "nothing logged on the host channel");
		r = conf_dma(dev, 0, 0x0, 1, IREF_ACC_READ);
		ck_assert_int_eq(r.outcome, IREF_DMA_ABORT);
		ck_assert_uint_eq(iref_events_pending(dev), 0);
	}
}
END_TEST

/* C100, MODEL alternative: unknown_endpoint_passthrough passes the DMA
 * through untranslated, still without a record. */
START_TEST(test_C100_unknown_endpoint_passthrough_option)
{
	struct iref_config cfg;
	conf_cfg(&cfg);
	cfg.bypass = 0;
	cfg.opt.unknown_endpoint_passthrough = true;
	struct iref_iommu *dev = conf_new(&cfg);
	struct iref_dma_result r =
		conf_dma(dev, CONF_EP_NONE, 0x1234, 8, IREF_ACC_WRITE);
	ck_assert_int_eq(r.outcome, IREF_DMA_OK);
	ck_assert_uint_eq(r.pa, 0x1234);
	ck_assert_uint_eq(iref_events_pending(dev), 0);
	/* Known endpoints are not affected. */
	conf_expect_fault(dev, CONF_EP1, 0x1234, IREF_ACC_READ, IREF_R_DOMAIN);
}
END_TEST

/* C101: "PASID-tagged DMA on a map domain -> aborted with R_UNKNOWN."
 * [MODEL] Even where a mapping covers the address; no F_PASID in base
 * mode (C108). */
START_TEST(test_C101_pasid_dma_on_map_domain_unknown)
{
	struct iref_iommu *dev = conf_dev();
	CONF_OK(conf_attach(dev, 1, CONF_EP1, 0));
	CONF_OK(conf_map(dev, 1, 0x1000, 0x1fff, 0x51000, CONF_RW));
	struct iref_dma_result r =
		conf_dma_pasid(dev, CONF_EP1, 3, 0x1000, 4, IREF_ACC_READ);
	ck_assert_int_eq(r.outcome, IREF_DMA_FAULT);
	ck_assert_uint_eq(r.fault.reason, IREF_R_UNKNOWN);
	ck_assert_uint_eq(r.fault.endpoint, CONF_EP1);
	ck_assert_uint_eq(r.fault.flags & IREF_FAULT_F_PASID, 0);
	ck_assert_uint_eq(r.fault.pasid, 0);
	struct iref_fault_record q;
	uint8_t raw[IREF_FAULT_RECORD_SIZE];
	ck_assert(conf_pop(dev, &q, raw));
	ck_assert(conf_rec_eq(&q, &r.fault));
	ck_assert(conf_all(raw + 12, 4, 0));
	ck_assert_uint_eq(iref_events_pending(dev), 0);
	/* PASID 0 is a PASID too. */
	r = conf_dma_pasid(dev, CONF_EP1, 0, 0x1000, 4, IREF_ACC_WRITE);
	ck_assert_int_eq(r.outcome, IREF_DMA_FAULT);
	ck_assert_uint_eq(r.fault.reason, IREF_R_UNKNOWN);
	conf_drain(dev);
	/* The same access without PASID is translated. */
	conf_expect_map(dev, CONF_EP1, 0x1000, IREF_ACC_READ, 0x51000);
}
END_TEST

/* C102: "An access crossing from a mapping into unmapped space faults at
 * the first unmapped byte's address and performs nothing." [MODEL] */
START_TEST(test_C102_crossing_access_faults_at_first_bad_byte)
{
	struct iref_iommu *dev = conf_dev();
	CONF_OK(conf_attach(dev, 1, CONF_EP1, 0));
	CONF_OK(conf_map(dev, 1, 0x1000, 0x1fff, 0x51000, CONF_RW));
	CONF_OK(conf_map(dev, 1, 0x2000, 0x2fff, 0x90000, CONF_R));

	/* [0x2ff0, 0x300f]: second half unmapped. */
	struct iref_dma_result r =
		conf_dma(dev, CONF_EP1, 0x2ff0, 0x20, IREF_ACC_READ);
	ck_assert_int_eq(r.outcome, IREF_DMA_FAULT);
	ck_assert_uint_eq(r.fault.reason, IREF_R_MAPPING);
	ck_assert(r.fault.flags & IREF_FAULT_F_ADDRESS);
	ck_assert_uint_eq(r.fault.address, 0x3000);
	ck_assert_uint_eq(iref_events_pending(dev), 1);
	conf_drain(dev);

	/* Starting unmapped: faults at the start. */
	r = conf_dma(dev, CONF_EP1, 0xff8, 0x10, IREF_ACC_READ);
	ck_assert_int_eq(r.outcome, IREF_DMA_FAULT);
	ck_assert_uint_eq(r.fault.address, 0xff8);
	conf_drain(dev);

	/* RW mapping into an R mapping, write: faults at 0x2000 with
	 * F_WRITE. */
	r = conf_dma(dev, CONF_EP1, 0x1ffc, 8, IREF_ACC_WRITE);
	ck_assert_int_eq(r.outcome, IREF_DMA_FAULT);
	ck_assert_uint_eq(r.fault.reason, IREF_R_MAPPING);
	ck_assert_uint_eq(r.fault.address, 0x2000);
	ck_assert_uint_eq(r.fault.flags,
			  IREF_FAULT_F_WRITE | IREF_FAULT_F_ADDRESS);
	ck_assert_uint_eq(iref_events_pending(dev), 1);
	conf_drain(dev);

	/* Both pieces allowed: the access passes; pa of the first byte,
	 * translation unit = the first mapping. */
	r = conf_dma(dev, CONF_EP1, 0x1ffc, 8, IREF_ACC_READ);
	ck_assert_int_eq(r.outcome, IREF_DMA_OK);
	ck_assert_uint_eq(r.pa, 0x51ffc);
	ck_assert_uint_eq(r.size, 0x1000);
	ck_assert_uint_eq(iref_events_pending(dev), 0);
}
END_TEST

/* C102 for an unmapped hole between two mappings. */
START_TEST(test_C102_crossing_hole_between_mappings)
{
	struct iref_iommu *dev = conf_dev();
	CONF_OK(conf_attach(dev, 1, CONF_EP1, 0));
	CONF_OK(conf_map(dev, 1, 0x1000, 0x1fff, 0x51000, CONF_RW));
	CONF_OK(conf_map(dev, 1, 0x3000, 0x3fff, 0x53000, CONF_RW));
	struct iref_dma_result r =
		conf_dma(dev, CONF_EP1, 0x1800, 0x2000, IREF_ACC_WRITE);
	ck_assert_int_eq(r.outcome, IREF_DMA_FAULT);
	ck_assert_uint_eq(r.fault.address, 0x2000);
	ck_assert_uint_eq(iref_events_pending(dev), 1);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Event queue                                                          */

/* C103: "Fault record is 24 bytes: reason@0, reserved@1-3 = 0, flags@4,
 * endpoint@8, pasid/reserved1@12, address@16; used len 24." [SPEC/EXT] */
START_TEST(test_C103_fault_record_layout)
{
	struct iref_iommu *dev = conf_dev();
	CONF_OK(conf_attach(dev, 0x12345678u, CONF_EP_RESV, 0));
	struct iref_dma_result r = conf_dma(dev, CONF_EP_RESV,
					    UINT64_C(0x0000123456789abc), 1,
					    IREF_ACC_WRITE);
	ck_assert_int_eq(r.outcome, IREF_DMA_FAULT);
	uint8_t raw[IREF_FAULT_RECORD_SIZE];
	memset(raw, 0x5a, sizeof(raw));
	ck_assert(iref_events_pop(dev, raw, NULL));
	ck_assert_uint_eq(raw[0], IREF_R_MAPPING);
	ck_assert(conf_all(raw + 1, 3, 0));
	ck_assert_uint_eq(iref_le32(raw + 4),
			  IREF_FAULT_F_WRITE | IREF_FAULT_F_ADDRESS);
	ck_assert_uint_eq(iref_le32(raw + 8), CONF_EP_RESV);
	ck_assert(conf_all(raw + 12, 4, 0));
	ck_assert_uint_eq(iref_le64(raw + 16), UINT64_C(0x0000123456789abc));
	/* The same bytes as the wire.h encoder makes of the record. */
	uint8_t enc[IREF_FAULT_RECORD_SIZE];
	iref_fault_encode(&r.fault, enc);
	ck_assert(memcmp(enc, raw, sizeof(raw)) == 0);
}
END_TEST

/* C103 through posted buffers: a 24-byte and a larger buffer each take
 * one whole record. (The used length of the eventq buffer is not visible
 * through events.h; see the API gaps in docs/conformance.md.) */
START_TEST(test_C103_record_in_posted_buffers)
{
	struct iref_iommu *dev = conf_dev_nobypass();
	iref_events_set_mode(dev, IREF_EVENTS_POSTED);
	ck_assert_int_eq(iref_events_post(dev, 24), IREF_OK);
	ck_assert_int_eq(iref_events_post(dev, 64), IREF_OK);
	struct iref_dma_result a =
		conf_dma(dev, CONF_EP1, 0x1000, 1, IREF_ACC_READ);
	struct iref_dma_result b =
		conf_dma(dev, CONF_EP2, 0x2000, 1, IREF_ACC_WRITE);
	ck_assert(!a.dropped && !b.dropped);
	struct iref_fault_record q;
	uint8_t raw[IREF_FAULT_RECORD_SIZE];
	ck_assert(conf_pop(dev, &q, raw));
	ck_assert(conf_rec_eq(&q, &a.fault));
	ck_assert_uint_eq(raw[0], IREF_R_DOMAIN);
	ck_assert(conf_pop(dev, &q, raw));
	ck_assert(conf_rec_eq(&q, &b.fault));
	ck_assert_uint_eq(iref_le32(raw + 8), CONF_EP2);
	ck_assert(!conf_pop(dev, NULL, NULL));
}
END_TEST

/* C103a: "Every eventq record's endpoint is the ID of the faulting
 * endpoint, which the instance manages." [SPEC-S] */
START_TEST(test_C103a_record_endpoint_is_faulting_one)
{
	struct iref_iommu *dev = conf_dev_nobypass();
	CONF_OK(conf_attach(dev, 1, CONF_EP2, 0));
	static const uint32_t eps[] = { CONF_EP1, CONF_EP2, CONF_EP3,
					CONF_EP_RESV, CONF_EP_NONE, CONF_EP2 };
	for (size_t i = 0; i < 6; i++)
		conf_dma(dev, eps[i], 0x1000 * (i + 1), 1, IREF_ACC_READ);
	static const uint32_t want[] = { CONF_EP1, CONF_EP2, CONF_EP3,
					 CONF_EP_RESV, CONF_EP2 };
	for (size_t i = 0; i < 5; i++) {
		struct iref_fault_record q;
		ck_assert(conf_pop(dev, &q, NULL));
		ck_assert_uint_eq(q.endpoint, want[i]);
	}
	ck_assert(!conf_pop(dev, NULL, NULL));
}
END_TEST

/* C104: "Flag bits other than 0, 1, 8 (plus 2 and 9 only when
 * F_ATTACH_TABLE is negotiated) are zero [SPEC-S]; in base mode an
 * instruction fetch is reported as F_READ, and F_ADDRESS is set with a
 * valid address for every translation fault [MODEL]." */
START_TEST(test_C104_fault_flags_base_mode)
{
	struct iref_iommu *dev = conf_dev_nobypass();
	CONF_OK(conf_attach(dev, 1, CONF_EP1, 0));
	CONF_OK(conf_map(dev, 1, 0x1000, 0x1fff, 0x51000, CONF_W));
	struct {
		uint32_t ep;
		uint64_t iova;
		unsigned acc;
		uint8_t reason;
		uint32_t flags;
	} c[] = {
		{ CONF_EP2, 0x100, IREF_ACC_READ, IREF_R_DOMAIN,
		  IREF_FAULT_F_READ | IREF_FAULT_F_ADDRESS },
		{ CONF_EP2, 0x100, IREF_ACC_WRITE, IREF_R_DOMAIN,
		  IREF_FAULT_F_WRITE | IREF_FAULT_F_ADDRESS },
		{ CONF_EP2, 0x100, IREF_ACC_EXEC, IREF_R_DOMAIN,
		  IREF_FAULT_F_READ | IREF_FAULT_F_ADDRESS },
		{ CONF_EP1, 0x5000, IREF_ACC_EXEC, IREF_R_MAPPING,
		  IREF_FAULT_F_READ | IREF_FAULT_F_ADDRESS },
		{ CONF_EP1, 0x1000, IREF_ACC_EXEC, IREF_R_MAPPING,
		  IREF_FAULT_F_READ | IREF_FAULT_F_ADDRESS },
		{ CONF_EP1, 0x1000, IREF_ACC_READ, IREF_R_MAPPING,
		  IREF_FAULT_F_READ | IREF_FAULT_F_ADDRESS },
		/* T_RESERVED region (checked before the domain lookup) */
		{ CONF_EP_RESV, CONF_RESV_START, IREF_ACC_WRITE,
		  IREF_R_MAPPING, IREF_FAULT_F_WRITE | IREF_FAULT_F_ADDRESS },
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct iref_fault_record f = conf_expect_fault(
			dev, c[i].ep, c[i].iova, c[i].acc, c[i].reason);
		ck_assert_msg(f.flags == c[i].flags,
			      "case %zu: flags 0x%x, expected 0x%x", i,
			      f.flags, c[i].flags);
	}
	/* PASID fault: only bits 0, 1, 8. */
	struct iref_dma_result r =
		conf_dma_pasid(dev, CONF_EP1, 1, 0x1000, 1, IREF_ACC_EXEC);
	ck_assert_int_eq(r.outcome, IREF_DMA_FAULT);
	ck_assert_uint_eq(r.fault.flags & ~(IREF_FAULT_F_READ |
					    IREF_FAULT_F_WRITE |
					    IREF_FAULT_F_ADDRESS),
			  0);
	if (r.fault.flags & IREF_FAULT_F_ADDRESS)
		ck_assert_uint_eq(r.fault.address, 0x1000);
}
END_TEST

/* C105: "With no eventq buffer available the fault is dropped (counted),
 * DMA still aborted, nothing stalls." [SPEC-i/MODEL] Posted mode. */
START_TEST(test_C105_no_buffer_event_dropped)
{
	struct iref_iommu *dev = conf_dev_nobypass();
	iref_events_set_mode(dev, IREF_EVENTS_POSTED);
	uint64_t d0 = iref_events_dropped(dev);
	struct iref_dma_result r =
		conf_dma(dev, CONF_EP1, 0x1000, 1, IREF_ACC_READ);
	ck_assert_int_eq(r.outcome, IREF_DMA_FAULT);
	ck_assert(r.dropped);
	ck_assert_uint_eq(r.fault.reason, IREF_R_DOMAIN);
	ck_assert_uint_eq(iref_events_pending(dev), 0);
	ck_assert_uint_eq(iref_events_dropped(dev), d0 + 1);
	r = conf_dma(dev, CONF_EP2, 0x2000, 1, IREF_ACC_WRITE);
	ck_assert_int_eq(r.outcome, IREF_DMA_FAULT);
	ck_assert(r.dropped);
	ck_assert_uint_eq(iref_events_dropped(dev), d0 + 2);
	/* Requests and good DMA keep working. */
	CONF_OK(conf_attach(dev, 1, CONF_EP1, 0));
	CONF_OK(conf_map(dev, 1, 0x1000, 0x1fff, 0x51000, CONF_RW));
	conf_expect_map(dev, CONF_EP1, 0x1000, IREF_ACC_READ, 0x51000);
	/* A posted buffer takes the next report; the dropped ones are
	 * gone. */
	ck_assert_int_eq(iref_events_post(dev, 24), IREF_OK);
	r = conf_dma(dev, CONF_EP3, 0x3000, 1, IREF_ACC_READ);
	ck_assert(!r.dropped);
	struct iref_fault_record q;
	ck_assert(conf_pop(dev, &q, NULL));
	ck_assert_uint_eq(q.endpoint, CONF_EP3);
	ck_assert_uint_eq(q.address, 0x3000);
	ck_assert(!conf_pop(dev, NULL, NULL));
	ck_assert_uint_eq(iref_events_dropped(dev), d0 + 2);
	/* The buffer was used up: the next report has none again. */
	r = conf_dma(dev, CONF_EP3, 0x4000, 1, IREF_ACC_READ);
	ck_assert_int_eq(r.outcome, IREF_DMA_FAULT);
	ck_assert(r.dropped);
	ck_assert_uint_eq(iref_events_pending(dev), 0);
	ck_assert_uint_eq(iref_events_dropped(dev), d0 + 3);
}
END_TEST

/* C105 with eventq_depth 1: posting, using and re-posting one buffer
 * slot; each report needs a fresh buffer. */
START_TEST(test_C105_each_report_needs_a_fresh_buffer)
{
	struct iref_config cfg;
	conf_cfg(&cfg);
	cfg.bypass = 0;
	cfg.opt.eventq_depth = 1;
	struct iref_iommu *dev = conf_new(&cfg);
	iref_events_set_mode(dev, IREF_EVENTS_POSTED);
	for (int round = 0; round < 3; round++) {
		ck_assert_int_eq(iref_events_post(dev, 24), IREF_OK);
		ck_assert_int_eq(iref_events_post(dev, 24), IREF_E_NOMEM);
		struct iref_dma_result r =
			conf_dma(dev, CONF_EP1, 0x1000, 1, IREF_ACC_READ);
		ck_assert(!r.dropped);
		ck_assert(conf_pop(dev, NULL, NULL));
		r = conf_dma(dev, CONF_EP1, 0x2000, 1, IREF_ACC_READ);
		ck_assert_int_eq(r.outcome, IREF_DMA_FAULT);
		ck_assert_msg(r.dropped, "round %d: report delivered without "
			      "a posted buffer", round);
		ck_assert(!conf_pop(dev, NULL, NULL));
	}
	ck_assert_uint_eq(iref_events_dropped(dev), 3);
}
END_TEST

/* C105 in AUTO mode: when eventq_depth reports wait unread, the next one
 * is dropped and counted; the DMA is still aborted. */
START_TEST(test_C105_auto_mode_full_queue_drops)
{
	struct iref_config cfg;
	conf_cfg(&cfg);
	cfg.bypass = 0;
	cfg.opt.eventq_depth = 2;
	struct iref_iommu *dev = conf_new(&cfg);
	for (int i = 0; i < 2; i++) {
		struct iref_dma_result r = conf_dma(
			dev, CONF_EP1, 0x1000u * (unsigned)(i + 1), 1,
			IREF_ACC_READ);
		ck_assert(!r.dropped);
	}
	struct iref_dma_result r =
		conf_dma(dev, CONF_EP1, 0x9000, 1, IREF_ACC_READ);
	ck_assert_int_eq(r.outcome, IREF_DMA_FAULT);
	ck_assert(r.dropped);
	ck_assert_uint_eq(iref_events_dropped(dev), 1);
	ck_assert_uint_eq(iref_events_pending(dev), 2);
	struct iref_fault_record q;
	ck_assert(conf_pop(dev, &q, NULL));
	ck_assert_uint_eq(q.address, 0x1000);
	r = conf_dma(dev, CONF_EP1, 0xa000, 1, IREF_ACC_READ);
	ck_assert(!r.dropped);
	ck_assert(conf_pop(dev, &q, NULL));
	ck_assert_uint_eq(q.address, 0x2000);
	ck_assert(conf_pop(dev, &q, NULL));
	ck_assert_uint_eq(q.address, 0xa000);
}
END_TEST

/* C106: "An eventq buffer with < 24 writable bytes is not consumed and the
 * event is dropped (oracle also accepts: consumed with used len 0); a
 * report is never spread over several buffers." [SPEC-S/MODEL] */
START_TEST(test_C106_short_buffer_event_dropped)
{
	struct iref_iommu *dev = conf_dev_nobypass();
	iref_events_set_mode(dev, IREF_EVENTS_POSTED);
	ck_assert_int_eq(iref_events_post(dev, 16), IREF_OK);
	ck_assert_int_eq(iref_events_post(dev, 8), IREF_OK);
	struct iref_dma_result r =
		conf_dma(dev, CONF_EP1, 0x1000, 1, IREF_ACC_READ);
	ck_assert_int_eq(r.outcome, IREF_DMA_FAULT);
	ck_assert(r.dropped);
	ck_assert_uint_eq(iref_events_dropped(dev), 1);
	ck_assert_uint_eq(iref_events_pending(dev), 0);
	/* With a good buffer behind the short ones, a later report is
	 * either dropped too (model: the short head stays) or arrives whole
	 * (the oracle's alternative); never a piece of the first. */
	ck_assert_int_eq(iref_events_post(dev, 24), IREF_OK);
	r = conf_dma(dev, CONF_EP2, 0x2000, 1, IREF_ACC_WRITE);
	ck_assert_int_eq(r.outcome, IREF_DMA_FAULT);
	struct iref_fault_record q;
	uint8_t raw[IREF_FAULT_RECORD_SIZE];
	while (conf_pop(dev, &q, raw)) {
		ck_assert(conf_rec_eq(&q, &r.fault));
		ck_assert(!r.dropped);
	}
}
END_TEST

/* C106, the model's reading: the short buffer is left unconsumed, so it
 * still occupies its slot (eventq_depth 2: one more post fits, a second
 * does not). */
START_TEST(test_C106_short_buffer_not_consumed_model)
{
	struct iref_config cfg;
	conf_cfg(&cfg);
	cfg.bypass = 0;
	cfg.opt.eventq_depth = 2;
	struct iref_iommu *dev = conf_new(&cfg);
	iref_events_set_mode(dev, IREF_EVENTS_POSTED);
	ck_assert_int_eq(iref_events_post(dev, 23), IREF_OK);
	struct iref_dma_result r =
		conf_dma(dev, CONF_EP1, 0x1000, 1, IREF_ACC_READ);
	ck_assert(r.dropped);
	ck_assert_int_eq(iref_events_post(dev, 24), IREF_OK);
	ck_assert_int_eq(iref_events_post(dev, 24), IREF_E_NOMEM);
	r = conf_dma(dev, CONF_EP1, 0x2000, 1, IREF_ACC_READ);
	ck_assert(r.dropped);
	ck_assert_uint_eq(iref_events_dropped(dev), 2);
	ck_assert_uint_eq(iref_events_pending(dev), 0);
}
END_TEST

/* C107: "Faults are reported in occurrence order, one record per faulting
 * access." [MODEL] */
START_TEST(test_C107_fault_order_one_per_access)
{
	struct iref_iommu *dev = conf_dev_nobypass();
	CONF_OK(conf_attach(dev, 1, CONF_EP1, 0));
	CONF_OK(conf_map(dev, 1, 0x1000, 0x1fff, 0x51000, CONF_R));
	struct {
		uint32_t ep;
		uint64_t iova, size;
		unsigned acc;
		uint64_t addr;
	} c[] = {
		{ CONF_EP2, 0x9000, 1, IREF_ACC_READ, 0x9000 },
		{ CONF_EP1, 0x1000, 0x2000, IREF_ACC_READ, 0x2000 },
		{ CONF_EP1, 0x1000, 0x10, IREF_ACC_WRITE, 0x1000 },
		{ CONF_EP3, 0x3000, 0x100, IREF_ACC_WRITE, 0x3000 },
		{ CONF_EP1, 0x1000, 4, IREF_ACC_READ, 0 }, /* no fault */
		{ CONF_EP2, 0x1000, 1, IREF_ACC_READ, 0x1000 },
	};
	size_t nf = 0;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct iref_dma_result r =
			conf_dma(dev, c[i].ep, c[i].iova, c[i].size, c[i].acc);
		nf += r.outcome == IREF_DMA_FAULT;
	}
	ck_assert_uint_eq(nf, 5);
	ck_assert_uint_eq(iref_events_pending(dev), 5);
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		if (c[i].addr == 0)
			continue;
		struct iref_fault_record q;
		ck_assert(conf_pop(dev, &q, NULL));
		ck_assert_msg(q.endpoint == c[i].ep && q.address == c[i].addr,
			      "record %zu: ep %u addr 0x%llx, expected ep %u "
			      "addr 0x%llx", i, q.endpoint,
			      (unsigned long long)q.address, c[i].ep,
			      (unsigned long long)c[i].addr);
	}
	ck_assert(!conf_pop(dev, NULL, NULL));
}
END_TEST

/* C108: "Without F_ATTACH_TABLE the bytes at offset 12 are zero and
 * F_PASID is never set." [SPEC-S/MODEL] Every fault kind, PASID-tagged
 * accesses included. */
START_TEST(test_C108_no_pasid_in_base_records)
{
	struct iref_iommu *dev = conf_dev_nobypass();
	CONF_OK(conf_attach(dev, 1, CONF_EP1, 0));
	CONF_OK(conf_map(dev, 1, 0x1000, 0x1fff, 0x51000, CONF_R));
	conf_dma(dev, CONF_EP2, 0x1000, 1, IREF_ACC_READ);
	conf_dma(dev, CONF_EP1, 0x1000, 1, IREF_ACC_WRITE);
	conf_dma(dev, CONF_EP1, 0x8000, 1, IREF_ACC_READ);
	conf_dma_pasid(dev, CONF_EP1, 0x55, 0x1000, 1, IREF_ACC_READ);
	conf_dma_pasid(dev, CONF_EP1, 0xfffff, 0x8000, 1, IREF_ACC_WRITE);
	conf_dma_pasid(dev, CONF_EP2, 7, 0x1000, 1, IREF_ACC_READ);
	conf_dma(dev, CONF_EP_RESV, CONF_RESV_START, 1, IREF_ACC_READ);
	size_t n = 0;
	struct iref_fault_record q;
	uint8_t raw[IREF_FAULT_RECORD_SIZE];
	while (conf_pop(dev, &q, raw)) {
		n++;
		ck_assert_msg(conf_all(raw + 12, 4, 0),
			      "record %zu: bytes 12..15 = %02x%02x%02x%02x", n,
			      raw[12], raw[13], raw[14], raw[15]);
		ck_assert_uint_eq(q.flags & IREF_FAULT_F_PASID, 0);
		ck_assert_uint_eq(q.flags & IREF_FAULT_F_EXEC, 0);
	}
	ck_assert_uint_eq(n, 7);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("conf_translate");
	TCase *tc = conf_tcase(s, "C95-C108");
	tcase_add_test(tc, test_C95_unattached_bypass_before_negotiation);
	tcase_add_test(tc, test_C95_bypass_config_offered_not_negotiated);
	tcase_add_test(tc, test_C96_unattached_no_bypass_faults_domain);
	tcase_add_test(tc, test_C97_legacy_bypass_feature);
	tcase_add_test(tc, test_C97_legacy_bypass_ignores_config_field);
	tcase_add_test(tc, test_C98_runtime_bypass_change);
	tcase_add_test(tc, test_C98_invalid_bypass_write_no_switch);
	tcase_add_test(tc, test_C99_bypass_domain_ignores_config_bypass);
	tcase_add_test(tc, test_C100_unknown_endpoint_aborted_logged);
	tcase_add_test(tc, test_C100_unknown_endpoint_passthrough_option);
	tcase_add_test(tc, test_C101_pasid_dma_on_map_domain_unknown);
	tcase_add_test(tc, test_C102_crossing_access_faults_at_first_bad_byte);
	tcase_add_test(tc, test_C102_crossing_hole_between_mappings);
	tcase_add_test(tc, test_C103_fault_record_layout);
	tcase_add_test(tc, test_C103_record_in_posted_buffers);
	tcase_add_test(tc, test_C103a_record_endpoint_is_faulting_one);
	tcase_add_test(tc, test_C104_fault_flags_base_mode);
	tcase_add_test(tc, test_C105_no_buffer_event_dropped);
	tcase_add_test(tc, test_C105_each_report_needs_a_fresh_buffer);
	tcase_add_test(tc, test_C105_auto_mode_full_queue_drops);
	tcase_add_test(tc, test_C106_short_buffer_event_dropped);
	tcase_add_test(tc, test_C106_short_buffer_not_consumed_model);
	tcase_add_test(tc, test_C107_fault_order_one_per_access);
	tcase_add_test(tc, test_C108_no_pasid_in_base_records);
	return s;
}

int main(void)
{
	return iref_test_run(suite());
}
