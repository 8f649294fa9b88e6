/* SPDX-License-Identifier: MIT */
/* Public scripted-guest API (tdxsim/guest.h): programs, results, the host's shared EPT and
 * TDREPORT verification. The guest itself runs inside TDH.VP.ENTER (guest/, seamcall/). */
#include <string.h>

#include "guest/apic.h"
#include "guest/guest.h"
#include "mce/mce.h"
#include "sim/sim.h"

static bool kind_ok(tdxsim_guest_op_kind_t k)
{
	return k >= TDXSIM_GOP_READ && k <= TDXSIM_GOP_CLI;
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
	if (op->kind == TDXSIM_GOP_SET_TPR)
		return op->value <= 0xFF; /* WRMSR of TPR with bits 63:8 set would #GP */
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

tdxsim_err_t tdxsim_guest_post_interrupt(tdxsim_t *sim, uint64_t tdvpr_pa, uint32_t vector)
{
	if (!sim || vector < 16 || vector > 255)
		return TDXSIM_ERR_INVALID_ARG;
	pthread_mutex_lock(&sim->lock);
	tdxsim_err_t err = TDXSIM_OK;
	struct tdxsim_vcpu *v = tdxsim_vcpu_find(&sim->td, tdvpr_pa);
	if (!v) {
		err = TDXSIM_ERR_INVALID_ARG;
		goto out;
	}
	uint64_t pa = tdxsim_hkid_module_strip(&sim->hkid, v->vmcs_pid_addr);
	uint32_t keyid = tdxsim_hkid_module_of_pa(&sim->hkid, v->vmcs_pid_addr);
	if (!(v->vmcs_pin_based & TDXSIM_PIN_POSTED) || !tdxsim_mem_ptr(&sim->mem, pa, TDXSIM_PID_SIZE)) {
		err = TDXSIM_ERR_STATE;
		goto out;
	}
	/* KVM's pi_test_and_set_pir() then pi_test_and_set_on(): two locked bit sets. */
	uint8_t pid[TDXSIM_PID_SIZE];
	uint64_t mce_pa;
	if ((err = tdxsim_mce_read(sim->integrity, pa, keyid, pid, sizeof(pid), &mce_pa)) != TDXSIM_OK)
		goto out;
	pid[vector / 8] |= (uint8_t)(1u << (vector % 8));
	pid[TDXSIM_PID_ON_BYTE] |= 1;
	err = tdxsim_mce_write(sim->integrity, pa, keyid, pid, sizeof(pid));
out:
	pthread_mutex_unlock(&sim->lock);
	return err;
}

tdxsim_err_t tdxsim_guest_interrupts(const tdxsim_t *sim, uint64_t tdvpr_pa, tdxsim_guest_interrupt_t *out,
				     size_t max, size_t *n)
{
	if (!sim || !n || (max && !out))
		return TDXSIM_ERR_INVALID_ARG;
	tdxsim_err_t err = TDXSIM_ERR_INVALID_ARG;
	pthread_mutex_lock((pthread_mutex_t *)&sim->lock);
	const struct tdxsim_vcpu *v = tdxsim_vcpu_find(&sim->td, tdvpr_pa);
	if (v && v->guest) {
		const struct tdxsim_guest *g = v->guest;
		*n = g->n_interrupts;
		for (size_t i = 0; i < max && i < g->n_interrupts && i < TDXSIM_GUEST_MAX_INTERRUPT_LOG; i++)
			out[i] = g->interrupts[i];
		err = TDXSIM_OK;
	}
	pthread_mutex_unlock((pthread_mutex_t *)&sim->lock);
	return err;
}

tdxsim_err_t tdxsim_guest_apic(const tdxsim_t *sim, uint64_t tdvpr_pa, tdxsim_guest_apic_t *out)
{
	if (!sim || !out)
		return TDXSIM_ERR_INVALID_ARG;
	tdxsim_err_t err = TDXSIM_ERR_INVALID_ARG;
	pthread_mutex_lock((pthread_mutex_t *)&sim->lock);
	const struct tdxsim_vcpu *v = tdxsim_vcpu_find(&sim->td, tdvpr_pa);
	if (v) {
		*out = (tdxsim_guest_apic_t){.tpr = v->vapic_tpr,
					     .ppr = tdxsim_vapic_ppr(v),
					     .rvi = v->rvi,
					     .svi = v->svi,
					     .guest_if = v->guest_if != 0};
		memcpy(out->irr, v->vapic_irr, sizeof(out->irr));
		memcpy(out->isr, v->vapic_isr, sizeof(out->isr));
		err = TDXSIM_OK;
	}
	pthread_mutex_unlock((pthread_mutex_t *)&sim->lock);
	return err;
}
