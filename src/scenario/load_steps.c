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
	LP_KEY,       /* an "lp:" key: a number, all or random */
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

static int get(struct scn_loader *ld, yaml_node_t *map, const char *key, const char *what, bool required,
	       enum scn_ns ns, struct scn_expr **out)
{
	yaml_node_t *n = scn_map_get(ld, map, key);
	char w[64];
	snprintf(w, sizeof(w), "%s.%s", what, key);
	if (!n) {
		if (ld->failed)
			return -1;
		return required ? scn_error(ld, scn_node_pos(map), "%s: missing key '%s'", what, key) : 0;
	}
	return scn_get_expr(ld, n, ns, w, out);
}

static int parse_seamcall(struct scn_loader *ld, struct scn_step *s, yaml_node_t *v, yaml_node_t *step)
{
	struct scn_expr *version = NULL;
	if (scn_get_expr(ld, v, SCN_NS_VALUE, "seamcall", &s->u.call.rax) ||
	    get(ld, step, "version", "seamcall", false, SCN_NS_VALUE, &version))
		return -1;
	if (version) {
		if (!scn_expr_is_const(version) || version->value > 0xFF)
			return scn_error(ld, version->pos, "seamcall.version: expected a constant 0..255");
		if (!scn_expr_is_const(s->u.call.rax))
			return scn_error(ld, s->u.call.rax->pos, "seamcall: with version, the leaf must be a constant");
		s->u.call.rax->value |= version->value << TDXSIM_VERSION_SHIFT;
	}
	for (int i = 0; i < SCN_NUM_REGS; i++)
		if (get(ld, step, scn_reg_names[i], "seamcall", false, SCN_NS_VALUE, &s->u.call.regs[i]))
			return -1;
	return 0;
}

static int parse_expr_value(struct scn_loader *ld, struct scn_step *s, yaml_node_t *v, yaml_node_t *step)
{
	/* rdmsr: MSR; the value is the MSR expression. */
	return scn_get_expr(ld, v, SCN_NS_VALUE, scn_kind_name(s->kind), &s->u.msr);
}

static int parse_mem(struct scn_loader *ld, struct scn_step *s, yaml_node_t *v, yaml_node_t *step)
{
	static const char *const keys[] = {"addr", "keyid", "len", "fill", "value", NULL};
	const char *what = scn_kind_name(s->kind);
	if (scn_check_keys(ld, v, keys, what) || get(ld, v, "addr", what, true, SCN_NS_VALUE, &s->u.mem.addr) ||
	    get(ld, v, "keyid", what, false, SCN_NS_VALUE, &s->u.mem.keyid) ||
	    get(ld, v, "len", what, false, SCN_NS_VALUE, &s->u.mem.len) ||
	    get(ld, v, "fill", what, false, SCN_NS_VALUE, &s->u.mem.fill) ||
	    get(ld, v, "value", what, false, SCN_NS_VALUE, &s->u.mem.value))
		return -1;
	bool writes = s->kind == SCN_K_WRITE || s->kind == SCN_K_MOVDIR64B;
	if (!writes && (s->u.mem.fill || s->u.mem.value))
		return scn_error(ld, scn_node_pos(v), "%s: fill and value are for write and movdir64b", what);
	if (s->kind != SCN_K_READ && s->kind != SCN_K_WRITE && s->u.mem.len)
		return scn_error(ld, scn_node_pos(v), "%s: len is for read and write (a line is 64 bytes)", what);
	if (s->u.mem.fill && s->u.mem.value)
		return scn_error(ld, scn_node_pos(v), "%s: give fill (a byte repeated) or value (a u64), not both",
				 what);
	return 0;
}

static int parse_sleep(struct scn_loader *ld, struct scn_step *s, yaml_node_t *v, yaml_node_t *step)
{
	static const struct scn_enum modes[] = {{"enter", 1}, {"resume", 0}, {NULL, 0}};
	int64_t m;
	if (scn_get_enum(ld, v, modes, "sleep", &m))
		return -1;
	s->u.sleep_enter = m;
	return 0;
}

static int parse_range(struct scn_loader *ld, struct scn_step *s, yaml_node_t *v, yaml_node_t *step)
{
	static const char *const add_keys[] = {"base", "size", "node", NULL}, *const rm_keys[] = {"base", "size", NULL};
	const char *what = scn_kind_name(s->kind);
	return scn_check_keys(ld, v, s->kind == SCN_K_HOT_ADD ? add_keys : rm_keys, what) ||
			       get(ld, v, "base", what, true, SCN_NS_VALUE, &s->u.range.base) ||
			       get(ld, v, "size", what, true, SCN_NS_VALUE, &s->u.range.size) ||
			       get(ld, v, "node", what, false, SCN_NS_VALUE, &s->u.range.node)
		       ? -1
		       : 0;
}

static int parse_inject(struct scn_loader *ld, struct scn_step *s, yaml_node_t *v, yaml_node_t *step)
{
	static const char *const keys[] = {"leaf", "status", "count", "lp", NULL};
	if (scn_check_keys(ld, v, keys, "inject") || get(ld, v, "leaf", "inject", true, SCN_NS_VALUE, &s->u.inject.leaf) ||
	    get(ld, v, "status", "inject", true, SCN_NS_STATUS, &s->u.inject.status) ||
	    get(ld, v, "count", "inject", false, SCN_NS_VALUE, &s->u.inject.count))
		return -1;
	yaml_node_t *lp = scn_map_get(ld, v, "lp");
	s->lp_mode = SCN_LP_ANY;
	if (lp && !scn_scalar_is(lp, "any")) {
		s->lp_mode = SCN_LP_ONE;
		return scn_get_expr(ld, lp, SCN_NS_VALUE, "inject.lp", &s->lp);
	}
	return ld->failed ? -1 : 0;
}

static int parse_flag(struct scn_loader *ld, struct scn_step *s, yaml_node_t *v, yaml_node_t *step)
{
	bool b;
	if (scn_get_bool(ld, v, scn_kind_name(s->kind), &b))
		return -1;
	return b ? 0 : scn_error(ld, scn_node_pos(v), "%s: write 'true' (or leave the step out)", scn_kind_name(s->kind));
}

static int parse_bringup(struct scn_loader *ld, struct scn_step *s, yaml_node_t *v, yaml_node_t *step)
{
	static const char *const keys[] = {"stop", "key_tries", NULL};
	int64_t stop = HOST_TDX_RUN_ALL;
	if (v->type == YAML_SCALAR_NODE) {
		/* "bringup: after_keys" is short for "bringup: {stop: after_keys}". */
		if (scn_get_enum(ld, v, scn_stop_stages, "bringup", &stop))
			return -1;
	} else {
		yaml_node_t *n;
		if (scn_check_keys(ld, v, keys, "bringup"))
			return -1;
		if ((n = scn_map_get(ld, v, "stop")) && scn_get_enum(ld, n, scn_stop_stages, "bringup.stop", &stop))
			return -1;
		if (get(ld, v, "key_tries", "bringup", false, SCN_NS_VALUE, &s->u.bringup.key_tries))
			return -1;
	}
	s->u.bringup.stop = (int)stop;
	return 0;
}

static int parse_init_tdmrs(struct scn_loader *ld, struct scn_step *s, yaml_node_t *v, yaml_node_t *step)
{
	static const char *const keys[] = {"tdmr", "max_calls", NULL};
	if (scn_scalar_is(v, "all"))
		return 0;
	return scn_check_keys(ld, v, keys, "init_tdmrs") ||
			       get(ld, v, "tdmr", "init_tdmrs", false, SCN_NS_VALUE, &s->u.init.tdmr) ||
			       get(ld, v, "max_calls", "init_tdmrs", false, SCN_NS_VALUE, &s->u.init.max_calls)
		       ? -1
		       : 0;
}

static int parse_poke(struct scn_loader *ld, struct scn_step *s, yaml_node_t *v, yaml_node_t *step)
{
	static const char *const keys[] = {"addr", "u8", "u16", "u32", "u64", "bytes", NULL};
	static const char *const widths[] = {"u8", "u16", "u32", "u64"};
	if (scn_check_keys(ld, v, keys, "poke") || get(ld, v, "addr", "poke", true, SCN_NS_VALUE, &s->u.poke.addr))
		return -1;
	unsigned given = 0;
	for (unsigned w = 0; w < 4; w++) {
		struct scn_expr *e = NULL;
		if (get(ld, v, widths[w], "poke", false, SCN_NS_VALUE, &e))
			return -1;
		if (e) {
			s->u.poke.value = e;
			s->u.poke.width = 1u << w;
			given++;
		}
	}
	yaml_node_t *b = scn_map_get(ld, v, "bytes");
	if (b) {
		given++;
		if (b->type != YAML_SEQUENCE_NODE)
			return scn_error(ld, scn_node_pos(b), "poke.bytes: expected a list of byte values");
		size_t n = (size_t)(b->data.sequence.items.top - b->data.sequence.items.start);
		if (n < 1 || n > 4096)
			return scn_error(ld, scn_node_pos(b), "poke.bytes: %zu bytes, expected 1..4096", n);
		s->u.poke.bytes = scn_alloc(&ld->scn->arena, n * sizeof(*s->u.poke.bytes));
		if (!s->u.poke.bytes)
			return scn_error(ld, scn_node_pos(b), "out of memory");
		s->u.poke.num_bytes = (unsigned)n;
		for (size_t i = 0; i < n; i++) {
			yaml_node_t *e = scn_node(ld, b->data.sequence.items.start[i]);
			if (!e || scn_get_expr(ld, e, SCN_NS_VALUE, "poke.bytes[]", &s->u.poke.bytes[i]))
				return -1;
		}
	}
	if (given != 1)
		return scn_error(ld, scn_node_pos(v), "poke: expected exactly one of u8, u16, u32, u64 or bytes");
	return ld->failed ? -1 : 0;
}

static int var_name(struct scn_loader *ld, yaml_node_t *k, const char *what, int *var)
{
	const char *name;
	size_t len;
	if (scn_get_scalar(ld, k, what, &name, &len))
		return -1;
	bool ok = len < 48 && strlen(name) == len && (name[0] == '_' || (name[0] | 32) >= 'a') && (name[0] | 32) <= 'z';
	for (size_t i = 0; ok && i < len; i++)
		ok = name[i] == '_' || (name[i] >= '0' && name[i] <= '9') || ((name[i] | 32) >= 'a' && (name[i] | 32) <= 'z');
	if (!ok)
		return scn_error(ld, scn_node_pos(k), "%s: '%.60s' is not a variable name (letters, digits, _)", what, name);
	if (scn_is_builtin_symbol(name))
		return scn_error(ld, scn_node_pos(k), "%s: '$%s' is a built-in symbol", what, name);
	*var = scn_var_lookup(ld, name, true);
	return *var < 0 ? scn_error(ld, scn_node_pos(k), "out of memory") : 0;
}

static int parse_set(struct scn_loader *ld, struct scn_step *s, yaml_node_t *v, yaml_node_t *step)
{
	if (v->type != YAML_MAPPING_NODE || v->data.mapping.pairs.top == v->data.mapping.pairs.start)
		return scn_error(ld, scn_node_pos(v), "set: expected a mapping name: value");
	size_t n = (size_t)(v->data.mapping.pairs.top - v->data.mapping.pairs.start);
	if (!(s->u.set.v = scn_alloc(&ld->scn->arena, n * sizeof(*s->u.set.v))))
		return scn_error(ld, scn_node_pos(v), "out of memory");
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *k = scn_node(ld, v->data.mapping.pairs.start[i].key);
		yaml_node_t *e = k ? scn_node(ld, v->data.mapping.pairs.start[i].value) : NULL;
		int var;
		/* The value is parsed first: "set: {x: $x + 1}" reads the x defined earlier. */
		if (!e || scn_get_expr(ld, e, SCN_NS_VALUE, "set", &s->u.set.v[i].e) || var_name(ld, k, "set", &var))
			return -1;
		s->u.set.v[i].var = (unsigned)var;
	}
	s->u.set.n = (unsigned)n;
	return 0;
}

static int parse_assert(struct scn_loader *ld, struct scn_step *s, yaml_node_t *v, yaml_node_t *step)
{
	return scn_get_expr(ld, v, SCN_NS_VALUE, "assert", &s->u.cond);
}

static const char *const regs_and_version[] = {"version", "rcx", "rdx", "r8",  "r9",  "r10", "r11", "r12",
					       "r13",	  "r14", "r15", "rbx", "rdi", "rsi", NULL};
static const char *const none[] = {NULL};

static const struct kind_desc kinds[] = {
	{"seamcall", SCN_K_SEAMCALL, LP_KEY, true, true, regs_and_version, parse_seamcall},
	{"rdmsr", SCN_K_RDMSR, LP_KEY, true, true, none, parse_expr_value},
	{"vmxon", SCN_K_VMXON, LP_VALUE, false, false, none, NULL},
	{"vmxoff", SCN_K_VMXOFF, LP_VALUE, false, false, none, NULL},
	{"read", SCN_K_READ, LP_KEY_ONE, true, true, none, parse_mem},
	{"write", SCN_K_WRITE, LP_KEY_ONE, true, false, none, parse_mem},
	{"movdir64b", SCN_K_MOVDIR64B, LP_KEY_ONE, true, false, none, parse_mem},
	{"clflush", SCN_K_CLFLUSH, LP_KEY_ONE, true, false, none, parse_mem},
	{"wbinvd", SCN_K_WBINVD, LP_VALUE, false, false, none, NULL},
	{"sleep", SCN_K_SLEEP, LP_NONE, false, false, none, parse_sleep},
	{"hot_add", SCN_K_HOT_ADD, LP_NONE, false, false, none, parse_range},
	{"hot_remove", SCN_K_HOT_REMOVE, LP_NONE, false, false, none, parse_range},
	{"lp_offline", SCN_K_LP_OFFLINE, LP_VALUE_ONE, false, false, none, NULL},
	{"lp_online", SCN_K_LP_ONLINE, LP_VALUE_ONE, false, false, none, NULL},
	{"inject", SCN_K_INJECT, LP_NONE, false, false, none, parse_inject},
	{"clear_injections", SCN_K_CLEAR_INJECTIONS, LP_NONE, false, false, none, parse_flag},
	{"bringup", SCN_K_BRINGUP, LP_NONE, false, false, none, parse_bringup},
	{"init_tdmrs", SCN_K_INIT_TDMRS, LP_KEY_ONE, false, false, none, parse_init_tdmrs},
	{"poke", SCN_K_POKE, LP_NONE, false, false, none, parse_poke},
	{"set", SCN_K_SET, LP_NONE, false, false, none, parse_set},
	{"assert", SCN_K_ASSERT, LP_NONE, false, false, none, parse_assert},
};

const char *scn_kind_name(unsigned kind)
{
	for (size_t i = 0; i < SCN_COUNT(kinds); i++)
		if (kinds[i].kind == kind)
			return kinds[i].key;
	return "?";
}

static int parse_lp(struct scn_loader *ld, struct scn_step *s, yaml_node_t *n, bool all, const char *what)
{
	if (scn_scalar_is(n, "random")) {
		s->lp_mode = SCN_LP_RANDOM;
		return 0;
	}
	if (scn_scalar_is(n, "all")) {
		if (!all)
			return scn_error(ld, scn_node_pos(n), "%s: 'all' is not possible here (a number or random)", what);
		s->lp_mode = SCN_LP_ALL;
		return 0;
	}
	s->lp_mode = SCN_LP_ONE;
	return scn_get_expr(ld, n, SCN_NS_VALUE, what, &s->lp);
}

static int parse_save(struct scn_loader *ld, struct scn_step *s, yaml_node_t *map)
{
	if (map->type != YAML_MAPPING_NODE || map->data.mapping.pairs.top == map->data.mapping.pairs.start)
		return scn_error(ld, scn_node_pos(map), "save: expected a mapping variable: register");
	size_t n = (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);
	if (!(s->saves = scn_alloc(&ld->scn->arena, n * sizeof(*s->saves))))
		return scn_error(ld, scn_node_pos(map), "out of memory");
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *k = scn_node(ld, map->data.mapping.pairs.start[i].key);
		yaml_node_t *v = k ? scn_node(ld, map->data.mapping.pairs.start[i].value) : NULL;
		int var;
		if (!v || var_name(ld, k, "save", &var))
			return -1;
		int reg = SCN_SAVE_VALUE;
		if (s->kind == SCN_K_SEAMCALL && scn_scalar_is(v, "status")) {
			reg = SCN_SAVE_STATUS;
		} else if (s->kind == SCN_K_SEAMCALL) {
			reg = v->type == YAML_SCALAR_NODE ? scn_reg_index((const char *)v->data.scalar.value) : -1;
			if (reg < 0)
				return scn_error(ld, scn_node_pos(v), "save: expected status or a register (rcx, rdx, r8..r15, "
								      "rbx, rdi, rsi)");
		} else if (!scn_scalar_is(v, "value")) {
			return scn_error(ld, scn_node_pos(v), "save: a %s step saves 'value'", scn_kind_name(s->kind));
		}
		s->saves[i] = (struct scn_save){(unsigned)var, reg};
	}
	s->num_saves = (unsigned)n;
	return 0;
}

/* A step without a kind key: name the key that was probably meant to be one. */
static int no_kind(struct scn_loader *ld, yaml_node_t *map, unsigned index)
{
	static const char *const common[] = {"name", "expect", "lp", "repeat", "save", NULL};
	const char *list[SCN_COUNT(kinds)];
	char all[320];
	size_t off = 0;
	for (size_t i = 0; i < SCN_COUNT(kinds); i++) {
		list[i] = kinds[i].key;
		off += (size_t)snprintf(all + off, sizeof(all) - off, "%s%s", i ? ", " : "", kinds[i].key);
	}
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = scn_node(ld, p->key);
		if (!k)
			return -1;
		if (k->type != YAML_SCALAR_NODE)
			return scn_error(ld, scn_node_pos(k), "step: keys must be plain names");
		const char *name = (const char *)k->data.scalar.value;
		bool known = false;
		for (size_t i = 0; common[i]; i++)
			known |= !strcmp(common[i], name);
		for (size_t i = 0; regs_and_version[i]; i++)
			known |= !strcmp(regs_and_version[i], name);
		if (known)
			continue;
		const char *hint = scn_closest(name, list, SCN_COUNT(list));
		return scn_error(ld, scn_node_pos(k), "steps[%u]: unknown step kind '%.60s'%s%s%s (expected one of: %s)",
				 index, name, hint ? ", did you mean '" : "", hint ? hint : "", hint ? "'?" : "", all);
	}
	return scn_error(ld, scn_node_pos(map), "steps[%u]: no step kind (expected one of: %s)", index, all);
}

static int load_step(struct scn_loader *ld, yaml_node_t *map, struct scn_step *s, unsigned index)
{
	s->pos = scn_node_pos(map);
	s->ex.state = -1;
	s->ex.mce = -1;
	if (map->type != YAML_MAPPING_NODE)
		return scn_error(ld, s->pos, "steps[%u]: expected a mapping with one step kind (seamcall, bringup, ...)",
				 index);
	const struct kind_desc *d = NULL;
	for (size_t i = 0; i < SCN_COUNT(kinds); i++) {
		if (!scn_map_get(ld, map, kinds[i].key))
			continue;
		if (d)
			return scn_error(ld, s->pos, "steps[%u]: both '%s' and '%s': one kind per step", index, d->key,
					 kinds[i].key);
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
	if (scn_check_keys(ld, map, keys, d->key))
		return -1;
	s->kind = d->kind;
	yaml_node_t *v = scn_map_get(ld, map, d->key), *n;
	if (!v)
		return -1;
	if (d->lp == LP_VALUE || d->lp == LP_VALUE_ONE) {
		if (parse_lp(ld, s, v, d->lp == LP_VALUE, d->key))
			return -1;
	} else if (d->parse && d->parse(ld, s, v, map)) {
		return -1;
	}
	if ((n = scn_map_get(ld, map, "lp")) && parse_lp(ld, s, n, d->lp == LP_KEY, "lp"))
		return -1;
	if ((n = scn_map_get(ld, map, "repeat"))) {
		uint64_t r;
		if (scn_get_const(ld, n, 1, 100000000, "repeat", &r))
			return -1;
		struct scn_expr *e = scn_alloc(&ld->scn->arena, sizeof(*e));
		if (!e)
			return scn_error(ld, scn_node_pos(n), "out of memory");
		e->value = r;
		s->repeat = e;
	}
	if ((n = scn_map_get(ld, map, "name")) && scn_get_string(ld, n, "name", &s->label))
		return -1;
	s->named = s->label != NULL;
	if (!s->label) {
		const char *text = v->type == YAML_SCALAR_NODE ? (const char *)v->data.scalar.value : "";
		s->label = scn_sprintf(&ld->scn->arena, "%s%s%.80s", d->key, *text ? " " : "", text);
	}
	if ((n = scn_map_get(ld, map, "expect")) && scn_load_expect(ld, n, s))
		return -1;
	/* Saved variables exist from the next step on. */
	if ((n = scn_map_get(ld, map, "save")) && parse_save(ld, s, n))
		return -1;
	return ld->failed ? -1 : 0;
}

int scn_load_steps(struct scn_loader *ld, yaml_node_t *seq)
{
	if (seq->type != YAML_SEQUENCE_NODE)
		return scn_error(ld, scn_node_pos(seq), "steps: expected a list of steps");
	size_t n = (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
	if (n > 100000)
		return scn_error(ld, scn_node_pos(seq), "steps: %zu steps, at most 100000", n);
	struct tdxsim_scenario *scn = ld->scn;
	scn->steps = n ? scn_alloc(&scn->arena, n * sizeof(*scn->steps)) : NULL;
	if (n && !scn->steps)
		return scn_error(ld, scn_node_pos(seq), "out of memory");
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *m = scn_node(ld, seq->data.sequence.items.start[i]);
		if (!m || load_step(ld, m, &scn->steps[i], (unsigned)i))
			return -1;
	}
	scn->num_steps = (unsigned)n;
	return 0;
}
