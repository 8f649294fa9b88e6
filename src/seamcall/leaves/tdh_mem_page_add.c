/* SPDX-License-Identifier: MIT */
/*
 * TDH.MEM.PAGE.ADD (leaf 2): copies the host page in R9 (read through its own, shared KeyID)
 * into the free page in R8 through the TD's KeyID, maps it at RCX = GPA (level 0) and
 * measures "MEM.PAGE.ADD" + GPA into MRTD (td-build.md 3.12; tdx-module-abi.md 11.5; module
 * 1.5.05 api/tdh_mem_page_add.c). The source check comes after the secure-EPT checks and the
 * target check last, as in the module.
 * Locks: TDR exclusive (it stands for the op-state and SEPT locks) -> target page exclusive.
 * Outputs: RCX/RDX := 0 at entry, ext on secure-EPT failures.
 * Cost: 64 MOVDIR64B lines for the copy and the 128-byte hash block (docs/cycles.md).
 */
#include "core/util.h"
#include "hkid/hkid.h"
#include "mce/mce.h"
#include "seamcall/td_sept.h"
#include "td/measure.h"

uint64_t tdxsim_tdh_mem_page_add(struct tdxsim_call *c)
{
	struct tdxsim *sim = c->sim;
	tdxsim_regs_t *r = c->regs;
	uint64_t info = r->rcx, tdr = r->rdx, target = r->r8, source = r->r9;
	struct tdxsim_td *td;
	struct tdxsim_septe_ref ref;
	uint64_t st, mce_pa;

	r->rcx = 0;
	r->rdx = 0;
	if ((st = tdxsim_p4k_tdr(c, tdr, TDXSIM_OPERAND_RDX, TDXSIM_LOCK_EXCLUSIVE, &td)))
		return st;
	if ((st = tdxsim_td_state(c, td, TDXSIM_OPS(TDXSIM_OP_INITIALIZED), 0)))
		return st;
	if (!tdxsim_page_info_ok(info, 0, 0))
		return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RCX;
	uint64_t gpa = tdxsim_page_info_gpa(info);
	if (!tdxsim_private_gpa_ok(td, gpa))
		return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RCX;
	/* No tree or entry lock: the exclusive TDR lock excludes every other TD leaf. */
	if ((st = tdxsim_sept_walk_to(c, td, gpa, 0, TDXSIM_TDX_EPT_WALK_FAILED | TDXSIM_OPERAND_RCX, &ref)))
		return st;
	if (tdxsim_septe_state(*ref.e) != TDXSIM_SEPT_FREE) {
		tdxsim_set_ext(c, *ref.e, 0);
		return TDXSIM_TDX_EPT_ENTRY_STATE_INCORRECT | TDXSIM_OPERAND_RCX;
	}
	if (!tdxsim_shared_hpa_ok(sim, source, TDXSIM_4K, TDXSIM_4K, NULL))
		return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_R9;
	if ((st = tdxsim_p4k(c, target, TDXSIM_OPERAND_R8, TDXSIM_PT_NDA, TDXSIM_LOCK_EXCLUSIVE, NULL)))
		return st;

	/* Effects. The copy: read through the source's KeyID (a line some TD owns reads as
	 * zeros through a shared KeyID), written whole lines through the TD's KeyID, so the
	 * target's lines become the TD's (mce/mce.h). */
	tdxsim_err_t err =
		tdxsim_mce_copy_page(sim->integrity, target, td->hkid, tdxsim_hkid_strip(&sim->hkid, source),
				     tdxsim_hkid_of_pa(&sim->hkid, source), &mce_pa);
	if (err == TDXSIM_ERR_MCE)
		return TDXSIM_STATUS_NOT_EMULATED; /* poison consumed in SEAM mode: docs/fidelity.md */
	if (err)
		return TDXSIM_STATUS_NO_MEMORY;
	if ((st = tdxsim_td_take_page(c, td, target, TDXSIM_PS_4K, TDXSIM_PT_REG)))
		return st;
	if (tdxsim_td_meas_block(td->meas, "MEM.PAGE.ADD", gpa)) {
		tdxsim_td_drop_page(c, td, target, TDXSIM_PS_4K);
		return TDXSIM_STATUS_NO_MEMORY;
	}
	*ref.e = TDXSIM_SEPTE_MAPPED(target);
	c->extra_cycles += (TDXSIM_4K / 64) * sim->cfg.costs.movdir64b + 128 * sim->cfg.costs.sha384_byte;
	return TDXSIM_TDX_SUCCESS;
}
