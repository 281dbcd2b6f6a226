/* iommu-ref: the command line (docs/cli.md). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "runner.h"

static const char usage[] =
	"usage: iommu-ref run FILE.yaml [--quiet]\n"
	"       iommu-ref --help | --version\n";

static const char help[] =
	"iommu-ref: a reference virtio-iommu model\n"
	"\n"
	"usage: iommu-ref run FILE.yaml [--quiet]\n"
	"       iommu-ref --help | --version\n"
	"\n"
	"run      load the YAML scenario FILE, run its steps against a fresh\n"
	"         device, print one results line per step and a summary\n"
	"         line \"N passed, M failed\"\n"
	"--quiet  print only the summary line and the failures\n"
	"\n"
	"exit status: 0 every expectation holds, 1 some do not (each is\n"
	"reported on stderr as FILE:LINE: step N (KIND): expected X, got Y),\n"
	"2 the command line or the scenario cannot be used\n"
	"(FILE:LINE:COLUMN: message).\n";

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
	return usage_error("unknown command '%s'", argv[1]);
}
