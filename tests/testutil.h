/* Shared helpers of the Check test programs. */
#ifndef IREF_TESTUTIL_H
#define IREF_TESTUTIL_H

#include <check.h>

/* Run one suite with CK_NORMAL output; returns the process exit status. */
int iref_test_run(Suite *s);

#endif
