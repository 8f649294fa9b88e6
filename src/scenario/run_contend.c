/* SPDX-License-Identifier: MIT */
/*
 * contend: marks one of the module's try-locks as held by another LP for the next N attempts
 * (tdxsim_contend, include/tdxsim/td.h), so that the next SEAMCALL that takes it fails with
 * TDX_OPERAND_BUSY and that resource's operand id at the point the module takes it.
 */
#include "scenario/run.h"
#include "tdxsim/td.h"

int tdxsim_scn_exec_contend(struct scn_run *r, const struct scn_step *s, uint32_t lp, struct scn_obs *obs)
{
	static const char *const names[] = {[TDXSIM_RES_PAGE] = "page",
					    [TDXSIM_RES_KOT] = "KOT",
					    [TDXSIM_RES_OP_STATE] = "op state",
					    [TDXSIM_RES_SEPT_TREE] = "SEPT tree",
					    [TDXSIM_RES_SEPT_ENTRY] = "SEPT entry",
					    [TDXSIM_RES_WBCACHE] = "WBCACHE",
					    [TDXSIM_RES_KET] = "KET",
					    [TDXSIM_RES_TD_EPOCH] = "TD epoch"};
	uint64_t key = 0, key2 = 0, count = 1;
	if ((s->u.contend.key && tdxsim_scn_eval(r, s->u.contend.key, &key)) ||
	    (s->u.contend.key2 && tdxsim_scn_eval(r, s->u.contend.key2, &key2)) ||
	    (s->u.contend.count && tdxsim_scn_eval(r, s->u.contend.count, &count)))
		return -1;
	if (count > UINT32_MAX)
		return tdxsim_scn_run_error(r, "contend.count: %llu, at most 2^32-1",
					    (unsigned long long)count);
	obs->has_result = true;
	obs->result = tdxsim_contend(r->sim, (tdxsim_resource_t)s->u.contend.res, key, key2,
				     (tdxsim_lock_mode_t)s->u.contend.mode, (uint32_t)count);
	tdxsim_scn_buf_printf(
		&r->detail,
		"%s lock (key 0x%llx, 0x%llx) held %s by another LP for the next %llu attempt(s): %s",
		names[s->u.contend.res], (unsigned long long)key, (unsigned long long)key2,
		s->u.contend.mode == TDXSIM_LOCK_SHARED ? "shared" : "exclusively", (unsigned long long)count,
		tdxsim_scn_enum_name(tdxsim_scn_lib_results, obs->result));
	return 0;
}
