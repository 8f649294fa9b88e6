/* SPDX-License-Identifier: MIT */
/*
 * SEAMCALL dispatch: the leaf table and what a leaf handler receives.
 * The dispatcher (dispatch.c) applies the module's pre-checks in the order of sheet 1.2, then
 * calls the leaf's handler. A handler reads like the spec: checks in order, each returning
 * the real status with its operand id; then, past the point where nothing can fail, effects.
 * Handlers live in leaves/, one file per leaf, named after the spec leaf.
 */
#ifndef TDXSIM_SEAMCALL_H
#define TDXSIM_SEAMCALL_H

#include <stdbool.h>
#include <stdint.h>

#include "lock/lock.h"
#include "seamldr/seamldr.h"
#include "state/state.h"

/* What a handler gets. It writes outputs into regs and may add to extra_cycles. */
struct tdxsim_call {
	struct tdxsim *sim;
	uint32_t lp;
	unsigned version;
	tdxsim_regs_t *regs;
	uint64_t extra_cycles;	 /* per-unit work on top of the leaf's base cost */
	struct tdxsim_held held; /* module locks taken so far; released by the dispatcher */
	/* dispatch.c sets each field by hand (speed): a field added here must be set there. */
};

typedef uint64_t (*tdxsim_leaf_fn)(struct tdxsim_call *call);

/* Leaf table flags. */
#define TDXSIM_LEAF_BEFORE_READY (1u << 0) /* in the allow-list of sheet 1.2 step 4 */

struct tdxsim_leaf_row {
	uint16_t leaf;
	uint16_t flags;
	tdxsim_leaf_fn handler; /* NULL: defined by the ABI, not emulated yet */
};

/* The table (leaves/leaf_table.c) and lookup; NULL if the leaf number has no row. */
const struct tdxsim_leaf_row *tdxsim_leaf_row(uint16_t leaf);
/* The same lookup as a direct index, leaf number -> row or NULL, built once per simulator
 * (sim.c) so that dispatch costs one load whatever the number (bench_seamcall). Numbers at
 * or above TDXSIM_NUM_LEAF_SLOTS exist in no profile and need no row. */
void tdxsim_leaf_index_build(const struct tdxsim_leaf_row *index[TDXSIM_NUM_LEAF_SLOTS]);

/* Handlers. */
uint64_t tdxsim_tdh_sys_init(struct tdxsim_call *c);
uint64_t tdxsim_tdh_sys_lp_init(struct tdxsim_call *c);
uint64_t tdxsim_tdh_sys_info(struct tdxsim_call *c);
uint64_t tdxsim_tdh_sys_rd(struct tdxsim_call *c);
uint64_t tdxsim_tdh_sys_rdall(struct tdxsim_call *c);
uint64_t tdxsim_tdh_sys_config(struct tdxsim_call *c);
uint64_t tdxsim_tdh_sys_key_config(struct tdxsim_call *c);
uint64_t tdxsim_tdh_sys_tdmr_init(struct tdxsim_call *c);
uint64_t tdxsim_tdh_sys_lp_shutdown(struct tdxsim_call *c);
uint64_t tdxsim_tdh_sys_shutdown(struct tdxsim_call *c);
uint64_t tdxsim_tdh_sys_update(struct tdxsim_call *c);
uint64_t tdxsim_tdh_sys_disable(struct tdxsim_call *c);
uint64_t tdxsim_tdh_phymem_page_rdmd(struct tdxsim_call *c);
uint64_t tdxsim_tdh_mng_key_reclaimid(struct tdxsim_call *c);
/* TD leaves (td-build.md, td-runtime.md): one file each in leaves/. */
uint64_t tdxsim_tdh_mng_create(struct tdxsim_call *c);
uint64_t tdxsim_tdh_mng_key_config(struct tdxsim_call *c);
uint64_t tdxsim_tdh_mng_addcx(struct tdxsim_call *c);
/* Teardown (td-build.md 3.15-3.19). */
uint64_t tdxsim_tdh_mng_vpflushdone(struct tdxsim_call *c);
uint64_t tdxsim_tdh_phymem_cache_wb(struct tdxsim_call *c);
uint64_t tdxsim_tdh_mng_key_freeid(struct tdxsim_call *c);
uint64_t tdxsim_tdh_phymem_page_reclaim(struct tdxsim_call *c);
uint64_t tdxsim_tdh_mng_init(struct tdxsim_call *c);
uint64_t tdxsim_tdh_mng_rd(struct tdxsim_call *c);
uint64_t tdxsim_tdh_mng_wr(struct tdxsim_call *c);
/* Running TDs (td-runtime.md 3): the scripted guest runs inside (guest/). */
uint64_t tdxsim_tdh_vp_enter(struct tdxsim_call *c);
/* Private memory and measurement (td-build.md 3.11-3.14, 3.20; td-runtime.md 2). */
uint64_t tdxsim_tdh_mem_sept_add(struct tdxsim_call *c);
uint64_t tdxsim_tdh_mem_page_add(struct tdxsim_call *c);
uint64_t tdxsim_tdh_mr_extend(struct tdxsim_call *c);
uint64_t tdxsim_tdh_mr_finalize(struct tdxsim_call *c);
uint64_t tdxsim_tdh_mem_page_aug(struct tdxsim_call *c);
uint64_t tdxsim_tdh_mem_range_block(struct tdxsim_call *c);
uint64_t tdxsim_tdh_mem_track(struct tdxsim_call *c);
uint64_t tdxsim_tdh_mem_page_remove(struct tdxsim_call *c);
uint64_t tdxsim_tdh_mem_sept_rd(struct tdxsim_call *c);
uint64_t tdxsim_tdh_phymem_page_wbinvd(struct tdxsim_call *c);
uint64_t tdxsim_tdh_mem_range_unblock(struct tdxsim_call *c);
uint64_t tdxsim_tdh_mem_sept_remove(struct tdxsim_call *c);
uint64_t tdxsim_tdh_mem_page_relocate(struct tdxsim_call *c);
uint64_t tdxsim_tdh_mem_rd(struct tdxsim_call *c);
uint64_t tdxsim_tdh_mem_wr(struct tdxsim_call *c);
/* Huge pages (td-runtime.md 2.8, 2.9, 6). */
uint64_t tdxsim_tdh_mem_page_demote(struct tdxsim_call *c);
uint64_t tdxsim_tdh_mem_page_promote(struct tdxsim_call *c);
/* vCPUs (td-build.md 3.6-3.10). */
uint64_t tdxsim_tdh_vp_create(struct tdxsim_call *c);
uint64_t tdxsim_tdh_vp_addcx(struct tdxsim_call *c);
uint64_t tdxsim_tdh_vp_init(struct tdxsim_call *c);
uint64_t tdxsim_tdh_vp_rd(struct tdxsim_call *c);
uint64_t tdxsim_tdh_vp_wr(struct tdxsim_call *c);
uint64_t tdxsim_tdh_vp_flush(struct tdxsim_call *c);

/*
 * The "shared HPA" test the module applies to buffers the host passes (sheet 6.1): aligned to
 * @align, below 2^52, not overlapping SEAMRR over [pa, pa + len), KeyID below the first
 * private KeyID. On success *host points at the bytes (KeyID stripped) when they are
 * simulated RAM; tdxsim treats a buffer outside RAM as invalid too (docs/fidelity.md).
 */
bool tdxsim_shared_hpa_ok(const struct tdxsim *sim, uint64_t pa, uint64_t align, uint64_t len, void **host);

/* Module view of a page PA handed to a leaf: 4K aligned, below 2^52, KeyID bits 0. */
bool tdxsim_page_pa_ok(const struct tdxsim *sim, uint64_t pa);

#endif
