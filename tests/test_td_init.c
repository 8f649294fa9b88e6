/* SPDX-License-Identifier: MIT */
/*
 * TDH.MNG.INIT: one row per check of td-build.md 3.4 (rows 1-24, 30-32), each with its exact
 * status and operand id; a failed call changes nothing observable (state hash) and leaves
 * RCX = 0; the success effects.
 */
#include <stdlib.h>
#include <string.h>

#include "sept/sept.h"
#include "sim/sim.h"
#include "td/measure.h"
#include "td_fixture.h"
#include "tdxsim/memory.h"

#define OPINV(op) (0xC000010000000000ULL | (op))
#define RDX	  0x02
#define ATTR	  0x40
#define XFAM	  0x41
#define EXEC	  0x42
#define EPTP	  0x43
#define MAXV	  0x44
#define TSCF	  0x46
#define L2VM	  0x47
#define ARCH	  0x48

enum setup_kind {
	S_NONE,
	S_MISC_ENABLE_LIMIT, /* IA32_MISC_ENABLE bit 22 set by the BIOS */
	S_MAX_PA_48,	     /* MAXPHYADDR 48: no 5-level EPT for TDs */
	S_TDR_MISALIGNED,
	S_TDR_NOT_TDR,
	S_TDR_BUSY,
	S_KEYS_NOT_CONFIGURED,
	S_FIVE_TDCS,
	S_SEVEN_TDCS,
	S_ALREADY_INIT,
	S_PARAMS_MISALIGNED,
	S_PARAMS_PRIVATE_KEYID,
};

struct row {
	const char *rule;
	enum setup_kind setup;
	unsigned off, len; /* bytes of TD_PARAMS to overwrite (len 0: none) */
	uint64_t value;
	unsigned off2, len2; /* a second overwrite (check order rows) */
	uint64_t value2;
	uint64_t status;
};

static const struct row rows[] = {
	{"misc_enable_limit_cpuid_maxval__limit_cpuid_maxval_set", S_MISC_ENABLE_LIMIT, 0, 0, 0, 0, 0, 0,
	 0xC000090100000000ULL},
	{"tdr_misaligned__operand_invalid_rcx", S_TDR_MISALIGNED, 0, 0, 0, 0, 0, 0, 0xC000010000000001ULL},
	{"tdr_not_a_tdr__page_metadata_incorrect_rcx", S_TDR_NOT_TDR, 0, 0, 0, 0, 0, 0,
	 0xC000030000000001ULL},
	{"tdr_held_by_another_lp__operand_busy_rcx", S_TDR_BUSY, 0, 0, 0, 0, 0, 0, 0x8000020000000001ULL},
	{"keys_not_configured__td_keys_not_configured", S_KEYS_NOT_CONFIGURED, 0, 0, 0, 0, 0, 0,
	 0x8000081000000000ULL},
	{"five_tdcs_pages__tdcs_not_allocated", S_FIVE_TDCS, 0, 0, 0, 0, 0, 0, 0xC000060600000000ULL},
	{"second_init__op_state_incorrect", S_ALREADY_INIT, 0, 0, 0, 0, 0, 0, 0xC000060800000000ULL},
	{"td_params_not_1024_aligned__operand_invalid_rdx", S_PARAMS_MISALIGNED, 0, 0, 0, 0, 0, 0,
	 OPINV(RDX)},
	{"td_params_private_keyid__operand_invalid_rdx", S_PARAMS_PRIVATE_KEYID, 0, 0, 0, 0, 0, 0,
	 OPINV(RDX)},
	{"attributes_bit_outside_fixed0__attributes", S_NONE, 0, 8, 1ULL << 1, 0, 0, 0, OPINV(ATTR)},
	{"attributes_lass_without_cpu_lass__attributes", S_NONE, 0, 8, 1ULL << 27, 0, 0, 0, OPINV(ATTR)},
	{"attributes_migratable_with_debug__attributes", S_NONE, 0, 8, 1ULL << 29 | 1, 0, 0, 0, OPINV(ATTR)},
	{"attributes_migratable_with_perfmon__attributes", S_NONE, 0, 8, 1ULL << 29 | 1ULL << 63, 0, 0, 0,
	 OPINV(ATTR)},
	{"xfam_bit_outside_fixed0__xfam", S_NONE, 8, 8, 0x3 | 1ULL << 3, 0, 0, 0, OPINV(XFAM)},
	{"xfam_sse_clear__xfam", S_NONE, 8, 8, 0x1, 0, 0, 0, OPINV(XFAM)},
	{"xfam_avx512_partial__xfam", S_NONE, 8, 8, 0x7 | 0x60, 0, 0, 0, OPINV(XFAM)},
	{"xfam_avx512_without_avx__xfam", S_NONE, 8, 8, 0x3 | 0xE0, 0, 0, 0, OPINV(XFAM)},
	{"xfam_cet_user_without_supervisor__xfam", S_NONE, 8, 8, 0x3 | 1ULL << 11, 0, 0, 0, OPINV(XFAM)},
	{"xfam_amx_tilecfg_without_tiledata__xfam", S_NONE, 8, 8, 0x7 | 1ULL << 17, 0, 0, 0, OPINV(XFAM)},
	{"max_vcpus_zero__max_vcpus", S_NONE, 16, 2, 0, 0, 0, 0, OPINV(MAXV)},
	{"max_vcpus_above_576__max_vcpus", S_NONE, 16, 2, 577, 0, 0, 0, OPINV(MAXV)},
	{"num_l2_vms_above_3__num_l2_vms", S_NONE, 18, 1, 4, 0, 0, 0, OPINV(L2VM)},
	{"num_l2_vms_without_its_tdcs_page__tdcs_not_allocated", S_NONE, 18, 1, 1, 0, 0, 0,
	 0xC000060600000000ULL},
	{"reserved_bytes_20_23__operand_invalid_rdx", S_NONE, 20, 4, 1, 0, 0, 0, OPINV(RDX)},
	{"config_flags_bit_3__exec_controls", S_NONE, 32, 8, 4 | 8, 0, 0, 0, OPINV(EXEC)},
	{"eptp_memory_type_uc__eptp_controls", S_NONE, 24, 8, 0x18, 0, 0, 0, OPINV(EPTP)},
	{"eptp_three_levels__eptp_controls", S_NONE, 24, 8, 0x16, 0, 0, 0, OPINV(EPTP)},
	{"eptp_ad_enabled__eptp_controls", S_NONE, 24, 8, 0x5E, 0, 0, 0, OPINV(EPTP)},
	{"eptp_sss__eptp_controls", S_NONE, 24, 8, 0x9E, 0, 0, 0, OPINV(EPTP)},
	{"eptp_bit_12__eptp_controls", S_NONE, 24, 8, 0x101E, 0, 0, 0, OPINV(EPTP)},
	{"gpaw_with_four_levels__eptp_controls", S_NONE, 32, 8, 4 | 1, 0, 0, 0, OPINV(EPTP)},
	{"five_levels_with_max_pa_48__eptp_controls", S_MAX_PA_48, 24, 8, 0x26, 0, 0, 0, OPINV(EPTP)},
	{"tsc_frequency_below_100_mhz__tsc_frequency", S_NONE, 40, 2, 3, 0, 0, 0, OPINV(TSCF)},
	{"tsc_frequency_above_10_ghz__tsc_frequency", S_NONE, 40, 2, 401, 0, 0, 0, OPINV(TSCF)},
	{"reserved_bytes_42_79__operand_invalid_rdx", S_NONE, 79, 1, 1, 0, 0, 0, OPINV(RDX)},
	{"msr_config_ctls_bit_1__operand_invalid_rdx", S_NONE, 19, 1, 2, 0, 0, 0, OPINV(RDX)},
	{"reserved_bytes_232_255__operand_invalid_rdx", S_NONE, 232, 8, 1, 0, 0, 0, OPINV(RDX)},
	{"reserved_bytes_after_cpuid_values__operand_invalid_rdx", S_NONE, 256 + 16 * 18, 1, 1, 0, 0, 0,
	 OPINV(RDX)},
	{"arch_capabilities_config_without_msr_config_ctls__arch_cap", S_NONE, 224, 8, 1ULL << 4, 0, 0, 0,
	 OPINV(ARCH)},
	{"arch_capabilities_config_bit_not_allowed__arch_cap", S_NONE, 224, 8, 1ULL << 5, 19, 1, 1,
	 OPINV(ARCH)},
	{"migratable_with_l2_vms__operand_invalid_rdx", S_SEVEN_TDCS, 0, 8, 1ULL << 29, 18, 1, 1, OPINV(RDX)},
	/* Order: the first failing row decides. */
	{"order_attributes_before_xfam", S_NONE, 0, 8, 1ULL << 1, 8, 8, 0x1, OPINV(ATTR)},
	{"order_num_l2_vms_before_reserved_20", S_NONE, 18, 1, 4, 20, 1, 1, OPINV(L2VM)},
	{"order_config_flags_before_eptp", S_NONE, 32, 8, 8, 24, 8, 0, OPINV(EXEC)},
	{"order_tsc_frequency_before_reserved_42", S_NONE, 40, 2, 0, 42, 1, 1, OPINV(TSCF)},
	{"order_msr_config_ctls_before_reserved_after_cpuid", S_NONE, 19, 1, 2, 1000, 1, 1, OPINV(RDX)},
	{"order_reserved_after_cpuid_before_arch_cap", S_NONE, 1000, 1, 1, 224, 8, 1ULL << 5, OPINV(RDX)},
};

static void patch(uint8_t *tp, unsigned off, unsigned len, uint64_t v)
{
	if (len)
		memcpy(tp + off, &v, len);
}

static void run_row(const struct row *row)
{
	struct fx fx;
	struct tdfx_td td;
	tdxsim_config_t cfg;
	tdxsim_config_init(&cfg);
	if (row->setup == S_MISC_ENABLE_LIMIT) {
		cfg.msr_overrides[0].msr = 0x1A0;
		cfg.msr_overrides[0].value = 0x1 | 1u << 7 | 1u << 12 | 1u << 22;
		cfg.num_msr_overrides = 1;
	}
	if (row->setup == S_MAX_PA_48)
		cfg.phys_addr_bits = 48;
	fx_create(&fx, &cfg, FX_INITIALIZED);

	uint64_t tp_pa = tdfx_td_params(&fx, NULL), tdr;
	uint8_t tp[1024];
	assert_int_equal(tdxsim_mem_read(fx.sim, 0, tp_pa, tp, sizeof(tp)), TDXSIM_OK);
	patch(tp, row->off, row->len, row->value);
	patch(tp, row->off2, row->len2, row->value2);
	assert_int_equal(tdxsim_mem_write(fx.sim, 0, tp_pa, tp, sizeof(tp)), TDXSIM_OK);

	switch (row->setup) {
	case S_KEYS_NOT_CONFIGURED:
		tdfx_create(&fx, &td, 0);
		break;
	case S_FIVE_TDCS:
		tdfx_create(&fx, &td, 0);
		tdfx_key_config(&fx, &td);
		tdfx_add_tdcs(&fx, &td, 5);
		break;
	case S_SEVEN_TDCS:
		tdfx_create(&fx, &td, 0);
		tdfx_key_config(&fx, &td);
		tdfx_add_tdcs(&fx, &td, 7);
		break;
	case S_ALREADY_INIT:
		tdfx_build_initialized(&fx, &td);
		break;
	default:
		tdfx_create_keyed_tdcs(&fx, &td);
		break;
	}
	tdr = td.tdr;
	if (row->setup == S_TDR_MISALIGNED)
		tdr += 0x40;
	if (row->setup == S_TDR_NOT_TDR)
		tdr = td.tdcs[0];
	if (row->setup == S_TDR_BUSY)
		tdxsim_contend(fx.sim, TDXSIM_RES_PAGE, td.tdr, 0, TDXSIM_LOCK_SHARED, 1);
	if (row->setup == S_PARAMS_MISALIGNED)
		tp_pa += 512;
	if (row->setup == S_PARAMS_PRIVATE_KEYID)
		tp_pa |= (uint64_t)td.hkid << tdxsim_keyid_shift(fx.sim);

	uint64_t before = tdxsim_state_hash(fx.sim);
	tdxsim_regs_t r = {.rcx = tdr, .rdx = tp_pa, .r8 = 0x1234, .r9 = 0x5678};
	uint64_t st = tdxsim_seamcall(fx.sim, 0, TDXSIM_TDH_MNG_INIT, &r);
	if (st != row->status)
		print_error("rule %s\n", row->rule);
	assert_status(st, row->status);
	assert_int_equal(tdxsim_state_hash(fx.sim), before);
	assert_int_equal(r.rcx, 0); /* written first, even when the TDR check fails */
	assert_int_equal(r.rdx, tp_pa);
	assert_int_equal(r.r8, 0x1234);
	assert_int_equal(r.r9, 0x5678);
	tdfx_assert_invariants(&fx);
	fx_destroy(&fx);
}

static void init_rules(void **state)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		run_row(&rows[i]);
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

static struct tdxsim_td *td_of(struct fx *fx, uint64_t tdr)
{
	return tdxsim_td_find(&((struct tdxsim *)fx->sim)->td, tdr);
}

static void init__success__initialized_with_params(void **state)
{
	struct fx *fx = *state;
	struct tdfx_td td;
	tdfx_create_keyed_tdcs(fx, &td);
	struct tdfx_params p = {.attributes = 1ULL << 28, .xfam = 0xE7, .max_vcpus = 8, .tsc_frequency = 100};
	uint64_t tp = tdfx_td_params(fx, &p);
	uint8_t mr[48];
	memset(mr, 0xA5, sizeof(mr));
	assert_int_equal(tdxsim_mem_write(fx->sim, 0, tp + 80, mr, sizeof(mr)), TDXSIM_OK);
	uint64_t tsc = tdxsim_lp_cycles(fx->sim, 0);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MNG_INIT, td.tdr, tp, 0, NULL), TDXSIM_TDX_SUCCESS);

	tdxsim_td_info_t info = {.size = sizeof(info)};
	assert_int_equal(tdxsim_td_query(fx->sim, td.tdr, &info), TDXSIM_OK);
	assert_int_equal(info.op_state, 1);
	assert_int_equal(info.td_epoch, 1);
	assert_int_equal(info.num_vcpus, 0);
	struct tdxsim_td *t = td_of(fx, td.tdr);
	assert_int_equal(t->tdcs.attributes, 1ULL << 28);
	assert_int_equal(t->tdcs.td_ctls, 1); /* PENDING_VE_DISABLE from SEPT_VE_DISABLE */
	assert_int_equal(t->tdcs.xfam, 0xE7);
	assert_int_equal(t->tdcs.max_vcpus, 8);
	assert_int_equal(t->tdcs.tsc_frequency, 100);
	assert_false(t->tdcs.gpaw);
	assert_int_equal(t->tdcs.eptp, 0x1E | td.tdcs[3]); /* controls + SEPT root (TDCS page 3) */
	assert_int_equal(t->sept->root_level, 3);
	assert_memory_equal(t->tdcs.mrconfigid, mr, sizeof(mr));
	/* 2.5 GHz virtual over 2.2 GHz native in 16.48 fixed point; the virtual TSC starts at 0
	 * at the module's TSC read (the LP's TSC when the leaf body runs: after the entry cost). */
	uint64_t mult = (uint64_t)(((unsigned __int128)100 * 25000000 << 48) / 2200000000u);
	assert_int_equal(t->tdcs.tsc_multiplier, mult);
	tsc += ((struct tdxsim *)fx->sim)->cfg.costs.rejected_call;
	assert_int_equal(t->tdcs.tsc_offset, -(uint64_t)(((unsigned __int128)tsc * mult) >> 48));
	assert_int_equal(t->tdcs.hp_lock_timeout, 2200000000u); /* 1 s */
	assert_non_null(t->meas);
	assert_int_equal(tdxsim_td_meas_bytes(t->meas), 0);
	tdfx_assert_invariants(fx);
}

static void init__gpa52__five_level_sept_root(void **state)
{
	struct fx *fx = *state;
	struct tdfx_td td;
	tdfx_create_keyed_tdcs(fx, &td);
	struct tdfx_params p = {.gpa52 = true};
	tdfx_init_with(fx, &td, &p);
	struct tdxsim_td *t = td_of(fx, td.tdr);
	assert_true(t->tdcs.gpaw);
	assert_int_equal(t->sept->root_level, 4);
	assert_int_equal(t->tdcs.eptp & 0xFFF, 0x26);
}

static void init__failed_call_then_retry_succeeds(void **state)
{
	struct fx *fx = *state;
	struct tdfx_td td;
	tdfx_create_keyed_tdcs(fx, &td);
	uint64_t tp = tdfx_td_params(fx, NULL);
	uint16_t bad = 0;
	assert_int_equal(tdxsim_mem_write(fx->sim, 0, tp + 16, &bad, 2), TDXSIM_OK);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MNG_INIT, td.tdr, tp, 0, NULL), OPINV(MAXV));
	/* KVM hands the status to user space, which fixes TD_PARAMS and tries again. */
	uint16_t good = 4;
	assert_int_equal(tdxsim_mem_write(fx->sim, 0, tp + 16, &good, 2), TDXSIM_OK);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MNG_INIT, td.tdr, tp, 0, NULL), TDXSIM_TDX_SUCCESS);
	assert_int_equal(td_of(fx, td.tdr)->tdcs.max_vcpus, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(init_rules),
		cmocka_unit_test_setup_teardown(init__success__initialized_with_params, setup, teardown),
		cmocka_unit_test_setup_teardown(init__gpa52__five_level_sept_root, setup, teardown),
		cmocka_unit_test_setup_teardown(init__failed_call_then_retry_succeeds, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
