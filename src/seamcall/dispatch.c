/* SPDX-License-Identifier: MIT */
/*
 * SEAMCALL entry: what the CPU does (VMX check, P-SEAMLDR routing, no module), then the
 * module's dispatcher pre-checks in the order of sheet 1.2, then the leaf handler.
 * Two paths reach the handler: seamcall_full() takes every step; a plain call (plain_call())
 * cannot fail any of them and goes straight to the leaf, the speed bench_seamcall measures.
 */
#include <string.h>

#include "core/util.h"
#include "seamcall/resident.h"
#include "seamcall/seamcall.h"

#define RAX_RESERVED_MASK UINT64_C(0xFFFFFFFFFF000000) /* bits 63:24 (sheet 1.1) */

/* Writes the registers an injection answers with (tdxsim_injection_t.outputs). */
static void inject_outputs(const struct tdxsim_injection *inj, tdxsim_regs_t *regs)
{
	uint64_t *out = (uint64_t *)regs;
	const uint64_t *in = (const uint64_t *)&inj->regs;
	for (unsigned i = 0; i < sizeof(*regs) / sizeof(uint64_t); i++)
		if (inj->outputs & (1u << i))
			out[i] = in[i];
}

/* Consumes one matching injection, if any (tdxsim_inject): the leaf is RAX bits 15:0 and 63,
 * so module and P-SEAMLDR leaves never match each other. */
static __attribute__((noinline)) bool take_injection_slow(struct tdxsim *sim, uint64_t rax, uint32_t lp,
							  tdxsim_regs_t *regs, uint64_t *status)
{
	uint64_t leaf = rax & (TDXSIM_SEAMLDR_BIT | TDXSIM_LEAF_MASK);
	for (unsigned i = 0; i < sim->num_injections; i++) {
		struct tdxsim_injection *inj = &sim->injections[i];
		if (inj->leaf != leaf || (inj->lp != TDXSIM_ANY_LP && inj->lp != lp))
			continue;
		if (inj->skip) {
			/* The first matching injection still counts down: this call runs. */
			inj->skip--;
			return false;
		}
		*status = inj->status;
		inject_outputs(inj, regs);
		if (--inj->remaining == 0) {
			memmove(inj, inj + 1, (sim->num_injections - i - 1) * sizeof(*inj));
			sim->num_injections--;
		}
		return true;
	}
	return false;
}

/* Nothing queued, the usual case, costs one predictable branch and no call (bench_seamcall). */
static inline bool take_injection(struct tdxsim *sim, uint64_t rax, uint32_t lp, tdxsim_regs_t *regs,
				  uint64_t *status)
{
	return sim->num_injections && take_injection_slow(sim, rax, lp, regs, status);
}

/* Sheet 1.2 steps 1-4; returns 0 to proceed to the handler. */
static uint64_t precheck(const struct tdxsim *sim, uint64_t rax, const struct tdxsim_leaf_row **row_out)
{
	const struct tdxsim_profile *prof = sim->mod.profile;
	uint16_t leaf = rax & TDXSIM_LEAF_MASK;
	unsigned version = (rax >> TDXSIM_VERSION_SHIFT) & TDXSIM_VERSION_MASK;
	bool in_range = leaf < TDXSIM_NUM_LEAF_SLOTS;
	const struct tdxsim_leaf_row *row = in_range ? sim->leaf_index[leaf] : NULL;
	bool exists = in_range && prof->leaf_max_version[leaf] != TDXSIM_LEAF_ABSENT;

	if (prof->abi_1_0) {
		/* TDX 1.0 compares all of RAX with the leaf number: any other bit makes it an
		 * unknown leaf, answered only after the state checks (sheet 1.1). */
		if (rax >> 16)
			exists = false;
	} else {
		if (rax & RAX_RESERVED_MASK)
			return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RAX;
		if (version > 0 && (!exists || prof->leaf_max_version[leaf] == 0))
			return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RAX;
	}
	if (sim->mod.state == TDXSIM_SYS_SHUTDOWN && !(exists && leaf == TDXSIM_TDH_SYS_LP_SHUTDOWN))
		return TDXSIM_TDX_SYS_SHUTDOWN;
	if (sim->mod.state != TDXSIM_SYS_READY && !(exists && row && (row->flags & TDXSIM_LEAF_BEFORE_READY)))
		return TDXSIM_TDX_SYS_NOT_READY;
	if (!exists || !row)
		return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RAX;
	*row_out = row;
	return TDXSIM_TDX_SUCCESS;
}

/* Runs @row's handler (the module's checks passed), with the lock held and the rejected-call
 * cost already charged; both paths of tdxsim_seamcall() end here. */
static inline __attribute__((always_inline)) uint64_t run_leaf(struct tdxsim *sim, struct tdxsim_lp *cpu,
							       uint32_t lp, uint64_t rax, tdxsim_regs_t *regs,
							       const struct tdxsim_leaf_row *row)
{
	const tdxsim_costs_t *costs = &sim->cfg.costs;
	uint64_t status;

	if (!row->handler) {
		tdxsim_set_error(sim, TDXSIM_OK, "seamcall: %s is not emulated", tdxsim_leaf_name(row->leaf));
		return TDXSIM_STATUS_NOT_EMULATED;
	}
	/* Field by field: an initializer would zero the whole held-lock array (~400 bytes) on
	 * every call, a third of a TDH.SYS.RD (bench_seamcall); only its count needs to be 0. */
	struct tdxsim_call call;
	call.sim = sim;
	call.lp = lp;
	call.version = (rax >> TDXSIM_VERSION_SHIFT) & TDXSIM_VERSION_MASK;
	call.regs = regs;
	call.extra_cycles = 0;
	call.held.n = 0;
	status = row->handler(&call);
	/* The leaf's one exit path: every module lock it took goes, in reverse order. */
	if (call.held.n)
		tdxsim_lock_release_all(&call.held);
	/* The leaf's own cost replaces the flat cost of a rejected call. */
	cpu->tsc += costs->leaf[row->leaf] - costs->rejected_call + call.extra_cycles;
	return status;
}

/*
 * The whole sequence, for every call the fast path of tdxsim_seamcall() does not take: entered
 * with the lock held, returns with it released.
 */
static __attribute__((noinline)) uint64_t seamcall_full(struct tdxsim *sim, uint32_t lp, uint64_t rax,
							tdxsim_regs_t *regs)
{
	struct tdxsim_lp *cpu = &sim->cpu.lps[lp];
	const tdxsim_costs_t *costs = &sim->cfg.costs;
	uint64_t status;
	/* Snapshot for the call observer, taken only when one is registered. */
	tdxsim_call_observer_t observer = sim->observer;
	void *observer_user = sim->observer_user;
	tdxsim_call_record_t rec;
	if (observer)
		rec = (tdxsim_call_record_t){.lp = lp, .rax = rax, .in = *regs, .tsc_start = cpu->tsc};

	if (!cpu->online) {
		tdxsim_set_error(sim, TDXSIM_ERR_LP_OFFLINE, "seamcall: LP %u is offline", lp);
		pthread_mutex_unlock(&sim->lock);
		return TDXSIM_STATUS_API_MISUSE; /* nothing executed: nothing to observe */
	}
	/* An LP in guest mode (a resident vCPU, seamcall/resident.h) cannot issue one. */
	if (sim->td.num_resident && tdxsim_resident_on_lp(sim, lp)) {
		tdxsim_set_error(sim, TDXSIM_ERR_STATE, "seamcall: LP %u is in guest mode", lp);
		pthread_mutex_unlock(&sim->lock);
		return TDXSIM_STATUS_API_MISUSE;
	}
	/* SEAMCALL outside VMX operation raises #UD (sheet 1.5). */
	if (!cpu->vmx_on) {
		status = TDXSIM_TDX_SEAMCALL_UD;
		goto out;
	}
	/* RAX bit 63 selects the P-SEAMLDR, never the module (sheet 1.1, 2.4; seamldr/). */
	if (rax & TDXSIM_SEAMLDR_BIT) {
		/* An injection answers instead of a loader that is there (the CPU's VMfailInvalid
		 * without one comes first), at the cost of a rejected call. */
		if (tdxsim_seamldr_reachable(sim) && take_injection(sim, rax, lp, regs, &status)) {
			cpu->tsc += costs->rejected_call;
			goto out;
		}
		uint64_t cycles = 0;
		status = tdxsim_seamldr_call(sim, lp, rax, regs, &cycles);
		cpu->tsc += cycles ? cycles : costs->rejected_call;
		goto out;
	}
	cpu->tsc += costs->rejected_call;
	/* No module, or the P-SEAMLDR blocked it for an INSTALL (SEAM_READY clear). */
	if (sim->mod.state == TDXSIM_MODULE_GONE) {
		status = TDXSIM_TDX_SEAMCALL_VMFAILINVALID;
		goto out;
	}
	if (take_injection(sim, rax, lp, regs, &status))
		goto out;

	const struct tdxsim_leaf_row *row = NULL;
	status = precheck(sim, rax, &row);
	if (status == TDXSIM_TDX_SUCCESS)
		status = run_leaf(sim, cpu, lp, rax, regs, row);
out:
	if (sim->td.num_resident)
		tdxsim_resident_tick(sim);
	if (observer) {
		rec.status = status;
		rec.out = *regs;
		rec.tsc_end = cpu->tsc;
	}
	pthread_mutex_unlock(&sim->lock);
	/* Called without the lock, like the machine-check handler: the observer may query. */
	if (observer)
		observer(sim, &rec, observer_user);
	return status;
}

/*
 * A plain call: no observer, no injection queued, no resident vCPU, the LP online and in VMX
 * operation, RAX a module leaf number of version 0 with no reserved bit (bits 63:16 clear),
 * the module SYS_READY. For such a call no check of the CPU or of sheet 1.2 steps 1-3 can
 * fail: the leaf either exists in the profile with a row, and its handler answers, or it is
 * OPERAND_INVALID(RAX), for TDX 1.0 too. Anything else takes seamcall_full(). One branch per
 * condition and no call (bench_seamcall); tests/test_dispatch_paths.c compares both paths
 * row by row.
 */
static inline bool plain_call(const struct tdxsim *sim, const struct tdxsim_lp *cpu, uint64_t rax)
{
	uintptr_t hooks = (uintptr_t)sim->observer | sim->num_injections | sim->td.num_resident;

	return !hooks && cpu->online && cpu->vmx_on && !(rax >> TDXSIM_VERSION_SHIFT) &&
	       sim->mod.state == TDXSIM_SYS_READY;
}

uint64_t tdxsim_seamcall(tdxsim_t *sim, uint32_t lp, uint64_t rax, tdxsim_regs_t *regs)
{
	if (!sim)
		return TDXSIM_STATUS_API_MISUSE;
	if (!regs || lp >= sim->cpu.num_lps) {
		tdxsim_set_error(sim, TDXSIM_ERR_INVALID_ARG, "seamcall: %s",
				 regs ? "LP index out of range" : "NULL registers");
		return TDXSIM_STATUS_API_MISUSE;
	}
	pthread_mutex_lock(&sim->lock);
	struct tdxsim_lp *cpu = &sim->cpu.lps[lp];
	if (!plain_call(sim, cpu, rax))
		return seamcall_full(sim, lp, rax, regs);
	/* What seamcall_full() does for a plain call, in its order. Nothing to observe and no
	 * resident vCPU to tick (only tdxsim_vcpu_stay_in_guest() makes one, never a leaf). */
	cpu->tsc += sim->cfg.costs.rejected_call;
	const struct tdxsim_leaf_row *row = NULL;
	if (rax < TDXSIM_NUM_LEAF_SLOTS && sim->mod.profile->leaf_max_version[rax] != TDXSIM_LEAF_ABSENT)
		row = sim->leaf_index[rax];
	uint64_t status = row ? run_leaf(sim, cpu, lp, rax, regs, row)
			      : TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RAX;
	pthread_mutex_unlock(&sim->lock);
	return status;
}

void tdxsim_set_call_observer(tdxsim_t *sim, tdxsim_call_observer_t observer, void *user)
{
	if (!sim)
		return;
	pthread_mutex_lock(&sim->lock);
	sim->observer = observer;
	sim->observer_user = user;
	pthread_mutex_unlock(&sim->lock);
}

bool tdxsim_shared_hpa_ok(const struct tdxsim *sim, uint64_t pa, uint64_t align, uint64_t len, void **host)
{
	const struct tdxsim_hkid *h = &sim->hkid;
	uint64_t plain = tdxsim_hkid_module_strip(h, pa);

	if (!tdxsim_is_aligned(pa, align) || pa >= TDXSIM_MODULE_PA_LIMIT ||
	    len > TDXSIM_MODULE_PA_LIMIT - pa)
		return false;
	if (tdxsim_ranges_overlap(plain, len, sim->cfg.seamrr_base, sim->cfg.seamrr_size))
		return false;
	if (tdxsim_hkid_module_of_pa(h, pa) >= tdxsim_hkid_first_private(h))
		return false;
	void *p = tdxsim_mem_ptr(&sim->mem, plain, len);
	if (!p)
		return false;
	if (host)
		*host = p;
	return true;
}

bool tdxsim_page_pa_ok(const struct tdxsim *sim, uint64_t pa)
{
	return tdxsim_is_aligned(pa, TDXSIM_4K) && pa < TDXSIM_MODULE_PA_LIMIT &&
	       (pa & tdxsim_hkid_module_mask(&sim->hkid)) == 0;
}
