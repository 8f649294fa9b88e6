/* SPDX-License-Identifier: MIT */
/*
 * TDH.MNG.KEY.CONFIG (leaf 8): programs the TD's private key on the calling LP's package
 * (td-build.md 3.2). Locks: TDR (exclusive). PCONFIG's DEVICE_BUSY is the package's key
 * table (TDXSIM_RES_KET) being busy; its ENTROPY_ERROR is a failed entropy draw.
 */
#include "seamcall/td_common.h"

uint64_t tdxsim_tdh_mng_key_config(struct tdxsim_call *c)
{
	struct tdxsim *sim = c->sim;
	struct tdxsim_td *td;
	uint32_t pkg = sim->cpu.lps[c->lp].package;
	uint64_t st, key;

	if ((st = tdxsim_p4k_tdr(c, c->regs->rcx, TDXSIM_OPERAND_RCX, TDXSIM_LOCK_EXCLUSIVE, &td)))
		return st;
	if (td->fatal)
		return TDXSIM_TDX_TD_FATAL;
	if (td->lifecycle != TDXSIM_TD_HKID_ASSIGNED)
		return TDXSIM_TDX_LIFECYCLE_STATE_INCORRECT;
	if (td->pkg_config_bitmap & (UINT64_C(1) << pkg))
		return TDXSIM_TDX_KEY_CONFIGURED;
	/* PCONFIG(KEYID_SET_KEY_RANDOM): the package's key table answers DEVICE_BUSY while
	 * another LP of the package programs a key (td/td.h ket_lock). */
	if ((st = tdxsim_td_lock(c, TDXSIM_RES_KET, pkg, 0, &sim->td.ket_lock[pkg], TDXSIM_LOCK_EXCLUSIVE,
				 TDXSIM_OPERAND_KET)))
		return st;
	if (!tdxsim_td_random(&sim->td, &key))
		return TDXSIM_TDX_KEY_GENERATION_FAILED;

	td->pkg_config_bitmap |= UINT64_C(1) << pkg;
	if (td->pkg_config_bitmap == sim->mod.pkg_key_done)
		td->lifecycle = TDXSIM_TD_KEYS_CONFIGURED;
	return TDXSIM_TDX_SUCCESS;
}
