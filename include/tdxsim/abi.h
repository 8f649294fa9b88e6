/* SPDX-License-Identifier: MIT */
/**
 * @file abi.h
 * @brief The TDX module's host ABI as numbers and layouts: leaves, statuses, metadata field ids,
 * MSRs (all generated from include/tdxsim/defs/ as TDXSIM_<name>, see abi_constants.h), and the
 * structures host code hands to the module. Every name keeps the spec's name behind the
 * TDXSIM_ / tdxsim_ prefix, so host code with its own TDX_* names can include this header.
 * Sources: ../shared/reference/tdx-module-abi.md (section numbers given per item).
 */
#ifndef TDXSIM_ABI_H
#define TDXSIM_ABI_H

#include <stdint.h>

#include "tdxsim/abi_constants.h"

/* RAX on entry (sheet 1.1): leaf in 15:0, version in 23:16, the rest reserved. */
#define TDXSIM_LEAF_MASK     UINT64_C(0xFFFF)
#define TDXSIM_VERSION_SHIFT 16
#define TDXSIM_VERSION_MASK  UINT64_C(0xFF)
/** RAX bit 63 selects the P-SEAMLDR instead of the module (sheet 1.1, 2.4). */
#define TDXSIM_SEAMLDR_BIT (UINT64_C(1) << 63)

/* Status layout (sheet 3.1). */
#define TDXSIM_STATUS_ERROR_BIT		  (UINT64_C(1) << 63)
#define TDXSIM_STATUS_NON_RECOVERABLE_BIT (UINT64_C(1) << 62)
#define TDXSIM_STATUS_MASK		  UINT64_C(0xFFFFFFFF00000000)
#define TDXSIM_STATUS_DETAILS_MASK	  UINT64_C(0x00000000FFFFFFFF)

/* PAMT page types (sheet 8.1). */
#define TDXSIM_PT_NDA	0
#define TDXSIM_PT_RSVD	1
#define TDXSIM_PT_REG	3
#define TDXSIM_PT_TDR	4
#define TDXSIM_PT_TDCX	5
#define TDXSIM_PT_TDVPR 6
#define TDXSIM_PT_TDVPX 7 /* TDX 1.0 only */
#define TDXSIM_PT_EPT	8

/* Page sizes / levels (sheet 8.1). */
#define TDXSIM_PS_4K 0
#define TDXSIM_PS_2M 1
#define TDXSIM_PS_1G 2

/* MSR 0x87 IA32_MKTME_KEYID_PARTITIONING (sheet 9). */
#define TDXSIM_MKTME_PART_NUM_MKTME(v) ((uint32_t)((v)&0xFFFFFFFFu))
#define TDXSIM_MKTME_PART_NUM_TDX(v)   ((uint32_t)((v) >> 32))

/* IA32_TME_CAPABILITY 0x981 (sheet 9). */
#define TDXSIM_TME_CAP_AES_XTS_128	     (UINT64_C(1) << 0)
#define TDXSIM_TME_CAP_AES_XTS_128_INTEGRITY (UINT64_C(1) << 1)
#define TDXSIM_TME_CAP_AES_XTS_256	     (UINT64_C(1) << 2)
#define TDXSIM_TME_CAP_AES_XTS_256_INTEGRITY (UINT64_C(1) << 3)
#define TDXSIM_TME_CAP_MAX_KEYID_BITS_SHIFT  32 /* bits 35:32 */
#define TDXSIM_TME_CAP_MAX_KEYS_SHIFT	     36 /* bits 50:36 */

/* IA32_TME_ACTIVATE 0x982 (sheet 9). */
#define TDXSIM_TME_ACTIVATE_LOCKED		      (UINT64_C(1) << 0)
#define TDXSIM_TME_ACTIVATE_ENABLED		      (UINT64_C(1) << 1)
#define TDXSIM_TME_ACTIVATE_KEYID_BITS_SHIFT	      32 /* bits 35:32 MK_TME_KEYID_BITS */
#define TDXSIM_TME_ACTIVATE_KEYID_BITS_MASK	      UINT64_C(0xF)
#define TDXSIM_TME_ACTIVATE_ALG_AES_XTS_256_INTEGRITY (UINT64_C(1) << 51)

/* IA32_SEAMRR_PHYS_BASE 0x1400 / _MASK 0x1401 (sheet 9). */
#define TDXSIM_SEAMRR_BASE_CONFIGURED (UINT64_C(1) << 3)
#define TDXSIM_SEAMRR_MASK_LOCKED     (UINT64_C(1) << 10)
#define TDXSIM_SEAMRR_MASK_ENABLED    (UINT64_C(1) << 11)
#define TDXSIM_SEAMRR_ADDR_MASK	      UINT64_C(0x000FFFFFFE000000) /* bits 51:25 */

/* IA32_MTRRCAP 0xFE bit 15: SEAMRR supported (sheet 9). */
#define TDXSIM_MTRRCAP_SEAMRR (UINT64_C(1) << 15)
/* IA32_VMX_BASIC 0x480 bit 60: SEAMRET does not invalidate the current VMCS (sheet 9). */
#define TDXSIM_VMX_BASIC_NO_SEAMRET_INVD_VMCS (UINT64_C(1) << 60)

/* TDX_FEATURES0 bits (sheet 4.3). */
#define TDXSIM_FEATURES0_TD_MIGRATION  (UINT64_C(1) << 0)
#define TDXSIM_FEATURES0_TD_PRESERVING (UINT64_C(1) << 1)
#define TDXSIM_FEATURES0_NO_RBP_MOD    (UINT64_C(1) << 18)
#define TDXSIM_FEATURES0_TOPOLOGY_ENUM (UINT64_C(1) << 20)

/* Metadata field id layout (sheet 4.1). */
#define TDXSIM_MD_ELEMENT_SIZE_CODE(id) ((unsigned)(((id) >> 32) & 0x3))
#define TDXSIM_MD_CONTEXT_CODE(id)	((unsigned)(((id) >> 52) & 0x7))
#define TDXSIM_MD_CLASS_CODE(id)	((unsigned)(((id) >> 56) & 0x3F))

/** Fixed module limits (sheet 4.2, 5.2). */
#define TDXSIM_MAX_CMRS		 32
#define TDXSIM_TDMR_MAX_RESERVED 16
#define TDXSIM_TDMR_INFO_ALIGN	 512
#define TDXSIM_TDSYSINFO_SIZE	 1024
#define TDXSIM_TDMR_INIT_CHUNK	 (UINT64_C(4) << 20) /* 4 MiB per TDH.SYS.TDMR.INIT (sheet 7.2) */

/** One reserved area of a TDMR: offset from the TDMR base and size (sheet 6.1). */
struct tdxsim_tdmr_reserved_area {
	uint64_t offset;
	uint64_t size;
};

/**
 * TDMR_INFO as the module reads it (sheet 6.1): 64 bytes of TDMR/PAMT fields then 16 reserved
 * areas; 512-byte aligned in physical memory. Linux's own struct is 1024 bytes apart in its
 * array; the module only reads these 320 bytes of each entry.
 */
struct tdxsim_tdmr_info {
	uint64_t base;
	uint64_t size;
	uint64_t pamt_1g_base;
	uint64_t pamt_1g_size;
	uint64_t pamt_2m_base;
	uint64_t pamt_2m_size;
	uint64_t pamt_4k_base;
	uint64_t pamt_4k_size;
	struct tdxsim_tdmr_reserved_area reserved_areas[TDXSIM_TDMR_MAX_RESERVED];
};

/** CMR_INFO entry (sheet 5.2): 16 bytes, 32 entries in a 512-byte aligned array. */
struct tdxsim_cmr_info {
	uint64_t base;
	uint64_t size;
};

/** CPUID_CONFIG entry inside TDSYSINFO_STRUCT (sheet 5.1). */
struct tdxsim_cpuid_config {
	uint32_t leaf;
	uint32_t sub_leaf;
	uint32_t eax, ebx, ecx, edx;
};

/** TDSYSINFO_STRUCT (sheet 5.1): 1024 bytes, 1024-aligned, written by TDH.SYS.INFO. */
struct tdxsim_tdsysinfo {
	uint32_t attributes;
	uint32_t vendor_id;
	uint32_t build_date;
	uint16_t build_num;
	uint16_t minor_version;
	uint16_t major_version;
	uint8_t sys_rd;
	uint8_t reserved0[13];
	uint16_t max_tdmrs;
	uint16_t max_reserved_per_tdmr;
	uint16_t pamt_entry_size;
	uint8_t reserved1[10];
	uint16_t tdcs_base_size;
	uint8_t reserved2[2];
	uint16_t tdvps_base_size;
	uint8_t tdvps_xfam_dependent_size;
	uint8_t reserved3[9];
	uint64_t attributes_fixed0;
	uint64_t attributes_fixed1;
	uint64_t xfam_fixed0;
	uint64_t xfam_fixed1;
	uint8_t reserved4[32];
	uint32_t num_cpuid_config;
	struct tdxsim_cpuid_config cpuid_configs[37];
	uint8_t reserved5[4];
};

#ifndef __cplusplus
_Static_assert(sizeof(struct tdxsim_tdmr_info) == 320, "TDMR_INFO read size");
_Static_assert(sizeof(struct tdxsim_tdsysinfo) == TDXSIM_TDSYSINFO_SIZE, "TDSYSINFO_STRUCT size");
_Static_assert(__builtin_offsetof(struct tdxsim_tdsysinfo, max_tdmrs) == 32, "TDSYSINFO layout");
_Static_assert(__builtin_offsetof(struct tdxsim_tdsysinfo, tdcs_base_size) == 48, "TDSYSINFO layout");
_Static_assert(__builtin_offsetof(struct tdxsim_tdsysinfo, attributes_fixed0) == 64, "TDSYSINFO layout");
_Static_assert(__builtin_offsetof(struct tdxsim_tdsysinfo, num_cpuid_config) == 128, "TDSYSINFO layout");
_Static_assert(__builtin_offsetof(struct tdxsim_tdsysinfo, cpuid_configs) == 132, "TDSYSINFO layout");
#endif

#endif /* TDXSIM_ABI_H */
