/* SPDX-License-Identifier: MIT */
/*
 * The running-TD steps (load_guest.c parses them):
 *   td_guest       tdxsim_guest_load() of the program, each field evaluated now, the TD's
 *                  shared bit (47, or 51 with GPAW) set in the GPA of ops marked shared
 *   td_map_shared  tdxsim_guest_map_shared(): the VMM's own EPT for shared GPAs
 *   td_aug         what KVM does for a private EPT violation (td-runtime.md 2.1, 3.3):
 *                  TDH.MEM.SEPT.ADD of the tables the leaf needs, TDH.MEM.PAGE.AUG of a page
 *                  from the host allocator (4 KiB, or 2 MiB at level 1)
 *   td_enter       TDH.VP.ENTER on the vCPU's LP with the host's R10-R15 (the answer to the
 *                  TDVMCALL the last exit reported, td-runtime.md 3.4); with aug: true, each
 *                  private EPT-violation exit is answered with td_aug at the level the guest's
 *                  accept asked for (EEQ type 1, RDX bits 34:32; 1G as 2M) or 4 KiB, and the vCPU entered
 *                  again, until another exit or max_entries entries
 *   td_interrupt   tdxsim_guest_post_interrupt(): PIR and ON in the vCPU's posted-interrupt
 *                  descriptor, as KVM posts an interrupt to a TD
 * (td_stay_in_guest and td_leave_guest are in run_guest_resident.c.)
 * The exit's RAX is the step's status and its registers the step's output registers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/run_td.h"
#include "tdxsim/guest.h"

#define PAGE		   4096u
#define EXIT_EPT_VIOLATION 48u /* VM-exit basic reasons (td-runtime.md 3.3) */
#define EEQ_ACCEPT	   1u  /* RDX bits 3:0 of an EPT violation a guest accept caused */

uint64_t tdxsim_scn_td_shared_bit(const struct scn_td_run *td)
{
	return UINT64_C(1) << (td->gpaw52 ? 51 : 47);
}

static int eval_or(struct scn_run *r, const struct scn_expr *e, uint64_t dflt, uint64_t *out)
{
	*out = dflt;
	return e ? tdxsim_scn_eval(r, e, out) : 0;
}

int tdxsim_scn_guest_vcpu(struct scn_run *r, const struct scn_guest_step *g, const struct scn_td_run *td,
			  const char *name, unsigned *out)
{
	uint64_t i;
	*out = 0; /* written on every path: callers read it only on success */
	if (eval_or(r, g->vcpu, 0, &i))
		return -1;
	if (i >= td->num_vcpus)
		return tdxsim_scn_run_error(r, "TD %s has no vCPU %llu (it has %u)", name,
					    (unsigned long long)i, td->num_vcpus);
	*out = (unsigned)i;
	return 0;
}

static int load_program(struct scn_run *r, const struct scn_guest_step *g, struct scn_td_run *td,
			const char *name, struct scn_obs *obs)
{
	unsigned v;
	if (tdxsim_scn_guest_vcpu(r, g, td, name, &v))
		return -1;
	tdxsim_guest_op_t *ops = calloc(g->num_ops ? g->num_ops : 1, sizeof(*ops));
	if (!ops)
		return tdxsim_scn_run_error(r, "out of memory");
	for (unsigned i = 0; i < g->num_ops; i++) {
		const struct scn_guest_op *o = &g->ops[i];
		tdxsim_guest_op_t *d = &ops[i];
		/* Loads and stores are 8 bytes unless told. */
		uint64_t size_dflt = o->kind == TDXSIM_GOP_READ || o->kind == TDXSIM_GOP_WRITE ? 8 : 0;
		d->kind = (tdxsim_guest_op_kind_t)o->kind;
		int rc = eval_or(r, o->gpa, 0, &d->gpa) || eval_or(r, o->size, size_dflt, &d->size) ||
			 eval_or(r, o->value, 0, &d->value);
		for (unsigned a = 0; a < 6 && !rc; a++)
			rc = eval_or(r, o->args[a], 0, &d->args[a]);
		if (rc) {
			free(ops);
			return -1;
		}
		if (o->shared)
			d->gpa |= tdxsim_scn_td_shared_bit(td);
	}
	obs->has_result = true;
	obs->result = tdxsim_guest_load(r->sim, td->vcpu[v].tdvpr, ops, g->num_ops);
	free(ops);
	tdxsim_scn_buf_printf(&r->detail, "TD %s vCPU %u: guest program of %u op(s): %s", name, v, g->num_ops,
			      tdxsim_scn_enum_name(tdxsim_scn_lib_results, obs->result));
	return 0;
}

static int map_shared(struct scn_run *r, const struct scn_guest_step *g, struct scn_td_run *td,
		      const char *name, struct scn_obs *obs)
{
	uint64_t gpa, size, hpa = TDXSIM_GUEST_UNMAP;
	if (tdxsim_scn_eval(r, g->gpa, &gpa) || tdxsim_scn_eval(r, g->size, &size))
		return -1;
	gpa &= ~tdxsim_scn_td_shared_bit(td);
	if (g->hpa_mode == SCN_HPA_EXPR && tdxsim_scn_eval(r, g->hpa, &hpa))
		return -1;
	if (g->hpa_mode == SCN_HPA_AUTO &&
	    (!size || size % PAGE || tdxsim_phys_alloc(r->sim, size, PAGE, UINT32_MAX, &hpa) != TDXSIM_OK))
		return tdxsim_scn_run_error(r, "td_map_shared: no free 4 KiB-aligned range of 0x%llx bytes",
					    (unsigned long long)size);
	obs->has_result = obs->has_outs = true;
	obs->result = tdxsim_guest_map_shared(r->sim, td->tdr, gpa, hpa, size);
	obs->outs[0] = hpa;
	if (obs->result == TDXSIM_OK && hpa != TDXSIM_GUEST_UNMAP) {
		if (td->num_shared == td->cap_shared) {
			unsigned cap = td->cap_shared ? 2 * td->cap_shared : 8;
			struct scn_td_shared *p = realloc(td->shared, cap * sizeof(*p));
			if (!p)
				return tdxsim_scn_run_error(r, "out of memory");
			td->shared = p;
			td->cap_shared = cap;
		}
		td->shared[td->num_shared++] = (struct scn_td_shared){gpa, hpa, size};
	}
	tdxsim_scn_buf_printf(&r->detail, "TD %s: shared GPA 0x%llx + 0x%llx ", name, (unsigned long long)gpa,
			      (unsigned long long)size);
	if (hpa == TDXSIM_GUEST_UNMAP)
		tdxsim_scn_buf_printf(&r->detail, "unmapped");
	else
		tdxsim_scn_buf_printf(&r->detail, "-> HPA 0x%llx", (unsigned long long)hpa);
	tdxsim_scn_buf_printf(&r->detail, ": %s", tdxsim_scn_enum_name(tdxsim_scn_lib_results, obs->result));
	return 0;
}

/* SEPT.ADD of the missing tables, then PAGE.AUG of @hpa (0: a fresh page of the level's size)
 * at @gpa on @lp. Returns -1 if the step cannot run, 0 otherwise (o->failed on a refusal). */
static int aug_one(struct scn_tdop *o, struct scn_td_run *td, uint64_t gpa, unsigned level, uint64_t hpa,
		   uint32_t lp, uint64_t *hpa_out)
{
	struct scn_run *r = o->r;
	uint64_t size = (uint64_t)PAGE << (9 * level);
	int rc = tdxsim_scn_td_sept_populate(o, td, gpa, level);
	if (rc)
		return rc < 0 ? -1 : 0;
	bool fresh = !hpa;
	if (fresh && tdxsim_phys_alloc(r->sim, size, size, UINT32_MAX, &hpa) != TDXSIM_OK)
		return tdxsim_scn_run_error(r, "no free %s page left for the TD", level ? "2 MiB" : "4 KiB");
	*hpa_out = hpa;
	tdxsim_regs_t regs = {.rcx = gpa | level, .rdx = td->tdr, .r8 = hpa};
	if (!tdxsim_scn_td_call(o, lp, TDXSIM_TDH_MEM_PAGE_AUG, &regs)) {
		if (fresh)
			tdxsim_phys_free(r->sim, hpa, size);
		return 0;
	}
	if (!tdxsim_scn_td_record_page(td, gpa | level, hpa))
		return tdxsim_scn_run_error(r, "out of memory");
	return 0;
}

static int aug(struct scn_tdop *o, const struct scn_guest_step *g, struct scn_td_run *td, uint32_t lp,
	       struct scn_obs *obs)
{
	struct scn_run *r = o->r;
	uint64_t gpa, size, hpa = 0, leaf = (uint64_t)PAGE << (9 * g->level), off = 0, got;
	unsigned n = 0;
	if (tdxsim_scn_eval(r, g->gpa, &gpa) || eval_or(r, g->size, leaf, &size) ||
	    (g->hpa_mode == SCN_HPA_EXPR && tdxsim_scn_eval(r, g->hpa, &hpa)))
		return -1;
	if ((gpa | size) & (leaf - 1) || !size || size > (UINT64_C(1) << 30))
		return tdxsim_scn_run_error(r, "td_aug: gpa and size must be multiples of the level's page "
					       "size, size at most 1G");
	if (hpa && size != leaf)
		return tdxsim_scn_run_error(r, "td_aug: an hpa is one page: size is the level's page size");
	/* contiguous: one range, aligned to its size when that is a power of two (512 pages of one
	 * 2 MiB page, as PROMOTE wants them), handed out page by page. */
	bool contig = g->hpa_mode == SCN_HPA_CONTIG;
	uint64_t align = (size & (size - 1)) ? leaf : size;
	if (contig && tdxsim_phys_alloc(r->sim, size, align, UINT32_MAX, &hpa) != TDXSIM_OK)
		return tdxsim_scn_run_error(r, "td_aug: no free range of 0x%llx bytes aligned to 0x%llx",
					    (unsigned long long)size, (unsigned long long)align);
	for (; off < size && !o->failed && !o->err; off += leaf, n++) {
		if (aug_one(o, td, gpa + off, g->level, hpa ? hpa + (contig ? off : 0) : 0, lp, &got))
			return -1;
		if (!off)
			obs->outs[0] = got;
	}
	if (contig && o->failed) /* the refused page and those after it stay the host's */
		tdxsim_phys_free(r->sim, hpa + off - leaf, size - off + leaf);
	obs->has_outs = !o->failed;
	if (!o->failed)
		tdxsim_scn_buf_printf(&r->detail, "TD %s: %u %s page(s) AUGed at GPA 0x%llx on LP %u",
				      o->name, n, g->level ? "2 MiB" : "4 KiB", (unsigned long long)gpa, lp);
	return 0;
}

static int post_interrupt(struct scn_run *r, const struct scn_guest_step *g, struct scn_td_run *td,
			  const char *name, struct scn_obs *obs)
{
	unsigned v;
	uint64_t vector;
	if (tdxsim_scn_guest_vcpu(r, g, td, name, &v) || tdxsim_scn_eval(r, g->vector, &vector))
		return -1;
	if (vector > 255)
		return tdxsim_scn_run_error(r, "td_interrupt.vector: 0x%llx, expected 0..255",
					    (unsigned long long)vector);
	obs->has_result = true;
	obs->result = tdxsim_guest_post_interrupt(r->sim, td->vcpu[v].tdvpr, (uint32_t)vector);
	tdxsim_scn_buf_printf(&r->detail, "TD %s vCPU %u: interrupt 0x%llx posted: %s", name, v,
			      (unsigned long long)vector,
			      tdxsim_scn_enum_name(tdxsim_scn_lib_results, obs->result));
	return 0;
}

static const char *reason_name(uint64_t st)
{
	switch (st & 0xFFFF) {
	case 1:
		return "external interrupt";
	case 2:
		return "triple fault";
	case 28:
		return "CR access";
	case 48:
		return "EPT violation";
	case 77:
		return "TDVMCALL";
	default:
		return "exit";
	}
}

static int enter(struct scn_tdop *o, const struct scn_step *s, struct scn_td_run *td, uint32_t lp,
		 struct scn_obs *obs)
{
	const struct scn_guest_step *g = &s->u.guest;
	struct scn_run *r = o->r;
	uint64_t max, st = 0, answer[6];
	unsigned v, entries = 0, augs = 0;
	if (tdxsim_scn_guest_vcpu(r, g, td, o->name, &v) || eval_or(r, g->max_entries, 64, &max))
		return -1;
	for (int i = 0; i < 6; i++)
		if (eval_or(r, g->answer[i], 0, &answer[i]))
			return -1;
	/* Without lp:, the vCPU runs where the hypervisor created it. */
	if (s->lp_mode == SCN_LP_ONE && !s->lp)
		lp = td->vcpu[v].lp;
	tdxsim_regs_t regs = {.rcx = td->vcpu[v].tdvpr,
			      .r10 = answer[0],
			      .r11 = answer[1],
			      .r12 = answer[2],
			      .r13 = answer[3],
			      .r14 = answer[4],
			      .r15 = answer[5]};
	tdxsim_regs_t in;
	for (;;) {
		if (tdxsim_scn_budget(r))
			return -1;
		in = regs;
		st = tdxsim_seamcall(r->sim, lp, TDXSIM_TDH_VP_ENTER, &regs);
		entries++;
		bool ept = st == EXIT_EPT_VIOLATION && !(regs.r8 & tdxsim_scn_td_shared_bit(td));
		if (!g->aug || !ept || entries >= max)
			break;
		/* KVM's huge-page series maps at the level the guest's accept asked for (RDX info
		 * bits 2:0), at most 2 MiB (AUG's largest), else 4 KiB [LK][P]. */
		unsigned level = (regs.rdx & 0xF) == EEQ_ACCEPT && ((regs.rdx >> 32) & 7) >= 1 ? 1 : 0;
		uint64_t gpa = regs.r8 & ~(((uint64_t)PAGE << (9 * level)) - 1), hpa;
		if (aug_one(o, td, gpa, level, 0, lp, &hpa))
			return -1;
		if (o->failed || o->err)
			return o->err ? -1 : 0; /* the AUG's status is the step's */
		augs++;
		regs = (tdxsim_regs_t){.rcx = td->vcpu[v].tdvpr};
	}
	if (!(st >> 32)) /* a TD exit: it entered there (and is associated with that LP) */
		td->vcpu[v].ran_lp = lp;
	obs->has_status = obs->has_regs = true;
	obs->status = st;
	obs->regs = regs;
	char name[128];
	tdxsim_scn_buf_printf(&r->detail, "TD %s vCPU %u on LP %u: ", o->name, v, lp);
	if (entries > 1)
		tdxsim_scn_buf_printf(&r->detail, "%u entries, %u page(s) AUGed; ", entries, augs);
	if (st >> 32)
		tdxsim_scn_buf_printf(&r->detail, "%s", tdxsim_scn_status_str(st, name, sizeof(name)));
	else
		tdxsim_scn_buf_printf(&r->detail, "%s (0x%llx)", reason_name(st), (unsigned long long)st);
	const char *sep = "; out ";
	for (int i = 0; i < SCN_NUM_REGS; i++) {
		uint64_t x = *tdxsim_scn_reg_ptr(&regs, i);
		if (x != *tdxsim_scn_reg_ptr(&in, i)) { /* a refused entry leaves them as they were */
			tdxsim_scn_buf_printf(&r->detail, "%s%s=0x%llx", sep, tdxsim_scn_reg_names[i],
					      (unsigned long long)x);
			sep = ", ";
		}
	}
	return 0;
}

int tdxsim_scn_exec_guest(struct scn_run *r, const struct scn_step *s, uint32_t lp, struct scn_obs *obs)
{
	const struct scn_guest_step *g = &s->u.guest;
	struct scn_td_run *td = tdxsim_scn_td_get(r, g->td);
	struct scn_tdop o = {.r = r, .name = r->scn->tds.v[g->td]};
	int rc;
	if (!td)
		return tdxsim_scn_run_error(r, "out of memory");
	if (!td->live)
		return tdxsim_scn_run_error(r, "TD %s does not exist now (td_create it first)", o.name);
	switch (s->kind) {
	case SCN_K_TD_GUEST:
		return load_program(r, g, td, o.name, obs);
	case SCN_K_TD_MAP_SHARED:
		return map_shared(r, g, td, o.name, obs);
	case SCN_K_TD_AUG:
		rc = aug(&o, g, td, lp, obs);
		break;
	case SCN_K_TD_INTERRUPT:
		return post_interrupt(r, g, td, o.name, obs);
	case SCN_K_TD_STAY_IN_GUEST:
	case SCN_K_TD_LEAVE_GUEST:
		return tdxsim_scn_td_resident(r, s, td, o.name, obs);
	default:
		rc = enter(&o, s, td, lp, obs);
		break;
	}
	if (rc || o.err)
		return -1;
	if (o.failed || s->kind == SCN_K_TD_AUG) {
		/* A refused AUG (of the step, or answering an EPT violation) is the step's status. */
		obs->has_status = true;
		obs->has_regs = false;
		obs->status = o.status;
		tdxsim_scn_buf_printf(&r->detail, " [%u SEAMCALL(s)]", o.calls);
	}
	return 0;
}
