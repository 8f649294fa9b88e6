/* SPDX-License-Identifier: MIT */
/*
 * The kernel-style logs of the host code behind the scenarios: tdxsim-run --verbose shows the
 * bring-up's log, and examples/host-lifecycle logs a whole boot. Each bring-up states the
 * private KeyID range the BIOS enabled exactly once, and a host that stops for lack of KeyIDs
 * still says which range it found.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "host_lifecycle.h"
#include "tdxsim/scenario.h"

#define KEYID_LINE "tdx: BIOS enabled: private KeyID range [32, 64)\n"

static unsigned count(const char *text, const char *what)
{
	unsigned n = 0;
	for (const char *p = text; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

static void lifecycle__keyid_range_logged_once_per_boot(void **state)
{
	(void)state;
	tdxsim_config_t cfg;
	tdxsim_t *sim;
	struct lc_host h;
	char *text = NULL;
	size_t len = 0;
	tdxsim_config_init(&cfg);
	cfg.module = TDXSIM_MODULE_NEXT; /* has TDH.SYS.DISABLE, for the kexec below */
	assert_int_equal(tdxsim_create(&cfg, &sim), TDXSIM_OK);
	FILE *log = open_memstream(&text, &len);
	lc_host_init(&h, sim, log);
	/* Boot: tdx_init(), then tdx_enable() with the module bring-up. */
	assert_int_equal(lc_tdx_init(&h), 0);
	assert_int_equal(lc_tdx_enable(&h), 0);
	fflush(log);
	assert_int_equal(count(text, KEYID_LINE), 1);
	assert_int_equal(count(text, "tdx: TDX module 1.5.99, 2 CMRs"), 1);
	assert_int_equal(count(text, "tdx: TDX module initialized\n"), 1);
	/* kexec: a new kernel boots on the same platform and logs its own bring-up, once. */
	assert_int_equal(lc_shutdown(&h, NULL), TDXSIM_TDX_SUCCESS);
	host_tdx_free(sim, &h.tdx);
	lc_host_init(&h, sim, log);
	assert_int_equal(lc_tdx_init(&h), 0);
	assert_int_equal(lc_tdx_enable(&h), 0);
	fclose(log);
	assert_int_equal(count(text, KEYID_LINE), 2);
	assert_int_equal(count(text, "tdx: TDX module initialized\n"), 2);
	free(text);
	tdxsim_destroy(sim);
}

static void lifecycle__too_few_keyids_names_the_range(void **state)
{
	(void)state;
	tdxsim_config_t cfg;
	tdxsim_t *sim;
	struct lc_host h;
	char *text = NULL;
	size_t len = 0;
	tdxsim_config_init(&cfg);
	cfg.num_tdx_keyids = 1;
	assert_int_equal(tdxsim_create(&cfg, &sim), TDXSIM_OK);
	FILE *log = open_memstream(&text, &len);
	lc_host_init(&h, sim, log);
	assert_int_equal(lc_tdx_init(&h), -ENODEV);
	fclose(log);
	assert_non_null(strstr(h.message, "too few private KeyIDs available (1, range [32, 33))"));
	assert_int_equal(count(text, "range [32, 33)"), 1);
	free(text);
	tdxsim_destroy(sim);
}

static void runner__verbose_log_of_bringup(void **state)
{
	(void)state;
	const char *y = "steps:\n  - bringup: all\n";
	tdxsim_scenario_t *scn;
	tdxsim_scenario_diag_t d;
	tdxsim_scenario_result_t *res;
	tdxsim_scenario_run_opts_t o;
	char *text = NULL;
	size_t len = 0;
	assert_int_equal(tdxsim_scenario_load_buffer("v.yaml", y, strlen(y), &scn, &d), TDXSIM_OK);
	tdxsim_scenario_run_opts_init(&o);
	o.log = open_memstream(&text, &len);
	assert_int_equal(tdxsim_scenario_run(scn, &o, &res), TDXSIM_OK);
	fclose(o.log);
	assert_true(tdxsim_scenario_result_passed(res));
	assert_int_equal(count(text, KEYID_LINE), 1);
	assert_int_equal(count(text, "tdx: TDX module initialized\n"), 1);
	free(text);
	tdxsim_scenario_result_free(res);
	tdxsim_scenario_free(scn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lifecycle__keyid_range_logged_once_per_boot),
		cmocka_unit_test(lifecycle__too_few_keyids_names_the_range),
		cmocka_unit_test(runner__verbose_log_of_bringup),
	};
	return cmocka_run_group_tests_name("scenario_host_log", tests, NULL, NULL);
}
