/* SPDX-License-Identifier: MIT */
/*
 * The expect block of a step: status, output registers, value, result, module state, cycles,
 * machine checks, PAMT ownership, CMR coverage and the bring-up's own results. Each key says
 * which step kinds it applies to; anything else is a load error.
 */
#include <stdio.h>
#include <string.h>

#include "scenario/scenario.h"

#define K(x)	  (UINT64_C(1) << SCN_K_##x)
#define ALL_KINDS ((UINT64_C(1) << SCN_K_COUNT) - 1)
#define TD_KINDS                                                                                     \
	(K(TD_CREATE) | K(TD_VCPU) | K(TD_ADD_PAGES) | K(TD_FINALIZE) | K(TD_TEARDOWN) | K(TD_AUG) | \
	 K(TD_ENTER))
#define REG_KINDS    (K(SEAMCALL) | K(TD_ENTER)) /* output registers: a SEAMCALL's, a TD exit's */
#define RESULT_KINDS (ALL_KINDS & ~(K(SEAMCALL) | K(INIT_TDMRS) | K(POKE) | K(SET) | K(ASSERT) | TD_KINDS))

static const struct {
	const char *key;
	uint64_t kinds;
} expect_keys[] = {
	{"status", K(SEAMCALL) | K(INIT_TDMRS) | K(BRINGUP) | TD_KINDS},
	{"value", K(RDMSR) | K(READ)},
	{"result", RESULT_KINDS},
	{"state", ALL_KINDS},
	{"cycles", ALL_KINDS},
	{"mce", ALL_KINDS},
	{"pamt", ALL_KINDS},
	{"in_cmrs", ALL_KINDS},
	{"rdmd", ALL_KINDS},
	{"kot", ALL_KINDS},
	{"td", ALL_KINDS},
	{"td_count", ALL_KINDS},
	{"message", K(BRINGUP)},
	{"tdmrs", K(BRINGUP)},
	{"key_retries", K(BRINGUP)},
	{"rcx", REG_KINDS},
	{"rdx", REG_KINDS},
	{"r8", REG_KINDS},
	{"r9", REG_KINDS},
	{"r10", REG_KINDS},
	{"r11", REG_KINDS},
	{"r12", REG_KINDS},
	{"r13", REG_KINDS},
	{"r14", REG_KINDS},
	{"r15", REG_KINDS},
	{"rbx", REG_KINDS},
	{"rdi", REG_KINDS},
	{"rsi", REG_KINDS},
	{"eax", K(CPUID)},
	{"ebx", K(CPUID)},
	{"ecx", K(CPUID)},
	{"edx", K(CPUID)},
	{"guest", ALL_KINDS},
	{"tdreport", ALL_KINDS},
};

static int load_status(struct scn_loader *ld, yaml_node_t *n, struct scn_expect *ex)
{
	if (tdxsim_scn_scalar_is(n, "any") || tdxsim_scn_scalar_is(n, "error")) {
		ex->status_match = tdxsim_scn_scalar_is(n, "any") ? SCN_MATCH_ANY : SCN_MATCH_ERROR;
		return 0;
	}
	ex->status_match = SCN_MATCH_EXACT;
	return tdxsim_scn_get_expr(ld, n, SCN_NS_STATUS, "expect.status", &ex->status);
}

static int load_cycles(struct scn_loader *ld, yaml_node_t *n, struct scn_expect *ex)
{
	static const char *const keys[] = {"min", "max", NULL};
	if (n->type == YAML_SCALAR_NODE) {
		if (tdxsim_scn_get_expr(ld, n, SCN_NS_VALUE, "expect.cycles", &ex->cycles_min))
			return -1;
		ex->cycles_max = ex->cycles_min;
		return 0;
	}
	if (tdxsim_scn_check_keys(ld, n, keys, "expect.cycles"))
		return -1;
	yaml_node_t *v;
	if ((v = tdxsim_scn_map_get(ld, n, "min")) &&
	    tdxsim_scn_get_expr(ld, v, SCN_NS_VALUE, "expect.cycles.min", &ex->cycles_min))
		return -1;
	if ((v = tdxsim_scn_map_get(ld, n, "max")) &&
	    tdxsim_scn_get_expr(ld, v, SCN_NS_VALUE, "expect.cycles.max", &ex->cycles_max))
		return -1;
	if (!ex->cycles_min && !ex->cycles_max)
		return tdxsim_scn_error(ld, tdxsim_scn_node_pos(n), "expect.cycles: give min, max or both");
	return ld->failed ? -1 : 0;
}

static int load_mce(struct scn_loader *ld, yaml_node_t *n, struct scn_expect *ex)
{
	static const char *const keys[] = {"addr", NULL};
	ex->mce_pos = tdxsim_scn_node_pos(n);
	if (n->type == YAML_SCALAR_NODE) {
		bool b;
		if (tdxsim_scn_get_bool(ld, n, "expect.mce", &b))
			return -1;
		ex->mce = b;
		return 0;
	}
	ex->mce = 1;
	yaml_node_t *v;
	if (tdxsim_scn_check_keys(ld, n, keys, "expect.mce"))
		return -1;
	if ((v = tdxsim_scn_map_get(ld, n, "addr")) &&
	    tdxsim_scn_get_expr(ld, v, SCN_NS_VALUE, "expect.mce.addr", &ex->mce_addr))
		return -1;
	return ld->failed ? -1 : 0;
}

/* pamt: {addr, ...} and rdmd: {page, ...} (what TDH.PHYMEM.PAGE.RDMD reports of a page). */
static int load_pamt_one(struct scn_loader *ld, yaml_node_t *n, struct scn_pamt_expect *p, bool rdmd)
{
	static const char *const keys[] = {"addr", "type", "owner", "level", "covered", NULL};
	static const char *const rdmd_keys[] = {"page", "type", "owner", "level", "covered", NULL};
	const char *akey = rdmd ? "page" : "addr";
	yaml_node_t *v;
	p->pos = tdxsim_scn_node_pos(n);
	p->covered = -1;
	if (tdxsim_scn_check_keys(ld, n, rdmd ? rdmd_keys : keys, rdmd ? "expect.rdmd" : "expect.pamt"))
		return -1;
	if (!(v = tdxsim_scn_map_get(ld, n, akey)))
		return ld->failed ? -1
				  : tdxsim_scn_error(ld, p->pos, "expect.%s: missing key '%s'",
						     rdmd ? "rdmd" : "pamt", akey);
	if (tdxsim_scn_get_expr(ld, v, SCN_NS_VALUE, rdmd ? "expect.rdmd.page" : "expect.pamt.addr",
				&p->addr))
		return -1;
	if ((v = tdxsim_scn_map_get(ld, n, "type")) &&
	    tdxsim_scn_get_expr(ld, v, SCN_NS_VALUE, "expect.pamt.type", &p->type))
		return -1;
	if ((v = tdxsim_scn_map_get(ld, n, "owner")) &&
	    tdxsim_scn_get_expr(ld, v, SCN_NS_VALUE, "expect.pamt.owner", &p->owner))
		return -1;
	if ((v = tdxsim_scn_map_get(ld, n, "level"))) {
		int64_t level;
		if (tdxsim_scn_get_enum(ld, v, tdxsim_scn_page_sizes, "expect.pamt.level", &level))
			return -1;
		if (!(p->level = tdxsim_scn_alloc(&ld->scn->arena, sizeof(*p->level))))
			return tdxsim_scn_error(ld, p->pos, "out of memory");
		p->level->value = (uint64_t)level;
	}
	if ((v = tdxsim_scn_map_get(ld, n, "covered"))) {
		bool b;
		if (tdxsim_scn_get_bool(ld, v, "expect.pamt.covered", &b))
			return -1;
		p->covered = b;
	}
	if (ld->failed)
		return -1;
	if (p->covered == 0 && (p->type || p->owner || p->level))
		return tdxsim_scn_error(
			ld, p->pos,
			"expect.pamt: an address that is not covered has no type, owner or level");
	return 0;
}

/* pamt: and rdmd: share one list (both ask the PAMT what RDMD would report). */
static int load_pamt(struct scn_loader *ld, yaml_node_t *n, struct scn_expect *ex, bool rdmd)
{
	size_t count = n->type == YAML_SEQUENCE_NODE
			       ? (size_t)(n->data.sequence.items.top - n->data.sequence.items.start)
			       : 1;
	if (count < 1 || count > 4096)
		return tdxsim_scn_error(ld, tdxsim_scn_node_pos(n),
					"expect.%s: %zu entries, expected 1..4096", rdmd ? "rdmd" : "pamt",
					count);
	struct scn_pamt_expect *p =
		tdxsim_scn_alloc(&ld->scn->arena, (ex->num_pamt + count) * sizeof(*ex->pamt));
	if (!p)
		return tdxsim_scn_error(ld, tdxsim_scn_node_pos(n), "out of memory");
	if (ex->num_pamt)
		memcpy(p, ex->pamt, ex->num_pamt * sizeof(*p));
	ex->pamt = p;
	p += ex->num_pamt;
	ex->num_pamt += (unsigned)count;
	if (n->type != YAML_SEQUENCE_NODE)
		return load_pamt_one(ld, n, p, rdmd);
	for (size_t i = 0; i < count; i++) {
		yaml_node_t *e = tdxsim_scn_node(ld, n->data.sequence.items.start[i]);
		if (!e || load_pamt_one(ld, e, &p[i], rdmd))
			return -1;
	}
	return 0;
}

static int load_in_cmrs(struct scn_loader *ld, yaml_node_t *n, struct scn_expect *ex)
{
	static const char *const keys[] = {"base", "size", "is", NULL};
	yaml_node_t *v;
	ex->in_cmrs_pos = tdxsim_scn_node_pos(n);
	if (tdxsim_scn_check_keys(ld, n, keys, "expect.in_cmrs"))
		return -1;
	if (!(v = tdxsim_scn_map_get(ld, n, "base")) ||
	    tdxsim_scn_get_expr(ld, v, SCN_NS_VALUE, "expect.in_cmrs.base", &ex->cmr_base))
		return ld->failed
			       ? -1
			       : tdxsim_scn_error(ld, ex->in_cmrs_pos, "expect.in_cmrs: missing key 'base'");
	if (!(v = tdxsim_scn_map_get(ld, n, "size")) ||
	    tdxsim_scn_get_expr(ld, v, SCN_NS_VALUE, "expect.in_cmrs.size", &ex->cmr_size))
		return ld->failed
			       ? -1
			       : tdxsim_scn_error(ld, ex->in_cmrs_pos, "expect.in_cmrs: missing key 'size'");
	if (!(v = tdxsim_scn_map_get(ld, n, "is")))
		return ld->failed ? -1
				  : tdxsim_scn_error(ld, ex->in_cmrs_pos,
						     "expect.in_cmrs: missing key 'is' (true or false)");
	return tdxsim_scn_get_bool(ld, v, "expect.in_cmrs.is", &ex->in_cmrs);
}

int tdxsim_scn_load_expect(struct scn_loader *ld, yaml_node_t *map, struct scn_step *s)
{
	struct scn_expect *ex = &s->ex;
	const char *keys[SCN_COUNT(expect_keys) + 1];
	size_t nk = 0;
	ex->pos = tdxsim_scn_node_pos(map);
	for (size_t i = 0; i < SCN_COUNT(expect_keys); i++)
		if (expect_keys[i].kinds & (UINT64_C(1) << s->kind))
			keys[nk++] = expect_keys[i].key;
	keys[nk] = NULL;
	/* A key that exists for other kinds gets a more precise message than "unknown key". */
	if (map->type == YAML_MAPPING_NODE) {
		for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
		     p++) {
			yaml_node_t *k = yaml_document_get_node(ld->doc, p->key);
			for (size_t i = 0; k && k->type == YAML_SCALAR_NODE && i < SCN_COUNT(expect_keys);
			     i++)
				if (!strcmp(expect_keys[i].key, (const char *)k->data.scalar.value) &&
				    !(expect_keys[i].kinds & (UINT64_C(1) << s->kind)))
					return tdxsim_scn_error(ld, tdxsim_scn_node_pos(k),
								"expect: '%s' does not apply to a %s step",
								expect_keys[i].key,
								tdxsim_scn_kind_name(s->kind));
		}
	}
	if (tdxsim_scn_check_keys(ld, map, keys, "expect"))
		return -1;
	yaml_node_t *n;
	if ((n = tdxsim_scn_map_get(ld, map, "status")) && load_status(ld, n, ex))
		return -1;
	for (int i = 0; i < SCN_NUM_REGS; i++) {
		char what[24];
		snprintf(what, sizeof(what), "expect.%s", tdxsim_scn_reg_names[i]);
		if ((n = tdxsim_scn_map_get(ld, map, tdxsim_scn_reg_names[i])) &&
		    tdxsim_scn_get_expr(ld, n, SCN_NS_VALUE, what, &ex->regs[i]))
			return -1;
	}
	/* Outputs a kind names itself (cpuid: eax..edx); place_image's PAs are not known in advance. */
	const char *const *outs = s->kind == SCN_K_CPUID ? tdxsim_scn_kind_outputs(s->kind) : NULL;
	for (int i = 0; outs && outs[i]; i++) {
		char what[24];
		snprintf(what, sizeof(what), "expect.%s", outs[i]);
		if ((n = tdxsim_scn_map_get(ld, map, outs[i])) &&
		    tdxsim_scn_get_expr(ld, n, SCN_NS_VALUE, what, &ex->outs[i]))
			return -1;
	}
	if ((n = tdxsim_scn_map_get(ld, map, "value")) &&
	    tdxsim_scn_get_expr(ld, n, SCN_NS_VALUE, "expect.value", &ex->value))
		return -1;
	if ((n = tdxsim_scn_map_get(ld, map, "result"))) {
		ex->has_result = true;
		ex->result_pos = tdxsim_scn_node_pos(n);
		if (tdxsim_scn_get_enum(ld, n,
					s->kind == SCN_K_BRINGUP ? tdxsim_scn_errno_results
								 : tdxsim_scn_lib_results,
					"expect.result", &ex->result))
			return -1;
	}
	if ((n = tdxsim_scn_map_get(ld, map, "state"))) {
		int64_t st;
		ex->state_pos = tdxsim_scn_node_pos(n);
		if (tdxsim_scn_get_enum(ld, n, tdxsim_scn_module_states, "expect.state", &st))
			return -1;
		ex->state = (int16_t)st;
	}
	if ((n = tdxsim_scn_map_get(ld, map, "cycles")) && load_cycles(ld, n, ex))
		return -1;
	if ((n = tdxsim_scn_map_get(ld, map, "mce")) && load_mce(ld, n, ex))
		return -1;
	if ((n = tdxsim_scn_map_get(ld, map, "pamt")) && load_pamt(ld, n, ex, false))
		return -1;
	if ((n = tdxsim_scn_map_get(ld, map, "rdmd")) && load_pamt(ld, n, ex, true))
		return -1;
	if (tdxsim_scn_load_expect_td(ld, map, ex) || tdxsim_scn_load_expect_guest(ld, map, s))
		return -1;
	if ((n = tdxsim_scn_map_get(ld, map, "in_cmrs")) && load_in_cmrs(ld, n, ex))
		return -1;
	if ((n = tdxsim_scn_map_get(ld, map, "message"))) {
		ex->message_pos = tdxsim_scn_node_pos(n);
		if (tdxsim_scn_get_string(ld, n, "expect.message", &ex->message))
			return -1;
	}
	if ((n = tdxsim_scn_map_get(ld, map, "tdmrs")) &&
	    tdxsim_scn_get_expr(ld, n, SCN_NS_VALUE, "expect.tdmrs", &ex->tdmrs))
		return -1;
	if ((n = tdxsim_scn_map_get(ld, map, "key_retries")) &&
	    tdxsim_scn_get_expr(ld, n, SCN_NS_VALUE, "expect.key_retries", &ex->key_retries))
		return -1;
	return ld->failed ? -1 : 0;
}
