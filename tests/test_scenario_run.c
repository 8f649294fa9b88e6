/* SPDX-License-Identifier: MIT */
/*
 * The scenario runner: every step kind executes, each expectation passes and fails where it
 * should (with the position of the expectation in the message), run-time errors are errors,
 * defaults demand success, seeds make runs reproducible, budgets bound them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "scenario/run.h"
#include "tdxsim/cpu.h"
#include "tdxsim/scenario.h"

static tdxsim_scenario_result_t *run_opts(const char *yaml, const tdxsim_scenario_run_opts_t *opts)
{
	tdxsim_scenario_t *scn;
	tdxsim_scenario_diag_t d;
	tdxsim_scenario_result_t *res;
	if (tdxsim_scenario_load_buffer("t.yaml", yaml, strlen(yaml), &scn, &d))
		fail_msg("does not load: %u:%u: %s", d.line, d.column, d.message);
	assert_int_equal(tdxsim_scenario_run(scn, opts, &res), TDXSIM_OK);
	tdxsim_scenario_free(scn); /* the result does not depend on the scenario staying around */
	return res;
}

static tdxsim_scenario_result_t *run(const char *yaml)
{
	return run_opts(yaml, NULL);
}

/* The human report of @res, for messages. Caller frees. */
static char *report(const tdxsim_scenario_result_t *res)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	tdxsim_scenario_report(&res, 1, TDXSIM_REPORT_HUMAN, false, f);
	fclose(f);
	return text;
}

static void assert_passed(const tdxsim_scenario_result_t *res)
{
	if (!tdxsim_scenario_result_passed(res)) {
		char *text = report(res);
		fail_msg("scenario failed:\n%s", text);
	}
}

static void every_step_kind__runs(void **state)
{
	(void)state;
	const char *y =
		"platform: {packages: 2, lps_per_package: 2}\nsteps:\n"
		"  - rdmsr: IA32_MKTME_KEYID_PARTITIONING\n    lp: all\n    save: {part: value}\n"
		"    expect: {value: \"31 | 32 << 32\", result: ok}\n"
		"  - {vmxon: all}\n  - {vmxoff: 3}\n  - {vmxon: random}\n  - {vmxon: 3}\n"
		"  - {inject: {leaf: TDH.SYS.INIT, status: TDX_SYS_BUSY, lp: 0}}\n"
		"  - {seamcall: TDH.SYS.INIT, expect: {status: TDX_SYS_BUSY}}\n"
		"  - {inject: {leaf: TDH.SYS.INIT, status: TDX_SYS_BUSY, count: 5}}\n  - {clear_injections: "
		"true}\n"
		"  - {seamcall: TDH.SYS.INIT, expect: {state: SYSINIT_DONE, rcx: 0}}\n"
		"  - {seamcall: TDH.SYS.LP.INIT, lp: all}\n"
		"  - {bringup: after_lp_init, expect: {result: EIO, status: TDX_SYS_INIT_NOT_PENDING}}\n"
		"  - {seamcall: TDH.SYS.RD, rdx: MODULE_HV, save: {hv: r8, st: status}}\n"
		"  - {assert: \"$st == 0 && $part >> 32 == 32\"}\n"
		"  - {seamcall: TDH.SYS.SHUTDOWN, rcx: $hv, expect: {status: TDX_SYS_NOT_READY, state: "
		"SYSINIT_DONE}}\n"
		"  - {seamcall: TDH.SYS.RD, expect: {r8: $num_packages}}\n"
		"  - {wbinvd: all}\n  - {write: {addr: 1M, len: 128, fill: 0x5a}}\n"
		"  - {read: {addr: \"1M + 64\"}, lp: random, save: {v: value}, expect: {value: "
		"0x5a5a5a5a5a5a5a5a}}\n"
		"  - {movdir64b: {addr: 1M, value: 7}}\n  - {clflush: {addr: 1M}}\n"
		"  - {read: {addr: 1M, len: 64}, expect: {value: 7}}\n"
		"  - {poke: {addr: 2M, u32: 0x01020304}}\n  - {poke: {addr: \"2M + 4\", bytes: [5, 6]}}\n"
		"  - {set: {p: peek64(2M), q: peek16(2M + 4), v2: $v + 1}}\n"
		"  - {assert: \"$p == 0x060501020304 && $q == 0x0605 && $v2 == 0x5a5a5a5a5a5a5a5b\"}\n"
		"  - {hot_add: {base: 64G, size: 1G, node: 1}, expect: {in_cmrs: {base: 64G, size: 1G, is: "
		"false}}}\n"
		"  - {hot_remove: {base: 64G, size: 1G}}\n"
		"  - {lp_offline: 2}\n  - {lp_online: 2}\n  - {sleep: enter, expect: {state: MODULE_GONE}}\n"
		"  - {sleep: resume}\n";
	tdxsim_scenario_result_t *res = run(y);
	assert_passed(res);
	unsigned passed, failed, errors;
	tdxsim_scenario_result_counts(res, &passed, &failed, &errors);
	assert_int_equal(passed, 32);
	assert_int_equal(failed + errors, 0);
	tdxsim_scenario_result_free(res);
}

static void macros__bringup_and_init_tdmrs(void **state)
{
	(void)state;
	const char *y =
		"steps:\n  - bringup: {stop: after_keys, key_tries: 1}\n"
		"  - {init_tdmrs: {tdmr: 1, max_calls: 256}, lp: 1,\n"
		"     expect: {pamt: [{addr: \"$tdmr[1].base\", type: PT_NDA}, {addr: \"$tdmr[1].base + "
		"1G\", covered: false},\n"
		"                     {addr: \"$tdmr[0].base\", covered: false}]}}\n"
		"  - {init_tdmrs: all, expect: {pamt: {addr: \"$tdmr[1].end - 4K\", type: PT_NDA, level: "
		"4K}}}\n"
		"  - {init_tdmrs: all, expect: {cycles: {max: 4400}}}\n"; /* two ALREADY_INITIALIZED calls */
	tdxsim_scenario_result_t *res = run(y);
	assert_passed(res);
	tdxsim_scenario_result_free(res);
}

struct failing {
	const char *step;   /* one step that must fail */
	unsigned line, col; /* the position the message points at */
	const char *message;
};

static const struct failing failing_rows[] = {
	{"{seamcall: TDH.SYS.INIT, lp: 1}", 3, 5,
	 "status TDX_SYS_INIT_NOT_PENDING (0xc000050000000000), expected TDX_SUCCESS"},
	{"{seamcall: TDH.SYS.RD, rdx: MAX_TDMRS, expect: {r8: 63}}", 3, 57, "r8 = 0x40, expected 0x3f"},
	{"{seamcall: TDH.SYS.RD, rdx: 0x7777, expect: {status: \"TDX_OPERAND_INVALID|RCX\"}}", 3, 59,
	 "status TDX_METADATA_FIELD_ID_INCORRECT (0xc0000c0000000000), expected TDX_OPERAND_INVALID|RCX"},
	{"{seamcall: TDH.SYS.RD, rdx: 0x7777, expect: {status: any, rdx: -2}}", 3, 68,
	 "rdx = 0xffffffffffffffff, expected 0xfffffffffffffffe"},
	{"{seamcall: TDH.SYS.TDMR.INIT, rcx: \"$tdmr[0].base\", expect: {status: error}}", 3, 65,
	 "status TDX_TDMR_ALREADY_INITIALIZED (0x00000a0300000000), expected an error (bit 63 set)"},
	{"{rdmsr: 0x87, expect: {value: 0}}", 3, 35, "value 0x200000001f, expected 0x0"},
	{"{rdmsr: 0x10, expect: {value: 0}}", 3, 5, "result gp (-6), expected ok"},
	{"{vmxon: 0, expect: {result: gp}}", 3, 33, "result ok (0), expected gp"},
	{"{vmxon: 0, expect: {state: SYSINIT_PENDING}}", 3, 32,
	 "module state SYS_READY, expected SYSINIT_PENDING"},
	{"{seamcall: TDH.SYS.RD, rdx: MAX_TDMRS, expect: {cycles: 1}}", 3, 61,
	 "2200 virtual cycles, expected exactly 1"},
	{"{seamcall: TDH.SYS.RD, rdx: MAX_TDMRS, expect: {cycles: {min: 3000, max: 4000}}}", 3, 67,
	 "2200 virtual cycles, expected 3000..4000"},
	{"{read: {addr: 0}, expect: {mce: true}}", 3, 37, "no machine check was raised, expected one"},
	{"{vmxon: 0, expect: {pamt: {addr: \"$tdmr[1].base\", type: PT_REG}}}", 3, 61,
	 "PAMT at 0x100000000: page type 0, expected 3"},
	{"{vmxon: 0, expect: {pamt: {addr: 3G, covered: true}}}", 3, 31,
	 "PAMT at 0xc0000000: not covered, expected covered"},
	{"{vmxon: 0, expect: {pamt: {addr: 0, level: 2M}}}", 3, 31, "PAMT at 0x0: level 4K, expected 2M"},
	{"{vmxon: 0, expect: {in_cmrs: {base: 3G, size: 4K, is: true}}}", 3, 34,
	 "[0xc0000000, 0xc0001000) is not inside the CMRs, expected inside"},
	{"{bringup: all, expect: {result: EIO, message: \"never\"}}", 3, 51,
	 "bring-up message \"TDH.SYS.INIT failed\" does not contain \"never\""},
	{"{assert: \"$num_tdmrs == 3\"}", 3, 15,
	 "assertion failed: $num_tdmrs == 3 ($num_tdmrs == 3 (0x2 vs 0x3)"},
	{"{cpuid: 1, expect: {ecx: 0}}", 3, 30, "ecx = 0x7ffefbff, expected 0x0"},
	{"{cpuid: 0xB, subleaf: 1, lp: 2, expect: {eax: 2, edx: 3}}", 3, 59, "edx = 0x2, expected 0x3"},
	{"{cpuid: 1, expect: {eax: 0xA06D1}}", 3, 30, "eax = 0x806f8, expected 0xa06d1"},
	{"{place_image: {module: next}, expect: {result: no_space}}", 3, 52,
	 "result ok (0), expected no_space"},
};

static void expectations__fail_at_their_position(void **state)
{
	(void)state;
	unsigned wrong = 0;
	for (size_t i = 0; i < sizeof(failing_rows) / sizeof(failing_rows[0]); i++) {
		const struct failing *f = &failing_rows[i];
		char y[512];
		snprintf(y, sizeof(y), "steps:\n  - bringup: all\n  - %s\n", f->step);
		tdxsim_scenario_result_t *res = run(y);
		const struct scn_outcome *o = &res->steps[1];
		char where[64];
		snprintf(where, sizeof(where), "t.yaml:%u:%u: ", f->line, f->col);
		const char *why = o->why ? o->why : "";
		if (o->verdict != SCN_FAIL || !strstr(why, where) || !strstr(why, f->message)) {
			print_error("%s:\n  got verdict %u: %s  expected %s%s\n", f->step, o->verdict, why,
				    where, f->message);
			wrong++;
		}
		tdxsim_scenario_result_free(res);
	}
	assert_int_equal(wrong, 0);
}

static void run_errors__are_errors_not_crashes(void **state)
{
	(void)state;
	static const char *const steps[] = {
		"{seamcall: 0, rcx: \"$tdmr[0].base\"}", /* no bring-up yet */
		"{seamcall: 0, lp: 7}",
		"{set: {z: 0}}\n  - {seamcall: \"1 / $z\"}",
		"{poke: {addr: 3G, u8: 1}}",
		"{poke: {addr: 0, u8: 256}}",
		"{init_tdmrs: all}",
		"{read: {addr: 0, len: 5000}}",
		"{set: {a: \"random(2, 1)\"}}",
		"{set: {a: \"peek8(3G)\"}}",
		"{set: {z: 0x10000}}\n  - {inject: {leaf: $z, status: 0}}", /* a constant is a load error */
		"{set: {a: $mce_addr}}",
		"{hot_add: {base: 64G, size: 1G, node: 9}}",
		"{set: {z: 0}}\n  - {place_image: {module: next, pages: $z}}",
		"{set: {z: 0x10000}}\n  - {place_image: {module: next, module_hv: $z}}",
		"{set: {z: 1 << 32}}\n  - {place_image: {module: next, cpus: [$z]}}",
		"{set: {z: 1 << 32}}\n  - {cpuid: $z}",
		"{set: {z: 1 << 32}}\n  - {cpuid: 1, subleaf: $z}",
		"{set: {z: 1 << 32}}\n  - {inject: {leaf: 36, status: 1, after: $z}}",
		"{set: {z: 0x8000000000000001}}\n  - {inject: {leaf: $z, status: 1}}",
	};
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		char y[256];
		snprintf(y, sizeof(y), "steps:\n  - %s\n", steps[i]);
		tdxsim_scenario_result_t *res = run(y);
		const struct scn_outcome *o = &res->steps[res->num_steps - 1];
		if (o->verdict != SCN_ERROR)
			fail_msg("%s: verdict %u, expected an error (%s)", steps[i], o->verdict, o->detail);
		assert_false(tdxsim_scenario_result_passed(res));
		tdxsim_scenario_result_free(res);
	}
}

static void repeat_and_all__name_the_failing_execution(void **state)
{
	(void)state;
	const char *y = "steps:\n  - bringup: all\n"
			"  - {seamcall: TDH.SYS.RD, rdx: MAX_TDMRS, repeat: 3, lp: all, expect: {r8: 64}}\n"
			"  - {inject: {leaf: TDH.SYS.RD, status: TDX_SYS_BUSY, lp: 2}}\n"
			"  - {seamcall: TDH.SYS.RD, rdx: MAX_TDMRS, repeat: 2, lp: all}\n";
	tdxsim_scenario_result_t *res = run(y);
	assert_int_equal(res->steps[1].verdict, SCN_PASS);
	assert_int_equal(res->steps[3].verdict, SCN_FAIL);
	assert_non_null(strstr(res->steps[3].detail, "(execution 3 of 8, LP 2)"));
	assert_non_null(strstr(res->steps[3].why, "status TDX_SYS_BUSY"));
	tdxsim_scenario_result_free(res);
}

static char *everything(const tdxsim_scenario_result_t *res)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	for (int fmt = 0; fmt < 3; fmt++)
		tdxsim_scenario_report(&res, 1, (tdxsim_report_format_t)fmt, true, f);
	tdxsim_scenario_write_trace(&res, 1, f);
	tdxsim_scenario_write_map(&res, 1, f);
	fclose(f);
	return text;
}

static void seed__same_seed_same_bytes(void **state)
{
	(void)state;
	const char *y = "platform: {packages: 2}\nsteps:\n  - bringup: all\n"
			"  - {seamcall: TDH.SYS.RD, rdx: MAX_TDMRS, lp: random, repeat: 20}\n"
			"  - {set: {x: \"random(0, -1)\", y: \"random(10, 20)\"}}\n  - {assert: \"$y >= 10 "
			"&& $y <= 20\"}\n"
			"  - {read: {addr: \"$tdmr[1].base + random(0, 1000) * 4K\"}, lp: random}\n";
	tdxsim_scenario_run_opts_t o;
	tdxsim_scenario_run_opts_init(&o);
	o.seed = 7;
	o.seed_set = true;
	char *out[3];
	for (int i = 0; i < 3; i++) {
		if (i == 2)
			o.seed = 8;
		tdxsim_scenario_result_t *res = run_opts(y, &o);
		assert_passed(res);
		out[i] = everything(res);
		tdxsim_scenario_result_free(res);
	}
	assert_string_equal(out[0], out[1]);
	assert_true(strcmp(out[0], out[2]) != 0);
	assert_non_null(strstr(out[0], "(seed 7)"));
	for (int i = 0; i < 3; i++)
		free(out[i]);
}

static void budget__stops_the_run(void **state)
{
	(void)state;
	tdxsim_scenario_run_opts_t o;
	tdxsim_scenario_run_opts_init(&o);
	o.max_calls = 10;
	const char *y =
		"steps:\n  - {vmxon: all}\n  - {seamcall: TDH.SYS.INIT, repeat: 100, expect: {status: any}}\n"
		"  - {vmxoff: 0}\n";
	tdxsim_scenario_result_t *res = run_opts(y, &o);
	assert_false(tdxsim_scenario_result_passed(res));
	assert_int_equal(res->steps[1].verdict, SCN_ERROR);
	assert_int_equal(res->steps[2].verdict, SCN_SKIPPED);
	assert_non_null(strstr(res->setup_error, "call budget of 10 exhausted"));
	tdxsim_scenario_result_free(res);

	tdxsim_scenario_run_opts_init(&o);
	o.max_ram_bytes = 1 << 30;
	res = run_opts("steps:\n  - {vmxon: 0}\n", &o);
	assert_int_equal(res->steps[0].verdict, SCN_SKIPPED);
	assert_non_null(strstr(res->setup_error, "more RAM"));
	unsigned p, f, e;
	tdxsim_scenario_result_counts(res, &p, &f, &e);
	assert_int_equal(e, 1);
	tdxsim_scenario_result_free(res);
}

static void invariants__checked_after_each_step(void **state)
{
	(void)state;
	/* A run with the check off behaves the same when nothing breaks; the check is on by default. */
	const char *y = "check_invariants: false\nsteps:\n  - bringup: all\n";
	tdxsim_scenario_result_t *res = run(y);
	assert_passed(res);
	assert_int_equal(tdxsim_scenario_result_invariant_breaks(res), 0);
	tdxsim_scenario_result_free(res);
	/* A step that only names the runner's message is no broken invariant (fuzz_scenario used
	 * to search the report's text for it). */
	res = run("steps:\n  - name: library invariant broken after this step\n    bringup: all\n");
	assert_passed(res);
	assert_int_equal(tdxsim_scenario_result_invariant_breaks(res), 0);
	tdxsim_scenario_result_free(res);
	assert_int_equal(tdxsim_scenario_result_invariant_breaks(NULL), 0);
	tdxsim_scenario_run_opts_t o;
	tdxsim_scenario_run_opts_init(&o);
	o.size = 1;
	tdxsim_scenario_result_t *bad = (tdxsim_scenario_result_t *)1;
	tdxsim_scenario_t *scn;
	assert_int_equal(tdxsim_scenario_load_buffer("x", y, strlen(y), &scn, NULL), TDXSIM_OK);
	assert_int_equal(tdxsim_scenario_run(scn, &o, &bad), TDXSIM_ERR_INVALID_ARG);
	assert_null(bad);
	tdxsim_scenario_free(scn);
}

/* The CPU profile and the errata that come with it, unless errata: says otherwise. */
static void cpu_profiles__identity_and_erratum(void **state)
{
	(void)state;
	static const struct {
		const char *platform;
		uint32_t signature;
		bool poisons;
	} rows[] = {
		{"{cpu: sapphire-rapids}", TDXSIM_FMS_SAPPHIRE_RAPIDS, true},
		{"{cpu: emr}", TDXSIM_FMS_EMERALD_RAPIDS, true},
		{"{cpu: granite-rapids}", TDXSIM_FMS_GRANITE_RAPIDS, false},
		{"{cpu: gnr, errata: [partial_write_poison]}", TDXSIM_FMS_GRANITE_RAPIDS, true},
		{"{cpu: spr, errata: none}", TDXSIM_FMS_SAPPHIRE_RAPIDS, false},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char y[1024];
		snprintf(y, sizeof(y),
			 "platform: %s\nsteps:\n  - {cpuid: 1, lp: all, expect: {eax: 0x%x}}\n"
			 "  - bringup: all\n  - set: {line: \"$tdmr[1].base + 2G\", td: \"$keyid_first + "
			 "1\"}\n"
			 "  - movdir64b: {addr: $line, keyid: $td, fill: 0xA5}\n"
			 "  - write: {addr: $line, value: 7}\n"
			 "  - {read: {addr: $line}, expect: {mce: %s}}\n",
			 rows[i].platform, rows[i].signature, rows[i].poisons ? "true" : "false");
		tdxsim_scenario_result_t *res = run(y);
		assert_passed(res);
		assert_non_null(strstr(res->steps[0].detail, "CPUID 0x1 on LP 3: eax="));
		tdxsim_scenario_result_free(res);
	}
}

/* The TD-preserving update from YAML: image, SHUTDOWN, INSTALL everywhere, init, UPDATE. */
static const char update_yaml[] =
	"steps:\n  - bringup: all\n"
	"  - {place_image: {module: next}, save: {params: params, sig: sigstruct, mod: module, len: size}}\n"
	"  - {assert: \"$sig == $params - 2 * 4K && $mod == $sig + 4K && $len == 3 * 4K\"}\n"
	"  - {seamcall: TDH.SYS.RD, rdx: MODULE_HV, save: {hv: r8}}\n"
	"  - {seamcall: TDH.SYS.SHUTDOWN, rcx: $hv, expect: {state: SYS_SHUTDOWN}}\n"
	"  - {seamcall: P-SEAMLDR.INSTALL, lp: all, rcx: $params, expect: {rdx: 0}}\n"
	"  - {seamcall: TDH.SYS.INIT, expect: {state: SYSINIT_DONE}}\n"
	"  - {seamcall: TDH.SYS.LP.INIT, lp: all}\n"
	"  - {seamcall: TDH.SYS.UPDATE, expect: {state: SYS_READY}}\n"
	"  - {seamcall: TDH.SYS.RD, rdx: UPDATE_VERSION, expect: {r8: 99}}\n"
	"  - {seamcall: TDH.PHYMEM.PAGE.RDMD, rcx: \"$tdmr[1].pamt_base\", expect: {rcx: PT_RSVD}}\n"
	"  - {seamcall: P-SEAMLDR.INFO, rcx: \"$ram[1].end - 4K\"}\n"
	"  - {assert: \"peek32($ram[1].end - 4K + 28) == 15\"}\n";

static void place_image__whole_update(void **state)
{
	(void)state;
	tdxsim_scenario_result_t *res = run(update_yaml);
	assert_passed(res);
	/* The loader's calls are named as such, not after module leaf 0 or 1. */
	assert_non_null(strstr(res->steps[5].detail, "P-SEAMLDR.INSTALL on LP 3 (rcx="));
	assert_non_null(strstr(res->steps[11].detail, "P-SEAMLDR.INFO on LP 0 (rcx="));
	assert_non_null(strstr(res->steps[1].detail, "image of module next, 1 module page(s) at 0x"));
	assert_non_null(strstr(res->steps[1].detail, "SEAMLDR_PARAMS (update)"));
	char *text = report(res);
	assert_null(strstr(text, "TDH.VP.ENTER"));
	assert_null(strstr(text, "TDH.VP.WR"));
	free(text);
	tdxsim_scenario_result_free(res);
}

/* What the loader refuses, built with place_image's overrides; the old module stays. */
static void place_image__overrides_reach_the_loader(void **state)
{
	(void)state;
	static const struct {
		const char *image;
		const char *status;
	} rows[] = {
		{"{module: next, cpus: [gnr]}", "PSEAMLDR_EUNSUPCPU"},
		{"{module: next, cpus: [0x806F0]}", "TDX_SUCCESS"}, /* stepping ignored */
		{"{module: next, min_update_hv: 1, module_hv: 1}", "PSEAMLDR_EBADHANDOFF"},
		{"{module: next, min_update_hv: 2, module_hv: 1}", "PSEAMLDR_EBADSIG"},
		{"{module: next, seam_svn: 0x0200}", "PSEAMLDR_EUNSUPPORTED"},
		{"{module: \"1.0\"}", "PSEAMLDR_EUNSUPPORTED"},
		{"{module: next, pages: 496}", "TDX_SUCCESS"},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char y[1024];
		bool ok = !strcmp(rows[i].status, "TDX_SUCCESS");
		snprintf(y, sizeof(y),
			 "steps:\n  - bringup: all\n  - {place_image: %s, save: {p: params}}\n"
			 "  - {seamcall: TDH.SYS.RD, rdx: MODULE_HV, save: {hv: r8}}\n"
			 "  - {seamcall: TDH.SYS.SHUTDOWN, rcx: $hv}\n"
			 "  - {seamcall: P-SEAMLDR.INSTALL, lp: 0, rcx: $p}\n"
			 "  - {seamcall: P-SEAMLDR.INSTALL, lp: 1, rcx: $p}\n"
			 "  - {seamcall: P-SEAMLDR.INSTALL, lp: 2, rcx: $p}\n"
			 "  - {seamcall: P-SEAMLDR.INSTALL, lp: 3, rcx: $p, expect: {status: %s, rdx: 0, "
			 "state: %s}}\n",
			 rows[i].image, rows[i].status, ok ? "SYSINIT_PENDING" : "SYS_SHUTDOWN");
		tdxsim_scenario_result_t *res = run(y);
		if (!tdxsim_scenario_result_passed(res)) {
			char *text = report(res);
			fail_msg("%s:\n%s", rows[i].image, text);
		}
		tdxsim_scenario_result_free(res);
	}
}

/* scenario: load installs a fresh module: nothing to hand over. */
static void place_image__load_scenario_has_no_handoff(void **state)
{
	(void)state;
	const char *y = "steps:\n  - bringup: all\n"
			"  - {place_image: {module: next, scenario: load}, save: {p: params}}\n"
			"  - {seamcall: TDH.SYS.RD, rdx: MODULE_HV, save: {hv: r8}}\n"
			"  - {seamcall: TDH.SYS.SHUTDOWN, rcx: $hv}\n"
			"  - {seamcall: P-SEAMLDR.INSTALL, lp: all, rcx: $p}\n"
			"  - {seamcall: TDH.SYS.INIT}\n  - {seamcall: TDH.SYS.LP.INIT, lp: all}\n"
			"  - {seamcall: TDH.SYS.UPDATE, expect: {status: TDX_SYS_INVALID_HANDOFF}}\n"
			"  - {vmxon: 0, expect: {pamt: {addr: \"$tdmr[1].pamt_base\", covered: false}}}\n";
	tdxsim_scenario_result_t *res = run(y);
	assert_passed(res);
	assert_non_null(strstr(res->steps[1].detail, "SEAMLDR_PARAMS (load)"));
	tdxsim_scenario_result_free(res);
}

/* inject after: N calls run normally, then the injected status. */
static void inject_after__fails_the_nth_call(void **state)
{
	(void)state;
	const char *y = "steps:\n  - bringup: all\n"
			"  - {inject: {leaf: TDH.SYS.RD, status: TDX_SYS_BUSY, after: 2, count: 2, lp: 1}}\n"
			"  - {seamcall: TDH.SYS.RD, rdx: MAX_TDMRS, repeat: 2, lp: 0}\n"
			"  - {seamcall: TDH.SYS.RD, rdx: MAX_TDMRS, repeat: 2, lp: 1}\n"
			"  - {seamcall: TDH.SYS.RD, rdx: MAX_TDMRS, repeat: 2, lp: 1, expect: {status: "
			"TDX_SYS_BUSY}}\n"
			"  - {seamcall: TDH.SYS.RD, rdx: MAX_TDMRS, lp: 1, expect: {r8: 64}}\n";
	tdxsim_scenario_result_t *res = run(y);
	assert_passed(res);
	assert_non_null(strstr(res->steps[1].detail, "TDH.SYS.RD: after 2 call(s) that run normally, the "
						     "next 2 on LP 1 return TDX_SYS_BUSY"));
	tdxsim_scenario_result_free(res);

	/* The 600th TDH.SYS.TDMR.INIT of a 16 GiB bring-up: inside the second TDMR. */
	y = "steps:\n  - {inject: {leaf: TDH.SYS.TDMR.INIT, status: TDX_SYS_BUSY, after: 599}}\n"
	    "  - {bringup: all, expect: {result: EIO, status: TDX_SYS_BUSY, message: \"TDMR.INIT at "
	    "0x100000000\"}}\n"
	    "  - {read: {addr: \"$tdmr[0].pamt_base\"}, expect: {value: 0, mce: false}}\n";
	res = run(y);
	assert_passed(res);
	tdxsim_scenario_result_free(res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_step_kind__runs),
		cmocka_unit_test(macros__bringup_and_init_tdmrs),
		cmocka_unit_test(expectations__fail_at_their_position),
		cmocka_unit_test(run_errors__are_errors_not_crashes),
		cmocka_unit_test(repeat_and_all__name_the_failing_execution),
		cmocka_unit_test(seed__same_seed_same_bytes),
		cmocka_unit_test(budget__stops_the_run),
		cmocka_unit_test(invariants__checked_after_each_step),
		cmocka_unit_test(cpu_profiles__identity_and_erratum),
		cmocka_unit_test(place_image__whole_update),
		cmocka_unit_test(place_image__overrides_reach_the_loader),
		cmocka_unit_test(place_image__load_scenario_has_no_handoff),
		cmocka_unit_test(inject_after__fails_the_nth_call),
	};
	return cmocka_run_group_tests_name("scenario_run", tests, NULL, NULL);
}
