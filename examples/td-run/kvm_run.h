/* SPDX-License-Identifier: MIT */
/*
 * A hypervisor running a TD, written the way KVM does it (arch/x86/kvm/vmx/tdx.c and the TDP
 * MMU): TDH.VP.ENTER, then the exit decoded from RAX; a private EPT violation is a page fault
 * the TDP MMU answers from guest_memfd with TDH.MEM.SEPT.ADD for missing tables and
 * TDH.MEM.PAGE.AUG at 2 MiB where the guest accepts at 2 MiB and the memory allows it, 4 KiB
 * where not; a shared one is answered from the VMM's own EPT. The runtime half of what
 * examples/td-lifecycle/kvm_td.h does for the build. Facts: td-runtime.md 2.1, 3.3, 3.4, 4.1,
 * 6.1, 6.2 and 7; our own code, not KVM's.
 */
#ifndef TDXSIM_EXAMPLE_KVM_RUN_H
#define TDXSIM_EXAMPLE_KVM_RUN_H

#include <stdbool.h>

#include "kvm_td.h"

/* guest_memfd: one 2 MiB-aligned block of simulated RAM backs the private GPAs [gpa, gpa +
 * size); GPA g lives at hpa + (g - gpa), as a guest_memfd file offset would. A 2 MiB chunk
 * can be mapped huge only if its folio is huge (`small` clear) and nothing in it is mapped at
 * 4 KiB already. */
struct kvm_gmem {
	uint64_t gpa, size, hpa;
	uint8_t *small; /* per 2 MiB chunk: the folio was split, map at 4 KiB only */
	uint8_t *map;	/* per 4 KiB page: KVM_MAPPED_* */
	uint8_t *pt;	/* per 2 MiB chunk: its secure-EPT page table exists */
};
#define KVM_UNMAPPED   0
#define KVM_MAPPED_4K  1
#define KVM_MAPPED_2M  2
#define KVM_MAPPED_ADD 3 /* TDH.MEM.PAGE.ADDed at build time (kvm_td.c owns it) */
#define KVM_SHARED     4 /* attribute shared: the VMM's EPT maps it on a shared fault */

/* What one VP.ENTER ended with, decoded as KVM's tdx_handle_exit() does. */
struct kvm_exit {
	uint64_t status;    /* RAX */
	uint32_t reason;    /* basic exit reason (bits 15:0) when the status class is success */
	tdxsim_regs_t regs; /* every output register */
};

struct kvm_run_stats {
	unsigned long enters, ept_exits, vmcall_exits, aug_4k, aug_2m, sept_add, split_2m, demote_restarts;
};

#define KVM_RUN_MAX_TABLES 64

struct kvm_td_run {
	struct kvm_tdx *k;
	struct kvm_td *td;
	struct kvm_gmem gmem;
	uint64_t shared_bit;
	uint64_t shared_hpa; /* the VMM's memory for shared GPAs [gmem.gpa, +size) (or 0) */
	struct kvm_run_stats stats;
	uint64_t pi_desc[KVM_TD_MAX_VCPUS];  /* each vCPU's posted-interrupt descriptor (64 bytes) */
	uint64_t tables[KVM_RUN_MAX_TABLES]; /* other secure-EPT tables known to exist: GPA | level */
	unsigned num_tables;
};

#define KVM_EXIT_EPT_VIOLATION 48
#define KVM_EXIT_TDCALL	       77

/* Records a failed step in the kvm_tdx (last_step, last_status) and logs it; returns -1. */
int kvm_run_fail(struct kvm_td_run *run, const char *step, uint64_t status);
/* Sets @run up over a built TD: a guest_memfd of @size bytes for the private GPAs from @gpa
 * (both 2 MiB-aligned) and, with @shared, host memory for their shared aliases. 0 or -1. */
int kvm_run_init(struct kvm_td_run *run, struct kvm_tdx *k, struct kvm_td *td, uint64_t gpa, uint64_t size,
		 bool shared);
/* Marks the guest_memfd chunk holding @gpa as split (4 KiB folios only). */
void kvm_gmem_split(struct kvm_td_run *run, uint64_t gpa);
/* Creates the secure-EPT tables down to @level (1: a PD entry for a 2 MiB leaf; 0: a PT for
 * 4 KiB leaves) for @gpa; tables that exist are skipped. 0 or -1. */
int kvm_run_sept_populate(struct kvm_td_run *run, uint64_t gpa, unsigned level);
/* TDH.VP.ENTER of vCPU @v on its LP until an exit the TDP MMU does not handle itself: EPT
 * violations are served (fault-in) and the vCPU re-entered; anything else is returned in
 * @exit. @max_enters bounds the loop (0: no bound). 0, or -1 on a host-side failure. */
int kvm_vcpu_run(struct kvm_td_run *run, unsigned v, struct kvm_exit *exit, unsigned long max_enters);
/* The guest's TDG.VP.VMCALL<MapGPA>(@gpa, @len): converts the range (zapping private pages
 * that become shared) and sets *@r10, the TDVMCALL status to answer with. 0, or -1 on a
 * host-side failure. */
int kvm_run_map_gpa(struct kvm_td_run *run, uint64_t gpa, uint64_t len, uint64_t *r10);
/* kvm_irq.c. KVM's posted-interrupt setup of vCPU @v (tdx_td_vcpu_init): a descriptor in host memory,
 * TDH.VP.WR of the notification vector and its address into the TD VMCS, then the pin-based
 * control's posted-interrupt bit. 0 or -1. */
int kvm_vcpu_posted_init(struct kvm_td_run *run, unsigned v);
/* KVM's delivery of @vector to a TD vCPU (posted only): PIR bit and ON in the descriptor. */
void kvm_vcpu_post_interrupt(struct kvm_td_run *run, unsigned v, uint8_t vector);
/* Whether ON is set in vCPU @v's descriptor (an interrupt posted since its last entry). */
bool kvm_vcpu_pi_pending(struct kvm_td_run *run, unsigned v);
/* After a TDVMCALL<HLT> with interrupts enabled: whether the vCPU has an interrupt to wake for,
 * as KVM's tdx_protected_apic_has_interrupt() decides (ON in the descriptor, else bit 0 VMXIP
 * of TDH.VP.RD VCPU_STATE_DETAILS). 1, 0, or -1 on a failed VP.RD. */
int kvm_vcpu_has_interrupt(struct kvm_td_run *run, unsigned v);
/* Gives every private page the run mapped back (BLOCK, TRACK, REMOVE at its level, then
 * PHYMEM.PAGE.WBINVD and a MOVDIR64B clear of each 4 KiB) while the KeyID is still assigned,
 * and the guest_memfd to the allocator. Call before kvm_td_destroy(). 0 or -1. */
int kvm_run_release(struct kvm_td_run *run);

#endif
