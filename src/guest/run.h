/* SPDX-License-Identifier: MIT */
/*
 * What the interpreter (run.c) and the TDCALLs served inside the module (tdcall.c) share: one
 * run's context, guest address translation with its exits, and how an op completes.
 * Internal to guest/.
 */
#ifndef TDXSIM_GUEST_RUN_H
#define TDXSIM_GUEST_RUN_H

#include "guest/guest.h"

#define TDXSIM_EXIT_EPT_VIOLATION 48u /* VM-exit basic reasons (td-runtime.md 3.3) */
#define TDXSIM_EXIT_TDCALL	  77u
#define TDXSIM_EEQ_ACCEPT	  1u /* RDX types (extended exit qualification, 3.3) */
#define TDXSIM_EEQ_PENDING_EPT	  6u
#define TDXSIM_STATUS_HOST_HINT	  (UINT64_C(1) << 60) /* status bit "host recoverability hint" */

/* How an op ended: it completed (pc moves on), the vCPU exits (out/status are set), or the
 * host ran out of memory. */
enum tdxsim_step { TDXSIM_STEP_DONE, TDXSIM_STEP_EXIT, TDXSIM_STEP_NOMEM };

struct tdxsim_guest_run {
	struct tdxsim_guest_env *env;
	struct tdxsim_guest *g;
	tdxsim_regs_t *out;
	uint64_t status; /* RAX of the exit */
	size_t entry_pc; /* the op the guest was entered at ("RIP on TD entry", stepping.c) */
	bool epf;	 /* the exit is a private-GPA EPT violation of a guest access, at epf_gpa */
	uint64_t epf_gpa;
};

/* Where a guest access lands: translated, exited (EPT violation), #VE/#PF in the guest, or an
 * invalid TDCALL operand. */
enum tdxsim_xlate { TDXSIM_XL_OK, TDXSIM_XL_EXIT, TDXSIM_XL_VE, TDXSIM_XL_INVALID };

/* The guest's shared bit: 51 with GPAW, else 47 (td-runtime.md 1.1). */
static inline uint64_t tdxsim_guest_shared_bit(const struct tdxsim_td *td)
{
	return UINT64_C(1) << (td->tdcs.gpaw ? 51 : 47);
}

/* TD exit with reason 48 (td-runtime.md 3.3): RCX = access bits | entry RWX << 3, RDX = @eeq,
 * R8 = @gpa's page, every other register 0. */
enum tdxsim_step tdxsim_guest_ept_exit(struct tdxsim_guest_run *r, uint64_t gpa, bool write,
				       uint64_t entry_rwx, uint64_t eeq);

/*
 * A guest load or store of [gpa, gpa + len) (one page) through the secure EPT or the host's
 * shared map and the memory-integrity model. *x tells how translation went; the step is EXIT
 * for an exit (registers set), NOMEM, or DONE (also when *x is VE or INVALID: nothing done).
 * @private_only: a shared GPA is an invalid operand (RTMR.EXTEND's data).
 */
enum tdxsim_step tdxsim_guest_access(struct tdxsim_guest_run *r, uint64_t gpa, bool write, void *buf,
				     size_t len, bool private_only, enum tdxsim_xlate *x);

/* The current op completed with @status as the guest's RAX. A TDCALL that completes clears
 * the vCPU's host-priority busy tracking (td-runtime.md 5.5); tdcall.c sets it again for a
 * host-priority refusal. */
void tdxsim_guest_done(struct tdxsim_guest_run *r, uint64_t status);

/* Non-recoverable exits: @status | @reason in RAX; the TD becomes FATAL, or for
 * TDX_NON_RECOVERABLE_VCPU the vCPU DISABLED. */
enum tdxsim_step tdxsim_guest_fatal_exit(struct tdxsim_guest_run *r, uint64_t status, uint32_t reason);

/* TDG.VP.VMCALL's guest-side select check and exit (td-runtime.md 3.4). */
enum tdxsim_step tdxsim_guest_vmcall_exit(struct tdxsim_guest_run *r, uint64_t mask, const uint64_t args[6]);

/* Zero-step bookkeeping at every TD exit of a run (stepping.c, td-runtime.md 3.5). */
void tdxsim_guest_stepping_exit(struct tdxsim_guest_run *r);

/* TDCALLs served inside the module (tdcall.c). */
enum tdxsim_step tdxsim_guest_rtmr_extend(struct tdxsim_guest_run *r, uint64_t gpa, uint64_t idx);
enum tdxsim_step tdxsim_guest_report(struct tdxsim_guest_run *r, uint64_t report_gpa, uint64_t data_gpa,
				     uint64_t subtype);
enum tdxsim_step tdxsim_guest_vp_info(struct tdxsim_guest_run *r);
enum tdxsim_step tdxsim_guest_accept(struct tdxsim_guest_run *r, uint64_t info);
/* ACCEPT over [gpa, gpa + size) as the Linux guest does it, falling back 1G -> 2M -> 4K
 * (accept_range.c). */
enum tdxsim_step tdxsim_guest_accept_range(struct tdxsim_guest_run *r, const tdxsim_guest_op_t *op);
/* A TDCALL by number (TDXSIM_GOP_TDCALL). */
enum tdxsim_step tdxsim_guest_tdcall(struct tdxsim_guest_run *r, const tdxsim_guest_op_t *op);

#endif
