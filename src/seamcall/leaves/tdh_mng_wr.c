/* SPDX-License-Identifier: MIT */
/*
 * TDH.MNG.WR (leaf 13): writes one TD-scope metadata element under a mask (td-build.md 3.5;
 * fields: td/td_fields.c). In: RCX = TDR PA, RDX = field id, R8 = value, R9 = write mask.
 * Out: R8 = the element's previous value & its host read mask (0 on failure, written first).
 * Locks: TDR PAMT entry (shared) -> TDCS op-state (shared). Host-writable fields:
 * HP_LOCK_TIMEOUT (whole field, microseconds), VM_CTLS bit 0, NOTIFY_ENABLES bit 0 (debug TDs).
 */
#include "seamcall/td_common.h"
#include "td/td_fields.h"
#include "td/td_params.h"

/* Op states MNG.WR accepts (td-build.md 1.3): not UNINITIALIZED, PAUSED_EXPORT, POST_EXPORT. */
#define MNG_WR_OPS                                                                                      \
	(TDXSIM_OPS_ALL & ~(TDXSIM_OPS(TDXSIM_OP_UNINITIALIZED) | TDXSIM_OPS(TDXSIM_OP_PAUSED_EXPORT) | \
			    TDXSIM_OPS(TDXSIM_OP_POST_EXPORT)))

uint64_t tdxsim_tdh_mng_wr(struct tdxsim_call *c)
{
	tdxsim_regs_t *r = c->regs;
	uint64_t value = r->r8, mask = r->r9, st, old;
	struct tdxsim_td *td;
	const struct tdxsim_td_field *f;
	uint32_t elem;

	r->r8 = 0;
	if ((st = tdxsim_p4k_tdr(c, r->rcx, TDXSIM_OPERAND_RCX, TDXSIM_LOCK_SHARED, &td)))
		return st;
	if ((st = tdxsim_td_state(c, td, MNG_WR_OPS, TDXSIM_LOCK_SHARED)))
		return st;
	struct tdxsim_md_td_ctx ctx = {
		.td = td,
		.keyid_shift = c->sim->hkid.shift,
		.debug = td->tdcs.attributes & TDXSIM_ATTR_DEBUG,
	};
	if (!tdxsim_md_td_id_ok(r->rdx))
		return TDXSIM_TDX_METADATA_FIELD_ID_INCORRECT;
	if ((st = tdxsim_md_td_find(&ctx, r->rdx, &f, &elem)))
		return st;
	if ((st = tdxsim_md_td_write(&ctx, f, elem, value, mask, &old)))
		return st;
	r->r8 = old;
	return TDXSIM_TDX_SUCCESS;
}
