/* SPDX-License-Identifier: MIT */
/*
 * Platform events (platform.h): ACPI sleep, memory hot-add/remove, LP offline/online.
 * Sources: sheet 14.1 (what Linux does around each), 7.2 (LP.INIT only before SYS.CONFIG),
 * and the seed notes on hotplug and S3 (TDX lost for good; CMRs never hot-removed).
 */
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "mce/mce.h"
#include "sim/sim.h"
#include "tdxsim/platform.h"

#define LOCK(sim)   pthread_mutex_lock(&(sim)->lock)
#define UNLOCK(sim) pthread_mutex_unlock(&(sim)->lock)

/* Online flags are also read without the lock on the memory fast path (access.c). */
static void set_online(struct tdxsim *sim, uint32_t lp, bool on)
{
	__atomic_store_n(&sim->cpu.lps[lp].online, on, __ATOMIC_RELAXED);
}

/*
 * The module and its keys are gone (S3 or deeper: the seed notes, Linux disables S3 and
 * requires hibernation to be off for exactly this reason, sheet 14.1 steps 1-2). Nothing of it
 * survives: the dispatcher answers VMfailInvalid from now on, as on a machine without a
 * module (sheet 1.5). The memory controller's per-line state is left as it was [U].
 */
static void module_lost(struct tdxsim *sim)
{
	struct tdxsim_module *m = &sim->mod;
	m->state = TDXSIM_MODULE_GONE;
	tdxsim_module_forget_lps(m, sim->cpu.num_lps);
	m->pkg_key_done = 0;
	m->global_hkid = 0;
	m->handoff_valid = false;
	m->handoff_hv = 0;
	/* SEAMRR goes with it: the P-SEAMLDR cannot install a module any more (seamldr.h). */
	sim->ldr.present = false;
	sim->ldr.gone_by_loader = false;
	tdxsim_hkid_reset(&sim->hkid);
	tdxsim_pamt_clear(sim->pamt);
	tdxsim_tds_clear(&sim->td);
	tdxsim_mce_pamt_forget(sim->integrity);
}

tdxsim_err_t tdxsim_sleep_enter(tdxsim_t *sim)
{
	if (!sim)
		return TDXSIM_ERR_INVALID_ARG;
	tdxsim_err_t err = TDXSIM_OK;
	LOCK(sim);
	if (sim->asleep) {
		err = tdxsim_set_error(sim, TDXSIM_ERR_STATE, "sleep_enter: the platform is already asleep");
		goto out;
	}
	if (!sim->online_before_sleep && !(sim->online_before_sleep = calloc(sim->cpu.num_lps, 1))) {
		err = TDXSIM_ERR_NO_MEMORY;
		goto out;
	}
	for (uint32_t lp = 0; lp < sim->cpu.num_lps; lp++) {
		sim->online_before_sleep[lp] = sim->cpu.lps[lp].online;
		sim->cpu.lps[lp].vmx_on = false;
		set_online(sim, lp, false);
	}
	module_lost(sim);
	sim->asleep = true;
out:
	UNLOCK(sim);
	return err;
}

tdxsim_err_t tdxsim_sleep_resume(tdxsim_t *sim)
{
	if (!sim)
		return TDXSIM_ERR_INVALID_ARG;
	tdxsim_err_t err = TDXSIM_OK;
	LOCK(sim);
	if (!sim->asleep) {
		err = tdxsim_set_error(sim, TDXSIM_ERR_STATE, "sleep_resume: the platform is not asleep");
	} else {
		/* The LPs come back out of VMX operation; the module does not come back. */
		for (uint32_t lp = 0; lp < sim->cpu.num_lps; lp++)
			set_online(sim, lp, sim->online_before_sleep[lp]);
		sim->asleep = false;
	}
	UNLOCK(sim);
	return err;
}

bool tdxsim_range_in_cmrs(const tdxsim_t *sim, uint64_t base, uint64_t size)
{
	/* The CMRs are fixed at power-on (sim.c); no lock needed. */
	return sim && tdxsim_mce_in_cmrs(sim->integrity, base, size);
}

tdxsim_err_t tdxsim_mem_hot_add(tdxsim_t *sim, const tdxsim_range_t *range)
{
	if (!sim || !range)
		return TDXSIM_ERR_INVALID_ARG;
	const tdxsim_config_t *cfg = &sim->cfg;
	uint64_t limit = UINT64_C(1) << (cfg->phys_addr_bits - cfg->keyid_bits);
	if (!range->size || !tdxsim_is_aligned(range->base, TDXSIM_4K) ||
	    !tdxsim_is_aligned(range->size, TDXSIM_4K))
		return tdxsim_set_error(sim, TDXSIM_ERR_INVALID_ARG,
					"hot_add: base and size must be 4 KiB aligned");
	if (range->base >= limit || range->size > limit - range->base)
		return tdxsim_set_error(sim, TDXSIM_ERR_INVALID_ARG, "hot_add: ends above the address width");
	if (range->node >= sim->cpu.num_packages)
		return tdxsim_set_error(sim, TDXSIM_ERR_INVALID_ARG, "hot_add: node %u does not exist",
					range->node);
	if (tdxsim_ranges_overlap(range->base, range->size, cfg->seamrr_base, cfg->seamrr_size))
		return tdxsim_set_error(sim, TDXSIM_ERR_INVALID_ARG, "hot_add: overlaps SEAMRR");
	tdxsim_err_t err = TDXSIM_OK;
	LOCK(sim);
	struct tdxsim_mem *mem = &sim->mem;
	for (unsigned i = 0; i < mem->num_regions && !err; i++)
		if (tdxsim_ranges_overlap(mem->regions[i].base, mem->regions[i].size, range->base,
					  range->size))
			err = tdxsim_set_error(sim, TDXSIM_ERR_INVALID_ARG, "hot_add: overlaps RAM at 0x%llx",
					       (unsigned long long)mem->regions[i].base);
	if (!err && sim->asleep)
		err = tdxsim_set_error(sim, TDXSIM_ERR_STATE, "hot_add: the platform is asleep");
	if (!err && mem->num_regions == TDXSIM_MEM_MAX_REGIONS)
		err = tdxsim_set_error(sim, TDXSIM_ERR_INVALID_ARG, "hot_add: too many RAM ranges (%u)",
				       TDXSIM_MEM_MAX_REGIONS);
	/* Checked above, so a failure here is the host's mmap. The CMRs do not change: MCHECK
	 * reported them at boot, so this memory can never be TDX memory. */
	if (!err && tdxsim_mem_add_region(mem, range))
		err = TDXSIM_ERR_NO_MEMORY;
	UNLOCK(sim);
	return err;
}

tdxsim_err_t tdxsim_mem_hot_remove(tdxsim_t *sim, uint64_t base, uint64_t size)
{
	if (!sim || !size)
		return TDXSIM_ERR_INVALID_ARG;
	tdxsim_err_t err = TDXSIM_OK;
	LOCK(sim);
	tdxsim_module_state_t st = sim->mod.state;
	bool cmr = false;
	for (unsigned i = 0; i < sim->num_cmrs; i++)
		cmr |= tdxsim_ranges_overlap(sim->cmrs[i].base, sim->cmrs[i].size, base, size);
	const struct tdxsim_mem_region *r = tdxsim_mem_region_of(&sim->mem, base, size);
	if (!r || r->base != base || r->size != size) {
		err = tdxsim_set_error(sim, TDXSIM_ERR_INVALID_ARG,
				       "hot_remove: [0x%llx, +0x%llx) is not a whole "
				       "RAM range",
				       (unsigned long long)base, (unsigned long long)size);
	} else if (cmr && st != TDXSIM_SYSINIT_PENDING && st != TDXSIM_MODULE_GONE) {
		/* The BIOS must not offer it and Linux assumes it never happens (seed notes): the
		 * module's TDMRs and PAMTs would describe memory that is no longer there. */
		err = tdxsim_set_error(
			sim, TDXSIM_ERR_PLATFORM_FAULT,
			"hot_remove: [0x%llx, +0x%llx) is CMR memory and TDX is (being) initialized",
			(unsigned long long)base, (unsigned long long)size);
	} else {
		tdxsim_mce_forget_range(sim->integrity, base, size);
		tdxsim_mem_remove_region(&sim->mem, base, size);
	}
	UNLOCK(sim);
	return err;
}

/*
 * Logical offline keeps the module's view: the LP stays counted as initialized, and the
 * module never asks an LP to run TDH.SYS.LP.INIT again (it could not: LP.INIT is refused after
 * TDH.SYS.CONFIG with TDX_SYS_LP_INIT_NOT_PENDING, sheet 7.2). So an LP coming back online
 * needs nothing but VMXON; Linux keeps its per-CPU "LP initialized" flag for the same reason
 * (sheet 14.1 "CPU online"). The LP leaves VMX operation, as Linux drops VMX on offline.
 */
tdxsim_err_t tdxsim_lp_offline(tdxsim_t *sim, uint32_t lp)
{
	if (!sim || lp >= sim->cpu.num_lps)
		return TDXSIM_ERR_INVALID_ARG;
	tdxsim_err_t err = TDXSIM_OK;
	LOCK(sim);
	if (sim->asleep) {
		err = tdxsim_set_error(sim, TDXSIM_ERR_STATE, "lp_offline: the platform is asleep");
	} else {
		sim->cpu.lps[lp].vmx_on = false;
		set_online(sim, lp, false);
	}
	UNLOCK(sim);
	return err;
}

tdxsim_err_t tdxsim_lp_online(tdxsim_t *sim, uint32_t lp)
{
	if (!sim || lp >= sim->cpu.num_lps)
		return TDXSIM_ERR_INVALID_ARG;
	tdxsim_err_t err = TDXSIM_OK;
	LOCK(sim);
	if (sim->asleep)
		err = tdxsim_set_error(sim, TDXSIM_ERR_STATE, "lp_online: the platform is asleep");
	else if (!sim->cpu.lps[lp].online)
		set_online(sim, lp, true); /* VMX is off: it was dropped on the way down */
	UNLOCK(sim);
	return err;
}

bool tdxsim_lp_is_online(const tdxsim_t *sim, uint32_t lp)
{
	return sim && lp < sim->cpu.num_lps && __atomic_load_n(&sim->cpu.lps[lp].online, __ATOMIC_RELAXED);
}
