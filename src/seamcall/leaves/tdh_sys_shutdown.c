/* SPDX-License-Identifier: MIT */
/*
 * TDH.SYS.SHUTDOWN (leaf 52) and TDH.SYS.LP.SHUTDOWN (leaf 44) (sheet 2.2, 7.1).
 * SYS.SHUTDOWN takes the handoff version the next module must accept in RCX (Linux passes
 * MODULE_HV); a version outside [MIN_UPDATE_HV, MODULE_HV] is OPERAND_INVALID|RCX. Afterwards
 * every leaf but LP.SHUTDOWN answers TDX_SYS_SHUTDOWN (dispatcher). LP.SHUTDOWN is a
 * deprecated no-op in 1.5 that always succeeds.
 */
#include "seamcall/seamcall.h"

uint64_t tdxsim_tdh_sys_shutdown(struct tdxsim_call *c)
{
	const struct tdxsim_profile *p = c->sim->mod.profile;
	uint64_t hv = c->regs->rcx;

	/* NO_DOWNGRADE: only MODULE_HV itself ([M15x] tdh_sys_shutdown.c). */
	if (hv < p->min_update_hv || hv > p->module_hv || (p->no_downgrade && hv != p->module_hv))
		return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RCX;
	c->sim->mod.state = TDXSIM_SYS_SHUTDOWN;
	/* The handoff data header the next module's TDH.SYS.UPDATE (and the P-SEAMLDR) checks. */
	c->sim->mod.handoff_valid = true;
	c->sim->mod.handoff_hv = (uint16_t)hv;
	return TDXSIM_TDX_SUCCESS;
}

uint64_t tdxsim_tdh_sys_lp_shutdown(struct tdxsim_call *c)
{
	return TDXSIM_TDX_SUCCESS;
}
