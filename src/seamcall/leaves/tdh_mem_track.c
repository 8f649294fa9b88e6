/* SPDX-License-Identifier: MIT */
/*
 * TDH.MEM.TRACK (leaf 38): starts a new TLB epoch for the TD whose TDR is in RCX
 * (td-runtime.md 2.4; module 1.5.05 api/tdh_mem_track.c). Pages blocked in the previous epoch
 * count as tracked once every vCPU that entered during it has left (REFCOUNT drained).
 * Locks: TDR shared -> op state shared -> TD epoch exclusive. No outputs.
 */
#include "seamcall/td_common.h"

uint64_t tdxsim_tdh_mem_track(struct tdxsim_call *c)
{
	struct tdxsim_td *td;
	uint64_t st;

	if ((st = tdxsim_p4k_tdr(c, c->regs->rcx, TDXSIM_OPERAND_RCX, TDXSIM_LOCK_SHARED, &td)))
		return st;
	/* Op states 1-9 (tdx-module-abi.md 11.4). */
	if ((st = tdxsim_td_state(c, td, TDXSIM_OPS_ALL & ~(TDXSIM_OPS(0) | TDXSIM_OPS(10)),
				  TDXSIM_LOCK_SHARED)))
		return st;
	if ((st = tdxsim_td_lock(c, TDXSIM_RES_TD_EPOCH, td->tdr_pa, 0, &td->epoch_lock,
				 TDXSIM_LOCK_EXCLUSIVE, TDXSIM_OPERAND_TD_EPOCH)))
		return st;
	/* vCPUs that entered during the previous epoch are still in the guest. */
	if (td->tdcs.refcount[1 - (td->tdcs.td_epoch & 1)] != 0)
		return TDXSIM_TDX_PREVIOUS_TLB_EPOCH_BUSY;
	td->tdcs.td_epoch++;
	return TDXSIM_TDX_SUCCESS;
}
