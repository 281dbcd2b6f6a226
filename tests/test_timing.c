/* The cycle-approximate timing model (docs/timing.md): the pricing
 * functions on cases worked by hand, the device's cycles for hits,
 * misses, faults, bypass and requests, determinism, timing off leaving
 * every result and line as it was, and the scenario's timing: section,
 * cycles expectations and summary line. */
#define _GNU_SOURCE /* open_memstream */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_util.h"
#include "iommu-ref/timing.h"
#include "runner.h"
#include "scenario.h"
#include "testutil.h"

/* Distinct small costs, so a sum names the terms in it. */
static struct iref_timing_cfg hand(void)
{
	return (struct iref_timing_cfg){
		.dma_base = 10, .tlb_lookup = 2, .tree_lookup = 50,
		.identity = 1, .fault = 100, .mem_access = 80, .walkers = 4,
		.req_base = 30, .req_attach = 5, .req_detach = 6,
		.req_map = 7, .req_unmap = 8, .req_probe = 9,
	};
}

START_TEST(test_defaults)
{
	struct iref_timing_cfg t;
	iref_timing_default(&t);
	/* gem5 SMMUv3: ifc_smmu_lat + smmu_ifc_lat + cfg_lat, tlb_lat,
	 * ptw_slots. */
	ck_assert_uint_eq(t.dma_base, 19);
	ck_assert_uint_eq(t.tlb_lookup, 3);
	ck_assert_uint_eq(t.walkers, 16);
	ck_assert_ptr_null(t.mem_latency);
	/* The device's default configuration carries them, switched off. */
	struct iref_config cfg;
	iref_config_default(&cfg);
	ck_assert(!cfg.timing_enabled);
	ck_assert_uint_eq(cfg.timing.tree_lookup, t.tree_lookup);
	/* A hit and a miss with the defaults: 19 + 3; 19 + 3 + 100. */
	ck_assert_uint_eq(
		iref_timing_dma(&t, &(struct iref_dma_work){.tlb_lookups = 1}),
		22);
	ck_assert_uint_eq(iref_timing_dma(&t, &(struct iref_dma_work){
						      .tlb_lookups = 1,
						      .tree_lookups = 1}),
			  122);
}
END_TEST

START_TEST(test_dma_arith)
{
	struct iref_timing_cfg t = hand();
	/* Abort: nothing but the base. */
	ck_assert_uint_eq(iref_timing_dma(&t, &(struct iref_dma_work){0}), 10);
	/* Hit: 10 + 2. */
	ck_assert_uint_eq(
		iref_timing_dma(&t, &(struct iref_dma_work){.tlb_lookups = 1}),
		12);
	/* Miss: 10 + 2 + 50. */
	ck_assert_uint_eq(iref_timing_dma(&t, &(struct iref_dma_work){
						      .tlb_lookups = 1,
						      .tree_lookups = 1}),
			  62);
	/* Fault after a miss: 10 + 2 + 50 + 100. */
	ck_assert_uint_eq(iref_timing_dma(&t, &(struct iref_dma_work){
						      .tlb_lookups = 1,
						      .tree_lookups = 1,
						      .fault = true}),
			  162);
	/* Bypass: 10 + 1. */
	ck_assert_uint_eq(
		iref_timing_dma(&t, &(struct iref_dma_work){.identity = 1}),
		11);
	/* Two pages, hit then miss: 10 + 2 + 2 + 50. */
	ck_assert_uint_eq(iref_timing_dma(&t, &(struct iref_dma_work){
						      .tlb_lookups = 2,
						      .tree_lookups = 1}),
			  64);
	/* Without a TLB, a piece is a tree lookup: 10 + 50. */
	ck_assert_uint_eq(
		iref_timing_dma(&t, &(struct iref_dma_work){.tree_lookups = 1}),
		60);
	/* Absurd counts saturate instead of wrapping. */
	t.tree_lookup = UINT32_MAX;
	ck_assert_uint_eq(iref_timing_dma(&t, &(struct iref_dma_work){
						      .tree_lookups =
							      UINT64_MAX / 2}),
			  UINT64_MAX);
}
END_TEST

START_TEST(test_request_arith)
{
	struct iref_timing_cfg t = hand();
	static const struct {
		unsigned type;
		uint64_t cycles;
	} ok[] = {
		{IREF_T_ATTACH, 35}, {IREF_T_DETACH, 36}, {IREF_T_MAP, 37},
		{IREF_T_UNMAP, 38},  {IREF_T_PROBE, 39},
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		ck_assert_uint_eq(iref_timing_request(&t, ok[i].type,
						      IREF_S_OK, true),
				  ok[i].cycles);
		/* Refused at its checks: the base alone. */
		ck_assert_uint_eq(iref_timing_request(&t, ok[i].type,
						      IREF_S_INVAL, true),
				  30);
		/* Returned unwritten. */
		ck_assert_uint_eq(iref_timing_request(&t, ok[i].type, 0,
						      false),
				  30);
	}
	/* A type the device does not execute. */
	ck_assert_uint_eq(iref_timing_request(&t, 0x42, IREF_S_OK, true), 30);
}
END_TEST

/* A memory model that says who asked: twice the address's low byte, and
 * one more for a write. */
static uint64_t fake_mem(void *ctx, uint64_t addr, bool write)
{
	(*(unsigned *)ctx)++;
	return 2 * (addr & 0xff) + write;
}

START_TEST(test_mem)
{
	struct iref_timing_cfg t = hand();
	ck_assert_uint_eq(iref_timing_mem(&t, 0x1234, false), 80);
	unsigned calls = 0;
	t.mem_latency = fake_mem;
	t.mem_ctx = &calls;
	ck_assert_uint_eq(iref_timing_mem(&t, 0x1210, false), 0x20);
	ck_assert_uint_eq(iref_timing_mem(&t, 0x1210, true), 0x21);
	ck_assert_uint_eq(calls, 2);
}
END_TEST

/* Nearest rank: rank ceil(p * n / 100), 1-based, at least 1. */
START_TEST(test_percentile)
{
	static const uint64_t v[] = {10, 11, 11, 12, 62, 64, 162};
	size_t n = sizeof v / sizeof v[0];
	ck_assert_uint_eq(iref_timing_percentile(v, n, 0), 10);    /* rank 1 */
	ck_assert_uint_eq(iref_timing_percentile(v, n, 50), 12);   /* 3.5 -> 4 */
	ck_assert_uint_eq(iref_timing_percentile(v, n, 57), 12);   /* 3.99 -> 4 */
	ck_assert_uint_eq(iref_timing_percentile(v, n, 58), 62);   /* 4.06 -> 5 */
	ck_assert_uint_eq(iref_timing_percentile(v, n, 90), 162);  /* 6.3 -> 7 */
	ck_assert_uint_eq(iref_timing_percentile(v, n, 100), 162);
	ck_assert_uint_eq(iref_timing_percentile(v, 0, 50), 0);
	/* 200 values 1..200: p50 is the 100th, p99 the 198th. */
	uint64_t w[200];
	for (size_t i = 0; i < 200; i++)
		w[i] = i + 1;
	ck_assert_uint_eq(iref_timing_percentile(w, 200, 50), 100);
	ck_assert_uint_eq(iref_timing_percentile(w, 200, 99), 198);
	ck_assert_uint_eq(iref_timing_percentile(w, 200, 1), 2);
	ck_assert_uint_eq(iref_timing_percentile(w, 199, 1), 2); /* 1.99 */
	ck_assert_uint_eq(iref_timing_percentile(w, 100, 1), 1);
}
END_TEST

/* ---- the device ---- */

/* conf_dev_nobypass() with a 4 KiB TLB of 16 entries (or none) and the
 * hand costs (or timing off). */
static struct iref_iommu *timed_dev(bool tlb, bool timing)
{
	struct iref_config cfg;
	conf_cfg(&cfg);
	cfg.bypass = 0;
	cfg.tlb_enabled = tlb;
	cfg.tlb.n_arrays = 1;
	cfg.tlb.array[0] = (struct iref_tlb_array_cfg){
		.entries = 16, .ways = 4, .sizes = 0x1000,
	};
	cfg.timing_enabled = timing;
	if (timing)
		cfg.timing = hand();
	return conf_new(&cfg);
}

START_TEST(test_device)
{
	struct iref_iommu *d = timed_dev(true, true);
	ck_assert_uint_eq(iref_request_cycles(d), 0);
	CONF_OK(conf_attach(d, 1, CONF_EP1, 0));
	ck_assert_uint_eq(iref_request_cycles(d), 35);
	CONF_OK(conf_map(d, 1, 0x1000, 0x2fff, 0x80001000, CONF_RW));
	ck_assert_uint_eq(iref_request_cycles(d), 37);
	CONF_ST(conf_map(d, 9, 0x1000, 0x1fff, 0x80001000, CONF_R),
		IREF_S_NOENT);
	ck_assert_uint_eq(iref_request_cycles(d), 30);

	ck_assert_uint_eq(conf_dma(d, CONF_EP1, 0x1010, 4, IREF_ACC_READ).cycles,
			  62);
	ck_assert_uint_eq(conf_dma(d, CONF_EP1, 0x1020, 4, IREF_ACC_READ).cycles,
			  12);
	/* Crossing into the second page: hit, then miss and tree. */
	ck_assert_uint_eq(
		conf_dma(d, CONF_EP1, 0x1ff8, 16, IREF_ACC_READ).cycles, 64);
	/* Now both pages hit: 10 + 2 + 2. */
	ck_assert_uint_eq(
		conf_dma(d, CONF_EP1, 0x1ff8, 16, IREF_ACC_READ).cycles, 14);
	struct iref_dma_result f = conf_dma(d, CONF_EP1, 0x5000, 4,
					    IREF_ACC_WRITE);
	ck_assert_int_eq(f.outcome, IREF_DMA_FAULT);
	ck_assert_uint_eq(f.cycles, 162);
	/* A fault before any lookup (no domain): 10 + 100. */
	ck_assert_uint_eq(conf_dma(d, CONF_EP2, 0x1000, 4, IREF_ACC_READ).cycles,
			  110);
	/* MSI identity: 10 + 1; an unknown endpoint: 10. */
	ck_assert_uint_eq(
		conf_dma(d, CONF_EP_RESV, CONF_MSI_START, 4, IREF_ACC_WRITE)
			.cycles,
		11);
	ck_assert_uint_eq(
		conf_dma(d, CONF_EP_NONE, 0x1000, 4, IREF_ACC_READ).cycles, 10);
	/* A mapping and an MSI region in one access: the tree piece stops
	 * at the region, which is one identity piece: 10 + 50 + 1. */
	CONF_OK(conf_attach(d, 3, CONF_EP_RESV, 0));
	CONF_OK(conf_map(d, 3, CONF_MSI_START - 0x1000, CONF_MSI_START - 1,
			 0x90000000, CONF_RW));
	struct iref_iommu *n = timed_dev(false, true);
	CONF_OK(conf_attach(n, 3, CONF_EP_RESV, 0));
	CONF_OK(conf_map(n, 3, CONF_MSI_START - 0x1000, CONF_MSI_START - 1,
			 0x90000000, CONF_RW));
	ck_assert_uint_eq(conf_dma(n, CONF_EP_RESV, CONF_MSI_START - 4, 8,
				   IREF_ACC_WRITE)
				  .cycles,
			  61);
	/* With the TLB: 10 + (2 + 50) + 1. */
	ck_assert_uint_eq(conf_dma(d, CONF_EP_RESV, CONF_MSI_START - 4, 8,
				   IREF_ACC_WRITE)
				  .cycles,
			  63);
	/* Bypass domain. */
	CONF_OK(conf_attach(d, 2, CONF_EP2, IREF_ATTACH_F_BYPASS));
	ck_assert_uint_eq(conf_dma(d, CONF_EP2, 0x1000, 4, IREF_ACC_READ).cycles,
			  11);
	CONF_OK(conf_unmap(d, 1, 0x1000, 0x2fff));
	ck_assert_uint_eq(iref_request_cycles(d), 38);
	/* A short request returned unwritten: the base. */
	uint8_t rd[4] = {IREF_T_MAP}, wr[4];
	ck_assert_uint_eq(iref_request(d, rd, sizeof rd, wr, sizeof wr), 0);
	ck_assert_uint_eq(iref_request_cycles(d), 30);
}
END_TEST

/* Timing off: cycles stay 0, and every other field is what a timed
 * device gives. */
START_TEST(test_off)
{
	struct iref_iommu *on = timed_dev(true, true);
	struct iref_iommu *off = timed_dev(true, false);
	struct iref_iommu *devs[] = {on, off};
	for (size_t i = 0; i < 2; i++) {
		CONF_OK(conf_attach(devs[i], 1, CONF_EP1, 0));
		CONF_OK(conf_map(devs[i], 1, 0x1000, 0x2fff, 0x80001000,
				 CONF_R));
	}
	ck_assert_uint_eq(iref_request_cycles(off), 0);
	static const struct {
		uint32_t ep;
		uint64_t iova, size;
		unsigned acc;
	} a[] = {
		{CONF_EP1, 0x1010, 4, IREF_ACC_READ},
		{CONF_EP1, 0x1ff8, 16, IREF_ACC_READ},
		{CONF_EP1, 0x1010, 4, IREF_ACC_WRITE},
		{CONF_EP2, 0x1000, 4, IREF_ACC_READ},
		{CONF_EP_RESV, CONF_MSI_START, 4, IREF_ACC_WRITE},
		{CONF_EP_NONE, 0x1000, 4, IREF_ACC_READ},
	};
	for (size_t i = 0; i < sizeof a / sizeof a[0]; i++) {
		struct iref_dma_result x = conf_dma(on, a[i].ep, a[i].iova,
						    a[i].size, a[i].acc);
		struct iref_dma_result y = conf_dma(off, a[i].ep, a[i].iova,
						    a[i].size, a[i].acc);
		ck_assert_msg(x.cycles != 0, "access %zu", i);
		ck_assert_uint_eq(y.cycles, 0);
		ck_assert_int_eq(x.outcome, y.outcome);
		ck_assert_int_eq(x.tlb, y.tlb);
		ck_assert_uint_eq(x.pa, y.pa);
		ck_assert_uint_eq(x.size, y.size);
		ck_assert(conf_rec_eq(&x.fault, &y.fault));
	}
}
END_TEST

START_TEST(test_config)
{
	struct iref_config cfg;
	conf_cfg(&cfg);
	cfg.timing_enabled = true;
	cfg.timing.walkers = 0;
	struct iref_iommu *d = NULL;
	struct iref_diag diag = {0};
	ck_assert_int_eq(iref_iommu_create(&cfg, &d, &diag), IREF_E_INVAL);
	ck_assert_ptr_null(d);
	ck_assert_str_eq(diag.msg, "timing: walkers must be at least 1");
	/* Off, the timing parameters are not looked at. */
	cfg.timing_enabled = false;
	ck_assert_int_eq(iref_iommu_create(&cfg, &d, &diag), IREF_OK);
	iref_iommu_destroy(d);
}
END_TEST

/* ---- scenarios ---- */

/* The text with every " cycles=N" removed. */
static char *strip_cycles(const char *s)
{
	char *r = malloc(strlen(s) + 1), *w = r;
	ck_assert_ptr_nonnull(r);
	while (*s) {
		if (!strncmp(s, " cycles=", 8)) {
			for (s += 8; *s >= '0' && *s <= '9'; s++)
				;
			continue;
		}
		*w++ = *s++;
	}
	*w = '\0';
	return r;
}

#define STEPS                                                             \
	"endpoints: [{id: 1}, {id: 2}]\n"                                 \
	"steps:\n"                                                        \
	"  - {attach: {domain: 1, endpoint: 1}}\n"                        \
	"  - {map: {domain: 1, virt_start: 0x1000, virt_end: 0x2fff, "    \
	"phys_start: 0x5000, flags: [read]}}\n"                           \
	"  - {dma: {endpoint: 1, addr: 0x1010, size: 4, access: read}}\n" \
	"  - {dma: {endpoint: 1, addr: 0x1ff0, size: 32, access: read}}\n" \
	"  - {dma: {endpoint: 1, addr: 0x1010, size: 4, access: write}}\n" \
	"  - {dma: {endpoint: 2, addr: 0x1010, size: 4, access: read}}\n" \
	"  - {dma: {endpoint: 7, addr: 0x1010, size: 4, access: read}}\n" \
	"  - {probe: {endpoint: 1}}\n"                                    \
	"  - {request: '0100'}\n"

START_TEST(test_scenario_lines)
{
	static const char *const cfgs[] = {
		"iommu: {bypass: 0, tlb: {entries: 8, ways: 2}}\n",
		"iommu: {bypass: 0}\n",
	};
	for (size_t i = 0; i < 2; i++) {
		char on_text[1024], off_text[1024];
		snprintf(off_text, sizeof off_text, "%s" STEPS, cfgs[i]);
		/* The same device with timing at its defaults. */
		snprintf(on_text, sizeof on_text, "%.*s, timing: }\n" STEPS,
			 (int)strlen(cfgs[i]) - 2, cfgs[i]);
		struct iref_test_output on, on2, off;
		iref_test_run_text(on_text, &on);
		iref_test_run_text(on_text, &on2);
		iref_test_run_text(off_text, &off);
		/* Deterministic: the same text, cycles included. */
		ck_assert_str_eq(on.out, on2.out);
		/* Off: no cycles; on: the same lines with cycles= last on
		 * each dma and req line. */
		ck_assert_ptr_null(strstr(off.out, "cycles"));
		char *stripped = strip_cycles(on.out);
		ck_assert_str_eq(stripped, off.out);
		free(stripped);
		for (const char *l = on.out; *l; l = strchr(l, '\n') + 1) {
			const char *eol = strchr(l, '\n'), *c = strstr(l, " cycles=");
			ck_assert_msg(c && c < eol, "no cycles: %.*s",
				      (int)(eol - l), l);
			c += 8;
			while (*c >= '0' && *c <= '9')
				c++;
			ck_assert_msg(c == eol, "cycles= not last: %.*s",
				      (int)(eol - l), l);
		}
		ck_assert_uint_eq(on.t.n_dma, 5);
		ck_assert_uint_eq(on.t.n_req, 4);
		ck_assert_uint_eq(off.t.n_dma, 0);
		ck_assert_uint_eq(off.t.cycles, 0);
		ck_assert_ptr_null(off.t.dma_cycles);
		iref_test_output_free(&on);
		iref_test_output_free(&on2);
		iref_test_output_free(&off);
	}
	/* Defaults without a TLB: a MAP piece is 19 + 100 (one piece up to
	 * the mapping's end), a fault found by the tree 19 + 100 + 100. */
	struct iref_test_output o;
	iref_test_run_text("iommu: {bypass: 0, timing: {}}\n" STEPS, &o);
	ck_assert_ptr_nonnull(strstr(o.out, "via=map cycles=119\n"));
	ck_assert_ptr_nonnull(strstr(o.out, "addr=0x1010 cycles=219\n"));
	iref_test_output_free(&o);
}
END_TEST

START_TEST(test_scenario_expect)
{
	struct iref_test_output o;
	iref_test_run_text("iommu:\n"
	    "  bypass: 0\n"
	    "  timing: {dma_base: 1, tree_lookup: 7, fault: 1000, req_base: 2,"
	    " req_attach: 3}\n" STEPS
	    "  - dma: {endpoint: 1, addr: 0x1010, size: 4, access: read}\n"
	    "    expect: {pa: 0x5010, cycles: 8}\n"
	    "  - dma: {endpoint: 1, addr: 0x9000, size: 4, access: read}\n"
	    "    expect: {fault: mapping, cycles: 1008}\n"
	    "  - attach: {domain: 1, endpoint: 2}\n"
	    "    expect: {status: ok, cycles: 5}\n"
	    "  - dma: {endpoint: 1, addr: 0x1010, size: 4, access: read}\n"
	    "    expect: {cycles: 9}\n"
	    "  - attach: {domain: 1, endpoint: 2}\n"
	    "    expect: {cycles: 4}\n",
	    &o);
	ck_assert_uint_eq(o.t.failed, 2);
	ck_assert_ptr_nonnull(strstr(o.err, "expected cycles=9, got cycles=8"));
	ck_assert_ptr_nonnull(strstr(o.err, "expected cycles=4, got cycles=5"));
	iref_test_output_free(&o);
}
END_TEST

START_TEST(test_scenario_config)
{
	struct iref_diag diag;
	struct scenario *s = iref_test_parse(
		"iommu:\n"
		"  timing: {dma_base: 1, tlb_lookup: 2, tree_lookup: 3, "
		"identity: 4, fault: 5, mem_access: 6, walkers: 7, req_base: 8,"
		" req_attach: 9, req_detach: 10, req_map: 11, req_unmap: 12, "
		"req_probe: 13}\n"
		"steps: []\n",
		&diag);
	ck_assert_msg(s, "%s", diag.msg);
	ck_assert(s->cfg.timing_enabled);
	const struct iref_timing_cfg *t = &s->cfg.timing;
	uint32_t got[] = {t->dma_base, t->tlb_lookup, t->tree_lookup,
			  t->identity, t->fault, t->mem_access, t->walkers,
			  t->req_base, t->req_attach, t->req_detach,
			  t->req_map, t->req_unmap, t->req_probe};
	for (uint32_t i = 0; i < sizeof got / sizeof got[0]; i++)
		ck_assert_uint_eq(got[i], i + 1);
	scenario_free(s);
	/* Keys left out keep their defaults. */
	s = iref_test_parse("iommu: {timing: {fault: 5}}\nsteps: []\n", &diag);
	ck_assert_msg(s, "%s", diag.msg);
	ck_assert_uint_eq(s->cfg.timing.fault, 5);
	ck_assert_uint_eq(s->cfg.timing.tlb_lookup, 3);
	scenario_free(s);
	s = iref_test_parse("steps: []\n", &diag);
	ck_assert(!s->cfg.timing_enabled);
	scenario_free(s);

	static const struct {
		const char *text, *msg;
	} bad[] = {
		{"iommu: {timing: {tlb: 3}}\nsteps: []\n", "unknown key 'tlb'"},
		{"iommu: {timing: {fault: 0x100000000}}\nsteps: []\n", "fault"},
		{"iommu: {timing: 5}\nsteps: []\n", "timing"},
		{"steps:\n  - dma: {endpoint: 1, addr: 0, size: 1, access: read}\n"
		 "    expect: {cycles: 3}\n",
		 "cycles: the device has no timing (add iommu: timing:)"},
		{"steps:\n  - attach: {domain: 1, endpoint: 1}\n"
		 "    expect: {status: ok, cycles: 3}\n",
		 "cycles: the device has no timing"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		s = iref_test_parse(bad[i].text, &diag);
		ck_assert_msg(!s, "case %zu loaded", i);
		ck_assert_msg(strstr(diag.msg, bad[i].msg), "case %zu: %s", i,
			      diag.msg);
	}
	/* The library checks walkers when it creates the device. */
	s = iref_test_parse("iommu: {timing: {walkers: 0}}\nsteps: []\n", &diag);
	ck_assert_msg(s, "%s", diag.msg);
	struct scenario_dev d;
	ck_assert(!scenario_setup(s, &d, &diag));
	ck_assert_msg(strstr(diag.msg, "walkers must be at least 1"), "%s",
		      diag.msg);
	scenario_free(s);
}
END_TEST

/* cli_run on examples/timing.yaml: the summary line the file's comment
 * works out, just before the totals. */
static char *cli(const char *path, int *status)
{
	char *buf = NULL, *ebuf = NULL;
	size_t len = 0, elen = 0;
	FILE *out = open_memstream(&buf, &len);
	FILE *err = open_memstream(&ebuf, &elen);
	*status = cli_run(path, true, out, err);
	fclose(out);
	fclose(err);
	ck_assert_msg(!elen, "stderr: %s", ebuf);
	free(ebuf);
	return buf;
}

START_TEST(test_summary)
{
	int status;
	char *out = cli(IREF_SOURCE_DIR "/examples/timing.yaml", &status);
	ck_assert_int_eq(status, 0);
	ck_assert_str_eq(out, "timing cycles=546 dma=7 req=6 p50=12 p90=162 "
			      "p99=162 max=162\n13 passed, 0 failed\n");
	free(out);
	/* Without timing, no summary line. */
	out = cli(IREF_SOURCE_DIR "/examples/tlb.yaml", &status);
	ck_assert_int_eq(status, 0);
	ck_assert_ptr_null(strstr(out, "timing"));
	free(out);
	/* Without DMA, percentiles are "-". */
	struct rline l = {0};
	results_timing(&l, &(struct timing_summary){.cycles = 35, .req = 1});
	ck_assert_str_eq(rline_str(&l),
			 "timing cycles=35 dma=0 req=1 p50=- p90=- p99=- max=-");
	rline_free(&l);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("timing");
	TCase *tc = conf_tcase(s, "arith");
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_dma_arith);
	tcase_add_test(tc, test_request_arith);
	tcase_add_test(tc, test_mem);
	tcase_add_test(tc, test_percentile);
	tc = conf_tcase(s, "device");
	tcase_add_test(tc, test_device);
	tcase_add_test(tc, test_off);
	tcase_add_test(tc, test_config);
	tc = conf_tcase(s, "scenario");
	tcase_add_test(tc, test_scenario_lines);
	tcase_add_test(tc, test_scenario_expect);
	tcase_add_test(tc, test_scenario_config);
	tcase_add_test(tc, test_summary);
	return s;
}

int main(void)
{
	return iref_test_run(suite());
}
