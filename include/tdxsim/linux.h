/* SPDX-License-Identifier: MIT */
/**
 * @file linux.h
 * @brief Opt-in compatibility layer for host code ported from Linux: `struct tdx_module_args`,
 * `__seamcall()`, `__seamcall_ret()` and `__seamcall_saved_ret()` on "the current CPU", and
 * Linux's unprefixed leaf and status names (docs/linux-compat.md).
 *
 * Unlike every other tdxsim header, this one defines names without the tdxsim_/TDXSIM_
 * prefix, the ones Linux uses, so that code written for the kernel compiles unchanged. Include
 * it only in the code that wants them. The library itself exports only tdxsim_-prefixed symbols:
 * the `__seamcall*` entry points below are static inline wrappers.
 *
 * The current CPU. Kernel code never names the CPU a SEAMCALL runs on; it runs on the CPU it
 * was scheduled on. Here every thread has its own "current simulator and LP", set once with
 * tdxsim_linux_set_cpu(): run one thread per LP (as a kernel's per-CPU work does) and the same
 * code issues each SEAMCALL on its own LP. The thread-local lives in this compatibility layer
 * (src/linux/); the simulator core keeps no global state.
 *
 * Names. Every leaf of include/tdxsim/defs/leaves.def is defined under its spec name (what
 * Linux calls it: `TDH_SYS_INIT` = 33), every TDX_ status of statuses.def likewise
 * (`TDX_OPERAND_BUSY`, `TDX_RND_NO_ENTROPY`, the software codes `TDX_SEAMCALL_VMFAILINVALID`,
 * `TDX_SEAMCALL_GP`, `TDX_SEAMCALL_UD`), and every operand id as `TDX_OPERAND_ID_<name>`
 * (`TDX_OPERAND_ID_RCX`). These are generated (tdxsim/linux_names.h) and carry the module's
 * values, which tdxsim returns; docs/linux-compat.md lists the two statuses whose value in
 * Linux's own header differs from the module's. This header adds the status classes, the leaf
 * version shift and the P-SEAMLDR leaves (`P_SEAMLDR_INFO`, `P_SEAMLDR_INSTALL`). A name the
 * including code already defined is left alone.
 */
#ifndef TDXSIM_LINUX_H
#define TDXSIM_LINUX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tdxsim/tdxsim.h"
#include "tdxsim/linux_names.h"
#include "tdxsim/seamldr.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------ */
/* Status classes and leaf encoding Linux defines beside the codes (sheet sections 1.1, 1.5)   */
/* ------------------------------------------------------------------------------------------ */

#ifndef TDX_ERROR
/** Bit 63 of a status: the call failed. */
#define TDX_ERROR (UINT64_C(1) << 63)
#endif
#ifndef TDX_NON_RECOVERABLE
/** Bit 62 of a status: the failure is not recoverable. */
#define TDX_NON_RECOVERABLE (UINT64_C(1) << 62)
#endif
#ifndef TDX_SW_ERROR
/** TDX_ERROR with class 0xFF in bits 47:40: a code software synthesizes, never the module. */
#define TDX_SW_ERROR (TDX_ERROR | UINT64_C(0x0000FF0000000000))
#endif
#ifndef TDX_SEAMCALL_STATUS_MASK
/** The class and code bits of a status, without the operand id or details in bits 31:0. */
#define TDX_SEAMCALL_STATUS_MASK UINT64_C(0xFFFFFFFF00000000)
#endif
#ifndef P_SEAMLDR_INFO
/** P-SEAMLDR.INFO, as Linux's arch/x86/virt/vmx/tdx/seamldr.c names it (sheet 2.4). */
#define P_SEAMLDR_INFO TDXSIM_SEAMLDR_INFO
#endif
#ifndef P_SEAMLDR_INSTALL
/** P-SEAMLDR.INSTALL, as Linux names it (sheet 2.4). */
#define P_SEAMLDR_INSTALL TDXSIM_SEAMLDR_INSTALL
#endif
#ifndef TDX_VERSION_SHIFT
/** Position of the leaf version in RAX (bits 23:16); the leaf number is bits 15:0. */
#define TDX_VERSION_SHIFT 16
#endif

/* ------------------------------------------------------------------------------------------ */
/* The current CPU                                                                            */
/* ------------------------------------------------------------------------------------------ */

/**
 * Makes @p lp of @p sim the calling thread's current CPU: every later `__seamcall*()` of this
 * thread runs there. Only the calling thread is affected. @p sim = NULL clears it. Nothing is
 * checked here: an LP index out of range or an offline LP makes the SEAMCALLs return
 * TDXSIM_STATUS_API_MISUSE, as tdxsim_seamcall() does. The caller must clear or replace the
 * setting before it destroys @p sim.
 */
TDXSIM_API void tdxsim_linux_set_cpu(tdxsim_t *sim, uint32_t lp);

/**
 * The calling thread's current CPU, as set by tdxsim_linux_set_cpu().
 * @param sim  receives the simulator (NULL if none is set); may be NULL
 * @param lp   receives the LP index; may be NULL
 * @return whether a current CPU is set
 */
TDXSIM_API bool tdxsim_linux_get_cpu(tdxsim_t **sim, uint32_t *lp);

/* ------------------------------------------------------------------------------------------ */
/* SEAMCALL entry points                                                                      */
/* ------------------------------------------------------------------------------------------ */

/**
 * `__seamcall()` on the current CPU: RAX = @p fn; RCX, RDX, R8-R11 from the block @p args;
 * RDI = @p fn and RSI = @p args as Linux's entry leaves them; RBX and R12-R15 hold whatever
 * the caller had (zero here). Nothing is written back to @p args.
 * @param args  13 u64 laid out as struct tdx_module_args (= tdxsim_regs_t); not NULL
 * @return the status: the module's, or TDX_SEAMCALL_UD (the LP is not in VMX operation),
 *         TDX_SEAMCALL_VMFAILINVALID (no module loaded), TDXSIM_STATUS_API_MISUSE (no current
 *         CPU, a bad LP, NULL @p args)
 */
TDXSIM_API uint64_t tdxsim_linux_seamcall(uint64_t fn, void *args);

/**
 * `__seamcall_ret()`: inputs as tdxsim_linux_seamcall(); afterwards RCX, RDX and R8-R11 are
 * copied back to @p args, whatever the status, unless the SEAMCALL instruction itself failed
 * (a class-0xFF software status: VMfailInvalid, #GP, #UD, or a library misuse), in which case
 * nothing is. R12-R15, RBX, RDI and RSI of @p args are never touched.
 */
TDXSIM_API uint64_t tdxsim_linux_seamcall_ret(uint64_t fn, void *args);

/**
 * `__seamcall_saved_ret()`: every GPR of the block goes in (RCX, RDX, R8-R15, RBX, RDI, RSI)
 * and, unless the instruction itself failed (as tdxsim_linux_seamcall_ret()), every one of
 * them comes back to @p args. Linux uses it for TDH.VP.ENTER.
 */
TDXSIM_API uint64_t tdxsim_linux_seamcall_saved_ret(uint64_t fn, void *args);

/* ------------------------------------------------------------------------------------------ */
/* Linux's names                                                                              */
/* ------------------------------------------------------------------------------------------ */

#ifndef TDXSIM_LINUX_OWN_TDX_MODULE_ARGS
/**
 * The register block of Linux's `__seamcall*()` (sheet section 1.4): member names and order
 * as Linux's arch/x86/include/asm/shared/tdx.h, the same layout as tdxsim_regs_t. Define
 * TDXSIM_LINUX_OWN_TDX_MODULE_ARGS before including this header to use a definition of your
 * own (its layout is checked below).
 */
struct tdx_module_args {
	/* callee-clobbered */
	uint64_t rcx; /**< RCX */
	uint64_t rdx; /**< RDX */
	uint64_t r8;  /**< R8 */
	uint64_t r9;  /**< R9 */
	/* extra callee-clobbered */
	uint64_t r10; /**< R10 */
	uint64_t r11; /**< R11 */
	/* callee-saved, then RDI and RSI */
	uint64_t r12; /**< R12 (only __seamcall_saved_ret() passes it) */
	uint64_t r13; /**< R13 (idem) */
	uint64_t r14; /**< R14 (idem) */
	uint64_t r15; /**< R15 (idem) */
	uint64_t rbx; /**< RBX (idem) */
	uint64_t rdi; /**< RDI (idem) */
	uint64_t rsi; /**< RSI (idem) */
};
#endif

/** A compile-time check in C11 or C++ (for the layout checks below). */
#ifdef __cplusplus
#define TDXSIM_LINUX_ASSERT(c, m) static_assert(c, m)
#else
#define TDXSIM_LINUX_ASSERT(c, m) _Static_assert(c, m)
#endif
/** Checks that member @p m sits where tdxsim_regs_t has it. */
#define TDXSIM_LINUX_SAME_OFFSET(m)                                                            \
	TDXSIM_LINUX_ASSERT(offsetof(struct tdx_module_args, m) == offsetof(tdxsim_regs_t, m), \
			    "struct tdx_module_args." #m " is not where tdxsim_regs_t has it")
TDXSIM_LINUX_ASSERT(sizeof(struct tdx_module_args) == sizeof(tdxsim_regs_t),
		    "struct tdx_module_args must be 13 u64");
TDXSIM_LINUX_SAME_OFFSET(rcx);
TDXSIM_LINUX_SAME_OFFSET(rdx);
TDXSIM_LINUX_SAME_OFFSET(r8);
TDXSIM_LINUX_SAME_OFFSET(r9);
TDXSIM_LINUX_SAME_OFFSET(r10);
TDXSIM_LINUX_SAME_OFFSET(r11);
TDXSIM_LINUX_SAME_OFFSET(r12);
TDXSIM_LINUX_SAME_OFFSET(r13);
TDXSIM_LINUX_SAME_OFFSET(r14);
TDXSIM_LINUX_SAME_OFFSET(r15);
TDXSIM_LINUX_SAME_OFFSET(rbx);
TDXSIM_LINUX_SAME_OFFSET(rdi);
TDXSIM_LINUX_SAME_OFFSET(rsi);

/** Linux's `__seamcall()`: see tdxsim_linux_seamcall(). */
static inline uint64_t __seamcall(uint64_t fn, struct tdx_module_args *args)
{
	return tdxsim_linux_seamcall(fn, args);
}

/** Linux's `__seamcall_ret()`: see tdxsim_linux_seamcall_ret(). */
static inline uint64_t __seamcall_ret(uint64_t fn, struct tdx_module_args *args)
{
	return tdxsim_linux_seamcall_ret(fn, args);
}

/** Linux's `__seamcall_saved_ret()`: see tdxsim_linux_seamcall_saved_ret(). */
static inline uint64_t __seamcall_saved_ret(uint64_t fn, struct tdx_module_args *args)
{
	return tdxsim_linux_seamcall_saved_ret(fn, args);
}

#ifdef __cplusplus
}
#endif

#endif /* TDXSIM_LINUX_H */
