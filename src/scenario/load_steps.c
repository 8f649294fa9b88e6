/* SPDX-License-Identifier: MIT */
/*
 * The step table: one row per step kind with the keys it takes, and its parser. A step is a
 * mapping with exactly one kind key ("seamcall: TDH.SYS.INIT") plus common keys (name, lp,
 * repeat, expect, save) where the kind allows them.
 */
#include <stdio.h>
#include <string.h>

#include "scenario/scenario.h"

enum lp_rule {
	LP_NONE,      /* the step is not tied to an LP */
	LP_KEY,	      /* an "lp:" key: a number, all or random */
	LP_KEY_ONE,   /* an "lp:" key: a number or random */
	LP_VALUE,     /* the kind's own value is the LP: a number, all or random */
	LP_VALUE_ONE, /* the kind's own value is the LP: a number or random */
};

struct kind_desc {
	const char *key;
	uint8_t kind;
	uint8_t lp;
	bool repeat, save;
	const char *const *extra; /* further step-level keys */
	int (*parse)(struct scn_loader *ld, struct scn_step *s, yaml_node_t *v, yaml_node_t *step);
};

static const char *const regs_and_version[] = {"version", "rcx", "rdx", "r8",  "r9",  "r10", "r11", "r12",
					       "r13",	  "r14", "r15", "rbx", "rdi", "rsi", NULL};
static const char *const none[] = {NULL};
static const char *const subleaf[] = {"subleaf", NULL};

static const struct kind_desc kinds[] = {
	{"seamcall", SCN_K_SEAMCALL, LP_KEY, true, true, regs_and_version, tdxsim_scn_parse_seamcall},
	{"rdmsr", SCN_K_RDMSR, LP_KEY, true, true, none, tdxsim_scn_parse_expr_value},
	{"vmxon", SCN_K_VMXON, LP_VALUE, false, false, none, NULL},
	{"vmxoff", SCN_K_VMXOFF, LP_VALUE, false, false, none, NULL},
	{"read", SCN_K_READ, LP_KEY_ONE, true, true, none, tdxsim_scn_parse_mem},
	{"write", SCN_K_WRITE, LP_KEY_ONE, true, false, none, tdxsim_scn_parse_mem},
	{"movdir64b", SCN_K_MOVDIR64B, LP_KEY_ONE, true, false, none, tdxsim_scn_parse_mem},
	{"clflush", SCN_K_CLFLUSH, LP_KEY_ONE, true, false, none, tdxsim_scn_parse_mem},
	{"wbinvd", SCN_K_WBINVD, LP_VALUE, false, false, none, NULL},
	{"sleep", SCN_K_SLEEP, LP_NONE, false, false, none, tdxsim_scn_parse_sleep},
	{"hot_add", SCN_K_HOT_ADD, LP_NONE, false, false, none, tdxsim_scn_parse_range},
	{"hot_remove", SCN_K_HOT_REMOVE, LP_NONE, false, false, none, tdxsim_scn_parse_range},
	{"lp_offline", SCN_K_LP_OFFLINE, LP_VALUE_ONE, false, false, none, NULL},
	{"lp_online", SCN_K_LP_ONLINE, LP_VALUE_ONE, false, false, none, NULL},
	{"inject", SCN_K_INJECT, LP_NONE, false, false, none, tdxsim_scn_parse_inject},
	{"clear_injections", SCN_K_CLEAR_INJECTIONS, LP_NONE, false, false, none, tdxsim_scn_parse_flag},
	{"bringup", SCN_K_BRINGUP, LP_NONE, false, false, none, tdxsim_scn_parse_bringup},
	{"init_tdmrs", SCN_K_INIT_TDMRS, LP_KEY_ONE, false, false, none, tdxsim_scn_parse_init_tdmrs},
	{"poke", SCN_K_POKE, LP_NONE, false, false, none, tdxsim_scn_parse_poke},
	{"set", SCN_K_SET, LP_NONE, false, false, none, tdxsim_scn_parse_set},
	{"assert", SCN_K_ASSERT, LP_NONE, false, false, none, tdxsim_scn_parse_assert},
	{"cpuid", SCN_K_CPUID, LP_KEY, true, true, subleaf, tdxsim_scn_parse_cpuid},
	{"place_image", SCN_K_PLACE_IMAGE, LP_NONE, false, true, none, tdxsim_scn_parse_place_image},
	/* Hypervisor operations on TDs, each the SEAMCALLs KVM makes for it (load_td.c, run_td.c). */
	{"td_create", SCN_K_TD_CREATE, LP_NONE, false, false, none, tdxsim_scn_parse_td},
	{"td_vcpu", SCN_K_TD_VCPU, LP_KEY_ONE, false, false, none, tdxsim_scn_parse_td},
	{"td_add_pages", SCN_K_TD_ADD_PAGES, LP_NONE, false, false, none, tdxsim_scn_parse_td},
	{"td_finalize", SCN_K_TD_FINALIZE, LP_NONE, false, false, none, tdxsim_scn_parse_td},
	{"td_teardown", SCN_K_TD_TEARDOWN, LP_NONE, false, false, none, tdxsim_scn_parse_td},
	{"contend", SCN_K_CONTEND, LP_NONE, false, false, none, tdxsim_scn_parse_contend},
	/* Running TDs: guest programs, the shared map, AUG, VP.ENTER (load_guest.c, run_guest.c). */
	{"td_guest", SCN_K_TD_GUEST, LP_NONE, false, false, none, tdxsim_scn_parse_guest},
	{"td_map_shared", SCN_K_TD_MAP_SHARED, LP_NONE, false, true, none, tdxsim_scn_parse_guest},
	{"td_aug", SCN_K_TD_AUG, LP_KEY_ONE, false, true, none, tdxsim_scn_parse_guest},
	{"td_enter", SCN_K_TD_ENTER, LP_KEY_ONE, true, true, none, tdxsim_scn_parse_guest},
	{"td_interrupt", SCN_K_TD_INTERRUPT, LP_NONE, false, false, none, tdxsim_scn_parse_guest},
	{"td_stay_in_guest", SCN_K_TD_STAY_IN_GUEST, LP_NONE, false, false, none, tdxsim_scn_parse_guest},
	{"td_leave_guest", SCN_K_TD_LEAVE_GUEST, LP_NONE, false, false, none, tdxsim_scn_parse_guest},
};

const char *const *tdxsim_scn_kind_outputs(unsigned kind)
{
	static const char *const cpuid[] = {"eax", "ebx", "ecx", "edx", NULL};
	/* What a host keeps of an image it was given: where it is, its size, and the page it
	 * built for P-SEAMLDR.INSTALL (run_lifecycle.c). */
	static const char *const image[] = {"params", "image", "size", "sigstruct", "module", NULL};
	/* Where a td_map_shared or td_aug step's host memory is (hpa: auto picks it). */
	static const char *const hpa[] = {"hpa", NULL};
	_Static_assert(SCN_COUNT(image) - 1 <= SCN_MAX_OUTS, "outputs");
	if (kind == SCN_K_TD_MAP_SHARED || kind == SCN_K_TD_AUG)
		return hpa;
	return kind == SCN_K_CPUID ? cpuid : kind == SCN_K_PLACE_IMAGE ? image : NULL;
}

const char *tdxsim_scn_kind_name(unsigned kind)
{
	for (size_t i = 0; i < SCN_COUNT(kinds); i++)
		if (kinds[i].kind == kind)
			return kinds[i].key;
	return "?";
}

static int parse_lp(struct scn_loader *ld, struct scn_step *s, yaml_node_t *n, bool all, const char *what)
{
	if (tdxsim_scn_scalar_is(n, "random")) {
		s->lp_mode = SCN_LP_RANDOM;
		return 0;
	}
	if (tdxsim_scn_scalar_is(n, "all")) {
		if (!all)
			return tdxsim_scn_error(ld, tdxsim_scn_node_pos(n),
						"%s: 'all' is not possible here (a number or random)", what);
		s->lp_mode = SCN_LP_ALL;
		return 0;
	}
	s->lp_mode = SCN_LP_ONE;
	return tdxsim_scn_get_expr(ld, n, SCN_NS_VALUE, what, &s->lp);
}

/* A step without a kind key: name the key that was probably meant to be one. */
static int no_kind(struct scn_loader *ld, yaml_node_t *map, unsigned index)
{
	static const char *const common[] = {"name", "expect", "lp", "repeat", "save", NULL};
	const char *list[SCN_COUNT(kinds)];
	char all[400];
	size_t off = 0;
	for (size_t i = 0; i < SCN_COUNT(kinds); i++) {
		list[i] = kinds[i].key;
		off += (size_t)snprintf(all + off, sizeof(all) - off, "%s%s", i ? ", " : "", kinds[i].key);
	}
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = tdxsim_scn_node(ld, p->key);
		if (!k)
			return -1;
		if (k->type != YAML_SCALAR_NODE)
			return tdxsim_scn_error(ld, tdxsim_scn_node_pos(k), "step: keys must be plain names");
		const char *name = (const char *)k->data.scalar.value;
		bool known = false;
		for (size_t i = 0; common[i]; i++)
			known |= !strcmp(common[i], name);
		for (size_t i = 0; regs_and_version[i]; i++)
			known |= !strcmp(regs_and_version[i], name);
		known |= !strcmp(subleaf[0], name);
		if (known)
			continue;
		const char *hint = tdxsim_scn_closest(name, list, SCN_COUNT(list));
		return tdxsim_scn_error(ld, tdxsim_scn_node_pos(k),
					"steps[%u]: unknown step kind '%.60s'%s%s%s (expected one of: %s)",
					index, name, hint ? ", did you mean '" : "", hint ? hint : "",
					hint ? "'?" : "", all);
	}
	return tdxsim_scn_error(ld, tdxsim_scn_node_pos(map), "steps[%u]: no step kind (expected one of: %s)",
				index, all);
}

static int load_step(struct scn_loader *ld, yaml_node_t *map, struct scn_step *s, unsigned index)
{
	s->pos = tdxsim_scn_node_pos(map);
	s->ex.state = -1;
	s->ex.mce = -1;
	if (map->type != YAML_MAPPING_NODE)
		return tdxsim_scn_error(
			ld, s->pos,
			"steps[%u]: expected a mapping with one step kind (seamcall, bringup, ...)", index);
	const struct kind_desc *d = NULL;
	for (size_t i = 0; i < SCN_COUNT(kinds); i++) {
		if (!tdxsim_scn_map_get(ld, map, kinds[i].key))
			continue;
		if (d)
			return tdxsim_scn_error(ld, s->pos,
						"steps[%u]: both '%s' and '%s': one kind per step", index,
						d->key, kinds[i].key);
		d = &kinds[i];
	}
	if (!d)
		return ld->failed ? -1 : no_kind(ld, map, index);
	const char *keys[32] = {d->key, "name", "expect"};
	size_t nk = 3;
	if (d->lp == LP_KEY || d->lp == LP_KEY_ONE)
		keys[nk++] = "lp";
	if (d->repeat)
		keys[nk++] = "repeat";
	if (d->save)
		keys[nk++] = "save";
	for (size_t i = 0; d->extra[i]; i++)
		keys[nk++] = d->extra[i];
	if (tdxsim_scn_check_keys(ld, map, keys, d->key))
		return -1;
	s->kind = d->kind;
	yaml_node_t *v = tdxsim_scn_map_get(ld, map, d->key), *n;
	if (!v)
		return -1;
	if (d->lp == LP_VALUE || d->lp == LP_VALUE_ONE) {
		if (parse_lp(ld, s, v, d->lp == LP_VALUE, d->key))
			return -1;
	} else if (d->parse && d->parse(ld, s, v, map)) {
		return -1;
	}
	if ((n = tdxsim_scn_map_get(ld, map, "lp")) && parse_lp(ld, s, n, d->lp == LP_KEY, "lp"))
		return -1;
	if ((n = tdxsim_scn_map_get(ld, map, "repeat"))) {
		uint64_t r;
		if (tdxsim_scn_get_const(ld, n, 1, 100000000, "repeat", &r))
			return -1;
		struct scn_expr *e = tdxsim_scn_alloc(&ld->scn->arena, sizeof(*e));
		if (!e)
			return tdxsim_scn_error(ld, tdxsim_scn_node_pos(n), "out of memory");
		e->value = r;
		s->repeat = e;
	}
	if ((n = tdxsim_scn_map_get(ld, map, "name")) && tdxsim_scn_get_string(ld, n, "name", &s->label))
		return -1;
	s->named = s->label != NULL;
	if (!s->label) {
		const char *text = v->type == YAML_SCALAR_NODE ? (const char *)v->data.scalar.value : "";
		s->label = tdxsim_scn_sprintf(&ld->scn->arena, "%s%s%.80s", d->key, *text ? " " : "", text);
	}
	if ((n = tdxsim_scn_map_get(ld, map, "expect")) && tdxsim_scn_load_expect(ld, n, s))
		return -1;
	/* Saved variables exist from the next step on. */
	if ((n = tdxsim_scn_map_get(ld, map, "save")) && tdxsim_scn_parse_save(ld, s, n))
		return -1;
	return ld->failed ? -1 : 0;
}

int tdxsim_scn_load_steps(struct scn_loader *ld, yaml_node_t *seq)
{
	if (seq->type != YAML_SEQUENCE_NODE)
		return tdxsim_scn_error(ld, tdxsim_scn_node_pos(seq), "steps: expected a list of steps");
	size_t n = (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
	if (n > 100000)
		return tdxsim_scn_error(ld, tdxsim_scn_node_pos(seq), "steps: %zu steps, at most 100000", n);
	struct tdxsim_scenario *scn = ld->scn;
	scn->steps = n ? tdxsim_scn_alloc(&scn->arena, n * sizeof(*scn->steps)) : NULL;
	if (n && !scn->steps)
		return tdxsim_scn_error(ld, tdxsim_scn_node_pos(seq), "out of memory");
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *m = tdxsim_scn_node(ld, seq->data.sequence.items.start[i]);
		if (!m || load_step(ld, m, &scn->steps[i], (unsigned)i))
			return -1;
	}
	scn->num_steps = (unsigned)n;
	return 0;
}
