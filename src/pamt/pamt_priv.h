/* SPDX-License-Identifier: MIT */
/*
 * Private layout of the PAMT store, shared by pamt.c (store, TDMRs, init progress, stats),
 * pamt_entries.c (walk, assign, release) and pamt_check.c (invariants, hash). Other folders
 * use pamt.h only.
 *
 * Sparse layout. The real module addresses entries by TDMR, 1 GiB block, 2 MiB region and
 * 4 KiB page (sheet 8.2 "Addressing"); we keep the same tree but allocate a node only when an
 * entry under it departs from its initial value (sheet 8.2 "Initial values"):
 *   TDMR      -> blocks[]: one pointer per 1 GiB (allocated by add_tdmr, 8 bytes per GiB)
 *   1 GiB     -> struct tdxsim_pamt_gib: the 1G entry and pointers to its 2M/4K tables
 *   2M table  -> the 512 2M entries of one GiB
 *   4K table  -> the 512 4K entries of one 2 MiB region
 * A missing node reads as initial values: 4K = PT_RSVD inside a reserved area else PT_NDA,
 * 2M/1G = PT_NDA, owner 0. Nodes stay allocated until clear/destroy, because an
 * entry that went back to PT_NDA keeps its stale owner (sheet 8.2 "Stale owner") and so still
 * differs from its initial value.
 */
#ifndef TDXSIM_PAMT_PRIV_H
#define TDXSIM_PAMT_PRIV_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/util.h"
#include "pamt/pamt.h"

#define TDXSIM_PAMT_FANOUT 512 /* entries per table: 512 x 4K = 2M, 512 x 2M = 1G */
/*
 * The store treats the type byte as opaque apart from NDA, RSVD and REG, so later page types
 * need no change here; counters are kept for type values below this bound.
 */
#define TDXSIM_PAMT_NUM_TYPES  16
#define TDXSIM_PAMT_NUM_LEVELS 3

/*
 * 512 entries of one level, stored as columns so the type scans touch 512 bytes only.
 * BEPOCH (td-runtime.md 2.2, 2.4: TDH.MEM.RANGE.BLOCK writes the TD's epoch there) is a
 * column allocated on the first non-zero write, so tables of pages never blocked stay at
 * 4.5 KiB per fully used 2 MiB (1/450; hardware: 1/256). NULL reads as all-zero.
 */
struct tdxsim_pamt_table {
	uint64_t owner[TDXSIM_PAMT_FANOUT];
	uint64_t *bepoch; /* TDXSIM_PAMT_FANOUT entries, or NULL */
	uint8_t type[TDXSIM_PAMT_FANOUT];
	/* Entries whose type is not PT_NDA (PT_RSVD included): lets 2M/1G assign test "all
	 * children free" in O(1) per table instead of scanning 512 bytes. */
	uint16_t busy;
};

/* One 1 GiB block that has at least one non-initial entry. */
struct tdxsim_pamt_gib {
	struct tdxsim_pamt_table *t2m;			   /* NULL: all 2M entries initial */
	struct tdxsim_pamt_table *t4k[TDXSIM_PAMT_FANOUT]; /* per 2 MiB; NULL: all initial */
	/* Bit r set iff t4k[8r .. 8r + 7] holds a table: the walks after every fuzzed call test
	 * a bit per run instead of loading its 8 pointers (tdxsim_pamt_no_t4k_run()). Set where
	 * a 4K table is made, copied with the block; the checker compares it with the pointers. */
	uint64_t t4k_runs;
	uint64_t owner; /* the 1G entry, as in a table */
	uint64_t bepoch;
	uint8_t type;
};

struct tdxsim_pamt_tdmr {
	uint64_t base, size;
	uint64_t next_to_init; /* TDH.SYS.TDMR.INIT progress, in [base, base + size] */
	uint64_t pamt_bytes;   /* statistics only */
	uint64_t num_blocks;   /* size / 1G, rounded up */
	struct tdxsim_pamt_gib **blocks;
	unsigned num_areas; /* non-empty reserved areas, in the order given */
	struct tdxsim_tdmr_reserved_area areas[TDXSIM_TDMR_MAX_RESERVED];
};

struct tdxsim_pamt {
	struct tdxsim_pamt_tdmr *tdmrs; /* ascending bases (add_tdmr contract) */
	unsigned num_tdmrs, cap_tdmrs;
	uint64_t host_bytes;  /* every byte this store holds from malloc, the store itself included */
	int64_t alloc_budget; /* allocations left before they fail (< 0: unlimited); a test hook */
	/* Leaves that are owned (type neither NDA nor RSVD), by level and type; check() recounts. */
	uint64_t owned[TDXSIM_PAMT_NUM_LEVELS][TDXSIM_PAMT_NUM_TYPES];
	unsigned last_found; /* speed only: the TDMR tdxsim_pamt_find_tdmr_info() found last */
	/* Speed only: the TDMR tdxsim_pamt_tdmr_of() found last, tried before the binary search
	 * (a leaf's pages are mostly in one TDMR). Written by lookups, so atomic. */
	_Atomic unsigned last_hit;
};

/* Frees a node and everything under it (NULL: nothing), counted out of host_bytes. */
void tdxsim_pamt_free_table(struct tdxsim_pamt *pamt, struct tdxsim_pamt_table *tab);
void tdxsim_pamt_free_gib(struct tdxsim_pamt *pamt, struct tdxsim_pamt_gib *gib);

static inline uint64_t tdxsim_pamt_level_size(unsigned level)
{
	return TDXSIM_4K << (9 * level);
}

/* Whether [off, off + len) (offsets from the TDMR base, len > 0) meets a reserved area. */
static inline bool tdxsim_pamt_reserved(const struct tdxsim_pamt_tdmr *t, uint64_t off, uint64_t len)
{
	for (unsigned i = 0; i < t->num_areas; i++) {
		const struct tdxsim_tdmr_reserved_area *a = &t->areas[i];

		/* Written without a + size so that an area reaching 2^64 cannot wrap. */
		if (a->offset >= off ? a->offset - off < len : off - a->offset < a->size)
			return true;
	}
	return false;
}

/*
 * The walks that visit every table (checker, hash; after every fuzzed operation) go in runs of
 * 8 entries or table pointers and pass over a run that holds nothing with one test: for 4K
 * tables, a bit of the GiB's summary (t4k_runs); for entries, masks a table's runs get in one
 * pass (pamt_check.c run_masks).
 */
#define TDXSIM_PAMT_RUN 8
/* Whether the 8 4K-table pointers of @gib from @i (a multiple of 8) are all NULL, from the
 * summary (the checker compares it with the pointers). */
static inline bool tdxsim_pamt_no_t4k_run(const struct tdxsim_pamt_gib *gib, unsigned i)
{
	return !(gib->t4k_runs >> (i / TDXSIM_PAMT_RUN) & 1);
}

/*
 * The reserved pages of the 2 MiB region at @off (an offset from the TDMR base): bit i of
 * @bits is tdxsim_pamt_reserved(t, off + i * 4K, 4K), computed in one pass over the areas
 * instead of one per page (the checker and TDMR.INIT's table set-up run it per 4K table).
 */
#define TDXSIM_PAMT_BITS_WORDS (TDXSIM_PAMT_FANOUT / 64)
void tdxsim_pamt_reserved_bits(const struct tdxsim_pamt_tdmr *t, uint64_t off,
			       uint64_t bits[TDXSIM_PAMT_BITS_WORDS]);
static inline bool tdxsim_pamt_bit(const uint64_t bits[TDXSIM_PAMT_BITS_WORDS], unsigned i)
{
	return bits[i / 64] >> (i % 64) & 1;
}

/*
 * First address not covered by an initialized 1 GiB block: the module tests "PA < next_to_init
 * rounded down to 1G" (sheet 8.2); blocks count from the TDMR base, and a complete TDMR is
 * covered up to its end even if its size were not a multiple of 1 GiB.
 */
static inline uint64_t tdxsim_pamt_init_limit(const struct tdxsim_pamt_tdmr *t)
{
	if (t->next_to_init - t->base >= t->size)
		return t->base + t->size;
	return t->base + tdxsim_align_down(t->next_to_init - t->base, TDXSIM_1G);
}

/* Memory accounting: every allocation of the store goes through these two. */
void *tdxsim_pamt_zalloc(struct tdxsim_pamt *pamt, size_t bytes);
void tdxsim_pamt_free_mem(struct tdxsim_pamt *pamt, void *mem, size_t bytes);

/* The TDMR containing @pa (last base <= pa, pa < end), or NULL. O(log number of TDMRs). */
const struct tdxsim_pamt_tdmr *tdxsim_pamt_tdmr_of(const struct tdxsim_pamt *pamt, uint64_t pa);

#endif
