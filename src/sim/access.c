/* SPDX-License-Identifier: MIT */
/*
 * KeyID-tagged memory accesses and machine-check delivery (memory.h). The semantics live in
 * mce/; this file decodes keyed addresses, keeps the shared fast path lock-free, charges the
 * instructions' cycles, and calls the host's machine-check handler with no lock held (the
 * handler issues TDH.PHYMEM.PAGE.RDMD, sheet 8.3, which takes the simulator lock).
 */
#include <string.h>

#include "core/util.h"
#include "mce/mce.h"
#include "sim/sim.h"

struct keyed {
	uint64_t pa; /* KeyID bits stripped */
	uint32_t keyid;
	bool priv;
	uint8_t *host; /* RAM bytes of [pa, pa + len) */
};

/* LP online flags are read here without the simulator lock; events.c writes them atomically. */
static bool lp_online(const struct tdxsim *sim, uint32_t lp)
{
	return __atomic_load_n(&sim->cpu.lps[lp].online, __ATOMIC_RELAXED);
}

static tdxsim_err_t decode(tdxsim_t *sim, uint32_t lp, uint64_t pa, uint64_t len, struct keyed *k)
{
	if (!sim)
		return TDXSIM_ERR_INVALID_ARG;
	if (lp >= sim->cpu.num_lps)
		return tdxsim_set_error(sim, TDXSIM_ERR_INVALID_ARG, "LP %u out of range (%u LPs)", lp,
					sim->cpu.num_lps);
	if (!lp_online(sim, lp))
		return tdxsim_set_error(sim, TDXSIM_ERR_LP_OFFLINE, "LP %u is offline", lp);
	if (len == 0)
		return tdxsim_set_error(sim, TDXSIM_ERR_INVALID_ARG, "access of 0 bytes");
	/* Bits above MAXPHYADDR are reserved in any physical address (sheet 9). */
	if (pa >> sim->cfg.phys_addr_bits)
		return tdxsim_set_error(sim, TDXSIM_ERR_INVALID_ARG,
					"PA 0x%llx has bits above MAXPHYADDR (%u)", (unsigned long long)pa,
					sim->cfg.phys_addr_bits);
	k->keyid = tdxsim_hkid_of_pa(&sim->hkid, pa);
	k->pa = tdxsim_hkid_strip(&sim->hkid, pa);
	k->priv = tdxsim_hkid_is_private(&sim->hkid, k->keyid);
	k->host = tdxsim_mem_ptr(&sim->mem, k->pa, len);
	if (!k->host || k->pa + len < k->pa)
		return tdxsim_set_error(sim, TDXSIM_ERR_NOT_RAM,
					"[0x%llx, +0x%llx) is not inside one RAM range",
					(unsigned long long)k->pa, (unsigned long long)len);
	if (!k->priv)
		return TDXSIM_OK;
	/* A private KeyID stands for the module or a TD (memory.h); both need a module, and
	 * private memory can only be CMR memory. */
	pthread_mutex_lock(&sim->lock);
	bool gone = sim->mod.state == TDXSIM_MODULE_GONE;
	pthread_mutex_unlock(&sim->lock);
	if (gone)
		return tdxsim_set_error(sim, TDXSIM_ERR_STATE, "private KeyID %u: no TDX module (keys lost)",
					k->keyid);
	if (!tdxsim_mce_in_cmrs(sim->integrity, k->pa, len))
		return tdxsim_set_error(sim, TDXSIM_ERR_INVALID_ARG, "private KeyID %u outside the CMRs",
					k->keyid);
	return TDXSIM_OK;
}

static void charge(tdxsim_t *sim, uint32_t lp, uint64_t cycles)
{
	pthread_mutex_lock(&sim->lock);
	sim->cpu.lps[lp].tsc += cycles;
	pthread_mutex_unlock(&sim->lock);
}

/* Raises the machine check for a consumed line and runs the handler, no lock held. */
static tdxsim_err_t deliver(tdxsim_t *sim, uint32_t lp, uint64_t line_pa)
{
	tdxsim_mce_handler_t handler;
	void *user;
	tdxsim_mce_t rec;

	pthread_mutex_lock(&sim->lock);
	uint64_t tsc = sim->cpu.lps[lp].tsc;
	pthread_mutex_unlock(&sim->lock);
	tdxsim_mce_get_handler(sim->integrity, &handler, &user);
	tdxsim_mce_raise(sim->integrity, line_pa, lp, tsc, handler != NULL, &rec);
	tdxsim_set_error(sim, TDXSIM_ERR_MCE, "machine check: poisoned line 0x%llx consumed on LP %u%s",
			 (unsigned long long)rec.addr, lp, handler ? "" : " (no handler registered)");
	if (handler)
		handler(sim, &rec, user);
	return TDXSIM_ERR_MCE;
}

tdxsim_err_t tdxsim_mem_read(tdxsim_t *sim, uint32_t lp, uint64_t pa, void *buf, size_t len)
{
	struct keyed k = {0};
	uint64_t mce_pa = 0;
	tdxsim_err_t err = buf ? decode(sim, lp, pa, len, &k) : TDXSIM_ERR_INVALID_ARG;
	if (err)
		return err;
	if (!k.priv && !tdxsim_mce_slow_path(sim->integrity, k.pa, len)) {
		memcpy(buf, k.host, len);
		return TDXSIM_OK;
	}
	err = tdxsim_mce_read(sim->integrity, k.pa, k.keyid, buf, len, &mce_pa);
	if (err == TDXSIM_ERR_MCE)
		return deliver(sim, lp, mce_pa);
	return err;
}

tdxsim_err_t tdxsim_mem_write(tdxsim_t *sim, uint32_t lp, uint64_t pa, const void *buf, size_t len)
{
	struct keyed k = {0};
	tdxsim_err_t err = buf ? decode(sim, lp, pa, len, &k) : TDXSIM_ERR_INVALID_ARG;
	if (err)
		return err;
	if (!k.priv && !tdxsim_mce_slow_path(sim->integrity, k.pa, len)) {
		memcpy(k.host, buf, len);
		return TDXSIM_OK;
	}
	return tdxsim_mce_write(sim->integrity, k.pa, k.keyid, buf, len);
}

tdxsim_err_t tdxsim_movdir64b(tdxsim_t *sim, uint32_t lp, uint64_t pa, const void *src)
{
	struct keyed k = {0};
	tdxsim_err_t err = src ? decode(sim, lp, pa, 64, &k) : TDXSIM_ERR_INVALID_ARG;
	if (err)
		return err;
	/* The destination operand must be 64-byte aligned, else #GP (Intel SDM, MOVDIR64B). */
	if (!tdxsim_is_aligned(k.pa, 64))
		return tdxsim_set_error(sim, TDXSIM_ERR_GP, "MOVDIR64B to 0x%llx: not 64-byte aligned (#GP)",
					(unsigned long long)k.pa);
	if (!k.priv && !tdxsim_mce_slow_path(sim->integrity, k.pa, 64))
		memcpy(k.host, src, 64);
	else
		err = tdxsim_mce_write(sim->integrity, k.pa, k.keyid, src, 64);
	if (!err)
		charge(sim, lp, sim->cfg.costs.movdir64b);
	return err;
}

tdxsim_err_t tdxsim_clflush(tdxsim_t *sim, uint32_t lp, uint64_t pa)
{
	struct keyed k = {0};
	tdxsim_err_t err = decode(sim, lp, pa, 1, &k);
	if (err)
		return err;
	/* Caches are not modelled: nothing to write back, and a flush consumes no poison. */
	charge(sim, lp, sim->cfg.costs.clflush);
	return TDXSIM_OK;
}

tdxsim_err_t tdxsim_wbinvd(tdxsim_t *sim, uint32_t lp)
{
	if (!sim || lp >= sim->cpu.num_lps)
		return TDXSIM_ERR_INVALID_ARG;
	if (!lp_online(sim, lp))
		return tdxsim_set_error(sim, TDXSIM_ERR_LP_OFFLINE, "LP %u is offline", lp);
	charge(sim, lp, sim->cfg.costs.wbinvd);
	return TDXSIM_OK;
}

void tdxsim_set_mce_handler(tdxsim_t *sim, tdxsim_mce_handler_t handler, void *user)
{
	if (sim)
		tdxsim_mce_set_handler(sim->integrity, handler, user);
}

bool tdxsim_last_mce(const tdxsim_t *sim, tdxsim_mce_t *out)
{
	return sim && out && tdxsim_mce_last(sim->integrity, out);
}

void tdxsim_mem_stats(const tdxsim_t *sim, tdxsim_mem_stats_t *out)
{
	if (sim && out)
		tdxsim_mce_stats(sim->integrity, out);
}

tdxsim_err_t tdxsim_mem_line_info(const tdxsim_t *sim, uint64_t pa, tdxsim_line_info_t *out)
{
	if (!sim || !out)
		return TDXSIM_ERR_INVALID_ARG;
	uint64_t plain = tdxsim_hkid_strip(&sim->hkid, pa);
	if (!tdxsim_mem_ptr(&sim->mem, plain, 1))
		return TDXSIM_ERR_NOT_RAM;
	tdxsim_mce_line_info(sim->integrity, plain, out);
	return TDXSIM_OK;
}
