/* SPDX-License-Identifier: MIT */
/*
 * Chrome trace-event JSON of scenario runs (the "JSON Object Format": a traceEvents array),
 * which Perfetto and chrome://tracing open as a timeline. One process per scenario, one thread
 * per LP; complete events ("X") for SEAMCALLs and steps, instants ("i") for platform events,
 * injections and machine checks. Timestamps are each LP's virtual TSC in microseconds at
 * 2.2 GHz, with nanosecond digits; both ends of a span are rounded down, so a span that lies
 * inside another in cycles also does in the file.
 */
#include <stdio.h>
#include <string.h>

#include "scenario/run.h"

static uint64_t ns_of(uint64_t cycles)
{
	return cycles / 11 * 5 + cycles % 11 * 5 / 11; /* floor(cycles / 2.2) */
}

static void us(FILE *out, uint64_t ns)
{
	fprintf(out, "%llu.%03llu", (unsigned long long)(ns / 1000), (unsigned long long)(ns % 1000));
}

static void jstr(FILE *out, const char *s)
{
	fputc('"', out);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void hex_arg(FILE *out, const char *name, uint64_t v)
{
	fprintf(out, ",\"%s\":\"0x%llx\"", name, (unsigned long long)v);
}

static void meta(FILE *out, bool *first, unsigned pid, uint32_t tid, const char *what, const char *key,
		 const char *value, long sort)
{
	fprintf(out, "%s\n{\"name\":\"%s\",\"ph\":\"M\",\"pid\":%u,\"tid\":%u,\"args\":{\"%s\":",
		*first ? "" : ",", what, pid, tid, key);
	if (value)
		jstr(out, value);
	else
		fprintf(out, "%ld", sort);
	fprintf(out, "}}");
	*first = false;
}

static void event(FILE *out, unsigned pid, const struct scn_event *e)
{
	uint32_t tid = e->lp == UINT32_MAX ? 0 : e->lp;
	uint64_t start = ns_of(e->ts), end = ns_of(e->ts + e->dur);
	static const char *const cats[] = {"seamcall", "step", "event", "mce"};
	fprintf(out, ",\n{\"name\":");
	jstr(out, e->name);
	fprintf(out, ",\"cat\":\"%s\",\"ph\":\"%s\",\"ts\":", cats[e->type],
		e->dur || e->type <= SCN_EV_STEP ? "X" : "i");
	us(out, start);
	if (e->type <= SCN_EV_STEP) {
		fprintf(out, ",\"dur\":");
		us(out, end - start);
	} else {
		fprintf(out, ",\"s\":\"%s\"", e->lp == UINT32_MAX ? "p" : "t");
	}
	fprintf(out, ",\"pid\":%u,\"tid\":%u,\"args\":{\"cycles\":%llu", pid, tid,
		(unsigned long long)e->dur);
	if (e->type == SCN_EV_CALL) {
		char st[96];
		hex_arg(out, "rax", e->rax);
		hex_arg(out, "rcx", e->rcx);
		hex_arg(out, "rdx", e->rdx);
		hex_arg(out, "r8", e->r8);
		fprintf(out, ",\"status\":");
		jstr(out, tdxsim_status_name(e->status, st, sizeof(st)));
		hex_arg(out, "out_rdx", e->out_rdx);
		fprintf(out, ",\"calls\":%llu", (unsigned long long)e->count);
	}
	if (e->note) {
		fprintf(out, ",\"detail\":");
		jstr(out, e->note);
	}
	fprintf(out, "}}");
}

tdxsim_err_t tdxsim_scenario_write_trace(const tdxsim_scenario_result_t *const *results, size_t n, FILE *out)
{
	if (!out || (n && !results))
		return TDXSIM_ERR_INVALID_ARG;
	bool first = true;
	fprintf(out, "{\"traceEvents\":[");
	for (size_t i = 0; i < n; i++) {
		const struct tdxsim_scenario_result *res = results[i];
		if (!res)
			return TDXSIM_ERR_INVALID_ARG;
		unsigned pid = (unsigned)i + 1;
		char name[600];
		snprintf(name, sizeof(name), "%s: %s", res->file, res->name);
		meta(out, &first, pid, 0, "process_name", "name", name, 0);
		meta(out, &first, pid, 0, "process_sort_index", "sort_index", NULL, (long)pid);
		for (uint32_t lp = 0; lp < res->num_lps; lp++) {
			snprintf(name, sizeof(name), "LP %u (package %u)", lp, res->lp_package[lp]);
			meta(out, &first, pid, lp, "thread_name", "name", name, 0);
			meta(out, &first, pid, lp, "thread_sort_index", "sort_index", NULL, (long)lp);
		}
		for (size_t k = 0; k < res->num_events; k++)
			event(out, pid, &res->events[k]);
		if (res->events_truncated)
			fprintf(out,
				",\n{\"name\":\"trace "
				"truncated\",\"cat\":\"event\",\"ph\":\"i\",\"s\":\"p\",\"ts\":0,"
				"\"pid\":%u,\"tid\":0,\"args\":{}}",
				pid);
	}
	fprintf(out, "\n],\n\"displayTimeUnit\":\"ns\",\n\"otherData\":{\"generator\":\"tdxsim\",\"clock\":"
		     "\"virtual TSC per LP at 2.2 GHz; ts and dur in microseconds\"}}\n");
	return TDXSIM_OK;
}
