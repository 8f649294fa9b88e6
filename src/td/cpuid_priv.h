/* SPDX-License-Identifier: MIT */
/* Private to td/cpuid_*.c: the XFAM mask table (td-build.md A.2b). */
#ifndef TDXSIM_TD_CPUID_PRIV_H
#define TDXSIM_TD_CPUID_PRIV_H

#include <stdint.h>

/* Which entry a mask applies to. */
enum { XT_1, XT_7_0, XT_7_1, XT_D_0, XT_D_1 };

struct tdxsim_cpuid_xfam_mask {
	uint8_t table, xfam_bit;
	uint32_t clear[4];
};

#define TDXSIM_CPUID_NUM_XFAM_MASKS 29
extern const struct tdxsim_cpuid_xfam_mask tdxsim_cpuid_xfam_masks[TDXSIM_CPUID_NUM_XFAM_MASKS];

#endif
