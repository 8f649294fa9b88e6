/* SPDX-License-Identifier: MIT */
/* Shared by the TD step executors (run_td.c, run_td_teardown.c). */
#ifndef TDXSIM_SCENARIO_RUN_TD_H
#define TDXSIM_SCENARIO_RUN_TD_H

#include "host_tdx.h"
#include "scenario/run.h"
#include "tdxsim/memory.h"

/* One TD step in progress: the SEAMCALLs it made and the first that failed. */
struct scn_tdop {
	struct scn_run *r;
	const char *name; /* the TD's name */
	unsigned calls;
	bool failed;	 /* a SEAMCALL failed: status says which status; the step stops there */
	bool err;	 /* the step cannot run (r->err says why) */
	uint64_t status; /* the failed call's status, 0 when all succeeded */
	size_t mark;	 /* length of the step's detail before the failed call's text */
};

/* A SEAMCALL of the step (TDX_RND_NO_ENTROPY retried as Linux does). True on TDX_SUCCESS; else
 * records the status and what failed in the step's detail and returns false. */
bool tdxsim_scn_td_call(struct scn_tdop *o, uint32_t lp, uint64_t leaf, tdxsim_regs_t *regs);
/* The failed call is one KVM accepts (e.g. TDX_VCPU_NOT_ASSOCIATED on VP.FLUSH): the step goes
 * on as if it had succeeded, and the report does not list it. */
void tdxsim_scn_td_forgive(struct scn_tdop *o);
/* A free 4 KiB page from the host allocator; 0 (o->err set) when there is none. */
uint64_t tdxsim_scn_td_alloc(struct scn_tdop *o);
/* The first LP of package @pkg. */
uint32_t tdxsim_scn_pkg_lp(struct scn_run *r, uint32_t pkg);
/* td_add_pages (run_td_memory.c). Returns -1 if the step cannot run, else 0. */
int tdxsim_scn_td_add_pages(struct scn_tdop *o, const struct scn_td_step *t, struct scn_td_run *td);
/* SEPT.ADD of every table on the way to a leaf at @leaf_level (0 4K, 1 2M) for @gpa that the TD
 * does not have yet, on LP 0 (run_td_memory.c). Returns 0, 1 after a failed SEAMCALL, -1 if the
 * step cannot run. */
int tdxsim_scn_td_sept_populate(struct scn_tdop *o, struct scn_td_run *td, uint64_t gpa, unsigned leaf_level);
/* Records a private page the hypervisor gave the TD (@gpa | level, @hpa); false: out of memory. */
bool tdxsim_scn_td_record_page(struct scn_td_run *td, uint64_t gpa_level, uint64_t hpa);
/* The vCPU index a guest step names (NULL: 0); -1 (run error) when the TD has no such vCPU
 * (run_guest.c). */
int tdxsim_scn_guest_vcpu(struct scn_run *r, const struct scn_guest_step *g, const struct scn_td_run *td,
			  const char *name, unsigned *out);
/* td_stay_in_guest and td_leave_guest (run_guest_resident.c). Returns -1 if the step cannot
 * run, else 0 with the API's result in @obs. */
int tdxsim_scn_td_resident(struct scn_run *r, const struct scn_step *s, struct scn_td_run *td,
			   const char *name, struct scn_obs *obs);
/* td_teardown (run_td_teardown.c). Returns -1 if the step cannot run, else 0. */
int tdxsim_scn_td_teardown(struct scn_tdop *o, const struct scn_td_step *t, struct scn_td_run *td);

#endif
