/* SPDX-License-Identifier: MIT */
/*
 * TDH.SYS.DISABLE (leaf 69), only in the "next" module profile. No module source has this
 * leaf (sheet 2.1, 13); what it does comes from current Linux and its patch text (sheet 2.2,
 * 14.2): it "disables the TDX module and reclaims all memory resources assigned to TDX, and
 * clears any partial-write induced poison"; no SEAMCALL works afterwards "until a full
 * reinitialization", after which a new kernel "can re-initialize the TDX module from scratch".
 * Linux repeats it while it returns TDX_INTERRUPTED_RESUMABLE ("guarantees forward progress
 * between calls") or TDX_SYS_BUSY (contention with other TDH.SYS.* calls).
 *
 * Assumptions (docs/lifecycle.md):
 *  - afterwards the module is as freshly loaded: SYSINIT_PENDING, no LP initialized, no
 *    TDMR, PAMT or KeyID. Every SEAMCALL then fails as the dispatcher and the leaves answer in
 *    that state (TDX_SYS_NOT_READY for TD leaves, TDX_SYS_LP_INIT_NOT_DONE for TDH.SYS.RD,
 *    ..._NOT_PENDING for the bring-up leaves), and TDH.SYS.INIT starts a full bring-up;
 *  - it is accepted in every state but SYS_SHUTDOWN (a crash can come at any time: Linux's
 *    kdump path calls it unconditionally), and a second call is a harmless no-op;
 *  - tdxsim finishes the work in one call: TDX_INTERRUPTED_RESUMABLE and TDX_SYS_BUSY come only
 *    from fault injection (tdxsim_inject_status), which changes nothing, so "progress kept"
 *    holds trivially.
 * In: none. Out: none.
 */
#include "seamcall/seamcall.h"

uint64_t tdxsim_tdh_sys_disable(struct tdxsim_call *c)
{
	tdxsim_pamt_stats_t st;

	/* Releasing the PAMTs costs about what initializing them did (docs/lifecycle.md). */
	tdxsim_pamt_get_stats(c->sim->pamt, &st);
	c->extra_cycles += st.initialized_bytes / TDXSIM_TDMR_INIT_CHUNK * c->sim->cfg.costs.tdmr_init_chunk;
	tdxsim_module_instance_reset(c->sim);
	return TDXSIM_TDX_SUCCESS;
}
