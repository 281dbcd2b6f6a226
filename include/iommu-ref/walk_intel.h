/* Options of the intel walker formats (walkers/intel.c; docs/walkers.md). */
#ifndef IREF_WALK_INTEL_H
#define IREF_WALK_INTEL_H

#include <stdbool.h>
#include <stdint.h>

/* Placeholder until the intel walker defines its options. */
struct iref_intel_cfg {
	uint32_t variant;
};

#endif
