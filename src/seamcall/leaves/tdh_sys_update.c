/* SPDX-License-Identifier: MIT */
/*
 * TDH.SYS.UPDATE (leaf 53): the last step of a TD-preserving update (sheet 2.2, 7.1, 14.3).
 * On a module that P-SEAMLDR INSTALL loaded, after TDH.SYS.INIT and TDH.SYS.LP.INIT on every
 * LP, it takes the handoff data the previous module's TDH.SYS.SHUTDOWN left and goes straight
 * to SYS_READY: no TDH.SYS.CONFIG, KEY.CONFIG or TDMR.INIT; TDMRs, PAMT, KeyIDs and TDs are the
 * old module's. Order ([M15x] tdh_sys_update.c, intel/tdx-module 1666adc; the 1.5 rules):
 * exclusive lock (TDX_SYS_BUSY: fault injection only) -> state SYSINIT_DONE with every LP of
 * the platform initialized, else TDX_SYS_STATE_INCORRECT -> handoff data valid with a version
 * in [MIN_UPDATE_HV, MODULE_HV], else TDX_SYS_INVALID_HANDOFF -> effects.
 * Version 1 (R9 = add-on features, sheet 15.2) does not exist in the emulated modules: the
 * dispatcher rejects it. In: none. Out: none.
 */
#include "seamcall/seamcall.h"

uint64_t tdxsim_tdh_sys_update(struct tdxsim_call *c)
{
	struct tdxsim *sim = c->sim;
	struct tdxsim_module *m = &sim->mod;
	const struct tdxsim_profile *p = m->profile;

	if (m->state != TDXSIM_SYSINIT_DONE || m->lps_initialized < sim->cpu.num_lps)
		return TDXSIM_TDX_SYS_STATE_INCORRECT;
	if (!m->handoff_valid || m->handoff_hv < p->min_update_hv || m->handoff_hv > p->module_hv)
		return TDXSIM_TDX_SYS_INVALID_HANDOFF;

	/* The handed-over state is already in place (PAMT store, KOT, keys); consuming the
	 * handoff data clears its header. */
	m->handoff_valid = false;
	m->handoff_hv = 0;
	/* The handoff's KOT overwrites the new module's own, whatever a failed TDH.SYS.CONFIG
	 * reserved in it ([M15] retrieve_handoff_data copies the whole KOT). */
	tdxsim_hkid_drop_next(&sim->hkid);
	m->state = TDXSIM_SYS_READY;
	return TDXSIM_TDX_SUCCESS;
}
