/* SPDX-License-Identifier: MIT */
/**
 * @file tdxsim/snapshot.h
 * Snapshot and restore of a whole simulator, for fuzzers and tests that start many runs from
 * one prepared state (a platform brought up to SYS_READY, say) instead of creating and
 * bringing up a simulator per run. Modelled on the state blobs of software TPMs and the reset
 * of TF-RMM's fake host.
 *
 * A snapshot holds everything a SEAMCALL, a platform event or a memory access can change:
 * the module instance and its state machine, every LP (online, VMX, virtual TSC), the KOT,
 * the PAMT store, the memory-integrity model (line ownership, poison, machine-check record and
 * counters), the P-SEAMLDR, every TD and vCPU (secure EPT, measurements) with the KeyIDs'
 * write-back state, contention marks and the module's entropy source, pending fault injections,
 * the RAM ranges (hot-added or removed since) and the allocator, and the simulated RAM's
 * contents. It does not hold what the host configured on the handle: the call observer, the
 * machine-check handler and the last error message stay as they are.
 *
 * After tdxsim_snapshot_restore(), tdxsim_state_hash() equals its value when the snapshot was
 * taken, RAM reads what it read then, and every later call answers as it would have then.
 *
 * Cost: taking one reads every resident page of simulated RAM once (after a restore, of the
 * chunks described below only) and copies those that are not all zero; restoring copies the small state back
 * (the PAMT, the TD registry and the integrity model in place, reusing their allocations) and, in the
 * 4 KiB pages of RAM whose bytes may differ (the library handed out a pointer there since the last
 * restore, the host ever got one from tdxsim_phys_to_virt(), or, when the last restore put back another
 * snapshot, either snapshot saved the page; the first restore of a range goes over all of it, and a 2 MiB
 * chunk some pointer covered whole is gone over whole), writes the saved bytes again and zeroes the other
 * pages in place (long runs of them, and whole chunks, are dropped: MADV_DONTNEED): microseconds for a
 * brought-up test platform, whatever its RAM size. Pages zeroed in place stay resident, a bounded number
 * per range. Writes through a
 * tdxsim_phys_to_virt() pointer beyond the @p len bytes asked for are outside that pointer's contract and may
 * survive a restore.
 *
 * Limit (TDXSIM_ERR_STATE): trap mode (page protections are not saved).
 *
 * Thread safety: take and restore hold the simulator lock, but restore replaces structures
 * that memory accesses reach without it: no other thread may use the simulator during a
 * restore (as for tdxsim_destroy()).
 */
#ifndef TDXSIM_SNAPSHOT_H
#define TDXSIM_SNAPSHOT_H

#include "tdxsim/tdxsim.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Saved state of one simulator; opaque, owned by the caller until tdxsim_snapshot_free(). */
typedef struct tdxsim_snapshot tdxsim_snapshot_t;

/**
 * Saves the whole state of @p sim into a new snapshot.
 * @return TDXSIM_OK and *@p out; TDXSIM_ERR_INVALID_ARG; TDXSIM_ERR_NO_MEMORY; TDXSIM_ERR_STATE
 *         (trap mode)
 */
TDXSIM_API tdxsim_err_t tdxsim_snapshot_take(tdxsim_t *sim, tdxsim_snapshot_t **out);

/**
 * Puts @p sim back into the state saved in @p snap, which must have been taken from @p sim.
 * The snapshot stays valid: restore it as often as needed.
 * @return TDXSIM_OK; TDXSIM_ERR_INVALID_ARG (NULL, or a snapshot of another simulator);
 *         TDXSIM_ERR_NO_MEMORY (then nothing changed)
 */
TDXSIM_API tdxsim_err_t tdxsim_snapshot_restore(tdxsim_t *sim, const tdxsim_snapshot_t *snap);

/**
 * Declares that the host writes through no pointer tdxsim_phys_to_virt() has returned so far,
 * from now on: a fuzzer whose pointers live only within one input calls it before each restore.
 * The pages those pointers covered are still restored by the next restore (the host may have
 * written through them until now), and after that by none unless a pointer goes out there again.
 * Without it, every restore goes over every page the host ever got a pointer into, which, as
 * inputs allocate at different addresses, grows to most of the pages a fuzzer writes. No other
 * thread may use the simulator during the call (as for tdxsim_snapshot_restore()).
 * @return TDXSIM_OK; TDXSIM_ERR_INVALID_ARG (NULL)
 */
TDXSIM_API tdxsim_err_t tdxsim_snapshot_forget_pointers(tdxsim_t *sim);

/** Frees @p snap (NULL is fine). Snapshots outlive nothing: free them before their simulator. */
TDXSIM_API void tdxsim_snapshot_free(tdxsim_snapshot_t *snap);

#ifdef __cplusplus
}
#endif

#endif
