/* SPDX-License-Identifier: MIT */
/*
 * Trap mode (memory.h): host pages holding TD-owned lines are read-only, those holding
 * poisoned lines inaccessible, so plain-pointer accesses fault where they happen and go
 * through the same rules as tdxsim_mem_write()/_read(). The library's own accesses open a
 * page for the duration of one operation under the model lock.
 *
 * A fault opens the page so that the faulting instruction can complete; the page is
 * re-protected by the single-step trap that follows (TDXSIM_TRAP_STEP) or by the next call
 * into the model. Runs in signal context: it takes only the model lock, which no code holds
 * while touching a protected page, and allocates only when a range-covered page first
 * diverges (host code faults on its own stores, never inside malloc).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "mce/mce_priv.h"

#define LOCK(in)   pthread_mutex_lock(&(in)->lock)
#define UNLOCK(in) pthread_mutex_unlock(&(in)->lock)

static int prot_flags(enum tdxsim_prot p)
{
	return p == TDXSIM_PROT_NONE ? PROT_NONE : p == TDXSIM_PROT_RO ? PROT_READ : PROT_READ | PROT_WRITE;
}

static enum tdxsim_prot wanted(const struct tdxsim_integrity *in, uint64_t pfn)
{
	uint16_t lines[TDXSIM_LINES_PER_PAGE];
	enum tdxsim_prot p = TDXSIM_PROT_RW;
	if (!tdxsim_mce_view(in, pfn, lines))
		return p;
	for (unsigned l = 0; l < TDXSIM_LINES_PER_PAGE; l++) {
		if (tdxsim_line_poisoned(lines[l]))
			return TDXSIM_PROT_NONE;
		if (tdxsim_line_owned(lines[l]))
			p = TDXSIM_PROT_RO;
	}
	return p;
}

static void set_prot(struct tdxsim_integrity *in, uint64_t base, uint64_t len, enum tdxsim_prot p)
{
	void *host = tdxsim_mem_ptr(in->mem, base, len);
	/* A failure (the host's map-count limit) leaves the pages unprotected: trap mode then
	 * misses accesses there but the model stays right (docs/memory-integrity.md). */
	if (host)
		mprotect(host, len, prot_flags(p));
}

void tdxsim_mce_trap_open(struct tdxsim_integrity *in, uint64_t pfn)
{
	if (in->trap)
		set_prot(in, pfn * TDXSIM_4K, TDXSIM_4K, TDXSIM_PROT_RW);
}

void tdxsim_mce_trap_protect(struct tdxsim_integrity *in, uint64_t base, uint64_t end)
{
	if (!in->trap || base >= end)
		return;
	/* One mprotect per run of pages that want the same protection (PAMT ranges are long). */
	uint64_t run = base / TDXSIM_4K, last = (end - 1) / TDXSIM_4K;
	enum tdxsim_prot p = wanted(in, run);
	for (uint64_t pfn = run + 1; pfn <= last + 1; pfn++) {
		enum tdxsim_prot q = pfn <= last ? wanted(in, pfn) : (enum tdxsim_prot) - 1;
		if (q == p)
			continue;
		set_prot(in, run * TDXSIM_4K, (pfn - run) * TDXSIM_4K, p);
		run = pfn;
		p = q;
	}
}

static bool is_open(const struct tdxsim_integrity *in, uint64_t pfn)
{
	for (unsigned i = 0; i < in->num_open; i++)
		if (in->open[i] == pfn)
			return true;
	return false;
}

/* Remembers an opened page. Without room the page is re-protected at once instead, which
 * only costs a second fault. */
static bool note_open(struct tdxsim_integrity *in, uint64_t pfn)
{
	if (is_open(in, pfn))
		return true;
	if (in->num_open == in->cap_open) {
		unsigned cap = in->cap_open ? in->cap_open * 2 : 8;
		uint64_t *n = realloc(in->open, cap * sizeof(*n));
		if (!n)
			return false;
		in->open = n;
		in->cap_open = cap;
	}
	in->open[in->num_open++] = pfn;
	atomic_store_explicit(&in->open_count, in->num_open, memory_order_relaxed);
	return true;
}

bool tdxsim_mce_trap_rearm(struct tdxsim_integrity *in)
{
	if (!in->trap || !atomic_load_explicit(&in->open_count, memory_order_relaxed))
		return false;
	LOCK(in);
	bool any = in->num_open != 0;
	for (unsigned i = 0; i < in->num_open; i++)
		tdxsim_mce_trap_protect(in, in->open[i] * TDXSIM_4K, (in->open[i] + 1) * TDXSIM_4K);
	in->num_open = 0;
	atomic_store_explicit(&in->open_count, 0, memory_order_relaxed);
	UNLOCK(in);
	return any;
}

tdxsim_trap_result_t tdxsim_mce_trap_fault(struct tdxsim_integrity *in, uint64_t pa, int write,
					   uint64_t *mce_pa)
{
	if (!in->trap)
		return TDXSIM_TRAP_NOT_MINE;
	uint64_t pfn = pa / TDXSIM_4K;
	unsigned l = (pa % TDXSIM_4K) / TDXSIM_LINE;
	tdxsim_trap_result_t result = TDXSIM_TRAP_RETRY;

	LOCK(in);
	enum tdxsim_prot p = is_open(in, pfn) ? TDXSIM_PROT_RW : wanted(in, pfn);
	if (p == TDXSIM_PROT_RW) {
		/* Not a page we protect, unless a fault already opened it (then just retry). */
		result = is_open(in, pfn) ? TDXSIM_TRAP_RETRY : TDXSIM_TRAP_NOT_MINE;
		UNLOCK(in);
		return result;
	}
	if (write < 0)
		write = p == TDXSIM_PROT_RO; /* a read-only page faults only on stores */
	uint16_t lines[TDXSIM_LINES_PER_PAGE];
	tdxsim_mce_view(in, pfn, lines);
	uint16_t s = lines[l];
	in->stats.trap_faults++;
	tdxsim_mce_trap_open(in, pfn);
	if (write && tdxsim_line_owned(s) && !tdxsim_line_poisoned(s)) {
		/* A store of unknown size: counted as a partial-line write (memory.h). */
		struct tdxsim_mce_page *pg = tdxsim_mce_get(in, pfn);
		if (pg) {
			if (in->errata & TDXSIM_ERRATUM_PARTIAL_WRITE_POISON) {
				pg->line[l] |= TDXSIM_LINE_POISON;
				in->stats.lines_poisoned++;
			} else {
				memset(tdxsim_mem_ptr(in->mem, pa - pa % TDXSIM_LINE, TDXSIM_LINE), 0,
				       TDXSIM_LINE);
				if (pg->priv)
					memset(pg->priv + l * TDXSIM_LINE, 0, TDXSIM_LINE);
				pg->line[l] = 0;
			}
			tdxsim_mce_settle(in, pg);
		}
	} else if (!write && tdxsim_line_poisoned(s)) {
		/* The load consumes poison; if the host resumes it, it reads what the memory
		 * controller returns for poisoned data: zeros. */
		memset(tdxsim_mem_ptr(in->mem, pa - pa % TDXSIM_LINE, TDXSIM_LINE), 0, TDXSIM_LINE);
		*mce_pa = pa;
		result = TDXSIM_TRAP_MCE;
	}
	/* Leave the page open for the faulting instruction (stepped or lazily re-protected). */
	if (!note_open(in, pfn))
		tdxsim_mce_trap_protect(in, pfn * TDXSIM_4K, (pfn + 1) * TDXSIM_4K);
	UNLOCK(in);
	return result;
}
