/* SPDX-License-Identifier: MIT */
/*
 * TD test fixtures: a brought-up module (FX_INITIALIZED) and TDs built step by step with the
 * real leaves, in KVM's order, each step asserting success. Tests that check one rule build a
 * TD up to the step before it, then issue the call under test themselves.
 */
#ifndef TDXSIM_TEST_TD_FIXTURE_H
#define TDXSIM_TEST_TD_FIXTURE_H

#include "fixture.h"
#include "tdxsim/td.h"
#include "tdxsim/abi_constants.h"

struct tdfx_td {
	uint64_t tdr;
	uint16_t hkid;
	uint64_t tdcs[9];
	unsigned num_tdcs;
};

/* A free 4 KiB page of RAM inside a TDMR (asserts). */
uint64_t tdfx_page(struct fx *fx);
/* The first private KeyID that is neither the global one nor in use (KOT FREE). */
uint16_t tdfx_free_hkid(struct fx *fx);
/* The first LP of package @pkg. */
uint32_t tdfx_lp_of_package(struct fx *fx, uint32_t pkg);

/* TDH.MNG.CREATE of a new TDR page with @hkid (0: tdfx_free_hkid()). */
void tdfx_create(struct fx *fx, struct tdfx_td *td, uint16_t hkid);
/* TDH.MNG.KEY.CONFIG on the first LP of every package. */
void tdfx_key_config(struct fx *fx, struct tdfx_td *td);
/* TDH.MNG.ADDCX of @n new pages. */
void tdfx_add_tdcs(struct fx *fx, struct tdfx_td *td, unsigned n);
/* CREATE, KEY.CONFIG and the TDCS page count TDH.SYS.RD reports (TDCS_BASE_SIZE / 4096). */
void tdfx_create_keyed_tdcs(struct fx *fx, struct tdfx_td *td);

/* Asserts tdxsim_check_invariants() passes, printing the message otherwise. */
void tdfx_assert_invariants(struct fx *fx);

/* Teardown in KVM's order for a TD without vCPUs (or whose vCPUs are flushed): VPFLUSHDONE,
 * CACHE.WB on every package (resumed while interrupted), KEY.FREEID. */
void tdfx_release_hkid(struct fx *fx, struct tdfx_td *td);
/* TDH.PHYMEM.PAGE.RECLAIM of @pa, asserting success; returns the reported page type. */
uint64_t tdfx_reclaim(struct fx *fx, uint64_t pa);
#endif
