/* SPDX-License-Identifier: MIT */
/*
 * TDH.MNG.INIT's CPUID configuration (td-build.md 3.4 rows 25-29, Appendix A): one row per
 * rule with its status and RCX (leaf | subleaf << 32), the check order (lookup order, not
 * list order), the 0x1F topology rules, the allowed F/M/S list, and the derived values.
 */
#include <stdlib.h>
#include <string.h>

#include "sim/sim.h"
#include "td/cpuid_config.h"
#include "td_fixture.h"
#include "tdxsim/memory.h"

#define CPUID_CONFIG 0xC000010000000045ULL
#define TOPO_1F	     0xC000090400000000ULL
enum { EAX, EBX, ECX, EDX };

struct patch {
	unsigned cfg, reg; /* TD_PARAMS.CPUID_VALUES[cfg], register */
	uint32_t value;
};

struct row {
	const char *rule;
	struct patch p[3];
	unsigned np;
	uint64_t attributes;
	uint64_t status, rcx;
};

static const struct row rows[] = {
	{"leaf1_eax_fixed0_bit__cpuid_config", {{0, EAX, 0x4000}}, 1, 0, CPUID_CONFIG, 0xFFFFFFFF00000001ULL},
	{"leaf1_ebx_native_bits__cpuid_config", {{0, EBX, 0x800}}, 1, 0, CPUID_CONFIG, 0xFFFFFFFF00000001ULL},
	{"leaf1_fms_not_platform_nonmigratable__cpuid_config",
	 {{0, EAX, 0x806F7}},
	 1,
	 0,
	 CPUID_CONFIG,
	 0xFFFFFFFF00000001ULL},
	{"leaf1_fms_newer_model_migratable__cpuid_config",
	 {{0, EAX, 0xC06F2}},
	 1,
	 1ULL << 29,
	 CPUID_CONFIG,
	 0xFFFFFFFF00000001ULL},
	{"leaf4_0_eax_bit_10__cpuid_config", {{1, EAX, 0x400}}, 1, 0, CPUID_CONFIG, 0x0000000000000004ULL},
	{"leaf4_3_edx_bit_3__cpuid_config", {{4, EDX, 0x8}}, 1, 0, CPUID_CONFIG, 0x0000000300000004ULL},
	{"leaf7_0_eax__cpuid_config", {{5, EAX, 1}}, 1, 0, CPUID_CONFIG, 0x0000000000000007ULL},
	{"leaf7_0_hle_without_rtm__cpuid_config",
	 {{5, EBX, 1u << 4}},
	 1,
	 0,
	 CPUID_CONFIG,
	 0x0000000000000007ULL},
	{"leaf7_0_rtm_without_hle__cpuid_config",
	 {{5, EBX, 1u << 11}},
	 1,
	 0,
	 CPUID_CONFIG,
	 0x0000000000000007ULL},
	{"leaf7_1_ebx__cpuid_config", {{6, EBX, 1}}, 1, 0, CPUID_CONFIG, 0x0000000100000007ULL},
	{"leaf_a_any_bit__cpuid_config", {{7, ECX, 1}}, 1, 0, CPUID_CONFIG, 0xFFFFFFFF0000000AULL},
	{"leaf_1c_eax_bit_8__cpuid_config", {{8, EAX, 0x100}}, 1, 0, CPUID_CONFIG, 0xFFFFFFFF0000001CULL},
	{"leaf_80000008_pa_bits__cpuid_config", {{9, EAX, 52}}, 1, 0, CPUID_CONFIG, 0xFFFFFFFF80000008ULL},
	{"leaf7_2_edx_bit_0__cpuid_config", {{10, EDX, 1}}, 1, 0, CPUID_CONFIG, 0x0000000200000007ULL},
	{"leaf_23_0_eax_bit_4__cpuid_config", {{11, EAX, 0x10}}, 1, 0, CPUID_CONFIG, 0x0000000000000023ULL},
	{"leaf_1f_0_edx__cpuid_config", {{12, EDX, 1}}, 1, 0, CPUID_CONFIG, 0x000000000000001FULL},
	{"leaf_1f_5_eax_bit_5__cpuid_config", {{17, EAX, 0x20}}, 1, 0, CPUID_CONFIG, 0x000000050000001FULL},
	/* Lookup order decides, not the list index (A.1 notes). */
	{"order_7_2_before_1f", {{12, EDX, 1}, {10, EDX, 1}}, 2, 0, CPUID_CONFIG, 0x0000000200000007ULL},
	{"order_1f_before_23", {{11, EAX, 0x10}, {13, EDX, 1}}, 2, 0, CPUID_CONFIG, 0x000000010000001FULL},
	{"order_1c_before_7_2", {{10, EDX, 1}, {8, EAX, 0x100}}, 2, 0, CPUID_CONFIG, 0xFFFFFFFF0000001CULL},
	{"order_fms_before_leaf4",
	 {{1, EAX, 0x400}, {0, EAX, 0x806F7}},
	 2,
	 0,
	 CPUID_CONFIG,
	 0xFFFFFFFF00000001ULL},
	/* 0x1F topology (A.3 step 2): RCX stays 0. */
	{"topology_null_sub0_with_sub1_set__1f_format", {{13, ECX, 0x201}}, 1, 0, TOPO_1F, 0},
	{"topology_sub0_invalid_level__1f_format", {{12, EAX, 1}}, 1, 0, TOPO_1F, 0},
	{"topology_levels_not_increasing__1f_format", {{12, ECX, 0x200}, {13, ECX, 0x101}}, 2, 0, TOPO_1F, 0},
	{"topology_level_type_6__1f_format", {{12, ECX, 0x100}, {13, ECX, 0x601}}, 2, 0, TOPO_1F, 0},
	{"topology_no_core_before_invalid__1f_format",
	 {{12, ECX, 0x100}, {13, ECX, 0x301}},
	 2,
	 0,
	 TOPO_1F,
	 0},
};

static void write_u32(struct fx *fx, uint64_t pa, uint32_t v)
{
	assert_int_equal(tdxsim_mem_write(fx->sim, 0, pa, &v, 4), TDXSIM_OK);
}

static void cpuid_rules(void **state)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *row = &rows[i];
		struct fx fx;
		struct tdfx_td td;
		fx_create(&fx, NULL, FX_INITIALIZED);
		tdfx_create_keyed_tdcs(&fx, &td);
		struct tdfx_params prm = {.attributes = row->attributes};
		uint64_t tp = tdfx_td_params(&fx, &prm);
		for (unsigned k = 0; k < row->np; k++)
			write_u32(&fx, tp + 256 + 16 * row->p[k].cfg + 4 * row->p[k].reg, row->p[k].value);
		/* A reserved byte after the 18 entries: row 30 comes after the CPUID loop. */
		uint8_t junk = 1;
		assert_int_equal(tdxsim_mem_write(fx.sim, 0, tp + 1000, &junk, 1), TDXSIM_OK);
		uint64_t before = tdxsim_state_hash(fx.sim);
		tdxsim_regs_t r = {.rcx = td.tdr, .rdx = tp};
		uint64_t st = tdxsim_seamcall(fx.sim, 0, TDXSIM_TDH_MNG_INIT, &r);
		if (st != row->status || r.rcx != row->rcx)
			print_error("rule %s: rcx %#llx\n", row->rule, (unsigned long long)r.rcx);
		assert_status(st, row->status);
		assert_int_equal(r.rcx, row->rcx);
		assert_int_equal(tdxsim_state_hash(fx.sim), before);
		tdfx_assert_invariants(&fx);
		fx_destroy(&fx);
	}
	(void)state;
}

/* A.4 on a Sapphire Rapids platform (0x806F8) and an Emerald Rapids one (0xC06F2). */
static void fms_allowed_rules(void **state)
{
	static const struct {
		const char *rule;
		uint32_t v, platform;
		bool ok;
	} fr[] = {
		{"same_fms", 0x806F8, 0x806F8, true},
		{"older_stepping_same_model", 0x806F5, 0x806F8, true},
		{"newer_stepping_than_platform", 0x806F8, 0x806F6, false},
		{"newer_model_than_platform", 0xC06F2, 0x806F8, false},
		{"older_model_on_emr", 0x806F8, 0xC06F2, true},
		{"older_model_above_latest_stepping", 0x806F9, 0xC06F2, false},
		{"unknown_model", 0x906A0, 0x806F8, false},
		{"type_bits_differ", 0x1806F8, 0x806F8, false},
	};
	for (size_t i = 0; i < sizeof(fr) / sizeof(fr[0]); i++) {
		if (tdxsim_cpuid_fms_allowed(fr[i].v, fr[i].platform) != fr[i].ok)
			fail_msg("rule %s", fr[i].rule);
	}
	(void)state;
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	fx_create(fx, NULL, FX_INITIALIZED);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	fx_destroy(*state);
	free(*state);
	return 0;
}

static const uint32_t *vals(struct fx *fx, struct tdfx_td *td, uint32_t leaf, uint32_t sub)
{
	struct tdxsim_td *t = tdxsim_td_find(&((struct tdxsim *)fx->sim)->td, td->tdr);
	int i = tdxsim_cpuid_lookup(leaf, sub);
	assert_true(i >= 0);
	return t->tdcs.cpuid_values[i];
}

static bool valid(struct fx *fx, struct tdfx_td *td, uint32_t leaf, uint32_t sub)
{
	struct tdxsim_td *t = tdxsim_td_find(&((struct tdxsim *)fx->sim)->td, td->tdr);
	return t->tdcs.cpuid_valid[tdxsim_cpuid_lookup(leaf, sub)];
}

/* x87/SSE only, no PERFMON: the derivations of A.2's notes column. */
static void derive__minimal_td(void **state)
{
	struct fx *fx = *state;
	struct tdfx_td td;
	tdfx_create_keyed_tdcs(fx, &td);
	struct tdfx_params p = {.tsc_frequency = 100};
	tdfx_init_with(fx, &td, &p);
	assert_int_equal(vals(fx, &td, 1, 0)[EAX], ((struct tdxsim *)fx->sim)->cpu.fms); /* 0 => native */
	assert_int_equal(vals(fx, &td, 1, 0)[ECX] & 0x30001000, 0);	     /* FMA/AVX/F16C need XFAM[2] */
	assert_int_equal(vals(fx, &td, 1, 0)[ECX] & 0x80000000, 0x80000000); /* FIXED1: hypervisor */
	assert_int_equal(vals(fx, &td, 7, 0)[EBX] & 0xDC230020, 0);	     /* AVX2/AVX-512 cleared */
	assert_int_equal(vals(fx, &td, 7, 0)[ECX] >> 31, 0);		     /* PKS = ATTRIBUTES.PKS */
	assert_int_equal(vals(fx, &td, 0xA, 0)[EAX], 0);		     /* no PERFMON */
	assert_int_equal(vals(fx, &td, 0x23, 0)[EAX], 0);
	assert_int_equal(vals(fx, &td, 0x15, 0)[EBX], 100);		       /* TSC_FREQUENCY */
	assert_int_equal(vals(fx, &td, 0x80000008, 0)[EAX] & 0xFF00, 57 << 8); /* LA57 */
	assert_int_equal(vals(fx, &td, 0xD, 0)[ECX], 576);
	assert_int_equal(vals(fx, &td, 0xD, 2)[EAX], 0); /* no AVX component */
	assert_int_equal(vals(fx, &td, 0x19, 0)[EAX], 0);
	assert_false(valid(fx, &td, 6, 0)); /* faulting entries */
	assert_false(valid(fx, &td, 0x80000006, 0));
	assert_true(valid(fx, &td, 7, 0));
	/* Null 0x1F: the native topology; 0xB/0 from its SMT level. */
	assert_int_equal((vals(fx, &td, 0x1F, 0)[ECX] >> 8) & 0xFF, 1);
	assert_int_equal((vals(fx, &td, 0x1F, 1)[ECX] >> 8) & 0xFF, 2);
	assert_memory_equal(vals(fx, &td, 0xB, 0), vals(fx, &td, 0x1F, 0), 16);
	assert_int_equal((vals(fx, &td, 0xB, 1)[ECX] >> 8) & 0xFF, 2);
}

/* AVX-512 and AMX with PKS and PERFMON: the masks keep what XFAM allows. */
static void derive__full_td(void **state)
{
	struct fx *fx = *state;
	struct tdfx_td td;
	tdfx_create_keyed_tdcs(fx, &td);
	struct tdfx_params p = {.attributes = 1ULL << 30 | 1ULL << 63, .xfam = 0x600E7};
	tdfx_init_with(fx, &td, &p);
	assert_int_equal(vals(fx, &td, 1, 0)[ECX] & 0x30001000, 0x30001000);
	assert_int_equal(vals(fx, &td, 7, 0)[ECX] >> 31, 1);
	assert_int_equal(vals(fx, &td, 7, 0)[EBX] & (1u << 16), 1u << 16);    /* AVX512F */
	assert_int_equal(vals(fx, &td, 7, 0)[EBX] & (1u << 4 | 1u << 11), 0); /* KVM sends no TSX */
	assert_int_equal(vals(fx, &td, 0xD, 0)[ECX], 11008);
	assert_int_equal(vals(fx, &td, 0x23, 0)[EAX], 0xF); /* PERFMON and 7.1 EAX[8] (perfmon ext) */
}

/* A host that asks for HLE and RTM together passes (TSX_CTRL present) and gets both. */
static void derive__hle_and_rtm_together(void **state)
{
	struct fx *fx = *state;
	struct tdfx_td td;
	tdfx_create_keyed_tdcs(fx, &td);
	uint64_t tp = tdfx_td_params(fx, NULL);
	uint32_t ebx;
	assert_int_equal(tdxsim_mem_read(fx->sim, 0, tp + 256 + 16 * 5 + 4, &ebx, 4), TDXSIM_OK);
	write_u32(fx, tp + 256 + 16 * 5 + 4, ebx | 1u << 4 | 1u << 11);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MNG_INIT, td.tdr, tp, 0, NULL), TDXSIM_TDX_SUCCESS);
	assert_int_equal(vals(fx, &td, 7, 0)[EBX] & (1u << 4 | 1u << 11), 1u << 4 | 1u << 11);
}

/* An explicit topology: SMT, core, then invalid levels; 0xB/1 ends as sub-leaf 5 [I]. */
static void derive__explicit_topology(void **state)
{
	struct fx *fx = *state;
	struct tdfx_td td;
	tdfx_create_keyed_tdcs(fx, &td);
	uint64_t tp = tdfx_td_params(fx, NULL);
	uint64_t base = tp + 256 + 16 * 12;
	write_u32(fx, base + EBX * 4, 1);
	write_u32(fx, base + ECX * 4, 0x100);
	write_u32(fx, base + 16 + EAX * 4, 3);
	write_u32(fx, base + 16 + EBX * 4, 8);
	write_u32(fx, base + 16 + ECX * 4, 0x201);
	for (unsigned s = 2; s < 6; s++)
		write_u32(fx, base + 16 * s + ECX * 4, s);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MNG_INIT, td.tdr, tp, 0, NULL), TDXSIM_TDX_SUCCESS);
	assert_int_equal(vals(fx, &td, 0x1F, 1)[EBX], 8);
	assert_int_equal(vals(fx, &td, 0xB, 0)[EBX], 1);
	assert_int_equal(vals(fx, &td, 0xB, 1)[ECX], 0x205);
}

/* The pure derivation on a CPU whose every native bit is 1 (tdxsim_cpuid_configure directly):
 * XFD (0xD/1 EAX[4]) only with AMX tile data; 0xD/n zeroed per XFAM bit; 0x1A zeroed for a
 * migratable TD; leaf 5 zeroed without MONITOR. */
/* XBUFF layout (compacted format): components in XFAM order, AMX aligned to 64 bytes. */
static void xbuff_layout_rules(void **state)
{
	uint32_t off[TDXSIM_XBUFF_COMPONENTS];
	assert_int_equal(tdxsim_xbuff_layout(0x3, off), 576);
	assert_int_equal(tdxsim_xbuff_layout(0x7, off), 576 + 256);
	assert_int_equal(off[2], 576);
	/* x87, SSE, AVX, PKRU (8 bytes), then TILECFG aligned up from 840 to 896. */
	assert_int_equal(tdxsim_xbuff_layout(0x60207, off), 896 + 64 + 8192);
	assert_int_equal(off[9], 832);
	assert_int_equal(off[17], 896);
	assert_int_equal(off[18], 960);
	(void)state;
}

static void derive__all_native_bits(void **state)
{
	static uint32_t native[TDXSIM_NUM_CPUID_LEAVES][4];
	static uint8_t config[16 * TDXSIM_CPUID_NUM_CONFIG];
	static struct tdxsim_cpuid_out out;
	memset(native, 0xFF, sizeof(native));
	for (int i = 46; i < 52; i++) /* a valid native topology: SMT, core, then invalid */
		native[i][ECX] = i == 46 ? 0x100 : i == 47 ? 0x201 : (uint32_t)(i - 46);
	struct tdxsim_cpuid_td in = {.xfam = 0x600E7,
				     .platform_fms = 0x806F8,
				     .tsx_ctrl = true,
				     .config = config,
				     .native = (const uint32_t(*)[4])native};
	assert_int_equal(tdxsim_cpuid_configure(&in, &out), 0);
	assert_int_equal(out.values[tdxsim_cpuid_lookup(0xD, 1)][EAX] & 0x10, 0x10);
	assert_int_not_equal(out.values[tdxsim_cpuid_lookup(0xD, 17)][EAX], 0);
	assert_int_not_equal(out.values[tdxsim_cpuid_lookup(0x1A, 0)][EAX], 0);
	assert_int_equal(out.values[tdxsim_cpuid_lookup(0x5, 0)][EAX], 0); /* MONITOR not requested */
	in.xfam = 0xE7;
	in.attributes = 1ULL << 29;
	config[ECX * 4] = 0x8; /* leaf 1 ECX.MONITOR (ALLOW_DIRECT) */
	assert_int_equal(tdxsim_cpuid_configure(&in, &out), 0);
	assert_int_equal(out.values[tdxsim_cpuid_lookup(0xD, 1)][EAX] & 0x10, 0);
	assert_int_equal(out.values[tdxsim_cpuid_lookup(0xD, 17)][EAX], 0);
	assert_int_equal(out.values[tdxsim_cpuid_lookup(0x1A, 0)][EAX], 0);
	assert_int_not_equal(out.values[tdxsim_cpuid_lookup(0x5, 0)][EAX], 0);
	/* HLE set natively and requested, but the platform has no TSX_CTRL: RCX stays 0. */
	memcpy(config + 16 * 5 + 4, &(uint32_t){1u << 4 | 1u << 11}, 4);
	in.tsx_ctrl = false;
	assert_int_equal(tdxsim_cpuid_configure(&in, &out), 0xC00009210000010AULL);
	assert_int_equal(out.rcx, 0);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cpuid_rules),
		cmocka_unit_test(fms_allowed_rules),
		cmocka_unit_test(derive__all_native_bits),
		cmocka_unit_test(xbuff_layout_rules),
		cmocka_unit_test_setup_teardown(derive__minimal_td, setup, teardown),
		cmocka_unit_test_setup_teardown(derive__full_td, setup, teardown),
		cmocka_unit_test_setup_teardown(derive__hle_and_rtm_together, setup, teardown),
		cmocka_unit_test_setup_teardown(derive__explicit_topology, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
