/* SPDX-License-Identifier: MIT */
/*
 * Chrome trace-event JSON of scenario runs (the "JSON Object Format": a traceEvents array),
 * which Perfetto and chrome://tracing open as a timeline. One process per scenario, one thread
 * per LP; complete events ("X") for SEAMCALLs and steps, instants ("i") for platform events,
 * injections and machine checks. Every SEAMCALL an LP executed is there, those of the host
 * code behind a bringup step included (the call observer, run.c), with runs of like calls
 * merged. All LPs share one time axis: the run's global timeline (run.h, gclock), every LP's
 * cycles laid end to end in the order the simulator spent them, in microseconds at 2.2 GHz
 * with nanosecond digits; so an event never appears before one that happened ahead of it on
 * another LP. Each LP's own virtual TSC and cycles are in the event's args (tsc, cycles).
 * Both ends of a span are rounded down, so a span that lies inside another in cycles also
 * does in the file. Thread ids are LP + 1 (Perfetto reserves 0).
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
	/* Platform-wide instants are process-scoped ("s":"p"): their tid names no LP. */
	uint32_t tid = e->lp == UINT32_MAX ? 1 : e->lp + 1;
	uint64_t start = ns_of(e->gts), end = ns_of(e->gts + e->gdur);
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
	fprintf(out, ",\"pid\":%u,\"tid\":%u,\"args\":{\"tsc\":%llu,\"cycles\":%llu", pid, tid,
		(unsigned long long)e->ts, (unsigned long long)e->dur);
	if (e->type == SCN_EV_CALL) {
		static const char *const in[SCN_EV_REGS] = {"rcx", "rdx", "r8"};
		static const char *const outs[SCN_EV_REGS] = {"out_rcx", "out_rdx", "out_r8"};
		char st[96];
		hex_arg(out, "rax", e->rax);
		/* A merged run whose inputs moved (TDMR.INIT over several TDMRs, SYS.RD of several
		 * fields) shows the first and the last call's value. */
		for (int i = 0; i < SCN_EV_REGS; i++) {
			if (e->in_first[i] == e->in_last[i])
				hex_arg(out, in[i], e->in_first[i]);
			else
				fprintf(out, ",\"%s\":\"0x%llx .. 0x%llx\"", in[i],
					(unsigned long long)e->in_first[i],
					(unsigned long long)e->in_last[i]);
		}
		fprintf(out, ",\"status\":");
		jstr(out, tdxsim_status_name(e->status, st, sizeof(st)));
		/* Outputs the (last) call changed: what the leaf returned. */
		for (int i = 0; i < SCN_EV_REGS; i++)
			if (e->out[i] != e->in_last[i])
				hex_arg(out, outs[i], e->out[i]);
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
		meta(out, &first, pid, 1, "process_name", "name", name, 0);
		meta(out, &first, pid, 1, "process_sort_index", "sort_index", NULL, (long)pid);
		for (uint32_t lp = 0; lp < res->num_lps; lp++) {
			snprintf(name, sizeof(name), "LP %u (package %u)", lp, res->lp_package[lp]);
			meta(out, &first, pid, lp + 1, "thread_name", "name", name, 0);
			meta(out, &first, pid, lp + 1, "thread_sort_index", "sort_index", NULL, (long)lp + 1);
		}
		for (size_t k = 0; k < res->num_events; k++)
			event(out, pid, &res->events[k]);
		if (res->events_truncated)
			fprintf(out,
				",\n{\"name\":\"trace "
				"truncated\",\"cat\":\"event\",\"ph\":\"i\",\"s\":\"p\",\"ts\":0,"
				"\"pid\":%u,\"tid\":1,\"args\":{}}",
				pid);
	}
	fprintf(out, "\n],\n\"displayTimeUnit\":\"ns\",\n\"otherData\":{\"generator\":\"tdxsim\",\"clock\":"
		     "\"ts and dur: one timeline for all LPs, their virtual cycles in the order the "
		     "simulator spent them, in microseconds at 2.2 GHz; args.tsc and args.cycles: the "
		     "LP's own virtual TSC and cycles\"}}\n");
	return TDXSIM_OK;
}
