/* SPDX-License-Identifier: MIT */
/* Helpers for the lifecycle tests: a module image in simulated memory and the update steps. */
#ifndef TDXSIM_TEST_LIFECYCLE_FIXTURE_H
#define TDXSIM_TEST_LIFECYCLE_FIXTURE_H

#include "fixture.h"
#include "tdxsim/seamldr.h"

struct lfx {
	struct fx fx;
	uint64_t blob_pa, blob_len, params_pa;
	uint64_t rcx; /* what INSTALL gets in RCX (params_pa unless a test changes it) */
	struct tdxsim_seamldr_params *params;
	struct tdxsim_sigstruct *sig;
	uint8_t *module; /* first module page (the descriptor) */
};

/* Creates a simulator from @cfg (NULL = defaults) brought to FX_INITIALIZED, writes the image
 * @opts describes into simulated memory and a SEAMLDR_PARAMS page for it (scenario UPDATE), as
 * Linux's init_seamldr_params() fills it. */
void lfx_create(struct lfx *l, const tdxsim_config_t *cfg, const tdxsim_blob_opts_t *opts);
void lfx_destroy(struct lfx *l);

/* TDH.SYS.RD MODULE_HV, TDH.SYS.SHUTDOWN with it; asserts success. */
void lfx_shutdown(struct lfx *l);
/* P-SEAMLDR.INSTALL with RCX = l->rcx on LP @lp; returns the status, RDX in *rdx if set. */
uint64_t lfx_install(struct lfx *l, uint32_t lp, uint64_t *rdx);
/* INSTALL on every LP but the last, asserting success. */
void lfx_install_all_but_last(struct lfx *l);
/* TDH.SYS.INIT, then TDH.SYS.LP.INIT on every LP; asserts success. */
void lfx_init_all(struct lfx *l);
/* The whole update: shutdown, install everywhere, init, TDH.SYS.UPDATE; asserts success. */
void lfx_update(struct lfx *l);
/* Recomputes the sigstruct's SEAMHASH after a test changed module pages on purpose. */
void lfx_rehash(struct lfx *l);
/* Asserts tdxsim_check_invariants() passes. */
void lfx_check(struct lfx *l);

#endif
