/* SPDX-License-Identifier: MIT */
/* The runtime secure-EPT test world (td_mem_world.h). */
#include <string.h>

#include "td_mem_world.h"
#include "tdxsim/snapshot.h"

void tdmw_build(struct tdmw *w, const struct tdfx_params *p, enum tdmw_stage st)
{
	uint8_t image[4096];
	uint64_t pages[4];

	memset(w, 0, sizeof(*w));
	fx_create(&w->fx, NULL, FX_INITIALIZED);
	tdfx_create_keyed_tdcs(&w->fx, &w->td);
	tdfx_init_with(&w->fx, &w->td, p);
	tdfx_create_keyed_tdcs(&w->fx, &w->uninit);
	tdfx_vp_build(&w->fx, &w->td, &w->vp, 0);
	assert_int_equal(tdfx_sept_add_path(&w->fx, &w->td, TDMW_GPA, pages), 3);
	w->pdpt = pages[0];
	w->pd = pages[1];
	w->pt = pages[2];
	for (unsigned i = 0; i < sizeof(image); i++)
		image[i] = tdmw_image_byte(i);
	w->mapped = tdfx_page_add(&w->fx, &w->td, TDMW_GPA, image);
	if (st == TDMW_RUNNABLE)
		tdmw_ok(w, TDXSIM_TDH_MR_FINALIZE, w->td.tdr, 0, 0, NULL);
}

void tdmw_destroy(struct tdmw *w)
{
	fx_destroy(&w->fx);
}

uint64_t tdmw_resolve(const struct tdmw *w, uint64_t v)
{
	switch (v) {
	case TDMW_TDR:
		return w->td.tdr;
	case TDMW_UNINIT:
		return w->uninit.tdr;
	case TDMW_FRESH:
		return w->fresh;
	case TDMW_MAPPED:
		return w->mapped;
	case TDMW_EXT_MAP:
		return UINT64_C(0x80000000000000F7) | w->mapped;
	case TDMW_EXT_BLK:
		return UINT64_C(0x80000000000000F0) | w->mapped;
	case TDMW_PT:
		return w->pt;
	case TDMW_PD:
		return w->pd;
	case TDMW_TDCS:
		return w->td.tdcs[0];
	default:
		return v;
	}
}

void tdmw_contend(struct tdmw *w, enum tdmw_contend c, uint64_t rcx, uint64_t page)
{
	tdxsim_t *sim = w->fx.sim;
	tdxsim_err_t err = TDXSIM_OK;
	switch (c) {
	case TDMW_C_NONE:
		break;
	case TDMW_C_TDR_EX:
		err = tdxsim_contend(sim, TDXSIM_RES_PAGE, w->td.tdr, 0, TDXSIM_LOCK_EXCLUSIVE, 1);
		break;
	case TDMW_C_OP_EX:
		err = tdxsim_contend(sim, TDXSIM_RES_OP_STATE, w->td.tdr, 0, TDXSIM_LOCK_EXCLUSIVE, 1);
		break;
	case TDMW_C_TREE_EX:
		err = tdxsim_contend(sim, TDXSIM_RES_SEPT_TREE, w->td.tdr, 0, TDXSIM_LOCK_EXCLUSIVE, 1);
		break;
	case TDMW_C_TREE_SH:
		err = tdxsim_contend(sim, TDXSIM_RES_SEPT_TREE, w->td.tdr, 0, TDXSIM_LOCK_SHARED, 1);
		break;
	case TDMW_C_ENTRY:
		err = tdxsim_contend(sim, TDXSIM_RES_SEPT_ENTRY, w->td.tdr, rcx, TDXSIM_LOCK_EXCLUSIVE, 1);
		break;
	case TDMW_C_PAGE_EX:
		err = tdxsim_contend(sim, TDXSIM_RES_PAGE, page, 0, TDXSIM_LOCK_EXCLUSIVE, 1);
		break;
	case TDMW_C_PAGE_SH:
		err = tdxsim_contend(sim, TDXSIM_RES_PAGE, page, 0, TDXSIM_LOCK_SHARED, 1);
		break;
	}
	assert_int_equal(err, TDXSIM_OK);
}

void tdmw_refused(struct tdmw *w, const char *rule, uint64_t rax, const tdxsim_regs_t *in,
		  const tdxsim_regs_t *out, uint64_t status)
{
	struct fx *fx = &w->fx;
	tdxsim_regs_t r = *in;
	uint64_t before = tdxsim_state_hash(fx->sim);
	uint64_t st = tdfx_call(fx, 0, rax, &r);
	if (st != status || memcmp(&r, out, sizeof(r)) != 0)
		print_error("rule %s: status %#llx rcx %#llx rdx %#llx r8 %#llx\n", rule,
			    (unsigned long long)st, (unsigned long long)r.rcx, (unsigned long long)r.rdx,
			    (unsigned long long)r.r8);
	assert_status(st, status);
	assert_memory_equal(&r, out, sizeof(r));
	assert_int_equal(tdxsim_state_hash(fx->sim), before);
	tdxsim_clear_contention(fx->sim);
	tdfx_assert_invariants(fx);
}

void tdmw_ok(struct tdmw *w, uint64_t rax, uint64_t rcx, uint64_t rdx, uint64_t r8, tdxsim_regs_t *out)
{
	assert_status(fx_call(w->fx.sim, 0, rax, rcx, rdx, r8, out), TDXSIM_TDX_SUCCESS);
}

void tdmw_sept_rd(struct tdmw *w, uint64_t info, uint64_t *rcx, uint64_t *rdx)
{
	tdxsim_regs_t o;
	tdmw_ok(w, TDXSIM_TDH_MEM_SEPT_RD, info, w->td.tdr, 0, &o);
	*rcx = o.rcx;
	*rdx = o.rdx;
}

void tdmw_rdmd(struct tdmw *w, uint64_t pa, tdxsim_regs_t *out)
{
	tdmw_ok(w, TDXSIM_TDH_PHYMEM_PAGE_RDMD, pa, 0, 0, out);
}

static tdxsim_td_info_t query(struct tdmw *w)
{
	tdxsim_td_info_t info = {.size = sizeof(info)};
	assert_int_equal(tdxsim_td_query(w->fx.sim, w->td.tdr, &info), TDXSIM_OK);
	return info;
}

uint64_t tdmw_chldcnt(struct tdmw *w)
{
	return query(w).chldcnt;
}

uint64_t tdmw_epoch(struct tdmw *w)
{
	return query(w).td_epoch;
}

void tdmw_reside(struct tdmw *w, uint32_t calls)
{
	tdxsim_regs_t r = {.rcx = w->vp.tdvpr};
	/* No guest program: the vCPU halts at once (a TDVMCALL exit, 0x4D). Still associated
	 * with LP 0 (VP.INIT's): flush it there first. */
	if (tdfx_call(&w->fx, TDMW_GUEST_LP, TDXSIM_TDH_VP_ENTER, &r) == TDXSIM_TDX_VCPU_ASSOCIATED) {
		tdmw_ok(w, TDXSIM_TDH_VP_FLUSH, w->vp.tdvpr, 0, 0, NULL);
		r = (tdxsim_regs_t){.rcx = w->vp.tdvpr};
		assert_status(tdfx_call(&w->fx, TDMW_GUEST_LP, TDXSIM_TDH_VP_ENTER, &r), 0x4D);
	}
	assert_int_equal(tdxsim_vcpu_stay_in_guest(w->fx.sim, w->vp.tdvpr, calls), TDXSIM_OK);
}

uint64_t tdmw_refcount(struct tdmw *w, unsigned parity)
{
	tdxsim_regs_t r;
	tdmw_ok(w, TDXSIM_TDH_MNG_RD, w->td.tdr, UINT64_C(0x9210000100000001) + parity, 0, &r);
	return r.r8;
}
