/* SPDX-License-Identifier: MIT */
/*
 * The per-TDMR rules of TDH.SYS.CONFIG (sheet 6.3), in the module's order; the first failing
 * rule decides the status and its packed detail bytes.
 *
 * Where the sheet leaves the order or a corner open, we followed the TDX module 1.5 source
 * (intel/tdx-module, tag TDX_1.5.01, commit 72d8cffb, src/vmm_dispatcher/api_calls/
 * tdh_sys_config.c and src/common/helpers/helpers.h), read for facts only; each such place
 * below says "[M15]" and what was taken from it.
 *
 * Any input gives some status without undefined behaviour (this function is fuzzed): sums are
 * formed only after a rule has shown them representable, comparisons with an end that may
 * not be are written as differences, and the one deliberate wrap (rule 7, size 0) is on
 * uint64_t, where it is defined. Input values are never used as indices.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/util.h"
#include "tdmr/tdmr.h"

/* A memory range as the rules see it: base and size, as in TDMR_INFO. */
struct area {
	uint64_t base;
	uint64_t size;
};

/* Most non-reserved spans a TDMR can have: one before each reserved area, one after. */
#define MAX_FREE_SPANS (TDXSIM_TDMR_MAX_RESERVED + 1)

/*
 * "base + size does not overflow" as the module means it: the sum must be representable, so a
 * range ending exactly at 2^64 is rejected too ([M15] helpers.h, is_valid_integer_range).
 */
static bool no_overflow(uint64_t base, uint64_t size)
{
	return base <= UINT64_MAX - size;
}

/* x < r.base + r.size, computed without forming the (possibly unrepresentable) end. */
static bool below_end(uint64_t x, struct area r)
{
	return x < r.base || x - r.base < r.size;
}

/*
 * Overlap as the module tests it ([M15] helpers.h, is_overlap): two ranges are apart only if
 * one starts at or after the other's end. Unlike tdxsim_ranges_overlap() an empty range
 * strictly inside another counts as overlapping; that can only matter if a PAMT entry size
 * of 0 lets an empty PAMT through rule 7, and then we answer as the module's formula would.
 */
static bool module_overlap(struct area a, struct area b)
{
	return below_end(a.base, b) && below_end(b.base, a);
}

/* Rule 5 and 7: below the module's fixed 2^52 limit (sheet 9) and no KeyID bits set. */
static bool pa_ok(uint64_t pa, const struct tdxsim_tdmr_limits *lim)
{
	return pa < TDXSIM_MODULE_PA_LIMIT && (pa & lim->keyid_mask) == 0;
}

/* TDMR_INFO keeps the PAMTs 1G first (sheet 6.1); levels are TDXSIM_PS_* (0 = 4K). */
static struct area pamt_of(const struct tdxsim_tdmr_info *t, unsigned level)
{
	switch (level) {
	case TDXSIM_PS_4K:
		return (struct area){t->pamt_4k_base, t->pamt_4k_size};
	case TDXSIM_PS_2M:
		return (struct area){t->pamt_2m_base, t->pamt_2m_size};
	default:
		return (struct area){t->pamt_1g_base, t->pamt_1g_size};
	}
}

uint64_t tdxsim_tdmr_pamt_min_size(uint64_t tdmr_size, unsigned level, const struct tdxsim_tdmr_limits *lim)
{
	uint64_t entries, entry_size, bytes;

	if (!lim || level > TDXSIM_PS_1G)
		return 0;
	/* One entry per page of the level: 4K pages, 2M (4K << 9), 1G (4K << 18). */
	entries = tdmr_size >> (12 + 9 * level);
	entry_size = lim->pamt_entry_size[level];
	/*
	 * Saturate instead of wrapping: UINT64_MAX is larger than every 4K-aligned size, so a
	 * PAMT can never satisfy a minimum that does not fit in 64 bits.
	 */
	if (entry_size != 0 && entries > UINT64_MAX / entry_size)
		return UINT64_MAX;
	bytes = entries * entry_size;
	if (bytes > UINT64_MAX - (TDXSIM_4K - 1))
		return UINT64_MAX;
	return tdxsim_align_up(bytes, TDXSIM_4K);
}

/* Rules 1-5: the TDMR's own range, and its order relative to TDMR i - 1. */
static uint64_t check_tdmr_range(const struct tdxsim_tdmr_info *tdmrs, unsigned i,
				 const struct tdxsim_tdmr_limits *lim)
{
	const struct tdxsim_tdmr_info *t = &tdmrs[i];
	uint64_t invalid = tdxsim_tdmr_details(TDXSIM_TDX_INVALID_TDMR, i, 0, 0);

	if (!no_overflow(t->base, t->size))
		return invalid;
	/*
	 * Rules 2 and 3 compare with TDMR i - 1 only (ascending, disjoint order then holds for
	 * all earlier TDMRs). The difference form is "base < prev end" without forming the end.
	 */
	if (i > 0) {
		const struct tdxsim_tdmr_info *prev = &tdmrs[i - 1];

		if (t->base < prev->base || t->base - prev->base < prev->size)
			return tdxsim_tdmr_details(TDXSIM_TDX_NON_ORDERED_TDMR, i, 0, 0);
	}
	if (!tdxsim_is_aligned(t->base, TDXSIM_1G) || !tdxsim_is_aligned(t->size, TDXSIM_1G) || t->size == 0)
		return invalid;
	/* Rule 4 made size >= 1 GiB, so the last byte is base + size - 1 without wrapping. */
	if (!pa_ok(t->base, lim) || !pa_ok(t->base + t->size - 1, lim))
		return invalid;
	return TDXSIM_TDX_SUCCESS;
}

/*
 * Rule 6: reserved areas. A null entry (size 0) only requires the entry right after it to be
 * null; by induction every later entry is then null, so a used entry j > 0 always has a used
 * entry j - 1 and "previous" in 6b/6c simply means j - 1 ([M15] tdh_sys_config.c: the null
 * test looks at j + 1 only and reports the null entry's index; 6b/6c read entry j - 1).
 */
static uint64_t check_reserved(const struct tdxsim_tdmr_info *t, unsigned i)
{
	const struct tdxsim_tdmr_reserved_area *ra = t->reserved_areas;
	uint64_t tdmr_end = t->base + t->size; /* rule 1 passed */

	for (unsigned j = 0; j < TDXSIM_TDMR_MAX_RESERVED; j++) {
		uint64_t start;

		if (ra[j].size == 0) {
			/* The null entry's offset is never looked at. */
			if (j + 1 < TDXSIM_TDMR_MAX_RESERVED && ra[j + 1].size != 0)
				return tdxsim_tdmr_details(TDXSIM_TDX_NON_ORDERED_RESERVED_IN_TDMR, i, j, 0);
			continue;
		}
		if (!no_overflow(ra[j].offset, ra[j].size))
			return tdxsim_tdmr_details(TDXSIM_TDX_INVALID_RESERVED_IN_TDMR, i, j, 0);
		/* Entry j - 1 is used and passed 6a, so its end is representable; touching is fine. */
		if (j > 0 &&
		    (ra[j].offset < ra[j - 1].offset || ra[j].offset < ra[j - 1].offset + ra[j - 1].size))
			return tdxsim_tdmr_details(TDXSIM_TDX_NON_ORDERED_RESERVED_IN_TDMR, i, j, 0);
		if (!tdxsim_is_aligned(ra[j].offset, TDXSIM_4K) || !tdxsim_is_aligned(ra[j].size, TDXSIM_4K))
			return tdxsim_tdmr_details(TDXSIM_TDX_INVALID_RESERVED_IN_TDMR, i, j, 0);
		/*
		 * 6e: base + offset and then + size must each be representable before the range
		 * test ([M15]: both overflows report INVALID_RESERVED_IN_TDMR for entry j).
		 */
		if (!no_overflow(t->base, ra[j].offset))
			return tdxsim_tdmr_details(TDXSIM_TDX_INVALID_RESERVED_IN_TDMR, i, j, 0);
		start = t->base + ra[j].offset;
		if (!no_overflow(start, ra[j].size) || start + ra[j].size > tdmr_end)
			return tdxsim_tdmr_details(TDXSIM_TDX_INVALID_RESERVED_IN_TDMR, i, j, 0);
	}
	return TDXSIM_TDX_SUCCESS;
}

/* Rule 7 for one PAMT; the five tests share one status, so their order is not observable. */
static bool pamt_fields_ok(struct area p, uint64_t tdmr_size, unsigned level,
			   const struct tdxsim_tdmr_limits *lim)
{
	if (!no_overflow(p.base, p.size))
		return false;
	if (!tdxsim_is_aligned(p.base, TDXSIM_4K) || !tdxsim_is_aligned(p.size, TDXSIM_4K))
		return false;
	/*
	 * The module takes the last byte as base + size - 1 even for size 0, which wraps for
	 * base 0 and fails; we compute it the same way ([M15] tdh_sys_config.c).
	 */
	if (!pa_ok(p.base, lim) || !pa_ok(p.base + p.size - 1, lim))
		return false;
	/*
	 * The module compares with entries x entry size unrounded; p.size is 4K aligned here, so
	 * comparing with the 4K-rounded minimum gives the same answer.
	 */
	return p.size >= tdxsim_tdmr_pamt_min_size(tdmr_size, level, lim);
}

/* Rule 7 order: 1G, then 2M, then 4K ([M15] tdh_sys_config.c, PAMT address checks). */
static const unsigned levels_1g_first[3] = {TDXSIM_PS_1G, TDXSIM_PS_2M, TDXSIM_PS_4K};
/* Rules 8, 8a and 9 go the other way round ([M15] tdh_sys_config.c, overlap checks). */
static const unsigned levels_4k_first[3] = {TDXSIM_PS_4K, TDXSIM_PS_2M, TDXSIM_PS_1G};

static uint64_t check_pamt_fields(const struct tdxsim_tdmr_info *t, unsigned i,
				  const struct tdxsim_tdmr_limits *lim)
{
	for (unsigned k = 0; k < 3; k++) {
		unsigned level = levels_1g_first[k];

		if (!pamt_fields_ok(pamt_of(t, level), t->size, level, lim))
			return tdxsim_tdmr_details(TDXSIM_TDX_INVALID_PAMT, i, level, 0);
	}
	return TDXSIM_TDX_SUCCESS;
}

/*
 * Rules 8 and 8a. [M15] tdh_sys_config.c: the loop runs over earlier TDMRs j (ascending) on
 * the outside and over TDMR i's levels (4K, 2M, 1G) inside, each level tested against all
 * three PAMTs of j at once; so b2 = j, the first earlier TDMR hit. Then 8a tests the pairs
 * 4K/2M, 4K/1G, 2M/1G and reports the lower level of the pair.
 */
static uint64_t check_pamt_pamt(const struct tdxsim_tdmr_info *tdmrs, unsigned i)
{
	static const unsigned pairs[3][2] = {
		{TDXSIM_PS_4K, TDXSIM_PS_2M},
		{TDXSIM_PS_4K, TDXSIM_PS_1G},
		{TDXSIM_PS_2M, TDXSIM_PS_1G},
	};

	for (unsigned j = 0; j < i; j++) {
		for (unsigned k = 0; k < 3; k++) {
			unsigned level = levels_4k_first[k];
			struct area mine = pamt_of(&tdmrs[i], level);

			for (unsigned other = 0; other < 3; other++) {
				if (module_overlap(mine, pamt_of(&tdmrs[j], other)))
					return tdxsim_tdmr_details(TDXSIM_TDX_PAMT_OVERLAP, i, level, j);
			}
		}
	}
	for (unsigned k = 0; k < 3; k++) {
		if (module_overlap(pamt_of(&tdmrs[i], pairs[k][0]), pamt_of(&tdmrs[i], pairs[k][1])))
			return tdxsim_tdmr_details(TDXSIM_TDX_PAMT_OVERLAP, i, pairs[k][0], i);
	}
	return TDXSIM_TDX_SUCCESS;
}

/*
 * The non-reserved parts of a TDMR that passed rules 1-6 (reserved areas ascending, disjoint,
 * inside the TDMR, used entries first): the gaps before, between and after the areas. Empty
 * gaps are left out; the module never tests an empty span either ([M15] tdh_sys_config.c,
 * it skips areas that start where the previous span ended and tests the tail only if
 * non-empty). The guards below never fire on such a TDMR; they only keep a caller that
 * breaks the "0..i-1 already passed" contract away from wrapping arithmetic.
 */
static unsigned free_spans(const struct tdxsim_tdmr_info *t, struct area out[MAX_FREE_SPANS])
{
	uint64_t pos = 0; /* offset of the first byte not yet covered */
	unsigned n = 0;

	if (!no_overflow(t->base, t->size))
		return 0;
	for (unsigned j = 0; j < TDXSIM_TDMR_MAX_RESERVED && t->reserved_areas[j].size != 0; j++) {
		const struct tdxsim_tdmr_reserved_area *ra = &t->reserved_areas[j];

		if (ra->offset < pos || ra->offset > t->size || t->size - ra->offset < ra->size)
			return n;
		if (ra->offset > pos)
			out[n++] = (struct area){t->base + pos, ra->offset - pos};
		pos = ra->offset + ra->size;
	}
	if (pos < t->size)
		out[n++] = (struct area){t->base + pos, t->size - pos};
	return n;
}

static bool overlaps_free_part(struct area p, const struct tdxsim_tdmr_info *t)
{
	struct area spans[MAX_FREE_SPANS];
	unsigned n = free_spans(t, spans);

	for (unsigned k = 0; k < n; k++) {
		if (module_overlap(p, spans[k]))
			return true;
	}
	return false;
}

/*
 * Rule 9. [M15] tdh_sys_config.c: for j = 0..i ascending, first TDMR i's PAMTs (4K, 2M, 1G)
 * against TDMR j's non-reserved parts, reported (i, level, j); then, for j < i, TDMR j's PAMTs
 * (4K, 2M, 1G) against TDMR i's non-reserved parts, reported (j, level, i).
 */
static uint64_t check_pamt_free(const struct tdxsim_tdmr_info *tdmrs, unsigned i)
{
	for (unsigned j = 0; j <= i; j++) {
		for (unsigned k = 0; k < 3; k++) {
			unsigned level = levels_4k_first[k];

			if (overlaps_free_part(pamt_of(&tdmrs[i], level), &tdmrs[j]))
				return tdxsim_tdmr_details(TDXSIM_TDX_PAMT_OVERLAP, i, level, j);
		}
		if (j == i)
			break;
		for (unsigned k = 0; k < 3; k++) {
			unsigned level = levels_4k_first[k];

			if (overlaps_free_part(pamt_of(&tdmrs[j], level), &tdmrs[i]))
				return tdxsim_tdmr_details(TDXSIM_TDX_PAMT_OVERLAP, j, level, i);
		}
	}
	return TDXSIM_TDX_SUCCESS;
}

/*
 * Whether [start, end) lies inside one CMR, where a CMR that starts exactly at the end of
 * the previous non-empty CMR extends it (sheet 5.2). [M15] tdh_sys_config.c: the merge is
 * only with the previous non-empty entry (empty entries are skipped and do not break a
 * run), a CMR that overlaps or precedes the previous one starts a new run, and the range is
 * tested against each run as it grows; we do the same on whatever list we are given. A CMR
 * whose end is not representable (TDH.SYS.INIT never lets one through, sheet 7.2) is
 * skipped rather than wrapped.
 */
static bool inside_cmrs(uint64_t start, uint64_t end, const tdxsim_range_t *cmrs, unsigned num_cmrs)
{
	uint64_t run_start = 0, run_end = 0;

	for (unsigned k = 0; cmrs && k < num_cmrs; k++) {
		uint64_t cmr_start = cmrs[k].base, cmr_end;

		if (cmrs[k].size == 0 || !no_overflow(cmrs[k].base, cmrs[k].size))
			continue;
		cmr_end = cmrs[k].base + cmrs[k].size;
		if (cmr_start == run_end)
			cmr_start = run_start;
		if (start >= cmr_start && end <= cmr_end)
			return true;
		run_start = cmr_start;
		run_end = cmr_end;
	}
	return false;
}

/* Rule 10, levels 1G, 2M, 4K ([M15] tdh_sys_config.c). Rule 7 made base + size representable. */
static uint64_t check_pamt_cmrs(const struct tdxsim_tdmr_info *t, unsigned i, const tdxsim_range_t *cmrs,
				unsigned num_cmrs)
{
	for (unsigned k = 0; k < 3; k++) {
		unsigned level = levels_1g_first[k];
		struct area p = pamt_of(t, level);

		if (!inside_cmrs(p.base, p.base + p.size, cmrs, num_cmrs))
			return tdxsim_tdmr_details(TDXSIM_TDX_PAMT_OUTSIDE_CMRS, i, level, 0);
	}
	return TDXSIM_TDX_SUCCESS;
}

/* Rule 11: each non-reserved span on its own must fit one merged CMR; a fully reserved TDMR passes. */
static uint64_t check_tdmr_cmrs(const struct tdxsim_tdmr_info *t, unsigned i, const tdxsim_range_t *cmrs,
				unsigned num_cmrs)
{
	struct area spans[MAX_FREE_SPANS];
	unsigned n = free_spans(t, spans);

	for (unsigned k = 0; k < n; k++) {
		if (!inside_cmrs(spans[k].base, spans[k].base + spans[k].size, cmrs, num_cmrs))
			return tdxsim_tdmr_details(TDXSIM_TDX_TDMR_OUTSIDE_CMRS, i, 0, 0);
	}
	return TDXSIM_TDX_SUCCESS;
}

uint64_t tdxsim_tdmr_check(const struct tdxsim_tdmr_info *tdmrs, unsigned i, const tdxsim_range_t *cmrs,
			   unsigned num_cmrs, const struct tdxsim_tdmr_limits *lim)
{
	const struct tdxsim_tdmr_info *t;
	uint64_t status;

	/* Caller misuse, not reachable from the leaf; answer as for a bad TDMR rather than crash. */
	if (!tdmrs || !lim)
		return tdxsim_tdmr_details(TDXSIM_TDX_INVALID_TDMR, i, 0, 0);
	t = &tdmrs[i];

	status = check_tdmr_range(tdmrs, i, lim); /* rules 1-5 */
	if (status == TDXSIM_TDX_SUCCESS)
		status = check_reserved(t, i); /* rule 6 */
	if (status == TDXSIM_TDX_SUCCESS)
		status = check_pamt_fields(t, i, lim); /* rule 7 */
	if (status == TDXSIM_TDX_SUCCESS)
		status = check_pamt_pamt(tdmrs, i); /* rules 8, 8a */
	if (status == TDXSIM_TDX_SUCCESS)
		status = check_pamt_free(tdmrs, i); /* rule 9 */
	if (status == TDXSIM_TDX_SUCCESS)
		status = check_pamt_cmrs(t, i, cmrs, num_cmrs); /* rule 10 */
	if (status == TDXSIM_TDX_SUCCESS)
		status = check_tdmr_cmrs(t, i, cmrs, num_cmrs); /* rule 11 */
	return status;
}
