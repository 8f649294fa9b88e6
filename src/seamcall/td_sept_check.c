/* SPDX-License-Identifier: MIT */
/*
 * Run-time invariants of the secure EPTs against the PAMT (td_sept.h; td-runtime.md 1.2, 1.3,
 * 2.2, 2.4; td-build.md 1.2). They hold between any two calls for every TD whose pages cannot
 * have been reclaimed yet (lifecycle before TEARDOWN):
 *  - no host page is used twice by secure EPTs: a leaf's page range (4K, 2M or 1G) and every
 *    table page are disjoint from every other one, within a TD and across TDs;
 *  - a leaf's HPA is aligned to the leaf's size and is a PT_REG page in the PAMT, owned by the
 *    TD, whose PAMT page size is the SEPT level of the leaf (a 2M leaf maps a 2M PAMT page);
 *  - every table but the root is a 4K PT_EPT page owned by the TD;
 *  - BEPOCH of every page an entry maps (leaf page, or child table for a non-leaf) is the
 *    epoch of its last RANGE.BLOCK, or 0 from AUG / ADD / SEPT.ADD: never after the TD's
 *    current epoch (TRACK only moves it forward), and never with the export flag (bit 63)
 *    while no export is modelled;
 *  - conversely the PAMT has no PT_REG or PT_EPT page of the TD that its secure EPT does not
 *    use (the counts agree: pages are added to both or removed from both in one call).
 * They run after every call of the fuzz targets, so the cost stays linear: one walk of each
 * tree, one sort of the pages, one pass over the PAMT's owned pages (td_common.c).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "seamcall/td_sept.h"

/* Calls @fn for every entry that is not FREE, depth first, with the GPA it starts at. */
typedef int (*sept_visit_fn)(void *user, const struct tdxsim_td *td, uint64_t e, unsigned level,
			     uint64_t gpa);

static int visit_table(const struct tdxsim_td *td, const struct tdxsim_sept_table *t, uint64_t base,
		       sept_visit_fn fn, void *user)
{
	uint64_t used = tdxsim_sept_used_runs(t);
	for (unsigned i = 0; i < TDXSIM_SEPT_ENTRIES; i++) {
		/* Eight entries holding the FREE value (state FREE: nothing to visit), one test. */
		if (i % TDXSIM_SEPT_FREE_RUN == 0 && !(used >> (i / TDXSIM_SEPT_FREE_RUN) & 1)) {
			i += TDXSIM_SEPT_FREE_RUN - 1;
			continue;
		}
		uint64_t e = t->e[i];
		unsigned code = tdxsim_septe_state(e);
		uint64_t gpa = base + ((uint64_t)i << (12 + 9 * t->level));
		if (code == TDXSIM_SEPT_FREE)
			continue;
		if (fn(user, td, e, t->level, gpa))
			return -1;
		if (code != TDXSIM_SEPT_NL_MAPPED && code != TDXSIM_SEPT_NL_BLOCKED)
			continue;
		const struct tdxsim_sept_table *c =
			tdxsim_sept_table_get(td->sept, e & TDXSIM_SEPTE_HPA_MASK);
		/* tdxsim_sept_check() already refused a child that is missing or not one level
		 * down; the guard only keeps this walk finite whatever the tables hold. */
		if (c && t->level && c->level + 1 == t->level && visit_table(td, c, gpa, fn, user))
			return -1;
	}
	return 0;
}

static int sept_foreach(const struct tdxsim_td *td, sept_visit_fn fn, void *user)
{
	const struct tdxsim_sept_table *root = tdxsim_sept_table_get(td->sept, td->sept->root_pa);
	return root ? visit_table(td, root, 0, fn, user) : 0;
}

static bool checked(const struct tdxsim_td *td)
{
	return td->sept && td->lifecycle < TDXSIM_TD_TEARDOWN;
}

static uint64_t leaf_size(unsigned level)
{
	return UINT64_C(4096) << (9 * level);
}

/* ---- No host page used twice ---- */

struct use {
	uint64_t hpa, size, tdr, gpa;
	unsigned level;
	bool table;
};

/* The uses start in @local, on the stack: the check runs after every call of the fuzz targets,
 * and a heap block per check (ASan quarantines each freed one, so each is fresh memory that
 * faults in) was 5% of fuzz_seamcall's time. A TD bigger than that moves them to the heap.
 * 128 (5 KiB) holds what a fuzz input builds; 512 cost ASan half a percent of the fuzzer's time
 * poisoning and unpoisoning the frame's shadow on every check. */
struct uses {
	struct use *u;
	size_t n, cap;
	bool nomem;
	struct use local[128];
};

static void add_use(struct uses *s, struct use u)
{
	if (s->n == s->cap) {
		size_t cap = 2 * s->cap;
		struct use *n = s->u == s->local ? malloc(cap * sizeof(*n)) : realloc(s->u, cap * sizeof(*n));
		if (!n) {
			s->nomem = true;
			return;
		}
		if (s->u == s->local)
			memcpy(n, s->local, sizeof(s->local));
		s->u = n;
		s->cap = cap;
	}
	s->u[s->n++] = u;
}

static int collect(void *user, const struct tdxsim_td *td, uint64_t e, unsigned level, uint64_t gpa)
{
	struct uses *s = user;
	unsigned code = tdxsim_septe_state(e);
	uint64_t hpa = e & TDXSIM_SEPTE_HPA_MASK;
	if (tdxsim_septe_is_leaf(e))
		add_use(s, (struct use){hpa, leaf_size(level), td->tdr_pa, gpa, level, false});
	else if (code == TDXSIM_SEPT_NL_MAPPED || code == TDXSIM_SEPT_NL_BLOCKED)
		add_use(s, (struct use){hpa, 4096, td->tdr_pa, gpa, level, true});
	return s->nomem ? -1 : 0;
}

static int by_hpa(const void *a, const void *b)
{
	const struct use *x = a, *y = b;
	return x->hpa < y->hpa ? -1 : x->hpa > y->hpa;
}

/* ---- Each TD's entries against the PAMT ---- */

struct pamt_check {
	const struct tdxsim *sim;
	char *msg;
	size_t len;
	struct tdxsim_sept_usage *use;
};

static int bepoch_ok(struct pamt_check *pc, const struct tdxsim_td *td, uint64_t gpa, unsigned level,
		     uint64_t bepoch)
{
	if (!(bepoch >> 63) && bepoch <= td->tdcs.td_epoch)
		return 0;
	snprintf(pc->msg, pc->len,
		 "td %#" PRIx64 ": the page the entry at GPA %#" PRIx64
		 " (level %u) maps has BEPOCH %#" PRIx64 ", after the TD epoch %" PRIu64,
		 td->tdr_pa, gpa, level, bepoch, td->tdcs.td_epoch);
	return -1;
}

static int check_entry(void *user, const struct tdxsim_td *td, uint64_t e, unsigned level, uint64_t gpa)
{
	struct pamt_check *pc = user;
	unsigned code = tdxsim_septe_state(e);
	uint64_t hpa = e & TDXSIM_SEPTE_HPA_MASK;
	struct tdxsim_pamt_leaf l;

	if (code == TDXSIM_SEPT_NL_MAPPED || code == TDXSIM_SEPT_NL_BLOCKED) {
		pc->use->tables++;
		if (tdxsim_pamt_walk(pc->sim->pamt, hpa, &l) != TDXSIM_PAMT_OK || l.type != TDXSIM_PT_EPT ||
		    l.level != TDXSIM_PS_4K || l.owner != td->tdr_pa) {
			snprintf(pc->msg, pc->len,
				 "td %#" PRIx64 ": secure-EPT table %#" PRIx64 " is not its PT_EPT page",
				 td->tdr_pa, hpa);
			return -1;
		}
		return bepoch_ok(pc, td, gpa, level, l.bepoch);
	}
	if (!tdxsim_septe_is_leaf(e))
		return 0;
	pc->use->leaf_units += UINT64_C(1) << (9 * level);
	if (hpa & (leaf_size(level) - 1)) {
		snprintf(pc->msg, pc->len,
			 "td %#" PRIx64 ": leaf at GPA %#" PRIx64 " (level %u) maps HPA %#" PRIx64
			 ", not aligned to its size",
			 td->tdr_pa, gpa, level, hpa);
		return -1;
	}
	if (tdxsim_pamt_walk(pc->sim->pamt, hpa, &l) != TDXSIM_PAMT_OK || l.type != TDXSIM_PT_REG) {
		snprintf(pc->msg, pc->len,
			 "td %#" PRIx64 ": leaf at GPA %#" PRIx64 " (level %u) maps no PT_REG page in the "
			 "PAMT (HPA %#" PRIx64 ")",
			 td->tdr_pa, gpa, level, hpa);
		return -1;
	}
	if (l.owner != td->tdr_pa) {
		snprintf(pc->msg, pc->len,
			 "td %#" PRIx64 ": leaf at GPA %#" PRIx64 " maps HPA %#" PRIx64 ", owned by %#" PRIx64
			 " in the PAMT, not by this TD",
			 td->tdr_pa, gpa, hpa, l.owner);
		return -1;
	}
	if (l.level != level) {
		snprintf(pc->msg, pc->len,
			 "td %#" PRIx64 ": leaf at GPA %#" PRIx64
			 " is at SEPT level %u but the PAMT page size of "
			 "HPA %#" PRIx64 " is level %u",
			 td->tdr_pa, gpa, level, hpa, l.level);
		return -1;
	}
	return bepoch_ok(pc, td, gpa, level, l.bepoch);
}

int tdxsim_td_sept_check_pamt(const struct tdxsim *sim, const struct tdxsim_td *td,
			      struct tdxsim_sept_usage *use, char *msg, size_t len)
{
	*use = (struct tdxsim_sept_usage){0};
	if (!checked(td))
		return 0;
	struct pamt_check pc = {.sim = sim, .msg = msg, .len = len, .use = use};
	return sept_foreach(td, check_entry, &pc);
}

int tdxsim_td_sept_check_counts(const struct tdxsim_td *td, const struct tdxsim_sept_usage *use,
				uint64_t reg_units, uint64_t ept_pages, char *msg, size_t len)
{
	if (!checked(td))
		return 0;
	/* Only the counts: check_entry() has matched each entry with its own page. */
	if (reg_units != use->leaf_units) {
		snprintf(
			msg, len,
			"td %#" PRIx64 ": the PAMT has %" PRIu64 " 4K units of PT_REG pages owned by it, its "
			"secure-EPT leaves map %" PRIu64 " (a page no leaf maps, or a leaf without its page)",
			td->tdr_pa, reg_units, use->leaf_units);
		return -1;
	}
	if (ept_pages != use->tables) {
		snprintf(msg, len,
			 "td %#" PRIx64 ": the PAMT has %" PRIu64
			 " PT_EPT pages owned by it, its secure EPT has %" PRIu64 " tables below the root",
			 td->tdr_pa, ept_pages, use->tables);
		return -1;
	}
	return 0;
}

/* ---- Both in one walk ---- */

/* One walk per TD for both checks: every entry is collected, and checked against the PAMT until
 * the TD's first refused one. */
struct both {
	struct uses *s;
	struct pamt_check pc;
};

static int collect_and_check(void *user, const struct tdxsim_td *td, uint64_t e, unsigned level, uint64_t gpa)
{
	struct both *b = user;
	if (collect(b->s, td, e, level, gpa))
		return -1;
	if (b->pc.use && !b->pc.use->pamt_bad && check_entry(&b->pc, td, e, level, gpa))
		b->pc.use->pamt_bad = true;
	return 0;
}

int tdxsim_td_sept_check_unique(const struct tdxsim *sim, const struct tdxsim_tds *t,
				struct tdxsim_sept_usage *(*usage_of)(void *user, const struct tdxsim_td *td),
				void *user, char *msg, size_t len)
{
	struct uses s;
	s.u = s.local;
	s.n = 0;
	s.cap = TDXSIM_ARRAY_SIZE(s.local);
	s.nomem = false;
	for (size_t i = 0; i < t->tds.cap && !s.nomem; i++) {
		const struct tdxsim_td *td = t->tds.slots[i].val;
		if (!td || !checked(td))
			continue;
		add_use(&s, (struct use){td->sept->root_pa, 4096, td->tdr_pa, 0, td->sept->root_level, true});
		/* No message from the PAMT checks here: _pamt writes it if the caller gets that far. */
		struct both b = {.s = &s, .pc = {.sim = sim, .use = usage_of ? usage_of(user, td) : NULL}};
		if (b.pc.use)
			*b.pc.use = (struct tdxsim_sept_usage){0};
		sept_foreach(td, collect_and_check, &b);
	}
	int bad = 0;
	if (s.nomem) {
		snprintf(msg, len, "td: out of host memory while checking the secure EPTs");
		bad = -1;
	}
	if (!bad && s.n > 1)
		qsort(s.u, s.n, sizeof(*s.u), by_hpa);
	for (size_t i = 1; !bad && i < s.n; i++) {
		const struct use *a = &s.u[i - 1], *b = &s.u[i];
		if (b->hpa >= a->hpa + a->size)
			continue;
		snprintf(msg, len,
			 "sept: host page %#" PRIx64 " mapped twice: %s at GPA %#" PRIx64
			 " (level %u) of TD %#" PRIx64 " and %s at GPA %#" PRIx64
			 " (level %u) of TD %#" PRIx64,
			 b->hpa, a->table ? "table" : "leaf", a->gpa, a->level, a->tdr,
			 b->table ? "table" : "leaf", b->gpa, b->level, b->tdr);
		bad = -1;
	}
	if (s.u != s.local)
		free(s.u);
	return bad;
}
