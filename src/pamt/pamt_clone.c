/* SPDX-License-Identifier: MIT */
/* A deep copy of a PAMT store, for simulator snapshots (pamt.h, sim/snapshot.c). */
#include <stdlib.h>
#include <string.h>

#include "pamt/pamt_priv.h"

static struct tdxsim_pamt_table *clone_table(struct tdxsim_pamt *dst, const struct tdxsim_pamt_table *src)
{
	struct tdxsim_pamt_table *t = tdxsim_pamt_zalloc(dst, sizeof(*t));
	if (!t)
		return NULL;
	memcpy(t, src, sizeof(*t));
	t->bepoch = NULL;
	if (src->bepoch) {
		/* The BEPOCH column is the table's own allocation (pamt_priv.h). */
		t->bepoch = tdxsim_pamt_zalloc(dst, TDXSIM_PAMT_FANOUT * sizeof(*t->bepoch));
		if (!t->bepoch) {
			tdxsim_pamt_free_mem(dst, t, sizeof(*t));
			return NULL;
		}
		memcpy(t->bepoch, src->bepoch, TDXSIM_PAMT_FANOUT * sizeof(*t->bepoch));
	}
	return t;
}

static int clone_gib(struct tdxsim_pamt *dst, const struct tdxsim_pamt_gib *src, struct tdxsim_pamt_gib **out)
{
	struct tdxsim_pamt_gib *g = tdxsim_pamt_zalloc(dst, sizeof(*g));
	*out = g;
	if (!g)
		return -1;
	g->owner = src->owner;
	g->bepoch = src->bepoch;
	g->type = src->type;
	if (src->t2m && !(g->t2m = clone_table(dst, src->t2m)))
		return -1;
	for (unsigned i = 0; i < TDXSIM_PAMT_FANOUT; i++)
		if (src->t4k[i] && !(g->t4k[i] = clone_table(dst, src->t4k[i])))
			return -1;
	return 0;
}

int tdxsim_pamt_clone(const struct tdxsim_pamt *src, struct tdxsim_pamt **out)
{
	struct tdxsim_pamt *dst;
	*out = NULL;
	if (tdxsim_pamt_create(&dst))
		return -1;
	memcpy(dst->owned, src->owned, sizeof(dst->owned));
	dst->alloc_budget = -1; /* the copy itself is never refused by the test hook */
	if (src->cap_tdmrs) {
		dst->tdmrs = tdxsim_pamt_zalloc(dst, (size_t)src->cap_tdmrs * sizeof(*dst->tdmrs));
		if (!dst->tdmrs)
			goto fail;
		dst->cap_tdmrs = src->cap_tdmrs;
	}
	for (unsigned i = 0; i < src->num_tdmrs; i++) {
		const struct tdxsim_pamt_tdmr *s = &src->tdmrs[i];
		struct tdxsim_pamt_tdmr *d = &dst->tdmrs[i];
		*d = *s;
		d->blocks = NULL;
		dst->num_tdmrs = i + 1; /* from here on, destroy() frees what this TDMR got */
		if (!s->blocks)
			continue;
		d->blocks = tdxsim_pamt_zalloc(dst, s->num_blocks * sizeof(*d->blocks));
		if (!d->blocks)
			goto fail;
		for (uint64_t b = 0; b < s->num_blocks; b++)
			if (s->blocks[b] && clone_gib(dst, s->blocks[b], &d->blocks[b]))
				goto fail;
	}
	dst->alloc_budget = src->alloc_budget;
	dst->host_bytes = src->host_bytes; /* the same allocations, counted the same way */
	*out = dst;
	return 0;
fail:
	tdxsim_pamt_destroy(dst);
	return -1;
}
