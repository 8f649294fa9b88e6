/* SPDX-License-Identifier: MIT */
/**
 * @file tdxsim.h
 * @brief tdxsim: an emulator of the Intel TDX module (SEAM mode) and the platform around it.
 *
 * Host code (a kernel's TDX bring-up, a hypervisor's TD management) ported to userspace talks to
 * a simulated platform through this header: it reads MSRs, turns VMX on per logical processor
 * (LP), gets pointers into simulated physical memory, and issues SEAMCALLs with the real leaf
 * numbers, registers and 64-bit statuses (see abi.h and the generated abi_constants.h).
 *
 * Conventions
 * - One opaque handle, ::tdxsim_t. The library keeps no global state: any number of simulators
 *   can live in one process and never see each other.
 * - A SEAMCALL returns what RAX would hold. Problems with the library call itself (a bad handle,
 *   LP index, pointer) are reported as ::tdxsim_err_t from the functions that return one, and as
 *   the software status ::TDXSIM_STATUS_API_MISUSE from tdxsim_seamcall(); neither is ever a
 *   status the module itself returns.
 * - Thread safety: every function may be called from any thread. SEAMCALLs and platform events
 *   on one simulator are serialized by an internal lock (so the module's contention statuses,
 *   TDX_SYS_BUSY / TDX_OPERAND_BUSY, are produced only through fault injection for now; see
 *   docs/fidelity.md). Pointers returned by tdxsim_phys_to_virt() stay valid until
 *   tdxsim_destroy(); accesses through them are not synchronized by the library.
 */
#ifndef TDXSIM_TDXSIM_H
#define TDXSIM_TDXSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tdxsim/abi.h"
#include "tdxsim/version.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Marks what libtdxsim.so exports (everything else is hidden); version.h defines it too. */
#ifndef TDXSIM_API
#if defined(__GNUC__)
#define TDXSIM_API __attribute__((visibility("default")))
#else
#define TDXSIM_API
#endif
#endif

/** The simulator handle (opaque). */
typedef struct tdxsim tdxsim_t;

/** Library-level errors. Never mixed with TDX statuses. */
typedef enum tdxsim_err {
	TDXSIM_OK = 0,
	TDXSIM_ERR_INVALID_ARG = -1, /**< NULL pointer, bad LP index, size 0, misaligned... */
	TDXSIM_ERR_NO_MEMORY = -2,   /**< the host process ran out of memory or address space */
	TDXSIM_ERR_BAD_CONFIG = -3,  /**< the config is inconsistent; see tdxsim_last_error() */
	TDXSIM_ERR_NOT_RAM = -4,     /**< the physical range is not (entirely) simulated RAM */
	TDXSIM_ERR_NO_SPACE = -5,    /**< no free physically contiguous range fits the request */
	TDXSIM_ERR_GP = -6,	     /**< the instruction would raise #GP (e.g. RDMSR of a missing MSR) */
	TDXSIM_ERR_LP_OFFLINE = -7,  /**< the LP is offline and cannot execute anything */
	TDXSIM_ERR_NOT_COVERED = -8, /**< the address is not covered by an initialized PAMT */
	TDXSIM_ERR_INVARIANT = -9,   /**< tdxsim_check_invariants() found a broken invariant */
	TDXSIM_ERR_STATE = -10,	     /**< the call is not allowed in the simulator's current state */
	TDXSIM_ERR_MCE = -11,	     /**< the access raised a machine check (see memory.h) */
	TDXSIM_ERR_PLATFORM_FAULT =
		-12, /**< the platform event is a fault on real hardware (see platform.h) */
} tdxsim_err_t;

/** Returns a static string describing @p err. Never NULL. */
TDXSIM_API const char *tdxsim_strerror(tdxsim_err_t err);

/**
 * Returns a message about the last library error the calling thread had on @p sim (for example
 * which config field was wrong), or "" when it had none. Each thread has its own message, so
 * threads failing calls at the same time never see each other's. The string is owned by
 * @p sim and valid until the calling thread's next failing call on it or tdxsim_destroy().
 */
TDXSIM_API const char *tdxsim_last_error(const tdxsim_t *sim);

/* ------------------------------------------------------------------------------------------ */
/* Configuration                                                                              */
/* ------------------------------------------------------------------------------------------ */

/** At most this many RAM ranges (they become the CMRs, of which the module has 32). */
#define TDXSIM_MAX_RAM_RANGES 32
/** At most this many packages (the module's package index must be < 8, sheet 7.2). */
#define TDXSIM_MAX_PACKAGES 8
/** At most this many LPs in total. */
#define TDXSIM_MAX_LPS 1024
/** Number of per-leaf slots in ::tdxsim_costs (leaf numbers 0..127). */
#define TDXSIM_NUM_LEAF_SLOTS 128
/** Use in place of an LP index to mean "any LP". */
#define TDXSIM_ANY_LP UINT32_MAX

/** A physical address range [base, base + size). */
typedef struct tdxsim_range {
	uint64_t base;
	uint64_t size;
	uint32_t node; /**< NUMA node (package) the range belongs to; informative */
} tdxsim_range_t;

/** Which TDX module the simulator emulates (see docs/fidelity.md, "Profiles"). */
typedef enum tdxsim_module_profile {
	TDXSIM_MODULE_1_5_05 = 0, /**< default: what current Linux needs */
	TDXSIM_MODULE_1_5_06 = 1,
	TDXSIM_MODULE_1_0 = 2, /**< TDH.SYS.INFO only, no TDH.SYS.RD/RDALL */
	/** The newer module current Linux's TDH.SYS.DISABLE code targets: 1.5.06 plus leaf 69. No
	 *  public module source has it; its behaviour comes from the Linux side (docs/lifecycle.md). */
	TDXSIM_MODULE_NEXT = 3,
} tdxsim_module_profile_t;

/** CPU models (include/tdxsim/cpu.h): CPUID identity and the errata that come with it. */
typedef enum tdxsim_cpu_profile {
	TDXSIM_CPU_SAPPHIRE_RAPIDS = 0, /**< default; partial-write erratum */
	TDXSIM_CPU_EMERALD_RAPIDS = 1,	/**< partial-write erratum */
	TDXSIM_CPU_GRANITE_RAPIDS = 2,	/**< no partial-write erratum */
} tdxsim_cpu_profile_t;

/**
 * Virtual-cycle costs charged to the calling LP's virtual TSC. Defaults and their sources are
 * in docs/cycles.md (cited figures vs estimates). All values are cycles of a 2.2 GHz TSC.
 */
typedef struct tdxsim_costs {
	/** Whole-call cost per leaf number, including SEAMCALL entry and SEAMRET. */
	uint64_t leaf[TDXSIM_NUM_LEAF_SLOTS];
	/** Cost of a SEAMCALL that the dispatcher rejects before a leaf runs (bad RAX, state). */
	uint64_t rejected_call;
	/** A P-SEAMLDR call (RAX bit 63), whole call; P-SEAMLDR INSTALL on the last LP adds
	 *  @c seamldr_install_page per module page it copies and hashes (docs/lifecycle.md). */
	uint64_t seamldr_call, seamldr_install_page;
	/** TDH.SYS.TDMR.INIT: per 4 MiB chunk of PAMT initialized (added to the leaf cost). */
	uint64_t tdmr_init_chunk;
	/** TDH.SYS.LP.INIT: the global EPT flush (INVEPT all contexts), added to the leaf cost. */
	uint64_t lp_init_ept_flush;
	/** TDH.SYS.KEY.CONFIG: programming the package's key (PCONFIG), added to the leaf cost. */
	uint64_t key_program;
	/** TDH.PHYMEM.CACHE.WB: per cache sub-block written back (IA32_WBNOINVDP), added to the
	 *  leaf cost; the whole write-back is IA32_WBINVDP sub-blocks. */
	uint64_t cache_wb_sub_block;
	/** TDH.SYS.CONFIG: per TDMR validated, added to the leaf cost. */
	uint64_t config_per_tdmr;
	/** RDMSR, VMXON, VMXOFF executed through the library. */
	uint64_t rdmsr, vmxon, vmxoff;
	/** MOVDIR64B (per 64-byte line), CLFLUSH and WBINVD executed through the library (memory.h). */
	uint64_t movdir64b, clflush, wbinvd;
	/** Scripted guests (guest.h), added to TDH.VP.ENTER's cost: one guest memory access, one
	 *  TDCALL the module serves without a TD exit (TDG.VP.INFO, TDG.MR.*), SHA-384 per byte
	 *  those hash, and the MAC of TDG.MR.REPORT's CPU report instruction. */
	uint64_t guest_op, guest_tdcall, guest_sha384_byte, guest_report_mac;
	/** The module's SHA-384, per byte hashed: TDH.MEM.PAGE.ADD's 128-byte block and
	 *  TDH.MR.EXTEND's 384 bytes (added to the leaf cost; PAGE.ADD also adds 64 MOVDIR64B lines). */
	uint64_t sha384_byte;
} tdxsim_costs_t;

/** Fills @p costs with the documented defaults (docs/cycles.md). */
TDXSIM_API void tdxsim_costs_default(tdxsim_costs_t *costs);

/**
 * Simulator configuration. Always initialize with tdxsim_config_init() and then change fields;
 * @c size lets the structure grow without breaking callers.
 */
typedef struct tdxsim_config {
	size_t size; /**< sizeof(tdxsim_config_t), set by tdxsim_config_init() */

	/* Platform */
	uint32_t num_packages;	   /**< 1..TDXSIM_MAX_PACKAGES (default 1) */
	uint32_t lps_per_package;  /**< LPs per package (default 4) */
	uint32_t phys_addr_bits;   /**< MAXPHYADDR reported by CPUID (default 52) */
	uint32_t keyid_bits;	   /**< MK_TME_KEYID_BITS in IA32_TME_ACTIVATE (default 6) */
	uint32_t num_mktme_keyids; /**< NUM_MKTME_KIDS in MSR 0x87 (default 31) */
	uint32_t num_tdx_keyids;   /**< NUM_TDX_PRIV_KIDS in MSR 0x87 (default 32; < 2 = "TDX off") */
	uint32_t num_ram_ranges;   /**< entries used in @c ram */
	/** System RAM, ascending, non-overlapping, 4 KiB aligned. Each range is also a CMR. */
	tdxsim_range_t ram[TDXSIM_MAX_RAM_RANGES];
	/** SEAMRR, the range reserved for the module itself; must lie outside RAM, 32 MiB
	 *  aligned (default 32 MiB at 2 GiB, inside the hole below 4 GiB). */
	uint64_t seamrr_base, seamrr_size;

	/** MSR values that replace the platform's defaults on every LP (a BIOS that set
	 *  something up wrong, for instance IA32_TME_ACTIVATE without its lock bit). */
	uint32_t num_msr_overrides;
	struct tdxsim_msr_override {
		uint32_t msr;
		uint64_t value;
	} msr_overrides[8];

	/* Module */
	tdxsim_module_profile_t module; /**< default TDXSIM_MODULE_1_5_05 */
	uint16_t max_tdmrs;		/**< MAX_TDMRS reported (default 64) */
	uint16_t max_reserved_per_tdmr; /**< MAX_RESERVED_PER_TDMR reported (default 16) */
	uint16_t pamt_entry_size[3];	/**< PAMT_4K/2M/1G_ENTRY_SIZE (default 16 each) */

	/* Memory integrity (memory.h) */
	/** TDXSIM_ERRATUM_* bits, or TDXSIM_ERRATA_FROM_CPU (the default): the errata of the CPU
	 *  profile @c cpu, resolved by tdxsim_create(). Any explicit value overrides the profile. */
	uint32_t errata;
	bool trap_mode; /**< protect private pages against plain-pointer access (memory.h); default off */

	/* Identity and lifecycle (cpu.h, seamldr.h) */
	/** CPU model: family/model/stepping in CPUID and PKG_FMS, and the default @c errata
	 *  (default TDXSIM_CPU_SAPPHIRE_RAPIDS). */
	tdxsim_cpu_profile_t cpu;
	/** TD-preserving updates the P-SEAMLDR has room for at power-on (SEAMLDR_INFO
	 *  num_remaining_updates; default 16, an assumption: docs/lifecycle.md). */
	uint32_t seamldr_updates;

	/* Cycle model */
	tdxsim_costs_t costs; /**< defaults from tdxsim_costs_default() */
} tdxsim_config_t;

/** First-generation parts (Sapphire/Emerald Rapids): a partial (< 64 byte) write to a private
 *  cache line poisons it; a later read raises a machine check (sheet section 10). */
#define TDXSIM_ERRATUM_PARTIAL_WRITE_POISON (1u << 0)
/** tdxsim_config_t.errata value meaning "whatever the CPU profile has" (cpu.h). */
#define TDXSIM_ERRATA_FROM_CPU (1u << 31)

/** Fills @p cfg with defaults: 1 package x 4 LPs, 16 GiB of RAM ([0, 2 GiB) and
 *  [4 GiB, 18 GiB)), KeyIDs 6 bits split 31 MKTME / 32 TDX, module 1.5.05, default costs. */
TDXSIM_API void tdxsim_config_init(tdxsim_config_t *cfg);

/**
 * Creates a simulator: platform powered on, every LP online with VMX off, the TDX module loaded
 * and waiting for TDH.SYS.INIT.
 * @param cfg  configuration (copied; the caller keeps ownership)
 * @param out  receives the handle; set to NULL on failure
 * @return TDXSIM_OK, TDXSIM_ERR_INVALID_ARG, TDXSIM_ERR_BAD_CONFIG (call
 *         tdxsim_config_check() for the reason), TDXSIM_ERR_NO_MEMORY
 */
TDXSIM_API tdxsim_err_t tdxsim_create(const tdxsim_config_t *cfg, tdxsim_t **out);

/**
 * Checks @p cfg without creating anything. On TDXSIM_ERR_BAD_CONFIG writes a message naming
 * the bad field to @p msg (if not NULL, at most @p len bytes, NUL-terminated).
 */
TDXSIM_API tdxsim_err_t tdxsim_config_check(const tdxsim_config_t *cfg, char *msg, size_t len);

/**
 * Destroys @p sim and releases all its memory, simulated RAM included: every pointer obtained
 * from it (tdxsim_phys_to_virt(), tdxsim_last_error()) is invalid afterwards.
 * NULL is accepted and does nothing. Destroying a simulator twice, using it after this call, or
 * calling this while another thread still uses @p sim is undefined behaviour (as free() twice):
 * the handle is gone, and the library cannot detect it.
 */
TDXSIM_API void tdxsim_destroy(tdxsim_t *sim);

/* ------------------------------------------------------------------------------------------ */
/* Platform: LPs, VMX, MSRs                                                                   */
/* ------------------------------------------------------------------------------------------ */

/** Number of LPs (num_packages x lps_per_package). LPs are numbered package by package. */
TDXSIM_API uint32_t tdxsim_num_lps(const tdxsim_t *sim);
/** Number of packages. */
TDXSIM_API uint32_t tdxsim_num_packages(const tdxsim_t *sim);
/** Physical package of @p lp, or UINT32_MAX for a bad index. */
TDXSIM_API uint32_t tdxsim_lp_package(const tdxsim_t *sim, uint32_t lp);

/**
 * VMXON on @p lp. A SEAMCALL is only legal in VMX operation; outside it the CPU raises #UD,
 * which tdxsim_seamcall() reports as TDXSIM_TDX_SEAMCALL_UD.
 * @return TDXSIM_OK (also if already on), TDXSIM_ERR_INVALID_ARG, TDXSIM_ERR_LP_OFFLINE
 */
TDXSIM_API tdxsim_err_t tdxsim_vmxon(tdxsim_t *sim, uint32_t lp);
/** VMXOFF on @p lp. @return as tdxsim_vmxon() */
TDXSIM_API tdxsim_err_t tdxsim_vmxoff(tdxsim_t *sim, uint32_t lp);
/** Whether @p lp is in VMX operation. */
TDXSIM_API bool tdxsim_lp_vmx_on(const tdxsim_t *sim, uint32_t lp);

/**
 * RDMSR on @p lp. MSRs the platform does not implement raise #GP (TDXSIM_ERR_GP), as
 * rdmsr_safe() would report. Layouts: abi.h and docs/platform.md.
 */
TDXSIM_API tdxsim_err_t tdxsim_rdmsr(tdxsim_t *sim, uint32_t lp, uint32_t msr, uint64_t *value);

/** Virtual TSC of @p lp in cycles (0 for a bad index). Deterministic for a given call sequence. */
TDXSIM_API uint64_t tdxsim_lp_cycles(const tdxsim_t *sim, uint32_t lp);

/* ------------------------------------------------------------------------------------------ */
/* Simulated physical memory                                                                  */
/* ------------------------------------------------------------------------------------------ */

/**
 * Pointer to simulated physical address @p pa, valid for @p len bytes, or NULL if
 * [pa, pa + len) is not inside one RAM range. Memory costs host RAM only once touched.
 * The address must carry no KeyID bits (use tdxsim_keyid_strip() first).
 */
TDXSIM_API void *tdxsim_phys_to_virt(tdxsim_t *sim, uint64_t pa, size_t len);

/** Physical address of pointer @p ptr into simulated RAM. @return TDXSIM_OK or TDXSIM_ERR_NOT_RAM */
TDXSIM_API tdxsim_err_t tdxsim_virt_to_phys(const tdxsim_t *sim, const void *ptr, uint64_t *pa);

/**
 * Allocates @p size bytes of physically contiguous RAM aligned to @p align (a power of two,
 * at least 4096), as a kernel would for PAMTs or the TDMR array. The memory reads as zero.
 * @param node  NUMA node to allocate from, or UINT32_MAX for any
 * @return TDXSIM_OK, TDXSIM_ERR_INVALID_ARG, TDXSIM_ERR_NO_SPACE
 */
TDXSIM_API tdxsim_err_t tdxsim_phys_alloc(tdxsim_t *sim, uint64_t size, uint64_t align, uint32_t node,
					  uint64_t *pa);

/**
 * Frees [@p pa, @p pa + @p size): a whole allocation, or any page-aligned part of allocated
 * memory, as a kernel's free_pages() of a sub-range or alloc_pages_exact() trimming its tail
 * does. The range may span several adjacent allocations; what stays allocated is unaffected.
 * Freed pages read as zero when allocated again.
 * @param pa    4 KiB aligned
 * @param size  rounded up to 4 KiB
 * @return TDXSIM_OK; TDXSIM_ERR_INVALID_ARG (size 0, @p pa misaligned or in the first 1 MiB,
 *         which is never allocated, or part of the range already free: nothing is freed);
 *         TDXSIM_ERR_NOT_RAM (the range is not inside one RAM range)
 */
TDXSIM_API tdxsim_err_t tdxsim_phys_free(tdxsim_t *sim, uint64_t pa, uint64_t size);

/**
 * Allocation failure on demand, for host error paths such as "the PAMT allocation failed": the
 * next @p skip calls of tdxsim_phys_alloc() with valid arguments proceed as usual, then the
 * @p count after them fail with TDXSIM_ERR_NO_SPACE and allocate nothing. A new call replaces
 * what an earlier one armed; @p count 0 disarms. Calls rejected with TDXSIM_ERR_INVALID_ARG
 * are not counted. The simulator's own bookkeeping never goes through this allocator.
 * @return TDXSIM_OK, TDXSIM_ERR_INVALID_ARG (@p sim NULL)
 */
TDXSIM_API tdxsim_err_t tdxsim_phys_alloc_fail_after(tdxsim_t *sim, uint32_t skip, uint32_t count);

/**
 * Copies the RAM map (what a kernel's memblock/e820 would list) into @p out.
 * @return the number of ranges (may exceed @p max; only @p max are written)
 */
TDXSIM_API uint32_t tdxsim_ram_ranges(const tdxsim_t *sim, tdxsim_range_t *out, uint32_t max);

/** Bit position of the KeyID in a physical address (phys_addr_bits - keyid_bits). */
TDXSIM_API uint32_t tdxsim_keyid_shift(const tdxsim_t *sim);

/* ------------------------------------------------------------------------------------------ */
/* SEAMCALL                                                                                   */
/* ------------------------------------------------------------------------------------------ */

/**
 * Register block: the fields of Linux's struct tdx_module_args, in the same order, so code
 * ported from a kernel can pass its own structure (sheet section 1.4).
 */
typedef struct tdxsim_regs {
	uint64_t rcx, rdx, r8, r9, r10, r11, r12, r13, r14, r15, rbx, rdi, rsi;
} tdxsim_regs_t;

/**
 * Software status for a library misuse in tdxsim_seamcall() (NULL handle or registers, LP
 * index out of range, LP offline). Class 0xFF like Linux's software codes; no CPU or module
 * ever produces it.
 */
#define TDXSIM_STATUS_API_MISUSE UINT64_C(0x8000FF00DEAD0000)

/**
 * Software status: the host process ran out of memory while a SEAMCALL needed some for the
 * simulator's own bookkeeping. The simulator state is unchanged. Class 0xFF, never produced
 * by a CPU or module.
 */
#define TDXSIM_STATUS_NO_MEMORY UINT64_C(0x8000FF00DEAD0001)

/**
 * Software status: the leaf (or P-SEAMLDR call) exists in the ABI but tdxsim does not emulate
 * it yet (docs/abi-coverage.md). Returned once the dispatcher's own checks passed; the
 * simulator state is unchanged. Class 0xFF, never produced by a CPU or module.
 */
#define TDXSIM_STATUS_NOT_EMULATED UINT64_C(0x8000FF00E0E00000)

/**
 * Executes SEAMCALL on @p lp with RAX = @p rax (leaf in bits 15:0, version in 23:16) and the
 * other registers in @p regs. Outputs are written to @p regs exactly where the real module
 * writes them; registers the leaf does not write keep their input values.
 * @return the 64-bit status (RAX). Besides module statuses: TDXSIM_TDX_SEAMCALL_UD if @p lp is
 *         not in VMX operation (#UD), TDXSIM_TDX_SEAMCALL_VMFAILINVALID if no module is
 *         loaded, TDXSIM_STATUS_API_MISUSE for a bad call (see tdxsim_last_error()).
 */
TDXSIM_API uint64_t tdxsim_seamcall(tdxsim_t *sim, uint32_t lp, uint64_t rax, tdxsim_regs_t *regs);

/**
 * Fault injection: the next @p count SEAMCALLs of module leaf @p leaf (bits 15:0 of RAX; RAX
 * bit 63 clear) on @p lp (or TDXSIM_ANY_LP) return @p status without any effect (no register
 * or state change; the cycle cost of a rejected call is charged). Several injections queue in
 * the order added. tdxsim_inject() also reaches P-SEAMLDR leaves and sets output registers.
 * @return TDXSIM_OK, TDXSIM_ERR_INVALID_ARG, TDXSIM_ERR_NO_MEMORY
 */
TDXSIM_API tdxsim_err_t tdxsim_inject_status(tdxsim_t *sim, uint16_t leaf, uint32_t lp, uint32_t count,
					     uint64_t status);
/**
 * As tdxsim_inject_status(), but the first @p skip matching calls run normally: "fail the
 * 600th TDH.SYS.TDMR.INIT" is skip = 599, count = 1. Host error paths deep inside a flow
 * (half-initialized PAMTs, a failing LP in the middle) become testable this way.
 */
TDXSIM_API tdxsim_err_t tdxsim_inject_status_after(tdxsim_t *sim, uint16_t leaf, uint32_t lp, uint32_t skip,
						   uint32_t count, uint64_t status);
/** Bits of tdxsim_injection_t.outputs: one per ::tdxsim_regs_t field, in its order. */
#define TDXSIM_REG_RCX (1u << 0)
#define TDXSIM_REG_RDX (1u << 1)
#define TDXSIM_REG_R8  (1u << 2)
#define TDXSIM_REG_R9  (1u << 3)
#define TDXSIM_REG_R10 (1u << 4)
#define TDXSIM_REG_R11 (1u << 5)
#define TDXSIM_REG_R12 (1u << 6)
#define TDXSIM_REG_R13 (1u << 7)
#define TDXSIM_REG_R14 (1u << 8)
#define TDXSIM_REG_R15 (1u << 9)
#define TDXSIM_REG_RBX (1u << 10)
#define TDXSIM_REG_RDI (1u << 11)
#define TDXSIM_REG_RSI (1u << 12)

/**
 * One fault injection, for tdxsim_inject(). Initialize with tdxsim_injection_init(), then set
 * the fields; @c size lets the structure grow without breaking callers.
 */
typedef struct tdxsim_injection_spec {
	size_t size; /**< sizeof(tdxsim_injection_t), set by tdxsim_injection_init() */
	/** RAX bits 15:0 (the leaf; the version bits are ignored) plus, for a P-SEAMLDR leaf,
	 *  bit 63 (TDXSIM_SEAMLDR_BIT): TDXSIM_TDH_SYS_TDMR_INIT, TDXSIM_SEAMLDR_INSTALL... */
	uint64_t leaf;
	uint32_t lp;	/**< an LP index or TDXSIM_ANY_LP (the default) */
	uint32_t skip;	/**< matching calls that run normally first (default 0) */
	uint32_t count; /**< matching calls answered after them (default 1) */
	uint64_t status;
	/** TDXSIM_REG_* bits: the registers the answered call writes, from @c regs; every other
	 *  register keeps its input value (default 0: none, like tdxsim_inject_status()). */
	uint32_t outputs;
	tdxsim_regs_t regs;
} tdxsim_injection_t;

/** Defaults: any LP, no skip, count 1, no output registers. */
TDXSIM_API void tdxsim_injection_init(tdxsim_injection_t *inj);

/**
 * Fault injection, general form: like tdxsim_inject_status_after(), and further
 * - P-SEAMLDR leaves (@c leaf with bit 63) can be answered too: the CPU's checks still come
 *   first (#UD outside VMX operation, VMfailInvalid without a P-SEAMLDR), then the injection
 *   answers instead of the loader;
 * - the answer can carry output registers (@c outputs, @c regs), for instance a
 *   TDH.SYS.TDMR.INIT that reports partial progress in RDX, or a status whose details the
 *   module returns in registers. Still no state changes.
 * Injections for module and P-SEAMLDR leaves share one queue, in the order added.
 * @return TDXSIM_OK, TDXSIM_ERR_INVALID_ARG (NULL, @c size too small, @c count 0, an LP out of
 *         range, @c leaf with bits other than 15:0 and 63, unknown @c outputs bits),
 *         TDXSIM_ERR_NO_MEMORY
 */
TDXSIM_API tdxsim_err_t tdxsim_inject(tdxsim_t *sim, const tdxsim_injection_t *inj);

/** Drops every pending injection. */
TDXSIM_API void tdxsim_clear_injections(tdxsim_t *sim);

/** One executed SEAMCALL, as a call observer sees it. */
typedef struct tdxsim_call_record {
	uint32_t lp;
	uint64_t rax;	    /**< leaf and version (bit 63: P-SEAMLDR) */
	uint64_t status;    /**< what RAX returned */
	tdxsim_regs_t in;   /**< registers on entry */
	tdxsim_regs_t out;  /**< registers on return */
	uint64_t tsc_start; /**< the LP's virtual TSC before and after the call */
	uint64_t tsc_end;
} tdxsim_call_record_t;

/** Called after every SEAMCALL an LP executed (not for library misuse). */
typedef void (*tdxsim_call_observer_t)(tdxsim_t *sim, const tdxsim_call_record_t *rec, void *user);

/**
 * Registers @p observer (NULL removes it). It runs on the calling thread after the simulator's
 * lock is released, so it may use query calls; it must not assume calls from different threads
 * arrive in virtual-time order. Tracing (tdxsim-run --trace) is built on it.
 */
TDXSIM_API void tdxsim_set_call_observer(tdxsim_t *sim, tdxsim_call_observer_t observer, void *user);

/* ------------------------------------------------------------------------------------------ */
/* Queries for tests                                                                          */
/* ------------------------------------------------------------------------------------------ */

/** System state of the module (sheet 7.1), plus the states that mean "no module". */
typedef enum tdxsim_module_state {
	TDXSIM_SYSINIT_PENDING = 0,
	TDXSIM_SYSINIT_DONE = 1,
	TDXSIM_SYSCONFIG_DONE = 2,
	TDXSIM_SYS_READY = 3,
	TDXSIM_SYS_SHUTDOWN = 4,
	TDXSIM_MODULE_GONE = 16, /**< lost (S3) or never loaded: SEAMCALL gets VMfailInvalid */
} tdxsim_module_state_t;

/** Current module state. */
TDXSIM_API tdxsim_module_state_t tdxsim_module_state(const tdxsim_t *sim);

/** Whether the module counts @p lp as having done TDH.SYS.LP.INIT. */
TDXSIM_API bool tdxsim_lp_initialized(const tdxsim_t *sim, uint32_t lp);

/** One PAMT entry as the module sees it (the leaf entry covering an address). */
typedef struct tdxsim_pamt_info {
	uint8_t page_type; /**< TDXSIM_PT_* */
	uint8_t level;	   /**< TDXSIM_PS_4K / _2M / _1G */
	uint64_t owner;	   /**< TDR PA for TD pages (stale after a page returns to NDA) */
	uint64_t bepoch;
} tdxsim_pamt_info_t;

/**
 * Looks up the PAMT entry covering @p pa, exactly as TDH.PHYMEM.PAGE.RDMD would.
 * @return TDXSIM_OK, TDXSIM_ERR_NOT_COVERED (not in a TDMR, or its 1 GiB block not yet
 *         initialized), TDXSIM_ERR_INVALID_ARG
 */
TDXSIM_API tdxsim_err_t tdxsim_pamt_query(const tdxsim_t *sim, uint64_t pa, tdxsim_pamt_info_t *out);

/** Statistics of the PAMT store (for benchmarks and the "~1/256" checks). */
typedef struct tdxsim_pamt_stats {
	uint32_t num_tdmrs;	      /**< TDMRs configured */
	uint64_t covered_bytes;	      /**< sum of TDMR sizes */
	uint64_t pamt_bytes;	      /**< sum of PAMT sizes the host gave (what hardware would use) */
	uint64_t initialized_bytes;   /**< TDMR bytes whose PAMT is initialized */
	uint64_t host_metadata_bytes; /**< host memory tdxsim uses to model it (sparse) */
} tdxsim_pamt_stats_t;

/** Fills @p out. */
TDXSIM_API void tdxsim_pamt_stats(const tdxsim_t *sim, tdxsim_pamt_stats_t *out);

/**
 * Checks every internal invariant (state machine, PAMT consistency, per-LP bookkeeping).
 * Usable from tests and fuzzers after every call.
 * @return TDXSIM_OK or TDXSIM_ERR_INVARIANT with a description in @p msg (if not NULL)
 */
TDXSIM_API tdxsim_err_t tdxsim_check_invariants(const tdxsim_t *sim, char *msg, size_t len);

/**
 * A hash of all observable simulator state except virtual clocks and statistics (module
 * state, per-LP flags, configured TDMRs, PAMT entries, KeyID states). Two equal hashes mean
 * "nothing observable changed": tests use it to prove that failed SEAMCALLs change nothing.
 */
TDXSIM_API uint64_t tdxsim_state_hash(const tdxsim_t *sim);

/**
 * tdxsim_check_invariants() and, when it returns TDXSIM_OK and @p hash is not NULL,
 * *@p hash = tdxsim_state_hash() of the same state, both from one walk of the state: for a
 * fuzzer that checks after every call and compares hashes around failed ones (the walks of
 * the PAMT and the integrity model are most of either's cost). On an error *@p hash is left
 * as it was.
 */
TDXSIM_API tdxsim_err_t tdxsim_check_invariants_hash(const tdxsim_t *sim, uint64_t *hash, char *msg,
						     size_t len);

/* ------------------------------------------------------------------------------------------ */
/* Names                                                                                      */
/* ------------------------------------------------------------------------------------------ */

/**
 * Writes the name of @p status to @p buf, e.g. "TDX_OPERAND_INVALID|RCX" or
 * "TDX_INVALID_TDMR(0x00000003)" for packed details, "UNKNOWN(0x...)" otherwise.
 * @return @p buf
 */
TDXSIM_API const char *tdxsim_status_name(uint64_t status, char *buf, size_t len);

/** Spec name of leaf @p leaf ("TDH.SYS.INIT"), or NULL if no such leaf exists. */
TDXSIM_API const char *tdxsim_leaf_name(uint32_t leaf);

/** Leaf number for a spec name ("TDH.SYS.INIT") or C name ("TDH_SYS_INIT"); -1 if unknown. */
TDXSIM_API int tdxsim_leaf_by_name(const char *name);

/** Status value for a name ("TDX_SYS_BUSY"); returns false if unknown. */
TDXSIM_API bool tdxsim_status_by_name(const char *name, uint64_t *value);

/** Name of metadata field @p field_id (element ids of array fields map to "NAME[k]"). */
TDXSIM_API const char *tdxsim_field_name(uint64_t field_id, char *buf, size_t len);

/** Name of MSR @p msr ("IA32_TME_ACTIVATE"), or NULL. */
TDXSIM_API const char *tdxsim_msr_name(uint32_t msr);

/**
 * Metadata field by its C name in fields.def ("MAX_TDMRS", "CMR_BASE"; the generated
 * TDXSIM_MD_ prefix is not part of it).
 * @param id     receives the field id of element 0 (may be NULL)
 * @param count  receives the number of elements: element k has id (*id + k) (may be NULL)
 * @return false if no field has that name
 */
TDXSIM_API bool tdxsim_field_by_name(const char *name, uint64_t *id, unsigned *count);

/** MSR address for a name ("IA32_TME_ACTIVATE"); returns false if unknown. */
TDXSIM_API bool tdxsim_msr_by_name(const char *name, uint32_t *msr);

/**
 * Operand id (status bits 31:0) for a name in operands.def ("RCX", "TDMR_INFO_PA"; the
 * generated TDXSIM_OPERAND_ prefix is not part of it); returns false if unknown.
 */
TDXSIM_API bool tdxsim_operand_by_name(const char *name, uint64_t *id);

/** The name tables of tdxsim_name_at(), each generated from its .def file. */
typedef enum tdxsim_name_table {
	TDXSIM_NAMES_STATUSES = 0, /**< statuses.def, then tdxsim's own TDXSIM_STATUS_* codes */
	TDXSIM_NAMES_LEAVES = 1,   /**< leaves.def: spec names ("TDH.SYS.INIT"), value = leaf */
	TDXSIM_NAMES_FIELDS = 2,   /**< fields.def: value = id of element 0 */
	TDXSIM_NAMES_MSRS = 3,	   /**< msrs.def: value = MSR address */
	TDXSIM_NAMES_OPERANDS = 4, /**< operands.def: value = operand id */
} tdxsim_name_table_t;

/**
 * Enumerates a name table: entry @p index (0, 1, ... in table order) of @p table.
 * @param value  receives the entry's value (may be NULL)
 * @return the entry's name (static storage), or NULL past the end or for an unknown table
 */
TDXSIM_API const char *tdxsim_name_at(tdxsim_name_table_t table, size_t index, uint64_t *value);

/**
 * Writes a multi-line explanation of @p status to @p buf: its name (as tdxsim_status_name()),
 * the ERROR, NON_RECOVERABLE, FATAL and host-hint bits 63:60, the class (bits 47:40) and code
 * (39:32), and bits 31:0 as an operand id with its name, or as the detail bytes of statuses
 * that pack them (TDMR/PAMT errors; an MSR address for MSR errors). Layout: ABI sheet 3.1.
 * Lines end in '\n'; the output is truncated to @p len. Thread-safe.
 * @return @p buf
 */
TDXSIM_API const char *tdxsim_status_decode(uint64_t status, char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* TDXSIM_TDXSIM_H */
