/* SPDX-License-Identifier: MIT */
/*
 * td_teardown: a TD's end in KVM's order (td-build.md section 4; tdx-module-abi.md 11.1),
 * after every vCPU a td_stay_in_guest step left in the guest is made to leave it
 * (tdxsim_vcpu_leave_guest()): KVM destroys a VM only once its vCPUs are stopped, and sends
 * VP.FLUSH by IPI to the vCPU's CPU, which exits the guest first:
 *   zap        per private page RANGE.BLOCK, TRACK, PAGE.REMOVE, PHYMEM.PAGE.WBINVD with the TD's
 *              KeyID, while the KeyID is still assigned (KVM retries OPERAND_BUSY once there)
 *   flush      VP.FLUSH of each vCPU on the LP it last ran on (VCPU_NOT_ASSOCIATED ignored)
 *   flushdone  MNG.VPFLUSHDONE
 *   cache_wb   PHYMEM.CACHE.WB on each package, resumed while INTERRUPTED_RESUMABLE;
 *              NO_HKID_READY_TO_WBCACHE counts as done
 *   freeid     MNG.KEY.FREEID
 *   reclaim    PHYMEM.PAGE.RECLAIM of every child page: SEPT pages (leaves first), each vCPU's
 *              TDCX pages and TDVPR, the TDCS pages, and named pages (page(x)) the PAMT says the
 *              TD owns (a seamcall step gave them to it)
 *   reclaim_tdr PHYMEM.PAGE.RECLAIM of the TDR, then PAGE.WBINVD with the global KeyID
 * The host clears each page it gets back with MOVDIR64B (on partial-write-erratum parts a
 * plain store would poison lines the TD's KeyID still owns) and frees it.
 * stop: PHASE stops before PHASE, so that seamcall steps can try a leaf out of order; a later
 * td_teardown goes on from where the TD stands and skips what is already done (judged from
 * the TD's lifecycle state and the PAMT, as a hypervisor knows what it did).
 */
#include <string.h>

#include "scenario/run_td.h"
#include "tdxsim/td.h"

#define PAGE 4096u

static const char *const phase_names[] = {"zap",    "flush",   "flushdone",   "cache_wb",
					  "freeid", "reclaim", "reclaim_tdr", "done"};

static void clear_free_size(struct scn_run *r, uint64_t pa, uint64_t size, bool free_it)
{
	static const uint8_t zero[64];
	for (uint64_t off = 0; off < size; off += 64)
		tdxsim_movdir64b(r->sim, 0, pa + off, zero);
	if (free_it)
		tdxsim_phys_free(r->sim, pa, size);
}

static void clear_free(struct scn_run *r, uint64_t pa, bool free_it)
{
	clear_free_size(r, pa, PAGE, free_it);
}

static int lifecycle(struct scn_run *r, const struct scn_td_run *td)
{
	tdxsim_td_info_t info = {.size = sizeof(info)};
	return tdxsim_td_query(r->sim, td->tdr, &info) == TDXSIM_OK ? (int)info.lifecycle : -1;
}

/* A fatal TD refuses the zap leaves (TDX_TD_FATAL, td-runtime.md 2 T5): its private pages are
 * reclaimed after KEY.FREEID with the other children, as KVM reclaims every page once it has
 * released the HKID. */
static bool fatal(struct scn_run *r, const struct scn_td_run *td)
{
	tdxsim_td_info_t info = {.size = sizeof(info)};
	return tdxsim_td_query(r->sim, td->tdr, &info) == TDXSIM_OK && info.fatal;
}

static uint32_t global_keyid(struct scn_run *r)
{
	for (uint32_t k = 1; k < 1u << 15; k++)
		if (tdxsim_kot_state(r->sim, k) == 3) /* HKID_RESERVED */
			return k;
	return 0;
}

/* KVM's rule for the zap leaves: one retry on OPERAND_BUSY. */
static bool call_busy_once(struct scn_tdop *o, uint64_t leaf, const tdxsim_regs_t *in)
{
	tdxsim_regs_t regs = *in;
	if (tdxsim_scn_td_call(o, 0, leaf, &regs))
		return true;
	if ((o->status & TDXSIM_STATUS_MASK) != TDXSIM_TDX_OPERAND_BUSY || o->err)
		return false;
	tdxsim_scn_td_forgive(o);
	regs = *in;
	return tdxsim_scn_td_call(o, 0, leaf, &regs);
}

/* BLOCK, TRACK, REMOVE of the leaf at @at (GPA | level), then PAGE.WBINVD of each 4 KiB of it
 * (KVM flushes a huge page 4 KiB at a time) and the host's clear and free. */
static bool zap_leaf(struct scn_tdop *o, struct scn_td_run *td, uint64_t at_gpa, uint64_t hpa, uint64_t size)
{
	struct scn_run *r = o->r;
	tdxsim_regs_t at = {.rcx = at_gpa, .rdx = td->tdr}, tdr = {.rcx = td->tdr};
	if (!call_busy_once(o, TDXSIM_TDH_MEM_RANGE_BLOCK, &at) ||
	    !call_busy_once(o, TDXSIM_TDH_MEM_TRACK, &tdr) ||
	    !call_busy_once(o, TDXSIM_TDH_MEM_PAGE_REMOVE, &at))
		return false;
	for (uint64_t off = 0; off < size; off += PAGE) {
		tdxsim_regs_t wb = {.rcx = (hpa + off) | (uint64_t)td->hkid << tdxsim_keyid_shift(r->sim)};
		if (!tdxsim_scn_td_call(o, 0, TDXSIM_TDH_PHYMEM_PAGE_WBINVD, &wb))
			return false;
	}
	clear_free_size(r, hpa, size, true);
	return true;
}

/* A 2 MiB page a seamcall step DEMOTEd: its 512 4 KiB leaves, each as the PAMT has it now. */
static bool zap_demoted(struct scn_tdop *o, struct scn_td_run *td, uint64_t gpa, uint64_t hpa)
{
	for (uint64_t off = 0; off < (UINT64_C(2) << 20); off += PAGE) {
		tdxsim_pamt_info_t pi;
		if (tdxsim_pamt_query(o->r->sim, hpa + off, &pi) == TDXSIM_OK &&
		    pi.page_type != TDXSIM_PT_REG)
			clear_free(o->r, hpa + off, pi.page_type == TDXSIM_PT_NDA);
		else if (!zap_leaf(o, td, gpa + off, hpa + off, PAGE))
			return false;
	}
	return true;
}

static bool zap(struct scn_tdop *o, struct scn_td_run *td)
{
	struct scn_run *r = o->r;
	for (unsigned i = 0; i < td->num_pages; i++) {
		tdxsim_pamt_info_t pi;
		/* td_aug keeps a 2 MiB page's level in the GPA's low bits: RCX = GPA | level. */
		unsigned level = td->gpa[i] & 3;
		uint64_t size = (uint64_t)PAGE << (9 * level), gpa = td->gpa[i] & ~UINT64_C(0xFFF);
		if (td->gone[i])
			continue;
		bool known = tdxsim_pamt_query(r->sim, td->hpa[i], &pi) == TDXSIM_OK;
		/* Removed by a seamcall step already: only the host's part is left. */
		if (known && pi.page_type != TDXSIM_PT_REG) {
			clear_free_size(r, td->hpa[i], size, pi.page_type == TDXSIM_PT_NDA);
		} else if (known && level == 1 && pi.level == TDXSIM_PS_4K) {
			if (!zap_demoted(o, td, gpa, td->hpa[i])) /* split by a seamcall DEMOTE */
				return false;
		} else if (known && level == 0 && pi.level == TDXSIM_PS_2M) {
			/* Merged by a seamcall PROMOTE: one 2 MiB leaf holds this page and its 511
			 * neighbours, which go with it. */
			const uint64_t huge = UINT64_C(2) << 20;
			uint64_t base = td->hpa[i] & ~(huge - 1);
			if (!zap_leaf(o, td, (gpa & ~(huge - 1)) | 1, base, huge))
				return false;
			for (unsigned j = 0; j < td->num_pages; j++)
				td->gone[j] |= td->hpa[j] - base < huge;
		} else if (!zap_leaf(o, td, td->gpa[i], td->hpa[i], size)) {
			return false;
		}
		td->gone[i] = 1;
	}
	return true;
}

static bool flush(struct scn_tdop *o, struct scn_td_run *td)
{
	for (unsigned v = 0; v < td->num_vcpus; v++) {
		if (td->vcpu[v].flushed)
			continue;
		tdxsim_regs_t regs = {.rcx = td->vcpu[v].tdvpr};
		if (!tdxsim_scn_td_call(o, td->vcpu[v].ran_lp, TDXSIM_TDH_VP_FLUSH, &regs)) {
			if (o->status != TDXSIM_TDX_VCPU_NOT_ASSOCIATED)
				return false;
			tdxsim_scn_td_forgive(o); /* KVM ignores it: nothing to flush there */
		}
		td->vcpu[v].flushed = true;
	}
	return true;
}

static bool cache_wb(struct scn_tdop *o)
{
	struct scn_run *r = o->r;
	for (uint32_t pkg = 0; pkg < tdxsim_num_packages(r->sim); pkg++) {
		uint32_t lp = tdxsim_scn_pkg_lp(r, pkg);
		tdxsim_regs_t regs = {.rcx = 0};
		bool ok = tdxsim_scn_td_call(o, lp, TDXSIM_TDH_PHYMEM_CACHE_WB, &regs);
		/* KVM resumes with RCX = 1 up to 10000 times per package. */
		for (unsigned k = 0;
		     !ok && o->status == TDXSIM_TDX_INTERRUPTED_RESUMABLE && k < 10000 && !o->err; k++) {
			tdxsim_scn_td_forgive(o);
			regs = (tdxsim_regs_t){.rcx = 1};
			ok = tdxsim_scn_td_call(o, lp, TDXSIM_TDH_PHYMEM_CACHE_WB, &regs);
		}
		if (!ok && o->status != TDXSIM_TDX_NO_HKID_READY_TO_WBCACHE)
			return false;
		if (!ok)
			tdxsim_scn_td_forgive(o);
	}
	return true;
}

/* Reclaims the @size page at *@ppa if the PAMT says the TD still owns it; clears it and (if
 * @free_it) frees it, then marks the address SCN_TD_FREED so that a later teardown step does not
 * free it twice. */
static bool reclaim_size(struct scn_tdop *o, struct scn_td_run *td, uint64_t *ppa, uint64_t size,
			 bool free_it)
{
	tdxsim_pamt_info_t pi;
	uint64_t pa = *ppa;
	if (!pa || (pa & SCN_TD_FREED) || tdxsim_pamt_query(o->r->sim, pa, &pi) != TDXSIM_OK)
		return true;
	if (pi.page_type != TDXSIM_PT_NDA) {
		if (pi.owner != td->tdr)
			return true; /* not this TD's page (any more): leave it alone */
		tdxsim_regs_t regs = {.rcx = pa};
		if (!tdxsim_scn_td_call(o, 0, TDXSIM_TDH_PHYMEM_PAGE_RECLAIM, &regs))
			return false;
	}
	clear_free_size(o->r, pa, size, free_it);
	if (free_it)
		*ppa |= SCN_TD_FREED;
	return true;
}

static bool reclaim(struct scn_tdop *o, struct scn_td_run *td, uint64_t *ppa, bool free_it)
{
	return reclaim_size(o, td, ppa, PAGE, free_it);
}

/* A private page an earlier stop left (zap skipped: VPFLUSHDONE done, or a fatal TD),
 * reclaimed as the PAMT holds it now, the way zap() would have removed it: at its own size, as
 * 512 4 KiB pages after a DEMOTE, or as the whole 2 MiB leaf a PROMOTE merged it into. The
 * host's part follows the size reclaimed: every byte cleared, the range freed. */
static bool reclaim_private(struct scn_tdop *o, struct scn_td_run *td, unsigned i)
{
	const uint64_t huge = UINT64_C(2) << 20;
	unsigned level = td->gpa[i] & 3;
	tdxsim_pamt_info_t pi;
	if (tdxsim_pamt_query(o->r->sim, td->hpa[i], &pi) != TDXSIM_OK)
		return true;
	if (level == 1 && pi.level == TDXSIM_PS_4K) {
		for (uint64_t off = 0; off < huge; off += PAGE) {
			uint64_t pa = td->hpa[i] + off;
			if (!reclaim(o, td, &pa, true))
				return false;
		}
		return true;
	}
	if (level == 0 && pi.level == TDXSIM_PS_2M) {
		uint64_t base = td->hpa[i] & ~(huge - 1);
		if (!reclaim_size(o, td, &base, huge, true))
			return false;
		for (unsigned j = 0; j < td->num_pages; j++)
			td->gone[j] |= td->hpa[j] - (td->hpa[i] & ~(huge - 1)) < huge;
		return true;
	}
	return reclaim_size(o, td, &td->hpa[i], (uint64_t)PAGE << (9 * level), true);
}

static bool reclaim_children(struct scn_tdop *o, struct scn_td_run *td)
{
	struct scn_run *r = o->r;
	for (unsigned i = td->num_sept; i-- > 0;)
		if (!reclaim(o, td, &td->sept[i], true))
			return false;
	for (unsigned v = 0; v < td->num_vcpus; v++) {
		for (unsigned i = 0; i < td->vcpu[v].num_tdcx; i++)
			if (!reclaim(o, td, &td->vcpu[v].tdcx[i], true))
				return false;
		if (!reclaim(o, td, &td->vcpu[v].tdvpr, true))
			return false;
	}
	for (unsigned i = 0; i < td->num_tdcs; i++)
		if (!reclaim(o, td, &td->tdcs[i], true))
			return false;
	/* Named pages stay the scenario's: reclaimed and cleared, not freed. */
	for (unsigned i = 0; r->named_pages && i < r->scn->pages.n; i++) {
		tdxsim_pamt_info_t pi;
		uint64_t pa = r->named_pages[i];
		if (pa && tdxsim_pamt_query(r->sim, pa, &pi) == TDXSIM_OK && pi.page_type != TDXSIM_PT_NDA &&
		    pi.page_type != TDXSIM_PT_TDR && pi.owner == td->tdr && !reclaim(o, td, &pa, false))
			return false;
	}
	return true;
}

static bool reclaim_tdr(struct scn_tdop *o, struct scn_td_run *td)
{
	struct scn_run *r = o->r;
	tdxsim_regs_t regs = {.rcx = td->tdr};
	if (!tdxsim_scn_td_call(o, 0, TDXSIM_TDH_PHYMEM_PAGE_RECLAIM, &regs))
		return false;
	/* The TDR's lines belong to the global KeyID (td-build.md 3.19). */
	regs = (tdxsim_regs_t){.rcx = td->tdr | (uint64_t)global_keyid(r) << tdxsim_keyid_shift(r->sim)};
	if (!tdxsim_scn_td_call(o, 0, TDXSIM_TDH_PHYMEM_PAGE_WBINVD, &regs))
		return false;
	clear_free(r, td->tdr, true);
	if (td->params)
		tdxsim_phys_free(r->sim, td->params, PAGE);
	td->params = 0;
	td->live = false;
	return true;
}

/* The kick: each vCPU still in the guest exits (an external-interrupt exit), so that the
 * zap's REMOVE is tracked and VP.FLUSH finds the vCPU READY; how many left. */
static unsigned kick(struct scn_run *r, const struct scn_td_run *td)
{
	unsigned n = 0;
	for (unsigned v = 0; v < td->num_vcpus; v++)
		if (!(td->vcpu[v].tdvpr & SCN_TD_FREED))
			n += tdxsim_vcpu_leave_guest(r->sim, td->vcpu[v].tdvpr) == TDXSIM_OK;
	return n;
}

int tdxsim_scn_td_teardown(struct scn_tdop *o, const struct scn_td_step *t, struct scn_td_run *td)
{
	struct scn_run *r = o->r;
	int phase = SCN_TD_PHASE_ZAP;
	unsigned kicked = t->stop == SCN_TD_PHASE_ZAP ? 0 : kick(r, td);
	if (kicked)
		tdxsim_scn_buf_printf(&r->detail, "%u vCPU(s) kicked out of the guest first", kicked);
	for (; phase < SCN_TD_PHASE_DONE && phase != t->stop && !o->err; phase++) {
		int lc = lifecycle(r, td);
		bool ok = true;
		switch (phase) {
		case SCN_TD_PHASE_ZAP:
			/* after VPFLUSHDONE (or in a fatal TD) pages are reclaimed instead */
			ok = lc >= 2 || fatal(r, td) || zap(o, td);
			break;
		case SCN_TD_PHASE_FLUSH:
			ok = lc >= 2 || flush(o, td);
			break;
		case SCN_TD_PHASE_FLUSHDONE:
			if (lc < 2) {
				tdxsim_regs_t regs = {.rcx = td->tdr};
				ok = tdxsim_scn_td_call(o, 0, TDXSIM_TDH_MNG_VPFLUSHDONE, &regs);
			}
			break;
		case SCN_TD_PHASE_CACHE_WB:
			ok = lc >= 3 || cache_wb(o);
			break;
		case SCN_TD_PHASE_FREEID:
			if (lc < 3) {
				tdxsim_regs_t regs = {.rcx = td->tdr};
				ok = tdxsim_scn_td_call(o, 0, TDXSIM_TDH_MNG_KEY_FREEID, &regs);
			}
			break;
		case SCN_TD_PHASE_RECLAIM:
			for (unsigned i = 0; ok && i < td->num_pages; i++) /* pages left by an earlier stop */
				if (!td->gone[i] && (ok = reclaim_private(o, td, i)))
					td->gone[i] = 1;
			ok = ok && reclaim_children(o, td);
			break;
		case SCN_TD_PHASE_RECLAIM_TDR:
			ok = reclaim_tdr(o, td);
			break;
		}
		if (!ok)
			return o->err ? -1 : 0;
	}
	if (o->err)
		return -1;
	if (kicked)
		tdxsim_scn_buf_printf(&r->detail, "; ");
	if (phase == SCN_TD_PHASE_DONE)
		tdxsim_scn_buf_printf(&r->detail, "TD %s torn down: every page reclaimed, KeyID %u free",
				      o->name, td->hkid);
	else
		tdxsim_scn_buf_printf(&r->detail, "TD %s: teardown stopped before %s", o->name,
				      phase_names[phase]);
	return 0;
}
