/* SPDX-License-Identifier: MIT */
/*
 * TDH.MNG.VPFLUSHDONE (leaf 19): the host says every vCPU is flushed; the TD's KeyID stops
 * being usable (td-build.md 3.15). Locks: TDR (exclusive) -> KOT (exclusive).
 * No FATAL check: a fatal TD is torn down the same way. A TD that never got its TDCS pages, or
 * was never initialized, skips the associated-vCPU check.
 */
#include "seamcall/td_common.h"

uint64_t tdxsim_tdh_mng_vpflushdone(struct tdxsim_call *c)
{
	struct tdxsim *sim = c->sim;
	struct tdxsim_td *td;
	uint64_t st;

	if ((st = tdxsim_p4k_tdr(c, c->regs->rcx, TDXSIM_OPERAND_RCX, TDXSIM_LOCK_EXCLUSIVE, &td)))
		return st;
	if ((st = tdxsim_td_lock(c, TDXSIM_RES_KOT, 0, 0, &sim->td.kot_lock, TDXSIM_LOCK_EXCLUSIVE,
				 TDXSIM_OPERAND_KOT)))
		return st;
	if (td->lifecycle != TDXSIM_TD_HKID_ASSIGNED && td->lifecycle != TDXSIM_TD_KEYS_CONFIGURED)
		return TDXSIM_TDX_LIFECYCLE_STATE_INCORRECT;
	/* The TDCS is read without its lock here (3.15 row 4). */
	if (td->num_tdcx >= TDXSIM_MIN_TDCS_PAGES && td->tdcs.op_state != TDXSIM_OP_UNINITIALIZED &&
	    td->tdcs.num_assoc_vcpus != 0)
		return TDXSIM_TDX_FLUSHVP_NOT_DONE;

	/* Every package that has the platform key must write its caches back before the KeyID
	 * can be freed (TDH.PHYMEM.CACHE.WB clears its bit). */
	sim->td.wbinvd_bitmap[td->hkid] = sim->mod.pkg_key_done;
	sim->hkid.kot[td->hkid] = TDXSIM_HKID_FLUSHED;
	td->lifecycle = TDXSIM_TD_BLOCKED;
	return TDXSIM_TDX_SUCCESS;
}
