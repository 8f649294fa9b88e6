/* SPDX-License-Identifier: MIT */
/*
 * `tdxsim-run --list`: every name it prints for every kind is one a scenario accepts, with the
 * value the list shows; unknown kinds are refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "tdxsim/scenario.h"

static char *list(const char *what)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_int_equal(tdxsim_scenario_list_names(what, f), TDXSIM_OK);
	fclose(f);
	return text;
}

/* Loads "assert: NAME == VALUE" (NAME[last] for arrays): fails if the name is unknown to the
 * loader or stands for another value. */
static void check_name(const char *what, const char *line)
{
	char name[128], yaml[512];
	unsigned long long value;
	unsigned count = 1;
	int n = sscanf(line, "%127s 0x%llx [%u]", name, &value, &count);
	if (n < 2)
		fail_msg("%s: malformed line '%s'", what, line);
	snprintf(yaml, sizeof(yaml), "steps:\n  - assert: \"%s%s == 0x%llx\"\n", name, count > 1 ? "[0]" : "",
		 value);
	if (count > 1) /* and the last element: element k has id (id + k) */
		snprintf(yaml + strlen(yaml), sizeof(yaml) - strlen(yaml),
			 "  - assert: \"%s[%u] == 0x%llx\"\n", name, count - 1, value + count - 1);
	tdxsim_scenario_t *scn = NULL;
	tdxsim_scenario_diag_t d;
	if (tdxsim_scenario_load_buffer("list.yaml", yaml, strlen(yaml), &scn, &d))
		fail_msg("%s: %s: %u:%u: %s", what, name, d.line, d.column, d.message);
	tdxsim_scenario_result_t *res = NULL;
	assert_int_equal(tdxsim_scenario_run(scn, NULL, &res), TDXSIM_OK);
	if (!tdxsim_scenario_result_passed(res))
		fail_msg("%s: %s is not 0x%llx in a scenario", what, name, value);
	tdxsim_scenario_result_free(res);
	tdxsim_scenario_free(scn);
}

static void list__every_name_loads_with_its_value(void **state)
{
	static const char *const kinds[] = {"statuses", "leaves", "fields", "msrs", "operands", "constants"};
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		char *text = list(kinds[k]);
		unsigned lines = 0;
		for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			check_name(kinds[k], line);
			lines++;
		}
		if (!lines)
			fail_msg("--list %s printed nothing", kinds[k]);
		free(text);
	}
}

/* The lists come from the library's tables: the software status and loader calls are there. */
static void list__carries_own_statuses_and_loader_calls(void **state)
{
	char *s = list("statuses"), *l = list("leaves");
	assert_non_null(strstr(s, "TDXSIM_STATUS_NOT_EMULATED 0x8000ff00e0e00000\n"));
	assert_non_null(strstr(s, "TDX_OPERAND_BUSY 0x8000020000000000\n"));
	assert_non_null(strstr(l, "TDH.SYS.INIT 0x21\n"));
	assert_non_null(strstr(l, "P-SEAMLDR.INSTALL 0x8000000000000001\n"));
	free(s);
	free(l);
}

static void list__unknown_kind_refused(void **state)
{
	assert_int_equal(tdxsim_scenario_list_names("status", stdout), TDXSIM_ERR_INVALID_ARG);
	assert_int_equal(tdxsim_scenario_list_names(NULL, stdout), TDXSIM_ERR_INVALID_ARG);
	assert_int_equal(tdxsim_scenario_list_names("leaves", NULL), TDXSIM_ERR_INVALID_ARG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(list__every_name_loads_with_its_value),
		cmocka_unit_test(list__carries_own_statuses_and_loader_calls),
		cmocka_unit_test(list__unknown_kind_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
