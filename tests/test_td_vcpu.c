/* SPDX-License-Identifier: MIT */
/*
 * TDH.VP.CREATE, TDH.VP.ADDCX, TDH.VP.INIT and TDH.VP.FLUSH: one row per check of td-build.md
 * 3.6-3.8 with its exact status (values pinned with the module oracle), "a failed
 * call changes nothing" (state hash) except where the module changes something first, one
 * contention row per lock. VP.FLUSH and the association rules: test_td_vp_rd_wr.c.
 */
#include <stdlib.h>

#include "td_fixture.h"
#include "tdxsim/memory.h"

#define V1 (1u << 16)

/* ---- TDH.VP.CREATE (3.6) ---- */

enum create_case {
	VC_TDR_MISALIGNED,
	VC_TDR_NOT_TDR,
	VC_TDR_BUSY,
	VC_KEYS,
	VC_TDCS,
	VC_UNINIT,
	VC_OP_STATE_BUSY,
	VC_TDVPR_MISALIGNED,
	VC_TDVPR_OUTSIDE_TDMR,
	VC_TDVPR_NOT_FREE,
	VC_TDVPR_BUSY,
};

static const struct {
	const char *rule;
	enum create_case c;
	enum tdfx_stage st;
	uint64_t status;
} create_rows[] = {
	{"tdr_not_aligned__operand_invalid_rdx", VC_TDR_MISALIGNED, TDFX_INIT, 0xC000010000000002},
	{"tdr_not_a_tdr__page_metadata_incorrect_rdx", VC_TDR_NOT_TDR, TDFX_INIT, 0xC000030000000002},
	{"tdr_held_exclusively__operand_busy_rdx", VC_TDR_BUSY, TDFX_INIT, 0x8000020000000002},
	{"keys_not_configured__td_keys_not_configured", VC_KEYS, TDFX_CREATED, 0x8000081000000000},
	{"five_tdcs_pages__tdcs_not_allocated", VC_TDCS, TDFX_FIVE_TDCS, 0xC000060600000000},
	{"before_mng_init__op_state_incorrect", VC_UNINIT, TDFX_UNINIT, 0xC000060800000000},
	{"op_state_lock_held_exclusively__operand_busy_op_state", VC_OP_STATE_BUSY, TDFX_INIT,
	 0x80000200000000AC},
	{"tdvpr_not_aligned__operand_invalid_rcx", VC_TDVPR_MISALIGNED, TDFX_INIT, 0xC000010000000001},
	{"tdvpr_outside_tdmrs__addr_range_error_rcx", VC_TDVPR_OUTSIDE_TDMR, TDFX_INIT, 0xC000010100000001},
	{"tdvpr_is_a_tdcs_page__page_metadata_incorrect_rcx", VC_TDVPR_NOT_FREE, TDFX_INIT,
	 0xC000030000000001},
	{"tdvpr_held_shared__operand_busy_rcx", VC_TDVPR_BUSY, TDFX_INIT, 0x8000020000000001},
};

static void vp_create_rules(void **state)
{
	for (size_t i = 0; i < sizeof(create_rows) / sizeof(create_rows[0]); i++) {
		struct tdfx_world w = {0};
		tdfx_world_build(&w, create_rows[i].st);
		tdxsim_regs_t in = {.rcx = w.page, .rdx = w.td.tdr, .r8 = 0x88, .r9 = 0x99};
		switch (create_rows[i].c) {
		case VC_TDR_MISALIGNED:
			in.rdx += 0x40;
			break;
		case VC_TDR_NOT_TDR:
			in.rdx = tdfx_page(&w.fx);
			break;
		case VC_TDR_BUSY:
			tdfx_world_contend(&w, TDXSIM_RES_PAGE, w.td.tdr, TDXSIM_LOCK_EXCLUSIVE);
			break;
		case VC_OP_STATE_BUSY:
			tdfx_world_contend(&w, TDXSIM_RES_OP_STATE, w.td.tdr, TDXSIM_LOCK_EXCLUSIVE);
			break;
		case VC_TDVPR_MISALIGNED:
			in.rcx += 0x800;
			break;
		case VC_TDVPR_OUTSIDE_TDMR:
			in.rcx = UINT64_C(1) << 40;
			break;
		case VC_TDVPR_NOT_FREE:
			in.rcx = w.td.tdcs[0];
			break;
		case VC_TDVPR_BUSY:
			tdfx_world_contend(&w, TDXSIM_RES_PAGE, w.page, TDXSIM_LOCK_SHARED);
			break;
		default:
			break;
		}
		tdfx_world_refused(&w, create_rows[i].rule, 0, TDXSIM_TDH_VP_CREATE, in, in,
				   create_rows[i].status);
		tdfx_world_destroy(&w);
	}
	(void)state;
}

static void vp_create__success__tdvpr_owned_by_tdr_zeroed_with_hkid(void **state)
{
	struct fx *fx = *state;
	struct tdfx_td td;
	struct tdfx_vcpu vp;
	tdxsim_td_info_t info = {.size = sizeof(info)};
	tdfx_build_initialized(fx, &td);
	tdxsim_td_query(fx->sim, td.tdr, &info);
	uint64_t chld = info.chldcnt;
	tdfx_vp_create(fx, &td, &vp);
	tdxsim_pamt_info_t pi;
	assert_int_equal(tdxsim_pamt_query(fx->sim, vp.tdvpr, &pi), TDXSIM_OK);
	assert_int_equal(pi.page_type, TDXSIM_PT_TDVPR);
	assert_int_equal(pi.owner, td.tdr);
	tdxsim_td_info_t after = {.size = sizeof(after)};
	tdxsim_td_query(fx->sim, td.tdr, &after);
	assert_int_equal(after.chldcnt, chld + 1);
	assert_int_equal(after.num_vcpus, 0); /* VP.INIT counts vCPUs, not VP.CREATE */
	tdxsim_line_info_t li;
	tdxsim_mem_line_info(fx->sim, vp.tdvpr, &li);
	assert_int_equal(li.owner_keyid, td.hkid);
	tdfx_assert_invariants(fx);
}

/* ---- TDH.VP.ADDCX (3.7) ---- */

enum addcx_case {
	VA_TDVPR_IS_TDR,
	VA_TDVPR_BUSY,
	VA_TDR_BUSY,
	VA_OP_STATE_BUSY,
	VA_INITIALIZED,
	VA_FIFTEEN,
	VA_PAGE_NOT_FREE,
	VA_PAGE_BUSY,
};

static const struct {
	const char *rule;
	enum addcx_case c;
	enum tdfx_stage st;
	uint64_t status;
} addcx_rows[] = {
	{"tdvpr_is_the_tdr__page_metadata_incorrect_rdx", VA_TDVPR_IS_TDR, TDFX_VCPU, 0xC000030000000002},
	{"tdvpr_held_shared__operand_busy_rdx", VA_TDVPR_BUSY, TDFX_VCPU, 0x8000020000000002},
	{"implicit_tdr_held_exclusively__operand_busy_tdr", VA_TDR_BUSY, TDFX_VCPU, 0x8000020000000080},
	{"op_state_lock_held_exclusively__operand_busy_op_state", VA_OP_STATE_BUSY, TDFX_VCPU,
	 0x80000200000000AC},
	{"vcpu_initialized__vcpu_state_incorrect", VA_INITIALIZED, TDFX_VCPU_READY, 0xC000070000000000},
	{"fifteen_pages__tdcx_num_incorrect", VA_FIFTEEN, TDFX_VCPU, 0xC000061000000000},
	{"new_page_is_a_tdvpr__page_metadata_incorrect_rcx", VA_PAGE_NOT_FREE, TDFX_VCPU, 0xC000030000000001},
	{"new_page_held_shared__operand_busy_rcx", VA_PAGE_BUSY, TDFX_VCPU, 0x8000020000000001},
};

static void vp_addcx_rules(void **state)
{
	for (size_t i = 0; i < sizeof(addcx_rows) / sizeof(addcx_rows[0]); i++) {
		struct tdfx_world w = {0};
		tdfx_world_build(&w, addcx_rows[i].st);
		tdxsim_regs_t in = {.rcx = w.page, .rdx = w.vp.tdvpr, .r8 = 0x88};
		switch (addcx_rows[i].c) {
		case VA_TDVPR_IS_TDR:
			in.rdx = w.td.tdr;
			break;
		case VA_TDVPR_BUSY:
			tdfx_world_contend(&w, TDXSIM_RES_PAGE, w.vp.tdvpr, TDXSIM_LOCK_SHARED);
			break;
		case VA_TDR_BUSY:
			tdfx_world_contend(&w, TDXSIM_RES_PAGE, w.td.tdr, TDXSIM_LOCK_EXCLUSIVE);
			break;
		case VA_OP_STATE_BUSY:
			tdfx_world_contend(&w, TDXSIM_RES_OP_STATE, w.td.tdr, TDXSIM_LOCK_EXCLUSIVE);
			break;
		case VA_FIFTEEN:
			tdfx_vp_addcx(&w.fx, &w.vp, 14); /* no upper bound from NUM_L2_VMS (3.7) */
			break;
		case VA_PAGE_NOT_FREE: {
			struct tdfx_vcpu other;
			tdfx_vp_create(&w.fx, &w.td, &other);
			in.rcx = other.tdvpr;
			break;
		}
		case VA_PAGE_BUSY:
			tdfx_world_contend(&w, TDXSIM_RES_PAGE, w.page, TDXSIM_LOCK_SHARED);
			break;
		default:
			break;
		}
		tdfx_world_refused(&w, addcx_rows[i].rule, 0, TDXSIM_TDH_VP_ADDCX, in, in,
				   addcx_rows[i].status);
		tdfx_world_destroy(&w);
	}
	(void)state;
}

static void vp_addcx__pages_filled_by_index__l2_bitmaps_all_ones(void **state)
{
	struct fx *fx = *state;
	struct tdfx_td td;
	struct tdfx_vcpu vp;
	tdfx_build_initialized(fx, &td);
	tdfx_vp_create(fx, &td, &vp);
	tdfx_vp_addcx(fx, &vp, 14);
	for (unsigned n = 1; n < 15; n++) {
		uint64_t pa = vp.tdcx[n - 1];
		tdxsim_pamt_info_t pi;
		tdxsim_pamt_query(fx->sim, pa, &pi);
		assert_int_equal(pi.page_type, TDXSIM_PT_TDCX);
		assert_int_equal(pi.owner, td.tdr);
		/* Read back through the TD's KeyID, as the module would see the page. */
		uint64_t q = 0x5A5A;
		assert_int_equal(tdxsim_mem_read(fx->sim, 0,
						 pa | (uint64_t)td.hkid << tdxsim_keyid_shift(fx->sim), &q,
						 sizeof(q)),
				 TDXSIM_OK);
		bool ones = n == 7 || n == 8 || n == 10 || n == 11 || n == 13 || n == 14;
		if (q != (ones ? ~UINT64_C(0) : 0))
			fail_msg("TDVPS page %u reads %#llx", n, (unsigned long long)q);
	}
	tdxsim_td_info_t info = {.size = sizeof(info)};
	tdxsim_td_query(fx->sim, td.tdr, &info);
	assert_int_equal(info.chldcnt, info.num_tdcx + 15);
	tdfx_assert_invariants(fx);
}

/* ---- TDH.VP.INIT (3.8) ---- */

enum init_case {
	VI_VERSION_2,
	VI_NOT_TDVPR,
	VI_TDVPR_BUSY,
	VI_V1_TDR_HELD_SHARED,
	VI_OP_STATE_BUSY,
	VI_FIVE_PAGES,
	VI_READY,
	VI_MAX_VCPUS,
	VI_R8_HIGH,
};

static const struct {
	const char *rule;
	enum init_case c;
	enum tdfx_stage st;
	unsigned version;
	uint64_t status;
} init_rows[] = {
	{"version_2__operand_invalid_rax", VI_VERSION_2, TDFX_VCPU_PAGES, 2, 0xC000010000000000},
	{"rcx_is_the_tdr__page_metadata_incorrect_rcx", VI_NOT_TDVPR, TDFX_VCPU_PAGES, 1, 0xC000030000000001},
	{"tdvpr_held_shared__operand_busy_rcx", VI_TDVPR_BUSY, TDFX_VCPU_PAGES, 1, 0x8000020000000001},
	{"v1_implicit_tdr_held_shared__operand_busy_tdr", VI_V1_TDR_HELD_SHARED, TDFX_VCPU_PAGES, 1,
	 0x8000020000000080},
	{"op_state_lock_held_exclusively__operand_busy_op_state", VI_OP_STATE_BUSY, TDFX_VCPU_PAGES, 0,
	 0x80000200000000AC},
	{"five_tdvps_pages__tdcx_num_incorrect", VI_FIVE_PAGES, TDFX_VCPU, 1, 0xC000061000000000},
	{"already_initialized__vcpu_state_incorrect", VI_READY, TDFX_VCPU_READY, 1, 0xC000070000000000},
	{"max_vcpus_reached__max_vcpus_exceeded_count_restored", VI_MAX_VCPUS, TDFX_VCPU_PAGES, 1,
	 0xC000070500000000},
	{"x2apic_above_32_bits__operand_invalid_r8_count_restored", VI_R8_HIGH, TDFX_VCPU_PAGES, 1,
	 0xC000010000000008},
};

static void vp_init_rules(void **state)
{
	for (size_t i = 0; i < sizeof(init_rows) / sizeof(init_rows[0]); i++) {
		struct tdfx_world w = {0};
		if (init_rows[i].c == VI_MAX_VCPUS) {
			/* A TD for one vCPU whose one vCPU is initialized; the row's vCPU is the second. */
			tdxsim_config_t cfg;
			tdxsim_config_init(&cfg);
			fx_create(&w.fx, &cfg, FX_INITIALIZED);
			struct tdfx_params p = {.max_vcpus = 1};
			struct tdfx_vcpu first;
			tdfx_create_keyed_tdcs(&w.fx, &w.td);
			tdfx_init_with(&w.fx, &w.td, &p);
			tdfx_vp_build(&w.fx, &w.td, &first, 0);
			tdfx_vp_create(&w.fx, &w.td, &w.vp);
			tdfx_vp_addcx(&w.fx, &w.vp, 5);
		} else {
			tdfx_world_build(&w, init_rows[i].st);
		}
		if (init_rows[i].c == VI_FIVE_PAGES)
			tdfx_vp_addcx(&w.fx, &w.vp, 4);
		tdxsim_regs_t in = {.rcx = w.vp.tdvpr, .rdx = 0x1234, .r8 = 7, .r9 = 0x99};
		switch (init_rows[i].c) {
		case VI_NOT_TDVPR:
			in.rcx = w.td.tdr;
			break;
		case VI_TDVPR_BUSY:
			tdfx_world_contend(&w, TDXSIM_RES_PAGE, w.vp.tdvpr, TDXSIM_LOCK_SHARED);
			break;
		case VI_V1_TDR_HELD_SHARED:
			tdfx_world_contend(&w, TDXSIM_RES_PAGE, w.td.tdr, TDXSIM_LOCK_SHARED);
			break;
		case VI_OP_STATE_BUSY:
			tdfx_world_contend(&w, TDXSIM_RES_OP_STATE, w.td.tdr, TDXSIM_LOCK_EXCLUSIVE);
			break;
		case VI_R8_HIGH:
			in.r8 = UINT64_C(1) << 32;
			break;
		default:
			break;
		}
		unsigned version = init_rows[i].version;
		tdfx_world_refused(&w, init_rows[i].rule, 0, TDXSIM_TDH_VP_INIT | version << 16, in, in,
				   init_rows[i].status);
		tdfx_world_destroy(&w);
	}
	(void)state;
}

/* Version 0 takes the implicit TDR shared: a shared holder elsewhere does not stop it, while
 * version 1 needs it exclusively (the row above). */
static void vp_init__v0_with_tdr_held_shared__succeeds(void **state)
{
	struct fx *fx = *state;
	struct tdfx_td td;
	struct tdfx_vcpu vp;
	tdfx_build_initialized(fx, &td);
	tdfx_vp_create(fx, &td, &vp);
	tdfx_vp_addcx(fx, &vp, 5);
	tdxsim_contend(fx->sim, TDXSIM_RES_PAGE, td.tdr, 0, TDXSIM_LOCK_SHARED, 1);
	assert_status(fx_call(fx->sim, 1, TDXSIM_TDH_VP_INIT, vp.tdvpr, 0, 0, NULL), TDXSIM_TDX_SUCCESS);
	tdxsim_clear_contention(fx->sim);
	assert_int_equal(tdfx_vp_rd(fx, 1, vp.tdvpr, 0xA020000200000004), 1); /* associated with LP 1 */
	tdfx_assert_invariants(fx);
}

static void vp_init__duplicate_x2apic__index_consumed(void **state)
{
	struct fx *fx = *state;
	struct tdfx_td td;
	struct tdfx_vcpu a, b;
	tdxsim_td_info_t info = {.size = sizeof(info)};
	tdfx_build_initialized(fx, &td);
	tdfx_vp_build(fx, &td, &a, 5);
	tdfx_vp_create(fx, &td, &b);
	tdfx_vp_addcx(fx, &b, 5);
	/* The module leaves NUM_VCPUS incremented on this failure (3.8 row 9): exactly that
	 * changes, the vCPU stays uninitialized. */
	tdxsim_regs_t o;
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_VP_INIT | V1, b.tdvpr, 0, 5, &o), 0xC000062100000005);
	tdxsim_td_query(fx->sim, td.tdr, &info);
	assert_int_equal(info.num_vcpus, 2);
	assert_int_equal(info.num_assoc_vcpus, 1);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_VP_RD, b.tdvpr, 0xA020000200000002, 0, NULL),
		      TDXSIM_TDX_VCPU_STATE_INCORRECT);
	/* A retry takes the next index. */
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_VP_INIT | V1, b.tdvpr, 0, 6, NULL), TDXSIM_TDX_SUCCESS);
	assert_int_equal(tdfx_vp_rd(fx, 0, a.tdvpr, 0xA020000200000002), 0);
	assert_int_equal(tdfx_vp_rd(fx, 0, b.tdvpr, 0xA020000200000002), 2);
	tdxsim_td_query(fx->sim, td.tdr, &info);
	assert_int_equal(info.num_vcpus, 3);
	assert_int_equal(info.num_assoc_vcpus, 2);
	tdfx_assert_invariants(fx);
}

static void vp_init__success__counts_index_and_association(void **state)
{
	struct fx *fx = *state;
	struct tdfx_td td;
	struct tdfx_vcpu vp;
	tdfx_build_initialized(fx, &td);
	tdfx_vp_create(fx, &td, &vp);
	tdfx_vp_addcx(fx, &vp, 5);
	tdxsim_regs_t in = {.rcx = vp.tdvpr, .rdx = 0x55, .r8 = 7, .r9 = 0x99, .r10 = 0xAA}, r = in;
	assert_status(tdxsim_seamcall(fx->sim, 3, TDXSIM_TDH_VP_INIT | V1, &r), TDXSIM_TDX_SUCCESS);
	assert_memory_equal(&r, &in, sizeof(r)); /* no output registers */
	tdxsim_td_info_t info = {.size = sizeof(info)};
	tdxsim_td_query(fx->sim, td.tdr, &info);
	assert_int_equal(info.num_vcpus, 1);
	assert_int_equal(info.num_assoc_vcpus, 1);
	assert_int_equal(tdfx_vp_rd(fx, 3, vp.tdvpr, 0xA020000200000004), 3);
	assert_int_equal(tdfx_vp_rd(fx, 3, vp.tdvpr, 0xA020000200000002), 0);
	/* ADDCX is closed once the vCPU is initialized. */
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_VP_ADDCX, tdfx_page(fx), vp.tdvpr, 0, NULL),
		      TDXSIM_TDX_VCPU_STATE_INCORRECT);
	tdfx_assert_invariants(fx);
}

/* Modules without VP.INIT version 1 (TDX 1.0) refuse it in the dispatcher. */
static void vp_init__v1_on_tdx_1_0__operand_invalid_rax(void **state)
{
	struct fx fx;
	tdxsim_config_t cfg;
	tdxsim_config_init(&cfg);
	cfg.module = TDXSIM_MODULE_1_0;
	fx_create(&fx, &cfg, FX_INITIALIZED);
	assert_status(fx_call(fx.sim, 0, TDXSIM_TDH_VP_INIT | V1, 0x1000, 0, 0, NULL), 0xC000010000000000);
	assert_status(fx_call(fx.sim, 0, TDXSIM_TDH_VP_RD | V1, 0x1000, 0, 0, NULL), 0xC000010000000000);
	fx_destroy(&fx);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vp_create_rules),
		cmocka_unit_test_setup_teardown(vp_create__success__tdvpr_owned_by_tdr_zeroed_with_hkid,
						tdfx_setup_2x2, tdfx_teardown),
		cmocka_unit_test(vp_addcx_rules),
		cmocka_unit_test_setup_teardown(vp_addcx__pages_filled_by_index__l2_bitmaps_all_ones,
						tdfx_setup_2x2, tdfx_teardown),
		cmocka_unit_test(vp_init_rules),
		cmocka_unit_test_setup_teardown(vp_init__v0_with_tdr_held_shared__succeeds, tdfx_setup_2x2,
						tdfx_teardown),
		cmocka_unit_test_setup_teardown(vp_init__duplicate_x2apic__index_consumed, tdfx_setup_2x2,
						tdfx_teardown),
		cmocka_unit_test_setup_teardown(vp_init__success__counts_index_and_association,
						tdfx_setup_2x2, tdfx_teardown),
		cmocka_unit_test(vp_init__v1_on_tdx_1_0__operand_invalid_rax),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
