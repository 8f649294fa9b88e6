/* SPDX-License-Identifier: MIT */
/**
 * @file platform.h
 * @brief Platform events: sleep states, memory hot-add/remove, LP offline/online.
 * Host kernels carry code for each of these (refusing S3, refusing hot-add of memory TDX cannot
 * cover, keeping a package's last LP online) that can only be exercised on real hardware
 * without a simulator. Semantics and their sources: docs/fidelity.md ("Platform events").
 * Thread safety: as tdxsim.h (serialized with SEAMCALLs on the same simulator).
 */
#ifndef TDXSIM_PLATFORM_H
#define TDXSIM_PLATFORM_H

#include "tdxsim/tdxsim.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Enters ACPI S3 (or deeper). TDX is lost for good, as on hardware: the module and its keys are
 * gone, every later SEAMCALL answers TDXSIM_TDX_SEAMCALL_VMFAILINVALID (P-SEAMLDR calls too),
 * and tdxsim_sleep_resume() does not bring TDX back. Every LP leaves VMX operation and stays
 * offline until the resume. Per-line memory-integrity state is kept (memory.h).
 * @return TDXSIM_OK, TDXSIM_ERR_INVALID_ARG, TDXSIM_ERR_STATE (already asleep),
 *         TDXSIM_ERR_NO_MEMORY
 */
TDXSIM_API tdxsim_err_t tdxsim_sleep_enter(tdxsim_t *sim);
/** Resumes from S3: the LPs that were online run again (VMX off); the module stays gone.
 *  @return TDXSIM_OK, TDXSIM_ERR_INVALID_ARG, TDXSIM_ERR_STATE (not asleep) */
TDXSIM_API tdxsim_err_t tdxsim_sleep_resume(tdxsim_t *sim);

/**
 * Hot-adds RAM. The range appears in the RAM map (tdxsim_ram_ranges) but in no CMR, so it can
 * never be part of a TDMR. @return TDXSIM_OK, TDXSIM_ERR_INVALID_ARG (misaligned, overlaps
 * existing RAM or SEAMRR, beyond the address width, no such node, too many ranges),
 * TDXSIM_ERR_STATE (asleep), TDXSIM_ERR_NO_MEMORY
 */
TDXSIM_API tdxsim_err_t tdxsim_mem_hot_add(tdxsim_t *sim, const tdxsim_range_t *range);

/**
 * Hot-removes RAM: [base, base + size) must be one whole RAM range (TDXSIM_ERR_INVALID_ARG
 * otherwise). Removing memory that lies in a CMR while the module is initialized or being
 * initialized (any state from SYSINIT_DONE to SYS_SHUTDOWN) is the platform fault it is on
 * hardware: TDXSIM_ERR_PLATFORM_FAULT, nothing removed. Hot-added (non-CMR) RAM can be removed;
 * its contents are discarded. Accesses to the range must not race with the removal.
 */
TDXSIM_API tdxsim_err_t tdxsim_mem_hot_remove(tdxsim_t *sim, uint64_t base, uint64_t size);

/**
 * Whether [base, base + size) is TDX-usable memory: entirely inside the CMRs the module was
 * given at boot (the question a host's memory-online notifier asks).
 */
TDXSIM_API bool tdxsim_range_in_cmrs(const tdxsim_t *sim, uint64_t base, uint64_t size);

/**
 * Takes @p lp offline (logical offline, as CPU hotplug does): it cannot execute anything
 * until tdxsim_lp_online(). The module stays usable and keeps counting the LP as initialized,
 * so coming back online needs no new TDH.SYS.LP.INIT (sheet 7.2, 14.1). The LP leaves VMX
 * operation. Any LP may go offline (keeping a package's last LP online is host policy).
 * @return TDXSIM_OK (also if already offline), TDXSIM_ERR_INVALID_ARG, TDXSIM_ERR_STATE (asleep)
 */
TDXSIM_API tdxsim_err_t tdxsim_lp_offline(tdxsim_t *sim, uint32_t lp);
/** Brings @p lp back online (VMX off, as after a fresh CPU bring-up; no change if it is online).
 *  @return TDXSIM_OK, TDXSIM_ERR_INVALID_ARG, TDXSIM_ERR_STATE (asleep) */
TDXSIM_API tdxsim_err_t tdxsim_lp_online(tdxsim_t *sim, uint32_t lp);
/** Whether @p lp is online. */
TDXSIM_API bool tdxsim_lp_is_online(const tdxsim_t *sim, uint32_t lp);

#ifdef __cplusplus
}
#endif

#endif
