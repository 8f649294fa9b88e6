/* SPDX-License-Identifier: MIT */
/*
 * Where the KeyID sits, for the module and for the platform. The module computes it from its
 * own MAX_PA = 52 ([M15] tdh_sys_init.c, x86_defs.h): bits [52 - k, 52) for k KeyID bits,
 * whatever CPUID MAXPHYADDR says; the CPU and the P-SEAMLDR use MAXPHYADDR. On a platform with
 * MAXPHYADDR 46 and 6 KeyID bits the host tags addresses at bit 40, the module looks at bit
 * 46: each row is one consequence a real host would meet (docs/fidelity.md).
 */
#include <string.h>

#include "fixture.h"
#include "tdxsim/memory.h"

#define PLATFORM_SHIFT 40 /* 46 - 6 */
#define MODULE_SHIFT   46 /* 52 - 6 */
#define PAGE	       (UINT64_C(8) << 30)

enum rcx_src { PAGE_PA, PA_ARRAY };

struct row {
	const char *name;
	uint32_t phys_bits;
	enum fx_stage stage;
	uint64_t rax;
	enum rcx_src src;
	uint64_t or_bits; /* ORed into RCX */
	uint64_t expected;
};

/* clang-format off */
static const struct row rows[] = {
	/* A KeyID where the platform puts it is an address bit to the module (PA 1 TiB + 8 GiB:
	 * in no TDMR), not a KeyID. */
	{"rdmd__platform_keyid_position__address_bit_for_module", 46, FX_INITIALIZED,
	 TDXSIM_TDH_PHYMEM_PAGE_RDMD, PAGE_PA, UINT64_C(1) << PLATFORM_SHIFT,
	 TDXSIM_TDX_OPERAND_ADDR_RANGE_ERROR | TDXSIM_OPERAND_RCX},
	/* Bits the platform reserves (above MAXPHYADDR) are KeyID bits to the module. */
	{"rdmd__module_keyid_position__operand_invalid", 46, FX_INITIALIZED, TDXSIM_TDH_PHYMEM_PAGE_RDMD,
	 PAGE_PA, UINT64_C(1) << MODULE_SHIFT, TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RCX},
	/* A shared KeyID in the module's position is accepted and stripped for the array read. */
	{"config__shared_keyid_module_position__accepted", 46, FX_TDMRS_BUILT, TDXSIM_TDH_SYS_CONFIG,
	 PA_ARRAY, UINT64_C(1) << MODULE_SHIFT, TDXSIM_TDX_SUCCESS},
	/* In the platform's position it is part of the address: no RAM there (fidelity.md). */
	{"config__shared_keyid_platform_position__operand_invalid", 46, FX_TDMRS_BUILT,
	 TDXSIM_TDH_SYS_CONFIG, PA_ARRAY, UINT64_C(1) << PLATFORM_SHIFT,
	 TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RCX},
	{"tdmr_init__module_keyid_position__operand_invalid", 46, FX_READY, TDXSIM_TDH_SYS_TDMR_INIT, PAGE_PA,
	 UINT64_C(1) << MODULE_SHIFT, TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RCX},
	/* With MAXPHYADDR 52 both views agree: bit 46 is the KeyID for everyone. */
	{"rdmd__maxphyaddr_52__one_position", 52, FX_INITIALIZED, TDXSIM_TDH_PHYMEM_PAGE_RDMD, PAGE_PA,
	 UINT64_C(1) << MODULE_SHIFT, TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RCX},
};
/* clang-format on */

static void run_row(void **state)
{
	const struct row *row = *state;
	tdxsim_config_t cfg;
	tdxsim_config_init(&cfg);
	cfg.phys_addr_bits = row->phys_bits;
	struct fx fx;
	fx_create(&fx, &cfg, row->stage);
	uint64_t rcx = row->src == PA_ARRAY ? fx.host.pa_array_pa : PAGE;
	uint64_t rdx = row->rax == TDXSIM_TDH_SYS_CONFIG ? fx.host.num_tdmrs : 0;
	uint64_t r8 = row->rax == TDXSIM_TDH_SYS_CONFIG ? fx.host.global_keyid : 0;
	assert_status(fx_call(fx.sim, 0, row->rax, rcx | row->or_bits, rdx, r8, NULL), row->expected);
	fx_destroy(&fx);
}

/* The platform side keeps MAXPHYADDR: the host's KeyID-tagged accesses and the public shift. */
static void platform__keyid_below_maxphyaddr(void **state)
{
	tdxsim_config_t cfg;
	tdxsim_config_init(&cfg);
	cfg.phys_addr_bits = 46;
	struct fx fx;
	fx_create(&fx, &cfg, FX_FRESH);
	assert_int_equal(tdxsim_keyid_shift(fx.sim), PLATFORM_SHIFT);
	uint64_t v = 0x1122334455667788, got = 0;
	uint64_t *p = tdxsim_phys_to_virt(fx.sim, PAGE, 8);
	*p = v;
	/* MKTME KeyID 1 at the platform's position reaches the same RAM. */
	assert_int_equal(tdxsim_mem_read(fx.sim, 0, PAGE | UINT64_C(1) << PLATFORM_SHIFT, &got, 8),
			 TDXSIM_OK);
	assert_int_equal(got, v);
	/* Bit 46 is above MAXPHYADDR for the CPU. */
	assert_int_equal(tdxsim_mem_read(fx.sim, 0, PAGE | UINT64_C(1) << MODULE_SHIFT, &got, 8),
			 TDXSIM_ERR_INVALID_ARG);
	fx_destroy(&fx);
}

int main(void)
{
	enum { N = sizeof(rows) / sizeof(rows[0]) };
	struct CMUnitTest tests[N + 1];
	for (size_t i = 0; i < N; i++)
		tests[i] = (struct CMUnitTest){rows[i].name, run_row, NULL, NULL, (void *)&rows[i]};
	tests[N] = (struct CMUnitTest)cmocka_unit_test(platform__keyid_below_maxphyaddr);
	return _cmocka_run_group_tests("module_max_pa", tests, N + 1, NULL, NULL);
}
