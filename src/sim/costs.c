/* SPDX-License-Identifier: MIT */
/*
 * Default virtual-cycle costs (2.2 GHz TSC). Each number's origin is in docs/cycles.md, which
 * takes them from ../shared/reference/latencies.md: TDH.SYS.TDMR.INIT per call is cited (B5:
 * 7 us at 2.2 GHz = 15,400); everything else is an estimate built from the anchors S (SEAMCALL
 * + SEAMRET = 2,000) and Z (one 4 KiB page of MOVDIR64B = 3,350).
 */
#include <string.h>

#include "tdxsim/tdxsim.h"

#define S 2000 /* SEAMCALL + SEAMRET (estimate) */
#define Z 3350 /* initialize a 4 KiB page with MOVDIR64B (derived upper bound, F2) */

void tdxsim_costs_default(tdxsim_costs_t *c)
{
	memset(c, 0, sizeof(*c));
	for (unsigned i = 0; i < TDXSIM_NUM_LEAF_SLOTS; i++)
		c->leaf[i] = S + 200; /* trivial leaf: transition plus a small body */
	c->rejected_call = S;

	c->leaf[TDXSIM_TDH_SYS_INIT] = 30000;
	c->leaf[TDXSIM_TDH_SYS_LP_INIT] = S;
	c->lp_init_ept_flush = 18000; /* LP.INIT total 20,000 */
	c->leaf[TDXSIM_TDH_SYS_CONFIG] = 20000;
	c->config_per_tdmr = 1000;
	c->leaf[TDXSIM_TDH_SYS_KEY_CONFIG] = S;
	c->key_program = 8000; /* KEY.CONFIG total 10,000 */
	c->leaf[TDXSIM_TDH_SYS_TDMR_INIT] = S;
	c->tdmr_init_chunk = 15400 - S; /* cited: 7 us per call at 2.2 GHz (latencies B5) */
	c->leaf[TDXSIM_TDH_SYS_INFO] = S + 3000;
	c->leaf[TDXSIM_TDH_SYS_RDALL] = S + 8000;
	c->leaf[TDXSIM_TDH_SYS_SHUTDOWN] = 20000;
	c->leaf[TDXSIM_TDH_SYS_LP_SHUTDOWN] = S;
	/* Lifecycle (docs/lifecycle.md, estimates): UPDATE takes over the handoff data like
	 * SHUTDOWN writes it; DISABLE adds the PAMT release per 4 MiB of TDMR (tdh_sys_disable.c,
	 * priced as TDH.SYS.TDMR.INIT's chunk). A P-SEAMLDR call is a SEAMCALL plus a short body;
	 * INSTALL's last LP copies and SHA-384-hashes each module page (~10 cycles per byte). */
	c->leaf[TDXSIM_TDH_SYS_UPDATE] = 20000;
	c->leaf[TDXSIM_TDH_SYS_DISABLE] = 20000;
	c->seamldr_call = S + 3000;
	c->seamldr_install_page = 45000;

	/* TD leaves (used once they are emulated). */
	c->leaf[TDXSIM_TDH_MNG_CREATE] = S + Z;
	c->leaf[TDXSIM_TDH_MNG_ADDCX] = S + Z;
	c->leaf[TDXSIM_TDH_VP_CREATE] = S + Z;
	c->leaf[TDXSIM_TDH_VP_ADDCX] = S + Z;
	c->leaf[TDXSIM_TDH_MNG_INIT] = 20000;
	c->leaf[TDXSIM_TDH_MNG_KEY_CONFIG] = 10000;
	c->leaf[TDXSIM_TDH_MEM_SEPT_ADD] = S + Z + 500;
	/* PAGE.ADD and MR.EXTEND add their per-byte work (docs/cycles.md): the copy as 64
	 * MOVDIR64B lines, and every byte hashed at the assumed ~10 cycles/byte SHA-384. */
	c->leaf[TDXSIM_TDH_MEM_PAGE_ADD] = S + 700;
	c->leaf[TDXSIM_TDH_MR_EXTEND] = S + 200;
	c->sha384_byte = 10;
	c->leaf[TDXSIM_TDH_MR_FINALIZE] = 5000;
	c->leaf[TDXSIM_TDH_MEM_PAGE_AUG] = S + 1000;
	c->leaf[TDXSIM_TDH_MEM_RANGE_BLOCK] = S + 1000;
	c->leaf[TDXSIM_TDH_MEM_TRACK] = S + 500;
	/* Huge pages (estimates): DEMOTE writes the new S-EPT page (Z) and 512 PAMT entries;
	 * PROMOTE locks and compares 512 S-EPT entries and merges 512 PAMT entries. */
	c->leaf[TDXSIM_TDH_MEM_PAGE_DEMOTE] = S + Z + 2000;
	c->leaf[TDXSIM_TDH_MEM_PAGE_PROMOTE] = S + 4000;
	c->leaf[TDXSIM_TDH_MEM_PAGE_REMOVE] = S + 1000;
	c->leaf[TDXSIM_TDH_MEM_RANGE_UNBLOCK] = S + 1000; /* a walk and one entry, as BLOCK */
	c->leaf[TDXSIM_TDH_MEM_SEPT_REMOVE] = S + 1500;	  /* + a scan of the 512 child entries */
	/* RELOCATE: two PAMT entries and a walk; its copy adds 64 MOVDIR64B lines. */
	c->leaf[TDXSIM_TDH_MEM_PAGE_RELOCATE] = S + 1000;
	/* MEM.RD/WR: a walk and one 8-byte access (latencies.md "Trivial leaf" plus the walk). */
	c->leaf[TDXSIM_TDH_MEM_RD] = S + 500;
	c->leaf[TDXSIM_TDH_MEM_WR] = S + 500;
	c->leaf[TDXSIM_TDH_PHYMEM_PAGE_RECLAIM] = S + 500;
	c->leaf[TDXSIM_TDH_PHYMEM_PAGE_WBINVD] = 5000;
	/* CACHE.WB: the LLC write-back estimate (2,200,000, latencies H13) split over the
	 * platform's 8 cache sub-blocks (IA32_WBINVDP, assumed), each charged as written back. */
	c->leaf[TDXSIM_TDH_PHYMEM_CACHE_WB] = S;
	c->cache_wb_sub_block = 2200000 / 8;
	c->leaf[TDXSIM_TDH_MNG_VPFLUSHDONE] = S + 500;
	c->leaf[TDXSIM_TDH_MNG_KEY_FREEID] = S + 500;
	c->leaf[TDXSIM_TDH_VP_FLUSH] = S + 500;
	c->leaf[TDXSIM_TDH_VP_ENTER] = 5000;
	/* vCPU leaves: VP.INIT fills the TDVPS and initializes the TD VMCS (~150 VMWRITEs,
	 * estimate S + 3000); VP.RD/WR are trivial leaves (latencies.md "Trivial leaf", S + 200). */
	c->leaf[TDXSIM_TDH_VP_INIT] = S + 3000;
	c->leaf[TDXSIM_TDH_VP_RD] = S + 200;
	c->leaf[TDXSIM_TDH_VP_WR] = S + 200;

	c->rdmsr = 100;	 /* estimate: a non-serializing MSR read */
	c->vmxon = 1000; /* estimate */
	c->vmxoff = 1000;
	/* Memory instructions (docs/memory-integrity.md). MOVDIR64B: Z / 64 lines, the derived
	 * upper bound (latencies F2); WBINVD: the 1 ms LLC write-back estimate of latencies.md;
	 * CLFLUSH: estimate, no public figure (a DRAM round trip). */
	c->movdir64b = Z / 64;
	c->clflush = 250;
	c->wbinvd = 2200000;
	/* Scripted guests (latencies.md H15, "TDCALL served inside the module"): a guest access
	 * is one cached load or store (estimate 10); a served TDCALL is T = 2,500; SHA-384 at the
	 * sheet's assumed 10 cycles per byte (RTMR.EXTEND hashes 96 bytes: 3,460, H15 says
	 * ~3,800); the report MAC is H15's 12,500 placeholder (MR.REPORT ~20,000 in all). */
	c->guest_op = 10;
	c->guest_tdcall = 2500;
	c->guest_sha384_byte = 10;
	c->guest_report_mac = 12500;
}
