/* SPDX-License-Identifier: MIT */
/*
 * examples/host-init: bring TDX up on a simulated host the way a host kernel does, then print
 * what was built. Usage: host-init [16g | 1t-holes | 4t | all] (default: all three hosts).
 */
#include <stdio.h>
#include <string.h>

#include "host_tdx.h"

static int run(const char *shape)
{
	tdxsim_config_t cfg;
	tdxsim_t *sim;
	struct host_tdx host;

	if (host_tdx_shape(shape, &cfg)) {
		fprintf(stderr, "host-init: unknown host shape '%s' (16g, 1t-holes, 4t, all)\n", shape);
		return 2;
	}
	tdxsim_err_t err = tdxsim_create(&cfg, &sim);
	if (err) {
		fprintf(stderr, "host-init: tdxsim_create: %s\n", tdxsim_strerror(err));
		return 1;
	}
	printf("== host %s: %u package(s), %u LPs ==\n", shape, tdxsim_num_packages(sim),
	       tdxsim_num_lps(sim));
	struct host_tdx_opts opts = {.log = stdout};
	int rc = host_tdx_init(sim, &opts, &host);
	if (rc == 0)
		host_tdx_print_summary(sim, &host, stdout);
	else
		printf("TDX-Module initialization failed (%d): %s\n", rc, host.message);
	tdxsim_destroy(sim);
	return rc == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	const char *which = argc > 1 ? argv[1] : "all";
	if (!strcmp(which, "--help") || !strcmp(which, "-h")) {
		puts("Usage: host-init [16g | 1t-holes | 4t | all]\n"
		     "Brings TDX up on a simulated host as a host kernel does and prints what was built\n"
		     "(default: all three hosts).");
		return 0;
	}
	if (strcmp(which, "all"))
		return run(which);
	int rc = 0;
	static const char *const shapes[] = {"16g", "1t-holes", "4t"};
	for (unsigned i = 0; i < 3; i++)
		rc |= run(shapes[i]);
	return rc;
}
