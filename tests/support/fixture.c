/* SPDX-License-Identifier: MIT */
#include "fixture.h"

#include <stdio.h>
#include <string.h>

void fx_create(struct fx *fx, const tdxsim_config_t *cfg, enum fx_stage stage)
{
	tdxsim_config_t def;
	if (!cfg) {
		tdxsim_config_init(&def);
		cfg = &def;
	}
	memset(fx, 0, sizeof(*fx));
	assert_int_equal(tdxsim_create(cfg, &fx->sim), TDXSIM_OK);
	if (stage == FX_FRESH)
		return;
	for (uint32_t lp = 0; lp < tdxsim_num_lps(fx->sim); lp++)
		assert_int_equal(tdxsim_vmxon(fx->sim, lp), TDXSIM_OK);
	if (stage == FX_VMX)
		return;
	if (stage == FX_SYSINIT) {
		assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_SYS_INIT, 0, 0, 0, NULL), TDXSIM_TDX_SUCCESS);
		return;
	}
	static const enum host_tdx_stop stops[] = {
		[FX_LPINIT] = HOST_TDX_STOP_AFTER_LP_INIT,    [FX_TDMRS_BUILT] = HOST_TDX_STOP_BEFORE_CONFIG,
		[FX_CONFIGURED] = HOST_TDX_STOP_AFTER_CONFIG, [FX_READY] = HOST_TDX_STOP_AFTER_KEYS,
		[FX_INITIALIZED] = HOST_TDX_RUN_ALL,
	};
	struct host_tdx_opts opts = {.stop = stops[stage]};
	int rc = host_tdx_init(fx->sim, &opts, &fx->host);
	if (rc)
		fail_msg("bring-up to stage %d failed: %s", stage, fx->host.message);
}

void fx_destroy(struct fx *fx)
{
	tdxsim_destroy(fx->sim);
	fx->sim = NULL;
}

uint64_t fx_call(tdxsim_t *sim, uint32_t lp, uint64_t rax, uint64_t rcx, uint64_t rdx, uint64_t r8,
		 tdxsim_regs_t *out)
{
	tdxsim_regs_t r = {.rcx = rcx, .rdx = rdx, .r8 = r8};
	uint64_t status = tdxsim_seamcall(sim, lp, rax, &r);
	if (out)
		*out = r;
	return status;
}

void assert_fused_check_agrees(tdxsim_t *sim, tdxsim_err_t err, const char *msg, size_t len)
{
	const uint64_t sentinel = UINT64_C(0x5E5E5E5E5E5E5E5E);
	uint64_t hash = sentinel;
	char fused[512] = "";
	assert_true(len <= sizeof(fused));
	assert_int_equal(tdxsim_check_invariants_hash(sim, &hash, fused, len), err);
	assert_string_equal(fused, msg);
	assert_int_equal(hash, err ? sentinel : tdxsim_state_hash(sim));
}

void fx_assert_status(uint64_t actual, uint64_t expected, const char *file, int line)
{
	if (actual == expected)
		return;
	char a[96], e[96];
	fail_msg("%s:%d: status %s (0x%016llx), expected %s (0x%016llx)", file, line,
		 tdxsim_status_name(actual, a, sizeof(a)), (unsigned long long)actual,
		 tdxsim_status_name(expected, e, sizeof(e)), (unsigned long long)expected);
}
