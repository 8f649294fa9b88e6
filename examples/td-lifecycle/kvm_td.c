/* SPDX-License-Identifier: MIT */
/* A hypervisor's TD management in KVM's order and with KVM's retry rules (kvm_td.h). */
#include <stddef.h>
#include <string.h>

#include "host_tdx.h"
#include "kvm_td.h"
#include "tdxsim/memory.h"

/* Leaf numbers and statuses, spelled as a hypervisor's own header would (tdx-module-abi.md). */
#define TDH_MEM_PAGE_ADD	2
#define TDH_MEM_SEPT_ADD	3
#define TDH_MNG_ADDCX		1
#define TDH_VP_ADDCX		4
#define TDH_MEM_RANGE_BLOCK	7
#define TDH_MNG_KEY_CONFIG	8
#define TDH_MNG_CREATE		9
#define TDH_VP_CREATE		10
#define TDH_MNG_RD		11
#define TDH_MR_EXTEND		16
#define TDH_MR_FINALIZE		17
#define TDH_VP_FLUSH		18
#define TDH_MNG_VPFLUSHDONE	19
#define TDH_MNG_KEY_FREEID	20
#define TDH_MNG_INIT		21
#define TDH_VP_INIT		22
#define TDH_PHYMEM_PAGE_RECLAIM 28
#define TDH_MEM_PAGE_REMOVE	29
#define TDH_SYS_RD		34
#define TDH_MEM_TRACK		38
#define TDH_PHYMEM_CACHE_WB	40
#define TDH_PHYMEM_PAGE_WBINVD	41

#define TDX_SUCCESS		     UINT64_C(0)
#define TDX_STATUS_MASK		     UINT64_C(0xFFFFFFFF00000000)
#define TDX_OPERAND_BUSY	     UINT64_C(0x8000020000000000)
#define TDX_INTERRUPTED_RESUMABLE    UINT64_C(0x8000000300000000)
#define TDX_NO_HKID_READY_TO_WBCACHE UINT64_C(0x0000082100000000)
#define TDX_VCPU_NOT_ASSOCIATED	     UINT64_C(0x8000070200000000)

/* Global metadata field ids (tdx-module-abi.md 4.2). */
#define MD_ATTRS_FIXED0	    UINT64_C(0x1900000300000000)
#define MD_ATTRS_FIXED1	    UINT64_C(0x1900000300000001)
#define MD_XFAM_FIXED0	    UINT64_C(0x1900000300000002)
#define MD_XFAM_FIXED1	    UINT64_C(0x1900000300000003)
#define MD_NUM_CPUID_CONFIG UINT64_C(0x9900000100000004)
#define MD_MAX_VCPUS_PER_TD UINT64_C(0x9900000100000008)
#define MD_TDCS_BASE_SIZE   UINT64_C(0x9800000100000100)
#define MD_TDVPS_BASE_SIZE  UINT64_C(0x9800000100000200)
#define MD_TD_MRTD(k)	    (UINT64_C(0x1310000300000000) + (k)) /* TDCS measurement class */

#define ATTR_SEPT_VE_DISABLE (UINT64_C(1) << 28)
#define CONFIG_NO_RBP_MOD    (UINT64_C(1) << 2)
#define EPTP_WB_PWL4	     (6 | 3 << 3)
#define PAGE_SIZE	     4096
#define EXTEND_CHUNK	     256

static int fail(struct kvm_tdx *k, const char *step, uint64_t status)
{
	char name[96];
	k->last_status = status;
	k->last_step = step;
	if (k->log)
		fprintf(k->log, "kvm-tdx: %s failed: %s\n", step,
			tdxsim_status_name(status, name, sizeof(name)));
	return -1;
}

/* A SEAMCALL with Linux's sc_retry() rule for TDX_RND_NO_ENTROPY (host_tdx_seamcall). */
static uint64_t sc(struct kvm_tdx *k, uint32_t lp, uint64_t fn, tdxsim_regs_t *r)
{
	return host_tdx_seamcall(k->sim, lp, fn, r);
}

/* KVM's rule for the zap leaves: one retry on OPERAND_BUSY (after kicking vCPUs), then a bug. */
static uint64_t sc_busy_once(struct kvm_tdx *k, uint32_t lp, uint64_t fn, const tdxsim_regs_t *in,
			     tdxsim_regs_t *out)
{
	*out = *in;
	uint64_t st = sc(k, lp, fn, out);
	if ((st & TDX_STATUS_MASK) == TDX_OPERAND_BUSY) {
		*out = *in;
		st = sc(k, lp, fn, out);
	}
	return st;
}

static uint64_t sys_rd(struct kvm_tdx *k, uint64_t field, uint64_t *value)
{
	tdxsim_regs_t r = {.rdx = field};
	uint64_t st = sc(k, 0, TDH_SYS_RD, &r);
	*value = r.r8;
	return st;
}

static uint64_t alloc_page(struct kvm_tdx *k)
{
	uint64_t pa = 0;
	if (tdxsim_phys_alloc(k->sim, PAGE_SIZE, PAGE_SIZE, UINT32_MAX, &pa) != TDXSIM_OK)
		return 0;
	return pa;
}

/* The host clears a page it got back (MOVDIR64B: on partial-write-erratum parts a plain store to
 * a line still owned by the old KeyID would poison it; tdx-module-abi.md 10). Then frees it. */
static void clear_and_free(struct kvm_tdx *k, uint64_t pa)
{
	static const uint8_t zero[64];
	for (unsigned off = 0; off < PAGE_SIZE; off += 64)
		tdxsim_movdir64b(k->sim, 0, pa + off, zero);
	tdxsim_phys_free(k->sim, pa, PAGE_SIZE);
}

int kvm_tdx_init(struct kvm_tdx *k, tdxsim_t *sim, uint32_t global_keyid, uint32_t keyid_first,
		 uint32_t keyid_count, FILE *log)
{
	uint64_t v[8];
	static const uint64_t ids[8] = {MD_ATTRS_FIXED0,   MD_ATTRS_FIXED1,	MD_XFAM_FIXED0,
					MD_XFAM_FIXED1,	   MD_NUM_CPUID_CONFIG, MD_MAX_VCPUS_PER_TD,
					MD_TDCS_BASE_SIZE, MD_TDVPS_BASE_SIZE};
	memset(k, 0, sizeof(*k));
	k->sim = sim;
	k->log = log;
	for (unsigned i = 0; i < 8; i++) {
		uint64_t st = sys_rd(k, ids[i], &v[i]);
		if (st != TDX_SUCCESS)
			return fail(k, "TDH.SYS.RD", st);
	}
	k->caps = (struct kvm_tdx_caps){
		.attrs_fixed0 = v[0],
		.attrs_fixed1 = v[1],
		.xfam_fixed0 = v[2],
		.xfam_fixed1 = v[3],
		.num_cpuid_config = (unsigned)v[4],
		.max_vcpus = (unsigned)v[5],
		.tdcs_pages = (unsigned)(v[6] / PAGE_SIZE),
		.tdvpx_pages = (unsigned)(v[7] / PAGE_SIZE - 1),
		.global_keyid = global_keyid,
		.keyid_shift = tdxsim_keyid_shift(sim),
		.keyid_first = keyid_first,
		.keyid_count = keyid_count,
	};
	return 0;
}

/* KVM's KeyID allocator: the TDX private range minus the global KeyID; a KeyID is in use from
 * MNG.CREATE until KEY.FREEID succeeded. */
static uint32_t keyid_alloc(struct kvm_tdx *k)
{
	for (uint32_t id = k->caps.keyid_first; id < k->caps.keyid_first + k->caps.keyid_count; id++) {
		if (id == k->caps.global_keyid || k->keyid_used[id])
			continue;
		k->keyid_used[id] = 1;
		return id;
	}
	return 0;
}

/* TD_PARAMS as KVM's setup_tdparams() fills it: attributes with the module's FIXED1 bits, XFAM
 * x87/SSE/AVX when the module allows them, WB 4-level EPT, no optional CPUID feature requested
 * (every CPUID_VALUES entry 0: the module then uses native values), TSC at 2.2 GHz. */
static void fill_td_params(struct kvm_tdx *k, uint8_t *p, unsigned max_vcpus)
{
	uint64_t attrs = (ATTR_SEPT_VE_DISABLE & k->caps.attrs_fixed0) | k->caps.attrs_fixed1;
	uint64_t xfam = (UINT64_C(0x7) & k->caps.xfam_fixed0) | k->caps.xfam_fixed1;
	uint64_t eptp = EPTP_WB_PWL4, flags = CONFIG_NO_RBP_MOD;
	uint16_t nv = (uint16_t)max_vcpus, tsc = 2200000000u / 25000000u;
	memset(p, 0, 1024);
	memcpy(p + 0, &attrs, 8);
	memcpy(p + 8, &xfam, 8);
	memcpy(p + 16, &nv, 2);
	memcpy(p + 24, &eptp, 8);
	memcpy(p + 32, &flags, 8);
	memcpy(p + 40, &tsc, 2);
}

int kvm_td_create(struct kvm_tdx *k, struct kvm_td *td, unsigned max_vcpus)
{
	tdxsim_regs_t r;
	uint64_t st;

	/* The page lists (1 MiB) are valid up to num_pages only: clearing them per TD would cost
	 * more than the whole TD create + destroy (bench_td). */
	memset(td, 0, offsetof(struct kvm_td, gpa));
	td->num_pages = 0;
	memset(td->mrtd, 0, sizeof(td->mrtd));
	td->tdr = alloc_page(k);
	td->hkid = keyid_alloc(k);
	if (!td->tdr || !td->hkid)
		return fail(k, "allocating the TDR and a KeyID", TDXSIM_STATUS_NO_MEMORY);
	r = (tdxsim_regs_t){.rcx = td->tdr, .rdx = td->hkid};
	if ((st = sc(k, 0, TDH_MNG_CREATE, &r)))
		return fail(k, "TDH.MNG.CREATE", st);
	/* One CPU per package programs the key: any error here is a bug for KVM. */
	for (uint32_t pkg = 0; pkg < tdxsim_num_packages(k->sim); pkg++) {
		uint32_t lp = 0;
		while (tdxsim_lp_package(k->sim, lp) != pkg)
			lp++;
		r = (tdxsim_regs_t){.rcx = td->tdr};
		if ((st = sc(k, lp, TDH_MNG_KEY_CONFIG, &r)))
			return fail(k, "TDH.MNG.KEY.CONFIG", st);
	}
	for (unsigned i = 0; i < k->caps.tdcs_pages; i++) {
		uint64_t pa = alloc_page(k);
		r = (tdxsim_regs_t){.rcx = pa, .rdx = td->tdr};
		if (!pa || (st = sc(k, 0, TDH_MNG_ADDCX, &r)))
			return fail(k, "TDH.MNG.ADDCX", pa ? st : TDXSIM_STATUS_NO_MEMORY);
		td->tdcs[td->num_tdcs++] = pa;
	}
	uint64_t params = alloc_page(k);
	fill_td_params(k, tdxsim_phys_to_virt(k->sim, params, 1024), max_vcpus);
	r = (tdxsim_regs_t){.rcx = td->tdr, .rdx = params};
	st = sc(k, 0, TDH_MNG_INIT, &r);
	tdxsim_phys_free(k->sim, params, PAGE_SIZE);
	if (st)
		return fail(k, "TDH.MNG.INIT", st);
	return 0;
}

int kvm_td_vcpu_create(struct kvm_tdx *k, struct kvm_td *td, uint32_t lp)
{
	struct kvm_vcpu_tdx *v = &td->vcpu[td->num_vcpus];
	tdxsim_regs_t r;
	uint64_t st;

	if (td->num_vcpus == KVM_TD_MAX_VCPUS || !(v->tdvpr = alloc_page(k)))
		return fail(k, "allocating a vCPU", TDXSIM_STATUS_NO_MEMORY);
	r = (tdxsim_regs_t){.rcx = v->tdvpr, .rdx = td->tdr};
	if ((st = sc(k, lp, TDH_VP_CREATE, &r)))
		return fail(k, "TDH.VP.CREATE", st);
	for (unsigned i = 0; i < k->caps.tdvpx_pages; i++) {
		v->tdcx[i] = alloc_page(k);
		r = (tdxsim_regs_t){.rcx = v->tdcx[i], .rdx = v->tdvpr};
		if (!v->tdcx[i] || (st = sc(k, lp, TDH_VP_ADDCX, &r)))
			return fail(k, "TDH.VP.ADDCX", v->tdcx[i] ? st : TDXSIM_STATUS_NO_MEMORY);
	}
	/* Version 1: x2APIC id = vcpu index in R8; the vCPU is now associated with @lp. */
	r = (tdxsim_regs_t){.rcx = v->tdvpr, .rdx = 0, .r8 = td->num_vcpus};
	if ((st = sc(k, lp, TDH_VP_INIT | UINT64_C(1) << 16, &r)))
		return fail(k, "TDH.VP.INIT", st);
	v->last_lp = lp;
	td->num_vcpus++;
	return 0;
}

/* Makes sure the page tables down to the 4 KiB level exist for @gpa (levels 3, 2, 1 of a
 * 4-level secure EPT); a table that exists already answers EPT_ENTRY_STATE_INCORRECT. */
static int sept_populate(struct kvm_tdx *k, struct kvm_td *td, uint64_t gpa)
{
	for (unsigned level = 3; level >= 1; level--) {
		uint64_t align = UINT64_C(1) << (12 + 9 * level);
		uint64_t page = alloc_page(k);
		if (!page || td->num_sept == KVM_TD_MAX_SEPT_PAGES)
			return fail(k, "allocating a secure-EPT page", TDXSIM_STATUS_NO_MEMORY);
		tdxsim_regs_t r = {.rcx = (gpa & ~(align - 1)) | level, .rdx = td->tdr, .r8 = page};
		uint64_t st = sc(k, 0, TDH_MEM_SEPT_ADD, &r);
		if (st == TDX_SUCCESS) {
			td->sept[td->num_sept++] = page;
			continue;
		}
		tdxsim_phys_free(k->sim, page, PAGE_SIZE);
		if ((st & TDX_STATUS_MASK) != UINT64_C(0xC0000B0D00000000)) /* EPT_ENTRY_STATE_INCORRECT */
			return fail(k, "TDH.MEM.SEPT.ADD", st);
	}
	return 0;
}

int kvm_td_add_image_at(struct kvm_tdx *k, struct kvm_td *td, uint64_t gpa, uint64_t src, uint64_t len)
{
	uint64_t st;

	for (uint64_t off = 0; off < len; off += PAGE_SIZE) {
		uint64_t page_gpa = gpa + off, hpa = alloc_page(k);
		if (!hpa || td->num_pages == KVM_TD_MAX_PAGES)
			return fail(k, "allocating a private page", TDXSIM_STATUS_NO_MEMORY);
		if (!(page_gpa & ((UINT64_C(1) << 21) - 1)) && sept_populate(k, td, page_gpa))
			return -1;
		/* KVM pins the VMM's source page and hands its PA to the module (R9). */
		tdxsim_regs_t r = {.rcx = page_gpa, .rdx = td->tdr, .r8 = hpa, .r9 = src + off};
		if ((st = sc(k, 0, TDH_MEM_PAGE_ADD, &r)))
			return fail(k, "TDH.MEM.PAGE.ADD", st);
		td->gpa[td->num_pages] = page_gpa;
		td->hpa[td->num_pages++] = hpa;
		for (unsigned c = 0; c < PAGE_SIZE; c += EXTEND_CHUNK) {
			r = (tdxsim_regs_t){.rcx = page_gpa + c, .rdx = td->tdr};
			if ((st = sc(k, 0, TDH_MR_EXTEND, &r)))
				return fail(k, "TDH.MR.EXTEND", st);
		}
	}
	return 0;
}

int kvm_td_add_image(struct kvm_tdx *k, struct kvm_td *td, uint64_t gpa, const uint8_t *image, uint64_t len)
{
	uint64_t src = alloc_page(k);
	uint8_t *src_va = src ? tdxsim_phys_to_virt(k->sim, src, PAGE_SIZE) : NULL;

	if (!src_va)
		return fail(k, "allocating the source page", TDXSIM_STATUS_NO_MEMORY);
	/* The image is in this process's memory, not in simulated RAM: stage it a page at a time
	 * where the VMM's source memory would be. */
	for (uint64_t off = 0; off < len; off += PAGE_SIZE) {
		memcpy(src_va, image + off, PAGE_SIZE);
		if (kvm_td_add_image_at(k, td, gpa + off, src, PAGE_SIZE)) {
			tdxsim_phys_free(k->sim, src, PAGE_SIZE);
			return -1;
		}
	}
	tdxsim_phys_free(k->sim, src, PAGE_SIZE);
	return 0;
}

int kvm_td_finalize(struct kvm_tdx *k, struct kvm_td *td)
{
	tdxsim_regs_t r = {.rcx = td->tdr};
	uint64_t st;
	if ((st = sc(k, 0, TDH_MR_FINALIZE, &r)))
		return fail(k, "TDH.MR.FINALIZE", st);
	for (unsigned i = 0; i < 6; i++) {
		r = (tdxsim_regs_t){.rcx = td->tdr, .rdx = MD_TD_MRTD(i)};
		if ((st = sc(k, 0, TDH_MNG_RD, &r)))
			return fail(k, "TDH.MNG.RD(MRTD)", st);
		memcpy(td->mrtd + 8 * i, &r.r8, 8);
	}
	return 0;
}

/* Zap one private page while the KeyID is assigned (tdx-module-abi.md 11.1 "Zap page"). */
static int zap_page(struct kvm_tdx *k, struct kvm_td *td, unsigned i)
{
	tdxsim_regs_t in = {.rcx = td->gpa[i], .rdx = td->tdr}, out;
	uint64_t st;
	if ((st = sc_busy_once(k, 0, TDH_MEM_RANGE_BLOCK, &in, &out)))
		return fail(k, "TDH.MEM.RANGE.BLOCK", st);
	tdxsim_regs_t tr = {.rcx = td->tdr};
	if ((st = sc_busy_once(k, 0, TDH_MEM_TRACK, &tr, &out)))
		return fail(k, "TDH.MEM.TRACK", st);
	if ((st = sc_busy_once(k, 0, TDH_MEM_PAGE_REMOVE, &in, &out)))
		return fail(k, "TDH.MEM.PAGE.REMOVE", st);
	tdxsim_regs_t wb = {.rcx = td->hpa[i] | (uint64_t)td->hkid << k->caps.keyid_shift};
	if ((st = sc(k, 0, TDH_PHYMEM_PAGE_WBINVD, &wb)))
		return fail(k, "TDH.PHYMEM.PAGE.WBINVD", st);
	clear_and_free(k, td->hpa[i]);
	return 0;
}

static int reclaim(struct kvm_tdx *k, uint64_t pa)
{
	tdxsim_regs_t r = {.rcx = pa};
	uint64_t st = sc(k, 0, TDH_PHYMEM_PAGE_RECLAIM, &r);
	if (st)
		return fail(k, "TDH.PHYMEM.PAGE.RECLAIM", st);
	clear_and_free(k, pa);
	return 0;
}

int kvm_td_destroy(struct kvm_tdx *k, struct kvm_td *td)
{
	tdxsim_regs_t r;
	uint64_t st;

	for (unsigned i = 0; i < td->num_pages; i++)
		if (zap_page(k, td, i))
			return -1;
	/* Release the KeyID: flush every vCPU where it last ran, then the module's sequence. */
	for (unsigned v = 0; v < td->num_vcpus; v++) {
		r = (tdxsim_regs_t){.rcx = td->vcpu[v].tdvpr};
		st = sc(k, td->vcpu[v].last_lp, TDH_VP_FLUSH, &r);
		if (st && st != TDX_VCPU_NOT_ASSOCIATED)
			return fail(k, "TDH.VP.FLUSH", st);
	}
	r = (tdxsim_regs_t){.rcx = td->tdr};
	if ((st = sc(k, 0, TDH_MNG_VPFLUSHDONE, &r)))
		return fail(k, "TDH.MNG.VPFLUSHDONE", st);
	for (uint32_t pkg = 0; pkg < tdxsim_num_packages(k->sim); pkg++) {
		uint32_t lp = 0;
		while (tdxsim_lp_package(k->sim, lp) != pkg)
			lp++;
		r = (tdxsim_regs_t){.rcx = 0};
		st = sc(k, lp, TDH_PHYMEM_CACHE_WB, &r);
		for (unsigned tries = 0; st == TDX_INTERRUPTED_RESUMABLE && tries < 10000; tries++) {
			r = (tdxsim_regs_t){.rcx = 1};
			st = sc(k, lp, TDH_PHYMEM_CACHE_WB, &r);
		}
		if (st && st != TDX_NO_HKID_READY_TO_WBCACHE)
			return fail(k, "TDH.PHYMEM.CACHE.WB", st);
	}
	r = (tdxsim_regs_t){.rcx = td->tdr};
	if ((st = sc(k, 0, TDH_MNG_KEY_FREEID, &r)))
		return fail(k, "TDH.MNG.KEY.FREEID", st);
	k->keyid_used[td->hkid] = 0;
	/* Every control page, then the TDR; the TDR's cache lines go with the global KeyID. */
	for (unsigned i = td->num_sept; i-- > 0;)
		if (reclaim(k, td->sept[i]))
			return -1;
	for (unsigned v = 0; v < td->num_vcpus; v++) {
		for (unsigned i = 0; i < k->caps.tdvpx_pages; i++)
			if (reclaim(k, td->vcpu[v].tdcx[i]))
				return -1;
		if (reclaim(k, td->vcpu[v].tdvpr))
			return -1;
	}
	for (unsigned i = 0; i < td->num_tdcs; i++)
		if (reclaim(k, td->tdcs[i]))
			return -1;
	r = (tdxsim_regs_t){.rcx = td->tdr};
	if ((st = sc(k, 0, TDH_PHYMEM_PAGE_RECLAIM, &r)))
		return fail(k, "TDH.PHYMEM.PAGE.RECLAIM(TDR)", st);
	r = (tdxsim_regs_t){.rcx = td->tdr | (uint64_t)k->caps.global_keyid << k->caps.keyid_shift};
	if ((st = sc(k, 0, TDH_PHYMEM_PAGE_WBINVD, &r)))
		return fail(k, "TDH.PHYMEM.PAGE.WBINVD(TDR)", st);
	clear_and_free(k, td->tdr);
	return 0;
}
