/* SPDX-License-Identifier: MIT */
/*
 * An outside program built against an installed tdxsim (tests/consumers/run.cmake builds it
 * once through find_package and once through pkg-config): it sees only the installed headers
 * and libraries. It brings up the module's first steps with SEAMCALLs and takes an LP offline
 * and back (platform.h, whose functions once were missing from libtdxsim.so), and checks that
 * the library it runs against has the version of the headers it was built with.
 */
#include <stdio.h>
#include <string.h>

#include <tdxsim/platform.h>
#include <tdxsim/tdxsim.h>
#include <tdxsim/version.h>

static int failures;

static void check(int ok, const char *what)
{
	printf("%s: %s\n", ok ? "ok" : "FAILED", what);
	failures += !ok;
}

int main(void)
{
	unsigned major = 99, minor = 99, patch = 99;
	const char *v = tdxsim_version(&major, &minor, &patch);
	check(major == TDXSIM_VERSION_MAJOR && minor == TDXSIM_VERSION_MINOR &&
		      patch == TDXSIM_VERSION_PATCH && !strcmp(v, TDXSIM_VERSION_STRING),
	      "the library's version is the headers' version");

	tdxsim_config_t cfg;
	tdxsim_t *sim = NULL;
	tdxsim_config_init(&cfg);
	if (tdxsim_create(&cfg, &sim) != TDXSIM_OK) {
		printf("FAILED: tdxsim_create\n");
		return 1;
	}
	check(tdxsim_vmxon(sim, 0) == TDXSIM_OK, "VMXON on LP 0");
	tdxsim_regs_t regs;
	memset(&regs, 0, sizeof(regs));
	check(tdxsim_seamcall(sim, 0, TDXSIM_TDH_SYS_INIT, &regs) == TDXSIM_TDX_SUCCESS,
	      "TDH.SYS.INIT succeeds");
	memset(&regs, 0, sizeof(regs));
	check(tdxsim_seamcall(sim, 0, TDXSIM_TDH_SYS_LP_INIT, &regs) == TDXSIM_TDX_SUCCESS,
	      "TDH.SYS.LP.INIT on LP 0 succeeds");

	check(tdxsim_lp_offline(sim, 1) == TDXSIM_OK && !tdxsim_lp_is_online(sim, 1), "LP 1 goes offline");
	check(tdxsim_vmxon(sim, 1) == TDXSIM_ERR_LP_OFFLINE, "an offline LP cannot enter VMX operation");
	check(tdxsim_lp_online(sim, 1) == TDXSIM_OK && tdxsim_lp_is_online(sim, 1), "LP 1 comes back online");
	check(tdxsim_vmxon(sim, 1) == TDXSIM_OK, "VMXON on LP 1 once online");
	memset(&regs, 0, sizeof(regs));
	check(tdxsim_seamcall(sim, 1, TDXSIM_TDH_SYS_LP_INIT, &regs) == TDXSIM_TDX_SUCCESS,
	      "TDH.SYS.LP.INIT on LP 1 after it came back");

	char msg[256];
	check(tdxsim_check_invariants(sim, msg, sizeof(msg)) == TDXSIM_OK, "invariants hold");
	tdxsim_destroy(sim);
	return failures ? 1 : 0;
}
