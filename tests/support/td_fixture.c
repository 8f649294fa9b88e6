/* SPDX-License-Identifier: MIT */
#include <string.h>

#include <stdlib.h>

#include "td_fixture.h"
#include "tdxsim/memory.h"

int tdfx_setup_2x2(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	tdxsim_config_t cfg;
	tdxsim_config_init(&cfg);
	cfg.num_packages = 2;
	cfg.lps_per_package = 2;
	fx_create(fx, &cfg, FX_INITIALIZED);
	*state = fx;
	return 0;
}

int tdfx_teardown(void **state)
{
	fx_destroy(*state);
	free(*state);
	return 0;
}

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
	uint64_t hash = 0;
	/* Through the fused check the fuzzer uses: its hash must be the state hash, in every state
	 * a test checks. */
	if (tdxsim_check_invariants_hash(fx->sim, &hash, msg, sizeof(msg)) != TDXSIM_OK)
		fail_msg("invariant: %s", msg);
	assert_int_equal(hash, tdxsim_state_hash(fx->sim));
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

uint64_t tdfx_sys_rd(struct fx *fx, uint64_t field_id)
{
	tdxsim_regs_t o;
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_SYS_RD, 0, field_id, 0, &o), TDXSIM_TDX_SUCCESS);
	return o.r8;
}

/* SYS.RD field ids (tdx-module-abi.md 4.2). */
#define MD_ATTRIBUTES_FIXED0   0x1900000300000000ULL
#define MD_ATTRIBUTES_FIXED1   0x1900000300000001ULL
#define MD_XFAM_FIXED0	       0x1900000300000002ULL
#define MD_XFAM_FIXED1	       0x1900000300000003ULL
#define MD_NUM_CPUID_CONFIG    0x9900000100000004ULL
#define MD_CPUID_CONFIG_LEAVES 0x9900000300000400ULL
#define MD_CPUID_CONFIG_VALUES 0x9900000300000500ULL

static void put64(uint8_t *p, unsigned off, uint64_t v)
{
	memcpy(p + off, &v, sizeof(v));
}

/* One CPUID_CONFIG entry as QEMU + KVM send it (td-build.md A.5): reported feature bits minus
 * HLE (7.0 EBX 4), RTM (7.0 EBX 11) and WAITPKG (7.0 ECX 5); identity and topology left 0. */
static void cpuid_entry(uint32_t leaf, uint32_t sub, uint64_t v[2])
{
	if (leaf == 0x1) {
		v[0] = 0; /* EAX F/M/S and EBX APIC/count fields: the native ones */
	} else if (leaf == 0x4 || leaf == 0x1F) {
		v[0] = v[1] = 0;
	} else if (leaf == 0x7 && sub == 0) {
		v[0] &= ~((UINT64_C(1) << 4 | UINT64_C(1) << 11) << 32);
		v[1] &= ~(UINT64_C(1) << 5);
	}
}

uint64_t tdfx_td_params(struct fx *fx, const struct tdfx_params *p)
{
	static const struct tdfx_params defaults;
	uint8_t tp[1024] = {0};
	if (!p)
		p = &defaults;

	uint64_t attr = (p->attributes | tdfx_sys_rd(fx, MD_ATTRIBUTES_FIXED1)) &
			tdfx_sys_rd(fx, MD_ATTRIBUTES_FIXED0);
	uint64_t xfam = (p->xfam | tdfx_sys_rd(fx, MD_XFAM_FIXED1)) & tdfx_sys_rd(fx, MD_XFAM_FIXED0);
	put64(tp, 0, attr);
	put64(tp, 8, xfam);
	uint16_t max_vcpus = p->max_vcpus ? p->max_vcpus : 16;
	memcpy(tp + 16, &max_vcpus, 2);
	/* EPTP_CONTROLS: WB, page-walk length 4 (or 5 with GPAW); CONFIG_FLAGS: NO_RBP_MOD. */
	put64(tp, 24, 6 | (uint64_t)(p->gpa52 ? 4 : 3) << 3);
	put64(tp, 32, 4 | (p->gpa52 ? 1 : 0));
	uint16_t tsc = p->tsc_frequency ? p->tsc_frequency : 88;
	memcpy(tp + 40, &tsc, 2);
	uint64_t n = tdfx_sys_rd(fx, MD_NUM_CPUID_CONFIG);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t ls = tdfx_sys_rd(fx, MD_CPUID_CONFIG_LEAVES + i);
		uint64_t v[2] = {tdfx_sys_rd(fx, MD_CPUID_CONFIG_VALUES + 2 * i),
				 tdfx_sys_rd(fx, MD_CPUID_CONFIG_VALUES + 2 * i + 1)};
		cpuid_entry((uint32_t)ls, (uint32_t)(ls >> 32), v);
		put64(tp, 256 + 16 * (unsigned)i, v[0]);
		put64(tp, 256 + 16 * (unsigned)i + 8, v[1]);
	}
	uint64_t pa = tdfx_page(fx);
	assert_int_equal(tdxsim_mem_write(fx->sim, 0, pa, tp, sizeof(tp)), TDXSIM_OK);
	return pa;
}

void tdfx_init_with(struct fx *fx, struct tdfx_td *td, const struct tdfx_params *p)
{
	uint64_t tp = tdfx_td_params(fx, p);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MNG_INIT, td->tdr, tp, 0, NULL), TDXSIM_TDX_SUCCESS);
}

void tdfx_init(struct fx *fx, struct tdfx_td *td)
{
	tdfx_init_with(fx, td, NULL);
}

void tdfx_build_initialized(struct fx *fx, struct tdfx_td *td)
{
	tdfx_create_keyed_tdcs(fx, td);
	tdfx_init(fx, td);
}

/* ---- Private memory (td-build.md 3.11-3.13) ---- */

uint64_t tdfx_gpa_info(uint64_t gpa, unsigned level)
{
	return (gpa & ~((UINT64_C(1) << (12 + 9 * level)) - 1)) | level;
}

uint64_t tdfx_call(struct fx *fx, uint32_t lp, uint64_t rax, tdxsim_regs_t *regs)
{
	return tdxsim_seamcall(fx->sim, lp, rax, regs);
}

unsigned tdfx_sept_add_path(struct fx *fx, struct tdfx_td *td, uint64_t gpa, uint64_t *pages)
{
	unsigned n = 0;
	for (unsigned level = 4; level >= 1; level--) {
		/* TDH.MEM.SEPT.RD tells whether the entry already points at a table; level 4 exists
		 * only with 5-level EPT (else OPERAND_INVALID|RCX). */
		tdxsim_regs_t r = {.rcx = tdfx_gpa_info(gpa, level), .rdx = td->tdr};
		uint64_t st = tdfx_call(fx, 0, TDXSIM_TDH_MEM_SEPT_RD, &r);
		if (st == (TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RCX) ||
		    (st == TDXSIM_TDX_SUCCESS && ((r.rdx >> 8) & 0xFF) == 0x84))
			continue;
		uint64_t page = tdfx_page(fx);
		assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MEM_SEPT_ADD, tdfx_gpa_info(gpa, level), td->tdr,
				      page, NULL),
			      TDXSIM_TDX_SUCCESS);
		if (pages)
			pages[n] = page;
		n++;
	}
	return n;
}

uint64_t tdfx_source_page(struct fx *fx, const void *data)
{
	uint64_t src = tdfx_page(fx);
	assert_int_equal(tdxsim_mem_write(fx->sim, 0, src, data, 4096), TDXSIM_OK);
	return src;
}

uint64_t tdfx_page_add(struct fx *fx, struct tdfx_td *td, uint64_t gpa, const void *data)
{
	tdxsim_regs_t r = {.rcx = gpa, .rdx = td->tdr, .r8 = tdfx_page(fx), .r9 = tdfx_source_page(fx, data)};
	uint64_t page = r.r8;
	assert_status(tdfx_call(fx, 0, TDXSIM_TDH_MEM_PAGE_ADD, &r), TDXSIM_TDX_SUCCESS);
	return page;
}

void tdfx_mr_extend_page(struct fx *fx, struct tdfx_td *td, uint64_t gpa)
{
	for (unsigned i = 0; i < 16; i++)
		assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MR_EXTEND, gpa + 256 * i, td->tdr, 0, NULL),
			      TDXSIM_TDX_SUCCESS);
}
void tdfx_vp_create(struct fx *fx, struct tdfx_td *td, struct tdfx_vcpu *vp)
{
	*vp = (struct tdfx_vcpu){.tdvpr = tdfx_page(fx)};
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_VP_CREATE, vp->tdvpr, td->tdr, 0, NULL),
		      TDXSIM_TDX_SUCCESS);
}

void tdfx_vp_addcx(struct fx *fx, struct tdfx_vcpu *vp, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint64_t pa = tdfx_page(fx);
		assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_VP_ADDCX, pa, vp->tdvpr, 0, NULL),
			      TDXSIM_TDX_SUCCESS);
		vp->tdcx[vp->num_tdcx++] = pa;
	}
}

void tdfx_vp_build(struct fx *fx, struct tdfx_td *td, struct tdfx_vcpu *vp, uint32_t x2apic)
{
	tdxsim_regs_t o;
	tdfx_vp_create(fx, td, vp);
	/* TDVPS_BASE_SIZE, as KVM sizes the TDVPS (td-build.md 1.1). */
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_SYS_RD, 0, 0x9800000100000200ULL, 0, &o),
		      TDXSIM_TDX_SUCCESS);
	tdfx_vp_addcx(fx, vp, (unsigned)(o.r8 / 4096) - 1);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_VP_INIT | 1u << 16, vp->tdvpr, 0, x2apic, NULL),
		      TDXSIM_TDX_SUCCESS);
}

void tdfx_world_build(struct tdfx_world *w, enum tdfx_stage st)
{
	tdxsim_config_t cfg;
	tdxsim_config_init(&cfg);
	fx_create(&w->fx, &cfg, FX_INITIALIZED);
	struct fx *fx = &w->fx;
	w->page = tdfx_page(fx);
	if (st == TDFX_CREATED) {
		tdfx_create(fx, &w->td, 0);
		return;
	}
	if (st == TDFX_FIVE_TDCS) {
		tdfx_create(fx, &w->td, 0);
		tdfx_key_config(fx, &w->td);
		tdfx_add_tdcs(fx, &w->td, 5);
		return;
	}
	if (st == TDFX_UNINIT) {
		tdfx_create_keyed_tdcs(fx, &w->td);
		return;
	}
	tdfx_build_initialized(fx, &w->td);
	if (st >= TDFX_VCPU)
		tdfx_vp_create(fx, &w->td, &w->vp);
	if (st >= TDFX_VCPU_PAGES)
		tdfx_vp_addcx(fx, &w->vp, 5);
	if (st >= TDFX_VCPU_READY)
		assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_VP_INIT | 1u << 16, w->vp.tdvpr, 0, 0, NULL),
			      TDXSIM_TDX_SUCCESS);
}

void tdfx_world_destroy(struct tdfx_world *w)
{
	fx_destroy(&w->fx);
}

void tdfx_world_contend(struct tdfx_world *w, tdxsim_resource_t res, uint64_t key, tdxsim_lock_mode_t mode)
{
	assert_int_equal(tdxsim_contend(w->fx.sim, res, key, 0, mode, 1), TDXSIM_OK);
}

void tdfx_world_refused(struct tdfx_world *w, const char *rule, uint32_t lp, uint64_t rax, tdxsim_regs_t in,
			tdxsim_regs_t out, uint64_t status)
{
	uint64_t before = tdxsim_state_hash(w->fx.sim);
	tdxsim_regs_t r = in;
	uint64_t st = tdxsim_seamcall(w->fx.sim, lp, rax, &r);
	if (st != status)
		print_error("rule %s\n", rule);
	assert_status(st, status);
	assert_int_equal(tdxsim_state_hash(w->fx.sim), before);
	assert_memory_equal(&r, &out, sizeof(r));
	tdfx_assert_invariants(&w->fx);
	tdxsim_clear_contention(w->fx.sim);
}

uint64_t tdfx_vp_rd(struct fx *fx, uint32_t lp, uint64_t tdvpr, uint64_t field)
{
	tdxsim_regs_t o;
	assert_status(fx_call(fx->sim, lp, TDXSIM_TDH_VP_RD, tdvpr, field, 0, &o), TDXSIM_TDX_SUCCESS);
	return o.r8;
}

void tdfx_sept_rd(struct fx *fx, struct tdfx_td *td, uint64_t info, uint64_t *rcx, uint64_t *rdx)
{
	tdxsim_regs_t r = {.rcx = info, .rdx = td->tdr};
	assert_status(tdfx_call(fx, 0, TDXSIM_TDH_MEM_SEPT_RD, &r), TDXSIM_TDX_SUCCESS);
	*rcx = r.rcx;
	*rdx = r.rdx;
}

unsigned tdfx_arch_state(struct fx *fx, struct tdfx_td *td, uint64_t info)
{
	uint64_t rcx, rdx;
	tdfx_sept_rd(fx, td, info, &rcx, &rdx);
	return (unsigned)(rdx >> 8) & 0xFF;
}

uint64_t tdfx_chldcnt(struct fx *fx, struct tdfx_td *td)
{
	tdxsim_td_info_t info = {.size = sizeof(info)};
	assert_int_equal(tdxsim_td_query(fx->sim, td->tdr, &info), TDXSIM_OK);
	return info.chldcnt;
}

void tdfx_assert_pamt(struct fx *fx, struct tdfx_td *td, uint64_t pa, uint8_t type, uint8_t level)
{
	tdxsim_pamt_info_t pi;
	assert_int_equal(tdxsim_pamt_query(fx->sim, pa, &pi), TDXSIM_OK);
	assert_int_equal(pi.page_type, type);
	assert_int_equal(pi.level, level);
	if (type != TDXSIM_PT_NDA)
		assert_int_equal(pi.owner, td->tdr);
}
