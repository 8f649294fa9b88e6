/* SPDX-License-Identifier: MIT */
/*
 * The block hash of the state hash (core/util.h says what it computes and why). Under ASan its
 * loop runs without per-load checks (TDXSIM_NO_ASAN), after one check of the whole block: a
 * function so marked must call nothing the sanitizer instruments, since the compilers will not
 * inline an instrumented callee into it, hence the macros and builtins below.
 */
#include "core/util.h"

typedef uint64_t v2u64 __attribute__((vector_size(16)));

/* Word @k (0..7) of the @len (< 64) bytes at @t, zero-padded, into @out. */
#define TAIL_WORD(out, t, len, k)                                                 \
	do {                                                                      \
		(out) = 0;                                                        \
		if (8 * (k) + 8 <= (len)) {                                       \
			__builtin_memcpy(&(out), (t) + 8 * (k), 8);               \
		} else {                                                          \
			for (size_t j_ = 8 * (k); j_ < (len); j_++)               \
				(out) |= (uint64_t)(t)[j_] << 8 * (j_ - 8 * (k)); \
		}                                                                 \
	} while (0)

#define FOLD2(h, v)                          \
	do {                                 \
		TDXSIM_HASH_STEP(h, (v)[0]); \
		TDXSIM_HASH_STEP(h, (v)[1]); \
	} while (0)

TDXSIM_NO_ASAN static uint64_t hash_unchecked(uint64_t h, const uint8_t *b, size_t n)
{
	if (n < 64) {
		/* Under a stripe (a TD's UUID, a few PAs): one chain of words, each step a
		 * bijection, cheaper than folding sixteen sums. */
		for (size_t k = 0; 8 * k < n; k++) {
			uint64_t w;
			TAIL_WORD(w, b, n, k);
			TDXSIM_HASH_STEP(h, w);
		}
		TDXSIM_HASH_STEP(h, (uint64_t)n);
		return h;
	}
	const v2u64 k0 = {UINT64_C(0x9E3779B97F4A7C15), UINT64_C(0xC2B2AE3D27D4EB4F)},
		    k1 = {UINT64_C(0x165667B19E3779F9), UINT64_C(0x85EBCA77C2B2AE63)},
		    k2 = {UINT64_C(0x27D4EB2F165667C5), UINT64_C(0xD6E8FEB86659FD93)},
		    k3 = {UINT64_C(0xFF51AFD7ED558CCD), UINT64_C(0xC4CEB9FE1A85EC53)},
		    lo = {UINT64_C(0xFFFFFFFF), UINT64_C(0xFFFFFFFF)},
		    step = {UINT64_C(0x9E3779B97F4A7C15) << 6, UINT64_C(0x9E3779B97F4A7C15) << 6};
	v2u64 p0 = {0, 0}, p1 = p0, p2 = p0, p3 = p0, s0 = p0, s1 = p0, s2 = p0, s3 = p0, sk = p0;
	for (size_t i = 0; i < n; i += 64, sk += step) {
		v2u64 w0, w1, w2, w3;
		if (n - i >= 64) {
			__builtin_memcpy(&w0, b + i, 16);
			__builtin_memcpy(&w1, b + i + 16, 16);
			__builtin_memcpy(&w2, b + i + 32, 16);
			__builtin_memcpy(&w3, b + i + 48, 16);
		} else {
			/* The zero-padded last stripe. */
			const uint8_t *t = b + i;
			size_t len = n - i;
			uint64_t x[8];
			TAIL_WORD(x[0], t, len, 0);
			TAIL_WORD(x[1], t, len, 1);
			TAIL_WORD(x[2], t, len, 2);
			TAIL_WORD(x[3], t, len, 3);
			TAIL_WORD(x[4], t, len, 4);
			TAIL_WORD(x[5], t, len, 5);
			TAIL_WORD(x[6], t, len, 6);
			TAIL_WORD(x[7], t, len, 7);
			w0 = (v2u64){x[0], x[1]};
			w1 = (v2u64){x[2], x[3]};
			w2 = (v2u64){x[4], x[5]};
			w3 = (v2u64){x[6], x[7]};
		}
		v2u64 x0 = w0 ^ (k0 + sk), x1 = w1 ^ (k1 + sk), x2 = w2 ^ (k2 + sk), x3 = w3 ^ (k3 + sk);
		s0 += w0;
		s1 += w1;
		s2 += w2;
		s3 += w3;
		p0 += (x0 & lo) * (x0 >> 32);
		p1 += (x1 & lo) * (x1 >> 32);
		p2 += (x2 & lo) * (x2 >> 32);
		p3 += (x3 & lo) * (x3 >> 32);
	}
	FOLD2(h, p0);
	FOLD2(h, p1);
	FOLD2(h, p2);
	FOLD2(h, p3);
	FOLD2(h, s0);
	FOLD2(h, s1);
	FOLD2(h, s2);
	FOLD2(h, s3);
	TDXSIM_HASH_STEP(h, (uint64_t)n);
	return h;
}

uint64_t tdxsim_hash_bytes(uint64_t h, const void *p, size_t n)
{
	tdxsim_asan_check(p, n);
	return hash_unchecked(h, p, n);
}
