/* SPDX-License-Identifier: MIT */
/*
 * bench_init: how long and how much host memory a whole TDX bring-up (host_tdx_init) costs on
 * simulated hosts from 64 GiB to 16 TiB, next to a baseline measured in the same run.
 *
 * Each size runs in its own forked child: peak RSS (VmHWM) is per process, so a child per size
 * keeps one host's peak from hiding the next one's. The child also resets its peak through
 * /proc/self/clear_refs so that what the parent had touched before fork() does not count.
 *
 * Usage: bench_init [64g|256g|1t|4t|16t ...]   (default: all sizes)
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

/* The targets, checked on the 4 TiB host. */
#define TARGET_NAME    "4t"
#define TARGET_WALL_MS 100.0
#define TARGET_RSS_MIB 64.0

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
	double create_ms, init_ms, destroy_ms, baseline_ms;
	uint64_t rss_start_kib, hwm_kib;
	uint64_t busiest_cycles;
	tdxsim_pamt_stats_t pamt;
};

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
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
	double t0 = now_ms();

	for (uint64_t i = 0; i < calls; i++)
		status |= baseline_call(&b, i);
	double t1 = now_ms();
	pthread_mutex_destroy(&b.lock);
	return status ? -1.0 : t1 - t0;
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
	reset_peak_rss();
	res->rss_start_kib = proc_status_kib("VmRSS");

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
	res->baseline_ms = run_baseline(res->tdmr_init_calls);
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

static void print_header(void)
{
	static const char *const legend[] = {
		"tdxsim bench_init: whole TDX bring-up (examples/host-init host_tdx_init), a forked child "
		"per host",
		"  wall       tdxsim_create + host_tdx_init (destroy is reported apart)",
		"  baseline   as many calls as there were TDH.SYS.TDMR.INIT (one per 4 MiB of TDMR: nearly "
		"all",
		"             the SEAMCALLs of a bring-up), each to an empty non-inlined function that takes "
		"and",
		"             releases a pthread mutex: the floor for a dispatcher that serializes on a lock",
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
	printf("%-5s %4s %4s %5s %9s %9s %9s %7s %9s %8s %9s %13s %8s %9s %9s\n", "host", "pkgs", "LPs",
	       "TDMRs", "TDMR.INIT", "wall ms", "base ms", "x base", "destroy", "peak RSS", "(+delta)",
	       "busiest LP cyc", "virt ms", "denseMiB", "meta KiB");
}

static void print_row(const struct shape *s, const struct result *r)
{
	printf("%-5s %4u %4u %5u %9" PRIu64 " %9.2f %9.2f %7.1f %9.2f %7.1fM %8.1fM %13" PRIu64
	       " %8.2f %9" PRIu64 " %9.1f\n",
	       s->name, s->packages, r->lps, r->tdmrs, r->tdmr_init_calls, r->create_ms + r->init_ms,
	       r->baseline_ms, r->baseline_ms > 0 ? (r->create_ms + r->init_ms) / r->baseline_ms : 0.0,
	       r->destroy_ms, (double)r->hwm_kib / 1024.0, (double)(r->hwm_kib - r->rss_start_kib) / 1024.0,
	       r->busiest_cycles, (double)r->busiest_cycles / 2.2e6, r->pamt.pamt_bytes / MiB,
	       (double)r->pamt.host_metadata_bytes / 1024.0);
}

static bool selected(const struct shape *s, int argc, char **argv)
{
	if (argc < 2)
		return true;
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], s->name))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	struct result target = {0};
	bool have_target = false;

	for (int i = 1; i < argc; i++) {
		bool known = false;
		for (size_t k = 0; k < sizeof(shapes) / sizeof(shapes[0]); k++)
			known |= !strcmp(argv[i], shapes[k].name);
		if (!known) {
			fprintf(stderr, "usage: %s [64g|256g|1t|4t|16t ...]\n", argv[0]);
			return 2;
		}
	}
	print_header();
	for (size_t k = 0; k < sizeof(shapes) / sizeof(shapes[0]); k++) {
		const struct shape *s = &shapes[k];
		struct result r;
		if (!selected(s, argc, argv))
			continue;
		if (run_size(s, &r)) {
			printf("%-5s child failed (crashed or could not report)\n", s->name);
			continue;
		}
		if (r.err && !r.lps) {
			printf("%-5s %s\n", s->name, r.message);
			continue;
		}
		print_row(s, &r);
		if (r.err)
			printf("      FAILED: %s\n", r.message);
		if (!strcmp(s->name, TARGET_NAME) && !r.err) {
			target = r;
			have_target = true;
		}
	}
	printf("\n");
	if (!have_target) {
		printf("target (%s host: < %.0f ms wall, < %.0f MiB peak RSS): not measured\n", TARGET_NAME,
		       TARGET_WALL_MS, TARGET_RSS_MIB);
		return 0;
	}
	/* Informative only: a loaded machine must not turn a benchmark run into a failure. */
	double wall = target.create_ms + target.init_ms, rss = (double)target.hwm_kib / 1024.0;
	printf("target %s host wall  < %.0f ms:  %8.2f ms   %s\n", TARGET_NAME, TARGET_WALL_MS, wall,
	       wall < TARGET_WALL_MS ? "PASS" : "MISS");
	printf("target %s host peak RSS < %.0f MiB: %6.1f MiB  %s\n", TARGET_NAME, TARGET_RSS_MIB, rss,
	       rss < TARGET_RSS_MIB ? "PASS" : "MISS");
	return 0;
}
