/* SPDX-License-Identifier: MIT */
/*
 * What the run knows of TDs, read by expressions and expectations: the values of "a.tdr",
 * "a.vcpu[0].tdvpr", "page(x)" (expr_td.c), and the kot, td and td_count expectations, read
 * through the library's TD queries (tdxsim_kot_state, tdxsim_td_query, tdxsim_td_count): what
 * the module's KOT and TDR/TDCS hold, read out of band so that checking changes nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/run.h"
#include "tdxsim/td.h"

static int index_of(struct scn_run *r, const struct scn_expr *x, unsigned n, const char *what, unsigned *out)
{
	uint64_t i;
	if (tdxsim_scn_eval(r, x, &i))
		return -1;
	if (i >= n)
		return tdxsim_scn_run_error(r, "%s[%llu]: there are %u", what, (unsigned long long)i, n);
	*out = (unsigned)i;
	return 0;
}

static int td_value(struct scn_run *r, const struct scn_expr *e, uint64_t *out);

int tdxsim_scn_td_value(struct scn_run *r, const struct scn_expr *e, uint64_t *out)
{
	if (td_value(r, e, out))
		return -1;
	/* A freed page's address stays what it was. */
	if (e->field == SCN_TDF_TDCS || e->field == SCN_TDF_VCPU_TDVPR || e->field == SCN_TDF_VCPU_TDCX ||
	    e->field == SCN_TDF_SEPT || e->field == SCN_TDF_PAGE)
		*out &= ~SCN_TD_FREED;
	return 0;
}

static int td_value(struct scn_run *r, const struct scn_expr *e, uint64_t *out)
{
	const char *name = r->scn->tds.v[e->value];
	struct scn_td_run *td = tdxsim_scn_td_get(r, (unsigned)e->value);
	unsigned i = 0, j = 0;
	if (!td)
		return tdxsim_scn_run_error(r, "out of memory");
	if (!td->created)
		return tdxsim_scn_run_error(r, "TD %s has not been created yet", name);
	switch (e->field) {
	case SCN_TDF_TDR:
		*out = td->tdr;
		return 0;
	case SCN_TDF_HKID:
		*out = td->hkid;
		return 0;
	case SCN_TDF_PARAMS:
		*out = td->params;
		return td->params
			       ? 0
			       : tdxsim_scn_run_error(r, "TD %s has no TD_PARAMS page (init: false)", name);
	case SCN_TDF_TDCS:
		return index_of(r, e->a, td->num_tdcs, "tdcs", &i) ? -1 : (*out = td->tdcs[i], 0);
	case SCN_TDF_NUM_TDCS:
		*out = td->num_tdcs;
		return 0;
	case SCN_TDF_VCPU_TDVPR:
	case SCN_TDF_VCPU_TDCX:
	case SCN_TDF_VCPU_LP:
		if (index_of(r, e->a, td->num_vcpus, "vcpu", &i))
			return -1;
		if (e->field == SCN_TDF_VCPU_TDCX)
			return index_of(r, e->b, td->vcpu[i].num_tdcx, "tdcx", &j)
				       ? -1
				       : (*out = td->vcpu[i].tdcx[j], 0);
		*out = e->field == SCN_TDF_VCPU_LP ? td->vcpu[i].lp : td->vcpu[i].tdvpr;
		return 0;
	case SCN_TDF_NUM_VCPUS:
		*out = td->num_vcpus;
		return 0;
	case SCN_TDF_SEPT:
		return index_of(r, e->a, td->num_sept, "sept", &i) ? -1 : (*out = td->sept[i], 0);
	case SCN_TDF_NUM_SEPT:
		*out = td->num_sept;
		return 0;
	case SCN_TDF_PAGE:
	case SCN_TDF_GPA:
		if (index_of(r, e->a, td->num_pages, e->field == SCN_TDF_PAGE ? "page" : "gpa", &i))
			return -1;
		/* The level a td_aug step keeps in the GPA's low bits is not part of the address. */
		*out = e->field == SCN_TDF_PAGE ? td->hpa[i] : td->gpa[i] & ~UINT64_C(0xFFF);
		return 0;
	case SCN_TDF_NUM_PAGES:
		*out = td->num_pages;
		return 0;
	}
	return tdxsim_scn_run_error(r, "internal: unknown TD field %u", e->field);
}

int tdxsim_scn_page_value(struct scn_run *r, const struct scn_expr *e, uint64_t *out)
{
	if (!r->named_pages && !(r->named_pages = calloc(r->scn->pages.n, sizeof(*r->named_pages))))
		return tdxsim_scn_run_error(r, "out of memory");
	uint64_t *pa = &r->named_pages[e->value];
	/* Allocated on first use, from the host allocator as any page the host gives the module. */
	if (!*pa && tdxsim_phys_alloc(r->sim, 4096, 4096, UINT32_MAX, pa) != TDXSIM_OK)
		return tdxsim_scn_run_error(r, "page(%s): no free page left", r->scn->pages.v[e->value]);
	*out = *pa;
	return 0;
}

static void SCN_FMT(3, 4) fail(struct scn_run *r, struct scn_pos pos, const char *fmt, ...)
{
	tdxsim_scn_buf_printf(&r->why, "%s:%u:%u: ", r->scn->file, pos.line, pos.col);
	va_list ap;
	va_start(ap, fmt);
	tdxsim_scn_buf_vprintf(&r->why, fmt, ap);
	va_end(ap);
	tdxsim_scn_buf_put(&r->why, "\n", 1);
}

static bool value(struct scn_run *r, const struct scn_expr *e, uint64_t *v)
{
	if (tdxsim_scn_eval(r, e, v) == 0)
		return true;
	fail(r, e->pos, "cannot evaluate the expected value: %s", r->err);
	return false;
}

static void check_one_td(struct scn_run *r, const struct scn_td_expect *t)
{
	const char *name = r->scn->tds.v[t->td];
	struct scn_td_run *td = tdxsim_scn_td_get(r, t->td);
	tdxsim_td_info_t info = {.size = sizeof(info)};
	bool exists = td && td->created && tdxsim_td_query(r->sim, td->tdr, &info) == TDXSIM_OK;
	if (t->exists >= 0 && exists != (t->exists == 1)) {
		fail(r, t->pos, "TD %s %s, expected it %s", name, exists ? "exists" : "does not exist",
		     t->exists ? "to exist" : "gone");
		return;
	}
	if (!exists) {
		if (t->exists < 0)
			fail(r, t->pos, "TD %s does not exist (no live TDR)", name);
		return;
	}
	if (t->lifecycle >= 0 && info.lifecycle != (uint32_t)t->lifecycle)
		fail(r, t->pos, "TD %s: lifecycle %s, expected %s", name,
		     tdxsim_scn_enum_name(tdxsim_scn_td_lifecycles, info.lifecycle),
		     tdxsim_scn_enum_name(tdxsim_scn_td_lifecycles, t->lifecycle));
	if (t->op_state >= 0 && info.op_state != (uint32_t)t->op_state)
		fail(r, t->pos, "TD %s: op state %s, expected %s", name,
		     tdxsim_scn_enum_name(tdxsim_scn_td_op_states, info.op_state),
		     tdxsim_scn_enum_name(tdxsim_scn_td_op_states, t->op_state));
	const struct {
		const char *what;
		const struct scn_expr *e;
		uint64_t got;
	} nums[] = {{"chldcnt", t->chldcnt, info.chldcnt},
		    {"num_tdcx", t->num_tdcx, info.num_tdcx},
		    {"num_vcpus", t->num_vcpus, info.num_vcpus},
		    {"num_assoc_vcpus", t->num_assoc_vcpus, info.num_assoc_vcpus},
		    {"pkg_config_bitmap", t->pkg_config_bitmap, info.pkg_config_bitmap},
		    {"fatal", t->fatal, info.fatal},
		    {"td_epoch", t->td_epoch, info.td_epoch}};
	for (size_t i = 0; i < SCN_COUNT(nums); i++) {
		uint64_t v;
		if (nums[i].e && value(r, nums[i].e, &v) && v != nums[i].got)
			fail(r, nums[i].e->pos, "TD %s: %s = %llu (0x%llx), expected %llu (0x%llx)", name,
			     nums[i].what, (unsigned long long)nums[i].got, (unsigned long long)nums[i].got,
			     (unsigned long long)v, (unsigned long long)v);
	}
	if (t->has_mrtd && memcmp(info.mrtd, t->mrtd, 48)) {
		char got[97];
		for (int i = 0; i < 48; i++)
			snprintf(got + 2 * i, 3, "%02x", info.mrtd[i]);
		fail(r, t->mrtd_pos, "TD %s: MRTD %s differs", name, got);
	}
}

void tdxsim_scn_check_td(struct scn_run *r, const struct scn_expect *ex)
{
	uint64_t v;
	for (unsigned i = 0; i < ex->num_kot; i++) {
		const struct scn_kot_expect *k = &ex->kot[i];
		if (!value(r, k->keyid, &v))
			continue;
		int st = v > UINT32_MAX ? -1 : tdxsim_kot_state(r->sim, (uint32_t)v);
		if (st != k->state)
			fail(r, k->pos, "KeyID %llu: KOT state %s, expected %s", (unsigned long long)v,
			     st < 0 ? "(not a TDX private KeyID)"
				    : tdxsim_scn_enum_name(tdxsim_scn_kot_states, st),
			     tdxsim_scn_enum_name(tdxsim_scn_kot_states, k->state));
	}
	for (unsigned i = 0; i < ex->num_td; i++)
		check_one_td(r, &ex->td[i]);
	if (ex->td_count && value(r, ex->td_count, &v) && tdxsim_td_count(r->sim) != v)
		fail(r, ex->td_count->pos, "%u TD(s) exist, expected %llu", tdxsim_td_count(r->sim),
		     (unsigned long long)v);
}
