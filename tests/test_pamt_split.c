/* SPDX-License-Identifier: MIT */
/*
 * The PAMT store's split and merge (tdxsim_pamt_demote / tdxsim_pamt_promote, pamt.h;
 * td-runtime.md 2.8, 2.9, 2.12; module 1.5.05 pamt_manager.c pamt_demote/pamt_promote): what
 * they refuse (one row per rule, nothing changed), what they write (types, owners, BEPOCH,
 * counters: tdxsim_pamt_check recounts), and that running out of host memory changes nothing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "pamt/pamt.h"

#define GiB   (UINT64_C(1) << 30)
#define MiB   (UINT64_C(1) << 20)
#define BASE  (4 * GiB)
#define OWNER UINT64_C(0x7000000)

static struct tdxsim_pamt *store(void)
{
	struct tdxsim_pamt *p;
	assert_int_equal(tdxsim_pamt_create(&p), 0);
	assert_int_equal(tdxsim_pamt_add_tdmr(p, BASE, 2 * GiB, NULL, 0, 0), TDXSIM_PAMT_OK);
	while (tdxsim_pamt_init_chunk(p, 0))
		;
	return p;
}

static void assert_leaf(struct tdxsim_pamt *p, uint64_t pa, uint8_t type, unsigned level, uint64_t owner,
			uint64_t bepoch)
{
	struct tdxsim_pamt_leaf l;
	char msg[256];
	assert_int_equal(tdxsim_pamt_walk(p, pa, &l), TDXSIM_PAMT_OK);
	assert_int_equal(l.type, type);
	assert_int_equal(l.level, level);
	assert_int_equal(l.owner, owner);
	assert_int_equal(l.bepoch, bepoch);
	if (tdxsim_pamt_check(p, msg, sizeof(msg)))
		fail_msg("%s", msg);
}

/* A 2M PT_REG page with BEPOCH 9 splits into 512 4K PT_REG pages, BEPOCH 0; the 2M entry goes
 * to PT_NDA; merged again, the 2M entry is PT_REG with the owner and its stale BEPOCH. */
static void split_merge__2m__types_owners_bepoch(void **state)
{
	(void)state;
	struct tdxsim_pamt *p = store();
	assert_int_equal(tdxsim_pamt_assign(p, BASE, TDXSIM_PS_2M, TDXSIM_PT_REG, OWNER), TDXSIM_PAMT_OK);
	assert_int_equal(tdxsim_pamt_set_bepoch(p, BASE, TDXSIM_PS_2M, 9), TDXSIM_PAMT_OK);
	assert_int_equal(tdxsim_pamt_demote(p, BASE, TDXSIM_PS_2M), TDXSIM_PAMT_OK);
	assert_leaf(p, BASE, TDXSIM_PT_REG, TDXSIM_PS_4K, OWNER, 0);
	assert_leaf(p, BASE + 2 * MiB - 4096, TDXSIM_PT_REG, TDXSIM_PS_4K, OWNER, 0);
	assert_int_equal(tdxsim_pamt_promote(p, BASE, TDXSIM_PS_2M), TDXSIM_PAMT_OK);
	assert_leaf(p, BASE + 4096, TDXSIM_PT_REG, TDXSIM_PS_2M, OWNER, 9);
	tdxsim_pamt_destroy(p);
}

/* 1G: 512 2M pages merge into one 1G page and split back. */
static void split_merge__1g(void **state)
{
	(void)state;
	struct tdxsim_pamt *p = store();
	for (unsigned i = 0; i < 512; i++)
		assert_int_equal(
			tdxsim_pamt_assign(p, BASE + i * 2 * MiB, TDXSIM_PS_2M, TDXSIM_PT_REG, OWNER),
			TDXSIM_PAMT_OK);
	assert_int_equal(tdxsim_pamt_promote(p, BASE, TDXSIM_PS_1G), TDXSIM_PAMT_OK);
	assert_leaf(p, BASE + 6 * MiB, TDXSIM_PT_REG, TDXSIM_PS_1G, OWNER, 0);
	assert_int_equal(tdxsim_pamt_demote(p, BASE, TDXSIM_PS_1G), TDXSIM_PAMT_OK);
	assert_leaf(p, BASE + 6 * MiB, TDXSIM_PT_REG, TDXSIM_PS_2M, OWNER, 0);
	tdxsim_pamt_destroy(p);
}

struct row {
	const char *rule;
	int op; /* 0 demote, 1 promote */
	uint64_t pa;
	unsigned level;
	enum tdxsim_pamt_result want;
};

/* The store holds: BASE a 2M page; BASE + 2M 511 4K pages (a hole at the end); BASE + 4M 512
 * 4K pages, the last with another owner; BASE + 6M 512 4K pages (mergeable). */
static const struct row rows[] = {
	{"demote__level_4k__bad_level", 0, BASE, TDXSIM_PS_4K, TDXSIM_PAMT_BAD_LEVEL},
	{"demote__misaligned__misaligned", 0, BASE + 4096, TDXSIM_PS_2M, TDXSIM_PAMT_MISALIGNED},
	{"demote__outside_tdmrs__not_covered", 0, 64 * GiB, TDXSIM_PS_2M, TDXSIM_PAMT_NOT_COVERED},
	{"demote__no_2m_leaf_there__not_assigned", 0, BASE + 6 * MiB, TDXSIM_PS_2M, TDXSIM_PAMT_NOT_ASSIGNED},
	{"demote__2m_page_at_1g__not_assigned", 0, BASE, TDXSIM_PS_1G, TDXSIM_PAMT_NOT_ASSIGNED},
	{"promote__level_4k__bad_level", 1, BASE, TDXSIM_PS_4K, TDXSIM_PAMT_BAD_LEVEL},
	{"promote__a_hole__not_assigned", 1, BASE + 2 * MiB, TDXSIM_PS_2M, TDXSIM_PAMT_NOT_ASSIGNED},
	{"promote__two_owners__not_assigned", 1, BASE + 4 * MiB, TDXSIM_PS_2M, TDXSIM_PAMT_NOT_ASSIGNED},
	{"promote__children_already_2m__not_assigned", 1, BASE, TDXSIM_PS_2M, TDXSIM_PAMT_NOT_ASSIGNED},
	{"promote__1g_with_4k_children__not_assigned", 1, BASE, TDXSIM_PS_1G, TDXSIM_PAMT_NOT_ASSIGNED},
};

static void split_merge__refusals_change_nothing(void **state)
{
	(void)state;
	struct tdxsim_pamt *p = store();
	assert_int_equal(tdxsim_pamt_assign(p, BASE, TDXSIM_PS_2M, TDXSIM_PT_REG, OWNER), TDXSIM_PAMT_OK);
	for (unsigned i = 0; i < 511; i++)
		tdxsim_pamt_assign_4k(p, BASE + 2 * MiB + i * 4096ULL, TDXSIM_PT_REG, OWNER);
	for (unsigned i = 0; i < 512; i++)
		tdxsim_pamt_assign_4k(p, BASE + 4 * MiB + i * 4096ULL, TDXSIM_PT_REG,
				      i == 511 ? OWNER + 1 : OWNER);
	for (unsigned i = 0; i < 512; i++)
		tdxsim_pamt_assign_4k(p, BASE + 6 * MiB + i * 4096ULL, TDXSIM_PT_REG, OWNER);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		uint64_t before = tdxsim_pamt_hash(p, 0);
		enum tdxsim_pamt_result got = r->op ? tdxsim_pamt_promote(p, r->pa, r->level)
						    : tdxsim_pamt_demote(p, r->pa, r->level);
		if (got != r->want)
			print_error("rule %s: got %d\n", r->rule, got);
		assert_int_equal(got, r->want);
		assert_int_equal(tdxsim_pamt_hash(p, 0), before);
	}
	tdxsim_pamt_destroy(p);
}

/* Out of host memory (the children's table, or the merged entry's 2M table, cannot be
 * allocated): TDXSIM_PAMT_NO_MEMORY and nothing changed. */
static void split_merge__no_memory__nothing_changed(void **state)
{
	(void)state;
	struct tdxsim_pamt *p = store();
	assert_int_equal(tdxsim_pamt_assign(p, BASE, TDXSIM_PS_2M, TDXSIM_PT_REG, OWNER), TDXSIM_PAMT_OK);
	for (unsigned i = 0; i < 512; i++)
		tdxsim_pamt_assign_4k(p, BASE + GiB + i * 4096ULL, TDXSIM_PT_REG, OWNER);
	uint64_t before = tdxsim_pamt_hash(p, 0);
	tdxsim_pamt_set_alloc_budget(p, 0);
	assert_int_equal(tdxsim_pamt_demote(p, BASE, TDXSIM_PS_2M), TDXSIM_PAMT_NO_MEMORY);
	assert_int_equal(tdxsim_pamt_promote(p, BASE + GiB, TDXSIM_PS_2M), TDXSIM_PAMT_NO_MEMORY);
	assert_int_equal(tdxsim_pamt_hash(p, 0), before);
	tdxsim_pamt_set_alloc_budget(p, -1);
	assert_int_equal(tdxsim_pamt_promote(p, BASE + GiB, TDXSIM_PS_2M), TDXSIM_PAMT_OK);
	assert_leaf(p, BASE + GiB, TDXSIM_PT_REG, TDXSIM_PS_2M, OWNER, 0);
	tdxsim_pamt_destroy(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(split_merge__2m__types_owners_bepoch),
		cmocka_unit_test(split_merge__1g),
		cmocka_unit_test(split_merge__refusals_change_nothing),
		cmocka_unit_test(split_merge__no_memory__nothing_changed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
