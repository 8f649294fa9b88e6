/* SPDX-License-Identifier: MIT */
/*
 * Simulator snapshots (tdxsim/snapshot.h): the one place that knows every folder's state.
 *
 * Contract for a folder whose state hangs off struct tdxsim: it offers
 *   save(live, saved)      a copy of everything that changes, with its own allocations
 *                          (0, or -1 when out of memory); refuse what it cannot copy yet;
 *   restore(live, saved)   copies it back into the same simulator; must not fail (allocate
 *                          in save, or reuse what the live object has);
 *   and a way to free the saved copy;
 * or, for state held through a pointer (PAMT store), a deep clone whose copy replaces the live
 * object on restore; or (integrity model, whose object is big and keeps the host's handler) a
 * clone to save and a prepare (may fail) / commit (may not) pair that restores it in place.
 * Adding a folder's state is one field in struct
 * tdxsim_snapshot, one call in take(), one in restore() and one in free() below; tests check
 * the whole through tdxsim_state_hash() (tests/test_snapshot.c), so a folder that forgets
 * something its hash covers shows up there.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "mce/mce.h"
#include "sim/sim.h"
#include "tdxsim/snapshot.h"

struct tdxsim_snapshot {
	const struct tdxsim *sim; /* the simulator it belongs to */
	struct tdxsim_cpu cpu;
	struct tdxsim_hkid hkid;
	struct tdxsim_module mod;
	uint8_t *lp_initialized;
	struct tdxsim_seamldr ldr;
	struct tdxsim_pamt *pamt;
	struct tdxsim_tds td;
	struct tdxsim_locks_marks {
		unsigned num_contended; /* tdxsim_contend() marks: the copy starts without any */
		struct tdxsim_contention contended[TDXSIM_ARRAY_SIZE(((struct tdxsim_locks *)0)->contended)];
	} marks;
	struct tdxsim_integrity *integrity;
	struct tdxsim_mem_saved mem;
	bool asleep;
	uint8_t *online_before_sleep; /* NULL when the live one is */
	unsigned num_injections;
	struct tdxsim_injection *injections;
};

void tdxsim_snapshot_free(tdxsim_snapshot_t *snap)
{
	if (!snap)
		return;
	tdxsim_cpu_fini(&snap->cpu);
	tdxsim_hkid_fini(&snap->hkid);
	free(snap->lp_initialized);
	tdxsim_seamldr_fini(&snap->ldr);
	tdxsim_pamt_destroy(snap->pamt);
	tdxsim_tds_fini(&snap->td);
	tdxsim_integrity_destroy(snap->integrity);
	tdxsim_mem_saved_free(&snap->mem);
	free(snap->online_before_sleep);
	free(snap->injections);
	free(snap);
}

static void *dup_bytes(const void *p, size_t n)
{
	void *d = malloc(n ? n : 1);
	if (d && n)
		memcpy(d, p, n);
	return d;
}

tdxsim_err_t tdxsim_snapshot_take(tdxsim_t *sim, tdxsim_snapshot_t **out)
{
	if (!sim || !out)
		return TDXSIM_ERR_INVALID_ARG;
	*out = NULL;
	if (sim->cfg.trap_mode)
		return tdxsim_set_error(sim, TDXSIM_ERR_STATE, "snapshot: trap mode is not supported");
	struct tdxsim_snapshot *s = calloc(1, sizeof(*s));
	if (!s)
		return TDXSIM_ERR_NO_MEMORY;
	s->sim = sim;
	tdxsim_err_t err = TDXSIM_ERR_NO_MEMORY;
	pthread_mutex_lock(&sim->lock);
	if (tdxsim_tds_init(&s->td, sim->td.num_keyids) || tdxsim_tds_copy(&s->td, &sim->td) ||
	    tdxsim_cpu_save(&sim->cpu, &s->cpu) || tdxsim_hkid_save(&sim->hkid, &s->hkid) ||
	    tdxsim_seamldr_save(&sim->ldr, &s->ldr) || tdxsim_pamt_clone(sim->pamt, &s->pamt) ||
	    tdxsim_integrity_clone(sim->integrity, &s->integrity) || tdxsim_mem_save(&sim->mem, &s->mem))
		goto fail;
	s->marks.num_contended = sim->td.locks.num_contended;
	memcpy(s->marks.contended, sim->td.locks.contended, sizeof(s->marks.contended));
	s->mod = sim->mod;
	if (!(s->lp_initialized = dup_bytes((const void *)sim->mod.lp_initialized, sim->cpu.num_lps)))
		goto fail;
	s->asleep = sim->asleep;
	if (sim->online_before_sleep &&
	    !(s->online_before_sleep = dup_bytes(sim->online_before_sleep, sim->cpu.num_lps)))
		goto fail;
	s->num_injections = sim->num_injections;
	if (!(s->injections = dup_bytes(sim->injections, sim->num_injections * sizeof(*sim->injections))))
		goto fail;
	pthread_mutex_unlock(&sim->lock);
	*out = s;
	return TDXSIM_OK;
fail:
	pthread_mutex_unlock(&sim->lock);
	tdxsim_snapshot_free(s);
	return err;
}

tdxsim_err_t tdxsim_snapshot_forget_pointers(tdxsim_t *sim)
{
	if (!sim)
		return TDXSIM_ERR_INVALID_ARG;
	pthread_mutex_lock(&sim->lock);
	tdxsim_mem_unexpose(&sim->mem);
	pthread_mutex_unlock(&sim->lock);
	return TDXSIM_OK;
}

tdxsim_err_t tdxsim_snapshot_restore(tdxsim_t *sim, const tdxsim_snapshot_t *s)
{
	if (!sim || !s || s->sim != sim)
		return TDXSIM_ERR_INVALID_ARG;
	struct tdxsim_pamt_restore pamt;
	struct tdxsim_integrity_copy integrity;
	struct tdxsim_tds *td = sim->td_spare;
	struct tdxsim_injection *inj = NULL;
	uint8_t *online = sim->online_before_sleep;

	pthread_mutex_lock(&sim->lock);
	/* Everything that can fail comes first, so that a failure changes nothing. */
	if (tdxsim_pamt_restore_prepare(sim->pamt, s->pamt, &pamt))
		goto no_memory;
	if (tdxsim_integrity_restore_prepare(sim->integrity, s->integrity, &integrity)) {
		tdxsim_pamt_restore_abort(sim->pamt, &pamt);
		goto no_memory;
	}
	if (!td) {
		if (!(td = malloc(sizeof(*td))) || tdxsim_tds_init(td, sim->td.num_keyids)) {
			free(td); /* tdxsim_tds_init() freed what it had made */
			tdxsim_integrity_restore_abort(sim->integrity, &integrity);
			tdxsim_pamt_restore_abort(sim->pamt, &pamt);
			goto no_memory;
		}
		sim->td_spare = td;
	}
	if (tdxsim_tds_copy(td, &s->td)) { /* clears @td when it fails */
		tdxsim_integrity_restore_abort(sim->integrity, &integrity);
		tdxsim_pamt_restore_abort(sim->pamt, &pamt);
		goto no_memory;
	}
	if ((s->num_injections > sim->cap_injections && !(inj = malloc(s->num_injections * sizeof(*inj)))) ||
	    (s->online_before_sleep && !online && !(online = malloc(sim->cpu.num_lps))) ||
	    tdxsim_mem_restore(&sim->mem, &s->mem)) {
		free(inj);
		if (online != sim->online_before_sleep)
			free(online);
		tdxsim_tds_clear(td);
		tdxsim_integrity_restore_abort(sim->integrity, &integrity);
		tdxsim_pamt_restore_abort(sim->pamt, &pamt);
		goto no_memory;
	}

	/* From here on nothing fails. */
	tdxsim_cpu_restore(&sim->cpu, &s->cpu);
	tdxsim_hkid_restore(&sim->hkid, &s->hkid);
	_Atomic uint8_t *lp_init = sim->mod.lp_initialized;
	/* The metadata view (18 KiB, the module struct's last member) is derived from its first
	 * fields and the instance's profile: copied only when those differ (module.h). */
	_Static_assert(offsetof(struct tdxsim_module, md) + sizeof(struct tdxsim_md_view) ==
			       sizeof(struct tdxsim_module),
		       "md is the last member of struct tdxsim_module");
	bool same_md = !memcmp(&sim->mod.inst, &s->mod.inst, sizeof(s->mod.inst)) &&
		       tdxsim_md_view_same_inputs(&sim->mod.md, &s->mod.md);
	memcpy((void *)&sim->mod, (const void *)&s->mod, offsetof(struct tdxsim_module, md));
	if (!same_md)
		sim->mod.md = s->mod.md;
	sim->mod.lp_initialized = lp_init;
	/* Atomic stores: tdxsim_lp_initialized() reads the flags without the lock. */
	for (uint32_t i = 0; i < sim->cpu.num_lps; i++)
		atomic_store_explicit(&lp_init[i], s->lp_initialized[i], memory_order_relaxed);
	tdxsim_seamldr_restore(&sim->ldr, &s->ldr);
	/* No SEAMCALL is in flight (the lock is held): no module lock is taken, so the registry can
	 * move as a whole. */
	struct tdxsim_tds old = sim->td;
	sim->td = *td;
	*td = old;
	tdxsim_tds_clear(td);
	sim->td.locks.num_contended = s->marks.num_contended;
	memcpy(sim->td.locks.contended, s->marks.contended, sizeof(s->marks.contended));
	tdxsim_pamt_restore_commit(&sim->pamt, s->pamt, &pamt);
	/* In place: the machine-check handler is the host's setting, not simulator state, and
	 * stays. */
	tdxsim_integrity_restore_commit(sim->integrity, s->integrity, &integrity);
	sim->asleep = s->asleep;
	sim->online_before_sleep = online;
	if (online && s->online_before_sleep)
		memcpy(online, s->online_before_sleep, sim->cpu.num_lps);
	else if (online)
		memset(online, 0, sim->cpu.num_lps);
	if (inj) {
		free(sim->injections);
		sim->injections = inj;
		sim->cap_injections = s->num_injections;
	}
	if (s->num_injections)
		memcpy(sim->injections, s->injections, s->num_injections * sizeof(*inj));
	sim->num_injections = s->num_injections;
	pthread_mutex_unlock(&sim->lock);
	return TDXSIM_OK;
no_memory:
	pthread_mutex_unlock(&sim->lock);
	return TDXSIM_ERR_NO_MEMORY;
}
