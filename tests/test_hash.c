/* SPDX-License-Identifier: MIT */
/*
 * The block hash behind tdxsim_state_hash() (core/hash.c, tdxsim_hash_bytes): the fuzz oracles
 * call a state changed when its hash does, so every kind of change a bug could make to a block
 * must change the hash. One row per kind, tried at every length from 1 to 300 bytes (full
 * stripes and every tail) and at 4 KiB.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/util.h"

enum { MAX = 4096 };

struct pair {
	uint8_t a[MAX], b[MAX];
};

static void fill(uint8_t *p, size_t n, uint64_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * UINT64_C(6364136223846793005) + 1442695040888963407;
		p[i] = (uint8_t)(seed >> 56);
	}
}

/* Each change turns block b (a copy of a, @n bytes) into another block of the same length. */
static void one_bit(struct pair *x, size_t n, size_t at)
{
	x->b[at % n] ^= 1;
}
static void last_byte(struct pair *x, size_t n, size_t at)
{
	x->b[n - 1] += 1 + (uint8_t)at;
}
static void one_word_swapped_halves(struct pair *x, size_t n, size_t at)
{
	/* A word whose 32-bit halves trade places: same product of halves, other value. */
	size_t w = (at % (n / 8)) * 8;
	uint32_t lo, hi;
	memcpy(&lo, x->b + w, 4);
	memcpy(&hi, x->b + w + 4, 4);
	if (lo == hi)
		hi++;
	memcpy(x->b + w, &hi, 4);
	memcpy(x->b + w + 4, &lo, 4);
}
/* The @len bytes at @s trade places with the @len after them; if that changed nothing (equal
 * neighbours), a bit of them changes instead. */
static void swap_neighbours(struct pair *x, size_t n, size_t s, size_t len)
{
	uint8_t t[64];
	memcpy(t, x->b + s, len);
	memcpy(x->b + s, x->b + s + len, len);
	memcpy(x->b + s + len, t, len);
	if (!memcmp(x->a, x->b, n))
		x->b[s] ^= 0x80;
}
static void stripes_swapped(struct pair *x, size_t n, size_t at)
{
	/* Two 64-byte stripes trade places (the same words, in other lanes' positions). */
	swap_neighbours(x, n, at % (n / 64 - 1) * 64, 64);
}
static void words_swapped_in_stripe(struct pair *x, size_t n, size_t at)
{
	swap_neighbours(x, n, (at % (n / 64)) * 64, 8);
}
static void hidden_from_product(struct pair *x, size_t n, size_t at)
{
	/* Word 0's low half equals lane 0's key low half (core/hash.c), so its product term is 0
	 * whatever its high half: only the plain sum sees the high half change. */
	const uint32_t key_lo = 0x7F4A7C15;
	memcpy(x->a, &key_lo, 4);
	memcpy(x->b, x->a, n);
	x->b[4] ^= 1 + (uint8_t)at;
}
static void zeroed(struct pair *x, size_t n, size_t at)
{
	memset(x->b, 0, n);
	if (!memcmp(x->a, x->b, n))
		x->b[at % n] = 1;
}

static const struct row {
	const char *rule;
	void (*change)(struct pair *x, size_t n, size_t at);
	size_t min_len; /* the change needs at least this many bytes */
} rows[] = {
	{"one flipped bit anywhere changes the hash", one_bit, 1},
	{"a changed last byte (the zero-padded tail) changes the hash", last_byte, 1},
	{"a word with its 32-bit halves swapped changes the hash", one_word_swapped_halves, 8},
	{"two 64-byte stripes swapped change the hash", stripes_swapped, 128},
	{"two words of a stripe swapped change the hash", words_swapped_in_stripe, 64},
	{"a change the product term cannot see changes the hash", hidden_from_product, 8},
	{"a block zeroed changes the hash", zeroed, 1},
};

static void check_len(const struct row *row, struct pair *x, size_t n, uint64_t seed)
{
	if (n < row->min_len)
		return;
	for (size_t at = 0; at < 24; at++) {
		fill(x->a, n, seed + at);
		memcpy(x->b, x->a, n);
		row->change(x, n, at * 131);
		if (!memcmp(x->a, x->b, n))
			continue;
		if (tdxsim_hash_bytes(TDXSIM_HASH_SEED, x->a, n) ==
		    tdxsim_hash_bytes(TDXSIM_HASH_SEED, x->b, n))
			fail_msg("rule \"%s\": length %zu, change %zu: same hash", row->rule, n, at);
	}
}

static void hash_bytes__each_change__hash_differs(void **state)
{
	static struct pair x;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		for (size_t n = 1; n <= 300; n++)
			check_len(&rows[i], &x, n, n);
		check_len(&rows[i], &x, MAX, 7);
	}
	(void)state;
}

/* What else a hash depends on: the seed it continues, and the length (zero padding is not
 * the same block as explicit zeros); and it reads only its @n bytes. */
static void hash_bytes__seed_length_and_bounds(void **state)
{
	static uint8_t z[MAX];
	uint8_t buf[200];
	for (size_t n = 1; n < 130; n++) {
		assert_int_not_equal(tdxsim_hash_bytes(1, z, n), tdxsim_hash_bytes(2, z, n));
		assert_int_not_equal(tdxsim_hash_bytes(1, z, n), tdxsim_hash_bytes(1, z, n + 1));
		fill(buf, sizeof(buf), n);
		uint64_t h = tdxsim_hash_bytes(3, buf, n);
		buf[n] ^= 0xFF; /* the byte after the block */
		assert_int_equal(tdxsim_hash_bytes(3, buf, n), h);
	}
	assert_int_not_equal(tdxsim_hash_bytes(1, z, 0), tdxsim_hash_bytes(2, z, 0));
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hash_bytes__each_change__hash_differs),
		cmocka_unit_test(hash_bytes__seed_length_and_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
