/* SPDX-License-Identifier: MIT */
/*
 * The private-page leaves KVM's zap path uses (td-runtime.md 1-2, 5; td-build.md 3.20):
 * TDH.MEM.PAGE.AUG, TDH.MEM.RANGE.BLOCK, TDH.MEM.TRACK, TDH.MEM.PAGE.REMOVE,
 * TDH.PHYMEM.PAGE.WBINVD and TDH.MEM.SEPT.RD. One row per check with its exact status and
 * RCX/RDX, the state hash unchanged on every failure (and on ALREADY_BLOCKED), one contention
 * row per lock each leaf takes. Values cross-checked with the module oracle (1.5.05).
 */
#include <stdlib.h>
#include <string.h>

#include "pamt/pamt.h"
#include "sim/sim.h"
#include "td_fixture.h"
#include "tdxsim/memory.h"
#include "tdxsim/snapshot.h"

#define GPA	 0x40000000ULL /* 1 GiB: PDPT, PD and PT exist */
#define GPA_NOPT 0x40200000ULL /* same PD, its PT missing */

struct world {
	struct fx fx;
	struct tdfx_td td, uninit;
	uint64_t pt;	 /* the PT page for GPA */
	uint64_t mapped; /* HPA added at GPA */
};

static int setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));
	uint8_t data[4096] = {7};
	uint64_t pages[4];
	fx_create(&w->fx, NULL, FX_INITIALIZED);
	tdfx_build_initialized(&w->fx, &w->td);
	tdfx_create_keyed_tdcs(&w->fx, &w->uninit);
	assert_int_equal(tdfx_sept_add_path(&w->fx, &w->td, GPA, pages), 3);
	w->pt = pages[2];
	w->mapped = tdfx_page_add(&w->fx, &w->td, GPA, data);
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

/* Contention set up before a row's call. */
enum contend { C_NONE, C_TDR_EX, C_OP_EX, C_TREE_EX, C_TREE_SH, C_ENTRY, C_PAGE_SH, C_PAGE_EX, C_EPOCH };

static void contend(struct world *w, enum contend c, uint64_t rcx, uint64_t page)
{
	tdxsim_t *sim = w->fx.sim;
	switch (c) {
	case C_NONE:
		break;
	case C_TDR_EX:
		tdxsim_contend(sim, TDXSIM_RES_PAGE, w->td.tdr, 0, TDXSIM_LOCK_EXCLUSIVE, 1);
		break;
	case C_OP_EX:
		tdxsim_contend(sim, TDXSIM_RES_OP_STATE, w->td.tdr, 0, TDXSIM_LOCK_EXCLUSIVE, 1);
		break;
	case C_TREE_EX:
		tdxsim_contend(sim, TDXSIM_RES_SEPT_TREE, w->td.tdr, 0, TDXSIM_LOCK_EXCLUSIVE, 1);
		break;
	case C_TREE_SH:
		tdxsim_contend(sim, TDXSIM_RES_SEPT_TREE, w->td.tdr, 0, TDXSIM_LOCK_SHARED, 1);
		break;
	case C_ENTRY:
		tdxsim_contend(sim, TDXSIM_RES_SEPT_ENTRY, w->td.tdr, rcx, TDXSIM_LOCK_EXCLUSIVE, 1);
		break;
	case C_PAGE_SH:
		tdxsim_contend(sim, TDXSIM_RES_PAGE, page, 0, TDXSIM_LOCK_SHARED, 1);
		break;
	case C_PAGE_EX:
		tdxsim_contend(sim, TDXSIM_RES_PAGE, page, 0, TDXSIM_LOCK_EXCLUSIVE, 1);
		break;
	case C_EPOCH:
		tdxsim_contend(sim, TDXSIM_RES_TD_EPOCH, w->td.tdr, 0, TDXSIM_LOCK_SHARED, 1);
		break;
	}
}

/* Symbolic operands resolved per world (bit 63 and 62 set: never a real operand here). */
#define SYM	 0xC000000000000000ULL
#define TDR	 (SYM | 1ULL) /* the TD's TDR */
#define UNINIT	 (SYM | 2ULL) /* the uninitialized TD's TDR */
#define FREEPAGE (SYM | 3ULL) /* a fresh free page */
#define MAPPED	 (SYM | 4ULL) /* the page mapped at GPA */
#define EXT_MAP	 (SYM | 5ULL) /* RCX ext of the MAPPED entry: 0x80000000000000F7 | HPA */
#define NOT_2M	 (SYM | 6ULL) /* 4 KiB into a 2 MiB frame (misaligned for a 2M AUG) */
#define TDR_L2	 (SYM | 7ULL) /* the TD's TDR | 1 (SEPT.RD: read L2 attributes) */

static uint64_t resolve(struct world *w, uint64_t v, uint64_t fresh)
{
	switch (v) {
	case TDR:
		return w->td.tdr;
	case UNINIT:
		return w->uninit.tdr;
	case FREEPAGE:
		return fresh;
	case MAPPED:
		return w->mapped;
	case EXT_MAP:
		return 0x80000000000000F7ULL | w->mapped;
	case TDR_L2:
		return w->td.tdr | 1;
	case NOT_2M:
		return (fresh & ~0x1FFFFFULL) + 0x1000;
	default:
		return v;
	}
}

struct row {
	const char *rule;
	uint64_t leaf;
	uint64_t rcx, rdx, r8;
	enum contend contend;
	uint64_t status, rcx_out, rdx_out;
};

static const struct row rows[] = {
	/* TDH.MEM.PAGE.AUG (td-runtime.md 2.1) */
	{"aug__rdx_not_a_tdr__page_metadata_incorrect_rdx", 6, GPA + 0x1000, FREEPAGE, FREEPAGE, C_NONE,
	 0xC000030000000002, 0, 0},
	{"aug__tdr_held_exclusively__operand_busy_rdx", 6, GPA + 0x1000, TDR, FREEPAGE, C_TDR_EX,
	 0x8000020000000002, 0, 0},
	{"aug__op_state_lock_held__operand_busy_op_state", 6, GPA + 0x1000, TDR, FREEPAGE, C_OP_EX,
	 0x80000200000000AC, 0, 0},
	{"aug__td_not_initialized__op_state_incorrect", 6, GPA + 0x1000, UNINIT, FREEPAGE, C_NONE,
	 0xC000060800000000, 0, 0},
	{"aug__level_2__operand_invalid_rcx", 6, 0x40000000ULL | 2, TDR, FREEPAGE, C_NONE, 0xC000010000000001,
	 0, 0},
	{"aug__shared_gpa__operand_invalid_rcx", 6, (GPA + 0x1000) | 1ULL << 47, TDR, FREEPAGE, C_NONE,
	 0xC000010000000001, 0, 0},
	{"aug__sept_tree_held_exclusively__operand_busy_sept_tree", 6, GPA + 0x1000, TDR, FREEPAGE, C_TREE_EX,
	 0x8000020000000092, 0, 0},
	{"aug__no_page_table__ept_walk_failed_rcx_ext", 6, GPA_NOPT, TDR, FREEPAGE, C_NONE,
	 0xC0000B0000000001, 0x8000000000000000, 0x1},
	{"aug__entry_locked__operand_busy_rcx_ext", 6, GPA + 0x1000, TDR, FREEPAGE, C_ENTRY,
	 0x8000020000000001, 0x8000000000000000, 0x0},
	{"aug__entry_mapped__ept_entry_state_incorrect_rcx_ext", 6, GPA, TDR, FREEPAGE, C_NONE,
	 0xC0000B0D00000001, EXT_MAP, 0x400},
	{"aug__page_misaligned__operand_invalid_r8", 6, GPA + 0x1000, TDR, 0x100800ULL, C_NONE,
	 0xC000010000000008, 0, 0},
	{"aug__page_outside_tdmrs__addr_range_error_r8", 6, GPA + 0x1000, TDR, 1ULL << 40, C_NONE,
	 0xC000010100000008, 0, 0},
	{"aug__page_held__operand_busy_r8", 6, GPA + 0x1000, TDR, FREEPAGE, C_PAGE_SH, 0x8000020000000008, 0,
	 0},
	{"aug__page_owned__page_metadata_incorrect_r8", 6, GPA + 0x1000, TDR, MAPPED, C_NONE,
	 0xC000030000000008, 0, 0},
	{"aug__2m_page_not_2m_aligned__operand_invalid_r8", 6, 0x40400000ULL | 1, TDR, NOT_2M, C_NONE,
	 0xC000010000000008, 0, 0},
	/* TDH.MEM.RANGE.BLOCK (2.2) */
	{"block__tdr_held_exclusively__operand_busy_rdx", 7, GPA, TDR, 0, C_TDR_EX, 0x8000020000000002, 0, 0},
	{"block__td_not_initialized__op_state_incorrect", 7, GPA, UNINIT, 0, C_NONE, 0xC000060800000000, 0,
	 0},
	{"block__op_state_lock_held__operand_busy_op_state", 7, GPA, TDR, 0, C_OP_EX, 0x80000200000000AC, 0,
	 0},
	{"block__level_above_pwl_minus_1__operand_invalid_rcx", 7, 0 | 4, TDR, 0, C_NONE, 0xC000010000000001,
	 0, 0},
	{"block__sept_tree_held_shared__operand_busy_sept_tree", 7, GPA, TDR, 0, C_TREE_SH,
	 0x8000020000000092, 0, 0},
	{"block__no_page_table__ept_walk_failed_rcx_ext", 7, GPA_NOPT, TDR, 0, C_NONE, 0xC0000B0000000001,
	 0x8000000000000000, 0x1},
	{"block__entry_locked__operand_busy_rcx_ext", 7, GPA, TDR, 0, C_ENTRY, 0x8000020000000001, EXT_MAP,
	 0x400},
	{"block__entry_free__ept_entry_state_incorrect_rcx_ext", 7, GPA + 0x1000, TDR, 0, C_NONE,
	 0xC0000B0D00000001, 0x8000000000000000, 0x0},
	/* TDH.MEM.TRACK (2.4): the TDR is in RCX */
	{"track__rcx_not_a_tdr__page_metadata_incorrect_rcx", 38, FREEPAGE, 0, 0, C_NONE, 0xC000030000000001,
	 FREEPAGE, 0},
	{"track__tdr_held_exclusively__operand_busy_rcx", 38, TDR, 0, 0, C_TDR_EX, 0x8000020000000001, TDR,
	 0},
	{"track__op_state_lock_held__operand_busy_op_state", 38, TDR, 0, 0, C_OP_EX, 0x80000200000000AC, TDR,
	 0},
	{"track__td_not_initialized__op_state_incorrect", 38, UNINIT, 0, 0, C_NONE, 0xC000060800000000,
	 UNINIT, 0},
	{"track__epoch_lock_held__operand_busy_td_epoch", 38, TDR, 0, 0, C_EPOCH, 0x80000200000000A9, TDR, 0},
	/* TDH.MEM.PAGE.REMOVE (2.5) */
	{"remove__tdr_held_exclusively__operand_busy_rdx", 29, GPA, TDR, 0, C_TDR_EX, 0x8000020000000002, 0,
	 0},
	{"remove__op_state_lock_held__operand_busy_op_state", 29, GPA, TDR, 0, C_OP_EX, 0x80000200000000AC, 0,
	 0},
	{"remove__td_not_initialized__op_state_incorrect", 29, GPA, UNINIT, 0, C_NONE, 0xC000060800000000, 0,
	 0},
	{"remove__level_3__operand_invalid_rcx", 29, 0 | 3, TDR, 0, C_NONE, 0xC000010000000001, 0, 0},
	{"remove__sept_tree_held_exclusively__operand_busy_sept_tree", 29, GPA, TDR, 0, C_TREE_EX,
	 0x8000020000000092, 0, 0},
	{"remove__no_page_table__ept_walk_failed_rcx_ext", 29, GPA_NOPT, TDR, 0, C_NONE, 0xC0000B0000000001,
	 0x8000000000000000, 0x1},
	{"remove__entry_locked__operand_busy_rcx_ext", 29, GPA, TDR, 0, C_ENTRY, 0x8000020000000001, EXT_MAP,
	 0x400},
	{"remove__entry_free__ept_entry_state_incorrect_rcx_ext", 29, GPA + 0x1000, TDR, 0, C_NONE,
	 0xC0000B0D00000001, 0x8000000000000000, 0x0},
	{"remove__non_leaf_entry__ept_entry_state_incorrect_rcx_ext", 29, GPA | 1, TDR, 0, C_NONE,
	 0xC0000B0D00000001, 0x7, 0x8401},
	{"remove__page_pamt_entry_held__operand_busy_rcx_no_ext", 29, GPA, TDR, MAPPED, C_PAGE_SH,
	 0x8000020000000001, 0, 0},
	/* TDH.MEM.SEPT.RD (2.7) */
	{"sept_rd__tdr_held_exclusively__operand_busy_rdx", 25, GPA, TDR, 0, C_TDR_EX, 0x8000020000000002, 0,
	 0},
	{"sept_rd__op_state_lock_held__operand_busy_op_state", 25, GPA, TDR, 0, C_OP_EX, 0x80000200000000AC,
	 0, 0},
	{"sept_rd__td_not_initialized__op_state_incorrect", 25, GPA, UNINIT, 0, C_NONE, 0xC000060800000000, 0,
	 0},
	{"sept_rd__l2_flag_on_non_debug_td__operand_invalid_rdx", 25, GPA, TDR_L2, 0, C_NONE,
	 0xC000010000000002, 0, 0},
	{"sept_rd__level_above_pwl_minus_1__operand_invalid_rcx", 25, 0 | 4, TDR, 0, C_NONE,
	 0xC000010000000001, 0, 0},
	{"sept_rd__sept_tree_held_exclusively__operand_busy_sept_tree", 25, GPA, TDR, 0, C_TREE_EX,
	 0x8000020000000092, 0, 0},
	{"sept_rd__no_page_table__ept_walk_failed_rcx_ext", 25, GPA_NOPT, TDR, 0, C_NONE, 0xC0000B0000000001,
	 0x8000000000000000, 0x1},
	{"sept_rd__entry_locked__operand_busy_rcx_ext", 25, GPA, TDR, 0, C_ENTRY, 0x8000020000000001, EXT_MAP,
	 0x400},
	/* TDH.PHYMEM.PAGE.WBINVD (td-build.md 3.20) */
	{"wbinvd__misaligned__operand_invalid_rcx", 41, 0x100800ULL, 0, 0, C_NONE, 0xC000010000000001,
	 0x100800, 0},
	{"wbinvd__outside_tdmrs__addr_range_error_rcx", 41, 1ULL << 40, 0, 0, C_NONE, 0xC000010100000001,
	 1ULL << 40, 0},
	{"wbinvd__page_held_exclusively__operand_busy_rcx", 41, FREEPAGE, 0, 0, C_PAGE_EX, 0x8000020000000001,
	 FREEPAGE, 0},
	{"wbinvd__page_still_owned__page_metadata_incorrect_rcx", 41, MAPPED, 0, 0, C_NONE,
	 0xC000030000000001, MAPPED, 0},
};

static void zap_leaf_rules(void **state)
{
	struct world *w = *state;
	struct fx *fx = &w->fx;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *row = &rows[i];
		uint64_t fresh = tdfx_page(fx);
		tdxsim_regs_t r = {.rcx = resolve(w, row->rcx, fresh),
				   .rdx = resolve(w, row->rdx, fresh),
				   .r8 = resolve(w, row->r8, fresh),
				   .r9 = 0x99};
		uint64_t page =
			row->leaf == 41 || row->leaf == 6 ? (row->leaf == 41 ? r.rcx : r.r8) : w->mapped;
		contend(w, row->contend, r.rcx, page);
		uint64_t rcx_out = resolve(w, row->rcx_out, fresh), rdx_out = row->rdx_out;
		tdxsim_regs_t in = r;
		uint64_t before = tdxsim_state_hash(fx->sim);
		uint64_t st = tdfx_call(fx, 0, row->leaf, &r);
		if (st != row->status || r.rcx != rcx_out || r.rdx != rdx_out)
			print_error("rule %s: status %#llx rcx %#llx rdx %#llx\n", row->rule,
				    (unsigned long long)st, (unsigned long long)r.rcx,
				    (unsigned long long)r.rdx);
		assert_status(st, row->status);
		assert_int_equal(r.rcx, rcx_out);
		assert_int_equal(r.rdx, rdx_out);
		assert_int_equal(r.r8, in.r8);
		assert_int_equal(r.r9, in.r9);
		assert_int_equal(tdxsim_state_hash(fx->sim), before);
		tdxsim_clear_contention(fx->sim);
		tdfx_assert_invariants(fx);
	}
}

/* AUG at 4K: a PENDING leaf, the page the TD's (PT_REG, BEPOCH 0), its bytes untouched. */
static void aug__4k__pending_page_untouched(void **state)
{
	struct world *w = *state;
	struct fx *fx = &w->fx;
	uint8_t data[64] = {0xAB}, back[64];
	uint64_t page = tdfx_page(fx), c0 = tdfx_chldcnt(fx, &w->td), rcx, rdx;
	assert_int_equal(tdxsim_mem_write(fx->sim, 0, page, data, sizeof(data)), TDXSIM_OK);
	tdxsim_regs_t r = {.rcx = GPA + 0x1000, .rdx = w->td.tdr, .r8 = page};
	assert_status(tdfx_call(fx, 0, TDXSIM_TDH_MEM_PAGE_AUG, &r), TDXSIM_TDX_SUCCESS);
	assert_int_equal(r.rcx, 0);
	assert_int_equal(r.rdx, 0);
	tdfx_sept_rd(fx, &w->td, GPA + 0x1000, &rcx, &rdx);
	assert_int_equal(rcx, 0x80000000000000F0ULL | page);
	assert_int_equal(rdx, 0x200);
	assert_int_equal(tdfx_chldcnt(fx, &w->td), c0 + 1);
	tdxsim_pamt_info_t pi;
	tdxsim_pamt_query(fx->sim, page, &pi);
	assert_int_equal(pi.page_type, TDXSIM_PT_REG);
	assert_int_equal(pi.owner, w->td.tdr);
	assert_int_equal(tdxsim_mem_read(fx->sim, 0, page, back, sizeof(back)), TDXSIM_OK);
	assert_memory_equal(back, data, sizeof(data));
	tdfx_assert_invariants(fx);
}

/* AUG at 2M needs the whole 2 MiB free; then one PENDING level-1 leaf counting 512 pages. */
static void aug__2m__whole_range_free(void **state)
{
	struct world *w = *state;
	struct fx *fx = &w->fx;
	uint64_t base = 0, rcx, rdx;
	assert_int_equal(tdxsim_phys_alloc(fx->sim, 2 << 20, 2 << 20, UINT32_MAX, &base), TDXSIM_OK);
	uint64_t c0 = tdfx_chldcnt(fx, &w->td);
	/* One 4K page inside it taken by the TD first: PAGE_METADATA_INCORRECT|R8. */
	tdxsim_regs_t r = {.rcx = GPA + 0x2000, .rdx = w->td.tdr, .r8 = base + 0x5000};
	assert_status(tdfx_call(fx, 0, TDXSIM_TDH_MEM_PAGE_AUG, &r), TDXSIM_TDX_SUCCESS);
	r = (tdxsim_regs_t){.rcx = 0x40400000ULL | 1, .rdx = w->td.tdr, .r8 = base};
	uint64_t before = tdxsim_state_hash(fx->sim);
	assert_status(tdfx_call(fx, 0, TDXSIM_TDH_MEM_PAGE_AUG, &r), 0xC000030000000008);
	assert_int_equal(tdxsim_state_hash(fx->sim), before);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MEM_PAGE_REMOVE, GPA + 0x2000, w->td.tdr, 0, NULL),
		      TDXSIM_TDX_SUCCESS);
	/* The failed call zeroed RCX/RDX: the same operands again. */
	r = (tdxsim_regs_t){.rcx = 0x40400000ULL | 1, .rdx = w->td.tdr, .r8 = base};
	assert_status(tdfx_call(fx, 0, TDXSIM_TDH_MEM_PAGE_AUG, &r), TDXSIM_TDX_SUCCESS);
	tdfx_sept_rd(fx, &w->td, 0x40400000ULL | 1, &rcx, &rdx);
	assert_int_equal(rcx, 0x80000000000000F0ULL | base);
	assert_int_equal(rdx, 0x201);
	assert_int_equal(tdfx_chldcnt(fx, &w->td), c0 + 512);
	/* Removed again as one 2M leaf: RCX = its HPA, 512 pages off the count. */
	tdxsim_regs_t rm = {.rcx = 0x40400000ULL | 1, .rdx = w->td.tdr};
	assert_status(tdfx_call(fx, 0, TDXSIM_TDH_MEM_PAGE_REMOVE, &rm), TDXSIM_TDX_SUCCESS);
	assert_int_equal(rm.rcx, base);
	assert_int_equal(tdfx_chldcnt(fx, &w->td), c0);
	tdfx_assert_invariants(fx);
}

/* BLOCK: MAPPED -> BLOCKED with BEPOCH = TD_EPOCH; a second BLOCK is the non-error
 * ALREADY_BLOCKED status with ext and no change; non-leaf and pending entries block too. */
static void block__states__bepoch_and_already_blocked(void **state)
{
	struct world *w = *state;
	struct fx *fx = &w->fx;
	uint64_t rcx, rdx;
	tdxsim_td_info_t info = {.size = sizeof(info)};
	tdxsim_td_query(fx->sim, w->td.tdr, &info);
	tdxsim_regs_t r = {.rcx = GPA, .rdx = w->td.tdr};
	assert_status(tdfx_call(fx, 0, TDXSIM_TDH_MEM_RANGE_BLOCK, &r), TDXSIM_TDX_SUCCESS);
	tdfx_sept_rd(fx, &w->td, GPA, &rcx, &rdx);
	assert_int_equal(rcx, 0x80000000000000F0ULL | w->mapped);
	assert_int_equal(rdx, 0x100);
	tdxsim_regs_t md = {.rcx = w->mapped};
	assert_status(tdfx_call(fx, 0, TDXSIM_TDH_PHYMEM_PAGE_RDMD, &md), TDXSIM_TDX_SUCCESS);
	assert_int_equal(md.r9, info.td_epoch);
	uint64_t before = tdxsim_state_hash(fx->sim);
	r = (tdxsim_regs_t){.rcx = GPA, .rdx = w->td.tdr};
	assert_status(tdfx_call(fx, 0, TDXSIM_TDH_MEM_RANGE_BLOCK, &r), 0x00000B0700000001);
	assert_int_equal(r.rcx, 0x80000000000000F0ULL | w->mapped);
	assert_int_equal(r.rdx, 0x100);
	assert_int_equal(tdxsim_state_hash(fx->sim), before);
	/* A PENDING page -> PENDING_BLOCKED. */
	uint64_t page = tdfx_page(fx);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MEM_PAGE_AUG, GPA + 0x3000, w->td.tdr, page, NULL),
		      TDXSIM_TDX_SUCCESS);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MEM_RANGE_BLOCK, GPA + 0x3000, w->td.tdr, 0, NULL),
		      TDXSIM_TDX_SUCCESS);
	tdfx_sept_rd(fx, &w->td, GPA + 0x3000, &rcx, &rdx);
	assert_int_equal(rdx, 0x300);
	/* The PD entry pointing at the PT -> NL_BLOCKED; BEPOCH goes to the PT page. */
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MEM_RANGE_BLOCK, GPA | 1, w->td.tdr, 0, NULL),
		      TDXSIM_TDX_SUCCESS);
	tdfx_sept_rd(fx, &w->td, GPA | 1, &rcx, &rdx);
	assert_int_equal(rcx, 0);
	assert_int_equal(rdx, 0x8101);
	md = (tdxsim_regs_t){.rcx = w->pt};
	assert_status(tdfx_call(fx, 0, TDXSIM_TDH_PHYMEM_PAGE_RDMD, &md), TDXSIM_TDX_SUCCESS);
	assert_int_equal(md.r9, info.td_epoch);
	/* Below a blocked non-leaf the walk stops: the 4K entry is out of reach. */
	r = (tdxsim_regs_t){.rcx = GPA, .rdx = w->td.tdr};
	assert_status(tdfx_call(fx, 0, TDXSIM_TDH_MEM_SEPT_RD, &r), 0xC0000B0000000001);
	assert_int_equal(r.rdx, 0x8101);
	tdfx_assert_invariants(fx);
}

/* TRACK moves the TD's epoch on by one per call (no vCPU ever entered, so REFCOUNT is 0). */
static void track__epoch_increments(void **state)
{
	struct world *w = *state;
	struct fx *fx = &w->fx;
	tdxsim_td_info_t a = {.size = sizeof(a)}, b = {.size = sizeof(b)};
	tdxsim_td_query(fx->sim, w->td.tdr, &a);
	assert_int_equal(a.td_epoch, 1); /* MNG.INIT's value */
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MEM_TRACK, w->td.tdr, 0, 0, NULL), TDXSIM_TDX_SUCCESS);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MEM_TRACK, w->td.tdr, 0, 0, NULL), TDXSIM_TDX_SUCCESS);
	tdxsim_td_query(fx->sim, w->td.tdr, &b);
	assert_int_equal(b.td_epoch, 3);
}

/* KVM's zap order before MR.FINALIZE (no tracking required yet): BLOCK, TRACK, REMOVE, then
 * WBINVD through the TD's KeyID; the page is PT_NDA again and the entry FREE. */
static void zap__block_track_remove_wbinvd__page_back_to_host(void **state)
{
	struct world *w = *state;
	struct fx *fx = &w->fx;
	uint64_t rcx, rdx, c0 = tdfx_chldcnt(fx, &w->td);
	uint64_t keyed = w->mapped | (uint64_t)w->td.hkid << tdxsim_keyid_shift(fx->sim);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MEM_RANGE_BLOCK, GPA, w->td.tdr, 0, NULL),
		      TDXSIM_TDX_SUCCESS);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MEM_TRACK, w->td.tdr, 0, 0, NULL), TDXSIM_TDX_SUCCESS);
	/* Still owned: WBINVD refuses it. */
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_PHYMEM_PAGE_WBINVD, keyed, 0, 0, NULL),
		      0xC000030000000001);
	tdxsim_regs_t r = {.rcx = GPA, .rdx = w->td.tdr};
	assert_status(tdfx_call(fx, 0, TDXSIM_TDH_MEM_PAGE_REMOVE, &r), TDXSIM_TDX_SUCCESS);
	assert_int_equal(r.rcx, w->mapped);
	assert_int_equal(r.rdx, 0);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_PHYMEM_PAGE_WBINVD, keyed, 0, 0, NULL),
		      TDXSIM_TDX_SUCCESS);
	tdfx_sept_rd(fx, &w->td, GPA, &rcx, &rdx);
	assert_int_equal(rcx, 0x8000000000000000);
	assert_int_equal(rdx, 0);
	tdxsim_pamt_info_t pi;
	tdxsim_pamt_query(fx->sim, w->mapped, &pi);
	assert_int_equal(pi.page_type, TDXSIM_PT_NDA);
	assert_int_equal(tdfx_chldcnt(fx, &w->td), c0 - 1);
	/* Before MR.FINALIZE an unblocked page may be removed too (td-runtime.md 2 "tracking"). */
	uint64_t page = tdfx_page(fx);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MEM_PAGE_AUG, GPA + 0x4000, w->td.tdr, page, NULL),
		      TDXSIM_TDX_SUCCESS);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MEM_PAGE_REMOVE, GPA + 0x4000, w->td.tdr, 0, NULL),
		      TDXSIM_TDX_SUCCESS);
	tdfx_assert_invariants(fx);
}

/*
 * After MR.FINALIZE (RUNNABLE) the zap order is enforced: REMOVE of a mapped page without
 * BLOCK is GPA_RANGE_NOT_BLOCKED|RCX with the entry's ext, after BLOCK but before TRACK
 * TLB_TRACKING_NOT_DONE|RCX with RCX/RDX zero, after TRACK success; build leaves are refused.
 * Values pinned with the module oracle (td-build.txt, then these calls).
 */
static void zap__runnable__block_then_track_then_remove(void **state)
{
	struct world *w = *state;
	struct fx *fx = &w->fx;
	struct tdfx_vcpu vp;
	tdxsim_regs_t r;
	tdfx_vp_build(fx, &w->td, &vp, 0);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MR_FINALIZE, w->td.tdr, 0, 0, NULL), TDXSIM_TDX_SUCCESS);
	tdxsim_td_info_t info = {.size = sizeof(info)};
	tdxsim_td_query(fx->sim, w->td.tdr, &info);
	assert_int_equal(info.op_state, 2);
	/* The MRTD reads back through TDH.MNG.RD (class 0x13, 6 elements) as the query reports it. */
	for (unsigned i = 0; i < 6; i++) {
		uint64_t q;
		r = (tdxsim_regs_t){.rcx = w->td.tdr, .rdx = UINT64_C(0x1310000300000000) + i};
		assert_status(tdfx_call(fx, 0, TDXSIM_TDH_MNG_RD, &r), TDXSIM_TDX_SUCCESS);
		memcpy(&q, info.mrtd + 8 * i, 8);
		assert_int_equal(r.r8, q);
	}
	r = (tdxsim_regs_t){.rcx = GPA, .rdx = w->td.tdr};
	assert_status(tdfx_call(fx, 0, TDXSIM_TDH_MEM_PAGE_REMOVE, &r), 0xC0000B0600000001);
	assert_int_equal(r.rcx, 0x80000000000000F7 | w->mapped);
	assert_int_equal(r.rdx, 0x400);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MEM_RANGE_BLOCK, GPA, w->td.tdr, 0, NULL),
		      TDXSIM_TDX_SUCCESS);
	uint64_t h = tdxsim_state_hash(fx->sim);
	r = (tdxsim_regs_t){.rcx = GPA, .rdx = w->td.tdr};
	assert_status(tdfx_call(fx, 0, TDXSIM_TDH_MEM_PAGE_REMOVE, &r), 0xC0000B0800000001);
	assert_int_equal(r.rcx | r.rdx, 0);
	assert_int_equal(tdxsim_state_hash(fx->sim), h);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MEM_TRACK, w->td.tdr, 0, 0, NULL), TDXSIM_TDX_SUCCESS);
	r = (tdxsim_regs_t){.rcx = GPA, .rdx = w->td.tdr};
	assert_status(tdfx_call(fx, 0, TDXSIM_TDH_MEM_PAGE_REMOVE, &r), TDXSIM_TDX_SUCCESS);
	assert_int_equal(r.rcx, w->mapped);
	/* Building is over. */
	r = (tdxsim_regs_t){.rcx = GPA, .rdx = w->td.tdr, .r8 = tdfx_page(fx), .r9 = tdfx_page(fx)};
	assert_status(tdfx_call(fx, 0, TDXSIM_TDH_MEM_PAGE_ADD, &r), TDXSIM_TDX_OP_STATE_INCORRECT);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MR_FINALIZE, w->td.tdr, 0, 0, NULL),
		      TDXSIM_TDX_OP_STATE_INCORRECT);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_VP_CREATE, tdfx_page(fx), w->td.tdr, 0, NULL),
		      TDXSIM_TDX_OP_STATE_INCORRECT);
	tdfx_assert_invariants(fx);
}

/* The invariant checker ties leaves and tables to the PAMT: a mapped page whose PAMT entry
 * says something else (here: retyped behind the module's back) is reported. */
static void invariant__leaf_page_not_pt_reg__reported(void **state)
{
	struct world *w = *state;
	struct tdxsim *sim = (struct tdxsim *)w->fx.sim;
	char msg[256] = "";
	assert_int_equal(tdxsim_check_invariants(w->fx.sim, msg, sizeof(msg)), TDXSIM_OK);
	assert_int_equal(tdxsim_pamt_release(sim->pamt, w->mapped, TDXSIM_PS_4K), TDXSIM_PAMT_OK);
	assert_int_equal(tdxsim_pamt_assign(sim->pamt, w->mapped, TDXSIM_PS_4K, TDXSIM_PT_EPT, w->td.tdr),
			 TDXSIM_PAMT_OK);
	assert_int_not_equal(tdxsim_check_invariants(w->fx.sim, msg, sizeof(msg)), TDXSIM_OK);
	assert_non_null(strstr(msg, "maps no PT_REG page"));
	/* And a table page that is not PT_EPT. */
	assert_int_equal(tdxsim_pamt_release(sim->pamt, w->mapped, TDXSIM_PS_4K), TDXSIM_PAMT_OK);
	assert_int_equal(tdxsim_pamt_assign(sim->pamt, w->mapped, TDXSIM_PS_4K, TDXSIM_PT_REG, w->td.tdr),
			 TDXSIM_PAMT_OK);
	assert_int_equal(tdxsim_check_invariants(w->fx.sim, msg, sizeof(msg)), TDXSIM_OK);
	assert_int_equal(tdxsim_pamt_release(sim->pamt, w->pt, TDXSIM_PS_4K), TDXSIM_PAMT_OK);
	assert_int_equal(tdxsim_pamt_assign(sim->pamt, w->pt, TDXSIM_PS_4K, TDXSIM_PT_REG, w->td.tdr),
			 TDXSIM_PAMT_OK);
	assert_int_not_equal(tdxsim_check_invariants(w->fx.sim, msg, sizeof(msg)), TDXSIM_OK);
	assert_non_null(strstr(msg, "is not its PT_EPT page"));
	/* Put it back so the world tears down cleanly. */
	tdxsim_pamt_release(sim->pamt, w->pt, TDXSIM_PS_4K);
	tdxsim_pamt_assign(sim->pamt, w->pt, TDXSIM_PS_4K, TDXSIM_PT_EPT, w->td.tdr);
}

/* A snapshot carries the BEPOCH column: blocked state comes back after a restore, and the
 * snapshot owns its own copy (freeing both must not double-free). */
static void snapshot__bepoch_restored(void **state)
{
	struct world *w = *state;
	struct fx *fx = &w->fx;
	tdxsim_snapshot_t *snap = NULL;
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MEM_RANGE_BLOCK, GPA, w->td.tdr, 0, NULL),
		      TDXSIM_TDX_SUCCESS);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MEM_TRACK, w->td.tdr, 0, 0, NULL), TDXSIM_TDX_SUCCESS);
	assert_int_equal(tdxsim_snapshot_take(fx->sim, &snap), TDXSIM_OK);
	uint64_t hash = tdxsim_state_hash(fx->sim);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MEM_PAGE_REMOVE, GPA, w->td.tdr, 0, NULL),
		      TDXSIM_TDX_SUCCESS);
	assert_int_equal(tdxsim_snapshot_restore(fx->sim, snap), TDXSIM_OK);
	assert_int_equal(tdxsim_state_hash(fx->sim), hash);
	tdxsim_regs_t md = {.rcx = w->mapped};
	assert_status(tdfx_call(fx, 0, TDXSIM_TDH_PHYMEM_PAGE_RDMD, &md), TDXSIM_TDX_SUCCESS);
	assert_int_equal(md.rcx, TDXSIM_PT_REG);
	assert_int_equal(md.r9, 1);
	tdxsim_snapshot_free(snap);
	tdfx_assert_invariants(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(zap_leaf_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(aug__4k__pending_page_untouched, setup, teardown),
		cmocka_unit_test_setup_teardown(aug__2m__whole_range_free, setup, teardown),
		cmocka_unit_test_setup_teardown(block__states__bepoch_and_already_blocked, setup, teardown),
		cmocka_unit_test_setup_teardown(track__epoch_increments, setup, teardown),
		cmocka_unit_test_setup_teardown(zap__block_track_remove_wbinvd__page_back_to_host, setup,
						teardown),
		cmocka_unit_test_setup_teardown(invariant__leaf_page_not_pt_reg__reported, setup, teardown),
		cmocka_unit_test_setup_teardown(snapshot__bepoch_restored, setup, teardown),
		cmocka_unit_test_setup_teardown(zap__runnable__block_then_track_then_remove, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
