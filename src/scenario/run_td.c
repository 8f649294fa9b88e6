/* SPDX-License-Identifier: MIT */
/*
 * The TD steps: each is what a hypervisor does for one operation, expanded into the SEAMCALLs
 * KVM makes for it in KVM's order (arch/x86/kvm/vmx/tdx.c; td-build.md section 4 for the
 * sequence, examples/td-lifecycle for the same code as a host program):
 *   td_create    MNG.CREATE, MNG.KEY.CONFIG on one LP of each package, MNG.ADDCX x
 *                TDCS_BASE_SIZE / 4096, MNG.INIT with TD_PARAMS built from TDH.SYS.RD as KVM's
 *                setup_tdparams() builds it
 *   td_vcpu      VP.CREATE, VP.ADDCX x (TDVPS_BASE_SIZE / 4096 - 1), VP.INIT version 1
 *   td_add_pages SEPT.ADD for each missing table, then per 4 KiB page PAGE.ADD and 16 x
 *                MR.EXTEND (256 bytes each) when measured
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
	*v = (struct scn_td_vcpu){.lp = lp};
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

static bool grow(void *pp, unsigned cap, size_t elem)
{
	void **p = pp, *q = realloc(*p, cap * elem);
	if (!q)
		return false;
	*p = q;
	return true;
}

/* Room for one more SEPT page (@sept) or private page in the TD's lists. */
static bool reserve(struct scn_td_run *td, bool sept)
{
	unsigned n = sept ? td->num_sept : td->num_pages, *cap = sept ? &td->cap_sept : &td->cap_pages;
	if (n < *cap)
		return true;
	unsigned c = *cap ? 2 * *cap : 64;
	bool ok = sept ? grow(&td->sept, c, 8) && grow(&td->sept_at, c, 8)
		       : grow(&td->gpa, c, 8) && grow(&td->hpa, c, 8) && grow(&td->gone, c, 1);
	if (ok)
		*cap = c;
	return ok;
}

/* SEPT.ADD of every table on the way to @gpa's 4 KiB entry that this TD does not have yet. */
static int sept_populate(struct scn_tdop *o, struct scn_td_run *td, uint64_t gpa)
{
	for (unsigned level = td->root_level; level >= 1; level--) {
		uint64_t at = (gpa & ~((UINT64_C(1) << (12 + 9 * level)) - 1)) | level;
		bool have = false;
		for (unsigned i = 0; i < td->num_sept && !have; i++)
			have = td->sept_at[i] == at;
		if (have)
			continue;
		if (!reserve(td, true))
			return tdxsim_scn_run_error(o->r, "out of memory");
		uint64_t pa = tdxsim_scn_td_alloc(o);
		if (!pa)
			return -1;
		tdxsim_regs_t regs = {.rcx = at, .rdx = td->tdr, .r8 = pa};
		if (!tdxsim_scn_td_call(o, 0, TDXSIM_TDH_MEM_SEPT_ADD, &regs)) {
			tdxsim_phys_free(o->r->sim, pa, PAGE);
			return 1;
		}
		td->sept[td->num_sept] = pa;
		td->sept_at[td->num_sept++] = at;
	}
	return 0;
}

static int td_add_pages(struct scn_tdop *o, const struct scn_td_step *t, struct scn_td_run *td)
{
	struct scn_run *r = o->r;
	uint64_t gpa, size, fill, mul, add;
	if (tdxsim_scn_eval(r, t->gpa, &gpa) || eval_or(r, t->size, PAGE, &size) ||
	    eval_or(r, t->fill, 0, &fill) || eval_or(r, t->mul, 0, &mul) || eval_or(r, t->add, fill, &add))
		return -1;
	if ((gpa | size) % PAGE || !size || size > (UINT64_C(1) << 30))
		return tdxsim_scn_run_error(
			r, "td_add_pages: gpa and size must be 4 KiB multiples, size 4K..1G");
	uint64_t src = tdxsim_scn_td_alloc(o);
	if (!src)
		return -1;
	uint8_t buf[PAGE];
	unsigned added = 0;
	int rc = 0;
	for (uint64_t off = 0; off < size && rc == 0; off += PAGE) {
		if ((rc = sept_populate(o, td, gpa + off)))
			break;
		for (unsigned i = 0; i < PAGE; i++)
			buf[i] = (uint8_t)((off + i) * mul + add);
		uint64_t hpa = tdxsim_scn_td_alloc(o);
		if (!hpa || !reserve(td, false) || tdxsim_mem_write(r->sim, 0, src, buf, PAGE)) {
			rc = hpa ? tdxsim_scn_run_error(r, "out of memory") : -1;
			break;
		}
		tdxsim_regs_t regs = {.rcx = gpa + off, .rdx = td->tdr, .r8 = hpa, .r9 = src};
		if (!tdxsim_scn_td_call(o, 0, TDXSIM_TDH_MEM_PAGE_ADD, &regs)) {
			tdxsim_phys_free(r->sim, hpa, PAGE);
			break;
		}
		td->gpa[td->num_pages] = gpa + off;
		td->gone[td->num_pages] = 0;
		td->hpa[td->num_pages++] = hpa;
		added++;
		for (unsigned c = 0; t->measure && c < PAGE; c += CHUNK) {
			regs = (tdxsim_regs_t){.rcx = gpa + off + c, .rdx = td->tdr};
			if (!tdxsim_scn_td_call(o, 0, TDXSIM_TDH_MR_EXTEND, &regs)) {
				rc = 1;
				break;
			}
		}
	}
	tdxsim_phys_free(r->sim, src, PAGE);
	if (!o->failed && rc == 0)
		tdxsim_scn_buf_printf(&r->detail,
				      "TD %s: %u page(s) added at GPA 0x%llx%s, %u SEPT page(s) in all",
				      o->name, added, (unsigned long long)gpa,
				      t->measure ? " and measured" : "", td->num_sept);
	return rc < 0 ? -1 : 0;
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
		rc = td_add_pages(&o, t, td);
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
