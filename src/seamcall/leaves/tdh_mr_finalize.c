/* SPDX-License-Identifier: MIT */
/*
 * TDH.MR.FINALIZE (leaf 17): ends the TD's build measurement into TDCS.MRTD and makes the TD
 * RUNNABLE (td-build.md 3.14; module 1.5.05 api/tdh_mr_finalize.c). RCX = TDR.
 * Locks: TDR exclusive only. No outputs. SERVTD_HASH (48 zero bytes without bound service
 * TDs) is not kept: service TDs are not emulated.
 */
#include "seamcall/td_common.h"
#include "td/measure.h"

uint64_t tdxsim_tdh_mr_finalize(struct tdxsim_call *c)
{
	struct tdxsim_td *td;
	uint64_t st;

	if ((st = tdxsim_p4k_tdr(c, c->regs->rcx, TDXSIM_OPERAND_RCX, TDXSIM_LOCK_EXCLUSIVE, &td)))
		return st;
	if ((st = tdxsim_td_state(c, td, TDXSIM_OPS(TDXSIM_OP_INITIALIZED), 0)))
		return st;
	/* NUM_VCPUS counts VP.INIT's index allocations (td-build.md 3.8, 3.14). */
	if (td->tdcs.num_vcpus == 0)
		return TDXSIM_TDX_NO_VCPUS;
	if (tdxsim_td_meas_final(td->meas, td->tdcs.mrtd))
		return TDXSIM_STATUS_NO_MEMORY;
	td->tdcs.op_state = TDXSIM_OP_RUNNABLE;
	return TDXSIM_TDX_SUCCESS;
}
