/* SPDX-License-Identifier: MIT */
/*
 * Module profiles: the numbers a given TDX module build reports and the leaves it has.
 *
 * Sources per value: the ABI sheet (sections 1.1, 2.1, 4.2, 4.3, 5.1) and the module trees it
 * cites: 1.5.05 = intel/tdx-module e98d9639 [M155], 1.5.06 = intel/tdx-module 1e636985 [M156],
 * 1.0 = qizhangz/tdx-module 9359de5c [M10]. Anything those sources leave to the platform is
 * an assumption, marked as such. Only facts (numbers) were taken from them.
 *
 * The platform we model for platform-dependent values: a CPU with every feature the module
 * knows (all XFAM bits supported, every ALLOW_DIRECT CPUID bit set natively) but without LASS,
 * and without SEAMVERIFYREPORT (no local attestation).
 */
#include "core/util.h"
#include "module/module.h"

#define PAGE	   4096u
#define NO_SUBLEAF 0xFFFFFFFFu

/*
 * CPUID_CONFIG lists in the module's index order (sheet 4.2: the source uses designated
 * indices, so the index is not the order of the source text).
 *
 * Values: the module reports CONFIG_DIRECT | (ALLOW_DIRECT & native CPUID) for 1.5.05+ and
 * 1.0 (sheet 4.2, 5.1; tdh_sys_info.c, metadata_sys.c). The masks are from each tree's
 * include/auto_gen/cpuid_configurations.c; the native part is the assumption above (every
 * ALLOW_DIRECT bit present), so each value is CONFIG_DIRECT | ALLOW_DIRECT.
 */
#define CPUID4_CFG  0xFFFFC3FFu, 0xFFFFF000u, 0xFFFFFFFFu /* leaf 4 EAX/EBX/ECX, CONFIG_DIRECT */
#define CPUID1F_CFG 0x1Fu, 0xFFFFu, 0xFFFFu, 0u		  /* leaf 0x1F: topology, CONFIG_DIRECT */

static const struct tdxsim_cpuid_config_entry cpuid_1_5_05[18] = {
	{0x1, NO_SUBLEAF, 0x0FFF3FFFu, 0x00FF0000u, 0x31044D88u, 0xB8440000u},
	{0x4, 0, CPUID4_CFG, 0xFFFFFFFBu},
	{0x4, 1, CPUID4_CFG, 0xFFFFFFFBu},
	{0x4, 2, CPUID4_CFG, 0xFFFFFFFBu},
	{0x4, 3, CPUID4_CFG, 0x00000007u},
	{0x7, 0, 0, 0xDC2B9B18u, 0x02417F65u, 0x0005411Cu},
	{0x7, 1, 0x04001D30u, 0, 0, 0x00000430u},
	{0xA, NO_SUBLEAF, 0, 0, 0, 0},
	{0x1C, NO_SUBLEAF, 0xFFu, 0, 0, 0},
	{0x80000008u, NO_SUBLEAF, 0, 0x200u, 0, 0},
	{0x7, 2, 0, 0, 0, 0x28u},
	{0x23, 0, 0xFu, 0, 0, 0},
	{0x1F, 0, CPUID1F_CFG},
	{0x1F, 1, CPUID1F_CFG},
	{0x1F, 2, CPUID1F_CFG},
	{0x1F, 3, CPUID1F_CFG},
	{0x1F, 4, CPUID1F_CFG},
	{0x1F, 5, CPUID1F_CFG},
};

/* 1.5.06 differs in two entries [M156]: leaf (7,1) allows more bits, and 0x80000008.EAX
 * (MAXPA) becomes configurable, which goes with MAXPA_VIRT (TDX_FEATURES0 bit 27). */
static const struct tdxsim_cpuid_config_entry cpuid_1_5_06[18] = {
	{0x1, NO_SUBLEAF, 0x0FFF3FFFu, 0x00FF0000u, 0x31044D88u, 0xB8440000u},
	{0x4, 0, CPUID4_CFG, 0xFFFFFFFBu},
	{0x4, 1, CPUID4_CFG, 0xFFFFFFFBu},
	{0x4, 2, CPUID4_CFG, 0xFFFFFFFBu},
	{0x4, 3, CPUID4_CFG, 0x00000007u},
	{0x7, 0, 0, 0xDC2B9B18u, 0x02417F65u, 0x0005411Cu},
	{0x7, 1, 0x04881DB0u, 0, 0, 0x00020430u},
	{0xA, NO_SUBLEAF, 0, 0, 0, 0},
	{0x1C, NO_SUBLEAF, 0xFFu, 0, 0, 0},
	{0x80000008u, NO_SUBLEAF, 0xFFu, 0x200u, 0, 0},
	{0x7, 2, 0, 0, 0, 0x28u},
	{0x23, 0, 0xFu, 0, 0, 0},
	{0x1F, 0, CPUID1F_CFG},
	{0x1F, 1, CPUID1F_CFG},
	{0x1F, 2, CPUID1F_CFG},
	{0x1F, 3, CPUID1F_CFG},
	{0x1F, 4, CPUID1F_CFG},
	{0x1F, 5, CPUID1F_CFG},
};

/* TDX 1.0 [M10]: (1,-), (4,0..3), (7,0) (sheet 4.2). */
static const struct tdxsim_cpuid_config_entry cpuid_1_0[6] = {
	{0x1, NO_SUBLEAF, 0, 0x00FF0000u, 0x00044180u, 0xB0400000u},
	{0x4, 0, 0xFFFFFFFFu, 0xFFFFF000u, 0xFFFFFFFFu, 0xFFFFFFFFu},
	{0x4, 1, 0xFFFFFFFFu, 0xFFFFF000u, 0xFFFFFFFFu, 0xFFFFFFFFu},
	{0x4, 2, 0xFFFFFFFFu, 0xFFFFF000u, 0xFFFFFFFFu, 0xFFFFFFFFu},
	{0x4, 3, 0xFFFFFFFFu, 0xFFFFF000u, 0xFFFFFFFFu, 0xFFFFFFFFu},
	{0x7, 0, 0, 0x00089108u, 0x00002020u, 0x00040000u},
};

/* TDX_FEATURES0 (sheet 4.3; bit positions [M156] include/tdx_api_defs.h). */
#define F0(bit) (UINT64_C(1) << (bit))
/*
 * 1.5.05 [M155] metadata_sys.c: bits 0-5, 7, 9-11, 16-20. Bit 8 (local attestation) is the
 * platform's SEAMVERIFYREPORT capability: assumption, absent (0). Bit 21 (reduced #VE) is 0.
 */
#define FEATURES0_1_5_05                                                                                     \
	(F0(0) | F0(1) | F0(2) | F0(3) | F0(4) | F0(5) | F0(7) | F0(9) | F0(10) | F0(11) | F0(16) | F0(17) | \
	 F0(18) | F0(19) | F0(20))
/* 1.5.06 [M156] metadata_sys.c adds ICSSD (25), FIXED_CTR12_PROF (26), MAXPA_VIRT (27) and
 * CPUID2_VIRT (29); bit 8 as above. */
#define FEATURES0_1_5_06 (FEATURES0_1_5_05 | F0(25) | F0(26) | F0(27) | F0(29))

/*
 * ATTRIBUTES_FIXED0 = TDX_ATTRIBUTES_FIXED0 minus LASS (bit 27) when the CPU lacks LASS
 * (tdh_sys_init.c); we model a CPU without LASS, so bit 27 is never reported.
 * 1.5.05: DEBUG(0), SEPT_VE_DISABLE(28), MIGRATABLE(29), PKS(30), PERFMON(63) (sheet 4.2).
 * 1.5.06: the same plus ICSSD (16), unconditional [M156] td_control_structures.h.
 * 1.0: DEBUG, SEPT_VE_DISABLE, PKS, PERFMON (sheet 5.1).
 */
#define ATTR_1_5_05 UINT64_C(0x8000000070000001)
#define ATTR_1_5_06 (ATTR_1_5_05 | F0(16))
#define ATTR_1_0    UINT64_C(0x8000000050000001)

/* TDX_XFAM_FIXED0 & (XCR0 | IA32_XSS supported): assumption, all supported (sheet 4.2). */
#define XFAM_FIXED0 UINT64_C(0x0006DBE7)
#define XFAM_FIXED1 UINT64_C(0x3)

/*
 * SEAM SVN and handoff pages of the 1.5 builds (docs/lifecycle.md): major SVN 1 (the first
 * after TDX_MODULE_1_0_MAJOR_SVN = 0, [PS23] seam_sigstruct.h), minor SVN 0 (TDX_MINOR_SEAM_SVN
 * defaults to 0 in proj_defs.mk and neither BUILD.md sets it, [M155][M156]); 24 handoff pages,
 * the NUM_HANDOFF_PAGES that metadata.c reports.
 */
#define SEAM_SVN_1_5 .seam_svn = 0x0100, .num_handoff_pages = 24

/*
 * Leaf tables. Every leaf of leaves.def exists at version 0 in the 1.5 profiles except
 * TDH.MEM.SEPT.WR (42: no dispatcher case in 1.5, sheet 2.1) and TDH.SYS.DISABLE (69: in no
 * module source we have); numbers outside leaves.def do not exist. Versioned leaves: sheet 1.1.
 * The initializers fill every slot with ABSENT first and then override, which is what the
 * GNU range designator is for; the override warning is expected here.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"

#define ALL_ABSENT		     [0 ... TDXSIM_NUM_LEAF_SLOTS - 1] = TDXSIM_LEAF_ABSENT
#define TDXSIM_LEAF(name, num, spec) [num] = 0,
#define LEAF_OVERRIDES_1_5                                                                           \
	[TDXSIM_TDH_MEM_SEPT_ADD] = 1, [TDXSIM_TDH_MNG_RD] = 1, [TDXSIM_TDH_VP_INIT] = 1,            \
	[TDXSIM_TDH_MEM_PAGE_PROMOTE] = 1, [TDXSIM_TDH_VP_RD] = 1, [TDXSIM_TDH_MEM_SEPT_REMOVE] = 1, \
	[TDXSIM_TDH_MEM_SEPT_WR] = TDXSIM_LEAF_ABSENT, [TDXSIM_TDH_SYS_DISABLE] = TDXSIM_LEAF_ABSENT

static const struct tdxsim_profile profile_1_5_05 = {
	.id = TDXSIM_MODULE_1_5_05,
	.name = "1.5.05",
	.major = 1,
	.minor = 5,
	.update = 5,
	.internal = 0, /* proj_defs.mk default [M155] */
	/* BUILD.md of [M155]: "TDX_MODULE_BUILD_DATE=20240129 TDX_MODULE_BUILD_NUM=698". */
	.build_date = 20240129,
	.build_num = 698,
	/* TDX_MODULE_HV / TDX_MIN_UPDATE_HV / TDX_NO_DOWNGRADE: proj_defs.mk defaults (0), which
	 * the release command in BUILD.md does not override [M155]. SYS.SHUTDOWN accepts a
	 * requested version in [MIN_UPDATE_HV, MODULE_HV], so Linux's MODULE_HV passes. */
	.module_hv = 0,
	.min_update_hv = 0,
	.no_downgrade = 0,
	SEAM_SVN_1_5,
	.features0 = FEATURES0_1_5_05,
	.abi_1_0 = false,
	.has_max_vcpus = true,
	.max_vcpus_per_td = 576,
	.has_min_virt_maxpa = false,
	.tdcs_base_size = 6 * PAGE,
	.tdvps_base_size = 6 * PAGE,
	.attributes_fixed0 = ATTR_1_5_05,
	.attributes_fixed1 = 0,
	.xfam_fixed0 = XFAM_FIXED0,
	.xfam_fixed1 = XFAM_FIXED1,
	.config_flags_fixed0 = 0x7, /* GPAW, FLEXIBLE_PENDING_VE, NO_RBP_MOD (sheet 4.2) */
	.config_flags_fixed1 = 0,
	.num_cpuid_config = TDXSIM_ARRAY_SIZE(cpuid_1_5_05),
	.cpuid_config = cpuid_1_5_05,
	.leaf_max_version =
		{
			ALL_ABSENT,
#include "tdxsim/defs/leaves.def"
			LEAF_OVERRIDES_1_5,
		},
};

static const struct tdxsim_profile profile_1_5_06 = {
	.id = TDXSIM_MODULE_1_5_06,
	.name = "1.5.06",
	.major = 1,
	.minor = 5,
	.update = 6,
	.internal = 0,
	/* BUILD.md of [M156]: "TDX_MODULE_BUILD_DATE=20240407 TDX_MODULE_BUILD_NUM=744". */
	.build_date = 20240407,
	.build_num = 744,
	.module_hv = 0, /* proj_defs.mk defaults, as for 1.5.05 [M156] */
	.min_update_hv = 0,
	.no_downgrade = 0,
	SEAM_SVN_1_5,
	.features0 = FEATURES0_1_5_06,
	.abi_1_0 = false,
	.has_max_vcpus = true,
	.max_vcpus_per_td = 576, /* MAX_VCPUS_PER_TD in td_control_structures.h [M156] */
	/* MIN_VIRT_MAXPA: the field exists [M156] global_sys_fields_lookup.c, but the constant
	 * behind it was not in any stored source: assumption, 32 (a guess: a TD needs at least
	 * the 4 GiB below its firmware; not checked against a real module). */
	.has_min_virt_maxpa = true,
	.min_virt_maxpa = 32,
	.tdcs_base_size = 6 * PAGE,
	.tdvps_base_size = 6 * PAGE,
	.attributes_fixed0 = ATTR_1_5_06,
	.attributes_fixed1 = 0,
	.xfam_fixed0 = XFAM_FIXED0,
	.xfam_fixed1 = XFAM_FIXED1,
	.config_flags_fixed0 = 0xF, /* adds MAXPA_VIRT (bit 3) [M156] td_control_structures.h */
	.config_flags_fixed1 = 0,
	.num_cpuid_config = TDXSIM_ARRAY_SIZE(cpuid_1_5_06),
	.cpuid_config = cpuid_1_5_06,
	.leaf_max_version =
		{
			ALL_ABSENT,
#include "tdxsim/defs/leaves.def"
			LEAF_OVERRIDES_1_5,
		},
};

/*
 * TDX 1.0 [M10]: no TDH.SYS.RD/RDALL, no versions in RAX, no migration/service-TD/update
 * leaves (sheet 2.1 "In 1.0? no"); TDH.MEM.SEPT.WR is an enum value without a handler.
 * BUILD.md of [M10] names no release build: build date and number are invented.
 */
static const struct tdxsim_profile profile_1_0 = {
	.id = TDXSIM_MODULE_1_0,
	.name = "1.0",
	.major = 1,
	.minor = 0,
	.update = 0,
	.internal = 0,
	.build_date = 20220131, /* invented */
	.build_num = 160,	/* invented */
	.module_hv = 0,
	.min_update_hv = 0,
	.no_downgrade = 0,
	/* Major SEAM SVN 0 is TDX 1.0 to the P-SEAMLDR (TDX_MODULE_1_0_MAJOR_SVN, [PS23]
	 * seam_sigstruct.h): no handoff, and the 2023 loader refuses to load it (EUNSUPPORTED). */
	.seam_svn = 0x0000,
	.num_handoff_pages = 0,
	.features0 = 0, /* 1.0 has no TDX_FEATURES0 */
	.abi_1_0 = true,
	.has_max_vcpus = false,
	.max_vcpus_per_td = 0,
	.has_min_virt_maxpa = false,
	.tdcs_base_size = 4 * PAGE,
	.tdvps_base_size = 6 * PAGE,
	.attributes_fixed0 = ATTR_1_0,
	.attributes_fixed1 = 0,
	.xfam_fixed0 = XFAM_FIXED0,
	.xfam_fixed1 = XFAM_FIXED1,
	.config_flags_fixed0 = 0, /* no CONFIG_FLAGS in TD_PARAMS before 1.5 */
	.config_flags_fixed1 = 0,
	.num_cpuid_config = TDXSIM_ARRAY_SIZE(cpuid_1_0),
	.cpuid_config = cpuid_1_0,
	.leaf_max_version =
		{
			ALL_ABSENT,
			[TDXSIM_TDH_VP_ENTER... TDXSIM_TDH_SYS_CONFIG] = 0,
			[TDXSIM_TDH_SYS_RD] = TDXSIM_LEAF_ABSENT,
			[TDXSIM_TDH_SYS_RDALL] = TDXSIM_LEAF_ABSENT,
			[TDXSIM_TDH_MEM_SEPT_WR] = TDXSIM_LEAF_ABSENT,
		},
};

/*
 * "next": the newer module that current Linux's TDH.SYS.DISABLE code targets (sheet 2.2,
 * 14.2). No public module source has leaf 69 (sheet 13), so this profile is 1.5.06 plus what
 * the Linux side needs: TDH.SYS.DISABLE exists (version 0, no operands). Everything that
 * identifies it is invented and marked so: the update version 99 (a placeholder no real
 * release uses), build date and number, and minor SEAM SVN 1 (so that it is an upgrade from
 * 1.5.0x to the P-SEAMLDR and going back is a downgrade it refuses). docs/lifecycle.md.
 */
static const struct tdxsim_profile profile_next = {
	.id = TDXSIM_MODULE_NEXT,
	.name = "next",
	.major = 1,
	.minor = 5,
	.update = 99, /* invented */
	.internal = 0,
	.build_date = 20260301, /* invented */
	.build_num = 0,		/* invented */
	.module_hv = 0,		/* as 1.5.05/1.5.06: handoff version 0 is taken */
	.min_update_hv = 0,
	.no_downgrade = 0,
	.seam_svn = 0x0101, /* invented: one minor SVN above 1.5.0x */
	.num_handoff_pages = 24,
	.features0 = FEATURES0_1_5_06,
	.abi_1_0 = false,
	.has_max_vcpus = true,
	.max_vcpus_per_td = 576,
	.has_min_virt_maxpa = true,
	.min_virt_maxpa = 32,
	.tdcs_base_size = 6 * PAGE,
	.tdvps_base_size = 6 * PAGE,
	.attributes_fixed0 = ATTR_1_5_06,
	.attributes_fixed1 = 0,
	.xfam_fixed0 = XFAM_FIXED0,
	.xfam_fixed1 = XFAM_FIXED1,
	.config_flags_fixed0 = 0xF,
	.config_flags_fixed1 = 0,
	.num_cpuid_config = TDXSIM_ARRAY_SIZE(cpuid_1_5_06),
	.cpuid_config = cpuid_1_5_06,
	.leaf_max_version =
		{
			ALL_ABSENT,
#include "tdxsim/defs/leaves.def"
			LEAF_OVERRIDES_1_5,
			[TDXSIM_TDH_SYS_DISABLE] = 0,
		},
};

#undef TDXSIM_LEAF
#pragma GCC diagnostic pop

const struct tdxsim_profile *tdxsim_profile_get(tdxsim_module_profile_t which)
{
	switch (which) {
	case TDXSIM_MODULE_1_5_05:
		return &profile_1_5_05;
	case TDXSIM_MODULE_1_5_06:
		return &profile_1_5_06;
	case TDXSIM_MODULE_1_0:
		return &profile_1_0;
	case TDXSIM_MODULE_NEXT:
		return &profile_next;
	}
	return NULL;
}
