/* SPDX-License-Identifier: MIT */
/*
 * bench_seamcall: SEAMCALLs per second for a cheap leaf, TDH.SYS.RD of MINOR_VERSION on LP 0
 * of a default simulator brought to SYS_READY by host_tdx_init, next to two baselines timed in
 * the same run: the same loop calling an empty non-inlined function with the same arguments,
 * and the same loop doing one pthread mutex lock/unlock pair per iteration (tdxsim serializes
 * every SEAMCALL on such a lock, so that pair is a floor it cannot go below today).
 *
 * Each loop runs REPEATS times and the fastest run is reported: on a shared machine the
 * fastest run is the one least disturbed by other processes.
 *
 * Usage: bench_seamcall [calls]   (default 20000000)
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "host_tdx.h"
#include "tdxsim/tdxsim.h"

#define DEFAULT_CALLS  UINT64_C(20000000)
#define REPEATS	       3
#define TARGET_PER_SEC 10e6

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Baseline 1: a call with tdxsim_seamcall()'s signature that writes an output register, as
 * the leaf does. The asm hides the body from interprocedural analysis. */
__attribute__((noinline)) static uint64_t empty_seamcall(tdxsim_t *sim, uint32_t lp, uint64_t rax,
							 tdxsim_regs_t *regs)
{
	__asm__ volatile("" : : "r"(sim), "r"(lp), "r"(rax), "r"(regs) : "memory");
	regs->r8 = regs->rdx;
	return 0;
}

typedef uint64_t (*call_fn)(tdxsim_t *sim, uint32_t lp, uint64_t rax, tdxsim_regs_t *regs);

/* One timed loop through @fn; returns seconds, or a negative value if a call failed. */
static double time_calls(call_fn fn, tdxsim_t *sim, uint64_t n)
{
	uint64_t status = 0;
	double t0 = now_s();

	for (uint64_t i = 0; i < n; i++) {
		/* Fresh inputs every call: the leaf overwrites RDX with the next field id. */
		tdxsim_regs_t r = {.rdx = TDXSIM_MD_MINOR_VERSION};
		status |= fn(sim, 0, TDXSIM_TDH_SYS_RD, &r);
	}
	double t1 = now_s();
	return status ? -1.0 : t1 - t0;
}

static double time_mutex(uint64_t n)
{
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	volatile uint64_t counter = 0;
	double t0 = now_s();

	for (uint64_t i = 0; i < n; i++) {
		pthread_mutex_lock(&lock);
		counter = counter + 1;
		pthread_mutex_unlock(&lock);
	}
	double t1 = now_s();
	pthread_mutex_destroy(&lock);
	return t1 - t0;
}

static double best(double a, double b)
{
	if (a < 0 || b < 0)
		return -1.0;
	return a < b ? a : b;
}

static void print_row(const char *what, uint64_t n, double secs, double ref)
{
	printf("  %-44s %8.3f s  %14.0f calls/s  %7.2f ns/call", what, secs, (double)n / secs,
	       secs * 1e9 / (double)n);
	if (ref > 0)
		printf("  %6.2fx", secs / ref);
	printf("\n");
}

int main(int argc, char **argv)
{
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 0) : DEFAULT_CALLS;
	tdxsim_config_t cfg;
	tdxsim_t *sim;
	struct host_tdx *host = calloc(1, sizeof(*host));

	if (!n || !host) {
		fprintf(stderr, "usage: %s [calls > 0]\n", argv[0]);
		return 2;
	}
	tdxsim_config_init(&cfg);
	if (tdxsim_create(&cfg, &sim)) {
		fprintf(stderr, "tdxsim_create failed\n");
		return 1;
	}
	if (host_tdx_init(sim, NULL, host)) {
		fprintf(stderr, "host_tdx_init failed: %s\n", host->message);
		return 1;
	}

	/* The leaf must really succeed, or the figure would time the error path. */
	tdxsim_regs_t r = {.rdx = TDXSIM_MD_MINOR_VERSION};
	uint64_t status = tdxsim_seamcall(sim, 0, TDXSIM_TDH_SYS_RD, &r);
	if (status) {
		char name[96];
		fprintf(stderr, "TDH.SYS.RD failed: %s\n", tdxsim_status_name(status, name, sizeof(name)));
		return 1;
	}
	printf("tdxsim bench_seamcall: TDH.SYS.RD(MINOR_VERSION) on LP 0 of a ready default simulator\n");
	printf("  module %u.%u.%02u, MINOR_VERSION reads %" PRIu64 "; %" PRIu64
	       " calls per run, best of %d runs\n",
	       host->major, host->minor, host->update, r.r8, n, REPEATS);
	printf("  last column: time relative to baseline 1\n\n");

	uint64_t cycles0 = tdxsim_lp_cycles(sim, 0);
	double t_sc = 1e30, t_empty = 1e30, t_mutex = 1e30;
	time_calls(tdxsim_seamcall, sim, n / 20 + 1); /* warm caches and branch predictors */
	for (int i = 0; i < REPEATS; i++) {
		t_empty = best(t_empty, time_calls(empty_seamcall, sim, n));
		t_mutex = best(t_mutex, time_mutex(n));
		t_sc = best(t_sc, time_calls(tdxsim_seamcall, sim, n));
	}
	if (t_sc < 0 || t_empty < 0) {
		fprintf(stderr, "a call failed during the timed loop\n");
		return 1;
	}
	print_row("baseline 1: empty non-inlined call, same args", n, t_empty, t_empty);
	print_row("baseline 2: pthread mutex lock+unlock", n, t_mutex, t_empty);
	print_row("tdxsim_seamcall(TDH.SYS.RD)", n, t_sc, t_empty);

	uint64_t calls = (uint64_t)(n / 20 + 1) + (uint64_t)REPEATS * n;
	printf("\n  virtual cycles on LP 0: %" PRIu64
	       " per call (the modelled cost; wall time is the host's)\n",
	       calls ? (tdxsim_lp_cycles(sim, 0) - cycles0) / calls : 0);
	double rate = (double)n / t_sc;
	/* Informative only: a loaded machine must not turn a benchmark run into a failure. */
	printf("target > %.0f M TDH.SYS.RD/s: %.2f M/s  %s\n", TARGET_PER_SEC / 1e6, rate / 1e6,
	       rate > TARGET_PER_SEC ? "PASS" : "MISS");
	tdxsim_destroy(sim);
	free(host);
	return 0;
}
