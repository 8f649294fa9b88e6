/* SPDX-License-Identifier: MIT */
/*
 * Per-CPU threads for host code ported from a kernel: one pthread per simulated LP, each of which
 * made that LP its current CPU (tdxsim_linux_set_cpu()), and the two ways a kernel runs code on
 * other CPUs: on one given CPU (smp_call_on_cpu()) and on every CPU at once (on_each_cpu()).
 */
#ifndef TDXSIM_EXAMPLE_KCPUS_H
#define TDXSIM_EXAMPLE_KCPUS_H

#include "tdxsim/tdxsim.h"

struct kcpus;

/* Starts one thread per LP of @sim. 0, or -1 if a thread could not be created. */
int kcpus_start(tdxsim_t *sim, struct kcpus **out);
/* Stops and joins every thread (clearing their current CPU). NULL is accepted. */
void kcpus_stop(struct kcpus *cpus);
/* Number of CPUs (the simulator's LPs). */
unsigned kcpus_count(const struct kcpus *cpus);

/* Runs @fn(@arg) on the thread of @cpu and waits for it: its return value, or -1 for a bad CPU. */
int smp_call_on_cpu(struct kcpus *cpus, unsigned cpu, int (*fn)(void *arg), void *arg);
/* Runs @fn(@arg) on every CPU concurrently and waits for all: 0, or the first non-zero result
 * in CPU order. */
int on_each_cpu(struct kcpus *cpus, int (*fn)(void *arg), void *arg);

#endif
