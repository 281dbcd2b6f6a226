/* Options of the riscv walker formats (walkers/riscv.c; docs/walkers.md). */
#ifndef IREF_WALK_RISCV_H
#define IREF_WALK_RISCV_H

#include <stdbool.h>
#include <stdint.h>

/* Placeholder until the riscv walker defines its options. */
struct iref_riscv_cfg {
	uint32_t variant;
};

#endif
