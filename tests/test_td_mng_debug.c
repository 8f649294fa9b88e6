/* SPDX-License-Identifier: MIT */
/*
 * TDH.MNG.RD/WR of the TDCS fields only a debug TD (ATTRIBUTES.DEBUG) can read (module 1.5.05
 * tdr_tdcs_fields_lookup.c masks; statuses, values and next ids pinned with the module oracle):
 * a production TD is refused with FIELD_NOT_READABLE, not FIELD_ID_INCORRECT; the L2 secure-EPT
 * roots exist only for the TD's L2 VMs; a debug TD reads the values, cannot write them, and its
 * version-1 walk goes through them; values tdxsim does not model answer NOT_EMULATED.
 */
#include <stdlib.h>
#include <string.h>

#include "td_fixture.h"
#include "tdxsim/memory.h"

#define RD_V1	     (TDXSIM_TDH_MNG_RD | 1u << 16)
#define ID_INCORRECT 0xC0000C0000000000ULL
#define NOT_READABLE 0xC0000C0200000000ULL
#define NOT_WRITABLE 0xC0000C0100000000ULL
#define NOT_EMULATED TDXSIM_STATUS_NOT_EMULATED

#define F_ARCH_CAP     0x961000030000010AULL
#define F_VMX_BASIC    0x9610000300000480ULL
#define F_VMX_MISC     0x9610000300000485ULL
#define F_CR0_FIXED0   0x9610000300000486ULL
#define F_CR0_FIXED1   0x9610000300000487ULL
#define F_CR4_FIXED0   0x9610000300000488ULL
#define F_VMFUNC       0x9610000300000491ULL
#define F_EXIT_CTLS2   0x9610000300000493ULL
#define F_MIG_KEY_SET  0x9810000000000001ULL
#define F_TOTAL_MB     0x9810000300000006ULL
#define F_MIG_DEC_KEY  0x9810000300000010ULL
#define F_MIG_DEC_WKEY 0x9810000300000014ULL
#define F_MIG_ENC_KEY  0x9810000300000018ULL
#define F_MIG_ENC_WKEY 0x981000030000001CULL
#define F_MIG_VERSION  0x9810000100000020ULL
#define F_X2APIC_LAST  (0x9C10000200000000ULL + 575)
#define F_MSR_BITMAPS  0x2010000300000000ULL
#define F_SEPT_ROOT    0x2110000300000000ULL
#define F_L2_ROOT_1    0x2510000300000000ULL
#define F_L2_ROOT_2    0x2910000300000000ULL
#define F_L2_ROOT_3    0x2D10000300000000ULL
#define F_CPUID_LAST   0x94100003000035FFULL /* leaf 0x1A, element 1: last in lookup order */
#define SEPTE_FREE     0x80E0000000000000ULL
#define TDP_NUM_L2_VMS 18 /* TD_PARAMS byte offset */

struct env {
	struct fx fx;
	struct tdfx_td prod, dbg, dbg_l2; /* dbg_l2: one L2 VM */
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	struct tdfx_params p = {.attributes = 1}; /* DEBUG */
	fx_create(&e->fx, NULL, FX_INITIALIZED);
	tdfx_build_initialized(&e->fx, &e->prod);
	tdfx_create_keyed_tdcs(&e->fx, &e->dbg);
	tdfx_init_with(&e->fx, &e->dbg, &p);
	/* One L2 VM: a seventh TDCS page (its secure-EPT root) and NUM_L2_VMS = 1. */
	tdfx_create_keyed_tdcs(&e->fx, &e->dbg_l2);
	tdfx_add_tdcs(&e->fx, &e->dbg_l2, 1);
	uint64_t tp = tdfx_td_params(&e->fx, &p);
	uint8_t one = 1;
	assert_int_equal(tdxsim_mem_write(e->fx.sim, 0, tp + TDP_NUM_L2_VMS, &one, 1), TDXSIM_OK);
	assert_status(fx_call(e->fx.sim, 0, TDXSIM_TDH_MNG_INIT, e->dbg_l2.tdr, tp, 0, NULL),
		      TDXSIM_TDX_SUCCESS);
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

static uint64_t call(struct env *e, uint64_t rax, uint64_t tdr, uint64_t id, uint64_t r8, uint64_t r9,
		     tdxsim_regs_t *out)
{
	tdxsim_regs_t r = {.rcx = tdr, .rdx = id, .r8 = r8, .r9 = r9};
	uint64_t st = tdxsim_seamcall(e->fx.sim, 0, rax, &r);
	if (out)
		*out = r;
	return st;
}

static uint64_t rd(struct env *e, uint64_t tdr, uint64_t id)
{
	tdxsim_regs_t o;
	assert_status(call(e, TDXSIM_TDH_MNG_RD, tdr, id, 0, 0, &o), TDXSIM_TDX_SUCCESS);
	return o.r8;
}

/* Version 1: the next id after @id (asserts success). */
static uint64_t next(struct env *e, uint64_t tdr, uint64_t id)
{
	tdxsim_regs_t o;
	assert_status(call(e, RD_V1, tdr, id, 0, 0, &o), TDXSIM_TDX_SUCCESS);
	return o.rdx;
}

enum who { PROD, DBG, DBG_L2 };

struct row {
	const char *rule;
	uint64_t rax;
	enum who who;
	uint64_t id, r8, r9;
	uint64_t status;
};

static const struct row rows[] = {
	{"rd_virtual_vmx_basic_production__not_readable", TDXSIM_TDH_MNG_RD, PROD, F_VMX_BASIC, 0, 0,
	 NOT_READABLE},
	{"rd_virtual_arch_capabilities_production__not_readable", TDXSIM_TDH_MNG_RD, PROD, F_ARCH_CAP, 0, 0,
	 NOT_READABLE},
	{"rd_mig_enc_key_production__not_readable", TDXSIM_TDH_MNG_RD, PROD, F_MIG_ENC_KEY + 3, 0, 0,
	 NOT_READABLE},
	{"rd_msr_bitmaps_production__not_readable", TDXSIM_TDH_MNG_RD, PROD, F_MSR_BITMAPS + 511, 0, 0,
	 NOT_READABLE},
	{"rd_sept_root_production__not_readable", TDXSIM_TDH_MNG_RD, PROD, F_SEPT_ROOT, 0, 0, NOT_READABLE},
	{"rd_sept_root_past_element_511__field_id_incorrect", TDXSIM_TDH_MNG_RD, DBG, F_SEPT_ROOT + 512, 0, 0,
	 ID_INCORRECT},
	{"rd_l2_sept_root_production_without_l2_vm__field_id_incorrect", TDXSIM_TDH_MNG_RD, PROD, F_L2_ROOT_1,
	 0, 0, ID_INCORRECT},
	{"rd_l2_sept_root_debug_without_l2_vm__field_id_incorrect", RD_V1, DBG, F_L2_ROOT_1, 0, 0,
	 ID_INCORRECT},
	{"rd_l2_sept_root_of_a_second_vm_with_one__field_id_incorrect", TDXSIM_TDH_MNG_RD, DBG_L2,
	 F_L2_ROOT_2, 0, 0, ID_INCORRECT},
	{"rd_l2_sept_root_3_with_one_vm__field_id_incorrect", TDXSIM_TDH_MNG_RD, DBG_L2, F_L2_ROOT_3 + 7, 0,
	 0, ID_INCORRECT},
	{"rd_virtual_arch_capabilities_debug__not_emulated", TDXSIM_TDH_MNG_RD, DBG, F_ARCH_CAP, 0, 0,
	 NOT_EMULATED},
	{"rd_virtual_cr4_fixed0_debug__not_emulated", RD_V1, DBG, F_CR4_FIXED0, 0, 0, NOT_EMULATED},
	{"wr_sept_root_debug__not_writable", TDXSIM_TDH_MNG_WR, DBG, F_SEPT_ROOT, 1, 1, NOT_WRITABLE},
	{"wr_virtual_vmx_basic_debug__not_writable", TDXSIM_TDH_MNG_WR, DBG, F_VMX_BASIC, 1, ~0ULL,
	 NOT_WRITABLE},
	{"wr_msr_bitmaps_debug__not_writable", TDXSIM_TDH_MNG_WR, DBG, F_MSR_BITMAPS, 0, ~0ULL, NOT_WRITABLE},
	{"wr_l2_sept_root_without_l2_vm__field_id_incorrect", TDXSIM_TDH_MNG_WR, DBG, F_L2_ROOT_1, 1, 1,
	 ID_INCORRECT},
};

static void debug_only_fields__rules(void **state)
{
	struct env *e = *state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *row = &rows[i];
		uint64_t tdr = row->who == PROD ? e->prod.tdr : row->who == DBG ? e->dbg.tdr : e->dbg_l2.tdr;
		uint64_t before = tdxsim_state_hash(e->fx.sim);
		tdxsim_regs_t o;
		uint64_t st = call(e, row->rax, tdr, row->id, row->r8, row->r9, &o);
		if (st != row->status)
			print_error("rule %s\n", row->rule);
		assert_status(st, row->status);
		assert_int_equal(o.r8, 0); /* written first */
		if ((row->rax & 0xFFFF) == TDXSIM_TDH_MNG_RD && (row->rax >> 16))
			assert_int_equal(o.rdx, ~0ULL);
		assert_int_equal(tdxsim_state_hash(e->fx.sim), before);
	}
	tdfx_assert_invariants(&e->fx);
}

/* The values a debug TD reads (oracle-pinned where they do not depend on the platform). */
static void debug_only_fields__values(void **state)
{
	struct env *e = *state;
	uint64_t t = e->dbg.tdr;
	assert_int_equal(rd(e, t, F_VMX_BASIC), 0x01C0000000000000ULL);
	assert_int_equal(rd(e, t, F_VMX_MISC), 0x600440E0ULL);
	assert_int_equal(rd(e, t, F_CR0_FIXED0), 0x20);
	assert_int_equal(rd(e, t, F_CR0_FIXED1), 0x8005003FULL);
	assert_int_equal(rd(e, t, F_VMFUNC), 0);
	assert_int_equal(rd(e, t, F_EXIT_CTLS2), 0);
	/* MSR bitmaps: RDMSR of the TSC (0x10) passes through (all of it: test_td_msr_bitmap.c). */
	assert_int_equal(rd(e, t, F_MSR_BITMAPS), 0xFFFFFFFFFFFEFFFFULL);
	/* Without a migration session only the encryption key (drawn by MNG.ADDCX) is set. */
	uint64_t key = 0, key2 = 0;
	for (unsigned k = 0; k < 4; k++) {
		assert_int_equal(rd(e, t, F_MIG_DEC_KEY + k), 0);
		assert_int_equal(rd(e, t, F_MIG_DEC_WKEY + k), 0);
		assert_int_equal(rd(e, t, F_MIG_ENC_WKEY + k), 0);
		key |= rd(e, t, F_MIG_ENC_KEY + k);
		key2 |= rd(e, e->dbg_l2.tdr, F_MIG_ENC_KEY + k) ^ rd(e, t, F_MIG_ENC_KEY + k);
	}
	assert_int_not_equal(key, 0);
	assert_int_not_equal(key2, 0); /* one key per TD */
	/* The root secure-EPT page: FREE entries, then the PDPT SEPT.ADD links in at index 1
	 * (GPA 2^39), present with RWX and suppress-#VE. */
	assert_int_equal(rd(e, t, F_SEPT_ROOT + 1), SEPTE_FREE);
	assert_int_equal(rd(e, t, F_SEPT_ROOT + 511), SEPTE_FREE);
	uint64_t pdpt = tdfx_page(&e->fx);
	tdxsim_regs_t r = {.rcx = (1ULL << 39) | 3, .rdx = t, .r8 = pdpt};
	assert_status(tdfx_call(&e->fx, 0, TDXSIM_TDH_MEM_SEPT_ADD, &r), TDXSIM_TDX_SUCCESS);
	assert_int_equal(rd(e, t, F_SEPT_ROOT + 1), 1ULL << 63 | pdpt | 7);
	assert_int_equal(rd(e, t, F_SEPT_ROOT), SEPTE_FREE);
	/* An L2 VM's root page holds L2 FREE entries: 0. */
	assert_int_equal(rd(e, e->dbg_l2.tdr, F_L2_ROOT_1), 0);
	assert_int_equal(rd(e, e->dbg_l2.tdr, F_L2_ROOT_1 + 511), 0);
	tdfx_assert_invariants(&e->fx);
}

/* Version 1 on a debug TD walks through the debug-only fields in the module's table order. */
static void debug_only_fields__next_field_walk(void **state)
{
	struct env *e = *state;
	uint64_t t = e->dbg.tdr;
	assert_int_equal(next(e, t, F_CPUID_LAST), F_ARCH_CAP);
	assert_int_equal(next(e, t, F_VMX_BASIC), F_VMX_MISC);
	assert_int_equal(next(e, t, F_EXIT_CTLS2), F_MIG_KEY_SET);
	assert_int_equal(next(e, t, F_TOTAL_MB), F_MIG_DEC_KEY);
	assert_int_equal(next(e, t, F_MIG_DEC_KEY + 3), F_MIG_DEC_WKEY);
	assert_int_equal(next(e, t, F_MIG_ENC_WKEY + 3), F_MIG_VERSION);
	assert_int_equal(next(e, t, F_X2APIC_LAST), F_MSR_BITMAPS);
	assert_int_equal(next(e, t, F_SEPT_ROOT + 510), F_SEPT_ROOT + 511);
	/* After the root: the L2 roots the TD has, then the end. */
	assert_int_equal(next(e, t, F_SEPT_ROOT + 511), ~0ULL);
	assert_int_equal(next(e, e->dbg_l2.tdr, F_SEPT_ROOT + 511), F_L2_ROOT_1);
	assert_int_equal(next(e, e->dbg_l2.tdr, F_L2_ROOT_1 + 511), ~0ULL);
	/* A production TD skips them all. */
	assert_int_equal(next(e, e->prod.tdr, F_CPUID_LAST), F_MIG_KEY_SET);
	assert_int_equal(next(e, e->prod.tdr, F_X2APIC_LAST), ~0ULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(debug_only_fields__rules, setup, teardown),
		cmocka_unit_test_setup_teardown(debug_only_fields__values, setup, teardown),
		cmocka_unit_test_setup_teardown(debug_only_fields__next_field_walk, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
