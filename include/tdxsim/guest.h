/* SPDX-License-Identifier: MIT */
/**
 * @file guest.h
 * @brief Scripted guests: what a TD's vCPU runs when the host calls TDH.VP.ENTER.
 *
 * A guest program is data: an array of operations (tdxsim_guest_op_t) given to one vCPU with
 * tdxsim_guest_load(). TDH.VP.ENTER runs the program from where it stopped until the next
 * event that exits to the host (an EPT violation, a TDG.VP.VMCALL, HLT, a fatal operation) and
 * reports it in the registers exactly as the module does (td-runtime.md 3.3, 3.4); the next
 * TDH.VP.ENTER resumes. Guest TDCALLs served inside the module (TDG.MR.RTMR.EXTEND,
 * TDG.MR.REPORT, TDG.VP.INFO) do not exit: their status and outputs are recorded per
 * operation and read back with tdxsim_guest_result(). docs/guest.md describes the format and
 * what each operation does; docs/fidelity.md what is assumed.
 *
 * Guest memory: a private GPA (shared bit clear) goes through the TD's secure EPT and the TD's
 * KeyID, so the memory-integrity model applies (the host reading those lines through a shared
 * KeyID sees zeros). A shared GPA goes through the host's own EPT, which tests fill with
 * tdxsim_guest_map_shared() (what the VMM's EPT would map), with KeyID 0: the host sees
 * what the guest writes there.
 *
 * Thread safety: as tdxsim.h (every function takes the simulator lock).
 */
#ifndef TDXSIM_GUEST_H
#define TDXSIM_GUEST_H

#include "tdxsim/tdxsim.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Guest operations (docs/guest.md has one section per kind). */
typedef enum {
	/** Load @c size bytes (1, 2, 4 or 8, naturally aligned) at @c gpa; the value is the
	 *  result's out[0]. */
	TDXSIM_GOP_READ = 1,
	/** Store the low @c size bytes of @c value at @c gpa (1, 2, 4 or 8, naturally aligned). */
	TDXSIM_GOP_WRITE = 2,
	/** TDG.VP.VMCALL (TDCALL leaf 0) with control @c value (0 means Linux's mask 0xFFCC) and
	 *  R10-R15 = @c args: a TD exit with reason 77; the host's R10-R15 on the next
	 *  TDH.VP.ENTER become the result's out[0..5]. */
	TDXSIM_GOP_VMCALL = 3,
	/** TDG.VP.VMCALL<MapGPA> (R10 = 0, R11 = 0x10001, R12 = @c gpa, R13 = @c size), with the
	 *  Linux guest's retry: a host answer R10 = 1 (RETRY) with R11 in [start, end) re-issues
	 *  from R11. */
	TDXSIM_GOP_MAP_GPA = 4,
	/** TDG.MR.RTMR.EXTEND (leaf 2): RCX = @c gpa (48 bytes of data), RDX = @c value (index). */
	TDXSIM_GOP_RTMR_EXTEND = 5,
	/** TDG.MR.REPORT (leaf 4): RCX = @c gpa (1024-byte TDREPORT), RDX = @c args[0]
	 *  (64-byte REPORTDATA), R8 = @c args[1] (sub-type). */
	TDXSIM_GOP_REPORT = 6,
	/** TDG.VP.INFO (leaf 1): the result's out[0..5] = RCX, RDX, R8, R9, R10, R11. */
	TDXSIM_GOP_VP_INFO = 7,
	/** HLT as a Linux TD halts: TDG.VP.VMCALL<Instruction.HLT> (R11 = 12, R12 = @c value,
	 *  "interrupts blocked"). When the host's next TDH.VP.ENTER completes it, the guest's
	 *  RFLAGS.IF becomes 1 for @c value 0 (Linux's safe halt: interrupts on as it returns) and
	 *  0 otherwise; a pending interrupt is then delivered before the next op. */
	TDXSIM_GOP_HLT = 8,
	/** A guest action the module treats as fatal to the TD (a CR0 write that clears a bit
	 *  TDX fixes to 1): TD exit TDX_NON_RECOVERABLE_TD, the TD becomes FATAL. */
	TDXSIM_GOP_ILLEGAL = 9,
	/** A triple fault: TD exit TDX_NON_RECOVERABLE_VCPU, the vCPU becomes DISABLED. */
	TDXSIM_GOP_TRIPLE_FAULT = 10,
	/** Any TDCALL by number (@c value = RAX), RCX/RDX/R8 = @c gpa, @c args[0], @c args[1]:
	 *  for leaves tdxsim does not serve, the status is TDX_OPERAND_INVALID|RAX as the module
	 *  answers unknown leaves. */
	TDXSIM_GOP_TDCALL = 11,
	/** TDG.MEM.PAGE.ACCEPT (leaf 6): RCX = @c gpa | @c value (level: 0 4K, 1 2M). Refusals
	 *  are statuses; a page the host has not AUGed exits to the host (EPT violation, RDX type
	 *  1) and the accept runs again after the next TDH.VP.ENTER. With @c size non-zero it
	 *  accepts [@c gpa, @c gpa + @c size) as the Linux guest's tdx_accept_memory() does (@c
	 *  value ignored): per chunk 1G, then 2M, then 4K where the chunk is aligned and the range
	 *  holds it, any refusal falling back to the next size (so a 2M accept refused with
	 *  TDX_PAGE_SIZE_MISMATCH is retried at 4K); a refused 4K accept ends it with that status.
	 *  out[0] = the GPA reached, out[1] = 4K accepts done, out[2] = larger accepts done,
	 *  out[3] = refused attempts (docs/guest.md). */
	TDXSIM_GOP_ACCEPT = 12,
	/** Write the task priority (x2APIC TPR, CR8 << 4) with @c value (0-255): TPR
	 *  virtualization, then a now-deliverable interrupt is taken before the next op. The
	 *  result's out[0] = PPR after the write. */
	TDXSIM_GOP_SET_TPR = 13,
	/** End of interrupt (x2APIC EOI write): EOI virtualization clears the highest in-service
	 *  vector (SVI). out[0] = that vector (0: none was in service), out[1] = PPR after. */
	TDXSIM_GOP_EOI = 14,
	/** STI: RFLAGS.IF = 1. The STI shadow holds interrupts off until after the next op, so
	 *  STI then TDXSIM_GOP_HLT with @c value 0 is Linux's "sti; tdcall" safe halt. */
	TDXSIM_GOP_STI = 15,
	/** CLI: RFLAGS.IF = 0; pending interrupts wait (TDH.VP.RD still shows them). */
	TDXSIM_GOP_CLI = 16,
} tdxsim_guest_op_kind_t;

/** One guest operation. Fields a kind does not use are ignored. */
typedef struct {
	tdxsim_guest_op_kind_t kind;
	uint64_t gpa;
	uint64_t size;
	uint64_t value;
	uint64_t args[6];
} tdxsim_guest_op_t;

/** What happened to one operation. */
typedef struct {
	/** 0 not run yet; 1 done; 2 done with a #VE injected instead (a PENDING private page
	 *  touched while the TD has SEPT_VE_DISABLE clear: the op is skipped). */
	uint32_t state;
	uint64_t status; /**< the TDCALL's RAX as the guest saw it (0 for memory accesses) */
	uint64_t out[6]; /**< per kind (above) */
} tdxsim_guest_result_t;

#define TDXSIM_GUEST_NOT_RUN   0u
#define TDXSIM_GUEST_DONE      1u
#define TDXSIM_GUEST_VE	       2u
#define TDXSIM_GUEST_MAX_OPS   65536u
#define TDXSIM_TDREPORT_SIZE   1024u
#define TDXSIM_TDVMCALL_MAPGPA UINT64_C(0x10001)
#define TDXSIM_TDVMCALL_HLT    UINT64_C(12)

/**
 * Gives the vCPU whose TDVPR page is at @p tdvpr_pa the program @p ops (copied) and starts it
 * at its first operation; earlier results are dropped. A vCPU without a program runs an
 * endless HLT (every TDH.VP.ENTER exits with TDVMCALL<HLT>), as does one past its last op.
 * @return TDXSIM_OK, TDXSIM_ERR_INVALID_ARG (no such vCPU, @p n over TDXSIM_GUEST_MAX_OPS,
 *         an unknown kind), TDXSIM_ERR_NO_MEMORY
 */
TDXSIM_API tdxsim_err_t tdxsim_guest_load(tdxsim_t *sim, uint64_t tdvpr_pa, const tdxsim_guest_op_t *ops,
					  size_t n);

/**
 * The result of operation @p index of the vCPU's program, and in @p pc (may be NULL) the index
 * of the next operation it will run.
 * @return TDXSIM_OK, TDXSIM_ERR_INVALID_ARG (no vCPU, no program, index out of range)
 */
TDXSIM_API tdxsim_err_t tdxsim_guest_result(const tdxsim_t *sim, uint64_t tdvpr_pa, size_t index,
					    tdxsim_guest_result_t *out, size_t *pc);

/**
 * The host's EPT for the shared GPAs of the TD whose TDR is at @p tdr_pa: maps the 4 KiB pages
 * of [@p gpa, @p gpa + @p size) (shared bit ignored) to host physical memory from @p hpa (KeyID
 * bits 0, simulated RAM). Replaces earlier mappings. A shared access to an unmapped GPA is an
 * EPT-violation TD exit. @p hpa = TDXSIM_GUEST_UNMAP removes mappings.
 * @return TDXSIM_OK, TDXSIM_ERR_INVALID_ARG (no TD, unaligned, outside RAM), TDXSIM_ERR_NO_MEMORY
 */
TDXSIM_API tdxsim_err_t tdxsim_guest_map_shared(tdxsim_t *sim, uint64_t tdr_pa, uint64_t gpa, uint64_t hpa,
						uint64_t size);
#define TDXSIM_GUEST_UNMAP (~UINT64_C(0))

/**
 * Checks a TDREPORT (1024 bytes, as TDG.MR.REPORT wrote it) the way a quoting enclave would:
 * REPORTTYPE is TDX, TEE_TCB_INFO_HASH and TEE_INFO_HASH match the report's own TEE_TCB_INFO
 * and TDINFO, and the MAC verifies with this simulator's report key (an HMAC-SHA-384, not
 * Intel's: docs/fidelity.md). A report from another simulator does not verify.
 * @return TDXSIM_OK, TDXSIM_ERR_INVALID_ARG (NULL), TDXSIM_ERR_STATE (does not verify)
 */
TDXSIM_API tdxsim_err_t tdxsim_report_verify(const tdxsim_t *sim, const void *tdreport);

/**
 * Posts interrupt @p vector (16-255) to the vCPU whose TDVPR is at @p tdvpr_pa as KVM does for
 * a TD: sets the vector's PIR bit and ON in the posted-interrupt descriptor at the vCPU's TD
 * VMCS PID_ADDRESS (host memory, written through the memory-integrity model with that
 * address's KeyID). The host must have enabled posted interrupts with TDH.VP.WR
 * (POSTED_INT_VECTOR, PID_ADDRESS, then PIN_BASED_CONTROLS bit 7), as KVM's vCPU setup does.
 * A host may as well write the descriptor itself. At the next TDH.VP.ENTER the CPU processes
 * a descriptor with ON set (KVM sends itself the notification vector before entering when ON
 * is set): PIR moves into the virtual APIC's IRR and RVI; the guest takes the interrupt at the
 * first instruction boundary with RFLAGS.IF = 1 and RVI[7:4] > PPR[7:4]
 * (tdxsim_guest_interrupts() lists deliveries). Until then TDH.VP.RD of VCPU_STATE_DETAILS
 * (0x9120000300000100) bit 0 shows RVI[7:4] > PPR[7:4]. docs/guest.md.
 * @return TDXSIM_OK, TDXSIM_ERR_INVALID_ARG (no vCPU, vector < 16 or > 255), TDXSIM_ERR_STATE
 *         (posted interrupts not enabled, or the descriptor is not in simulated RAM)
 */
TDXSIM_API tdxsim_err_t tdxsim_guest_post_interrupt(tdxsim_t *sim, uint64_t tdvpr_pa, uint32_t vector);

/** One interrupt the guest took: its vector and the index of the op it ran before
 *  (the program's length when taken after the last op, in the idle HLT). */
typedef struct {
	uint32_t vector;
	uint32_t pc;
} tdxsim_guest_interrupt_t;
#define TDXSIM_GUEST_MAX_INTERRUPT_LOG 64u

/**
 * The interrupts the vCPU's current program took, oldest first: up to @p max into @p out (may
 * be NULL when @p max is 0), and in @p n the number taken since tdxsim_guest_load() (only the
 * first TDXSIM_GUEST_MAX_INTERRUPT_LOG are kept).
 * @return TDXSIM_OK, TDXSIM_ERR_INVALID_ARG (no vCPU, no program, NULL @p n)
 */
TDXSIM_API tdxsim_err_t tdxsim_guest_interrupts(const tdxsim_t *sim, uint64_t tdvpr_pa,
						tdxsim_guest_interrupt_t *out, size_t max, size_t *n);

/** The vCPU's virtual APIC and interrupt flag (apic state the module keeps in the TDVPS). */
typedef struct {
	uint32_t irr[8], isr[8]; /**< vector v = bit v % 32 of word v / 32 */
	uint8_t tpr, ppr;	 /**< vAPIC TPR and PPR */
	uint8_t rvi, svi;	 /**< TD VMCS guest interrupt status */
	bool guest_if;		 /**< guest RFLAGS.IF */
} tdxsim_guest_apic_t;

/** Reads the virtual APIC of the vCPU whose TDVPR is at @p tdvpr_pa.
 *  @return TDXSIM_OK, TDXSIM_ERR_INVALID_ARG (no vCPU, NULL @p out) */
TDXSIM_API tdxsim_err_t tdxsim_guest_apic(const tdxsim_t *sim, uint64_t tdvpr_pa, tdxsim_guest_apic_t *out);

#ifdef __cplusplus
}
#endif

#endif
