/* SPDX-License-Identifier: MIT */
/**
 * @file cpu.h
 * @brief Platform identity as host code reads it: CPUID per logical processor, the CPU and
 * module profiles behind it, and a YAML description of both.
 *
 * Before it touches TDX, host code checks the CPU: vendor and family/model (Linux sets its
 * partial-write bug bit for Sapphire and Emerald Rapids), the features its TDX code needs (VMX,
 * XSAVE, MOVDIR64B, SELFSNOOP, TME), the physical-address width (CPUID 0x80000008, from which
 * Linux subtracts the KeyID bits of IA32_TME_ACTIVATE) and the x2APIC topology (CPUID 0xB and
 * 0x1F, from which it derives packages). Sources: ABI sheet sections 9, 14.5 and 14.6; the
 * values each profile reports and which of them are assumptions: docs/lifecycle.md ("CPU").
 *
 * The CPU profile is chosen in tdxsim_config_t.cpu; the module profile in
 * tdxsim_config_t.module, and it changes when the host updates the module at runtime
 * (seamldr.h). Thread safety: as tdxsim.h.
 */
#ifndef TDXSIM_CPU_PUBLIC_H
#define TDXSIM_CPU_PUBLIC_H

#include "tdxsim/tdxsim.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The four registers CPUID returns. */
typedef struct tdxsim_cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
} tdxsim_cpuid_regs_t;

/* The feature bits host TDX code tests (sheet 12, 14.5), named after Linux's X86_FEATURE_*. */
#define TDXSIM_CPUID1_ECX_VMX	    (1u << 5)
#define TDXSIM_CPUID1_ECX_X2APIC    (1u << 21)
#define TDXSIM_CPUID1_ECX_XSAVE	    (1u << 26)
#define TDXSIM_CPUID1_EDX_SELFSNOOP (1u << 27)
#define TDXSIM_CPUID7_ECX_TME	    (1u << 13)
#define TDXSIM_CPUID7_ECX_MOVDIR64B (1u << 28)
/** CPUID(1).EAX of each profile (family 6; stepping bits 3:0). */
#define TDXSIM_FMS_SAPPHIRE_RAPIDS 0x000806F8u /* model 0x8F */
#define TDXSIM_FMS_EMERALD_RAPIDS  0x000C06F2u /* model 0xCF */
#define TDXSIM_FMS_GRANITE_RAPIDS  0x000A06D1u /* model 0xAD */

/**
 * CPUID on @p lp with EAX = @p leaf and ECX = @p subleaf. Leaves above the highest basic or
 * extended leaf return the highest basic leaf, as Intel CPUs do; leaves tdxsim does not model
 * inside the range read as zeros (docs/lifecycle.md lists the modelled ones).
 * @return TDXSIM_OK, TDXSIM_ERR_INVALID_ARG, TDXSIM_ERR_LP_OFFLINE
 */
TDXSIM_API tdxsim_err_t tdxsim_cpuid(tdxsim_t *sim, uint32_t lp, uint32_t leaf, uint32_t subleaf,
				     tdxsim_cpuid_regs_t *out);

/** The CPU profile @p sim was created with. */
TDXSIM_API tdxsim_cpu_profile_t tdxsim_cpu_profile(const tdxsim_t *sim);
/** "sapphire-rapids", "emerald-rapids", "granite-rapids"; NULL for an unknown value. */
TDXSIM_API const char *tdxsim_cpu_profile_name(tdxsim_cpu_profile_t profile);
/** Looks a CPU profile up by name (also "spr", "emr", "gnr"). @return false if unknown */
TDXSIM_API bool tdxsim_cpu_profile_by_name(const char *name, tdxsim_cpu_profile_t *out);
/** TDXSIM_ERRATUM_* bits a CPU profile has (what TDXSIM_ERRATA_FROM_CPU resolves to). */
TDXSIM_API uint32_t tdxsim_cpu_profile_errata(tdxsim_cpu_profile_t profile);
/** The errata @p sim runs with (tdxsim_config_t.errata after resolution). */
TDXSIM_API uint32_t tdxsim_errata(const tdxsim_t *sim);

/**
 * The module profile running now: the one chosen at create time, or the one a runtime update
 * installed (seamldr.h). Between P-SEAMLDR INSTALL and TDH.SYS.UPDATE it is already the new one.
 */
TDXSIM_API tdxsim_module_profile_t tdxsim_module_profile(const tdxsim_t *sim);
/** "1.5.05", "1.5.06", "1.0", "next"; NULL for an unknown value. */
TDXSIM_API const char *tdxsim_module_profile_name(tdxsim_module_profile_t profile);
/** Looks a module profile up by name (as above). @return false if unknown */
TDXSIM_API bool tdxsim_module_profile_by_name(const char *name, tdxsim_module_profile_t *out);
/** The version a module profile reports through TDH.SYS.RD (sheet 4.2). @return false if unknown */
TDXSIM_API bool tdxsim_module_profile_version(tdxsim_module_profile_t profile, uint16_t *major,
					      uint16_t *minor, uint16_t *update);

/**
 * Writes a YAML description of the platform's identity to @p buf: the CPU profile and
 * signature, the features host TDX code tests, the address width, the errata, every LP's
 * package and x2APIC id, the MSRs host code reads, and the module profile. The keys are the
 * ones a scenario file uses to choose profiles ("cpu:", "module:"; docs/lifecycle.md).
 * @return the length of the whole document (like snprintf; may exceed @p len, in which case
 *         the output is truncated and NUL-terminated), or 0 for a bad argument
 */
TDXSIM_API size_t tdxsim_identity_yaml(tdxsim_t *sim, char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif
