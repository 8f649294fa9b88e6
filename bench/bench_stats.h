/* SPDX-License-Identifier: MIT */
/*
 * What every benchmark reports (bench/README.md): times read from the process's CPU clock (user +
 * system: page faults count; a busy machine disturbs it far less than wall time) or a monotonic
 * wall clock, and the min and median of interleaved repetitions.
 */
#ifndef TDXSIM_BENCH_STATS_H
#define TDXSIM_BENCH_STATS_H

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BENCH_MAX_REPS 64

static inline double bench_cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline double bench_wall_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Min and median of the @n (1..BENCH_MAX_REPS) figures at @in, which stay in their order. */
static inline void bench_min_median(const double *in, int n, double *min, double *median)
{
	double v[BENCH_MAX_REPS];
	memcpy(v, in, sizeof(v[0]) * (size_t)n);
	qsort(v, (size_t)n, sizeof(v[0]), bench_cmp_double);
	*min = v[0];
	*median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#endif
