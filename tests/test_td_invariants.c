/* SPDX-License-Identifier: MIT */
/*
 * The run-time invariants of secure EPTs and guests (seamcall/td_sept_check.c, guest/guest.h),
 * one row per invariant: a world that keeps every invariant is corrupted on purpose through the
 * internal headers, the way a bug in a leaf would leave it, and tdxsim_check_invariants() must
 * fail and name the invariant. The world: a RUNNABLE TD (a PAGE.ADDed page MAPPED, a 4K and a
 * 2M page AUGed PENDING, a vCPU) and a second, INITIALIZED TD with one PAGE.ADDed page.
 */
#include <stdio.h>
#include <string.h>

#include "guest/guest.h"
#include "pamt/pamt.h"
#include "sept/sept.h"
#include "sim/sim.h"
#include "td_fixture.h"
#include "tdxsim/guest.h"
#include "tdxsim/memory.h"

#define GPA_PRIV UINT64_C(0x10000)  /* PAGE.ADDed, MAPPED */
#define GPA_A	 UINT64_C(0x11000)  /* AUGed 4K, PENDING */
#define GPA_2M	 UINT64_C(0x200000) /* AUGed 2M, PENDING */

struct inv_world {
	struct tdfx_world w; /* TD 1 and its vCPU */
	struct tdfx_td td2;
	uint64_t tables[4]; /* TD 1's PDPT, PD, PT on the way to GPA_PRIV */
	uint64_t priv, a, big, priv2;
};

static uint64_t aug(struct fx *fx, uint64_t tdr, uint64_t gpa, unsigned level)
{
	uint64_t size = UINT64_C(4096) << (9 * level), pa;
	assert_int_equal(tdxsim_phys_alloc(fx->sim, size, size, 0, &pa), TDXSIM_OK);
	tdxsim_regs_t r = {.rcx = tdfx_gpa_info(gpa, level), .rdx = tdr, .r8 = pa};
	assert_status(tdfx_call(fx, 0, TDXSIM_TDH_MEM_PAGE_AUG, &r), TDXSIM_TDX_SUCCESS);
	return pa;
}

static void build(struct inv_world *iw)
{
	static const uint8_t zero[4096];
	struct fx *fx = &iw->w.fx;
	tdfx_world_build(&iw->w, TDFX_VCPU_READY);
	assert_int_equal(tdfx_sept_add_path(fx, &iw->w.td, GPA_PRIV, iw->tables), 3);
	iw->priv = tdfx_page_add(fx, &iw->w.td, GPA_PRIV, zero);
	tdfx_build_initialized(fx, &iw->td2);
	tdfx_sept_add_path(fx, &iw->td2, GPA_PRIV, NULL);
	iw->priv2 = tdfx_page_add(fx, &iw->td2, GPA_PRIV, zero);
	tdxsim_regs_t r = {.rcx = iw->w.td.tdr};
	assert_status(tdfx_call(fx, 0, TDXSIM_TDH_MR_FINALIZE, &r), TDXSIM_TDX_SUCCESS);
	iw->a = aug(fx, iw->w.td.tdr, GPA_A, 0);
	iw->big = aug(fx, iw->w.td.tdr, GPA_2M, 1);
	tdfx_assert_invariants(fx);
}

static struct tdxsim *sim_of(struct inv_world *iw)
{
	return (struct tdxsim *)iw->w.fx.sim;
}

static struct tdxsim_td *td_of(struct inv_world *iw, uint64_t tdr)
{
	struct tdxsim_td *td = tdxsim_td_find(&sim_of(iw)->td, tdr);
	assert_non_null(td);
	return td;
}

/* The secure-EPT entry of @gpa at @level in the TD of @tdr. */
static uint64_t *entry(struct inv_world *iw, uint64_t tdr, uint64_t gpa, unsigned level)
{
	unsigned reached;
	uint64_t *e = tdxsim_sept_walk(td_of(iw, tdr)->sept, gpa, level, &reached, NULL);
	assert_int_equal(reached, level);
	return e;
}

static void set_hpa(uint64_t *e, uint64_t hpa)
{
	*e = (*e & ~TDXSIM_SEPTE_HPA_MASK) | hpa;
}

/* The PAMT entry of @pa becomes @type at @level owned by @owner (TDs' CHLDCNTs follow, so only
 * the invariant under test breaks). */
static void retype(struct inv_world *iw, uint64_t pa, unsigned old_level, unsigned level, uint8_t type,
		   uint64_t old_owner, uint64_t owner)
{
	struct tdxsim *sim = sim_of(iw);
	if (old_owner) {
		assert_int_equal(tdxsim_pamt_release(sim->pamt, pa, old_level), TDXSIM_PAMT_OK);
		td_of(iw, old_owner)->chldcnt -= UINT64_C(1) << (9 * old_level);
	}
	assert_int_equal(tdxsim_pamt_assign(sim->pamt, pa, level, type, owner), TDXSIM_PAMT_OK);
	td_of(iw, owner)->chldcnt += UINT64_C(1) << (9 * level);
}

static struct tdxsim_guest *guest_of(struct inv_world *iw)
{
	struct tdxsim_vcpu *v = tdxsim_vcpu_find(&sim_of(iw)->td, iw->w.vp.tdvpr);
	assert_non_null(v);
	assert_non_null(v->guest);
	return v->guest;
}

static void load(struct inv_world *iw, const tdxsim_guest_op_t *ops, size_t n)
{
	assert_int_equal(tdxsim_guest_load(iw->w.fx.sim, iw->w.vp.tdvpr, ops, n), TDXSIM_OK);
}

/* ---- Corruptions, one per invariant ---- */

static void two_gpas_one_td(struct inv_world *iw)
{
	set_hpa(entry(iw, iw->w.td.tdr, GPA_A, 0), iw->priv);
}
static void one_page_two_tds(struct inv_world *iw)
{
	set_hpa(entry(iw, iw->td2.tdr, GPA_PRIV, 0), iw->priv);
}
static void leaf_inside_2m_leaf(struct inv_world *iw)
{
	set_hpa(entry(iw, iw->w.td.tdr, GPA_A, 0), iw->big + 0x5000);
}
static void leaf_on_table_page(struct inv_world *iw)
{
	set_hpa(entry(iw, iw->w.td.tdr, GPA_A, 0), iw->tables[1]);
}
/* More pages than the checker's first buffer holds (td_sept_check.c: 128 uses on the stack):
 * 600 AUGed 4K pages at 1 GiB keep every invariant, and one of them mapping TD 1's PAGE.ADDed
 * page, the last in GPA order, is found in the whole list, not only in that buffer. */
#define GPA_MANY UINT64_C(0x40000000)
static void two_gpas_one_td_past_first_buffer(struct inv_world *iw)
{
	struct fx *fx = &iw->w.fx;
	tdfx_sept_add_path(fx, &iw->w.td, GPA_MANY, NULL);
	tdfx_sept_add_path(fx, &iw->w.td, GPA_MANY + 0x200000, NULL);
	for (uint64_t i = 0; i < 600; i++)
		aug(fx, iw->w.td.tdr, GPA_MANY + i * 4096, 0);
	tdfx_assert_invariants(fx);
	set_hpa(entry(iw, iw->w.td.tdr, GPA_MANY + 599 * 4096, 0), iw->priv);
}
/* More TDs than the checker counts on its stack (td_common.c: 16): 16 more created keep every
 * invariant, and a CHLDCNT off in the last one created is found. */
static void chldcnt_off_past_first_buffer(struct inv_world *iw)
{
	struct tdfx_td more[16];
	for (unsigned i = 0; i < 16; i++)
		tdfx_create(&iw->w.fx, &more[i], 0);
	tdfx_assert_invariants(&iw->w.fx);
	td_of(iw, more[15].tdr)->chldcnt++;
}
static void misaligned_2m_leaf(struct inv_world *iw)
{
	/* Up by 4K: the page after the 2M page is free RAM (AUG took it last), so only the
	 * alignment breaks. */
	set_hpa(entry(iw, iw->w.td.tdr, GPA_2M, 1), iw->big + 0x1000);
}
static void owner_other_td(struct inv_world *iw)
{
	retype(iw, iw->a, 0, 0, TDXSIM_PT_REG, iw->w.td.tdr, iw->td2.tdr);
}
static void page_size_differs(struct inv_world *iw)
{
	retype(iw, iw->big, 1, 0, TDXSIM_PT_REG, iw->w.td.tdr, iw->w.td.tdr);
}
static void leaf_bepoch_future(struct inv_world *iw)
{
	uint64_t epoch = td_of(iw, iw->w.td.tdr)->tdcs.td_epoch;
	assert_int_equal(tdxsim_pamt_set_bepoch(sim_of(iw)->pamt, iw->a, 0, epoch + 1), TDXSIM_PAMT_OK);
}
static void table_bepoch_future(struct inv_world *iw)
{
	uint64_t epoch = td_of(iw, iw->w.td.tdr)->tdcs.td_epoch;
	assert_int_equal(tdxsim_pamt_set_bepoch(sim_of(iw)->pamt, iw->tables[2], 0, epoch + 1),
			 TDXSIM_PAMT_OK);
}
static void bepoch_export_flag(struct inv_world *iw)
{
	assert_int_equal(tdxsim_pamt_set_bepoch(sim_of(iw)->pamt, iw->big, 1, UINT64_C(1) << 63),
			 TDXSIM_PAMT_OK);
}
static void reg_page_no_leaf(struct inv_world *iw)
{
	retype(iw, tdfx_page(&iw->w.fx), 0, 0, TDXSIM_PT_REG, 0, iw->w.td.tdr);
}
static void leaf_gone_page_kept(struct inv_world *iw)
{
	*entry(iw, iw->w.td.tdr, GPA_A, 0) = TDXSIM_SEPTE_FREE_VALUE;
}
static void ept_page_no_table(struct inv_world *iw)
{
	retype(iw, tdfx_page(&iw->w.fx), 0, 0, TDXSIM_PT_EPT, 0, iw->w.td.tdr);
}
static void pc_past_program(struct inv_world *iw)
{
	const tdxsim_guest_op_t ops[] = {{.kind = TDXSIM_GOP_HLT}};
	load(iw, ops, 1);
	guest_of(iw)->pc = 2;
}
static void vmcall_pending_on_memory_op(struct inv_world *iw)
{
	const tdxsim_guest_op_t ops[] = {{.kind = TDXSIM_GOP_READ, .gpa = GPA_PRIV, .size = 8}};
	load(iw, ops, 1);
	guest_of(iw)->vmcall_pending = true;
}
static void vmcall_pending_past_program(struct inv_world *iw)
{
	const tdxsim_guest_op_t ops[] = {{.kind = TDXSIM_GOP_VMCALL}};
	load(iw, ops, 1);
	guest_of(iw)->pc = 1;
	guest_of(iw)->results[0].state = TDXSIM_GUEST_DONE;
	guest_of(iw)->vmcall_pending = true;
}
static void mapgpa_retry_outside_range(struct inv_world *iw)
{
	const tdxsim_guest_op_t ops[] = {{.kind = TDXSIM_GOP_MAP_GPA, .gpa = GPA_2M, .size = 0x2000}};
	load(iw, ops, 1);
	tdxsim_regs_t r = {.rcx = iw->w.vp.tdvpr};
	assert_status(tdfx_call(&iw->w.fx, 0, TDXSIM_TDH_VP_ENTER, &r), UINT64_C(77)); /* TDVMCALL exit */
	tdfx_assert_invariants(&iw->w.fx); /* a real pending MapGPA keeps them */
	guest_of(iw)->mapgpa_start = GPA_2M + 0x2000;
}
static void result_done_at_pc(struct inv_world *iw)
{
	const tdxsim_guest_op_t ops[] = {{.kind = TDXSIM_GOP_HLT}};
	load(iw, ops, 1);
	guest_of(iw)->results[0].state = TDXSIM_GUEST_DONE;
}
static void result_not_run_before_pc(struct inv_world *iw)
{
	const tdxsim_guest_op_t ops[] = {{.kind = TDXSIM_GOP_VP_INFO}, {.kind = TDXSIM_GOP_HLT}};
	load(iw, ops, 2);
	guest_of(iw)->pc = 1;
}

static const struct row {
	const char *rule;
	void (*corrupt)(struct inv_world *iw);
	const char *names; /* what the checker's message must say */
} rows[] = {
	{"no host page at two GPAs of one TD", two_gpas_one_td, "mapped twice"},
	{"no host page in two TDs' secure EPTs", one_page_two_tds, "mapped twice"},
	{"no 4K leaf inside another TD page's 2M leaf", leaf_inside_2m_leaf, "mapped twice"},
	{"no leaf on a secure-EPT table page", leaf_on_table_page, "mapped twice"},
	{"no host page at two GPAs of one TD with more pages than the first buffer",
	 two_gpas_one_td_past_first_buffer, "mapped twice"},
	{"a leaf's HPA is aligned to its size", misaligned_2m_leaf, "not aligned to its size"},
	{"CHLDCNT equals the PAMT's count with more TDs than the first buffer", chldcnt_off_past_first_buffer,
	 "CHLDCNT"},
	{"every mapped page is owned by the TD that maps it", owner_other_td, "not by this TD"},
	{"the PAMT page size is the SEPT level of the leaf", page_size_differs, "PAMT page size"},
	{"a leaf page's BEPOCH is not after the TD epoch", leaf_bepoch_future, "BEPOCH"},
	{"a table page's BEPOCH is not after the TD epoch", table_bepoch_future, "BEPOCH"},
	{"no BEPOCH with the export flag", bepoch_export_flag, "BEPOCH"},
	{"every PT_REG page of the TD is mapped by a leaf", reg_page_no_leaf, "PT_REG pages owned by it"},
	{"every leaf's page stays PT_REG of the TD (leaf gone, page kept)", leaf_gone_page_kept,
	 "PT_REG pages owned by it"},
	{"every PT_EPT page of the TD is a table of its secure EPT", ept_page_no_table, "PT_EPT pages owned"},
	{"guest pc is at most the program's length", pc_past_program, "past its 1 ops"},
	{"vmcall_pending only on a TDVMCALL op", vmcall_pending_on_memory_op, "which is no TDVMCALL op"},
	{"vmcall_pending only while an op is left", vmcall_pending_past_program, "which is no TDVMCALL op"},
	{"a MapGPA retry point lies in the pending MapGPA's range", mapgpa_retry_outside_range,
	 "retry point"},
	{"ops from pc on have not run", result_done_at_pc, "result 0 in state 1 with pc 0"},
	{"ops before pc have completed", result_not_run_before_pc, "result 0 in state 0 with pc 1"},
};

static void invariants__each_corruption__named(void **state)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *row = &rows[i];
		struct inv_world iw = {0};
		char msg[512] = "";
		build(&iw);
		row->corrupt(&iw);
		tdxsim_err_t err = tdxsim_check_invariants(iw.w.fx.sim, msg, sizeof(msg));
		assert_fused_check_agrees(iw.w.fx.sim, err, msg, sizeof(msg));
		if (err != TDXSIM_ERR_INVARIANT || !strstr(msg, row->names))
			fail_msg("rule \"%s\": got %d \"%s\", want a message with \"%s\"", row->rule, err,
				 msg, row->names);
		tdfx_world_destroy(&iw.w);
	}
	(void)state;
}

/* The pair of TDs in a cross-TD duplicate is named in the message, whichever comes first. */
static void unique__across_tds__names_both_tdrs(void **state)
{
	struct inv_world iw = {0};
	char msg[512] = "", a[32], b[32];
	build(&iw);
	one_page_two_tds(&iw);
	assert_int_equal(tdxsim_check_invariants(iw.w.fx.sim, msg, sizeof(msg)), TDXSIM_ERR_INVARIANT);
	snprintf(a, sizeof(a), "TD %#llx", (unsigned long long)iw.w.td.tdr);
	snprintf(b, sizeof(b), "TD %#llx", (unsigned long long)iw.td2.tdr);
	assert_non_null(strstr(msg, a));
	assert_non_null(strstr(msg, b));
	tdfx_world_destroy(&iw.w);
	(void)state;
}

/* The real flows keep them: a blocked, tracked and removed page, an accepted one, a halted
 * guest past its program. */
static void invariants__runtime_flow__hold(void **state)
{
	struct inv_world iw = {0};
	struct fx *fx = &iw.w.fx;
	build(&iw);
	const tdxsim_guest_op_t ops[] = {{.kind = TDXSIM_GOP_ACCEPT, .gpa = GPA_A},
					 {.kind = TDXSIM_GOP_WRITE, .gpa = GPA_A, .size = 8, .value = 7}};
	load(&iw, ops, 2);
	tdxsim_regs_t r = {.rcx = iw.w.vp.tdvpr};
	assert_status(tdfx_call(fx, 0, TDXSIM_TDH_VP_ENTER, &r), UINT64_C(77));
	tdfx_assert_invariants(fx);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MEM_RANGE_BLOCK, tdfx_gpa_info(GPA_2M, 1), iw.w.td.tdr,
			      0, NULL),
		      TDXSIM_TDX_SUCCESS);
	tdfx_assert_invariants(fx);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MEM_TRACK, iw.w.td.tdr, 0, 0, NULL), TDXSIM_TDX_SUCCESS);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MEM_PAGE_REMOVE, tdfx_gpa_info(GPA_2M, 1), iw.w.td.tdr,
			      0, NULL),
		      TDXSIM_TDX_SUCCESS);
	tdfx_assert_invariants(fx);
	tdfx_world_destroy(&iw.w);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(invariants__each_corruption__named),
		cmocka_unit_test(unique__across_tds__names_both_tdrs),
		cmocka_unit_test(invariants__runtime_flow__hold),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
