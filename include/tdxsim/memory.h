/* SPDX-License-Identifier: MIT */
/**
 * @file memory.h
 * @brief KeyID-tagged accesses to simulated memory, the memory-integrity model and machine
 * checks (sheet section 10; docs/memory-integrity.md).
 *
 * Host accesses carry the KeyID in the upper physical-address bits exactly as the host computes
 * them: pa | keyid << tdxsim_keyid_shift(sim). Each 64-byte line of a page that was ever
 * private keeps a TD-owner KeyID and a poison flag (sparse: only such pages cost metadata).
 * Semantics, configurable by tdxsim_config_t.errata (docs/memory-integrity.md has the sources):
 * - a read through a non-private KeyID of a TD-owned line returns zeros (no leak, no poison);
 * - a write through a non-private KeyID clears the TD-owner bit; with
 *   TDXSIM_ERRATUM_PARTIAL_WRITE_POISON, a write of less than a whole line to a TD-owned
 *   line poisons it instead; without it the rest of the line then reads as zeros;
 * - a read of a poisoned line, through any KeyID, raises a machine check (handler below);
 * - a full-line write (MOVDIR64B, or a tdxsim_mem_write() that covers a whole aligned line)
 *   clears poison and sets the line's ownership to the writer's KeyID.
 *
 * What one call models. tdxsim_mem_write() is a write transaction that reaches the memory
 * controller as issued: the size of each line's part is what counts. That is what
 * non-temporal stores, UC/WC mappings and device DMA produce (the erratum's triggers). Caches
 * are not modelled: on hardware an ordinary write-back store of 8 bytes is merged into a
 * full-line write-back and does not poison; to model that, read the line and write it whole.
 *
 * Private KeyIDs. The host cannot use a private KeyID outside SEAM (Linux's tdx.rst: private
 * KeyIDs are "only accessible within the SEAM mode"). tdxsim lets these calls take one anyway,
 * to stand for an access the module or a TD makes on that LP: that is how tests and examples
 * make memory private before TD leaves exist. Such an access must lie inside the CMRs
 * (TDXSIM_ERR_INVALID_ARG otherwise) and needs a module (TDXSIM_ERR_STATE after S3). A read
 * through a private KeyID of a line it does not own poisons the line and raises a machine
 * check (integrity failure, sheet 10 "Poison creation").
 *
 * Thread safety: as tdxsim.h. Accesses to shared memory away from private pages take no lock.
 */
#ifndef TDXSIM_MEMORY_H
#define TDXSIM_MEMORY_H

#include "tdxsim/tdxsim.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Reads @p len bytes at keyed physical address @p pa on @p lp. Reads may straddle lines and
 * pages (not RAM ranges). @return TDXSIM_OK, TDXSIM_ERR_INVALID_ARG (NULL, @p len 0, address
 * bits above MAXPHYADDR), TDXSIM_ERR_NOT_RAM, TDXSIM_ERR_LP_OFFLINE, TDXSIM_ERR_STATE,
 * TDXSIM_ERR_NO_MEMORY, TDXSIM_ERR_MCE (a poisoned line was consumed: the handler, if any,
 * ran before the return; @p buf is unspecified)
 */
TDXSIM_API tdxsim_err_t tdxsim_mem_read(tdxsim_t *sim, uint32_t lp, uint64_t pa, void *buf, size_t len);
/** Writes @p len bytes at keyed physical address @p pa on @p lp. @return as tdxsim_mem_read() */
TDXSIM_API tdxsim_err_t tdxsim_mem_write(tdxsim_t *sim, uint32_t lp, uint64_t pa, const void *buf,
					 size_t len);
/** MOVDIR64B: a 64-byte direct store of @p src to the 64-byte aligned keyed address @p pa.
 *  A misaligned destination raises #GP (TDXSIM_ERR_GP). Charges costs.movdir64b. */
TDXSIM_API tdxsim_err_t tdxsim_movdir64b(tdxsim_t *sim, uint32_t lp, uint64_t pa, const void *src);
/** CLFLUSH of the line holding @p pa (charges cycles; caches are not modelled otherwise). */
TDXSIM_API tdxsim_err_t tdxsim_clflush(tdxsim_t *sim, uint32_t lp, uint64_t pa);
/** WBINVD on @p lp (charges costs.wbinvd; caches are not modelled). */
TDXSIM_API tdxsim_err_t tdxsim_wbinvd(tdxsim_t *sim, uint32_t lp);

/** IA32_MCi_STATUS bits (Intel SDM vol. 3B, "IA32_MCi_STATUS MSRs"). */
#define TDXSIM_MCI_STATUS_VAL	(UINT64_C(1) << 63) /**< register valid */
#define TDXSIM_MCI_STATUS_UC	(UINT64_C(1) << 61) /**< uncorrected */
#define TDXSIM_MCI_STATUS_EN	(UINT64_C(1) << 60) /**< error reporting enabled */
#define TDXSIM_MCI_STATUS_MISCV (UINT64_C(1) << 59) /**< MCi_MISC valid */
#define TDXSIM_MCI_STATUS_ADDRV (UINT64_C(1) << 58) /**< MCi_ADDR valid */
#define TDXSIM_MCI_STATUS_PCC	(UINT64_C(1) << 57) /**< processor context corrupt */
/** MCA error code: compound memory-controller error 0000 0000 1MMM CCCC with MMM = 001
 *  (memory read) and CCCC = 1111 (channel not specified). */
#define TDXSIM_MCACOD_MEM_READ 0x009Fu
/** IA32_MCi_MISC: address mode 2 (physical) in bits 8:6, recoverable address LSB 6 (one line). */
#define TDXSIM_MCI_MISC_PHYS_LINE ((UINT64_C(2) << 6) | 6)

/** A machine-check record shaped like an MCA bank's registers. */
typedef struct tdxsim_mce {
	uint64_t status; /**< IA32_MCi_STATUS: VAL|UC|EN|MISCV|ADDRV|PCC | TDXSIM_MCACOD_MEM_READ */
	uint64_t addr;	 /**< IA32_MCi_ADDR: the poisoned line's physical address (KeyID bits stripped) */
	uint64_t misc;	 /**< IA32_MCi_MISC: TDXSIM_MCI_MISC_PHYS_LINE */
	uint32_t lp;	 /**< LP that consumed the poison */
	uint32_t bank;	 /**< always 0: the bank topology is not modelled */
	uint64_t tsc;	 /**< the LP's virtual TSC when it was raised */
} tdxsim_mce_t;

/** Machine-check handler. Called on the thread that made the access, before the access call
 *  returns and after the simulator's lock is released, so it may issue SEAMCALLs (a host's
 *  handler asks TDH.PHYMEM.PAGE.RDMD whether the address is TDX private memory). */
typedef void (*tdxsim_mce_handler_t)(tdxsim_t *sim, const tdxsim_mce_t *mce, void *user);

/** Registers @p handler (NULL to remove). Without a handler a machine check is reported as
 *  TDXSIM_ERR_MCE, counted in machine_checks_unhandled and recorded (tdxsim_last_mce()); it is
 *  never silently ignored. Every access that raises one returns TDXSIM_ERR_MCE either way. */
TDXSIM_API void tdxsim_set_mce_handler(tdxsim_t *sim, tdxsim_mce_handler_t handler, void *user);

/** The last machine check raised on @p sim. @return false if there was none. */
TDXSIM_API bool tdxsim_last_mce(const tdxsim_t *sim, tdxsim_mce_t *out);

/** Memory-integrity counters (cumulative unless noted). */
typedef struct tdxsim_mem_stats {
	uint64_t lines_poisoned; /**< poisoning events */
	uint64_t machine_checks; /**< machine checks raised (handled or not) */
	uint64_t lines_cleared;	 /**< poisoned lines cleared by a full-line write (or a module release) */
	uint64_t tracked_pages;	 /**< now: pages with per-line metadata */
	uint64_t machine_checks_unhandled; /**< raised with no handler registered */
	uint64_t poisoned_lines_now;	   /**< now: lines poisoned */
	uint64_t private_range_bytes;	   /**< now: bytes TD-owned through range records (PAMTs) */
	uint64_t trap_faults;		   /**< trap-mode faults handled */
} tdxsim_mem_stats_t;

TDXSIM_API void tdxsim_mem_stats(const tdxsim_t *sim, tdxsim_mem_stats_t *out);

/** The state of one line, for tests and diagnostics (hardware gives the host no such view). */
typedef struct tdxsim_line_info {
	uint32_t owner_keyid; /**< 0: TD-owner bit clear; else the private KeyID that owns the line */
	bool poisoned;
	bool tracked; /**< the page has per-line metadata (else a range record or plain memory) */
} tdxsim_line_info_t;

/** Fills @p out for the line holding @p pa (KeyID bits ignored). @return TDXSIM_OK,
 *  TDXSIM_ERR_INVALID_ARG, TDXSIM_ERR_NOT_RAM */
TDXSIM_API tdxsim_err_t tdxsim_mem_line_info(const tdxsim_t *sim, uint64_t pa, tdxsim_line_info_t *out);

/* ------------------------------------------------------------------------------------------ */
/* Trap mode (tdxsim_config_t.trap_mode)                                                       */
/* ------------------------------------------------------------------------------------------ */

/*
 * Host code that writes simulated memory through plain pointers (tdxsim_phys_to_virt())
 * bypasses the model. With trap mode on, pages holding TD-owned lines are mapped read-only and
 * pages holding poisoned lines inaccessible, so such an access faults where it happens. The
 * library installs no signal handler (it keeps no global state): the host's own SIGSEGV
 * handler passes the fault to tdxsim_trap_handle_fault(), and, to re-protect the page right
 * after the access, its SIGTRAP handler to tdxsim_trap_handle_step(). Limits
 * (docs/memory-integrity.md): x86-64 Linux with 4 KiB pages; single-threaded host code; the
 * size of a trapped store is unknown, so it counts as a partial-line write to the line holding
 * the faulting address; without TDXSIM_TRAP_STEP the page stays open until the next memory
 * call on the simulator or tdxsim_trap_rearm(), and accesses in between are not seen.
 */

/** What tdxsim_trap_handle_fault() / _step() found. */
typedef enum tdxsim_trap_result {
	TDXSIM_TRAP_NOT_MINE = 0, /**< not a trap-mode fault of this simulator: chain or crash */
	TDXSIM_TRAP_RETRY = 1,	  /**< handled: return from the signal handler to redo the access */
	TDXSIM_TRAP_MCE = 2,	  /**< a load of a poisoned line: the machine check was raised (the
				       handler ran unless the fault came from inside a library call);
				       returning lets the load read zeros */
} tdxsim_trap_result_t;

/** Flag for tdxsim_trap_handle_fault(): set the trap flag in @p ucontext so that the page is
 *  re-protected right after the access; the host must forward SIGTRAP to tdxsim_trap_handle_step(). */
#define TDXSIM_TRAP_STEP (1u << 0)

/**
 * Handles a SIGSEGV at @p addr (siginfo's si_addr) raised by an access of host code running as
 * @p lp. @p ucontext (the handler's third argument, may be NULL) tells a load from a store;
 * without it a fault on a read-only page is a store and on an inaccessible page a load.
 * Call it from a SIGSEGV handler installed with SA_SIGINFO.
 */
TDXSIM_API tdxsim_trap_result_t tdxsim_trap_handle_fault(tdxsim_t *sim, uint32_t lp, const void *addr,
							 void *ucontext, unsigned flags);
/** Handles the SIGTRAP that follows a fault handled with TDXSIM_TRAP_STEP: re-protects the
 *  page and clears the trap flag. @return TDXSIM_TRAP_RETRY, or TDXSIM_TRAP_NOT_MINE */
TDXSIM_API tdxsim_trap_result_t tdxsim_trap_handle_step(tdxsim_t *sim, void *ucontext);
/** Re-protects every page a fault left open. */
TDXSIM_API void tdxsim_trap_rearm(tdxsim_t *sim);

#ifdef __cplusplus
}
#endif

#endif
