/* SPDX-License-Identifier: MIT */
/*
 * struct tdxsim: one simulated platform with its TDX module. Every folder's state hangs off
 * it; this header is the only place that sees all of them (the top layer: seamcall and sim).
 *
 * Locking: @lock serializes every SEAMCALL, platform event and query that reads mutable
 * state. Handlers run with it held and never block on anything else.
 */
#ifndef TDXSIM_SIM_H
#define TDXSIM_SIM_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "tdxsim/tdxsim.h"

#include "cpu/cpu.h"
#include "hkid/hkid.h"
#include "mem/mem.h"
#include "module/module.h"
#include "pamt/pamt.h"

/* One pending fault injection (tdxsim_inject_status). */
struct tdxsim_injection {
	uint16_t leaf;
	uint32_t lp;
	uint32_t remaining;
	uint64_t status;
};

/* The TDX module instance: its state machine (sheet 7.1) and what it learned at init. */
struct tdxsim_module {
	tdxsim_module_state_t state;
	const struct tdxsim_profile *profile;
	uint8_t *lp_initialized;   /* per LP: TDH.SYS.LP.INIT done */
	uint32_t lps_initialized;  /* count of the above */
	uint32_t pkg_key_done;     /* bitmap of packages whose TDH.SYS.KEY.CONFIG succeeded */
	uint16_t global_hkid;      /* from TDH.SYS.CONFIG */
	struct tdxsim_md_view md;  /* what SYS.RD/RDALL/INFO report beyond the profile */
};

struct tdxsim {
	tdxsim_config_t cfg;
	pthread_mutex_t lock;
	struct tdxsim_cpu cpu;
	struct tdxsim_mem mem;
	struct tdxsim_hkid hkid;
	struct tdxsim_module mod;
	struct tdxsim_pamt *pamt;
	tdxsim_range_t cmrs[TDXSIM_MAX_CMRS]; /* fixed at power-on: the boot RAM ranges */
	uint32_t num_cmrs;

	unsigned num_injections, cap_injections;
	struct tdxsim_injection *injections;

	char error[256]; /* tdxsim_last_error() */
};

/* Records a message for tdxsim_last_error() and returns @err. */
tdxsim_err_t tdxsim_set_error(const struct tdxsim *sim, tdxsim_err_t err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
