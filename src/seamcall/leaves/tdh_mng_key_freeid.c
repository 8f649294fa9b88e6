/* SPDX-License-Identifier: MIT */
/*
 * TDH.MNG.KEY.FREEID (leaf 20): the TD's KeyID goes back to the free pool once every package
 * wrote its caches back (td-build.md 3.17). Locks: TDR (exclusive) -> KOT (exclusive).
 * TDR.HKID keeps its old value; the TD is now in TEARDOWN and only its pages can be reclaimed.
 */
#include "seamcall/td_common.h"

uint64_t tdxsim_tdh_mng_key_freeid(struct tdxsim_call *c)
{
	struct tdxsim *sim = c->sim;
	struct tdxsim_td *td;
	uint64_t st;

	if ((st = tdxsim_p4k_tdr(c, c->regs->rcx, TDXSIM_OPERAND_RCX, TDXSIM_LOCK_EXCLUSIVE, &td)))
		return st;
	if (td->lifecycle != TDXSIM_TD_BLOCKED)
		return TDXSIM_TDX_LIFECYCLE_STATE_INCORRECT;
	if ((st = tdxsim_td_lock(c, TDXSIM_RES_KOT, 0, 0, &sim->td.kot_lock, TDXSIM_LOCK_EXCLUSIVE,
				 TDXSIM_OPERAND_KOT)))
		return st;
	if (sim->td.wbinvd_bitmap[td->hkid] != 0)
		return TDXSIM_TDX_WBCACHE_NOT_COMPLETE;

	sim->hkid.kot[td->hkid] = TDXSIM_HKID_FREE;
	td->lifecycle = TDXSIM_TD_TEARDOWN;
	return TDXSIM_TDX_SUCCESS;
}
