/* SPDX-License-Identifier: MIT */
/*
 * The integrity semantics of reads, writes and whole-range marking, line by line (the rules
 * are listed, with their sources, at the top of mce.h).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "mce/mce_priv.h"

#define LOCK(in)   tdxsim_mce_lock(in) /* tdx_memory.c: catches up with TDMR.INIT */
#define UNLOCK(in) pthread_mutex_unlock(&(in)->lock)

static uint8_t *ram(struct tdxsim_integrity *in, uint64_t pa, uint64_t len)
{
	return tdxsim_mem_ptr(in->mem, pa, len);
}

bool tdxsim_mce_in_cmrs(const struct tdxsim_integrity *in, uint64_t pa, uint64_t len)
{
	/* CMRs are ascending; ones that touch count as one (as TDH.SYS.CONFIG merges them). */
	uint64_t cur = pa, end = pa + len;
	if (len == 0 || end < pa)
		return false;
	for (unsigned i = 0; i < in->num_cmrs && cur < end; i++)
		if (in->cmrs[i].size && in->cmrs[i].base <= cur && cur - in->cmrs[i].base < in->cmrs[i].size)
			cur = in->cmrs[i].base + in->cmrs[i].size;
	return cur >= end;
}

static uint8_t *priv_buf(struct tdxsim_integrity *in, struct tdxsim_mce_page *pg)
{
	if (!pg->priv && (pg->priv = tdxsim_mce_plain_alloc(in)))
		memset(pg->priv, 0, TDXSIM_4K);
	return pg->priv;
}

void tdxsim_mce_drop_plaintext(struct tdxsim_mce_page *pg, unsigned l)
{
	if (pg->priv)
		memset(pg->priv + l * TDXSIM_LINE, 0, TDXSIM_LINE);
}

/* ---- reads ------------------------------------------------------------------------------- */

/* Reads [pa, pa + n) inside one page. */
static tdxsim_err_t read_page(struct tdxsim_integrity *in, uint64_t pa, uint32_t keyid, bool priv,
			      uint8_t *dst, size_t n, uint64_t *mce_pa)
{
	uint64_t pfn = pa / TDXSIM_4K;
	uint16_t view[TDXSIM_LINES_PER_PAGE];
	const struct tdxsim_mce_page *pg = tdxsim_mce_find(in, pfn);
	/* A record is authoritative (mce.h): read its lines in place, without a copy. */
	bool tracked = pg || tdxsim_mce_lines_from_ranges(in, pfn, view);
	const uint16_t *lines = pg ? pg->line : view;

	if (!tracked && !priv) {
		memcpy(dst, ram(in, pa, n), n);
		return TDXSIM_OK;
	}
	if (tracked)
		tdxsim_mce_trap_open(in, pfn);
	tdxsim_err_t err = TDXSIM_OK;
	if (priv && n && pg && pg->priv) {
		/* A private read of lines all clean and owned by @keyid (TDH.MR.EXTEND's 256-byte
		 * chunks) is one copy of their plaintext; any other line takes the loop below. */
		unsigned l = (pa % TDXSIM_4K) / TDXSIM_LINE, last = (pa % TDXSIM_4K + n - 1) / TDXSIM_LINE;
		while (l <= last && !tdxsim_line_poisoned(lines[l]) &&
		       (lines[l] & TDXSIM_LINE_KEYID) == keyid)
			l++;
		if (l > last) {
			memcpy(dst, pg->priv + pa % TDXSIM_4K, n);
			n = 0;
		}
	}
	while (n) {
		unsigned l = (pa % TDXSIM_4K) / TDXSIM_LINE, lo = pa % TDXSIM_LINE;
		size_t m = TDXSIM_LINE - lo < n ? TDXSIM_LINE - lo : n;
		uint16_t s = tracked ? lines[l] : 0;

		if (tdxsim_line_poisoned(s)) {
			*mce_pa = pa;
			err = TDXSIM_ERR_MCE;
			break;
		}
		if (priv && (s & TDXSIM_LINE_KEYID) != keyid) {
			/* TD bit clear or MAC under another key: zeros plus new poison, consumed. */
			struct tdxsim_mce_page *w = tdxsim_mce_get(in, pfn);
			if (!w) {
				err = TDXSIM_ERR_NO_MEMORY;
				break;
			}
			w->line[l] |= TDXSIM_LINE_POISON;
			tdxsim_mce_drop_plaintext(w, l);
			in->stats.lines_poisoned++;
			tdxsim_mce_settle(in, w);
			*mce_pa = pa;
			err = TDXSIM_ERR_MCE;
			break;
		}
		if (priv)
			pg && pg->priv ? memcpy(dst, pg->priv + pa % TDXSIM_4K, m) : memset(dst, 0, m);
		else if (tdxsim_line_owned(s))
			memset(dst, 0, m); /* shared read of a TD-owned line: zeros, no poison */
		else
			memcpy(dst, ram(in, pa, m), m);
		pa += m;
		dst += m;
		n -= m;
	}
	if (tracked)
		tdxsim_mce_trap_protect(in, pfn * TDXSIM_4K, (pfn + 1) * TDXSIM_4K);
	return err;
}

tdxsim_err_t tdxsim_mce_read(struct tdxsim_integrity *in, uint64_t pa, uint32_t keyid, void *buf, size_t len,
			     uint64_t *mce_pa)
{
	bool priv = tdxsim_hkid_is_private(in->hkid, keyid);
	uint8_t *dst = buf;
	tdxsim_err_t err = TDXSIM_OK;

	tdxsim_mce_trap_rearm(in);
	LOCK(in);
	while (len && !err) {
		size_t n = TDXSIM_4K - pa % TDXSIM_4K < len ? TDXSIM_4K - pa % TDXSIM_4K : len;
		err = read_page(in, pa, keyid, priv, dst, n, mce_pa);
		pa += n;
		dst += n;
		len -= n;
	}
	UNLOCK(in);
	return err;
}

/* ---- writes ------------------------------------------------------------------------------ */

/* One line's part [lo, lo + m) of a write. Returns 0 or -1 (out of memory). */
static int write_line(struct tdxsim_integrity *in, struct tdxsim_mce_page *pg, unsigned l, unsigned lo,
		      size_t m, const uint8_t *src, uint32_t keyid, bool priv)
{
	uint64_t line_pa = pg->pfn * TDXSIM_4K + l * TDXSIM_LINE;
	uint8_t *r = ram(in, line_pa, TDXSIM_LINE);
	uint16_t s = pg->line[l];

	if (m == TDXSIM_LINE) {
		/* Full line: new data and integrity metadata, poison gone, owner = writer. */
		if (tdxsim_line_poisoned(s))
			in->stats.lines_cleared++;
		if (priv) {
			uint8_t *p = priv_buf(in, pg);
			if (!p)
				return -1;
			memcpy(p + l * TDXSIM_LINE, src, TDXSIM_LINE);
			/* The RAM bytes of a TD-owned line are never read by the model (mce.h); only
			 * trap mode's plain-pointer loads must see the zeros a shared KeyID reads.
			 * Not writing them also spares a fresh page its first-touch fault. */
			if (in->trap)
				memset(r, 0, TDXSIM_LINE);
			pg->line[l] = (uint16_t)keyid;
		} else {
			/* A host clearing a page it took back from a TD writes zeros over RAM that
			 * was never touched (mce.h: owned lines' RAM bytes are not written outside
			 * trap mode): comparing first only maps the zero page instead of allocating
			 * one that tdxsim_phys_free() then discards. */
			if (!tdxsim_line_owned(s) || memcmp(r, src, TDXSIM_LINE))
				memcpy(r, src, TDXSIM_LINE);
			tdxsim_mce_drop_plaintext(pg, l);
			pg->line[l] = 0;
		}
		return 0;
	}
	if (tdxsim_line_poisoned(s))
		return 0; /* sticky until a full-line write */
	if (priv) {
		if ((s & TDXSIM_LINE_KEYID) == keyid) {
			uint8_t *p = priv_buf(in, pg);
			if (!p)
				return -1;
			memcpy(p + l * TDXSIM_LINE + lo, src, m);
		} else {
			pg->line[l] = s | TDXSIM_LINE_POISON;
			in->stats.lines_poisoned++;
		}
		return 0;
	}
	if (!tdxsim_line_owned(s)) {
		memcpy(r + lo, src, m);
		return 0;
	}
	if (in->errata & TDXSIM_ERRATUM_PARTIAL_WRITE_POISON) {
		pg->line[l] = s | TDXSIM_LINE_POISON;
		in->stats.lines_poisoned++;
		return 0;
	}
	/* No erratum: the line becomes plain memory; the rest of it reads as zeros. */
	memset(r, 0, TDXSIM_LINE);
	memcpy(r + lo, src, m);
	tdxsim_mce_drop_plaintext(pg, l);
	pg->line[l] = 0;
	return 0;
}

/* A whole page written through private KeyID @keyid: every line is a full-line write (poison
 * gone, owner = @keyid, plaintext replaced), done at once rather than line by line. */
static void write_page_private(struct tdxsim_integrity *in, struct tdxsim_mce_page *pg, uint32_t keyid,
			       const uint8_t *src)
{
	in->stats.lines_cleared += pg->poisoned;
	memcpy(pg->priv, src, TDXSIM_4K);
	if (in->trap) /* as in write_line: only plain-pointer loads read these bytes */
		memset(ram(in, pg->pfn * TDXSIM_4K, TDXSIM_4K), 0, TDXSIM_4K);
	for (unsigned l = 0; l < TDXSIM_LINES_PER_PAGE; l++)
		pg->line[l] = (uint16_t)keyid;
	pg->owned = TDXSIM_LINES_PER_PAGE;
	pg->poisoned = 0;
}

static tdxsim_err_t write_page(struct tdxsim_integrity *in, uint64_t pa, uint32_t keyid, bool priv,
			       const uint8_t *src, size_t n)
{
	uint64_t pfn = pa / TDXSIM_4K;
	struct tdxsim_mce_page *pg = tdxsim_mce_find(in, pfn);

	if (!pg && !priv) {
		uint16_t lines[TDXSIM_LINES_PER_PAGE];
		if (!tdxsim_mce_lines_from_ranges(in, pfn, lines)) {
			memcpy(ram(in, pa, n), src, n);
			return TDXSIM_OK;
		}
	}
	if (!pg && !(pg = tdxsim_mce_insert(in, pfn)))
		return TDXSIM_ERR_NO_MEMORY;
	tdxsim_mce_trap_open(in, pfn);
	if (priv && n == TDXSIM_4K) {
		/* Every plaintext byte is overwritten: no need to zero a new buffer first. */
		if (!pg->priv && !(pg->priv = tdxsim_mce_plain_alloc(in))) {
			tdxsim_mce_settle(in, pg);
			tdxsim_mce_trap_protect(in, pfn * TDXSIM_4K, (pfn + 1) * TDXSIM_4K);
			return TDXSIM_ERR_NO_MEMORY;
		}
		write_page_private(in, pg, keyid, src);
		tdxsim_mce_trap_protect(in, pfn * TDXSIM_4K, (pfn + 1) * TDXSIM_4K);
		return TDXSIM_OK;
	}
	tdxsim_err_t err = TDXSIM_OK;
	while (n && !err) {
		unsigned l = (pa % TDXSIM_4K) / TDXSIM_LINE, lo = pa % TDXSIM_LINE;
		size_t m = TDXSIM_LINE - lo < n ? TDXSIM_LINE - lo : n;
		uint16_t was = pg->line[l];
		if (write_line(in, pg, l, lo, m, src, keyid, priv))
			err = TDXSIM_ERR_NO_MEMORY;
		/* Counters follow each line, so settling need not recount the page (a host that
		 * clears a page with 64 MOVDIR64B would otherwise recount it 64 times). */
		pg->owned += tdxsim_line_owned(pg->line[l]) - tdxsim_line_owned(was);
		pg->poisoned += tdxsim_line_poisoned(pg->line[l]) - tdxsim_line_poisoned(was);
		pa += m;
		src += m;
		n -= m;
	}
	tdxsim_mce_settle_counted(in, pg);
	tdxsim_mce_trap_protect(in, pfn * TDXSIM_4K, (pfn + 1) * TDXSIM_4K);
	return err;
}

tdxsim_err_t tdxsim_mce_write(struct tdxsim_integrity *in, uint64_t pa, uint32_t keyid, const void *buf,
			      size_t len)
{
	bool priv = tdxsim_hkid_is_private(in->hkid, keyid);
	const uint8_t *src = buf;
	tdxsim_err_t err = TDXSIM_OK;

	tdxsim_mce_trap_rearm(in);
	LOCK(in);
	while (len && !err) {
		size_t n = TDXSIM_4K - pa % TDXSIM_4K < len ? TDXSIM_4K - pa % TDXSIM_4K : len;
		err = write_page(in, pa, keyid, priv, src, n);
		pa += n;
		src += n;
		len -= n;
	}
	UNLOCK(in);
	return err;
}

/* mce.h */
tdxsim_err_t tdxsim_mce_copy_page(struct tdxsim_integrity *in, uint64_t dst, uint32_t dst_keyid, uint64_t src,
				  uint32_t src_keyid, uint64_t *mce_pa)
{
	bool src_priv = tdxsim_hkid_is_private(in->hkid, src_keyid);
	bool dst_priv = tdxsim_hkid_is_private(in->hkid, dst_keyid);
	uint16_t lines[TDXSIM_LINES_PER_PAGE];
	uint8_t buf[TDXSIM_4K];
	const uint8_t *from = buf;
	tdxsim_err_t err = TDXSIM_OK;

	tdxsim_mce_trap_rearm(in);
	LOCK(in);
	/* Plain shared memory reads as its RAM bytes: copy from there directly. A 2 MiB frame
	 * that never held a record or range (the filter, mce.h) needs no lookup to know it. */
	bool plain = !tdxsim_mce_filter_test(in, src >> TDXSIM_FILTER_FRAME) ||
		     (!tdxsim_mce_find(in, src / TDXSIM_4K) &&
		      !tdxsim_mce_lines_from_ranges(in, src / TDXSIM_4K, lines));
	if (!src_priv && plain && src / TDXSIM_4K != dst / TDXSIM_4K)
		from = ram(in, src, TDXSIM_4K);
	else
		err = read_page(in, src, src_keyid, src_priv, buf, TDXSIM_4K, mce_pa);
	if (!err)
		err = write_page(in, dst, dst_keyid, dst_priv, from, TDXSIM_4K);
	UNLOCK(in);
	return err;
}

/* ---- whole-range marking ----------------------------------------------------------------- */

struct mark_arg {
	uint64_t base, end;
	uint32_t keyid;
};

static void mark_page(struct tdxsim_integrity *in, struct tdxsim_mce_page *pg, void *arg)
{
	const struct mark_arg *a = arg;
	uint64_t page = pg->pfn * TDXSIM_4K;
	for (unsigned l = 0; l < TDXSIM_LINES_PER_PAGE; l++) {
		uint64_t pa = page + l * TDXSIM_LINE;
		if (pa < a->base || pa >= a->end)
			continue;
		if (tdxsim_line_poisoned(pg->line[l]))
			in->stats.lines_cleared++;
		pg->line[l] = (uint16_t)a->keyid;
		tdxsim_mce_drop_plaintext(pg, l);
	}
	tdxsim_mce_settle(in, pg);
}

/* Whole pages are dropped rather than cleared: they read as zero again and give their host
 * memory back. */
void tdxsim_mce_zero_ram(struct tdxsim_integrity *in, uint64_t base, uint64_t end)
{
	while (base < end) {
		uint64_t page = tdxsim_align_down(base, TDXSIM_4K),
			 stop = page + TDXSIM_4K < end ? page + TDXSIM_4K : end;
		if (base == page && stop == page + TDXSIM_4K) {
			uint64_t run_end = tdxsim_align_down(end, TDXSIM_4K);
			tdxsim_mem_discard(in->mem, page, run_end - page);
			base = run_end;
			continue;
		}
		tdxsim_mce_trap_open(in, page / TDXSIM_4K);
		memset(ram(in, base, stop - base), 0, stop - base);
		base = stop;
	}
}

/* mce_priv.h */
int tdxsim_mce_mark(struct tdxsim_integrity *in, uint64_t base, uint64_t end, uint32_t keyid, unsigned *hint)
{
	struct mark_arg a = {base, end, keyid};
	if (tdxsim_mce_ranges_set(in, base, end, keyid, hint))
		return -1;
	tdxsim_mce_for_pages(in, base, end, mark_page, &a);
	/* Shared lines must read as zeros through the RAM; TD-owned ones only need to in trap
	 * mode (plain-pointer loads), and PAMTs are too large to rewrite otherwise. */
	if (!keyid || in->trap)
		tdxsim_mce_zero_ram(in, base, end);
	tdxsim_mce_trap_protect(in, tdxsim_align_down(base, TDXSIM_4K), tdxsim_align_up(end, TDXSIM_4K));
	return 0;
}

tdxsim_err_t tdxsim_mce_mark_private(struct tdxsim_integrity *in, uint64_t pa, uint64_t size, uint32_t keyid)
{
	if (!size || !tdxsim_hkid_is_private(in->hkid, keyid) || !ram(in, pa, size))
		return TDXSIM_ERR_INVALID_ARG;
	tdxsim_mce_trap_rearm(in);
	LOCK(in);
	int rc = tdxsim_mce_mark(in, tdxsim_align_down(pa, TDXSIM_LINE),
				 tdxsim_align_up(pa + size, TDXSIM_LINE), keyid, NULL);
	UNLOCK(in);
	return rc ? TDXSIM_ERR_NO_MEMORY : TDXSIM_OK;
}

tdxsim_err_t tdxsim_mce_mark_shared(struct tdxsim_integrity *in, uint64_t pa, uint64_t size)
{
	if (!size || !ram(in, pa, size))
		return TDXSIM_ERR_INVALID_ARG;
	tdxsim_mce_trap_rearm(in);
	LOCK(in);
	int rc = tdxsim_mce_mark(in, tdxsim_align_down(pa, TDXSIM_LINE),
				 tdxsim_align_up(pa + size, TDXSIM_LINE), 0, NULL);
	UNLOCK(in);
	return rc ? TDXSIM_ERR_NO_MEMORY : TDXSIM_OK;
}
