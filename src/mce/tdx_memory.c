/* SPDX-License-Identifier: MIT */
/*
 * The integrity model's view of TDX memory as a whole: the PAMT lines TDH.SYS.TDMR.INIT writes
 * with the global private KeyID, everything TDX owned going back to the host (DISABLE, a fresh
 * module), and memory that is hot-removed.
 */
#include <string.h>

#include "mce/mce_priv.h"

#define LOCK(in)   pthread_mutex_lock(&(in)->lock)
#define UNLOCK(in) pthread_mutex_unlock(&(in)->lock)

/* ---- PAMT memory ------------------------------------------------------------------------- */

void tdxsim_mce_pamt_layout(struct tdxsim_integrity *in, const struct tdxsim_tdmr_info *tdmrs, unsigned n,
			    const uint16_t entry_size[3])
{
	LOCK(in);
	in->num_pamts = n < TDXSIM_MAX_PAMT_LAYOUTS ? n : TDXSIM_MAX_PAMT_LAYOUTS;
	for (unsigned i = 0; i < in->num_pamts; i++)
		in->pamts[i] = (struct tdxsim_pamt_layout){
			tdmrs[i].base,
			tdmrs[i].size,
			{tdmrs[i].pamt_4k_base, tdmrs[i].pamt_2m_base, tdmrs[i].pamt_1g_base},
		};
	memcpy(in->pamt_entry_size, entry_size, sizeof(in->pamt_entry_size));
	UNLOCK(in);
}

void tdxsim_mce_pamt_forget(struct tdxsim_integrity *in)
{
	LOCK(in);
	in->num_pamts = 0;
	UNLOCK(in);
}

int tdxsim_mce_pamt_chunk(struct tdxsim_integrity *in, const struct tdxsim_pamt *pamt, unsigned idx,
			  uint32_t keyid)
{
	uint64_t base, size, next, part[3][2];
	unsigned nparts = 0;
	int rc = 0;

	tdxsim_pamt_tdmr_info(pamt, idx, &base, &size, &next);
	if (next >= base + size)
		return 0;
	LOCK(in);
	const struct tdxsim_pamt_layout *t = NULL;
	for (unsigned i = 0; i < in->num_pamts && !t; i++)
		if (in->pamts[i].base == base)
			t = &in->pamts[i];
	if (!t)
		goto out;
	/* The chunk's 1024 4K entries, its 2M entries, and the 1G entry when a block starts
	 * (sheet 7.2, 8.2 "Addressing"). The module fills whole lines, hence the rounding. */
	uint64_t off = next - base, len = base + size - next < TDXSIM_TDMR_INIT_CHUNK
						  ? base + size - next
						  : TDXSIM_TDMR_INIT_CHUNK;
	const uint16_t *es = in->pamt_entry_size;
	part[nparts][0] = t->part[0] + off / TDXSIM_4K * es[0];
	part[nparts][1] = t->part[0] + (off + len) / TDXSIM_4K * es[0];
	nparts++;
	part[nparts][0] = t->part[1] + off / TDXSIM_2M * es[1];
	part[nparts][1] = t->part[1] + tdxsim_align_up(off + len, TDXSIM_2M) / TDXSIM_2M * es[1];
	nparts++;
	if (off % TDXSIM_1G == 0) {
		part[nparts][0] = t->part[2] + off / TDXSIM_1G * es[2];
		part[nparts][1] = part[nparts][0] + es[2];
		nparts++;
	}
	/* Each mark() needs at most two more range records; ask for them first so that a
	 * failure leaves nothing half done. */
	if (tdxsim_mce_ranges_reserve(in, 2 * nparts)) {
		rc = -1;
		goto out;
	}
	for (unsigned p = 0; p < nparts; p++) {
		uint64_t a = tdxsim_align_down(part[p][0], TDXSIM_LINE),
			 b = tdxsim_align_up(part[p][1], TDXSIM_LINE);
		if (b > a && tdxsim_mem_ptr(in->mem, a, b - a))
			tdxsim_mce_mark(in, a, b, keyid);
	}
out:
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
	tdxsim_mce_ranges_set(in, base, base + size, 0);
	tdxsim_mce_for_pages(in, base, base + size, drop_page, NULL);
	UNLOCK(in);
}
