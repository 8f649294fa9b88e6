/* SPDX-License-Identifier: MIT */
/*
 * TDs across the module's own lifecycle (docs/lifecycle.md): a TD-preserving runtime update
 * keeps every TD, its KeyID and its pages (the new module answers for them and tears them
 * down); TDH.SYS.DISABLE gives everything back, TDs included.
 */
#include <stdlib.h>

#include "lifecycle_fixture.h"
#include "td_fixture.h"
#include "tdxsim/memory.h"

static void update__live_td_survives_and_tears_down(void **state)
{
	struct lfx l;
	tdxsim_blob_opts_t opts;
	tdxsim_blob_opts_init(&opts, TDXSIM_MODULE_1_5_06);
	lfx_create(&l, NULL, &opts);
	struct fx *fx = &l.fx;
	struct tdfx_td td;
	tdfx_create_keyed_tdcs(fx, &td);
	tdxsim_td_info_t before = {.size = sizeof(before)}, after = {.size = sizeof(after)};
	assert_int_equal(tdxsim_td_query(fx->sim, td.tdr, &before), TDXSIM_OK);

	lfx_update(&l);
	tdfx_assert_invariants(fx);
	assert_int_equal(tdxsim_td_query(fx->sim, td.tdr, &after), TDXSIM_OK);
	assert_memory_equal(&before, &after, sizeof(before));
	assert_int_equal(tdxsim_kot_state(fx->sim, td.hkid), 1);
	/* The KeyID is still taken for the new module, and the TD's pages are still its own. */
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MNG_CREATE, tdfx_page(fx), td.hkid, 0, NULL),
		      TDXSIM_TDX_HKID_NOT_FREE);
	tdxsim_pamt_info_t pi;
	assert_int_equal(tdxsim_pamt_query(fx->sim, td.tdcs[0], &pi), TDXSIM_OK);
	assert_int_equal(pi.page_type, TDXSIM_PT_TDCX);
	/* The updated module tears it down. */
	tdfx_release_hkid(fx, &td);
	for (unsigned i = 0; i < td.num_tdcs; i++)
		tdfx_reclaim(fx, td.tdcs[i]);
	tdfx_reclaim(fx, td.tdr);
	assert_int_equal(tdxsim_td_count(fx->sim), 0);
	tdfx_assert_invariants(fx);
	lfx_destroy(&l);
	(void)state;
}

static void disable__live_tds_given_back(void **state)
{
	tdxsim_config_t cfg;
	tdxsim_config_init(&cfg);
	cfg.module = TDXSIM_MODULE_NEXT;
	struct fx fx;
	fx_create(&fx, &cfg, FX_INITIALIZED);
	struct tdfx_td a, b;
	tdfx_create_keyed_tdcs(&fx, &a);
	tdfx_create(&fx, &b, 0);
	assert_int_equal(tdxsim_td_count(fx.sim), 2);

	assert_status(fx_call(fx.sim, 0, TDXSIM_TDH_SYS_DISABLE, 0, 0, 0, NULL), TDXSIM_TDX_SUCCESS);
	tdfx_assert_invariants(&fx);
	assert_int_equal(tdxsim_td_count(fx.sim), 0);
	tdxsim_td_info_t info = {.size = sizeof(info)};
	assert_int_equal(tdxsim_td_query(fx.sim, a.tdr, &info), TDXSIM_ERR_STATE);
	/* Control pages are ordinary host memory again: shared, unpoisoned, readable. */
	tdxsim_line_info_t li;
	assert_int_equal(tdxsim_mem_line_info(fx.sim, a.tdcs[3], &li), TDXSIM_OK);
	assert_int_equal(li.owner_keyid, 0);
	uint8_t buf[64];
	assert_int_equal(tdxsim_mem_read(fx.sim, 0, a.tdr, buf, sizeof(buf)), TDXSIM_OK);
	fx_destroy(&fx);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(update__live_td_survives_and_tears_down),
		cmocka_unit_test(disable__live_tds_given_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
