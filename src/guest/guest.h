/* SPDX-License-Identifier: MIT */
/*
 * Scripted guests (tdxsim/guest.h, docs/guest.md): one program per vCPU and the interpreter
 * TDH.VP.ENTER calls to run it until the next TD exit (td-runtime.md 3.3, 3.4, 4).
 *
 * Where the state lives. struct tdxsim_guest hangs off struct tdxsim_vcpu (td/td.h, the
 * "guest" pointer, outside the hashed byte range); td.c copies, frees and hashes it through
 * the ops table tdxsim_guest_vcpu_ops, which the simulator installs in struct tdxsim_tds, so
 * td/ does not depend on this folder. The host's shared EPT is the TD's shared_map (td.h).
 *
 * A program counter (pc) names the next op. An op that exits to the host either completes at
 * the exit (nothing to resume) or waits for the next VP.ENTER (a TDVMCALL: the host's reply
 * completes it); an op that meets an EPT violation is run again after the host's next
 * VP.ENTER (pc unchanged), as the faulting instruction would be.
 *
 * Invariants (tdxsim_guest_check, run by tdxsim_check_invariants): pc <= n; results has n
 * entries; vmcall_pending only while pc < n and ops[pc] is a TDVMCALL kind (VMCALL, MAP_GPA,
 * HLT, or TDCALL leaf 0).
 */
#ifndef TDXSIM_GUEST_GUEST_H
#define TDXSIM_GUEST_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tdxsim/guest.h"

#include "td/td.h"

struct tdxsim_integrity;
struct tdxsim_mem;

struct tdxsim_guest {
	tdxsim_guest_op_t *ops;
	tdxsim_guest_result_t *results;
	size_t n, pc;
	bool vmcall_pending;   /* ops[pc] exited with a TDVMCALL; the next VP.ENTER answers it */
	uint64_t vmcall_mask;  /* its GPR select (RCX of the TDCALL) */
	uint64_t mapgpa_start; /* MapGPA: where the current attempt starts (retries move it) */
	uint32_t mapgpa_stalls;
	bool sti_shadow;       /* the last op was an STI with IF 0 before: the next boundary is blocked */
	uint32_t n_interrupts; /* interrupts taken (guest.h tdxsim_guest_interrupts) */
	tdxsim_guest_interrupt_t interrupts[TDXSIM_GUEST_MAX_INTERRUPT_LOG];
};

/* The ops td.c uses for struct tdxsim_vcpu's guest pointer. */
extern const struct tdxsim_vcpu_ext_ops tdxsim_guest_vcpu_ops;

/* A program of @n ops (copied); NULL when out of memory. */
struct tdxsim_guest *tdxsim_guest_new(const tdxsim_guest_op_t *ops, size_t n);
void tdxsim_guest_free(struct tdxsim_guest *g);
struct tdxsim_guest *tdxsim_guest_dup(const struct tdxsim_guest *g);
uint64_t tdxsim_guest_hash(const struct tdxsim_guest *g, uint64_t h);
/* The invariants above, and what they imply for the results: ops before pc have completed
 * (DONE or VE), ops from pc on have not run; a MapGPA retry point (mapgpa_start) exists only
 * while that MapGPA waits for the host and lies in its range. 0, or -1 with a message. */
int tdxsim_guest_check(const struct tdxsim_guest *g, char *msg, size_t len);

/* The TDREPORT parts the CPU's report instruction supplies (td-runtime.md 4.4). */
struct tdxsim_report_cpu {
	const uint8_t *key;	   /* TDXSIM_REPORT_KEY_SIZE bytes: the MAC key */
	uint8_t cpusvn[16];	   /* CPUSVN */
	uint8_t tee_tcb_info[239]; /* TEE_TCB_INFO, built by the caller */
};
#define TDXSIM_REPORT_KEY_SIZE 48

/* What a run needs besides the vCPU: the memory paths and the module's report inputs. */
struct tdxsim_guest_env {
	struct tdxsim_integrity *integrity;
	const struct tdxsim_mem *mem;
	struct tdxsim_td *td;
	struct tdxsim_vcpu *v;
	/* Fills the CPU's report inputs; called only by TDG.MR.REPORT, so that an entry does not
	 * build them (a VP.ENTER round trip is a hot path: bench/bench_td_run). */
	void (*report_cpu)(const void *ctx, struct tdxsim_report_cpu *out);
	const void *report_ctx;
	struct tdxsim_locks *locks; /* the module's try-locks: guest-side secure-EPT entry locks */
	uint64_t tsc;		    /* the LP's TSC at entry; guest time adds `cycles` (HP timeout) */
	bool host_hint;		    /* VP.ENTER RCX bit 52: host-recoverability hint (5.5) */
	uint64_t cycles; /* virtual cycles of what the guest did (docs/cycles.md), added by the run */
	/* Costs (docs/cycles.md): a guest memory op, a TDCALL served in the module, SHA-384 per
	 * byte, the report instruction's MAC, zeroing 4 KiB with MOVDIR64B (ACCEPT). */
	uint64_t cost_op, cost_tdcall, cost_sha384_byte, cost_report_mac, cost_zero_4k;
};

/*
 * Runs the vCPU's program from its pc until the next TD exit and writes the exit registers
 * (td-runtime.md 3.3, 3.4) into @out; returns the exit status (RAX). @in holds the host's
 * registers of this VP.ENTER (the reply to a pending TDVMCALL). The TD or vCPU is marked fatal
 * / disabled for the non-recoverable exits. Returns TDXSIM_STATUS_NO_MEMORY (nothing run)
 * when the host is out of memory.
 */
uint64_t tdxsim_guest_run(struct tdxsim_guest_env *env, const tdxsim_regs_t *in, tdxsim_regs_t *out);

/* Zero-step filter at TD entry (stepping.c, td-runtime.md 3.5 row 16): true, with the GPA in
 * *gpa, when a GPA of the vCPU's LAST_EPF_GPA_LIST still does not translate. The caller holds
 * the secure-EPT tree exclusively. */
bool tdxsim_guest_epf_pending(const struct tdxsim_td *td, const struct tdxsim_vcpu *v, uint64_t *gpa);

/* TDREPORT (report.c). Builds the 1024-byte report of @td with @reportdata into @out. 0, or -1
 * if the hash library failed. */
int tdxsim_report_build(const struct tdxsim_td *td, const struct tdxsim_report_cpu *cpu,
			const uint8_t reportdata[64], uint8_t out[TDXSIM_TDREPORT_SIZE]);
/* 0 when @report verifies with @key (tdxsim_report_verify). */
int tdxsim_report_check(const uint8_t *key, const uint8_t report[TDXSIM_TDREPORT_SIZE]);
/* RTMR[@idx] = SHA-384(RTMR[@idx] || @data). 0, or -1 if the hash library failed. */
int tdxsim_rtmr_extend(struct tdxsim_td *td, unsigned idx, const uint8_t data[48]);

#endif
