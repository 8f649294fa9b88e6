/* SPDX-License-Identifier: MIT */
/*
 * PAMT invariants (the list in pamt.h) and the state hash: one walk of every allocated node
 * that checks, hashes or both (a fuzzer that does both after every call pays for one walk).
 * Neither depends on which nodes happen to be allocated, only on the entries they hold, so
 * equal PAMT states give equal hashes however they were reached. The hash visits in the
 * checker's order except for the TDMR headers, all of which come first; so the walk checks
 * and hashes every header before it walks any entries.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pamt/pamt_priv.h"

struct check_ctx {
	bool check, hash; /* what this walk does: at least one */
	char *msg;
	size_t len;
	tdxsim_pamt_visit_fn visit; /* called for each owned entry that passed, or NULL */
	void *user;
	uint64_t owned[TDXSIM_PAMT_NUM_LEVELS][TDXSIM_PAMT_NUM_TYPES];
	uint64_t bytes; /* recounted host memory */
	uint64_t h;	/* the hash so far */
};

__attribute__((format(printf, 2, 3))) static int fail(struct check_ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (c->msg && c->len) {
		va_start(ap, fmt);
		vsnprintf(c->msg, c->len, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/*
 * Both the checker and the hash pass over runs of TDXSIM_PAMT_RUN entries that are PT_NDA with
 * no owner (and no BEPOCH) with one test: such an entry passes every check and counts for
 * nothing, and the hash skips it too (hash_entry), so the shortcut changes no result.
 */
#define RUN TDXSIM_PAMT_RUN
_Static_assert(TDXSIM_PT_NDA == 0 && TDXSIM_PAMT_FANOUT % RUN == 0 && RUN == 8, "runs of initial entries");

/*
 * Runs of reserved pages (a TDMR's PAMT itself is a reserved area, megabytes of it) get the
 * same shortcut: eight PT_RSVD entries with no owner (and no BEPOCH) pass every check where
 * their pages are reserved, count as eight busy entries and nothing else, and add nothing to
 * the hash.
 */
#define RSVD_RUN (UINT64_C(0x0101010101010101) * TDXSIM_PT_RSVD)

/*
 * Bit r of *@initial / *@reserved: run r of @tab is initial / a run of unowned PT_RSVD entries
 * (its eight type bytes, owners and, with @with_bepoch, BEPOCHs all 0 / all PT_RSVD, 0 and 0),
 * for all 64 runs in one pass without per-load ASan checks, the table and its column checked
 * whole first (util.h). The checker and the hash then look one by one only at the runs
 * neither mask holds. No calls in here: a callee would be instrumented again.
 */
#define OR8(p) ((p)[0] | (p)[1] | (p)[2] | (p)[3] | (p)[4] | (p)[5] | (p)[6] | (p)[7])
TDXSIM_NO_ASAN static void run_masks(const struct tdxsim_pamt_table *tab, bool with_bepoch, uint64_t *initial,
				     uint64_t *reserved)
{
	const uint64_t *col = with_bepoch ? tab->bepoch : NULL;
	tdxsim_asan_check(tab, sizeof(*tab));
	if (col)
		tdxsim_asan_check(col, TDXSIM_PAMT_FANOUT * sizeof(*col));
	uint64_t ini = 0, res = 0;
	for (unsigned r = 0; r < TDXSIM_PAMT_FANOUT / RUN; r++) {
		uint64_t types;
		__builtin_memcpy(&types, &tab->type[r * RUN], sizeof(types));
		uint64_t rest = OR8(&tab->owner[r * RUN]) | (col ? OR8(&col[r * RUN]) : 0);
		ini |= (uint64_t)(!types && !rest) << r;
		res |= (uint64_t)(types == RSVD_RUN && !rest) << r;
	}
	*initial = ini;
	*reserved = res;
}

/* The summary @gib's t4k_runs should hold: bit r iff a pointer of run r is set (one pass,
 * as run_masks()). */
TDXSIM_NO_ASAN static uint64_t t4k_runs_of(const struct tdxsim_pamt_gib *gib)
{
	tdxsim_asan_check(gib, sizeof(*gib));
	uint64_t runs = 0;
	for (unsigned r = 0; r < TDXSIM_PAMT_FANOUT / RUN; r++) {
		struct tdxsim_pamt_table *const *p = &gib->t4k[r * RUN];
		bool any = p[0] || p[1] || p[2] || p[3] || p[4] || p[5] || p[6] || p[7];
		runs |= (uint64_t)any << r;
	}
	return runs;
}

/* Sets bits [from, to) of @bits, a word at a time. */
static void set_bits(uint64_t *bits, uint64_t from, uint64_t to)
{
	while (from < to) {
		unsigned b = from % 64;
		uint64_t n = to - from < 64 - b ? to - from : 64 - b;
		bits[from / 64] |= (n == 64 ? ~UINT64_C(0) : (UINT64_C(1) << n) - 1) << b;
		from += n;
	}
}

void tdxsim_pamt_reserved_bits(const struct tdxsim_pamt_tdmr *t, uint64_t off,
			       uint64_t bits[TDXSIM_PAMT_BITS_WORDS])
{
	const uint64_t span = TDXSIM_PAMT_FANOUT * TDXSIM_4K;

	memset(bits, 0, TDXSIM_PAMT_BITS_WORDS * sizeof(*bits));
	for (unsigned k = 0; k < t->num_areas; k++) {
		uint64_t a = t->areas[k].offset, size = t->areas[k].size, first, end;

		/* Page i starts at p = off + i * 4K; tdxsim_pamt_reserved() says: a >= p ?
		 * a - p < 4K : p - a < size. Neither sum below can wrap (size < span there). */
		if (a >= off) {
			if (a - off >= span)
				continue;
			first = (a - off) / TDXSIM_4K; /* the page holding a */
			uint64_t into = (a - off) % TDXSIM_4K;
			/* pages after it: (i - first) * 4K - into < size */
			end = size >= span ? TDXSIM_PAMT_FANOUT
					   : first + (size + into + TDXSIM_4K - 1) / TDXSIM_4K;
			if (end < first + 1)
				end = first + 1;
		} else {
			uint64_t past = off - a;
			if (past >= size)
				continue;
			first = 0; /* i * 4K + past < size */
			end = size - past >= span ? TDXSIM_PAMT_FANOUT
						  : (size - past + TDXSIM_4K - 1) / TDXSIM_4K;
		}
		set_bits(bits, first, end < TDXSIM_PAMT_FANOUT ? end : TDXSIM_PAMT_FANOUT);
	}
}

/* Folds one entry unless it still holds its initial value (then it is as good as absent). */
static uint64_t hash_entry(uint64_t h, uint64_t pa, unsigned level, uint8_t type, uint64_t owner,
			   uint64_t bepoch)
{
	/* Under the invariants a PT_RSVD entry is exactly a reserved page, i.e. initial. */
	if (!owner && !bepoch && (type == TDXSIM_PT_NDA || type == TDXSIM_PT_RSVD))
		return h;
	h = tdxsim_hash_u64(h, pa);
	h = tdxsim_hash_u64(h, (uint64_t)level << 8 | type);
	h = tdxsim_hash_u64(h, owner);
	return bepoch ? tdxsim_hash_u64(h, bepoch) : h;
}

/* One entry of any level: type range, "initial while uninitialized", owned counter. @rsvd:
 * a 4K entry whose page meets a reserved area (the caller knows, per table). */
static int check_entry(struct check_ctx *c, const struct tdxsim_pamt_tdmr *t, unsigned level, uint64_t off,
		       uint8_t type, uint64_t owner, bool initialized, bool rsvd)
{
	uint64_t pa = t->base + off;

	if (type >= TDXSIM_PAMT_NUM_TYPES)
		return fail(c, "PAMT: entry %#" PRIx64 "/L%u has type %u", pa, level, type);
	if (level != TDXSIM_PS_4K && type != TDXSIM_PT_NDA && type != TDXSIM_PT_REG)
		return fail(c, "PAMT: %s entry %#" PRIx64 " has type %u (only REG is a large leaf)",
			    level == TDXSIM_PS_2M ? "2M" : "1G", pa, type);
	/* Reserved pages are PT_RSVD at 4K for the TDMR's life, and only they are (sheet 8.2). */
	if (rsvd != (type == TDXSIM_PT_RSVD))
		return fail(c, "PAMT: 4K entry %#" PRIx64 " has type %u but is%s reserved", pa, type,
			    rsvd ? "" : " not");
	if (level != TDXSIM_PS_4K && type == TDXSIM_PT_REG &&
	    tdxsim_pamt_reserved(t, off, tdxsim_pamt_level_size(level)))
		return fail(c, "PAMT: leaf %#" PRIx64 "/L%u contains a reserved page", pa, level);
	if (!initialized && (owner || !(type == TDXSIM_PT_NDA || type == TDXSIM_PT_RSVD)))
		return fail(c, "PAMT: entry %#" PRIx64 "/L%u changed in an uninitialized block", pa, level);
	if (type != TDXSIM_PT_NDA && type != TDXSIM_PT_RSVD) {
		c->owned[level][type]++;
		if (c->visit)
			c->visit(c->user, pa, level, type, owner);
	}
	return 0;
}

/* An entry, as the walk's modes ask. */
static int walk_entry(struct check_ctx *c, const struct tdxsim_pamt_tdmr *t, unsigned level, uint64_t off,
		      uint8_t type, uint64_t owner, uint64_t bepoch, bool initialized, bool rsvd)
{
	if (c->check && check_entry(c, t, level, off, type, owner, initialized, rsvd))
		return -1;
	if (c->hash)
		c->h = hash_entry(c->h, t->base + off, level, type, owner, bepoch);
	return 0;
}

static int walk_table(struct check_ctx *c, const struct tdxsim_pamt_tdmr *t,
		      const struct tdxsim_pamt_table *tab, unsigned level, uint64_t off, bool initialized)
{
	uint64_t step = tdxsim_pamt_level_size(level);
	unsigned busy = 0;
	/* Which pages of a 4K table meet a reserved area; runs of initial entries with none of
	 * them need no look one by one. The hash alone skips every initial and reserved run
	 * (hash_entry() would fold none of their entries). */
	uint64_t rsvd_bits[TDXSIM_PAMT_BITS_WORDS] = {0};
	if (c->check && level == TDXSIM_PS_4K)
		tdxsim_pamt_reserved_bits(t, off, rsvd_bits);

	if (c->check)
		c->bytes += sizeof(*tab) + (tab->bepoch ? TDXSIM_PAMT_FANOUT * sizeof(*tab->bepoch) : 0);
	/* With the hash, a run is initial only if its BEPOCHs are 0 too: for the checker such a
	 * run is merely looked at one by one. */
	uint64_t initial, reserved;
	run_masks(tab, c->hash, &initial, &reserved);
	for (unsigned r = 0; r < TDXSIM_PAMT_FANOUT; r += RUN) {
		unsigned rsvd_run = rsvd_bits[r / 64] >> (r % 64) & 0xFF;
		if (!c->check && ((initial | reserved) >> (r / RUN) & 1))
			continue;
		if (!rsvd_run && (initial >> (r / RUN) & 1))
			continue;
		if (rsvd_run == 0xFF && (reserved >> (r / RUN) & 1)) {
			busy += RUN;
			continue;
		}
		for (unsigned i = r; i < r + RUN; i++) {
			if (walk_entry(c, t, level, off + i * step, tab->type[i], tab->owner[i],
				       tab->bepoch ? tab->bepoch[i] : 0, initialized,
				       tdxsim_pamt_bit(rsvd_bits, i)))
				return -1;
			busy += tab->type[i] != TDXSIM_PT_NDA;
		}
	}
	if (c->check && busy != tab->busy)
		return fail(c, "PAMT: table at %#" PRIx64 "/L%u counts %u busy entries, has %u",
			    t->base + off, level, tab->busy, busy);
	return 0;
}

/* A REG leaf at 2M/1G has only PT_NDA entries below it (sheet 8.2 "Promote"). */
static int walk_gib(struct check_ctx *c, const struct tdxsim_pamt_tdmr *t, uint64_t b)
{
	const struct tdxsim_pamt_gib *gib = t->blocks[b];
	uint64_t off = b * TDXSIM_1G;
	bool initialized = off < tdxsim_pamt_init_limit(t) - t->base;

	if (c->check)
		c->bytes += sizeof(*gib);
	if (walk_entry(c, t, TDXSIM_PS_1G, off, gib->type, gib->owner, gib->bepoch, initialized, false))
		return -1;
	if (gib->t2m && walk_table(c, t, gib->t2m, TDXSIM_PS_2M, off, initialized))
		return -1;
	if (c->check && gib->type == TDXSIM_PT_REG && gib->t2m && gib->t2m->busy)
		return fail(c, "PAMT: 1G leaf %#" PRIx64 " has 2M entries in use", t->base + off);
	/* The summary says which runs of 4K tables to look at; the checker first holds it to
	 * the pointers. */
	uint64_t runs = gib->t4k_runs;
	if (c->check && t4k_runs_of(gib) != runs)
		return fail(c,
			    "PAMT: 1 GiB block %#" PRIx64 ": 4K-table summary %#" PRIx64
			    ", tables in runs %#" PRIx64,
			    t->base + off, runs, t4k_runs_of(gib));
	for (unsigned i = 0; i < TDXSIM_PAMT_FANOUT; i++) {
		if (i % RUN == 0 && !(runs >> (i / RUN) & 1)) {
			i += RUN - 1;
			continue;
		}
		const struct tdxsim_pamt_table *tab = gib->t4k[i];
		uint64_t off2m = off + i * TDXSIM_2M;

		if (!tab)
			continue;
		if (walk_table(c, t, tab, TDXSIM_PS_4K, off2m, initialized))
			return -1;
		if (c->check && tab->busy &&
		    (gib->type == TDXSIM_PT_REG || (gib->t2m && gib->t2m->type[i] == TDXSIM_PT_REG)))
			return fail(c, "PAMT: large leaf over %#" PRIx64 " has 4K entries in use",
				    t->base + off2m);
	}
	return 0;
}

static int check_tdmr(struct check_ctx *c, const struct tdxsim_pamt *pamt, unsigned i)
{
	const struct tdxsim_pamt_tdmr *t = &pamt->tdmrs[i];
	uint64_t done = t->next_to_init - t->base;

	if (t->size == 0 || t->base + t->size < t->base)
		return fail(c, "PAMT: TDMR %u [%#" PRIx64 ", +%#" PRIx64 ") is empty or wraps", i, t->base,
			    t->size);
	if (i > 0 && (t->base < pamt->tdmrs[i - 1].base ||
		      t->base - pamt->tdmrs[i - 1].base < pamt->tdmrs[i - 1].size))
		return fail(c, "PAMT: TDMR %u at %#" PRIx64 " is below or overlaps TDMR %u", i, t->base,
			    i - 1);
	if (t->next_to_init < t->base || done > t->size || (done != t->size && done % TDXSIM_TDMR_INIT_CHUNK))
		return fail(c, "PAMT: TDMR %u next_to_init %#" PRIx64 " is off the chunk grid", i,
			    t->next_to_init);
	if (t->num_blocks != t->size / TDXSIM_1G + (t->size % TDXSIM_1G != 0) || !t->blocks)
		return fail(c, "PAMT: TDMR %u has %" PRIu64 " block records", i, t->num_blocks);
	if (t->num_areas > TDXSIM_TDMR_MAX_RESERVED)
		return fail(c, "PAMT: TDMR %u has %u reserved areas", i, t->num_areas);
	for (unsigned j = 0; j < t->num_areas; j++) {
		if (!t->areas[j].size)
			return fail(c, "PAMT: TDMR %u keeps an empty reserved area %u", i, j);
	}
	c->bytes += t->num_blocks * sizeof(*t->blocks);
	return 0;
}

static uint64_t hash_tdmr(uint64_t h, const struct tdxsim_pamt_tdmr *t)
{
	h = tdxsim_hash_u64(h, t->base);
	h = tdxsim_hash_u64(h, t->size);
	h = tdxsim_hash_u64(h, t->next_to_init);
	h = tdxsim_hash_u64(h, t->num_areas);
	for (unsigned j = 0; j < t->num_areas; j++) {
		h = tdxsim_hash_u64(h, t->areas[j].offset);
		h = tdxsim_hash_u64(h, t->areas[j].size);
	}
	return h;
}

/* The walk: every TDMR header, then the entries in address order (pa and level name an
 * entry), then the checker's totals. */
static int walk(struct check_ctx *c, const struct tdxsim_pamt *pamt)
{
	if (c->check) {
		c->bytes = sizeof(*pamt) + (uint64_t)pamt->cap_tdmrs * sizeof(*pamt->tdmrs);
		if (pamt->num_tdmrs > pamt->cap_tdmrs)
			return fail(c, "PAMT: %u TDMRs in room for %u", pamt->num_tdmrs, pamt->cap_tdmrs);
	}
	if (c->hash)
		c->h = tdxsim_hash_u64(c->h, pamt->num_tdmrs);
	for (unsigned i = 0; i < pamt->num_tdmrs; i++) {
		if (c->check && check_tdmr(c, pamt, i))
			return -1;
		if (c->hash)
			c->h = hash_tdmr(c->h, &pamt->tdmrs[i]);
	}
	for (unsigned i = 0; i < pamt->num_tdmrs; i++) {
		const struct tdxsim_pamt_tdmr *t = &pamt->tdmrs[i];
		for (uint64_t b = 0; b < t->num_blocks; b++) {
			if (t->blocks[b] && walk_gib(c, t, b))
				return -1;
		}
	}
	if (!c->check)
		return 0;
	for (unsigned l = 0; l < TDXSIM_PAMT_NUM_LEVELS; l++) {
		for (unsigned ty = 0; ty < TDXSIM_PAMT_NUM_TYPES; ty++) {
			if (c->owned[l][ty] != pamt->owned[l][ty])
				return fail(c,
					    "PAMT: counter L%u type %u is %" PRIu64 ", entries say %" PRIu64,
					    l, ty, pamt->owned[l][ty], c->owned[l][ty]);
		}
	}
	if (c->bytes != pamt->host_bytes)
		return fail(c, "PAMT: host_metadata_bytes %" PRIu64 ", allocations sum to %" PRIu64,
			    pamt->host_bytes, c->bytes);
	if (c->msg && c->len)
		c->msg[0] = '\0';
	return 0;
}

int tdxsim_pamt_check(const struct tdxsim_pamt *pamt, char *msg, size_t len)
{
	return tdxsim_pamt_check_visit(pamt, NULL, NULL, NULL, msg, len);
}

int tdxsim_pamt_check_visit(const struct tdxsim_pamt *pamt, tdxsim_pamt_visit_fn fn, void *user,
			    uint64_t *hash, char *msg, size_t len)
{
	struct check_ctx c = {
		.check = true, .hash = hash != NULL, .msg = msg, .len = len, .visit = fn, .user = user};
	if (hash)
		c.h = *hash;
	if (walk(&c, pamt))
		return -1;
	if (hash)
		*hash = c.h;
	return 0;
}

uint64_t tdxsim_pamt_hash(const struct tdxsim_pamt *pamt, uint64_t h)
{
	struct check_ctx c = {.hash = true, .h = h};
	walk(&c, pamt);
	return c.h;
}
