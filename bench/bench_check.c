/* SPDX-License-Identifier: MIT */
/*
 * bench_check: the oracles a fuzz target runs after every call. A target checks every invariant
 * and hashes the whole state after each SEAMCALL; tdxsim_check_invariants_hash() gives both from
 * one pass. Timed next to its baseline, the two calls it replaces (tdxsim_check_invariants()
 * then tdxsim_state_hash()), in interleaved repetitions (baseline, measurement, ...), CPU time
 * per call, min and median, on the fuzz target's platform (1 package x 2 LPs, two 1 GiB RAM
 * ranges) brought up as Linux does it, in two states:
 *
 *   no TD      the brought-up platform (the PAMT, the KOT, the integrity model of the PAMTs);
 *   one TD     the same with a RUNNABLE TD of KVM's making (examples/td-lifecycle: MNG.CREATE
 *              .. MNG.INIT, one vCPU, a 64 KiB image (16 pages) PAGE.ADDed and measured, MR.FINALIZE).
 *
 * Every repetition also checks that both give the same hash.
 *
 * Usage: bench_check [iterations [repetitions]]   (default 20000 and 7)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_stats.h"
#include "host_tdx.h"
#include "kvm_td.h"
#include "tdxsim/tdxsim.h"

#define MAX_REPS BENCH_MAX_REPS
#define IMAGE	 (UINT64_C(64) << 10)

/* CPU us per iteration of the baseline (@fused false) or the fused call; the last hash in *h. */
static double time_calls(const tdxsim_t *sim, int iters, bool fused, uint64_t *h)
{
	char msg[256];
	double t0 = (bench_cpu_s() * 1e6);
	for (int i = 0; i < iters; i++) {
		if (fused) {
			if (tdxsim_check_invariants_hash(sim, h, msg, sizeof(msg)) != TDXSIM_OK)
				goto broken;
		} else {
			if (tdxsim_check_invariants(sim, msg, sizeof(msg)) != TDXSIM_OK)
				goto broken;
			*h = tdxsim_state_hash(sim);
		}
	}
	return ((bench_cpu_s() * 1e6) - t0) / iters;
broken:
	fprintf(stderr, "bench_check: invariant broken: %s\n", msg);
	exit(1);
}

/* One state: interleaved repetitions, then its two rows. */
static void measure(const char *state, const tdxsim_t *sim, int iters, int reps)
{
	double base[MAX_REPS], fused[MAX_REPS];
	for (int rep = 0; rep < reps; rep++) {
		uint64_t hb = 0, hf = 0;
		base[rep] = time_calls(sim, iters, false, &hb);
		fused[rep] = time_calls(sim, iters, true, &hf);
		if (hb != hf) {
			fprintf(stderr, "bench_check: the fused hash differs from tdxsim_state_hash()\n");
			exit(1);
		}
	}
	double bmin, bmed, fmin, fmed;
	bench_min_median(base, reps, &bmin, &bmed);
	bench_min_median(fused, reps, &fmin, &fmed);
	printf("  %-8s %-44s %8.2f %8.2f\n", state, "baseline: check_invariants + state_hash", bmin, bmed);
	printf("  %-8s %-44s %8.2f %8.2f   %.2fx of baseline\n", state, "check_invariants_hash", fmin, fmed,
	       fmed / bmed);
}

int main(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: %s [iterations [repetitions]]\n"
		       "  Times tdxsim_check_invariants_hash() next to tdxsim_check_invariants() +\n"
		       "  tdxsim_state_hash() on the fuzz platform, without and with a TD, interleaved;\n"
		       "  prints CPU microseconds per call, min and median.\n",
		       argv[0]);
		return 0;
	}
	int iters = argc > 1 ? atoi(argv[1]) : 20000, reps = argc > 2 ? atoi(argv[2]) : 7;
	if (iters < 1 || reps < 1 || reps > MAX_REPS) {
		fprintf(stderr, "usage: %s [iterations [repetitions <= %d]]\n", argv[0], MAX_REPS);
		return 2;
	}
	tdxsim_config_t cfg;
	tdxsim_config_init(&cfg);
	cfg.lps_per_package = 2;
	cfg.num_ram_ranges = 2;
	cfg.ram[0] = (tdxsim_range_t){0, UINT64_C(1) << 30, 0};
	cfg.ram[1] = (tdxsim_range_t){UINT64_C(4) << 30, UINT64_C(1) << 30, 0};
	tdxsim_t *sim;
	static struct host_tdx host;
	static struct kvm_tdx k;
	static struct kvm_td td;
	if (tdxsim_create(&cfg, &sim) || host_tdx_init(sim, NULL, &host)) {
		fprintf(stderr, "bench_check: bringing the platform up failed\n");
		return 1;
	}
	printf("tdxsim bench_check: the invariant check and state hash after every fuzzed call\n");
	printf("  fuzz platform (1 package x 2 LPs, 2 x 1 GiB); %d calls per repetition, %d interleaved "
	       "repetitions; CPU us per call\n\n",
	       iters, reps);
	printf("  %-8s %-44s %8s %8s\n", "state", "", "min", "median");
	measure("no TD", sim, iters, reps);

	uint8_t *image = calloc(1, IMAGE);
	if (!image || kvm_tdx_init(&k, sim, host.global_keyid, host.keyid_first, host.keyid_count, NULL) ||
	    kvm_td_create(&k, &td, 1) || kvm_td_vcpu_create(&k, &td, 0) ||
	    kvm_td_add_image(&k, &td, 0, image, IMAGE) || kvm_td_finalize(&k, &td)) {
		fprintf(stderr, "bench_check: building the TD failed\n");
		return 1;
	}
	measure("one TD", sim, iters / 4 > 0 ? iters / 4 : 1, reps); /* dearer: a quarter as many */
	free(image);
	tdxsim_destroy(sim);
	return 0;
}
