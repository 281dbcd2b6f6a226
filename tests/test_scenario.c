/* Unit tests of the scenario loader, the runner and the results line
 * format (cli/scenario.c, cli/runner.c, cli/results.c). */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "results.h"
#include "runner.h"
#include "scenario.h"
#include "testutil.h"

static struct iref_diag diag;

static struct scenario *parse_in(const char *text, const char *dir)
{
	memset(&diag, 0, sizeof diag);
	return scenario_parse(text, strlen(text), "t.yaml", dir, &diag);
}

static struct scenario *parse_ok(const char *text)
{
	struct scenario *s = parse_in(text, NULL);
	ck_assert_msg(s, "unexpected error %u:%u: %s", diag.line, diag.column,
		      diag.msg);
	return s;
}

/* The text must be refused at line:column with msg in the message. */
#define REFUSED(text_, line_, col_, msg_)                                   \
	do {                                                                \
		struct scenario *s_ = parse_in(text_, NULL);                \
		ck_assert_ptr_null(s_);                                     \
		ck_assert_str_eq(diag.file, "t.yaml");                      \
		ck_assert_msg(diag.line == (line_) && diag.column == (col_), \
			      "at %u:%u, want %u:%u: %s", diag.line,        \
			      diag.column, (unsigned)(line_),               \
			      (unsigned)(col_), diag.msg);                  \
		ck_assert_msg(strstr(diag.msg, msg_), "message '%s'",       \
			      diag.msg);                                    \
	} while (0)

/* ---- a good file ---- */

static const char full[] =
	"steps:\n"                                                     /* 1 */
	"  - attach: {domain: 1, endpoint: 1, reserved: 0x5}\n"        /* 2 */
	"    expect: ok\n"                                             /* 3 */
	"  - probe: {endpoint: 1}\n"                                   /* 4 */
	"    expect:\n"                                                /* 5 */
	"      status: noent\n"                                        /* 6 */
	"      properties:\n"                                          /* 7 */
	"        - resv_mem: {subtype: msi, start: 0x10, end: 0x1f}\n" /* 8 */
	"        - prop: {type: 2, length: 52}\n"                      /* 9 */
	"  - dma: {endpoint: 1, addr: 0x1010, size: 4, access: write, pasid: 7}\n"
	"    expect: {fault: mapping, flags: [write, address]}\n"      /* 11 */
	"  - events:\n"                                                /* 12 */
	"      expect: [{reason: domain, endpoint: 2, address: 0x30}]\n"
	"  - bypass: 1\n"                                              /* 14 */
	"    expect: rejected\n"                                       /* 15 */
	"  - request: {bytes: \"01 02 03\", writable: 9}\n"            /* 16 */
	"  - reset: system\n"                                          /* 17 */
	"iommu:\n"                                                     /* 18 */
	"  features: [map_unmap, probe, bypass_config]\n"
	"  negotiated: [map_unmap]\n"
	"  page_size_mask: 0x1000\n"
	"  input_range: {start: 0x1000, end: 0xffff}\n"
	"  domain_range: {start: 1, end: 0xffffffff}\n"
	"  probe_size: 64\n"
	"  bypass: 0\n"
	"  options: {write_implies_read: true, resv_bypass_identity: true,\n"
	"            unknown_endpoint_passthrough: true,\n"
	"            unmap_reserved_inval: true, unknown_type: status,\n"
	"            short_request: status, max_domains: 3,\n"
	"            max_endpoints_per_domain: 4, max_mappings: 5,\n"
	"            guest_pa_bits: 40, eventq_depth: 6}\n"
	"  eventq: {mode: posted}\n"
	"endpoints:\n"
	"  - id: 7\n"
	"    compat_class: 2\n"
	"    reserved: [{subtype: reserved, start: 0x100, end: 0x1ff},\n"
	"               {subtype: msi, start: 0x200, end: 0x2ff}]\n"
	"memory:\n"
	"  - {addr: 0x1000, u64: [0x1122334455667788]}\n"
	"  - {addr: 0x2000, bytes: \"de ad\"}\n";

START_TEST(test_good_config)
{
	struct scenario *s = parse_ok(full);
	const struct iref_config *c = &s->cfg;
	ck_assert_uint_eq(c->features,
			  IREF_FEAT(IREF_F_MAP_UNMAP) | IREF_FEAT(IREF_F_PROBE) |
				  IREF_FEAT(IREF_F_BYPASS_CONFIG) |
				  IREF_FEAT(IREF_F_VERSION_1));
	ck_assert_uint_eq(s->negotiated, IREF_FEAT(IREF_F_MAP_UNMAP) |
						 IREF_FEAT(IREF_F_VERSION_1));
	ck_assert_uint_eq(c->page_size_mask, 0x1000);
	ck_assert_uint_eq(c->input_start, 0x1000);
	ck_assert_uint_eq(c->input_end, 0xffff);
	ck_assert_uint_eq(c->domain_start, 1);
	ck_assert_uint_eq(c->domain_end, 0xffffffffu);
	ck_assert_uint_eq(c->probe_size, 64);
	ck_assert_uint_eq(c->bypass, 0);
	ck_assert(c->opt.write_implies_read && c->opt.resv_bypass_identity &&
		  c->opt.unknown_endpoint_passthrough &&
		  c->opt.unmap_reserved_inval);
	ck_assert_int_eq(c->opt.unknown_type, IREF_LEN0_STATUS);
	ck_assert_int_eq(c->opt.short_request, IREF_LEN0_STATUS);
	ck_assert_uint_eq(c->opt.max_domains, 3);
	ck_assert_uint_eq(c->opt.max_endpoints_per_domain, 4);
	ck_assert_uint_eq(c->opt.max_mappings, 5);
	ck_assert_uint_eq(c->opt.guest_pa_bits, 40);
	ck_assert_uint_eq(c->opt.eventq_depth, 6);
	ck_assert_int_eq(s->eventq_mode, IREF_EVENTS_POSTED);
	ck_assert_uint_eq(s->iommu_line, 18);
	ck_assert_uint_eq(s->iommu_column, 1);

	ck_assert_uint_eq(s->n_eps, 1);
	ck_assert_uint_eq(s->eps[0].cfg.id, 7);
	ck_assert_uint_eq(s->eps[0].cfg.compat_class, 2);
	ck_assert_uint_eq(s->eps[0].cfg.n_resv, 2);
	ck_assert_uint_eq(s->eps[0].cfg.resv[1].subtype, IREF_RESV_MEM_T_MSI);
	ck_assert_uint_eq(s->eps[0].cfg.resv[1].start, 0x200);
	ck_assert_uint_eq(s->eps[0].cfg.resv[1].end, 0x2ff);

	ck_assert_uint_eq(s->n_mem, 2);
	static const uint8_t word[] = {0x88, 0x77, 0x66, 0x55,
				       0x44, 0x33, 0x22, 0x11};
	ck_assert_uint_eq(s->mem[0].data.n, 8);
	ck_assert_mem_eq(s->mem[0].data.p, word, 8);
	ck_assert_uint_eq(s->mem[1].addr, 0x2000);
	ck_assert_uint_eq(s->mem[1].data.n, 2);
	ck_assert_uint_eq(s->mem[1].data.p[1], 0xad);
	scenario_free(s);
}
END_TEST

START_TEST(test_good_steps)
{
	struct scenario *s = parse_ok(full);
	ck_assert_uint_eq(s->n_steps, 7);
	const struct step *st = s->steps;

	/* Friendly requests are the wire encoders' bytes plus overrides. */
	uint8_t want[IREF_ATTACH_RSIZE];
	iref_enc_attach(want, 1, 1, 0);
	want[16] = 5;
	ck_assert_int_eq(st[0].kind, STEP_ATTACH);
	ck_assert_uint_eq(st[0].rd.n, IREF_ATTACH_RSIZE);
	ck_assert_mem_eq(st[0].rd.p, want, IREF_ATTACH_RSIZE);
	ck_assert_uint_eq(st[0].wlen, IREF_TAIL_SIZE);
	ck_assert(st[0].has_expect && st[0].req.status.set);
	ck_assert_uint_eq(st[0].req.status.v, IREF_S_OK);
	ck_assert_uint_eq(st[0].line, 2);
	ck_assert_uint_eq(st[0].column, 5);
	ck_assert_uint_eq(st[0].expect_line, 3);

	/* probe_size comes later in the file and still sets the size. */
	ck_assert_int_eq(st[1].kind, STEP_PROBE);
	ck_assert_uint_eq(st[1].wlen, 64 + IREF_TAIL_SIZE);
	ck_assert_uint_eq(st[1].req.status.v, IREF_S_NOENT);
	ck_assert(st[1].req.has_props);
	ck_assert_uint_eq(st[1].req.n_props, 2);
	ck_assert_uint_eq(st[1].req.props[0].type, IREF_PROBE_T_RESV_MEM);
	ck_assert_uint_eq(st[1].req.props[0].length, 20);
	ck_assert_uint_eq(st[1].req.props[0].end, 0x1f);
	ck_assert_uint_eq(st[1].req.props[1].type, 2);
	ck_assert_uint_eq(st[1].req.props[1].length, 52);

	ck_assert_int_eq(st[2].kind, STEP_DMA);
	ck_assert_uint_eq(st[2].dma.endpoint, 1);
	ck_assert_uint_eq(st[2].dma.iova, 0x1010);
	ck_assert_uint_eq(st[2].dma.size, 4);
	ck_assert_uint_eq(st[2].dma.access, IREF_ACC_WRITE);
	ck_assert(st[2].dma.has_pasid);
	ck_assert_uint_eq(st[2].dma.pasid, 7);
	ck_assert_int_eq(st[2].dma_exp.outcome, IREF_DMA_FAULT);
	ck_assert_uint_eq(st[2].dma_exp.reason.v, IREF_R_MAPPING);
	ck_assert_uint_eq(st[2].dma_exp.flags.v,
			  IREF_FAULT_F_WRITE | IREF_FAULT_F_ADDRESS);
	ck_assert(!st[2].dma_exp.pa.set && !st[2].dma_exp.address.set);

	/* The nested "events: {expect: ...}" form. */
	ck_assert_int_eq(st[3].kind, STEP_EVENTS);
	ck_assert(st[3].has_expect && st[3].events.has_records);
	ck_assert_uint_eq(st[3].expect_line, 13);
	ck_assert_uint_eq(st[3].events.n, 1);
	ck_assert_uint_eq(st[3].events.rec[0].reason.v, IREF_R_DOMAIN);
	ck_assert_uint_eq(st[3].events.rec[0].endpoint.v, 2);
	ck_assert_uint_eq(st[3].events.rec[0].address.v, 0x30);
	ck_assert(!st[3].events.rec[0].flags.set);
	ck_assert(!st[3].events.dropped.set);

	ck_assert_int_eq(st[4].kind, STEP_BYPASS);
	ck_assert_uint_eq(st[4].value, 1);
	ck_assert(st[4].accepted.set && st[4].accepted.v == 0);

	ck_assert_int_eq(st[5].kind, STEP_REQUEST);
	ck_assert_uint_eq(st[5].rd.n, 3);
	ck_assert_uint_eq(st[5].rd.p[2], 3);
	ck_assert_uint_eq(st[5].wlen, 9);
	ck_assert(!st[5].has_expect);

	ck_assert_int_eq(st[6].kind, STEP_RESET);
	ck_assert_uint_eq(st[6].value, 1);
	scenario_free(s);
}
END_TEST

START_TEST(test_defaults)
{
	struct scenario *s = parse_ok("steps: []\n");
	struct iref_config def;
	iref_config_default(&def);
	ck_assert_uint_eq(s->cfg.features, def.features);
	ck_assert_uint_eq(s->negotiated, def.features);
	ck_assert_uint_eq(s->cfg.page_size_mask, def.page_size_mask);
	ck_assert_uint_eq(s->cfg.probe_size, def.probe_size);
	ck_assert_uint_eq(s->cfg.bypass, def.bypass);
	ck_assert_int_eq(s->eventq_mode, IREF_EVENTS_AUTO);
	ck_assert_uint_eq(s->n_steps + s->n_eps + s->n_mem, 0);
	scenario_free(s);

	/* An empty feature list still offers VERSION_1. */
	s = parse_ok("iommu: {features: []}\nsteps: []\n");
	ck_assert_uint_eq(s->cfg.features, IREF_FEAT(IREF_F_VERSION_1));
	scenario_free(s);
}
END_TEST

START_TEST(test_expect_forms)
{
	struct scenario *s = parse_ok(
		"steps:\n"
		"  - dma: {endpoint: 1, addr: 0, size: 1, access: exec}\n"
		"    expect: abort\n"
		"  - dma: {endpoint: 1, addr: 0, size: 1, access: read}\n"
		"    expect: {pa: 0x10, size: 0, perm: [read, exec], via: msi}\n"
		"  - events:\n"
		"    expect: {records: [], dropped: 3}\n"
		"  - map: {domain: 1, virt_start: 0, virt_end: 0xfff,\n"
		"          phys_start: 0, flags: 0x7}\n"
		"    expect: {used: 0}\n"
		"  - attach: {domain: 1, endpoint: 1, bypass: true}\n"
		"  - config_write: {offset: 0x24, bytes: \"\"}\n"
		"    expect: ok\n");
	const struct step *st = s->steps;
	ck_assert_uint_eq(st[0].dma.access, IREF_ACC_EXEC);
	ck_assert_int_eq(st[0].dma_exp.outcome, IREF_DMA_ABORT);
	ck_assert_int_eq(st[1].dma_exp.outcome, IREF_DMA_OK);
	ck_assert_uint_eq(st[1].dma_exp.perm.v, IREF_PERM_R | IREF_PERM_X);
	ck_assert_uint_eq(st[1].dma_exp.via.v, VIA_MSI);
	ck_assert(st[1].dma_exp.size.set && st[1].dma_exp.size.v == 0);
	ck_assert(st[2].events.has_records && st[2].events.n == 0);
	ck_assert_uint_eq(st[2].events.dropped.v, 3);
	ck_assert_uint_eq(iref_le32(st[3].rd.p + 32), 7);
	ck_assert(st[3].req.used.set && !st[3].req.status.set);
	ck_assert_uint_eq(iref_le32(st[4].rd.p + 12), IREF_ATTACH_F_BYPASS);
	ck_assert_uint_eq(st[5].data.n, 0);
	ck_assert_uint_eq(st[5].accepted.v, 1);
	scenario_free(s);
}
END_TEST

/* ---- refusals, each at its line and column ---- */

START_TEST(test_err_syntax)
{
	/* libyaml's mark, made 1-based. */
	REFUSED("steps: [ {attach: {domain: 1}\n", 2, 1,
		"did not find expected ',' or '}'");
	REFUSED("steps:\n  - a: 1\n - b: 2\n", 3, 2, "");
	REFUSED("steps: []\n--- \nsteps: []\n", 2, 1,
		"only one YAML document");
	REFUSED("", 1, 1, "empty document");
	REFUSED("a: &x 1\nsteps: *x\n", 2, 8, "aliases are not supported");
	REFUSED("steps: !!seq []\n", 1, 8, "tags are not supported");
	REFUSED("steps:\n  - request: \"\\0\"\n", 2, 14, "NUL character");
	REFUSED("steps:\n  - reset: device\x01\n", 2, 18,
		"control characters are not allowed");
}
END_TEST

START_TEST(test_err_unknown_key)
{
	REFUSED("steps:\n  - attach: {domian: 1, endpoint: 1}\n", 2, 14,
		"unknown key 'domian' in attach (expected one of: domain,");
	REFUSED("stpes: []\n", 1, 1, "unknown key 'stpes' in scenario");
	REFUSED("iommu:\n  options:\n    max_domain: 1\nsteps: []\n", 3, 5,
		"unknown key 'max_domain' in options");
	REFUSED("steps:\n  - dma: {endpoint: 1, addr: 0, size: 1,"
		" access: read}\n    expect: {pa: 1, fault: mapping}\n",
		3, 14, "unknown key 'pa' in fault expectation");
	REFUSED("steps:\n  - attach: {domain: 1, endpoint: 1}\n"
		"    expect: ok\n    expect: ok\n",
		4, 5, "duplicate key 'expect'");
	REFUSED("steps:\n  - map: {domain: 1, domain: 2}\n", 2, 22,
		"duplicate key 'domain' in map");
}
END_TEST

START_TEST(test_err_type)
{
	REFUSED("steps: {a: 1}\n", 1, 8, "steps: expected a list, got a "
					 "mapping");
	REFUSED("steps:\n  - dma: {endpoint: 1, addr: \"0x10\", size: 1,"
		" access: read}\n",
		2, 30, "addr: expected a number, got a string");
	REFUSED("steps:\n  - dma: {endpoint: [1], addr: 0, size: 1,"
		" access: read}\n",
		2, 21, "endpoint: expected a number, got a list");
	REFUSED("steps:\n  - dma: {endpoint: -1, addr: 0, size: 1,"
		" access: read}\n",
		2, 21, "'-1' is not a number");
	REFUSED("iommu: {options: {write_implies_read: 1}}\nsteps: []\n",
		1, 39, "expected true or false");
	REFUSED("steps:\n  - attach:\n", 2, 12,
		"attach: expected a mapping, got nothing");
	REFUSED("steps:\n  - events: 3\n", 2, 13,
		"events: expected a mapping, got a scalar");
}
END_TEST

START_TEST(test_err_number_width)
{
	REFUSED("steps:\n  - attach: {domain: 0x100000000, endpoint: 1}\n", 2,
		22, "domain: 0x100000000 does not fit in 32 bits");
	REFUSED("steps:\n  - attach: {domain: 4294967296, endpoint: 1}\n", 2,
		22, "does not fit in 32 bits");
	REFUSED("steps:\n  - bypass: 256\n", 2, 13,
		"bypass: 256 does not fit in 8 bits");
	REFUSED("iommu: {page_size_mask: 0x10000000000000000}\nsteps: []\n",
		1, 25, "does not fit in 64 bits");
	REFUSED("iommu: {input_range: {start: 0, end: 18446744073709551616}}\n"
		"steps: []\n",
		1, 38, "does not fit in 64 bits");
	REFUSED("steps:\n  - probe: {endpoint: 1}\n    expect:\n"
		"      properties: [{prop: {type: 0x1000, length: 1}}]\n",
		4, 34, "type: 0x1000 does not fit in 12 bits");
	/* 2^64 - 1 itself fits. */
	struct scenario *s = parse_ok(
		"iommu: {page_size_mask: 0xffffffffffffffff}\nsteps: []\n");
	ck_assert_uint_eq(s->cfg.page_size_mask, UINT64_MAX);
	scenario_free(s);
}
END_TEST

START_TEST(test_err_missing)
{
	REFUSED("iommu: {}\n", 1, 1, "scenario: missing key 'steps'");
	REFUSED("steps:\n  - attach: {endpoint: 1}\n", 2, 13,
		"attach: missing key 'domain'");
	REFUSED("steps:\n  - map:\n      domain: 1\n      virt_start: 0\n", 3,
		7, "map: missing key 'virt_end'");
	REFUSED("steps:\n  - expect: ok\n", 2, 5, "step without a kind");
	REFUSED("memory:\n  - {addr: 0x1000}\nsteps: []\n", 2, 5,
		"needs one of u64, bytes, image");
	REFUSED("memory:\n  - {bytes: \"00\"}\nsteps: []\n", 2, 5,
		"missing key 'addr'");
	REFUSED("steps:\n  - events:\n    expect: [{reason: domain}]\n", 3,
		14, "event: missing key 'endpoint'");
}
END_TEST

START_TEST(test_err_names)
{
	REFUSED("steps:\n  - attach: {domain: 1, endpoint: 1}\n"
		"    expect: okay\n",
		3, 13, "unknown status 'okay' (expected one of: ok, ioerr,");
	REFUSED("steps:\n  - attach: {domain: 1, endpoint: 1}\n"
		"    expect: {status: OK}\n",
		3, 22, "unknown status 'OK'");
	REFUSED("iommu: {features: [map_unmap, bogus]}\nsteps: []\n", 1, 31,
		"unknown name 'bogus'");
	REFUSED("steps:\n  - dma: {endpoint: 1, addr: 0, size: 1,"
		" access: rw}\n",
		2, 50, "access: unknown name 'rw' (expected one of: read, "
		       "write, exec)");
	REFUSED("steps:\n  - atach: {domain: 1, endpoint: 1}\n", 2, 5,
		"unknown step kind 'atach'");
	REFUSED("steps:\n  - attach: {domain: 1, endpoint: 1}\n"
		"    map: {domain: 1}\n",
		3, 5, "a step has one kind: 'map' after 'attach'");
	REFUSED("steps:\n  - reset: warm\n", 2, 12, "unknown name 'warm'");
	REFUSED("iommu: {features: [probe], negotiated: [map_unmap]}\n"
		"steps: []\n",
		1, 40, "feature 'map_unmap' is not offered");
}
END_TEST

START_TEST(test_err_values)
{
	REFUSED("steps:\n  - reset: device\n    expect: ok\n", 3, 5,
		"reset steps take no expect");
	REFUSED("steps:\n  - attach: {domain: 1, endpoint: 1}\n    expect:\n",
		3, 5, "expect without a value");
	REFUSED("steps:\n  - dma: {endpoint: 1, addr: 0, size: 0,"
		" access: read}\n",
		2, 39, "size must be >= 1");
	REFUSED("steps:\n  - dma: {endpoint: 1, addr: 0xffffffffffffffff,"
		" size: 2, access: read}\n",
		2, 56, "runs past 2^64");
	REFUSED("steps:\n  - request: {bytes: \"01\", writable: 0xffffffff}\n",
		2, 38, "more than the limit");
	REFUSED("iommu: {probe_size: 0xffffffff}\n"
		"steps:\n  - probe: {endpoint: 1}\n",
		3, 12, "more than the limit");
	REFUSED("steps:\n  - request: \"01 0\"\n", 2, 14,
		"byte 2 is not two hex digits");
	REFUSED("steps:\n  - attach: {domain: 1, endpoint: 1, bypass: true,"
		" flags: 1}\n",
		2, 52, "either bypass or flags");
	REFUSED("memory:\n  - {addr: 0xffffffffffffffff, u64: [1]}\n"
		"steps: []\n",
		2, 5, "run past 2^64");
	REFUSED("memory:\n  - {image: a.img, u64: [1]}\nsteps: []\n", 2, 20,
		"'image' and 'u64' are exclusive");
	REFUSED("memory:\n  - {image: a.img, addr: 0}\nsteps: []\n", 2, 20,
		"remove 'addr'");
	REFUSED("steps:\n  - events: {expect: []}\n    expect: []\n", 2, 14,
		"expect given twice");
	REFUSED("steps:\n  - probe: {endpoint: 1}\n    expect:\n"
		"      properties: [{resv_mem: {subtype: msi, start: 0,"
		" end: 1}, prop: {type: 2, length: 0}}]\n",
		4, 20, "give one of resv_mem, prop");
}
END_TEST

/* ---- setup: errors that only building the device finds ---- */

static char tmpdir[64];

static void mk_tmpdir(void)
{
	strcpy(tmpdir, "/tmp/iref-scn-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void write_file(const char *name, const char *text)
{
	char path[128];
	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void rm_file(const char *name)
{
	char path[128];
	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	unlink(path);
}

START_TEST(test_setup_image)
{
	mk_tmpdir();
	write_file("ok.img", "# comment\n0x5000 0x0102030405060708\n");
	write_file("bad.img", "0x1000 0x1\n0x1008 zz\n");
	struct scenario *s = parse_in("memory:\n  - image: ok.img\n"
				      "  - {addr: 0x5008, bytes: \"aa bb\"}\n"
				      "steps: []\n",
				      tmpdir);
	ck_assert_ptr_nonnull(s);
	struct scenario_dev d;
	ck_assert(scenario_setup(s, &d, &diag));
	uint64_t v = 0;
	ck_assert_int_eq(iref_mem_read64(iref_sparse_mem_as_mem(d.mem), 0x5000,
					 &v),
			 IREF_OK);
	ck_assert_uint_eq(v, 0x0102030405060708);
	ck_assert_int_eq(iref_mem_read64(iref_sparse_mem_as_mem(d.mem), 0x5008,
					 &v),
			 IREF_OK);
	ck_assert_uint_eq(v, 0xbbaa);
	scenario_teardown(&d);
	scenario_free(s);

	/* The image's own file, line and column. */
	s = parse_in("steps: []\nmemory:\n  - image: bad.img\n", tmpdir);
	ck_assert_ptr_nonnull(s);
	ck_assert(!scenario_setup(s, &d, &diag));
	ck_assert_ptr_nonnull(strstr(diag.file, "/bad.img"));
	ck_assert_uint_eq(diag.line, 2);
	ck_assert_uint_eq(diag.column, 8);
	ck_assert_ptr_null(d.dev);
	scenario_free(s);

	/* An image that cannot be opened: the scenario's line. */
	s = parse_in("steps: []\nmemory:\n  - image: none.img\n", tmpdir);
	ck_assert(!scenario_setup(s, &d, &diag));
	ck_assert_str_eq(diag.file, "t.yaml");
	ck_assert_uint_eq(diag.line, 3);
	ck_assert_uint_eq(diag.column, 5);
	ck_assert_ptr_nonnull(strstr(diag.msg, "none.img"));
	scenario_free(s);
	rm_file("ok.img");
	rm_file("bad.img");
	rmdir(tmpdir);
}
END_TEST

/* guest_memory configures the sparse memory: unwritten bytes as bus
 * errors, and a limit that refuses memory items past it with their line. */
START_TEST(test_setup_guest_memory)
{
	struct scenario_dev d;
	struct scenario *s = parse_ok(
		"guest_memory: {unwritten_is_bus_error: true, limit: 0x10000}\n"
		"memory:\n  - {addr: 0x1000, u64: [7]}\nsteps: []\n");
	ck_assert(scenario_setup(s, &d, &diag));
	struct iref_mem m = iref_sparse_mem_as_mem(d.mem);
	uint64_t v = 0;
	ck_assert_int_eq(iref_mem_read64(m, 0x1000, &v), IREF_OK);
	ck_assert_uint_eq(v, 7);
	ck_assert_int_eq(iref_mem_read64(m, 0x2000, &v), IREF_E_BUS);
	ck_assert_int_eq(iref_mem_write64(m, 0x10000, 1), IREF_E_BUS);
	scenario_teardown(&d);
	scenario_free(s);

	s = parse_ok("guest_memory: {limit: 0x1000}\nsteps: []\n"
		     "memory:\n  - {addr: 0x2000, u64: [1]}\n");
	ck_assert(!scenario_setup(s, &d, &diag));
	ck_assert_uint_eq(diag.line, 4);
	ck_assert_uint_eq(diag.column, 5);
	ck_assert_ptr_nonnull(strstr(diag.msg, "bus error"));
	scenario_free(s);

	ck_assert_ptr_null(parse_in("guest_memory: {limits: 1}\nsteps: []\n",
				    NULL));
	ck_assert_uint_eq(diag.line, 1);
	ck_assert_uint_eq(diag.column, 16);
}
END_TEST

START_TEST(test_setup_refusals)
{
	struct scenario_dev d;
	struct scenario *s = parse_ok("steps: []\n\niommu:\n  bypass: 2\n");
	ck_assert(!scenario_setup(s, &d, &diag));
	ck_assert_str_eq(diag.file, "t.yaml");
	ck_assert_uint_eq(diag.line, 3);
	ck_assert_uint_eq(diag.column, 1);
	ck_assert_ptr_nonnull(strstr(diag.msg, "device configuration refused"));
	scenario_free(s);

	s = parse_ok("iommu: {page_size_mask: 0}\nsteps: []\n");
	ck_assert(!scenario_setup(s, &d, &diag));
	ck_assert_uint_eq(diag.line, 1);
	scenario_free(s);

	s = parse_ok("steps: []\nendpoints:\n  - id: 1\n  - {id: 1}\n");
	ck_assert(!scenario_setup(s, &d, &diag));
	ck_assert_uint_eq(diag.line, 4);
	ck_assert_uint_eq(diag.column, 5);
	/* The device's own reason, at the second declaration. */
	ck_assert_str_ne(diag.msg, "");
	scenario_free(s);

	s = parse_ok("steps: []\nendpoints:\n  - id: 3\n"
		     "    reserved: [{subtype: msi, start: 9, end: 1}]\n");
	ck_assert(!scenario_setup(s, &d, &diag));
	ck_assert_uint_eq(diag.line, 3);
	ck_assert_uint_eq(diag.column, 5);
	scenario_free(s);
}
END_TEST

/* ---- running ---- */

START_TEST(test_run_lines)
{
	struct iref_test_output c;
	iref_test_run_text("iommu: {bypass: 0}\n"
		 "endpoints: [{id: 1}]\n"
		 "steps:\n"
		 "  - attach: {domain: 1, endpoint: 1}\n"
		 "  - map: {domain: 1, virt_start: 0x1000, virt_end: 0x1fff,\n"
		 "          phys_start: 0x80000000, flags: [read, write]}\n"
		 "  - dma: {endpoint: 1, addr: 0x1010, size: 4, access: read}\n"
		 "  - dma: {endpoint: 1, addr: 0x3000, size: 4, access: write}\n"
		 "  - dma: {endpoint: 9, addr: 0x0, size: 4, access: read}\n"
		 "  - events:\n"
		 "  - request: \"01 00\"\n"
		 "  - config_write: {offset: 0x24, bytes: \"01\"}\n"
		 "  - reset: device\n"
		 "  - post_event_buffers: {count: 1, size: 24}\n",
		 &c);
	ck_assert_str_eq(
		c.out,
		"req attach domain=1 ep=1 flags=0x0 -> status=ok\n"
		"req map domain=1 virt=[0x1000,0x1fff] phys=0x80000000 "
		"flags=rw -> status=ok\n"
		"dma ep=1 pasid=- iova=0x1010 len=4 acc=r -> ok pa=0x80000010 "
		"size=0x1000 perm=rwx via=map\n"
		"dma ep=1 pasid=- iova=0x3000 len=4 acc=w -> fault "
		"reason=mapping flags=w,address addr=0x3000\n"
		"dma ep=9 pasid=- iova=0x0 len=4 acc=r -> abort\n"
		"events count=1 dropped=0\n"
		"event reason=mapping ep=1 pasid=- addr=0x3000 flags=w,address\n"
		"req raw type=0x01 rlen=2 wlen=4 -> used=0\n"
		"config write off=0x24 data=01 -> ok\n"
		"reset device -> ok\n"
		"eventq post count=1 size=24 -> rejected\n");
	ck_assert_str_eq(c.err, "");
	ck_assert_uint_eq(c.t.passed, 10);
	ck_assert_uint_eq(c.t.failed, 0);
	iref_test_output_free(&c);
}
END_TEST

START_TEST(test_run_mismatch)
{
	struct iref_test_output c;
	iref_test_run_text("iommu: {bypass: 0}\n"                              /* 1 */
		 "endpoints: [{id: 1}]\n"                              /* 2 */
		 "steps:\n"                                            /* 3 */
		 "  - attach: {domain: 1, endpoint: 1}\n"              /* 4 */
		 "    expect: inval\n"                                 /* 5 */
		 "  - dma: {endpoint: 1, addr: 0x10, size: 1, access: read}\n"
		 "    expect: {pa: 0x10}\n"                            /* 7 */
		 "  - dma: {endpoint: 1, addr: 0x10, size: 1, access: read}\n"
		 "    expect: {fault: mapping, flags: [write], address: 0x11}\n"
		 "  - events:\n"                                       /* 10 */
		 "      expect:\n"                                     /* 11 */
		 "        - {reason: mapping, endpoint: 1}\n"          /* 12 */
		 "        - {reason: mapping, endpoint: 2}\n"          /* 13 */
		 "        - {reason: mapping, endpoint: 1}\n"          /* 14 */
		 "  - bypass: 1\n"                                     /* 15 */
		 "    expect: rejected\n"                              /* 16 */
		 "  - probe: {endpoint: 1}\n"                          /* 17 */
		 "    expect: {properties: [{prop: {type: 2, length: 4}}]}\n"
		 "  - request: \"05\"\n"                               /* 19 */
		 "    expect: ok\n"                                    /* 20 */
		 "  - attach: {domain: 1, endpoint: 1}\n"              /* 21 */
		 "    expect: ok\n"                                    /* 22 */
		 "  - dma: {endpoint: 1, addr: 0x20, size: 1, access: read}\n"
		 "  - events: {expect: []}\n",                         /* 24 */
		 &c);
	ck_assert_uint_eq(c.t.passed, 2);
	ck_assert_uint_eq(c.t.failed, 8);
	ck_assert_str_eq(
		c.err,
		"t.yaml:5: step 1 (attach): expected status=inval, got "
		"status=ok\n"
		"t.yaml:7: step 2 (dma): expected ok pa=0x10, got fault "
		"reason=mapping flags=r,address addr=0x10\n"
		"t.yaml:9: step 3 (dma): expected flags=w addr=0x11, got "
		"flags=r,address addr=0x10\n"
		"t.yaml:13: step 4 (events): expected event 2 ep=2, got "
		"event 2 ep=1\n"
		"t.yaml:16: step 5 (bypass): expected rejected, got ok\n"
		"t.yaml:18: step 6 (probe): expected props=prop(0x2,4), got "
		"props=-\n"
		"t.yaml:20: step 7 (request): expected status=ok, got used=0\n"
		"t.yaml:24: step 10 (events): expected no event 1, got event "
		"reason=mapping ep=1 pasid=- addr=0x20 flags=r,address\n");
	iref_test_output_free(&c);
}
END_TEST

/* ---- results notation ---- */

START_TEST(test_results_values)
{
	struct rline l = {0};
	results_map_flags(&l, IREF_MAP_F_READ | IREF_MAP_F_WRITE);
	rline_add(&l, " ");
	results_map_flags(&l, 0);
	rline_add(&l, " ");
	results_map_flags(&l, IREF_MAP_F_READ | IREF_MAP_F_MMIO);
	rline_add(&l, " ");
	results_map_flags(&l, 0x9); /* an unnamed bit: all in hex */
	ck_assert_str_eq(rline_str(&l), "rw - rm 0x9");
	rline_clear(&l);

	results_fault_flags(&l, IREF_FAULT_F_EXEC | IREF_FAULT_F_ADDRESS |
					IREF_FAULT_F_PASID);
	rline_add(&l, " ");
	results_fault_flags(&l, 0);
	rline_add(&l, " ");
	results_fault_flags(&l, IREF_FAULT_F_READ | 0x400);
	rline_add(&l, " ");
	results_status(&l, IREF_S_NOMEM);
	rline_add(&l, " ");
	results_status(&l, 9);
	rline_add(&l, " ");
	results_reason(&l, 3);
	rline_add(&l, " ");
	results_perm(&l, IREF_PERM_W | IREF_PERM_X);
	ck_assert_str_eq(rline_str(&l), "x,address,pasid - 0x401 nomem 0x9 0x3 wx");
	rline_free(&l);
}
END_TEST

START_TEST(test_results_lines)
{
	struct rline l = {0};
	uint8_t rd[IREF_PROBE_RSIZE], wr[40] = {0};

	/* A PROBE answer with one RESV_MEM, one unknown property, then a
	 * used length that is not the writable length. */
	iref_enc_probe(rd, 3);
	iref_put_le16(wr, IREF_PROBE_T_RESV_MEM);
	iref_put_le16(wr + 2, 20);
	wr[4] = IREF_RESV_MEM_T_MSI;
	iref_put_le64(wr + 8, 0x1000);
	iref_put_le64(wr + 16, 0x1fff);
	iref_put_le16(wr + 24, 0x2);
	iref_put_le16(wr + 26, 0);
	results_request(&l, false, rd, sizeof rd, 40);
	results_arrow(&l);
	results_reply(&l, rd, sizeof rd, wr, 40, 32);
	ck_assert_str_eq(rline_str(&l),
			 "req probe ep=3 wlen=40 -> used=32 status=ok "
			 "props=resv_mem(msi,0x1000,0x1fff);prop(0x2,0)");
	rline_clear(&l);

	/* A property running past the area. */
	iref_put_le16(wr + 26, 100);
	results_props(&l, wr, 36);
	ck_assert_str_eq(rline_str(&l),
			 "resv_mem(msi,0x1000,0x1fff);overrun");
	rline_clear(&l);

	/* A friendly subject needs a complete request of its type. */
	results_request(&l, false, rd, 10, 4);
	ck_assert_str_eq(rline_str(&l), "req raw type=0x05 rlen=10 wlen=4");
	rline_clear(&l);

	/* Raw: no bytes at all; a used length past the area is not read. */
	results_request(&l, true, NULL, 0, 8);
	results_arrow(&l);
	results_reply(&l, NULL, 0, wr, 8, 12);
	ck_assert_str_eq(rline_str(&l), "req raw type=- rlen=0 wlen=8 -> used=12");
	rline_clear(&l);

	struct iref_dma_req req = {.endpoint = 4, .has_pasid = true,
				   .pasid = 9, .iova = 0xabc, .size = 16,
				   .access = IREF_ACC_EXEC};
	struct iref_dma_result res = {.outcome = IREF_DMA_FAULT,
				      .fault = {.reason = IREF_R_UNKNOWN,
						.flags = IREF_FAULT_F_READ}};
	results_dma_access(&l, &req);
	results_arrow(&l);
	results_dma_outcome(&l, &res);
	ck_assert_str_eq(rline_str(&l), "dma ep=4 pasid=9 iova=0xabc len=16 "
					"acc=x -> fault reason=unknown "
					"flags=r addr=-");
	rline_clear(&l);

	struct iref_fault_record rec = {
		.reason = IREF_R_MAPPING, .endpoint = 2, .pasid = 5,
		.flags = IREF_FAULT_F_PASID | IREF_FAULT_F_WRITE,
		.address = 0x77};
	results_event(&l, &rec);
	ck_assert_str_eq(rline_str(&l), "event reason=mapping ep=2 pasid=5 "
					"addr=- flags=w,pasid");
	rline_free(&l);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("scenario");
	TCase *tc = tcase_create("load");
	tcase_add_test(tc, test_good_config);
	tcase_add_test(tc, test_good_steps);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_expect_forms);
	suite_add_tcase(s, tc);
	tc = tcase_create("refusals");
	tcase_add_test(tc, test_err_syntax);
	tcase_add_test(tc, test_err_unknown_key);
	tcase_add_test(tc, test_err_type);
	tcase_add_test(tc, test_err_number_width);
	tcase_add_test(tc, test_err_missing);
	tcase_add_test(tc, test_err_names);
	tcase_add_test(tc, test_err_values);
	suite_add_tcase(s, tc);
	tc = tcase_create("setup");
	tcase_add_test(tc, test_setup_image);
	tcase_add_test(tc, test_setup_guest_memory);
	tcase_add_test(tc, test_setup_refusals);
	suite_add_tcase(s, tc);
	tc = tcase_create("run");
	tcase_add_test(tc, test_run_lines);
	tcase_add_test(tc, test_run_mismatch);
	tcase_add_test(tc, test_results_values);
	tcase_add_test(tc, test_results_lines);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return iref_test_run(suite());
}
