/* SPDX-License-Identifier: MIT */
/*
 * PAMT: the module's Physical Address Metadata Table, modelled as a sparse ownership store.
 *
 * What it models (sheet section 8). For every 4 KiB page inside a configured TDMR the real
 * module keeps a 16-byte entry at 4K level, plus one per 2 MiB and one per 1 GiB: page type
 * (TDXSIM_PT_*), owner (the TDR's PA for TD pages) and BEPOCH. tdxsim does not write those
 * entries into the PAMT memory the host provided (a 4 TiB host would need 16 GiB); it keeps
 * them here, and only entries that differ from their initial value cost host memory.
 *
 * States of one 4 KiB page, as RDMD reports them:
 *  - not covered: outside every TDMR, or its 1 GiB block not yet fully initialized by
 *    TDH.SYS.TDMR.INIT (sheet 8.2): lookups fail with TDXSIM_PAMT_NOT_COVERED.
 *  - PT_RSVD: inside one of the TDMR's reserved areas (PAMTs themselves live there). Fixed
 *    for the TDMR's life; never assignable.
 *  - PT_NDA: free; may be assigned.
 *  - any other type: owned (REG, TDR, TDCX, TDVPR, EPT...). Owners are opaque 64-bit values
 *    (a TDR PA for TD pages), so later owners (Dynamic PAMT, TD Connect) need no new state.
 * Leaves at 2M/1G: only PT_REG pages are represented at 2M or 1G (sheet 8.2 "Walk"). A walk
 * returns the 1G entry if it is PT_REG, else the 2M entry if PT_REG, else the 4K entry.
 * Returning a page to NDA writes only the type: the owner stays (stale), as on hardware.
 *
 * Initialization progress is per TDMR: next_to_init starts at the TDMR base and advances by
 * TDXSIM_TDMR_INIT_CHUNK per TDH.SYS.TDMR.INIT; a 1 GiB block counts as initialized once
 * next_to_init has passed its end (the module tests "PA < next_to_init rounded down to 1G").
 *
 * Invariants (checked by tdxsim_pamt_check()):
 *  - TDMRs are ascending and disjoint; next_to_init is in [base, base + size] and a multiple
 *    of the chunk size from the base.
 *  - No entry in an uninitialized 1 GiB block differs from its initial value.
 *  - Reserved pages are PT_RSVD at 4K and never part of a 2M/1G leaf.
 *  - A 2M (1G) leaf entry that is PT_REG has all its 4K (2M) entries PT_NDA.
 *  - Counters (pages by type) match the entries.
 *
 * Locking: the store has no lock of its own; the simulator serializes all calls (sim.h).
 */
#ifndef TDXSIM_PAMT_H
#define TDXSIM_PAMT_H

#include <stddef.h>
#include <stdint.h>

#include "tdxsim/tdxsim.h"

struct tdxsim_pamt;

/* Results of PAMT operations. Leaves translate them into the statuses their spec names. */
enum tdxsim_pamt_result {
	TDXSIM_PAMT_OK = 0,
	TDXSIM_PAMT_NOT_COVERED,  /* not in a TDMR, or in a block not yet initialized */
	TDXSIM_PAMT_MISALIGNED,	  /* address not aligned to the level's page size */
	TDXSIM_PAMT_BAD_LEVEL,	  /* level not 4K/2M/1G */
	TDXSIM_PAMT_RESERVED,	  /* range includes a PT_RSVD page */
	TDXSIM_PAMT_NOT_FREE,	  /* range includes a page that is not PT_NDA (assign) */
	TDXSIM_PAMT_NOT_ASSIGNED, /* the leaf at that address/level is NDA or RSVD (release) */
	TDXSIM_PAMT_NO_MEMORY,
};

/* One PAMT entry as a walk returns it. */
struct tdxsim_pamt_leaf {
	uint8_t type;	/* TDXSIM_PT_* */
	uint8_t level;	/* TDXSIM_PS_4K / _2M / _1G: the level the walk ended at */
	uint64_t owner; /* stale after a return to NDA */
	uint64_t bepoch;
};

int tdxsim_pamt_create(struct tdxsim_pamt **out); /* 0 or -1 (out of memory) */
void tdxsim_pamt_destroy(struct tdxsim_pamt *pamt);
/* A deep copy of @src (pamt_clone.c, for simulator snapshots). 0, or -1 when out of memory. */
int tdxsim_pamt_clone(const struct tdxsim_pamt *src, struct tdxsim_pamt **out);
/*
 * A snapshot's store put back into the live one (pamt_clone.c), in two steps like the other
 * restores of sim/snapshot.c: prepare may fail and changes nothing the store's readers see
 * (it allocates the nodes @saved has and @live lacks, outside the test hook's budget, or,
 * when the TDMRs differ, a whole clone); then exactly one of commit (cannot fail: @live's content becomes
 * @saved's, reusing its own nodes, and @live may be replaced by the clone) or abort (frees what prepare
 * made). A restore after a fuzz input copies the few tables it has instead of allocating them all.
 */
struct tdxsim_pamt_restore {
	struct tdxsim_pamt *clone; /* the TDMRs differ: what replaces @live */
	void **spare;		   /* the nodes @live lacks, in the order commit walks them */
	size_t num_spare, cap_spare;
};
int tdxsim_pamt_restore_prepare(struct tdxsim_pamt *live, const struct tdxsim_pamt *saved,
				struct tdxsim_pamt_restore *r);
void tdxsim_pamt_restore_commit(struct tdxsim_pamt **live, const struct tdxsim_pamt *saved,
				struct tdxsim_pamt_restore *r);
void tdxsim_pamt_restore_abort(struct tdxsim_pamt *live, struct tdxsim_pamt_restore *r);

/* Test hook for the host running out of memory: after @budget more successful allocations
 * the store's allocations fail (< 0: never, the default). A store SYS.CONFIG builds in place
 * of this one starts with the same budget. */
void tdxsim_pamt_set_alloc_budget(struct tdxsim_pamt *pamt, int64_t budget);
int64_t tdxsim_pamt_alloc_budget(const struct tdxsim_pamt *pamt);

/* Forgets every TDMR and entry (module disabled / lost). */
void tdxsim_pamt_clear(struct tdxsim_pamt *pamt);

/*
 * Registers a TDMR accepted by TDH.SYS.CONFIG. Called in ascending base order. Reserved
 * areas with size 0 are ignored. pamt_bytes is the sum of the three PAMT sizes (statistics).
 * Returns TDXSIM_PAMT_OK or TDXSIM_PAMT_NO_MEMORY.
 */
enum tdxsim_pamt_result tdxsim_pamt_add_tdmr(struct tdxsim_pamt *pamt, uint64_t base, uint64_t size,
					     const struct tdxsim_tdmr_reserved_area *areas,
					     unsigned num_areas, uint64_t pamt_bytes);

unsigned tdxsim_pamt_num_tdmrs(const struct tdxsim_pamt *pamt);
/* Index of the TDMR whose base is exactly @base, or -1. */
int tdxsim_pamt_find_tdmr(const struct tdxsim_pamt *pamt, uint64_t base);
/* The same, with tdxsim_pamt_tdmr_info() of the TDMR found (one call for TDH.SYS.TDMR.INIT,
 * a million of which bring up a 4 TiB host: bench_init). */
int tdxsim_pamt_find_tdmr_info(struct tdxsim_pamt *pamt, uint64_t base, uint64_t *size,
			       uint64_t *next_to_init);
/* Base, size and initialization progress of TDMR @idx. */
void tdxsim_pamt_tdmr_info(const struct tdxsim_pamt *pamt, unsigned idx, uint64_t *base, uint64_t *size,
			   uint64_t *next_to_init);

/*
 * One TDH.SYS.TDMR.INIT step on TDMR @idx: if next_to_init < end, advance it by one chunk
 * (TDXSIM_TDMR_INIT_CHUNK, clamped to the end) and return 1; if already complete return 0.
 */
int tdxsim_pamt_init_chunk(struct tdxsim_pamt *pamt, unsigned idx);

/* Walks the entries covering @pa (any alignment; the 4K page containing it). */
enum tdxsim_pamt_result tdxsim_pamt_walk(const struct tdxsim_pamt *pamt, uint64_t pa,
					 struct tdxsim_pamt_leaf *out);

/*
 * Assigns the page at @pa (aligned to @level's size) to @owner with @type: every 4K page in
 * it must be PT_NDA and not covered by a 2M/1G leaf, and its block(s) initialized. Pages at 2M
 * and 1G may only be PT_REG. BEPOCH starts at 0.
 */
enum tdxsim_pamt_result tdxsim_pamt_assign(struct tdxsim_pamt *pamt, uint64_t pa, unsigned level,
					   uint8_t type, uint64_t owner);
/* Convenience for the common case. */
static inline enum tdxsim_pamt_result tdxsim_pamt_assign_4k(struct tdxsim_pamt *pamt, uint64_t pa,
							    uint8_t type, uint64_t owner)
{
	return tdxsim_pamt_assign(pamt, pa, TDXSIM_PS_4K, type, owner);
}

/* Returns the leaf page at @pa/@level to PT_NDA (owner kept, stale). */
enum tdxsim_pamt_result tdxsim_pamt_release(struct tdxsim_pamt *pamt, uint64_t pa, unsigned level);

/*
 * Writes the BEPOCH of the owned leaf at @pa/@level (TDH.MEM.RANGE.BLOCK, td-runtime.md 2.2).
 * Returns TDXSIM_PAMT_OK, TDXSIM_PAMT_NOT_ASSIGNED (no owned leaf ends there), a locate error,
 * or TDXSIM_PAMT_NO_MEMORY (nothing changed).
 */
enum tdxsim_pamt_result tdxsim_pamt_set_bepoch(struct tdxsim_pamt *pamt, uint64_t pa, unsigned level,
					       uint64_t bepoch);

/* Allocates the store's nodes for an entry at @pa/@level without changing any entry, so a later
 * assign, demote or promote of it cannot run out of memory (a leaf's effects after its checks). */
enum tdxsim_pamt_result tdxsim_pamt_prepare(struct tdxsim_pamt *pamt, uint64_t pa, unsigned level);

/*
 * TDH.MEM.PAGE.DEMOTE's pamt_demote (td-runtime.md 2.9, 2.12): the PT_REG leaf at @pa/@level
 * (2M or 1G) becomes 512 leaves of the level below with its type and owner and BEPOCH 0; the
 * large entry goes to PT_NDA (type only). TDXSIM_PAMT_NOT_ASSIGNED when no such leaf ends there.
 */
enum tdxsim_pamt_result tdxsim_pamt_demote(struct tdxsim_pamt *pamt, uint64_t pa, unsigned level);
/*
 * TDH.MEM.PAGE.PROMOTE's pamt_promote (td-runtime.md 2.8, 2.12): the 512 PT_REG leaves of the
 * level below @level in the page at @pa, all with one owner, go to PT_NDA (type only) and the
 * entry at @pa/@level becomes PT_REG with that owner (its BEPOCH is not written).
 */
enum tdxsim_pamt_result tdxsim_pamt_promote(struct tdxsim_pamt *pamt, uint64_t pa, unsigned level);

/* A visitor of owned leaf entries (type neither NDA nor RSVD): tdxsim_pamt_check_visit(). */
typedef void (*tdxsim_pamt_visit_fn)(void *user, uint64_t pa, unsigned level, uint8_t type, uint64_t owner);

/* Statistics (covered/initialized bytes, host memory used by this store). */
void tdxsim_pamt_get_stats(const struct tdxsim_pamt *pamt, tdxsim_pamt_stats_t *out);

/* Checks the invariants above. Returns 0, or -1 with a message in @msg. */
int tdxsim_pamt_check(const struct tdxsim_pamt *pamt, char *msg, size_t len);
/* The same, calling @fn (unless NULL) once for every owned leaf entry, per TDMR and GiB the 1G
 * entry, then the 2M table's, then the 4K tables' (the TD invariants count each TD's pages
 * with it: one walk of the PAMT for both). Entries after the first broken rule are not
 * visited. With @hash not NULL, the same walk also sets *@hash to tdxsim_pamt_hash(pamt,
 * *@hash) when it returns 0 (the checker reads every TDMR header before any entry). */
int tdxsim_pamt_check_visit(const struct tdxsim_pamt *pamt, tdxsim_pamt_visit_fn fn, void *user,
			    uint64_t *hash, char *msg, size_t len);

/* Folds every TDMR, its progress and every non-initial entry into hash @h (core/util.h): the
 * checker's walk with its checks off, so the two never disagree on what they visit. */
uint64_t tdxsim_pamt_hash(const struct tdxsim_pamt *pamt, uint64_t h);

#endif
