/* SPDX-License-Identifier: MIT */
/* Public scripted-guest API (tdxsim/guest.h): programs, results, the host's shared EPT and
 * TDREPORT verification. The guest itself runs inside TDH.VP.ENTER (guest/, seamcall/). */
#include <string.h>

#include "guest/guest.h"
#include "sim/sim.h"

static bool kind_ok(tdxsim_guest_op_kind_t k)
{
	return k >= TDXSIM_GOP_READ && k <= TDXSIM_GOP_ACCEPT;
}

static bool op_ok(const tdxsim_guest_op_t *op)
{
	if (!kind_ok(op->kind))
		return false;
	if (op->kind == TDXSIM_GOP_READ || op->kind == TDXSIM_GOP_WRITE)
		return (op->size == 1 || op->size == 2 || op->size == 4 || op->size == 8) &&
		       !(op->gpa & (op->size - 1));
	if (op->kind == TDXSIM_GOP_MAP_GPA)
		return op->size && op->gpa + op->size > op->gpa;
	return true;
}

tdxsim_err_t tdxsim_guest_load(tdxsim_t *sim, uint64_t tdvpr_pa, const tdxsim_guest_op_t *ops, size_t n)
{
	if (!sim || (n && !ops) || n > TDXSIM_GUEST_MAX_OPS)
		return TDXSIM_ERR_INVALID_ARG;
	for (size_t i = 0; i < n; i++)
		if (!op_ok(&ops[i]))
			return tdxsim_set_error(sim, TDXSIM_ERR_INVALID_ARG,
						"guest op %zu: bad kind, size or address", i);
	struct tdxsim_guest *g = tdxsim_guest_new(ops, n);
	if (!g)
		return TDXSIM_ERR_NO_MEMORY;
	pthread_mutex_lock(&sim->lock);
	struct tdxsim_vcpu *v = tdxsim_vcpu_find(&sim->td, tdvpr_pa);
	if (v) {
		tdxsim_guest_free(v->guest);
		v->guest = g;
	}
	pthread_mutex_unlock(&sim->lock);
	if (!v) {
		tdxsim_guest_free(g);
		return tdxsim_set_error(sim, TDXSIM_ERR_INVALID_ARG, "no vCPU has its TDVPR at 0x%llx",
					(unsigned long long)tdvpr_pa);
	}
	return TDXSIM_OK;
}

tdxsim_err_t tdxsim_guest_result(const tdxsim_t *sim, uint64_t tdvpr_pa, size_t index,
				 tdxsim_guest_result_t *out, size_t *pc)
{
	if (!sim || !out)
		return TDXSIM_ERR_INVALID_ARG;
	tdxsim_err_t err = TDXSIM_ERR_INVALID_ARG;
	pthread_mutex_lock((pthread_mutex_t *)&sim->lock);
	const struct tdxsim_vcpu *v = tdxsim_vcpu_find(&sim->td, tdvpr_pa);
	if (v && v->guest && index < v->guest->n) {
		*out = v->guest->results[index];
		if (pc)
			*pc = v->guest->pc;
		err = TDXSIM_OK;
	}
	pthread_mutex_unlock((pthread_mutex_t *)&sim->lock);
	return err;
}

tdxsim_err_t tdxsim_guest_map_shared(tdxsim_t *sim, uint64_t tdr_pa, uint64_t gpa, uint64_t hpa,
				     uint64_t size)
{
	bool unmap = hpa == TDXSIM_GUEST_UNMAP;
	if (!sim || !size || ((gpa | size) & 0xFFF) || (!unmap && (hpa & 0xFFF)) || gpa + size < gpa)
		return TDXSIM_ERR_INVALID_ARG;
	pthread_mutex_lock(&sim->lock);
	tdxsim_err_t err = TDXSIM_OK;
	struct tdxsim_td *td = tdxsim_td_find(&sim->td, tdr_pa);
	if (!td || (!unmap &&
		    (tdxsim_hkid_strip(&sim->hkid, hpa) != hpa || !tdxsim_mem_ptr(&sim->mem, hpa, size)))) {
		err = TDXSIM_ERR_INVALID_ARG;
		goto out;
	}
	/* The shared bit is whichever GPAW says; mappings are kept without it. */
	uint64_t shared = UINT64_C(1) << (td->tdcs.gpaw ? 51 : 47);
	uint64_t gfn = (gpa & ~shared) >> 12;
	for (uint64_t i = 0; i < size >> 12; i++) {
		if (unmap) {
			tdxsim_u64map_del(&td->shared_map, gfn + i);
			continue;
		}
		/* An integer in the pointer slot (td.h): HPA | 1 is never NULL. */
		if (tdxsim_u64map_put(&td->shared_map, gfn + i, (void *)(uintptr_t)((hpa + (i << 12)) | 1))) {
			err = TDXSIM_ERR_NO_MEMORY;
			break;
		}
	}
out:
	pthread_mutex_unlock(&sim->lock);
	return err;
}

tdxsim_err_t tdxsim_report_verify(const tdxsim_t *sim, const void *tdreport)
{
	if (!sim || !tdreport)
		return TDXSIM_ERR_INVALID_ARG;
	/* The key never changes after creation: no lock needed. */
	return tdxsim_report_check(sim->td.report_key, tdreport) ? TDXSIM_ERR_STATE : TDXSIM_OK;
}
