/* SPDX-License-Identifier: MIT */
/* Trust-domain builds shared by the fuzz targets (fuzz_td.h). */
#include <string.h>

#include "fuzz_td.h"
#include "tdxsim/memory.h"
#include "tdxsim/platform.h"
#include "tdxsim/td.h"

static uint64_t page(const struct fz_td_env *e, struct fz_input *in)
{
	return e->pool[fz_byte(in) % e->pool_len];
}

uint64_t fz_td_create(const struct fz_td_env *e, struct fz_input *in, uint64_t attributes)
{
	uint64_t tdr = page(e, in);
	uint32_t keyid = e->keyid_first + fz_byte(in) % (e->nr_keyids ? e->nr_keyids : 1);
	tdxsim_regs_t r = {.rcx = tdr, .rdx = keyid};
	e->call(e->ctx, 0, TDXSIM_TDH_MNG_CREATE, &r);
	for (uint32_t lp = 0; lp < e->lps; lp++) {
		if (lp && tdxsim_lp_package(e->sim, lp) == tdxsim_lp_package(e->sim, lp - 1))
			continue;
		r = (tdxsim_regs_t){.rcx = tdr};
		e->call(e->ctx, lp, TDXSIM_TDH_MNG_KEY_CONFIG, &r);
	}
	for (unsigned i = 0; i < 6; i++) {
		r = (tdxsim_regs_t){.rcx = page(e, in), .rdx = tdr};
		e->call(e->ctx, 0, TDXSIM_TDH_MNG_ADDCX, &r);
	}
	/* TD_PARAMS (td-build.md 3.5): ATTRIBUTES at 0, XFAM x87+SSE at 8, MAX_VCPUS at 16, EPTP
	 * at 24 (WB, 4 levels), TSC_FREQUENCY at 40 in 25 MHz units. */
	uint64_t params = page(e, in);
	uint8_t *p = tdxsim_phys_to_virt(e->sim, params, 1024);
	if (!p)
		return 0;
	uint8_t flip = fz_byte(in);
	memset(p, 0, 1024);
	memcpy(p, &attributes, sizeof(attributes));
	p[8] = 3;
	p[16] = 2;
	p[24] = 6 | 3 << 3;
	p[40] = 88;
	if (flip & 0x80)
		p[flip & 0x3F] ^= (uint8_t)(1u << (flip >> 4 & 7));
	if (e->host_wrote)
		e->host_wrote(e->ctx);
	r = (tdxsim_regs_t){.rcx = tdr, .rdx = params};
	e->call(e->ctx, 0, TDXSIM_TDH_MNG_INIT, &r);
	return tdr;
}

uint64_t fz_vcpu_create(const struct fz_td_env *e, struct fz_input *in, uint64_t tdr, uint32_t *lp_out)
{
	uint64_t tdvpr = page(e, in);
	uint32_t lp = fz_byte(in) % e->lps;
	tdxsim_regs_t r = {.rcx = tdvpr, .rdx = tdr};
	e->call(e->ctx, lp, TDXSIM_TDH_VP_CREATE, &r);
	for (unsigned i = 0; i < 5; i++) {
		r = (tdxsim_regs_t){.rcx = page(e, in), .rdx = tdvpr};
		e->call(e->ctx, lp, TDXSIM_TDH_VP_ADDCX, &r);
	}
	r = (tdxsim_regs_t){.rcx = tdvpr, .r8 = fz_byte(in) & 3};
	e->call(e->ctx, lp, TDXSIM_TDH_VP_INIT | UINT64_C(1) << TDXSIM_VERSION_SHIFT, &r);
	if (lp_out)
		*lp_out = lp;
	return tdvpr;
}

void fz_td_finalize(const struct fz_td_env *e, struct fz_input *in, uint64_t tdr, uint64_t gpa)
{
	tdxsim_regs_t r;
	gpa &= ~UINT64_C(0xFFF);
	for (unsigned level = 3; level >= 1; level--) {
		uint64_t info = (gpa & ~((UINT64_C(1) << (12 + 9 * level)) - 1)) | level;
		r = (tdxsim_regs_t){.rcx = info, .rdx = tdr, .r8 = page(e, in)};
		e->call(e->ctx, 0, TDXSIM_TDH_MEM_SEPT_ADD, &r);
	}
	uint64_t src = page(e, in);
	r = (tdxsim_regs_t){.rcx = gpa, .rdx = tdr, .r8 = page(e, in), .r9 = src};
	e->call(e->ctx, 0, TDXSIM_TDH_MEM_PAGE_ADD, &r);
	r = (tdxsim_regs_t){.rcx = gpa, .rdx = tdr};
	e->call(e->ctx, 0, TDXSIM_TDH_MR_EXTEND, &r);
	r = (tdxsim_regs_t){.rcx = tdr};
	e->call(e->ctx, 0, TDXSIM_TDH_MR_FINALIZE, &r);
}
