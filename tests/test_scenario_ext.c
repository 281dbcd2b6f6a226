/* The scenario loader, runner and results lines for the page-table
 * extension (virtio-iommu.md section 6): iommu: hw:, stage2:,
 * s2_fault_report, the attach_table, invalidate and write steps, detach
 * with a PASID, dma on table attachments and HW PROBE properties. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iommu-ref/context.h"
#include "iommu-ref/ext_wire.h"
#include "results.h"
#include "runner.h"
#include "scenario.h"
#include "testutil.h"

static struct iref_diag diag;

static struct scenario *parse(const char *text)
{
	return iref_test_parse(text, &diag);
}

static struct scenario *parse_ok(const char *text)
{
	struct scenario *s = parse(text);
	ck_assert_msg(s, "unexpected error %u:%u: %s", diag.line, diag.column,
		      diag.msg);
	return s;
}

/* The text must be refused at line:column with msg in the message. */
#define REFUSED(text_, line_, col_, msg_)                                   \
	do {                                                                \
		struct scenario *s_ = parse(text_);                         \
		ck_assert_ptr_null(s_);                                     \
		ck_assert_msg(diag.line == (line_) && diag.column == (col_), \
			      "at %u:%u, want %u:%u: %s", diag.line,        \
			      diag.column, (unsigned)(line_),               \
			      (unsigned)(col_), diag.msg);                  \
		ck_assert_msg(strstr(diag.msg, msg_), "message '%s'",       \
			      diag.msg);                                    \
	} while (0)

/* ---- iommu: ---- */

START_TEST(test_hw)
{
	struct scenario *s = parse_ok("iommu:\n"
				      "  features: [probe, attach_table]\n"
				      "  hw: {arch: riscv, pd20: false}\n"
				      "  options: {s2_fault_report: true}\n"
				      "  timing: {req_attach_table: 7, "
				      "req_invalidate: 9}\n"
				      "steps: []\n");
	struct iref_hw_caps want;
	iref_hw_caps_default(&want, IREF_ARCH_RISCV);
	ck_assert_int_eq(s->cfg.hw.arch, IREF_ARCH_RISCV);
	/* Over the architecture's defaults: what was not given is kept. */
	ck_assert(s->cfg.hw.x.riscv.pd8 == want.x.riscv.pd8);
	ck_assert(s->cfg.hw.x.riscv.sv48 == want.x.riscv.sv48);
	ck_assert(want.x.riscv.pd20 && !s->cfg.hw.x.riscv.pd20);
	ck_assert(s->cfg.opt.s2_fault_report);
	ck_assert(s->cfg.features & IREF_FEAT(IREF_F_ATTACH_TABLE));
	ck_assert_uint_eq(s->cfg.timing.req_attach_table, 7);
	ck_assert_uint_eq(s->cfg.timing.req_invalidate, 9);
	ck_assert_int_eq(s->cfg.stage2.fmt, IREF_FMT_NONE);
	scenario_free(s);

	/* A stage-1 walker option of the device's s1 configuration. */
	s = parse_ok("iommu: {hw: {arch: arm, cd2l: false, pasid_bits: 8}}\n"
		     "steps: []\n");
	ck_assert_int_eq(s->cfg.hw.arch, IREF_ARCH_ARM);
	ck_assert(!s->cfg.hw.x.arm.cd2l);
	ck_assert_uint_eq(s->cfg.hw.pasid_bits, 8);
	scenario_free(s);
}
END_TEST

START_TEST(test_hw_errors)
{
	REFUSED("iommu:\n  hw: {cd2l: true}\nsteps: []\n", 2, 7,
		"hw: missing key 'arch'");
	REFUSED("iommu:\n  hw: {arch: mips}\nsteps: []\n", 2, 14,
		"arch: unknown architecture 'mips' (expected one of: arm, "
		"intel, riscv, amd)");
	REFUSED("iommu:\n  hw: {arch: none}\nsteps: []\n", 2, 14,
		"unknown architecture 'none'");
	REFUSED("iommu:\n  hw: [arm]\nsteps: []\n", 2, 7, "hw: expected a "
							 "mapping");
	/* iref_hw_caps_set's refusals at the key. */
	REFUSED("iommu:\n  hw:\n    arch: intel\n    frobs: 3\nsteps: []\n",
		4, 5, "hw: ");
	REFUSED("iommu:\n  hw:\n    arch: intel\n    fl5lp: maybe\n"
		"steps: []\n",
		4, 5, "hw: ");
	REFUSED("iommu:\n  hw: {arch: amd, glx: 1, glx: 0}\nsteps: []\n", 2,
		27, "duplicate key 'glx' in hw");
	REFUSED("iommu:\n  hw: {arch: amd, glx: [1]}\nsteps: []\n", 2, 24,
		"glx: expected a scalar");
	REFUSED("iommu:\n  options: {s2_fault_report: 1}\nsteps: []\n", 2,
		30, "s2_fault_report: expected true or false");
	REFUSED("iommu:\n  timing: {req_invalidate: 0x100000000}\n"
		"steps: []\n",
		2, 28, "does not fit in 32 bits");
}
END_TEST

START_TEST(test_stage2)
{
	struct scenario *s = parse_ok("iommu: {stage2: identity}\n"
				      "steps: []\n");
	ck_assert_int_eq(s->cfg.stage2.fmt, IREF_FMT_NONE);
	ck_assert_uint_eq(s->s2.n_maps, 0);
	scenario_free(s);

	s = parse_ok("iommu:\n"                                    /* 1 */
		     "  stage2: {format: arm-s2, root: 0x5000}\n" /* 2 */
		     "steps: []\n");
	ck_assert_int_eq(s->cfg.stage2.fmt, IREF_FMT_ARM_S2);
	ck_assert_uint_eq(s->cfg.stage2.root, 0x5000);
	ck_assert_ptr_null(s->s2.maps);
	scenario_free(s);

	s = parse_ok("iommu:\n"                                       /* 1 */
		     "  stage2:\n"                                   /* 2 */
		     "    format: riscv-sv39x4\n"                    /* 3 */
		     "    options: {}\n"                             /* 4 */
		     "    pool: {start: 0x10000, end: 0x1ffff}\n"    /* 5 */
		     "    mappings:\n"                               /* 6 */
		     "      - {va: 0x1000, pa: 0x2000, size: 0x1000,\n"
		     "         perm: [read]}\n"
		     "steps: []\n");
	ck_assert_int_eq(s->cfg.stage2.fmt, IREF_FMT_RISCV_G);
	ck_assert_uint_eq(s->cfg.stage2.root, 0); /* from the pool */
	ck_assert_uint_eq(s->s2.pool.next, 0x10000);
	ck_assert_uint_eq(s->s2.pool.end, 0x20000);
	ck_assert_uint_eq(s->s2.n_maps, 1);
	ck_assert_uint_eq(s->s2.maps[0].line, 7);
	ck_assert_uint_eq(s->s2.maps[0].map.pa, 0x2000);
	ck_assert_uint_eq(s->s2.maps[0].map.perm, IREF_PERM_R);
	ck_assert_uint_eq(s->s2.line, 3);
	scenario_free(s);
}
END_TEST

START_TEST(test_stage2_errors)
{
	REFUSED("iommu: {stage2: host}\nsteps: []\n", 1, 17,
		"stage2: expected identity or a mapping");
	REFUSED("iommu: {stage2: {root: 0x1000}}\nsteps: []\n", 1, 17,
		"stage2: missing key 'format'");
	REFUSED("iommu: {stage2: {format: arm-s3, root: 1}}\nsteps: []\n", 1,
		26, "format: ");
	REFUSED("iommu: {stage2: {format: arm-s2}}\nsteps: []\n", 1, 17,
		"stage2: missing key 'root' (or 'mappings'");
	REFUSED("iommu: {stage2: {format: arm-s2, root: 0, mappings: []}}\n"
		"steps: []\n",
		1, 40, "root: 0 is no root");
	REFUSED("iommu: {stage2: {format: arm-s2, root: 1, tables: t}}\n"
		"steps: []\n",
		1, 43, "unknown key 'tables' in stage2");
	REFUSED("iommu: {stage2: {format: arm-s2, options: {ias: x}, root: 1}}"
		"\nsteps: []\n",
		1, 44, "options: ");
	REFUSED("iommu:\n  stage2:\n    format: amd-v1\n    mappings:\n"
		"      - {va: 0, pa: 0, size: 0x1000}\nsteps: []\n",
		5, 9, "mapping: missing key 'perm'");
}
END_TEST

/* ---- steps: requests ---- */

static const char ext_hdr[] = "iommu: {features: [probe, attach_table],"
			      " hw: {arch: arm}}\n"
			      "steps:\n";

/* A scenario of ext_hdr and step text (line 3 onwards). */
static struct scenario *parse_steps(const char *steps)
{
	char text[2048];
	snprintf(text, sizeof text, "%s%s", ext_hdr, steps);
	return parse(text);
}

static struct scenario *steps_ok(const char *steps)
{
	struct scenario *s = parse_steps(steps);
	ck_assert_msg(s, "unexpected error %u:%u: %s", diag.line, diag.column,
		      diag.msg);
	return s;
}

#define STEPS_REFUSED(steps_, line_, col_, msg_)                            \
	do {                                                                \
		ck_assert_ptr_null(parse_steps(steps_));                    \
		ck_assert_msg(diag.line == (line_) && diag.column == (col_), \
			      "at %u:%u, want %u:%u: %s", diag.line,        \
			      diag.column, (unsigned)(line_),               \
			      (unsigned)(col_), diag.msg);                  \
		ck_assert_msg(strstr(diag.msg, msg_), "message '%s'",       \
			      diag.msg);                                    \
	} while (0)

/* The step's bytes are those of iref_enc_attach_table(at). */
static void assert_attach_table(const struct step *st,
				const struct iref_attach_table *at)
{
	uint8_t want[IREF_ATTACH_TABLE_RSIZE];
	iref_enc_attach_table(want, at);
	ck_assert_int_eq(st->kind, STEP_ATTACH_TABLE);
	ck_assert_uint_eq(st->rd.n, IREF_ATTACH_TABLE_RSIZE);
	ck_assert_uint_eq(st->wlen, IREF_TAIL_SIZE);
	ck_assert_mem_eq(st->rd.p, want, IREF_ATTACH_TABLE_RSIZE);
}

START_TEST(test_attach_table)
{
	/* cycles needs timing, as for every request step. */
	STEPS_REFUSED("  - attach_table: {domain: 5, endpoint: 6, format: 3}\n"
		      "    expect: {status: unsupp, cycles: 300}\n",
		      4, 30, "cycles: the device has no timing");

	struct scenario *s = steps_ok(
		"  - attach_table: {domain: 1, endpoint: 2, format: arm_smmu3,"
		" ste0: 0x1, ste1: 0x10}\n"
		"    expect: ok\n"
		"  - attach_table: {domain: 1, endpoint: 2, format: arm_smmu3,"
		" ste0: 0x1, s1contextptr: 0x80040, s1fmt: two_level_4k,"
		" s1cdmax: 5, s1dss: ssid0, ste1: 0x4}\n"
		"  - attach_table: {domain: 3, endpoint: 4, format: intel_pt,"
		" pasid: 7, pgtbl: 0x9000, sre: true, wpe: true,"
		" s1_flags: 0x10}\n"
		"  - attach_table: {domain: 3, endpoint: 4, format: intel_pt,"
		" attach_flags: 0x6, pgtbl: 0x9000, addr_width: 57}\n"
		"  - attach_table: {domain: 5, endpoint: 6, format: riscv,"
		" dc_tc: 0x20, dc_fsc: 0x8000000000001234, dc_ta: 0x5000}\n"
		"  - attach_table: {domain: 5, endpoint: 6, format: amd_gcr3,"
		" dte0: 1, dte1: 2, dte2: 3, dte3: 4}\n"
		"  - attach_table: {domain: 5, endpoint: 6, format: amd_pt,"
		" pasid: 9, gcr3: 0x7000}\n"
		"  - attach_table: {domain: 5, endpoint: 6, format: 3}\n"
		"    expect: unsupp\n");
	ck_assert_uint_eq(s->n_steps, 8);
	ck_assert(s->steps[0].has_expect);
	ck_assert_uint_eq(s->steps[0].req.status.v, IREF_S_OK);
	struct iref_attach_table at = {
		.domain = 1, .endpoint = 2, .format = IREF_TF_ARM_SMMU3,
		.u.arm = {.ste0 = 0x1, .ste1 = 0x10}};
	assert_attach_table(&s->steps[0], &at);
	/* S1ContextPtr [51:6], S1Fmt [5:4], S1CDMax [63:59], S1DSS [1:0]. */
	at.u.arm.ste0 = 0x1 | 0x80040 | (1ull << 4) | (5ull << 59);
	at.u.arm.ste1 = 0x4 | 2;
	assert_attach_table(&s->steps[1], &at);

	at = (struct iref_attach_table){
		.domain = 3, .endpoint = 4, .format = IREF_TF_INTEL_PT,
		.u.intel = {.pasid = 7,
			    .attach_flags = IREF_ATTACH_TABLE_F_PASID,
			    .s1_flags = 0x10 | IREF_INTEL_S1_SRE |
					IREF_INTEL_S1_WPE,
			    .pgtbl_addr = 0x9000, .addr_width = 48}};
	assert_attach_table(&s->steps[2], &at);
	/* attach_flags raw, without a PASID; addr_width given. */
	at.u.intel = (struct iref_desc_intel){
		.attach_flags = 0x6, .pgtbl_addr = 0x9000, .addr_width = 57};
	assert_attach_table(&s->steps[3], &at);

	at = (struct iref_attach_table){
		.domain = 5, .endpoint = 6, .format = IREF_TF_RISCV,
		.u.riscv = {0x20, 0x8000000000001234, 0x5000}};
	assert_attach_table(&s->steps[4], &at);
	at.format = IREF_TF_AMD_GCR3;
	at.u.amd_gcr3 = (struct iref_desc_amd_gcr3){{1, 2, 3, 4}};
	assert_attach_table(&s->steps[5], &at);
	at.format = IREF_TF_AMD_PT;
	at.u.amd_pt = (struct iref_desc_amd_pt){
		.pasid = 9, .attach_flags = IREF_ATTACH_TABLE_F_PASID,
		.gcr3 = 0x7000, .levels = 4};
	assert_attach_table(&s->steps[6], &at);
	/* An unassigned code: the head alone. */
	at = (struct iref_attach_table){.domain = 5, .endpoint = 6,
					.format = 3};
	assert_attach_table(&s->steps[7], &at);
	ck_assert_uint_eq(s->steps[7].req.status.v, IREF_S_UNSUPP);
	scenario_free(s);
}
END_TEST

START_TEST(test_attach_table_errors)
{
	STEPS_REFUSED("  - attach_table: {domain: 1, endpoint: 2}\n", 3, 19,
		      "attach_table: missing key 'format'");
	STEPS_REFUSED("  - attach_table: {domain: 1, endpoint: 2, format: "
		      "sparc}\n",
		      3, 52,
		      "format: unknown table format 'sparc' (expected one of: "
		      "arm_smmu3, intel_pt, riscv, amd_gcr3, amd_pt, or a "
		      "number)");
	STEPS_REFUSED("  - attach_table: {domain: 1, endpoint: 2, format: "
		      "256}\n",
		      3, 52, "does not fit in 8 bits");
	/* Another format's field: the format's own keys are listed. */
	STEPS_REFUSED("  - attach_table: {domain: 1, endpoint: 2, format: "
		      "intel_pt, ste0: 1}\n",
		      3, 62,
		      "unknown key 'ste0' in attach_table (expected one of: "
		      "domain, endpoint, format, pasid, attach_flags, "
		      "s1_flags, sre, eafe, wpe, pgtbl, addr_width)");
	STEPS_REFUSED("  - attach_table: {domain: 1, format: riscv}\n", 3, 19,
		      "attach_table: missing key 'endpoint'");
	STEPS_REFUSED("  - attach_table: {domain: 1, endpoint: 2, format: "
		      "arm_smmu3, s1contextptr: 0x1001}\n",
		      3, 77,
		      "s1contextptr: 0x1001 is not a 64-byte aligned address "
		      "below 2^52");
	STEPS_REFUSED("  - attach_table: {domain: 1, endpoint: 2, format: "
		      "arm_smmu3, s1contextptr: 0x10000000000000}\n",
		      3, 77, "below 2^52");
	STEPS_REFUSED("  - attach_table: {domain: 1, endpoint: 2, format: "
		      "arm_smmu3, s1dss: ssid1}\n",
		      3, 70, "s1dss: unknown name 'ssid1'");
	STEPS_REFUSED("  - attach_table: {domain: 1, endpoint: 2, format: "
		      "arm_smmu3, s1cdmax: 32}\n",
		      3, 72, "does not fit in 5 bits");
	STEPS_REFUSED("  - attach_table: {domain: 1, endpoint: 2, format: "
		      "amd_pt, levels: 256}\n",
		      3, 68, "does not fit in 8 bits");
	STEPS_REFUSED("  - attach_table: [1]\n", 3, 19,
		      "attach_table: expected a mapping");
}
END_TEST

START_TEST(test_invalidate)
{
	struct scenario *s = steps_ok(
		"  - invalidate: {domain: 1, scope: domain, caches: [pasid, "
		"tlb]}\n"
		"    expect: ok\n"
		"  - invalidate: {domain: 2, scope: address, caches: [tlb],"
		" flags: [leaf, global], pasid: 5, id: 0x33, address: 0x4000,"
		" pages: 2, page_size: 21}\n"
		"  - invalidate: {domain: 2, scope: 9, caches: 0x80,"
		" flags: 0x100}\n");
	uint8_t want[IREF_INVALIDATE_RSIZE];
	struct iref_invalidate inv = {
		.scope = IREF_INVAL_S_DOMAIN,
		.caches = IREF_INVAL_C_PASID | IREF_INVAL_C_TLB,
		.domain = 1, .page_size = 12};
	iref_enc_invalidate(want, &inv);
	ck_assert_int_eq(s->steps[0].kind, STEP_INVALIDATE);
	ck_assert_uint_eq(s->steps[0].rd.n, IREF_INVALIDATE_RSIZE);
	ck_assert_mem_eq(s->steps[0].rd.p, want, IREF_INVALIDATE_RSIZE);
	ck_assert_uint_eq(s->steps[0].req.status.v, IREF_S_OK);
	/* pasid and id set their flags. */
	inv = (struct iref_invalidate){
		.scope = IREF_INVAL_S_ADDRESS, .caches = IREF_INVAL_C_TLB,
		.flags = IREF_INVAL_F_LEAF | IREF_INVAL_F_GLOBAL |
			 IREF_INVAL_F_PASID | IREF_INVAL_F_ID,
		.domain = 2, .pasid = 5, .id = 0x33, .address = 0x4000,
		.nr_pages = 2, .page_size = 21};
	iref_enc_invalidate(want, &inv);
	ck_assert_mem_eq(s->steps[1].rd.p, want, IREF_INVALIDATE_RSIZE);
	/* Raw numbers, for the device's refusals (6.7 rules 2, 3). */
	inv = (struct iref_invalidate){.scope = 9, .caches = 0x80,
				       .flags = 0x100, .domain = 2,
				       .page_size = 12};
	iref_enc_invalidate(want, &inv);
	ck_assert_mem_eq(s->steps[2].rd.p, want, IREF_INVALIDATE_RSIZE);
	scenario_free(s);

	STEPS_REFUSED("  - invalidate: {domain: 1, scope: domain}\n", 3, 17,
		      "invalidate: missing key 'caches'");
	STEPS_REFUSED("  - invalidate: {domain: 1, caches: []}\n", 3, 17,
		      "invalidate: missing key 'scope'");
	STEPS_REFUSED("  - invalidate: {domain: 1, scope: all, caches: []}\n",
		      3, 36,
		      "scope: unknown name 'all' (expected one of: domain, "
		      "pasid, address)");
	STEPS_REFUSED("  - invalidate: {domain: 1, scope: pasid, caches: "
		      "[iotlb]}\n",
		      3, 52, "caches: unknown name 'iotlb'");
	STEPS_REFUSED("  - invalidate: {domain: 1, scope: pasid, caches: [],"
		      " flags: [nonleaf]}\n",
		      3, 63, "flags: unknown name 'nonleaf'");
	STEPS_REFUSED("  - invalidate: {domain: 1, scope: pasid, caches: [],"
		      " page_size: 256}\n",
		      3, 66, "does not fit in 8 bits");
	STEPS_REFUSED("  - invalidate: {domain: 1, scope: pasid, caches: [],"
		      " flags: 0x10000}\n",
		      3, 62, "does not fit in 16 bits");
}
END_TEST

START_TEST(test_detach_pasid)
{
	struct scenario *s = steps_ok(
		"  - detach: {domain: 1, endpoint: 2, pasid: 7}\n"
		"  - detach: {domain: 1, endpoint: 2, pasid: 7, flags: 0x2}\n"
		"  - detach: {domain: 1, endpoint: 2, flags: 0x4}\n"
		"  - detach: {domain: 1, endpoint: 2}\n");
	uint8_t want[IREF_DETACH_RSIZE];
	iref_enc_detach_pasid(want, 1, 2, IREF_DETACH_F_PASID, 7);
	ck_assert_mem_eq(s->steps[0].rd.p, want, IREF_DETACH_RSIZE);
	iref_enc_detach_pasid(want, 1, 2, IREF_DETACH_F_PASID | 0x2, 7);
	ck_assert_mem_eq(s->steps[1].rd.p, want, IREF_DETACH_RSIZE);
	iref_enc_detach_pasid(want, 1, 2, 0x4, 0);
	ck_assert_mem_eq(s->steps[2].rd.p, want, IREF_DETACH_RSIZE);
	iref_enc_detach(want, 1, 2);
	ck_assert_mem_eq(s->steps[3].rd.p, want, IREF_DETACH_RSIZE);
	scenario_free(s);

	STEPS_REFUSED("  - detach: {domain: 1, endpoint: 2, reserved: 1,"
		      " pasid: 3}\n",
		      3, 38, "detach: 'reserved' and 'pasid' are exclusive");
	STEPS_REFUSED("  - detach: {domain: 1, endpoint: 2, pasid: -1}\n", 3,
		      45, "pasid: ");
}
END_TEST

START_TEST(test_write)
{
	struct scenario *s = steps_ok(
		"  - write: {addr: 0x1000, value: 0x1122334455667788}\n"
		"  - write: {addr: 0x2000, values: [1, 0xff]}\n");
	static const uint8_t w0[] = {0x88, 0x77, 0x66, 0x55,
				     0x44, 0x33, 0x22, 0x11};
	static const uint8_t w1[] = {1, 0, 0, 0, 0, 0, 0, 0,
				     0xff, 0, 0, 0, 0, 0, 0, 0};
	ck_assert_int_eq(s->steps[0].kind, STEP_WRITE);
	ck_assert_uint_eq(s->steps[0].addr, 0x1000);
	ck_assert_uint_eq(s->steps[0].data.n, 8);
	ck_assert_mem_eq(s->steps[0].data.p, w0, 8);
	ck_assert_uint_eq(s->steps[1].addr, 0x2000);
	ck_assert_uint_eq(s->steps[1].data.n, 16);
	ck_assert_mem_eq(s->steps[1].data.p, w1, 16);
	scenario_free(s);

	STEPS_REFUSED("  - write: {addr: 0x1000, value: 1, values: [2]}\n", 3,
		      37, "write: 'value' and 'values' are exclusive");
	STEPS_REFUSED("  - write: {addr: 0x1000}\n", 3, 12,
		      "write: give 'value' or 'values'");
	STEPS_REFUSED("  - write: {value: 1}\n", 3, 12,
		      "write: missing key 'addr'");
	STEPS_REFUSED("  - write: {addr: 0x1000, values: []}\n", 3, 35,
		      "values: give at least one word");
	STEPS_REFUSED("  - write: {addr: 0xfffffffffffffffc, value: 1}\n", 3,
		      12, "run past 2^64");
	STEPS_REFUSED("  - write: {addr: 0x1000, values: [a]}\n", 3, 36,
		      "values: 'a' is not a number");
	STEPS_REFUSED("  - write: {addr: 0x1000, value: 1}\n    expect: ok\n",
		      4, 5, "write steps take no expect");
}
END_TEST

/* ---- steps: dma and its expectations ---- */

START_TEST(test_dma_expect)
{
	struct scenario *s = steps_ok(
		"  - dma: {endpoint: 1, addr: 0x10, size: 4, access: read,"
		" priv: true, pasid: 3}\n"
		"    expect: {via: table, level: 0, pa: 0x9010}\n"
		"  - dma: {endpoint: 1, addr: 0x10, size: 4, access: read}\n"
		"    expect: {via: s2, level: none}\n"
		"  - dma: {endpoint: 1, addr: 0x10, size: 4, access: write}\n"
		"    expect: {fault: mapping, code: 0x10, walk: permission,"
		" stage: 1, level: 3}\n"
		"  - dma: {endpoint: 1, addr: 0x10, size: 4, access: write}\n"
		"    expect: {abort: true, code: 0x10, walk: translation,"
		" stage: 2, level: 1}\n"
		"  - dma: {endpoint: 1, addr: 0x10, size: 4, access: write}\n"
		"    expect: {abort: true}\n");
	const struct step *st = s->steps;
	ck_assert(st[0].dma.priv && st[0].dma.has_pasid);
	ck_assert(!st[1].dma.priv);
	ck_assert_int_eq(st[0].dma_exp.outcome, IREF_DMA_OK);
	ck_assert_uint_eq(st[0].dma_exp.via.v, VIA_TABLE);
	ck_assert_uint_eq(st[0].dma_exp.level.v, 0);
	ck_assert_uint_eq(st[1].dma_exp.via.v, VIA_S2);
	ck_assert_uint_eq(st[1].dma_exp.level.v, UINT64_MAX);
	ck_assert_int_eq(st[2].dma_exp.outcome, IREF_DMA_FAULT);
	ck_assert_uint_eq(st[2].dma_exp.code.v, 0x10);
	ck_assert_uint_eq(st[2].dma_exp.walk.v, IREF_WF_PERMISSION);
	ck_assert_uint_eq(st[2].dma_exp.stage.v, 1);
	ck_assert_uint_eq(st[2].dma_exp.level.v, 3);
	ck_assert_int_eq(st[3].dma_exp.outcome, IREF_DMA_ABORT);
	ck_assert_uint_eq(st[3].dma_exp.walk.v, IREF_WF_TRANSLATION);
	ck_assert_uint_eq(st[3].dma_exp.stage.v, 2);
	ck_assert_int_eq(st[4].dma_exp.outcome, IREF_DMA_ABORT);
	ck_assert(!st[4].dma_exp.code.set && !st[4].dma_exp.walk.set);
	scenario_free(s);

	STEPS_REFUSED("  - dma: {endpoint: 1, addr: 0, size: 4, access: read,"
		      " priv: 1}\n",
		      3, 62, "priv: expected true or false");
	STEPS_REFUSED("  - dma: {endpoint: 1, addr: 0, size: 4, access: read}\n"
		      "    expect: {via: walk}\n",
		      4, 19, "via: unknown name 'walk' (expected one of: map, "
			     "mmio, bypass, msi, table, s2)");
	STEPS_REFUSED("  - dma: {endpoint: 1, addr: 0, size: 4, access: read}\n"
		      "    expect: {fault: unknown, walk: missing}\n",
		      4, 36, "walk: unknown fault reason 'missing'");
	STEPS_REFUSED("  - dma: {endpoint: 1, addr: 0, size: 4, access: read}\n"
		      "    expect: {fault: unknown, stage: 3}\n",
		      4, 37, "stage: 1 or 2");
	STEPS_REFUSED("  - dma: {endpoint: 1, addr: 0, size: 4, access: read}\n"
		      "    expect: {abort: false}\n",
		      4, 21, "abort: only true");
	/* Fields of one outcome only. */
	STEPS_REFUSED("  - dma: {endpoint: 1, addr: 0, size: 4, access: read}\n"
		      "    expect: {abort: true, pa: 0x10}\n",
		      4, 27, "unknown key 'pa' in abort expectation");
	STEPS_REFUSED("  - dma: {endpoint: 1, addr: 0, size: 4, access: read}\n"
		      "    expect: {pa: 0x10, code: 0x10}\n",
		      4, 24, "unknown key 'code' in expect");
	STEPS_REFUSED("  - dma: {endpoint: 1, addr: 0, size: 4, access: read}\n"
		      "    expect: {level: 128}\n",
		      4, 21, "does not fit in 7 bits");
}
END_TEST

START_TEST(test_probe_hw_expect)
{
	struct scenario *s = steps_ok(
		"  - probe: {endpoint: 1}\n"
		"    expect:\n"
		"      properties:\n"
		"        - hw_arm_smmu3: {idr0: 1, idr1: 2, idr3: 3, idr5: 4}\n"
		"        - hw_intel: {cap: 5, ecap: 6}\n"
		"        - hw_riscv: {caps: 7, fctl: 8}\n"
		"        - hw_amd: {efr: 9, efr2: 10}\n"
		"        - prop: {type: 2, length: 52}\n");
	const struct expect_req *e = &s->steps[0].req;
	ck_assert_uint_eq(e->n_props, 5);
	ck_assert_uint_eq(e->hw[0].type, IREF_PROBE_T_HW_ARM_SMMU3);
	ck_assert_uint_eq(e->props[0].length, IREF_HW_ARM_PROP_SIZE - 4);
	ck_assert_uint_eq(e->hw[0].reg[2], 3);
	ck_assert_uint_eq(e->hw[0].reg[3], 4);
	ck_assert_uint_eq(e->hw[1].type, IREF_PROBE_T_HW_INTEL);
	ck_assert_uint_eq(e->hw[1].reg[1], 6);
	ck_assert_uint_eq(e->hw[2].type, IREF_PROBE_T_HW_RISCV);
	ck_assert_uint_eq(e->hw[2].reg[0], 7);
	ck_assert_uint_eq(e->hw[3].type, IREF_PROBE_T_HW_AMD);
	ck_assert_uint_eq(e->props[3].length, IREF_HW_PROP_SIZE - 4);
	ck_assert_uint_eq(e->hw[3].reg[1], 10);
	/* The generic form stays generic. */
	ck_assert_uint_eq(e->hw[4].type, 0);
	ck_assert_uint_eq(e->props[4].type, 2);
	scenario_free(s);

	STEPS_REFUSED("  - probe: {endpoint: 1}\n"
		      "    expect: {properties: [{hw_intel: {cap: 5}}]}\n",
		      4, 38, "hw_intel: missing key 'ecap'");
	STEPS_REFUSED("  - probe: {endpoint: 1}\n"
		      "    expect: {properties: [{hw_amd: {efr: 1, efr2: 2},"
		      " prop: {type: 2, length: 1}}]}\n",
		      4, 27, "property: give one of resv_mem, prop, "
			     "hw_arm_smmu3");
	STEPS_REFUSED("  - probe: {endpoint: 1}\n"
		      "    expect: {properties: [{hw_arm_smmu3: {idr0: 1, "
		      "idr1: 2, idr2: 3}}]}\n",
		      4, 61, "unknown key 'idr2' in hw_arm_smmu3");
}
END_TEST

/* ---- results lines ---- */

static void subject(struct rline *l, const uint8_t *rd, size_t n)
{
	rline_clear(l);
	results_request(l, false, rd, n, IREF_TAIL_SIZE);
}

START_TEST(test_results_attach_table)
{
	struct rline l = {0};
	uint8_t rd[IREF_ATTACH_TABLE_RSIZE];
	struct iref_attach_table at = {
		.domain = 1, .endpoint = 2, .format = IREF_TF_ARM_SMMU3,
		.u.arm = {.ste0 = 0x80041, .ste1 = 0x2}};
	iref_enc_attach_table(rd, &at);
	subject(&l, rd, sizeof rd);
	ck_assert_str_eq(rline_str(&l), "req attach_table domain=1 ep=2 "
					"format=arm_smmu3 ste0=0x80041 "
					"ste1=0x2");
	at.format = IREF_TF_INTEL_PT;
	at.u.intel = (struct iref_desc_intel){
		.pasid = 7, .attach_flags = 1, .s1_flags = 0x5,
		.pgtbl_addr = 0x9000, .addr_width = 57};
	iref_enc_attach_table(rd, &at);
	subject(&l, rd, sizeof rd);
	ck_assert_str_eq(rline_str(&l),
			 "req attach_table domain=1 ep=2 format=intel_pt "
			 "pasid=7 attach_flags=0x1 s1_flags=0x5 pgtbl=0x9000 "
			 "addr_width=57");
	at.format = IREF_TF_RISCV;
	at.u.riscv = (struct iref_desc_riscv){0x220, 0x8000000000000012, 0};
	iref_enc_attach_table(rd, &at);
	subject(&l, rd, sizeof rd);
	ck_assert_str_eq(rline_str(&l),
			 "req attach_table domain=1 ep=2 format=riscv "
			 "dc_tc=0x220 dc_fsc=0x8000000000000012 dc_ta=0x0");
	at.format = IREF_TF_AMD_GCR3;
	at.u.amd_gcr3 = (struct iref_desc_amd_gcr3){{0xa, 0xb, 0xc, 0}};
	iref_enc_attach_table(rd, &at);
	subject(&l, rd, sizeof rd);
	ck_assert_str_eq(rline_str(&l),
			 "req attach_table domain=1 ep=2 format=amd_gcr3 "
			 "dte0=0xa dte1=0xb dte2=0xc dte3=0x0");
	at.format = IREF_TF_AMD_PT;
	at.u.amd_pt = (struct iref_desc_amd_pt){
		.pasid = 4, .attach_flags = 1, .gcr3 = 0x7000, .levels = 5};
	iref_enc_attach_table(rd, &at);
	subject(&l, rd, sizeof rd);
	ck_assert_str_eq(rline_str(&l),
			 "req attach_table domain=1 ep=2 format=amd_pt pasid=4 "
			 "attach_flags=0x1 gcr3=0x7000 levels=5");
	/* An unassigned format: its code, no fields. */
	at.format = 0x7;
	iref_enc_attach_table(rd, &at);
	subject(&l, rd, sizeof rd);
	ck_assert_str_eq(rline_str(&l), "req attach_table domain=1 ep=2 "
					"format=0x7");
	/* Short: raw. */
	subject(&l, rd, sizeof rd - 1);
	ck_assert_str_eq(rline_str(&l), "req raw type=0x06 rlen=123 wlen=4");
	rline_free(&l);
}
END_TEST

START_TEST(test_results_invalidate_detach)
{
	struct rline l = {0};
	uint8_t rd[IREF_INVALIDATE_RSIZE];
	struct iref_invalidate inv = {
		.scope = IREF_INVAL_S_DOMAIN,
		.caches = IREF_INVAL_C_PASID | IREF_INVAL_C_TLB, .domain = 3,
		.pasid = 9, .address = 0x1000, .nr_pages = 1,
		.page_size = 12};
	iref_enc_invalidate(rd, &inv);
	subject(&l, rd, sizeof rd);
	/* pasid without F_PASID and the range of a domain scope: not read
	 * by the device, not printed. */
	ck_assert_str_eq(rline_str(&l),
			 "req invalidate domain=3 scope=domain "
			 "caches=pasid,tlb flags=- pasid=- id=- addr=- "
			 "pages=- psize=-");
	inv.scope = IREF_INVAL_S_ADDRESS;
	inv.caches = IREF_INVAL_C_TLB;
	inv.flags = IREF_INVAL_F_LEAF | IREF_INVAL_F_PASID | IREF_INVAL_F_ID |
		    IREF_INVAL_F_GLOBAL;
	inv.id = 0x2a;
	iref_enc_invalidate(rd, &inv);
	subject(&l, rd, sizeof rd);
	ck_assert_str_eq(rline_str(&l),
			 "req invalidate domain=3 scope=address caches=tlb "
			 "flags=leaf,pasid,id,global pasid=9 id=0x2a "
			 "addr=0x1000 pages=1 psize=12");
	inv = (struct iref_invalidate){.scope = 0, .caches = 0x4,
				       .flags = 0x11, .domain = 3};
	iref_enc_invalidate(rd, &inv);
	subject(&l, rd, sizeof rd);
	ck_assert_str_eq(rline_str(&l),
			 "req invalidate domain=3 scope=0x0 caches=0x4 "
			 "flags=0x11 pasid=- id=- addr=- pages=- psize=-");

	uint8_t dt[IREF_DETACH_RSIZE];
	iref_enc_detach_pasid(dt, 1, 2, IREF_DETACH_F_PASID, 7);
	subject(&l, dt, sizeof dt);
	ck_assert_str_eq(rline_str(&l), "req detach domain=1 ep=2 pasid=7");
	/* Other flag bits: the bytes as reserved, as before. */
	iref_enc_detach_pasid(dt, 1, 2, IREF_DETACH_F_PASID | 2, 7);
	subject(&l, dt, sizeof dt);
	ck_assert_str_eq(rline_str(&l), "req detach domain=1 ep=2 "
					"reserved=0x700000003");
	rline_free(&l);
}
END_TEST

START_TEST(test_results_dma)
{
	struct rline l = {0};
	struct iref_dma_req req = {.endpoint = 1, .has_pasid = true,
				   .pasid = 3, .iova = 0x1010, .size = 4,
				   .access = IREF_ACC_READ, .priv = true};
	results_dma_access(&l, &req);
	ck_assert_str_eq(rline_str(&l),
			 "dma ep=1 pasid=3 iova=0x1010 len=4 acc=r priv=s");
	rline_clear(&l);

	struct iref_dma_result r = {.outcome = IREF_DMA_OK,
				    .path = IREF_PATH_TABLE, .pa = 0x80000010,
				    .size = 0x1000, .perm = IREF_PERM_R,
				    .level = 0};
	results_dma_outcome(&l, &r);
	ck_assert_str_eq(rline_str(&l), "ok pa=0x80000010 size=0x1000 perm=r "
					"via=table level=0");
	rline_clear(&l);
	r.path = IREF_PATH_STAGE2;
	r.level = 2;
	results_dma_outcome(&l, &r);
	ck_assert_str_eq(rline_str(&l), "ok pa=0x80000010 size=0x1000 perm=r "
					"via=s2 level=2");
	rline_clear(&l);
	/* A MAP path has no level. */
	r.path = IREF_PATH_MAPPING;
	results_dma_outcome(&l, &r);
	ck_assert_str_eq(rline_str(&l), "ok pa=0x80000010 size=0x1000 perm=r "
					"via=map");
	rline_clear(&l);

	r = (struct iref_dma_result){
		.outcome = IREF_DMA_FAULT,
		.fault = {.reason = IREF_R_MAPPING,
			  .flags = IREF_FAULT_F_READ | IREF_FAULT_F_ADDRESS,
			  .address = 0x3000},
		.has_walk_fault = true,
		.walk = {.reason = IREF_WF_TRANSLATION, .code = 0x10,
			 .stage = 1, .level = 3}};
	results_dma_outcome(&l, &r);
	results_dma_tlb(&l, IREF_DMA_TLB_NONE);
	results_cycles(&l, 7);
	ck_assert_str_eq(rline_str(&l),
			 "fault reason=mapping flags=r,address addr=0x3000 "
			 "code=0x10 walk=translation stage=1 level=3 tlb=- "
			 "cycles=7");
	rline_clear(&l);
	r.outcome = IREF_DMA_ABORT;
	r.walk = (struct iref_walk_fault){.reason = IREF_WF_BUS_ERROR,
					  .code = 0x79, .stage = 2,
					  .level = -1};
	results_dma_outcome(&l, &r);
	ck_assert_str_eq(rline_str(&l), "abort code=0x79 walk=bus-error "
					"stage=2 level=-");
	rline_clear(&l);
	r.has_walk_fault = false;
	results_dma_outcome(&l, &r);
	ck_assert_str_eq(rline_str(&l), "abort");
	rline_clear(&l);

	results_write(&l, 0x8000, 3);
	results_arrow(&l);
	results_host(&l, true);
	ck_assert_str_eq(rline_str(&l), "write addr=0x8000 words=3 -> ok");
	rline_free(&l);
}
END_TEST

START_TEST(test_results_hw_props)
{
	static const struct {
		struct iref_hw_regs r;
		const char *text;
	} cases[] = {
		{{IREF_PROBE_T_HW_ARM_SMMU3, {0x1, 0x2, 0xa, 0xff}},
		 "hw_arm_smmu3(idr0=0x1,idr1=0x2,idr3=0xa,idr5=0xff)"},
		{{IREF_PROBE_T_HW_INTEL, {0x10, 0x20}},
		 "hw_intel(cap=0x10,ecap=0x20)"},
		{{IREF_PROBE_T_HW_RISCV, {0x30, 0x0}},
		 "hw_riscv(caps=0x30,fctl=0x0)"},
		{{IREF_PROBE_T_HW_AMD, {0x40, 0x50}},
		 "hw_amd(efr=0x40,efr2=0x50)"},
	};
	struct rline l = {0};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		/* From the registers, and from the property's bytes as a
		 * PROBE answer holds them. */
		rline_clear(&l);
		results_hw_regs(&l, &cases[i].r);
		ck_assert_str_eq(rline_str(&l), cases[i].text);
		uint8_t area[64] = {0};
		size_t n = iref_enc_hw_prop(area, &cases[i].r);
		ck_assert_uint_gt(n, 0);
		rline_clear(&l);
		results_props(&l, area, n);
		ck_assert_str_eq(rline_str(&l), cases[i].text);
	}
	/* A HW type with the wrong length is shown generically. */
	uint8_t area[32] = {0};
	iref_put_le16(area, IREF_PROBE_T_HW_INTEL);
	iref_put_le16(area + 2, 12);
	rline_clear(&l);
	results_props(&l, area, 16);
	ck_assert_str_eq(rline_str(&l), "prop(0x3,12)");
	rline_free(&l);
}
END_TEST

/* ---- running ---- */

/* An Intel device with one endpoint; stage-1 tables at 0x100000 map
 * 0x1000 -> 0x80000000 (rw) and 0x2000 -> 0x90000000 (r). */
#define INTEL_DEV                                                        \
	"iommu:\n"                                                       \
	"  features: [map_unmap, probe, attach_table]\n"                 \
	"  bypass: 0\n"                                                  \
	"  hw: {arch: intel, pasid_bits: 8}\n"                           \
	"endpoints: [{id: 1}]\n"                                         \
	"steps:\n"                                                       \
	"  - tables:\n"                                                  \
	"      format: intel-fs\n"                                       \
	"      pool: {start: 0x100000, end: 0x1fffff}\n"                 \
	"      mappings:\n"                                              \
	"        - {va: 0x1000, pa: 0x80000000, size: 0x1000,"           \
	" perm: [read, write]}\n"                                        \
	"        - {va: 0x2000, pa: 0x90000000, size: 0x1000,"           \
	" perm: [read]}\n"

START_TEST(test_run_table_domain)
{
	struct iref_test_output c;
	iref_test_run_text(
		INTEL_DEV
		"  - attach_table: {domain: 1, endpoint: 1, format: intel_pt,"
		" pgtbl: 0x100000}\n"
		"    expect: ok\n"
		"  - dma: {endpoint: 1, addr: 0x1010, size: 4, access: read}\n"
		"    expect: {pa: 0x80000010, size: 0x1000, via: table,"
		" level: 1}\n"
		"  - dma: {endpoint: 1, addr: 0x2010, size: 4, access: write}\n"
		"    expect: {fault: mapping, walk: permission, stage: 1,"
		" level: 1}\n"
		"  - dma: {endpoint: 1, addr: 0x3010, size: 4, access: read}\n"
		"    expect: {fault: mapping, walk: translation, stage: 1}\n"
		/* The guest clears its root entry, then invalidates. */
		"  - write: {addr: 0x100000, values: [0]}\n"
		"  - invalidate: {domain: 1, scope: address, caches: [tlb],"
		" address: 0x1000, pages: 1, flags: [leaf]}\n"
		"    expect: ok\n"
		"  - dma: {endpoint: 1, addr: 0x1010, size: 4, access: read}\n"
		"    expect: {fault: mapping, walk: translation, level: 4}\n"
		"  - invalidate: {domain: 1, scope: pasid, caches: [tlb]}\n"
		"    expect: inval\n"
		"  - invalidate: {domain: 9, scope: domain, caches: [tlb]}\n"
		"    expect: noent\n",
		&c);
	ck_assert_str_eq(c.err, "");
	ck_assert_uint_eq(c.t.failed, 0);
	ck_assert_uint_eq(c.t.passed, 10);
	ck_assert_ptr_nonnull(strstr(
		c.out,
		"req attach_table domain=1 ep=1 format=intel_pt pasid=0 "
		"attach_flags=0x0 s1_flags=0x0 pgtbl=0x100000 addr_width=48 "
		"-> status=ok\n"
		"dma ep=1 pasid=- iova=0x1010 len=4 acc=r -> ok "
		"pa=0x80000010 size=0x1000 perm=rw via=table level=1\n"));
	ck_assert_ptr_nonnull(strstr(
		c.out, "write addr=0x100000 words=1 -> ok\n"
		       "req invalidate domain=1 scope=address caches=tlb "
		       "flags=leaf pasid=- id=- addr=0x1000 pages=1 psize=12 "
		       "-> status=ok\n"));
	iref_test_output_free(&c);
}
END_TEST

START_TEST(test_run_pasid)
{
	struct iref_test_output c;
	iref_test_run_text(
		INTEL_DEV
		"  - attach_table: {domain: 1, endpoint: 1, format: intel_pt,"
		" pgtbl: 0x100000, pasid: 5}\n"
		"    expect: ok\n"
		"  - dma: {endpoint: 1, addr: 0x1010, size: 4, access: read,"
		" pasid: 5}\n"
		"    expect: {via: table}\n"
		/* Supervisor requests need SRE. */
		"  - dma: {endpoint: 1, addr: 0x1010, size: 4, access: read,"
		" pasid: 5, priv: true}\n"
		"    expect: {fault: mapping}\n"
		"  - detach: {domain: 1, endpoint: 1, pasid: 5}\n"
		"    expect: ok\n"
		"  - detach: {domain: 1, endpoint: 1, pasid: 5}\n"
		"    expect: inval\n",
		&c);
	ck_assert_str_eq(c.err, "");
	ck_assert_uint_eq(c.t.passed, 6);
	ck_assert_ptr_nonnull(strstr(c.out, "dma ep=1 pasid=5 iova=0x1010 "
					    "len=4 acc=r priv=s -> fault"));
	ck_assert_ptr_nonnull(strstr(c.out, "req detach domain=1 ep=1 "
					    "pasid=5 -> status=ok\n"));
	iref_test_output_free(&c);
}
END_TEST

/* Stage 2 built at setup: GPA [0x100000, 0x1fffff] identity (the
 * stage-1 tables), GPA 0x80000000 -> 0xc0000000; 0x90000000 unmapped. */
#define STAGE2                                                           \
	"  stage2:\n"                                                    \
	"    format: intel-ss\n"                                         \
	"    pool: {start: 0x200000, end: 0x2fffff}\n"                   \
	"    mappings:\n"                                                \
	"      - {va: 0x100000, pa: 0x100000, size: 0x100000,"           \
	" perm: [read, write]}\n"                                        \
	"      - {va: 0x80000000, pa: 0xc0000000, size: 0x1000,"         \
	" perm: [read, write]}\n"

static const char nested[] =
	"iommu:\n"
	"  features: [map_unmap, probe, attach_table]\n"
	"  bypass: 0\n"
	"  hw: {arch: intel}\n" STAGE2
	"endpoints: [{id: 1}]\n"
	"steps:\n"
	"  - tables:\n"
	"      format: intel-fs\n"
	"      pool: {start: 0x100000, end: 0x1fffff}\n"
	"      mappings:\n"
	"        - {va: 0x1000, pa: 0x80000000, size: 0x1000,"
	" perm: [read, write]}\n"
	"        - {va: 0x2000, pa: 0x90000000, size: 0x1000,"
	" perm: [read]}\n"
	"  - attach_table: {domain: 1, endpoint: 1, format: intel_pt,"
	" pgtbl: 0x100000}\n"
	"    expect: ok\n"
	"  - dma: {endpoint: 1, addr: 0x1010, size: 4, access: read}\n"
	"    expect: {pa: 0xc0000010, via: table, level: 1}\n"
	"  - dma: {endpoint: 1, addr: 0x2010, size: 4, access: read}\n"
	"    expect: {abort: true, walk: translation, stage: 2}\n"
	"  - events:\n"
	"    expect: []\n";

START_TEST(test_run_stage2)
{
	struct iref_test_output c;
	iref_test_run_text(nested, &c);
	ck_assert_str_eq(c.err, "");
	ck_assert_uint_eq(c.t.passed, 5);
	ck_assert_ptr_nonnull(strstr(c.out, "acc=r -> abort code=0x"));
	ck_assert_ptr_nonnull(strstr(c.out, " walk=translation stage=2 "
					    "level="));
	iref_test_output_free(&c);

	/* Section 6.8: with s2_fault_report the guest gets R_UNKNOWN. */
	char text[4096];
	const char *at = strstr(nested, "  bypass: 0\n");
	ck_assert_ptr_nonnull(at);
	snprintf(text, sizeof text, "%.*s  options: {s2_fault_report: true}\n%s",
		 (int)(at - nested), nested, at);
	iref_test_run_text(text, &c);
	ck_assert_uint_eq(c.t.failed, 2);
	ck_assert_ptr_nonnull(strstr(c.err, "step 4 (dma): expected abort "
					    "walk=translation stage=2, got "
					    "fault reason=unknown"));
	ck_assert_ptr_nonnull(strstr(c.err, "step 5 (events): expected no "
					    "event 1, got event "
					    "reason=unknown"));
	iref_test_output_free(&c);
}
END_TEST

START_TEST(test_run_stage2_setup_errors)
{
	struct scenario_dev d;
	/* A mapping the builder refuses: at the mapping's line. */
	struct scenario *s = parse_ok(
		"iommu:\n"                                               /* 1 */
		"  hw: {arch: arm}\n"                                    /* 2 */
		"  stage2:\n"                                            /* 3 */
		"    format: arm-s2\n"                                   /* 4 */
		"    pool: {start: 0x10000, end: 0x1ffff}\n"             /* 5 */
		"    mappings:\n"                                        /* 6 */
		"      - {va: 0x1000, pa: 0x2000, size: 0x1000, perm: [read]}\n"
		"      - {va: 0x1800, pa: 0x2000, size: 0x1000, perm: [read]}\n"
		"steps: []\n");
	ck_assert(!scenario_setup(s, &d, &diag));
	ck_assert_uint_eq(diag.line, 8);
	ck_assert_uint_eq(diag.column, 9);
	ck_assert_ptr_nonnull(strstr(diag.msg, "stage2: "));
	scenario_free(s);

	/* No pool for the root: at the stage2 mapping. */
	s = parse_ok("iommu:\n  stage2:\n    format: arm-s2\n"
		     "    mappings: []\nsteps: []\n");
	ck_assert(!scenario_setup(s, &d, &diag));
	ck_assert_uint_eq(diag.line, 3);
	ck_assert_uint_eq(diag.column, 5);
	scenario_free(s);

	/* Not a stage-2 format: the device refuses it (iommu: key). */
	s = parse_ok("steps: []\niommu:\n"
		     "  stage2: {format: arm-s1, root: 0x1000}\n");
	ck_assert(!scenario_setup(s, &d, &diag));
	ck_assert_uint_eq(diag.line, 2);
	ck_assert_ptr_nonnull(strstr(diag.msg, "stage2"));
	scenario_free(s);

	/* F_ATTACH_TABLE without hw: refused by the device too. */
	s = parse_ok("iommu: {features: [probe, attach_table]}\nsteps: []\n");
	ck_assert(!scenario_setup(s, &d, &diag));
	ck_assert_ptr_nonnull(strstr(diag.msg, "hw.arch"));
	scenario_free(s);
}
END_TEST

/* The HW property of each architecture's default capabilities, as the
 * CLI's expectation writes it. */
static void hw_expect(enum iref_arch arch, char *buf, size_t n)
{
	static const char *const fmt[] = {
		[IREF_ARCH_ARM] = "{hw_arm_smmu3: {idr0: 0x%llx, idr1: 0x%llx,"
				  " idr3: 0x%llx, idr5: 0x%llx}}",
		[IREF_ARCH_INTEL] = "{hw_intel: {cap: 0x%llx, ecap: 0x%llx}}",
		[IREF_ARCH_RISCV] = "{hw_riscv: {caps: 0x%llx, fctl: 0x%llx}}",
		[IREF_ARCH_AMD] = "{hw_amd: {efr: 0x%llx, efr2: 0x%llx}}",
	};
	struct iref_hw_caps caps;
	struct iref_hw_regs r;
	iref_hw_caps_default(&caps, arch);
	iref_hw_caps_regs(&caps, &r);
	snprintf(buf, n, fmt[arch], (unsigned long long)r.reg[0],
		 (unsigned long long)r.reg[1], (unsigned long long)r.reg[2],
		 (unsigned long long)r.reg[3]);
}

START_TEST(test_run_probe_hw)
{
	static const char *const arch[] = {"arm", "intel", "riscv", "amd"};
	for (int a = IREF_ARCH_ARM; a <= IREF_ARCH_AMD; a++) {
		char prop[256], text[1024];
		hw_expect((enum iref_arch)a, prop, sizeof prop);
		snprintf(text, sizeof text,
			 "iommu: {features: [probe, attach_table], hw: "
			 "{arch: %s}}\n"
			 "endpoints: [{id: 1}]\n"
			 "steps:\n"
			 "  - probe: {endpoint: 1}\n"
			 "    expect: {status: ok, properties: [%s]}\n",
			 arch[a - 1], prop);
		struct iref_test_output c;
		iref_test_run_text(text, &c);
		ck_assert_msg(c.t.passed == 1, "%s: %s", arch[a - 1], c.err);
		ck_assert_ptr_nonnull(strstr(c.out, "props=hw_"));
		iref_test_output_free(&c);
	}
}
END_TEST

/* C117: Arm descriptor checks, through the friendly STE fields. */
START_TEST(test_run_arm_c117)
{
	struct iref_test_output c;
	iref_test_run_text(
		"iommu: {features: [probe, attach_table], hw: {arch: arm}}\n"
		"endpoints: [{id: 1}]\n"
		"steps:\n"
		"  - attach_table: {domain: 1, endpoint: 1, format: arm_smmu3,"
		" s1contextptr: 0x10000}\n"
		"    expect: ok\n"
		"  - attach_table: {domain: 2, endpoint: 1, format: arm_smmu3,"
		" s1contextptr: 0x10000, s1cdmax: 1, s1fmt: 3}\n"
		"    expect: inval\n"
		"  - attach_table: {domain: 2, endpoint: 1, format: arm_smmu3,"
		" s1contextptr: 0x10000, s1dss: 3}\n"
		"    expect: inval\n"
		"  - attach_table: {domain: 2, endpoint: 1, format: 3}\n"
		"    expect: unsupp\n"
		"  - attach_table: {domain: 2, endpoint: 1, format: intel_pt,"
		" pgtbl: 0x1000}\n"
		"    expect: unsupp\n",
		&c);
	ck_assert_str_eq(c.err, "");
	ck_assert_uint_eq(c.t.passed, 5);
	ck_assert_ptr_nonnull(strstr(c.out, "req attach_table domain=1 ep=1 "
					    "format=arm_smmu3 ste0=0x10000 "
					    "ste1=0x0 -> status=ok\n"));
	ck_assert_ptr_nonnull(strstr(c.out, "req attach_table domain=2 ep=1 "
					    "format=0x3 -> status=unsupp\n"));
	iref_test_output_free(&c);
}
END_TEST

START_TEST(test_run_mismatch_and_write_error)
{
	struct iref_test_output c;
	iref_test_run_text(
		INTEL_DEV                                            /* 1-12 */
		"  - attach_table: {domain: 1, endpoint: 1, format: intel_pt,"
		" pgtbl: 0x100000}\n"                                   /* 13 */
		"  - dma: {endpoint: 1, addr: 0x1010, size: 4, access: read}\n"
		"    expect: {via: s2, level: 2}\n"                     /* 15 */
		"  - dma: {endpoint: 1, addr: 0x3010, size: 4, access: read}\n"
		"    expect: {fault: mapping, walk: permission, stage: 2}\n"
		"  - dma: {endpoint: 1, addr: 0x3010, size: 4, access: read}\n"
		"    expect: {abort: true}\n"                           /* 19 */
		"  - write: {addr: 0x20000000, value: 1}\n"             /* 20 */
		"guest_memory: {limit: 0x10000000}\n",
		&c);
	ck_assert_uint_eq(c.t.passed, 2);
	ck_assert_uint_eq(c.t.failed, 4);
	ck_assert_str_eq(
		c.err,
		"t.yaml:15: step 3 (dma): expected via=s2 level=2, got "
		"via=table level=1\n"
		"t.yaml:17: step 4 (dma): expected walk=permission stage=2, "
		"got walk=translation stage=1\n"
		"t.yaml:19: step 5 (dma): expected abort, got fault "
		"reason=mapping flags=r,address addr=0x3010 code=0x71 "
		"walk=translation stage=1 level=1\n"
		"t.yaml:20: step 6 (write): error: memory refused 8 bytes at "
		"0x20000000: bus error\n");
	ck_assert_ptr_nonnull(strstr(c.out, "write addr=0x20000000 words=1 -> "
					    "error\n"));
	iref_test_output_free(&c);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("scenario_ext");
	TCase *tc = tcase_create("load");
	tcase_add_test(tc, test_hw);
	tcase_add_test(tc, test_hw_errors);
	tcase_add_test(tc, test_stage2);
	tcase_add_test(tc, test_stage2_errors);
	tcase_add_test(tc, test_attach_table);
	tcase_add_test(tc, test_attach_table_errors);
	tcase_add_test(tc, test_invalidate);
	tcase_add_test(tc, test_detach_pasid);
	tcase_add_test(tc, test_write);
	tcase_add_test(tc, test_dma_expect);
	tcase_add_test(tc, test_probe_hw_expect);
	suite_add_tcase(s, tc);
	tc = tcase_create("results");
	tcase_add_test(tc, test_results_attach_table);
	tcase_add_test(tc, test_results_invalidate_detach);
	tcase_add_test(tc, test_results_dma);
	tcase_add_test(tc, test_results_hw_props);
	suite_add_tcase(s, tc);
	tc = tcase_create("run");
	tcase_add_test(tc, test_run_table_domain);
	tcase_add_test(tc, test_run_pasid);
	tcase_add_test(tc, test_run_stage2);
	tcase_add_test(tc, test_run_stage2_setup_errors);
	tcase_add_test(tc, test_run_probe_hw);
	tcase_add_test(tc, test_run_arm_c117);
	tcase_add_test(tc, test_run_mismatch_and_write_error);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return iref_test_run(suite());
}
