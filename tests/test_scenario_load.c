/* SPDX-License-Identifier: MIT */
/*
 * The scenario loader: every malformed input is refused with its exact file:line:col and a
 * message saying what was expected (one table row per error class), valid values in every
 * notation load, and arbitrary bytes never crash it.
 */
#include <stdio.h>
#include <string.h>

#include "fixture.h"
#include "scenario_rows.h"
#include "scenario/scenario.h"
#include "tdxsim/cpu.h"
#include "tdxsim/scenario.h"
#include "tdxsim/seamldr.h"

static const struct scn_bad_row bad_rows[] = {
	{"top__not_a_mapping", "- 1\n", 1, 1, "scenario: expected a mapping with keys name, description"},
	{"top__unknown_key", "steps: []\nstep: []\n", 2, 1, "unknown key 'step', did you mean 'steps'?"},
	{"top__missing_steps", "name: x\n", 1, 1, "missing key 'steps'"},
	{"top__duplicate_key", "steps: []\nsteps: []\n", 2, 1, "key 'steps' given twice"},
	{"top__empty_file", "", 1, 1, "empty file"},
	{"top__two_documents", "steps: []\n---\nsteps: []\n", 3, 1, "second YAML document"},
	{"yaml__syntax", "steps: [1\n", 2, 1, "YAML syntax error"},
	{"yaml__tab_indent", "steps:\n\t- vmxon: 0\n", 2, 1, "YAML syntax error"},
	{"steps__not_a_list", "steps: {a: 1}\n", 1, 8, "steps: expected a list of steps"},
	{"step__no_kind", "steps:\n  - name: x\n", 2, 5, "no step kind"},
	{"step__unknown_kind", "steps:\n  - seamcal: 1\n", 2, 5,
	 "unknown step kind 'seamcal', did you mean 'seamcall'?"},
	{"step__two_kinds", "steps:\n  - vmxon: 0\n    vmxoff: 0\n", 2, 5, "both 'vmxon' and 'vmxoff'"},
	{"step__key_of_other_kind", "steps:\n  - vmxon: 0\n    rcx: 1\n", 3, 5, "vmxon: unknown key 'rcx'"},
	{"step__lp_all_not_allowed", "steps:\n  - read: {addr: 0}\n    lp: all\n", 3, 9,
	 "'all' is not possible here"},
	{"value__unknown_name", "steps:\n  - seamcall: TDH.SYS.INT\n", 2, 15,
	 "unknown name 'TDH.SYS.INT', did you mean 'TDH.SYS.INIT'?"},
	{"value__bad_digit", "steps:\n  - seamcall: 0b102\n", 2, 15, "digit out of range"},
	{"value__too_big", "steps:\n  - seamcall: 0x1_0000_0000_0000_0000\n", 2, 15,
	 "does not fit in 64 bits"},
	{"value__size_too_big", "steps:\n  - seamcall: 16384P\n", 2, 15, "size does not fit in 64 bits"},
	{"value__bad_suffix", "steps:\n  - seamcall: 4Q\n", 2, 16, "unexpected character after a number"},
	{"value__trailing", "steps:\n  - seamcall: 1 2\n", 2, 17, "unexpected text after the value"},
	{"value__unclosed_paren", "steps:\n  - seamcall: (1 + 2\n", 2, 21, "expected ')'"},
	{"value__division_by_zero", "steps:\n  - seamcall: 1 / (2 - 2)\n", 2, 26, "division by zero"},
	{"value__quoted_column", "steps:\n  - seamcall: \"TDH.SYS.INIT + NOPE\"\n", 2, 31,
	 "unknown name 'NOPE'"},
	{"value__unknown_variable", "steps:\n  - seamcall: $nope\n", 2, 15, "unknown variable '$nope'"},
	{"value__bad_symbol_field", "steps:\n  - seamcall: $tdmr[0].bse\n", 2, 24,
	 "unknown TDMR field 'bse'"},
	{"value__array_index", "steps:\n  - seamcall: TDH.SYS.RD\n    rdx: CMR_BASE[32]\n", 3, 10,
	 "index of 'CMR_BASE' must be a constant below its element count"},
	{"value__deep_nesting",
	 "steps:\n  - seamcall: "
	 "((((((((((((((((((((((((((((((((((((((((((((((((((1))))))))))))))))))))))))))))))))))))))))))))))))"
	 "))\n",
	 2, 0, "nested too deeply"},
	{"value__mapping_for_number", "steps:\n  - seamcall: {a: 1}\n", 2, 15,
	 "seamcall: expected a single value, found a mapping"},
	{"platform__out_of_range", "platform: {packages: 9}\nsteps: []\n", 1, 22,
	 "platform.packages: 9 (0x9) is out of range (expected 1..8)"},
	{"platform__unknown_key", "platform: {pakages: 2}\nsteps: []\n", 1, 12, "did you mean 'packages'?"},
	{"platform__bad_shape", "platform: {shape: 8t}\nsteps: []\n", 1, 19,
	 "expected one of: 16g, 1t-holes, 4t"},
	{"platform__ram_not_list", "platform: {ram: 4G}\nsteps: []\n", 1, 17,
	 "platform.ram: expected a list"},
	{"platform__ram_missing_size", "platform:\n  ram:\n    - {base: 0}\n", 3, 7, "missing key 'size'"},
	{"platform__refused", "platform:\n  ram: [{base: 0, size: 1G}, {base: 512M, size: 1G}]\nsteps: []\n",
	 2, 3, "the library refuses this platform: ram[1]: ranges must be ascending"},
	{"platform__msr_unknown", "platform: {msrs: {0x10: 1}}\nsteps: []\n", 1, 19,
	 "MSR 0x10 is not modelled"},
	{"platform__cost_key", "platform: {costs: {TDH.SYS.INIT: 1, nonsense: 2}}\nsteps: []\n", 1, 37,
	 "unknown name 'nonsense'"},
	{"platform__errata", "platform: {errata: [poison]}\nsteps: []\n", 1, 21,
	 "expected one of: partial_write_poison"},
	{"platform__module", "platform: {module: 2.0}\nsteps: []\n", 1, 20,
	 "expected one of: 1.5.05, 1.5.06, 1.0"},
	{"expect__not_for_kind", "steps:\n  - rdmsr: 0x87\n    expect: {r8: 1}\n", 3, 14,
	 "'r8' does not apply to a rdmsr step"},
	{"expect__unknown", "steps:\n  - vmxon: 0\n    expect: {stat: ok}\n", 3, 14,
	 "expect: unknown key 'stat'"},
	{"expect__bad_result", "steps:\n  - vmxon: 0\n    expect: {result: ENODEV}\n", 3, 22,
	 "expected one of: ok, invalid_arg"},
	{"expect__bad_state", "steps:\n  - vmxon: 0\n    expect: {state: READY}\n", 3, 21,
	 "SYSINIT_PENDING, SYSINIT_DONE"},
	{"expect__bool", "steps:\n  - vmxon: 0\n    expect: {mce: maybe}\n", 3, 19,
	 "expect.mce: expected true or false"},
	{"expect__pamt_uncovered_type",
	 "steps:\n  - vmxon: 0\n    expect: {pamt: {addr: 0, covered: false, type: PT_REG}}\n", 3, 20,
	 "not covered has no type"},
	{"expect__cycles_empty", "steps:\n  - vmxon: 0\n    expect: {cycles: {}}\n", 3, 22,
	 "give min, max or both"},
	{"repeat__zero", "steps:\n  - seamcall: 1\n    repeat: 0\n", 3, 13,
	 "repeat: 0 (0x0) is out of range"},
	{"set__builtin", "steps:\n  - set: {pa_array: 1}\n", 2, 11, "'$pa_array' is a built-in symbol"},
	{"set__bad_name", "steps:\n  - set: {\"9x\": 1}\n", 2, 11, "is not a variable name"},
	{"save__bad_register", "steps:\n  - seamcall: 1\n    save: {x: rax}\n", 3, 15,
	 "expected status or a register"},
	{"save__not_value", "steps:\n  - rdmsr: 0x87\n    save: {x: r8}\n", 3, 15,
	 "a rdmsr step saves 'value'"},
	{"poke__two_values", "steps:\n  - poke: {addr: 0, u8: 1, u16: 2}\n", 2, 11,
	 "exactly one of u8, u16, u32, u64 or bytes"},
	{"mem__fill_on_read", "steps:\n  - read: {addr: 0, fill: 1}\n", 2, 11,
	 "fill and value are for write and movdir64b"},
	{"inject__missing_status", "steps:\n  - inject: {leaf: 31}\n", 2, 13, "inject: missing key 'status'"},
	{"seamcall__version_not_const", "steps:\n  - set: {v: 1}\n  - seamcall: 22\n    version: $v\n", 4, 14,
	 "seamcall.version: expected a constant"},
	{"sleep__bad_mode", "steps:\n  - sleep: deep\n", 2, 12, "expected one of: enter, resume"},
	{"bringup__stop", "steps:\n  - bringup: {stop: never}\n", 2, 21,
	 "expected one of: all, after_lp_init"},
	{"clear__false", "steps:\n  - clear_injections: false\n", 2, 23, "write 'true'"},
	{"nul_in_value", "steps:\n  - seamcall: \"1\\0\"\n", 2, 0, "NUL character"},
	{"platform__cpu_unknown", "platform: {cpu: skylake}\nsteps: []\n", 1, 17,
	 "platform.cpu: unknown CPU 'skylake' (expected sapphire-rapids, emerald-rapids, granite-rapids"},
	{"platform__cpu_misspelt", "platform: {cpu: granite-rapid}\nsteps: []\n", 1, 17,
	 "did you mean 'granite-rapids'?"},
	{"platform__cost_loader_call", "platform: {costs: {P-SEAMLDR.INFO: 1}}\nsteps: []\n", 1, 20,
	 "is neither a module leaf (0..127) nor one of rejected_call, seamldr_call"},
	{"value__loader_misspelt", "steps:\n  - seamcall: P-SEAMLDR.INSTAL\n", 2, 15,
	 "unknown name 'P-SEAMLDR.INSTAL', did you mean 'P-SEAMLDR.INSTALL'?"},
	{"inject__loader_call", "steps:\n  - inject: {leaf: P-SEAMLDR.INSTALL, status: 1}\n", 2, 20,
	 "inject.leaf: P-SEAMLDR calls cannot be injected"},
	{"inject__leaf_too_big", "steps:\n  - inject: {leaf: 0x10000, status: 1}\n", 2, 20,
	 "inject.leaf: 65536 (0x10000) is out of range (expected 0..65535)"},
	{"inject__after_too_big", "steps:\n  - inject: {leaf: 36, status: 1, after: 4G}\n", 2, 42,
	 "inject.after: 4294967296 (0x100000000) is out of range"},
	{"cpuid__leaf_too_big", "steps:\n  - cpuid: 0x1_0000_0000\n", 2, 12, "cpuid: 4294967296"},
	{"cpuid__subleaf_too_big", "steps:\n  - cpuid: 7\n    subleaf: 1 << 32\n", 3, 14,
	 "cpuid.subleaf: 4294967296 (0x100000000) is out of range"},
	{"cpuid__save_register", "steps:\n  - cpuid: 1\n    save: {x: rax}\n", 3, 15,
	 "save: a cpuid step saves one of: eax, ebx, ecx, edx"},
	{"cpuid__expect_rcx", "steps:\n  - cpuid: 1\n    expect: {rcx: 1}\n", 3, 14,
	 "'rcx' does not apply to a cpuid step"},
	{"expect__eax_on_seamcall", "steps:\n  - seamcall: 1\n    expect: {eax: 1}\n", 3, 14,
	 "'eax' does not apply to a seamcall step"},
	{"subleaf__on_seamcall", "steps:\n  - seamcall: 1\n    subleaf: 1\n", 3, 5,
	 "seamcall: unknown key 'subleaf'"},
	{"place_image__no_module", "steps:\n  - place_image: {pages: 2}\n", 2, 18,
	 "place_image: missing key 'module'"},
	{"place_image__bad_module", "steps:\n  - place_image: {module: \"2.0\"}\n", 2, 27,
	 "place_image.module: unknown 2.0 (expected 1.5.05, 1.5.06, 1.0 or next)"},
	{"place_image__pages", "steps:\n  - place_image: {module: next, pages: 497}\n", 2, 40,
	 "place_image.pages: 497 is out of range (expected 1..496)"},
	{"place_image__svn", "steps:\n  - place_image: {module: next, seam_svn: 0x10000}\n", 2, 43,
	 "place_image.seam_svn: 65536 is out of range"},
	{"place_image__nine_cpus",
	 "steps:\n  - place_image: {module: next, cpus: [1, 2, 3, 4, 5, 6, 7, 8, 9]}\n", 2, 39,
	 "place_image.cpus: 9 CPUs, a sigstruct lists at most 8"},
	{"place_image__cpu_name", "steps:\n  - place_image: {module: next, cpus: [icelake]}\n", 2, 40,
	 "unknown name 'icelake'"},
	{"place_image__scenario", "steps:\n  - place_image: {module: next, scenario: install}\n", 2, 43,
	 "expected one of: update, load"},
	{"place_image__no_downgrade", "steps:\n  - place_image: {module: next, no_downgrade: 2}\n", 2, 47,
	 "place_image.no_downgrade: expected true or false"},
	{"place_image__save", "steps:\n  - place_image: {module: next}\n    save: {x: value}\n", 3, 15,
	 "a place_image step saves one of: params, image, size, sigstruct, module"},
	{"place_image__lp", "steps:\n  - place_image: {module: next}\n    lp: 1\n", 3, 5,
	 "place_image: unknown key 'lp'"},
};

static void bad__reported_with_position(void **state)
{
	(void)state;
	scn_assert_refused(bad_rows, sizeof(bad_rows) / sizeof(bad_rows[0]));
}

static void diag__formats_as_file_line_col(void **state)
{
	(void)state;
	tdxsim_scenario_t *scn;
	tdxsim_scenario_diag_t d;
	const char *y = "steps:\n  - vmxon: nope\n";
	assert_int_equal(tdxsim_scenario_load_buffer("x.yaml", y, strlen(y), &scn, &d),
			 TDXSIM_ERR_BAD_CONFIG);
	char buf[512];
	tdxsim_scenario_diag_format(&d, buf, sizeof(buf));
	assert_string_equal(buf,
			    "x.yaml:2:12: error: unknown name 'nope' (expected a status, leaf, field, MSR, "
			    "PT_*/PS_* or a number)");
	assert_int_equal(tdxsim_scenario_load_file("/nonexistent/x.yaml", &scn, &d), TDXSIM_ERR_BAD_CONFIG);
	tdxsim_scenario_diag_format(&d, buf, sizeof(buf));
	assert_string_equal(buf, "/nonexistent/x.yaml: error: cannot open: No such file or directory");
}

/* Loads @yaml and returns the constant value of the first step's first register (rcx). */
static uint64_t rcx_of(const char *value)
{
	char y[256];
	snprintf(y, sizeof(y), "steps:\n  - seamcall: 0\n    rcx: %s\n", value);
	tdxsim_scenario_t *scn;
	tdxsim_scenario_diag_t d;
	if (tdxsim_scenario_load_buffer("v.yaml", y, strlen(y), &scn, &d))
		fail_msg("'%s' did not load: %s", value, d.message);
	const struct scn_expr *e = scn->steps[0].u.call.regs[0];
	if (!scn_expr_is_const(e))
		fail_msg("'%s' is not constant", value);
	uint64_t v = e->value;
	tdxsim_scenario_free(scn);
	return v;
}

static void values__every_notation(void **state)
{
	(void)state;
	assert_int_equal(rcx_of("42"), 42);
	assert_int_equal(rcx_of("0x2A"), 42);
	assert_int_equal(rcx_of("0b101010"), 42);
	assert_int_equal(rcx_of("0o52"), 42);
	assert_int_equal(rcx_of("0x1_0000"), 0x10000);
	assert_int_equal(rcx_of("4G"), UINT64_C(4) << 30);
	assert_int_equal(rcx_of("4GiB"), UINT64_C(4) << 30);
	assert_int_equal(rcx_of("512KB"), 512 << 10);
	assert_int_equal(rcx_of("2T"), UINT64_C(2) << 40);
	assert_int_equal(rcx_of("-1"), UINT64_MAX);
	assert_int_equal(rcx_of("~0 >> 60"), 15);
	assert_int_equal(rcx_of("1 + 2 * 3"), 7);
	assert_int_equal(rcx_of("(1 + 2) * 3"), 9);
	assert_int_equal(rcx_of("1 << 4 | 1"), 17);
	assert_int_equal(rcx_of("3 > 2 && 2 >= 2 && !(1 == 2) || 0"), 1);
	assert_int_equal(rcx_of("5 % 3 ^ 1"), 3);
	assert_int_equal(rcx_of("TDH.SYS.INIT"), 33);
	assert_int_equal(rcx_of("tdh_sys_config"), 45);
	assert_int_equal(rcx_of("TDX_SYS_BUSY"), TDXSIM_TDX_SYS_BUSY);
	assert_int_equal(rcx_of("\"TDX_OPERAND_INVALID | OPERAND_RCX\""), TDXSIM_TDX_OPERAND_INVALID | 1);
	assert_int_equal(rcx_of("TDX_INVALID_TDMR(0x103)"), TDXSIM_TDX_INVALID_TDMR | 0x103);
	assert_int_equal(rcx_of("MAX_TDMRS"), TDXSIM_MD_MAX_TDMRS);
	assert_int_equal(rcx_of("MD_MAX_TDMRS"), TDXSIM_MD_MAX_TDMRS);
	assert_int_equal(rcx_of("CMR_BASE[3]"), TDXSIM_MD_CMR_BASE + 3);
	assert_int_equal(rcx_of("IA32_TME_ACTIVATE"), 0x982);
	assert_int_equal(rcx_of("PT_REG"), TDXSIM_PT_REG);
	assert_int_equal(rcx_of("PS_1G"), TDXSIM_PS_1G);
	assert_int_equal(rcx_of("TDXSIM_STATUS_API_MISUSE"), TDXSIM_STATUS_API_MISUSE);
	/* The loader's calls are whole RAX values, spelt as in the spec or as C names. */
	assert_int_equal(rcx_of("P-SEAMLDR.INFO"), TDXSIM_SEAMLDR_INFO);
	assert_int_equal(rcx_of("P-SEAMLDR.INSTALL"), TDXSIM_SEAMLDR_INSTALL);
	assert_int_equal(rcx_of("P_SEAMLDR_INSTALL"), TDXSIM_SEAMLDR_INSTALL);
	assert_int_equal(rcx_of("\"P-SEAMLDR.INFO | 0x10\""), TDXSIM_SEAMLDR_INFO | 0x10);
	assert_int_equal(rcx_of("2-1"), 1); /* a '-' elsewhere is still minus */
}

static void status__operand_names_only_in_status_context(void **state)
{
	(void)state;
	const char *ok = "steps:\n  - seamcall: 33\n    expect: {status: \"TDX_OPERAND_INVALID|RCX\"}\n";
	const char *bad = "steps:\n  - seamcall: 33\n    rcx: RCX\n";
	tdxsim_scenario_t *scn;
	tdxsim_scenario_diag_t d;
	assert_int_equal(tdxsim_scenario_load_buffer("s.yaml", ok, strlen(ok), &scn, &d), TDXSIM_OK);
	assert_true(scn_expr_is_const(scn->steps[0].ex.status));
	assert_int_equal(scn->steps[0].ex.status->value, TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RCX);
	tdxsim_scenario_free(scn);
	assert_int_equal(tdxsim_scenario_load_buffer("s.yaml", bad, strlen(bad), &scn, &d),
			 TDXSIM_ERR_BAD_CONFIG);
	assert_non_null(strstr(d.message, "unknown name 'RCX'"));
}

static void platform__every_key(void **state)
{
	(void)state;
	const char *y =
		"platform:\n  shape: 1t-holes\n  packages: 2\n  lps_per_package: 3\n  phys_addr_bits: 46\n"
		"  keyid_bits: 5\n  mktme_keyids: 15\n  tdx_keyids: 16\n"
		"  ram: [{base: 0, size: 2G}, {base: 4G, size: 60G, node: 1}]\n"
		"  seamrr: {base: 2G, size: 64M}\n  msrs: {IA32_TME_ACTIVATE: 0x1}\n  module: \"1.0\"\n"
		"  max_tdmrs: 8\n  max_reserved_per_tdmr: 4\n  pamt_entry_size: [16, 16, 32]\n  errata: "
		"none\n"
		"  trap_mode: yes\n  costs: {TDH.SYS.INIT: 1, 36: 2, tdmr_init_chunk: 3, vmxon: 4}\nsteps: "
		"[]\n";
	tdxsim_scenario_t *scn;
	tdxsim_scenario_diag_t d;
	if (tdxsim_scenario_load_buffer("p.yaml", y, strlen(y), &scn, &d))
		fail_msg("%u:%u: %s", d.line, d.column, d.message);
	tdxsim_config_t c;
	tdxsim_scenario_config(scn, &c);
	assert_int_equal(c.num_packages, 2);
	assert_int_equal(c.lps_per_package, 3);
	assert_int_equal(c.phys_addr_bits, 46);
	assert_int_equal(c.keyid_bits, 5);
	assert_int_equal(c.num_tdx_keyids, 16);
	assert_int_equal(c.num_ram_ranges, 2);
	assert_int_equal(c.ram[1].node, 1);
	assert_int_equal(c.seamrr_size, 64 << 20);
	assert_int_equal(c.num_msr_overrides, 1);
	assert_int_equal(c.module, TDXSIM_MODULE_1_0);
	assert_int_equal(c.max_tdmrs, 8);
	assert_int_equal(c.pamt_entry_size[2], 32);
	assert_int_equal(c.errata, 0);
	assert_true(c.trap_mode);
	assert_int_equal(c.costs.leaf[TDXSIM_TDH_SYS_INIT], 1);
	assert_int_equal(c.costs.leaf[TDXSIM_TDH_SYS_TDMR_INIT], 2);
	assert_int_equal(c.costs.tdmr_init_chunk, 3);
	assert_int_equal(c.costs.vmxon, 4);
	assert_int_equal(tdxsim_scenario_num_steps(scn), 0);
	assert_string_equal(tdxsim_scenario_name(scn), "p.yaml");
	tdxsim_scenario_free(scn);
}

static void platform__cpu_keeps_errata_from_cpu(void **state)
{
	(void)state;
	static const struct {
		const char *yaml;
		tdxsim_cpu_profile_t cpu;
		uint32_t errata;
	} rows[] = {
		{"platform: {cpu: gnr}\nsteps: []\n", TDXSIM_CPU_GRANITE_RAPIDS, TDXSIM_ERRATA_FROM_CPU},
		{"platform: {cpu: emerald-rapids}\nsteps: []\n", TDXSIM_CPU_EMERALD_RAPIDS,
		 TDXSIM_ERRATA_FROM_CPU},
		{"platform: {cpu: spr, errata: none}\nsteps: []\n", TDXSIM_CPU_SAPPHIRE_RAPIDS, 0},
		{"platform: {errata: [partial_write_poison], cpu: granite-rapids}\nsteps: []\n",
		 TDXSIM_CPU_GRANITE_RAPIDS, TDXSIM_ERRATUM_PARTIAL_WRITE_POISON},
		{"steps: []\n", TDXSIM_CPU_SAPPHIRE_RAPIDS, TDXSIM_ERRATA_FROM_CPU},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		tdxsim_scenario_t *scn;
		tdxsim_scenario_diag_t d;
		tdxsim_config_t c;
		if (tdxsim_scenario_load_buffer("c.yaml", rows[i].yaml, strlen(rows[i].yaml), &scn, &d))
			fail_msg("%s: %s", rows[i].yaml, d.message);
		tdxsim_scenario_config(scn, &c);
		assert_int_equal(c.cpu, rows[i].cpu);
		assert_int_equal(c.errata, rows[i].errata);
		tdxsim_scenario_free(scn);
	}
	const char *costs = "platform: {costs: {seamldr_call: 7, seamldr_install_page: 8, movdir64b: 9, "
			    "clflush: 10, wbinvd: 11}}\nsteps: []\n";
	tdxsim_scenario_t *scn;
	tdxsim_scenario_diag_t d;
	tdxsim_config_t c;
	if (tdxsim_scenario_load_buffer("c.yaml", costs, strlen(costs), &scn, &d))
		fail_msg("%s", d.message);
	tdxsim_scenario_config(scn, &c);
	assert_int_equal(c.costs.seamldr_call, 7);
	assert_int_equal(c.costs.seamldr_install_page, 8);
	assert_int_equal(c.costs.movdir64b, 9);
	assert_int_equal(c.costs.clflush, 10);
	assert_int_equal(c.costs.wbinvd, 11);
	tdxsim_scenario_free(scn);
}

static void lifecycle_kinds__load(void **state)
{
	(void)state;
	const char *y =
		"steps:\n"
		"  - {cpuid: 0xB, subleaf: 1, lp: all, repeat: 2, save: {s: eax, id: edx}, expect: {ebx: 4, "
		"edx: 0x1f}}\n"
		"  - {cpuid: 1, lp: random}\n"
		"  - {inject: {leaf: TDH.SYS.TDMR.INIT, status: TDX_SYS_BUSY, after: 599}}\n"
		"  - {inject: {leaf: 36, status: 1, after: $s, lp: 2}}\n"
		"  - place_image: {module: next, pages: 3, seam_svn: 0x0101, module_hv: 1, min_update_hv: "
		"\"$s\",\n"
		"                  num_handoff_pages: 24, no_downgrade: yes, cpus: [spr, 0xA06D1, gnr], "
		"scenario: load}\n"
		"    save: {p: params, i: image, n: size, g: sigstruct, m: module}\n"
		"  - {place_image: {module: \"1.5.06\", cpus: []}}\n"
		"  - {seamcall: P-SEAMLDR.INSTALL, lp: all, rcx: $p}\n"
		"  - {assert: \"$i + $n + $g + $m + $id\"}\n";
	tdxsim_scenario_t *scn;
	tdxsim_scenario_diag_t d;
	if (tdxsim_scenario_load_buffer("l.yaml", y, strlen(y), &scn, &d))
		fail_msg("%u:%u: %s", d.line, d.column, d.message);
	const struct scn_step *st = scn->steps;
	assert_int_equal(st[0].kind, SCN_K_CPUID);
	assert_int_equal(st[0].lp_mode, SCN_LP_ALL);
	assert_int_equal(st[0].u.cpuid.leaf->value, 0xB);
	assert_int_equal(st[0].u.cpuid.subleaf->value, 1);
	assert_int_equal(st[0].num_saves, 2);
	assert_int_equal(st[0].saves[1].reg, SCN_SAVE_OUT(3));
	assert_non_null(st[0].ex.outs[1]);
	assert_non_null(st[0].ex.outs[3]);
	assert_null(st[0].ex.outs[0]);
	assert_null(st[1].u.cpuid.subleaf);
	assert_int_equal(st[2].kind, SCN_K_INJECT);
	assert_int_equal(st[2].u.inject.after->value, 599);
	assert_false(scn_expr_is_const(st[3].u.inject.after));
	assert_int_equal(st[4].kind, SCN_K_PLACE_IMAGE);
	assert_int_equal(st[4].u.image.module, TDXSIM_MODULE_NEXT);
	assert_int_equal(st[4].u.image.pages->value, 3);
	assert_int_equal(st[4].u.image.no_downgrade, 1);
	assert_true(st[4].u.image.load);
	assert_int_equal(st[4].u.image.num_cpus, 3);
	assert_int_equal(st[4].u.image.cpus[0]->value, TDXSIM_FMS_SAPPHIRE_RAPIDS);
	assert_int_equal(st[4].u.image.cpus[2]->value, TDXSIM_FMS_GRANITE_RAPIDS);
	assert_int_equal(st[4].num_saves, 5);
	assert_int_equal(st[4].saves[0].reg, SCN_SAVE_OUT(0));
	assert_int_equal(st[4].saves[4].reg, SCN_SAVE_OUT(4));
	assert_int_equal(st[5].u.image.module, TDXSIM_MODULE_1_5_06);
	assert_int_equal(st[5].u.image.num_cpus, 0);
	assert_int_equal(st[5].u.image.no_downgrade, -1);
	assert_false(st[5].u.image.load);
	assert_int_equal(st[6].u.call.rax->value, TDXSIM_SEAMLDR_INSTALL);
	assert_string_equal(st[6].label, "seamcall P-SEAMLDR.INSTALL");
	tdxsim_scenario_free(scn);
}

static void every_step_kind__loads(void **state)
{
	(void)state;
	const char *y =
		"name: all kinds\nsteps:\n"
		"  - {seamcall: TDH.SYS.RD, version: 0, rdx: MAX_TDMRS, lp: all, repeat: 2, save: {a: r8, s: "
		"status}}\n"
		"  - {rdmsr: 0x87, lp: random, save: {m: value}}\n"
		"  - {vmxon: all}\n  - {vmxoff: 1}\n  - {wbinvd: random}\n"
		"  - {read: {addr: 0, keyid: 1, len: 64}, save: {r: value}}\n"
		"  - {write: {addr: 0, len: 64, fill: 0xff}}\n  - {movdir64b: {addr: 0, value: 1}}\n"
		"  - {clflush: {addr: 0}}\n  - {sleep: enter}\n  - {sleep: resume}\n"
		"  - {hot_add: {base: 64G, size: 1G, node: 0}}\n  - {hot_remove: {base: 64G, size: 1G}}\n"
		"  - {lp_offline: 1}\n  - {lp_online: 1}\n"
		"  - {inject: {leaf: 31, status: TDX_KEY_GENERATION_FAILED, count: 2, lp: any}}\n"
		"  - {clear_injections: true}\n  - {bringup: {stop: after_keys, key_tries: 2}}\n"
		"  - {init_tdmrs: {tdmr: 0, max_calls: 3}, lp: 2}\n  - {init_tdmrs: all}\n"
		"  - {poke: {addr: \"$tdmr_info[0].rsvd[1].size\", u64: \"$a + $m + $r\"}}\n"
		"  - {poke: {addr: $pa_array, bytes: [1, 2, 0xff]}}\n"
		"  - {set: {x: \"random(1, 6)\", y: \"peek64($pa_array[1])\"}}\n  - {assert: \"$x <= 6\"}\n";
	tdxsim_scenario_t *scn;
	tdxsim_scenario_diag_t d;
	if (tdxsim_scenario_load_buffer("k.yaml", y, strlen(y), &scn, &d))
		fail_msg("%u:%u: %s", d.line, d.column, d.message);
	static const uint8_t kinds[] = {SCN_K_SEAMCALL,
					SCN_K_RDMSR,
					SCN_K_VMXON,
					SCN_K_VMXOFF,
					SCN_K_WBINVD,
					SCN_K_READ,
					SCN_K_WRITE,
					SCN_K_MOVDIR64B,
					SCN_K_CLFLUSH,
					SCN_K_SLEEP,
					SCN_K_SLEEP,
					SCN_K_HOT_ADD,
					SCN_K_HOT_REMOVE,
					SCN_K_LP_OFFLINE,
					SCN_K_LP_ONLINE,
					SCN_K_INJECT,
					SCN_K_CLEAR_INJECTIONS,
					SCN_K_BRINGUP,
					SCN_K_INIT_TDMRS,
					SCN_K_INIT_TDMRS,
					SCN_K_POKE,
					SCN_K_POKE,
					SCN_K_SET,
					SCN_K_ASSERT};
	assert_int_equal(tdxsim_scenario_num_steps(scn), sizeof(kinds));
	for (unsigned i = 0; i < sizeof(kinds); i++)
		assert_int_equal(scn->steps[i].kind, kinds[i]);
	assert_int_equal(scn->steps[0].lp_mode, SCN_LP_ALL);
	assert_int_equal(scn->steps[0].num_saves, 2);
	assert_int_equal(scn->steps[15].lp_mode, SCN_LP_ANY);
	assert_string_equal(tdxsim_scenario_name(scn), "all kinds");
	tdxsim_scenario_free(scn);
}

static void garbage__never_crashes(void **state)
{
	(void)state;
	/* A deterministic stream of byte soups and YAML fragments; ASan and UBSan watch. */
	static const char *const pieces[] = {
		"steps:",  "\n  - ", "seamcall: ", "{",	 "}", "[",    "]",  "$tdmr[",
		"0].base", "&a ",    "*a",	   "\"", "'", ":",    "-",  "expect: {status: ",
		"0x",	   "G",	     "(",	   ")",	 "|", "TDX_", "\t", "\xff",
		"#",	   "!!int ", "---\n"};
	uint64_t x = 12345;
	for (int n = 0; n < 3000; n++) {
		char buf[512];
		size_t len = 0;
		int parts = 1 + n % 24;
		for (int k = 0; k < parts; k++) {
			x = x * 6364136223846793005u + 1442695040888963407u;
			const char *p = pieces[(x >> 33) % (sizeof(pieces) / sizeof(pieces[0]))];
			size_t pl = strlen(p);
			if (len + pl >= sizeof(buf))
				break;
			memcpy(buf + len, p, pl);
			len += pl;
		}
		tdxsim_scenario_t *scn = NULL;
		tdxsim_scenario_diag_t d;
		if (tdxsim_scenario_load_buffer("g", buf, len, &scn, &d) == TDXSIM_OK)
			tdxsim_scenario_free(scn);
	}
	assert_int_equal(tdxsim_scenario_load_buffer("g", NULL, 0, NULL, NULL), TDXSIM_ERR_INVALID_ARG);
}

static void aliases__bounded(void **state)
{
	(void)state;
	/* Aliases are allowed (one expect block reused), but cannot multiply the work without bound. */
	const char *ok = "steps:\n  - {vmxon: 0, expect: &e {result: ok}}\n  - {vmxoff: 0, expect: *e}\n";
	tdxsim_scenario_t *scn;
	tdxsim_scenario_diag_t d;
	assert_int_equal(tdxsim_scenario_load_buffer("a.yaml", ok, strlen(ok), &scn, &d), TDXSIM_OK);
	tdxsim_scenario_free(scn);
	char big[4096];
	int n = snprintf(big, sizeof(big), "x: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n");
	for (char c = 'b'; c <= 'h'; c++)
		n += snprintf(big + n, sizeof(big) - (size_t)n,
			      "%c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c]\n", c, c, c - 1,
			      c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1, c - 1);
	snprintf(big + n, sizeof(big) - (size_t)n, "steps: []\n");
	assert_int_equal(tdxsim_scenario_load_buffer("b.yaml", big, strlen(big), &scn, &d),
			 TDXSIM_ERR_BAD_CONFIG);
	assert_non_null(strstr(d.message, "unknown key 'x'"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bad__reported_with_position),
		cmocka_unit_test(diag__formats_as_file_line_col),
		cmocka_unit_test(values__every_notation),
		cmocka_unit_test(status__operand_names_only_in_status_context),
		cmocka_unit_test(platform__every_key),
		cmocka_unit_test(platform__cpu_keeps_errata_from_cpu),
		cmocka_unit_test(lifecycle_kinds__load),
		cmocka_unit_test(every_step_kind__loads),
		cmocka_unit_test(garbage__never_crashes),
		cmocka_unit_test(aliases__bounded),
	};
	return cmocka_run_group_tests_name("scenario_load", tests, NULL, NULL);
}
