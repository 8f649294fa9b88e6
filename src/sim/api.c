/* SPDX-License-Identifier: MIT */
/* The public platform, memory, injection and query calls: argument checks, then the owner. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "sim/sim.h"

#define LOCK(sim)   pthread_mutex_lock(&((struct tdxsim *)(sim))->lock)
#define UNLOCK(sim) pthread_mutex_unlock(&((struct tdxsim *)(sim))->lock)

static tdxsim_err_t check_lp(const tdxsim_t *sim, uint32_t lp)
{
	if (!sim)
		return TDXSIM_ERR_INVALID_ARG;
	if (lp >= sim->cpu.num_lps)
		return tdxsim_set_error(sim, TDXSIM_ERR_INVALID_ARG, "LP %u out of range (%u LPs)", lp,
					sim->cpu.num_lps);
	return TDXSIM_OK;
}

uint32_t tdxsim_num_lps(const tdxsim_t *sim)
{
	return sim ? sim->cpu.num_lps : 0;
}

uint32_t tdxsim_num_packages(const tdxsim_t *sim)
{
	return sim ? sim->cpu.num_packages : 0;
}

uint32_t tdxsim_lp_package(const tdxsim_t *sim, uint32_t lp)
{
	return sim && lp < sim->cpu.num_lps ? sim->cpu.lps[lp].package : UINT32_MAX;
}

static tdxsim_err_t set_vmx(tdxsim_t *sim, uint32_t lp, bool on)
{
	tdxsim_err_t err = check_lp(sim, lp);
	if (err)
		return err;
	LOCK(sim);
	struct tdxsim_lp *cpu = &sim->cpu.lps[lp];
	if (!cpu->online) {
		err = tdxsim_set_error(sim, TDXSIM_ERR_LP_OFFLINE, "LP %u is offline", lp);
	} else {
		cpu->vmx_on = on;
		cpu->tsc += on ? sim->cfg.costs.vmxon : sim->cfg.costs.vmxoff;
	}
	UNLOCK(sim);
	return err;
}

tdxsim_err_t tdxsim_vmxon(tdxsim_t *sim, uint32_t lp)
{
	return set_vmx(sim, lp, true);
}

tdxsim_err_t tdxsim_vmxoff(tdxsim_t *sim, uint32_t lp)
{
	return set_vmx(sim, lp, false);
}

bool tdxsim_lp_vmx_on(const tdxsim_t *sim, uint32_t lp)
{
	return sim && lp < sim->cpu.num_lps &&
	       atomic_load_explicit(&sim->cpu.lps[lp].vmx_on, memory_order_relaxed);
}

tdxsim_err_t tdxsim_rdmsr(tdxsim_t *sim, uint32_t lp, uint32_t msr, uint64_t *value)
{
	tdxsim_err_t err = check_lp(sim, lp);
	if (err)
		return err;
	if (!value)
		return TDXSIM_ERR_INVALID_ARG;
	LOCK(sim);
	if (!sim->cpu.lps[lp].online)
		err = tdxsim_set_error(sim, TDXSIM_ERR_LP_OFFLINE, "LP %u is offline", lp);
	else if (tdxsim_cpu_rdmsr(&sim->cpu, msr, value))
		err = tdxsim_set_error(sim, TDXSIM_ERR_GP, "RDMSR 0x%x: no such MSR (#GP)", msr);
	else
		sim->cpu.lps[lp].tsc += sim->cfg.costs.rdmsr;
	UNLOCK(sim);
	return err;
}

uint64_t tdxsim_lp_cycles(const tdxsim_t *sim, uint32_t lp)
{
	if (!sim || lp >= sim->cpu.num_lps)
		return 0;
	LOCK(sim);
	uint64_t t = sim->cpu.lps[lp].tsc;
	UNLOCK(sim);
	return t;
}

void *tdxsim_phys_to_virt(tdxsim_t *sim, uint64_t pa, size_t len)
{
	/* Lock-free (mem/view.c): a lookup racing with hot-add or hot-remove of another range
	 * still finds its own; the range being added or removed may or may not be seen. */
	return sim ? tdxsim_mem_ptr_exposed(&sim->mem, pa, len) : NULL;
}

tdxsim_err_t tdxsim_virt_to_phys(const tdxsim_t *sim, const void *ptr, uint64_t *pa)
{
	if (!sim || !pa)
		return TDXSIM_ERR_INVALID_ARG;
	return tdxsim_mem_pa(&sim->mem, ptr, pa) ? TDXSIM_ERR_NOT_RAM : TDXSIM_OK;
}

tdxsim_err_t tdxsim_phys_alloc(tdxsim_t *sim, uint64_t size, uint64_t align, uint32_t node, uint64_t *pa)
{
	if (!sim || !pa)
		return TDXSIM_ERR_INVALID_ARG;
	LOCK(sim);
	tdxsim_err_t err = tdxsim_mem_alloc(&sim->mem, size, align, node, pa);
	UNLOCK(sim);
	if (err)
		tdxsim_set_error(sim, err, "phys_alloc of %llu bytes (align %llu, node %d): %s",
				 (unsigned long long)size, (unsigned long long)align, (int)node,
				 tdxsim_strerror(err));
	return err;
}

tdxsim_err_t tdxsim_phys_free(tdxsim_t *sim, uint64_t pa, uint64_t size)
{
	if (!sim)
		return TDXSIM_ERR_INVALID_ARG;
	LOCK(sim);
	tdxsim_err_t err = tdxsim_mem_free(&sim->mem, pa, size);
	UNLOCK(sim);
	return err;
}

uint32_t tdxsim_ram_ranges(const tdxsim_t *sim, tdxsim_range_t *out, uint32_t max)
{
	if (!sim)
		return 0;
	LOCK(sim);
	uint32_t n = sim->mem.num_regions;
	for (uint32_t i = 0; i < n && i < max && out; i++)
		out[i] = (tdxsim_range_t){sim->mem.regions[i].base, sim->mem.regions[i].size,
					  sim->mem.regions[i].node};
	UNLOCK(sim);
	return n;
}

uint32_t tdxsim_keyid_shift(const tdxsim_t *sim)
{
	return sim ? sim->hkid.shift : 0;
}

tdxsim_err_t tdxsim_inject_status(tdxsim_t *sim, uint16_t leaf, uint32_t lp, uint32_t count, uint64_t status)
{
	return tdxsim_inject_status_after(sim, leaf, lp, 0, count, status);
}

tdxsim_err_t tdxsim_inject_status_after(tdxsim_t *sim, uint16_t leaf, uint32_t lp, uint32_t skip,
					uint32_t count, uint64_t status)
{
	tdxsim_injection_t inj;
	tdxsim_injection_init(&inj);
	inj.leaf = leaf;
	inj.lp = lp;
	inj.skip = skip;
	inj.count = count;
	inj.status = status;
	return tdxsim_inject(sim, &inj);
}

void tdxsim_injection_init(tdxsim_injection_t *inj)
{
	if (!inj)
		return;
	memset(inj, 0, sizeof(*inj));
	inj->size = sizeof(*inj);
	inj->lp = TDXSIM_ANY_LP;
	inj->count = 1;
}

#define INJECT_LEAF_BITS (TDXSIM_SEAMLDR_BIT | TDXSIM_LEAF_MASK)
#define INJECT_REG_BITS	 ((1u << (sizeof(tdxsim_regs_t) / sizeof(uint64_t))) - 1)

tdxsim_err_t tdxsim_inject(tdxsim_t *sim, const tdxsim_injection_t *inj)
{
	if (!sim || !inj || inj->size < sizeof(*inj) || inj->count == 0 ||
	    (inj->lp != TDXSIM_ANY_LP && inj->lp >= sim->cpu.num_lps) || (inj->leaf & ~INJECT_LEAF_BITS) ||
	    (inj->outputs & ~INJECT_REG_BITS))
		return TDXSIM_ERR_INVALID_ARG;
	LOCK(sim);
	tdxsim_err_t err = TDXSIM_OK;
	if (sim->num_injections == sim->cap_injections) {
		unsigned cap = sim->cap_injections ? 2 * sim->cap_injections : 8;
		struct tdxsim_injection *n = realloc(sim->injections, cap * sizeof(*n));
		if (!n) {
			err = TDXSIM_ERR_NO_MEMORY;
			goto out;
		}
		sim->injections = n;
		sim->cap_injections = cap;
	}
	sim->injections[sim->num_injections++] = (struct tdxsim_injection){
		.leaf = inj->leaf,
		.lp = inj->lp,
		.remaining = inj->count,
		.skip = inj->skip,
		.outputs = inj->outputs,
		.status = inj->status,
		.regs = inj->regs,
	};
out:
	UNLOCK(sim);
	return err;
}

void tdxsim_clear_injections(tdxsim_t *sim)
{
	if (!sim)
		return;
	LOCK(sim);
	sim->num_injections = 0;
	UNLOCK(sim);
}

tdxsim_module_state_t tdxsim_module_state(const tdxsim_t *sim)
{
	return sim ? atomic_load_explicit(&sim->mod.state, memory_order_relaxed) : TDXSIM_MODULE_GONE;
}

bool tdxsim_lp_initialized(const tdxsim_t *sim, uint32_t lp)
{
	return sim && lp < sim->cpu.num_lps &&
	       atomic_load_explicit(&sim->mod.lp_initialized[lp], memory_order_relaxed);
}

tdxsim_err_t tdxsim_pamt_query(const tdxsim_t *sim, uint64_t pa, tdxsim_pamt_info_t *out)
{
	if (!sim || !out)
		return TDXSIM_ERR_INVALID_ARG;
	struct tdxsim_pamt_leaf leaf;
	LOCK(sim);
	enum tdxsim_pamt_result r = tdxsim_pamt_walk(sim->pamt, pa, &leaf);
	UNLOCK(sim);
	if (r != TDXSIM_PAMT_OK)
		return TDXSIM_ERR_NOT_COVERED;
	*out = (tdxsim_pamt_info_t){leaf.type, leaf.level, leaf.owner, leaf.bepoch};
	return TDXSIM_OK;
}

void tdxsim_pamt_stats(const tdxsim_t *sim, tdxsim_pamt_stats_t *out)
{
	if (!sim || !out)
		return;
	LOCK(sim);
	tdxsim_pamt_get_stats(sim->pamt, out);
	UNLOCK(sim);
}
