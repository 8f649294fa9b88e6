/* SPDX-License-Identifier: MIT */
/*
 * TDH.SYS.CONFIG (leaf 45): hand the module the TDMRs, their PAMTs and reserved areas, and
 * the global private KeyID (sheet 6). Checks in the order of sheet 6.2; per TDMR, the entry
 * PA check (sheet 6.1) and then the rules of sheet 6.3 (tdmr/tdmr_check.c).
 * In: RCX = PA of an array of u64 TDMR_INFO PAs (512 aligned), RDX = number of TDMRs,
 *     R8 = global private KeyID. Out: none.
 *
 * The one effect that outlives a failure: once R8 passed its check, the module marks that
 * KeyID RESERVED in the KOT and records it as the global KeyID, before it reads a single
 * TDMR_INFO, and no later failure undoes it ([M15] tdh_sys_config.c). A retry with the same
 * KeyID therefore ends as if the first attempt had not happened; a retry with another KeyID
 * leaves the first one RESERVED for good, so no TD can ever get it (docs/fidelity.md).
 * While a runtime update's handoff is pending the mark goes to the new module's own KOT,
 * which TDH.SYS.UPDATE would replace (hkid/hkid.h).
 */

#include <string.h>

#include "core/util.h"
#include "mce/mce.h"
#include "seamcall/seamcall.h"
#include "tdmr/tdmr.h"

/* Reads and checks every TDMR_INFO the array names, in order (sheet 6.1, 6.3). */
static uint64_t check_tdmrs(const struct tdxsim *sim, const uint64_t *pa_array, unsigned n,
			    struct tdxsim_tdmr_info *tdmrs)
{
	struct tdxsim_tdmr_limits lim = {.keyid_mask = tdxsim_hkid_module_mask(&sim->hkid)};
	memcpy(lim.pamt_entry_size, sim->cfg.pamt_entry_size, sizeof(lim.pamt_entry_size));
	for (unsigned i = 0; i < n; i++) {
		void *entry;
		uint64_t entry_pa;
		memcpy(&entry_pa, (const uint8_t *)pa_array + 8 * i, sizeof(entry_pa));
		if (!tdxsim_shared_hpa_ok(sim, entry_pa, TDXSIM_TDMR_INFO_ALIGN, TDXSIM_TDMR_INFO_ALIGN,
					  &entry))
			return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RCX;
		memcpy(&tdmrs[i], entry, sizeof(tdmrs[i]));
		uint64_t status = tdxsim_tdmr_check(tdmrs, i, sim->cmrs, sim->num_cmrs, &lim);
		if (status != TDXSIM_TDX_SUCCESS)
			return status;
	}
	return TDXSIM_TDX_SUCCESS;
}

/* The global KeyID is RESERVED in the KOT, so TDH.MNG.CREATE can never take it (6.2 step 7).
 * The module does this right after the R8 check, before any TDMR_INFO is read ([M15]); the
 * checks in between read neither the KOT nor the global KeyID, so doing it on each exit
 * past that point is the same. */
static void reserve_global_keyid(struct tdxsim *sim, uint16_t hkid)
{
	bool handoff = sim->mod.handoff_valid;
	tdxsim_hkid_reserve(&sim->hkid, hkid, handoff);
	/* The handoff's global KeyID stays where TDH.SYS.UPDATE would take it from. */
	if (!handoff)
		sim->mod.global_hkid = hkid;
}

/* A PAMT store holding @tdmrs, or NULL if the host is out of memory. */
static struct tdxsim_pamt *build_pamt_store(const struct tdxsim *sim, const struct tdxsim_tdmr_info *tdmrs,
					    unsigned n)
{
	struct tdxsim_pamt *p;
	if (tdxsim_pamt_create(&p))
		return NULL;
	tdxsim_pamt_set_alloc_budget(p, tdxsim_pamt_alloc_budget(sim->pamt));
	for (unsigned i = 0; i < n; i++) {
		const struct tdxsim_tdmr_info *t = &tdmrs[i];
		uint64_t pamt_bytes = t->pamt_4k_size + t->pamt_2m_size + t->pamt_1g_size;
		if (tdxsim_pamt_add_tdmr(p, t->base, t->size, t->reserved_areas, TDXSIM_TDMR_MAX_RESERVED,
					 pamt_bytes) != TDXSIM_PAMT_OK) {
			tdxsim_pamt_destroy(p);
			return NULL;
		}
	}
	return p;
}

uint64_t tdxsim_tdh_sys_config(struct tdxsim_call *c)
{
	struct tdxsim *sim = c->sim;
	struct tdxsim_module *m = &sim->mod;
	tdxsim_regs_t *r = c->regs;
	struct tdxsim_tdmr_info tdmrs[64];
	const uint64_t *pa_array;
	uint64_t n = r->rdx, hkid = r->r8, status;

	if (m->state != TDXSIM_SYSINIT_DONE)
		return TDXSIM_TDX_SYS_CONFIG_NOT_PENDING;
	/* Every LP of the platform (not only the online ones) must have done LP.INIT (7.2). */
	if (m->lps_initialized != sim->cpu.num_lps)
		return TDXSIM_TDX_SYS_CONFIG_NOT_PENDING;
	if (!tdxsim_shared_hpa_ok(sim, r->rcx, TDXSIM_TDMR_INFO_ALIGN, TDXSIM_TDMR_INFO_ALIGN,
				  (void **)&pa_array))
		return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RCX;
	/* The module's limit is 64 (sheet 6.2 step 5); a profile reporting fewer keeps 64 here. */
	if (n < 1 || n > 64)
		return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RDX;
	if ((hkid >> 16) != 0 || !tdxsim_hkid_is_private(&sim->hkid, hkid))
		return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_R8;

	status = check_tdmrs(sim, pa_array, (unsigned)n, tdmrs);
	if (status != TDXSIM_TDX_SUCCESS) {
		reserve_global_keyid(sim, (uint16_t)hkid);
		return status;
	}
	/* The PAMT store for these TDMRs is built aside first: allocating it is the only thing
	 * left that can fail (the host's memory, not the module), and then nothing may have
	 * changed, a pending runtime-update handoff included. */
	struct tdxsim_pamt *fresh = build_pamt_store(sim, tdmrs, (unsigned)n);
	if (!fresh)
		return TDXSIM_STATUS_NO_MEMORY;

	/* Past this point nothing can fail. A module that a runtime update loaded and that is
	 * configured from scratch instead of TDH.SYS.UPDATE leaves the handed-over TDMRs and
	 * KeyIDs behind (seamldr/instance.c, docs/lifecycle.md); its own KOT takes over. */
	reserve_global_keyid(sim, (uint16_t)hkid);
	tdxsim_module_drop_handoff(sim);
	m->global_hkid = (uint16_t)hkid;
	tdxsim_pamt_destroy(sim->pamt);
	sim->pamt = fresh;
	/* Where the PAMTs are, for the memory-integrity model (TDMR.INIT makes them private). */
	tdxsim_mce_pamt_layout(sim->integrity, tdmrs, (unsigned)n, sim->cfg.pamt_entry_size);
	m->pkg_key_done = 0;
	m->state = TDXSIM_SYSCONFIG_DONE;
	c->extra_cycles += n * sim->cfg.costs.config_per_tdmr;
	return TDXSIM_TDX_SUCCESS;
}
