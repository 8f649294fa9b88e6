/* SPDX-License-Identifier: MIT */
/*
 * TD_PARAMS, the 1024-byte structure the host passes to TDH.MNG.INIT (tdx-module-abi.md 11.6,
 * td-build.md 3.4): byte offsets, sizes and the bit positions MNG.INIT checks. Only layout
 * facts live here; the checks are in seamcall/leaves/tdh_mng_init.c.
 */
#ifndef TDXSIM_TD_PARAMS_H
#define TDXSIM_TD_PARAMS_H

#include <stdint.h>

#define TDXSIM_TD_PARAMS_SIZE  1024u
#define TDXSIM_TD_PARAMS_ALIGN 1024u

/* Byte offsets. */
#define TDXSIM_TDP_ATTRIBUTES	   0   /* u64 */
#define TDXSIM_TDP_XFAM		   8   /* u64 */
#define TDXSIM_TDP_MAX_VCPUS	   16  /* u16 */
#define TDXSIM_TDP_NUM_L2_VMS	   18  /* u8 */
#define TDXSIM_TDP_MSR_CONFIG_CTLS 19  /* u8 */
#define TDXSIM_TDP_RSVD0	   20  /* 4 bytes, must be 0 */
#define TDXSIM_TDP_EPTP_CONTROLS   24  /* u64 */
#define TDXSIM_TDP_CONFIG_FLAGS	   32  /* u64 */
#define TDXSIM_TDP_TSC_FREQUENCY   40  /* u16, units of 25 MHz */
#define TDXSIM_TDP_RSVD1	   42  /* 38 bytes, must be 0 */
#define TDXSIM_TDP_MRCONFIGID	   80  /* 48 bytes */
#define TDXSIM_TDP_MROWNER	   128 /* 48 bytes */
#define TDXSIM_TDP_MROWNERCONFIG   176 /* 48 bytes */
#define TDXSIM_TDP_ARCH_CAP_CONFIG 224 /* u64 IA32_ARCH_CAPABILITIES_CONFIG */
#define TDXSIM_TDP_RSVD2	   232 /* 24 bytes, must be 0 */
#define TDXSIM_TDP_CPUID_VALUES	   256 /* 16 bytes per configurable CPUID entry */

/* ATTRIBUTES bits (td-build.md 3.4 row 6). */
#define TDXSIM_ATTR_DEBUG	    (UINT64_C(1) << 0)
#define TDXSIM_ATTR_LASS	    (UINT64_C(1) << 27)
#define TDXSIM_ATTR_SEPT_VE_DISABLE (UINT64_C(1) << 28)
#define TDXSIM_ATTR_MIGRATABLE	    (UINT64_C(1) << 29)
#define TDXSIM_ATTR_PKS		    (UINT64_C(1) << 30)
#define TDXSIM_ATTR_PERFMON	    (UINT64_C(1) << 63)

/* CONFIG_FLAGS bits (row 15). */
#define TDXSIM_CONFIG_GPAW		  (UINT64_C(1) << 0)
#define TDXSIM_CONFIG_FLEXIBLE_PENDING_VE (UINT64_C(1) << 1)
#define TDXSIM_CONFIG_NO_RBP_MOD	  (UINT64_C(1) << 2)

/* EPTP_CONTROLS (row 16): memory type WB in bits 2:0, page-walk length - 1 in bits 5:3. */
#define TDXSIM_EPTP_MT_WB      6u
#define TDXSIM_EPTP_PWL_SHIFT  3
#define TDXSIM_EPTP_PWL_4LEVEL 3u
#define TDXSIM_EPTP_PWL_5LEVEL 4u

/* TSC_FREQUENCY bounds in units of 25 MHz (row 18). */
#define TDXSIM_VIRT_TSC_FREQ_MIN  4
#define TDXSIM_VIRT_TSC_FREQ_MAX  400
#define TDXSIM_VIRT_TSC_FREQ_UNIT 25000000u

/* IA32_ARCH_CAPABILITIES_CONFIG bits a host may set (row 31): SSB_NO, RRSBA, BHI_NO, PBRSB_NO. */
#define TDXSIM_ARCH_CAP_CONFIG_ALLOWED \
	((UINT64_C(1) << 4) | (UINT64_C(1) << 19) | (UINT64_C(1) << 20) | (UINT64_C(1) << 24))

/* The platform's TSC frequency as the module computes it at SYS.INIT from CPUID(0x15): tdxsim's
 * virtual TSC runs at 2.2 GHz (docs/cycles.md). MNG.INIT derives TSC_MULTIPLIER and the 1 s
 * default HP_LOCK_TIMEOUT from it. */
#define TDXSIM_NATIVE_TSC_HZ UINT64_C(2200000000)

#endif
