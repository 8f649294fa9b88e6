/* SPDX-License-Identifier: MIT */
/*
 * The host bring-up (examples/host-init) on the three host shapes, and what the module
 * reports afterwards through TDH.PHYMEM.PAGE.RDMD, TDH.SYS.RD, TDH.SYS.RDALL and TDH.SYS.INFO.
 */
#include <string.h>

#include "fixture.h"
#include "tdxsim/memory.h"

static void bring_up(const char *shape, struct fx *fx)
{
	tdxsim_config_t cfg;
	assert_int_equal(host_tdx_shape(shape, &cfg), 0);
	fx_create(fx, &cfg, FX_INITIALIZED);
	char msg[256] = "";
	if (tdxsim_check_invariants(fx->sim, msg, sizeof(msg)))
		fail_msg("%s: %s", shape, msg);
	assert_int_equal(tdxsim_module_state(fx->sim), TDXSIM_SYS_READY);
}

/* PAMT is about 1/256 of the memory it covers (sheet 8, seed notes). */
static void check_pamt_share(const struct fx *fx)
{
	tdxsim_pamt_stats_t st;
	tdxsim_pamt_stats(fx->sim, &st);
	assert_int_equal(st.num_tdmrs, fx->host.num_tdmrs);
	assert_int_equal(st.initialized_bytes, st.covered_bytes);
	assert_int_equal(st.pamt_bytes, fx->host.pamt_bytes);
	double ratio = (double)st.covered_bytes / (double)st.pamt_bytes;
	assert_true(ratio > 250.0 && ratio < 256.0);
	/* Metadata cost follows use: a freshly initialized host costs a few KiB per TDMR. */
	assert_true(st.host_metadata_bytes < 256 * 1024);
}

static void rdmd(tdxsim_t *sim, uint64_t pa, uint64_t expected_status, uint64_t expected_type)
{
	tdxsim_regs_t r;
	assert_status(fx_call(sim, 1, TDXSIM_TDH_PHYMEM_PAGE_RDMD, pa, 0, 0, &r), expected_status);
	if (expected_status == TDXSIM_TDX_SUCCESS) {
		assert_int_equal(r.rcx, expected_type);
		assert_int_equal(r.r8, TDXSIM_PS_4K);
		assert_int_equal(r.r10, 0);
		tdxsim_pamt_info_t info;
		assert_int_equal(tdxsim_pamt_query(sim, pa, &info), TDXSIM_OK);
		assert_int_equal(info.page_type, r.rcx);
	}
}

static void host_16g(void **state)
{
	struct fx fx;
	bring_up("16g", &fx);
	assert_int_equal(fx.host.num_tdmrs, 2);
	check_pamt_share(&fx);
	/* A PAMT page lies in a reserved area: PT_RSVD. Ordinary RAM: PT_NDA. The hole: no TDMR. */
	rdmd(fx.sim, fx.host.tdmrs[1].pamt_base, TDXSIM_TDX_SUCCESS, TDXSIM_PT_RSVD);
	rdmd(fx.sim, UINT64_C(10) << 30, TDXSIM_TDX_SUCCESS, TDXSIM_PT_NDA);
	rdmd(fx.sim, UINT64_C(3) << 30, TDXSIM_TDX_OPERAND_ADDR_RANGE_ERROR | TDXSIM_OPERAND_RCX, 0);
	/* Every LP initialized, one key, cycles charged to LP 0 for SYS.INIT + CONFIG + TDMR.INIT. */
	for (uint32_t lp = 0; lp < tdxsim_num_lps(fx.sim); lp++)
		assert_true(tdxsim_lp_initialized(fx.sim, lp));
	assert_true(tdxsim_lp_cycles(fx.sim, 0) > 4096 * 15400);
	fx_destroy(&fx);
}

static void host_1t_with_holes(void **state)
{
	struct fx fx;
	bring_up("1t-holes", &fx);
	assert_int_equal(tdxsim_num_packages(fx.sim), 2);
	check_pamt_share(&fx);
	/* The hole at [820 GiB, 821.5 GiB) sits inside a TDMR as a reserved area. */
	rdmd(fx.sim, (UINT64_C(821) << 30), TDXSIM_TDX_SUCCESS, TDXSIM_PT_RSVD);
	rdmd(fx.sim, (UINT64_C(821) << 30) + (UINT64_C(512) << 20), TDXSIM_TDX_SUCCESS, TDXSIM_PT_NDA);
	/* Between TDMRs: [516 GiB, 520 GiB) is in no TDMR. */
	rdmd(fx.sim, UINT64_C(517) << 30, TDXSIM_TDX_OPERAND_ADDR_RANGE_ERROR | TDXSIM_OPERAND_RCX, 0);
	fx_destroy(&fx);
}

static void host_4t_8_packages(void **state)
{
	struct fx fx;
	bring_up("4t", &fx);
	assert_int_equal(tdxsim_num_packages(fx.sim), 8);
	check_pamt_share(&fx);
	rdmd(fx.sim, fx.host.tdmrs[8].pamt_base + (UINT64_C(1) << 30), TDXSIM_TDX_SUCCESS, TDXSIM_PT_RSVD);
	rdmd(fx.sim, (UINT64_C(4) << 40) - 4096, TDXSIM_TDX_SUCCESS, TDXSIM_PT_NDA);
	fx_destroy(&fx);
}

/* TDMR.INIT progress as the module reports it (sheet 7.2): 4 MiB per call, RDX rounded down to
 * 1 GiB, the completing call returns the TDMR end, and a block is usable only once complete. */
static void tdmr_init__progress_and_block_granularity(void **state)
{
	struct fx fx;
	fx_create(&fx, NULL, FX_READY);
	uint64_t base = fx.host.tdmrs[1].base, end = base + fx.host.tdmrs[1].size;
	tdxsim_regs_t r;
	for (int i = 0; i < 255; i++) {
		assert_status(fx_call(fx.sim, 0, TDXSIM_TDH_SYS_TDMR_INIT, base, 0, 0, &r),
			      TDXSIM_TDX_SUCCESS);
		assert_int_equal(r.rdx, base);
	}
	rdmd(fx.sim, base, TDXSIM_TDX_OPERAND_ADDR_RANGE_ERROR | TDXSIM_OPERAND_RCX, 0);
	assert_status(fx_call(fx.sim, 0, TDXSIM_TDH_SYS_TDMR_INIT, base, 0, 0, &r), TDXSIM_TDX_SUCCESS);
	assert_int_equal(r.rdx, base + (UINT64_C(1) << 30));
	rdmd(fx.sim, base, TDXSIM_TDX_SUCCESS, TDXSIM_PT_NDA);
	rdmd(fx.sim, base + (UINT64_C(1) << 30), TDXSIM_TDX_OPERAND_ADDR_RANGE_ERROR | TDXSIM_OPERAND_RCX, 0);
	do {
		assert_status(fx_call(fx.sim, 0, TDXSIM_TDH_SYS_TDMR_INIT, base, 0, 0, &r),
			      TDXSIM_TDX_SUCCESS);
	} while (r.rdx < end);
	assert_int_equal(r.rdx, end);
	assert_status(fx_call(fx.sim, 0, TDXSIM_TDH_SYS_TDMR_INIT, base, 0, 0, &r),
		      TDXSIM_TDX_TDMR_ALREADY_INITIALIZED);
	assert_int_equal(r.rdx, 0);
	fx_destroy(&fx);
}

/* TDH.SYS.RD through the SEAMCALL ABI: the fields Linux reads (sheet 14.4), and iteration. */
static void sys_rd__linux_fields(void **state)
{
	static const struct {
		uint64_t id, value;
	} fields[] = {
		{TDXSIM_MD_MINOR_VERSION, 5},
		{TDXSIM_MD_MAJOR_VERSION, 1},
		{TDXSIM_MD_UPDATE_VERSION, 5},
		{TDXSIM_MD_MAX_TDMRS, 64},
		{TDXSIM_MD_MAX_RESERVED_PER_TDMR, 16},
		{TDXSIM_MD_PAMT_4K_ENTRY_SIZE, 16},
		{TDXSIM_MD_PAMT_2M_ENTRY_SIZE, 16},
		{TDXSIM_MD_PAMT_1G_ENTRY_SIZE, 16},
		{TDXSIM_MD_TDR_BASE_SIZE, 4096},
		{TDXSIM_MD_TDCS_BASE_SIZE, 6 * 4096},
		{TDXSIM_MD_TDVPS_BASE_SIZE, 6 * 4096},
		{TDXSIM_MD_MAX_VCPUS_PER_TD, 576},
		{TDXSIM_MD_NUM_CPUID_CONFIG, 18},
		{TDXSIM_MD_NUM_CMRS, 32},
		{TDXSIM_MD_CMR_BASE + 1, UINT64_C(4) << 30},
		{TDXSIM_MD_CMR_SIZE + 1, UINT64_C(14) << 30},
	};
	struct fx fx;
	fx_create(&fx, NULL, FX_LPINIT); /* readable before TDH.SYS.CONFIG */
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		tdxsim_regs_t r;
		assert_status(fx_call(fx.sim, 3, TDXSIM_TDH_SYS_RD, 0, fields[i].id, 0, &r),
			      TDXSIM_TDX_SUCCESS);
		assert_int_equal(r.r8, fields[i].value);
	}
	tdxsim_regs_t r;
	assert_status(fx_call(fx.sim, 0, TDXSIM_TDH_SYS_RD, 0, TDXSIM_MD_TDX_FEATURES0, 0, &r),
		      TDXSIM_TDX_SUCCESS);
	assert_true(r.r8 & TDXSIM_FEATURES0_NO_RBP_MOD);
	assert_true(r.r8 & TDXSIM_FEATURES0_TOPOLOGY_ENUM);
	assert_true(r.r8 & TDXSIM_FEATURES0_TD_PRESERVING);
	/* Walk every element from -1: it ends with RDX = -1. */
	uint64_t id = ~UINT64_C(0);
	assert_status(fx_call(fx.sim, 0, TDXSIM_TDH_SYS_RD, 0, id, 0, &r),
		      TDXSIM_TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT);
	unsigned count = 0;
	for (id = r.rdx; id != ~UINT64_C(0) && count < 10000; id = r.rdx, count++)
		assert_status(fx_call(fx.sim, 0, TDXSIM_TDH_SYS_RD, 0, id, 0, &r), TDXSIM_TDX_SUCCESS);
	assert_true(count > 100 && count < 10000);
	assert_status(fx_call(fx.sim, 0, TDXSIM_TDH_SYS_RD, 0, 0x0000000100001234, 0, &r),
		      TDXSIM_TDX_METADATA_FIELD_ID_INCORRECT);
	assert_int_equal(r.r8, 0);
	assert_int_equal(r.rdx, ~UINT64_C(0));
	fx_destroy(&fx);
}

static void sys_rdall__through_the_abi(void **state)
{
	struct fx fx;
	fx_create(&fx, NULL, FX_LPINIT);
	uint64_t page;
	assert_int_equal(tdxsim_phys_alloc(fx.sim, 4096, 4096, UINT32_MAX, &page), TDXSIM_OK);
	tdxsim_regs_t r;
	assert_status(fx_call(fx.sim, 0, TDXSIM_TDH_SYS_RDALL, 0, page + 8, ~UINT64_C(0), &r),
		      TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RDX);
	assert_int_equal(r.r8, ~UINT64_C(0));
	uint64_t s = fx_call(fx.sim, 0, TDXSIM_TDH_SYS_RDALL, 0, page, ~UINT64_C(0), &r);
	assert_true(s == TDXSIM_TDX_SUCCESS || s == TDXSIM_TDX_METADATA_LIST_OVERFLOW);
	const uint16_t *hdr = tdxsim_phys_to_virt(fx.sim, page, 4);
	assert_true(hdr[0] > 8 && hdr[0] <= 4096); /* list size in bytes */
	assert_true(hdr[1] > 0);		   /* number of sequences */
	fx_destroy(&fx);
}

/* TDH.SYS.INFO (sheet 5.1): the 1.0 interface, still present in 1.5 with SYS_RD = 1. */
static void sys_info__operands_and_layout(void **state)
{
	struct fx fx;
	fx_create(&fx, NULL, FX_LPINIT);
	uint64_t info, cmrs;
	assert_int_equal(tdxsim_phys_alloc(fx.sim, 4096, 4096, UINT32_MAX, &info), TDXSIM_OK);
	assert_int_equal(tdxsim_phys_alloc(fx.sim, 4096, 4096, UINT32_MAX, &cmrs), TDXSIM_OK);
	memset(tdxsim_phys_to_virt(fx.sim, info, 1024), 0xEE, 1024);
	struct {
		uint64_t rcx, rdx, r8, r9, expected;
	} rows[] = {
		{info + 512, 1024, cmrs, 32, TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RCX},
		{info, 1023, cmrs, 32, TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RDX},
		{info, 1024, cmrs + 256, 32, TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_R8},
		{info, 1024, cmrs, 31, TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_R9},
		{info, 1024, cmrs, 32, TDXSIM_TDX_SUCCESS},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		tdxsim_regs_t r = {
			.rcx = rows[i].rcx, .rdx = rows[i].rdx, .r8 = rows[i].r8, .r9 = rows[i].r9};
		assert_status(tdxsim_seamcall(fx.sim, 0, TDXSIM_TDH_SYS_INFO, &r), rows[i].expected);
		assert_int_equal(r.rdx, rows[i].expected ? 0 : 1024);
		assert_int_equal(r.r9, rows[i].expected ? 0 : 32);
	}
	const struct tdxsim_tdsysinfo *si = tdxsim_phys_to_virt(fx.sim, info, 1024);
	assert_int_equal(si->vendor_id, 0x8086);
	assert_int_equal(si->major_version, 1);
	assert_int_equal(si->minor_version, 5);
	assert_int_equal(si->sys_rd, 1);
	assert_int_equal(si->max_tdmrs, 64);
	assert_int_equal(si->pamt_entry_size, 16);
	const struct tdxsim_cmr_info *ci = tdxsim_phys_to_virt(fx.sim, cmrs, 512);
	assert_int_equal(ci[0].base, 0);
	assert_int_equal(ci[0].size, UINT64_C(2) << 30);
	assert_int_equal(ci[1].base, UINT64_C(4) << 30);
	assert_int_equal(ci[2].size, 0);
	fx_destroy(&fx);
}

/* A TDX 1.0 module: no TDH.SYS.RD; the host falls back to TDH.SYS.INFO and still succeeds. */
static void module_1_0__bring_up_through_sys_info(void **state)
{
	tdxsim_config_t cfg;
	tdxsim_config_init(&cfg);
	cfg.module = TDXSIM_MODULE_1_0;
	struct fx fx;
	fx_create(&fx, &cfg, FX_INITIALIZED);
	assert_int_equal(fx.host.major, 1);
	assert_int_equal(fx.host.minor, 0);
	/* 1.0 compares all of RAX with the leaf: a version bit makes it unknown. */
	assert_status(fx_call(fx.sim, 0, TDXSIM_TDH_SYS_RD, 0, TDXSIM_MD_MAX_TDMRS, 0, NULL),
		      TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RAX);
	assert_status(
		fx_call(fx.sim, 0, TDXSIM_TDH_PHYMEM_PAGE_RDMD | 1 << 16, UINT64_C(8) << 30, 0, 0, NULL),
		TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RAX);
	rdmd(fx.sim, UINT64_C(8) << 30, TDXSIM_TDX_SUCCESS, TDXSIM_PT_NDA);
	fx_destroy(&fx);
}

/* TDMR.INIT fails half-way: the host resets the PAMTs the module already wrote with the
 * global KeyID (MOVDIR64B, erratum parts) before freeing them, so reusing them is harmless. */
static void tdmr_init_failure__pamts_reset_before_reuse(void **state)
{
	struct fx fx;
	fx_create(&fx, NULL, FX_VMX);
	/* TDMR 0 (2 GiB) takes 512 calls; the 600th, inside TDMR 1, fails. */
	assert_int_equal(tdxsim_inject_status_after(fx.sim, TDXSIM_TDH_SYS_TDMR_INIT, TDXSIM_ANY_LP, 599, 1,
						    TDXSIM_TDX_SYS_BUSY),
			 TDXSIM_OK);
	tdxsim_mem_stats_t st;
	struct host_tdx host;
	assert_int_equal(host_tdx_init(fx.sim, NULL, &host), -5 /* -EIO */);
	assert_int_equal(host.status, TDXSIM_TDX_SYS_BUSY);
	tdxsim_mem_stats(fx.sim, &st);
	assert_int_equal(st.private_range_bytes, 0);
	/* Reuse the first PAMT page: allocate it again, write 8 bytes, read them back. */
	uint64_t pa;
	assert_int_equal(tdxsim_phys_alloc(fx.sim, 4096, 4096, UINT32_MAX, &pa), TDXSIM_OK);
	uint64_t v = 0x1122334455667788, back = 0;
	assert_int_equal(tdxsim_mem_write(fx.sim, 0, pa + 8, &v, 8), TDXSIM_OK);
	assert_int_equal(tdxsim_mem_read(fx.sim, 0, pa + 8, &back, 8), TDXSIM_OK);
	assert_int_equal(back, v);
	tdxsim_mem_stats(fx.sim, &st);
	assert_int_equal(st.machine_checks, 0);
	fx_destroy(&fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(host_16g),
		cmocka_unit_test(host_1t_with_holes),
		cmocka_unit_test(host_4t_8_packages),
		cmocka_unit_test(tdmr_init__progress_and_block_granularity),
		cmocka_unit_test(sys_rd__linux_fields),
		cmocka_unit_test(sys_rdall__through_the_abi),
		cmocka_unit_test(sys_info__operands_and_layout),
		cmocka_unit_test(module_1_0__bring_up_through_sys_info),
		cmocka_unit_test(tdmr_init_failure__pamts_reset_before_reuse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
