/* SPDX-License-Identifier: MIT */
/* TDH.MNG.KEY.RECLAIMID (leaf 27): kept in 1.5 only for compatibility; always succeeds
 * (sheet 2.3, [M15]). */
#include "seamcall/seamcall.h"

uint64_t tdxsim_tdh_mng_key_reclaimid(struct tdxsim_call *c)
{
	return TDXSIM_TDX_SUCCESS;
}
