/* SPDX-License-Identifier: MIT */
/*
 * PAMT ownership store (src/pamt/pamt.h, sheet section 8): TDMR registration, TDMR.INIT
 * progress, walks, the assign/release rules (one table row per rule), stats, invariants, hash.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pamt/pamt.h"
#include "pamt/pamt_priv.h" /* node sizes and one deliberate corruption in check__detects_... */

#define GiB    TDXSIM_1G
#define MiB    (UINT64_C(1) << 20)
#define TiB    (UINT64_C(1) << 40)
#define OWNER  UINT64_C(0x7000000)
#define OWNER2 UINT64_C(0x7001000)

/* Fixture: a fresh store in *state; every test must leave it consistent. */
static int setup(void **state)
{
	struct tdxsim_pamt *pamt;

	if (tdxsim_pamt_create(&pamt))
		return -1;
	*state = pamt;
	return 0;
}

static int teardown(void **state)
{
	struct tdxsim_pamt *pamt = *state;
	char msg[256];
	int rc = tdxsim_pamt_check(pamt, msg, sizeof(msg));

	if (rc)
		print_error("invariant broken at teardown: %s\n", msg);
	tdxsim_pamt_destroy(pamt);
	return rc;
}

static void assert_consistent(const struct tdxsim_pamt *pamt)
{
	char msg[256];

	if (tdxsim_pamt_check(pamt, msg, sizeof(msg)))
		fail_msg("%s", msg);
}

/* Runs TDH.SYS.TDMR.INIT steps on TDMR @idx until @bytes past its base are initialized. */
static void init_upto(struct tdxsim_pamt *pamt, unsigned idx, uint64_t bytes)
{
	uint64_t base, size, next;

	tdxsim_pamt_tdmr_info(pamt, idx, &base, &size, &next);
	while (next - base < bytes && tdxsim_pamt_init_chunk(pamt, idx))
		tdxsim_pamt_tdmr_info(pamt, idx, NULL, NULL, &next);
}

static void init_all(struct tdxsim_pamt *pamt, unsigned idx)
{
	while (tdxsim_pamt_init_chunk(pamt, idx))
		;
}

/* --- TDMRs and initialization progress ----------------------------------------------------- */

static void tdmr__add_find_info(void **state)
{
	struct tdxsim_pamt *pamt = *state;
	uint64_t base, size, next;

	assert_int_equal(tdxsim_pamt_num_tdmrs(pamt), 0);
	assert_int_equal(tdxsim_pamt_find_tdmr(pamt, 0), -1);
	assert_int_equal(tdxsim_pamt_add_tdmr(pamt, 1 * GiB, 2 * GiB, NULL, 0, 8 * MiB), TDXSIM_PAMT_OK);
	assert_int_equal(tdxsim_pamt_add_tdmr(pamt, 4 * GiB, 1 * GiB, NULL, 0, 4 * MiB), TDXSIM_PAMT_OK);
	assert_int_equal(tdxsim_pamt_add_tdmr(pamt, 8 * GiB, 4 * GiB, NULL, 0, 16 * MiB), TDXSIM_PAMT_OK);
	assert_int_equal(tdxsim_pamt_num_tdmrs(pamt), 3);

	assert_int_equal(tdxsim_pamt_find_tdmr(pamt, 1 * GiB), 0);
	assert_int_equal(tdxsim_pamt_find_tdmr(pamt, 4 * GiB), 1);
	assert_int_equal(tdxsim_pamt_find_tdmr(pamt, 8 * GiB), 2);
	/* Only an exact base names a TDMR (TDH.SYS.TDMR.INIT's RCX rule, sheet 7.2). */
	assert_int_equal(tdxsim_pamt_find_tdmr(pamt, 0), -1);
	assert_int_equal(tdxsim_pamt_find_tdmr(pamt, 2 * GiB), -1);
	assert_int_equal(tdxsim_pamt_find_tdmr(pamt, 4 * GiB + 4096), -1);
	assert_int_equal(tdxsim_pamt_find_tdmr(pamt, 64 * GiB), -1);

	tdxsim_pamt_tdmr_info(pamt, 2, &base, &size, &next);
	assert_int_equal(base, 8 * GiB);
	assert_int_equal(size, 4 * GiB);
	assert_int_equal(next, 8 * GiB);
}

static void init__chunk_math(void **state)
{
	struct tdxsim_pamt *pamt = *state;
	tdxsim_pamt_stats_t st;
	uint64_t next;
	unsigned calls = 0;

	tdxsim_pamt_add_tdmr(pamt, 2 * GiB, 2 * GiB, NULL, 0, 0);
	while (tdxsim_pamt_init_chunk(pamt, 0)) {
		calls++;
		tdxsim_pamt_tdmr_info(pamt, 0, NULL, NULL, &next);
		assert_int_equal(next, 2 * GiB + calls * TDXSIM_TDMR_INIT_CHUNK);
	}
	/* 256 steps per GiB (sheet 7.2). */
	assert_int_equal(calls, 512);
	assert_int_equal(tdxsim_pamt_init_chunk(pamt, 0), 0);
	tdxsim_pamt_tdmr_info(pamt, 0, NULL, NULL, &next);
	assert_int_equal(next, 4 * GiB);
	tdxsim_pamt_get_stats(pamt, &st);
	assert_int_equal(st.initialized_bytes, 2 * GiB);
	/* An index that names no TDMR has nothing to initialize. */
	assert_int_equal(tdxsim_pamt_init_chunk(pamt, 1), 0);
}

static void init__clamps_at_end(void **state)
{
	struct tdxsim_pamt *pamt = *state;
	uint64_t next;

	/* Not a valid TDMR size for SYS.CONFIG, but the store must still clamp the last step. */
	tdxsim_pamt_add_tdmr(pamt, 1 * GiB, 6 * MiB, NULL, 0, 0);
	assert_int_equal(tdxsim_pamt_init_chunk(pamt, 0), 1);
	tdxsim_pamt_tdmr_info(pamt, 0, NULL, NULL, &next);
	assert_int_equal(next, 1 * GiB + 4 * MiB);
	assert_int_equal(tdxsim_pamt_init_chunk(pamt, 0), 1);
	tdxsim_pamt_tdmr_info(pamt, 0, NULL, NULL, &next);
	assert_int_equal(next, 1 * GiB + 6 * MiB);
	assert_int_equal(tdxsim_pamt_init_chunk(pamt, 0), 0);
	tdxsim_pamt_tdmr_info(pamt, 0, NULL, NULL, &next);
	assert_int_equal(next, 1 * GiB + 6 * MiB);
}

static void init__block_covered_only_when_complete(void **state)
{
	struct tdxsim_pamt *pamt = *state;
	struct tdxsim_pamt_leaf leaf;
	tdxsim_pamt_stats_t st;
	const uint64_t base = 2 * GiB;

	tdxsim_pamt_add_tdmr(pamt, base, 2 * GiB, NULL, 0, 0);
	for (int i = 0; i < 255; i++)
		assert_int_equal(tdxsim_pamt_init_chunk(pamt, 0), 1);
	/* 1020 MiB done: even the first page is not covered until the whole GiB is (sheet 8.2). */
	assert_int_equal(tdxsim_pamt_walk(pamt, base, &leaf), TDXSIM_PAMT_NOT_COVERED);
	tdxsim_pamt_get_stats(pamt, &st);
	assert_int_equal(st.initialized_bytes, 0);

	assert_int_equal(tdxsim_pamt_init_chunk(pamt, 0), 1);
	assert_int_equal(tdxsim_pamt_walk(pamt, base, &leaf), TDXSIM_PAMT_OK);
	assert_int_equal(tdxsim_pamt_walk(pamt, base + GiB - 1, &leaf), TDXSIM_PAMT_OK);
	assert_int_equal(tdxsim_pamt_walk(pamt, base + GiB, &leaf), TDXSIM_PAMT_NOT_COVERED);
	tdxsim_pamt_get_stats(pamt, &st);
	assert_int_equal(st.initialized_bytes, GiB);

	for (int i = 0; i < 255; i++)
		tdxsim_pamt_init_chunk(pamt, 0);
	assert_int_equal(tdxsim_pamt_walk(pamt, base + GiB, &leaf), TDXSIM_PAMT_NOT_COVERED);
	tdxsim_pamt_init_chunk(pamt, 0);
	assert_int_equal(tdxsim_pamt_walk(pamt, base + 2 * GiB - 4096, &leaf), TDXSIM_PAMT_OK);
}

/* --- Walks ----------------------------------------------------------------------------------- */

static void walk__not_covered(void **state)
{
	struct tdxsim_pamt *pamt = *state;
	struct tdxsim_pamt_leaf leaf;

	assert_int_equal(tdxsim_pamt_walk(pamt, 0, &leaf), TDXSIM_PAMT_NOT_COVERED);
	tdxsim_pamt_add_tdmr(pamt, 1 * GiB, 1 * GiB, NULL, 0, 0);
	tdxsim_pamt_add_tdmr(pamt, 4 * GiB, 1 * GiB, NULL, 0, 0);
	/* Configured but TDMR.INIT not run yet. */
	assert_int_equal(tdxsim_pamt_walk(pamt, 1 * GiB, &leaf), TDXSIM_PAMT_NOT_COVERED);
	init_all(pamt, 0);
	init_all(pamt, 1);
	assert_int_equal(tdxsim_pamt_walk(pamt, 1 * GiB, &leaf), TDXSIM_PAMT_OK);
	assert_int_equal(tdxsim_pamt_walk(pamt, 1 * GiB - 1, &leaf), TDXSIM_PAMT_NOT_COVERED);
	assert_int_equal(tdxsim_pamt_walk(pamt, 2 * GiB, &leaf), TDXSIM_PAMT_NOT_COVERED); /* gap */
	assert_int_equal(tdxsim_pamt_walk(pamt, 4 * GiB, &leaf), TDXSIM_PAMT_OK);
	assert_int_equal(tdxsim_pamt_walk(pamt, 5 * GiB, &leaf), TDXSIM_PAMT_NOT_COVERED);
	assert_int_equal(tdxsim_pamt_walk(pamt, UINT64_MAX, &leaf), TDXSIM_PAMT_NOT_COVERED);
}

/*
 * tdxsim_pamt_reserved_bits (one pass over the areas per 4K table, used by the checker and by
 * TDMR.INIT's table set-up) says exactly what tdxsim_pamt_reserved says page by page: one row
 * per kind of overlap between an area and the 2 MiB region, each also slid by a few unaligned
 * offsets.
 */
static void reserved_bits__match_the_per_page_rule(void **state)
{
	(void)state;
	/* clang-format off */
	const struct {
		const char *rule;
		uint64_t offset, size;
	} rows[] = {
		{ "inside, page aligned",             2 * MiB + 0x5000, 0x2000 },
		{ "inside, unaligned both ends",      2 * MiB + 0x5123, 0x1F00 },
		{ "one byte",                         2 * MiB + 0x7FFF, 1 },
		{ "empty area still marks its page",  2 * MiB + 0x9000, 0 },
		{ "straddles the region start",       2 * MiB - 0x1800, 0x3000 },
		{ "ends exactly at the region start", 2 * MiB - 0x3000, 0x3000 },
		{ "straddles the region end",         4 * MiB - 0x1234, 0x5000 },
		{ "starts exactly at the region end", 4 * MiB, 0x1000 },
		{ "covers the whole region",          1 * MiB, 8 * MiB },
		{ "before the region",                0, 0x1000 },
		{ "after the region",                 5 * MiB, 0x1000 },
		{ "reaches 2^64 from inside",         2 * MiB + 0x10000, UINT64_MAX - 2 * MiB - 0x10000 + 1 },
		{ "reaches 2^64 from before",         0x1000, UINT64_MAX - 0x1000 },
		{ "huge size from inside",            3 * MiB, UINT64_MAX },
	};
	/* clang-format on */
	const uint64_t region = 2 * MiB, slide[] = {0, 1, 0xFFF, 0x1000, 0x1001};

	for (size_t r = 0; r < TDXSIM_ARRAY_SIZE(rows); r++) {
		for (size_t k = 0; k < TDXSIM_ARRAY_SIZE(slide); k++) {
			struct tdxsim_pamt_tdmr t = {.num_areas = 2};
			t.areas[0] =
				(struct tdxsim_tdmr_reserved_area){rows[r].offset + slide[k], rows[r].size};
			/* a second, fixed area far away: the pass goes over every area */
			t.areas[1] = (struct tdxsim_tdmr_reserved_area){64 * MiB, 0x1000};
			uint64_t bits[TDXSIM_PAMT_BITS_WORDS];
			tdxsim_pamt_reserved_bits(&t, region, bits);
			for (unsigned i = 0; i < TDXSIM_PAMT_FANOUT; i++) {
				bool want = tdxsim_pamt_reserved(&t, region + (uint64_t)i * 4096, 4096);
				if (tdxsim_pamt_bit(bits, i) != want)
					fail_msg("%s (slid by %#llx): page %u is%s reserved", rows[r].rule,
						 (unsigned long long)slide[k], i, want ? "" : " not");
			}
		}
	}
}

static void walk__reserved_pages_are_rsvd(void **state)
{
	struct tdxsim_pamt *pamt = *state;
	const struct tdxsim_tdmr_reserved_area areas[] = {
		{.offset = 0x5000, .size = 0x2000},   /* pages 5, 6 */
		{.offset = 0, .size = 0},	      /* null entries are ignored */
		{.offset = 3 * MiB, .size = 4 * MiB}, /* crosses 2 MiB regions */
	};
	/* clang-format off */
	const struct {
		uint64_t off;
		uint8_t type;
	} pages[] = {
		{ 0x0000, TDXSIM_PT_NDA },       { 0x4fff, TDXSIM_PT_NDA },
		{ 0x5000, TDXSIM_PT_RSVD },      { 0x6abc, TDXSIM_PT_RSVD },
		{ 0x7000, TDXSIM_PT_NDA },       { 3 * MiB - 1, TDXSIM_PT_NDA },
		{ 3 * MiB, TDXSIM_PT_RSVD },     { 4 * MiB, TDXSIM_PT_RSVD },
		{ 7 * MiB - 1, TDXSIM_PT_RSVD }, { 7 * MiB, TDXSIM_PT_NDA },
	};
	/* clang-format on */
	struct tdxsim_pamt_leaf leaf;
	const uint64_t base = 1 * GiB;

	tdxsim_pamt_add_tdmr(pamt, base, GiB, areas, TDXSIM_ARRAY_SIZE(areas), 0);
	init_all(pamt, 0);
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < TDXSIM_ARRAY_SIZE(pages); i++) {
			assert_int_equal(tdxsim_pamt_walk(pamt, base + pages[i].off, &leaf), TDXSIM_PAMT_OK);
			assert_int_equal(leaf.type, pages[i].type);
			assert_int_equal(leaf.level, TDXSIM_PS_4K);
			assert_int_equal(leaf.owner, 0);
		}
		if (pass == 1)
			break;
		/* Second pass: neighbours owned, so their 4K tables exist and must hold RSVD too. */
		assert_int_equal(tdxsim_pamt_assign_4k(pamt, base + 0x8000, TDXSIM_PT_REG, OWNER),
				 TDXSIM_PAMT_OK);
		assert_int_equal(tdxsim_pamt_assign_4k(pamt, base + 7 * MiB + 0x1000, TDXSIM_PT_EPT, OWNER),
				 TDXSIM_PAMT_OK);
		assert_int_equal(tdxsim_pamt_assign_4k(pamt, base + 2 * MiB, TDXSIM_PT_TDR, 0),
				 TDXSIM_PAMT_OK);
		assert_consistent(pamt);
	}
}

static void walk__large_leaf_covers_4k(void **state)
{
	struct tdxsim_pamt *pamt = *state;
	const struct {
		uint64_t off;
		uint8_t type, level;
		uint64_t owner;
	} rows[] = {
		{4 * MiB, TDXSIM_PT_REG, TDXSIM_PS_2M, OWNER},
		{4 * MiB + 0x12345, TDXSIM_PT_REG, TDXSIM_PS_2M, OWNER},
		{6 * MiB - 1, TDXSIM_PT_REG, TDXSIM_PS_2M, OWNER},
		{6 * MiB, TDXSIM_PT_NDA, TDXSIM_PS_4K, 0},
		{4 * MiB - 4096, TDXSIM_PT_NDA, TDXSIM_PS_4K, 0},
		{GiB, TDXSIM_PT_REG, TDXSIM_PS_1G, OWNER2},
		{GiB + 777 * MiB + 5, TDXSIM_PT_REG, TDXSIM_PS_1G, OWNER2},
		{2 * GiB - 1, TDXSIM_PT_REG, TDXSIM_PS_1G, OWNER2},
	};
	struct tdxsim_pamt_leaf leaf;
	const uint64_t base = 1 * GiB;

	tdxsim_pamt_add_tdmr(pamt, base, 2 * GiB, NULL, 0, 0);
	init_all(pamt, 0);
	assert_int_equal(tdxsim_pamt_assign(pamt, base + 4 * MiB, TDXSIM_PS_2M, TDXSIM_PT_REG, OWNER),
			 TDXSIM_PAMT_OK);
	assert_int_equal(tdxsim_pamt_assign(pamt, base + GiB, TDXSIM_PS_1G, TDXSIM_PT_REG, OWNER2),
			 TDXSIM_PAMT_OK);
	for (size_t i = 0; i < TDXSIM_ARRAY_SIZE(rows); i++) {
		assert_int_equal(tdxsim_pamt_walk(pamt, base + rows[i].off, &leaf), TDXSIM_PAMT_OK);
		assert_int_equal(leaf.type, rows[i].type);
		assert_int_equal(leaf.level, rows[i].level);
		assert_int_equal(leaf.owner, rows[i].owner);
		assert_int_equal(leaf.bepoch, 0);
	}
}

static void release__keeps_stale_owner(void **state)
{
	struct tdxsim_pamt *pamt = *state;
	struct tdxsim_pamt_leaf leaf;
	const uint64_t pa = 1 * GiB + 0x3000;

	tdxsim_pamt_add_tdmr(pamt, 1 * GiB, 1 * GiB, NULL, 0, 0);
	init_all(pamt, 0);
	assert_int_equal(tdxsim_pamt_assign_4k(pamt, pa, TDXSIM_PT_REG, OWNER), TDXSIM_PAMT_OK);
	assert_int_equal(tdxsim_pamt_release(pamt, pa, TDXSIM_PS_4K), TDXSIM_PAMT_OK);
	/* RDMD after PAGE.REMOVE: RCX = NDA, RDX = the previous TDR (sheet 8.2 "Stale owner"). */
	assert_int_equal(tdxsim_pamt_walk(pamt, pa, &leaf), TDXSIM_PAMT_OK);
	assert_int_equal(leaf.type, TDXSIM_PT_NDA);
	assert_int_equal(leaf.level, TDXSIM_PS_4K);
	assert_int_equal(leaf.owner, OWNER);
	/* The page is free again; a new owner replaces the stale one. */
	assert_int_equal(tdxsim_pamt_assign_4k(pamt, pa, TDXSIM_PT_TDCX, OWNER2), TDXSIM_PAMT_OK);
	assert_int_equal(tdxsim_pamt_walk(pamt, pa, &leaf), TDXSIM_PAMT_OK);
	assert_int_equal(leaf.type, TDXSIM_PT_TDCX);
	assert_int_equal(leaf.owner, OWNER2);
}

/* --- Assign / release rules: one row per rule ------------------------------------------------ */

/*
 * Layout for every row: TDMR 0 at 4 GiB, 4 GiB long, blocks 0-2 initialized and block 3 only
 * for its first 4 MiB; reserved pages at +2M, +2M+4K and +3G. TDMR 1 at 16 GiB, never
 * initialized.
 */
#define T0     (4 * GiB)
#define T1     (16 * GiB)
#define R2M    (T0 + 2 * MiB) /* 2 MiB region holding two reserved pages */
#define P_RSVD (R2M + 0x1000)
#define P_FREE (T0 + 8 * MiB)
#define B1     (T0 + 1 * GiB)
#define B3     (T0 + 3 * GiB) /* partially initialized block; its first page is reserved */

enum op_kind { OP_NONE, OP_ASSIGN, OP_RELEASE };

struct op {
	enum op_kind kind;
	uint64_t pa;
	unsigned level;
	uint8_t type;
};

struct rule {
	const char *name;
	struct op pre[4]; /* must all succeed */
	struct op op;
	enum tdxsim_pamt_result expect;
};

/* clang-format off */
/* One row per rule; these macros read better unwrapped. */
#define A(pa, lvl, ty) { OP_ASSIGN, (pa), (lvl), (ty) }
#define R(pa, lvl) { OP_RELEASE, (pa), (lvl), 0 }
#define NO_PRE { { OP_NONE, 0, 0, 0 } }
#define L4K TDXSIM_PS_4K
#define L2M TDXSIM_PS_2M
#define L1G TDXSIM_PS_1G
#define REG TDXSIM_PT_REG

static const struct rule rules[] = {
	/* Level (and the type a level can hold) first. */
	{ "assign__level_3__bad_level", NO_PRE, A(P_FREE, 3, REG), TDXSIM_PAMT_BAD_LEVEL },
	{ "assign__level_3_misaligned__bad_level", NO_PRE, A(P_FREE + 1, 3, REG), TDXSIM_PAMT_BAD_LEVEL },
	{ "assign__2m_tdr__bad_level", NO_PRE, A(B1, L2M, TDXSIM_PT_TDR), TDXSIM_PAMT_BAD_LEVEL },
	{ "assign__1g_ept__bad_level", NO_PRE, A(B1, L1G, TDXSIM_PT_EPT), TDXSIM_PAMT_BAD_LEVEL },
	{ "assign__4k_nda__bad_level", NO_PRE, A(P_FREE, L4K, TDXSIM_PT_NDA), TDXSIM_PAMT_BAD_LEVEL },
	{ "assign__4k_rsvd__bad_level", NO_PRE, A(P_FREE, L4K, TDXSIM_PT_RSVD), TDXSIM_PAMT_BAD_LEVEL },
	{ "assign__4k_type_16__bad_level", NO_PRE, A(P_FREE, L4K, 16), TDXSIM_PAMT_BAD_LEVEL },
	/* Then alignment. */
	{ "assign__4k_misaligned__misaligned", NO_PRE, A(P_FREE + 0x800, L4K, REG), TDXSIM_PAMT_MISALIGNED },
	{ "assign__2m_misaligned__misaligned", NO_PRE, A(B1 + 0x1000, L2M, REG), TDXSIM_PAMT_MISALIGNED },
	{ "assign__1g_misaligned__misaligned", NO_PRE, A(B1 + 2 * MiB, L1G, REG), TDXSIM_PAMT_MISALIGNED },
	{ "assign__misaligned_uncovered__misaligned", NO_PRE, A(0x800, L4K, REG), TDXSIM_PAMT_MISALIGNED },
	/* Then coverage. */
	{ "assign__below_tdmrs__not_covered", NO_PRE, A(0, L4K, REG), TDXSIM_PAMT_NOT_COVERED },
	{ "assign__between_tdmrs__not_covered", NO_PRE, A(12 * GiB, L4K, REG), TDXSIM_PAMT_NOT_COVERED },
	{ "assign__after_tdmrs__not_covered", NO_PRE, A(T1 + GiB, L4K, REG), TDXSIM_PAMT_NOT_COVERED },
	{ "assign__uninit_tdmr__not_covered", NO_PRE, A(T1, L4K, REG), TDXSIM_PAMT_NOT_COVERED },
	{ "assign__partly_init_block__not_covered",
	  NO_PRE, A(B3 + 0x1000, L4K, REG), TDXSIM_PAMT_NOT_COVERED },
	{ "assign__uninit_reserved__not_covered", NO_PRE, A(B3, L4K, REG), TDXSIM_PAMT_NOT_COVERED },
	{ "assign__1g_uninit_block__not_covered", NO_PRE, A(B3, L1G, REG), TDXSIM_PAMT_NOT_COVERED },
	/* Then contents: reserved pages before ownership. */
	{ "assign__4k_reserved__reserved", NO_PRE, A(P_RSVD, L4K, REG), TDXSIM_PAMT_RESERVED },
	{ "assign__2m_reserved__reserved", NO_PRE, A(R2M, L2M, REG), TDXSIM_PAMT_RESERVED },
	{ "assign__1g_reserved__reserved", NO_PRE, A(T0, L1G, REG), TDXSIM_PAMT_RESERVED },
	{ "assign__2m_reserved_and_owned__reserved",
	  { A(R2M + 0x4000, L4K, REG) }, A(R2M, L2M, REG), TDXSIM_PAMT_RESERVED },
	{ "assign__4k__ok", NO_PRE, A(P_FREE, L4K, REG), TDXSIM_PAMT_OK },
	{ "assign__4k_tdr__ok", NO_PRE, A(P_FREE, L4K, TDXSIM_PT_TDR), TDXSIM_PAMT_OK },
	{ "assign__4k_next_to_reserved__ok", NO_PRE, A(R2M + 0x2000, L4K, TDXSIM_PT_EPT), TDXSIM_PAMT_OK },
	{ "assign__2m__ok", NO_PRE, A(B1 + 2 * MiB, L2M, REG), TDXSIM_PAMT_OK },
	{ "assign__2m_last_covered__ok", NO_PRE, A(B3 - 2 * MiB, L2M, REG), TDXSIM_PAMT_OK },
	{ "assign__1g__ok", NO_PRE, A(B1, L1G, REG), TDXSIM_PAMT_OK },
	{ "assign__4k_twice__not_free", { A(P_FREE, L4K, REG) }, A(P_FREE, L4K, REG), TDXSIM_PAMT_NOT_FREE },
	{ "assign__4k_under_2m__not_free",
	  { A(B1 + 2 * MiB, L2M, REG) }, A(B1 + 2 * MiB + 0x1000, L4K, REG), TDXSIM_PAMT_NOT_FREE },
	{ "assign__4k_under_1g__not_free",
	  { A(B1, L1G, REG) }, A(B1 + 0x7B000, L4K, REG), TDXSIM_PAMT_NOT_FREE },
	{ "assign__2m_over_4k__not_free", { A(B1 + 2 * MiB + 0x7000, L4K, TDXSIM_PT_TDVPR) },
	  A(B1 + 2 * MiB, L2M, REG), TDXSIM_PAMT_NOT_FREE },
	{ "assign__2m_over_released_4k__ok",
	  { A(B1 + 2 * MiB + 0x1000, L4K, REG), R(B1 + 2 * MiB + 0x1000, L4K) },
	  A(B1 + 2 * MiB, L2M, REG), TDXSIM_PAMT_OK },
	{ "assign__2m_twice__not_free", { A(B1, L2M, REG) }, A(B1, L2M, REG), TDXSIM_PAMT_NOT_FREE },
	{ "assign__2m_under_1g__not_free",
	  { A(B1, L1G, REG) }, A(B1 + 4 * MiB, L2M, REG), TDXSIM_PAMT_NOT_FREE },
	{ "assign__1g_over_4k__not_free",
	  { A(B1 + GiB - 0x1000, L4K, REG) }, A(B1, L1G, REG), TDXSIM_PAMT_NOT_FREE },
	{ "assign__1g_over_2m__not_free",
	  { A(B1 + 510 * MiB, L2M, REG) }, A(B1, L1G, REG), TDXSIM_PAMT_NOT_FREE },
	{ "assign__1g_twice__not_free", { A(B1, L1G, REG) }, A(B1, L1G, REG), TDXSIM_PAMT_NOT_FREE },
	{ "assign__1g_over_released_2m_and_4k__ok",
	  { A(B1, L2M, REG), R(B1, L2M), A(B1 + 8 * MiB, L4K, REG), R(B1 + 8 * MiB, L4K) },
	  A(B1, L1G, REG), TDXSIM_PAMT_OK },
	{ "assign__4k_after_released_1g__ok",
	  { A(B1, L1G, REG), R(B1, L1G) }, A(B1 + 0x5000, L4K, REG), TDXSIM_PAMT_OK },

	/* Release: level, alignment, coverage, then the leaf must end exactly at that level. */
	{ "release__level_3__bad_level", NO_PRE, R(P_FREE, 3), TDXSIM_PAMT_BAD_LEVEL },
	{ "release__2m_misaligned__misaligned",
	  { A(B1, L2M, REG) }, R(B1 + 0x1000, L2M), TDXSIM_PAMT_MISALIGNED },
	{ "release__uninit_tdmr__not_covered", NO_PRE, R(T1, L4K), TDXSIM_PAMT_NOT_COVERED },
	{ "release__partly_init_block__not_covered", NO_PRE, R(B3 + 8 * MiB, L4K), TDXSIM_PAMT_NOT_COVERED },
	{ "release__outside__not_covered", NO_PRE, R(12 * GiB, L4K), TDXSIM_PAMT_NOT_COVERED },
	{ "release__nda__not_assigned", NO_PRE, R(P_FREE, L4K), TDXSIM_PAMT_NOT_ASSIGNED },
	{ "release__rsvd__not_assigned", NO_PRE, R(P_RSVD, L4K), TDXSIM_PAMT_NOT_ASSIGNED },
	{ "release__twice__not_assigned",
	  { A(P_FREE, L4K, REG), R(P_FREE, L4K) }, R(P_FREE, L4K), TDXSIM_PAMT_NOT_ASSIGNED },
	{ "release__4k_inside_2m__not_assigned", { A(B1, L2M, REG) }, R(B1, L4K), TDXSIM_PAMT_NOT_ASSIGNED },
	{ "release__2m_of_4k__not_assigned", { A(B1, L4K, REG) }, R(B1, L2M), TDXSIM_PAMT_NOT_ASSIGNED },
	{ "release__2m_inside_1g__not_assigned", { A(B1, L1G, REG) }, R(B1, L2M), TDXSIM_PAMT_NOT_ASSIGNED },
	{ "release__1g_of_2m__not_assigned", { A(B1, L2M, REG) }, R(B1, L1G), TDXSIM_PAMT_NOT_ASSIGNED },
	{ "release__4k__ok", { A(P_FREE, L4K, REG) }, R(P_FREE, L4K), TDXSIM_PAMT_OK },
	{ "release__4k_tdr__ok", { A(P_FREE, L4K, TDXSIM_PT_TDR) }, R(P_FREE, L4K), TDXSIM_PAMT_OK },
	{ "release__2m__ok", { A(B1 + 2 * MiB, L2M, REG) }, R(B1 + 2 * MiB, L2M), TDXSIM_PAMT_OK },
	{ "release__1g__ok", { A(B1, L1G, REG) }, R(B1, L1G), TDXSIM_PAMT_OK },
};
/* clang-format on */

static enum tdxsim_pamt_result run_op(struct tdxsim_pamt *pamt, const struct op *op, uint64_t owner)
{
	if (op->kind == OP_ASSIGN)
		return tdxsim_pamt_assign(pamt, op->pa, op->level, op->type, owner);
	return tdxsim_pamt_release(pamt, op->pa, op->level);
}

/* Per-row fixture: cmocka hands the row in as the initial state; the test needs both. */
struct rule_fixture {
	struct tdxsim_pamt *pamt;
	const struct rule *rule;
};

static int rule_setup(void **state)
{
	const struct tdxsim_tdmr_reserved_area areas[] = {
		{.offset = 2 * MiB, .size = 0x2000},
		{.offset = 3 * GiB, .size = 0x1000},
	};
	const struct rule *rule = *state;
	struct rule_fixture *fx = calloc(1, sizeof(*fx));

	if (!fx || tdxsim_pamt_create(&fx->pamt))
		goto fail;
	fx->rule = rule;
	if (tdxsim_pamt_add_tdmr(fx->pamt, T0, 4 * GiB, areas, 2, 0) ||
	    tdxsim_pamt_add_tdmr(fx->pamt, T1, 1 * GiB, NULL, 0, 0))
		goto fail;
	init_upto(fx->pamt, 0, 3 * GiB + TDXSIM_TDMR_INIT_CHUNK);
	for (size_t i = 0; i < TDXSIM_ARRAY_SIZE(rule->pre) && rule->pre[i].kind != OP_NONE; i++) {
		if (run_op(fx->pamt, &rule->pre[i], OWNER) != TDXSIM_PAMT_OK) {
			print_error("%s: precondition %zu failed\n", rule->name, i);
			goto fail;
		}
	}
	*state = fx;
	return 0;
fail:
	if (fx)
		tdxsim_pamt_destroy(fx->pamt);
	free(fx);
	return -1;
}

static int rule_teardown(void **state)
{
	struct rule_fixture *fx = *state;
	int rc = teardown((void **)&fx->pamt);

	free(fx);
	return rc;
}

static void rule__applies(void **state)
{
	struct rule_fixture *fx = *state;
	struct tdxsim_pamt *pamt = fx->pamt;
	const struct rule *rule = fx->rule;
	struct tdxsim_pamt_leaf leaf;
	uint64_t before = tdxsim_pamt_hash(pamt, TDXSIM_HASH_SEED);
	enum tdxsim_pamt_result got;

	got = run_op(pamt, &rule->op, OWNER2);
	assert_int_equal(got, rule->expect);
	assert_consistent(pamt);
	if (got != TDXSIM_PAMT_OK) {
		/* A failed operation changes nothing. */
		assert_int_equal(tdxsim_pamt_hash(pamt, TDXSIM_HASH_SEED), before);
		return;
	}
	assert_int_equal(tdxsim_pamt_walk(pamt, rule->op.pa, &leaf), TDXSIM_PAMT_OK);
	if (rule->op.kind == OP_ASSIGN) {
		assert_int_equal(leaf.type, rule->op.type);
		assert_int_equal(leaf.level, rule->op.level);
		assert_int_equal(leaf.owner, OWNER2);
		assert_int_equal(leaf.bepoch, 0);
	} else {
		assert_int_equal(leaf.type, TDXSIM_PT_NDA);
	}
}

/* --- Memory, invariants, hash, clear -------------------------------------------------------- */

static void stats__4tib_costs_under_1mib(void **state)
{
	struct tdxsim_pamt *pamt = *state;
	tdxsim_pamt_stats_t st;

	for (unsigned i = 0; i < 4; i++) {
		/* Where Linux would put this TDMR's PAMTs (4 GiB + 8 MiB + 16 KiB), as a reserved area. */
		const struct tdxsim_tdmr_reserved_area areas[] = {
			{.offset = 64 * GiB, .size = 4 * GiB + 8 * MiB + 16 * 1024},
			{.offset = 1 * MiB, .size = 1 * MiB},
		};

		assert_int_equal(tdxsim_pamt_add_tdmr(pamt, i * TiB, TiB, areas, 2, areas[0].size),
				 TDXSIM_PAMT_OK);
	}
	for (unsigned i = 0; i < 4; i++)
		init_all(pamt, i);
	tdxsim_pamt_get_stats(pamt, &st);
	assert_int_equal(st.num_tdmrs, 4);
	assert_int_equal(st.covered_bytes, 4 * TiB);
	assert_int_equal(st.initialized_bytes, 4 * TiB);
	assert_int_equal(st.pamt_bytes, 4 * (4 * GiB + 8 * MiB + 16 * 1024));
	print_message("4 TiB in 4 TDMRs, initialized: %llu bytes of host metadata\n",
		      (unsigned long long)st.host_metadata_bytes);
	assert_true(st.host_metadata_bytes < MiB);
}

static void stats__counts_every_node(void **state)
{
	struct tdxsim_pamt *pamt = *state;
	const struct tdxsim_pamt *cp = pamt;
	tdxsim_pamt_stats_t st;
	uint64_t last;

	tdxsim_pamt_get_stats(pamt, &st);
	assert_int_equal(st.host_metadata_bytes, sizeof(*pamt));
	tdxsim_pamt_add_tdmr(pamt, 0, TiB, NULL, 0, 0);
	init_upto(pamt, 0, 2 * GiB);
	tdxsim_pamt_get_stats(pamt, &st);
	/* The store, the TDMR array, one pointer per GiB; nothing per initialized chunk. */
	assert_int_equal(st.host_metadata_bytes,
			 sizeof(*pamt) + cp->cap_tdmrs * sizeof(*cp->tdmrs) + 1024 * sizeof(void *));
	last = st.host_metadata_bytes;

	/* First 4K entry of a GiB: the GiB node and one 4K table. */
	tdxsim_pamt_assign_4k(pamt, 0x5000, TDXSIM_PT_REG, OWNER);
	tdxsim_pamt_get_stats(pamt, &st);
	assert_int_equal(st.host_metadata_bytes - last,
			 sizeof(struct tdxsim_pamt_gib) + sizeof(struct tdxsim_pamt_table));
	last = st.host_metadata_bytes;
	/* Same 2 MiB region: nothing new. A 2M leaf in the same GiB: the 2M table. */
	tdxsim_pamt_assign_4k(pamt, 0x6000, TDXSIM_PT_REG, OWNER);
	tdxsim_pamt_get_stats(pamt, &st);
	assert_int_equal(st.host_metadata_bytes, last);
	tdxsim_pamt_assign(pamt, 8 * MiB, TDXSIM_PS_2M, TDXSIM_PT_REG, OWNER);
	tdxsim_pamt_get_stats(pamt, &st);
	assert_int_equal(st.host_metadata_bytes - last, sizeof(struct tdxsim_pamt_table));
	last = st.host_metadata_bytes;
	/* A 1G leaf: only its GiB node. */
	tdxsim_pamt_assign(pamt, GiB, TDXSIM_PS_1G, TDXSIM_PT_REG, OWNER);
	tdxsim_pamt_get_stats(pamt, &st);
	assert_int_equal(st.host_metadata_bytes - last, sizeof(struct tdxsim_pamt_gib));
	/* Failed operations allocate nothing. */
	last = st.host_metadata_bytes;
	assert_int_equal(tdxsim_pamt_assign_4k(pamt, 2 * GiB, TDXSIM_PT_REG, OWNER), TDXSIM_PAMT_NOT_COVERED);
	assert_int_equal(tdxsim_pamt_assign_4k(pamt, 0x5000, TDXSIM_PT_REG, OWNER), TDXSIM_PAMT_NOT_FREE);
	tdxsim_pamt_get_stats(pamt, &st);
	assert_int_equal(st.host_metadata_bytes, last);
}

/* A small LCG: the sequence must be the same on every run. */
static uint64_t next_rand(uint64_t *s)
{
	*s = *s * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
	return *s >> 33;
}

static void check__holds_after_random_operations(void **state)
{
	struct tdxsim_pamt *pamt = *state;
	const struct tdxsim_tdmr_reserved_area areas[] = {
		{.offset = 0x3000, .size = 0x1000},
		{.offset = 6 * MiB + 0x8000, .size = 3 * MiB},
	};
	static const uint8_t types_4k[] = {TDXSIM_PT_REG, TDXSIM_PT_TDR, TDXSIM_PT_TDCX, TDXSIM_PT_TDVPR,
					   TDXSIM_PT_EPT};
	const uint64_t bases[] = {2 * GiB, 8 * GiB};
	unsigned ok = 0, results[TDXSIM_PAMT_NO_MEMORY + 1] = {0};
	uint64_t seed = 42;

	for (unsigned i = 0; i < 2; i++) {
		tdxsim_pamt_add_tdmr(pamt, bases[i], 2 * GiB, areas, 2, 0);
		init_all(pamt, i);
	}
	for (int n = 0; n < 6000; n++) {
		unsigned r = (unsigned)next_rand(&seed);
		unsigned level = r % 8 < 5 ? TDXSIM_PS_4K : r % 8 < 7 ? TDXSIM_PS_2M : TDXSIM_PS_1G;
		/* A small window (2 TDMRs x 2 GiB x 8 regions x 16 pages) so operations collide. */
		uint64_t pa = bases[(r >> 3) & 1] + ((r >> 4) & 1) * GiB + ((r >> 5) & 7) * 2 * MiB +
			      ((r >> 8) & 15) * 4096;
		uint8_t type = level == TDXSIM_PS_4K ? types_4k[(r >> 12) % 5] : TDXSIM_PT_REG;
		uint64_t h = tdxsim_pamt_hash(pamt, TDXSIM_HASH_SEED);
		bool assign = (r >> 16) % 5 < 3;
		enum tdxsim_pamt_result res;
		struct tdxsim_pamt_leaf leaf;

		pa = tdxsim_align_down(pa, tdxsim_pamt_level_size(level));
		res = assign ? tdxsim_pamt_assign(pamt, pa, level, type, OWNER + n)
			     : tdxsim_pamt_release(pamt, pa, level);
		results[res]++;
		assert_consistent(pamt);
		if (res != TDXSIM_PAMT_OK) {
			assert_int_equal(tdxsim_pamt_hash(pamt, TDXSIM_HASH_SEED), h);
			continue;
		}
		ok++;
		assert_int_equal(tdxsim_pamt_walk(pamt, pa, &leaf), TDXSIM_PAMT_OK);
		assert_int_equal(leaf.type, assign ? type : TDXSIM_PT_NDA);
		if (assign)
			assert_int_equal(leaf.level, level);
	}
	/* The sequence must exercise successes and each content rule, or it proves little. */
	assert_true(ok > 500);
	assert_true(results[TDXSIM_PAMT_RESERVED] > 0);
	assert_true(results[TDXSIM_PAMT_NOT_FREE] > 0);
	assert_true(results[TDXSIM_PAMT_NOT_ASSIGNED] > 0);
}

/* The checker's visits (tdxsim_pamt_check_visit, which the TD invariants count pages with)
 * are exactly the owned leaves, each once: compared, as sorted lists, with a walk of every 4K
 * page of the regions that random assigns and releases at every level touched (leaving stale
 * owners, a reserved page and large leaves). */
struct visits {
	size_t n;
	uint64_t v[4096][3];
};

static void record(void *user, uint64_t pa, unsigned level, uint8_t type, uint64_t owner)
{
	struct visits *w = user;
	assert_true(w->n < 4096);
	w->v[w->n][0] = pa;
	w->v[w->n][1] = (uint64_t)level << 8 | type;
	w->v[w->n][2] = owner;
	w->n++;
}

static int by_pa(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;
	return x[0] < y[0] ? -1 : x[0] > y[0];
}

static void check_visit__each_owned_leaf_once(void **state)
{
	struct tdxsim_pamt *pamt = *state;
	const struct tdxsim_tdmr_reserved_area area = {.offset = 0x3000, .size = 0x1000};
	static struct visits want, got;
	uint64_t seed = 7;
	char msg[256];

	tdxsim_pamt_add_tdmr(pamt, 2 * GiB, 2 * GiB, &area, 1, 0);
	init_all(pamt, 0);
	for (int n = 0; n < 3000; n++) {
		unsigned r = (unsigned)next_rand(&seed);
		unsigned level = r % 8 < 6 ? TDXSIM_PS_4K : r % 8 < 7 ? TDXSIM_PS_2M : TDXSIM_PS_1G;
		uint64_t pa =
			2 * GiB + ((r >> 3) & 1) * GiB + ((r >> 4) & 7) * 2 * MiB + ((r >> 7) & 15) * 4096;
		pa = tdxsim_align_down(pa, tdxsim_pamt_level_size(level));
		if ((r >> 12) % 3)
			tdxsim_pamt_assign(pamt, pa, level,
					   level == TDXSIM_PS_4K ? TDXSIM_PT_TDCX : TDXSIM_PT_REG,
					   OWNER + (r >> 20));
		else
			tdxsim_pamt_release(pamt, pa, level);
	}
	/* Large leaves for certain: a 2M one beside the random regions, a 1G one in a TDMR of its
	 * own. */
	assert_int_equal(tdxsim_pamt_assign(pamt, 2 * GiB + 20 * MiB, TDXSIM_PS_2M, TDXSIM_PT_REG, OWNER2),
			 TDXSIM_PAMT_OK);
	assert_int_equal(tdxsim_pamt_add_tdmr(pamt, 8 * GiB, GiB, NULL, 0, 0), TDXSIM_PAMT_OK);
	init_all(pamt, 1);
	assert_int_equal(tdxsim_pamt_assign(pamt, 8 * GiB, TDXSIM_PS_1G, TDXSIM_PT_REG, OWNER2),
			 TDXSIM_PAMT_OK);
	/* Every 4K page of the first 24 MiB of each GiB; a large leaf once, at its base. */
	want.n = got.n = 0;
	for (uint64_t g = 0; g < 3; g++) {
		uint64_t gib = g < 2 ? 2 * GiB + g * GiB : 8 * GiB;
		for (uint64_t pa = gib; pa < gib + 24 * MiB; pa += 4096) {
			struct tdxsim_pamt_leaf l;
			assert_int_equal(tdxsim_pamt_walk(pamt, pa, &l), TDXSIM_PAMT_OK);
			uint64_t base = tdxsim_align_down(pa, tdxsim_pamt_level_size(l.level));
			if (l.type != TDXSIM_PT_NDA && l.type != TDXSIM_PT_RSVD && base == pa)
				record(&want, pa, l.level, l.type, l.owner);
		}
	}
	/* The same walk hashes: what the hash alone gives from the same seed. */
	uint64_t hash = 12345;
	assert_int_equal(tdxsim_pamt_check_visit(pamt, record, &got, &hash, msg, sizeof(msg)), 0);
	assert_int_equal(hash, tdxsim_pamt_hash(pamt, 12345));
	assert_true(want.n > 50);
	unsigned levels[3] = {0, 0, 0};
	for (size_t i = 0; i < want.n; i++)
		levels[want.v[i][1] >> 8]++;
	assert_true(levels[TDXSIM_PS_2M] && levels[TDXSIM_PS_1G]); /* every kind of leaf */
	qsort(got.v, got.n, sizeof(got.v[0]), by_pa);
	assert_int_equal(got.n, want.n);
	assert_memory_equal(got.v, want.v, want.n * sizeof(want.v[0]));
}

static void check__detects_corruption(void **state)
{
	struct tdxsim_pamt *pamt = *state;
	const struct tdxsim_tdmr_reserved_area area = {.offset = 0x1000, .size = 0x1000};
	struct tdxsim_pamt_table *tab;
	char msg[256];

	tdxsim_pamt_add_tdmr(pamt, GiB, GiB, &area, 1, 0);
	init_all(pamt, 0);
	tdxsim_pamt_assign_4k(pamt, GiB, TDXSIM_PT_REG, OWNER);
	assert_consistent(pamt);
	tab = pamt->tdmrs[0].blocks[0]->t4k[0];

	pamt->owned[TDXSIM_PS_4K][TDXSIM_PT_REG]++;
	assert_int_equal(tdxsim_pamt_check(pamt, msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "counter"));
	uint64_t hash = 7; /* a failed check leaves the hash as it was */
	assert_int_equal(tdxsim_pamt_check_visit(pamt, NULL, NULL, &hash, msg, sizeof(msg)), -1);
	assert_int_equal(hash, 7);
	pamt->owned[TDXSIM_PS_4K][TDXSIM_PT_REG]--;

	tab->type[1] = TDXSIM_PT_NDA; /* the reserved page */
	assert_int_equal(tdxsim_pamt_check(pamt, msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "reserved"));
	tab->type[1] = TDXSIM_PT_RSVD;

	pamt->host_bytes++;
	assert_int_equal(tdxsim_pamt_check(pamt, NULL, 0), -1);
	pamt->host_bytes--;

	/* The summary of 4K tables the walks go by (pamt_priv.h), both ways. */
	struct tdxsim_pamt_gib *gib = pamt->tdmrs[0].blocks[0];
	gib->t4k_runs &= ~UINT64_C(1);
	assert_int_equal(tdxsim_pamt_check(pamt, msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "summary"));
	gib->t4k_runs |= UINT64_C(1) << 5;
	assert_int_equal(tdxsim_pamt_check(pamt, msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "summary"));
	gib->t4k_runs = 1;
	assert_int_equal(tdxsim_pamt_check(pamt, msg, sizeof(msg)), 0);
}

/*
 * The checker and the hash pass over runs of eight PT_RSVD entries of reserved pages with no
 * owner and no BEPOCH with one test (pamt_check.c). One row per way an entry of such a run can
 * differ: the checker must still see a broken rule, the hash must still see a changed entry.
 */
static void reserved_run__shortcut_keeps_every_result(void **state)
{
	struct tdxsim_pamt *pamt = *state;
	/* Pages 0..15 reserved (two whole runs), page 16 owned (with a BEPOCH) so that the 4K
	 * table and its BEPOCH array exist. */
	const struct tdxsim_tdmr_reserved_area area = {.offset = 0, .size = 16 * 0x1000};
	static const struct {
		const char *what;
		unsigned entry;
		uint8_t type;
		uint64_t owner, bepoch;
		bool breaks_check, changes_hash; /* PT_NDA and PT_RSVD both hash as initial */
	} rows[] = {
		{"a reserved page typed PT_NDA", 3, TDXSIM_PT_NDA, 0, 0, true, false},
		{"a reserved page typed PT_REG", 8, TDXSIM_PT_REG, 0, 0, true, true},
		{"a reserved page with an owner", 15, TDXSIM_PT_RSVD, OWNER, 0, false, true},
		{"a reserved page with a BEPOCH", 0, TDXSIM_PT_RSVD, 0, 7, false, true},
	};

	tdxsim_pamt_add_tdmr(pamt, GiB, GiB, &area, 1, 0);
	init_all(pamt, 0);
	assert_int_equal(tdxsim_pamt_assign_4k(pamt, GiB + 16 * 0x1000, TDXSIM_PT_REG, OWNER),
			 TDXSIM_PAMT_OK);
	assert_int_equal(tdxsim_pamt_set_bepoch(pamt, GiB + 16 * 0x1000, TDXSIM_PS_4K, 5), TDXSIM_PAMT_OK);
	assert_consistent(pamt);
	struct tdxsim_pamt_table *tab = pamt->tdmrs[0].blocks[0]->t4k[0];
	assert_non_null(tab->bepoch);
	uint64_t clean = tdxsim_pamt_hash(pamt, TDXSIM_HASH_SEED);
	for (size_t i = 0; i < TDXSIM_ARRAY_SIZE(rows); i++) {
		unsigned e = rows[i].entry;
		assert_int_equal(tab->type[e], TDXSIM_PT_RSVD);
		tab->type[e] = rows[i].type;
		tab->owner[e] = rows[i].owner;
		tab->bepoch[e] = rows[i].bepoch;
		/* Type changes also move the busy count; keep it right so only the rule breaks. */
		unsigned busy = tab->busy;
		tab->busy += (rows[i].type != TDXSIM_PT_NDA) - 1;
		char msg[256];
		if (rows[i].breaks_check)
			assert_int_equal(tdxsim_pamt_check(pamt, msg, sizeof(msg)), -1);
		else
			assert_int_equal(tdxsim_pamt_check(pamt, msg, sizeof(msg)), 0);
		if ((tdxsim_pamt_hash(pamt, TDXSIM_HASH_SEED) != clean) != rows[i].changes_hash)
			fail_msg("%s: the hash %s", rows[i].what,
				 rows[i].changes_hash ? "did not change" : "changed");
		tab->busy = busy;
		tab->type[e] = TDXSIM_PT_RSVD;
		tab->owner[e] = 0;
		tab->bepoch[e] = 0;
		assert_int_equal(tdxsim_pamt_hash(pamt, TDXSIM_HASH_SEED), clean);
	}
	assert_consistent(pamt);
}

static void add_layout(struct tdxsim_pamt *pamt)
{
	const struct tdxsim_tdmr_reserved_area area = {.offset = 0, .size = 0x1000};

	assert_int_equal(tdxsim_pamt_add_tdmr(pamt, GiB, 2 * GiB, &area, 1, 0), TDXSIM_PAMT_OK);
	init_all(pamt, 0);
}

static void hash__follows_entries(void **state)
{
	struct tdxsim_pamt *a = *state, *b;
	uint64_t fresh, assigned, released;

	assert_int_equal(tdxsim_pamt_create(&b), 0);
	assert_int_equal(tdxsim_pamt_hash(a, TDXSIM_HASH_SEED), tdxsim_pamt_hash(b, TDXSIM_HASH_SEED));
	tdxsim_pamt_add_tdmr(a, GiB, 2 * GiB, NULL, 0, 0);
	tdxsim_pamt_add_tdmr(b, GiB, 2 * GiB, NULL, 0, 0);
	/* Progress is state (TDMR.INIT changes what RDMD sees). */
	fresh = tdxsim_pamt_hash(a, TDXSIM_HASH_SEED);
	tdxsim_pamt_init_chunk(a, 0);
	assert_int_not_equal(tdxsim_pamt_hash(a, TDXSIM_HASH_SEED), fresh);
	init_all(a, 0);
	init_all(b, 0);
	fresh = tdxsim_pamt_hash(a, TDXSIM_HASH_SEED);
	assert_int_equal(tdxsim_pamt_hash(b, TDXSIM_HASH_SEED), fresh);

	tdxsim_pamt_assign_4k(a, GiB + 0x1000, TDXSIM_PT_REG, OWNER);
	assigned = tdxsim_pamt_hash(a, TDXSIM_HASH_SEED);
	assert_int_not_equal(assigned, fresh);
	/* Same entries reached in another order: same hash. */
	tdxsim_pamt_assign(b, 2 * GiB, TDXSIM_PS_1G, TDXSIM_PT_REG, OWNER2);
	tdxsim_pamt_assign_4k(b, GiB + 0x1000, TDXSIM_PT_REG, OWNER);
	tdxsim_pamt_assign(a, 2 * GiB, TDXSIM_PS_1G, TDXSIM_PT_REG, OWNER2);
	assert_int_equal(tdxsim_pamt_hash(a, TDXSIM_HASH_SEED), tdxsim_pamt_hash(b, TDXSIM_HASH_SEED));
	assigned = tdxsim_pamt_hash(a, TDXSIM_HASH_SEED);

	/* Owner, type and level are all part of an entry. */
	tdxsim_pamt_release(b, GiB + 0x1000, TDXSIM_PS_4K);
	tdxsim_pamt_assign_4k(b, GiB + 0x1000, TDXSIM_PT_REG, OWNER2);
	assert_int_not_equal(tdxsim_pamt_hash(b, TDXSIM_HASH_SEED), assigned);
	tdxsim_pamt_release(b, GiB + 0x1000, TDXSIM_PS_4K);
	tdxsim_pamt_assign_4k(b, GiB + 0x1000, TDXSIM_PT_EPT, OWNER);
	assert_int_not_equal(tdxsim_pamt_hash(b, TDXSIM_HASH_SEED), assigned);

	/* A release leaves a stale owner: neither the assigned nor the fresh state. */
	tdxsim_pamt_release(a, GiB + 0x1000, TDXSIM_PS_4K);
	released = tdxsim_pamt_hash(a, TDXSIM_HASH_SEED);
	assert_int_not_equal(released, assigned);
	assert_int_not_equal(released, fresh);
	tdxsim_pamt_destroy(b);
}

static void hash__ignores_allocation(void **state)
{
	struct tdxsim_pamt *a = *state, *b;

	assert_int_equal(tdxsim_pamt_create(&b), 0);
	add_layout(a);
	add_layout(b);
	/* Owner 0 (a TDR page, sheet 8.2) then released: every entry is initial again, but the
	 * nodes stay allocated in a. Observably the same state, so the same hash. */
	assert_int_equal(tdxsim_pamt_assign_4k(a, GiB + 0x2000, TDXSIM_PT_TDR, 0), TDXSIM_PAMT_OK);
	assert_int_equal(tdxsim_pamt_release(a, GiB + 0x2000, TDXSIM_PS_4K), TDXSIM_PAMT_OK);
	assert_int_equal(tdxsim_pamt_assign(a, 2 * GiB, TDXSIM_PS_2M, TDXSIM_PT_REG, 0), TDXSIM_PAMT_OK);
	assert_int_equal(tdxsim_pamt_release(a, 2 * GiB, TDXSIM_PS_2M), TDXSIM_PAMT_OK);
	assert_int_equal(tdxsim_pamt_hash(a, TDXSIM_HASH_SEED), tdxsim_pamt_hash(b, TDXSIM_HASH_SEED));
	assert_consistent(b);
	tdxsim_pamt_destroy(b);
}

static void clear__forgets_everything(void **state)
{
	struct tdxsim_pamt *pamt = *state;
	struct tdxsim_pamt_leaf leaf;
	tdxsim_pamt_stats_t st, empty;
	uint64_t fresh = tdxsim_pamt_hash(pamt, TDXSIM_HASH_SEED);

	tdxsim_pamt_get_stats(pamt, &empty);
	add_layout(pamt);
	tdxsim_pamt_add_tdmr(pamt, 8 * GiB, GiB, NULL, 0, 4096);
	tdxsim_pamt_assign_4k(pamt, GiB + 0x5000, TDXSIM_PT_REG, OWNER);
	tdxsim_pamt_assign(pamt, 2 * GiB, TDXSIM_PS_1G, TDXSIM_PT_REG, OWNER);

	tdxsim_pamt_clear(pamt);
	assert_int_equal(tdxsim_pamt_num_tdmrs(pamt), 0);
	assert_int_equal(tdxsim_pamt_find_tdmr(pamt, GiB), -1);
	assert_int_equal(tdxsim_pamt_walk(pamt, GiB + 0x5000, &leaf), TDXSIM_PAMT_NOT_COVERED);
	tdxsim_pamt_get_stats(pamt, &st);
	assert_memory_equal(&st, &empty, sizeof(st));
	assert_int_equal(tdxsim_pamt_hash(pamt, TDXSIM_HASH_SEED), fresh);
	assert_consistent(pamt);

	/* Usable again, from initial values (a reloaded module configures from scratch). */
	add_layout(pamt);
	assert_int_equal(tdxsim_pamt_walk(pamt, GiB + 0x5000, &leaf), TDXSIM_PAMT_OK);
	assert_int_equal(leaf.type, TDXSIM_PT_NDA);
	assert_int_equal(leaf.owner, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(tdmr__add_find_info, setup, teardown),
		cmocka_unit_test_setup_teardown(init__chunk_math, setup, teardown),
		cmocka_unit_test_setup_teardown(init__clamps_at_end, setup, teardown),
		cmocka_unit_test_setup_teardown(init__block_covered_only_when_complete, setup, teardown),
		cmocka_unit_test_setup_teardown(walk__not_covered, setup, teardown),
		cmocka_unit_test(reserved_bits__match_the_per_page_rule),
		cmocka_unit_test_setup_teardown(walk__reserved_pages_are_rsvd, setup, teardown),
		cmocka_unit_test_setup_teardown(walk__large_leaf_covers_4k, setup, teardown),
		cmocka_unit_test_setup_teardown(release__keeps_stale_owner, setup, teardown),
		cmocka_unit_test_setup_teardown(stats__4tib_costs_under_1mib, setup, teardown),
		cmocka_unit_test_setup_teardown(stats__counts_every_node, setup, teardown),
		cmocka_unit_test_setup_teardown(check__holds_after_random_operations, setup, teardown),
		cmocka_unit_test_setup_teardown(check_visit__each_owned_leaf_once, setup, teardown),
		cmocka_unit_test_setup_teardown(check__detects_corruption, setup, teardown),
		cmocka_unit_test_setup_teardown(reserved_run__shortcut_keeps_every_result, setup, teardown),
		cmocka_unit_test_setup_teardown(hash__follows_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(hash__ignores_allocation, setup, teardown),
		cmocka_unit_test_setup_teardown(clear__forgets_everything, setup, teardown),
	};
	/* One test per rule row, named after the row. */
	struct CMUnitTest rule_tests[TDXSIM_ARRAY_SIZE(rules)];
	int failed;

	for (size_t i = 0; i < TDXSIM_ARRAY_SIZE(rules); i++) {
		rule_tests[i] = (struct CMUnitTest){
			.name = rules[i].name,
			.test_func = rule__applies,
			.setup_func = rule_setup,
			.teardown_func = rule_teardown,
			.initial_state = (void *)&rules[i],
		};
	}
	failed = cmocka_run_group_tests_name("pamt", tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("pamt_rules", rule_tests, NULL, NULL);
	return failed;
}
