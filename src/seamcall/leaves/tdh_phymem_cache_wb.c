/* SPDX-License-Identifier: MIT */
/*
 * TDH.PHYMEM.CACHE.WB (leaf 40): writes back this package's caches for every KeyID that is
 * FLUSHED, one cache sub-block at a time, stopping with its progress saved when a host
 * interrupt is pending (td-build.md 3.16). RCX = 0 starts, 1 resumes.
 * Locks: the package's WBT mutex -> KOT (shared).
 * tdxsim has no real cache: each sub-block costs its share of the write-back in virtual cycles,
 * and pending host interrupts come from tdxsim_pend_host_interrupts() (td.h).
 */
#include "seamcall/td_common.h"

uint64_t tdxsim_tdh_phymem_cache_wb(struct tdxsim_call *c)
{
	struct tdxsim *sim = c->sim;
	struct tdxsim_lp *cpu = &sim->cpu.lps[c->lp];
	uint32_t pkg = cpu->package;
	struct tdxsim_wbt *wbt = &sim->td.wbt[pkg];
	uint32_t first = tdxsim_hkid_first_private(&sim->hkid);
	uint32_t last = sim->hkid.num_mktme + sim->hkid.num_tdx;
	uint32_t num_blocks = (uint32_t)sim->cpu.msr_wbinvdp;
	uint64_t st;

	if (c->regs->rcx > 1)
		return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RCX;
	if ((st = tdxsim_td_lock(c, TDXSIM_RES_WBCACHE, pkg, 0, &wbt->lock, TDXSIM_LOCK_EXCLUSIVE,
				 TDXSIM_OPERAND_WBCACHE)))
		return st;
	if ((st = tdxsim_td_lock(c, TDXSIM_RES_KOT, 0, 0, &sim->td.kot_lock, TDXSIM_LOCK_SHARED,
				 TDXSIM_OPERAND_KOT)))
		return st;

	uint32_t point;
	if (c->regs->rcx == 0) {
		/* A new run discards an interrupted one and snapshots which KeyIDs it covers. */
		bool any = false;
		for (uint32_t k = first; k <= last; k++)
			any |= sim->hkid.kot[k] == TDXSIM_HKID_FLUSHED;
		wbt->resume_point = 0;
		if (!any)
			return TDXSIM_TDX_NO_HKID_READY_TO_WBCACHE;
		for (uint32_t k = first; k <= last; k++)
			wbt->flushed_snapshot[k] = sim->hkid.kot[k] == TDXSIM_HKID_FLUSHED;
		point = 0;
	} else {
		if (wbt->resume_point == 0)
			return TDXSIM_TDX_WBCACHE_RESUME_ERROR;
		point = wbt->resume_point;
	}

	do {
		point++; /* WRMSR IA32_WBNOINVDP(point - 1): one sub-block written back */
		c->extra_cycles += sim->cfg.costs.cache_wb_sub_block;
		if (point < num_blocks && cpu->host_intr_pending) {
			cpu->host_intr_pending--;
			wbt->resume_point = point;
			return TDXSIM_TDX_INTERRUPTED_RESUMABLE;
		}
	} while (point < num_blocks);

	wbt->resume_point = 0;
	for (uint32_t k = first; k <= last; k++)
		if (wbt->flushed_snapshot[k])
			sim->td.wbinvd_bitmap[k] &= ~(UINT64_C(1) << pkg);
	return TDXSIM_TDX_SUCCESS;
}
