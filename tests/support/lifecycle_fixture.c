/* SPDX-License-Identifier: MIT */
#include "lifecycle_fixture.h"

#include <string.h>

#include "seamldr/seamldr.h"

#define PAGE 4096u

void lfx_create(struct lfx *l, const tdxsim_config_t *cfg, const tdxsim_blob_opts_t *opts)
{
	memset(l, 0, sizeof(*l));
	fx_create(&l->fx, cfg, FX_INITIALIZED);
	tdxsim_t *sim = l->fx.sim;
	assert_int_equal(tdxsim_blob_place(sim, opts, &l->blob_pa, &l->blob_len), TDXSIM_OK);
	assert_int_equal(tdxsim_phys_alloc(sim, PAGE, PAGE, UINT32_MAX, &l->params_pa), TDXSIM_OK);
	l->params = tdxsim_phys_to_virt(sim, l->params_pa, PAGE);
	l->sig = tdxsim_phys_to_virt(sim, l->blob_pa + PAGE, PAGE);
	l->module = tdxsim_phys_to_virt(sim, l->blob_pa + 2 * PAGE, PAGE);
	l->params->scenario = TDXSIM_SEAMLDR_SCENARIO_UPDATE;
	l->params->sigstruct_pa = l->blob_pa + PAGE;
	l->params->num_module_pages = opts->num_module_pages;
	for (uint32_t i = 0; i < opts->num_module_pages; i++)
		l->params->module_pages_pa[i] = l->blob_pa + (2 + (uint64_t)i) * PAGE;
	l->rcx = l->params_pa;
}

void lfx_destroy(struct lfx *l)
{
	fx_destroy(&l->fx);
}

void lfx_shutdown(struct lfx *l)
{
	tdxsim_regs_t r;
	assert_status(fx_call(l->fx.sim, 0, TDXSIM_TDH_SYS_RD, 0, TDXSIM_MD_MODULE_HV, 0, &r),
		      TDXSIM_TDX_SUCCESS);
	assert_status(fx_call(l->fx.sim, 0, TDXSIM_TDH_SYS_SHUTDOWN, r.r8, 0, 0, NULL), TDXSIM_TDX_SUCCESS);
}

uint64_t lfx_install(struct lfx *l, uint32_t lp, uint64_t *rdx)
{
	tdxsim_regs_t r;
	uint64_t status = fx_call(l->fx.sim, lp, TDXSIM_SEAMLDR_INSTALL, l->rcx, 0xDEAD, 0, &r);
	if (rdx)
		*rdx = r.rdx;
	return status;
}

void lfx_install_all_but_last(struct lfx *l)
{
	for (uint32_t lp = 0; lp + 1 < tdxsim_num_lps(l->fx.sim); lp++) {
		uint64_t rdx;
		assert_status(lfx_install(l, lp, &rdx), TDXSIM_TDX_SUCCESS);
		assert_int_equal(rdx, 0);
	}
}

void lfx_init_all(struct lfx *l)
{
	assert_status(fx_call(l->fx.sim, 0, TDXSIM_TDH_SYS_INIT, 0, 0, 0, NULL), TDXSIM_TDX_SUCCESS);
	for (uint32_t lp = 0; lp < tdxsim_num_lps(l->fx.sim); lp++)
		assert_status(fx_call(l->fx.sim, lp, TDXSIM_TDH_SYS_LP_INIT, 0, 0, 0, NULL),
			      TDXSIM_TDX_SUCCESS);
}

void lfx_update(struct lfx *l)
{
	lfx_shutdown(l);
	lfx_install_all_but_last(l);
	assert_status(lfx_install(l, tdxsim_num_lps(l->fx.sim) - 1, NULL), TDXSIM_TDX_SUCCESS);
	lfx_init_all(l);
	assert_status(fx_call(l->fx.sim, 0, TDXSIM_TDH_SYS_UPDATE, 0, 0, 0, NULL), TDXSIM_TDX_SUCCESS);
}

void lfx_rehash(struct lfx *l)
{
	const void *pages[TDXSIM_SEAMLDR_MAX_MODULE_PAGES];
	for (uint64_t i = 0; i < l->params->num_module_pages; i++)
		pages[i] = tdxsim_phys_to_virt(l->fx.sim, l->params->module_pages_pa[i], PAGE);
	assert_int_equal(tdxsim_sha384_pages(pages, (unsigned)l->params->num_module_pages, l->sig->seamhash),
			 0);
}

void lfx_check(struct lfx *l)
{
	char msg[256] = "";
	uint64_t hash = 0;
	/* The fused check's hash is the state hash in every state a lifecycle test checks. */
	if (tdxsim_check_invariants_hash(l->fx.sim, &hash, msg, sizeof(msg)))
		fail_msg("invariant broken: %s", msg);
	assert_int_equal(hash, tdxsim_state_hash(l->fx.sim));
}
