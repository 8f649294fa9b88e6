/* SPDX-License-Identifier: MIT */
/*
 * TDH.MEM.SEPT.ADD (leaf 3), versions 0 and 1 (td-build.md 3.11; module 1.5.05
 * api/tdh_mem_sept_add.c): adds the secure-EPT page in R8 below the entry RCX = GPA | level
 * names, in the TD whose TDR is in RDX (bit 0: ALLOW_EXISTING).
 * Locks: TDR shared -> op state shared -> SEPT tree shared -> SEPT entry -> new page exclusive.
 * Outputs: RCX/RDX := 0 at entry, ext on secure-EPT failures. Version 1 writes R8-R11 on every
 * exit but a bad version: -1 for a page consumed or not given, the input with bit 63 set for
 * an entry that already existed under ALLOW_EXISTING, else the input with bit 63 cleared.
 * L2 secure EPTs (TD partitioning) are not modelled: a v1 call that would walk one answers
 * TDXSIM_STATUS_NOT_EMULATED (docs/fidelity.md).
 */
#include "seamcall/td_sept.h"

#define BIT63	     (UINT64_C(1) << 63)
#define RDX_RESERVED (UINT64_C(0xFFF0000000000FFE))

static uint64_t sept_add(struct tdxsim_call *c, uint64_t pa[4], uint64_t info, uint64_t tdr_flags)
{
	struct tdxsim_td *td;
	struct tdxsim_septe_ref ref;
	uint64_t st;
	bool allow_existing = tdr_flags & 1;

	if (tdr_flags & RDX_RESERVED)
		return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RDX;
	if ((st = tdxsim_p4k_tdr(c, tdr_flags & ~UINT64_C(1), TDXSIM_OPERAND_RDX, TDXSIM_LOCK_SHARED, &td)))
		return st;
	uint32_t allowed = TDXSIM_OPS(TDXSIM_OP_INITIALIZED) | TDXSIM_OPS(TDXSIM_OP_RUNNABLE) |
			   TDXSIM_OPS(TDXSIM_OP_LIVE_EXPORT) | TDXSIM_OPS(TDXSIM_OP_MEMORY_IMPORT) |
			   TDXSIM_OPS(TDXSIM_OP_STATE_IMPORT) | TDXSIM_OPS(TDXSIM_OP_POST_IMPORT) |
			   TDXSIM_OPS(TDXSIM_OP_LIVE_IMPORT);
	if ((st = tdxsim_td_state(c, td, allowed, TDXSIM_LOCK_SHARED)))
		return st;
	if ((st = tdxsim_sept_locate(c, td, info, 1, tdxsim_td_sept_top(td), TDXSIM_LOCK_SHARED, &ref)))
		return st;
	unsigned level = ref.level;
	unsigned state = tdxsim_septe_state(*ref.e);
	if (state != TDXSIM_SEPT_FREE && state != TDXSIM_SEPT_NL_MAPPED) {
		tdxsim_set_ext(c, *ref.e, level);
		return TDXSIM_TDX_EPT_ENTRY_STATE_INCORRECT | TDXSIM_OPERAND_RCX;
	}

	/* The L1 page (process_l1_page). */
	if (pa[0] == TDXSIM_NULL_PA) {
		if (c->version == 0)
			return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_R8;
		if (state != TDXSIM_SEPT_NL_MAPPED) {
			tdxsim_set_ext(c, *ref.e, level);
			return TDXSIM_TDX_EPT_ENTRY_STATE_INCORRECT | TDXSIM_OPERAND_RCX;
		}
	} else if (state == TDXSIM_SEPT_FREE) {
		if ((st = tdxsim_p4k(c, pa[0], TDXSIM_OPERAND_R8, TDXSIM_PT_NDA, TDXSIM_LOCK_EXCLUSIVE,
				     NULL)))
			return st;
	} else if (allow_existing) {
		pa[0] |= BIT63; /* the page was not used */
	} else {
		tdxsim_set_ext(c, *ref.e, level);
		return TDXSIM_TDX_EPT_ENTRY_STATE_INCORRECT | TDXSIM_OPERAND_RCX;
	}

	/* L2 pages (process_l2_pages): only VMs the TD has may be named. */
	if (c->version > 0) {
		for (unsigned vm = 1; vm < 4; vm++) {
			if (pa[vm] == TDXSIM_NULL_PA)
				continue;
			if (vm > td->tdcs.num_l2_vms)
				return TDXSIM_TDX_OPERAND_INVALID | (TDXSIM_OPERAND_R8 + vm);
			return TDXSIM_STATUS_NOT_EMULATED;
		}
	}

	/* Effects. Every check passed: add the L1 page if one is to be added. The module fills
	 * it (MOVDIR64B through the TD's KeyID, every entry FREE) before the PAMT update. */
	if (!(pa[0] & BIT63)) {
		if ((st = tdxsim_td_fill_page(c, pa[0], td->hkid, TDXSIM_SEPTE_FREE_VALUE)))
			return st;
		if (!tdxsim_sept_table_add(td->sept, pa[0], level - 1))
			return TDXSIM_STATUS_NO_MEMORY;
		if ((st = tdxsim_td_take_page(c, td, pa[0], TDXSIM_PS_4K, TDXSIM_PT_EPT))) {
			tdxsim_sept_table_del(td->sept, pa[0]);
			return st;
		}
		*ref.e = TDXSIM_SEPTE_NL_MAPPED(pa[0]);
		pa[0] = TDXSIM_NULL_PA;
	}
	return TDXSIM_TDX_SUCCESS;
}

uint64_t tdxsim_tdh_mem_sept_add(struct tdxsim_call *c)
{
	tdxsim_regs_t *r = c->regs;
	uint64_t info = r->rcx, tdr_flags = r->rdx;
	uint64_t pa[4] = {r->r8, TDXSIM_NULL_PA, TDXSIM_NULL_PA, TDXSIM_NULL_PA};

	if (c->version > 0) {
		pa[1] = r->r9;
		pa[2] = r->r10;
		pa[3] = r->r11;
	}
	r->rcx = 0;
	r->rdx = 0;
	if (c->version > 1)
		return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RAX;
	/* Bit 63 of a page operand is ignored unless the whole value is -1 ("none"). */
	for (unsigned i = 0; i < 4; i++)
		if (pa[i] != TDXSIM_NULL_PA)
			pa[i] &= ~BIT63;

	uint64_t st = sept_add(c, pa, info, tdr_flags);
	if (c->version > 0) {
		r->r8 = pa[0];
		r->r9 = pa[1];
		r->r10 = pa[2];
		r->r11 = pa[3];
	}
	return st;
}
