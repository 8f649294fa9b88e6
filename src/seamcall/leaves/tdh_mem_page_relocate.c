/* SPDX-License-Identifier: MIT */
/*
 * TDH.MEM.PAGE.RELOCATE (leaf 5): moves the 4K private page mapped at RCX = GPA (level 0) of a
 * TD (RDX) to the free page R8 (td-runtime.md 2.10; module 1.5.05 api/tdh_mem_page_relocate.c).
 * The contents are copied through the TD's KeyID with 64-byte direct stores (not for a pending
 * page, whose contents the guest's ACCEPT will zero anyway); the old page goes back to the host
 * as PT_NDA, the new one is the TD's with BEPOCH 0, and the entry points at it, unblocked.
 * In RUNNABLE (and the live migration states) the entry must be blocked and the block tracked.
 * Locks: TDR shared -> op state shared -> SEPT tree shared -> SEPT entry -> the old page's PAMT
 * entry exclusive (implicit: busy => OPERAND_BUSY|RCX, no ext) -> the new page (P4K, R8).
 * Outputs: RCX/RDX := 0 at entry; success: RCX = the old page's PA; ext on walk, entry-lock,
 * state and NOT_BLOCKED errors; R8 is never written.
 */
#include "core/util.h"
#include "mce/mce.h"
#include "seamcall/td_sept.h"

#define PA_BITS (TDXSIM_MODULE_PA_LIMIT - 1) /* the module compares bits 51:0 of R8 */

uint64_t tdxsim_tdh_mem_page_relocate(struct tdxsim_call *c)
{
	struct tdxsim *sim = c->sim;
	tdxsim_regs_t *r = c->regs;
	uint64_t info = r->rcx, tdr = r->rdx, target = r->r8;
	struct tdxsim_td *td;
	struct tdxsim_septe_ref ref;
	uint64_t st, mce_pa;
	uint8_t page[TDXSIM_4K];

	r->rcx = 0;
	r->rdx = 0;
	if ((st = tdxsim_p4k_tdr(c, tdr, TDXSIM_OPERAND_RDX, TDXSIM_LOCK_SHARED, &td)))
		return st;
	uint32_t allowed = TDXSIM_OPS(1) | TDXSIM_OPS(2) | TDXSIM_OPS(3) | TDXSIM_OPS(4) | TDXSIM_OPS(5) |
			   TDXSIM_OPS(8) | TDXSIM_OPS(9);
	if ((st = tdxsim_td_state(c, td, allowed, TDXSIM_LOCK_SHARED)))
		return st;
	if ((st = tdxsim_sept_locate(c, td, info, 0, 0, TDXSIM_LOCK_SHARED, &ref)))
		return st;
	uint64_t e = *ref.e;
	unsigned state = tdxsim_septe_state(e);
	/* Every leaf state may move (td-runtime.md 1.3); FREE and REMOVED are no leaves. */
	if (!tdxsim_septe_is_leaf(e)) {
		tdxsim_set_ext(c, e, 0);
		return TDXSIM_TDX_EPT_ENTRY_STATE_INCORRECT | TDXSIM_OPERAND_RCX;
	}
	uint64_t source = e & TDXSIM_SEPTE_HPA_MASK;
	if ((target & PA_BITS) == source)
		return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_R8;
	if ((st = tdxsim_td_lock(c, TDXSIM_RES_PAGE, source | TDXSIM_PS_4K, 0, NULL, TDXSIM_LOCK_EXCLUSIVE,
				 TDXSIM_OPERAND_RCX)))
		return st;
	if (tdxsim_sept_needs_tracking(td, state)) {
		struct tdxsim_pamt_leaf l = {0};
		if (!tdxsim_sept_state_any_blocked(state)) {
			tdxsim_set_ext(c, e, 0);
			return TDXSIM_TDX_GPA_RANGE_NOT_BLOCKED | TDXSIM_OPERAND_RCX;
		}
		tdxsim_pamt_walk(sim->pamt, source, &l);
		if (!tdxsim_tlb_tracked(td, l.bepoch))
			return TDXSIM_TDX_TLB_TRACKING_NOT_DONE | TDXSIM_OPERAND_RCX;
	}
	if ((st = tdxsim_p4k(c, target, TDXSIM_OPERAND_R8, TDXSIM_PT_NDA, TDXSIM_LOCK_EXCLUSIVE, NULL)))
		return st;

	/* A line of the old page the TD's KeyID does not own (the host wrote into it) would be a
	 * machine check in SEAM mode on the copy: not emulated (docs/fidelity.md). */
	bool copy = !(e & TDXSIM_SEPTE_TDP);
	if (copy && !tdxsim_td_lines_readable(c, source, TDXSIM_4K, td->hkid))
		return TDXSIM_STATUS_NOT_EMULATED;

	/* Effects. */
	if (copy && tdxsim_mce_read(sim->integrity, source, td->hkid, page, sizeof(page), &mce_pa))
		return TDXSIM_STATUS_NO_MEMORY;
	if ((st = tdxsim_td_take_page(c, td, target, TDXSIM_PS_4K, TDXSIM_PT_REG)))
		return st;
	if (copy && tdxsim_mce_write(sim->integrity, target, td->hkid, page, sizeof(page))) {
		tdxsim_td_drop_page(c, td, target, TDXSIM_PS_4K);
		return TDXSIM_STATUS_NO_MEMORY;
	}
	tdxsim_td_drop_page(c, td, source, TDXSIM_PS_4K);
	*ref.e = tdxsim_septe_unblocked((e & ~TDXSIM_SEPTE_HPA_MASK) | target);
	r->rcx = source;
	if (copy)
		c->extra_cycles += (TDXSIM_4K / 64) * sim->cfg.costs.movdir64b;
	return TDXSIM_TDX_SUCCESS;
}
