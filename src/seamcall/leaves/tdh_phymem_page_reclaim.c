/* SPDX-License-Identifier: MIT */
/*
 * TDH.PHYMEM.PAGE.RECLAIM (leaf 28): a page of a torn-down TD goes back to the host
 * (td-build.md 3.19). Out: RCX = page type, RDX = owner TDR (0 for a TDR), R8 = level, R9-R11 = 0;
 * all zeroed first and filled as soon as the PAMT entry is found owned, so the later
 * refusals return them too. Locks: page PAMT leaf (exclusive) -> implicit TDR (shared).
 * The page's contents are not touched: its lines stay private to the TD's KeyID until the host
 * clears them (MOVDIR64B), which on partial-write-erratum parts it must do before reuse.
 */
#include "core/util.h"
#include "sept/sept.h"
#include "seamcall/td_common.h"

uint64_t tdxsim_tdh_phymem_page_reclaim(struct tdxsim_call *c)
{
	struct tdxsim *sim = c->sim;
	tdxsim_regs_t *r = c->regs;
	struct tdxsim_pamt_leaf leaf;
	uint64_t pa = r->rcx, st;

	r->rcx = r->rdx = r->r8 = r->r9 = r->r10 = r->r11 = 0;
	if ((st = tdxsim_pamt_lock_walk(c, pa, TDXSIM_OPERAND_RCX, TDXSIM_LOCK_EXCLUSIVE, &leaf)))
		return st;
	if (leaf.type == TDXSIM_PT_NDA || leaf.type == TDXSIM_PT_RSVD)
		return TDXSIM_TDX_PAGE_METADATA_INCORRECT | TDXSIM_OPERAND_RCX;
	bool is_tdr = leaf.type == TDXSIM_PT_TDR;
	r->rcx = leaf.type;
	r->rdx = is_tdr ? 0 : leaf.owner;
	r->r8 = leaf.level;
	if (!tdxsim_is_aligned(pa, TDXSIM_4K << (9 * leaf.level)))
		return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RCX;

	struct tdxsim_td *td = tdxsim_td_find(&sim->td, is_tdr ? pa : leaf.owner);
	if (!td) /* a PAMT owner is always a live TDR (the TD invariants, td_check.h) */
		return TDXSIM_TDX_PAGE_METADATA_INCORRECT | TDXSIM_OPERAND_RCX;
	if (!is_tdr && (st = tdxsim_implicit_tdr(c, td, TDXSIM_LOCK_SHARED)))
		return st;
	if (td->lifecycle != TDXSIM_TD_TEARDOWN)
		return TDXSIM_TDX_LIFECYCLE_STATE_INCORRECT;
	if (is_tdr && td->chldcnt != 0)
		return TDXSIM_TDX_TD_ASSOCIATED_PAGES_EXIST;

	/* Effects: the PAMT entry goes back to NDA; the module's own record of the page goes. */
	tdxsim_td_drop_page(c, td, pa, leaf.level);
	if (leaf.type == TDXSIM_PT_TDVPR) {
		struct tdxsim_vcpu *v = tdxsim_vcpu_find(&sim->td, pa);
		if (v)
			tdxsim_vcpu_delete(&sim->td, v);
	} else if (leaf.type == TDXSIM_PT_EPT && td->sept) {
		tdxsim_sept_table_del(td->sept, pa);
	} else if (is_tdr) {
		tdxsim_td_delete(&sim->td, td);
	}
	return TDXSIM_TDX_SUCCESS;
}
