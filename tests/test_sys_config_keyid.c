/* SPDX-License-Identifier: MIT */
/*
 * TDH.SYS.CONFIG's global KeyID: RESERVED in the KOT right after the R8 check and never undone
 * by a later failure ([M15] tdh_sys_config.c), what that means for a retry, for a pending
 * runtime-update handoff, and the host running out of memory in the middle of it.
 */
#include <string.h>

#include "fixture.h"
#include "lifecycle_fixture.h"
#include "pamt/pamt.h"
#include "sim/sim.h"

#define KEY_A 32 /* the host's usual global KeyID (first private one, default config) */
#define KEY_B 40

static struct tdxsim_tdmr_info *tdmr0(struct fx *fx)
{
	return tdxsim_phys_to_virt(fx->sim, fx->host.tdmr_array_pa, sizeof(struct tdxsim_tdmr_info));
}

static uint64_t config(struct fx *fx, uint64_t keyid)
{
	return fx_call(fx->sim, 0, TDXSIM_TDH_SYS_CONFIG, fx->host.pa_array_pa, fx->host.num_tdmrs, keyid,
		       NULL);
}

static unsigned count_reserved(const tdxsim_t *sim)
{
	unsigned n = 0;
	for (size_t k = 0; k < (size_t)1 << sim->hkid.keyid_bits; k++)
		n += sim->hkid.kot[k] == TDXSIM_HKID_RESERVED;
	return n;
}

static void check(tdxsim_t *sim)
{
	char msg[256] = "";
	if (tdxsim_check_invariants(sim, msg, sizeof(msg)))
		fail_msg("invariant broken: %s", msg);
}

/* One row per way SYS.CONFIG can fail after the R8 check. */
struct late_failure {
	const char *name;
	void (*breakit)(struct fx *fx);
	uint64_t expected;
};

static void tdmr0_misaligned(struct fx *fx)
{
	tdmr0(fx)->base += 4096;
}

static void tdmr0_pamt4k_small(struct fx *fx)
{
	tdmr0(fx)->pamt_4k_size -= 4096;
}

static void entry_pa_misaligned(struct fx *fx)
{
	uint64_t *pas = tdxsim_phys_to_virt(fx->sim, fx->host.pa_array_pa, 8);
	pas[0] += 8;
}

static const struct late_failure late_failures[] = {
	{"config__entry_pa_misaligned__keyid_stays_reserved", entry_pa_misaligned,
	 TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RCX},
	{"config__tdmr_misaligned__keyid_stays_reserved", tdmr0_misaligned, TDXSIM_TDX_INVALID_TDMR},
	{"config__pamt_too_small__keyid_stays_reserved", tdmr0_pamt4k_small, TDXSIM_TDX_INVALID_PAMT},
};

static void late_failure__reserves(void **state)
{
	const struct late_failure *row = *state;
	struct fx fx;
	fx_create(&fx, NULL, FX_TDMRS_BUILT);
	row->breakit(&fx);
	uint64_t status = config(&fx, KEY_B);
	if (status != row->expected) {
		char a[96], e[96];
		fail_msg("%s: got %s, expected %s", row->name, tdxsim_status_name(status, a, sizeof(a)),
			 tdxsim_status_name(row->expected, e, sizeof(e)));
	}
	assert_int_equal(fx.sim->hkid.kot[KEY_B], TDXSIM_HKID_RESERVED);
	assert_int_equal(fx.sim->mod.global_hkid, KEY_B);
	assert_int_equal(count_reserved(fx.sim), 1);
	/* Nothing else: put the two back and the state is what it was before the call. */
	fx.sim->hkid.kot[KEY_B] = TDXSIM_HKID_FREE;
	fx.sim->mod.global_hkid = 0;
	struct fx twin;
	fx_create(&twin, NULL, FX_TDMRS_BUILT);
	assert_int_equal(tdxsim_state_hash(fx.sim), tdxsim_state_hash(twin.sim));
	fx_destroy(&twin);
	fx_destroy(&fx);
}

/* Failing at or before R8 reserves nothing (the sys_ordering rows prove "nothing changed"). */
static void config__r8_invalid__reserves_nothing(void **state)
{
	struct fx fx;
	fx_create(&fx, NULL, FX_TDMRS_BUILT);
	assert_status(config(&fx, 31), TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_R8);
	assert_int_equal(count_reserved(fx.sim), 0);
	fx_destroy(&fx);
}

/* The retry the host makes after fixing its TDMRs, with the same KeyID: as if the first
 * attempt had not happened. */
static void config__retry_same_keyid__one_reserved(void **state)
{
	struct fx fx;
	fx_create(&fx, NULL, FX_TDMRS_BUILT);
	tdmr0_misaligned(&fx);
	assert_status(config(&fx, KEY_A), TDXSIM_TDX_INVALID_TDMR);
	tdmr0(&fx)->base -= 4096;
	assert_status(config(&fx, KEY_A), TDXSIM_TDX_SUCCESS);
	assert_int_equal(tdxsim_module_state(fx.sim), TDXSIM_SYSCONFIG_DONE);
	assert_int_equal(count_reserved(fx.sim), 1);
	assert_int_equal(fx.sim->hkid.kot[KEY_A], TDXSIM_HKID_RESERVED);
	check(fx.sim);
	fx_destroy(&fx);
}

/* With another KeyID: the R8 check looks at the range only, so it passes, and the first KeyID
 * stays RESERVED next to the new global one, lost for TDs until the module is reloaded. */
static void config__retry_other_keyid__first_stays_reserved(void **state)
{
	struct fx fx;
	fx_create(&fx, NULL, FX_TDMRS_BUILT);
	tdmr0_misaligned(&fx);
	assert_status(config(&fx, KEY_B), TDXSIM_TDX_INVALID_TDMR);
	tdmr0(&fx)->base -= 4096;
	assert_status(config(&fx, KEY_A), TDXSIM_TDX_SUCCESS);
	assert_int_equal(fx.sim->mod.global_hkid, KEY_A);
	assert_int_equal(fx.sim->hkid.kot[KEY_A], TDXSIM_HKID_RESERVED);
	assert_int_equal(fx.sim->hkid.kot[KEY_B], TDXSIM_HKID_RESERVED);
	assert_int_equal(count_reserved(fx.sim), 2);
	check(fx.sim);
	fx_destroy(&fx);
}

/* ---- After a runtime update: the handoff KOT is in place ------------------------------------ */

static void updated_module(struct lfx *l)
{
	tdxsim_blob_opts_t opts;
	tdxsim_blob_opts_init(&opts, TDXSIM_MODULE_1_5_06);
	lfx_create(l, NULL, &opts);
	lfx_shutdown(l);
	lfx_install_all_but_last(l);
	assert_status(lfx_install(l, tdxsim_num_lps(l->fx.sim) - 1, NULL), TDXSIM_TDX_SUCCESS);
	lfx_init_all(l);
}

/* The failed attempt marks the new module's own KOT; TDH.SYS.UPDATE then replaces that KOT by
 * the handoff's, so the mark is gone and the handed-over global KeyID is the only reserved one. */
static void config_fails_after_update__update_still_takes_handoff(void **state)
{
	struct lfx l;
	updated_module(&l);
	tdxsim_t *sim = l.fx.sim;
	tdmr0_misaligned(&l.fx);
	assert_status(config(&l.fx, KEY_B), TDXSIM_TDX_INVALID_TDMR);
	assert_int_equal(sim->hkid.kot[KEY_B], TDXSIM_HKID_FREE);
	assert_int_equal(sim->hkid.reserved_next[KEY_B], 1);
	assert_status(fx_call(sim, 0, TDXSIM_TDH_SYS_UPDATE, 0, 0, 0, NULL), TDXSIM_TDX_SUCCESS);
	assert_int_equal(sim->mod.global_hkid, KEY_A);
	assert_int_equal(sim->hkid.kot[KEY_A], TDXSIM_HKID_RESERVED);
	assert_int_equal(sim->hkid.reserved_next[KEY_B], 0);
	assert_int_equal(count_reserved(sim), 1);
	lfx_check(&l);
	lfx_destroy(&l);
}

/* Configured from scratch after a failed attempt: the new module's own KOT takes over, with
 * both KeyIDs its attempts reserved; the handoff's KOT is gone. */
static void config_retried_after_update__own_kot_takes_over(void **state)
{
	struct lfx l;
	updated_module(&l);
	tdxsim_t *sim = l.fx.sim;
	tdmr0_misaligned(&l.fx);
	assert_status(config(&l.fx, KEY_B), TDXSIM_TDX_INVALID_TDMR);
	tdmr0(&l.fx)->base -= 4096;
	assert_status(config(&l.fx, KEY_A + 1), TDXSIM_TDX_SUCCESS);
	assert_int_equal(sim->mod.global_hkid, KEY_A + 1);
	assert_int_equal(sim->hkid.kot[KEY_B], TDXSIM_HKID_RESERVED);
	assert_int_equal(sim->hkid.kot[KEY_A + 1], TDXSIM_HKID_RESERVED);
	assert_int_equal(sim->hkid.kot[KEY_A], TDXSIM_HKID_FREE);
	assert_int_equal(count_reserved(sim), 2);
	lfx_check(&l);
	lfx_destroy(&l);
}

/* ---- The host runs out of memory while SYS.CONFIG builds its PAMT store -------------------- */

/* Allocation budgets that fail the store's first, second and a later allocation. */
static const int64_t budgets[] = {0, 1, 2};

static void config__no_memory__nothing_changed(void **state)
{
	for (size_t i = 0; i < sizeof(budgets) / sizeof(budgets[0]); i++) {
		struct fx fx;
		fx_create(&fx, NULL, FX_TDMRS_BUILT);
		uint64_t before = tdxsim_state_hash(fx.sim);
		tdxsim_pamt_set_alloc_budget(fx.sim->pamt, budgets[i]);
		assert_status(config(&fx, KEY_A), TDXSIM_STATUS_NO_MEMORY);
		assert_int_equal(tdxsim_state_hash(fx.sim), before);
		tdxsim_pamt_set_alloc_budget(fx.sim->pamt, -1);
		assert_status(config(&fx, KEY_A), TDXSIM_TDX_SUCCESS);
		check(fx.sim);
		fx_destroy(&fx);
	}
}

/* The bug this guards: the handoff (TDMRs, PAMT, KOT) was dropped before the allocation that
 * failed, so the "nothing changed" status hid a lost update. */
static void config_after_update__no_memory__handoff_kept(void **state)
{
	struct lfx l;
	updated_module(&l);
	tdxsim_t *sim = l.fx.sim;
	tdxsim_pamt_stats_t before, after;
	tdxsim_pamt_stats(sim, &before);
	uint64_t hash = tdxsim_state_hash(sim);
	tdxsim_pamt_set_alloc_budget(sim->pamt, 1);
	assert_status(config(&l.fx, KEY_A), TDXSIM_STATUS_NO_MEMORY);
	assert_int_equal(tdxsim_state_hash(sim), hash);
	tdxsim_pamt_set_alloc_budget(sim->pamt, -1);
	assert_status(fx_call(sim, 0, TDXSIM_TDH_SYS_UPDATE, 0, 0, 0, NULL), TDXSIM_TDX_SUCCESS);
	tdxsim_pamt_stats(sim, &after);
	assert_int_equal(after.num_tdmrs, before.num_tdmrs);
	assert_int_equal(after.initialized_bytes, before.initialized_bytes);
	assert_int_equal(sim->hkid.kot[KEY_A], TDXSIM_HKID_RESERVED);
	lfx_check(&l);
	lfx_destroy(&l);
}

int main(void)
{
	enum { N = sizeof(late_failures) / sizeof(late_failures[0]) };
	struct CMUnitTest tests[N + 7];
	size_t n = 0;
	for (size_t i = 0; i < N; i++)
		tests[n++] = (struct CMUnitTest){late_failures[i].name, late_failure__reserves, NULL, NULL,
						 (void *)&late_failures[i]};
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(config__r8_invalid__reserves_nothing);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(config__retry_same_keyid__one_reserved);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(config__retry_other_keyid__first_stays_reserved);
	tests[n++] =
		(struct CMUnitTest)cmocka_unit_test(config_fails_after_update__update_still_takes_handoff);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(config_retried_after_update__own_kot_takes_over);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(config__no_memory__nothing_changed);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(config_after_update__no_memory__handoff_kept);
	return _cmocka_run_group_tests("sys_config_keyid", tests, n, NULL, NULL);
}
