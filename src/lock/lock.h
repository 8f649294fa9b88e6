/* SPDX-License-Identifier: MIT */
/*
 * The module's try-locks (td-build.md 1.2, td-runtime.md 5.1-5.3), as one small layer.
 *
 * Every resource the module serializes is a shared/exclusive try-lock: an acquisition never
 * waits. Shared fails only against an exclusive holder; exclusive fails against any holder;
 * promotion (a walk that stopped at a 2M/1G PT_REG entry taken shared, wanted exclusive)
 * succeeds only for a sole shared holder. A leaf that fails to acquire returns
 * TDX_OPERAND_BUSY with the operand id of that resource and has changed nothing yet.
 *
 * Where the lock words live (so LPs can later run in parallel, each lock is a C11 atomic):
 *  - a page's PAMT entry lock (explicit pages named in registers, and the "implicit TDR"
 *    found through a PAMT owner): in the page-lock table below, keyed by the page's PA and
 *    PAMT level. A slot is ONE atomic word holding both the key and the holders, so claiming
 *    a free slot and taking the lock is one compare-and-swap, and the last holder's release
 *    frees the slot in the same compare-and-swap (no window where a slot is unlocked but
 *    still claimed, or claimed by one LP and locked by another).
 *  - KOT lock, per-package WBT mutex: next to the data (seamcall/td_state.h);
 *  - TDCS op-state lock, secure-EPT tree lock, TD epoch lock: in struct tdxsim_td (td/td.h);
 *  - secure-EPT entry lock: held in the per-call set like the others (sept/sept.h).
 *
 * Every acquisition goes through tdxsim_lock_acquire() with the resource's public identity
 * (tdxsim_resource_t, key, key2), records itself in the call's held set, and is released by
 * the dispatcher when the leaf returns (one exit path, reverse order). Before trying the real
 * lock word it consults the contention table (tdxsim_contend()): a resource marked "held by
 * another LP" behaves, for its next N acquisition attempts, exactly as if that LP held it in
 * the given mode. That is how tests make a leaf fail at the exact point it would on hardware.
 *
 * Invariants: between SEAMCALLs no lock is held (calls are serialized by the simulator lock
 * today); the held set of a call is released completely before the call returns.
 */
#ifndef TDXSIM_LOCK_H
#define TDXSIM_LOCK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "tdxsim/td.h"

/* Lock word: bit 31 = exclusive holder, bits 30:0 = number of shared holders. */
struct tdxsim_lock {
	_Atomic uint32_t word;
};

#define TDXSIM_LOCK_EX_BIT (UINT32_C(1) << 31)

bool tdxsim_lock_try(struct tdxsim_lock *l, tdxsim_lock_mode_t mode);
void tdxsim_lock_release(struct tdxsim_lock *l, tdxsim_lock_mode_t mode);
/* Sole shared holder to exclusive; false (still shared) if anyone else holds it. */
bool tdxsim_lock_promote(struct tdxsim_lock *l);

/*
 * Page-lock table: enough slots for every page all LPs can hold at once (a leaf holds <= 8).
 * Slot word: bits 51:0 = the key (a PA below 2^52 with the PAMT level in bits 1:0), bit 63 =
 * exclusive holder, bits 62:52 = shared holders; 0 = free (no holder, so no key). PAs are
 * below 2^52 (MAXPA), so distinct keys never share a slot word.
 */
#define TDXSIM_PAGE_LOCK_SLOTS	     256
#define TDXSIM_PAGE_LOCK_KEY_MASK    ((UINT64_C(1) << 52) - 1)
#define TDXSIM_PAGE_LOCK_ONE	     (UINT64_C(1) << 52)
#define TDXSIM_PAGE_LOCK_EX	     (UINT64_C(1) << 63)
#define TDXSIM_PAGE_LOCK_SHARED_MASK (TDXSIM_PAGE_LOCK_EX - TDXSIM_PAGE_LOCK_ONE)
struct tdxsim_page_lock_slot {
	_Atomic uint64_t w;
};

/* One "held by another LP" mark (tdxsim_contend). */
struct tdxsim_contention {
	tdxsim_resource_t res;
	uint64_t key, key2;
	tdxsim_lock_mode_t mode; /* how the other LP holds it */
	uint32_t remaining;	 /* acquisition attempts left that see it held */
};

/* Pins: locks held across SEAMCALLs by an LP in guest mode (a vCPU resident in the guest
 * keeps its TDVPR and TDR PAMT entries shared, td-runtime.md 3.2; seamcall/resident.h). Every
 * acquisition conflicting with a pin fails, as against a real holder; pins are not consumed. */
#define TDXSIM_MAX_PINS 16
struct tdxsim_pin {
	tdxsim_resource_t res;
	uint64_t key, key2;
	tdxsim_lock_mode_t mode;
};

struct tdxsim_locks {
	struct tdxsim_page_lock_slot pages[TDXSIM_PAGE_LOCK_SLOTS];
	/* Contention marks: changed only by tdxsim_contend() and consumed by acquisitions, both
	 * under the simulator lock. */
	unsigned num_contended;
	struct tdxsim_contention contended[16];
	unsigned num_pinned;
	struct tdxsim_pin pinned[TDXSIM_MAX_PINS];
};

/* Held set of one SEAMCALL, released in reverse order by tdxsim_lock_release_all(). */
#define TDXSIM_MAX_HELD 16
struct tdxsim_held {
	unsigned n;
	struct {
		struct tdxsim_lock *lock;	    /* NULL for page locks */
		struct tdxsim_page_lock_slot *slot; /* page locks: freed by their last holder */
		tdxsim_lock_mode_t mode;
	} e[TDXSIM_MAX_HELD];
};

/*
 * Acquires @lock (or, for TDXSIM_RES_PAGE, the page lock of @key = PA, with @lock NULL) in
 * @mode for the call whose held set is @held. Returns false when the resource is busy (really
 * held, or marked by tdxsim_contend()); nothing is then recorded.
 */
bool tdxsim_lock_acquire(struct tdxsim_locks *ls, struct tdxsim_held *held, tdxsim_resource_t res,
			 uint64_t key, uint64_t key2, struct tdxsim_lock *lock, tdxsim_lock_mode_t mode);
/*
 * For a leaf that locks a whole run of entries (PROMOTE's 512 children, td-runtime.md 2.8),
 * more than a held set holds: acquires (@res, @key, @key2) as tdxsim_lock_acquire() does,
 * contention marks included, but records it nowhere; the leaf releases it with
 * tdxsim_lock_release() before it returns. Not for TDXSIM_RES_PAGE.
 */
bool tdxsim_lock_acquire_unheld(struct tdxsim_locks *ls, tdxsim_resource_t res, uint64_t key, uint64_t key2,
				struct tdxsim_lock *lock, tdxsim_lock_mode_t mode);
/* Promotes the most recent acquisition of @lock in @held from shared to exclusive. */
bool tdxsim_lock_promote_held(struct tdxsim_locks *ls, struct tdxsim_held *held, tdxsim_resource_t res,
			      uint64_t key, uint64_t key2, struct tdxsim_lock *lock);
/* The holders of page lock @key (TDXSIM_PAGE_LOCK_EX, or a shared count times
 * TDXSIM_PAGE_LOCK_ONE); 0 when nobody holds it (for invariant checks). */
uint64_t tdxsim_page_lock_peek(struct tdxsim_locks *ls, uint64_t key);
void tdxsim_lock_release_all(struct tdxsim_held *held);

/* Adds a contention mark; TDXSIM_ERR_INVALID_ARG / TDXSIM_ERR_NO_MEMORY (table full). */
tdxsim_err_t tdxsim_locks_contend(struct tdxsim_locks *ls, tdxsim_resource_t res, uint64_t key, uint64_t key2,
				  tdxsim_lock_mode_t mode, uint32_t count);
void tdxsim_locks_clear_contention(struct tdxsim_locks *ls);
/* Adds a pin (false: table full) / removes one pin equal to it (false: none). */
bool tdxsim_locks_pin(struct tdxsim_locks *ls, struct tdxsim_pin pin);
bool tdxsim_locks_unpin(struct tdxsim_locks *ls, struct tdxsim_pin pin);

#endif
