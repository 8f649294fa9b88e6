/* SPDX-License-Identifier: MIT */
/*
 * A host kernel's whole TDX life, written the way current Linux drives it (ABI sheet section
 * 14) in this project's own words: CPU identity checks at boot (tdx_init), boot-time bring-up
 * with TDH.SYS.LP.INIT from the CPU-online callback (tdx_enable), CPU hotplug, runtime module
 * update through the P-SEAMLDR, and TDH.SYS.DISABLE at shutdown/kexec. The boot bring-up of
 * TDMRs and PAMTs is examples/host-init's. Used by examples/host-lifecycle and the tests.
 */
#ifndef TDXSIM_EXAMPLE_HOST_LIFECYCLE_H
#define TDXSIM_EXAMPLE_HOST_LIFECYCLE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "host_tdx.h"
#include "tdxsim/seamldr.h"
#include "tdxsim/tdxsim.h"

#define LC_MAX_CPUS 64

struct lc_host {
	tdxsim_t *sim;
	FILE *log;
	uint32_t nr_cpus;
	/* tdx_init(): what the boot CPU found */
	uint32_t keyid_first, nr_keyids;
	uint32_t phys_bits;	    /* x86_phys_bits: MAXPHYADDR minus the TME KeyID bits */
	bool bug_pw_mce;	    /* X86_BUG_TDX_PW_MCE: Sapphire/Emerald Rapids */
	bool bug_seamret_invd_vmcs; /* IA32_VMX_BASIC bit 60 clear: no P-SEAMLDR calls */
	/* per CPU, as Linux keeps them */
	bool online[LC_MAX_CPUS], vmx[LC_MAX_CPUS], lp_initialized[LC_MAX_CPUS];
	bool sysinit_done; /* TDH.SYS.INIT ran; its result is cached for every CPU */
	uint64_t sysinit_status;
	/* the module */
	bool initialized;
	struct host_tdx tdx; /* TDMRs, PAMTs, version (examples/host-init) */
	uint16_t major, minor, update;
	uint64_t features0;
	uint32_t guest_keyids_in_use; /* KeyIDs KVM holds for TDs (offline refusal) */
	char message[160];
};

/* A new kernel on @sim (boot or kexec): every LP that is online is a possible CPU. */
void lc_host_init(struct lc_host *h, tdxsim_t *sim, FILE *log);

/* tdx_init(): MSR 0x87 KeyIDs, CPUID/TME address width, bug bits. 0 or -errno. */
int lc_tdx_init(struct lc_host *h);
/* tdx_enable(): feature checks, the CPU-online callback on every online CPU, then the module
 * bring-up (TDMRs, PAMTs, TDH.SYS.CONFIG, keys, TDMR.INIT). 0 or -errno. */
int lc_tdx_enable(struct lc_host *h);
/* The CPU-hotplug callbacks: online runs VMXON and tdx_cpu_enable() (TDH.SYS.INIT once, cached;
 * TDH.SYS.LP.INIT unless this CPU did it); offline refuses the last CPU of a package while TDs
 * hold KeyIDs, else WBINVD and VMXOFF. 0 or -errno. */
int lc_cpu_online(struct lc_host *h, uint32_t cpu);
int lc_cpu_offline(struct lc_host *h, uint32_t cpu);
int lc_tdx_cpu_enable(struct lc_host *h, uint32_t cpu);

/* Whether runtime update is offered: TDX initialized, TDX_FEATURES0 bit 1, no
 * X86_BUG_SEAMRET_INVD_VMCS (sheet 14.3). */
bool lc_update_supported(const struct lc_host *h);
/* P-SEAMLDR.INFO into a 256-aligned buffer; 0 or -errno. */
int lc_seamldr_info(struct lc_host *h, struct tdxsim_seamldr_info *out);
/* Runtime update from the image at [pa, pa + len) of simulated memory: parse it as Linux
 * does, then SHUTDOWN / INSTALL on every CPU / CPU_INIT / RUN_UPDATE. 0 or -errno; on
 * failure h->message names the step and @status (if not NULL) the SEAMCALL status. */
int lc_update(struct lc_host *h, uint64_t pa, uint64_t len, uint64_t *status);
/* The syscore shutdown hook (shutdown, kexec): TDH.SYS.DISABLE until it is neither
 * INTERRUPTED_RESUMABLE nor SYS_BUSY, then WBINVD and VMXOFF on every CPU. Returns the last
 * status and how many calls it took in *calls (if not NULL). */
uint64_t lc_shutdown(struct lc_host *h, unsigned *calls);

/* The virtual cycles a phase took: the slowest CPU's. Call mark before, elapsed after. */
void lc_cycles_mark(const struct lc_host *h, uint64_t mark[LC_MAX_CPUS]);
uint64_t lc_cycles_elapsed(const struct lc_host *h, const uint64_t mark[LC_MAX_CPUS]);

#endif
