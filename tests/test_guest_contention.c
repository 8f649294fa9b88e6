/* SPDX-License-Identifier: MIT */
/*
 * Runtime contention between the host and a running guest (td-runtime.md 5.1, 5.4, 5.5), made
 * deterministic with tdxsim_contend(): AUG against the guest's ACCEPT on the same secure-EPT
 * entry, the host-priority flag a failed host attempt leaves on the entry, and the guest's
 * TDX_HOST_PRIORITY_BUSY_TIMEOUT exit with the host's recoverability hint (RCX bit 52). One
 * row per rule with exact statuses; invariants after each.
 */
#include <stdlib.h>
#include <string.h>

#include "sim/sim.h"
#include "td/td_params.h"
#include "td_fixture.h"
#include "tdxsim/guest.h"
#include "tdxsim/memory.h"

#define GPA_A	     UINT64_C(0x11000) /* same page table as the PAGE.ADDed 0x10000 */
#define RAX_VMCALL   UINT64_C(0x4D)
#define BUSY_RCX     UINT64_C(0x8000020000000001)
#define HP_TIMEOUT   UINT64_C(0x9000020500000000)
#define HINT	     (UINT64_C(1) << 60)
#define F_HP_LOCK    UINT64_C(0x9110000300000011)
#define HP_MIN_US    10000u /* HP_LOCK_TIMEOUT's lower bound (td-runtime.md 3.3) */
#define ARCH_PENDING 2u
#define ARCH_MAPPED  4u

static void world(struct tdfx_world *w)
{
	static const uint8_t zero[4096];
	tdfx_world_build(w, TDFX_VCPU_READY);
	tdfx_sept_add_path(&w->fx, &w->td, 0x10000, NULL);
	tdfx_page_add(&w->fx, &w->td, 0x10000, zero);
	tdxsim_regs_t r = {.rcx = w->td.tdr};
	assert_status(tdfx_call(&w->fx, 0, TDXSIM_TDH_MR_FINALIZE, &r), TDXSIM_TDX_SUCCESS);
}

static uint64_t aug(struct tdfx_world *w, uint64_t gpa, tdxsim_regs_t *out)
{
	tdxsim_regs_t r = {.rcx = tdfx_gpa_info(gpa, 0), .rdx = w->td.tdr, .r8 = tdfx_page(&w->fx)};
	uint64_t st = tdfx_call(&w->fx, 0, TDXSIM_TDH_MEM_PAGE_AUG, &r);
	if (out)
		*out = r;
	return st;
}

static uint64_t enter(struct tdfx_world *w, uint64_t rcx_flags, tdxsim_regs_t *r)
{
	*r = (tdxsim_regs_t){.rcx = w->vp.tdvpr | rcx_flags};
	return tdfx_call(&w->fx, 0, TDXSIM_TDH_VP_ENTER, r);
}

static tdxsim_guest_result_t result(struct tdfx_world *w, size_t i)
{
	tdxsim_guest_result_t res;
	assert_int_equal(tdxsim_guest_result(w->fx.sim, w->vp.tdvpr, i, &res, NULL), TDXSIM_OK);
	return res;
}

static unsigned arch_state(struct tdfx_world *w, uint64_t gpa)
{
	return tdfx_arch_state(&w->fx, &w->td, tdfx_gpa_info(gpa, 0));
}

/* Another LP (the guest's, or a host call) holds @gpa's 4K entry for the next attempt. */
static void hold_entry(struct tdfx_world *w, uint64_t gpa)
{
	assert_int_equal(tdxsim_contend(w->fx.sim, TDXSIM_RES_SEPT_ENTRY, w->td.tdr, tdfx_gpa_info(gpa, 0),
					TDXSIM_LOCK_EXCLUSIVE, 1),
			 TDXSIM_OK);
}

#define ACCEPT_A                                        \
	{                                               \
		.kind = TDXSIM_GOP_ACCEPT, .gpa = GPA_A \
	}
#define HLT_OFF                                    \
	{                                          \
		.kind = TDXSIM_GOP_HLT, .value = 1 \
	}

enum c_case {
	C_ACCEPT_HELD,	    /* the host holds the entry while the guest accepts */
	C_AUG_HELD,	    /* the guest holds it while the host AUGs: HP set */
	C_HP_AFTER_SUCCESS, /* a host success on the entry clears HP */
};

static const struct {
	const char *rule;
	enum c_case c;
	uint64_t aug_status;	/* the first AUG (0: none before the guest runs) */
	uint64_t accept_status; /* the guest's first ACCEPT */
	unsigned state_after;	/* arch state of GPA_A after the whole row */
} rows[] = {
	{"accept_while_host_holds_the_entry__operand_busy_rcx_then_retry_succeeds", C_ACCEPT_HELD, 0,
	 BUSY_RCX, ARCH_MAPPED},
	{"aug_while_guest_holds_the_entry__operand_busy_rcx_and_host_priority_refuses_the_guest", C_AUG_HELD,
	 BUSY_RCX, BUSY_RCX, ARCH_MAPPED},
	{"host_success_on_the_entry__clears_host_priority", C_HP_AFTER_SUCCESS, BUSY_RCX, 0, ARCH_MAPPED},
};

static void contention_rules(void **state)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct tdfx_world w = {0};
		world(&w);
		print_message("%s\n", rows[i].rule);
		tdxsim_regs_t r;
		const tdxsim_guest_op_t ops[] = {ACCEPT_A, HLT_OFF, ACCEPT_A};
		assert_int_equal(tdxsim_guest_load(w.fx.sim, w.vp.tdvpr, ops, 3), TDXSIM_OK);
		switch (rows[i].c) {
		case C_ACCEPT_HELD:
			assert_status(aug(&w, GPA_A, NULL), TDXSIM_TDX_SUCCESS);
			hold_entry(&w, GPA_A);
			break;
		case C_AUG_HELD:
		case C_HP_AFTER_SUCCESS: {
			hold_entry(&w, GPA_A);
			uint64_t hash = tdxsim_state_hash(w.fx.sim);
			assert_status(aug(&w, GPA_A, &r), rows[i].aug_status);
			/* + ext: the FREE entry as the walk read it (suppress-#VE set), level 0 */
			assert_int_equal(r.rcx, UINT64_C(1) << 63);
			assert_int_equal(r.rdx, 0);
			assert_int_equal(tdxsim_state_hash(w.fx.sim), hash); /* HP is lock state */
			if (rows[i].c == C_HP_AFTER_SUCCESS)
				assert_status(aug(&w, GPA_A, NULL), TDXSIM_TDX_SUCCESS);
			break;
		}
		}
		assert_status(enter(&w, 0, &r), RAX_VMCALL);
		assert_int_equal(result(&w, 0).state, TDXSIM_GUEST_DONE);
		assert_int_equal(result(&w, 0).status, rows[i].accept_status);
		if (rows[i].c == C_AUG_HELD) { /* the host retries and wins, clearing HP */
			assert_int_equal(arch_state(&w, GPA_A), 0);
			assert_status(aug(&w, GPA_A, NULL), TDXSIM_TDX_SUCCESS);
		}
		assert_status(enter(&w, 0, &r), RAX_VMCALL);
		assert_int_equal(result(&w, 2).status,
				 rows[i].c == C_HP_AFTER_SUCCESS ? 0x00000B0A00000000 : 0);
		assert_int_equal(arch_state(&w, GPA_A), rows[i].state_after);
		tdfx_assert_invariants(&w.fx);
		tdfx_world_destroy(&w);
	}
	(void)state;
}

/*
 * td-runtime.md 5.5 step 4: a guest refused by host priority for HP_LOCK_TIMEOUT TSC ticks
 * TD-exits with TDX_HOST_PRIORITY_BUSY_TIMEOUT (every other register 0); the TDCALL has
 * completed with the busy status, and the next VP.ENTER's RCX bit 52 becomes its bit 60
 * (allowed only after that trap-like exit). Rows: with and without the hint.
 */
static void hp_timeout__trap_exit__hint_reaches_the_guest(void **state)
{
	for (int hint = 0; hint < 2; hint++) {
		struct tdfx_world w = {0};
		world(&w);
		tdxsim_regs_t r = {.rcx = w.td.tdr, .rdx = F_HP_LOCK, .r8 = HP_MIN_US, .r9 = ~UINT64_C(0)};
		assert_status(tdfx_call(&w.fx, 0, TDXSIM_TDH_MNG_WR, &r), TDXSIM_TDX_SUCCESS);
		hold_entry(&w, GPA_A);
		assert_status(aug(&w, GPA_A, NULL), BUSY_RCX);
		/* Each refused ACCEPT costs one guest TDCALL: the k-th refusal after the first comes
		 * k * guest_tdcall ticks later. */
		uint64_t ticks = HP_MIN_US * (TDXSIM_NATIVE_TSC_HZ / 1000000u);
		uint64_t per = w.fx.sim->cfg.costs.guest_tdcall;
		size_t k = (size_t)((ticks + per - 1) / per);
		size_t n = k + 2;
		tdxsim_guest_op_t *ops = calloc(n, sizeof(*ops));
		assert_non_null(ops);
		for (size_t i = 0; i <= k; i++)
			ops[i] = (tdxsim_guest_op_t)ACCEPT_A;
		ops[k + 1] = (tdxsim_guest_op_t)HLT_OFF;
		assert_int_equal(tdxsim_guest_load(w.fx.sim, w.vp.tdvpr, ops, n), TDXSIM_OK);
		free(ops);

		assert_status(enter(&w, 1ull << 52, &r), 0xC000010000000001); /* no trap exit yet */
		assert_status(enter(&w, 0, &r), HP_TIMEOUT);
		tdxsim_regs_t zero = {0};
		assert_memory_equal(&r, &zero, sizeof(r));
		size_t pc;
		tdxsim_guest_result_t res;
		assert_int_equal(tdxsim_guest_result(w.fx.sim, w.vp.tdvpr, k, &res, &pc), TDXSIM_OK);
		assert_int_equal(pc, k + 1); /* trap-like: the TDCALL completed */
		assert_int_equal(res.status, BUSY_RCX);
		assert_int_equal(result(&w, k - 1).status, BUSY_RCX);

		assert_status(enter(&w, hint ? 1ull << 52 : 0, &r), RAX_VMCALL);
		assert_int_equal(result(&w, k).status, BUSY_RCX | (hint ? HINT : 0));
		/* After the TDVMCALL exit the hint bit is refused again. */
		assert_status(enter(&w, 1ull << 52, &r), 0xC000010000000001);
		tdfx_assert_invariants(&w.fx);
		tdfx_world_destroy(&w);
	}
	(void)state;
}

/* A TDCALL that completes without a host-priority refusal restarts the timeout clock. */
static void hp_refusals_interrupted_by_another_tdcall__no_timeout(void **state)
{
	struct tdfx_world w = {0};
	world(&w);
	tdxsim_regs_t r = {.rcx = w.td.tdr, .rdx = F_HP_LOCK, .r8 = HP_MIN_US, .r9 = ~UINT64_C(0)};
	assert_status(tdfx_call(&w.fx, 0, TDXSIM_TDH_MNG_WR, &r), TDXSIM_TDX_SUCCESS);
	hold_entry(&w, GPA_A);
	assert_status(aug(&w, GPA_A, NULL), BUSY_RCX);
	uint64_t ticks = HP_MIN_US * (TDXSIM_NATIVE_TSC_HZ / 1000000u);
	size_t k = (size_t)(ticks / w.fx.sim->cfg.costs.guest_tdcall);
	size_t n = 2 * k + 1;
	tdxsim_guest_op_t *ops = calloc(n, sizeof(*ops));
	assert_non_null(ops);
	for (size_t i = 0; i < n - 1; i++)
		ops[i] = i == k ? (tdxsim_guest_op_t){.kind = TDXSIM_GOP_VP_INFO}
				: (tdxsim_guest_op_t)ACCEPT_A;
	ops[n - 1] = (tdxsim_guest_op_t)HLT_OFF;
	assert_int_equal(tdxsim_guest_load(w.fx.sim, w.vp.tdvpr, ops, n), TDXSIM_OK);
	free(ops);
	/* k refusals span k - 1 TDCALLs of time, under the timeout; VP.INFO restarts the clock, so
	 * the k - 1 after it do not time out either (counted from the first, they would). */
	assert_status(enter(&w, 0, &r), RAX_VMCALL);
	assert_int_equal(result(&w, n - 2).status, BUSY_RCX);
	tdfx_world_destroy(&w);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(contention_rules),
		cmocka_unit_test(hp_timeout__trap_exit__hint_reaches_the_guest),
		cmocka_unit_test(hp_refusals_interrupted_by_another_tdcall__no_timeout),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
