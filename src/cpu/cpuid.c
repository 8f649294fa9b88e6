/* SPDX-License-Identifier: MIT */
/*
 * CPUID as host TDX code reads it (tdxsim/cpu.h), and the CPU models behind it.
 *
 * What is a fact and what is not (docs/lifecycle.md, "CPU"): the family/model numbers are
 * Linux's INTEL_SAPPHIRERAPIDS_X (6, 0x8F), INTEL_EMERALDRAPIDS_X (6, 0xCF) and
 * INTEL_GRANITERAPIDS_X (6, 0xAD) ([L] arch/x86/include/asm/intel-family.h, used by tdx.c's
 * erratum check, sheet 10 and 14.5); the steppings are our choice [U]. The bits host TDX code
 * tests (VMX, XSAVE, SELFSNOOP, TME, MOVDIR64B) are at their architectural positions and set;
 * the other feature bits describe a plausible server part and are not checked by anything
 * here [U]. Topology: one thread per core, the package id in the x2APIC id bits above the
 * package shift (cpu.h), reported through leaves 0xB and 0x1F as the module and Linux read them
 * (sheet 7.2, 14.6).
 */
#include <string.h>

#include "cpu/cpu.h"
#include "tdxsim/cpu.h"

/* The partial-write erratum: Linux sets X86_BUG_TDX_PW_MCE for SPR-X and EMR-X only (sheet 10). */
static const struct tdxsim_cpu_model models[] = {
	[TDXSIM_CPU_SAPPHIRE_RAPIDS] = {"sapphire-rapids", TDXSIM_FMS_SAPPHIRE_RAPIDS, 0x20,
					TDXSIM_ERRATUM_PARTIAL_WRITE_POISON},
	[TDXSIM_CPU_EMERALD_RAPIDS] = {"emerald-rapids", TDXSIM_FMS_EMERALD_RAPIDS, 0x20,
				       TDXSIM_ERRATUM_PARTIAL_WRITE_POISON},
	[TDXSIM_CPU_GRANITE_RAPIDS] = {"granite-rapids", TDXSIM_FMS_GRANITE_RAPIDS, 0x23, 0},
};

const struct tdxsim_cpu_model *tdxsim_cpu_model_get(tdxsim_cpu_profile_t which)
{
	if ((unsigned)which >= sizeof(models) / sizeof(models[0]) || !models[which].name)
		return NULL;
	return &models[which];
}

#define BIT(n)	     (1u << (n))
#define MAX_EXT_LEAF 0x80000008u

/* CPUID(1).ECX: SSE3 .. RDRAND without CNXT-ID (10) and bit 16 (reserved); OSXSAVE (27) as after
 * the kernel set CR4.OSXSAVE. VMX (5), x2APIC (21), XSAVE (26) are the ones host code tests. */
#define LEAF1_ECX 0x7FFEFBFFu
/* CPUID(1).EDX: the usual Intel server value; SS "self snoop" (27) is what Linux tests. */
#define LEAF1_EDX 0xBFEBFBFFu
/* CPUID(7,0): EBX with AVX-512, SHA, CLWB...; ECX with TME_EN (13), LA57 (16), MOVDIRI (27),
 * MOVDIR64B (28); EDX with SERIALIZE, PCONFIG (18), AMX. Beyond the tested bits: [U]. */
#define LEAF7_EBX 0xF3BFAFEBu
#define LEAF7_ECX 0x1B417FDEu
#define LEAF7_EDX 0xBC04C010u

static void topology_leaf(const struct tdxsim_cpu *cpu, const struct tdxsim_lp *lp, uint32_t sub,
			  uint32_t out[4])
{
	/* Level 0: SMT (type 1), one thread per core. Level 1: core (type 2), up to the package.
	 * Then the invalid level (type 0). EDX: the x2APIC id at every level. */
	out[3] = lp->x2apic_id;
	out[2] = sub & 0xFF;
	if (sub == 0) {
		out[0] = 0;
		out[1] = 1;
		out[2] |= 1u << 8;
	} else if (sub == 1) {
		out[0] = cpu->package_shift;
		out[1] = cpu->lps_per_package;
		out[2] |= 2u << 8;
	} else {
		out[0] = out[1] = 0;
	}
}

static void basic_leaf(const struct tdxsim_cpu *cpu, const struct tdxsim_lp *lp, uint32_t leaf, uint32_t sub,
		       uint32_t out[4])
{
	switch (leaf) {
	case 0:
		out[0] = cpu->model->max_basic_leaf;
		out[1] = 0x756E6547u; /* "Genu" */
		out[3] = 0x49656E69u; /* "ineI" */
		out[2] = 0x6C65746Eu; /* "ntel" */
		break;
	case 1: {
		uint32_t ids = cpu->lps_per_package > 255 ? 255 : cpu->lps_per_package;
		out[0] = cpu->fms;
		/* Initial APIC id (low byte of the x2APIC id), logical processors per package,
		 * CLFLUSH line size in quadwords (8 = 64 bytes). */
		out[1] = (lp->x2apic_id & 0xFF) << 24 | ids << 16 | 8u << 8;
		out[2] = LEAF1_ECX;
		out[3] = LEAF1_EDX;
		break;
	}
	case 7:
		if (sub == 0) {
			out[0] = 2; /* highest subleaf */
			out[1] = LEAF7_EBX;
			out[2] = LEAF7_ECX;
			out[3] = LEAF7_EDX;
		}
		break;
	case 0xB:
	case 0x1F:
		topology_leaf(cpu, lp, sub, out);
		break;
	default:
		break; /* not modelled: zeros */
	}
}

void tdxsim_cpu_cpuid(const struct tdxsim_cpu *cpu, uint32_t lp_index, uint32_t leaf, uint32_t subleaf,
		      uint32_t out[4])
{
	const struct tdxsim_lp *lp = &cpu->lps[lp_index];
	uint32_t max_basic = cpu->model->max_basic_leaf;

	memset(out, 0, 4 * sizeof(out[0]));
	/* Above the highest basic or extended leaf: the highest basic leaf (Intel SDM, CPUID). */
	if ((leaf > max_basic && leaf < 0x80000000u) || leaf > MAX_EXT_LEAF) {
		basic_leaf(cpu, lp, max_basic, subleaf, out);
		return;
	}
	if (leaf < 0x80000000u) {
		basic_leaf(cpu, lp, leaf, subleaf, out);
		return;
	}
	switch (leaf) {
	case 0x80000000u:
		out[0] = MAX_EXT_LEAF;
		break;
	case 0x80000001u:
		out[2] = BIT(0) | BIT(5) | BIT(8);			  /* LAHF, LZCNT, PREFETCHW */
		out[3] = BIT(11) | BIT(20) | BIT(26) | BIT(27) | BIT(29); /* SYSCALL, NX, 1G, RDTSCP, LM */
		break;
	case 0x80000008u:
		/* Physical address width as the CPU reports it, KeyID bits included: Linux
		 * subtracts MK_TME_KEYID_BITS itself (sheet 9). 57 linear bits with LA57. */
		out[0] = cpu->phys_bits | 57u << 8;
		break;
	default:
		break;
	}
}
