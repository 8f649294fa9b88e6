/* SPDX-License-Identifier: MIT */
/*
 * TDH.MNG.RD (leaf 11), versions 0 and 1: reads one TD-scope metadata element (td-build.md 3.5;
 * fields: td/td_fields.c). In: RCX = TDR PA, RDX = field id. Out: R8 = value (0 on failure,
 * written first); version 1 also RDX = next readable field id (-1 first, -1 after the last).
 * Locks: TDR PAMT entry (shared) -> TDCS op-state (shared).
 */
#include "seamcall/td_common.h"
#include "td/td_fields.h"
#include "td/td_params.h"

/* Op states MNG.RD accepts: every initialized state (td-build.md 1.3). */
#define MNG_RD_OPS (TDXSIM_OPS_ALL & ~TDXSIM_OPS(TDXSIM_OP_UNINITIALIZED))

uint64_t tdxsim_tdh_mng_rd(struct tdxsim_call *c)
{
	tdxsim_regs_t *r = c->regs;
	uint64_t id = r->rdx, st;
	struct tdxsim_td *td;
	const struct tdxsim_td_field *f;
	uint32_t elem;

	if (c->version > 0)
		r->rdx = TDXSIM_MD_NONE;
	r->r8 = 0;
	if (c->version > 1)
		return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RAX;
	if ((st = tdxsim_p4k_tdr(c, r->rcx, TDXSIM_OPERAND_RCX, TDXSIM_LOCK_SHARED, &td)))
		return st;
	if ((st = tdxsim_td_state(c, td, MNG_RD_OPS, TDXSIM_LOCK_SHARED)))
		return st;
	struct tdxsim_md_td_ctx ctx = {
		.td = td,
		.keyid_shift = c->sim->hkid.shift,
		.debug = td->tdcs.attributes & TDXSIM_ATTR_DEBUG,
	};
	if (c->version > 0 && (id | (UINT64_C(7) << 52)) == TDXSIM_MD_NONE) {
		r->rdx = tdxsim_md_td_next(&ctx, id, NULL, 0);
		return TDXSIM_TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT;
	}
	if (!tdxsim_md_td_id_ok(id))
		return TDXSIM_TDX_METADATA_FIELD_ID_INCORRECT;
	if ((st = tdxsim_md_td_find(&ctx, id, &f, &elem)))
		return st;
	uint64_t rd, wr;
	tdxsim_md_td_masks(&ctx, f, &rd, &wr);
	if (!rd)
		return TDXSIM_TDX_METADATA_FIELD_NOT_READABLE;
	if (!tdxsim_md_td_modeled(f))
		return TDXSIM_STATUS_NOT_EMULATED; /* debug-only value not modeled: docs/fidelity.md */
	uint64_t value = tdxsim_md_td_get(&ctx, f, elem) & rd;
	if (c->version > 0)
		r->rdx = tdxsim_md_td_next(&ctx, id, f, elem);
	r->r8 = value;
	return TDXSIM_TDX_SUCCESS;
}
