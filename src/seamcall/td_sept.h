/* SPDX-License-Identifier: MIT */
/*
 * The secure-EPT half of the TD memory leaves (td-runtime.md 1.1, 1.4, 1.5, 2 "common prefix";
 * td-build.md 2, 3.11-3.13): the page-info operand, the private-GPA check, the tree lock, the
 * walk with its extended error info, and the host-side entry lock. Each function returns the
 * leaf's status (0 on success) and writes RCX/RDX "ext" exactly where the module does, so a
 * leaf handler reads like the module's sequence:
 *     page info -> private GPA -> tree lock -> walk -> entry lock -> state check.
 * Locks land in the call's held set and go when the handler returns (td_common.h).
 */
#ifndef TDXSIM_SEAMCALL_TD_SEPT_H
#define TDXSIM_SEAMCALL_TD_SEPT_H

#include "sept/sept.h"
#include "seamcall/td_common.h"

#define TDXSIM_PAGE_INFO_GPA_MASK UINT64_C(0x000FFFFFFFFFF000)

static inline unsigned tdxsim_page_info_level(uint64_t info)
{
	return (unsigned)(info & 7);
}
static inline uint64_t tdxsim_page_info_gpa(uint64_t info)
{
	return info & TDXSIM_PAGE_INFO_GPA_MASK;
}

/* verify_page_info_input (td-runtime.md 1.1): bits 11:3 and 63:52 zero, level in [@min, @max],
 * GPA aligned to the level's size. */
bool tdxsim_page_info_ok(uint64_t info, unsigned min, unsigned max);

/* check_gpa_validity, private only (td-runtime.md 1.1): shared bit (51 with GPAW, else 47)
 * clear, nothing at or above bit 52, and without GPAW nothing in 51:48. */
bool tdxsim_private_gpa_ok(const struct tdxsim_td *td, uint64_t gpa);

/* The TD's PWL - 1: the root table's level and the highest level SEPT.ADD/BLOCK accept. */
unsigned tdxsim_td_sept_top(const struct tdxsim_td *td);

/* RCX/RDX := the extended error info of entry @e at @level (td-runtime.md 1.4). */
void tdxsim_set_ext(struct tdxsim_call *c, uint64_t e, unsigned level);

/* The secure-EPT tree lock in @mode; busy => OPERAND_BUSY|SEPT_TREE (no ext). */
uint64_t tdxsim_sept_tree_lock(struct tdxsim_call *c, struct tdxsim_td *td, tdxsim_lock_mode_t mode);

/* Where a walk ended: the entry, its table and its level. */
struct tdxsim_septe_ref {
	struct tdxsim_sept_table *table;
	unsigned index;
	unsigned level;
	uint64_t *e;
};

/*
 * Walk to @level for @gpa. Failure (stopped above @level) => @fail_status with the ext of the
 * entry where the walk stopped; @fail_status is TDX_EPT_WALK_FAILED|RCX for most leaves.
 */
uint64_t tdxsim_sept_walk_to(struct tdxsim_call *c, struct tdxsim_td *td, uint64_t gpa, unsigned level,
			     uint64_t fail_status, struct tdxsim_septe_ref *ref);

/*
 * The entry's host-side lock (sept_lock_acquire_host). Busy (another LP, or tdxsim_contend()
 * on TDXSIM_RES_SEPT_ENTRY with key = TDR PA, key2 = @info) => OPERAND_BUSY|RCX with the ext
 * of the entry as the walk read it, and the entry's host-priority flag (TDHP) set, so guest
 * ACCEPTs fail until a host acquisition succeeds and clears it (td-runtime.md 5.5).
 */
uint64_t tdxsim_septe_lock(struct tdxsim_call *c, struct tdxsim_td *td, const struct tdxsim_septe_ref *ref,
			   uint64_t info);

/*
 * The sequence every secure-EPT leaf starts with, as the module's lock-check-and-walk helper
 * does it (td-runtime.md 1.1, 1.5): the page-info operand (reserved bits, level in [@min,
 * @max], alignment) and a private GPA, else OPERAND_INVALID|RCX; the tree lock in @tree_mode;
 * the walk to the requested level (EPT_WALK_FAILED|RCX + ext); the entry lock. On success
 * *ref is the locked entry at that level (ref->level).
 */
uint64_t tdxsim_sept_locate(struct tdxsim_call *c, struct tdxsim_td *td, uint64_t info, unsigned min,
			    unsigned max, tdxsim_lock_mode_t tree_mode, struct tdxsim_septe_ref *ref);

/* Whether the state needs TLB tracking before it may be removed (td-runtime.md 1.3 column). */
bool tdxsim_sept_state_tracked(unsigned code);
/* NL_BLOCKED, BLOCKED, PENDING_BLOCKED. */
bool tdxsim_sept_state_any_blocked(unsigned code);
/* Whether the tracking check applies (td-runtime.md 2 "tracking check"): an entry in a state
 * that needs TLB tracking, in op state RUNNABLE, LIVE_EXPORT or LIVE_IMPORT. */
bool tdxsim_sept_needs_tracking(const struct tdxsim_td *td, unsigned code);
/* Whether BEPOCH @bepoch is tracked in @td (td-runtime.md 2.4): older than TD_EPOCH - 1, or
 * equal to it with that epoch's REFCOUNT drained. */
bool tdxsim_tlb_tracked(const struct tdxsim_td *td, uint64_t bepoch);

/*
 * Run-time invariants of the secure EPTs against the PAMT (td_sept_check.c), for TDs whose
 * pages cannot have been reclaimed (lifecycle before TEARDOWN). Each returns 0, or -1 with a
 * message naming the invariant.
 * _unique: no host page used by two entries (leaf ranges and table pages), in any TDs.
 * _pamt: each table is a PT_EPT page of the TD; each leaf maps an aligned PT_REG page owned
 * by the TD whose PAMT page size is the leaf's level; BEPOCHs not after the TD's epoch.
 * _pamt also measures what the TD's secure EPT uses (*use, complete when it returns 0).
 * _counts: the PAMT's PT_REG 4K units (@reg_units) and PT_EPT pages (@ept_pages) owned by the
 * TD equal what its leaves map and its tables below the root (@use).
 *
 * _unique walks every secure EPT; with @usage_of not NULL the same walk does _pamt's checks
 * too (they run after every fuzzed call: one walk, not two): for each checked TD,
 * usage_of(@user, td) gives where its usage goes (NULL: none), measured as _pamt measures it,
 * with @pamt_bad set when _pamt would fail. Its message is not kept: the caller reports the
 * TD's other invariants first, then calls _pamt for that TD, which fails the same way.
 */
struct tdxsim_sept_usage {
	uint64_t leaf_units; /* 4K units the leaves map */
	uint64_t tables;     /* tables below the root */
	bool pamt_bad;	     /* _unique's walk found an entry _pamt refuses */
};
int tdxsim_td_sept_check_unique(const struct tdxsim *sim, const struct tdxsim_tds *t,
				struct tdxsim_sept_usage *(*usage_of)(void *user, const struct tdxsim_td *td),
				void *user, char *msg, size_t len);
int tdxsim_td_sept_check_pamt(const struct tdxsim *sim, const struct tdxsim_td *td,
			      struct tdxsim_sept_usage *use, char *msg, size_t len);
int tdxsim_td_sept_check_counts(const struct tdxsim_td *td, const struct tdxsim_sept_usage *use,
				uint64_t reg_units, uint64_t ept_pages, char *msg, size_t len);

/* Version 1 of SEPT.REMOVE and PAGE.PROMOTE reports the L2 secure-EPT pages it freed in
 * R9-R11, written before any check; with no L2 VMs (TD partitioning is not modelled) each
 * is NULL_PA (td-runtime.md 2.6, 2.8). */
static inline void tdxsim_sept_no_l2_outputs(tdxsim_regs_t *r)
{
	r->r9 = TDXSIM_NULL_PA;
	r->r10 = TDXSIM_NULL_PA;
	r->r11 = TDXSIM_NULL_PA;
}

#endif
