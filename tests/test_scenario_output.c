/* SPDX-License-Identifier: MIT */
/*
 * Shapes of what tdxsim-run writes: TAP (plan matches the test points, failures carry YAML
 * diagnostics), JUnit XML (counts match the testcases), the Chrome trace (valid JSON, one
 * thread per LP, merged TDMR.INIT spans) and the SVG map.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "scenario/run.h"
#include "tdxsim/scenario.h"

/* One passing, one failing, one erroring step, then two the budget leaves unrun. */
static const char mixed[] =
	"name: mixed <&> \"outcomes\"\nplatform: {packages: 2, lps_per_package: 2}\nsteps:\n"
	"  - bringup: all\n"
	"  - {seamcall: TDH.SYS.RD, rdx: MAX_TDMRS, expect: {r8: 1}}\n"
	"  - {seamcall: 0, rcx: \"$tdmr[9].base\"}\n"
	"  - {seamcall: TDH.SYS.RD, rdx: MAX_TDMRS, repeat: 100}\n"
	"  - {vmxon: 0}\n";

static tdxsim_scenario_result_t *run(const char *yaml, uint64_t max_calls)
{
	tdxsim_scenario_t *scn;
	tdxsim_scenario_diag_t d;
	tdxsim_scenario_result_t *res;
	if (tdxsim_scenario_load_buffer("dir/mixed.yaml", yaml, strlen(yaml), &scn, &d))
		fail_msg("%u:%u: %s", d.line, d.column, d.message);
	tdxsim_scenario_run_opts_t o;
	tdxsim_scenario_run_opts_init(&o);
	o.max_calls = max_calls;
	assert_int_equal(tdxsim_scenario_run(scn, &o, &res), TDXSIM_OK);
	tdxsim_scenario_free(scn);
	return res;
}

enum what { REPORT_HUMAN, REPORT_TAP, REPORT_JUNIT, TRACE, MAP };

static char *render(const tdxsim_scenario_result_t *res, enum what w, bool color)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	tdxsim_err_t err = w == TRACE ? tdxsim_scenario_write_trace(&res, 1, f)
			   : w == MAP ? tdxsim_scenario_write_map(&res, 1, f)
				      : tdxsim_scenario_report(&res, 1, (tdxsim_report_format_t)w, color, f);
	fclose(f);
	assert_int_equal(err, TDXSIM_OK);
	return text;
}

static unsigned count(const char *text, const char *what)
{
	unsigned n = 0;
	for (const char *p = text; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

static unsigned count_line_starts(const char *text, const char *prefix)
{
	unsigned n = 0;
	size_t len = strlen(prefix);
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		n += !strncmp(p, prefix, len);
	return n;
}

static void tap__plan_and_points(void **state)
{
	(void)state;
	tdxsim_scenario_result_t *res = run(mixed, 30);
	char *t = render(res, REPORT_TAP, true);
	assert_true(!strncmp(t, "TAP version 13\n1..6\n", 20)); /* 5 steps and the stopped run */
	assert_int_equal(count_line_starts(t, "ok "), 2);	/* pass, and the one skipped */
	assert_int_equal(count_line_starts(t, "not ok "), 4);	/* fail, error, budget, setup */
	assert_int_equal(count(t, "# SKIP not run"), 1);
	assert_int_equal(count_line_starts(t, "  ---"), 4);
	assert_int_equal(count_line_starts(t, "  ..."), 4);
	assert_non_null(strstr(t, "    - \"dir/mixed.yaml:5:57: r8 = 0x40, expected 0x1\"\n"));
	assert_null(strchr(t, '\033')); /* colour is for the human report only */
	free(t);
	tdxsim_scenario_result_free(res);
}

static void junit__counts_match(void **state)
{
	(void)state;
	tdxsim_scenario_result_t *res = run(mixed, 30);
	char *x = render(res, REPORT_JUNIT, false);
	assert_true(!strncmp(x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites ", 51));
	assert_non_null(strstr(x, "tests=\"6\" failures=\"1\" errors=\"3\" skipped=\"1\""));
	assert_int_equal(count(x, "<testcase "), 6);
	assert_int_equal(count(x, "<failure "), 1);
	assert_int_equal(count(x, "<error "), 3);
	assert_int_equal(count(x, "<skipped "), 1);
	assert_int_equal(count(x, "<testsuite "), count(x, "</testsuite>"));
	assert_non_null(strstr(x, "name=\"mixed &lt;&amp;&gt; &quot;outcomes&quot;\""));
	assert_non_null(strstr(x, "classname=\"mixed\""));
	assert_non_null(strstr(x, "</testsuites>\n"));
	free(x);
	tdxsim_scenario_result_free(res);
}

static void human__colour_only_when_asked(void **state)
{
	(void)state;
	tdxsim_scenario_result_t *res = run(mixed, 30);
	char *plain = render(res, REPORT_HUMAN, false), *color = render(res, REPORT_HUMAN, true);
	assert_null(strchr(plain, '\033'));
	assert_non_null(strstr(color, "\033[32mok"));
	assert_non_null(strstr(color, "\033[31mFAIL"));
	assert_non_null(strstr(plain, "        dir/mixed.yaml:5:57: r8 = 0x40, expected 0x1\n"));
	assert_non_null(strstr(plain, "-- FAILED\n"));
	free(plain);
	free(color);
	tdxsim_scenario_result_free(res);
}

/* A small JSON checker: enough to say the trace is well-formed. */
struct json {
	const char *s;
	int depth;
};

static void ws(struct json *j)
{
	while (isspace((unsigned char)*j->s))
		j->s++;
}

static bool value(struct json *j);

static bool string(struct json *j)
{
	if (*j->s++ != '"')
		return false;
	while (*j->s && *j->s != '"') {
		if ((unsigned char)*j->s < 0x20)
			return false;
		if (*j->s == '\\' && !*++j->s)
			return false;
		j->s++;
	}
	return *j->s++ == '"';
}

static bool value(struct json *j)
{
	ws(j);
	if (++j->depth > 32)
		return false;
	bool ok = true;
	if (*j->s == '{' || *j->s == '[') {
		char close = *j->s == '{' ? '}' : ']';
		bool object = close == '}';
		j->s++;
		ws(j);
		if (*j->s == close) {
			j->s++;
		} else {
			for (;;) {
				if (object) {
					ws(j);
					if (!string(j))
						return false;
					ws(j);
					if (*j->s++ != ':')
						return false;
				}
				if (!value(j))
					return false;
				ws(j);
				if (*j->s == ',') {
					j->s++;
					continue;
				}
				ok = *j->s++ == close;
				break;
			}
		}
	} else if (*j->s == '"') {
		ok = string(j);
	} else if (*j->s == '-' || isdigit((unsigned char)*j->s)) {
		strtod(j->s, (char **)&j->s);
	} else {
		ok = !strncmp(j->s, "true", 4) || !strncmp(j->s, "false", 5) || !strncmp(j->s, "null", 4);
		j->s += *j->s == 'f' ? 5 : 4;
	}
	j->depth--;
	return ok;
}

static void trace__valid_chrome_json(void **state)
{
	(void)state;
	const char *y = "platform: {packages: 2, lps_per_package: 2}\nsteps:\n  - bringup: after_keys\n"
			"  - {init_tdmrs: all, lp: 3}\n  - {lp_offline: 1}\n  - {sleep: enter}\n";
	tdxsim_scenario_result_t *res = run(y, 0);
	char *t = render(res, TRACE, false);
	struct json j = {t, 0};
	assert_true(value(&j));
	ws(&j);
	assert_int_equal(*j.s, 0);
	assert_true(!strncmp(t, "{\"traceEvents\":[", 16));
	assert_int_equal(count(t, "\"name\":\"thread_name\""), 4);
	assert_non_null(strstr(t, "\"args\":{\"name\":\"LP 3 (package 1)\"}"));
	/* Two TDMRs on the default RAM map ([0, 2G) = 512 calls, [4G, 18G) = 3584 calls): one run
	 * of TDMR.INIT calls on LP 3, one span, whose RCX moved from the first TDMR to the second. */
	assert_int_equal(count(t, "\"name\":\"TDH.SYS.TDMR.INIT\""), 1);
	assert_non_null(strstr(t, "\"rcx\":\"0x0 .. 0x100000000\""));
	assert_non_null(strstr(t, "\"out_rdx\":\"0x480000000\",\"calls\":4096}"));
	/* The bring-up's own calls, each on the LP that made it (the step is a span around them). */
	assert_int_equal(count(t, "\"name\":\"TDH.SYS.INIT\""), 1);
	assert_int_equal(count(t, "\"name\":\"TDH.SYS.LP.INIT\""), 4);
	assert_int_equal(count(t, "\"name\":\"TDH.SYS.CONFIG\""), 1);
	assert_int_equal(count(t, "\"name\":\"TDH.SYS.KEY.CONFIG\""), 2);
	assert_non_null(strstr(t, "\"name\":\"TDH.SYS.KEY.CONFIG\",\"cat\":\"seamcall\",\"ph\":\"X\""));
	assert_non_null(strstr(t, "\"name\":\"TDH.SYS.RD\""));
	assert_non_null(strstr(t, "\"cat\":\"step\",\"ph\":\"X\""));
	assert_non_null(strstr(t, "\"name\":\"LP offline\",\"cat\":\"event\",\"ph\":\"i\""));
	assert_non_null(strstr(t, "\"name\":\"S3 enter\",\"cat\":\"event\",\"ph\":\"i\",\"ts\":"));
	assert_non_null(strstr(t, "\"s\":\"p\""));
	free(t);
	tdxsim_scenario_result_free(res);
}

/* The events of @t whose name is @name, as "calls" counts in file order, into @out. */
static unsigned call_counts(const char *t, const char *name, unsigned long *out, unsigned max)
{
	char key[96];
	unsigned n = 0;
	snprintf(key, sizeof(key), "\"name\":\"%s\"", name);
	for (const char *p = t; (p = strstr(p, key)) && n < max; p++) {
		const char *c = strstr(p, "\"calls\":");
		assert_non_null(c);
		out[n++] = strtoul(c + 8, NULL, 10);
	}
	return n;
}

/* A 4 TiB bring-up: every call is in the trace, and the trace stays small. */
static void trace__large_bringup_stays_small(void **state)
{
	(void)state;
	tdxsim_scenario_result_t *res = run("platform: {shape: 4t}\nsteps:\n  - bringup: all\n", 0);
	char *t = render(res, TRACE, false);
	struct json j = {t, 0};
	assert_true(value(&j));
	assert_true(strlen(t) < 64 * 1024);
	unsigned long calls[8];
	assert_int_equal(call_counts(t, "TDH.SYS.TDMR.INIT", calls, 8), 1);
	assert_int_equal(calls[0], 1048576); /* 4 TiB of TDMRs in 4 MiB chunks */
	assert_int_equal(count(t, "\"name\":\"TDH.SYS.LP.INIT\""), 32);
	assert_int_equal(count(t, "\"name\":\"TDH.SYS.KEY.CONFIG\""), 8);
	free(t);
	tdxsim_scenario_result_free(res);
}

/* Runs merge only while LP, RAX and status stay the same. */
static void trace__runs_split_on_status_lp_and_leaf(void **state)
{
	(void)state;
	const char *y = "steps:\n  - bringup: after_lp_init\n"
			"  - {inject: {leaf: TDH.SYS.RD, status: TDX_SYS_BUSY, after: 2}}\n"
			"  - {seamcall: TDH.SYS.RD, rdx: MAX_TDMRS, repeat: 5, expect: {status: any}}\n"
			"  - {seamcall: TDH.SYS.RD, rdx: MAX_TDMRS, lp: all}\n"
			"  - {seamcall: TDH.SYS.RD, version: 1, rdx: MAX_TDMRS, expect: {status: any}}\n";
	tdxsim_scenario_result_t *res = run(y, 0);
	char *t = render(res, TRACE, false);
	unsigned long calls[16];
	/* 2 + BUSY + 2 on LP 0, then one per LP (LP 0's does not continue its run: another step's
	 * span lies between), then version 1. */
	unsigned n = call_counts(t, "TDH.SYS.RD", calls, 16);
	assert_int_equal(n, 3 + 4 + 1);
	assert_int_equal(calls[0], 2);
	assert_int_equal(calls[1], 1);
	assert_int_equal(calls[2], 2);
	for (unsigned i = 3; i < n; i++)
		assert_int_equal(calls[i], 1);
	assert_int_equal(count(t, "\"status\":\"TDX_SYS_BUSY\""), 1);
	assert_non_null(strstr(t, "\"rax\":\"0x10022\""));
	free(t);
	tdxsim_scenario_result_free(res);
}

/* P-SEAMLDR calls are named for the loader, in the report and the trace. */
static void trace__loader_calls_named(void **state)
{
	(void)state;
	const char *y = "steps:\n  - {vmxon: 0}\n"
			"  - {seamcall: P-SEAMLDR.INFO, rcx: \"$ram[1].end - 4K\"}\n"
			"  - {seamcall: P-SEAMLDR.INSTALL, rcx: 1, expect: {status: any}}\n"
			"  - {seamcall: 0x8000000000000010, expect: {status: PSEAMLDR_EBADPARAM}}\n";
	tdxsim_scenario_result_t *res = run(y, 0);
	char *t = render(res, TRACE, false), *h = render(res, REPORT_HUMAN, false);
	assert_non_null(strstr(t, "\"name\":\"P-SEAMLDR.INFO\",\"cat\":\"seamcall\""));
	assert_non_null(strstr(t, "\"name\":\"P-SEAMLDR.INSTALL\",\"cat\":\"seamcall\""));
	assert_non_null(strstr(t, "\"name\":\"P-SEAMLDR\",\"cat\":\"seamcall\""));
	assert_non_null(strstr(h, "P-SEAMLDR.INFO on LP 0 (rcx=0x47ffff000): TDX_SUCCESS"));
	assert_non_null(strstr(h, "P-SEAMLDR.INSTALL on LP 0 (rcx=0x1): "));
	assert_non_null(strstr(h, "P-SEAMLDR (RAX 0x8000000000000010) on LP 0: PSEAMLDR_EBADPARAM"));
	assert_null(strstr(t, "TDH.VP"));
	assert_null(strstr(h, "TDH.VP"));
	free(t);
	free(h);
	tdxsim_scenario_result_free(res);
}

static void map__svg_with_every_tdmr(void **state)
{
	(void)state;
	const char *y = "platform: {shape: 1t-holes}\nsteps:\n  - bringup: all\n  - {hot_add: {base: 2T, "
			"size: 1G}}\n";
	tdxsim_scenario_result_t *res = run(y, 0);
	char *m = render(res, MAP, false);
	static const char head[] =
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"";
	assert_true(!strncmp(m, head, sizeof(head) - 1));
	size_t len = strlen(m);
	assert_string_equal(m + len - 7, "</svg>\n");
	for (int i = 0; i < 6; i++) {
		char label[32];
		snprintf(label, sizeof(label), ">TDMR %d</text>", i);
		assert_non_null(strstr(m, label));
	}
	assert_null(strstr(m, ">TDMR 6</text>"));
	assert_non_null(strstr(m, "(module SYS_READY)"));
	assert_non_null(strstr(m, "fill=\"#9e9e9e\"")); /* PT_RSVD runs */
	assert_non_null(strstr(m, "fill=\"#cfe8cf\"")); /* PT_NDA runs */
	assert_non_null(strstr(m, "fill=\"#e0e0e0\"")); /* hot-added RAM outside the CMRs */
	assert_int_equal(count(m, "<svg"), 1);
	free(m);
	tdxsim_scenario_result_free(res);
}

static void empty__no_results(void **state)
{
	(void)state;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_int_equal(tdxsim_scenario_report(NULL, 0, TDXSIM_REPORT_TAP, false, f), TDXSIM_OK);
	assert_int_equal(tdxsim_scenario_write_trace(NULL, 0, f), TDXSIM_OK);
	assert_int_equal(tdxsim_scenario_report(NULL, 1, TDXSIM_REPORT_TAP, false, f),
			 TDXSIM_ERR_INVALID_ARG);
	fclose(f);
	assert_true(!strncmp(text, "TAP version 13\n1..0\n{\"traceEvents\":[", 36));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tap__plan_and_points),
		cmocka_unit_test(junit__counts_match),
		cmocka_unit_test(human__colour_only_when_asked),
		cmocka_unit_test(trace__valid_chrome_json),
		cmocka_unit_test(trace__large_bringup_stays_small),
		cmocka_unit_test(trace__runs_split_on_status_lp_and_leaf),
		cmocka_unit_test(trace__loader_calls_named),
		cmocka_unit_test(map__svg_with_every_tdmr),
		cmocka_unit_test(empty__no_results),
	};
	return cmocka_run_group_tests_name("scenario_output", tests, NULL, NULL);
}
