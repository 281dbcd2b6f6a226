/* Tests of the iommu-ref command as a user runs it (IREF_CLI_PATH): exit
 * codes, the summary line, failure messages, and that no input, however
 * broken, makes it crash. */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

static char dir[64];
static char scn[128], out_path[128], err_path[128];
static char *out, *err;

static void setup(void)
{
	strcpy(dir, "/tmp/iref-cli-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(scn, sizeof scn, "%s/s.yaml", dir);
	snprintf(out_path, sizeof out_path, "%s/out", dir);
	snprintf(err_path, sizeof err_path, "%s/err", dir);
	out = err = NULL;
}

static void teardown(void)
{
	free(out);
	free(err);
	unlink(scn);
	unlink(out_path);
	unlink(err_path);
	char img[128];
	snprintf(img, sizeof img, "%s/t.img", dir);
	unlink(img);
	snprintf(img, sizeof img, "%s/p.yaml", dir);
	unlink(img);
	rmdir(dir);
}

static void write_bytes(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(p, 1, n, f), n);
	fclose(f);
}

static void write_scn(const char *text)
{
	write_bytes(scn, text, strlen(text));
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(m);
	int c;
	while ((c = fgetc(f)) != EOF)
		fputc(c, m);
	fclose(m);
	fclose(f);
	return buf;
}

/* Run the CLI with args (already shell-quoted where needed); returns the
 * exit status, or -1 if it died from a signal. stdout and stderr land in
 * out and err. */
static int run(const char *args)
{
	char cmd[1024];
	snprintf(cmd, sizeof cmd, "'%s' %s >'%s' 2>'%s'", IREF_CLI_PATH, args,
		 out_path, err_path);
	int st = system(cmd);
	free(out);
	free(err);
	out = slurp(out_path);
	err = slurp(err_path);
	/* A sanitizer report means a memory or UB bug even when the exit
	 * status looks ordinary. */
	ck_assert_msg(!strstr(err, "Sanitizer") && !strstr(err, "runtime error"),
		      "%s: %s", args, err);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int run_scn(const char *extra)
{
	char args[256];
	snprintf(args, sizeof args, "run '%s'%s", scn, extra);
	return run(args);
}

START_TEST(test_usage)
{
	ck_assert_int_eq(run("--help"), 0);
	ck_assert_ptr_nonnull(strstr(out, "usage: iommu-ref run FILE.yaml"));
	ck_assert_int_eq(run("--version"), 0);
	ck_assert_str_eq(out, "iommu-ref 0.1.0\n");

	ck_assert_int_eq(run(""), 2);
	ck_assert_ptr_nonnull(strstr(err, "usage:"));
	ck_assert_int_eq(run("frobnicate"), 2);
	ck_assert_ptr_nonnull(strstr(err, "unknown command 'frobnicate'"));
	ck_assert_int_eq(run("run"), 2);
	ck_assert_ptr_nonnull(strstr(err, "run needs a scenario file"));
	ck_assert_int_eq(run("run a.yaml b.yaml"), 2);
	ck_assert_int_eq(run("run --loud a.yaml"), 2);
	ck_assert_ptr_nonnull(strstr(err, "unknown option '--loud'"));
	ck_assert_str_eq(out, "");
}
END_TEST

static const char good[] =
	"iommu: {bypass: 0}\n"
	"endpoints: [{id: 1}]\n"
	"steps:\n"
	"  - attach: {domain: 1, endpoint: 1}\n"
	"    expect: ok\n"
	"  - map: {domain: 1, virt_start: 0x1000, virt_end: 0x1fff,\n"
	"          phys_start: 0x80000000, flags: [read]}\n"
	"    expect: ok\n"
	"  - dma: {endpoint: 1, addr: 0x1004, size: 4, access: read}\n"
	"    expect: {pa: 0x80000004}\n";

START_TEST(test_pass)
{
	write_scn(good);
	ck_assert_int_eq(run_scn(""), 0);
	ck_assert_str_eq(out,
			 "req attach domain=1 ep=1 flags=0x0 -> status=ok\n"
			 "req map domain=1 virt=[0x1000,0x1fff] "
			 "phys=0x80000000 flags=r -> status=ok\n"
			 "dma ep=1 pasid=- iova=0x1004 len=4 acc=r -> ok "
			 "pa=0x80000004 size=0x1000 perm=rx via=map\n"
			 "3 passed, 0 failed\n");
	ck_assert_str_eq(err, "");

	/* --quiet keeps only the summary, before or after the file. */
	ck_assert_int_eq(run_scn(" --quiet"), 0);
	ck_assert_str_eq(out, "3 passed, 0 failed\n");
	char args[256];
	snprintf(args, sizeof args, "run -q '%s'", scn);
	ck_assert_int_eq(run(args), 0);
	ck_assert_str_eq(out, "3 passed, 0 failed\n");
}
END_TEST

START_TEST(test_fail)
{
	write_scn("iommu: {bypass: 0}\n"                                /* 1 */
		  "endpoints: [{id: 1}]\n"                                /* 2 */
		  "steps:\n"                                              /* 3 */
		  "  - attach: {domain: 1, endpoint: 1}\n"                /* 4 */
		  "  - dma: {endpoint: 1, addr: 0x10, size: 1, access: read}\n"
		  "    expect: {pa: 0x10}\n"                              /* 6 */
		  "  - detach: {domain: 1, endpoint: 1}\n"                /* 7 */
		  "    expect: ok\n");                                    /* 8 */
	ck_assert_int_eq(run_scn(""), 1);
	/* The run goes on after the mismatch. */
	ck_assert_ptr_nonnull(strstr(out, "req detach domain=1 ep=1 -> "
					  "status=ok\n2 passed, 1 failed\n"));
	char want[512];
	snprintf(want, sizeof want,
		 "%s:6: step 2 (dma): expected ok pa=0x10, got fault "
		 "reason=mapping flags=r,address addr=0x10\n",
		 scn);
	ck_assert_str_eq(err, want);
}
END_TEST

START_TEST(test_input_errors)
{
	char want[512];

	write_scn("steps:\n  - attach: {domain: 1,\n  endpoint: 1\n");
	ck_assert_int_eq(run_scn(""), 2);
	snprintf(want, sizeof want, "%s:4:1: ", scn);
	ck_assert_msg(!strncmp(err, want, strlen(want)), "%s", err);
	ck_assert_str_eq(out, ""); /* no summary for unusable input */

	write_scn("steps:\n  - map: {domain: 1, virt_start: 0x10000000000000000}\n");
	ck_assert_int_eq(run_scn(""), 2);
	snprintf(want, sizeof want,
		 "%s:2:34: virt_start: 0x10000000000000000 does not fit in 64 "
		 "bits\n",
		 scn);
	ck_assert_str_eq(err, want);

	write_scn("steps:\n  - attach: {domain: 1, endpoint: 1}\n"
		  "    expect: fine\n");
	ck_assert_int_eq(run_scn(""), 2);
	snprintf(want, sizeof want, "%s:3:13: status: unknown status 'fine'",
		 scn);
	ck_assert_msg(!strncmp(err, want, strlen(want)), "%s", err);

	/* A memory image error points into the image. */
	char img[128];
	snprintf(img, sizeof img, "%s/t.img", dir);
	write_bytes(img, "0x10 0x20\n\n0x30 0x40 junk\n", 26);
	write_scn("memory:\n  - image: t.img\nsteps: []\n");
	ck_assert_int_eq(run_scn(""), 2);
	snprintf(want, sizeof want, "%s:3:11: trailing text after VALUE\n",
		 img);
	ck_assert_str_eq(err, want);

	ck_assert_int_eq(run("run /nonexistent/x.yaml"), 2);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/x.yaml: cannot open"));
}
END_TEST

/* A preset is found next to the scenario, whatever the current directory,
 * and an error inside one is reported in it. */
START_TEST(test_presets)
{
	ck_assert_int_eq(chdir(IREF_SOURCE_DIR), 0);
	ck_assert_int_eq(run("run examples/presets.yaml"), 0);
	ck_assert_ptr_nonnull(strstr(out, "\ntlb level=utlb lookups=4 hits=2 "));
	ck_assert_ptr_nonnull(strstr(out, "\n13 passed, 0 failed\n"));

	char p[128], want[256];
	snprintf(p, sizeof p, "%s/p.yaml", dir);
	static const char bad_key[] = "iommu:\n  utlb: {entries: x}\n";
	static const char bad_geometry[] =
		"iommu:\n  utlb: {entries: 12, ways: 4}\n";
	write_bytes(p, bad_key, strlen(bad_key));
	write_scn("iommu: {preset: p.yaml}\nsteps: []\n");
	ck_assert_int_eq(run_scn(""), 2);
	snprintf(want, sizeof want,
		 "%s:2:19: entries: 'x' is not a number (decimal or 0x hex)\n",
		 p);
	ck_assert_str_eq(err, want);
	/* A geometry the library refuses, at the scenario's iommu: key. */
	write_bytes(p, bad_geometry, strlen(bad_geometry));
	ck_assert_int_eq(run_scn(""), 2);
	snprintf(want, sizeof want,
		 "%s:1:1: device configuration refused: utlb: ", scn);
	ck_assert_msg(!strncmp(err, want, strlen(want)), "%s", err);
}
END_TEST

/* Deterministic pseudo-random numbers for the garbage tests. */
static uint32_t rnd(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

/* Whatever the input, the command exits with 0, 1 or 2, and a 2 comes
 * with a message naming the file. */
static void survives(void)
{
	int rc = run_scn(" --quiet");
	ck_assert_msg(rc >= 0 && rc <= 2, "exit %d: %s", rc, err);
	if (rc == 2)
		ck_assert_msg(!strncmp(err, scn, strlen(scn)), "%s", err);
}

START_TEST(test_truncated)
{
	/* Every prefix of a scenario that uses most of the syntax. */
	static const char text[] =
		"iommu:\n"
		"  features: [map_unmap, probe, bypass_config]\n"
		"  options: {max_mappings: 4, unknown_type: status}\n"
		"endpoints:\n"
		"  - id: 1\n"
		"    reserved: [{subtype: msi, start: 0xfee00000, end: 0xfeefffff}]\n"
		"memory:\n"
		"  - {addr: 0x1000, bytes: \"01 02\"}\n"
		"steps:\n"
		"  - attach: {domain: 1, endpoint: 1}\n"
		"    expect: ok\n"
		"  - probe: {endpoint: 1}\n"
		"    expect: {status: ok, properties: [{resv_mem: {subtype: msi,"
		" start: 0xfee00000, end: 0xfeefffff}}]}\n"
		"  - dma: {endpoint: 1, addr: 0x10, size: 4, access: read}\n"
		"    expect: {fault: mapping, flags: [read, address]}\n"
		"  - events:\n"
		"      expect: [{reason: mapping, endpoint: 1}]\n"
		"  - request: {bytes: \"01 00 00 00\", writable: 8}\n"
		"    expect: {used: 0}\n";
	for (size_t n = 0; n < sizeof text - 1; n += 3) {
		write_bytes(scn, text, n);
		survives();
	}
	write_bytes(scn, text, sizeof text - 1);
	ck_assert_int_eq(run_scn(""), 0);
}
END_TEST

/* The page-table extension's keys and steps: a scenario that uses them
 * all passes, each prefix of it survives, and a stage-2 table the builder
 * refuses stops the run at its mapping with status 2. */
static const char ext_text[] =
	"iommu:\n"
	"  features: [map_unmap, probe, attach_table]\n"
	"  bypass: 0\n"
	"  hw: {arch: intel, pasid_bits: 8}\n"
	"  options: {s2_fault_report: false}\n"
	"  timing: {req_attach_table: 10, req_invalidate: 40}\n"
	"  stage2:\n"
	"    format: intel-ss\n"
	"    pool: {start: 0x200000, end: 0x2fffff}\n"
	"    mappings:\n"
	"      - {va: 0x100000, pa: 0x100000, size: 0x100000,"
	" perm: [read, write]}\n"
	"      - {va: 0x80000000, pa: 0xc0000000, size: 0x1000,"
	" perm: [read, write]}\n"
	"endpoints: [{id: 1}]\n"
	"steps:\n"
	"  - tables:\n"
	"      format: intel-fs\n"
	"      pool: {start: 0x100000, end: 0x1fffff}\n"
	"      mappings:\n"
	"        - {va: 0x1000, pa: 0x80000000, size: 0x1000, perm: [read]}\n"
	"        - {va: 0x2000, pa: 0x90000000, size: 0x1000, perm: [read]}\n"
	"  - attach_table: {domain: 1, endpoint: 1, format: intel_pt,"
	" pgtbl: 0x100000, pasid: 4}\n"
	"    expect: {status: ok, cycles: 310}\n"
	"  - dma: {endpoint: 1, addr: 0x1010, size: 4, access: read,"
	" pasid: 4}\n"
	"    expect: {pa: 0xc0000010, via: table, level: 1}\n"
	"  - dma: {endpoint: 1, addr: 0x2010, size: 4, access: read,"
	" pasid: 4, priv: true}\n"
	"    expect: {fault: mapping}\n"
	"  - dma: {endpoint: 1, addr: 0x2010, size: 4, access: read,"
	" pasid: 4}\n"
	"    expect: {abort: true, stage: 2, walk: translation}\n"
	"  - write: {addr: 0x300000, values: [1, 2]}\n"
	"  - invalidate: {domain: 1, scope: pasid, caches: [pasid, tlb],"
	" pasid: 4}\n"
	"    expect: ok\n"
	"  - probe: {endpoint: 1}\n"
	"  - detach: {domain: 1, endpoint: 1, pasid: 4}\n"
	"    expect: ok\n";

START_TEST(test_ext)
{
	write_scn(ext_text);
	ck_assert_int_eq(run_scn(""), 0);
	ck_assert_str_eq(err, "");
	ck_assert_ptr_nonnull(strstr(out, "req invalidate domain=1 scope=pasid "
					  "caches=pasid,tlb flags=pasid "
					  "pasid=4 id=- addr=- pages=- "
					  "psize=- -> status=ok cycles=340\n"));
	ck_assert_ptr_nonnull(strstr(out, "9 passed, 0 failed\n"));
	for (size_t n = 0; n < sizeof ext_text - 1; n += 5) {
		write_bytes(scn, ext_text, n);
		survives();
	}

	char want[512];
	write_scn("iommu:\n"
		  "  stage2:\n"
		  "    format: intel-ss\n"
		  "    pool: {start: 0x200000, end: 0x200fff}\n"
		  "    mappings:\n"
		  "      - {va: 0x0, pa: 0x0, size: 0x1000, perm: [read]}\n"
		  "steps: []\n");
	ck_assert_int_eq(run_scn(""), 2);
	snprintf(want, sizeof want, "%s:6:9: stage2: ", scn);
	ck_assert_msg(!strncmp(err, want, strlen(want)), "%s", err);
	ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(test_garbage)
{
	/* YAML-ish token soup reaches the loader's deeper paths; raw bytes
	 * exercise libyaml's reader. */
	static const char *const tok[] = {
		"steps:", "iommu:", "memory:", "endpoints:", "expect:", " ",
		"\n", "  ", "- ", "{", "}", "[", "]", ",", ": ", "attach",
		"dma", "events", "domain: 1", "endpoint: 1", "0x", "ffffffff",
		"-1", "\"", "'", "&a ", "*a", "!!str ", "ok", "bytes: \"zz\"",
		"image: /", "~", "#", "? ", "|\n", ">-\n", "\t", "\\0", "%YAML",
		"---", "...",
	};
	uint32_t seed = 12345;
	char buf[400];
	for (int i = 0; i < 150; i++) {
		size_t len = 0, ntok = 1 + rnd(&seed) % 40;
		for (size_t t = 0; t < ntok; t++) {
			const char *s = tok[rnd(&seed) % (sizeof tok /
							  sizeof tok[0])];
			size_t l = strlen(s);
			if (len + l >= sizeof buf)
				break;
			memcpy(buf + len, s, l);
			len += l;
		}
		write_bytes(scn, buf, len);
		survives();
	}
	for (int i = 0; i < 50; i++) {
		size_t len = 1 + rnd(&seed) % sizeof buf;
		for (size_t j = 0; j < len; j++)
			buf[j] = (char)rnd(&seed);
		write_bytes(scn, buf, len);
		ck_assert_int_eq(run_scn(""), 2);
		ck_assert_msg(!strncmp(err, scn, strlen(scn)), "%s", err);
	}
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("run");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_usage);
	tcase_add_test(tc, test_pass);
	tcase_add_test(tc, test_fail);
	tcase_add_test(tc, test_input_errors);
	tcase_add_test(tc, test_presets);
	suite_add_tcase(s, tc);
	tc = tcase_create("robustness");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_ext);
	tcase_add_test(tc, test_garbage);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return iref_test_run(suite());
}
