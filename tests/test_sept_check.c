/* SPDX-License-Identifier: MIT */
/*
 * The secure-EPT checker's own hash (sept/sept.c, tdxsim_sept_check() with a hash): the fuzz
 * targets take the state hash from the checker's pass, so in every shape of tree it must equal
 * tdxsim_sept_hash() from the same seed, and a tree the checker refuses leaves the hash as it
 * was. One row per shape.
 */
#include "fixture.h"
#include "sept/sept.h"

#define ROOT UINT64_C(0x100000)
#define L2   UINT64_C(0x200000)
#define L1   UINT64_C(0x300000)
#define L0   UINT64_C(0x400000)
#define GPA  UINT64_C(0x40201000) /* index 1 at every level but the root's 0 */
#define SEED UINT64_C(0x1234)

static struct tdxsim_sept *root_only(void)
{
	struct tdxsim_sept *s = tdxsim_sept_new(ROOT, 3);
	assert_non_null(s);
	return s;
}

/* Root -> L2 -> L1 -> L0 for GPA, nothing mapped. */
static struct tdxsim_sept *path(void)
{
	struct tdxsim_sept *s = root_only();
	assert_non_null(tdxsim_sept_table_add(s, L2, 2));
	assert_non_null(tdxsim_sept_table_add(s, L1, 1));
	assert_non_null(tdxsim_sept_table_add(s, L0, 0));
	tdxsim_sept_table_get(s, ROOT)->e[tdxsim_sept_index(GPA, 3)] = TDXSIM_SEPTE_NL_MAPPED(L2);
	tdxsim_sept_table_get(s, L2)->e[tdxsim_sept_index(GPA, 2)] = TDXSIM_SEPTE_NL_MAPPED(L1);
	tdxsim_sept_table_get(s, L1)->e[tdxsim_sept_index(GPA, 1)] = TDXSIM_SEPTE_NL_MAPPED(L0);
	return s;
}

/* The path with a 4K leaf at GPA and pending pages in every run of the 4K table. */
static struct tdxsim_sept *leaves(void)
{
	struct tdxsim_sept *s = path();
	struct tdxsim_sept_table *t = tdxsim_sept_table_get(s, L0);
	t->e[tdxsim_sept_index(GPA, 0)] = TDXSIM_SEPTE_MAPPED(UINT64_C(0x7000000));
	for (unsigned i = 0; i < TDXSIM_SEPT_ENTRIES; i += 7)
		t->e[i] = TDXSIM_SEPTE_PENDING(UINT64_C(0x8000000) + (uint64_t)i * 4096);
	return s;
}

/* The path whose 4K table is gone, its entry kept (refused unless torn down). */
static struct tdxsim_sept *dangling(void)
{
	struct tdxsim_sept *s = path();
	tdxsim_sept_table_del(s, L0);
	return s;
}

/* A leaf in the root (refused: no leaf above 1G). */
static struct tdxsim_sept *root_leaf(void)
{
	struct tdxsim_sept *s = root_only();
	tdxsim_sept_table_get(s, ROOT)->e[5] = TDXSIM_SEPTE_MAPPED(UINT64_C(0x40000000));
	return s;
}

static const struct row {
	const char *rule;
	struct tdxsim_sept *(*build)(void);
	bool torn_down;
	int verdict;
} rows[] = {
	{"a root alone hashes as the hash does", root_only, false, 0},
	{"a path of tables hashes as the hash does", path, false, 0},
	{"leaves in many runs hash as the hash does", leaves, false, 0},
	{"a torn-down TD's dangling entry hashes as the hash does", dangling, true, 0},
	{"a dangling entry is refused, hash untouched", dangling, false, -1},
	{"a leaf in the root is refused, hash untouched", root_leaf, false, -1},
};

static void check_hash__each_shape(void **state)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct tdxsim_sept *s = rows[i].build();
		char msg[256] = "";
		uint64_t hash = SEED;
		int rc = tdxsim_sept_check(s, rows[i].torn_down, &hash, msg, sizeof(msg));
		uint64_t want = rows[i].verdict ? SEED : tdxsim_sept_hash(s, SEED);
		if (rc != rows[i].verdict || hash != want)
			fail_msg("rule \"%s\": verdict %d (%s), hash %#llx, want %d and %#llx", rows[i].rule,
				 rc, msg, (unsigned long long)hash, rows[i].verdict,
				 (unsigned long long)want);
		/* Without a hash, the same verdict. */
		assert_int_equal(tdxsim_sept_check(s, rows[i].torn_down, NULL, msg, sizeof(msg)), rc);
		tdxsim_sept_free(s);
	}
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(check_hash__each_shape),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
