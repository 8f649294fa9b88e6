/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scenario_rows.h"

void scn_assert_refused(const struct scn_bad_row *rows, size_t n)
{
	unsigned wrong = 0;
	for (size_t i = 0; i < n; i++) {
		const struct scn_bad_row *b = &rows[i];
		tdxsim_scenario_t *scn = (tdxsim_scenario_t *)1; /* the loader must clear it */
		tdxsim_scenario_diag_t d;
		tdxsim_err_t err =
			tdxsim_scenario_load_buffer("bad.yaml", b->yaml, strlen(b->yaml), &scn, &d);
		if (err != TDXSIM_ERR_BAD_CONFIG || scn) {
			print_error("%s: loaded (err %d)\n", b->name, err);
			tdxsim_scenario_free(err ? NULL : scn);
			wrong++;
		} else if (strcmp(d.file, "bad.yaml") || d.line != b->line ||
			   (b->col && d.column != b->col) || !strstr(d.message, b->message)) {
			print_error("%s: got %s:%u:%u: %s\n  expected line %u col %u with \"%s\"\n", b->name,
				    d.file, d.line, d.column, d.message, b->line, b->col, b->message);
			wrong++;
		}
	}
	assert_int_equal(wrong, 0);
}

tdxsim_scenario_t *scn_load_ok(const char *yaml)
{
	tdxsim_scenario_t *scn;
	tdxsim_scenario_diag_t d;
	if (tdxsim_scenario_load_buffer("good.yaml", yaml, strlen(yaml), &scn, &d))
		fail_msg("%u:%u: %s", d.line, d.column, d.message);
	return scn;
}

tdxsim_scenario_result_t *scn_run_ok(const char *yaml)
{
	tdxsim_scenario_t *scn = scn_load_ok(yaml);
	tdxsim_scenario_result_t *res;
	assert_int_equal(tdxsim_scenario_run(scn, NULL, &res), TDXSIM_OK);
	tdxsim_scenario_free(scn);
	return res;
}

void scn_print_report(const tdxsim_scenario_result_t *res)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	tdxsim_scenario_report(&res, 1, TDXSIM_REPORT_HUMAN, false, f);
	fclose(f);
	print_error("%s", text);
	free(text);
}
