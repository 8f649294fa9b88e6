/* SPDX-License-Identifier: MIT */
/*
 * Trap mode (memory.h): plain-pointer stores into private pages and loads of poisoned lines
 * fault where they happen and go through the same model. The test installs the SIGSEGV and
 * SIGTRAP handlers a host would (the library installs none).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "fixture.h"
#include "tdxsim/memory.h"

#define K 33

/* The host's handlers need the simulator; a host would keep it wherever it likes. */
static tdxsim_t *g_sim;
static unsigned g_flags;
/* volatile: they change in signal handlers, behind the compiler's back. */
static volatile unsigned g_segv, g_trap, g_mce_results;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	g_segv++;
	tdxsim_trap_result_t r = tdxsim_trap_handle_fault(g_sim, 0, si->si_addr, uc, g_flags);
	if (r == TDXSIM_TRAP_NOT_MINE) {
		signal(SIGSEGV, SIG_DFL); /* a real bug: crash */
		return;
	}
	if (r == TDXSIM_TRAP_MCE)
		g_mce_results++;
}

static void on_trap(int sig, siginfo_t *si, void *uc)
{
	g_trap++;
	if (tdxsim_trap_handle_step(g_sim, uc) == TDXSIM_TRAP_NOT_MINE)
		signal(SIGTRAP, SIG_DFL);
}

static struct sigaction old_segv, old_trap;

static void install(void)
{
	struct sigaction sa = {0};
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sa.sa_sigaction = on_segv;
	sigaction(SIGSEGV, &sa, &old_segv);
	sa.sa_sigaction = on_trap;
	sigaction(SIGTRAP, &sa, &old_trap);
	g_segv = g_trap = g_mce_results = 0;
}

static void uninstall(void)
{
	sigaction(SIGSEGV, &old_segv, NULL);
	sigaction(SIGTRAP, &old_trap, NULL);
	g_sim = NULL;
}

static volatile unsigned g_mces;
static void count_mce(tdxsim_t *sim, const tdxsim_mce_t *m, void *user)
{
	g_mces++;
}

struct tenv {
	tdxsim_t *sim;
	uint64_t pa;
	volatile uint8_t *p;
};

static void tenv_init(struct tenv *t, uint32_t errata, unsigned flags)
{
	tdxsim_config_t cfg;
	uint8_t z[64] = {0};
	tdxsim_config_init(&cfg);
	cfg.errata = errata;
	cfg.trap_mode = true;
	assert_int_equal(tdxsim_create(&cfg, &t->sim), TDXSIM_OK);
	assert_int_equal(tdxsim_phys_alloc(t->sim, 4096, 4096, UINT32_MAX, &t->pa), TDXSIM_OK);
	t->p = tdxsim_phys_to_virt(t->sim, t->pa, 4096);
	/* Line 0 private (what the module or a TD writes), the rest of the page shared. */
	t->p[64 * 5] = 0x5A;
	assert_int_equal(tdxsim_movdir64b(t->sim, 0, t->pa | (uint64_t)K << tdxsim_keyid_shift(t->sim), z),
			 TDXSIM_OK);
	g_sim = t->sim;
	g_flags = flags;
	g_mces = 0;
	tdxsim_set_mce_handler(t->sim, count_mce, NULL);
	install();
}

static void tenv_fini(struct tenv *t)
{
	char msg[256];
	uninstall();
	assert_int_equal(tdxsim_check_invariants(t->sim, msg, sizeof(msg)), TDXSIM_OK);
	tdxsim_destroy(t->sim);
}

static tdxsim_line_info_t line(struct tenv *t, uint64_t off)
{
	tdxsim_line_info_t li;
	assert_int_equal(tdxsim_mem_line_info(t->sim, t->pa + off, &li), TDXSIM_OK);
	return li;
}

static void trap__store_into_private_line__poisons_where_it_happens(void **state)
{
	struct tenv t;
	uint8_t b[8];
	tenv_init(&t, TDXSIM_ERRATUM_PARTIAL_WRITE_POISON, TDXSIM_TRAP_STEP);
	/* A plain load of a TD-owned line sees what KeyID 0 sees: zeros; no fault (read-only). */
	assert_int_equal(t.p[8], 0);
	assert_int_equal(g_segv, 0);
	*(volatile uint64_t *)(t.p + 8) = 0x1122334455667788ull; /* the host bug */
	assert_int_equal(g_segv, 1);
	assert_int_equal(g_trap, 1); /* stepped and re-protected */
	assert_true(line(&t, 0).poisoned);
	/* The page now holds poison: even a store to a shared line of it traps, and lands. */
	t.p[64 * 5 + 1] = 0x6B;
	assert_int_equal(g_segv, 2);
	assert_int_equal(tdxsim_mem_read(t.sim, 0, t.pa + 64 * 5, b, 2), TDXSIM_OK);
	assert_int_equal(b[0], 0x5A);
	assert_int_equal(b[1], 0x6B);
	/* A plain load of the poisoned line: machine check, then zeros if the host resumes. */
	uint64_t v = *(volatile uint64_t *)(t.p + 16);
	assert_int_equal(v, 0);
	assert_int_equal(g_mce_results, 1);
	assert_int_equal(g_mces, 1);
	tdxsim_mce_t m;
	assert_true(tdxsim_last_mce(t.sim, &m));
	assert_int_equal(m.addr, t.pa);
	/* And the same poisoned line through the library. */
	assert_int_equal(tdxsim_mem_read(t.sim, 0, t.pa, b, 8), TDXSIM_ERR_MCE);
	tdxsim_mem_stats_t st;
	tdxsim_mem_stats(t.sim, &st);
	assert_int_equal(st.trap_faults, 3);
	assert_int_equal(st.lines_poisoned, 1);
	assert_int_equal(st.machine_checks, 2);
	/* The right path: MOVDIR64B reset, after which the page is plain memory again. */
	uint8_t z[64] = {0};
	assert_int_equal(tdxsim_movdir64b(t.sim, 0, t.pa, z), TDXSIM_OK);
	unsigned faults = g_segv;
	t.p[8] = 1;
	assert_int_equal(g_segv, faults);
	tenv_fini(&t);
}

static void trap__store_without_erratum__line_becomes_shared(void **state)
{
	struct tenv t;
	uint8_t b[64];
	tenv_init(&t, 0, TDXSIM_TRAP_STEP);
	t.p[3] = 0x77;
	assert_int_equal(g_segv, 1);
	assert_int_equal(line(&t, 0).owner_keyid, 0);
	assert_false(line(&t, 0).poisoned);
	assert_int_equal(tdxsim_mem_read(t.sim, 0, t.pa, b, 64), TDXSIM_OK);
	for (int i = 0; i < 64; i++)
		assert_int_equal(b[i], i == 3 ? 0x77 : 0);
	/* Nothing private is left in the page: no more faults. */
	t.p[4] = 1;
	assert_int_equal(g_segv, 1);
	tenv_fini(&t);
}

static void trap__without_step__page_open_until_rearm(void **state)
{
	struct tenv t;
	uint8_t z[64] = {0};
	tenv_init(&t, TDXSIM_ERRATUM_PARTIAL_WRITE_POISON, 0);
	assert_int_equal(
		tdxsim_movdir64b(t.sim, 0, (t.pa + 128) | (uint64_t)K << tdxsim_keyid_shift(t.sim), z),
		TDXSIM_OK);
	t.p[0] = 1;
	assert_int_equal(g_segv, 1);
	assert_int_equal(g_trap, 0);
	/* Open: a second store into the page is not seen (documented limit). */
	t.p[128] = 1;
	assert_int_equal(g_segv, 1);
	assert_false(line(&t, 128).poisoned);
	tdxsim_trap_rearm(t.sim);
	t.p[129] = 1;
	assert_int_equal(g_segv, 2);
	assert_true(line(&t, 128).poisoned);
	/* Any memory call re-arms too. */
	uint8_t b[8];
	assert_int_equal(tdxsim_mem_read(t.sim, 0, t.pa + 64 * 7, b, 8), TDXSIM_OK);
	t.p[64 * 7] = 1;
	assert_int_equal(g_segv, 3);
	tenv_fini(&t);
}

static void trap__foreign_fault__not_mine(void **state)
{
	struct tenv t;
	tenv_init(&t, TDXSIM_ERRATUM_PARTIAL_WRITE_POISON, TDXSIM_TRAP_STEP);
	int local;
	assert_int_equal(tdxsim_trap_handle_fault(t.sim, 0, &local, NULL, 0), TDXSIM_TRAP_NOT_MINE);
	/* A shared page of simulated RAM is not protected by us either. */
	const void *shared = tdxsim_phys_to_virt(t.sim, t.pa + 8192, 1);
	assert_int_equal(tdxsim_trap_handle_fault(t.sim, 0, shared, NULL, 0), TDXSIM_TRAP_NOT_MINE);
	assert_int_equal(tdxsim_trap_handle_step(t.sim, NULL), TDXSIM_TRAP_NOT_MINE);
	tenv_fini(&t);
	/* Trap mode off: never mine. */
	tdxsim_t *sim;
	tdxsim_config_t cfg;
	tdxsim_config_init(&cfg);
	assert_int_equal(tdxsim_create(&cfg, &sim), TDXSIM_OK);
	assert_int_equal(tdxsim_trap_handle_fault(sim, 0, tdxsim_phys_to_virt(sim, 1 << 20, 1), NULL, 0),
			 TDXSIM_TRAP_NOT_MINE);
	tdxsim_destroy(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(trap__store_into_private_line__poisons_where_it_happens),
		cmocka_unit_test(trap__store_without_erratum__line_becomes_shared),
		cmocka_unit_test(trap__without_step__page_open_until_rearm),
		cmocka_unit_test(trap__foreign_fault__not_mine),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
