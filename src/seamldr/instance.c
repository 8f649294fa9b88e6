/* SPDX-License-Identifier: MIT */
/*
 * The module instance's life beyond boot: a new instance from P-SEAMLDR INSTALL, the state
 * TDH.SYS.DISABLE leaves, and a handoff abandoned for a fresh configuration
 * (docs/lifecycle.md). The instance is struct tdxsim_module; what a TD-preserving update hands
 * over (TDMRs with their PAMT, the KOT, the packages' keys, TDs) stays where it is, in the PAMT
 * store and the KOT, marked by handoff_valid until TDH.SYS.UPDATE takes it.
 */
#include <string.h>

#include "mce/mce.h"
#include "seamldr/seamldr.h"

/*
 * TDX memory goes back to the host: the PAMT store and the KOT forget everything, and the
 * memory-integrity model (mce/) turns every TD-owned line, poisoned or not, into shared,
 * unpoisoned, zero memory: DISABLE "reclaims all memory resources ... and cleans up any
 * poison" (Linux patch text, sheet 2.2, 14.2); a fresh load starts from cleared memory the
 * same way. Ordinary host memory inside the TDMRs is not touched.
 */
static void release_tdx_memory(struct tdxsim *sim, bool adopt_own_kot)
{
	tdxsim_mce_pamt_forget(sim->integrity);
	tdxsim_mce_release_all(sim->integrity);
	tdxsim_pamt_clear(sim->pamt);
	tdxsim_tds_clear(&sim->td);
	if (adopt_own_kot)
		tdxsim_hkid_adopt_next(&sim->hkid);
	else
		tdxsim_hkid_reset(&sim->hkid);
	sim->mod.pkg_key_done = 0;
	sim->mod.global_hkid = 0;
	sim->mod.handoff_valid = false;
	sim->mod.handoff_hv = 0;
}

void tdxsim_module_forget_lps(struct tdxsim_module *m, uint32_t num_lps)
{
	/* Atomic stores, not memset: tdxsim_lp_initialized() reads them without the lock. */
	for (uint32_t i = 0; i < num_lps; i++)
		atomic_store_explicit(&m->lp_initialized[i], 0, memory_order_relaxed);
	m->lps_initialized = 0;
}

void tdxsim_module_instance_load(struct tdxsim *sim, const struct tdxsim_profile *p,
				 const struct tdxsim_sigstruct *sig, bool keep_handoff)
{
	struct tdxsim_module *m = &sim->mod;

	/* The loader copies the handoff versions from the sigstruct into the new module's
	 * SYSINFO table ([PS23] install_epilogue); SYS.RD then reports them. */
	m->inst = *p;
	m->inst.seam_svn = sig->seam_svn;
	m->inst.module_hv = sig->module_hv;
	m->inst.min_update_hv = sig->min_update_hv;
	m->inst.no_downgrade = sig->no_downgrade;
	m->inst.num_handoff_pages = sig->num_handoff_pages;
	m->profile = &m->inst;
	m->md.profile = m->profile;
	tdxsim_md_view_build(&m->md); /* RDALL's page shows the new instance's numbers */
	m->state = TDXSIM_SYSINIT_PENDING;
	tdxsim_module_forget_lps(m, sim->cpu.num_lps);
	if (!keep_handoff)
		release_tdx_memory(sim, false);
}

void tdxsim_module_instance_reset(struct tdxsim *sim)
{
	release_tdx_memory(sim, false);
	tdxsim_module_forget_lps(&sim->mod, sim->cpu.num_lps);
	sim->mod.state = TDXSIM_SYSINIT_PENDING;
}

void tdxsim_module_drop_handoff(struct tdxsim *sim)
{
	/* The handoff KOT goes; the new module's own (its SYS.CONFIG reservations) takes over. */
	if (sim->mod.handoff_valid)
		release_tdx_memory(sim, true);
}
