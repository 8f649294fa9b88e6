/* SPDX-License-Identifier: MIT */
/**
 * @file memory.h
 * @brief KeyID-tagged accesses to simulated memory, the memory-integrity model and machine
 * checks (sheet section 10).
 *
 * Host accesses carry the KeyID in the upper physical-address bits exactly as the host computes
 * them: pa | keyid << tdxsim_keyid_shift(sim). Each 64-byte line of a page that was ever
 * private keeps a TD-owner bit and a poison flag (sparse: only such pages cost metadata).
 * Semantics, configurable by tdxsim_config_t.errata (docs/fidelity.md, "Memory integrity"):
 * - a read through a non-private KeyID of a TD-owned line returns zeros (no leak, no poison);
 * - a write through a non-private KeyID clears the TD-owner bit; with
 *   TDXSIM_ERRATUM_PARTIAL_WRITE_POISON, a write of less than a whole line to a TD-owned
 *   line poisons it instead;
 * - a read of a poisoned line, through any KeyID, raises a machine check (handler below);
 * - MOVDIR64B of a whole line clears poison and sets the line's ownership to the writer's KeyID.
 * Thread safety: as tdxsim.h.
 */
#ifndef TDXSIM_MEMORY_H
#define TDXSIM_MEMORY_H

#include "tdxsim/tdxsim.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Reads @p len bytes at keyed physical address @p pa on @p lp. Reads may straddle lines and
 * pages (not RAM ranges). @return TDXSIM_OK, TDXSIM_ERR_INVALID_ARG, TDXSIM_ERR_NOT_RAM,
 * TDXSIM_ERR_MCE (a poisoned line was consumed: the handler ran, @p buf is unspecified)
 */
TDXSIM_API tdxsim_err_t tdxsim_mem_read(tdxsim_t *sim, uint32_t lp, uint64_t pa, void *buf, size_t len);
/** Writes @p len bytes at keyed physical address @p pa on @p lp. @return as tdxsim_mem_read() */
TDXSIM_API tdxsim_err_t tdxsim_mem_write(tdxsim_t *sim, uint32_t lp, uint64_t pa, const void *buf, size_t len);
/** MOVDIR64B: a 64-byte direct store of @p src to the 64-byte aligned keyed address @p pa. */
TDXSIM_API tdxsim_err_t tdxsim_movdir64b(tdxsim_t *sim, uint32_t lp, uint64_t pa, const void *src);
/** CLFLUSH of the line holding @p pa (charges cycles; caches are not modelled otherwise). */
TDXSIM_API tdxsim_err_t tdxsim_clflush(tdxsim_t *sim, uint32_t lp, uint64_t pa);
/** WBINVD on @p lp. */
TDXSIM_API tdxsim_err_t tdxsim_wbinvd(tdxsim_t *sim, uint32_t lp);

/** A machine-check record shaped like an MCA bank's registers. */
typedef struct tdxsim_mce {
	uint64_t status; /**< IA32_MCi_STATUS: VAL|UC|EN|ADDRV|MISCV|PCC and a memory error code */
	uint64_t addr;   /**< IA32_MCi_ADDR: the physical address (KeyID bits stripped) */
	uint64_t misc;   /**< IA32_MCi_MISC: address mode physical, LSB 6 (one line) */
	uint32_t lp;     /**< LP that consumed the poison */
	uint32_t bank;
	uint64_t tsc;    /**< the LP's virtual TSC when it was raised */
} tdxsim_mce_t;

/** Machine-check handler. Called on the thread that made the access, before the access call
 *  returns and after the simulator's lock is released, so it may issue SEAMCALLs (a host's
 *  handler asks TDH.PHYMEM.PAGE.RDMD whether the address is TDX private memory). */
typedef void (*tdxsim_mce_handler_t)(tdxsim_t *sim, const tdxsim_mce_t *mce, void *user);

/** Registers @p handler (NULL to remove). Without a handler a machine check is reported as
 *  TDXSIM_ERR_MCE and recorded; it is never silently ignored. */
TDXSIM_API void tdxsim_set_mce_handler(tdxsim_t *sim, tdxsim_mce_handler_t handler, void *user);

/** Memory-integrity counters. */
typedef struct tdxsim_mem_stats {
	uint64_t lines_poisoned;
	uint64_t machine_checks;
	uint64_t lines_cleared; /**< poisoned lines cleared by MOVDIR64B */
	uint64_t tracked_pages; /**< pages with per-line metadata (ever private) */
} tdxsim_mem_stats_t;

TDXSIM_API void tdxsim_mem_stats(const tdxsim_t *sim, tdxsim_mem_stats_t *out);

#ifdef __cplusplus
}
#endif

#endif
