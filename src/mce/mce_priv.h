/* SPDX-License-Identifier: MIT */
/*
 * Private layout of the integrity model, shared by store.c (records, ranges, filter, stats,
 * invariants), model.c (access semantics, marking, PAMT chunks) and trap.c (protection and
 * fault handling). Other folders use mce.h only. Every function here expects in->lock held.
 */
#ifndef TDXSIM_MCE_PRIV_H
#define TDXSIM_MCE_PRIV_H

#include <pthread.h>
#include <stdatomic.h>

#include "core/util.h"
#include "mce/mce.h"

#define TDXSIM_LINE		64
#define TDXSIM_LINES_PER_PAGE	64
#define TDXSIM_LINE_POISON	0x8000u /* line state: poisoned */
#define TDXSIM_LINE_KEYID	0x7FFFu /* line state: owner KeyID, 0 = TD bit clear */
#define TDXSIM_FILTER_BITS	16	/* 64 Ki hashed 2 MiB frames, 8 KiB */
#define TDXSIM_FILTER_FRAME	21
#define TDXSIM_MAX_PAMT_LAYOUTS 64

/* Trap-mode protection of a page (trap.c). */
enum tdxsim_prot { TDXSIM_PROT_RW = 0, TDXSIM_PROT_RO = 1, TDXSIM_PROT_NONE = 2 };

struct tdxsim_mce_page {
	uint64_t pfn;
	uint8_t *priv; /* plaintext written through private KeyIDs (4 KiB), or NULL: zeros */
	uint16_t line[TDXSIM_LINES_PER_PAGE];
	uint8_t owned, poisoned; /* lines TD-owned / poisoned */
};

struct tdxsim_mce_range {
	uint64_t base, end; /* line-aligned */
	uint32_t keyid;	    /* private */
};

struct tdxsim_pamt_layout {
	uint64_t base, size;
	uint64_t part[3]; /* PA of the 4K, 2M and 1G parts */
	/* TDH.SYS.TDMR.INIT progress (tdx_memory.c): TDMR bytes whose PAMT lines the calls
	 * wrote (@inited, published without the model lock) and those the model has marked
	 * (@marked, lock held); the KeyID they were written with. */
	atomic_uint_fast64_t inited;
	uint64_t marked;
	atomic_uint keyid;
	unsigned hint[3]; /* per part, the range record grown last (checked before use) */
};

struct tdxsim_mce_slot {
	uint64_t pfn;
	struct tdxsim_mce_page *pg; /* NULL: empty */
};

struct tdxsim_integrity {
	pthread_mutex_t lock;
	struct tdxsim_mem *mem;
	const struct tdxsim_hkid *hkid;
	const tdxsim_range_t *cmrs;
	unsigned num_cmrs;
	uint32_t errata;
	bool trap;

	/* Page records: open addressing, linear probing, backward-shift deletion. A slot keeps
	 * its record's frame number beside the pointer, so a probe compares keys in the table
	 * and touches no record but the one it finds. */
	struct tdxsim_mce_slot *slots;
	size_t cap, count;

	/* Plaintext buffers (4 KiB) of records that no longer needed one, kept for reuse: a TD
	 * torn down and built again takes them back instead of fresh memory, which the host
	 * kernel would fault in and zero page by page. Linked through their first 8 bytes;
	 * freed with the model. */
	uint8_t *spare;
	/* The slot array a snapshot restore replaced (restore.c), all empty, kept for the next
	 * restore into a table of the same size instead of a new one each time; NULL: none. */
	struct tdxsim_mce_slot *spare_slots;
	size_t spare_cap;

	/* Range records. */
	struct tdxsim_mce_range *ranges;
	unsigned num_ranges, cap_ranges;

	/* Hashed 2 MiB frames that ever held a record or range (read without the lock). */
	atomic_uint_fast64_t filter[(1u << TDXSIM_FILTER_BITS) / 64];

	/* Trap mode: page frames left open by a fault until re-protected. */
	atomic_uint open_count;
	uint64_t *open;
	unsigned num_open, cap_open;

	/* PAMT parts, from TDH.SYS.CONFIG. */
	struct tdxsim_pamt_layout pamts[TDXSIM_MAX_PAMT_LAYOUTS];
	unsigned num_pamts;
	atomic_bool pamt_pending; /* some @inited moved past its @marked */
	uint16_t pamt_entry_size[3];

	tdxsim_mce_handler_t handler;
	void *handler_user;
	bool have_last;
	tdxsim_mce_t last;
	tdxsim_mem_stats_t stats; /* tracked_pages, private_range_bytes computed on demand */
};

static inline bool tdxsim_line_owned(uint16_t s)
{
	return (s & TDXSIM_LINE_KEYID) != 0;
}

static inline bool tdxsim_line_poisoned(uint16_t s)
{
	return (s & TDXSIM_LINE_POISON) != 0;
}

/* tdx_memory.c: takes the lock, then marks the PAMT lines of every TDMR.INIT since the
 * last time, so that whoever holds the lock sees them. Every entry point locks with it. */
void tdxsim_mce_lock(struct tdxsim_integrity *in);

/* store.c */
struct tdxsim_mce_page *tdxsim_mce_find(const struct tdxsim_integrity *in, uint64_t pfn);
/* Record for @pfn, created from the ranges if missing; NULL when out of memory. */
struct tdxsim_mce_page *tdxsim_mce_get(struct tdxsim_integrity *in, uint64_t pfn);
/* Copies @src's fast-path filter and PAMT layouts (with their TDMR.INIT progress) into @dst:
 * what a clone and a restore carry over besides the records and ranges. */
void tdxsim_mce_copy_layout(struct tdxsim_integrity *dst, const struct tdxsim_integrity *src);
/* tdxsim_mce_get() for a @pfn known to have no record (its find just failed). */
struct tdxsim_mce_page *tdxsim_mce_insert(struct tdxsim_integrity *in, uint64_t pfn);
/* A plaintext buffer (4 KiB, contents undefined), from the spare list when it has one; NULL
 * when out of memory. tdxsim_mce_plain_free() puts one back (NULL is ignored). */
uint8_t *tdxsim_mce_plain_alloc(struct tdxsim_integrity *in);
void tdxsim_mce_plain_free(struct tdxsim_integrity *in, uint8_t *p);
/* Line states of @pfn from its record or the ranges; returns false if the page is entirely
 * shared and unpoisoned (then @out is not written). */
bool tdxsim_mce_view(const struct tdxsim_integrity *in, uint64_t pfn, uint16_t out[TDXSIM_LINES_PER_PAGE]);
/* Line states of @pfn as the ranges alone describe them (for a page without a record).
 * Returns whether any line is owned. */
bool tdxsim_mce_lines_from_ranges(const struct tdxsim_integrity *in, uint64_t pfn,
				  uint16_t out[TDXSIM_LINES_PER_PAGE]);
/* Recounts a record after its lines changed; frees the plaintext when nothing is owned and the
 * record itself when the page is back to plain shared memory. Returns the record or NULL. */
struct tdxsim_mce_page *tdxsim_mce_settle(struct tdxsim_integrity *in, struct tdxsim_mce_page *pg);
/* tdxsim_mce_settle() for a caller that kept @pg->owned and @pg->poisoned up to date. */
struct tdxsim_mce_page *tdxsim_mce_settle_counted(struct tdxsim_integrity *in, struct tdxsim_mce_page *pg);
/* Sets the lines [base, end) (line-aligned) of the range records to @keyid (0 removes them).
 * Returns 0, or -1 when out of memory with nothing changed. @hint, if not NULL, is a range
 * index guessed to be the first one ending at or after @base (checked, so any value is
 * safe); it is updated to the index this call settled on, for a caller that grows a range. */
int tdxsim_mce_ranges_set(struct tdxsim_integrity *in, uint64_t base, uint64_t end, uint32_t keyid,
			  unsigned *hint);
/* Makes room for @extra more range records. 0 or -1 (out of memory). */
int tdxsim_mce_ranges_reserve(struct tdxsim_integrity *in, unsigned extra);
/* Unlinks and frees a record whatever its lines say. */
void tdxsim_mce_drop(struct tdxsim_integrity *in, struct tdxsim_mce_page *pg);
/* Whether any range record overlaps [base, end). */
bool tdxsim_mce_ranges_overlap(const struct tdxsim_integrity *in, uint64_t base, uint64_t end);
void tdxsim_mce_filter_add(struct tdxsim_integrity *in, uint64_t base, uint64_t end);
/* The filter bit of a 2 MiB frame (frame = pa >> 21). Inline: the invariant checker tests
 * every frame of every range after each fuzzed call. */
#define TDXSIM_MCE_GOLDEN UINT64_C(0x9E3779B97F4A7C15) /* Fibonacci hashing (also store.c's table) */
static inline unsigned tdxsim_mce_filter_index(uint64_t frame)
{
	return (unsigned)((frame * TDXSIM_MCE_GOLDEN) >> (64 - TDXSIM_FILTER_BITS));
}
static inline bool tdxsim_mce_filter_test(struct tdxsim_integrity *in, uint64_t frame)
{
	unsigned i = tdxsim_mce_filter_index(frame);
	return atomic_load_explicit(&in->filter[i / 64], memory_order_acquire) & (UINT64_C(1) << (i % 64));
}
/* Calls @fn for every record whose page overlaps [base, end). @fn may free the record. */
void tdxsim_mce_for_pages(struct tdxsim_integrity *in, uint64_t base, uint64_t end,
			  void (*fn)(struct tdxsim_integrity *in, struct tdxsim_mce_page *pg, void *arg),
			  void *arg);

/* model.c */
/* Lock held. Every line of [base, end) (line-aligned) becomes owned by @keyid (0: shared),
 * unpoisoned, reading as zeros. 0, or -1 when out of memory (range records unchanged).
 * @hint: as for tdxsim_mce_ranges_set(), or NULL. */
int tdxsim_mce_mark(struct tdxsim_integrity *in, uint64_t base, uint64_t end, uint32_t keyid, unsigned *hint);
/* Zeros the RAM bytes of [base, end) (whole pages are dropped, giving host memory back). */
void tdxsim_mce_zero_ram(struct tdxsim_integrity *in, uint64_t base, uint64_t end);
/* Forgets the plaintext of line @l. */
void tdxsim_mce_drop_plaintext(struct tdxsim_mce_page *pg, unsigned l);

/* trap.c (no-ops unless trap mode is on) */
/* Opens the page for the library's own access to its RAM bytes. */
void tdxsim_mce_trap_open(struct tdxsim_integrity *in, uint64_t pfn);
/* Gives pages [base, end) (4 KiB aligned) the protection their lines call for. */
void tdxsim_mce_trap_protect(struct tdxsim_integrity *in, uint64_t base, uint64_t end);

#endif
