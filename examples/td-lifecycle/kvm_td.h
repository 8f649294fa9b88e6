/* SPDX-License-Identifier: MIT */
/*
 * A hypervisor's TD management, written the way KVM drives the module (arch/x86/kvm/vmx/tdx.c
 * through the tdh_*() wrappers): create a TD, program its key on every package, give the module
 * its control pages, initialize it from TD_PARAMS built from what TDH.SYS.RD reports, add vCPUs,
 * add and measure an initial image, finalize, and tear everything down again, zapping private
 * pages while the KeyID is still assigned. Retry rules are KVM's: TDX_RND_NO_ENTROPY retried,
 * TDX_OPERAND_BUSY retried once, CACHE.WB resumed while TDX_INTERRUPTED_RESUMABLE,
 * TDX_NO_HKID_READY_TO_WBCACHE counted as success, TDX_VCPU_NOT_ASSOCIATED ignored on flush.
 * Our own code (tdx-module-abi.md 11.1 and td-build.md give the facts), not KVM's.
 */
#ifndef TDXSIM_EXAMPLE_KVM_TD_H
#define TDXSIM_EXAMPLE_KVM_TD_H

#include <stdint.h>
#include <stdio.h>

#include "tdxsim/tdxsim.h"

#define KVM_TD_MAX_VCPUS      4
#define KVM_TD_MAX_PAGES      65536
#define KVM_TD_MAX_SEPT_PAGES 256 /* up to a 510 MiB image: a PT page per 2 MiB, a PD, a PDPT */

/* What the module told the host at load time (TDH.SYS.RD), as KVM's tdx_sysinfo keeps it. */
struct kvm_tdx_caps {
	uint64_t attrs_fixed0, attrs_fixed1, xfam_fixed0, xfam_fixed1;
	unsigned tdcs_pages, tdvpx_pages, num_cpuid_config, max_vcpus;
	uint32_t global_keyid, keyid_shift;
	uint32_t keyid_first, keyid_count;
};

struct kvm_vcpu_tdx {
	uint64_t tdvpr;
	uint64_t tdcx[16];
	uint32_t last_lp; /* the LP the vCPU was last associated with */
};

struct kvm_td {
	uint64_t tdr;
	uint32_t hkid;
	uint64_t tdcs[16];
	unsigned num_tdcs;
	struct kvm_vcpu_tdx vcpu[KVM_TD_MAX_VCPUS];
	unsigned num_vcpus;
	uint64_t sept[KVM_TD_MAX_SEPT_PAGES];
	unsigned num_sept;
	uint64_t gpa[KVM_TD_MAX_PAGES], hpa[KVM_TD_MAX_PAGES]; /* private pages */
	unsigned num_pages;
	uint8_t mrtd[48];
};

struct kvm_tdx {
	tdxsim_t *sim;
	struct kvm_tdx_caps caps;
	FILE *log;
	uint8_t keyid_used[2048]; /* KVM's KeyID allocator (a bitmap in the kernel) */
	uint64_t last_status;	  /* the status behind the last failure */
	const char *last_step;
};

/* Reads the TD-related metadata (TDH.SYS.RD) after the module is up. 0 or -1. */
int kvm_tdx_init(struct kvm_tdx *k, tdxsim_t *sim, uint32_t global_keyid, uint32_t keyid_first,
		 uint32_t keyid_count, FILE *log);

/* Create + KEY.CONFIG per package + ADDCX + MNG.INIT. 0 or -1 (k->last_status says why). */
int kvm_td_create(struct kvm_tdx *k, struct kvm_td *td, unsigned max_vcpus);
/* VP.CREATE + VP.ADDCX + VP.INIT v1 on LP @lp (x2APIC id = vcpu index). */
int kvm_td_vcpu_create(struct kvm_tdx *k, struct kvm_td *td, uint32_t lp);
/* SEPT.ADD as needed, then PAGE.ADD + 16 x MR.EXTEND for each 4 KiB page of @image at @gpa. */
int kvm_td_add_image(struct kvm_tdx *k, struct kvm_td *td, uint64_t gpa, const uint8_t *image, uint64_t len);
/* The same with the image already in simulated host memory at @src (contiguous, @len bytes),
 * as KVM's source is the VMM's own memory: no staging copy. */
int kvm_td_add_image_at(struct kvm_tdx *k, struct kvm_td *td, uint64_t gpa, uint64_t src, uint64_t len);
/* MR.FINALIZE, then MRTD read back with TDH.MNG.RD into td->mrtd. */
int kvm_td_finalize(struct kvm_tdx *k, struct kvm_td *td);
/* Zap every private page (BLOCK, TRACK, REMOVE, PAGE.WBINVD with the TD's KeyID, clear), then
 * release the KeyID (VP.FLUSH, VPFLUSHDONE, CACHE.WB per package, KEY.FREEID) and reclaim every
 * control page, the TDR last (PAGE.WBINVD with the global KeyID). */
int kvm_td_destroy(struct kvm_tdx *k, struct kvm_td *td);

#endif
