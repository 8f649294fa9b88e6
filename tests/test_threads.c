/* SPDX-License-Identifier: MIT */
/*
 * Races a host's threads really run: memory accesses on boot RAM while another thread
 * hot-adds and hot-removes a range below it (which used to shift the range table under the
 * readers), lock-free queries while another thread changes what they read, failing calls
 * on several threads at once (the last-error message), and first lookups into a chunk on
 * several threads at once (each installs the chunk's page bits, mem/view.c). Built twice: with the ASan build
 * like every test, and as test_threads_tsan under ThreadSanitizer (tests/CMakeLists.txt), where any data race
 * fails the run.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tdxsim/memory.h"
#include "tdxsim/platform.h"
#include "tdxsim/snapshot.h"
#include "tdxsim/tdxsim.h"

#define GiB	(UINT64_C(1) << 30)
#define READERS 3

struct race {
	tdxsim_t *sim;
	atomic_bool stop;
	atomic_uint failures;
	atomic_uint started; /* readers running: the writer waits for all of them */
	unsigned cycles;     /* writer: cycles to run */
};

/* The writer starts only once every reader runs, so the two really overlap. */
static void wait_for_readers(struct race *race, unsigned n)
{
	while (atomic_load(&race->started) < n)
		sched_yield();
}

/* Boot RAM of the default config: [0, 2 GiB) and [4 GiB, 18 GiB). The hot-added range sits in
 * the hole between them, so it lands in the middle of the range table. */
static const tdxsim_range_t hole = {UINT64_C(3) * GiB, GiB / 2, 0};

/* A default simulator; with @sys_init, every LP in VMX operation and TDH.SYS.INIT done. This
 * file links only the library (the TSan build has no test support library). */
static tdxsim_t *make_sim(bool sys_init)
{
	tdxsim_config_t cfg;
	tdxsim_t *sim;
	tdxsim_config_init(&cfg);
	assert_int_equal(tdxsim_create(&cfg, &sim), TDXSIM_OK);
	if (sys_init) {
		for (uint32_t lp = 0; lp < tdxsim_num_lps(sim); lp++)
			assert_int_equal(tdxsim_vmxon(sim, lp), TDXSIM_OK);
		tdxsim_regs_t regs = {0};
		assert_true(tdxsim_seamcall(sim, 0, TDXSIM_TDH_SYS_INIT, &regs) == TDXSIM_TDX_SUCCESS);
	}
	return sim;
}

struct reader {
	struct race *race;
	unsigned id;
};

static void *reader(void *arg)
{
	struct reader *rd = arg;
	tdxsim_t *sim = rd->race->sim;
	uint64_t i = 0;
	atomic_fetch_add(&rd->race->started, 1);
	while (!atomic_load(&rd->race->stop)) {
		/* A page per reader and step in the upper boot range, above the allocator's use. */
		uint64_t pa = 8 * GiB + ((i * READERS + rd->id) % (READERS * 1365)) * 4096;
		uint64_t *p = tdxsim_phys_to_virt(sim, pa, 8), back = 0, got = 0, want = pa ^ rd->id;
		if (!p || tdxsim_virt_to_phys(sim, p, &back) || back != pa) {
			atomic_fetch_add(&rd->race->failures, 1);
			break;
		}
		/* Each reader owns its pages (pa % READERS), so this write races with nobody. */
		*p = want;
		if (tdxsim_mem_read(sim, rd->id, pa, &got, sizeof(got)) || got != want) {
			atomic_fetch_add(&rd->race->failures, 1);
			break;
		}
		i++;
	}
	return NULL;
}

static void *hotplugger(void *arg)
{
	struct race *race = arg;
	wait_for_readers(race, READERS);
	for (unsigned c = 0; c < race->cycles; c++) {
		if (tdxsim_mem_hot_add(race->sim, &hole) ||
		    tdxsim_mem_hot_remove(race->sim, hole.base, hole.size)) {
			atomic_fetch_add(&race->failures, 1);
			break;
		}
	}
	atomic_store(&race->stop, true);
	return NULL;
}

static void hot_add_remove__concurrent_reads_of_boot_ram__exact(void **state)
{
	struct race race = {.cycles = 2000};
	tdxsim_t *sim = make_sim(false);
	race.sim = sim;
	pthread_t w, r[READERS];
	struct reader args[READERS];
	for (unsigned i = 0; i < READERS; i++) {
		args[i] = (struct reader){&race, i};
		assert_int_equal(pthread_create(&r[i], NULL, reader, &args[i]), 0);
	}
	assert_int_equal(pthread_create(&w, NULL, hotplugger, &race), 0);
	pthread_join(w, NULL);
	for (unsigned i = 0; i < READERS; i++)
		pthread_join(r[i], NULL);
	assert_int_equal(atomic_load(&race.failures), 0);
	/* The table ends as it began. */
	tdxsim_range_t ranges[4];
	assert_int_equal(tdxsim_ram_ranges(sim, ranges, 4), 2);
	assert_int_equal(ranges[1].base, 4 * GiB);
	tdxsim_destroy(sim);
}

/* ---- Lock-free queries against locked writers ---------------------------------------------- */

static void *vmx_toggler(void *arg)
{
	struct race *race = arg;
	wait_for_readers(race, 1);
	for (unsigned c = 0; c < race->cycles; c++) {
		tdxsim_vmxoff(race->sim, 1);
		tdxsim_vmxon(race->sim, 1);
		tdxsim_regs_t regs = {0};
		tdxsim_seamcall(race->sim, 1, TDXSIM_TDH_SYS_LP_INIT, &regs);
	}
	/* S3: the module is gone (state, LP flags and VMX all change under the lock). */
	if (tdxsim_sleep_enter(race->sim))
		atomic_fetch_add(&race->failures, 1);
	atomic_store(&race->stop, true);
	return NULL;
}

static void queries__while_another_thread_changes_them__consistent(void **state)
{
	struct race race = {.cycles = 2000};
	tdxsim_t *sim = make_sim(true);
	race.sim = sim;
	pthread_t w;
	assert_int_equal(pthread_create(&w, NULL, vmx_toggler, &race), 0);
	unsigned odd = 0;
	atomic_fetch_add(&race.started, 1);
	while (!atomic_load(&race.stop)) {
		(void)tdxsim_lp_vmx_on(sim, 1);
		(void)tdxsim_lp_initialized(sim, 1);
		tdxsim_module_state_t st = tdxsim_module_state(sim);
		odd += st != TDXSIM_SYSINIT_DONE && st != TDXSIM_MODULE_GONE;
	}
	pthread_join(w, NULL);
	assert_int_equal(odd, 0);
	assert_int_equal(atomic_load(&race.failures), 0);
	assert_int_equal(tdxsim_module_state(sim), TDXSIM_MODULE_GONE);
	assert_false(tdxsim_lp_vmx_on(sim, 1));
	assert_false(tdxsim_lp_initialized(sim, 1));
	tdxsim_destroy(sim);
}

/* ---- The last-error message: each thread reads its own ------------------------------------- */

struct erring {
	tdxsim_t *sim;
	uint32_t lp; /* out of range: every call fails with a message naming it */
	atomic_uint wrong;
};

static void *erring_thread(void *arg)
{
	struct erring *e = arg;
	char want[64];
	snprintf(want, sizeof(want), "LP %u out of range", e->lp);
	for (unsigned c = 0; c < 2000; c++) {
		uint64_t v;
		if (tdxsim_rdmsr(e->sim, e->lp, 0x87, &v) != TDXSIM_ERR_INVALID_ARG ||
		    strncmp(tdxsim_last_error(e->sim), want, strlen(want)) != 0)
			atomic_fetch_add(&e->wrong, 1);
	}
	return NULL;
}

static void last_error__failing_on_two_threads__each_reads_its_own(void **state)
{
	tdxsim_t *sim = make_sim(false);
	struct erring a = {.sim = sim, .lp = 100}, b = {.sim = sim, .lp = 200};
	pthread_t ta, tb;
	assert_int_equal(pthread_create(&ta, NULL, erring_thread, &a), 0);
	assert_int_equal(pthread_create(&tb, NULL, erring_thread, &b), 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	assert_int_equal(atomic_load(&a.wrong), 0);
	assert_int_equal(atomic_load(&b.wrong), 0);
	/* This thread failed nothing yet. */
	assert_string_equal(tdxsim_last_error(sim), "");
	tdxsim_destroy(sim);
}

/* ---- First lookups into a chunk: page bits installed by compare-and-swap ------------------ */

#define MASK_CHUNKS 64
#define MASK_BASE   (10 * GiB)
#define CHUNK_BYTES (UINT64_C(2) << 20)

struct installer {
	tdxsim_t *sim;
	pthread_barrier_t *step; /* all writers enter each fresh chunk together */
	unsigned id;
	atomic_uint *failures;
};

/* Page @id (and page @id + 100) of every chunk, written through the library: each writer's
 * first lookup into a chunk races the others' to install its page bits. */
static void *mask_writer(void *arg)
{
	struct installer *in = arg;
	for (unsigned c = 0; c < MASK_CHUNKS; c++) {
		pthread_barrier_wait(in->step);
		uint64_t pa = MASK_BASE + c * CHUNK_BYTES + in->id * 4096, v = pa | 1;
		if (tdxsim_mem_write(in->sim, in->id, pa, &v, sizeof(v)) ||
		    tdxsim_mem_write(in->sim, in->id, pa + 100 * 4096, &v, sizeof(v)))
			atomic_fetch_add(in->failures, 1);
	}
	return NULL;
}

/* Meanwhile another thread reads across the same chunks (lookups of its own, some installing). */
static void *mask_reader(void *arg)
{
	struct installer *in = arg;
	for (unsigned round = 0; round < 4; round++)
		for (unsigned c = 0; c < MASK_CHUNKS; c++) {
			uint64_t got;
			if (tdxsim_mem_read(in->sim, in->id, MASK_BASE + c * CHUNK_BYTES + 300 * 4096, &got,
					    sizeof(got)) ||
			    got != 0)
				atomic_fetch_add(in->failures, 1);
		}
	return NULL;
}

/* Whichever lookup installs a chunk's page bits, every lookup's pages are in them: a restore
 * after the race (page by page) puts every page written back to zero. */
static void first_lookups__same_chunk_on_many_threads__every_page_restored(void **state)
{
	tdxsim_t *sim = make_sim(false);
	tdxsim_snapshot_t *snap;
	assert_int_equal(tdxsim_snapshot_take(sim, &snap), TDXSIM_OK);
	/* The first restore goes over all RAM; the race is about the ones after it. */
	assert_int_equal(tdxsim_snapshot_restore(sim, snap), TDXSIM_OK);
	pthread_barrier_t step;
	atomic_uint failures = 0;
	assert_int_equal(pthread_barrier_init(&step, NULL, READERS), 0);
	pthread_t w[READERS], r;
	struct installer in[READERS + 1];
	for (unsigned i = 0; i <= READERS; i++)
		in[i] = (struct installer){sim, &step, i, &failures};
	assert_int_equal(pthread_create(&r, NULL, mask_reader, &in[READERS]), 0);
	for (unsigned i = 0; i < READERS; i++)
		assert_int_equal(pthread_create(&w[i], NULL, mask_writer, &in[i]), 0);
	for (unsigned i = 0; i < READERS; i++)
		pthread_join(w[i], NULL);
	pthread_join(r, NULL);
	pthread_barrier_destroy(&step);
	assert_int_equal(atomic_load(&failures), 0);
	assert_int_equal(tdxsim_snapshot_restore(sim, snap), TDXSIM_OK);
	for (unsigned c = 0; c < MASK_CHUNKS; c++)
		for (unsigned i = 0; i < READERS; i++) {
			const uint64_t *p = tdxsim_phys_to_virt(sim, MASK_BASE + c * CHUNK_BYTES + i * 4096,
								100 * 4096 + 8);
			assert_non_null(p);
			assert_int_equal(p[0], 0);
			assert_int_equal(p[100 * 4096 / 8], 0);
		}
	tdxsim_snapshot_free(snap);
	tdxsim_destroy(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hot_add_remove__concurrent_reads_of_boot_ram__exact),
		cmocka_unit_test(queries__while_another_thread_changes_them__consistent),
		cmocka_unit_test(last_error__failing_on_two_threads__each_reads_its_own),
		cmocka_unit_test(first_lookups__same_chunk_on_many_threads__every_page_restored),
	};
	return cmocka_run_group_tests_name("threads", tests, NULL, NULL);
}
