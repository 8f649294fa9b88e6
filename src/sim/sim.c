/* SPDX-License-Identifier: MIT */
/* Simulator lifecycle: configuration defaults and checks, create, destroy. */
#include "sim/sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"
#include "mce/mce.h"
#include "guest/guest.h"
#include "seamcall/seamcall.h"

void tdxsim_config_init(tdxsim_config_t *cfg)
{
	if (!cfg)
		return;
	memset(cfg, 0, sizeof(*cfg));
	cfg->size = sizeof(*cfg);
	cfg->num_packages = 1;
	cfg->lps_per_package = 4;
	cfg->phys_addr_bits = 52;
	cfg->keyid_bits = 6;
	/* Linux on such a BIOS prints "private KeyID range [32, 64)" (sheet 9). */
	cfg->num_mktme_keyids = 31;
	cfg->num_tdx_keyids = 32;
	cfg->num_ram_ranges = 2;
	cfg->ram[0] = (tdxsim_range_t){.base = 0, .size = UINT64_C(2) << 30};
	cfg->ram[1] = (tdxsim_range_t){.base = UINT64_C(4) << 30, .size = UINT64_C(14) << 30};
	cfg->seamrr_base = UINT64_C(2) << 30;
	cfg->seamrr_size = UINT64_C(32) << 20;
	cfg->module = TDXSIM_MODULE_1_5_05;
	cfg->max_tdmrs = 64;
	cfg->max_reserved_per_tdmr = 16;
	cfg->pamt_entry_size[0] = cfg->pamt_entry_size[1] = cfg->pamt_entry_size[2] = 16;
	cfg->errata = TDXSIM_ERRATA_FROM_CPU; /* Sapphire Rapids: the partial-write erratum */
	cfg->cpu = TDXSIM_CPU_SAPPHIRE_RAPIDS;
	cfg->seamldr_updates = 16;
	tdxsim_costs_default(&cfg->costs);
}

#define BAD(...)                                         \
	do {                                             \
		if (msg && len)                          \
			snprintf(msg, len, __VA_ARGS__); \
		return TDXSIM_ERR_BAD_CONFIG;            \
	} while (0)

tdxsim_err_t tdxsim_config_check(const tdxsim_config_t *cfg, char *msg, size_t len)
{
	if (!cfg)
		return TDXSIM_ERR_INVALID_ARG;
	if (cfg->size != sizeof(*cfg))
		BAD("size: %zu, expected sizeof(tdxsim_config_t) = %zu (use tdxsim_config_init)", cfg->size,
		    sizeof(*cfg));
	if (cfg->num_packages < 1 || cfg->num_packages > TDXSIM_MAX_PACKAGES)
		BAD("num_packages: %u, expected 1..%u", cfg->num_packages, TDXSIM_MAX_PACKAGES);
	if (cfg->lps_per_package < 1 || cfg->num_packages * cfg->lps_per_package > TDXSIM_MAX_LPS)
		BAD("lps_per_package: %u, expected 1 and at most %u LPs in total", cfg->lps_per_package,
		    TDXSIM_MAX_LPS);
	if (cfg->phys_addr_bits < 36 || cfg->phys_addr_bits > 52)
		BAD("phys_addr_bits: %u, expected 36..52", cfg->phys_addr_bits);
	if (cfg->keyid_bits < 1 || cfg->keyid_bits > 15 || cfg->keyid_bits >= cfg->phys_addr_bits - 32)
		BAD("keyid_bits: %u, expected 1..15 and leaving at least 32 address bits", cfg->keyid_bits);
	uint64_t keyids = UINT64_C(1) << cfg->keyid_bits;
	if ((uint64_t)cfg->num_mktme_keyids + cfg->num_tdx_keyids >= keyids)
		BAD("num_mktme_keyids + num_tdx_keyids: %u + %u, expected < 2^keyid_bits = %llu",
		    cfg->num_mktme_keyids, cfg->num_tdx_keyids, (unsigned long long)keyids);
	if (cfg->num_ram_ranges < 1 || cfg->num_ram_ranges > TDXSIM_MAX_RAM_RANGES)
		BAD("num_ram_ranges: %u, expected 1..%u", cfg->num_ram_ranges, TDXSIM_MAX_RAM_RANGES);
	uint64_t pa_limit = UINT64_C(1) << (cfg->phys_addr_bits - cfg->keyid_bits);
	for (uint32_t i = 0; i < cfg->num_ram_ranges; i++) {
		const tdxsim_range_t *r = &cfg->ram[i];
		if (r->size == 0 || !tdxsim_is_aligned(r->base, TDXSIM_4K) ||
		    !tdxsim_is_aligned(r->size, TDXSIM_4K))
			BAD("ram[%u]: base and size must be 4 KiB aligned and size non-zero", i);
		if (r->base >= pa_limit || r->size > pa_limit - r->base)
			BAD("ram[%u]: ends above the %u-bit physical address space left below the KeyID bits",
			    i, cfg->phys_addr_bits - cfg->keyid_bits);
		if (i > 0 && r->base < cfg->ram[i - 1].base + cfg->ram[i - 1].size)
			BAD("ram[%u]: ranges must be ascending and not overlap", i);
		if (r->node >= cfg->num_packages)
			BAD("ram[%u].node: %u, expected < num_packages", i, r->node);
		if (tdxsim_ranges_overlap(r->base, r->size, cfg->seamrr_base, cfg->seamrr_size))
			BAD("ram[%u]: overlaps SEAMRR (the BIOS reserves SEAMRR outside system RAM)", i);
	}
	if (cfg->seamrr_size < (UINT64_C(32) << 20) || (cfg->seamrr_size & (cfg->seamrr_size - 1)) ||
	    !tdxsim_is_aligned(cfg->seamrr_base, cfg->seamrr_size))
		BAD("seamrr: size must be a power of two >= 32 MiB and base aligned to it");
	if (cfg->num_msr_overrides > 8)
		BAD("num_msr_overrides: %u, expected at most 8", cfg->num_msr_overrides);
	for (uint32_t i = 0; i < cfg->num_msr_overrides; i++) {
		uint32_t m = cfg->msr_overrides[i].msr;
		if (m == TDXSIM_MSR_IA32_TSC_ADJUST || !tdxsim_msr_name(m))
			BAD("msr_overrides[%u]: MSR 0x%x cannot be overridden", i, m);
	}
	if (!tdxsim_profile_get(cfg->module))
		BAD("module: unknown profile %d", (int)cfg->module);
	if (!tdxsim_cpu_model_get(cfg->cpu))
		BAD("cpu: unknown profile %d", (int)cfg->cpu);
	if (cfg->max_tdmrs < 1 || cfg->max_tdmrs > 64)
		BAD("max_tdmrs: %u, expected 1..64", cfg->max_tdmrs);
	if (cfg->max_reserved_per_tdmr < 1 || cfg->max_reserved_per_tdmr > TDXSIM_TDMR_MAX_RESERVED)
		BAD("max_reserved_per_tdmr: %u, expected 1..16", cfg->max_reserved_per_tdmr);
	for (int l = 0; l < 3; l++)
		if (cfg->pamt_entry_size[l] < 1 || cfg->pamt_entry_size[l] > 256)
			BAD("pamt_entry_size[%d]: %u, expected 1..256", l, cfg->pamt_entry_size[l]);
	return TDXSIM_OK;
}

static void init_module(struct tdxsim *sim)
{
	struct tdxsim_module *m = &sim->mod;
	/* The module the BIOS loaded at boot; a runtime update swaps this instance (seamldr/). */
	m->inst = *tdxsim_profile_get(sim->cfg.module);
	m->profile = &m->inst;
	m->handoff_valid = false;
	m->handoff_hv = 0;
	/* BIOS without TDX (fewer than two private KeyIDs) loads no module: SEAMCALL then gets
	 * VMfailInvalid, exactly as on such a machine (sheet 9, 12). */
	m->state = sim->cfg.num_tdx_keyids >= 2 ? TDXSIM_SYSINIT_PENDING : TDXSIM_MODULE_GONE;
	m->lps_initialized = 0;
	tdxsim_module_forget_lps(m, sim->cpu.num_lps);
	m->pkg_key_done = 0;
	m->global_hkid = 0;
	m->md.profile = m->profile;
	m->md.num_pkgs = sim->cpu.num_packages;
	for (uint32_t p = 0; p < TDXSIM_MAX_PACKAGES; p++)
		m->md.pkg_fms[p] = p < sim->cpu.num_packages ? sim->cpu.fms : 0; /* CPUID(1).EAX (cpu.h) */
	m->md.cmrs = sim->cmrs;
	m->md.max_tdmrs = sim->cfg.max_tdmrs;
	m->md.max_reserved_per_tdmr = sim->cfg.max_reserved_per_tdmr;
	memcpy(m->md.pamt_entry_size, sim->cfg.pamt_entry_size, sizeof(m->md.pamt_entry_size));
	tdxsim_md_view_build(&m->md);
	tdxsim_hkid_reset(&sim->hkid);
	tdxsim_pamt_clear(sim->pamt);
	tdxsim_tds_clear(&sim->td);
}

tdxsim_err_t tdxsim_create(const tdxsim_config_t *cfg, tdxsim_t **out)
{
	if (!out)
		return TDXSIM_ERR_INVALID_ARG;
	*out = NULL;
	tdxsim_err_t err = tdxsim_config_check(cfg, NULL, 0);
	if (err)
		return err;
	struct tdxsim *sim = calloc(1, sizeof(*sim));
	if (!sim)
		return TDXSIM_ERR_NO_MEMORY;
	sim->cfg = *cfg;
	/* "From the CPU" errata become the CPU profile's, so every reader sees plain bits. */
	if (sim->cfg.errata == TDXSIM_ERRATA_FROM_CPU)
		sim->cfg.errata = tdxsim_cpu_model_get(cfg->cpu)->errata;
	pthread_mutex_init(&sim->lock, NULL);
	tdxsim_leaf_index_build(sim->leaf_index);
	pthread_mutex_init(&sim->error_lock, NULL);
	if (tdxsim_cpu_init(&sim->cpu, cfg) ||
	    tdxsim_hkid_init(&sim->hkid, cfg->phys_addr_bits, cfg->keyid_bits, cfg->num_mktme_keyids,
			     cfg->num_tdx_keyids) ||
	    tdxsim_mem_init(&sim->mem, cfg->ram, cfg->num_ram_ranges) || tdxsim_pamt_create(&sim->pamt) ||
	    tdxsim_tds_init(&sim->td, UINT32_C(1) << cfg->keyid_bits) ||
	    tdxsim_seamldr_init(&sim->ldr, sim->cpu.num_lps, cfg->seamldr_updates) ||
	    !(sim->mod.lp_initialized = calloc(sim->cpu.num_lps, 1))) {
		tdxsim_destroy(sim);
		return TDXSIM_ERR_NO_MEMORY;
	}
	/* The CMRs are the boot-time RAM ranges (the MCHECK view); memory hot-added later is in
	 * no CMR and so can never be put in a TDMR (sheet seed notes, issue 3). */
	sim->num_cmrs = cfg->num_ram_ranges;
	for (uint32_t i = 0; i < cfg->num_ram_ranges; i++)
		sim->cmrs[i] = cfg->ram[i];
	/* Scripted guests (guest/) and this platform's TDREPORT key: a fresh one per simulator,
	 * so a report verifies only where it was made (docs/fidelity.md). */
	sim->td.guest_ops = &tdxsim_guest_vcpu_ops;
	if (getentropy(sim->td.report_key, sizeof(sim->td.report_key))) {
		tdxsim_destroy(sim);
		return TDXSIM_ERR_NO_MEMORY;
	}
	/* Memory integrity (mce/mce.h): needs the memory, the KeyID split and the CMRs. */
	struct tdxsim_integrity_cfg icfg = {&sim->mem,	   &sim->hkid,	    sim->cmrs,
					    sim->num_cmrs, sim->cfg.errata, cfg->trap_mode};
	if (tdxsim_integrity_create(&icfg, &sim->integrity)) {
		tdxsim_destroy(sim);
		return TDXSIM_ERR_NO_MEMORY;
	}
	init_module(sim);
	tdxsim_seamldr_boot(sim);
	*out = sim;
	return TDXSIM_OK;
}

void tdxsim_destroy(tdxsim_t *sim)
{
	if (!sim)
		return;
	tdxsim_pamt_destroy(sim->pamt);
	tdxsim_tds_fini(&sim->td);
	if (sim->td_spare) {
		tdxsim_tds_fini(sim->td_spare);
		free(sim->td_spare);
	}
	tdxsim_integrity_destroy(sim->integrity); /* before the memory it describes */
	free(sim->online_before_sleep);
	tdxsim_mem_fini(&sim->mem);
	tdxsim_hkid_fini(&sim->hkid);
	tdxsim_cpu_fini(&sim->cpu);
	tdxsim_seamldr_fini(&sim->ldr);
	free(sim->mod.lp_initialized);
	free(sim->injections);
	pthread_mutex_destroy(&sim->lock);
	while (sim->errors) {
		struct tdxsim_error_msg *e = sim->errors;
		sim->errors = e->next;
		free(e);
	}
	pthread_mutex_destroy(&sim->error_lock);
	free(sim);
}
