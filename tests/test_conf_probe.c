/* Conformance: PROBE and RESV_MEM (virtio-iommu.md section 4, 5.2 step 2;
 * checklist C84-C94). */
#include "conf_util.h"
#include "testutil.h"

#define PSZ 512u /* model-default probe_size */
#define WLEN (PSZ + 4)

/* Collected RESV_MEM properties of one PROBE answer. */
struct props {
	size_t n;
	struct iref_probe_prop p[16];
	size_t off[16];
};

/* Walk the properties area by hand (header at off, next at off + 4 +
 * length) and check the generic layout rules of section 4.1 rule 5 /
 * C87: header reserved bits zero, everything after the last property zero
 * up to len. */
static void walk_props(const uint8_t *area, size_t len, struct props *out)
{
	memset(out, 0, sizeof(*out));
	size_t off = 0;
	while (off + 4 <= len) {
		uint16_t tr = iref_le16(area + off);
		uint16_t plen = iref_le16(area + off + 2);
		if ((tr & 0xfff) == IREF_PROBE_T_NONE)
			break;
		ck_assert_msg((tr >> 12) == 0,
			      "property at %zu: header reserved bits 0x%x", off,
			      tr >> 12);
		ck_assert_msg(off + 4 + plen <= len,
			      "property at %zu runs past the area", off);
		ck_assert_uint_lt(out->n, 16);
		struct iref_probe_prop *p = &out->p[out->n];
		p->type = tr & 0xfff;
		p->length = plen;
		p->value = area + off + 4;
		if (p->type == IREF_PROBE_T_RESV_MEM && plen >= 20) {
			p->subtype = area[off + 4];
			p->start = iref_le64(area + off + 8);
			p->end = iref_le64(area + off + 16);
		}
		out->off[out->n++] = off;
		off += 4 + plen;
	}
	ck_assert_msg(conf_all(area + off, len - off, 0),
		      "bytes after the last property (from %zu) not zero", off);
}

/* Cross-check with the wire.h parser. */
struct parse_ctx {
	size_t n;
	uint64_t starts[16];
};

static bool parse_cb(void *ctx, const struct iref_probe_prop *p)
{
	struct parse_ctx *c = ctx;
	if (c->n < 16)
		c->starts[c->n] = p->start;
	c->n++;
	return true;
}

/* PROBE ep with a writable area of wlen, expect used == wlen; return the
 * status. */
static int probe(struct iref_iommu *dev, uint32_t ep, uint8_t *wr,
		 size_t wlen)
{
	size_t used = conf_probe_raw(dev, ep, wr, wlen);
	ck_assert_msg(used == wlen, "PROBE ep %u: used %zu, expected %zu", ep,
		      used, wlen);
	ck_assert_msg(conf_all(wr + wlen - 3, 3, 0),
		      "PROBE tail.reserved not zero");
	return wr[wlen - 4];
}

/* C84: "PROBE when F_PROBE is offered but not negotiated -> len0."
 * [MODEL] */
START_TEST(test_C84_probe_not_negotiated_len0)
{
	struct iref_config cfg;
	conf_cfg(&cfg);
	struct iref_iommu *dev = conf_new_unnegotiated(&cfg);
	conf_negotiate_without(dev, IREF_FEAT(IREF_F_PROBE));
	uint8_t wr[WLEN];
	ck_assert_uint_eq(conf_probe_raw(dev, CONF_EP_RESV, wr, WLEN), 0);
	ck_assert_msg(conf_all(wr, WLEN, CONF_FILL),
		      "len0 answer wrote the writable buffer");
	ck_assert_uint_eq(conf_probe_raw(dev, CONF_EP_NONE, wr, WLEN), 0);
	ck_assert_msg(conf_all(wr, WLEN, CONF_FILL),
		      "len0 answer wrote the writable buffer");
	ck_assert_uint_eq(conf_probe_raw(dev, CONF_EP1, wr, 4), 0);
	ck_assert(conf_all(wr, 4, CONF_FILL));
}
END_TEST

/* C84a: "Device configured without F_PROBE (not offered): PROBE -> len0,
 * nothing written." [SPEC-S] */
START_TEST(test_C84a_probe_not_offered_len0)
{
	struct iref_config cfg;
	conf_cfg(&cfg);
	cfg.features &= ~IREF_FEAT(IREF_F_PROBE);
	struct iref_iommu *dev = conf_new(&cfg);
	uint8_t wr[WLEN];
	ck_assert_uint_eq(conf_probe_raw(dev, CONF_EP_RESV, wr, WLEN), 0);
	ck_assert_msg(conf_all(wr, WLEN, CONF_FILL),
		      "len0 answer wrote the writable buffer");
	ck_assert_uint_eq(conf_probe_raw(dev, CONF_EP_NONE, wr, 4), 0);
	ck_assert(conf_all(wr, 4, CONF_FILL));
}
END_TEST

/* C85: "PROBE of a non-existent endpoint -> S_NOENT." [SPEC-S] The
 * properties area is zero-filled (section 4.1 rule 3). */
START_TEST(test_C85_probe_unknown_endpoint_noent)
{
	struct iref_iommu *dev = conf_dev();
	uint8_t wr[WLEN];
	CONF_ST(probe(dev, CONF_EP_NONE, wr, WLEN), IREF_S_NOENT);
	ck_assert(conf_all(wr, PSZ, 0));
	CONF_ST(probe(dev, 0, wr, WLEN), IREF_S_NOENT);
	CONF_ST(probe(dev, 0xffffffffu, wr, WLEN), IREF_S_NOENT);
}
END_TEST

/* C86: "PROBE with a writable area < probe_size + 4 (but >= 4) -> S_INVAL,
 * no property written." [SPEC-S] The tail is the last 4 writable bytes. */
START_TEST(test_C86_probe_small_area_inval)
{
	struct iref_iommu *dev = conf_dev();
	static const size_t lens[] = { 4, 5, 8, 28, 100, WLEN - 1 };
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		uint8_t wr[WLEN];
		CONF_ST(probe(dev, CONF_EP_RESV, wr, lens[i]), IREF_S_INVAL);
		ck_assert_msg(conf_all(wr, lens[i] - 4, 0),
			      "wlen %zu: a property was written", lens[i]);
	}
}
END_TEST

/* C87: "PROBE output: properties packed at +4+length steps, header bits
 * [15:12] zero, bytes after the last property zero up to probe_size."
 * [SPEC-M/S] */
START_TEST(test_C87_probe_layout_packed_and_zero_padded)
{
	struct iref_iommu *dev = conf_dev();
	uint8_t wr[WLEN];
	CONF_OK(probe(dev, CONF_EP_RESV, wr, WLEN));
	struct props p;
	walk_props(wr, PSZ, &p);
	ck_assert_uint_eq(p.n, 2);
	ck_assert_uint_eq(p.off[0], 0);
	ck_assert_uint_eq(p.off[1], 4 + p.p[0].length);
	/* The wire.h parser sees the same list. */
	struct parse_ctx c = { 0, { 0 } };
	ck_assert_int_eq(iref_probe_parse(wr, PSZ, parse_cb, &c), IREF_OK);
	ck_assert_uint_eq(c.n, 2);
	/* An endpoint without regions: all zero, S_OK. */
	CONF_OK(probe(dev, CONF_EP1, wr, WLEN));
	ck_assert(conf_all(wr, PSZ, 0));
}
END_TEST

/* C87 with a probe_size that is not a multiple of 24 and many regions:
 * packing continues and the padding is zero. */
START_TEST(test_C87_probe_many_regions)
{
	struct iref_config cfg;
	conf_cfg(&cfg);
	cfg.probe_size = 200;
	struct iref_iommu *dev = conf_new_bare(&cfg);
	struct iref_resv_region r[6];
	for (int i = 0; i < 6; i++) {
		r[i].subtype = i == 3 ? IREF_RESV_MEM_T_MSI
				      : IREF_RESV_MEM_T_RESERVED;
		r[i].start = UINT64_C(0x10000000) * (uint64_t)(i + 1);
		r[i].end = r[i].start + 0xffff;
	}
	conf_add_ep(dev, 5, 0, r, 6);
	conf_negotiate(dev, iref_iommu_offered(dev));
	uint8_t wr[204];
	CONF_OK(probe(dev, 5, wr, sizeof(wr)));
	struct props p;
	walk_props(wr, 200, &p);
	ck_assert_uint_eq(p.n, 6);
	for (size_t i = 0; i < 6; i++)
		ck_assert_uint_eq(p.off[i], 24 * i);
	ck_assert(conf_all(wr + 144, 56, 0));
}
END_TEST

/* C88: "RESV_MEM property: type 1, length 20, subtype in {0,1}, reserved
 * zero [SPEC]; start <= end, both inclusive." */
START_TEST(test_C88_resv_mem_property_fields)
{
	struct iref_iommu *dev = conf_dev();
	uint8_t wr[WLEN];
	CONF_OK(probe(dev, CONF_EP_RESV, wr, WLEN));
	struct props p;
	walk_props(wr, PSZ, &p);
	ck_assert_uint_eq(p.n, 2);
	bool seen_resv = false, seen_msi = false;
	for (size_t i = 0; i < p.n; i++) {
		const uint8_t *h = wr + p.off[i];
		ck_assert_uint_eq(iref_le16(h), IREF_PROBE_T_RESV_MEM);
		ck_assert_uint_eq(iref_le16(h + 2), 20);
		ck_assert(conf_all(h + 5, 3, 0));
		ck_assert_uint_le(p.p[i].start, p.p[i].end);
		if (h[4] == IREF_RESV_MEM_T_RESERVED) {
			ck_assert(!seen_resv);
			seen_resv = true;
			ck_assert_uint_eq(p.p[i].start, CONF_RESV_START);
			ck_assert_uint_eq(p.p[i].end, CONF_RESV_END);
		} else {
			ck_assert_uint_eq(h[4], IREF_RESV_MEM_T_MSI);
			ck_assert(!seen_msi);
			seen_msi = true;
			ck_assert_uint_eq(p.p[i].start, CONF_MSI_START);
			ck_assert_uint_eq(p.p[i].end, CONF_MSI_END);
		}
	}
	ck_assert(seen_resv && seen_msi);
	/* A one-byte region reads start == end. */
	struct iref_config cfg;
	conf_cfg(&cfg);
	struct iref_iommu *d2 = conf_new_bare(&cfg);
	struct iref_resv_region one = { IREF_RESV_MEM_T_RESERVED, 0x5000,
					0x5000 };
	conf_add_ep(d2, 6, 0, &one, 1);
	conf_negotiate(d2, iref_iommu_offered(d2));
	CONF_OK(probe(d2, 6, wr, WLEN));
	walk_props(wr, PSZ, &p);
	ck_assert_uint_eq(p.n, 1);
	ck_assert_uint_eq(p.p[0].start, 0x5000);
	ck_assert_uint_eq(p.p[0].end, 0x5000);
}
END_TEST

/* C89: "At most one T_MSI region per endpoint; no two regions of one
 * endpoint overlap." [SPEC-S] The device refuses such an endpoint
 * configuration (iommu.h), so PROBE can never present one. */
START_TEST(test_C89_endpoint_region_rules_enforced)
{
	struct iref_iommu *dev = conf_dev();
	struct iref_endpoint_config ep;
	struct iref_diag diag;
	struct iref_resv_region two_msi[2] = {
		{ IREF_RESV_MEM_T_MSI, 0x1000, 0x1fff },
		{ IREF_RESV_MEM_T_MSI, 0x3000, 0x3fff },
	};
	struct iref_resv_region overlap[2] = {
		{ IREF_RESV_MEM_T_RESERVED, 0x1000, 0x1fff },
		{ IREF_RESV_MEM_T_MSI, 0x1fff, 0x2fff },
	};
	struct iref_resv_region backwards = { IREF_RESV_MEM_T_RESERVED,
					      0x2000, 0x1fff };
	struct iref_resv_region badsub = { 2, 0x1000, 0x1fff };
	struct {
		const struct iref_resv_region *r;
		size_t n;
	} bad[] = { { two_msi, 2 }, { overlap, 2 }, { &backwards, 1 },
		    { &badsub, 1 } };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&ep, 0, sizeof(ep));
		memset(&diag, 0, sizeof(diag));
		ep.id = 20 + (uint32_t)i;
		ep.resv = bad[i].r;
		ep.n_resv = bad[i].n;
		ck_assert_int_eq(iref_iommu_add_endpoint(dev, &ep, &diag),
				 IREF_E_INVAL);
		ck_assert_msg(diag.msg[0] != 0, "case %zu: no diagnostic", i);
		uint8_t wr[WLEN];
		CONF_ST(probe(dev, ep.id, wr, WLEN), IREF_S_NOENT);
	}
	/* Adjacent regions are fine. */
	struct iref_resv_region adj[2] = {
		{ IREF_RESV_MEM_T_RESERVED, 0x1000, 0x1fff },
		{ IREF_RESV_MEM_T_MSI, 0x2000, 0x2fff },
	};
	conf_add_ep(dev, 30, 0, adj, 2);
	/* PROBE output of every standard endpoint obeys the rule. */
	static const uint32_t eps[] = { CONF_EP1, CONF_EP_RESV, 30 };
	for (size_t e = 0; e < 3; e++) {
		uint8_t wr[WLEN];
		CONF_OK(probe(dev, eps[e], wr, WLEN));
		struct props p;
		walk_props(wr, PSZ, &p);
		int msi = 0;
		for (size_t i = 0; i < p.n; i++) {
			msi += p.p[i].subtype == IREF_RESV_MEM_T_MSI;
			for (size_t j = i + 1; j < p.n; j++)
				ck_assert(p.p[i].end < p.p[j].start ||
					  p.p[j].end < p.p[i].start);
		}
		ck_assert_int_le(msi, 1);
	}
}
END_TEST

/* C90: "PROBE with non-zero request reserved[64] gives the same answer."
 * [SPEC-M] */
START_TEST(test_C90_probe_reserved_ignored)
{
	struct iref_iommu *dev = conf_dev();
	uint8_t rd[IREF_PROBE_RSIZE], a[WLEN], b[WLEN];
	size_t n = iref_enc_probe(rd, CONF_EP_RESV);
	ck_assert_uint_eq(conf_raw(dev, rd, n, a, WLEN, 0), WLEN);
	memset(rd + 8, 0xff, 64);
	ck_assert_uint_eq(conf_raw(dev, rd, n, b, WLEN, 0), WLEN);
	ck_assert_uint_eq(a[PSZ], IREF_S_OK);
	ck_assert(memcmp(a, b, WLEN) == 0);
	/* Error answers too. */
	n = iref_enc_probe(rd, CONF_EP_NONE);
	memset(rd + 8, 0x5a, 64);
	ck_assert_uint_eq(conf_raw(dev, rd, n, b, WLEN, 0), WLEN);
	ck_assert_uint_eq(b[PSZ], IREF_S_NOENT);
}
END_TEST

/* C91: "PROBE changes no attachment or mapping." [MODEL] */
START_TEST(test_C91_probe_changes_nothing)
{
	struct iref_iommu *dev = conf_dev();
	CONF_OK(conf_attach(dev, 1, CONF_EP1, 0));
	CONF_OK(conf_map(dev, 1, 0x1000, 0x1fff, 0x51000, CONF_RW));
	CONF_OK(conf_attach(dev, 2, CONF_EP_RESV, IREF_ATTACH_F_BYPASS));
	struct conf_snap before;
	conf_snap_take(dev, &before);
	static const uint32_t eps[] = { CONF_EP1, CONF_EP2, CONF_EP_RESV,
					CONF_EP_NONE };
	for (size_t i = 0; i < 4; i++) {
		uint8_t wr[WLEN];
		ck_assert_uint_eq(conf_probe_raw(dev, eps[i], wr, WLEN), WLEN);
		ck_assert_uint_eq(conf_probe_raw(dev, eps[i], wr, 64), 64);
	}
	conf_snap_check(dev, &before, "probe");
}
END_TEST

/* C92: "PROBE whose properties would exceed probe_size -> S_INVAL."
 * [MODEL] probe_size 32 holds one RESV_MEM property (24 bytes), not two. */
START_TEST(test_C92_probe_props_exceed_probe_size_inval)
{
	struct iref_config cfg;
	conf_cfg(&cfg);
	cfg.probe_size = 32;
	struct iref_iommu *dev = conf_new_bare(&cfg);
	conf_add_std_eps(dev);
	struct iref_resv_region one = { IREF_RESV_MEM_T_MSI, 0xfee00000u,
					0xfeefffffu };
	conf_add_ep(dev, 11, 0, &one, 1);
	conf_negotiate(dev, iref_iommu_offered(dev));
	uint8_t wr[36];
	CONF_ST(probe(dev, CONF_EP_RESV, wr, 36), IREF_S_INVAL);
	ck_assert(conf_all(wr, 32, 0));
	CONF_OK(probe(dev, 11, wr, 36));
	struct props p;
	walk_props(wr, 32, &p);
	ck_assert_uint_eq(p.n, 1);
	ck_assert(conf_all(wr + 24, 8, 0));
	/* Exactly fitting: probe_size 48 holds both. */
	conf_cfg(&cfg);
	cfg.probe_size = 48;
	struct iref_iommu *d2 = conf_new(&cfg);
	uint8_t w2[52];
	CONF_OK(probe(d2, CONF_EP_RESV, w2, 52));
	walk_props(w2, 48, &p);
	ck_assert_uint_eq(p.n, 2);
}
END_TEST

/* C93: "DMA inside a T_RESERVED region of an endpoint attached to a map
 * domain faults R_MAPPING, even where a mapping covers it." [MODEL,
 * QEMU-compatible] The mapping is made before ep10 joins (MAP over it is
 * refused afterwards, C62); ep1 in the same domain still uses it. */
START_TEST(test_C93_reserved_region_faults_map_domain)
{
	struct iref_iommu *dev = conf_dev();
	CONF_OK(conf_attach(dev, 1, CONF_EP1, 0));
	CONF_OK(conf_map(dev, 1, 0x0, 0x3fffff, 0x40000000, CONF_RW));
	CONF_OK(conf_attach(dev, 1, CONF_EP_RESV, 0));
	conf_expect_fault(dev, CONF_EP_RESV, CONF_RESV_START, IREF_ACC_READ,
			  IREF_R_MAPPING);
	conf_expect_fault(dev, CONF_EP_RESV, CONF_RESV_END, IREF_ACC_WRITE,
			  IREF_R_MAPPING);
	conf_expect_map(dev, CONF_EP_RESV, CONF_RESV_START - 1, IREF_ACC_READ,
			0x40000000 + CONF_RESV_START - 1);
	conf_expect_map(dev, CONF_EP_RESV, CONF_RESV_END + 1, IREF_ACC_READ,
			0x40000000 + CONF_RESV_END + 1);
	conf_expect_map(dev, CONF_EP1, CONF_RESV_START, IREF_ACC_WRITE,
			0x40000000 + CONF_RESV_START);
}
END_TEST

/* C93: the model also faults a bypassed endpoint (config bypass and bypass
 * domain) inside T_RESERVED by default; resv_bypass_identity gives the
 * identity access the oracle also accepts. */
START_TEST(test_C93_reserved_region_bypass_both_readings)
{
	struct iref_iommu *dev = conf_dev();
	conf_expect_fault(dev, CONF_EP_RESV, CONF_RESV_START + 0x10,
			  IREF_ACC_READ, IREF_R_MAPPING);
	conf_expect_bypass(dev, CONF_EP_RESV, CONF_RESV_START - 1,
			   IREF_ACC_READ);
	CONF_OK(conf_attach(dev, 7, CONF_EP_RESV, IREF_ATTACH_F_BYPASS));
	conf_expect_fault(dev, CONF_EP_RESV, CONF_RESV_END, IREF_ACC_WRITE,
			  IREF_R_MAPPING);

	struct iref_config cfg;
	conf_cfg(&cfg);
	cfg.opt.resv_bypass_identity = true;
	struct iref_iommu *d2 = conf_new(&cfg);
	conf_expect_bypass(d2, CONF_EP_RESV, CONF_RESV_START + 0x10,
			   IREF_ACC_READ);
	CONF_OK(conf_attach(d2, 7, CONF_EP_RESV, IREF_ATTACH_F_BYPASS));
	conf_expect_bypass(d2, CONF_EP_RESV, CONF_RESV_END, IREF_ACC_WRITE);
	/* The option is about bypass only: in a map domain it still
	 * faults. */
	CONF_OK(conf_attach(d2, 1, CONF_EP_RESV, 0));
	conf_expect_fault(d2, CONF_EP_RESV, CONF_RESV_END, IREF_ACC_WRITE,
			  IREF_R_MAPPING);
}
END_TEST

/* C93a: "DMA by endpoint E inside one of E's RESV_MEM regions affects
 * nothing but E and the driver: in T_RESERVED no memory is modified; in
 * T_MSI it can only deliver E's own MSI." [SPEC-S] Writes in T_RESERVED
 * are not performed; MSI writes go to E's own window untranslated; other
 * endpoints' accesses at those addresses follow their own translation. */
START_TEST(test_C93a_resv_access_isolated)
{
	struct iref_iommu *dev = conf_dev();
	CONF_OK(conf_attach(dev, 1, CONF_EP_RESV, 0));
	struct iref_dma_result r = conf_dma(dev, CONF_EP_RESV, CONF_RESV_START,
					    0x100, IREF_ACC_WRITE);
	ck_assert_int_eq(r.outcome, IREF_DMA_FAULT);
	conf_drain(dev);
	conf_expect_msi(dev, CONF_EP_RESV, CONF_MSI_START + 0x40,
			IREF_ACC_WRITE);
	/* ep2 (map domain without mappings) does not reach the MSI window
	 * or the reserved range through ep10's regions. */
	CONF_OK(conf_attach(dev, 2, CONF_EP2, 0));
	conf_expect_fault(dev, CONF_EP2, CONF_MSI_START + 0x40, IREF_ACC_WRITE,
			  IREF_R_MAPPING);
	conf_expect_fault(dev, CONF_EP2, CONF_RESV_START, IREF_ACC_WRITE,
			  IREF_R_MAPPING);
	/* ep3 in bypass reaches the same addresses as ordinary identity
	 * DMA, not through the MSI path. */
	conf_expect_bypass(dev, CONF_EP3, CONF_MSI_START + 0x40,
			   IREF_ACC_WRITE);
	conf_expect_bypass(dev, CONF_EP3, CONF_RESV_START, IREF_ACC_WRITE);
}
END_TEST

/* C94: "DMA inside the T_MSI region passes untranslated to the MSI
 * target." [MODEL] Attached to an empty map domain, to a map domain, to a
 * bypass domain, unattached with bypass 0 (the region check runs before
 * the domain lookup, section 5.2 step 2). */
START_TEST(test_C94_msi_region_passes_untranslated)
{
	struct iref_iommu *dev = conf_dev_nobypass();
	conf_expect_msi(dev, CONF_EP_RESV, CONF_MSI_START, IREF_ACC_WRITE);
	conf_expect_msi(dev, CONF_EP_RESV, CONF_MSI_END, IREF_ACC_READ);
	conf_expect_fault(dev, CONF_EP_RESV, CONF_MSI_END + 1, IREF_ACC_WRITE,
			  IREF_R_DOMAIN);
	CONF_OK(conf_attach(dev, 1, CONF_EP_RESV, 0));
	conf_expect_msi(dev, CONF_EP_RESV, CONF_MSI_START + 4, IREF_ACC_WRITE);
	CONF_OK(conf_map(dev, 1, CONF_MSI_END + 1, CONF_MSI_END + 0x1000,
			 0x9000, CONF_RW));
	conf_expect_map(dev, CONF_EP_RESV, CONF_MSI_END + 1, IREF_ACC_WRITE,
			0x9000);
	conf_expect_msi(dev, CONF_EP_RESV, CONF_MSI_END, IREF_ACC_WRITE);
	CONF_OK(conf_attach(dev, 2, CONF_EP_RESV, IREF_ATTACH_F_BYPASS));
	conf_expect_msi(dev, CONF_EP_RESV, CONF_MSI_START + 8, IREF_ACC_WRITE);
	ck_assert_uint_eq(iref_events_pending(dev), 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("conf_probe");
	TCase *tc = conf_tcase(s, "C84-C94");
	tcase_add_test(tc, test_C84_probe_not_negotiated_len0);
	tcase_add_test(tc, test_C84a_probe_not_offered_len0);
	tcase_add_test(tc, test_C85_probe_unknown_endpoint_noent);
	tcase_add_test(tc, test_C86_probe_small_area_inval);
	tcase_add_test(tc, test_C87_probe_layout_packed_and_zero_padded);
	tcase_add_test(tc, test_C87_probe_many_regions);
	tcase_add_test(tc, test_C88_resv_mem_property_fields);
	tcase_add_test(tc, test_C89_endpoint_region_rules_enforced);
	tcase_add_test(tc, test_C90_probe_reserved_ignored);
	tcase_add_test(tc, test_C91_probe_changes_nothing);
	tcase_add_test(tc, test_C92_probe_props_exceed_probe_size_inval);
	tcase_add_test(tc, test_C93_reserved_region_faults_map_domain);
	tcase_add_test(tc, test_C93_reserved_region_bypass_both_readings);
	tcase_add_test(tc, test_C93a_resv_access_isolated);
	tcase_add_test(tc, test_C94_msi_region_passes_untranslated);
	return s;
}

int main(void)
{
	return iref_test_run(suite());
}
