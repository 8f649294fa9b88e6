/* SPDX-License-Identifier: MIT */
/*
 * Parsers of the TD steps (td_create, td_vcpu, td_add_pages, td_finalize, td_teardown), of
 * contend, and of the TD expectations (kot, td, td_count). A td_create step names its TD;
 * later steps and expressions ("a.tdr") refer to it by that name, so a name used before any
 * td_create defines it is a load error. What the steps do is in run_td.c.
 */
#include <stdio.h>
#include <string.h>

#include "scenario/scenario.h"
#include "tdxsim/td.h"

const struct scn_enum tdxsim_scn_td_lifecycles[] = {
	{"HKID_ASSIGNED", 0}, {"KEYS_CONFIGURED", 1}, {"BLOCKED", 2}, {"TEARDOWN", 3}, {NULL, 0}};
const struct scn_enum tdxsim_scn_td_op_states[] = {
	{"UNINITIALIZED", 0}, {"INITIALIZED", 1}, {"RUNNABLE", 2},	 {"LIVE_EXPORT", 3},
	{"PAUSED_EXPORT", 4}, {"POST_EXPORT", 5}, {"MEMORY_IMPORT", 6},	 {"STATE_IMPORT", 7},
	{"POST_IMPORT", 8},   {"LIVE_IMPORT", 9}, {"FAILED_IMPORT", 10}, {NULL, 0}};
const struct scn_enum tdxsim_scn_kot_states[] = {
	{"HKID_FREE", 0}, {"HKID_ASSIGNED", 1}, {"HKID_FLUSHED", 2}, {"HKID_RESERVED", 3}, {NULL, 0}};

static const struct scn_enum phases[] = {{"zap", SCN_TD_PHASE_ZAP},
					 {"flush", SCN_TD_PHASE_FLUSH},
					 {"flushdone", SCN_TD_PHASE_FLUSHDONE},
					 {"cache_wb", SCN_TD_PHASE_CACHE_WB},
					 {"freeid", SCN_TD_PHASE_FREEID},
					 {"reclaim", SCN_TD_PHASE_RECLAIM},
					 {"reclaim_tdr", SCN_TD_PHASE_RECLAIM_TDR},
					 {NULL, 0}};

static const struct scn_enum resources[] = {{"page", TDXSIM_RES_PAGE},
					    {"kot", TDXSIM_RES_KOT},
					    {"op_state", TDXSIM_RES_OP_STATE},
					    {"sept_tree", TDXSIM_RES_SEPT_TREE},
					    {"sept_entry", TDXSIM_RES_SEPT_ENTRY},
					    {"wbcache", TDXSIM_RES_WBCACHE},
					    {"ket", TDXSIM_RES_KET},
					    {"td_epoch", TDXSIM_RES_TD_EPOCH},
					    {NULL, 0}};

static const struct scn_enum modes[] = {
	{"shared", TDXSIM_LOCK_SHARED}, {"exclusive", TDXSIM_LOCK_EXCLUSIVE}, {NULL, 0}};

int tdxsim_scn_names_find(struct scn_loader *ld, struct scn_names *names, const char *name, bool define)
{
	for (unsigned i = 0; i < names->n; i++)
		if (!strcmp(names->v[i], name))
			return (int)i;
	if (!define)
		return -1;
	if (names->n == names->cap) {
		unsigned cap = names->cap ? 2 * names->cap : 8;
		const char **v = tdxsim_scn_alloc(&ld->scn->arena, cap * sizeof(*v));
		if (!v)
			return -1;
		if (names->n)
			memcpy(v, names->v, names->n * sizeof(*v));
		names->v = v;
		names->cap = cap;
	}
	const char *copy = tdxsim_scn_strndup(&ld->scn->arena, name, strlen(name));
	if (!copy)
		return -1;
	names->v[names->n] = copy;
	return (int)names->n++;
}

/* A TD name: lower-case letters, digits and _, starting with a letter (so that it never
 * shadows a status or leaf name), at most 31 characters; "page" is the page() function. */
int tdxsim_scn_td_name(struct scn_loader *ld, yaml_node_t *n, bool define, const char *what, unsigned *out)
{
	const char *text;
	size_t len;
	if (tdxsim_scn_get_scalar(ld, n, what, &text, &len))
		return -1;
	bool ok = len < 32 && strlen(text) == len && text[0] >= 'a' && text[0] <= 'z' && strcmp(text, "page");
	for (size_t i = 0; ok && i < len; i++)
		ok = (text[i] >= 'a' && text[i] <= 'z') || (text[i] >= '0' && text[i] <= '9') ||
		     text[i] == '_';
	if (!ok)
		return tdxsim_scn_error(ld, tdxsim_scn_node_pos(n),
					"%s: '%.60s' is not a TD name (a lower-case letter, then lower-case "
					"letters, digits or _; at most 31; not 'page')",
					what, text);
	int idx = tdxsim_scn_names_find(ld, &ld->scn->tds, text, define);
	if (idx < 0)
		return tdxsim_scn_error(
			ld, tdxsim_scn_node_pos(n),
			define ? "out of memory"
			       : "%s: unknown TD '%.60s' (a td_create step must name it first)",
			what, text);
	*out = (unsigned)idx;
	return 0;
}

static int get_bool_key(struct scn_loader *ld, yaml_node_t *map, const char *key, const char *what, bool *out)
{
	yaml_node_t *n = tdxsim_scn_map_get(ld, map, key);
	char w[48];
	snprintf(w, sizeof(w), "%s.%s", what, key);
	return n ? tdxsim_scn_get_bool(ld, n, w, out) : (ld->failed ? -1 : 0);
}

/* "auto" (NULL) or an expression. */
static int auto_key(struct scn_loader *ld, yaml_node_t *map, const char *key, const char *what,
		    struct scn_expr **out)
{
	yaml_node_t *n = tdxsim_scn_map_get(ld, map, key);
	if (n && tdxsim_scn_scalar_is(n, "auto"))
		return 0;
	return tdxsim_scn_get_key(ld, map, key, what, false, SCN_NS_VALUE, out);
}

static int parse_params(struct scn_loader *ld, struct scn_td_step *t, yaml_node_t *map)
{
	static const char *const keys[] = {"attributes",    "xfam",	  "eptp", "config_flags",
					   "tsc_frequency", "num_l2_vms", NULL};
	if (tdxsim_scn_check_keys(ld, map, keys, "td_create.params"))
		return -1;
	for (int i = 0; i < SCN_TD_PARAMS; i++)
		if (tdxsim_scn_get_key(ld, map, keys[i], "td_create.params", false, SCN_NS_VALUE,
				       &t->params[i]))
			return -1;
	return 0;
}

static int parse_create(struct scn_loader *ld, struct scn_td_step *t, yaml_node_t *v)
{
	static const char *const keys[] = {"name", "hkid",	"tdcs",	  "keys",
					   "init", "max_vcpus", "params", NULL};
	yaml_node_t *n;
	t->keys = t->init = true;
	if (v->type == YAML_SCALAR_NODE) /* td_create: a */
		return tdxsim_scn_td_name(ld, v, true, "td_create", &t->td);
	if (tdxsim_scn_check_keys(ld, v, keys, "td_create"))
		return -1;
	if (!(n = tdxsim_scn_map_get(ld, v, "name")))
		return ld->failed ? -1
				  : tdxsim_scn_error(ld, tdxsim_scn_node_pos(v),
						     "td_create: missing key 'name' (the TD's name)");
	if (tdxsim_scn_td_name(ld, n, true, "td_create.name", &t->td) ||
	    auto_key(ld, v, "hkid", "td_create", &t->hkid) ||
	    auto_key(ld, v, "tdcs", "td_create", &t->tdcs) ||
	    tdxsim_scn_get_key(ld, v, "max_vcpus", "td_create", false, SCN_NS_VALUE, &t->max_vcpus) ||
	    get_bool_key(ld, v, "keys", "td_create", &t->keys) ||
	    get_bool_key(ld, v, "init", "td_create", &t->init) ||
	    tdxsim_scn_const_max(ld, t->tdcs, 16, "td_create.tdcs") ||
	    tdxsim_scn_const_max(ld, t->hkid, 0xFFFF, "td_create.hkid"))
		return -1;
	if ((n = tdxsim_scn_map_get(ld, v, "params")) && parse_params(ld, t, n))
		return -1;
	if (!t->init && (n = tdxsim_scn_map_get(ld, v, "params")))
		return tdxsim_scn_error(ld, tdxsim_scn_node_pos(n), "td_create.params: only with init: true");
	return ld->failed ? -1 : 0;
}

static int parse_pages(struct scn_loader *ld, struct scn_td_step *t, yaml_node_t *v)
{
	static const char *const keys[] = {"td", "gpa", "size", "measure", "fill", "pattern", NULL};
	static const char *const pkeys[] = {"mul", "add", NULL};
	const char *w = "td_add_pages";
	yaml_node_t *n;
	if (tdxsim_scn_check_keys(ld, v, keys, w) ||
	    tdxsim_scn_get_key(ld, v, "gpa", w, true, SCN_NS_VALUE, &t->gpa) ||
	    tdxsim_scn_get_key(ld, v, "size", w, false, SCN_NS_VALUE, &t->size) ||
	    tdxsim_scn_get_key(ld, v, "fill", w, false, SCN_NS_VALUE, &t->fill) ||
	    get_bool_key(ld, v, "measure", w, &t->measure) ||
	    tdxsim_scn_const_max(ld, t->fill, 0xFF, "td_add_pages.fill"))
		return -1;
	if ((n = tdxsim_scn_map_get(ld, v, "pattern"))) {
		if (t->fill)
			return tdxsim_scn_error(ld, tdxsim_scn_node_pos(n),
						"td_add_pages: give fill (a byte) or pattern, not both");
		if (tdxsim_scn_check_keys(ld, n, pkeys, "td_add_pages.pattern") ||
		    tdxsim_scn_get_key(ld, n, "mul", "td_add_pages.pattern", true, SCN_NS_VALUE, &t->mul) ||
		    tdxsim_scn_get_key(ld, n, "add", "td_add_pages.pattern", true, SCN_NS_VALUE, &t->add))
			return -1;
	}
	return ld->failed ? -1 : 0;
}

int tdxsim_scn_parse_td(struct scn_loader *ld, struct scn_step *s, yaml_node_t *v, yaml_node_t *step)
{
	struct scn_td_step *t = &s->u.td;
	const char *what = tdxsim_scn_kind_name(s->kind);
	yaml_node_t *n;
	t->stop = SCN_TD_PHASE_DONE;
	t->init = t->measure = true;
	if (s->kind == SCN_K_TD_CREATE)
		return parse_create(ld, t, v);
	/* "td_finalize: a" is short for {td: a}; td_add_pages needs at least a GPA. */
	if (v->type == YAML_SCALAR_NODE && s->kind != SCN_K_TD_ADD_PAGES)
		return tdxsim_scn_td_name(ld, v, false, what, &t->td);
	if (s->kind == SCN_K_TD_ADD_PAGES && parse_pages(ld, t, v))
		return -1;
	if (s->kind == SCN_K_TD_VCPU) {
		static const char *const keys[] = {"td", "x2apic", "tdcx", "init", NULL};
		if (tdxsim_scn_check_keys(ld, v, keys, what) ||
		    tdxsim_scn_get_key(ld, v, "x2apic", what, false, SCN_NS_VALUE, &t->x2apic) ||
		    auto_key(ld, v, "tdcx", what, &t->tdcx) || get_bool_key(ld, v, "init", what, &t->init) ||
		    tdxsim_scn_const_max(ld, t->tdcx, 15, "td_vcpu.tdcx"))
			return -1;
	} else if (s->kind == SCN_K_TD_TEARDOWN) {
		static const char *const keys[] = {"td", "stop", NULL};
		int64_t stop;
		if (tdxsim_scn_check_keys(ld, v, keys, what))
			return -1;
		if ((n = tdxsim_scn_map_get(ld, v, "stop"))) {
			if (tdxsim_scn_get_enum(ld, n, phases, "td_teardown.stop", &stop))
				return -1;
			t->stop = (int)stop;
		}
	} else if (s->kind == SCN_K_TD_FINALIZE) {
		static const char *const keys[] = {"td", NULL};
		if (tdxsim_scn_check_keys(ld, v, keys, what))
			return -1;
	}
	if (!(n = tdxsim_scn_map_get(ld, v, "td")))
		return ld->failed
			       ? -1
			       : tdxsim_scn_error(ld, tdxsim_scn_node_pos(v), "%s: missing key 'td'", what);
	char w[32];
	snprintf(w, sizeof(w), "%s.td", what);
	return tdxsim_scn_td_name(ld, n, false, w, &t->td);
}

int tdxsim_scn_parse_contend(struct scn_loader *ld, struct scn_step *s, yaml_node_t *v, yaml_node_t *step)
{
	static const char *const keys[] = {"resource", "key", "key2", "mode", "count", NULL};
	int64_t res, mode = TDXSIM_LOCK_EXCLUSIVE;
	yaml_node_t *n;
	if (tdxsim_scn_check_keys(ld, v, keys, "contend"))
		return -1;
	if (!(n = tdxsim_scn_map_get(ld, v, "resource")))
		return ld->failed ? -1
				  : tdxsim_scn_error(ld, tdxsim_scn_node_pos(v),
						     "contend: missing key 'resource' (page, kot, op_state, "
						     "sept_tree, sept_entry, wbcache, ket, td_epoch)");
	if (tdxsim_scn_get_enum(ld, n, resources, "contend.resource", &res))
		return -1;
	if ((n = tdxsim_scn_map_get(ld, v, "mode")) &&
	    tdxsim_scn_get_enum(ld, n, modes, "contend.mode", &mode))
		return -1;
	s->u.contend.res = (int)res;
	s->u.contend.mode = (int)mode;
	return tdxsim_scn_get_key(ld, v, "key", "contend", false, SCN_NS_VALUE, &s->u.contend.key) ||
			       tdxsim_scn_get_key(ld, v, "key2", "contend", false, SCN_NS_VALUE,
						  &s->u.contend.key2) ||
			       tdxsim_scn_get_key(ld, v, "count", "contend", false, SCN_NS_VALUE,
						  &s->u.contend.count) ||
			       tdxsim_scn_const_max(ld, s->u.contend.count, UINT32_MAX, "contend.count")
		       ? -1
		       : 0;
}

/* ---- expectations ------------------------------------------------------------------------ */

/* A mapping or a list of mappings: calls @one for each. */
static int each(struct scn_loader *ld, yaml_node_t *n, size_t elem, void **out, unsigned *count,
		int (*one)(struct scn_loader *, yaml_node_t *, void *), const char *what)
{
	size_t k = n->type == YAML_SEQUENCE_NODE
			   ? (size_t)(n->data.sequence.items.top - n->data.sequence.items.start)
			   : 1;
	if (k < 1 || k > 256)
		return tdxsim_scn_error(ld, tdxsim_scn_node_pos(n), "%s: %zu entries, expected 1..256", what,
					k);
	char *v = tdxsim_scn_alloc(&ld->scn->arena, k * elem);
	if (!v)
		return tdxsim_scn_error(ld, tdxsim_scn_node_pos(n), "out of memory");
	*out = v;
	*count = (unsigned)k;
	if (n->type != YAML_SEQUENCE_NODE)
		return one(ld, n, v);
	for (size_t i = 0; i < k; i++) {
		yaml_node_t *e = tdxsim_scn_node(ld, n->data.sequence.items.start[i]);
		if (!e || one(ld, e, v + i * elem))
			return -1;
	}
	return 0;
}

static int kot_one(struct scn_loader *ld, yaml_node_t *n, void *out)
{
	static const char *const keys[] = {"keyid", "state", NULL};
	struct scn_kot_expect *k = out;
	int64_t st;
	yaml_node_t *v;
	k->pos = tdxsim_scn_node_pos(n);
	if (tdxsim_scn_check_keys(ld, n, keys, "expect.kot") ||
	    tdxsim_scn_get_key(ld, n, "keyid", "expect.kot", true, SCN_NS_VALUE, &k->keyid))
		return -1;
	if (!(v = tdxsim_scn_map_get(ld, n, "state")))
		return ld->failed ? -1 : tdxsim_scn_error(ld, k->pos, "expect.kot: missing key 'state'");
	if (tdxsim_scn_get_enum(ld, v, tdxsim_scn_kot_states, "expect.kot.state", &st))
		return -1;
	k->state = (int8_t)st;
	return 0;
}

int tdxsim_scn_hex48(struct scn_loader *ld, yaml_node_t *n, const char *what, uint8_t out[48])
{
	const char *t;
	size_t len;
	if (tdxsim_scn_get_scalar(ld, n, what, &t, &len))
		return -1;
	if (len != 96)
		return tdxsim_scn_error(ld, tdxsim_scn_node_pos(n),
					"%s: %zu characters, expected 96 hex digits (48 bytes, "
					"as TDH.MNG.RD returns them, byte 0 first)",
					what, len);
	for (size_t i = 0; i < 96; i++) {
		char c = t[i] | 32;
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (d < 0)
			return tdxsim_scn_error(ld, tdxsim_scn_node_pos(n), "%s: '%c' is not a hex digit",
						what, t[i]);
		out[i / 2] = (uint8_t)(i % 2 ? out[i / 2] | d : d << 4);
	}
	return 0;
}

static int td_one(struct scn_loader *ld, yaml_node_t *n, void *out)
{
	static const char *const keys[] = {
		"td",	     "exists",		"lifecycle",	     "op_state", "chldcnt",  "num_tdcx",
		"num_vcpus", "num_assoc_vcpus", "pkg_config_bitmap", "fatal",	 "td_epoch", "mrtd",
		NULL};
	struct scn_td_expect *t = out;
	yaml_node_t *v;
	int64_t e;
	bool b;
	t->pos = tdxsim_scn_node_pos(n);
	t->exists = t->lifecycle = t->op_state = -1;
	if (tdxsim_scn_check_keys(ld, n, keys, "expect.td"))
		return -1;
	if (!(v = tdxsim_scn_map_get(ld, n, "td")))
		return ld->failed ? -1
				  : tdxsim_scn_error(ld, t->pos, "expect.td: missing key 'td' (a TD's name)");
	if (tdxsim_scn_td_name(ld, v, false, "expect.td.td", &t->td))
		return -1;
	if ((v = tdxsim_scn_map_get(ld, n, "exists"))) {
		if (tdxsim_scn_get_bool(ld, v, "expect.td.exists", &b))
			return -1;
		t->exists = b;
	}
	if ((v = tdxsim_scn_map_get(ld, n, "lifecycle"))) {
		if (tdxsim_scn_get_enum(ld, v, tdxsim_scn_td_lifecycles, "expect.td.lifecycle", &e))
			return -1;
		t->lifecycle = (int8_t)e;
	}
	if ((v = tdxsim_scn_map_get(ld, n, "op_state"))) {
		if (tdxsim_scn_get_enum(ld, v, tdxsim_scn_td_op_states, "expect.td.op_state", &e))
			return -1;
		t->op_state = (int8_t)e;
	}
	struct {
		const char *key;
		struct scn_expr **e;
	} exprs[] = {{"chldcnt", &t->chldcnt},
		     {"num_tdcx", &t->num_tdcx},
		     {"num_vcpus", &t->num_vcpus},
		     {"num_assoc_vcpus", &t->num_assoc_vcpus},
		     {"pkg_config_bitmap", &t->pkg_config_bitmap},
		     {"fatal", &t->fatal},
		     {"td_epoch", &t->td_epoch}};
	for (size_t i = 0; i < SCN_COUNT(exprs); i++)
		if (tdxsim_scn_get_key(ld, n, exprs[i].key, "expect.td", false, SCN_NS_VALUE, exprs[i].e))
			return -1;
	if ((v = tdxsim_scn_map_get(ld, n, "mrtd"))) {
		t->has_mrtd = true;
		t->mrtd_pos = tdxsim_scn_node_pos(v);
		if (tdxsim_scn_hex48(ld, v, "expect.td.mrtd", t->mrtd))
			return -1;
	}
	if (ld->failed)
		return -1;
	if (t->exists == 0 && n->data.mapping.pairs.top - n->data.mapping.pairs.start > 2)
		return tdxsim_scn_error(ld, t->pos, "expect.td: a TD that does not exist has no other state");
	return 0;
}

int tdxsim_scn_load_expect_td(struct scn_loader *ld, yaml_node_t *map, struct scn_expect *ex)
{
	yaml_node_t *n;
	if ((n = tdxsim_scn_map_get(ld, map, "kot")) &&
	    each(ld, n, sizeof(*ex->kot), (void **)&ex->kot, &ex->num_kot, kot_one, "expect.kot"))
		return -1;
	if ((n = tdxsim_scn_map_get(ld, map, "td")) &&
	    each(ld, n, sizeof(*ex->td), (void **)&ex->td, &ex->num_td, td_one, "expect.td"))
		return -1;
	if ((n = tdxsim_scn_map_get(ld, map, "td_count")) &&
	    tdxsim_scn_get_expr(ld, n, SCN_NS_VALUE, "expect.td_count", &ex->td_count))
		return -1;
	return ld->failed ? -1 : 0;
}
