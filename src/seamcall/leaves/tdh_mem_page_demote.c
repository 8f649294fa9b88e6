/* SPDX-License-Identifier: MIT */
/*
 * TDH.MEM.PAGE.DEMOTE (leaf 15): splits the 2 MiB (RCX level 1) or 1 GiB (level 2) leaf at
 * RCX = GPA | level of a TD (RDX = TDR | L2 add mode in bit 0) into 512 leaves of the level
 * below, held by the new secure-EPT page R8 (td-runtime.md 2.9, 6.1; module 1.5.05
 * api_calls/tdh_mem_page_demote.c). The small leaves keep the large one's state but
 * unblocked (BLOCKED -> MAPPED, PENDING_BLOCKED -> PENDING): no UNBLOCK follows a split.
 * Locks: TDR shared -> op state shared -> SEPT tree shared -> SEPT entry -> R8's PAMT entry
 * exclusive -> the split page's large PAMT entry exclusive (pamt_demote).
 * Outputs: RCX/RDX := 0 at entry, ext on secure-EPT errors; success: R9-R11 echo the L2 page
 * operands. 1.5 is interruptible: after the new page is written and before anything is
 * committed, a pending host interrupt ends the call with TDX_INTERRUPTED_RESTARTABLE and
 * RCX/RDX back at their input values. The module keeps no progress (it says so): the host
 * issues the same call again, and the page R8 is simply written again.
 * L2 secure EPTs (TD partitioning) are not modelled: a TD with L2 VMs answers
 * TDXSIM_STATUS_NOT_EMULATED past the checks L1 shares (docs/fidelity.md).
 */
#include "core/util.h"
#include "mce/mce.h"
#include "pamt/pamt.h"
#include "seamcall/td_sept.h"

#define RDX_RESERVED	   UINT64_C(0xFFF0000000000FFE)
#define PENDING_2M_COUNTER UINT64_C(0x1FF000) /* ACCEPT progress in a PENDING 2M leaf (1.2) */

static bool demotable(unsigned state)
{
	return state == TDXSIM_SEPT_MAPPED || state == TDXSIM_SEPT_BLOCKED || state == TDXSIM_SEPT_PENDING ||
	       state == TDXSIM_SEPT_PENDING_BLOCKED;
}

/* The tracking check (td-runtime.md 2 intro): blocked, and BLOCK's epoch tracked. */
static uint64_t check_tracked(struct tdxsim_call *c, struct tdxsim_td *td, uint64_t e, unsigned level,
			      uint64_t hpa)
{
	unsigned state = tdxsim_septe_state(e);
	uint32_t op = td->tdcs.op_state;
	struct tdxsim_pamt_leaf l = {0};

	if (!tdxsim_sept_state_tracked(state) ||
	    (op != TDXSIM_OP_RUNNABLE && op != TDXSIM_OP_LIVE_EXPORT && op != TDXSIM_OP_LIVE_IMPORT))
		return 0;
	if (!tdxsim_sept_state_any_blocked(state)) {
		tdxsim_set_ext(c, e, level);
		return TDXSIM_TDX_GPA_RANGE_NOT_BLOCKED | TDXSIM_OPERAND_RCX;
	}
	tdxsim_pamt_walk(c->sim->pamt, hpa, &l);
	return tdxsim_tlb_tracked(td, l.bepoch) ? 0 : TDXSIM_TDX_TLB_TRACKING_NOT_DONE | TDXSIM_OPERAND_RCX;
}

static uint64_t demote(struct tdxsim_call *c, uint64_t info, uint64_t tdr_flags, uint64_t page)
{
	struct tdxsim_td *td;
	struct tdxsim_septe_ref ref;
	uint64_t st;

	if (tdr_flags & RDX_RESERVED)
		return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RDX;
	if ((st = tdxsim_p4k_tdr(c, tdr_flags & ~UINT64_C(1), TDXSIM_OPERAND_RDX, TDXSIM_LOCK_SHARED, &td)))
		return st;
	uint32_t allowed = TDXSIM_OPS(1) | TDXSIM_OPS(2) | TDXSIM_OPS(3) | TDXSIM_OPS(4) | TDXSIM_OPS(5) |
			   TDXSIM_OPS(8) | TDXSIM_OPS(9);
	if ((st = tdxsim_td_state(c, td, allowed, TDXSIM_LOCK_SHARED)))
		return st;
	if ((st = tdxsim_sept_locate(c, td, info, 1, 2, TDXSIM_LOCK_SHARED, &ref)))
		return st;
	unsigned level = ref.level;
	uint64_t e = *ref.e;
	if (!tdxsim_septe_is_leaf(e) || !demotable(tdxsim_septe_state(e))) {
		tdxsim_set_ext(c, e, level);
		return TDXSIM_TDX_EPT_ENTRY_STATE_INCORRECT | TDXSIM_OPERAND_RCX;
	}
	/* A partly accepted PENDING 2M page starts over as 512 PENDING 4K pages. */
	if (level == 1 && (e & TDXSIM_SEPTE_TDP))
		e &= ~PENDING_2M_COUNTER;
	uint64_t hpa = e & TDXSIM_SEPTE_HPA_MASK;
	if ((st = check_tracked(c, td, e, level, hpa)))
		return st;
	if ((st = tdxsim_p4k(c, page, TDXSIM_OPERAND_R8, TDXSIM_PT_NDA, TDXSIM_LOCK_EXCLUSIVE, NULL)))
		return st;
	if (td->tdcs.num_l2_vms)
		return TDXSIM_STATUS_NOT_EMULATED;

	/* The new page, written through the TD's KeyID (MOVDIR64B) before anything is committed:
	 * 512 copies of the unblocked leaf, HPA stepping by the small size. */
	uint64_t small = e & ~(TDXSIM_SEPTE_TDB | TDXSIM_SEPTE_HPA_MASK);
	if (tdxsim_septe_state(e) == TDXSIM_SEPT_BLOCKED)
		small |= TDXSIM_SEPTE_RWX;
	uint64_t step = TDXSIM_4K << (9 * (level - 1));
	uint64_t entries[TDXSIM_SEPT_ENTRIES];
	for (unsigned i = 0; i < TDXSIM_SEPT_ENTRIES; i++)
		entries[i] = small | (hpa + i * step);
	if (tdxsim_mce_write(c->sim->integrity, page, td->hkid, entries, sizeof(entries)) != TDXSIM_OK)
		return TDXSIM_STATUS_NO_MEMORY;

	struct tdxsim_lp *cpu = &c->sim->cpu.lps[c->lp];
	if (cpu->host_intr_pending) {
		cpu->host_intr_pending--;
		return TDXSIM_TDX_INTERRUPTED_RESTARTABLE;
	}
	if ((st = tdxsim_td_lock(c, TDXSIM_RES_PAGE, hpa | level, 0, NULL, TDXSIM_LOCK_EXCLUSIVE,
				 TDXSIM_OPERAND_RCX)))
		return st;

	/* Effects: host memory for every store first, so nothing is half done. */
	struct tdxsim_sept_table *t;
	if (tdxsim_pamt_prepare(c->sim->pamt, page, TDXSIM_PS_4K) != TDXSIM_PAMT_OK ||
	    tdxsim_pamt_prepare(c->sim->pamt, hpa, level - 1) != TDXSIM_PAMT_OK ||
	    !(t = tdxsim_sept_table_add(td->sept, page, level - 1)))
		return TDXSIM_STATUS_NO_MEMORY;
	for (unsigned i = 0; i < TDXSIM_SEPT_ENTRIES; i++)
		t->e[i] = entries[i];
	tdxsim_td_take_page(c, td, page, TDXSIM_PS_4K, TDXSIM_PT_EPT);
	tdxsim_pamt_demote(c->sim->pamt, hpa, level);
	*ref.e = TDXSIM_SEPTE_NL_MAPPED(page);
	return TDXSIM_TDX_SUCCESS;
}

uint64_t tdxsim_tdh_mem_page_demote(struct tdxsim_call *c)
{
	tdxsim_regs_t *r = c->regs;
	uint64_t info = r->rcx, tdr_flags = r->rdx;

	r->rcx = 0;
	r->rdx = 0;
	uint64_t st = demote(c, info, tdr_flags, r->r8);
	if (st == TDXSIM_TDX_INTERRUPTED_RESTARTABLE) {
		r->rcx = info;
		r->rdx = tdr_flags;
	}
	return st;
}
