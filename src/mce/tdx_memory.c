/* SPDX-License-Identifier: MIT */
/*
 * The integrity model's view of TDX memory as a whole: the PAMT lines TDH.SYS.TDMR.INIT writes
 * with the global private KeyID, everything TDX owned going back to the host (DISABLE, a fresh
 * module), and memory that is hot-removed.
 */
#include <string.h>

#include "mce/mce_priv.h"

#define LOCK(in)   tdxsim_mce_lock(in)
#define UNLOCK(in) pthread_mutex_unlock(&(in)->lock)

/* ---- PAMT memory ------------------------------------------------------------------------- */

/*
 * TDH.SYS.TDMR.INIT runs a million times on a 4 TiB host and each call makes a few PAMT lines
 * private. Doing that under the model lock would double the call's cost (bench_init), so the
 * call only publishes how far its TDMR got (@inited, an atomic written under the simulator
 * lock) and raises @pamt_pending; whoever takes the model lock next marks the lines of every
 * chunk done since (catch_up), before it looks at anything. The lines a run of chunks marks
 * are exactly the union of what each chunk would have marked (adjacent spans per part), and
 * nothing can observe the model in between, so the result is the same as marking per call.
 * The filter bits of the whole PAMT are set up front (tdxsim_mce_pamt_layout) so that a
 * shared access to a PAMT line takes the locked path, which catches up first.
 * Trap mode marks at once: plain-pointer accesses must fault as soon as the call returns.
 */

static const uint64_t pamt_unit[3] = {TDXSIM_4K, TDXSIM_2M, TDXSIM_1G};

/* Per part, the PAMT bytes that TDH.SYS.TDMR.INIT writes for TDMR offsets [from, to) (4 MiB
 * multiples): the chunks' 4K entries, their 2M entries, and the 1G entry of each chunk that
 * starts a block (sheet 7.2, 8.2 "Addressing"). [0] == [1] when a part gets nothing. */
static void pamt_span(const struct tdxsim_integrity *in, const struct tdxsim_pamt_layout *t, uint64_t from,
		      uint64_t to, uint64_t span[3][2])
{
	const uint16_t *es = in->pamt_entry_size;
	span[0][0] = t->part[0] + from / TDXSIM_4K * es[0];
	span[0][1] = t->part[0] + to / TDXSIM_4K * es[0];
	span[1][0] = t->part[1] + from / TDXSIM_2M * es[1];
	span[1][1] = t->part[1] + tdxsim_align_up(to, TDXSIM_2M) / TDXSIM_2M * es[1];
	uint64_t k0 = tdxsim_align_up(from, TDXSIM_1G) / TDXSIM_1G, k1 = (to - 1) / TDXSIM_1G + 1;
	span[2][0] = t->part[2] + k0 * es[2];
	span[2][1] = t->part[2] + (k1 > k0 ? k1 : k0) * es[2];
}

/* Marks the PAMT lines of TDMR offsets [from, to) of @t TD-owned by @keyid. The module fills
 * whole lines, hence the rounding. 0, or -1 when out of memory (then some parts may be marked
 * and others not; marking again is harmless). Lock held. */
static int pamt_mark(struct tdxsim_integrity *in, struct tdxsim_pamt_layout *t, uint64_t from, uint64_t to,
		     uint32_t keyid)
{
	uint64_t span[3][2];
	pamt_span(in, t, from, to, span);
	for (int p = 0; p < 3; p++) {
		uint64_t a = tdxsim_align_down(span[p][0], TDXSIM_LINE),
			 b = tdxsim_align_up(span[p][1], TDXSIM_LINE);
		if (b <= a)
			continue;
		/* Each mark() needs at most two more range records: ask first, so that a failure
		 * leaves this part as it was. */
		if (tdxsim_mce_ranges_reserve(in, 2))
			return -1;
		if (tdxsim_mem_ptr(in->mem, a, b - a)) {
			tdxsim_mce_mark(in, a, b, keyid, &t->hint[p]);
		} else if (to - from > TDXSIM_TDMR_INIT_CHUNK) {
			/* Partly outside RAM: chunk by chunk, as each call would have done. */
			for (uint64_t off = from; off < to; off += TDXSIM_TDMR_INIT_CHUNK) {
				uint64_t one[3][2];
				pamt_span(in, t, off, off + TDXSIM_TDMR_INIT_CHUNK, one);
				a = tdxsim_align_down(one[p][0], TDXSIM_LINE);
				b = tdxsim_align_up(one[p][1], TDXSIM_LINE);
				if (b > a && tdxsim_mem_ptr(in->mem, a, b - a)) {
					if (tdxsim_mce_ranges_reserve(in, 2))
						return -1;
					tdxsim_mce_mark(in, a, b, keyid, &t->hint[p]);
				}
			}
		}
	}
	return 0;
}

/* Marks what TDH.SYS.TDMR.INIT published since the last time. Lock held. Out of memory leaves
 * the rest pending for the next caller (the lines read as shared until then). */
static void catch_up(struct tdxsim_integrity *in)
{
	/* A plain load first: the exchange is a locked instruction on every model access. */
	if (!atomic_load_explicit(&in->pamt_pending, memory_order_acquire) ||
	    !atomic_exchange_explicit(&in->pamt_pending, false, memory_order_acq_rel))
		return;
	for (unsigned i = 0; i < in->num_pamts; i++) {
		struct tdxsim_pamt_layout *t = &in->pamts[i];
		uint64_t upto = atomic_load_explicit(&t->inited, memory_order_acquire);
		if (upto <= t->marked)
			continue;
		if (pamt_mark(in, t, t->marked, upto,
			      atomic_load_explicit(&t->keyid, memory_order_relaxed))) {
			atomic_store_explicit(&in->pamt_pending, true, memory_order_release);
			continue;
		}
		t->marked = upto;
	}
}

void tdxsim_mce_lock(struct tdxsim_integrity *in)
{
	pthread_mutex_lock(&in->lock);
	catch_up(in);
}

void tdxsim_mce_pamt_layout(struct tdxsim_integrity *in, const struct tdxsim_tdmr_info *tdmrs, unsigned n,
			    const uint16_t entry_size[3])
{
	LOCK(in);
	in->num_pamts = n < TDXSIM_MAX_PAMT_LAYOUTS ? n : TDXSIM_MAX_PAMT_LAYOUTS;
	memcpy(in->pamt_entry_size, entry_size, sizeof(in->pamt_entry_size));
	for (unsigned i = 0; i < in->num_pamts; i++) {
		struct tdxsim_pamt_layout *t = &in->pamts[i];
		t->base = tdmrs[i].base;
		t->size = tdmrs[i].size;
		t->part[0] = tdmrs[i].pamt_4k_base;
		t->part[1] = tdmrs[i].pamt_2m_base;
		t->part[2] = tdmrs[i].pamt_1g_base;
		memset(t->hint, 0, sizeof(t->hint));
		t->marked = 0;
		atomic_store_explicit(&t->inited, 0, memory_order_relaxed);
		atomic_store_explicit(&t->keyid, 0, memory_order_relaxed);
		/* Every line TDH.SYS.TDMR.INIT may write, in the lock-free filter (see above). */
		for (int p = 0; p < 3; p++) {
			uint64_t len = (t->size + pamt_unit[p] - 1) / pamt_unit[p] * entry_size[p];
			if (len)
				tdxsim_mce_filter_add(in, tdxsim_align_down(t->part[p], TDXSIM_LINE),
						      tdxsim_align_up(t->part[p] + len, TDXSIM_LINE));
		}
	}
	UNLOCK(in);
}

void tdxsim_mce_pamt_forget(struct tdxsim_integrity *in)
{
	LOCK(in); /* catches up first: what TDMR.INIT did stays done */
	in->num_pamts = 0;
	UNLOCK(in);
}

int tdxsim_mce_pamt_chunk(struct tdxsim_integrity *in, unsigned idx, uint64_t base, uint64_t size,
			  uint64_t next, uint32_t keyid)
{
	if (next >= base + size)
		return 0;
	uint64_t upto =
		next - base +
		(base + size - next < TDXSIM_TDMR_INIT_CHUNK ? base + size - next : TDXSIM_TDMR_INIT_CHUNK);
	/* The layouts change only in SEAMCALLs (CONFIG, DISABLE, updates, S3), which the
	 * simulator lock held here excludes: reading them without the model lock is safe.
	 * TDMR_INFO entries are ascending like the PAMT store's TDMRs, so @idx usually names the
	 * layout directly. */
	struct tdxsim_pamt_layout *t =
		idx < in->num_pamts && in->pamts[idx].base == base ? &in->pamts[idx] : NULL;
	for (unsigned i = 0; i < in->num_pamts && !t; i++)
		if (in->pamts[i].base == base)
			t = &in->pamts[i];
	if (!t)
		return 0;
	if (!in->trap) {
		atomic_store_explicit(&t->keyid, keyid, memory_order_relaxed);
		atomic_store_explicit(&t->inited, upto, memory_order_release);
		atomic_store_explicit(&in->pamt_pending, true, memory_order_release);
		return 0;
	}
	LOCK(in);
	int rc = pamt_mark(in, t, next - base, upto, keyid);
	if (!rc) {
		t->marked = upto;
		atomic_store_explicit(&t->inited, upto, memory_order_relaxed);
	}
	UNLOCK(in);
	return rc;
}

/* ---- TDX memory released ----------------------------------------------------------------- */

static void release_page(struct tdxsim_integrity *in, struct tdxsim_mce_page *pg, void *arg)
{
	uint64_t page = pg->pfn * TDXSIM_4K;
	tdxsim_mce_trap_open(in, pg->pfn);
	for (unsigned l = 0; l < TDXSIM_LINES_PER_PAGE; l++) {
		if (!tdxsim_line_owned(pg->line[l]))
			continue;
		if (tdxsim_line_poisoned(pg->line[l]))
			in->stats.lines_cleared++;
		memset(tdxsim_mem_ptr(in->mem, page + l * TDXSIM_LINE, TDXSIM_LINE), 0, TDXSIM_LINE);
		tdxsim_mce_drop_plaintext(pg, l);
		pg->line[l] = 0;
	}
	tdxsim_mce_settle(in, pg);
	tdxsim_mce_trap_protect(in, page, page + TDXSIM_4K);
}

void tdxsim_mce_release_all(struct tdxsim_integrity *in)
{
	tdxsim_mce_trap_rearm(in);
	LOCK(in);
	/* Range pages without a record are entirely described by the ranges: zero them and let
	 * the ranges go (the array keeps its contents for the protection pass below). */
	unsigned n = in->num_ranges;
	for (unsigned k = 0; k < n; k++)
		tdxsim_mce_zero_ram(in, in->ranges[k].base, in->ranges[k].end);
	in->num_ranges = 0;
	tdxsim_mce_for_pages(in, 0, UINT64_MAX, release_page, NULL);
	for (unsigned k = 0; k < n; k++)
		tdxsim_mce_trap_protect(in, tdxsim_align_down(in->ranges[k].base, TDXSIM_4K),
					tdxsim_align_up(in->ranges[k].end, TDXSIM_4K));
	UNLOCK(in);
}

/* ---- hot-remove -------------------------------------------------------------------------- */

static void drop_page(struct tdxsim_integrity *in, struct tdxsim_mce_page *pg, void *arg)
{
	tdxsim_mce_drop(in, pg);
}

void tdxsim_mce_forget_range(struct tdxsim_integrity *in, uint64_t base, uint64_t size)
{
	LOCK(in);
	tdxsim_mce_ranges_set(in, base, base + size, 0, NULL);
	tdxsim_mce_for_pages(in, base, base + size, drop_page, NULL);
	UNLOCK(in);
}
