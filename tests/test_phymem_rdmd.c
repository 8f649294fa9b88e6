/* SPDX-License-Identifier: MIT */
/*
 * TDH.PHYMEM.PAGE.RDMD's output registers on every path: the leaf zeroes RCX, RDX and R8-R11
 * before its first check, so each error it returns itself comes with them zero; an error of
 * the dispatcher (before the leaf runs) leaves every register as the host passed it
 * ([M15] tdh_phymem_page_rdmd.c, sheet 8.3).
 */
#include <string.h>

#include "fixture.h"

#define JUNK UINT64_C(0xA5A5A5A5A5A5A5A5)

struct row {
	const char *name;
	enum fx_stage stage;
	uint64_t pa;
	uint64_t expected;
	bool leaf_ran; /* false: the dispatcher rejected the call, registers untouched */
};

/* clang-format off */
static const struct row rows[] = {
	{"rdmd__misaligned__outputs_zero", FX_INITIALIZED, (UINT64_C(8) << 30) + 8,
	 TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RCX, true},
	{"rdmd__above_max_pa__outputs_zero", FX_INITIALIZED, UINT64_C(1) << 52,
	 TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RCX, true},
	{"rdmd__keyid_bits__outputs_zero", FX_INITIALIZED, (UINT64_C(8) << 30) | UINT64_C(1) << 46,
	 TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RCX, true},
	{"rdmd__outside_tdmrs__outputs_zero", FX_INITIALIZED, UINT64_C(3) << 30,
	 TDXSIM_TDX_OPERAND_ADDR_RANGE_ERROR | TDXSIM_OPERAND_RCX, true},
	{"rdmd__block_not_initialized__outputs_zero", FX_READY, UINT64_C(8) << 30,
	 TDXSIM_TDX_OPERAND_ADDR_RANGE_ERROR | TDXSIM_OPERAND_RCX, true},
	{"rdmd__success_free_page__r9_to_r11_zero", FX_INITIALIZED, UINT64_C(8) << 30, TDXSIM_TDX_SUCCESS, true},
	{"rdmd__before_ready__registers_untouched", FX_CONFIGURED, UINT64_C(8) << 30,
	 TDXSIM_TDX_SYS_NOT_READY, false},
};
/* clang-format on */

static void test_row(void **state)
{
	const struct row *row = *state;
	struct fx fx;
	fx_create(&fx, NULL, row->stage);
	tdxsim_regs_t r;
	memset(&r, 0xA5, sizeof(r));
	r.rcx = row->pa;
	uint64_t status = tdxsim_seamcall(fx.sim, 0, TDXSIM_TDH_PHYMEM_PAGE_RDMD, &r);
	assert_status(status, row->expected);
	if (!row->leaf_ran) {
		assert_int_equal(r.rcx, row->pa);
		assert_int_equal(r.rdx, JUNK);
		assert_int_equal(r.r11, JUNK);
	} else {
		/* On success RCX/RDX/R8 hold the entry: a free page is PT_NDA, owner 0, level 4K. */
		assert_int_equal(r.rcx, 0);
		assert_int_equal(r.rdx, 0);
		assert_int_equal(r.r8, 0);
		assert_int_equal(r.r9, 0);
		assert_int_equal(r.r10, 0);
		assert_int_equal(r.r11, 0);
	}
	/* Registers the leaf never writes keep the host's values either way. */
	assert_int_equal(r.r12, JUNK);
	assert_int_equal(r.rsi, JUNK);
	fx_destroy(&fx);
}

int main(void)
{
	struct CMUnitTest tests[sizeof(rows) / sizeof(rows[0])];
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		tests[i] = (struct CMUnitTest){rows[i].name, test_row, NULL, NULL, (void *)&rows[i]};
	return _cmocka_run_group_tests("phymem_rdmd", tests, sizeof(rows) / sizeof(rows[0]), NULL, NULL);
}
