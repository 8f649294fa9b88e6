/* SPDX-License-Identifier: MIT */
/*
 * bench_snapshot: what a fuzz input pays before its first operation. fuzz_seamcall used to
 * create a platform per input (and bring it up when the input asked); it now restores a
 * snapshot of one created and brought up once (tdxsim/snapshot.h). Timed on the fuzz target's
 * platform (1 package x 2 LPs, two 1 GiB RAM ranges), in interleaved repetitions, CPU time:
 *
 *   restore      tdxsim_snapshot_restore() of the brought-up platform after a run that
 *                changed it (a few SEAMCALLs, a TDMR_INFO overwritten, a page allocated and
 *                written, an injection queued): what each input pays now;
 *   baseline 1   tdxsim_create + tdxsim_destroy of the same platform;
 *   baseline 2   tdxsim_create + the whole bring-up (host_tdx_init) + tdxsim_destroy: what an
 *                input starting from a brought-up platform paid without snapshots.
 *
 * Usage: bench_snapshot [iterations [repetitions]]   (default 2000 and 7)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_stats.h"
#include "host_tdx.h"
#include "tdxsim/snapshot.h"
#include "tdxsim/tdxsim.h"

#define MAX_REPS BENCH_MAX_REPS

static void fuzz_platform(tdxsim_config_t *cfg)
{
	tdxsim_config_init(cfg);
	cfg->lps_per_package = 2;
	cfg->num_ram_ranges = 2;
	cfg->ram[0] = (tdxsim_range_t){0, UINT64_C(1) << 30, 0};
	cfg->ram[1] = (tdxsim_range_t){UINT64_C(4) << 30, UINT64_C(1) << 30, 0};
}

/* What a typical input does to the platform between two restores. */
static void dirty(tdxsim_t *sim, const struct host_tdx *h)
{
	for (int i = 0; i < 8; i++) {
		tdxsim_regs_t r = {.rdx = TDXSIM_MD_MAX_TDMRS + (uint64_t)i};
		tdxsim_seamcall(sim, (uint32_t)i % 2, TDXSIM_TDH_SYS_RD, &r);
	}
	tdxsim_regs_t r = {0};
	tdxsim_seamcall(sim, 0, TDXSIM_TDH_SYS_SHUTDOWN, &r);
	memset(tdxsim_phys_to_virt(sim, h->tdmr_array_pa, 4096), 0xA5, 4096);
	uint64_t pa;
	if (!tdxsim_phys_alloc(sim, 8192, 4096, UINT32_MAX, &pa))
		memset(tdxsim_phys_to_virt(sim, pa, 8192), 0x5A, 8192);
	tdxsim_inject_status(sim, TDXSIM_TDH_SYS_RD, TDXSIM_ANY_LP, 2, TDXSIM_TDX_SYS_BUSY);
}

struct series {
	const char *what;
	double us[MAX_REPS];
	double min, median;
};

static void summarize(struct series *s, int reps)
{
	bench_min_median(s->us, reps, &s->min, &s->median);
}

int main(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: %s [iterations [repetitions]]\n"
		       "  Times a snapshot restore of a brought-up fuzz platform next to creating (and\n"
		       "  bringing up) one, interleaved; prints CPU microseconds, min and median.\n",
		       argv[0]);
		return 0;
	}
	int iters = argc > 1 ? atoi(argv[1]) : 2000, reps = argc > 2 ? atoi(argv[2]) : 7;
	if (iters < 1 || reps < 1 || reps > MAX_REPS) {
		fprintf(stderr, "usage: %s [iterations [repetitions <= %d]]\n", argv[0], MAX_REPS);
		return 2;
	}
	tdxsim_config_t cfg;
	fuzz_platform(&cfg);
	tdxsim_t *sim;
	struct host_tdx *host = calloc(1, sizeof(*host)), *tmp = calloc(1, sizeof(*tmp));
	tdxsim_snapshot_t *snap;
	if (!host || !tmp || tdxsim_create(&cfg, &sim) || host_tdx_init(sim, NULL, host) ||
	    tdxsim_snapshot_take(sim, &snap)) {
		fprintf(stderr, "setting up the platform failed\n");
		return 1;
	}
	uint64_t hash = tdxsim_state_hash(sim);
	struct series s[3] = {{"restore (dirty platform, brought up)", {0}, 0, 0},
			      {"baseline 1: create + destroy", {0}, 0, 0},
			      {"baseline 2: create + bring-up + destroy", {0}, 0, 0}};
	int base_iters = iters / 10 > 0 ? iters / 10 : 1; /* the baselines are far dearer */
	for (int rep = 0; rep < reps; rep++) {
		double t = 0;
		for (int i = 0; i < iters; i++) {
			dirty(sim, host);
			double t0 = (bench_cpu_s() * 1e6);
			if (tdxsim_snapshot_restore(sim, snap))
				return 1;
			t += (bench_cpu_s() * 1e6) - t0;
		}
		s[0].us[rep] = t / iters;
		if (tdxsim_state_hash(sim) != hash) {
			fprintf(stderr, "the restore did not bring the state back\n");
			return 1;
		}
		double t0 = (bench_cpu_s() * 1e6);
		for (int i = 0; i < base_iters; i++) {
			tdxsim_t *other;
			if (tdxsim_create(&cfg, &other))
				return 1;
			tdxsim_destroy(other);
		}
		s[1].us[rep] = ((bench_cpu_s() * 1e6) - t0) / base_iters;
		t0 = (bench_cpu_s() * 1e6);
		for (int i = 0; i < base_iters; i++) {
			tdxsim_t *other;
			if (tdxsim_create(&cfg, &other) || host_tdx_init(other, NULL, tmp))
				return 1;
			tdxsim_destroy(other);
		}
		s[2].us[rep] = ((bench_cpu_s() * 1e6) - t0) / base_iters;
	}
	printf("tdxsim bench_snapshot: per-input setup of the fuzz platform (1 package x 2 LPs, 2 x 1 "
	       "GiB)\n");
	printf("  %d restores and %d of each baseline per repetition, %d interleaved repetitions; CPU us\n\n",
	       iters, base_iters, reps);
	printf("  %-42s %9s %9s %12s %9s\n", "", "min", "median", "per second", "x base 2");
	for (int k = 0; k < 3; k++)
		summarize(&s[k], reps);
	for (int k = 0; k < 3; k++) {
		printf("  %-42s %9.2f %9.2f %12.0f %8.3fx\n", s[k].what, s[k].min, s[k].median,
		       1e6 / s[k].median, s[k].median / s[2].median);
	}
	printf("\n  restore replaces create + bring-up: %.0fx cheaper (medians)\n",
	       s[2].median / s[0].median);
	tdxsim_snapshot_free(snap);
	tdxsim_destroy(sim);
	free(host);
	free(tmp);
	return 0;
}
