/* SPDX-License-Identifier: MIT */
/*
 * The failed SEAMCALLs that change state (src/seamcall/failure_effects.h, the list the fuzzer's
 * "a failed call changes nothing" oracle leaves out): each row of that table is produced here
 * and must really change state, and failures outside the table, across every leaf number,
 * must not.
 */
#include <string.h>

#include "lifecycle_fixture.h"
#include "seamcall/failure_effects.h"
#include "td_fixture.h"

/* The call fails, a row of the table allows it, and the state hash moved. */
static void assert_listed_and_changed(tdxsim_t *sim, uint64_t rax, uint64_t status, uint64_t before)
{
	assert_true(status & TDXSIM_STATUS_ERROR_BIT);
	assert_non_null(tdxsim_failure_effect_of(rax, status));
	assert_int_not_equal(tdxsim_state_hash(sim), before);
}

/* Row 1: the KeyID stays reserved after a TDMR_INFO is refused. */
static void sys_config__bad_tdmr_after_r8__keyid_stays_reserved(void **state)
{
	struct fx fx;
	fx_create(&fx, NULL, FX_TDMRS_BUILT);
	struct tdxsim_tdmr_info *t = tdxsim_phys_to_virt(fx.sim, fx.host.tdmr_array_pa, sizeof(*t));
	t->base += 4096; /* rule 4 */
	uint64_t h = tdxsim_state_hash(fx.sim);
	uint64_t st = fx_call(fx.sim, 0, TDXSIM_TDH_SYS_CONFIG, fx.host.pa_array_pa, fx.host.num_tdmrs,
			      fx.host.global_keyid, NULL);
	assert_int_equal(st & ~UINT64_C(0xFFFFFFFF), TDXSIM_TDX_INVALID_TDMR);
	assert_listed_and_changed(fx.sim, TDXSIM_TDH_SYS_CONFIG, st, h);
	fx_destroy(&fx);
}

/* Row 2: an interrupted cache write-back keeps where it stopped. */
static void cache_wb__interrupted__resume_point_kept(void **state)
{
	struct fx fx;
	struct tdfx_td td;
	fx_create(&fx, NULL, FX_INITIALIZED);
	tdfx_create_keyed_tdcs(&fx, &td);
	assert_status(fx_call(fx.sim, 0, TDXSIM_TDH_MNG_VPFLUSHDONE, td.tdr, 0, 0, NULL), TDXSIM_TDX_SUCCESS);
	assert_int_equal(tdxsim_pend_host_interrupts(fx.sim, 0, 1), TDXSIM_OK);
	uint64_t h = tdxsim_state_hash(fx.sim);
	uint64_t st = fx_call(fx.sim, 0, TDXSIM_TDH_PHYMEM_CACHE_WB, 0, 0, 0, NULL);
	assert_status(st, TDXSIM_TDX_INTERRUPTED_RESUMABLE);
	assert_listed_and_changed(fx.sim, TDXSIM_TDH_PHYMEM_CACHE_WB, st, h);
	fx_destroy(&fx);
}

/* TD rows: pages the module fills before a later check fails (td-build.md 3.1, 3.3). */
static void mng_create__no_entropy__tdr_page_filled(void **state)
{
	struct fx fx;
	fx_create(&fx, NULL, FX_INITIALIZED);
	uint64_t tdr = tdfx_page(&fx);
	tdxsim_fail_entropy(fx.sim, 1);
	uint64_t h = tdxsim_state_hash(fx.sim);
	uint64_t st = fx_call(fx.sim, 0, TDXSIM_TDH_MNG_CREATE, tdr, tdfx_free_hkid(&fx), 0, NULL);
	assert_status(st, TDXSIM_TDX_RND_NO_ENTROPY);
	assert_listed_and_changed(fx.sim, TDXSIM_TDH_MNG_CREATE, st, h);
	fx_destroy(&fx);
}

static void mng_addcx__sixth_page_no_entropy__page_filled(void **state)
{
	struct fx fx;
	struct tdfx_td td;
	fx_create(&fx, NULL, FX_INITIALIZED);
	tdfx_create(&fx, &td, 0);
	tdfx_key_config(&fx, &td);
	tdfx_add_tdcs(&fx, &td, 5);
	tdxsim_fail_entropy(fx.sim, 1);
	uint64_t h = tdxsim_state_hash(fx.sim);
	uint64_t st = fx_call(fx.sim, 0, TDXSIM_TDH_MNG_ADDCX, tdfx_page(&fx), td.tdr, 0, NULL);
	assert_status(st, TDXSIM_TDX_RND_NO_ENTROPY);
	assert_listed_and_changed(fx.sim, TDXSIM_TDH_MNG_ADDCX, st, h);
	fx_destroy(&fx);
}

static void mng_addcx__seventh_page_after_init__page_filled(void **state)
{
	struct fx fx;
	struct tdfx_td td;
	fx_create(&fx, NULL, FX_INITIALIZED);
	tdfx_build_initialized(&fx, &td);
	uint64_t h = tdxsim_state_hash(fx.sim);
	uint64_t st = fx_call(fx.sim, 0, TDXSIM_TDH_MNG_ADDCX, tdfx_page(&fx), td.tdr, 0, NULL);
	assert_status(st, TDXSIM_TDX_OP_STATE_INCORRECT);
	assert_listed_and_changed(fx.sim, TDXSIM_TDH_MNG_ADDCX, st, h);
	fx_destroy(&fx);
}

/* Row 3: the last LP's INSTALL of an image whose module page was changed: the SEAM range was
 * already rewritten, so the old module is gone. */
static void seamldr_install__bad_hash__module_lost(void **state)
{
	struct lfx l;
	tdxsim_blob_opts_t o;
	tdxsim_blob_opts_init(&o, TDXSIM_MODULE_NEXT);
	lfx_create(&l, NULL, &o);
	l.module[2000] ^= 1;
	lfx_shutdown(&l);
	lfx_install_all_but_last(&l);
	uint64_t h = tdxsim_state_hash(l.fx.sim), rdx;
	uint64_t st = lfx_install(&l, tdxsim_num_lps(l.fx.sim) - 1, &rdx);
	assert_status(st, TDXSIM_PSEAMLDR_EBADHASH);
	assert_listed_and_changed(l.fx.sim, TDXSIM_SEAMLDR_INSTALL, st, h);
	lfx_destroy(&l);
}

/* TDH.VP.ENTER associates an unassociated vCPU before its RCX bit 52/53 and epoch checks. */
static void vp_enter__check_after_association__vcpu_associated(void **state)
{
	for (int epoch = 0; epoch < 2; epoch++) {
		struct tdfx_world w = {0};
		tdfx_world_build(&w, TDFX_VCPU_READY);
		assert_status(fx_call(w.fx.sim, 0, TDXSIM_TDH_MR_FINALIZE, w.td.tdr, 0, 0, NULL),
			      TDXSIM_TDX_SUCCESS);
		assert_status(fx_call(w.fx.sim, 0, TDXSIM_TDH_VP_FLUSH, w.vp.tdvpr, 0, 0, NULL),
			      TDXSIM_TDX_SUCCESS);
		uint64_t rcx = w.vp.tdvpr;
		if (epoch)
			tdfx_world_contend(&w, TDXSIM_RES_TD_EPOCH, w.td.tdr, TDXSIM_LOCK_EXCLUSIVE);
		else
			rcx |= UINT64_C(1) << 52;
		uint64_t h = tdxsim_state_hash(w.fx.sim);
		uint64_t st = fx_call(w.fx.sim, 1, TDXSIM_TDH_VP_ENTER, rcx, 0, 0, NULL);
		assert_status(st, epoch ? 0x80000200000000A9 : 0xC000010000000001);
		assert_listed_and_changed(w.fx.sim, TDXSIM_TDH_VP_ENTER, st, h);
		tdfx_world_destroy(&w);
	}
	(void)state;
}

/* Rows 4-7: the vCPU leaves (td-build.md 3.8, 3.9). A vCPU flushed from its LP, so that a
 * VP.RD/WR associates it again before failing on the field. */
static void build_flushed_vcpu(struct fx *fx, struct tdfx_td *td, struct tdfx_vcpu *vp)
{
	fx_create(fx, NULL, FX_INITIALIZED);
	tdfx_build_initialized(fx, td);
	tdfx_vp_build(fx, td, vp, 0);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_VP_FLUSH, vp->tdvpr, 0, 0, NULL), TDXSIM_TDX_SUCCESS);
}

static void vp_init__duplicate_x2apic__vcpu_count_kept(void **state)
{
	struct fx fx;
	struct tdfx_td td;
	struct tdfx_vcpu a, b;
	build_flushed_vcpu(&fx, &td, &a);
	tdfx_vp_create(&fx, &td, &b);
	tdfx_vp_addcx(&fx, &b, 5);
	uint64_t h = tdxsim_state_hash(fx.sim);
	uint64_t st = fx_call(fx.sim, 0, TDXSIM_TDH_VP_INIT | 1u << 16, b.tdvpr, 0, 0, NULL);
	assert_status(st, TDXSIM_TDX_X2APIC_ID_NOT_UNIQUE);
	assert_listed_and_changed(fx.sim, TDXSIM_TDH_VP_INIT, st, h);
	fx_destroy(&fx);
}

static void vp_rd_wr__field_errors__vcpu_associated_first(void **state)
{
	static const struct {
		uint64_t rax, field, value, mask, status;
	} calls[] = {
		{TDXSIM_TDH_VP_RD, 0x0000000000000008, 0, 0, TDXSIM_TDX_METADATA_FIELD_ID_INCORRECT},
		{TDXSIM_TDH_VP_RD, 0x2000000000000000, 0, 0, TDXSIM_TDX_METADATA_FIELD_NOT_READABLE},
		{TDXSIM_TDH_VP_WR, 0x0000000000004026, 1, ~UINT64_C(0),
		 TDXSIM_TDX_METADATA_FIELD_NOT_WRITABLE},
		{TDXSIM_TDH_VP_WR, 0x0000000000000002, 0x100, ~UINT64_C(0),
		 TDXSIM_TDX_METADATA_FIELD_VALUE_NOT_VALID},
		{TDXSIM_TDH_VP_WR, 0x0000000000004000, 0x80, 0x80,
		 TDXSIM_TDX_TD_VMCS_FIELD_NOT_INITIALIZED | 0x0002},
	};
	for (unsigned i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		struct fx fx;
		struct tdfx_td td;
		struct tdfx_vcpu vp;
		build_flushed_vcpu(&fx, &td, &vp);
		uint64_t h = tdxsim_state_hash(fx.sim);
		tdxsim_regs_t r = {
			.rcx = vp.tdvpr, .rdx = calls[i].field, .r8 = calls[i].value, .r9 = calls[i].mask};
		uint64_t st = tdxsim_seamcall(fx.sim, 1, calls[i].rax, &r);
		assert_status(st, calls[i].status);
		assert_listed_and_changed(fx.sim, calls[i].rax, st, h);
		fx_destroy(&fx);
	}
	(void)state;
}

/* A debug TD's field tdxsim does not model: NOT_EMULATED, after the association the module
 * makes before it looks at the field (found by fuzz_td_guest). */
static void vp_rd_wr__unmodeled_debug_field__vcpu_associated_first(void **state)
{
	static const uint64_t guest_rip = 0x002400030000681EULL; /* debug-only, value not modeled */
	static const uint64_t rax[] = {TDXSIM_TDH_VP_RD, TDXSIM_TDH_VP_WR};
	for (unsigned i = 0; i < 2; i++) {
		struct fx fx;
		struct tdfx_td td;
		struct tdfx_vcpu vp;
		struct tdfx_params debug = {.attributes = 1}; /* ATTRIBUTES.DEBUG */
		fx_create(&fx, NULL, FX_INITIALIZED);
		tdfx_create_keyed_tdcs(&fx, &td);
		tdfx_init_with(&fx, &td, &debug);
		tdfx_vp_build(&fx, &td, &vp, 0);
		assert_status(fx_call(fx.sim, 0, TDXSIM_TDH_VP_FLUSH, vp.tdvpr, 0, 0, NULL),
			      TDXSIM_TDX_SUCCESS);
		uint64_t h = tdxsim_state_hash(fx.sim);
		tdxsim_regs_t r = {.rcx = vp.tdvpr, .rdx = guest_rip, .r8 = 0x1000, .r9 = ~UINT64_C(0)};
		uint64_t st = tdxsim_seamcall(fx.sim, 1, rax[i], &r);
		assert_status(st, TDXSIM_STATUS_NOT_EMULATED);
		assert_listed_and_changed(fx.sim, rax[i], st, h);
		fx_destroy(&fx);
	}
	(void)state;
}

/* Everything else: every leaf number with a few register patterns, from a ready platform and
 * from one still in SYSINIT_DONE; a failure outside the table leaves the state as it was. */
static void unlisted_failures__every_leaf__state_unchanged(void **state)
{
	static const enum fx_stage stages[] = {FX_LPINIT, FX_INITIALIZED};
	for (unsigned s = 0; s < 2; s++) {
		struct fx fx;
		fx_create(&fx, NULL, stages[s]);
		const uint64_t vals[] = {0,
					 1,
					 fx.host.pa_array_pa,
					 fx.host.tdmrs[0].base,
					 fx.host.tdmrs[0].pamt_base,
					 ~UINT64_C(0)};
		unsigned failures = 0;
		for (uint64_t leaf = 0; leaf < TDXSIM_NUM_LEAF_SLOTS; leaf++) {
			for (unsigned v = 0; v < 6; v++) {
				uint64_t h = tdxsim_state_hash(fx.sim);
				uint64_t st = fx_call(fx.sim, 0, leaf, vals[v], vals[(v + 1) % 6],
						      vals[(v + 2) % 6], NULL);
				if (!(st & TDXSIM_STATUS_ERROR_BIT) || tdxsim_failure_effect_of(leaf, st))
					continue;
				failures++;
				if (tdxsim_state_hash(fx.sim) != h)
					fail_msg("leaf %llu, pattern %u: failed with 0x%016llx and changed "
						 "state",
						 (unsigned long long)leaf, v, (unsigned long long)st);
			}
		}
		assert_true(failures > 100);
		fx_destroy(&fx);
	}
}

/* The table's matching: leaves ignore versions, P-SEAMLDR RAX values are compared whole. */
static void table__matching__leaf_version_and_seamldr_rax(void **state)
{
	uint64_t bad = TDXSIM_TDX_INVALID_TDMR;
	assert_non_null(tdxsim_failure_effect_of(TDXSIM_TDH_SYS_CONFIG | UINT64_C(1) << 16, bad));
	assert_null(tdxsim_failure_effect_of(TDXSIM_TDH_SYS_CONFIG, TDXSIM_TDX_SUCCESS));
	assert_null(tdxsim_failure_effect_of(TDXSIM_TDH_SYS_INIT, bad));
	assert_non_null(tdxsim_failure_effect_of(TDXSIM_SEAMLDR_INSTALL, TDXSIM_PSEAMLDR_EBADHASH));
	assert_null(tdxsim_failure_effect_of(TDXSIM_SEAMLDR_INFO, TDXSIM_PSEAMLDR_EBADPARAM));
	/* Leaf 1 of the P-SEAMLDR is INSTALL; leaf 1 of the module is not. */
	assert_null(tdxsim_failure_effect_of(TDXSIM_SEAMLDR_INSTALL & 0xFFFF, TDXSIM_PSEAMLDR_EBADHASH));
	assert_null(tdxsim_failure_effect_of(TDXSIM_TDH_PHYMEM_CACHE_WB, TDXSIM_TDX_OPERAND_INVALID));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sys_config__bad_tdmr_after_r8__keyid_stays_reserved),
		cmocka_unit_test(mng_create__no_entropy__tdr_page_filled),
		cmocka_unit_test(mng_addcx__sixth_page_no_entropy__page_filled),
		cmocka_unit_test(mng_addcx__seventh_page_after_init__page_filled),
		cmocka_unit_test(cache_wb__interrupted__resume_point_kept),
		cmocka_unit_test(seamldr_install__bad_hash__module_lost),
		cmocka_unit_test(vp_enter__check_after_association__vcpu_associated),
		cmocka_unit_test(vp_init__duplicate_x2apic__vcpu_count_kept),
		cmocka_unit_test(vp_rd_wr__field_errors__vcpu_associated_first),
		cmocka_unit_test(vp_rd_wr__unmodeled_debug_field__vcpu_associated_first),
		cmocka_unit_test(unlisted_failures__every_leaf__state_unchanged),
		cmocka_unit_test(table__matching__leaf_version_and_seamldr_rax),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
