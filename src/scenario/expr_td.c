/* SPDX-License-Identifier: MIT */
/*
 * Names of a TD's pages in expressions: "a.tdr", "a.tdcs[3]", "a.vcpu[0].tdvpr",
 * "a.vcpu[0].tdcx[2]", "a.sept[0]", "a.page[5]", "a.hkid", ..., where a is a TD a td_create
 * step named earlier in the file, and "page(x)", a free page the run allocates the first time
 * the name is used and that keeps its address for the rest of the run. Resolved at load time
 * into an SCN_OP_TD / SCN_OP_PAGE node; the values are read when the step runs (run_td.c).
 */
#include <string.h>

#include "scenario/parser.h"

static const struct {
	const char *name;
	uint8_t field;
	bool indexed;
} fields[] = {
	{"tdr", SCN_TDF_TDR, false},
	{"hkid", SCN_TDF_HKID, false},
	{"params", SCN_TDF_PARAMS, false},
	{"tdcs", SCN_TDF_TDCS, true},
	{"num_tdcs", SCN_TDF_NUM_TDCS, false},
	{"num_vcpus", SCN_TDF_NUM_VCPUS, false},
	{"sept", SCN_TDF_SEPT, true},
	{"num_sept", SCN_TDF_NUM_SEPT, false},
	{"page", SCN_TDF_PAGE, true},
	{"gpa", SCN_TDF_GPA, true},
	{"num_pages", SCN_TDF_NUM_PAGES, false},
};

#define FIELD_LIST                                                                                      \
	"tdr, hkid, params, tdcs[i], num_tdcs, vcpu[i].tdvpr, vcpu[i].tdcx[j], vcpu[i].lp, num_vcpus, " \
	"sept[i], num_sept, page[i], gpa[i], num_pages"

static struct scn_expr *page_ref(struct scn_parser *p)
{
	char name[48];
	tdxsim_scn_accept(p, "(");
	while (p->i < p->len && p->s[p->i] == ' ')
		p->i++;
	size_t n = tdxsim_scn_scan_word(p, name, sizeof(name), false);
	if (!n || n >= sizeof(name))
		return tdxsim_scn_perr(p, "page(NAME): expected a name (letters, digits, _; at most 47)"),
		       NULL;
	if (!tdxsim_scn_accept(p, ")"))
		return tdxsim_scn_perr(p, "expected ')' after page(NAME"), NULL;
	int idx = tdxsim_scn_names_find(p->ld, &p->ld->scn->pages, name, true);
	if (idx < 0)
		return tdxsim_scn_perr(p, "out of memory"), NULL;
	return tdxsim_scn_node_new(p, SCN_OP_PAGE, (uint64_t)idx);
}

static struct scn_expr *vcpu_ref(struct scn_parser *p, struct scn_expr *e)
{
	char f[16];
	if (!(e->a = tdxsim_scn_parse_index(p)))
		return NULL;
	if (!tdxsim_scn_accept(p, "."))
		return tdxsim_scn_perr(p, "expected .tdvpr, .tdcx[j] or .lp after vcpu[i]"), NULL;
	tdxsim_scn_scan_word(p, f, sizeof(f), false);
	if (!strcmp(f, "tdvpr") || !strcmp(f, "lp")) {
		e->field = f[0] == 't' ? SCN_TDF_VCPU_TDVPR : SCN_TDF_VCPU_LP;
		return e;
	}
	if (strcmp(f, "tdcx"))
		return tdxsim_scn_perr(p, "unknown vCPU field '%s' (expected tdvpr, tdcx[j] or lp)", f), NULL;
	e->field = SCN_TDF_VCPU_TDCX;
	return (e->b = tdxsim_scn_parse_index(p)) ? e : NULL;
}

bool tdxsim_scn_parse_td_ref(struct scn_parser *p, const char *name, size_t at, struct scn_expr **out)
{
	*out = NULL;
	if (!strcmp(name, "page") && tdxsim_scn_peek(p, "(")) {
		*out = page_ref(p);
		return true;
	}
	const char *dot = strchr(name, '.');
	char td[48];
	if (!dot || (size_t)(dot - name) >= sizeof(td))
		return false;
	memcpy(td, name, (size_t)(dot - name));
	td[dot - name] = 0;
	int idx = tdxsim_scn_names_find(p->ld, &p->ld->scn->tds, td, false);
	if (idx < 0)
		return false;
	struct scn_expr *e = tdxsim_scn_node_new(p, SCN_OP_TD, (uint64_t)idx);
	if (!e)
		return true;
	const char *f = dot + 1;
	if (!strcmp(f, "vcpu")) {
		*out = vcpu_ref(p, e);
		return true;
	}
	for (size_t i = 0; i < SCN_COUNT(fields); i++) {
		if (strcmp(fields[i].name, f))
			continue;
		e->field = fields[i].field;
		if (fields[i].indexed && !(e->a = tdxsim_scn_parse_index(p)))
			return true;
		*out = e;
		return true;
	}
	p->i = at;
	tdxsim_scn_perr(p, "TD %s has no '%s' (expected one of: " FIELD_LIST ")", td, f);
	return true;
}
