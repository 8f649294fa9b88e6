/* SPDX-License-Identifier: MIT */
/*
 * TDH.MEM.SEPT.RD (leaf 25): reads the secure-EPT entry at RCX = GPA | level of a TD (RDX;
 * bit 0 asks for L2 attributes, debug TDs only) as the ext pair RCX/RDX (td-runtime.md 2.7;
 * module 1.5.05 api/tdh_mem_sept_rd.c). Any state is readable, FREE included.
 * Locks: TDR shared -> op state shared -> SEPT tree shared -> SEPT entry.
 * Outputs: RCX/RDX := 0 at entry; the entry's ext on success and on a walk or lock failure;
 * with the L2 flag R8 = the L2 attributes (0: L2 secure EPTs are never aliased here).
 */
#include "seamcall/td_sept.h"

#define READ_L2_ATTRIBUTES UINT64_C(1)

uint64_t tdxsim_tdh_mem_sept_rd(struct tdxsim_call *c)
{
	tdxsim_regs_t *r = c->regs;
	uint64_t info = r->rcx, tdr = r->rdx & ~READ_L2_ATTRIBUTES;
	bool read_l2 = r->rdx & READ_L2_ATTRIBUTES;
	struct tdxsim_td *td;
	struct tdxsim_septe_ref ref;
	uint64_t st;

	r->rcx = 0;
	r->rdx = 0;
	if ((st = tdxsim_p4k_tdr(c, tdr, TDXSIM_OPERAND_RDX, TDXSIM_LOCK_SHARED, &td)))
		return st;
	if ((st = tdxsim_td_state(c, td, TDXSIM_OPS_ALL & ~TDXSIM_OPS(0), TDXSIM_LOCK_SHARED)))
		return st;
	if (read_l2 && !(td->tdcs.attributes & 1)) /* ATTRIBUTES.DEBUG */
		return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RDX;
	if ((st = tdxsim_sept_locate(c, td, info, 0, tdxsim_td_sept_top(td), TDXSIM_LOCK_SHARED, &ref)))
		return st;
	unsigned level = ref.level;
	if (read_l2)
		r->r8 = 0;
	tdxsim_set_ext(c, *ref.e, level);
	return TDXSIM_TDX_SUCCESS;
}
