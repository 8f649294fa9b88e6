/* SPDX-License-Identifier: MIT */
/*
 * A TD for the runtime secure-EPT leaves (td-runtime.md 2): the tables down to a 4K PT at
 * TDMW_GPA, one page added there, one vCPU, built with the real leaves in KVM's order and left
 * INITIALIZED or finalized (RUNNABLE); a second TD whose keys are configured but which was
 * never initialized serves the op-state rows. Rows of the tests name their operands
 * symbolically (TDMW_*) and tdmw_resolve() turns them into this world's values.
 */
#ifndef TDXSIM_TEST_TD_MEM_WORLD_H
#define TDXSIM_TEST_TD_MEM_WORLD_H

#include "td_fixture.h"

#define TDMW_GPA      UINT64_C(0x40000000) /* 1 GiB: PDPT, PD and PT exist, 4K page added */
#define TDMW_GPA_NOPT UINT64_C(0x40200000) /* same PD, no PT below it */

enum tdmw_stage {
	TDMW_INITIALIZED, /* op state INITIALIZED (no tracking rule yet) */
	TDMW_RUNNABLE,	  /* MR.FINALIZE done */
};

struct tdmw {
	struct fx fx;
	struct tdfx_td td;
	struct tdfx_td uninit;
	struct tdfx_vcpu vp;
	uint64_t pdpt, pd, pt; /* the tables on the way to TDMW_GPA */
	uint64_t mapped;       /* the page added at TDMW_GPA; byte i = (7i + 3) & 0xFF */
	uint64_t fresh;	       /* a free page, new for each row (tdmw_resolve) */
};

/* Builds the world; @p (may be NULL) is the TD_PARAMS request (e.g. a debug TD). */
void tdmw_build(struct tdmw *w, const struct tdfx_params *p, enum tdmw_stage st);
void tdmw_destroy(struct tdmw *w);

/* The byte tdmw_build() put at offset @i of the page at TDMW_GPA. */
static inline uint8_t tdmw_image_byte(unsigned i)
{
	return (uint8_t)(i * 7 + 3);
}

/* Symbolic operands (bits 63:62 set: never a real operand of these rows). */
#define TDMW_SYM     UINT64_C(0xC000000000000000)
#define TDMW_TDR     (TDMW_SYM | 1) /* the TD's TDR */
#define TDMW_UNINIT  (TDMW_SYM | 2) /* the uninitialized TD's TDR */
#define TDMW_FRESH   (TDMW_SYM | 3) /* a free page (new for each row) */
#define TDMW_MAPPED  (TDMW_SYM | 4) /* the page at TDMW_GPA */
#define TDMW_EXT_MAP (TDMW_SYM | 5) /* RCX ext of a MAPPED 4K leaf: 0x8000000000000000 | HPA | 0xF7 */
#define TDMW_EXT_BLK (TDMW_SYM | 6) /* RCX ext of a BLOCKED 4K leaf: ... | HPA | 0xF0 */
#define TDMW_PT	     (TDMW_SYM | 7) /* the PT page of TDMW_GPA */
#define TDMW_PD	     (TDMW_SYM | 8) /* the PD page */
#define TDMW_TDCS    (TDMW_SYM | 9) /* the TD's first TDCS page (not a TDR) */
uint64_t tdmw_resolve(const struct tdmw *w, uint64_t v);

/* Contention set up before a row's call, one per lock of the leaves (tdxsim_contend()). */
enum tdmw_contend {
	TDMW_C_NONE,
	TDMW_C_TDR_EX,	/* the TDR's PAMT entry held exclusive */
	TDMW_C_OP_EX,	/* the op-state lock held exclusive */
	TDMW_C_TREE_EX, /* the SEPT tree held exclusive */
	TDMW_C_TREE_SH, /* the SEPT tree held shared */
	TDMW_C_ENTRY,	/* the SEPT entry RCX names */
	TDMW_C_PAGE_EX, /* the 4K PAMT entry of the row's page held exclusive */
	TDMW_C_PAGE_SH, /* ... held shared */
};
void tdmw_contend(struct tdmw *w, enum tdmw_contend c, uint64_t rcx, uint64_t page);

/*
 * Issues @rax with @in and asserts status @status, registers @out (every one: what the leaf
 * does not write keeps its value), the state hash unchanged and the invariants. Prints @rule on
 * failure; clears contention marks afterwards.
 */
void tdmw_refused(struct tdmw *w, const char *rule, uint64_t rax, const tdxsim_regs_t *in,
		  const tdxsim_regs_t *out, uint64_t status);

/* One SEAMCALL that must succeed: RCX/RDX/R8 in, registers out in *out (may be NULL). */
void tdmw_ok(struct tdmw *w, uint64_t rax, uint64_t rcx, uint64_t rdx, uint64_t r8, tdxsim_regs_t *out);
/* TDH.MEM.SEPT.RD of @info: the entry's ext (RCX, RDX). */
void tdmw_sept_rd(struct tdmw *w, uint64_t info, uint64_t *rcx, uint64_t *rdx);
/* TDH.PHYMEM.PAGE.RDMD of @pa: type (RCX), owner (RDX), BEPOCH (R9) in *out. */
void tdmw_rdmd(struct tdmw *w, uint64_t pa, tdxsim_regs_t *out);
/* The TD's CHLDCNT and TD epoch (tdxsim_td_query). */
uint64_t tdmw_chldcnt(struct tdmw *w);
uint64_t tdmw_epoch(struct tdmw *w);

/* The LP the world's vCPU runs on while resident: the rows' host calls are on LP 0. */
#define TDMW_GUEST_LP 1
/*
 * Moves the world's vCPU to TDMW_GUEST_LP (TDH.VP.FLUSH on LP 0, a TDH.VP.ENTER round trip
 * there) and keeps it in the guest from the TD's current epoch for @calls host SEAMCALLs
 * (0: until tdxsim_vcpu_leave_guest(); tdxsim_vcpu_stay_in_guest()).
 */
void tdmw_reside(struct tdmw *w, uint32_t calls);
/* TDCS REFCOUNT[@parity] read with TDH.MNG.RD (a host SEAMCALL: counts for residents). */
uint64_t tdmw_refcount(struct tdmw *w, unsigned parity);

#endif
