/* SPDX-License-Identifier: MIT */
/*
 * linux-compat: brings TDX up with kernel-style code (ktdx.c) that talks to the simulator only
 * through tdxsim/linux.h's __seamcall*() on one thread per LP. Exits 0 when the module ends up
 * ready with every LP initialized and every PAMT initialized, 1 otherwise.
 */
#include <stdio.h>
#include <string.h>

#include "ktdx.h"
#include "tdxsim/linux.h"

int main(int argc, char **argv)
{
	if (argc > 1) {
		printf("usage: %s\n"
		       "Brings TDX up on a simulated 2-package, 4-LP host with kernel-style code that\n"
		       "calls __seamcall()/__seamcall_ret() on one thread per LP (tdxsim/linux.h).\n",
		       argv[0]);
		return strcmp(argv[1], "--help") && strcmp(argv[1], "-h") ? 2 : 0;
	}
	tdxsim_config_t cfg;
	tdxsim_config_init(&cfg);
	cfg.num_packages = 2;
	cfg.lps_per_package = 2;
	cfg.ram[1].node = 1;

	tdxsim_t *sim;
	struct kcpus *cpus;
	if (tdxsim_create(&cfg, &sim) || kcpus_start(sim, &cpus)) {
		fprintf(stderr, "cannot create the simulator or its CPU threads\n");
		return 1;
	}
	struct ktdx t;
	ktdx_setup(&t, sim, cpus);
	int ret = ktdx_enable_cpus(&t);
	if (!ret)
		ret = ktdx_enable(&t);
	char name[96];
	if (ret)
		printf("tdx: initialization failed: %d (last status %s)\n", ret,
		       tdxsim_status_name(t.last_status, name, sizeof(name)));
	else
		printf("tdx: %u TDMRs, %llu KB allocated for PAMT, module initialized\n", t.nr_tdmrs,
		       (unsigned long long)(t.pamt_bytes >> 10));

	bool ok = !ret && tdxsim_module_state(sim) == TDXSIM_SYS_READY;
	for (uint32_t lp = 0; lp < tdxsim_num_lps(sim); lp++)
		ok = ok && tdxsim_lp_initialized(sim, lp);
	tdxsim_pamt_stats_t st;
	tdxsim_pamt_stats(sim, &st);
	ok = ok && st.num_tdmrs == t.nr_tdmrs && st.initialized_bytes == st.covered_bytes;
	ok = ok && tdxsim_check_invariants(sim, NULL, 0) == TDXSIM_OK;

	kcpus_stop(cpus);
	ktdx_cleanup(&t);
	tdxsim_destroy(sim);
	printf("%s\n", ok ? "OK" : "FAILED");
	return ok ? 0 : 1;
}
