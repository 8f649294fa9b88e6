/* SPDX-License-Identifier: MIT */
/*
 * bench_init: how long and how much host memory a whole TDX bring-up (host_tdx_init) costs on
 * simulated hosts from 64 GiB to 16 TiB, next to a baseline measured in the same run.
 *
 * Each size runs in its own forked child: peak RSS (VmHWM) is per process, so a child per size
 * keeps one host's peak from hiding the next one's. The child also resets its peak through
 * /proc/self/clear_refs so that what the parent had touched before fork() does not count.
 *
 * Repetitions are interleaved: each one forks a child that times the baseline and then the
 * bring-up, so both see the same machine load; min and median over the repetitions are printed.
 *
 * Usage: bench_init [-r repeats] [64g|256g|1t|4t|16t ...]   (default: 5 repeats, all sizes)
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "host_tdx.h"
#include "tdxsim/tdxsim.h"

#define GiB		(UINT64_C(1) << 30)
#define MiB		(UINT64_C(1) << 20)
#define LPS_PER_PACKAGE 4

/* The targets, checked on the 4 TiB host (median over the repetitions). */
#define TARGET_NAME    "4t"
#define TARGET_WALL_MS 100.0
#define TARGET_CPU_MS  25.0
#define TARGET_RSS_MIB 64.0
#define DEFAULT_REPS   5
#define MAX_REPS       64

struct shape {
	const char *name;
	uint64_t gib;
	uint32_t packages;
};

static const struct shape shapes[] = {
	{"64g", 64, 1}, {"256g", 256, 2}, {"1t", 1024, 4}, {"4t", 4096, 8}, {"16t", 16384, 8},
};

/* What a child sends back through its pipe. */
struct result {
	int err; /* 0, or host_tdx_init's / tdxsim_create's failure */
	char message[224];
	uint32_t lps, tdmrs;
	uint64_t tdmr_init_calls;
	double create_ms, init_ms, cpu_ms, destroy_ms, baseline_ms;
	uint64_t rss_start_kib, hwm_kib;
	uint64_t busiest_cycles;
	tdxsim_pamt_stats_t pamt;
};

static double clock_ms(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double now_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}

/* CPU time of this (single-threaded) process: what the bring-up costs, whatever else runs. */
static double cpu_ms(void)
{
	return clock_ms(CLOCK_PROCESS_CPUTIME_ID);
}

/* A "Vm...:  123 kB" line of /proc/self/status, in KiB; 0 if absent. */
static uint64_t proc_status_kib(const char *key)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	uint64_t v = 0;
	size_t klen = strlen(key);

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			v = strtoull(line + klen + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/* Writing 5 to clear_refs resets VmHWM to the current RSS (Documentation/filesystems/proc). */
static void reset_peak_rss(void)
{
	FILE *f = fopen("/proc/self/clear_refs", "w");
	if (f) {
		fputs("5", f);
		fclose(f);
	}
}

/*
 * A host shaped like a real multi-socket server: package 0 owns [0, 2 GiB) below the PCI hole
 * (SEAMRR sits in the hole, at the default 2 GiB) and the rest of its share from 4 GiB; every
 * other package owns one contiguous share right after. Each range becomes its own CMR and, in
 * host_tdx_init, its own TDMR.
 */
static void build_config(const struct shape *s, tdxsim_config_t *cfg)
{
	uint64_t per_pkg = s->gib / s->packages * GiB, next;

	tdxsim_config_init(cfg);
	cfg->num_packages = s->packages;
	cfg->lps_per_package = LPS_PER_PACKAGE;
	cfg->num_ram_ranges = 0;
	cfg->ram[cfg->num_ram_ranges++] = (tdxsim_range_t){0, 2 * GiB, 0};
	cfg->ram[cfg->num_ram_ranges++] = (tdxsim_range_t){4 * GiB, per_pkg - 2 * GiB, 0};
	next = 4 * GiB + per_pkg - 2 * GiB;
	for (uint32_t p = 1; p < s->packages; p++) {
		cfg->ram[cfg->num_ram_ranges++] = (tdxsim_range_t){next, per_pkg, p};
		next += per_pkg;
	}
}

struct baseline_ctx {
	pthread_mutex_t lock;
	volatile uint64_t sink;
};

/*
 * The baseline's unit of work: what a SEAMCALL dispatcher that serializes on one lock cannot
 * avoid (a real call, a lock round trip, a store). noinline keeps the compiler from folding
 * the loop away, the asm keeps it from proving the call pure.
 */
__attribute__((noinline)) static uint64_t baseline_call(struct baseline_ctx *b, uint64_t rcx)
{
	__asm__ volatile("" : : "r"(b) : "memory");
	pthread_mutex_lock(&b->lock);
	b->sink += rcx;
	pthread_mutex_unlock(&b->lock);
	return 0;
}

static double run_baseline(uint64_t calls)
{
	struct baseline_ctx b = {.lock = PTHREAD_MUTEX_INITIALIZER};
	uint64_t status = 0;
	double t0 = cpu_ms();

	for (uint64_t i = 0; i < calls; i++)
		status |= baseline_call(&b, i);
	double t1 = cpu_ms();
	pthread_mutex_destroy(&b.lock);
	return status ? -1.0 : t1 - t0;
}

/* The TDH.SYS.TDMR.INIT calls a bring-up of @cfg makes: one per 4 MiB of each RAM range's
 * TDMR (host_tdx_init puts one TDMR, 1 GiB aligned, around each range). */
static uint64_t expected_tdmr_inits(const tdxsim_config_t *cfg)
{
	uint64_t n = 0;
	for (uint32_t i = 0; i < cfg->num_ram_ranges; i++) {
		uint64_t b = cfg->ram[i].base & ~(GiB - 1),
			 e = (cfg->ram[i].base + cfg->ram[i].size + GiB - 1) & ~(GiB - 1);
		n += (e - b) / TDXSIM_TDMR_INIT_CHUNK;
	}
	return n;
}

static void run_child(const struct shape *s, struct result *res)
{
	tdxsim_config_t cfg;
	tdxsim_t *sim = NULL;
	struct host_tdx *host = calloc(1, sizeof(*host));

	memset(res, 0, sizeof(*res));
	if (!host) {
		res->err = -ENOMEM;
		snprintf(res->message, sizeof(res->message), "out of memory");
		return;
	}
	build_config(s, &cfg);
	/* Baseline first, in the same process and right before the bring-up (interleaved). */
	res->baseline_ms = run_baseline(expected_tdmr_inits(&cfg));
	reset_peak_rss();
	res->rss_start_kib = proc_status_kib("VmRSS");

	double c0 = cpu_ms();
	double t0 = now_ms();
	tdxsim_err_t err = tdxsim_create(&cfg, &sim);
	double t1 = now_ms();
	if (err) {
		char why[160] = "";
		tdxsim_config_check(&cfg, why, sizeof(why));
		res->err = err;
		snprintf(res->message, sizeof(res->message), "tdxsim_create: %s %s", tdxsim_strerror(err),
			 why);
		free(host);
		return;
	}
	int rc = host_tdx_init(sim, NULL, host);
	double t2 = now_ms();
	res->cpu_ms = cpu_ms() - c0;
	res->hwm_kib = proc_status_kib("VmHWM");
	res->create_ms = t1 - t0;
	res->init_ms = t2 - t1;
	if (rc) {
		res->err = rc;
		snprintf(res->message, sizeof(res->message), "host_tdx_init: %s", host->message);
	}
	res->lps = tdxsim_num_lps(sim);
	res->tdmrs = host->num_tdmrs;
	for (unsigned i = 0; i < host->num_tdmrs; i++)
		res->tdmr_init_calls +=
			(host->tdmrs[i].size + TDXSIM_TDMR_INIT_CHUNK - 1) / TDXSIM_TDMR_INIT_CHUNK;
	for (uint32_t lp = 0; lp < res->lps; lp++) {
		uint64_t c = tdxsim_lp_cycles(sim, lp);
		res->busiest_cycles = c > res->busiest_cycles ? c : res->busiest_cycles;
	}
	tdxsim_pamt_stats(sim, &res->pamt);
	t0 = now_ms();
	tdxsim_destroy(sim);
	res->destroy_ms = now_ms() - t0;
	free(host);
	if (res->tdmr_init_calls != expected_tdmr_inits(&cfg) && !res->err) {
		res->err = -EINVAL;
		snprintf(res->message, sizeof(res->message),
			 "%" PRIu64 " TDMR.INIT calls, baseline timed %" PRIu64, res->tdmr_init_calls,
			 expected_tdmr_inits(&cfg));
	}
}

/* Forks, runs one size in the child, returns 0 with @res filled or -1. */
static int run_size(const struct shape *s, struct result *res)
{
	int fds[2];
	if (pipe(fds))
		return -1;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		close(fds[0]);
		run_child(s, res);
		ssize_t n = write(fds[1], res, sizeof(*res));
		_exit(n == (ssize_t)sizeof(*res) ? 0 : 1);
	}
	close(fds[1]);
	size_t got = 0;
	while (got < sizeof(*res)) {
		ssize_t n = read(fds[0], (char *)res + got, sizeof(*res) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fds[0]);
	int wstatus;
	waitpid(pid, &wstatus, 0);
	if (got != sizeof(*res) || !WIFEXITED(wstatus) || WEXITSTATUS(wstatus))
		return -1;
	return 0;
}

static void print_header(int reps)
{
	static const char *const legend[] = {
		"tdxsim bench_init: whole TDX bring-up (examples/host-init host_tdx_init), a forked child "
		"per host and repetition",
		"  init       tdxsim_create + host_tdx_init, wall time (destroy is reported apart)",
		"  cpu        the same, CPU time of the child (what the bring-up costs, whatever else runs)",
		"  base       as many calls as there were TDH.SYS.TDMR.INIT (one per 4 MiB of TDMR: nearly "
		"all",
		"             the SEAMCALLs of a bring-up), each to an empty non-inlined function that takes "
		"and",
		"             releases a pthread mutex: the floor for a dispatcher that serializes on a "
		"lock;",
		"             CPU time, in the same child right before the bring-up (interleaved "
		"repetitions)",
		"  x base     median cpu / median base",
		"  peak RSS   VmHWM of the child after init (reset just before tdxsim_create); +delta over "
		"the",
		"             RSS at that reset",
		"  busiest LP the highest virtual TSC of any LP after the bring-up (2.2 GHz; virt ms)",
		"  denseMiB   PAMT bytes the host handed the module: what hardware fills and a dense model",
		"             would have to allocate",
		"  meta KiB   host memory tdxsim really uses for its sparse PAMT model (tdxsim_pamt_stats)",
		"",
	};
	for (size_t i = 0; i < sizeof(legend) / sizeof(legend[0]); i++)
		puts(legend[i]);
	printf("%d repetitions per host; times in ms as min/median\n\n", reps);
	printf("%-5s %4s %4s %5s %9s %15s %15s %13s %6s %8s %8s %9s %13s %8s %8s %8s\n", "host", "pkgs",
	       "LPs", "TDMRs", "TDMR.INIT", "init ms", "cpu ms", "base ms", "x base", "destroy", "peak RSS",
	       "(+delta)", "busiest LP cyc", "virt ms", "denseMiB", "meta KiB");
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

struct stat2 {
	double min, median;
};

static struct stat2 stats(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return (struct stat2){v[0], n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2};
}

/* Min and median of one column over the repetitions. */
#define COLUMN(rs, n, expr)                      \
	({                                       \
		double v_[MAX_REPS];             \
		for (int i_ = 0; i_ < (n); i_++) \
			v_[i_] = (rs)[i_].expr;  \
		stats(v_, (n));                  \
	})

struct summary {
	struct stat2 init, cpu, base, destroy;
	double hwm_mib;
};

static struct summary summarize(const struct result *rs, int n)
{
	struct summary m;
	m.init = COLUMN(rs, n, create_ms + rs[i_].init_ms);
	m.cpu = COLUMN(rs, n, cpu_ms);
	m.base = COLUMN(rs, n, baseline_ms);
	m.destroy = COLUMN(rs, n, destroy_ms);
	m.hwm_mib = COLUMN(rs, n, hwm_kib).median / 1024.0;
	return m;
}

static void print_row(const struct shape *s, const struct result *r, const struct summary *m)
{
	printf("%-5s %4u %4u %5u %9" PRIu64
	       " %7.2f/%7.2f %7.2f/%7.2f %6.2f/%6.2f %6.1f %8.2f %7.1fM %8.1fM %13" PRIu64 " %8.2f %8" PRIu64
	       " %8.1f\n",
	       s->name, s->packages, r->lps, r->tdmrs, r->tdmr_init_calls, m->init.min, m->init.median,
	       m->cpu.min, m->cpu.median, m->base.min, m->base.median,
	       m->base.median > 0 ? m->cpu.median / m->base.median : 0.0, m->destroy.median, m->hwm_mib,
	       (double)(r->hwm_kib - r->rss_start_kib) / 1024.0, r->busiest_cycles,
	       (double)r->busiest_cycles / 2.2e6, r->pamt.pamt_bytes / MiB,
	       (double)r->pamt.host_metadata_bytes / 1024.0);
}

static bool selected(const struct shape *s, int argc, char **argv, int first)
{
	if (argc <= first)
		return true;
	for (int i = first; i < argc; i++)
		if (!strcmp(argv[i], s->name))
			return true;
	return false;
}

static int usage(const char *argv0, int rc)
{
	fprintf(rc ? stderr : stdout,
		"usage: %s [-r repeats] [64g|256g|1t|4t|16t ...]\n"
		"  Brings simulated hosts up, interleaved with a mutex baseline; prints min/median.\n"
		"  -r N  repetitions per host (1..%d, default %d)\n",
		argv0, MAX_REPS, DEFAULT_REPS);
	return rc;
}

int main(int argc, char **argv)
{
	struct summary target = {0};
	bool have_target = false;
	int reps = DEFAULT_REPS, first = 1;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
		return usage(argv[0], 0);
	if (argc > 2 && !strcmp(argv[1], "-r")) {
		reps = atoi(argv[2]);
		first = 3;
		if (reps < 1 || reps > MAX_REPS)
			return usage(argv[0], 2);
	}
	for (int i = first; i < argc; i++) {
		bool known = false;
		for (size_t k = 0; k < sizeof(shapes) / sizeof(shapes[0]); k++)
			known |= !strcmp(argv[i], shapes[k].name);
		if (!known)
			return usage(argv[0], 2);
	}
	print_header(reps);
	for (size_t k = 0; k < sizeof(shapes) / sizeof(shapes[0]); k++) {
		const struct shape *s = &shapes[k];
		struct result rs[MAX_REPS];
		int ok = 1;
		if (!selected(s, argc, argv, first))
			continue;
		for (int i = 0; i < reps && ok; i++) {
			if (run_size(s, &rs[i])) {
				printf("%-5s child failed (crashed or could not report)\n", s->name);
				ok = 0;
			} else if (rs[i].err) {
				printf("%-5s FAILED: %s\n", s->name, rs[i].message);
				ok = 0;
			}
		}
		if (!ok)
			continue;
		struct summary m = summarize(rs, reps);
		print_row(s, &rs[0], &m);
		if (!strcmp(s->name, TARGET_NAME)) {
			target = m;
			have_target = true;
		}
	}
	printf("\n");
	if (!have_target) {
		printf("targets (%s host): not measured\n", TARGET_NAME);
		return 0;
	}
	/* Informative only: a loaded machine must not turn a benchmark run into a failure. */
	printf("target %s host wall  < %.0f ms (median):  %8.2f ms   %s\n", TARGET_NAME, TARGET_WALL_MS,
	       target.init.median, target.init.median < TARGET_WALL_MS ? "PASS" : "MISS");
	printf("target %s host CPU   < %.0f ms (median):  %8.2f ms   %s\n", TARGET_NAME, TARGET_CPU_MS,
	       target.cpu.median, target.cpu.median < TARGET_CPU_MS ? "PASS" : "MISS");
	printf("target %s host peak RSS < %.0f MiB:       %6.1f MiB  %s\n", TARGET_NAME, TARGET_RSS_MIB,
	       target.hwm_mib, target.hwm_mib < TARGET_RSS_MIB ? "PASS" : "MISS");
	return 0;
}
