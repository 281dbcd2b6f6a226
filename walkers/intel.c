/* Temporary placeholder so the library links while walkers/intel.c is being
 * written: the format's author replaces this whole file. No name selects
 * these objects (init refuses every name). */
#include "walk_core.h"

static bool placeholder_init(struct iref_walk_cfg *cfg, const char *name)
{
	(void)cfg;
	(void)name;
	return false;
}

const struct walk_fmt walk_fmt_intel_fs = {.init = placeholder_init};

const struct walk_fmt walk_fmt_intel_ss = {.init = placeholder_init};
