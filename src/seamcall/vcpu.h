/* SPDX-License-Identifier: MIT */
/*
 * What the TDH.VP leaves share (td-build.md 3.6-3.10): the TDVPS page-count check, the
 * vCPU-LP association rule, and the VP metadata (TDH.VP.RD / TDH.VP.WR field access).
 *
 * Association (td-build.md 3.10, [M155] helpers.c associate_vcpu): a vCPU is associated with
 * at most one LP (assoc_lp, TDXSIM_VCPU_NOT_ASSOC when none). TDH.VP.INIT associates it with
 * its LP; TDH.VP.RD/WR (and VP.ENTER) associate an unassociated vCPU with theirs and fail with
 * TDX_VCPU_ASSOCIATED when it is associated elsewhere; only TDH.VP.FLUSH on the associated LP
 * dissociates. TDCS.NUM_ASSOC_VCPUS counts associated vCPUs exactly (tdxsim_tds_check).
 *
 * VP metadata (td-build.md 3.9): field ids are looked up in the module's tables
 * (vp_fields.def) by class and field code only; size, context, write-mask-valid and bit 63
 * take no part, so KVM's ids built with size 0 work. Values come from struct tdxsim_vcpu and
 * its TD; the production host masks apply.
 */
#ifndef TDXSIM_SEAMCALL_VCPU_H
#define TDXSIM_SEAMCALL_VCPU_H

#include "seamcall/td_common.h"

/* TDVPS pages the vCPU needs before VP.INIT/RD/WR/FLUSH map it: 6 + 3 per L2 VM. */
static inline bool tdxsim_vcpu_pages_ok(const struct tdxsim_vcpu *v)
{
	return v->num_pages >= TDXSIM_MIN_TDVPS_PAGES + 3u * v->td->tdcs.num_l2_vms;
}

/* A control-page PA as the module stores it: with the TD's HKID in the KeyID bits of the
 * module's view (below MAX_PA = 52, hkid/hkid.h). */
uint64_t tdxsim_vcpu_keyed_pa(const struct tdxsim *sim, const struct tdxsim_td *td, uint64_t pa);

/* Associates @v with the calling LP unless it already is; TDX_VCPU_ASSOCIATED if it is
 * associated with another LP. */
uint64_t tdxsim_vcpu_associate(struct tdxsim_call *c, struct tdxsim_vcpu *v);

/*
 * TDH.VP.RD of one element (td-build.md 3.9 rows 9R): field-id format, lookup, VMCS "high"
 * encodings, read mask. *value gets the element masked by its size and the read mask.
 */
uint64_t tdxsim_vp_md_read(const struct tdxsim_call *c, const struct tdxsim_vcpu *v, uint64_t field_id,
			   uint64_t *value);

/*
 * TDH.VP.WR of one element (rows 9W, 10W): as the read, then write mask, forbidden bits,
 * shared-HPA attributes and the special VMCS rules. *old gets the previous value masked by the
 * read mask; nothing changes on failure.
 */
uint64_t tdxsim_vp_md_write(const struct tdxsim_call *c, struct tdxsim_vcpu *v, uint64_t field_id,
			    uint64_t value, uint64_t mask, uint64_t *old);

/* TDH.VP.RD version 1's next readable element id after @field_id (which was just read), or the
 * first one when @field_id is the null id; -1 after the last. */
uint64_t tdxsim_vp_md_next(const struct tdxsim_vcpu *v, uint64_t field_id);

/* True when @field_id is the null id (-1, context bits ignored). */
bool tdxsim_vp_md_is_null(uint64_t field_id);

#endif
