/* SPDX-License-Identifier: MIT */
/*
 * The guest interpreter TDH.VP.ENTER runs (guest.h): ops from the pc until the next TD exit,
 * reported as td-runtime.md 3.3 (asynchronous exits) and 3.4 (TDVMCALL) say.
 */
#include <string.h>

#include "tdxsim/abi.h"

#include "guest/apic.h"
#include "guest/run.h"
#include "mce/mce.h"
#include "mem/mem.h"
#include "sept/sept.h"
#include "td/td_params.h"

#define EXIT_TRIPLE_FAULT 2u
#define EXIT_CR_ACCESS	  28u
#define LINUX_VMCALL_MASK UINT64_C(0xFFCC)

enum tdxsim_step tdxsim_guest_ept_exit(struct tdxsim_guest_run *r, uint64_t gpa, bool write,
				       uint64_t entry_rwx, uint64_t eeq)
{
	memset(r->out, 0, sizeof(*r->out));
	r->out->rcx = (write ? 2u : 1u) | (entry_rwx & 7) << 3;
	r->out->rdx = eeq;
	r->out->r8 = gpa & ~UINT64_C(0xFFF);
	r->status = TDXSIM_TDX_SUCCESS | TDXSIM_EXIT_EPT_VIOLATION;
	return TDXSIM_STEP_EXIT;
}

struct where {
	uint64_t hpa;
	uint32_t keyid;
};

/*
 * Translates [gpa, gpa + len) (within one 4K page) for the guest: the secure EPT for a private
 * GPA (td-runtime.md 3.3 "Private-GPA EPT violation details"), the host's shared map for a
 * shared one. @private_only: TDCALL operands that must be private (RTMR.EXTEND) are invalid
 * when shared.
 */
static enum tdxsim_xlate translate(struct tdxsim_guest_run *r, uint64_t gpa, bool write, bool private_only,
				   struct where *w)
{
	const struct tdxsim_td *td = r->env->td;
	unsigned gpaw = td->tdcs.gpaw ? 52 : 48;

	if (gpa >> gpaw)
		return TDXSIM_XL_INVALID;
	if (gpa & tdxsim_guest_shared_bit(td)) {
		if (private_only)
			return TDXSIM_XL_INVALID;
		uint64_t gfn = (gpa & ~tdxsim_guest_shared_bit(td)) >> 12;
		void *m = tdxsim_u64map_get(&td->shared_map, gfn);
		if (!m) {
			tdxsim_guest_ept_exit(r, gpa, write, 0, 0);
			return TDXSIM_XL_EXIT;
		}
		w->hpa = (((uint64_t)(uintptr_t)m) & ~UINT64_C(0xFFF)) | (gpa & 0xFFF);
		w->keyid = 0;
		return TDXSIM_XL_OK;
	}
	unsigned level;
	if (!td->sept)
		return tdxsim_guest_ept_exit(r, gpa, write, 0, 0), TDXSIM_XL_EXIT;
	uint64_t e = *tdxsim_sept_walk(td->sept, gpa, 0, &level, NULL);
	unsigned st = tdxsim_septe_state(e);
	bool leaf = level == 0 || tdxsim_septe_is_leaf(e);
	bool readable = leaf && (st == TDXSIM_SEPT_MAPPED || st == TDXSIM_SEPT_BLOCKEDW ||
				 st == TDXSIM_SEPT_EXPORTED_BLOCKEDW || st == TDXSIM_SEPT_EXPORTED_DIRTY ||
				 st == TDXSIM_SEPT_EXPORTED_DIRTY_BLOCKEDW);
	bool writable = leaf && (st == TDXSIM_SEPT_MAPPED || st == TDXSIM_SEPT_EXPORTED_DIRTY);
	if (write ? writable : readable) {
		uint64_t size = UINT64_C(4096) << (9 * level);
		w->hpa = (e & TDXSIM_SEPTE_HPA_MASK & ~(size - 1)) | (gpa & (size - 1));
		w->keyid = td->hkid;
		return TDXSIM_XL_OK;
	}
	if (leaf && (st == TDXSIM_SEPT_PENDING || st == TDXSIM_SEPT_PENDING_EXPORTED_DIRTY)) {
		/* SEPT_VE_DISABLE: the module exits (EEQ type 6); otherwise the guest gets #VE. */
		if (!(td->tdcs.attributes & TDXSIM_ATTR_SEPT_VE_DISABLE))
			return TDXSIM_XL_VE;
		tdxsim_guest_ept_exit(r, gpa, write, e & TDXSIM_SEPTE_RWX, TDXSIM_EEQ_PENDING_EPT);
		return TDXSIM_XL_EXIT;
	}
	tdxsim_guest_ept_exit(r, gpa, write, e & TDXSIM_SEPTE_RWX, 0);
	return TDXSIM_XL_EXIT;
}

/* Fatal exits (td-runtime.md 3.3): the status class with the exit reason in bits 31:0. */
enum tdxsim_step tdxsim_guest_fatal_exit(struct tdxsim_guest_run *r, uint64_t status, uint32_t reason)
{
	memset(r->out, 0, sizeof(*r->out));
	r->status = status | reason;
	if (status == TDXSIM_TDX_NON_RECOVERABLE_VCPU)
		r->env->v->state = TDXSIM_VCPU_DISABLED;
	else
		r->env->td->fatal = true;
	return TDXSIM_STEP_EXIT;
}

/* A guest load or store through the translation; a consumed poisoned line is a machine check
 * the guest cannot survive: the module reports the TD as not accessible [I]. */
enum tdxsim_step tdxsim_guest_access(struct tdxsim_guest_run *r, uint64_t gpa, bool write, void *buf,
				     size_t len, bool private_only, enum tdxsim_xlate *x)
{
	struct where w;
	*x = translate(r, gpa, write, private_only, &w);
	if (*x != TDXSIM_XL_OK)
		return *x == TDXSIM_XL_EXIT ? TDXSIM_STEP_EXIT : TDXSIM_STEP_DONE;
	if (!tdxsim_mem_ptr(r->env->mem, w.hpa, len)) /* a shared mapping the host took away */
		return tdxsim_guest_ept_exit(r, gpa, write, 0, 0);
	uint64_t mce_pa;
	tdxsim_err_t err = write ? tdxsim_mce_write(r->env->integrity, w.hpa, w.keyid, buf, len)
				 : tdxsim_mce_read(r->env->integrity, w.hpa, w.keyid, buf, len, &mce_pa);
	if (err == TDXSIM_ERR_NO_MEMORY)
		return TDXSIM_STEP_NOMEM;
	if (err != TDXSIM_OK)
		return tdxsim_guest_fatal_exit(r, TDXSIM_TDX_NON_RECOVERABLE_TD_NON_ACCESSIBLE, 0);
	return TDXSIM_STEP_DONE;
}

/* Ops that are TDCALLs (the others are plain instructions). */
static bool is_tdcall(tdxsim_guest_op_kind_t k)
{
	return k == TDXSIM_GOP_VMCALL || k == TDXSIM_GOP_MAP_GPA || k == TDXSIM_GOP_HLT ||
	       k == TDXSIM_GOP_RTMR_EXTEND || k == TDXSIM_GOP_REPORT || k == TDXSIM_GOP_VP_INFO ||
	       k == TDXSIM_GOP_TDCALL || k == TDXSIM_GOP_ACCEPT;
}

void tdxsim_guest_done(struct tdxsim_guest_run *r, uint64_t status)
{
	tdxsim_guest_result_t *res = &r->g->results[r->g->pc];
	if (is_tdcall(r->g->ops[r->g->pc].kind))
		r->env->v->hp_lock_busy = 0;
	res->state = TDXSIM_GUEST_DONE;
	res->status = status;
}

static enum tdxsim_step op_memory(struct tdxsim_guest_run *r, const tdxsim_guest_op_t *op)
{
	tdxsim_guest_result_t *res = &r->g->results[r->g->pc];
	uint64_t v = op->value;
	enum tdxsim_xlate x;
	r->env->cycles += r->env->cost_op;
	enum tdxsim_step s =
		tdxsim_guest_access(r, op->gpa, op->kind == TDXSIM_GOP_WRITE, &v, op->size, false, &x);
	/* A private-GPA EPT violation of the guest's own access feeds the zero-step filter. */
	if (s == TDXSIM_STEP_EXIT && r->status == (TDXSIM_TDX_SUCCESS | TDXSIM_EXIT_EPT_VIOLATION) &&
	    !(op->gpa & tdxsim_guest_shared_bit(r->env->td))) {
		r->epf = true;
		r->epf_gpa = op->gpa;
	}
	if (s != TDXSIM_STEP_DONE)
		return s;
	if (x != TDXSIM_XL_OK) { /* #VE, or #PF for a GPA above GPAW: the guest's handler skips the op */
		res->state = TDXSIM_GUEST_VE;
		return TDXSIM_STEP_DONE;
	}
	tdxsim_guest_done(r, 0);
	if (op->kind == TDXSIM_GOP_READ)
		res->out[0] = v;
	return TDXSIM_STEP_DONE;
}

/* TDG.VP.VMCALL (td-runtime.md 3.4): the guest-side check of the GPR select, then the exit. */
enum tdxsim_step tdxsim_guest_vmcall_exit(struct tdxsim_guest_run *r, uint64_t mask, const uint64_t args[6])
{
	uint64_t bad = (UINT64_C(1) << 0) | (UINT64_C(1) << 1) | (UINT64_C(1) << 4);
	if (r->env->td->tdcs.config_flags & TDXSIM_CONFIG_NO_RBP_MOD)
		bad |= UINT64_C(1) << 5;
	if ((mask & bad) || (mask >> 32)) {
		tdxsim_guest_done(r, TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RCX);
		return TDXSIM_STEP_DONE;
	}
	memset(r->out, 0, sizeof(*r->out));
	r->out->rcx = mask;
	uint64_t *gpr[6] = {&r->out->r10, &r->out->r11, &r->out->r12,
			    &r->out->r13, &r->out->r14, &r->out->r15};
	for (unsigned i = 0; i < 6; i++)
		if (mask & (UINT64_C(1) << (10 + i)))
			*gpr[i] = args[i];
	r->g->vmcall_pending = true;
	r->g->vmcall_mask = mask;
	r->status = TDXSIM_TDX_SUCCESS | TDXSIM_EXIT_TDCALL;
	return TDXSIM_STEP_EXIT;
}

static enum tdxsim_step op_vmcall(struct tdxsim_guest_run *r, const tdxsim_guest_op_t *op)
{
	uint64_t args[6];
	uint64_t mask = LINUX_VMCALL_MASK;
	switch (op->kind) {
	case TDXSIM_GOP_MAP_GPA: {
		uint64_t start = r->g->mapgpa_start ? r->g->mapgpa_start : op->gpa;
		r->g->mapgpa_start = start;
		uint64_t a[6] = {0, TDXSIM_TDVMCALL_MAPGPA, start, op->gpa + op->size - start, 0, 0};
		memcpy(args, a, sizeof(args));
		break;
	}
	case TDXSIM_GOP_HLT: {
		uint64_t a[6] = {0, TDXSIM_TDVMCALL_HLT, op->value, 0, 0, 0};
		memcpy(args, a, sizeof(args));
		break;
	}
	default:
		memcpy(args, op->args, sizeof(args));
		if (op->value)
			mask = op->value;
	}
	return tdxsim_guest_vmcall_exit(r, mask, args);
}

/*
 * The host answers the pending TDVMCALL (td-runtime.md 3.4 "Host resumes"): its selected
 * R10-R15 become the guest's; the TDCALL returns 0. MapGPA's RETRY (R10 = 1, R11 = where to go
 * on) re-issues the call as the Linux guest does, at most 3 times without progress [LG].
 * Returns true when the op must exit again.
 */
static bool vmcall_resume(struct tdxsim_guest_run *r, const tdxsim_regs_t *in)
{
	struct tdxsim_guest *g = r->g;
	const tdxsim_guest_op_t *op = &g->ops[g->pc];
	tdxsim_guest_result_t *res = &g->results[g->pc];
	const uint64_t host[6] = {in->r10, in->r11, in->r12, in->r13, in->r14, in->r15};

	g->vmcall_pending = false;
	for (unsigned i = 0; i < 6; i++)
		res->out[i] = (g->vmcall_mask & (UINT64_C(1) << (10 + i))) ? host[i] : 0;
	if (op->kind == TDXSIM_GOP_MAP_GPA && res->out[0] == 1 && res->out[1] >= g->mapgpa_start &&
	    res->out[1] < op->gpa + op->size) {
		g->mapgpa_stalls = res->out[1] == g->mapgpa_start ? g->mapgpa_stalls + 1 : 0;
		if (g->mapgpa_stalls <= 3) {
			g->mapgpa_start = res->out[1];
			return true;
		}
	}
	g->mapgpa_start = 0;
	g->mapgpa_stalls = 0;
	r->env->v->hp_lock_busy = 0;
	/* HLT returns with interrupts on when R12 said so (Linux's "sti; tdcall"), else off. */
	if (op->kind == TDXSIM_GOP_HLT)
		r->env->v->guest_if = op->value == 0;
	res->state = TDXSIM_GUEST_DONE;
	res->status = 0;
	return false;
}

/* The interrupt ops (apic.h): TPR and EOI virtualization, STI and CLI. */
static enum tdxsim_step op_apic(struct tdxsim_guest_run *r, const tdxsim_guest_op_t *op)
{
	struct tdxsim_vcpu *v = r->env->v;
	tdxsim_guest_result_t *res = &r->g->results[r->g->pc];
	r->env->cycles += r->env->cost_op;
	tdxsim_guest_done(r, 0);
	switch (op->kind) {
	case TDXSIM_GOP_SET_TPR:
		v->vapic_tpr = (uint8_t)op->value;
		res->out[0] = tdxsim_vapic_ppr(v);
		break;
	case TDXSIM_GOP_EOI:
		res->out[0] = tdxsim_vapic_eoi(v);
		res->out[1] = tdxsim_vapic_ppr(v);
		break;
	case TDXSIM_GOP_STI:
		/* STI blocks interrupts until after the next instruction only when IF was 0. */
		r->g->sti_shadow = !v->guest_if;
		v->guest_if = 1;
		break;
	default:
		v->guest_if = 0;
		break;
	}
	return TDXSIM_STEP_DONE;
}

/*
 * An instruction boundary: the guest takes every deliverable virtual interrupt (apic.h), each
 * one logged with the op it preempts, unless an STI shadow blocks this boundary.
 */
static void take_interrupts(struct tdxsim_guest_run *r)
{
	struct tdxsim_guest *g = r->g;
	if (g && g->sti_shadow) {
		g->sti_shadow = false;
		return;
	}
	unsigned vector;
	while ((vector = tdxsim_vapic_deliver(r->env->v))) {
		r->env->cycles += r->env->cost_op;
		if (!g)
			continue;
		if (g->n_interrupts < TDXSIM_GUEST_MAX_INTERRUPT_LOG)
			g->interrupts[g->n_interrupts] =
				(tdxsim_guest_interrupt_t){.vector = vector, .pc = (uint32_t)g->pc};
		g->n_interrupts++;
	}
}

static enum tdxsim_step step_op(struct tdxsim_guest_run *r, const tdxsim_guest_op_t *op)
{
	switch (op->kind) {
	case TDXSIM_GOP_SET_TPR:
	case TDXSIM_GOP_EOI:
	case TDXSIM_GOP_STI:
	case TDXSIM_GOP_CLI:
		return op_apic(r, op);
	case TDXSIM_GOP_READ:
	case TDXSIM_GOP_WRITE:
		return op_memory(r, op);
	case TDXSIM_GOP_VMCALL:
	case TDXSIM_GOP_MAP_GPA:
	case TDXSIM_GOP_HLT:
		return op_vmcall(r, op);
	case TDXSIM_GOP_RTMR_EXTEND:
		return tdxsim_guest_rtmr_extend(r, op->gpa, op->value);
	case TDXSIM_GOP_REPORT:
		return tdxsim_guest_report(r, op->gpa, op->args[0], op->args[1]);
	case TDXSIM_GOP_VP_INFO:
		return tdxsim_guest_vp_info(r);
	case TDXSIM_GOP_ACCEPT:
		return op->size ? tdxsim_guest_accept_range(r, op)
				: tdxsim_guest_accept(r, op->gpa | op->value);
	case TDXSIM_GOP_TDCALL:
		return tdxsim_guest_tdcall(r, op);
	case TDXSIM_GOP_TRIPLE_FAULT:
		tdxsim_guest_done(r, 0);
		return tdxsim_guest_fatal_exit(r, TDXSIM_TDX_NON_RECOVERABLE_VCPU, EXIT_TRIPLE_FAULT);
	case TDXSIM_GOP_ILLEGAL:
	default:
		tdxsim_guest_done(r, 0);
		return tdxsim_guest_fatal_exit(r, TDXSIM_TDX_NON_RECOVERABLE_TD, EXIT_CR_ACCESS);
	}
}

uint64_t tdxsim_guest_run(struct tdxsim_guest_env *env, const tdxsim_regs_t *in, tdxsim_regs_t *out)
{
	struct tdxsim_guest *g = env->v->guest;
	struct tdxsim_guest_run r = {.env = env, .g = g, .out = out};

	/* After a trap-like exit (host-priority timeout) the TDCALL that trapped has completed; its
	 * status bit 60 takes the host's hint, RCX bit 52 of this VP.ENTER (td-runtime.md 3.3). */
	if (g && env->v->last_td_exit == TDXSIM_LAST_EXIT_ASYNC_TRAP && g->pc > 0) {
		uint64_t *st = &g->results[g->pc - 1].status;
		*st = (*st & ~TDXSIM_STATUS_HOST_HINT) | (env->host_hint ? TDXSIM_STATUS_HOST_HINT : 0);
	}
	if (g && g->vmcall_pending) {
		if (vmcall_resume(&r, in)) {
			r.entry_pc = g->pc;
			if (op_vmcall(&r, &g->ops[g->pc]) != TDXSIM_STEP_EXIT)
				return TDXSIM_STATUS_NO_MEMORY;
			tdxsim_guest_stepping_exit(&r);
			return r.status;
		}
		g->pc++;
	}
	r.entry_pc = g ? g->pc : 0;
	while (g && g->pc < g->n) {
		take_interrupts(&r);
		enum tdxsim_step s = step_op(&r, &g->ops[g->pc]);
		if (s == TDXSIM_STEP_NOMEM)
			return TDXSIM_STATUS_NO_MEMORY;
		tdxsim_guest_result_t *res = &g->results[g->pc];
		/* An op that exits stays at pc until it completes: an EPT violation re-runs it, a
		 * TDVMCALL waits for the host's answer. Fatal exits have completed it. */
		if (s == TDXSIM_STEP_EXIT) {
			if (res->state != TDXSIM_GUEST_NOT_RUN && !g->vmcall_pending)
				g->pc++;
			tdxsim_guest_stepping_exit(&r);
			return r.status;
		}
		g->pc++;
	}
	/* Past the program (or none): the guest idles in "sti; hlt" (R12 = 0), taking what
	 * interrupts are deliverable at each entry; every entry exits again. */
	env->v->guest_if = 1;
	if (g)
		g->sti_shadow = false;
	take_interrupts(&r);
	tdxsim_guest_stepping_exit(&r);
	memset(out, 0, sizeof(*out));
	out->rcx = LINUX_VMCALL_MASK;
	out->r11 = TDXSIM_TDVMCALL_HLT;
	return TDXSIM_TDX_SUCCESS | TDXSIM_EXIT_TDCALL;
}
