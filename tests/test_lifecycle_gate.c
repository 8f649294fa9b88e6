/* SPDX-License-Identifier: MIT */
/*
 * Runtime update is offered only when the module reports TD-preserving support (TDX_FEATURES0
 * bit 1) and IA32_VMX_BASIC bit 60 says SEAMRET keeps the current VMCS, as Linux checks
 * (sheet 14.3, 14.5). The host side of examples/host-lifecycle decides; the platform must give
 * it the truthful inputs.
 */
#include "fixture.h"
#include "host_lifecycle.h"

static bool offered(const tdxsim_config_t *cfg)
{
	tdxsim_t *sim;
	struct lc_host h;
	assert_int_equal(tdxsim_create(cfg, &sim), TDXSIM_OK);
	lc_host_init(&h, sim, NULL);
	assert_int_equal(lc_tdx_init(&h), 0);
	assert_int_equal(lc_tdx_enable(&h), 0);
	bool ok = lc_update_supported(&h);
	host_tdx_free(sim, &h.tdx);
	tdxsim_destroy(sim);
	return ok;
}

static void update__offered_with_bit_60_and_td_preserving(void **state)
{
	tdxsim_config_t cfg;
	tdxsim_config_init(&cfg);
	assert_true(offered(&cfg));
}

static void update__not_offered_when_seamret_invalidates_vmcs(void **state)
{
	tdxsim_config_t cfg;
	tdxsim_config_init(&cfg);
	tdxsim_t *sim;
	uint64_t basic;
	assert_int_equal(tdxsim_create(&cfg, &sim), TDXSIM_OK);
	assert_int_equal(tdxsim_rdmsr(sim, 0, TDXSIM_MSR_IA32_VMX_BASIC, &basic), TDXSIM_OK);
	tdxsim_destroy(sim);
	cfg.num_msr_overrides = 1;
	cfg.msr_overrides[0].msr = TDXSIM_MSR_IA32_VMX_BASIC;
	cfg.msr_overrides[0].value = basic & ~TDXSIM_VMX_BASIC_NO_SEAMRET_INVD_VMCS;
	assert_false(offered(&cfg));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(update__offered_with_bit_60_and_td_preserving),
		cmocka_unit_test(update__not_offered_when_seamret_invalidates_vmcs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
