/* SPDX-License-Identifier: MIT */
/*
 * Interrupts and the halted vCPU (td-runtime.md 3.6, issue 12 section 3, guest/apic.h): the
 * host posts interrupts as KVM does (PIR and ON in the posted-interrupt descriptor named by
 * the TD VMCS), the CPU takes them into the virtual APIC at VM entry, the guest's TPR, EOI,
 * STI and CLI move RVI/PPR/ISR, deliverable interrupts are taken at op boundaries, and
 * TDH.VP.RD of VCPU_STATE_DETAILS shows VMXIP = RVI[7:4] > PPR[7:4], so a host deciding
 * whether a halted vCPU should run again sees the truth. One row per rule.
 */
#include <string.h>

#include "td_fixture.h"
#include "tdxsim/guest.h"
#include "tdxsim/memory.h"

#define RAX_VMCALL	UINT64_C(0x4D)
#define F_POSTED_VEC	UINT64_C(0x0000000000000002)
#define F_PID_ADDR	UINT64_C(0x0000000000002016)
#define F_PIN_BASED	UINT64_C(0x0000000000004000)
#define F_STATE_DETAILS UINT64_C(0x9100000000000100) /* KVM's TD_VCPU_STATE_DETAILS_NON_ARCH */
#define NOTIFY_VECTOR	0xF2u			     /* KVM's POSTED_INTR_VECTOR */

struct irq_world {
	struct tdfx_world w;
	uint64_t pid; /* the posted-interrupt descriptor's page (host memory) */
};

static uint64_t vp_wr(struct irq_world *iw, uint64_t field, uint64_t value, uint64_t mask)
{
	tdxsim_regs_t r = {.rcx = iw->w.vp.tdvpr, .rdx = field, .r8 = value, .r9 = mask};
	return tdfx_call(&iw->w.fx, 0, TDXSIM_TDH_VP_WR, &r);
}

/* A RUNNABLE TD with one vCPU; @posted: KVM's posted-interrupt setup done (tdx_td_vcpu_init). */
static void build(struct irq_world *iw, bool posted)
{
	static const uint8_t zero[4096];
	tdfx_world_build(&iw->w, TDFX_VCPU_READY);
	tdfx_sept_add_path(&iw->w.fx, &iw->w.td, 0x10000, NULL);
	tdfx_page_add(&iw->w.fx, &iw->w.td, 0x10000, zero);
	tdxsim_regs_t r = {.rcx = iw->w.td.tdr};
	assert_status(tdfx_call(&iw->w.fx, 0, TDXSIM_TDH_MR_FINALIZE, &r), TDXSIM_TDX_SUCCESS);
	assert_int_equal(tdxsim_phys_alloc(iw->w.fx.sim, 4096, 4096, 0, &iw->pid), TDXSIM_OK);
	assert_int_equal(tdxsim_mem_write(iw->w.fx.sim, 0, iw->pid, zero, 64), TDXSIM_OK);
	if (!posted)
		return;
	assert_status(vp_wr(iw, F_POSTED_VEC, NOTIFY_VECTOR, 0xFFFF), TDXSIM_TDX_SUCCESS);
	assert_status(vp_wr(iw, F_PID_ADDR, iw->pid, ~UINT64_C(0)), TDXSIM_TDX_SUCCESS);
	assert_status(vp_wr(iw, F_PIN_BASED, 0x80, 0x80), TDXSIM_TDX_SUCCESS);
}

static uint64_t enter(struct irq_world *iw, tdxsim_regs_t *r)
{
	*r = (tdxsim_regs_t){.rcx = iw->w.vp.tdvpr};
	return tdfx_call(&iw->w.fx, 0, TDXSIM_TDH_VP_ENTER, r);
}

static void post(struct irq_world *iw, uint32_t vector)
{
	assert_int_equal(tdxsim_guest_post_interrupt(iw->w.fx.sim, iw->w.vp.tdvpr, vector), TDXSIM_OK);
}

static tdxsim_guest_apic_t apic(struct irq_world *iw)
{
	tdxsim_guest_apic_t a;
	assert_int_equal(tdxsim_guest_apic(iw->w.fx.sim, iw->w.vp.tdvpr, &a), TDXSIM_OK);
	return a;
}

static uint64_t vmxip(struct irq_world *iw)
{
	return tdfx_vp_rd(&iw->w.fx, 0, iw->w.vp.tdvpr, F_STATE_DETAILS);
}

static size_t taken(struct irq_world *iw, tdxsim_guest_interrupt_t *out, size_t max)
{
	size_t n;
	assert_int_equal(tdxsim_guest_interrupts(iw->w.fx.sim, iw->w.vp.tdvpr, out, max, &n), TDXSIM_OK);
	return n;
}

static tdxsim_guest_result_t result(struct irq_world *iw, size_t i)
{
	tdxsim_guest_result_t res;
	assert_int_equal(tdxsim_guest_result(iw->w.fx.sim, iw->w.vp.tdvpr, i, &res, NULL), TDXSIM_OK);
	return res;
}

#define OP(k, v)                                     \
	{                                            \
		.kind = TDXSIM_GOP_##k, .value = (v) \
	}
#define STI	   OP(STI, 0)
#define CLI	   OP(CLI, 0)
#define EOI	   OP(EOI, 0)
#define NOP	   OP(VP_INFO, 0)
#define TPR(v)	   OP(SET_TPR, v)
#define HLT_IRQOFF OP(HLT, 1)

/*
 * One entry: @post vectors posted before it, @ops run until the final HLT (interrupts off, so
 * nothing more is taken while halted). Then: the interrupts taken (vector, op index), the vAPIC
 * (RVI, SVI, PPR) and VCPU_STATE_DETAILS as the host reads it.
 */
static const struct {
	const char *rule;
	uint32_t post[2];
	tdxsim_guest_op_t ops[8];
	tdxsim_guest_interrupt_t taken[2];
	uint8_t rvi, svi, ppr;
	uint64_t details;
} rows[] = {
	{"interrupts_off_after_vp_init__posted_vector_waits_in_rvi",
	 {0x30},
	 {HLT_IRQOFF},
	 {{0}},
	 0x30,
	 0,
	 0,
	 1},
	{"sti_shadow__taken_one_op_later",
	 {0x30},
	 {STI, NOP, NOP, HLT_IRQOFF},
	 {{0x30, 2}},
	 0,
	 0x30,
	 0x30,
	 0},
	{"sti_then_safe_halt__halts_with_the_interrupt_pending",
	 {0x30},
	 {STI, OP(HLT, 0)},
	 {{0}},
	 0x30,
	 0,
	 0,
	 1},
	{"cli_in_the_sti_shadow__interrupt_stays_pending",
	 {0x30},
	 {STI, CLI, NOP, HLT_IRQOFF},
	 {{0}},
	 0x30,
	 0,
	 0,
	 1},
	{"rvi_class_equal_to_tpr_class__not_pending",
	 {0x3F},
	 {TPR(0x30), STI, NOP, NOP, HLT_IRQOFF},
	 {{0}},
	 0x3F,
	 0,
	 0x30,
	 0},
	{"rvi_class_above_tpr_class__pending", {0x40}, {TPR(0x3F), HLT_IRQOFF}, {{0}}, 0x40, 0, 0x3F, 1},
	{"tpr_lowered__taken_after_the_write",
	 {0x30},
	 {TPR(0x30), STI, NOP, TPR(0x20), NOP, HLT_IRQOFF},
	 {{0x30, 4}},
	 0,
	 0x30,
	 0x30,
	 0},
	{"highest_vector_first__lower_class_waits_for_eoi",
	 {0x30, 0x51},
	 {STI, NOP, NOP, EOI, NOP, EOI, HLT_IRQOFF},
	 {{0x51, 2}, {0x30, 4}},
	 0,
	 0,
	 0,
	 0},
	{"same_class_waits_for_eoi",
	 {0x31, 0x32},
	 {STI, NOP, NOP, NOP, HLT_IRQOFF},
	 {{0x32, 2}},
	 0x31,
	 0x32,
	 0x30,
	 0},
	{"in_service_class_above_tpr__ppr_is_the_isr_class",
	 {0x45},
	 {TPR(0x20), STI, NOP, NOP, HLT_IRQOFF},
	 {{0x45, 3}},
	 0,
	 0x45,
	 0x40,
	 0},
	{"eoi_with_nothing_in_service__no_effect", {0}, {EOI, TPR(0x10), HLT_IRQOFF}, {{0}}, 0, 0, 0x10, 0},
};

static void irq_rules(void **state)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct irq_world iw = {0};
		build(&iw, true);
		size_t n = 0;
		while (n < 8 && rows[i].ops[n].kind)
			n++;
		assert_int_equal(tdxsim_guest_load(iw.w.fx.sim, iw.w.vp.tdvpr, rows[i].ops, n), TDXSIM_OK);
		for (unsigned p = 0; p < 2 && rows[i].post[p]; p++)
			post(&iw, rows[i].post[p]);
		tdxsim_regs_t r;
		print_message("%s\n", rows[i].rule);
		assert_status(enter(&iw, &r), RAX_VMCALL);
		assert_int_equal(r.r11, TDXSIM_TDVMCALL_HLT);
		tdxsim_guest_interrupt_t got[4];
		size_t want_n = rows[i].taken[1].vector ? 2 : rows[i].taken[0].vector ? 1 : 0;
		assert_int_equal(taken(&iw, got, 4), want_n);
		for (size_t k = 0; k < want_n; k++) {
			assert_int_equal(got[k].vector, rows[i].taken[k].vector);
			assert_int_equal(got[k].pc, rows[i].taken[k].pc);
		}
		tdxsim_guest_apic_t a = apic(&iw);
		assert_int_equal(a.rvi, rows[i].rvi);
		assert_int_equal(a.svi, rows[i].svi);
		assert_int_equal(a.ppr, rows[i].ppr);
		assert_int_equal(vmxip(&iw), rows[i].details);
		tdfx_assert_invariants(&iw.w.fx);
		tdfx_world_destroy(&iw.w);
	}
	(void)state;
}

/* The EOI and TPR ops report what the guest would see: the vector EOI'd and PPR after. */
static void eoi_and_tpr_results(void **state)
{
	struct irq_world iw = {0};
	build(&iw, true);
	const tdxsim_guest_op_t ops[] = {STI, NOP, NOP, EOI, EOI, TPR(0x70), HLT_IRQOFF};
	assert_int_equal(tdxsim_guest_load(iw.w.fx.sim, iw.w.vp.tdvpr, ops, 7), TDXSIM_OK);
	post(&iw, 0x61);
	tdxsim_regs_t r;
	assert_status(enter(&iw, &r), RAX_VMCALL);
	assert_int_equal(result(&iw, 3).out[0], 0x61);
	assert_int_equal(result(&iw, 3).out[1], 0);
	assert_int_equal(result(&iw, 4).out[0], 0); /* nothing in service any more */
	assert_int_equal(result(&iw, 5).out[0], 0x70);
	tdfx_world_destroy(&iw.w);
	(void)state;
}

/*
 * KVM's halted-vCPU path (td-runtime.md 3.6, 7 "Read pending-IRQ state"): the interrupt reached
 * the vAPIC while the guest had interrupts off; it then halts with "sti; tdcall" (R12 = 0). The
 * descriptor's ON is clear (the CPU consumed it), so only TDH.VP.RD shows VMXIP = 1; the host
 * re-enters and the guest takes the interrupt as the halt returns.
 */
static void halted_vcpu__pending_seen_through_vp_rd__reentered_and_taken(void **state)
{
	struct irq_world iw = {0};
	build(&iw, true);
	const tdxsim_guest_op_t ops[] = {HLT_IRQOFF, STI, OP(HLT, 0), NOP, EOI, HLT_IRQOFF};
	assert_int_equal(tdxsim_guest_load(iw.w.fx.sim, iw.w.vp.tdvpr, ops, 6), TDXSIM_OK);
	tdxsim_regs_t r;
	assert_status(enter(&iw, &r), RAX_VMCALL);
	assert_int_equal(r.r12, 1);
	post(&iw, 0x40);
	uint8_t pid[64];
	assert_int_equal(tdxsim_mem_read(iw.w.fx.sim, 0, iw.pid, pid, 64), TDXSIM_OK);
	assert_int_equal(pid[0x40 / 8], 1u << (0x40 % 8)); /* PIR bit */
	assert_int_equal(pid[32] & 1, 1);		   /* ON */
	assert_int_equal(vmxip(&iw), 0);		   /* not in the vAPIC yet */

	assert_status(enter(&iw, &r), RAX_VMCALL); /* halts again, R12 = 0 */
	assert_int_equal(r.r12, 0);
	assert_int_equal(tdxsim_mem_read(iw.w.fx.sim, 0, iw.pid, pid, 64), TDXSIM_OK);
	uint8_t zero[64] = {0};
	assert_memory_equal(pid, zero, 64); /* PIR moved to the vAPIC, ON cleared */
	assert_int_equal(taken(&iw, NULL, 0), 0);
	assert_int_equal(vmxip(&iw), 1); /* KVM: tdx_protected_apic_has_interrupt() => wake */

	assert_status(enter(&iw, &r), RAX_VMCALL);
	assert_int_equal(r.r12, 1);
	tdxsim_guest_interrupt_t got;
	assert_int_equal(taken(&iw, &got, 1), 1);
	assert_int_equal(got.vector, 0x40);
	assert_int_equal(got.pc, 3); /* as the halt returned, before the op after it */
	assert_int_equal(result(&iw, 4).out[0], 0x40);
	assert_int_equal(vmxip(&iw), 0);
	tdfx_assert_invariants(&iw.w.fx);
	tdfx_world_destroy(&iw.w);
	(void)state;
}

/* A higher-class interrupt arriving while one is in service preempts it; one of the same
 * class waits for that one's EOI (PPR rule). */
static void higher_class_preempts_the_one_in_service(void **state)
{
	struct irq_world iw = {0};
	build(&iw, true);
	const tdxsim_guest_op_t ops[] = {STI, NOP, NOP, OP(HLT, 0), NOP, EOI, NOP, EOI, HLT_IRQOFF};
	assert_int_equal(tdxsim_guest_load(iw.w.fx.sim, iw.w.vp.tdvpr, ops, 9), TDXSIM_OK);
	post(&iw, 0x35);
	tdxsim_regs_t r;
	assert_status(enter(&iw, &r), RAX_VMCALL);
	post(&iw, 0x36); /* same class as the one in service: must wait */
	post(&iw, 0x81);
	assert_status(enter(&iw, &r), RAX_VMCALL);
	tdxsim_guest_interrupt_t got[3];
	assert_int_equal(taken(&iw, got, 3), 3);
	assert_int_equal(got[0].vector, 0x35);
	assert_int_equal(got[0].pc, 2);
	assert_int_equal(got[1].vector, 0x81);
	assert_int_equal(got[1].pc, 4);
	/* 0x36 waits for the EOI of 0x35 (same class), not only of 0x81 */
	assert_int_equal(got[2].vector, 0x36);
	assert_int_equal(got[2].pc, 8);
	assert_int_equal(result(&iw, 5).out[0], 0x81);
	assert_int_equal(result(&iw, 7).out[0], 0x35);
	tdxsim_guest_apic_t a = apic(&iw);
	assert_int_equal(a.svi, 0x36);
	assert_int_equal(a.ppr, 0x30);
	tdfx_world_destroy(&iw.w);
	(void)state;
}

/* Posted-interrupt processing needs pin-based bit 7; a descriptor the host wrote itself is
 * processed like one tdxsim_guest_post_interrupt() wrote. */
static void descriptor_processed_only_with_posted_interrupts_on(void **state)
{
	for (int on = 0; on < 2; on++) {
		struct irq_world iw = {0};
		build(&iw, on);
		if (!on) /* the descriptor address alone, as if the host wrote it but not bit 7 */
			assert_status(vp_wr(&iw, F_PID_ADDR, iw.pid, ~UINT64_C(0)), TDXSIM_TDX_SUCCESS);
		uint8_t pid[64] = {0};
		pid[0x50 / 8] = 1u << (0x50 % 8);
		pid[32] = 1;
		assert_int_equal(tdxsim_mem_write(iw.w.fx.sim, 0, iw.pid, pid, 64), TDXSIM_OK);
		const tdxsim_guest_op_t ops[] = {HLT_IRQOFF};
		assert_int_equal(tdxsim_guest_load(iw.w.fx.sim, iw.w.vp.tdvpr, ops, 1), TDXSIM_OK);
		tdxsim_regs_t r;
		assert_status(enter(&iw, &r), RAX_VMCALL);
		assert_int_equal(apic(&iw).rvi, on ? 0x50 : 0);
		assert_int_equal(vmxip(&iw), on ? 1 : 0);
		uint8_t after[64];
		assert_int_equal(tdxsim_mem_read(iw.w.fx.sim, 0, iw.pid, after, 64), TDXSIM_OK);
		assert_int_equal(after[32] & 1, on ? 0 : 1);
		tdfx_world_destroy(&iw.w);
	}
	(void)state;
}

/* The idle vCPU (past its program) halts with interrupts on: it takes what is pending. */
static void idle_halt__takes_pending_interrupts(void **state)
{
	struct irq_world iw = {0};
	build(&iw, true);
	const tdxsim_guest_op_t ops[] = {NOP};
	assert_int_equal(tdxsim_guest_load(iw.w.fx.sim, iw.w.vp.tdvpr, ops, 1), TDXSIM_OK);
	post(&iw, 0x22);
	tdxsim_regs_t r;
	assert_status(enter(&iw, &r), RAX_VMCALL);
	assert_int_equal(r.r12, 0);
	tdxsim_guest_interrupt_t got;
	assert_int_equal(taken(&iw, &got, 1), 1);
	assert_int_equal(got.vector, 0x22);
	assert_int_equal(got.pc, 1);
	assert_int_equal(vmxip(&iw), 0);
	tdfx_world_destroy(&iw.w);
	(void)state;
}

static void post_interrupt_refusals(void **state)
{
	struct irq_world iw = {0};
	build(&iw, false);
	tdxsim_t *sim = iw.w.fx.sim;
	uint64_t t = iw.w.vp.tdvpr;
	assert_int_equal(tdxsim_guest_post_interrupt(sim, t, 0x30), TDXSIM_ERR_STATE); /* bit 7 off */
	assert_status(vp_wr(&iw, F_POSTED_VEC, NOTIFY_VECTOR, 0xFFFF), TDXSIM_TDX_SUCCESS);
	assert_status(vp_wr(&iw, F_PID_ADDR, iw.pid, ~UINT64_C(0)), TDXSIM_TDX_SUCCESS);
	assert_status(vp_wr(&iw, F_PIN_BASED, 0x80, 0x80), TDXSIM_TDX_SUCCESS);
	assert_int_equal(tdxsim_guest_post_interrupt(sim, t, 15), TDXSIM_ERR_INVALID_ARG);
	assert_int_equal(tdxsim_guest_post_interrupt(sim, t, 256), TDXSIM_ERR_INVALID_ARG);
	assert_int_equal(tdxsim_guest_post_interrupt(sim, iw.w.td.tdr, 0x30), TDXSIM_ERR_INVALID_ARG);
	assert_int_equal(tdxsim_guest_post_interrupt(sim, t, 16), TDXSIM_OK);
	assert_int_equal(tdxsim_guest_post_interrupt(sim, t, 255), TDXSIM_OK);
	uint8_t pid[64];
	assert_int_equal(tdxsim_mem_read(sim, 0, iw.pid, pid, 64), TDXSIM_OK);
	assert_int_equal(pid[2], 1);
	assert_int_equal(pid[31], 0x80);
	assert_int_equal(pid[32], 1);
	/* TPR values above 0xFF are refused at load (WRMSR to the TPR with bits 63:8 set #GPs). */
	const tdxsim_guest_op_t bad[] = {TPR(0x100)};
	assert_int_equal(tdxsim_guest_load(sim, t, bad, 1), TDXSIM_ERR_INVALID_ARG);
	tdfx_world_destroy(&iw.w);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(irq_rules),
		cmocka_unit_test(eoi_and_tpr_results),
		cmocka_unit_test(halted_vcpu__pending_seen_through_vp_rd__reentered_and_taken),
		cmocka_unit_test(higher_class_preempts_the_one_in_service),
		cmocka_unit_test(descriptor_processed_only_with_posted_interrupts_on),
		cmocka_unit_test(idle_halt__takes_pending_interrupts),
		cmocka_unit_test(post_interrupt_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
