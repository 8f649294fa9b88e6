/* SPDX-License-Identifier: MIT */
/*
 * CPU hotplug as the module sees it (sheet 2.2, 7.2, 14.1): the module counts every LP of the
 * platform and refuses TDH.SYS.CONFIG until each did TDH.SYS.LP.INIT, so a host booted with CPUs
 * held offline cannot bring TDX up; an LP that goes offline after init and comes back needs no
 * second LP.INIT; an LP first seen after SYS.CONFIG cannot be initialized. Host code (the
 * example's CPU callbacks) refuses to offline a package's last CPU while TDs hold KeyIDs.
 */
#include <string.h>

#include "fixture.h"
#include "host_lifecycle.h"
#include "tdxsim/platform.h"

static void check(tdxsim_t *sim)
{
	char msg[256] = "";
	if (tdxsim_check_invariants(sim, msg, sizeof(msg)))
		fail_msg("invariant broken: %s", msg);
}

/* Booted with LP 3 offline: SYS.INIT and LP.INIT on the others work, SYS.CONFIG does not. */
static void boot_with_lp_offline__config_not_pending(void **state)
{
	tdxsim_config_t cfg;
	tdxsim_t *sim;
	struct lc_host h;
	tdxsim_config_init(&cfg);
	assert_int_equal(tdxsim_create(&cfg, &sim), TDXSIM_OK);
	assert_int_equal(tdxsim_lp_offline(sim, 3), TDXSIM_OK);
	lc_host_init(&h, sim, NULL);
	assert_int_equal(lc_tdx_init(&h), 0);
	assert_int_equal(lc_tdx_enable(&h), -5); /* -EIO */
	assert_status(h.tdx.status, TDXSIM_TDX_SYS_CONFIG_NOT_PENDING);
	assert_int_equal(tdxsim_module_state(sim), TDXSIM_SYSINIT_DONE);
	for (uint32_t lp = 0; lp < 3; lp++)
		assert_true(tdxsim_lp_initialized(sim, lp));
	assert_false(tdxsim_lp_initialized(sim, 3));
	check(sim);
	/* Once the CPU comes up (its callback does LP.INIT), the same SYS.CONFIG succeeds. */
	uint64_t before = tdxsim_state_hash(sim);
	assert_status(fx_call(sim, 0, TDXSIM_TDH_SYS_CONFIG, 0, 1, 32, NULL),
		      TDXSIM_TDX_SYS_CONFIG_NOT_PENDING);
	assert_int_equal(tdxsim_state_hash(sim), before);
	assert_int_equal(lc_cpu_online(&h, 3), 0);
	assert_true(tdxsim_lp_initialized(sim, 3));
	host_tdx_free(sim, &h.tdx);
	struct host_tdx_opts o = {.cpus_enabled = 1};
	assert_int_equal(host_tdx_init(sim, &o, &h.tdx), 0);
	assert_int_equal(tdxsim_module_state(sim), TDXSIM_SYS_READY);
	check(sim);
	tdxsim_destroy(sim);
}

/* Offline after init and back: no second LP.INIT, SYS.RD works at once; LP.INIT would fail. */
static void offline_after_init__no_second_lp_init(void **state)
{
	struct fx fx;
	tdxsim_regs_t r;
	fx_create(&fx, NULL, FX_INITIALIZED);
	tdxsim_t *sim = fx.sim;
	uint64_t before = tdxsim_state_hash(sim);
	assert_int_equal(tdxsim_vmxoff(sim, 2), TDXSIM_OK);
	assert_int_equal(tdxsim_lp_offline(sim, 2), TDXSIM_OK);
	assert_status(fx_call(sim, 2, TDXSIM_TDH_SYS_RD, 0, TDXSIM_MD_MAX_TDMRS, 0, NULL),
		      TDXSIM_STATUS_API_MISUSE);
	assert_true(tdxsim_lp_initialized(sim, 2)); /* the module keeps counting it */
	assert_int_equal(tdxsim_lp_online(sim, 2), TDXSIM_OK);
	/* Back online, VMX is off until the callback's VMXON: SEAMCALL is #UD. */
	assert_status(fx_call(sim, 2, TDXSIM_TDH_SYS_RD, 0, TDXSIM_MD_MAX_TDMRS, 0, NULL),
		      TDXSIM_TDX_SEAMCALL_UD);
	assert_int_equal(tdxsim_vmxon(sim, 2), TDXSIM_OK);
	assert_status(fx_call(sim, 2, TDXSIM_TDH_SYS_RD, 0, TDXSIM_MD_MAX_TDMRS, 0, &r), TDXSIM_TDX_SUCCESS);
	assert_int_equal(r.r8, 64);
	assert_status(fx_call(sim, 2, TDXSIM_TDH_SYS_LP_INIT, 0, 0, 0, NULL),
		      TDXSIM_TDX_SYS_LP_INIT_NOT_PENDING);
	assert_int_equal(tdxsim_state_hash(sim), before);
	check(sim);
	fx_destroy(&fx);
}

/* The example host's callbacks: LP.INIT only once per CPU; a host that forgot it had done
 * LP.INIT gets TDX_SYS_LP_INIT_NOT_PENDING and the CPU cannot come online. */
static void host_callbacks__per_cpu_flag(void **state)
{
	tdxsim_config_t cfg;
	tdxsim_t *sim;
	struct lc_host h;
	tdxsim_config_init(&cfg);
	assert_int_equal(tdxsim_create(&cfg, &sim), TDXSIM_OK);
	lc_host_init(&h, sim, NULL);
	assert_int_equal(lc_tdx_init(&h), 0);
	assert_int_equal(lc_tdx_enable(&h), 0);
	uint64_t c0 = tdxsim_lp_cycles(sim, 1);
	assert_int_equal(lc_cpu_offline(&h, 1), 0);
	assert_false(tdxsim_lp_is_online(sim, 1));
	assert_int_equal(lc_cpu_online(&h, 1), 0);
	assert_true(tdxsim_lp_vmx_on(sim, 1));
	assert_true(tdxsim_lp_cycles(sim, 1) > c0);
	h.lp_initialized[1] = false; /* a buggy host */
	assert_int_equal(lc_cpu_offline(&h, 1), 0);
	assert_int_equal(lc_cpu_online(&h, 1), -5);
	assert_false(tdxsim_lp_vmx_on(sim, 1)); /* the failed callback dropped VMX */
	check(sim);
	tdxsim_destroy(sim);
}

/* The platform reports packages truthfully, so the host can keep one CPU per package. */
static void host_refuses_last_cpu_of_package_with_keyids(void **state)
{
	tdxsim_config_t cfg;
	tdxsim_t *sim;
	struct lc_host h;
	tdxsim_config_init(&cfg);
	cfg.num_packages = 2;
	cfg.lps_per_package = 2;
	cfg.ram[1].node = 1;
	assert_int_equal(tdxsim_create(&cfg, &sim), TDXSIM_OK);
	lc_host_init(&h, sim, NULL);
	assert_int_equal(lc_tdx_init(&h), 0);
	assert_int_equal(lc_tdx_enable(&h), 0);
	assert_int_equal(tdxsim_lp_package(sim, 2), 1);
	assert_int_equal(tdxsim_lp_package(sim, 3), 1);
	h.guest_keyids_in_use = 1; /* a TD holds a KeyID */
	assert_int_equal(lc_cpu_offline(&h, 2), 0);
	assert_int_equal(lc_cpu_offline(&h, 3), -16); /* -EBUSY: last CPU of package 1 */
	assert_true(tdxsim_lp_is_online(sim, 3));
	assert_int_equal(lc_cpu_offline(&h, 0), 0); /* package 0 still has CPU 1 */
	h.guest_keyids_in_use = 0;
	assert_int_equal(lc_cpu_offline(&h, 3), 0);
	check(sim);
	tdxsim_destroy(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(boot_with_lp_offline__config_not_pending),
		cmocka_unit_test(offline_after_init__no_second_lp_init),
		cmocka_unit_test(host_callbacks__per_cpu_flag),
		cmocka_unit_test(host_refuses_last_cpu_of_package_with_keyids),
	};
	return cmocka_run_group_tests_name("lifecycle_hotplug", tests, NULL, NULL);
}
