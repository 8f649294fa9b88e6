/* SPDX-License-Identifier: MIT */
/*
 * TDH.MNG.ADDCX (leaf 1): adds the next TDCS page (RCX) to the TD whose TDR is in RDX
 * (td-build.md 3.3). Locks: TDR (exclusive) -> new page (exclusive); no op-state lock.
 * The page is filled before the last two checks, so a failure there leaves it filled (private
 * to the TD's KeyID) but still free, as on hardware.
 */
#include <string.h>

#include "sept/sept.h"
#include "seamcall/td_common.h"

/* What the module writes into TDCS page i (td-build.md 3.3): the MSR bitmaps page all-ones,
 * the secure-EPT root every entry FREE, every other page zero. */
static uint64_t fill_pattern(uint32_t index)
{
	if (index == 2)
		return ~UINT64_C(0);
	if (index == TDXSIM_TDCS_SEPT_ROOT)
		return TDXSIM_SEPTE_FREE_VALUE;
	return 0;
}

uint64_t tdxsim_tdh_mng_addcx(struct tdxsim_call *c)
{
	struct tdxsim *sim = c->sim;
	tdxsim_regs_t *r = c->regs;
	struct tdxsim_td *td;
	uint64_t st, key[4];

	if ((st = tdxsim_p4k_tdr(c, r->rdx, TDXSIM_OPERAND_RDX, TDXSIM_LOCK_EXCLUSIVE, &td)))
		return st;
	if (td->fatal)
		return TDXSIM_TDX_TD_FATAL;
	if (td->lifecycle != TDXSIM_TD_KEYS_CONFIGURED)
		return TDXSIM_TDX_TD_KEYS_NOT_CONFIGURED;
	if (td->num_tdcx >= TDXSIM_MAX_TDCS_PAGES)
		return TDXSIM_TDX_TDCX_NUM_INCORRECT;
	if ((st = tdxsim_p4k(c, r->rcx, TDXSIM_OPERAND_RCX, TDXSIM_PT_NDA, TDXSIM_LOCK_EXCLUSIVE, NULL)))
		return st;
	uint32_t i = td->num_tdcx;
	if ((st = tdxsim_td_fill_page(c, r->rcx, td->hkid, fill_pattern(i))))
		return st;
	if (i == TDXSIM_MIN_TDCS_PAGES - 1)
		for (unsigned k = 0; k < 4; k++)
			if (!tdxsim_td_random(&sim->td, &key[k]))
				return TDXSIM_TDX_RND_NO_ENTROPY;
	/* Pages 7-9 (L2 VMs) only before MNG.INIT; OP_STATE is read without its lock here. */
	if (i >= TDXSIM_MIN_TDCS_PAGES && td->tdcs.op_state != TDXSIM_OP_UNINITIALIZED)
		return TDXSIM_TDX_OP_STATE_INCORRECT;

	/* Effects. The secure-EPT root exists from its page on; MNG.INIT sets its depth. */
	if (i == TDXSIM_TDCS_SEPT_ROOT && !(td->sept = tdxsim_sept_new(r->rcx, 3)))
		return TDXSIM_STATUS_NO_MEMORY;
	if ((st = tdxsim_td_take_page(c, td, r->rcx, TDXSIM_PS_4K, TDXSIM_PT_TDCX))) {
		if (i == TDXSIM_TDCS_SEPT_ROOT) {
			tdxsim_sept_free(td->sept);
			td->sept = NULL;
		}
		return st;
	}
	if (i == TDXSIM_MIN_TDCS_PAGES - 1)
		memcpy(td->tdcs.mig_enc_key, key, sizeof(td->tdcs.mig_enc_key));
	td->tdcx_pa[i] = r->rcx;
	td->num_tdcx = i + 1;
	return TDXSIM_TDX_SUCCESS;
}
