/* SPDX-License-Identifier: MIT */
/*
 * Executors of the identity and lifecycle steps: cpuid, and place_image, which leaves a module
 * image in simulated RAM together with the SEAMLDR_PARAMS page a host builds from it, so that a
 * scenario can run the whole TD-preserving update with seamcall steps (docs/lifecycle.md
 * section 6). The page is filled the way Linux's update path fills it from the image header
 * (examples/host-lifecycle/host_update.c), so a scenario sees what host code would hand the
 * P-SEAMLDR.
 */
#include <stdio.h>
#include <string.h>

#include "scenario/run.h"
#include "tdxsim/cpu.h"
#include "tdxsim/seamldr.h"

#define PAGE 4096u

int tdxsim_scn_exec_cpuid(struct scn_run *r, const struct scn_step *s, uint32_t lp, struct scn_obs *obs)
{
	uint64_t leaf, sub = 0;
	tdxsim_cpuid_regs_t c = {0};
	if (tdxsim_scn_eval(r, s->u.cpuid.leaf, &leaf) ||
	    (s->u.cpuid.subleaf && tdxsim_scn_eval(r, s->u.cpuid.subleaf, &sub)))
		return -1;
	if (leaf > UINT32_MAX || sub > UINT32_MAX)
		return tdxsim_scn_run_error(r, "cpuid: leaf 0x%llx, subleaf 0x%llx: both are 32 bits",
					    (unsigned long long)leaf, (unsigned long long)sub);
	if (tdxsim_scn_budget(r))
		return -1;
	obs->has_result = true;
	obs->result = tdxsim_cpuid(r->sim, lp, (uint32_t)leaf, (uint32_t)sub, &c);
	tdxsim_scn_buf_printf(&r->detail, "CPUID 0x%llx", (unsigned long long)leaf);
	if (s->u.cpuid.subleaf)
		tdxsim_scn_buf_printf(&r->detail, " subleaf %llu", (unsigned long long)sub);
	tdxsim_scn_buf_printf(&r->detail, " on LP %u", lp);
	if (obs->result != TDXSIM_OK) {
		tdxsim_scn_buf_printf(&r->detail, ": %s",
				      tdxsim_scn_enum_name(tdxsim_scn_lib_results, obs->result));
		return 0;
	}
	obs->has_outs = true;
	obs->outs[0] = c.eax;
	obs->outs[1] = c.ebx;
	obs->outs[2] = c.ecx;
	obs->outs[3] = c.edx;
	tdxsim_scn_buf_printf(&r->detail, ": eax=0x%08x ebx=0x%08x ecx=0x%08x edx=0x%08x", c.eax, c.ebx,
			      c.ecx, c.edx);
	return 0;
}

/* A sigstruct override: @e (if given) must lie in [lo, hi]. */
static int field(struct scn_run *r, const struct scn_expr *e, const char *what, uint64_t lo, uint64_t hi,
		 uint64_t *out)
{
	if (!e)
		return 0;
	if (tdxsim_scn_eval(r, e, out))
		return -1;
	if (*out < lo || *out > hi)
		return tdxsim_scn_run_error(r, "place_image.%s: %llu, expected %llu..%llu", what,
					    (unsigned long long)*out, (unsigned long long)lo,
					    (unsigned long long)hi);
	return 0;
}

static int image_opts(struct scn_run *r, const struct scn_step *s, tdxsim_blob_opts_t *o)
{
	uint64_t v[5] = {0};
	tdxsim_blob_opts_init(o, (tdxsim_module_profile_t)s->u.image.module);
	v[0] = o->num_module_pages;
	v[1] = o->seam_svn;
	v[2] = o->module_hv;
	v[3] = o->min_update_hv;
	v[4] = o->num_handoff_pages;
	if (field(r, s->u.image.pages, "pages", 1, TDXSIM_SEAMLDR_MAX_MODULE_PAGES, &v[0]) ||
	    field(r, s->u.image.seam_svn, "seam_svn", 0, 0xFFFF, &v[1]) ||
	    field(r, s->u.image.module_hv, "module_hv", 0, 0xFFFF, &v[2]) ||
	    field(r, s->u.image.min_update_hv, "min_update_hv", 0, 0xFFFF, &v[3]) ||
	    field(r, s->u.image.num_handoff_pages, "num_handoff_pages", 0, 0xFFFF, &v[4]))
		return -1;
	o->num_module_pages = (uint32_t)v[0];
	o->seam_svn = (uint16_t)v[1];
	o->module_hv = (uint16_t)v[2];
	o->min_update_hv = (uint16_t)v[3];
	o->num_handoff_pages = (uint16_t)v[4];
	if (s->u.image.no_downgrade >= 0)
		o->no_downgrade = (uint8_t)s->u.image.no_downgrade;
	o->num_cpuids = (uint8_t)s->u.image.num_cpus;
	for (unsigned i = 0; i < s->u.image.num_cpus; i++) {
		uint64_t sig;
		if (field(r, s->u.image.cpus[i], "cpus[]", 0, UINT32_MAX, &sig))
			return -1;
		o->cpuids[i] = (uint32_t)sig;
	}
	return 0;
}

/* Linux's init_seamldr_params(): sigstruct and module page addresses from the image header. */
static void fill_params(struct scn_run *r, uint64_t image, uint64_t params_pa, bool load, uint64_t outs[])
{
	const struct tdxsim_image_header *hdr = tdxsim_phys_to_virt(r->sim, image, sizeof(*hdr));
	struct tdxsim_seamldr_params *p = tdxsim_phys_to_virt(r->sim, params_pa, sizeof(*p));
	uint64_t sig_pa = image + PAGE, mod_pa = sig_pa + (uint64_t)hdr->sigstruct_nr_pages * PAGE;
	memset(p, 0, sizeof(*p));
	p->scenario = load ? TDXSIM_SEAMLDR_SCENARIO_LOAD : TDXSIM_SEAMLDR_SCENARIO_UPDATE;
	p->sigstruct_pa = sig_pa;
	p->num_module_pages = hdr->module_nr_pages;
	for (uint32_t i = 0; i < hdr->module_nr_pages && i < TDXSIM_SEAMLDR_MAX_MODULE_PAGES; i++)
		p->module_pages_pa[i] = mod_pa + (uint64_t)i * PAGE;
	outs[3] = sig_pa;
	outs[4] = mod_pa;
}

int tdxsim_scn_exec_place_image(struct scn_run *r, const struct scn_step *s, uint32_t lp, struct scn_obs *obs)
{
	tdxsim_blob_opts_t o;
	uint64_t pa = 0, len = 0, params = 0;
	if (image_opts(r, s, &o))
		return -1;
	/* Each page is memory a fuzzed scenario could multiply: count them against the budget. */
	for (uint32_t i = 0; i < o.num_module_pages + 3; i++)
		if (tdxsim_scn_budget(r))
			return -1;
	tdxsim_scn_buf_printf(&r->detail, "image of module %s, %u module page(s)",
			      tdxsim_module_profile_name(o.module), o.num_module_pages);
	obs->has_result = true;
	obs->result = tdxsim_blob_place(r->sim, &o, &pa, &len);
	if (obs->result == TDXSIM_OK) {
		obs->result = tdxsim_phys_alloc(r->sim, PAGE, PAGE, UINT32_MAX, &params);
		if (obs->result != TDXSIM_OK)
			tdxsim_phys_free(r->sim, pa, len);
	}
	if (obs->result != TDXSIM_OK) {
		tdxsim_scn_buf_printf(&r->detail, ": %s",
				      tdxsim_scn_enum_name(tdxsim_scn_lib_results, obs->result));
		return 0;
	}
	obs->has_outs = true;
	obs->outs[0] = params;
	obs->outs[1] = pa;
	obs->outs[2] = len;
	fill_params(r, pa, params, s->u.image.load, obs->outs);
	tdxsim_scn_buf_printf(&r->detail, " at 0x%llx (%llu KiB); SEAMLDR_PARAMS (%s) at 0x%llx",
			      (unsigned long long)pa, (unsigned long long)(len >> 10),
			      s->u.image.load ? "load" : "update", (unsigned long long)params);
	return 0;
}
