/* SPDX-License-Identifier: MIT */
/*
 * The TLB-epoch rule as vCPUs that ran see it (td-runtime.md 2.4, 2.5, 5.4): every leaf that
 * needs a blocked entry tracked (PAGE.REMOVE, RANGE.UNBLOCK, SEPT.REMOVE, PAGE.RELOCATE,
 * PAGE.DEMOTE, PAGE.PROMOTE) is refused with TLB_TRACKING_NOT_DONE|RCX (RCX = RDX = 0) while
 * the BLOCK's epoch is current, even after a vCPU entered and exited in it, and succeeds after
 * TRACK once every vCPU that entered in that epoch has exited (REFCOUNT, read by the host
 * through TDH.MNG.RD, back to 0).
 * The "still running" side uses a vCPU kept inside the guest across host calls
 * (tdxsim_vcpu_stay_in_guest()): after TRACK, the leaves stay refused while it is in and
 * succeed once it exits; TRACK again while it is in answers PREVIOUS_TLB_EPOCH_BUSY. Statuses
 * and registers pinned with the module oracle, REFCOUNT written into the TDCS by hand
 * (epoch_and_refcount at TDCS offset 0x200, module 1.5.05 td_control_structures.h).
 */
#include <stdlib.h>

#include "td_mem_world.h"
#include "tdxsim/memory.h"

#define GPA	       TDMW_GPA
#define NOPT_1	       (TDMW_GPA_NOPT | 1)
#define REFCOUNT_ID(e) (UINT64_C(0x9210000100000001) + (e)) /* TDCS REFCOUNT[e] (MNG.RD) */
#define TD_EPOCH_ID    UINT64_C(0x9210000300000000)

struct row {
	const char *rule;
	const char *rule_in_guest; /* the same leaf while the vCPU is still in the guest */
	uint64_t leaf;
	uint64_t info;	  /* RCX of the leaf */
	uint64_t blocked; /* the entry BLOCK names */
	bool new_table;	  /* add an empty PT at NOPT_1 first (SEPT.REMOVE) */
	bool target;	  /* R8 = a free page (RELOCATE; DEMOTE's new secure-EPT page) */
	bool huge;	  /* AUG a 2M page at NOPT_1 first (DEMOTE) */
	bool kids;	  /* AUG 512 contiguous 4K pages in the new table (PROMOTE) */
};

static const struct row rows[] = {
	{"page_remove__vcpu_ran_in_block_epoch__needs_track",
	 "page_remove__vcpu_in_guest_since_block_epoch__tracking_not_done", TDXSIM_TDH_MEM_PAGE_REMOVE, GPA,
	 GPA, false, false, false, false},
	{"range_unblock__vcpu_ran_in_block_epoch__needs_track",
	 "range_unblock__vcpu_in_guest_since_block_epoch__tracking_not_done", TDXSIM_TDH_MEM_RANGE_UNBLOCK,
	 GPA, GPA, false, false, false, false},
	{"sept_remove__vcpu_ran_in_block_epoch__needs_track",
	 "sept_remove__vcpu_in_guest_since_block_epoch__tracking_not_done", TDXSIM_TDH_MEM_SEPT_REMOVE,
	 NOPT_1, NOPT_1, true, false, false, false},
	{"page_relocate__vcpu_ran_in_block_epoch__needs_track",
	 "page_relocate__vcpu_in_guest_since_block_epoch__tracking_not_done", TDXSIM_TDH_MEM_PAGE_RELOCATE,
	 GPA, GPA, false, true, false, false},
	{"page_demote__vcpu_ran_in_block_epoch__needs_track",
	 "page_demote__vcpu_in_guest_since_block_epoch__tracking_not_done", TDXSIM_TDH_MEM_PAGE_DEMOTE,
	 NOPT_1, NOPT_1, false, true, true, false},
	{"page_promote__vcpu_ran_in_block_epoch__needs_track",
	 "page_promote__vcpu_in_guest_since_block_epoch__tracking_not_done", TDXSIM_TDH_MEM_PAGE_PROMOTE,
	 NOPT_1, NOPT_1, true, false, false, true},
};

/* The entry the row's leaf works on: an empty PT (SEPT.REMOVE), a 2M page (DEMOTE) or a PT
 * of 512 contiguous PENDING pages (PROMOTE). */
static void prepare(struct tdmw *w, const struct row *row)
{
	if (row->new_table)
		tdmw_ok(w, TDXSIM_TDH_MEM_SEPT_ADD, NOPT_1, w->td.tdr, tdfx_page(&w->fx), NULL);
	if (!row->huge && !row->kids)
		return;
	uint64_t pa;
	assert_int_equal(tdxsim_phys_alloc(w->fx.sim, 2 << 20, 2 << 20, UINT32_MAX, &pa), TDXSIM_OK);
	if (row->huge)
		tdmw_ok(w, TDXSIM_TDH_MEM_PAGE_AUG, NOPT_1, w->td.tdr, pa, NULL);
	for (unsigned k = 0; row->kids && k < 512; k++)
		tdmw_ok(w, TDXSIM_TDH_MEM_PAGE_AUG, TDMW_GPA_NOPT + k * UINT64_C(0x1000), w->td.tdr,
			pa + k * UINT64_C(0x1000), NULL);
}

static uint64_t mng_rd(struct tdmw *w, uint64_t id)
{
	tdxsim_regs_t r;
	tdmw_ok(w, TDXSIM_TDH_MNG_RD, w->td.tdr, id, 0, &r);
	return r.r8;
}

/* One TDH.VP.ENTER of the world's vCPU: it has no program, so it halts (TDVMCALL exit). */
static void enter_and_exit(struct tdmw *w)
{
	tdxsim_regs_t r = {.rcx = w->vp.tdvpr};
	assert_status(tdfx_call(&w->fx, 0, TDXSIM_TDH_VP_ENTER, &r), 0x4D);
}

static void tracking_after_vcpus_ran(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *row = &rows[i];
		struct tdmw w;
		tdmw_build(&w, NULL, TDMW_RUNNABLE);
		prepare(&w, row);
		uint64_t target = row->target ? tdfx_page(&w.fx) : 0;
		uint64_t e = mng_rd(&w, TD_EPOCH_ID);
		enter_and_exit(&w);
		tdmw_ok(&w, TDXSIM_TDH_MEM_RANGE_BLOCK, row->blocked, w.td.tdr, 0, NULL);
		enter_and_exit(&w); /* entered and left in the BLOCK's epoch */
		tdxsim_regs_t in = {.rcx = row->info, .rdx = w.td.tdr, .r8 = target, .r9 = 0x99}, out = in;
		out.rcx = out.rdx = 0;
		tdmw_refused(&w, row->rule, row->leaf, &in, &out, 0xC0000B0800000001);
		tdmw_ok(&w, TDXSIM_TDH_MEM_TRACK, w.td.tdr, 0, 0, NULL);
		assert_int_equal(mng_rd(&w, TD_EPOCH_ID), e + 1);
		assert_int_equal(mng_rd(&w, REFCOUNT_ID(e & 1)), 0);
		tdxsim_regs_t r = in;
		uint64_t st = tdfx_call(&w.fx, 0, row->leaf, &r);
		if (st != TDXSIM_TDX_SUCCESS)
			print_error("rule %s: after TRACK\n", row->rule);
		assert_status(st, TDXSIM_TDX_SUCCESS);
		tdfx_assert_invariants(&w.fx);
		tdmw_destroy(&w);
	}
}

/* TRACK, a vCPU round trip in the new epoch, TRACK again: the previous epoch's vCPUs have all
 * exited, so no TDX_PREVIOUS_TLB_EPOCH_BUSY; both REFCOUNTs read 0 and the epoch moved twice. */
static void track__twice_around_a_vcpu_round_trip__no_previous_epoch_busy(void **state)
{
	(void)state;
	struct tdmw w;
	tdmw_build(&w, NULL, TDMW_RUNNABLE);
	uint64_t e = mng_rd(&w, TD_EPOCH_ID);
	tdmw_ok(&w, TDXSIM_TDH_MEM_TRACK, w.td.tdr, 0, 0, NULL);
	enter_and_exit(&w);
	tdmw_ok(&w, TDXSIM_TDH_MEM_TRACK, w.td.tdr, 0, 0, NULL);
	assert_int_equal(mng_rd(&w, TD_EPOCH_ID), e + 2);
	assert_int_equal(mng_rd(&w, REFCOUNT_ID(0)), 0);
	assert_int_equal(mng_rd(&w, REFCOUNT_ID(1)), 0);
	tdmw_destroy(&w);
}

/* A block two epochs old is tracked whatever happened in between (BEPOCH < TD_EPOCH - 1). */
static void remove__block_two_epochs_old__tracked(void **state)
{
	(void)state;
	struct tdmw w;
	tdmw_build(&w, NULL, TDMW_RUNNABLE);
	tdmw_ok(&w, TDXSIM_TDH_MEM_RANGE_BLOCK, GPA, w.td.tdr, 0, NULL);
	tdmw_ok(&w, TDXSIM_TDH_MEM_TRACK, w.td.tdr, 0, 0, NULL);
	enter_and_exit(&w);
	tdmw_ok(&w, TDXSIM_TDH_MEM_TRACK, w.td.tdr, 0, 0, NULL);
	enter_and_exit(&w);
	tdxsim_regs_t r;
	tdmw_ok(&w, TDXSIM_TDH_MEM_PAGE_REMOVE, GPA, w.td.tdr, 0, &r);
	assert_int_equal(r.rcx, w.mapped);
	tdfx_assert_invariants(&w.fx);
	tdmw_destroy(&w);
}

static void leaf_succeeds(struct tdmw *w, const struct row *row, const tdxsim_regs_t *in, const char *when)
{
	tdxsim_regs_t r = *in;
	uint64_t st = tdfx_call(&w->fx, 0, row->leaf, &r);
	if (st != TDXSIM_TDX_SUCCESS)
		print_error("rule %s: %s\n", row->rule_in_guest, when);
	assert_status(st, TDXSIM_TDX_SUCCESS);
	tdfx_assert_invariants(&w->fx);
}

/* BLOCK, then the vCPU enters (epoch e = the BLOCK's) and stays in; TRACK succeeds (epoch
 * e - 1 is drained) but the block is not tracked while REFCOUNT[e & 1] counts the vCPU: the
 * leaf is refused with TLB_TRACKING_NOT_DONE|RCX, RCX = RDX = 0, state unchanged; after
 * tdxsim_vcpu_leave_guest() it succeeds. */
static void tracking_while_vcpu_in_guest(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *row = &rows[i];
		struct tdmw w;
		tdmw_build(&w, NULL, TDMW_RUNNABLE);
		prepare(&w, row);
		uint64_t target = row->target ? tdfx_page(&w.fx) : 0;
		uint64_t e = mng_rd(&w, TD_EPOCH_ID);
		tdmw_ok(&w, TDXSIM_TDH_MEM_RANGE_BLOCK, row->blocked, w.td.tdr, 0, NULL);
		tdmw_reside(&w, 0);
		assert_int_equal(tdmw_refcount(&w, e & 1), 1);
		tdmw_ok(&w, TDXSIM_TDH_MEM_TRACK, w.td.tdr, 0, 0, NULL);
		assert_int_equal(mng_rd(&w, TD_EPOCH_ID), e + 1);
		tdxsim_regs_t in = {.rcx = row->info, .rdx = w.td.tdr, .r8 = target, .r9 = 0x99}, out = in;
		out.rcx = out.rdx = 0;
		tdmw_refused(&w, row->rule_in_guest, row->leaf, &in, &out, 0xC0000B0800000001);
		assert_int_equal(tdxsim_vcpu_leave_guest(w.fx.sim, w.vp.tdvpr), TDXSIM_OK);
		assert_int_equal(tdmw_refcount(&w, e & 1), 0);
		leaf_succeeds(&w, row, &in, "after the vCPU left the guest");
		tdmw_destroy(&w);
	}
}

/* The same with the exit scripted by a count: in for 3 host calls (TRACK, the refused leaf,
 * TDH.MNG.RD, which still sees REFCOUNT 1), out after the third. */
static void tracking__vcpu_in_guest_for_n_calls__tracked_after_its_exit(void **state)
{
	(void)state;
	const struct row *row = &rows[0];
	struct tdmw w;
	tdmw_build(&w, NULL, TDMW_RUNNABLE);
	uint64_t e = mng_rd(&w, TD_EPOCH_ID);
	tdmw_ok(&w, TDXSIM_TDH_MEM_RANGE_BLOCK, GPA, w.td.tdr, 0, NULL);
	tdmw_reside(&w, 3);
	tdmw_ok(&w, TDXSIM_TDH_MEM_TRACK, w.td.tdr, 0, 0, NULL);
	tdxsim_regs_t in = {.rcx = GPA, .rdx = w.td.tdr, .r9 = 0x99}, out = in;
	out.rcx = out.rdx = 0;
	tdmw_refused(&w, row->rule_in_guest, row->leaf, &in, &out, 0xC0000B0800000001);
	assert_int_equal(tdmw_refcount(&w, e & 1), 1);
	assert_int_equal(tdmw_refcount(&w, e & 1), 0);
	assert_int_equal(tdxsim_vcpu_leave_guest(w.fx.sim, w.vp.tdvpr), TDXSIM_ERR_STATE);
	leaf_succeeds(&w, row, &in, "after the vCPU's calls ran out");
	tdmw_destroy(&w);
}

/* TRACK, then TRACK again while a vCPU that entered before the first is still in the guest:
 * TDX_PREVIOUS_TLB_EPOCH_BUSY, registers untouched, the epoch stays; after it exits, TRACK
 * moves on. */
static void track__twice_while_vcpu_of_previous_epoch_in_guest__previous_epoch_busy(void **state)
{
	(void)state;
	struct tdmw w;
	tdmw_build(&w, NULL, TDMW_RUNNABLE);
	uint64_t e = mng_rd(&w, TD_EPOCH_ID);
	tdmw_reside(&w, 0);
	tdmw_ok(&w, TDXSIM_TDH_MEM_TRACK, w.td.tdr, 0, 0, NULL);
	tdxsim_regs_t in = {.rcx = w.td.tdr, .rdx = 0x11, .r8 = 0x22, .r9 = 0x33}, out = in;
	tdmw_refused(&w, "track__vcpu_in_guest_since_previous_epoch__previous_tlb_epoch_busy",
		     TDXSIM_TDH_MEM_TRACK, &in, &out, 0x8000020100000000);
	assert_int_equal(mng_rd(&w, TD_EPOCH_ID), e + 1);
	assert_int_equal(tdmw_refcount(&w, e & 1), 1);
	assert_int_equal(tdmw_refcount(&w, (e + 1) & 1), 0);
	assert_int_equal(tdxsim_vcpu_leave_guest(w.fx.sim, w.vp.tdvpr), TDXSIM_OK);
	tdmw_ok(&w, TDXSIM_TDH_MEM_TRACK, w.td.tdr, 0, 0, NULL);
	assert_int_equal(mng_rd(&w, TD_EPOCH_ID), e + 2);
	tdfx_assert_invariants(&w.fx);
	tdmw_destroy(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tracking_after_vcpus_ran),
		cmocka_unit_test(tracking_while_vcpu_in_guest),
		cmocka_unit_test(tracking__vcpu_in_guest_for_n_calls__tracked_after_its_exit),
		cmocka_unit_test(track__twice_while_vcpu_of_previous_epoch_in_guest__previous_epoch_busy),
		cmocka_unit_test(track__twice_around_a_vcpu_round_trip__no_previous_epoch_busy),
		cmocka_unit_test(remove__block_two_epochs_old__tracked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
