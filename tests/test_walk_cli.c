/* Tests of the walkers' user faces as a user meets them (IREF_CLI_PATH):
 * `iommu-ref walk` end to end (request lines and their errors, streaming,
 * nested walks, the access lines) and the scenario steps tables: and
 * walk:. Tables come from the library's builder, so the tests hold for
 * any format except where they name one (FMT, FMT_S2); the worked example
 * of docs/walk-oracle.md is the one test on hand-written tables. */
#define _POSIX_C_SOURCE 200809L

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "iommu-ref/mem.h"
#include "iommu-ref/walk.h"
#include "testutil.h"

#define FMT "riscv-sv39"
#define FMT_S2 "riscv-sv39x4"
/* FMT's option for hardware A/D updates, for the tests that watch the
 * updates. */
#define AD_OPT "ade=true"
#define AD_YAML "{ade: true}"

typedef unsigned long long ull;

static char dir[64], img[128], req[128], scn[128], out_path[128],
	err_path[128];
static char *out, *err;
static struct iref_sparse_mem *sm; /* where build() lays out tables */

static void setup(void)
{
	strcpy(dir, "/tmp/iref-wcli-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(img, sizeof img, "%s/t.img", dir);
	snprintf(req, sizeof req, "%s/r.txt", dir);
	snprintf(scn, sizeof scn, "%s/s.yaml", dir);
	snprintf(out_path, sizeof out_path, "%s/out", dir);
	snprintf(err_path, sizeof err_path, "%s/err", dir);
	out = err = NULL;
	sm = iref_sparse_mem_create(NULL);
	ck_assert_ptr_nonnull(sm);
	/* The command may stop reading before a test stops writing. */
	signal(SIGPIPE, SIG_IGN);
}

static void teardown(void)
{
	free(out);
	free(err);
	iref_sparse_mem_destroy(sm);
	unlink(img);
	unlink(req);
	unlink(scn);
	unlink(out_path);
	unlink(err_path);
	rmdir(dir);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(text, 1, strlen(text), f), strlen(text));
	fclose(f);
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

/* Start the CLI with args; its stdin is the returned pipe, its stdout and
 * stderr go to out_path and err_path. */
static FILE *start(const char *args)
{
	char cmd[2048];
	snprintf(cmd, sizeof cmd, "exec '%s' %s >'%s' 2>'%s'", IREF_CLI_PATH,
		 args, out_path, err_path);
	FILE *p = popen(cmd, "w");
	ck_assert_ptr_nonnull(p);
	return p;
}

/* Wait for it; returns the exit status (-1 if it died from a signal),
 * with out and err read. */
static int finish(FILE *p)
{
	int st = pclose(p);
	free(out);
	free(err);
	out = slurp(out_path);
	err = slurp(err_path);
	/* A sanitizer report means a memory or UB bug even when the exit
	 * status looks ordinary. */
	ck_assert_msg(!strstr(err, "Sanitizer") && !strstr(err, "runtime error"),
		      "%s", err);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int run(const char *args, const char *input)
{
	FILE *p = start(args);
	fputs(input, p);
	return finish(p);
}

/* Build maps (IREF_BUILD_* flags) with the library's builder, tables
 * from pool, and append what it wrote to the image file; returns the
 * root. */
static uint64_t build(const char *fmt, uint64_t pool,
		      const struct iref_build_map *maps, size_t n)
{
	struct iref_walk_cfg cfg;
	ck_assert_int_eq(iref_walk_cfg_init(&cfg, fmt, NULL), IREF_OK);
	struct iref_pool p = {pool, pool + 0x100000};
	struct iref_mem m = iref_sparse_mem_as_mem(sm);
	ck_assert_int_eq(iref_build(&cfg, m, &p, maps, n, NULL), IREF_OK);
	FILE *f = fopen(img, "a");
	ck_assert_ptr_nonnull(f);
	for (uint64_t a = pool; a < p.next; a += 8) {
		uint64_t v = 0;
		ck_assert_int_eq(iref_mem_read64(m, a, &v), IREF_OK);
		if (v)
			fprintf(f, "0x%llx 0x%llx\n", (ull)a, (ull)v);
	}
	fclose(f);
	return cfg.root;
}

#define RW (IREF_PERM_R | IREF_PERM_W)

/* A page, a 2 MiB block (or pages, where the format has no such block)
 * and a page whose A and D are clear. */
static const struct iref_build_map maps[] = {
	{.va = 0x1000, .pa = 0x90000000, .size = 0x1000, .perm = RW,
	 .flags = IREF_BUILD_USER},
	{.va = 0x200000, .pa = 0x90200000, .size = 0x200000,
	 .perm = IREF_PERM_R, .flags = IREF_BUILD_USER},
	{.va = 0x5000, .pa = 0x90005000, .size = 0x1000, .perm = RW,
	 .flags = IREF_BUILD_USER | IREF_BUILD_NO_ACCESSED |
		  IREF_BUILD_NO_DIRTY},
};

#define POOL 0x80000000u

/* args for the command over the built tables; extra goes first. */
static const char *walk_args(const char *extra)
{
	static char a[1024];
	snprintf(a, sizeof a, "walk --format " FMT " --root 0x%x --mem '%s' %s",
		 POOL, img, extra);
	return a;
}

/* Line i (0-based) of text, without its newline, in a static buffer. */
static const char *line_of(const char *text, unsigned i)
{
	static char buf[512];
	for (; i && text; i--)
		if ((text = strchr(text, '\n')))
			text++;
	ck_assert_ptr_nonnull(text);
	size_t n = strcspn(text, "\n");
	ck_assert_uint_lt(n, sizeof buf);
	memcpy(buf, text, n);
	buf[n] = '\0';
	return buf;
}

static unsigned count_lines(const char *text)
{
	unsigned n = 0;
	for (; *text; text++)
		n += *text == '\n';
	return n;
}

#define STARTS(s_, prefix_)                                              \
	ck_assert_msg(!strncmp((s_), (prefix_), strlen(prefix_)),         \
		      "'%s' does not start with '%s'", (s_), (prefix_))

/* ---- iommu-ref walk ---- */

static const char requests[] =
	"# ADDR ACCESS [PRIV]\n"
	"0x1234 r\n"
	"\n"
	"0x1234 write user     # a comment\n"
	"0x200010\tread\tsupervisor\n"
	"0x3ffff8 r\n"
	"0x201000 w\n"
	"0x4000 r\n"
	"4660 x\r\n";

START_TEST(test_walk_lines)
{
	build(FMT, POOL, maps, 3);
	ck_assert_int_eq(run(walk_args(""), requests), 0);
	ck_assert_str_eq(err, "");
	ck_assert_uint_eq(count_lines(out), 7);
	STARTS(line_of(out, 0), "walk fmt=" FMT " iova=0x1234 acc=r priv=u -> "
				"ok pa=0x90000234 size=0x1000 perm=rw level=");
	STARTS(line_of(out, 1), "walk fmt=" FMT " iova=0x1234 acc=w priv=u -> "
				"ok pa=0x90000234 size=0x1000 perm=rw level=");
	STARTS(line_of(out, 2), "walk fmt=" FMT " iova=0x200010 acc=r priv=s "
				"-> ");
	STARTS(line_of(out, 3), "walk fmt=" FMT " iova=0x3ffff8 acc=r priv=u "
				"-> ok pa=0x903ffff8 size=0x200000 perm=r "
				"level=");
	STARTS(line_of(out, 4), "walk fmt=" FMT " iova=0x201000 acc=w priv=u "
				"-> fault reason=permission code=0x");
	STARTS(line_of(out, 5), "walk fmt=" FMT " iova=0x4000 acc=r priv=u -> "
				"fault reason=translation code=0x");
	ck_assert_ptr_nonnull(strstr(line_of(out, 5),
				     " stage=1 addr=0x4000 addr2=0x0 flags="));
	ck_assert_ptr_null(strstr(out, "walk=1"));
	STARTS(line_of(out, 6), "walk fmt=" FMT " iova=0x1234 acc=x priv=u -> "
				"fault reason=permission ");

	/* The same from a file, and with --name=VALUE options. */
	char *from_stdin = out;
	out = NULL;
	write_file(req, requests);
	char extra[256];
	snprintf(extra, sizeof extra, "--requests='%s'", req);
	ck_assert_int_eq(run(walk_args(extra), ""), 0);
	ck_assert_str_eq(out, from_stdin);
	free(from_stdin);

	/* "-" is standard input; no request, no line. */
	ck_assert_int_eq(run(walk_args("--requests -"), "# nothing\n\n"), 0);
	ck_assert_str_eq(out, "");
}
END_TEST

/* A bad line stops the command at its position, after the results of the
 * lines before it. Inputs may hold NUL bytes, hence their lengths. */
struct bad_line {
	const char *input;
	size_t len;
	const char *msg; /* after "<stdin>:" */
	unsigned done;   /* results lines printed before it */
};

#define IN(s) s, sizeof(s) - 1

static const struct bad_line bad_lines[] = {
	{IN("0x1000 r\n\n  zz r\n0x1000 r\n"),
	 "3:3: ADDR: 'zz' is not a number (decimal or 0x hex)", 1},
	{IN("0x1000\n"), "1:7: ACCESS missing (r, w, x, read, write, exec)", 0},
	{IN("0x1000   # no access\n"),
	 "1:10: ACCESS missing (r, w, x, read, write, exec)", 0},
	{IN("0x1000 rw\n"),
	 "1:8: ACCESS: unknown name 'rw' (expected one of: r, w, x, read, "
	 "write, exec)", 0},
	{IN("0x1000 r kernel\n"),
	 "1:10: PRIV: unknown name 'kernel' (expected one of: u, s, user, "
	 "supervisor)", 0},
	{IN("0x1000 r u x\n"), "1:12: trailing text after PRIV", 0},
	{IN("0x10000000000000000 r\n"),
	 "1:1: ADDR: 0x10000000000000000 does not fit in 64 bits", 0},
	/* CR LF ends a line; a lone CR is a blank. */
	{IN("\t0x1000\tr\r\n0x1000 r\rx\n"),
	 "2:10: PRIV: unknown name 'x' (expected one of: u, s, user, "
	 "supervisor)", 1},
	{IN("0x1000 r\0\n"), "1:9: NUL character", 0},
	{IN("0x1000 r # a \0 in a comment is fine\n0x1000 r u\0\n"),
	 "2:11: NUL character", 1},
	{IN("0x0000000000000000000000000000000000000000000000000000000000000001000 r\n"),
	 "1:1: ADDR: longer than 64 characters", 0},
	{IN("0x1000 r\n0x1000 w\n0x1000 q\n0x1000 r\n"),
	 "3:8: ACCESS: unknown name 'q' (expected one of: r, w, x, read, "
	 "write, exec)", 2},
};

START_TEST(test_walk_bad_lines)
{
	build(FMT, POOL, maps, 3);
	for (size_t i = 0; i < sizeof bad_lines / sizeof bad_lines[0]; i++) {
		const struct bad_line *b = &bad_lines[i];
		FILE *p = start(walk_args(""));
		fwrite(b->input, 1, b->len, p);
		ck_assert_int_eq(finish(p), 2);
		char want[256];
		snprintf(want, sizeof want, "<stdin>:%s\n", b->msg);
		ck_assert_str_eq(err, want);
		ck_assert_uint_eq(count_lines(out), b->done);
	}

	/* A request file names itself. */
	write_file(req, "0x1000 r\n0x1000 z\n");
	char extra[256], want[256];
	snprintf(extra, sizeof extra, "--requests '%s'", req);
	ck_assert_int_eq(run(walk_args(extra), ""), 2);
	snprintf(want, sizeof want, "%s:2:8: ACCESS: unknown name 'z'", req);
	STARTS(err, want);
	ck_assert_uint_eq(count_lines(out), 1);
}
END_TEST

START_TEST(test_walk_usage)
{
	build(FMT, POOL, maps, 3);
	char args[512], want[512];

	ck_assert_int_eq(run("--help", ""), 0);
	ck_assert_ptr_nonnull(strstr(out, "iommu-ref walk --format FMT"));

	struct {
		const char *args;
		const char *msg;
	} bad[] = {
		{"--format nosuch --root 0", "iommu-ref: --format: unknown table "
					     "format 'nosuch'"},
		{"--format " FMT " --opt nosuch=1 --root 0",
		 "iommu-ref: --opt nosuch=1: "},
		{"--format " FMT " --opt nosuch --root 0",
		 "iommu-ref: --opt 'nosuch': expected KEY=VALUE\n"},
		{"--format " FMT " --root 12x",
		 "iommu-ref: --root: '12x' is not a number (decimal or 0x "
		 "hex)\n"},
		{"--format " FMT " --root 0 --s2-format " FMT_S2
		 " --s2-root 0x1000000000000000000",
		 "iommu-ref: --s2-root: 0x1000000000000000000 does not fit in "
		 "64 bits\n"},
		{"--format " FMT " --root 0 --s2-format nosuch --s2-root 0",
		 "iommu-ref: --s2-format: unknown table format 'nosuch'"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(args, sizeof args, "walk %s --mem '%s'", bad[i].args,
			 img);
		ck_assert_int_eq(run(args, "0x1000 r\n"), 2);
		STARTS(err, bad[i].msg);
		ck_assert_str_eq(out, "");
	}

	/* Usage errors come with the usage text. */
	struct {
		const char *args;
		const char *msg;
	} usage[] = {
		{"walk --format " FMT " --root 0", "walk needs --mem"},
		{"walk --root 0 --mem x", "walk needs --format"},
		{"walk --format " FMT " --mem x", "walk needs --root"},
		{"walk --format " FMT " --root 0 --mem x --s2-opt a=1",
		 "walk needs --s2-format"},
		{"walk --format " FMT " --root 0 --mem x --s2-format " FMT_S2,
		 "walk needs --s2-root"},
		{"walk --format " FMT " --root 0 --root 1 --mem x",
		 "--root given twice"},
		{"walk --mem x --format", "--format needs a value"},
		{"walk --format " FMT " --root 0 --mem x --frobnicate",
		 "unknown option '--frobnicate'"},
		{"walk --format " FMT " --root 0 --mem x reqs.txt",
		 "walk takes no argument 'reqs.txt'"},
	};
	for (size_t i = 0; i < sizeof usage / sizeof usage[0]; i++) {
		ck_assert_int_eq(run(usage[i].args, ""), 2);
		snprintf(want, sizeof want, "iommu-ref: %s", usage[i].msg);
		STARTS(err, want);
		ck_assert_ptr_nonnull(strstr(err, "usage: iommu-ref run"));
	}

	/* An image error names the image's line and column; so does the
	 * second image. */
	write_file(req, "0x10 0x20\n0x30 zz\n");
	snprintf(args, sizeof args,
		 "walk --format " FMT " --root 0 --mem '%s' --mem '%s'", img,
		 req);
	ck_assert_int_eq(run(args, "0x1000 r\n"), 2);
	snprintf(want, sizeof want, "%s:2:6: expected a hex VALUE\n", req);
	ck_assert_str_eq(err, want);
	ck_assert_str_eq(out, "");

	snprintf(args, sizeof args, "--requests '%s/none.txt'", dir);
	ck_assert_int_eq(run(walk_args(args), ""), 2);
	snprintf(want, sizeof want, "iommu-ref: cannot open %s/none.txt: ",
		 dir);
	STARTS(err, want);
}
END_TEST

/* Runs n requests through a pipe; returns the largest resident set of
 * the children so far (KiB). */
static long stream(unsigned n)
{
	FILE *p = start(walk_args(""));
	for (unsigned i = 0; i < n; i++)
		fprintf(p, "0x%x %s    # request %u, padded so the input is "
			   "far larger than any buffer\n",
			i % 4 == 3 ? 0x7000u : 0x1000u + (i & 0xfffu),
			i & 1 ? "w" : "r", i);
	ck_assert_int_eq(finish(p), 0);
	ck_assert_str_eq(err, "");
	ck_assert_uint_eq(count_lines(out), n);
	struct rusage ru;
	ck_assert_int_eq(getrusage(RUSAGE_CHILDREN, &ru), 0);
	return ru.ru_maxrss;
}

START_TEST(test_walk_stream)
{
	build(FMT, POOL, maps, 3);
	long small = stream(2000);
	/* 200k requests (about 20 MB of input): memory must not grow with
	 * them. The slack covers allocator noise, not the input. */
	long large = stream(200000);
	ck_assert_msg(large - small < 4096, "max RSS %ld KiB after 2000 "
					    "requests, %ld after 200000",
		      small, large);
	unsigned last = 199999;
	char want[256];
	snprintf(want, sizeof want,
		 "walk fmt=" FMT " iova=0x7000 acc=w priv=u -> fault "
		 "reason=translation ");
	STARTS(line_of(out, last), want);
	snprintf(want, sizeof want,
		 "walk fmt=" FMT " iova=0x%x acc=r priv=u -> ok pa=0x%x ",
		 0x1000u + ((last - 1) & 0xfffu),
		 0x90000000u + ((last - 1) & 0xfffu));
	STARTS(line_of(out, last - 1), want);
}
END_TEST

/* Stage 2 maps stage 1's table pool one to one and the data page
 * elsewhere. */
START_TEST(test_walk_nested)
{
	const struct iref_build_map s1[] = {
		{.va = 0x1000, .pa = 0x90000000, .size = 0x1000, .perm = RW,
		 .flags = IREF_BUILD_USER},
		{.va = 0x2000, .pa = 0x95000000, .size = 0x1000, .perm = RW,
		 .flags = IREF_BUILD_USER},
	};
	const struct iref_build_map s2[] = {
		{.va = POOL, .pa = POOL, .size = 0x200000, .perm = RW,
		 .flags = IREF_BUILD_USER},
		{.va = 0x90000000, .pa = 0xb0000000, .size = 0x1000,
		 .perm = RW, .flags = IREF_BUILD_USER},
	};
	uint64_t r1 = build(FMT, POOL, s1, 2);
	uint64_t r2 = build(FMT_S2, 0x81000000, s2, 2);
	char extra[256];
	snprintf(extra, sizeof extra,
		 "--s2-format=" FMT_S2 " --s2-root 0x%llx", (ull)r2);
	ck_assert_uint_eq(r1, POOL);
	ck_assert_int_eq(run(walk_args(extra), "0x1234 r\n0x2234 w\n"), 0);
	ck_assert_str_eq(err, "");
	STARTS(line_of(out, 0), "walk fmt=" FMT "/" FMT_S2 " iova=0x1234 acc=r "
				"priv=u -> ok pa=0xb0000234 size=0x1000 "
				"perm=rw level=");
	/* The data's GPA is not mapped: stage 2 faults on the output, not
	 * on the walk. */
	STARTS(line_of(out, 1), "walk fmt=" FMT "/" FMT_S2 " iova=0x2234 acc=w "
				"priv=u -> fault reason=translation code=0x");
	ck_assert_ptr_nonnull(strstr(line_of(out, 1), " stage=2 addr=0x2234 "));

	/* A stage-1 root stage 2 does not map: the fault hits the walk. */
	char args[512];
	snprintf(args, sizeof args,
		 "walk --format " FMT " --root 0x70000000 --mem '%s' %s", img,
		 extra);
	ck_assert_int_eq(run(args, "0x1234 r\n"), 0);
	STARTS(out, "walk fmt=" FMT "/" FMT_S2 " iova=0x1234 acc=r priv=u -> "
		    "fault reason=translation code=0x");
	ck_assert_ptr_nonnull(strstr(out, " stage=2 walk=1 addr=0x1234 addr2="));
}
END_TEST

struct acc_line {
	char kind[8];
	unsigned stage;
	int level;
	ull addr, value;
};

/* Parse the access lines after results line *i of out; *i moves past
 * them. */
static size_t accesses(unsigned *i, struct acc_line *a, size_t max)
{
	size_t n = 0;
	for (;;) {
		unsigned at = ++*i;
		if (at >= count_lines(out))
			break;
		const char *l = line_of(out, at);
		if (strncmp(l, "  ", 2))
			break;
		ck_assert_uint_lt(n, max);
		ck_assert_int_eq(sscanf(l, "  %7s stage=%u level=%d addr=0x%llx "
					   "value=0x%llx",
					a[n].kind, &a[n].stage, &a[n].level,
					&a[n].addr, &a[n].value),
				 5);
		n++;
	}
	return n;
}

START_TEST(test_walk_show_accesses)
{
	uint64_t root = build(FMT, POOL, maps, 3);
	ck_assert_int_eq(run(walk_args("--opt " AD_OPT " --show-accesses"),
			     "0x5234 w\n0x5234 w\n0x1234 r\n"),
			 0);
	ck_assert_str_eq(err, "");
	struct acc_line a[3][16];
	size_t n[3];
	unsigned i = 0;
	for (unsigned w = 0; w < 3; w++) {
		STARTS(line_of(out, i), w < 2 ? "walk fmt=" FMT " iova=0x5234 "
						"acc=w priv=u -> ok "
					      : "walk fmt=" FMT " iova=0x1234 "
						"acc=r priv=u -> ok ");
		n[w] = accesses(&i, a[w], 16);
		ck_assert_uint_ge(n[w], 2);
		/* The walk starts in the root table. */
		ck_assert_str_eq(a[w][0].kind, "read");
		ck_assert_uint_ge(a[w][0].addr, root);
		ck_assert_uint_lt(a[w][0].addr, root + 0x4000);
		for (size_t k = 0; k < n[w]; k++)
			ck_assert_uint_eq(a[w][k].stage, 1);
	}
	ck_assert_uint_eq(i, count_lines(out));

	/* The clean page's first write updates entries it read, setting
	 * bits only; the second write finds them set and only reads. */
	size_t writes = 0;
	for (size_t k = 0; k < n[0]; k++) {
		if (strcmp(a[0][k].kind, "write"))
			continue;
		writes++;
		size_t r = 0;
		while (r < k && a[0][r].addr != a[0][k].addr)
			r++;
		ck_assert_uint_lt(r, k);
		ck_assert_str_eq(a[0][r].kind, "read");
		ck_assert_uint_ne(a[0][k].value, a[0][r].value);
		ck_assert_uint_eq(a[0][k].value & a[0][r].value,
				  a[0][r].value);
	}
	ck_assert_uint_ge(writes, 1);
	ck_assert_uint_eq(n[1], n[0] - writes);
	for (size_t k = 0; k < n[1]; k++)
		ck_assert_str_eq(a[1][k].kind, "read");
	/* The second walk reads the leaf the first one wrote. */
	ck_assert_uint_eq(a[1][n[1] - 1].value, a[0][n[0] - 1].value);
}
END_TEST

/* Deterministic pseudo-random numbers for the garbage tests. */
static uint32_t rnd(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

/* Whatever the request stream holds, the command walks or refuses a
 * line with its position, and never prints more lines than it read. */
START_TEST(test_walk_garbage)
{
	static const char *const tok[] = {
		"0x1234", "0x5000", "4096", "r", "w", "x", "u", "s", "read",
		"supervisor", " ", "\t", "\r", "\n", "#", "zz", "0x", "-1",
		"99999999999999999999999", "\0", "\xff", "rw",
	};
	build(FMT, POOL, maps, 3);
	uint32_t seed = 4711;
	for (int i = 0; i < 150; i++) {
		char buf[600];
		size_t len = 0, lines = 1;
		for (size_t ntok = 1 + rnd(&seed) % 60; ntok; ntok--) {
			const char *t = tok[rnd(&seed) % (sizeof tok /
							  sizeof tok[0])];
			size_t l = t[0] ? strlen(t) : 1; /* "\0" is one NUL */
			if (len + l > sizeof buf)
				break;
			memcpy(buf + len, t, l);
			len += l;
			lines += t[0] == '\n';
		}
		FILE *p = start(walk_args(i % 2 ? "--show-accesses" : ""));
		fwrite(buf, 1, len, p);
		int rc = finish(p);
		ck_assert_msg(rc == 0 || rc == 2, "exit %d: %s", rc, err);
		if (rc == 2)
			STARTS(err, "<stdin>:");
		else
			ck_assert_str_eq(err, "");
		unsigned walks = 0;
		for (unsigned k = 0; k < count_lines(out); k++)
			walks += !strncmp(line_of(out, k), "walk ", 5);
		ck_assert_uint_le(walks, lines);
	}
}
END_TEST

/* ---- scenarios ---- */

static int run_scn(const char *text)
{
	write_file(scn, text);
	char args[256];
	snprintf(args, sizeof args, "run '%s'", scn);
	return run(args, "");
}

static const char tables_step[] =
	"steps:\n"                                                     /* 1 */
	"  - tables:\n"                                                /* 2 */
	"      format: " FMT "\n"                                      /* 3 */
	"      options: " AD_YAML "\n"                                 /* 4 */
	"      pool: {start: 0x80000000, end: 0x800fffff}\n"           /* 5 */
	"      name: t\n"                                              /* 6 */
	"      mappings:\n"                                            /* 7 */
	"        - {va: 0x1000, pa: 0x90000000, size: 0x1000, perm: [read, write]}\n"
	"        - {va: 0x200000, pa: 0x90200000, size: 0x200000, perm: [read]}\n"
	"        - {va: 0x5000, pa: 0x90005000, size: 0x1000, perm: [read, write],\n"
	"           accessed: false, dirty: false}\n"                  /* 11 */
	"    expect: {root: 0x80000000}\n";                            /* 12 */

START_TEST(test_scenario_steps)
{
	char text[4096];
	snprintf(text, sizeof text,
		 "%s"
		 "  - walk: {tables: t, addr: 0x1234, access: read}\n" /* 13 */
		 "    expect: {pa: 0x90000234, size: 0x1000, perm: [read, write]}\n"
		 "  - walk: {tables: t, addr: 0x201000, access: write}\n"
		 "    expect: {fault: permission, stage: 1, walk: false, addr: 0x201000}\n"
		 "  - walk: {tables: t, addr: 0x3ffff8, access: read, privilege: user}\n"
		 "    expect: {pa: 0x903ffff8, size: 0x200000, perm: [read], global: false}\n"
		 "  - walk:\n"
		 "      format: " FMT "\n"
		 "      root: 0x80000000\n"
		 "      addr: 0x7000\n"
		 "      access: exec\n"
		 "    expect: {fault: translation, addr2: 0}\n"
		 "  - walk: {tables: t, addr: 0x5008, access: write}\n"
		 "    expect: {pa: 0x90005008, perm: [read, write]}\n"
		 "  - walk: {tables: t, addr: 0x1000, access: read, privilege: supervisor}\n"
		 "  - tables: {tables: t, pool: {start: 0x80100000, end: 0x801fffff},\n"
		 "             mappings: [{va: 0x40000000, pa: 0xa0000000, size: 0x1000, perm: [read]}]}\n"
		 "    expect: {root: 0x80000000}\n"
		 "  - walk: {tables: t, addr: 0x40000010, access: read}\n"
		 "    expect: {pa: 0xa0000010, perm: [read]}\n",
		 tables_step);
	ck_assert_int_eq(run_scn(text), 0);
	ck_assert_str_eq(err, "");
	ck_assert_str_eq(line_of(out, 0), "tables fmt=" FMT " root=0x80000000 "
					  "mappings=3 -> ok");
	STARTS(line_of(out, 1), "walk fmt=" FMT " iova=0x1234 acc=r priv=u -> "
				"ok pa=0x90000234 size=0x1000 perm=rw level=");
	STARTS(line_of(out, 2), "walk fmt=" FMT " iova=0x201000 acc=w priv=u -> "
				"fault reason=permission ");
	STARTS(line_of(out, 4), "walk fmt=" FMT " iova=0x7000 acc=x priv=u -> "
				"fault reason=translation ");
	STARTS(line_of(out, 6), "walk fmt=" FMT " iova=0x1000 acc=r priv=s -> ");
	ck_assert_str_eq(line_of(out, 7), "tables fmt=" FMT " root=0x80000000 "
					  "mappings=1 -> ok");
	ck_assert_str_eq(line_of(out, 9), "9 passed, 0 failed");
}
END_TEST

/* Load errors: exit 2 with the position of what is wrong. */
struct scn_error {
	const char *steps; /* after "steps:\n" */
	const char *msg;   /* after "FILE:" */
};

static const struct scn_error scn_errors[] = {
	{"  - tables: {format: nosuch, mappings: []}\n",
	 "2:22: format: unknown table format 'nosuch'"},
	{"  - tables: {format: " FMT ", options: {nosuch: 1}, mappings: []}\n",
	 "2:44: options: option nosuch: "},
	{"  - tables: {format: " FMT ", options: {ade: true, ade: false}, "
	 "mappings: []}\n",
	 "2:55: duplicate key 'ade' in options"},
	{"  - tables: {format: " FMT ", options: [ade], mappings: []}\n",
	 "2:43: options: expected a mapping, got a list"},
	{"  - tables: {format: " FMT ", root: 0, mappings: []}\n",
	 "2:40: root: 0 is no root"},
	{"  - tables: {format: " FMT ", pool: {start: 2, end: 1}, mappings: []}\n",
	 "2:40: pool: end is below start"},
	{"  - tables: {format: " FMT ", pool: {start: 2}, mappings: []}\n",
	 "2:40: pool: missing key 'end'"},
	{"  - tables: {format: " FMT "}\n", "2:13: tables: missing key 'mappings'"},
	{"  - tables: {options: {}, mappings: []}\n",
	 "2:13: tables: missing key 'format' (or 'tables')"},
	{"  - tables: {format: " FMT ", mappings: [{va: 0, pa: 0, size: 0, "
	 "perm: []}]}\n",
	 "2:66: mapping: size must be >= 1"},
	{"  - tables: {format: " FMT ", mappings: [{va: 0xfffffffffffff000, "
	 "pa: 0, size: 0x2000, perm: []}]}\n",
	 "2:83: mapping: runs past 2^64"},
	{"  - tables: {format: " FMT ", mappings: [{va: 0, pa: 0, size: 1}]}\n",
	 "2:45: mapping: missing key 'perm'"},
	{"  - tables: {format: " FMT ", mappings: [{va: 0, pa: 0, size: 1, "
	 "perm: [rwx]}]}\n",
	 "2:76: perm: unknown name 'rwx' (expected one of: read, write, "
	 "exec)"},
	{"  - tables: {format: " FMT ", name: a, mappings: []}\n"
	 "  - tables: {format: " FMT ", name: a, mappings: []}\n",
	 "3:40: name: 'a' already names the tables of line 2"},
	{"  - walk: {tables: t, addr: 0, access: read}\n"
	 "  - tables: {format: " FMT ", name: t, mappings: []}\n",
	 "2:20: tables: no earlier tables step is named 't'"},
	{"  - tables: {format: " FMT ", name: t, mappings: []}\n"
	 "  - walk: {tables: t, format: " FMT ", addr: 0, access: read}\n",
	 "3:23: walk: 'format' and 'tables' are exclusive"},
	{"  - walk: {format: " FMT ", addr: 0, access: read}\n",
	 "2:11: walk: missing key 'root' (or 'tables')"},
	{"  - walk: {format: " FMT ", root: 0, adr: 0, access: read}\n",
	 "2:41: unknown key 'adr' in walk (expected one of: format, options, "
	 "root, tables, s2, addr, access, privilege)"},
	{"  - walk: {format: " FMT ", root: 0, addr: 0, access: read, "
	 "privilege: kernel}\n",
	 "2:75: privilege: unknown name 'kernel' (expected one of: user, "
	 "supervisor)"},
	{"  - walk: {format: " FMT ", root: 0, addr: 0, access: read, s2: "
	 "{root: 0}}\n",
	 "2:68: s2: missing key 'format' (or 'tables')"},
	{"  - walk: {format: " FMT ", root: 0, addr: 0, access: read, s2: "
	 "{format: nosuch, root: 0}}\n",
	 "2:77: format: unknown table format 'nosuch'"},
	{"  - walk: {format: " FMT ", root: 0, addr: 0, access: read}\n"
	 "    expect: {pa: 0x1000, fault: permission}\n",
	 "3:13: expect: fields of a translation"},
	{"  - walk: {format: " FMT ", root: 0, addr: 0, access: read}\n"
	 "    expect: {fault: stuck}\n",
	 "3:21: fault: unknown fault reason 'stuck' (expected one of: "
	 "translation, address-size, access-flag, permission, bus-error, "
	 "config)"},
	{"  - walk: {format: " FMT ", root: 0, addr: 0, access: read}\n"
	 "    expect: {stage: 3}\n",
	 "3:21: stage: 1 or 2"},
	{"  - walk: {format: " FMT ", root: 0, addr: 0, access: read}\n"
	 "    expect: maybe\n",
	 "3:13: expect: unknown name 'maybe' (expected one of: ok, fault)"},
	{"  - walk: {format: " FMT ", root: 0, addr: 0, access: read}\n"
	 "    expect: {accesses: [{kind: fetch}]}\n",
	 "3:32: kind: unknown name 'fetch' (expected one of: read, write)"},
	{"  - walk: {format: " FMT ", root: 0, addr: 0, access: read}\n"
	 "    expect: {}\n",
	 "3:13: expect: give ok, fault, or the fields to check"},
	{"  - tables: {format: " FMT ", mappings: []}\n"
	 "    expect: {rot: 0}\n",
	 "3:14: unknown key 'rot' in expect (expected one of: root)"},
};

START_TEST(test_scenario_errors)
{
	for (size_t i = 0; i < sizeof scn_errors / sizeof scn_errors[0]; i++) {
		char text[1024], want[512];
		snprintf(text, sizeof text, "steps:\n%s", scn_errors[i].steps);
		ck_assert_int_eq(run_scn(text), 2);
		snprintf(want, sizeof want, "%s:%s", scn, scn_errors[i].msg);
		STARTS(err, want);
		ck_assert_str_eq(out, "");
	}
}
END_TEST

/* Expectations that do not hold, and builder refusals: exit 1, each
 * named by step and line; the run goes on. */
START_TEST(test_scenario_mismatch)
{
	char text[4096], want[4096];
	snprintf(text, sizeof text,
		 "%s"
		 "  - walk: {tables: t, addr: 0x1234, access: read}\n" /* 13 */
		 "    expect: {pa: 0x90000000, size: 0x1000}\n"
		 "  - walk: {tables: t, addr: 0x1234, access: read}\n" /* 15 */
		 "    expect: {fault: permission}\n"
		 "  - walk: {tables: t, addr: 0x201000, access: write}\n"
		 "    expect: {fault: permission, walk: true}\n"
		 "  - walk: {tables: t, addr: 0x7000, access: read}\n" /* 19 */
		 "    expect: {level: none}\n"
		 "  - tables:\n"                                       /* 21 */
		 "      format: " FMT "\n"
		 "      pool: {start: 0x80200000, end: 0x80200fff}\n"
		 "      mappings:\n"
		 "        - {va: 0x1000, pa: 0x1000, size: 0x1000, perm: [read]}\n"
		 "    expect: {root: 0x80200000}\n"
		 "  - tables:\n"                                       /* 27 */
		 "      tables: t\n"
		 "      mappings:\n"
		 "        - {va: 0x1000, pa: 0x1000, size: 0x1000, perm: [read]}\n"
		 "  - tables:\n"                                       /* 31 */
		 "      tables: t\n"
		 "      pool: {start: 0x80300000, end: 0x803fffff}\n"
		 "      mappings:\n"
		 "        - {va: 0x10000000, pa: 0x1000, size: 0x1000, perm: [read]}\n"
		 "        - {va: 0x10001800, pa: 0x2000, size: 0x1000, perm: [read]}\n"
		 "  - tables: {format: " FMT ", root: 0x80400000, mappings: []}\n"
		 "    expect: {root: 0x80400001}\n"                   /* 38 */
		 "  - walk: {tables: t, addr: 0x10000000, access: read}\n"
		 "    expect: {pa: 0x1000}\n"
		 "  - walk: {tables: t, addr: 0x7000, access: read}\n"
		 "    expect: ok\n"                                   /* 42 */
		 "  - tables: {format: " FMT ",\n"                     /* 43 */
		 "             pool: {start: 0x80500000, end: 0x805007ff},\n"
		 "             mappings: []}\n",
		 tables_step);
	ck_assert_int_eq(run_scn(text), 1);
	/* Builder refusals print their line with outcome "error". */
	ck_assert_ptr_nonnull(strstr(out, "\ntables fmt=" FMT " root=0x80200000 "
					  "mappings=1 -> error\n"));
	ck_assert_ptr_nonnull(strstr(out, "\ntables fmt=" FMT " root=0x80000000 "
					  "mappings=1 -> error\n"));
	ck_assert_ptr_nonnull(strstr(out, "\n2 passed, 10 failed\n"));
	char *e = err;
	const char *lines[] = {
		"14: step 2 (walk): expected pa=0x90000000, got pa=0x90000234\n",
		"16: step 3 (walk): expected fault reason=permission, got ok "
		"pa=0x90000234 size=0x1000 perm=rw level=",
		"18: step 4 (walk): expected walk=1, got walk=0\n",
		"20: step 5 (walk): expected level=-, got level=",
		"25: step 6 (tables): error: ",
		"30: step 7 (tables): error: ",
		"36: step 8 (tables): error: ",
		"38: step 9 (tables): expected root=0x80400001, got "
		"root=0x80400000\n",
		"42: step 11 (walk): expected ok, got fault reason=translation ",
		/* No room for the root: the step's own line. */
		"43: step 12 (tables): error: ",
	};
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		snprintf(want, sizeof want, "%s:%s", scn, lines[i]);
		STARTS(e, want);
		e = strchr(e, '\n');
		ck_assert_ptr_nonnull(e);
		e++;
	}
	ck_assert_str_eq(e, "");
	/* The builder is given one mapping at a time; its messages must not
	 * name them all "mapping 0". */
	ck_assert_ptr_null(strstr(err, "mapping 0"));
	ck_assert_ptr_nonnull(strstr(err, "this mapping"));
	/* The mapping before the refused one was built. */
	ck_assert_ptr_nonnull(strstr(out, "walk fmt=" FMT " iova=0x10000000 "
					  "acc=r priv=u -> ok pa=0x1000 "));
}
END_TEST

/* The accesses a walk makes, learnt from the library on the same tables,
 * must match in a scenario; one changed value, one access more or less,
 * must not, at the access's own line. */
START_TEST(test_scenario_accesses)
{
	struct iref_walk_cfg cfg;
	ck_assert_int_eq(iref_walk_cfg_init(&cfg, FMT, NULL), IREF_OK);
	ck_assert_int_eq(iref_walk_cfg_set(&cfg, "ade", "true", NULL), IREF_OK);
	struct iref_pool pool = {POOL, POOL + 0x100000};
	struct iref_mem m = iref_sparse_mem_as_mem(sm);
	ck_assert_int_eq(iref_build(&cfg, m, &pool, maps, 3, NULL), IREF_OK);
	struct iref_walk_req wr = {.addr = 0x5008, .access = IREF_ACC_WRITE};
	struct iref_walk_result res;
	ck_assert_int_eq(iref_walk(&cfg, m, &wr, &res), IREF_OK);
	ck_assert(res.ok);
	ck_assert_uint_ge(res.n_acc, 3);

	for (int variant = 0; variant < 4; variant++) {
		char text[8192];
		size_t len = (size_t)snprintf(text, sizeof text,
					      "%s  - walk: {tables: t, addr: "
					      "0x5008, access: write}\n"
					      "    expect:\n"
					      "      accesses:\n",
					      tables_step);
		/* Line 16 holds the first access. */
		unsigned n = res.n_acc + (variant == 2) - (variant == 3);
		for (unsigned k = 0; k < n; k++) {
			const struct iref_walk_access *a =
				&res.acc[k < res.n_acc ? k : 0];
			ull value = a->value ^ (variant == 1 && k == 1);
			len += (size_t)snprintf(
				text + len, sizeof text - len,
				"        - {kind: %s, stage: %u, level: %d, "
				"addr: 0x%llx, value: 0x%llx}\n",
				a->kind == IREF_WALK_WR ? "write" : "read",
				a->stage, a->level, (ull)a->addr, value);
		}
		char want[1024];
		int rc = run_scn(text);
		switch (variant) {
		case 0:
			ck_assert_int_eq(rc, 0);
			ck_assert_str_eq(err, "");
			continue;
		case 1:
			snprintf(want, sizeof want,
				 "%s:17: step 2 (walk): expected access 2 "
				 "value=0x%llx, got access 2 value=0x%llx\n",
				 scn, (ull)res.acc[1].value ^ 1,
				 (ull)res.acc[1].value);
			break;
		case 2:
			snprintf(want, sizeof want,
				 "%s:%u: step 2 (walk): expected access %u "
				 "kind=",
				 scn, 16 + res.n_acc, res.n_acc + 1);
			break;
		case 3: /* at the line of the last access listed */
			snprintf(want, sizeof want,
				 "%s:%u: step 2 (walk): expected no access %u, "
				 "got access %u %s stage=",
				 scn, 14 + res.n_acc, res.n_acc, res.n_acc,
				 res.acc[res.n_acc - 1].kind == IREF_WALK_WR
					 ? "write"
					 : "read");
			break;
		}
		ck_assert_int_eq(rc, 1);
		STARTS(err, want);
		if (variant == 2)
			ck_assert_ptr_nonnull(strstr(err, ", got no access "));
	}
}
END_TEST

/* Every prefix of a scenario using the walk steps loads or is refused
 * with a position; none crashes the command. */
START_TEST(test_scenario_truncated)
{
	char text[4096];
	int len = snprintf(
		text, sizeof text,
		"%s"
		"  - walk: {tables: t, addr: 0x1234, access: read,\n"
		"           s2: {format: " FMT_S2 ", root: 0x81000000}}\n"
		"    expect: {fault: translation, stage: 2, level: none}\n"
		"  - walk: {format: " FMT ", root: 0x80000000, addr: 0x5000,\n"
		"           access: write, privilege: supervisor}\n"
		"    expect:\n"
		"      accesses: [{kind: read, stage: 1, level: 2, addr: 0x0,\n"
		"                  value: 0x1}, {}]\n",
		tables_step);
	ck_assert_int_lt(len, (int)sizeof text);
	for (int n = 0; n <= len; n += 5) {
		char cut = text[n];
		text[n] = '\0';
		int rc = run_scn(text);
		text[n] = cut;
		ck_assert_msg(rc >= 0 && rc <= 2, "exit %d: %s", rc, err);
		if (rc == 2)
			STARTS(err, scn);
	}
}
END_TEST

/* A nested walk step naming both stages' tables. */
START_TEST(test_scenario_nested)
{
	char text[4096];
	snprintf(text, sizeof text,
		 "%s"
		 "  - tables:\n"
		 "      format: " FMT_S2 "\n"
		 "      pool: {start: 0x81000000, end: 0x810fffff}\n"
		 "      name: g\n"
		 "      mappings:\n"
		 "        - {va: 0x80000000, pa: 0x80000000, size: 0x200000, perm: [read, write]}\n"
		 "        - {va: 0x90000000, pa: 0xb0000000, size: 0x1000, perm: [read, write]}\n"
		 "  - walk: {tables: t, addr: 0x1234, access: read, s2: {tables: g}}\n"
		 "    expect: {pa: 0xb0000234, size: 0x1000}\n"
		 "  - walk: {tables: t, addr: 0x3ffff8, access: read, s2: {tables: g}}\n"
		 "    expect: {fault: translation, stage: 2, walk: false}\n"
		 "  - walk:\n"
		 "      format: " FMT "\n"
		 "      root: 0x70000000\n"
		 "      addr: 0x1234\n"
		 "      access: read\n"
		 "      s2: {format: " FMT_S2 ", root: 0x81000000}\n"
		 "    expect: {fault: translation, stage: 2, walk: true, addr: 0x1234}\n",
		 tables_step);
	ck_assert_int_eq(run_scn(text), 0);
	ck_assert_str_eq(err, "");
	STARTS(line_of(out, 2), "walk fmt=" FMT "/" FMT_S2 " iova=0x1234 acc=r "
				"priv=u -> ok pa=0xb0000234 size=0x1000 ");
	ck_assert_ptr_nonnull(strstr(line_of(out, 4), " stage=2 walk=1 "));
}
END_TEST

/* docs/walk-oracle.md's worked example: hand-written tables, the exact
 * output, and the document quoting both the command and the output. */
START_TEST(test_worked_example)
{
	const char *ex = IREF_SOURCE_DIR "/examples/walk";
	char args[1024], path[512];
	snprintf(args, sizeof args,
		 "walk --format riscv-sv39 --opt ade=true --root 0x80000000 "
		 "--mem '%s/sv39.img' --requests '%s/sv39.req' --show-accesses",
		 ex, ex);
	ck_assert_int_eq(run(args, ""), 0);
	ck_assert_str_eq(err, "");
	snprintf(path, sizeof path, "%s/sv39.out", ex);
	char *want = slurp(path);
	ck_assert_str_eq(out, want);
	char *doc = slurp(IREF_SOURCE_DIR "/docs/walk-oracle.md");
	ck_assert_ptr_nonnull(strstr(doc, "iommu-ref walk --format riscv-sv39 "
					  "--opt ade=true --root 0x80000000 "
					  "--mem sv39.img --requests sv39.req "
					  "--show-accesses"));
	ck_assert_ptr_nonnull(strstr(doc, want));
	free(doc);
	free(want);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("walk_cli");
	TCase *tc = tcase_create("walk");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_walk_lines);
	tcase_add_test(tc, test_walk_bad_lines);
	tcase_add_test(tc, test_walk_usage);
	tcase_add_test(tc, test_walk_stream);
	tcase_add_test(tc, test_walk_nested);
	tcase_add_test(tc, test_walk_show_accesses);
	tcase_add_test(tc, test_walk_garbage);
	tcase_add_test(tc, test_worked_example);
	suite_add_tcase(s, tc);
	tc = tcase_create("scenario");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_scenario_steps);
	tcase_add_test(tc, test_scenario_errors);
	tcase_add_test(tc, test_scenario_mismatch);
	tcase_add_test(tc, test_scenario_accesses);
	tcase_add_test(tc, test_scenario_nested);
	tcase_add_test(tc, test_scenario_truncated);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return iref_test_run(suite());
}
