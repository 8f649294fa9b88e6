/* SPDX-License-Identifier: MIT */
/*
 * td_stay_in_guest and td_leave_guest: a vCPU kept inside the guest across host calls
 * (tdxsim_vcpu_stay_in_guest(), tdxsim_vcpu_leave_guest()) from a scenario. Every malformed
 * step is refused with its file:line:col (one row per rule); every key loads into what the
 * runner reads; and run through YAML, each status a host meets while a vCPU is in the guest
 * (the rows of tests/test_td_resident.c and tests/test_td_epoch_vcpu.c: TRACK's
 * PREVIOUS_TLB_EPOCH_BUSY, TLB_TRACKING_NOT_DONE of the six tracked leaves, VP.FLUSH and
 * VPFLUSHDONE busy, VCPU_STATE_INCORRECT from another LP, the LP in guest mode refusing
 * SEAMCALLs) is the status the step expects exactly, and the call succeeds once the vCPU left;
 * the API's refusals are the step's result; td_teardown kicks the vCPU out first; a scenario
 * may end with a vCPU still in.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "scenario_rows.h"
#include "scenario/run.h"
#include "tdxsim/scenario.h"

#define TD_A "steps:\n  - td_create: a\n"

static const struct scn_bad_row bad_rows[] = {
	{"stay__unknown_key", TD_A "  - td_stay_in_guest: {td: a, call: 3}\n", 3, 31,
	 "td_stay_in_guest: unknown key 'call', did you mean 'calls'? (expected one of: td, vcpu, calls)"},
	{"stay__td_missing", TD_A "  - td_stay_in_guest: {vcpu: 0}\n", 3, 23,
	 "td_stay_in_guest: missing key 'td'"},
	{"stay__td_unknown", TD_A "  - td_stay_in_guest: b\n", 3, 23,
	 "td_stay_in_guest: unknown TD 'b' (a td_create step must name it first)"},
	{"stay__td_not_a_name", TD_A "  - td_stay_in_guest: {td: A}\n", 3, 28,
	 "td_stay_in_guest.td: 'A' is not a TD name"},
	{"stay__not_a_name_or_mapping", TD_A "  - td_stay_in_guest: [a]\n", 3, 23,
	 "td_stay_in_guest: expected a mapping with keys td, vcpu, calls, found a sequence"},
	{"stay__calls_out_of_range", TD_A "  - td_stay_in_guest: {td: a, calls: 0x100000000}\n", 3, 38,
	 "td_stay_in_guest.calls: 4294967296 (0x100000000) is out of range (expected 0..4294967295)"},
	{"stay__calls_not_a_value", TD_A "  - td_stay_in_guest: {td: a, calls: [1]}\n", 3, 38,
	 "td_stay_in_guest.calls: expected a single value, found a sequence"},
	{"stay__vcpu_unknown_name", TD_A "  - td_stay_in_guest: {td: a, vcpu: nope}\n", 3, 37,
	 "unknown name 'nope'"},
	{"stay__no_lp", TD_A "  - td_stay_in_guest: a\n    lp: 1\n", 4, 5,
	 "td_stay_in_guest: unknown key 'lp'"},
	{"stay__no_repeat", TD_A "  - td_stay_in_guest: a\n    repeat: 2\n", 4, 5,
	 "td_stay_in_guest: unknown key 'repeat'"},
	{"stay__no_save", TD_A "  - td_stay_in_guest: a\n    save: {x: hpa}\n", 4, 5,
	 "td_stay_in_guest: unknown key 'save'"},
	{"stay__status_does_not_apply", TD_A "  - td_stay_in_guest: a\n    expect: {status: 0}\n", 4, 14,
	 "expect: 'status' does not apply to a td_stay_in_guest step"},
	{"stay__result_unknown", TD_A "  - td_stay_in_guest: a\n    expect: {result: busy}\n", 4, 22,
	 "expect.result: unknown value 'busy' (expected one of: ok, invalid_arg"},
	{"leave__calls_refused", TD_A "  - td_leave_guest: {td: a, calls: 1}\n", 3, 29,
	 "td_leave_guest: unknown key 'calls' (expected one of: td, vcpu)"},
	{"leave__td_missing", TD_A "  - td_leave_guest: {vcpu: 1}\n", 3, 21,
	 "td_leave_guest: missing key 'td'"},
	{"leave__td_unknown", TD_A "  - td_leave_guest: {td: b}\n", 3, 26,
	 "td_leave_guest.td: unknown TD 'b' (a td_create step must name it first)"},
	{"leave__register_does_not_apply", TD_A "  - td_leave_guest: a\n    expect: {rcx: 0}\n", 4, 14,
	 "expect: 'rcx' does not apply to a td_leave_guest step"},
};

static void bad__reported_with_position(void **state)
{
	(void)state;
	scn_assert_refused(bad_rows, sizeof(bad_rows) / sizeof(bad_rows[0]));
}

static void steps__every_key_loads(void **state)
{
	(void)state;
	tdxsim_scenario_t *scn =
		scn_load_ok(TD_A "  - td_stay_in_guest: a\n"
				 "  - td_stay_in_guest: {td: a, vcpu: 1, calls: 0xFFFFFFFF}\n"
				 "    expect: {result: state, guest: {pc: 0}}\n"
				 "  - td_leave_guest: a\n"
				 "  - td_leave_guest: {td: a, vcpu: 1}\n"
				 "    expect: {result: invalid_arg}\n");
	const struct scn_step *s = scn->steps;
	assert_int_equal(s[1].kind, SCN_K_TD_STAY_IN_GUEST);
	assert_int_equal(s[1].u.guest.td, 0);
	assert_null(s[1].u.guest.vcpu);	 /* vCPU 0 */
	assert_null(s[1].u.guest.calls); /* until td_leave_guest */
	assert_int_equal(s[2].kind, SCN_K_TD_STAY_IN_GUEST);
	assert_int_equal(s[2].u.guest.vcpu->value, 1);
	assert_int_equal(s[2].u.guest.calls->value, UINT32_MAX);
	assert_true(s[2].ex.has_result);
	assert_int_equal(s[2].ex.result, TDXSIM_ERR_STATE);
	assert_ptr_equal(s[2].ex.guest[0].vcpu, s[2].u.guest.vcpu); /* the step's vCPU */
	assert_int_equal(s[3].kind, SCN_K_TD_LEAVE_GUEST);
	assert_null(s[3].u.guest.vcpu);
	assert_int_equal(s[4].kind, SCN_K_TD_LEAVE_GUEST);
	assert_int_equal(s[4].u.guest.vcpu->value, 1);
	assert_int_equal(s[4].ex.result, TDXSIM_ERR_INVALID_ARG);
	tdxsim_scenario_free(scn);
}

/* tdxsim-run --help names both steps and their keys. */
static void help__names_the_steps(void **state)
{
	(void)state;
	const char *help = tdxsim_scenario_format_help();
	assert_non_null(strstr(help, "td_stay_in_guest: NAME | {td, vcpu: 0, calls: 0}"));
	assert_non_null(strstr(help, "td_leave_guest: NAME | {td, vcpu: 0}"));
	assert_non_null(strstr(help, "vCPUs still in the guest leave it"));
}

/* ---- running ------------------------------------------------------------------------------ */

/* BLOCK of @gpa, the vCPU in (epoch e = the BLOCK's), TRACK (e + 1), then the leaf. */
#define BLOCKED_IN_GUEST(gpa)                 \
	"  - seamcall: TDH.MEM.RANGE.BLOCK\n" \
	"    rcx: " gpa "\n"                  \
	"    rdx: a.tdr\n"                    \
	"  - td_stay_in_guest: a\n"           \
	"  - seamcall: TDH.MEM.TRACK\n"       \
	"    rcx: a.tdr\n"                    \
	"    expect: {td: {td: a, td_epoch: 2}}\n"
#define NOT_DONE "    expect: {status: \"TDX_TLB_TRACKING_NOT_DONE|RCX\", rcx: 0, rdx: 0}\n"

struct run_row {
	const char *rule;
	const char *steps; /* after SCN_RUNNABLE_TD_A; every expectation must hold */
};

static const struct run_row run_rows[] = {
	{"track__vcpu_in_guest_since_previous_epoch__previous_tlb_epoch_busy",
	 "  - td_stay_in_guest: a\n"
	 "  - seamcall: TDH.MEM.TRACK\n"
	 "    rcx: a.tdr\n"
	 "  - seamcall: TDH.MEM.TRACK\n"
	 "    rcx: a.tdr\n"
	 "    expect: {status: TDX_PREVIOUS_TLB_EPOCH_BUSY, td: {td: a, td_epoch: 2}}\n"
	 "  - td_leave_guest: a\n"
	 "  - seamcall: TDH.MEM.TRACK\n"
	 "    rcx: a.tdr\n"
	 "    expect: {td: {td: a, td_epoch: 3}}\n"},
	{"page_remove__vcpu_in_guest_since_block_epoch__tracking_not_done",
	 BLOCKED_IN_GUEST("0x10000") "  - seamcall: TDH.MEM.PAGE.REMOVE\n"
				     "    rcx: 0x10000\n"
				     "    rdx: a.tdr\n" NOT_DONE "  - td_leave_guest: a\n"
				     "  - seamcall: TDH.MEM.PAGE.REMOVE\n"
				     "    rcx: 0x10000\n"
				     "    rdx: a.tdr\n"
				     "    expect: {rcx: \"a.page[0]\"}\n"},
	{"range_unblock__vcpu_in_guest_since_block_epoch__tracking_not_done",
	 BLOCKED_IN_GUEST("0x10000") "  - seamcall: TDH.MEM.RANGE.UNBLOCK\n"
				     "    rcx: 0x10000\n"
				     "    rdx: a.tdr\n" NOT_DONE "  - td_leave_guest: a\n"
				     "  - seamcall: TDH.MEM.RANGE.UNBLOCK\n"
				     "    rcx: 0x10000\n"
				     "    rdx: a.tdr\n"},
	{"sept_remove__vcpu_in_guest_since_block_epoch__tracking_not_done",
	 "  - seamcall: TDH.MEM.SEPT.ADD\n" /* an empty table for 2..4 MiB */
	 "    rcx: 0x200000 | 1\n"
	 "    rdx: a.tdr\n"
	 "    r8: page(pt)\n" BLOCKED_IN_GUEST(
		 "0x200000 | 1") "  - seamcall: TDH.MEM.SEPT.REMOVE\n"
				 "    rcx: 0x200000 | 1\n"
				 "    rdx: a.tdr\n" NOT_DONE "  - td_leave_guest: a\n"
				 "  - seamcall: TDH.MEM.SEPT.REMOVE\n"
				 "    rcx: 0x200000 | 1\n"
				 "    rdx: a.tdr\n"
				 "    expect: {rdmd: {page: page(pt), type: PT_NDA}}\n"},
	{"page_relocate__vcpu_in_guest_since_block_epoch__tracking_not_done",
	 BLOCKED_IN_GUEST(
		 "0x10000") "  - seamcall: TDH.MEM.PAGE.RELOCATE\n"
			    "    rcx: 0x10000\n"
			    "    rdx: a.tdr\n"
			    "    r8: page(target)\n" NOT_DONE "  - td_leave_guest: a\n"
			    "  - seamcall: TDH.MEM.PAGE.RELOCATE\n"
			    "    rcx: 0x10000\n"
			    "    rdx: a.tdr\n"
			    "    r8: page(target)\n"
			    "    expect: {rdmd: {page: page(target), type: PT_REG, owner: a.tdr}}\n"},
	{"page_demote__vcpu_in_guest_since_block_epoch__tracking_not_done",
	 "  - td_aug: {td: a, gpa: 0x200000, level: 2M}\n"
	 "    save: {huge: hpa}\n" BLOCKED_IN_GUEST(
		 "0x200000 | 1") "  - seamcall: TDH.MEM.PAGE.DEMOTE\n"
				 "    rcx: 0x200000 | 1\n"
				 "    rdx: a.tdr\n"
				 "    r8: page(sept)\n" NOT_DONE "  - td_leave_guest: a\n"
				 "  - seamcall: TDH.MEM.PAGE.DEMOTE\n"
				 "    rcx: 0x200000 | 1\n"
				 "    rdx: a.tdr\n"
				 "    r8: page(sept)\n"
				 "    expect: {rdmd: {page: $huge, level: 4K}}\n"},
	{"page_promote__vcpu_in_guest_since_block_epoch__tracking_not_done",
	 "  - td_aug: {td: a, gpa: 0x200000, size: 2M, level: 4K, hpa: contiguous}\n"
	 "    save: {base: hpa}\n" BLOCKED_IN_GUEST(
		 "0x200000 | 1") "  - seamcall: TDH.MEM.PAGE.PROMOTE\n"
				 "    rcx: 0x200000 | 1\n"
				 "    rdx: a.tdr\n" NOT_DONE "  - td_leave_guest: a\n"
				 "  - seamcall: TDH.MEM.PAGE.PROMOTE\n"
				 "    rcx: 0x200000 | 1\n"
				 "    rdx: a.tdr\n"
				 "    expect: {rdmd: {page: $base, level: 2M}}\n"},
	{"vp_flush__vcpu_in_guest__tdvpr_busy",
	 "  - td_stay_in_guest: a\n"
	 "  - seamcall: TDH.VP.FLUSH\n"
	 "    rcx: a.vcpu[0].tdvpr\n"
	 "    expect: {status: \"TDX_OPERAND_BUSY|RCX\"}\n"
	 "  - td_leave_guest: a\n"
	 "  - seamcall: TDH.VP.FLUSH\n" /* from LP 0: the vCPU is LP 1's */
	 "    rcx: a.vcpu[0].tdvpr\n"
	 "    expect: {status: TDX_VCPU_NOT_ASSOCIATED}\n"},
	{"mng_vpflushdone__vcpu_in_guest__tdr_busy", "  - td_stay_in_guest: a\n"
						     "  - seamcall: TDH.MNG.VPFLUSHDONE\n"
						     "    rcx: a.tdr\n"
						     "    expect: {status: \"TDX_OPERAND_BUSY|RCX\"}\n"
						     "  - td_leave_guest: a\n"
						     "  - seamcall: TDH.MNG.VPFLUSHDONE\n"
						     "    rcx: a.tdr\n"
						     "    expect: {status: TDX_FLUSHVP_NOT_DONE}\n"},
	{"vp_enter__vcpu_in_guest_on_another_lp__vcpu_state_incorrect",
	 "  - td_stay_in_guest: a\n"
	 "  - td_enter: a\n"
	 "    lp: 0\n"
	 "    expect: {status: TDX_VCPU_STATE_INCORRECT}\n"
	 "  - td_leave_guest: a\n"
	 "  - td_enter: a\n"
	 "    lp: 0\n"
	 "    expect: {status: TDX_VCPU_ASSOCIATED}\n"},
	{"vp_rd__vcpu_in_guest_on_another_lp__vcpu_state_incorrect",
	 "  - td_stay_in_guest: a\n"
	 "  - seamcall: TDH.VP.RD\n"
	 "    rcx: a.vcpu[0].tdvpr\n"
	 "    rdx: 0x2000000100000000\n"
	 "    expect: {status: TDX_VCPU_STATE_INCORRECT}\n"
	 "  - td_leave_guest: a\n"
	 "  - seamcall: TDH.VP.RD\n"
	 "    rcx: a.vcpu[0].tdvpr\n"
	 "    rdx: 0x2000000100000000\n"
	 "    expect: {status: TDX_VCPU_ASSOCIATED}\n"},
	{"seamcall__on_the_lp_in_guest_mode__api_misuse",
	 "  - td_stay_in_guest: a\n"
	 "  - seamcall: TDH.MEM.TRACK\n"
	 "    lp: 1\n"
	 "    rcx: a.tdr\n"
	 "    expect: {status: TDXSIM_STATUS_API_MISUSE, td: {td: a, td_epoch: 1}}\n"
	 "  - td_leave_guest: a\n"
	 "  - seamcall: TDH.MEM.TRACK\n"
	 "    lp: 1\n"
	 "    rcx: a.tdr\n"
	 "    expect: {td: {td: a, td_epoch: 2}}\n"},
	{"stay__calls_run_out__vcpu_exits_after_the_last",
	 "  - seamcall: TDH.MEM.RANGE.BLOCK\n"
	 "    rcx: 0x10000\n"
	 "    rdx: a.tdr\n"
	 "  - td_stay_in_guest: {td: a, calls: 2}\n"
	 "  - seamcall: TDH.MEM.TRACK\n"
	 "    rcx: a.tdr\n"
	 "  - seamcall: TDH.MEM.PAGE.REMOVE\n"
	 "    rcx: 0x10000\n"
	 "    rdx: a.tdr\n" NOT_DONE "  - td_leave_guest: a\n" /* out after its second call */
	 "    expect: {result: state}\n"
	 "  - seamcall: TDH.MEM.PAGE.REMOVE\n"
	 "    rcx: 0x10000\n"
	 "    rdx: a.tdr\n"},
	{"stay__already_in_guest__state", "  - td_stay_in_guest: a\n"
					  "  - td_stay_in_guest: a\n"
					  "    expect: {result: state}\n"},
	{"leave__not_in_guest__state", "  - td_leave_guest: a\n    expect: {result: state}\n"},
	{"stay__td_not_runnable__state", "  - td_create: b\n"
					 "  - td_vcpu: {td: b}\n"
					 "  - td_stay_in_guest: b\n"
					 "    expect: {result: state}\n"},
	{"stay__vcpu_flushed__not_associated__state", "  - seamcall: TDH.VP.FLUSH\n"
						      "    lp: 1\n"
						      "    rcx: a.vcpu[0].tdvpr\n"
						      "  - td_stay_in_guest: a\n"
						      "    expect: {result: state}\n"},
	{"stay__tdvpr_reclaimed__invalid_arg", "  - td_teardown: {td: a, stop: reclaim}\n"
					       "  - seamcall: TDH.PHYMEM.PAGE.RECLAIM\n"
					       "    rcx: a.vcpu[0].tdvpr\n"
					       "  - td_stay_in_guest: a\n"
					       "    expect: {result: invalid_arg}\n"
					       "  - td_leave_guest: a\n"
					       "    expect: {result: invalid_arg}\n"},
	{"teardown__vcpu_in_guest__kicked_out_first",
	 "  - td_aug: {td: a, gpa: 0x11000}\n"
	 "  - td_stay_in_guest: a\n"
	 "  - td_teardown: a\n"
	 "    expect: {td_count: 0, kot: {keyid: a.hkid, state: HKID_FREE}}\n"},
	{"teardown__stop_before_zap__vcpu_stays_in", "  - td_stay_in_guest: a\n"
						     "  - td_teardown: {td: a, stop: zap}\n"
						     "  - seamcall: TDH.VP.FLUSH\n"
						     "    rcx: a.vcpu[0].tdvpr\n"
						     "    expect: {status: \"TDX_OPERAND_BUSY|RCX\"}\n"
						     "  - td_teardown: a\n"
						     "    expect: {td_count: 0}\n"},
	/* KVM flushes a vCPU on the CPU it last ran on: after a VP.FLUSH by hand and an entry on
	 * LP 0, the teardown's VP.FLUSH goes to LP 0, and VPFLUSHDONE finds nothing associated. */
	{"teardown__vcpu_entered_on_another_lp__flushed_where_it_last_ran", "  - seamcall: TDH.VP.FLUSH\n"
									    "    lp: 1\n"
									    "    rcx: a.vcpu[0].tdvpr\n"
									    "  - td_enter: a\n"
									    "    lp: 0\n"
									    "  - td_teardown: a\n"
									    "    expect: {td_count: 0}\n"},
	{"end__vcpu_still_in_guest", "  - td_stay_in_guest: a\n"},
};

static void run__each_status_through_yaml(void **state)
{
	(void)state;
	unsigned wrong = 0;
	for (size_t i = 0; i < sizeof(run_rows) / sizeof(run_rows[0]); i++) {
		char *yaml = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&yaml, &len);
		fprintf(f, "%s%s", SCN_RUNNABLE_TD_A, run_rows[i].steps);
		fclose(f);
		tdxsim_scenario_result_t *res = scn_run_ok(yaml);
		if (!tdxsim_scenario_result_passed(res)) {
			print_error("rule %s:\n", run_rows[i].rule);
			scn_print_report(res);
			wrong++;
		}
		tdxsim_scenario_result_free(res);
		free(yaml);
	}
	assert_int_equal(wrong, 0);
}

/* The details say what happened: the vCPU, its LP (where a td_enter last entered it), the
 * epoch; a refusal, a kick by the teardown. A wrong expectation fails with the result. */
static void run__details_and_refusals(void **state)
{
	(void)state;
	tdxsim_scenario_result_t *res =
		scn_run_ok(SCN_RUNNABLE_TD_A "  - td_stay_in_guest: {td: a, calls: 3}\n"
					     "  - td_leave_guest: a\n"
					     "  - td_leave_guest: a\n"
					     "    expect: {result: ok}\n"
					     "  - seamcall: TDH.VP.FLUSH\n"
					     "    lp: 1\n"
					     "    rcx: a.vcpu[0].tdvpr\n"
					     "  - td_enter: a\n" /* on LP 0 now: associated there */
					     "    lp: 0\n"
					     "  - td_stay_in_guest: a\n"
					     "  - td_stay_in_guest: a\n"
					     "  - td_teardown: a\n");
	const struct scn_outcome *o = res->steps;
	assert_int_equal(o[5].verdict, SCN_PASS);
	assert_string_equal(
		o[5].detail,
		"TD a vCPU 0: in the guest on LP 1 from TD epoch 1 (REFCOUNT[1] + 1) for the next 3 "
		"host SEAMCALL(s): ok");
	assert_string_equal(
		o[6].detail,
		"TD a vCPU 0: out of the guest on LP 1 (external-interrupt exit), TD epoch 1: ok");
	assert_int_equal(o[7].verdict, SCN_FAIL);
	assert_string_equal(o[7].detail, "TD a vCPU 0: not in the guest: state");
	assert_non_null(strstr(o[7].why, "good.yaml:12:22: result state (-10), expected ok"));
	assert_int_equal(o[9].verdict, SCN_PASS);
	assert_string_equal(o[10].detail,
			    "TD a vCPU 0: in the guest on LP 0 from TD epoch 1 (REFCOUNT[1] + 1) until "
			    "td_leave_guest: ok");
	assert_int_equal(o[11].verdict, SCN_FAIL); /* no expect: the default is ok */
	assert_string_equal(o[11].detail,
			    "TD a vCPU 0: VP.ENTER could not enter it now (or it is in already): state");
	assert_int_equal(o[12].verdict, SCN_PASS);
	assert_non_null(strstr(o[12].detail, "1 vCPU(s) kicked out of the guest first; TD a torn down"));
	tdxsim_scenario_result_free(res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bad__reported_with_position),
		cmocka_unit_test(steps__every_key_loads),
		cmocka_unit_test(help__names_the_steps),
		cmocka_unit_test(run__each_status_through_yaml),
		cmocka_unit_test(run__details_and_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
