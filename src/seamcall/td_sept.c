/* SPDX-License-Identifier: MIT */
/* Secure-EPT operand checks, walk, ext info and entry locks (td_sept.h; td-runtime.md 1). */
#include "core/util.h"
#include "seamcall/td_sept.h"

bool tdxsim_page_info_ok(uint64_t info, unsigned min, unsigned max)
{
	unsigned level = tdxsim_page_info_level(info);
	if (info & ~(TDXSIM_PAGE_INFO_GPA_MASK | 7))
		return false;
	if (level < min || level > max)
		return false;
	return tdxsim_is_aligned(tdxsim_page_info_gpa(info), TDXSIM_4K << (9 * level));
}

bool tdxsim_private_gpa_ok(const struct tdxsim_td *td, uint64_t gpa)
{
	unsigned shared_bit = td->tdcs.gpaw ? 51 : 47;
	if (gpa & (UINT64_C(1) << shared_bit))
		return false;
	if (gpa >> 52)
		return false;
	return td->tdcs.gpaw || !(gpa & UINT64_C(0x000F000000000000));
}

unsigned tdxsim_td_sept_top(const struct tdxsim_td *td)
{
	return td->sept->root_level;
}

void tdxsim_set_ext(struct tdxsim_call *c, uint64_t e, unsigned level)
{
	tdxsim_septe_ext(e, level, &c->regs->rcx, &c->regs->rdx);
}

uint64_t tdxsim_sept_tree_lock(struct tdxsim_call *c, struct tdxsim_td *td, tdxsim_lock_mode_t mode)
{
	return tdxsim_td_lock(c, TDXSIM_RES_SEPT_TREE, td->tdr_pa, 0, &td->sept_lock, mode,
			      TDXSIM_OPERAND_SEPT);
}

uint64_t tdxsim_sept_walk_to(struct tdxsim_call *c, struct tdxsim_td *td, uint64_t gpa, unsigned level,
			     uint64_t fail_status, struct tdxsim_septe_ref *ref)
{
	struct tdxsim_sept_table *t = NULL;
	unsigned reached;
	uint64_t *e = tdxsim_sept_walk(td->sept, gpa, level, &reached, &t);

	if (reached != level) {
		tdxsim_set_ext(c, *e, reached);
		return fail_status;
	}
	*ref = (struct tdxsim_septe_ref){.table = t, .index = (unsigned)(e - t->e), .level = reached, .e = e};
	return 0;
}

uint64_t tdxsim_septe_lock(struct tdxsim_call *c, struct tdxsim_td *td, const struct tdxsim_septe_ref *ref,
			   uint64_t info)
{
	if (!tdxsim_lock_acquire(&c->sim->td.locks, &c->held, TDXSIM_RES_SEPT_ENTRY, td->tdr_pa, info,
				 &ref->table->lock[ref->index], TDXSIM_LOCK_EXCLUSIVE)) {
		/* A failed host attempt asks for priority over the guest (td-runtime.md 5.5). */
		ref->table->hp[ref->index] = 1;
		tdxsim_set_ext(c, *ref->e, ref->level);
		return TDXSIM_TDX_OPERAND_BUSY | TDXSIM_OPERAND_RCX;
	}
	ref->table->hp[ref->index] = 0;
	return 0;
}

bool tdxsim_sept_state_tracked(unsigned code)
{
	switch (code) {
	case TDXSIM_SEPT_FREE:
	case TDXSIM_SEPT_REMOVED:
	case TDXSIM_SEPT_EXPORTED_BLOCKEDW:
	case TDXSIM_SEPT_PENDING_EXPORTED_BLOCKEDW:
		return false;
	default:
		return true;
	}
}

bool tdxsim_sept_state_any_blocked(unsigned code)
{
	return code == TDXSIM_SEPT_NL_BLOCKED || code == TDXSIM_SEPT_BLOCKED ||
	       code == TDXSIM_SEPT_PENDING_BLOCKED;
}

bool tdxsim_sept_needs_tracking(const struct tdxsim_td *td, unsigned code)
{
	uint32_t op = td->tdcs.op_state;
	return tdxsim_sept_state_tracked(code) &&
	       (op == TDXSIM_OP_RUNNABLE || op == TDXSIM_OP_LIVE_EXPORT || op == TDXSIM_OP_LIVE_IMPORT);
}

bool tdxsim_tlb_tracked(const struct tdxsim_td *td, uint64_t bepoch)
{
	uint64_t epoch = td->tdcs.td_epoch;
	/* Bit 63 marks an epoch taken during export: never tracked (td-runtime.md 2.4). */
	if (bepoch >> 63)
		return false;
	if (bepoch + 1 < epoch)
		return true;
	return bepoch + 1 == epoch && td->tdcs.refcount[bepoch & 1] == 0;
}

uint64_t tdxsim_sept_locate(struct tdxsim_call *c, struct tdxsim_td *td, uint64_t info, unsigned min,
			    unsigned max, tdxsim_lock_mode_t tree_mode, struct tdxsim_septe_ref *ref)
{
	uint64_t st;

	if (!tdxsim_page_info_ok(info, min, max))
		return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RCX;
	uint64_t gpa = tdxsim_page_info_gpa(info);
	if (!tdxsim_private_gpa_ok(td, gpa))
		return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RCX;
	if ((st = tdxsim_sept_tree_lock(c, td, tree_mode)))
		return st;
	if ((st = tdxsim_sept_walk_to(c, td, gpa, tdxsim_page_info_level(info),
				      TDXSIM_TDX_EPT_WALK_FAILED | TDXSIM_OPERAND_RCX, ref)))
		return st;
	return tdxsim_septe_lock(c, td, ref, info);
}
