/* SPDX-License-Identifier: MIT */
/*
 * TDH.MEM.PAGE.AUG (leaf 6): maps the free page R8 at RCX = GPA | level (0: 4K, 1: 2M) of a
 * TD (RDX) as PENDING, for the guest to accept (td-runtime.md 2.1; module 1.5.05
 * api/tdh_mem_page_aug.c). The page's contents are not touched (the guest's ACCEPT zeroes).
 * Locks: TDR shared -> op state shared -> SEPT tree shared -> SEPT entry -> new page exclusive
 * (a 2M page: its 1G PAMT entry shared and its 2M entry exclusive).
 * Outputs: RCX/RDX := 0 at entry, ext on secure-EPT failures.
 */
#include "core/util.h"
#include "seamcall/td_sept.h"

/* check_and_lock_free_range_hpa at 2 MiB: the 2M entry and all 512 4K entries free. */
static uint64_t lock_free_2m(struct tdxsim_call *c, uint64_t pa)
{
	struct tdxsim_pamt_leaf l;
	uint64_t st;

	if (!tdxsim_page_pa_ok(c->sim, pa) || !tdxsim_is_aligned(pa, TDXSIM_2M))
		return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_R8;
	if (tdxsim_pamt_walk(c->sim->pamt, pa, &l) != TDXSIM_PAMT_OK ||
	    tdxsim_pamt_walk(c->sim->pamt, pa + TDXSIM_2M - 1, &l) != TDXSIM_PAMT_OK)
		return TDXSIM_TDX_OPERAND_ADDR_RANGE_ERROR | TDXSIM_OPERAND_R8;
	if ((st = tdxsim_td_lock(c, TDXSIM_RES_PAGE, tdxsim_align_down(pa, TDXSIM_1G) | TDXSIM_PS_1G, 0, NULL,
				 TDXSIM_LOCK_SHARED, TDXSIM_OPERAND_R8)) ||
	    (st = tdxsim_td_lock(c, TDXSIM_RES_PAGE, pa | TDXSIM_PS_2M, 0, NULL, TDXSIM_LOCK_EXCLUSIVE,
				 TDXSIM_OPERAND_R8)))
		return st;
	for (uint64_t off = 0; off < TDXSIM_2M; off += TDXSIM_4K)
		if (tdxsim_pamt_walk(c->sim->pamt, pa + off, &l) != TDXSIM_PAMT_OK || l.type != TDXSIM_PT_NDA)
			return TDXSIM_TDX_PAGE_METADATA_INCORRECT | TDXSIM_OPERAND_R8;
	return 0;
}

uint64_t tdxsim_tdh_mem_page_aug(struct tdxsim_call *c)
{
	tdxsim_regs_t *r = c->regs;
	uint64_t info = r->rcx, tdr = r->rdx, page = r->r8;
	struct tdxsim_td *td;
	struct tdxsim_septe_ref ref;
	uint64_t st;

	r->rcx = 0;
	r->rdx = 0;
	if ((st = tdxsim_p4k_tdr(c, tdr, TDXSIM_OPERAND_RDX, TDXSIM_LOCK_SHARED, &td)))
		return st;
	uint32_t allowed = TDXSIM_OPS(TDXSIM_OP_INITIALIZED) | TDXSIM_OPS(TDXSIM_OP_RUNNABLE) |
			   TDXSIM_OPS(TDXSIM_OP_LIVE_EXPORT) | TDXSIM_OPS(TDXSIM_OP_LIVE_IMPORT);
	if ((st = tdxsim_td_state(c, td, allowed, TDXSIM_LOCK_SHARED)))
		return st;
	if ((st = tdxsim_sept_locate(c, td, info, 0, 1, TDXSIM_LOCK_SHARED, &ref)))
		return st;
	unsigned level = ref.level;
	unsigned state = tdxsim_septe_state(*ref.e);
	if (state != TDXSIM_SEPT_FREE && state != TDXSIM_SEPT_REMOVED) {
		tdxsim_set_ext(c, *ref.e, level);
		return TDXSIM_TDX_EPT_ENTRY_STATE_INCORRECT | TDXSIM_OPERAND_RCX;
	}
	if (level == 0)
		st = tdxsim_p4k(c, page, TDXSIM_OPERAND_R8, TDXSIM_PT_NDA, TDXSIM_LOCK_EXCLUSIVE, NULL);
	else
		st = lock_free_2m(c, page);
	if (st)
		return st;

	/* Effects: PENDING leaf (no RWX), page owned by the TD with BEPOCH 0. */
	if ((st = tdxsim_td_take_page(c, td, page, level, TDXSIM_PT_REG)))
		return st;
	*ref.e = TDXSIM_SEPTE_PENDING(page);
	return TDXSIM_TDX_SUCCESS;
}
