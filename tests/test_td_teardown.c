/* SPDX-License-Identifier: MIT */
/*
 * Teardown: TDH.MNG.VPFLUSHDONE, TDH.PHYMEM.CACHE.WB, TDH.MNG.KEY.FREEID and
 * TDH.PHYMEM.PAGE.RECLAIM (td-build.md 3.15-3.19): each refusal with its exact status and
 * outputs, the KeyID's way back to the free pool, and a teardown that leaks nothing.
 */
#include <stdlib.h>

#include "sim/sim.h"
#include "td_fixture.h"
#include "tdxsim/memory.h"

static void assert_unchanged(struct fx *fx, uint64_t before)
{
	assert_int_equal(tdxsim_state_hash(fx->sim), before);
	tdfx_assert_invariants(fx);
}

static void vpflushdone__rules(void **state)
{
	struct fx *fx = *state;
	struct tdfx_td td;
	tdfx_create_keyed_tdcs(fx, &td);
	uint64_t h = tdxsim_state_hash(fx->sim);
	/* TDR checks first, then the KOT lock. */
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MNG_VPFLUSHDONE, td.tdcs[0], 0, 0, NULL),
		      0xC000030000000001ULL);
	tdxsim_contend(fx->sim, TDXSIM_RES_PAGE, td.tdr, 0, TDXSIM_LOCK_SHARED, 1);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MNG_VPFLUSHDONE, td.tdr, 0, 0, NULL),
		      0x8000020000000001ULL);
	tdxsim_contend(fx->sim, TDXSIM_RES_KOT, 0, 0, TDXSIM_LOCK_SHARED, 1);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MNG_VPFLUSHDONE, td.tdr, 0, 0, NULL),
		      0x80000200000000BAULL);
	assert_unchanged(fx, h);
	/* Uninitialized TD: no associated-vCPU check (3.15 row 4). */
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MNG_VPFLUSHDONE, td.tdr, 0, 0, NULL),
		      TDXSIM_TDX_SUCCESS);
	assert_int_equal(tdxsim_kot_state(fx->sim, td.hkid), 2);
	tdxsim_td_info_t info = {.size = sizeof(info)};
	tdxsim_td_query(fx->sim, td.tdr, &info);
	assert_int_equal(info.lifecycle, 2);
	/* Blocked: a second call, and every TDSTATE leaf, is refused. */
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MNG_VPFLUSHDONE, td.tdr, 0, 0, NULL),
		      TDXSIM_TDX_LIFECYCLE_STATE_INCORRECT);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MNG_ADDCX, tdfx_page(fx), td.tdr, 0, NULL),
		      TDXSIM_TDX_TD_KEYS_NOT_CONFIGURED);
	tdfx_assert_invariants(fx);
}

static void cache_wb__start_resume_and_per_package_bits(void **state)
{
	struct fx *fx = *state;
	struct tdfx_td td;
	uint32_t lp1 = tdfx_lp_of_package(fx, 1);
	/* Nothing flushed yet: the success-class "nothing to do". */
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_PHYMEM_CACHE_WB, 0, 0, 0, NULL),
		      TDXSIM_TDX_NO_HKID_READY_TO_WBCACHE);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_PHYMEM_CACHE_WB, 2, 0, 0, NULL), 0xC000010000000001ULL);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_PHYMEM_CACHE_WB, 1, 0, 0, NULL),
		      TDXSIM_TDX_WBCACHE_RESUME_ERROR);
	tdfx_create_keyed_tdcs(fx, &td);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MNG_VPFLUSHDONE, td.tdr, 0, 0, NULL),
		      TDXSIM_TDX_SUCCESS);
	/* Locks: the package's WBT mutex, then the KOT (shared: a shared holder does not block). */
	tdxsim_contend(fx->sim, TDXSIM_RES_WBCACHE, 0, 0, TDXSIM_LOCK_SHARED, 1);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_PHYMEM_CACHE_WB, 0, 0, 0, NULL), 0x80000200000000BCULL);
	tdxsim_contend(fx->sim, TDXSIM_RES_KOT, 0, 0, TDXSIM_LOCK_EXCLUSIVE, 1);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_PHYMEM_CACHE_WB, 0, 0, 0, NULL), 0x80000200000000BAULL);
	/* Package 0 interrupted twice, resumed to completion; package 1 not yet: FREEID refused. */
	tdxsim_pend_host_interrupts(fx->sim, 0, 2);
	uint64_t t0 = tdxsim_lp_cycles(fx->sim, 0);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_PHYMEM_CACHE_WB, 0, 0, 0, NULL),
		      TDXSIM_TDX_INTERRUPTED_RESUMABLE);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_PHYMEM_CACHE_WB, 1, 0, 0, NULL),
		      TDXSIM_TDX_INTERRUPTED_RESUMABLE);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_PHYMEM_CACHE_WB, 1, 0, 0, NULL), TDXSIM_TDX_SUCCESS);
	/* Every sub-block was charged once across the three calls. */
	tdxsim_costs_t costs;
	tdxsim_costs_default(&costs);
	assert_true(tdxsim_lp_cycles(fx->sim, 0) - t0 >= 8 * costs.cache_wb_sub_block);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_PHYMEM_CACHE_WB, 1, 0, 0, NULL),
		      TDXSIM_TDX_WBCACHE_RESUME_ERROR);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MNG_KEY_FREEID, td.tdr, 0, 0, NULL),
		      TDXSIM_TDX_WBCACHE_NOT_COMPLETE);
	assert_status(fx_call(fx->sim, lp1, TDXSIM_TDH_PHYMEM_CACHE_WB, 0, 0, 0, NULL), TDXSIM_TDX_SUCCESS);
	/* KOT busy is checked before the write-back state. */
	tdxsim_contend(fx->sim, TDXSIM_RES_KOT, 0, 0, TDXSIM_LOCK_SHARED, 1);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MNG_KEY_FREEID, td.tdr, 0, 0, NULL),
		      0x80000200000000BAULL);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MNG_KEY_FREEID, td.tdr, 0, 0, NULL), TDXSIM_TDX_SUCCESS);
	assert_int_equal(tdxsim_kot_state(fx->sim, td.hkid), 0);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MNG_KEY_FREEID, td.tdr, 0, 0, NULL),
		      TDXSIM_TDX_LIFECYCLE_STATE_INCORRECT);
	tdfx_assert_invariants(fx);
}

static void cache_wb__new_start_discards_interrupted_run(void **state)
{
	struct fx *fx = *state;
	struct tdfx_td td;
	tdfx_create_keyed_tdcs(fx, &td);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MNG_VPFLUSHDONE, td.tdr, 0, 0, NULL),
		      TDXSIM_TDX_SUCCESS);
	tdxsim_pend_host_interrupts(fx->sim, 0, 1);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_PHYMEM_CACHE_WB, 0, 0, 0, NULL),
		      TDXSIM_TDX_INTERRUPTED_RESUMABLE);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_PHYMEM_CACHE_WB, 0, 0, 0, NULL), TDXSIM_TDX_SUCCESS);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_PHYMEM_CACHE_WB, 1, 0, 0, NULL),
		      TDXSIM_TDX_WBCACHE_RESUME_ERROR);
}

static void reclaim__rules_and_outputs(void **state)
{
	struct fx *fx = *state;
	struct tdfx_td td;
	tdxsim_regs_t o;
	tdfx_create_keyed_tdcs(fx, &td);
	/* Before teardown: outputs filled, then the lifecycle refusal. */
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_PHYMEM_PAGE_RECLAIM, td.tdcs[0], 7, 7, &o),
		      TDXSIM_TDX_LIFECYCLE_STATE_INCORRECT);
	assert_int_equal(o.rcx, TDXSIM_PT_TDCX);
	assert_int_equal(o.rdx, td.tdr);
	assert_int_equal(o.r8, 0);
	/* A free page: outputs zeroed first, then PAGE_METADATA_INCORRECT. */
	tdxsim_regs_t in = {.rcx = tdfx_page(fx), .rdx = 5, .r8 = 5, .r9 = 5, .r10 = 5, .r11 = 5, .r12 = 5};
	assert_status(tdxsim_seamcall(fx->sim, 0, TDXSIM_TDH_PHYMEM_PAGE_RECLAIM, &in),
		      0xC000030000000001ULL);
	assert_int_equal(in.rcx | in.rdx | in.r8 | in.r9 | in.r10 | in.r11, 0);
	assert_int_equal(in.r12, 5); /* untouched */
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_PHYMEM_PAGE_RECLAIM, td.tdr | 0x10, 0, 0, NULL),
		      0xC000010000000001ULL);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_PHYMEM_PAGE_RECLAIM, UINT64_C(1) << 40, 0, 0, NULL),
		      0xC000010100000001ULL);
	tdfx_release_hkid(fx, &td);
	/* The implicit TDR is locked shared; the page itself exclusive. */
	tdxsim_contend(fx->sim, TDXSIM_RES_PAGE, td.tdr, 0, TDXSIM_LOCK_EXCLUSIVE, 1);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_PHYMEM_PAGE_RECLAIM, td.tdcs[0], 0, 0, NULL),
		      0x8000020000000080ULL);
	tdxsim_contend(fx->sim, TDXSIM_RES_PAGE, td.tdcs[0], 0, TDXSIM_LOCK_SHARED, 1);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_PHYMEM_PAGE_RECLAIM, td.tdcs[0], 0, 0, NULL),
		      0x8000020000000001ULL);
	/* The TDR goes last: while children exist, TD_ASSOCIATED_PAGES_EXIST with outputs set. */
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_PHYMEM_PAGE_RECLAIM, td.tdr, 0, 0, &o),
		      TDXSIM_TDX_TD_ASSOCIATED_PAGES_EXIST);
	assert_int_equal(o.rcx, TDXSIM_PT_TDR);
	assert_int_equal(o.rdx, 0);
	for (unsigned i = 0; i < td.num_tdcs; i++)
		assert_int_equal(tdfx_reclaim(fx, td.tdcs[i]), TDXSIM_PT_TDCX);
	assert_int_equal(tdfx_reclaim(fx, td.tdr), TDXSIM_PT_TDR);
	assert_int_equal(tdxsim_td_count(fx->sim), 0);
	tdfx_assert_invariants(fx);
}

/* Secure-EPT pages reclaimed in any order while the TDR lives: the entries above them stay as
 * the module leaves them, and every invariant holds after each RECLAIM (sept.h). */
static void reclaim__sept_pages_in_any_order__invariants_hold(void **state)
{
	struct fx *fx = *state;
	static const bool top_first[] = {false, true};
	for (unsigned row = 0; row < 2; row++) {
		struct tdfx_td td;
		uint64_t sept[4];
		tdfx_build_initialized(fx, &td);
		unsigned n = tdfx_sept_add_path(fx, &td, UINT64_C(0x40000000), sept);
		assert_true(n >= 3);
		tdfx_release_hkid(fx, &td);
		for (unsigned i = 0; i < n; i++) {
			assert_int_equal(tdfx_reclaim(fx, sept[top_first[row] ? i : n - 1 - i]),
					 TDXSIM_PT_EPT);
			tdfx_assert_invariants(fx);
		}
		for (unsigned i = 0; i < td.num_tdcs; i++)
			tdfx_reclaim(fx, td.tdcs[i]);
		tdfx_reclaim(fx, td.tdr);
		tdfx_assert_invariants(fx);
	}
	assert_int_equal(tdxsim_td_count(fx->sim), 0);
}

static void teardown__pamt_back_to_post_init_and_keyid_reusable(void **state)
{
	struct fx *fx = *state;
	struct tdfx_td a, b;
	tdfx_create_keyed_tdcs(fx, &a);
	tdfx_create_keyed_tdcs(fx, &b);
	assert_int_not_equal(a.hkid, b.hkid);
	tdfx_release_hkid(fx, &a);
	for (unsigned i = 0; i < a.num_tdcs; i++)
		tdfx_reclaim(fx, a.tdcs[i]);
	tdfx_reclaim(fx, a.tdr);
	/* b is untouched; a's KeyID is free and a new TD can take it. */
	tdxsim_td_info_t info = {.size = sizeof(info)};
	assert_int_equal(tdxsim_td_query(fx->sim, b.tdr, &info), TDXSIM_OK);
	assert_int_equal(info.lifecycle, 1);
	struct tdfx_td c;
	tdfx_create(fx, &c, a.hkid);
	tdfx_key_config(fx, &c);
	tdfx_release_hkid(fx, &c);
	tdfx_reclaim(fx, c.tdr);
	tdfx_release_hkid(fx, &b);
	for (unsigned i = 0; i < b.num_tdcs; i++)
		tdfx_reclaim(fx, b.tdcs[i]);
	tdfx_reclaim(fx, b.tdr);
	/* Every page is PT_NDA again; the PAMT counters are back to their post-init values. */
	tdxsim_pamt_info_t pi;
	for (unsigned i = 0; i < a.num_tdcs; i++) {
		assert_int_equal(tdxsim_pamt_query(fx->sim, a.tdcs[i], &pi), TDXSIM_OK);
		assert_int_equal(pi.page_type, TDXSIM_PT_NDA);
	}
	assert_int_equal(tdxsim_kot_state(fx->sim, a.hkid), 0);
	assert_int_equal(tdxsim_kot_state(fx->sim, b.hkid), 0);
	assert_int_equal(tdxsim_td_count(fx->sim), 0);
	tdfx_assert_invariants(fx);
	/* The reclaimed pages still hold TD-private lines: the host must clear them. */
	tdxsim_line_info_t li;
	tdxsim_mem_line_info(fx->sim, a.tdcs[0], &li);
	assert_int_equal(li.owner_keyid, a.hkid);
}

static void reclaimed_page__partial_write_without_reset__machine_check(void **state)
{
	struct fx *fx = *state;
	struct tdfx_td td;
	tdfx_create_keyed_tdcs(fx, &td);
	tdfx_release_hkid(fx, &td);
	for (unsigned i = 0; i < td.num_tdcs; i++)
		tdfx_reclaim(fx, td.tdcs[i]);
	tdfx_reclaim(fx, td.tdr);
	/* SPR has the partial-write erratum: an 8-byte host write to a line still owned by the
	 * TD's KeyID poisons it, and the next read consumes the poison. */
	uint64_t v = 1;
	assert_int_equal(tdxsim_mem_write(fx->sim, 0, td.tdcs[1], &v, sizeof(v)), TDXSIM_OK);
	assert_int_equal(tdxsim_mem_read(fx->sim, 0, td.tdcs[1], &v, sizeof(v)), TDXSIM_ERR_MCE);
	/* A host that resets the page with MOVDIR64B first is fine. */
	uint8_t zero[64] = {0};
	for (unsigned off = 0; off < 4096; off += 64)
		assert_int_equal(tdxsim_movdir64b(fx->sim, 0, td.tdcs[2] + off, zero), TDXSIM_OK);
	assert_int_equal(tdxsim_mem_write(fx->sim, 0, td.tdcs[2], &v, sizeof(v)), TDXSIM_OK);
	assert_int_equal(tdxsim_mem_read(fx->sim, 0, td.tdcs[2], &v, sizeof(v)), TDXSIM_OK);
	assert_int_equal(v, 1);
}

/* tdxsim_tds_copy (snapshots): a deep copy hashes equal and survives the original's teardown. */
static void tds_copy__independent_and_equal(void **state)
{
	struct fx *fx = *state;
	struct tdfx_td a, b;
	tdfx_create_keyed_tdcs(fx, &a);
	tdfx_create(fx, &b, 0);
	struct tdxsim_tds copy;
	assert_int_equal(tdxsim_tds_init(&copy, fx->sim->td.num_keyids), 0);
	assert_int_equal(tdxsim_tds_copy(&copy, &fx->sim->td), 0);
	uint64_t h = tdxsim_tds_hash(&copy, 1);
	assert_int_equal(h, tdxsim_tds_hash(&fx->sim->td, 1));
	assert_int_equal(tdxsim_tds_check(&copy, NULL, NULL, 0), 0);
	tdfx_release_hkid(fx, &a);
	assert_int_not_equal(tdxsim_tds_hash(&fx->sim->td, 1), h);
	assert_int_equal(tdxsim_tds_hash(&copy, 1), h);
	assert_non_null(tdxsim_td_find(&copy, b.tdr));
	tdxsim_tds_fini(&copy);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(vpflushdone__rules, tdfx_setup_2x2, tdfx_teardown),
		cmocka_unit_test_setup_teardown(reclaim__sept_pages_in_any_order__invariants_hold,
						tdfx_setup_2x2, tdfx_teardown),
		cmocka_unit_test_setup_teardown(cache_wb__start_resume_and_per_package_bits, tdfx_setup_2x2,
						tdfx_teardown),
		cmocka_unit_test_setup_teardown(cache_wb__new_start_discards_interrupted_run, tdfx_setup_2x2,
						tdfx_teardown),
		cmocka_unit_test_setup_teardown(reclaim__rules_and_outputs, tdfx_setup_2x2, tdfx_teardown),
		cmocka_unit_test_setup_teardown(teardown__pamt_back_to_post_init_and_keyid_reusable,
						tdfx_setup_2x2, tdfx_teardown),
		cmocka_unit_test_setup_teardown(reclaimed_page__partial_write_without_reset__machine_check,
						tdfx_setup_2x2, tdfx_teardown),
		cmocka_unit_test_setup_teardown(tds_copy__independent_and_equal, tdfx_setup_2x2,
						tdfx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
