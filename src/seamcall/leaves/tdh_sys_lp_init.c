/* SPDX-License-Identifier: MIT */
/*
 * TDH.SYS.LP.INIT (leaf 35): per-LP initialization, once per LP, only while the module is in
 * SYSINIT_DONE, so never before TDH.SYS.INIT nor after TDH.SYS.CONFIG (sheet 2.2, 7.2).
 * Effects: the LP counts as initialized; a global EPT flush (INVEPT all contexts) is charged.
 */
#include "seamcall/seamcall.h"

uint64_t tdxsim_tdh_sys_lp_init(struct tdxsim_call *c)
{
	struct tdxsim *sim = c->sim;
	struct tdxsim_module *m = &sim->mod;
	tdxsim_regs_t *r = c->regs;

	r->rcx = r->rdx = r->r8 = 0;
	if (m->state != TDXSIM_SYSINIT_DONE)
		return TDXSIM_TDX_SYS_LP_INIT_NOT_PENDING;
	if (m->lp_initialized[c->lp])
		return TDXSIM_TDX_SYS_LP_INIT_DONE;
	/* The package index comes from the x2APIC id and must be < 8 (TDX_INVALID_PKG_ID);
	 * tdxsim_config_check() already bounds packages to 8. */
	if (sim->cpu.lps[c->lp].package >= TDXSIM_MAX_PACKAGES)
		return TDXSIM_TDX_INVALID_PKG_ID | sim->cpu.lps[c->lp].package;

	m->lp_initialized[c->lp] = 1;
	m->lps_initialized++;
	c->extra_cycles += sim->cfg.costs.lp_init_ept_flush;
	return TDXSIM_TDX_SUCCESS;
}
