/* SPDX-License-Identifier: MIT */
/*
 * tdxsim_inject(): fault injection keyed on RAX bits 15:0 and 63, so P-SEAMLDR leaves can be
 * answered and never collide with module leaves 0 and 1; answers that carry output registers;
 * the CPU's own answers (VMfailInvalid without a loader) before any injection.
 */
#include <string.h>

#include "fixture.h"
#include "tdxsim/platform.h"
#include "tdxsim/seamldr.h"

#define JUNK UINT64_C(0xA5A5A5A5A5A5A5A5)

static tdxsim_injection_t injection(uint64_t leaf, uint64_t status)
{
	tdxsim_injection_t inj;
	tdxsim_injection_init(&inj);
	inj.leaf = leaf;
	inj.status = status;
	return inj;
}

static uint64_t call_junk(tdxsim_t *sim, uint64_t rax, tdxsim_regs_t *r)
{
	memset(r, 0xA5, sizeof(*r));
	return tdxsim_seamcall(sim, 0, rax, r);
}

static void seamldr_info__injected__answers_without_effect(void **state)
{
	struct fx fx;
	fx_create(&fx, NULL, FX_INITIALIZED);
	tdxsim_injection_t inj = injection(TDXSIM_SEAMLDR_INFO, TDXSIM_PSEAMLDR_EUNSPECERR);
	assert_int_equal(tdxsim_inject(fx.sim, &inj), TDXSIM_OK);
	uint64_t hash = tdxsim_state_hash(fx.sim);
	tdxsim_regs_t r;
	assert_status(call_junk(fx.sim, TDXSIM_SEAMLDR_INFO, &r), TDXSIM_PSEAMLDR_EUNSPECERR);
	assert_int_equal(r.rcx, JUNK);
	assert_int_equal(tdxsim_state_hash(fx.sim), hash);
	/* Used up: the next INFO reaches the loader (RCX = junk is no buffer: EBADPARAM). */
	assert_status(call_junk(fx.sim, TDXSIM_SEAMLDR_INFO, &r), TDXSIM_PSEAMLDR_EBADPARAM);
	fx_destroy(&fx);
}

/* INSTALL is RAX = 2^63 | 1: an injection for it leaves module leaf 1 alone, and the old
 * 16-bit API's leaf 1 never hits INSTALL. */
static void seamldr_and_module_leaf_1__never_confused(void **state)
{
	struct fx fx;
	fx_create(&fx, NULL, FX_INITIALIZED);
	tdxsim_injection_t inj = injection(TDXSIM_SEAMLDR_INSTALL, TDXSIM_PSEAMLDR_ENOMEM);
	assert_int_equal(tdxsim_inject(fx.sim, &inj), TDXSIM_OK);
	assert_int_equal(tdxsim_inject_status(fx.sim, 1, TDXSIM_ANY_LP, 1, TDXSIM_TDX_SYS_BUSY), TDXSIM_OK);
	tdxsim_regs_t r;
	assert_status(call_junk(fx.sim, 1, &r), TDXSIM_TDX_SYS_BUSY);
	assert_status(call_junk(fx.sim, TDXSIM_SEAMLDR_INSTALL, &r), TDXSIM_PSEAMLDR_ENOMEM);
	/* Both used up. */
	assert_true(call_junk(fx.sim, 1, &r) != TDXSIM_TDX_SYS_BUSY);
	assert_true(call_junk(fx.sim, TDXSIM_SEAMLDR_INSTALL, &r) != TDXSIM_PSEAMLDR_ENOMEM);
	fx_destroy(&fx);
}

/* Without a P-SEAMLDR (lost in S3) the CPU answers VMfailInvalid; the injection waits. */
static void seamldr_gone__vmfailinvalid_before_injection(void **state)
{
	struct fx fx;
	fx_create(&fx, NULL, FX_INITIALIZED);
	tdxsim_injection_t inj = injection(TDXSIM_SEAMLDR_INFO, TDXSIM_PSEAMLDR_EUNSPECERR);
	assert_int_equal(tdxsim_inject(fx.sim, &inj), TDXSIM_OK);
	assert_int_equal(tdxsim_sleep_enter(fx.sim), TDXSIM_OK);
	assert_int_equal(tdxsim_sleep_resume(fx.sim), TDXSIM_OK);
	assert_int_equal(tdxsim_vmxon(fx.sim, 0), TDXSIM_OK);
	tdxsim_regs_t r;
	assert_status(call_junk(fx.sim, TDXSIM_SEAMLDR_INFO, &r), TDXSIM_TDX_SEAMCALL_VMFAILINVALID);
	assert_status(call_junk(fx.sim, TDXSIM_SEAMLDR_INFO, &r), TDXSIM_TDX_SEAMCALL_VMFAILINVALID);
	fx_destroy(&fx);
}

/* A TDH.SYS.TDMR.INIT that reports progress the host must handle: RDX as injected, every other
 * register as passed, the PAMT untouched. */
static void tdmr_init__injected_progress__rdx_only(void **state)
{
	struct fx fx;
	fx_create(&fx, NULL, FX_READY);
	uint64_t base = fx.host.tdmrs[0].base;
	tdxsim_injection_t inj = injection(TDXSIM_TDH_SYS_TDMR_INIT, TDXSIM_TDX_SUCCESS);
	inj.lp = 0;
	inj.outputs = TDXSIM_REG_RDX;
	inj.regs.rdx = base + (UINT64_C(1) << 30);
	inj.regs.r8 = 0x1234; /* not in outputs: never written */
	assert_int_equal(tdxsim_inject(fx.sim, &inj), TDXSIM_OK);
	uint64_t hash = tdxsim_state_hash(fx.sim);
	tdxsim_regs_t r;
	memset(&r, 0xA5, sizeof(r));
	r.rcx = base;
	assert_status(tdxsim_seamcall(fx.sim, 0, TDXSIM_TDH_SYS_TDMR_INIT, &r), TDXSIM_TDX_SUCCESS);
	assert_int_equal(r.rdx, base + (UINT64_C(1) << 30));
	assert_int_equal(r.rcx, base);
	assert_int_equal(r.r8, JUNK);
	assert_int_equal(r.rsi, JUNK);
	assert_int_equal(tdxsim_state_hash(fx.sim), hash);
	fx_destroy(&fx);
}

/* Every register can be an output: each bit writes its own field. */
static void outputs__each_bit_its_register(void **state)
{
	struct fx fx;
	fx_create(&fx, NULL, FX_READY);
	for (unsigned bit = 0; bit < 13; bit++) {
		tdxsim_injection_t inj = injection(TDXSIM_TDH_SYS_RD, TDXSIM_TDX_OPERAND_BUSY);
		inj.outputs = 1u << bit;
		uint64_t *v = (uint64_t *)&inj.regs;
		for (unsigned k = 0; k < 13; k++)
			v[k] = 100 + k;
		assert_int_equal(tdxsim_inject(fx.sim, &inj), TDXSIM_OK);
		tdxsim_regs_t r;
		assert_status(call_junk(fx.sim, TDXSIM_TDH_SYS_RD, &r), TDXSIM_TDX_OPERAND_BUSY);
		const uint64_t *out = (const uint64_t *)&r;
		for (unsigned k = 0; k < 13; k++)
			assert_int_equal(out[k], k == bit ? 100 + k : JUNK);
	}
	fx_destroy(&fx);
}

/* Bad requests: one row per rule. */
static void inject__bad_requests__invalid_arg(void **state)
{
	struct fx fx;
	fx_create(&fx, NULL, FX_FRESH);
	tdxsim_injection_t good = injection(TDXSIM_TDH_SYS_INIT, TDXSIM_TDX_SYS_BUSY), bad;
	assert_int_equal(tdxsim_inject(fx.sim, &good), TDXSIM_OK);
	bad = good, bad.size = 0;
	assert_int_equal(tdxsim_inject(fx.sim, &bad), TDXSIM_ERR_INVALID_ARG);
	bad = good, bad.count = 0;
	assert_int_equal(tdxsim_inject(fx.sim, &bad), TDXSIM_ERR_INVALID_ARG);
	bad = good, bad.lp = tdxsim_num_lps(fx.sim);
	assert_int_equal(tdxsim_inject(fx.sim, &bad), TDXSIM_ERR_INVALID_ARG);
	bad = good, bad.leaf |= UINT64_C(1) << 16; /* version bits are not part of the key */
	assert_int_equal(tdxsim_inject(fx.sim, &bad), TDXSIM_ERR_INVALID_ARG);
	bad = good, bad.outputs = 1u << 13;
	assert_int_equal(tdxsim_inject(fx.sim, &bad), TDXSIM_ERR_INVALID_ARG);
	assert_int_equal(tdxsim_inject(fx.sim, NULL), TDXSIM_ERR_INVALID_ARG);
	assert_int_equal(tdxsim_inject(NULL, &good), TDXSIM_ERR_INVALID_ARG);
	fx_destroy(&fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(seamldr_info__injected__answers_without_effect),
		cmocka_unit_test(seamldr_and_module_leaf_1__never_confused),
		cmocka_unit_test(seamldr_gone__vmfailinvalid_before_injection),
		cmocka_unit_test(tdmr_init__injected_progress__rdx_only),
		cmocka_unit_test(outputs__each_bit_its_register),
		cmocka_unit_test(inject__bad_requests__invalid_arg),
	};
	return cmocka_run_group_tests_name("inject", tests, NULL, NULL);
}
