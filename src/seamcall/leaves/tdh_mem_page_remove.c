/* SPDX-License-Identifier: MIT */
/*
 * TDH.MEM.PAGE.REMOVE (leaf 29): unmaps the private page at RCX = GPA | level (0-2) of a TD
 * (RDX) and gives it back to the host as PT_NDA (td-runtime.md 2.5; module 1.5.05
 * api/tdh_mem_page_remove.c). Before MR.FINALIZE any mapped or pending leaf goes; in RUNNABLE
 * (and the live migration states) it must be blocked and its BEPOCH tracked.
 * Locks: TDR shared -> op state shared -> SEPT tree shared -> SEPT entry -> the page's PAMT
 * entry exclusive (implicit: busy => OPERAND_BUSY|RCX, no ext).
 * Outputs: RCX/RDX := 0 at entry; success: RCX = the page's HPA; ext on walk, lock, state and
 * NOT_BLOCKED errors; none on TLB_TRACKING_NOT_DONE. The page's contents are not touched.
 */
#include "seamcall/td_sept.h"

static bool removable(unsigned state)
{
	switch (state) {
	case TDXSIM_SEPT_MAPPED:
	case TDXSIM_SEPT_BLOCKED:
	case TDXSIM_SEPT_BLOCKEDW:
	case TDXSIM_SEPT_PENDING:
	case TDXSIM_SEPT_PENDING_BLOCKED:
	case TDXSIM_SEPT_PENDING_BLOCKEDW:
		return true;
	default:
		return false;
	}
}

uint64_t tdxsim_tdh_mem_page_remove(struct tdxsim_call *c)
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
			   TDXSIM_OPS(8) | TDXSIM_OPS(9) | TDXSIM_OPS(10);
	if ((st = tdxsim_td_state(c, td, allowed, TDXSIM_LOCK_SHARED)))
		return st;
	if ((st = tdxsim_sept_locate(c, td, info, 0, 2, TDXSIM_LOCK_SHARED, &ref)))
		return st;
	unsigned level = ref.level;
	uint64_t e = *ref.e;
	unsigned state = tdxsim_septe_state(e);
	if (!tdxsim_septe_is_leaf(e) || !removable(state)) {
		tdxsim_set_ext(c, e, level);
		return TDXSIM_TDX_EPT_ENTRY_STATE_INCORRECT | TDXSIM_OPERAND_RCX;
	}
	uint64_t hpa = e & TDXSIM_SEPTE_HPA_MASK;
	if ((st = tdxsim_td_lock(c, TDXSIM_RES_PAGE, hpa | level, 0, NULL, TDXSIM_LOCK_EXCLUSIVE,
				 TDXSIM_OPERAND_RCX)))
		return st;
	uint32_t op = td->tdcs.op_state;
	if (tdxsim_sept_state_tracked(state) &&
	    (op == TDXSIM_OP_RUNNABLE || op == TDXSIM_OP_LIVE_EXPORT || op == TDXSIM_OP_LIVE_IMPORT)) {
		struct tdxsim_pamt_leaf l = {0};
		if (!tdxsim_sept_state_any_blocked(state)) {
			tdxsim_set_ext(c, e, level);
			return TDXSIM_TDX_GPA_RANGE_NOT_BLOCKED | TDXSIM_OPERAND_RCX;
		}
		tdxsim_pamt_walk(c->sim->pamt, hpa, &l);
		if (!tdxsim_tlb_tracked(td, l.bepoch))
			return TDXSIM_TDX_TLB_TRACKING_NOT_DONE | TDXSIM_OPERAND_RCX;
	}

	/* Effects. The entry is FREE again (REMOVED only during an import, not emulated). */
	*ref.e = TDXSIM_SEPTE_FREE_VALUE;
	tdxsim_td_drop_page(c, td, hpa, level);
	r->rcx = hpa;
	return TDXSIM_TDX_SUCCESS;
}
