/* SPDX-License-Identifier: MIT */
/*
 * A host kernel's TDX bring-up, written the way a kernel does it but in this project's own
 * words: detect TDX through MSR 0x87, VMXON every LP, TDH.SYS.INIT, TDH.SYS.LP.INIT on every
 * LP, read the module's limits (TDH.SYS.RD, or TDH.SYS.INFO on a 1.0 module), build TDMRs over
 * all RAM with PAMTs and reserved areas, TDH.SYS.CONFIG, TDH.SYS.KEY.CONFIG per package,
 * TDH.SYS.TDMR.INIT until done. Used by examples/host-init, tdxsim-run and the tests.
 */
#ifndef TDXSIM_EXAMPLE_HOST_TDX_H
#define TDXSIM_EXAMPLE_HOST_TDX_H

#include <stdint.h>
#include <stdio.h>

#include "tdxsim/tdxsim.h"

#define HOST_TDX_MAX_TDMRS 64

struct host_tdx_tdmr {
	uint64_t base, size;
	uint64_t pamt_base, pamt_size; /* one contiguous block: 4K, then 2M, then 1G parts */
	uint64_t pamt_4k, pamt_2m, pamt_1g;
	unsigned num_rsvd;
	struct tdxsim_tdmr_reserved_area rsvd[TDXSIM_TDMR_MAX_RESERVED];
};

struct host_tdx {
	/* What the host learned. */
	uint32_t keyid_first, keyid_count, global_keyid;
	uint16_t major, minor, update;
	uint64_t features0;
	uint16_t max_tdmrs, max_rsvd, pamt_entry_size[3];
	unsigned num_cmrs;
	tdxsim_range_t cmrs[TDXSIM_MAX_CMRS];
	unsigned num_tdmrs;
	struct host_tdx_tdmr tdmrs[HOST_TDX_MAX_TDMRS];
	uint64_t tdmr_array_pa, pa_array_pa;
	uint64_t ram_bytes, pamt_bytes;
	unsigned key_config_retries;
	/* What went wrong, if anything: a kernel-style message and the failing status. */
	int err;	 /* 0 or a negative errno */
	uint64_t status; /* the SEAMCALL status behind err, if any */
	char message[160];
};

/* Options: how the host reacts to failures it can retry. */
struct host_tdx_opts {
	unsigned key_config_max_tries; /* TDX_KEY_GENERATION_FAILED retries per package (default 4) */
	FILE *log;		       /* kernel-log-like messages; NULL = silent */
	/* The caller already did VMXON, TDH.SYS.INIT and TDH.SYS.LP.INIT on the LPs it runs, as a
	 * kernel's CPU-online callbacks do (examples/host-lifecycle); start at the metadata. */
	int cpus_enabled;
	/* Stop early, for tests that need the module in an intermediate state. */
	enum host_tdx_stop {
		HOST_TDX_RUN_ALL = 0,
		HOST_TDX_STOP_AFTER_LP_INIT, /* module SYSINIT_DONE, every LP initialized */
		HOST_TDX_STOP_BEFORE_CONFIG, /* TDMRs built and written, SYS.CONFIG not issued */
		HOST_TDX_STOP_AFTER_CONFIG,  /* SYSCONFIG_DONE */
		HOST_TDX_STOP_AFTER_KEYS,    /* SYS_READY, no TDMR initialized */
	} stop;
};

/* tdxsim_seamcall() repeated while it returns TDX_RND_NO_ENTROPY, 10 attempts in all, as
 * Linux's sc_retry() (sheet 1.5). The registers are reloaded before each attempt. */
uint64_t host_tdx_seamcall(tdxsim_t *sim, uint32_t lp, uint64_t fn, tdxsim_regs_t *regs);
/* Linux's errno for a SEAMCALL status: -ENODEV, -EOPNOTSUPP, -EACCES for the software codes
 * (sheet 1.5), -EIO for anything else. */
int host_tdx_errno(uint64_t status);

/* Brings TDX up. Returns 0 or a negative errno (details in host->message and host->status). */
int host_tdx_init(tdxsim_t *sim, const struct host_tdx_opts *opts, struct host_tdx *host);

/* Gives back the PAMTs and TDMR arrays host_tdx_init() allocated (after TDX is off). */
void host_tdx_free(tdxsim_t *sim, struct host_tdx *host);

/* Prints the summary (TDMRs, reserved areas, PAMT bytes and share of RAM, cycles per LP). */
void host_tdx_print_summary(tdxsim_t *sim, const struct host_tdx *host, FILE *out);

/* Named host shapes: "16g" (1 package, 16 GiB), "1t-holes" (2 packages, 1 TiB with holes),
 * "4t" (8 packages, 4 TiB). Returns 0, or -1 for an unknown name. */
int host_tdx_shape(const char *name, tdxsim_config_t *cfg);

#endif
