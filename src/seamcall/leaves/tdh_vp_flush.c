/* SPDX-License-Identifier: MIT */
/*
 * TDH.VP.FLUSH (leaf 18): dissociates the vCPU whose TDVPR is in RCX from the calling LP, which
 * must be the one it is associated with (td-build.md 3.10). Locks: TDVPR (exclusive) ->
 * implicit TDR (shared); no FATAL or op-state check. On hardware the leaf also flushes the TD's
 * TLB entries and VMCLEARs the vCPU's VMCS on this LP; tdxsim has neither to flush.
 */
#include "seamcall/vcpu.h"

uint64_t tdxsim_tdh_vp_flush(struct tdxsim_call *c)
{
	struct tdxsim_vcpu *v;
	uint64_t st;

	if ((st = tdxsim_p4k_tdvpr(c, c->regs->rcx, TDXSIM_OPERAND_RCX, TDXSIM_LOCK_EXCLUSIVE, &v)))
		return st;
	struct tdxsim_td *td = v->td;
	if ((st = tdxsim_implicit_tdr(c, td, TDXSIM_LOCK_SHARED)))
		return st;
	if (td->lifecycle != TDXSIM_TD_KEYS_CONFIGURED)
		return TDXSIM_TDX_TD_KEYS_NOT_CONFIGURED;
	if (!tdxsim_vcpu_pages_ok(v))
		return TDXSIM_TDX_TDCX_NUM_INCORRECT;
	/* "Not associated" (0xFFFFFFFF) is never this LP either. */
	if (v->assoc_lp != c->lp)
		return TDXSIM_TDX_VCPU_NOT_ASSOCIATED;
	v->assoc_lp = TDXSIM_VCPU_NOT_ASSOC;
	td->tdcs.num_assoc_vcpus--;
	return TDXSIM_TDX_SUCCESS;
}
