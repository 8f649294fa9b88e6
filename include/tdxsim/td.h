/* SPDX-License-Identifier: MIT */
/**
 * @file td.h
 * @brief Trust domains: what host code and tests can see of TDs besides SEAMCALLs, and
 * deterministic contention on the module's locks.
 *
 * TDs are built and torn down with the real SEAMCALL leaves (TDH.MNG.*, TDH.VP.*, TDH.MEM.*,
 * TDH.MR.*, TDH.PHYMEM.*); docs/abi-coverage.md lists what each emulates. This header adds
 * what a test needs on top: a read-only view of a TD's state (tdxsim_td_query()) and a way to
 * make any of the module's try-locks busy, as if another LP held it (tdxsim_contend()).
 * Thread safety: as tdxsim.h.
 */
#ifndef TDXSIM_TD_H
#define TDXSIM_TD_H

#include "tdxsim/tdxsim.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Lock modes of the module's try-locks (td-build.md 1.2). */
typedef enum {
	TDXSIM_LOCK_SHARED = 1,
	TDXSIM_LOCK_EXCLUSIVE = 2,
} tdxsim_lock_mode_t;

/**
 * The module's lockable resources (td-build.md 1.2, td-runtime.md 5.2) and how each is named
 * by (key, key2). The status a leaf returns when one is busy is in brackets.
 */
typedef enum {
	/** A PAMT entry lock: key = page PA (aligned to its level, KeyID 0) | level (0 4K,
	 *  1 2M, 2 1G: the walk takes the 1G and 2M entries shared, then the leaf), key2 = 0. Explicit
	 *  pages answer OPERAND_BUSY|<their register>; a TDR found through a PAMT owner
	 *  (the "implicit TDR") answers OPERAND_BUSY|TDR. */
	TDXSIM_RES_PAGE = 1,
	/** The Key Ownership Table lock (key = key2 = 0) [OPERAND_BUSY|KOT]. */
	TDXSIM_RES_KOT = 2,
	/** A TD's TDCS op-state lock: key = TDR PA [OPERAND_BUSY|OP_STATE]. */
	TDXSIM_RES_OP_STATE = 3,
	/** A TD's secure-EPT tree lock: key = TDR PA [OPERAND_BUSY|SEPT_TREE]. */
	TDXSIM_RES_SEPT_TREE = 4,
	/** One secure-EPT entry: key = TDR PA, key2 = GPA | level (as in RCX of the TDH.MEM
	 *  leaves) [OPERAND_BUSY|RCX with the entry details]. */
	TDXSIM_RES_SEPT_ENTRY = 5,
	/** A package's cache write-back state: key = package index [OPERAND_BUSY|WBCACHE]. */
	TDXSIM_RES_WBCACHE = 6,
	/** The MKTME key table of a package, as PCONFIG sees it: key = package index
	 *  [OPERAND_BUSY|KET]. */
	TDXSIM_RES_KET = 7,
	/** A TD's epoch lock (TDH.MEM.TRACK): key = TDR PA [OPERAND_BUSY|TD_EPOCH]. */
	TDXSIM_RES_TD_EPOCH = 8,
} tdxsim_resource_t;

/**
 * Marks resource (@p res, @p key, @p key2) as held by another LP in @p mode for the next
 * @p count acquisition attempts of it by any SEAMCALL. An attempt that conflicts with @p mode
 * (any exclusive attempt; a shared attempt when @p mode is exclusive) fails exactly as a real
 * try-lock would: the leaf returns TDX_OPERAND_BUSY with that resource's operand id at the
 * point where the module acquires it, having changed nothing the module would not have
 * changed by then. Non-conflicting attempts succeed and still count. Marks do not survive
 * tdxsim_clear_contention().
 * @return TDXSIM_OK, TDXSIM_ERR_INVALID_ARG, TDXSIM_ERR_NO_MEMORY (more than 16 marks pending)
 */
TDXSIM_API tdxsim_err_t tdxsim_contend(tdxsim_t *sim, tdxsim_resource_t res, uint64_t key, uint64_t key2,
				       tdxsim_lock_mode_t mode, uint32_t count);
/** Drops every pending contention mark. */
TDXSIM_API void tdxsim_clear_contention(tdxsim_t *sim);

/**
 * Makes the next @p count RDRAND/RDSEED draws of the module fail, so the leaves that draw
 * (TDH.MNG.CREATE's TD_UUID, TDH.MNG.ADDCX's migration key) answer TDX_RND_NO_ENTROPY at the
 * point the module does. 0 clears it.
 * @return TDXSIM_OK, TDXSIM_ERR_INVALID_ARG
 */
TDXSIM_API tdxsim_err_t tdxsim_fail_entropy(tdxsim_t *sim, uint32_t count);

/**
 * Makes the next @p count interruption checks of interruptible leaves on LP @p lp (the
 * module's "is a host interrupt pending" test between units of work, e.g. between the cache
 * sub-blocks of TDH.PHYMEM.CACHE.WB) find a pending host interrupt, so the leaf stops with
 * TDX_INTERRUPTED_RESUMABLE and its progress saved, as it would on hardware. 0 clears it.
 * @return TDXSIM_OK, TDXSIM_ERR_INVALID_ARG
 */
TDXSIM_API tdxsim_err_t tdxsim_pend_host_interrupts(tdxsim_t *sim, uint32_t lp, uint32_t count);

/**
 * Puts the vCPU whose TDVPR page is at @p tdvpr_pa into guest mode on the LP it is associated
 * with, as if TDH.VP.ENTER had just entered it there in the TD's current TLB epoch, and keeps it
 * inside the guest across host calls: for the next @p calls SEAMCALLs the simulator executes
 * (on any other LP, whatever their outcome), or until tdxsim_vcpu_leave_guest() when @p calls
 * is 0. Its guest program does not run meanwhile. While it is in, the module sees what it
 * would on hardware (module 1.5.05 tdh_vp_enter.c / td_exit.c; docs/fidelity.md):
 *  - the epoch's REFCOUNT is raised (TDH.MNG.RD shows it): TDH.MEM.TRACK answers
 *    TDX_PREVIOUS_TLB_EPOCH_BUSY once the epoch it entered in is the previous one, and pages
 *    blocked in that epoch are not tracked (PAGE.REMOVE, RANGE.UNBLOCK, SEPT.REMOVE,
 *    PAGE.RELOCATE, PAGE.DEMOTE, PAGE.PROMOTE: TDX_TLB_TRACKING_NOT_DONE) until it exits;
 *  - its TDVPR and its TD's TDR PAMT entries are held shared: a leaf taking either exclusive
 *    (TDH.VP.FLUSH, reclaiming the pages...) answers TDX_OPERAND_BUSY with that operand;
 *  - it is VCPU_ACTIVE (the module sets that state just before the entry): TDH.VP.ENTER/RD/WR
 *    from another LP answer TDX_VCPU_STATE_INCORRECT (the state is checked before the
 *    association); its own LP is in guest mode and refuses SEAMCALLs
 *    (TDXSIM_STATUS_API_MISUSE, error TDXSIM_ERR_STATE). After the exit it is READY again and
 *    still associated with its LP (TDX_VCPU_ASSOCIATED from another LP).
 * Exiting lowers the REFCOUNT and drops the two locks, as an external-interrupt TD exit
 * (LAST_TD_EXIT asynchronous); the vCPU stays associated and its registers are not reported.
 * @return TDXSIM_OK, TDXSIM_ERR_INVALID_ARG (no vCPU there), TDXSIM_ERR_STATE (VP.ENTER could
 *         not enter it now: TD not RUNNABLE or fatal, vCPU not READY or not associated, its
 *         LP offline or already in guest mode, or the vCPU already in the guest)
 */
TDXSIM_API tdxsim_err_t tdxsim_vcpu_stay_in_guest(tdxsim_t *sim, uint64_t tdvpr_pa, uint32_t calls);
/**
 * Makes the vCPU at @p tdvpr_pa exit the guest now (see tdxsim_vcpu_stay_in_guest()).
 * @return TDXSIM_OK, TDXSIM_ERR_INVALID_ARG (no vCPU there), TDXSIM_ERR_STATE (not in the guest)
 */
TDXSIM_API tdxsim_err_t tdxsim_vcpu_leave_guest(tdxsim_t *sim, uint64_t tdvpr_pa);

/** What tdxsim_td_query() reports of one TD (the module's TDR and TDCS fields). */
typedef struct {
	uint32_t size; /**< set by the caller to sizeof(tdxsim_td_info_t) */
	uint16_t hkid;
	uint32_t lifecycle; /**< TDR.LIFECYCLE_STATE: 0 HKID_ASSIGNED, 1 KEYS_CONFIGURED, 2 BLOCKED, 3
			       TEARDOWN */
	uint32_t op_state;  /**< TDCS.OP_STATE (0 UNINITIALIZED, 1 INITIALIZED, 2 RUNNABLE...) */
	bool fatal;
	uint32_t num_tdcx;
	uint64_t chldcnt; /**< pages the TD owns (4K units), the TDR excluded */
	uint64_t pkg_config_bitmap;
	uint32_t num_vcpus, num_assoc_vcpus;
	uint64_t td_epoch;
	uint8_t mrtd[48]; /**< final after TDH.MR.FINALIZE; zero before */
} tdxsim_td_info_t;

/**
 * Reads the state of the TD whose TDR page is at @p tdr_pa (KeyID bits 0).
 * @return TDXSIM_OK, TDXSIM_ERR_INVALID_ARG (NULL, size too small), TDXSIM_ERR_STATE (no TD
 *         has its TDR there)
 */
TDXSIM_API tdxsim_err_t tdxsim_td_query(const tdxsim_t *sim, uint64_t tdr_pa, tdxsim_td_info_t *out);

/**
 * The Key Ownership Table entry of KeyID @p keyid: 0 HKID_FREE, 1 HKID_ASSIGNED, 2 HKID_FLUSHED,
 * 3 HKID_RESERVED (the global KeyID); -1 if @p keyid is not a TDX private KeyID or @p sim is NULL.
 */
TDXSIM_API int tdxsim_kot_state(const tdxsim_t *sim, uint32_t keyid);

/** Number of TDs whose TDR page is still PT_TDR (live or being torn down). */
TDXSIM_API uint32_t tdxsim_td_count(const tdxsim_t *sim);

#ifdef __cplusplus
}
#endif

#endif /* TDXSIM_TD_H */
