/* SPDX-License-Identifier: MIT */
/*
 * bench_mem: host memory throughput through the library's KeyID-tagged accesses
 * (tdxsim_mem_read/_write, memory.h), next to plain memcpy on the same simulated pages in the
 * same run. The simulator is brought up with host_tdx_init, so its PAMTs are private memory
 * and the fast path has real private memory to stay away from.
 *
 * Rows: 4 KiB copies over a working set of WSET_PAGES pages (small enough to stay in cache, so
 * the library's per-call overhead shows rather than DRAM bandwidth):
 *  - shared pages in a 2 MiB frame without private memory: the lock-free fast path, read and
 *    write (target: within 2x of memcpy);
 *  - shared pages next to private ones (same 2 MiB frame): the model looks each page up;
 *  - private pages (written by a "TD" through a private KeyID): read and write through that
 *    KeyID, and a read through KeyID 0 (zeros), all line by line in the model.
 * Each loop runs REPEATS times; the fastest run counts (least disturbed on a shared machine).
 *
 * Usage: bench_mem [copies]   (default 2000000 copies of 4 KiB per row)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "host_tdx.h"
#include "tdxsim/memory.h"

#define PAGE	   4096
#define WSET_PAGES 64
#define REPEATS	   5
#define TARGET	   2.0

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

enum kind { MEMCPY_READ, MEMCPY_WRITE, LIB_READ, LIB_WRITE };

struct ctx {
	tdxsim_t *sim;
	uint64_t base;	/* first page of the working set */
	uint32_t keyid; /* KeyID in the address for LIB_* */
	uint8_t *host;	/* tdxsim_phys_to_virt(base) for MEMCPY_* */
	uint8_t *buf;	/* the caller's side of every copy */
};

/* One timed loop of @n copies; returns seconds, or -1 if a library call failed. */
static double run(const struct ctx *c, enum kind k, uint64_t n)
{
	uint64_t shift = tdxsim_keyid_shift(c->sim), fails = 0;
	double t0 = now_s();
	for (uint64_t i = 0; i < n; i++) {
		uint64_t off = (i % WSET_PAGES) * PAGE;
		uint64_t pa = (c->base + off) | (uint64_t)c->keyid << shift;
		switch (k) {
		case MEMCPY_READ:
			memcpy(c->buf, c->host + off, PAGE);
			break;
		case MEMCPY_WRITE:
			memcpy(c->host + off, c->buf, PAGE);
			break;
		case LIB_READ:
			fails += tdxsim_mem_read(c->sim, 0, pa, c->buf, PAGE) != TDXSIM_OK;
			break;
		case LIB_WRITE:
			fails += tdxsim_mem_write(c->sim, 0, pa, c->buf, PAGE) != TDXSIM_OK;
			break;
		}
		/* Keep the copies observable to the optimizer. */
		__asm__ volatile("" : : "r"(c->buf), "r"(c->host) : "memory");
	}
	double t = now_s() - t0;
	return fails ? -1.0 : t;
}

static double best_of(const struct ctx *c, enum kind k, uint64_t n)
{
	double best = -1.0;
	for (int r = 0; r < REPEATS; r++) {
		double t = run(c, k, n);
		if (t < 0)
			return -1.0;
		if (best < 0 || t < best)
			best = t;
	}
	return best;
}

static void row(const char *name, double t, double base, uint64_t n)
{
	double gbs = (double)n * PAGE / t / 1e9;
	printf("%-38s %9.1f ns/copy %7.2f GB/s   x%.2f of memcpy\n", name, t / (double)n * 1e9, gbs,
	       t / base);
}

int main(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("Usage: %s [copies]\n"
		       "Host memory throughput through KeyID-tagged accesses next to memcpy\n"
		       "(default 2000000 copies of 4 KiB per row; bench/README.md).\n",
		       argv[0]);
		return 0;
	}
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 0) : 2000000;
	tdxsim_config_t cfg;
	tdxsim_t *sim;
	struct host_tdx host;
	struct host_tdx_opts opts = {0};
	uint64_t shared_pa, near_pa, private_pa;
	static uint8_t buf[PAGE] __attribute__((aligned(64)));

	tdxsim_config_init(&cfg);
	if (n == 0 || tdxsim_create(&cfg, &sim) || host_tdx_init(sim, &opts, &host) ||
	    tdxsim_phys_alloc(sim, WSET_PAGES * PAGE, PAGE, UINT32_MAX, &private_pa) ||
	    tdxsim_phys_alloc(sim, WSET_PAGES * PAGE, PAGE, UINT32_MAX, &near_pa) ||
	    tdxsim_phys_alloc(sim, 2 << 20, 2 << 20, UINT32_MAX, &shared_pa)) {
		fprintf(stderr, "bench_mem: setup failed\n");
		return 1;
	}
	uint32_t keyid = host.global_keyid + 1;
	memset(buf, 0x5A, sizeof(buf));
	/* A "TD" writes the private pages whole, line by line (MOVDIR64B, private KeyID). */
	for (uint64_t off = 0; off < WSET_PAGES * PAGE; off += 64)
		tdxsim_movdir64b(sim, 0, (private_pa + off) | (uint64_t)keyid << tdxsim_keyid_shift(sim),
				 buf);
	for (uint64_t off = 0; off < WSET_PAGES * PAGE; off += PAGE) {
		tdxsim_mem_write(sim, 0, shared_pa + off, buf, PAGE);
		tdxsim_mem_write(sim, 0, near_pa + off, buf, PAGE);
	}
	if ((near_pa >> 21) != (private_pa >> 21))
		printf("note: the 'next to private' pages landed in another 2 MiB frame\n");

	struct ctx shared = {sim, shared_pa, 0, tdxsim_phys_to_virt(sim, shared_pa, PAGE), buf};
	struct ctx near = {sim, near_pa, 0, tdxsim_phys_to_virt(sim, near_pa, PAGE), buf};
	struct ctx priv = {sim, private_pa, keyid, tdxsim_phys_to_virt(sim, private_pa, PAGE), buf};
	struct ctx priv_k0 = priv;
	priv_k0.keyid = 0;

	printf("bench_mem: %llu copies of 4 KiB per row over %u pages, best of %d\n", (unsigned long long)n,
	       WSET_PAGES, REPEATS);
	double mr = best_of(&shared, MEMCPY_READ, n), mw = best_of(&shared, MEMCPY_WRITE, n);
	double sr = best_of(&shared, LIB_READ, n), sw = best_of(&shared, LIB_WRITE, n);
	/* Fewer copies on the slow path: it is per line, not per page. */
	uint64_t np = n / 8 ? n / 8 : 1;
	double nr = best_of(&near, LIB_READ, np), nw = best_of(&near, LIB_WRITE, np);
	double pr = best_of(&priv, LIB_READ, np), pw = best_of(&priv, LIB_WRITE, np);
	double pz = best_of(&priv_k0, LIB_READ, np);
	if (mr < 0 || mw < 0 || sr < 0 || sw < 0 || nr < 0 || nw < 0 || pr < 0 || pw < 0 || pz < 0) {
		fprintf(stderr, "bench_mem: a library access failed\n");
		return 1;
	}
	row("memcpy read (baseline)", mr, mr, n);
	row("memcpy write (baseline)", mw, mw, n);
	row("shared read  tdxsim_mem_read", sr, mr, n);
	row("shared write tdxsim_mem_write", sw, mw, n);
	row("shared read, next to private pages", nr, mr * np / n, np);
	row("shared write, next to private pages", nw, mw * np / n, np);
	row("private read  (owner KeyID)", pr, mr * np / n, np);
	row("private write (owner KeyID)", pw, mw * np / n, np);
	row("private read  (KeyID 0: zeros)", pz, mr * np / n, np);
	double worst = sr / mr > sw / mw ? sr / mr : sw / mw;
	printf("shared 4 KiB copies (fast path): x%.2f of memcpy at worst (target x%.1f): %s\n", worst,
	       TARGET, worst <= TARGET ? "met" : "NOT met");
	tdxsim_mem_stats_t st;
	tdxsim_mem_stats(sim, &st);
	printf("pages with line metadata: %llu; private range bytes: %llu\n",
	       (unsigned long long)st.tracked_pages, (unsigned long long)st.private_range_bytes);
	tdxsim_destroy(sim);
	return 0;
}
