/* SPDX-License-Identifier: MIT */
/*
 * TDH.SYS.CONFIG per-TDMR rules (sheet 6.3): one table row per rule and per detail-byte case.
 * Each row patches a valid baseline layout (3 TDMRs, PAMTs in reserved areas, 3 CMRs) and
 * expects the full 64-bit status for one TDMR index. Rows whose expectation depends on an
 * order the sheet leaves open follow intel/tdx-module tdx_1.5 tdh_sys_config.c (see
 * src/tdmr/tdmr_check.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "core/util.h"
#include "tdmr/tdmr.h"

#define K    (UINT64_C(1) << 10)
#define M    (UINT64_C(1) << 20)
#define G    (UINT64_C(1) << 30)
#define PA52 (UINT64_C(1) << 52)
/* A platform with 6 KeyID bits: 51:46. */
#define KEYID_MASK (PA52 - (UINT64_C(1) << 46))

#define NUM_TDMRS     3
#define MAX_TEST_CMRS 8

/* Expected status with its detail bytes, packed independently of the code under test. */
#define ST(s, b0, b1, b2) ((s) | (uint64_t)(b0) | (uint64_t)(b1) << 8 | (uint64_t)(b2) << 16)
#define OK		  TDXSIM_TDX_SUCCESS
#define INVALID_TDMR	  TDXSIM_TDX_INVALID_TDMR
#define NON_ORDERED_TDMR  TDXSIM_TDX_NON_ORDERED_TDMR
#define TDMR_OUTSIDE_CMRS TDXSIM_TDX_TDMR_OUTSIDE_CMRS
#define INVALID_PAMT	  TDXSIM_TDX_INVALID_PAMT
#define PAMT_OUTSIDE_CMRS TDXSIM_TDX_PAMT_OUTSIDE_CMRS
#define PAMT_OVERLAP	  TDXSIM_TDX_PAMT_OVERLAP
#define INVALID_RSVD	  TDXSIM_TDX_INVALID_RESERVED_IN_TDMR
#define NON_ORDERED_RSVD  TDXSIM_TDX_NON_ORDERED_RESERVED_IN_TDMR

struct layout {
	struct tdxsim_tdmr_info t[NUM_TDMRS];
	tdxsim_range_t cmr[MAX_TEST_CMRS];
	uint64_t num_cmrs;
};

/*
 * Baseline, all checks pass for i = 0, 1, 2:
 *  TDMR0 [0, 1G):  reserved [0, 1M) (a CMR hole) and its PAMT block at 512M (4M + 8K + 4K).
 *  TDMR1 [2G, 4G): reserved its PAMT block at 3G (8M + 16K + 4K) and [3.5G, 3.75G) (a CMR hole).
 *  TDMR2 [4G, 5G): reserved its PAMT block at 4.5G (4M + 8K + 4K).
 *  CMRs [1M, 1G), [2G, 3.5G), [3.75G, 5G).
 * Every PAMT has exactly the minimum size, and each block's PAMTs touch (4K, 2M, 1G).
 */
/* clang-format off */
static const struct layout baseline = {
	.t = {
		{ .base = 0, .size = G,
		  .pamt_4k_base = 512 * M, .pamt_4k_size = 4 * M,
		  .pamt_2m_base = 516 * M, .pamt_2m_size = 8 * K,
		  .pamt_1g_base = 516 * M + 8 * K, .pamt_1g_size = 4 * K,
		  .reserved_areas = { { 0, M }, { 512 * M, 4 * M + 12 * K } } },
		{ .base = 2 * G, .size = 2 * G,
		  .pamt_4k_base = 3 * G, .pamt_4k_size = 8 * M,
		  .pamt_2m_base = 3 * G + 8 * M, .pamt_2m_size = 16 * K,
		  .pamt_1g_base = 3 * G + 8 * M + 16 * K, .pamt_1g_size = 4 * K,
		  .reserved_areas = { { G, 8 * M + 20 * K }, { 3 * G / 2, 256 * M } } },
		{ .base = 4 * G, .size = G,
		  .pamt_4k_base = 4 * G + 512 * M, .pamt_4k_size = 4 * M,
		  .pamt_2m_base = 4 * G + 516 * M, .pamt_2m_size = 8 * K,
		  .pamt_1g_base = 4 * G + 516 * M + 8 * K, .pamt_1g_size = 4 * K,
		  .reserved_areas = { { 512 * M, 4 * M + 12 * K } } },
	},
	.cmr = { { M, G - M, 0 }, { 2 * G, 3 * G / 2, 0 }, { 15 * G / 4, 5 * G / 4, 0 } },
	.num_cmrs = 3,
};
/* clang-format on */

/* Patch targets: a uint64_t field of the layout, by offset. */
#define T(i, f)	       offsetof(struct layout, t[i].f)
#define RSV_OFF(i, k)  T(i, reserved_areas[k].offset)
#define RSV_SIZE(i, k) T(i, reserved_areas[k].size)
#define CMR_BASE(k)    offsetof(struct layout, cmr[k].base)
#define CMR_SIZE(k)    offsetof(struct layout, cmr[k].size)
#define NUM_CMRS       offsetof(struct layout, num_cmrs)

struct patch {
	bool used;
	size_t off;
	uint64_t val;
};
#define P(o, v)                \
	{                      \
		true, (o), (v) \
	}

struct row {
	const char *name;
	struct patch p[10];
	unsigned idx;	/* TDMR index checked; entries before it are valid in every row */
	bool no_keyids; /* platform without KeyID bits, to test the 2^52 limit alone */
	uint64_t expect;
};

/* clang-format off */
static struct row rows[] = {
	{ "baseline__tdmr0__success", { { 0 } }, 0, false, OK },
	{ "baseline__tdmr1__success", { { 0 } }, 1, false, OK },
	{ "baseline__tdmr2__success", { { 0 } }, 2, false, OK },

	/* Rule 1: base + size must be representable; it is tested before the order (rule 2). */
	{ "rule1__end_is_2pow64__invalid_tdmr",
	  { P(T(1, size), 0 - 2 * G) }, 1, false, ST(INVALID_TDMR, 1, 0, 0) },
	{ "rule1__before_rule2__invalid_tdmr",
	  { P(T(2, base), G), P(T(2, size), UINT64_MAX) }, 2, false, ST(INVALID_TDMR, 2, 0, 0) },

	/* Rules 2, 3: ascending and disjoint with TDMR i - 1; touching is the baseline. */
	{ "rule2__base_below_previous__non_ordered",
	  { P(T(2, base), G) }, 2, false, ST(NON_ORDERED_TDMR, 2, 0, 0) },
	{ "rule3__overlaps_previous__non_ordered",
	  { P(T(2, base), 3 * G) }, 2, false, ST(NON_ORDERED_TDMR, 2, 0, 0) },
	{ "rule3__before_rule4__non_ordered",
	  { P(T(2, base), 3 * G + 2 * M) }, 2, false, ST(NON_ORDERED_TDMR, 2, 0, 0) },

	/* Rule 4: 1 GiB granularity, size not 0. */
	{ "rule4__base_not_1g_aligned__invalid_tdmr",
	  { P(T(2, base), 4 * G + 2 * M) }, 2, false, ST(INVALID_TDMR, 2, 0, 0) },
	{ "rule4__size_not_1g_multiple__invalid_tdmr",
	  { P(T(1, size), 2 * G - 4 * K) }, 1, false, ST(INVALID_TDMR, 1, 0, 0) },
	{ "rule4__size_zero__invalid_tdmr", { P(T(2, size), 0) }, 2, false, ST(INVALID_TDMR, 2, 0, 0) },

	/* Rule 5: base and last byte below 2^52, no KeyID bits. */
	{ "rule5__base_at_2pow52__invalid_tdmr",
	  { P(T(2, base), PA52) }, 2, true, ST(INVALID_TDMR, 2, 0, 0) },
	{ "rule5__last_byte_at_2pow52__invalid_tdmr",
	  { P(T(2, base), PA52 - G), P(T(2, size), 2 * G) }, 2, true, ST(INVALID_TDMR, 2, 0, 0) },
	/* Passes rule 5 (last byte 2^52 - 1) and fails only much later, at rule 11. */
	{ "rule5__last_byte_below_2pow52__passes_to_rule11",
	  { P(T(2, base), PA52 - G) }, 2, true, ST(TDMR_OUTSIDE_CMRS, 2, 0, 0) },
	{ "rule5__keyid_bits_in_base__invalid_tdmr",
	  { P(T(2, base), UINT64_C(1) << 46) }, 2, false, ST(INVALID_TDMR, 2, 0, 0) },
	{ "rule5__keyid_bits_in_last_byte__invalid_tdmr",
	  { P(T(2, base), (UINT64_C(1) << 46) - G), P(T(2, size), 2 * G) },
	  2, false, ST(INVALID_TDMR, 2, 0, 0) },

	/* Rule 6: a null entry requires the next one to be null; b1 is the null entry. */
	{ "rule6__null_then_used__b1_is_null_entry",
	  { P(RSV_OFF(1, 3), 7 * G / 4), P(RSV_SIZE(1, 3), 4 * K) },
	  1, false, ST(NON_ORDERED_RSVD, 1, 2, 0) },
	{ "rule6__entries_3_4_null_5_used__b1_is_4",
	  { P(RSV_OFF(1, 2), 7 * G / 4), P(RSV_SIZE(1, 2), 4 * K), P(RSV_OFF(1, 5), 7 * G / 4 + 4 * K),
	    P(RSV_SIZE(1, 5), 4 * K) }, 1, false, ST(NON_ORDERED_RSVD, 1, 4, 0) },
	{ "rule6__last_entry_used_after_null__b1_is_14",
	  { P(RSV_OFF(1, 15), 7 * G / 4), P(RSV_SIZE(1, 15), 4 * K) },
	  1, false, ST(NON_ORDERED_RSVD, 1, 14, 0) },
	{ "rule6__null_entry_offset_ignored__success", { P(RSV_OFF(1, 2), UINT64_MAX) }, 1, false, OK },
	{ "rule6a__offset_plus_size_wraps__invalid_reserved",
	  { P(RSV_OFF(1, 1), 4 * K), P(RSV_SIZE(1, 1), UINT64_MAX) }, 1, false, ST(INVALID_RSVD, 1, 1, 0) },
	{ "rule6b__offset_below_previous__non_ordered_reserved",
	  { P(RSV_OFF(1, 1), 512 * M), P(RSV_SIZE(1, 1), 4 * K) }, 1, false, ST(NON_ORDERED_RSVD, 1, 1, 0) },
	{ "rule6b__before_6d__non_ordered_reserved",
	  { P(RSV_OFF(1, 1), 512 * M + 1) }, 1, false, ST(NON_ORDERED_RSVD, 1, 1, 0) },
	{ "rule6c__overlaps_previous__non_ordered_reserved",
	  { P(RSV_OFF(1, 1), G + 4 * K) }, 1, false, ST(NON_ORDERED_RSVD, 1, 1, 0) },
	{ "rule6c__touching_previous__success",
	  { P(RSV_OFF(1, 2), 7 * G / 4), P(RSV_SIZE(1, 2), 4 * K) }, 1, false, OK },
	{ "rule6d__offset_not_4k_aligned__invalid_reserved",
	  { P(RSV_OFF(1, 1), 3 * G / 2 + 2 * K) }, 1, false, ST(INVALID_RSVD, 1, 1, 0) },
	{ "rule6d__size_not_4k_aligned__invalid_reserved",
	  { P(RSV_SIZE(1, 1), 256 * M + 1) }, 1, false, ST(INVALID_RSVD, 1, 1, 0) },
	{ "rule6e__area_past_tdmr_end__invalid_reserved",
	  { P(RSV_SIZE(1, 1), G) }, 1, false, ST(INVALID_RSVD, 1, 1, 0) },
	{ "rule6e__area_ends_at_tdmr_end__success", { P(RSV_SIZE(1, 1), 512 * M) }, 1, false, OK },
	{ "rule6e__base_plus_offset_wraps__invalid_reserved",
	  { P(RSV_OFF(1, 1), UINT64_C(0xFFFFFFFF80000000)), P(RSV_SIZE(1, 1), 4 * K) },
	  1, false, ST(INVALID_RSVD, 1, 1, 0) },
	{ "rule6__before_rule7__invalid_reserved",
	  { P(RSV_SIZE(0, 1), 4 * M + 12 * K + 1), P(T(0, pamt_1g_size), 0) },
	  0, false, ST(INVALID_RSVD, 0, 1, 0) },

	/* Rule 7: levels 1G, 2M, 4K in that order; b1 = level (0 = 4K, 1 = 2M, 2 = 1G). */
	{ "rule7__pamt_1g_size_zero__invalid_pamt_1g",
	  { P(T(1, pamt_1g_size), 0) }, 1, false, ST(INVALID_PAMT, 1, 2, 0) },
	{ "rule7__1g_before_4k__invalid_pamt_1g",
	  { P(T(1, pamt_4k_size), 4 * K), P(T(1, pamt_1g_base), 3 * G + 1) },
	  1, false, ST(INVALID_PAMT, 1, 2, 0) },
	{ "rule7__2m_before_4k__invalid_pamt_2m",
	  { P(T(1, pamt_2m_size), 8 * K), P(T(1, pamt_4k_base), 3 * G + 16) },
	  1, false, ST(INVALID_PAMT, 1, 1, 0) },
	{ "rule7__pamt_4k_one_page_short__invalid_pamt_4k",
	  { P(T(1, pamt_4k_size), 8 * M - 4 * K) }, 1, false, ST(INVALID_PAMT, 1, 0, 0) },
	{ "rule7__pamt_base_not_4k_aligned__invalid_pamt_4k",
	  { P(T(1, pamt_4k_base), 3 * G + 16) }, 1, false, ST(INVALID_PAMT, 1, 0, 0) },
	{ "rule7__pamt_size_not_4k_aligned__invalid_pamt_1g",
	  { P(T(1, pamt_1g_size), 4 * K + 16) }, 1, false, ST(INVALID_PAMT, 1, 2, 0) },
	{ "rule7__pamt_base_plus_size_wraps__invalid_pamt_4k",
	  { P(T(1, pamt_4k_base), 0 - 4 * M) }, 1, false, ST(INVALID_PAMT, 1, 0, 0) },
	{ "rule7__pamt_base_at_2pow52__invalid_pamt_2m",
	  { P(T(1, pamt_2m_base), PA52) }, 1, true, ST(INVALID_PAMT, 1, 1, 0) },
	{ "rule7__pamt_end_past_2pow52__invalid_pamt_4k",
	  { P(T(1, pamt_4k_base), PA52 - 4 * M) }, 1, true, ST(INVALID_PAMT, 1, 0, 0) },
	{ "rule7__pamt_keyid_bits__invalid_pamt_1g",
	  { P(T(1, pamt_1g_base), UINT64_C(1) << 47) }, 1, false, ST(INVALID_PAMT, 1, 2, 0) },

	/* Rule 8: against earlier TDMRs' PAMTs, j outer, levels 4K, 2M, 1G inner; (i, level, j). */
	{ "rule8__4k_pamt_overlaps_earlier_pamt__b2_is_j",
	  { P(T(2, pamt_4k_base), 516 * M) }, 2, false, ST(PAMT_OVERLAP, 2, 0, 0) },
	{ "rule8__1g_pamt_overlaps_tdmr1_pamt",
	  { P(T(2, pamt_1g_base), 3 * G + 8 * M + 16 * K) }, 2, false, ST(PAMT_OVERLAP, 2, 2, 1) },
	{ "rule8__earlier_tdmr_loop_is_outer",
	  { P(T(2, pamt_2m_base), 512 * M), P(T(2, pamt_4k_base), 3 * G) },
	  2, false, ST(PAMT_OVERLAP, 2, 1, 0) },
	{ "rule8__levels_4k_first",
	  { P(T(2, pamt_4k_base), 3 * G), P(T(2, pamt_1g_base), 3 * G + 8 * M + 16 * K) },
	  2, false, ST(PAMT_OVERLAP, 2, 0, 1) },
	{ "rule8__before_rule8a",
	  { P(T(2, pamt_4k_base), 516 * M), P(T(2, pamt_2m_base), 517 * M) },
	  2, false, ST(PAMT_OVERLAP, 2, 0, 0) },

	/* Rule 8a: the PAMTs of TDMR i among themselves; (i, lower level of the pair, i). */
	{ "rule8a__4k_overlaps_2m__b2_is_i",
	  { P(T(1, pamt_2m_base), 3 * G + 4 * M) }, 1, false, ST(PAMT_OVERLAP, 1, 0, 1) },
	{ "rule8a__4k_overlaps_1g", { P(T(1, pamt_1g_base), 3 * G) }, 1, false, ST(PAMT_OVERLAP, 1, 0, 1) },
	{ "rule8a__2m_overlaps_1g",
	  { P(T(1, pamt_1g_base), 3 * G + 8 * M + 4 * K) }, 1, false, ST(PAMT_OVERLAP, 1, 1, 1) },

	/* Rule 9: PAMTs against non-reserved parts; (owner of the PAMT, level, other TDMR). */
	{ "rule9__pamt_in_own_free_part",
	  { P(T(1, pamt_1g_base), 2 * G) }, 1, false, ST(PAMT_OVERLAP, 1, 2, 1) },
	{ "rule9__pamt_partly_outside_reserved_area",
	  { P(RSV_SIZE(1, 0), 8 * M + 16 * K) }, 1, false, ST(PAMT_OVERLAP, 1, 2, 1) },
	{ "rule9__pamt_in_earlier_tdmr_free_part",
	  { P(T(2, pamt_1g_base), 256 * M) }, 2, false, ST(PAMT_OVERLAP, 2, 2, 0) },
	{ "rule9__earlier_pamt_in_this_tdmr_free_part__owner_is_j",
	  { P(T(0, pamt_1g_base), 4 * G + 4 * K) }, 2, false, ST(PAMT_OVERLAP, 0, 2, 2) },
	{ "rule9__earlier_pamt_in_later_tdmr__earlier_tdmr_passes",
	  { P(T(0, pamt_1g_base), 4 * G + 4 * K) }, 0, false, OK },
	{ "rule9__levels_4k_first",
	  { P(T(2, pamt_4k_base), 256 * M), P(T(2, pamt_2m_base), 128 * M) },
	  2, false, ST(PAMT_OVERLAP, 2, 0, 0) },
	{ "rule9__earlier_pamts_levels_4k_first",
	  { P(T(0, pamt_4k_base), 4 * G + 64 * M), P(T(0, pamt_1g_base), 4 * G + 4 * K) },
	  2, false, ST(PAMT_OVERLAP, 0, 0, 2) },
	{ "rule9__j_ascending_outer_loop",
	  { P(T(0, pamt_1g_base), 4 * G + 4 * K), P(T(2, pamt_4k_base), 9 * G / 4) },
	  2, false, ST(PAMT_OVERLAP, 0, 2, 2) },
	{ "rule9__own_pamts_before_earlier_pamts",
	  { P(T(0, pamt_1g_base), 4 * G + 4 * K), P(T(2, pamt_4k_base), 256 * M) },
	  2, false, ST(PAMT_OVERLAP, 2, 0, 0) },
	{ "rule9__pamt_in_other_tdmr_reserved_area__success",
	  { P(RSV_SIZE(1, 0), 20 * M), P(RSV_SIZE(2, 0), 0), P(T(2, pamt_4k_base), 3 * G + 12 * M),
	    P(T(2, pamt_2m_base), 3 * G + 16 * M), P(T(2, pamt_1g_base), 3 * G + 16 * M + 8 * K) },
	  2, false, OK },
	{ "rule9__pamt_in_reserved_hole__passes_to_rule10",
	  { P(T(1, pamt_1g_base), 7 * G / 2) }, 1, false, ST(PAMT_OUTSIDE_CMRS, 1, 2, 0) },

	/* Rule 10: each PAMT in one merged CMR, levels 1G, 2M, 4K; (i, level). */
	{ "rule10__2m_before_4k",
	  { P(T(1, pamt_2m_base), 7 * G / 2), P(T(1, pamt_4k_base), 7 * G / 2 + 64 * M) },
	  1, false, ST(PAMT_OUTSIDE_CMRS, 1, 1, 0) },
	{ "rule10__pamt_between_tdmrs_outside_cmrs",
	  { P(T(0, pamt_1g_base), 3 * G / 2) }, 0, false, ST(PAMT_OUTSIDE_CMRS, 0, 2, 0) },
	{ "rule10__no_cmrs__pamt_1g_first", { P(NUM_CMRS, 0) }, 0, false, ST(PAMT_OUTSIDE_CMRS, 0, 2, 0) },
	{ "rule10__pamt_spans_adjacent_cmrs__merged_success",
	  { P(CMR_SIZE(1), G + 4 * M), P(CMR_BASE(2), 3 * G + 4 * M), P(CMR_SIZE(2), G / 2 - 4 * M),
	    P(CMR_BASE(3), 15 * G / 4), P(CMR_SIZE(3), 5 * G / 4), P(NUM_CMRS, 4) }, 1, false, OK },
	{ "rule10__empty_cmr_between_adjacent_cmrs__merged_success",
	  { P(CMR_SIZE(1), G + 4 * M), P(CMR_BASE(2), 0), P(CMR_SIZE(2), 0), P(CMR_BASE(3), 3 * G + 4 * M),
	    P(CMR_SIZE(3), G / 2 - 4 * M), P(CMR_BASE(4), 15 * G / 4), P(CMR_SIZE(4), 5 * G / 4),
	    P(NUM_CMRS, 5) }, 1, false, OK },
	{ "rule10__pamt_spans_cmr_gap__pamt_outside_cmrs",
	  { P(CMR_SIZE(1), G + 4 * M), P(CMR_BASE(2), 3 * G + 4 * M + 4 * K),
	    P(CMR_SIZE(2), G / 2 - 4 * M - 4 * K), P(CMR_BASE(3), 15 * G / 4), P(CMR_SIZE(3), 5 * G / 4),
	    P(NUM_CMRS, 4) }, 1, false, ST(PAMT_OUTSIDE_CMRS, 1, 0, 0) },
	{ "rule10__overlapping_cmrs_are_not_merged",
	  { P(CMR_SIZE(1), G + 4 * M), P(CMR_BASE(2), 3 * G + 2 * M), P(CMR_SIZE(2), G / 2 - 2 * M),
	    P(CMR_BASE(3), 15 * G / 4), P(CMR_SIZE(3), 5 * G / 4), P(NUM_CMRS, 4) },
	  1, false, ST(PAMT_OUTSIDE_CMRS, 1, 0, 0) },

	/* Rule 11: every non-reserved span in one merged CMR; b0 = i. */
	{ "rule11__cmr_hole_under_free_part__tdmr_outside_cmrs",
	  { P(RSV_SIZE(1, 1), 0) }, 1, false, ST(TDMR_OUTSIDE_CMRS, 1, 0, 0) },
	{ "rule11__new_cmr_hole_under_free_part__tdmr_outside_cmrs",
	  { P(CMR_SIZE(2), G / 2), P(CMR_BASE(3), 17 * G / 4 + 4 * K), P(CMR_SIZE(3), 3 * G / 4 - 4 * K),
	    P(NUM_CMRS, 4) }, 2, false, ST(TDMR_OUTSIDE_CMRS, 2, 0, 0) },
	{ "rule11__cmr_hole_covered_by_reserved_area__success",
	  { P(RSV_OFF(2, 0), G / 4), P(RSV_SIZE(2, 0), 4 * K), P(RSV_OFF(2, 1), 512 * M),
	    P(RSV_SIZE(2, 1), 4 * M + 12 * K), P(CMR_SIZE(2), G / 2), P(CMR_BASE(3), 17 * G / 4 + 4 * K),
	    P(CMR_SIZE(3), 3 * G / 4 - 4 * K), P(NUM_CMRS, 4) }, 2, false, OK },
	{ "rule11__free_span_across_adjacent_cmrs__merged_success",
	  { P(CMR_SIZE(2), G / 2), P(CMR_BASE(3), 17 * G / 4), P(CMR_SIZE(3), 3 * G / 4), P(NUM_CMRS, 4) },
	  2, false, OK },
	{ "rule11__free_tail_past_cmr_end__tdmr_outside_cmrs",
	  { P(CMR_SIZE(2), 5 * G / 4 - 4 * K) }, 2, false, ST(TDMR_OUTSIDE_CMRS, 2, 0, 0) },
	{ "rule11__fully_reserved_tdmr_needs_no_cmr__success",
	  { P(RSV_OFF(2, 0), 0), P(RSV_SIZE(2, 0), G), P(CMR_SIZE(2), 3 * G / 4 + 8 * M) }, 2, false, OK },
};
/* clang-format on */

static struct tdxsim_tdmr_limits limits(bool no_keyids)
{
	return (struct tdxsim_tdmr_limits){
		.keyid_mask = no_keyids ? 0 : KEYID_MASK,
		.pamt_entry_size = {16, 16, 16},
	};
}

static void apply(struct layout *l, const struct patch *p, size_t n)
{
	for (size_t k = 0; k < n && p[k].used; k++) {
		assert_true(p[k].off + sizeof(uint64_t) <= sizeof(*l));
		memcpy((char *)l + p[k].off, &p[k].val, sizeof(uint64_t));
	}
}

static void run_row(void **state)
{
	const struct row *r = *state;
	struct layout l = baseline;
	struct tdxsim_tdmr_limits lim = limits(r->no_keyids);
	uint64_t got;

	apply(&l, r->p, TDXSIM_ARRAY_SIZE(r->p));
	/* The leaf only asks about TDMR i once 0..i-1 passed; every row keeps that true. */
	for (unsigned j = 0; j < r->idx; j++)
		assert_int_equal(tdxsim_tdmr_check(l.t, j, l.cmr, (unsigned)l.num_cmrs, &lim), OK);
	got = tdxsim_tdmr_check(l.t, r->idx, l.cmr, (unsigned)l.num_cmrs, &lim);
	if (got != r->expect)
		print_error("%s: got 0x%016llx, expected 0x%016llx\n", r->name, (unsigned long long)got,
			    (unsigned long long)r->expect);
	assert_int_equal(got, r->expect);
}

static void pamt_min_size__per_level(void **state)
{
	struct tdxsim_tdmr_limits lim = limits(false);

	(void)state;
	assert_int_equal(tdxsim_tdmr_pamt_min_size(G, TDXSIM_PS_4K, &lim), 4 * M);
	assert_int_equal(tdxsim_tdmr_pamt_min_size(G, TDXSIM_PS_2M, &lim), 8 * K);
	assert_int_equal(tdxsim_tdmr_pamt_min_size(G, TDXSIM_PS_1G, &lim), 4 * K);
	assert_int_equal(tdxsim_tdmr_pamt_min_size(30 * G, TDXSIM_PS_4K, &lim), 120 * M);
	assert_int_equal(tdxsim_tdmr_pamt_min_size(300 * G, TDXSIM_PS_1G, &lim), 8 * K);
	assert_int_equal(tdxsim_tdmr_pamt_min_size(G, 3, &lim), 0);
	assert_int_equal(tdxsim_tdmr_pamt_min_size(G, TDXSIM_PS_4K, NULL), 0);
	/* A minimum that does not fit in 64 bits saturates instead of wrapping. */
	lim.pamt_entry_size[TDXSIM_PS_4K] = 0xFFFF;
	assert_int_equal(tdxsim_tdmr_pamt_min_size(UINT64_MAX, TDXSIM_PS_4K, &lim), UINT64_MAX);
}

/* 16 used reserved areas are allowed; a null entry before the last one is not. */
static void rule6__sixteen_used_areas(void **state)
{
	struct layout l = baseline;
	struct tdxsim_tdmr_limits lim = limits(false);
	struct tdxsim_tdmr_reserved_area *ra = l.t[2].reserved_areas;

	(void)state;
	for (unsigned k = 0; k < 15; k++)
		ra[k] = (struct tdxsim_tdmr_reserved_area){k * 8 * K, 4 * K};
	ra[15] = (struct tdxsim_tdmr_reserved_area){512 * M, 4 * M + 12 * K};
	assert_int_equal(tdxsim_tdmr_check(l.t, 2, l.cmr, 3, &lim), OK);
	ra[14].size = 0;
	assert_int_equal(tdxsim_tdmr_check(l.t, 2, l.cmr, 3, &lim), ST(NON_ORDERED_RSVD, 2, 14, 0));
}

static void misuse__null_arguments_do_not_crash(void **state)
{
	struct layout l = baseline;
	struct tdxsim_tdmr_limits lim = limits(false);

	(void)state;
	assert_int_equal(tdxsim_tdmr_check(NULL, 0, l.cmr, 3, &lim), ST(INVALID_TDMR, 0, 0, 0));
	assert_int_equal(tdxsim_tdmr_check(l.t, 1, l.cmr, 3, NULL), ST(INVALID_TDMR, 1, 0, 0));
	/* No CMR list at all: the first PAMT checked (1G) is outside. */
	assert_int_equal(tdxsim_tdmr_check(l.t, 0, NULL, 5, &lim), ST(PAMT_OUTSIDE_CMRS, 0, 2, 0));
}

/* Adds [start, start + size) to @t as a reserved area, keeping the list sorted by offset. */
static void add_reserved(struct tdxsim_tdmr_info *t, uint64_t start, uint64_t size)
{
	unsigned n = 0;

	while (n < TDXSIM_TDMR_MAX_RESERVED && t->reserved_areas[n].size != 0)
		n++;
	assert_true(n < TDXSIM_TDMR_MAX_RESERVED);
	while (n > 0 && t->reserved_areas[n - 1].offset > start - t->base) {
		t->reserved_areas[n] = t->reserved_areas[n - 1];
		n--;
	}
	t->reserved_areas[n] = (struct tdxsim_tdmr_reserved_area){start - t->base, size};
}

/*
 * What Linux builds (sheet 6.3 "Sizes"): one TDMR per RAM range rounded out to 1 GiB, each
 * PAMT block (4K, 2M, 1G back to back, minimum sizes) taken from RAM, and every PAMT block and
 * memory hole inside a TDMR marked reserved there. TDMR2's block sits in TDMR1's memory.
 */
static void linux_layout__all_tdmrs_pass(void **state)
{
	static const tdxsim_range_t ram[] = {
		{M, 2 * G - M, 0},
		{4 * G, 30 * G, 0},
		{36 * G, 9 * G / 2, 1},
	};
	struct tdxsim_tdmr_limits lim = limits(false);
	struct tdxsim_tdmr_info t[3];
	uint64_t block_base[3];
	uint64_t block_end = 34 * G, ram_end;

	(void)state;
	memset(t, 0, sizeof(t));
	for (unsigned i = 0; i < 3; i++) {
		t[i].base = tdxsim_align_down(ram[i].base, G);
		t[i].size = tdxsim_align_up(ram[i].base + ram[i].size, G) - t[i].base;
	}
	for (unsigned i = 0; i < 3; i++) {
		uint64_t s4k = tdxsim_tdmr_pamt_min_size(t[i].size, TDXSIM_PS_4K, &lim);
		uint64_t s2m = tdxsim_tdmr_pamt_min_size(t[i].size, TDXSIM_PS_2M, &lim);
		uint64_t s1g = tdxsim_tdmr_pamt_min_size(t[i].size, TDXSIM_PS_1G, &lim);
		uint64_t total = s4k + s2m + s1g;

		/* TDMR0 at the top of its own RAM; TDMR1 and TDMR2 stacked below 34G. */
		if (i == 0) {
			block_base[i] = 2 * G - total;
		} else {
			block_base[i] = block_end - total;
			block_end = block_base[i] - 2 * M;
		}
		t[i].pamt_4k_base = block_base[i];
		t[i].pamt_4k_size = s4k;
		t[i].pamt_2m_base = block_base[i] + s4k;
		t[i].pamt_2m_size = s2m;
		t[i].pamt_1g_base = block_base[i] + s4k + s2m;
		t[i].pamt_1g_size = s1g;
		for (unsigned j = 0; j < 3; j++) {
			if (tdxsim_range_contains(t[j].base, t[j].size, block_base[i], total))
				add_reserved(&t[j], block_base[i], total);
		}
	}
	assert_int_equal(t[1].pamt_4k_size, 120 * M);
	/* Holes: the first 1 MiB, and the tail of the last range's 1 GiB. */
	add_reserved(&t[0], 0, M);
	ram_end = ram[2].base + ram[2].size;
	add_reserved(&t[2], ram_end, t[2].base + t[2].size - ram_end);
	/* TDMR1 holds TDMR2's block below its own: its own block is reserved area 1. */
	assert_int_equal(t[1].reserved_areas[1].offset, block_base[1] - t[1].base);

	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(tdxsim_tdmr_check(t, i, ram, 3, &lim), OK);
}

/* Random mutations of the baseline: never a crash (ASan/UBSan), only the statuses of 6.3. */
static void random_layouts__only_rule_statuses(void **state)
{
	/* clang-format off */
	static const uint64_t statuses[] = {
		INVALID_TDMR, NON_ORDERED_TDMR, TDMR_OUTSIDE_CMRS, INVALID_PAMT, PAMT_OUTSIDE_CMRS,
		PAMT_OVERLAP, INVALID_RSVD, NON_ORDERED_RSVD,
	};
	static const uint64_t values[] = {
		0, 1, 4 * K, M, 2 * M, G, 2 * G, 3 * G, 4 * G, PA52, PA52 - G, UINT64_MAX,
		UINT64_MAX - 4 * K + 1, UINT64_C(1) << 46, 0 - 2 * G, 7 * G / 2,
	};
	/* clang-format on */
	uint64_t x = UINT64_C(0x9E3779B97F4A7C15);
	struct tdxsim_tdmr_limits lim = limits(false);

	(void)state;
	for (unsigned iter = 0; iter < 20000; iter++) {
		struct layout l = baseline;
		unsigned idx, changes;
		uint64_t got;
		bool known = false;

		for (changes = 0; changes < 1 + iter % 4; changes++) {
			size_t off;
			uint64_t v;

			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			off = (size_t)(x % (sizeof(l) / sizeof(uint64_t))) * sizeof(uint64_t);
			v = (x >> 32) & 1 ? values[(x >> 33) % TDXSIM_ARRAY_SIZE(values)] : x & ~(4 * K - 1);
			memcpy((char *)&l + off, &v, sizeof(v));
		}
		if (l.num_cmrs > MAX_TEST_CMRS)
			l.num_cmrs = MAX_TEST_CMRS;
		idx = (unsigned)(x >> 60) % NUM_TDMRS;
		got = tdxsim_tdmr_check(l.t, idx, l.cmr, (unsigned)l.num_cmrs, &lim);
		if (got == OK)
			continue;
		for (size_t k = 0; k < TDXSIM_ARRAY_SIZE(statuses); k++)
			known |= (got & TDXSIM_STATUS_MASK) == statuses[k];
		assert_true(known);
		/* Detail bytes: TDMR indices never above idx, levels and area indices in range. */
		assert_true((got & 0xFF000000u) == 0);
		assert_true((got & 0xFF) <= idx);
		assert_true(((got >> 8) & 0xFF) < TDXSIM_TDMR_MAX_RESERVED);
		assert_true(((got >> 16) & 0xFF) <= idx);
	}
}

int main(void)
{
	struct CMUnitTest tests[TDXSIM_ARRAY_SIZE(rows) + 5];
	size_t n = 0;

	for (size_t k = 0; k < TDXSIM_ARRAY_SIZE(rows); k++)
		tests[n++] = (struct CMUnitTest){rows[k].name, run_row, NULL, NULL, &rows[k]};
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(pamt_min_size__per_level);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(rule6__sixteen_used_areas);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(misuse__null_arguments_do_not_crash);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(linux_layout__all_tdmrs_pass);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(random_layouts__only_rule_statuses);
	return cmocka_run_group_tests_name("tdmr_check", tests, NULL, NULL);
}
