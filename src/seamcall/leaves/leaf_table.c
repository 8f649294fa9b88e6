/* SPDX-License-Identifier: MIT */
/*
 * The leaf table: one row per leaf tdxsim knows. Flags say whether the leaf is in the
 * dispatcher's "before SYS_READY" allow-list (sheet 1.2 step 4). Leaves of the ABI without a
 * handler answer TDXSIM_STATUS_NOT_EMULATED once past the dispatcher's checks.
 */
#include <stddef.h>

#include "seamcall/seamcall.h"

#define BEFORE_READY TDXSIM_LEAF_BEFORE_READY

static const struct tdxsim_leaf_row leaf_rows[] = {
	{TDXSIM_TDH_SYS_KEY_CONFIG, BEFORE_READY, tdxsim_tdh_sys_key_config},
	{TDXSIM_TDH_SYS_INFO, BEFORE_READY, tdxsim_tdh_sys_info},
	{TDXSIM_TDH_SYS_INIT, BEFORE_READY, tdxsim_tdh_sys_init},
	{TDXSIM_TDH_SYS_RD, BEFORE_READY, tdxsim_tdh_sys_rd},
	{TDXSIM_TDH_SYS_LP_INIT, BEFORE_READY, tdxsim_tdh_sys_lp_init},
	{TDXSIM_TDH_SYS_TDMR_INIT, 0, tdxsim_tdh_sys_tdmr_init},
	{TDXSIM_TDH_SYS_RDALL, BEFORE_READY, tdxsim_tdh_sys_rdall},
	{TDXSIM_TDH_SYS_LP_SHUTDOWN, BEFORE_READY, tdxsim_tdh_sys_lp_shutdown},
	{TDXSIM_TDH_SYS_CONFIG, BEFORE_READY, tdxsim_tdh_sys_config},
	{TDXSIM_TDH_SYS_SHUTDOWN, 0, tdxsim_tdh_sys_shutdown},
	{TDXSIM_TDH_SYS_UPDATE, BEFORE_READY, tdxsim_tdh_sys_update},
	/* Only the "next" profile has leaf 69; accepted before SYS_READY (tdh_sys_disable.c). */
	{TDXSIM_TDH_SYS_DISABLE, BEFORE_READY, tdxsim_tdh_sys_disable},
	{TDXSIM_TDH_PHYMEM_PAGE_RDMD, 0, tdxsim_tdh_phymem_page_rdmd},
	{TDXSIM_TDH_MNG_KEY_RECLAIMID, 0, tdxsim_tdh_mng_key_reclaimid},
	/* Trust domains: build (td-build.md 3). */
	{TDXSIM_TDH_MNG_CREATE, 0, tdxsim_tdh_mng_create},
	{TDXSIM_TDH_MNG_KEY_CONFIG, 0, tdxsim_tdh_mng_key_config},
	{TDXSIM_TDH_MNG_ADDCX, 0, tdxsim_tdh_mng_addcx},
	/* Trust domains: teardown (td-build.md 3.15-3.19). */
	{TDXSIM_TDH_MNG_VPFLUSHDONE, 0, tdxsim_tdh_mng_vpflushdone},
	{TDXSIM_TDH_PHYMEM_CACHE_WB, 0, tdxsim_tdh_phymem_cache_wb},
	{TDXSIM_TDH_MNG_KEY_FREEID, 0, tdxsim_tdh_mng_key_freeid},
	{TDXSIM_TDH_PHYMEM_PAGE_RECLAIM, 0, tdxsim_tdh_phymem_page_reclaim},
	{TDXSIM_TDH_MNG_INIT, 0, tdxsim_tdh_mng_init},
	{TDXSIM_TDH_MNG_RD, 0, tdxsim_tdh_mng_rd},
	{TDXSIM_TDH_MNG_WR, 0, tdxsim_tdh_mng_wr},
	{TDXSIM_TDH_VP_ENTER, 0, tdxsim_tdh_vp_enter},
	/* Private memory and measurement (td-build.md 3.11-3.14, 3.20; td-runtime.md 2). */
	{TDXSIM_TDH_MEM_SEPT_ADD, 0, tdxsim_tdh_mem_sept_add},
	{TDXSIM_TDH_MEM_PAGE_ADD, 0, tdxsim_tdh_mem_page_add},
	{TDXSIM_TDH_MR_EXTEND, 0, tdxsim_tdh_mr_extend},
	{TDXSIM_TDH_MR_FINALIZE, 0, tdxsim_tdh_mr_finalize},
	{TDXSIM_TDH_MEM_PAGE_AUG, 0, tdxsim_tdh_mem_page_aug},
	{TDXSIM_TDH_MEM_RANGE_BLOCK, 0, tdxsim_tdh_mem_range_block},
	{TDXSIM_TDH_MEM_TRACK, 0, tdxsim_tdh_mem_track},
	{TDXSIM_TDH_MEM_PAGE_REMOVE, 0, tdxsim_tdh_mem_page_remove},
	{TDXSIM_TDH_MEM_SEPT_RD, 0, tdxsim_tdh_mem_sept_rd},
	{TDXSIM_TDH_PHYMEM_PAGE_WBINVD, 0, tdxsim_tdh_phymem_page_wbinvd},
	{TDXSIM_TDH_MEM_RANGE_UNBLOCK, 0, tdxsim_tdh_mem_range_unblock},
	{TDXSIM_TDH_MEM_SEPT_REMOVE, 0, tdxsim_tdh_mem_sept_remove},
	{TDXSIM_TDH_MEM_PAGE_RELOCATE, 0, tdxsim_tdh_mem_page_relocate},
	{TDXSIM_TDH_MEM_RD, 0, tdxsim_tdh_mem_rd},
	{TDXSIM_TDH_MEM_WR, 0, tdxsim_tdh_mem_wr},
	/* Huge pages (td-runtime.md 2.8, 2.9, 6). */
	{TDXSIM_TDH_MEM_PAGE_DEMOTE, 0, tdxsim_tdh_mem_page_demote},
	{TDXSIM_TDH_MEM_PAGE_PROMOTE, 0, tdxsim_tdh_mem_page_promote},
	/* vCPUs (td-build.md 3.6-3.10). */
	{TDXSIM_TDH_VP_CREATE, 0, tdxsim_tdh_vp_create},
	{TDXSIM_TDH_VP_ADDCX, 0, tdxsim_tdh_vp_addcx},
	{TDXSIM_TDH_VP_INIT, 0, tdxsim_tdh_vp_init},
	{TDXSIM_TDH_VP_RD, 0, tdxsim_tdh_vp_rd},
	{TDXSIM_TDH_VP_WR, 0, tdxsim_tdh_vp_wr},
	{TDXSIM_TDH_VP_FLUSH, 0, tdxsim_tdh_vp_flush},
};

/* Rows for every other ABI leaf (no handler yet), generated from the leaf .def table. */
static const struct tdxsim_leaf_row abi_rows[] = {
#define TDXSIM_LEAF(name, num, spec) {num, 0, NULL},
#include "tdxsim/defs/leaves.def"
#undef TDXSIM_LEAF
};

void tdxsim_leaf_index_build(const struct tdxsim_leaf_row *index[TDXSIM_NUM_LEAF_SLOTS])
{
	for (unsigned leaf = 0; leaf < TDXSIM_NUM_LEAF_SLOTS; leaf++)
		index[leaf] = tdxsim_leaf_row((uint16_t)leaf);
}

const struct tdxsim_leaf_row *tdxsim_leaf_row(uint16_t leaf)
{
	for (size_t i = 0; i < sizeof(leaf_rows) / sizeof(leaf_rows[0]); i++)
		if (leaf_rows[i].leaf == leaf)
			return &leaf_rows[i];
	for (size_t i = 0; i < sizeof(abi_rows) / sizeof(abi_rows[0]); i++)
		if (abi_rows[i].leaf == leaf)
			return &abi_rows[i];
	return NULL;
}
