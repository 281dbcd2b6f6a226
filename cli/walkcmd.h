/* `iommu-ref walk` (docs/cli.md): page tables in memory images, a stream
 * of requests in, one results line per request out. */
#ifndef IREF_CLI_WALKCMD_H
#define IREF_CLI_WALKCMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* One stage as the command line gives it; NULL where not given. */
struct walk_stage_opts {
	const char *format, *root;
	const char **opts; /* "KEY=VALUE", applied in order */
	size_t n_opts;
};

struct walk_opts {
	struct walk_stage_opts s1, s2; /* s2.format NULL: one stage */
	const char **mems;             /* images, loaded in order */
	size_t n_mems;
	const char *requests;          /* NULL or "-": in */
	bool show_accesses;
};

/* Run the command; returns the exit status: 0 every request was walked
 * (faults included), 2 a format, option, image or request line cannot be
 * used (reported on err; the lines of the requests before a bad one are
 * on out). */
int cli_walk(const struct walk_opts *o, FILE *in, FILE *out, FILE *err);

#endif
