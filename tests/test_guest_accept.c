/* SPDX-License-Identifier: MIT */
/*
 * TDG.MEM.PAGE.ACCEPT run by the scripted guest (td-runtime.md 4.1) and the lazy-accept flow
 * KVM drives: a guest accept or access of a page the host has not AUGed exits with an EPT
 * violation, the host AUGs it, the next VP.ENTER re-runs the accept, which zeroes the page
 * through the TD's KeyID and maps it. One row per case of the sheet's table, exact statuses and
 * exit registers; invariants after each.
 */
#include <stdlib.h>
#include <string.h>

#include "td_fixture.h"
#include "tdxsim/guest.h"
#include "tdxsim/memory.h"

#define GPA_PRIV   UINT64_C(0x10000)	/* PAGE.ADDed: the 4K path down to it exists */
#define GPA_A	   UINT64_C(0x11000)	/* same page table, FREE until AUGed */
#define GPA_2M	   UINT64_C(0x200000)	/* a PD entry of the same PD, FREE */
#define GPA_FAR	   UINT64_C(0x40000000) /* its PDPT entry is FREE */
#define SHARED_BIT (UINT64_C(1) << 47)
#define RAX_EPT	   UINT64_C(0x30)
#define RAX_VMCALL UINT64_C(0x4D)

/* A RUNNABLE TD with one vCPU (KVM's build), @attributes on top of the fixed ones. */
static void world(struct tdfx_world *w, uint64_t attributes)
{
	static uint8_t zero[4096];
	tdxsim_config_t cfg;
	tdxsim_config_init(&cfg);
	fx_create(&w->fx, &cfg, FX_INITIALIZED);
	struct tdfx_params p = {.attributes = attributes};
	tdfx_create_keyed_tdcs(&w->fx, &w->td);
	tdfx_init_with(&w->fx, &w->td, &p);
	tdfx_vp_build(&w->fx, &w->td, &w->vp, 0);
	tdfx_sept_add_path(&w->fx, &w->td, GPA_PRIV, NULL);
	tdfx_page_add(&w->fx, &w->td, GPA_PRIV, zero);
	tdxsim_regs_t r = {.rcx = w->td.tdr};
	assert_status(tdfx_call(&w->fx, 0, TDXSIM_TDH_MR_FINALIZE, &r), TDXSIM_TDX_SUCCESS);
}

/* TDH.MEM.PAGE.AUG of a fresh page at @gpa, @level; the page held 0xFF bytes written by the
 * host before, so a read of 0 proves the accept zeroed it. Returns its PA. */
static uint64_t aug(struct tdfx_world *w, uint64_t gpa, unsigned level)
{
	uint64_t pa;
	uint64_t size = UINT64_C(4096) << (9 * level);
	assert_int_equal(tdxsim_phys_alloc(w->fx.sim, size, size, 0, &pa), TDXSIM_OK);
	uint8_t ff[4096];
	memset(ff, 0xFF, sizeof(ff));
	for (uint64_t off = 0; off < size; off += 4096)
		assert_int_equal(tdxsim_mem_write(w->fx.sim, 0, pa + off, ff, sizeof(ff)), TDXSIM_OK);
	tdxsim_regs_t r = {.rcx = tdfx_gpa_info(gpa, level), .rdx = w->td.tdr, .r8 = pa};
	assert_status(tdfx_call(&w->fx, 0, TDXSIM_TDH_MEM_PAGE_AUG, &r), TDXSIM_TDX_SUCCESS);
	return pa;
}

static uint64_t enter(struct tdfx_world *w, tdxsim_regs_t *r)
{
	*r = (tdxsim_regs_t){.rcx = w->vp.tdvpr};
	return tdfx_call(&w->fx, 0, TDXSIM_TDH_VP_ENTER, r);
}

static tdxsim_guest_result_t result(struct tdfx_world *w, size_t i)
{
	tdxsim_guest_result_t res;
	assert_int_equal(tdxsim_guest_result(w->fx.sim, w->vp.tdvpr, i, &res, NULL), TDXSIM_OK);
	return res;
}

/* The arch state of @gpa's entry at @level (TDH.MEM.SEPT.RD RDX bits 15:8). */
static unsigned arch_state(struct tdfx_world *w, uint64_t gpa, unsigned level)
{
	return tdfx_arch_state(&w->fx, &w->td, tdfx_gpa_info(gpa, level));
}

static void accept_4k__pending__zeroed_mapped_then_already_accepted(void **state)
{
	struct tdfx_world w = {0};
	world(&w, 0);
	aug(&w, GPA_A, 0);
	assert_int_equal(arch_state(&w, GPA_A, 0), 2); /* PENDING */
	const tdxsim_guest_op_t ops[] = {
		{.kind = TDXSIM_GOP_ACCEPT, .gpa = GPA_A},
		{.kind = TDXSIM_GOP_READ, .gpa = GPA_A + 0xFF8, .size = 8},
		{.kind = TDXSIM_GOP_ACCEPT, .gpa = GPA_A},
		/* the same through TDCALL by number (leaf 6) */
		{.kind = TDXSIM_GOP_TDCALL, .value = 6, .gpa = GPA_A},
	};
	assert_int_equal(tdxsim_guest_load(w.fx.sim, w.vp.tdvpr, ops, 4), TDXSIM_OK);
	tdxsim_regs_t r;
	assert_status(enter(&w, &r), RAX_VMCALL);
	assert_int_equal(result(&w, 0).status, 0);
	assert_int_equal(result(&w, 1).out[0], 0);
	assert_int_equal(result(&w, 2).status, 0x00000B0A00000000); /* PAGE_ALREADY_ACCEPTED | 0 */
	assert_int_equal(result(&w, 3).status, 0x00000B0A00000000);
	assert_int_equal(arch_state(&w, GPA_A, 0), 4); /* MAPPED */
	tdfx_assert_invariants(&w.fx);
	tdfx_world_destroy(&w);
	(void)state;
}

/* The lazy-accept flow: ACCEPT of a page never AUGed => TD exit (reason 48, EEQ type 1 with the
 * requested level, the failing entry's level and state), host AUG, re-entry completes it. */
static void accept_4k__never_augmented__exit_then_host_aug_then_done(void **state)
{
	struct tdfx_world w = {0};
	world(&w, 0);
	const tdxsim_guest_op_t ops[] = {{.kind = TDXSIM_GOP_ACCEPT, .gpa = GPA_A}};
	assert_int_equal(tdxsim_guest_load(w.fx.sim, w.vp.tdvpr, ops, 1), TDXSIM_OK);
	tdxsim_regs_t r;
	assert_status(enter(&w, &r), RAX_EPT);
	/* FREE entry at the requested level 0: info = level 0 | failing level 0 | state 0 */
	tdxsim_regs_t want = {.rcx = 2, .rdx = 1, .r8 = GPA_A};
	assert_memory_equal(&r, &want, sizeof(r));
	assert_int_equal(result(&w, 0).state, TDXSIM_GUEST_NOT_RUN);
	aug(&w, GPA_A, 0);
	assert_status(enter(&w, &r), RAX_VMCALL);
	assert_int_equal(result(&w, 0).state, TDXSIM_GUEST_DONE);
	assert_int_equal(result(&w, 0).status, 0);
	tdfx_assert_invariants(&w.fx);
	tdfx_world_destroy(&w);
	(void)state;
}

/* Walk stopped above the request at a FREE PDPT entry: info = level 0 | failing level 2 << 3. */
static void accept_4k__no_page_table__exit_names_the_level_it_stopped_at(void **state)
{
	struct tdfx_world w = {0};
	world(&w, 0);
	const tdxsim_guest_op_t ops[] = {{.kind = TDXSIM_GOP_ACCEPT, .gpa = GPA_FAR}};
	assert_int_equal(tdxsim_guest_load(w.fx.sim, w.vp.tdvpr, ops, 1), TDXSIM_OK);
	tdxsim_regs_t r;
	assert_status(enter(&w, &r), RAX_EPT);
	assert_int_equal(r.rdx, 1 | (UINT64_C(2) << 3) << 32);
	assert_int_equal(r.r8, GPA_FAR);
	tdfx_world_destroy(&w);
	(void)state;
}

/* 2M: accept of a PENDING 2M leaf maps all of it; a 4K accept inside it is ALREADY_ACCEPTED
 * with the level where the walk stopped (1); a 2M accept where a page table exists is
 * PAGE_SIZE_MISMATCH | 1. */
static void accept_2m__whole_leaf_then_4k_inside_already_accepted(void **state)
{
	struct tdfx_world w = {0};
	world(&w, 0);
	aug(&w, GPA_2M, 1);
	const tdxsim_guest_op_t ops[] = {
		{.kind = TDXSIM_GOP_ACCEPT, .gpa = GPA_2M, .value = 1},
		{.kind = TDXSIM_GOP_READ, .gpa = GPA_2M + 0x1FF000, .size = 8},
		{.kind = TDXSIM_GOP_ACCEPT, .gpa = GPA_2M + 0x1000, .value = 0},
		{.kind = TDXSIM_GOP_ACCEPT, .gpa = 0, .value = 1},
	};
	assert_int_equal(tdxsim_guest_load(w.fx.sim, w.vp.tdvpr, ops, 4), TDXSIM_OK);
	tdxsim_regs_t r;
	assert_status(enter(&w, &r), RAX_VMCALL);
	assert_int_equal(result(&w, 0).status, 0);
	assert_int_equal(result(&w, 1).out[0], 0);
	assert_int_equal(result(&w, 2).status, 0x00000B0A00000001);
	assert_int_equal(result(&w, 3).status, 0xC0000B0B00000001);
	assert_int_equal(arch_state(&w, GPA_2M, 1), 4);
	tdfx_assert_invariants(&w.fx);
	tdfx_world_destroy(&w);
	(void)state;
}

static const struct {
	const char *rule;
	uint64_t rcx;
} invalid_rows[] = {
	{"level_2__operand_invalid_rcx", GPA_FAR | 2},
	{"2m_not_aligned__operand_invalid_rcx", GPA_A | 1},
	{"reserved_bit_3__operand_invalid_rcx", GPA_A | 8},
	{"reserved_bit_52__operand_invalid_rcx", GPA_A | UINT64_C(1) << 52},
	{"shared_gpa__operand_invalid_rcx", GPA_A | SHARED_BIT},
	{"above_gpaw__operand_invalid_rcx", GPA_A | UINT64_C(1) << 48},
};

static void accept__bad_page_info__operand_invalid_rcx(void **state)
{
	for (size_t i = 0; i < sizeof(invalid_rows) / sizeof(invalid_rows[0]); i++) {
		struct tdfx_world w = {0};
		world(&w, 0);
		aug(&w, GPA_A, 0);
		const tdxsim_guest_op_t op = {
			.kind = TDXSIM_GOP_TDCALL, .value = 6, .gpa = invalid_rows[i].rcx};
		assert_int_equal(tdxsim_guest_load(w.fx.sim, w.vp.tdvpr, &op, 1), TDXSIM_OK);
		tdxsim_regs_t r;
		assert_status(enter(&w, &r), RAX_VMCALL);
		if (result(&w, 0).status != 0xC000010000000001)
			fail_msg("%s: %#llx", invalid_rows[i].rule, (unsigned long long)result(&w, 0).status);
		assert_int_equal(arch_state(&w, GPA_A, 0), 2); /* still PENDING */
		tdfx_world_destroy(&w);
	}
	(void)state;
}

/* A guest access to a PENDING page (td-runtime.md 3.3): with SEPT_VE_DISABLE the module exits
 * with RDX = 6 (KVM kills such a TD); without it the guest gets a #VE (op marked, no exit). */
static void access_to_pending_page__sept_ve_disable_exit_type_6__else_ve(void **state)
{
	for (int ve_disable = 0; ve_disable < 2; ve_disable++) {
		struct tdfx_world w = {0};
		world(&w, ve_disable ? UINT64_C(1) << 28 : 0);
		aug(&w, GPA_A, 0);
		const tdxsim_guest_op_t op = {.kind = TDXSIM_GOP_READ, .gpa = GPA_A + 8, .size = 8};
		assert_int_equal(tdxsim_guest_load(w.fx.sim, w.vp.tdvpr, &op, 1), TDXSIM_OK);
		tdxsim_regs_t r;
		if (ve_disable) {
			assert_status(enter(&w, &r), RAX_EPT);
			tdxsim_regs_t want = {.rcx = 1, .rdx = 6, .r8 = GPA_A};
			assert_memory_equal(&r, &want, sizeof(r));
			assert_int_equal(result(&w, 0).state, TDXSIM_GUEST_NOT_RUN);
		} else {
			assert_status(enter(&w, &r), RAX_VMCALL);
			assert_int_equal(result(&w, 0).state, TDXSIM_GUEST_VE);
		}
		tdfx_world_destroy(&w);
	}
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accept_4k__pending__zeroed_mapped_then_already_accepted),
		cmocka_unit_test(accept_4k__never_augmented__exit_then_host_aug_then_done),
		cmocka_unit_test(accept_4k__no_page_table__exit_names_the_level_it_stopped_at),
		cmocka_unit_test(accept_2m__whole_leaf_then_4k_inside_already_accepted),
		cmocka_unit_test(accept__bad_page_info__operand_invalid_rcx),
		cmocka_unit_test(access_to_pending_page__sept_ve_disable_exit_type_6__else_ve),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
