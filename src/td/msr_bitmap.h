/* SPDX-License-Identifier: MIT */
/* The TD's MSR exit bitmaps as the module's MNG.INIT leaves them (msr_bitmap.c). */
#ifndef TDXSIM_TD_MSR_BITMAP_H
#define TDXSIM_TD_MSR_BITMAP_H

#include <stdint.h>

#include "td/td.h"

/* Qword @elem (0-511) of the 4 KiB MSR bitmap page for a TD configured as @s (ATTRIBUTES,
 * XFAM, virtual CPUID): read bitmaps of MSRs 0-0x1FFF and 0xC0000000-0xC0001FFF, then the
 * write bitmaps, as VMX lays them out; 1 = the access exits. */
uint64_t tdxsim_td_msr_bitmap_qword(const struct tdxsim_tdcs *s, uint32_t elem);

#endif
