/* SPDX-License-Identifier: MIT */
/*
 * Ordering and operand rules of the platform (SYS) leaves, one table row per rule, each with
 * the exact status the real module returns (sheet sections 1.2, 2.2, 6.2, 7). Every failing
 * row also proves that the failed SEAMCALL changed nothing observable (tdxsim_state_hash).
 */
#include <string.h>

#include "fixture.h"
#include "sim/sim.h"

/* Where an operand comes from: a constant, or something the bring-up built. */
enum src { V, PA_ARRAY, TDMR0_BASE, TDMR0_INFO };

struct operand {
	enum src src;
	uint64_t v; /* the constant, or an offset added to the source */
};

struct row {
	const char *name;
	enum fx_stage stage;
	uint32_t packages;	      /* 0 = default (1) */
	void (*setup)(struct fx *fx); /* extra calls after the stage, may be NULL */
	uint32_t lp;
	uint64_t rax;
	struct operand rcx, rdx, r8;
	uint64_t expected;
};

static uint64_t operand(const struct fx *fx, struct operand op)
{
	switch (op.src) {
	case PA_ARRAY:
		return fx->host.pa_array_pa + op.v;
	case TDMR0_BASE:
		return fx->host.tdmrs[0].base + op.v;
	case TDMR0_INFO:
		return fx->host.tdmr_array_pa + op.v;
	case V:
		break;
	}
	return op.v;
}

static void lp_init_lp0(struct fx *fx)
{
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_SYS_LP_INIT, 0, 0, 0, NULL), TDXSIM_TDX_SUCCESS);
}

static void key_config_lp0(struct fx *fx)
{
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_SYS_KEY_CONFIG, 0, 0, 0, NULL), TDXSIM_TDX_SUCCESS);
}

static void shutdown(struct fx *fx)
{
	tdxsim_regs_t r;
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_SYS_RD, 0, TDXSIM_MD_MODULE_HV, 0, &r),
		      TDXSIM_TDX_SUCCESS);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_SYS_SHUTDOWN, r.r8, 0, 0, NULL), TDXSIM_TDX_SUCCESS);
}

/* Mutations of the first TDMR_INFO the host wrote, for SYS.CONFIG rows. */
static struct tdxsim_tdmr_info *tdmr0(struct fx *fx)
{
	return tdxsim_phys_to_virt(fx->sim, fx->host.tdmr_array_pa, sizeof(struct tdxsim_tdmr_info));
}

static void tdmr0_misaligned(struct fx *fx)
{
	tdmr0(fx)->base += 4096;
}

static void tdmr0_pamt4k_small(struct fx *fx)
{
	tdmr0(fx)->pamt_4k_size -= 4096;
}

static void tdmr0_rsvd_null_then_used(struct fx *fx)
{
	struct tdxsim_tdmr_info *t = tdmr0(fx);
	t->reserved_areas[15] = (struct tdxsim_tdmr_reserved_area){t->size - 4096, 4096};
}

static void tdmr0_uncovered_hole(struct fx *fx)
{
	/* Grow TDMR 0 ([0, 2 GiB)) over the hole at [2 GiB, 3 GiB) with no reserved area there:
	 * non-reserved TDMR memory outside every CMR (rule 11). Its PAMTs move, bigger, into the
	 * reserved area that holds TDMR 1's PAMT, so rules 7-10 still pass. */
	struct tdxsim_tdmr_info *t = tdmr0(fx);
	uint64_t area = t->base + t->reserved_areas[2].offset;
	t->size += UINT64_C(1) << 30;
	t->pamt_4k_base = area;
	t->pamt_4k_size = UINT64_C(12) << 20;
	t->pamt_2m_base = area + t->pamt_4k_size;
	t->pamt_2m_size = 24 << 10;
	t->pamt_1g_base = t->pamt_2m_base + t->pamt_2m_size;
	t->pamt_1g_size = 4096;
}

static void pa_array_entry_misaligned(struct fx *fx)
{
	uint64_t *pas = tdxsim_phys_to_virt(fx->sim, fx->host.pa_array_pa, 8);
	pas[0] += 8;
}

#define KEYID_SHIFT  46 /* default config: 52 physical bits, 6 KeyID bits */
#define GLOBAL_KEYID 32

/* One row per rule reads better than one field per line. */
/* clang-format off */
static const struct row rows[] = {
	/* SYS.INIT (sheet 2.2, 7.2) */
	{"sys_init__rcx_nonzero__operand_invalid_rcx", FX_VMX, 0, NULL, 0, TDXSIM_TDH_SYS_INIT, {V, 1}, {V, 0},
	 {V, 0}, TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RCX},
	{"sys_init__twice__not_pending", FX_SYSINIT, 0, NULL, 1, TDXSIM_TDH_SYS_INIT, {V, 0}, {V, 0}, {V, 0},
	 TDXSIM_TDX_SYS_INIT_NOT_PENDING},
	{"sys_init__rcx_checked_before_state", FX_SYSINIT, 0, NULL, 0, TDXSIM_TDH_SYS_INIT, {V, 2}, {V, 0},
	 {V, 0}, TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RCX},
	/* SYS.LP.INIT */
	{"lp_init__before_sys_init__not_pending", FX_VMX, 0, NULL, 0, TDXSIM_TDH_SYS_LP_INIT, {V, 0}, {V, 0},
	 {V, 0}, TDXSIM_TDX_SYS_LP_INIT_NOT_PENDING},
	{"lp_init__twice_on_one_lp__done", FX_SYSINIT, 0, lp_init_lp0, 0, TDXSIM_TDH_SYS_LP_INIT, {V, 0},
	 {V, 0}, {V, 0}, TDXSIM_TDX_SYS_LP_INIT_DONE},
	{"lp_init__after_config__not_pending", FX_CONFIGURED, 0, NULL, 0, TDXSIM_TDH_SYS_LP_INIT, {V, 0},
	 {V, 0}, {V, 0}, TDXSIM_TDX_SYS_LP_INIT_NOT_PENDING},
	/* SYS.RD */
	{"sys_rd__lp_not_initialized__lp_init_not_done", FX_SYSINIT, 0, NULL, 0, TDXSIM_TDH_SYS_RD, {V, 0},
	 {V, TDXSIM_MD_MAX_TDMRS}, {V, 0}, TDXSIM_TDX_SYS_LP_INIT_NOT_DONE},
	/* SYS.CONFIG (sheet 6.2) */
	{"config__before_sys_init__not_pending", FX_VMX, 0, NULL, 0, TDXSIM_TDH_SYS_CONFIG, {V, 0}, {V, 1},
	 {V, GLOBAL_KEYID}, TDXSIM_TDX_SYS_CONFIG_NOT_PENDING},
	{"config__not_every_lp_initialized__not_pending", FX_SYSINIT, 0, lp_init_lp0, 0, TDXSIM_TDH_SYS_CONFIG,
	 {V, 0}, {V, 1}, {V, GLOBAL_KEYID}, TDXSIM_TDX_SYS_CONFIG_NOT_PENDING},
	{"config__twice__not_pending", FX_CONFIGURED, 0, NULL, 0, TDXSIM_TDH_SYS_CONFIG, {PA_ARRAY, 0}, {V, 1},
	 {V, GLOBAL_KEYID}, TDXSIM_TDX_SYS_CONFIG_NOT_PENDING},
	{"config__rcx_misaligned__operand_invalid_rcx", FX_TDMRS_BUILT, 0, NULL, 0, TDXSIM_TDH_SYS_CONFIG,
	 {PA_ARRAY, 8}, {V, 1}, {V, GLOBAL_KEYID}, TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RCX},
	{"config__rcx_private_keyid__operand_invalid_rcx", FX_TDMRS_BUILT, 0, NULL, 0, TDXSIM_TDH_SYS_CONFIG,
	 {PA_ARRAY, (uint64_t)GLOBAL_KEYID << KEYID_SHIFT}, {V, 1}, {V, GLOBAL_KEYID},
	 TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RCX},
	{"config__rcx_in_seamrr__operand_invalid_rcx", FX_TDMRS_BUILT, 0, NULL, 0, TDXSIM_TDH_SYS_CONFIG,
	 {V, UINT64_C(2) << 30}, {V, 1}, {V, GLOBAL_KEYID}, TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RCX},
	{"config__rdx_zero__operand_invalid_rdx", FX_TDMRS_BUILT, 0, NULL, 0, TDXSIM_TDH_SYS_CONFIG,
	 {PA_ARRAY, 0}, {V, 0}, {V, GLOBAL_KEYID}, TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RDX},
	{"config__rdx_65__operand_invalid_rdx", FX_TDMRS_BUILT, 0, NULL, 0, TDXSIM_TDH_SYS_CONFIG, {PA_ARRAY, 0},
	 {V, 65}, {V, GLOBAL_KEYID}, TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RDX},
	{"config__r8_mktme_keyid__operand_invalid_r8", FX_TDMRS_BUILT, 0, NULL, 0, TDXSIM_TDH_SYS_CONFIG,
	 {PA_ARRAY, 0}, {V, 2}, {V, 31}, TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_R8},
	{"config__r8_upper_bits__operand_invalid_r8", FX_TDMRS_BUILT, 0, NULL, 0, TDXSIM_TDH_SYS_CONFIG,
	 {PA_ARRAY, 0}, {V, 2}, {V, GLOBAL_KEYID | 1 << 16}, TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_R8},
	{"config__entry_pa_misaligned__operand_invalid_rcx", FX_TDMRS_BUILT, 0, pa_array_entry_misaligned, 0,
	 TDXSIM_TDH_SYS_CONFIG, {PA_ARRAY, 0}, {V, 2}, {V, GLOBAL_KEYID},
	 TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RCX},
	{"config__tdmr_misaligned__invalid_tdmr", FX_TDMRS_BUILT, 0, tdmr0_misaligned, 0, TDXSIM_TDH_SYS_CONFIG,
	 {PA_ARRAY, 0}, {V, 2}, {V, GLOBAL_KEYID}, TDXSIM_TDX_INVALID_TDMR},
	{"config__pamt_4k_too_small__invalid_pamt", FX_TDMRS_BUILT, 0, tdmr0_pamt4k_small, 0,
	 TDXSIM_TDH_SYS_CONFIG, {PA_ARRAY, 0}, {V, 2}, {V, GLOBAL_KEYID}, TDXSIM_TDX_INVALID_PAMT},
	{"config__reserved_null_then_used__non_ordered", FX_TDMRS_BUILT, 0, tdmr0_rsvd_null_then_used, 0,
	 TDXSIM_TDH_SYS_CONFIG, {PA_ARRAY, 0}, {V, 2}, {V, GLOBAL_KEYID},
	 TDXSIM_TDX_NON_ORDERED_RESERVED_IN_TDMR | 14 << 8},
	{"config__tdmr_over_hole__outside_cmrs", FX_TDMRS_BUILT, 0, tdmr0_uncovered_hole, 0,
	 TDXSIM_TDH_SYS_CONFIG, {PA_ARRAY, 0}, {V, 2}, {V, GLOBAL_KEYID}, TDXSIM_TDX_TDMR_OUTSIDE_CMRS},
	/* SYS.KEY.CONFIG (sheet 7.2) */
	{"key_config__before_config__not_pending", FX_LPINIT, 0, NULL, 0, TDXSIM_TDH_SYS_KEY_CONFIG, {V, 0},
	 {V, 0}, {V, 0}, TDXSIM_TDX_SYS_KEY_CONFIG_NOT_PENDING},
	{"key_config__twice_on_one_package__key_configured", FX_CONFIGURED, 2, key_config_lp0, 1,
	 TDXSIM_TDH_SYS_KEY_CONFIG, {V, 0}, {V, 0}, {V, 0}, TDXSIM_TDX_KEY_CONFIGURED},
	{"key_config__after_ready__not_pending", FX_READY, 0, NULL, 0, TDXSIM_TDH_SYS_KEY_CONFIG, {V, 0}, {V, 0},
	 {V, 0}, TDXSIM_TDX_SYS_KEY_CONFIG_NOT_PENDING},
	/* SYS.TDMR.INIT (sheet 7.2) */
	{"tdmr_init__before_every_package_has_key__not_ready", FX_CONFIGURED, 2, key_config_lp0, 0,
	 TDXSIM_TDH_SYS_TDMR_INIT, {TDMR0_BASE, 0}, {V, 0}, {V, 0}, TDXSIM_TDX_SYS_NOT_READY},
	{"tdmr_init__not_a_tdmr_base__operand_invalid_rcx", FX_READY, 0, NULL, 0, TDXSIM_TDH_SYS_TDMR_INIT,
	 {TDMR0_BASE, UINT64_C(1) << 30}, {V, 0}, {V, 0}, TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RCX},
	{"tdmr_init__misaligned__operand_invalid_rcx", FX_READY, 0, NULL, 0, TDXSIM_TDH_SYS_TDMR_INIT,
	 {TDMR0_BASE, 4096}, {V, 0}, {V, 0}, TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RCX},
	{"tdmr_init__after_complete__already_initialized", FX_INITIALIZED, 0, NULL, 0, TDXSIM_TDH_SYS_TDMR_INIT,
	 {TDMR0_BASE, 0}, {V, 0}, {V, 0}, TDXSIM_TDX_TDMR_ALREADY_INITIALIZED},
	/* TDH.PHYMEM.PAGE.RDMD (sheet 8.3) */
	{"rdmd__before_ready__not_ready", FX_CONFIGURED, 0, NULL, 0, TDXSIM_TDH_PHYMEM_PAGE_RDMD,
	 {V, UINT64_C(8) << 30}, {V, 0}, {V, 0}, TDXSIM_TDX_SYS_NOT_READY},
	{"rdmd__misaligned__operand_invalid_rcx", FX_INITIALIZED, 0, NULL, 0, TDXSIM_TDH_PHYMEM_PAGE_RDMD,
	 {V, (UINT64_C(8) << 30) + 8}, {V, 0}, {V, 0}, TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RCX},
	{"rdmd__keyid_bits__operand_invalid_rcx", FX_INITIALIZED, 0, NULL, 0, TDXSIM_TDH_PHYMEM_PAGE_RDMD,
	 {V, (UINT64_C(8) << 30) | UINT64_C(1) << KEYID_SHIFT}, {V, 0}, {V, 0},
	 TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RCX},
	{"rdmd__outside_tdmrs__addr_range_error", FX_INITIALIZED, 0, NULL, 0, TDXSIM_TDH_PHYMEM_PAGE_RDMD,
	 {V, UINT64_C(3) << 30}, {V, 0}, {V, 0}, TDXSIM_TDX_OPERAND_ADDR_RANGE_ERROR | TDXSIM_OPERAND_RCX},
	{"rdmd__tdmr_not_initialized__addr_range_error", FX_READY, 0, NULL, 0, TDXSIM_TDH_PHYMEM_PAGE_RDMD,
	 {V, UINT64_C(8) << 30}, {V, 0}, {V, 0}, TDXSIM_TDX_OPERAND_ADDR_RANGE_ERROR | TDXSIM_OPERAND_RCX},
	/* Dispatcher (sheet 1.1, 1.2) */
	{"dispatch__reserved_rax_bits__operand_invalid", FX_READY, 0, NULL, 0,
	 TDXSIM_TDH_SYS_RD | UINT64_C(1) << 32, {V, 0}, {V, TDXSIM_MD_MAX_TDMRS}, {V, 0},
	 TDXSIM_TDX_OPERAND_INVALID},
	{"dispatch__version_on_unversioned_leaf__operand_invalid", FX_READY, 0, NULL, 0,
	 TDXSIM_TDH_SYS_RD | 1 << 16, {V, 0}, {V, TDXSIM_MD_MAX_TDMRS}, {V, 0}, TDXSIM_TDX_OPERAND_INVALID},
	{"dispatch__unknown_leaf_before_ready__not_ready", FX_LPINIT, 0, NULL, 0, 200, {V, 0}, {V, 0}, {V, 0},
	 TDXSIM_TDX_SYS_NOT_READY},
	{"dispatch__td_leaf_before_ready__not_ready", FX_LPINIT, 0, NULL, 0, TDXSIM_TDH_MNG_CREATE, {V, 0},
	 {V, 0}, {V, 0}, TDXSIM_TDX_SYS_NOT_READY},
	{"dispatch__unknown_leaf_after_ready__operand_invalid_rax", FX_READY, 0, NULL, 0, 200, {V, 0}, {V, 0},
	 {V, 0}, TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RAX},
	{"dispatch__leaf_69_absent_in_1_5_05__operand_invalid_rax", FX_READY, 0, NULL, 0, 69, {V, 0}, {V, 0},
	 {V, 0}, TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RAX},
	{"dispatch__after_shutdown__sys_shutdown", FX_INITIALIZED, 0, shutdown, 0, TDXSIM_TDH_SYS_RD, {V, 0},
	 {V, TDXSIM_MD_MAX_TDMRS}, {V, 0}, TDXSIM_TDX_SYS_SHUTDOWN},
	{"dispatch__sys_init_after_shutdown__sys_shutdown", FX_INITIALIZED, 0, shutdown, 0, TDXSIM_TDH_SYS_INIT,
	 {V, 0}, {V, 0}, {V, 0}, TDXSIM_TDX_SYS_SHUTDOWN},
	{"shutdown__before_ready__not_ready", FX_LPINIT, 0, NULL, 0, TDXSIM_TDH_SYS_SHUTDOWN, {V, 0}, {V, 0},
	 {V, 0}, TDXSIM_TDX_SYS_NOT_READY},
	/* The CPU (sheet 1.5) */
	{"cpu__vmx_off__ud", FX_FRESH, 0, NULL, 0, TDXSIM_TDH_SYS_INIT, {V, 0}, {V, 0}, {V, 0},
	 TDXSIM_TDX_SEAMCALL_UD},
	/* RAX bit 63 goes to the P-SEAMLDR, which answers unknown leaves itself (test_lifecycle_update.c). */
	{"cpu__seamldr_unknown_leaf__ebadparam", FX_READY, 0, NULL, 0, UINT64_C(1) << 63 | 0x10, {V, 0}, {V, 0},
	 {V, 0}, TDXSIM_PSEAMLDR_EBADPARAM},
};
/* clang-format on */

/* The module's one lasting effect of a failure: SYS.CONFIG rows that break what it reads after
 * the R8 check (the TDMR_INFO array) leave R8 RESERVED as the global KeyID ([M15]). */
static bool keeps_keyid(const struct row *row)
{
	return row->rax == TDXSIM_TDH_SYS_CONFIG && row->stage == FX_TDMRS_BUILT && row->setup;
}

static void run_row(const struct row *row)
{
	tdxsim_config_t cfg;
	tdxsim_config_init(&cfg);
	if (row->packages) {
		cfg.num_packages = row->packages;
		cfg.ram[1].node = 1;
	}
	struct fx fx;
	fx_create(&fx, &cfg, row->stage);
	if (row->setup)
		row->setup(&fx);
	uint64_t before = tdxsim_state_hash(fx.sim);
	uint64_t status = fx_call(fx.sim, row->lp, row->rax, operand(&fx, row->rcx), operand(&fx, row->rdx),
				  operand(&fx, row->r8), NULL);
	if (status != row->expected) {
		char a[96], e[96];
		fail_msg("%s: got %s, expected %s", row->name, tdxsim_status_name(status, a, sizeof(a)),
			 tdxsim_status_name(row->expected, e, sizeof(e)));
	}
	/* A failed SEAMCALL changes nothing (KEY_CONFIGURED and ALREADY_INITIALIZED included),
	 * but for SYS.CONFIG's global KeyID, reserved once R8 passed its check ([M15]). */
	if (keeps_keyid(row)) {
		assert_int_equal(fx.sim->hkid.kot[GLOBAL_KEYID], TDXSIM_HKID_RESERVED);
		assert_int_equal(fx.sim->mod.global_hkid, GLOBAL_KEYID);
		fx.sim->hkid.kot[GLOBAL_KEYID] = TDXSIM_HKID_FREE;
		fx.sim->mod.global_hkid = 0;
	}
	assert_int_equal(tdxsim_state_hash(fx.sim), before);
	char msg[256] = "";
	if (tdxsim_check_invariants(fx.sim, msg, sizeof(msg)))
		fail_msg("%s: invariant broken: %s", row->name, msg);
	fx_destroy(&fx);
}

static void test_rule(void **state)
{
	run_row(*state);
}

static void test_tdx_off_bios__vmfailinvalid(void **state)
{
	tdxsim_config_t cfg;
	tdxsim_config_init(&cfg);
	cfg.num_tdx_keyids = 1;
	struct fx fx;
	fx_create(&fx, &cfg, FX_VMX);
	assert_status(fx_call(fx.sim, 0, TDXSIM_TDH_SYS_INIT, 0, 0, 0, NULL),
		      TDXSIM_TDX_SEAMCALL_VMFAILINVALID);
	assert_int_equal(tdxsim_module_state(fx.sim), TDXSIM_MODULE_GONE);
	fx_destroy(&fx);
}

int main(void)
{
	struct CMUnitTest tests[sizeof(rows) / sizeof(rows[0]) + 1];
	size_t n = 0;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		tests[n++] = (struct CMUnitTest){rows[i].name, test_rule, NULL, NULL, (void *)&rows[i]};
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_tdx_off_bios__vmfailinvalid);
	return _cmocka_run_group_tests("sys_ordering", tests, n, NULL, NULL);
}
