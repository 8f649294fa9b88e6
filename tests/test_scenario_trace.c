/* SPDX-License-Identifier: MIT */
/*
 * The --trace timeline tells the truth (issue 11, section 7): all LPs on one time axis in the
 * order things happened, each LP's own virtual TSC kept in the arguments, every step's span
 * strictly containing its SEAMCALLs, thread ids from 1. Checked on the generated JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "tdxsim/scenario.h"

struct ev {
	char name[96], cat[16], ph[4];
	unsigned tid;
	uint64_t ts, dur; /* ns */
	uint64_t tsc, cycles;
	bool has_tsc;
};

/* "12.345" (microseconds with nanosecond digits) as nanoseconds, exactly. */
static uint64_t ns_of(const char *s)
{
	char *end;
	uint64_t us = strtoull(s, &end, 10), ns = 0;
	if (*end == '.')
		ns = strtoull(end + 1, NULL, 10);
	return us * 1000 + ns;
}

static const char *field(const char *line, const char *key)
{
	const char *p = strstr(line, key);
	return p ? p + strlen(key) : NULL;
}

static void str_field(const char *line, const char *key, char *out, size_t cap)
{
	const char *p = field(line, key);
	size_t n = 0;
	for (; p && *p && *p != '"' && n + 1 < cap; p++)
		out[n++] = *p;
	out[n] = 0;
}

/* The events of a trace, one per line as tdxsim writes them. */
static unsigned parse(char *t, struct ev *evs, unsigned max)
{
	unsigned n = 0;
	for (char *save = NULL, *line = strtok_r(t, "\n", &save); line && n < max;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "{\"name\":", 8))
			continue;
		struct ev *e = &evs[n++];
		memset(e, 0, sizeof(*e));
		str_field(line, "{\"name\":\"", e->name, sizeof(e->name));
		str_field(line, "\"ph\":\"", e->ph, sizeof(e->ph));
		str_field(line, "\"cat\":\"", e->cat, sizeof(e->cat));
		const char *p = field(line, "\"tid\":");
		assert_non_null(p);
		e->tid = (unsigned)strtoul(p, NULL, 10);
		if ((p = field(line, "\"ts\":")))
			e->ts = ns_of(p);
		if ((p = field(line, "\"dur\":")))
			e->dur = ns_of(p);
		if ((p = field(line, "\"tsc\":")))
			e->tsc = strtoull(p, NULL, 10), e->has_tsc = true;
		if ((p = field(line, "\"cycles\":")))
			e->cycles = strtoull(p, NULL, 10);
	}
	return n;
}

#define MAX_EVS 4096

static unsigned trace_of(const char *yaml, struct ev *evs)
{
	tdxsim_scenario_t *scn;
	tdxsim_scenario_diag_t d;
	tdxsim_scenario_result_t *res;
	if (tdxsim_scenario_load_buffer("trace.yaml", yaml, strlen(yaml), &scn, &d))
		fail_msg("%u:%u: %s", d.line, d.column, d.message);
	assert_int_equal(tdxsim_scenario_run(scn, NULL, &res), TDXSIM_OK);
	assert_true(tdxsim_scenario_result_passed(res));
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	const tdxsim_scenario_result_t *r = res;
	assert_int_equal(tdxsim_scenario_write_trace(&r, 1, f), TDXSIM_OK);
	fclose(f);
	unsigned n = parse(text, evs, MAX_EVS);
	assert_true(n < MAX_EVS);
	free(text);
	tdxsim_scenario_result_free(res);
	tdxsim_scenario_free(scn);
	return n;
}

/* Bring-up on 2 x 2 LPs (SYS.INIT on LP 0, then LP.INIT on each LP), a step on every LP,
 * platform events, and S3, after which the LPs' TSCs start again. */
static const char scenario[] = "platform: {packages: 2, lps_per_package: 2}\nsteps:\n"
			       "  - bringup: all\n"
			       "  - {seamcall: TDH.SYS.RD, rdx: MAX_TDMRS, lp: all}\n"
			       "  - {seamcall: TDH.SYS.RD, rdx: MAX_TDMRS, lp: 3, repeat: 3}\n"
			       "  - {lp_offline: 2}\n"
			       "  - {sleep: enter}\n";

static bool is_call(const struct ev *e)
{
	return !strcmp(e->cat, "seamcall");
}

/* SEAMCALLs in the order the simulator made them (file order) follow one another on the
 * time axis, whatever LP made them; LP 1's LP.INIT comes after LP 0's SYS.INIT. */
static void trace__one_axis_in_host_order(void **state)
{
	struct ev *evs = calloc(MAX_EVS, sizeof(*evs));
	unsigned n = trace_of(scenario, evs), calls = 0;
	const struct ev *prev = NULL, *sys_init = NULL;
	for (unsigned i = 0; i < n; i++) {
		const struct ev *e = &evs[i];
		if (!is_call(e))
			continue;
		calls++;
		if (prev && e->ts < prev->ts + prev->dur)
			fail_msg("%s (tid %u) at %llu ns starts before %s (tid %u) ends at %llu ns", e->name,
				 e->tid, (unsigned long long)e->ts, prev->name, prev->tid,
				 (unsigned long long)(prev->ts + prev->dur));
		if (!strcmp(e->name, "TDH.SYS.INIT"))
			sys_init = e;
		if (!strcmp(e->name, "TDH.SYS.LP.INIT") && e->tid != 1) {
			assert_non_null(sys_init);
			assert_true(e->ts >= sys_init->ts + sys_init->dur);
		}
		prev = e;
	}
	assert_true(calls > 8);
	free(evs);
}

/* Each LP's own clock is in the arguments: per LP, calls follow one another in TSC and the
 * span is as long as the LP's cycles (cycles / 2.2 GHz, rounded down at both ends). */
static void trace__lp_cycles_kept_as_args(void **state)
{
	struct ev *evs = calloc(MAX_EVS, sizeof(*evs));
	unsigned n = trace_of(scenario, evs);
	for (unsigned i = 0; i < n; i++) {
		const struct ev *e = &evs[i];
		if (!is_call(e))
			continue;
		assert_true(e->has_tsc);
		uint64_t lo = e->cycles * 10 / 22;
		if (e->dur + 1 < lo || e->dur > lo + 1)
			fail_msg("%s: %llu ns for %llu cycles", e->name, (unsigned long long)e->dur,
				 (unsigned long long)e->cycles);
		for (unsigned k = i + 1; k < n; k++) {
			if (!is_call(&evs[k]) || evs[k].tid != e->tid)
				continue;
			/* Before S3 the next call on the LP starts at or after this one's end. */
			if (evs[k].tsc < e->tsc + e->cycles)
				fail_msg("%s then %s on tid %u: TSC went back", e->name, evs[k].name, e->tid);
			break;
		}
	}
	free(evs);
}

/* A step's span on an LP's track strictly contains every call of that LP it overlaps, and
 * every call lies in a step on its track. */
static void trace__steps_strictly_contain_calls(void **state)
{
	struct ev *evs = calloc(MAX_EVS, sizeof(*evs));
	unsigned n = trace_of(scenario, evs), steps = 0;
	for (unsigned i = 0; i < n; i++) {
		const struct ev *c = &evs[i];
		if (!is_call(c))
			continue;
		bool inside = false;
		for (unsigned k = 0; k < n; k++) {
			const struct ev *s = &evs[k];
			if (strcmp(s->cat, "step") || s->tid != c->tid)
				continue;
			bool overlaps = c->ts < s->ts + s->dur && s->ts < c->ts + c->dur;
			if (!overlaps)
				continue;
			if (!(s->ts < c->ts && c->ts + c->dur < s->ts + s->dur))
				fail_msg("step '%s' [%llu, %llu] does not strictly contain %s [%llu, %llu]",
					 s->name, (unsigned long long)s->ts,
					 (unsigned long long)(s->ts + s->dur), c->name,
					 (unsigned long long)c->ts, (unsigned long long)(c->ts + c->dur));
			inside = true;
		}
		if (!inside)
			fail_msg("%s on tid %u lies in no step", c->name, c->tid);
	}
	for (unsigned k = 0; k < n; k++)
		steps += !strcmp(evs[k].cat, "step");
	assert_true(steps >= 4 + 4 + 1); /* bring-up and lp: all on each LP, then LP 3's repeat */
	free(evs);
}

/* Thread ids start at 1 (Perfetto shows tid 0 as idle): LP k is tid k + 1, and the metadata
 * names exactly the LPs' threads. */
static void trace__thread_ids_from_one(void **state)
{
	struct ev *evs = calloc(MAX_EVS, sizeof(*evs));
	unsigned n = trace_of(scenario, evs), seen[6] = {0};
	for (unsigned i = 0; i < n; i++) {
		if (evs[i].tid < 1 || evs[i].tid > 4)
			fail_msg("%s has tid %u", evs[i].name, evs[i].tid);
		seen[evs[i].tid]++;
	}
	for (unsigned t = 1; t <= 4; t++)
		assert_true(seen[t] > 0);
	free(evs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(trace__one_axis_in_host_order),
		cmocka_unit_test(trace__lp_cycles_kept_as_args),
		cmocka_unit_test(trace__steps_strictly_contain_calls),
		cmocka_unit_test(trace__thread_ids_from_one),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
