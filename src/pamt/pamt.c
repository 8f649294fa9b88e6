/* SPDX-License-Identifier: MIT */
/*
 * PAMT store: lifetime, TDMR registration and TDH.SYS.TDMR.INIT progress (pamt.h).
 * Entries are in pamt_entries.c, invariants and hashing in pamt_check.c.
 */
#include <stdlib.h>
#include <string.h>

#include "pamt/pamt_priv.h"

/* One more allocation allowed by the test hook's budget (pamt.h)? */
static bool take_budget(struct tdxsim_pamt *pamt)
{
	if (pamt->alloc_budget == 0)
		return false;
	if (pamt->alloc_budget > 0)
		pamt->alloc_budget--;
	return true;
}

void *tdxsim_pamt_zalloc(struct tdxsim_pamt *pamt, size_t bytes)
{
	void *mem = take_budget(pamt) ? calloc(1, bytes) : NULL;

	if (mem)
		pamt->host_bytes += bytes;
	return mem;
}

void tdxsim_pamt_set_alloc_budget(struct tdxsim_pamt *pamt, int64_t budget)
{
	pamt->alloc_budget = budget;
}

int64_t tdxsim_pamt_alloc_budget(const struct tdxsim_pamt *pamt)
{
	return pamt->alloc_budget;
}

void tdxsim_pamt_free_mem(struct tdxsim_pamt *pamt, void *mem, size_t bytes)
{
	if (!mem)
		return;
	free(mem);
	pamt->host_bytes -= bytes;
}

int tdxsim_pamt_create(struct tdxsim_pamt **out)
{
	struct tdxsim_pamt *pamt = calloc(1, sizeof(*pamt));

	*out = pamt;
	if (!pamt)
		return -1;
	pamt->host_bytes = sizeof(*pamt);
	pamt->alloc_budget = -1;
	return 0;
}

void tdxsim_pamt_free_table(struct tdxsim_pamt *pamt, struct tdxsim_pamt_table *tab)
{
	if (!tab)
		return;
	tdxsim_pamt_free_mem(pamt, tab->bepoch, TDXSIM_PAMT_FANOUT * sizeof(*tab->bepoch));
	tdxsim_pamt_free_mem(pamt, tab, sizeof(*tab));
}

void tdxsim_pamt_free_gib(struct tdxsim_pamt *pamt, struct tdxsim_pamt_gib *gib)
{
	for (unsigned i = 0; i < TDXSIM_PAMT_FANOUT; i++)
		tdxsim_pamt_free_table(pamt, gib->t4k[i]);
	tdxsim_pamt_free_table(pamt, gib->t2m);
	tdxsim_pamt_free_mem(pamt, gib, sizeof(*gib));
}

static void free_tdmr(struct tdxsim_pamt *pamt, struct tdxsim_pamt_tdmr *t)
{
	if (!t->blocks)
		return;
	for (uint64_t b = 0; b < t->num_blocks; b++) {
		if (t->blocks[b])
			tdxsim_pamt_free_gib(pamt, t->blocks[b]);
	}
	tdxsim_pamt_free_mem(pamt, t->blocks, t->num_blocks * sizeof(*t->blocks));
	t->blocks = NULL;
}

void tdxsim_pamt_clear(struct tdxsim_pamt *pamt)
{
	for (unsigned i = 0; i < pamt->num_tdmrs; i++)
		free_tdmr(pamt, &pamt->tdmrs[i]);
	tdxsim_pamt_free_mem(pamt, pamt->tdmrs, (size_t)pamt->cap_tdmrs * sizeof(*pamt->tdmrs));
	pamt->tdmrs = NULL;
	pamt->num_tdmrs = 0;
	pamt->cap_tdmrs = 0;
	memset(pamt->owned, 0, sizeof(pamt->owned));
}

void tdxsim_pamt_destroy(struct tdxsim_pamt *pamt)
{
	if (!pamt)
		return;
	tdxsim_pamt_clear(pamt);
	free(pamt);
}

/* Makes room for one more TDMR; the array doubles, so SYS.CONFIG's up to 64 TDMRs cost 7 reallocs. */
static int grow_tdmrs(struct tdxsim_pamt *pamt)
{
	unsigned cap = pamt->cap_tdmrs ? 2 * pamt->cap_tdmrs : 8;
	struct tdxsim_pamt_tdmr *n;

	if (pamt->num_tdmrs < pamt->cap_tdmrs)
		return 0;
	if (!take_budget(pamt))
		return -1;
	n = realloc(pamt->tdmrs, (size_t)cap * sizeof(*n));
	if (!n)
		return -1;
	pamt->host_bytes += (uint64_t)(cap - pamt->cap_tdmrs) * sizeof(*n);
	pamt->tdmrs = n;
	pamt->cap_tdmrs = cap;
	return 0;
}

enum tdxsim_pamt_result tdxsim_pamt_add_tdmr(struct tdxsim_pamt *pamt, uint64_t base, uint64_t size,
					     const struct tdxsim_tdmr_reserved_area *areas,
					     unsigned num_areas, uint64_t pamt_bytes)
{
	struct tdxsim_pamt_tdmr *t;
	/* Rounded up so that a TDMR that is not a multiple of 1 GiB still has a record per byte. */
	uint64_t num_blocks = size / TDXSIM_1G + (size % TDXSIM_1G != 0);
	struct tdxsim_pamt_gib **blocks = NULL;

	if (num_blocks > SIZE_MAX / sizeof(*blocks))
		return TDXSIM_PAMT_NO_MEMORY;
	if (grow_tdmrs(pamt))
		return TDXSIM_PAMT_NO_MEMORY;
	if (num_blocks) {
		blocks = tdxsim_pamt_zalloc(pamt, num_blocks * sizeof(*blocks));
		if (!blocks)
			return TDXSIM_PAMT_NO_MEMORY;
	}

	t = &pamt->tdmrs[pamt->num_tdmrs++];
	memset(t, 0, sizeof(*t));
	t->base = base;
	t->size = size;
	t->next_to_init = base;
	t->pamt_bytes = pamt_bytes;
	t->num_blocks = num_blocks;
	t->blocks = blocks;
	/* The module reads exactly 16 areas per TDMR_INFO (sheet 6.1); more cannot be configured. */
	if (num_areas > TDXSIM_TDMR_MAX_RESERVED)
		num_areas = TDXSIM_TDMR_MAX_RESERVED;
	for (unsigned i = 0; i < num_areas; i++) {
		/* A null area only ends the list for the validation rules (sheet 6.3 rule 6). */
		if (areas[i].size)
			t->areas[t->num_areas++] = areas[i];
	}
	return TDXSIM_PAMT_OK;
}

unsigned tdxsim_pamt_num_tdmrs(const struct tdxsim_pamt *pamt)
{
	return pamt->num_tdmrs;
}

/* Index of the last TDMR whose base is <= @pa, or -1. Bases are ascending. */
static int last_at_or_below(const struct tdxsim_pamt *pamt, uint64_t pa)
{
	unsigned lo = 0, hi = pamt->num_tdmrs;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (pamt->tdmrs[mid].base <= pa)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (int)lo - 1;
}

int tdxsim_pamt_find_tdmr(const struct tdxsim_pamt *pamt, uint64_t base)
{
	int i = last_at_or_below(pamt, base);

	return i >= 0 && pamt->tdmrs[i].base == base ? i : -1;
}

int tdxsim_pamt_find_tdmr_info(struct tdxsim_pamt *pamt, uint64_t base, uint64_t *size,
			       uint64_t *next_to_init)
{
	/* A host initializes one TDMR after the other: the last one found is checked first. */
	int i = pamt->last_found < pamt->num_tdmrs && pamt->tdmrs[pamt->last_found].base == base
			? (int)pamt->last_found
			: tdxsim_pamt_find_tdmr(pamt, base);

	if (i >= 0) {
		pamt->last_found = (unsigned)i;
		*size = pamt->tdmrs[i].size;
		*next_to_init = pamt->tdmrs[i].next_to_init;
	}
	return i;
}

const struct tdxsim_pamt_tdmr *tdxsim_pamt_tdmr_of(const struct tdxsim_pamt *pamt, uint64_t pa)
{
	/* The const is for callers; the hint is a cache (pamt_priv.h). */
	struct tdxsim_pamt *w = (struct tdxsim_pamt *)pamt;
	unsigned h = atomic_load_explicit(&w->last_hit, memory_order_relaxed);
	if (h < pamt->num_tdmrs && pa >= pamt->tdmrs[h].base &&
	    pa - pamt->tdmrs[h].base < pamt->tdmrs[h].size)
		return &pamt->tdmrs[h];
	int i = last_at_or_below(pamt, pa);

	/* Sheet 8.2 "Addressing": last TDMR with base <= PA, and PA must be below its end. */
	if (i < 0 || pa - pamt->tdmrs[i].base >= pamt->tdmrs[i].size)
		return NULL;
	atomic_store_explicit(&w->last_hit, (unsigned)i, memory_order_relaxed);
	return &pamt->tdmrs[i];
}

void tdxsim_pamt_tdmr_info(const struct tdxsim_pamt *pamt, unsigned idx, uint64_t *base, uint64_t *size,
			   uint64_t *next_to_init)
{
	const struct tdxsim_pamt_tdmr *t = &pamt->tdmrs[idx];

	if (base)
		*base = t->base;
	if (size)
		*size = t->size;
	if (next_to_init)
		*next_to_init = t->next_to_init;
}

int tdxsim_pamt_init_chunk(struct tdxsim_pamt *pamt, unsigned idx)
{
	struct tdxsim_pamt_tdmr *t;
	uint64_t left;

	if (idx >= pamt->num_tdmrs)
		return 0;
	t = &pamt->tdmrs[idx];
	left = t->base + t->size - t->next_to_init;
	if (left == 0)
		return 0;
	/*
	 * Initial values need no writes here: absent nodes read as initial (pamt_priv.h), so one
	 * TDH.SYS.TDMR.INIT step (sheet 7.2, 1024 4K entries = 4 MiB) is only the progress update.
	 */
	t->next_to_init += left < TDXSIM_TDMR_INIT_CHUNK ? left : TDXSIM_TDMR_INIT_CHUNK;
	return 1;
}

void tdxsim_pamt_get_stats(const struct tdxsim_pamt *pamt, tdxsim_pamt_stats_t *out)
{
	memset(out, 0, sizeof(*out));
	out->num_tdmrs = pamt->num_tdmrs;
	for (unsigned i = 0; i < pamt->num_tdmrs; i++) {
		const struct tdxsim_pamt_tdmr *t = &pamt->tdmrs[i];

		out->covered_bytes += t->size;
		out->pamt_bytes += t->pamt_bytes;
		out->initialized_bytes += tdxsim_pamt_init_limit(t) - t->base;
	}
	out->host_metadata_bytes = pamt->host_bytes;
}
