/* SPDX-License-Identifier: MIT */
#include "td_fixture.h"

uint64_t tdfx_page(struct fx *fx)
{
	uint64_t pa = 0;
	assert_int_equal(tdxsim_phys_alloc(fx->sim, 4096, 4096, UINT32_MAX, &pa), TDXSIM_OK);
	return pa;
}

uint16_t tdfx_free_hkid(struct fx *fx)
{
	for (uint32_t k = fx->host.keyid_first; k < fx->host.keyid_first + fx->host.keyid_count; k++)
		if (tdxsim_kot_state(fx->sim, k) == 0)
			return (uint16_t)k;
	fail_msg("no free private KeyID");
	return 0;
}

uint32_t tdfx_lp_of_package(struct fx *fx, uint32_t pkg)
{
	uint32_t n = tdxsim_num_lps(fx->sim);
	for (uint32_t lp = 0; lp < n; lp++)
		if (tdxsim_lp_package(fx->sim, lp) == pkg)
			return lp;
	fail_msg("no LP in package %u", pkg);
	return 0;
}

void tdfx_create(struct fx *fx, struct tdfx_td *td, uint16_t hkid)
{
	*td = (struct tdfx_td){.tdr = tdfx_page(fx), .hkid = hkid ? hkid : tdfx_free_hkid(fx)};
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MNG_CREATE, td->tdr, td->hkid, 0, NULL),
		      TDXSIM_TDX_SUCCESS);
}

void tdfx_key_config(struct fx *fx, struct tdfx_td *td)
{
	for (uint32_t p = 0; p < tdxsim_num_packages(fx->sim); p++)
		assert_status(fx_call(fx->sim, tdfx_lp_of_package(fx, p), TDXSIM_TDH_MNG_KEY_CONFIG, td->tdr,
				      0, 0, NULL),
			      TDXSIM_TDX_SUCCESS);
}

void tdfx_add_tdcs(struct fx *fx, struct tdfx_td *td, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint64_t pa = tdfx_page(fx);
		assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MNG_ADDCX, pa, td->tdr, 0, NULL),
			      TDXSIM_TDX_SUCCESS);
		td->tdcs[td->num_tdcs++] = pa;
	}
}

void tdfx_create_keyed_tdcs(struct fx *fx, struct tdfx_td *td)
{
	tdxsim_regs_t o;
	tdfx_create(fx, td, 0);
	tdfx_key_config(fx, td);
	/* TDCS_BASE_SIZE, as KVM sizes the TDCS (td-build.md 1.1). */
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_SYS_RD, 0, 0x9800000100000100ULL, 0, &o),
		      TDXSIM_TDX_SUCCESS);
	tdfx_add_tdcs(fx, td, (unsigned)(o.r8 / 4096));
}

void tdfx_assert_invariants(struct fx *fx)
{
	char msg[256] = "";
	if (tdxsim_check_invariants(fx->sim, msg, sizeof(msg)) != TDXSIM_OK)
		fail_msg("invariant: %s", msg);
}

void tdfx_release_hkid(struct fx *fx, struct tdfx_td *td)
{
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MNG_VPFLUSHDONE, td->tdr, 0, 0, NULL),
		      TDXSIM_TDX_SUCCESS);
	for (uint32_t p = 0; p < tdxsim_num_packages(fx->sim); p++) {
		uint32_t lp = tdfx_lp_of_package(fx, p);
		uint64_t st = fx_call(fx->sim, lp, TDXSIM_TDH_PHYMEM_CACHE_WB, 0, 0, 0, NULL);
		while (st == TDXSIM_TDX_INTERRUPTED_RESUMABLE)
			st = fx_call(fx->sim, lp, TDXSIM_TDH_PHYMEM_CACHE_WB, 1, 0, 0, NULL);
		if (st != TDXSIM_TDX_NO_HKID_READY_TO_WBCACHE)
			assert_status(st, TDXSIM_TDX_SUCCESS);
	}
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MNG_KEY_FREEID, td->tdr, 0, 0, NULL),
		      TDXSIM_TDX_SUCCESS);
}

uint64_t tdfx_reclaim(struct fx *fx, uint64_t pa)
{
	tdxsim_regs_t o;
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_PHYMEM_PAGE_RECLAIM, pa, 0, 0, &o), TDXSIM_TDX_SUCCESS);
	return o.rcx;
}
