/* SPDX-License-Identifier: MIT */
/*
 * TDH.PHYMEM.PAGE.RDMD (leaf 24): read the PAMT metadata of a 4 KiB page (sheet 8.3).
 * In: RCX = page PA (4K aligned, below 2^52, KeyID 0). Out: RCX = page type, RDX = owner,
 * R8 = level of the leaf entry, R9 = BEPOCH for PT_REG/PT_EPT (0 otherwise), R10 = R11 = 0.
 * Needs SYS_READY: Linux's paddr_is_tdx_private() relies on it failing before that.
 */
#include "seamcall/seamcall.h"

uint64_t tdxsim_tdh_phymem_page_rdmd(struct tdxsim_call *c)
{
	tdxsim_regs_t *r = c->regs;
	struct tdxsim_pamt_leaf leaf;

	if (!tdxsim_page_pa_ok(c->sim, r->rcx))
		return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RCX;
	if (tdxsim_pamt_walk(c->sim->pamt, r->rcx, &leaf) != TDXSIM_PAMT_OK)
		return TDXSIM_TDX_OPERAND_ADDR_RANGE_ERROR | TDXSIM_OPERAND_RCX;

	r->rcx = leaf.type;
	r->rdx = leaf.owner;
	r->r8 = leaf.level;
	r->r9 = (leaf.type == TDXSIM_PT_REG || leaf.type == TDXSIM_PT_EPT) ? leaf.bepoch : 0;
	r->r10 = r->r11 = 0;
	return TDXSIM_TDX_SUCCESS;
}
