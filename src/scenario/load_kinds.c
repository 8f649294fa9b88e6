/* SPDX-License-Identifier: MIT */
/*
 * Parsers of the step kinds' own values (the rows of the step table in load_steps.c), and of
 * save: and set:, which define variables.
 */
#include <stdio.h>
#include <string.h>

#include "scenario/scenario.h"
#include "tdxsim/seamldr.h"

int tdxsim_scn_get_key(struct scn_loader *ld, yaml_node_t *map, const char *key, const char *what,
		       bool required, enum scn_ns ns, struct scn_expr **out)
{
	yaml_node_t *n = tdxsim_scn_map_get(ld, map, key);
	char w[64];
	snprintf(w, sizeof(w), "%s.%s", what, key);
	if (!n) {
		if (ld->failed)
			return -1;
		return required ? tdxsim_scn_error(ld, tdxsim_scn_node_pos(map), "%s: missing key '%s'", what,
						   key)
				: 0;
	}
	return tdxsim_scn_get_expr(ld, n, ns, w, out);
}

int tdxsim_scn_parse_seamcall(struct scn_loader *ld, struct scn_step *s, yaml_node_t *v, yaml_node_t *step)
{
	struct scn_expr *version = NULL;
	if (tdxsim_scn_get_expr(ld, v, SCN_NS_VALUE, "seamcall", &s->u.call.rax) ||
	    tdxsim_scn_get_key(ld, step, "version", "seamcall", false, SCN_NS_VALUE, &version))
		return -1;
	if (version) {
		if (!scn_expr_is_const(version) || version->value > 0xFF)
			return tdxsim_scn_error(ld, version->pos,
						"seamcall.version: expected a constant 0..255");
		if (!scn_expr_is_const(s->u.call.rax))
			return tdxsim_scn_error(ld, s->u.call.rax->pos,
						"seamcall: with version, the leaf must be a constant");
		s->u.call.rax->value |= version->value << TDXSIM_VERSION_SHIFT;
	}
	for (int i = 0; i < SCN_NUM_REGS; i++)
		if (tdxsim_scn_get_key(ld, step, tdxsim_scn_reg_names[i], "seamcall", false, SCN_NS_VALUE,
				       &s->u.call.regs[i]))
			return -1;
	return 0;
}

int tdxsim_scn_parse_expr_value(struct scn_loader *ld, struct scn_step *s, yaml_node_t *v, yaml_node_t *step)
{
	/* rdmsr: MSR; the value is the MSR expression. */
	return tdxsim_scn_get_expr(ld, v, SCN_NS_VALUE, tdxsim_scn_kind_name(s->kind), &s->u.msr);
}

int tdxsim_scn_parse_mem(struct scn_loader *ld, struct scn_step *s, yaml_node_t *v, yaml_node_t *step)
{
	static const char *const keys[] = {"addr", "keyid", "len", "fill", "value", NULL};
	const char *what = tdxsim_scn_kind_name(s->kind);
	if (tdxsim_scn_check_keys(ld, v, keys, what) ||
	    tdxsim_scn_get_key(ld, v, "addr", what, true, SCN_NS_VALUE, &s->u.mem.addr) ||
	    tdxsim_scn_get_key(ld, v, "keyid", what, false, SCN_NS_VALUE, &s->u.mem.keyid) ||
	    tdxsim_scn_get_key(ld, v, "len", what, false, SCN_NS_VALUE, &s->u.mem.len) ||
	    tdxsim_scn_get_key(ld, v, "fill", what, false, SCN_NS_VALUE, &s->u.mem.fill) ||
	    tdxsim_scn_get_key(ld, v, "value", what, false, SCN_NS_VALUE, &s->u.mem.value))
		return -1;
	bool writes = s->kind == SCN_K_WRITE || s->kind == SCN_K_MOVDIR64B;
	if (!writes && (s->u.mem.fill || s->u.mem.value))
		return tdxsim_scn_error(ld, tdxsim_scn_node_pos(v),
					"%s: fill and value are for write and movdir64b", what);
	if (s->kind != SCN_K_READ && s->kind != SCN_K_WRITE && s->u.mem.len)
		return tdxsim_scn_error(ld, tdxsim_scn_node_pos(v),
					"%s: len is for read and write (a line is 64 bytes)", what);
	if (s->u.mem.fill && s->u.mem.value)
		return tdxsim_scn_error(ld, tdxsim_scn_node_pos(v),
					"%s: give fill (a byte repeated) or value (a u64), not both", what);
	return 0;
}

int tdxsim_scn_parse_sleep(struct scn_loader *ld, struct scn_step *s, yaml_node_t *v, yaml_node_t *step)
{
	static const struct scn_enum modes[] = {{"enter", 1}, {"resume", 0}, {NULL, 0}};
	int64_t m;
	if (tdxsim_scn_get_enum(ld, v, modes, "sleep", &m))
		return -1;
	s->u.sleep_enter = m;
	return 0;
}

int tdxsim_scn_parse_range(struct scn_loader *ld, struct scn_step *s, yaml_node_t *v, yaml_node_t *step)
{
	static const char *const add_keys[] = {"base", "size", "node", NULL}, *const rm_keys[] = {
										      "base", "size", NULL};
	const char *what = tdxsim_scn_kind_name(s->kind);
	return tdxsim_scn_check_keys(ld, v, s->kind == SCN_K_HOT_ADD ? add_keys : rm_keys, what) ||
			       tdxsim_scn_get_key(ld, v, "base", what, true, SCN_NS_VALUE,
						  &s->u.range.base) ||
			       tdxsim_scn_get_key(ld, v, "size", what, true, SCN_NS_VALUE,
						  &s->u.range.size) ||
			       tdxsim_scn_get_key(ld, v, "node", what, false, SCN_NS_VALUE, &s->u.range.node)
		       ? -1
		       : 0;
}

int tdxsim_scn_const_max(struct scn_loader *ld, const struct scn_expr *e, uint64_t max, const char *what)
{
	if (!e || !scn_expr_is_const(e) || e->value <= max)
		return 0;
	return tdxsim_scn_error(ld, e->pos, "%s: %llu (0x%llx) is out of range (expected 0..%llu)", what,
				(unsigned long long)e->value, (unsigned long long)e->value,
				(unsigned long long)max);
}

int tdxsim_scn_parse_inject(struct scn_loader *ld, struct scn_step *s, yaml_node_t *v, yaml_node_t *step)
{
	static const char *const keys[] = {"leaf", "status", "count", "lp", "after", NULL};
	if (tdxsim_scn_check_keys(ld, v, keys, "inject") ||
	    tdxsim_scn_get_key(ld, v, "leaf", "inject", true, SCN_NS_VALUE, &s->u.inject.leaf) ||
	    tdxsim_scn_get_key(ld, v, "status", "inject", true, SCN_NS_STATUS, &s->u.inject.status) ||
	    tdxsim_scn_get_key(ld, v, "count", "inject", false, SCN_NS_VALUE, &s->u.inject.count) ||
	    tdxsim_scn_get_key(ld, v, "after", "inject", false, SCN_NS_VALUE, &s->u.inject.after))
		return -1;
	const struct scn_expr *leaf = s->u.inject.leaf;
	/* Injection matches RAX bits 15:0 (tdxsim.h), so a loader call cannot be singled out. */
	if (scn_expr_is_const(leaf) && (leaf->value & TDXSIM_SEAMLDR_BIT))
		return tdxsim_scn_error(
			ld, leaf->pos,
			"inject.leaf: P-SEAMLDR calls cannot be injected (injection matches a "
			"module leaf, RAX bits 15:0)");
	if (tdxsim_scn_const_max(ld, leaf, TDXSIM_LEAF_MASK, "inject.leaf") ||
	    tdxsim_scn_const_max(ld, s->u.inject.after, UINT32_MAX, "inject.after"))
		return -1;
	yaml_node_t *lp = tdxsim_scn_map_get(ld, v, "lp");
	s->lp_mode = SCN_LP_ANY;
	if (lp && !tdxsim_scn_scalar_is(lp, "any")) {
		s->lp_mode = SCN_LP_ONE;
		return tdxsim_scn_get_expr(ld, lp, SCN_NS_VALUE, "inject.lp", &s->lp);
	}
	return ld->failed ? -1 : 0;
}

int tdxsim_scn_parse_flag(struct scn_loader *ld, struct scn_step *s, yaml_node_t *v, yaml_node_t *step)
{
	bool b;
	if (tdxsim_scn_get_bool(ld, v, tdxsim_scn_kind_name(s->kind), &b))
		return -1;
	return b ? 0
		 : tdxsim_scn_error(ld, tdxsim_scn_node_pos(v), "%s: write 'true' (or leave the step out)",
				    tdxsim_scn_kind_name(s->kind));
}

int tdxsim_scn_parse_bringup(struct scn_loader *ld, struct scn_step *s, yaml_node_t *v, yaml_node_t *step)
{
	static const char *const keys[] = {"stop", "key_tries", "cpus_enabled", NULL};
	int64_t stop = HOST_TDX_RUN_ALL;
	if (v->type == YAML_SCALAR_NODE) {
		/* "bringup: after_keys" is short for "bringup: {stop: after_keys}". */
		if (tdxsim_scn_get_enum(ld, v, tdxsim_scn_stop_stages, "bringup", &stop))
			return -1;
	} else {
		yaml_node_t *n;
		if (tdxsim_scn_check_keys(ld, v, keys, "bringup"))
			return -1;
		if ((n = tdxsim_scn_map_get(ld, v, "stop")) &&
		    tdxsim_scn_get_enum(ld, n, tdxsim_scn_stop_stages, "bringup.stop", &stop))
			return -1;
		if (tdxsim_scn_get_key(ld, v, "key_tries", "bringup", false, SCN_NS_VALUE,
				       &s->u.bringup.key_tries))
			return -1;
		if ((n = tdxsim_scn_map_get(ld, v, "cpus_enabled")) &&
		    tdxsim_scn_get_bool(ld, n, "bringup.cpus_enabled", &s->u.bringup.cpus_enabled))
			return -1;
	}
	s->u.bringup.stop = (int)stop;
	return 0;
}

int tdxsim_scn_parse_init_tdmrs(struct scn_loader *ld, struct scn_step *s, yaml_node_t *v, yaml_node_t *step)
{
	static const char *const keys[] = {"tdmr", "max_calls", NULL};
	if (tdxsim_scn_scalar_is(v, "all"))
		return 0;
	return tdxsim_scn_check_keys(ld, v, keys, "init_tdmrs") ||
			       tdxsim_scn_get_key(ld, v, "tdmr", "init_tdmrs", false, SCN_NS_VALUE,
						  &s->u.init.tdmr) ||
			       tdxsim_scn_get_key(ld, v, "max_calls", "init_tdmrs", false, SCN_NS_VALUE,
						  &s->u.init.max_calls)
		       ? -1
		       : 0;
}

int tdxsim_scn_parse_poke(struct scn_loader *ld, struct scn_step *s, yaml_node_t *v, yaml_node_t *step)
{
	static const char *const keys[] = {"addr", "u8", "u16", "u32", "u64", "bytes", NULL};
	static const char *const widths[] = {"u8", "u16", "u32", "u64"};
	if (tdxsim_scn_check_keys(ld, v, keys, "poke") ||
	    tdxsim_scn_get_key(ld, v, "addr", "poke", true, SCN_NS_VALUE, &s->u.poke.addr))
		return -1;
	unsigned given = 0;
	for (unsigned w = 0; w < 4; w++) {
		struct scn_expr *e = NULL;
		if (tdxsim_scn_get_key(ld, v, widths[w], "poke", false, SCN_NS_VALUE, &e))
			return -1;
		if (e) {
			s->u.poke.value = e;
			s->u.poke.width = 1u << w;
			given++;
		}
	}
	yaml_node_t *b = tdxsim_scn_map_get(ld, v, "bytes");
	if (b) {
		given++;
		if (b->type != YAML_SEQUENCE_NODE)
			return tdxsim_scn_error(ld, tdxsim_scn_node_pos(b),
						"poke.bytes: expected a list of byte values");
		size_t n = (size_t)(b->data.sequence.items.top - b->data.sequence.items.start);
		if (n < 1 || n > 4096)
			return tdxsim_scn_error(ld, tdxsim_scn_node_pos(b),
						"poke.bytes: %zu bytes, expected 1..4096", n);
		s->u.poke.bytes = tdxsim_scn_alloc(&ld->scn->arena, n * sizeof(*s->u.poke.bytes));
		if (!s->u.poke.bytes)
			return tdxsim_scn_error(ld, tdxsim_scn_node_pos(b), "out of memory");
		s->u.poke.num_bytes = (unsigned)n;
		for (size_t i = 0; i < n; i++) {
			yaml_node_t *e = tdxsim_scn_node(ld, b->data.sequence.items.start[i]);
			if (!e ||
			    tdxsim_scn_get_expr(ld, e, SCN_NS_VALUE, "poke.bytes[]", &s->u.poke.bytes[i]))
				return -1;
		}
	}
	if (given != 1)
		return tdxsim_scn_error(ld, tdxsim_scn_node_pos(v),
					"poke: expected exactly one of u8, u16, u32, u64 or bytes");
	return ld->failed ? -1 : 0;
}

static int var_name(struct scn_loader *ld, yaml_node_t *k, const char *what, int *var)
{
	const char *name;
	size_t len;
	if (tdxsim_scn_get_scalar(ld, k, what, &name, &len))
		return -1;
	bool ok = len < 48 && strlen(name) == len && (name[0] == '_' || (name[0] | 32) >= 'a') &&
		  (name[0] | 32) <= 'z';
	for (size_t i = 0; ok && i < len; i++)
		ok = name[i] == '_' || (name[i] >= '0' && name[i] <= '9') ||
		     ((name[i] | 32) >= 'a' && (name[i] | 32) <= 'z');
	if (!ok)
		return tdxsim_scn_error(ld, tdxsim_scn_node_pos(k),
					"%s: '%.60s' is not a variable name (letters, digits, _)", what,
					name);
	if (tdxsim_scn_is_builtin_symbol(name))
		return tdxsim_scn_error(ld, tdxsim_scn_node_pos(k), "%s: '$%s' is a built-in symbol", what,
					name);
	*var = tdxsim_scn_var_lookup(ld, name, true);
	return *var < 0 ? tdxsim_scn_error(ld, tdxsim_scn_node_pos(k), "out of memory") : 0;
}

int tdxsim_scn_parse_set(struct scn_loader *ld, struct scn_step *s, yaml_node_t *v, yaml_node_t *step)
{
	if (v->type != YAML_MAPPING_NODE || v->data.mapping.pairs.top == v->data.mapping.pairs.start)
		return tdxsim_scn_error(ld, tdxsim_scn_node_pos(v), "set: expected a mapping name: value");
	size_t n = (size_t)(v->data.mapping.pairs.top - v->data.mapping.pairs.start);
	if (!(s->u.set.v = tdxsim_scn_alloc(&ld->scn->arena, n * sizeof(*s->u.set.v))))
		return tdxsim_scn_error(ld, tdxsim_scn_node_pos(v), "out of memory");
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *k = tdxsim_scn_node(ld, v->data.mapping.pairs.start[i].key);
		yaml_node_t *e = k ? tdxsim_scn_node(ld, v->data.mapping.pairs.start[i].value) : NULL;
		int var;
		/* The value is parsed first: "set: {x: $x + 1}" reads the x defined earlier. */
		if (!e || tdxsim_scn_get_expr(ld, e, SCN_NS_VALUE, "set", &s->u.set.v[i].e) ||
		    var_name(ld, k, "set", &var))
			return -1;
		s->u.set.v[i].var = (unsigned)var;
	}
	s->u.set.n = (unsigned)n;
	return 0;
}

int tdxsim_scn_parse_assert(struct scn_loader *ld, struct scn_step *s, yaml_node_t *v, yaml_node_t *step)
{
	return tdxsim_scn_get_expr(ld, v, SCN_NS_VALUE, "assert", &s->u.cond);
}

int tdxsim_scn_parse_save(struct scn_loader *ld, struct scn_step *s, yaml_node_t *map)
{
	if (map->type != YAML_MAPPING_NODE || map->data.mapping.pairs.top == map->data.mapping.pairs.start)
		return tdxsim_scn_error(ld, tdxsim_scn_node_pos(map),
					"save: expected a mapping variable: register");
	size_t n = (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);
	if (!(s->saves = tdxsim_scn_alloc(&ld->scn->arena, n * sizeof(*s->saves))))
		return tdxsim_scn_error(ld, tdxsim_scn_node_pos(map), "out of memory");
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *k = tdxsim_scn_node(ld, map->data.mapping.pairs.start[i].key);
		yaml_node_t *v = k ? tdxsim_scn_node(ld, map->data.mapping.pairs.start[i].value) : NULL;
		int var;
		if (!v || var_name(ld, k, "save", &var))
			return -1;
		int reg = SCN_SAVE_VALUE;
		const char *const *outs = tdxsim_scn_kind_outputs(s->kind);
		if (outs) {
			char list[80] = "";
			reg = 0;
			while (outs[reg] && !tdxsim_scn_scalar_is(v, outs[reg]))
				reg++;
			if (outs[reg]) {
				s->saves[i] = (struct scn_save){(unsigned)var, SCN_SAVE_OUT(reg)};
				continue;
			}
			for (size_t k = 0; outs[k]; k++)
				snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
					 k ? ", " : "", outs[k]);
			return tdxsim_scn_error(ld, tdxsim_scn_node_pos(v),
						"save: a %s step saves one of: %s",
						tdxsim_scn_kind_name(s->kind), list);
		}
		bool regs = s->kind == SCN_K_SEAMCALL || s->kind == SCN_K_TD_ENTER;
		if (regs && tdxsim_scn_scalar_is(v, "status")) {
			reg = SCN_SAVE_STATUS;
		} else if (regs) {
			reg = v->type == YAML_SCALAR_NODE
				      ? tdxsim_scn_reg_index((const char *)v->data.scalar.value)
				      : -1;
			if (reg < 0)
				return tdxsim_scn_error(
					ld, tdxsim_scn_node_pos(v),
					"save: expected status or a register (rcx, rdx, r8..r15, "
					"rbx, rdi, rsi)");
		} else if (!tdxsim_scn_scalar_is(v, "value")) {
			return tdxsim_scn_error(ld, tdxsim_scn_node_pos(v), "save: a %s step saves 'value'",
						tdxsim_scn_kind_name(s->kind));
		}
		s->saves[i] = (struct scn_save){(unsigned)var, reg};
	}
	s->num_saves = (unsigned)n;
	return 0;
}
