/* SPDX-License-Identifier: MIT */
/*
 * TDH.MNG.INIT's CPUID step (td-build.md 3.4 rows 25-29, Appendix A.2-A.4): per lookup entry in
 * table order, the input check of a configurable entry, the mask derivation, the per-leaf
 * post-processing of A.2's notes column, the XFAM masks; then the 0x1F topology check.
 */
#include <string.h>

#include "td/cpuid_config.h"
#include "td/cpuid_priv.h"
#include "tdxsim/abi_constants.h"

enum { EAX, EBX, ECX, EDX };

/* Lookup indices the post-processing names (A.2). */
enum {
	IX_1 = 0,
	IX_7_0 = 5,
	IX_7_1 = 6,
	IX_A = 7,
	IX_1C = 8,
	IX_80000008 = 9,
	IX_D_0 = 16,
	IX_D_1 = 17,
	IX_D_2 = 18,
	IX_D_18 = 34,
	IX_14_0 = 39,
	IX_14_1 = 40,
	IX_15 = 41,
	IX_19 = 42,
	IX_1D_0 = 43,
	IX_1D_1 = 44,
	IX_1F_0 = 46,
	IX_23_0 = 59,
	IX_23_3 = 62,
	IX_5 = 63,
	IX_B_0 = 64,
	IX_B_1 = 65,
	IX_1A = 67,
};

#define BIT(n)		(UINT32_C(1) << (n))
#define XFAM(in, n)	(((in)->xfam >> (n)) & 1)
#define CPUID_CONFIG_ST (TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_CPUID_CONFIG)
#define MSR_ARCH_CAP	0x10Au

int tdxsim_cpuid_lookup(uint32_t leaf, uint32_t subleaf)
{
	for (int i = 0; i < TDXSIM_NUM_CPUID_LEAVES; i++) {
		const struct tdxsim_cpuid_entry *e = &tdxsim_cpuid_table[i];
		if (e->leaf == leaf && (e->subleaf == TDXSIM_CPUID_NO_SUBLEAF || e->subleaf == subleaf))
			return i;
	}
	return -1;
}

uint64_t tdxsim_cpuid_leaf_subleaf(const struct tdxsim_cpuid_entry *e)
{
	return e->leaf | (uint64_t)e->subleaf << 32;
}

/* A.4: family/model (F/M/S with the stepping cleared) and the latest stepping per row, newest
 * generation first; a migratable TD may claim the platform's row or any later one. */
static const struct {
	uint32_t fm;
	uint32_t latest_stepping;
} allowed_fms[] = {
	{0x000D06D0, 0x0}, /* CWF */
	{0x000A06E0, 0x0}, /* GNR_D */
	{0x000A06D0, 0x0}, /* GNR_SP */
	{0x000A06F0, 0x3}, /* SRF */
	{0x000C06F0, 0x2}, /* EMR */
	{0x000806F0, 0x8}, /* SPR */
};

bool tdxsim_cpuid_fms_allowed(uint32_t v, uint32_t platform)
{
	const uint32_t n = sizeof(allowed_fms) / sizeof(allowed_fms[0]);
	uint32_t fm = v & ~UINT32_C(0xF), step = v & 0xF;
	uint32_t start = 0;
	bool found = false;

	if (fm == (platform & ~UINT32_C(0xF)) && step > (platform & 0xF))
		return false;
	while (start < n && allowed_fms[start].fm != (platform & ~UINT32_C(0xF)))
		start++;
	/* The module takes a fatal error for an unknown platform model; tdxsim refuses (fidelity.md). */
	for (uint32_t r = start; r < n; r++) {
		if (fm != allowed_fms[r].fm)
			continue;
		found = true;
		if (step > allowed_fms[r].latest_stepping)
			return false;
	}
	return found;
}

static void apply_xfam_masks(const struct tdxsim_cpuid_td *in, unsigned table, uint32_t v[4])
{
	for (unsigned i = 0; i < TDXSIM_CPUID_NUM_XFAM_MASKS; i++) {
		const struct tdxsim_cpuid_xfam_mask *m = &tdxsim_cpuid_xfam_masks[i];
		if (m->table != table || XFAM(in, m->xfam_bit))
			continue;
		for (unsigned r = 0; r < 4; r++)
			v[r] &= ~m->clear[r];
	}
}

/*
 * XSAVE state components of a Sapphire Rapids class CPU, as CPUID(0xD, n) reports them:
 * standard-format offset (user components only), size, and 64-byte alignment in the compacted
 * format (Intel SDM vol. 1, 13.4; the values are assumed, docs/fidelity.md).
 */
static const struct {
	uint8_t bit;
	bool align64;
	uint32_t offset, size;
} xsave_comp[] = {
	{2, false, 576, 256}, {5, false, 1088, 64}, {6, false, 1152, 512}, {7, false, 1664, 1024},
	{8, false, 0, 128},   {9, false, 2688, 8},  {11, false, 0, 16},	   {12, false, 0, 24},
	{14, false, 0, 48},   {15, false, 0, 808},  {17, true, 2752, 64},  {18, true, 2816, 8192},
};
#define NUM_XSAVE_COMP		(sizeof(xsave_comp) / sizeof(xsave_comp[0]))
#define XSAVE_LEGACY_AND_HEADER 576u

/* CPUID(0xD,0).ECX: the standard-format size for XFAM's user components (the CPU's answer with
 * XCR0 = those bits). */
static uint32_t xsave_max_size(uint64_t xfam)
{
	uint32_t max = XSAVE_LEGACY_AND_HEADER;
	for (unsigned i = 0; i < NUM_XSAVE_COMP; i++)
		if ((xfam >> xsave_comp[i].bit) & 1 && xsave_comp[i].offset &&
		    xsave_comp[i].offset + xsave_comp[i].size > max)
			max = xsave_comp[i].offset + xsave_comp[i].size;
	return max;
}

uint32_t tdxsim_xbuff_layout(uint64_t xfam, uint32_t offsets[TDXSIM_XBUFF_COMPONENTS])
{
	uint32_t off = XSAVE_LEGACY_AND_HEADER;
	memset(offsets, 0, TDXSIM_XBUFF_COMPONENTS * sizeof(offsets[0]));
	for (unsigned i = 0; i < NUM_XSAVE_COMP; i++) {
		if (!((xfam >> xsave_comp[i].bit) & 1))
			continue;
		if (xsave_comp[i].align64)
			off = (off + 63) & ~63u;
		offsets[xsave_comp[i].bit] = off;
		off += xsave_comp[i].size;
	}
	return off;
}

/* Flags recorded while processing, used by later entries (A.3 step 1d). */
struct flags {
	bool monitor, la57, perfmon_ext;
};

/* Step 1b/1c and 1d for entry @i; returns a status (0 to go on). */
static uint64_t post_process(const struct tdxsim_cpuid_td *in, struct tdxsim_cpuid_out *out, int i,
			     uint32_t v[4], struct flags *f)
{
	bool perfmon = in->attributes >> 63;
	bool migratable = (in->attributes >> 29) & 1;

	switch (i) {
	case IX_1:
		if (v[EAX] == 0)
			v[EAX] = in->platform_fms;
		if (migratable ? !tdxsim_cpuid_fms_allowed(v[EAX], in->platform_fms)
			       : v[EAX] != in->platform_fms)
			return CPUID_CONFIG_ST;
		apply_xfam_masks(in, XT_1, v);
		f->monitor = v[ECX] & BIT(3);
		break;
	case IX_7_0:
		apply_xfam_masks(in, XT_7_0, v);
		v[ECX] = (v[ECX] & ~BIT(31)) | (uint32_t)((in->attributes >> 30) & 1) << 31; /* PKS */
		v[ECX] &= ~BIT(23);							     /* Key Locker */
		f->la57 = v[ECX] & BIT(16);
		if (!!(v[EBX] & BIT(4)) != !!(v[EBX] & BIT(11))) /* HLE vs RTM */
			return CPUID_CONFIG_ST;
		if ((v[EBX] & BIT(4)) && !in->tsx_ctrl) {
			out->rcx = 0;
			return TDXSIM_TDX_INCORRECT_MSR_VALUE | MSR_ARCH_CAP;
		}
		break;
	case IX_7_1:
		apply_xfam_masks(in, XT_7_1, v);
		v[EAX] = (v[EAX] & ~BIT(6)) | (uint32_t)((in->attributes >> 27) & 1) << 6; /* LASS */
		f->perfmon_ext = v[EAX] & BIT(8);
		break;
	case IX_A:
		if (!perfmon)
			memset(v, 0, 16);
		break;
	case IX_1C:
		if (!XFAM(in, 15))
			memset(v, 0, 16);
		break;
	case IX_80000008:
		v[EAX] = (v[EAX] & ~UINT32_C(0xFF00)) | (f->la57 ? 57u : 48u) << 8;
		break;
	case IX_D_0:
		apply_xfam_masks(in, XT_D_0, v);
		v[ECX] = xsave_max_size(in->xfam);
		break;
	case IX_D_1:
		apply_xfam_masks(in, XT_D_1, v);
		if (!XFAM(in, 18)) /* XFD only with an XFD-capable component: AMX tile data (assumed) */
			v[EAX] &= ~BIT(4);
		break;
	case IX_14_0:
	case IX_14_1:
		if (!XFAM(in, 8))
			memset(v, 0, 16);
		break;
	case IX_15:
		v[EBX] = in->tsc_frequency;
		break;
	case IX_19:
		memset(v, 0, 16);
		break;
	case IX_1D_0:
	case IX_1D_1:
		if (!XFAM(in, 17) || !XFAM(in, 18))
			memset(v, 0, 16);
		break;
	case IX_5:
		if (!f->monitor)
			memset(v, 0, 16);
		break;
	case IX_1A:
		if (migratable)
			memset(v, 0, 16);
		break;
	default:
		if (i >= IX_D_2 && i <= IX_D_18 && !XFAM(in, (unsigned)(i - IX_D_2 + 2)))
			memset(v, 0, 16);
		if (i >= IX_23_0 && i <= IX_23_3 && (!perfmon || !f->perfmon_ext))
			memset(v, 0, 16);
		break;
	}
	return 0;
}

static bool all_zero(const uint32_t v[4])
{
	return !(v[0] | v[1] | v[2] | v[3]);
}

/* A.3 step 2: the 0x1F sub-leaves 0-5 and CPUID 0xB derived from them. */
static bool check_1f(const struct tdxsim_cpuid_td *in, struct tdxsim_cpuid_out *out, uint32_t nat[][4])
{
	bool null = all_zero(out->values[IX_1F_0]), core = false;
	uint32_t prev = 0;

	for (int s = 0; s < 6; s++) {
		uint32_t *v = out->values[IX_1F_0 + s];
		if (null) {
			if (!all_zero(v))
				return false;
			memcpy(v, nat[IX_1F_0 + s], 16);
		}
		uint32_t t = (v[ECX] >> 8) & 0xFF;
		if (t != 0) {
			if (t <= prev || t >= 6)
				return false;
			if (t == 1)
				memcpy(out->values[IX_B_0], v, 16);
			if (t == 2)
				core = true;
		} else if (s == 0 || !core) {
			return false;
		}
		prev = t;
		/* Every sub-leaf overwrites 0xB/1 (as a core level): it ends as sub-leaf 5 [I]. */
		memcpy(out->values[IX_B_1], v, 16);
		out->values[IX_B_1][ECX] = (v[ECX] & ~UINT32_C(0xFF00)) | 2u << 8;
	}
	(void)in;
	return true;
}

uint64_t tdxsim_cpuid_configure(const struct tdxsim_cpuid_td *in, struct tdxsim_cpuid_out *out)
{
	uint32_t nat[TDXSIM_NUM_CPUID_LEAVES][4];
	struct flags f = {0};
	uint64_t st;

	memset(out, 0, sizeof(*out));
	for (int i = 0; i < TDXSIM_NUM_CPUID_LEAVES; i++) {
		const struct tdxsim_cpuid_entry *e = &tdxsim_cpuid_table[i];
		uint32_t *v = out->values[i];
		/* SYS.INIT's processing of the sampled value: FIXED0/DYNAMIC cleared, FIXED1 set. */
		for (unsigned r = 0; r < 4; r++)
			nat[i][r] = (in->native[i][r] & ~e->fixed0[r]) | e->fixed1[r];
		memcpy(v, nat[i], 16);
		if (e->config_index >= 0) {
			uint32_t req[4];
			memcpy(req, in->config + 16 * e->config_index, 16);
			for (unsigned r = 0; r < 4; r++) {
				uint32_t cd = e->config_direct[r], ad = e->allow_direct[r];
				if (req[r] & ~(cd | ad)) {
					out->rcx = tdxsim_cpuid_leaf_subleaf(e);
					return CPUID_CONFIG_ST;
				}
				v[r] = (nat[i][r] & ~(cd | ad)) | (req[r] & cd) | (req[r] & ad & nat[i][r]);
			}
		}
		if ((st = post_process(in, out, i, v, &f))) {
			if (st == CPUID_CONFIG_ST)
				out->rcx = tdxsim_cpuid_leaf_subleaf(e);
			return st;
		}
		out->valid[i] = !e->faulting;
	}
	if (!check_1f(in, out, nat)) {
		out->rcx = 0;
		return TDXSIM_TDX_CPUID_LEAF_1F_FORMAT_UNRECOGNIZED;
	}
	return 0;
}
