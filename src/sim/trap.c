/* SPDX-License-Identifier: MIT */
/*
 * Trap mode entry points (memory.h), called from the host's own SIGSEGV/SIGTRAP handlers:
 * the library installs none, so it keeps no process-wide state. The model side is
 * mce/trap.c. Reading the fault's direction and setting the trap flag need the x86-64 Linux
 * signal frame; elsewhere the direction is inferred and TDXSIM_TRAP_STEP is ignored.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <ucontext.h>

#include "mce/mce.h"
#include "sim/sim.h"

#if defined(__x86_64__) && defined(__linux__)
#define TDXSIM_HAVE_UCONTEXT 1
#define EFLAGS_TF	     0x100ull /* trap flag: #DB after the next instruction */
#define PF_WRITE	     0x2ull   /* page-fault error code: the access was a write */
#else
#define TDXSIM_HAVE_UCONTEXT 0
#endif

tdxsim_trap_result_t tdxsim_trap_handle_fault(tdxsim_t *sim, uint32_t lp, const void *addr, void *ucontext,
					      unsigned flags)
{
	uint64_t pa, mce_pa = 0;
	int write = -1;

	if (!sim || !sim->cfg.trap_mode || lp >= sim->cpu.num_lps || tdxsim_mem_pa(&sim->mem, addr, &pa))
		return TDXSIM_TRAP_NOT_MINE;
#if TDXSIM_HAVE_UCONTEXT
	ucontext_t *uc = ucontext;
	if (uc)
		write = (uc->uc_mcontext.gregs[REG_ERR] & PF_WRITE) != 0;
#endif
	tdxsim_trap_result_t r = tdxsim_mce_trap_fault(sim->integrity, pa, write, &mce_pa);
	if (r == TDXSIM_TRAP_NOT_MINE)
		return r;
#if TDXSIM_HAVE_UCONTEXT
	if (uc && (flags & TDXSIM_TRAP_STEP))
		uc->uc_mcontext.gregs[REG_EFL] |= EFLAGS_TF;
#endif
	if (r == TDXSIM_TRAP_MCE) {
		/*
		 * The handler may issue SEAMCALLs. If the simulator lock is taken, the fault came
		 * from inside a library call (a leaf reading a host buffer that shares a page with a
		 * poisoned line) and calling it would deadlock: the machine check is then recorded
		 * as unhandled instead. Trap mode assumes single-threaded host code (memory.h).
		 */
		tdxsim_mce_handler_t handler = NULL;
		void *user = NULL;
		uint64_t tsc = 0;
		bool free_lock = pthread_mutex_trylock(&sim->lock) == 0;
		if (free_lock) {
			tsc = sim->cpu.lps[lp].tsc;
			pthread_mutex_unlock(&sim->lock);
			tdxsim_mce_get_handler(sim->integrity, &handler, &user);
		}
		tdxsim_mce_t rec;
		tdxsim_mce_raise(sim->integrity, mce_pa, lp, tsc, handler != NULL, &rec);
		if (handler)
			handler(sim, &rec, user);
	}
	return r;
}

tdxsim_trap_result_t tdxsim_trap_handle_step(tdxsim_t *sim, void *ucontext)
{
	bool ours = false;
	if (!sim || !sim->cfg.trap_mode)
		return TDXSIM_TRAP_NOT_MINE;
#if TDXSIM_HAVE_UCONTEXT
	ucontext_t *uc = ucontext;
	if (uc && (uc->uc_mcontext.gregs[REG_EFL] & EFLAGS_TF)) {
		uc->uc_mcontext.gregs[REG_EFL] &= ~EFLAGS_TF;
		ours = true;
	}
#endif
	ours |= tdxsim_mce_trap_rearm(sim->integrity);
	return ours ? TDXSIM_TRAP_RETRY : TDXSIM_TRAP_NOT_MINE;
}

void tdxsim_trap_rearm(tdxsim_t *sim)
{
	if (sim)
		tdxsim_mce_trap_rearm(sim->integrity);
}
