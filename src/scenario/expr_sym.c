/* SPDX-License-Identifier: MIT */
/*
 * "$" symbols in expressions: what the host bring-up built ($tdmr[i].base, $pa_array, ...),
 * what the platform is ($num_lps, $cmr[i].size), and variables. Resolved at load time into a
 * symbol and field; their values are read at run time (eval.c).
 */
#include <stdio.h>
#include <string.h>

#include "scenario/parser.h"

struct tdmr_field_name {
	const char *name;
	uint8_t field;
	bool in_info; /* also a field of TDMR_INFO */
};

static const struct tdmr_field_name tdmr_fields[] = {
	{"base", SCN_TF_BASE, true},
	{"size", SCN_TF_SIZE, true},
	{"end", SCN_TF_END, false},
	{"pamt_base", SCN_TF_PAMT_BASE, false},
	{"pamt_size", SCN_TF_PAMT_SIZE, false},
	{"pamt_1g_base", SCN_TF_PAMT_1G_BASE, true},
	{"pamt_1g_size", SCN_TF_PAMT_1G_SIZE, true},
	{"pamt_2m_base", SCN_TF_PAMT_2M_BASE, true},
	{"pamt_2m_size", SCN_TF_PAMT_2M_SIZE, true},
	{"pamt_4k_base", SCN_TF_PAMT_4K_BASE, true},
	{"pamt_4k_size", SCN_TF_PAMT_4K_SIZE, true},
	{"num_rsvd", SCN_TF_NUM_RSVD, false},
};

static const struct {
	const char *name;
	uint8_t sym;
} scalar_syms[] = {
	{"tdmr_array", SCN_SYM_TDMR_ARRAY},
	{"pa_array", SCN_SYM_PA_ARRAY},
	{"num_tdmrs", SCN_SYM_NUM_TDMRS},
	{"global_keyid", SCN_SYM_GLOBAL_KEYID},
	{"keyid_first", SCN_SYM_KEYID_FIRST},
	{"keyid_count", SCN_SYM_KEYID_COUNT},
	{"pamt_bytes", SCN_SYM_PAMT_BYTES},
	{"keyid_shift", SCN_SYM_KEYID_SHIFT},
	{"num_lps", SCN_SYM_NUM_LPS},
	{"num_packages", SCN_SYM_NUM_PACKAGES},
	{"mce_addr", SCN_SYM_MCE_ADDR},
	{"tdmr", SCN_SYM_TDMR},
	{"tdmr_info", SCN_SYM_TDMR_INFO},
	{"cmr", SCN_SYM_CMR},
	{"ram", SCN_SYM_RAM},
};

bool tdxsim_scn_is_builtin_symbol(const char *name)
{
	for (size_t i = 0; i < SCN_COUNT(scalar_syms); i++)
		if (!strcmp(scalar_syms[i].name, name))
			return true;
	return false;
}

/* The field after "$tdmr[i]." or "$tdmr_info[i].". */
static int parse_tdmr_field(struct scn_parser *p, struct scn_expr *e, bool info)
{
	char word[32];
	size_t at = p->i;
	tdxsim_scn_scan_word(p, word, sizeof(word), false);
	if (!strcmp(word, "rsvd")) {
		e->b = tdxsim_scn_parse_index(p);
		if (!e->b)
			return -1;
		if (!tdxsim_scn_accept(p, ".offset") && !tdxsim_scn_accept(p, ".size"))
			return tdxsim_scn_perr(p, "expected .offset or .size after rsvd[j]");
		e->field = p->s[p->i - 1] == 't' ? SCN_TF_RSVD_OFFSET : SCN_TF_RSVD_SIZE;
		return 0;
	}
	for (size_t i = 0; i < SCN_COUNT(tdmr_fields); i++) {
		if (!strcmp(tdmr_fields[i].name, word) && (!info || tdmr_fields[i].in_info)) {
			e->field = tdmr_fields[i].field;
			return 0;
		}
	}
	p->i = at;
	return tdxsim_scn_perr(
		p,
		info ? "unknown TDMR_INFO field '%s' (expected base, size, pamt_{1g,2m,4k}_{base,size} or "
		       "rsvd[j].offset/.size)"
		     : "unknown TDMR field '%s' (expected base, size, end, pamt_base, pamt_size, "
		       "pamt_{1g,2m,4k}_{base,size}, num_rsvd or rsvd[j].offset/.size)",
		word);
}

struct scn_expr *tdxsim_scn_parse_symbol(struct scn_parser *p)
{
	size_t at = p->i;
	p->i++; /* '$' */
	char name[64];
	if (!tdxsim_scn_scan_word(p, name, sizeof(name), false)) {
		p->i = at;
		return tdxsim_scn_perr(p, "expected a name after '$'"), NULL;
	}
	for (size_t i = 0; i < SCN_COUNT(scalar_syms); i++) {
		if (strcmp(scalar_syms[i].name, name))
			continue;
		struct scn_expr *e = tdxsim_scn_node_new(p, SCN_OP_SYM, 0);
		if (!e)
			return NULL;
		e->sym = scalar_syms[i].sym;
		bool indexed = e->sym >= SCN_SYM_TDMR || e->sym == SCN_SYM_PA_ARRAY;
		if (!indexed)
			return e;
		if (e->sym == SCN_SYM_PA_ARRAY && !tdxsim_scn_peek(p, "["))
			return e;
		if (!(e->a = tdxsim_scn_parse_index(p)))
			return NULL;
		if (e->sym == SCN_SYM_PA_ARRAY || (e->sym == SCN_SYM_TDMR_INFO && !tdxsim_scn_peek(p, ".")))
			return e;
		if (!tdxsim_scn_accept(p, "."))
			return tdxsim_scn_perr(p, "expected '.' and a field name after ']'"), NULL;
		if (e->sym == SCN_SYM_TDMR || e->sym == SCN_SYM_TDMR_INFO)
			return parse_tdmr_field(p, e, e->sym == SCN_SYM_TDMR_INFO) ? NULL : e;
		char f[16];
		tdxsim_scn_scan_word(p, f, sizeof(f), false);
		if (strcmp(f, "base") && strcmp(f, "size") && strcmp(f, "end"))
			return tdxsim_scn_perr(p, "unknown field '%s' (expected base, size or end)", f), NULL;
		e->field = f[0] == 'b' ? SCN_TF_BASE : f[0] == 's' ? SCN_TF_SIZE : SCN_TF_END;
		return e;
	}
	int var = tdxsim_scn_var_lookup(p->ld, name, false);
	if (var < 0) {
		p->i = at;
		return tdxsim_scn_perr(
			       p, "unknown variable '$%s' (define it with set: or save: in an earlier step)",
			       name),
		       NULL;
	}
	return tdxsim_scn_node_new(p, SCN_OP_VAR, (uint64_t)var);
}
