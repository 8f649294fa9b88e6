/* SPDX-License-Identifier: MIT */
/*
 * The memory-integrity rules of memory.h, one table row per rule, each run with the
 * partial-write erratum on and off (sheet 10), then writes and reads that straddle lines and
 * pages, sticky poison, range marking, the fast path and argument checks.
 */
#include <stdio.h>
#include <string.h>

#include "fixture.h"
#include "mce/mce.h"
#include "mce/mce_priv.h"
#include "sim/sim.h"
#include "tdxsim/memory.h"
#include "tdxsim/platform.h"

#define K     33 /* a private KeyID (default split: private range [32, 63]) */
#define K2    34 /* another one */
#define MKTME 5

static uint64_t kpa(tdxsim_t *sim, uint64_t pa, uint32_t keyid)
{
	return pa | (uint64_t)keyid << tdxsim_keyid_shift(sim);
}

static void fill(uint8_t *b, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(seed + i * 7);
}

struct env {
	tdxsim_t *sim;
	uint64_t page; /* two contiguous pages of CMR memory */
};

static void env_init(struct env *e, uint32_t errata, bool trap)
{
	tdxsim_config_t cfg;
	tdxsim_config_init(&cfg);
	cfg.errata = errata;
	cfg.trap_mode = trap;
	assert_int_equal(tdxsim_create(&cfg, &e->sim), TDXSIM_OK);
	assert_int_equal(tdxsim_phys_alloc(e->sim, 2 * 4096, 4096, UINT32_MAX, &e->page), TDXSIM_OK);
}

static void env_check(struct env *e)
{
	char msg[256] = "";
	if (tdxsim_check_invariants(e->sim, msg, sizeof(msg)) != TDXSIM_OK)
		fail_msg("invariant: %s", msg);
}

static tdxsim_line_info_t line(struct env *e, uint64_t pa)
{
	tdxsim_line_info_t li;
	assert_int_equal(tdxsim_mem_line_info(e->sim, pa, &li), TDXSIM_OK);
	return li;
}

/* ---- one rule per row ------------------------------------------------------------------- */

enum pre { SHARED, OWNED, OWNED_K2, POISONED };
enum op { RD, RD_K, RD_K2, WR, WR_K, WR_K2, MOVDIR, MOVDIR_K };
enum verify { NONE, ZEROS, P_DATA, A_WITH_W, ZERO_WITH_W, FULL_W, P_WITH_W };

struct row {
	const char *name;
	enum pre pre;
	enum op op;
	unsigned off, len; /* inside line 0 of the page */
	/* expected with the erratum on ([0]) and off ([1]) */
	tdxsim_err_t err[2];
	uint32_t owner[2];
	bool poisoned[2];
	enum verify verify[2]; /* read result (RD*) or what a later read shows (writes) */
};

#define BOTH(x)      \
	{            \
		x, x \
	}

static const struct row rows[] = {
	{"shared read of a TD-owned line: zeros, no poison", OWNED, RD, 0, 64, BOTH(TDXSIM_OK), BOTH(K),
	 BOTH(false), BOTH(ZEROS)},
	{"private read by the owner: the data", OWNED, RD_K, 0, 64, BOTH(TDXSIM_OK), BOTH(K), BOTH(false),
	 BOTH(P_DATA)},
	{"private read by another KeyID: integrity failure", OWNED, RD_K2, 8, 8, BOTH(TDXSIM_ERR_MCE),
	 BOTH(K), BOTH(true), BOTH(NONE)},
	{"private read of a shared line: TD-bit mismatch", SHARED, RD_K, 0, 8, BOTH(TDXSIM_ERR_MCE), BOTH(0),
	 BOTH(true), BOTH(NONE)},
	{"shared read of a poisoned line: machine check", POISONED, RD, 0, 1, BOTH(TDXSIM_ERR_MCE), BOTH(K),
	 BOTH(true), BOTH(NONE)},
	{"private read of a poisoned line: machine check", POISONED, RD_K, 0, 64, BOTH(TDXSIM_ERR_MCE),
	 BOTH(K), BOTH(true), BOTH(NONE)},
	{"shared partial write to a TD-owned line",
	 OWNED,
	 WR,
	 8,
	 8,
	 BOTH(TDXSIM_OK),
	 {K, 0},
	 {true, false},
	 {NONE, ZERO_WITH_W}},
	{"shared full-line write to a TD-owned line", OWNED, WR, 0, 64, BOTH(TDXSIM_OK), BOTH(0), BOTH(false),
	 BOTH(FULL_W)},
	{"shared partial write to a shared line", SHARED, WR, 4, 20, BOTH(TDXSIM_OK), BOTH(0), BOTH(false),
	 BOTH(A_WITH_W)},
	{"shared partial write to a poisoned line: stays poisoned", POISONED, WR, 0, 63, BOTH(TDXSIM_OK),
	 BOTH(K), BOTH(true), BOTH(NONE)},
	{"shared full-line write clears poison", POISONED, WR, 0, 64, BOTH(TDXSIM_OK), BOTH(0), BOTH(false),
	 BOTH(FULL_W)},
	{"MOVDIR64B (shared) clears poison", POISONED, MOVDIR, 0, 64, BOTH(TDXSIM_OK), BOTH(0), BOTH(false),
	 BOTH(FULL_W)},
	{"MOVDIR64B (private) clears poison, owner = writer", POISONED, MOVDIR_K, 0, 64, BOTH(TDXSIM_OK),
	 BOTH(K), BOTH(false), BOTH(FULL_W)},
	{"MOVDIR64B (private) makes a shared line TD-owned", SHARED, MOVDIR_K, 0, 64, BOTH(TDXSIM_OK),
	 BOTH(K), BOTH(false), BOTH(FULL_W)},
	{"MOVDIR64B (private) takes a line owned by another KeyID", OWNED_K2, MOVDIR_K, 0, 64,
	 BOTH(TDXSIM_OK), BOTH(K), BOTH(false), BOTH(FULL_W)},
	{"private partial write by the owner merges", OWNED, WR_K, 16, 8, BOTH(TDXSIM_OK), BOTH(K),
	 BOTH(false), BOTH(P_WITH_W)},
	{"private partial write to a shared line poisons", SHARED, WR_K, 0, 8, BOTH(TDXSIM_OK), BOTH(0),
	 BOTH(true), BOTH(NONE)},
	{"private partial write to another KeyID's line poisons", OWNED_K2, WR_K, 0, 8, BOTH(TDXSIM_OK),
	 BOTH(K2), BOTH(true), BOTH(NONE)},
	{"private full-line write by another KeyID takes the line", OWNED_K2, WR_K, 0, 64, BOTH(TDXSIM_OK),
	 BOTH(K), BOTH(false), BOTH(FULL_W)},
};

static uint32_t op_keyid(enum op op)
{
	return op == RD_K || op == WR_K || op == MOVDIR_K ? K : op == RD_K2 || op == WR_K2 ? K2 : 0;
}

static void set_pre(struct env *e, enum pre pre, const uint8_t *a, const uint8_t *p)
{
	assert_int_equal(tdxsim_mem_write(e->sim, 0, e->page, a, 64), TDXSIM_OK);
	if (pre == OWNED || pre == POISONED)
		assert_int_equal(tdxsim_movdir64b(e->sim, 0, kpa(e->sim, e->page, K), p), TDXSIM_OK);
	if (pre == OWNED_K2)
		assert_int_equal(tdxsim_movdir64b(e->sim, 0, kpa(e->sim, e->page, K2), p), TDXSIM_OK);
	if (pre == POISONED) {
		uint8_t b[8];
		assert_int_equal(tdxsim_mem_read(e->sim, 0, kpa(e->sim, e->page, K2), b, 8), TDXSIM_ERR_MCE);
		assert_true(line(e, e->page).poisoned);
	}
}

/* What line 0 should read as, through the KeyID that owns it (or 0). */
static void expected_line(enum verify v, const uint8_t *a, const uint8_t *p, const uint8_t *w, unsigned off,
			  unsigned len, uint8_t *out)
{
	memset(out, 0, 64);
	if (v == P_DATA || v == P_WITH_W)
		memcpy(out, p, 64);
	if (v == A_WITH_W)
		memcpy(out, a, 64);
	if (v == A_WITH_W || v == ZERO_WITH_W || v == P_WITH_W || v == FULL_W)
		memcpy(out + off, w, len);
}

static void run_row(const struct row *r, int e_idx)
{
	struct env e;
	uint8_t a[64], p[64], w[64], got[64], want[64];
	fill(a, 64, 0x11);
	fill(p, 64, 0x55);
	fill(w, 64, 0xA0);
	env_init(&e, e_idx == 0 ? TDXSIM_ERRATUM_PARTIAL_WRITE_POISON : 0, false);
	set_pre(&e, r->pre, a, p);

	uint64_t pa = kpa(e.sim, e.page + r->off, op_keyid(r->op));
	tdxsim_err_t err;
	memset(got, 0xEE, sizeof(got));
	switch (r->op) {
	case RD:
	case RD_K:
	case RD_K2:
		err = tdxsim_mem_read(e.sim, 1, pa, got, r->len);
		break;
	case MOVDIR:
	case MOVDIR_K:
		err = tdxsim_movdir64b(e.sim, 1, pa, w);
		break;
	default:
		err = tdxsim_mem_write(e.sim, 1, pa, w, r->len);
		break;
	}
	const char *mode = e_idx == 0 ? "erratum on" : "erratum off";
	if (err != r->err[e_idx])
		fail_msg("%s (%s): returned %d, expected %d", r->name, mode, err, r->err[e_idx]);
	tdxsim_line_info_t li = line(&e, e.page);
	if (li.owner_keyid != r->owner[e_idx] || li.poisoned != r->poisoned[e_idx])
		fail_msg("%s (%s): line owner %u poisoned %d, expected %u %d", r->name, mode, li.owner_keyid,
			 li.poisoned, r->owner[e_idx], r->poisoned[e_idx]);
	enum verify v = r->verify[e_idx];
	if (v != NONE) {
		expected_line(v, a, p, w, r->off, r->len, want);
		if (r->op == RD || r->op == RD_K || r->op == RD_K2) {
			if (memcmp(got, want + r->off, r->len))
				fail_msg("%s (%s): read returned the wrong bytes", r->name, mode);
		} else {
			uint64_t back = kpa(e.sim, e.page, li.owner_keyid);
			assert_int_equal(tdxsim_mem_read(e.sim, 0, back, got, 64), TDXSIM_OK);
			if (memcmp(got, want, 64))
				fail_msg("%s (%s): the line reads back wrong", r->name, mode);
		}
	}
	/* A poisoned line raises a machine check through any KeyID. */
	if (li.poisoned) {
		assert_int_equal(tdxsim_mem_read(e.sim, 0, e.page + 63, got, 1), TDXSIM_ERR_MCE);
		assert_int_equal(tdxsim_mem_read(e.sim, 0, kpa(e.sim, e.page, K), got, 1), TDXSIM_ERR_MCE);
	}
	env_check(&e);
	tdxsim_destroy(e.sim);
}

static void line_rules__each_row__erratum_on_and_off(void **state)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		run_row(&rows[i], 0);
		run_row(&rows[i], 1);
	}
}

/* ---- straddling accesses ---------------------------------------------------------------- */

static void straddle__write_across_lines__partial_ends_full_middle(void **state)
{
	for (int on = 0; on < 2; on++) {
		struct env e;
		uint8_t z[64] = {0}, w[192], got[64];
		fill(w, sizeof(w), 3);
		env_init(&e, on ? TDXSIM_ERRATUM_PARTIAL_WRITE_POISON : 0, false);
		for (unsigned l = 0; l < 4; l++)
			assert_int_equal(tdxsim_movdir64b(e.sim, 0, kpa(e.sim, e.page + 64 * l, K), z),
					 TDXSIM_OK);
		/* [32, 224): 32 bytes of line 0, lines 1 and 2 whole, 32 bytes of line 3. */
		assert_int_equal(tdxsim_mem_write(e.sim, 0, e.page + 32, w, sizeof(w)), TDXSIM_OK);
		assert_int_equal(line(&e, e.page).poisoned, on);
		assert_int_equal(line(&e, e.page + 64).poisoned, false);
		assert_int_equal(line(&e, e.page + 64).owner_keyid, 0);
		assert_int_equal(line(&e, e.page + 128).owner_keyid, 0);
		assert_int_equal(line(&e, e.page + 192).poisoned, on);
		assert_int_equal(line(&e, e.page + 192).owner_keyid, on ? K : 0);
		assert_int_equal(tdxsim_mem_read(e.sim, 0, e.page + 64, got, 64), TDXSIM_OK);
		assert_memory_equal(got, w + 32, 64);
		if (!on) {
			uint8_t all[256];
			assert_int_equal(tdxsim_mem_read(e.sim, 0, e.page, all, 256), TDXSIM_OK);
			assert_memory_equal(all, z, 32);
			assert_memory_equal(all + 32, w, sizeof(w));
			assert_memory_equal(all + 224, z, 32);
		}
		env_check(&e);
		tdxsim_destroy(e.sim);
	}
}

static void straddle__across_pages__both_lines_follow_the_rule(void **state)
{
	for (int on = 0; on < 2; on++) {
		struct env e;
		uint8_t p[64], w[16], got[16];
		fill(p, 64, 9);
		fill(w, 16, 0x70);
		env_init(&e, on ? TDXSIM_ERRATUM_PARTIAL_WRITE_POISON : 0, false);
		uint64_t last = e.page + 4096 - 64, first = e.page + 4096;
		assert_int_equal(tdxsim_movdir64b(e.sim, 0, kpa(e.sim, last, K), p), TDXSIM_OK);
		assert_int_equal(tdxsim_movdir64b(e.sim, 0, kpa(e.sim, first, K), p), TDXSIM_OK);
		/* A private read across the page boundary returns both halves. */
		assert_int_equal(tdxsim_mem_read(e.sim, 0, kpa(e.sim, first - 8, K), got, 16), TDXSIM_OK);
		assert_memory_equal(got, p + 56, 8);
		assert_memory_equal(got + 8, p, 8);
		assert_int_equal(tdxsim_mem_write(e.sim, 0, first - 8, w, 16), TDXSIM_OK);
		assert_int_equal(line(&e, last).poisoned, on);
		assert_int_equal(line(&e, first).poisoned, on);
		tdxsim_mce_t m;
		tdxsim_err_t err = tdxsim_mem_read(e.sim, 3, first - 8, got, 16);
		if (on) {
			assert_int_equal(err, TDXSIM_ERR_MCE);
			assert_true(tdxsim_last_mce(e.sim, &m));
			assert_int_equal(m.addr, last); /* the first poisoned line consumed */
			assert_int_equal(m.lp, 3);
		} else {
			assert_int_equal(err, TDXSIM_OK);
			assert_memory_equal(got, w, 16);
		}
		env_check(&e);
		tdxsim_destroy(e.sim);
	}
}

static void straddle__read_shared_then_owned__data_then_zeros(void **state)
{
	struct env e;
	uint8_t a[64], p[64], got[64];
	fill(a, 64, 1);
	fill(p, 64, 2);
	env_init(&e, TDXSIM_ERRATUM_PARTIAL_WRITE_POISON, false);
	assert_int_equal(tdxsim_mem_write(e.sim, 0, e.page, a, 64), TDXSIM_OK);
	assert_int_equal(tdxsim_movdir64b(e.sim, 0, kpa(e.sim, e.page + 64, K), p), TDXSIM_OK);
	assert_int_equal(tdxsim_mem_read(e.sim, 0, e.page + 32, got, 64), TDXSIM_OK);
	assert_memory_equal(got, a + 32, 32);
	for (int i = 32; i < 64; i++)
		assert_int_equal(got[i], 0);
	tdxsim_destroy(e.sim);
}

static void poison__sticky__until_a_full_line_write(void **state)
{
	struct env e;
	uint8_t z[64] = {0}, b[64], w[64];
	fill(w, 64, 0x33);
	env_init(&e, TDXSIM_ERRATUM_PARTIAL_WRITE_POISON, false);
	assert_int_equal(tdxsim_movdir64b(e.sim, 0, kpa(e.sim, e.page, K), z), TDXSIM_OK);
	assert_int_equal(tdxsim_mem_write(e.sim, 0, e.page + 8, w, 8), TDXSIM_OK);
	/* Partial writes of every kind, and reads, leave it poisoned. */
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(tdxsim_mem_read(e.sim, 0, e.page, b, 8), TDXSIM_ERR_MCE);
		assert_int_equal(tdxsim_mem_write(e.sim, 0, e.page + i, w, 63 - i), TDXSIM_OK);
		assert_int_equal(tdxsim_mem_write(e.sim, 0, kpa(e.sim, e.page, K), w, 32), TDXSIM_OK);
		assert_true(line(&e, e.page).poisoned);
	}
	tdxsim_mem_stats_t st;
	tdxsim_mem_stats(e.sim, &st);
	assert_int_equal(st.lines_poisoned, 1);
	assert_int_equal(st.machine_checks, 4);
	assert_int_equal(st.machine_checks_unhandled, 4);
	assert_int_equal(st.poisoned_lines_now, 1);
	assert_int_equal(st.lines_cleared, 0);
	assert_int_equal(tdxsim_movdir64b(e.sim, 0, e.page, w), TDXSIM_OK);
	assert_int_equal(tdxsim_mem_read(e.sim, 0, e.page, b, 64), TDXSIM_OK);
	assert_memory_equal(b, w, 64);
	tdxsim_mem_stats(e.sim, &st);
	assert_int_equal(st.lines_cleared, 1);
	assert_int_equal(st.poisoned_lines_now, 0);
	assert_int_equal(st.tracked_pages, 0); /* back to plain memory: no metadata left */
	env_check(&e);
	tdxsim_destroy(e.sim);
}

/* ---- range records and the module-side marking ----------------------------------------- */

static void mark__ranges_merge_split_and_override_pages(void **state)
{
	struct env e;
	uint64_t base;
	env_init(&e, TDXSIM_ERRATUM_PARTIAL_WRITE_POISON, false);
	struct tdxsim_integrity *in = e.sim->integrity;
	assert_int_equal(tdxsim_phys_alloc(e.sim, 8 * 4096, 4096, UINT32_MAX, &base), TDXSIM_OK);
	/* Adjacent marks with one KeyID merge; a partial line is rounded out. */
	assert_int_equal(tdxsim_mce_mark_private(in, base, 4096, K), TDXSIM_OK);
	assert_int_equal(tdxsim_mce_mark_private(in, base + 4096, 2 * 4096 - 10, K), TDXSIM_OK);
	tdxsim_mem_stats_t st;
	tdxsim_mem_stats(e.sim, &st);
	assert_int_equal(st.private_range_bytes, 3 * 4096);
	assert_int_equal(st.tracked_pages, 0);
	assert_int_equal(line(&e, base + 3 * 4096 - 64).owner_keyid, K);
	/* Another KeyID in the middle splits it; shared removes. */
	assert_int_equal(tdxsim_mce_mark_private(in, base + 4096, 64, K2), TDXSIM_OK);
	assert_int_equal(line(&e, base + 4096).owner_keyid, K2);
	assert_int_equal(line(&e, base + 4096 + 64).owner_keyid, K);
	assert_int_equal(tdxsim_mce_mark_shared(in, base + 4096, 4096), TDXSIM_OK);
	tdxsim_mem_stats(e.sim, &st);
	assert_int_equal(st.private_range_bytes, 2 * 4096);
	assert_int_equal(line(&e, base + 4096).owner_keyid, 0);
	/* A partial write diverges one page into a record; marking it again clears the poison. */
	uint8_t w[8] = {1};
	assert_int_equal(tdxsim_mem_write(e.sim, 0, base + 128, w, 8), TDXSIM_OK);
	tdxsim_mem_stats(e.sim, &st);
	assert_int_equal(st.tracked_pages, 1);
	assert_true(line(&e, base + 128).poisoned);
	assert_true(line(&e, base + 128).tracked);
	assert_int_equal(tdxsim_mce_mark_private(in, base, 4096, K), TDXSIM_OK);
	assert_false(line(&e, base + 128).poisoned);
	tdxsim_mem_stats(e.sim, &st);
	assert_int_equal(st.lines_cleared, 1);
	/* Non-private KeyIDs and non-RAM are refused. */
	assert_int_equal(tdxsim_mce_mark_private(in, base, 64, MKTME), TDXSIM_ERR_INVALID_ARG);
	assert_int_equal(tdxsim_mce_mark_private(in, UINT64_C(3) << 30, 64, K), TDXSIM_ERR_INVALID_ARG);
	env_check(&e);
	uint64_t h = tdxsim_state_hash(e.sim);
	assert_int_equal(tdxsim_mce_mark_shared(in, base, 8 * 4096), TDXSIM_OK);
	assert_int_not_equal(tdxsim_state_hash(e.sim), h);
	tdxsim_mem_stats(e.sim, &st);
	assert_int_equal(st.private_range_bytes, 0);
	assert_int_equal(st.tracked_pages, 0);
	env_check(&e);
	tdxsim_destroy(e.sim);
}

/* TDH.SYS.DISABLE or a fresh module: TDX memory goes back to the host (mce.h). */
static void release_all__td_owned_lines_shared_and_zero(void **state)
{
	struct env e;
	uint64_t base;
	uint8_t p[64], got[64], zero[64] = {0};
	fill(p, 64, 8);
	env_init(&e, TDXSIM_ERRATUM_PARTIAL_WRITE_POISON, false);
	struct tdxsim_integrity *in = e.sim->integrity;
	assert_int_equal(tdxsim_phys_alloc(e.sim, 4 * 4096, 4096, UINT32_MAX, &base), TDXSIM_OK);
	assert_int_equal(tdxsim_mce_mark_private(in, base, 2 * 4096, K), TDXSIM_OK);
	assert_int_equal(tdxsim_movdir64b(e.sim, 0, kpa(e.sim, e.page, K2), p), TDXSIM_OK);
	assert_int_equal(tdxsim_mem_write(e.sim, 0, base + 64, p, 8), TDXSIM_OK); /* owned + poisoned */
	assert_int_equal(tdxsim_mem_read(e.sim, 0, kpa(e.sim, e.page + 4096, K), got, 8),
			 TDXSIM_ERR_MCE); /* poisoned, not owned */
	tdxsim_mce_release_all(in);
	tdxsim_mem_stats_t st;
	tdxsim_mem_stats(e.sim, &st);
	assert_int_equal(st.private_range_bytes, 0);
	assert_int_equal(st.poisoned_lines_now, 1);
	assert_int_equal(line(&e, base + 64).owner_keyid, 0);
	assert_false(line(&e, base + 64).poisoned);
	assert_int_equal(line(&e, e.page).owner_keyid, 0);
	assert_int_equal(tdxsim_mem_read(e.sim, 0, e.page, got, 64), TDXSIM_OK);
	assert_memory_equal(got, zero, 64);
	assert_true(line(&e, e.page + 4096).poisoned); /* no module knew that line */
	env_check(&e);
	tdxsim_destroy(e.sim);
}

/* Plaintext buffers go back to a spare list and are reused (mce_priv.h). A page that takes
 * one for a partial write must read zeros in every line it never wrote, whatever the buffer
 * held before: here the spare buffer is dirty on purpose (a page dropped by hot-remove gives
 * up its plaintext as it is). */
static void plaintext__reused_dirty_buffer__unwritten_lines_read_zeros(void **state)
{
	struct env e;
	uint8_t got[64], zero[64] = {0};
	env_init(&e, 0, false);
	struct tdxsim_integrity *in = e.sim->integrity;
	uint64_t b = e.page + 4096;
	uint8_t *dirty = tdxsim_mce_plain_alloc(in);
	assert_non_null(dirty);
	fill(dirty, 4096, 3);
	tdxsim_mce_plain_free(in, dirty);
	/* Page B: owned by K with no plaintext (range marking), then 8 bytes written into line
	 * 0: the page takes the spare buffer. */
	assert_int_equal(tdxsim_mce_mark_private(in, b, 4096, K), TDXSIM_OK);
	assert_int_equal(tdxsim_mem_write(e.sim, 0, kpa(e.sim, b + 8, K), "12345678", 8), TDXSIM_OK);
	for (unsigned l = 1; l < 64; l++) {
		assert_int_equal(tdxsim_mem_read(e.sim, 0, kpa(e.sim, b + l * 64, K), got, 64), TDXSIM_OK);
		assert_memory_equal(got, zero, 64);
	}
	assert_int_equal(tdxsim_mem_read(e.sim, 0, kpa(e.sim, b, K), got, 64), TDXSIM_OK);
	assert_memory_equal(got, zero, 8);
	assert_memory_equal(got + 8, "12345678", 8);
	assert_memory_equal(got + 16, zero, 48);
	env_check(&e);
	tdxsim_destroy(e.sim);
}

/* ---- the rest of the access API --------------------------------------------------------- */

static void access__fast_path__plain_memory_has_no_metadata(void **state)
{
	struct env e;
	uint8_t buf[4096], got[4096];
	fill(buf, sizeof(buf), 4);
	env_init(&e, TDXSIM_ERRATUM_PARTIAL_WRITE_POISON, false);
	for (unsigned i = 0; i < 16; i++) {
		assert_int_equal(tdxsim_mem_write(e.sim, 0, e.page + i * 3, buf, 4096 - 64), TDXSIM_OK);
		assert_int_equal(tdxsim_mem_read(e.sim, 0, e.page + i * 3, got, 4096 - 64), TDXSIM_OK);
		assert_memory_equal(buf, got, 4096 - 64);
	}
	/* A shared MKTME KeyID reaches the same bytes (MKTME encryption is not modelled). */
	assert_int_equal(tdxsim_mem_write(e.sim, 0, e.page, buf, 64), TDXSIM_OK);
	assert_int_equal(tdxsim_mem_read(e.sim, 0, kpa(e.sim, e.page, MKTME), got, 64), TDXSIM_OK);
	assert_memory_equal(got, buf, 64);
	assert_memory_equal(tdxsim_phys_to_virt(e.sim, e.page, 64), buf, 64);
	tdxsim_mem_stats_t st;
	tdxsim_mem_stats(e.sim, &st);
	assert_int_equal(st.tracked_pages, 0);
	tdxsim_destroy(e.sim);
}

static void access__bad_arguments__refused(void **state)
{
	struct env e;
	uint8_t b[64] = {0};
	env_init(&e, TDXSIM_ERRATUM_PARTIAL_WRITE_POISON, false);
	assert_int_equal(tdxsim_mem_read(NULL, 0, e.page, b, 8), TDXSIM_ERR_INVALID_ARG);
	assert_int_equal(tdxsim_mem_read(e.sim, 0, e.page, NULL, 8), TDXSIM_ERR_INVALID_ARG);
	assert_int_equal(tdxsim_mem_read(e.sim, 0, e.page, b, 0), TDXSIM_ERR_INVALID_ARG);
	assert_int_equal(tdxsim_mem_write(e.sim, 99, e.page, b, 8), TDXSIM_ERR_INVALID_ARG);
	assert_int_equal(tdxsim_mem_write(e.sim, 0, e.page | UINT64_C(1) << 52, b, 8),
			 TDXSIM_ERR_INVALID_ARG);
	/* [2 GiB - 8, 2 GiB + 8) leaves the first RAM range. */
	assert_int_equal(tdxsim_mem_read(e.sim, 0, (UINT64_C(2) << 30) - 8, b, 16), TDXSIM_ERR_NOT_RAM);
	assert_int_equal(tdxsim_movdir64b(e.sim, 0, e.page + 32, b), TDXSIM_ERR_GP);
	assert_int_equal(tdxsim_clflush(e.sim, 0, UINT64_C(3) << 30), TDXSIM_ERR_NOT_RAM);
	assert_int_equal(tdxsim_lp_offline(e.sim, 2), TDXSIM_OK);
	assert_int_equal(tdxsim_mem_read(e.sim, 2, e.page, b, 8), TDXSIM_ERR_LP_OFFLINE);
	assert_int_equal(tdxsim_movdir64b(e.sim, 2, e.page, b), TDXSIM_ERR_LP_OFFLINE);
	assert_int_equal(tdxsim_wbinvd(e.sim, 2), TDXSIM_ERR_LP_OFFLINE);
	assert_int_equal(tdxsim_mem_line_info(e.sim, UINT64_C(3) << 30, &(tdxsim_line_info_t){0}),
			 TDXSIM_ERR_NOT_RAM);
	tdxsim_destroy(e.sim);
}

static void access__instructions__charge_their_cycles(void **state)
{
	struct env e;
	uint8_t b[64] = {0};
	env_init(&e, TDXSIM_ERRATUM_PARTIAL_WRITE_POISON, false);
	const tdxsim_costs_t *c = &e.sim->cfg.costs;
	uint64_t t = tdxsim_lp_cycles(e.sim, 1);
	assert_int_equal(tdxsim_movdir64b(e.sim, 1, e.page, b), TDXSIM_OK);
	assert_int_equal(tdxsim_clflush(e.sim, 1, e.page), TDXSIM_OK);
	assert_int_equal(tdxsim_wbinvd(e.sim, 1), TDXSIM_OK);
	assert_int_equal(tdxsim_lp_cycles(e.sim, 1) - t, c->movdir64b + c->clflush + c->wbinvd);
	assert_true(c->movdir64b > 0 && c->clflush > 0 && c->wbinvd > 0);
	tdxsim_destroy(e.sim);
}

static void errata__follow_the_cpu_profile_by_default(void **state)
{
	static const struct {
		tdxsim_cpu_profile_t cpu;
		bool poisons;
	} cpus[] = {{TDXSIM_CPU_SAPPHIRE_RAPIDS, true},
		    {TDXSIM_CPU_EMERALD_RAPIDS, true},
		    {TDXSIM_CPU_GRANITE_RAPIDS, false}};
	for (size_t i = 0; i < sizeof(cpus) / sizeof(cpus[0]); i++) {
		tdxsim_config_t cfg;
		tdxsim_t *sim;
		uint64_t pa;
		uint8_t z[64] = {0};
		tdxsim_line_info_t li;
		tdxsim_config_init(&cfg);
		cfg.cpu = cpus[i].cpu;
		assert_int_equal(tdxsim_create(&cfg, &sim), TDXSIM_OK);
		assert_int_equal(tdxsim_phys_alloc(sim, 4096, 4096, UINT32_MAX, &pa), TDXSIM_OK);
		assert_int_equal(tdxsim_movdir64b(sim, 0, kpa(sim, pa, K), z), TDXSIM_OK);
		assert_int_equal(tdxsim_mem_write(sim, 0, pa, z, 8), TDXSIM_OK);
		assert_int_equal(tdxsim_mem_line_info(sim, pa, &li), TDXSIM_OK);
		assert_int_equal(li.poisoned, cpus[i].poisons);
		tdxsim_destroy(sim);
	}
}

static void private_keyid__outside_cmrs__refused(void **state)
{
	struct env e;
	uint8_t z[64] = {0};
	env_init(&e, TDXSIM_ERRATUM_PARTIAL_WRITE_POISON, false);
	tdxsim_range_t r = {UINT64_C(32) << 30, UINT64_C(1) << 30, 0};
	assert_int_equal(tdxsim_mem_hot_add(e.sim, &r), TDXSIM_OK);
	assert_int_equal(tdxsim_movdir64b(e.sim, 0, kpa(e.sim, r.base, K), z), TDXSIM_ERR_INVALID_ARG);
	assert_int_equal(tdxsim_mem_read(e.sim, 0, kpa(e.sim, r.base, K), z, 8), TDXSIM_ERR_INVALID_ARG);
	assert_int_equal(tdxsim_movdir64b(e.sim, 0, r.base, z), TDXSIM_OK); /* shared is fine */
	tdxsim_destroy(e.sim);
}

static void two_simulators__integrity_state_is_per_simulator(void **state)
{
	struct env a, b;
	uint8_t z[64] = {0}, got[8];
	env_init(&a, TDXSIM_ERRATUM_PARTIAL_WRITE_POISON, false);
	env_init(&b, TDXSIM_ERRATUM_PARTIAL_WRITE_POISON, false);
	assert_int_equal(a.page, b.page);
	assert_int_equal(tdxsim_movdir64b(a.sim, 0, kpa(a.sim, a.page, K), z), TDXSIM_OK);
	assert_int_equal(tdxsim_mem_write(a.sim, 0, a.page, z, 8), TDXSIM_OK);
	assert_int_equal(tdxsim_mem_read(a.sim, 0, a.page, got, 8), TDXSIM_ERR_MCE);
	assert_int_equal(tdxsim_mem_read(b.sim, 0, b.page, got, 8), TDXSIM_OK);
	tdxsim_destroy(a.sim);
	tdxsim_destroy(b.sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(line_rules__each_row__erratum_on_and_off),
		cmocka_unit_test(straddle__write_across_lines__partial_ends_full_middle),
		cmocka_unit_test(straddle__across_pages__both_lines_follow_the_rule),
		cmocka_unit_test(straddle__read_shared_then_owned__data_then_zeros),
		cmocka_unit_test(poison__sticky__until_a_full_line_write),
		cmocka_unit_test(mark__ranges_merge_split_and_override_pages),
		cmocka_unit_test(release_all__td_owned_lines_shared_and_zero),
		cmocka_unit_test(plaintext__reused_dirty_buffer__unwritten_lines_read_zeros),
		cmocka_unit_test(access__fast_path__plain_memory_has_no_metadata),
		cmocka_unit_test(access__bad_arguments__refused),
		cmocka_unit_test(access__instructions__charge_their_cycles),
		cmocka_unit_test(errata__follow_the_cpu_profile_by_default),
		cmocka_unit_test(private_keyid__outside_cmrs__refused),
		cmocka_unit_test(two_simulators__integrity_state_is_per_simulator),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
