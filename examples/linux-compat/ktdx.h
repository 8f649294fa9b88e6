/* SPDX-License-Identifier: MIT */
/*
 * A host kernel's TDX bring-up written against tdxsim/linux.h, in the shape kernel code has:
 * per-CPU enabling (VMXON, TDH.SYS.INIT once, TDH.SYS.LP.INIT) run on every CPU's own thread,
 * then module initialization on one CPU (metadata through __seamcall_ret(), TDMRs and PAMTs in
 * physically contiguous memory, TDH.SYS.CONFIG, TDH.SYS.KEY.CONFIG on one CPU per package,
 * TDH.SYS.TDMR.INIT until done). It never names a CPU in a SEAMCALL: the thread it runs on
 * decides (kcpus.h). The code is this project's own; the sequence is sheet section 14.1.
 */
#ifndef TDXSIM_EXAMPLE_KTDX_H
#define TDXSIM_EXAMPLE_KTDX_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "kcpus.h"
#include "tdxsim/tdxsim.h"

#define KTDX_MAX_TDMRS 64

enum ktdx_module_status {
	KTDX_MODULE_UNINITIALIZED,
	KTDX_MODULE_INITIALIZED,
	KTDX_MODULE_ERROR,
};

/* What a kernel keeps in globals, in one structure so that tests can run several. */
struct ktdx {
	tdxsim_t *sim;
	struct kcpus *cpus;
	/* TDH.SYS.INIT is done once, by whichever CPU gets there first. */
	pthread_mutex_t sysinit_lock;
	bool sysinit_done;
	int sysinit_ret;
	/* The module's limits (TDH.SYS.RD). */
	uint16_t max_tdmrs, max_reserved_per_tdmr, pamt_entry_size[3];
	/* The TDMR list: an array of TDMR_INFO in simulated RAM, and the array of their PAs. */
	uint64_t tdmrs_pa, tdmrs_bytes, pa_array_pa;
	uint32_t tdmr_sz, nr_tdmrs;
	uint32_t global_keyid;
	uint64_t pamt_bytes;
	enum ktdx_module_status status;
	/* The SEAMCALL status behind the last failure (0 if it was not a SEAMCALL). */
	uint64_t last_status;
};

/* Prepares @t for @sim and its per-CPU threads. */
void ktdx_setup(struct ktdx *t, tdxsim_t *sim, struct kcpus *cpus);
/* Releases what ktdx_setup() set up (not the TDMR list: see ktdx_free_tdmrs()). */
void ktdx_cleanup(struct ktdx *t);

/* VMXON and TDX enabling on every CPU, each on its own thread. 0 or a negative errno. */
int ktdx_enable_cpus(struct ktdx *t);
/* Initializes the module from CPU 0. 0 or a negative errno; -ENOMEM when the TDMR list or a
 * PAMT cannot be allocated (nothing stays allocated then, and it may be called again). */
int ktdx_enable(struct ktdx *t);

/* Base and size of TDMR @i's PAMT (one block per TDMR: 4K, 2M, then 1G part). */
void ktdx_pamt(const struct ktdx *t, uint32_t i, uint64_t *base, uint64_t *size);

/* Linux's errno for a SEAMCALL status: -ENODEV, -EOPNOTSUPP, -EACCES for the software codes,
 * -EIO for any other failure (sheet 1.5). */
int ktdx_errno(uint64_t status);

#endif
