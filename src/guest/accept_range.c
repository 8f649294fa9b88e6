/* SPDX-License-Identifier: MIT */
/*
 * TDXSIM_GOP_ACCEPT with a size: the Linux guest's tdx_accept_memory() over [gpa, gpa + size)
 * (td-runtime.md 4.1 "Linux guest", 6.1; arch/x86/coco/tdx/tdx-shared.c [LG]). For each chunk
 * it tries TDG.MEM.PAGE.ACCEPT at 1G, then 2M, then 4K, a size only where the chunk is aligned
 * to it and the rest of the range holds it; any non-zero status (TDX_PAGE_SIZE_MISMATCH when
 * the host mapped the range at 4K, TDX_OPERAND_INVALID for 1G on a 1.5 module, ...) makes it
 * try the next smaller size, and a refused 4K accept ends the conversion with that status.
 * Every attempt is one real TDCALL (tdxsim_guest_accept). An attempt that exits to the host (an
 * EPT violation: nothing AUGed there yet) runs again after the next TDH.VP.ENTER, at the same
 * GPA and size, as the guest re-executes the TDCALL.
 *
 * Progress lives in the op's result while it runs (state NOT_RUN): out[0] next GPA, out[1]
 * 4K accepts done, out[2] 2M accepts done, out[3] refused attempts, out[4] the size being
 * tried, out[5] 1 while running. Done: status 0 or the refused 4K status, out[0] the GPA where
 * it stopped, out[4] = out[5] = 0.
 */
#include "core/util.h"
#include "guest/run.h"

enum { NEXT, DONE_4K, DONE_2M, REFUSED, LEVEL, RUNNING };

enum tdxsim_step tdxsim_guest_accept_range(struct tdxsim_guest_run *r, const tdxsim_guest_op_t *op)
{
	tdxsim_guest_result_t *res = &r->g->results[r->g->pc];
	uint64_t *p = res->out;
	uint64_t end = op->gpa + op->size;

	if (!p[RUNNING]) {
		p[NEXT] = op->gpa;
		p[LEVEL] = 2;
		p[RUNNING] = 1;
	}
	while (p[NEXT] < end) {
		unsigned level = (unsigned)p[LEVEL];
		uint64_t size = TDXSIM_4K << (9 * level);
		/* try_accept_one(): no TDCALL for a size the chunk cannot hold (4K always goes). */
		if (level > 0 && (!tdxsim_is_aligned(p[NEXT], size) || end - p[NEXT] < size)) {
			p[LEVEL]--;
			continue;
		}
		enum tdxsim_step s = tdxsim_guest_accept(r, p[NEXT] | level);
		if (s != TDXSIM_STEP_DONE && res->state == TDXSIM_GUEST_NOT_RUN)
			return s; /* exit before completing: the same attempt runs again */
		if (s != TDXSIM_STEP_DONE) {
			/* A trap-like exit after the TDCALL completed (host-priority timeout): the
			 * status is final for this op, as tdx_accept_memory() would fail on it. */
			p[RUNNING] = 0;
			p[LEVEL] = 0;
			return s;
		}
		uint64_t st = res->status;
		if (st == TDXSIM_TDX_SUCCESS) {
			p[NEXT] += size;
			p[level == 0 ? DONE_4K : DONE_2M]++;
			p[LEVEL] = 2;
		} else if (level > 0) {
			p[REFUSED]++;
			p[LEVEL]--;
		} else {
			p[REFUSED]++;
			p[RUNNING] = 0;
			p[LEVEL] = 0;
			return TDXSIM_STEP_DONE; /* done with the 4K status */
		}
		res->state = TDXSIM_GUEST_NOT_RUN;
		res->status = 0;
	}
	p[RUNNING] = 0;
	p[LEVEL] = 0;
	tdxsim_guest_done(r, TDXSIM_TDX_SUCCESS);
	return TDXSIM_STEP_DONE;
}
