/* SPDX-License-Identifier: MIT */
/*
 * The module's CPUID virtualization for a TD (td-build.md Appendix A, module 1.5.05): its
 * 68-entry CPUID table with the per-register masks, the XFAM masks, the allowed family/model/
 * stepping list, and the derivation TDH.MNG.INIT runs over TD_PARAMS.CPUID_VALUES (A.3) to
 * produce the TD's virtual CPUID values (TDCS CPUID_VALUES, read back by TDH.MNG.RD class 0x14).
 * Pure functions of their inputs: the leaf gathers the platform's values and stores the result.
 */
#ifndef TDXSIM_TD_CPUID_CONFIG_H
#define TDXSIM_TD_CPUID_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "td/td.h"

#define TDXSIM_CPUID_NO_SUBLEAF 0xFFFFFFFFu /* CPUID_SUBLEAF_NA: the entry has no sub-leaf */
#define TDXSIM_CPUID_NUM_CONFIG 18	    /* configurable entries (TD_PARAMS.CPUID_VALUES) */

/* One entry of the lookup table (A.2). Registers in the order EAX, EBX, ECX, EDX. */
struct tdxsim_cpuid_entry {
	uint32_t leaf, subleaf;
	int8_t config_index; /* index in TD_PARAMS.CPUID_VALUES / SYS.RD CPUID_CONFIG, or -1 */
	bool faulting;	     /* CPUID_VALID = 0: the guest gets #VE */
	uint32_t config_direct[4], allow_direct[4], fixed0[4], fixed1[4];
};

/* The table in lookup (= processing) order, td-build.md A.2 (cpuid_table.c). */
extern const struct tdxsim_cpuid_entry tdxsim_cpuid_table[TDXSIM_NUM_CPUID_LEAVES];

/* Lookup index of (leaf, subleaf); an entry without a sub-leaf matches any. -1 if none. */
int tdxsim_cpuid_lookup(uint32_t leaf, uint32_t subleaf);

/* RCX of a CPUID_CONFIG failure and SYS.RD CPUID_CONFIG_LEAVES: leaf | subleaf << 32. */
uint64_t tdxsim_cpuid_leaf_subleaf(const struct tdxsim_cpuid_entry *e);

/* What MNG.INIT's CPUID step needs besides TD_PARAMS.CPUID_VALUES. */
struct tdxsim_cpuid_td {
	uint64_t attributes, xfam;
	uint16_t tsc_frequency;
	uint32_t platform_fms; /* SYS.INIT's platform F/M/S (package 0, lowest stepping) */
	bool tsx_ctrl;	       /* IA32_ARCH_CAPABILITIES bit 7 sampled at SYS.INIT */
	const uint8_t *config; /* TD_PARAMS + 256: 16 bytes per configurable entry */
	/* Native values per lookup index as SYS.INIT sampled them (leaf 1 EAX = platform FMS). */
	const uint32_t (*native)[4];
};

/* The result: TDCS CPUID_VALUES / CPUID_VALID, and what MNG.INIT records beside them. */
struct tdxsim_cpuid_out {
	uint32_t values[TDXSIM_NUM_CPUID_LEAVES][4];
	bool valid[TDXSIM_NUM_CPUID_LEAVES];
	uint64_t rcx; /* leaf | subleaf << 32 of a CPUID_CONFIG failure, else 0 */
};

/*
 * td-build.md 3.4 rows 25-29 / A.3: checks and derivation in lookup order, then the 0x1F
 * topology check. Returns 0, TDX_OPERAND_INVALID|CPUID_CONFIG (out->rcx set),
 * TDX_INCORRECT_MSR_VALUE|0x10A or TDX_CPUID_LEAF_1F_FORMAT_UNRECOGNIZED.
 */
uint64_t tdxsim_cpuid_configure(const struct tdxsim_cpuid_td *in, struct tdxsim_cpuid_out *out);

/* A.4: may a migratable TD claim F/M/S @v on a platform whose F/M/S is @platform? */
bool tdxsim_cpuid_fms_allowed(uint32_t v, uint32_t platform);

/* XBUFF (the TD's XSAVE buffer in the TDVPS, td-build.md 3.4 row 9): the compacted-format offset
 * of each XFAM component (0 when absent) and the total size, for a TD with @xfam. */
#define TDXSIM_XBUFF_COMPONENTS 19
uint32_t tdxsim_xbuff_layout(uint64_t xfam, uint32_t offsets[TDXSIM_XBUFF_COMPONENTS]);

#endif
