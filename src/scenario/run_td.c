/* SPDX-License-Identifier: MIT */
/*
 * The TD steps: each is what a hypervisor does for one operation, expanded into the SEAMCALLs
 * KVM makes for it in KVM's order (arch/x86/kvm/vmx/tdx.c; td-build.md section 4 for the
 * sequence, examples/td-lifecycle for the same code as a host program):
 *   td_create    MNG.CREATE, MNG.KEY.CONFIG on one LP of each package, MNG.ADDCX x
 *                TDCS_BASE_SIZE / 4096, MNG.INIT with TD_PARAMS built from TDH.SYS.RD as KVM's
 *                setup_tdparams() builds it
 *   td_vcpu      VP.CREATE, VP.ADDCX x (TDVPS_BASE_SIZE / 4096 - 1), VP.INIT version 1
 *   td_add_pages run_td_memory.c
 *   td_finalize  MR.FINALIZE
 *   td_teardown  run_td_teardown.c
 * Pages come from the host allocator and are named so that seamcall steps can use them
 * ("a.tdcs[3]"). A step stops at the first SEAMCALL that fails; that status is the step's
 * status, checked against expect: status (default TDX_SUCCESS). TDX_RND_NO_ENTROPY is retried
 * as Linux's sc_retry() does (host_tdx_seamcall).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/run_td.h"
#include "tdxsim/td.h"

#define PAGE	     4096u
#define CHUNK	     256u			      /* bytes per TDH.MR.EXTEND (td-build.md 3.13) */
#define SEPT_VE_DIS  (UINT64_C(1) << 28)	      /* ATTRIBUTES.SEPT_VE_DISABLE */
#define NO_RBP_MOD   (UINT64_C(1) << 2)		      /* CONFIG_FLAGS */
#define EPTP_WB_PWL4 (UINT64_C(6) | UINT64_C(3) << 3) /* WB, 4-level (td-build.md 3.4 row 16) */

struct scn_td_run *tdxsim_scn_td_get(struct scn_run *r, unsigned td)
{
	if (!r->tds) {
		unsigned n = r->scn->tds.n ? r->scn->tds.n : 1;
		if (!(r->tds = calloc(n, sizeof(*r->tds))))
			return NULL;
	}
	return &r->tds[td];
}

static void td_forget(struct scn_td_run *t)
{
	free(t->sept);
	free(t->sept_at);
	free(t->gpa);
	free(t->hpa);
	free(t->gone);
	free(t->shared);
	memset(t, 0, sizeof(*t));
}

void tdxsim_scn_td_free(struct scn_run *r)
{
	for (unsigned i = 0; r->tds && i < r->scn->tds.n; i++)
		td_forget(&r->tds[i]);
	free(r->tds);
	free(r->named_pages);
	r->tds = NULL;
	r->named_pages = NULL;
}

bool tdxsim_scn_td_call(struct scn_tdop *o, uint32_t lp, uint64_t leaf, tdxsim_regs_t *regs)
{
	if (tdxsim_scn_budget(o->r)) {
		o->err = true;
		return false;
	}
	tdxsim_regs_t in = *regs;
	o->calls++;
	uint64_t st = host_tdx_seamcall(o->r->sim, lp, leaf, regs);
	if (st == 0)
		return true;
	o->status = st;
	o->failed = true;
	o->mark = o->r->detail.len;
	char name[96];
	const char *leaf_name = tdxsim_scn_call_name(leaf);
	if (o->r->detail.len)
		tdxsim_scn_buf_printf(&o->r->detail, "; ");
	else
		tdxsim_scn_buf_printf(&o->r->detail, "TD %s: ", o->name);
	tdxsim_scn_buf_printf(&o->r->detail, "%s on LP %u (rcx=0x%llx, rdx=0x%llx, r8=0x%llx): %s",
			      leaf_name ? leaf_name : "SEAMCALL", lp, (unsigned long long)in.rcx,
			      (unsigned long long)in.rdx, (unsigned long long)in.r8,
			      tdxsim_scn_status_str(st, name, sizeof(name)));
	return false;
}

void tdxsim_scn_td_forgive(struct scn_tdop *o)
{
	struct scn_buf *d = &o->r->detail;
	o->failed = false;
	o->status = 0;
	if (o->mark < d->len) {
		d->len = o->mark;
		d->data[d->len] = 0;
	}
}

uint64_t tdxsim_scn_td_alloc(struct scn_tdop *o)
{
	uint64_t pa = 0;
	if (tdxsim_phys_alloc(o->r->sim, PAGE, PAGE, UINT32_MAX, &pa) != TDXSIM_OK) {
		o->err = true;
		tdxsim_scn_run_error(o->r, "no free page left for the TD");
		return 0;
	}
	return pa;
}

/* The first LP of @pkg: KEY.CONFIG and CACHE.WB run once per package. */
uint32_t tdxsim_scn_pkg_lp(struct scn_run *r, uint32_t pkg)
{
	uint32_t lp = 0;
	while (lp + 1 < tdxsim_num_lps(r->sim) && tdxsim_lp_package(r->sim, lp) != pkg)
		lp++;
	return lp;
}

static bool read_caps(struct scn_tdop *o)
{
	static const uint64_t ids[7] = {TDXSIM_MD_ATTRIBUTES_FIXED0, TDXSIM_MD_ATTRIBUTES_FIXED1,
					TDXSIM_MD_XFAM_FIXED0,	     TDXSIM_MD_XFAM_FIXED1,
					TDXSIM_MD_TDCS_BASE_SIZE,    TDXSIM_MD_TDVPS_BASE_SIZE,
					TDXSIM_MD_MAX_VCPUS_PER_TD};
	struct scn_td_caps *c = &o->r->td_caps;
	uint64_t v[7];
	if (c->read)
		return true;
	for (unsigned i = 0; i < 7; i++) {
		tdxsim_regs_t regs = {.rdx = ids[i]};
		if (!tdxsim_scn_td_call(o, 0, TDXSIM_TDH_SYS_RD, &regs))
			return false;
		v[i] = regs.r8;
	}
	*c = (struct scn_td_caps){.read = true,
				  .attrs_fixed0 = v[0],
				  .attrs_fixed1 = v[1],
				  .xfam_fixed0 = v[2],
				  .xfam_fixed1 = v[3],
				  .tdcs_pages = (unsigned)(v[4] / PAGE),
				  .tdvpx_pages = (unsigned)(v[5] / PAGE ? v[5] / PAGE - 1 : 0),
				  .max_vcpus = (unsigned)v[6]};
	return true;
}

/* A KeyID as KVM's allocator picks one: the lowest TDX private KeyID the KOT has free (the
 * global KeyID is HKID_RESERVED there, so it is never handed out). */
static uint32_t free_keyid(struct scn_run *r)
{
	for (uint32_t k = 1; k < 1u << 15; k++)
		if (tdxsim_kot_state(r->sim, k) == 0)
			return k;
	return 0;
}

static int eval_or(struct scn_run *r, const struct scn_expr *e, uint64_t dflt, uint64_t *out)
{
	*out = dflt;
	return e ? tdxsim_scn_eval(r, e, out) : 0;
}

/* TD_PARAMS (tdx-module-abi.md 11.6) as KVM's setup_tdparams() fills it, with the step's
 * overrides: attributes with the module's FIXED1 bits (SEPT_VE_DISABLE when allowed), XFAM
 * x87/SSE/AVX within the fixed masks, WB 4-level EPT, NO_RBP_MOD, TSC 2.2 GHz, every CPUID
 * value 0 (native). */
static int build_params(struct scn_tdop *o, const struct scn_td_step *t, struct scn_td_run *td,
			uint8_t p[1024])
{
	const struct scn_td_caps *c = &o->r->td_caps;
	uint64_t v[SCN_TD_PARAMS], nv;
	const uint64_t dflt[SCN_TD_PARAMS] = {
		[SCN_TDP_ATTRIBUTES] = (SEPT_VE_DIS & c->attrs_fixed0) | c->attrs_fixed1,
		[SCN_TDP_XFAM] = (UINT64_C(7) & c->xfam_fixed0) | c->xfam_fixed1,
		[SCN_TDP_EPTP] = EPTP_WB_PWL4,
		[SCN_TDP_CONFIG_FLAGS] = NO_RBP_MOD,
		[SCN_TDP_TSC_FREQUENCY] = 2200000000u / 25000000u,
		[SCN_TDP_NUM_L2_VMS] = 0};
	for (int i = 0; i < SCN_TD_PARAMS; i++)
		if (eval_or(o->r, t->params[i], dflt[i], &v[i]))
			return -1;
	if (eval_or(o->r, t->max_vcpus, c->max_vcpus, &nv))
		return -1;
	if (nv > 0xFFFF || v[SCN_TDP_TSC_FREQUENCY] > 0xFFFF || v[SCN_TDP_NUM_L2_VMS] > 0xFF)
		return tdxsim_scn_run_error(o->r, "td_create: max_vcpus and tsc_frequency are 16 bits, "
						  "num_l2_vms 8 bits");
	uint16_t n16 = (uint16_t)nv, tsc = (uint16_t)v[SCN_TDP_TSC_FREQUENCY];
	memset(p, 0, 1024);
	memcpy(p + 0, &v[SCN_TDP_ATTRIBUTES], 8);
	memcpy(p + 8, &v[SCN_TDP_XFAM], 8);
	memcpy(p + 16, &n16, 2);
	p[18] = (uint8_t)v[SCN_TDP_NUM_L2_VMS];
	memcpy(p + 24, &v[SCN_TDP_EPTP], 8);
	memcpy(p + 32, &v[SCN_TDP_CONFIG_FLAGS], 8);
	memcpy(p + 40, &tsc, 2);
	td->root_level = ((v[SCN_TDP_EPTP] >> 3) & 7) == 4 ? 4 : 3;
	td->gpaw52 = v[SCN_TDP_CONFIG_FLAGS] & 1; /* CONFIG_FLAGS.GPAW (tdx-module-abi.md 11.6) */
	return 0;
}

static int td_create(struct scn_tdop *o, const struct scn_td_step *t, struct scn_td_run *td)
{
	struct scn_run *r = o->r;
	uint64_t hkid, ntdcs;
	tdxsim_regs_t regs;
	if (td->live)
		return tdxsim_scn_run_error(r, "TD %s exists already (td_teardown it first)", o->name);
	if (!read_caps(o))
		return 0;
	if (eval_or(r, t->hkid, free_keyid(r), &hkid) || eval_or(r, t->tdcs, r->td_caps.tdcs_pages, &ntdcs))
		return -1;
	if (ntdcs > SCN_TD_MAX_TDCX)
		return tdxsim_scn_run_error(r, "td_create.tdcs: %llu pages, at most %u",
					    (unsigned long long)ntdcs, SCN_TD_MAX_TDCX);
	uint64_t tdr = tdxsim_scn_td_alloc(o);
	if (!tdr)
		return -1;
	regs = (tdxsim_regs_t){.rcx = tdr, .rdx = hkid};
	if (!tdxsim_scn_td_call(o, 0, TDXSIM_TDH_MNG_CREATE, &regs)) {
		tdxsim_phys_free(r->sim, tdr, PAGE);
		return 0;
	}
	td_forget(td);
	*td = (struct scn_td_run){
		.created = true, .live = true, .tdr = tdr, .hkid = (uint32_t)hkid, .root_level = 3};
	tdxsim_scn_buf_printf(&r->detail, "TD %s: TDR 0x%llx, HKID %u", o->name, (unsigned long long)tdr,
			      td->hkid);
	for (uint32_t pkg = 0; t->keys && pkg < tdxsim_num_packages(r->sim); pkg++) {
		regs = (tdxsim_regs_t){.rcx = tdr};
		if (!tdxsim_scn_td_call(o, tdxsim_scn_pkg_lp(r, pkg), TDXSIM_TDH_MNG_KEY_CONFIG, &regs))
			return 0;
	}
	for (unsigned i = 0; i < ntdcs; i++) {
		uint64_t pa = tdxsim_scn_td_alloc(o);
		if (!pa)
			return -1;
		regs = (tdxsim_regs_t){.rcx = pa, .rdx = tdr};
		if (!tdxsim_scn_td_call(o, 0, TDXSIM_TDH_MNG_ADDCX, &regs)) {
			tdxsim_phys_free(r->sim, pa, PAGE);
			return 0;
		}
		td->tdcs[td->num_tdcs++] = pa;
	}
	tdxsim_scn_buf_printf(&r->detail, ", %u TDCS page(s)", td->num_tdcs);
	if (!t->init)
		return 0;
	uint8_t p[1024];
	if (!(td->params = tdxsim_scn_td_alloc(o)) || build_params(o, t, td, p))
		return -1;
	/* The host writes TD_PARAMS through its own (shared) mapping: KeyID 0. */
	if (tdxsim_mem_write(r->sim, 0, td->params, p, sizeof(p)))
		return tdxsim_scn_run_error(r, "cannot write TD_PARAMS at 0x%llx",
					    (unsigned long long)td->params);
	regs = (tdxsim_regs_t){.rcx = tdr, .rdx = td->params};
	if (tdxsim_scn_td_call(o, 0, TDXSIM_TDH_MNG_INIT, &regs))
		tdxsim_scn_buf_printf(&r->detail, ", initialized");
	return 0;
}

static int td_vcpu(struct scn_tdop *o, const struct scn_td_step *t, struct scn_td_run *td, uint32_t lp)
{
	struct scn_run *r = o->r;
	uint64_t x2apic, ntdcx;
	if (td->num_vcpus == SCN_TD_MAX_VCPUS)
		return tdxsim_scn_run_error(r, "TD %s: at most %u vCPUs in a scenario", o->name,
					    SCN_TD_MAX_VCPUS);
	if (!read_caps(o))
		return 0;
	if (eval_or(r, t->x2apic, td->num_vcpus, &x2apic) ||
	    eval_or(r, t->tdcx, r->td_caps.tdvpx_pages, &ntdcx))
		return -1;
	if (ntdcx > SCN_TD_MAX_TDCX)
		return tdxsim_scn_run_error(r, "td_vcpu.tdcx: %llu pages, at most %u",
					    (unsigned long long)ntdcx, SCN_TD_MAX_TDCX);
	struct scn_td_vcpu *v = &td->vcpu[td->num_vcpus];
	*v = (struct scn_td_vcpu){.lp = lp, .ran_lp = lp};
	if (!(v->tdvpr = tdxsim_scn_td_alloc(o)))
		return -1;
	tdxsim_regs_t regs = {.rcx = v->tdvpr, .rdx = td->tdr};
	if (!tdxsim_scn_td_call(o, lp, TDXSIM_TDH_VP_CREATE, &regs)) {
		tdxsim_phys_free(r->sim, v->tdvpr, PAGE);
		return 0;
	}
	td->num_vcpus++;
	tdxsim_scn_buf_printf(&r->detail, "TD %s: vCPU %u, TDVPR 0x%llx on LP %u", o->name, td->num_vcpus - 1,
			      (unsigned long long)v->tdvpr, lp);
	for (unsigned i = 0; i < ntdcx; i++) {
		uint64_t pa = tdxsim_scn_td_alloc(o);
		if (!pa)
			return -1;
		regs = (tdxsim_regs_t){.rcx = pa, .rdx = v->tdvpr};
		if (!tdxsim_scn_td_call(o, lp, TDXSIM_TDH_VP_ADDCX, &regs)) {
			tdxsim_phys_free(r->sim, pa, PAGE);
			return 0;
		}
		v->tdcx[v->num_tdcx++] = pa;
	}
	if (!t->init)
		return 0;
	/* Version 1, as current Linux: the x2APIC id in R8 (td-build.md 3.8). */
	regs = (tdxsim_regs_t){.rcx = v->tdvpr, .r8 = x2apic};
	if (tdxsim_scn_td_call(o, lp, TDXSIM_TDH_VP_INIT | UINT64_C(1) << TDXSIM_VERSION_SHIFT, &regs))
		tdxsim_scn_buf_printf(&r->detail, ", initialized (x2APIC id %llu)",
				      (unsigned long long)x2apic);
	return 0;
}

int tdxsim_scn_exec_td(struct scn_run *r, const struct scn_step *s, uint32_t lp, struct scn_obs *obs)
{
	const struct scn_td_step *t = &s->u.td;
	struct scn_td_run *td = tdxsim_scn_td_get(r, t->td);
	struct scn_tdop o = {.r = r, .name = r->scn->tds.v[t->td]};
	int rc = 0;
	if (!td)
		return tdxsim_scn_run_error(r, "out of memory");
	if (s->kind != SCN_K_TD_CREATE && !td->live)
		return tdxsim_scn_run_error(r, "TD %s does not exist now (td_create it first)", o.name);
	switch (s->kind) {
	case SCN_K_TD_CREATE:
		rc = td_create(&o, t, td);
		break;
	case SCN_K_TD_VCPU:
		rc = td_vcpu(&o, t, td, lp);
		break;
	case SCN_K_TD_ADD_PAGES:
		rc = tdxsim_scn_td_add_pages(&o, t, td);
		break;
	case SCN_K_TD_FINALIZE: {
		tdxsim_regs_t regs = {.rcx = td->tdr};
		if (tdxsim_scn_td_call(&o, 0, TDXSIM_TDH_MR_FINALIZE, &regs))
			tdxsim_scn_buf_printf(&r->detail, "TD %s: measurement finalized", o.name);
		break;
	}
	default:
		rc = tdxsim_scn_td_teardown(&o, t, td);
		break;
	}
	if (rc || o.err)
		return -1;
	obs->has_status = true;
	obs->status = o.status;
	tdxsim_scn_buf_printf(&r->detail, " [%u SEAMCALL(s)]", o.calls);
	return 0;
}
