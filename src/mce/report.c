/* SPDX-License-Identifier: MIT */
/*
 * Machine-check records, counters, per-line queries, invariants and the state hash of the
 * integrity model (mce.h).
 */
#include <stdio.h>
#include <string.h>

#include "mce/mce_priv.h"

#define LOCK(in)   tdxsim_mce_lock(in) /* tdx_memory.c: catches up with TDMR.INIT */
#define UNLOCK(in) pthread_mutex_unlock(&(in)->lock)

void tdxsim_mce_set_handler(struct tdxsim_integrity *in, tdxsim_mce_handler_t handler, void *user)
{
	LOCK(in);
	in->handler = handler;
	in->handler_user = user;
	UNLOCK(in);
}

void tdxsim_mce_get_handler(struct tdxsim_integrity *in, tdxsim_mce_handler_t *handler, void **user)
{
	LOCK(in);
	*handler = in->handler;
	*user = in->handler_user;
	UNLOCK(in);
}

/*
 * The record of a consumed poisoned line. The issue asks for an uncorrected error with the
 * address valid and the processor context corrupt, as when a kernel consumes poison outside
 * any recovery point (Linux then panics and, on erratum parts, prints its TDX hint, sheet
 * 10 "MCE reporting"). The error code is the architectural compound code for a memory read
 * error; which bank reports it on a given part is not modelled.
 */
void tdxsim_mce_raise(struct tdxsim_integrity *in, uint64_t line_pa, uint32_t lp, uint64_t tsc, bool handled,
		      tdxsim_mce_t *out)
{
	tdxsim_mce_t m = {
		.status = TDXSIM_MCI_STATUS_VAL | TDXSIM_MCI_STATUS_UC | TDXSIM_MCI_STATUS_EN |
			  TDXSIM_MCI_STATUS_MISCV | TDXSIM_MCI_STATUS_ADDRV | TDXSIM_MCI_STATUS_PCC |
			  TDXSIM_MCACOD_MEM_READ,
		.addr = tdxsim_align_down(line_pa, TDXSIM_LINE),
		.misc = TDXSIM_MCI_MISC_PHYS_LINE,
		.lp = lp,
		.bank = 0,
		.tsc = tsc,
	};
	LOCK(in);
	in->stats.machine_checks++;
	if (!handled)
		in->stats.machine_checks_unhandled++;
	in->last = m;
	in->have_last = true;
	UNLOCK(in);
	if (out)
		*out = m;
}

bool tdxsim_mce_last(struct tdxsim_integrity *in, tdxsim_mce_t *out)
{
	LOCK(in);
	bool have = in->have_last;
	if (have)
		*out = in->last;
	UNLOCK(in);
	return have;
}

void tdxsim_mce_stats(struct tdxsim_integrity *in, tdxsim_mem_stats_t *out)
{
	LOCK(in);
	*out = in->stats;
	out->tracked_pages = in->count;
	out->poisoned_lines_now = 0;
	for (size_t i = 0; i < in->cap; i++)
		if (in->slots[i].pg)
			out->poisoned_lines_now += in->slots[i].pg->poisoned;
	out->private_range_bytes = 0;
	for (unsigned k = 0; k < in->num_ranges; k++)
		out->private_range_bytes += in->ranges[k].end - in->ranges[k].base;
	UNLOCK(in);
}

void tdxsim_mce_line_info(struct tdxsim_integrity *in, uint64_t pa, tdxsim_line_info_t *out)
{
	uint16_t lines[TDXSIM_LINES_PER_PAGE];
	uint64_t pfn = pa / TDXSIM_4K;
	LOCK(in);
	memset(out, 0, sizeof(*out));
	out->tracked = tdxsim_mce_find(in, pfn) != NULL;
	if (tdxsim_mce_view(in, pfn, lines)) {
		uint16_t s = lines[(pa % TDXSIM_4K) / TDXSIM_LINE];
		out->owner_keyid = s & TDXSIM_LINE_KEYID;
		out->poisoned = tdxsim_line_poisoned(s);
	}
	UNLOCK(in);
}

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

int tdxsim_mce_check(struct tdxsim_integrity *in, char *msg, size_t len)
{
	int rc = 0;
	LOCK(in);
	for (unsigned k = 0; k < in->num_ranges; k++) {
		const struct tdxsim_mce_range *r = &in->ranges[k];
		if (r->base >= r->end || !tdxsim_is_aligned(r->base, TDXSIM_LINE) ||
		    !tdxsim_is_aligned(r->end, TDXSIM_LINE))
			FAIL("integrity: range %u [0x%llx, 0x%llx) empty or not line-aligned", k,
			     (unsigned long long)r->base, (unsigned long long)r->end);
		if (k && r->base < in->ranges[k - 1].end)
			FAIL("integrity: range %u overlaps or precedes range %u", k, k - 1);
		if (!tdxsim_hkid_is_private(in->hkid, r->keyid))
			FAIL("integrity: range %u owned by KeyID %u, not a private KeyID", k, r->keyid);
		if (!filter_has(in, r->base, r->end))
			FAIL("integrity: range %u missing from the fast-path filter", k);
	}
	size_t n = 0;
	for (size_t i = 0; i < in->cap; i++) {
		const struct tdxsim_mce_page *pg = in->slots[i].pg;
		if (!pg)
			continue;
		n++;
		unsigned owned = 0, poisoned = 0;
		/* A page's owned lines nearly always share one KeyID: ask about each new one. */
		unsigned private_keyid = ~0u;
		for (unsigned l = 0; l < TDXSIM_LINES_PER_PAGE; l++) {
			uint16_t s = pg->line[l];
			unsigned keyid = s & TDXSIM_LINE_KEYID;
			owned += tdxsim_line_owned(s);
			poisoned += tdxsim_line_poisoned(s);
			if (!tdxsim_line_owned(s) || keyid == private_keyid)
				continue;
			if (!tdxsim_hkid_is_private(in->hkid, keyid))
				FAIL("integrity: page 0x%llx line %u owned by non-private KeyID %u",
				     (unsigned long long)pg->pfn, l, keyid);
			private_keyid = keyid;
		}
		if (owned != pg->owned || poisoned != pg->poisoned)
			FAIL("integrity: page 0x%llx counts %u/%u, lines say %u/%u",
			     (unsigned long long)pg->pfn, pg->owned, pg->poisoned, owned, poisoned);
		if (!owned && pg->priv)
			FAIL("integrity: page 0x%llx keeps plaintext with no owned line",
			     (unsigned long long)pg->pfn);
		if (!filter_has(in, pg->pfn * TDXSIM_4K, (pg->pfn + 1) * TDXSIM_4K))
			FAIL("integrity: page 0x%llx missing from the fast-path filter",
			     (unsigned long long)pg->pfn);
	}
	if (n != in->count)
		FAIL("integrity: %zu records in the table, counter says %zu", n, in->count);
out:
	UNLOCK(in);
	return rc;
}

uint64_t tdxsim_mce_hash(struct tdxsim_integrity *in, uint64_t h)
{
	LOCK(in);
	h = tdxsim_hash_u64(h, in->num_ranges);
	for (unsigned k = 0; k < in->num_ranges; k++) {
		h = tdxsim_hash_u64(h, in->ranges[k].base);
		h = tdxsim_hash_u64(h, in->ranges[k].end);
		h = tdxsim_hash_u64(h, in->ranges[k].keyid);
	}
	/* Table order depends on history; a sum of per-page hashes does not. */
	uint64_t pages = 0;
	for (size_t i = 0; i < in->cap; i++) {
		const struct tdxsim_mce_page *pg = in->slots[i].pg;
		if (!pg)
			continue;
		uint64_t p = tdxsim_hash_u64(TDXSIM_HASH_SEED, pg->pfn);
		p = tdxsim_hash_bytes(p, pg->line, sizeof(pg->line));
		if (pg->priv)
			p = tdxsim_hash_bytes(p, pg->priv, TDXSIM_4K);
		pages += p;
	}
	h = tdxsim_hash_u64(h, pages);
	UNLOCK(in);
	return h;
}
