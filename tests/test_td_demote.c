/* SPDX-License-Identifier: MIT */
/*
 * TDH.MEM.PAGE.DEMOTE (td-runtime.md 2.9, 6.1): one row per check in the module's order with
 * its exact status and RCX/RDX, one contention row per lock, the state hash unchanged on every
 * failure; then the splits themselves (PAMT sizes follow, the children unblocked, the new page
 * holding the 512 entries through the TD's KeyID) and 1.5's interrupted-restartable call.
 * Statuses and outputs cross-checked with the module oracle (1.5.05).
 */
#include <stdlib.h>
#include <string.h>

#include "td_fixture.h"
#include "tdxsim/memory.h"

#define G_PRIV	UINT64_C(0x10000)    /* PAGE.ADDed: PDPT, PD and PT exist */
#define G_OPEN	UINT64_C(0x200000)   /* a 2M PENDING leaf, not blocked */
#define G_NOTRK UINT64_C(0x400000)   /* a 2M leaf blocked after the last TRACK */
#define G_READY UINT64_C(0x600000)   /* a 2M leaf blocked and tracked */
#define G_FREE	UINT64_C(0x800000)   /* a FREE PD entry */
#define G_FAR	UINT64_C(0x40000000) /* its PDPT entry is FREE */
#define SHARED	(UINT64_C(1) << 47)

struct world {
	struct fx fx;
	struct tdfx_td td, uninit;
	struct tdfx_vcpu vp;
	uint64_t mapped;	     /* the 4K page at G_PRIV */
	uint64_t open, notrk, ready; /* the 2M pages */
};

static uint64_t alloc_2m(struct fx *fx)
{
	uint64_t pa;
	assert_int_equal(tdxsim_phys_alloc(fx->sim, 2 << 20, 2 << 20, UINT32_MAX, &pa), TDXSIM_OK);
	return pa;
}

static void call_ok(struct fx *fx, uint64_t leaf, uint64_t rcx, uint64_t rdx, uint64_t r8)
{
	tdxsim_regs_t r = {.rcx = rcx, .rdx = rdx, .r8 = r8};
	assert_status(tdfx_call(fx, 0, leaf, &r), TDXSIM_TDX_SUCCESS);
}

static uint64_t aug_2m(struct world *w, uint64_t gpa)
{
	uint64_t pa = alloc_2m(&w->fx);
	call_ok(&w->fx, TDXSIM_TDH_MEM_PAGE_AUG, gpa | 1, w->td.tdr, pa);
	return pa;
}

/* A RUNNABLE TD (KVM's build, one vCPU) with the three 2M leaves above. */
static int setup(void **state)
{
	static uint8_t zero[4096];
	struct world *w = calloc(1, sizeof(*w));
	struct fx *fx = &w->fx;
	fx_create(fx, NULL, FX_INITIALIZED);
	tdfx_build_initialized(fx, &w->td);
	tdfx_create_keyed_tdcs(fx, &w->uninit);
	tdfx_vp_build(fx, &w->td, &w->vp, 0);
	tdfx_sept_add_path(fx, &w->td, G_PRIV, NULL);
	w->mapped = tdfx_page_add(fx, &w->td, G_PRIV, zero);
	call_ok(fx, TDXSIM_TDH_MR_FINALIZE, w->td.tdr, 0, 0);
	w->ready = aug_2m(w, G_READY);
	call_ok(fx, TDXSIM_TDH_MEM_RANGE_BLOCK, G_READY | 1, w->td.tdr, 0);
	call_ok(fx, TDXSIM_TDH_MEM_TRACK, w->td.tdr, 0, 0);
	w->notrk = aug_2m(w, G_NOTRK);
	call_ok(fx, TDXSIM_TDH_MEM_RANGE_BLOCK, G_NOTRK | 1, w->td.tdr, 0);
	w->open = aug_2m(w, G_OPEN);
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

enum contend { C_NONE, C_TDR_EX, C_OP_EX, C_TREE_EX, C_ENTRY, C_NEW_SH, C_SPLIT_SH, C_INTR };

/* Symbolic operands resolved per world. */
#define SYM	 0xC000000000000000ULL
#define TDR	 (SYM | 1ULL)  /* the TD's TDR */
#define UNINIT	 (SYM | 2ULL)  /* a TD before MNG.INIT */
#define FREEPAGE (SYM | 3ULL)  /* a fresh free 4K page */
#define MAPPED	 (SYM | 4ULL)  /* the TD's 4K page at G_PRIV */
#define EXT_OPEN (SYM | 5ULL)  /* RCX ext of the PENDING 2M leaf at G_OPEN */
#define INSIDE2M (SYM | 6ULL)  /* 4K into the TD's 2M page at G_OPEN */
#define TDR_OPS	 (SYM | 7ULL)  /* the TDR | 2: a reserved bit of RDX */
#define IN_RCX	 (SYM | 8ULL)  /* the row's input RCX */
#define PREFILL	 (SYM | 9ULL)  /* a free page already holding what DEMOTE writes (below) */
#define TDR_L2	 (SYM | 10ULL) /* the TDR | 1: L2 add mode, ignored without L2 VMs */

struct row {
	const char *rule;
	uint64_t rcx, rdx, r8;
	enum contend contend;
	uint64_t status, rcx_out, rdx_out;
};

static const struct row rows[] = {
	{"demote__rdx_reserved_bit__operand_invalid_rdx", G_READY | 1, TDR_OPS, FREEPAGE, C_NONE,
	 0xC000010000000002, 0, 0},
	{"demote__rdx_not_a_tdr__page_metadata_incorrect_rdx", G_READY | 1, FREEPAGE, FREEPAGE, C_NONE,
	 0xC000030000000002, 0, 0},
	{"demote__tdr_held_exclusively__operand_busy_rdx", G_READY | 1, TDR, FREEPAGE, C_TDR_EX,
	 0x8000020000000002, 0, 0},
	{"demote__op_state_lock_held__operand_busy_op_state", G_READY | 1, TDR, FREEPAGE, C_OP_EX,
	 0x80000200000000AC, 0, 0},
	{"demote__td_not_initialized__op_state_incorrect", G_READY | 1, UNINIT, FREEPAGE, C_NONE,
	 0xC000060800000000, 0, 0},
	{"demote__level_0__operand_invalid_rcx", G_READY, TDR, FREEPAGE, C_NONE, 0xC000010000000001, 0, 0},
	{"demote__level_3__operand_invalid_rcx", 0 | 3, TDR, FREEPAGE, C_NONE, 0xC000010000000001, 0, 0},
	{"demote__gpa_not_aligned_to_level__operand_invalid_rcx", (G_READY + 0x1000) | 1, TDR, FREEPAGE,
	 C_NONE, 0xC000010000000001, 0, 0},
	{"demote__shared_gpa__operand_invalid_rcx", (G_READY | SHARED) | 1, TDR, FREEPAGE, C_NONE,
	 0xC000010000000001, 0, 0},
	{"demote__sept_tree_held_exclusively__operand_busy_sept_tree", G_READY | 1, TDR, FREEPAGE, C_TREE_EX,
	 0x8000020000000092, 0, 0},
	{"demote__walk_stops_at_free_pdpt_entry__ept_walk_failed_rcx_ext", G_FAR | 1, TDR, FREEPAGE, C_NONE,
	 0xC0000B0000000001, 0x8000000000000000, 0x2},
	{"demote__entry_locked__operand_busy_rcx_ext", G_OPEN | 1, TDR, FREEPAGE, C_ENTRY, 0x8000020000000001,
	 EXT_OPEN, 0x201},
	{"demote__entry_non_leaf__ept_entry_state_incorrect_rcx_ext", 0 | 1, TDR, FREEPAGE, C_NONE,
	 0xC0000B0D00000001, 0x7, 0x8401},
	{"demote__entry_non_leaf_1g__ept_entry_state_incorrect_rcx_ext", 0 | 2, TDR, FREEPAGE, C_NONE,
	 0xC0000B0D00000001, 0x7, 0x8402},
	{"demote__entry_free__ept_entry_state_incorrect_rcx_ext", G_FREE | 1, TDR, FREEPAGE, C_NONE,
	 0xC0000B0D00000001, 0x8000000000000000, 0x1},
	{"demote__not_blocked_while_runnable__gpa_range_not_blocked_rcx_ext", G_OPEN | 1, TDR, FREEPAGE,
	 C_NONE, 0xC0000B0600000001, EXT_OPEN, 0x201},
	{"demote__blocked_not_tracked__tlb_tracking_not_done_rcx", G_NOTRK | 1, TDR, FREEPAGE, C_NONE,
	 0xC0000B0800000001, 0, 0},
	{"demote__new_page_misaligned__operand_invalid_r8", G_READY | 1, TDR, 0x100800ULL, C_NONE,
	 0xC000010000000008, 0, 0},
	{"demote__new_page_outside_tdmrs__addr_range_error_r8", G_READY | 1, TDR, 1ULL << 40, C_NONE,
	 0xC000010100000008, 0, 0},
	{"demote__new_page_held__operand_busy_r8", G_READY | 1, TDR, FREEPAGE, C_NEW_SH, 0x8000020000000008,
	 0, 0},
	{"demote__new_page_is_the_tdr_held_shared__operand_busy_r8", G_READY | 1, TDR, TDR, C_NONE,
	 0x8000020000000008, 0, 0},
	{"demote__new_page_owned__page_metadata_incorrect_r8", G_READY | 1, TDR, MAPPED, C_NONE,
	 0xC000030000000008, 0, 0},
	{"demote__new_page_inside_a_2m_page__page_metadata_incorrect_r8", G_READY | 1, TDR, INSIDE2M, C_NONE,
	 0xC000030000000008, 0, 0},
	{"demote__split_page_pamt_entry_held__operand_busy_rcx", G_READY | 1, TDR_L2, PREFILL, C_SPLIT_SH,
	 0x8000020000000001, 0, 0},
	{"demote__host_interrupt_pending__interrupted_restartable_inputs_back", G_READY | 1, TDR, PREFILL,
	 C_INTR, 0x8000000400000000, IN_RCX, TDR},
};

static uint64_t resolve(struct world *w, uint64_t v, uint64_t fresh, uint64_t in_rcx)
{
	switch (v) {
	case TDR:
		return w->td.tdr;
	case UNINIT:
		return w->uninit.tdr;
	case FREEPAGE:
	case PREFILL:
		return fresh;
	case MAPPED:
		return w->mapped;
	case EXT_OPEN:
		return 0x80000000000000F0ULL | w->open;
	case INSIDE2M:
		return w->open + 0x1000;
	case TDR_OPS:
		return w->td.tdr | 2;
	case TDR_L2:
		return w->td.tdr | 1;
	case IN_RCX:
		return in_rcx;
	default:
		return v;
	}
}

/* What DEMOTE of G_READY writes into its new page (PENDING_BLOCKED 2M at w->ready): 512
 * PENDING 4K leaves. Written beforehand through the TD's KeyID, so that the rows that fail
 * after the module wrote the page leave the whole state as it was. */
static void prefill(struct world *w, uint64_t page)
{
	uint64_t e[512];
	for (unsigned i = 0; i < 512; i++)
		e[i] = 0x81000000000000F0ULL | (w->ready + i * 0x1000ULL);
	uint64_t keyed = page | (uint64_t)w->td.hkid << tdxsim_keyid_shift(w->fx.sim);
	assert_int_equal(tdxsim_mem_write(w->fx.sim, 0, keyed, e, sizeof(e)), TDXSIM_OK);
}

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
	case C_ENTRY:
		tdxsim_contend(sim, TDXSIM_RES_SEPT_ENTRY, w->td.tdr, rcx, TDXSIM_LOCK_EXCLUSIVE, 1);
		break;
	case C_NEW_SH:
		tdxsim_contend(sim, TDXSIM_RES_PAGE, page, 0, TDXSIM_LOCK_SHARED, 1);
		break;
	case C_SPLIT_SH:
		/* The 2M PAMT entry of the page being split (pamt_demote takes it exclusive). */
		tdxsim_contend(sim, TDXSIM_RES_PAGE, w->ready | TDXSIM_PS_2M, 0, TDXSIM_LOCK_SHARED, 1);
		break;
	case C_INTR:
		assert_int_equal(tdxsim_pend_host_interrupts(sim, 0, 1), TDXSIM_OK);
		break;
	}
}

static void demote_refusals(void **state)
{
	struct world *w = *state;
	struct fx *fx = &w->fx;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *row = &rows[i];
		uint64_t fresh = tdfx_page(fx);
		if (row->r8 == PREFILL)
			prefill(w, fresh);
		tdxsim_regs_t r = {.rcx = resolve(w, row->rcx, fresh, 0),
				   .rdx = resolve(w, row->rdx, fresh, 0),
				   .r8 = resolve(w, row->r8, fresh, 0),
				   .r9 = 0x99,
				   .r10 = 0xAA,
				   .r11 = 0xBB};
		tdxsim_regs_t in = r;
		contend(w, row->contend, r.rcx, r.r8);
		uint64_t rcx_out = resolve(w, row->rcx_out, fresh, in.rcx);
		uint64_t rdx_out = resolve(w, row->rdx_out, fresh, in.rcx);
		uint64_t before = tdxsim_state_hash(fx->sim);
		uint64_t st = tdfx_call(fx, 0, TDXSIM_TDH_MEM_PAGE_DEMOTE, &r);
		if (st != row->status || r.rcx != rcx_out || r.rdx != rdx_out)
			print_error("rule %s: status %#llx rcx %#llx rdx %#llx\n", row->rule,
				    (unsigned long long)st, (unsigned long long)r.rcx,
				    (unsigned long long)r.rdx);
		assert_status(st, row->status);
		assert_int_equal(r.rcx, rcx_out);
		assert_int_equal(r.rdx, rdx_out);
		assert_int_equal(r.r8, in.r8);
		assert_int_equal(r.r9, in.r9);
		assert_int_equal(r.r10, in.r10);
		assert_int_equal(r.r11, in.r11);
		assert_int_equal(tdxsim_state_hash(fx->sim), before);
		tdxsim_clear_contention(fx->sim);
		tdfx_assert_invariants(fx);
	}
}

/*
 * A blocked, tracked PENDING 2M leaf splits: 512 PENDING (unblocked) 4K leaves with HPAs
 * stepping by 4K, the parent NL_MAPPED on the new page (PT_EPT, CHLDCNT + 1), the 4K PAMT
 * entries PT_REG owned by the TD and the 2M entry PT_NDA. R9-R11 echo, RCX = RDX = 0. The new
 * page holds the 512 entries through the TD's KeyID; a host read through KeyID 0 sees zeros.
 * A second DEMOTE of the same GPA finds NL_MAPPED.
 */
static void demote__2m_pending_blocked__512_pending_4k(void **state)
{
	struct world *w = *state;
	uint64_t page = tdfx_page(&w->fx), c0 = tdfx_chldcnt(&w->fx, &w->td), rcx, rdx;
	tdxsim_regs_t r = {.rcx = G_READY | 1, .rdx = w->td.tdr, .r8 = page, .r9 = 1, .r10 = 2, .r11 = 3};
	assert_status(tdfx_call(&w->fx, 0, TDXSIM_TDH_MEM_PAGE_DEMOTE, &r), TDXSIM_TDX_SUCCESS);
	assert_int_equal(r.rcx, 0);
	assert_int_equal(r.rdx, 0);
	assert_int_equal(r.r8, page);
	assert_int_equal(r.r9, 1);
	assert_int_equal(r.r10, 2);
	assert_int_equal(r.r11, 3);
	tdfx_sept_rd(&w->fx, &w->td, G_READY | 1, &rcx, &rdx);
	assert_int_equal(rcx, 0x7);
	assert_int_equal(rdx, 0x8401);
	for (unsigned i = 0; i < 512; i += 511) {
		tdfx_sept_rd(&w->fx, &w->td, G_READY + i * 0x1000ULL, &rcx, &rdx);
		assert_int_equal(rcx, 0x80000000000000F0ULL | (w->ready + i * 0x1000ULL));
		assert_int_equal(rdx, 0x200);
		tdfx_assert_pamt(&w->fx, &w->td, w->ready + i * 0x1000ULL, TDXSIM_PT_REG, TDXSIM_PS_4K);
	}
	tdfx_assert_pamt(&w->fx, &w->td, page, TDXSIM_PT_EPT, TDXSIM_PS_4K);
	assert_int_equal(tdfx_chldcnt(&w->fx, &w->td), c0 + 1);
	uint64_t e[512], host[8];
	uint64_t keyed = page | (uint64_t)w->td.hkid << tdxsim_keyid_shift(w->fx.sim);
	assert_int_equal(tdxsim_mem_read(w->fx.sim, 0, keyed, e, sizeof(e)), TDXSIM_OK);
	assert_int_equal(e[0], 0x81000000000000F0ULL | w->ready);
	assert_int_equal(e[511], 0x81000000000000F0ULL | (w->ready + 511 * 0x1000ULL));
	assert_int_equal(tdxsim_mem_read(w->fx.sim, 0, page, host, sizeof(host)), TDXSIM_OK);
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(host[i], 0);
	tdfx_assert_invariants(&w->fx);
	r = (tdxsim_regs_t){.rcx = G_READY | 1, .rdx = w->td.tdr, .r8 = tdfx_page(&w->fx)};
	assert_status(tdfx_call(&w->fx, 0, TDXSIM_TDH_MEM_PAGE_DEMOTE, &r), 0xC0000B0D00000001);
	assert_int_equal(r.rcx, 0x7);
	assert_int_equal(r.rdx, 0x8401);
}

/* Interrupted, then the same call again: the module kept nothing, the retry does it all. */
static void demote__interrupted_then_restarted__succeeds(void **state)
{
	struct world *w = *state;
	uint64_t page = tdfx_page(&w->fx), rcx, rdx;
	call_ok(&w->fx, TDXSIM_TDH_MEM_TRACK, w->td.tdr, 0, 0); /* tracks G_NOTRK's BLOCK */
	assert_int_equal(tdxsim_pend_host_interrupts(w->fx.sim, 0, 2), TDXSIM_OK);
	tdxsim_regs_t r = {.rcx = G_NOTRK | 1, .rdx = w->td.tdr, .r8 = page};
	for (int i = 0; i < 2; i++) {
		assert_status(tdfx_call(&w->fx, 0, TDXSIM_TDH_MEM_PAGE_DEMOTE, &r), 0x8000000400000000);
		assert_int_equal(r.rcx, G_NOTRK | 1);
		assert_int_equal(r.rdx, w->td.tdr);
		tdfx_sept_rd(&w->fx, &w->td, G_NOTRK | 1, &rcx, &rdx);
		assert_int_equal(rdx, 0x301); /* still one PENDING_BLOCKED 2M leaf */
		tdfx_assert_pamt(&w->fx, &w->td, page, TDXSIM_PT_NDA, TDXSIM_PS_4K);
	}
	assert_status(tdfx_call(&w->fx, 0, TDXSIM_TDH_MEM_PAGE_DEMOTE, &r), TDXSIM_TDX_SUCCESS);
	tdfx_sept_rd(&w->fx, &w->td, G_NOTRK + 0x5000, &rcx, &rdx);
	assert_int_equal(rdx, 0x200);
	tdfx_assert_invariants(&w->fx);
}

/* Before MR.FINALIZE (op state INITIALIZED) nothing needs blocking: PAGE.ADDed (MAPPED)
 * leaves promoted to 2M split back into MAPPED 4K leaves, and an unblocked PENDING 2M leaf
 * splits as it is. */
static void demote__before_finalize__unblocked_leaf_splits(void **state)
{
	(void)state;
	struct world w = {0};
	fx_create(&w.fx, NULL, FX_INITIALIZED);
	tdfx_build_initialized(&w.fx, &w.td);
	tdfx_sept_add_path(&w.fx, &w.td, G_PRIV, NULL);
	w.open = aug_2m(&w, G_OPEN);
	uint64_t rcx, rdx;
	call_ok(&w.fx, TDXSIM_TDH_MEM_PAGE_DEMOTE, G_OPEN | 1, w.td.tdr, tdfx_page(&w.fx));
	tdfx_sept_rd(&w.fx, &w.td, G_OPEN + 0x1FF000, &rcx, &rdx);
	assert_int_equal(rcx, 0x80000000000000F0ULL | (w.open + 0x1FF000));
	assert_int_equal(rdx, 0x200);
	tdfx_assert_invariants(&w.fx);
	fx_destroy(&w.fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(demote_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(demote__2m_pending_blocked__512_pending_4k, setup, teardown),
		cmocka_unit_test_setup_teardown(demote__interrupted_then_restarted__succeeds, setup,
						teardown),
		cmocka_unit_test(demote__before_finalize__unblocked_leaf_splits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
