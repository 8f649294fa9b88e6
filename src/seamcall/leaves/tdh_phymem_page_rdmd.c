/* SPDX-License-Identifier: MIT */
/*
 * TDH.PHYMEM.PAGE.RDMD (leaf 24): read the PAMT metadata of a 4 KiB page (sheet 8.3).
 * In: RCX = page PA (4K aligned, below 2^52, KeyID 0). Out: RCX = page type, RDX = owner,
 * R8 = level of the leaf entry, R9 = BEPOCH for PT_REG/PT_EPT (0 otherwise), R10 = R11 = 0.
 * Needs SYS_READY: Linux's paddr_is_tdx_private() relies on it failing before that.
 * The leaf zeroes its six output registers before any check, so every error it returns
 * itself comes with RCX, RDX and R8-R11 zero ([M15] tdh_phymem_page_rdmd.c); the
 * dispatcher's own rejections (SYS_NOT_READY, bad RAX) leave them untouched.
 */
#include "seamcall/seamcall.h"

uint64_t tdxsim_tdh_phymem_page_rdmd(struct tdxsim_call *c)
{
	tdxsim_regs_t *r = c->regs;
	struct tdxsim_pamt_leaf leaf;
	uint64_t pa = r->rcx;

	r->rcx = r->rdx = r->r8 = r->r9 = r->r10 = r->r11 = 0;
	if (!tdxsim_page_pa_ok(c->sim, pa))
		return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RCX;
	if (tdxsim_pamt_walk(c->sim->pamt, pa, &leaf) != TDXSIM_PAMT_OK)
		return TDXSIM_TDX_OPERAND_ADDR_RANGE_ERROR | TDXSIM_OPERAND_RCX;

	r->rcx = leaf.type;
	r->rdx = leaf.owner;
	r->r8 = leaf.level;
	if (leaf.type == TDXSIM_PT_REG || leaf.type == TDXSIM_PT_EPT)
		r->r9 = leaf.bepoch;
	return TDXSIM_TDX_SUCCESS;
}
