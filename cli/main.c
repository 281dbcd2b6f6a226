/* iommu-ref: the command line (docs/cli.md). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner.h"
#include "walkcmd.h"

#define USAGE                                                              \
	"usage: iommu-ref run FILE.yaml [--quiet]\n"                        \
	"       iommu-ref walk --format FMT [--opt KEY=VALUE]... --root ADDR\n" \
	"                      --mem IMAGE... [--requests FILE]\n"          \
	"                      [--s2-format FMT [--s2-opt KEY=VALUE]...\n"  \
	"                       --s2-root ADDR] [--show-accesses]\n"        \
	"       iommu-ref --help | --version\n"

static const char usage[] = USAGE;

static const char help[] =
	"iommu-ref: a reference virtio-iommu model\n"
	"\n" USAGE "\n"
	"run      load the YAML scenario FILE, run its steps against a fresh\n"
	"         device, print one results line per step and a summary\n"
	"         line \"N passed, M failed\"\n"
	"--quiet  print only the summary line and the failures\n"
	"\n"
	"walk     load the memory images (page tables), read request lines\n"
	"         \"ADDR ACCESS [PRIV]\" (ACCESS r|w|x, PRIV u|s, default u)\n"
	"         from FILE or standard input and print one results line\n"
	"         per request; --s2-* make the walk nested (two stages);\n"
	"         --show-accesses adds one indented line per memory access\n"
	"\n"
	"exit status: 0 every expectation holds (run) or every request was\n"
	"walked (walk), 1 some expectations do not hold (each is reported\n"
	"on stderr as FILE:LINE: step N (KIND): expected X, got Y), 2 the\n"
	"command line or an input cannot be used (FILE:LINE:COLUMN: message).\n";

static bool is(const char *arg, const char *a, const char *b)
{
	return !strcmp(arg, a) || (b && !strcmp(arg, b));
}

static int usage_error(const char *fmt, const char *arg)
{
	fputs("iommu-ref: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\n", stderr);
	fputs(usage, stderr);
	return 2;
}

static int run(int argc, char **argv)
{
	const char *file = NULL;
	bool quiet = false;
	for (int i = 0; i < argc; i++) {
		if (is(argv[i], "--quiet", "-q"))
			quiet = true;
		else if (argv[i][0] == '-' && argv[i][1])
			return usage_error("unknown option '%s'", argv[i]);
		else if (file)
			return usage_error("run takes one file, not '%s'",
					   argv[i]);
		else
			file = argv[i];
	}
	if (!file)
		return usage_error("run needs a scenario file%s", "");
	return cli_run(file, quiet, stdout, stderr);
}

/* The walk options that take a value, as "--name VALUE" or
 * "--name=VALUE". */
enum walk_opt {
	W_FORMAT, W_OPT, W_ROOT, W_MEM, W_REQUESTS,
	W_S2_FORMAT, W_S2_OPT, W_S2_ROOT, W_COUNT,
};

static const char *const walk_opt_names[W_COUNT] = {
	"--format", "--opt", "--root", "--mem", "--requests",
	"--s2-format", "--s2-opt", "--s2-root",
};

/* Store one option's value; false (after the message) if it cannot. */
static bool walk_value(struct walk_opts *o, enum walk_opt k, const char *v)
{
	const char **single[W_COUNT] = {
		[W_FORMAT] = &o->s1.format, [W_ROOT] = &o->s1.root,
		[W_REQUESTS] = &o->requests, [W_S2_FORMAT] = &o->s2.format,
		[W_S2_ROOT] = &o->s2.root,
	};
	if (k == W_OPT) {
		o->s1.opts[o->s1.n_opts++] = v;
	} else if (k == W_S2_OPT) {
		o->s2.opts[o->s2.n_opts++] = v;
	} else if (k == W_MEM) {
		o->mems[o->n_mems++] = v;
	} else if (*single[k]) {
		usage_error("%s given twice", walk_opt_names[k]);
		return false;
	} else {
		*single[k] = v;
	}
	return true;
}

static int walk(int argc, char **argv)
{
	/* Lists of repeated options point into argv; argc bounds each. */
	const char **lists = calloc(3 * (size_t)argc + 1, sizeof *lists);
	if (!lists) {
		fputs("iommu-ref: out of memory\n", stderr);
		return 2;
	}
	struct walk_opts o = {
		.s1.opts = lists, .s2.opts = lists + argc,
		.mems = lists + 2 * argc,
	};
	int rc = 2;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (is(a, "--show-accesses", NULL)) {
			o.show_accesses = true;
			continue;
		}
		const char *eq = strchr(a, '=');
		size_t n = eq ? (size_t)(eq - a) : strlen(a);
		int k = 0;
		while (k < W_COUNT && (strlen(walk_opt_names[k]) != n ||
				       strncmp(a, walk_opt_names[k], n)))
			k++;
		if (k == W_COUNT) {
			usage_error(a[0] == '-' ? "unknown option '%s'"
						: "walk takes no argument '%s' "
						  "(requests come from "
						  "--requests or stdin)",
				    a);
			goto out;
		}
		const char *v = eq ? eq + 1 : i + 1 < argc ? argv[++i] : NULL;
		if (!v) {
			usage_error("%s needs a value", walk_opt_names[k]);
			goto out;
		}
		if (!walk_value(&o, (enum walk_opt)k, v))
			goto out;
	}
	const char *missing = !o.s1.format ? "--format"
			      : !o.s1.root ? "--root"
			      : !o.n_mems  ? "--mem"
					   : NULL;
	bool s2 = o.s2.format || o.s2.root || o.s2.n_opts;
	if (!missing && s2)
		missing = !o.s2.format ? "--s2-format"
			  : !o.s2.root ? "--s2-root"
				       : NULL;
	if (missing)
		usage_error("walk needs %s", missing);
	else
		rc = cli_walk(&o, stdin, stdout, stderr);
out:
	free(lists);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc == 2 && is(argv[1], "--help", "-h")) {
		fputs(help, stdout);
		return 0;
	}
	if (argc == 2 && is(argv[1], "--version", NULL)) {
		puts("iommu-ref " IREF_VERSION);
		return 0;
	}
	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	if (is(argv[1], "run", NULL))
		return run(argc - 2, argv + 2);
	if (is(argv[1], "walk", NULL))
		return walk(argc - 2, argv + 2);
	return usage_error("unknown command '%s'", argv[1]);
}
