/* SPDX-License-Identifier: MIT */
/*
 * A vCPU kept inside the guest across host calls (tdxsim_vcpu_stay_in_guest(), tdxsim/td.h)
 * as the module's other leaves see it: what TDH.VP.ENTER holds until the TD exit (module
 * 1.5.05 tdh_vp_enter.c, td_exit.c; td-runtime.md 3.2, 5.4) — the TDVPR and TDR PAMT entries
 * shared, the association with its LP, REFCOUNT of its epoch — and the API's own refusals.
 * The epoch rules themselves are in test_td_epoch_vcpu.c.
 */
#include <stdlib.h>
#include <string.h>

#include "sim/sim.h"
#include "td/td.h"
#include "td_mem_world.h"
#include "tdxsim/snapshot.h"

#define OPERAND_BUSY_RCX UINT64_C(0x8000020000000001)

struct row {
	const char *rule;
	uint64_t leaf;
	uint64_t rcx, rdx; /* symbolic (TDMW_*) or VP for the vCPU's TDVPR */
	uint64_t status;
	uint64_t after_exit; /* the same call once the vCPU exited (still associated with its LP) */
};

#define VP (TDMW_SYM | 0x100)

/* Host calls on LP 0 while the vCPU is in the guest on TDMW_GUEST_LP. */
static const struct row rows[] = {
	/* The module marks the vCPU VCPU_ACTIVE before the entry (tdh_vp_enter.c), and
	 * check_and_associate_vcpu (helpers.c) checks the state before the association. */
	{"vp_enter__vcpu_in_guest_on_another_lp__vcpu_state_incorrect", TDXSIM_TDH_VP_ENTER, VP, 0,
	 TDXSIM_TDX_VCPU_STATE_INCORRECT, TDXSIM_TDX_VCPU_ASSOCIATED},
	{"vp_rd__vcpu_in_guest_on_another_lp__vcpu_state_incorrect", TDXSIM_TDH_VP_RD, VP,
	 UINT64_C(0x2000000100000000), TDXSIM_TDX_VCPU_STATE_INCORRECT, TDXSIM_TDX_VCPU_ASSOCIATED},
	{"vp_flush__vcpu_in_guest__tdvpr_busy", TDXSIM_TDH_VP_FLUSH, VP, 0, OPERAND_BUSY_RCX,
	 TDXSIM_TDX_VCPU_NOT_ASSOCIATED},
	{"mng_vpflushdone__vcpu_in_guest__tdr_busy", TDXSIM_TDH_MNG_VPFLUSHDONE, TDMW_TDR, 0,
	 OPERAND_BUSY_RCX, TDXSIM_TDX_FLUSHVP_NOT_DONE},
};

static uint64_t resolve(const struct tdmw *w, uint64_t v)
{
	return v == VP ? w->vp.tdvpr : tdmw_resolve(w, v);
}

static void leaves_while_vcpu_in_guest(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *row = &rows[i];
		struct tdmw w;
		tdmw_build(&w, NULL, TDMW_RUNNABLE);
		tdmw_reside(&w, 0);
		tdxsim_regs_t in = {.rcx = resolve(&w, row->rcx), .rdx = resolve(&w, row->rdx), .r8 = 0x88},
			      out = in;
		if (row->leaf == TDXSIM_TDH_VP_RD)
			out.r8 = 0; /* VP.RD clears its value register before its checks */
		tdmw_refused(&w, row->rule, row->leaf, &in, &out, row->status);
		assert_int_equal(tdxsim_vcpu_leave_guest(w.fx.sim, w.vp.tdvpr), TDXSIM_OK);
		tdxsim_regs_t r = in;
		uint64_t st = tdfx_call(&w.fx, 0, row->leaf, &r);
		if (st != row->after_exit)
			print_error("rule %s: after the exit %#llx\n", row->rule, (unsigned long long)st);
		assert_status(st, row->after_exit);
		tdmw_destroy(&w);
	}
}

/* The LP the vCPU is in the guest on is in VMX non-root mode: no SEAMCALL from it. */
static void seamcall__on_lp_in_guest_mode__api_misuse(void **state)
{
	(void)state;
	struct tdmw w;
	tdmw_build(&w, NULL, TDMW_RUNNABLE);
	tdmw_reside(&w, 0);
	uint64_t before = tdxsim_state_hash(w.fx.sim);
	tdxsim_regs_t r = {.rcx = w.vp.tdvpr};
	assert_status(tdfx_call(&w.fx, TDMW_GUEST_LP, TDXSIM_TDH_VP_FLUSH, &r), TDXSIM_STATUS_API_MISUSE);
	assert_non_null(strstr(tdxsim_last_error(w.fx.sim), "guest mode"));
	assert_int_equal(tdxsim_state_hash(w.fx.sim), before);
	assert_int_equal(tdxsim_vcpu_leave_guest(w.fx.sim, w.vp.tdvpr), TDXSIM_OK);
	assert_status(tdfx_call(&w.fx, TDMW_GUEST_LP, TDXSIM_TDH_VP_FLUSH, &r), TDXSIM_TDX_SUCCESS);
	tdfx_assert_invariants(&w.fx);
	tdmw_destroy(&w);
}

/* tdxsim_vcpu_stay_in_guest() refuses what TDH.VP.ENTER could not enter; nothing changes. */
static void stay_in_guest__refusals(void **state)
{
	(void)state;
	struct tdmw w;
	tdmw_build(&w, NULL, TDMW_RUNNABLE);
	tdxsim_t *sim = w.fx.sim;
	uint64_t before = tdxsim_state_hash(sim);
	assert_int_equal(tdxsim_vcpu_stay_in_guest(sim, w.td.tdr, 0), TDXSIM_ERR_INVALID_ARG);
	assert_int_equal(tdxsim_vcpu_leave_guest(sim, w.vp.tdvpr), TDXSIM_ERR_STATE);
	tdmw_ok(&w, TDXSIM_TDH_VP_FLUSH, w.vp.tdvpr, 0, 0, NULL);
	before = tdxsim_state_hash(sim);
	assert_int_equal(tdxsim_vcpu_stay_in_guest(sim, w.vp.tdvpr, 0),
			 TDXSIM_ERR_STATE); /* not associated */
	assert_int_equal(tdxsim_state_hash(sim), before);
	tdmw_reside(&w, 0);
	before = tdxsim_state_hash(sim);
	assert_int_equal(tdxsim_vcpu_stay_in_guest(sim, w.vp.tdvpr, 0), TDXSIM_ERR_STATE); /* already in */
	assert_int_equal(tdxsim_state_hash(sim), before);
	tdfx_assert_invariants(&w.fx);
	tdmw_destroy(&w);

	tdmw_build(&w, NULL, TDMW_INITIALIZED); /* not RUNNABLE: VP.ENTER is refused */
	before = tdxsim_state_hash(w.fx.sim);
	assert_int_equal(tdxsim_vcpu_stay_in_guest(w.fx.sim, w.vp.tdvpr, 0), TDXSIM_ERR_STATE);
	assert_int_equal(tdxsim_state_hash(w.fx.sim), before);
	tdmw_destroy(&w);
}

/* A snapshot keeps the vCPU in the guest (REFCOUNT, the TDVPR lock); a restore after it left
 * brings it back in. */
static void snapshot__vcpu_in_guest__restored_in_guest(void **state)
{
	(void)state;
	struct tdmw w;
	tdmw_build(&w, NULL, TDMW_RUNNABLE);
	tdmw_reside(&w, 0);
	uint64_t e = tdmw_epoch(&w);
	tdxsim_snapshot_t *snap;
	assert_int_equal(tdxsim_snapshot_take(w.fx.sim, &snap), TDXSIM_OK);
	assert_int_equal(tdxsim_vcpu_leave_guest(w.fx.sim, w.vp.tdvpr), TDXSIM_OK);
	assert_int_equal(tdmw_refcount(&w, e & 1), 0);
	assert_int_equal(tdxsim_snapshot_restore(w.fx.sim, snap), TDXSIM_OK);
	tdxsim_snapshot_free(snap);
	assert_int_equal(tdmw_refcount(&w, e & 1), 1);
	tdxsim_regs_t r = {.rcx = w.vp.tdvpr};
	assert_status(tdfx_call(&w.fx, 0, TDXSIM_TDH_VP_FLUSH, &r), OPERAND_BUSY_RCX);
	tdfx_assert_invariants(&w.fx);
	assert_int_equal(tdxsim_vcpu_leave_guest(w.fx.sim, w.vp.tdvpr), TDXSIM_OK);
	tdmw_destroy(&w);
}

/* The checker's REFCOUNT rule: a REFCOUNT that does not count the vCPUs in the guest is
 * reported (tdxsim_tds_check). */
static void invariants__refcount_not_the_vcpus_in_guest__reported(void **state)
{
	(void)state;
	struct tdmw w;
	tdmw_build(&w, NULL, TDMW_RUNNABLE);
	tdmw_reside(&w, 0);
	tdfx_assert_invariants(&w.fx);
	struct tdxsim_td *td = tdxsim_td_find(&((struct tdxsim *)w.fx.sim)->td, w.td.tdr);
	uint64_t e = td->tdcs.td_epoch;
	td->tdcs.refcount[e & 1] = 0;
	char msg[256];
	assert_int_equal(tdxsim_check_invariants(w.fx.sim, msg, sizeof(msg)), TDXSIM_ERR_INVARIANT);
	assert_non_null(strstr(msg, "REFCOUNT"));
	td->tdcs.refcount[e & 1] = 1;
	tdfx_assert_invariants(&w.fx);
	assert_int_equal(tdxsim_vcpu_leave_guest(w.fx.sim, w.vp.tdvpr), TDXSIM_OK);
	tdmw_destroy(&w);
}

/* The checker's state rule: a vCPU is VCPU_ACTIVE exactly while it is in the guest. */
static void invariants__active_state_without_the_guest__reported(void **state)
{
	(void)state;
	struct tdmw w;
	tdmw_build(&w, NULL, TDMW_RUNNABLE);
	tdmw_reside(&w, 0);
	struct tdxsim_vcpu *v = tdxsim_vcpu_find(&((struct tdxsim *)w.fx.sim)->td, w.vp.tdvpr);
	assert_int_equal(v->state, TDXSIM_VCPU_ACTIVE);
	v->state = TDXSIM_VCPU_READY;
	char msg[256];
	assert_int_equal(tdxsim_check_invariants(w.fx.sim, msg, sizeof(msg)), TDXSIM_ERR_INVARIANT);
	assert_non_null(strstr(msg, "in the guest"));
	v->state = TDXSIM_VCPU_ACTIVE;
	assert_int_equal(tdxsim_vcpu_leave_guest(w.fx.sim, w.vp.tdvpr), TDXSIM_OK);
	assert_int_equal(v->state, TDXSIM_VCPU_READY);
	tdfx_assert_invariants(&w.fx);
	tdmw_destroy(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(leaves_while_vcpu_in_guest),
		cmocka_unit_test(seamcall__on_lp_in_guest_mode__api_misuse),
		cmocka_unit_test(stay_in_guest__refusals),
		cmocka_unit_test(snapshot__vcpu_in_guest__restored_in_guest),
		cmocka_unit_test(invariants__refcount_not_the_vcpus_in_guest__reported),
		cmocka_unit_test(invariants__active_state_without_the_guest__reported),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
