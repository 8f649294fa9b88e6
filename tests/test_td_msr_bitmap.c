/* SPDX-License-Identifier: MIT */
/*
 * MSR_BITMAPS as a debug TD reads it (TDH.MNG.RD, 512 qwords): the module's MSR table with
 * its dynamic rules (src/td/msr_bitmap.c). One row per TD configuration; the expected qwords
 * that are not all ones come from the module oracle for the same ATTRIBUTES and XFAM. Bits of
 * the MSRs whose rule depends on the platform or on CPUID bits the oracle's fake CPU and
 * tdxsim's CPU profile set differently (UMWAIT_CONTROL, TSX_CTRL, XFD, XFD_ERR,
 * PERF_METRICS) are checked against the rule itself, from what the TD's own CPUID reads.
 */
#include <stdlib.h>

#include "td_fixture.h"

#define F_MSR_BITMAPS 0x2010000300000000ULL
#define F_CPUID	      0x9410000300000000ULL
#define DEBUG	      1ULL
#define PKS	      (1ULL << 30)
#define PERFMON	      (1ULL << 63)

struct qw {
	unsigned elem;
	uint64_t value;
};

static const struct qw cfg_a[] = {
	{0, 0xFFFFFFFFFFFEFFFFULL},   {1, 0xFFFFFFFFFFFFFCFFULL},   {2, 0xEFFFFFFFFFFFFFFFULL},
	{4, 0xFFFFFFFFFFFFF7FFULL},   {5, 0xFF8FFFFFFFFFFFFFULL},   {9, 0xFF7FFFFFFFFFFFFFULL},
	{24, 0xFFFFFFFFFFFFFFFEULL},  {32, 0x7FFFFF000000A0FFULL},  {50, 0xFFFFFFFFFFFFFFFEULL},
	{54, 0xFFFFFFFEFFFFFFFFULL},  {108, 0xFFFFFFFFFFFFFFFDULL}, {130, 0xFFFFFFFFFFFFFFE8ULL},
	{132, 0xFFFFFFFFFFFFFFF0ULL}, {257, 0xFFFFFFFFFFFFFCFFULL}, {258, 0xDFFFFFFFFFFFFFFFULL},
	{260, 0xFFFFFFFFFFFFF3FFULL}, {261, 0xFF8FFFFFFFFFFFFFULL}, {265, 0xFF7FFFFFFFFFFFFFULL},
	{280, 0xFFFFFFFFFFFFFFFEULL}, {288, 0x7FFFFF000000A0FFULL}, {364, 0xFFFFFFFFFFFFFFFDULL},
	{386, 0xFFFFFFFFFFFFFFE9ULL}, {388, 0xFFFFFFFFFFFFFFF0ULL}};
static const struct qw cfg_b[] = {
	{0, 0xFFFFFFFFFFFEFFFFULL},   {1, 0xFFFFFFFFFFFFFCFFULL},   {2, 0xEFFFFFFFFFFFFFFFULL},
	{4, 0xFFFFFFFFFFFFF7FFULL},   {5, 0xFF8FFFFFFFFFFFFFULL},   {9, 0xFF7FFFFFFFFFFFFFULL},
	{21, 0xFFF8FFFCFFFFFFFFULL},  {22, 0xFFFFFFFFFFFFFF00ULL},  {24, 0xFFFFFFFFFFFFFFFEULL},
	{26, 0xFFFFFE0AFFFFFFFFULL},  {27, 0xFFFFFFFDFFFFFFFFULL},  {32, 0x7FFFFF000000A0FFULL},
	{50, 0xFFFFFFFFFFFFFFFEULL},  {54, 0xFFFFFFFEFFFFFFFFULL},  {108, 0xFFFFFFFFFFFFFFFDULL},
	{130, 0xFFFFFFFFFFFFFFE8ULL}, {132, 0xFFFFFFFFFFFFFFF0ULL}, {257, 0xFFFFFFFFFFFFFCFFULL},
	{258, 0xDFFFFFFFFFFFFFFFULL}, {260, 0xFFFFFFFFFFFFF3FFULL}, {261, 0xFF8FFFFFFFFFFFFFULL},
	{265, 0xFF7FFFFFFFFFFFFFULL}, {277, 0xFFF8FFFCFFFFFFFFULL}, {278, 0xFFFFFFFFFFFFFF00ULL},
	{280, 0xFFFFFFFFFFFFFFFEULL}, {282, 0xFFFFFE0AFFFFFFFFULL}, {283, 0xFFFFFFFDFFFFFFFFULL},
	{288, 0x7FFFFF000000A0FFULL}, {364, 0xFFFFFFFFFFFFFFFDULL}, {386, 0xFFFFFFFFFFFFFFE9ULL},
	{388, 0xFFFFFFFFFFFFFFF0ULL}};
static const struct qw cfg_c[] = {
	{0, 0xFFFFFFFFFFFEFFFFULL},   {1, 0xFFFFFFFFFFFFFCFFULL},   {2, 0xEFFFFFFFFFFFFFFFULL},
	{3, 0xFFFFFFFFFFFFFE01ULL},   {4, 0xFFFFFFFFFFFFF7FFULL},   {5, 0xFF8FFFFFFFFFFFFFULL},
	{6, 0xFFFFFF3EFFFFC03FULL},   {9, 0xFF7FFFFFFFFFFFFFULL},   {12, 0xFFFFFFFFFFFE01FFULL},
	{13, 0xFFFFFFFFFFFFFFDFULL},  {14, 0xFFFFFFFFFFF81FFFULL},  {15, 0xFF39FFFFFFFFFFFFULL},
	{19, 0xFFFFFFFFFFFFFE01ULL},  {21, 0xFFF8FFFCFFFFFFFFULL},  {22, 0xFFFFFFFFFFFFFF00ULL},
	{24, 0xFFFFFFFFFFFFFFFEULL},  {32, 0x7FFFFF000000A0FFULL},  {50, 0xFFFFFFFFFFFFFFFEULL},
	{54, 0xFFFFFFFEFFFFFFFFULL},  {108, 0xFFFFFFFFFFFFFFFDULL}, {130, 0xFFFFFFFFFFFFFFE8ULL},
	{132, 0xFFFFFFFFFFFFFFF0ULL}, {257, 0xFFFFFFFFFFFFFCFFULL}, {258, 0xDFFFFFFFFFFFFFFFULL},
	{259, 0xFFFFFFFFFFFFFE01ULL}, {260, 0xFFFFFFFFFFFFF3FFULL}, {261, 0xFF8FFFFFFFFFFFFFULL},
	{262, 0xFFFFFF3FFFFFC03FULL}, {265, 0xFF7FFFFFFFFFFFFFULL}, {268, 0xFFFFFFFFFFFE01FFULL},
	{269, 0xFFFFFFFFFFFFFFDFULL}, {270, 0xFFFFFFFFFFF81FFFULL}, {271, 0xFF39FFFFFFFFFFFFULL},
	{275, 0xFFFFFFFFFFFFFE01ULL}, {277, 0xFFF8FFFCFFFFFFFFULL}, {278, 0xFFFFFFFFFFFFFF00ULL},
	{280, 0xFFFFFFFFFFFFFFFEULL}, {288, 0x7FFFFF000000A0FFULL}, {364, 0xFFFFFFFFFFFFFFFDULL},
	{386, 0xFFFFFFFFFFFFFFE9ULL}, {388, 0xFFFFFFFFFFFFFFF0ULL}};

static const struct row {
	const char *rule;
	uint64_t attributes, xfam;
	const struct qw *expect;
	size_t n;
} rows[] = {
	{"debug_x87_sse__fixed_rules_only", DEBUG, 0x3, cfg_a, sizeof(cfg_a) / sizeof(cfg_a[0])},
	{"pks_pt_cet__their_msrs_pass_through", DEBUG | PKS, 0x1903, cfg_b, sizeof(cfg_b) / sizeof(cfg_b[0])},
	{"perfmon_with_pt__counters_and_perf_capabilities_pass_through", DEBUG | PERFMON, 0x103, cfg_c,
	 sizeof(cfg_c) / sizeof(cfg_c[0])},
};

/* Read (0) or write (1) bit of a low MSR: qword, bit. */
static void where(uint32_t msr, int w, unsigned *elem, unsigned *bit)
{
	unsigned b = msr + (w ? 2048u * 8 : 0);
	*elem = b / 64;
	*bit = b % 64;
}

static uint64_t mng_rd(struct fx *fx, uint64_t tdr, uint64_t id)
{
	tdxsim_regs_t r = {.rcx = tdr, .rdx = id};
	assert_status(tdxsim_seamcall(fx->sim, 0, TDXSIM_TDH_MNG_RD, &r), TDXSIM_TDX_SUCCESS);
	return r.r8;
}

static void msr_bitmaps__each_configuration__as_the_module(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		struct fx fx;
		struct tdfx_td td;
		struct tdfx_params p = {.attributes = r->attributes, .xfam = r->xfam};
		fx_create(&fx, NULL, FX_INITIALIZED);
		tdfx_create_keyed_tdcs(&fx, &td);
		tdfx_init_with(&fx, &td, &p);
		/* The TD's CPUID: (7,0) EBX.HLE bit 4, ECX.WAITPKG bit 5; (0xD,1) EAX.XFD bit 4. */
		uint64_t l7 = mng_rd(&fx, td.tdr, F_CPUID | 7u << 9),
			 l7hi = mng_rd(&fx, td.tdr, F_CPUID | 7u << 9 | 1);
		uint64_t ld = mng_rd(&fx, td.tdr, F_CPUID | 0xDu << 9 | 1u << 1);
		const struct {
			uint32_t msr;
			bool cleared;
		} dyn[] = {
			{0xE1, (l7hi >> 5) & 1},		 /* UMWAIT_CONTROL: WAITPKG */
			{0x122, (l7 >> 36) & 1},		 /* TSX_CTRL: HLE */
			{0x1C4, (ld >> 4) & 1},			 /* XFD */
			{0x1C5, (ld >> 4) & 1},			 /* XFD_ERR */
			{0x329, (r->attributes & PERFMON) != 0}, /* PERF_METRICS (assumed available) */
		};
		uint64_t want[512], ignore[512] = {0};
		for (unsigned k = 0; k < 512; k++)
			want[k] = ~0ULL;
		for (size_t k = 0; k < r->n; k++)
			want[r->expect[k].elem] = r->expect[k].value;
		for (size_t k = 0; k < sizeof(dyn) / sizeof(dyn[0]); k++)
			for (int w = 0; w < 2; w++) {
				unsigned e, b;
				where(dyn[k].msr, w, &e, &b);
				ignore[e] |= 1ULL << b;
				uint64_t got = mng_rd(&fx, td.tdr, F_MSR_BITMAPS + e);
				if (((got >> b) & 1) == dyn[k].cleared)
					fail_msg("%s: MSR 0x%x %s bit", r->rule, dyn[k].msr,
						 w ? "write" : "read");
			}
		for (unsigned k = 0; k < 512; k++) {
			uint64_t got = mng_rd(&fx, td.tdr, F_MSR_BITMAPS + k);
			if ((got | ignore[k]) != (want[k] | ignore[k]))
				fail_msg("%s: qword %u is 0x%llx, the module has 0x%llx", r->rule, k,
					 (unsigned long long)got, (unsigned long long)want[k]);
		}
		tdfx_assert_invariants(&fx);
		fx_destroy(&fx);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(msr_bitmaps__each_configuration__as_the_module),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
