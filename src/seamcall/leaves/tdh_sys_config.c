/* SPDX-License-Identifier: MIT */
/*
 * TDH.SYS.CONFIG (leaf 45): hand the module the TDMRs, their PAMTs and reserved areas, and
 * the global private KeyID (sheet 6). Checks in the order of sheet 6.2; per TDMR, the entry
 * PA check (sheet 6.1) and then the rules of sheet 6.3 (tdmr/tdmr_check.c). Nothing changes
 * unless every check passes.
 * In: RCX = PA of an array of u64 TDMR_INFO PAs (512 aligned), RDX = number of TDMRs,
 *     R8 = global private KeyID. Out: none.
 */
#include <string.h>

#include "core/util.h"
#include "mce/mce.h"
#include "seamcall/seamcall.h"
#include "tdmr/tdmr.h"

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

	struct tdxsim_tdmr_limits lim = {.keyid_mask = tdxsim_hkid_pa_mask(&sim->hkid)};
	memcpy(lim.pamt_entry_size, sim->cfg.pamt_entry_size, sizeof(lim.pamt_entry_size));
	for (unsigned i = 0; i < n; i++) {
		void *entry;
		uint64_t entry_pa;
		memcpy(&entry_pa, (const uint8_t *)pa_array + 8 * i, sizeof(entry_pa));
		if (!tdxsim_shared_hpa_ok(sim, entry_pa, TDXSIM_TDMR_INFO_ALIGN, TDXSIM_TDMR_INFO_ALIGN,
					  &entry))
			return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RCX;
		memcpy(&tdmrs[i], entry, sizeof(tdmrs[i]));
		status = tdxsim_tdmr_check(tdmrs, i, sim->cmrs, sim->num_cmrs, &lim);
		if (status != TDXSIM_TDX_SUCCESS)
			return status;
	}

	/* Past this point nothing can fail but the host's own memory. A module that a runtime
	 * update loaded and that is configured from scratch instead of TDH.SYS.UPDATE leaves the
	 * handed-over TDMRs and KeyIDs behind (seamldr/instance.c, docs/lifecycle.md). */
	tdxsim_module_drop_handoff(sim);
	for (unsigned i = 0; i < n; i++) {
		const struct tdxsim_tdmr_info *t = &tdmrs[i];
		uint64_t pamt_bytes = t->pamt_4k_size + t->pamt_2m_size + t->pamt_1g_size;
		if (tdxsim_pamt_add_tdmr(sim->pamt, t->base, t->size, t->reserved_areas,
					 TDXSIM_TDMR_MAX_RESERVED, pamt_bytes) != TDXSIM_PAMT_OK) {
			tdxsim_pamt_clear(sim->pamt);
			return TDXSIM_STATUS_NO_MEMORY;
		}
	}
	/* The global KeyID is RESERVED in the KOT, so TDH.MNG.CREATE can never take it (6.2 step 7).
	 * The real module marks it before validating the TDMRs and does not undo that on failure
	 * (sheet [I]); tdxsim marks it only on success (docs/fidelity.md). */
	/* Where the PAMTs are, for the memory-integrity model (TDMR.INIT makes them private). */
	tdxsim_mce_pamt_layout(sim->integrity, tdmrs, (unsigned)n, sim->cfg.pamt_entry_size);
	sim->hkid.kot[hkid] = TDXSIM_HKID_RESERVED;
	m->global_hkid = (uint16_t)hkid;
	m->pkg_key_done = 0;
	m->state = TDXSIM_SYSCONFIG_DONE;
	c->extra_cycles += n * sim->cfg.costs.config_per_tdmr;
	return TDXSIM_TDX_SUCCESS;
}
