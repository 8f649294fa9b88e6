/* SPDX-License-Identifier: MIT */
/*
 * The version (tdxsim/version.h): the header's macros are project(VERSION) of CMakeLists.txt
 * (the build passes it as TDXSIM_TEST_PROJECT_VERSION), and tdxsim_version() returns the same
 * numbers at run time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tdxsim/tdxsim.h"

static void version__header_is_project_version(void **state)
{
	char buf[64];
	snprintf(buf, sizeof(buf), "%d.%d.%d", TDXSIM_VERSION_MAJOR, TDXSIM_VERSION_MINOR,
		 TDXSIM_VERSION_PATCH);
	assert_string_equal(buf, TDXSIM_TEST_PROJECT_VERSION);
	assert_string_equal(TDXSIM_VERSION_STRING, TDXSIM_TEST_PROJECT_VERSION);
}

static void version__runtime_matches_header(void **state)
{
	unsigned major = 1000, minor = 1000, patch = 1000;
	const char *s = tdxsim_version(&major, &minor, &patch);
	assert_int_equal(major, TDXSIM_VERSION_MAJOR);
	assert_int_equal(minor, TDXSIM_VERSION_MINOR);
	assert_int_equal(patch, TDXSIM_VERSION_PATCH);
	assert_string_equal(s, TDXSIM_VERSION_STRING);
}

static void version__null_outputs_allowed(void **state)
{
	unsigned minor = 1000;
	assert_string_equal(tdxsim_version(NULL, &minor, NULL), TDXSIM_VERSION_STRING);
	assert_int_equal(minor, TDXSIM_VERSION_MINOR);
}

static void version__number_orders_releases(void **state)
{
	assert_int_equal(TDXSIM_VERSION, TDXSIM_VERSION_NUMBER(TDXSIM_VERSION_MAJOR, TDXSIM_VERSION_MINOR,
							       TDXSIM_VERSION_PATCH));
	assert_true(TDXSIM_VERSION_NUMBER(0, 2, 0) > TDXSIM_VERSION_NUMBER(0, 1, 9));
	assert_true(TDXSIM_VERSION_NUMBER(1, 0, 0) > TDXSIM_VERSION_NUMBER(0, 255, 255));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(version__header_is_project_version),
		cmocka_unit_test(version__runtime_matches_header),
		cmocka_unit_test(version__null_outputs_allowed),
		cmocka_unit_test(version__number_orders_releases),
	};
	return cmocka_run_group_tests_name("version", tests, NULL, NULL);
}
