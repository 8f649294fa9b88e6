/* SPDX-License-Identifier: MIT */
/* LPs, topology and MSR values of the simulated platform (cpu.h). */
#include "cpu/cpu.h"

#include <stdlib.h>
#include <string.h>

#include "core/util.h"

static uint32_t bits_for(uint32_t n)
{
	uint32_t b = 0;
	while ((UINT32_C(1) << b) < n)
		b++;
	return b;
}

/* MSR values a TDX-capable BIOS leaves behind (sheet 9, 7.2). When the partition gives fewer
 * than two private KeyIDs the BIOS has not enabled TDX: SEAMRR is left unconfigured, which is
 * exactly what a host sees on a platform with TDX off. */
static void init_msrs(struct tdxsim_cpu *cpu, const tdxsim_config_t *cfg)
{
	bool tdx_on = cfg->num_tdx_keyids >= 2;
	uint64_t keyid_bits = cfg->keyid_bits;

	cpu->msr_mktme_partitioning = (uint64_t)cfg->num_mktme_keyids | (uint64_t)cfg->num_tdx_keyids << 32;
	/* All four AES-XTS algorithms, MK_TME_MAX_KEYID_BITS and MK_TME_MAX_KEYS. */
	cpu->msr_tme_capability = 0xF | keyid_bits << TDXSIM_TME_CAP_MAX_KEYID_BITS_SHIFT |
				  (((UINT64_C(1) << keyid_bits) - 1) << TDXSIM_TME_CAP_MAX_KEYS_SHIFT);
	/* Locked, enabled, KeyID bits, AES-XTS-256 with integrity: what SYS.INIT requires. */
	cpu->msr_tme_activate = TDXSIM_TME_ACTIVATE_LOCKED | TDXSIM_TME_ACTIVATE_ENABLED |
				keyid_bits << TDXSIM_TME_ACTIVATE_KEYID_BITS_SHIFT |
				TDXSIM_TME_ACTIVATE_ALG_AES_XTS_256_INTEGRITY;
	if (tdx_on) {
		cpu->msr_seamrr_base =
			(cfg->seamrr_base & TDXSIM_SEAMRR_ADDR_MASK) | TDXSIM_SEAMRR_BASE_CONFIGURED;
		cpu->msr_seamrr_mask = (~(cfg->seamrr_size - 1) & TDXSIM_SEAMRR_ADDR_MASK) |
				       TDXSIM_SEAMRR_MASK_LOCKED | TDXSIM_SEAMRR_MASK_ENABLED;
	}
	/* VCNT 10, fixed ranges, WC, SMRR, SMRR lock, SEAMRR. */
	cpu->msr_mtrrcap = 0x0A | 1u << 8 | 1u << 10 | 1u << 11 | 1u << 14 | TDXSIM_MTRRCAP_SEAMRR;
	/* Cache sub-blocks for WBINVDP/WBNOINVDP; SYS.INIT requires both equal (sheet 9). Assumed. */
	cpu->msr_wbinvdp = 8;
	cpu->msr_wbnoinvdp = 8;
	/* Fast strings, perfmon available (bit 7), BTS available (bit 11 clear), PEBS unavailable. */
	cpu->msr_misc_enable = 0x1 | 1u << 7 | 1u << 12;
	/* Revision 0x12, 4 KiB VMCS, WB, true controls..., and bit 60 (no VMCS loss on SEAMRET). */
	cpu->msr_vmx_basic = 0x12 | UINT64_C(0x1000) << 32 | UINT64_C(6) << 50 | UINT64_C(1) << 54 |
			     UINT64_C(1) << 55 | UINT64_C(1) << 56 | TDXSIM_VMX_BASIC_NO_SEAMRET_INVD_VMCS;
}

static void apply_override(struct tdxsim_cpu *cpu, uint32_t msr, uint64_t value)
{
	uint64_t *slot = NULL;
	switch (msr) {
	case TDXSIM_MSR_IA32_MKTME_KEYID_PARTITIONING:
		slot = &cpu->msr_mktme_partitioning;
		break;
	case TDXSIM_MSR_IA32_TME_CAPABILITY:
		slot = &cpu->msr_tme_capability;
		break;
	case TDXSIM_MSR_IA32_TME_ACTIVATE:
		slot = &cpu->msr_tme_activate;
		break;
	case TDXSIM_MSR_IA32_SEAMRR_PHYS_BASE:
		slot = &cpu->msr_seamrr_base;
		break;
	case TDXSIM_MSR_IA32_SEAMRR_PHYS_MASK:
		slot = &cpu->msr_seamrr_mask;
		break;
	case TDXSIM_MSR_IA32_MTRRCAP:
		slot = &cpu->msr_mtrrcap;
		break;
	case TDXSIM_MSR_IA32_WBINVDP:
		slot = &cpu->msr_wbinvdp;
		break;
	case TDXSIM_MSR_IA32_WBNOINVDP:
		slot = &cpu->msr_wbnoinvdp;
		break;
	case TDXSIM_MSR_IA32_MISC_ENABLE:
		slot = &cpu->msr_misc_enable;
		break;
	case TDXSIM_MSR_IA32_VMX_BASIC:
		slot = &cpu->msr_vmx_basic;
		break;
	default:
		break; /* tdxsim_config_check() rejects other MSRs */
	}
	if (slot)
		*slot = value;
}

int tdxsim_cpu_init(struct tdxsim_cpu *cpu, const tdxsim_config_t *cfg)
{
	memset(cpu, 0, sizeof(*cpu));
	cpu->model = tdxsim_cpu_model_get(cfg->cpu);
	if (!cpu->model)
		return -1;
	cpu->fms = cpu->model->fms;
	cpu->phys_bits = cfg->phys_addr_bits;
	cpu->num_packages = cfg->num_packages;
	cpu->lps_per_package = cfg->lps_per_package;
	cpu->num_lps = cfg->num_packages * cfg->lps_per_package;
	cpu->package_shift = bits_for(cfg->lps_per_package);
	cpu->lps = calloc(cpu->num_lps, sizeof(*cpu->lps));
	if (!cpu->lps)
		return -1;
	for (uint32_t i = 0; i < cpu->num_lps; i++) {
		struct tdxsim_lp *lp = &cpu->lps[i];
		lp->package = i / cfg->lps_per_package;
		lp->x2apic_id = lp->package << cpu->package_shift | i % cfg->lps_per_package;
		lp->online = true;
	}
	init_msrs(cpu, cfg);
	for (uint32_t i = 0; i < cfg->num_msr_overrides && i < 8; i++)
		apply_override(cpu, cfg->msr_overrides[i].msr, cfg->msr_overrides[i].value);
	return 0;
}

void tdxsim_cpu_fini(struct tdxsim_cpu *cpu)
{
	free(cpu->lps);
	cpu->lps = NULL;
}

int tdxsim_cpu_rdmsr(const struct tdxsim_cpu *cpu, uint32_t msr, uint64_t *value)
{
	switch (msr) {
	case TDXSIM_MSR_IA32_TSC_ADJUST:
		*value = 0;
		return 0;
	case TDXSIM_MSR_IA32_MKTME_KEYID_PARTITIONING:
		*value = cpu->msr_mktme_partitioning;
		return 0;
	case TDXSIM_MSR_IA32_WBINVDP:
		*value = cpu->msr_wbinvdp;
		return 0;
	case TDXSIM_MSR_IA32_WBNOINVDP:
		*value = cpu->msr_wbnoinvdp;
		return 0;
	case TDXSIM_MSR_IA32_MTRRCAP:
		*value = cpu->msr_mtrrcap;
		return 0;
	case TDXSIM_MSR_IA32_MISC_ENABLE:
		*value = cpu->msr_misc_enable;
		return 0;
	case TDXSIM_MSR_IA32_VMX_BASIC:
		*value = cpu->msr_vmx_basic;
		return 0;
	case TDXSIM_MSR_IA32_TME_CAPABILITY:
		*value = cpu->msr_tme_capability;
		return 0;
	case TDXSIM_MSR_IA32_TME_ACTIVATE:
		*value = cpu->msr_tme_activate;
		return 0;
	case TDXSIM_MSR_IA32_SEAMRR_PHYS_BASE:
		*value = cpu->msr_seamrr_base;
		return 0;
	case TDXSIM_MSR_IA32_SEAMRR_PHYS_MASK:
		*value = cpu->msr_seamrr_mask;
		return 0;
	default:
		return -1;
	}
}

int tdxsim_cpu_save(const struct tdxsim_cpu *cpu, struct tdxsim_cpu *saved)
{
	*saved = *cpu;
	saved->lps = malloc(cpu->num_lps * sizeof(*cpu->lps));
	if (!saved->lps)
		return -1;
	memcpy(saved->lps, cpu->lps, cpu->num_lps * sizeof(*cpu->lps));
	return 0;
}

void tdxsim_cpu_restore(struct tdxsim_cpu *cpu, const struct tdxsim_cpu *saved)
{
	struct tdxsim_lp *lps = cpu->lps;
	*cpu = *saved;
	cpu->lps = lps;
	memcpy(lps, saved->lps, cpu->num_lps * sizeof(*lps));
}
