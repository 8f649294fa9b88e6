/* SPDX-License-Identifier: MIT */
/*
 * TDH.SYS.TDMR.INIT (leaf 36): initialize the next chunk of one TDMR's PAMT (sheet 7.2).
 * Each call covers 4 MiB of TDMR (1024 PAMT_4K entries); RDX returns the next address to
 * initialize rounded down to 1 GiB, so it stays at a block's base for 255 calls and reaches
 * the TDMR end on the call that completes it. A 1 GiB block becomes usable only once fully
 * initialized (pamt/pamt.h). Needs SYS_READY (not in the dispatcher's allow-list).
 */
#include "core/util.h"
#include "mce/mce.h"
#include "seamcall/seamcall.h"

uint64_t tdxsim_tdh_sys_tdmr_init(struct tdxsim_call *c)
{
	struct tdxsim *sim = c->sim;
	tdxsim_regs_t *r = c->regs;
	uint64_t base = r->rcx, tdmr_base, tdmr_size, next;

	r->rdx = 0;
	if (!tdxsim_is_aligned(base, TDXSIM_1G) || base >= TDXSIM_MODULE_PA_LIMIT ||
	    (base & tdxsim_hkid_module_mask(&sim->hkid)))
		return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RCX;
	int idx = tdxsim_pamt_find_tdmr_info(sim->pamt, base, &tdmr_size, &next);
	if (idx < 0)
		return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RCX;
	/* The chunk's PAMT entries are written with the global private KeyID (sheet 7.2, 10). */
	if (tdxsim_mce_pamt_chunk(sim->integrity, (unsigned)idx, base, tdmr_size, next, sim->mod.global_hkid))
		return TDXSIM_STATUS_NO_MEMORY;
	if (!tdxsim_pamt_init_chunk(sim->pamt, (unsigned)idx))
		return TDXSIM_TDX_TDMR_ALREADY_INITIALIZED;

	tdxsim_pamt_tdmr_info(sim->pamt, (unsigned)idx, &tdmr_base, &tdmr_size, &next);
	r->rdx = tdxsim_align_down(next, TDXSIM_1G);
	c->extra_cycles += sim->cfg.costs.tdmr_init_chunk;
	return TDXSIM_TDX_SUCCESS;
}
