/* SPDX-License-Identifier: MIT */
/*
 * TDH.VP.INIT (leaf 22), versions 0 and 1 (td-build.md 3.8): initializes the vCPU whose TDVPR
 * is in RCX; RDX is the guest's initial RCX (and R8); version 1 takes the vCPU's x2APIC ID in
 * R8. Locks: TDVPR (exclusive) -> implicit TDR (shared for v0, exclusive for v1: it serializes
 * the x2APIC uniqueness scan) -> TDCS op state (shared).
 *
 * Like the module, a v1 failure on a duplicate x2APIC ID leaves NUM_VCPUS incremented (the
 * index is consumed; the vCPU stays UNINITIALIZED and a retry takes the next index). The
 * module's IA32_TSC_ADJUST check (row 10) cannot fail in tdxsim: the MSR always holds the value
 * TDH.SYS.INIT sampled (docs/fidelity.md).
 */
#include "seamcall/vcpu.h"

/* Guest state and VMCS values VP.INIT sets ([M155] tdh_vp_init.c, td_vmcs_init.c, helpers.c
 * init_tdvps_fields). The control values are the module's initial TD VMCS settings
 * (vmcs_defs.h PINBASED_CTLS_INIT, PROCBASED_CTLS2_INIT), which only the host-visible bits
 * (pin-based 7, secondary 31:30, both 0) and a VP.WR's forbidden-bit check can observe. */
#define GPAW_RBX_52	52
#define GPAW_RBX_48	48
#define VMCS_PIN_INIT	UINT64_C(0x29)
#define VMCS_SEC2_INIT	UINT64_C(0x133CB3FA)
#define POSTED_VEC_INIT UINT64_C(0xFFFF)

uint64_t tdxsim_tdh_vp_init(struct tdxsim_call *c)
{
	struct tdxsim *sim = c->sim;
	tdxsim_regs_t *r = c->regs;
	struct tdxsim_vcpu *v;
	uint64_t st;

	if (c->version > 1)
		return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RAX;
	if ((st = tdxsim_p4k_tdvpr(c, r->rcx, TDXSIM_OPERAND_RCX, TDXSIM_LOCK_EXCLUSIVE, &v)))
		return st;
	struct tdxsim_td *td = v->td;
	if ((st = tdxsim_implicit_tdr(c, td, c->version ? TDXSIM_LOCK_EXCLUSIVE : TDXSIM_LOCK_SHARED)))
		return st;
	if ((st = tdxsim_td_state(c, td, TDXSIM_OPS(TDXSIM_OP_INITIALIZED), TDXSIM_LOCK_SHARED)))
		return st;
	if (!tdxsim_vcpu_pages_ok(v))
		return TDXSIM_TDX_TDCX_NUM_INCORRECT;
	if (v->state != TDXSIM_VCPU_UNINITIALIZED)
		return TDXSIM_TDX_VCPU_STATE_INCORRECT;
	/* The index is taken first and given back only on the two failures below that say so. */
	uint32_t index = td->tdcs.num_vcpus;
	if (index >= td->tdcs.max_vcpus)
		return TDXSIM_TDX_MAX_VCPUS_EXCEEDED;
	if (c->version == 0) {
		td->tdcs.num_vcpus = index + 1;
		td->tdcs.topology_enum_configured = false;
	} else {
		if (r->r8 > UINT32_MAX)
			return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_R8;
		td->tdcs.num_vcpus = index + 1;
		for (uint32_t i = 0; i < index; i++)
			if (td->tdcs.x2apic_ids[i] == (uint32_t)r->r8)
				return TDXSIM_TDX_X2APIC_ID_NOT_UNIQUE | (uint32_t)r->r8;
		td->tdcs.x2apic_ids[index] = (uint32_t)r->r8;
	}

	/* Effects: nothing below can fail. */
	const struct tdxsim_lp *lp = &sim->cpu.lps[c->lp];
	v->vcpu_index = index;
	v->last_exit_tsc = lp->tsc;
	v->xfam = td->tdcs.xfam;
	v->gpr_rbx = td->tdcs.gpaw ? GPAW_RBX_52 : GPAW_RBX_48;
	v->gpr_rcx = v->gpr_r8 = r->rdx;
	v->gpr_rdx = sim->cpu.fms;
	v->gpr_rsi = index;
	v->state = TDXSIM_VCPU_READY;
	/* The TD VMCS: posted interrupts off until the host sets them up (VP.WR), the shared EPTP
	 * on the TDCS zero page, TSC and EPT settings from the TDCS (td_vmcs_init.c). */
	v->vmcs_posted_int_vector = POSTED_VEC_INIT;
	v->vmcs_pid_addr = TDXSIM_NULL_PA;
	v->vmcs_pin_based = VMCS_PIN_INIT;
	v->vmcs_secondary = VMCS_SEC2_INIT;
	v->vmcs_instr_timeout = 0;
	v->vmcs_shared_eptp = tdxsim_vcpu_keyed_pa(sim, td, td->tdcx_pa[4]);
	v->vmcs_tsc_offset = td->tdcs.tsc_offset;
	v->vmcs_tsc_multiplier = td->tdcs.tsc_multiplier;
	v->vmcs_eptp = tdxsim_hkid_module_strip(&sim->hkid, td->tdcs.eptp);
	/* Initial association with this LP (helpers.c associate_vcpu_initial). */
	v->assoc_lp = c->lp;
	td->tdcs.num_assoc_vcpus++;
	return TDXSIM_TDX_SUCCESS;
}
