/* SPDX-License-Identifier: MIT */
/*
 * vCPUs resident in guest mode across host calls (tdxsim_vcpu_stay_in_guest(), tdxsim/td.h).
 *
 * TDH.VP.ENTER runs the scripted guest within the one SEAMCALL, so by itself a vCPU is never
 * inside the guest while the host makes other calls. On hardware it is, and the module sees
 * it through what VP.ENTER left held until the TD exit (module 1.5.05 tdh_vp_enter.c and
 * td_exit.c, td-runtime.md 2.4, 3.2, 5.4): REFCOUNT[vcpu_epoch & 1] raised (TRACK's
 * PREVIOUS_TLB_EPOCH_BUSY, the TLB_TRACKING_NOT_DONE of REMOVE, UNBLOCK, SEPT.REMOVE,
 * RELOCATE), the TDVPR and TDR PAMT entries held shared (an exclusive attempt on either is
 * OPERAND_BUSY), and the association with its LP (VP.ENTER/RD/WR elsewhere: VCPU_ASSOCIATED).
 * A resident vCPU has all three; its LP is in guest mode and issues no SEAMCALL.
 *
 * Invariants (tdxsim_tds_check): REFCOUNT[e] = resident vCPUs of the TD with vcpu_epoch & 1 =
 * e; two pins per resident vCPU; sim->td.num_resident counts them.
 */
#ifndef TDXSIM_SEAMCALL_RESIDENT_H
#define TDXSIM_SEAMCALL_RESIDENT_H

#include "seamcall/td_common.h"

/* Enters @v as VP.ENTER would on its associated LP, for @calls host SEAMCALLs (0: until
 * tdxsim_resident_exit). TDXSIM_ERR_STATE when VP.ENTER could not have entered it there
 * (nothing changed). */
tdxsim_err_t tdxsim_resident_enter(struct tdxsim *sim, struct tdxsim_vcpu *v, uint32_t calls);
/* The TD exit: REFCOUNT lowered, pins dropped; the vCPU stays associated. */
void tdxsim_resident_exit(struct tdxsim *sim, struct tdxsim_vcpu *v);
/* Whether LP @lp is in guest mode (a resident vCPU is on it). */
bool tdxsim_resident_on_lp(const struct tdxsim *sim, uint32_t lp);
/* One host SEAMCALL done: counts down, exits the vCPUs whose count ran out. */
void tdxsim_resident_tick(struct tdxsim *sim);

#endif
