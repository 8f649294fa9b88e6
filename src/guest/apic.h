/* SPDX-License-Identifier: MIT */
/*
 * The TD's virtual APIC as the CPU's APIC virtualization runs it for a TD vCPU (virtual-
 * interrupt delivery and posted interrupts on, x2APIC virtualized; td-runtime.md 3.6, KVM's
 * posted-interrupt path [LK]). The state is the vCPU's (td/td.h): IRR, ISR and TPR of the vAPIC
 * page, RVI and SVI of the TD VMCS guest interrupt status, and the guest's RFLAGS.IF.
 *
 * Rules (Intel SDM vol. 3, "APIC virtualization", virtual-interrupt delivery):
 *  - PPR virtualization: PPR = TPR when TPR[7:4] >= SVI[7:4], else SVI & 0xF0 (derived here
 *    whenever needed, which equals what the CPU stores at the events that update it);
 *  - a virtual interrupt is pending when RVI[7:4] > PPR[7:4] (what TDH.VP.RD's
 *    VCPU_STATE_DETAILS bit 0 reports) and is delivered at an instruction boundary when IF = 1
 *    and no STI shadow blocks it: IRR[RVI] -> ISR, SVI = vector, RVI = the next IRR vector;
 *  - EOI virtualization clears ISR[SVI], SVI = the next ISR vector (no EOI-exit bitmap bits:
 *    the module keeps a TD's at 0 [I]); TPR virtualization changes only the TPR;
 *  - posted-interrupt processing (at VM entry, see tdxsim_vapic_post_process): PID.ON cleared,
 *    PIR moved into IRR, RVI = max(RVI, highest PIR vector).
 * Invariant: RVI is the highest IRR vector or 0; SVI the highest ISR vector or 0.
 */
#ifndef TDXSIM_GUEST_APIC_H
#define TDXSIM_GUEST_APIC_H

#include <stdbool.h>
#include <stdint.h>

#include "td/td.h"

struct tdxsim_integrity;

/* The posted-interrupt descriptor (64 bytes, 64-byte aligned, host memory): PIR = bits 255:0,
 * ON = bit 256, SN = bit 257, NV = bits 279:272, NDST = bits 319:288. */
#define TDXSIM_PID_SIZE	   64u
#define TDXSIM_PID_ON_BYTE 32u
#define TDXSIM_PIN_POSTED  (UINT64_C(1) << 7) /* pin-based control "process posted interrupts" */

static inline uint8_t tdxsim_vapic_ppr(const struct tdxsim_vcpu *v)
{
	return (v->vapic_tpr >> 4) >= (v->svi >> 4) ? v->vapic_tpr : (uint8_t)(v->svi & 0xF0);
}

/* VCPU_STATE_DETAILS.VMXIP (td-runtime.md 3.6): RVI[7:4] > PPR[7:4]. */
static inline bool tdxsim_vapic_vmxip(const struct tdxsim_vcpu *v)
{
	return (v->rvi & 0xF0) > (tdxsim_vapic_ppr(v) & 0xF0);
}

/*
 * Posted-interrupt processing at VM entry when the vCPU's pin-based controls have posted
 * interrupts on and the descriptor at @pid_pa (KeyID stripped, @keyid) has ON set: the host's
 * notification (KVM sends itself the notification vector before VP.ENTER when ON is set [LK])
 * is taken in the guest. 0, or -1 when the host is out of memory. A descriptor the CPU cannot
 * read (poisoned line) is left alone [I].
 */
int tdxsim_vapic_post_process(struct tdxsim_integrity *in, uint64_t pid_pa, uint32_t keyid,
			      struct tdxsim_vcpu *v);

/* Delivers the pending virtual interrupt if IF = 1 and RVI[7:4] > PPR[7:4]; returns its
 * vector, or 0 when none is delivered. The STI shadow is the caller's. */
unsigned tdxsim_vapic_deliver(struct tdxsim_vcpu *v);
/* EOI virtualization; returns the vector whose ISR bit was cleared (0: none was set). */
unsigned tdxsim_vapic_eoi(struct tdxsim_vcpu *v);
/* Sets bit @vector of a 256-bit IRR/ISR/PIR bitmap; highest set vector, or -1 when empty. */
void tdxsim_vapic_set(uint32_t bits[8], unsigned vector);
int tdxsim_vapic_highest(const uint32_t bits[8]);

#endif
