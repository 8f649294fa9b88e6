/* SPDX-License-Identifier: MIT */
/*
 * Global metadata: TDH.SYS.RD and TDH.SYS.RDALL over the SYS field table (sheet 4.1, 4.2).
 *
 * The table is include/tdxsim/defs/fields.def, in the module's own row order; each row gets a
 * value getter (one case of md_value(), so a row without a getter does not compile under
 * -Wswitch). The rules below are the module's, traced in [M155] (intel/tdx-module e98d9639)
 * src/common/metadata_handlers/metadata_generic.c, metadata_sys.c and
 * src/vmm_dispatcher/api_calls/tdh_sys_rd.c, tdh_sys_rdall.c:
 * - The context code of the input id is forced to SYS, then "all other bits set" means -1.
 * - Lookup matches class code and field code against each row's element range; element-size
 *   bits, bit 63, the write-mask bit and the increment bit take no part.
 * - SYS.RD's "next element" is the input id with the field code + 1 while inside the row (so
 *   the caller's size/bit-63 bits come back), then the next row's id as stored.
 * - RDALL dumps whole fields, grouped into sequences of consecutive field codes of one class
 *   with one element size and one element count per field.
 * No state: every value is a function of the view.
 */
#include <string.h>

#include "core/util.h"
#include "module/module.h"

#define MD_NA		    (~UINT64_C(0))
#define MD_FIELD_CODE_MASK  UINT64_C(0xFFFFFF)
#define MD_CONTEXT_MASK	    (UINT64_C(0x7) << 52)
#define MD_LAST_ELEM_SHIFT  34 /* bits 37:34 */
#define MD_LAST_FIELD_SHIFT 38 /* bits 46:38 */
#define MD_LAST_ELEM_MASK   (UINT64_C(0xF) << MD_LAST_ELEM_SHIFT)
#define MD_LAST_FIELD_MASK  (UINT64_C(0x1FF) << MD_LAST_FIELD_SHIFT)
#define MD_WRITE_MASK_VALID (UINT64_C(1) << 51)
/* Reserved: 31:24, 49:47, 55, 62 (sheet 4.1). */
#define MD_RESERVED_MASK (UINT64_C(0xFF) << 24 | UINT64_C(0x7) << 47 | UINT64_C(1) << 55 | UINT64_C(1) << 62)
/* md_check_as_single_element_id(): reserved bits and both "last" counts must be 0. */
#define MD_SINGLE_MBZ (MD_RESERVED_MASK | MD_LAST_ELEM_MASK | MD_LAST_FIELD_MASK)

#define MD_CODE(id)	 ((uint32_t)((id)&MD_FIELD_CODE_MASK))
#define MD_CLASS(id)	 ((uint8_t)(((id) >> 56) & 0x3F))
#define MD_SIZE_CODE(id) ((unsigned)(((id) >> 32) & 0x3))

/* Buffer needs of md_dump_list(): list header, a sequence header, an element. */
#define MD_LIST_HEADER_SIZE 8u
#define MD_SEQ_HEADER_SIZE  8u
#define MD_ELEM_SIZE	    8u
/* The module's minimum adds MAX_ELEMENTS_IN_FIELD (16) as bytes, not elements (sic). */
#define MD_LIST_MIN_SIZE (MD_LIST_HEADER_SIZE + MD_SEQ_HEADER_SIZE + 16u)

enum md_row_index {
#define TDXSIM_FIELD(name, id, n) ROW_##name,
#include "tdxsim/defs/fields.def"
#undef TDXSIM_FIELD
	NUM_ROWS
};

struct md_row {
	uint64_t id;	   /* element 0 as the module's table stores it */
	uint32_t key;	   /* class code << 24 | field code of element 0: the table's sort key */
	uint16_t count;	   /* elements in the row (fields.def) */
	uint8_t per_field; /* elements per field: the module's table has CPUID_CONFIG_VALUES as
			    * 32 fields of 2 elements, every other row 1 ([M155] lookup table) */
};

#define MD_KEY(id) ((uint32_t)MD_CLASS(id) << 24 | MD_CODE(id))

/*
 * The module keeps its table sorted by class, then field code (its "next" order is defined
 * that way, metadata_generic.h), and so does fields.def; tests/test_metadata.c checks it. The
 * lookup relies on it: a binary search instead of the module's linear scan, same answers.
 */
/* Elements of the whole table: the built view holds each once, its index stays half empty. */
enum {
	MD_NUM_ELEMS = 0
#define TDXSIM_FIELD(name, id, n) +(n)
#include "tdxsim/defs/fields.def"
#undef TDXSIM_FIELD
};
_Static_assert(NUM_ROWS <= 256, "tdxsim_md_elem.row is 8 bits");
_Static_assert(MD_NUM_ELEMS <= TDXSIM_MD_MAX_ELEMS && 2 * TDXSIM_MD_MAX_ELEMS <= TDXSIM_MD_INDEX_SLOTS,
	       "tdxsim_md_view holds every element (module.h)");

static const struct md_row rows[NUM_ROWS] = {
#define TDXSIM_FIELD(name, id, n) \
	{UINT64_C(id), MD_KEY(UINT64_C(id)), n, UINT64_C(id) == TDXSIM_MD_CPUID_CONFIG_VALUES ? 2 : 1},
#include "tdxsim/defs/fields.def"
#undef TDXSIM_FIELD
};

/*
 * NUM_HANDOFF_PAGES is what the P-SEAMLDR put into the SYSINFO table (the module checks
 * value + 1 >= the pages its handoff data needs). Assumption: 24, i.e. 25 pages, the size a
 * later module names for "TDX 2.0.12 and earlier" handoff data (TDX_HANDOFF_V0_PAGES).
 */
#define NUM_HANDOFF_PAGES 24

/*
 * ALLOWED_FMS [M15] src/common/helpers/cpuid_fms.{h,c}: entry 0 is the platform's own FMS,
 * then the older generations after its row in this list (newest first), steppings at their
 * latest allowed value. Rows: CWF, GNR-D, GNR-SP, SRF, EMR, SPR.
 */
static const uint32_t known_fms[] = {0xD06D0, 0xA06E0, 0xA06D0, 0xA06F0, 0xC06F2, 0x806F8};
#define FMS_STEPPING_MASK 0xFu

/* Row of the platform's family/model in known_fms, or -1. The platform FMS is package 0's
 * CPUID(1).EAX (the module requires all packages to match). */
static int fms_row(uint32_t platform)
{
	for (unsigned i = 0; i < TDXSIM_ARRAY_SIZE(known_fms); i++)
		if ((platform & ~FMS_STEPPING_MASK) == (known_fms[i] & ~FMS_STEPPING_MASK))
			return (int)i;
	return -1;
}

/* A real module stops with a fatal error on a family/model it does not know; we report just
 * the platform's own entry instead of failing. */
static unsigned num_allowed_fms(uint32_t platform)
{
	int r = fms_row(platform);

	return r < 0 ? 1 : (unsigned)(TDXSIM_ARRAY_SIZE(known_fms) - (unsigned)r);
}

static uint64_t allowed_fms(uint32_t platform, unsigned k)
{
	int r = fms_row(platform);

	if (k >= num_allowed_fms(platform))
		return 0;
	if (k == 0)
		return platform;
	return known_fms[(unsigned)r + k];
}

static uint64_t cpuid_leaf(const struct tdxsim_profile *p, unsigned i)
{
	if (i >= p->num_cpuid_config)
		return MD_NA; /* metadata_sys.c: "no such entry" is all ones */
	return p->cpuid_config[i].leaf | (uint64_t)p->cpuid_config[i].subleaf << 32;
}

static uint64_t cpuid_value(const struct tdxsim_profile *p, unsigned i, unsigned j)
{
	const struct tdxsim_cpuid_config_entry *e;

	if (i >= p->num_cpuid_config)
		return 0; /* no configurable bits */
	e = &p->cpuid_config[i];
	return j == 0 ? e->eax | (uint64_t)e->ebx << 32 : e->ecx | (uint64_t)e->edx << 32;
}

static uint64_t cmr(const struct tdxsim_md_view *v, unsigned k, bool size)
{
	if (!v->cmrs || k >= TDXSIM_MAX_CMRS)
		return 0;
	return size ? v->cmrs[k].size : v->cmrs[k].base;
}

/*
 * Value getters, one per row; @k is the element index within the row. Values: sheet 4.2/4.3
 * and [M155] metadata_sys.c; profile numbers are sourced in profile.c. Constants below are
 * from [M155] unless marked: migration.h, service_td.h, msr_defs.h; the L2 rows from [M156]
 * td_control_structures.h, tdx_api_defs.h and a stored tdx_tdvps.h (commit not pinned).
 */
static uint64_t md_value(const struct tdxsim_md_view *v, unsigned row, unsigned k)
{
	const struct tdxsim_profile *p = v->profile;
	uint32_t platform_fms = v->num_pkgs ? v->pkg_fms[0] : 0;

	switch ((enum md_row_index)row) {
	case ROW_NUM_PKGS:
		return v->num_pkgs;
	case ROW_PKG_FMS:
		return k < v->num_pkgs && k < TDXSIM_MAX_PACKAGES ? v->pkg_fms[k] : 0;
	case ROW_VENDOR_ID:
		return 0x8086;
	case ROW_BUILD_DATE:
		return p->build_date;
	case ROW_BUILD_NUM:
		return p->build_num;
	case ROW_MINOR_VERSION:
		return p->minor;
	case ROW_MAJOR_VERSION:
		return p->major;
	case ROW_UPDATE_VERSION:
		return p->update;
	case ROW_INTERNAL_VERSION:
		return p->internal;
	case ROW_MODULE_HV:
		return p->module_hv;
	case ROW_MIN_UPDATE_HV:
		return p->min_update_hv;
	case ROW_NO_DOWNGRADE:
		return p->no_downgrade;
	case ROW_NUM_HANDOFF_PAGES:
		return NUM_HANDOFF_PAGES;
	/* The handoff header the previous module left: none on a fresh load (assumption: also
	 * after TDH.SYS.UPDATE, which tdxsim does not model through a handoff page). */
	case ROW_HANDOFF_DATA_VALID:
		return 0;
	case ROW_HANDOFF_DATA_HV:
		return 0;
	case ROW_HANDOFF_DATA_SIZE:
		return 0;
	case ROW_SYS_ATTRIBUTES:
		return 0; /* 1.5.05: constant 0 */
	case ROW_NUM_TDX_FEATURES:
		return 1;
	case ROW_TDX_FEATURES0:
		return p->features0;
	case ROW_NUM_CMRS:
		return TDXSIM_MAX_CMRS; /* MAX_CMR, not the count of non-empty CMRs */
	case ROW_CMR_BASE:
		return cmr(v, k, false);
	case ROW_CMR_SIZE:
		return cmr(v, k, true);
	case ROW_MAX_TDMRS:
		return v->max_tdmrs;
	case ROW_MAX_RESERVED_PER_TDMR:
		return v->max_reserved_per_tdmr;
	case ROW_PAMT_4K_ENTRY_SIZE:
		return v->pamt_entry_size[0];
	case ROW_PAMT_2M_ENTRY_SIZE:
		return v->pamt_entry_size[1];
	case ROW_PAMT_1G_ENTRY_SIZE:
		return v->pamt_entry_size[2];
	case ROW_TDR_BASE_SIZE:
		return 4096;
	case ROW_TDCS_BASE_SIZE:
		return p->tdcs_base_size;
	case ROW_TDCS_SIZE_PER_L2_VM:
		return 4096;
	case ROW_TDVPS_BASE_SIZE:
		return p->tdvps_base_size;
	case ROW_TDVPS_SIZE_PER_L2_VM:
		return 3 * 4096;
	case ROW_ATTRIBUTES_FIXED0:
		return p->attributes_fixed0;
	case ROW_ATTRIBUTES_FIXED1:
		return p->attributes_fixed1;
	case ROW_XFAM_FIXED0:
		return p->xfam_fixed0;
	case ROW_XFAM_FIXED1:
		return p->xfam_fixed1;
	case ROW_NUM_CPUID_CONFIG:
		return p->num_cpuid_config;
	case ROW_CONFIG_FLAGS_FIXED0:
		return p->config_flags_fixed0;
	case ROW_CONFIG_FLAGS_FIXED1:
		return p->config_flags_fixed1;
	case ROW_MAX_VCPUS_PER_TD:
		return p->max_vcpus_per_td;
	case ROW_MIN_VIRT_MAXPA:
		return p->min_virt_maxpa;
	case ROW_CPUID_CONFIG_LEAVES:
		return cpuid_leaf(p, k);
	case ROW_CPUID_CONFIG_VALUES:
		return cpuid_value(p, k / 2, k % 2);
	case ROW_IA32_ARCH_CAPABILITIES_CONFIG_MASK:
		return UINT64_C(1) << 4 | UINT64_C(1) << 19 | UINT64_C(1) << 20 | UINT64_C(1) << 24;
	case ROW_NUM_ALLOWED_FMS:
		return num_allowed_fms(platform_fms);
	case ROW_NUM_DISALLOWED_FMS:
		return 0; /* NUM_OF_DISALLOWED_FMS */
	case ROW_ALLOWED_FMS:
		return allowed_fms(platform_fms, k);
	case ROW_DISALLOWED_FMS:
		return 0;
	case ROW_MIG_ATTRIBUTES:
		return 0;
	case ROW_MIN_EXPORT_VERSION:
		return 0; /* 1.5.05 reports 0 for all four */
	case ROW_MAX_EXPORT_VERSION:
		return 0;
	case ROW_MIN_IMPORT_VERSION:
		return 0;
	case ROW_MAX_IMPORT_VERSION:
		return 0;
	case ROW_MAX_MIGS:
		return 512;
	case ROW_NUM_IMMUTABLE_STATE_PAGES:
		return 4;
	case ROW_NUM_TD_STATE_PAGES:
		return 2;
	case ROW_NUM_VP_STATE_PAGES:
		return 5;
	case ROW_MAX_SERV_TDS:
		return 1;
	case ROW_SERVTD_ATTR_FIXED0:
		return UINT64_C(0x000007FF00000001);
	case ROW_SERVTD_ATTR_FIXED1:
		return 0;
	case ROW_GUEST_L2_GPA_ATTR_MASK:
		return 0x807F; /* bits 6:0 and 15 */
	case ROW_VM_CTLS_FIXED0:
		return 0x1;
	case ROW_VM_CTLS_FIXED1:
		return 0;
	case ROW_VCPU_L2_CTLS_FIXED0:
		return 0x3;
	case ROW_VCPU_L2_CTLS_FIXED1:
		return 0;
	case ROW_VCPU_L2_DEBUG_CTLS_FIXED0:
		return 0x7;
	case ROW_VCPU_L2_DEBUG_CTLS_FIXED1:
		return 0;
	case NUM_ROWS:
		break;
	}
	return 0;
}

/* Rows the emulated module's table does not have: the read fails and iteration skips them. */
static bool md_present(const struct tdxsim_profile *p, unsigned row)
{
	if (row == ROW_MAX_VCPUS_PER_TD)
		return p->has_max_vcpus;
	if (row == ROW_MIN_VIRT_MAXPA)
		return p->has_min_virt_maxpa;
	return true;
}

/* First present row at or after @row, or -1. */
static int md_present_from(const struct tdxsim_profile *p, unsigned row)
{
	for (; row < NUM_ROWS; row++)
		if (md_present(p, row))
			return (int)row;
	return -1;
}

static unsigned md_slot_of(uint32_t key)
{
	return (key * UINT32_C(0x9E3779B1)) >> (32 - __builtin_ctz(TDXSIM_MD_INDEX_SLOTS));
}

/* The element of a built view with @key, or NULL: one probe, rarely two. */
static const struct tdxsim_md_elem *md_lookup(const struct tdxsim_md_view *v, uint32_t key)
{
	for (unsigned s = md_slot_of(key);; s = (s + 1) % TDXSIM_MD_INDEX_SLOTS) {
		unsigned i = v->index[s];
		if (!i)
			return NULL;
		if (v->elems[i - 1].key == key)
			return &v->elems[i - 1];
	}
}

/* md_find_entry_idx(): the row holding @id's class and field code, with the element index. */
static int md_find(const struct tdxsim_md_view *v, uint64_t id, unsigned *elem)
{
	const struct tdxsim_profile *p = v->profile;
	uint32_t key = MD_KEY(id);
	const struct md_row *r = rows;
	unsigned n = NUM_ROWS;

	if (v->built) {
		const struct tdxsim_md_elem *e = md_lookup(v, key);
		if (!e)
			return -1;
		*elem = e->elem;
		return e->row;
	}

	/* Branch-free search for the last row whose first key is <= key (rows[0] if none). */
	while (n > 1) {
		unsigned half = n / 2;

		r = r[half].key <= key ? r + half : r;
		n -= half;
	}
	/* Same class (the top byte) and inside the row's elements. */
	if (r->key > key || (r->key ^ key) >> 24 || key - r->key >= r->count ||
	    !md_present(p, (unsigned)(r - rows)))
		return -1;
	*elem = key - r->key;
	return (int)(r - rows);
}

static uint64_t md_size_mask(uint64_t id)
{
	unsigned bytes = 1u << MD_SIZE_CODE(id);

	return bytes == 8 ? MD_NA : (UINT64_C(1) << (8 * bytes)) - 1;
}

/* The id the module's iterator holds for element @k of @row: the stored id, field code + k. */
static uint64_t md_row_id(unsigned row, unsigned k)
{
	return rows[row].id + k; /* field codes of a row never carry out of bits 23:0 */
}

static bool md_is_null(uint64_t id)
{
	return (id | MD_CONTEXT_MASK) == MD_NA;
}

/* tdxsim_md_sys_read() for every id the built view's index does not answer. */
static __attribute__((noinline)) uint64_t md_sys_read_slow(const struct tdxsim_md_view *v, uint64_t field_id,
							   uint64_t *value, uint64_t *next)
{
	const struct tdxsim_profile *p = v->profile;
	unsigned k;
	int row;

	*value = 0;
	*next = MD_NA;
	field_id &= ~MD_CONTEXT_MASK; /* the context is implicitly SYS */
	if (md_is_null(field_id)) {
		row = md_present_from(p, 0);
		*next = row < 0 ? MD_NA : rows[row].id;
		return TDXSIM_TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT;
	}
	if (field_id & MD_SINGLE_MBZ)
		return TDXSIM_TDX_METADATA_FIELD_ID_INCORRECT;
	row = md_find(v, field_id, &k);
	if (row < 0)
		return TDXSIM_TDX_METADATA_FIELD_ID_INCORRECT;

	/* Masked with the row's read mask, which is its element size. */
	*value = md_value(v, (unsigned)row, k) & md_size_mask(rows[row].id);
	if (k + 1u < rows[row].count) {
		*next = field_id + 1; /* field code + 1: never carries, rows end below 2^24 */
	} else {
		row = md_present_from(p, (unsigned)row + 1);
		*next = row < 0 ? MD_NA : rows[row].id;
	}
	return TDXSIM_TDX_SUCCESS;
}

/*
 * The usual read, an existing element of a built view, answered from its index with no call
 * and no register spilled; everything else (-1, reserved bits, absent fields, an unbuilt view)
 * takes md_sys_read_slow(). An id without the "single element" MBZ bits is never -1, and the
 * index holds exactly the present elements, so both paths answer alike (test_metadata.c,
 * built_view__answers_as_the_table__every_profile).
 */
uint64_t tdxsim_md_sys_read(const struct tdxsim_md_view *v, uint64_t field_id, uint64_t *value,
			    uint64_t *next)
{
	uint64_t id = field_id & ~MD_CONTEXT_MASK; /* the context is implicitly SYS */

	if (v->built && !(id & MD_SINGLE_MBZ)) {
		const struct tdxsim_md_elem *e = md_lookup(v, MD_KEY(id));
		if (e) {
			*value = e->value;
			/* Inside the row: the input id, field code + 1 (the caller's size and bit
			 * 63 come back); after its last element: the next present row's id. */
			*next = e->last ? e->next_row : id + 1;
			return TDXSIM_TDX_SUCCESS;
		}
	}
	return md_sys_read_slow(v, field_id, value, next);
}

static void put_u64(uint8_t *buf, uint32_t off, uint64_t val)
{
	memcpy(buf + off, &val, sizeof(val));
}

/*
 * md_dump_list() for the SYS context. Layout (little endian, [M155] metadata_generic.h):
 * list header {u16 list_buff_size (bytes, header included), u16 num_sequences, u32 0}, then
 * sequences back to back: a sequence header (a field id: the first field's stored id with
 * context 0, reserved bits and write-mask bit 0, LAST_ELEMENT_IN_FIELD = elements per field
 * - 1, LAST_FIELD_IN_SEQUENCE = fields - 1), then every element as a u64.
 */
uint64_t tdxsim_md_sys_dump_list(const struct tdxsim_md_view *v, uint64_t start_id, void *buf, uint32_t size,
				 uint64_t *next)
{
	const struct tdxsim_profile *p = v->profile;
	uint8_t *out = buf;
	uint32_t remaining, pos = MD_LIST_HEADER_SIZE, list_size = MD_LIST_HEADER_SIZE;
	uint16_t num_seq = 0;
	bool end = false;
	unsigned k;
	int row;

	*next = MD_NA;
	start_id &= ~MD_CONTEXT_MASK;
	if (size < MD_LIST_MIN_SIZE) {
		*next = start_id;
		return TDXSIM_TDX_METADATA_LIST_OVERFLOW;
	}
	if (md_is_null(start_id)) {
		row = md_present_from(p, 0);
		if (row < 0)
			return TDXSIM_TDX_SUCCESS;
		start_id = rows[row].id;
	}
	/* md_check_field_and_get_entry(): a present row, the first element of a field and the
	 * row's element size; reserved bits are not checked here. */
	row = md_find(v, start_id, &k);
	if (row < 0 || k % rows[row].per_field || MD_SIZE_CODE(start_id) != MD_SIZE_CODE(rows[row].id))
		return TDXSIM_TDX_METADATA_FIELD_ID_INCORRECT;

	remaining = size - MD_LIST_HEADER_SIZE;
	while (remaining >= MD_SEQ_HEADER_SIZE + rows[row].per_field * MD_ELEM_SIZE) {
		const struct md_row *first = &rows[row];
		uint64_t hdr = md_row_id((unsigned)row, k);
		uint32_t hdr_pos = pos, fields = 0, elems = 0;
		bool no_space = true;

		remaining -= MD_SEQ_HEADER_SIZE;
		pos += MD_SEQ_HEADER_SIZE;
		while (remaining >= rows[row].per_field * MD_ELEM_SIZE) {
			const struct md_row *r = &rows[row];
			uint64_t mask = md_size_mask(r->id);
			unsigned prev_row = (unsigned)row, prev_k = k;

			for (unsigned e = 0; e < r->per_field; e++, pos += MD_ELEM_SIZE)
				put_u64(out, pos, md_value(v, (unsigned)row, k + e) & mask);
			remaining -= r->per_field * MD_ELEM_SIZE;
			elems += r->per_field;
			fields++;

			/* Next field; the sequence goes on only while it is the very next field
			 * code of the same class, element count and element size. */
			k += r->per_field;
			if (k >= r->count) {
				row = md_present_from(p, prev_row + 1);
				k = 0;
			}
			if (row < 0) {
				end = true;
				no_space = false;
				break;
			}
			if (rows[row].key + k != r->key + prev_k + r->per_field ||
			    rows[row].per_field != r->per_field ||
			    MD_SIZE_CODE(rows[row].id) != MD_SIZE_CODE(r->id)) {
				no_space = false;
				break;
			}
		}
		hdr &= ~(MD_CONTEXT_MASK | MD_RESERVED_MASK | MD_WRITE_MASK_VALID | MD_LAST_ELEM_MASK |
			 MD_LAST_FIELD_MASK);
		hdr |= (uint64_t)(first->per_field - 1) << MD_LAST_ELEM_SHIFT;
		hdr |= (uint64_t)((fields - 1) & 0x1FF) << MD_LAST_FIELD_SHIFT;
		put_u64(out, hdr_pos, hdr);
		num_seq++;
		list_size += MD_SEQ_HEADER_SIZE + elems * MD_ELEM_SIZE;
		if (no_space || end)
			break;
	}

	uint16_t list_size16 = (uint16_t)list_size;
	uint32_t reserved = 0;

	memcpy(out, &list_size16, sizeof(list_size16));
	memcpy(out + 2, &num_seq, sizeof(num_seq));
	memcpy(out + 4, &reserved, sizeof(reserved));
	if (end)
		return TDXSIM_TDX_SUCCESS;
	/* Page full: more fields remain; R8 names the first one not written. */
	*next = md_row_id((unsigned)row, k);
	return TDXSIM_TDX_METADATA_LIST_OVERFLOW;
}

uint64_t tdxsim_md_sys_read_all(const struct tdxsim_md_view *v, uint64_t start_id, void *page, uint64_t *next)
{
	uint64_t id = start_id & ~MD_CONTEXT_MASK;
	int first = md_present_from(v->profile, 0);

	/* A dump from the first field is the same page every time: built once (view_build). */
	if (v->built && first >= 0 && (md_is_null(id) || id == rows[first].id)) {
		uint16_t list_size;
		memcpy(&list_size, v->rdall_page, sizeof(list_size));
		memcpy(page, v->rdall_page, list_size);
		*next = v->rdall_next;
		return v->rdall_status;
	}
	return tdxsim_md_sys_dump_list(v, start_id, page, TDXSIM_MD_PAGE, next);
}

bool tdxsim_md_view_same_inputs(const struct tdxsim_md_view *a, const struct tdxsim_md_view *b)
{
	return a->profile == b->profile && a->num_pkgs == b->num_pkgs &&
	       !memcmp(a->pkg_fms, b->pkg_fms, sizeof(a->pkg_fms)) && a->cmrs == b->cmrs &&
	       a->max_tdmrs == b->max_tdmrs && a->max_reserved_per_tdmr == b->max_reserved_per_tdmr &&
	       !memcmp(a->pamt_entry_size, b->pamt_entry_size, sizeof(a->pamt_entry_size)) &&
	       a->built == b->built;
}

void tdxsim_md_view_build(struct tdxsim_md_view *v)
{
	const struct tdxsim_profile *p = v->profile;

	v->built = false;
	v->num_elems = 0;
	memset(v->index, 0, sizeof(v->index));
	for (unsigned row = 0; row < NUM_ROWS; row++) {
		if (!md_present(p, row))
			continue;
		int nr = md_present_from(p, row + 1);
		for (unsigned k = 0; k < rows[row].count && v->num_elems < TDXSIM_MD_MAX_ELEMS; k++) {
			struct tdxsim_md_elem *e = &v->elems[v->num_elems++];
			*e = (struct tdxsim_md_elem){
				.key = rows[row].key + k,
				.row = (uint8_t)row,
				.elem = (uint8_t)k,
				.last = k + 1u == rows[row].count,
				.value = md_value(v, row, k) & md_size_mask(rows[row].id),
				.next_row = nr < 0 ? MD_NA : rows[nr].id,
			};
			unsigned s = md_slot_of(e->key);
			while (v->index[s])
				s = (s + 1) % TDXSIM_MD_INDEX_SLOTS;
			v->index[s] = v->num_elems;
		}
	}
	v->built = true;
	memset(v->rdall_page, 0, sizeof(v->rdall_page));
	v->rdall_status = tdxsim_md_sys_dump_list(v, MD_NA, v->rdall_page, TDXSIM_MD_PAGE, &v->rdall_next);
}
