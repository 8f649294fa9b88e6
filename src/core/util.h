/* SPDX-License-Identifier: MIT */
/* Small arithmetic helpers shared by every folder. Header-only; no state. */
#ifndef TDXSIM_CORE_UTIL_H
#define TDXSIM_CORE_UTIL_H

#include <stdbool.h>
#include <stdint.h>

#define TDXSIM_4K (UINT64_C(1) << 12)
#define TDXSIM_2M (UINT64_C(1) << 21)
#define TDXSIM_1G (UINT64_C(1) << 30)
/* The module hard-codes a 52-bit physical address space (MAX_PA) for its "PA < 2^52" checks
 * and for where it puts the KeyID, whatever CPUID MAXPHYADDR says ([M15] x86_defs.h, sheet 9). */
#define TDXSIM_MODULE_MAX_PA   52
#define TDXSIM_MODULE_PA_LIMIT (UINT64_C(1) << TDXSIM_MODULE_MAX_PA)

#define TDXSIM_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static inline bool tdxsim_is_aligned(uint64_t v, uint64_t align)
{
	return (v & (align - 1)) == 0;
}

static inline uint64_t tdxsim_align_up(uint64_t v, uint64_t align)
{
	return (v + align - 1) & ~(align - 1);
}

static inline uint64_t tdxsim_align_down(uint64_t v, uint64_t align)
{
	return v & ~(align - 1);
}

/* Whether [a, a + alen) and [b, b + blen) intersect. Empty ranges intersect nothing. */
static inline bool tdxsim_ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	if (alen == 0 || blen == 0)
		return false;
	return a < b + blen && b < a + alen;
}

/* Whether [a, a + alen) lies inside [b, b + blen). */
static inline bool tdxsim_range_contains(uint64_t b, uint64_t blen, uint64_t a, uint64_t alen)
{
	return a >= b && alen <= blen && a - b <= blen - alen;
}

/*
 * One step of the state hashes: folds 64 bits into @h. The step is a bijection of h ^ v (the
 * 64-bit finalizer of MurmurHash3), as the byte-wise FNV-1a it replaces was, so two inputs that
 * differ in one word never collide at that step, and every input bit reaches every output bit;
 * it costs two multiplies where FNV-1a took eight. Hashes are compared only within one process
 * (before/after a call, a snapshot and its restore), never stored.
 */
static inline uint64_t tdxsim_hash_u64(uint64_t h, uint64_t v)
{
	h ^= v;
	h ^= h >> 33;
	h *= UINT64_C(0xFF51AFD7ED558CCD);
	h ^= h >> 33;
	h *= UINT64_C(0xC4CEB9FE1A85EC53);
	h ^= h >> 33;
	return h;
}
#define TDXSIM_HASH_SEED UINT64_C(0xCBF29CE484222325)

#endif
