/* SPDX-License-Identifier: MIT */
/* Copies of a PAMT store for simulator snapshots (pamt.h, sim/snapshot.c): a deep copy, and
 * the in-place restore. */
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
	g->t4k_runs = src->t4k_runs;
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

/* ---- In-place restore ----
 * One walk of @saved's nodes beside @live's, run twice: prepare (r->apply false) allocates
 * each node @live lacks and lists it; commit (true) takes them from the list in the same
 * order, copies every node's content and frees the nodes @saved lacks. */

struct sync {
	struct tdxsim_pamt *live;
	struct tdxsim_pamt_restore *r;
	bool apply;
	size_t next; /* commit: the next spare node */
	bool nomem;
};

static const size_t column_bytes = TDXSIM_PAMT_FANOUT * sizeof(uint64_t);

/* Prepare: a zeroed node of @bytes on the list (NULL). Commit: the next one, counted in. */
static void *spare(struct sync *y, size_t bytes)
{
	struct tdxsim_pamt_restore *r = y->r;
	if (y->apply) {
		y->live->host_bytes += bytes;
		return r->spare[y->next++];
	}
	if (y->nomem)
		return NULL;
	if (r->num_spare == r->cap_spare) {
		size_t cap = r->cap_spare ? 2 * r->cap_spare : 16;
		void **n = realloc(r->spare, cap * sizeof(*n));
		if (!n) {
			y->nomem = true;
			return NULL;
		}
		r->spare = n;
		r->cap_spare = cap;
	}
	void *m = calloc(1, bytes);
	if (!m)
		y->nomem = true;
	else
		r->spare[r->num_spare++] = m;
	return NULL;
}

static void sync_table(struct sync *y, struct tdxsim_pamt_table **slot, const struct tdxsim_pamt_table *src)
{
	struct tdxsim_pamt_table *t = *slot;
	if (!src) {
		if (y->apply && t) {
			tdxsim_pamt_free_table(y->live, t);
			*slot = NULL;
		}
		return;
	}
	if (!t) {
		t = spare(y, sizeof(*t));
		if (y->apply)
			*slot = t;
	}
	if (src->bepoch && !(t && t->bepoch)) {
		uint64_t *col = spare(y, column_bytes);
		if (y->apply)
			t->bepoch = col;
	}
	if (!y->apply)
		return;
	if (!src->bepoch && t->bepoch) {
		tdxsim_pamt_free_mem(y->live, t->bepoch, column_bytes);
		t->bepoch = NULL;
	}
	uint64_t *col = t->bepoch;
	memcpy(t, src, sizeof(*t));
	t->bepoch = col;
	if (col)
		memcpy(col, src->bepoch, column_bytes);
}

static void sync_gib(struct sync *y, struct tdxsim_pamt_gib **slot, const struct tdxsim_pamt_gib *src)
{
	struct tdxsim_pamt_gib *g = *slot, none = {0};
	if (!src) {
		if (y->apply && g) {
			tdxsim_pamt_free_gib(y->live, g);
			*slot = NULL;
		}
		return;
	}
	if (!g) {
		g = spare(y, sizeof(*g));
		if (y->apply)
			*slot = g;
	}
	/* Prepare walks a missing block's tables as missing too: @none stands in for it. */
	struct tdxsim_pamt_gib *d = g ? g : &none;
	if (y->apply) {
		d->owner = src->owner;
		d->bepoch = src->bepoch;
		d->type = src->type;
	}
	sync_table(y, &d->t2m, src->t2m);
	for (unsigned i = 0; i < TDXSIM_PAMT_FANOUT; i += TDXSIM_PAMT_RUN) {
		/* Eight slots empty on both sides: nothing to copy, allocate or free. */
		if (tdxsim_pamt_no_t4k_run(src, i) && tdxsim_pamt_no_t4k_run(d, i))
			continue;
		for (unsigned j = i; j < i + TDXSIM_PAMT_RUN; j++)
			sync_table(y, &d->t4k[j], src->t4k[j]);
	}
	if (y->apply)
		d->t4k_runs = src->t4k_runs;
}

/* Whether @live has @saved's TDMRs with the same block arrays: then only nodes below differ. */
static bool same_tdmrs(const struct tdxsim_pamt *live, const struct tdxsim_pamt *saved)
{
	if (live->num_tdmrs != saved->num_tdmrs)
		return false;
	for (unsigned i = 0; i < saved->num_tdmrs; i++)
		if (live->tdmrs[i].num_blocks != saved->tdmrs[i].num_blocks ||
		    !live->tdmrs[i].blocks != !saved->tdmrs[i].blocks)
			return false;
	return true;
}

static void sync_all(struct sync *y, const struct tdxsim_pamt *saved)
{
	for (unsigned i = 0; i < saved->num_tdmrs; i++) {
		struct tdxsim_pamt_tdmr *d = &y->live->tdmrs[i];
		const struct tdxsim_pamt_tdmr *s = &saved->tdmrs[i];
		if (y->apply) {
			struct tdxsim_pamt_gib **blocks = d->blocks;
			*d = *s;
			d->blocks = blocks;
		}
		if (s->blocks)
			for (uint64_t b = 0; b < s->num_blocks; b++)
				sync_gib(y, &d->blocks[b], s->blocks[b]);
	}
}

int tdxsim_pamt_restore_prepare(struct tdxsim_pamt *live, const struct tdxsim_pamt *saved,
				struct tdxsim_pamt_restore *r)
{
	*r = (struct tdxsim_pamt_restore){0};
	if (!same_tdmrs(live, saved))
		return tdxsim_pamt_clone(saved, &r->clone);
	struct sync y = {.live = live, .r = r};
	sync_all(&y, saved);
	if (y.nomem) {
		tdxsim_pamt_restore_abort(live, r);
		return -1;
	}
	return 0;
}

void tdxsim_pamt_restore_commit(struct tdxsim_pamt **live, const struct tdxsim_pamt *saved,
				struct tdxsim_pamt_restore *r)
{
	if (r->clone) {
		tdxsim_pamt_destroy(*live);
		*live = r->clone;
	} else {
		struct tdxsim_pamt *p = *live;
		struct sync y = {.live = p, .r = r, .apply = true};
		sync_all(&y, saved);
		memcpy(p->owned, saved->owned, sizeof(p->owned));
		p->alloc_budget = saved->alloc_budget;
		p->last_found = 0;
		atomic_store_explicit(&p->last_hit, 0, memory_order_relaxed);
	}
	free(r->spare);
	*r = (struct tdxsim_pamt_restore){0};
}

void tdxsim_pamt_restore_abort(struct tdxsim_pamt *live, struct tdxsim_pamt_restore *r)
{
	for (size_t i = 0; i < r->num_spare; i++)
		free(r->spare[i]);
	free(r->spare);
	tdxsim_pamt_destroy(r->clone);
	(void)live;
	*r = (struct tdxsim_pamt_restore){0};
}
