/* SPDX-License-Identifier: MIT */
/*
 * TDH.PHYMEM.PAGE.WBINVD (leaf 41): writes back and invalidates the cache lines of a page
 * the module no longer owns, through the KeyID in RCX's KeyID bits (td-build.md 3.20; module
 * 1.5.05 api/tdh_phymem_page_wbinvd.c). The KeyID itself is not validated.
 * Locks: the page's PAMT entry shared. No outputs, no state change: tdxsim has no caches,
 * so the flush is only charged (64 lines, docs/cycles.md).
 */
#include "hkid/hkid.h"
#include "seamcall/td_common.h"

uint64_t tdxsim_tdh_phymem_page_wbinvd(struct tdxsim_call *c)
{
	uint64_t pa = tdxsim_hkid_strip(&c->sim->hkid, c->regs->rcx);
	return tdxsim_p4k(c, pa, TDXSIM_OPERAND_RCX, TDXSIM_PT_NDA, TDXSIM_LOCK_SHARED, NULL);
}
