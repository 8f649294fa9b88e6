/* SPDX-License-Identifier: MIT */
/*
 * td_add_pages: the initial image as KVM adds it (td-build.md 3.11-3.13): TDH.MEM.SEPT.ADD of
 * every table on the way to each GPA that the TD does not have yet (from the root level down;
 * a table a seamcall step added answers TDX_EPT_ENTRY_STATE_INCORRECT, which counts as
 * "exists", as for KVM), then per 4 KiB page TDH.MEM.PAGE.ADD from a source page the host
 * filled and, when measured, 16 x TDH.MR.EXTEND of 256 bytes.
 */
#include <stdlib.h>

#include "scenario/run_td.h"

#define PAGE  4096u
#define CHUNK 256u /* bytes per TDH.MR.EXTEND (td-build.md 3.13) */

static int eval_or(struct scn_run *r, const struct scn_expr *e, uint64_t dflt, uint64_t *out)
{
	*out = dflt;
	return e ? tdxsim_scn_eval(r, e, out) : 0;
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

int tdxsim_scn_td_sept_populate(struct scn_tdop *o, struct scn_td_run *td, uint64_t gpa, unsigned leaf_level)
{
	for (unsigned level = td->root_level; level >= leaf_level + 1; level--) {
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
			/* A table a seamcall step added: the module says the entry is not FREE, which
			 * KVM reads as "exists" too (the example's sept_populate). */
			if (o->err ||
			    (o->status & TDXSIM_STATUS_MASK) != TDXSIM_TDX_EPT_ENTRY_STATE_INCORRECT)
				return 1;
			tdxsim_scn_td_forgive(o);
			pa = SCN_TD_FREED; /* not the hypervisor's page: never reclaimed by it */
		}
		td->sept[td->num_sept] = pa;
		td->sept_at[td->num_sept++] = at;
	}
	return 0;
}

bool tdxsim_scn_td_record_page(struct scn_td_run *td, uint64_t gpa_level, uint64_t hpa)
{
	/* A page given back to the TD after a seamcall step removed it is the same page. */
	for (unsigned i = 0; i < td->num_pages; i++) {
		if (td->hpa[i] == hpa) {
			td->gpa[i] = gpa_level;
			td->gone[i] = 0;
			return true;
		}
	}
	if (!reserve(td, false))
		return false;
	td->gpa[td->num_pages] = gpa_level;
	td->gone[td->num_pages] = 0;
	td->hpa[td->num_pages++] = hpa;
	return true;
}

int tdxsim_scn_td_add_pages(struct scn_tdop *o, const struct scn_td_step *t, struct scn_td_run *td)
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
		if ((rc = tdxsim_scn_td_sept_populate(o, td, gpa + off, 0)))
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
