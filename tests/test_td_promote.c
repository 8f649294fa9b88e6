/* SPDX-License-Identifier: MIT */
/*
 * TDH.MEM.PAGE.PROMOTE (td-runtime.md 2.8, 6.1): one row per check in the module's order with
 * its exact status and RCX/RDX (one contention row per lock, "PROMOTE with a hole" and the
 * other merge conditions), the state hash unchanged on every failure; then merges at 2M and
 * 1G with the PAMT following, and DEMOTE of what PROMOTE built (MAPPED and 1G leaves, which
 * only PROMOTE makes). Statuses and outputs cross-checked with the module oracle (1.5.05).
 */
#include <stdlib.h>
#include <string.h>

#include "td_fixture.h"
#include "tdxsim/memory.h"

#define G_PRIV		UINT64_C(0x10000)    /* PAGE.ADDed: PDPT, PD and PT exist */
#define G_FULL		UINT64_C(0x200000)   /* 512 PENDING 4K, contiguous: promotable */
#define G_HOLE		UINT64_C(0x400000)   /* 511 of them: the last entry FREE */
#define G_MISAL		UINT64_C(0x600000)   /* 512 contiguous from a 2M boundary + 4K */
#define G_SWAP		UINT64_C(0x800000)   /* children 1 and 2 swapped */
#define G_KIDBLK	UINT64_C(0xA00000)   /* child 5 BLOCKED */
#define G_KID0BLK	UINT64_C(0xC00000)   /* child 0 BLOCKED */
#define G_OPEN		UINT64_C(0xE00000)   /* promotable children, parent not blocked */
#define G_NOTRK		UINT64_C(0x1000000)  /* parent blocked after the last TRACK */
#define G_LEAF		UINT64_C(0x1200000)  /* a 2M PENDING leaf */
#define G_FREE		UINT64_C(0x1400000)  /* a FREE PD entry */
#define G_FAR		UINT64_C(0x40000000) /* its PDPT entry is FREE */
#define SHARED		(UINT64_C(1) << 47)
#define PENDING_4K(hpa) (0x80000000000000F0ULL | (hpa))

struct world {
	struct fx fx;
	struct tdfx_td td, uninit;
	struct tdfx_vcpu vp;
	uint64_t full, leaf;	   /* 2M pages: children of G_FULL, the leaf at G_LEAF */
	uint64_t pt_full, pt_open; /* the S-EPT pages under G_FULL and G_OPEN */
};

static uint64_t alloc(struct fx *fx, uint64_t size)
{
	uint64_t pa;
	assert_int_equal(tdxsim_phys_alloc(fx->sim, size, size, UINT32_MAX, &pa), TDXSIM_OK);
	return pa;
}

static void call_ok(struct fx *fx, uint64_t leaf, uint64_t rcx, uint64_t rdx, uint64_t r8)
{
	tdxsim_regs_t r = {.rcx = rcx, .rdx = rdx, .r8 = r8};
	assert_status(tdfx_call(fx, 0, leaf, &r), TDXSIM_TDX_SUCCESS);
}

/* A PT under the PD entry of @gpa and 4K AUGs of @hpa[i] for the children in [0, n). */
static uint64_t children(struct world *w, uint64_t gpa, const uint64_t *hpa, unsigned n)
{
	uint64_t pt = tdfx_page(&w->fx);
	call_ok(&w->fx, TDXSIM_TDH_MEM_SEPT_ADD, gpa | 1, w->td.tdr, pt);
	for (unsigned i = 0; i < n; i++)
		call_ok(&w->fx, TDXSIM_TDH_MEM_PAGE_AUG, gpa + i * 0x1000ULL, w->td.tdr, hpa[i]);
	return pt;
}

/* 512 contiguous 4K pages from @base. */
static uint64_t contiguous(struct world *w, uint64_t gpa, uint64_t base, unsigned n)
{
	uint64_t hpa[512];
	for (unsigned i = 0; i < 512; i++)
		hpa[i] = base + i * 0x1000ULL;
	return children(w, gpa, hpa, n);
}

static void block(struct world *w, uint64_t info)
{
	call_ok(&w->fx, TDXSIM_TDH_MEM_RANGE_BLOCK, info, w->td.tdr, 0);
}

/* A RUNNABLE TD (KVM's build, one vCPU) with the PD entries above. */
static int setup(void **state)
{
	static uint8_t zero[4096];
	struct world *w = calloc(1, sizeof(*w));
	struct fx *fx = &w->fx;
	uint64_t hpa[512];
	fx_create(fx, NULL, FX_INITIALIZED);
	tdfx_build_initialized(fx, &w->td);
	tdfx_create_keyed_tdcs(fx, &w->uninit);
	tdfx_vp_build(fx, &w->td, &w->vp, 0);
	tdfx_sept_add_path(fx, &w->td, G_PRIV, NULL);
	tdfx_page_add(fx, &w->td, G_PRIV, zero);
	call_ok(fx, TDXSIM_TDH_MR_FINALIZE, w->td.tdr, 0, 0);

	w->full = alloc(fx, 2 << 20);
	w->pt_full = contiguous(w, G_FULL, w->full, 512);
	contiguous(w, G_HOLE, alloc(fx, 2 << 20), 511);
	contiguous(w, G_MISAL, alloc(fx, 4 << 20) + 0x1000, 512);
	uint64_t swap = alloc(fx, 2 << 20);
	for (unsigned i = 0; i < 512; i++)
		hpa[i] = swap + i * 0x1000ULL;
	hpa[1] = swap + 0x2000;
	hpa[2] = swap + 0x1000;
	children(w, G_SWAP, hpa, 512);
	contiguous(w, G_KIDBLK, alloc(fx, 2 << 20), 512);
	block(w, G_KIDBLK + 5 * 0x1000);
	contiguous(w, G_KID0BLK, alloc(fx, 2 << 20), 512);
	block(w, G_KID0BLK);
	w->pt_open = contiguous(w, G_OPEN, alloc(fx, 2 << 20), 512);
	contiguous(w, G_NOTRK, alloc(fx, 2 << 20), 512);
	w->leaf = alloc(fx, 2 << 20);
	call_ok(fx, TDXSIM_TDH_MEM_PAGE_AUG, G_LEAF | 1, w->td.tdr, w->leaf);
	uint64_t blocked[] = {G_FULL, G_HOLE, G_MISAL, G_SWAP, G_KIDBLK, G_KID0BLK};
	for (unsigned i = 0; i < sizeof(blocked) / sizeof(blocked[0]); i++)
		block(w, blocked[i] | 1);
	call_ok(fx, TDXSIM_TDH_MEM_TRACK, w->td.tdr, 0, 0);
	block(w, G_NOTRK | 1);
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

enum contend { C_NONE, C_TDR_EX, C_OP_EX, C_TREE_EX, C_ENTRY, C_CHILD, C_PT_SH, C_MERGED_SH, C_INTR };

#define SYM	 0xC000000000000000ULL
#define TDR	 (SYM | 1ULL) /* the TD's TDR */
#define UNINIT	 (SYM | 2ULL) /* a TD before MNG.INIT */
#define FREEPAGE (SYM | 3ULL) /* a fresh free 4K page */
#define EXT_LEAF (SYM | 4ULL) /* RCX ext of the PENDING 2M leaf at G_LEAF */
#define IN_RCX	 (SYM | 5ULL) /* the row's input RCX */
#define NONE	 (~0ULL)      /* R9-R11 as version 1 leaves them: -1 */

struct row {
	const char *rule;
	unsigned version;
	uint64_t rcx, rdx;
	enum contend contend;
	uint64_t status, rcx_out, rdx_out;
};

static const struct row rows[] = {
	{"promote__version_2__operand_invalid_rax", 2, G_FULL | 1, TDR, C_NONE, 0xC000010000000000, 0, 0},
	{"promote__rdx_not_a_tdr__page_metadata_incorrect_rdx", 0, G_FULL | 1, FREEPAGE, C_NONE,
	 0xC000030000000002, 0, 0},
	{"promote__tdr_held_exclusively__operand_busy_rdx", 0, G_FULL | 1, TDR, C_TDR_EX, 0x8000020000000002,
	 0, 0},
	{"promote__op_state_lock_held__operand_busy_op_state", 0, G_FULL | 1, TDR, C_OP_EX,
	 0x80000200000000AC, 0, 0},
	{"promote__td_not_initialized__op_state_incorrect", 0, G_FULL | 1, UNINIT, C_NONE, 0xC000060800000000,
	 0, 0},
	{"promote__level_0__operand_invalid_rcx", 0, G_FULL, TDR, C_NONE, 0xC000010000000001, 0, 0},
	{"promote__level_3__operand_invalid_rcx", 1, 0 | 3, TDR, C_NONE, 0xC000010000000001, 0, 0},
	{"promote__shared_gpa__operand_invalid_rcx", 0, (G_FULL | SHARED) | 1, TDR, C_NONE,
	 0xC000010000000001, 0, 0},
	{"promote__sept_tree_held_exclusively__operand_busy_sept_tree", 0, G_FULL | 1, TDR, C_TREE_EX,
	 0x8000020000000092, 0, 0},
	{"promote__walk_stops_at_free_pdpt_entry__ept_walk_failed_rcx_ext", 0, G_FAR | 1, TDR, C_NONE,
	 0xC0000B0000000001, 0x8000000000000000, 0x2},
	{"promote__parent_locked__operand_busy_rcx_ext", 0, G_FULL | 1, TDR, C_ENTRY, 0x8000020000000001, 0,
	 0x8101},
	{"promote__parent_is_a_leaf__ept_entry_state_incorrect_rcx_ext", 0, G_LEAF | 1, TDR, C_NONE,
	 0xC0000B0D00000001, EXT_LEAF, 0x201},
	{"promote__parent_free__ept_entry_state_incorrect_rcx_ext", 1, G_FREE | 1, TDR, C_NONE,
	 0xC0000B0D00000001, 0x8000000000000000, 0x1},
	{"promote__sept_page_pamt_entry_held__operand_busy_rcx", 0, G_FULL | 1, TDR, C_PT_SH,
	 0x8000020000000001, 0, 0},
	{"promote__parent_not_blocked_while_runnable__gpa_range_not_blocked_rcx_ext", 1, G_OPEN | 1, TDR,
	 C_NONE, 0xC0000B0600000001, 0x7, 0x8401},
	{"promote__blocked_not_tracked__tlb_tracking_not_done_rcx", 0, G_NOTRK | 1, TDR, C_NONE,
	 0xC0000B0800000001, 0, 0},
	{"promote__child_locked__operand_busy_rcx_parent_ext", 0, G_FULL | 1, TDR, C_CHILD,
	 0x8000020000000001, 0, 0x8101},
	{"promote__hole__invalid_promote_conditions_rcx_parent_ext", 0, G_HOLE | 1, TDR, C_NONE,
	 0xC0000B0900000001, 0, 0x8101},
	{"promote__child0_hpa_not_2m_aligned__invalid_promote_conditions_rcx_parent_ext", 0, G_MISAL | 1, TDR,
	 C_NONE, 0xC0000B0900000001, 0, 0x8101},
	{"promote__children_not_contiguous__invalid_promote_conditions_rcx_parent_ext", 0, G_SWAP | 1, TDR,
	 C_NONE, 0xC0000B0900000001, 0, 0x8101},
	{"promote__child_in_another_state__invalid_promote_conditions_rcx_parent_ext", 0, G_KIDBLK | 1, TDR,
	 C_NONE, 0xC0000B0900000001, 0, 0x8101},
	{"promote__child0_blocked__invalid_promote_conditions_rcx_parent_ext", 1, G_KID0BLK | 1, TDR, C_NONE,
	 0xC0000B0900000001, 0, 0x8101},
	{"promote__merged_pamt_entry_held__operand_busy_rcx", 0, G_FULL | 1, TDR, C_MERGED_SH,
	 0x8000020000000001, 0, 0},
	{"promote__host_interrupt_pending__interrupted_restartable_inputs_back", 1, G_FULL | 1, TDR, C_INTR,
	 0x8000000400000000, IN_RCX, TDR},
};

static uint64_t resolve(struct world *w, uint64_t v, uint64_t fresh, uint64_t in_rcx)
{
	switch (v) {
	case TDR:
		return w->td.tdr;
	case UNINIT:
		return w->uninit.tdr;
	case FREEPAGE:
		return fresh;
	case EXT_LEAF:
		return PENDING_4K(w->leaf);
	case IN_RCX:
		return in_rcx;
	default:
		return v;
	}
}

static void contend(struct world *w, enum contend c, uint64_t rcx)
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
	case C_ENTRY:
		tdxsim_contend(sim, TDXSIM_RES_SEPT_ENTRY, w->td.tdr, rcx, TDXSIM_LOCK_EXCLUSIVE, 1);
		break;
	case C_CHILD:
		/* Child 7, named by its own page info (GPA | level 0). */
		tdxsim_contend(sim, TDXSIM_RES_SEPT_ENTRY, w->td.tdr, G_FULL + 7 * 0x1000,
			       TDXSIM_LOCK_EXCLUSIVE, 1);
		break;
	case C_PT_SH:
		tdxsim_contend(sim, TDXSIM_RES_PAGE, w->pt_full, 0, TDXSIM_LOCK_SHARED, 1);
		break;
	case C_MERGED_SH:
		tdxsim_contend(sim, TDXSIM_RES_PAGE, w->full | TDXSIM_PS_2M, 0, TDXSIM_LOCK_SHARED, 1);
		break;
	case C_INTR:
		assert_int_equal(tdxsim_pend_host_interrupts(sim, 0, 1), TDXSIM_OK);
		break;
	}
}

static void promote_refusals(void **state)
{
	struct world *w = *state;
	struct fx *fx = &w->fx;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *row = &rows[i];
		uint64_t fresh = tdfx_page(fx);
		tdxsim_regs_t r = {.rcx = resolve(w, row->rcx, fresh, 0),
				   .rdx = resolve(w, row->rdx, fresh, 0),
				   .r8 = 0x88,
				   .r9 = 0x99,
				   .r10 = 0xAA,
				   .r11 = 0xBB};
		tdxsim_regs_t in = r;
		contend(w, row->contend, r.rcx);
		uint64_t rcx_out = resolve(w, row->rcx_out, fresh, in.rcx);
		uint64_t rdx_out = resolve(w, row->rdx_out, fresh, in.rcx);
		uint64_t before = tdxsim_state_hash(fx->sim);
		uint64_t rax = TDXSIM_TDH_MEM_PAGE_PROMOTE | (uint64_t)row->version << 16;
		uint64_t st = tdfx_call(fx, 0, rax, &r);
		if (st != row->status || r.rcx != rcx_out || r.rdx != rdx_out)
			print_error("rule %s: status %#llx rcx %#llx rdx %#llx\n", row->rule,
				    (unsigned long long)st, (unsigned long long)r.rcx,
				    (unsigned long long)r.rdx);
		assert_status(st, row->status);
		assert_int_equal(r.rcx, rcx_out);
		assert_int_equal(r.rdx, rdx_out);
		assert_int_equal(r.r8, in.r8);
		assert_int_equal(r.r9, row->version ? NONE : in.r9);
		assert_int_equal(r.r10, row->version ? NONE : in.r10);
		assert_int_equal(r.r11, row->version ? NONE : in.r11);
		assert_int_equal(tdxsim_state_hash(fx->sim), before);
		tdxsim_clear_contention(fx->sim);
		tdfx_assert_invariants(fx);
	}
}

/*
 * 512 contiguous PENDING 4K leaves under a blocked, tracked PD entry merge into one unblocked
 * PENDING 2M leaf; RCX = the S-EPT page, now PT_NDA (CHLDCNT - 1); the 2M PAMT entry PT_REG,
 * every 4K entry inside reads as that 2M page. v1: R9-R11 = -1 (no L2 pages). DEMOTE into the
 * same page splits it back; the PD entry then is NL_MAPPED again.
 */
static void promote__512_pending_4k__one_pending_2m_leaf(void **state)
{
	struct world *w = *state;
	uint64_t c0 = tdfx_chldcnt(&w->fx, &w->td), rcx, rdx;
	tdxsim_regs_t r = {.rcx = G_FULL | 1, .rdx = w->td.tdr, .r8 = 0x77, .r9 = 1, .r10 = 2, .r11 = 3};
	assert_status(tdfx_call(&w->fx, 0, TDXSIM_TDH_MEM_PAGE_PROMOTE | 1 << 16, &r), TDXSIM_TDX_SUCCESS);
	assert_int_equal(r.rcx, w->pt_full);
	assert_int_equal(r.rdx, 0);
	assert_int_equal(r.r8, 0x77);
	assert_int_equal(r.r9, NONE);
	assert_int_equal(r.r10, NONE);
	assert_int_equal(r.r11, NONE);
	tdfx_sept_rd(&w->fx, &w->td, G_FULL | 1, &rcx, &rdx);
	assert_int_equal(rcx, PENDING_4K(w->full));
	assert_int_equal(rdx, 0x201);
	tdfx_assert_pamt(&w->fx, &w->td, w->full + 0x1000, TDXSIM_PT_REG, TDXSIM_PS_2M);
	tdfx_assert_pamt(&w->fx, &w->td, w->pt_full, TDXSIM_PT_NDA, TDXSIM_PS_4K);
	assert_int_equal(tdfx_chldcnt(&w->fx, &w->td), c0 - 1);
	tdfx_assert_invariants(&w->fx);

	block(w, G_FULL | 1);
	call_ok(&w->fx, TDXSIM_TDH_MEM_TRACK, w->td.tdr, 0, 0);
	call_ok(&w->fx, TDXSIM_TDH_MEM_PAGE_DEMOTE, G_FULL | 1, w->td.tdr, w->pt_full);
	tdfx_sept_rd(&w->fx, &w->td, G_FULL | 1, &rcx, &rdx);
	assert_int_equal(rdx, 0x8401);
	tdfx_sept_rd(&w->fx, &w->td, G_FULL + 0x3000, &rcx, &rdx);
	assert_int_equal(rcx, PENDING_4K(w->full + 0x3000));
	assert_int_equal(rdx, 0x200);
	assert_int_equal(tdfx_chldcnt(&w->fx, &w->td), c0);
	tdfx_assert_invariants(&w->fx);
}

/* Interrupted, then the same call again: nothing was kept, the retry merges. */
static void promote__interrupted_then_restarted__succeeds(void **state)
{
	struct world *w = *state;
	uint64_t rcx, rdx;
	assert_int_equal(tdxsim_pend_host_interrupts(w->fx.sim, 0, 1), TDXSIM_OK);
	tdxsim_regs_t r = {.rcx = G_FULL | 1, .rdx = w->td.tdr};
	assert_status(tdfx_call(&w->fx, 0, TDXSIM_TDH_MEM_PAGE_PROMOTE, &r), 0x8000000400000000);
	assert_int_equal(r.rcx, G_FULL | 1);
	assert_int_equal(r.rdx, w->td.tdr);
	tdfx_sept_rd(&w->fx, &w->td, G_FULL | 1, &rcx, &rdx);
	assert_int_equal(rdx, 0x8101);
	assert_status(tdfx_call(&w->fx, 0, TDXSIM_TDH_MEM_PAGE_PROMOTE, &r), TDXSIM_TDX_SUCCESS);
	assert_int_equal(r.rcx, w->pt_full);
	tdfx_assert_invariants(&w->fx);
}

/*
 * 1 GiB: 512 PENDING 2M leaves (contiguous from a 1G boundary) merge into a PENDING 1G leaf,
 * the only way the 1.5 module makes one (AUG takes levels 0-1: test_td_zap's
 * aug__level_2__operand_invalid_rcx). DEMOTE at level 2 splits it into 512 PENDING 2M leaves
 * with 2M PAMT entries.
 */
static void promote_demote__1g(void **state)
{
	struct world *w = *state;
	struct fx *fx = &w->fx;
	uint64_t base = alloc(fx, 1 << 30), pd = tdfx_page(fx), rcx, rdx;
	call_ok(fx, TDXSIM_TDH_MEM_SEPT_ADD, G_FAR | 2, w->td.tdr, pd);
	for (unsigned i = 0; i < 512; i++)
		call_ok(fx, TDXSIM_TDH_MEM_PAGE_AUG, (G_FAR + i * 0x200000ULL) | 1, w->td.tdr,
			base + i * 0x200000ULL);
	block(w, G_FAR | 2);
	call_ok(fx, TDXSIM_TDH_MEM_TRACK, w->td.tdr, 0, 0);
	tdxsim_regs_t r = {.rcx = G_FAR | 2, .rdx = w->td.tdr};
	assert_status(tdfx_call(fx, 0, TDXSIM_TDH_MEM_PAGE_PROMOTE, &r), TDXSIM_TDX_SUCCESS);
	assert_int_equal(r.rcx, pd);
	tdfx_sept_rd(&w->fx, &w->td, G_FAR | 2, &rcx, &rdx);
	assert_int_equal(rcx, PENDING_4K(base));
	assert_int_equal(rdx, 0x202);
	tdfx_assert_pamt(&w->fx, &w->td, base + 0x600000, TDXSIM_PT_REG, TDXSIM_PS_1G);
	tdfx_assert_invariants(fx);

	/* DEMOTE level 1 inside the 1G leaf: the walk stops at it. */
	block(w, G_FAR | 2);
	call_ok(fx, TDXSIM_TDH_MEM_TRACK, w->td.tdr, 0, 0);
	r = (tdxsim_regs_t){.rcx = G_FAR | 1, .rdx = w->td.tdr, .r8 = pd};
	assert_status(tdfx_call(fx, 0, TDXSIM_TDH_MEM_PAGE_DEMOTE, &r), 0xC0000B0000000001);
	assert_int_equal(r.rcx, PENDING_4K(base));
	assert_int_equal(r.rdx, 0x302);
	call_ok(fx, TDXSIM_TDH_MEM_PAGE_DEMOTE, G_FAR | 2, w->td.tdr, pd);
	tdfx_sept_rd(&w->fx, &w->td, G_FAR | 2, &rcx, &rdx);
	assert_int_equal(rdx, 0x8402);
	tdfx_sept_rd(&w->fx, &w->td, (G_FAR + 3 * 0x200000ULL) | 1, &rcx, &rdx);
	assert_int_equal(rcx, PENDING_4K(base + 0x600000));
	assert_int_equal(rdx, 0x201);
	tdfx_assert_pamt(&w->fx, &w->td, base + 0x601000, TDXSIM_PT_REG, TDXSIM_PS_2M);
	tdfx_assert_invariants(fx);
}

/*
 * Before MR.FINALIZE nothing needs blocking: 512 PAGE.ADDed (MAPPED) 4K pages merge into a
 * MAPPED 2M leaf; DEMOTE splits it into MAPPED 4K leaves; a BLOCKED 2M leaf splits into MAPPED
 * (unblocked, RWX back) 4K leaves, and the TD's data is where it was.
 */
static void promote_demote__mapped_before_finalize(void **state)
{
	(void)state;
	struct world w = {0};
	uint8_t data[4096];
	uint64_t rcx, rdx, base;
	fx_create(&w.fx, NULL, FX_INITIALIZED);
	tdfx_build_initialized(&w.fx, &w.td);
	tdfx_sept_add_path(&w.fx, &w.td, G_FULL, NULL);
	uint64_t pt = 0;
	tdfx_sept_rd(&w.fx, &w.td, G_FULL | 1, &rcx, &rdx);
	assert_int_equal(rdx, 0x8401);
	base = alloc(&w.fx, 2 << 20);
	for (unsigned i = 0; i < 512; i++) {
		memset(data, (int)i, sizeof(data));
		tdxsim_regs_t a = {.rcx = G_FULL + i * 0x1000ULL,
				   .rdx = w.td.tdr,
				   .r8 = base + i * 0x1000ULL,
				   .r9 = tdfx_source_page(&w.fx, data)};
		assert_status(tdfx_call(&w.fx, 0, TDXSIM_TDH_MEM_PAGE_ADD, &a), TDXSIM_TDX_SUCCESS);
	}
	tdxsim_regs_t r = {.rcx = G_FULL | 1, .rdx = w.td.tdr};
	assert_status(tdfx_call(&w.fx, 0, TDXSIM_TDH_MEM_PAGE_PROMOTE, &r), TDXSIM_TDX_SUCCESS);
	pt = r.rcx;
	tdfx_sept_rd(&w.fx, &w.td, G_FULL | 1, &rcx, &rdx);
	assert_int_equal(rcx, 0x80000000000000F7ULL | base);
	assert_int_equal(rdx, 0x401);
	call_ok(&w.fx, TDXSIM_TDH_MEM_PAGE_DEMOTE, G_FULL | 1, w.td.tdr, pt);
	tdfx_sept_rd(&w.fx, &w.td, G_FULL + 0x5000, &rcx, &rdx);
	assert_int_equal(rcx, 0x80000000000000F7ULL | (base + 0x5000));
	assert_int_equal(rdx, 0x400);
	block(&w, G_FULL | 1);
	r = (tdxsim_regs_t){.rcx = G_FULL | 1, .rdx = w.td.tdr};
	assert_status(tdfx_call(&w.fx, 0, TDXSIM_TDH_MEM_PAGE_PROMOTE, &r), TDXSIM_TDX_SUCCESS);
	block(&w, G_FULL | 1);
	tdfx_sept_rd(&w.fx, &w.td, G_FULL | 1, &rcx, &rdx);
	assert_int_equal(rdx, 0x101);
	call_ok(&w.fx, TDXSIM_TDH_MEM_PAGE_DEMOTE, G_FULL | 1, w.td.tdr, r.rcx);
	tdfx_sept_rd(&w.fx, &w.td, G_FULL + 0x1FF000, &rcx, &rdx);
	assert_int_equal(rcx, 0x80000000000000F7ULL | (base + 0x1FF000));
	assert_int_equal(rdx, 0x400);
	uint8_t back[64];
	uint64_t keyed = (base + 0x9000) | (uint64_t)w.td.hkid << tdxsim_keyid_shift(w.fx.sim);
	assert_int_equal(tdxsim_mem_read(w.fx.sim, 0, keyed, back, sizeof(back)), TDXSIM_OK);
	assert_int_equal(back[0], 9);
	tdfx_assert_invariants(&w.fx);
	fx_destroy(&w.fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(promote_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(promote__512_pending_4k__one_pending_2m_leaf, setup,
						teardown),
		cmocka_unit_test_setup_teardown(promote__interrupted_then_restarted__succeeds, setup,
						teardown),
		cmocka_unit_test_setup_teardown(promote_demote__1g, setup, teardown),
		cmocka_unit_test(promote_demote__mapped_before_finalize),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
