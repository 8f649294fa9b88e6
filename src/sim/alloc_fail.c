/* SPDX-License-Identifier: MIT */
/* tdxsim_phys_alloc_fail_after(): arms the allocator's on-demand failures (mem/alloc_fail.c). */
#include "sim/sim.h"

tdxsim_err_t tdxsim_phys_alloc_fail_after(tdxsim_t *sim, uint32_t skip, uint32_t count)
{
	if (!sim)
		return TDXSIM_ERR_INVALID_ARG;
	pthread_mutex_lock(&sim->lock);
	tdxsim_mem_fail_after(&sim->mem, skip, count);
	pthread_mutex_unlock(&sim->lock);
	return TDXSIM_OK;
}
