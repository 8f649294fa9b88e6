/* SPDX-License-Identifier: MIT */
/*
 * TDH.SYS.KEY.CONFIG (leaf 31): program the global private KeyID's key on the calling LP's
 * package (sheet 2.2, 7.2). Once per package, after TDH.SYS.CONFIG; the last package moves the
 * module to SYS_READY. A repeat on a configured package before then is TDX_KEY_CONFIGURED
 * (non-error class, but Linux treats any non-zero status as failure); after SYS_READY every
 * call is TDX_SYS_KEY_CONFIG_NOT_PENDING. TDX_KEY_GENERATION_FAILED (PCONFIG entropy) and
 * TDX_OPERAND_BUSY|KET leave the package unconfigured; tdxsim produces them through fault
 * injection.
 */
#include "seamcall/seamcall.h"

uint64_t tdxsim_tdh_sys_key_config(struct tdxsim_call *c)
{
	struct tdxsim *sim = c->sim;
	struct tdxsim_module *m = &sim->mod;
	uint32_t pkg = sim->cpu.lps[c->lp].package;
	uint32_t all = (UINT32_C(1) << sim->cpu.num_packages) - 1;

	if (m->state != TDXSIM_SYSCONFIG_DONE)
		return TDXSIM_TDX_SYS_KEY_CONFIG_NOT_PENDING;
	if (m->pkg_key_done & (UINT32_C(1) << pkg))
		return TDXSIM_TDX_KEY_CONFIGURED;

	m->pkg_key_done |= UINT32_C(1) << pkg;
	c->extra_cycles += sim->cfg.costs.key_program;
	if (m->pkg_key_done == all)
		m->state = TDXSIM_SYS_READY;
	return TDXSIM_TDX_SUCCESS;
}
