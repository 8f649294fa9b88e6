/* SPDX-License-Identifier: MIT */
/*
 * Reports of scenario results: human (one line per step, failures below it, optional ANSI
 * colour), TAP version 13 (one test point per step, failures as YAML diagnostics) and JUnit XML
 * (one testsuite per scenario, one testcase per step; times are virtual seconds at 2.2 GHz).
 * Nothing here depends on the wall clock or on memory addresses.
 */
#include <stdio.h>
#include <string.h>

#include "scenario/run.h"

#define C_RED	 "\033[31m"
#define C_GREEN	 "\033[32m"
#define C_YELLOW "\033[33m"
#define C_BOLD	 "\033[1m"
#define C_OFF	 "\033[0m"

static const char *verdict_word(uint8_t v)
{
	static const char *const words[] = {"ok", "FAIL", "ERROR", "skip"};
	return words[v < 4 ? v : 2];
}

/* Virtual seconds of @cycles at 2.2 GHz, exactly: nanoseconds are cycles * 5 / 11. */
static void seconds(char *buf, size_t len, uint64_t cycles)
{
	uint64_t ns = cycles / 11 * 5 + cycles % 11 * 5 / 11;
	snprintf(buf, len, "%llu.%09llu", (unsigned long long)(ns / 1000000000),
		 (unsigned long long)(ns % 1000000000));
}

static void human(const struct tdxsim_scenario_result *res, bool color, FILE *out)
{
	const char *bold = color ? C_BOLD : "", *off = color ? C_OFF : "";
	fprintf(out, "%s== %s", bold, res->file);
	if (strcmp(res->name, res->file))
		fprintf(out, ": %s", res->name);
	fprintf(out, " (seed %llu)%s\n", (unsigned long long)res->seed, off);
	for (unsigned i = 0; i < res->num_steps; i++) {
		const struct scn_outcome *o = &res->steps[i];
		const char *c = !color			    ? ""
				: o->verdict == SCN_PASS    ? C_GREEN
				: o->verdict == SCN_SKIPPED ? C_YELLOW
							    : C_RED;
		/* Unnamed steps: the detail already says what ran ("TDH.SYS.RD on LP 0 ..."). */
		fprintf(out, "  %s%-5s%s %3u ", c, verdict_word(o->verdict), off, o->index);
		if (o->named || !*o->detail)
			fprintf(out, "%s%s", o->label, *o->detail ? ": " : "");
		fprintf(out, "%s", o->detail);
		if (o->cycles)
			fprintf(out, " [%llu cycles]", (unsigned long long)o->cycles);
		fputc('\n', out);
		for (const char *p = o->why; p && *p;) {
			const char *nl = strchr(p, '\n');
			int n = nl ? (int)(nl - p) : (int)strlen(p);
			fprintf(out, "        %s%.*s%s\n", c, n, p, off);
			p += n + (nl != NULL);
		}
	}
	if (res->setup_error)
		fprintf(out, "  %s%s: %s%s\n", color ? C_RED : "", res->file, res->setup_error, off);
	fprintf(out, "  -- %u step(s): %u passed, %u failed, %u error(s)", res->num_steps, res->passed,
		res->failed, res->errors);
	if (res->skipped)
		fprintf(out, ", %u not run", res->skipped);
	fputc('\n', out);
}

/* A double-quoted YAML / JSON-compatible string. */
static void quoted(FILE *out, const char *s, size_t n)
{
	fputc('"', out);
	for (size_t i = 0; i < n && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\x%02x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void tap(const struct tdxsim_scenario_result *res, unsigned *n, FILE *out)
{
	fprintf(out, "# %s: %s (seed %llu)\n", res->file, res->name, (unsigned long long)res->seed);
	for (unsigned i = 0; i < res->num_steps; i++) {
		const struct scn_outcome *o = &res->steps[i];
		/* '#' starts a TAP directive: keep it out of descriptions. */
		fprintf(out, "%s %u - %s: step %u (line %u) ",
			o->verdict == SCN_PASS || o->verdict == SCN_SKIPPED ? "ok" : "not ok", ++*n,
			res->file, o->index, o->pos.line);
		for (const char *p = o->label; *p; p++)
			fputc(*p == '#' ? '_' : *p, out);
		if (o->verdict == SCN_SKIPPED)
			fprintf(out, " # SKIP not run");
		fputc('\n', out);
		if (o->verdict == SCN_PASS || o->verdict == SCN_SKIPPED)
			continue;
		fprintf(out, "  ---\n  severity: %s\n  detail: ", o->verdict == SCN_FAIL ? "fail" : "error");
		quoted(out, o->detail, strlen(o->detail));
		fprintf(out, "\n  failures:\n");
		for (const char *p = o->why; p && *p;) {
			const char *nl = strchr(p, '\n');
			size_t len = nl ? (size_t)(nl - p) : strlen(p);
			fprintf(out, "    - ");
			quoted(out, p, len);
			fputc('\n', out);
			p += len + (nl != NULL);
		}
		fprintf(out, "  at: \"%s:%u:%u\"\n  ...\n", res->file, o->pos.line, o->pos.col);
	}
	if (res->setup_error) {
		fprintf(out, "not ok %u - %s: setup\n  ---\n  message: ", ++*n, res->file);
		quoted(out, res->setup_error, strlen(res->setup_error));
		fprintf(out, "\n  ...\n");
	}
}

static void xml_text(FILE *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&apos;", out);
			break;
		default:
			/* XML 1.0 allows no control characters but tab and newlines. */
			fputc(c < 0x20 && c != '\t' && c != '\n' && c != '\r' ? '?' : c, out);
		}
	}
}

static void xml(FILE *out, const char *s)
{
	xml_text(out, s, strlen(s));
}

static uint64_t total_cycles(const struct tdxsim_scenario_result *res)
{
	uint64_t t = 0;
	for (unsigned i = 0; i < res->num_steps; i++)
		t += res->steps[i].cycles;
	return t;
}

static void junit_suite(const struct tdxsim_scenario_result *res, FILE *out)
{
	char t[40];
	const char *base = strrchr(res->file, '/');
	base = base ? base + 1 : res->file;
	size_t blen = strcspn(base, ".");
	seconds(t, sizeof(t), total_cycles(res));
	fprintf(out, "  <testsuite name=\"");
	xml(out, res->name);
	fprintf(out, "\" tests=\"%u\" failures=\"%u\" errors=\"%u\" skipped=\"%u\" time=\"%s\" file=\"",
		res->num_steps + (res->setup_error != NULL), res->failed,
		res->errors + (res->setup_error != NULL), res->skipped, t);
	xml(out, res->file);
	fprintf(out,
		"\">\n    <properties>\n      <property name=\"seed\" value=\"%llu\"/>\n    </properties>\n",
		(unsigned long long)res->seed);
	for (unsigned i = 0; i < res->num_steps; i++) {
		const struct scn_outcome *o = &res->steps[i];
		seconds(t, sizeof(t), o->cycles);
		fprintf(out, "    <testcase name=\"step %u: ", o->index);
		xml(out, o->label);
		fprintf(out, "\" classname=\"");
		xml_text(out, base, blen);
		fprintf(out, "\" file=\"");
		xml(out, res->file);
		fprintf(out, "\" line=\"%u\" time=\"%s\">\n", o->pos.line, t);
		if (o->verdict == SCN_SKIPPED) {
			fprintf(out, "      <skipped message=\"not run\"/>\n");
		} else if (o->verdict != SCN_PASS) {
			const char *tag = o->verdict == SCN_FAIL ? "failure" : "error";
			const char *nl = strchr(o->why, '\n');
			fprintf(out, "      <%s message=\"", tag);
			xml_text(out, o->why, nl ? (size_t)(nl - o->why) : strlen(o->why));
			fprintf(out, "\" type=\"%s\">", o->verdict == SCN_FAIL ? "expectation" : "run");
			xml(out, o->why);
			fprintf(out, "</%s>\n", tag);
		}
		fprintf(out, "      <system-out>");
		xml(out, o->detail);
		fprintf(out, "</system-out>\n    </testcase>\n");
	}
	if (res->setup_error) {
		fprintf(out, "    <testcase name=\"setup\" classname=\"");
		xml_text(out, base, blen);
		fprintf(out, "\">\n      <error message=\"");
		xml(out, res->setup_error);
		fprintf(out, "\" type=\"setup\"/>\n    </testcase>\n");
	}
	fprintf(out, "  </testsuite>\n");
}

tdxsim_err_t tdxsim_scenario_report(const tdxsim_scenario_result_t *const *results, size_t n,
				    tdxsim_report_format_t format, bool color, FILE *out)
{
	if (!out || (n && !results))
		return TDXSIM_ERR_INVALID_ARG;
	for (size_t i = 0; i < n; i++)
		if (!results[i])
			return TDXSIM_ERR_INVALID_ARG;
	unsigned steps = 0, passed = 0, failed = 0, errors = 0, skipped = 0, bad = 0, points = 0;
	uint64_t cycles = 0;
	for (size_t i = 0; i < n; i++) {
		const struct tdxsim_scenario_result *r = results[i];
		steps += r->num_steps;
		passed += r->passed;
		failed += r->failed;
		errors += r->errors + (r->setup_error != NULL);
		skipped += r->skipped;
		bad += !tdxsim_scenario_result_passed(r);
		points += r->num_steps + (r->setup_error != NULL);
		cycles += total_cycles(r);
	}
	switch (format) {
	case TDXSIM_REPORT_HUMAN:
		for (size_t i = 0; i < n; i++)
			human(results[i], color, out);
		fprintf(out, "%s== %zu scenario(s), %u step(s): %u passed, %u failed, %u error(s)%s%s\n",
			color ? C_BOLD : "", n, steps, passed, failed, errors,
			bad ? " -- FAILED" : " -- all passed", color ? C_OFF : "");
		return TDXSIM_OK;
	case TDXSIM_REPORT_TAP:
		fprintf(out, "TAP version 13\n1..%u\n", points);
		points = 0;
		for (size_t i = 0; i < n; i++)
			tap(results[i], &points, out);
		return TDXSIM_OK;
	case TDXSIM_REPORT_JUNIT: {
		char t[40];
		seconds(t, sizeof(t), cycles);
		fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
		fprintf(out,
			"<testsuites name=\"tdxsim-run\" tests=\"%u\" failures=\"%u\" errors=\"%u\" "
			"skipped=\"%u\" "
			"time=\"%s\">\n",
			points, failed, errors, skipped, t);
		for (size_t i = 0; i < n; i++)
			junit_suite(results[i], out);
		fprintf(out, "</testsuites>\n");
		return TDXSIM_OK;
	}
	}
	return TDXSIM_ERR_INVALID_ARG;
}
