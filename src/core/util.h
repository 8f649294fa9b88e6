/* SPDX-License-Identifier: MIT */
/* Small arithmetic helpers shared by every folder. Header-only; no state. */
#ifndef TDXSIM_CORE_UTIL_H
#define TDXSIM_CORE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

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

/* An unaligned 64-bit load (one instruction, also under ASan). */
static inline uint64_t tdxsim_load64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

/*
 * Folds the @n bytes at @p into @h, for blocks of kilobytes (a TDCS, a page of plaintext)
 * that the state hash goes over after every fuzzed call: tdxsim_hash_u64() steps over 8-byte
 * words in four independent lanes, word k in lane k % 4, so the multiplies of neighbouring
 * words overlap instead of each waiting for the last (about four times faster than one
 * chain); a zero-padded last round takes the tail. The lanes, then @n, are folded into @h.
 * Each step is still a bijection of its word, so two blocks of one length that differ in one
 * word never collide.
 */
static inline uint64_t tdxsim_hash_bytes(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	/* Scalars, not arrays: under ASan an array on the stack costs a fake frame per call. */
	uint64_t l0 = h, l1 = h ^ 1, l2 = h ^ 2, l3 = h ^ 3;
	size_t i = 0;
	for (; i + 32 <= n; i += 32) {
		l0 = tdxsim_hash_u64(l0, tdxsim_load64(b + i));
		l1 = tdxsim_hash_u64(l1, tdxsim_load64(b + i + 8));
		l2 = tdxsim_hash_u64(l2, tdxsim_load64(b + i + 16));
		l3 = tdxsim_hash_u64(l3, tdxsim_load64(b + i + 24));
	}
	if (i < n) {
		/* The tail, zero-padded, a byte at a time into scalars (see above). */
		uint64_t t0 = 0, t1 = 0, t2 = 0, t3 = 0;
		for (size_t j = 0; j < n - i; j++) {
			uint64_t v = (uint64_t)b[i + j] << 8 * (j % 8);
			if (j < 8)
				t0 |= v;
			else if (j < 16)
				t1 |= v;
			else if (j < 24)
				t2 |= v;
			else
				t3 |= v;
		}
		l0 = tdxsim_hash_u64(l0, t0);
		l1 = tdxsim_hash_u64(l1, t1);
		l2 = tdxsim_hash_u64(l2, t2);
		l3 = tdxsim_hash_u64(l3, t3);
	}
	h = tdxsim_hash_u64(tdxsim_hash_u64(tdxsim_hash_u64(tdxsim_hash_u64(h, l0), l1), l2), l3);
	return tdxsim_hash_u64(h, n);
}

#endif
