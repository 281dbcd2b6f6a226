/* Options of the arm walker formats (walkers/arm.c; docs/walkers.md). */
#ifndef IREF_WALK_ARM_H
#define IREF_WALK_ARM_H

#include <stdbool.h>
#include <stdint.h>

/* Placeholder until the arm walker defines its options. */
struct iref_arm_cfg {
	uint32_t variant;
};

#endif
