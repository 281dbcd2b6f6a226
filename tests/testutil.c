#define _GNU_SOURCE /* open_memstream */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int iref_test_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

struct scenario *iref_test_parse(const char *text, struct iref_diag *diag)
{
	*diag = (struct iref_diag){0};
	return scenario_parse(text, strlen(text), "t.yaml", "", diag);
}

void iref_test_run_text(const char *text, struct iref_test_output *o)
{
	struct iref_diag diag;
	struct scenario *s = iref_test_parse(text, &diag);
	ck_assert_msg(s, "load: %u:%u: %s", diag.line, diag.column, diag.msg);
	struct scenario_dev d;
	ck_assert_msg(scenario_setup(s, &d, &diag), "setup: %s", diag.msg);
	*o = (struct iref_test_output){0};
	FILE *out = open_memstream(&o->out, &o->out_len);
	FILE *err = open_memstream(&o->err, &o->err_len);
	ck_assert(out && err);
	scenario_run_steps(s, &d, out, err, &o->t);
	fclose(out);
	fclose(err);
	scenario_teardown(&d);
	scenario_free(s);
}

void iref_test_output_free(struct iref_test_output *o)
{
	free(o->out);
	free(o->err);
	run_totals_free(&o->t);
}
