/* SPDX-License-Identifier: MIT */
/* Public TD queries and deterministic contention (tdxsim/td.h). */
#include <string.h>

#include "sim/sim.h"
#include "tdxsim/td.h"

tdxsim_err_t tdxsim_contend(tdxsim_t *sim, tdxsim_resource_t res, uint64_t key, uint64_t key2,
			    tdxsim_lock_mode_t mode, uint32_t count)
{
	if (!sim)
		return TDXSIM_ERR_INVALID_ARG;
	pthread_mutex_lock(&sim->lock);
	tdxsim_err_t err = tdxsim_locks_contend(&sim->td.locks, res, key, key2, mode, count);
	pthread_mutex_unlock(&sim->lock);
	if (err)
		return tdxsim_set_error(sim, err, "contend: %s",
					err == TDXSIM_ERR_NO_MEMORY ? "too many pending marks"
								    : "bad resource, mode or count");
	return TDXSIM_OK;
}

tdxsim_err_t tdxsim_fail_entropy(tdxsim_t *sim, uint32_t count)
{
	if (!sim)
		return TDXSIM_ERR_INVALID_ARG;
	pthread_mutex_lock(&sim->lock);
	sim->td.entropy_failures = count;
	pthread_mutex_unlock(&sim->lock);
	return TDXSIM_OK;
}

tdxsim_err_t tdxsim_pend_host_interrupts(tdxsim_t *sim, uint32_t lp, uint32_t count)
{
	if (!sim || lp >= sim->cpu.num_lps)
		return TDXSIM_ERR_INVALID_ARG;
	pthread_mutex_lock(&sim->lock);
	sim->cpu.lps[lp].host_intr_pending = count;
	pthread_mutex_unlock(&sim->lock);
	return TDXSIM_OK;
}

void tdxsim_clear_contention(tdxsim_t *sim)
{
	if (!sim)
		return;
	pthread_mutex_lock(&sim->lock);
	tdxsim_locks_clear_contention(&sim->td.locks);
	pthread_mutex_unlock(&sim->lock);
}

tdxsim_err_t tdxsim_td_query(const tdxsim_t *sim, uint64_t tdr_pa, tdxsim_td_info_t *out)
{
	if (!sim || !out || out->size < sizeof(*out))
		return TDXSIM_ERR_INVALID_ARG;
	pthread_mutex_lock((pthread_mutex_t *)&sim->lock);
	const struct tdxsim_td *td = tdxsim_td_find(&sim->td, tdr_pa);
	if (td) {
		uint32_t size = out->size;
		memset(out, 0, sizeof(*out));
		out->size = size;
		out->hkid = td->hkid;
		out->lifecycle = td->lifecycle;
		out->op_state = td->tdcs.op_state;
		out->fatal = td->fatal;
		out->num_tdcx = td->num_tdcx;
		out->chldcnt = td->chldcnt;
		out->pkg_config_bitmap = td->pkg_config_bitmap;
		out->num_vcpus = td->tdcs.num_vcpus;
		out->num_assoc_vcpus = td->tdcs.num_assoc_vcpus;
		out->td_epoch = td->tdcs.td_epoch;
		memcpy(out->mrtd, td->tdcs.mrtd, sizeof(out->mrtd));
	}
	pthread_mutex_unlock((pthread_mutex_t *)&sim->lock);
	return td ? TDXSIM_OK : TDXSIM_ERR_STATE;
}

int tdxsim_kot_state(const tdxsim_t *sim, uint32_t keyid)
{
	if (!sim || !tdxsim_hkid_is_private(&sim->hkid, keyid))
		return -1;
	pthread_mutex_lock((pthread_mutex_t *)&sim->lock);
	int state = sim->hkid.kot[keyid];
	pthread_mutex_unlock((pthread_mutex_t *)&sim->lock);
	return state;
}

uint32_t tdxsim_td_count(const tdxsim_t *sim)
{
	if (!sim)
		return 0;
	pthread_mutex_lock((pthread_mutex_t *)&sim->lock);
	uint32_t n = (uint32_t)sim->td.tds.n;
	pthread_mutex_unlock((pthread_mutex_t *)&sim->lock);
	return n;
}
