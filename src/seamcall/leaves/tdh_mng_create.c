/* SPDX-License-Identifier: MIT */
/*
 * TDH.MNG.CREATE (leaf 9): a new TD on the TDR page in RCX with the private KeyID in RDX
 * (td-build.md 3.1). Locks: TDR page (PAMT, exclusive) -> KOT (exclusive).
 * The TDR is zeroed through the global KeyID before the TD_UUID is drawn, so a failed draw
 * leaves a zeroed, private, still-free page behind, as on hardware.
 */
#include <string.h>

#include "seamcall/td_common.h"

uint64_t tdxsim_tdh_mng_create(struct tdxsim_call *c)
{
	struct tdxsim *sim = c->sim;
	tdxsim_regs_t *r = c->regs;
	uint64_t tdr_pa = r->rcx, st;
	uint64_t uuid[4];

	if ((r->rdx >> 16) || !tdxsim_hkid_is_private(&sim->hkid, r->rdx))
		return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RDX;
	uint16_t hkid = (uint16_t)r->rdx;
	if ((st = tdxsim_p4k(c, tdr_pa, TDXSIM_OPERAND_RCX, TDXSIM_PT_NDA, TDXSIM_LOCK_EXCLUSIVE, NULL)))
		return st;
	if ((st = tdxsim_td_lock(c, TDXSIM_RES_KOT, 0, 0, &sim->td.kot_lock, TDXSIM_LOCK_EXCLUSIVE,
				 TDXSIM_OPERAND_KOT)))
		return st;
	if (sim->hkid.kot[hkid] != TDXSIM_HKID_FREE)
		return TDXSIM_TDX_HKID_NOT_FREE;
	if ((st = tdxsim_td_fill_page(c, tdr_pa, sim->mod.global_hkid, 0)))
		return st;
	for (unsigned i = 0; i < 4; i++)
		if (!tdxsim_td_random(&sim->td, &uuid[i]))
			return TDXSIM_TDX_RND_NO_ENTROPY;

	/* Nothing can fail past this point but the host's own memory. */
	struct tdxsim_td *td = tdxsim_td_new(&sim->td, tdr_pa);
	if (!td)
		return TDXSIM_STATUS_NO_MEMORY;
	if ((st = tdxsim_td_take_page(c, td, tdr_pa, TDXSIM_PS_4K, TDXSIM_PT_TDR))) {
		tdxsim_td_delete(&sim->td, td);
		return st;
	}
	td->hkid = hkid;
	td->lifecycle = TDXSIM_TD_HKID_ASSIGNED;
	memcpy(td->td_uuid, uuid, sizeof(td->td_uuid));
	td->handoff_version = sim->mod.profile->module_hv;
	sim->hkid.kot[hkid] = TDXSIM_HKID_ASSIGNED;
	return TDXSIM_TDX_SUCCESS;
}
