/* Shared helpers of the Check test programs. */
#ifndef IREF_TESTUTIL_H
#define IREF_TESTUTIL_H

#include <check.h>
#include <stddef.h>

#include "runner.h"
#include "scenario.h"

/* Run one suite with CK_NORMAL output; returns the process exit status. */
int iref_test_run(Suite *s);

/* Parse a scenario text named "t.yaml" (images relative to the current
 * directory); NULL with diag filled on error. */
struct scenario *iref_test_parse(const char *text, struct iref_diag *diag);

/* What running a scenario printed, and its totals. */
struct iref_test_output {
	char *out, *err;
	size_t out_len, err_len;
	struct run_totals t;
};

/* Load, set up and run every step of a scenario text, capturing stdout
 * and stderr; asserts that loading and setup succeed. */
void iref_test_run_text(const char *text, struct iref_test_output *o);
void iref_test_output_free(struct iref_test_output *o);

#endif
