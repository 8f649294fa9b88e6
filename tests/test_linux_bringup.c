/* SPDX-License-Identifier: MIT */
/*
 * Kernel-style bring-up through tdxsim/linux.h on one thread per LP (examples/linux-compat):
 * every LP initializes itself from its own thread, and the "PAMT allocation fails" paths
 * (tdxsim_phys_alloc_fail_after()) end in -ENOMEM with nothing leaked and nothing sent to the
 * module.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "ktdx.h"
#include "tdxsim/linux.h"

struct calls {
	pthread_mutex_t lock;
	unsigned sys_init, config, lp_init[8], key_config_pkg[2];
	unsigned other_lp; /* LP.INIT whose RDI was not the leaf (not via __seamcall) */
};

static void observe(tdxsim_t *sim, const tdxsim_call_record_t *rec, void *user)
{
	struct calls *c = user;
	pthread_mutex_lock(&c->lock);
	switch (rec->rax) {
	case TDH_SYS_INIT:
		c->sys_init++;
		break;
	case TDH_SYS_CONFIG:
		c->config++;
		break;
	case TDH_SYS_LP_INIT:
		c->lp_init[rec->lp]++;
		if (rec->in.rdi != TDH_SYS_LP_INIT)
			c->other_lp++;
		break;
	case TDH_SYS_KEY_CONFIG:
		c->key_config_pkg[tdxsim_lp_package(sim, rec->lp)]++;
		break;
	}
	pthread_mutex_unlock(&c->lock);
}

struct ctx {
	tdxsim_t *sim;
	struct kcpus *cpus;
	struct ktdx t;
	struct calls calls;
};

static void start(struct ctx *c, uint16_t max_tdmrs)
{
	tdxsim_config_t cfg;
	tdxsim_config_init(&cfg);
	cfg.num_packages = 2;
	cfg.lps_per_package = 2;
	cfg.ram[1].node = 1;
	if (max_tdmrs)
		cfg.max_tdmrs = max_tdmrs;
	memset(c, 0, sizeof(*c));
	pthread_mutex_init(&c->calls.lock, NULL);
	assert_int_equal(tdxsim_create(&cfg, &c->sim), TDXSIM_OK);
	tdxsim_set_call_observer(c->sim, observe, &c->calls);
	assert_int_equal(kcpus_start(c->sim, &c->cpus), 0);
	ktdx_setup(&c->t, c->sim, c->cpus);
}

static void stop(struct ctx *c)
{
	kcpus_stop(c->cpus);
	ktdx_cleanup(&c->t);
	tdxsim_destroy(c->sim);
	pthread_mutex_destroy(&c->calls.lock);
}

static void assert_ready(struct ctx *c)
{
	assert_int_equal(tdxsim_module_state(c->sim), TDXSIM_SYS_READY);
	tdxsim_pamt_stats_t st;
	tdxsim_pamt_stats(c->sim, &st);
	assert_int_equal(st.num_tdmrs, c->t.nr_tdmrs);
	assert_int_equal(st.initialized_bytes, st.covered_bytes);
	assert_int_equal(tdxsim_check_invariants(c->sim, NULL, 0), TDXSIM_OK);
}

static void bringup__each_lp_from_its_own_thread(void **state)
{
	struct ctx c;
	start(&c, 0);
	assert_int_equal(ktdx_enable_cpus(&c.t), 0);
	assert_int_equal(c.calls.sys_init, 1); /* once, by whichever CPU came first */
	for (uint32_t lp = 0; lp < 4; lp++) {
		assert_int_equal(c.calls.lp_init[lp], 1);
		assert_true(tdxsim_lp_initialized(c.sim, lp));
	}
	assert_int_equal(c.calls.other_lp, 0);
	assert_int_equal(ktdx_enable(&c.t), 0);
	assert_int_equal(c.calls.key_config_pkg[0], 1);
	assert_int_equal(c.calls.key_config_pkg[1], 1);
	assert_int_equal(c.t.nr_tdmrs, 2);
	assert_ready(&c);
	stop(&c);
}

static void bringup__without_cpu_enabling__ud_is_eacces(void **state)
{
	struct ctx c;
	start(&c, 0);
	/* No CPU did VMXON: the very first SEAMCALL raises #UD, which Linux maps to -EACCES. */
	assert_int_equal(ktdx_enable(&c.t), -EACCES);
	assert_status(c.t.last_status, TDX_SEAMCALL_UD);
	stop(&c);
}

/* alloc_pages_exact() gives back the tail of a power-of-two block: with 48 TDMRs of 512 bytes
 * the list needs 24 KiB of a 32 KiB block, and the freed 8 KiB is the first thing the next
 * allocation (TDMR 0's PAMT) finds. */
static void bringup__trimmed_tdmr_list_tail_reused(void **state)
{
	struct ctx c;
	start(&c, 48);
	assert_int_equal(ktdx_enable_cpus(&c.t), 0);
	assert_int_equal(ktdx_enable(&c.t), 0);
	assert_int_equal(c.t.tdmrs_bytes, 24 << 10);
	uint64_t base, size;
	ktdx_pamt(&c.t, 0, &base, &size);
	assert_int_equal(base, c.t.tdmrs_pa + (24 << 10));
	assert_ready(&c);
	stop(&c);
}

/* The allocations of ktdx_enable(), in order: TDMR list, a PAMT per TDMR, the PA array. A
 * PAMT is tried on its TDMR's node, then on any node: making it fail takes two failures. */
struct alloc_failure {
	const char *what;
	uint32_t skip, count;
};

static const struct alloc_failure failures[] = {
	{"TDMR list", 0, 1},
	{"PAMT of TDMR 0", 1, 2},
	{"PAMT of TDMR 1 (TDMR 0's already allocated)", 2, 2},
	{"TDMR PA array", 3, 1},
};

static void bringup__allocation_fails__enomem_nothing_leaked(void **state)
{
	/* Reference: where everything lands on a simulator that never failed. */
	struct ctx ref;
	start(&ref, 0);
	assert_int_equal(ktdx_enable_cpus(&ref.t), 0);
	assert_int_equal(ktdx_enable(&ref.t), 0);

	for (size_t i = 0; i < sizeof(failures) / sizeof(failures[0]); i++) {
		struct ctx c;
		start(&c, 0);
		assert_int_equal(ktdx_enable_cpus(&c.t), 0);
		assert_int_equal(tdxsim_phys_alloc_fail_after(c.sim, failures[i].skip, failures[i].count),
				 TDXSIM_OK);
		if (ktdx_enable(&c.t) != -ENOMEM)
			fail_msg("%s: allocation failure not reported as -ENOMEM", failures[i].what);
		/* Nothing reached the module... */
		assert_int_equal(c.calls.config, 0);
		assert_int_equal(tdxsim_module_state(c.sim), TDXSIM_SYSINIT_DONE);
		/* ...and nothing stayed allocated: the retry lands exactly where the reference did. */
		assert_int_equal(ktdx_enable(&c.t), 0);
		assert_int_equal(c.t.tdmrs_pa, ref.t.tdmrs_pa);
		assert_int_equal(c.t.pa_array_pa, ref.t.pa_array_pa);
		for (uint32_t t = 0; t < c.t.nr_tdmrs; t++) {
			uint64_t b, s, rb, rs;
			ktdx_pamt(&c.t, t, &b, &s);
			ktdx_pamt(&ref.t, t, &rb, &rs);
			if (b != rb || s != rs)
				fail_msg("%s: PAMT %u at 0x%llx after the retry, 0x%llx without failure",
					 failures[i].what, t, (unsigned long long)b, (unsigned long long)rb);
		}
		assert_ready(&c);
		stop(&c);
	}
	stop(&ref);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bringup__each_lp_from_its_own_thread),
		cmocka_unit_test(bringup__without_cpu_enabling__ud_is_eacces),
		cmocka_unit_test(bringup__trimmed_tdmr_list_tail_reused),
		cmocka_unit_test(bringup__allocation_fails__enomem_nothing_leaked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
