/* SPDX-License-Identifier: MIT */
/*
 * What a run records for --trace: every SEAMCALL through the call observer (runs of like calls
 * merged), steps, platform events and machine checks, each placed on the run's global timeline
 * (run.h, gclock) and keeping its LP's own virtual TSC. trace.c writes them out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/run.h"

#define MAX_EVENTS (UINT32_C(1) << 21) /* a trace beyond this is truncated, and says so */

static struct scn_event *new_event(struct scn_run *r)
{
	struct tdxsim_scenario_result *res = r->res;
	if (!r->opts.record_trace || res->events_truncated)
		return NULL;
	if (res->num_events == res->cap_events) {
		size_t cap = res->cap_events ? 2 * res->cap_events : 256;
		struct scn_event *e = cap <= MAX_EVENTS ? realloc(res->events, cap * sizeof(*e)) : NULL;
		if (!e) {
			res->events_truncated = true;
			return NULL;
		}
		res->events = e;
		res->cap_events = cap;
	}
	struct scn_event *e = &res->events[res->num_events++];
	memset(e, 0, sizeof(*e));
	return e;
}

/* gclock after LP @lp's TSC reached @now (a TSC that went back, as after S3, adds nothing). */
static uint64_t advance(struct scn_run *r, uint32_t lp, uint64_t now)
{
	if (r->lp_seen && lp < r->res->num_lps) {
		if (now > r->lp_seen[lp])
			r->gclock += now - r->lp_seen[lp];
		r->lp_seen[lp] = now;
	}
	return r->gclock;
}

uint64_t tdxsim_scn_trace_sync(struct scn_run *r)
{
	for (uint32_t lp = 0; lp < r->res->num_lps; lp++)
		advance(r, lp, tdxsim_lp_cycles(r->sim, lp));
	return r->gclock;
}

static void set_regs(uint64_t dst[SCN_EV_REGS], const tdxsim_regs_t *r)
{
	dst[0] = r->rcx;
	dst[1] = r->rdx;
	dst[2] = r->r8;
}

/*
 * The call observer (tdxsim_set_call_observer): every SEAMCALL any LP executes, including those
 * host_tdx_init() makes inside a bringup step. A call that continues a run of calls on the same
 * LP with the same RAX and status, starting where the last one ended, extends it into one span
 * with a count: a 4 TiB bring-up's million TDH.SYS.TDMR.INIT calls stay one event, and so do
 * the host's successive TDH.SYS.RD reads.
 */
void tdxsim_scn_on_call(tdxsim_t *sim, const tdxsim_call_record_t *rec, void *user)
{
	struct scn_run *r = user;
	struct tdxsim_scenario_result *res = r->res;
	struct scn_event *last = res->num_events ? &res->events[res->num_events - 1] : NULL;
	/* Only this LP's TSC moved during the call: it ends where gclock now stands. */
	uint64_t gend = advance(r, rec->lp, rec->tsc_end);
	if (last && last->type == SCN_EV_CALL && last->lp == rec->lp && last->rax == rec->rax &&
	    last->status == rec->status && last->ts + last->dur == rec->tsc_start) {
		last->dur = rec->tsc_end - last->ts;
		last->gdur = gend - last->gts;
		last->count++;
		set_regs(last->in_last, &rec->in);
		set_regs(last->out, &rec->out);
		return;
	}
	struct scn_event *e = new_event(r);
	if (!e)
		return;
	const char *name = tdxsim_scn_call_name(rec->rax);
	*e = (struct scn_event){.type = SCN_EV_CALL,
				.lp = rec->lp,
				.ts = rec->tsc_start,
				.dur = rec->tsc_end - rec->tsc_start,
				.gts = gend - (rec->tsc_end - rec->tsc_start),
				.gdur = rec->tsc_end - rec->tsc_start,
				.name = name ? name : "SEAMCALL",
				.rax = rec->rax,
				.status = rec->status,
				.count = 1};
	set_regs(e->in_first, &rec->in);
	set_regs(e->in_last, &rec->in);
	set_regs(e->out, &rec->out);
}

void tdxsim_scn_trace_span(struct scn_run *r, uint8_t type, uint32_t lp, uint64_t ts, uint64_t dur,
			   uint64_t gts, uint64_t gdur, const char *name, const char *note)
{
	struct scn_event *e = new_event(r);
	if (e)
		*e = (struct scn_event){.type = type,
					.lp = lp,
					.ts = ts,
					.dur = dur,
					.gts = gts,
					.gdur = gdur,
					.name = name,
					.note = note};
}

void tdxsim_scn_trace_instant(struct scn_run *r, uint32_t lp, const char *name, const char *note)
{
	uint64_t ts = tdxsim_lp_cycles(r->sim, lp == UINT32_MAX ? 0 : lp);
	tdxsim_scn_trace_span(r, SCN_EV_INSTANT, lp, ts, 0, tdxsim_scn_trace_sync(r), 0, name, note);
}

void tdxsim_scn_on_mce(tdxsim_t *sim, const tdxsim_mce_t *mce, void *user)
{
	struct scn_run *r = user;
	r->mces++;
	r->any_mce = true;
	r->last_mce = *mce;
	char note[96];
	snprintf(note, sizeof(note), "addr 0x%llx, MCi_STATUS 0x%llx", (unsigned long long)mce->addr,
		 (unsigned long long)mce->status);
	/* Raised inside an access or call on mce->lp: at that LP's TSC on the shared axis. */
	tdxsim_scn_trace_span(r, SCN_EV_MCE, mce->lp, mce->tsc, 0, advance(r, mce->lp, mce->tsc), 0,
			      "machine check", tdxsim_scn_strndup(&r->res->arena, note, strlen(note)));
}
