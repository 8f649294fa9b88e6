/* SPDX-License-Identifier: MIT */
/*
 * The PAMT store's in-place restore (pamt.h, pamt_clone.c; what tdxsim_snapshot_restore() runs):
 * whatever nodes the live store and the saved one have, after prepare and commit the live store
 * answers exactly as the saved one (hash, every entry the rows touched, statistics, checker), and
 * after prepare and abort exactly as before. One row per way the two stores' nodes can differ.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/util.h"
#include "pamt/pamt.h"

#define GiB   TDXSIM_1G
#define MiB   (UINT64_C(1) << 20)
#define OWNER UINT64_C(0x7000000)

/* Two TDMRs, 2 GiB and 1 GiB, initialized; the first with a reserved page at its base. */
static void layout(struct tdxsim_pamt *p, unsigned tdmrs)
{
	const struct tdxsim_tdmr_reserved_area area = {.offset = 0, .size = 0x1000};
	assert_int_equal(tdxsim_pamt_add_tdmr(p, GiB, 2 * GiB, &area, 1, 0), TDXSIM_PAMT_OK);
	if (tdmrs > 1)
		assert_int_equal(tdxsim_pamt_add_tdmr(p, 8 * GiB, GiB, NULL, 0, 0), TDXSIM_PAMT_OK);
	for (unsigned i = 0; i < tdmrs; i++)
		while (tdxsim_pamt_init_chunk(p, i))
			;
}

/* Addresses the rows write and the test reads back. */
#define PA_4K	(GiB + 6 * MiB + 0x3000)      /* a 4K table of the first GiB */
#define PA_4K_B (2 * GiB + 10 * MiB + 0x5000) /* one of the second GiB */
#define PA_4K_C (GiB + 20 * MiB)	      /* another 4K table of the first GiB */
#define PA_1G	(8 * GiB)		      /* the second TDMR's only GiB, as a 1G page */
static const uint64_t probes[] = {PA_4K, PA_4K + 0x1000, PA_4K_B, PA_4K_C, PA_1G, PA_1G + 0x200000, GiB};

static void nothing(struct tdxsim_pamt *p)
{
	layout(p, 2);
}
static void page_4k(struct tdxsim_pamt *p)
{
	layout(p, 2);
	assert_int_equal(tdxsim_pamt_assign_4k(p, PA_4K, TDXSIM_PT_REG, OWNER), TDXSIM_PAMT_OK);
}
static void page_4k_c(struct tdxsim_pamt *p)
{
	layout(p, 2);
	assert_int_equal(tdxsim_pamt_assign_4k(p, PA_4K_C, TDXSIM_PT_TDVPR, OWNER), TDXSIM_PAMT_OK);
}
static void page_4k_and_c(struct tdxsim_pamt *p)
{
	page_4k_c(p);
	assert_int_equal(tdxsim_pamt_assign_4k(p, PA_4K, TDXSIM_PT_REG, OWNER), TDXSIM_PAMT_OK);
}
static void page_4k_other_owner(struct tdxsim_pamt *p)
{
	layout(p, 2);
	assert_int_equal(tdxsim_pamt_assign_4k(p, PA_4K, TDXSIM_PT_TDR, OWNER + 0x1000), TDXSIM_PAMT_OK);
	assert_int_equal(tdxsim_pamt_assign_4k(p, PA_4K + 0x1000, TDXSIM_PT_REG, OWNER), TDXSIM_PAMT_OK);
}
static void page_4k_blocked(struct tdxsim_pamt *p)
{
	page_4k(p);
	assert_int_equal(tdxsim_pamt_set_bepoch(p, PA_4K, TDXSIM_PS_4K, 7), TDXSIM_PAMT_OK);
}
static void two_gibs(struct tdxsim_pamt *p)
{
	page_4k(p);
	assert_int_equal(tdxsim_pamt_assign_4k(p, PA_4K_B, TDXSIM_PT_EPT, OWNER), TDXSIM_PAMT_OK);
}
static void page_1g(struct tdxsim_pamt *p)
{
	layout(p, 2);
	assert_int_equal(tdxsim_pamt_assign(p, PA_1G, TDXSIM_PS_1G, TDXSIM_PT_REG, OWNER), TDXSIM_PAMT_OK);
}
static void one_tdmr(struct tdxsim_pamt *p)
{
	layout(p, 1);
}
static void no_tdmr(struct tdxsim_pamt *p)
{
	(void)p;
}

static const struct row {
	const char *rule;
	void (*saved)(struct tdxsim_pamt *p);
	void (*live)(struct tdxsim_pamt *p);
	bool clone; /* the TDMRs differ: a whole copy replaces the live store */
} rows[] = {
	{"a 4K table only the live store has is freed", page_4k_c, page_4k_and_c, false},
	{"a 4K table only the saved store has is made", page_4k_and_c, page_4k_c, false},
	{"a 1 GiB block with its tables only the live store has is freed", nothing, page_4k, false},
	{"a 1 GiB block with its tables only the saved store has is made", page_4k, nothing, false},
	{"a table both have takes the saved entries", page_4k, page_4k_other_owner, false},
	{"a BEPOCH column only the saved table has is made", page_4k_blocked, page_4k, false},
	{"a BEPOCH column only the live table has is freed", page_4k, page_4k_blocked, false},
	{"a second 1 GiB block only the saved store has is made", two_gibs, page_4k, false},
	{"a second 1 GiB block only the live store has is freed", page_4k, two_gibs, false},
	{"a 1G entry only the saved store has", page_1g, nothing, false},
	{"a 1G entry only the live store has", nothing, page_1g, false},
	{"other TDMRs: a copy of the saved store", one_tdmr, two_gibs, true},
	{"no TDMRs saved: a copy of the saved store", no_tdmr, two_gibs, true},
	{"no TDMRs live: a copy of the saved store", two_gibs, no_tdmr, true},
};

struct view {
	uint64_t hash;
	tdxsim_pamt_stats_t stats;
	struct tdxsim_pamt_leaf leaf[sizeof(probes) / sizeof(probes[0])];
	enum tdxsim_pamt_result res[sizeof(probes) / sizeof(probes[0])];
};

static void look(const struct tdxsim_pamt *p, struct view *v)
{
	char msg[256];
	memset(v, 0, sizeof(*v));
	if (tdxsim_pamt_check(p, msg, sizeof(msg)))
		fail_msg("%s", msg);
	v->hash = tdxsim_pamt_hash(p, TDXSIM_HASH_SEED);
	tdxsim_pamt_get_stats(p, &v->stats);
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
		v->res[i] = tdxsim_pamt_walk(p, probes[i], &v->leaf[i]);
}

static void assert_views_equal(const char *rule, const struct view *a, const struct view *b)
{
	if (a->hash != b->hash || memcmp(&a->stats, &b->stats, sizeof(a->stats)) ||
	    memcmp(a->leaf, b->leaf, sizeof(a->leaf)) || memcmp(a->res, b->res, sizeof(a->res)))
		fail_msg("rule \"%s\": the live store does not answer as it should", rule);
}

static void restore__each_node_difference__live_answers_as_saved(void **state)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *row = &rows[i];
		struct tdxsim_pamt *saved, *live;
		struct tdxsim_pamt_restore r;
		struct view want, before, got;
		assert_int_equal(tdxsim_pamt_create(&saved), 0);
		assert_int_equal(tdxsim_pamt_create(&live), 0);
		row->saved(saved);
		row->live(live);
		look(saved, &want);
		look(live, &before);
		if (want.hash == before.hash)
			fail_msg("rule \"%s\": the stores do not differ", row->rule);

		/* Abort: nothing changed. */
		assert_int_equal(tdxsim_pamt_restore_prepare(live, saved, &r), 0);
		assert_int_equal(r.clone != NULL, row->clone);
		tdxsim_pamt_restore_abort(live, &r);
		look(live, &got);
		assert_views_equal(row->rule, &got, &before);

		/* Commit, twice (the second from equal stores), and the store goes on working. */
		for (int k = 0; k < 2; k++) {
			assert_int_equal(tdxsim_pamt_restore_prepare(live, saved, &r), 0);
			tdxsim_pamt_restore_commit(&live, saved, &r);
			look(live, &got);
			assert_views_equal(row->rule, &got, &want);
		}
		if (tdxsim_pamt_num_tdmrs(live))
			assert_int_equal(tdxsim_pamt_assign_4k(live, PA_4K_B + 0x1000, TDXSIM_PT_REG, OWNER),
					 TDXSIM_PAMT_OK);
		look(live, &got);
		look(saved, &before);
		assert_views_equal(row->rule, &before, &want); /* the saved store is read only */
		tdxsim_pamt_destroy(live);
		tdxsim_pamt_destroy(saved);
	}
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(restore__each_node_difference__live_answers_as_saved),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
