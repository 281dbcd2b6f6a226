/* Running a loaded scenario: build the device, execute the steps in order,
 * print a results line per step and check the expectations. */
#ifndef IREF_CLI_RUNNER_H
#define IREF_CLI_RUNNER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "iommu-ref/error.h"
#include "iommu-ref/iommu.h"
#include "iommu-ref/mem.h"
#include "results.h"
#include "scenario.h"

/* The device of a run, the memory behind it, and the root of the tables
 * each tables step built (by step index; 0 before it runs). */
struct scenario_dev {
	struct iref_sparse_mem *mem;
	struct iref_iommu *dev;
	uint64_t *roots;
};

/* Create memory and device, declare the endpoints, load memory, set the
 * event mode and negotiate. On failure (false) diag names the scenario
 * line responsible, or the memory image's own line for an image error,
 * and nothing is left allocated. */
bool scenario_setup(const struct scenario *s, struct scenario_dev *d,
		    struct iref_diag *diag);
void scenario_teardown(struct scenario_dev *d);

/* Verdicts, and on a device with timing what the summary needs: cycles
 * summed over dma and req steps (saturating), the number of req steps,
 * and every dma step's cycles in step order. Start from all-zero. */
struct run_totals {
	unsigned passed, failed;
	uint64_t cycles;
	size_t n_req;
	uint64_t *dma_cycles;
	size_t n_dma, cap_dma;
};

/* Run every step on d (from scenario_setup). Results lines go to out
 * (NULL: none), one "FILE:LINE: step N (KIND): ..." message per failed
 * step to err. Totals add up over calls; free them with
 * run_totals_free(). */
void scenario_run_steps(const struct scenario *s, struct scenario_dev *d,
			FILE *out, FILE *err, struct run_totals *totals);
void run_totals_free(struct run_totals *t);

/* The timing summary of t (sorts t->dma_cycles). */
void run_totals_timing(struct run_totals *t, struct timing_summary *s);

/* Print a diagnostic as "FILE:LINE:COLUMN: message". */
void cli_print_diag(FILE *f, const struct iref_diag *diag);

/* `iommu-ref run PATH`: load, set up, run, print the timing summary line
 * (a device with timing only) and the summary line.
 * Returns the exit status: 0 all expectations hold, 1 some do not, 2 the
 * input cannot be used. */
int cli_run(const char *path, bool quiet, FILE *out, FILE *err);

#endif
