/* SPDX-License-Identifier: MIT */
/*
 * TDH.VP.ENTER (leaf 0): enters the vCPU whose TDVPR is in RCX and runs its scripted guest
 * (guest/) until the next TD exit (td-runtime.md 3). Checks in the order of 3.2; then the
 * guest runs and the exit is reported as 3.3/3.4 say.
 * Locks: TDVPR (shared) -> implicit TDR (shared) -> TDCS op state (shared, released before
 * the guest runs) -> TD epoch (shared; REFCOUNT of the current epoch held while the guest runs)
 * -> secure-EPT tree (exclusive, only with zero-step GPAs logged; 3.5).
 *
 * Not modelled (docs/fidelity.md): rows 11 (IA32_TSC_ADJUST cannot change in tdxsim) and 12
 * (TSC rollback: tdxsim's per-LP virtual TSCs are not one clock), row 13 (MONITOR/MWAIT), the
 * zero-step #VE notification (NOTIFY_ENABLES bit 0) and the interrupt single-stepping filter
 * (tdxsim has no external-interrupt exits).
 */
#include <string.h>

#include "guest/apic.h"
#include "guest/guest.h"
#include "mce/mce.h"
#include "seamcall/td_sept.h"
#include "seamcall/vcpu.h"
#include "td/td_params.h"

#define RCX_HINT_HOST_RECOVERABLE (UINT64_C(1) << 52)
#define RCX_RESUME_L1		  (UINT64_C(1) << 53)
#define RCX_RESERVED		  (UINT64_C(0xFFF) | ~((UINT64_C(1) << 54) - 1))
#define RCX_TDVPR_MASK		  UINT64_C(0x000FFFFFFFFFF000)
#define MISC_ENABLE_LIMIT_CPUID	  (UINT64_C(1) << 22)
#define EXIT_EPT_VIOLATION	  48u
#define EPT_WRITE_ACCESS	  2u
#define ENTER_OPS                                                             \
	(TDXSIM_OPS(TDXSIM_OP_RUNNABLE) | TDXSIM_OPS(TDXSIM_OP_LIVE_EXPORT) | \
	 TDXSIM_OPS(TDXSIM_OP_LIVE_IMPORT))

/* The CPU report instruction's inputs: the MAC key, and TEE_TCB_INFO as it would fill it
 * (td-runtime.md 4.4): VALID names the populated fields (bit i = field at offset 8i:
 * TEE_TCB_SVN at 8, MRSEAM at 24); MRSIGNERSEAM and ATTRIBUTES are zero for an Intel-signed
 * module [I]. Built only when the guest asks for a TDREPORT. */
static void report_cpu(const void *ctx, struct tdxsim_report_cpu *rep)
{
	const struct tdxsim *sim = ctx;
	uint8_t *out = rep->tee_tcb_info;
	memset(rep, 0, sizeof(*rep));
	rep->key = sim->td.report_key;
	uint64_t valid = (UINT64_C(1) << 1) | (UINT64_C(1) << 3);
	for (unsigned i = 0; i < 8; i++)
		out[i] = (uint8_t)(valid >> (8 * i));
	uint16_t svn = sim->mod.profile->seam_svn; /* TEE_TCB_SVN bytes 0-1: minor, major [I] */
	out[8] = (uint8_t)svn;
	out[9] = (uint8_t)(svn >> 8);
	memcpy(out + 24, sim->ldr.seamextend.mrseam, 48);
}

uint64_t tdxsim_tdh_vp_enter(struct tdxsim_call *c)
{
	struct tdxsim *sim = c->sim;
	tdxsim_regs_t *r = c->regs;
	struct tdxsim_vcpu *v;
	uint64_t st, rcx = r->rcx;

	if (sim->cpu.msr_misc_enable & MISC_ENABLE_LIMIT_CPUID)
		return TDXSIM_TDX_LIMIT_CPUID_MAXVAL_SET;
	if (rcx & RCX_RESERVED)
		return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RCX;
	if ((st = tdxsim_p4k_tdvpr(c, rcx & RCX_TDVPR_MASK, TDXSIM_OPERAND_RCX, TDXSIM_LOCK_SHARED, &v)))
		return st;
	struct tdxsim_td *td = v->td;
	if ((st = tdxsim_implicit_tdr(c, td, TDXSIM_LOCK_SHARED)))
		return st;
	if ((st = tdxsim_td_state(c, td, ENTER_OPS, TDXSIM_LOCK_SHARED)))
		return st;
	if (!tdxsim_vcpu_pages_ok(v))
		return TDXSIM_TDX_TDCX_NUM_INCORRECT;
	if (v->state != TDXSIM_VCPU_READY)
		return TDXSIM_TDX_VCPU_STATE_INCORRECT;
	/* From here a failure leaves the vCPU associated with this LP, as on hardware. */
	if ((st = tdxsim_vcpu_associate(c, v)))
		return st;
	/* Bit 52 needs a last exit that was an "async trap" (a host-priority timeout); bit 53
	 * needs an L2 vCPU (none here). */
	if (((rcx & RCX_HINT_HOST_RECOVERABLE) && v->last_td_exit != TDXSIM_LAST_EXIT_ASYNC_TRAP) ||
	    (rcx & RCX_RESUME_L1))
		return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RCX;
	if ((st = tdxsim_td_lock(c, TDXSIM_RES_TD_EPOCH, td->tdr_pa, 0, &td->epoch_lock, TDXSIM_LOCK_SHARED,
				 TDXSIM_OPERAND_TD_EPOCH)))
		return st;

	/* The guest runs with REFCOUNT[epoch] raised; every exit lowers it again before this call
	 * returns, so other calls see it raised only for a vCPU kept inside the guest across calls
	 * (tdxsim_vcpu_stay_in_guest(), seamcall/resident.h). */
	v->vcpu_epoch = td->tdcs.td_epoch;
	const tdxsim_costs_t *k = &sim->cfg.costs;
	struct tdxsim_guest_env env = {
		.integrity = sim->integrity,
		.mem = &sim->mem,
		.td = td,
		.v = v,
		.report_cpu = report_cpu,
		.report_ctx = sim,
		.locks = &sim->td.locks,
		.tsc = sim->cpu.lps[c->lp].tsc,
		.host_hint = (rcx & RCX_HINT_HOST_RECOVERABLE) != 0,
		.cost_op = k->guest_op,
		.cost_tdcall = k->guest_tdcall,
		.cost_sha384_byte = k->guest_sha384_byte,
		.cost_report_mac = k->guest_report_mac,
		.cost_zero_4k = 64 * k->movdir64b,
	};
	/* Zero-step filter (td-runtime.md 3.2 rows 15-16, 3.5): with GPAs logged, the secure-EPT
	 * tree exclusively (kept until the guest is entered: the call's end here), and no entry
	 * while one of them still faults: an emulated EPT-violation exit instead (write access,
	 * no extended qualification, R8 = the GPA's page, every other register 0). */
	if (v->last_epf_gpa_list_idx) {
		if ((st = tdxsim_sept_tree_lock(c, td, TDXSIM_LOCK_EXCLUSIVE)))
			return st;
		uint64_t gpa;
		if (tdxsim_guest_epf_pending(td, v, &gpa)) {
			memset(r, 0, sizeof(*r));
			r->rcx = EPT_WRITE_ACCESS;
			r->r8 = gpa & ~UINT64_C(0xFFF);
			v->last_td_exit = TDXSIM_LAST_EXIT_ASYNC_FAULT;
			return TDXSIM_TDX_SUCCESS | EXIT_EPT_VIOLATION;
		}
	}
	/* Posted interrupts the host left in the descriptor are taken right after VM entry. */
	if ((v->vmcs_pin_based & TDXSIM_PIN_POSTED) &&
	    tdxsim_vapic_post_process(sim->integrity, tdxsim_hkid_module_strip(&sim->hkid, v->vmcs_pid_addr),
				      tdxsim_hkid_module_of_pa(&sim->hkid, v->vmcs_pid_addr), v))
		return TDXSIM_STATUS_NO_MEMORY;
	tdxsim_regs_t in = *r, out;
	st = tdxsim_guest_run(&env, &in, &out);
	if (st == TDXSIM_STATUS_NO_MEMORY)
		return st;
	*r = out;
	c->extra_cycles += env.cycles;
	/* TDVPS LAST_TD_EXIT (td-runtime.md 3.3): what the next VP.ENTER may resume from. */
	if (st == TDXSIM_TDX_HOST_PRIORITY_BUSY_TIMEOUT)
		v->last_td_exit = TDXSIM_LAST_EXIT_ASYNC_TRAP;
	else if (st == (TDXSIM_TDX_SUCCESS | 77))
		v->last_td_exit = TDXSIM_LAST_EXIT_TDVMCALL;
	else
		v->last_td_exit = TDXSIM_LAST_EXIT_ASYNC_FAULT;
	v->last_exit_tsc = sim->cpu.lps[c->lp].tsc;
	return st;
}
