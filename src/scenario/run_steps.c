/* SPDX-License-Identifier: MIT */
/*
 * Executors of the module-facing step kinds: SEAMCALL, RDMSR, VMXON/VMXOFF, fault injection,
 * the bring-up and TDMR-initialization macros, poke and set. Each runs its step once on one
 * LP, fills the observations its expectations are checked against, and describes what
 * happened in r->detail. Memory and platform events are in run_platform.c.
 */
#include <stdio.h>
#include <string.h>

#include "scenario/run.h"
#include "tdxsim/seamldr.h"

static int eval_or(struct scn_run *r, const struct scn_expr *e, uint64_t dflt, uint64_t *out)
{
	if (!e) {
		*out = dflt;
		return 0;
	}
	return tdxsim_scn_eval(r, e, out);
}

static void describe_leaf(struct scn_buf *b, uint64_t rax)
{
	const char *name = tdxsim_scn_call_name(rax);
	if (rax & TDXSIM_SEAMLDR_BIT) {
		/* The loader's calls are whole RAX values: no version field to show. */
		tdxsim_scn_buf_printf(b, "%s", name);
		if (rax != TDXSIM_SEAMLDR_INFO && rax != TDXSIM_SEAMLDR_INSTALL)
			tdxsim_scn_buf_printf(b, " (RAX 0x%llx)", (unsigned long long)rax);
		return;
	}
	if (name)
		tdxsim_scn_buf_printf(b, "%s", name);
	else
		tdxsim_scn_buf_printf(b, "leaf %llu", (unsigned long long)(rax & TDXSIM_LEAF_MASK));
	uint64_t version = (rax >> TDXSIM_VERSION_SHIFT) & TDXSIM_VERSION_MASK;
	if (version)
		tdxsim_scn_buf_printf(b, " v%llu", (unsigned long long)version);
	if (rax & ~(TDXSIM_LEAF_MASK | (TDXSIM_VERSION_MASK << TDXSIM_VERSION_SHIFT)))
		tdxsim_scn_buf_printf(b, " (RAX 0x%llx)", (unsigned long long)rax);
}

static int exec_seamcall(struct scn_run *r, const struct scn_step *s, uint32_t lp, struct scn_obs *obs)
{
	uint64_t rax;
	tdxsim_regs_t in = {0};
	if (tdxsim_scn_eval(r, s->u.call.rax, &rax))
		return -1;
	for (int i = 0; i < SCN_NUM_REGS; i++)
		if (s->u.call.regs[i] && tdxsim_scn_eval(r, s->u.call.regs[i], tdxsim_scn_reg_ptr(&in, i)))
			return -1;
	if (tdxsim_scn_budget(r))
		return -1;
	obs->regs = in;
	obs->status = tdxsim_seamcall(r->sim, lp, rax, &obs->regs);
	obs->has_status = obs->has_regs = true;

	char st[128];
	describe_leaf(&r->detail, rax);
	tdxsim_scn_buf_printf(&r->detail, " on LP %u", lp);
	const char *sep = " (";
	for (int i = 0; i < SCN_NUM_REGS; i++) {
		uint64_t v = *tdxsim_scn_reg_ptr(&in, i);
		if (v) {
			tdxsim_scn_buf_printf(&r->detail, "%s%s=0x%llx", sep, tdxsim_scn_reg_names[i],
					      (unsigned long long)v);
			sep = ", ";
		}
	}
	tdxsim_scn_buf_printf(&r->detail, "%s: %s", *sep == ',' ? ")" : "",
			      tdxsim_scn_status_str(obs->status, st, sizeof(st)));
	sep = "; out ";
	for (int i = 0; i < SCN_NUM_REGS; i++) {
		uint64_t v = *tdxsim_scn_reg_ptr(&obs->regs, i);
		if (v != *tdxsim_scn_reg_ptr(&in, i)) {
			tdxsim_scn_buf_printf(&r->detail, "%s%s=0x%llx", sep, tdxsim_scn_reg_names[i],
					      (unsigned long long)v);
			sep = ", ";
		}
	}
	return 0;
}

static int exec_rdmsr(struct scn_run *r, const struct scn_step *s, uint32_t lp, struct scn_obs *obs)
{
	uint64_t msr;
	if (tdxsim_scn_eval(r, s->u.msr, &msr))
		return -1;
	if (msr > UINT32_MAX)
		return tdxsim_scn_run_error(r, "MSR 0x%llx: MSR addresses are 32 bits",
					    (unsigned long long)msr);
	if (tdxsim_scn_budget(r))
		return -1;
	obs->has_result = true;
	obs->result = tdxsim_rdmsr(r->sim, lp, (uint32_t)msr, &obs->value);
	obs->has_value = obs->result == TDXSIM_OK;
	const char *name = tdxsim_msr_name((uint32_t)msr);
	if (name)
		tdxsim_scn_buf_printf(&r->detail, "RDMSR %s on LP %u", name, lp);
	else
		tdxsim_scn_buf_printf(&r->detail, "RDMSR 0x%llx on LP %u", (unsigned long long)msr, lp);
	if (obs->has_value)
		tdxsim_scn_buf_printf(&r->detail, " = 0x%llx", (unsigned long long)obs->value);
	else
		tdxsim_scn_buf_printf(&r->detail, ": %s",
				      tdxsim_scn_enum_name(tdxsim_scn_lib_results, obs->result));
	return 0;
}

static int exec_vmx(struct scn_run *r, const struct scn_step *s, uint32_t lp, struct scn_obs *obs)
{
	bool on = s->kind == SCN_K_VMXON;
	obs->has_result = true;
	obs->result = on ? tdxsim_vmxon(r->sim, lp) : tdxsim_vmxoff(r->sim, lp);
	tdxsim_scn_buf_printf(&r->detail, "%s on LP %u: %s", on ? "VMXON" : "VMXOFF", lp,
			      tdxsim_scn_enum_name(tdxsim_scn_lib_results, obs->result));
	return 0;
}

static int exec_inject(struct scn_run *r, const struct scn_step *s, uint32_t lp, struct scn_obs *obs)
{
	uint64_t leaf, status, count, after;
	char st[128];
	if (tdxsim_scn_eval(r, s->u.inject.leaf, &leaf) || tdxsim_scn_eval(r, s->u.inject.status, &status) ||
	    eval_or(r, s->u.inject.count, 1, &count) || eval_or(r, s->u.inject.after, 0, &after))
		return -1;
	if (leaf > TDXSIM_LEAF_MASK || count < 1 || count > UINT32_MAX || after > UINT32_MAX)
		return tdxsim_scn_run_error(
			r, "inject: leaf must be 0..65535, count 1..2^32-1 and after 0..2^32-1");
	uint32_t target = s->lp_mode == SCN_LP_ANY ? TDXSIM_ANY_LP : lp;
	obs->has_result = true;
	obs->result = tdxsim_inject_status_after(r->sim, (uint16_t)leaf, target, (uint32_t)after,
						 (uint32_t)count, status);
	describe_leaf(&r->detail, leaf);
	if (after)
		tdxsim_scn_buf_printf(&r->detail, ": after %llu call(s) that run normally, the next %llu on ",
				      (unsigned long long)after, (unsigned long long)count);
	else
		tdxsim_scn_buf_printf(&r->detail, ": the next %llu call(s) on ", (unsigned long long)count);
	if (target == TDXSIM_ANY_LP)
		tdxsim_scn_buf_printf(&r->detail, "any LP");
	else
		tdxsim_scn_buf_printf(&r->detail, "LP %u", target);
	tdxsim_scn_buf_printf(&r->detail, " return %s", tdxsim_scn_status_str(status, st, sizeof(st)));
	tdxsim_scn_trace_instant(
		r, target == TDXSIM_ANY_LP ? UINT32_MAX : target, "inject",
		tdxsim_scn_strndup(&r->res->arena, tdxsim_scn_buf_str(&r->detail), r->detail.len));
	return 0;
}

static int exec_clear(struct scn_run *r, const struct scn_step *s, uint32_t lp, struct scn_obs *obs)
{
	tdxsim_clear_injections(r->sim);
	obs->has_result = true;
	tdxsim_scn_buf_printf(&r->detail, "pending injections dropped");
	return 0;
}

static int exec_bringup(struct scn_run *r, const struct scn_step *s, uint32_t lp, struct scn_obs *obs)
{
	struct host_tdx_opts o = {.stop = (enum host_tdx_stop)s->u.bringup.stop,
				  .cpus_enabled = s->u.bringup.cpus_enabled,
				  .log = r->opts.log};
	uint64_t tries;
	if (eval_or(r, s->u.bringup.key_tries, 4, &tries))
		return -1;
	if (tries < 1 || tries > 1000000)
		return tdxsim_scn_run_error(r, "bringup.key_tries: %llu, expected 1..1000000",
					    (unsigned long long)tries);
	o.key_config_max_tries = (unsigned)tries;
	struct host_tdx *h = r->host;
	int rc = host_tdx_init(r->sim, &o, h);
	/* Which host symbols are meaningful now: the PAs stay numbers even if the host freed
	 * them on a failure, which is what a scenario poking at a failed bring-up wants. */
	r->host_stage = h->tdmr_array_pa ? SCN_HOST_BUILT : h->keyid_count ? SCN_HOST_LP_INIT : SCN_HOST_NONE;
	obs->is_bringup = obs->has_result = obs->has_status = true;
	obs->result = rc;
	obs->status = h->status;
	if (rc) {
		char st[128];
		tdxsim_scn_buf_printf(&r->detail, "bring-up failed (%s): %s",
				      tdxsim_scn_enum_name(tdxsim_scn_errno_results, rc), h->message);
		if (h->status)
			tdxsim_scn_buf_printf(&r->detail, " [%s]",
					      tdxsim_scn_status_str(h->status, st, sizeof(st)));
		return 0;
	}
	if (o.stop == HOST_TDX_STOP_AFTER_LP_INIT) {
		tdxsim_scn_buf_printf(&r->detail,
				      "bring-up: every LP initialized; stopped after TDH.SYS.LP.INIT");
		return 0;
	}
	tdxsim_scn_buf_printf(&r->detail, "bring-up: module %u.%u.%02u, %u TDMR(s), PAMT %llu KiB", h->major,
			      h->minor, h->update, h->num_tdmrs, (unsigned long long)(h->pamt_bytes >> 10));
	static const char *const stopped[] = {
		[HOST_TDX_RUN_ALL] = "TDX initialized",
		[HOST_TDX_STOP_BEFORE_CONFIG] = "stopped before TDH.SYS.CONFIG",
		[HOST_TDX_STOP_AFTER_CONFIG] = "stopped after TDH.SYS.CONFIG",
		[HOST_TDX_STOP_AFTER_KEYS] = "stopped after TDH.SYS.KEY.CONFIG",
	};
	tdxsim_scn_buf_printf(&r->detail, ", %u key retries; %s", h->key_config_retries, stopped[o.stop]);
	return 0;
}

static int exec_init_tdmrs(struct scn_run *r, const struct scn_step *s, uint32_t lp, struct scn_obs *obs)
{
	const struct host_tdx *h = r->host;
	uint64_t max, only;
	if (r->host_stage < SCN_HOST_BUILT)
		return tdxsim_scn_run_error(r, "init_tdmrs needs a bringup step that built the TDMRs first");
	if (eval_or(r, s->u.init.max_calls, UINT64_MAX, &max) ||
	    eval_or(r, s->u.init.tdmr, UINT64_MAX, &only))
		return -1;
	if (only != UINT64_MAX && only >= h->num_tdmrs)
		return tdxsim_scn_run_error(r, "init_tdmrs.tdmr: %llu, the host built %u TDMR(s)",
					    (unsigned long long)only, h->num_tdmrs);
	uint64_t calls = 0, status = 0;
	unsigned done = 0, first = only == UINT64_MAX ? 0 : (unsigned)only;
	unsigned last = only == UINT64_MAX ? h->num_tdmrs : first + 1;
	for (unsigned i = first; i < last && status == 0; i++) {
		const struct host_tdx_tdmr *t = &h->tdmrs[i];
		for (;;) {
			if (calls == max)
				goto out;
			if (tdxsim_scn_budget(r))
				return -1;
			tdxsim_regs_t regs = {.rcx = t->base};
			status = tdxsim_seamcall(r->sim, lp, TDXSIM_TDH_SYS_TDMR_INIT, &regs);
			calls++;
			/* A TDMR the module already finished counts as done: resuming an interrupted
			 * initialization starts again at the first TDMR. */
			if (status == TDXSIM_TDX_TDMR_ALREADY_INITIALIZED) {
				status = 0;
				done++;
				break;
			}
			if (status)
				break;
			if (regs.rdx >= t->base + t->size) {
				done++;
				break;
			}
		}
	}
out:
	obs->has_status = true;
	obs->status = status;
	char st[128];
	tdxsim_scn_buf_printf(&r->detail,
			      "%llu TDH.SYS.TDMR.INIT call(s) on LP %u, %u of %u TDMR(s) finished: %s",
			      (unsigned long long)calls, lp, done, last - first,
			      tdxsim_scn_status_str(status, st, sizeof(st)));
	return 0;
}

static int exec_poke(struct scn_run *r, const struct scn_step *s, uint32_t lp, struct scn_obs *obs)
{
	uint64_t addr, v;
	unsigned char data[4096];
	unsigned n;
	if (tdxsim_scn_eval(r, s->u.poke.addr, &addr))
		return -1;
	if (s->u.poke.bytes) {
		n = s->u.poke.num_bytes;
		for (unsigned i = 0; i < n; i++) {
			if (tdxsim_scn_eval(r, s->u.poke.bytes[i], &v))
				return -1;
			if (v > 0xFF)
				return tdxsim_scn_run_error(r,
							    "poke.bytes[%u] = 0x%llx does not fit in a byte",
							    i, (unsigned long long)v);
			data[i] = (unsigned char)v;
		}
	} else {
		n = s->u.poke.width;
		if (tdxsim_scn_eval(r, s->u.poke.value, &v))
			return -1;
		if (n < 8 && v >> (8 * n))
			return tdxsim_scn_run_error(r, "poke: 0x%llx does not fit in %u byte(s)",
						    (unsigned long long)v, n);
		for (unsigned i = 0; i < n; i++)
			data[i] = (unsigned char)(v >> (8 * i));
	}
	/* The host writing its own structures: a store by LP 0 through KeyID 0, like any other. */
	tdxsim_err_t err = tdxsim_mem_write(r->sim, 0, addr, data, n);
	if (err)
		return tdxsim_scn_run_error(r, "poke at 0x%llx: %s", (unsigned long long)addr,
					    tdxsim_strerror(err));
	tdxsim_scn_buf_printf(&r->detail, "%u byte(s) written at 0x%llx", n, (unsigned long long)addr);
	if (!s->u.poke.bytes)
		tdxsim_scn_buf_printf(&r->detail, ": 0x%llx", (unsigned long long)v);
	return 0;
}

static int exec_set(struct scn_run *r, const struct scn_step *s, uint32_t lp, struct scn_obs *obs)
{
	for (unsigned i = 0; i < s->u.set.n; i++) {
		uint64_t v;
		if (tdxsim_scn_eval(r, s->u.set.v[i].e, &v))
			return -1;
		r->vars[s->u.set.v[i].var] = v;
		tdxsim_scn_buf_printf(&r->detail, "%s$%s = 0x%llx", i ? ", " : "",
				      r->scn->vars[s->u.set.v[i].var], (unsigned long long)v);
	}
	return 0;
}

static int exec_assert(struct scn_run *r, const struct scn_step *s, uint32_t lp, struct scn_obs *obs)
{
	uint64_t v, a, b;
	const struct scn_expr *e = s->u.cond;
	if (tdxsim_scn_eval(r, e, &v))
		return -1;
	obs->assert_failed = !v;
	tdxsim_scn_buf_printf(&r->detail, "%s", e->text);
	/* For a comparison, show both sides: what was compared is the useful part of a failure. */
	if (e->op >= SCN_OP_EQ && e->op <= SCN_OP_GE && tdxsim_scn_eval(r, e->a, &a) == 0 &&
	    tdxsim_scn_eval(r, e->b, &b) == 0)
		tdxsim_scn_buf_printf(&r->detail, " (0x%llx vs 0x%llx)", (unsigned long long)a,
				      (unsigned long long)b);
	tdxsim_scn_buf_printf(&r->detail, ": %s", v ? "holds" : "does not hold");
	return 0;
}

scn_exec_fn tdxsim_scn_executor(unsigned kind)
{
	switch (kind) {
	case SCN_K_SEAMCALL:
		return exec_seamcall;
	case SCN_K_RDMSR:
		return exec_rdmsr;
	case SCN_K_VMXON:
	case SCN_K_VMXOFF:
		return exec_vmx;
	case SCN_K_INJECT:
		return exec_inject;
	case SCN_K_CLEAR_INJECTIONS:
		return exec_clear;
	case SCN_K_BRINGUP:
		return exec_bringup;
	case SCN_K_INIT_TDMRS:
		return exec_init_tdmrs;
	case SCN_K_POKE:
		return exec_poke;
	case SCN_K_SET:
		return exec_set;
	case SCN_K_ASSERT:
		return exec_assert;
	case SCN_K_CPUID:
		return tdxsim_scn_exec_cpuid;
	case SCN_K_PLACE_IMAGE:
		return tdxsim_scn_exec_place_image;
	case SCN_K_TD_CREATE:
	case SCN_K_TD_VCPU:
	case SCN_K_TD_ADD_PAGES:
	case SCN_K_TD_FINALIZE:
	case SCN_K_TD_TEARDOWN:
		return tdxsim_scn_exec_td;
	case SCN_K_CONTEND:
		return tdxsim_scn_exec_contend;
	case SCN_K_TD_GUEST:
	case SCN_K_TD_MAP_SHARED:
	case SCN_K_TD_AUG:
	case SCN_K_TD_ENTER:
	case SCN_K_TD_INTERRUPT:
	case SCN_K_TD_STAY_IN_GUEST:
	case SCN_K_TD_LEAVE_GUEST:
		return tdxsim_scn_exec_guest;
	default:
		return tdxsim_scn_exec_platform;
	}
}
