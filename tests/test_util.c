/* SPDX-License-Identifier: MIT */
/*
 * core/util.h's tdxsim_all_zero(), which every reserved-field check goes through (the P-SEAMLDR's
 * 4 KiB reserved areas, TD_PARAMS' reserved ranges): one memcmp against the block shifted by a
 * byte, so a row per place a nonzero byte can hide, tried at every length up to 4 KiB.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/util.h"

enum { MAX = 4096 };

enum place { NONE, FIRST, LAST, MIDDLE };

static const struct row {
	const char *rule;
	enum place place; /* of the one nonzero byte */
} rows[] = {
	{"all zero is zero", NONE},
	{"a nonzero first byte is seen", FIRST},
	{"a nonzero last byte is seen", LAST},
	{"a nonzero middle byte is seen", MIDDLE},
};

/* Where @place puts the nonzero byte in @n bytes (n >= 1); SIZE_MAX: nowhere. */
static size_t where(enum place place, size_t n)
{
	switch (place) {
	case FIRST:
		return 0;
	case LAST:
		return n - 1;
	case MIDDLE:
		return n / 2;
	default:
		return SIZE_MAX;
	}
}

static void all_zero__each_placement(void **state)
{
	static uint8_t buf[MAX + 1];
	for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		for (size_t n = 1; n <= MAX; n = n < 300 ? n + 1 : n * 2) {
			memset(buf, 0, sizeof(buf));
			buf[n] = 0xA5; /* just past the block: never read */
			size_t at = where(rows[r].place, n);
			if (at != SIZE_MAX)
				buf[at] = (uint8_t)(1 + n % 255);
			if (tdxsim_all_zero(buf, n) != (at == SIZE_MAX))
				fail_msg("rule \"%s\": wrong answer at %zu bytes", rows[r].rule, n);
		}
	}
	(void)state;
}

static void all_zero__empty_block_is_zero(void **state)
{
	const uint8_t one = 1;
	assert_true(tdxsim_all_zero(&one, 0)); /* no byte read */
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(all_zero__each_placement),
		cmocka_unit_test(all_zero__empty_block_is_zero),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
