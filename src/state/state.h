/* SPDX-License-Identifier: MIT */
/*
 * struct tdxsim: one simulated platform with its TDX module. Every folder's state hangs off
 * it. It lives in this folder, below seamldr, seamcall and sim, because all three change the
 * whole simulator: the P-SEAMLDR replaces the module instance, the leaves change PAMT, KOT and
 * TDs, sim creates, snapshots, hashes and checks it (docs/architecture.md, "Layers"). The
 * folders below (cpu, mem, hkid, pamt, module, td...) never see it: each gets its own part.
 * The one service here is the per-thread error message (error.c), which every layer above
 * records its failures with.
 *
 * Locking:
 *  - @lock serializes every SEAMCALL, platform event and query that reads mutable state;
 *    handlers run with it held and never block on anything else.
 *  - @integrity has its own lock, always taken after @lock when both are held.
 *  - @error_lock guards only the list of per-thread messages, so tdxsim_set_error() works
 *    with or without @lock held.
 *  - Read without @lock: mod.state and mod.lp_initialized (atomics), RAM lookups (mem/view.c).
 *
 * Invariants (tdxsim_check_invariants(), sim/invariants.c, then the checkers of pamt/pamt.h,
 * mce/mce.h and td/td.h):
 *  - mod.lps_initialized counts the set mod.lp_initialized flags; mod.pkg_key_done names only
 *    existing packages;
 *  - handoff data is pending only before TDH.SYS.UPDATE (SYSINIT_PENDING/_DONE, SYS_SHUTDOWN,
 *    MODULE_GONE);
 *  - without handoff data, no keys or TDMRs before TDH.SYS.CONFIG; from SYSCONFIG_DONE on,
 *    every LP initialized, TDMRs present, mod.global_hkid private and HKID_RESERVED in the KOT;
 *    SYS_READY iff every package has its key.
 */
#ifndef TDXSIM_STATE_H
#define TDXSIM_STATE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "tdxsim/seamldr.h"
#include "tdxsim/tdxsim.h"

#include "cpu/cpu.h"
#include "hkid/hkid.h"
#include "mem/mem.h"
#include "module/module.h"
#include "pamt/pamt.h"
#include "td/td.h"

/* The P-SEAMLDR's state; the model is seamldr/seamldr.h. */
struct tdxsim_seamldr {
	bool present;			    /* the BIOS enabled TDX: the NP-SEAMLDR left a P-SEAMLDR */
	bool gone_by_loader;		    /* the module state is MODULE_GONE because of INSTALL */
	struct tdxsim_seam_info seamextend; /* valid, SVN, MRSEAM of the installed module */
	uint32_t initial_updates, remaining_updates;
	bool key_dirty; /* [PS23] KEY_DIRTY/CACHE_DIRTY: set by each install, cleared by CLEANUP (absent) */
	/* INSTALL session */
	uint32_t num_lps, lps_in_update;
	uint8_t *update_bitmap;
	int saved_state; /* tdxsim_module_state_t at the session's first INSTALL */
};

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
	/* A snapshot restore copies the saved registry into this one (made by the first restore;
	 * NULL before), swaps it with @td and clears the old one into it: restores reuse its
	 * per-KeyID arrays instead of allocating a registry each (sim/snapshot.c). Empty between
	 * restores; nothing else reads it. A pointer, so that simulators never restored do not
	 * carry (and zero) its kilobytes. */
	struct tdxsim_tds *td_spare;
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

/* Records a message for tdxsim_last_error() and returns @err. */
tdxsim_err_t tdxsim_set_error(const struct tdxsim *sim, tdxsim_err_t err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
