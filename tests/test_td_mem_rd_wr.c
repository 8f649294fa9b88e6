/* SPDX-License-Identifier: MIT */
/*
 * TDH.MEM.RD (leaf 12) and TDH.MEM.WR (leaf 14) on debug TDs (td-runtime.md 2.11). One row per
 * check in the module's order with its exact status and RCX/RDX/R8, every other register
 * unchanged, the state hash unchanged and the invariants holding after each refusal; one
 * contention row per lock (TDR, op state, SEPT tree, SEPT entry). Then the accesses: through
 * the TD's KeyID (the host's KeyID 0 still sees zeros), WR returning the old value, the offset
 * inside a 2 MiB leaf, a guest that sees what the debugger wrote, and a line the host
 * overwrote. Statuses and outputs pinned with the module oracle (1.5.05: td-build.txt with
 * ATTRIBUTES.DEBUG, then these calls).
 */
#include <stdlib.h>
#include <string.h>

#include "td_mem_world.h"
#include "tdxsim/guest.h"
#include "tdxsim/memory.h"
#include "tdxsim/snapshot.h"

#define RD    TDXSIM_TDH_MEM_RD
#define WR    TDXSIM_TDH_MEM_WR
#define GPA   TDMW_GPA
#define EXT0  UINT64_C(0x8000000000000000)
#define DEBUG 1 /* ATTRIBUTES.DEBUG */

static const struct tdfx_params debug_td = {.attributes = DEBUG};

/* Operands only this file needs. */
#define EXT_PEND (TDMW_SYM | 0x100) /* RCX ext of the PENDING 4K leaf at the fresh page */

static int setup_debug(void **state)
{
	struct tdmw *w = calloc(1, sizeof(*w));
	tdmw_build(w, &debug_td, TDMW_RUNNABLE);
	*state = w;
	return 0;
}

static int setup_debug_initialized(void **state)
{
	struct tdmw *w = calloc(1, sizeof(*w));
	tdmw_build(w, &debug_td, TDMW_INITIALIZED);
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	tdmw_destroy(*state);
	free(*state);
	return 0;
}

/* The u64 tdmw_build() put at byte offset @off of the page at GPA. */
static uint64_t image_u64(unsigned off)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < 8; i++)
		v |= (uint64_t)tdmw_image_byte(off + i) << (8 * i);
	return v;
}

enum pre { P_NONE, P_BLOCK, P_AUG };

struct row {
	const char *rule;
	uint64_t leaf;
	bool non_debug;
	enum pre pre;
	uint64_t rcx, rdx;
	enum tdmw_contend contend;
	uint64_t entry; /* TDMW_C_ENTRY: the entry's name (GPA | level), else RCX */
	uint64_t status, rcx_out, rdx_out;
};

static const struct row rows[] = {
	{"rd__rdx_not_a_tdr__page_metadata_incorrect_rdx", RD, false, P_NONE, GPA, TDMW_TDCS, TDMW_C_NONE, 0,
	 0xC000030000000002, 0, 0},
	{"rd__tdr_held_exclusively__operand_busy_rdx", RD, false, P_NONE, GPA, TDMW_TDR, TDMW_C_TDR_EX, 0,
	 0x8000020000000002, 0, 0},
	{"wr__td_not_initialized__op_state_incorrect", WR, false, P_NONE, GPA, TDMW_UNINIT, TDMW_C_NONE, 0,
	 0xC000060800000000, 0, 0},
	{"rd__op_state_lock_held__operand_busy_op_state", RD, false, P_NONE, GPA, TDMW_TDR, TDMW_C_OP_EX, 0,
	 0x80000200000000AC, 0, 0},
	{"rd__non_debug_td__td_non_debug", RD, true, P_NONE, GPA, TDMW_TDR, TDMW_C_NONE, 0,
	 0xC000060500000000, 0, 0},
	{"wr__non_debug_td_before_alignment__td_non_debug", WR, true, P_NONE, GPA + 4, TDMW_TDR, TDMW_C_NONE,
	 0, 0xC000060500000000, 0, 0},
	{"rd__not_8_byte_aligned__operand_invalid_rcx", RD, false, P_NONE, GPA + 4, TDMW_TDR, TDMW_C_NONE, 0,
	 0xC000010000000001, 0, 0},
	{"wr__alignment_before_tree_lock__operand_invalid_rcx", WR, false, P_NONE, GPA + 1, TDMW_TDR,
	 TDMW_C_TREE_EX, 0, 0xC000010000000001, 0, 0},
	{"rd__sept_tree_held_exclusively__operand_busy_sept_tree", RD, false, P_NONE, GPA, TDMW_TDR,
	 TDMW_C_TREE_EX, 0, 0x8000020000000092, 0, 0},
	{"rd__tree_lock_before_gpa_check__operand_busy_sept_tree", RD, false, P_NONE, GPA | UINT64_C(1) << 47,
	 TDMW_TDR, TDMW_C_TREE_EX, 0, 0x8000020000000092, 0, 0},
	{"rd__shared_gpa__operand_invalid_rcx", RD, false, P_NONE, GPA | UINT64_C(1) << 47, TDMW_TDR,
	 TDMW_C_NONE, 0, 0xC000010000000001, 0, 0},
	{"rd__gpa_bit_63__operand_invalid_rcx", RD, false, P_NONE, GPA | UINT64_C(1) << 63, TDMW_TDR,
	 TDMW_C_NONE, 0, 0xC000010000000001, 0, 0},
	{"rd__free_4k_entry__ept_entry_not_present_rcx_ext", RD, false, P_NONE, GPA + 0x1008, TDMW_TDR,
	 TDMW_C_NONE, 0, 0xC0000B0300000001, EXT0, 0x0},
	{"rd__no_pdpt_entry__ept_entry_not_present_rcx_ext_level_2", RD, false, P_NONE, 0x80000000, TDMW_TDR,
	 TDMW_C_NONE, 0, 0xC0000B0300000001, EXT0, 0x2},
	{"rd__blocked_page__ept_entry_not_present_rcx_ext", RD, false, P_BLOCK, GPA + 8, TDMW_TDR,
	 TDMW_C_NONE, 0, 0xC0000B0300000001, TDMW_EXT_BLK, 0x100},
	{"wr__blocked_page__ept_entry_not_present_rcx_ext", WR, false, P_BLOCK, GPA + 8, TDMW_TDR,
	 TDMW_C_NONE, 0, 0xC0000B0300000001, TDMW_EXT_BLK, 0x100},
	{"rd__pending_page__ept_entry_not_present_rcx_ext", RD, false, P_AUG, GPA + 0x1010, TDMW_TDR,
	 TDMW_C_NONE, 0, 0xC0000B0300000001, EXT_PEND, 0x200},
	{"rd__entry_locked__operand_busy_rcx_ext", RD, false, P_NONE, GPA + 8, TDMW_TDR, TDMW_C_ENTRY, GPA,
	 0x8000020000000001, TDMW_EXT_MAP, 0x400},
	{"wr__entry_locked__operand_busy_rcx_ext", WR, false, P_NONE, GPA + 0xFF8, TDMW_TDR, TDMW_C_ENTRY,
	 GPA, 0x8000020000000001, TDMW_EXT_MAP, 0x400},
};

static void mem_rd_wr_rules(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *row = &rows[i];
		struct tdmw w;
		tdmw_build(&w, row->non_debug ? NULL : &debug_td, TDMW_RUNNABLE);
		w.fresh = tdfx_page(&w.fx);
		if (row->pre == P_BLOCK)
			tdmw_ok(&w, TDXSIM_TDH_MEM_RANGE_BLOCK, GPA, w.td.tdr, 0, NULL);
		if (row->pre == P_AUG)
			tdmw_ok(&w, TDXSIM_TDH_MEM_PAGE_AUG, GPA + 0x1000, w.td.tdr, w.fresh, NULL);
		tdxsim_regs_t in = {.rcx = tdmw_resolve(&w, row->rcx),
				    .rdx = tdmw_resolve(&w, row->rdx),
				    .r8 = 0x1122334455667788,
				    .r9 = 0x99,
				    .r10 = 0x10,
				    .rdi = 0xD1};
		tdxsim_regs_t out = in;
		out.rcx = row->rcx_out == EXT_PEND ? UINT64_C(0x80000000000000F0) | w.fresh
						   : tdmw_resolve(&w, row->rcx_out);
		out.rdx = row->rdx_out;
		out.r8 = 0;
		tdmw_contend(&w, row->contend, row->entry ? row->entry : in.rcx, 0);
		tdmw_refused(&w, row->rule, row->leaf, &in, &out, row->status);
		tdmw_destroy(&w);
	}
}

/* RD: R8 = the u64 at the GPA as the TD reads it, RCX = RDX = 0, nothing changes; the host's
 * KeyID 0 still reads zeros there. */
static void rd__mapped__value_through_td_keyid(void **state)
{
	struct tdmw *w = *state;
	uint8_t host[8], zero[8] = {0};
	uint64_t before = tdxsim_state_hash(w->fx.sim);
	tdxsim_regs_t r = {.rcx = GPA + 0x18, .rdx = w->td.tdr, .r8 = 0x77, .r9 = 0x99};
	assert_status(tdfx_call(&w->fx, 0, RD, &r), TDXSIM_TDX_SUCCESS);
	assert_int_equal(r.r8, image_u64(0x18));
	assert_int_equal(r.rcx, 0);
	assert_int_equal(r.rdx, 0);
	assert_int_equal(r.r9, 0x99);
	assert_int_equal(tdxsim_state_hash(w->fx.sim), before);
	assert_int_equal(tdxsim_mem_read(w->fx.sim, 0, w->mapped + 0x18, host, sizeof(host)), TDXSIM_OK);
	assert_memory_equal(host, zero, sizeof(zero));
}

/* WR: R8 = the value before; the next RD and a guest read of the TD see the new one. */
static void wr__mapped__old_value_out_new_value_seen_by_the_guest(void **state)
{
	struct tdmw *w = *state;
	uint64_t v = 0x0123456789ABCDEF;
	tdxsim_regs_t r;
	tdmw_ok(w, WR, GPA + 0x40, w->td.tdr, v, &r);
	assert_int_equal(r.r8, image_u64(0x40));
	assert_int_equal(r.rcx | r.rdx, 0);
	tdmw_ok(w, RD, GPA + 0x40, w->td.tdr, 0, &r);
	assert_int_equal(r.r8, v);
	tdmw_ok(w, RD, GPA + 0x48, w->td.tdr, 0, &r); /* the rest of the line is intact */
	assert_int_equal(r.r8, image_u64(0x48));
	tdxsim_guest_op_t op = {.kind = TDXSIM_GOP_READ, .gpa = GPA + 0x40, .size = 8};
	tdxsim_guest_result_t res;
	assert_int_equal(tdxsim_guest_load(w->fx.sim, w->vp.tdvpr, &op, 1), TDXSIM_OK);
	r = (tdxsim_regs_t){.rcx = w->vp.tdvpr};
	assert_status(tdfx_call(&w->fx, 0, TDXSIM_TDH_VP_ENTER, &r), 0x4D);
	assert_int_equal(tdxsim_guest_result(w->fx.sim, w->vp.tdvpr, 0, &res, NULL), TDXSIM_OK);
	assert_int_equal(res.out[0], v);
	tdfx_assert_invariants(&w->fx);
}

/* Inside a 2 MiB leaf (AUGed, accepted by the guest, then written by it) the access lands at
 * the GPA's offset within the leaf. */
static void rd_wr__2m_leaf__offset_within_the_leaf(void **state)
{
	struct tdmw *w = *state;
	uint64_t base = 0, gpa2m = TDMW_GPA + 0x400000, off = 0x12340;
	assert_int_equal(tdxsim_phys_alloc(w->fx.sim, 0x200000, 0x200000, UINT32_MAX, &base), TDXSIM_OK);
	tdmw_ok(w, TDXSIM_TDH_MEM_PAGE_AUG, gpa2m | 1, w->td.tdr, base, NULL);
	tdxsim_guest_op_t ops[2] = {
		{.kind = TDXSIM_GOP_ACCEPT, .gpa = gpa2m, .value = 1},
		{.kind = TDXSIM_GOP_WRITE, .gpa = gpa2m + off, .size = 8, .value = 0xFEEDF00D}};
	assert_int_equal(tdxsim_guest_load(w->fx.sim, w->vp.tdvpr, ops, 2), TDXSIM_OK);
	tdxsim_regs_t r = {.rcx = w->vp.tdvpr};
	assert_status(tdfx_call(&w->fx, 0, TDXSIM_TDH_VP_ENTER, &r), 0x4D);
	tdmw_ok(w, RD, gpa2m + off, w->td.tdr, 0, &r);
	assert_int_equal(r.r8, 0xFEEDF00D);
	tdmw_ok(w, WR, gpa2m + off + 8, w->td.tdr, 42, &r);
	assert_int_equal(r.r8, 0); /* ACCEPT zeroed the page */
	uint64_t got = 0;
	assert_int_equal(
		tdxsim_mem_read(w->fx.sim, 0,
				(base + off + 8) | (uint64_t)w->td.hkid << tdxsim_keyid_shift(w->fx.sim),
				&got, sizeof(got)),
		TDXSIM_OK);
	assert_int_equal(got, 42);
	tdfx_assert_invariants(&w->fx);
}

/* Before MR.FINALIZE (INITIALIZED) both work: op states 1-10 for RD, 1-3 and 6-10 for WR. */
static void rd_wr__initialized__allowed(void **state)
{
	struct tdmw *w = *state;
	tdxsim_regs_t r;
	tdmw_ok(w, RD, GPA, w->td.tdr, 0, &r);
	assert_int_equal(r.r8, image_u64(0));
	tdmw_ok(w, WR, GPA, w->td.tdr, 5, &r);
	tdmw_ok(w, RD, GPA, w->td.tdr, 0, &r);
	assert_int_equal(r.r8, 5);
}

/* The host wrote into the TD's page through KeyID 0 (the line is no longer the TD's): the
 * module's read through the TD's KeyID would fail its integrity check, a machine check in
 * SEAM mode, which tdxsim answers with TDXSIM_STATUS_NOT_EMULATED rather than a made-up
 * status, before anything changes (the line's state and the state hash as before). */
static void rd_wr__line_the_host_overwrote__machine_check_not_emulated(void **state)
{
	struct tdmw *w = *state;
	uint8_t junk[64] = {1, 2, 3, 4, 5, 6, 7, 8};
	tdxsim_line_info_t li0, li;
	assert_int_equal(tdxsim_movdir64b(w->fx.sim, 0, w->mapped + 0x80, junk),
			 TDXSIM_OK); /* line now shared */
	uint64_t before = tdxsim_state_hash(w->fx.sim);
	assert_int_equal(tdxsim_mem_line_info(w->fx.sim, w->mapped + 0x80, &li0), TDXSIM_OK);
	assert_int_equal(li0.owner_keyid, 0);
	assert_false(li0.poisoned);
	for (int i = 0; i < 2; i++) {
		tdxsim_regs_t r = {.rcx = GPA + 0x88, .rdx = w->td.tdr, .r8 = 9};
		assert_status(tdfx_call(&w->fx, 0, i ? WR : RD, &r), TDXSIM_STATUS_NOT_EMULATED);
		assert_int_equal(r.r8, 0);
	}
	assert_int_equal(tdxsim_state_hash(w->fx.sim), before);
	assert_int_equal(tdxsim_mem_line_info(w->fx.sim, w->mapped + 0x80, &li), TDXSIM_OK);
	assert_memory_equal(&li, &li0, sizeof(li));
	/* Other lines of the page are intact. */
	tdxsim_regs_t r;
	tdmw_ok(w, RD, GPA + 0x40, w->td.tdr, 0, &r);
	assert_int_equal(r.r8, image_u64(0x40));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mem_rd_wr_rules),
		cmocka_unit_test_setup_teardown(rd__mapped__value_through_td_keyid, setup_debug, teardown),
		cmocka_unit_test_setup_teardown(wr__mapped__old_value_out_new_value_seen_by_the_guest,
						setup_debug, teardown),
		cmocka_unit_test_setup_teardown(rd_wr__2m_leaf__offset_within_the_leaf, setup_debug,
						teardown),
		cmocka_unit_test_setup_teardown(rd_wr__initialized__allowed, setup_debug_initialized,
						teardown),
		cmocka_unit_test_setup_teardown(rd_wr__line_the_host_overwrote__machine_check_not_emulated,
						setup_debug, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
