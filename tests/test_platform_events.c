/* SPDX-License-Identifier: MIT */
/*
 * Platform events (platform.h): S3 loses TDX for good, hot-added memory is in no CMR and so
 * can never be TDX memory, removing CMR memory under TDX is a platform fault, and logical
 * LP offline/online keeps the module usable without a new TDH.SYS.LP.INIT (sheet 7.2, 14.1).
 */
#include <stdio.h>
#include <string.h>

#include "fixture.h"
#include "tdxsim/memory.h"
#include "tdxsim/platform.h"

#define GIB (UINT64_C(1) << 30)

static void assert_invariants(tdxsim_t *sim)
{
	char msg[256] = "";
	if (tdxsim_check_invariants(sim, msg, sizeof(msg)) != TDXSIM_OK)
		fail_msg("invariant: %s", msg);
}

static void vmxon_all(tdxsim_t *sim)
{
	for (uint32_t lp = 0; lp < tdxsim_num_lps(sim); lp++)
		assert_int_equal(tdxsim_vmxon(sim, lp), TDXSIM_OK);
}

/* ---- S3 ---------------------------------------------------------------------------------- */

static void s3__module_gone_for_good__resume_does_not_help(void **state)
{
	struct fx fx;
	tdxsim_regs_t r;
	fx_create(&fx, NULL, FX_INITIALIZED);
	assert_status(fx_call(fx.sim, 0, TDXSIM_TDH_SYS_RD, 0, TDXSIM_MD_MAX_TDMRS, 0, NULL),
		      TDXSIM_TDX_SUCCESS);
	assert_int_equal(tdxsim_sleep_enter(fx.sim), TDXSIM_OK);
	assert_int_equal(tdxsim_module_state(fx.sim), TDXSIM_MODULE_GONE);
	/* Asleep: nothing runs. */
	assert_false(tdxsim_lp_is_online(fx.sim, 0));
	assert_int_equal(tdxsim_vmxon(fx.sim, 0), TDXSIM_ERR_LP_OFFLINE);
	assert_status(fx_call(fx.sim, 0, TDXSIM_TDH_SYS_RD, 0, TDXSIM_MD_MAX_TDMRS, 0, NULL),
		      TDXSIM_STATUS_API_MISUSE);
	assert_int_equal(tdxsim_sleep_enter(fx.sim), TDXSIM_ERR_STATE);
	assert_int_equal(tdxsim_lp_online(fx.sim, 1), TDXSIM_ERR_STATE);
	assert_int_equal(tdxsim_sleep_resume(fx.sim), TDXSIM_OK);
	assert_int_equal(tdxsim_sleep_resume(fx.sim), TDXSIM_ERR_STATE);
	/* Back: LPs run, VMX off, and every SEAMCALL answers as a platform without a module. */
	assert_true(tdxsim_lp_is_online(fx.sim, 3));
	assert_false(tdxsim_lp_vmx_on(fx.sim, 0));
	assert_status(fx_call(fx.sim, 0, TDXSIM_TDH_SYS_RD, 0, 0, 0, NULL), TDXSIM_TDX_SEAMCALL_UD);
	vmxon_all(fx.sim);
	static const uint64_t leaves[] = {TDXSIM_TDH_SYS_RD, TDXSIM_TDH_SYS_INIT, TDXSIM_TDH_SYS_LP_INIT,
					  TDXSIM_TDH_PHYMEM_PAGE_RDMD, TDXSIM_TDH_SYS_CONFIG};
	for (int round = 0; round < 3; round++)
		for (size_t i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++)
			for (uint32_t lp = 0; lp < tdxsim_num_lps(fx.sim); lp++)
				assert_status(fx_call(fx.sim, lp, leaves[i], 0, 0, 0, NULL),
					      TDXSIM_TDX_SEAMCALL_VMFAILINVALID);
	/* The P-SEAMLDR went with it: no way to load a new module. */
	r = (tdxsim_regs_t){0};
	assert_status(tdxsim_seamcall(fx.sim, 0, TDXSIM_SEAMLDR_BIT, &r), TDXSIM_TDX_SEAMCALL_VMFAILINVALID);
	assert_false(tdxsim_lp_initialized(fx.sim, 0));
	/* Private KeyIDs need a module; the lines' TD-owner bits are left as they were. */
	uint8_t z[64] = {0};
	uint64_t pamt = fx.host.tdmrs[0].pamt_base;
	uint64_t keyed = pamt | (uint64_t)fx.host.global_keyid << tdxsim_keyid_shift(fx.sim);
	assert_int_equal(tdxsim_movdir64b(fx.sim, 0, keyed, z), TDXSIM_ERR_STATE);
	tdxsim_line_info_t li;
	assert_int_equal(tdxsim_mem_line_info(fx.sim, pamt, &li), TDXSIM_OK);
	assert_int_equal(li.owner_keyid, fx.host.global_keyid);
	/* A second sleep changes nothing. */
	assert_int_equal(tdxsim_sleep_enter(fx.sim), TDXSIM_OK);
	assert_int_equal(tdxsim_sleep_resume(fx.sim), TDXSIM_OK);
	vmxon_all(fx.sim);
	assert_status(fx_call(fx.sim, 2, TDXSIM_TDH_SYS_INIT, 0, 0, 0, NULL),
		      TDXSIM_TDX_SEAMCALL_VMFAILINVALID);
	assert_invariants(fx.sim);
	fx_destroy(&fx);
}

static void s3__offline_lps__stay_offline_after_resume(void **state)
{
	struct fx fx;
	fx_create(&fx, NULL, FX_VMX);
	assert_int_equal(tdxsim_lp_offline(fx.sim, 2), TDXSIM_OK);
	assert_int_equal(tdxsim_sleep_enter(fx.sim), TDXSIM_OK);
	assert_int_equal(tdxsim_sleep_resume(fx.sim), TDXSIM_OK);
	assert_true(tdxsim_lp_is_online(fx.sim, 1));
	assert_false(tdxsim_lp_is_online(fx.sim, 2));
	fx_destroy(&fx);
}

/* ---- memory hot-add / hot-remove -------------------------------------------------------- */

static void hot_add__in_ram_map__never_in_a_cmr(void **state)
{
	struct fx fx;
	tdxsim_range_t ram[TDXSIM_MAX_RAM_RANGES * 2];
	fx_create(&fx, NULL, FX_VMX);
	uint32_t before = tdxsim_ram_ranges(fx.sim, ram, TDXSIM_MAX_RAM_RANGES * 2);
	tdxsim_range_t add = {18 * GIB, GIB, 0};
	assert_int_equal(tdxsim_mem_hot_add(fx.sim, &add), TDXSIM_OK);
	assert_int_equal(tdxsim_ram_ranges(fx.sim, ram, TDXSIM_MAX_RAM_RANGES * 2), before + 1);
	assert_int_equal(ram[before].base, 18 * GIB);
	/* The question a memory-online notifier asks. */
	assert_false(tdxsim_range_in_cmrs(fx.sim, 18 * GIB, GIB));
	assert_false(tdxsim_range_in_cmrs(fx.sim, 17 * GIB, 2 * GIB)); /* straddles */
	assert_true(tdxsim_range_in_cmrs(fx.sim, 4 * GIB, 14 * GIB));
	assert_true(tdxsim_range_in_cmrs(fx.sim, 0, 4096));
	assert_false(tdxsim_range_in_cmrs(fx.sim, 2 * GIB, 4096)); /* the hole */
	assert_false(tdxsim_range_in_cmrs(fx.sim, 0, 0));
	/* The memory works as RAM. */
	uint8_t w[16] = {1, 2, 3}, got[16];
	assert_int_equal(tdxsim_mem_write(fx.sim, 0, 18 * GIB + 100, w, 16), TDXSIM_OK);
	assert_int_equal(tdxsim_mem_read(fx.sim, 0, 18 * GIB + 100, got, 16), TDXSIM_OK);
	assert_memory_equal(w, got, 16);
	/* A host that covers all RAM with TDMRs gets the new range rejected by the module. */
	struct host_tdx_opts opts = {0};
	struct host_tdx host;
	assert_int_not_equal(host_tdx_init(fx.sim, &opts, &host), 0);
	assert_int_equal(host.status & ~UINT64_C(0xFFFFFFFF), TDXSIM_TDX_TDMR_OUTSIDE_CMRS);
	assert_int_equal(tdxsim_module_state(fx.sim), TDXSIM_SYSINIT_DONE);
	assert_invariants(fx.sim);
	fx_destroy(&fx);
}

static void hot_add__bad_ranges__refused(void **state)
{
	struct fx fx;
	fx_create(&fx, NULL, FX_FRESH);
	static const tdxsim_range_t bad[] = {
		{18 * GIB + 8, GIB, 0},	     /* misaligned */
		{18 * GIB, 0, 0},	     /* empty */
		{17 * GIB, 2 * GIB, 0},	     /* overlaps RAM */
		{2 * GIB, 4096, 0},	     /* SEAMRR */
		{18 * GIB, GIB, 1},	     /* no node 1 */
		{UINT64_C(1) << 46, GIB, 0}, /* above the address width left by the KeyID bits */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (tdxsim_mem_hot_add(fx.sim, &bad[i]) != TDXSIM_ERR_INVALID_ARG)
			fail_msg("bad hot-add %zu accepted", i);
	assert_int_equal(tdxsim_mem_hot_add(fx.sim, NULL), TDXSIM_ERR_INVALID_ARG);
	assert_int_equal(tdxsim_ram_ranges(fx.sim, NULL, 0), 2);
	fx_destroy(&fx);
}

static void hot_remove__cmr_under_tdx__platform_fault(void **state)
{
	struct fx fx;
	fx_create(&fx, NULL, FX_INITIALIZED);
	tdxsim_range_t add = {20 * GIB, GIB, 0};
	assert_int_equal(tdxsim_mem_hot_add(fx.sim, &add), TDXSIM_OK);
	uint64_t h = tdxsim_state_hash(fx.sim);
	assert_int_equal(tdxsim_mem_hot_remove(fx.sim, 4 * GIB, 14 * GIB), TDXSIM_ERR_PLATFORM_FAULT);
	assert_non_null(strstr(tdxsim_last_error(fx.sim), "CMR"));
	assert_int_equal(tdxsim_ram_ranges(fx.sim, NULL, 0), 3);
	assert_int_equal(tdxsim_state_hash(fx.sim), h);
	/* Only whole ranges go. */
	assert_int_equal(tdxsim_mem_hot_remove(fx.sim, 20 * GIB, GIB / 2), TDXSIM_ERR_INVALID_ARG);
	/* Hot-added (non-CMR) memory can go while TDX runs. */
	assert_int_equal(tdxsim_mem_hot_remove(fx.sim, 20 * GIB, GIB), TDXSIM_OK);
	assert_int_equal(tdxsim_ram_ranges(fx.sim, NULL, 0), 2);
	assert_null(tdxsim_phys_to_virt(fx.sim, 20 * GIB, 1));
	assert_invariants(fx.sim);
	fx_destroy(&fx);
}

static void hot_remove__cmr_before_sys_init__allowed(void **state)
{
	tdxsim_config_t cfg;
	struct fx fx;
	tdxsim_config_init(&cfg);
	cfg.num_ram_ranges = 3;
	cfg.ram[2] = (tdxsim_range_t){20 * GIB, GIB, 0};
	fx_create(&fx, &cfg, FX_VMX);
	assert_int_equal(tdxsim_mem_hot_remove(fx.sim, 20 * GIB, GIB), TDXSIM_OK);
	/* The CMRs were fixed at boot and still list it; the RAM map does not. */
	assert_true(tdxsim_range_in_cmrs(fx.sim, 20 * GIB, GIB));
	assert_int_equal(tdxsim_ram_ranges(fx.sim, NULL, 0), 2);
	assert_status(fx_call(fx.sim, 0, TDXSIM_TDH_SYS_INIT, 0, 0, 0, NULL), TDXSIM_TDX_SUCCESS);
	assert_int_equal(tdxsim_mem_hot_remove(fx.sim, 4 * GIB, 14 * GIB), TDXSIM_ERR_PLATFORM_FAULT);
	fx_destroy(&fx);
}

/* ---- LP offline / online ---------------------------------------------------------------- */

static void lp_offline_online__module_usable__no_new_lp_init(void **state)
{
	struct fx fx;
	tdxsim_regs_t r;
	fx_create(&fx, NULL, FX_INITIALIZED);
	assert_int_equal(tdxsim_lp_offline(fx.sim, 1), TDXSIM_OK);
	assert_false(tdxsim_lp_is_online(fx.sim, 1));
	assert_false(tdxsim_lp_vmx_on(fx.sim, 1));
	assert_status(fx_call(fx.sim, 1, TDXSIM_TDH_SYS_RD, 0, TDXSIM_MD_MAX_TDMRS, 0, NULL),
		      TDXSIM_STATUS_API_MISUSE);
	assert_int_equal(tdxsim_vmxon(fx.sim, 1), TDXSIM_ERR_LP_OFFLINE);
	/* The module does not notice: still ready, LP 1 still counted as initialized. */
	assert_int_equal(tdxsim_module_state(fx.sim), TDXSIM_SYS_READY);
	assert_true(tdxsim_lp_initialized(fx.sim, 1));
	assert_status(fx_call(fx.sim, 0, TDXSIM_TDH_SYS_RD, 0, TDXSIM_MD_MAX_TDMRS, 0, &r),
		      TDXSIM_TDX_SUCCESS);
	assert_status(fx_call(fx.sim, 0, TDXSIM_TDH_PHYMEM_PAGE_RDMD, fx.host.tdmrs[0].pamt_base, 0, 0, NULL),
		      TDXSIM_TDX_SUCCESS);
	/* Back online: VMX off as after bring-up; VMXON and it works, no LP.INIT needed. */
	assert_int_equal(tdxsim_lp_online(fx.sim, 1), TDXSIM_OK);
	assert_status(fx_call(fx.sim, 1, TDXSIM_TDH_SYS_RD, 0, TDXSIM_MD_MAX_TDMRS, 0, NULL),
		      TDXSIM_TDX_SEAMCALL_UD);
	assert_int_equal(tdxsim_vmxon(fx.sim, 1), TDXSIM_OK);
	assert_status(fx_call(fx.sim, 1, TDXSIM_TDH_SYS_RD, 0, TDXSIM_MD_MAX_TDMRS, 0, NULL),
		      TDXSIM_TDX_SUCCESS);
	/* And LP.INIT could not be done again anyway (sheet 7.2). */
	assert_status(fx_call(fx.sim, 1, TDXSIM_TDH_SYS_LP_INIT, 0, 0, 0, NULL),
		      TDXSIM_TDX_SYS_LP_INIT_NOT_PENDING);
	/* Idempotent, and bad indexes refused. */
	assert_int_equal(tdxsim_lp_online(fx.sim, 1), TDXSIM_OK);
	assert_true(tdxsim_lp_vmx_on(fx.sim, 1));
	assert_int_equal(tdxsim_lp_offline(fx.sim, 99), TDXSIM_ERR_INVALID_ARG);
	assert_int_equal(tdxsim_lp_online(NULL, 0), TDXSIM_ERR_INVALID_ARG);
	assert_false(tdxsim_lp_is_online(fx.sim, 99));
	assert_invariants(fx.sim);
	fx_destroy(&fx);
}

static void lp_offline__during_bring_up__config_still_needs_every_lp(void **state)
{
	struct fx fx;
	fx_create(&fx, NULL, FX_TDMRS_BUILT);
	/* An LP offline after its LP.INIT still counts: SYS.CONFIG goes through. */
	assert_int_equal(tdxsim_lp_offline(fx.sim, 3), TDXSIM_OK);
	assert_status(fx_call(fx.sim, 0, TDXSIM_TDH_SYS_CONFIG, fx.host.pa_array_pa, fx.host.num_tdmrs,
			      fx.host.global_keyid, NULL),
		      TDXSIM_TDX_SUCCESS);
	assert_int_equal(tdxsim_module_state(fx.sim), TDXSIM_SYSCONFIG_DONE);
	fx_destroy(&fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(s3__module_gone_for_good__resume_does_not_help),
		cmocka_unit_test(s3__offline_lps__stay_offline_after_resume),
		cmocka_unit_test(hot_add__in_ram_map__never_in_a_cmr),
		cmocka_unit_test(hot_add__bad_ranges__refused),
		cmocka_unit_test(hot_remove__cmr_under_tdx__platform_fault),
		cmocka_unit_test(hot_remove__cmr_before_sys_init__allowed),
		cmocka_unit_test(lp_offline_online__module_usable__no_new_lp_init),
		cmocka_unit_test(lp_offline__during_bring_up__config_still_needs_every_lp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
