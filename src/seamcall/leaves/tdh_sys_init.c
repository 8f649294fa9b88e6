/* SPDX-License-Identifier: MIT */
/*
 * TDH.SYS.INIT (leaf 33): global module initialization, once per platform (sheet 2.2, 7.2).
 * Order: RCX (attributes) must be 0, checked before the state; then the state; then the
 * platform checks in the module's order. tdxsim checks what its platform can get wrong (the
 * MSRs, which a config can override, and the CMR list); CPUID, SMRR and SEAM-capability
 * checks always pass here (docs/fidelity.md).
 */
#include "core/util.h"
#include "seamcall/seamcall.h"

static uint64_t rdmsr(const struct tdxsim *sim, uint32_t msr)
{
	uint64_t v = 0;
	tdxsim_cpu_rdmsr(&sim->cpu, msr, &v);
	return v;
}

/* TME and KeyID checks of sheet 7.2 ("key management"). */
static uint64_t check_key_management(const struct tdxsim *sim)
{
	uint64_t cap = rdmsr(sim, TDXSIM_MSR_IA32_TME_CAPABILITY);
	uint64_t act = rdmsr(sim, TDXSIM_MSR_IA32_TME_ACTIVATE);

	if (!(act & TDXSIM_TME_ACTIVATE_LOCKED))
		return TDXSIM_TDX_INCORRECT_MSR_VALUE | TDXSIM_MSR_IA32_TME_ACTIVATE;
	/* tdxsim models TDX with integrity: an integrity algorithm must be offered and enabled. */
	if (!(cap & (TDXSIM_TME_CAP_AES_XTS_128_INTEGRITY | TDXSIM_TME_CAP_AES_XTS_256_INTEGRITY)))
		return TDXSIM_TDX_INCORRECT_MSR_VALUE | TDXSIM_MSR_IA32_TME_CAPABILITY;
	if (!(act & (UINT64_C(1) << 49 | UINT64_C(1) << 51)))
		return TDXSIM_TDX_INCORRECT_MSR_VALUE | TDXSIM_MSR_IA32_TME_ACTIVATE;
	uint64_t part = rdmsr(sim, TDXSIM_MSR_IA32_MKTME_KEYID_PARTITIONING);
	uint64_t max_hkid = (uint64_t)TDXSIM_MKTME_PART_NUM_MKTME(part) + TDXSIM_MKTME_PART_NUM_TDX(part);
	if (max_hkid >= 2048)
		return TDXSIM_TDX_NUM_ACTIVATED_HKIDS_NOT_SUPPORTED | 2048;
	if (rdmsr(sim, TDXSIM_MSR_IA32_WBNOINVDP) != rdmsr(sim, TDXSIM_MSR_IA32_WBINVDP))
		return TDXSIM_TDX_INCORRECT_MSR_VALUE | TDXSIM_MSR_IA32_WBNOINVDP;
	return TDXSIM_TDX_SUCCESS;
}

/* CMR sanity (sheet 7.2): 4K aligned, no KeyID bits, below 2^52. */
static uint64_t check_cmrs(const struct tdxsim *sim)
{
	uint64_t keyid_mask = tdxsim_hkid_module_mask(&sim->hkid);
	for (uint32_t i = 0; i < sim->num_cmrs; i++) {
		const tdxsim_range_t *c = &sim->cmrs[i];
		uint64_t end = c->base + c->size;
		if (!tdxsim_is_aligned(c->base, TDXSIM_4K) || !tdxsim_is_aligned(c->size, TDXSIM_4K) ||
		    end > TDXSIM_MODULE_PA_LIMIT || ((c->base | (end - 1)) & keyid_mask))
			return TDXSIM_TDX_CMR_LIST_INVALID;
	}
	return TDXSIM_TDX_SUCCESS;
}

uint64_t tdxsim_tdh_sys_init(struct tdxsim_call *c)
{
	struct tdxsim *sim = c->sim;
	tdxsim_regs_t *r = c->regs;
	uint64_t attributes = r->rcx, status;

	r->rcx = r->rdx = r->r8 = r->r9 = r->r10 = 0;
	if (attributes != 0)
		return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RCX;
	if (sim->mod.state != TDXSIM_SYSINIT_PENDING)
		return TDXSIM_TDX_SYS_INIT_NOT_PENDING;
	status = check_key_management(sim);
	if (status)
		return status;
	/* 1.5.05 added IA32_MISC_ENABLE: perfmon available (bit 7), BTS not unavailable (bit 11). */
	if (sim->mod.profile->update >= 5 && !sim->mod.profile->abi_1_0) {
		uint64_t misc = rdmsr(sim, TDXSIM_MSR_IA32_MISC_ENABLE);
		if (!(misc & (1u << 7)) || (misc & (1u << 11)))
			return TDXSIM_TDX_INCORRECT_MSR_VALUE | TDXSIM_MSR_IA32_MISC_ENABLE;
	}
	status = check_cmrs(sim);
	if (status)
		return status;

	sim->mod.state = TDXSIM_SYSINIT_DONE;
	return TDXSIM_TDX_SUCCESS;
}
