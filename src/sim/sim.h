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
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "tdxsim/tdxsim.h"

#include "cpu/cpu.h"
#include "hkid/hkid.h"
#include "mem/mem.h"
#include "module/module.h"
#include "pamt/pamt.h"
#include "seamldr/seamldr.h"
#include "td/td.h"

struct tdxsim_integrity; /* mce/mce.h */
struct tdxsim_leaf_row;	 /* seamcall/seamcall.h */

/* One pending fault injection (tdxsim_inject). */
struct tdxsim_injection {
	uint64_t leaf; /* RAX bits 15:0 and 63 */
	uint32_t lp;
	uint32_t remaining;
	uint32_t skip;	  /* matching calls to let through before the first injected one */
	uint32_t outputs; /* TDXSIM_REG_* written from @regs */
	uint64_t status;
	tdxsim_regs_t regs;
};

/* The TDX module instance: its state machine (sheet 7.1) and what it learned at init. A
 * runtime update replaces the instance (seamldr/instance.c); TDMRs, PAMT and KeyIDs then reach
 * the new one through the handoff data, kept in place here (docs/lifecycle.md). */
struct tdxsim_module {
	/* Written under the simulator's lock; tdxsim_module_state() and
	 * tdxsim_lp_initialized() read these without it, hence atomic. */
	_Atomic tdxsim_module_state_t state;
	const struct tdxsim_profile *profile; /* == &inst */
	struct tdxsim_profile inst;	 /* this instance's numbers (handoff versions from its sigstruct) */
	bool handoff_valid;		 /* handoff data header: written by SYS.SHUTDOWN, consumed by */
	uint16_t handoff_hv;		 /* SYS.UPDATE ([M15x] tdh_sys_shutdown.c, tdh_sys_update.c) */
	_Atomic uint8_t *lp_initialized; /* per LP: TDH.SYS.LP.INIT done */
	uint32_t lps_initialized;	 /* count of the above */
	uint32_t pkg_key_done;		 /* bitmap of packages whose TDH.SYS.KEY.CONFIG succeeded */
	uint16_t global_hkid;		 /* from TDH.SYS.CONFIG */
	struct tdxsim_md_view md;	 /* what SYS.RD/RDALL/INFO report beyond the profile */
};

struct tdxsim {
	tdxsim_config_t cfg;
	pthread_mutex_t lock;
	struct tdxsim_cpu cpu;
	struct tdxsim_mem mem;
	struct tdxsim_hkid hkid;
	struct tdxsim_module mod;
	struct tdxsim_seamldr ldr; /* the P-SEAMLDR (seamldr/) */
	struct tdxsim_pamt *pamt;
	/* Trust domains, vCPUs, the KOT lock and write-back state, the module's try-locks
	 * (td/td.h, lock/lock.h). Cleared wherever the PAMT is, except by a TD-preserving update. */
	struct tdxsim_tds td;
	tdxsim_range_t cmrs[TDXSIM_MAX_CMRS]; /* fixed at power-on: the boot RAM ranges */
	uint32_t num_cmrs;

	/* Memory integrity, machine checks and trap mode (mce/mce.h, issue 3). It has its own
	 * lock, always taken after @lock when both are held. */
	struct tdxsim_integrity *integrity;
	/* ACPI sleep (sim/events.c): set from tdxsim_sleep_enter() to _resume(); the LPs that
	 * were online before, brought back on resume. */
	bool asleep;
	uint8_t *online_before_sleep;

	/* Leaf number -> leaf table row, built at creation (seamcall.h); never changes. */
	const struct tdxsim_leaf_row *leaf_index[TDXSIM_NUM_LEAF_SLOTS];

	unsigned num_injections, cap_injections;
	struct tdxsim_injection *injections;

	tdxsim_call_observer_t observer; /* tdxsim_set_call_observer() */
	void *observer_user;

	/* tdxsim_last_error(): one message per thread that had an error here, so threads never
	 * read a message another is writing. The list is guarded by @error_lock; a message is
	 * written and read only by its own thread. */
	pthread_mutex_t error_lock;
	struct tdxsim_error_msg {
		struct tdxsim_error_msg *next;
		pthread_t thread;
		char text[256];
	} * errors;
};

/* Every LP back to "TDH.SYS.LP.INIT not done" (seamldr/instance.c). */
void tdxsim_module_forget_lps(struct tdxsim_module *m, uint32_t num_lps);

/* Records a message for tdxsim_last_error() and returns @err. */
tdxsim_err_t tdxsim_set_error(const struct tdxsim *sim, tdxsim_err_t err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
