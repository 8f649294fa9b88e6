/* SPDX-License-Identifier: MIT */
/*
 * TDMR validation: the rules TDH.SYS.CONFIG applies to each TDMR_INFO (sheet 6.3), as pure
 * functions over structures already copied out of simulated memory. The leaf handler
 * (seamcall/leaves/tdh_sys_config.c) reads entry i, checks its PA, then calls
 * tdxsim_tdmr_check() for i, with entries 0..i-1 already accepted; the first failure wins.
 */
#ifndef TDXSIM_TDMR_H
#define TDXSIM_TDMR_H

#include <stdint.h>

#include "tdxsim/tdxsim.h"

/* What the rules need to know about the platform and module. */
struct tdxsim_tdmr_limits {
	uint64_t keyid_mask;	     /* bits of a PA that hold the KeyID (must be 0) */
	uint16_t pamt_entry_size[3]; /* PAMT_4K/2M/1G_ENTRY_SIZE, indexed by TDXSIM_PS_* */
};

/*
 * Checks TDMR @i of @tdmrs (entries 0..i-1 already passed) against rules 1-11 of sheet 6.3,
 * in the sheet's order, with @cmrs (num_cmrs entries, size 0 = unused, ascending; a CMR that
 * starts where the previous non-empty one ends is merged with it).
 * Returns TDXSIM_TDX_SUCCESS or the status with its packed details
 * (byte0 | byte1 << 8 | byte2 << 16), e.g. TDXSIM_TDX_INVALID_RESERVED_IN_TDMR | i | j << 8.
 */
uint64_t tdxsim_tdmr_check(const struct tdxsim_tdmr_info *tdmrs, unsigned i, const tdxsim_range_t *cmrs,
			   unsigned num_cmrs, const struct tdxsim_tdmr_limits *lim);

/* Minimum PAMT size for a TDMR of @tdmr_size at @level (entries x entry size, 4K aligned). */
uint64_t tdxsim_tdmr_pamt_min_size(uint64_t tdmr_size, unsigned level, const struct tdxsim_tdmr_limits *lim);

/* Packs up to three detail bytes into the low 32 bits of a status (sheet 6.3). */
static inline uint64_t tdxsim_tdmr_details(uint64_t status, unsigned b0, unsigned b1, unsigned b2)
{
	return status | (uint64_t)(b0 & 0xFF) | (uint64_t)(b1 & 0xFF) << 8 | (uint64_t)(b2 & 0xFF) << 16;
}

#endif
