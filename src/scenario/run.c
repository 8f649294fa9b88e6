/* SPDX-License-Identifier: MIT */
/*
 * The runner: a fresh simulator per run, steps in order, each executed (once, per LP, or
 * repeated), its observations checked against its expectations, its outcome recorded. A
 * failed expectation does not stop the run, so one report shows every broken rule; only a
 * setup problem (the platform cannot be created, the call budget is spent) does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/run.h"

/* Global-timeline cycles between a step's span and its first and last call: 10 ns at 2.2 GHz,
 * so the margin survives the trace's rounding to nanoseconds. */
#define STEP_MARGIN 22

int tdxsim_scn_run_error(struct scn_run *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	return -1;
}

uint64_t tdxsim_scn_rng_next(struct scn_run *r)
{
	/* splitmix64: small, fast, and the same sequence everywhere for a given seed. */
	uint64_t z = (r->rng += UINT64_C(0x9E3779B97F4A7C15));
	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

int tdxsim_scn_budget(struct scn_run *r)
{
	if (r->opts.max_calls && ++r->calls > r->opts.max_calls) {
		r->budget_exhausted = true;
		return tdxsim_scn_run_error(r, "call budget of %llu exhausted",
					    (unsigned long long)r->opts.max_calls);
	}
	return 0;
}

/* Runs the step's executor once on each LP it names; stops at the first failing execution. */
static int execute(struct scn_run *r, const struct scn_step *s, uint64_t iteration, uint64_t repeat)
{
	uint32_t n = tdxsim_num_lps(r->sim), first = 0, last = 0;
	if (s->lp_mode == SCN_LP_ALL) {
		last = n - 1;
	} else if (s->lp_mode == SCN_LP_RANDOM) {
		first = last = (uint32_t)(tdxsim_scn_rng_next(r) % n);
	} else if (s->lp_mode == SCN_LP_ONE && s->lp) {
		uint64_t lp;
		if (tdxsim_scn_eval(r, s->lp, &lp))
			return -1;
		if (lp >= n)
			return tdxsim_scn_run_error(r, "LP %llu does not exist (the platform has %u)",
						    (unsigned long long)lp, n);
		first = last = (uint32_t)lp;
	}
	for (uint32_t lp = first; lp <= last; lp++) {
		struct scn_obs obs = {0};
		tdxsim_scn_buf_reset(&r->detail);
		if (tdxsim_scn_executor(s->kind)(r, s, lp, &obs))
			return -1;
		size_t before = r->why.len;
		tdxsim_scn_check_expect(r, s, &obs);
		if (r->why.len != before) {
			if (repeat > 1 || first != last) {
				/* Say which of the executions failed. */
				uint64_t per = last - first + 1, k = iteration * per + (lp - first) + 1;
				tdxsim_scn_buf_printf(&r->detail, " (execution %llu of %llu, LP %u)",
						      (unsigned long long)k,
						      (unsigned long long)(repeat * per), lp);
			}
			return 1;
		}
		for (unsigned i = 0; i < s->num_saves; i++) {
			const struct scn_save *sv = &s->saves[i];
			r->vars[sv->var] = sv->reg == SCN_SAVE_STATUS  ? obs.status
					   : sv->reg == SCN_SAVE_VALUE ? obs.value
					   : sv->reg < 0	       ? obs.outs[SCN_SAVE_OUT(0) - sv->reg]
							 : *tdxsim_scn_reg_ptr(&obs.regs, sv->reg);
		}
	}
	return 0;
}

static void run_step(struct scn_run *r, unsigned index, struct scn_outcome *out)
{
	const struct scn_step *s = &r->scn->steps[index];
	uint32_t n = tdxsim_num_lps(r->sim);
	/* The result outlives the scenario: it keeps its own copy of the label. */
	const char *label = tdxsim_scn_strndup(&r->res->arena, s->label, strlen(s->label));
	*out = (struct scn_outcome){.verdict = SCN_PASS,
				    .index = index + 1,
				    .pos = s->pos,
				    .label = label ? label : "",
				    .named = s->named};
	tdxsim_scn_buf_reset(&r->why);
	tdxsim_scn_buf_reset(&r->detail);
	r->err[0] = 0;
	r->mces = 0;
	for (uint32_t lp = 0; lp < n; lp++)
		r->lp_start[lp] = tdxsim_lp_cycles(r->sim, lp);
	/* The step's span opens a little before its first call and closes a little after its
	 * last one, so that it strictly contains them on every LP's track. */
	uint64_t gstart = tdxsim_scn_trace_sync(r);
	r->gclock += STEP_MARGIN;
	uint64_t repeat = s->repeat ? s->repeat->value : 1;
	int rc = 0;
	for (uint64_t it = 0; it < repeat && rc == 0; it++)
		rc = execute(r, s, it, repeat);
	if (rc == 0 && s->lp_mode == SCN_LP_ALL && n > 1)
		tdxsim_scn_buf_printf(&r->detail, " (on each of the %u LPs; the last shown)", n);
	if (rc == 0 && repeat > 1)
		tdxsim_scn_buf_printf(&r->detail, " (x%llu)", (unsigned long long)repeat);
	uint64_t cycles = 0, gend = tdxsim_scn_trace_sync(r) + STEP_MARGIN;
	r->gclock = gend;
	for (uint32_t lp = 0; lp < n; lp++) {
		uint64_t now = tdxsim_lp_cycles(r->sim, lp), d = now - r->lp_start[lp];
		if (d > cycles) {
			cycles = d;
			out->lp = lp;
		}
		if (d)
			tdxsim_scn_trace_span(r, SCN_EV_STEP, lp, r->lp_start[lp], d, gstart, gend - gstart,
					      out->label,
					      tdxsim_scn_sprintf(&r->res->arena, "step %u, line %u",
								 index + 1, s->pos.line));
	}
	out->cycles = cycles;
	if (rc < 0) {
		out->verdict = SCN_ERROR;
		tdxsim_scn_buf_printf(&r->why, "%s:%u:%u: %s\n", r->scn->file, s->pos.line, s->pos.col,
				      r->err);
	} else {
		if (rc == 0)
			tdxsim_scn_check_cycles(r, s, cycles);
		char msg[256];
		if (r->scn->check_invariants && tdxsim_check_invariants(r->sim, msg, sizeof(msg)) &&
		    ++r->res->invariant_breaks)
			tdxsim_scn_buf_printf(&r->why,
					      "%s:%u:%u: library invariant broken after this step: %s\n",
					      r->scn->file, s->pos.line, s->pos.col, msg);
		if (r->why.len)
			out->verdict = SCN_FAIL;
	}
	struct scn_arena *a = &r->res->arena;
	out->detail = tdxsim_scn_strndup(a, tdxsim_scn_buf_str(&r->detail), r->detail.len);
	if (r->why.len)
		out->why = tdxsim_scn_strndup(a, r->why.data, r->why.len);
}

static struct tdxsim_scenario_result *new_result(const struct tdxsim_scenario *scn, uint64_t seed)
{
	struct tdxsim_scenario_result *res = calloc(1, sizeof(*res));
	if (!res)
		return NULL;
	res->seed = seed;
	res->file = tdxsim_scn_strndup(&res->arena, scn->file, strlen(scn->file));
	res->name = tdxsim_scn_strndup(&res->arena, scn->name, strlen(scn->name));
	res->steps =
		tdxsim_scn_alloc(&res->arena, (scn->num_steps ? scn->num_steps : 1) * sizeof(*res->steps));
	if (!res->file || !res->name || !res->steps) {
		tdxsim_scenario_result_free(res);
		return NULL;
	}
	res->num_steps = scn->num_steps;
	return res;
}

static void skip_rest(struct scn_run *r, unsigned from, const char *why)
{
	struct tdxsim_scenario_result *res = r->res;
	res->setup_error = tdxsim_scn_strndup(&res->arena, why, strlen(why));
	for (unsigned i = from; i < res->num_steps; i++) {
		const struct scn_step *s = &r->scn->steps[i];
		const char *label = tdxsim_scn_strndup(&res->arena, s->label, strlen(s->label));
		res->steps[i] = (struct scn_outcome){.verdict = SCN_SKIPPED,
						     .index = i + 1,
						     .pos = s->pos,
						     .label = label ? label : "",
						     .detail = "not run",
						     .named = true};
	}
}

static void run_all(struct scn_run *r)
{
	const struct tdxsim_scenario *scn = r->scn;
	struct tdxsim_scenario_result *res = r->res;
	tdxsim_config_t cfg = scn->cfg;
	uint64_t ram = 0;
	for (uint32_t i = 0; i < cfg.num_ram_ranges; i++)
		ram += cfg.ram[i].size;
	if (r->opts.max_ram_bytes && ram > r->opts.max_ram_bytes)
		return skip_rest(r, 0, "platform has more RAM than this run allows (max_ram_bytes)");
	tdxsim_err_t err = tdxsim_create(&cfg, &r->sim);
	if (err) {
		char msg[200];
		snprintf(msg, sizeof(msg), "cannot create the platform: %s", tdxsim_strerror(err));
		return skip_rest(r, 0, msg);
	}
	tdxsim_set_mce_handler(r->sim, tdxsim_scn_on_mce, r);
	if (r->opts.record_trace)
		tdxsim_set_call_observer(r->sim, tdxsim_scn_on_call, r);
	uint32_t n = tdxsim_num_lps(r->sim);
	res->num_lps = n;
	res->lp_package = tdxsim_scn_alloc(&res->arena, n * sizeof(*res->lp_package));
	r->lp_start = calloc(n, sizeof(*r->lp_start));
	r->lp_seen = calloc(n, sizeof(*r->lp_seen));
	r->host = calloc(1, sizeof(*r->host));
	r->vars = calloc(scn->num_vars ? scn->num_vars : 1, sizeof(*r->vars));
	if (!res->lp_package || !r->lp_start || !r->lp_seen || !r->host || !r->vars)
		return skip_rest(r, 0, "out of memory");
	for (uint32_t lp = 0; lp < n; lp++) {
		res->lp_package[lp] = tdxsim_lp_package(r->sim, lp);
		r->lp_seen[lp] = tdxsim_lp_cycles(r->sim, lp);
	}
	for (unsigned i = 0; i < scn->num_steps; i++) {
		run_step(r, i, &res->steps[i]);
		if (r->budget_exhausted) {
			skip_rest(r, i + 1, r->err);
			break;
		}
	}
	if (r->opts.record_map)
		tdxsim_scn_map_snapshot(r);
}

void tdxsim_scenario_run_opts_init(tdxsim_scenario_run_opts_t *opts)
{
	if (!opts)
		return;
	memset(opts, 0, sizeof(*opts));
	opts->size = sizeof(*opts);
	opts->record_trace = true;
	opts->record_map = true;
}

tdxsim_err_t tdxsim_scenario_run(const tdxsim_scenario_t *scn, const tdxsim_scenario_run_opts_t *opts,
				 tdxsim_scenario_result_t **out)
{
	if (!out)
		return TDXSIM_ERR_INVALID_ARG;
	*out = NULL;
	if (!scn || (opts && opts->size != sizeof(*opts)))
		return TDXSIM_ERR_INVALID_ARG;
	struct scn_run r = {.scn = scn};
	if (opts)
		r.opts = *opts;
	else
		tdxsim_scenario_run_opts_init(&r.opts);
	uint64_t seed = r.opts.seed_set ? r.opts.seed : scn->seed;
	r.rng = seed;
	if (!(r.res = new_result(scn, seed)))
		return TDXSIM_ERR_NO_MEMORY;
	run_all(&r);
	struct tdxsim_scenario_result *res = r.res;
	for (unsigned i = 0; i < res->num_steps; i++) {
		uint8_t v = res->steps[i].verdict;
		res->passed += v == SCN_PASS;
		res->failed += v == SCN_FAIL;
		res->errors += v == SCN_ERROR;
		res->skipped += v == SCN_SKIPPED;
	}
	tdxsim_scn_td_free(&r);
	tdxsim_destroy(r.sim);
	free(r.lp_start);
	free(r.lp_seen);
	free(r.host);
	free(r.vars);
	tdxsim_scn_buf_free(&r.why);
	tdxsim_scn_buf_free(&r.detail);
	*out = res;
	return TDXSIM_OK;
}

unsigned tdxsim_scenario_result_invariant_breaks(const tdxsim_scenario_result_t *res)
{
	return res ? res->invariant_breaks : 0;
}

bool tdxsim_scenario_result_passed(const tdxsim_scenario_result_t *res)
{
	return res && !res->setup_error && res->passed == res->num_steps;
}

void tdxsim_scenario_result_counts(const tdxsim_scenario_result_t *res, unsigned *passed, unsigned *failed,
				   unsigned *errors)
{
	if (passed)
		*passed = res ? res->passed : 0;
	if (failed)
		*failed = res ? res->failed : 0;
	if (errors)
		*errors = res ? res->errors + res->skipped : 0;
}

void tdxsim_scenario_result_free(tdxsim_scenario_result_t *res)
{
	if (!res)
		return;
	free(res->events);
	tdxsim_scn_arena_free(&res->arena);
	free(res);
}
