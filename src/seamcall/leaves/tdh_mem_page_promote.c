/* SPDX-License-Identifier: MIT */
/*
 * TDH.MEM.PAGE.PROMOTE (leaf 23), versions 0 and 1: merges the 512 leaves of the secure-EPT
 * page under RCX = GPA | level (1: 4K leaves into a 2 MiB leaf, 2: 2M leaves into 1 GiB) of a
 * TD (RDX) into one leaf and gives the emptied S-EPT page back to the host in RCX
 * (td-runtime.md 2.8, 6.1; module 1.5.05 api_calls/tdh_mem_page_promote.c). The children
 * must be MAPPED or PENDING, all alike, their HPAs contiguous from an address aligned to the
 * merged size; the new leaf is child 0's value, so it is unblocked even if the parent was
 * NL_BLOCKED.
 * Locks: TDR shared -> op state shared -> SEPT tree shared -> parent entry -> the S-EPT
 * page's PAMT entry exclusive -> each child entry in turn -> the merged page's large PAMT
 * entry exclusive (pamt_promote).
 * Outputs: RCX/RDX := 0 at entry (v1: R9-R11 := -1 first: no L2 pages exist in tdxsim), ext
 * on secure-EPT errors; success: RCX = the freed page. Interruptible like DEMOTE: after the
 * children are checked, a pending host interrupt ends the call with
 * TDX_INTERRUPTED_RESTARTABLE and RCX/RDX back at their inputs; nothing is kept.
 */
#include "core/util.h"
#include "pamt/pamt.h"
#include "seamcall/td_sept.h"

#define PENDING_2M_COUNTER UINT64_C(0x1FF000)

/* A child's value as the module compares it: a PENDING 2M leaf without its accept counter. */
static uint64_t child_value(uint64_t e, unsigned level)
{
	if (level == 1 && tdxsim_septe_is_leaf(e) && (e & TDXSIM_SEPTE_TDP))
		return e & ~PENDING_2M_COUNTER;
	return e;
}

/* is_sept_page_valid_for_merge: each child locked in turn (*locked counts them; the caller
 * releases them), then compared with child 0. */
static uint64_t check_children(struct tdxsim_call *c, struct tdxsim_td *td, struct tdxsim_sept_table *t,
			       uint64_t gpa, unsigned level, const struct tdxsim_septe_ref *parent,
			       unsigned *locked)
{
	unsigned child_level = level - 1;
	uint64_t step = TDXSIM_4K << (9 * child_level), first = 0;

	for (unsigned i = 0; i < TDXSIM_SEPT_ENTRIES; i++) {
		struct tdxsim_septe_ref ref = {.table = t, .index = i, .level = child_level, .e = &t->e[i]};
		if (!tdxsim_lock_acquire_unheld(&c->sim->td.locks, TDXSIM_RES_SEPT_ENTRY, td->tdr_pa,
						(gpa + i * step) | child_level, &t->lock[i],
						TDXSIM_LOCK_EXCLUSIVE)) {
			t->hp[i] = 1; /* a failed host attempt asks for priority (td-runtime.md 5.5) */
			tdxsim_set_ext(c, *parent->e, parent->level);
			return TDXSIM_TDX_OPERAND_BUSY | TDXSIM_OPERAND_RCX;
		}
		(*locked)++;
		t->hp[i] = 0;
		uint64_t e = child_value(*ref.e, child_level);
		bool ok;
		if (i == 0) {
			unsigned st = tdxsim_septe_state(e);
			ok = tdxsim_is_aligned(e & TDXSIM_SEPTE_HPA_MASK, step * TDXSIM_SEPT_ENTRIES) &&
			     (st == TDXSIM_SEPT_MAPPED || st == TDXSIM_SEPT_PENDING);
			first = e;
		} else {
			first += step;
			ok = e == first;
		}
		if (!ok) {
			tdxsim_set_ext(c, *parent->e, parent->level);
			return TDXSIM_TDX_EPT_INVALID_PROMOTE_CONDITIONS | TDXSIM_OPERAND_RCX;
		}
	}
	return 0;
}

static uint64_t promote(struct tdxsim_call *c, uint64_t info, uint64_t tdr)
{
	struct tdxsim_td *td;
	struct tdxsim_septe_ref ref;
	uint64_t st;

	if ((st = tdxsim_p4k_tdr(c, tdr, TDXSIM_OPERAND_RDX, TDXSIM_LOCK_SHARED, &td)))
		return st;
	uint32_t allowed = TDXSIM_OPS(1) | TDXSIM_OPS(2) | TDXSIM_OPS(3) | TDXSIM_OPS(4) | TDXSIM_OPS(5) |
			   TDXSIM_OPS(8) | TDXSIM_OPS(9);
	if ((st = tdxsim_td_state(c, td, allowed, TDXSIM_LOCK_SHARED)))
		return st;
	if ((st = tdxsim_sept_locate(c, td, info, 1, 2, TDXSIM_LOCK_SHARED, &ref)))
		return st;
	unsigned level = ref.level;
	uint64_t e = *ref.e;
	unsigned state = tdxsim_septe_state(e);
	if (state != TDXSIM_SEPT_NL_MAPPED && state != TDXSIM_SEPT_NL_BLOCKED) {
		tdxsim_set_ext(c, e, level);
		return TDXSIM_TDX_EPT_ENTRY_STATE_INCORRECT | TDXSIM_OPERAND_RCX;
	}
	uint64_t sept_pa = e & TDXSIM_SEPTE_HPA_MASK;
	if ((st = tdxsim_td_lock(c, TDXSIM_RES_PAGE, sept_pa | TDXSIM_PS_4K, 0, NULL, TDXSIM_LOCK_EXCLUSIVE,
				 TDXSIM_OPERAND_RCX)))
		return st;
	uint32_t op = td->tdcs.op_state;
	if (op == TDXSIM_OP_RUNNABLE || op == TDXSIM_OP_LIVE_EXPORT || op == TDXSIM_OP_LIVE_IMPORT) {
		struct tdxsim_pamt_leaf l = {0};
		if (state != TDXSIM_SEPT_NL_BLOCKED) {
			tdxsim_set_ext(c, e, level);
			return TDXSIM_TDX_GPA_RANGE_NOT_BLOCKED | TDXSIM_OPERAND_RCX;
		}
		tdxsim_pamt_walk(c->sim->pamt, sept_pa, &l);
		if (!tdxsim_tlb_tracked(td, l.bepoch))
			return TDXSIM_TDX_TLB_TRACKING_NOT_DONE | TDXSIM_OPERAND_RCX;
	}
	struct tdxsim_sept_table *t = tdxsim_sept_table_get(td->sept, sept_pa);
	unsigned locked = 0;
	st = check_children(c, td, t, tdxsim_page_info_gpa(info), level, &ref, &locked);
	/* The module holds the children to the end; calls are serialized, so releasing them
	 * here (they are not in the call's held set) is not observable. */
	while (locked)
		tdxsim_lock_release(&t->lock[--locked], TDXSIM_LOCK_EXCLUSIVE);
	if (st)
		return st;

	struct tdxsim_lp *cpu = &c->sim->cpu.lps[c->lp];
	if (cpu->host_intr_pending) {
		cpu->host_intr_pending--;
		return TDXSIM_TDX_INTERRUPTED_RESTARTABLE;
	}
	uint64_t merged = t->e[0] & TDXSIM_SEPTE_HPA_MASK;
	if ((st = tdxsim_td_lock(c, TDXSIM_RES_PAGE, merged | level, 0, NULL, TDXSIM_LOCK_EXCLUSIVE,
				 TDXSIM_OPERAND_RCX)))
		return st;

	/* Effects. The PAMT merge is the only step that can run out of host memory. */
	if (tdxsim_pamt_promote(c->sim->pamt, merged, level) != TDXSIM_PAMT_OK)
		return TDXSIM_STATUS_NO_MEMORY;
	*ref.e = t->e[0];
	tdxsim_sept_table_del(td->sept, sept_pa);
	tdxsim_td_drop_page(c, td, sept_pa, TDXSIM_PS_4K);
	c->regs->rcx = sept_pa;
	return TDXSIM_TDX_SUCCESS;
}

uint64_t tdxsim_tdh_mem_page_promote(struct tdxsim_call *c)
{
	tdxsim_regs_t *r = c->regs;
	uint64_t info = r->rcx, tdr = r->rdx;

	r->rcx = 0;
	r->rdx = 0;
	if (c->version > 0)
		tdxsim_sept_no_l2_outputs(r);
	if (c->version > 1)
		return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RAX;
	uint64_t st = promote(c, info, tdr);
	if (st == TDXSIM_TDX_INTERRUPTED_RESTARTABLE) {
		r->rcx = info;
		r->rdx = tdr;
	}
	return st;
}
