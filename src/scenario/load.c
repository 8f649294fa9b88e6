/* SPDX-License-Identifier: MIT */
/*
 * Loading a scenario: the YAML document, typed access to its nodes with positions, the
 * top-level keys and the platform section. Validation is complete before anything runs: the
 * first problem found is reported with its file:line:col and what was expected.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/scenario.h"

/* Work bound: a scenario with YAML aliases may reach one node many times. */
#define MAX_VISITS    1000000
#define MAX_FILE_SIZE (16u << 20)
/* Nesting bound (docs/scenarios.md). A real scenario nests about 6 deep; libyaml's scanner does
 * work per token in proportion to the open flow levels, so 100,000 nested brackets cost it
 * minutes. The events are checked as they come, before libyaml builds a document. */
#define MAX_NESTING 64

int tdxsim_scn_error(struct scn_loader *ld, struct scn_pos pos, const char *fmt, ...)
{
	if (ld->failed)
		return -1;
	ld->failed = true;
	if (!ld->diag)
		return -1;
	snprintf(ld->diag->file, sizeof(ld->diag->file), "%s", ld->file);
	ld->diag->line = pos.line;
	ld->diag->column = pos.col;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ld->diag->message, sizeof(ld->diag->message), fmt, ap);
	va_end(ap);
	return -1;
}

struct scn_pos tdxsim_scn_node_pos(const yaml_node_t *n)
{
	return (struct scn_pos){(uint32_t)n->start_mark.line + 1, (uint32_t)n->start_mark.column + 1};
}

yaml_node_t *tdxsim_scn_node(struct scn_loader *ld, int index)
{
	yaml_node_t *n = yaml_document_get_node(ld->doc, index);
	if (n && ++ld->visits > MAX_VISITS) {
		tdxsim_scn_error(ld, tdxsim_scn_node_pos(n),
				 "document too large (aliases expand to more than %d nodes)", MAX_VISITS);
		return NULL;
	}
	return n;
}

static const char *kind_of(const yaml_node_t *n)
{
	return n->type == YAML_MAPPING_NODE    ? "a mapping"
	       : n->type == YAML_SEQUENCE_NODE ? "a sequence"
					       : "a scalar";
}

static void join(const char *const *words, char *buf, size_t len)
{
	size_t off = 0;
	buf[0] = 0;
	for (size_t i = 0; words[i] && off < len; i++) {
		int n = snprintf(buf + off, len - off, "%s%s", i ? ", " : "", words[i]);
		if (n < 0)
			break;
		off += (size_t)n;
	}
}

int tdxsim_scn_check_keys(struct scn_loader *ld, yaml_node_t *map, const char *const *keys, const char *what)
{
	char list[240];
	if (map->type != YAML_MAPPING_NODE) {
		join(keys, list, sizeof(list));
		return tdxsim_scn_error(ld, tdxsim_scn_node_pos(map),
					"%s: expected a mapping with keys %s, found %s", what, list,
					kind_of(map));
	}
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = tdxsim_scn_node(ld, p->key);
		if (!k)
			return -1;
		if (k->type != YAML_SCALAR_NODE)
			return tdxsim_scn_error(ld, tdxsim_scn_node_pos(k),
						"%s: keys must be plain names, found %s", what, kind_of(k));
		const char *name = (const char *)k->data.scalar.value;
		size_t i = 0;
		while (keys[i] && (strlen(keys[i]) != k->data.scalar.length || strcmp(keys[i], name)))
			i++;
		if (!keys[i]) {
			join(keys, list, sizeof(list));
			const char *hint = tdxsim_scn_closest(name, keys, i);
			return tdxsim_scn_error(ld, tdxsim_scn_node_pos(k),
						"%s: unknown key '%.60s'%s%s%s (expected one of: %s)", what,
						name, hint ? ", did you mean '" : "", hint ? hint : "",
						hint ? "'?" : "", list);
		}
		for (yaml_node_pair_t *q = map->data.mapping.pairs.start; q < p; q++) {
			yaml_node_t *k2 = yaml_document_get_node(ld->doc, q->key);
			if (k2 && k2->type == YAML_SCALAR_NODE &&
			    !strcmp((const char *)k2->data.scalar.value, name))
				return tdxsim_scn_error(ld, tdxsim_scn_node_pos(k),
							"%s: key '%s' given twice", what, name);
		}
	}
	return 0;
}

yaml_node_t *tdxsim_scn_map_get(struct scn_loader *ld, yaml_node_t *map, const char *key)
{
	if (map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(ld->doc, p->key);
		if (k && k->type == YAML_SCALAR_NODE && !strcmp((const char *)k->data.scalar.value, key))
			return tdxsim_scn_node(ld, p->value);
	}
	return NULL;
}

int tdxsim_scn_get_scalar(struct scn_loader *ld, yaml_node_t *n, const char *what, const char **text,
			  size_t *len)
{
	/* The outputs are written on every path and failure is a literal -1: callers test the
	 * return value only, and an optimizer that cannot see through tdxsim_scn_error()'s varargs
	 * must still know that text and len are set whenever 0 comes back. */
	*text = NULL;
	*len = 0;
	if (n->type != YAML_SCALAR_NODE) {
		tdxsim_scn_error(ld, tdxsim_scn_node_pos(n), "%s: expected a single value, found %s", what,
				 kind_of(n));
		return -1;
	}
	if (n->data.scalar.length == 0) {
		tdxsim_scn_error(ld, tdxsim_scn_node_pos(n), "%s: empty value", what);
		return -1;
	}
	*text = (const char *)n->data.scalar.value;
	*len = n->data.scalar.length;
	return 0;
}

static bool quoted(const yaml_node_t *n)
{
	return n->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
	       n->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE;
}

int tdxsim_scn_get_expr(struct scn_loader *ld, yaml_node_t *n, enum scn_ns ns, const char *what,
			struct scn_expr **out)
{
	const char *text;
	size_t len;
	if (tdxsim_scn_get_scalar(ld, n, what, &text, &len))
		return -1;
	return tdxsim_scn_parse_expr(ld, text, len, tdxsim_scn_node_pos(n), quoted(n), ns, out);
}

int tdxsim_scn_get_const(struct scn_loader *ld, yaml_node_t *n, uint64_t lo, uint64_t hi, const char *what,
			 uint64_t *out)
{
	struct scn_expr *e;
	if (tdxsim_scn_get_expr(ld, n, SCN_NS_VALUE, what, &e))
		return -1;
	if (!scn_expr_is_const(e))
		return tdxsim_scn_error(ld, tdxsim_scn_node_pos(n),
					"%s: expected a constant (no $symbols, random or peek)", what);
	if (e->value < lo || e->value > hi)
		return tdxsim_scn_error(ld, tdxsim_scn_node_pos(n),
					"%s: %llu (0x%llx) is out of range (expected %llu..%llu)", what,
					(unsigned long long)e->value, (unsigned long long)e->value,
					(unsigned long long)lo, (unsigned long long)hi);
	*out = e->value;
	return 0;
}

bool tdxsim_scn_scalar_is(const yaml_node_t *n, const char *word)
{
	return n->type == YAML_SCALAR_NODE && n->data.scalar.length == strlen(word) &&
	       !strcmp((const char *)n->data.scalar.value, word);
}

int tdxsim_scn_get_bool(struct scn_loader *ld, yaml_node_t *n, const char *what, bool *out)
{
	static const char *const yes[] = {"true", "yes", "on"}, *const no[] = {"false", "no", "off"};
	for (int i = 0; i < 3; i++) {
		if (tdxsim_scn_scalar_is(n, yes[i]) || tdxsim_scn_scalar_is(n, no[i])) {
			*out = tdxsim_scn_scalar_is(n, yes[i]);
			return 0;
		}
	}
	return tdxsim_scn_error(ld, tdxsim_scn_node_pos(n), "%s: expected true or false", what);
}

int tdxsim_scn_get_string(struct scn_loader *ld, yaml_node_t *n, const char *what, const char **out)
{
	const char *text;
	size_t len;
	if (tdxsim_scn_get_scalar(ld, n, what, &text, &len))
		return -1;
	if (memchr(text, 0, len))
		return tdxsim_scn_error(ld, tdxsim_scn_node_pos(n), "%s: NUL character in a string", what);
	*out = tdxsim_scn_strndup(&ld->scn->arena, text, len);
	return *out ? 0 : tdxsim_scn_error(ld, tdxsim_scn_node_pos(n), "out of memory");
}

int tdxsim_scn_get_enum(struct scn_loader *ld, yaml_node_t *n, const struct scn_enum *e, const char *what,
			int64_t *out)
{
	const char *text;
	size_t len;
	char list[200];
	if (tdxsim_scn_get_scalar(ld, n, what, &text, &len))
		return -1;
	if (strlen(text) == len && tdxsim_scn_enum_find(e, text, out) == 0)
		return 0;
	tdxsim_scn_enum_list(e, list, sizeof(list));
	return tdxsim_scn_error(ld, tdxsim_scn_node_pos(n), "%s: unknown value '%.60s' (expected one of: %s)",
				what, text, list);
}

int tdxsim_scn_var_lookup(struct scn_loader *ld, const char *name, bool define)
{
	struct tdxsim_scenario *s = ld->scn;
	for (unsigned i = 0; i < s->num_vars; i++)
		if (!strcmp(s->vars[i], name))
			return (int)i;
	if (!define)
		return -1;
	if (s->num_vars == s->cap_vars) {
		unsigned cap = s->cap_vars ? 2 * s->cap_vars : 16;
		const char **v = tdxsim_scn_alloc(&s->arena, cap * sizeof(*v));
		if (!v)
			return -1;
		if (s->num_vars)
			memcpy(v, s->vars, s->num_vars * sizeof(*v));
		s->vars = v;
		s->cap_vars = cap;
	}
	const char *copy = tdxsim_scn_strndup(&s->arena, name, strlen(name));
	if (!copy)
		return -1;
	s->vars[s->num_vars] = copy;
	return (int)s->num_vars++;
}

static int load_top(struct scn_loader *ld, yaml_node_t *root)
{
	static const char *const keys[] = {"name",     "description", "seed", "check_invariants",
					   "platform", "steps",	      NULL};
	struct tdxsim_scenario *s = ld->scn;
	if (tdxsim_scn_check_keys(ld, root, keys, "scenario"))
		return -1;
	yaml_node_t *n;
	if ((n = tdxsim_scn_map_get(ld, root, "name")) && tdxsim_scn_get_string(ld, n, "name", &s->name))
		return -1;
	if ((n = tdxsim_scn_map_get(ld, root, "description")) &&
	    tdxsim_scn_get_string(ld, n, "description", &s->description))
		return -1;
	if ((n = tdxsim_scn_map_get(ld, root, "seed")) &&
	    tdxsim_scn_get_const(ld, n, 0, UINT64_MAX, "seed", &s->seed))
		return -1;
	if ((n = tdxsim_scn_map_get(ld, root, "check_invariants")) &&
	    tdxsim_scn_get_bool(ld, n, "check_invariants", &s->check_invariants))
		return -1;
	if ((n = tdxsim_scn_map_get(ld, root, "platform")) && tdxsim_scn_load_platform(ld, n))
		return -1;
	if (ld->failed)
		return -1;
	n = tdxsim_scn_map_get(ld, root, "steps");
	if (!n)
		return ld->failed ? -1
				  : tdxsim_scn_error(ld, tdxsim_scn_node_pos(root),
						     "scenario: missing key 'steps' (a list of steps)");
	return tdxsim_scn_load_steps(ld, n);
}

static int yaml_problem(struct scn_loader *ld, const yaml_parser_t *parser)
{
	struct scn_pos pos = {(uint32_t)parser->problem_mark.line + 1,
			      (uint32_t)parser->problem_mark.column + 1};
	const char *problem = parser->problem ? parser->problem : "malformed YAML";
	if (parser->context)
		return tdxsim_scn_error(ld, pos, "YAML syntax error: %s %s", problem, parser->context);
	return tdxsim_scn_error(ld, pos, "YAML syntax error: %s", problem);
}

/*
 * Refuses a document nested deeper than MAX_NESTING at the collection that crosses the bound.
 * Reads events only up to that point; a syntax error is left to the real parse, which reports
 * it with libyaml's message.
 */
static int check_nesting(struct scn_loader *ld, const void *buf, size_t len)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	unsigned depth = 0;
	int rc = 0;
	if (!yaml_parser_initialize(&parser))
		return tdxsim_scn_error(ld, (struct scn_pos){0, 0}, "out of memory");
	yaml_parser_set_input_string(&parser, buf, len);
	for (bool done = false; !done && !rc && yaml_parser_parse(&parser, &ev);) {
		if (ev.type == YAML_SEQUENCE_START_EVENT || ev.type == YAML_MAPPING_START_EVENT) {
			if (++depth > MAX_NESTING)
				rc = tdxsim_scn_error(
					ld,
					(struct scn_pos){(uint32_t)ev.start_mark.line + 1,
							 (uint32_t)ev.start_mark.column + 1},
					"YAML nested deeper than %d levels (a scenario's limit)",
					MAX_NESTING);
		} else if (ev.type == YAML_SEQUENCE_END_EVENT || ev.type == YAML_MAPPING_END_EVENT) {
			depth--;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	return rc;
}

static int parse_document(struct scn_loader *ld, const void *buf, size_t len)
{
	if (check_nesting(ld, buf, len))
		return -1;

	yaml_parser_t parser;
	yaml_document_t doc, extra;
	if (!yaml_parser_initialize(&parser))
		return tdxsim_scn_error(ld, (struct scn_pos){0, 0}, "out of memory");
	yaml_parser_set_input_string(&parser, buf, len);
	int rc = -1;
	if (!yaml_parser_load(&parser, &doc)) {
		yaml_problem(ld, &parser);
		goto out_parser;
	}
	ld->doc = &doc;
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	if (!root) {
		tdxsim_scn_error(ld, (struct scn_pos){1, 1},
				 "empty file: expected a mapping with 'platform' and 'steps'");
		goto out_doc;
	}
	/* A second document would be silently ignored; say so instead. */
	if (!yaml_parser_load(&parser, &extra)) {
		yaml_problem(ld, &parser);
		goto out_doc;
	}
	yaml_node_t *extra_root = yaml_document_get_root_node(&extra);
	if (extra_root)
		tdxsim_scn_error(ld, tdxsim_scn_node_pos(extra_root),
				 "a file holds one scenario: a second YAML document follows");
	yaml_document_delete(&extra);
	if (!ld->failed)
		rc = load_top(ld, root);
out_doc:
	ld->doc = NULL;
	yaml_document_delete(&doc);
out_parser:
	yaml_parser_delete(&parser);
	return rc || ld->failed ? -1 : 0;
}

tdxsim_err_t tdxsim_scenario_load_buffer(const char *name, const void *buf, size_t len,
					 tdxsim_scenario_t **out, tdxsim_scenario_diag_t *diag)
{
	if (diag)
		memset(diag, 0, sizeof(*diag));
	if (!out || (!buf && len))
		return TDXSIM_ERR_INVALID_ARG;
	*out = NULL;
	struct tdxsim_scenario *s = calloc(1, sizeof(*s));
	if (!s)
		return TDXSIM_ERR_NO_MEMORY;
	s->check_invariants = true;
	tdxsim_config_init(&s->cfg);
	if (!name)
		name = "<buffer>";
	s->file = tdxsim_scn_strndup(&s->arena, name, strlen(name));
	struct scn_loader ld = {.scn = s, .file = name, .diag = diag};
	if (!s->file || parse_document(&ld, buf ? buf : "", len)) {
		if (!ld.failed)
			tdxsim_scn_error(&ld, (struct scn_pos){0, 0}, "out of memory");
		tdxsim_scenario_free(s);
		return TDXSIM_ERR_BAD_CONFIG;
	}
	if (!s->name)
		s->name = s->file;
	*out = s;
	return TDXSIM_OK;
}

tdxsim_err_t tdxsim_scenario_load_file(const char *path, tdxsim_scenario_t **out,
				       tdxsim_scenario_diag_t *diag)
{
	if (diag)
		memset(diag, 0, sizeof(*diag));
	if (!path || !out)
		return TDXSIM_ERR_INVALID_ARG;
	*out = NULL;
	struct scn_loader ld = {.file = path, .diag = diag};
	FILE *f = fopen(path, "rb");
	if (!f) {
		tdxsim_scn_error(&ld, (struct scn_pos){0, 0}, "cannot open: %s", strerror(errno));
		return TDXSIM_ERR_BAD_CONFIG;
	}
	char *buf = malloc(MAX_FILE_SIZE + 1);
	size_t len = buf ? fread(buf, 1, MAX_FILE_SIZE + 1, f) : 0;
	bool bad = !buf || ferror(f) || len > MAX_FILE_SIZE;
	fclose(f);
	if (bad) {
		tdxsim_scn_error(&ld, (struct scn_pos){0, 0}, "%s",
				 !buf		       ? "out of memory"
				 : len > MAX_FILE_SIZE ? "file larger than 16 MiB"
						       : "read error");
		free(buf);
		return buf ? TDXSIM_ERR_BAD_CONFIG : TDXSIM_ERR_NO_MEMORY;
	}
	tdxsim_err_t err = tdxsim_scenario_load_buffer(path, buf, len, out, diag);
	free(buf);
	return err;
}

const char *tdxsim_scenario_diag_format(const tdxsim_scenario_diag_t *d, char *buf, size_t len)
{
	if (!buf || !len)
		return buf;
	if (!d)
		snprintf(buf, len, "(no diagnostic)");
	else if (d->line)
		snprintf(buf, len, "%s:%u:%u: error: %s", d->file, d->line, d->column, d->message);
	else
		snprintf(buf, len, "%s: error: %s", d->file, d->message);
	return buf;
}

void tdxsim_scenario_free(tdxsim_scenario_t *scn)
{
	if (!scn)
		return;
	tdxsim_scn_arena_free(&scn->arena);
	free(scn);
}

const char *tdxsim_scenario_name(const tdxsim_scenario_t *scn)
{
	return scn ? scn->name : "";
}

unsigned tdxsim_scenario_num_steps(const tdxsim_scenario_t *scn)
{
	return scn ? scn->num_steps : 0;
}

void tdxsim_scenario_config(const tdxsim_scenario_t *scn, tdxsim_config_t *out)
{
	if (scn && out)
		*out = scn->cfg;
}
