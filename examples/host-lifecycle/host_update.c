/* SPDX-License-Identifier: MIT */
/*
 * Runtime module update through the P-SEAMLDR (host_lifecycle.h), the way current Linux does
 * it (ABI sheet 14.3): parse the image, fill SEAMLDR_PARAMS, then a stop-machine state machine
 * over the online CPUs with CPU 0 as the lead; a state advances only when every CPU did its
 * part without failure, and any failure stops everything, with no retry and no rollback.
 */
#include "host_lifecycle.h"

#include <errno.h>
#include <string.h>

#define PAGE 4096u

static int fail(struct lc_host *h, int err, uint64_t status, uint64_t *out, const char *what)
{
	char name[96];
	if (status)
		snprintf(h->message, sizeof(h->message), "%s: %s", what,
			 tdxsim_status_name(status, name, sizeof(name)));
	else
		snprintf(h->message, sizeof(h->message), "%s", what);
	if (h->log)
		fprintf(h->log, "seamldr: %s\n", h->message);
	if (out)
		*out = status;
	return err;
}

bool lc_update_supported(const struct lc_host *h)
{
	return h->initialized && (h->features0 & TDXSIM_FEATURES0_TD_PRESERVING) && !h->bug_seamret_invd_vmcs;
}

int lc_seamldr_info(struct lc_host *h, struct tdxsim_seamldr_info *out)
{
	uint64_t pa;
	/* P-SEAMLDR calls lose the current VMCS on CPUs with this bug: Linux never makes them. */
	if (h->bug_seamret_invd_vmcs)
		return -EINVAL;
	if (tdxsim_phys_alloc(h->sim, PAGE, PAGE, UINT32_MAX, &pa))
		return -ENOMEM;
	tdxsim_regs_t r = {.rcx = pa};
	uint64_t status = tdxsim_seamcall(h->sim, 0, TDXSIM_SEAMLDR_INFO, &r);
	if (!status)
		memcpy(out, tdxsim_phys_to_virt(h->sim, pa, sizeof(*out)), sizeof(*out));
	tdxsim_phys_free(h->sim, pa, PAGE);
	return status ? fail(h, -EIO, status, NULL, "P-SEAMLDR.INFO failed") : 0;
}

/* Linux's init_seamldr_params(): the image checks, then the page lists. */
static int parse_image(struct lc_host *h, uint64_t pa, uint64_t len, struct tdxsim_seamldr_params *p)
{
	const struct tdxsim_image_header *hdr = tdxsim_phys_to_virt(h->sim, pa, len);
	if (len < sizeof(*hdr) || !hdr)
		return -EINVAL;
	uint64_t sig_len = (uint64_t)hdr->sigstruct_nr_pages * PAGE,
		 mod_len = (uint64_t)hdr->module_nr_pages * PAGE;
	if (sizeof(*hdr) + sig_len + mod_len != len || hdr->version != TDXSIM_IMAGE_VERSION)
		return -EINVAL;
	if (hdr->sigstruct_nr_pages > 1 || hdr->module_nr_pages > TDXSIM_SEAMLDR_MAX_MODULE_PAGES)
		return -EINVAL;
	if (memcmp(hdr->signature, "TDX-BLOB", sizeof(hdr->signature)))
		return -EINVAL;
	/* Linux's memchr_inv(reserved, 0, size): every byte equals the first, which is 0. */
	if (hdr->reserved[0] || memcmp(hdr->reserved, hdr->reserved + 1, sizeof(hdr->reserved) - 1))
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	p->scenario = TDXSIM_SEAMLDR_SCENARIO_UPDATE;
	p->sigstruct_pa = pa + PAGE;
	p->num_module_pages = hdr->module_nr_pages;
	for (uint32_t i = 0; i < hdr->module_nr_pages; i++)
		p->module_pages_pa[i] = pa + PAGE + sig_len + (uint64_t)i * PAGE;
	return 0;
}

static uint64_t sys_rd(struct lc_host *h, uint64_t field, uint64_t *value)
{
	tdxsim_regs_t r = {.rdx = field};
	uint64_t status = tdxsim_seamcall(h->sim, 0, TDXSIM_TDH_SYS_RD, &r);
	*value = r.r8;
	return status;
}

/* The four states of the update, run in order over the online CPUs. */
static int run_update(struct lc_host *h, uint64_t params_pa, uint64_t *out)
{
	uint64_t hv, status, v[3];
	tdxsim_regs_t r;

	/* MODULE_UPDATE_SHUTDOWN, lead CPU: the handoff version, then TDH.SYS.SHUTDOWN. */
	status = sys_rd(h, TDXSIM_MD_MODULE_HV, &hv);
	if (status)
		return fail(h, -EIO, status, out, "cannot read MODULE_HV");
	r = (tdxsim_regs_t){.rcx = hv};
	status = tdxsim_seamcall(h->sim, 0, TDXSIM_TDH_SYS_SHUTDOWN, &r);
	if (status)
		return fail(h, -EIO, status, out, "TDH.SYS.SHUTDOWN failed");
	h->initialized = false;
	h->sysinit_done = false;
	memset(h->lp_initialized, 0, sizeof(h->lp_initialized));

	/* MODULE_UPDATE_CPU_INSTALL, every online CPU, one at a time. */
	for (uint32_t cpu = 0; cpu < h->nr_cpus; cpu++) {
		if (!h->online[cpu])
			continue;
		r = (tdxsim_regs_t){.rcx = params_pa};
		status = tdxsim_seamcall(h->sim, cpu, TDXSIM_SEAMLDR_INSTALL, &r);
		if (status)
			return fail(h, -EIO, status, out, "P-SEAMLDR.INSTALL failed");
	}

	/* MODULE_UPDATE_CPU_INIT: tdx_cpu_enable() everywhere (TDH.SYS.INIT once, LP.INIT each). */
	for (uint32_t cpu = 0; cpu < h->nr_cpus; cpu++) {
		if (!h->online[cpu])
			continue;
		int err = lc_tdx_cpu_enable(h, cpu);
		if (err)
			return fail(h, err, h->sysinit_status, out, "CPU init on the new module failed");
	}

	/* MODULE_UPDATE_RUN_UPDATE, lead CPU: TDH.SYS.UPDATE, then the new version (a failed
	 * read only warns). */
	r = (tdxsim_regs_t){0};
	status = tdxsim_seamcall(h->sim, 0, TDXSIM_TDH_SYS_UPDATE, &r);
	if (status)
		return fail(h, -EIO, status, out, "TDH.SYS.UPDATE failed");
	if (sys_rd(h, TDXSIM_MD_MINOR_VERSION, &v[0]) || sys_rd(h, TDXSIM_MD_MAJOR_VERSION, &v[1]) ||
	    sys_rd(h, TDXSIM_MD_UPDATE_VERSION, &v[2])) {
		if (h->log)
			fprintf(h->log, "tdx: cannot read the new module's version\n");
	} else {
		h->minor = (uint16_t)v[0];
		h->major = (uint16_t)v[1];
		h->update = (uint16_t)v[2];
	}
	h->initialized = true;
	if (out)
		*out = 0;
	return 0;
}

int lc_update(struct lc_host *h, uint64_t pa, uint64_t len, uint64_t *out)
{
	struct tdxsim_seamldr_params params;
	uint64_t params_pa;

	if (out)
		*out = 0;
	if (!lc_update_supported(h))
		return fail(h, -EOPNOTSUPP, 0, out, "runtime update not supported");
	if (parse_image(h, pa, len, &params))
		return fail(h, -EINVAL, 0, out, "invalid TDX module image");
	if (tdxsim_phys_alloc(h->sim, PAGE, PAGE, UINT32_MAX, &params_pa))
		return fail(h, -ENOMEM, 0, out, "no memory for SEAMLDR_PARAMS");
	memcpy(tdxsim_phys_to_virt(h->sim, params_pa, PAGE), &params, sizeof(params));
	int err = run_update(h, params_pa, out);
	tdxsim_phys_free(h->sim, params_pa, PAGE);
	return err;
}
