/* SPDX-License-Identifier: MIT */
/*
 * The secure-EPT walk (sept/sept.h) and its walk hints: a walk follows the entries exactly as
 * a lookup of each table's PA would, whatever tables were added, deleted, replaced or copied
 * since the hints were written. Run under ASan, a hint that outlived its table fails here.
 */
#include "fixture.h"
#include "sept/sept.h"

#define ROOT UINT64_C(0x100000)
#define L2   UINT64_C(0x200000)
#define L1   UINT64_C(0x300000)
#define L0   UINT64_C(0x400000)
#define L0B  UINT64_C(0x500000)
#define GPA  UINT64_C(0x40201000) /* index 1 at every level but the root's 0 */

/* A 4-level tree down to a 4K table at @l0 for GPA. */
static struct tdxsim_sept *tree(uint64_t l0)
{
	struct tdxsim_sept *s = tdxsim_sept_new(ROOT, 3);
	assert_non_null(s);
	struct tdxsim_sept_table *t3 = tdxsim_sept_table_get(s, ROOT);
	struct tdxsim_sept_table *t2 = tdxsim_sept_table_add(s, L2, 2);
	struct tdxsim_sept_table *t1 = tdxsim_sept_table_add(s, L1, 1);
	assert_non_null(tdxsim_sept_table_add(s, l0, 0));
	t3->e[tdxsim_sept_index(GPA, 3)] = TDXSIM_SEPTE_NL_MAPPED(L2);
	t2->e[tdxsim_sept_index(GPA, 2)] = TDXSIM_SEPTE_NL_MAPPED(L1);
	t1->e[tdxsim_sept_index(GPA, 1)] = TDXSIM_SEPTE_NL_MAPPED(l0);
	return s;
}

/* The PA of the table a walk to the 4K level ends in, and the level it reached. */
static uint64_t walk_end(const struct tdxsim_sept *s, unsigned *reached)
{
	struct tdxsim_sept_table *parent = NULL;
	tdxsim_sept_walk(s, GPA, 0, reached, &parent);
	assert_non_null(parent);
	return parent->pa;
}

static void walk__hinted_twice__same_tables(void **state)
{
	struct tdxsim_sept *s = tree(L0);
	unsigned reached;
	assert_int_equal(walk_end(s, &reached), L0); /* writes the hints */
	assert_int_equal(reached, 0);
	assert_int_equal(walk_end(s, &reached), L0); /* follows them */
	assert_int_equal(reached, 0);
	tdxsim_sept_free(s);
}

static void walk__table_deleted_and_replaced__follows_the_entry(void **state)
{
	struct tdxsim_sept *s = tree(L0);
	unsigned reached;
	assert_int_equal(walk_end(s, &reached), L0);
	/* SEPT.REMOVE then SEPT.ADD of another page at the same place. */
	tdxsim_sept_table_del(s, L0);
	assert_non_null(tdxsim_sept_table_add(s, L0B, 0));
	tdxsim_sept_table_get(s, L1)->e[tdxsim_sept_index(GPA, 1)] = TDXSIM_SEPTE_NL_MAPPED(L0B);
	assert_int_equal(walk_end(s, &reached), L0B);
	assert_int_equal(reached, 0);
	tdxsim_sept_free(s);
}

static void walk__table_deleted_entry_kept__stops_above(void **state)
{
	/* TDH.PHYMEM.PAGE.RECLAIM of a torn-down TD's secure-EPT page deletes the table while
	 * its parent entry still names it: a walk stops there, as with no table. */
	struct tdxsim_sept *s = tree(L0);
	unsigned reached;
	assert_int_equal(walk_end(s, &reached), L0);
	tdxsim_sept_table_del(s, L0);
	assert_int_equal(walk_end(s, &reached), L1);
	assert_int_equal(reached, 1);
	tdxsim_sept_free(s);
}

static void walk__entry_repointed_without_add__follows_the_entry(void **state)
{
	/* No table added or deleted: the generation stays, the hint's PA no longer matches. */
	struct tdxsim_sept *s = tree(L0);
	unsigned reached;
	assert_non_null(tdxsim_sept_table_add(s, L0B, 0));
	assert_int_equal(walk_end(s, &reached), L0);
	tdxsim_sept_table_get(s, L1)->e[tdxsim_sept_index(GPA, 1)] = TDXSIM_SEPTE_NL_MAPPED(L0B);
	assert_int_equal(walk_end(s, &reached), L0B);
	tdxsim_sept_free(s);
}

static void walk__entry_blocked__stops_above(void **state)
{
	struct tdxsim_sept *s = tree(L0);
	unsigned reached;
	assert_int_equal(walk_end(s, &reached), L0);
	uint64_t *e = &tdxsim_sept_table_get(s, L1)->e[tdxsim_sept_index(GPA, 1)];
	*e &= ~TDXSIM_SEPTE_RWX; /* a blocked non-leaf entry: the walk stops at it */
	assert_int_equal(walk_end(s, &reached), L1);
	assert_int_equal(reached, 1);
	tdxsim_sept_free(s);
}

static void dup__walks_its_own_tables__after_the_source_is_gone(void **state)
{
	struct tdxsim_sept *s = tree(L0);
	unsigned reached;
	assert_int_equal(walk_end(s, &reached), L0); /* hints into the source's tables */
	struct tdxsim_sept *d = tdxsim_sept_dup(s);
	assert_non_null(d);
	struct tdxsim_sept_table *parent = NULL;
	tdxsim_sept_walk(d, GPA, 0, &reached, &parent);
	assert_ptr_equal(parent, tdxsim_sept_table_get(d, L0));
	assert_ptr_not_equal(parent, tdxsim_sept_table_get(s, L0));
	tdxsim_sept_free(s);
	assert_int_equal(walk_end(d, &reached), L0);
	assert_int_equal(reached, 0);
	tdxsim_sept_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(walk__hinted_twice__same_tables),
		cmocka_unit_test(walk__table_deleted_and_replaced__follows_the_entry),
		cmocka_unit_test(walk__table_deleted_entry_kept__stops_above),
		cmocka_unit_test(walk__entry_repointed_without_add__follows_the_entry),
		cmocka_unit_test(walk__entry_blocked__stops_above),
		cmocka_unit_test(dup__walks_its_own_tables__after_the_source_is_gone),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
