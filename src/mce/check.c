/* SPDX-License-Identifier: MIT */
/*
 * The integrity model's invariants and its part of the state hash (mce.h), in one walk: the
 * oracle fuzz targets run after every operation (a file of its own, so the fuzzing build can
 * leave it out of coverage instrumentation as a whole: fuzz/oracles.ignorelist).
 */
#include <stdio.h>

#include "mce/mce_priv.h"

#define LOCK(in)   tdxsim_mce_lock(in) /* tdx_memory.c: catches up with TDMR.INIT */
#define UNLOCK(in) pthread_mutex_unlock(&(in)->lock)

#define FAIL(...)                                        \
	do {                                             \
		if (msg && len)                          \
			snprintf(msg, len, __VA_ARGS__); \
		rc = -1;                                 \
		goto out;                                \
	} while (0)

static bool filter_has(struct tdxsim_integrity *in, uint64_t base, uint64_t end)
{
	for (uint64_t f = base >> TDXSIM_FILTER_FRAME; f <= (end - 1) >> TDXSIM_FILTER_FRAME; f++)
		if (!tdxsim_mce_filter_test(in, f))
			return false;
	return true;
}

/* What check_page() needs of a page's 64 line states: owned and poisoned lines, and the KeyID
 * of the owned ones when they share one (@mixed clear; 0 when none is owned). */
struct line_scan {
	unsigned owned, poisoned, keyid;
	bool mixed;
};

/* One pass over the line states without per-load ASan checks (core/util.h TDXSIM_NO_ASAN: the
 * array is checked whole first; no calls in here), after every fuzzed call for every record. */
TDXSIM_NO_ASAN static void scan_lines(const uint16_t *line, struct line_scan *out)
{
	tdxsim_asan_check(line, TDXSIM_LINES_PER_PAGE * sizeof(*line));
	unsigned owned = 0, poisoned = 0, keyid = 0, mixed = 0;
	for (unsigned l = 0; l < TDXSIM_LINES_PER_PAGE; l++) {
		unsigned s = line[l], k = s & TDXSIM_LINE_KEYID;
		owned += k != 0;
		poisoned += (s & TDXSIM_LINE_POISON) != 0;
		keyid = keyid ? keyid : k;
		mixed |= k && k != keyid;
	}
	*out = (struct line_scan){owned, poisoned, keyid, mixed != 0};
}

/* A record's invariants: owned lines private, counts right, plaintext only with an owner,
 * its frame in the filter. */
static int check_page(struct tdxsim_integrity *in, const struct tdxsim_mce_page *pg, char *msg, size_t len)
{
	int rc = 0;
	struct line_scan scan;
	scan_lines(pg->line, &scan);
	unsigned owned = scan.owned, poisoned = scan.poisoned;
	/* Owned lines nearly always share one KeyID: one question. Otherwise each line, in order,
	 * so the message names the first line whose KeyID is not private. */
	if (!scan.mixed && (!owned || tdxsim_hkid_is_private(in->hkid, scan.keyid)))
		goto counts;
	unsigned private_keyid = ~0u;
	for (unsigned l = 0; l < TDXSIM_LINES_PER_PAGE; l++) {
		uint16_t s = pg->line[l];
		unsigned keyid = s & TDXSIM_LINE_KEYID;
		if (!tdxsim_line_owned(s) || keyid == private_keyid)
			continue;
		if (!tdxsim_hkid_is_private(in->hkid, keyid))
			FAIL("integrity: page 0x%llx line %u owned by non-private KeyID %u",
			     (unsigned long long)pg->pfn, l, keyid);
		private_keyid = keyid;
	}
counts:
	if (owned != pg->owned || poisoned != pg->poisoned)
		FAIL("integrity: page 0x%llx counts %u/%u, lines say %u/%u", (unsigned long long)pg->pfn,
		     pg->owned, pg->poisoned, owned, poisoned);
	if (!owned && pg->priv)
		FAIL("integrity: page 0x%llx keeps plaintext with no owned line",
		     (unsigned long long)pg->pfn);
	if (!filter_has(in, pg->pfn * TDXSIM_4K, (pg->pfn + 1) * TDXSIM_4K))
		FAIL("integrity: page 0x%llx missing from the fast-path filter", (unsigned long long)pg->pfn);
out:
	return rc;
}

/* A record's part of the state hash. */
static uint64_t hash_page(const struct tdxsim_mce_page *pg)
{
	uint64_t p = tdxsim_hash_u64(TDXSIM_HASH_SEED, pg->pfn);
	p = tdxsim_hash_bytes(p, pg->line, sizeof(pg->line));
	return pg->priv ? tdxsim_hash_bytes(p, pg->priv, TDXSIM_4K) : p;
}

/*
 * The invariants (mce.h) and the model's part of the state hash in one walk of the ranges and
 * the records (a fuzzer does both after every call): with @check, the invariants, 0 or -1
 * with a message; with @hash not NULL, *@hash folded with the model's state (left as it was
 * when a check fails).
 */
static int walk(struct tdxsim_integrity *in, bool check, uint64_t *hash, char *msg, size_t len)
{
	int rc = 0;
	LOCK(in); /* first: it may mark ranges (tdx_memory.c) */
	uint64_t h = hash ? tdxsim_hash_u64(*hash, in->num_ranges) : 0;
	for (unsigned k = 0; k < in->num_ranges; k++) {
		const struct tdxsim_mce_range *r = &in->ranges[k];
		if (check) {
			if (r->base >= r->end || !tdxsim_is_aligned(r->base, TDXSIM_LINE) ||
			    !tdxsim_is_aligned(r->end, TDXSIM_LINE))
				FAIL("integrity: range %u [0x%llx, 0x%llx) empty or not line-aligned", k,
				     (unsigned long long)r->base, (unsigned long long)r->end);
			if (k && r->base < in->ranges[k - 1].end)
				FAIL("integrity: range %u overlaps or precedes range %u", k, k - 1);
			if (!tdxsim_hkid_is_private(in->hkid, r->keyid))
				FAIL("integrity: range %u owned by KeyID %u, not a private KeyID", k,
				     r->keyid);
			if (!filter_has(in, r->base, r->end))
				FAIL("integrity: range %u missing from the fast-path filter", k);
		}
		if (hash) {
			h = tdxsim_hash_u64(h, r->base);
			h = tdxsim_hash_u64(h, r->end);
			h = tdxsim_hash_u64(h, r->keyid);
		}
	}
	/* Table order depends on history; a sum of per-page hashes does not. */
	size_t n = 0;
	uint64_t pages = 0;
	for (size_t i = 0; i < in->cap; i++) {
		const struct tdxsim_mce_page *pg = in->slots[i].pg;
		if (!pg)
			continue;
		n++;
		if (check && (rc = check_page(in, pg, msg, len)))
			goto out;
		if (hash)
			pages += hash_page(pg);
	}
	if (check && n != in->count)
		FAIL("integrity: %zu records in the table, counter says %zu", n, in->count);
	if (hash)
		*hash = tdxsim_hash_u64(h, pages);
out:
	UNLOCK(in);
	return rc;
}

int tdxsim_mce_check(struct tdxsim_integrity *in, uint64_t *hash, char *msg, size_t len)
{
	return walk(in, true, hash, msg, len);
}

uint64_t tdxsim_mce_hash(struct tdxsim_integrity *in, uint64_t h)
{
	walk(in, false, &h, NULL, 0);
	return h;
}
