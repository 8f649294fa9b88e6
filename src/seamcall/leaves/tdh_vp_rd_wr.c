/* SPDX-License-Identifier: MIT */
/*
 * TDH.VP.RD (leaf 26, versions 0 and 1) and TDH.VP.WR (leaf 43): one element of a vCPU's
 * metadata (td-build.md 3.9). One body for both, as in the module, because the checks up to
 * the element are the same. Locks: TDVPR (shared) -> implicit TDR (shared) -> TDCS op state
 * (shared).
 *
 * Outputs: R8 := 0 first (RD v1 also RDX := -1), then R8 = the value read, or for WR the
 * previous value masked by the read mask; RD v1 puts the next readable field id in RDX.
 * The vCPU is associated with the calling LP before the field is looked at, so a read of a
 * bad field id still associates an unassociated vCPU (the module does the same).
 */
#include "seamcall/vcpu.h"

/* Op states (td-build.md 1.3): VP.RD in 1-10, VP.WR in 1, 2, 3, 6-10. */
#define RD_OPS (TDXSIM_OPS_ALL & ~TDXSIM_OPS(TDXSIM_OP_UNINITIALIZED))
#define WR_OPS (RD_OPS & ~(TDXSIM_OPS(TDXSIM_OP_PAUSED_EXPORT) | TDXSIM_OPS(TDXSIM_OP_POST_EXPORT)))

static uint64_t vp_rd_wr(struct tdxsim_call *c, bool write)
{
	tdxsim_regs_t *r = c->regs;
	uint64_t field = r->rdx, wr_value = r->r8, wr_mask = r->r9, st, value = 0;
	bool v1 = !write && c->version > 0;
	struct tdxsim_vcpu *v;

	if (v1)
		r->rdx = ~UINT64_C(0);
	r->r8 = 0;
	if (!write && c->version > 1)
		return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RAX;
	if ((st = tdxsim_p4k_tdvpr(c, r->rcx, TDXSIM_OPERAND_RCX, TDXSIM_LOCK_SHARED, &v)))
		return st;
	if ((st = tdxsim_implicit_tdr(c, v->td, TDXSIM_LOCK_SHARED)))
		return st;
	if ((st = tdxsim_td_state(c, v->td, write ? WR_OPS : RD_OPS, TDXSIM_LOCK_SHARED)))
		return st;
	if (!tdxsim_vcpu_pages_ok(v))
		return TDXSIM_TDX_TDCX_NUM_INCORRECT;
	/* RD accepts a DISABLED vCPU, WR only a READY one. */
	if (!(v->state == TDXSIM_VCPU_READY || (!write && v->state == TDXSIM_VCPU_DISABLED)))
		return TDXSIM_TDX_VCPU_STATE_INCORRECT;
	if ((st = tdxsim_vcpu_associate(c, v)))
		return st;
	if (v1 && tdxsim_vp_md_is_null(field)) {
		r->rdx = tdxsim_vp_md_next(v, field);
		return TDXSIM_TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT;
	}
	st = write ? tdxsim_vp_md_write(c, v, field, wr_value, wr_mask, &value)
		   : tdxsim_vp_md_read(c, v, field, &value);
	if (st)
		return st;
	if (v1)
		r->rdx = tdxsim_vp_md_next(v, field);
	r->r8 = value;
	return TDXSIM_TDX_SUCCESS;
}

uint64_t tdxsim_tdh_vp_rd(struct tdxsim_call *c)
{
	return vp_rd_wr(c, false);
}

uint64_t tdxsim_tdh_vp_wr(struct tdxsim_call *c)
{
	return vp_rd_wr(c, true);
}
