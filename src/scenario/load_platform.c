/* SPDX-License-Identifier: MIT */
/*
 * The platform section: everything tdxsim_config_t takes. A named host shape (the bring-up
 * example's "16g", "1t-holes", "4t") may be the starting point; every other key overrides it.
 * The result goes through tdxsim_config_check() so that a platform the library would refuse
 * is reported at load time, with its position, instead of failing the run.
 */
#include <string.h>

#include "scenario/scenario.h"

static int load_u32(struct scn_loader *ld, yaml_node_t *map, const char *key, uint64_t lo, uint64_t hi,
		    uint32_t *out)
{
	yaml_node_t *n = tdxsim_scn_map_get(ld, map, key);
	uint64_t v;
	char what[48];
	snprintf(what, sizeof(what), "platform.%s", key);
	if (!n)
		return ld->failed ? -1 : 0;
	if (tdxsim_scn_get_const(ld, n, lo, hi, what, &v))
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int load_u16(struct scn_loader *ld, yaml_node_t *map, const char *key, uint64_t lo, uint64_t hi,
		    uint16_t *out)
{
	uint32_t v = *out;
	if (load_u32(ld, map, key, lo, hi, &v))
		return -1;
	*out = (uint16_t)v;
	return 0;
}

static int load_ram(struct scn_loader *ld, yaml_node_t *seq, tdxsim_config_t *cfg)
{
	static const char *const keys[] = {"base", "size", "node", NULL};
	if (seq->type != YAML_SEQUENCE_NODE)
		return tdxsim_scn_error(ld, tdxsim_scn_node_pos(seq),
					"platform.ram: expected a list of {base, size, node}");
	size_t n = (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
	if (n < 1 || n > TDXSIM_MAX_RAM_RANGES)
		return tdxsim_scn_error(ld, tdxsim_scn_node_pos(seq),
					"platform.ram: %zu ranges, expected 1..%d", n, TDXSIM_MAX_RAM_RANGES);
	cfg->num_ram_ranges = (uint32_t)n;
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *r = tdxsim_scn_node(ld, seq->data.sequence.items.start[i]), *v;
		uint64_t base, size, node = 0;
		if (!r || tdxsim_scn_check_keys(ld, r, keys, "platform.ram[]"))
			return -1;
		if (!(v = tdxsim_scn_map_get(ld, r, "base")))
			return tdxsim_scn_error(ld, tdxsim_scn_node_pos(r),
						"platform.ram[%zu]: missing key 'base'", i);
		if (tdxsim_scn_get_const(ld, v, 0, UINT64_MAX, "platform.ram[].base", &base))
			return -1;
		if (!(v = tdxsim_scn_map_get(ld, r, "size")))
			return tdxsim_scn_error(ld, tdxsim_scn_node_pos(r),
						"platform.ram[%zu]: missing key 'size'", i);
		if (tdxsim_scn_get_const(ld, v, 1, UINT64_MAX, "platform.ram[].size", &size))
			return -1;
		if ((v = tdxsim_scn_map_get(ld, r, "node")) &&
		    tdxsim_scn_get_const(ld, v, 0, TDXSIM_MAX_PACKAGES - 1, "platform.ram[].node", &node))
			return -1;
		cfg->ram[i] = (tdxsim_range_t){base, size, (uint32_t)node};
	}
	return 0;
}

static int load_msrs(struct scn_loader *ld, yaml_node_t *map, tdxsim_config_t *cfg)
{
	if (map->type != YAML_MAPPING_NODE)
		return tdxsim_scn_error(ld, tdxsim_scn_node_pos(map),
					"platform.msrs: expected a mapping MSR: value");
	cfg->num_msr_overrides = 0;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = tdxsim_scn_node(ld, p->key), *v = k ? tdxsim_scn_node(ld, p->value) : NULL;
		uint64_t msr, value;
		if (!v || tdxsim_scn_get_const(ld, k, 0, UINT32_MAX, "platform.msrs key", &msr) ||
		    tdxsim_scn_get_const(ld, v, 0, UINT64_MAX, "platform.msrs value", &value))
			return -1;
		if (cfg->num_msr_overrides == SCN_COUNT(cfg->msr_overrides))
			return tdxsim_scn_error(ld, tdxsim_scn_node_pos(k),
						"platform.msrs: at most %zu MSRs can be overridden",
						SCN_COUNT(cfg->msr_overrides));
		if (!tdxsim_msr_name((uint32_t)msr))
			return tdxsim_scn_error(ld, tdxsim_scn_node_pos(k),
						"platform.msrs: MSR 0x%llx is not modelled",
						(unsigned long long)msr);
		for (uint32_t i = 0; i < cfg->num_msr_overrides; i++)
			if (cfg->msr_overrides[i].msr == msr)
				return tdxsim_scn_error(ld, tdxsim_scn_node_pos(k),
							"platform.msrs: MSR 0x%llx given twice",
							(unsigned long long)msr);
		cfg->msr_overrides[cfg->num_msr_overrides++] =
			(struct tdxsim_msr_override){(uint32_t)msr, value};
	}
	return 0;
}

/* Cost keys besides leaf names: the fields of tdxsim_costs_t. */
static uint64_t *cost_field(tdxsim_costs_t *c, const char *name)
{
	static const char *const names[] = {"rejected_call",
					    "seamldr_call",
					    "seamldr_install_page",
					    "tdmr_init_chunk",
					    "lp_init_ept_flush",
					    "key_program",
					    "config_per_tdmr",
					    "rdmsr",
					    "vmxon",
					    "vmxoff",
					    "movdir64b",
					    "clflush",
					    "wbinvd",
					    "sha384_byte"};
	uint64_t *fields[] = {&c->rejected_call,
			      &c->seamldr_call,
			      &c->seamldr_install_page,
			      &c->tdmr_init_chunk,
			      &c->lp_init_ept_flush,
			      &c->key_program,
			      &c->config_per_tdmr,
			      &c->rdmsr,
			      &c->vmxon,
			      &c->vmxoff,
			      &c->movdir64b,
			      &c->clflush,
			      &c->wbinvd,
			      &c->sha384_byte};
	_Static_assert(SCN_COUNT(names) == SCN_COUNT(fields), "cost names");
	for (size_t i = 0; i < SCN_COUNT(names); i++)
		if (!strcmp(names[i], name))
			return fields[i];
	return NULL;
}

static int load_costs(struct scn_loader *ld, yaml_node_t *map, tdxsim_config_t *cfg)
{
	if (map->type != YAML_MAPPING_NODE)
		return tdxsim_scn_error(ld, tdxsim_scn_node_pos(map),
					"platform.costs: expected a mapping LEAF-or-name: cycles");
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = tdxsim_scn_node(ld, p->key), *v = k ? tdxsim_scn_node(ld, p->value) : NULL;
		const char *name;
		size_t len;
		uint64_t cycles, leaf;
		if (!v || tdxsim_scn_get_scalar(ld, k, "platform.costs key", &name, &len) ||
		    tdxsim_scn_get_const(ld, v, 0, UINT64_C(1) << 48, "platform.costs value", &cycles))
			return -1;
		uint64_t *field = strlen(name) == len ? cost_field(&cfg->costs, name) : NULL;
		if (field) {
			*field = cycles;
			continue;
		}
		struct scn_expr *e;
		if (tdxsim_scn_parse_expr(ld, name, len, tdxsim_scn_node_pos(k), false, SCN_NS_VALUE, &e))
			return -1;
		leaf = e->value;
		if (!scn_expr_is_const(e) || leaf >= TDXSIM_NUM_LEAF_SLOTS)
			return tdxsim_scn_error(
				ld, tdxsim_scn_node_pos(k),
				"platform.costs: '%.60s' is neither a module leaf (0..127) nor one of "
				"rejected_call, seamldr_call, seamldr_install_page, tdmr_init_chunk, "
				"lp_init_ept_flush, key_program, config_per_tdmr, rdmsr, vmxon, vmxoff, "
				"movdir64b, clflush, wbinvd, sha384_byte",
				name);
		cfg->costs.leaf[leaf] = cycles;
	}
	return 0;
}

static int load_errata(struct scn_loader *ld, yaml_node_t *n, tdxsim_config_t *cfg)
{
	static const struct scn_enum errata[] = {
		{"partial_write_poison", TDXSIM_ERRATUM_PARTIAL_WRITE_POISON}, {NULL, 0}};
	cfg->errata = 0;
	if (tdxsim_scn_scalar_is(n, "none"))
		return 0;
	if (n->type != YAML_SEQUENCE_NODE)
		return tdxsim_scn_error(ld, tdxsim_scn_node_pos(n),
					"platform.errata: expected a list of errata (partial_write_poison) "
					"or none");
	for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top; i++) {
		yaml_node_t *e = tdxsim_scn_node(ld, *i);
		int64_t bit;
		if (!e || tdxsim_scn_get_enum(ld, e, errata, "platform.errata[]", &bit))
			return -1;
		cfg->errata |= (uint32_t)bit;
	}
	return 0;
}

static int load_module(struct scn_loader *ld, yaml_node_t *n, tdxsim_config_t *cfg)
{
	static const struct scn_enum modules[] = {{"1.5.05", TDXSIM_MODULE_1_5_05},
						  {"1.5.06", TDXSIM_MODULE_1_5_06},
						  {"1.0", TDXSIM_MODULE_1_0},
						  {"next", TDXSIM_MODULE_NEXT}, /* docs/lifecycle.md */
						  {NULL, 0}};
	int64_t v;
	if (tdxsim_scn_get_enum(ld, n, modules, "platform.module", &v))
		return -1;
	cfg->module = (tdxsim_module_profile_t)v;
	return 0;
}

static int load_cpu(struct scn_loader *ld, yaml_node_t *n, tdxsim_config_t *cfg)
{
	static const char *const names[] = {
		"sapphire-rapids", "emerald-rapids", "granite-rapids", "spr", "emr", "gnr"};
	const char *text;
	size_t len;
	int cpu;
	if (tdxsim_scn_get_scalar(ld, n, "platform.cpu", &text, &len))
		return -1;
	if (strlen(text) == len && tdxsim_scn_cpu_by_name(text, &cpu)) {
		/* The errata follow the CPU unless an errata: key says otherwise (cpu.h). */
		cfg->cpu = (tdxsim_cpu_profile_t)cpu;
		return 0;
	}
	const char *hint = tdxsim_scn_closest(text, names, SCN_COUNT(names));
	return tdxsim_scn_error(
		ld, tdxsim_scn_node_pos(n),
		"platform.cpu: unknown CPU '%.60s'%s%s%s (expected sapphire-rapids, emerald-rapids, "
		"granite-rapids, or spr, emr, gnr)",
		text, hint ? ", did you mean '" : "", hint ? hint : "", hint ? "'?" : "");
}

static int load_pamt_entry_size(struct scn_loader *ld, yaml_node_t *n, tdxsim_config_t *cfg)
{
	uint64_t v;
	if (n->type == YAML_SCALAR_NODE) {
		if (tdxsim_scn_get_const(ld, n, 1, 256, "platform.pamt_entry_size", &v))
			return -1;
		cfg->pamt_entry_size[0] = cfg->pamt_entry_size[1] = cfg->pamt_entry_size[2] = (uint16_t)v;
		return 0;
	}
	if (n->type != YAML_SEQUENCE_NODE || n->data.sequence.items.top - n->data.sequence.items.start != 3)
		return tdxsim_scn_error(ld, tdxsim_scn_node_pos(n),
					"platform.pamt_entry_size: expected one size or a list of three "
					"(4K, 2M, 1G)");
	for (int l = 0; l < 3; l++) {
		yaml_node_t *e = tdxsim_scn_node(ld, n->data.sequence.items.start[l]);
		if (!e || tdxsim_scn_get_const(ld, e, 1, 256, "platform.pamt_entry_size[]", &v))
			return -1;
		cfg->pamt_entry_size[l] = (uint16_t)v;
	}
	return 0;
}

int tdxsim_scn_load_platform(struct scn_loader *ld, yaml_node_t *map)
{
	static const char *const keys[] = {"shape",
					   "packages",
					   "lps_per_package",
					   "phys_addr_bits",
					   "keyid_bits",
					   "mktme_keyids",
					   "tdx_keyids",
					   "ram",
					   "seamrr",
					   "msrs",
					   "module",
					   "cpu",
					   "max_tdmrs",
					   "max_reserved_per_tdmr",
					   "pamt_entry_size",
					   "errata",
					   "trap_mode",
					   "costs",
					   NULL};
	tdxsim_config_t *cfg = &ld->scn->cfg;
	yaml_node_t *n;
	if (tdxsim_scn_check_keys(ld, map, keys, "platform"))
		return -1;
	if ((n = tdxsim_scn_map_get(ld, map, "shape"))) {
		static const struct scn_enum shapes[] = {{"16g", 0}, {"1t-holes", 1}, {"4t", 2}, {NULL, 0}};
		int64_t v;
		if (tdxsim_scn_get_enum(ld, n, shapes, "platform.shape", &v))
			return -1;
		host_tdx_shape(shapes[v].name, cfg);
	}
	if (load_u32(ld, map, "packages", 1, TDXSIM_MAX_PACKAGES, &cfg->num_packages) ||
	    load_u32(ld, map, "lps_per_package", 1, TDXSIM_MAX_LPS, &cfg->lps_per_package) ||
	    load_u32(ld, map, "phys_addr_bits", 36, 52, &cfg->phys_addr_bits) ||
	    load_u32(ld, map, "keyid_bits", 1, 15, &cfg->keyid_bits) ||
	    load_u32(ld, map, "mktme_keyids", 0, 32767, &cfg->num_mktme_keyids) ||
	    load_u32(ld, map, "tdx_keyids", 0, 32767, &cfg->num_tdx_keyids) ||
	    load_u16(ld, map, "max_tdmrs", 1, 64, &cfg->max_tdmrs) ||
	    load_u16(ld, map, "max_reserved_per_tdmr", 1, TDXSIM_TDMR_MAX_RESERVED,
		     &cfg->max_reserved_per_tdmr))
		return -1;
	if ((n = tdxsim_scn_map_get(ld, map, "ram")) && load_ram(ld, n, cfg))
		return -1;
	if ((n = tdxsim_scn_map_get(ld, map, "seamrr"))) {
		static const char *const rkeys[] = {"base", "size", NULL};
		yaml_node_t *v;
		if (tdxsim_scn_check_keys(ld, n, rkeys, "platform.seamrr"))
			return -1;
		if ((v = tdxsim_scn_map_get(ld, n, "base")) &&
		    tdxsim_scn_get_const(ld, v, 0, UINT64_MAX, "platform.seamrr.base", &cfg->seamrr_base))
			return -1;
		if ((v = tdxsim_scn_map_get(ld, n, "size")) &&
		    tdxsim_scn_get_const(ld, v, 1, UINT64_MAX, "platform.seamrr.size", &cfg->seamrr_size))
			return -1;
	}
	if ((n = tdxsim_scn_map_get(ld, map, "msrs")) && load_msrs(ld, n, cfg))
		return -1;
	if ((n = tdxsim_scn_map_get(ld, map, "module")) && load_module(ld, n, cfg))
		return -1;
	if ((n = tdxsim_scn_map_get(ld, map, "cpu")) && load_cpu(ld, n, cfg))
		return -1;
	if ((n = tdxsim_scn_map_get(ld, map, "pamt_entry_size")) && load_pamt_entry_size(ld, n, cfg))
		return -1;
	if ((n = tdxsim_scn_map_get(ld, map, "errata")) && load_errata(ld, n, cfg))
		return -1;
	if ((n = tdxsim_scn_map_get(ld, map, "trap_mode")) &&
	    tdxsim_scn_get_bool(ld, n, "platform.trap_mode", &cfg->trap_mode))
		return -1;
	if ((n = tdxsim_scn_map_get(ld, map, "costs")) && load_costs(ld, n, cfg))
		return -1;
	if (ld->failed)
		return -1;
	char msg[200];
	if (tdxsim_config_check(cfg, msg, sizeof(msg)))
		return tdxsim_scn_error(ld, tdxsim_scn_node_pos(map),
					"platform: the library refuses this platform: %s", msg);
	return 0;
}
