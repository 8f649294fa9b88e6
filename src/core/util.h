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
 * A zero-padded last stripe takes the tail; the 16 sums, then @n, go through
 * tdxsim_hash_u64() into @h. A change of one word always changes its lane's plain sum; a
 * change of several collides only by chance (a state hash, not a cryptographic one). Blocks
 * under 64 bytes take one tdxsim_hash_u64() chain of their words instead (no sums to fold).
 */
typedef uint64_t tdxsim_v2u64 __attribute__((vector_size(16)));

/* Word @k of the @len (< 64) tail bytes at @t, zero-padded: whole words in one load, bytes
 * only for the last partial one. No array: under ASan each stack array costs poisoning per
 * call. */
static inline uint64_t tdxsim_tail_word(const uint8_t *t, size_t len, size_t k)
{
	if (8 * k + 8 <= len)
		return tdxsim_load64(t + 8 * k);
	uint64_t v = 0;
	for (size_t j = 8 * k; j < len; j++)
		v |= (uint64_t)t[j] << 8 * (j - 8 * k);
	return v;
}

static inline tdxsim_v2u64 tdxsim_tail128(const uint8_t *t, size_t len, size_t k)
{
	return (tdxsim_v2u64){tdxsim_tail_word(t, len, 2 * k), tdxsim_tail_word(t, len, 2 * k + 1)};
}

static inline tdxsim_v2u64 tdxsim_load128(const uint8_t *p)
{
	tdxsim_v2u64 v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint64_t tdxsim_hash_v2(uint64_t h, tdxsim_v2u64 v)
{
	return tdxsim_hash_u64(tdxsim_hash_u64(h, v[0]), v[1]);
}

static inline uint64_t tdxsim_hash_bytes(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	if (n < 64) {
		/* Under a stripe (a TD's UUID, a few PAs): one chain of words, each step a
		 * bijection, cheaper than folding sixteen sums. */
		for (size_t k = 0; 8 * k < n; k++)
			h = tdxsim_hash_u64(h, tdxsim_tail_word(b, n, k));
		return tdxsim_hash_u64(h, n);
	}
	const tdxsim_v2u64 k0 = {UINT64_C(0x9E3779B97F4A7C15), UINT64_C(0xC2B2AE3D27D4EB4F)},
			   k1 = {UINT64_C(0x165667B19E3779F9), UINT64_C(0x85EBCA77C2B2AE63)},
			   k2 = {UINT64_C(0x27D4EB2F165667C5), UINT64_C(0xD6E8FEB86659FD93)},
			   k3 = {UINT64_C(0xFF51AFD7ED558CCD), UINT64_C(0xC4CEB9FE1A85EC53)},
			   lo = {UINT64_C(0xFFFFFFFF), UINT64_C(0xFFFFFFFF)},
			   step = {UINT64_C(0x9E3779B97F4A7C15) << 6, UINT64_C(0x9E3779B97F4A7C15) << 6};
	tdxsim_v2u64 p0 = {0, 0}, p1 = p0, p2 = p0, p3 = p0, s0 = p0, s1 = p0, s2 = p0, s3 = p0, sk = p0;
	for (size_t i = 0; i < n; i += 64, sk += step) {
		tdxsim_v2u64 w0, w1, w2, w3;
		if (n - i >= 64) {
			w0 = tdxsim_load128(b + i);
			w1 = tdxsim_load128(b + i + 16);
			w2 = tdxsim_load128(b + i + 32);
			w3 = tdxsim_load128(b + i + 48);
		} else {
			w0 = tdxsim_tail128(b + i, n - i, 0);
			w1 = tdxsim_tail128(b + i, n - i, 1);
			w2 = tdxsim_tail128(b + i, n - i, 2);
			w3 = tdxsim_tail128(b + i, n - i, 3);
		}
		tdxsim_v2u64 x0 = w0 ^ (k0 + sk), x1 = w1 ^ (k1 + sk), x2 = w2 ^ (k2 + sk),
			     x3 = w3 ^ (k3 + sk);
		s0 += w0;
		s1 += w1;
		s2 += w2;
		s3 += w3;
		p0 += (x0 & lo) * (x0 >> 32);
		p1 += (x1 & lo) * (x1 >> 32);
		p2 += (x2 & lo) * (x2 >> 32);
		p3 += (x3 & lo) * (x3 >> 32);
	}
	h = tdxsim_hash_v2(tdxsim_hash_v2(tdxsim_hash_v2(tdxsim_hash_v2(h, p0), p1), p2), p3);
	h = tdxsim_hash_v2(tdxsim_hash_v2(tdxsim_hash_v2(tdxsim_hash_v2(h, s0), s1), s2), s3);
	return tdxsim_hash_u64(h, n);
}

#endif
