/* SPDX-License-Identifier: MIT */
/* Secure-EPT storage, states and the walk (sept.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "sept/sept.h"

unsigned tdxsim_sept_arch_state(unsigned code)
{
	switch (code) {
	case TDXSIM_SEPT_FREE:
		return 0;
	case TDXSIM_SEPT_BLOCKED:
		return 1;
	case TDXSIM_SEPT_PENDING:
		return 2;
	case TDXSIM_SEPT_PENDING_BLOCKED:
		return 3;
	case TDXSIM_SEPT_MAPPED:
		return 4;
	case TDXSIM_SEPT_REMOVED:
		return 5;
	case TDXSIM_SEPT_BLOCKEDW:
		return 8;
	case TDXSIM_SEPT_EXPORTED_BLOCKEDW:
		return 9;
	case TDXSIM_SEPT_EXPORTED_DIRTY:
		return 11;
	case TDXSIM_SEPT_EXPORTED_DIRTY_BLOCKEDW:
		return 12;
	case TDXSIM_SEPT_PENDING_BLOCKEDW:
		return 16;
	case TDXSIM_SEPT_PENDING_EXPORTED_BLOCKEDW:
		return 17;
	case TDXSIM_SEPT_PENDING_EXPORTED_DIRTY:
		return 19;
	case TDXSIM_SEPT_PENDING_EXPORTED_DIRTY_BLOCKEDW:
		return 20;
	case TDXSIM_SEPT_NL_BLOCKED:
		return 0x81;
	case TDXSIM_SEPT_NL_MAPPED:
		return 0x84;
	default:
		return 0xFF;
	}
}

void tdxsim_septe_ext(uint64_t e, unsigned level, uint64_t *rcx, uint64_t *rdx)
{
	unsigned code = tdxsim_septe_state(e);
	if (code == TDXSIM_SEPT_FREE)
		*rcx = TDXSIM_SEPTE_SVE;
	else if (tdxsim_septe_is_leaf(e))
		*rcx = e & (TDXSIM_SEPTE_RWX | (UINT64_C(7) << 3) | TDXSIM_SEPTE_HPA_MASK |
			    TDXSIM_SEPTE_IPAT | TDXSIM_SEPTE_PS | TDXSIM_SEPTE_SVE);
	else
		*rcx = e & (TDXSIM_SEPTE_RWX | TDXSIM_SEPTE_PS);
	*rdx = (uint64_t)level | (uint64_t)tdxsim_sept_arch_state(code) << 8;
}

struct tdxsim_sept *tdxsim_sept_new(uint64_t root_pa, unsigned root_level)
{
	struct tdxsim_sept *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->root_pa = root_pa;
	s->root_level = root_level;
	if (!(s->root = tdxsim_sept_table_add(s, root_pa, root_level))) {
		free(s);
		return NULL;
	}
	return s;
}

void tdxsim_sept_free(struct tdxsim_sept *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->tables.cap; i++)
		free(s->tables.slots[i].val);
	tdxsim_u64map_free(&s->tables);
	free(s);
}

struct tdxsim_sept *tdxsim_sept_dup(const struct tdxsim_sept *s)
{
	struct tdxsim_sept *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->root_pa = s->root_pa;
	d->root_level = s->root_level;
	d->gen = s->gen + 1; /* the copied tables' hints name the source's tables: stale */
	for (size_t i = 0; i < s->tables.cap; i++) {
		const struct tdxsim_sept_table *t = s->tables.slots[i].val;
		if (!t)
			continue;
		struct tdxsim_sept_table *c = malloc(sizeof(*c));
		if (!c || tdxsim_u64map_put(&d->tables, t->pa, c)) {
			free(c);
			tdxsim_sept_free(d);
			return NULL;
		}
		memcpy(c, t, sizeof(*c));
	}
	d->root = tdxsim_sept_table_get(d, d->root_pa);
	return d;
}

void tdxsim_sept_set_root_level(struct tdxsim_sept *s, unsigned root_level)
{
	s->root_level = root_level;
	tdxsim_sept_table_get(s, s->root_pa)->level = root_level;
}

struct tdxsim_sept_table *tdxsim_sept_table_add(struct tdxsim_sept *s, uint64_t pa, unsigned level)
{
	struct tdxsim_sept_table *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	if (pa == s->root_pa)
		s->root = NULL; /* found again by the next walk */
	t->pa = pa;
	t->level = level;
	for (unsigned i = 0; i < TDXSIM_SEPT_ENTRIES; i++)
		t->e[i] = TDXSIM_SEPTE_FREE_VALUE;
	if (tdxsim_u64map_put(&s->tables, pa, t)) {
		free(t);
		return NULL;
	}
	s->gen++;
	atomic_store_explicit(&t->hint_gen, s->gen, memory_order_relaxed); /* no hints yet: valid */
	return t;
}

struct tdxsim_sept_table *tdxsim_sept_table_get(const struct tdxsim_sept *s, uint64_t pa)
{
	return tdxsim_u64map_get(&s->tables, pa);
}

void tdxsim_sept_table_del(struct tdxsim_sept *s, uint64_t pa)
{
	if (pa == s->root_pa)
		s->root = NULL;
	s->gen++;
	free(tdxsim_u64map_del(&s->tables, pa));
}

/* The table at @pa that entry @i of @t points at, from the entry's walk hint when it is
 * current (sept.h), else looked up and remembered. */
static struct tdxsim_sept_table *child_of(const struct tdxsim_sept *s, struct tdxsim_sept_table *t,
					  unsigned i, uint64_t pa)
{
	struct tdxsim_sept_table *c;
	if (atomic_load_explicit(&t->hint_gen, memory_order_relaxed) == s->gen) {
		c = atomic_load_explicit(&t->child[i], memory_order_relaxed);
		if (c && c->pa == pa)
			return c;
	} else {
		for (unsigned j = 0; j < TDXSIM_SEPT_ENTRIES; j++)
			atomic_store_explicit(&t->child[j], NULL, memory_order_relaxed);
		atomic_store_explicit(&t->hint_gen, s->gen, memory_order_relaxed);
	}
	c = tdxsim_sept_table_get(s, pa);
	atomic_store_explicit(&t->child[i], c, memory_order_relaxed);
	return c;
}

uint64_t *tdxsim_sept_walk(const struct tdxsim_sept *s, uint64_t gpa, unsigned level, unsigned *reached,
			   struct tdxsim_sept_table **parent)
{
	struct tdxsim_sept_table *t = s->root ? s->root : tdxsim_sept_table_get(s, s->root_pa);
	unsigned l = s->root_level;
	for (;;) {
		unsigned i = tdxsim_sept_index(gpa, l);
		uint64_t *e = &t->e[i];
		struct tdxsim_sept_table *next = NULL;
		if (l > level && !tdxsim_septe_is_leaf(*e) && (*e & TDXSIM_SEPTE_RWX))
			next = child_of(s, t, i, *e & TDXSIM_SEPTE_HPA_MASK);
		if (l == level || !next) {
			/* A present non-leaf entry always has its table (sept_check); a missing one
			 * would be a broken invariant, and stopping here is the safe answer. */
			*reached = l;
			if (parent)
				*parent = t;
			return e;
		}
		t = next;
		l--;
	}
}

/*
 * The hash and the checker run after every fuzzed operation over tables that are mostly FREE:
 * both pass over runs of FREE entries with one test per run. A FREE entry adds nothing to the
 * hash and passes every check (a known state, not a leaf, points at no table), so the result
 * is the same.
 */

TDXSIM_NO_ASAN uint64_t tdxsim_sept_used_runs(const struct tdxsim_sept_table *t)
{
	tdxsim_asan_check(t->e, sizeof(t->e));
	const uint64_t f = TDXSIM_SEPTE_FREE_VALUE;
	uint64_t used = 0;
	/* No calls in here: a callee would be instrumented again. */
	for (unsigned r = 0; r < TDXSIM_SEPT_ENTRIES / TDXSIM_SEPT_FREE_RUN; r++) {
		const uint64_t *e = &t->e[r * TDXSIM_SEPT_FREE_RUN];
		uint64_t diff = (e[0] ^ f) | (e[1] ^ f) | (e[2] ^ f) | (e[3] ^ f) | (e[4] ^ f) | (e[5] ^ f) |
				(e[6] ^ f) | (e[7] ^ f);
		used |= (uint64_t)(diff != 0) << r;
	}
	return used;
}

/*
 * The hash is order-independent: the sum of one hash per table (its PA, level and every entry
 * that is not FREE, with its index), folded with the root. The checker computes the same in its
 * own pass when asked; these three steps are the one definition both use.
 */
static uint64_t table_seed(const struct tdxsim_sept_table *t)
{
	return tdxsim_hash_u64(tdxsim_hash_u64(TDXSIM_HASH_SEED, t->pa), t->level);
}

static uint64_t entry_step(uint64_t th, unsigned j, uint64_t e)
{
	return e != TDXSIM_SEPTE_FREE_VALUE ? tdxsim_hash_u64(tdxsim_hash_u64(th, j), e) : th;
}

static uint64_t sept_fold(const struct tdxsim_sept *s, uint64_t h, uint64_t sum)
{
	return tdxsim_hash_u64(tdxsim_hash_u64(h, s->root_pa), sum);
}

uint64_t tdxsim_sept_hash(const struct tdxsim_sept *s, uint64_t h)
{
	uint64_t sum = 0;
	for (size_t i = 0; i < s->tables.cap; i++) {
		const struct tdxsim_sept_table *t = s->tables.slots[i].val;
		if (!t)
			continue;
		uint64_t th = table_seed(t);
		uint64_t used = tdxsim_sept_used_runs(t);
		for (unsigned r = 0; r < TDXSIM_SEPT_ENTRIES; r += TDXSIM_SEPT_FREE_RUN) {
			if (!(used >> (r / TDXSIM_SEPT_FREE_RUN) & 1))
				continue;
			for (unsigned j = r; j < r + TDXSIM_SEPT_FREE_RUN; j++)
				th = entry_step(th, j, t->e[j]);
		}
		sum += th;
	}
	return sept_fold(s, h, sum);
}

int tdxsim_sept_check(const struct tdxsim_sept *s, bool torn_down, uint64_t *hash, char *msg, size_t len)
{
	size_t pointed = 0;
	uint64_t sum = 0;
	if (!tdxsim_sept_table_get(s, s->root_pa)) {
		snprintf(msg, len, "sept: root table %#llx missing", (unsigned long long)s->root_pa);
		return -1;
	}
	for (size_t i = 0; i < s->tables.cap; i++) {
		const struct tdxsim_sept_table *t = s->tables.slots[i].val;
		if (!t)
			continue;
		uint64_t used = tdxsim_sept_used_runs(t), th = hash ? table_seed(t) : 0;
		for (unsigned r = 0; r < TDXSIM_SEPT_ENTRIES; r += TDXSIM_SEPT_FREE_RUN) {
			if (!(used >> (r / TDXSIM_SEPT_FREE_RUN) & 1))
				continue;
			for (unsigned j = r; j < r + TDXSIM_SEPT_FREE_RUN; j++) {
				uint64_t e = t->e[j];
				unsigned code = tdxsim_septe_state(e);
				if (hash)
					th = entry_step(th, j, e);
				if (tdxsim_sept_arch_state(code) == 0xFF) {
					snprintf(msg, len, "sept: table %#llx entry %u has no state (%#llx)",
						 (unsigned long long)t->pa, j, (unsigned long long)e);
					return -1;
				}
				if (tdxsim_septe_is_leaf(e) && t->level > 2) {
					snprintf(msg, len, "sept: leaf at level %u", t->level);
					return -1;
				}
				if (code != TDXSIM_SEPT_NL_MAPPED && code != TDXSIM_SEPT_NL_BLOCKED)
					continue;
				const struct tdxsim_sept_table *c =
					tdxsim_sept_table_get(s, e & TDXSIM_SEPTE_HPA_MASK);
				if (!c && torn_down && t->level)
					continue; /* its page reclaimed (sept.h) */
				if (t->level == 0 || !c || c->level != t->level - 1) {
					snprintf(msg, len,
						 "sept: table %#llx entry %u points at no table of level %u",
						 (unsigned long long)t->pa, j, t->level ? t->level - 1 : 0);
					return -1;
				}
				pointed++;
			}
		}
		sum += th;
	}
	/* Torn down, a table whose parent page was reclaimed first is pointed at by nothing. */
	if (torn_down ? pointed + 1 > s->tables.n : pointed + 1 != s->tables.n) {
		snprintf(msg, len, "sept: %zu tables, %zu pointed at (plus the root)", s->tables.n, pointed);
		return -1;
	}
	if (hash)
		*hash = sept_fold(s, *hash, sum);
	return 0;
}
