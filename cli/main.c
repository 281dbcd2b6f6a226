/* iommu-ref: the command line (docs/cli.md). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "runner.h"

/* Keep in step with project(VERSION) in CMakeLists.txt. */
#define IREF_CLI_VERSION "0.1.0"

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

int main(int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(help, stdout);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "--version")) {
		puts("iommu-ref " IREF_CLI_VERSION);
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "run")) {
		const char *file = NULL;
		bool quiet = false, bad = false;
		for (int i = 2; i < argc && !bad; i++) {
			if (!strcmp(argv[i], "--quiet") || !strcmp(argv[i], "-q")) {
				quiet = true;
			} else if (argv[i][0] == '-' && argv[i][1]) {
				fprintf(stderr, "iommu-ref: unknown option '%s'\n",
					argv[i]);
				bad = true;
			} else if (file) {
				fprintf(stderr, "iommu-ref: run takes one file\n");
				bad = true;
			} else {
				file = argv[i];
			}
		}
		if (file && !bad)
			return cli_run(file, quiet, stdout, stderr);
		if (!bad)
			fprintf(stderr, "iommu-ref: run needs a scenario file\n");
	} else if (argc >= 2) {
		fprintf(stderr, "iommu-ref: unknown command '%s'\n", argv[1]);
	}
	fputs(usage, stderr);
	return 2;
}
