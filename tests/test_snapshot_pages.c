/* SPDX-License-Identifier: MIT */
/*
 * Page-granular RAM restore (mem/mem.h, struct tdxsim_mem_track; mem/snapshot.c): inside a 2 MiB
 * chunk a restore visits only the 4 KiB pages a pointer went out for since the last restore or
 * the host holds one into, unless a lookup covered the whole chunk or the chunk's page bits
 * could not be allocated. One row per rule, on the memory layer alone.
 *
 * Writes straight into the host mapping (raw(), no lookup) stand for bytes nothing told the
 * library about: where they survive a restore, the restore did not visit their page. Library
 * writes (put()) go through tdxsim_mem_ptr() as every write of the library does.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core/util.h"
#include "fixture.h"
#include "mem/mem.h"

#define CHUNK	  (UINT64_C(1) << TDXSIM_MEM_CHUNK_SHIFT)
#define BASE	  (UINT64_C(4) << 30)
#define SIZE	  (32 * CHUNK)
#define C	  (BASE + 4 * CHUNK) /* the chunk most rows use */
#define PG(c, n)  ((c) + (uint64_t)(n)*TDXSIM_4K)
#define CHUNK_IDX ((C - BASE) >> TDXSIM_MEM_CHUNK_SHIFT)

struct px {
	struct tdxsim_mem mem;
	struct tdxsim_mem_saved saved;
};

static struct tdxsim_mem_track *track(struct px *x)
{
	return x->mem.regions[0].track;
}

/* A library write: a lookup of 64 bytes, then the write. */
static void put(struct px *x, uint64_t pa, uint8_t v)
{
	uint8_t *p = tdxsim_mem_ptr(&x->mem, pa, 64);
	assert_non_null(p);
	memset(p, v, 64);
}

/* A library write of a whole page. */
static void fill(struct px *x, uint64_t pa, uint8_t v)
{
	uint8_t *p = tdxsim_mem_ptr(&x->mem, pa, TDXSIM_4K);
	assert_non_null(p);
	memset(p, v, TDXSIM_4K);
}

/* The host mapping itself: no lookup, nothing marked. */
static uint8_t *raw(struct px *x, uint64_t pa)
{
	return x->mem.regions[0].host + (pa - BASE);
}

/* Whether all 4 KiB of page @pa hold @v (read without a lookup). */
static bool page_is(struct px *x, uint64_t pa, uint8_t v)
{
	const uint8_t *p = raw(x, pa & ~(uint64_t)(TDXSIM_4K - 1));
	for (unsigned i = 0; i < TDXSIM_4K; i++)
		if (p[i] != v)
			return false;
	return true;
}

static void restore(struct px *x)
{
	assert_int_equal(tdxsim_mem_restore(&x->mem, &x->saved), 0);
}

static unsigned resident_pages(struct px *x)
{
	static unsigned char vec[SIZE / TDXSIM_4K];
	assert_int_equal(mincore(x->mem.regions[0].host, SIZE, vec), 0);
	unsigned n = 0;
	for (size_t i = 0; i < sizeof(vec); i++)
		n += vec[i] & 1;
	return n;
}

/* ---- the rows --------------------------------------------------------------------------- */

/* Pages written in part of a chunk: the saved one gets its bytes back, the others read zero. */
static void touched_pages_of_a_chunk__restored(struct px *x)
{
	for (uint8_t round = 1; round <= 3; round++) {
		put(x, PG(C, 0), round);
		put(x, PG(C, 1), round);
		put(x, PG(C, 300) + 64, round);
		restore(x);
		assert_true(page_is(x, PG(C, 0), 0x11));
		assert_true(page_is(x, PG(C, 1), 0));
		assert_true(page_is(x, PG(C, 300), 0));
		assert_non_null(atomic_load(&track(x)->pages[CHUNK_IDX]));
	}
}

/* A page of the same chunk that no pointer went out for is not visited: bytes written behind the
 * library's back there survive (a whole-chunk restore would have dropped them). */
static void untouched_neighbour_page__not_visited(struct px *x)
{
	put(x, PG(C, 1), 0x22);
	raw(x, PG(C, 2))[5] = 0x33;
	restore(x);
	assert_true(page_is(x, PG(C, 1), 0));
	assert_int_equal(raw(x, PG(C, 2))[5], 0x33);
	assert_true(page_is(x, PG(C, 0), 0x11));
}

/* A lookup covering a whole chunk marks it whole (no page bits allocated): the restore goes over
 * every page of it, including those written behind its back. */
static void whole_chunk_lookup__chunk_restored_whole(struct px *x)
{
	const uint64_t d = C + CHUNK;
	uint8_t *p = tdxsim_mem_ptr(&x->mem, d, CHUNK);
	assert_non_null(p);
	memset(p + 7 * TDXSIM_4K, 0x44, 100);
	raw(x, PG(d, 400))[0] = 0x55;
	assert_null(atomic_load(&track(x)->pages[CHUNK_IDX + 1]));
	restore(x);
	assert_true(page_is(x, PG(d, 7), 0));
	assert_true(page_is(x, PG(d, 400), 0));
}

/* A chunk with page bits that a lookup then covers whole is restored whole too. */
static void whole_chunk_lookup_after_page_bits__chunk_restored_whole(struct px *x)
{
	put(x, PG(C, 1), 0x22);
	assert_non_null(tdxsim_mem_ptr(&x->mem, C, CHUNK));
	raw(x, PG(C, 9))[0] = 0x66;
	restore(x);
	assert_true(page_is(x, PG(C, 1), 0));
	assert_true(page_is(x, PG(C, 9), 0));
	assert_true(page_is(x, PG(C, 0), 0x11));
}

/* A page the host holds a pointer into is restored on every restore, though no lookup marks it
 * again: the saved one gets its bytes back, an unsaved one reads zero. Exposure is per page:
 * its neighbour is still not visited. */
static void exposed_page__rewritten_every_restore(struct px *x)
{
	uint8_t *saved = tdxsim_mem_ptr_exposed(&x->mem, PG(C, 0), TDXSIM_4K);
	uint8_t *other = tdxsim_mem_ptr_exposed(&x->mem, PG(C, 3), 16);
	restore(x);
	for (uint8_t round = 1; round <= 3; round++) {
		saved[100] = round;
		other[10] = round;
		raw(x, PG(C, 4))[0] = round;
		restore(x);
		assert_true(page_is(x, PG(C, 0), 0x11));
		assert_true(page_is(x, PG(C, 3), 0));
		assert_int_equal(raw(x, PG(C, 4))[0], round);
	}
}

/* Unexposed (tdxsim_snapshot_forget_pointers()): the next restore still puts back what the host
 * wrote through its pointers until then, saved and unsaved pages alike; the restores after it no
 * longer visit those pages (bytes written through the old pointers survive: the host promised
 * not to), and a pointer taken there again makes the page exposed again. */
static void unexposed_page__restored_once_then_not_visited(struct px *x)
{
	uint8_t *saved = tdxsim_mem_ptr_exposed(&x->mem, PG(C, 0), TDXSIM_4K);
	uint8_t *other = tdxsim_mem_ptr_exposed(&x->mem, PG(C, 3), 16);
	saved[100] = 0x55;
	other[10] = 0x55;
	tdxsim_mem_unexpose(&x->mem);
	restore(x);
	assert_true(page_is(x, PG(C, 0), 0x11));
	assert_true(page_is(x, PG(C, 3), 0));
	saved[100] = 0x66;
	other[10] = 0x66;
	restore(x);
	assert_int_equal(saved[100], 0x66);
	assert_int_equal(other[10], 0x66);
	/* Exposed again: every restore visits it again. */
	assert_ptr_equal(tdxsim_mem_ptr_exposed(&x->mem, PG(C, 3), 16), other);
	restore(x);
	other[10] = 0x77;
	restore(x);
	assert_true(page_is(x, PG(C, 3), 0));
}

/* A whole chunk the host got a pointer to, unexposed, is restored whole once, then not visited. */
static void unexposed_whole_chunk__restored_once_then_not_visited(struct px *x)
{
	const uint64_t d = C + 2 * CHUNK;
	uint8_t *p = tdxsim_mem_ptr_exposed(&x->mem, d, CHUNK);
	assert_non_null(p);
	p[9 * TDXSIM_4K] = 0x21;
	tdxsim_mem_unexpose(&x->mem);
	restore(x);
	assert_int_equal(p[9 * TDXSIM_4K], 0);
	p[9 * TDXSIM_4K] = 0x22;
	restore(x);
	assert_int_equal(p[9 * TDXSIM_4K], 0x22);
}

/* Another saved set with pages in the same chunk and in a chunk of its own: restored in turn
 * (with and without writes between), each brings exactly its own bytes; a chunk neither set
 * has pages in goes page by page then too. */
static void another_saved_set__each_brings_its_own_bytes(struct px *x)
{
	struct tdxsim_mem_saved one = x->saved, two;
	fill(x, PG(C, 0), 0x77);
	fill(x, PG(C, 5), 0x78);
	fill(x, PG(C + 8 * CHUNK, 1), 0x79);
	assert_int_equal(tdxsim_mem_save(&x->mem, &two), 0);
	for (int round = 0; round < 3; round++) {
		x->saved = one;
		put(x, PG(C, 6), 0x10);
		put(x, PG(C + 10 * CHUNK, 3), 0x10);
		raw(x, PG(C + 10 * CHUNK, 4))[0] = 0x12;
		restore(x);
		assert_true(page_is(x, PG(C + 10 * CHUNK, 3), 0));
		assert_int_equal(raw(x, PG(C + 10 * CHUNK, 4))[0], 0x12);
		raw(x, PG(C + 10 * CHUNK, 4))[0] = 0;
		assert_true(page_is(x, PG(C, 0), 0x11));
		assert_true(page_is(x, PG(C, 5), 0));
		assert_true(page_is(x, PG(C, 6), 0));
		assert_true(page_is(x, PG(C + 8 * CHUNK, 1), 0));
		x->saved = two;
		if (round)
			put(x, PG(C, 7), 0x10);
		restore(x);
		assert_true(page_is(x, PG(C, 0), 0x77));
		assert_true(page_is(x, PG(C, 5), 0x78));
		assert_true(page_is(x, PG(C, 7), 0));
		assert_true(page_is(x, PG(C + 8 * CHUNK, 1), 0x79));
	}
	x->saved = one;
	tdxsim_mem_saved_free(&two);
}

/* Between two sets a restore visits the pages either set saved and those touched, not the
 * chunk: a page of the chunk neither holds nor anything touched is left as it is. */
static void another_saved_set__pages_of_both_visited_not_the_chunk(struct px *x)
{
	struct tdxsim_mem_saved one = x->saved, two;
	fill(x, PG(C, 0), 0x77);
	fill(x, PG(C, 5), 0x78);
	assert_int_equal(tdxsim_mem_save(&x->mem, &two), 0);
	for (int round = 0; round < 3; round++) {
		x->saved = two;
		restore(x);
		raw(x, PG(C, 9))[0] = 0x42;
		x->saved = one;
		restore(x);
		assert_true(page_is(x, PG(C, 0), 0x11));
		assert_true(page_is(x, PG(C, 5), 0));
		assert_int_equal(raw(x, PG(C, 9))[0], 0x42);
		x->saved = two;
		restore(x);
		assert_true(page_is(x, PG(C, 0), 0x77));
		assert_true(page_is(x, PG(C, 5), 0x78));
		assert_int_equal(raw(x, PG(C, 9))[0], 0x42);
		raw(x, PG(C, 9))[0] = 0;
	}
	x->saved = one;
	tdxsim_mem_saved_free(&two);
}

/* A restore that cannot allocate the page bits to record where its set's pages are marks the
 * chunk: the next restore of another set goes over it whole, even once a lookup allocated page
 * bits there (which do not name that set's pages). */
static void saved_pages_not_recorded__next_other_set_restores_chunk_whole(struct px *x)
{
	const uint64_t d = C + 5 * CHUNK;
	struct tdxsim_mem_saved one = x->saved, two;
	memset(tdxsim_mem_ptr(&x->mem, d, CHUNK), 0x79, TDXSIM_4K); /* whole chunk: no page bits */
	assert_int_equal(tdxsim_mem_save(&x->mem, &two), 0);
	restore(x); /* back to one */
	assert_null(atomic_load(&track(x)->pages[CHUNK_IDX + 5]));
	atomic_store(&track(x)->fail_pages, 1);
	x->saved = two;
	restore(x);
	assert_true(page_is(x, PG(d, 0), 0x79));
	assert_null(atomic_load(&track(x)->pages[CHUNK_IDX + 5]));
	put(x, PG(d, 3), 0x10);
	assert_non_null(atomic_load(&track(x)->pages[CHUNK_IDX + 5]));
	x->saved = one;
	restore(x);
	assert_true(page_is(x, PG(d, 0), 0));
	assert_true(page_is(x, PG(d, 3), 0));
	tdxsim_mem_saved_free(&two);
}

/* Pages zeroed in place stay resident and are counted as kept; runs writing ever new pages do
 * not let them grow past TDXSIM_MEM_KEPT_MAX: the restore drops them all then. A save now and
 * then in between holds only the snapshot's page (kept pages read zero). */
static void many_cycles__kept_pages_bounded(struct px *x)
{
	const unsigned per_run = 7, runs = 2 * TDXSIM_MEM_KEPT_MAX / per_run;
	unsigned max_kept = 0, page = 0;
	for (unsigned r = 0; r < runs; r++) {
		for (unsigned k = 0; k < per_run; k++, page += 2) /* never adjacent: zeroed in place */
			put(x, BASE + CHUNK + (uint64_t)(page % (SIZE / TDXSIM_4K - 1024)) * TDXSIM_4K, 0x5A);
		restore(x);
		uint64_t kept = track(x)->kept;
		assert_true(kept <= TDXSIM_MEM_KEPT_MAX);
		max_kept = kept > max_kept ? (unsigned)kept : max_kept;
		assert_true(resident_pages(x) <= TDXSIM_MEM_KEPT_MAX + per_run + 1);
		if (r % 256 == 255) {
			struct tdxsim_mem_saved again;
			assert_int_equal(tdxsim_mem_save(&x->mem, &again), 0);
			assert_int_equal(again.num_pages, 1);
			assert_int_equal(again.page_pa[0], PG(C, 0));
			assert_int_equal(again.page_data[0], 0x11);
			tdxsim_mem_saved_free(&again);
		}
	}
	assert_true(max_kept > TDXSIM_MEM_KEPT_MAX / 2); /* kept in place until the bound */
	for (unsigned p = 0; p < SIZE / TDXSIM_4K; p += 97)
		assert_true(
			page_is(x, BASE + (uint64_t)p * TDXSIM_4K, p == (C - BASE) / TDXSIM_4K ? 0x11 : 0));
}

/* A run of more than a few dozen touched pages is dropped, not zeroed in place: not kept, not
 * resident after the restore. */
static void long_run_of_pages__dropped(struct px *x)
{
	const uint64_t d = C + 2 * CHUNK;
	uint8_t *p = tdxsim_mem_ptr(&x->mem, d, 200 * TDXSIM_4K);
	memset(p, 0x21, 200 * TDXSIM_4K);
	uint64_t kept = track(x)->kept;
	restore(x);
	assert_int_equal(track(x)->kept, kept);
	unsigned char vec[200];
	assert_int_equal(mincore(raw(x, d), 200 * TDXSIM_4K, vec), 0);
	for (unsigned i = 0; i < 200; i++)
		assert_int_equal(vec[i] & 1, 0);
	assert_true(page_is(x, PG(d, 150), 0));
}

/* Page bits that cannot be allocated: the chunk falls back to whole-chunk tracking (restored
 * whole); once they can, the next lookup allocates them and restores go page by page again. */
static void page_bits_allocation_fails__chunk_restored_whole(struct px *x)
{
	const uint64_t d = C + 3 * CHUNK;
	atomic_store(&track(x)->fail_pages, 1);
	put(x, PG(d, 1), 0x22);
	assert_null(atomic_load(&track(x)->pages[CHUNK_IDX + 3]));
	raw(x, PG(d, 2))[0] = 0x33;
	restore(x);
	assert_true(page_is(x, PG(d, 1), 0));
	assert_true(page_is(x, PG(d, 2), 0));
	put(x, PG(d, 1), 0x22);
	assert_non_null(atomic_load(&track(x)->pages[CHUNK_IDX + 3]));
	raw(x, PG(d, 2))[0] = 0x33;
	restore(x);
	assert_true(page_is(x, PG(d, 1), 0));
	assert_int_equal(raw(x, PG(d, 2))[0], 0x33);
}

/* Ranges hot-added since the save go with their page bits; a range removed since comes back and
 * is gone over whole by its first restore, then page by page again. */
static void hot_add_and_remove__ranges_and_page_bits_follow(struct px *x)
{
	const tdxsim_range_t more = {BASE + SIZE, 4 * CHUNK, 0};
	assert_int_equal(tdxsim_mem_add_region(&x->mem, &more), 0);
	put(x, PG(more.base, 3), 0x31);
	assert_non_null(atomic_load(&x->mem.regions[1].track->pages[0]));
	assert_int_equal(tdxsim_mem_remove_region(&x->mem, BASE, SIZE), 0);
	restore(x);
	assert_int_equal(x->mem.num_regions, 1);
	assert_null(tdxsim_mem_ptr(&x->mem, more.base, 1));
	assert_true(page_is(x, PG(C, 0), 0x11));
	put(x, PG(C, 1), 0x22);
	raw(x, PG(C, 2))[0] = 0x33;
	restore(x);
	assert_true(page_is(x, PG(C, 1), 0));
	assert_int_equal(raw(x, PG(C, 2))[0], 0x33);
	assert_true(page_is(x, PG(C, 0), 0x11));
}

struct row {
	const char *name;
	void (*run)(struct px *x);
};

static const struct row rows[] = {
#define ROW(f)        \
	{             \
#f, f \
	}
	ROW(touched_pages_of_a_chunk__restored),
	ROW(untouched_neighbour_page__not_visited),
	ROW(whole_chunk_lookup__chunk_restored_whole),
	ROW(whole_chunk_lookup_after_page_bits__chunk_restored_whole),
	ROW(exposed_page__rewritten_every_restore),
	ROW(unexposed_page__restored_once_then_not_visited),
	ROW(unexposed_whole_chunk__restored_once_then_not_visited),
	ROW(another_saved_set__each_brings_its_own_bytes),
	ROW(another_saved_set__pages_of_both_visited_not_the_chunk),
	ROW(saved_pages_not_recorded__next_other_set_restores_chunk_whole),
	ROW(many_cycles__kept_pages_bounded),
	ROW(long_run_of_pages__dropped),
	ROW(page_bits_allocation_fails__chunk_restored_whole),
	ROW(hot_add_and_remove__ranges_and_page_bits_follow),
#undef ROW
};

/* One region, a saved set with page 0 of chunk C = 0x11, restored once (the first restore goes
 * over the whole region; the rows test the ones after it). */
static void run_row(void **state)
{
	const struct row *row = *state;
	struct px *x = calloc(1, sizeof(*x));
	assert_non_null(x);
	tdxsim_range_t ram = {BASE, SIZE, 0};
	assert_int_equal(tdxsim_mem_init(&x->mem, &ram, 1), 0);
	fill(x, PG(C, 0), 0x11);
	assert_int_equal(tdxsim_mem_save(&x->mem, &x->saved), 0);
	restore(x);
	row->run(x);
	tdxsim_mem_saved_free(&x->saved);
	tdxsim_mem_fini(&x->mem);
	free(x);
}

int main(void)
{
	struct CMUnitTest tests[sizeof(rows) / sizeof(rows[0])];
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		tests[i] = (struct CMUnitTest){rows[i].name, run_row, NULL, NULL, (void *)&rows[i]};
	return _cmocka_run_group_tests("snapshot_pages", tests, sizeof(tests) / sizeof(tests[0]), NULL, NULL);
}
