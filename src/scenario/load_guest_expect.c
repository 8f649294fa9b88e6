/* SPDX-License-Identifier: MIT */
/*
 * The expectations of running TDs (docs/scenarios.md): guest (what tdxsim_guest_result()
 * reports of one op of a vCPU's program, or its program counter) and tdreport (a TDREPORT the
 * guest wrote: tdxsim_report_verify(), MRTD, RTMRs as an extend chain computed here). td and
 * vcpu default to the step's own for the guest steps (load_guest.c); check_guest.c checks them.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "scenario/scenario.h"
#include "tdxsim/guest.h"

static const struct scn_enum guest_states[] = {
	{"not_run", TDXSIM_GUEST_NOT_RUN}, {"done", TDXSIM_GUEST_DONE}, {"ve", TDXSIM_GUEST_VE}, {NULL, 0}};

/* td: and vcpu: of an expectation; the guest steps lend theirs. */
static int exp_target(struct scn_loader *ld, yaml_node_t *n, const struct scn_step *s, const char *what,
		      unsigned *td, struct scn_expr **vcpu)
{
	yaml_node_t *v = tdxsim_scn_map_get(ld, n, "td");
	bool own = s->kind >= SCN_K_TD_GUEST && s->kind <= SCN_K_TD_LEAVE_GUEST;
	char w[32];
	snprintf(w, sizeof(w), "%s.td", what);
	if (!v && !own)
		return ld->failed ? -1
				  : tdxsim_scn_error(ld, tdxsim_scn_node_pos(n),
						     "%s: missing key 'td' (only the guest steps have one)",
						     what);
	if (!v) {
		*td = s->u.guest.td;
		if (vcpu)
			*vcpu = s->u.guest.vcpu;
	} else if (tdxsim_scn_td_name(ld, v, false, w, td)) {
		return -1;
	}
	return vcpu && tdxsim_scn_map_get(ld, n, "vcpu")
		       ? tdxsim_scn_get_key(ld, n, "vcpu", what, false, SCN_NS_VALUE, vcpu)
		       : (ld->failed ? -1 : 0);
}

static int guest_one(struct scn_loader *ld, yaml_node_t *n, const struct scn_step *s,
		     struct scn_guest_expect *e)
{
	static const char *const keys[] = {"td", "vcpu", "op", "pc", "state", "status", "out", NULL};
	yaml_node_t *v;
	e->pos = tdxsim_scn_node_pos(n);
	e->state = -1;
	if (tdxsim_scn_check_keys(ld, n, keys, "expect.guest") ||
	    exp_target(ld, n, s, "expect.guest", &e->td, &e->vcpu) ||
	    tdxsim_scn_get_key(ld, n, "op", "expect.guest", false, SCN_NS_VALUE, &e->op) ||
	    tdxsim_scn_get_key(ld, n, "pc", "expect.guest", false, SCN_NS_VALUE, &e->pc) ||
	    tdxsim_scn_get_key(ld, n, "status", "expect.guest", false, SCN_NS_STATUS, &e->status))
		return -1;
	if ((v = tdxsim_scn_map_get(ld, n, "state"))) {
		int64_t st;
		if (tdxsim_scn_get_enum(ld, v, guest_states, "expect.guest.state", &st))
			return -1;
		e->state = (int8_t)st;
	}
	if ((v = tdxsim_scn_map_get(ld, n, "out"))) {
		size_t k = v->type == YAML_SEQUENCE_NODE
				   ? (size_t)(v->data.sequence.items.top - v->data.sequence.items.start)
				   : 0;
		if (v->type != YAML_SEQUENCE_NODE || k < 1 || k > 6)
			return tdxsim_scn_error(ld, tdxsim_scn_node_pos(v),
						"expect.guest.out: expected a list of 1..6 values (out[0] "
						"first; '~' skips one)");
		for (size_t i = 0; i < k; i++) {
			yaml_node_t *x = tdxsim_scn_node(ld, v->data.sequence.items.start[i]);
			if (!x)
				return -1;
			if (tdxsim_scn_scalar_is(x, "~") || tdxsim_scn_scalar_is(x, "null"))
				continue;
			if (tdxsim_scn_get_expr(ld, x, SCN_NS_VALUE, "expect.guest.out", &e->out[i]))
				return -1;
		}
	}
	if (ld->failed)
		return -1;
	if (!e->op && (e->state >= 0 || e->status || v))
		return tdxsim_scn_error(ld, e->pos,
					"expect.guest: state, status and out need 'op' (its index)");
	if (!e->op && !e->pc)
		return tdxsim_scn_error(ld, e->pos, "expect.guest: give op (an op's index) or pc");
	return 0;
}

/* RTMR[i] after extending zero with each 48-byte value in turn (TDG.MR.RTMR.EXTEND:
 * RTMR = SHA-384(RTMR || data)), computed here so the run checks the module's arithmetic. */
static int rtmr_one(struct scn_loader *ld, yaml_node_t *n, struct scn_report_expect *e)
{
	static const char *const keys[] = {"index", "extended", NULL};
	uint64_t index;
	yaml_node_t *v, *x;
	if (tdxsim_scn_check_keys(ld, n, keys, "expect.tdreport.rtmr"))
		return -1;
	if (!(v = tdxsim_scn_map_get(ld, n, "index")) || !(x = tdxsim_scn_map_get(ld, n, "extended")))
		return ld->failed ? -1
				  : tdxsim_scn_error(ld, tdxsim_scn_node_pos(n),
						     "expect.tdreport.rtmr: needs index (0..3) and extended "
						     "(the 48-byte values extended into it, in order)");
	if (tdxsim_scn_get_const(ld, v, 0, 3, "expect.tdreport.rtmr.index", &index))
		return -1;
	size_t k = x->type == YAML_SEQUENCE_NODE
			   ? (size_t)(x->data.sequence.items.top - x->data.sequence.items.start)
			   : 0;
	if (x->type != YAML_SEQUENCE_NODE || k > 64)
		return tdxsim_scn_error(ld, tdxsim_scn_node_pos(x),
					"expect.tdreport.rtmr.extended: expected a list of at most 64 "
					"values of 96 hex digits ([] for an RTMR never extended)");
	uint8_t buf[96] = {0};
	for (size_t i = 0; i < k; i++) {
		yaml_node_t *d = tdxsim_scn_node(ld, x->data.sequence.items.start[i]);
		unsigned len = 0;
		if (!d || tdxsim_scn_hex48(ld, d, "expect.tdreport.rtmr.extended", buf + 48))
			return -1;
		if (!EVP_Digest(buf, 96, buf, &len, EVP_sha384(), NULL) || len != 48)
			return tdxsim_scn_error(ld, tdxsim_scn_node_pos(d), "SHA-384 failed");
	}
	e->rtmr_mask |= (uint8_t)(1u << index);
	e->rtmr_pos[index] = tdxsim_scn_node_pos(n);
	memcpy(e->rtmr[index], buf, 48);
	return 0;
}

static int report_one(struct scn_loader *ld, yaml_node_t *n, const struct scn_step *s,
		      struct scn_report_expect *e)
{
	static const char *const keys[] = {"td", "gpa", "verifies", "mrtd", "rtmr", NULL};
	yaml_node_t *v;
	e->pos = tdxsim_scn_node_pos(n);
	e->verifies = -1;
	if (tdxsim_scn_check_keys(ld, n, keys, "expect.tdreport") ||
	    exp_target(ld, n, s, "expect.tdreport", &e->td, NULL) ||
	    tdxsim_scn_get_key(ld, n, "gpa", "expect.tdreport", true, SCN_NS_VALUE, &e->gpa))
		return -1;
	if ((v = tdxsim_scn_map_get(ld, n, "verifies"))) {
		bool b;
		if (tdxsim_scn_get_bool(ld, v, "expect.tdreport.verifies", &b))
			return -1;
		e->verifies = b;
	}
	if ((v = tdxsim_scn_map_get(ld, n, "mrtd"))) {
		e->mrtd_pos = tdxsim_scn_node_pos(v);
		e->mrtd = tdxsim_scn_scalar_is(v, "td") ? 1 : 2;
		if (e->mrtd == 2 && tdxsim_scn_hex48(ld, v, "expect.tdreport.mrtd", e->mrtd_v))
			return -1;
	}
	if ((v = tdxsim_scn_map_get(ld, n, "rtmr"))) {
		if (v->type != YAML_SEQUENCE_NODE)
			return rtmr_one(ld, v, e);
		for (yaml_node_item_t *i = v->data.sequence.items.start; i < v->data.sequence.items.top;
		     i++) {
			yaml_node_t *x = tdxsim_scn_node(ld, *i);
			if (!x || rtmr_one(ld, x, e))
				return -1;
		}
	}
	return ld->failed ? -1 : 0;
}

/* A mapping or a list of at most 64 mappings. */
static size_t count_of(yaml_node_t *n)
{
	return n->type == YAML_SEQUENCE_NODE
		       ? (size_t)(n->data.sequence.items.top - n->data.sequence.items.start)
		       : 1;
}

int tdxsim_scn_load_expect_guest(struct scn_loader *ld, yaml_node_t *map, struct scn_step *s)
{
	struct scn_expect *ex = &s->ex;
	yaml_node_t *n;
	if ((n = tdxsim_scn_map_get(ld, map, "guest"))) {
		size_t k = count_of(n);
		if (k < 1 || k > 64)
			return tdxsim_scn_error(ld, tdxsim_scn_node_pos(n),
						"expect.guest: %zu entries, expected 1..64", k);
		if (!(ex->guest = tdxsim_scn_alloc(&ld->scn->arena, k * sizeof(*ex->guest))))
			return tdxsim_scn_error(ld, tdxsim_scn_node_pos(n), "out of memory");
		ex->num_guest = (unsigned)k;
		for (size_t i = 0; i < k; i++) {
			yaml_node_t *e = n->type == YAML_SEQUENCE_NODE
						 ? tdxsim_scn_node(ld, n->data.sequence.items.start[i])
						 : n;
			if (!e || guest_one(ld, e, s, &ex->guest[i]))
				return -1;
		}
	}
	if ((n = tdxsim_scn_map_get(ld, map, "tdreport"))) {
		size_t k = count_of(n);
		if (k < 1 || k > 64)
			return tdxsim_scn_error(ld, tdxsim_scn_node_pos(n),
						"expect.tdreport: %zu entries, expected 1..64", k);
		if (!(ex->report = tdxsim_scn_alloc(&ld->scn->arena, k * sizeof(*ex->report))))
			return tdxsim_scn_error(ld, tdxsim_scn_node_pos(n), "out of memory");
		ex->num_report = (unsigned)k;
		for (size_t i = 0; i < k; i++) {
			yaml_node_t *e = n->type == YAML_SEQUENCE_NODE
						 ? tdxsim_scn_node(ld, n->data.sequence.items.start[i])
						 : n;
			if (!e || report_one(ld, e, s, &ex->report[i]))
				return -1;
		}
	}
	return ld->failed ? -1 : 0;
}
