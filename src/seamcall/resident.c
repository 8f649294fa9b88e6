/* SPDX-License-Identifier: MIT */
/* vCPUs resident in guest mode across host calls (resident.h). */
#include "seamcall/resident.h"
#include "seamcall/vcpu.h"

/* VP.ENTER's op states (td-runtime.md 3.2 row 4). */
#define ENTER_OPS                                                             \
	(TDXSIM_OPS(TDXSIM_OP_RUNNABLE) | TDXSIM_OPS(TDXSIM_OP_LIVE_EXPORT) | \
	 TDXSIM_OPS(TDXSIM_OP_LIVE_IMPORT))

/* What VP.ENTER keeps held until the TD exit: the TDVPR and TDR PAMT entries, shared (4K
 * entries: lock key PA | TDXSIM_PS_4K, as td_common.c names them). */
static struct tdxsim_pin pin_of(uint64_t pa)
{
	return (struct tdxsim_pin){
		.res = TDXSIM_RES_PAGE, .key = pa | TDXSIM_PS_4K, .key2 = 0, .mode = TDXSIM_LOCK_SHARED};
}

bool tdxsim_resident_on_lp(const struct tdxsim *sim, uint32_t lp)
{
	const struct tdxsim_u64map *m = &sim->td.vcpus;
	for (size_t i = 0; i < m->cap && sim->td.num_resident; i++) {
		const struct tdxsim_vcpu *v = m->slots[i].val;
		if (v && v->resident && v->assoc_lp == lp)
			return true;
	}
	return false;
}

tdxsim_err_t tdxsim_resident_enter(struct tdxsim *sim, struct tdxsim_vcpu *v, uint32_t calls)
{
	struct tdxsim_td *td = v->td;
	struct tdxsim_locks *ls = &sim->td.locks;

	/* VP.ENTER's own checks up to the entry (3.2): TD usable and RUNNABLE (or live
	 * migration), vCPU READY with its pages, associated with an online LP not already in
	 * guest mode; the TDR and TDVPR not held exclusive across calls (they never are). */
	if (v->resident || td->fatal || td->lifecycle != TDXSIM_TD_KEYS_CONFIGURED ||
	    td->num_tdcx < TDXSIM_MIN_TDCS_PAGES || !(ENTER_OPS & TDXSIM_OPS(td->tdcs.op_state)) ||
	    !tdxsim_vcpu_pages_ok(v) || v->state != TDXSIM_VCPU_READY || v->assoc_lp >= sim->cpu.num_lps ||
	    !sim->cpu.lps[v->assoc_lp].online || tdxsim_resident_on_lp(sim, v->assoc_lp) ||
	    ls->num_pinned + 2 > TDXSIM_MAX_PINS)
		return TDXSIM_ERR_STATE;
	tdxsim_locks_pin(ls, pin_of(v->tdvpr_pa));
	tdxsim_locks_pin(ls, pin_of(td->tdr_pa));
	/* adjust_tlb_tracking_state: sample the epoch, raise its REFCOUNT (td-runtime.md 2.4). */
	v->vcpu_epoch = td->tdcs.td_epoch;
	td->tdcs.refcount[v->vcpu_epoch & 1]++;
	v->state = TDXSIM_VCPU_ACTIVE; /* tdh_vp_enter.c sets VCPU_ACTIVE just before the entry */
	v->resident = true;
	v->resident_calls = calls;
	sim->td.num_resident++;
	return TDXSIM_OK;
}

void tdxsim_resident_exit(struct tdxsim *sim, struct tdxsim_vcpu *v)
{
	struct tdxsim_td *td = v->td;
	/* The TD exit's tracking step, then the TDR and TDVPR locks go (td_exit.c). */
	td->tdcs.refcount[v->vcpu_epoch & 1]--;
	tdxsim_locks_unpin(&sim->td.locks, pin_of(td->tdr_pa));
	tdxsim_locks_unpin(&sim->td.locks, pin_of(v->tdvpr_pa));
	v->state = TDXSIM_VCPU_READY; /* the TD exit sets it back */
	v->resident = false;
	v->resident_calls = 0;
	sim->td.num_resident--;
	/* An external-interrupt exit (the host kicked the LP): asynchronous (3.3). */
	v->last_td_exit = TDXSIM_LAST_EXIT_ASYNC_FAULT;
	v->last_exit_tsc = sim->cpu.lps[v->assoc_lp].tsc;
}

void tdxsim_resident_tick(struct tdxsim *sim)
{
	struct tdxsim_u64map *m = &sim->td.vcpus;
	for (size_t i = 0; i < m->cap && sim->td.num_resident; i++) {
		struct tdxsim_vcpu *v = m->slots[i].val;
		if (v && v->resident && v->resident_calls && --v->resident_calls == 0)
			tdxsim_resident_exit(sim, v);
	}
}
