/* SPDX-License-Identifier: MIT */
/*
 * bench_td: trust-domain build and lifecycle throughput, each next to a baseline timed in the
 * same run, in interleaved repetitions (baseline, measurement, baseline, ...), min and median.
 *
 * 1. TD build per image size (2 MiB to 256 MiB): SEPT.ADD, PAGE.ADD of every 4 KiB page and 16
 *    MR.EXTEND per page, then MR.FINALIZE (examples/td-lifecycle/kvm_td.c, KVM's order). The
 *    floor it is compared with is what any implementation must do for the same image: copy the
 *    image once (memcpy) and SHA-384 exactly the bytes the module measures (a 128-byte block per
 *    page and per 256-byte chunk, plus the chunk: tdx-module-abi.md 11.5). Target: within 1.3x.
 * 2. TD create + destroy per second (MNG.CREATE, KEY.CONFIG per package, ADDCX, MNG.INIT, one
 *    vCPU, VPFLUSHDONE, CACHE.WB, KEY.FREEID, RECLAIM of every page), next to the same number of
 *    TDH.SYS.RD calls (the cheapest leaf: dispatch and lock cost alone).
 *
 * Usage: bench_td [max-image-MiB [repetitions]]   (default 256 MiB, 5 repetitions)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "bench_stats.h"
#include "host_tdx.h"
#include "kvm_td.h"

#define MAX_REPS BENCH_MAX_REPS

/* The floor: one copy of the image and SHA-384 of exactly the measured bytes. */
static double floor_run(const uint8_t *image, uint8_t *copy, uint64_t len, uint64_t gpa, double *cpu)
{
	double t0 = bench_wall_s(), c0 = bench_cpu_s();
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t md[48];
	unsigned n;
	memcpy(copy, image, len);
	EVP_DigestInit_ex(ctx, EVP_sha384(), NULL);
	for (uint64_t off = 0; off < len; off += 4096) {
		uint8_t block[128] = "MEM.PAGE.ADD";
		uint64_t a = gpa + off;
		memcpy(block + 16, &a, 8);
		EVP_DigestUpdate(ctx, block, sizeof(block));
		for (unsigned c = 0; c < 4096; c += 256) {
			uint8_t e[128] = "MR.EXTEND";
			a = gpa + off + c;
			memcpy(e + 16, &a, 8);
			EVP_DigestUpdate(ctx, e, sizeof(e));
			EVP_DigestUpdate(ctx, copy + off + c, 256);
		}
	}
	EVP_DigestFinal_ex(ctx, md, &n);
	EVP_MD_CTX_free(ctx);
	*cpu = bench_cpu_s() - c0;
	return bench_wall_s() - t0;
}

/* One TD built with the @len bytes of image at simulated PA @src (the VMM's memory, as KVM's
 * source pages are); returns the build time, or -1. */
static double build_run(struct kvm_tdx *k, uint64_t src, uint64_t len, uint64_t gpa, double *cpu)
{
	static struct kvm_td td;
	if (kvm_td_create(k, &td, 1) || kvm_td_vcpu_create(k, &td, 0))
		return -1;
	double t0 = bench_wall_s(), c0 = bench_cpu_s();
	if (kvm_td_add_image_at(k, &td, gpa, src, len) || kvm_td_finalize(k, &td))
		return -1;
	double t = bench_wall_s() - t0;
	*cpu = bench_cpu_s() - c0;
	return kvm_td_destroy(k, &td) ? -1 : t;
}

static double lifecycle_run(struct kvm_tdx *k, unsigned n, double *cpu)
{
	static struct kvm_td td;
	double t0 = bench_wall_s(), c0 = bench_cpu_s();
	for (unsigned i = 0; i < n; i++)
		if (kvm_td_create(k, &td, 1) || kvm_td_vcpu_create(k, &td, 0) || kvm_td_destroy(k, &td))
			return -1;
	*cpu = bench_cpu_s() - c0;
	return bench_wall_s() - t0;
}

static double sys_rd_run(tdxsim_t *sim, unsigned n, double *cpu)
{
	double t0 = bench_wall_s(), c0 = bench_cpu_s();
	for (unsigned i = 0; i < n; i++) {
		tdxsim_regs_t r = {.rdx = UINT64_C(0x9800000100000100)};
		tdxsim_seamcall(sim, 0, TDXSIM_TDH_SYS_RD, &r);
	}
	*cpu = bench_cpu_s() - c0;
	return bench_wall_s() - t0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: bench_td [max-image-MiB [repetitions]]\n"
		       "TD build time per image size next to memcpy + SHA-384 of the measured bytes,\n"
		       "and TD create+destroy per second next to as many TDH.SYS.RD calls.\n");
		return 0;
	}
	unsigned max_mib = argc > 1 ? (unsigned)atoi(argv[1]) : 256;
	int reps = argc > 2 ? atoi(argv[2]) : 5;
	if (max_mib < 2 || reps < 1 || reps > MAX_REPS) {
		fprintf(stderr, "usage: bench_td [max-image-MiB >= 2 [repetitions 1..%d]]\n", MAX_REPS);
		return 2;
	}
	tdxsim_config_t cfg;
	tdxsim_t *sim;
	struct host_tdx host;
	struct host_tdx_opts opts = {0};
	static struct kvm_tdx k;
	tdxsim_config_init(&cfg);
	if (tdxsim_create(&cfg, &sim) != TDXSIM_OK || host_tdx_init(sim, &opts, &host) ||
	    kvm_tdx_init(&k, sim, host.global_keyid, host.keyid_first, host.keyid_count, stderr))
		return 1;
	uint64_t max_len = (uint64_t)max_mib << 20;
	uint8_t *image = malloc(max_len), *copy = malloc(max_len);
	if (!image || !copy)
		return 1;
	for (uint64_t i = 0; i < max_len; i++)
		image[i] = (uint8_t)(i * 7 + 3);
	/* The image where the VMM keeps it: in (simulated) host memory, loaded before the build,
	 * as KVM's KVM_TDX_INIT_MEM_REGION finds it in the VMM's memory and hands each source
	 * page's PA to PAGE.ADD (no staging copy in the timed build). */
	uint64_t src;
	uint8_t *src_va;
	if (tdxsim_phys_alloc(sim, max_len, 4096, UINT32_MAX, &src) != TDXSIM_OK ||
	    !(src_va = tdxsim_phys_to_virt(sim, src, max_len)))
		return 1;
	memcpy(src_va, image, max_len);

	printf("TD build (SEPT.ADD + PAGE.ADD + 16 x MR.EXTEND per 4 KiB + FINALIZE), %d repetitions\n",
	       reps);
	printf("%10s %12s %12s %12s %12s %8s %8s %8s %8s\n", "image", "build min", "build med", "floor min",
	       "floor med", "x min", "x med", "cpu min", "cpu med");
	for (uint64_t len = UINT64_C(2) << 20; len <= max_len; len *= 2) {
		double b[MAX_REPS], f[MAX_REPS], bc[MAX_REPS], fc[MAX_REPS], bmin, bmed, fmin, fmed;
		double bcmin, bcmed, fcmin, fcmed;
		/* A fresh GPA range per size keeps one SEPT path per 2 MiB, as KVM would have. */
		uint64_t gpa = UINT64_C(1) << 32;
		for (int r = 0; r < reps; r++) {
			f[r] = floor_run(image, copy, len, gpa, &fc[r]);
			if ((b[r] = build_run(&k, src, len, gpa, &bc[r])) < 0) {
				fprintf(stderr, "bench_td: build failed at %s\n", k.last_step);
				return 1;
			}
		}
		bench_min_median(b, reps, &bmin, &bmed);
		bench_min_median(f, reps, &fmin, &fmed);
		bench_min_median(bc, reps, &bcmin, &bcmed);
		bench_min_median(fc, reps, &fcmin, &fcmed);
		printf("%7llu MiB %10.2f ms %10.2f ms %10.2f ms %10.2f ms %7.2fx %7.2fx %7.2fx %7.2fx\n",
		       (unsigned long long)(len >> 20), bmin * 1e3, bmed * 1e3, fmin * 1e3, fmed * 1e3,
		       bmin / fmin, bmed / fmed, bcmin / fcmin, bcmed / fcmed);
	}

	enum { N = 200 };
	double l[MAX_REPS], s[MAX_REPS], lc[MAX_REPS], sc[MAX_REPS], lmin, lmed, smin, smed, lcmin, lcmed;
	for (int r = 0; r < reps; r++) {
		s[r] = sys_rd_run(sim, N, &sc[r]);
		if ((l[r] = lifecycle_run(&k, N, &lc[r])) < 0) {
			fprintf(stderr, "bench_td: lifecycle failed at %s\n", k.last_step);
			return 1;
		}
	}
	bench_min_median(l, reps, &lmin, &lmed);
	bench_min_median(s, reps, &smin, &smed);
	printf("\nTD create+destroy (1 vCPU, no image), %d per repetition\n", N);
	printf("  create+destroy: %10.0f /s (min time) %10.0f /s (median)  %.1f us each\n", N / lmin,
	       N / lmed, lmed / N * 1e6);
	printf("  TDH.SYS.RD    : %10.0f /s (min time) %10.0f /s (median)  baseline, same run\n", N / smin,
	       N / smed);
	bench_min_median(lc, reps, &lcmin, &lcmed);
	bench_min_median(sc, reps, &smin, &smed);
	printf("  CPU time: create+destroy %.1f / %.1f us each (min / median), TDH.SYS.RD %.1f / %.1f ns\n",
	       lcmin / N * 1e6, lcmed / N * 1e6, smin / N * 1e9, smed / N * 1e9);
	tdxsim_destroy(sim);
	free(image);
	free(copy);
	return 0;
}
