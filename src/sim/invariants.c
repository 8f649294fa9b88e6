/* SPDX-License-Identifier: MIT */
/* Whole-simulator invariants and the observable-state hash (tdxsim.h). */
#include <stdio.h>

#include "core/util.h"
#include "mce/mce.h"
#include "seamcall/td_check.h"
#include "seamcall/td_common.h"
#include "sim/sim.h"

#define FAIL(...)                                        \
	do {                                             \
		if (msg && len)                          \
			snprintf(msg, len, __VA_ARGS__); \
		return TDXSIM_ERR_INVARIANT;             \
	} while (0)

static tdxsim_err_t check_module(const struct tdxsim *sim, char *msg, size_t len)
{
	const struct tdxsim_module *m = &sim->mod;
	uint32_t count = 0;
	for (uint32_t i = 0; i < sim->cpu.num_lps; i++)
		count += m->lp_initialized[i] != 0;
	if (count != m->lps_initialized)
		FAIL("module: %u LPs flagged initialized but counter says %u", count, m->lps_initialized);
	uint32_t all_pkgs = (UINT32_C(1) << sim->cpu.num_packages) - 1;
	if (m->pkg_key_done & ~all_pkgs)
		FAIL("module: key configured on a package that does not exist (0x%x)", m->pkg_key_done);
	/* A module loaded by a TD-preserving update holds the old module's TDMRs and keys as
	 * handoff data until TDH.SYS.UPDATE (seamldr/instance.c). */
	bool handoff = m->handoff_valid;
	if (handoff && m->state != TDXSIM_SYSINIT_PENDING && m->state != TDXSIM_SYSINIT_DONE &&
	    m->state != TDXSIM_SYS_SHUTDOWN && m->state != TDXSIM_MODULE_GONE)
		FAIL("module: handoff data pending in state %d", (int)m->state);
	switch ((tdxsim_module_state_t)m->state) {
	case TDXSIM_SYSINIT_PENDING:
		if (count || (!handoff && (m->pkg_key_done || tdxsim_pamt_num_tdmrs(sim->pamt))))
			FAIL("module: SYSINIT_PENDING with LPs initialized, keys or TDMRs");
		break;
	case TDXSIM_SYSINIT_DONE:
		if (!handoff && (m->pkg_key_done || tdxsim_pamt_num_tdmrs(sim->pamt)))
			FAIL("module: SYSINIT_DONE with keys or TDMRs configured");
		break;
	case TDXSIM_SYSCONFIG_DONE:
	case TDXSIM_SYS_READY:
		if (count != sim->cpu.num_lps)
			FAIL("module: configured although only %u of %u LPs are initialized", count,
			     sim->cpu.num_lps);
		if (tdxsim_pamt_num_tdmrs(sim->pamt) == 0)
			FAIL("module: configured without TDMRs");
		if (!tdxsim_hkid_is_private(&sim->hkid, m->global_hkid) ||
		    sim->hkid.kot[m->global_hkid] != TDXSIM_HKID_RESERVED)
			FAIL("module: global KeyID %u not private or not reserved in the KOT",
			     m->global_hkid);
		if (m->state == TDXSIM_SYS_READY && m->pkg_key_done != all_pkgs)
			FAIL("module: SYS_READY before every package has its key (0x%x)", m->pkg_key_done);
		if (m->state == TDXSIM_SYSCONFIG_DONE && m->pkg_key_done == all_pkgs)
			FAIL("module: every package has its key but state is still SYSCONFIG_DONE");
		break;
	default:
		break;
	}
	return TDXSIM_OK;
}

/* The module's, the P-SEAMLDR's, the LPs' and the KOT's part of the state hash. */
static uint64_t hash_head(const struct tdxsim *sim)
{
	const struct tdxsim_module *m = &sim->mod;
	uint64_t h = TDXSIM_HASH_SEED;
	h = tdxsim_hash_u64(h, m->state);
	h = tdxsim_hash_u64(h, m->lps_initialized);
	h = tdxsim_hash_u64(h, m->pkg_key_done);
	h = tdxsim_hash_u64(h, m->global_hkid);
	h = tdxsim_hash_u64(h, (uint64_t)m->inst.id | (uint64_t)m->handoff_valid << 8 |
				       (uint64_t)m->handoff_hv << 16);
	h = tdxsim_seamldr_hash(&sim->ldr, h);
	for (uint32_t i = 0; i < sim->cpu.num_lps; i++) {
		const struct tdxsim_lp *lp = &sim->cpu.lps[i];
		h = tdxsim_hash_u64(h, (uint64_t)m->lp_initialized[i] | (uint64_t)lp->online << 8 |
					       (uint64_t)lp->vmx_on << 16);
	}
	/* The KOT and the next module's reservations, a byte per KeyID: two block hashes. */
	size_t keyids = (size_t)1 << sim->hkid.keyid_bits;
	return tdxsim_hash_bytes(tdxsim_hash_bytes(h, sim->hkid.kot, keyids), sim->hkid.reserved_next,
				 keyids);
}

/*
 * Every invariant, lock held; with @hash not NULL also the state hash, from the same walks of
 * the PAMT and the integrity model (what tdxsim_state_hash() folds, in its order), set only
 * when every invariant holds.
 */
static tdxsim_err_t check(const struct tdxsim *sim, uint64_t *hash, char *msg, size_t len)
{
	struct tdxsim_td_check td;
	td.td = td.local; /* what release frees is begin's, if it ran */
	uint64_t h = hash ? hash_head(sim) : 0, *hp = hash ? &h : NULL;
	tdxsim_err_t err = check_module(sim, msg, len);
	if (!err && tdxsim_td_check_begin(sim, &td, msg, len))
		err = TDXSIM_ERR_INVARIANT;
	/* The PAMT checker's walk also counts each TD's pages for the TD invariants. */
	if (!err &&
	    tdxsim_pamt_check_visit(sim->pamt, td.counting ? tdxsim_td_count_owned : NULL, &td, hp, msg, len))
		err = TDXSIM_ERR_INVARIANT;
	if (!err && tdxsim_mce_check(sim->integrity, hp, msg, len))
		err = TDXSIM_ERR_INVARIANT;
	if (!err && tdxsim_td_check_end(sim, &td, hp))
		err = TDXSIM_ERR_INVARIANT;
	tdxsim_td_check_release(&td);
	if (!err && hash)
		*hash = h;
	return err;
}

tdxsim_err_t tdxsim_check_invariants(const tdxsim_t *sim, char *msg, size_t len)
{
	return tdxsim_check_invariants_hash(sim, NULL, msg, len);
}

tdxsim_err_t tdxsim_check_invariants_hash(const tdxsim_t *sim, uint64_t *hash, char *msg, size_t len)
{
	if (!sim)
		return TDXSIM_ERR_INVALID_ARG;
	pthread_mutex_lock((pthread_mutex_t *)&sim->lock);
	tdxsim_err_t err = check(sim, hash, msg, len);
	pthread_mutex_unlock((pthread_mutex_t *)&sim->lock);
	return err;
}

uint64_t tdxsim_state_hash(const tdxsim_t *sim)
{
	if (!sim)
		return 0;
	pthread_mutex_lock((pthread_mutex_t *)&sim->lock);
	uint64_t h = hash_head(sim);
	h = tdxsim_pamt_hash(sim->pamt, h);
	h = tdxsim_mce_hash(sim->integrity, h);
	h = tdxsim_tds_hash(&sim->td, h);
	pthread_mutex_unlock((pthread_mutex_t *)&sim->lock);
	return h;
}
