/* SPDX-License-Identifier: MIT */
/*
 * Integrity store: page records in a hash table keyed by page frame, range records for large
 * TD-owned areas (PAMTs), and the lock-free filter of 2 MiB frames (mce.h).
 */
#include <stdlib.h>
#include <string.h>

#include "mce/mce_priv.h"

#define MIN_SLOTS 64

/* Fibonacci hashing into a power-of-two table. */
static size_t slot_of(const struct tdxsim_integrity *in, uint64_t pfn)
{
	return (size_t)((pfn * TDXSIM_MCE_GOLDEN) >> (64 - __builtin_ctzll(in->cap)));
}

int tdxsim_integrity_create(const struct tdxsim_integrity_cfg *cfg, struct tdxsim_integrity **out)
{
	struct tdxsim_integrity *in = calloc(1, sizeof(*in));
	*out = NULL;
	if (!in)
		return -1;
	in->slots = calloc(MIN_SLOTS, sizeof(*in->slots));
	if (!in->slots) {
		free(in);
		return -1;
	}
	in->cap = MIN_SLOTS;
	in->mem = cfg->mem;
	in->hkid = cfg->hkid;
	in->cmrs = cfg->cmrs;
	in->num_cmrs = cfg->num_cmrs;
	in->errata = cfg->errata;
	in->trap = cfg->trap;
	pthread_mutex_init(&in->lock, NULL);
	*out = in;
	return 0;
}

/* mce_priv.h */
uint8_t *tdxsim_mce_plain_alloc(struct tdxsim_integrity *in)
{
	uint8_t *p = in->spare;
	if (!p)
		return malloc(TDXSIM_4K);
	memcpy(&in->spare, p, sizeof(in->spare));
	return p;
}

void tdxsim_mce_plain_free(struct tdxsim_integrity *in, uint8_t *p)
{
	if (!p)
		return;
	memcpy(p, &in->spare, sizeof(in->spare));
	in->spare = p;
}

static void free_page(struct tdxsim_integrity *in, struct tdxsim_mce_page *pg)
{
	tdxsim_mce_plain_free(in, pg->priv);
	free(pg);
}

void tdxsim_integrity_destroy(struct tdxsim_integrity *in)
{
	if (!in)
		return;
	for (size_t i = 0; i < in->cap; i++)
		if (in->slots[i].pg)
			free_page(in, in->slots[i].pg);
	free(in->slots);
	free(in->spare_slots);
	while (in->spare) {
		uint8_t *p = tdxsim_mce_plain_alloc(in);
		free(p);
	}
	free(in->ranges);
	free(in->open);
	pthread_mutex_destroy(&in->lock);
	free(in);
}

static struct tdxsim_mce_page *clone_page(struct tdxsim_integrity *in, const struct tdxsim_mce_page *src)
{
	struct tdxsim_mce_page *pg = malloc(sizeof(*pg));
	if (!pg)
		return NULL;
	*pg = *src;
	if (src->priv) {
		pg->priv = tdxsim_mce_plain_alloc(in);
		if (!pg->priv) {
			free(pg);
			return NULL;
		}
		memcpy(pg->priv, src->priv, TDXSIM_4K);
	}
	return pg;
}

/* mce_priv.h */
void tdxsim_mce_copy_layout(struct tdxsim_integrity *dst, const struct tdxsim_integrity *src)
{
	/* The const is for callers; the atomics need a plain pointer. */
	struct tdxsim_integrity *from = (struct tdxsim_integrity *)src;
	/* One copy of the 8 KiB filter, not 1024 atomic loads and stores: a clone's target is not
	 * published yet, and a restore runs with no other thread in the simulator (snapshot.h). */
	_Static_assert(sizeof(dst->filter[0]) == sizeof(uint64_t), "lock-free 64-bit words");
	memcpy((void *)dst->filter, (const void *)from->filter, sizeof(dst->filter));
	dst->num_pamts = src->num_pamts;
	memcpy(dst->pamt_entry_size, src->pamt_entry_size, sizeof(dst->pamt_entry_size));
	for (unsigned i = 0; i < src->num_pamts; i++) {
		struct tdxsim_pamt_layout *s = &from->pamts[i], *d = &dst->pamts[i];
		d->base = s->base;
		d->size = s->size;
		memcpy(d->part, s->part, sizeof(d->part));
		memcpy(d->hint, s->hint, sizeof(d->hint));
		d->marked = s->marked;
		atomic_store_explicit(&d->inited, atomic_load_explicit(&s->inited, memory_order_relaxed),
				      memory_order_relaxed);
		atomic_store_explicit(&d->keyid, atomic_load_explicit(&s->keyid, memory_order_relaxed),
				      memory_order_relaxed);
	}
}

int tdxsim_integrity_clone(struct tdxsim_integrity *src, struct tdxsim_integrity **out)
{
	struct tdxsim_integrity_cfg cfg = {src->mem, src->hkid, src->cmrs, src->num_cmrs, src->errata, false};
	struct tdxsim_integrity *in;
	int rc = -1;

	*out = NULL;
	if (tdxsim_integrity_create(&cfg, &in))
		return -1;
	tdxsim_mce_lock(src); /* the copy starts from marked PAMT lines: nothing pending */
	struct tdxsim_mce_slot *slots = calloc(src->cap, sizeof(*slots));
	if (!slots)
		goto out;
	free(in->slots);
	in->slots = slots;
	in->cap = src->cap;
	for (size_t i = 0; i < src->cap; i++) {
		if (!src->slots[i].pg)
			continue;
		if (!(in->slots[i].pg = clone_page(in, src->slots[i].pg)))
			goto out;
		in->slots[i].pfn = src->slots[i].pfn;
		in->count++;
	}
	if (src->num_ranges) {
		if (tdxsim_mce_ranges_reserve(in, src->num_ranges))
			goto out;
		memcpy(in->ranges, src->ranges, src->num_ranges * sizeof(*in->ranges));
		in->num_ranges = src->num_ranges;
	}
	tdxsim_mce_copy_layout(in, src);
	in->handler = src->handler;
	in->handler_user = src->handler_user;
	in->have_last = src->have_last;
	in->last = src->last;
	in->stats = src->stats;
	rc = 0;
out:
	pthread_mutex_unlock(&src->lock);
	if (rc)
		tdxsim_integrity_destroy(in);
	else
		*out = in;
	return rc;
}

/* ---- filter ------------------------------------------------------------------------------ */

void tdxsim_mce_filter_add(struct tdxsim_integrity *in, uint64_t base, uint64_t end)
{
	for (uint64_t f = base >> TDXSIM_FILTER_FRAME; f <= (end - 1) >> TDXSIM_FILTER_FRAME; f++) {
		unsigned i = tdxsim_mce_filter_index(f);
		uint64_t bit = UINT64_C(1) << (i % 64);
		/* Bits are only ever set (under the model lock): a plain load spares the locked
		 * read-modify-write when TDH.SYS.TDMR.INIT grows a range inside a known frame. */
		if (!(atomic_load_explicit(&in->filter[i / 64], memory_order_relaxed) & bit))
			atomic_fetch_or_explicit(&in->filter[i / 64], bit, memory_order_release);
	}
}

bool tdxsim_mce_slow_path(const struct tdxsim_integrity *in, uint64_t pa, uint64_t len)
{
	/* The const is for callers; the atomics need a plain pointer. */
	struct tdxsim_integrity *w = (struct tdxsim_integrity *)in;
	if (atomic_load_explicit(&w->open_count, memory_order_relaxed))
		return true;
	for (uint64_t f = pa >> TDXSIM_FILTER_FRAME; f <= (pa + len - 1) >> TDXSIM_FILTER_FRAME; f++) {
		unsigned i = tdxsim_mce_filter_index(f);
		if (atomic_load_explicit(&w->filter[i / 64], memory_order_acquire) &
		    (UINT64_C(1) << (i % 64)))
			return true;
	}
	return false;
}

/* ---- page records ------------------------------------------------------------------------ */

struct tdxsim_mce_page *tdxsim_mce_find(const struct tdxsim_integrity *in, uint64_t pfn)
{
	size_t mask = in->cap - 1;
	for (size_t i = slot_of(in, pfn);; i = (i + 1) & mask) {
		const struct tdxsim_mce_slot *s = &in->slots[i];
		if (!s->pg || s->pfn == pfn)
			return s->pg;
	}
}

static void place(struct tdxsim_integrity *in, struct tdxsim_mce_page *pg)
{
	size_t i = slot_of(in, pg->pfn);
	while (in->slots[i].pg)
		i = (i + 1) & (in->cap - 1);
	in->slots[i].pfn = pg->pfn;
	in->slots[i].pg = pg;
}

static int grow(struct tdxsim_integrity *in)
{
	size_t old_cap = in->cap;
	struct tdxsim_mce_slot *old = in->slots, *n = calloc(old_cap * 2, sizeof(*n));
	if (!n)
		return -1;
	in->slots = n;
	in->cap = old_cap * 2;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].pg)
			place(in, old[i].pg);
	free(old);
	return 0;
}

static void unlink_page(struct tdxsim_integrity *in, struct tdxsim_mce_page *pg)
{
	size_t mask = in->cap - 1, i = slot_of(in, pg->pfn);
	while (in->slots[i].pg != pg)
		i = (i + 1) & mask;
	in->slots[i].pg = NULL;
	/* Backward shift: pull later entries of the probe run into the hole when their home
	 * slot does not lie cyclically in (hole, j]. */
	for (size_t j = (i + 1) & mask; in->slots[j].pg; j = (j + 1) & mask) {
		size_t home = slot_of(in, in->slots[j].pfn);
		bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (!stays) {
			in->slots[i] = in->slots[j];
			in->slots[j].pg = NULL;
			i = j;
		}
	}
	in->count--;
}

/* First range whose end is at or above @pa (ranges that touch @pa included). */
static unsigned range_lower_bound(const struct tdxsim_integrity *in, uint64_t pa)
{
	unsigned lo = 0, hi = in->num_ranges;
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		if (in->ranges[mid].end < pa)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool tdxsim_mce_ranges_overlap(const struct tdxsim_integrity *in, uint64_t base, uint64_t end)
{
	unsigned k = range_lower_bound(in, base);
	while (k < in->num_ranges && in->ranges[k].end == base)
		k++;
	return k < in->num_ranges && in->ranges[k].base < end;
}

/* mce_priv.h */
bool tdxsim_mce_lines_from_ranges(const struct tdxsim_integrity *in, uint64_t pfn,
				  uint16_t out[TDXSIM_LINES_PER_PAGE])
{
	uint64_t base = pfn * TDXSIM_4K, end = base + TDXSIM_4K;
	bool any = false;
	memset(out, 0, TDXSIM_LINES_PER_PAGE * sizeof(*out));
	for (unsigned k = range_lower_bound(in, base); k < in->num_ranges && in->ranges[k].base < end; k++) {
		const struct tdxsim_mce_range *r = &in->ranges[k];
		uint64_t a = r->base > base ? r->base : base, b = r->end < end ? r->end : end;
		for (uint64_t pa = a; pa < b; pa += TDXSIM_LINE) {
			out[(pa - base) / TDXSIM_LINE] = (uint16_t)r->keyid;
			any = true;
		}
	}
	return any;
}

bool tdxsim_mce_view(const struct tdxsim_integrity *in, uint64_t pfn, uint16_t out[TDXSIM_LINES_PER_PAGE])
{
	const struct tdxsim_mce_page *pg = tdxsim_mce_find(in, pfn);
	if (pg) {
		memcpy(out, pg->line, sizeof(pg->line));
		return true;
	}
	return tdxsim_mce_lines_from_ranges(in, pfn, out);
}

static void recount(struct tdxsim_mce_page *pg)
{
	pg->owned = pg->poisoned = 0;
	for (unsigned l = 0; l < TDXSIM_LINES_PER_PAGE; l++) {
		pg->owned += tdxsim_line_owned(pg->line[l]);
		pg->poisoned += tdxsim_line_poisoned(pg->line[l]);
	}
}

struct tdxsim_mce_page *tdxsim_mce_get(struct tdxsim_integrity *in, uint64_t pfn)
{
	struct tdxsim_mce_page *pg = tdxsim_mce_find(in, pfn);
	return pg ? pg : tdxsim_mce_insert(in, pfn);
}

struct tdxsim_mce_page *tdxsim_mce_insert(struct tdxsim_integrity *in, uint64_t pfn)
{
	struct tdxsim_mce_page *pg;
	if ((in->count + 1) * 2 > in->cap && grow(in))
		return NULL;
	pg = calloc(1, sizeof(*pg));
	if (!pg)
		return NULL;
	pg->pfn = pfn;
	tdxsim_mce_lines_from_ranges(in, pfn, pg->line);
	recount(pg);
	place(in, pg);
	in->count++;
	tdxsim_mce_filter_add(in, pfn * TDXSIM_4K, (pfn + 1) * TDXSIM_4K);
	return pg;
}

struct tdxsim_mce_page *tdxsim_mce_settle(struct tdxsim_integrity *in, struct tdxsim_mce_page *pg)
{
	recount(pg);
	return tdxsim_mce_settle_counted(in, pg);
}

struct tdxsim_mce_page *tdxsim_mce_settle_counted(struct tdxsim_integrity *in, struct tdxsim_mce_page *pg)
{
	if (pg->owned == 0 && pg->priv) {
		tdxsim_mce_plain_free(in, pg->priv);
		pg->priv = NULL;
	}
	if (pg->owned || pg->poisoned)
		return pg;
	/* Plain shared memory again: the ranges must agree before the record can go. Out of
	 * memory here only means the record stays, which is still correct. */
	uint64_t base = pg->pfn * TDXSIM_4K;
	if (tdxsim_mce_ranges_set(in, base, base + TDXSIM_4K, 0, NULL))
		return pg;
	unlink_page(in, pg);
	free_page(in, pg);
	return NULL;
}

void tdxsim_mce_for_pages(struct tdxsim_integrity *in, uint64_t base, uint64_t end,
			  void (*fn)(struct tdxsim_integrity *in, struct tdxsim_mce_page *pg, void *arg),
			  void *arg)
{
	uint64_t first = base / TDXSIM_4K, last = (end - 1) / TDXSIM_4K;

	if (!in->count)
		return; /* no records at all: the common case while PAMTs are initialized */
	if (last - first < 2 * (uint64_t)in->count + 16) {
		/* A short span: probe each frame (@fn may free the record it gets). */
		for (uint64_t pfn = first; pfn <= last; pfn++) {
			struct tdxsim_mce_page *pg = tdxsim_mce_find(in, pfn);
			if (pg)
				fn(in, pg, arg);
		}
		return;
	}
	/* A long span with few records: walk the table, collecting first since @fn may free
	 * records and reshuffle the slots. Without memory for the list, restart the walk after
	 * each call instead (each record is visited once: visited ones are skipped by pfn order). */
	struct tdxsim_mce_page **hits = malloc(in->count * sizeof(*hits) + 1);
	if (hits) {
		size_t n = 0;
		for (size_t i = 0; i < in->cap; i++)
			if (in->slots[i].pg && in->slots[i].pfn >= first && in->slots[i].pfn <= last)
				hits[n++] = in->slots[i].pg;
		for (size_t i = 0; i < n; i++)
			fn(in, hits[i], arg);
		free(hits);
		return;
	}
	for (uint64_t next = first;;) {
		struct tdxsim_mce_page *best = NULL;
		for (size_t i = 0; i < in->cap; i++) {
			struct tdxsim_mce_page *pg = in->slots[i].pg;
			if (pg && pg->pfn >= next && pg->pfn <= last && (!best || pg->pfn < best->pfn))
				best = pg;
		}
		if (!best)
			return;
		next = best->pfn + 1;
		fn(in, best, arg);
	}
}

void tdxsim_mce_drop(struct tdxsim_integrity *in, struct tdxsim_mce_page *pg)
{
	unlink_page(in, pg);
	free_page(in, pg);
}

/* ---- range records ----------------------------------------------------------------------- */

int tdxsim_mce_ranges_reserve(struct tdxsim_integrity *in, unsigned extra)
{
	unsigned need = in->num_ranges + extra;
	if (need <= in->cap_ranges)
		return 0;
	unsigned cap = in->cap_ranges ? in->cap_ranges * 2 : 16;
	while (cap < need)
		cap *= 2;
	struct tdxsim_mce_range *nr = realloc(in->ranges, cap * sizeof(*nr));
	if (!nr)
		return -1;
	in->ranges = nr;
	in->cap_ranges = cap;
	return 0;
}

int tdxsim_mce_ranges_set(struct tdxsim_integrity *in, uint64_t base, uint64_t end, uint32_t keyid,
			  unsigned *hint)
{
	struct tdxsim_mce_range *r = in->ranges, tmp[3];
	unsigned n = in->num_ranges, m = 0, h = hint ? *hint : n;

	if (base >= end)
		return 0;
	/* Ranges lo..hi-1 overlap or touch [base, end]; they are replaced by at most three. lo is
	 * the lower bound of @base: the hint when it is exactly that, else a binary search. */
	bool hint_ok = h < n && r[h].end >= base && (h == 0 || r[h - 1].end < base);
	unsigned lo = hint_ok ? h : range_lower_bound(in, base), hi = lo;
	if (hint)
		*hint = lo;
	/* Fast path for TDH.SYS.TDMR.INIT, which grows a PAMT's range chunk by chunk: the new
	 * range starts inside or at the end of range lo, same KeyID, and reaches no other. */
	if (keyid && lo < n && r[lo].keyid == keyid && r[lo].base <= base &&
	    (lo + 1 == n || r[lo + 1].base > end)) {
		if (r[lo].end < end)
			r[lo].end = end;
		tdxsim_mce_filter_add(in, base, end);
		return 0;
	}
	while (hi < n && r[hi].base <= end)
		hi++;
	if (lo < hi && r[lo].base < base)
		tmp[m++] = (struct tdxsim_mce_range){r[lo].base, r[lo].end < base ? r[lo].end : base,
						     r[lo].keyid};
	if (keyid)
		tmp[m++] = (struct tdxsim_mce_range){base, end, keyid};
	if (lo < hi && r[hi - 1].end > end)
		tmp[m++] = (struct tdxsim_mce_range){r[hi - 1].base > end ? r[hi - 1].base : end,
						     r[hi - 1].end, r[hi - 1].keyid};
	/* Coalesce neighbours that touch and share a KeyID. */
	unsigned c = 0;
	for (unsigned i = 0; i < m; i++) {
		if (c && tmp[c - 1].end == tmp[i].base && tmp[c - 1].keyid == tmp[i].keyid)
			tmp[c - 1].end = tmp[i].end;
		else
			tmp[c++] = tmp[i];
	}
	unsigned removed = hi - lo, need = n - removed + c;
	if (removed == 0 && c == 0)
		return 0; /* nothing there and nothing to add */
	if (need > n && tdxsim_mce_ranges_reserve(in, need - n))
		return -1;
	r = in->ranges;
	memmove(&r[lo + c], &r[hi], (n - hi) * sizeof(*r));
	memcpy(&r[lo], tmp, c * sizeof(*r));
	in->num_ranges = need;
	if (keyid)
		tdxsim_mce_filter_add(in, base, end);
	return 0;
}
