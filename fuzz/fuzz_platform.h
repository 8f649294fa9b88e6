/* SPDX-License-Identifier: MIT */
/*
 * fuzz_seamcall's platforms (docs/fuzzing.md): the 32 shapes an input's first byte picks, how
 * each is prepared before the snapshot every input starts from, and the bring-up memo.
 *
 * The memo: host_tdx_init() from a given state and with given options is deterministic (the
 * simulator has no clock, randomness or global state of its own), so from the state an input
 * starts in (the platform's snapshot, nothing done since) its result is the same every time.
 * The first such bring-up per process, shape and options runs for real, under the target's
 * oracles; its end state is kept as a snapshot, with what host_tdx_init() left in its host
 * struct, and later ones restore that instead of replaying 500-odd SEAMCALLs. From any other
 * state the bring-up runs for real. tests/test_snapshot_memo.c checks, for every shape, stop
 * and retry count, that a restored bring-up and a replayed one end in the same state.
 *
 * Shared by fuzz_seamcall and that test only; like the targets, it keeps process-wide caches
 * (which the library itself never does).
 */
#ifndef TDXSIM_FUZZ_PLATFORM_H
#define TDXSIM_FUZZ_PLATFORM_H

#include <stdbool.h>
#include <stdint.h>

#include "host_lifecycle.h"
#include "host_tdx.h"
#include "tdxsim/snapshot.h"
#include "tdxsim/tdxsim.h"

#define FZ_NUM_SHAPES 32
#define FZ_POOL_PAGES 96

/*
 * Shape byte (mod 32): bit 0 packages (1, 2), bit 1 LPs per package (1, 2), bits 3:2 module
 * (1.5.05, 1.5.06, 1.0, next), bit 4 partial-write erratum off, bit 5 brought up as Linux
 * boots (lc_tdx_enable) or fresh. RAM: two 1 GiB ranges, so a whole bring-up is 512
 * TDMR.INIT calls.
 */
void fz_shape_config(uint8_t shape, tdxsim_config_t *cfg);

/* After tdxsim_create(): the host as Linux leaves it (brought up if the shape says so, a
 * platform where that fails starts from there), and for a brought-up one up to FZ_POOL_PAGES
 * free pages a hypervisor would give the module (RAM in TDMRs, away from the PAMTs). */
void fz_shape_prepare(tdxsim_t *sim, uint8_t shape, struct lc_host *lc, uint64_t *pool, unsigned *pool_len);

/* The bring-up options an input can ask for: HOST_TDX_RUN_ALL .. HOST_TDX_STOP_AFTER_KEYS,
 * 1 .. 3 tries of TDH.SYS.KEY.CONFIG per package. */
#define FZ_BRINGUP_STOPS 5
#define FZ_BRINGUP_TRIES 3

struct fz_bringup_result {
	tdxsim_snapshot_t *snap; /* the simulator right after host_tdx_init() */
	struct host_tdx host;	 /* what it left in its host struct */
	int rc;			 /* what it returned */
	uint64_t hash;		 /* tdxsim_state_hash() then */
};

/* One platform's memo: a result per (stop, tries), taken at most once each. */
struct fz_bringup_memo {
	struct fz_bringup_result *result[FZ_BRINGUP_STOPS][FZ_BRINGUP_TRIES];
};

/*
 * host_tdx_init(@sim, @o, @host) with o->log NULL, o->cpus_enabled 0 and o->stop,
 * o->key_config_max_tries in the ranges above. @pristine: @sim is exactly in the state of the
 * snapshot @memo belongs to (restored, nothing done since). Then the result is restored from
 * @memo when it holds one, else computed and kept (unless out of memory); otherwise computed.
 * Returns host_tdx_init()'s value; *@restored says whether it came from the memo, and then
 * *@hash is the state hash the kept state had (the caller checks the restore against it).
 */
int fz_bringup(tdxsim_t *sim, struct fz_bringup_memo *memo, bool pristine, const struct host_tdx_opts *o,
	       struct host_tdx *host, bool *restored, uint64_t *hash);

/* Frees what @memo holds (before its simulator). */
void fz_bringup_memo_free(struct fz_bringup_memo *memo);

#endif
