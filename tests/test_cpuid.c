/* SPDX-License-Identifier: MIT */
/*
 * CPU identity as host code reads it (tdxsim/cpu.h; sheet 9, 12, 14.5, 14.6): CPUID per CPU
 * profile, the MSRs beside 0x87, the errata each profile brings and their override, topology
 * that agrees with the packages, the module's PKG_FMS, profile names and the YAML form.
 */
#include <string.h>

#include "fixture.h"
#include "tdxsim/cpu.h"
#include "tdxsim/platform.h"

struct cpu_row {
	const char *name;
	tdxsim_cpu_profile_t cpu;
	uint32_t fms, family, model;
	bool pw_erratum;
};

static const struct cpu_row cpu_rows[] = {
	{"sapphire-rapids", TDXSIM_CPU_SAPPHIRE_RAPIDS, 0x000806F8, 6, 0x8F, true},
	{"emerald-rapids", TDXSIM_CPU_EMERALD_RAPIDS, 0x000C06F2, 6, 0xCF, true},
	{"granite-rapids", TDXSIM_CPU_GRANITE_RAPIDS, 0x000A06D1, 6, 0xAD, false},
};

static tdxsim_t *create(tdxsim_cpu_profile_t cpu, uint32_t packages)
{
	tdxsim_config_t cfg;
	tdxsim_t *sim;
	tdxsim_config_init(&cfg);
	cfg.cpu = cpu;
	if (packages > 1) {
		cfg.num_packages = packages;
		cfg.ram[1].node = 1;
	}
	assert_int_equal(tdxsim_create(&cfg, &sim), TDXSIM_OK);
	return sim;
}

static void profile__identity_features_errata(void **state)
{
	const struct cpu_row *row = *state;
	tdxsim_t *sim = create(row->cpu, 1);
	tdxsim_cpuid_regs_t r;

	assert_int_equal(tdxsim_cpuid(sim, 0, 0, 0, &r), TDXSIM_OK);
	assert_memory_equal(&r.ebx, "Genu", 4);
	assert_memory_equal(&r.edx, "ineI", 4);
	assert_memory_equal(&r.ecx, "ntel", 4);
	assert_true(r.eax >= 0x1F);
	assert_int_equal(tdxsim_cpuid(sim, 2, 1, 0, &r), TDXSIM_OK);
	assert_int_equal(r.eax, row->fms);
	/* family = base + extended, model = extended << 4 | base (Linux's x86_family/x86_model) */
	assert_int_equal(((r.eax >> 8) & 0xF) + ((r.eax >> 20) & 0xFF), row->family);
	assert_int_equal(((r.eax >> 4) & 0xF) | ((r.eax >> 12) & 0xF0), row->model);
	assert_true(r.ecx & TDXSIM_CPUID1_ECX_VMX);
	assert_true(r.ecx & TDXSIM_CPUID1_ECX_XSAVE);
	assert_true(r.ecx & TDXSIM_CPUID1_ECX_X2APIC);
	assert_true(r.edx & TDXSIM_CPUID1_EDX_SELFSNOOP);
	assert_int_equal(r.ebx >> 24, 2); /* initial APIC id of LP 2 */
	assert_int_equal(tdxsim_cpuid(sim, 0, 7, 0, &r), TDXSIM_OK);
	assert_true(r.ecx & TDXSIM_CPUID7_ECX_TME);
	assert_true(r.ecx & TDXSIM_CPUID7_ECX_MOVDIR64B);
	assert_int_equal(tdxsim_cpuid(sim, 0, 0x80000000u, 0, &r), TDXSIM_OK);
	assert_true(r.eax >= 0x80000008u);
	assert_int_equal(tdxsim_cpuid(sim, 0, 0x80000008u, 0, &r), TDXSIM_OK);
	assert_int_equal(r.eax & 0xFF, 52);

	/* Errata come from the profile; the module reports the CPU in PKG_FMS. */
	assert_int_equal(tdxsim_errata(sim), row->pw_erratum ? TDXSIM_ERRATUM_PARTIAL_WRITE_POISON : 0);
	assert_int_equal(tdxsim_cpu_profile_errata(row->cpu), tdxsim_errata(sim));
	assert_int_equal(tdxsim_cpu_profile(sim), row->cpu);
	assert_string_equal(tdxsim_cpu_profile_name(row->cpu), row->name);
	tdxsim_cpu_profile_t back;
	assert_true(tdxsim_cpu_profile_by_name(row->name, &back));
	assert_int_equal(back, row->cpu);
	for (uint32_t lp = 0; lp < tdxsim_num_lps(sim); lp++)
		assert_int_equal(tdxsim_vmxon(sim, lp), TDXSIM_OK);
	assert_status(fx_call(sim, 0, TDXSIM_TDH_SYS_INIT, 0, 0, 0, NULL), TDXSIM_TDX_SUCCESS);
	assert_status(fx_call(sim, 0, TDXSIM_TDH_SYS_LP_INIT, 0, 0, 0, NULL), TDXSIM_TDX_SUCCESS);
	tdxsim_regs_t out;
	assert_status(fx_call(sim, 0, TDXSIM_TDH_SYS_RD, 0, TDXSIM_MD_PKG_FMS, 0, &out), TDXSIM_TDX_SUCCESS);
	assert_int_equal(out.r8, row->fms);
	tdxsim_destroy(sim);
}

static void errata__explicit_value_overrides_profile(void **state)
{
	tdxsim_config_t cfg;
	tdxsim_t *sim;
	tdxsim_config_init(&cfg);
	assert_int_equal(cfg.errata, TDXSIM_ERRATA_FROM_CPU);
	cfg.errata = 0; /* a Sapphire Rapids part without the erratum */
	assert_int_equal(tdxsim_create(&cfg, &sim), TDXSIM_OK);
	assert_int_equal(tdxsim_errata(sim), 0);
	tdxsim_destroy(sim);
	cfg.cpu = TDXSIM_CPU_GRANITE_RAPIDS;
	cfg.errata = TDXSIM_ERRATUM_PARTIAL_WRITE_POISON; /* and a Granite Rapids part with it */
	assert_int_equal(tdxsim_create(&cfg, &sim), TDXSIM_OK);
	assert_int_equal(tdxsim_errata(sim), TDXSIM_ERRATUM_PARTIAL_WRITE_POISON);
	tdxsim_destroy(sim);
	cfg.cpu = (tdxsim_cpu_profile_t)7;
	assert_int_equal(tdxsim_config_check(&cfg, NULL, 0), TDXSIM_ERR_BAD_CONFIG);
}

/* x2APIC ids and leaves 0xB/0x1F agree with the platform's packages (sheet 7.2, 14.6). */
static void topology__package_from_x2apic_matches(void **state)
{
	tdxsim_t *sim = create(TDXSIM_CPU_SAPPHIRE_RAPIDS, 2);
	for (uint32_t lp = 0; lp < tdxsim_num_lps(sim); lp++) {
		for (uint32_t leaf = 0xB; leaf <= 0x1F; leaf += 0x1F - 0xB) {
			tdxsim_cpuid_regs_t smt, core, end;
			assert_int_equal(tdxsim_cpuid(sim, lp, leaf, 0, &smt), TDXSIM_OK);
			assert_int_equal(tdxsim_cpuid(sim, lp, leaf, 1, &core), TDXSIM_OK);
			assert_int_equal(tdxsim_cpuid(sim, lp, leaf, 2, &end), TDXSIM_OK);
			assert_int_equal((smt.ecx >> 8) & 0xFF, 1);  /* SMT level */
			assert_int_equal((core.ecx >> 8) & 0xFF, 2); /* core level */
			assert_int_equal((end.ecx >> 8) & 0xFF, 0);  /* end of list */
			assert_int_equal(core.ebx, 4);		     /* LPs per package */
			assert_int_equal(smt.edx, core.edx);
			assert_int_equal(core.edx >> (core.eax & 0x1F), tdxsim_lp_package(sim, lp));
		}
	}
	tdxsim_destroy(sim);
}

static void cpuid__above_max_leaf_returns_highest_basic(void **state)
{
	tdxsim_t *sim = create(TDXSIM_CPU_GRANITE_RAPIDS, 1);
	tdxsim_cpuid_regs_t max, hi, beyond, ext;
	assert_int_equal(tdxsim_cpuid(sim, 0, 0, 0, &max), TDXSIM_OK);
	assert_int_equal(tdxsim_cpuid(sim, 0, max.eax, 0, &hi), TDXSIM_OK);
	assert_int_equal(tdxsim_cpuid(sim, 0, max.eax + 1, 0, &beyond), TDXSIM_OK);
	assert_int_equal(tdxsim_cpuid(sim, 0, 0x80000009u, 0, &ext), TDXSIM_OK);
	assert_memory_equal(&hi, &beyond, sizeof(hi));
	assert_memory_equal(&hi, &ext, sizeof(hi));
	assert_int_equal(tdxsim_cpuid(sim, 9, 0, 0, &max), TDXSIM_ERR_INVALID_ARG);
	assert_int_equal(tdxsim_lp_offline(sim, 1), TDXSIM_OK);
	assert_int_equal(tdxsim_cpuid(sim, 1, 0, 0, &max), TDXSIM_ERR_LP_OFFLINE);
	tdxsim_destroy(sim);
}

/* The MSRs host code reads beside 0x87 (sheet 9, 14.5). */
static void msrs__vmx_basic_tme_mtrrcap(void **state)
{
	tdxsim_t *sim = create(TDXSIM_CPU_EMERALD_RAPIDS, 1);
	uint64_t v;
	/* IA32_VMX_BASIC exists (newest Linux reads it without a fault handler), bit 60 set. */
	assert_int_equal(tdxsim_rdmsr(sim, 0, TDXSIM_MSR_IA32_VMX_BASIC, &v), TDXSIM_OK);
	assert_true(v & TDXSIM_VMX_BASIC_NO_SEAMRET_INVD_VMCS);
	/* TME locked, enabled, 6 KeyID bits: Linux's x86_phys_bits = 52 - 6 = the KeyID shift. */
	assert_int_equal(tdxsim_rdmsr(sim, 0, TDXSIM_MSR_IA32_TME_ACTIVATE, &v), TDXSIM_OK);
	assert_true(v & TDXSIM_TME_ACTIVATE_LOCKED);
	assert_true(v & TDXSIM_TME_ACTIVATE_ENABLED);
	uint32_t keyid_bits =
		(v >> TDXSIM_TME_ACTIVATE_KEYID_BITS_SHIFT) & TDXSIM_TME_ACTIVATE_KEYID_BITS_MASK;
	tdxsim_cpuid_regs_t r;
	tdxsim_cpuid(sim, 0, 0x80000008u, 0, &r);
	assert_int_equal((r.eax & 0xFF) - keyid_bits, tdxsim_keyid_shift(sim));
	assert_int_equal(tdxsim_rdmsr(sim, 0, TDXSIM_MSR_IA32_TME_CAPABILITY, &v), TDXSIM_OK);
	assert_int_equal((v >> TDXSIM_TME_CAP_MAX_KEYID_BITS_SHIFT) & 0xF, keyid_bits);
	assert_int_equal(tdxsim_rdmsr(sim, 0, TDXSIM_MSR_IA32_MTRRCAP, &v), TDXSIM_OK);
	assert_true(v & TDXSIM_MTRRCAP_SEAMRR);
	tdxsim_destroy(sim);
}

static void names__module_profiles(void **state)
{
	static const char *const names[] = {"1.5.05", "1.5.06", "1.0", "next"};
	for (int i = 0; i < 4; i++) {
		tdxsim_module_profile_t p;
		assert_string_equal(tdxsim_module_profile_name((tdxsim_module_profile_t)i), names[i]);
		assert_true(tdxsim_module_profile_by_name(names[i], &p));
		assert_int_equal(p, i);
	}
	uint16_t major, minor, update;
	assert_true(tdxsim_module_profile_version(TDXSIM_MODULE_NEXT, &major, &minor, &update));
	assert_int_equal(major, 1);
	assert_int_equal(minor, 5);
	assert_int_equal(update, 99);
	assert_false(tdxsim_module_profile_by_name("2.0", NULL));
	assert_null(tdxsim_module_profile_name((tdxsim_module_profile_t)9));
	assert_true(tdxsim_cpu_profile_by_name("gnr", NULL));
	assert_false(tdxsim_cpu_profile_by_name("icelake", NULL));
}

static void yaml__describes_identity(void **state)
{
	tdxsim_t *sim = create(TDXSIM_CPU_GRANITE_RAPIDS, 2);
	char small[16];
	size_t need = tdxsim_identity_yaml(sim, small, sizeof(small));
	assert_true(need > sizeof(small));
	assert_int_equal(strlen(small), sizeof(small) - 1);
	char buf[4096];
	assert_int_equal(tdxsim_identity_yaml(sim, buf, sizeof(buf)), need);
	assert_non_null(strstr(buf, "cpu: granite-rapids\n"));
	assert_non_null(strstr(buf, "model: 0xad\n"));
	assert_non_null(strstr(buf, "movdir64b: true\n"));
	assert_non_null(strstr(buf, "errata: []\n"));
	assert_non_null(strstr(buf, "{lp: 7, package: 1, x2apic_id: 0x7, online: true}"));
	assert_non_null(strstr(buf, "IA32_VMX_BASIC: 0x"));
	assert_non_null(strstr(buf, "module: 1.5.05\nmodule_version: \"1.5.05\"\n"));
	tdxsim_destroy(sim);
}

int main(void)
{
	struct CMUnitTest tests[16];
	size_t n = 0;
	for (size_t i = 0; i < sizeof(cpu_rows) / sizeof(cpu_rows[0]); i++)
		tests[n++] = (struct CMUnitTest){cpu_rows[i].name, profile__identity_features_errata, NULL,
						 NULL, (void *)&cpu_rows[i]};
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(errata__explicit_value_overrides_profile);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(topology__package_from_x2apic_matches);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(cpuid__above_max_leaf_returns_highest_basic);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(msrs__vmx_basic_tme_mtrrcap);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(names__module_profiles);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(yaml__describes_identity);
	return _cmocka_run_group_tests("cpuid", tests, n, NULL, NULL);
}
