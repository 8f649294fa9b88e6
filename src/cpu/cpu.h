/* SPDX-License-Identifier: MIT */
/*
 * The CPU half of the platform: logical processors (LPs), their package topology, VMX
 * operation, virtual TSCs and the MSRs host TDX code reads (sheet section 9).
 * LP i belongs to package i / lps_per_package; its x2APIC id encodes the package in the bits
 * above the package shift, as CPUID leaf 0xB/0x1F would report it (sheet 7.2: the module
 * derives the package index from the x2APIC id).
 */
#ifndef TDXSIM_CPU_H
#define TDXSIM_CPU_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "tdxsim/tdxsim.h"

struct tdxsim_lp {
	uint32_t package;
	uint32_t x2apic_id;
	bool online;
	/* Written under the simulator's lock, read by tdxsim_lp_vmx_on() without it. */
	_Atomic bool vmx_on;
	uint64_t tsc; /* virtual cycles, advanced only by this LP's own operations */
	/* Host interrupts pending at the next interruption checks of long leaves (CACHE.WB...):
	 * each check that sees one consumes it (tdxsim_pend_host_interrupts, td.h). */
	uint32_t host_intr_pending;
};

/* A CPU model (cpuid.c): what CPUID reports beyond the topology, and its errata. */
struct tdxsim_cpu_model {
	const char *name; /* "sapphire-rapids" */
	uint32_t fms;	  /* CPUID(1).EAX */
	uint32_t max_basic_leaf;
	uint32_t errata; /* TDXSIM_ERRATUM_* the part has */
};

/* NULL for an unknown profile. */
const struct tdxsim_cpu_model *tdxsim_cpu_model_get(tdxsim_cpu_profile_t which);

struct tdxsim_cpu {
	const struct tdxsim_cpu_model *model;
	uint32_t fms;	    /* model->fms, kept here for the metadata view */
	uint32_t phys_bits; /* CPUID 0x80000008 EAX[7:0] (MAXPHYADDR, KeyID bits included) */
	uint32_t num_lps, num_packages, lps_per_package;
	uint32_t package_shift; /* x2APIC id bits below the package id */
	struct tdxsim_lp *lps;
	/* Platform-wide MSR values (every LP reads the same; per-LP skew is not modelled). */
	uint64_t msr_mktme_partitioning, msr_tme_capability, msr_tme_activate;
	uint64_t msr_seamrr_base, msr_seamrr_mask, msr_mtrrcap, msr_wbinvdp, msr_wbnoinvdp;
	uint64_t msr_misc_enable, msr_vmx_basic;
};

/* Builds the LPs and MSR values from the config (already validated). 0 or -1 (no memory). */
int tdxsim_cpu_init(struct tdxsim_cpu *cpu, const tdxsim_config_t *cfg);
void tdxsim_cpu_fini(struct tdxsim_cpu *cpu);
/* Snapshots (sim/snapshot.c): @saved becomes a copy with its own LP array (free it with
 * tdxsim_cpu_fini); restore copies it back into @cpu of the same simulator. save: 0 or -1. */
int tdxsim_cpu_save(const struct tdxsim_cpu *cpu, struct tdxsim_cpu *saved);
void tdxsim_cpu_restore(struct tdxsim_cpu *cpu, const struct tdxsim_cpu *saved);

/* RDMSR semantics: 0 and *value, or -1 for an MSR the platform does not implement (#GP). */
int tdxsim_cpu_rdmsr(const struct tdxsim_cpu *cpu, uint32_t msr, uint64_t *value);

/* CPUID on @lp (valid index): out[] = EAX, EBX, ECX, EDX (cpuid.c, docs/lifecycle.md). */
void tdxsim_cpu_cpuid(const struct tdxsim_cpu *cpu, uint32_t lp, uint32_t leaf, uint32_t subleaf,
		      uint32_t out[4]);

#endif
