/* SPDX-License-Identifier: MIT */
/*
 * TDH.MEM.SEPT.REMOVE (leaf 30), versions 0 and 1: removes the secure-EPT page that the
 * non-leaf entry RCX = GPA | level (1 to the root's level) of a TD (RDX) points at, and gives
 * it back to the host as PT_NDA (td-runtime.md 2.6; module 1.5.05 api/tdh_mem_sept_remove.c).
 * The page must hold only FREE entries. In RUNNABLE (and the live migration states) the
 * parent entry must be blocked and the block tracked (td-runtime.md 2.4). KVM never issues it.
 * Locks: TDR shared -> op state shared -> SEPT tree exclusive -> SEPT entry -> the child
 * page's 4K PAMT entry exclusive (implicit: busy => OPERAND_BUSY|RCX, no ext).
 * Outputs: RCX/RDX := 0 at entry (and R9-R11 := -1 for version >= 1, before the version
 * check: version 1 names the L2 pages it removed there, none without TD partitioning);
 * success: RCX = the removed page's PA. ext on walk, entry-lock, state, NOT_BLOCKED and
 * PAGE_NOT_FREE (the parent entry's) errors; none on the PAMT lock or TLB_TRACKING_NOT_DONE.
 */
#include "seamcall/td_sept.h"

static uint64_t sept_remove(struct tdxsim_call *c, uint64_t info, uint64_t tdr)
{
	struct tdxsim_td *td;
	struct tdxsim_septe_ref ref;
	uint64_t st;

	if ((st = tdxsim_p4k_tdr(c, tdr, TDXSIM_OPERAND_RDX, TDXSIM_LOCK_SHARED, &td)))
		return st;
	if ((st = tdxsim_td_state(c, td, TDXSIM_OPS_ALL & ~TDXSIM_OPS(TDXSIM_OP_UNINITIALIZED),
				  TDXSIM_LOCK_SHARED)))
		return st;
	if ((st = tdxsim_sept_locate(c, td, info, 1, tdxsim_td_sept_top(td), TDXSIM_LOCK_EXCLUSIVE, &ref)))
		return st;
	unsigned level = ref.level;
	uint64_t e = *ref.e;
	unsigned state = tdxsim_septe_state(e);
	if (state != TDXSIM_SEPT_NL_MAPPED && state != TDXSIM_SEPT_NL_BLOCKED) {
		tdxsim_set_ext(c, e, level);
		return TDXSIM_TDX_EPT_ENTRY_STATE_INCORRECT | TDXSIM_OPERAND_RCX;
	}
	uint64_t child = e & TDXSIM_SEPTE_HPA_MASK;
	if ((st = tdxsim_td_lock(c, TDXSIM_RES_PAGE, child | TDXSIM_PS_4K, 0, NULL, TDXSIM_LOCK_EXCLUSIVE,
				 TDXSIM_OPERAND_RCX)))
		return st;
	if (tdxsim_sept_needs_tracking(td, state)) {
		struct tdxsim_pamt_leaf l = {0};
		if (!tdxsim_sept_state_any_blocked(state)) {
			tdxsim_set_ext(c, e, level);
			return TDXSIM_TDX_GPA_RANGE_NOT_BLOCKED | TDXSIM_OPERAND_RCX;
		}
		tdxsim_pamt_walk(c->sim->pamt, child, &l);
		if (!tdxsim_tlb_tracked(td, l.bepoch))
			return TDXSIM_TDX_TLB_TRACKING_NOT_DONE | TDXSIM_OPERAND_RCX;
	}
	/* REMOVED (import) entries count as not free, as any other state. */
	const struct tdxsim_sept_table *t = tdxsim_sept_table_get(td->sept, child);
	for (unsigned i = 0; i < TDXSIM_SEPT_ENTRIES; i++) {
		if (tdxsim_septe_state(t->e[i]) != TDXSIM_SEPT_FREE) {
			tdxsim_set_ext(c, e, level);
			return TDXSIM_TDX_EPT_PAGE_NOT_FREE | TDXSIM_OPERAND_RCX;
		}
	}

	/* Effects: parent FREE, the page back to the host (PAMT NDA, owner stale), one child
	 * fewer. Its lines stay private to the TD's KeyID (the module does not clear them). */
	*ref.e = TDXSIM_SEPTE_FREE_VALUE;
	tdxsim_sept_table_del(td->sept, child);
	tdxsim_td_drop_page(c, td, child, TDXSIM_PS_4K);
	c->regs->rcx = child;
	return TDXSIM_TDX_SUCCESS;
}

uint64_t tdxsim_tdh_mem_sept_remove(struct tdxsim_call *c)
{
	tdxsim_regs_t *r = c->regs;
	uint64_t info = r->rcx, tdr = r->rdx;

	r->rcx = 0;
	r->rdx = 0;
	if (c->version > 0)
		tdxsim_sept_no_l2_outputs(r);
	if (c->version > 1)
		return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RAX;
	return sept_remove(c, info, tdr);
}
