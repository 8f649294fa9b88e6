/* SPDX-License-Identifier: MIT */
/* The public identity calls of tdxsim/cpu.h: CPUID, profile names, the YAML description. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sim/sim.h"
#include "tdxsim/cpu.h"

#define LOCK(sim)   pthread_mutex_lock(&((struct tdxsim *)(sim))->lock)
#define UNLOCK(sim) pthread_mutex_unlock(&((struct tdxsim *)(sim))->lock)

tdxsim_err_t tdxsim_cpuid(tdxsim_t *sim, uint32_t lp, uint32_t leaf, uint32_t subleaf,
			  tdxsim_cpuid_regs_t *out)
{
	if (!sim || !out)
		return TDXSIM_ERR_INVALID_ARG;
	if (lp >= sim->cpu.num_lps)
		return tdxsim_set_error(sim, TDXSIM_ERR_INVALID_ARG, "cpuid: LP %u out of range", lp);
	tdxsim_err_t err = TDXSIM_OK;
	uint32_t r[4];
	LOCK(sim);
	if (!sim->cpu.lps[lp].online) {
		err = tdxsim_set_error(sim, TDXSIM_ERR_LP_OFFLINE, "cpuid: LP %u is offline", lp);
	} else {
		tdxsim_cpu_cpuid(&sim->cpu, lp, leaf, subleaf, r);
		*out = (tdxsim_cpuid_regs_t){r[0], r[1], r[2], r[3]};
		sim->cpu.lps[lp].tsc +=
			sim->cfg.costs.rdmsr; /* CPUID: same order as a non-serializing MSR read */
	}
	UNLOCK(sim);
	return err;
}

tdxsim_cpu_profile_t tdxsim_cpu_profile(const tdxsim_t *sim)
{
	return sim ? sim->cfg.cpu : TDXSIM_CPU_SAPPHIRE_RAPIDS;
}

const char *tdxsim_cpu_profile_name(tdxsim_cpu_profile_t profile)
{
	const struct tdxsim_cpu_model *m = tdxsim_cpu_model_get(profile);
	return m ? m->name : NULL;
}

bool tdxsim_cpu_profile_by_name(const char *name, tdxsim_cpu_profile_t *out)
{
	static const char *const short_names[] = {"spr", "emr", "gnr"};
	if (!name)
		return false;
	for (unsigned i = 0; i < 3; i++) {
		const char *full = tdxsim_cpu_profile_name((tdxsim_cpu_profile_t)i);
		if (!strcasecmp(name, full) || !strcasecmp(name, short_names[i])) {
			if (out)
				*out = (tdxsim_cpu_profile_t)i;
			return true;
		}
	}
	return false;
}

uint32_t tdxsim_cpu_profile_errata(tdxsim_cpu_profile_t profile)
{
	const struct tdxsim_cpu_model *m = tdxsim_cpu_model_get(profile);
	return m ? m->errata : 0;
}

uint32_t tdxsim_errata(const tdxsim_t *sim)
{
	return sim ? sim->cfg.errata : 0;
}

tdxsim_module_profile_t tdxsim_module_profile(const tdxsim_t *sim)
{
	if (!sim)
		return TDXSIM_MODULE_1_5_05;
	LOCK(sim);
	tdxsim_module_profile_t p = sim->mod.inst.id;
	UNLOCK(sim);
	return p;
}

const char *tdxsim_module_profile_name(tdxsim_module_profile_t profile)
{
	const struct tdxsim_profile *p = tdxsim_profile_get(profile);
	return p ? p->name : NULL;
}

bool tdxsim_module_profile_by_name(const char *name, tdxsim_module_profile_t *out)
{
	if (!name)
		return false;
	for (int i = 0; tdxsim_profile_get((tdxsim_module_profile_t)i); i++) {
		if (!strcasecmp(name, tdxsim_profile_get((tdxsim_module_profile_t)i)->name)) {
			if (out)
				*out = (tdxsim_module_profile_t)i;
			return true;
		}
	}
	return false;
}

bool tdxsim_module_profile_version(tdxsim_module_profile_t profile, uint16_t *major, uint16_t *minor,
				   uint16_t *update)
{
	const struct tdxsim_profile *p = tdxsim_profile_get(profile);
	if (!p)
		return false;
	if (major)
		*major = p->major;
	if (minor)
		*minor = p->minor;
	if (update)
		*update = p->update;
	return true;
}

/* An snprintf that appends and keeps counting past the end of the buffer. */
struct out {
	char *buf;
	size_t len, pos;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(o->pos < o->len ? o->buf + o->pos : NULL, o->pos < o->len ? o->len - o->pos : 0,
			  fmt, ap);
	va_end(ap);
	if (n > 0)
		o->pos += (size_t)n;
}

static const char *yes(bool b)
{
	return b ? "true" : "false";
}

size_t tdxsim_identity_yaml(tdxsim_t *sim, char *buf, size_t len)
{
	if (!sim || (!buf && len))
		return 0;
	struct out o = {buf, len, 0};
	if (buf && len)
		buf[0] = '\0';
	LOCK(sim);
	const struct tdxsim_cpu *cpu = &sim->cpu;
	uint32_t l1[4], l7[4], x8[4];
	tdxsim_cpu_cpuid(cpu, 0, 1, 0, l1);
	tdxsim_cpu_cpuid(cpu, 0, 7, 0, l7);
	tdxsim_cpu_cpuid(cpu, 0, 0x80000008u, 0, x8);
	uint32_t fms = cpu->fms;
	uint32_t family = (fms >> 8 & 0xF) + (fms >> 20 & 0xFF),
		 model = (fms >> 4 & 0xF) | (fms >> 12 & 0xF0);

	put(&o, "# tdxsim platform identity (include/tdxsim/cpu.h)\n");
	put(&o, "cpu: %s\n", cpu->model->name);
	put(&o, "vendor: GenuineIntel\n");
	put(&o, "family: %u\nmodel: 0x%02x\nstepping: %u\nsignature: 0x%08x\n", family, model, fms & 0xF,
	    fms);
	put(&o, "features:\n  vmx: %s\n  xsave: %s\n  movdir64b: %s\n  selfsnoop: %s\n  tme: %s\n",
	    yes(l1[2] & TDXSIM_CPUID1_ECX_VMX), yes(l1[2] & TDXSIM_CPUID1_ECX_XSAVE),
	    yes(l7[2] & TDXSIM_CPUID7_ECX_MOVDIR64B), yes(l1[3] & TDXSIM_CPUID1_EDX_SELFSNOOP),
	    yes(l7[2] & TDXSIM_CPUID7_ECX_TME));
	put(&o, "phys_addr_bits: %u\n", x8[0] & 0xFF);
	put(&o, "errata:%s\n",
	    sim->cfg.errata & TDXSIM_ERRATUM_PARTIAL_WRITE_POISON ? "\n  - partial-write-poison" : " []");
	put(&o, "packages: %u\nlps:\n", cpu->num_packages);
	for (uint32_t i = 0; i < cpu->num_lps; i++)
		put(&o, "  - {lp: %u, package: %u, x2apic_id: 0x%x, online: %s}\n", i, cpu->lps[i].package,
		    cpu->lps[i].x2apic_id, yes(cpu->lps[i].online));
	put(&o, "msrs:\n");
	static const uint32_t msrs[] = {TDXSIM_MSR_IA32_MKTME_KEYID_PARTITIONING, TDXSIM_MSR_IA32_MTRRCAP,
					TDXSIM_MSR_IA32_VMX_BASIC, TDXSIM_MSR_IA32_TME_CAPABILITY,
					TDXSIM_MSR_IA32_TME_ACTIVATE};
	for (unsigned i = 0; i < sizeof(msrs) / sizeof(msrs[0]); i++) {
		uint64_t v;
		if (!tdxsim_cpu_rdmsr(cpu, msrs[i], &v))
			put(&o, "  %s: 0x%016llx\n", tdxsim_msr_name(msrs[i]), (unsigned long long)v);
	}
	const struct tdxsim_profile *p = sim->mod.profile;
	put(&o, "module: %s\nmodule_version: \"%u.%u.%02u\"\n", p->name, p->major, p->minor, p->update);
	UNLOCK(sim);
	return o.pos;
}
