/* SPDX-License-Identifier: MIT */
/* Test fixtures: simulators brought to a given module state, and call helpers. */
#ifndef TDXSIM_TEST_FIXTURE_H
#define TDXSIM_TEST_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "host_tdx.h"
#include "tdxsim/tdxsim.h"

/* How far fx_create() brings the module. */
enum fx_stage {
	FX_FRESH,	/* created, VMX off everywhere */
	FX_VMX,		/* VMXON on every LP, module SYSINIT_PENDING */
	FX_SYSINIT,	/* TDH.SYS.INIT done, no LP initialized */
	FX_LPINIT,	/* every LP initialized (SYSINIT_DONE) */
	FX_TDMRS_BUILT, /* as FX_LPINIT, TDMR array written in memory (host.pa_array_pa) */
	FX_CONFIGURED,	/* SYSCONFIG_DONE */
	FX_READY,	/* SYS_READY, PAMTs not initialized */
	FX_INITIALIZED, /* every TDMR initialized */
};

struct fx {
	tdxsim_t *sim;
	struct host_tdx host;
};

/* Creates a simulator from @cfg (NULL = defaults) and brings it to @stage; asserts success. */
void fx_create(struct fx *fx, const tdxsim_config_t *cfg, enum fx_stage stage);
void fx_destroy(struct fx *fx);

/* One SEAMCALL with the given RCX/RDX/R8 (others 0); returns the status, regs in *out if set. */
uint64_t fx_call(tdxsim_t *sim, uint32_t lp, uint64_t rax, uint64_t rcx, uint64_t rdx, uint64_t r8,
		 tdxsim_regs_t *out);

/* Asserts two statuses are equal, printing both names on failure. */
#define assert_status(actual, expected) fx_assert_status((actual), (expected), __FILE__, __LINE__)
void fx_assert_status(uint64_t actual, uint64_t expected, const char *file, int line);

/* tdxsim_check_invariants_hash() on @sim gives what tdxsim_check_invariants() gave (@err and
 * @msg, from a buffer of @len bytes, at most 512): on an error the same message and the hash left as it was,
 * on success the state hash. */
void assert_fused_check_agrees(tdxsim_t *sim, tdxsim_err_t err, const char *msg, size_t len);

#endif
