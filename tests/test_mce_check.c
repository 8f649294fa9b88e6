/* SPDX-License-Identifier: MIT */
/*
 * The integrity model's invariants (mce/check.c, tdxsim_mce_check() inside
 * tdxsim_check_invariants()), one row per invariant: a model holding a page whose lines a
 * private KeyID owns is corrupted on purpose through mce_priv.h, the way a bug would leave it,
 * and the check must fail and name what broke.
 */
#include <string.h>

#include "fixture.h"
#include "mce/mce.h"
#include "mce/mce_priv.h"
#include "sim/sim.h"
#include "tdxsim/memory.h"

#define K     33 /* a private KeyID (default split: private range [32, 63]) */
#define MKTME 5	 /* a shared MKTME KeyID */

struct world {
	tdxsim_t *sim;
	uint64_t page;
	struct tdxsim_mce_page *pg;
};

static void build(struct world *w)
{
	tdxsim_config_t cfg;
	tdxsim_config_init(&cfg);
	assert_int_equal(tdxsim_create(&cfg, &w->sim), TDXSIM_OK);
	assert_int_equal(tdxsim_phys_alloc(w->sim, 4096, 4096, UINT32_MAX, &w->page), TDXSIM_OK);
	uint8_t line[64];
	memset(line, 0x5A, sizeof(line));
	/* Every line of the page written through private KeyID K: owned, with plaintext. */
	for (unsigned l = 0; l < 64; l++)
		assert_int_equal(
			tdxsim_movdir64b(w->sim, 0,
					 (w->page + 64 * l) | (uint64_t)K << tdxsim_keyid_shift(w->sim),
					 line),
			TDXSIM_OK);
	w->pg = tdxsim_mce_find(((struct tdxsim *)w->sim)->integrity, w->page / 4096);
	assert_non_null(w->pg);
	assert_non_null(w->pg->priv);
	char msg[256];
	if (tdxsim_check_invariants(w->sim, msg, sizeof(msg)) != TDXSIM_OK)
		fail_msg("invariant before the corruption: %s", msg);
}

static struct tdxsim_integrity *model(struct world *w)
{
	return ((struct tdxsim *)w->sim)->integrity;
}

/* A later line than the first: the check asks about each new KeyID of a page, not once. */
static void late_line_shared_keyid(struct world *w)
{
	w->pg->line[40] = (uint16_t)((w->pg->line[40] & ~TDXSIM_LINE_KEYID) | MKTME);
}
static void first_line_shared_keyid(struct world *w)
{
	w->pg->line[0] = (uint16_t)((w->pg->line[0] & ~TDXSIM_LINE_KEYID) | MKTME);
}
/* Every owned line with the same shared KeyID: the one-KeyID fast path must still ask. */
static void every_line_shared_keyid(struct world *w)
{
	for (unsigned l = 0; l < 64; l++)
		w->pg->line[l] = (uint16_t)((w->pg->line[l] & ~TDXSIM_LINE_KEYID) | MKTME);
}
static void owned_counter_off(struct world *w)
{
	w->pg->owned--;
}
static void poisoned_counter_off(struct world *w)
{
	w->pg->poisoned++;
}
static void plaintext_without_owned_line(struct world *w)
{
	for (unsigned l = 0; l < 64; l++)
		w->pg->line[l] = 0;
	w->pg->owned = 0;
}
static void record_count_off(struct world *w)
{
	model(w)->count++;
}

static const struct row {
	const char *rule;
	void (*corrupt)(struct world *w);
	const char *names;
} rows[] = {
	{"an owned line's KeyID is private (a later line)", late_line_shared_keyid, "non-private KeyID 5"},
	{"an owned line's KeyID is private (the first line)", first_line_shared_keyid, "non-private KeyID 5"},
	{"an owned line's KeyID is private (all lines one KeyID)", every_line_shared_keyid,
	 "line 0 owned by non-private KeyID 5"},
	{"a page's owned counter matches its lines", owned_counter_off, "counts"},
	{"a page's poisoned counter matches its lines", poisoned_counter_off, "counts"},
	{"plaintext only with an owned line", plaintext_without_owned_line, "plaintext"},
	{"the record counter matches the table", record_count_off, "counter says"},
};

static void mce_check__each_corruption__named(void **state)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct world w;
		char msg[256] = "";
		build(&w);
		assert_fused_check_agrees(w.sim, TDXSIM_OK, "", sizeof(msg)); /* hash of a sound world */
		rows[i].corrupt(&w);
		tdxsim_err_t err = tdxsim_check_invariants(w.sim, msg, sizeof(msg));
		assert_fused_check_agrees(w.sim, err, msg, sizeof(msg));
		if (err != TDXSIM_ERR_INVARIANT || !strstr(msg, rows[i].names))
			fail_msg("rule \"%s\": got %d \"%s\", want a message with \"%s\"", rows[i].rule, err,
				 msg, rows[i].names);
		tdxsim_destroy(w.sim);
	}
	(void)state;
}

/* Lines owned by two private KeyIDs break nothing (the check's slow path, each line asked). */
static void mce_check__two_private_keyids__holds(void **state)
{
	struct world w;
	build(&w);
	w.pg->line[7] = (uint16_t)((w.pg->line[7] & ~TDXSIM_LINE_KEYID) | (K + 1));
	assert_fused_check_agrees(w.sim, TDXSIM_OK, "", 256);
	tdxsim_destroy(w.sim);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mce_check__each_corruption__named),
		cmocka_unit_test(mce_check__two_private_keyids__holds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
