/* SPDX-License-Identifier: MIT */
/*
 * TDH.SYS.RD (leaf 34): read one global metadata element (sheet 4.1). Allowed in any state
 * but SHUTDOWN (the dispatcher's allow-list), on an LP that did TDH.SYS.LP.INIT.
 * In: RDX = field id. Out: RDX = next field id (-1 at the end or on failure), R8 = value
 * (0 on failure).
 */
#include "seamcall/seamcall.h"

uint64_t tdxsim_tdh_sys_rd(struct tdxsim_call *c)
{
	tdxsim_regs_t *r = c->regs;

	if (!c->sim->mod.lp_initialized[c->lp]) {
		r->rdx = ~UINT64_C(0);
		r->r8 = 0;
		return TDXSIM_TDX_SYS_LP_INIT_NOT_DONE;
	}
	/* RDX is read before either output is written (the field id is passed by value). */
	return tdxsim_md_sys_read(&c->sim->mod.md, r->rdx, &r->r8, &r->rdx);
}
