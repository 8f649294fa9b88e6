/* SPDX-License-Identifier: MIT */
/*
 * TDH.SYS.RDALL (leaf 37): dump global metadata as a metadata list into a 4 KiB page
 * (sheet 2.2, 4.1). In: RDX = PA of the page (4 KiB aligned, shared), R8 = first field id.
 * Out: R8 = next field id (-1 when everything was written, or on failure).
 */
#include "core/util.h"
#include "seamcall/seamcall.h"

uint64_t tdxsim_tdh_sys_rdall(struct tdxsim_call *c)
{
	struct tdxsim *sim = c->sim;
	tdxsim_regs_t *r = c->regs;
	uint64_t start = r->r8;
	void *page;

	/* The module sets R8 = -1 before its first check ([M155] tdh_sys_rdall.c). */
	r->r8 = ~UINT64_C(0);
	if (!sim->mod.lp_initialized[c->lp])
		return TDXSIM_TDX_SYS_LP_INIT_NOT_DONE;
	if (!tdxsim_shared_hpa_ok(sim, r->rdx, TDXSIM_4K, TDXSIM_4K, &page))
		return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RDX;
	return tdxsim_md_sys_read_all(&sim->mod.md, start, page, &r->r8);
}
