/* SPDX-License-Identifier: MIT */
/*
 * The running-TD steps of the scenario library (td_guest, td_map_shared, td_aug, td_enter) and
 * their expectations (guest, tdreport, a TD exit's registers): every malformed input is
 * refused with its file:line:col and what was expected (one row per rule), every op kind of
 * include/tdxsim/guest.h loads by name into the tdxsim_guest_op_t the runner gives the guest,
 * and the steps do what docs/scenarios.md says when they run: lazy accept answered with AUG
 * (by hand and by td_enter's aug), TDVMCALL answers in R10-R15, the host's shared map, the
 * TDREPORT checked against the TD's MRTD and an RTMR extend chain, fatal exits, refusals.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "scenario_rows.h"
#include "scenario/run.h"
#include "tdxsim/guest.h"
#include "tdxsim/scenario.h"

#define TD_A  "steps:\n  - td_create: a\n"
#define GUEST TD_A "  - td_guest:\n      td: a\n      ops:\n"

static const struct scn_bad_row bad_rows[] = {
	{"td_guest__ops_missing", TD_A "  - td_guest: {td: a}\n", 3, 15,
	 "td_guest: missing key 'ops' (the guest program)"},
	{"td_guest__ops_not_a_list", TD_A "  - td_guest: {td: a, ops: hlt}\n", 3, 28,
	 "td_guest.ops: expected a list of at most 65536 guest ops"},
	{"td_guest__td_unknown", TD_A "  - td_guest: {td: b, ops: []}\n", 3, 20,
	 "td_guest.td: unknown TD 'b' (a td_create step must name it first)"},
	{"td_guest__unknown_key", TD_A "  - td_guest: {td: a, opz: []}\n", 3, 23,
	 "td_guest: unknown key 'opz', did you mean 'ops'?"},
	{"op__unknown_kind_with_hint", GUEST "        - hlat\n", 6, 11,
	 "td_guest.ops[0]: unknown guest op 'hlat', did you mean 'hlt'? (expected one of: read, write, "
	 "vmcall, map_gpa, rtmr_extend, report, vp_info, hlt, illegal, triple_fault, tdcall, accept, "
	 "set_tpr, eoi, sti, cli)"},
	{"op__kind_missing", GUEST "        - {gpa: 0x1000}\n", 6, 11, "td_guest.ops[0]: missing key 'op'"},
	{"op__short_form_needs_fields", GUEST "        - hlt\n        - read\n", 7, 11,
	 "td_guest.ops[1]: 'read' needs gpa, so a mapping {op: read, ...}"},
	{"op__set_tpr_needs_value", GUEST "        - set_tpr\n", 6, 11,
	 "td_guest.ops[0]: 'set_tpr' needs value, so a mapping {op: set_tpr, ...}"},
	{"op__required_field_missing", GUEST "        - {op: write, gpa: 0x1000}\n", 6, 11,
	 "td_guest.ops[0]: 'write' needs key 'value'"},
	{"op__field_the_kind_does_not_use", GUEST "        - {op: hlt, gpa: 0x1000}\n", 6, 26,
	 "td_guest.ops[0]: 'hlt' takes no 'gpa'"},
	{"op__level_only_for_accept", GUEST "        - {op: read, gpa: 0, level: 4K}\n", 6, 37,
	 "td_guest.ops[0]: 'read' takes no 'level'"},
	{"op__unknown_key", GUEST "        - {op: read, gpa: 0, sharde: true}\n", 6, 30,
	 "td_guest.ops[0]: unknown key 'sharde', did you mean 'shared'?"},
	{"op__level_unknown", GUEST "        - {op: accept, gpa: 0, level: 1G}\n", 6, 39,
	 "td_guest.ops[0].level: unknown value '1G' (expected one of: 4K, 2M)"},
	{"op__level_and_value", GUEST "        - {op: accept, gpa: 0, value: 1, level: 2M}\n", 6, 49,
	 "give level or value (the same field), not both"},
	{"op__accept_level_and_size", GUEST "        - {op: accept, gpa: 0, level: 2M, size: 4M}\n", 6, 11,
	 "td_guest.ops[0]: an accept takes level (one page) or size (a range, 1G -> 2M -> 4K as Linux), "
	 "not both"},
	{"op__shared_without_gpa", GUEST "        - {op: vmcall, shared: true}\n", 6, 32,
	 "td_guest.ops[0]: 'vmcall' has no GPA to share"},
	{"op__shared_not_bool", GUEST "        - {op: read, gpa: 0, shared: 2}\n", 6, 38,
	 "td_guest.ops[0].shared: expected true or false"},
	{"op__args_not_a_list", GUEST "        - {op: vmcall, args: 5}\n", 6, 30,
	 "td_guest.ops[0].args: expected a list of 1..6 values"},
	{"op__args_too_many", GUEST "        - {op: vmcall, args: [1, 2, 3, 4, 5, 6, 7]}\n", 6, 30,
	 "td_guest.ops[0].args: expected a list of 1..6 values"},
	{"op__value_unknown_name", GUEST "        - {op: hlt, value: TDVMCALL_HLTT}\n", 6, 28,
	 "did you mean 'TDVMCALL_HLT'?"},
	{"td_map_shared__size_missing", TD_A "  - td_map_shared: {td: a, gpa: 0}\n", 3, 20,
	 "td_map_shared: missing key 'size'"},
	{"td_map_shared__td_missing", TD_A "  - td_map_shared: {gpa: 0, size: 4K}\n", 3, 20,
	 "td_map_shared: missing key 'td'"},
	{"td_map_shared__save_value",
	 TD_A "  - td_map_shared: {td: a, gpa: 0, size: 4K}\n    save: {x: value}\n", 4, 15,
	 "save: a td_map_shared step saves one of: hpa"},
	{"td_aug__unmap_refused", TD_A "  - td_aug: {td: a, gpa: 0, hpa: unmap}\n", 3, 34,
	 "td_aug.hpa: 'unmap' is for td_map_shared"},
	{"td_map_shared__contiguous_is_for_td_aug",
	 TD_A "  - td_map_shared: {td: a, gpa: 0, size: 4K, hpa: contiguous}\n", 3, 51,
	 "td_map_shared.hpa: 'contiguous' is for td_aug"},
	{"expect_guest__no_entries", TD_A "  - td_enter: a\n    expect: {guest: []}\n", 4, 21,
	 "expect.guest: 0 entries, expected 1..64"},
	{"expect_tdreport__no_entries", TD_A "  - td_enter: a\n    expect: {tdreport: []}\n", 4, 24,
	 "expect.tdreport: 0 entries, expected 1..64"},
	{"expect_guest__too_many_out",
	 TD_A "  - td_enter: a\n    expect: {guest: {op: 0, out: [1, 2, 3, 4, 5, 6, 7]}}\n", 4, 34,
	 "expect.guest.out: expected a list of 1..6 values"},
	{"expect_tdreport__rtmr_extended_not_a_list",
	 TD_A "  - td_enter: a\n    expect: {tdreport: {gpa: 0, rtmr: {index: 1, extended: 5}}}\n", 4, 60,
	 "expect.tdreport.rtmr.extended: expected a list of at most 64 values of 96 hex digits"},
	{"td_aug__level_unknown", TD_A "  - td_aug: {td: a, gpa: 0, level: 1G}\n", 3, 36,
	 "td_aug.level: unknown value '1G' (expected one of: 4K, 2M)"},
	{"td_aug__gpa_missing", TD_A "  - td_aug: {td: a}\n", 3, 13, "td_aug: missing key 'gpa'"},
	{"td_aug__register_expectation", TD_A "  - td_aug: {td: a, gpa: 0}\n    expect: {rcx: 0}\n", 4, 14,
	 "expect: 'rcx' does not apply to a td_aug step"},
	{"td_enter__unknown_key", TD_A "  - td_enter: {td: a, r9: 1}\n", 3, 23, "td_enter: unknown key 'r9'"},
	{"td_enter__aug_not_bool", TD_A "  - td_enter: {td: a, aug: 4K}\n", 3, 28,
	 "td_enter.aug: expected true or false"},
	{"td_enter__max_entries_out_of_range", TD_A "  - td_enter: {td: a, max_entries: 1000001}\n", 3, 36,
	 "td_enter.max_entries: 1000001 (0xf4241) is out of range (expected 0..1000000)"},
	{"td_enter__lp_all", TD_A "  - td_enter: a\n    lp: all\n", 4, 9, "'all' is not possible here"},
	{"td_enter__unknown_td", TD_A "  - td_enter: b\n", 3, 15, "td_enter: unknown TD 'b'"},
	{"td_enter__result_does_not_apply", TD_A "  - td_enter: a\n    expect: {result: ok}\n", 4, 14,
	 "expect: 'result' does not apply to a td_enter step"},
	{"td_enter__save_not_a_register", TD_A "  - td_enter: a\n    save: {x: eax}\n", 4, 15,
	 "save: expected status or a register"},
	{"td_interrupt__vector_missing", TD_A "  - td_interrupt: {td: a}\n", 3, 19,
	 "td_interrupt: missing key 'vector'"},
	{"td_interrupt__vector_out_of_range", TD_A "  - td_interrupt: {td: a, vector: 256}\n", 3, 35,
	 "td_interrupt.vector: 256 (0x100) is out of range (expected 0..255)"},
	{"expect_guest__td_missing_outside_guest_steps",
	 "steps:\n  - set: {x: 1}\n    expect: {guest: {op: 0, state: done}}\n", 3, 21,
	 "expect.guest: missing key 'td' (only the guest steps have one)"},
	{"expect_guest__state_unknown", TD_A "  - td_enter: a\n    expect: {guest: {op: 0, state: ok}}\n", 4,
	 36, "expect.guest.state: unknown value 'ok' (expected one of: not_run, done, ve)"},
	{"expect_guest__out_not_a_list", TD_A "  - td_enter: a\n    expect: {guest: {op: 0, out: 5}}\n", 4,
	 34, "expect.guest.out: expected a list of 1..6 values"},
	{"expect_guest__status_needs_op", TD_A "  - td_enter: a\n    expect: {guest: {pc: 1, status: 0}}\n",
	 4, 21, "expect.guest: state, status and out need 'op' (its index)"},
	{"expect_guest__op_or_pc", TD_A "  - td_enter: a\n    expect: {guest: {vcpu: 0}}\n", 4, 21,
	 "expect.guest: give op (an op's index) or pc"},
	{"expect_guest__unknown_key", TD_A "  - td_enter: a\n    expect: {guest: {op: 0, stat: done}}\n", 4,
	 29, "expect.guest: unknown key 'stat', did you mean 'state'?"},
	{"expect_tdreport__gpa_missing", TD_A "  - td_enter: a\n    expect: {tdreport: {verifies: true}}\n",
	 4, 24, "expect.tdreport: missing key 'gpa'"},
	{"expect_tdreport__rtmr_index_out_of_range",
	 TD_A "  - td_enter: a\n    expect: {tdreport: {gpa: 0, rtmr: {index: 4, extended: []}}}\n", 4, 47,
	 "expect.tdreport.rtmr.index: 4 (0x4) is out of range (expected 0..3)"},
	{"expect_tdreport__rtmr_extended_missing",
	 TD_A "  - td_enter: a\n    expect: {tdreport: {gpa: 0, rtmr: {index: 1}}}\n", 4, 39,
	 "expect.tdreport.rtmr: needs index (0..3) and extended"},
	{"expect_tdreport__rtmr_extended_not_hex",
	 TD_A "  - td_enter: a\n    expect: {tdreport: {gpa: 0, rtmr: {index: 1, extended: [abc]}}}\n", 4, 61,
	 "expect.tdreport.rtmr.extended: 3 characters, expected 96 hex digits"},
	{"expect_tdreport__mrtd_length", TD_A "  - td_enter: a\n    expect: {tdreport: {gpa: 0, mrtd: 00}}\n",
	 4, 39, "expect.tdreport.mrtd: 2 characters, expected 96 hex digits"},
	{"expect_tdreport__unknown_key", TD_A "  - td_enter: a\n    expect: {tdreport: {gpa: 0, mac: 1}}\n",
	 4, 33, "expect.tdreport: unknown key 'mac'"},
};

static void bad__reported_with_position(void **state)
{
	(void)state;
	scn_assert_refused(bad_rows, sizeof(bad_rows) / sizeof(bad_rows[0]));
}

/* One row per op kind: its name in a scenario, the kind it loads as, and the fields given. */
static void ops__every_kind_loads_by_name(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		tdxsim_guest_op_kind_t kind;
	} kinds[] = {
		{"read", TDXSIM_GOP_READ},
		{"write", TDXSIM_GOP_WRITE},
		{"vmcall", TDXSIM_GOP_VMCALL},
		{"map_gpa", TDXSIM_GOP_MAP_GPA},
		{"rtmr_extend", TDXSIM_GOP_RTMR_EXTEND},
		{"report", TDXSIM_GOP_REPORT},
		{"vp_info", TDXSIM_GOP_VP_INFO},
		{"hlt", TDXSIM_GOP_HLT},
		{"illegal", TDXSIM_GOP_ILLEGAL},
		{"triple_fault", TDXSIM_GOP_TRIPLE_FAULT},
		{"tdcall", TDXSIM_GOP_TDCALL},
		{"accept", TDXSIM_GOP_ACCEPT},
		{"set_tpr", TDXSIM_GOP_SET_TPR},
		{"eoi", TDXSIM_GOP_EOI},
		{"sti", TDXSIM_GOP_STI},
		{"cli", TDXSIM_GOP_CLI},
	};
	tdxsim_scenario_t *scn =
		scn_load_ok(GUEST "        - {op: read, gpa: 0x1008, size: 4}\n"
				  "        - {op: write, gpa: 0x2000, value: 0xAB, shared: true}\n"
				  "        - {op: vmcall, value: 0xFC00, args: [1, 2, 3, 4, 5, 6]}\n"
				  "        - {op: map_gpa, gpa: 0x200000, size: 2M, shared: true}\n"
				  "        - {op: rtmr_extend, gpa: 0x3000, value: 2}\n"
				  "        - {op: report, gpa: 0x4000, args: [0x5000, 0]}\n"
				  "        - vp_info\n"
				  "        - {op: hlt, value: 1}\n"
				  "        - illegal\n"
				  "        - triple_fault\n"
				  "        - {op: tdcall, value: 3, gpa: 0x6000, args: [7, 8]}\n"
				  "        - {op: accept, gpa: 0x200000, level: 2M}\n"
				  "        - {op: set_tpr, value: 0x20}\n"
				  "        - eoi\n"
				  "        - sti\n"
				  "        - cli\n");
	const struct scn_guest_step *g = &scn->steps[1].u.guest;
	assert_int_equal(scn->steps[1].kind, SCN_K_TD_GUEST);
	assert_int_equal(g->num_ops, SCN_COUNT(kinds));
	for (size_t i = 0; i < SCN_COUNT(kinds); i++)
		if (g->ops[i].kind != kinds[i].kind)
			fail_msg("ops[%zu] (%s): kind %u, expected %u", i, kinds[i].name, g->ops[i].kind,
				 kinds[i].kind);
	assert_int_equal(g->ops[0].size->value, 4);
	assert_false(g->ops[0].shared);
	assert_true(g->ops[1].shared);
	assert_int_equal(g->ops[1].value->value, 0xAB);
	assert_null(g->ops[1].size); /* 8 bytes at run time */
	assert_int_equal(g->ops[2].args[5]->value, 6);
	assert_int_equal(g->ops[3].size->value, 2u << 20);
	assert_int_equal(g->ops[5].args[0]->value, 0x5000);
	assert_null(g->ops[6].gpa);
	assert_int_equal(g->ops[10].args[1]->value, 8);
	assert_int_equal(g->ops[11].value->value, 1); /* level 2M */
	assert_int_equal(g->ops[12].value->value, 0x20);
	tdxsim_scenario_free(scn);
}

static void steps__every_key_loads(void **state)
{
	(void)state;
	tdxsim_scenario_t *scn = scn_load_ok(
		TD_A "  - td_map_shared: {td: a, gpa: 0x800000, size: 8K, hpa: page(x)}\n"
		     "  - td_map_shared: {td: a, gpa: 0x800000, size: 8K, hpa: unmap}\n"
		     "  - td_map_shared: {td: a, gpa: 0x800000, size: 8K}\n"
		     "    save: {m: hpa}\n"
		     "  - td_aug: {td: a, gpa: 0x200000, size: 4M, level: 2M}\n"
		     "    lp: 1\n"
		     "    save: {h: hpa}\n"
		     "  - td_enter: {td: a, vcpu: 1, r10: 0, r11: 5, r15: 9, aug: true, max_entries: 7}\n"
		     "    lp: 2\n"
		     "    repeat: 3\n"
		     "    save: {x: r8, st: status}\n"
		     "    expect: {status: EXIT_TDCALL, r11: TDVMCALL_MAP_GPA, r8: 0,\n"
		     "             guest: [{op: 1, state: ve, status: 0, out: [1, ~, 3]}, {pc: 2}],\n"
		     "             tdreport: {gpa: 0x4000, verifies: false, mrtd: td,\n"
		     "                        rtmr: [{index: 0, extended: []}, {index: 3, extended: []}]}}\n"
		     "  - td_enter: a\n"
		     "  - set: {y: 1}\n"
		     "    expect: {guest: {td: a, vcpu: 1, pc: 0}}\n"
		     "  - td_interrupt: {td: a, vcpu: 1, vector: 0x30}\n"
		     "    expect: {result: ok, guest: {pc: 0}}\n");
	const struct scn_step *s = scn->steps;
	assert_int_equal(s[1].u.guest.hpa_mode, SCN_HPA_EXPR);
	assert_int_equal(s[1].u.guest.hpa->op, SCN_OP_PAGE);
	assert_int_equal(s[2].u.guest.hpa_mode, SCN_HPA_UNMAP);
	assert_int_equal(s[3].u.guest.hpa_mode, SCN_HPA_AUTO);
	assert_int_equal(s[3].saves[0].reg, SCN_SAVE_OUT(0));
	assert_int_equal(s[4].u.guest.level, 1);
	assert_int_equal(s[4].u.guest.size->value, 4u << 20);
	assert_int_equal(s[4].lp->value, 1);
	const struct scn_guest_step *e = &s[5].u.guest;
	assert_int_equal(e->vcpu->value, 1);
	assert_int_equal(e->answer[1]->value, 5);
	assert_null(e->answer[2]);
	assert_int_equal(e->answer[5]->value, 9);
	assert_true(e->aug);
	assert_int_equal(e->max_entries->value, 7);
	assert_int_equal(s[5].repeat->value, 3);
	assert_int_equal(s[5].saves[0].reg, 2); /* r8 */
	assert_int_equal(s[5].saves[1].reg, SCN_SAVE_STATUS);
	const struct scn_expect *ex = &s[5].ex;
	assert_int_equal(ex->status->value, 77);
	assert_int_equal(ex->regs[5]->value, TDXSIM_TDVMCALL_MAPGPA); /* r11 */
	assert_int_equal(ex->num_guest, 2);
	assert_int_equal(ex->guest[0].td, 0);
	assert_ptr_equal(ex->guest[0].vcpu, e->vcpu); /* the step's vCPU */
	assert_int_equal(ex->guest[0].state, TDXSIM_GUEST_VE);
	assert_int_equal(ex->guest[0].out[0]->value, 1);
	assert_null(ex->guest[0].out[1]); /* ~ skips out[1] */
	assert_int_equal(ex->guest[0].out[2]->value, 3);
	assert_int_equal(ex->guest[1].pc->value, 2);
	assert_int_equal(ex->num_report, 1);
	assert_int_equal(ex->report[0].verifies, 0);
	assert_int_equal(ex->report[0].mrtd, 1);
	assert_int_equal(ex->report[0].rtmr_mask, 0x9);
	assert_false(s[6].u.guest.aug); /* the short form: vCPU 0, no AUG */
	assert_null(s[6].u.guest.vcpu);
	assert_int_equal(s[7].ex.guest[0].vcpu->value, 1);
	assert_int_equal(s[8].kind, SCN_K_TD_INTERRUPT);
	assert_int_equal(s[8].u.guest.vector->value, 0x30);
	assert_ptr_equal(s[8].ex.guest[0].vcpu, s[8].u.guest.vcpu); /* the step's vCPU */
	tdxsim_scenario_free(scn);
}

/* ---- running ------------------------------------------------------------------------------ */

static void expect_pass(const char *yaml)
{
	tdxsim_scenario_result_t *res = scn_run_ok(yaml);
	if (!tdxsim_scenario_result_passed(res))
		scn_print_report(res);
	assert_true(tdxsim_scenario_result_passed(res));
	tdxsim_scenario_result_free(res);
}

static void run__lazy_accept_answered_with_aug(void **state)
{
	(void)state;
	expect_pass(SCN_RUNNABLE_TD_A
		    "  - td_guest:\n"
		    "      td: a\n"
		    "      ops:\n"
		    "        - {op: accept, gpa: 0x11000, level: 4K}\n"
		    "        - {op: write, gpa: 0x11008, value: 0x1122334455667788}\n"
		    "        - {op: read, gpa: 0x11008}\n"
		    "  - td_enter: a\n" /* on the vCPU's LP (1): no lp: key */
		    "    expect: {status: EXIT_EPT_VIOLATION, rcx: 2, rdx: 1, r8: 0x11000,\n"
		    "             guest: [{op: 0, state: not_run}, {pc: 0}]}\n"
		    "  - td_aug: {td: a, gpa: 0x11000}\n"
		    "    save: {p: hpa}\n"
		    "    expect: {rdmd: {page: \"a.page[1]\", type: PT_REG, owner: a.tdr, level: 4K}}\n"
		    "  - td_enter: a\n"
		    "    expect:\n"
		    "      status: EXIT_TDCALL\n"
		    "      r11: TDVMCALL_HLT\n"
		    "      guest: [{op: 0, state: done, status: 0}, {op: 2, out: [0x1122334455667788]}, "
		    "{pc: 3}]\n"
		    "  - read: {addr: $p + 8}\n" /* the host's KeyID sees no plaintext */
		    "    expect: {value: 0}\n"
		    "  - assert: a.num_pages == 2 && a.gpa[1] == 0x11000 && a.page[1] == $p\n"
		    "  - td_guest: {td: a, ops: [{op: accept, gpa: 0x400000, level: 2M}, {op: read, gpa: "
		    "0x5FF000}]}\n"
		    "  - td_enter: {td: a, aug: true}\n" /* the accept's level: a 2 MiB AUG */
		    "    expect:\n"
		    "      status: EXIT_TDCALL\n"
		    "      guest: [{op: 0, state: done, status: 0}, {op: 1, state: done, out: [0]}]\n"
		    "      rdmd: {page: \"a.page[2]\", type: PT_REG, level: 2M}\n"
		    "  - assert: a.gpa[2] == 0x400000\n"
		    "  - name: a range accept as Linux does it, 1G and 2M refused where tables are, 4K each\n"
		    "    td_guest: {td: a, ops: [{op: accept, gpa: 0x40000000, size: 16K}]}\n"
		    "  - td_enter: {td: a, aug: true}\n"
		    "    expect: {status: EXIT_TDCALL, guest: {op: 0, status: 0, out: [0x40004000, 4, 0]}}\n"
		    "  - assert: a.num_pages == 7\n"
		    "  - td_guest: {td: a, ops: [{op: accept, gpa: 0x80000000, size: 4M}]}\n"
		    "  - td_enter: {td: a, aug: true}\n" /* its 1G try answered with 2M AUGs */
		    "    expect: {guest: {op: 0, status: 0, out: [0x80400000, 0, 2]}}\n"
		    "  - assert: a.num_pages == 9 && a.gpa[8] == 0x80200000\n"
		    "  - td_teardown: a\n"
		    "    expect: {td_count: 0, rdmd: {page: \"a.page[2]\", type: PT_NDA}}\n");
}

static void run__tdvmcall_answered_in_r10_to_r15(void **state)
{
	(void)state;
	expect_pass(SCN_RUNNABLE_TD_A
		    "  - td_guest:\n"
		    "      td: a\n"
		    "      ops:\n"
		    "        - {op: vmcall, args: [0, 10, 1, 0, 0, 0]}\n" /* CPUID leaf 1 */
		    "        - {op: map_gpa, gpa: 0x200000, size: 8K, shared: true}\n"
		    "        - {op: vmcall, value: 3}\n" /* selects RAX: refused in the guest */
		    "  - td_enter: a\n"
		    "    expect: {status: EXIT_TDCALL, rcx: 0xFFCC, r10: 0, r11: 10, r12: 1}\n"
		    "  - td_enter: {td: a, r10: 0x11, r11: 0x22, r12: 0x33, r13: 0x44, r14: 0x55, "
		    "r15: 0x66}\n"
		    "    expect:\n"
		    "      status: EXIT_TDCALL\n"
		    "      r11: TDVMCALL_MAP_GPA\n"
		    "      r12: 1 << 47 | 0x200000\n"
		    "      r13: 8K\n"
		    "      guest: {op: 0, state: done, out: [0x11, 0x22, 0x33, 0x44, 0x55, 0x66]}\n"
		    "  - td_enter: {td: a, r10: 1, r11: 1 << 47 | 0x201000}\n" /* RETRY from there */
		    "    expect: {r12: 1 << 47 | 0x201000, r13: 4K, guest: {pc: 1}}\n"
		    "  - td_enter: {td: a, r10: 0}\n"
		    "    expect:\n"
		    "      r11: TDVMCALL_HLT\n"
		    "      guest: [{op: 1, state: done}, {op: 2, status: TDX_OPERAND_INVALID|RCX}]\n");
}

static void run__shared_memory_goes_through_the_host_map(void **state)
{
	(void)state;
	expect_pass(SCN_RUNNABLE_TD_A
		    "  - td_guest:\n"
		    "      td: a\n"
		    "      ops:\n"
		    "        - {op: write, gpa: 0x800010, value: 0xCAFE, size: 2, shared: true}\n"
		    "        - {op: read, gpa: 0x800010, shared: true}\n"
		    "  - td_enter: a\n" /* nothing mapped: the host's EPT faults */
		    "    expect: {status: EXIT_EPT_VIOLATION, r8: 1 << 47 | 0x800000}\n"
		    "  - td_map_shared: {td: a, gpa: 1 << 47 | 0x800000, size: 4K}\n"
		    "    save: {m: hpa}\n"
		    "  - td_enter: a\n"
		    "    expect: {r11: TDVMCALL_HLT, guest: {op: 1, out: [0xCAFE]}}\n"
		    "  - read: {addr: $m + 0x10, len: 2}\n"
		    "    expect: {value: 0xCAFE}\n"
		    "  - td_map_shared: {td: a, gpa: 0x800000, size: 4K, hpa: unmap}\n"
		    "  - td_guest: {td: a, ops: [{op: read, gpa: 0x800000, shared: true}]}\n"
		    "  - td_enter: a\n"
		    "    expect: {status: EXIT_EPT_VIOLATION}\n"
		    "  - td_map_shared: {td: a, gpa: 0x800001, size: 4K, hpa: page(x)}\n"
		    "    expect: {result: invalid_arg}\n");
}

#define DATA1 "\"0x0102030405060708\""
#define HEX1                                                                                       \
	"0807060504030201080706050403020108070605040302010807060504030201080706050403020108070605" \
	"04030201"
#define ZERO96                                                                                     \
	"0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000" \
	"00000000"

static void run__tdreport_checked_against_mrtd_and_rtmr(void **state)
{
	(void)state;
	/* The guest writes 48 bytes at 0x10000 (six times 0x0102030405060708), extends RTMR[2]
	 * with them, and reports into 0x10400; the expectation recomputes the extend chain. */
	const char *prog = SCN_RUNNABLE_TD_A "  - td_guest:\n"
					     "      td: a\n"
					     "      ops:\n"
					     "        - {op: write, gpa: 0x10000, value: " DATA1 "}\n"
					     "        - {op: write, gpa: 0x10008, value: " DATA1 "}\n"
					     "        - {op: write, gpa: 0x10010, value: " DATA1 "}\n"
					     "        - {op: write, gpa: 0x10018, value: " DATA1 "}\n"
					     "        - {op: write, gpa: 0x10020, value: " DATA1 "}\n"
					     "        - {op: write, gpa: 0x10028, value: " DATA1 "}\n"
					     "        - {op: rtmr_extend, gpa: 0x10000, value: 2}\n"
					     "        - {op: report, gpa: 0x10400, args: [0x10000, 0]}\n"
					     "  - td_enter: a\n"
					     "    expect:\n"
					     "      guest: [{op: 6, status: 0}, {op: 7, status: 0}]\n"
					     "      tdreport:\n"
					     "        gpa: 0x10400\n"
					     "        verifies: true\n"
					     "        mrtd: td\n";
	char *y = malloc(8192);
	snprintf(y, 8192,
		 "%s        rtmr: [{index: 2, extended: [" HEX1 "]}, {index: 0, extended: []}]\n"
		 "  - td_enter: a\n" /* a failing one: RTMR[1] was never extended, MRTD is not 0 */
		 "    expect:\n"
		 "      tdreport: {gpa: 0x10400, verifies: false, mrtd: " ZERO96 ",\n"
		 "                 rtmr: {index: 1, extended: [" HEX1 "]}}\n",
		 prog);
	tdxsim_scenario_result_t *res = scn_run_ok(y);
	free(y);
	if (res->steps[6].verdict != SCN_PASS)
		scn_print_report(res);
	assert_int_equal(res->steps[6].verdict, SCN_PASS);
	assert_int_equal(res->steps[7].verdict, SCN_FAIL);
	const char *why = res->steps[7].why;
	assert_non_null(strstr(why,
			       "good.yaml:30:17: TD a: the TDREPORT at GPA 0x10400 verifies, expected it "
			       "not to"));
	assert_non_null(strstr(why, "good.yaml:30:55: TD a: TDREPORT MRTD"));
	assert_non_null(strstr(why, "good.yaml:31:24: TD a: TDREPORT RTMR[1] 0000"));
	tdxsim_scenario_result_free(res);
}

static void run__failed_guest_expectations_point_at_the_file(void **state)
{
	(void)state;
	tdxsim_scenario_result_t *res = scn_run_ok(
		SCN_RUNNABLE_TD_A "  - td_guest: {td: a, ops: [{op: read, gpa: 0x10000}]}\n"
				  "  - td_enter: a\n"
				  "    expect:\n"
				  "      status: EXIT_EPT_VIOLATION\n"
				  "      r11: 1\n"
				  "      guest: [{op: 0, state: ve, status: 1, out: [5]}, {pc: 0},\n"
				  "              {op: 1}, {vcpu: 3, pc: 0}]\n"
				  "      tdreport: {gpa: 0x900000}\n");
	const char *why = res->steps[6].why;
	if (res->steps[6].verdict != SCN_FAIL)
		scn_print_report(res);
	assert_int_equal(res->steps[6].verdict, SCN_FAIL);
	assert_non_null(
		strstr(why, "good.yaml:12:15: status 0x4d (exit reason 77), expected 0x30 (exit reason 48)"));
	assert_non_null(strstr(why, "good.yaml:13:12: r11 = 0xc, expected 0x1"));
	assert_non_null(strstr(why, "good.yaml:14:15: guest op 0: state done, expected ve"));
	assert_non_null(strstr(why, "good.yaml:14:42: guest op 0: status TDX_SUCCESS, expected"));
	assert_non_null(strstr(why, "good.yaml:14:51: guest op 0: out[0] = 0x0, expected 0x5"));
	assert_non_null(strstr(why, "good.yaml:14:61: TD a vCPU 0: pc 1, expected 0"));
	assert_non_null(strstr(why, "good.yaml:15:15: TD a vCPU 0: no guest op 1"));
	assert_non_null(strstr(why, "good.yaml:15:24: TD a has no vCPU 3"));
	assert_non_null(strstr(why, "good.yaml:16:23: TD a: GPA 0x900000 is in no page"));
	tdxsim_scenario_result_free(res);
}

static void run__fatal_exits_fail_the_default_and_pass_when_expected(void **state)
{
	(void)state;
	tdxsim_scenario_result_t *res = scn_run_ok(
		SCN_RUNNABLE_TD_A
		"  - td_guest: {td: a, ops: [triple_fault]}\n"
		"  - td_enter: a\n" /* default: a TD exit of class TDX_SUCCESS */
		"  - td_enter: a\n"
		"    expect: {status: TDX_VCPU_STATE_INCORRECT}\n"
		"  - td_create: b\n"
		"  - td_vcpu: {td: b}\n"
		"  - td_add_pages: {td: b, gpa: 0x10000, fill: 0}\n"
		"  - td_finalize: b\n"
		"  - td_guest: {td: b, ops: [illegal]}\n"
		"  - td_enter: b\n"
		"    expect: {status: TDX_NON_RECOVERABLE_TD | EXIT_CR_ACCESS, td: {td: b, fatal: 1}}\n"
		"  - td_enter: {td: a, vcpu: 1}\n"
		"  - td_teardown: b\n" /* zap refused in a fatal TD: reclaimed after FREEID */
		"    expect: {td: {td: b, exists: false}, rdmd: {page: \"b.page[0]\", type: PT_NDA}}\n");
	assert_int_equal(res->steps[6].verdict, SCN_FAIL);
	assert_non_null(strstr(res->steps[6].why, "status TDX_NON_RECOVERABLE_VCPU"));
	assert_non_null(strstr(res->steps[6].why, "expected a TD exit (status bits 63:32 clear)"));
	assert_int_equal(res->steps[7].verdict, SCN_PASS);
	for (int i = 8; i < 14; i++) {
		if (res->steps[i].verdict != SCN_PASS)
			scn_print_report(res);
		assert_int_equal(res->steps[i].verdict, SCN_PASS);
	}
	assert_int_equal(res->steps[14].verdict, SCN_ERROR);
	assert_non_null(strstr(res->steps[14].why, "TD a has no vCPU 1 (it has 1)"));
	if (res->steps[15].verdict != SCN_PASS)
		scn_print_report(res);
	assert_int_equal(res->steps[15].verdict, SCN_PASS);
	tdxsim_scenario_result_free(res);
}

static void run__posted_interrupt_pending_then_taken(void **state)
{
	(void)state;
	tdxsim_scenario_result_t *res = scn_run_ok(
		SCN_RUNNABLE_TD_A
		"  - td_interrupt: {td: a, vector: 0x30}\n" /* posted interrupts not set up */
		"    expect: {result: state}\n"
		"  - seamcall: TDH.VP.WR\n"
		"    lp: 1\n"
		"    rcx: \"a.vcpu[0].tdvpr\"\n"
		"    rdx: 0x2\n" /* POSTED_INT_VECTOR */
		"    r8: 0xF2\n"
		"    r9: 0xFFFF\n"
		"  - seamcall: TDH.VP.WR\n"
		"    rcx: \"a.vcpu[0].tdvpr\"\n"
		"    lp: 1\n"
		"    rdx: 0x2016\n" /* PID_ADDRESS */
		"    r8: page(pid)\n"
		"    r9: -1\n"
		"  - seamcall: TDH.VP.WR\n"
		"    rcx: \"a.vcpu[0].tdvpr\"\n"
		"    lp: 1\n"
		"    rdx: 0x4000\n" /* PIN_BASED_CONTROLS: posted interrupts */
		"    r8: 0x80\n"
		"    r9: 0x80\n"
		"  - td_guest: {td: a, ops: [cli, {op: hlt, value: 1}, sti, {op: set_tpr, value: 0}, eoi]}\n"
		"  - td_interrupt: {td: a, vcpu: 0, vector: 0x30}\n"
		"  - td_enter: a\n" /* IF = 0: RVI holds it */
		"    expect: {r12: 1, guest: {pc: 1}}\n"
		"  - seamcall: TDH.VP.RD\n"
		"    rcx: \"a.vcpu[0].tdvpr\"\n"
		"    lp: 1\n"
		"    rdx: 0x9100000000000100\n" /* VCPU_STATE_DETAILS */
		"    expect: {r8: 1}\n"
		"  - td_enter: a\n"
		"    expect: {guest: {op: 4, out: [0x30]}}\n"
		"  - td_interrupt: {td: a, vector: 15}\n"
		"    expect: {result: invalid_arg}\n");
	if (!tdxsim_scenario_result_passed(res))
		scn_print_report(res);
	assert_true(tdxsim_scenario_result_passed(res));
	assert_non_null(strstr(res->steps[10].detail, "TD a vCPU 0: interrupt 0x30 posted: ok"));
	tdxsim_scenario_result_free(res);
}

static void run__contiguous_aug_hands_out_one_range(void **state)
{
	(void)state;
	expect_pass(SCN_RUNNABLE_TD_A
		    "  - td_aug: {td: a, gpa: 0x200000, size: 2M, level: 4K, hpa: contiguous}\n"
		    "    save: {base: hpa}\n"
		    "  - assert: \"a.num_pages == 513 && a.page[1] == $base && $base % 2M == 0 && "
		    "a.page[512] == $base + 2M - 4K && a.gpa[512] == 0x3FF000\"\n"
		    "    expect: {rdmd: {page: $base + 4K, type: PT_REG, owner: a.tdr, level: 4K}}\n"
		    "  - td_teardown: a\n"
		    "    expect: {td_count: 0, rdmd: {page: $base + 2M - 4K, type: PT_NDA}}\n");
}

static void run__teardown_zaps_demoted_pages(void **state)
{
	(void)state;
	expect_pass(SCN_RUNNABLE_TD_A
		    "  - td_aug: {td: a, gpa: 0x200000, level: 2M}\n"
		    "    save: {huge: hpa}\n"
		    "  - seamcall: TDH.MEM.RANGE.BLOCK\n"
		    "    rcx: 0x200001\n"
		    "    rdx: a.tdr\n"
		    "  - seamcall: TDH.MEM.TRACK\n"
		    "    rcx: a.tdr\n"
		    "  - seamcall: TDH.MEM.PAGE.DEMOTE\n" /* 512 PENDING 4 KiB leaves */
		    "    rcx: 0x200001\n"
		    "    rdx: a.tdr\n"
		    "    r8: page(sept)\n"
		    "    r9: -1\n"
		    "    r10: -1\n"
		    "    r11: -1\n"
		    "  - seamcall: TDH.MEM.RANGE.BLOCK\n" /* one of them taken away by hand */
		    "    rcx: 0x201000\n"
		    "    rdx: a.tdr\n"
		    "  - seamcall: TDH.MEM.TRACK\n"
		    "    rcx: a.tdr\n"
		    "  - seamcall: TDH.MEM.PAGE.REMOVE\n"
		    "    rcx: 0x201000\n"
		    "    rdx: a.tdr\n"
		    "  - td_teardown: a\n"
		    "    expect:\n"
		    "      td_count: 0\n"
		    "      rdmd: [{page: $huge, type: PT_NDA}, {page: $huge + 2M - 4K, type: PT_NDA}, "
		    "{page: page(sept), type: PT_NDA}]\n");
}

static void run__teardown_zaps_promoted_pages(void **state)
{
	(void)state;
	expect_pass(SCN_RUNNABLE_TD_A
		    "  - td_aug: {td: a, gpa: 0x200000, size: 2M, hpa: contiguous}\n"
		    "    save: {base: hpa}\n"
		    "  - seamcall: TDH.MEM.RANGE.BLOCK\n" /* one page out and back in */
		    "    rcx: 0x201000\n"
		    "    rdx: a.tdr\n"
		    "  - seamcall: TDH.MEM.TRACK\n"
		    "    rcx: a.tdr\n"
		    "  - seamcall: TDH.MEM.PAGE.REMOVE\n"
		    "    rcx: 0x201000\n"
		    "    rdx: a.tdr\n"
		    "  - td_aug: {td: a, gpa: 0x201000, hpa: $base + 4K}\n"
		    "  - assert: a.num_pages == 513\n" /* the same page, not a second record */
		    "  - seamcall: TDH.MEM.RANGE.BLOCK\n"
		    "    rcx: 0x200001\n"
		    "    rdx: a.tdr\n"
		    "  - seamcall: TDH.MEM.TRACK\n"
		    "    rcx: a.tdr\n"
		    "  - seamcall: TDH.MEM.PAGE.PROMOTE\n"
		    "    rcx: 0x200001\n"
		    "    rdx: a.tdr\n"
		    "    expect: {rdmd: {page: $base, type: PT_REG, level: 2M}}\n"
		    "  - td_teardown: a\n"
		    "    expect: {td_count: 0, rdmd: [{page: $base, type: PT_NDA}, {page: $base + 4K, "
		    "type: PT_NDA}]}\n");
}

/* Pages left after VPFLUSHDONE are reclaimed at their own size: an accepted 2 MiB page is
 * cleared and freed whole, so its last line, which the accept wrote through the TD's KeyID,
 * takes a host write with no poison (default CPU: erratum on). */
static void run__reclaim_after_flushdone_clears_whole_2m_pages(void **state)
{
	(void)state;
	expect_pass(SCN_RUNNABLE_TD_A
		    "  - td_aug: {td: a, gpa: 0x200000, level: 2M}\n"
		    "    save: {huge: hpa}\n"
		    "  - td_guest: {td: a, ops: [{op: accept, gpa: 0x200000, level: 2M}]}\n"
		    "  - td_enter: a\n" /* the accept zeroes the page through the TD's KeyID */
		    "  - seamcall: TDH.VP.FLUSH\n"
		    "    lp: 1\n"
		    "    rcx: a.vcpu[0].tdvpr\n"
		    "  - seamcall: TDH.MNG.VPFLUSHDONE\n"
		    "    rcx: a.tdr\n"
		    "  - td_teardown: a\n"
		    "    expect: {td_count: 0, rdmd: [{page: $huge, type: PT_NDA}, {page: $huge + 2M - 4K, "
		    "type: PT_NDA}]}\n"
		    "  - write: {addr: $huge + 2M - 64, value: 0x1234}\n"
		    "  - read: {addr: $huge + 2M - 64}\n"
		    "    expect: {value: 0x1234}\n");
}

static void run__refused_aug_is_the_step_status(void **state)
{
	(void)state;
	tdxsim_scenario_result_t *res =
		scn_run_ok(SCN_RUNNABLE_TD_A
			   "  - td_aug: {td: a, gpa: 0x11000}\n"
			   "  - td_aug: {td: a, gpa: 0x11000}\n" /* the entry is PENDING now */
			   "  - td_aug: {td: a, gpa: 0x200000, level: 2M, size: 4K}\n"
			   "  - td_guest: {td: a, ops: [{op: read, gpa: 0x11000}]}\n"
			   "  - td_enter: {td: a, aug: true}\n" /* touched before accept: AUG refused */
			   "    expect: {status: \"TDX_EPT_ENTRY_STATE_INCORRECT|RCX\"}\n");
	assert_int_equal(res->steps[5].verdict, SCN_PASS);
	assert_int_equal(res->steps[6].verdict, SCN_FAIL);
	assert_non_null(strstr(res->steps[6].why, "status TDX_EPT_ENTRY_STATE_INCORRECT|RCX"));
	assert_non_null(strstr(res->steps[6].detail, "TD a: TDH.MEM.PAGE.AUG on LP 0 (rcx=0x11000"));
	assert_int_equal(res->steps[7].verdict, SCN_ERROR);
	assert_non_null(strstr(res->steps[7].why, "multiples of the level's page size"));
	if (res->steps[9].verdict != SCN_PASS)
		scn_print_report(res);
	assert_int_equal(res->steps[9].verdict, SCN_PASS);
	tdxsim_scenario_result_free(res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bad__reported_with_position),
		cmocka_unit_test(ops__every_kind_loads_by_name),
		cmocka_unit_test(steps__every_key_loads),
		cmocka_unit_test(run__lazy_accept_answered_with_aug),
		cmocka_unit_test(run__tdvmcall_answered_in_r10_to_r15),
		cmocka_unit_test(run__shared_memory_goes_through_the_host_map),
		cmocka_unit_test(run__tdreport_checked_against_mrtd_and_rtmr),
		cmocka_unit_test(run__failed_guest_expectations_point_at_the_file),
		cmocka_unit_test(run__fatal_exits_fail_the_default_and_pass_when_expected),
		cmocka_unit_test(run__refused_aug_is_the_step_status),
		cmocka_unit_test(run__posted_interrupt_pending_then_taken),
		cmocka_unit_test(run__contiguous_aug_hands_out_one_range),
		cmocka_unit_test(run__teardown_zaps_demoted_pages),
		cmocka_unit_test(run__teardown_zaps_promoted_pages),
		cmocka_unit_test(run__reclaim_after_flushdone_clears_whole_2m_pages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
