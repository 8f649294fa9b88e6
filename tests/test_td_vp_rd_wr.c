/* SPDX-License-Identifier: MIT */
/*
 * TDH.VP.RD, TDH.VP.WR and TDH.VP.FLUSH, and the vCPU-LP association rules (td-build.md 3.9,
 * 3.10): one row per check with its exact status and outputs (R8 := 0, RD v1 RDX := -1),
 * values and the version-1 field walk as the module oracle gives them, and KVM's writes.
 */
#include <stdlib.h>

#include "td_fixture.h"

#define V1 (1u << 16)
#define NA (~UINT64_C(0))

/* KVM's ids (class << 56 | field, size bits 0: td-build.md 3.9). */
#define F_POSTED_VEC	0x0000000000000002ULL
#define F_MSR_BITMAP	0x0000000000002004ULL
#define F_TSC_OFFSET	0x0000000000002010ULL
#define F_PID_ADDR	0x0000000000002016ULL
#define F_VM_FUNC	0x0000000000002018ULL
#define F_EPTP		0x000000000000201AULL
#define F_TSC_MULT	0x0000000000002032ULL
#define F_SHARED_EPTP	0x000000000000203CULL
#define F_PIN_BASED	0x0000000000004000ULL
#define F_SECONDARY	0x000000000000401EULL
#define F_INSTR_TIMEOUT 0x0000000000004024ULL
#define F_TD_HKID	0x0000000000004026ULL
#define F_STATE_DETAILS 0x9100000000000100ULL
#define F_VCPU_INDEX	0x2000000000000002ULL
#define F_NUM_PAGES	0x2000000000000003ULL
#define F_ASSOC_LPID	0x2000000000000004ULL
#define F_PEND_NMI	0x200000000000000BULL
#define F_XFAM		0x200000000000000CULL
#define F_PAGE_PA(i)	(0x2000000000000010ULL + (i))

static uint64_t vp_wr(struct fx *fx, uint32_t lp, uint64_t tdvpr, uint64_t field, uint64_t value,
		      uint64_t mask, uint64_t *old)
{
	tdxsim_regs_t r = {.rcx = tdvpr, .rdx = field, .r8 = value, .r9 = mask};
	uint64_t st = tdxsim_seamcall(fx->sim, lp, TDXSIM_TDH_VP_WR, &r);
	if (old)
		*old = r.r8;
	return st;
}

/* ---- TDH.VP.RD (3.9) ---- */

enum rd_case {
	R_NONE,
	R_NOT_TDVPR,
	R_TDVPR_BUSY,
	R_TDR_BUSY,
	R_OP_STATE_BUSY,
	R_FIVE_PAGES,
	R_OTHER_LP,
};

static const struct {
	const char *rule;
	enum rd_case c;
	enum tdfx_stage st;
	unsigned version;
	uint64_t field;
	uint64_t status;
} rd_rows[] = {
	{"version_2__operand_invalid_rax_outputs_cleared", R_NONE, TDFX_VCPU_READY, 2, F_NUM_PAGES,
	 0xC000010000000000},
	{"rcx_is_the_tdr__page_metadata_incorrect_rcx", R_NOT_TDVPR, TDFX_VCPU_READY, 0, F_NUM_PAGES,
	 0xC000030000000001},
	{"tdvpr_held_exclusively__operand_busy_rcx", R_TDVPR_BUSY, TDFX_VCPU_READY, 0, F_NUM_PAGES,
	 0x8000020000000001},
	{"implicit_tdr_held_exclusively__operand_busy_tdr", R_TDR_BUSY, TDFX_VCPU_READY, 1, F_NUM_PAGES,
	 0x8000020000000080},
	{"op_state_lock_held_exclusively__operand_busy_op_state", R_OP_STATE_BUSY, TDFX_VCPU_READY, 0,
	 F_NUM_PAGES, 0x80000200000000AC},
	{"five_tdvps_pages__tdcx_num_incorrect", R_FIVE_PAGES, TDFX_VCPU, 0, F_NUM_PAGES, 0xC000061000000000},
	{"vcpu_not_initialized__vcpu_state_incorrect", R_NONE, TDFX_VCPU_PAGES, 1, F_NUM_PAGES,
	 0xC000070000000000},
	{"associated_with_another_lp__vcpu_associated", R_OTHER_LP, TDFX_VCPU_READY, 0, F_NUM_PAGES,
	 0x8000070100000000},
	{"reserved_bit_24__field_id_incorrect", R_NONE, TDFX_VCPU_READY, 0, F_NUM_PAGES | 1ULL << 24,
	 0xC0000C0000000000},
	{"last_element_not_0__field_id_incorrect", R_NONE, TDFX_VCPU_READY, 1, F_NUM_PAGES | 1ULL << 34,
	 0xC0000C0000000000},
	{"vmcs_high_half__field_id_incorrect", R_NONE, TDFX_VCPU_READY, 0, 0x0000000000000003ULL,
	 0xC0000C0000000000},
	{"vmcs_encoding_not_in_table__field_id_incorrect", R_NONE, TDFX_VCPU_READY, 0, 0x0000000000000008ULL,
	 0xC0000C0000000000},
	{"class_not_in_table__field_id_incorrect", R_NONE, TDFX_VCPU_READY, 0, 0x3F00000000000000ULL,
	 0xC0000C0000000000},
	{"l2_vmcs_class_without_l2_vms__field_id_incorrect", R_NONE, TDFX_VCPU_READY, 0,
	 0x2400000000004000ULL, 0xC0000C0000000000},
	{"vmcs_eptp_index__field_not_readable", R_NONE, TDFX_VCPU_READY, 1, 0x0000000000000004ULL,
	 0xC0000C0200000000},
	{"vcpu_state__field_not_readable", R_NONE, TDFX_VCPU_READY, 0, 0x2000000000000000ULL,
	 0xC0000C0200000000},
	{"guest_rax_of_production_td__field_not_readable", R_NONE, TDFX_VCPU_READY, 0, 0x1000000300000000ULL,
	 0xC0000C0200000000},
};

static void vp_rd_rules(void **state)
{
	for (size_t i = 0; i < sizeof(rd_rows) / sizeof(rd_rows[0]); i++) {
		struct tdfx_world w = {0};
		tdfx_world_build(&w, rd_rows[i].st);
		if (rd_rows[i].c == R_FIVE_PAGES)
			tdfx_vp_addcx(&w.fx, &w.vp, 4);
		tdxsim_regs_t in = {.rcx = w.vp.tdvpr, .rdx = rd_rows[i].field, .r8 = 0x88, .r9 = 0x99};
		uint32_t lp = 0;
		switch (rd_rows[i].c) {
		case R_NOT_TDVPR:
			in.rcx = w.td.tdr;
			break;
		case R_TDVPR_BUSY:
			tdfx_world_contend(&w, TDXSIM_RES_PAGE, w.vp.tdvpr, TDXSIM_LOCK_EXCLUSIVE);
			break;
		case R_TDR_BUSY:
			tdfx_world_contend(&w, TDXSIM_RES_PAGE, w.td.tdr, TDXSIM_LOCK_EXCLUSIVE);
			break;
		case R_OP_STATE_BUSY:
			tdfx_world_contend(&w, TDXSIM_RES_OP_STATE, w.td.tdr, TDXSIM_LOCK_EXCLUSIVE);
			break;
		case R_OTHER_LP:
			lp = 1;
			break;
		default:
			break;
		}
		/* R8 := 0 on every path; version >= 1 also RDX := -1 (3.9 row 0). */
		tdxsim_regs_t out = in;
		out.r8 = 0;
		if (rd_rows[i].version)
			out.rdx = NA;
		tdfx_world_refused(&w, rd_rows[i].rule, lp, TDXSIM_TDH_VP_RD | rd_rows[i].version << 16, in,
				   out, rd_rows[i].status);
		tdfx_world_destroy(&w);
	}
	(void)state;
}

/* ---- TDH.VP.WR (3.9) ---- */

enum wr_case {
	W_NONE,
	W_TDVPR_BUSY,
	W_TDR_BUSY,
	W_OP_STATE_BUSY,
	W_VECTOR_SET,	  /* posted-interrupt vector written first */
	W_VECTOR_PID_SET, /* vector and descriptor address written first */
	W_PID_PRIVATE,	  /* value: a page with the TD's private KeyID */
	W_PID_SEAMRR,	  /* value: inside SEAMRR */
};

static const struct {
	const char *rule;
	enum wr_case c;
	enum tdfx_stage st;
	uint64_t field, value, mask;
	uint64_t status;
} wr_rows[] = {
	{"vcpu_not_initialized__vcpu_state_incorrect", W_NONE, TDFX_VCPU_PAGES, F_PEND_NMI, 1, NA,
	 0xC000070000000000},
	{"tdvpr_held_exclusively__operand_busy_rcx", W_TDVPR_BUSY, TDFX_VCPU_READY, F_PEND_NMI, 1, NA,
	 0x8000020000000001},
	{"implicit_tdr_held_exclusively__operand_busy_tdr", W_TDR_BUSY, TDFX_VCPU_READY, F_PEND_NMI, 1, NA,
	 0x8000020000000080},
	{"op_state_lock_held_exclusively__operand_busy_op_state", W_OP_STATE_BUSY, TDFX_VCPU_READY,
	 F_PEND_NMI, 1, NA, 0x80000200000000AC},
	{"td_hkid__field_not_writable", W_NONE, TDFX_VCPU_READY, F_TD_HKID, 1, NA, 0xC0000C0100000000},
	{"vm_function_controls__field_not_writable", W_NONE, TDFX_VCPU_READY, F_VM_FUNC, 0, NA,
	 0xC0000C0100000000},
	{"mask_0__field_not_writable", W_NONE, TDFX_VCPU_READY, F_PEND_NMI, 1, 0, 0xC0000C0100000000},
	{"vmcs_high_half__field_id_incorrect", W_NONE, TDFX_VCPU_READY, 0x0000000000002017ULL, 0, NA,
	 0xC0000C0000000000},
	{"posted_vector_above_255__value_not_valid", W_NONE, TDFX_VCPU_READY, F_POSTED_VEC, 0x100, NA,
	 0xC0000C0300000000},
	{"posted_vector_bit_16_under_mask__value_not_valid", W_NONE, TDFX_VCPU_READY, F_POSTED_VEC, 0x100F2,
	 NA, 0xC0000C0300000000},
	{"pin_based_posted_ints_before_vector__vmcs_field_not_initialized_0002", W_NONE, TDFX_VCPU_READY,
	 F_PIN_BASED, 0x80, 0x80, 0xC000073000000002},
	{"pin_based_posted_ints_before_pid__vmcs_field_not_initialized_2016", W_VECTOR_SET, TDFX_VCPU_READY,
	 F_PIN_BASED, 0x80, 0x80, 0xC000073000002016},
	{"pin_based_full_mask_clearing_fixed_controls__value_not_valid", W_VECTOR_PID_SET, TDFX_VCPU_READY,
	 F_PIN_BASED, 0x80, NA, 0xC0000C0300000000},
	{"pid_address_bits_5_0_under_mask__value_not_valid", W_NONE, TDFX_VCPU_READY, F_PID_ADDR, 0x3000001,
	 NA, 0xC0000C0300000000},
	{"pid_address_with_private_keyid__value_not_valid", W_PID_PRIVATE, TDFX_VCPU_READY, F_PID_ADDR, 0, NA,
	 0xC0000C0300000000},
	{"pid_address_in_seamrr__value_not_valid", W_PID_SEAMRR, TDFX_VCPU_READY, F_PID_ADDR, 1, NA,
	 0xC0000C0300000000},
	{"pid_address_above_2_52__value_not_valid", W_NONE, TDFX_VCPU_READY, F_PID_ADDR, 1ULL << 52, NA,
	 0xC0000C0300000000},
	{"shared_eptp_bits_11_0_under_mask__value_not_valid", W_NONE, TDFX_VCPU_READY, F_SHARED_EPTP,
	 0x4000001, NA, 0xC0000C0300000000},
	{"secondary_full_mask__value_not_valid", W_NONE, TDFX_VCPU_READY, F_SECONDARY, 0xC0000000, NA,
	 0xC0000C0300000000},
	{"pend_nmi_bit_8_under_mask__value_not_valid", W_NONE, TDFX_VCPU_READY, F_PEND_NMI, 0x101, NA,
	 0xC0000C0300000000},
};

static void vp_wr_rules(void **state)
{
	for (size_t i = 0; i < sizeof(wr_rows) / sizeof(wr_rows[0]); i++) {
		struct tdfx_world w = {0};
		tdfx_world_build(&w, wr_rows[i].st);
		tdxsim_regs_t in = {.rcx = w.vp.tdvpr,
				    .rdx = wr_rows[i].field,
				    .r8 = wr_rows[i].value,
				    .r9 = wr_rows[i].mask};
		tdxsim_config_t cfg;
		switch (wr_rows[i].c) {
		case W_PID_PRIVATE:
			in.r8 = w.page | (uint64_t)w.td.hkid << tdxsim_keyid_shift(w.fx.sim);
			break;
		case W_PID_SEAMRR:
			tdxsim_config_init(&cfg);
			in.r8 = cfg.seamrr_base + 0x1000;
			break;
		case W_TDVPR_BUSY:
			tdfx_world_contend(&w, TDXSIM_RES_PAGE, w.vp.tdvpr, TDXSIM_LOCK_EXCLUSIVE);
			break;
		case W_TDR_BUSY:
			tdfx_world_contend(&w, TDXSIM_RES_PAGE, w.td.tdr, TDXSIM_LOCK_EXCLUSIVE);
			break;
		case W_OP_STATE_BUSY:
			tdfx_world_contend(&w, TDXSIM_RES_OP_STATE, w.td.tdr, TDXSIM_LOCK_EXCLUSIVE);
			break;
		case W_VECTOR_PID_SET:
			assert_status(vp_wr(&w.fx, 0, w.vp.tdvpr, F_PID_ADDR, w.page, NA, NULL),
				      TDXSIM_TDX_SUCCESS);
			/* fall through */
		case W_VECTOR_SET:
			assert_status(vp_wr(&w.fx, 0, w.vp.tdvpr, F_POSTED_VEC, 0xF2, NA, NULL),
				      TDXSIM_TDX_SUCCESS);
			break;
		default:
			break;
		}
		tdxsim_regs_t out = in;
		out.r8 = 0;
		tdfx_world_refused(&w, wr_rows[i].rule, 0, TDXSIM_TDH_VP_WR, in, out, wr_rows[i].status);
		tdfx_world_destroy(&w);
	}
	(void)state;
}

/* What KVM reads and writes after VP.INIT, with its own ids, and what the module answers
 * (values pinned with the module oracle). */
static void vp_rd_wr__kvm_fields__module_values(void **state)
{
	struct fx *fx = *state;
	struct tdfx_td td;
	struct tdfx_vcpu vp;
	tdfx_build_initialized(fx, &td);
	tdfx_vp_build(fx, &td, &vp, 0);
	uint64_t key = (uint64_t)td.hkid << tdxsim_keyid_shift(fx->sim);
	uint64_t t = vp.tdvpr;

	assert_int_equal(tdfx_vp_rd(fx, 0, t, F_POSTED_VEC), 0xFFFF);
	assert_int_equal(tdfx_vp_rd(fx, 0, t, F_PID_ADDR), NA);
	assert_int_equal(tdfx_vp_rd(fx, 0, t, F_PIN_BASED), 0);
	assert_int_equal(tdfx_vp_rd(fx, 0, t, F_SECONDARY), 0);
	assert_int_equal(tdfx_vp_rd(fx, 0, t, F_MSR_BITMAP), td.tdcs[2] | key);
	assert_int_equal(tdfx_vp_rd(fx, 0, t, F_SHARED_EPTP), td.tdcs[4] | key); /* the zero page */
	assert_int_equal(tdfx_vp_rd(fx, 0, t, F_EPTP) & ~0xFFFULL, td.tdcs[3]);	 /* the SEPT root */
	assert_int_equal(tdfx_vp_rd(fx, 0, t, F_TD_HKID), td.hkid);
	assert_int_equal(tdfx_vp_rd(fx, 0, t, F_STATE_DETAILS), 0);
	assert_int_equal(tdfx_vp_rd(fx, 0, t, F_VCPU_INDEX), 0);
	assert_int_equal(tdfx_vp_rd(fx, 0, t, F_NUM_PAGES), 6);
	assert_int_equal(tdfx_vp_rd(fx, 0, t, F_ASSOC_LPID), 0);
	assert_int_equal(tdfx_vp_rd(fx, 0, t, F_PAGE_PA(0)), t | key);
	for (unsigned i = 1; i < 6; i++)
		assert_int_equal(tdfx_vp_rd(fx, 0, t, F_PAGE_PA(i)), vp.tdcx[i - 1] | key);
	assert_int_equal(tdfx_vp_rd(fx, 0, t, F_PAGE_PA(6)), 0);
	/* TSC virtualization from the TDCS: a TD at the platform's frequency has multiplier 1.0
	 * (1 << 48); the offset is the TD's, so every vCPU reads the same one. */
	assert_int_equal(tdfx_vp_rd(fx, 0, t, F_TSC_MULT), 1ULL << 48);
	struct tdfx_vcpu vp2;
	tdfx_vp_build(fx, &td, &vp2, 1);
	assert_int_equal(tdfx_vp_rd(fx, 0, vp2.tdvpr, F_TSC_OFFSET), tdfx_vp_rd(fx, 0, t, F_TSC_OFFSET));
	assert_int_equal(tdfx_vp_rd(fx, 0, vp2.tdvpr, F_VCPU_INDEX), 1);
	assert_int_equal(tdfx_vp_rd(fx, 0, t, F_XFAM), 3); /* x87 and SSE: the fixture's XFAM */

	/* KVM's posted-interrupt setup: vector, descriptor, then pin-based bit 7 alone. The
	 * previous value comes back in R8, masked by the read mask. */
	uint64_t old, pid = tdfx_page(fx);
	assert_status(vp_wr(fx, 0, t, F_POSTED_VEC, 0xF2, NA, &old), TDXSIM_TDX_SUCCESS);
	assert_int_equal(old, 0xFFFF);
	assert_status(vp_wr(fx, 0, t, F_PID_ADDR, pid | 0x3F, ~0x3FULL, &old), TDXSIM_TDX_SUCCESS);
	assert_int_equal(old, NA);
	assert_int_equal(tdfx_vp_rd(fx, 0, t, F_PID_ADDR), pid);
	assert_status(vp_wr(fx, 0, t, F_PIN_BASED, 0x80, 0x80, &old), TDXSIM_TDX_SUCCESS);
	assert_int_equal(old, 0);
	assert_int_equal(tdfx_vp_rd(fx, 0, t, F_PIN_BASED), 0x80);
	/* The shared EPTP on each MMU root load; an NMI injection; the bus-lock/notify bits. */
	assert_status(vp_wr(fx, 0, t, F_SHARED_EPTP, 0x4000000, NA, &old), TDXSIM_TDX_SUCCESS);
	assert_int_equal(old, td.tdcs[4] | key);
	assert_int_equal(tdfx_vp_rd(fx, 0, t, F_SHARED_EPTP), 0x4000000);
	assert_status(vp_wr(fx, 0, t, F_PEND_NMI, 1, NA, &old), TDXSIM_TDX_SUCCESS);
	assert_int_equal(tdfx_vp_rd(fx, 0, t, F_PEND_NMI), 1);
	assert_status(vp_wr(fx, 0, t, F_SECONDARY, 0xC0000000, 0xC0000000, &old), TDXSIM_TDX_SUCCESS);
	assert_int_equal(tdfx_vp_rd(fx, 0, t, F_SECONDARY), 0xC0000000);
	assert_status(vp_wr(fx, 0, t, F_INSTR_TIMEOUT, 0x12345, NA, &old), TDXSIM_TDX_SUCCESS);
	assert_int_equal(tdfx_vp_rd(fx, 0, t, F_INSTR_TIMEOUT), 0x12345);
	/* A read of a 64-bit field with a size-1 id still returns all 64 bits (size ignored). */
	assert_int_equal(tdfx_vp_rd(fx, 0, t, F_PID_ADDR | 1ULL << 32), pid);
	tdfx_assert_invariants(fx);
}

/* Version 1 walks every host-readable field in the module's table order: the TD VMCS fields,
 * then the TDVPS ones, element by element, then -1 (order checked against the module). */
static void vp_rd_v1__walk__module_order(void **state)
{
	static const uint64_t want[] = {
		0x0024000100000002, 0x0024000300002004, 0x002400030000200e, 0x0024000300002010,
		0x0024000300002016, 0x0024000300002018, 0x002400030000201a, 0x0024000300002024,
		0x0024000300002032, 0x002400030000203c, 0x0024000200004000, 0x002400020000401e,
		0x0024000200004020, 0x0024000200004022, 0x0024000200004024, 0x0024000200004026,
		0x9120000300000100, 0xa020000200000002, 0xa020000000000003, 0xa020000200000004,
		0xa020000300000006, 0xa020000000000007, 0xa020000000000008, 0x202000000000000b,
		0x202000030000000c,
	};
	struct fx *fx = *state;
	struct tdfx_td td;
	struct tdfx_vcpu vp;
	tdxsim_regs_t o;
	tdfx_build_initialized(fx, &td);
	tdfx_vp_build(fx, &td, &vp, 0);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_VP_RD | V1, vp.tdvpr, NA, 0, &o),
		      TDXSIM_TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT);
	uint64_t id = o.rdx;
	for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]) + 15; i++) {
		uint64_t w = i < sizeof(want) / sizeof(want[0]) ? want[i] : 0xa020000300000010 + (i - 25);
		if (id != w)
			fail_msg("step %u: %#llx, expected %#llx", i, (unsigned long long)id,
				 (unsigned long long)w);
		assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_VP_RD | V1, vp.tdvpr, id, 0, &o),
			      TDXSIM_TDX_SUCCESS);
		id = o.rdx;
	}
	assert_int_equal(id, NA);
	/* Inside a multi-element field the caller's id comes back, context VP, code + 1. */
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_VP_RD | V1, vp.tdvpr, 0x2000000100000010, 0, &o),
		      TDXSIM_TDX_SUCCESS);
	assert_int_equal(o.rdx, 0x2020000100000011);
	assert_int_equal(o.r8, vp.tdvpr | (uint64_t)td.hkid << tdxsim_keyid_shift(fx->sim));
}
/* ---- TDH.VP.FLUSH (3.10) ---- */

enum flush_case {
	VF_NOT_TDVPR,
	VF_TDVPR_BUSY,
	VF_TDR_BUSY,
	VF_FIVE_PAGES,
	VF_OTHER_LP,
	VF_NOT_ASSOCIATED,
	VF_BLOCKED,
};

static const struct {
	const char *rule;
	enum flush_case c;
	uint64_t status;
} flush_rows[] = {
	{"rcx_is_a_tdcs_page__page_metadata_incorrect_rcx", VF_NOT_TDVPR, 0xC000030000000001},
	{"tdvpr_held_shared__operand_busy_rcx", VF_TDVPR_BUSY, 0x8000020000000001},
	{"implicit_tdr_held_exclusively__operand_busy_tdr", VF_TDR_BUSY, 0x8000020000000080},
	{"five_tdvps_pages__tdcx_num_incorrect", VF_FIVE_PAGES, 0xC000061000000000},
	{"associated_with_another_lp__vcpu_not_associated", VF_OTHER_LP, 0x8000070200000000},
	{"not_associated__vcpu_not_associated", VF_NOT_ASSOCIATED, 0x8000070200000000},
	{"td_blocked_by_vpflushdone__td_keys_not_configured", VF_BLOCKED, 0x8000081000000000},
};

static void vp_flush_rules(void **state)
{
	for (size_t i = 0; i < sizeof(flush_rows) / sizeof(flush_rows[0]); i++) {
		struct tdfx_world w = {0};
		tdfx_world_build(&w, flush_rows[i].c == VF_FIVE_PAGES ? TDFX_VCPU : TDFX_VCPU_READY);
		if (flush_rows[i].c == VF_FIVE_PAGES)
			tdfx_vp_addcx(&w.fx, &w.vp, 4);
		tdxsim_regs_t in = {.rcx = w.vp.tdvpr, .rdx = 0x22, .r8 = 0x88};
		uint32_t lp = 0;
		switch (flush_rows[i].c) {
		case VF_NOT_TDVPR:
			in.rcx = w.td.tdcs[1];
			break;
		case VF_TDVPR_BUSY:
			tdfx_world_contend(&w, TDXSIM_RES_PAGE, w.vp.tdvpr, TDXSIM_LOCK_SHARED);
			break;
		case VF_TDR_BUSY:
			tdfx_world_contend(&w, TDXSIM_RES_PAGE, w.td.tdr, TDXSIM_LOCK_EXCLUSIVE);
			break;
		case VF_OTHER_LP:
			lp = 1;
			break;
		case VF_NOT_ASSOCIATED:
			assert_status(fx_call(w.fx.sim, 0, TDXSIM_TDH_VP_FLUSH, w.vp.tdvpr, 0, 0, NULL),
				      TDXSIM_TDX_SUCCESS);
			break;
		case VF_BLOCKED:
			assert_status(fx_call(w.fx.sim, 0, TDXSIM_TDH_VP_FLUSH, w.vp.tdvpr, 0, 0, NULL),
				      TDXSIM_TDX_SUCCESS);
			assert_status(fx_call(w.fx.sim, 0, TDXSIM_TDH_MNG_VPFLUSHDONE, w.td.tdr, 0, 0, NULL),
				      TDXSIM_TDX_SUCCESS);
			break;
		default:
			break;
		}
		tdfx_world_refused(&w, flush_rows[i].rule, lp, TDXSIM_TDH_VP_FLUSH, in, in,
				   flush_rows[i].status);
		tdfx_world_destroy(&w);
	}
	(void)state;
}

/* The association rules end to end, as KVM meets them: VP.INIT on one LP, VP.RD elsewhere
 * refused, VP.FLUSH there refused, VP.FLUSH on the right LP, then any LP may associate. */
static void association__follows_the_lp_that_last_used_the_vcpu(void **state)
{
	struct fx *fx = *state;
	struct tdfx_td td;
	struct tdfx_vcpu vp;
	tdxsim_td_info_t info = {.size = sizeof(info)};
	tdfx_build_initialized(fx, &td);
	tdfx_vp_build(fx, &td, &vp, 0);
	assert_status(fx_call(fx->sim, 2, TDXSIM_TDH_VP_RD, vp.tdvpr, 0xA020000200000004, 0, NULL),
		      TDXSIM_TDX_VCPU_ASSOCIATED);
	assert_status(fx_call(fx->sim, 2, TDXSIM_TDH_VP_FLUSH, vp.tdvpr, 0, 0, NULL),
		      TDXSIM_TDX_VCPU_NOT_ASSOCIATED);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_VP_FLUSH, vp.tdvpr, 0, 0, NULL), TDXSIM_TDX_SUCCESS);
	tdxsim_td_query(fx->sim, td.tdr, &info);
	assert_int_equal(info.num_assoc_vcpus, 0);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_VP_FLUSH, vp.tdvpr, 0, 0, NULL),
		      TDXSIM_TDX_VCPU_NOT_ASSOCIATED);
	/* A read on LP 2 associates the vCPU there, even when the read itself fails. */
	assert_status(fx_call(fx->sim, 2, TDXSIM_TDH_VP_RD, vp.tdvpr, 0x0000000000000008, 0, NULL),
		      TDXSIM_TDX_METADATA_FIELD_ID_INCORRECT);
	tdxsim_td_query(fx->sim, td.tdr, &info);
	assert_int_equal(info.num_assoc_vcpus, 1);
	assert_int_equal(tdfx_vp_rd(fx, 2, vp.tdvpr, 0xA020000200000004), 2);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_VP_RD, vp.tdvpr, 0xA020000200000004, 0, NULL),
		      TDXSIM_TDX_VCPU_ASSOCIATED);
	assert_status(fx_call(fx->sim, 2, TDXSIM_TDH_VP_FLUSH, vp.tdvpr, 0, 0, NULL), TDXSIM_TDX_SUCCESS);
	tdfx_assert_invariants(fx);
}

/* KVM's teardown with vCPUs: VPFLUSHDONE waits for every vCPU to be flushed on its LP, then the
 * vCPU's pages come back like any other control page. */
static void teardown__vcpus_flushed_then_pages_reclaimed(void **state)
{
	struct fx *fx = *state;
	struct tdfx_td td;
	struct tdfx_vcpu a, b;
	tdfx_build_initialized(fx, &td);
	tdfx_vp_build(fx, &td, &a, 0);
	tdfx_vp_build(fx, &td, &b, 1);
	/* b last used on LP 3 (KVM flushes on the CPU a vCPU last ran on). */
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_VP_FLUSH, b.tdvpr, 0, 0, NULL), TDXSIM_TDX_SUCCESS);
	assert_int_equal(tdfx_vp_rd(fx, 3, b.tdvpr, F_VCPU_INDEX), 1);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_VP_FLUSH, a.tdvpr, 0, 0, NULL), TDXSIM_TDX_SUCCESS);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MNG_VPFLUSHDONE, td.tdr, 0, 0, NULL),
		      TDXSIM_TDX_FLUSHVP_NOT_DONE);
	/* KVM ignores VCPU_NOT_ASSOCIATED from a flush on the wrong CPU. */
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_VP_FLUSH, b.tdvpr, 0, 0, NULL),
		      TDXSIM_TDX_VCPU_NOT_ASSOCIATED);
	assert_status(fx_call(fx->sim, 3, TDXSIM_TDH_VP_FLUSH, b.tdvpr, 0, 0, NULL), TDXSIM_TDX_SUCCESS);
	tdfx_release_hkid(fx, &td);
	const struct tdfx_vcpu *vps[] = {&a, &b};
	for (unsigned i = 0; i < 2; i++) {
		for (unsigned k = 0; k < vps[i]->num_tdcx; k++)
			assert_int_equal(tdfx_reclaim(fx, vps[i]->tdcx[k]), TDXSIM_PT_TDCX);
		assert_int_equal(tdfx_reclaim(fx, vps[i]->tdvpr), TDXSIM_PT_TDVPR);
	}
	tdxsim_td_info_t info = {.size = sizeof(info)};
	tdxsim_td_query(fx->sim, td.tdr, &info);
	assert_int_equal(info.chldcnt, info.num_tdcx);
	tdfx_assert_invariants(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vp_rd_rules),
		cmocka_unit_test(vp_wr_rules),
		cmocka_unit_test_setup_teardown(vp_rd_wr__kvm_fields__module_values, tdfx_setup_2x2,
						tdfx_teardown),
		cmocka_unit_test_setup_teardown(vp_rd_v1__walk__module_order, tdfx_setup_2x2, tdfx_teardown),
		cmocka_unit_test(vp_flush_rules),
		cmocka_unit_test_setup_teardown(association__follows_the_lp_that_last_used_the_vcpu,
						tdfx_setup_2x2, tdfx_teardown),
		cmocka_unit_test_setup_teardown(teardown__vcpus_flushed_then_pages_reclaimed, tdfx_setup_2x2,
						tdfx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
