/* SPDX-License-Identifier: MIT */
/*
 * Boot, CPU hotplug and shutdown of a TDX host (host_lifecycle.h), in the order of the ABI
 * sheet's section 14.1-14.2. The code is this project's own.
 */
#include "host_lifecycle.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "tdxsim/cpu.h"
#include "tdxsim/memory.h"
#include "tdxsim/platform.h"

static void klog(const struct lc_host *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void klog(const struct lc_host *h, const char *fmt, ...)
{
	if (!h->log)
		return;
	va_list ap;
	fputs("tdx: ", h->log);
	va_start(ap, fmt);
	vfprintf(h->log, fmt, ap);
	va_end(ap);
	fputc('\n', h->log);
}

static int fail(struct lc_host *h, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct lc_host *h, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(h->message, sizeof(h->message), fmt, ap);
	va_end(ap);
	klog(h, "%s", h->message);
	return err;
}

/* The seamcall() wrapper with its entropy retry, shared with the boot bring-up. */
static uint64_t seamcall(struct lc_host *h, uint32_t cpu, uint64_t fn, tdxsim_regs_t *regs)
{
	return host_tdx_seamcall(h->sim, cpu, fn, regs);
}

void lc_host_init(struct lc_host *h, tdxsim_t *sim, FILE *log)
{
	memset(h, 0, sizeof(*h));
	h->sim = sim;
	h->log = log;
	h->nr_cpus = tdxsim_num_lps(sim);
	if (h->nr_cpus > LC_MAX_CPUS)
		h->nr_cpus = LC_MAX_CPUS;
	for (uint32_t cpu = 0; cpu < h->nr_cpus; cpu++)
		h->online[cpu] = tdxsim_lp_is_online(sim, cpu);
}

int lc_tdx_init(struct lc_host *h)
{
	uint64_t part, v;
	tdxsim_cpuid_regs_t r1, r7, rx;

	/* Early CPU setup: with CPUID TME and IA32_TME_ACTIVATE locked and enabled, the KeyID bits
	 * come off the physical-address width (sheet 9). */
	if (tdxsim_cpuid(h->sim, 0, 1, 0, &r1) || tdxsim_cpuid(h->sim, 0, 7, 0, &r7) ||
	    tdxsim_cpuid(h->sim, 0, 0x80000008u, 0, &rx))
		return fail(h, -EIO, "CPUID failed on the boot CPU");
	h->phys_bits = rx.eax & 0xFF;
	if ((r7.ecx & TDXSIM_CPUID7_ECX_TME) && !tdxsim_rdmsr(h->sim, 0, TDXSIM_MSR_IA32_TME_ACTIVATE, &v) &&
	    (v & TDXSIM_TME_ACTIVATE_LOCKED) && (v & TDXSIM_TME_ACTIVATE_ENABLED))
		h->phys_bits -=
			(v >> TDXSIM_TME_ACTIVATE_KEYID_BITS_SHIFT) & TDXSIM_TME_ACTIVATE_KEYID_BITS_MASK;

	/* 1. KeyIDs from MSR 0x87: none or an unreadable MSR means TDX is off, silently. */
	if (tdxsim_rdmsr(h->sim, 0, TDXSIM_MSR_IA32_MKTME_KEYID_PARTITIONING, &part) ||
	    !TDXSIM_MKTME_PART_NUM_TDX(part))
		return fail(h, -ENODEV, "TDX not enabled by the BIOS");
	h->keyid_first = TDXSIM_MKTME_PART_NUM_MKTME(part) + 1;
	h->nr_keyids = TDXSIM_MKTME_PART_NUM_TDX(part);
	/* The "BIOS enabled: private KeyID range" line is the bring-up's (host_tdx_init reads MSR
	 * 0x87 again and logs it): logging it here too printed it twice per boot. A host that
	 * stops here says the range in its failure instead. */
	if (h->nr_keyids < 2)
		return fail(h, -ENODEV,
			    "initialization failed: too few private KeyIDs available (%u, range [%u, %u))",
			    h->nr_keyids, h->keyid_first, h->keyid_first + h->nr_keyids);

	/* 2. Bug bits: the partial-write erratum by family/model, the VMCS-losing SEAMRET by
	 * IA32_VMX_BASIC bit 60 (read without a fault handler: the MSR must exist). */
	uint32_t fms = r1.eax & ~0xFu;
	h->bug_pw_mce =
		fms == (TDXSIM_FMS_SAPPHIRE_RAPIDS & ~0xFu) || fms == (TDXSIM_FMS_EMERALD_RAPIDS & ~0xFu);
	if (tdxsim_rdmsr(h->sim, 0, TDXSIM_MSR_IA32_VMX_BASIC, &v))
		return fail(h, -EIO, "RDMSR IA32_VMX_BASIC faulted");
	h->bug_seamret_invd_vmcs = !(v & TDXSIM_VMX_BASIC_NO_SEAMRET_INVD_VMCS);
	return 0;
}

int lc_tdx_cpu_enable(struct lc_host *h, uint32_t cpu)
{
	tdxsim_regs_t r = {0};
	uint64_t status;

	if (!h->sysinit_done) {
		/* First CPU anywhere: TDH.SYS.INIT once, the result kept for every later CPU. */
		h->sysinit_status = seamcall(h, cpu, TDXSIM_TDH_SYS_INIT, &r);
		h->sysinit_done = true;
		if (h->sysinit_status == TDXSIM_TDX_SEAMCALL_VMFAILINVALID)
			klog(h, "module not loaded");
	}
	if (h->sysinit_status)
		return host_tdx_errno(h->sysinit_status);
	if (h->lp_initialized[cpu])
		return 0;
	r = (tdxsim_regs_t){0};
	status = seamcall(h, cpu, TDXSIM_TDH_SYS_LP_INIT, &r);
	if (status) {
		char name[96];
		fail(h, host_tdx_errno(status), "TDH.SYS.LP.INIT on CPU %u failed: %s", cpu,
		     tdxsim_status_name(status, name, sizeof(name)));
		return host_tdx_errno(status);
	}
	h->lp_initialized[cpu] = true;
	return 0;
}

int lc_cpu_online(struct lc_host *h, uint32_t cpu)
{
	if (cpu >= h->nr_cpus)
		return -EINVAL;
	if (!h->online[cpu] && tdxsim_lp_online(h->sim, cpu))
		return fail(h, -EIO, "CPU %u did not come up", cpu);
	h->online[cpu] = true;
	if (tdxsim_vmxon(h->sim, cpu))
		return fail(h, -EIO, "VMXON failed on CPU %u", cpu);
	h->vmx[cpu] = true;
	int err = lc_tdx_cpu_enable(h, cpu);
	if (err) {
		tdxsim_vmxoff(h->sim, cpu); /* the callback fails and drops its VMX reference */
		h->vmx[cpu] = false;
	}
	return err;
}

int lc_cpu_offline(struct lc_host *h, uint32_t cpu)
{
	if (cpu >= h->nr_cpus || !h->online[cpu])
		return -EINVAL;
	/* The last online CPU of a package must stay while TDs hold KeyIDs: TDH.PHYMEM.CACHE.WB
	 * and key teardown need a CPU in every package (sheet 14.1). */
	uint32_t pkg = tdxsim_lp_package(h->sim, cpu), others = 0;
	for (uint32_t c = 0; c < h->nr_cpus; c++)
		others += c != cpu && h->online[c] && tdxsim_lp_package(h->sim, c) == pkg;
	if (!others && h->guest_keyids_in_use)
		return fail(h, -EBUSY, "CPU %u is the last online CPU of package %u and TDs hold KeyIDs", cpu,
			    pkg);
	tdxsim_wbinvd(h->sim, cpu);
	tdxsim_vmxoff(h->sim, cpu);
	h->vmx[cpu] = false;
	tdxsim_lp_offline(h->sim, cpu);
	h->online[cpu] = false;
	return 0;
}

int lc_tdx_enable(struct lc_host *h)
{
	tdxsim_cpuid_regs_t r1, r7;
	if (tdxsim_cpuid(h->sim, 0, 1, 0, &r1) || tdxsim_cpuid(h->sim, 0, 7, 0, &r7))
		return fail(h, -EIO, "CPUID failed");
	if (!(r1.ecx & TDXSIM_CPUID1_ECX_XSAVE))
		return fail(h, -EINVAL, "XSAVE not supported");
	if (!(r7.ecx & TDXSIM_CPUID7_ECX_MOVDIR64B))
		return fail(h, -EINVAL, "MOVDIR64B not supported");
	if (!(r1.edx & TDXSIM_CPUID1_EDX_SELFSNOOP))
		return fail(h, -ENODEV, "SELFSNOOP not supported");

	/* The hotplug state's online callback runs for every CPU online at registration. */
	for (uint32_t cpu = 0; cpu < h->nr_cpus; cpu++) {
		if (!h->online[cpu])
			continue;
		int err = lc_cpu_online(h, cpu);
		if (err)
			return err;
	}
	struct host_tdx_opts o = {.log = h->log, .cpus_enabled = 1};
	int err = host_tdx_init(h->sim, &o, &h->tdx);
	if (err) {
		snprintf(h->message, sizeof(h->message), "%s", h->tdx.message);
		klog(h, "TDX-Module initialization failed (%d)", err);
		return err;
	}
	h->major = h->tdx.major;
	h->minor = h->tdx.minor;
	h->update = h->tdx.update;
	h->features0 = h->tdx.features0;
	h->initialized = true;
	return 0;
}

uint64_t lc_shutdown(struct lc_host *h, unsigned *calls)
{
	uint64_t status = 0;
	unsigned n = 0;
	if (h->initialized) {
		/* TDH.SYS.DISABLE: RESUMABLE promises progress, BUSY ends once other TDH.SYS calls
		 * drain; anything else is only printed (sheet 14.2). */
		do {
			tdxsim_regs_t r = {0};
			status = seamcall(h, 0, TDXSIM_TDH_SYS_DISABLE, &r);
			n++;
		} while (status == TDXSIM_TDX_INTERRUPTED_RESUMABLE || status == TDXSIM_TDX_SYS_BUSY);
		/* Linux's TDX_SW_ERROR: error bit plus class 0xFF (sheet 1.5). */
		const uint64_t sw_error = UINT64_C(0x8000FF0000000000);
		if (status && (status & sw_error) != sw_error) {
			char name[96];
			klog(h, "TDH.SYS.DISABLE failed: 0x%016llx (%s)", (unsigned long long)status,
			     tdxsim_status_name(status, name, sizeof(name)));
		}
	}
	for (uint32_t cpu = 0; cpu < h->nr_cpus; cpu++) {
		if (!h->online[cpu] || !h->vmx[cpu])
			continue;
		tdxsim_wbinvd(h->sim, cpu);
		tdxsim_vmxoff(h->sim, cpu);
		h->vmx[cpu] = false;
	}
	h->initialized = false;
	if (calls)
		*calls = n;
	return status;
}

void lc_cycles_mark(const struct lc_host *h, uint64_t mark[LC_MAX_CPUS])
{
	for (uint32_t cpu = 0; cpu < h->nr_cpus; cpu++)
		mark[cpu] = tdxsim_lp_cycles(h->sim, cpu);
}

uint64_t lc_cycles_elapsed(const struct lc_host *h, const uint64_t mark[LC_MAX_CPUS])
{
	uint64_t max = 0;
	for (uint32_t cpu = 0; cpu < h->nr_cpus; cpu++) {
		uint64_t d = tdxsim_lp_cycles(h->sim, cpu) - mark[cpu];
		if (d > max)
			max = d;
	}
	return max;
}
