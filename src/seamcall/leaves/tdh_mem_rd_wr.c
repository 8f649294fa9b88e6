/* SPDX-License-Identifier: MIT */
/*
 * TDH.MEM.RD (leaf 12) and TDH.MEM.WR (leaf 14): a debugger's 8-byte read or write of a debug
 * TD's private memory at RCX = GPA (a plain 8-byte aligned address, not page info) of the TD in
 * RDX; WR writes R8 (td-runtime.md 2.11; module 1.5.05 api/tdh_mem_rd_wr.c). The access goes
 * through the TD's KeyID at the GPA's offset within whatever leaf maps it (4K, 2M or 1G), so
 * the memory-integrity model applies as to the TD itself.
 * Locks: TDR shared -> op state shared -> SEPT tree shared -> SEPT entry (contention names it
 * as TDH.MEM leaves do: GPA aligned to the leaf's size | the leaf's level).
 * Outputs: RCX/RDX/R8 := 0 at entry; success: R8 = the value read (WR: the value before the
 * write); ext on the walk ("to any leaf": a missing, non-leaf or RWX = 0 entry is
 * TDX_EPT_ENTRY_NOT_PRESENT|RCX), entry-lock and state errors.
 */
#include "core/util.h"
#include "mce/mce.h"
#include "seamcall/td_sept.h"
#include "td/td_params.h"

/* td-runtime.md 1.3: the states each leaf may read or write. */
static bool readable(unsigned state)
{
	switch (state) {
	case TDXSIM_SEPT_MAPPED:
	case TDXSIM_SEPT_BLOCKEDW:
	case TDXSIM_SEPT_EXPORTED_BLOCKEDW:
	case TDXSIM_SEPT_EXPORTED_DIRTY:
	case TDXSIM_SEPT_EXPORTED_DIRTY_BLOCKEDW:
		return true;
	default:
		return false;
	}
}

static bool writable(unsigned state)
{
	return state == TDXSIM_SEPT_MAPPED || state == TDXSIM_SEPT_EXPORTED_DIRTY;
}

static uint64_t mem_rd_wr(struct tdxsim_call *c, bool write)
{
	struct tdxsim *sim = c->sim;
	tdxsim_regs_t *r = c->regs;
	uint64_t gpa = r->rcx, tdr = r->rdx, data = r->r8, old = 0, mce_pa, st;
	struct tdxsim_td *td;

	r->rcx = 0;
	r->rdx = 0;
	r->r8 = 0;
	if ((st = tdxsim_p4k_tdr(c, tdr, TDXSIM_OPERAND_RDX, TDXSIM_LOCK_SHARED, &td)))
		return st;
	/* Op states (auto_gen/op_state_lookup.c): RD in every initialized state, WR not in
	 * PAUSED_EXPORT or POST_EXPORT. */
	uint32_t allowed = TDXSIM_OPS_ALL & ~TDXSIM_OPS(TDXSIM_OP_UNINITIALIZED);
	if (write)
		allowed &= ~(TDXSIM_OPS(TDXSIM_OP_PAUSED_EXPORT) | TDXSIM_OPS(TDXSIM_OP_POST_EXPORT));
	if ((st = tdxsim_td_state(c, td, allowed, TDXSIM_LOCK_SHARED)))
		return st;
	if (!(td->tdcs.attributes & TDXSIM_ATTR_DEBUG))
		return TDXSIM_TDX_TD_NON_DEBUG;
	if (gpa & 7)
		return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RCX;
	if ((st = tdxsim_sept_tree_lock(c, td, TDXSIM_LOCK_SHARED)))
		return st;
	if (!tdxsim_private_gpa_ok(td, gpa))
		return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RCX;
	/* Walk to any leaf: the walk stops at the first leaf or non-present entry. */
	struct tdxsim_septe_ref ref;
	ref.e = tdxsim_sept_walk(td->sept, gpa, 0, &ref.level, &ref.table);
	if (!tdxsim_septe_is_leaf(*ref.e) || !(*ref.e & TDXSIM_SEPTE_RWX)) {
		tdxsim_set_ext(c, *ref.e, ref.level);
		return TDXSIM_TDX_EPT_ENTRY_NOT_PRESENT | TDXSIM_OPERAND_RCX;
	}
	ref.index = (unsigned)(ref.e - ref.table->e);
	uint64_t leaf_size = TDXSIM_4K << (9 * ref.level);
	if ((st = tdxsim_septe_lock(c, td, &ref, (gpa & ~(leaf_size - 1)) | ref.level)))
		return st;
	unsigned state = tdxsim_septe_state(*ref.e);
	if (!(write ? writable(state) : readable(state))) {
		tdxsim_set_ext(c, *ref.e, ref.level);
		return TDXSIM_TDX_EPT_ENTRY_STATE_INCORRECT | TDXSIM_OPERAND_RCX;
	}

	/* The access, as the TD would make it. A line the TD's KeyID does not own (the host
	 * wrote into the page) would consume poison in SEAM mode, a machine check tdxsim does not
	 * emulate (docs/fidelity.md): refused before anything changes. A partial write merges
	 * into the owned line. */
	uint64_t hpa = (*ref.e & TDXSIM_SEPTE_HPA_MASK & ~(leaf_size - 1)) | (gpa & (leaf_size - 1));
	if (!tdxsim_td_lines_readable(c, hpa, sizeof(old), td->hkid))
		return TDXSIM_STATUS_NOT_EMULATED;
	if (tdxsim_mce_read(sim->integrity, hpa, td->hkid, &old, sizeof(old), &mce_pa) ||
	    (write && tdxsim_mce_write(sim->integrity, hpa, td->hkid, &data, sizeof(data))))
		return TDXSIM_STATUS_NO_MEMORY;
	r->r8 = old;
	return TDXSIM_TDX_SUCCESS;
}

uint64_t tdxsim_tdh_mem_rd(struct tdxsim_call *c)
{
	return mem_rd_wr(c, false);
}

uint64_t tdxsim_tdh_mem_wr(struct tdxsim_call *c)
{
	return mem_rd_wr(c, true);
}
