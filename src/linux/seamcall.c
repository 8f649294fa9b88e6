/* SPDX-License-Identifier: MIT */
/*
 * Linux's __seamcall(), __seamcall_ret() and __seamcall_saved_ret() over tdxsim_seamcall()
 * (tdxsim/linux.h). Which registers each variant loads and copies back follows Linux's
 * tdxcall.S (sheet section 1.4): the plain and _ret variants load RCX, RDX, R8-R11, the
 * saved variant all 13 GPRs of the block; _ret copies back RCX..R11, saved_ret all 13; when the
 * SEAMCALL instruction itself fails (VMfailInvalid, #GP, #UD) nothing is copied back.
 *
 * This folder sits above the public API and uses nothing else. Its only state is the
 * per-thread current CPU, which the simulator core never sees.
 */
#include <string.h>

#include "tdxsim/linux.h"

static _Thread_local struct {
	tdxsim_t *sim;
	uint32_t lp;
} current_cpu;

void tdxsim_linux_set_cpu(tdxsim_t *sim, uint32_t lp)
{
	current_cpu.sim = sim;
	current_cpu.lp = sim ? lp : 0;
}

bool tdxsim_linux_get_cpu(tdxsim_t **sim, uint32_t *lp)
{
	if (sim)
		*sim = current_cpu.sim;
	if (lp)
		*lp = current_cpu.lp;
	return current_cpu.sim != NULL;
}

enum variant {
	PLAIN,	  /* __seamcall */
	RET,	  /* __seamcall_ret */
	SAVED_RET /* __seamcall_saved_ret */
};

/* RCX, RDX, R8-R11: the block's first six members, what every variant loads. */
#define BASIC_BYTES offsetof(tdxsim_regs_t, r12)

static uint64_t call(uint64_t fn, void *args, enum variant v)
{
	if (!args)
		return TDXSIM_STATUS_API_MISUSE;
	/* The block is copied with memcpy: the caller's struct tdx_module_args and tdxsim_regs_t
	 * have one layout (checked in linux.h) but are different types. */
	tdxsim_regs_t r = {0};
	size_t in_bytes = v == SAVED_RET ? sizeof(r) : BASIC_BYTES;
	memcpy(&r, args, in_bytes);
	if (v != SAVED_RET) {
		/* Linux's entry takes fn in RDI and the block in RSI and leaves both there. */
		r.rdi = fn;
		r.rsi = (uint64_t)(uintptr_t)args;
	}
	uint64_t status = tdxsim_seamcall(current_cpu.sim, current_cpu.lp, fn, &r);
	/* Class 0xFF is never the module's: the instruction did not complete (or the library
	 * call was wrong), and Linux's failure path skips the copy-back. */
	if ((status & TDX_SW_ERROR) == TDX_SW_ERROR || v == PLAIN)
		return status;
	memcpy(args, &r, in_bytes);
	return status;
}

uint64_t tdxsim_linux_seamcall(uint64_t fn, void *args)
{
	return call(fn, args, PLAIN);
}

uint64_t tdxsim_linux_seamcall_ret(uint64_t fn, void *args)
{
	return call(fn, args, RET);
}

uint64_t tdxsim_linux_seamcall_saved_ret(uint64_t fn, void *args)
{
	return call(fn, args, SAVED_RET);
}
