/* SPDX-License-Identifier: MIT */
/*
 * P-SEAMLDR.INSTALL (RAX = 0x8000000000000001, RCX = PA of SEAMLDR_PARAMS), following the
 * loader's own flow ([PS23] seamldr_install.c; [PS21] for the 2021 version; sheet 2.4, 14.3):
 *
 * Every call: EBADCALL if this LP already called in the current session. The first call of a
 * session saves the module's state and blocks it (SEAM_READY = 0: its SEAMCALLs now fail with
 * VMfailInvalid). A call that is not the last (fewer than all LPs of the platform so far)
 * returns SUCCESS without looking at RCX. The last one checks, in this order:
 *   params PA (4 KiB aligned shared) and contents -> EBADPARAM
 *   sigstruct format -> EBADSIG; SVN major 0 -> EUNSUPPORTED; update to another major ->
 *   EUNSUPPORTED; update to a lower minor SVN -> EBADSIG; a load while keys are dirty that
 *   changes major or lowers the SVN -> ECLEANUPREQ; supported CPUs -> EUNSUPCPU
 *   update: no updates left -> EBADCALL; no valid handoff data, or its version outside the new
 *   module's [min_update_hv, module_hv] -> EBADHANDOFF
 * All of the above are recoverable: the old module comes back as it was (RDX = 0). Then the
 * SEAM range is rewritten, so what fails later leaves no module (RDX = 1):
 *   module pages do not hash to the sigstruct's SEAMHASH -> EBADHASH
 *   the image is not a module (tdxsim: the descriptor names no profile; the loader's ELF
 *   relocation failure) -> EBADPARAM
 * On success the new instance is in SYSINIT_PENDING; the session ends after the last LP either
 * way. Not modelled: signature verification (tdxsim's sigstruct is unsigned), the SEAM range
 * size check (ENOMEM), entropy failures (ENOENTROPY), SEAMLDR.SHUTDOWN/CLEANUP flows.
 */
#include <string.h>

#include "core/util.h"
#include "seamldr/seamldr.h"

#define PAGE 4096u

/* [PS23] check_seamldr_params. */
static uint64_t check_params(struct tdxsim *sim, const struct tdxsim_seamldr_params *p, bool module_was_ready)
{
	if (p->version != 0 || !tdxsim_all_zero(p->reserved, sizeof(p->reserved)))
		return TDXSIM_PSEAMLDR_EBADPARAM;
	if (p->scenario != TDXSIM_SEAMLDR_SCENARIO_LOAD && p->scenario != TDXSIM_SEAMLDR_SCENARIO_UPDATE)
		return TDXSIM_PSEAMLDR_EBADPARAM;
	if (p->num_module_pages < 1 || p->num_module_pages > TDXSIM_SEAMLDR_MAX_MODULE_PAGES)
		return TDXSIM_PSEAMLDR_EBADPARAM;
	for (uint64_t i = 0; i < p->num_module_pages; i++)
		if (!tdxsim_seamldr_shared(sim, p->module_pages_pa[i], PAGE, PAGE))
			return TDXSIM_PSEAMLDR_EBADPARAM;
	if (!tdxsim_seamldr_shared(sim, p->sigstruct_pa, PAGE, PAGE))
		return TDXSIM_PSEAMLDR_EBADPARAM;
	/* An update needs a module to update. */
	if (p->scenario == TDXSIM_SEAMLDR_SCENARIO_UPDATE && !module_was_ready)
		return TDXSIM_PSEAMLDR_EBADPARAM;
	return TDXSIM_TDX_SUCCESS;
}

/* [PS23] check_seam_sigstruct and verify_manifest, on tdxsim's sigstruct stand-in. */
static uint64_t verify_manifest(const struct tdxsim *sim, const struct tdxsim_sigstruct *s, uint32_t scenario)
{
	const struct tdxsim_seamldr *l = &sim->ldr;
	if (memcmp(s->magic, TDXSIM_SIGSTRUCT_MAGIC, sizeof(s->magic)) || s->module_vendor != 0x8086 ||
	    s->reserved0 || !tdxsim_all_zero(s->reserved1, sizeof(s->reserved1)) || s->num_cpuids > 8 ||
	    s->min_update_hv > s->module_hv)
		return TDXSIM_PSEAMLDR_EBADSIG;
	unsigned new_major = s->seam_svn >> 8, new_minor = s->seam_svn & 0xFF;
	unsigned cur_major = l->seamextend.seam_svn >> 8, cur_minor = l->seamextend.seam_svn & 0xFF;
	if (new_major == 0)
		return TDXSIM_PSEAMLDR_EUNSUPPORTED;
	if (scenario == TDXSIM_SEAMLDR_SCENARIO_UPDATE) {
		if (new_major != cur_major)
			return TDXSIM_PSEAMLDR_EUNSUPPORTED;
		if (new_minor < cur_minor)
			return TDXSIM_PSEAMLDR_EBADSIG;
	} else if (l->key_dirty && (new_major != cur_major || new_minor < cur_minor)) {
		return TDXSIM_PSEAMLDR_ECLEANUPREQ;
	}
	if (s->num_cpuids) {
		/* Every package's CPU must be in the list, stepping ignored ([PS23] check_cpuid_support). */
		bool found = false;
		for (unsigned i = 0; i < s->num_cpuids; i++)
			found |= (s->cpuids[i] & ~0xFu) == (sim->cpu.fms & ~0xFu);
		if (!found)
			return TDXSIM_PSEAMLDR_EUNSUPCPU;
	}
	return TDXSIM_TDX_SUCCESS;
}

/* [PS23] init_seam_range_on_update: the handoff data the old module's TDH.SYS.SHUTDOWN left. */
static uint64_t check_handoff(const struct tdxsim *sim, const struct tdxsim_sigstruct *s)
{
	if (sim->ldr.remaining_updates == 0)
		return TDXSIM_PSEAMLDR_EBADCALL;
	if (!sim->mod.handoff_valid || sim->mod.handoff_hv < s->min_update_hv ||
	    sim->mod.handoff_hv > s->module_hv)
		return TDXSIM_PSEAMLDR_EBADHANDOFF;
	return TDXSIM_TDX_SUCCESS;
}

/* The last LP's work. *unrecoverable tells whether the SEAM range was already rewritten. */
static uint64_t install_last(struct tdxsim *sim, uint64_t params_pa, bool *unrecoverable, uint64_t *cycles)
{
	struct tdxsim_seamldr *l = &sim->ldr;
	bool module_was_ready = l->saved_state != TDXSIM_MODULE_GONE;
	const struct tdxsim_seamldr_params *pp = tdxsim_seamldr_shared(sim, params_pa, PAGE, PAGE);
	struct tdxsim_seamldr_params params;
	struct tdxsim_sigstruct sig;
	uint64_t status;

	*unrecoverable = false;
	if (!pp)
		return TDXSIM_PSEAMLDR_EBADPARAM;
	memcpy(&params, pp, sizeof(params)); /* the loader works on its own copy */
	status = check_params(sim, &params, module_was_ready);
	if (status)
		return status;
	memcpy(&sig, tdxsim_seamldr_shared(sim, params.sigstruct_pa, PAGE, PAGE), sizeof(sig));
	status = verify_manifest(sim, &sig, params.scenario);
	if (status)
		return status;
	bool update = params.scenario == TDXSIM_SEAMLDR_SCENARIO_UPDATE;
	if (update) {
		status = check_handoff(sim, &sig);
		if (status)
			return status;
	}

	/* The SEAM range is rewritten from here on: failures leave no module ([PS23]). */
	*unrecoverable = true;
	const void *pages[TDXSIM_SEAMLDR_MAX_MODULE_PAGES];
	uint8_t hash[48];
	for (uint64_t i = 0; i < params.num_module_pages; i++)
		pages[i] = tdxsim_seamldr_shared(sim, params.module_pages_pa[i], PAGE, PAGE);
	*cycles += params.num_module_pages * sim->cfg.costs.seamldr_install_page;
	if (tdxsim_sha384_pages(pages, (unsigned)params.num_module_pages, hash) ||
	    memcmp(hash, sig.seamhash, sizeof(hash)))
		return TDXSIM_PSEAMLDR_EBADHASH;
	const struct tdxsim_profile *p = tdxsim_descriptor_parse(pages[0]);
	if (!p)
		return TDXSIM_PSEAMLDR_EBADPARAM;

	/* Success: SEAMEXTEND describes the new module, SEAM_READY is set again. */
	if (!update)
		l->remaining_updates = l->initial_updates; /* a load clears the SEAMDB */
	l->remaining_updates--;
	l->key_dirty = true;
	l->seamextend.valid = 0x1FF;
	l->seamextend.seam_svn = sig.seam_svn;
	memcpy(l->seamextend.mrseam, sig.seamhash, sizeof(hash));
	tdxsim_module_instance_load(sim, p, &sig, update);
	l->gone_by_loader = false;
	return TDXSIM_TDX_SUCCESS;
}

uint64_t tdxsim_seamldr_install(struct tdxsim *sim, uint32_t lp, tdxsim_regs_t *regs, uint64_t *cycles)
{
	struct tdxsim_seamldr *l = &sim->ldr;
	uint64_t status;
	bool unrecoverable = false;

	if (l->update_bitmap[lp]) {
		status = TDXSIM_PSEAMLDR_EBADCALL;
		goto out;
	}
	l->update_bitmap[lp] = 1;
	if (l->lps_in_update == 0) {
		/* First LP of the session: block the running module. */
		l->saved_state = sim->mod.state;
		sim->mod.state = TDXSIM_MODULE_GONE;
		l->gone_by_loader = true;
	}
	l->lps_in_update++;
	if (l->lps_in_update < l->num_lps) {
		status = TDXSIM_TDX_SUCCESS;
		goto out;
	}

	status = install_last(sim, regs->rcx, &unrecoverable, cycles);
	if (status && !unrecoverable) {
		/* The old module is back, in the state it had ([PS23] install_epilogue). */
		sim->mod.state = (tdxsim_module_state_t)l->saved_state;
		l->gone_by_loader = sim->mod.state == TDXSIM_MODULE_GONE;
	} else if (status) {
		/* No module left: SEAMEXTEND zeroed; only a new INSTALL (scenario LOAD) helps. */
		memset(&l->seamextend, 0, sizeof(l->seamextend));
		sim->mod.state = TDXSIM_MODULE_GONE;
		sim->mod.handoff_valid = false;
		l->gone_by_loader = true;
	}
	memset(l->update_bitmap, 0, l->num_lps);
	l->lps_in_update = 0;
	l->saved_state = 0;
out:
	regs->rdx = status ? (unrecoverable ? TDXSIM_SEAMLDR_UNRECOVERABLE : TDXSIM_SEAMLDR_RECOVERABLE) : 0;
	return status;
}
