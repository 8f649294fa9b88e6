/* SPDX-License-Identifier: MIT */
/*
 * PAMT entries: the walk RDMD/RECLAIM use, and the NDA <-> owned transitions of sheet 8.2.
 * Every operation checks, in this order: level (and the type it may carry), alignment,
 * coverage (inside one TDMR, in initialized 1 GiB blocks), then the entries; it changes
 * nothing unless it returns TDXSIM_PAMT_OK.
 */
#include "pamt/pamt_priv.h"

/* Index of the 2 MiB region within its GiB, and of the 4 KiB page within its 2 MiB region. */
static inline unsigned idx_2m(uint64_t off)
{
	return (unsigned)(off >> 21) & (TDXSIM_PAMT_FANOUT - 1);
}

static inline unsigned idx_4k(uint64_t off)
{
	return (unsigned)(off >> 12) & (TDXSIM_PAMT_FANOUT - 1);
}

static inline struct tdxsim_pamt_gib *gib_at(const struct tdxsim_pamt_tdmr *t, uint64_t off)
{
	return t->blocks[off >> 30];
}

static void leaf_from_table(const struct tdxsim_pamt_table *tab, unsigned i, unsigned level,
			    struct tdxsim_pamt_leaf *out)
{
	out->type = tab->type[i];
	out->level = (uint8_t)level;
	out->owner = tab->owner[i];
	out->bepoch = tab->bepoch ? tab->bepoch[i] : 0;
}

/* The walk of sheet 8.2 inside TDMR @t, at offset @off of a covered page. */
static void walk_in(const struct tdxsim_pamt_tdmr *t, uint64_t off, struct tdxsim_pamt_leaf *out)
{
	const struct tdxsim_pamt_gib *gib = gib_at(t, off);
	const struct tdxsim_pamt_table *tab;

	if (gib && gib->type == TDXSIM_PT_REG) {
		out->type = gib->type;
		out->level = TDXSIM_PS_1G;
		out->owner = gib->owner;
		out->bepoch = gib->bepoch;
		return;
	}
	if (gib && gib->t2m && gib->t2m->type[idx_2m(off)] == TDXSIM_PT_REG) {
		leaf_from_table(gib->t2m, idx_2m(off), TDXSIM_PS_2M, out);
		return;
	}
	tab = gib ? gib->t4k[idx_2m(off)] : NULL;
	if (tab) {
		leaf_from_table(tab, idx_4k(off), TDXSIM_PS_4K, out);
		return;
	}
	/* Never touched: the initial value of sheet 8.2. */
	out->type = tdxsim_pamt_reserved(t, tdxsim_align_down(off, TDXSIM_4K), TDXSIM_4K) ? TDXSIM_PT_RSVD
											  : TDXSIM_PT_NDA;
	out->level = TDXSIM_PS_4K;
	out->owner = 0;
	out->bepoch = 0;
}

enum tdxsim_pamt_result tdxsim_pamt_walk(const struct tdxsim_pamt *pamt, uint64_t pa,
					 struct tdxsim_pamt_leaf *out)
{
	const struct tdxsim_pamt_tdmr *t = tdxsim_pamt_tdmr_of(pamt, pa);

	if (!t || pa >= tdxsim_pamt_init_limit(t))
		return TDXSIM_PAMT_NOT_COVERED;
	walk_in(t, pa - t->base, out);
	return TDXSIM_PAMT_OK;
}

/*
 * Level, alignment, then coverage of the whole page (assign tests the type right after the
 * level). On success *tp is the TDMR and *offp the page's offset in it.
 */
static enum tdxsim_pamt_result locate(const struct tdxsim_pamt *pamt, uint64_t pa, unsigned level,
				      const struct tdxsim_pamt_tdmr **tp, uint64_t *offp)
{
	const struct tdxsim_pamt_tdmr *t;
	uint64_t len, limit;

	if (level > TDXSIM_PS_1G)
		return TDXSIM_PAMT_BAD_LEVEL;
	len = tdxsim_pamt_level_size(level);
	if (!tdxsim_is_aligned(pa, len))
		return TDXSIM_PAMT_MISALIGNED;
	t = tdxsim_pamt_tdmr_of(pamt, pa);
	if (!t)
		return TDXSIM_PAMT_NOT_COVERED;
	/* The init limit is a block boundary or the TDMR end, so this also keeps pa + len in t. */
	limit = tdxsim_pamt_init_limit(t);
	if (pa >= limit || len > limit - pa)
		return TDXSIM_PAMT_NOT_COVERED;
	*tp = t;
	*offp = pa - t->base;
	return TDXSIM_PAMT_OK;
}

/* Only PT_REG pages are represented at 2M/1G (sheet 8.2 "Walk"); NDA/RSVD are not owners. */
static bool type_fits_level(uint8_t type, unsigned level)
{
	if (level != TDXSIM_PS_4K)
		return type == TDXSIM_PT_REG;
	return type != TDXSIM_PT_NDA && type != TDXSIM_PT_RSVD && type < TDXSIM_PAMT_NUM_TYPES;
}

/* Whether the page at @off/@level is free: nothing owned in it, nor a larger leaf over it. */
static bool page_free(const struct tdxsim_pamt_gib *gib, uint64_t off, unsigned level)
{
	if (!gib)
		return true;
	if (gib->type != TDXSIM_PT_NDA)
		return false;
	if (level == TDXSIM_PS_1G) {
		if (gib->t2m && gib->t2m->busy)
			return false;
		for (unsigned i = 0; i < TDXSIM_PAMT_FANOUT; i++) {
			if (gib->t4k[i] && gib->t4k[i]->busy)
				return false;
		}
		return true;
	}
	if (gib->t2m && gib->t2m->type[idx_2m(off)] != TDXSIM_PT_NDA)
		return false;
	if (level == TDXSIM_PS_2M)
		return !gib->t4k[idx_2m(off)] || !gib->t4k[idx_2m(off)]->busy;
	return !gib->t4k[idx_2m(off)] || gib->t4k[idx_2m(off)]->type[idx_4k(off)] == TDXSIM_PT_NDA;
}

/* A table of 4K entries for the 2 MiB region at @off2m, holding its initial values. */
static struct tdxsim_pamt_table *new_4k_table(struct tdxsim_pamt *pamt, const struct tdxsim_pamt_tdmr *t,
					      uint64_t off2m)
{
	struct tdxsim_pamt_table *tab = tdxsim_pamt_zalloc(pamt, sizeof(*tab));

	if (!tab || !tdxsim_pamt_reserved(t, off2m, TDXSIM_2M))
		return tab;
	uint64_t bits[TDXSIM_PAMT_BITS_WORDS];
	tdxsim_pamt_reserved_bits(t, off2m, bits);
	/* Set bits only, a word at a time (not a test per entry). */
	for (unsigned w = 0; w < TDXSIM_PAMT_BITS_WORDS; w++) {
		for (uint64_t b = bits[w]; b; b &= b - 1) {
			tab->type[w * 64 + (unsigned)__builtin_ctzll(b)] = TDXSIM_PT_RSVD;
			tab->busy++;
		}
	}
	return tab;
}

/*
 * Allocates what an entry at @off/@level needs before anything is written, so that running
 * out of memory leaves the entries unchanged (an unused node reads as initial values).
 */
static enum tdxsim_pamt_result make_nodes(struct tdxsim_pamt *pamt, struct tdxsim_pamt_tdmr *t, uint64_t off,
					  unsigned level)
{
	struct tdxsim_pamt_gib **slot = &t->blocks[off >> 30];

	if (!*slot) {
		*slot = tdxsim_pamt_zalloc(pamt, sizeof(**slot));
		if (!*slot)
			return TDXSIM_PAMT_NO_MEMORY;
	}
	if (level == TDXSIM_PS_2M && !(*slot)->t2m) {
		(*slot)->t2m = tdxsim_pamt_zalloc(pamt, sizeof(*(*slot)->t2m));
		if (!(*slot)->t2m)
			return TDXSIM_PAMT_NO_MEMORY;
	}
	if (level == TDXSIM_PS_4K && !(*slot)->t4k[idx_2m(off)]) {
		(*slot)->t4k[idx_2m(off)] = new_4k_table(pamt, t, tdxsim_align_down(off, TDXSIM_2M));
		if (!(*slot)->t4k[idx_2m(off)])
			return TDXSIM_PAMT_NO_MEMORY;
		(*slot)->t4k_runs |= UINT64_C(1) << (idx_2m(off) / TDXSIM_PAMT_RUN);
	}
	return TDXSIM_PAMT_OK;
}

/* Writes the entry at @off/@level (owner NULL: keep it, stale; else a new owner, whose BEPOCH
 * starts at 0, sheet 8.2). Nodes must exist. */
static void set_entry(struct tdxsim_pamt_tdmr *t, uint64_t off, unsigned level, uint8_t type,
		      const uint64_t *owner)
{
	struct tdxsim_pamt_gib *gib = gib_at(t, off);
	struct tdxsim_pamt_table *tab;
	uint8_t old;
	unsigned i;

	if (level == TDXSIM_PS_1G) {
		gib->type = type;
		/* Leaving an owner writes only the type byte: the owner goes stale (sheet 8.2). */
		if (owner) {
			gib->owner = *owner;
			gib->bepoch = 0;
		}
		return;
	}
	tab = level == TDXSIM_PS_2M ? gib->t2m : gib->t4k[idx_2m(off)];
	i = level == TDXSIM_PS_2M ? idx_2m(off) : idx_4k(off);
	old = tab->type[i];
	tab->type[i] = type;
	tab->busy += (type != TDXSIM_PT_NDA) - (old != TDXSIM_PT_NDA);
	if (owner) {
		tab->owner[i] = *owner;
		if (tab->bepoch)
			tab->bepoch[i] = 0;
	}
}

enum tdxsim_pamt_result tdxsim_pamt_assign(struct tdxsim_pamt *pamt, uint64_t pa, unsigned level,
					   uint8_t type, uint64_t owner)
{
	const struct tdxsim_pamt_tdmr *t;
	struct tdxsim_pamt_tdmr *wt;
	uint64_t off;
	enum tdxsim_pamt_result r;

	/* A type the level cannot hold is an argument error of the same kind as a bad level. */
	if (level <= TDXSIM_PS_1G && !type_fits_level(type, level))
		return TDXSIM_PAMT_BAD_LEVEL;
	r = locate(pamt, pa, level, &t, &off);
	if (r != TDXSIM_PAMT_OK)
		return r;
	/* Reserved pages are fixed for the TDMR's life, so they fail first, before ownership. */
	if (tdxsim_pamt_reserved(t, off, tdxsim_pamt_level_size(level)))
		return TDXSIM_PAMT_RESERVED;
	if (!page_free(gib_at(t, off), off, level))
		return TDXSIM_PAMT_NOT_FREE;

	/* The store owns its TDMR array; locate() hands out const views of it. */
	wt = &pamt->tdmrs[t - pamt->tdmrs];
	r = make_nodes(pamt, wt, off, level);
	if (r != TDXSIM_PAMT_OK)
		return r;
	set_entry(wt, off, level, type, &owner);
	pamt->owned[level][type]++;
	return TDXSIM_PAMT_OK;
}

enum tdxsim_pamt_result tdxsim_pamt_release(struct tdxsim_pamt *pamt, uint64_t pa, unsigned level)
{
	const struct tdxsim_pamt_tdmr *t;
	struct tdxsim_pamt_leaf leaf;
	uint64_t off;
	enum tdxsim_pamt_result r;

	r = locate(pamt, pa, level, &t, &off);
	if (r != TDXSIM_PAMT_OK)
		return r;
	/* The leaf must end exactly here: a 4K release inside a 2M leaf is not that leaf. */
	walk_in(t, off, &leaf);
	if (leaf.level != level || leaf.type == TDXSIM_PT_NDA || leaf.type == TDXSIM_PT_RSVD)
		return TDXSIM_PAMT_NOT_ASSIGNED;

	/* An owned leaf exists, so its nodes do too. */
	set_entry(&pamt->tdmrs[t - pamt->tdmrs], off, level, TDXSIM_PT_NDA, NULL);
	pamt->owned[level][leaf.type]--;
	return TDXSIM_PAMT_OK;
}

enum tdxsim_pamt_result tdxsim_pamt_set_bepoch(struct tdxsim_pamt *pamt, uint64_t pa, unsigned level,
					       uint64_t bepoch)
{
	const struct tdxsim_pamt_tdmr *t;
	struct tdxsim_pamt_leaf leaf;
	uint64_t off;
	enum tdxsim_pamt_result r = locate(pamt, pa, level, &t, &off);

	if (r != TDXSIM_PAMT_OK)
		return r;
	walk_in(t, off, &leaf);
	if (leaf.level != level || leaf.type == TDXSIM_PT_NDA || leaf.type == TDXSIM_PT_RSVD)
		return TDXSIM_PAMT_NOT_ASSIGNED;
	/* An owned leaf exists, so its nodes do too. */
	struct tdxsim_pamt_gib *gib = gib_at(t, off);
	if (level == TDXSIM_PS_1G) {
		gib->bepoch = bepoch;
		return TDXSIM_PAMT_OK;
	}
	struct tdxsim_pamt_table *tab = level == TDXSIM_PS_2M ? gib->t2m : gib->t4k[idx_2m(off)];
	if (!tab->bepoch) {
		if (!bepoch)
			return TDXSIM_PAMT_OK;
		tab->bepoch = tdxsim_pamt_zalloc(pamt, TDXSIM_PAMT_FANOUT * sizeof(*tab->bepoch));
		if (!tab->bepoch)
			return TDXSIM_PAMT_NO_MEMORY;
	}
	tab->bepoch[level == TDXSIM_PS_2M ? idx_2m(off) : idx_4k(off)] = bepoch;
	return TDXSIM_PAMT_OK;
}

enum tdxsim_pamt_result tdxsim_pamt_prepare(struct tdxsim_pamt *pamt, uint64_t pa, unsigned level)
{
	const struct tdxsim_pamt_tdmr *t;
	uint64_t off;
	enum tdxsim_pamt_result r = locate(pamt, pa, level, &t, &off);

	if (r != TDXSIM_PAMT_OK)
		return r;
	return make_nodes(pamt, &pamt->tdmrs[t - pamt->tdmrs], off, level);
}

enum tdxsim_pamt_result tdxsim_pamt_demote(struct tdxsim_pamt *pamt, uint64_t pa, unsigned level)
{
	const struct tdxsim_pamt_tdmr *t;
	struct tdxsim_pamt_leaf leaf;
	uint64_t off;
	enum tdxsim_pamt_result r;

	if (level != TDXSIM_PS_2M && level != TDXSIM_PS_1G)
		return TDXSIM_PAMT_BAD_LEVEL;
	if ((r = locate(pamt, pa, level, &t, &off)) != TDXSIM_PAMT_OK)
		return r;
	walk_in(t, off, &leaf);
	if (leaf.level != level || leaf.type != TDXSIM_PT_REG)
		return TDXSIM_PAMT_NOT_ASSIGNED;
	struct tdxsim_pamt_tdmr *wt = &pamt->tdmrs[t - pamt->tdmrs];
	/* The children's table first: the only step that allocates. */
	if ((r = make_nodes(pamt, wt, off, level - 1)) != TDXSIM_PAMT_OK)
		return r;
	uint64_t step = tdxsim_pamt_level_size(level - 1);
	for (unsigned i = 0; i < TDXSIM_PAMT_FANOUT; i++)
		set_entry(wt, off + i * step, level - 1, leaf.type, &leaf.owner); /* BEPOCH 0 */
	set_entry(wt, off, level, TDXSIM_PT_NDA, NULL); /* type only: owner and BEPOCH stale */
	pamt->owned[level][leaf.type]--;
	pamt->owned[level - 1][leaf.type] += TDXSIM_PAMT_FANOUT;
	return TDXSIM_PAMT_OK;
}

enum tdxsim_pamt_result tdxsim_pamt_promote(struct tdxsim_pamt *pamt, uint64_t pa, unsigned level)
{
	const struct tdxsim_pamt_tdmr *t;
	struct tdxsim_pamt_leaf first, leaf;
	uint64_t off;
	enum tdxsim_pamt_result r;

	if (level != TDXSIM_PS_2M && level != TDXSIM_PS_1G)
		return TDXSIM_PAMT_BAD_LEVEL;
	if ((r = locate(pamt, pa, level, &t, &off)) != TDXSIM_PAMT_OK)
		return r;
	uint64_t step = tdxsim_pamt_level_size(level - 1);
	walk_in(t, off, &first);
	for (unsigned i = 0; i < TDXSIM_PAMT_FANOUT; i++) {
		walk_in(t, off + i * step, &leaf);
		if (leaf.level != level - 1 || leaf.type != TDXSIM_PT_REG || leaf.owner != first.owner)
			return TDXSIM_PAMT_NOT_ASSIGNED;
	}
	struct tdxsim_pamt_tdmr *wt = &pamt->tdmrs[t - pamt->tdmrs];
	if ((r = make_nodes(pamt, wt, off, level)) != TDXSIM_PAMT_OK)
		return r;
	for (unsigned i = 0; i < TDXSIM_PAMT_FANOUT; i++)
		set_entry(wt, off + i * step, level - 1, TDXSIM_PT_NDA, NULL);
	/* pamt_promote writes the type and owner of the merged entry; its BEPOCH stays. */
	struct tdxsim_pamt_gib *gib = gib_at(wt, off);
	if (level == TDXSIM_PS_1G) {
		gib->type = first.type;
		gib->owner = first.owner;
	} else {
		gib->t2m->type[idx_2m(off)] = first.type;
		gib->t2m->owner[idx_2m(off)] = first.owner;
		gib->t2m->busy++;
	}
	pamt->owned[level - 1][first.type] -= TDXSIM_PAMT_FANOUT;
	pamt->owned[level][first.type]++;
	return TDXSIM_PAMT_OK;
}
