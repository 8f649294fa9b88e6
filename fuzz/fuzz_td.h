/* SPDX-License-Identifier: MIT */
/*
 * What the fuzz targets share to build trust domains (docs/fuzzing.md): the input reader and a
 * TD built as KVM builds it, every SEAMCALL issued through the target's own call() so its
 * oracles see each step. Used by fuzz_seamcall (its whole-TD operation, pages and KeyID picked
 * by the input) and fuzz_td_guest (a RUNNABLE TD with two vCPUs built once per process from a
 * fixed plan, before the snapshot every input starts from).
 */
#ifndef TDXSIM_FUZZ_TD_H
#define TDXSIM_FUZZ_TD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tdxsim/tdxsim.h"

/* The fuzz input, read a byte at a time; past its end every byte reads 0. */
struct fz_input {
	const uint8_t *p;
	size_t left;
};

static inline uint8_t fz_byte(struct fz_input *in)
{
	if (!in->left)
		return 0;
	in->left--;
	return *in->p++;
}

static inline uint64_t fz_raw64(struct fz_input *in)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v |= (uint64_t)fz_byte(in) << (8 * i);
	return v;
}

/* The target's SEAMCALL with its oracles; returns the status. */
typedef uint64_t (*fz_call_fn)(void *ctx, uint32_t lp, uint64_t rax, tdxsim_regs_t *regs);

/* Where a TD build takes its pages, KeyIDs and LPs from. Pages are pool[byte % pool_len]. */
struct fz_td_env {
	tdxsim_t *sim;
	uint32_t lps;
	uint32_t keyid_first, nr_keyids;
	const uint64_t *pool;
	unsigned pool_len;
	fz_call_fn call;
	void *ctx;
	/* Called after the build writes host memory between its calls (TD_PARAMS), so a target
	 * that reuses a state hash from one call to the next forgets it; NULL: not told. Nothing
	 * else runs between the calls. */
	void (*host_wrote)(void *ctx);
};

/*
 * MNG.CREATE (TDR page, KeyID from the input), KEY.CONFIG on the first LP of each package, six
 * MNG.ADDCX, MNG.INIT with a TD_PARAMS page holding the module's fixed bits, @attributes, two
 * vCPUs, WB 4-level EPT, TSC 2.2 GHz and no CPUID request, of which one input byte may flip a
 * bit. Every step is issued whatever the one before answered (a refusal is as interesting as
 * a success). Returns the TDR page. Input bytes: TDR, KeyID, 6 x TDCS, TD_PARAMS, flip.
 */
uint64_t fz_td_create(const struct fz_td_env *e, struct fz_input *in, uint64_t attributes);

/*
 * A vCPU of @tdr: VP.CREATE, five VP.ADDCX, VP.INIT version 1 with an x2APIC ID, all on one LP
 * (*lp gets it; may be NULL). Returns the TDVPR page. Input bytes: TDVPR, LP, 5 x TDVPS, x2APIC.
 */
uint64_t fz_vcpu_create(const struct fz_td_env *e, struct fz_input *in, uint64_t tdr, uint32_t *lp);

/*
 * The TD image: SEPT.ADD of the tables down to @gpa's 4K entry (levels 3, 2, 1), PAGE.ADD of
 * one page there from a source page, MR.EXTEND of its first chunk, MR.FINALIZE (RUNNABLE).
 * Input bytes: 3 x table, source, TD page.
 */
void fz_td_finalize(const struct fz_td_env *e, struct fz_input *in, uint64_t tdr, uint64_t gpa);

#endif
