/* SPDX-License-Identifier: MIT */
/*
 * Restoring the RAM part of a snapshot (mem.h): the ranges, the allocator, and the bytes, only
 * where they may differ from the snapshot's (struct tdxsim_mem_track): the pages a pointer went
 * out for since the last restore, those the host holds pointers into, and, when the last restore
 * put back another snapshot, the pages either snapshot saved. Dropping the pages of all RAM cost
 * a walk of every page table of it per restore.
 *
 * A chunk with page bits gets only those pages visited: saved ones written where they differ,
 * the others zeroed in place where they are not zero already. A chunk restored whole (a lookup
 * covered it, or it has no page bits) gets its saved pages written where they differ and every
 * other host page dropped (MADV_DONTNEED: it reads zero again). Dropping every page visited, as
 * all restores once did per 2 MiB chunk, cost fuzz_seamcall a madvise() per gap between saved
 * pages and, on the next input, a page fault and the kernel's zeroing per page used again
 * (docs/fuzzing.md, "Page-granular restore").
 *
 * Two bounds keep the host's memory what dropping kept it. A run of more than ZERO_RUN_MAX
 * pages to zero is dropped (one call; a long run is seldom all used again). Pages zeroed in place
 * stay resident: each chunk's @kept bits count them, and once a region keeps more than
 * TDXSIM_MEM_KEPT_MAX the restore drops them all (sweep()), so pages one input used and no later
 * one uses do not pile up to the size of RAM.
 *
 * This file is the fuzzing harness's, not the module's: fuzz/oracles.ignorelist keeps it out of
 * coverage instrumentation.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core/util.h"
#include "mem/mem.h"

/* A guess, not measured: well above the runs a fuzz input leaves (a few pages), well below a
 * chunk, where one madvise() beats reading and zeroing every page. */
#define ZERO_RUN_MAX 64

#define WORDS (TDXSIM_MEM_CHUNK_PAGES / 64)

static void restore_page(uint8_t *p, const uint8_t *data)
{
	if (memcmp(p, data, TDXSIM_4K))
		memcpy(p, data, TDXSIM_4K);
}

/* Clears bits [a, b) of @w; how many were set. */
static unsigned clear_bits(uint64_t *w, unsigned a, unsigned b)
{
	unsigned n = 0;
	for (unsigned k = a; k < b;) {
		unsigned left = 64 - k % 64, len = b - k < left ? b - k : left;
		uint64_t m = (len == 64 ? ~UINT64_C(0) : ((UINT64_C(1) << len) - 1)) << (k % 64);
		n += (unsigned)__builtin_popcountll(w[k / 64] & m);
		w[k / 64] &= ~m;
		k += len;
	}
	return n;
}

/* The first bit at or after @k that is @set in @w, or TDXSIM_MEM_CHUNK_PAGES. */
static unsigned next_bit(const uint64_t *w, unsigned k, bool set)
{
	while (k < TDXSIM_MEM_CHUNK_PAGES) {
		uint64_t v = (set ? w[k / 64] : ~w[k / 64]) & (~UINT64_C(0) << (k % 64));
		if (v)
			return k / 64 * 64 + (unsigned)__builtin_ctzll(v);
		k = (k / 64 + 1) * 64;
	}
	return TDXSIM_MEM_CHUNK_PAGES;
}

/* Pages [a, b) of one chunk to be zeroed while the walk may extend them. */
struct run {
	unsigned a, b;
};

/* Drops the pages of @r (no saved page among them): they read zero again. */
static void drop(struct tdxsim_mem_track *t, struct tdxsim_mem_pages *p, uint8_t *host, const struct run *r)
{
	madvise(host + (size_t)r->a * TDXSIM_4K, (size_t)(r->b - r->a) * TDXSIM_4K, MADV_DONTNEED);
	t->kept -= clear_bits(p->kept, r->a, r->b);
}

/* Zeroes the pages of @r (none saved) in place and keeps them, or drops them if they are many. */
static void zero(struct tdxsim_mem_track *t, struct tdxsim_mem_pages *p, uint8_t *host, struct run *r)
{
	if (r->b - r->a > ZERO_RUN_MAX) {
		drop(t, p, host, r);
	} else {
		for (unsigned k = r->a; k < r->b; k++) {
			uint8_t *pg = host + (size_t)k * TDXSIM_4K;
			/* Already zero: many pages looked up are only read (and reading one never
			 * written maps the kernel's zero page, where a write would take a page). Kept
			 * all the same: a page written with zeros is resident too. */
			if (!tdxsim_mem_page_is_zero(pg))
				memset(pg, 0, TDXSIM_4K);
			uint64_t bit = UINT64_C(1) << (k % 64);
			if (!(p->kept[k / 64] & bit)) {
				p->kept[k / 64] |= bit;
				t->kept++;
			}
		}
	}
	r->a = r->b = 0;
}

/* Puts back [lo, hi) of @reg whole: the saved pages from *@i on that lie below @hi are written
 * where they differ, every other page is dropped. */
static void restore_window(const struct tdxsim_mem_region *reg, const struct tdxsim_mem_saved *saved,
			   unsigned *i, uint64_t lo, uint64_t hi)
{
	uint64_t pos = lo;
	for (; *i < saved->num_pages && saved->page_pa[*i] < hi; (*i)++) {
		uint64_t pa = saved->page_pa[*i];
		if (pa > pos)
			madvise(reg->host + (pos - reg->base), pa - pos, MADV_DONTNEED);
		restore_page(reg->host + (pa - reg->base), saved->page_data + (size_t)*i * TDXSIM_4K);
		pos = pa + TDXSIM_4K;
	}
	if (hi > pos)
		madvise(reg->host + (pos - reg->base), hi - pos, MADV_DONTNEED);
}

/* The page bits of saved pages [i0, i1) of @saved (all in the chunk at @lo) in @bits. */
static void saved_bits(const struct tdxsim_mem_saved *saved, unsigned i0, unsigned i1, uint64_t lo,
		       uint64_t bits[WORDS])
{
	memset(bits, 0, WORDS * sizeof(*bits));
	for (unsigned k = i0; k < i1; k++) {
		uint64_t n = (saved->page_pa[k] - lo) / TDXSIM_4K;
		bits[n / 64] |= UINT64_C(1) << (n % 64);
	}
}

/* Chunk @c page by page: its touched and exposed pages, and for another set than the last one
 * restored (!@same) the last set's saved pages there and this one's ([i0, i1) of @saved). Saved
 * ones are written where they differ, the others zeroed in place (the library and the host use
 * the same pages input after input). Every page not visited holds the bytes of both sets: zero,
 * or for @same a saved page of it. Clears the chunk's touched page bits. */
static void restore_pages(struct tdxsim_mem_region *reg, const struct tdxsim_mem_saved *saved, unsigned i0,
			  unsigned i1, uint64_t lo, struct tdxsim_mem_pages *p, bool same)
{
	struct tdxsim_mem_track *t = reg->track;
	uint64_t bits[WORDS];
	if (!same)
		saved_bits(saved, i0, i1, lo, bits);
	for (unsigned w = 0; w < WORDS; w++) {
		uint64_t touched = atomic_load_explicit(&p->touched[w], memory_order_relaxed);
		if (touched)
			atomic_store_explicit(&p->touched[w], 0, memory_order_relaxed);
		touched |= atomic_load_explicit(&p->exposed[w], memory_order_relaxed);
		bits[w] = same ? touched : touched | bits[w] | p->saved[w];
	}
	uint8_t *host = reg->host + (lo - reg->base);
	unsigned i = i0;
	struct run z = {0, 0};
	for (unsigned k = next_bit(bits, 0, true); k < TDXSIM_MEM_CHUNK_PAGES;
	     k = next_bit(bits, k + 1, true)) {
		const uint64_t pa = lo + (uint64_t)k * TDXSIM_4K;
		while (i < i1 && saved->page_pa[i] < pa)
			i++; /* a saved page nothing changed (@same only) */
		if (i < i1 && saved->page_pa[i] == pa) {
			zero(t, p, host, &z);
			restore_page(host + (size_t)k * TDXSIM_4K, saved->page_data + (size_t)i * TDXSIM_4K);
			i++;
			continue;
		}
		if (z.b != k || z.a == z.b) {
			zero(t, p, host, &z);
			z.a = k;
		}
		z.b = k + 1;
	}
	zero(t, p, host, &z);
}

/* Restores chunk @c; *@i moves past its saved pages. For another set (!@same) it also records
 * which pages of the chunk that set's saved pages are (the next restore of another set visits
 * those), or, if it cannot, marks the chunk @unrecorded (restored whole by that one). */
static void restore_chunk(struct tdxsim_mem_region *reg, const struct tdxsim_mem_saved *saved, unsigned *i,
			  uint64_t c, bool same)
{
	struct tdxsim_mem_track *t = reg->track;
	const uint64_t chunk = UINT64_C(1) << TDXSIM_MEM_CHUNK_SHIFT, bit = UINT64_C(1) << (c % 64);
	const uint64_t lo = reg->base + c * chunk,
		       hi = reg->size - c * chunk > chunk ? lo + chunk : reg->base + reg->size;
	while (*i < saved->num_pages && saved->page_pa[*i] < lo)
		(*i)++; /* in chunks this restore had no need to visit */
	const unsigned i0 = *i;
	unsigned i1 = i0;
	while (i1 < saved->num_pages && saved->page_pa[i1] < hi)
		i1++;
	struct tdxsim_mem_pages *p = atomic_load_explicit(&t->pages[c], memory_order_relaxed);
	bool whole = (atomic_load_explicit(&t->touched_all[c / 64], memory_order_relaxed) |
		      atomic_load_explicit(&t->exposed_all[c / 64], memory_order_relaxed)) &
		     bit;
	if (!same) {
		whole = whole || (t->unrecorded[c / 64] & bit);
		/* No page bits and no whole-chunk lookup: nothing looked here since the last
		 * restore. Page bits now, to record this set's pages for the next restore. */
		if (!p && i1 > i0)
			p = tdxsim_mem_chunk_pages(t, c);
	}
	if (!p || whole) {
		restore_window(reg, saved, i, lo, hi);
		if (p) {
			for (unsigned w = 0; w < WORDS; w++)
				atomic_store_explicit(&p->touched[w], 0, memory_order_relaxed);
			t->kept -= clear_bits(p->kept, 0, TDXSIM_MEM_CHUNK_PAGES); /* all dropped */
		}
	} else {
		restore_pages(reg, saved, i0, i1, lo, p, same);
	}
	if (!same) {
		if (p)
			saved_bits(saved, i0, i1, lo, p->saved);
		if (p || i1 == i0)
			t->unrecorded[c / 64] &= ~bit;
		else
			t->unrecorded[c / 64] |= bit;
	}
	*i = i1;
	atomic_fetch_and_explicit(&t->touched[c / 64], ~bit, memory_order_relaxed);
	atomic_fetch_and_explicit(&t->touched_all[c / 64], ~bit, memory_order_relaxed);
}

/* After a restore of the whole region: nothing touched since. */
static void clear_touched(struct tdxsim_mem_region *reg)
{
	struct tdxsim_mem_track *t = reg->track;
	for (uint64_t w = 0; w < (t->chunks + 63) / 64; w++) {
		atomic_store_explicit(&t->touched[w], 0, memory_order_relaxed);
		atomic_store_explicit(&t->touched_all[w], 0, memory_order_relaxed);
	}
	for (struct tdxsim_mem_pages *p = atomic_load_explicit(&t->list, memory_order_relaxed); p;
	     p = p->next)
		for (unsigned w = 0; w < WORDS; w++)
			atomic_store_explicit(&p->touched[w], 0, memory_order_relaxed);
}

/* Drops the pages zeroed in place once a region keeps more than TDXSIM_MEM_KEPT_MAX. */
static void sweep(struct tdxsim_mem_region *reg)
{
	struct tdxsim_mem_track *t = reg->track;
	if (t->kept <= TDXSIM_MEM_KEPT_MAX)
		return;
	for (struct tdxsim_mem_pages *p = atomic_load_explicit(&t->list, memory_order_relaxed); p;
	     p = p->next) {
		uint8_t *host = reg->host + (p->chunk << TDXSIM_MEM_CHUNK_SHIFT);
		for (unsigned k = next_bit(p->kept, 0, true); k < TDXSIM_MEM_CHUNK_PAGES;) {
			unsigned e = next_bit(p->kept, k, false);
			madvise(host + (size_t)k * TDXSIM_4K, (size_t)(e - k) * TDXSIM_4K, MADV_DONTNEED);
			k = next_bit(p->kept, e, true);
		}
		memset(p->kept, 0, sizeof(p->kept));
	}
	t->kept = 0;
}

/* @same: @saved is the set the last restore put back (mem.h): pages neither touched nor
 * exposed since still hold its bytes. */
static void restore_region(struct tdxsim_mem_region *reg, const struct tdxsim_mem_saved *saved, unsigned *i,
			   bool same)
{
	struct tdxsim_mem_track *t = reg->track;
	const uint64_t end = reg->base + reg->size;
	const uint64_t chunks = t->chunks, words = (chunks + 63) / 64;
	while (*i < saved->num_pages && saved->page_pa[*i] < reg->base)
		(*i)++; /* a saved page outside today's ranges (cannot happen) */
	unsigned first = *i;
	if (!reg->tracked) {
		/* The first restore goes over the whole region in one walk, then records where
		 * this set's pages are as restore_chunk() does for another set. */
		restore_window(reg, saved, i, reg->base, end);
		clear_touched(reg);
		for (unsigned k = first, k1; k < *i; k = k1) {
			uint64_t c = (saved->page_pa[k] - reg->base) >> TDXSIM_MEM_CHUNK_SHIFT;
			uint64_t lo = reg->base + (c << TDXSIM_MEM_CHUNK_SHIFT);
			for (k1 = k;
			     k1 < *i && saved->page_pa[k1] - lo < (UINT64_C(1) << TDXSIM_MEM_CHUNK_SHIFT);)
				k1++;
			struct tdxsim_mem_pages *p = tdxsim_mem_chunk_pages(t, c);
			if (p)
				saved_bits(saved, k, k1, lo, p->saved);
			else
				t->unrecorded[c / 64] |= UINT64_C(1) << (c % 64);
		}
		reg->tracked = true;
		same = false;
	} else {
		for (uint64_t c = 0;;) {
			uint64_t own = chunks;
			/* Another set: the chunks of its saved pages too (the last set's restored
			 * ones are in tdxsim_mem_next_marked()). */
			if (!same && *i < saved->num_pages && saved->page_pa[*i] < end)
				own = (saved->page_pa[*i] - reg->base) >> TDXSIM_MEM_CHUNK_SHIFT;
			uint64_t next = tdxsim_mem_next_marked(reg, c, own, !same);
			if (next == chunks)
				break;
			restore_chunk(reg, saved, i, next, same);
			c = next + 1;
		}
	}
	while (*i < saved->num_pages && saved->page_pa[*i] < end)
		(*i)++; /* saved pages in chunks this restore had no need to visit */
	sweep(reg);
	if (same)
		return; /* @restored already names this set's chunks */
	memset(t->restored, 0, words * sizeof(*t->restored));
	for (unsigned k = first; k < *i; k++) {
		uint64_t c = (saved->page_pa[k] - reg->base) >> TDXSIM_MEM_CHUNK_SHIFT;
		t->restored[c / 64] |= UINT64_C(1) << (c % 64);
	}
}

static bool has_region(const struct tdxsim_mem *mem, const struct tdxsim_mem_region *r)
{
	for (unsigned i = 0; i < mem->num_regions; i++)
		if (mem->regions[i].base == r->base && mem->regions[i].size == r->size &&
		    mem->regions[i].node == r->node)
			return true;
	return false;
}

int tdxsim_mem_restore(struct tdxsim_mem *mem, const struct tdxsim_mem_saved *saved)
{
	const struct tdxsim_mem *s = &saved->mem;

	/* What can fail first: room for the free list, then the ranges to map again. */
	if (s->num_free > mem->cap_free) {
		struct tdxsim_mem_extent *f = realloc(mem->free, s->num_free * sizeof(*f));
		if (!f)
			return -1;
		mem->free = f;
		mem->cap_free = s->num_free;
	}
	unsigned added = 0;
	uint64_t added_base[TDXSIM_MEM_MAX_REGIONS], added_size[TDXSIM_MEM_MAX_REGIONS];
	for (unsigned i = 0; i < s->num_regions; i++) {
		const struct tdxsim_mem_region *r = &s->regions[i];
		if (has_region(mem, r))
			continue;
		/* A range hot-removed since, or one another range now overlaps: unmap those first. */
		for (unsigned j = 0; j < mem->num_regions;) {
			const struct tdxsim_mem_region *live = &mem->regions[j];
			if (!has_region(s, live) &&
			    tdxsim_ranges_overlap(live->base, live->size, r->base, r->size))
				tdxsim_mem_remove_region(mem, live->base, live->size);
			else
				j++;
		}
		tdxsim_range_t range = {r->base, r->size, r->node};
		if (tdxsim_mem_add_region(mem, &range)) {
			for (unsigned k = 0; k < added; k++)
				tdxsim_mem_remove_region(mem, added_base[k], added_size[k]);
			return -1;
		}
		added_base[added] = r->base;
		added_size[added++] = r->size;
	}
	/* Nothing fails from here on. Ranges hot-added since the snapshot go. */
	for (unsigned j = 0; j < mem->num_regions;) {
		if (!has_region(s, &mem->regions[j]))
			tdxsim_mem_remove_region(mem, mem->regions[j].base, mem->regions[j].size);
		else
			j++;
	}
	memcpy(mem->free, s->free, s->num_free * sizeof(*s->free));
	mem->num_free = s->num_free;
	mem->allocated_bytes = s->allocated_bytes;
	mem->fail = s->fail;
	/* Saved pages are ascending (save walks the ranges in order). */
	unsigned i = 0;
	bool same = mem->restored_id == saved->id;

	for (unsigned r = 0; r < mem->num_regions; r++)
		restore_region(&mem->regions[r], saved, &i, same);
	mem->restored_id = saved->id;
	return 0;
}
