/* SPDX-License-Identifier: MIT */
/* Per-CPU worker threads (kcpus.h). Each waits for one call at a time and runs it. */
#include "kcpus.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "tdxsim/linux.h"

struct kcpu {
	struct kcpus *owner;
	unsigned id;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int (*fn)(void *);
	void *arg;
	int ret;
	bool pending, stop;
};

struct kcpus {
	tdxsim_t *sim;
	unsigned nr, started;
	struct kcpu *cpu;
};

static void *cpu_main(void *p)
{
	struct kcpu *c = p;
	tdxsim_linux_set_cpu(c->owner->sim, c->id);
	pthread_mutex_lock(&c->lock);
	for (;;) {
		while (!c->pending && !c->stop)
			pthread_cond_wait(&c->cond, &c->lock);
		if (c->stop)
			break;
		pthread_mutex_unlock(&c->lock);
		int ret = c->fn(c->arg);
		pthread_mutex_lock(&c->lock);
		c->ret = ret;
		c->pending = false;
		pthread_cond_broadcast(&c->cond);
	}
	pthread_mutex_unlock(&c->lock);
	tdxsim_linux_set_cpu(NULL, 0);
	return NULL;
}

int kcpus_start(tdxsim_t *sim, struct kcpus **out)
{
	struct kcpus *cpus = calloc(1, sizeof(*cpus));
	*out = NULL;
	if (!cpus)
		return -1;
	cpus->sim = sim;
	cpus->nr = tdxsim_num_lps(sim);
	cpus->cpu = calloc(cpus->nr, sizeof(*cpus->cpu));
	if (!cpus->cpu) {
		free(cpus);
		return -1;
	}
	for (unsigned i = 0; i < cpus->nr; i++) {
		struct kcpu *c = &cpus->cpu[i];
		c->owner = cpus;
		c->id = i;
		pthread_mutex_init(&c->lock, NULL);
		pthread_cond_init(&c->cond, NULL);
		if (pthread_create(&c->thread, NULL, cpu_main, c)) {
			kcpus_stop(cpus);
			return -1;
		}
		cpus->started++;
	}
	*out = cpus;
	return 0;
}

void kcpus_stop(struct kcpus *cpus)
{
	if (!cpus)
		return;
	for (unsigned i = 0; i < cpus->started; i++) {
		struct kcpu *c = &cpus->cpu[i];
		pthread_mutex_lock(&c->lock);
		c->stop = true;
		pthread_cond_broadcast(&c->cond);
		pthread_mutex_unlock(&c->lock);
		pthread_join(c->thread, NULL);
	}
	for (unsigned i = 0; i < cpus->nr; i++) {
		pthread_mutex_destroy(&cpus->cpu[i].lock);
		pthread_cond_destroy(&cpus->cpu[i].cond);
	}
	free(cpus->cpu);
	free(cpus);
}

unsigned kcpus_count(const struct kcpus *cpus)
{
	return cpus->nr;
}

static void post(struct kcpu *c, int (*fn)(void *), void *arg)
{
	pthread_mutex_lock(&c->lock);
	c->fn = fn;
	c->arg = arg;
	c->pending = true;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

static int wait_done(struct kcpu *c)
{
	pthread_mutex_lock(&c->lock);
	while (c->pending)
		pthread_cond_wait(&c->cond, &c->lock);
	int ret = c->ret;
	pthread_mutex_unlock(&c->lock);
	return ret;
}

int smp_call_on_cpu(struct kcpus *cpus, unsigned cpu, int (*fn)(void *arg), void *arg)
{
	if (cpu >= cpus->nr)
		return -1;
	post(&cpus->cpu[cpu], fn, arg);
	return wait_done(&cpus->cpu[cpu]);
}

int on_each_cpu(struct kcpus *cpus, int (*fn)(void *arg), void *arg)
{
	for (unsigned i = 0; i < cpus->nr; i++)
		post(&cpus->cpu[i], fn, arg);
	int first = 0;
	for (unsigned i = 0; i < cpus->nr; i++) {
		int ret = wait_done(&cpus->cpu[i]);
		if (ret && !first)
			first = ret;
	}
	return first;
}
