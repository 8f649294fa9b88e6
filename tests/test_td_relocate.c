/* SPDX-License-Identifier: MIT */
/*
 * TDH.MEM.PAGE.RELOCATE (leaf 5; td-runtime.md 2.10, 2.4). One row per check in the module's
 * order with its exact status and RCX/RDX, every other register (R8 included) unchanged, the
 * state hash unchanged and the invariants holding after each refusal; one contention row per
 * lock (TDR, op state, SEPT tree, SEPT entry, the old page's and the new page's PAMT entries).
 * Then the effects: contents copied through the TD's KeyID (not for a pending page), old page
 * back to the host, entry unblocked at the new HPA, and a vCPU reading its data from the new
 * page. Statuses and outputs pinned with the module oracle (1.5.05: td-build.txt, then these
 * calls).
 */
#include <stdlib.h>
#include <string.h>

#include "td_mem_world.h"
#include "tdxsim/guest.h"
#include "tdxsim/memory.h"

#define LEAF TDXSIM_TDH_MEM_PAGE_RELOCATE
#define GPA  TDMW_GPA
#define EXT0 UINT64_C(0x8000000000000000)
#define B63  (UINT64_C(1) << 63)

/* Operands only this file needs (beyond td_mem_world.h's). */
#define MAPPED_B63  (TDMW_SYM | 0x100) /* the mapped page's PA | bit 63: still "the same page" */
#define FRESH_KEYED (TDMW_SYM | 0x101) /* a free page with the TD's KeyID in its PA */

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

static uint64_t keyed(struct tdmw *w, uint64_t pa)
{
	return pa | (uint64_t)w->td.hkid << tdxsim_keyid_shift(w->fx.sim);
}

static uint64_t resolve(struct tdmw *w, uint64_t v)
{
	if (v == MAPPED_B63)
		return w->mapped | B63;
	if (v == FRESH_KEYED)
		return keyed(w, w->fresh);
	return tdmw_resolve(w, v);
}

enum pre { P_NONE, P_BLOCK, P_BLOCK_TRACK };

struct row {
	const char *rule;
	enum pre pre;
	uint64_t rcx, rdx, r8;
	enum tdmw_contend contend;
	uint64_t page; /* for TDMW_C_PAGE_* */
	uint64_t status, rcx_out, rdx_out;
};

static const struct row rows[] = {
	{"relocate__rdx_not_a_tdr__page_metadata_incorrect_rdx", P_NONE, GPA, TDMW_TDCS, TDMW_FRESH,
	 TDMW_C_NONE, 0, 0xC000030000000002, 0, 0},
	{"relocate__tdr_held_exclusively__operand_busy_rdx", P_NONE, GPA, TDMW_TDR, TDMW_FRESH, TDMW_C_TDR_EX,
	 0, 0x8000020000000002, 0, 0},
	{"relocate__td_not_initialized__op_state_incorrect", P_NONE, GPA, TDMW_UNINIT, TDMW_FRESH,
	 TDMW_C_NONE, 0, 0xC000060800000000, 0, 0},
	{"relocate__op_state_lock_held__operand_busy_op_state", P_NONE, GPA, TDMW_TDR, TDMW_FRESH,
	 TDMW_C_OP_EX, 0, 0x80000200000000AC, 0, 0},
	{"relocate__level_1__operand_invalid_rcx", P_NONE, GPA | 1, TDMW_TDR, TDMW_FRESH, TDMW_C_NONE, 0,
	 0xC000010000000001, 0, 0},
	{"relocate__reserved_bits__operand_invalid_rcx", P_NONE, GPA | 0x10, TDMW_TDR, TDMW_FRESH,
	 TDMW_C_NONE, 0, 0xC000010000000001, 0, 0},
	{"relocate__shared_gpa__operand_invalid_rcx", P_NONE, GPA | UINT64_C(1) << 47, TDMW_TDR, TDMW_FRESH,
	 TDMW_C_NONE, 0, 0xC000010000000001, 0, 0},
	{"relocate__sept_tree_held_exclusively__operand_busy_sept_tree", P_NONE, GPA, TDMW_TDR, TDMW_FRESH,
	 TDMW_C_TREE_EX, 0, 0x8000020000000092, 0, 0},
	{"relocate__no_page_table__ept_walk_failed_rcx_ext", P_NONE, TDMW_GPA_NOPT, TDMW_TDR, TDMW_FRESH,
	 TDMW_C_NONE, 0, 0xC0000B0000000001, EXT0, 0x1},
	{"relocate__entry_locked__operand_busy_rcx_ext", P_NONE, GPA, TDMW_TDR, TDMW_FRESH, TDMW_C_ENTRY, 0,
	 0x8000020000000001, TDMW_EXT_MAP, 0x400},
	{"relocate__entry_free__ept_entry_state_incorrect_rcx_ext", P_NONE, GPA + 0x1000, TDMW_TDR,
	 TDMW_FRESH, TDMW_C_NONE, 0, 0xC0000B0D00000001, EXT0, 0x0},
	{"relocate__target_is_the_page__operand_invalid_r8", P_NONE, GPA, TDMW_TDR, TDMW_MAPPED, TDMW_C_NONE,
	 0, 0xC000010000000008, 0, 0},
	{"relocate__target_is_the_page_bit_63_ignored__operand_invalid_r8", P_NONE, GPA, TDMW_TDR, MAPPED_B63,
	 TDMW_C_NONE, 0, 0xC000010000000008, 0, 0},
	{"relocate__page_pamt_entry_held__operand_busy_rcx_no_ext", P_NONE, GPA, TDMW_TDR, TDMW_FRESH,
	 TDMW_C_PAGE_SH, TDMW_MAPPED, 0x8000020000000001, 0, 0},
	{"relocate__runnable_not_blocked__gpa_range_not_blocked_rcx_ext", P_NONE, GPA, TDMW_TDR, TDMW_FRESH,
	 TDMW_C_NONE, 0, 0xC0000B0600000001, TDMW_EXT_MAP, 0x400},
	{"relocate__blocked_not_tracked__tlb_tracking_not_done_rcx", P_BLOCK, GPA, TDMW_TDR, TDMW_FRESH,
	 TDMW_C_NONE, 0, 0xC0000B0800000001, 0, 0},
	{"relocate__target_misaligned__operand_invalid_r8", P_BLOCK_TRACK, GPA, TDMW_TDR, 0x100010,
	 TDMW_C_NONE, 0, 0xC000010000000008, 0, 0},
	{"relocate__target_keyid_bits__operand_invalid_r8", P_BLOCK_TRACK, GPA, TDMW_TDR, FRESH_KEYED,
	 TDMW_C_NONE, 0, 0xC000010000000008, 0, 0},
	{"relocate__target_outside_tdmrs__addr_range_error_r8", P_BLOCK_TRACK, GPA, TDMW_TDR,
	 UINT64_C(1) << 40, TDMW_C_NONE, 0, 0xC000010100000008, 0, 0},
	{"relocate__target_held__operand_busy_r8", P_BLOCK_TRACK, GPA, TDMW_TDR, TDMW_FRESH, TDMW_C_PAGE_SH,
	 TDMW_FRESH, 0x8000020000000008, 0, 0},
	{"relocate__target_not_free__page_metadata_incorrect_r8", P_BLOCK_TRACK, GPA, TDMW_TDR, TDMW_PT,
	 TDMW_C_NONE, 0, 0xC000030000000008, 0, 0},
};

static void relocate_rules(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *row = &rows[i];
		struct tdmw w;
		tdmw_build(&w, NULL, TDMW_RUNNABLE);
		w.fresh = tdfx_page(&w.fx);
		if (row->pre != P_NONE)
			tdmw_ok(&w, TDXSIM_TDH_MEM_RANGE_BLOCK, GPA, w.td.tdr, 0, NULL);
		if (row->pre == P_BLOCK_TRACK)
			tdmw_ok(&w, TDXSIM_TDH_MEM_TRACK, w.td.tdr, 0, 0, NULL);
		tdxsim_regs_t in = {.rcx = resolve(&w, row->rcx),
				    .rdx = resolve(&w, row->rdx),
				    .r8 = resolve(&w, row->r8),
				    .r9 = 0x99,
				    .r11 = 0x11,
				    .rbx = 0xB};
		tdxsim_regs_t out = in;
		out.rcx = resolve(&w, row->rcx_out);
		out.rdx = row->rdx_out;
		tdmw_contend(&w, row->contend, in.rcx, resolve(&w, row->page));
		tdmw_refused(&w, row->rule, LEAF, &in, &out, row->status);
		tdmw_destroy(&w);
	}
}

/* BLOCK -> TRACK -> RELOCATE: RCX = the old PA, the entry MAPPED (unblocked) at the new PA,
 * the new page's bytes the old page's as the TD reads them (its lines private to the TD: the
 * host's KeyID 0 sees zeros), the old page PT_NDA, the new one PT_REG of the TD with BEPOCH 0,
 * CHLDCNT unchanged. */
static void relocate__blocked_tracked__copied_and_unblocked(void **state)
{
	struct tdmw *w = *state;
	uint64_t target = tdfx_page(&w->fx), c0 = tdmw_chldcnt(w), rcx, rdx;
	uint8_t want[4096], got[4096], zero[64] = {0};
	tdxsim_regs_t md;
	for (unsigned i = 0; i < sizeof(want); i++)
		want[i] = tdmw_image_byte(i);
	tdmw_ok(w, TDXSIM_TDH_MEM_RANGE_BLOCK, GPA, w->td.tdr, 0, NULL);
	tdmw_ok(w, TDXSIM_TDH_MEM_TRACK, w->td.tdr, 0, 0, NULL);
	tdxsim_regs_t r = {.rcx = GPA, .rdx = w->td.tdr, .r8 = target, .r9 = 0x99};
	assert_status(tdfx_call(&w->fx, 0, LEAF, &r), TDXSIM_TDX_SUCCESS);
	assert_int_equal(r.rcx, w->mapped);
	assert_int_equal(r.rdx, 0);
	assert_int_equal(r.r8, target);
	assert_int_equal(r.r9, 0x99);
	tdmw_sept_rd(w, GPA, &rcx, &rdx);
	assert_int_equal(rcx, 0x80000000000000F7 | target);
	assert_int_equal(rdx, 0x400);
	assert_int_equal(tdxsim_mem_read(w->fx.sim, 0, keyed(w, target), got, sizeof(got)), TDXSIM_OK);
	assert_memory_equal(got, want, sizeof(want));
	assert_int_equal(tdxsim_mem_read(w->fx.sim, 0, target, got, sizeof(zero)), TDXSIM_OK);
	assert_memory_equal(got, zero, sizeof(zero));
	tdmw_rdmd(w, w->mapped, &md);
	assert_int_equal(md.rcx, TDXSIM_PT_NDA);
	tdmw_rdmd(w, target, &md);
	assert_int_equal(md.rcx, TDXSIM_PT_REG);
	assert_int_equal(md.rdx, w->td.tdr);
	assert_int_equal(md.r9, 0);
	assert_int_equal(tdmw_chldcnt(w), c0);
	/* Unblocked again: a second move needs a new BLOCK. */
	r = (tdxsim_regs_t){.rcx = GPA, .rdx = w->td.tdr, .r8 = w->mapped};
	assert_status(tdfx_call(&w->fx, 0, LEAF, &r), 0xC0000B0600000001);
	tdfx_assert_invariants(&w->fx);
}

/* A PENDING page moves without a copy: the target keeps its bytes (the guest's ACCEPT zeroes
 * it), the entry is PENDING at the new PA. */
static void relocate__pending__no_copy(void **state)
{
	struct tdmw *w = *state;
	uint64_t page = tdfx_page(&w->fx), target = tdfx_page(&w->fx), rcx, rdx;
	uint8_t mark[64], got[64];
	memset(mark, 0xAB, sizeof(mark));
	assert_int_equal(tdxsim_mem_write(w->fx.sim, 0, target, mark, sizeof(mark)), TDXSIM_OK);
	tdmw_ok(w, TDXSIM_TDH_MEM_PAGE_AUG, GPA + 0x1000, w->td.tdr, page, NULL);
	tdmw_ok(w, TDXSIM_TDH_MEM_RANGE_BLOCK, GPA + 0x1000, w->td.tdr, 0, NULL);
	tdmw_ok(w, TDXSIM_TDH_MEM_TRACK, w->td.tdr, 0, 0, NULL);
	tdxsim_regs_t r;
	tdmw_ok(w, LEAF, GPA + 0x1000, w->td.tdr, target, &r);
	assert_int_equal(r.rcx, page);
	tdmw_sept_rd(w, GPA + 0x1000, &rcx, &rdx);
	assert_int_equal(rcx, 0x80000000000000F0 | target);
	assert_int_equal(rdx, 0x200);
	assert_int_equal(tdxsim_mem_read(w->fx.sim, 0, target, got, sizeof(got)), TDXSIM_OK);
	assert_memory_equal(got, mark, sizeof(mark));
	tdfx_assert_invariants(&w->fx);
}

/* The walk to level 0 stops at a 2 MiB leaf: EPT_WALK_FAILED with that leaf's ext. */
static void relocate__inside_2m_leaf__ept_walk_failed(void **state)
{
	struct tdmw *w = *state;
	uint64_t base = 0, gpa = TDMW_GPA + 0x400000;
	assert_int_equal(tdxsim_phys_alloc(w->fx.sim, 0x200000, 0x200000, UINT32_MAX, &base), TDXSIM_OK);
	tdmw_ok(w, TDXSIM_TDH_MEM_PAGE_AUG, gpa | 1, w->td.tdr, base, NULL);
	tdxsim_regs_t in = {.rcx = gpa, .rdx = w->td.tdr, .r8 = tdfx_page(&w->fx)}, out = in;
	out.rcx = 0x80000000000000F0 | base;
	out.rdx = 0x201;
	tdmw_refused(w, "relocate__inside_2m_leaf", LEAF, &in, &out, 0xC0000B0000000001);
}

/* Before MR.FINALIZE an unblocked MAPPED page moves at once and stays MAPPED. */
static void relocate__initialized__no_tracking_needed(void **state)
{
	struct tdmw *w = *state;
	uint64_t target = tdfx_page(&w->fx), rcx, rdx;
	tdmw_ok(w, LEAF, GPA, w->td.tdr, target, NULL);
	tdmw_sept_rd(w, GPA, &rcx, &rdx);
	assert_int_equal(rcx, 0x80000000000000F7 | target);
	assert_int_equal(rdx, 0x400);
	tdfx_assert_invariants(&w->fx);
}

/* A running vCPU reads the data it had from the page's new home. */
static void relocate__vcpu_reads_same_data_after(void **state)
{
	struct tdmw *w = *state;
	tdxsim_guest_op_t op = {.kind = TDXSIM_GOP_READ, .gpa = GPA + 0x100, .size = 8};
	tdxsim_guest_result_t res;
	uint64_t want = 0;
	for (unsigned i = 0; i < 8; i++)
		want |= (uint64_t)tdmw_image_byte(0x100 + i) << (8 * i);
	tdmw_ok(w, TDXSIM_TDH_MEM_RANGE_BLOCK, GPA, w->td.tdr, 0, NULL);
	tdmw_ok(w, TDXSIM_TDH_MEM_TRACK, w->td.tdr, 0, 0, NULL);
	tdmw_ok(w, LEAF, GPA, w->td.tdr, tdfx_page(&w->fx), NULL);
	/* The old page is the host's now: scribbling on it changes nothing the guest sees. */
	uint8_t junk[4096];
	memset(junk, 0x5A, sizeof(junk));
	assert_int_equal(tdxsim_mem_write(w->fx.sim, 0, w->mapped, junk, sizeof(junk)), TDXSIM_OK);
	assert_int_equal(tdxsim_guest_load(w->fx.sim, w->vp.tdvpr, &op, 1), TDXSIM_OK);
	tdxsim_regs_t r = {.rcx = w->vp.tdvpr};
	assert_status(tdfx_call(&w->fx, 0, TDXSIM_TDH_VP_ENTER, &r), 0x4D); /* read, then HLT */
	assert_int_equal(tdxsim_guest_result(w->fx.sim, w->vp.tdvpr, 0, &res, NULL), TDXSIM_OK);
	assert_int_equal(res.state, TDXSIM_GUEST_DONE);
	assert_int_equal(res.out[0], want);
	tdfx_assert_invariants(&w->fx);
}

/* A line of the old page the host overwrote through KeyID 0: the copy through the TD's KeyID
 * would be a machine check in SEAM mode; tdxsim answers TDXSIM_STATUS_NOT_EMULATED with
 * nothing changed (the line's state and the state hash as before). A PENDING page is not copied, so the
 * same scribble does not stop its move. */
static void relocate__old_page_line_overwritten__machine_check_not_emulated(void **state)
{
	struct tdmw *w = *state;
	uint8_t junk[64] = {1, 2, 3, 4, 5, 6, 7, 8};
	tdxsim_line_info_t li0, li;
	tdmw_ok(w, TDXSIM_TDH_MEM_RANGE_BLOCK, GPA, w->td.tdr, 0, NULL);
	tdmw_ok(w, TDXSIM_TDH_MEM_TRACK, w->td.tdr, 0, 0, NULL);
	assert_int_equal(tdxsim_movdir64b(w->fx.sim, 0, w->mapped + 0xFC0, junk),
			 TDXSIM_OK); /* line now shared */
	uint64_t before = tdxsim_state_hash(w->fx.sim);
	assert_int_equal(tdxsim_mem_line_info(w->fx.sim, w->mapped + 0xFC0, &li0), TDXSIM_OK);
	assert_int_equal(li0.owner_keyid, 0);
	assert_false(li0.poisoned);
	tdxsim_regs_t r = {.rcx = GPA, .rdx = w->td.tdr, .r8 = tdfx_page(&w->fx)};
	assert_status(tdfx_call(&w->fx, 0, LEAF, &r), TDXSIM_STATUS_NOT_EMULATED);
	assert_int_equal(tdxsim_state_hash(w->fx.sim), before);
	assert_int_equal(tdxsim_mem_line_info(w->fx.sim, w->mapped + 0xFC0, &li), TDXSIM_OK);
	assert_memory_equal(&li, &li0, sizeof(li));
	uint64_t page = tdfx_page(&w->fx);
	tdmw_ok(w, TDXSIM_TDH_MEM_PAGE_AUG, GPA + 0x1000, w->td.tdr, page, NULL);
	assert_int_equal(tdxsim_mem_write(w->fx.sim, 0, page, junk, sizeof(junk)), TDXSIM_OK);
	tdmw_ok(w, TDXSIM_TDH_MEM_RANGE_BLOCK, GPA + 0x1000, w->td.tdr, 0, NULL);
	tdmw_ok(w, TDXSIM_TDH_MEM_TRACK, w->td.tdr, 0, 0, NULL);
	tdmw_ok(w, LEAF, GPA + 0x1000, w->td.tdr, tdfx_page(&w->fx), NULL);
	tdfx_assert_invariants(&w->fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(relocate_rules),
		cmocka_unit_test_setup_teardown(relocate__blocked_tracked__copied_and_unblocked,
						setup_runnable, teardown),
		cmocka_unit_test_setup_teardown(relocate__pending__no_copy, setup_runnable, teardown),
		cmocka_unit_test_setup_teardown(relocate__inside_2m_leaf__ept_walk_failed, setup_runnable,
						teardown),
		cmocka_unit_test_setup_teardown(relocate__initialized__no_tracking_needed, setup_initialized,
						teardown),
		cmocka_unit_test_setup_teardown(relocate__vcpu_reads_same_data_after, setup_runnable,
						teardown),
		cmocka_unit_test_setup_teardown(
			relocate__old_page_line_overwritten__machine_check_not_emulated, setup_runnable,
			teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
