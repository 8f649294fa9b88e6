/* SPDX-License-Identifier: MIT */
/*
 * Name lookups of src/core/names.c: by name, by enumeration, and the status decoder of
 * `tdxsim-run --decode`. The expected values are the generated constants, so a row fails if
 * the lookup and the .def table disagree.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tdxsim/tdxsim.h"

/* ---- lookups by name ----------------------------------------------------------------------- */

static void field_by_name__scalar_and_array(void **state)
{
	uint64_t id = 0;
	unsigned count = 0;
	assert_true(tdxsim_field_by_name("MAX_TDMRS", &id, &count));
	assert_int_equal(id, TDXSIM_MD_MAX_TDMRS);
	assert_int_equal(count, 1);
	assert_true(tdxsim_field_by_name("CMR_BASE", &id, &count));
	assert_int_equal(id, TDXSIM_MD_CMR_BASE);
	assert_true(count > 1);
	/* The generated prefix is not part of the name; unknown and NULL names fail. */
	assert_false(tdxsim_field_by_name("MD_MAX_TDMRS", &id, &count));
	assert_false(tdxsim_field_by_name("NO_SUCH_FIELD", NULL, NULL));
	assert_false(tdxsim_field_by_name(NULL, &id, &count));
}

static void msr_by_name__address(void **state)
{
	uint32_t msr = 0;
	assert_true(tdxsim_msr_by_name("IA32_TME_ACTIVATE", &msr));
	assert_int_equal(msr, TDXSIM_MSR_IA32_TME_ACTIVATE);
	assert_false(tdxsim_msr_by_name("IA32_NO_SUCH", &msr));
	assert_false(tdxsim_msr_by_name(NULL, &msr));
}

static void operand_by_name__id(void **state)
{
	uint64_t id = 99;
	assert_true(tdxsim_operand_by_name("RCX", &id));
	assert_int_equal(id, TDXSIM_OPERAND_RCX);
	assert_true(tdxsim_operand_by_name("CPUID_CONFIG", &id));
	assert_int_equal(id, 0x45);
	assert_false(tdxsim_operand_by_name("OPERAND_RCX", &id));
	assert_false(tdxsim_operand_by_name(NULL, &id));
}

/* tdxsim's own software statuses have names both ways (the scenario runner and --decode use
 * them); TDXSIM_STATUS_NOT_EMULATED is what a leaf without emulation returns. */
static void own_statuses__named_both_ways(void **state)
{
	static const struct {
		const char *name;
		uint64_t value;
	} rows[] = {
		{"TDXSIM_STATUS_API_MISUSE", TDXSIM_STATUS_API_MISUSE},
		{"TDXSIM_STATUS_NO_MEMORY", TDXSIM_STATUS_NO_MEMORY},
		{"TDXSIM_STATUS_NOT_EMULATED", TDXSIM_STATUS_NOT_EMULATED},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char buf[96];
		uint64_t v = 0;
		assert_string_equal(tdxsim_status_name(rows[i].value, buf, sizeof(buf)), rows[i].name);
		assert_true(tdxsim_status_by_name(rows[i].name, &v));
		assert_int_equal(v, rows[i].value);
	}
}

/* ---- enumeration ----------------------------------------------------------------------------- */

/* Every entry of every table is found again by its lookup with the same value. */
static void name_at__round_trips_through_lookups(void **state)
{
	const char *name;
	uint64_t v, w;
	size_t n[5] = {0};
	for (int t = TDXSIM_NAMES_STATUSES; t <= TDXSIM_NAMES_OPERANDS; t++) {
		for (size_t i = 0; (name = tdxsim_name_at((tdxsim_name_table_t)t, i, &v)); i++, n[t]++) {
			uint32_t msr = 0;
			bool found = false;
			switch (t) {
			case TDXSIM_NAMES_STATUSES:
				found = tdxsim_status_by_name(name, &w);
				break;
			case TDXSIM_NAMES_LEAVES:
				w = (uint64_t)tdxsim_leaf_by_name(name);
				found = tdxsim_leaf_by_name(name) >= 0 &&
					!strcmp(tdxsim_leaf_name((uint32_t)v), name);
				break;
			case TDXSIM_NAMES_FIELDS:
				found = tdxsim_field_by_name(name, &w, NULL);
				break;
			case TDXSIM_NAMES_MSRS:
				found = tdxsim_msr_by_name(name, &msr);
				w = msr;
				break;
			case TDXSIM_NAMES_OPERANDS:
				found = tdxsim_operand_by_name(name, &w);
				break;
			}
			if (!found || v != w)
				fail_msg("table %d entry %zu %s: value 0x%llx, lookup 0x%llx", t, i, name,
					 (unsigned long long)v, (unsigned long long)w);
		}
		assert_true(n[t] > 0);
	}
	/* The statuses end with tdxsim's own. */
	assert_string_equal(tdxsim_name_at(TDXSIM_NAMES_STATUSES, n[0] - 1, &v),
			    "TDXSIM_STATUS_NOT_EMULATED");
	assert_string_equal(tdxsim_name_at(TDXSIM_NAMES_LEAVES, 0, &v), "TDH.VP.ENTER");
	assert_null(tdxsim_name_at((tdxsim_name_table_t)99, 0, &v));
}

/* Every leaf number has its table's name and nothing else has one: the leaf table's rows, then
 * every other 16-bit number (unknown numbers inside and past the leaf slots). */
static void leaf_name__every_number(void **state)
{
	const char *name;
	uint64_t v;
	bool named[1u << 16] = {false};
	for (size_t i = 0; (name = tdxsim_name_at(TDXSIM_NAMES_LEAVES, i, &v)); i++) {
		assert_true(v < (1u << 16));
		assert_false(named[v]); /* one row per number */
		named[v] = true;
		assert_string_equal(tdxsim_leaf_name((uint32_t)v), name);
	}
	for (uint32_t leaf = 0; leaf < (1u << 16); leaf++)
		if (!named[leaf])
			assert_null(tdxsim_leaf_name(leaf));
	assert_null(tdxsim_leaf_name(UINT32_MAX));
	assert_null(tdxsim_leaf_name(TDXSIM_NUM_LEAF_SLOTS));
}

/* ---- decoding ------------------------------------------------------------------------------ */

static const struct {
	const char *rule;
	uint64_t status;
	const char *lines[3]; /* each must appear in the decoded text */
} decode_rows[] = {
	{"operand_id_named",
	 0xC000010000000045,
	 {"0xc000010000000045 TDX_OPERAND_INVALID|CPUID_CONFIG\n",
	  "error (63): 1  non-recoverable (62): 1  fatal (61): 0  host hint (60): 0\n",
	  "operand id (31:0): 69 (0x45) CPUID_CONFIG\n"}},
	{"class_and_code",
	 0x8000020300000000,
	 {"TDX_RND_NO_ENTROPY\n", "class (47:40): 0x02 busy  code (39:32): 0x03\n",
	  "details (31:0): 0x00000000\n"}},
	{"packed_tdmr_bytes",
	 0xC0000A2000000301,
	 {"TDX_INVALID_RESERVED_IN_TDMR(0x00000301)\n", "class (47:40): 0x0a TDMR/PAMT configuration",
	  "details (31:0): 0x00000301 bytes 00 00 03 01"}},
	{"msr_address_named",
	 0xC000092100000982,
	 {"TDX_INCORRECT_MSR_VALUE(0x00000982)\n", "class (47:40): 0x09",
	  "details (31:0): 0x00000982 MSR IA32_TME_ACTIVATE\n"}},
	{"software_code_exact",
	 0x8000FF00E0E00000,
	 {"TDXSIM_STATUS_NOT_EMULATED\n", "class (47:40): 0xff software",
	  "details (31:0): 0xe0e00000, part of the code\n"}},
	{"unknown_status_bytes",
	 0x1234000000000001,
	 {"UNKNOWN(0x1234000000000001)\n", "class (47:40): 0x00", "bytes 00 00 00 01"}},
};

static void decode__rules(void **state)
{
	for (size_t i = 0; i < sizeof(decode_rows) / sizeof(decode_rows[0]); i++) {
		char buf[512];
		tdxsim_status_decode(decode_rows[i].status, buf, sizeof(buf));
		for (int k = 0; k < 3; k++)
			if (!strstr(buf, decode_rows[i].lines[k]))
				fail_msg("%s: \"%s\" not in:\n%s", decode_rows[i].rule,
					 decode_rows[i].lines[k], buf);
	}
}

/* A short buffer holds a truncated, terminated prefix. */
static void decode__truncates(void **state)
{
	char buf[24];
	memset(buf, 'x', sizeof(buf));
	tdxsim_status_decode(0xC000010000000045, buf, sizeof(buf));
	assert_int_equal(strlen(buf), sizeof(buf) - 1);
	assert_memory_equal(buf, "0xc000010000000045 TDX_", 23);
	assert_null(tdxsim_status_decode(0, NULL, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(field_by_name__scalar_and_array),
		cmocka_unit_test(msr_by_name__address),
		cmocka_unit_test(operand_by_name__id),
		cmocka_unit_test(own_statuses__named_both_ways),
		cmocka_unit_test(name_at__round_trips_through_lookups),
		cmocka_unit_test(leaf_name__every_number),
		cmocka_unit_test(decode__rules),
		cmocka_unit_test(decode__truncates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
