/* SPDX-License-Identifier: MIT */
/*
 * The TDCALLs the module serves without a TD exit (td-runtime.md 4): TDG.MR.RTMR.EXTEND,
 * TDG.MR.REPORT, TDG.VP.INFO, TDG.MEM.PAGE.ACCEPT, and a TDCALL by number. Each reports its
 * status in the op's result (the guest's RAX) unless a GPA it needs is not mapped: then it
 * exits like a guest access and runs again after the next VP.ENTER.
 */
#include <string.h>

#include "guest/run.h"
#include "mce/mce.h"
#include "sept/sept.h"

#define TDG_VP_INFO	1u
#define TDG_RTMR_EXTEND 2u
#define TDG_MR_REPORT	4u
#define TDG_ACCEPT	6u
#define TDG_MAX_LEAF	27u

/* TDG.MR.RTMR.EXTEND (td-runtime.md 4.3). The RTMR lock is not contended in tdxsim: guest
 * TDCALLs run inside VP.ENTER, which no other SEAMCALL interleaves with. */
enum tdxsim_step tdxsim_guest_rtmr_extend(struct tdxsim_guest_run *r, uint64_t gpa, uint64_t idx)
{
	uint8_t data[48];
	enum tdxsim_xlate x;
	r->env->cycles += r->env->cost_tdcall;
	if (gpa & 63) {
		tdxsim_guest_done(r, TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RCX);
		return TDXSIM_STEP_DONE;
	}
	enum tdxsim_step s = tdxsim_guest_access(r, gpa, false, data, sizeof(data), true, &x);
	if (s != TDXSIM_STEP_DONE)
		return s;
	if (x == TDXSIM_XL_VE) {
		r->g->results[r->g->pc].state = TDXSIM_GUEST_VE;
		return TDXSIM_STEP_DONE;
	}
	if (x == TDXSIM_XL_INVALID) {
		tdxsim_guest_done(r, TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RCX);
		return TDXSIM_STEP_DONE;
	}
	if (idx >= 4) {
		tdxsim_guest_done(r, TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RDX);
		return TDXSIM_STEP_DONE;
	}
	if (tdxsim_rtmr_extend(r->env->td, (unsigned)idx, data))
		return TDXSIM_STEP_NOMEM;
	r->env->cycles += 96 * r->env->cost_sha384_byte;
	tdxsim_guest_done(r, TDXSIM_TDX_SUCCESS);
	return TDXSIM_STEP_DONE;
}

/* TDG.MR.REPORT (td-runtime.md 4.4), checks in the module's order. */
enum tdxsim_step tdxsim_guest_report(struct tdxsim_guest_run *r, uint64_t report_gpa, uint64_t data_gpa,
				     uint64_t subtype)
{
	uint8_t reportdata[64], report[TDXSIM_TDREPORT_SIZE];
	enum tdxsim_xlate x;
	r->env->cycles += r->env->cost_tdcall;
	if (report_gpa & 1023) {
		tdxsim_guest_done(r, TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RCX);
		return TDXSIM_STEP_DONE;
	}
	if (data_gpa & 63) {
		tdxsim_guest_done(r, TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RDX);
		return TDXSIM_STEP_DONE;
	}
	enum tdxsim_step s =
		tdxsim_guest_access(r, data_gpa, false, reportdata, sizeof(reportdata), false, &x);
	if (s != TDXSIM_STEP_DONE)
		return s;
	if (x != TDXSIM_XL_OK) {
		if (x == TDXSIM_XL_VE)
			r->g->results[r->g->pc].state = TDXSIM_GUEST_VE;
		else
			tdxsim_guest_done(r, TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RDX);
		return TDXSIM_STEP_DONE;
	}
	if (subtype) {
		tdxsim_guest_done(r, TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_R8);
		return TDXSIM_STEP_DONE;
	}
	struct tdxsim_report_cpu cpu;
	r->env->report_cpu(r->env->report_ctx, &cpu);
	if (tdxsim_report_build(r->env->td, &cpu, reportdata, report))
		return tdxsim_guest_fatal_exit(r, TDXSIM_TDX_NON_RECOVERABLE_TD_CORRUPTED_MD, 0);
	r->env->cycles += 512 * r->env->cost_sha384_byte + r->env->cost_report_mac;
	/* The 1024 bytes span one 4K page (1024-aligned): one translation covers them. */
	s = tdxsim_guest_access(r, report_gpa, true, report, sizeof(report), false, &x);
	if (s != TDXSIM_STEP_DONE)
		return s;
	if (x != TDXSIM_XL_OK) {
		if (x == TDXSIM_XL_VE)
			r->g->results[r->g->pc].state = TDXSIM_GUEST_VE;
		else
			tdxsim_guest_done(r, TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RCX);
		return TDXSIM_STEP_DONE;
	}
	tdxsim_guest_done(r, TDXSIM_TDX_SUCCESS);
	return TDXSIM_STEP_DONE;
}

/* A guest-accessible leaf: MAPPED or an exported (migration) state that is not pending. */
static bool guest_accessible(unsigned st)
{
	return st == TDXSIM_SEPT_MAPPED || st == TDXSIM_SEPT_BLOCKEDW ||
	       st == TDXSIM_SEPT_EXPORTED_BLOCKEDW || st == TDXSIM_SEPT_EXPORTED_DIRTY ||
	       st == TDXSIM_SEPT_EXPORTED_DIRTY_BLOCKEDW;
}

/* ACCEPT's TD exit (td-runtime.md 4.1): reason 48 with RCX = write | entry RWX << 3, RDX = EEQ
 * type 1 with info (requested level, the failing entry's level, arch state, leaf flag) in
 * bits 63:32, R8 = the requested GPA. */
static enum tdxsim_step accept_exit(struct tdxsim_guest_run *r, uint64_t gpa, unsigned level, uint64_t e,
				    unsigned reached)
{
	unsigned st = tdxsim_septe_state(e);
	uint64_t info = level | (uint64_t)reached << 3 | (uint64_t)(tdxsim_sept_arch_state(st) & 0xFF) << 6 |
			(uint64_t)tdxsim_septe_is_leaf(e) << 14;
	return tdxsim_guest_ept_exit(r, gpa, true, e & TDXSIM_SEPTE_RWX, TDXSIM_EEQ_ACCEPT | info << 32);
}

/*
 * A guest TDCALL refused by a host-priority flag (td-runtime.md 5.5, [M155]
 * tdx_td_dispatcher.c): the guest sees TDX_OPERAND_BUSY with the same operand; the first such
 * refusal starts the vCPU's clock, and one at least HP_LOCK_TIMEOUT TSC ticks later makes a
 * trap-like TD exit TDX_HOST_PRIORITY_BUSY_TIMEOUT (the TDCALL completed: the guest's RAX holds
 * the busy status and it moves on after the next VP.ENTER).
 */
static enum tdxsim_step host_priority_refusal(struct tdxsim_guest_run *r, uint64_t operand)
{
	struct tdxsim_vcpu *v = r->env->v;
	uint64_t now = r->env->tsc + r->env->cycles;
	bool busy = v->hp_lock_busy;
	tdxsim_guest_done(r, TDXSIM_TDX_OPERAND_BUSY | operand); /* clears the tracking */
	v->hp_lock_busy = 1;
	if (!busy) {
		v->hp_lock_busy_start = now;
		return TDXSIM_STEP_DONE;
	}
	if (now - v->hp_lock_busy_start < r->env->td->tdcs.hp_lock_timeout)
		return TDXSIM_STEP_DONE;
	v->hp_lock_busy = 0;
	memset(r->out, 0, sizeof(*r->out));
	r->status = TDXSIM_TDX_HOST_PRIORITY_BUSY_TIMEOUT;
	return TDXSIM_STEP_EXIT;
}

/*
 * TDG.MEM.PAGE.ACCEPT (td-runtime.md 4.1) at 4K or 2M. The walk takes no tree lock; the entry
 * lock is taken on the guest side once the walk reached the requested level ([M155]
 * tdg_mem_page_accept.c): held by another LP (tdxsim_contend() on TDXSIM_RES_SEPT_ENTRY, key2 =
 * GPA | level) => OPERAND_BUSY|RCX; free but flagged by a host that failed on it (5.5) =>
 * OPERAND_BUSY_HOST_PRIORITY, which the guest sees as OPERAND_BUSY|RCX. A 2M accept zeroes its
 * 512 chunks in one go: no physical interrupt is ever pending during a guest run, so the
 * interrupted-and-resumed path (the counter in HPA bits 20:12) does not occur.
 */
enum tdxsim_step tdxsim_guest_accept(struct tdxsim_guest_run *r, uint64_t info)
{
	struct tdxsim_td *td = r->env->td;
	unsigned level = (unsigned)(info & 7);
	uint64_t gpa = info & UINT64_C(0x000FFFFFFFFFF000);
	uint64_t size = UINT64_C(4096) << (9 * level);
	unsigned gpaw = td->tdcs.gpaw ? 52 : 48;

	r->env->cycles += r->env->cost_tdcall;
	if ((info & UINT64_C(0xFFF0000000000FF8)) || level > 1 || (gpa & (size - 1)) ||
	    (gpa & tdxsim_guest_shared_bit(td)) || (gpa >> gpaw) || !td->sept) {
		tdxsim_guest_done(r, TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RCX);
		return TDXSIM_STEP_DONE;
	}
	unsigned reached;
	struct tdxsim_sept_table *t = NULL;
	uint64_t *e = tdxsim_sept_walk(td->sept, gpa, level, &reached, &t);
	unsigned st = tdxsim_septe_state(*e);
	if (reached != level) {
		if (tdxsim_septe_is_leaf(*e) && guest_accessible(st)) {
			tdxsim_guest_done(r, TDXSIM_TDX_PAGE_ALREADY_ACCEPTED | reached);
			return TDXSIM_STEP_DONE;
		}
		return accept_exit(r, gpa, level, *e, reached);
	}
	/* The entry lock, guest side; released before the op ends (nothing else runs meanwhile). */
	struct tdxsim_held held = {0};
	unsigned idx = (unsigned)(e - t->e);
	if (!tdxsim_lock_acquire(r->env->locks, &held, TDXSIM_RES_SEPT_ENTRY, td->tdr_pa, gpa | level,
				 &t->lock[idx], TDXSIM_LOCK_EXCLUSIVE)) {
		tdxsim_guest_done(r, TDXSIM_TDX_OPERAND_BUSY | TDXSIM_OPERAND_RCX);
		return TDXSIM_STEP_DONE;
	}
	tdxsim_lock_release_all(&held);
	if (t->hp[idx])
		return host_priority_refusal(r, TDXSIM_OPERAND_RCX);
	if (!tdxsim_septe_is_leaf(*e) && st != TDXSIM_SEPT_FREE && st != TDXSIM_SEPT_REMOVED) {
		tdxsim_guest_done(r, TDXSIM_TDX_PAGE_SIZE_MISMATCH | level);
		return TDXSIM_STEP_DONE;
	}
	if (tdxsim_septe_is_leaf(*e) && guest_accessible(st)) {
		tdxsim_guest_done(r, TDXSIM_TDX_PAGE_ALREADY_ACCEPTED | level);
		return TDXSIM_STEP_DONE;
	}
	if (st != TDXSIM_SEPT_PENDING && st != TDXSIM_SEPT_PENDING_EXPORTED_DIRTY)
		return accept_exit(r, gpa, level, *e, level);
	/* The module zeroes the page with 64-byte stores through the TD's KeyID: every line
	 * becomes the TD's and reads as zeros. */
	uint64_t hpa = *e & TDXSIM_SEPTE_HPA_MASK & ~(size - 1);
	if (tdxsim_mce_mark_private(r->env->integrity, hpa, size, td->hkid) != TDXSIM_OK)
		return TDXSIM_STEP_NOMEM;
	r->env->cycles += (size >> 12) * r->env->cost_zero_4k;
	/* PENDING -> MAPPED (PENDING_EXPORTED_DIRTY -> EXPORTED_DIRTY): TDP off, RWX on; the
	 * accept counter (HPA bits 20:12 of a 2M leaf) back to 0. */
	*e = ((*e & ~TDXSIM_SEPTE_TDP & ~TDXSIM_SEPTE_HPA_MASK) | hpa) | TDXSIM_SEPTE_RWX;
	tdxsim_guest_done(r, TDXSIM_TDX_SUCCESS);
	return TDXSIM_STEP_DONE;
}

/* TDG.VP.INFO (td-runtime.md 4.5): never fails. */
enum tdxsim_step tdxsim_guest_vp_info(struct tdxsim_guest_run *r)
{
	const struct tdxsim_td *td = r->env->td;
	tdxsim_guest_result_t *res = &r->g->results[r->g->pc];
	r->env->cycles += r->env->cost_tdcall;
	tdxsim_guest_done(r, TDXSIM_TDX_SUCCESS);
	res->out[0] = td->tdcs.gpaw ? 52 : 48;
	res->out[1] = td->tdcs.attributes;
	res->out[2] = td->tdcs.num_vcpus | (uint64_t)td->tdcs.max_vcpus << 32;
	res->out[3] = r->env->v->vcpu_index;
	res->out[4] = 1; /* TDG.SYS.RD available */
	res->out[5] = 0;
	return TDXSIM_STEP_DONE;
}

/* A TDCALL by number: RAX bits 15:0 the leaf, 23:16 a version (TDG.VM.RD only), the rest 0. */
enum tdxsim_step tdxsim_guest_tdcall(struct tdxsim_guest_run *r, const tdxsim_guest_op_t *op)
{
	uint64_t leaf = op->value & 0xFFFF, version = (op->value >> 16) & 0xFF;
	if ((op->value >> 24) || (version && leaf != 7) || leaf > TDG_MAX_LEAF) {
		tdxsim_guest_done(r, TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RAX);
		return TDXSIM_STEP_DONE;
	}
	switch (leaf) {
	case 0:
		return tdxsim_guest_vmcall_exit(r, op->gpa, op->args);
	case TDG_VP_INFO:
		return tdxsim_guest_vp_info(r);
	case TDG_RTMR_EXTEND:
		return tdxsim_guest_rtmr_extend(r, op->gpa, op->args[0]);
	case TDG_MR_REPORT:
		return tdxsim_guest_report(r, op->gpa, op->args[0], op->args[1]);
	case TDG_ACCEPT:
		return tdxsim_guest_accept(r, op->gpa);
	default:
		/* Numbers between the defined leaves are unknown to the module too. */
		if ((leaf >= 13 && leaf <= 17) || leaf == 19 || leaf == 21)
			tdxsim_guest_done(r, TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RAX);
		else
			tdxsim_guest_done(r, TDXSIM_STATUS_NOT_EMULATED);
		return TDXSIM_STEP_DONE;
	}
}
