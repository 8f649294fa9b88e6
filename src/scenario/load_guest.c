/* SPDX-License-Identifier: MIT */
/*
 * Parsers of the running-TD steps and their expectations (docs/scenarios.md "Running TDs"):
 *   td_guest       a vCPU's guest program: one entry per operation, by the op kinds of
 *                  include/tdxsim/guest.h (the table below), loaded with tdxsim_guest_load()
 *   td_map_shared  the host's EPT for shared GPAs (tdxsim_guest_map_shared())
 *   td_aug         TDH.MEM.SEPT.ADD of missing tables and TDH.MEM.PAGE.AUG, as KVM answers an
 *                  EPT violation
 *   td_enter       TDH.VP.ENTER with the host's R10-R15 (its answer to a TDVMCALL), optionally
 *                  answering private EPT violations with AUG and entering again
 *   td_interrupt   an interrupt posted to a vCPU as KVM posts it (tdxsim_guest_post_interrupt())
 *   td_stay_in_guest, td_leave_guest  a vCPU kept inside the guest across host calls and let
 *                  out (tdxsim_vcpu_stay_in_guest(), tdxsim_vcpu_leave_guest())
 * Their expectations are in load_guest_expect.c; what the steps do is in run_guest.c.
 */
#include <stdio.h>
#include <string.h>

#include "scenario/scenario.h"
#include "tdxsim/guest.h"

/* Fields of tdxsim_guest_op_t an op kind uses; a key for any other is refused. */
enum { F_GPA = 1, F_SIZE = 2, F_VALUE = 4, F_ARGS = 8, F_LEVEL = 16 };

/* One row per op kind of include/tdxsim/guest.h: its name in a scenario, the fields it uses
 * and those it needs (docs/guest.md has what each does with them). */
static const struct op_desc {
	const char *name;
	uint8_t kind;
	uint8_t fields, required;
} op_kinds[] = {
	{"read", TDXSIM_GOP_READ, F_GPA | F_SIZE, F_GPA},
	{"write", TDXSIM_GOP_WRITE, F_GPA | F_SIZE | F_VALUE, F_GPA | F_VALUE},
	{"vmcall", TDXSIM_GOP_VMCALL, F_VALUE | F_ARGS, 0},
	{"map_gpa", TDXSIM_GOP_MAP_GPA, F_GPA | F_SIZE, F_GPA | F_SIZE},
	{"rtmr_extend", TDXSIM_GOP_RTMR_EXTEND, F_GPA | F_VALUE, F_GPA},
	{"report", TDXSIM_GOP_REPORT, F_GPA | F_ARGS, F_GPA},
	{"vp_info", TDXSIM_GOP_VP_INFO, 0, 0},
	{"hlt", TDXSIM_GOP_HLT, F_VALUE, 0},
	{"illegal", TDXSIM_GOP_ILLEGAL, 0, 0},
	{"triple_fault", TDXSIM_GOP_TRIPLE_FAULT, 0, 0},
	{"tdcall", TDXSIM_GOP_TDCALL, F_GPA | F_VALUE | F_ARGS, F_VALUE},
	{"accept", TDXSIM_GOP_ACCEPT, F_GPA | F_SIZE | F_VALUE | F_LEVEL, F_GPA},
	{"set_tpr", TDXSIM_GOP_SET_TPR, F_VALUE, F_VALUE},
	{"eoi", TDXSIM_GOP_EOI, 0, 0},
	{"sti", TDXSIM_GOP_STI, 0, 0},
	{"cli", TDXSIM_GOP_CLI, 0, 0},
};

static const char *const field_keys[] = {"gpa", "size", "value", "args", "level"};

static const struct scn_enum accept_levels[] = {{"4K", 0}, {"2M", 1}, {NULL, 0}};

static const struct op_desc *op_by_name(struct scn_loader *ld, yaml_node_t *n, const char *what)
{
	const char *names[SCN_COUNT(op_kinds)], *text;
	char list[200] = "";
	size_t len;
	if (tdxsim_scn_get_scalar(ld, n, what, &text, &len))
		return NULL;
	for (size_t i = 0; i < SCN_COUNT(op_kinds); i++) {
		if (!strcmp(op_kinds[i].name, text))
			return &op_kinds[i];
		names[i] = op_kinds[i].name;
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "", names[i]);
	}
	const char *hint = tdxsim_scn_closest(text, names, SCN_COUNT(names));
	tdxsim_scn_error(ld, tdxsim_scn_node_pos(n),
			 "%s: unknown guest op '%.60s'%s%s%s (expected one of: %s)", what, text,
			 hint ? ", did you mean '" : "", hint ? hint : "", hint ? "'?" : "", list);
	return NULL;
}

static int parse_args(struct scn_loader *ld, yaml_node_t *n, const char *what, struct scn_guest_op *op)
{
	size_t k = n->type == YAML_SEQUENCE_NODE
			   ? (size_t)(n->data.sequence.items.top - n->data.sequence.items.start)
			   : 0;
	if (n->type != YAML_SEQUENCE_NODE || k < 1 || k > 6)
		return tdxsim_scn_error(ld, tdxsim_scn_node_pos(n),
					"%s.args: expected a list of 1..6 values (R10..R15, or RDX and R8 "
					"for tdcall and report)",
					what);
	for (size_t i = 0; i < k; i++) {
		yaml_node_t *e = tdxsim_scn_node(ld, n->data.sequence.items.start[i]);
		if (!e || tdxsim_scn_get_expr(ld, e, SCN_NS_VALUE, what, &op->args[i]))
			return -1;
	}
	return 0;
}

/* One op: "hlt", or {op: write, gpa: 0x1000, value: 5, shared: false, ...}. */
static int parse_op(struct scn_loader *ld, yaml_node_t *n, unsigned index, struct scn_guest_op *op)
{
	static const char *const keys[] = {"op", "gpa", "size", "value", "args", "level", "shared", NULL};
	char what[40];
	snprintf(what, sizeof(what), "td_guest.ops[%u]", index);
	op->pos = tdxsim_scn_node_pos(n);
	yaml_node_t *k = n;
	if (n->type == YAML_MAPPING_NODE) {
		if (tdxsim_scn_check_keys(ld, n, keys, what))
			return -1;
		if (!(k = tdxsim_scn_map_get(ld, n, "op")))
			return ld->failed ? -1
					  : tdxsim_scn_error(ld, op->pos,
							     "%s: missing key 'op' (the op kind)", what);
	}
	const struct op_desc *d = op_by_name(ld, k, what);
	if (!d)
		return -1;
	op->kind = d->kind;
	if (n->type != YAML_MAPPING_NODE) {
		if (d->required)
			return tdxsim_scn_error(ld, op->pos, "%s: '%s' needs %s, so a mapping {op: %s, ...}",
						what, d->name, d->required & F_GPA ? "gpa" : "value",
						d->name);
		return 0;
	}
	for (unsigned f = 0; f < SCN_COUNT(field_keys); f++) {
		yaml_node_t *v = tdxsim_scn_map_get(ld, n, field_keys[f]);
		if (!v && (d->required & (1u << f)))
			return ld->failed ? -1
					  : tdxsim_scn_error(ld, op->pos, "%s: '%s' needs key '%s'", what,
							     d->name, field_keys[f]);
		if (v && !(d->fields & (1u << f)))
			return tdxsim_scn_error(ld, tdxsim_scn_node_pos(v), "%s: '%s' takes no '%s'", what,
						d->name, field_keys[f]);
	}
	yaml_node_t *v;
	if (tdxsim_scn_get_key(ld, n, "gpa", what, false, SCN_NS_VALUE, &op->gpa) ||
	    tdxsim_scn_get_key(ld, n, "size", what, false, SCN_NS_VALUE, &op->size) ||
	    tdxsim_scn_get_key(ld, n, "value", what, false, SCN_NS_VALUE, &op->value))
		return -1;
	if ((v = tdxsim_scn_map_get(ld, n, "args")) && parse_args(ld, v, what, op))
		return -1;
	if ((v = tdxsim_scn_map_get(ld, n, "level"))) {
		int64_t level;
		char w[48];
		snprintf(w, sizeof(w), "%s.level", what);
		if (op->value)
			return tdxsim_scn_error(ld, tdxsim_scn_node_pos(v),
						"%s: give level or value (the same field), not both", what);
		if (tdxsim_scn_get_enum(ld, v, accept_levels, w, &level) ||
		    !(op->value = tdxsim_scn_alloc(&ld->scn->arena, sizeof(*op->value))))
			return -1;
		op->value->value = (uint64_t)level;
	}
	/* An accept of a range (size) chooses its own levels: the guest's value is not read. */
	if (op->kind == TDXSIM_GOP_ACCEPT && op->size && op->value)
		return tdxsim_scn_error(ld, op->pos,
					"%s: an accept takes level (one page) or size (a range, 1G -> 2M -> "
					"4K as Linux), not both",
					what);
	if ((v = tdxsim_scn_map_get(ld, n, "shared"))) {
		char w[48];
		snprintf(w, sizeof(w), "%s.shared", what);
		if (!(d->fields & F_GPA))
			return tdxsim_scn_error(ld, tdxsim_scn_node_pos(v), "%s: '%s' has no GPA to share",
						what, d->name);
		if (tdxsim_scn_get_bool(ld, v, w, &op->shared))
			return -1;
	}
	return ld->failed ? -1 : 0;
}

static int parse_program(struct scn_loader *ld, struct scn_guest_step *g, yaml_node_t *v)
{
	yaml_node_t *n = tdxsim_scn_map_get(ld, v, "ops");
	if (!n)
		return ld->failed ? -1
				  : tdxsim_scn_error(ld, tdxsim_scn_node_pos(v),
						     "td_guest: missing key 'ops' (the guest program)");
	size_t k = n->type == YAML_SEQUENCE_NODE
			   ? (size_t)(n->data.sequence.items.top - n->data.sequence.items.start)
			   : 0;
	if (n->type != YAML_SEQUENCE_NODE || k > TDXSIM_GUEST_MAX_OPS)
		return tdxsim_scn_error(ld, tdxsim_scn_node_pos(n),
					"td_guest.ops: expected a list of at most %u guest ops",
					TDXSIM_GUEST_MAX_OPS);
	if (k && !(g->ops = tdxsim_scn_alloc(&ld->scn->arena, k * sizeof(*g->ops))))
		return tdxsim_scn_error(ld, tdxsim_scn_node_pos(n), "out of memory");
	for (size_t i = 0; i < k; i++) {
		yaml_node_t *e = tdxsim_scn_node(ld, n->data.sequence.items.start[i]);
		if (!e || parse_op(ld, e, (unsigned)i, &g->ops[i]))
			return -1;
	}
	g->num_ops = (unsigned)k;
	return 0;
}

/* hpa: an expression, auto (a fresh range from the host allocator), for td_map_shared unmap,
 * for td_aug contiguous (one range for all its pages); absent means auto. */
static int parse_hpa(struct scn_loader *ld, struct scn_step *s, yaml_node_t *v, const char *what)
{
	struct scn_guest_step *g = &s->u.guest;
	yaml_node_t *n = tdxsim_scn_map_get(ld, v, "hpa");
	g->hpa_mode = SCN_HPA_AUTO;
	if (!n || tdxsim_scn_scalar_is(n, "auto"))
		return ld->failed ? -1 : 0;
	if (tdxsim_scn_scalar_is(n, "contiguous")) {
		if (s->kind != SCN_K_TD_AUG)
			return tdxsim_scn_error(ld, tdxsim_scn_node_pos(n),
						"%s.hpa: 'contiguous' is for td_aug", what);
		g->hpa_mode = SCN_HPA_CONTIG;
		return 0;
	}
	if (tdxsim_scn_scalar_is(n, "unmap")) {
		if (s->kind != SCN_K_TD_MAP_SHARED)
			return tdxsim_scn_error(ld, tdxsim_scn_node_pos(n),
						"%s.hpa: 'unmap' is for td_map_shared", what);
		g->hpa_mode = SCN_HPA_UNMAP;
		return 0;
	}
	g->hpa_mode = SCN_HPA_EXPR;
	return tdxsim_scn_get_key(ld, v, "hpa", what, true, SCN_NS_VALUE, &g->hpa);
}

int tdxsim_scn_parse_guest(struct scn_loader *ld, struct scn_step *s, yaml_node_t *v, yaml_node_t *step)
{
	static const char *const guest_keys[] = {"td", "vcpu", "ops", NULL};
	static const char *const map_keys[] = {"td", "gpa", "size", "hpa", NULL};
	static const char *const aug_keys[] = {"td", "gpa", "size", "level", "hpa", NULL};
	static const char *const interrupt_keys[] = {"td", "vcpu", "vector", NULL};
	static const char *const stay_keys[] = {"td", "vcpu", "calls", NULL};
	static const char *const leave_keys[] = {"td", "vcpu", NULL};
	static const char *const enter_keys[] = {"td",	"vcpu", "r10", "r11",	      "r12", "r13",
						 "r14", "r15",	"aug", "max_entries", NULL};
	struct scn_guest_step *g = &s->u.guest;
	const char *what = tdxsim_scn_kind_name(s->kind);
	const char *const *keys = s->kind == SCN_K_TD_GUEST	      ? guest_keys
				  : s->kind == SCN_K_TD_MAP_SHARED    ? map_keys
				  : s->kind == SCN_K_TD_AUG	      ? aug_keys
				  : s->kind == SCN_K_TD_INTERRUPT     ? interrupt_keys
				  : s->kind == SCN_K_TD_STAY_IN_GUEST ? stay_keys
				  : s->kind == SCN_K_TD_LEAVE_GUEST   ? leave_keys
								      : enter_keys;
	yaml_node_t *n;
	/* "td_enter: a" enters vCPU 0 of TD a; "td_stay_in_guest: a" keeps it in until left. */
	if (v->type == YAML_SCALAR_NODE && (s->kind == SCN_K_TD_ENTER || s->kind == SCN_K_TD_STAY_IN_GUEST ||
					    s->kind == SCN_K_TD_LEAVE_GUEST))
		return tdxsim_scn_td_name(ld, v, false, what, &g->td);
	if (tdxsim_scn_check_keys(ld, v, keys, what))
		return -1;
	if (!(n = tdxsim_scn_map_get(ld, v, "td")))
		return ld->failed
			       ? -1
			       : tdxsim_scn_error(ld, tdxsim_scn_node_pos(v), "%s: missing key 'td'", what);
	char w[32];
	snprintf(w, sizeof(w), "%s.td", what);
	if (tdxsim_scn_td_name(ld, n, false, w, &g->td) ||
	    tdxsim_scn_get_key(ld, v, "vcpu", what, false, SCN_NS_VALUE, &g->vcpu))
		return -1;
	switch (s->kind) {
	case SCN_K_TD_GUEST:
		return parse_program(ld, g, v);
	case SCN_K_TD_INTERRUPT:
		return tdxsim_scn_get_key(ld, v, "vector", what, true, SCN_NS_VALUE, &g->vector) ||
				       tdxsim_scn_const_max(ld, g->vector, 255, "td_interrupt.vector")
			       ? -1
			       : 0;
	case SCN_K_TD_STAY_IN_GUEST: /* the API's count is 32 bits */
		return tdxsim_scn_get_key(ld, v, "calls", what, false, SCN_NS_VALUE, &g->calls) ||
				       tdxsim_scn_const_max(ld, g->calls, UINT32_MAX,
							    "td_stay_in_guest.calls")
			       ? -1
			       : 0;
	case SCN_K_TD_LEAVE_GUEST:
		return ld->failed ? -1 : 0;
	case SCN_K_TD_MAP_SHARED:
	case SCN_K_TD_AUG: {
		bool aug = s->kind == SCN_K_TD_AUG;
		if (tdxsim_scn_get_key(ld, v, "gpa", what, true, SCN_NS_VALUE, &g->gpa) ||
		    tdxsim_scn_get_key(ld, v, "size", what, !aug, SCN_NS_VALUE, &g->size) ||
		    parse_hpa(ld, s, v, what))
			return -1;
		if (aug && (n = tdxsim_scn_map_get(ld, v, "level"))) {
			int64_t level;
			if (tdxsim_scn_get_enum(ld, n, accept_levels, "td_aug.level", &level))
				return -1;
			g->level = (uint8_t)level;
		}
		return ld->failed ? -1 : 0;
	}
	default:
		break;
	}
	for (int i = 0; i < 6; i++) {
		char key[4];
		snprintf(key, sizeof(key), "r1%d", i);
		if (tdxsim_scn_get_key(ld, v, key, what, false, SCN_NS_VALUE, &g->answer[i]))
			return -1;
	}
	if ((n = tdxsim_scn_map_get(ld, v, "aug")) && tdxsim_scn_get_bool(ld, n, "td_enter.aug", &g->aug))
		return -1;
	return tdxsim_scn_get_key(ld, v, "max_entries", what, false, SCN_NS_VALUE, &g->max_entries) ||
			       tdxsim_scn_const_max(ld, g->max_entries, 1000000, "td_enter.max_entries")
		       ? -1
		       : 0;
}
