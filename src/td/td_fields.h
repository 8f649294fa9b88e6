/* SPDX-License-Identifier: MIT */
/*
 * The TD-scope metadata fields (TDR and TDCS) that TDH.MNG.RD/WR reach (td-build.md 3.5): one
 * table, in the module's lookup order, with each field's id as the module stores it, its
 * element count, and its host read/write masks for production and debug TDs, plus the
 * field-id rules those leaves apply (lookup by class + field code, next-element iteration,
 * the CPUID_VALUES encoding). Values come from struct tdxsim_td.
 */
#ifndef TDXSIM_TD_FIELDS_H
#define TDXSIM_TD_FIELDS_H

#include <stdbool.h>
#include <stdint.h>

#include "td/td.h"

#define TDXSIM_MD_NONE UINT64_C(0xFFFFFFFFFFFFFFFF) /* MD_FIELD_ID_NA: -1 */

/* What field accessors need besides the TD: where the KeyID sits in a PA. */
struct tdxsim_md_td_ctx {
	struct tdxsim_td *td;
	unsigned keyid_shift;
	bool debug; /* ATTRIBUTES.DEBUG: the debug masks apply */
};

struct tdxsim_td_field {
	const char *name;
	uint64_t id; /* as stored: class, context 1, element size, base field code */
	uint16_t num_fields, num_elem;
	uint64_t prod_rd, prod_wr, dbg_rd, dbg_wr;
	uint8_t kind; /* accessor (td_fields.c) */
};

/* The table and its size. */
extern const struct tdxsim_td_field tdxsim_td_fields[];
extern const unsigned tdxsim_num_td_fields;

/* The field-id check of a single-element access: reserved bits 31:24, 49:47, 55, 62 and the
 * last-element / last-field counts must be 0; size, increment, write-mask-valid, context and
 * bit 63 are ignored. */
bool tdxsim_md_td_id_ok(uint64_t id);

/*
 * Finds @id's element: *f = its table entry, *elem = its index (for CPUID_VALUES: lookup
 * index * 2 + element). Returns 0, TDX_METADATA_FIELD_ID_INCORRECT, or (CPUID entry faulting
 * or not valid) TDX_METADATA_FIELD_NOT_READABLE.
 */
uint64_t tdxsim_md_td_find(const struct tdxsim_md_td_ctx *c, uint64_t id, const struct tdxsim_td_field **f,
			   uint32_t *elem);

/* The element's current value (before masking) and its masks for the host. */
uint64_t tdxsim_md_td_get(const struct tdxsim_md_td_ctx *c, const struct tdxsim_td_field *f, uint32_t elem);
void tdxsim_md_td_masks(const struct tdxsim_md_td_ctx *c, const struct tdxsim_td_field *f, uint64_t *rd,
			uint64_t *wr);

/*
 * Host write of @value under @req_mask (TDH.MNG.WR rows 8W-10W): returns the status; on success
 * the element is updated and *old = its previous value & the read mask.
 */
uint64_t tdxsim_md_td_write(const struct tdxsim_md_td_ctx *c, const struct tdxsim_td_field *f, uint32_t elem,
			    uint64_t value, uint64_t req_mask, uint64_t *old);

/* RD version 1: the id of the next element the host can read after @id (already found as
 * @f/@elem), or the first one when @id is -1; TDXSIM_MD_NONE after the last. */
uint64_t tdxsim_md_td_next(const struct tdxsim_md_td_ctx *c, uint64_t id, const struct tdxsim_td_field *f,
			   uint32_t elem);

/* Whether tdxsim models the value of @f's elements; a debug TD reading one it does not gets
 * TDXSIM_STATUS_NOT_EMULATED (td_fields.c lists them). */
bool tdxsim_md_td_modeled(const struct tdxsim_td_field *f);

/* The entry named @name ("TSC_OFFSET", "MRTD"...; scenario files name fields this way), or NULL. */
const struct tdxsim_td_field *tdxsim_td_field_by_name(const char *name);

#endif
