/* Shared helpers of the virtio-iommu conformance suite (tests/test_conf_*.c).
 *
 * Header-only on purpose: CMake builds one executable per tests/test_*.c and
 * links only tests/testutil.c into it, so every helper here is static inline
 * (an unused static inline function is not a -Werror warning).
 *
 * Conventions of the suite (virtio-iommu.md section 10: "fresh device,
 * features negotiated as in section 1.2 model defaults, unless stated"):
 *
 *  - conf_dev() makes a device with iref_config_default(), declares the
 *    standard endpoints below and negotiates every offered feature.
 *  - Every request helper fills the writable area with garbage first and
 *    checks the generic rules on the answer: used length = writable length
 *    (C25), tail.reserved = 0 (C25), writable bytes before the tail zero
 *    (section 2.2 step 5). So every status check is also a C25 check.
 *  - Devices made here are destroyed by conf_teardown(), the checked
 *    fixture every suite installs (ASan's leak check runs in CI).
 */
#ifndef IREF_TESTS_CONF_UTIL_H
#define IREF_TESTS_CONF_UTIL_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "iommu-ref/dma.h"
#include "iommu-ref/error.h"
#include "iommu-ref/events.h"
#include "iommu-ref/iommu.h"
#include "iommu-ref/request.h"
#include "iommu-ref/wire.h"

/* Standard endpoints of conf_dev(). */
#define CONF_EP1 1u
#define CONF_EP2 2u
#define CONF_EP3 3u
/* Endpoint with two RESV_MEM regions (T_RESERVED and T_MSI). */
#define CONF_EP_RESV 10u
/* An endpoint ID no standard device declares. */
#define CONF_EP_NONE 999u

/* Regions of CONF_EP_RESV, inclusive. The MSI window is the one Linux
 * assumes on Arm (virtio-iommu.md section 4.3). */
#define CONF_RESV_START UINT64_C(0x00100000)
#define CONF_RESV_END UINT64_C(0x0010ffff)
#define CONF_MSI_START UINT64_C(0x08000000)
#define CONF_MSI_END UINT64_C(0x080fffff)

/* Model-default granule (lowest bit of page_size_mask 0x40201000). */
#define CONF_PG UINT64_C(0x1000)
/* Default input range end (section 1.3: [0, 2^48 - 1]). */
#define CONF_INPUT_END ((UINT64_C(1) << 48) - 1)

#define CONF_RW (IREF_MAP_F_READ | IREF_MAP_F_WRITE)
#define CONF_R IREF_MAP_F_READ
#define CONF_W IREF_MAP_F_WRITE

/* Garbage the helpers put into writable areas before a request. */
#define CONF_FILL 0xa5

/* ------------------------------------------------------------------ */
/* Device registry and construction                                     */

#define CONF_MAX_DEVS 16

struct conf_registry {
	struct iref_iommu *devs[CONF_MAX_DEVS];
	size_t n;
};

static inline struct conf_registry *conf_registry(void)
{
	static struct conf_registry reg;
	return &reg;
}

/* Checked-fixture teardown: destroy every device made by the helpers. */
static inline void conf_teardown(void)
{
	struct conf_registry *r = conf_registry();
	for (size_t i = 0; i < r->n; i++)
		iref_iommu_destroy(r->devs[i]);
	r->n = 0;
}

static inline void conf_cfg(struct iref_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	iref_config_default(cfg);
}

/* Create a device from cfg without endpoints and without negotiation. */
static inline struct iref_iommu *conf_new_bare(const struct iref_config *cfg)
{
	struct conf_registry *r = conf_registry();
	struct iref_iommu *dev = NULL;
	struct iref_diag diag;
	memset(&diag, 0, sizeof(diag));
	ck_assert_msg(r->n < CONF_MAX_DEVS, "conf_util: too many devices");
	enum iref_rc rc = iref_iommu_create(cfg, &dev, &diag);
	ck_assert_msg(rc == IREF_OK && dev != NULL,
		      "iref_iommu_create refused the configuration: %s (%s)",
		      iref_rc_str(rc), diag.msg);
	r->devs[r->n++] = dev;
	return dev;
}

/* Declare an endpoint; asserts that the device accepts it. */
static inline void conf_add_ep(struct iref_iommu *dev, uint32_t id,
			       uint32_t compat_class,
			       const struct iref_resv_region *resv, size_t n)
{
	struct iref_endpoint_config ep;
	struct iref_diag diag;
	memset(&ep, 0, sizeof(ep));
	memset(&diag, 0, sizeof(diag));
	ep.id = id;
	ep.resv = resv;
	ep.n_resv = n;
	ep.compat_class = compat_class;
	enum iref_rc rc = iref_iommu_add_endpoint(dev, &ep, &diag);
	ck_assert_msg(rc == IREF_OK, "add_endpoint(%u): %s (%s)", id,
		      iref_rc_str(rc), diag.msg);
}

static inline const struct iref_resv_region *conf_std_resv(size_t *n)
{
	static const struct iref_resv_region regions[2] = {
		{ IREF_RESV_MEM_T_RESERVED, CONF_RESV_START, CONF_RESV_END },
		{ IREF_RESV_MEM_T_MSI, CONF_MSI_START, CONF_MSI_END },
	};
	*n = 2;
	return regions;
}

/* The standard endpoints: 1, 2, 3 without regions, 10 with both regions. */
static inline void conf_add_std_eps(struct iref_iommu *dev)
{
	size_t n;
	const struct iref_resv_region *resv = conf_std_resv(&n);
	conf_add_ep(dev, CONF_EP1, 0, NULL, 0);
	conf_add_ep(dev, CONF_EP2, 0, NULL, 0);
	conf_add_ep(dev, CONF_EP3, 0, NULL, 0);
	conf_add_ep(dev, CONF_EP_RESV, 0, resv, n);
}

static inline void conf_negotiate(struct iref_iommu *dev, uint64_t features)
{
	enum iref_rc rc = iref_iommu_negotiate(dev, features);
	ck_assert_msg(rc == IREF_OK, "negotiate(0x%llx): %s",
		      (unsigned long long)features, iref_rc_str(rc));
	ck_assert_msg(iref_iommu_negotiated(dev) == features,
		      "negotiated 0x%llx, asked 0x%llx",
		      (unsigned long long)iref_iommu_negotiated(dev),
		      (unsigned long long)features);
}

/* Negotiate every offered feature except those in `without`. */
static inline void conf_negotiate_without(struct iref_iommu *dev,
					  uint64_t without)
{
	conf_negotiate(dev, iref_iommu_offered(dev) & ~without);
}

/* Device from cfg with the standard endpoints, all offered features
 * negotiated. */
static inline struct iref_iommu *conf_new(const struct iref_config *cfg)
{
	struct iref_iommu *dev = conf_new_bare(cfg);
	conf_add_std_eps(dev);
	conf_negotiate(dev, iref_iommu_offered(dev));
	return dev;
}

/* Device from cfg with the standard endpoints, nothing negotiated. */
static inline struct iref_iommu *conf_new_unnegotiated(
	const struct iref_config *cfg)
{
	struct iref_iommu *dev = conf_new_bare(cfg);
	conf_add_std_eps(dev);
	return dev;
}

/* The section 1.2/1.3 model-default device. */
static inline struct iref_iommu *conf_dev(void)
{
	struct iref_config cfg;
	conf_cfg(&cfg);
	return conf_new(&cfg);
}

/* Model-default device with config bypass = 0 (unattached endpoints are
 * blocked). */
static inline struct iref_iommu *conf_dev_nobypass(void)
{
	struct iref_config cfg;
	conf_cfg(&cfg);
	cfg.bypass = 0;
	return conf_new(&cfg);
}

/* ------------------------------------------------------------------ */
/* Requests                                                             */

static inline const char *conf_sname(int s)
{
	if (s < 0)
		return "len0";
	const char *n = iref_status_name((unsigned)s);
	return n ? n : "?";
}

/* Raw call: fills wr with `fill`, returns the used length. */
static inline size_t conf_raw(struct iref_iommu *dev, const uint8_t *rd,
			      size_t rlen, uint8_t *wr, size_t wlen,
			      uint8_t fill)
{
	memset(wr, fill, wlen);
	return iref_request(dev, rd, rlen, wr, wlen);
}

/* True if buf[0..len) is all `v`. */
static inline bool conf_all(const uint8_t *buf, size_t len, uint8_t v)
{
	for (size_t i = 0; i < len; i++)
		if (buf[i] != v)
			return false;
	return true;
}

/* Send a request with a writable area of wlen (>= 4) bytes and check the
 * generic answer rules; returns the status. Used length 0 fails the test
 * (use conf_raw for requests that must come back len0). */
static inline int conf_send_w_at(int line, struct iref_iommu *dev,
				 const uint8_t *rd, size_t rlen, size_t wlen)
{
	uint8_t wr[64];
	ck_assert_msg(wlen >= 4 && wlen <= sizeof(wr), "line %d: wlen", line);
	size_t used = conf_raw(dev, rd, rlen, wr, wlen, CONF_FILL);
	ck_assert_msg(used == wlen,
		      "line %d: type %u: used length %zu, expected %zu "
		      "(the writable length, C25)",
		      line, rd[0], used, wlen);
	const uint8_t *tail = wr + wlen - 4;
	ck_assert_msg(tail[1] == 0 && tail[2] == 0 && tail[3] == 0,
		      "line %d: tail.reserved = %02x %02x %02x, expected 0 "
		      "(C25)",
		      line, tail[1], tail[2], tail[3]);
	ck_assert_msg(conf_all(wr, wlen - 4, 0),
		      "line %d: writable bytes before the tail not zeroed "
		      "(section 2.2 step 5)",
		      line);
	return tail[0];
}

#define conf_send(dev, rd, rlen) conf_send_w_at(__LINE__, dev, rd, rlen, 4)
#define conf_send_w(dev, rd, rlen, wlen) \
	conf_send_w_at(__LINE__, dev, rd, rlen, wlen)

static inline int conf_attach_at(int line, struct iref_iommu *dev,
				 uint32_t domain, uint32_t ep, uint32_t flags)
{
	uint8_t rd[IREF_ATTACH_RSIZE];
	size_t n = iref_enc_attach(rd, domain, ep, flags);
	return conf_send_w_at(line, dev, rd, n, 4);
}

static inline int conf_detach_at(int line, struct iref_iommu *dev,
				 uint32_t domain, uint32_t ep)
{
	uint8_t rd[IREF_DETACH_RSIZE];
	size_t n = iref_enc_detach(rd, domain, ep);
	return conf_send_w_at(line, dev, rd, n, 4);
}

static inline int conf_map_at(int line, struct iref_iommu *dev,
			      uint32_t domain, uint64_t vs, uint64_t ve,
			      uint64_t ps, uint32_t flags)
{
	uint8_t rd[IREF_MAP_RSIZE];
	size_t n = iref_enc_map(rd, domain, vs, ve, ps, flags);
	return conf_send_w_at(line, dev, rd, n, 4);
}

static inline int conf_unmap_at(int line, struct iref_iommu *dev,
				uint32_t domain, uint64_t vs, uint64_t ve)
{
	uint8_t rd[IREF_UNMAP_RSIZE];
	size_t n = iref_enc_unmap(rd, domain, vs, ve);
	return conf_send_w_at(line, dev, rd, n, 4);
}

#define conf_attach(dev, dom, ep, fl) conf_attach_at(__LINE__, dev, dom, ep, fl)
#define conf_detach(dev, dom, ep) conf_detach_at(__LINE__, dev, dom, ep)
#define conf_map(dev, dom, vs, ve, ps, fl) \
	conf_map_at(__LINE__, dev, dom, vs, ve, ps, fl)
#define conf_unmap(dev, dom, vs, ve) conf_unmap_at(__LINE__, dev, dom, vs, ve)

/* Assert a status with readable names. */
#define CONF_ST(expr, want)                                                 \
	do {                                                                \
		int got_ = (expr);                                          \
		int want_ = (want);                                         \
		ck_assert_msg(got_ == want_, "%s: status %s, expected %s",  \
			      #expr, conf_sname(got_), conf_sname(want_));  \
	} while (0)
#define CONF_OK(expr) CONF_ST(expr, IREF_S_OK)

/* PROBE: the writable area is wr[0..wlen) (properties then tail); returns
 * the used length. The properties area is filled with garbage first. */
static inline size_t conf_probe_raw(struct iref_iommu *dev, uint32_t ep,
				    uint8_t *wr, size_t wlen)
{
	uint8_t rd[IREF_PROBE_RSIZE];
	size_t n = iref_enc_probe(rd, ep);
	return conf_raw(dev, rd, n, wr, wlen, CONF_FILL);
}

/* The state of an endpoint: its domain, or -1 if unattached/unknown. */
static inline int64_t conf_ep_dom(const struct iref_iommu *dev, uint32_t ep)
{
	uint32_t d = 0;
	if (!iref_iommu_endpoint_domain(dev, ep, &d))
		return -1;
	return (int64_t)d;
}

/* ------------------------------------------------------------------ */
/* DMA                                                                  */

static inline struct iref_dma_result conf_dma_at(int line,
						 struct iref_iommu *dev,
						 uint32_t ep, uint64_t iova,
						 uint64_t size, unsigned acc)
{
	struct iref_dma_req rq;
	struct iref_dma_result res;
	memset(&rq, 0, sizeof(rq));
	memset(&res, 0x5a, sizeof(res));
	rq.endpoint = ep;
	rq.iova = iova;
	rq.size = size;
	rq.access = acc;
	enum iref_rc rc = iref_dma(dev, &rq, &res);
	ck_assert_msg(rc == IREF_OK, "line %d: iref_dma(ep %u, 0x%llx): %s",
		      line, ep, (unsigned long long)iova, iref_rc_str(rc));
	return res;
}

static inline struct iref_dma_result conf_dma_pasid_at(
	int line, struct iref_iommu *dev, uint32_t ep, uint32_t pasid,
	uint64_t iova, uint64_t size, unsigned acc)
{
	struct iref_dma_req rq;
	struct iref_dma_result res;
	memset(&rq, 0, sizeof(rq));
	memset(&res, 0x5a, sizeof(res));
	rq.endpoint = ep;
	rq.has_pasid = true;
	rq.pasid = pasid;
	rq.iova = iova;
	rq.size = size;
	rq.access = acc;
	enum iref_rc rc = iref_dma(dev, &rq, &res);
	ck_assert_msg(rc == IREF_OK, "line %d: iref_dma(pasid): %s", line,
		      iref_rc_str(rc));
	return res;
}

#define conf_dma(dev, ep, iova, size, acc) \
	conf_dma_at(__LINE__, dev, ep, iova, size, acc)
#define conf_dma_pasid(dev, ep, pasid, iova, size, acc) \
	conf_dma_pasid_at(__LINE__, dev, ep, pasid, iova, size, acc)

static inline const char *conf_outcome_name(enum iref_dma_outcome o)
{
	switch (o) {
	case IREF_DMA_OK: return "ok";
	case IREF_DMA_FAULT: return "fault";
	case IREF_DMA_ABORT: return "abort";
	}
	return "?";
}

/* Fault flag of an access kind (section 5.2: exec is reported as F_READ
 * in base mode). */
static inline uint32_t conf_acc_flag(unsigned acc)
{
	return acc == IREF_ACC_WRITE ? IREF_FAULT_F_WRITE : IREF_FAULT_F_READ;
}

/* Access succeeds at pa through `path`. Returns the result. */
static inline struct iref_dma_result conf_expect_ok_at(
	int line, struct iref_iommu *dev, uint32_t ep, uint64_t iova,
	unsigned acc, uint64_t pa, enum iref_dma_path path)
{
	struct iref_dma_result r = conf_dma_at(line, dev, ep, iova, 1, acc);
	ck_assert_msg(r.outcome == IREF_DMA_OK,
		      "line %d: ep %u acc %u at 0x%llx: outcome %s "
		      "(reason %u), expected ok",
		      line, ep, acc, (unsigned long long)iova,
		      conf_outcome_name(r.outcome), r.fault.reason);
	ck_assert_msg(r.pa == pa,
		      "line %d: ep %u at 0x%llx: pa 0x%llx, expected 0x%llx",
		      line, ep, (unsigned long long)iova,
		      (unsigned long long)r.pa, (unsigned long long)pa);
	ck_assert_msg(r.path == path, "line %d: ep %u at 0x%llx: path %d, "
		      "expected %d", line, ep, (unsigned long long)iova,
		      (int)r.path, (int)path);
	return r;
}

#define conf_expect_map(dev, ep, iova, acc, pa) \
	conf_expect_ok_at(__LINE__, dev, ep, iova, acc, pa, IREF_PATH_MAPPING)
#define conf_expect_bypass(dev, ep, iova, acc) \
	conf_expect_ok_at(__LINE__, dev, ep, iova, acc, iova, IREF_PATH_BYPASS)
#define conf_expect_msi(dev, ep, iova, acc) \
	conf_expect_ok_at(__LINE__, dev, ep, iova, acc, iova, IREF_PATH_MSI)

/* Take the oldest event; false if none. Also checks the wire bytes against
 * the decoded form. */
static inline bool conf_pop(struct iref_iommu *dev,
			    struct iref_fault_record *rec,
			    uint8_t raw[IREF_FAULT_RECORD_SIZE])
{
	uint8_t b[IREF_FAULT_RECORD_SIZE];
	struct iref_fault_record r;
	memset(b, 0x5a, sizeof(b));
	memset(&r, 0x5a, sizeof(r));
	if (!iref_events_pop(dev, b, &r))
		return false;
	ck_assert_uint_eq(b[0], r.reason);
	ck_assert_uint_eq(iref_le32(b + 4), r.flags);
	ck_assert_uint_eq(iref_le32(b + 8), r.endpoint);
	ck_assert_uint_eq(iref_le32(b + 12), r.pasid);
	ck_assert_uint_eq(iref_le64(b + 16), r.address);
	if (rec)
		*rec = r;
	if (raw)
		memcpy(raw, b, sizeof(b));
	return true;
}

static inline void conf_drain(struct iref_iommu *dev)
{
	while (conf_pop(dev, NULL, NULL))
		;
}

static inline bool conf_rec_eq(const struct iref_fault_record *a,
			       const struct iref_fault_record *b)
{
	return a->reason == b->reason && a->flags == b->flags &&
	       a->endpoint == b->endpoint && a->pasid == b->pasid &&
	       a->address == b->address;
}

/* Access faults with `reason`. Checks the record the DMA returned and the
 * one on the event queue (which must be the only one waiting): endpoint,
 * access flag, F_ADDRESS + address = iova for R_DOMAIN/R_MAPPING (section
 * 5.3 [MODEL]: always set for translation faults), no flag outside
 * bits 0, 1, 8 (C104), reserved bytes and offset 12 zero (C103/C108). */
static inline struct iref_fault_record conf_expect_fault_at(
	int line, struct iref_iommu *dev, uint32_t ep, uint64_t iova,
	unsigned acc, uint8_t reason)
{
	ck_assert_msg(iref_events_pending(dev) == 0,
		      "line %d: events pending before the access", line);
	struct iref_dma_result r = conf_dma_at(line, dev, ep, iova, 1, acc);
	ck_assert_msg(r.outcome == IREF_DMA_FAULT,
		      "line %d: ep %u acc %u at 0x%llx: outcome %s (pa "
		      "0x%llx), expected a fault (reason %u)",
		      line, ep, acc, (unsigned long long)iova,
		      conf_outcome_name(r.outcome),
		      (unsigned long long)r.pa, reason);
	ck_assert_msg(r.fault.reason == reason,
		      "line %d: ep %u at 0x%llx: reason %u, expected %u", line,
		      ep, (unsigned long long)iova, r.fault.reason, reason);
	ck_assert_msg(r.fault.endpoint == ep, "line %d: endpoint %u != %u",
		      line, r.fault.endpoint, ep);
	uint32_t accf = conf_acc_flag(acc);
	ck_assert_msg((r.fault.flags & (IREF_FAULT_F_READ |
					IREF_FAULT_F_WRITE)) == accf,
		      "line %d: flags 0x%x, expected access flag 0x%x", line,
		      r.fault.flags, accf);
	ck_assert_msg((r.fault.flags & ~(IREF_FAULT_F_READ | IREF_FAULT_F_WRITE |
					 IREF_FAULT_F_ADDRESS)) == 0,
		      "line %d: undefined fault flags set: 0x%x (C104)", line,
		      r.fault.flags);
	if (reason != IREF_R_UNKNOWN) {
		ck_assert_msg(r.fault.flags & IREF_FAULT_F_ADDRESS,
			      "line %d: F_ADDRESS not set (flags 0x%x)", line,
			      r.fault.flags);
		ck_assert_msg(r.fault.address == iova,
			      "line %d: fault address 0x%llx, expected 0x%llx",
			      line, (unsigned long long)r.fault.address,
			      (unsigned long long)iova);
	}
	ck_assert_msg(r.fault.pasid == 0, "line %d: pasid/reserved1 = 0x%x",
		      line, r.fault.pasid);
	ck_assert_msg(!r.dropped, "line %d: fault dropped", line);
	struct iref_fault_record q;
	uint8_t raw[IREF_FAULT_RECORD_SIZE];
	ck_assert_msg(conf_pop(dev, &q, raw), "line %d: no event queued",
		      line);
	ck_assert_msg(conf_rec_eq(&q, &r.fault),
		      "line %d: queued record differs from the DMA result",
		      line);
	ck_assert_msg(raw[1] == 0 && raw[2] == 0 && raw[3] == 0,
		      "line %d: record reserved bytes not zero (C103)", line);
	ck_assert_msg(conf_all(raw + 12, 4, 0),
		      "line %d: record bytes 12..15 not zero (C108)", line);
	ck_assert_msg(iref_events_pending(dev) == 0,
		      "line %d: more than one record for one access (C107)",
		      line);
	return q;
}

#define conf_expect_fault(dev, ep, iova, acc, reason) \
	conf_expect_fault_at(__LINE__, dev, ep, iova, acc, reason)

/* ------------------------------------------------------------------ */
/* State snapshots ("no state change", C28 and friends)                 */

#define CONF_SNAP_EPS 5
#define CONF_SNAP_DOMS 12
#define CONF_SNAP_IOVAS 10

static const uint32_t conf_snap_eps[CONF_SNAP_EPS] = {
	CONF_EP1, CONF_EP2, CONF_EP3, CONF_EP_RESV, 4,
};
static const uint32_t conf_snap_doms[CONF_SNAP_DOMS] = {
	0, 1, 2, 3, 4, 5, 7, 9, 10, 100, 0x10000, 0xffffffffu,
};
static const uint64_t conf_snap_iovas[CONF_SNAP_IOVAS] = {
	0x0,	     0x1000,	 0x2000,     0x3fff,	 0x10000,
	0x100000,    0x8000000,	 0x40000000, 0x7ffff000, CONF_INPUT_END,
};

struct conf_dma_fp {
	int outcome;
	int path;
	uint64_t pa;
	unsigned perm;
	bool mmio;
	uint8_t reason;
};

struct conf_snap {
	int64_t ep_dom[CONF_SNAP_EPS];
	size_t n_domains;
	bool dom_exists[CONF_SNAP_DOMS];
	size_t dom_maps[CONF_SNAP_DOMS];
	struct conf_dma_fp dma[CONF_SNAP_EPS][CONF_SNAP_IOVAS][2];
};

/* Observe the state through the query API and through DMA (reads and
 * writes of every standard endpoint at a set of addresses). The fault
 * reports this produces are drained, so call it with no events pending
 * that the test still wants to see. */
static inline void conf_snap_take(struct iref_iommu *dev, struct conf_snap *s)
{
	memset(s, 0, sizeof(*s));
	for (int i = 0; i < CONF_SNAP_EPS; i++)
		s->ep_dom[i] = conf_ep_dom(dev, conf_snap_eps[i]);
	s->n_domains = iref_iommu_domain_count(dev);
	for (int i = 0; i < CONF_SNAP_DOMS; i++) {
		s->dom_exists[i] = iref_iommu_domain_exists(dev,
							    conf_snap_doms[i]);
		s->dom_maps[i] = iref_iommu_domain_mappings(dev,
							    conf_snap_doms[i]);
	}
	for (int e = 0; e < CONF_SNAP_EPS; e++)
		for (int a = 0; a < CONF_SNAP_IOVAS; a++)
			for (int k = 0; k < 2; k++) {
				struct iref_dma_result r = conf_dma_at(
					__LINE__, dev, conf_snap_eps[e],
					conf_snap_iovas[a], 1,
					k ? IREF_ACC_WRITE : IREF_ACC_READ);
				struct conf_dma_fp *f = &s->dma[e][a][k];
				f->outcome = r.outcome;
				if (r.outcome == IREF_DMA_OK) {
					f->path = r.path;
					f->pa = r.pa;
					f->perm = r.perm;
					f->mmio = r.mmio;
				} else if (r.outcome == IREF_DMA_FAULT) {
					f->reason = r.fault.reason;
				}
			}
	conf_drain(dev);
}

/* Assert that the state equals a snapshot taken earlier. */
static inline void conf_snap_check_at(int line, struct iref_iommu *dev,
				      const struct conf_snap *before,
				      const char *what)
{
	struct conf_snap now;
	conf_snap_take(dev, &now);
	for (int i = 0; i < CONF_SNAP_EPS; i++)
		ck_assert_msg(now.ep_dom[i] == before->ep_dom[i],
			      "line %d (%s): endpoint %u attachment changed: "
			      "%lld -> %lld",
			      line, what, conf_snap_eps[i],
			      (long long)before->ep_dom[i],
			      (long long)now.ep_dom[i]);
	ck_assert_msg(now.n_domains == before->n_domains,
		      "line %d (%s): domain count %zu -> %zu", line, what,
		      before->n_domains, now.n_domains);
	for (int i = 0; i < CONF_SNAP_DOMS; i++) {
		ck_assert_msg(now.dom_exists[i] == before->dom_exists[i],
			      "line %d (%s): domain %u existence changed",
			      line, what, conf_snap_doms[i]);
		ck_assert_msg(now.dom_maps[i] == before->dom_maps[i],
			      "line %d (%s): domain %u mappings %zu -> %zu",
			      line, what, conf_snap_doms[i],
			      before->dom_maps[i], now.dom_maps[i]);
	}
	for (int e = 0; e < CONF_SNAP_EPS; e++)
		for (int a = 0; a < CONF_SNAP_IOVAS; a++)
			for (int k = 0; k < 2; k++) {
				const struct conf_dma_fp *x =
					&before->dma[e][a][k];
				const struct conf_dma_fp *y = &now.dma[e][a][k];
				ck_assert_msg(
					x->outcome == y->outcome &&
						x->path == y->path &&
						x->pa == y->pa &&
						x->perm == y->perm &&
						x->mmio == y->mmio &&
						x->reason == y->reason,
					"line %d (%s): DMA %s by ep %u at "
					"0x%llx changed: %s pa 0x%llx -> %s "
					"pa 0x%llx",
					line, what, k ? "write" : "read",
					conf_snap_eps[e],
					(unsigned long long)conf_snap_iovas[a],
					conf_outcome_name(x->outcome),
					(unsigned long long)x->pa,
					conf_outcome_name(y->outcome),
					(unsigned long long)y->pa);
			}
}

#define conf_snap_check(dev, before, what) \
	conf_snap_check_at(__LINE__, dev, before, what)

/* ------------------------------------------------------------------ */
/* Host channel                                                         */

struct conf_log {
	unsigned count;
	char last[256];
};

static inline void conf_log_fn(void *ctx, const char *msg)
{
	struct conf_log *l = ctx;
	l->count++;
	snprintf(l->last, sizeof(l->last), "%s", msg ? msg : "");
}

/* ------------------------------------------------------------------ */
/* Suite boilerplate                                                    */

/* One TCase per suite, with the teardown fixture. */
static inline TCase *conf_tcase(Suite *s, const char *name)
{
	TCase *tc = tcase_create(name);
	tcase_add_checked_fixture(tc, NULL, conf_teardown);
	suite_add_tcase(s, tc);
	return tc;
}

#endif
