/* SPDX-License-Identifier: MIT */
/*
 * The check sequences every TD leaf shares (td-build.md 1.3), written once so each leaf
 * handler reads like the module: P4K (an explicit 4K page named in a register), the implicit
 * TDR (found through a PAMT owner), TDSTATE (fatal / keys / TDCS / op-state lock / op state),
 * lock acquisition with the right busy status, and the page bookkeeping of a TD's child pages.
 *
 * Every function that can fail returns the leaf's status (0 on success) so a handler writes
 *     if ((st = tdxsim_p4k(c, r->rcx, TDXSIM_OPERAND_RCX, TDXSIM_PT_NDA, TDXSIM_LOCK_EXCLUSIVE, NULL)))
 *             return st;
 * Locks taken here land in the call's held set and are released by the dispatcher when the
 * handler returns (one exit path, reverse order: lock/lock.h).
 */
#ifndef TDXSIM_SEAMCALL_TD_COMMON_H
#define TDXSIM_SEAMCALL_TD_COMMON_H

#include "seamcall/seamcall.h"
#include "td/td.h"

/* Op-state sets for TDSTATE (td-build.md 1.3, auto_gen/op_state_lookup.c). */
#define TDXSIM_OPS(s)  (UINT32_C(1) << (s))
#define TDXSIM_OPS_ALL UINT32_C(0x7FF)

/*
 * Acquires resource (@res, @key, @key2) in @mode for call @c; @lock is the lock word (NULL for
 * TDXSIM_RES_PAGE). Returns 0 or TDX_OPERAND_BUSY | @opid.
 */
uint64_t tdxsim_td_lock(struct tdxsim_call *c, tdxsim_resource_t res, uint64_t key, uint64_t key2,
			struct tdxsim_lock *lock, tdxsim_lock_mode_t mode, uint64_t opid);

/*
 * P4K(op, expected type, mode) (td-build.md 1.3): alignment / KeyID / 2^52, TDMR coverage,
 * PAMT walk with its locks (parents shared, leaf in @mode, promotion of a 2M/1G PT_REG leaf),
 * leaf at 4K, type. @opid is the register's operand id. *leaf (may be NULL) gets the entry.
 */
uint64_t tdxsim_p4k(struct tdxsim_call *c, uint64_t pa, uint64_t opid, uint8_t expected_type,
		    tdxsim_lock_mode_t mode, struct tdxsim_pamt_leaf *leaf);

/*
 * Rows 1-3 of P4K without the type checks (PAGE.RECLAIM, PAGE.WBINVD): address checks, TDMR
 * coverage, the PAMT walk with its locks, the leaf entry (4K, or 2M/1G PT_REG) locked in @mode
 * (promoted when exclusive). *leaf gets the entry the walk ended at.
 */
uint64_t tdxsim_pamt_lock_walk(struct tdxsim_call *c, uint64_t pa, uint64_t opid, tdxsim_lock_mode_t mode,
			       struct tdxsim_pamt_leaf *leaf);

/* P4K of a TDR (type PT_TDR) that also finds its struct; *td is never NULL on success. */
uint64_t tdxsim_p4k_tdr(struct tdxsim_call *c, uint64_t pa, uint64_t opid, tdxsim_lock_mode_t mode,
			struct tdxsim_td **td);
/* P4K of a TDVPR (type PT_TDVPR) that also finds its struct. */
uint64_t tdxsim_p4k_tdvpr(struct tdxsim_call *c, uint64_t pa, uint64_t opid, tdxsim_lock_mode_t mode,
			  struct tdxsim_vcpu **v);

/* ImplicitTDR(mode): locks the TDR page's 4K PAMT entry; busy => OPERAND_BUSY|TDR. */
uint64_t tdxsim_implicit_tdr(struct tdxsim_call *c, struct tdxsim_td *td, tdxsim_lock_mode_t mode);

/*
 * TDSTATE (td-build.md 1.3): FATAL, LIFECYCLE == KEYS_CONFIGURED, NUM_TDCX >= 6, then (if
 * @lock_mode is not 0) the op-state lock, then OP_STATE in @allowed (TDXSIM_OPS() bits).
 */
uint64_t tdxsim_td_state(struct tdxsim_call *c, struct tdxsim_td *td, uint32_t allowed, int lock_mode);

/*
 * The module fills a page with 64-byte direct stores through @keyid (MOVDIR64B): every line
 * becomes private to @keyid and reads back as @pattern repeated (a 64-bit value; 0 for the
 * common zero fill). Done where the module does it, which can be before a later check fails
 * (MNG.CREATE, MNG.ADDCX). Returns 0 or TDXSIM_STATUS_NO_MEMORY.
 */
uint64_t tdxsim_td_fill_page(struct tdxsim_call *c, uint64_t pa, uint32_t keyid, uint64_t pattern);

/*
 * A page joins a TD (the effects half of a leaf, after every check passed): the PAMT entry
 * becomes @type owned by the TDR (owner 0 for the TDR itself). CHLDCNT counts every page but
 * the TDR, 512^level per page. Returns 0 or TDXSIM_STATUS_NO_MEMORY (nothing changed).
 */
uint64_t tdxsim_td_take_page(struct tdxsim_call *c, struct tdxsim_td *td, uint64_t pa, unsigned level,
			     uint8_t type);
/* A page leaves its TD (RECLAIM, REMOVE): PAMT back to PT_NDA (owner stale), CHLDCNT -= 512^level
 * unless it is the TDR. Memory contents are untouched (the host must clear them). */
void tdxsim_td_drop_page(struct tdxsim_call *c, struct tdxsim_td *td, uint64_t pa, unsigned level);

/*
 * Whether the module can read [@pa, @pa + @len) through @keyid: every line owned by @keyid and
 * not poisoned. Otherwise the read would consume poison in SEAM mode, a machine check tdxsim
 * does not emulate: leaves check this first and answer TDXSIM_STATUS_NOT_EMULATED with nothing
 * changed (docs/fidelity.md). No side effect.
 */
bool tdxsim_td_lines_readable(struct tdxsim_call *c, uint64_t pa, uint64_t len, uint32_t keyid);

/* The TD invariants, for tdxsim_check_invariants: seamcall/td_check.h. */

#endif
