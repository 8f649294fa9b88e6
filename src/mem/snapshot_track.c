/* SPDX-License-Identifier: MIT */
/*
 * What a snapshot restore needs to know of RAM (struct tdxsim_mem_track, mem.h): every lookup
 * marks the chunks and pages it hands a pointer into (tdxsim_mem_mark(), lock-free, from
 * view.c); restores and saves (mem/snapshot.c, mem/snapshot_save.c) read and clear the marks
 * under the simulator's lock.
 *
 * Like the restore itself, this is the snapshot machinery's, not the module's: its branches say
 * which pages an input used, not which paths of the module it took, so fuzz/oracles.ignorelist
 * keeps it out of coverage instrumentation.
 */
#include <stdlib.h>

#include "core/util.h"
#include "mem/mem.h"

struct tdxsim_mem_track *tdxsim_mem_track_new(uint64_t size)
{
	uint64_t chunks = ((size - 1) >> TDXSIM_MEM_CHUNK_SHIFT) + 1, words = (chunks + 63) / 64;
	/* One block: the header, six chunk bitmaps, the page-bit pointers (mem.h). calloc gets
	 * large blocks from mmap, so the untouched part of @pages costs no memory. */
	struct tdxsim_mem_track *t =
		calloc(1, sizeof(*t) + 6 * words * sizeof(uint64_t) + chunks * sizeof(*t->pages));
	if (!t)
		return NULL;
	uint64_t *w = (uint64_t *)(t + 1);
	t->chunks = chunks;
	t->touched = (_Atomic uint64_t *)w;
	t->exposed = (_Atomic uint64_t *)(w + words);
	t->touched_all = (_Atomic uint64_t *)(w + 2 * words);
	t->exposed_all = (_Atomic uint64_t *)(w + 3 * words);
	t->restored = w + 4 * words;
	t->unrecorded = w + 5 * words;
	t->pages = (_Atomic(struct tdxsim_mem_pages *) *)(w + 6 * words);
	return t;
}

void tdxsim_mem_track_free(struct tdxsim_mem_track *t)
{
	if (!t)
		return;
	for (struct tdxsim_mem_pages *p = atomic_load_explicit(&t->list, memory_order_acquire), *next; p;
	     p = next) {
		next = p->next;
		free(p);
	}
	free(t);
}

/* Sets @mask's bits in *@word after a plain load: bits already set cost no locked write
 * (threads share these words). */
static void set_bits(_Atomic uint64_t *word, uint64_t mask)
{
	if ((atomic_load_explicit(word, memory_order_relaxed) & mask) != mask)
		atomic_fetch_or_explicit(word, mask, memory_order_relaxed);
}

static void set_bit(_Atomic uint64_t *bits, uint64_t n)
{
	set_bits(&bits[n / 64], UINT64_C(1) << (n % 64));
}

/* The page bits of chunk @c, allocated and installed if it has none yet, or NULL (out of
 * memory). Lookups race here: the first compare-and-swap wins, a loser frees its copy. */
struct tdxsim_mem_pages *tdxsim_mem_chunk_pages(struct tdxsim_mem_track *t, uint64_t c)
{
	struct tdxsim_mem_pages *p = atomic_load_explicit(&t->pages[c], memory_order_acquire), *none = NULL;
	if (p)
		return p;
	uint32_t fail = atomic_load_explicit(&t->fail_pages, memory_order_relaxed);
	while (fail && !atomic_compare_exchange_weak_explicit(&t->fail_pages, &fail, fail - 1,
							      memory_order_relaxed, memory_order_relaxed))
		;
	if (fail)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->chunk = c;
	if (!atomic_compare_exchange_strong_explicit(&t->pages[c], &none, p, memory_order_acq_rel,
						     memory_order_acquire)) {
		free(p);
		return none;
	}
	/* Onto the list that frees it (a push only stack: no pops race it, no ABA). */
	struct tdxsim_mem_pages *head = atomic_load_explicit(&t->list, memory_order_relaxed);
	do
		p->next = head;
	while (!atomic_compare_exchange_weak_explicit(&t->list, &head, p, memory_order_release,
						      memory_order_relaxed));
	return p;
}

/* Marks [off, off + len) (offsets into a region of @size bytes) touched, and exposed with
 * @expose (mem.h): per chunk, its chunk bits, and its page bits, or, for a chunk covered
 * whole or whose page bits cannot be allocated, its whole-chunk bit. */
void tdxsim_mem_mark(struct tdxsim_mem_track *t, uint64_t size, uint64_t off, uint64_t len, bool expose)
{
	const uint64_t chunk = UINT64_C(1) << TDXSIM_MEM_CHUNK_SHIFT, end = off + len;
	for (uint64_t c = off >> TDXSIM_MEM_CHUNK_SHIFT; c <= (end - 1) >> TDXSIM_MEM_CHUNK_SHIFT; c++) {
		uint64_t lo = c * chunk, hi = size - lo > chunk ? lo + chunk : size;
		struct tdxsim_mem_pages *p = NULL;
		if (off > lo || end < hi)
			p = tdxsim_mem_chunk_pages(t, c);
		if (p) {
			uint64_t first = ((off > lo ? off : lo) - lo) / TDXSIM_4K;
			uint64_t last = ((end < hi ? end : hi) - 1 - lo) / TDXSIM_4K;
			for (uint64_t w = first / 64; w <= last / 64; w++) {
				uint64_t m = ~UINT64_C(0);
				if (w == first / 64)
					m &= ~UINT64_C(0) << (first % 64);
				if (w == last / 64)
					m &= ~UINT64_C(0) >> (63 - last % 64);
				set_bits(&p->touched[w], m);
				if (expose)
					set_bits(&p->exposed[w], m);
			}
		} else {
			set_bit(t->touched_all, c);
			if (expose)
				set_bit(t->exposed_all, c);
		}
		set_bit(t->touched, c);
		if (expose)
			set_bit(t->exposed, c);
	}
}

/* Exposed bits become touched ones: the next restore visits those pages once more (the host may
 * have written through its pointers until now), the ones after it no longer. Chunk bits last,
 * whole-chunk bits with them. No lookup runs meanwhile (the caller's contract, snapshot.h). */
void tdxsim_mem_unexpose(struct tdxsim_mem *mem)
{
	for (unsigned i = 0; i < mem->num_regions; i++) {
		struct tdxsim_mem_track *t = mem->regions[i].track;
		if (!t)
			continue;
		for (uint64_t w = 0; w * 64 < t->chunks; w++) {
			uint64_t e = atomic_exchange_explicit(&t->exposed[w], 0, memory_order_relaxed);
			if (!e)
				continue;
			for (uint64_t b = e; b; b &= b - 1) {
				struct tdxsim_mem_pages *p =
					atomic_load_explicit(&t->pages[w * 64 + (uint64_t)__builtin_ctzll(b)],
							     memory_order_acquire);
				for (unsigned k = 0; p && k < TDXSIM_MEM_CHUNK_PAGES / 64; k++)
					set_bits(&p->touched[k],
						 atomic_exchange_explicit(&p->exposed[k], 0,
									  memory_order_relaxed));
			}
			set_bits(&t->touched_all[w],
				 atomic_exchange_explicit(&t->exposed_all[w], 0, memory_order_relaxed));
			set_bits(&t->touched[w], e);
		}
	}
}

/* Unchecked loads (core/util.h): RAM is our own mapping, which ASan never poisons, and the
 * checks (and UBSan's pointer checks, each traced by the fuzzer's coverage) doubled the cost of
 * the pages a restore reads only to find them zero. A 512-byte block
 * at a time, so a page that is not zero stops early and a zero one runs vectorized. */
TDXSIM_NO_ASAN __attribute__((no_sanitize("undefined"))) bool tdxsim_mem_page_is_zero(const uint8_t *p)
{
	const uint64_t *w = (const uint64_t *)(const void *)p; /* page aligned */
	for (size_t b = 0; b < TDXSIM_4K / 8; b += 64) {
		uint64_t acc = 0;
		for (size_t k = 0; k < 64; k++)
			acc |= w[b + k];
		if (acc)
			return false;
	}
	return true;
}

uint64_t tdxsim_mem_next_marked(const struct tdxsim_mem_region *reg, uint64_t c, uint64_t limit,
				bool restored)
{
	for (uint64_t w = c / 64; w * 64 < limit; w++) {
		const struct tdxsim_mem_track *t = reg->track;
		uint64_t bits = atomic_load_explicit(&t->touched[w], memory_order_relaxed) |
				atomic_load_explicit(&t->exposed[w], memory_order_relaxed) |
				(restored ? t->restored[w] : 0);
		if (w == c / 64)
			bits &= ~UINT64_C(0) << (c % 64);
		if (bits) {
			uint64_t b = w * 64 + (uint64_t)__builtin_ctzll(bits);
			return b < limit ? b : limit;
		}
	}
	return limit;
}
