/* SPDX-License-Identifier: MIT */
/*
 * TDH.VP.CREATE (leaf 10): a new vCPU on the TDVPR page in RCX, for the TD whose TDR is in RDX
 * (td-build.md 3.6). Locks: TDR (shared) -> TDCS op state (shared) -> TDVPR page (exclusive).
 * The vCPU count does not change here (TDH.VP.INIT assigns the index).
 */
#include "seamcall/td_common.h"

uint64_t tdxsim_tdh_vp_create(struct tdxsim_call *c)
{
	struct tdxsim *sim = c->sim;
	tdxsim_regs_t *r = c->regs;
	struct tdxsim_td *td;
	uint64_t st;

	if ((st = tdxsim_p4k_tdr(c, r->rdx, TDXSIM_OPERAND_RDX, TDXSIM_LOCK_SHARED, &td)))
		return st;
	if ((st = tdxsim_td_state(c, td,
				  TDXSIM_OPS(TDXSIM_OP_INITIALIZED) | TDXSIM_OPS(TDXSIM_OP_STATE_IMPORT),
				  TDXSIM_LOCK_SHARED)))
		return st;
	if ((st = tdxsim_p4k(c, r->rcx, TDXSIM_OPERAND_RCX, TDXSIM_PT_NDA, TDXSIM_LOCK_EXCLUSIVE, NULL)))
		return st;

	/* Effects: the page is zeroed through the TD's KeyID, then joins the TD as its TDVPR. */
	if ((st = tdxsim_td_fill_page(c, r->rcx, td->hkid, 0)))
		return st;
	struct tdxsim_vcpu *v = tdxsim_vcpu_new(&sim->td, td, r->rcx);
	if (!v)
		return TDXSIM_STATUS_NO_MEMORY;
	if ((st = tdxsim_td_take_page(c, td, r->rcx, TDXSIM_PS_4K, TDXSIM_PT_TDVPR))) {
		tdxsim_vcpu_delete(&sim->td, v);
		return st;
	}
	v->num_pages = 1;
	v->page_pa[0] = r->rcx;
	v->state = TDXSIM_VCPU_UNINITIALIZED;
	return TDXSIM_TDX_SUCCESS;
}
