/* SPDX-License-Identifier: MIT */
/*
 * A vCPU kept inside the guest across host calls (load_guest.c parses the steps):
 *   td_stay_in_guest  tdxsim_vcpu_stay_in_guest(): the vCPU is in guest mode on the LP it is
 *                     associated with, as if TDH.VP.ENTER had just entered it in the TD's
 *                     current TLB epoch, for the next `calls` host SEAMCALLs (0: until
 *                     td_leave_guest). Meanwhile REFCOUNT of that epoch counts it, its TDVPR
 *                     and TDR PAMT entries are held shared, it is VCPU_ACTIVE and its LP takes
 *                     no SEAMCALL (include/tdxsim/td.h; docs/fidelity.md "TLB epochs")
 *   td_leave_guest    tdxsim_vcpu_leave_guest(): the external-interrupt TD exit a host kick
 *                     causes
 * A refusal (TDXSIM_ERR_STATE: VP.ENTER could not enter it now, or it is not in the guest;
 * TDXSIM_ERR_INVALID_ARG: no vCPU at its TDVPR any more) is the step's result, as for the other
 * library-call steps. The LP shown is the one the runner last entered the vCPU on, the epoch
 * the TD's (tdxsim_td_query()), read after the call.
 */
#include "scenario/run_td.h"
#include "tdxsim/td.h"

/* The TD's epoch now, or false when the TD cannot be queried (its TDR reclaimed). */
static bool epoch_of(struct scn_run *r, const struct scn_td_run *td, uint64_t *out)
{
	tdxsim_td_info_t info = {.size = sizeof(info)};
	if (tdxsim_td_query(r->sim, td->tdr, &info) != TDXSIM_OK)
		return false;
	*out = info.td_epoch;
	return true;
}

static int stay(struct scn_run *r, const struct scn_guest_step *g, struct scn_td_run *td, const char *name,
		unsigned v, struct scn_obs *obs)
{
	uint64_t calls = 0, epoch = 0;
	if (g->calls && tdxsim_scn_eval(r, g->calls, &calls))
		return -1;
	if (calls > UINT32_MAX)
		return tdxsim_scn_run_error(r, "td_stay_in_guest.calls: 0x%llx, expected 0..0xffffffff",
					    (unsigned long long)calls);
	obs->has_result = true;
	obs->result = tdxsim_vcpu_stay_in_guest(r->sim, td->vcpu[v].tdvpr & ~SCN_TD_FREED, (uint32_t)calls);
	tdxsim_scn_buf_printf(&r->detail, "TD %s vCPU %u: ", name, v);
	if (obs->result != TDXSIM_OK) {
		tdxsim_scn_buf_printf(&r->detail, "%s: %s",
				      obs->result == TDXSIM_ERR_STATE
					      ? "VP.ENTER could not enter it now (or it is in already)"
					      : "no vCPU at its TDVPR",
				      tdxsim_scn_enum_name(tdxsim_scn_lib_results, obs->result));
		return 0;
	}
	tdxsim_scn_buf_printf(&r->detail, "in the guest on LP %u", td->vcpu[v].ran_lp);
	/* VP.ENTER samples the epoch and raises its REFCOUNT (td-runtime.md 2.4). */
	if (epoch_of(r, td, &epoch))
		tdxsim_scn_buf_printf(&r->detail, " from TD epoch %llu (REFCOUNT[%u] + 1)",
				      (unsigned long long)epoch, (unsigned)(epoch & 1));
	if (calls)
		tdxsim_scn_buf_printf(&r->detail, " for the next %llu host SEAMCALL(s)",
				      (unsigned long long)calls);
	else
		tdxsim_scn_buf_printf(&r->detail, " until td_leave_guest");
	tdxsim_scn_buf_printf(&r->detail, ": ok");
	return 0;
}

static int leave(struct scn_run *r, struct scn_td_run *td, const char *name, unsigned v, struct scn_obs *obs)
{
	uint64_t epoch = 0;
	obs->has_result = true;
	obs->result = tdxsim_vcpu_leave_guest(r->sim, td->vcpu[v].tdvpr & ~SCN_TD_FREED);
	tdxsim_scn_buf_printf(&r->detail, "TD %s vCPU %u: ", name, v);
	if (obs->result != TDXSIM_OK) {
		tdxsim_scn_buf_printf(&r->detail, "%s: %s",
				      obs->result == TDXSIM_ERR_STATE ? "not in the guest"
								      : "no vCPU at its TDVPR",
				      tdxsim_scn_enum_name(tdxsim_scn_lib_results, obs->result));
		return 0;
	}
	tdxsim_scn_buf_printf(&r->detail, "out of the guest on LP %u (external-interrupt exit)",
			      td->vcpu[v].ran_lp);
	if (epoch_of(r, td, &epoch))
		tdxsim_scn_buf_printf(&r->detail, ", TD epoch %llu", (unsigned long long)epoch);
	tdxsim_scn_buf_printf(&r->detail, ": ok");
	return 0;
}

int tdxsim_scn_td_resident(struct scn_run *r, const struct scn_step *s, struct scn_td_run *td,
			   const char *name, struct scn_obs *obs)
{
	const struct scn_guest_step *g = &s->u.guest;
	unsigned v;
	if (tdxsim_scn_guest_vcpu(r, g, td, name, &v))
		return -1;
	return s->kind == SCN_K_TD_STAY_IN_GUEST ? stay(r, g, td, name, v, obs) : leave(r, td, name, v, obs);
}
