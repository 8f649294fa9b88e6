/* SPDX-License-Identifier: MIT */
/*
 * The TD steps of the scenario library (td_create, td_vcpu, td_add_pages, td_finalize,
 * td_teardown, contend), TD names in expressions ("a.tdr", "page(x)") and the TD expectations
 * (rdmd, kot, td, td_count): every malformed input is refused with its file:line:col and what
 * was expected (one row per rule), every key loads into what the runner reads, and the steps
 * behave as documented when they run (names resolve to the pages given to the module, a
 * refused step reports the module's status, teardown stops and resumes).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "scenario_rows.h"
#include "scenario/run.h"
#include "tdxsim/scenario.h"
#include "tdxsim/td.h"

#define TD_A "steps:\n  - td_create: a\n"

static const struct scn_bad_row bad_rows[] = {
	{"td_create__name_upper_case", "steps:\n  - td_create: {name: A}\n", 2, 23, "'A' is not a TD name"},
	{"td_create__name_page_reserved", "steps:\n  - td_create: page\n", 2, 16, "'page' is not a TD name"},
	{"td_create__name_missing", "steps:\n  - td_create: {hkid: 33}\n", 2, 16,
	 "td_create: missing key 'name'"},
	{"td_create__unknown_key", "steps:\n  - td_create: {name: a, hkd: 33}\n", 2, 26,
	 "td_create: unknown key 'hkd', did you mean 'hkid'?"},
	{"td_create__tdcs_out_of_range", "steps:\n  - td_create: {name: a, tdcs: 17}\n", 2, 32,
	 "td_create.tdcs: 17 (0x11) is out of range (expected 0..16)"},
	{"td_create__hkid_out_of_range", "steps:\n  - td_create: {name: a, hkid: 0x10000}\n", 2, 32,
	 "td_create.hkid: 65536 (0x10000) is out of range"},
	{"td_create__init_not_bool", "steps:\n  - td_create: {name: a, init: 2}\n", 2, 32,
	 "td_create.init: expected true or false"},
	{"td_create__params_without_init",
	 "steps:\n  - td_create: {name: a, init: false, params: {xfam: 3}}\n", 2, 47,
	 "td_create.params: only with init: true"},
	{"td_create__params_unknown_key", "steps:\n  - td_create: {name: a, params: {xfan: 3}}\n", 2, 35,
	 "td_create.params: unknown key 'xfan', did you mean 'xfam'?"},
	{"td_create__result_does_not_apply", "steps:\n  - td_create: a\n    expect: {result: ok}\n", 3, 14,
	 "expect: 'result' does not apply to a td_create step"},
	{"td_vcpu__unknown_td", "steps:\n  - td_vcpu: {td: b}\n", 2, 19,
	 "td_vcpu.td: unknown TD 'b' (a td_create step must name it first)"},
	{"td_vcpu__td_before_create", "steps:\n  - td_vcpu: {td: a}\n  - td_create: a\n", 2, 19,
	 "unknown TD 'a'"},
	{"td_vcpu__lp_all", TD_A "  - td_vcpu: {td: a}\n    lp: all\n", 4, 9, "'all' is not possible here"},
	{"td_vcpu__tdcx_out_of_range", TD_A "  - td_vcpu: {td: a, tdcx: 16}\n", 3, 28,
	 "td_vcpu.tdcx: 16 (0x10) is out of range"},
	{"td_add_pages__gpa_missing", TD_A "  - td_add_pages: {td: a}\n", 3, 19,
	 "td_add_pages: missing key 'gpa'"},
	{"td_add_pages__fill_and_pattern",
	 TD_A "  - td_add_pages: {td: a, gpa: 0, fill: 1, pattern: {mul: 1, add: 0}}\n", 3, 53,
	 "give fill (a byte) or pattern, not both"},
	{"td_add_pages__fill_not_a_byte", TD_A "  - td_add_pages: {td: a, gpa: 0, fill: 256}\n", 3, 41,
	 "td_add_pages.fill: 256 (0x100) is out of range (expected 0..255)"},
	{"td_add_pages__pattern_add_missing", TD_A "  - td_add_pages: {td: a, gpa: 0, pattern: {mul: 7}}\n",
	 3, 44, "td_add_pages.pattern: missing key 'add'"},
	{"td_add_pages__short_form", TD_A "  - td_add_pages: a\n", 3, 19,
	 "td_add_pages: expected a mapping with keys td, gpa, size"},
	{"td_finalize__unknown_key", TD_A "  - td_finalize: {tdd: a}\n", 3, 19,
	 "td_finalize: unknown key 'tdd'"},
	{"td_finalize__td_missing", TD_A "  - td_finalize: {}\n", 3, 18, "td_finalize: missing key 'td'"},
	{"td_teardown__bad_stop", TD_A "  - td_teardown: {td: a, stop: wbinvd}\n", 3, 32,
	 "td_teardown.stop: unknown value 'wbinvd' (expected one of: zap, flush, flushdone, cache_wb, "
	 "freeid, "
	 "reclaim, reclaim_tdr)"},
	{"expr__unknown_td_field", TD_A "  - seamcall: 1\n    rcx: a.tdx\n", 4, 10,
	 "TD a has no 'tdx' (expected one of: tdr, hkid"},
	{"expr__unknown_vcpu_field", TD_A "  - seamcall: 1\n    rcx: \"a.vcpu[0].tdvp\"\n", 4, 0,
	 "unknown vCPU field 'tdvp' (expected tdvpr, tdcx[j] or lp)"},
	{"expr__vcpu_without_field", TD_A "  - seamcall: 1\n    rcx: \"a.vcpu[0]\"\n", 4, 0,
	 "expected .tdvpr, .tdcx[j] or .lp after vcpu[i]"},
	{"expr__tdcs_without_index", TD_A "  - seamcall: 1\n    rcx: a.tdcs\n", 4, 0, "expected '['"},
	{"expr__td_name_undefined", "steps:\n  - seamcall: 1\n    rcx: a.tdr\n", 3, 10,
	 "unknown name 'a.tdr'"},
	{"expr__page_without_name", "steps:\n  - seamcall: 1\n    rcx: page()\n", 3, 0,
	 "page(NAME): expected a name"},
	{"expr__page_unclosed", "steps:\n  - seamcall: 1\n    rcx: page(x\n", 3, 0,
	 "expected ')' after page(NAME"},
	{"contend__resource_missing", "steps:\n  - contend: {count: 1}\n", 2, 14,
	 "contend: missing key 'resource'"},
	{"contend__resource_unknown", "steps:\n  - contend: {resource: tdr}\n", 2, 25,
	 "contend.resource: unknown value 'tdr' (expected one of: page, kot, op_state"},
	{"contend__mode_unknown", "steps:\n  - contend: {resource: kot, mode: both}\n", 2, 36,
	 "contend.mode: unknown value 'both' (expected one of: shared, exclusive)"},
	{"contend__count_too_big", "steps:\n  - contend: {resource: kot, count: 0x100000000}\n", 2, 37,
	 "contend.count: 4294967296 (0x100000000) is out of range"},
	{"expect_kot__state_unknown",
	 "steps:\n  - set: {x: 1}\n    expect: {kot: {keyid: 33, state: FREE}}\n", 3, 38,
	 "expect.kot.state: unknown value 'FREE' (expected one of: HKID_FREE, HKID_ASSIGNED"},
	{"expect_kot__state_missing", "steps:\n  - set: {x: 1}\n    expect: {kot: {keyid: 33}}\n", 3, 19,
	 "expect.kot: missing key 'state'"},
	{"expect_kot__keyid_missing", "steps:\n  - set: {x: 1}\n    expect: {kot: {state: HKID_FREE}}\n", 3,
	 19, "expect.kot: missing key 'keyid'"},
	{"expect_td__td_missing", TD_A "    expect: {td: {chldcnt: 6}}\n", 3, 18,
	 "expect.td: missing key 'td' (a TD's name)"},
	{"expect_td__unknown_td", TD_A "    expect: {td: {td: b}}\n", 3, 23, "expect.td.td: unknown TD 'b'"},
	{"expect_td__lifecycle_unknown", TD_A "    expect: {td: {td: a, lifecycle: LIVE}}\n", 3, 37,
	 "expect.td.lifecycle: unknown value 'LIVE' (expected one of: HKID_ASSIGNED, KEYS_CONFIGURED, "
	 "BLOCKED, "
	 "TEARDOWN)"},
	{"expect_td__op_state_unknown", TD_A "    expect: {td: {td: a, op_state: READY}}\n", 3, 36,
	 "expect.td.op_state: unknown value 'READY'"},
	{"expect_td__mrtd_length", TD_A "    expect: {td: {td: a, mrtd: abcd}}\n", 3, 32,
	 "expect.td.mrtd: 4 characters, expected 96 hex digits"},
	{"expect_td__mrtd_not_hex",
	 TD_A "    expect:\n      td: {td: a, mrtd: "
	      "\"x00000000000000000000000000000000000000000000000000000000000000000000000000"
	      "000000000000000000000\"}\n",
	 4, 25, "expect.td.mrtd: 'x' is not a hex digit"},
	{"expect_td__gone_with_state", TD_A "    expect: {td: {td: a, exists: false, chldcnt: 0}}\n", 3, 18,
	 "a TD that does not exist has no other state"},
	{"expect_td__unknown_key", TD_A "    expect: {td: {td: a, chldcount: 0}}\n", 3, 26,
	 "expect.td: unknown key 'chldcount', did you mean 'chldcnt'?"},
	{"expect_rdmd__page_missing", "steps:\n  - set: {x: 1}\n    expect: {rdmd: {type: PT_TDR}}\n", 3, 20,
	 "expect.rdmd: missing key 'page'"},
	{"expect_rdmd__addr_is_pamt_spelling", "steps:\n  - set: {x: 1}\n    expect: {rdmd: {addr: 0}}\n", 3,
	 21, "expect.rdmd: unknown key 'addr'"},
	{"expect_td_count__not_a_value", "steps:\n  - set: {x: 1}\n    expect: {td_count: [1]}\n", 3, 24,
	 "expect.td_count: expected a single value"},
};

static void bad__reported_with_position(void **state)
{
	(void)state;
	scn_assert_refused(bad_rows, sizeof(bad_rows) / sizeof(bad_rows[0]));
}

static void td_steps__every_key_loads(void **state)
{
	(void)state;
	tdxsim_scenario_t *scn = scn_load_ok(
		"steps:\n"
		"  - td_create: {name: a, hkid: auto, tdcs: auto, keys: true, init: true, max_vcpus: 2,\n"
		"                params: {attributes: 1, xfam: 3, eptp: 0x1e, config_flags: 4, "
		"tsc_frequency: 88,\n"
		"                         num_l2_vms: 1}}\n"
		"  - td_create: {name: b, hkid: 40, tdcs: 9, keys: false, init: false}\n"
		"  - td_create: c\n"
		"  - td_vcpu: {td: a, x2apic: 7, tdcx: 5, init: false}\n    lp: 3\n"
		"  - td_vcpu: a\n"
		"  - td_add_pages: {td: a, gpa: 0xFFE00000, size: 2M, measure: false, pattern: {mul: 7, add: "
		"3}}\n"
		"  - td_add_pages: {td: b, gpa: 0, fill: 0xA5}\n"
		"  - td_finalize: a\n"
		"  - td_teardown: {td: a, stop: cache_wb}\n"
		"  - td_teardown: b\n"
		"  - contend: {resource: op_state, key: a.tdr, key2: 0, mode: shared, count: 2}\n"
		"  - contend: {resource: kot}\n");
	const struct scn_step *s = scn->steps;
	assert_int_equal(scn->tds.n, 3);
	assert_string_equal(scn->tds.v[2], "c");
	assert_int_equal(s[0].kind, SCN_K_TD_CREATE);
	assert_int_equal(s[0].u.td.td, 0);
	assert_null(s[0].u.td.hkid); /* auto */
	assert_null(s[0].u.td.tdcs);
	assert_true(s[0].u.td.keys && s[0].u.td.init);
	assert_int_equal(s[0].u.td.max_vcpus->value, 2);
	assert_int_equal(s[0].u.td.params[SCN_TDP_EPTP]->value, 0x1e);
	assert_int_equal(s[0].u.td.params[SCN_TDP_TSC_FREQUENCY]->value, 88);
	assert_int_equal(s[0].u.td.params[SCN_TDP_NUM_L2_VMS]->value, 1);
	assert_int_equal(s[1].u.td.td, 1);
	assert_int_equal(s[1].u.td.hkid->value, 40);
	assert_int_equal(s[1].u.td.tdcs->value, 9);
	assert_false(s[1].u.td.keys || s[1].u.td.init);
	assert_null(s[1].u.td.params[SCN_TDP_XFAM]);
	assert_true(s[2].u.td.keys && s[2].u.td.init); /* the short form takes the defaults */
	assert_int_equal(s[3].kind, SCN_K_TD_VCPU);
	assert_int_equal(s[3].lp_mode, SCN_LP_ONE);
	assert_int_equal(s[3].lp->value, 3);
	assert_int_equal(s[3].u.td.x2apic->value, 7);
	assert_int_equal(s[3].u.td.tdcx->value, 5);
	assert_false(s[3].u.td.init);
	assert_int_equal(s[4].kind, SCN_K_TD_VCPU); /* the short form initializes */
	assert_true(s[4].u.td.init);
	assert_null(s[4].u.td.x2apic);
	assert_int_equal(s[5].u.td.gpa->value, 0xFFE00000u);
	assert_int_equal(s[5].u.td.size->value, 2u << 20);
	assert_false(s[5].u.td.measure);
	assert_int_equal(s[5].u.td.mul->value, 7);
	assert_int_equal(s[5].u.td.add->value, 3);
	assert_true(s[6].u.td.measure); /* measured unless told */
	assert_int_equal(s[6].u.td.fill->value, 0xA5);
	assert_int_equal(s[7].kind, SCN_K_TD_FINALIZE);
	assert_int_equal(s[8].u.td.stop, SCN_TD_PHASE_CACHE_WB);
	assert_int_equal(s[9].u.td.stop, SCN_TD_PHASE_DONE);
	assert_int_equal(s[9].u.td.td, 1);
	assert_int_equal(s[10].u.contend.res, TDXSIM_RES_OP_STATE);
	assert_int_equal(s[10].u.contend.mode, TDXSIM_LOCK_SHARED);
	assert_int_equal(s[10].u.contend.key->op, SCN_OP_TD);
	assert_int_equal(s[10].u.contend.count->value, 2);
	assert_int_equal(s[11].u.contend.mode, TDXSIM_LOCK_EXCLUSIVE);
	assert_null(s[11].u.contend.key);
	tdxsim_scenario_free(scn);
}

static void td_names__resolve_to_nodes(void **state)
{
	(void)state;
	tdxsim_scenario_t *scn = scn_load_ok("steps:\n"
					     "  - td_create: a\n"
					     "  - td_create: zz_9\n"
					     "  - seamcall: 1\n"
					     "    rcx: a.tdr\n"
					     "    rdx: \"zz_9.vcpu[1].tdcx[4]\"\n"
					     "    r8: \"a.tdcs[2] + 1\"\n"
					     "    r9: page(x)\n"
					     "    r10: page(y)\n"
					     "    r11: page(x) | a.hkid\n"
					     "    r12: \"a.vcpu[0].lp\"\n"
					     "    r13: zz_9.num_pages\n");
	const struct scn_expr *const *r = (const struct scn_expr *const *)scn->steps[2].u.call.regs;
	assert_int_equal(r[0]->op, SCN_OP_TD); /* rcx */
	assert_int_equal(r[0]->value, 0);
	assert_int_equal(r[0]->field, SCN_TDF_TDR);
	assert_int_equal(r[1]->value, 1); /* rdx: TD zz_9 */
	assert_int_equal(r[1]->field, SCN_TDF_VCPU_TDCX);
	assert_int_equal(r[1]->a->value, 1);
	assert_int_equal(r[1]->b->value, 4);
	assert_int_equal(r[2]->op, SCN_OP_ADD);
	assert_int_equal(r[2]->a->field, SCN_TDF_TDCS);
	assert_int_equal(r[2]->a->a->value, 2);
	assert_int_equal(r[3]->op, SCN_OP_PAGE); /* r9 */
	assert_int_equal(r[4]->op, SCN_OP_PAGE); /* r10 */
	assert_int_not_equal(r[3]->value, r[4]->value);
	assert_int_equal(r[5]->a->value, r[3]->value); /* page(x) twice: one name */
	assert_int_equal(r[5]->b->field, SCN_TDF_HKID);
	assert_int_equal(r[6]->field, SCN_TDF_VCPU_LP);
	assert_int_equal(r[7]->field, SCN_TDF_NUM_PAGES);
	assert_int_equal(scn->pages.n, 2);
	tdxsim_scenario_free(scn);
}

static void td_expectations__load(void **state)
{
	(void)state;
	tdxsim_scenario_t *scn = scn_load_ok(
		"steps:\n"
		"  - td_create: a\n"
		"    expect:\n"
		"      status: TDX_HKID_NOT_FREE\n"
		"      rdmd: [{page: a.tdr, type: PT_TDR, owner: 0}, {page: \"a.tdcs[0]\", level: 4K}]\n"
		"      pamt: {addr: 0, covered: false}\n"
		"      kot: [{keyid: a.hkid, state: HKID_ASSIGNED}, {keyid: 32, state: HKID_RESERVED}]\n"
		"      td:\n"
		"        - {td: a, lifecycle: BLOCKED, op_state: RUNNABLE, chldcnt: 6, num_tdcx: 6, "
		"num_vcpus: 0,\n"
		"           num_assoc_vcpus: 0, pkg_config_bitmap: 1, fatal: 0, td_epoch: 1,\n"
		"           mrtd: "
		"3fcab157ea726e13b14f3fc8837efdde84d686161544517ecd7b04d5b530af85c80b5926df15c48e832f9a0"
		"b6adc50e3}\n"
		"        - {td: a, exists: false}\n"
		"      td_count: 0\n");
	const struct scn_expect *ex = &scn->steps[0].ex;
	assert_int_equal(ex->status_match, SCN_MATCH_EXACT);
	assert_int_equal(ex->num_pamt, 3); /* pamt, then the rdmd entries, in one list */
	assert_int_equal(ex->pamt[0].covered, 0);
	assert_int_equal(ex->pamt[1].addr->op, SCN_OP_TD);
	assert_int_equal(ex->pamt[1].type->value, TDXSIM_PT_TDR);
	assert_int_equal(ex->pamt[2].addr->field, SCN_TDF_TDCS);
	assert_int_equal(ex->pamt[2].level->value, TDXSIM_PS_4K);
	assert_int_equal(ex->num_kot, 2);
	assert_int_equal(ex->kot[1].state, 3);
	assert_int_equal(ex->num_td, 2);
	assert_int_equal(ex->td[0].lifecycle, 2);
	assert_int_equal(ex->td[0].op_state, 2);
	assert_true(ex->td[0].has_mrtd);
	assert_int_equal(ex->td[0].mrtd[0], 0x3f);
	assert_int_equal(ex->td[0].mrtd[47], 0xe3);
	assert_int_equal(ex->td[0].td_epoch->value, 1);
	assert_int_equal(ex->td[1].exists, 0);
	assert_int_equal(ex->td[1].lifecycle, -1);
	assert_int_equal(ex->td_count->value, 0);
	tdxsim_scenario_free(scn);
}

/* ---- running ------------------------------------------------------------------------------ */

#define BRINGUP "platform: {packages: 2, lps_per_package: 2}\nsteps:\n  - bringup: all\n"

static void run__names_are_the_pages_given_to_the_module(void **state)
{
	(void)state;
	tdxsim_scenario_result_t *res =
		scn_run_ok(BRINGUP "  - td_create: {name: a, init: false}\n"
				   "  - assert: page(x) == page(x) && page(x) != page(y)\n"
				   "  - seamcall: TDH.PHYMEM.PAGE.RDMD\n"
				   "    rcx: \"a.tdcs[5]\"\n"
				   "    expect: {rcx: PT_TDCX, rdx: a.tdr}\n"
				   "  - assert: a.num_tdcs == 6 && a.hkid > $global_keyid\n"
				   "    expect:\n"
				   "      rdmd: [{page: a.tdr, type: PT_TDR, owner: 0}, {page: page(x), "
				   "type: PT_NDA}]\n"
				   "      kot: {keyid: a.hkid, state: HKID_ASSIGNED}\n"
				   "      td: {td: a, lifecycle: KEYS_CONFIGURED, op_state: UNINITIALIZED, "
				   "pkg_config_bitmap: 3, chldcnt: 6}\n"
				   "      td_count: 1\n");
	if (!tdxsim_scenario_result_passed(res))
		scn_print_report(res);
	assert_true(tdxsim_scenario_result_passed(res));
	tdxsim_scenario_result_free(res);
}

static void run__refused_step_reports_the_status_and_what_failed(void **state)
{
	(void)state;
	tdxsim_scenario_result_t *res =
		scn_run_ok(BRINGUP "  - td_create: {name: a, init: false}\n"
				   "  - td_create: {name: b, hkid: a.hkid, init: false}\n"
				   "    expect: {status: TDX_HKID_NOT_FREE, td: {td: b, exists: false}}\n"
				   "  - td_create: {name: c, hkid: $global_keyid, init: false}\n"
				   "  - td_vcpu: {td: b}\n"
				   "  - td_create: {name: a, init: false}\n");
	assert_int_equal(res->steps[2].verdict, SCN_PASS);
	assert_non_null(strstr(res->steps[2].detail, "TD b: TDH.MNG.CREATE on LP 0"));
	assert_int_equal(res->steps[3].verdict, SCN_FAIL); /* default: success */
	assert_non_null(strstr(res->steps[3].why, "status TDX_HKID_NOT_FREE"));
	assert_int_equal(res->steps[4].verdict, SCN_ERROR); /* b was never created */
	assert_non_null(strstr(res->steps[4].why, "TD b does not exist now"));
	assert_int_equal(res->steps[5].verdict, SCN_ERROR); /* a is live */
	assert_non_null(strstr(res->steps[5].why, "TD a exists already"));
	tdxsim_scenario_result_free(res);
}

static void run__failed_td_expectations_point_at_the_file(void **state)
{
	(void)state;
	tdxsim_scenario_result_t *res =
		scn_run_ok(BRINGUP "  - td_create: {name: a, init: false}\n"
				   "    expect:\n"
				   "      td: {td: a, lifecycle: BLOCKED, chldcnt: 7}\n"
				   "      kot: {keyid: a.hkid, state: HKID_FREE}\n"
				   "      rdmd: {page: a.tdr, type: PT_TDCX}\n"
				   "      td_count: 2\n");
	const char *why = res->steps[1].why;
	assert_int_equal(res->steps[1].verdict, SCN_FAIL);
	assert_non_null(strstr(why, "good.yaml:6:11: TD a: lifecycle KEYS_CONFIGURED, expected BLOCKED"));
	assert_non_null(strstr(why, "good.yaml:6:48: TD a: chldcnt = 6 (0x6), expected 7 (0x7)"));
	assert_non_null(strstr(why, "good.yaml:7:12: KeyID 33: KOT state HKID_ASSIGNED, expected HKID_FREE"));
	assert_non_null(strstr(why, "page type 4, expected 5"));
	assert_non_null(strstr(why, "good.yaml:9:17: 1 TD(s) exist, expected 2"));
	tdxsim_scenario_result_free(res);
}

static void run__teardown_stops_and_resumes(void **state)
{
	(void)state;
	tdxsim_scenario_result_t *res;
	res = scn_run_ok(
		BRINGUP
		"  - td_create: {name: a, tdcs: 5, init: false}\n"
		"  - seamcall: TDH.MNG.ADDCX\n" /* a page the hypervisor's lists do not know */
		"    rcx: page(extra)\n"
		"    rdx: a.tdr\n"
		"  - td_teardown: {td: a, stop: cache_wb}\n"
		"    expect: {td: {td: a, lifecycle: BLOCKED}, kot: {keyid: a.hkid, state: HKID_FLUSHED}}\n"
		"  - seamcall: TDH.PHYMEM.CACHE.WB\n" /* package 0 by hand */
		"  - td_teardown: {td: a, stop: reclaim}\n"
		"    expect: {td: {td: a, lifecycle: TEARDOWN, chldcnt: 6}, kot: {keyid: a.hkid, state: "
		"HKID_FREE}}\n"
		"  - seamcall: TDH.PHYMEM.PAGE.RECLAIM\n"
		"    rcx: \"a.tdcs[1]\"\n"
		"  - td_teardown: {td: a, stop: reclaim_tdr}\n"
		"    expect:\n"
		"      td: {td: a, chldcnt: 0}\n"
		"      rdmd: [{page: page(extra), type: PT_NDA}, {page: \"a.tdcs[1]\", type: PT_NDA}]\n"
		"  - seamcall: TDH.PHYMEM.PAGE.RECLAIM\n"
		"    rcx: a.tdr\n"
		"    expect: {td_count: 0, td: {td: a, exists: false}}\n");
	if (!tdxsim_scenario_result_passed(res))
		scn_print_report(res);
	assert_true(tdxsim_scenario_result_passed(res));
	assert_non_null(strstr(res->steps[3].detail, "teardown stopped before cache_wb"));
	tdxsim_scenario_result_free(res);
}

static void run__contend_makes_the_next_call_busy(void **state)
{
	(void)state;
	tdxsim_scenario_result_t *res = scn_run_ok(BRINGUP "  - td_create: {name: a, init: false}\n"
							   "  - contend: {resource: kot, count: 2}\n"
							   "  - seamcall: TDH.MNG.VPFLUSHDONE\n"
							   "    rcx: a.tdr\n"
							   "    expect: {status: TDX_OPERAND_BUSY|KOT}\n"
							   "  - td_teardown: a\n"
							   "    expect: {status: TDX_OPERAND_BUSY|KOT}\n"
							   "  - contend: {resource: page, count: 0}\n"
							   "    expect: {result: invalid_arg}\n");
	if (!tdxsim_scenario_result_passed(res))
		scn_print_report(res);
	assert_true(tdxsim_scenario_result_passed(res));
	assert_non_null(strstr(res->steps[2].detail, "KOT lock (key 0x0, 0x0) held exclusively"));
	tdxsim_scenario_result_free(res);
}

static void run__add_pages_builds_on_tables_that_exist_and_teardown_zaps(void **state)
{
	(void)state;
	tdxsim_scenario_result_t *res = scn_run_ok(
		BRINGUP
		"  - td_create: {name: a, max_vcpus: 1}\n"
		"  - td_vcpu: {td: a}\n"
		"  - seamcall: TDH.MEM.SEPT.ADD\n" /* the top table, behind the hypervisor's back */
		"    rcx: 3\n"
		"    rdx: a.tdr\n"
		"    r8: page(s3)\n"
		"  - td_add_pages: {td: a, gpa: 0x1FF000, size: 8K, fill: 0xA5}\n"
		"    expect: {td: {td: a, chldcnt: 12 + 4 + 2}, rdmd: {page: \"a.page[1]\", type: "
		"PT_REG}}\n"
		"  - assert: \"a.num_sept == 4 && a.sept[0] == 0 && a.gpa[1] == 0x200000\"\n"
		"  - td_finalize: a\n"
		"  - td_teardown: a\n"
		"    expect:\n"
		"      td_count: 0\n"
		"      rdmd: [{page: page(s3), type: PT_NDA}, {page: \"a.page[0]\", type: PT_NDA}, {page: "
		"\"a.sept[3]\", type: PT_NDA}]\n");
	if (!tdxsim_scenario_result_passed(res))
		scn_print_report(res);
	assert_true(tdxsim_scenario_result_passed(res));
	/* The first page needs tables at levels 2 and 1 (level 3 exists: KVM reads the module's
	 * EPT_ENTRY_STATE_INCORRECT as "there already"), the second crosses into the next 2 MiB
	 * region: one more level-1 table. */
	assert_null(strstr(res->steps[4].detail, "TDX_EPT_ENTRY_STATE_INCORRECT")); /* accepted */
	assert_non_null(strstr(res->steps[4].detail, "2 page(s) added at GPA 0x1ff000 and measured"));
	tdxsim_scenario_result_free(res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bad__reported_with_position),
		cmocka_unit_test(td_steps__every_key_loads),
		cmocka_unit_test(td_names__resolve_to_nodes),
		cmocka_unit_test(td_expectations__load),
		cmocka_unit_test(run__names_are_the_pages_given_to_the_module),
		cmocka_unit_test(run__refused_step_reports_the_status_and_what_failed),
		cmocka_unit_test(run__failed_td_expectations_point_at_the_file),
		cmocka_unit_test(run__teardown_stops_and_resumes),
		cmocka_unit_test(run__contend_makes_the_next_call_busy),
		cmocka_unit_test(run__add_pages_builds_on_tables_that_exist_and_teardown_zaps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
