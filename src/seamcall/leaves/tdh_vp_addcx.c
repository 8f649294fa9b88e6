/* SPDX-License-Identifier: MIT */
/*
 * TDH.VP.ADDCX (leaf 4): adds the next TDVPS page (RCX) to the vCPU whose TDVPR is in RDX
 * (td-build.md 3.7). Locks: TDVPR (exclusive) -> implicit TDR (shared) -> TDCS op state
 * (shared) -> new page (exclusive). Up to 15 pages are accepted whatever NUM_L2_VMS says.
 */
#include "seamcall/td_common.h"

/* What the module writes into TDVPS page n: the L2 MSR-bitmap pages (7, 8, 10, 11, 13, 14)
 * all-ones, every other page zero (td-build.md 3.7). */
static uint64_t fill_pattern(uint32_t n)
{
	return n >= 7 && (n - 7) % 3 != 2 ? ~UINT64_C(0) : 0;
}

uint64_t tdxsim_tdh_vp_addcx(struct tdxsim_call *c)
{
	tdxsim_regs_t *r = c->regs;
	struct tdxsim_vcpu *v;
	uint64_t st;

	if ((st = tdxsim_p4k_tdvpr(c, r->rdx, TDXSIM_OPERAND_RDX, TDXSIM_LOCK_EXCLUSIVE, &v)))
		return st;
	struct tdxsim_td *td = v->td;
	if ((st = tdxsim_implicit_tdr(c, td, TDXSIM_LOCK_SHARED)))
		return st;
	if ((st = tdxsim_td_state(c, td,
				  TDXSIM_OPS(TDXSIM_OP_INITIALIZED) | TDXSIM_OPS(TDXSIM_OP_STATE_IMPORT),
				  TDXSIM_LOCK_SHARED)))
		return st;
	if (v->state != TDXSIM_VCPU_UNINITIALIZED)
		return TDXSIM_TDX_VCPU_STATE_INCORRECT;
	if (v->num_pages >= TDXSIM_MAX_TDVPS_PAGES)
		return TDXSIM_TDX_TDCX_NUM_INCORRECT;
	if ((st = tdxsim_p4k(c, r->rcx, TDXSIM_OPERAND_RCX, TDXSIM_PT_NDA, TDXSIM_LOCK_EXCLUSIVE, NULL)))
		return st;

	uint32_t n = v->num_pages;
	if ((st = tdxsim_td_fill_page(c, r->rcx, td->hkid, fill_pattern(n))))
		return st;
	if ((st = tdxsim_td_take_page(c, td, r->rcx, TDXSIM_PS_4K, TDXSIM_PT_TDCX)))
		return st;
	v->page_pa[n] = r->rcx;
	v->num_pages = n + 1;
	return TDXSIM_TDX_SUCCESS;
}
