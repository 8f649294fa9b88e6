/* SPDX-License-Identifier: MIT */
/* KVM's posted interrupts for a TD vCPU and its halted-vCPU wake-up test (kvm_run.h). */
#include <string.h>

#include "host_tdx.h"
#include "kvm_run.h"

#define TDH_VP_RD 26
#define TDH_VP_WR 43
#define SZ_4K	  UINT64_C(0x1000)
/* TD VMCS fields (class 0: the VMCS encoding) and the TDVPS field KVM reads for a halted vCPU. */
#define VMCS_POSTED_INTR_NV	 UINT64_C(0x0000000000000002)
#define VMCS_POSTED_INTR_DESC	 UINT64_C(0x0000000000002016)
#define VMCS_PIN_BASED_CTLS	 UINT64_C(0x0000000000004000)
#define PIN_BASED_POSTED_INTR	 UINT64_C(0x80)
#define POSTED_INTR_VECTOR	 0xF2
#define TD_VCPU_STATE_DETAILS_NA UINT64_C(0x9100000000000100)
#define VCPU_STATE_DETAILS_VMXIP UINT64_C(1)

static uint64_t vp_wr(struct kvm_td_run *run, unsigned v, uint64_t field, uint64_t value, uint64_t mask)
{
	tdxsim_regs_t r = {.rcx = run->td->vcpu[v].tdvpr, .rdx = field, .r8 = value, .r9 = mask};
	return host_tdx_seamcall(run->k->sim, run->td->vcpu[v].last_lp, TDH_VP_WR, &r);
}

int kvm_vcpu_posted_init(struct kvm_td_run *run, unsigned v)
{
	uint64_t st, pa;
	if (tdxsim_phys_alloc(run->k->sim, SZ_4K, SZ_4K, UINT32_MAX, &pa) != TDXSIM_OK)
		return kvm_run_fail(run, "allocating a posted-interrupt descriptor", TDXSIM_STATUS_NO_MEMORY);
	run->pi_desc[v] = pa;
	memset(tdxsim_phys_to_virt(run->k->sim, pa, 64), 0, 64);
	if ((st = vp_wr(run, v, VMCS_POSTED_INTR_NV, POSTED_INTR_VECTOR, 0xFFFF)) ||
	    (st = vp_wr(run, v, VMCS_POSTED_INTR_DESC, pa, ~UINT64_C(0))) ||
	    (st = vp_wr(run, v, VMCS_PIN_BASED_CTLS, PIN_BASED_POSTED_INTR, PIN_BASED_POSTED_INTR)))
		return kvm_run_fail(run, "TDH.VP.WR (posted interrupts)", st);
	return 0;
}

/* The descriptor (SDM 29.6): PIR bits 255:0, then ON at bit 256; the host writes it with
 * locked operations through its direct map, as KVM's pi_test_and_set_*() do. */
void kvm_vcpu_post_interrupt(struct kvm_td_run *run, unsigned v, uint8_t vector)
{
	if (!run->pi_desc[v])
		return;
	uint64_t *pid = tdxsim_phys_to_virt(run->k->sim, run->pi_desc[v], 64);
	__atomic_fetch_or(&pid[vector / 64], UINT64_C(1) << (vector % 64), __ATOMIC_SEQ_CST);
	__atomic_fetch_or(&pid[4], UINT64_C(1), __ATOMIC_SEQ_CST);
}

bool kvm_vcpu_pi_pending(struct kvm_td_run *run, unsigned v)
{
	const uint64_t *pid = run->pi_desc[v] ? tdxsim_phys_to_virt(run->k->sim, run->pi_desc[v], 64) : NULL;
	return pid && (__atomic_load_n(&pid[4], __ATOMIC_SEQ_CST) & 1);
}

int kvm_vcpu_has_interrupt(struct kvm_td_run *run, unsigned v)
{
	if (kvm_vcpu_pi_pending(run, v))
		return 1;
	tdxsim_regs_t r = {.rcx = run->td->vcpu[v].tdvpr, .rdx = TD_VCPU_STATE_DETAILS_NA};
	uint64_t st = host_tdx_seamcall(run->k->sim, run->td->vcpu[v].last_lp, TDH_VP_RD, &r);
	if (st)
		return kvm_run_fail(run, "TDH.VP.RD (VCPU_STATE_DETAILS)", st);
	return (r.r8 & VCPU_STATE_DETAILS_VMXIP) != 0;
}
