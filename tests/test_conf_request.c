/* Conformance: generic request rules (virtio-iommu.md section 2.2, 2.3;
 * checklist C21-C28). */
#include "conf_util.h"
#include "testutil.h"

/* Readable size of each base request type, index = type. */
static const size_t rsize[6] = {
	0,
	IREF_ATTACH_RSIZE,
	IREF_DETACH_RSIZE,
	IREF_MAP_RSIZE,
	IREF_UNMAP_RSIZE,
	IREF_PROBE_RSIZE,
};

/* A well-formed request of each base type whose success is visible:
 * ATTACH ep1 -> dom 1, DETACH ep2 from dom 2 (set up by the caller), MAP in
 * dom 1, UNMAP in dom 1, PROBE ep10. */
static size_t enc_type(uint8_t *rd, unsigned type)
{
	switch (type) {
	case IREF_T_ATTACH: return iref_enc_attach(rd, 1, CONF_EP1, 0);
	case IREF_T_DETACH: return iref_enc_detach(rd, 2, CONF_EP2);
	case IREF_T_MAP:
		return iref_enc_map(rd, 1, 0x10000, 0x10fff, 0x80000000u, CONF_RW);
	case IREF_T_UNMAP: return iref_enc_unmap(rd, 1, 0x10000, 0x10fff);
	case IREF_T_PROBE: return iref_enc_probe(rd, CONF_EP_RESV);
	}
	ck_abort_msg("bad type %u", type);
	return 0;
}

static size_t wsize(unsigned type)
{
	return type == IREF_T_PROBE ? 512 + 4 : 4;
}

/* C21: "Unknown request type (0, 8-255; also 6-7 when F_ATTACH_TABLE is not
 * offered) -> len0." [SPEC-S] The buffer comes back unwritten and nothing
 * changes. */
START_TEST(test_C21_unknown_type_len0)
{
	struct iref_iommu *dev = conf_dev();
	CONF_OK(conf_attach(dev, 1, CONF_EP1, 0));
	CONF_OK(conf_map(dev, 1, 0x1000, 0x1fff, 0x40000000, CONF_RW));
	struct conf_snap before;
	conf_snap_take(dev, &before);
	static const unsigned types[] = { 0, 6, 7, 8, 9, 0x10, 0x7f, 0x80,
					  0xfe, 0xff };
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		/* Make the body look like a valid ATTACH/DETACH of ep 2, so a
		 * device that ignored the type would change something. */
		uint8_t rd[128];
		memset(rd, 0, sizeof(rd));
		iref_enc_attach(rd, 3, CONF_EP2, 0);
		rd[0] = (uint8_t)types[i];
		for (size_t wlen = 4; wlen <= 64; wlen += 60) {
			uint8_t wr[64];
			size_t used = conf_raw(dev, rd, sizeof(rd), wr, wlen,
					       CONF_FILL);
			ck_assert_msg(used == 0, "type %u: used %zu", types[i],
				      used);
			ck_assert_msg(conf_all(wr, wlen, CONF_FILL),
				      "type %u: writable buffer written",
				      types[i]);
		}
	}
	conf_snap_check(dev, &before, "unknown types");
}
END_TEST

/* C21: types 6 and 7 are unknown in the base profile even with a body of
 * their extension size (124 / 60 bytes). */
START_TEST(test_C21_ext_types_unknown_in_base_profile)
{
	struct iref_iommu *dev = conf_dev();
	ck_assert(!(iref_iommu_offered(dev) &
		    IREF_FEAT(IREF_F_ATTACH_TABLE)));
	uint8_t rd[IREF_ATTACH_TABLE_RSIZE];
	memset(rd, 0, sizeof(rd));
	rd[0] = IREF_T_ATTACH_TABLE;
	iref_put_le32(rd + 4, 5);	 /* domain */
	iref_put_le32(rd + 8, CONF_EP1); /* endpoint */
	rd[12] = 1;			 /* format ARM_SMMU3 */
	uint8_t wr[4];
	ck_assert_uint_eq(conf_raw(dev, rd, IREF_ATTACH_TABLE_RSIZE, wr, 4,
				   CONF_FILL), 0);
	ck_assert(conf_all(wr, 4, CONF_FILL));
	ck_assert(!iref_iommu_domain_exists(dev, 5));
	ck_assert_int_eq(conf_ep_dom(dev, CONF_EP1), -1);

	memset(rd, 0, sizeof(rd));
	rd[0] = IREF_T_INVALIDATE;
	rd[4] = 1; /* scope DOMAIN */
	rd[5] = 2; /* C_TLB */
	ck_assert_uint_eq(conf_raw(dev, rd, IREF_INVALIDATE_RSIZE, wr, 4,
				   CONF_FILL), 0);
	ck_assert(conf_all(wr, 4, CONF_FILL));
}
END_TEST

/* C21, MODEL alternative (section 9, QEMU-like): with unknown_type =
 * LEN0_STATUS the device writes S_UNSUPP instead, and still changes
 * nothing. */
START_TEST(test_C21_unknown_type_status_policy_unsupp)
{
	struct iref_config cfg;
	conf_cfg(&cfg);
	cfg.opt.unknown_type = IREF_LEN0_STATUS;
	struct iref_iommu *dev = conf_new(&cfg);
	struct conf_snap before;
	conf_snap_take(dev, &before);
	static const unsigned types[] = { 0, 6, 7, 8, 0xff };
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		uint8_t rd[32];
		memset(rd, 0, sizeof(rd));
		iref_enc_attach(rd, 3, CONF_EP2, 0);
		rd[0] = (uint8_t)types[i];
		CONF_ST(conf_send(dev, rd, sizeof(rd)), IREF_S_UNSUPP);
		CONF_ST(conf_send_w(dev, rd, sizeof(rd), 16), IREF_S_UNSUPP);
	}
	conf_snap_check(dev, &before, "unknown types, status policy");
}
END_TEST

/* C22: "Device-readable part shorter than the type's size -> len0."
 * [SPEC-i/MODEL] Every length from 0 to size-1, every base type. */
START_TEST(test_C22_short_readable_len0)
{
	struct iref_iommu *dev = conf_dev();
	CONF_OK(conf_attach(dev, 1, CONF_EP3, 0));
	CONF_OK(conf_map(dev, 1, 0x10000, 0x10fff, 0x80000000u, CONF_RW));
	CONF_OK(conf_attach(dev, 2, CONF_EP2, 0));
	struct conf_snap before;
	conf_snap_take(dev, &before);
	for (unsigned t = IREF_T_ATTACH; t <= IREF_T_PROBE; t++) {
		uint8_t rd[IREF_PROBE_RSIZE];
		size_t full = enc_type(rd, t);
		ck_assert_uint_eq(full, rsize[t]);
		for (size_t rlen = 0; rlen < full; rlen++) {
			/* the type's writable size, and a larger one */
			for (int big = 0; big < 2; big++) {
				uint8_t wr[516];
				size_t wlen = big ? 40 : wsize(t);
				size_t used = conf_raw(dev, rd, rlen, wr, wlen,
						       CONF_FILL);
				ck_assert_msg(used == 0,
					      "type %u rlen %zu wlen %zu: "
					      "used %zu",
					      t, rlen, wlen, used);
				ck_assert_msg(conf_all(wr, wlen, CONF_FILL),
					      "type %u rlen %zu wlen %zu: "
					      "buffer written",
					      t, rlen, wlen);
			}
		}
	}
	conf_snap_check(dev, &before, "short requests");
}
END_TEST

/* C22, MODEL alternative: short_request = LEN0_STATUS answers S_INVAL
 * (when the head is there and the writable area holds a tail) and still
 * executes nothing. */
START_TEST(test_C22_short_readable_status_policy_inval)
{
	struct iref_config cfg;
	conf_cfg(&cfg);
	cfg.opt.short_request = IREF_LEN0_STATUS;
	struct iref_iommu *dev = conf_new(&cfg);
	CONF_OK(conf_attach(dev, 1, CONF_EP3, 0));
	CONF_OK(conf_map(dev, 1, 0x10000, 0x10fff, 0x80000000u, CONF_RW));
	CONF_OK(conf_attach(dev, 2, CONF_EP2, 0));
	struct conf_snap before;
	conf_snap_take(dev, &before);
	for (unsigned t = IREF_T_ATTACH; t <= IREF_T_PROBE; t++) {
		uint8_t rd[IREF_PROBE_RSIZE];
		size_t full = enc_type(rd, t);
		for (size_t rlen = 4; rlen < full; rlen++) {
			uint8_t wr[516];
			size_t wlen = wsize(t);
			size_t used = conf_raw(dev, rd, rlen, wr, wlen,
					       CONF_FILL);
			ck_assert_msg(used == wlen,
				      "type %u rlen %zu: used %zu", t, rlen,
				      used);
			ck_assert_msg(wr[wlen - 4] == IREF_S_INVAL,
				      "type %u rlen %zu: status %s", t, rlen,
				      conf_sname(wr[wlen - 4]));
			ck_assert(conf_all(wr + wlen - 3, 3, 0));
			ck_assert_msg(conf_all(wr, wlen - 4, 0),
				      "type %u rlen %zu: bytes before the "
				      "tail not zeroed", t, rlen);
		}
	}
	conf_snap_check(dev, &before, "short requests, status policy");
}
END_TEST

/* C23: "Device-writable part < 4 bytes -> len0." [SPEC-i] */
START_TEST(test_C23_short_writable_len0)
{
	struct iref_iommu *dev = conf_dev();
	for (unsigned t = IREF_T_ATTACH; t <= IREF_T_PROBE; t++) {
		uint8_t rd[IREF_PROBE_RSIZE];
		size_t n = enc_type(rd, t);
		for (size_t wlen = 0; wlen < 4; wlen++) {
			uint8_t wr[4];
			memset(wr, CONF_FILL, sizeof(wr));
			size_t used = iref_request(dev, rd, n, wr, wlen);
			ck_assert_msg(used == 0, "type %u wlen %zu: used %zu",
				      t, wlen, used);
			ck_assert(conf_all(wr, sizeof(wr), CONF_FILL));
		}
	}
	/* The ATTACH was not executed. */
	ck_assert_int_eq(conf_ep_dom(dev, CONF_EP1), -1);
	ck_assert(!iref_iommu_domain_exists(dev, 1));
}
END_TEST

/* C23 holds under the status policies too: there is no room for a tail. */
START_TEST(test_C23_short_writable_len0_with_status_policies)
{
	struct iref_config cfg;
	conf_cfg(&cfg);
	cfg.opt.short_request = IREF_LEN0_STATUS;
	cfg.opt.unknown_type = IREF_LEN0_STATUS;
	struct iref_iommu *dev = conf_new(&cfg);
	uint8_t rd[IREF_ATTACH_RSIZE], wr[4];
	size_t n = iref_enc_attach(rd, 1, CONF_EP1, 0);
	for (size_t wlen = 0; wlen < 4; wlen++) {
		memset(wr, CONF_FILL, sizeof(wr));
		ck_assert_uint_eq(iref_request(dev, rd, n, wr, wlen), 0);
		ck_assert(conf_all(wr, sizeof(wr), CONF_FILL));
	}
	rd[0] = 0x42; /* unknown type */
	memset(wr, CONF_FILL, sizeof(wr));
	ck_assert_uint_eq(iref_request(dev, rd, n, wr, 3), 0);
	ck_assert(conf_all(wr, sizeof(wr), CONF_FILL));
	ck_assert_int_eq(conf_ep_dom(dev, CONF_EP1), -1);
}
END_TEST

/* C24: "Non-zero head.reserved does not change the outcome." [SPEC-M]
 * Every base type, success and error cases. */
START_TEST(test_C24_head_reserved_ignored)
{
	struct iref_iommu *dev = conf_dev();
	uint8_t rd[IREF_PROBE_RSIZE];

	iref_enc_attach(rd, 1, CONF_EP1, 0);
	rd[1] = 0xff, rd[2] = 0x01, rd[3] = 0x80;
	CONF_OK(conf_send(dev, rd, IREF_ATTACH_RSIZE));
	ck_assert_int_eq(conf_ep_dom(dev, CONF_EP1), 1);

	iref_enc_map(rd, 1, 0x10000, 0x10fff, 0x80000000u, CONF_RW);
	rd[1] = 0xff, rd[2] = 0xff, rd[3] = 0xff;
	CONF_OK(conf_send(dev, rd, IREF_MAP_RSIZE));
	conf_expect_map(dev, CONF_EP1, 0x10010, IREF_ACC_WRITE, 0x80000010u);

	/* An error keeps its status. */
	iref_enc_map(rd, 1, 0x10000, 0x10fff, 0x90000000u, CONF_RW);
	rd[1] = 0x5a;
	CONF_ST(conf_send(dev, rd, IREF_MAP_RSIZE), IREF_S_INVAL);
	iref_enc_attach(rd, 1, CONF_EP_NONE, 0);
	rd[3] = 0x01;
	CONF_ST(conf_send(dev, rd, IREF_ATTACH_RSIZE), IREF_S_NOENT);

	/* PROBE: the same answer bytes as with a zero head. */
	uint8_t a[516], b[516];
	size_t n = iref_enc_probe(rd, CONF_EP_RESV);
	ck_assert_uint_eq(conf_raw(dev, rd, n, a, sizeof(a), 0), sizeof(a));
	rd[1] = 0xff, rd[2] = 0xff, rd[3] = 0xff;
	ck_assert_uint_eq(conf_raw(dev, rd, n, b, sizeof(b), 0), sizeof(b));
	ck_assert_uint_eq(a[512], IREF_S_OK);
	ck_assert(memcmp(a, b, sizeof(a)) == 0);

	iref_enc_unmap(rd, 1, 0x10000, 0x10fff);
	rd[2] = 0x33;
	CONF_OK(conf_send(dev, rd, IREF_UNMAP_RSIZE));
	ck_assert_uint_eq(iref_iommu_domain_mappings(dev, 1), 0);

	iref_enc_detach(rd, 1, CONF_EP1);
	rd[1] = 0x01;
	CONF_OK(conf_send(dev, rd, IREF_DETACH_RSIZE));
	ck_assert_int_eq(conf_ep_dom(dev, CONF_EP1), -1);
}
END_TEST

/* C25: "tail.reserved is written as zero; used len equals the writable
 * length (4, or probe_size + 4 for PROBE)." [SPEC-S/MODEL] Checked on
 * success and on every error status, with a garbage-filled tail. */
START_TEST(test_C25_tail_reserved_zero_used_len)
{
	struct iref_iommu *dev = conf_dev();
	/* conf_send checks used == 4 and tail.reserved == 0 itself. */
	CONF_OK(conf_attach(dev, 1, CONF_EP1, 0));
	CONF_ST(conf_attach(dev, 1, CONF_EP_NONE, 0), IREF_S_NOENT);
	CONF_ST(conf_attach(dev, 1, CONF_EP1, 0x2), IREF_S_INVAL);
	CONF_OK(conf_map(dev, 1, 0x1000, 0x1fff, 0x2000, CONF_RW));
	CONF_ST(conf_map(dev, 1, 0x1800, 0x2fff, 0x2000, CONF_RW),
		IREF_S_RANGE);
	CONF_ST(conf_map(dev, 9, 0x1000, 0x1fff, 0x2000, CONF_RW),
		IREF_S_NOENT);
	CONF_ST(conf_unmap(dev, 1, 0x1000, 0x17ff), IREF_S_RANGE);
	CONF_OK(conf_unmap(dev, 1, 0x1000, 0x1fff));
	CONF_ST(conf_detach(dev, 2, CONF_EP1), IREF_S_INVAL);
	CONF_OK(conf_detach(dev, 1, CONF_EP1));

	/* Tail with every bit set beforehand. */
	uint8_t rd[IREF_ATTACH_RSIZE], wr[4];
	size_t n = iref_enc_attach(rd, 1, CONF_EP1, 0);
	ck_assert_uint_eq(conf_raw(dev, rd, n, wr, 4, 0xff), 4);
	ck_assert_uint_eq(wr[0], IREF_S_OK);
	ck_assert(conf_all(wr + 1, 3, 0));
}
END_TEST

/* C25 for PROBE: used length = probe_size + 4, on success and error. */
START_TEST(test_C25_probe_used_len)
{
	struct iref_iommu *dev = conf_dev();
	uint8_t cfgsp[IREF_CONFIG_SPACE_SIZE];
	iref_iommu_config_read(dev, cfgsp);
	uint32_t probe_size = iref_le32(cfgsp + 0x20);
	ck_assert_uint_eq(probe_size, 512);
	uint8_t wr[516];
	size_t used = conf_probe_raw(dev, CONF_EP_RESV, wr, sizeof(wr));
	ck_assert_uint_eq(used, probe_size + 4);
	ck_assert_uint_eq(wr[512], IREF_S_OK);
	ck_assert(conf_all(wr + 513, 3, 0));
	used = conf_probe_raw(dev, CONF_EP_NONE, wr, sizeof(wr));
	ck_assert_uint_eq(used, probe_size + 4);
	ck_assert_uint_eq(wr[512], IREF_S_NOENT);
	ck_assert(conf_all(wr + 513, 3, 0));
}
END_TEST

/* C25 (section 2.2 step 5): with a writable area larger than 4 bytes the
 * tail is the last 4 bytes, the bytes before it are zeroed and the used
 * length is the whole area. */
START_TEST(test_C25_larger_writable_tail_last4)
{
	struct iref_iommu *dev = conf_dev();
	uint8_t rd[IREF_ATTACH_RSIZE];
	size_t n = iref_enc_attach(rd, 1, CONF_EP1, 0);
	/* conf_send_w checks used == 12, tail at wr[8..11], wr[0..7] == 0 */
	CONF_OK(conf_send_w(dev, rd, n, 12));
	ck_assert_int_eq(conf_ep_dom(dev, CONF_EP1), 1);
	n = iref_enc_attach(rd, 1, CONF_EP_NONE, 0);
	CONF_ST(conf_send_w(dev, rd, n, 64), IREF_S_NOENT);
	uint8_t mp[IREF_MAP_RSIZE];
	n = iref_enc_map(mp, 1, 0x1000, 0x1fff, 0x9000, CONF_RW);
	CONF_OK(conf_send_w(dev, mp, n, 5));
	conf_expect_map(dev, CONF_EP1, 0x1004, IREF_ACC_READ, 0x9004);
}
END_TEST

/* Run a fixed script on a fresh device with writable areas pre-filled with
 * `fill`; append every used length and writable byte to out. */
static size_t script_c25(uint8_t fill, uint8_t *out)
{
	struct iref_iommu *dev = conf_dev();
	uint8_t rd[IREF_PROBE_RSIZE], wr[516];
	size_t o = 0;
#define STEP(enc, wlen)                                                    \
	do {                                                               \
		size_t n_ = (enc);                                         \
		size_t u_ = conf_raw(dev, rd, n_, wr, (wlen), fill);       \
		out[o++] = (uint8_t)u_;                                    \
		out[o++] = (uint8_t)(u_ >> 8);                             \
		memcpy(out + o, wr, (wlen));                               \
		o += (wlen);                                               \
	} while (0)
	STEP(iref_enc_attach(rd, 1, CONF_EP1, 0), 4);
	STEP(iref_enc_attach(rd, 1, CONF_EP_NONE, 0), 4);
	STEP(iref_enc_attach(rd, 2, CONF_EP2, IREF_ATTACH_F_BYPASS), 8);
	STEP(iref_enc_map(rd, 1, 0x1000, 0x1fff, 0x5000, CONF_RW), 4);
	STEP(iref_enc_map(rd, 1, 0x1000, 0x1fff, 0x5000, CONF_RW), 4);
	STEP(iref_enc_map(rd, 2, 0x1000, 0x1fff, 0x5000, CONF_RW), 4);
	STEP(iref_enc_unmap(rd, 1, 0x0, 0xfff), 4);
	STEP(iref_enc_probe(rd, CONF_EP_RESV), 516);
	STEP(iref_enc_probe(rd, CONF_EP1), 516);
	STEP(iref_enc_probe(rd, CONF_EP_NONE), 516);
	STEP(iref_enc_probe(rd, CONF_EP_RESV), 100);
	STEP(iref_enc_detach(rd, 1, CONF_EP2), 4);
	STEP(iref_enc_detach(rd, 1, CONF_EP1), 4);
	STEP(iref_enc_attach(rd, 1, CONF_EP1, 0), 2);
	rd[0] = 0x77;
	STEP(IREF_ATTACH_RSIZE, 4);
#undef STEP
	return o;
}

/* C25 / C15a-style: "The result does not depend on the prior contents of
 * device-writable buffers (e.g. pre-filled 0x00 vs 0xFF)." [SPEC-S] Same
 * script, same answers byte for byte (len0 answers leave the fill, so they
 * are compared for the used length only). */
START_TEST(test_C25_result_independent_of_prior_writable_content)
{
	static uint8_t a[4096], b[4096];
	size_t na = script_c25(0x00, a);
	size_t nb = script_c25(0xff, b);
	ck_assert_uint_eq(na, nb);
	size_t o = 0;
	static const size_t wl[] = { 4, 4, 8, 4, 4, 4, 4, 516, 516, 516, 100,
				     4, 4, 2, 4 };
	for (size_t i = 0; i < sizeof(wl) / sizeof(wl[0]); i++) {
		size_t ua = a[o] | (size_t)a[o + 1] << 8;
		size_t ub = b[o] | (size_t)b[o + 1] << 8;
		ck_assert_msg(ua == ub, "step %zu: used %zu vs %zu", i, ua, ub);
		if (ua != 0)
			ck_assert_msg(memcmp(a + o + 2, b + o + 2, wl[i]) == 0,
				      "step %zu: answer depends on the prior "
				      "buffer contents", i);
		o += 2 + wl[i];
	}
	ck_assert_uint_eq(o, na);
}
END_TEST

/* C26: "Extra device-readable bytes beyond the type's size are ignored."
 * [MODEL] */
START_TEST(test_C26_extra_readable_bytes_ignored)
{
	struct iref_iommu *dev = conf_dev();
	uint8_t rd[256];

	memset(rd, 0xff, sizeof(rd));
	iref_enc_attach(rd, 1, CONF_EP1, 0);
	CONF_OK(conf_send(dev, rd, IREF_ATTACH_RSIZE + 12));
	ck_assert_int_eq(conf_ep_dom(dev, CONF_EP1), 1);

	memset(rd, 0xff, sizeof(rd));
	iref_enc_map(rd, 1, 0x10000, 0x10fff, 0x80000000u, CONF_RW);
	CONF_OK(conf_send(dev, rd, IREF_MAP_RSIZE + 1));
	conf_expect_map(dev, CONF_EP1, 0x10000, IREF_ACC_READ, 0x80000000u);

	memset(rd, 0xff, sizeof(rd));
	iref_enc_unmap(rd, 1, 0x10000, 0x10fff);
	CONF_OK(conf_send(dev, rd, 200));
	ck_assert_uint_eq(iref_iommu_domain_mappings(dev, 1), 0);

	/* An error status is not changed by the trailer either. */
	memset(rd, 0xff, sizeof(rd));
	iref_enc_detach(rd, 7, CONF_EP1);
	CONF_ST(conf_send(dev, rd, IREF_DETACH_RSIZE + 7), IREF_S_INVAL);

	memset(rd, 0xff, sizeof(rd));
	iref_enc_detach(rd, 1, CONF_EP1);
	CONF_OK(conf_send(dev, rd, IREF_DETACH_RSIZE + 100));
	ck_assert_int_eq(conf_ep_dom(dev, CONF_EP1), -1);

	/* PROBE: same answer as without the trailer. */
	uint8_t a[516], b[516];
	iref_enc_probe(rd, CONF_EP_RESV);
	ck_assert_uint_eq(conf_raw(dev, rd, IREF_PROBE_RSIZE, a, 516, 0), 516);
	memset(rd + IREF_PROBE_RSIZE, 0xee, 64);
	ck_assert_uint_eq(conf_raw(dev, rd, IREF_PROBE_RSIZE + 64, b, 516, 0),
			  516);
	ck_assert_uint_eq(a[512], IREF_S_OK);
	ck_assert(memcmp(a, b, sizeof(a)) == 0);
}
END_TEST

/* C27: "Requests complete in available-ring order and each request's
 * effect is visible to DMA before its used element appears." [MODEL] With
 * the synchronous API: the effect is visible as soon as iref_request
 * returns, and a sequence is applied in order. */
START_TEST(test_C27_effect_visible_on_completion)
{
	struct iref_iommu *dev = conf_dev_nobypass();
	conf_expect_fault(dev, CONF_EP1, 0x3000, IREF_ACC_READ, IREF_R_DOMAIN);
	CONF_OK(conf_attach(dev, 4, CONF_EP1, 0));
	conf_expect_fault(dev, CONF_EP1, 0x3000, IREF_ACC_READ,
			  IREF_R_MAPPING);
	CONF_OK(conf_map(dev, 4, 0x3000, 0x3fff, 0x7000, CONF_R));
	conf_expect_map(dev, CONF_EP1, 0x3000, IREF_ACC_READ, 0x7000);
	CONF_OK(conf_unmap(dev, 4, 0x3000, 0x3fff));
	conf_expect_fault(dev, CONF_EP1, 0x3000, IREF_ACC_READ,
			  IREF_R_MAPPING);
	CONF_OK(conf_detach(dev, 4, CONF_EP1));
	conf_expect_fault(dev, CONF_EP1, 0x3000, IREF_ACC_READ, IREF_R_DOMAIN);
}
END_TEST

START_TEST(test_C27_sequence_applied_in_order)
{
	struct iref_iommu *dev = conf_dev();
	/* map A, unmap A, map A' at another PA, attach ep2 to the same
	 * domain: the last state wins for both endpoints. */
	CONF_OK(conf_attach(dev, 1, CONF_EP1, 0));
	CONF_OK(conf_map(dev, 1, 0x20000, 0x20fff, 0x100000000ull, CONF_RW));
	CONF_OK(conf_unmap(dev, 1, 0x20000, 0x20fff));
	CONF_OK(conf_map(dev, 1, 0x20000, 0x20fff, 0x200000000ull, CONF_RW));
	CONF_OK(conf_attach(dev, 1, CONF_EP2, 0));
	conf_expect_map(dev, CONF_EP1, 0x20008, IREF_ACC_READ,
			0x200000008ull);
	conf_expect_map(dev, CONF_EP2, 0x20ff8, IREF_ACC_WRITE,
			0x200000ff8ull);
	/* A request that depends on the previous one: move ep2 away,
	 * then the domain still has ep1 and its mapping. */
	CONF_OK(conf_attach(dev, 2, CONF_EP2, 0));
	CONF_OK(conf_unmap(dev, 1, 0, CONF_INPUT_END));
	conf_expect_fault(dev, CONF_EP1, 0x20008, IREF_ACC_READ,
			  IREF_R_MAPPING);
	conf_expect_fault(dev, CONF_EP2, 0x20008, IREF_ACC_READ,
			  IREF_R_MAPPING);
}
END_TEST

/* C28: "No request that returns an error status changes device state
 * (exception: C81)." [MODEL] A battery of failing requests against a
 * populated device; attachments, domains, mapping counts and DMA results
 * of every standard endpoint are compared after each. */
START_TEST(test_C28_error_requests_change_nothing)
{
	struct iref_iommu *dev = conf_dev();
	CONF_OK(conf_attach(dev, 1, CONF_EP1, 0));
	CONF_OK(conf_map(dev, 1, 0x1000, 0x2fff, 0x40001000, CONF_RW));
	CONF_OK(conf_map(dev, 1, 0x10000, 0x10fff, 0x50000000, CONF_R));
	CONF_OK(conf_attach(dev, 2, CONF_EP2, IREF_ATTACH_F_BYPASS));
	CONF_OK(conf_attach(dev, 3, CONF_EP_RESV, 0));
	struct conf_snap before;
	conf_snap_take(dev, &before);

	struct {
		const char *what;
		uint8_t rd[IREF_PROBE_RSIZE];
		size_t n;
		int want;
	} c[32];
	size_t k = 0;
#define CASE(desc, enc, st)                                   \
	do {                                                  \
		c[k].what = desc;                             \
		memset(c[k].rd, 0, sizeof(c[k].rd));          \
		c[k].n = (enc);                               \
		c[k].want = (st);                             \
		k++;                                          \
	} while (0)
	/* ATTACH that would move ep1 out of domain 1 (destroying it) */
	CASE("attach reserved", iref_enc_attach(c[k].rd, 5, CONF_EP1, 0),
	     IREF_S_INVAL);
	c[k - 1].rd[17] = 1;
	CASE("attach bad flag", iref_enc_attach(c[k].rd, 5, CONF_EP1, 0x4),
	     IREF_S_INVAL);
	CASE("attach noent", iref_enc_attach(c[k].rd, 5, CONF_EP_NONE, 0),
	     IREF_S_NOENT);
	CASE("attach plain into bypass dom",
	     iref_enc_attach(c[k].rd, 2, CONF_EP1, 0), IREF_S_INVAL);
	CASE("attach bypass into map dom",
	     iref_enc_attach(c[k].rd, 3, CONF_EP1, IREF_ATTACH_F_BYPASS),
	     IREF_S_INVAL);
	CASE("attach bypass into map dom (unattached ep)",
	     iref_enc_attach(c[k].rd, 1, CONF_EP3, IREF_ATTACH_F_BYPASS),
	     IREF_S_INVAL);
	CASE("detach noent", iref_enc_detach(c[k].rd, 1, CONF_EP_NONE),
	     IREF_S_NOENT);
	CASE("detach wrong domain", iref_enc_detach(c[k].rd, 3, CONF_EP1),
	     IREF_S_INVAL);
	CASE("detach unattached", iref_enc_detach(c[k].rd, 1, CONF_EP3),
	     IREF_S_INVAL);
	CASE("map bad flag",
	     iref_enc_map(c[k].rd, 1, 0x20000, 0x20fff, 0x0, 0x8),
	     IREF_S_INVAL);
	CASE("map noent", iref_enc_map(c[k].rd, 9, 0x20000, 0x20fff, 0, 1),
	     IREF_S_NOENT);
	CASE("map bypass dom",
	     iref_enc_map(c[k].rd, 2, 0x20000, 0x20fff, 0, 1), IREF_S_INVAL);
	CASE("map end<=start",
	     iref_enc_map(c[k].rd, 1, 0x20000, 0x20000, 0, 1), IREF_S_INVAL);
	CASE("map unaligned",
	     iref_enc_map(c[k].rd, 1, 0x20800, 0x20fff, 0, 1), IREF_S_RANGE);
	CASE("map input range",
	     iref_enc_map(c[k].rd, 1, CONF_INPUT_END + 1,
			  CONF_INPUT_END + 0x1000, 0, 1),
	     IREF_S_RANGE);
	CASE("map phys wrap",
	     iref_enc_map(c[k].rd, 1, 0x20000, 0x21fff,
			  UINT64_MAX - 0xfff, 1),
	     IREF_S_RANGE);
	CASE("map overlap",
	     iref_enc_map(c[k].rd, 1, 0x2000, 0x3fff, 0x60000000, 1),
	     IREF_S_INVAL);
	CASE("map resv overlap",
	     iref_enc_map(c[k].rd, 3, CONF_RESV_START, CONF_RESV_START + 0xfff,
			  0x60000000, 1),
	     IREF_S_INVAL);
	CASE("unmap split",
	     iref_enc_unmap(c[k].rd, 1, 0x0, 0x1fff), IREF_S_RANGE);
	CASE("unmap split covering one",
	     iref_enc_unmap(c[k].rd, 1, 0x1000, 0x107ff), IREF_S_RANGE);
	CASE("unmap noent", iref_enc_unmap(c[k].rd, 9, 0, 0xfff),
	     IREF_S_NOENT);
	CASE("unmap bypass", iref_enc_unmap(c[k].rd, 2, 0, 0xfff),
	     IREF_S_INVAL);
	CASE("unmap end<start", iref_enc_unmap(c[k].rd, 1, 0x2fff, 0x1000),
	     IREF_S_INVAL);
#undef CASE
	for (size_t i = 0; i < k; i++) {
		int st = conf_send(dev, c[i].rd, c[i].n);
		ck_assert_msg(st == c[i].want, "%s: status %s, expected %s",
			      c[i].what, conf_sname(st),
			      conf_sname(c[i].want));
		conf_snap_check(dev, &before, c[i].what);
	}
	/* PROBE errors too. */
	uint8_t wr[516];
	ck_assert_uint_eq(conf_probe_raw(dev, CONF_EP_NONE, wr, 516), 516);
	ck_assert_uint_eq(wr[512], IREF_S_NOENT);
	ck_assert_uint_eq(conf_probe_raw(dev, CONF_EP_RESV, wr, 100), 100);
	ck_assert_uint_eq(wr[96], IREF_S_INVAL);
	conf_snap_check(dev, &before, "probe errors");
}
END_TEST

/* C28 under the MAP_UNMAP-less negotiation: S_UNSUPP changes nothing. */
START_TEST(test_C28_unsupp_changes_nothing)
{
	struct iref_config cfg;
	conf_cfg(&cfg);
	struct iref_iommu *dev = conf_new_unnegotiated(&cfg);
	conf_negotiate_without(dev, IREF_FEAT(IREF_F_MAP_UNMAP));
	CONF_OK(conf_attach(dev, 1, CONF_EP1, 0));
	struct conf_snap before;
	conf_snap_take(dev, &before);
	CONF_ST(conf_map(dev, 1, 0x1000, 0x1fff, 0x1000, CONF_RW),
		IREF_S_UNSUPP);
	CONF_ST(conf_unmap(dev, 1, 0, UINT64_MAX), IREF_S_UNSUPP);
	conf_snap_check(dev, &before, "unsupp");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("conf_request");
	TCase *tc = conf_tcase(s, "C21-C28");
	tcase_add_test(tc, test_C21_unknown_type_len0);
	tcase_add_test(tc, test_C21_ext_types_unknown_in_base_profile);
	tcase_add_test(tc, test_C21_unknown_type_status_policy_unsupp);
	tcase_add_test(tc, test_C22_short_readable_len0);
	tcase_add_test(tc, test_C22_short_readable_status_policy_inval);
	tcase_add_test(tc, test_C23_short_writable_len0);
	tcase_add_test(tc, test_C23_short_writable_len0_with_status_policies);
	tcase_add_test(tc, test_C24_head_reserved_ignored);
	tcase_add_test(tc, test_C25_tail_reserved_zero_used_len);
	tcase_add_test(tc, test_C25_probe_used_len);
	tcase_add_test(tc, test_C25_larger_writable_tail_last4);
	tcase_add_test(tc,
		       test_C25_result_independent_of_prior_writable_content);
	tcase_add_test(tc, test_C26_extra_readable_bytes_ignored);
	tcase_add_test(tc, test_C27_effect_visible_on_completion);
	tcase_add_test(tc, test_C27_sequence_applied_in_order);
	tcase_add_test(tc, test_C28_error_requests_change_nothing);
	tcase_add_test(tc, test_C28_unsupp_changes_nothing);
	return s;
}

int main(void)
{
	return iref_test_run(suite());
}
