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

/* Whether the @n bytes at @p are all zero (reserved fields): every byte equals the first, which
 * is 0. One memcmp rather than a loop, whose every byte the fuzzing build would trace as a
 * comparison (4 KiB reserved areas are checked per P-SEAMLDR call). */
static inline bool tdxsim_all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	return !n || (!b[0] && !memcmp(b, b + 1, n - 1));
}

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
/* The step itself, as a macro for core/hash.c, whose uninstrumented loop may call nothing. */
#define TDXSIM_HASH_STEP(h, v)                       \
	do {                                         \
		(h) ^= (v);                          \
		(h) ^= (h) >> 33;                    \
		(h) *= UINT64_C(0xFF51AFD7ED558CCD); \
		(h) ^= (h) >> 33;                    \
		(h) *= UINT64_C(0xC4CEB9FE1A85EC53); \
		(h) ^= (h) >> 33;                    \
	} while (0)
static inline uint64_t tdxsim_hash_u64(uint64_t h, uint64_t v)
{
	TDXSIM_HASH_STEP(h, v);
	return h;
}
#define TDXSIM_HASH_SEED UINT64_C(0xCBF29CE484222325)

/*
 * Oracle scans of one whole object (the PAMT checker's and hash's passes over a table's 512
 * entries, after every fuzzed call): under AddressSanitizer each 8-byte load of such a loop
 * carries its own shadow check, most of the pass's time. A function marked TDXSIM_NO_ASAN
 * skips those, and first calls tdxsim_asan_check(object, size): one check of the object's
 * whole range, which reports a freed or overflowed object as an instrumented access would.
 * Without ASan both are nothing.
 */
#if defined(__SANITIZE_ADDRESS__)
#define TDXSIM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TDXSIM_ASAN 1
#endif
#endif
#ifdef TDXSIM_ASAN
#include <sanitizer/asan_interface.h>
#define TDXSIM_NO_ASAN __attribute__((no_sanitize("address"), noinline))
/* Reads the first poisoned byte of [p, p + n) through an instrumented load, so ASan stops
 * there with its usual report (core/asan.c). */
void tdxsim_asan_report_region(const void *p, size_t n);
static inline void tdxsim_asan_check(const void *p, size_t n)
{
	if (__asan_region_is_poisoned((void *)(uintptr_t)p, n))
		tdxsim_asan_report_region(p, n);
}
#else
#define TDXSIM_NO_ASAN
static inline void tdxsim_asan_check(const void *p, size_t n)
{
	(void)p;
	(void)n;
}
#endif

/*
 * Folds the @n bytes at @p into @h, for blocks of kilobytes (a TDCS, a page of plaintext)
 * that the state hash goes over after every fuzzed call, so its speed is the fuzzers'.
 * 64-byte stripes, each 8-byte word w in its own lane j (0..7), two sums per lane: the words
 * themselves, and lo32(x) * hi32(x) of x = w ^ (key_j + stripe * C), a 32x32->64 multiply
 * that SSE2's pmuludq does two at a time (the construction of the NH and XXH3 hashes; the
 * stripe term makes the products depend on where a word is, so swapped stripes change them).
 * Written with vector types so that gcc and clang emit those multiplies rather than 64-bit
 * scalar ones: a 4 KiB page is three times faster than four chains of tdxsim_hash_u64().
 * Out of line (core/hash.c), and under ASan without per-load checks after one check of the
 * block's range (TDXSIM_NO_ASAN above): 4 KiB in 0.30 us instead of 0.35 under ASan + UBSan.
 * A zero-padded last stripe takes the tail; the 16 sums, then @n, go through
 * tdxsim_hash_u64() into @h. A change of one word always changes its lane's plain sum; a
 * change of several collides only by chance (a state hash, not a cryptographic one). Blocks
 * under 64 bytes take one tdxsim_hash_u64() chain of their words instead (no sums to fold).
 */
uint64_t tdxsim_hash_bytes(uint64_t h, const void *p, size_t n);

#endif
