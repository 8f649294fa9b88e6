/* SPDX-License-Identifier: MIT */
/*
 * TD test fixtures: a brought-up module (FX_INITIALIZED) and TDs built step by step with the
 * real leaves, in KVM's order, each step asserting success. Tests that check one rule build a
 * TD up to the step before it, then issue the call under test themselves.
 */
#ifndef TDXSIM_TEST_TD_FIXTURE_H
#define TDXSIM_TEST_TD_FIXTURE_H

#include <stdbool.h>

#include "fixture.h"
#include "tdxsim/td.h"
#include "tdxsim/abi_constants.h"

struct tdfx_td {
	uint64_t tdr;
	uint16_t hkid;
	uint64_t tdcs[9];
	unsigned num_tdcs;
};

/* cmocka setup/teardown: a simulator of 2 packages x 2 LPs brought to FX_INITIALIZED in
 * *state (a struct fx *), so key configuration and cache write-back run per package. */
int tdfx_setup_2x2(void **state);
int tdfx_teardown(void **state);

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

/* What a TD_PARAMS page asks for beyond KVM's defaults; zero fields take the defaults. */
struct tdfx_params {
	uint64_t attributes;	/* OR-ed with ATTRIBUTES_FIXED1, masked with FIXED0 */
	uint64_t xfam;		/* OR-ed with XFAM_FIXED1 (0: x87 and SSE only) */
	uint16_t max_vcpus;	/* 0: 16 */
	uint16_t tsc_frequency; /* 25 MHz units; 0: the platform's 2.2 GHz (88) */
	bool gpa52;		/* 5-level EPT and CONFIG_FLAGS.GPAW (KVM with 52 guest PA bits) */
};
/*
 * Writes a valid TD_PARAMS page (asserts) built the way KVM's setup_tdparams() does from what
 * TDH.SYS.RD reports: attributes and XFAM with the fixed bits, CONFIG_FLAGS = NO_RBP_MOD,
 * EPTP WB with 4 (or 5) levels, and one CPUID_CONFIG entry per configurable leaf in SYS.RD
 * order. Feature leaves request every bit the module reports, minus HLE, RTM and WAITPKG,
 * which KVM refuses; identity and topology fields (leaf 1 EAX/EBX, leaf 4, 0x1F) are left 0 so
 * the module uses the native ones, as KVM passes them when user space leaves them out.
 * @p may be NULL. Returns the page's PA.
 */
uint64_t tdfx_td_params(struct fx *fx, const struct tdfx_params *p);
/* TDH.MNG.INIT of @td with tdfx_td_params(fx, p) (asserts success). */
void tdfx_init_with(struct fx *fx, struct tdfx_td *td, const struct tdfx_params *p);
void tdfx_init(struct fx *fx, struct tdfx_td *td);
/* tdfx_create_keyed_tdcs() then tdfx_init(): a TD in op state INITIALIZED. */
void tdfx_build_initialized(struct fx *fx, struct tdfx_td *td);
/* One TDH.SYS.RD (asserts success); returns R8. */
uint64_t tdfx_sys_rd(struct fx *fx, uint64_t field_id);
/* A vCPU built with the real leaves: its TDVPR and TDVPS pages in the order they were added. */
struct tdfx_vcpu {
	uint64_t tdvpr;
	uint64_t tdcx[14];
	unsigned num_tdcx;
};
/* TDH.VP.CREATE of a new TDVPR page for @td (asserts success). */
void tdfx_vp_create(struct fx *fx, struct tdfx_td *td, struct tdfx_vcpu *vp);
/* TDH.VP.ADDCX of @n new pages (asserts success). */
void tdfx_vp_addcx(struct fx *fx, struct tdfx_vcpu *vp, unsigned n);
/* KVM's vCPU bring-up on LP 0: CREATE, ADDCX x (TDVPS_BASE_SIZE / 4096 - 1), then
 * TDH.VP.INIT version 1 with R8 = @x2apic (asserts success). */
void tdfx_vp_build(struct fx *fx, struct tdfx_td *td, struct tdfx_vcpu *vp, uint32_t x2apic);

/* How far tdfx_world_build() brings a TD before the call a table row tests. */
enum tdfx_stage {
	TDFX_CREATED,	 /* MNG.CREATE only */
	TDFX_FIVE_TDCS,	 /* keys configured, 5 TDCS pages */
	TDFX_UNINIT,	 /* every TDCS page, MNG.INIT not done */
	TDFX_INIT,	 /* op state INITIALIZED */
	TDFX_VCPU,	 /* + a vCPU with its TDVPR only */
	TDFX_VCPU_PAGES, /* + all its TDVPS pages, not initialized */
	TDFX_VCPU_READY, /* + TDH.VP.INIT v1 on LP 0 (x2APIC 0) */
};
/* One row's simulator (default config) with a TD, a vCPU and a spare free page. */
struct tdfx_world {
	struct fx fx;
	struct tdfx_td td;
	struct tdfx_vcpu vp;
	uint64_t page;
};
void tdfx_world_build(struct tdfx_world *w, enum tdfx_stage st);
void tdfx_world_destroy(struct tdfx_world *w);
/* tdxsim_contend() once, for the next acquisition of (@res, @key). */
void tdfx_world_contend(struct tdfx_world *w, tdxsim_resource_t res, uint64_t key, tdxsim_lock_mode_t mode);
/*
 * Issues @rax with registers @in on @lp and asserts: status @status (printing @rule if not),
 * registers afterwards equal @out, state hash unchanged, invariants hold. Clears contention.
 */
void tdfx_world_refused(struct tdfx_world *w, const char *rule, uint32_t lp, uint64_t rax, tdxsim_regs_t in,
			tdxsim_regs_t out, uint64_t status);

/* TDH.VP.RD version 0 of @field on @lp (asserts success); returns R8. */
uint64_t tdfx_vp_rd(struct fx *fx, uint32_t lp, uint64_t tdvpr, uint64_t field);

/* ---- Private memory (td-build.md 3.11-3.13) ---- */

/* The page-info operand of the TDH.MEM leaves: @gpa aligned down to @level's size | @level. */
uint64_t tdfx_gpa_info(uint64_t gpa, unsigned level);
/*
 * TDH.MEM.SEPT.ADD (version 0) of every missing table on the way to @gpa's 4K entry, from the
 * root's level - 1 down to level 1 (4-level EPT: PDPT, PD, PT). Each new page's PA goes to
 * @pages (may be NULL) in that order. Returns how many pages were added.
 */
unsigned tdfx_sept_add_path(struct fx *fx, struct tdfx_td *td, uint64_t gpa, uint64_t *pages);
/* A shared host page (KeyID 0) holding @data (4 KiB). */
uint64_t tdfx_source_page(struct fx *fx, const void *data);
/* TDH.MEM.PAGE.ADD of @data (4 KiB) at @gpa (the path must exist). Returns the TD page's PA. */
uint64_t tdfx_page_add(struct fx *fx, struct tdfx_td *td, uint64_t gpa, const void *data);
/* TDH.MR.EXTEND of the 16 256-byte chunks of the 4K page at @gpa. */
void tdfx_mr_extend_page(struct fx *fx, struct tdfx_td *td, uint64_t gpa);
/* A SEAMCALL with a whole register block in and out (fx_call sets only RCX, RDX, R8). */
uint64_t tdfx_call(struct fx *fx, uint32_t lp, uint64_t rax, tdxsim_regs_t *regs);
/* TDH.MEM.SEPT.RD of @info (GPA | level) in @td, which must succeed: the entry and its level
 * in *rcx / *rdx. */
void tdfx_sept_rd(struct fx *fx, struct tdfx_td *td, uint64_t info, uint64_t *rcx, uint64_t *rdx);
/* The architectural state of the entry @info (GPA | level) names: SEPT.RD's RDX bits 15:8. */
unsigned tdfx_arch_state(struct fx *fx, struct tdfx_td *td, uint64_t info);
/* @td's CHLDCNT (tdxsim_td_query). */
uint64_t tdfx_chldcnt(struct fx *fx, struct tdfx_td *td);
/* The PAMT entry of @pa has @type and @level, and unless PT_NDA belongs to @td. */
void tdfx_assert_pamt(struct fx *fx, struct tdfx_td *td, uint64_t pa, uint8_t type, uint8_t level);

#endif
