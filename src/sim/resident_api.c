/* SPDX-License-Identifier: MIT */
/* Public control of vCPUs resident in guest mode (tdxsim/td.h; seamcall/resident.h). */
#include "seamcall/resident.h"
#include "sim/sim.h"

tdxsim_err_t tdxsim_vcpu_stay_in_guest(tdxsim_t *sim, uint64_t tdvpr_pa, uint32_t calls)
{
	if (!sim)
		return TDXSIM_ERR_INVALID_ARG;
	pthread_mutex_lock(&sim->lock);
	struct tdxsim_vcpu *v = tdxsim_vcpu_find(&sim->td, tdvpr_pa);
	tdxsim_err_t err = v ? tdxsim_resident_enter(sim, v, calls) : TDXSIM_ERR_INVALID_ARG;
	pthread_mutex_unlock(&sim->lock);
	if (err)
		return tdxsim_set_error(sim, err, "stay_in_guest: %s",
					v ? "TDH.VP.ENTER could not enter this vCPU on its LP now"
					  : "no vCPU has its TDVPR there");
	return TDXSIM_OK;
}

tdxsim_err_t tdxsim_vcpu_leave_guest(tdxsim_t *sim, uint64_t tdvpr_pa)
{
	if (!sim)
		return TDXSIM_ERR_INVALID_ARG;
	pthread_mutex_lock(&sim->lock);
	struct tdxsim_vcpu *v = tdxsim_vcpu_find(&sim->td, tdvpr_pa);
	tdxsim_err_t err = !v ? TDXSIM_ERR_INVALID_ARG : !v->resident ? TDXSIM_ERR_STATE : TDXSIM_OK;
	if (!err)
		tdxsim_resident_exit(sim, v);
	pthread_mutex_unlock(&sim->lock);
	if (err)
		return tdxsim_set_error(sim, err, "leave_guest: %s",
					v ? "the vCPU is not in the guest" : "no vCPU has its TDVPR there");
	return TDXSIM_OK;
}
