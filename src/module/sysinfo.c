/* SPDX-License-Identifier: MIT */
/*
 * TDH.SYS.INFO outputs: TDSYSINFO_STRUCT and the CMR_INFO array (sheet 5.1, 5.2). The fill
 * follows [M155] tdh_sys_info.c (and [M10] for 1.0): the structure is zeroed, then every
 * field written; reserved bytes stay 0. Register outputs and operand checks are the leaf's.
 */
#include <string.h>

#include "core/util.h"
#include "module/module.h"

void tdxsim_md_fill_sysinfo(const struct tdxsim_md_view *v, struct tdxsim_tdsysinfo *info)
{
	const struct tdxsim_profile *p = v->profile;
	unsigned n = p->num_cpuid_config;

	memset(info, 0, sizeof(*info));
	info->attributes = 0; /* bit 31 would mark a debug build */
	info->vendor_id = 0x8086;
	info->build_date = p->build_date;
	info->build_num = p->build_num;
	info->minor_version = p->minor;
	info->major_version = p->major;
	/* 1.5 sets SYS_RD to say "use TDH.SYS.RD*"; 1.0 has no such byte (reserved, 0). */
	info->sys_rd = p->abi_1_0 ? 0 : 1;
	/* The module writes its compile-time limits here; tdxsim's are configurable, and SYS.INFO
	 * must agree with SYS.RD, so both report the view. One PAMT entry size: the 4K one. */
	info->max_tdmrs = v->max_tdmrs;
	info->max_reserved_per_tdmr = v->max_reserved_per_tdmr;
	info->pamt_entry_size = v->pamt_entry_size[0];
	info->tdcs_base_size = p->tdcs_base_size;
	info->tdvps_base_size = p->tdvps_base_size;
	info->tdvps_xfam_dependent_size = 0;
	info->attributes_fixed0 = p->attributes_fixed0;
	info->attributes_fixed1 = p->attributes_fixed1;
	info->xfam_fixed0 = p->xfam_fixed0;
	info->xfam_fixed1 = p->xfam_fixed1;

	/* Every profile's list fits the 37 slots; the clamp only keeps a bad profile in bounds. */
	if (n > TDXSIM_ARRAY_SIZE(info->cpuid_configs))
		n = TDXSIM_ARRAY_SIZE(info->cpuid_configs);
	info->num_cpuid_config = n;
	for (unsigned i = 0; i < n; i++) {
		const struct tdxsim_cpuid_config_entry *e = &p->cpuid_config[i];

		info->cpuid_configs[i] = (struct tdxsim_cpuid_config){
			.leaf = e->leaf,
			.sub_leaf = e->subleaf,
			.eax = e->eax,
			.ebx = e->ebx,
			.ecx = e->ecx,
			.edx = e->edx,
		};
	}
}

/* All MAX_CMR entries are copied as the module holds them; empty ones have size 0. */
void tdxsim_md_fill_cmr_info(const struct tdxsim_md_view *v, struct tdxsim_cmr_info cmrs[TDXSIM_MAX_CMRS])
{
	for (unsigned i = 0; i < TDXSIM_MAX_CMRS; i++) {
		cmrs[i].base = v->cmrs ? v->cmrs[i].base : 0;
		cmrs[i].size = v->cmrs ? v->cmrs[i].size : 0;
	}
}
