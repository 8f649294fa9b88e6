/* SPDX-License-Identifier: MIT */
/*
 * The physically contiguous allocator as kernel ports use it: freeing part of an allocation
 * (a trimmed tail, pages out of the middle, a range across two allocations) and allocation
 * failures on demand (tdxsim_phys_alloc_fail_after()).
 */
#include <string.h>

#include "fixture.h"

#define PG  UINT64_C(4096)
#define ANY UINT32_MAX

static int setup(void **state)
{
	tdxsim_t *sim;
	tdxsim_config_t cfg;
	tdxsim_config_init(&cfg);
	assert_int_equal(tdxsim_create(&cfg, &sim), TDXSIM_OK);
	*state = sim;
	return 0;
}

static int teardown(void **state)
{
	tdxsim_destroy(*state);
	return 0;
}

static uint64_t alloc(tdxsim_t *sim, uint64_t size)
{
	uint64_t pa = 0;
	assert_int_equal(tdxsim_phys_alloc(sim, size, PG, ANY, &pa), TDXSIM_OK);
	return pa;
}

/* ---- free of part of an allocation ------------------------------------------------------ */

static void free_part__trimmed_tail_is_reused_first(void **state)
{
	tdxsim_t *sim = *state;
	uint64_t a = alloc(sim, 16 * PG);
	assert_int_equal(tdxsim_phys_free(sim, a + 12 * PG, 4 * PG), TDXSIM_OK);
	assert_int_equal(alloc(sim, 4 * PG), a + 12 * PG);
}

static void free_part__middle_pages_form_a_hole(void **state)
{
	tdxsim_t *sim = *state;
	uint64_t a = alloc(sim, 16 * PG);
	assert_int_equal(tdxsim_phys_free(sim, a + 4 * PG, 4 * PG), TDXSIM_OK);
	assert_int_equal(alloc(sim, 4 * PG), a + 4 * PG); /* first fit: the hole */
	/* Give everything back in pieces: the whole block is one free run again. */
	assert_int_equal(tdxsim_phys_free(sim, a, 4 * PG), TDXSIM_OK);
	assert_int_equal(tdxsim_phys_free(sim, a + 4 * PG, 12 * PG), TDXSIM_OK);
	assert_int_equal(alloc(sim, 16 * PG), a);
}

static void free_part__rest_stays_allocated_and_keeps_contents(void **state)
{
	tdxsim_t *sim = *state;
	uint64_t a = alloc(sim, 16 * PG);
	memset(tdxsim_phys_to_virt(sim, a, 8 * PG), 0x5a, 8 * PG);
	assert_int_equal(tdxsim_phys_free(sim, a + 8 * PG, 8 * PG), TDXSIM_OK);
	const uint8_t *p = tdxsim_phys_to_virt(sim, a, 8 * PG);
	for (uint64_t i = 0; i < 8 * PG; i++)
		assert_int_equal(p[i], 0x5a);
	/* The kept half is not free: the next allocation comes after the freed half. */
	assert_int_equal(alloc(sim, 8 * PG), a + 8 * PG);
	assert_int_not_equal(alloc(sim, 8 * PG), a);
}

static void free_part__freed_pages_read_zero_when_reallocated(void **state)
{
	tdxsim_t *sim = *state;
	uint64_t a = alloc(sim, 4 * PG);
	memset(tdxsim_phys_to_virt(sim, a, 4 * PG), 0xff, 4 * PG);
	assert_int_equal(tdxsim_phys_free(sim, a + 2 * PG, 2 * PG), TDXSIM_OK);
	uint64_t b = alloc(sim, 2 * PG);
	assert_int_equal(b, a + 2 * PG);
	const uint8_t *p = tdxsim_phys_to_virt(sim, b, 2 * PG);
	for (uint64_t i = 0; i < 2 * PG; i++)
		assert_int_equal(p[i], 0);
}

static void free_part__range_across_two_allocations(void **state)
{
	tdxsim_t *sim = *state;
	uint64_t a = alloc(sim, 2 * PG), b = alloc(sim, 2 * PG);
	assert_int_equal(b, a + 2 * PG);
	assert_int_equal(tdxsim_phys_free(sim, a + PG, 2 * PG), TDXSIM_OK);
	assert_int_equal(alloc(sim, 2 * PG), a + PG);
}

static void free_part__already_free_part_refused_nothing_freed(void **state)
{
	tdxsim_t *sim = *state;
	uint64_t a = alloc(sim, 8 * PG);
	alloc(sim, PG); /* keeps what follows a allocated, so a's tail cannot merge away */
	assert_int_equal(tdxsim_phys_free(sim, a + 4 * PG, 4 * PG), TDXSIM_OK);
	assert_int_equal(tdxsim_phys_free(sim, a + 4 * PG, PG), TDXSIM_ERR_INVALID_ARG);
	assert_int_equal(tdxsim_phys_free(sim, a, 8 * PG), TDXSIM_ERR_INVALID_ARG);
	/* The refused call freed nothing: a's head is still allocated, its tail still free. */
	assert_int_equal(alloc(sim, 4 * PG), a + 4 * PG);
	assert_int_equal(tdxsim_phys_free(sim, a, 4 * PG), TDXSIM_OK);
}

static void free_part__first_megabyte_refused(void **state)
{
	tdxsim_t *sim = *state;
	/* Never handed out, so never freed: it must not join the free list. */
	assert_int_equal(tdxsim_phys_free(sim, 0, PG), TDXSIM_ERR_INVALID_ARG);
	assert_int_equal(tdxsim_phys_free(sim, 0xFF000, 2 * PG), TDXSIM_ERR_INVALID_ARG);
	uint64_t pa;
	assert_int_equal(tdxsim_phys_alloc(sim, PG, PG, ANY, &pa), TDXSIM_OK);
	assert_true(pa >= (UINT64_C(1) << 20));
}

static void free_part__misaligned_or_outside_ram_refused(void **state)
{
	tdxsim_t *sim = *state;
	uint64_t a = alloc(sim, 2 * PG);
	assert_int_equal(tdxsim_phys_free(sim, a + 8, PG), TDXSIM_ERR_INVALID_ARG);
	assert_int_equal(tdxsim_phys_free(sim, a, 0), TDXSIM_ERR_INVALID_ARG);
	assert_int_equal(tdxsim_phys_free(sim, UINT64_C(3) << 30, PG), TDXSIM_ERR_NOT_RAM); /* hole */
}

/* ---- allocation failures on demand ------------------------------------------------------ */

static void fail_after__skip_proceed_then_count_fail(void **state)
{
	tdxsim_t *sim = *state;
	assert_int_equal(tdxsim_phys_alloc_fail_after(sim, 2, 3), TDXSIM_OK);
	uint64_t pa;
	assert_int_equal(tdxsim_phys_alloc(sim, PG, PG, ANY, &pa), TDXSIM_OK);
	assert_int_equal(tdxsim_phys_alloc(sim, PG, PG, ANY, &pa), TDXSIM_OK);
	for (int i = 0; i < 3; i++)
		assert_int_equal(tdxsim_phys_alloc(sim, PG, PG, ANY, &pa), TDXSIM_ERR_NO_SPACE);
	assert_int_equal(tdxsim_phys_alloc(sim, PG, PG, ANY, &pa), TDXSIM_OK);
}

static void fail_after__failed_allocation_takes_nothing(void **state)
{
	tdxsim_t *sim = *state;
	uint64_t first = alloc(sim, PG);
	assert_int_equal(tdxsim_phys_free(sim, first, PG), TDXSIM_OK);
	assert_int_equal(tdxsim_phys_alloc_fail_after(sim, 0, 1), TDXSIM_OK);
	uint64_t pa = 0x1234;
	assert_int_equal(tdxsim_phys_alloc(sim, 64 * PG, PG, ANY, &pa), TDXSIM_ERR_NO_SPACE);
	assert_int_equal(alloc(sim, PG), first);
}

static void fail_after__invalid_arguments_not_counted(void **state)
{
	tdxsim_t *sim = *state;
	assert_int_equal(tdxsim_phys_alloc_fail_after(sim, 0, 1), TDXSIM_OK);
	uint64_t pa;
	assert_int_equal(tdxsim_phys_alloc(sim, 0, PG, ANY, &pa), TDXSIM_ERR_INVALID_ARG);
	assert_int_equal(tdxsim_phys_alloc(sim, PG, 3, ANY, &pa), TDXSIM_ERR_INVALID_ARG);
	assert_int_equal(tdxsim_phys_alloc(sim, PG, PG, ANY, &pa), TDXSIM_ERR_NO_SPACE);
	assert_int_equal(tdxsim_phys_alloc(sim, PG, PG, ANY, &pa), TDXSIM_OK);
}

static void fail_after__new_call_replaces_and_zero_disarms(void **state)
{
	tdxsim_t *sim = *state;
	uint64_t pa;
	assert_int_equal(tdxsim_phys_alloc_fail_after(sim, 0, 5), TDXSIM_OK);
	assert_int_equal(tdxsim_phys_alloc_fail_after(sim, 1, 1), TDXSIM_OK);
	assert_int_equal(tdxsim_phys_alloc(sim, PG, PG, ANY, &pa), TDXSIM_OK);
	assert_int_equal(tdxsim_phys_alloc(sim, PG, PG, ANY, &pa), TDXSIM_ERR_NO_SPACE);
	assert_int_equal(tdxsim_phys_alloc(sim, PG, PG, ANY, &pa), TDXSIM_OK);
	assert_int_equal(tdxsim_phys_alloc_fail_after(sim, 0, 2), TDXSIM_OK);
	assert_int_equal(tdxsim_phys_alloc_fail_after(sim, 0, 0), TDXSIM_OK);
	assert_int_equal(tdxsim_phys_alloc(sim, PG, PG, ANY, &pa), TDXSIM_OK);
}

static void fail_after__null_simulator_refused(void **state)
{
	assert_int_equal(tdxsim_phys_alloc_fail_after(NULL, 0, 1), TDXSIM_ERR_INVALID_ARG);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(free_part__trimmed_tail_is_reused_first),
		T(free_part__middle_pages_form_a_hole),
		T(free_part__rest_stays_allocated_and_keeps_contents),
		T(free_part__freed_pages_read_zero_when_reallocated),
		T(free_part__range_across_two_allocations),
		T(free_part__already_free_part_refused_nothing_freed),
		T(free_part__first_megabyte_refused),
		T(free_part__misaligned_or_outside_ram_refused),
		T(fail_after__skip_proceed_then_count_fail),
		T(fail_after__failed_allocation_takes_nothing),
		T(fail_after__invalid_arguments_not_counted),
		T(fail_after__new_call_replaces_and_zero_disarms),
		cmocka_unit_test(fail_after__null_simulator_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
