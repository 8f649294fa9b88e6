/* SPDX-License-Identifier: MIT */
/*
 * examples/host-lifecycle: a TDX host's whole life as current Linux drives it, on a simulated
 * 1-package, 4-LP, 16 GiB Sapphire Rapids host with module 1.5.05:
 *   cpu-check   CPUID and MSRs (tdx_init)
 *   boot        bring-up at boot, TDH.SYS.LP.INIT from the CPU-online callback (tdx_enable)
 *   hotplug     CPU 3 offline and back online: no second TDH.SYS.LP.INIT
 *   update      runtime update to the "next" module through the P-SEAMLDR
 *   shutdown    TDH.SYS.DISABLE (the kexec/shutdown hook), WBINVD and VMXOFF everywhere
 *   kexec       a new kernel brings TDX up again from scratch
 * and then a second host that boots with CPU 3 held offline, where TDH.SYS.CONFIG is refused.
 * Each phase prints the virtual cycles it took (the slowest CPU's).
 * Usage: host-lifecycle [all | lifecycle | offline-boot]
 */
#include <stdio.h>
#include <string.h>

#include "host_lifecycle.h"
#include "tdxsim/cpu.h"
#include "tdxsim/platform.h"
#include "tdxsim/seamldr.h"

static uint64_t mark[LC_MAX_CPUS];

static void phase(const struct lc_host *h, const char *name)
{
	printf("\n== %s ==\n", name);
	lc_cycles_mark(h, mark);
}

static void done(const struct lc_host *h, const char *what)
{
	printf("-- %s: %llu virtual cycles\n", what, (unsigned long long)lc_cycles_elapsed(h, mark));
}

static int cpu_check(struct lc_host *h)
{
	tdxsim_cpuid_regs_t r1;
	int err = lc_tdx_init(h);
	if (err) {
		printf("TDX off: %s\n", h->message);
		return err;
	}
	tdxsim_cpuid(h->sim, 0, 1, 0, &r1);
	printf("CPU %s, signature 0x%08x; KeyIDs [%u, %u); x86_phys_bits %u\n",
	       tdxsim_cpu_profile_name(tdxsim_cpu_profile(h->sim)), r1.eax, h->keyid_first,
	       h->keyid_first + h->nr_keyids, h->phys_bits);
	printf("bugs: %s%s\n", h->bug_pw_mce ? "TDX_PW_MCE " : "",
	       h->bug_seamret_invd_vmcs ? "SEAMRET_INVD_VMCS" : "(SEAMRET keeps the VMCS)");
	return 0;
}

static int boot(struct lc_host *h)
{
	int err = lc_tdx_enable(h);
	if (!err)
		printf("TDX module %u.%u.%02u initialized: %u TDMRs, %llu KB of PAMT\n", h->major, h->minor,
		       h->update, h->tdx.num_tdmrs, (unsigned long long)(h->tdx.pamt_bytes >> 10));
	return err;
}

static int hotplug(struct lc_host *h)
{
	tdxsim_regs_t r = {.rdx = TDXSIM_MD_MAX_TDMRS};
	if (lc_cpu_offline(h, 3) || lc_cpu_online(h, 3))
		return -1;
	/* The module still counts CPU 3 as initialized: TDH.SYS.RD works there right away. */
	uint64_t status = tdxsim_seamcall(h->sim, 3, TDXSIM_TDH_SYS_RD, &r);
	printf("CPU 3 offline and online again; module counts it initialized: %s; TDH.SYS.RD on it: %s\n",
	       tdxsim_lp_initialized(h->sim, 3) ? "yes" : "no", status ? "failed" : "ok");
	return status ? -1 : 0;
}

static int update(struct lc_host *h)
{
	struct tdxsim_seamldr_info info;
	tdxsim_blob_opts_t opts;
	uint64_t pa, len, status;

	if (!lc_update_supported(h)) {
		printf("runtime update not offered (TDX_FEATURES0 bit 1 or IA32_VMX_BASIC bit 60 missing)\n");
		return -1;
	}
	if (lc_seamldr_info(h, &info))
		return -1;
	printf("P-SEAMLDR %u.%u.%02u, %u updates left, module SVN 0x%04x\n", info.major, info.minor,
	       info.update, info.num_remaining_updates, info.seam_info.seam_svn);
	/* What firmware upload would hand the kernel: an image of the newest module. */
	tdxsim_blob_opts_init(&opts, TDXSIM_MODULE_NEXT);
	if (tdxsim_blob_place(h->sim, &opts, &pa, &len))
		return -1;
	unsigned before_major = h->major, before_minor = h->minor, before_update = h->update;
	int err = lc_update(h, pa, len, &status);
	tdxsim_phys_free(h->sim, pa, len);
	if (err) {
		printf("update failed: %s\n", h->message);
		return err;
	}
	printf("module %u.%u.%02u -> %u.%u.%02u; TDMRs and PAMTs kept (%s)\n", before_major, before_minor,
	       before_update, h->major, h->minor, h->update,
	       tdxsim_module_state(h->sim) == TDXSIM_SYS_READY ? "SYS_READY" : "not ready");
	return 0;
}

static int shutdown_tdx(struct lc_host *h)
{
	unsigned calls;
	/* Show Linux's loop: one INTERRUPTED_RESUMABLE and one SYS_BUSY, forced. */
	tdxsim_inject_status(h->sim, TDXSIM_TDH_SYS_DISABLE, 0, 1, TDXSIM_TDX_INTERRUPTED_RESUMABLE);
	tdxsim_inject_status(h->sim, TDXSIM_TDH_SYS_DISABLE, 0, 1, TDXSIM_TDX_SYS_BUSY);
	uint64_t status = lc_shutdown(h, &calls);
	char name[96];
	printf("TDH.SYS.DISABLE: %s after %u calls (one RESUMABLE and one BUSY forced by fault injection)\n",
	       tdxsim_status_name(status, name, sizeof(name)), calls);
	tdxsim_vmxon(h->sim, 0);
	tdxsim_regs_t r = {.rdx = TDXSIM_MD_MAX_TDMRS};
	status = tdxsim_seamcall(h->sim, 0, TDXSIM_TDH_SYS_RD, &r);
	tdxsim_vmxoff(h->sim, 0);
	tdxsim_pamt_stats_t st;
	tdxsim_pamt_stats(h->sim, &st);
	printf("afterwards TDH.SYS.RD answers %s; the module holds %u TDMRs, state %s\n",
	       tdxsim_status_name(status, name, sizeof(name)), st.num_tdmrs,
	       tdxsim_module_state(h->sim) == TDXSIM_SYSINIT_PENDING ? "SYSINIT_PENDING" : "other");
	return 0;
}

static int lifecycle(void)
{
	tdxsim_config_t cfg;
	tdxsim_t *sim;
	struct lc_host h, next;
	int rc = 1;

	tdxsim_config_init(&cfg);
	if (tdxsim_create(&cfg, &sim))
		return 1;
	printf("host: %u package, %u LPs, 16 GiB, CPU %s, module %s\n", tdxsim_num_packages(sim),
	       tdxsim_num_lps(sim), tdxsim_cpu_profile_name(cfg.cpu), tdxsim_module_profile_name(cfg.module));
	lc_host_init(&h, sim, stdout);

	phase(&h, "cpu-check (tdx_init)");
	if (cpu_check(&h))
		goto out;
	done(&h, "cpu-check");
	phase(&h, "boot (tdx_enable)");
	if (boot(&h))
		goto out;
	done(&h, "boot");
	phase(&h, "hotplug");
	if (hotplug(&h))
		goto out;
	done(&h, "hotplug");
	phase(&h, "runtime update (P-SEAMLDR)");
	if (update(&h))
		goto out;
	done(&h, "update");
	phase(&h, "shutdown (syscore .shutdown)");
	shutdown_tdx(&h);
	done(&h, "shutdown");

	/* kexec: the old kernel's memory is the new kernel's; the module stays loaded (it is the
	 * updated one) and has given all TDX memory back. */
	phase(&h, "kexec: bring-up from scratch");
	host_tdx_free(sim, &h.tdx);
	lc_host_init(&next, sim, stdout);
	if (lc_tdx_init(&next) || boot(&next))
		goto out;
	done(&next, "kexec bring-up");
	char msg[256] = "";
	if (tdxsim_check_invariants(sim, msg, sizeof(msg))) {
		printf("invariant broken: %s\n", msg);
		goto out;
	}
	rc = 0;
out:
	if (rc)
		printf("lifecycle failed\n");
	tdxsim_destroy(sim);
	return rc;
}

/* A host booted with CPU 3 held offline (maxcpus=3, say): the module waits for every LP. */
static int offline_boot(void)
{
	tdxsim_config_t cfg;
	tdxsim_t *sim;
	struct lc_host h;

	tdxsim_config_init(&cfg);
	if (tdxsim_create(&cfg, &sim))
		return 1;
	tdxsim_lp_offline(sim, 3);
	printf("\n== second host: boots with CPU 3 offline ==\n");
	lc_host_init(&h, sim, stdout);
	int err = lc_tdx_init(&h);
	if (!err)
		err = lc_tdx_enable(&h);
	char name[96];
	printf("bring-up: %d (%s); TDH.SYS.CONFIG answered %s\n", err, h.message,
	       tdxsim_status_name(h.tdx.status, name, sizeof(name)));
	int rc = h.tdx.status == TDXSIM_TDX_SYS_CONFIG_NOT_PENDING ? 0 : 1;
	tdxsim_destroy(sim);
	return rc;
}

int main(int argc, char **argv)
{
	const char *which = argc > 1 ? argv[1] : "all";
	int rc = 0;
	if (!strcmp(which, "--help") || !strcmp(which, "-h")) {
		puts("Usage: host-lifecycle [all | lifecycle | offline-boot]\n"
		     "Runs a TDX host's whole life (boot, CPU hotplug, runtime update, shutdown, kexec)\n"
		     "and a boot with a CPU held offline, printing each phase's virtual cycles.");
		return 0;
	}
	if (!strcmp(which, "all") || !strcmp(which, "lifecycle"))
		rc |= lifecycle();
	if (!strcmp(which, "all") || !strcmp(which, "offline-boot"))
		rc |= offline_boot();
	if (strcmp(which, "all") && strcmp(which, "lifecycle") && strcmp(which, "offline-boot")) {
		fprintf(stderr, "usage: host-lifecycle [all | lifecycle | offline-boot]\n");
		return 2;
	}
	return rc;
}
