/* SPDX-License-Identifier: MIT */
/*
 * TDH.VP.ENTER's zero-step filter (td-runtime.md 3.2 rows 15-16, 3.5; [M155]
 * td_exit_stepping.c): private-GPA EPT violations of one guest instruction (one op) are
 * counted; the 7th logs its GPA; while a logged GPA still faults, VP.ENTER takes the secure-EPT
 * tree exclusively and answers with an emulated EPT-violation exit without running the guest;
 * forward progress clears the log. Exact statuses and registers; the refused entries change no
 * state (hash) and keep the invariants.
 */
#include "td_fixture.h"
#include "tdxsim/guest.h"

#define GPA_MAPPED UINT64_C(0x10000) /* PAGE.ADDed */
#define GPA_FREE   UINT64_C(0x11000) /* same page table, never mapped */
#define RAX_EPT	   UINT64_C(0x30)
#define RAX_VMCALL UINT64_C(0x4D)
#define THRESHOLD  6 /* STEPPING_EPF_THRESHOLD */

static void world(struct tdfx_world *w)
{
	static const uint8_t zero[4096];
	tdfx_world_build(w, TDFX_VCPU_READY);
	tdfx_sept_add_path(&w->fx, &w->td, GPA_MAPPED, NULL);
	tdfx_page_add(&w->fx, &w->td, GPA_MAPPED, zero);
	tdxsim_regs_t r = {.rcx = w->td.tdr};
	assert_status(tdfx_call(&w->fx, 0, TDXSIM_TDH_MR_FINALIZE, &r), TDXSIM_TDX_SUCCESS);
}

static void load_reads(struct tdfx_world *w, const uint64_t *gpas, size_t n)
{
	tdxsim_guest_op_t ops[4] = {0};
	for (size_t i = 0; i < n; i++)
		ops[i] = (tdxsim_guest_op_t){.kind = TDXSIM_GOP_READ, .gpa = gpas[i], .size = 8};
	assert_int_equal(tdxsim_guest_load(w->fx.sim, w->vp.tdvpr, ops, n), TDXSIM_OK);
}

static uint64_t host(struct tdfx_world *w, uint64_t leaf, uint64_t rcx, uint64_t rdx)
{
	tdxsim_regs_t r = {.rcx = rcx, .rdx = rdx};
	return tdfx_call(&w->fx, 0, leaf, &r);
}

/* An entry that ran the guest into a real EPT violation (read access: RCX bit 0) at @gpa. */
static void real_fault(struct tdfx_world *w, uint64_t gpa)
{
	tdxsim_regs_t r = {.rcx = w->vp.tdvpr};
	assert_status(tdfx_call(&w->fx, 0, TDXSIM_TDH_VP_ENTER, &r), RAX_EPT);
	assert_int_equal(r.rcx & 3, 1);
	assert_int_equal(r.r8, gpa);
}

/* An entry the filter refuses: write access, no EEQ, R8 = the logged GPA, nothing else. */
static void emulated_fault(struct tdfx_world *w, const char *rule, uint64_t gpa)
{
	tdxsim_regs_t in = {.rcx = w->vp.tdvpr, .rdx = 0x22, .r10 = 0x1010};
	tdxsim_regs_t out = {.rcx = 2, .r8 = gpa};
	tdfx_world_refused(w, rule, 0, TDXSIM_TDH_VP_ENTER, in, out, RAX_EPT);
}

static void zero_step__seventh_fault_logged__entry_refused_until_the_gpa_translates(void **state)
{
	struct tdfx_world w = {0};
	world(&w);
	const uint64_t gpa[] = {GPA_FREE};
	load_reads(&w, gpa, 1);
	for (int i = 0; i < THRESHOLD + 1; i++) /* 6 counted, the 7th logged: all real exits */
		real_fault(&w, GPA_FREE);
	emulated_fault(&w, "logged_gpa_free__emulated_exit_guest_not_run", GPA_FREE);
	emulated_fault(&w, "every_entry_refused_while_it_faults", GPA_FREE);
	/* AUG makes it PENDING: still no translation (suppress-#VE set, not convertible). */
	tdxsim_regs_t r = {.rcx = tdfx_gpa_info(GPA_FREE, 0), .rdx = w.td.tdr, .r8 = tdfx_page(&w.fx)};
	assert_status(tdfx_call(&w.fx, 0, TDXSIM_TDH_MEM_PAGE_AUG, &r), TDXSIM_TDX_SUCCESS);
	emulated_fault(&w, "logged_gpa_pending__still_refused", GPA_FREE);
	/* Another LP holds the tree (e.g. an AUG, shared): the filter cannot take it. */
	tdfx_world_contend(&w, TDXSIM_RES_SEPT_TREE, w.td.tdr, TDXSIM_LOCK_SHARED);
	tdxsim_regs_t in = {.rcx = w.vp.tdvpr, .rdx = 0x22};
	tdfx_world_refused(&w, "tree_held__operand_busy_sept_tree", 0, TDXSIM_TDH_VP_ENTER, in, in,
			   0x8000020000000092);
	tdfx_world_destroy(&w);
	(void)state;
}

static void zero_step__empty_log__tree_lock_not_taken(void **state)
{
	struct tdfx_world w = {0};
	world(&w);
	const uint64_t gpa[] = {GPA_FREE};
	load_reads(&w, gpa, 1);
	tdfx_world_contend(&w, TDXSIM_RES_SEPT_TREE, w.td.tdr, TDXSIM_LOCK_EXCLUSIVE);
	real_fault(&w, GPA_FREE);
	tdxsim_clear_contention(w.fx.sim);
	tdfx_world_destroy(&w);
	(void)state;
}

/* The host zaps a mapped page (BLOCK); the guest faults on it until logged; after TRACK and
 * UNBLOCK the GPA translates, the entry proceeds, and the op's progress clears the log. */
static void zero_step__gpa_mapped_again__entry_proceeds_and_progress_clears_the_log(void **state)
{
	struct tdfx_world w = {0};
	world(&w);
	const uint64_t gpa[] = {GPA_MAPPED};
	load_reads(&w, gpa, 1);
	assert_status(host(&w, TDXSIM_TDH_MEM_RANGE_BLOCK, tdfx_gpa_info(GPA_MAPPED, 0), w.td.tdr), 0);
	for (int i = 0; i < THRESHOLD + 1; i++)
		real_fault(&w, GPA_MAPPED);
	emulated_fault(&w, "logged_gpa_blocked__refused", GPA_MAPPED);
	assert_status(host(&w, TDXSIM_TDH_MEM_TRACK, w.td.tdr, 0), 0);
	assert_status(host(&w, TDXSIM_TDH_MEM_RANGE_UNBLOCK, tdfx_gpa_info(GPA_MAPPED, 0), w.td.tdr), 0);
	tdxsim_regs_t r = {.rcx = w.vp.tdvpr};
	assert_status(tdfx_call(&w.fx, 0, TDXSIM_TDH_VP_ENTER, &r), RAX_VMCALL); /* ran to the idle HLT */
	/* The log is empty again: a new fault is a real exit, counted from 1. */
	load_reads(&w, gpa, 1);
	assert_status(host(&w, TDXSIM_TDH_MEM_RANGE_BLOCK, tdfx_gpa_info(GPA_MAPPED, 0), w.td.tdr), 0);
	for (int i = 0; i < THRESHOLD + 1; i++)
		real_fault(&w, GPA_MAPPED);
	emulated_fault(&w, "logged_again_after_seven", GPA_MAPPED);
	tdfx_world_destroy(&w);
	(void)state;
}

/* Faults at a new op after progress start the count over (the RIP at exit differs from the RIP
 * at entry). */
static void zero_step__progress_between_faults__count_starts_over(void **state)
{
	struct tdfx_world w = {0};
	world(&w);
	const uint64_t gpa[] = {GPA_MAPPED, GPA_FREE};
	load_reads(&w, gpa, 2);
	assert_status(host(&w, TDXSIM_TDH_MEM_RANGE_BLOCK, tdfx_gpa_info(GPA_MAPPED, 0), w.td.tdr), 0);
	for (int i = 0; i < THRESHOLD; i++) /* the counter is at the threshold */
		real_fault(&w, GPA_MAPPED);
	assert_status(host(&w, TDXSIM_TDH_MEM_TRACK, w.td.tdr, 0), 0);
	assert_status(host(&w, TDXSIM_TDH_MEM_RANGE_UNBLOCK, tdfx_gpa_info(GPA_MAPPED, 0), w.td.tdr), 0);
	real_fault(&w, GPA_FREE); /* op 0 done, op 1 faults: count 1 */
	for (int i = 0; i < THRESHOLD; i++)
		real_fault(&w, GPA_FREE); /* counts 2..6, then the 7th logs */
	emulated_fault(&w, "seventh_fault_since_progress__refused", GPA_FREE);
	tdfx_world_destroy(&w);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(zero_step__seventh_fault_logged__entry_refused_until_the_gpa_translates),
		cmocka_unit_test(zero_step__empty_log__tree_lock_not_taken),
		cmocka_unit_test(zero_step__gpa_mapped_again__entry_proceeds_and_progress_clears_the_log),
		cmocka_unit_test(zero_step__progress_between_faults__count_starts_over),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
