/* SPDX-License-Identifier: MIT */
/*
 * KeyIDs (HKIDs): the partition of MSR 0x87 into MKTME and TDX-private KeyIDs, where the
 * KeyID sits in a physical address, and the module's Key Ownership Table (KOT) state per
 * private KeyID (sheet 9 and 11.3).
 * Private range: [num_mktme + 1, num_mktme + num_tdx] (inclusive). KeyID 0 is the TME KeyID.
 *
 * Two views of where the KeyID sits. The platform (CPU, memory controller, the P-SEAMLDR,
 * which reads CPUID) puts it in the top keyid_bits below MAXPHYADDR: bits
 * [phys_bits - keyid_bits, phys_bits). The module computes the position from its own
 * constant MAX_PA = 52 ([M15] tdh_sys_init.c: hkid_start_bit = MAX_PA - MK_TME_KEYID_BITS):
 * bits [52 - keyid_bits, 52). The two agree only when MAXPHYADDR is 52, as on every TDX
 * platform; tdxsim keeps both so that another MAXPHYADDR shows what real host code would see
 * (docs/fidelity.md). tdxsim_hkid_* below is the platform view, tdxsim_hkid_module_* the
 * module's.
 */
#ifndef TDXSIM_HKID_H
#define TDXSIM_HKID_H

#include <stdbool.h>
#include <stdint.h>

/* KOT entry states (sheet 11.3). */
enum tdxsim_kot_state {
	TDXSIM_HKID_FREE = 0,
	TDXSIM_HKID_ASSIGNED = 1,
	TDXSIM_HKID_FLUSHED = 2,
	TDXSIM_HKID_RESERVED = 3, /* the global private KeyID given to TDH.SYS.CONFIG */
};

struct tdxsim_hkid {
	uint32_t keyid_bits, shift; /* KeyID field = PA bits [shift + keyid_bits - 1 : shift] */
	uint32_t module_shift;	    /* the same in the module's view: 52 - keyid_bits */
	uint32_t num_mktme, num_tdx;
	uint8_t *kot; /* state per KeyID, indexed by KeyID (only private ones are used) */
	/* While a runtime update's handoff KOT is in place (@kot), the new module's own KOT is
	 * still empty but for the KeyIDs its TDH.SYS.CONFIG attempts reserved: one flag per KeyID.
	 * TDH.SYS.UPDATE replaces that KOT by the handoff's; a fresh configuration adopts it. */
	uint8_t *reserved_next;
};

int tdxsim_hkid_init(struct tdxsim_hkid *h, uint32_t phys_bits, uint32_t keyid_bits, uint32_t num_mktme,
		     uint32_t num_tdx);
void tdxsim_hkid_fini(struct tdxsim_hkid *h);
/* Snapshots (sim/snapshot.c): @saved becomes a copy with its own tables (free it with
 * tdxsim_hkid_fini); restore copies it back into @h of the same simulator. save: 0 or -1. */
int tdxsim_hkid_save(const struct tdxsim_hkid *h, struct tdxsim_hkid *saved);
void tdxsim_hkid_restore(struct tdxsim_hkid *h, const struct tdxsim_hkid *saved);
/* Every KOT entry back to FREE (module disabled / reloaded), the new module's included. */
void tdxsim_hkid_reset(struct tdxsim_hkid *h);

/* TDH.SYS.CONFIG's mark of the global KeyID (sheet 6.2 step 7): RESERVED in the KOT in force,
 * or, while @handoff_in_place, in the new module's own KOT (reserved_next). */
void tdxsim_hkid_reserve(struct tdxsim_hkid *h, uint32_t keyid, bool handoff_in_place);
/* The handoff KOT gives way to the new module's own: every entry FREE but the reserved_next
 * ones, which become RESERVED. */
void tdxsim_hkid_adopt_next(struct tdxsim_hkid *h);
/* TDH.SYS.UPDATE: the new module's own KOT is overwritten by the handoff's (already in place). */
void tdxsim_hkid_drop_next(struct tdxsim_hkid *h);

static inline uint32_t tdxsim_hkid_first_private(const struct tdxsim_hkid *h)
{
	return h->num_mktme + 1;
}

static inline bool tdxsim_hkid_is_private(const struct tdxsim_hkid *h, uint64_t keyid)
{
	return keyid >= h->num_mktme + 1 && keyid <= (uint64_t)h->num_mktme + h->num_tdx;
}

/* Mask of the KeyID bits in a physical address. */
static inline uint64_t tdxsim_hkid_pa_mask(const struct tdxsim_hkid *h)
{
	return ((UINT64_C(1) << h->keyid_bits) - 1) << h->shift;
}

static inline uint32_t tdxsim_hkid_of_pa(const struct tdxsim_hkid *h, uint64_t pa)
{
	return (uint32_t)((pa & tdxsim_hkid_pa_mask(h)) >> h->shift);
}

static inline uint64_t tdxsim_hkid_strip(const struct tdxsim_hkid *h, uint64_t pa)
{
	return pa & ~tdxsim_hkid_pa_mask(h);
}

/* The module's view (every SEAMCALL leaf's address checks): KeyID bits below MAX_PA = 52. */
static inline uint64_t tdxsim_hkid_module_mask(const struct tdxsim_hkid *h)
{
	return ((UINT64_C(1) << h->keyid_bits) - 1) << h->module_shift;
}

static inline uint32_t tdxsim_hkid_module_of_pa(const struct tdxsim_hkid *h, uint64_t pa)
{
	return (uint32_t)((pa & tdxsim_hkid_module_mask(h)) >> h->module_shift);
}

static inline uint64_t tdxsim_hkid_module_strip(const struct tdxsim_hkid *h, uint64_t pa)
{
	return pa & ~tdxsim_hkid_module_mask(h);
}

#endif
