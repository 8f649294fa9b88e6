/* SPDX-License-Identifier: MIT */
/* Helpers for the scenario tests (test_scenario_*.c, which link the scenario library). */
#ifndef TDXSIM_TEST_SCENARIO_ROWS_H
#define TDXSIM_TEST_SCENARIO_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "tdxsim/scenario.h"

/* A scenario the loader must refuse, and where and why. */
struct scn_bad_row {
	const char *name;
	const char *yaml;
	uint32_t line, col;  /* col 0: any column */
	const char *message; /* a substring of the message */
};

/* Loads each row as "bad.yaml" and fails the test unless every one is refused with
 * TDXSIM_ERR_BAD_CONFIG, no scenario, and that file, line, column and message; each row that is
 * not is printed first. */
void scn_assert_refused(const struct scn_bad_row *rows, size_t n);

/* Loads @yaml as "good.yaml"; fails the test with line:col: message if it does not load. */
tdxsim_scenario_t *scn_load_ok(const char *yaml);

/* Loads and runs @yaml with default options (both must succeed); the caller frees the result. */
tdxsim_scenario_result_t *scn_run_ok(const char *yaml);

/* Prints the human report of @res as a test error message (for a run that did not pass). */
void scn_print_report(const tdxsim_scenario_result_t *res);

/* The start of a scenario that leaves a RUNNABLE TD a: one vCPU created on LP 1 and one
 * measured page at GPA 0x10000 (tables for 0..2 MiB); host calls go to LP 0 unless told. */
#define SCN_RUNNABLE_TD_A                                    \
	"platform: {packages: 1, lps_per_package: 2}\n"      \
	"steps:\n"                                           \
	"  - bringup: all\n"                                 \
	"  - td_create: a\n"                                 \
	"  - td_vcpu: {td: a}\n"                             \
	"    lp: 1\n"                                        \
	"  - td_add_pages: {td: a, gpa: 0x10000, fill: 0}\n" \
	"  - td_finalize: a\n"

#endif
