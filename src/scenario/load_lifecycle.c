/* SPDX-License-Identifier: MIT */
/*
 * Parsers of the identity and lifecycle steps: cpuid (the CPU as host code checks it) and
 * place_image (a module image and its SEAMLDR_PARAMS page, for a runtime update through the
 * P-SEAMLDR). Profile names are the library's own (tdxsim_cpu/module_profile_by_name).
 */
#include <stdio.h>
#include <string.h>

#include "scenario/scenario.h"
#include "tdxsim/cpu.h"
#include "tdxsim/seamldr.h"

int tdxsim_scn_parse_cpuid(struct scn_loader *ld, struct scn_step *s, yaml_node_t *v, yaml_node_t *step)
{
	if (tdxsim_scn_get_expr(ld, v, SCN_NS_VALUE, "cpuid", &s->u.cpuid.leaf) ||
	    tdxsim_scn_get_key(ld, step, "subleaf", "cpuid", false, SCN_NS_VALUE, &s->u.cpuid.subleaf))
		return -1;
	return tdxsim_scn_const_max(ld, s->u.cpuid.leaf, UINT32_MAX, "cpuid") ||
			       tdxsim_scn_const_max(ld, s->u.cpuid.subleaf, UINT32_MAX, "cpuid.subleaf")
		       ? -1
		       : 0;
}

static int module_name(struct scn_loader *ld, yaml_node_t *n, int *out)
{
	const char *text;
	size_t len;
	tdxsim_module_profile_t m;
	if (tdxsim_scn_get_scalar(ld, n, "place_image.module", &text, &len))
		return -1;
	if (strlen(text) != len || !tdxsim_module_profile_by_name(text, &m))
		return tdxsim_scn_error(
			ld, tdxsim_scn_node_pos(n),
			"place_image.module: unknown %.60s (expected 1.5.05, 1.5.06, 1.0 or next)", text);
	*out = (int)m;
	return 0;
}

bool tdxsim_scn_cpu_by_name(const char *name, int *out)
{
	tdxsim_cpu_profile_t c;
	if (!tdxsim_cpu_profile_by_name(name, &c))
		return false;
	*out = (int)c;
	return true;
}

/* place_image.cpus: CPUID(1).EAX values, or CPU profile names for their signatures. */
static int image_cpus(struct scn_loader *ld, struct scn_step *s, yaml_node_t *n)
{
	static const uint32_t fms[] = {[TDXSIM_CPU_SAPPHIRE_RAPIDS] = TDXSIM_FMS_SAPPHIRE_RAPIDS,
				       [TDXSIM_CPU_EMERALD_RAPIDS] = TDXSIM_FMS_EMERALD_RAPIDS,
				       [TDXSIM_CPU_GRANITE_RAPIDS] = TDXSIM_FMS_GRANITE_RAPIDS};
	if (n->type != YAML_SEQUENCE_NODE)
		return tdxsim_scn_error(ld, tdxsim_scn_node_pos(n),
					"place_image.cpus: expected a list of CPU signatures or CPU names");
	size_t count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (count > SCN_COUNT(s->u.image.cpus))
		return tdxsim_scn_error(ld, tdxsim_scn_node_pos(n),
					"place_image.cpus: %zu CPUs, a sigstruct lists at most %zu", count,
					SCN_COUNT(s->u.image.cpus));
	for (size_t i = 0; i < count; i++) {
		yaml_node_t *e = tdxsim_scn_node(ld, n->data.sequence.items.start[i]);
		int cpu;
		if (!e)
			return -1;
		/* A CPU name stands for its signature (a profile this table lacks is an unknown name). */
		if (e->type == YAML_SCALAR_NODE &&
		    strlen((const char *)e->data.scalar.value) == e->data.scalar.length &&
		    tdxsim_scn_cpu_by_name((const char *)e->data.scalar.value, &cpu) &&
		    (size_t)cpu < SCN_COUNT(fms)) {
			struct scn_expr *c = tdxsim_scn_alloc(&ld->scn->arena, sizeof(*c));
			if (!c)
				return tdxsim_scn_error(ld, tdxsim_scn_node_pos(e), "out of memory");
			c->op = SCN_OP_CONST;
			c->value = fms[cpu];
			c->pos = tdxsim_scn_node_pos(e);
			s->u.image.cpus[i] = c;
		} else if (tdxsim_scn_get_expr(ld, e, SCN_NS_VALUE, "place_image.cpus[]",
					       &s->u.image.cpus[i]) ||
			   tdxsim_scn_const_max(ld, s->u.image.cpus[i], UINT32_MAX, "place_image.cpus[]")) {
			return -1;
		}
	}
	s->u.image.num_cpus = (unsigned)count;
	return 0;
}

int tdxsim_scn_parse_place_image(struct scn_loader *ld, struct scn_step *s, yaml_node_t *v, yaml_node_t *step)
{
	static const char *const keys[] = {
		"module",	"pages", "seam_svn", "module_hv", "min_update_hv", "num_handoff_pages",
		"no_downgrade", "cpus",	 "scenario", NULL};
	static const struct scn_enum scenarios[] = {{"update", 0}, {"load", 1}, {NULL, 0}};
	const struct {
		const char *key;
		struct scn_expr **e;
		uint64_t min, max;
	} exprs[] = {
		{"pages", &s->u.image.pages, 1, TDXSIM_SEAMLDR_MAX_MODULE_PAGES},
		{"seam_svn", &s->u.image.seam_svn, 0, 0xFFFF},
		{"module_hv", &s->u.image.module_hv, 0, 0xFFFF},
		{"min_update_hv", &s->u.image.min_update_hv, 0, 0xFFFF},
		{"num_handoff_pages", &s->u.image.num_handoff_pages, 0, 0xFFFF},
	};
	yaml_node_t *n;
	int64_t scenario = 0;
	s->u.image.no_downgrade = -1;
	if (tdxsim_scn_check_keys(ld, v, keys, "place_image"))
		return -1;
	if (!(n = tdxsim_scn_map_get(ld, v, "module")))
		return ld->failed
			       ? -1
			       : tdxsim_scn_error(
					 ld, tdxsim_scn_node_pos(v),
					 "place_image: missing key 'module' (1.5.05, 1.5.06, 1.0 or next)");
	if (module_name(ld, n, &s->u.image.module))
		return -1;
	for (size_t i = 0; i < SCN_COUNT(exprs); i++) {
		const struct scn_expr *e;
		if (tdxsim_scn_get_key(ld, v, exprs[i].key, "place_image", false, SCN_NS_VALUE, exprs[i].e))
			return -1;
		e = *exprs[i].e;
		if (scn_expr_is_const(e) && (e->value < exprs[i].min || e->value > exprs[i].max))
			return tdxsim_scn_error(
				ld, e->pos, "place_image.%s: %llu is out of range (expected %llu..%llu)",
				exprs[i].key, (unsigned long long)e->value, (unsigned long long)exprs[i].min,
				(unsigned long long)exprs[i].max);
	}
	if ((n = tdxsim_scn_map_get(ld, v, "no_downgrade"))) {
		bool b;
		if (tdxsim_scn_get_bool(ld, n, "place_image.no_downgrade", &b))
			return -1;
		s->u.image.no_downgrade = b;
	}
	if ((n = tdxsim_scn_map_get(ld, v, "cpus")) && image_cpus(ld, s, n))
		return -1;
	if ((n = tdxsim_scn_map_get(ld, v, "scenario")) &&
	    tdxsim_scn_get_enum(ld, n, scenarios, "place_image.scenario", &scenario))
		return -1;
	s->u.image.load = scenario == 1;
	return ld->failed ? -1 : 0;
}
