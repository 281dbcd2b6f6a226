/* Options of the amd walker formats (walkers/amd.c; docs/walkers.md). */
#ifndef IREF_WALK_AMD_H
#define IREF_WALK_AMD_H

#include <stdbool.h>
#include <stdint.h>

/* Placeholder until the amd walker defines its options. */
struct iref_amd_cfg {
	uint32_t variant;
};

#endif
