/* SPDX-License-Identifier: MIT */
/*
 * TDH.SYS.INFO (leaf 32, the 1.0 way to read module info): fills TDSYSINFO_STRUCT and the
 * CMR_INFO array. Order (sheet 5.1): RDX and R9 zeroed; LP initialized; RCX 1 KiB aligned and
 * shared; RDX >= 1024; the 1024-byte buffer zeroed (even if a later check fails); R8 512
 * aligned and shared; R9 >= 32; fill; RDX = 1024, R9 = 32.
 */
#include <string.h>

#include "seamcall/seamcall.h"

uint64_t tdxsim_tdh_sys_info(struct tdxsim_call *c)
{
	struct tdxsim *sim = c->sim;
	tdxsim_regs_t *r = c->regs;
	uint64_t info_size = r->rdx, num_cmrs = r->r9;
	void *info, *cmrs;

	r->rdx = r->r9 = 0;
	if (!sim->mod.lp_initialized[c->lp])
		return TDXSIM_TDX_SYS_LP_INIT_NOT_DONE;
	if (!tdxsim_shared_hpa_ok(sim, r->rcx, 1024, TDXSIM_TDSYSINFO_SIZE, &info))
		return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RCX;
	if (info_size < TDXSIM_TDSYSINFO_SIZE)
		return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RDX;
	memset(info, 0, TDXSIM_TDSYSINFO_SIZE);
	if (!tdxsim_shared_hpa_ok(sim, r->r8, 512, TDXSIM_MAX_CMRS * sizeof(struct tdxsim_cmr_info), &cmrs))
		return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_R8;
	if (num_cmrs < TDXSIM_MAX_CMRS)
		return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_R9;

	struct tdxsim_tdsysinfo si;
	struct tdxsim_cmr_info ci[TDXSIM_MAX_CMRS];
	tdxsim_md_fill_sysinfo(&sim->mod.md, &si);
	tdxsim_md_fill_cmr_info(&sim->mod.md, ci);
	memcpy(info, &si, sizeof(si));
	memcpy(cmrs, ci, sizeof(ci));
	r->rdx = TDXSIM_TDSYSINFO_SIZE;
	r->r9 = TDXSIM_MAX_CMRS;
	return TDXSIM_TDX_SUCCESS;
}
