/* SPDX-License-Identifier: MIT */
/*
 * The TD's MSR exit bitmaps, the TDCS page MNG.INIT fills and a debug host reads as
 * MSR_BITMAPS (td_fields.c): 1 = RDMSR/WRMSR exits. MNG.ADDCX sets the whole page to ones;
 * MNG.INIT clears the bits of the MSRs the TD may access directly. The ranges below are the
 * 1.5.05 module's MSR table [M155] include/auto_gen/msr_config_lookup.c (facts: addresses and
 * each range's read and write bit rule), only its ranges whose bits are not always 1; the
 * dynamic rules are common/helpers/helpers.c is_msr_dynamic_bit_cleared. Values checked
 * against the module oracle (tests/test_td_msr_bitmap.c).
 */
#include "td/msr_bitmap.h"

#include "td/cpuid_config.h"
#include "td/td_params.h"

/* A range's rule for its read or write bits (the module's MSR_BITMAP_* meanings). */
enum rule {
	M_FIXED0,  /* always cleared: the TD accesses the MSR directly */
	M_FIXED1,  /* always set: it exits */
	M_PERFMON, /* cleared with ATTRIBUTES.PERFMON */
	M_XFAM_CET,
	M_XFAM_PT,
	M_XFAM_ULI,
	M_XFAM_LBR,
	M_UMWAIT, /* the TD's CPUID(7,0).ECX WAITPKG */
	M_PKS,	  /* ATTRIBUTES.PKS */
	M_XFD,	  /* the TD's CPUID(0xD,1).EAX XFD */
	M_TSX,	  /* the TD's CPUID(7,0).EBX HLE */
	M_OTHER,  /* IA32_PERF_CAPABILITIES, IA32_PERF_METRICS: below */
};

static const struct {
	uint32_t first, last;
	uint8_t rd, wr;
} ranges[] = {
	{0x10, 0x10, M_FIXED0, M_FIXED1},	      /* IA32_TIME_STAMP_COUNTER */
	{0x48, 0x48, M_FIXED0, M_FIXED0},	      /* IA32_SPEC_CTRL */
	{0x49, 0x49, M_FIXED0, M_FIXED0},	      /* IA32_PRED_CMD */
	{0xBC, 0xBC, M_FIXED0, M_FIXED1},	      /* IA32_MISC_PACKAGE_CTLS */
	{0xBD, 0xBD, M_FIXED1, M_FIXED0},	      /* IA32_XAPIC_DISABLE_STATUS */
	{0xC1, 0xC8, M_PERFMON, M_PERFMON},	      /* IA32_PMCx */
	{0xE1, 0xE1, M_UMWAIT, M_UMWAIT},	      /* IA32_UMWAIT_CONTROL */
	{0x10A, 0x10A, M_FIXED1, M_FIXED0},	      /* IA32_ARCH_CAPABILITIES */
	{0x10B, 0x10B, M_FIXED0, M_FIXED0},	      /* IA32_FLUSH_CMD */
	{0x122, 0x122, M_TSX, M_TSX},		      /* IA32_TSX_CTRL */
	{0x174, 0x174, M_FIXED0, M_FIXED0},	      /* IA32_SYSENTER_CS */
	{0x175, 0x175, M_FIXED0, M_FIXED0},	      /* IA32_SYSENTER_ESP */
	{0x176, 0x176, M_FIXED0, M_FIXED0},	      /* IA32_SYSENTER_EIP */
	{0x186, 0x18D, M_PERFMON, M_PERFMON},	      /* IA32_PERFEVTSELx */
	{0x1A0, 0x1A0, M_PERFMON, M_FIXED1},	      /* IA32_MISC_ENABLE */
	{0x1A6, 0x1A7, M_PERFMON, M_PERFMON},	      /* MSR_OFFCORE_RSPx */
	{0x1C4, 0x1C4, M_XFD, M_XFD},		      /* IA32_XFD */
	{0x1C5, 0x1C5, M_XFD, M_XFD},		      /* IA32_XFD_ERR */
	{0x277, 0x277, M_FIXED0, M_FIXED0},	      /* IA32_PAT */
	{0x309, 0x310, M_PERFMON, M_PERFMON},	      /* IA32_FIXED_CTRx */
	{0x329, 0x329, M_OTHER, M_OTHER},	      /* IA32_PERF_METRICS */
	{0x345, 0x345, M_OTHER, M_PERFMON},	      /* IA32_PERF_CAPABILITIES */
	{0x38D, 0x38D, M_PERFMON, M_PERFMON},	      /* IA32_FIXED_CTR_CTRL */
	{0x38E, 0x38E, M_PERFMON, M_PERFMON},	      /* IA32_PERF_GLOBAL_STATUS */
	{0x38F, 0x38F, M_PERFMON, M_PERFMON},	      /* IA32_PERF_GLOBAL_CTRL */
	{0x390, 0x390, M_PERFMON, M_PERFMON},	      /* IA32_PERF_GLOBAL_STATUS_RESET */
	{0x391, 0x391, M_PERFMON, M_PERFMON},	      /* IA32_PERF_GLOBAL_STATUS_SET */
	{0x392, 0x392, M_PERFMON, M_PERFMON},	      /* IA32_PERF_GLOBAL_INUSE */
	{0x3F1, 0x3F1, M_PERFMON, M_PERFMON},	      /* IA32_PEBS_ENABLE */
	{0x3F2, 0x3F2, M_PERFMON, M_PERFMON},	      /* MSR_PEBS_MATRIX_VECT */
	{0x3F6, 0x3F6, M_PERFMON, M_PERFMON},	      /* MSR_PEBS_LD_LATENCY */
	{0x3F7, 0x3F7, M_PERFMON, M_PERFMON},	      /* MSR_PEBS_FRONTEND */
	{0x4C1, 0x4C8, M_PERFMON, M_PERFMON},	      /* IA32_A_PMCx */
	{0x560, 0x560, M_XFAM_PT, M_XFAM_PT},	      /* IA32_RTIT_OUTPUT_BASE */
	{0x561, 0x561, M_XFAM_PT, M_XFAM_PT},	      /* IA32_RTIT_OUTPUT_MASK_PTRS */
	{0x570, 0x570, M_XFAM_PT, M_XFAM_PT},	      /* IA32_RTIT_CTL */
	{0x571, 0x571, M_XFAM_PT, M_XFAM_PT},	      /* IA32_RTIT_STATUS */
	{0x572, 0x572, M_XFAM_PT, M_XFAM_PT},	      /* IA32_RTIT_CR3_MATCH */
	{0x580, 0x580, M_XFAM_PT, M_XFAM_PT},	      /* IA32_RTIT_ADDR0_A */
	{0x581, 0x581, M_XFAM_PT, M_XFAM_PT},	      /* IA32_RTIT_ADDR0_B */
	{0x582, 0x582, M_XFAM_PT, M_XFAM_PT},	      /* IA32_RTIT_ADDR1_A */
	{0x583, 0x583, M_XFAM_PT, M_XFAM_PT},	      /* IA32_RTIT_ADDR1_B */
	{0x584, 0x584, M_XFAM_PT, M_XFAM_PT},	      /* IA32_RTIT_ADDR2_A */
	{0x585, 0x585, M_XFAM_PT, M_XFAM_PT},	      /* IA32_RTIT_ADDR2_B */
	{0x586, 0x586, M_XFAM_PT, M_XFAM_PT},	      /* IA32_RTIT_ADDR3_A */
	{0x587, 0x587, M_XFAM_PT, M_XFAM_PT},	      /* IA32_RTIT_ADDR3_B */
	{0x600, 0x600, M_FIXED0, M_FIXED0},	      /* IA32_DS_AREA */
	{0x6A0, 0x6A0, M_XFAM_CET, M_XFAM_CET},	      /* IA32_U_CET */
	{0x6A2, 0x6A2, M_XFAM_CET, M_XFAM_CET},	      /* IA32_S_CET */
	{0x6A4, 0x6A4, M_XFAM_CET, M_XFAM_CET},	      /* IA32_PL0_SSP */
	{0x6A5, 0x6A5, M_XFAM_CET, M_XFAM_CET},	      /* IA32_PL1_SSP */
	{0x6A6, 0x6A6, M_XFAM_CET, M_XFAM_CET},	      /* IA32_PL2_SSP */
	{0x6A7, 0x6A7, M_XFAM_CET, M_XFAM_CET},	      /* IA32_PL3_SSP */
	{0x6A8, 0x6A8, M_XFAM_CET, M_XFAM_CET},	      /* IA32_INTERRUPT_SSP_TABLE_ADDR */
	{0x6E1, 0x6E1, M_PKS, M_PKS},		      /* IA32_PKRS */
	{0x808, 0x808, M_FIXED0, M_FIXED0},	      /* IA32_X2APIC_TPR */
	{0x809, 0x809, M_FIXED0, M_FIXED0},	      /* Reserved for xAPIC MSRs */
	{0x80A, 0x80A, M_FIXED0, M_FIXED0},	      /* IA32_X2APIC_PPR */
	{0x80B, 0x80B, M_FIXED0, M_FIXED0},	      /* IA32_X2APIC_EOI */
	{0x80C, 0x80C, M_FIXED0, M_FIXED0},	      /* Reserved for xAPIC MSRs */
	{0x80E, 0x80E, M_FIXED0, M_FIXED0},	      /* Reserved for xAPIC MSRs */
	{0x810, 0x817, M_FIXED0, M_FIXED0},	      /* IA32_X2APIC_ISRx */
	{0x818, 0x81F, M_FIXED0, M_FIXED0},	      /* IA32_X2APIC_TMRx */
	{0x820, 0x827, M_FIXED0, M_FIXED0},	      /* IA32_X2APIC_IRRx */
	{0x83F, 0x83F, M_FIXED0, M_FIXED0},	      /* IA32_X2APIC_SELF_IPI */
	{0x985, 0x985, M_XFAM_ULI, M_XFAM_ULI},	      /* IA32_UINTR_RR */
	{0x986, 0x986, M_XFAM_ULI, M_XFAM_ULI},	      /* IA32_UINTR_HANDLER */
	{0x987, 0x987, M_XFAM_ULI, M_XFAM_ULI},	      /* IA32_UINTR_STACKADJUST */
	{0x988, 0x988, M_XFAM_ULI, M_XFAM_ULI},	      /* IA32_UINTR_MISC */
	{0x989, 0x989, M_XFAM_ULI, M_XFAM_ULI},	      /* IA32_UINTR_PD */
	{0x98A, 0x98A, M_XFAM_ULI, M_XFAM_ULI},	      /* IA32_UINTR_TT */
	{0xC80, 0xC80, M_FIXED0, M_FIXED1},	      /* IA32_DEBUG_INTERFACE */
	{0xDA0, 0xDA0, M_FIXED0, M_FIXED1},	      /* IA32_XSS */
	{0x1200, 0x12FF, M_XFAM_LBR, M_XFAM_LBR},     /* IA32_LBR_INFO */
	{0x14CE, 0x14CE, M_XFAM_LBR, M_XFAM_LBR},     /* IA32_LBR_CTL */
	{0x14CF, 0x14CF, M_XFAM_LBR, M_XFAM_LBR},     /* IA32_LBR_DEPTH */
	{0x1500, 0x15FF, M_XFAM_LBR, M_XFAM_LBR},     /* IA32_LBR_x_FROM_IP */
	{0x1600, 0x16FF, M_XFAM_LBR, M_XFAM_LBR},     /* IA32_LBR_x_TO_IP */
	{0x1B01, 0x1B01, M_FIXED0, M_FIXED0},	      /* IA32_UARCH_MISC_CTL */
	{0xC0000080, 0xC0000080, M_FIXED0, M_FIXED1}, /* IA32_EFER */
	{0xC0000081, 0xC0000081, M_FIXED0, M_FIXED0}, /* IA32_STAR */
	{0xC0000082, 0xC0000082, M_FIXED0, M_FIXED0}, /* IA32_LSTAR */
	{0xC0000084, 0xC0000084, M_FIXED0, M_FIXED0}, /* IA32_FMASK */
	{0xC0000100, 0xC0000100, M_FIXED0, M_FIXED0}, /* IA32_FSBASE */
	{0xC0000101, 0xC0000101, M_FIXED0, M_FIXED0}, /* IA32_GSBASE */
	{0xC0000102, 0xC0000102, M_FIXED0, M_FIXED0}, /* IA32_KERNEL_GS_BASE */
	{0xC0000103, 0xC0000103, M_FIXED0, M_FIXED0}, /* IA32_TSC_AUX */
};

#define MSR_PERF_METRICS      0x329u
#define MSR_PERF_CAPABILITIES 0x345u
#define HIGH_MSR_BASE	      0xC0000000u
#define MSR_LOW_MASK	      0x1FFFu
#define XFAM_PT		      (UINT64_C(1) << 8)
#define XFAM_CET_U	      (UINT64_C(1) << 11)
#define XFAM_CET_S	      (UINT64_C(1) << 12)
#define XFAM_ULI	      (UINT64_C(1) << 14)
#define XFAM_LBR	      (UINT64_C(1) << 15)

static bool cpuid_bit(const struct tdxsim_tdcs *s, uint32_t leaf, uint32_t sub, unsigned reg, unsigned bit)
{
	int k = tdxsim_cpuid_lookup(leaf, sub);
	return k >= 0 && (s->cpuid_values[k][reg] >> bit & 1);
}

static bool cleared(const struct tdxsim_tdcs *s, uint8_t rule, uint32_t msr)
{
	bool perfmon = (s->attributes & TDXSIM_ATTR_PERFMON) != 0;
	switch ((enum rule)rule) {
	case M_FIXED0:
		return true;
	case M_FIXED1:
		return false;
	case M_PERFMON:
		return perfmon;
	case M_XFAM_CET:
		return (s->xfam & (XFAM_CET_U | XFAM_CET_S)) != 0;
	case M_XFAM_PT:
		return (s->xfam & XFAM_PT) != 0;
	case M_XFAM_ULI:
		return (s->xfam & XFAM_ULI) != 0;
	case M_XFAM_LBR:
		return (s->xfam & XFAM_LBR) != 0;
	case M_UMWAIT:
		return cpuid_bit(s, 7, 0, 2, 5);
	case M_PKS:
		return (s->attributes & TDXSIM_ATTR_PKS) != 0;
	case M_XFD:
		return cpuid_bit(s, 0xD, 1, 0, 4);
	case M_TSX:
		return cpuid_bit(s, 7, 0, 1, 4);
	case M_OTHER:
		/* PERF_CAPABILITIES: PERFMON and PT; PERF_METRICS: PERFMON on a platform whose
		 * IA32_PERF_CAPABILITIES reports PERF_METRICS, which every CPU profile tdxsim
		 * has (Sapphire Rapids and later) does (**assumed**, docs/fidelity.md). */
		return perfmon && (msr != MSR_PERF_CAPABILITIES || (s->xfam & XFAM_PT));
	}
	return false;
}

/* Bit index in the 4 KiB page of @msr's read (@write false) or write bit; -1 if outside. */
static int64_t bit_of(uint32_t msr, bool write)
{
	if (msr > MSR_LOW_MASK && (msr < HIGH_MSR_BASE || msr - HIGH_MSR_BASE > MSR_LOW_MASK))
		return -1;
	int64_t bit = (msr >= HIGH_MSR_BASE ? 1024 * 8 : 0) + (msr & MSR_LOW_MASK);
	return bit + (write ? 2048 * 8 : 0);
}

uint64_t tdxsim_td_msr_bitmap_qword(const struct tdxsim_tdcs *s, uint32_t elem)
{
	uint64_t q = ~UINT64_C(0);
	int64_t lo = (int64_t)elem * 64, hi = lo + 64;
	for (unsigned i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
		for (int w = 0; w < 2; w++) {
			if (!cleared(s, w ? ranges[i].wr : ranges[i].rd, ranges[i].first))
				continue;
			for (uint32_t msr = ranges[i].first; msr <= ranges[i].last; msr++) {
				int64_t b = bit_of(msr, w);
				if (b >= lo && b < hi)
					q &= ~(UINT64_C(1) << (b - lo));
			}
		}
	return q;
}
