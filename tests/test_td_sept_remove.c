/* SPDX-License-Identifier: MIT */
/*
 * TDH.MEM.SEPT.REMOVE (leaf 30, versions 0 and 1; td-runtime.md 2.6, 2.4). One row per check
 * in the module's order with its exact status and RCX/RDX (R9-R11 = -1 from version 1 on),
 * every other register unchanged, the state hash unchanged and the invariants holding after
 * each refusal; one contention row per lock (TDR, op state, SEPT tree, SEPT entry, the child
 * page's PAMT entry). Then the effects: an empty table given back to the host (PT_NDA,
 * CHLDCNT - 1, parent FREE), the RUNNABLE order BLOCK -> TRACK -> SEPT.REMOVE, no tracking
 * before MR.FINALIZE, and a whole path removed bottom-up. Statuses and outputs pinned with the
 * module oracle (1.5.05: td-build.txt, then these calls).
 */
#include <stdlib.h>

#include "td_mem_world.h"

#define LEAF   TDXSIM_TDH_MEM_SEPT_REMOVE
#define V(n)   ((uint64_t)(n) << 16)
#define GPA    TDMW_GPA
#define PD_1   (TDMW_GPA | 1)	   /* the PD entry of GPA's (full) PT */
#define NOPT_1 (TDMW_GPA_NOPT | 1) /* a PD entry, FREE until a row adds an empty PT there */
#define EXT0   UINT64_C(0x8000000000000000)
#define NONE   (~UINT64_C(0))

static int setup_runnable(void **state)
{
	struct tdmw *w = calloc(1, sizeof(*w));
	tdmw_build(w, NULL, TDMW_RUNNABLE);
	*state = w;
	return 0;
}

static int setup_initialized(void **state)
{
	struct tdmw *w = calloc(1, sizeof(*w));
	tdmw_build(w, NULL, TDMW_INITIALIZED);
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	tdmw_destroy(*state);
	free(*state);
	return 0;
}

/* What a row does before the call it tests (outside the hash comparison). */
enum pre { P_NONE, P_BLOCK_PD, P_BLOCK_PD_TRACK };

struct row {
	const char *rule;
	uint64_t version;
	enum pre pre;
	uint64_t rcx, rdx;
	enum tdmw_contend contend;
	uint64_t page; /* for TDMW_C_PAGE_* */
	uint64_t status, rcx_out, rdx_out;
};

static const struct row rows[] = {
	{"sept_remove__version_2__operand_invalid_rax_r9_r11_minus_1", 2, P_NONE, PD_1, TDMW_TDR, TDMW_C_NONE,
	 0, 0xC000010000000000, 0, 0},
	{"sept_remove__rdx_not_a_tdr__page_metadata_incorrect_rdx", 0, P_NONE, PD_1, TDMW_TDCS, TDMW_C_NONE,
	 0, 0xC000030000000002, 0, 0},
	{"sept_remove__tdr_held_exclusively__operand_busy_rdx", 0, P_NONE, PD_1, TDMW_TDR, TDMW_C_TDR_EX, 0,
	 0x8000020000000002, 0, 0},
	{"sept_remove__td_not_initialized__op_state_incorrect", 0, P_NONE, PD_1, TDMW_UNINIT, TDMW_C_NONE, 0,
	 0xC000060800000000, 0, 0},
	{"sept_remove__op_state_lock_held__operand_busy_op_state", 0, P_NONE, PD_1, TDMW_TDR, TDMW_C_OP_EX, 0,
	 0x80000200000000AC, 0, 0},
	{"sept_remove__level_0__operand_invalid_rcx", 0, P_NONE, GPA, TDMW_TDR, TDMW_C_NONE, 0,
	 0xC000010000000001, 0, 0},
	{"sept_remove__level_above_root__operand_invalid_rcx", 0, P_NONE, 4, TDMW_TDR, TDMW_C_NONE, 0,
	 0xC000010000000001, 0, 0},
	{"sept_remove__shared_gpa__operand_invalid_rcx", 1, P_NONE, PD_1 | UINT64_C(1) << 47, TDMW_TDR,
	 TDMW_C_NONE, 0, 0xC000010000000001, 0, 0},
	{"sept_remove__sept_tree_held_shared__operand_busy_sept_tree", 0, P_NONE, PD_1, TDMW_TDR,
	 TDMW_C_TREE_SH, 0, 0x8000020000000092, 0, 0},
	{"sept_remove__no_pdpt_entry__ept_walk_failed_rcx_ext", 0, P_NONE, 0x80000000 | 1, TDMW_TDR,
	 TDMW_C_NONE, 0, 0xC0000B0000000001, EXT0, 0x2},
	{"sept_remove__entry_locked__operand_busy_rcx_ext", 0, P_NONE, PD_1, TDMW_TDR, TDMW_C_ENTRY, 0,
	 0x8000020000000001, 0x7, 0x8401},
	{"sept_remove__entry_free__ept_entry_state_incorrect_rcx_ext", 0, P_NONE, NOPT_1, TDMW_TDR,
	 TDMW_C_NONE, 0, 0xC0000B0D00000001, EXT0, 0x1},
	{"sept_remove__child_pamt_entry_held__operand_busy_rcx_no_ext", 0, P_NONE, PD_1, TDMW_TDR,
	 TDMW_C_PAGE_SH, TDMW_PT, 0x8000020000000001, 0, 0},
	{"sept_remove__runnable_not_blocked__gpa_range_not_blocked_rcx_ext", 0, P_NONE, PD_1, TDMW_TDR,
	 TDMW_C_NONE, 0, 0xC0000B0600000001, 0x7, 0x8401},
	{"sept_remove__root_entry_not_blocked__gpa_range_not_blocked_rcx_ext", 1, P_NONE, 3, TDMW_TDR,
	 TDMW_C_NONE, 0, 0xC0000B0600000001, 0x7, 0x8403},
	{"sept_remove__blocked_not_tracked__tlb_tracking_not_done_rcx", 0, P_BLOCK_PD, PD_1, TDMW_TDR,
	 TDMW_C_NONE, 0, 0xC0000B0800000001, 0, 0},
	{"sept_remove__tracked_table_not_empty__ept_page_not_free_rcx_parent_ext", 1, P_BLOCK_PD_TRACK, PD_1,
	 TDMW_TDR, TDMW_C_NONE, 0, 0xC0000B0E00000001, 0, 0x8101},
};

static void sept_remove_rules(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *row = &rows[i];
		struct tdmw w;
		tdmw_build(&w, NULL, TDMW_RUNNABLE);
		if (row->pre != P_NONE)
			tdmw_ok(&w, TDXSIM_TDH_MEM_RANGE_BLOCK, PD_1, w.td.tdr, 0, NULL);
		if (row->pre == P_BLOCK_PD_TRACK)
			tdmw_ok(&w, TDXSIM_TDH_MEM_TRACK, w.td.tdr, 0, 0, NULL);
		tdxsim_regs_t in = {.rcx = tdmw_resolve(&w, row->rcx),
				    .rdx = tdmw_resolve(&w, row->rdx),
				    .r8 = 0x88,
				    .r9 = 0x99,
				    .r10 = 0x10,
				    .r11 = 0x11,
				    .r12 = 0x12};
		tdxsim_regs_t out = in;
		out.rcx = tdmw_resolve(&w, row->rcx_out);
		out.rdx = row->rdx_out;
		if (row->version > 0)
			out.r9 = out.r10 = out.r11 = NONE;
		tdmw_contend(&w, row->contend, in.rcx, tdmw_resolve(&w, row->page));
		tdmw_refused(&w, row->rule, LEAF | V(row->version), &in, &out, row->status);
		tdmw_destroy(&w);
	}
}

/* An empty PT in a running TD: refused until blocked, then until tracked; then removed:
 * RCX = its PA, the PD entry FREE, the page PT_NDA (owner stale), CHLDCNT - 1, and the page is
 * the host's again (it can be added back as a table). */
static void sept_remove__empty_table__back_to_host(void **state)
{
	struct tdmw *w = *state;
	uint64_t pt2 = tdfx_page(&w->fx), rcx, rdx;
	tdxsim_regs_t md, r;
	tdmw_ok(w, TDXSIM_TDH_MEM_SEPT_ADD, NOPT_1, w->td.tdr, pt2, NULL);
	uint64_t c0 = tdmw_chldcnt(w);
	r = (tdxsim_regs_t){.rcx = NOPT_1, .rdx = w->td.tdr};
	assert_status(tdfx_call(&w->fx, 0, LEAF, &r), 0xC0000B0600000001);
	assert_int_equal(r.rcx, 0x7);
	assert_int_equal(r.rdx, 0x8401);
	tdmw_ok(w, TDXSIM_TDH_MEM_RANGE_BLOCK, NOPT_1, w->td.tdr, 0, NULL);
	tdmw_rdmd(w, pt2, &md);
	assert_int_equal(md.rcx, TDXSIM_PT_EPT);
	assert_int_equal(md.r9, tdmw_epoch(w));
	r = (tdxsim_regs_t){.rcx = NOPT_1, .rdx = w->td.tdr};
	assert_status(tdfx_call(&w->fx, 0, LEAF, &r), 0xC0000B0800000001);
	tdmw_ok(w, TDXSIM_TDH_MEM_TRACK, w->td.tdr, 0, 0, NULL);
	r = (tdxsim_regs_t){.rcx = NOPT_1, .rdx = w->td.tdr, .r8 = 0x88, .r9 = 0x99};
	assert_status(tdfx_call(&w->fx, 0, LEAF, &r), TDXSIM_TDX_SUCCESS);
	assert_int_equal(r.rcx, pt2);
	assert_int_equal(r.rdx, 0);
	assert_int_equal(r.r8, 0x88);
	assert_int_equal(r.r9, 0x99); /* version 0 leaves R9-R11 alone */
	tdmw_sept_rd(w, NOPT_1, &rcx, &rdx);
	assert_int_equal(rcx, EXT0);
	assert_int_equal(rdx, 0x1);
	tdmw_rdmd(w, pt2, &md);
	assert_int_equal(md.rcx, TDXSIM_PT_NDA);
	assert_int_equal(tdmw_chldcnt(w), c0 - 1);
	tdfx_assert_invariants(&w->fx);
	tdmw_ok(w, TDXSIM_TDH_MEM_SEPT_ADD, NOPT_1, w->td.tdr, pt2, NULL);
	tdfx_assert_invariants(&w->fx);
}

/* Version 1 on success: RCX = the page, R9-R11 = -1 (no L2 pages), R8 untouched. */
static void sept_remove__version_1__r9_r11_none(void **state)
{
	struct tdmw *w = *state;
	uint64_t pt2 = tdfx_page(&w->fx);
	tdmw_ok(w, TDXSIM_TDH_MEM_SEPT_ADD, NOPT_1, w->td.tdr, pt2, NULL);
	tdmw_ok(w, TDXSIM_TDH_MEM_RANGE_BLOCK, NOPT_1, w->td.tdr, 0, NULL);
	tdmw_ok(w, TDXSIM_TDH_MEM_TRACK, w->td.tdr, 0, 0, NULL);
	tdxsim_regs_t r = {.rcx = NOPT_1, .rdx = w->td.tdr, .r8 = 0x88, .r9 = 5, .r10 = 6, .r11 = 7};
	assert_status(tdfx_call(&w->fx, 0, LEAF | V(1), &r), TDXSIM_TDX_SUCCESS);
	assert_int_equal(r.rcx, pt2);
	assert_int_equal(r.rdx, 0);
	assert_int_equal(r.r8, 0x88);
	assert_int_equal(r.r9, NONE);
	assert_int_equal(r.r10, NONE);
	assert_int_equal(r.r11, NONE);
	tdfx_assert_invariants(&w->fx);
}

/* A 2 MiB leaf at level 1 is no table: EPT_ENTRY_STATE_INCORRECT with the leaf's ext. */
static void sept_remove__2m_leaf__ept_entry_state_incorrect(void **state)
{
	struct tdmw *w = *state;
	uint64_t base = 0, info = (TDMW_GPA + 0x400000) | 1;
	assert_int_equal(tdxsim_phys_alloc(w->fx.sim, 0x200000, 0x200000, UINT32_MAX, &base), TDXSIM_OK);
	tdmw_ok(w, TDXSIM_TDH_MEM_PAGE_AUG, info, w->td.tdr, base, NULL);
	tdxsim_regs_t in = {.rcx = info, .rdx = w->td.tdr},
		      out = {.rcx = 0x80000000000000F0 | base, .rdx = 0x201};
	tdmw_refused(w, "sept_remove__2m_pending_leaf", LEAF, &in, &out, 0xC0000B0D00000001);
}

/* Before MR.FINALIZE no tracking rule applies: an empty unblocked table goes at once, a full
 * one is refused with EPT_PAGE_NOT_FREE and the (NL_MAPPED) parent's ext. */
static void sept_remove__initialized__no_tracking_needed(void **state)
{
	struct tdmw *w = *state;
	uint64_t pt2 = tdfx_page(&w->fx);
	tdmw_ok(w, TDXSIM_TDH_MEM_SEPT_ADD, NOPT_1, w->td.tdr, pt2, NULL);
	tdxsim_regs_t r;
	tdmw_ok(w, LEAF, NOPT_1, w->td.tdr, 0, &r);
	assert_int_equal(r.rcx, pt2);
	tdxsim_regs_t in = {.rcx = PD_1, .rdx = w->td.tdr}, out = {.rcx = 0x7, .rdx = 0x8401};
	tdmw_refused(w, "sept_remove__initialized_table_not_empty", LEAF, &in, &out, 0xC0000B0E00000001);
}

/* The whole path of GPA removed bottom-up before MR.FINALIZE: the page, then PT, PD and PDPT
 * (levels 1, 2, 3); each table comes back in RCX and the TD owns four pages fewer. */
static void sept_remove__path_bottom_up(void **state)
{
	struct tdmw *w = *state;
	uint64_t c0 = tdmw_chldcnt(w), rcx, rdx;
	tdxsim_regs_t r;
	tdmw_ok(w, TDXSIM_TDH_MEM_PAGE_REMOVE, GPA, w->td.tdr, 0, NULL);
	const uint64_t tables[3] = {w->pt, w->pd, w->pdpt};
	for (unsigned level = 1; level <= 3; level++) {
		tdmw_ok(w, LEAF, tdfx_gpa_info(GPA, level), w->td.tdr, 0, &r);
		assert_int_equal(r.rcx, tables[level - 1]);
		tdfx_assert_invariants(&w->fx);
	}
	tdmw_sept_rd(w, 3, &rcx, &rdx);
	assert_int_equal(rcx, EXT0);
	assert_int_equal(rdx, 0x3);
	assert_int_equal(tdmw_chldcnt(w), c0 - 4);
}

/* Versions per profile (src/module/profile.c): the 1.5 profiles and "next" pass versions 0-1
 * to the leaf, which answers a higher one itself (RCX/RDX := 0, R9-R11 := -1, then
 * OPERAND_INVALID|RAX); TDX 1.0 compares all of RAX, so version 1 is an unknown leaf there,
 * refused by the dispatcher with every register as it was. */
static void sept_remove__versions_per_profile(void **state)
{
	(void)state;
	static const struct {
		tdxsim_module_profile_t module;
		uint64_t version;
		bool leaf_ran;
	} cases[] = {
		{TDXSIM_MODULE_1_5_06, 2, true},
		{TDXSIM_MODULE_NEXT, 2, true},
		{TDXSIM_MODULE_1_0, 1, false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tdxsim_config_t cfg;
		struct fx fx;
		tdxsim_config_init(&cfg);
		cfg.module = cases[i].module;
		fx_create(&fx, &cfg, FX_INITIALIZED);
		tdxsim_regs_t r = {.rcx = PD_1, .rdx = 0x1000, .r9 = 9, .r10 = 10, .r11 = 11}, out = r;
		if (cases[i].leaf_ran) {
			out.rcx = out.rdx = 0;
			out.r9 = out.r10 = out.r11 = NONE;
		}
		assert_status(tdfx_call(&fx, 0, LEAF | V(cases[i].version), &r),
			      TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RAX);
		assert_memory_equal(&r, &out, sizeof(r));
		fx_destroy(&fx);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sept_remove_rules),
		cmocka_unit_test(sept_remove__versions_per_profile),
		cmocka_unit_test_setup_teardown(sept_remove__empty_table__back_to_host, setup_runnable,
						teardown),
		cmocka_unit_test_setup_teardown(sept_remove__version_1__r9_r11_none, setup_runnable,
						teardown),
		cmocka_unit_test_setup_teardown(sept_remove__2m_leaf__ept_entry_state_incorrect,
						setup_runnable, teardown),
		cmocka_unit_test_setup_teardown(sept_remove__initialized__no_tracking_needed,
						setup_initialized, teardown),
		cmocka_unit_test_setup_teardown(sept_remove__path_bottom_up, setup_initialized, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
