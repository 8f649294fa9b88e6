/* SPDX-License-Identifier: MIT */
/*
 * Bounds of the scenario loader on hostile input: nesting deeper than the documented limit
 * (64 levels, docs/scenarios.md) is refused at the collection that crosses it, with its
 * file:line:col, before libyaml builds the document.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "tdxsim/scenario.h"

/* "steps: " then @depth times @open (and as many @close when @closed). */
static char *nested(unsigned depth, const char *open, const char *close, bool closed)
{
	size_t lo = strlen(open), lc = strlen(close), n = 8 + depth * (lo + lc) + 2;
	char *s = malloc(n), *p = s;
	assert_non_null(s);
	p += sprintf(p, "steps: ");
	for (unsigned i = 0; i < depth; i++)
		p = memcpy(p, open, lo), p += lo;
	for (unsigned i = 0; closed && i < depth; i++)
		p = memcpy(p, close, lc), p += lc;
	*p++ = '\n';
	*p = 0;
	return s;
}

static tdxsim_err_t load(const char *yaml, tdxsim_scenario_diag_t *d)
{
	tdxsim_scenario_t *scn = NULL;
	tdxsim_err_t err = tdxsim_scenario_load_buffer("deep.yaml", yaml, strlen(yaml), &scn, d);
	tdxsim_scenario_free(scn);
	return err;
}

static const struct {
	const char *rule;
	unsigned depth; /* collections opened after "steps: " (the top mapping is level 1) */
	const char *open, *close;
	bool closed;
	uint32_t col; /* where the 65th level opens; 0: not refused for nesting */
} rows[] = {
	/* The 64th '[' is level 65: column 8 + 63. */
	{"brackets_100000_refused_at_level_65", 100000, "[", "]", true, 71},
	{"unclosed_brackets_refused_before_syntax", 100000, "[", "", false, 71},
	{"flow_mappings_refused", 1000, "{a: ", "}", true, 8 + 63 * 4},
	{"level_64_is_within_the_limit", 63, "[", "]", true, 0},
};

static void nesting__limit(void **state)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *yaml = nested(rows[i].depth, rows[i].open, rows[i].close, rows[i].closed);
		tdxsim_scenario_diag_t d;
		tdxsim_err_t err = load(yaml, &d);
		bool deep = strstr(d.message, "nested deeper than 64 levels") != NULL;
		if (rows[i].col) {
			if (err != TDXSIM_ERR_BAD_CONFIG || !deep || d.line != 1 || d.column != rows[i].col ||
			    strcmp(d.file, "deep.yaml"))
				fail_msg("%s: %s:%u:%u: %s", rows[i].rule, d.file, d.line, d.column,
					 d.message);
		} else if (deep) {
			/* Within the limit the loader goes on: steps[0] is no step. */
			fail_msg("%s: refused for nesting: %s", rows[i].rule, d.message);
		}
		free(yaml);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nesting__limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
