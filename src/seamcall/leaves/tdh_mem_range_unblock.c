/* SPDX-License-Identifier: MIT */
/*
 * TDH.MEM.RANGE.UNBLOCK (leaf 39): undoes a TDH.MEM.RANGE.BLOCK of the secure-EPT entry
 * RCX = GPA | level (0 to the root's level) of a TD (RDX) (td-runtime.md 2.3; module 1.5.05
 * api/tdh_mem_range_unblock.c). NL_BLOCKED -> NL_MAPPED, BLOCKED -> MAPPED, PENDING_BLOCKED
 * -> PENDING. In RUNNABLE (and the live migration states) the BLOCK must have been tracked
 * first: the blocked page's BEPOCH older than the TD epoch with its vCPUs drained
 * (td-runtime.md 2.4), else TDX_TLB_TRACKING_NOT_DONE|RCX. Linux never issues this leaf.
 * Locks: TDR shared -> op state shared -> SEPT tree exclusive -> SEPT entry (the BEPOCH is
 * read without a PAMT lock).
 * Outputs: RCX/RDX := 0 at entry; ext on walk, entry-lock and state errors; none on
 * TLB_TRACKING_NOT_DONE. The PAMT (BEPOCH included) is not touched.
 */
#include "seamcall/td_sept.h"

uint64_t tdxsim_tdh_mem_range_unblock(struct tdxsim_call *c)
{
	tdxsim_regs_t *r = c->regs;
	uint64_t info = r->rcx, tdr = r->rdx;
	struct tdxsim_td *td;
	struct tdxsim_septe_ref ref;
	uint64_t st;

	r->rcx = 0;
	r->rdx = 0;
	if ((st = tdxsim_p4k_tdr(c, tdr, TDXSIM_OPERAND_RDX, TDXSIM_LOCK_SHARED, &td)))
		return st;
	uint32_t allowed = TDXSIM_OPS(1) | TDXSIM_OPS(2) | TDXSIM_OPS(3) | TDXSIM_OPS(4) | TDXSIM_OPS(5) |
			   TDXSIM_OPS(8) | TDXSIM_OPS(9);
	if ((st = tdxsim_td_state(c, td, allowed, TDXSIM_LOCK_SHARED)))
		return st;
	if ((st = tdxsim_sept_locate(c, td, info, 0, tdxsim_td_sept_top(td), TDXSIM_LOCK_EXCLUSIVE, &ref)))
		return st;
	unsigned level = ref.level;
	uint64_t e = *ref.e;
	unsigned state = tdxsim_septe_state(e);
	if (!tdxsim_sept_state_any_blocked(state)) {
		tdxsim_set_ext(c, e, level);
		return TDXSIM_TDX_EPT_ENTRY_STATE_INCORRECT | TDXSIM_OPERAND_RCX;
	}
	/* Only rule (b) of the tracking check: the entry is blocked by construction. A leaf's
	 * BEPOCH is in its page's entry at the leaf's size, a non-leaf's in the child table's. */
	if (tdxsim_sept_needs_tracking(td, state)) {
		struct tdxsim_pamt_leaf l = {0};
		tdxsim_pamt_walk(c->sim->pamt, e & TDXSIM_SEPTE_HPA_MASK, &l);
		if (!tdxsim_tlb_tracked(td, l.bepoch))
			return TDXSIM_TDX_TLB_TRACKING_NOT_DONE | TDXSIM_OPERAND_RCX;
	}

	/* Effects: TDB cleared; RWX back (and MT = WB for a leaf) unless the page is pending. */
	*ref.e = tdxsim_septe_unblocked(e);
	return TDXSIM_TDX_SUCCESS;
}
