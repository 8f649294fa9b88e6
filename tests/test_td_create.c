/* SPDX-License-Identifier: MIT */
/*
 * TDH.MNG.CREATE, TDH.MNG.KEY.CONFIG and TDH.MNG.ADDCX: one row per check of td-build.md
 * 3.1-3.3, each with its exact status, and "a failed call changes nothing" (state hash) except
 * where the module itself changes something before failing.
 */
#include <stdlib.h>

#include "td_fixture.h"
#include "tdxsim/memory.h"

/* ---- TDH.MNG.CREATE (td-build.md 3.1) ---- */

enum create_case {
	C_RDX_HIGH_BITS,
	C_HKID_MKTME,
	C_HKID_ABOVE_RANGE,
	C_TDR_MISALIGNED,
	C_TDR_KEYID_BITS,
	C_TDR_OUTSIDE_TDMR,
	C_TDR_RESERVED,
	C_TDR_BUSY,
	C_KOT_BUSY,
	C_HKID_GLOBAL,
	C_HKID_IN_USE,
};

struct create_row {
	const char *rule;
	enum create_case c;
	uint64_t status;
};

static const struct create_row create_rows[] = {
	{"rdx_bits_63_16_set__operand_invalid_rdx", C_RDX_HIGH_BITS, 0xC000010000000002},
	{"hkid_is_mktme__operand_invalid_rdx", C_HKID_MKTME, 0xC000010000000002},
	{"hkid_above_private_range__operand_invalid_rdx", C_HKID_ABOVE_RANGE, 0xC000010000000002},
	{"tdr_not_4k_aligned__operand_invalid_rcx", C_TDR_MISALIGNED, 0xC000010000000001},
	{"tdr_with_keyid_bits__operand_invalid_rcx", C_TDR_KEYID_BITS, 0xC000010000000001},
	{"tdr_outside_tdmrs__addr_range_error_rcx", C_TDR_OUTSIDE_TDMR, 0xC000010100000001},
	{"tdr_in_reserved_area__page_metadata_incorrect_rcx", C_TDR_RESERVED, 0xC000030000000001},
	{"tdr_pamt_entry_held__operand_busy_rcx", C_TDR_BUSY, 0x8000020000000001},
	{"kot_held__operand_busy_kot", C_KOT_BUSY, 0x80000200000000BA},
	{"hkid_is_global__hkid_not_free", C_HKID_GLOBAL, 0xC000082000000000},
	{"hkid_of_live_td__hkid_not_free", C_HKID_IN_USE, 0xC000082000000000},
};

static void create_rules(void **state)
{
	for (size_t i = 0; i < sizeof(create_rows) / sizeof(create_rows[0]); i++) {
		const struct create_row *row = &create_rows[i];
		struct fx fx;
		tdxsim_config_t cfg;
		tdxsim_config_init(&cfg);
		fx_create(&fx, &cfg, FX_INITIALIZED);
		uint64_t tdr = tdfx_page(&fx);
		uint64_t hkid = tdfx_free_hkid(&fx);
		uint32_t shift = tdxsim_keyid_shift(fx.sim);
		struct tdfx_td other;
		switch (row->c) {
		case C_RDX_HIGH_BITS:
			hkid |= UINT64_C(1) << 16;
			break;
		case C_HKID_MKTME:
			hkid = fx.host.keyid_first - 1;
			break;
		case C_HKID_ABOVE_RANGE:
			hkid = fx.host.keyid_first + fx.host.keyid_count;
			break;
		case C_TDR_MISALIGNED:
			tdr += 0x800;
			break;
		case C_TDR_KEYID_BITS:
			tdr |= (uint64_t)hkid << shift;
			break;
		case C_TDR_OUTSIDE_TDMR:
			tdr = UINT64_C(1) << 40; /* beyond RAM, below the KeyID bits */
			break;
		case C_TDR_RESERVED:
			tdr = fx.host.tdmrs[0].pamt_base; /* PAMTs live in reserved areas */
			break;
		case C_TDR_BUSY:
			tdxsim_contend(fx.sim, TDXSIM_RES_PAGE, tdr, 0, TDXSIM_LOCK_SHARED, 1);
			break;
		case C_KOT_BUSY:
			tdxsim_contend(fx.sim, TDXSIM_RES_KOT, 0, 0, TDXSIM_LOCK_SHARED, 1);
			break;
		case C_HKID_GLOBAL:
			hkid = fx.host.global_keyid;
			break;
		case C_HKID_IN_USE:
			tdfx_create(&fx, &other, (uint16_t)hkid);
			break;
		}
		uint64_t before = tdxsim_state_hash(fx.sim);
		tdxsim_regs_t out;
		uint64_t st = fx_call(fx.sim, 0, TDXSIM_TDH_MNG_CREATE, tdr, hkid, 0, &out);
		if (st != row->status)
			print_error("rule %s\n", row->rule);
		assert_status(st, row->status);
		assert_int_equal(tdxsim_state_hash(fx.sim), before);
		assert_int_equal(out.rcx, tdr); /* no output registers */
		tdfx_assert_invariants(&fx);
		fx_destroy(&fx);
	}
	(void)state;
}

static void create__success__tdr_owned_kot_assigned(void **state)
{
	struct fx *fx = *state;
	struct tdfx_td td;
	tdfx_create(fx, &td, 0);
	tdxsim_pamt_info_t pi;
	assert_int_equal(tdxsim_pamt_query(fx->sim, td.tdr, &pi), TDXSIM_OK);
	assert_int_equal(pi.page_type, TDXSIM_PT_TDR);
	assert_int_equal(pi.owner, 0);
	assert_int_equal(tdxsim_kot_state(fx->sim, td.hkid), 1);
	tdxsim_td_info_t info = {.size = sizeof(info)};
	assert_int_equal(tdxsim_td_query(fx->sim, td.tdr, &info), TDXSIM_OK);
	assert_int_equal(info.lifecycle, 0);
	assert_int_equal(info.hkid, td.hkid);
	assert_int_equal(info.chldcnt, 0);
	/* The TDR is private to the global KeyID: the host reads zeros through KeyID 0. */
	tdxsim_line_info_t li;
	tdxsim_mem_line_info(fx->sim, td.tdr, &li);
	assert_int_equal(li.owner_keyid, fx->host.global_keyid);
	tdfx_assert_invariants(fx);
}

static void create__no_entropy__page_zeroed_but_free(void **state)
{
	struct fx *fx = *state;
	uint64_t tdr = tdfx_page(fx);
	uint16_t hkid = tdfx_free_hkid(fx);
	tdxsim_fail_entropy(fx->sim, 1);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MNG_CREATE, tdr, hkid, 0, NULL),
		      TDXSIM_TDX_RND_NO_ENTROPY);
	tdxsim_pamt_info_t pi;
	assert_int_equal(tdxsim_pamt_query(fx->sim, tdr, &pi), TDXSIM_OK);
	assert_int_equal(pi.page_type, TDXSIM_PT_NDA);
	assert_int_equal(tdxsim_kot_state(fx->sim, hkid), 0);
	assert_int_equal(tdxsim_td_count(fx->sim), 0);
	/* The module zeroed the page through the global KeyID before the draw (3.1). */
	tdxsim_line_info_t li;
	tdxsim_mem_line_info(fx->sim, tdr, &li);
	assert_int_equal(li.owner_keyid, fx->host.global_keyid);
	/* KVM retries: the same call succeeds now. */
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MNG_CREATE, tdr, hkid, 0, NULL), TDXSIM_TDX_SUCCESS);
	tdfx_assert_invariants(fx);
}

/* ---- TDH.MNG.KEY.CONFIG (3.2) ---- */

static void key_config__per_package__keys_configured_after_last(void **state)
{
	struct fx *fx = *state;
	struct tdfx_td td;
	tdxsim_td_info_t info = {.size = sizeof(info)};
	tdfx_create(fx, &td, 0);
	uint32_t lp1 = tdfx_lp_of_package(fx, 1);
	assert_status(fx_call(fx->sim, lp1, TDXSIM_TDH_MNG_KEY_CONFIG, td.tdr, 0, 0, NULL),
		      TDXSIM_TDX_SUCCESS);
	tdxsim_td_query(fx->sim, td.tdr, &info);
	assert_int_equal(info.lifecycle, 0);
	assert_int_equal(info.pkg_config_bitmap, 2);
	/* Same package again (another LP of it): TDX_KEY_CONFIGURED, a non-error status. */
	assert_status(fx_call(fx->sim, lp1 + 1, TDXSIM_TDH_MNG_KEY_CONFIG, td.tdr, 0, 0, NULL),
		      TDXSIM_TDX_KEY_CONFIGURED);
	/* Key table busy on package 0 (PCONFIG DEVICE_BUSY). */
	tdxsim_contend(fx->sim, TDXSIM_RES_KET, 0, 0, TDXSIM_LOCK_EXCLUSIVE, 1);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MNG_KEY_CONFIG, td.tdr, 0, 0, NULL),
		      0x80000200000000BBULL);
	/* No entropy: KEY_GENERATION_FAILED. */
	tdxsim_fail_entropy(fx->sim, 1);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MNG_KEY_CONFIG, td.tdr, 0, 0, NULL),
		      TDXSIM_TDX_KEY_GENERATION_FAILED);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MNG_KEY_CONFIG, td.tdr, 0, 0, NULL), TDXSIM_TDX_SUCCESS);
	tdxsim_td_query(fx->sim, td.tdr, &info);
	assert_int_equal(info.lifecycle, 1);
	/* Every package done: the lifecycle moved on, any further call is refused. */
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MNG_KEY_CONFIG, td.tdr, 0, 0, NULL),
		      TDXSIM_TDX_LIFECYCLE_STATE_INCORRECT);
	/* Not a TDR: PAGE_METADATA_INCORRECT|RCX. */
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MNG_KEY_CONFIG, tdfx_page(fx), 0, 0, NULL),
		      0xC000030000000001ULL);
	tdfx_assert_invariants(fx);
}

/* ---- TDH.MNG.ADDCX (3.3) ---- */

static void addcx__order_of_checks(void **state)
{
	struct fx *fx = *state;
	struct tdfx_td td;
	tdfx_create(fx, &td, 0);
	uint64_t page = tdfx_page(fx);
	/* Keys not configured yet. */
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MNG_ADDCX, page, td.tdr, 0, NULL),
		      TDXSIM_TDX_TD_KEYS_NOT_CONFIGURED);
	tdfx_key_config(fx, &td);
	/* TDR checked before the new page: a bad RDX wins over a bad RCX. */
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MNG_ADDCX, 1, page, 0, NULL), 0xC000030000000002ULL);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MNG_ADDCX, 1, td.tdr, 0, NULL), 0xC000010000000001ULL);
	/* The TDR itself as the new page: its PAMT entry is already held exclusively. */
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MNG_ADDCX, td.tdr, td.tdr, 0, NULL),
		      0x8000020000000001ULL);
	/* TDR held by another LP. */
	tdxsim_contend(fx->sim, TDXSIM_RES_PAGE, td.tdr, 0, TDXSIM_LOCK_SHARED, 1);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MNG_ADDCX, page, td.tdr, 0, NULL),
		      0x8000020000000002ULL);
	/* Five pages, then the sixth draws the migration key: no entropy => page filled, still free. */
	tdfx_add_tdcs(fx, &td, 5);
	tdxsim_fail_entropy(fx->sim, 1);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MNG_ADDCX, page, td.tdr, 0, NULL),
		      TDXSIM_TDX_RND_NO_ENTROPY);
	tdxsim_pamt_info_t pi;
	tdxsim_pamt_query(fx->sim, page, &pi);
	assert_int_equal(pi.page_type, TDXSIM_PT_NDA);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MNG_ADDCX, page, td.tdr, 0, NULL), TDXSIM_TDX_SUCCESS);
	tdxsim_pamt_query(fx->sim, page, &pi);
	assert_int_equal(pi.page_type, TDXSIM_PT_TDCX);
	assert_int_equal(pi.owner, td.tdr);
	tdxsim_td_info_t info = {.size = sizeof(info)};
	tdxsim_td_query(fx->sim, td.tdr, &info);
	assert_int_equal(info.num_tdcx, 6);
	assert_int_equal(info.chldcnt, 6);
	/* Pages 7-9 are accepted before MNG.INIT (L2 VMs); the tenth is one too many. */
	tdfx_add_tdcs(fx, &td, 3);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MNG_ADDCX, tdfx_page(fx), td.tdr, 0, NULL),
		      TDXSIM_TDX_TDCX_NUM_INCORRECT);
	tdfx_assert_invariants(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(create_rules),
		cmocka_unit_test_setup_teardown(create__success__tdr_owned_kot_assigned, tdfx_setup_2x2,
						tdfx_teardown),
		cmocka_unit_test_setup_teardown(create__no_entropy__page_zeroed_but_free, tdfx_setup_2x2,
						tdfx_teardown),
		cmocka_unit_test_setup_teardown(key_config__per_package__keys_configured_after_last,
						tdfx_setup_2x2, tdfx_teardown),
		cmocka_unit_test_setup_teardown(addcx__order_of_checks, tdfx_setup_2x2, tdfx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
