/* SPDX-License-Identifier: MIT */
/* vCPU association and keyed PAs (vcpu.h; td-build.md 3.10). */
#include "seamcall/vcpu.h"

uint64_t tdxsim_vcpu_keyed_pa(const struct tdxsim *sim, const struct tdxsim_td *td, uint64_t pa)
{
	return pa | (uint64_t)td->hkid << sim->hkid.module_shift;
}

uint64_t tdxsim_vcpu_associate(struct tdxsim_call *c, struct tdxsim_vcpu *v)
{
	if (v->assoc_lp == c->lp)
		return 0;
	if (v->assoc_lp != TDXSIM_VCPU_NOT_ASSOC)
		return TDXSIM_TDX_VCPU_ASSOCIATED;
	v->assoc_lp = c->lp;
	v->td->tdcs.num_assoc_vcpus++;
	return 0;
}
