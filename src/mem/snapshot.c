/* SPDX-License-Identifier: MIT */
/*
 * Simulated memory in snapshots (mem.h): the ranges, the allocator, and the bytes. Untouched
 * RAM costs nothing (MAP_NORESERVE), so the bytes worth saving are the resident pages that
 * are not all zeros; a restore drops every other host page (MADV_DONTNEED: RAM reads zero
 * again) and writes the saved ones back where they differ. It does so only in the 2 MiB
 * chunks whose bytes may differ from the snapshot's: those a pointer went out for since the
 * last restore, those the host holds pointers into, and, when the last restore put back
 * another snapshot, those of that one's and this one's saved pages (struct
 * tdxsim_mem_region). Dropping the pages of all RAM cost a walk of every page table of it per
 * restore. A snapshot taken after a restore reads only those chunks and the restored ones:
 * the restore left every other one zero.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core/util.h"
#include "mem/mem.h"

static bool all_zero(const uint8_t *p)
{
	static const uint8_t zero[TDXSIM_4K];
	return !memcmp(p, zero, TDXSIM_4K);
}

/* Appends page @pa (its bytes at @p) to @s; 0 or -1. */
static int keep_page(struct tdxsim_mem_saved *s, unsigned *cap, uint64_t pa, const uint8_t *p)
{
	if (s->num_pages == *cap) {
		unsigned n = *cap ? 2 * *cap : 16;
		uint64_t *pas = realloc(s->page_pa, n * sizeof(*pas));
		if (!pas)
			return -1;
		s->page_pa = pas;
		uint8_t *data = realloc(s->page_data, (size_t)n * TDXSIM_4K);
		if (!data)
			return -1;
		s->page_data = data;
		*cap = n;
	}
	s->page_pa[s->num_pages] = pa;
	memcpy(s->page_data + (size_t)s->num_pages * TDXSIM_4K, p, TDXSIM_4K);
	s->num_pages++;
	return 0;
}

/* Appends the resident pages of [lo, hi) of @reg that are not all zeros to @out. */
static int save_window(const struct tdxsim_mem_region *reg, uint64_t lo, uint64_t hi,
		       struct tdxsim_mem_saved *out, unsigned *cap)
{
	uint64_t pages = (hi - lo) / TDXSIM_4K;
	/* One residency byte per page, a window at a time (a 16 TiB range has 4 G pages). */
	enum { WINDOW = 1 << 16 };
	unsigned char vec[WINDOW];
	for (uint64_t first = 0; first < pages; first += WINDOW) {
		uint64_t n = pages - first < WINDOW ? pages - first : WINDOW;
		uint8_t *host = reg->host + (lo - reg->base) + first * TDXSIM_4K;
		if (mincore(host, n * TDXSIM_4K, vec))
			return -1;
		for (uint64_t i = 0; i < n; i++) {
			const uint8_t *p = host + i * TDXSIM_4K;
			if ((vec[i] & 1) && !all_zero(p) &&
			    keep_page(out, cap, lo + (first + i) * TDXSIM_4K, p))
				return -1;
		}
	}
	return 0;
}

/* The first chunk at or after @c whose bit is set in @reg's touched or exposed map (or, with
 * @restored, its restored one), or @limit. */
static uint64_t next_marked(const struct tdxsim_mem_region *reg, uint64_t c, uint64_t limit, bool restored)
{
	for (uint64_t w = c / 64; w * 64 < limit; w++) {
		uint64_t bits = atomic_load_explicit(&reg->touched[w], memory_order_relaxed) |
				atomic_load_explicit(&reg->exposed[w], memory_order_relaxed) |
				(restored ? reg->restored[w] : 0);
		if (w == c / 64)
			bits &= ~UINT64_C(0) << (c % 64);
		if (bits) {
			uint64_t b = w * 64 + (uint64_t)__builtin_ctzll(bits);
			return b < limit ? b : limit;
		}
	}
	return limit;
}

int tdxsim_mem_save(struct tdxsim_mem *mem, struct tdxsim_mem_saved *out)
{
	unsigned cap = 0;
	memset(out, 0, sizeof(*out));
	out->id = ++mem->next_saved_id;
	out->mem = *mem;
	out->mem.free = NULL;
	out->mem.cap_free = 0;
	if (mem->num_free) {
		out->mem.free = malloc(mem->num_free * sizeof(*mem->free));
		if (!out->mem.free)
			return -1;
		memcpy(out->mem.free, mem->free, mem->num_free * sizeof(*mem->free));
		out->mem.cap_free = mem->num_free;
	}
	for (unsigned r = 0; r < mem->num_regions; r++) {
		const struct tdxsim_mem_region *reg = &mem->regions[r];
		const uint64_t chunk = UINT64_C(1) << TDXSIM_MEM_CHUNK_SHIFT, end = reg->base + reg->size;
		const uint64_t chunks = ((reg->size - 1) >> TDXSIM_MEM_CHUNK_SHIFT) + 1;
		int rc = 0;
		if (!reg->tracked) {
			rc = save_window(reg, reg->base, end, out, &cap);
		} else {
			/* Since the last restore only its restored chunks and those touched or
			 * exposed can hold bytes that are not zero: it left the others zero, and
			 * nothing handed out a pointer into them since (mem.h). */
			for (uint64_t c = next_marked(reg, 0, chunks, true); !rc && c < chunks;
			     c = next_marked(reg, c + 1, chunks, true)) {
				uint64_t lo = reg->base + c * chunk;
				rc = save_window(reg, lo, end - lo > chunk ? lo + chunk : end, out, &cap);
			}
		}
		if (rc) {
			tdxsim_mem_saved_free(out);
			return -1;
		}
	}
	return 0;
}

/* Puts back the bytes of [lo, hi) of @reg: the saved pages from *@i on that lie below @hi are
 * written where they differ (pages a run left alone cost neither a fault nor a copy), every
 * other page is dropped. */
static void restore_window(const struct tdxsim_mem_region *reg, const struct tdxsim_mem_saved *saved,
			   unsigned *i, uint64_t lo, uint64_t hi)
{
	uint64_t pos = lo;
	for (; *i < saved->num_pages && saved->page_pa[*i] < hi; (*i)++) {
		uint64_t pa = saved->page_pa[*i];
		const uint8_t *data = saved->page_data + (size_t)*i * TDXSIM_4K;
		if (pa < pos)
			continue; /* below this range: not RAM any more (cannot happen) */
		if (pa > pos)
			madvise(reg->host + (pos - reg->base), pa - pos, MADV_DONTNEED);
		uint8_t *p = reg->host + (pa - reg->base);
		if (memcmp(p, data, TDXSIM_4K))
			memcpy(p, data, TDXSIM_4K);
		pos = pa + TDXSIM_4K;
	}
	if (hi > pos)
		madvise(reg->host + (pos - reg->base), hi - pos, MADV_DONTNEED);
}

/* @same: @saved is the set the last restore put back (mem.h): chunks neither touched nor
 * exposed since still hold its bytes. */
static void restore_region(struct tdxsim_mem_region *reg, const struct tdxsim_mem_saved *saved, unsigned *i,
			   bool same)
{
	const uint64_t chunk = UINT64_C(1) << TDXSIM_MEM_CHUNK_SHIFT, end = reg->base + reg->size;
	const uint64_t chunks = ((reg->size - 1) >> TDXSIM_MEM_CHUNK_SHIFT) + 1;
	const uint64_t words = (chunks + 63) / 64;
	while (*i < saved->num_pages && saved->page_pa[*i] < reg->base)
		(*i)++; /* a saved page outside today's ranges (cannot happen) */
	unsigned first = *i;
	if (!reg->tracked) {
		restore_window(reg, saved, i, reg->base, end);
		reg->tracked = true;
		same = false;
	} else {
		for (uint64_t c = 0;;) {
			uint64_t next = chunks;
			/* Another set: the chunks of its saved pages too (the last set's restored
			 * ones are in next_marked()). */
			if (!same && *i < saved->num_pages && saved->page_pa[*i] < end)
				next = (saved->page_pa[*i] - reg->base) >> TDXSIM_MEM_CHUNK_SHIFT;
			next = next_marked(reg, c, next, !same);
			if (next == chunks)
				break;
			uint64_t lo = reg->base + next * chunk;
			restore_window(reg, saved, i, lo, end - lo > chunk ? lo + chunk : end);
			c = next + 1;
		}
	}
	while (*i < saved->num_pages && saved->page_pa[*i] < end)
		(*i)++; /* saved pages in chunks this restore had no need to visit */
	for (uint64_t w = 0; w < words; w++)
		atomic_store_explicit(&reg->touched[w], 0, memory_order_relaxed);
	if (same)
		return; /* @restored already names this set's chunks */
	memset(reg->restored, 0, words * sizeof(*reg->restored));
	for (unsigned k = first; k < *i; k++) {
		uint64_t c = (saved->page_pa[k] - reg->base) >> TDXSIM_MEM_CHUNK_SHIFT;
		reg->restored[c / 64] |= UINT64_C(1) << (c % 64);
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

void tdxsim_mem_saved_free(struct tdxsim_mem_saved *saved)
{
	free(saved->mem.free);
	free(saved->page_pa);
	free(saved->page_data);
	memset(saved, 0, sizeof(*saved));
}
