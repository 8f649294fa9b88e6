/* SPDX-License-Identifier: MIT */
/*
 * TDH.MEM.SEPT.ADD, versions 0 and 1: one row per check of td-build.md 3.11 with its exact
 * status, RCX/RDX (zeroed at entry, ext on secure-EPT failures) and R8-R11 (version 1 writes
 * them on every exit but a bad version; version 0 never). Every row leaves the state hash as it
 * was: a failure changes nothing, and ALLOW_EXISTING on an existing table succeeds without a
 * change. Values cross-checked with the module oracle (1.5.05).
 */
#include <stdlib.h>

#include "td_fixture.h"
#include "tdxsim/memory.h"

#define NONE   (~0ULL)
#define BIT63  (1ULL << 63)
#define G      0x80000000ULL /* a 1 GiB-aligned GPA whose PDPT and PD tables exist */
#define G_FREE (1ULL << 39)  /* a GPA whose PML4 entry is FREE */

struct world {
	struct fx fx;
	struct tdfx_td td, uninit;
	uint64_t page, page2;
};

static int setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));
	fx_create(&w->fx, NULL, FX_INITIALIZED);
	tdfx_build_initialized(&w->fx, &w->td);
	tdfx_create_keyed_tdcs(&w->fx, &w->uninit);
	/* PDPT (level 3 entry) and PD (level 2 entry) for G: SEPT.ADD(G|1) would add the PT. */
	assert_status(fx_call(w->fx.sim, 0, TDXSIM_TDH_MEM_SEPT_ADD, tdfx_gpa_info(G, 3), w->td.tdr,
			      tdfx_page(&w->fx), NULL),
		      TDXSIM_TDX_SUCCESS);
	assert_status(fx_call(w->fx.sim, 0, TDXSIM_TDH_MEM_SEPT_ADD, tdfx_gpa_info(G, 2), w->td.tdr,
			      tdfx_page(&w->fx), NULL),
		      TDXSIM_TDX_SUCCESS);
	w->page = tdfx_page(&w->fx);
	w->page2 = tdfx_page(&w->fx);
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;
	fx_destroy(&w->fx);
	free(w);
	return 0;
}

enum contend { C_NONE, C_TDR, C_OP_STATE, C_TREE, C_ENTRY, C_R8 };

struct row {
	const char *rule;
	unsigned version;
	uint64_t rcx; /* page info */
	int rdx;      /* 0: the TD's TDR; 1: TDR | ALLOW_EXISTING; 2: bit 1; 3: bit 52; 4: a free page;
		       * 5: the uninitialized TD */
	int r8;	      /* 0: a free page; 1: -1; 2: free page | bit 63; 3: a TDCS page; 4: misaligned;
		       * 5: outside the TDMRs */
	int l2;	      /* v1: 0 none (-1); 1: R9 = a page; 3: R11 = a page */
	enum contend contend;
	uint64_t status;
	uint64_t rcx_out, rdx_out;
	int r8_out; /* v1: 0 the input without bit 63; 1: -1; 2: the input with bit 63 */
};

static const struct row rows[] = {
	{"version_2__operand_invalid_rax", 2, G | 1, 0, 0, 1, C_NONE, 0xC000010000000000, 0, 0, -1},
	{"rdx_bit_1_reserved__operand_invalid_rdx", 0, G | 1, 2, 0, 0, C_NONE, 0xC000010000000002, 0, 0, 0},
	{"rdx_bit_52_reserved__operand_invalid_rdx", 0, G | 1, 3, 0, 0, C_NONE, 0xC000010000000002, 0, 0, 0},
	{"v1_rdx_reserved__r8_to_r11_written", 1, G | 1, 2, 2, 0, C_NONE, 0xC000010000000002, 0, 0, 0},
	{"rdx_not_a_tdr__page_metadata_incorrect_rdx", 0, G | 1, 4, 0, 0, C_NONE, 0xC000030000000002, 0, 0,
	 0},
	{"tdr_held_exclusively__operand_busy_rdx", 0, G | 1, 0, 0, 0, C_TDR, 0x8000020000000002, 0, 0, 0},
	{"op_state_lock_held__operand_busy_op_state", 0, G | 1, 0, 0, 0, C_OP_STATE, 0x80000200000000AC, 0, 0,
	 0},
	{"td_not_initialized__op_state_incorrect", 0, G | 1, 5, 0, 0, C_NONE, 0xC000060800000000, 0, 0, 0},
	{"level_0__operand_invalid_rcx", 0, G | 0, 0, 0, 0, C_NONE, 0xC000010000000001, 0, 0, 0},
	{"level_above_pwl_minus_1__operand_invalid_rcx", 0, 0 | 4, 0, 0, 0, C_NONE, 0xC000010000000001, 0, 0,
	 0},
	{"gpa_not_aligned_to_level__operand_invalid_rcx", 0, (G + 0x1000) | 1, 0, 0, 0, C_NONE,
	 0xC000010000000001, 0, 0, 0},
	{"rcx_bits_11_3_set__operand_invalid_rcx", 0, G | 8 | 1, 0, 0, 0, C_NONE, 0xC000010000000001, 0, 0,
	 0},
	{"rcx_bits_63_52_set__operand_invalid_rcx", 0, G | 1ULL << 52 | 1, 0, 0, 0, C_NONE,
	 0xC000010000000001, 0, 0, 0},
	{"shared_bit_47_set__operand_invalid_rcx", 0, G | 1ULL << 47 | 1, 0, 0, 0, C_NONE, 0xC000010000000001,
	 0, 0, 0},
	{"gpa_bit_48_without_gpaw__operand_invalid_rcx", 0, G | 1ULL << 48 | 1, 0, 0, 0, C_NONE,
	 0xC000010000000001, 0, 0, 0},
	{"sept_tree_held_exclusively__operand_busy_sept_tree", 0, G | 1, 0, 0, 0, C_TREE, 0x8000020000000092,
	 0, 0, 0},
	{"walk_stops_at_free_pml4_entry__ept_walk_failed_rcx_ext", 0, G_FREE | 1, 0, 0, 0, C_NONE,
	 0xC0000B0000000001, 0x8000000000000000, 0x3, 0},
	{"entry_locked__operand_busy_rcx_ext", 0, G | 1, 0, 0, 0, C_ENTRY, 0x8000020000000001,
	 0x8000000000000000, 0x1, 0},
	{"entry_maps_a_table__ept_entry_state_incorrect_rcx_ext", 0, G | 2, 0, 0, 0, C_NONE,
	 0xC0000B0D00000001, 0x7, 0x8402, 0},
	{"r8_none_in_version_0__operand_invalid_r8", 0, G | 1, 0, 1, 0, C_NONE, 0xC000010000000008, 0, 0, 0},
	{"r8_is_a_tdcs_page__page_metadata_incorrect_r8", 0, G | 1, 0, 3, 0, C_NONE, 0xC000030000000008, 0, 0,
	 0},
	{"r8_misaligned__operand_invalid_r8", 0, G | 1, 0, 4, 0, C_NONE, 0xC000010000000008, 0, 0, 0},
	{"r8_outside_tdmrs__addr_range_error_r8", 0, G | 1, 0, 5, 0, C_NONE, 0xC000010100000008, 0, 0, 0},
	{"r8_pamt_entry_held__operand_busy_r8", 0, G | 1, 0, 0, 0, C_R8, 0x8000020000000008, 0, 0, 0},
	{"v1_r8_none_entry_free__ept_entry_state_incorrect_rcx_ext", 1, G | 1, 0, 1, 0, C_NONE,
	 0xC0000B0D00000001, 0x8000000000000000, 0x1, 1},
	{"v1_r9_names_missing_l2_vm__operand_invalid_r9", 1, G | 1, 0, 2, 1, C_NONE, 0xC000010000000009, 0, 0,
	 0},
	{"v1_r11_names_missing_l2_vm__operand_invalid_r11", 1, G | 1, 0, 0, 3, C_NONE, 0xC00001000000000B, 0,
	 0, 0},
	{"allow_existing_v0__success_nothing_added", 0, G | 2, 1, 0, 0, C_NONE, 0, 0, 0, 0},
	{"allow_existing_v1__success_r8_bit_63_page_unused", 1, G | 2, 1, 0, 0, C_NONE, 0, 0, 0, 2},
	{"v1_r8_none_table_exists__success_nothing_added", 1, G | 2, 0, 1, 0, C_NONE, 0, 0, 0, 1},
};

static void sept_add_rules(void **state)
{
	struct world *w = *state;
	struct fx *fx = &w->fx;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *row = &rows[i];
		static const uint64_t rdx_of[] = {0, 1, 2, 1ULL << 52};
		tdxsim_regs_t r = {.rcx = row->rcx, .r9 = 0x1111, .r10 = 0x2222, .r11 = 0x3333};
		r.rdx = row->rdx <= 3	? w->td.tdr | rdx_of[row->rdx]
			: row->rdx == 4 ? w->page2
					: w->uninit.tdr;
		uint64_t r8_in[] = {w->page, NONE, w->page | BIT63, w->td.tdcs[0], w->page + 8, 1ULL << 40};
		r.r8 = r8_in[row->r8];
		if (row->version == 1) {
			r.r9 = row->l2 == 1 ? w->page2 : NONE;
			r.r10 = NONE;
			r.r11 = row->l2 == 3 ? w->page2 : NONE;
		}
		if (row->version == 2)
			r.r9 = 0x1234;
		switch (row->contend) {
		case C_TDR:
			tdxsim_contend(fx->sim, TDXSIM_RES_PAGE, w->td.tdr, 0, TDXSIM_LOCK_EXCLUSIVE, 1);
			break;
		case C_OP_STATE:
			tdxsim_contend(fx->sim, TDXSIM_RES_OP_STATE, w->td.tdr, 0, TDXSIM_LOCK_EXCLUSIVE, 1);
			break;
		case C_TREE:
			tdxsim_contend(fx->sim, TDXSIM_RES_SEPT_TREE, w->td.tdr, 0, TDXSIM_LOCK_EXCLUSIVE, 1);
			break;
		case C_ENTRY:
			tdxsim_contend(fx->sim, TDXSIM_RES_SEPT_ENTRY, w->td.tdr, row->rcx,
				       TDXSIM_LOCK_EXCLUSIVE, 1);
			break;
		case C_R8:
			tdxsim_contend(fx->sim, TDXSIM_RES_PAGE, w->page, 0, TDXSIM_LOCK_SHARED, 1);
			break;
		case C_NONE:
			break;
		}
		tdxsim_regs_t in = r;
		uint64_t before = tdxsim_state_hash(fx->sim);
		uint64_t st = tdfx_call(fx, 0, TDXSIM_TDH_MEM_SEPT_ADD | (uint64_t)row->version << 16, &r);
		if (st != row->status || r.rcx != row->rcx_out || r.rdx != row->rdx_out)
			print_error("rule %s: rcx %#llx rdx %#llx\n", row->rule, (unsigned long long)r.rcx,
				    (unsigned long long)r.rdx);
		assert_status(st, row->status);
		assert_int_equal(r.rcx, row->rcx_out);
		assert_int_equal(r.rdx, row->rdx_out);
		assert_int_equal(tdxsim_state_hash(fx->sim), before);
		if (row->version == 1) {
			uint64_t r8_out[] = {in.r8 & ~BIT63, NONE, in.r8 | BIT63};
			assert_int_equal(r.r8, r8_out[row->r8_out]);
			assert_int_equal(r.r9, in.r9 == NONE ? NONE : in.r9 & ~BIT63);
			assert_int_equal(r.r10, NONE);
			assert_int_equal(r.r11, in.r11);
		} else {
			/* Version 0 (and a rejected version) leaves R8-R11 alone. */
			assert_int_equal(r.r8, in.r8);
			assert_int_equal(r.r9, in.r9);
			assert_int_equal(r.r10, in.r10);
			assert_int_equal(r.r11, in.r11);
		}
		tdfx_assert_invariants(fx);
	}
}

/* Success: the page becomes the TD's PT_EPT page, a table of FREE entries private to the TD's
 * KeyID, and the parent entry NL_MAPPED (td-build.md 3.11 effects). */
static void sept_add__success__page_becomes_table(void **state)
{
	struct world *w = *state;
	struct fx *fx = &w->fx;
	tdxsim_td_info_t before = {.size = sizeof(before)}, after = {.size = sizeof(after)};
	tdxsim_td_query(fx->sim, w->td.tdr, &before);
	uint64_t page = tdfx_page(fx);
	tdxsim_regs_t r = {
		.rcx = G | 1, .rdx = w->td.tdr, .r8 = page | BIT63, .r9 = NONE, .r10 = NONE, .r11 = NONE};
	assert_status(tdfx_call(fx, 0, TDXSIM_TDH_MEM_SEPT_ADD | 1ULL << 16, &r), TDXSIM_TDX_SUCCESS);
	/* Version 1: the consumed page comes back as -1. */
	assert_int_equal(r.r8, NONE);
	assert_int_equal(r.rcx, 0);
	assert_int_equal(r.rdx, 0);
	tdxsim_pamt_info_t pi;
	assert_int_equal(tdxsim_pamt_query(fx->sim, page, &pi), TDXSIM_OK);
	assert_int_equal(pi.page_type, TDXSIM_PT_EPT);
	assert_int_equal(pi.owner, w->td.tdr);
	tdxsim_td_query(fx->sim, w->td.tdr, &after);
	assert_int_equal(after.chldcnt, before.chldcnt + 1);
	tdxsim_line_info_t li;
	tdxsim_mem_line_info(fx->sim, page + 4032, &li);
	assert_int_equal(li.owner_keyid, w->td.hkid);
	/* SEPT.RD: the parent is NL_MAPPED (RWX, no HPA shown), the new table's entries FREE. */
	tdxsim_regs_t rd = {.rcx = G | 1, .rdx = w->td.tdr};
	assert_status(tdfx_call(fx, 0, TDXSIM_TDH_MEM_SEPT_RD, &rd), TDXSIM_TDX_SUCCESS);
	assert_int_equal(rd.rcx, 0x7);
	assert_int_equal(rd.rdx, 0x8401);
	rd = (tdxsim_regs_t){.rcx = G + 0x5000, .rdx = w->td.tdr};
	assert_status(tdfx_call(fx, 0, TDXSIM_TDH_MEM_SEPT_RD, &rd), TDXSIM_TDX_SUCCESS);
	assert_int_equal(rd.rcx, 0x8000000000000000);
	assert_int_equal(rd.rdx, 0x0);
	/* The same call again: the table exists now. */
	r = (tdxsim_regs_t){.rcx = G | 1, .rdx = w->td.tdr, .r8 = tdfx_page(fx)};
	assert_status(tdfx_call(fx, 0, TDXSIM_TDH_MEM_SEPT_ADD, &r), 0xC0000B0D00000001);
	assert_int_equal(r.rdx, 0x8401);
	tdfx_assert_invariants(fx);
}

/* 5-level EPT: the root is a PML5 table, level 4 is accepted and the walk starts there. */
static void sept_add__five_level_ept__level_4_and_bit_48(void **state)
{
	struct fx fx;
	struct tdfx_td td;
	struct tdfx_params p = {.gpa52 = true};
	(void)state;
	fx_create(&fx, NULL, FX_INITIALIZED);
	tdfx_create_keyed_tdcs(&fx, &td);
	tdfx_init_with(&fx, &td, &p);
	/* GPAW: bit 48 is an ordinary GPA bit, bit 51 the shared bit. */
	uint64_t gpa = 1ULL << 48;
	tdxsim_regs_t r = {.rcx = tdfx_gpa_info(gpa, 1), .rdx = td.tdr, .r8 = tdfx_page(&fx)};
	assert_status(tdfx_call(&fx, 0, TDXSIM_TDH_MEM_SEPT_ADD, &r), 0xC0000B0000000001);
	assert_int_equal(r.rdx, 0x4); /* stopped at the FREE PML5 entry */
	assert_int_equal(tdfx_sept_add_path(&fx, &td, gpa, NULL), 4);
	r = (tdxsim_regs_t){.rcx = tdfx_gpa_info(1ULL << 51, 4), .rdx = td.tdr, .r8 = tdfx_page(&fx)};
	assert_status(tdfx_call(&fx, 0, TDXSIM_TDH_MEM_SEPT_ADD, &r), 0xC000010000000001);
	tdfx_assert_invariants(&fx);
	fx_destroy(&fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(sept_add_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(sept_add__success__page_becomes_table, setup, teardown),
		cmocka_unit_test(sept_add__five_level_ept__level_4_and_bit_48),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
