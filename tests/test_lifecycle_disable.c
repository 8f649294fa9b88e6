/* SPDX-License-Identifier: MIT */
/*
 * TDH.SYS.DISABLE (leaf 69; sheet 2.2, 13, 14.2; docs/lifecycle.md): only the "next" profile
 * has it; afterwards every SEAMCALL but a fresh TDH.SYS.INIT fails, all TDX memory is back
 * with the host (PAMT store, KOT, and the memory-integrity model's private lines), and a full
 * bring-up from scratch works again. Linux loops on TDX_INTERRUPTED_RESUMABLE and TDX_SYS_BUSY;
 * fault injection forces both.
 */
#include <string.h>

#include "host_lifecycle.h"
#include "lifecycle_fixture.h"
#include "sim/sim.h"
#include "tdxsim/cpu.h"
#include "tdxsim/memory.h"

static tdxsim_config_t next_cfg(void)
{
	tdxsim_config_t cfg;
	tdxsim_config_init(&cfg);
	cfg.module = TDXSIM_MODULE_NEXT;
	return cfg;
}

static void check(tdxsim_t *sim)
{
	char msg[256] = "";
	if (tdxsim_check_invariants(sim, msg, sizeof(msg)))
		fail_msg("invariant broken: %s", msg);
}

static uint64_t disable(tdxsim_t *sim)
{
	return fx_call(sim, 0, TDXSIM_TDH_SYS_DISABLE, 0, 0, 0, NULL);
}

/* A module without leaf 69 answers as for any unknown leaf (sheet 14.2). */
static void disable__absent_before_next(void **state)
{
	static const tdxsim_module_profile_t older[] = {TDXSIM_MODULE_1_5_05, TDXSIM_MODULE_1_5_06,
							TDXSIM_MODULE_1_0};
	for (unsigned i = 0; i < 3; i++) {
		tdxsim_config_t cfg;
		struct fx fx;
		tdxsim_config_init(&cfg);
		cfg.module = older[i];
		fx_create(&fx, &cfg, FX_LPINIT);
		assert_status(disable(fx.sim), TDXSIM_TDX_SYS_NOT_READY);
		fx_destroy(&fx);
		fx_create(&fx, &cfg, FX_INITIALIZED);
		uint64_t before = tdxsim_state_hash(fx.sim);
		assert_status(disable(fx.sim), TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RAX);
		assert_int_equal(tdxsim_state_hash(fx.sim), before);
		fx_destroy(&fx);
	}
}

static void disable__ready__releases_everything(void **state)
{
	tdxsim_config_t cfg = next_cfg();
	struct fx fx;
	fx_create(&fx, &cfg, FX_INITIALIZED);
	tdxsim_t *sim = fx.sim;
	uint64_t pamt_pa = fx.host.tdmrs[0].pamt_base;
	tdxsim_line_info_t li;
	assert_int_equal(tdxsim_mem_line_info(sim, pamt_pa, &li), TDXSIM_OK);
	assert_int_equal(li.owner_keyid, fx.host.global_keyid); /* PAMT written with the global KeyID */

	assert_status(disable(sim), TDXSIM_TDX_SUCCESS);
	check(sim);
	assert_int_equal(tdxsim_module_state(sim), TDXSIM_SYSINIT_PENDING);
	tdxsim_pamt_stats_t st;
	tdxsim_pamt_stats(sim, &st);
	assert_int_equal(st.num_tdmrs, 0);
	for (uint32_t lp = 0; lp < tdxsim_num_lps(sim); lp++)
		assert_false(tdxsim_lp_initialized(sim, lp));
	for (uint32_t k = 0; k < (UINT32_C(1) << sim->hkid.keyid_bits); k++)
		assert_int_equal(sim->hkid.kot[k], TDXSIM_HKID_FREE);
	/* The PAMT's lines are ordinary host memory again: shared, not poisoned, readable. */
	assert_int_equal(tdxsim_mem_line_info(sim, pamt_pa, &li), TDXSIM_OK);
	assert_int_equal(li.owner_keyid, 0);
	assert_false(li.poisoned);
	uint8_t buf[64];
	assert_int_equal(tdxsim_mem_read(sim, 0, pamt_pa, buf, sizeof(buf)), TDXSIM_OK);
	fx_destroy(&fx);
}

/* On an erratum CPU a partial write poisons a private line; DISABLE clears it (Linux: kexec
 * becomes safe on such parts). */
static void disable__clears_partial_write_poison(void **state)
{
	tdxsim_config_t cfg = next_cfg();
	struct fx fx;
	fx_create(&fx, &cfg, FX_INITIALIZED);
	tdxsim_t *sim = fx.sim;
	uint64_t pa = fx.host.tdmrs[1].pamt_base + 4096;
	uint32_t v = 0xAB;
	tdxsim_line_info_t li;
	assert_int_equal(tdxsim_mem_write(sim, 0, pa, &v, sizeof(v)), TDXSIM_OK);
	assert_int_equal(tdxsim_mem_line_info(sim, pa, &li), TDXSIM_OK);
	assert_true(li.poisoned);
	assert_status(disable(sim), TDXSIM_TDX_SUCCESS);
	assert_int_equal(tdxsim_mem_line_info(sim, pa, &li), TDXSIM_OK);
	assert_false(li.poisoned);
	assert_int_equal(tdxsim_mem_read(sim, 1, pa, &v, sizeof(v)), TDXSIM_OK);
	check(sim);
	fx_destroy(&fx);
}

/* After DISABLE every SEAMCALL fails as on a freshly loaded module; nothing changes. */
struct after_row {
	uint16_t leaf;
	uint64_t rcx, rdx;
	uint64_t expected;
};

static void disable__afterwards_only_sys_init_works(void **state)
{
	static const struct after_row rows[] = {
		{TDXSIM_TDH_SYS_RD, 0, TDXSIM_MD_MAX_TDMRS, TDXSIM_TDX_SYS_LP_INIT_NOT_DONE},
		{TDXSIM_TDH_SYS_LP_INIT, 0, 0, TDXSIM_TDX_SYS_LP_INIT_NOT_PENDING},
		{TDXSIM_TDH_SYS_CONFIG, 0, 1, TDXSIM_TDX_SYS_CONFIG_NOT_PENDING},
		{TDXSIM_TDH_SYS_KEY_CONFIG, 0, 0, TDXSIM_TDX_SYS_KEY_CONFIG_NOT_PENDING},
		{TDXSIM_TDH_SYS_TDMR_INIT, 0, 0, TDXSIM_TDX_SYS_NOT_READY},
		{TDXSIM_TDH_PHYMEM_PAGE_RDMD, UINT64_C(8) << 30, 0, TDXSIM_TDX_SYS_NOT_READY},
		{TDXSIM_TDH_SYS_SHUTDOWN, 0, 0, TDXSIM_TDX_SYS_NOT_READY},
		{TDXSIM_TDH_MNG_CREATE, 0, 0, TDXSIM_TDX_SYS_NOT_READY},
		{TDXSIM_TDH_SYS_UPDATE, 0, 0, TDXSIM_TDX_SYS_STATE_INCORRECT},
		{TDXSIM_TDH_SYS_INFO, 0, 0, TDXSIM_TDX_SYS_LP_INIT_NOT_DONE},
		{TDXSIM_TDH_SYS_DISABLE, 0, 0, TDXSIM_TDX_SUCCESS}, /* a harmless no-op */
	};
	tdxsim_config_t cfg = next_cfg();
	struct fx fx;
	fx_create(&fx, &cfg, FX_INITIALIZED);
	assert_status(disable(fx.sim), TDXSIM_TDX_SUCCESS);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		uint64_t before = tdxsim_state_hash(fx.sim);
		uint64_t status = fx_call(fx.sim, 1, rows[i].leaf, rows[i].rcx, rows[i].rdx, 32, NULL);
		if (status != rows[i].expected) {
			char a[96], e[96];
			fail_msg("%s after DISABLE: got %s, expected %s", tdxsim_leaf_name(rows[i].leaf),
				 tdxsim_status_name(status, a, sizeof(a)),
				 tdxsim_status_name(rows[i].expected, e, sizeof(e)));
		}
		assert_int_equal(tdxsim_state_hash(fx.sim), before);
	}
	assert_status(fx_call(fx.sim, 1, TDXSIM_TDH_SYS_INIT, 0, 0, 0, NULL), TDXSIM_TDX_SUCCESS);
	fx_destroy(&fx);
}

/* As after kexec: the same module, brought up again from scratch by a new kernel. */
static void disable__full_bring_up_again(void **state)
{
	tdxsim_config_t cfg = next_cfg();
	struct fx fx;
	fx_create(&fx, &cfg, FX_INITIALIZED);
	tdxsim_pamt_stats_t first, second;
	tdxsim_pamt_stats(fx.sim, &first);
	assert_status(disable(fx.sim), TDXSIM_TDX_SUCCESS);
	host_tdx_free(fx.sim, &fx.host);
	struct host_tdx again;
	assert_int_equal(host_tdx_init(fx.sim, NULL, &again), 0);
	assert_int_equal(tdxsim_module_state(fx.sim), TDXSIM_SYS_READY);
	tdxsim_pamt_stats(fx.sim, &second);
	assert_int_equal(second.num_tdmrs, first.num_tdmrs);
	assert_int_equal(second.initialized_bytes, first.initialized_bytes);
	assert_int_equal(again.update, 99);
	check(fx.sim);
	fx_destroy(&fx);
}

/* Linux repeats DISABLE while it gets INTERRUPTED_RESUMABLE or SYS_BUSY; injected statuses
 * change nothing, so progress is kept (trivially) and the final call does the work. */
static void disable__resumable_and_busy__linux_loop(void **state)
{
	tdxsim_config_t cfg = next_cfg();
	struct fx fx;
	fx_create(&fx, &cfg, FX_INITIALIZED);
	tdxsim_t *sim = fx.sim;
	assert_int_equal(tdxsim_inject_status(sim, TDXSIM_TDH_SYS_DISABLE, TDXSIM_ANY_LP, 2,
					      TDXSIM_TDX_INTERRUPTED_RESUMABLE),
			 TDXSIM_OK);
	assert_int_equal(tdxsim_inject_status(sim, TDXSIM_TDH_SYS_DISABLE, 0, 1, TDXSIM_TDX_SYS_BUSY),
			 TDXSIM_OK);
	uint64_t before = tdxsim_state_hash(sim);
	assert_status(disable(sim), TDXSIM_TDX_INTERRUPTED_RESUMABLE);
	assert_int_equal(tdxsim_state_hash(sim), before);
	assert_status(disable(sim), TDXSIM_TDX_INTERRUPTED_RESUMABLE);
	assert_status(disable(sim), TDXSIM_TDX_SYS_BUSY);
	assert_int_equal(tdxsim_state_hash(sim), before);
	assert_status(disable(sim), TDXSIM_TDX_SUCCESS);
	assert_int_equal(tdxsim_module_state(sim), TDXSIM_SYSINIT_PENDING);

	/* The same through the example host's shutdown hook. */
	tdxsim_destroy(sim);
	assert_int_equal(tdxsim_create(&cfg, &sim), TDXSIM_OK);
	struct lc_host h;
	lc_host_init(&h, sim, NULL);
	assert_int_equal(lc_tdx_init(&h), 0);
	assert_int_equal(lc_tdx_enable(&h), 0);
	tdxsim_inject_status(sim, TDXSIM_TDH_SYS_DISABLE, 0, 3, TDXSIM_TDX_SYS_BUSY);
	unsigned calls;
	assert_status(lc_shutdown(&h, &calls), TDXSIM_TDX_SUCCESS);
	assert_int_equal(calls, 4);
	for (uint32_t lp = 0; lp < tdxsim_num_lps(sim); lp++)
		assert_false(tdxsim_lp_vmx_on(sim, lp));
	tdxsim_destroy(sim);
}

static void disable__states(void **state)
{
	tdxsim_config_t cfg = next_cfg();
	struct fx fx;
	/* Before SYS_READY (a crash during bring-up): accepted, everything released. */
	fx_create(&fx, &cfg, FX_CONFIGURED);
	assert_status(disable(fx.sim), TDXSIM_TDX_SUCCESS);
	assert_int_equal(tdxsim_module_state(fx.sim), TDXSIM_SYSINIT_PENDING);
	check(fx.sim);
	fx_destroy(&fx);
	/* After TDH.SYS.SHUTDOWN: the dispatcher's TDX_SYS_SHUTDOWN, nothing changes. */
	fx_create(&fx, &cfg, FX_INITIALIZED);
	assert_status(fx_call(fx.sim, 0, TDXSIM_TDH_SYS_SHUTDOWN, 0, 0, 0, NULL), TDXSIM_TDX_SUCCESS);
	uint64_t before = tdxsim_state_hash(fx.sim);
	assert_status(disable(fx.sim), TDXSIM_TDX_SYS_SHUTDOWN);
	assert_int_equal(tdxsim_state_hash(fx.sim), before);
	fx_destroy(&fx);
	/* While the P-SEAMLDR blocks the module: VMfailInvalid. */
	fx_create(&fx, &cfg, FX_INITIALIZED);
	assert_status(fx_call(fx.sim, 0, TDXSIM_SEAMLDR_INSTALL, 0, 0, 0, NULL), TDXSIM_TDX_SUCCESS);
	assert_status(disable(fx.sim), TDXSIM_TDX_SEAMCALL_VMFAILINVALID);
	fx_destroy(&fx);
}

/* Update 1.5.05 -> next at runtime, then DISABLE and a fresh bring-up of the updated module. */
static void disable__after_runtime_update(void **state)
{
	tdxsim_blob_opts_t opts;
	struct lfx l;
	tdxsim_blob_opts_init(&opts, TDXSIM_MODULE_NEXT);
	lfx_create(&l, NULL, &opts);
	assert_status(disable(l.fx.sim), TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RAX);
	lfx_update(&l);
	lfx_check(&l);
	assert_status(disable(l.fx.sim), TDXSIM_TDX_SUCCESS);
	lfx_check(&l);
	host_tdx_free(l.fx.sim, &l.fx.host);
	struct host_tdx again;
	assert_int_equal(host_tdx_init(l.fx.sim, NULL, &again), 0);
	assert_int_equal(again.update, 99);
	assert_int_equal(tdxsim_module_profile(l.fx.sim), TDXSIM_MODULE_NEXT);
	lfx_check(&l);
	lfx_destroy(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(disable__absent_before_next),
		cmocka_unit_test(disable__ready__releases_everything),
		cmocka_unit_test(disable__clears_partial_write_poison),
		cmocka_unit_test(disable__afterwards_only_sys_init_works),
		cmocka_unit_test(disable__full_bring_up_again),
		cmocka_unit_test(disable__resumable_and_busy__linux_loop),
		cmocka_unit_test(disable__states),
		cmocka_unit_test(disable__after_runtime_update),
	};
	return cmocka_run_group_tests_name("lifecycle_disable", tests, NULL, NULL);
}
