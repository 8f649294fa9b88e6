/* SPDX-License-Identifier: MIT */
/*
 * A TD's secure EPT (td-runtime.md 1, td-build.md 2): the module's page tables for private
 * GPAs, kept out of band as real 512-entry tables keyed by the PA of the page that holds them
 * (the root is TDCS page 3; every other table is a PT_EPT page added by TDH.MEM.SEPT.ADD).
 *
 * Entries use the module's 64-bit layout (td-runtime.md 1.2): RWX 2:0, memory type 5:3, IPAT 6,
 * PS 7, D 9, TDEL (entry lock) 11, HPA 51:12, TDHP 52, TDEX 53, TDBW 54, TDB 55, TDP 56, SVE 63.
 * The state is the 7-bit code D | TDEX<<1 | TDBW<<2 | TDB<<3 | TDP<<4 | IPAT<<5 | PS<<6, and
 * each state has a public number reported in RDX[15:8] (td-runtime.md 1.3).
 *
 * Levels: 0 = 4K leaf (PT entry), 1 = PD, 2 = PDPT, 3 = PML4, 4 = PML5. A table at level L holds
 * the entries of level L; the root is at level PWL - 1 (3 for 4-level EPT, 4 for 5-level).
 *
 * Legal transitions (td-runtime.md 1.3, 2): FREE -> NL_MAPPED (SEPT.ADD) | MAPPED (PAGE.ADD)
 * | PENDING (AUG); MAPPED/PENDING -> BLOCKED/PENDING_BLOCKED (RANGE.BLOCK) -> back (UNBLOCK)
 * or -> FREE (PAGE.REMOVE after TRACK); NL_MAPPED -> NL_BLOCKED -> FREE (SEPT.REMOVE);
 * PENDING -> MAPPED (guest ACCEPT).
 *
 * Invariants (tdxsim_sept_check): every table's PA is registered once; every NL_MAPPED or
 * NL_BLOCKED entry points at a registered table of the level below, and every table except the
 * root is pointed at by exactly one entry; no table below level 0; leaf entries only at
 * levels 0-2. Locking: the TD's sept_lock (td/td.h) and per-entry locks through lock/.
 */
#ifndef TDXSIM_SEPT_H
#define TDXSIM_SEPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/u64map.h"
#include "lock/lock.h"

#define TDXSIM_SEPT_ENTRIES 512

/* Entry bits. */
#define TDXSIM_SEPTE_RWX      UINT64_C(0x7)
#define TDXSIM_SEPTE_MT_WB    (UINT64_C(6) << 3)
#define TDXSIM_SEPTE_MT_MASK  (UINT64_C(7) << 3)
#define TDXSIM_SEPTE_IPAT     (UINT64_C(1) << 6)
#define TDXSIM_SEPTE_PS	      (UINT64_C(1) << 7)
#define TDXSIM_SEPTE_D	      (UINT64_C(1) << 9)
#define TDXSIM_SEPTE_TDEL     (UINT64_C(1) << 11)
#define TDXSIM_SEPTE_HPA_MASK UINT64_C(0x000FFFFFFFFFF000)
#define TDXSIM_SEPTE_TDHP     (UINT64_C(1) << 52)
#define TDXSIM_SEPTE_TDEX     (UINT64_C(1) << 53)
#define TDXSIM_SEPTE_TDBW     (UINT64_C(1) << 54)
#define TDXSIM_SEPTE_TDB      (UINT64_C(1) << 55)
#define TDXSIM_SEPTE_TDP      (UINT64_C(1) << 56)
#define TDXSIM_SEPTE_SVE      (UINT64_C(1) << 63)

/* Values the module writes (td-build.md 2.1, td-runtime.md 1.3). */
#define TDXSIM_SEPTE_FREE_VALUE	    UINT64_C(0x80E0000000000000)
#define TDXSIM_SEPTE_NL_MAPPED(hpa) (TDXSIM_SEPTE_SVE | TDXSIM_SEPTE_RWX | ((hpa)&TDXSIM_SEPTE_HPA_MASK))
#define TDXSIM_SEPTE_MAPPED(hpa) \
	(TDXSIM_SEPTE_SVE | ((hpa)&TDXSIM_SEPTE_HPA_MASK) | UINT64_C(0xF7)) /* RWX, WB, IPAT, PS */
#define TDXSIM_SEPTE_PENDING(hpa) \
	(TDXSIM_SEPTE_SVE | TDXSIM_SEPTE_TDP | ((hpa)&TDXSIM_SEPTE_HPA_MASK) | UINT64_C(0xF0))

/* State codes (encoding, td-runtime.md 1.3). */
enum tdxsim_sept_state {
	TDXSIM_SEPT_NL_MAPPED = 0x00,
	TDXSIM_SEPT_NL_BLOCKED = 0x08,
	TDXSIM_SEPT_REMOVED = 0x0C,
	TDXSIM_SEPT_FREE = 0x0E,
	TDXSIM_SEPT_MAPPED = 0x60,
	TDXSIM_SEPT_EXPORTED_DIRTY = 0x63,
	TDXSIM_SEPT_BLOCKEDW = 0x64,
	TDXSIM_SEPT_EXPORTED_BLOCKEDW = 0x66,
	TDXSIM_SEPT_EXPORTED_DIRTY_BLOCKEDW = 0x67,
	TDXSIM_SEPT_BLOCKED = 0x68,
	TDXSIM_SEPT_PENDING = 0x70,
	TDXSIM_SEPT_PENDING_EXPORTED_DIRTY = 0x73,
	TDXSIM_SEPT_PENDING_BLOCKEDW = 0x74,
	TDXSIM_SEPT_PENDING_EXPORTED_BLOCKEDW = 0x76,
	TDXSIM_SEPT_PENDING_EXPORTED_DIRTY_BLOCKEDW = 0x77,
	TDXSIM_SEPT_PENDING_BLOCKED = 0x78,
};

/* The 7-bit state code of an entry. */
static inline unsigned tdxsim_septe_state(uint64_t e)
{
	return (unsigned)(((e >> 9) & 1) | ((e >> 53) & 1) << 1 | ((e >> 54) & 1) << 2 |
			  ((e >> 55) & 1) << 3 | ((e >> 56) & 1) << 4 | ((e >> 6) & 1) << 5 |
			  ((e >> 7) & 1) << 6);
}
static inline bool tdxsim_septe_is_leaf(uint64_t e)
{
	return (e & TDXSIM_SEPTE_PS) != 0;
}
/* The entry with its block undone (the module's sept_unblock; td-runtime.md 2.3): NL_BLOCKED
 * -> NL_MAPPED (RWX, MT 0), BLOCKED -> MAPPED (RWX, MT WB), PENDING_BLOCKED -> PENDING (RWX
 * stays 0); any other state unchanged. */
static inline uint64_t tdxsim_septe_unblocked(uint64_t e)
{
	switch (tdxsim_septe_state(e)) {
	case TDXSIM_SEPT_NL_BLOCKED:
		return (e & ~(TDXSIM_SEPTE_TDB | TDXSIM_SEPTE_MT_MASK)) | TDXSIM_SEPTE_RWX;
	case TDXSIM_SEPT_BLOCKED:
		return (e & ~(TDXSIM_SEPTE_TDB | TDXSIM_SEPTE_MT_MASK)) | TDXSIM_SEPTE_MT_WB |
		       TDXSIM_SEPTE_RWX;
	case TDXSIM_SEPT_PENDING_BLOCKED:
		return e & ~TDXSIM_SEPTE_TDB;
	default:
		return e;
	}
}
/* Public state number (RDX bits 15:8); 0xFF for a code that is no state. */
unsigned tdxsim_sept_arch_state(unsigned code);
/* Extended error info (td-runtime.md 1.4): RCX and RDX values for entry @e at @level. */
void tdxsim_septe_ext(uint64_t e, unsigned level, uint64_t *rcx, uint64_t *rdx);

struct tdxsim_sept {
	uint64_t root_pa;	     /* TDCS page 3 */
	unsigned root_level;	     /* PWL - 1: 3 or 4; set by MNG.INIT from the EPTP */
	struct tdxsim_u64map tables; /* table PA -> struct tdxsim_sept_table */
	/* The root's table, found once instead of once per walk; NULL = look it up. */
	struct tdxsim_sept_table *root;
	/* Bumped by every table add and delete: walk hints (below) of an older generation are
	 * stale, since the table they name may be gone. */
	uint64_t gen;
};

struct tdxsim_sept_table {
	uint64_t pa;
	unsigned level;
	uint64_t e[TDXSIM_SEPT_ENTRIES];
	/* The entries' host-side locks (TDEL, bit 11 on hardware; td-runtime.md 5.1), kept
	 * beside the entries so a held lock never shows in an entry's value. Free between calls. */
	struct tdxsim_lock lock[TDXSIM_SEPT_ENTRIES];
	/* The entries' host-priority flags (TDHP, bit 52 on hardware; td-runtime.md 5.1, 5.5): set
	 * by a host attempt that finds the entry locked, cleared by a host acquisition; a guest
	 * acquisition (TDG.MEM.PAGE.ACCEPT) fails while it is set. Lock state like TDEL, so it is
	 * kept beside the entry and not in the state hash. */
	uint8_t hp[TDXSIM_SEPT_ENTRIES];
	/* Walk hints: child[i] is the table entry i led to when a walk last went through it, so
	 * the next walk follows a pointer, as the module's walk does, instead of looking the PA
	 * up. Used only while hint_gen equals the sept's gen and the hint's PA equals the entry's
	 * HPA; otherwise looked up again. Not state: not hashed, checked or copied (a copy starts
	 * with stale hints). Relaxed atomics: walks under a shared tree lock may write them. */
	uint64_t _Atomic hint_gen;
	struct tdxsim_sept_table *_Atomic child[TDXSIM_SEPT_ENTRIES];
};

/* Runs of 8 entries: a run all TDXSIM_SEPTE_FREE_VALUE adds nothing and passes every check,
 * so the checkers and hashes after every fuzzed call pass over it with one test. */
#define TDXSIM_SEPT_FREE_RUN 8
_Static_assert(TDXSIM_SEPT_ENTRIES % TDXSIM_SEPT_FREE_RUN == 0, "runs of FREE entries");
/* Bit r set iff run r of @t holds an entry that is not FREE: all 64 runs in one pass without
 * per-load ASan checks, the entries checked whole first (core/util.h TDXSIM_NO_ASAN); the
 * walks after every fuzzed call (hash, checker, visits) then test a bit per run (sept.c). */
uint64_t tdxsim_sept_used_runs(const struct tdxsim_sept_table *t);

/* A secure EPT whose root table (every entry FREE) lives at @root_pa; NULL if out of memory. */
struct tdxsim_sept *tdxsim_sept_new(uint64_t root_pa, unsigned root_level);
void tdxsim_sept_free(struct tdxsim_sept *s);
struct tdxsim_sept *tdxsim_sept_dup(const struct tdxsim_sept *s);

/* Sets the depth (TDH.MNG.INIT, from the EPTP): the root table becomes a table of @root_level. */
void tdxsim_sept_set_root_level(struct tdxsim_sept *s, unsigned root_level);

/* Registers a new table (all entries FREE) at @pa for entries of @level; NULL if no memory. */
struct tdxsim_sept_table *tdxsim_sept_table_add(struct tdxsim_sept *s, uint64_t pa, unsigned level);
struct tdxsim_sept_table *tdxsim_sept_table_get(const struct tdxsim_sept *s, uint64_t pa);
void tdxsim_sept_table_del(struct tdxsim_sept *s, uint64_t pa);

/* Index of @gpa's entry in a table of @level. */
static inline unsigned tdxsim_sept_index(uint64_t gpa, unsigned level)
{
	return (unsigned)(gpa >> (12 + 9 * level)) & (TDXSIM_SEPT_ENTRIES - 1);
}

/*
 * The module's walk (td-runtime.md 1.5): from the root down to @level for @gpa. Stops early
 * at an entry above @level that is a leaf or has RWX = 0. Returns the entry reached (never
 * NULL) and its level in *reached: *reached == @level means the walk succeeded.
 * *parent (may be NULL) gets the table holding the returned entry.
 */
uint64_t *tdxsim_sept_walk(const struct tdxsim_sept *s, uint64_t gpa, unsigned level, unsigned *reached,
			   struct tdxsim_sept_table **parent);

uint64_t tdxsim_sept_hash(const struct tdxsim_sept *s, uint64_t h);
/* The invariants above; with @torn_down (the TD's KeyID is gone: TDH.PHYMEM.PAGE.RECLAIM may
 * take its secure-EPT pages while the entries above them stay, as the module leaves them, since
 * no leaf walks a torn-down TD's tables) a non-leaf entry may name a table that is gone, and a
 * table whose parent went first is named by none. With @hash not NULL, the same pass also sets
 * *@hash to tdxsim_sept_hash(s, *@hash) when it returns 0. */
int tdxsim_sept_check(const struct tdxsim_sept *s, bool torn_down, uint64_t *hash, char *msg, size_t len);

#endif
