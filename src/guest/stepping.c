/* SPDX-License-Identifier: MIT */
/*
 * Zero-step mitigation, the EPT-fault half (td-runtime.md 3.5; [M155] td_exit_stepping.c,
 * td_ept_violation.c): private-GPA EPT-violation exits are counted per guest instruction (here:
 * per op), and from the 7th at the same op each new faulting GPA is logged in the vCPU's
 * LAST_EPF_GPA_LIST. TDH.VP.ENTER refuses to enter while a logged GPA still does not translate
 * (seamcall/leaves/tdh_vp_enter.c).
 */
#include "guest/run.h"
#include "sept/sept.h"

#define STEPPING_EPF_THRESHOLD 6 /* td_exit_stepping.h */
#define EPF_GPA_LIST_SIZE      32

void tdxsim_guest_stepping_exit(struct tdxsim_guest_run *r)
{
	struct tdxsim_vcpu *v = r->env->v;
	size_t pc = r->g ? r->g->pc : 0;
	/* Forward progress since entry: tracking starts over (at every exit). */
	if (pc != r->entry_pc) {
		v->last_epf_gpa_list_idx = 0;
		v->possibly_epf_stepping = 0;
	}
	if (!r->epf)
		return;
	if (v->possibly_epf_stepping < STEPPING_EPF_THRESHOLD) {
		v->possibly_epf_stepping++;
		return;
	}
	if (v->last_epf_gpa_list_idx >= EPF_GPA_LIST_SIZE)
		return;
	for (uint32_t i = 0; i < v->last_epf_gpa_list_idx; i++)
		if (v->last_epf_gpa_list[i] == r->epf_gpa)
			return;
	v->last_epf_gpa_list[v->last_epf_gpa_list_idx++] = r->epf_gpa;
}

/*
 * The module's is_epf_expected: a full private translation asking for RWX; the GPA is expected
 * to fault again unless it translates or the violation would be converted to a #VE (the
 * entry's suppress-#VE bit clear).
 */
static bool epf_expected(const struct tdxsim_td *td, uint64_t gpa)
{
	unsigned level;
	uint64_t e = *tdxsim_sept_walk(td->sept, gpa, 0, &level, NULL);
	bool leaf = level == 0 || tdxsim_septe_is_leaf(e);
	if (leaf && (e & TDXSIM_SEPTE_RWX) == TDXSIM_SEPTE_RWX)
		return false;
	return (e & TDXSIM_SEPTE_SVE) != 0;
}

bool tdxsim_guest_epf_pending(const struct tdxsim_td *td, const struct tdxsim_vcpu *v, uint64_t *gpa)
{
	for (uint32_t i = 0; i < v->last_epf_gpa_list_idx; i++)
		if (!td->sept || epf_expected(td, v->last_epf_gpa_list[i])) {
			*gpa = v->last_epf_gpa_list[i];
			return true;
		}
	return false;
}
