/* SPDX-License-Identifier: MIT */
/*
 * Checking a step's expectations against what it produced. Every failed check adds one line
 * "file:line:col: what was expected and what came" pointing at the expectation in the file.
 * Defaults: a SEAMCALL (and init_tdmrs) must succeed, a library call must return ok, a
 * bring-up must succeed, unless the step says otherwise.
 */
#include <stdio.h>
#include <string.h>

#include "scenario/run.h"

static void SCN_FMT(3, 4) fail(struct scn_run *r, struct scn_pos pos, const char *fmt, ...)
{
	tdxsim_scn_buf_printf(&r->why, "%s:%u:%u: ", r->scn->file, pos.line, pos.col);
	va_list ap;
	va_start(ap, fmt);
	tdxsim_scn_buf_vprintf(&r->why, fmt, ap);
	va_end(ap);
	tdxsim_scn_buf_put(&r->why, "\n", 1);
}

/* Evaluates an expected value; an evaluation error is reported as a failed expectation. */
static bool expected(struct scn_run *r, const struct scn_expr *e, uint64_t *v)
{
	if (tdxsim_scn_eval(r, e, v) == 0)
		return true;
	fail(r, e->pos, "cannot evaluate the expected value: %s", r->err);
	return false;
}

/* A TD exit's RAX: "0x30 (exit reason 48)" when the class is TDX_SUCCESS, else the status. */
static const char *exit_str(uint64_t st, char *buf, size_t len)
{
	if (st >> 32)
		return tdxsim_scn_status_str(st, buf, len);
	snprintf(buf, len, "0x%llx (exit reason %llu)", (unsigned long long)st,
		 (unsigned long long)(st & 0xFFFF));
	return buf;
}

static void check_status(struct scn_run *r, const struct scn_step *s, const struct scn_obs *obs)
{
	const struct scn_expect *ex = &s->ex;
	char got[128], want[128];
	uint64_t v = 0;
	struct scn_pos pos = ex->status ? ex->status->pos : s->pos;
	switch (ex->status_match) {
	case SCN_MATCH_ANY:
		return;
	case SCN_MATCH_ERROR:
		if (!(obs->status & TDXSIM_STATUS_ERROR_BIT))
			fail(r, ex->pos, "status %s, expected an error (bit 63 set)",
			     tdxsim_scn_status_str(obs->status, got, sizeof(got)));
		return;
	case SCN_MATCH_EXACT:
		if (!expected(r, ex->status, &v))
			return;
		break;
	default:
		if (s->kind == SCN_K_BRINGUP)
			return; /* the bring-up's default is its result, checked below */
		/* A TD exit of any kind is what VP.ENTER is for: by default only the class must be
		 * TDX_SUCCESS (bits 63:32 clear; the exit reason is in bits 31:0). */
		if (s->kind == SCN_K_TD_ENTER) {
			if (obs->status >> 32)
				fail(r, pos, "status %s, expected a TD exit (status bits 63:32 clear)",
				     tdxsim_scn_status_str(obs->status, got, sizeof(got)));
			return;
		}
		break;
	}
	if (obs->status == v)
		return;
	if (s->kind == SCN_K_TD_ENTER) { /* a TD exit: TDX_SUCCESS with the exit reason in 31:0 */
		exit_str(obs->status, got, sizeof(got));
		exit_str(v, want, sizeof(want));
	} else {
		tdxsim_scn_status_str(obs->status, got, sizeof(got));
		tdxsim_scn_status_str(v, want, sizeof(want));
	}
	fail(r, pos, "status %s, expected %s", got, want);
}

static void check_result(struct scn_run *r, const struct scn_step *s, const struct scn_obs *obs)
{
	const struct scn_expect *ex = &s->ex;
	const struct scn_enum *names =
		s->kind == SCN_K_BRINGUP ? tdxsim_scn_errno_results : tdxsim_scn_lib_results;
	int64_t want = 0;
	struct scn_pos pos = s->pos;
	if (ex->has_result) {
		want = ex->result;
		pos = ex->result_pos;
	} else if (ex->mce == 1 || (s->kind == SCN_K_BRINGUP && ex->status_match != SCN_MATCH_DEFAULT)) {
		return; /* expecting a machine check or a failing status implies the call may fail */
	}
	if (obs->result != want)
		fail(r, pos, "result %s (%lld), expected %s", tdxsim_scn_enum_name(names, obs->result),
		     (long long)obs->result, tdxsim_scn_enum_name(names, want));
}

static void check_pamt(struct scn_run *r, const struct scn_pamt_expect *p)
{
	uint64_t addr, v;
	tdxsim_pamt_info_t info;
	if (!expected(r, p->addr, &addr))
		return;
	bool covered = tdxsim_pamt_query(r->sim, addr, &info) == TDXSIM_OK;
	if (p->covered >= 0 && covered != (p->covered == 1)) {
		fail(r, p->pos, "PAMT at 0x%llx: %s, expected %s", (unsigned long long)addr,
		     covered ? "covered" : "not covered", p->covered ? "covered" : "not covered");
		return;
	}
	if (!covered) {
		if (p->type || p->owner || p->level)
			fail(r, p->pos, "PAMT at 0x%llx: not covered by an initialized TDMR",
			     (unsigned long long)addr);
		return;
	}
	if (p->type && expected(r, p->type, &v) && info.page_type != v)
		fail(r, p->type->pos, "PAMT at 0x%llx: page type %u, expected %llu", (unsigned long long)addr,
		     info.page_type, (unsigned long long)v);
	if (p->owner && expected(r, p->owner, &v) && info.owner != v)
		fail(r, p->owner->pos, "PAMT at 0x%llx: owner 0x%llx, expected 0x%llx",
		     (unsigned long long)addr, (unsigned long long)info.owner, (unsigned long long)v);
	if (p->level && info.level != p->level->value)
		fail(r, p->pos, "PAMT at 0x%llx: level %s, expected %s", (unsigned long long)addr,
		     tdxsim_scn_enum_name(tdxsim_scn_page_sizes, info.level),
		     tdxsim_scn_enum_name(tdxsim_scn_page_sizes, (int64_t)p->level->value));
}

static void check_bringup(struct scn_run *r, const struct scn_expect *ex)
{
	uint64_t v;
	const struct host_tdx *h = r->host;
	if (ex->message && !strstr(h->message, ex->message))
		fail(r, ex->message_pos, "bring-up message \"%s\" does not contain \"%s\"", h->message,
		     ex->message);
	if (ex->tdmrs && expected(r, ex->tdmrs, &v) && h->num_tdmrs != v)
		fail(r, ex->tdmrs->pos, "the host built %u TDMR(s), expected %llu", h->num_tdmrs,
		     (unsigned long long)v);
	if (ex->key_retries && expected(r, ex->key_retries, &v) && h->key_config_retries != v)
		fail(r, ex->key_retries->pos, "%u key-configuration retries, expected %llu",
		     h->key_config_retries, (unsigned long long)v);
}

void tdxsim_scn_check_expect(struct scn_run *r, const struct scn_step *s, const struct scn_obs *obs)
{
	const struct scn_expect *ex = &s->ex;
	uint64_t v;
	if (obs->assert_failed)
		fail(r, s->u.cond->pos, "assertion failed: %s (%s)", s->u.cond->text,
		     tdxsim_scn_buf_str(&r->detail));
	if (obs->has_status)
		check_status(r, s, obs);
	if (obs->has_result)
		check_result(r, s, obs);
	for (int i = 0; i < SCN_NUM_REGS; i++) {
		if (!ex->regs[i] || !expected(r, ex->regs[i], &v))
			continue;
		uint64_t got = *tdxsim_scn_reg_ptr((tdxsim_regs_t *)&obs->regs, i);
		if (got != v)
			fail(r, ex->regs[i]->pos, "%s = 0x%llx, expected 0x%llx", tdxsim_scn_reg_names[i],
			     (unsigned long long)got, (unsigned long long)v);
	}
	const char *const *outs = tdxsim_scn_kind_outputs(s->kind);
	for (int i = 0; outs && outs[i]; i++) {
		if (!ex->outs[i] || !expected(r, ex->outs[i], &v))
			continue;
		if (!obs->has_outs)
			fail(r, ex->outs[i]->pos, "no %s: the call did not complete", outs[i]);
		else if (obs->outs[i] != v)
			fail(r, ex->outs[i]->pos, "%s = 0x%llx, expected 0x%llx", outs[i],
			     (unsigned long long)obs->outs[i], (unsigned long long)v);
	}
	if (ex->value && expected(r, ex->value, &v)) {
		if (!obs->has_value)
			fail(r, ex->value->pos, "no value: the access did not complete");
		else if (obs->value != v)
			fail(r, ex->value->pos, "value 0x%llx, expected 0x%llx",
			     (unsigned long long)obs->value, (unsigned long long)v);
	}
	if (ex->state >= 0) {
		tdxsim_module_state_t st = tdxsim_module_state(r->sim);
		if ((int)st != ex->state)
			fail(r, ex->state_pos, "module state %s, expected %s",
			     tdxsim_scn_enum_name(tdxsim_scn_module_states, st),
			     tdxsim_scn_enum_name(tdxsim_scn_module_states, ex->state));
	}
	if (ex->mce == 1 && !r->mces)
		fail(r, ex->mce_pos, "no machine check was raised, expected one");
	if (ex->mce == 0 && r->mces)
		fail(r, ex->mce_pos, "a machine check was raised (addr 0x%llx), expected none",
		     (unsigned long long)r->last_mce.addr);
	if (ex->mce_addr && r->mces && expected(r, ex->mce_addr, &v) && r->last_mce.addr != v)
		fail(r, ex->mce_addr->pos, "machine check at 0x%llx, expected 0x%llx",
		     (unsigned long long)r->last_mce.addr, (unsigned long long)v);
	for (unsigned i = 0; i < ex->num_pamt; i++)
		check_pamt(r, &ex->pamt[i]);
	if (ex->cmr_base) {
		uint64_t base, size;
		if (expected(r, ex->cmr_base, &base) && expected(r, ex->cmr_size, &size) &&
		    tdxsim_range_in_cmrs(r->sim, base, size) != ex->in_cmrs)
			fail(r, ex->in_cmrs_pos, "[0x%llx, 0x%llx) is %sinside the CMRs, expected %s",
			     (unsigned long long)base, (unsigned long long)(base + size),
			     ex->in_cmrs ? "not " : "", ex->in_cmrs ? "inside" : "outside");
	}
	if (obs->is_bringup)
		check_bringup(r, ex);
	tdxsim_scn_check_td(r, ex);
	tdxsim_scn_check_guest(r, ex);
}

void tdxsim_scn_check_cycles(struct scn_run *r, const struct scn_step *s, uint64_t cycles)
{
	const struct scn_expect *ex = &s->ex;
	uint64_t lo = 0, hi = UINT64_MAX;
	if (ex->cycles_min && !expected(r, ex->cycles_min, &lo))
		return;
	if (ex->cycles_max && !expected(r, ex->cycles_max, &hi))
		return;
	if (cycles < lo || cycles > hi) {
		struct scn_pos pos = ex->cycles_min ? ex->cycles_min->pos : ex->cycles_max->pos;
		if (lo == hi)
			fail(r, pos, "%llu virtual cycles, expected exactly %llu", (unsigned long long)cycles,
			     (unsigned long long)lo);
		else
			fail(r, pos, "%llu virtual cycles, expected %llu..%llu", (unsigned long long)cycles,
			     (unsigned long long)lo, (unsigned long long)hi);
	}
}
