/* SPDX-License-Identifier: MIT */
/*
 * TDH.MEM.RANGE.BLOCK (leaf 7): blocks the secure-EPT entry RCX = GPA | level (a leaf or a
 * non-leaf) of a TD (RDX), so that after TDH.MEM.TRACK no vCPU still uses it
 * (td-runtime.md 2.2; module 1.5.05 api/tdh_mem_range_block.c). The blocked page's PAMT
 * BEPOCH records the TD's current epoch (for a non-leaf: the child secure-EPT page).
 * Locks: TDR shared -> op state shared -> SEPT tree exclusive -> SEPT entry.
 * Outputs: RCX/RDX := 0 at entry; ext on errors and on TDX_GPA_RANGE_ALREADY_BLOCKED, a
 * status with bit 63 clear that is not TDX_SUCCESS (KVM treats it as a bug).
 */
#include "seamcall/td_sept.h"

uint64_t tdxsim_tdh_mem_range_block(struct tdxsim_call *c)
{
	tdxsim_regs_t *r = c->regs;
	uint64_t info = r->rcx, tdr = r->rdx;
	struct tdxsim_td *td;
	struct tdxsim_septe_ref ref;
	uint64_t st;

	r->rcx = 0;
	r->rdx = 0;
	if ((st = tdxsim_p4k_tdr(c, tdr, TDXSIM_OPERAND_RDX, TDXSIM_LOCK_SHARED, &td)))
		return st;
	uint32_t allowed = TDXSIM_OPS(1) | TDXSIM_OPS(2) | TDXSIM_OPS(3) | TDXSIM_OPS(4) | TDXSIM_OPS(5) |
			   TDXSIM_OPS(8) | TDXSIM_OPS(9);
	if ((st = tdxsim_td_state(c, td, allowed, TDXSIM_LOCK_SHARED)))
		return st;
	if ((st = tdxsim_sept_locate(c, td, info, 0, tdxsim_td_sept_top(td), TDXSIM_LOCK_EXCLUSIVE, &ref)))
		return st;
	unsigned level = ref.level;
	uint64_t e = *ref.e;
	unsigned state = tdxsim_septe_state(e);
	switch (state) {
	case TDXSIM_SEPT_NL_MAPPED:
	case TDXSIM_SEPT_MAPPED:
	case TDXSIM_SEPT_BLOCKEDW:
	case TDXSIM_SEPT_PENDING:
	case TDXSIM_SEPT_PENDING_BLOCKEDW:
		break;
	default:
		tdxsim_set_ext(c, e, level);
		return (tdxsim_sept_state_any_blocked(state) ? TDXSIM_TDX_GPA_RANGE_ALREADY_BLOCKED
							     : TDXSIM_TDX_EPT_ENTRY_STATE_INCORRECT) |
		       TDXSIM_OPERAND_RCX;
	}

	/* Effects. BEPOCH first: it is the only step that can run out of host memory. */
	uint64_t hpa = e & TDXSIM_SEPTE_HPA_MASK;
	if (tdxsim_pamt_set_bepoch(c->sim->pamt, hpa, tdxsim_septe_is_leaf(e) ? level : TDXSIM_PS_4K,
				   td->tdcs.td_epoch) == TDXSIM_PAMT_NO_MEMORY)
		return TDXSIM_STATUS_NO_MEMORY;
	/* Blocked: no RWX, TDB set, a BLOCKEDW's TDBW gone (td-runtime.md 1.3 encodings). */
	*ref.e = (e & ~(TDXSIM_SEPTE_RWX | TDXSIM_SEPTE_TDBW)) | TDXSIM_SEPTE_TDB;
	return TDXSIM_TDX_SUCCESS;
}
