/* SPDX-License-Identifier: MIT */
/*
 * TDH.VP.RD/WR on a debug TD (ATTRIBUTES.DEBUG): the module's debug host masks
 * (td_vmcs_fields_lookup.c, tdvps_fields_lookup.c) instead of the production ones. One row per
 * rule, each run on a production and a debug TD; statuses, values and next ids pinned with
 * the module oracle. Fields only a debug host can read or write carry guest state tdxsim does
 * not model: they answer TDXSIM_STATUS_NOT_EMULATED (docs/fidelity.md).
 */
#include <stdlib.h>

#include "td_fixture.h"

#define V1	     (1u << 16)
#define NA	     (~UINT64_C(0))
#define NOT_READABLE 0xC0000C0200000000ULL
#define NOT_EMULATED TDXSIM_STATUS_NOT_EMULATED
#define NOT_WRITABLE 0xC0000C0100000000ULL
#define FIRST_FIELD  0x00000C0B00000000ULL
#define NOT_INIT_VEC 0xC000073000000002ULL /* TD_VMCS_FIELD_NOT_INITIALIZED | posted vector */

/* The module's ids (class << 56, size and context bits as stored). */
#define F_VPID		0x0024000100000000ULL
#define F_POSTED_VEC	0x0024000100000002ULL
#define F_TSC_OFFSET	0x0024000300002010ULL
#define F_PIN_BASED	0x0024000200004000ULL
#define F_SECONDARY	0x002400020000401EULL
#define F_GUEST_RIP	0x002400030000681EULL
#define F_HOST_RIP	0x0024000300006C16ULL
#define F_VCPU_STATE	0xA020000000000000ULL
#define F_PAGE_PA_LAST	0xA02000030000001EULL /* TDVPS_PAGE_PA element 14 */
#define F_HP_LOCK_START 0xA020000300000030ULL

struct env {
	struct fx fx;
	struct tdfx_td td[2]; /* [0] production, [1] debug */
	struct tdfx_vcpu vp[2];
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	fx_create(&e->fx, NULL, FX_INITIALIZED);
	for (int d = 0; d < 2; d++) {
		struct tdfx_params p = {.attributes = (uint64_t)d}; /* bit 0: DEBUG */
		tdfx_create_keyed_tdcs(&e->fx, &e->td[d]);
		tdfx_init_with(&e->fx, &e->td[d], &p);
		tdfx_vp_build(&e->fx, &e->td[d], &e->vp[d], 0);
	}
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	fx_destroy(&e->fx);
	free(e);
	return 0;
}

static uint64_t call(struct env *e, int dbg, uint64_t rax, uint64_t id, uint64_t r8, uint64_t r9,
		     tdxsim_regs_t *out)
{
	tdxsim_regs_t r = {.rcx = e->vp[dbg].tdvpr, .rdx = id, .r8 = r8, .r9 = r9};
	uint64_t st = tdxsim_seamcall(e->fx.sim, 0, rax, &r);
	*out = r;
	return st;
}

/* Expected outcome on the production ([0]) and the debug ([1]) TD. */
struct row {
	const char *rule;
	uint64_t rax, id, r8, r9;
	uint64_t status[2];
	uint64_t out_r8[2];  /* value read, or the old value a write returns */
	uint64_t out_rdx[2]; /* RD v1: the next id */
};

static const struct row rows[] = {
	{.rule = "rd_vpid__debug_only__not_emulated",
	 .rax = TDXSIM_TDH_VP_RD,
	 .id = F_VPID,
	 .status = {NOT_READABLE, NOT_EMULATED}},
	{.rule = "rd_guest_rip__debug_only__not_emulated",
	 .rax = TDXSIM_TDH_VP_RD,
	 .id = F_GUEST_RIP,
	 .status = {NOT_READABLE, NOT_EMULATED}},
	{.rule = "rd_vcpu_state__debug_only__not_emulated",
	 .rax = TDXSIM_TDH_VP_RD,
	 .id = F_VCPU_STATE,
	 .status = {NOT_READABLE, NOT_EMULATED}},
	{.rule = "rd_host_rip__no_host_read_even_on_debug__not_readable",
	 .rax = TDXSIM_TDH_VP_RD,
	 .id = F_HOST_RIP,
	 .status = {NOT_READABLE, NOT_READABLE}},
	/* The whole controls on a debug TD, only bit 7 (31:30) in production: the module's
	 * initial values. */
	{.rule = "rd_pin_based__debug_mask_shows_all_bits",
	 .rax = TDXSIM_TDH_VP_RD,
	 .id = F_PIN_BASED,
	 .out_r8 = {0, 0x29}},
	{.rule = "rd_secondary__debug_mask_shows_all_bits",
	 .rax = TDXSIM_TDH_VP_RD,
	 .id = F_SECONDARY,
	 .out_r8 = {0x133CB3FA & 0xC0000000ULL, 0x133CB3FA}},
	{.rule = "wr_secondary_bits_31_30__old_value_through_the_read_mask",
	 .rax = TDXSIM_TDH_VP_WR,
	 .id = F_SECONDARY,
	 .r8 = 0xC0000000ULL,
	 .r9 = 0xC0000000ULL,
	 .out_r8 = {0, 0x133CB3FA}},
	{.rule = "wr_secondary_bit_2__debug_only__not_emulated",
	 .rax = TDXSIM_TDH_VP_WR,
	 .id = F_SECONDARY,
	 .r8 = 4,
	 .r9 = 4,
	 .status = {NOT_WRITABLE, NOT_EMULATED}},
	{.rule = "wr_tsc_offset__debug_only__not_emulated",
	 .rax = TDXSIM_TDH_VP_WR,
	 .id = F_TSC_OFFSET,
	 .r8 = 5,
	 .r9 = NA,
	 .status = {NOT_WRITABLE, NOT_EMULATED}},
	{.rule = "wr_guest_rip__debug_only__not_emulated",
	 .rax = TDXSIM_TDH_VP_WR,
	 .id = F_GUEST_RIP,
	 .r8 = 0x1000,
	 .r9 = NA,
	 .status = {NOT_WRITABLE, NOT_EMULATED}},
	{.rule = "wr_pin_based_bit_7_before_vector__vmcs_field_not_initialized",
	 .rax = TDXSIM_TDH_VP_WR,
	 .id = F_PIN_BASED,
	 .r8 = 0x80,
	 .r9 = 0x80,
	 .status = {NOT_INIT_VEC, NOT_INIT_VEC}},
	/* Version 1: the first id and the rows after TDVPS_PAGE_PA follow the masks in force. */
	{.rule = "rd_v1_null__first_readable_row",
	 .rax = TDXSIM_TDH_VP_RD | V1,
	 .id = NA,
	 .status = {FIRST_FIELD, FIRST_FIELD},
	 .out_rdx = {F_POSTED_VEC, F_VPID}},
	{.rule = "rd_v1_after_last_page_pa__debug_rows_follow",
	 .rax = TDXSIM_TDH_VP_RD | V1,
	 .id = F_PAGE_PA_LAST,
	 .out_rdx = {NA, F_HP_LOCK_START}},
};

static void debug_masks__each_row__production_and_debug(void **state)
{
	struct env *e = *state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		for (int d = 0; d < 2; d++) {
			tdxsim_regs_t o;
			uint64_t before = tdxsim_state_hash(e->fx.sim);
			uint64_t st = call(e, d, r->rax, r->id, r->r8, r->r9, &o);
			if (st != r->status[d])
				print_error("rule %s (%s)\n", r->rule, d ? "debug" : "production");
			assert_status(st, r->status[d]);
			if (st >> 63) {
				assert_int_equal(o.r8, 0);
				assert_int_equal(tdxsim_state_hash(e->fx.sim), before);
			} else {
				assert_int_equal(o.r8, r->out_r8[d]);
			}
			if ((r->rax & 0xFFFF) == TDXSIM_TDH_VP_RD && (r->rax & V1))
				assert_int_equal(o.rdx, (st >> 63) ? NA : r->out_rdx[d]);
		}
	}
	tdfx_assert_invariants(&e->fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(debug_masks__each_row__production_and_debug, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
