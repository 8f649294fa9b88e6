/* SPDX-License-Identifier: MIT */
/*
 * Whole-page paths of the integrity model (mce/model.c): a 4 KiB write through a private
 * KeyID (written at once, not line by line) and tdxsim_mce_copy_page (TDH.MEM.PAGE.ADD's copy
 * under one lock, straight from RAM when the source is plain shared memory). Each row of the
 * copy table runs the same setup on two simulators: one copies with tdxsim_mce_copy_page, the
 * other with tdxsim_mce_read then tdxsim_mce_write; the states must be identical (state hash,
 * line states, what the target reads back through its KeyID), as mce.h promises.
 */
#include <string.h>

#include "fixture.h"
#include "mce/mce.h"
#include "sim/sim.h"
#include "tdxsim/memory.h"
#include "tdxsim/platform.h"

#define K  33 /* private KeyIDs (default split: private range [32, 63]) */
#define K2 34

static uint64_t kpa(tdxsim_t *sim, uint64_t pa, uint32_t keyid)
{
	return pa | (uint64_t)keyid << tdxsim_keyid_shift(sim);
}

static void fill(uint8_t *b, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(seed + i * 7);
}

static tdxsim_t *sim_new(bool trap, uint64_t *pages)
{
	tdxsim_config_t cfg;
	tdxsim_t *sim;
	tdxsim_config_init(&cfg);
	cfg.errata = TDXSIM_ERRATUM_PARTIAL_WRITE_POISON;
	cfg.trap_mode = trap;
	assert_int_equal(tdxsim_create(&cfg, &sim), TDXSIM_OK);
	assert_int_equal(tdxsim_phys_alloc(sim, 2 * 4096, 4096, UINT32_MAX, pages), TDXSIM_OK);
	return sim;
}

static void check(tdxsim_t *sim)
{
	char msg[256] = "";
	if (tdxsim_check_invariants(sim, msg, sizeof(msg)) != TDXSIM_OK)
		fail_msg("invariant: %s", msg);
}

/* Poisons line @l of @page (private line, then a partial shared write with the erratum on). */
static void poison(tdxsim_t *sim, uint64_t page, unsigned l)
{
	uint8_t z[64] = {0};
	assert_int_equal(tdxsim_movdir64b(sim, 0, kpa(sim, page + 64 * l, K), z), TDXSIM_OK);
	assert_int_equal(tdxsim_mem_write(sim, 0, page + 64 * l, z, 8), TDXSIM_OK);
}

static void whole_page_private_write__poisoned_lines__cleared_owned_and_counted(void **state)
{
	uint64_t page;
	tdxsim_t *sim = sim_new(false, &page);
	uint8_t w[4096], got[4096];
	tdxsim_mem_stats_t before, after;
	fill(w, sizeof(w), 5);
	poison(sim, page, 3);
	poison(sim, page, 60);
	tdxsim_mem_stats(sim, &before);
	assert_int_equal(tdxsim_mem_write(sim, 0, kpa(sim, page, K2), w, sizeof(w)), TDXSIM_OK);
	tdxsim_mem_stats(sim, &after);
	assert_int_equal(after.lines_cleared - before.lines_cleared, 2);
	for (unsigned l = 0; l < 64; l++) {
		tdxsim_line_info_t li;
		assert_int_equal(tdxsim_mem_line_info(sim, page + 64 * l, &li), TDXSIM_OK);
		assert_int_equal(li.owner_keyid, K2);
		assert_false(li.poisoned);
	}
	assert_int_equal(tdxsim_mem_read(sim, 0, kpa(sim, page, K2), got, sizeof(got)), TDXSIM_OK);
	assert_memory_equal(got, w, sizeof(w));
	/* A shared read of the TD-owned page: zeros, no poison. */
	assert_int_equal(tdxsim_mem_read(sim, 0, page, got, sizeof(got)), TDXSIM_OK);
	for (size_t i = 0; i < sizeof(got); i++)
		assert_int_equal(got[i], 0);
	check(sim);
	tdxsim_destroy(sim);
}

static void whole_page_private_write__trap_mode__plain_loads_read_zeros(void **state)
{
	uint64_t page;
	tdxsim_t *sim = sim_new(true, &page);
	uint8_t w[4096], data[4096];
	fill(w, sizeof(w), 9);
	fill(data, sizeof(data), 77);
	assert_int_equal(tdxsim_mem_write(sim, 0, page, data, sizeof(data)), TDXSIM_OK);
	assert_int_equal(tdxsim_mem_write(sim, 0, kpa(sim, page, K), w, sizeof(w)), TDXSIM_OK);
	/* Trap mode maps the TD-owned page read-only: a plain load sees what hardware returns
	 * through a shared KeyID, not the shared data that was there. */
	const volatile uint8_t *p = tdxsim_phys_to_virt(sim, page, 4096);
	assert_non_null(p);
	for (size_t i = 0; i < 4096; i++)
		assert_int_equal(p[i], 0);
	check(sim);
	tdxsim_destroy(sim);
}

/* ---- tdxsim_mce_copy_page against read + write ----------------------------------------- */

enum src_pre { SRC_SHARED, SRC_OWNED_K2, SRC_OWNED_K, SRC_POISONED, SRC_SAME_PAGE };

struct copy_row {
	const char *name;
	enum src_pre pre;
	uint32_t src_keyid; /* through which the source is read */
	tdxsim_err_t err;
};

static const struct copy_row copy_rows[] = {
	{"shared_source__copied_into_the_private_target", SRC_SHARED, 0, TDXSIM_OK},
	{"td_owned_source_through_a_shared_keyid__zeros_copied", SRC_OWNED_K2, 0, TDXSIM_OK},
	{"private_source_owned_by_its_keyid__plaintext_copied", SRC_OWNED_K, K, TDXSIM_OK},
	{"private_source_owned_by_another_keyid__poison_and_machine_check", SRC_OWNED_K2, K, TDXSIM_ERR_MCE},
	{"poisoned_source__machine_check__target_unwritten", SRC_POISONED, 0, TDXSIM_ERR_MCE},
	{"source_is_the_target__read_before_it_is_overwritten", SRC_SAME_PAGE, 0, TDXSIM_OK},
};

/* The same setup on a new simulator: target page, source page (or the target itself). */
static tdxsim_t *copy_setup(const struct copy_row *r, uint64_t *dst, uint64_t *src)
{
	uint64_t pages;
	tdxsim_t *sim = sim_new(false, &pages);
	uint8_t old[4096], data[4096];
	fill(old, sizeof(old), 1);
	fill(data, sizeof(data), 100);
	*dst = pages;
	*src = r->pre == SRC_SAME_PAGE ? pages : pages + 4096;
	/* The target held other data through another KeyID (what must be fully replaced). */
	assert_int_equal(tdxsim_mem_write(sim, 0, kpa(sim, *dst, K2), old, sizeof(old)), TDXSIM_OK);
	switch (r->pre) {
	case SRC_SAME_PAGE:
		assert_int_equal(tdxsim_mem_write(sim, 0, *src, data, sizeof(data)), TDXSIM_OK);
		break;
	case SRC_SHARED:
	case SRC_POISONED:
		assert_int_equal(tdxsim_mem_write(sim, 0, *src, data, sizeof(data)), TDXSIM_OK);
		if (r->pre == SRC_POISONED)
			poison(sim, *src, 7);
		break;
	case SRC_OWNED_K2:
	case SRC_OWNED_K:
		assert_int_equal(tdxsim_mem_write(sim, 0, kpa(sim, *src, r->pre == SRC_OWNED_K ? K : K2),
						  data, sizeof(data)),
				 TDXSIM_OK);
		break;
	}
	return sim;
}

static void copy_page__each_row__same_as_read_then_write(void **state)
{
	for (size_t i = 0; i < sizeof(copy_rows) / sizeof(copy_rows[0]); i++) {
		const struct copy_row *r = &copy_rows[i];
		uint64_t dst, src, dst2, src2, mce_a = 0, mce_b = 0;
		tdxsim_t *a = copy_setup(r, &dst, &src), *b = copy_setup(r, &dst2, &src2);
		uint8_t buf[4096], ga[4096], gb[4096];

		tdxsim_err_t ea = tdxsim_mce_copy_page(a->integrity, dst, K, src, r->src_keyid, &mce_a);
		tdxsim_err_t eb = tdxsim_mce_read(b->integrity, src2, r->src_keyid, buf, sizeof(buf), &mce_b);
		if (eb == TDXSIM_OK)
			eb = tdxsim_mce_write(b->integrity, dst2, K, buf, sizeof(buf));
		if (ea != r->err || eb != r->err)
			fail_msg("%s: copy_page %d, read+write %d, want %d", r->name, ea, eb, r->err);
		assert_int_equal(dst, dst2);
		assert_int_equal(mce_a, mce_b);
		if (tdxsim_state_hash(a) != tdxsim_state_hash(b))
			fail_msg("%s: states differ", r->name);
		for (unsigned l = 0; l < 64; l++) {
			tdxsim_line_info_t la, lb;
			assert_int_equal(tdxsim_mem_line_info(a, dst + 64 * l, &la), TDXSIM_OK);
			assert_int_equal(tdxsim_mem_line_info(b, dst + 64 * l, &lb), TDXSIM_OK);
			if (la.owner_keyid != lb.owner_keyid || la.poisoned != lb.poisoned)
				fail_msg("%s: target line %u differs", r->name, l);
			assert_int_equal(tdxsim_mem_line_info(a, src + 64 * l, &la), TDXSIM_OK);
			assert_int_equal(tdxsim_mem_line_info(b, src + 64 * l, &lb), TDXSIM_OK);
			if (la.owner_keyid != lb.owner_keyid || la.poisoned != lb.poisoned)
				fail_msg("%s: source line %u differs", r->name, l);
		}
		uint32_t owner = r->err ? K2 : K;
		assert_int_equal(tdxsim_mem_read(a, 0, kpa(a, dst, owner), ga, sizeof(ga)), TDXSIM_OK);
		assert_int_equal(tdxsim_mem_read(b, 0, kpa(b, dst, owner), gb, sizeof(gb)), TDXSIM_OK);
		if (memcmp(ga, gb, sizeof(ga)))
			fail_msg("%s: target plaintext differs", r->name);
		check(a);
		check(b);
		tdxsim_destroy(a);
		tdxsim_destroy(b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(whole_page_private_write__poisoned_lines__cleared_owned_and_counted),
		cmocka_unit_test(whole_page_private_write__trap_mode__plain_loads_read_zeros),
		cmocka_unit_test(copy_page__each_row__same_as_read_then_write),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
