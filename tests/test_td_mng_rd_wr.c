/* SPDX-License-Identifier: MIT */
/*
 * TDH.MNG.RD (versions 0 and 1) and TDH.MNG.WR (td-build.md 3.5): one row per check with its
 * status, R8 := 0 and RDX := -1 on failure, field ids as KVM writes them, the values MNG.INIT
 * set, the next-field walk, the write-mask rules, and one contention row per lock.
 */
#include <stdlib.h>
#include <string.h>

#include "td/td_fields.h"
#include "td_fixture.h"
#include "tdxsim/memory.h"

#define RD_V1	      (TDXSIM_TDH_MNG_RD | 1u << 16)
#define ID_INCORRECT  0xC0000C0000000000ULL
#define NOT_READABLE  0xC0000C0200000000ULL
#define NOT_WRITABLE  0xC0000C0100000000ULL
#define VALUE_INVALID 0xC0000C0300000000ULL
#define WR_MASK_BAD   0xC0000C0A00000000ULL
#define FIRST_FIELD   0x00000C0B00000000ULL

#define F_ATTRIBUTES	  0x1110000300000000ULL
#define F_XFAM		  0x1110000300000001ULL
#define F_TSC_OFFSET	  0x111000030000000AULL
#define F_TSC_MULT	  0x111000030000000BULL
#define F_TSC_FREQ	  0x111000010000000CULL
#define F_NUM_CPUID	  0x911000010000000EULL
#define F_HP_LOCK	  0x9110000300000011ULL
#define F_VM_CTLS	  0x9110000300000012ULL
#define F_NOTIFY	  0x9110000300000010ULL
#define F_TD_CTLS	  0x9110000300000017ULL
#define F_MRTD		  0x1310000300000000ULL
#define F_MRCONFIGID	  0x1310000300000010ULL
#define F_RTMR		  0x1310000300000040ULL
#define F_CPUID		  0x9410000300000000ULL
#define F_TDCX_PA	  0x8010000300000010ULL
#define F_X2APIC_IDS_LAST (0x9C10000200000000ULL + 575)

struct env {
	struct fx fx;
	struct tdfx_td td, dbg;
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	fx_create(&e->fx, NULL, FX_INITIALIZED);
	tdfx_build_initialized(&e->fx, &e->td);
	tdfx_create_keyed_tdcs(&e->fx, &e->dbg);
	struct tdfx_params p = {.attributes = 1}; /* DEBUG */
	tdfx_init_with(&e->fx, &e->dbg, &p);
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

/* One call; checks the failure conventions when @expect is not success. */
static uint64_t call(struct env *e, uint64_t rax, uint64_t tdr, uint64_t id, uint64_t r8, uint64_t r9,
		     tdxsim_regs_t *out)
{
	tdxsim_regs_t r = {.rcx = tdr, .rdx = id, .r8 = r8, .r9 = r9, .r10 = 0x77};
	uint64_t st = tdxsim_seamcall(e->fx.sim, 0, rax, &r);
	if (out)
		*out = r;
	assert_int_equal(r.r10, 0x77); /* not an output */
	/* The dispatcher rejects a version a leaf lacks before the leaf writes anything. */
	bool dispatcher = (rax & 0xFFFF) == TDXSIM_TDH_MNG_WR && (rax >> 16);
	if ((st >> 63) && !dispatcher) {
		assert_int_equal(r.r8, 0);
		assert_int_equal(r.rdx, (rax & 0xFF0000) ? ~0ULL : id);
	}
	return st;
}

static uint64_t rd(struct env *e, uint64_t tdr, uint64_t id)
{
	tdxsim_regs_t o;
	assert_status(call(e, TDXSIM_TDH_MNG_RD, tdr, id, 0, 0, &o), TDXSIM_TDX_SUCCESS);
	assert_int_equal(o.rdx, id); /* version 0 leaves RDX alone */
	return o.r8;
}

enum who { PROD, DBG, UNINIT, NOT_TDR, MISALIGNED, KEYS_NOT_CONFIGURED };

struct row {
	const char *rule;
	uint64_t rax;
	enum who who;
	int contend; /* 0, or a resource held exclusively by another LP */
	uint64_t id, r8, r9;
	uint64_t status;
};

static const struct row rows[] = {
	{"rd_version_2__operand_invalid_rax", TDXSIM_TDH_MNG_RD | 2u << 16, PROD, 0, F_XFAM, 0, 0,
	 0xC000010000000000ULL},
	{"rd_tdr_misaligned__operand_invalid_rcx", TDXSIM_TDH_MNG_RD, MISALIGNED, 0, F_XFAM, 0, 0,
	 0xC000010000000001ULL},
	{"rd_not_a_tdr__page_metadata_incorrect_rcx", RD_V1, NOT_TDR, 0, F_XFAM, 0, 0, 0xC000030000000001ULL},
	{"rd_tdr_held_exclusive__operand_busy_rcx", RD_V1, PROD, TDXSIM_RES_PAGE, F_XFAM, 0, 0,
	 0x8000020000000001ULL},
	{"rd_op_state_held_exclusive__operand_busy_op_state", TDXSIM_TDH_MNG_RD, PROD, TDXSIM_RES_OP_STATE,
	 F_XFAM, 0, 0, 0x80000200000000ACULL},
	{"rd_keys_not_configured", TDXSIM_TDH_MNG_RD, KEYS_NOT_CONFIGURED, 0, F_XFAM, 0, 0,
	 0x8000081000000000ULL},
	{"rd_before_mng_init__op_state_incorrect", TDXSIM_TDH_MNG_RD, UNINIT, 0, F_XFAM, 0, 0,
	 0xC000060800000000ULL},
	{"rd_reserved_bits_31_24__field_id_incorrect", TDXSIM_TDH_MNG_RD, PROD, 0, F_XFAM | 1ULL << 24, 0, 0,
	 ID_INCORRECT},
	{"rd_last_element_set__field_id_incorrect", TDXSIM_TDH_MNG_RD, PROD, 0, F_MRTD | 1ULL << 34, 0, 0,
	 ID_INCORRECT},
	{"rd_last_field_set__field_id_incorrect", TDXSIM_TDH_MNG_RD, PROD, 0, F_XFAM | 1ULL << 38, 0, 0,
	 ID_INCORRECT},
	{"rd_reserved_bit_47__field_id_incorrect", TDXSIM_TDH_MNG_RD, PROD, 0, F_XFAM | 1ULL << 47, 0, 0,
	 ID_INCORRECT},
	{"rd_reserved_bit_55__field_id_incorrect", TDXSIM_TDH_MNG_RD, PROD, 0, F_XFAM | 1ULL << 55, 0, 0,
	 ID_INCORRECT},
	{"rd_reserved_bit_62__field_id_incorrect", TDXSIM_TDH_MNG_RD, PROD, 0, F_XFAM | 1ULL << 62, 0, 0,
	 ID_INCORRECT},
	{"rd_unknown_class__field_id_incorrect", RD_V1, PROD, 0, 0x1510000300000000ULL, 0, 0, ID_INCORRECT},
	{"rd_element_past_field__field_id_incorrect", TDXSIM_TDH_MNG_RD, PROD, 0, F_MRTD + 6, 0, 0,
	 ID_INCORRECT},
	{"rd_cpuid_reserved_code_bit__field_id_incorrect", TDXSIM_TDH_MNG_RD, PROD, 0, F_CPUID | 1u << 17, 0,
	 0, ID_INCORRECT},
	{"rd_cpuid_leaf_not_in_table__field_id_incorrect", TDXSIM_TDH_MNG_RD, PROD, 0,
	 F_CPUID | 0x30u << 9 | 1u << 8, 0, 0, ID_INCORRECT},
	{"rd_cpuid_faulting_leaf_6__not_readable", TDXSIM_TDH_MNG_RD, PROD, 0, F_CPUID | 6u << 9 | 1u << 8, 0,
	 0, NOT_READABLE},
	{"rd_td_ctls_production__not_readable", TDXSIM_TDH_MNG_RD, PROD, 0, F_TD_CTLS, 0, 0, NOT_READABLE},
	{"rd_rtmr_production__not_readable", TDXSIM_TDH_MNG_RD, PROD, 0, F_RTMR, 0, 0, NOT_READABLE},
	{"rd_seamdb_nonce__not_readable", TDXSIM_TDH_MNG_RD, DBG, 0, 0x8210000300000002ULL, 0, 0,
	 NOT_READABLE},
	{"rd_virtual_tsc__not_readable", TDXSIM_TDH_MNG_RD, DBG, 0, 0x111000030000000DULL, 0, 0,
	 NOT_READABLE},
	{"wr_tdr_held_exclusive__operand_busy_rcx", TDXSIM_TDH_MNG_WR, PROD, TDXSIM_RES_PAGE, F_HP_LOCK,
	 50000, ~0ULL, 0x8000020000000001ULL},
	{"wr_op_state_held_exclusive__operand_busy_op_state", TDXSIM_TDH_MNG_WR, PROD, TDXSIM_RES_OP_STATE,
	 F_HP_LOCK, 50000, ~0ULL, 0x80000200000000ACULL},
	{"wr_before_mng_init__op_state_incorrect", TDXSIM_TDH_MNG_WR, UNINIT, 0, F_HP_LOCK, 50000, ~0ULL,
	 0xC000060800000000ULL},
	{"wr_version_1__operand_invalid_rax", TDXSIM_TDH_MNG_WR | 1u << 16, PROD, 0, F_HP_LOCK, 50000, ~0ULL,
	 0xC000010000000000ULL},
	{"wr_reserved_bits__field_id_incorrect", TDXSIM_TDH_MNG_WR, PROD, 0, F_HP_LOCK | 1ULL << 62, 50000,
	 ~0ULL, ID_INCORRECT},
	{"wr_attributes__not_writable", TDXSIM_TDH_MNG_WR, PROD, 0, F_ATTRIBUTES, 1, 1, NOT_WRITABLE},
	{"wr_vm_ctls_bit_1_only__not_writable", TDXSIM_TDH_MNG_WR, PROD, 0, F_VM_CTLS, 2, 2, NOT_WRITABLE},
	{"wr_vm_ctls_bit_1_would_change__value_not_valid", TDXSIM_TDH_MNG_WR, PROD, 0, F_VM_CTLS, 3, 3,
	 VALUE_INVALID},
	{"wr_notify_enables_production__not_writable", TDXSIM_TDH_MNG_WR, PROD, 0, F_NOTIFY, 1, 1,
	 NOT_WRITABLE},
	{"wr_hp_lock_timeout_partial_mask__wr_mask_not_valid", TDXSIM_TDH_MNG_WR, PROD, 0, F_HP_LOCK, 50000,
	 0xFFFFFFFF, WR_MASK_BAD},
	{"wr_hp_lock_timeout_below_10ms__value_not_valid", TDXSIM_TDH_MNG_WR, PROD, 0, F_HP_LOCK, 9999, ~0ULL,
	 VALUE_INVALID},
	{"wr_hp_lock_timeout_above_100s__value_not_valid", TDXSIM_TDH_MNG_WR, PROD, 0, F_HP_LOCK, 100000001,
	 ~0ULL, VALUE_INVALID},
	{"wr_cpuid_values__not_writable", TDXSIM_TDH_MNG_WR, PROD, 0, F_CPUID | 1u << 8, 1, 1, NOT_WRITABLE},
};

static void rd_wr_rules(void **state)
{
	struct env *e = *state;
	struct tdfx_td un, nokeys;
	tdfx_create_keyed_tdcs(&e->fx, &un);
	tdfx_create(&e->fx, &nokeys, 0);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *row = &rows[i];
		uint64_t tdr = row->who == DBG			 ? e->dbg.tdr
			       : row->who == UNINIT		 ? un.tdr
			       : row->who == KEYS_NOT_CONFIGURED ? nokeys.tdr
			       : row->who == NOT_TDR		 ? e->td.tdcs[0]
			       : row->who == MISALIGNED		 ? e->td.tdr + 8
								 : e->td.tdr;
		if (row->contend)
			tdxsim_contend(e->fx.sim, (tdxsim_resource_t)row->contend, e->td.tdr, 0,
				       TDXSIM_LOCK_EXCLUSIVE, 1);
		uint64_t before = tdxsim_state_hash(e->fx.sim);
		uint64_t st = call(e, row->rax, tdr, row->id, row->r8, row->r9, NULL);
		if (st != row->status)
			print_error("rule %s\n", row->rule);
		assert_status(st, row->status);
		assert_int_equal(tdxsim_state_hash(e->fx.sim), before);
		tdxsim_clear_contention(e->fx.sim);
	}
	tdfx_assert_invariants(&e->fx);
}

/* The values MNG.INIT left, through the module's ids and KVM's (size and context bits 0). */
static void rd__values(void **state)
{
	struct env *e = *state;
	uint64_t tdr = e->td.tdr;
	assert_int_equal(rd(e, tdr, F_ATTRIBUTES), 0);
	assert_int_equal(rd(e, tdr, F_XFAM), 0x3);
	assert_int_equal(rd(e, tdr, 0x1110000200000002ULL), 16);	 /* MAX_VCPUS */
	assert_int_equal(rd(e, tdr, 0x9010000200000004ULL), 1);		 /* OP_STATE */
	assert_int_equal(rd(e, tdr, 0x9210000300000000ULL), 1);		 /* TD_EPOCH */
	assert_int_equal(rd(e, tdr, 0x8010000200000002ULL), 6);		 /* NUM_TDCX */
	assert_int_equal(rd(e, tdr, 0x8110000100000001ULL), e->td.hkid); /* HKID */
	assert_int_equal(rd(e, tdr, F_NUM_CPUID), 68);
	assert_int_equal(rd(e, tdr, F_HP_LOCK), 1000000); /* 1 s in microseconds */
	assert_int_equal(rd(e, tdr, F_TSC_FREQ), 88);
	/* XBUFF for x87/SSE only: the legacy area and header (oracle: 0x240). */
	assert_int_equal(rd(e, tdr, 0x911000020000000FULL), 576);
	assert_int_equal(rd(e, e->dbg.tdr, 0x9110000200000800ULL + 2), 0);
	/* TDCX_PA[3] carries the TD's HKID in the KeyID bits. */
	assert_int_equal(rd(e, tdr, F_TDCX_PA + 3),
			 e->td.tdcs[3] | (uint64_t)e->td.hkid << tdxsim_keyid_shift(e->fx.sim));
	/* KVM's TSC ids: class << 56 | field, size and context 0; bit 63 and write-mask-valid
	 * are ignored as well. */
	uint64_t off = rd(e, tdr, F_TSC_OFFSET);
	assert_int_not_equal(off, 0);
	assert_int_equal(rd(e, tdr, 0x110000000000000AULL), off);
	assert_int_equal(rd(e, tdr, 0x110000000000000AULL | 1ULL << 63 | 1ULL << 51 | 2ULL << 52), off);
	assert_int_equal(rd(e, tdr, 0x110000000000000BULL), rd(e, tdr, F_TSC_MULT));
	assert_int_equal(rd(e, tdr, F_TSC_MULT),
			 (uint64_t)(((unsigned __int128)88 * 25000000 << 48) / 2200000000u));
	/* CPUID values, class 0x14: leaf 0x15 element 0 = EAX | EBX << 32, EBX = TSC_FREQUENCY;
	 * 0x80000008 (bit 16 = leaf bit 31) element 0 EAX[15:8] = 57. */
	assert_int_equal(rd(e, tdr, F_CPUID | 0x15u << 9 | 1u << 8) >> 32, 88);
	assert_int_equal((rd(e, tdr, F_CPUID | 1u << 16 | 8u << 9 | 1u << 8) >> 8) & 0xFF, 57);
	/* Size bits ignored on input: the element is masked to its own size. */
	assert_int_equal(rd(e, tdr, F_TSC_FREQ | 3ULL << 32), 88);
	/* A debug TD exposes TD_CTLS and RTMRs. */
	assert_int_equal(rd(e, e->dbg.tdr, F_TD_CTLS), 0);
	assert_int_equal(rd(e, e->dbg.tdr, F_RTMR + 23), 0);
	assert_int_equal(rd(e, e->dbg.tdr, F_ATTRIBUTES), 1);
}

static void rd__mrconfigid_elements(void **state)
{
	struct env *e = *state;
	struct tdfx_td td;
	tdfx_create_keyed_tdcs(&e->fx, &td);
	uint64_t tp = tdfx_td_params(&e->fx, NULL);
	uint64_t mr[6] = {1, 2, 3, 4, 5, 0x0123456789ABCDEFULL};
	assert_int_equal(tdxsim_mem_write(e->fx.sim, 0, tp + 80, mr, sizeof(mr)), TDXSIM_OK);
	assert_status(fx_call(e->fx.sim, 0, TDXSIM_TDH_MNG_INIT, td.tdr, tp, 0, NULL), TDXSIM_TDX_SUCCESS);
	for (unsigned k = 0; k < 6; k++)
		assert_int_equal(rd(e, td.tdr, F_MRCONFIGID + k), mr[k]);
	assert_int_equal(rd(e, td.tdr, F_MRTD + 5), 0); /* MRTD before MR.FINALIZE */
}

static uint64_t rd1(struct env *e, uint64_t tdr, uint64_t id, uint64_t *value)
{
	tdxsim_regs_t o;
	uint64_t st = call(e, RD_V1, tdr, id, 0, 0, &o);
	if (value)
		*value = o.r8;
	return st == TDXSIM_TDX_SUCCESS || st == FIRST_FIELD ? o.rdx : st;
}

/* Version 1: the first id, the next element after each one, -1 after the last. */
static void rd_v1__next_field_walk(void **state)
{
	struct env *e = *state;
	uint64_t tdr = e->td.tdr, v;
	tdxsim_regs_t o;
	assert_status(call(e, RD_V1, tdr, ~0ULL, 0, 0, &o), FIRST_FIELD);
	assert_int_equal(o.rdx, 0x8010000000000001ULL); /* FATAL */
	assert_int_equal(o.r8, 0);
	/* Context bits are ignored in -1 too. */
	assert_status(call(e, RD_V1, tdr, ~0ULL & ~(7ULL << 52), 0, 0, &o), FIRST_FIELD);
	assert_int_equal(rd1(e, tdr, F_ATTRIBUTES, &v), F_XFAM);
	/* Inside a multi-element field the caller's id is stepped: KVM-style size bits stay 0. */
	assert_int_equal(rd1(e, tdr, 0x1310000000000000ULL, NULL), 0x1310000000000001ULL);
	assert_int_equal(rd1(e, tdr, F_MRTD + 5, NULL), F_MRCONFIGID);
	/* VIRTUAL_TSC cannot be read: skipped. */
	assert_int_equal(rd1(e, tdr, F_TSC_FREQ, NULL), F_NUM_CPUID);
	/* Production: NOTIFY_ENABLES skipped after XBUFF_SIZE; RTMR skipped after MROWNERCONFIG. */
	assert_int_equal(rd1(e, tdr, 0x911000020000000FULL, NULL), F_HP_LOCK);
	/* Leaf 1 first (lookup order); no sub-leaf: bit 8 and sub-leaf bits 7:1 all ones. */
	assert_int_equal(rd1(e, tdr, 0x1310000300000025ULL, NULL), F_CPUID | 1u << 9 | 0x1FE);
	assert_int_equal(rd1(e, e->dbg.tdr, 0x911000020000000FULL, NULL), F_NOTIFY);
	/* CPUID in lookup order: element 0 -> the caller's id + 1; element 1 -> the next entry,
	 * faulting ones included: after (4,4) comes leaf 6, which then cannot be read. */
	assert_int_equal(rd1(e, tdr, F_CPUID | 1u << 9 | 1u << 8, NULL), F_CPUID | 1u << 9 | 1u << 8 | 1);
	assert_int_equal(rd1(e, tdr, F_CPUID | 4u << 9 | 4u << 1 | 1, NULL), F_CPUID | 6u << 9 | 0x1FE);
	assert_status(call(e, TDXSIM_TDH_MNG_RD, tdr, F_CPUID | 6u << 9 | 0x1FE, 0, 0, NULL), NOT_READABLE);
	assert_int_equal(rd1(e, tdr, F_X2APIC_IDS_LAST, NULL), ~0ULL);
	/* The whole walk ends at -1, every step readable. */
	/* A whole walk from the first id: every step reads, until leaf 6, which cannot be read
	 * (RDX -1 on failure: a host walking on must step over it itself). */
	uint64_t id = 0x8010000000000001ULL, st;
	tdxsim_regs_t r;
	unsigned n = 0;
	while ((st = call(e, RD_V1, tdr, id, 0, 0, &r)) == TDXSIM_TDX_SUCCESS && n < 5000) {
		id = r.rdx;
		n++;
	}
	assert_status(st, NOT_READABLE);
	assert_int_equal(id, F_CPUID | 6u << 9 | 0x1FE);
	assert_true(n > 100);
	/* From (0x80000007) on, the walk reaches the end: the x2APIC ids, then -1. */
	id = F_CPUID | 1u << 16 | 7u << 9 | 0x1FE;
	for (n = 0; (st = call(e, RD_V1, tdr, id, 0, 0, &r)) == TDXSIM_TDX_SUCCESS && r.rdx != ~0ULL; n++)
		id = r.rdx;
	assert_status(st, TDXSIM_TDX_SUCCESS);
	assert_int_equal(id, F_X2APIC_IDS_LAST);
}

static void wr__values(void **state)
{
	struct env *e = *state;
	tdxsim_regs_t o;
	assert_status(call(e, TDXSIM_TDH_MNG_WR, e->td.tdr, F_HP_LOCK, 50000, ~0ULL, &o), TDXSIM_TDX_SUCCESS);
	assert_int_equal(o.r8, 1000000); /* the previous value */
	assert_int_equal(rd(e, e->td.tdr, F_HP_LOCK), 50000);
	/* 100 s is 2.2e11 ticks: the module keeps 32 bits of it. */
	assert_status(call(e, TDXSIM_TDH_MNG_WR, e->td.tdr, F_HP_LOCK, 100000000, ~0ULL, &o),
		      TDXSIM_TDX_SUCCESS);
	assert_int_equal(rd(e, e->td.tdr, F_HP_LOCK), (uint32_t)(220000000000ULL) * 1000000ULL / 2200000000u);
	/* VM_CTLS[2] bit 0, bits outside R9 free to differ. */
	assert_status(call(e, TDXSIM_TDH_MNG_WR, e->td.tdr, F_VM_CTLS + 2, 0xFF, 1, &o), TDXSIM_TDX_SUCCESS);
	assert_int_equal(o.r8, 0);
	assert_int_equal(rd(e, e->td.tdr, F_VM_CTLS + 2), 1);
	assert_int_equal(rd(e, e->td.tdr, F_VM_CTLS + 1), 0);
	/* Bit 1 in R9 with the unchanged value 0 passes (nothing outside the mask changes). */
	assert_status(call(e, TDXSIM_TDH_MNG_WR, e->td.tdr, F_VM_CTLS + 2, 0, 3, &o), TDXSIM_TDX_SUCCESS);
	assert_int_equal(o.r8, 1);
	assert_int_equal(rd(e, e->td.tdr, F_VM_CTLS + 2), 0);
	/* A debug TD may set NOTIFY_ENABLES bit 0. */
	assert_status(call(e, TDXSIM_TDH_MNG_WR, e->dbg.tdr, F_NOTIFY, 1, 1, &o), TDXSIM_TDX_SUCCESS);
	assert_int_equal(rd(e, e->dbg.tdr, F_NOTIFY), 1);
	tdfx_assert_invariants(&e->fx);
}

/* The field table by name: the ids KVM and scenario files use. */
static void fields__by_name(void **state)
{
	assert_int_equal(tdxsim_td_field_by_name("TSC_OFFSET")->id, F_TSC_OFFSET);
	assert_int_equal(tdxsim_td_field_by_name("MRTD")->num_elem, 6);
	assert_int_equal(tdxsim_td_field_by_name("CPUID_VALUES")->id, F_CPUID);
	assert_null(tdxsim_td_field_by_name("NO_SUCH_FIELD"));
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fields__by_name),
		cmocka_unit_test_setup_teardown(rd_wr_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(rd__values, setup, teardown),
		cmocka_unit_test_setup_teardown(rd__mrconfigid_elements, setup, teardown),
		cmocka_unit_test_setup_teardown(rd_v1__next_field_walk, setup, teardown),
		cmocka_unit_test_setup_teardown(wr__values, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
