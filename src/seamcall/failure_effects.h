/* SPDX-License-Identifier: MIT */
/*
 * Failed SEAMCALLs that change state. A call that fails changes nothing the module would not
 * change (docs/fidelity.md); these are the places where the module itself does change state
 * and still returns an error, each with its source. One table, read by fuzz/fuzz_seamcall.c
 * (its oracle compares tdxsim_state_hash() before and after every other failed call) and by
 * tests/test_failure_effects.c (each row really changes state; calls outside the table do not).
 * Header-only and without simulator access, so that the fuzz targets can include it.
 */
#ifndef TDXSIM_SEAMCALL_FAILURE_EFFECTS_H
#define TDXSIM_SEAMCALL_FAILURE_EFFECTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tdxsim/tdxsim.h"

struct tdxsim_failure_effect {
	uint64_t rax;	      /* leaf (bits 15:0), or a whole P-SEAMLDR RAX (bit 63 set) */
	uint64_t status_mask; /* the status matches when (status & mask) == value */
	uint64_t status_value;
	const char *why;
};

#define TDXSIM_ANY_ERROR TDXSIM_STATUS_ERROR_BIT, TDXSIM_STATUS_ERROR_BIT
#define TDXSIM_EXACT(s)	 ~UINT64_C(0), (s)
/* Any status of the class of @s: bits 63:32 as given, any detail or operand in 31:0. */
#define TDXSIM_STATUS_CLASS(s) UINT64_C(0xFFFFFFFF00000000), (s)
/* Every metadata error, 0xC0000C00xxxxxxxx to 0xC0000CFFxxxxxxxx. */
#define TDXSIM_METADATA_ERRORS UINT64_C(0xFFFFFF0000000000), TDXSIM_TDX_METADATA_FIELD_ID_INCORRECT

static const struct tdxsim_failure_effect tdxsim_failure_effects[] = {
	{TDXSIM_TDH_SYS_CONFIG, TDXSIM_ANY_ERROR,
	 "the global KeyID is reserved right after the R8 check and stays so ([M155] tdh_sys_config.c)"},
	{TDXSIM_TDH_PHYMEM_CACHE_WB, TDXSIM_EXACT(TDXSIM_TDX_INTERRUPTED_RESUMABLE),
	 "an interrupted write-back keeps its resume point (td-build.md 3.16)"},
	{TDXSIM_TDH_MNG_CREATE, TDXSIM_EXACT(TDXSIM_TDX_RND_NO_ENTROPY),
	 "the TDR page was zeroed through the global KeyID before the TD_UUID draw (td-build.md 3.1)"},
	{TDXSIM_TDH_MNG_ADDCX, TDXSIM_EXACT(TDXSIM_TDX_RND_NO_ENTROPY),
	 "the 6th TDCS page was filled through the TD's KeyID before the key draw (td-build.md 3.3)"},
	{TDXSIM_TDH_MNG_ADDCX, TDXSIM_EXACT(TDXSIM_TDX_OP_STATE_INCORRECT),
	 "a 7th-9th TDCS page was filled before the op-state check (td-build.md 3.3)"},
	{TDXSIM_TDH_VP_ENTER, TDXSIM_EXACT(TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RCX),
	 "an unassociated vCPU is associated with the calling LP (NUM_ASSOC_VCPUS + 1) before the RCX "
	 "bit 52/53 checks (td-runtime.md 3.2 rows 8-10)"},
	{TDXSIM_TDH_VP_ENTER, TDXSIM_EXACT(TDXSIM_TDX_OPERAND_BUSY | TDXSIM_OPERAND_TD_EPOCH),
	 "an unassociated vCPU is associated before the epoch lock is taken (td-runtime.md 3.2 rows 8, 14)"},
	{TDXSIM_TDH_VP_INIT, TDXSIM_STATUS_CLASS(TDXSIM_TDX_X2APIC_ID_NOT_UNIQUE),
	 "a duplicate x2APIC ID leaves NUM_VCPUS incremented (td-build.md 3.8 row 9; [M155] tdh_vp_init.c)"},
	{TDXSIM_TDH_VP_RD, TDXSIM_METADATA_ERRORS,
	 "VP.RD associates an unassociated vCPU before it looks at the field id (td-build.md 3.9 row 7; "
	 "[M155] tdh_vp_rd_wr.c): every metadata error (0xC0000Cxx) may follow it"},
	{TDXSIM_TDH_VP_WR, TDXSIM_METADATA_ERRORS,
	 "VP.WR associates as VP.RD does before the field checks (td-build.md 3.9 row 7)"},
	{TDXSIM_TDH_VP_RD, TDXSIM_EXACT(TDXSIM_STATUS_NOT_EMULATED),
	 "VP.RD associates before the field is read; a debug TD's field whose value tdxsim does not "
	 "model answers NOT_EMULATED only after that, where the module would answer the value "
	 "(docs/fidelity.md)"},
	{TDXSIM_TDH_VP_WR, TDXSIM_EXACT(TDXSIM_STATUS_NOT_EMULATED),
	 "VP.WR associates before the field is written; bits only a debug host may write are not "
	 "modeled and answer NOT_EMULATED after that (docs/fidelity.md)"},
	{TDXSIM_TDH_VP_WR, TDXSIM_STATUS_CLASS(TDXSIM_TDX_TD_VMCS_FIELD_NOT_INITIALIZED),
	 "VP.WR associates before the pin-based controls check (td-build.md 3.9 rows 7, 10W)"},
	{TDXSIM_SEAMLDR_INSTALL, TDXSIM_ANY_ERROR,
	 "a failing INSTALL may have opened its session, blocked the module or lost it ([PS23] "
	 "seamldr_install.c)"},
};

#undef TDXSIM_ANY_ERROR
#undef TDXSIM_EXACT
#undef TDXSIM_STATUS_CLASS
#undef TDXSIM_METADATA_ERRORS

/* The row that allows a failed call with @rax to change state, or NULL. Versions (RAX 23:16)
 * do not matter for the module's leaves; P-SEAMLDR calls compare the whole RAX. */
static inline const struct tdxsim_failure_effect *tdxsim_failure_effect_of(uint64_t rax, uint64_t status)
{
	for (size_t i = 0; i < sizeof(tdxsim_failure_effects) / sizeof(tdxsim_failure_effects[0]); i++) {
		const struct tdxsim_failure_effect *e = &tdxsim_failure_effects[i];
		bool same = e->rax & TDXSIM_SEAMLDR_BIT
				    ? rax == e->rax
				    : !(rax & TDXSIM_SEAMLDR_BIT) && (rax & 0xFFFF) == e->rax;
		if (same && (status & e->status_mask) == e->status_value)
			return e;
	}
	return NULL;
}

#endif
