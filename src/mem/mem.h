/* SPDX-License-Identifier: MIT */
/*
 * Simulated physical memory. Each RAM range is one anonymous MAP_NORESERVE mapping of the
 * host process: PA -> pointer is arithmetic, and the host pays only for pages that are touched
 * (a 16 TiB simulated host costs address space, not memory). A first-fit allocator hands out
 * physically contiguous ranges as a kernel would for PAMTs and the TDMR array.
 *
 * Invariants: regions ascending and disjoint; free extents ascending, disjoint, non-adjacent,
 * 4 KiB aligned and each inside one region.
 *
 * Threads: every change (hot-add, hot-remove, the allocator) runs under the simulator's lock,
 * and so do the readers of @regions and the free list. PA <-> pointer lookups run without it,
 * from any thread, on every memory access: they read @slots (view.c), where a region never
 * moves once published. Each slot is a seqlock of atomics: a reader sees a region whole or
 * skips it, never a region half replaced, and pays two loads per slot, no writes.
 */
#ifndef TDXSIM_MEM_H
#define TDXSIM_MEM_H

#include <stdbool.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "tdxsim/tdxsim.h"

#define TDXSIM_MEM_MAX_REGIONS (TDXSIM_MAX_RAM_RANGES * 2) /* room for hot-added ranges */

/*
 * What snapshot restores need to know of a region's bytes (mem/snapshot*.c), per
 * 2 MiB chunk and, inside a chunk, per 4 KiB page. "Touched": the library handed out a pointer
 * there since the last restore (every lookup that hands one out: whoever writes RAM asks for a
 * pointer first, for the bytes it writes); cleared by a restore. "Exposed": the host got a
 * pointer from tdxsim_phys_to_virt() (it may write through it at any time, even after a
 * restore); never cleared. Bytes beyond a pointer's length are outside its contract
 * (tdxsim/snapshot.h). Outside touched and exposed pages a region holds the bytes of the saved
 * set tdxsim_mem.restored_id names, so a restore of that same set visits those pages only; of
 * another set, also the pages the last restore wrote saved pages into (@saved page bits, in the
 * chunks of @restored) and those of its own saved pages. @tracked is false until a restore went
 * over the whole region once (before that, its bytes are not known to be any snapshot's).
 *
 * Chunk bits are what a restore scans: @touched, @exposed (any page of the chunk);
 * @touched_all, @exposed_all (a lookup covered the whole chunk, or its page bits could not be
 * allocated: the chunk is restored whole); @restored; @unrecorded (chunks of @restored whose
 * @saved page bits could not be allocated: restored whole by the next restore of another set).
 * Page bits live in a struct tdxsim_mem_pages per chunk, allocated by the first lookup that
 * covers part of it, installed by compare-and-swap (lookups run without a lock, mem.h top), or
 * by a restore that records saved pages there. So a 16 TiB region costs 64 MiB of address space
 * for @pages (calloc'd: memory only where touched) and about 280 bytes per chunk in use.
 */
#define TDXSIM_MEM_CHUNK_SHIFT 21
#define TDXSIM_MEM_CHUNK_PAGES 512

struct tdxsim_mem_pages {
	_Atomic uint64_t touched[TDXSIM_MEM_CHUNK_PAGES / 64], exposed[TDXSIM_MEM_CHUNK_PAGES / 64];
	/* Under the simulator's lock (restores only): @saved, the pages the last restore wrote
	 * saved pages into (of the set tdxsim_mem.restored_id names); @kept, the pages restores
	 * left in place reading zero (resident or not), what a sweep drops (mem/snapshot.c). */
	uint64_t saved[TDXSIM_MEM_CHUNK_PAGES / 64], kept[TDXSIM_MEM_CHUNK_PAGES / 64];
	struct tdxsim_mem_pages *next; /* the region's list of them all */
	uint64_t chunk;		       /* whose bits these are */
};

struct tdxsim_mem_track {
	uint64_t chunks;
	_Atomic uint64_t *touched, *exposed, *touched_all, *exposed_all; /* a bit per chunk */
	uint64_t *restored, *unrecorded;				 /* a bit per chunk */
	_Atomic(struct tdxsim_mem_pages *) *pages;			 /* per chunk, or NULL */
	_Atomic(struct tdxsim_mem_pages *) list;			 /* every one allocated */
	uint64_t kept;							 /* pages in kept[] bits */
	/* Tests: the next @fail_pages page-bit allocations fail (the whole-chunk fallback). */
	_Atomic uint32_t fail_pages;
};

/* A restore drops a region's kept pages once it holds more than this many (mem/snapshot.c):
 * 16 MiB per region, far above what a fuzz input touches, far below RAM sizes. */
#define TDXSIM_MEM_KEPT_MAX 4096

struct tdxsim_mem_region {
	uint64_t base, size;
	uint32_t node;
	uint8_t *host; /* start of the host mapping */
	struct tdxsim_mem_track *track;
	bool tracked;
};

/* A region's tracking for @size bytes, all bits clear (mem/snapshot_track.c), or NULL (out of memory); its
 * release, page bits too. */
struct tdxsim_mem_track *tdxsim_mem_track_new(uint64_t size);
void tdxsim_mem_track_free(struct tdxsim_mem_track *t);
/* The page bits of chunk @c of @t, allocated and installed if it has none yet; NULL when out of
 * memory (or failed on purpose: @fail_pages). Lock-free. */
struct tdxsim_mem_pages *tdxsim_mem_chunk_pages(struct tdxsim_mem_track *t, uint64_t c);
/* Marks [off, off + len) (offsets into a region of @size bytes) touched, and exposed with
 * @expose. Lock-free: every lookup calls it. */
void tdxsim_mem_mark(struct tdxsim_mem_track *t, uint64_t size, uint64_t off, uint64_t len, bool expose);

/* A published region for lock-free lookups (view.c). @seq is odd while the writer changes the
 * slot; size 0 = empty. */
struct tdxsim_mem_slot {
	_Atomic uint64_t seq;
	_Atomic uint64_t base, size;
	_Atomic uintptr_t host, track;
};

struct tdxsim_mem_extent {
	uint64_t base, size;
};

struct tdxsim_mem {
	unsigned num_regions;
	struct tdxsim_mem_region regions[TDXSIM_MEM_MAX_REGIONS];
	/* What lookups read: slots [0, slots_used) may hold a region (view.c). */
	struct tdxsim_mem_slot slots[TDXSIM_MEM_MAX_REGIONS];
	_Atomic unsigned slots_used;
	unsigned num_free, cap_free;
	struct tdxsim_mem_extent *free; /* allocator's free list */
	uint64_t allocated_bytes;
	/* Allocation failures on demand (mem/alloc_fail.c): after @skip more allocations, the
	 * next @count fail with TDXSIM_ERR_NO_SPACE. */
	struct tdxsim_mem_fail {
		uint32_t skip, count;
	} fail;
	/* Saved sets (tdxsim_mem_saved) are numbered by the save that made them, from 1;
	 * @restored_id is the one the last restore put back (0: none; struct tdxsim_mem_region). */
	uint64_t next_saved_id, restored_id;
};

/* Maps every range of @ram (validated by the caller). 0, or -1 if the host is out of memory. */
int tdxsim_mem_init(struct tdxsim_mem *mem, const tdxsim_range_t *ram, unsigned num);
void tdxsim_mem_fini(struct tdxsim_mem *mem);

/* Unmaps a region's memory and frees its tracking (out of the lookup view first). */
void tdxsim_mem_unmap(struct tdxsim_mem_region *r);

/* Adds a RAM range (memory hot-add). 0, or -1 (no room, overlap, out of memory). */
int tdxsim_mem_add_region(struct tdxsim_mem *mem, const tdxsim_range_t *range);

/* Removes the region that is exactly [base, base + size) (memory hot-remove, mem/hotplug.c):
 * unmaps it and drops its free extents. 0, or -1 if no region matches exactly. */
int tdxsim_mem_remove_region(struct tdxsim_mem *mem, uint64_t base, uint64_t size);

/* Region holding all of [pa, pa + len), or NULL. Under the simulator's lock only. */
const struct tdxsim_mem_region *tdxsim_mem_region_of(const struct tdxsim_mem *mem, uint64_t pa, uint64_t len);

/* Host pointer for [pa, pa + len) if it is inside one region, else NULL. Lock-free (view.c):
 * a region being added or removed concurrently may or may not be seen; any other is. Marks
 * the chunks touched; tdxsim_mem_ptr_exposed() (for pointers the host keeps) exposed too. */
void *tdxsim_mem_ptr(const struct tdxsim_mem *mem, uint64_t pa, uint64_t len);
void *tdxsim_mem_ptr_exposed(const struct tdxsim_mem *mem, uint64_t pa, uint64_t len);

/* Physical address of host pointer @p, 0 on success or -1 if it is not simulated RAM.
 * Lock-free, like tdxsim_mem_ptr(). */
int tdxsim_mem_pa(const struct tdxsim_mem *mem, const void *p, uint64_t *pa);

/* The writer's side of the lookup view (view.c), under the simulator's lock: publish a region
 * that is mapped, withdraw one before it is unmapped. */
void tdxsim_mem_publish(struct tdxsim_mem *mem, const struct tdxsim_mem_region *r);
void tdxsim_mem_withdraw(struct tdxsim_mem *mem, uint64_t base);

/* Allocator. align: power of two >= 4096. node UINT32_MAX = any. 0 or a tdxsim_err_t. */
int tdxsim_mem_alloc(struct tdxsim_mem *mem, uint64_t size, uint64_t align, uint32_t node, uint64_t *pa);
/* Frees [pa, pa + size): all or part of one or more allocations, every page of it allocated
 * (never the first 1 MiB, never a free page). 0 or a tdxsim_err_t; on error nothing changes. */
int tdxsim_mem_free(struct tdxsim_mem *mem, uint64_t pa, uint64_t size);

/* Arms on-demand failures (replacing any armed before): the next @skip allocations proceed,
 * the @count after them fail. count 0 disarms. */
void tdxsim_mem_fail_after(struct tdxsim_mem *mem, uint32_t skip, uint32_t count);
/* Called once per well-formed allocation request: whether this one is to fail. */
bool tdxsim_mem_fail_next(struct tdxsim_mem *mem);

/* Drops the host pages behind [pa, pa + size) so they read as zero again (size 4K aligned). */
void tdxsim_mem_discard(struct tdxsim_mem *mem, uint64_t pa, uint64_t size);

/*
 * Snapshots (mem/snapshot.c, for sim/snapshot.c): the ranges, the allocator and the RAM
 * contents, i.e. every resident host page (mincore) that is not all zeros. A restore goes
 * over the pages touched or exposed since the last one (and, for another saved set than the
 * last one restored, both sets' saved pages), not all RAM (struct
 * tdxsim_mem_track); a save after a restore reads the chunks of those pages and the restored
 * chunks.
 * save: 0 or -1 (out of memory). restore: puts back the ranges (hot-added ones unmapped,
 * removed ones mapped again), the allocator and the bytes; 0, or -1 when out of memory (the
 * bytes and allocator unchanged; a range hot-added over a removed one may be gone already).
 * Not for trap mode (page protections are not saved).
 */
struct tdxsim_mem_saved {
	struct tdxsim_mem mem; /* regions' host pointers unused; own copy of the free list */
	unsigned num_pages;
	uint64_t *page_pa;
	uint8_t *page_data; /* num_pages x 4 KiB */
	uint64_t id;	    /* from tdxsim_mem.next_saved_id */
};
int tdxsim_mem_save(struct tdxsim_mem *mem, struct tdxsim_mem_saved *out);
int tdxsim_mem_restore(struct tdxsim_mem *mem, const struct tdxsim_mem_saved *saved);
void tdxsim_mem_saved_free(struct tdxsim_mem_saved *saved);

/* Every exposed page and chunk becomes a touched one (tdxsim_snapshot_forget_pointers()): the
 * next restore visits it, later ones only if a pointer goes out there again. No lookup may run
 * meanwhile. */
void tdxsim_mem_unexpose(struct tdxsim_mem *mem);

/* Shared by the save and the restore (mem/snapshot_track.c): whether the page at @p reads all zeros; the
 * first chunk at or after @c whose bit is set in @reg's touched or exposed map (or, with @restored, its
 * restored one), or @limit. */
bool tdxsim_mem_page_is_zero(const uint8_t *p);
uint64_t tdxsim_mem_next_marked(const struct tdxsim_mem_region *reg, uint64_t c, uint64_t limit,
				bool restored);

#endif
