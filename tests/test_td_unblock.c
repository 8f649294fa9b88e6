/* SPDX-License-Identifier: MIT */
/*
 * TDH.MEM.RANGE.UNBLOCK (leaf 39; td-runtime.md 2.3, 2.4). One row per check in the module's
 * order with its exact status and RCX/RDX, every other register unchanged, the state hash
 * unchanged and the invariants holding after each refusal; one contention row per lock
 * (TDR, op state, SEPT tree, SEPT entry). Then the effects: each blocked state back to its
 * unblocked one, the TLB-epoch rule (RUNNABLE: TRACK first; INITIALIZED: no rule) and a vCPU
 * that faults on the blocked page and reads it again after the unblock. Statuses and outputs
 * pinned with the module oracle (1.5.05: td-build.txt, then these calls).
 */
#include <stdlib.h>

#include "td_mem_world.h"
#include "tdxsim/guest.h"

#define LEAF  TDXSIM_TDH_MEM_RANGE_UNBLOCK
#define GPA   TDMW_GPA
#define PD_1  (TDMW_GPA | 1) /* the PD entry pointing at GPA's PT */
#define EXT0  UINT64_C(0x8000000000000000)
#define ALIGN UINT64_C(0x200000)

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

/* What a row does before the call it tests (not part of the hash comparison). */
enum pre { P_NONE, P_BLOCK_4K, P_BLOCK_PD };

struct row {
	const char *rule;
	enum pre pre;
	uint64_t rcx, rdx;
	enum tdmw_contend contend;
	uint64_t status, rcx_out, rdx_out;
};

static const struct row rows[] = {
	{"unblock__rdx_not_a_tdr__page_metadata_incorrect_rdx", P_NONE, GPA, TDMW_TDCS, TDMW_C_NONE,
	 0xC000030000000002, 0, 0},
	{"unblock__tdr_held_exclusively__operand_busy_rdx", P_NONE, GPA, TDMW_TDR, TDMW_C_TDR_EX,
	 0x8000020000000002, 0, 0},
	{"unblock__td_not_initialized__op_state_incorrect", P_NONE, GPA, TDMW_UNINIT, TDMW_C_NONE,
	 0xC000060800000000, 0, 0},
	{"unblock__op_state_lock_held__operand_busy_op_state", P_NONE, GPA, TDMW_TDR, TDMW_C_OP_EX,
	 0x80000200000000AC, 0, 0},
	{"unblock__level_above_root__operand_invalid_rcx", P_NONE, 4, TDMW_TDR, TDMW_C_NONE,
	 0xC000010000000001, 0, 0},
	{"unblock__reserved_bits__operand_invalid_rcx", P_NONE, GPA | 8, TDMW_TDR, TDMW_C_NONE,
	 0xC000010000000001, 0, 0},
	{"unblock__gpa_misaligned_for_level__operand_invalid_rcx", P_NONE, (GPA + 0x1000) | 1, TDMW_TDR,
	 TDMW_C_NONE, 0xC000010000000001, 0, 0},
	{"unblock__shared_gpa__operand_invalid_rcx", P_NONE, GPA | UINT64_C(1) << 47, TDMW_TDR, TDMW_C_NONE,
	 0xC000010000000001, 0, 0},
	{"unblock__sept_tree_held_shared__operand_busy_sept_tree", P_NONE, GPA, TDMW_TDR, TDMW_C_TREE_SH,
	 0x8000020000000092, 0, 0},
	{"unblock__no_page_table__ept_walk_failed_rcx_ext", P_NONE, TDMW_GPA_NOPT, TDMW_TDR, TDMW_C_NONE,
	 0xC0000B0000000001, EXT0, 0x1},
	{"unblock__no_pdpt_entry__ept_walk_failed_rcx_ext_level_2", P_NONE, 0x80000000, TDMW_TDR, TDMW_C_NONE,
	 0xC0000B0000000001, EXT0, 0x2},
	{"unblock__entry_locked__operand_busy_rcx_ext", P_BLOCK_4K, GPA, TDMW_TDR, TDMW_C_ENTRY,
	 0x8000020000000001, TDMW_EXT_BLK, 0x100},
	{"unblock__entry_mapped__ept_entry_state_incorrect_rcx_ext", P_NONE, GPA, TDMW_TDR, TDMW_C_NONE,
	 0xC0000B0D00000001, TDMW_EXT_MAP, 0x400},
	{"unblock__entry_free__ept_entry_state_incorrect_rcx_ext", P_NONE, GPA + 0x1000, TDMW_TDR,
	 TDMW_C_NONE, 0xC0000B0D00000001, EXT0, 0x0},
	{"unblock__non_leaf_nl_mapped__ept_entry_state_incorrect_rcx_ext", P_NONE, PD_1, TDMW_TDR,
	 TDMW_C_NONE, 0xC0000B0D00000001, 0x7, 0x8401},
	{"unblock__root_entry_nl_mapped__ept_entry_state_incorrect_rcx_ext", P_NONE, 3, TDMW_TDR, TDMW_C_NONE,
	 0xC0000B0D00000001, 0x7, 0x8403},
	{"unblock__blocked_leaf_not_tracked__tlb_tracking_not_done_rcx", P_BLOCK_4K, GPA, TDMW_TDR,
	 TDMW_C_NONE, 0xC0000B0800000001, 0, 0},
	{"unblock__blocked_non_leaf_not_tracked__tlb_tracking_not_done_rcx", P_BLOCK_PD, PD_1, TDMW_TDR,
	 TDMW_C_NONE, 0xC0000B0800000001, 0, 0},
};

static void unblock_rules(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *row = &rows[i];
		struct tdmw w;
		tdmw_build(&w, NULL, TDMW_RUNNABLE);
		if (row->pre == P_BLOCK_4K)
			tdmw_ok(&w, TDXSIM_TDH_MEM_RANGE_BLOCK, GPA, w.td.tdr, 0, NULL);
		if (row->pre == P_BLOCK_PD)
			tdmw_ok(&w, TDXSIM_TDH_MEM_RANGE_BLOCK, PD_1, w.td.tdr, 0, NULL);
		tdxsim_regs_t in = {.rcx = tdmw_resolve(&w, row->rcx),
				    .rdx = tdmw_resolve(&w, row->rdx),
				    .r8 = 0x88,
				    .r9 = 0x99,
				    .r15 = 0xF,
				    .rsi = 0x51};
		tdxsim_regs_t out = in;
		out.rcx = tdmw_resolve(&w, row->rcx_out);
		out.rdx = row->rdx_out;
		tdmw_contend(&w, row->contend, in.rcx, 0);
		tdmw_refused(&w, row->rule, LEAF, &in, &out, row->status);
		tdmw_destroy(&w);
	}
}

/* BLOCKED -> TRACK -> UNBLOCK: MAPPED again (RWX, WB), RCX = RDX = 0, R8 untouched; the
 * page keeps its BEPOCH (UNBLOCK does not touch the PAMT); a second UNBLOCK is refused. */
static void unblock__blocked_after_track__mapped_again(void **state)
{
	struct tdmw *w = *state;
	tdxsim_regs_t md, r;
	uint64_t rcx, rdx, epoch = tdmw_epoch(w);
	tdmw_ok(w, TDXSIM_TDH_MEM_RANGE_BLOCK, GPA, w->td.tdr, 0, NULL);
	tdmw_ok(w, TDXSIM_TDH_MEM_TRACK, w->td.tdr, 0, 0, NULL);
	r = (tdxsim_regs_t){.rcx = GPA, .rdx = w->td.tdr, .r8 = 0x55, .r9 = 0x66};
	assert_status(tdfx_call(&w->fx, 0, LEAF, &r), TDXSIM_TDX_SUCCESS);
	assert_int_equal(r.rcx, 0);
	assert_int_equal(r.rdx, 0);
	assert_int_equal(r.r8, 0x55);
	assert_int_equal(r.r9, 0x66);
	tdmw_sept_rd(w, GPA, &rcx, &rdx);
	assert_int_equal(rcx, 0x80000000000000F7 | w->mapped);
	assert_int_equal(rdx, 0x400);
	tdmw_rdmd(w, w->mapped, &md);
	assert_int_equal(md.rcx, TDXSIM_PT_REG);
	assert_int_equal(md.r9, epoch);
	r = (tdxsim_regs_t){.rcx = GPA, .rdx = w->td.tdr};
	assert_status(tdfx_call(&w->fx, 0, LEAF, &r), 0xC0000B0D00000001);
	tdfx_assert_invariants(&w->fx);
}

/* NL_BLOCKED -> NL_MAPPED (RWX = 111, MT = 0): the 4K entry below is reachable again. */
static void unblock__nl_blocked__nl_mapped_and_walkable(void **state)
{
	struct tdmw *w = *state;
	uint64_t rcx, rdx;
	tdmw_ok(w, TDXSIM_TDH_MEM_RANGE_BLOCK, PD_1, w->td.tdr, 0, NULL);
	tdxsim_regs_t r = {.rcx = GPA, .rdx = w->td.tdr};
	assert_status(tdfx_call(&w->fx, 0, TDXSIM_TDH_MEM_SEPT_RD, &r), 0xC0000B0000000001);
	tdmw_ok(w, TDXSIM_TDH_MEM_TRACK, w->td.tdr, 0, 0, NULL);
	tdmw_ok(w, LEAF, PD_1, w->td.tdr, 0, NULL);
	tdmw_sept_rd(w, PD_1, &rcx, &rdx);
	assert_int_equal(rcx, 0x7);
	assert_int_equal(rdx, 0x8401);
	tdmw_sept_rd(w, GPA, &rcx, &rdx);
	assert_int_equal(rdx, 0x400);
	tdfx_assert_invariants(&w->fx);
}

/* PENDING_BLOCKED -> PENDING (RWX stays 0); two TRACKs later the BEPOCH is older than
 * TD_EPOCH - 1 and counts as tracked too. */
static void unblock__pending_blocked__pending(void **state)
{
	struct tdmw *w = *state;
	uint64_t rcx, rdx, page = tdfx_page(&w->fx);
	tdmw_ok(w, TDXSIM_TDH_MEM_PAGE_AUG, GPA + 0x1000, w->td.tdr, page, NULL);
	tdmw_ok(w, TDXSIM_TDH_MEM_RANGE_BLOCK, GPA + 0x1000, w->td.tdr, 0, NULL);
	tdmw_ok(w, TDXSIM_TDH_MEM_TRACK, w->td.tdr, 0, 0, NULL);
	tdmw_ok(w, TDXSIM_TDH_MEM_TRACK, w->td.tdr, 0, 0, NULL);
	tdmw_ok(w, LEAF, GPA + 0x1000, w->td.tdr, 0, NULL);
	tdmw_sept_rd(w, GPA + 0x1000, &rcx, &rdx);
	assert_int_equal(rcx, 0x80000000000000F0 | page);
	assert_int_equal(rdx, 0x200);
	tdfx_assert_invariants(&w->fx);
}

/* A 2 MiB leaf: its BEPOCH is in the 2M PAMT entry; refused before TRACK, unblocked after. */
static void unblock__2m_leaf__bepoch_of_the_2m_entry(void **state)
{
	struct tdmw *w = *state;
	uint64_t base = 0, rcx, rdx, info = (TDMW_GPA + 0x400000) | 1;
	assert_int_equal(tdxsim_phys_alloc(w->fx.sim, ALIGN, ALIGN, UINT32_MAX, &base), TDXSIM_OK);
	tdmw_ok(w, TDXSIM_TDH_MEM_PAGE_AUG, info, w->td.tdr, base, NULL);
	tdmw_ok(w, TDXSIM_TDH_MEM_RANGE_BLOCK, info, w->td.tdr, 0, NULL);
	tdxsim_regs_t r = {.rcx = info, .rdx = w->td.tdr};
	assert_status(tdfx_call(&w->fx, 0, LEAF, &r), 0xC0000B0800000001);
	tdmw_ok(w, TDXSIM_TDH_MEM_TRACK, w->td.tdr, 0, 0, NULL);
	tdmw_ok(w, LEAF, info, w->td.tdr, 0, NULL);
	tdmw_sept_rd(w, info, &rcx, &rdx);
	assert_int_equal(rcx, 0x80000000000000F0 | base);
	assert_int_equal(rdx, 0x201);
	tdfx_assert_invariants(&w->fx);
}

/* Before MR.FINALIZE (op state INITIALIZED) no TLB tracking is required: BLOCK then UNBLOCK. */
static void unblock__initialized__no_tracking_needed(void **state)
{
	struct tdmw *w = *state;
	uint64_t rcx, rdx;
	tdmw_ok(w, TDXSIM_TDH_MEM_RANGE_BLOCK, GPA, w->td.tdr, 0, NULL);
	tdmw_ok(w, LEAF, GPA, w->td.tdr, 0, NULL);
	tdmw_sept_rd(w, GPA, &rcx, &rdx);
	assert_int_equal(rdx, 0x400);
	tdfx_assert_invariants(&w->fx);
}

/* A running vCPU's view: a guest read of the blocked page exits with an EPT violation at its
 * GPA; once the block is tracked and undone, re-entering completes the read with the page's
 * bytes (read through the TD's KeyID). */
static void unblock__vcpu_faults_while_blocked_reads_after(void **state)
{
	struct tdmw *w = *state;
	tdxsim_guest_op_t op = {.kind = TDXSIM_GOP_READ, .gpa = GPA + 8, .size = 8};
	tdxsim_guest_result_t res;
	size_t pc;
	uint64_t want = 0;
	for (unsigned i = 0; i < 8; i++)
		want |= (uint64_t)tdmw_image_byte(8 + i) << (8 * i);
	assert_int_equal(tdxsim_guest_load(w->fx.sim, w->vp.tdvpr, &op, 1), TDXSIM_OK);
	tdmw_ok(w, TDXSIM_TDH_MEM_RANGE_BLOCK, GPA, w->td.tdr, 0, NULL);
	tdxsim_regs_t r = {.rcx = w->vp.tdvpr};
	assert_status(tdfx_call(&w->fx, 0, TDXSIM_TDH_VP_ENTER, &r), 0x30);
	assert_int_equal(r.r8, GPA);
	assert_int_equal(tdxsim_guest_result(w->fx.sim, w->vp.tdvpr, 0, &res, &pc), TDXSIM_OK);
	assert_int_equal(res.state, TDXSIM_GUEST_NOT_RUN);
	tdmw_ok(w, TDXSIM_TDH_MEM_TRACK, w->td.tdr, 0, 0, NULL);
	tdmw_ok(w, LEAF, GPA, w->td.tdr, 0, NULL);
	r = (tdxsim_regs_t){.rcx = w->vp.tdvpr};
	assert_status(tdfx_call(&w->fx, 0, TDXSIM_TDH_VP_ENTER, &r), 0x4D); /* then HLT */
	assert_int_equal(tdxsim_guest_result(w->fx.sim, w->vp.tdvpr, 0, &res, &pc), TDXSIM_OK);
	assert_int_equal(res.state, TDXSIM_GUEST_DONE);
	assert_int_equal(res.out[0], want);
	tdfx_assert_invariants(&w->fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unblock_rules),
		cmocka_unit_test_setup_teardown(unblock__blocked_after_track__mapped_again, setup_runnable,
						teardown),
		cmocka_unit_test_setup_teardown(unblock__nl_blocked__nl_mapped_and_walkable, setup_runnable,
						teardown),
		cmocka_unit_test_setup_teardown(unblock__pending_blocked__pending, setup_runnable, teardown),
		cmocka_unit_test_setup_teardown(unblock__2m_leaf__bepoch_of_the_2m_entry, setup_runnable,
						teardown),
		cmocka_unit_test_setup_teardown(unblock__initialized__no_tracking_needed, setup_initialized,
						teardown),
		cmocka_unit_test_setup_teardown(unblock__vcpu_faults_while_blocked_reads_after,
						setup_runnable, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
