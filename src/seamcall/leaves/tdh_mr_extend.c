/* SPDX-License-Identifier: MIT */
/*
 * TDH.MR.EXTEND (leaf 16): extends MRTD with one 256-byte chunk of a mapped TD page,
 * RCX = its GPA, RDX = TDR (td-build.md 3.13; tdx-module-abi.md 11.5; module 1.5.05
 * api/tdh_mr_extend.c). The hash sees a 128-byte "MR.EXTEND" + GPA block, then the chunk as
 * the TD reads it (through its KeyID).
 * Locks: TDR exclusive only. Outputs: RCX/RDX := 0 at entry; ext only when the walk to a
 * present leaf fails, which the module reports as TDX_EPT_ENTRY_NOT_PRESENT|RCX.
 * Cost: 384 bytes hashed (docs/cycles.md).
 */
#include "core/util.h"
#include "mce/mce.h"
#include "seamcall/td_sept.h"
#include "td/measure.h"

#define CHUNK 256

uint64_t tdxsim_tdh_mr_extend(struct tdxsim_call *c)
{
	struct tdxsim *sim = c->sim;
	tdxsim_regs_t *r = c->regs;
	uint64_t gpa = r->rcx, tdr = r->rdx;
	struct tdxsim_td *td;
	uint64_t st, mce_pa;
	uint8_t block[128 + CHUNK]; /* the MR.EXTEND block, then the chunk: hashed in one update */

	r->rcx = 0;
	r->rdx = 0;
	if ((st = tdxsim_p4k_tdr(c, tdr, TDXSIM_OPERAND_RDX, TDXSIM_LOCK_EXCLUSIVE, &td)))
		return st;
	if ((st = tdxsim_td_state(c, td, TDXSIM_OPS(TDXSIM_OP_INITIALIZED), 0)))
		return st;
	if (!tdxsim_is_aligned(gpa, CHUNK))
		return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RCX;
	if (!tdxsim_private_gpa_ok(td, gpa))
		return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RCX;
	/* Walk to any leaf: it must be a present leaf (some RWX), at 4K, 2M or 1G. */
	unsigned level;
	uint64_t *e = tdxsim_sept_walk(td->sept, gpa, 0, &level, NULL);
	if (!tdxsim_septe_is_leaf(*e) || !(*e & TDXSIM_SEPTE_RWX)) {
		tdxsim_set_ext(c, *e, level);
		return TDXSIM_TDX_EPT_ENTRY_NOT_PRESENT | TDXSIM_OPERAND_RCX;
	}
	/* Present but not MAPPED (migration states only): no operand, no ext. */
	if (tdxsim_septe_state(*e) != TDXSIM_SEPT_MAPPED)
		return TDXSIM_TDX_EPT_ENTRY_NOT_PRESENT;

	uint64_t hpa = (*e & TDXSIM_SEPTE_HPA_MASK) + (gpa & ((TDXSIM_4K << (9 * level)) - 1));
	tdxsim_err_t err = tdxsim_mce_read(sim->integrity, hpa, td->hkid, block + 128, CHUNK, &mce_pa);
	if (err == TDXSIM_ERR_MCE)
		return TDXSIM_STATUS_NOT_EMULATED; /* poison consumed in SEAM mode: docs/fidelity.md */
	if (err || tdxsim_td_meas_header(block, "MR.EXTEND", gpa) ||
	    tdxsim_td_meas_update(td->meas, block, sizeof(block)))
		return TDXSIM_STATUS_NO_MEMORY;
	c->extra_cycles += (128 + CHUNK) * sim->cfg.costs.sha384_byte;
	return TDXSIM_TDX_SUCCESS;
}
