/* SPDX-License-Identifier: MIT */
/*
 * TDH.VP.ENTER and the scripted guest (td-runtime.md 3, tdxsim/guest.h): one row per check of
 * 3.2 with its exact status, the state hash unchanged on failure (except the association the
 * module makes before the later checks), then the exits of 3.3/3.4 as the host sees them.
 * The guest's TDCALLs (RTMR, REPORT, VP.INFO) are in test_guest_report.c.
 */
#include <stdlib.h>
#include <string.h>

#include "sim/sim.h"
#include "td_fixture.h"
#include "tdxsim/guest.h"
#include "tdxsim/memory.h"
#include "tdxsim/snapshot.h"

#define GPA_PRIV    UINT64_C(0x10000)
#define SHARED_BIT  (UINT64_C(1) << 47) /* GPAW 0: the fixture's TDs use 4-level EPT */
#define GPA_SHARED  (SHARED_BIT | UINT64_C(0x20000))
#define RAX_EPT	    UINT64_C(0x30) /* TDX_SUCCESS | exit reason 48 */
#define RAX_VMCALL  UINT64_C(0x4D) /* TDX_SUCCESS | exit reason 77 */
#define TDVPS_PAGES 6		   /* TDVPS_BASE_SIZE / 4096 of 1.5.05 */

static uint8_t initial[4096];

/* A world with its TD finalized (RUNNABLE): one private page at GPA_PRIV holding `initial`. */
static void runnable_with(struct tdfx_world *w, enum tdfx_stage st, struct tdfx_vcpu *extra,
			  unsigned extra_pages)
{
	tdfx_world_build(w, st);
	for (unsigned i = 0; i < sizeof(initial); i++)
		initial[i] = (uint8_t)(i * 7 + 3);
	tdfx_sept_add_path(&w->fx, &w->td, GPA_PRIV, NULL);
	tdfx_page_add(&w->fx, &w->td, GPA_PRIV, initial);
	if (extra) { /* MR.FINALIZE wants an initialized vCPU: the first one is, this one not */
		tdfx_vp_create(&w->fx, &w->td, extra);
		if (extra_pages)
			tdfx_vp_addcx(&w->fx, extra, extra_pages);
	}
	tdxsim_regs_t r = {.rcx = w->td.tdr};
	assert_status(tdfx_call(&w->fx, 0, TDXSIM_TDH_MR_FINALIZE, &r), TDXSIM_TDX_SUCCESS);
}

static void runnable(struct tdfx_world *w, enum tdfx_stage st)
{
	runnable_with(w, st, NULL, 0);
}

static uint64_t enter(struct tdfx_world *w, uint32_t lp, tdxsim_regs_t *r)
{
	r->rcx = w->vp.tdvpr;
	return tdfx_call(&w->fx, lp, TDXSIM_TDH_VP_ENTER, r);
}

static void load(struct tdfx_world *w, const tdxsim_guest_op_t *ops, size_t n)
{
	assert_int_equal(tdxsim_guest_load(w->fx.sim, w->vp.tdvpr, ops, n), TDXSIM_OK);
}

static tdxsim_guest_result_t result(struct tdfx_world *w, size_t i, size_t *pc)
{
	tdxsim_guest_result_t res;
	assert_int_equal(tdxsim_guest_result(w->fx.sim, w->vp.tdvpr, i, &res, pc), TDXSIM_OK);
	return res;
}

/* ---- The checks of td-runtime.md 3.2, in order ---- */

enum enter_case {
	E_NONE,
	E_LIMIT_CPUID,
	E_RCX_RESERVED,
	E_TDVPR_OUTSIDE_TDMR,
	E_TDVPR_IS_TDR,
	E_TDVPR_BUSY,
	E_TDR_BUSY,
	E_FATAL,
	E_OP_STATE_BUSY,
	E_OTHER_LP,
	E_HINT_BIT_52,
	E_RESUME_L1_BIT_53,
	E_EPOCH_BUSY,
	E_VCPU_NO_PAGES, /* a second vCPU with its TDVPR only */
	E_VCPU_UNINIT,	 /* a second vCPU with every TDVPS page, never VP.INIT'ed */
};

static const struct {
	const char *rule;
	enum enter_case c;
	enum tdfx_stage st;
	bool finalize;
	uint64_t status;
} enter_rows[] = {
	{"misc_enable_limit_cpuid_maxval__limit_cpuid_maxval_set", E_LIMIT_CPUID, TDFX_VCPU_READY, true,
	 0xC000090100000000},
	{"rcx_reserved_bits__operand_invalid_rcx", E_RCX_RESERVED, TDFX_VCPU_READY, true, 0xC000010000000001},
	{"tdvpr_outside_tdmrs__addr_range_error_rcx", E_TDVPR_OUTSIDE_TDMR, TDFX_VCPU_READY, true,
	 0xC000010100000001},
	{"tdvpr_is_a_tdr__page_metadata_incorrect_rcx", E_TDVPR_IS_TDR, TDFX_VCPU_READY, true,
	 0xC000030000000001},
	{"tdvpr_held_exclusively__operand_busy_rcx", E_TDVPR_BUSY, TDFX_VCPU_READY, true, 0x8000020000000001},
	{"tdr_held_exclusively__operand_busy_tdr", E_TDR_BUSY, TDFX_VCPU_READY, true, 0x8000020000000080},
	{"td_fatal__td_fatal", E_FATAL, TDFX_VCPU_READY, true, 0xE000060400000000},
	{"op_state_lock_held_exclusively__operand_busy_op_state", E_OP_STATE_BUSY, TDFX_VCPU_READY, true,
	 0x80000200000000AC},
	{"before_mr_finalize__op_state_incorrect", E_NONE, TDFX_VCPU_READY, false, 0xC000060800000000},
	{"tdvps_pages_missing__tdcx_num_incorrect", E_VCPU_NO_PAGES, TDFX_VCPU_READY, true,
	 0xC000061000000000},
	{"vcpu_not_initialized__vcpu_state_incorrect", E_VCPU_UNINIT, TDFX_VCPU_READY, true,
	 0xC000070000000000},
	{"vcpu_associated_with_another_lp__vcpu_associated", E_OTHER_LP, TDFX_VCPU_READY, true,
	 0x8000070100000000},
	{"host_recoverability_hint_without_async_trap__operand_invalid_rcx", E_HINT_BIT_52, TDFX_VCPU_READY,
	 true, 0xC000010000000001},
	{"resume_l1_on_an_l1_vcpu__operand_invalid_rcx", E_RESUME_L1_BIT_53, TDFX_VCPU_READY, true,
	 0xC000010000000001},
	{"epoch_lock_held_exclusively__operand_busy_td_epoch", E_EPOCH_BUSY, TDFX_VCPU_READY, true,
	 0x80000200000000A9},
};

static void vp_enter_rules(void **state)
{
	for (size_t i = 0; i < sizeof(enter_rows) / sizeof(enter_rows[0]); i++) {
		struct tdfx_world w = {0};
		struct tdfx_vcpu second = {0};
		enum enter_case c = enter_rows[i].c;
		if (c == E_VCPU_NO_PAGES || c == E_VCPU_UNINIT)
			runnable_with(&w, enter_rows[i].st, &second,
				      c == E_VCPU_UNINIT ? TDVPS_PAGES - 1 : 0);
		else if (enter_rows[i].finalize)
			runnable(&w, enter_rows[i].st);
		else
			tdfx_world_build(&w, enter_rows[i].st);
		tdxsim_regs_t in = {.rcx = w.vp.tdvpr, .rdx = 0x22, .r8 = 0x88, .r10 = 0x1010, .r15 = 0x1515};
		uint32_t lp = 0;
		switch (enter_rows[i].c) {
		case E_LIMIT_CPUID:
			w.fx.sim->cpu.msr_misc_enable |= UINT64_C(1)
							 << 22; /* set by the OS after the build */
			break;
		case E_RCX_RESERVED:
			in.rcx |= UINT64_C(1) << 54;
			break;
		case E_TDVPR_OUTSIDE_TDMR:
			in.rcx = UINT64_C(1) << 40;
			break;
		case E_TDVPR_IS_TDR:
			in.rcx = w.td.tdr;
			break;
		case E_TDVPR_BUSY:
			tdfx_world_contend(&w, TDXSIM_RES_PAGE, w.vp.tdvpr, TDXSIM_LOCK_EXCLUSIVE);
			break;
		case E_TDR_BUSY:
			tdfx_world_contend(&w, TDXSIM_RES_PAGE, w.td.tdr, TDXSIM_LOCK_EXCLUSIVE);
			break;
		case E_FATAL: {
			const tdxsim_guest_op_t ops[] = {{.kind = TDXSIM_GOP_ILLEGAL}};
			tdxsim_regs_t r = {0};
			load(&w, ops, 1);
			assert_status(enter(&w, 0, &r), 0x600000020000001C);
			break;
		}
		case E_OP_STATE_BUSY:
			tdfx_world_contend(&w, TDXSIM_RES_OP_STATE, w.td.tdr, TDXSIM_LOCK_EXCLUSIVE);
			break;
		case E_OTHER_LP:
			lp = 1; /* VP.INIT associated the vCPU with LP 0 */
			break;
		case E_HINT_BIT_52:
			in.rcx |= UINT64_C(1) << 52;
			break;
		case E_RESUME_L1_BIT_53:
			in.rcx |= UINT64_C(1) << 53;
			break;
		case E_EPOCH_BUSY:
			tdfx_world_contend(&w, TDXSIM_RES_TD_EPOCH, w.td.tdr, TDXSIM_LOCK_EXCLUSIVE);
			break;
		case E_VCPU_NO_PAGES:
		case E_VCPU_UNINIT:
			in.rcx = second.tdvpr;
			break;
		default:
			break;
		}
		tdfx_world_refused(&w, enter_rows[i].rule, lp, TDXSIM_TDH_VP_ENTER, in, in,
				   enter_rows[i].status);
		tdfx_world_destroy(&w);
	}
	(void)state;
}

/* Row 8 comes before rows 9-14: a later failure leaves an unassociated vCPU associated with the
 * calling LP (the one state change a failed VP.ENTER makes). */
static void vp_enter__later_check_fails__vcpu_stays_associated(void **state)
{
	struct tdfx_world w = {0};
	runnable(&w, TDFX_VCPU_READY);
	assert_status(fx_call(w.fx.sim, 0, TDXSIM_TDH_VP_FLUSH, w.vp.tdvpr, 0, 0, NULL), TDXSIM_TDX_SUCCESS);
	tdxsim_td_info_t info = {.size = sizeof(info)};
	tdxsim_td_query(w.fx.sim, w.td.tdr, &info);
	assert_int_equal(info.num_assoc_vcpus, 0);
	tdxsim_regs_t r = {0};
	r.rcx = w.vp.tdvpr | UINT64_C(1) << 52;
	assert_status(tdfx_call(&w.fx, 1, TDXSIM_TDH_VP_ENTER, &r), 0xC000010000000001);
	tdxsim_td_query(w.fx.sim, w.td.tdr, &info);
	assert_int_equal(info.num_assoc_vcpus, 1);
	/* Now on LP 1: LP 0 is "another LP". */
	r = (tdxsim_regs_t){0};
	assert_status(enter(&w, 0, &r), 0x8000070100000000);
	r = (tdxsim_regs_t){0};
	assert_status(enter(&w, 1, &r), RAX_VMCALL);
	tdfx_assert_invariants(&w.fx);
	tdfx_world_destroy(&w);
	(void)state;
}

/* ---- Guest memory ---- */

static void guest__writes_private_memory__reads_it_back_host_sees_zeros(void **state)
{
	struct tdfx_world w = {0};
	runnable(&w, TDFX_VCPU_READY);
	const tdxsim_guest_op_t ops[] = {
		{.kind = TDXSIM_GOP_READ, .gpa = GPA_PRIV + 8, .size = 8},
		{.kind = TDXSIM_GOP_WRITE, .gpa = GPA_PRIV + 0x100, .size = 8, .value = 0x1122334455667788},
		{.kind = TDXSIM_GOP_WRITE, .gpa = GPA_PRIV + 0x108, .size = 2, .value = 0xBEEF},
		{.kind = TDXSIM_GOP_READ, .gpa = GPA_PRIV + 0x100, .size = 8},
		{.kind = TDXSIM_GOP_READ, .gpa = GPA_PRIV + 0x108, .size = 4},
	};
	load(&w, ops, 5);
	tdxsim_regs_t r = {0};
	assert_status(enter(&w, 0, &r), RAX_VMCALL); /* past the program: HLT */
	assert_int_equal(r.r11, TDXSIM_TDVMCALL_HLT);
	uint64_t first;
	memcpy(&first, initial + 8, 8);
	assert_int_equal(result(&w, 0, NULL).out[0], first); /* PAGE.ADD's copy, through the TD's key */
	assert_int_equal(result(&w, 3, NULL).out[0], 0x1122334455667788);
	/* bytes 0x108-0x10B: the 2-byte write, then what PAGE.ADD put at 0x10A-0x10B */
	assert_int_equal(result(&w, 4, NULL).out[0],
			 0xBEEFu | (uint64_t)initial[0x10A] << 16 | (uint64_t)initial[0x10B] << 24);
	/* The host reads the TD page through a shared KeyID: zeros, never the plaintext. */
	tdxsim_regs_t sr = {.rcx = tdfx_gpa_info(GPA_PRIV, 0), .rdx = w.td.tdr};
	assert_status(tdfx_call(&w.fx, 0, TDXSIM_TDH_MEM_SEPT_RD, &sr), TDXSIM_TDX_SUCCESS);
	uint64_t hpa = sr.rcx & UINT64_C(0x000FFFFFFFFFF000), host = 1;
	assert_int_equal(tdxsim_mem_read(w.fx.sim, 0, hpa + 0x100, &host, 8), TDXSIM_OK);
	assert_int_equal(host, 0);
	tdfx_assert_invariants(&w.fx);
	tdfx_world_destroy(&w);
	(void)state;
}

/* td-runtime.md 3.3: an access to a private GPA with no mapped leaf exits with reason 48, RCX =
 * the access bits, RDX = 0, R8 = the GPA's page; the op runs again after the next entry. */
static void guest__unmapped_private_gpa__ept_violation_exit_and_retry(void **state)
{
	struct tdfx_world w = {0};
	runnable(&w, TDFX_VCPU_READY);
	const uint64_t gpa = UINT64_C(0x40000123) & ~UINT64_C(7);
	const tdxsim_guest_op_t ops[] = {
		{.kind = TDXSIM_GOP_WRITE, .gpa = gpa, .size = 8, .value = 5},
		{.kind = TDXSIM_GOP_READ, .gpa = GPA_PRIV, .size = 1},
	};
	load(&w, ops, 2);
	for (int round = 0; round < 2; round++) {
		tdxsim_regs_t r = {.rdx = 0x22, .r9 = 0x99, .r12 = 0x1212};
		assert_status(enter(&w, 0, &r), RAX_EPT);
		tdxsim_regs_t want = {.rcx = 2, .r8 = gpa & ~UINT64_C(0xFFF)};
		assert_memory_equal(&r, &want, sizeof(r));
		size_t pc;
		assert_int_equal(result(&w, 0, &pc).state, TDXSIM_GUEST_NOT_RUN);
		assert_int_equal(pc, 0);
	}
	tdfx_assert_invariants(&w.fx);
	tdfx_world_destroy(&w);
	(void)state;
}

/* A shared GPA goes through the host's EPT: unmapped => exit 48 with the shared GPA; once the
 * host maps it, the op completes and the host sees the guest's bytes through KeyID 0. */
static void guest__shared_gpa__host_maps_it_and_sees_the_write(void **state)
{
	struct tdfx_world w = {0};
	runnable(&w, TDFX_VCPU_READY);
	const tdxsim_guest_op_t ops[] = {
		{.kind = TDXSIM_GOP_WRITE, .gpa = GPA_SHARED + 0x10, .size = 4, .value = 0xCAFEF00D},
	};
	load(&w, ops, 1);
	tdxsim_regs_t r = {0};
	assert_status(enter(&w, 0, &r), RAX_EPT);
	assert_int_equal(r.r8, GPA_SHARED);
	assert_int_equal(r.rcx, 2);
	uint64_t host = tdfx_page(&w.fx);
	assert_int_equal(tdxsim_guest_map_shared(w.fx.sim, w.td.tdr, GPA_SHARED, host, 4096), TDXSIM_OK);
	r = (tdxsim_regs_t){0};
	assert_status(enter(&w, 0, &r), RAX_VMCALL);
	assert_int_equal(result(&w, 0, NULL).state, TDXSIM_GUEST_DONE);
	uint32_t seen = 0;
	assert_int_equal(tdxsim_mem_read(w.fx.sim, 0, host + 0x10, &seen, 4), TDXSIM_OK);
	assert_int_equal(seen, 0xCAFEF00D);
	tdfx_assert_invariants(&w.fx);
	tdfx_world_destroy(&w);
	(void)state;
}

/* ---- TDVMCALL exits (td-runtime.md 3.4, 4.2) ---- */

static void guest__map_gpa__exit_registers_then_retry_then_done(void **state)
{
	struct tdfx_world w = {0};
	runnable(&w, TDFX_VCPU_READY);
	const tdxsim_guest_op_t ops[] = {
		{.kind = TDXSIM_GOP_MAP_GPA, .gpa = SHARED_BIT | 0x200000, .size = 0x4000},
		{.kind = TDXSIM_GOP_READ, .gpa = GPA_PRIV, .size = 1},
	};
	load(&w, ops, 2);
	tdxsim_regs_t r = {.rbx = 0xBB, .rsi = 0x5151};
	assert_status(enter(&w, 0, &r), RAX_VMCALL);
	tdxsim_regs_t want = {.rcx = 0xFFCC, .r11 = 0x10001, .r12 = SHARED_BIT | 0x200000, .r13 = 0x4000};
	assert_memory_equal(&r, &want, sizeof(r));
	/* The host did one page and asks the guest to retry from the next. */
	r = (tdxsim_regs_t){.r10 = 1, .r11 = SHARED_BIT | 0x201000};
	assert_status(enter(&w, 0, &r), RAX_VMCALL);
	assert_int_equal(r.r12, SHARED_BIT | 0x201000);
	assert_int_equal(r.r13, 0x3000);
	assert_int_equal(result(&w, 0, NULL).state, TDXSIM_GUEST_NOT_RUN);
	r = (tdxsim_regs_t){.r10 = 0, .r11 = 0x77};
	assert_status(enter(&w, 0, &r), RAX_VMCALL); /* HLT after the program */
	tdxsim_guest_result_t res = result(&w, 0, NULL);
	assert_int_equal(res.state, TDXSIM_GUEST_DONE);
	assert_int_equal(res.status, 0);
	assert_int_equal(res.out[0], 0);
	assert_int_equal(res.out[1], 0x77);
	assert_int_equal(result(&w, 1, NULL).out[0], initial[0]);
	tdfx_world_destroy(&w);
	(void)state;
}

static void guest__vmcall_select_mask__only_selected_registers_cross(void **state)
{
	struct tdfx_world w = {0};
	runnable(&w, TDFX_VCPU_READY);
	const tdxsim_guest_op_t ops[] = {
		/* R12 and R14 only */
		{.kind = TDXSIM_GOP_VMCALL, .value = 1u << 12 | 1u << 14, .args = {1, 2, 3, 4, 5, 6}},
		/* RCX selected: refused by the module's guest-side check, no exit */
		{.kind = TDXSIM_GOP_VMCALL, .value = 0xFFCE, .args = {1, 2, 3, 4, 5, 6}},
		{.kind = TDXSIM_GOP_HLT, .value = 1},
	};
	load(&w, ops, 3);
	tdxsim_regs_t r = {0};
	assert_status(enter(&w, 0, &r), RAX_VMCALL);
	tdxsim_regs_t want = {.rcx = 1u << 12 | 1u << 14, .r12 = 3, .r14 = 5};
	assert_memory_equal(&r, &want, sizeof(r));
	r = (tdxsim_regs_t){.r10 = 9, .r12 = 0x120, .r14 = 0x140};
	assert_status(enter(&w, 0, &r), RAX_VMCALL);
	assert_int_equal(r.r11, TDXSIM_TDVMCALL_HLT);
	assert_int_equal(r.r12, 1); /* HLT with interrupts blocked */
	tdxsim_guest_result_t res = result(&w, 0, NULL);
	assert_int_equal(res.out[0], 0); /* R10 was not selected */
	assert_int_equal(res.out[2], 0x120);
	assert_int_equal(res.out[4], 0x140);
	res = result(&w, 1, NULL);
	assert_int_equal(res.state, TDXSIM_GUEST_DONE);
	assert_int_equal(res.status, 0xC000010000000001);
	tdfx_world_destroy(&w);
	(void)state;
}

/* ---- Non-recoverable exits (td-runtime.md 3.3) ---- */

static void guest__illegal__non_recoverable_td_and_fatal(void **state)
{
	struct tdfx_world w = {0};
	runnable(&w, TDFX_VCPU_READY);
	const tdxsim_guest_op_t ops[] = {{.kind = TDXSIM_GOP_ILLEGAL}};
	load(&w, ops, 1);
	tdxsim_regs_t r = {.r10 = 7};
	assert_status(enter(&w, 0, &r), 0x600000020000001C);
	tdxsim_regs_t zero = {0};
	assert_memory_equal(&r, &zero, sizeof(r));
	tdxsim_td_info_t info = {.size = sizeof(info)};
	tdxsim_td_query(w.fx.sim, w.td.tdr, &info);
	assert_true(info.fatal);
	tdfx_assert_invariants(&w.fx);
	tdfx_world_destroy(&w);
	(void)state;
}

static void guest__triple_fault__non_recoverable_vcpu_then_state_incorrect(void **state)
{
	struct tdfx_world w = {0};
	runnable(&w, TDFX_VCPU_READY);
	const tdxsim_guest_op_t ops[] = {{.kind = TDXSIM_GOP_TRIPLE_FAULT}};
	load(&w, ops, 1);
	tdxsim_regs_t r = {0};
	assert_status(enter(&w, 0, &r), 0x4000000100000002);
	r = (tdxsim_regs_t){0};
	assert_status(enter(&w, 0, &r), 0xC000070000000000);
	tdxsim_td_info_t info = {.size = sizeof(info)};
	tdxsim_td_query(w.fx.sim, w.td.tdr, &info);
	assert_false(info.fatal);
	tdfx_world_destroy(&w);
	(void)state;
}

/* ---- Cycles, snapshots, API ---- */

static void vp_enter__cycles__leaf_cost_plus_guest_work(void **state)
{
	struct tdfx_world w = {0};
	runnable(&w, TDFX_VCPU_READY);
	const tdxsim_guest_op_t ops[] = {
		{.kind = TDXSIM_GOP_READ, .gpa = GPA_PRIV, .size = 8},
		{.kind = TDXSIM_GOP_WRITE, .gpa = GPA_PRIV, .size = 8},
		{.kind = TDXSIM_GOP_VP_INFO},
	};
	load(&w, ops, 3);
	tdxsim_costs_t k;
	tdxsim_costs_default(&k);
	uint64_t before = w.fx.sim->cpu.lps[0].tsc;
	tdxsim_regs_t r = {0};
	assert_status(enter(&w, 0, &r), RAX_VMCALL);
	assert_int_equal(w.fx.sim->cpu.lps[0].tsc - before,
			 k.leaf[TDXSIM_TDH_VP_ENTER] + 2 * k.guest_op + k.guest_tdcall);
	tdfx_world_destroy(&w);
	(void)state;
}

/* Snapshots deep-copy the program and its progress (td.c through guest/'s ops). */
static void guest__snapshot_restore__program_resumes_from_the_saved_pc(void **state)
{
	struct tdfx_world w = {0};
	runnable(&w, TDFX_VCPU_READY);
	const tdxsim_guest_op_t ops[] = {
		{.kind = TDXSIM_GOP_VMCALL, .args = {0, 0x42}},
		{.kind = TDXSIM_GOP_VMCALL, .args = {0, 0x43}},
	};
	load(&w, ops, 2);
	tdxsim_regs_t r = {0};
	assert_status(enter(&w, 0, &r), RAX_VMCALL);
	assert_int_equal(r.r11, 0x42);
	tdxsim_snapshot_t *snap;
	assert_int_equal(tdxsim_snapshot_take(w.fx.sim, &snap), TDXSIM_OK);
	uint64_t hash = tdxsim_state_hash(w.fx.sim);
	r = (tdxsim_regs_t){.r10 = 0, .r11 = 0xAA};
	assert_status(enter(&w, 0, &r), RAX_VMCALL);
	assert_int_equal(r.r11, 0x43);
	assert_int_not_equal(tdxsim_state_hash(w.fx.sim), hash);
	assert_int_equal(tdxsim_snapshot_restore(w.fx.sim, snap), TDXSIM_OK);
	assert_int_equal(tdxsim_state_hash(w.fx.sim), hash);
	assert_int_equal(result(&w, 0, NULL).state, TDXSIM_GUEST_NOT_RUN);
	r = (tdxsim_regs_t){.r10 = 0, .r11 = 0xBB};
	assert_status(enter(&w, 0, &r), RAX_VMCALL);
	assert_int_equal(r.r11, 0x43);
	assert_int_equal(result(&w, 0, NULL).out[1], 0xBB);
	tdxsim_snapshot_free(snap);
	tdfx_assert_invariants(&w.fx);
	tdfx_world_destroy(&w);
	(void)state;
}

static void guest_api__bad_arguments__invalid_arg(void **state)
{
	struct tdfx_world w = {0};
	runnable(&w, TDFX_VCPU_READY);
	tdxsim_t *sim = w.fx.sim;
	const tdxsim_guest_op_t ok = {.kind = TDXSIM_GOP_HLT};
	const tdxsim_guest_op_t bad[] = {
		{.kind = 0},
		{.kind = TDXSIM_GOP_CLI + 1},
		{.kind = TDXSIM_GOP_READ, .size = 3},
		{.kind = TDXSIM_GOP_WRITE, .gpa = 4, .size = 8},
		{.kind = TDXSIM_GOP_MAP_GPA, .size = 0},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(tdxsim_guest_load(sim, w.vp.tdvpr, &bad[i], 1), TDXSIM_ERR_INVALID_ARG);
	assert_int_equal(tdxsim_guest_load(sim, w.td.tdr, &ok, 1), TDXSIM_ERR_INVALID_ARG);
	tdxsim_guest_result_t res;
	assert_int_equal(tdxsim_guest_result(sim, w.vp.tdvpr, 0, &res, NULL), TDXSIM_ERR_INVALID_ARG);
	assert_int_equal(tdxsim_guest_load(sim, w.vp.tdvpr, &ok, 1), TDXSIM_OK);
	assert_int_equal(tdxsim_guest_result(sim, w.vp.tdvpr, 1, &res, NULL), TDXSIM_ERR_INVALID_ARG);
	assert_int_equal(tdxsim_guest_map_shared(sim, w.td.tdr, GPA_SHARED + 1, tdfx_page(&w.fx), 4096),
			 TDXSIM_ERR_INVALID_ARG);
	assert_int_equal(tdxsim_guest_map_shared(sim, w.vp.tdvpr, GPA_SHARED, tdfx_page(&w.fx), 4096),
			 TDXSIM_ERR_INVALID_ARG);
	assert_int_equal(tdxsim_guest_map_shared(sim, w.td.tdr, GPA_SHARED, UINT64_C(1) << 45, 4096),
			 TDXSIM_ERR_INVALID_ARG);
	tdfx_world_destroy(&w);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vp_enter_rules),
		cmocka_unit_test(vp_enter__later_check_fails__vcpu_stays_associated),
		cmocka_unit_test(guest__writes_private_memory__reads_it_back_host_sees_zeros),
		cmocka_unit_test(guest__unmapped_private_gpa__ept_violation_exit_and_retry),
		cmocka_unit_test(guest__shared_gpa__host_maps_it_and_sees_the_write),
		cmocka_unit_test(guest__map_gpa__exit_registers_then_retry_then_done),
		cmocka_unit_test(guest__vmcall_select_mask__only_selected_registers_cross),
		cmocka_unit_test(guest__illegal__non_recoverable_td_and_fatal),
		cmocka_unit_test(guest__triple_fault__non_recoverable_vcpu_then_state_incorrect),
		cmocka_unit_test(vp_enter__cycles__leaf_cost_plus_guest_work),
		cmocka_unit_test(guest__snapshot_restore__program_resumes_from_the_saved_pc),
		cmocka_unit_test(guest_api__bad_arguments__invalid_arg),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
