/* SPDX-License-Identifier: MIT */
/*
 * VP metadata: TDH.VP.RD/WR element access over the module's VP tables (vcpu.h, vp_fields.def;
 * td-build.md 3.9). The rules are the module's, traced in [M155] metadata_generic.c
 * (md_check_as_single_element_id, md_find_entry_idx, md_get_next_element_in_context) and
 * metadata_vp.c (md_vp_get_element, md_vp_write_element, md_vp_element_vmcs_wr_handle); the
 * answers were checked against the module oracle.
 */
#include "core/util.h"
#include "guest/apic.h"
#include "seamcall/vcpu.h"
#include "td/td_params.h"

/* Field id layout (tdx-module-abi.md 4.1). */
#define MD_CODE(id)	 ((uint32_t)((id)&0xFFFFFF))
#define MD_CLASS(id)	 ((unsigned)(((id) >> 56) & 0x3F))
#define MD_SIZE_CODE(id) ((unsigned)(((id) >> 32) & 0x3))
#define MD_INC_SIZE(id)	 ((unsigned)(((id) >> 50) & 0x1))
#define MD_CONTEXT_MASK	 (UINT64_C(0x7) << 52)
#define MD_CONTEXT_VP	 (UINT64_C(2) << 52)
#define MD_NA		 (~UINT64_C(0))
/* Reserved bits 31:24, 49:47, 55, 62 and the "last element" / "last field" counts (37:34,
 * 46:38) must be 0 for a single-element access; everything else is ignored. */
#define MD_SINGLE_MBZ                                                                         \
	(UINT64_C(0xFF) << 24 | UINT64_C(0x7) << 47 | UINT64_C(1) << 55 | UINT64_C(1) << 62 | \
	 UINT64_C(0xF) << 34 | UINT64_C(0x1FF) << 38)

#define ATTR_HPA    0x1
#define ATTR_GPA    0x2
#define ATTR_SHARED 0x8

#define VMCS_CLASS	  0u
#define VMCS_HIGH_ACCESS  0x1u	  /* bit 0 of a VMCS encoding: the upper half of a 64-bit field */
#define VEC_INIT	  0xFFFFu /* posted-interrupt vector "not set" (td_vmcs_init.c) */
#define VEC_MAX		  255u
#define PIN_POSTED_INTS	  (UINT64_C(1) << 7)
#define PID_SIZE	  64u /* a posted-interrupt descriptor */
#define MD_L2_ROWS_PER_VM 3u

enum vp_field {
#define TDXSIM_VP_FIELD(name, id, nf, rd, wr, attr, drd, dwr) F_##name,
#include "seamcall/vp_fields.def"
#undef TDXSIM_VP_FIELD
	NUM_VP_FIELDS
};

struct vp_row {
	uint64_t id; /* as stored by the module */
	uint16_t num_fields;
	uint8_t attr;
	uint64_t rd_mask, wr_mask; /* production TD */
	uint64_t dbg_rd, dbg_wr;   /* debug TD (ATTRIBUTES.DEBUG) */
};

static const struct vp_row rows[NUM_VP_FIELDS] = {
#define TDXSIM_VP_FIELD(name, id, nf, rd, wr, at, drd, dwr) \
	{UINT64_C(id), nf, at, (uint64_t)(rd), (uint64_t)(wr), (uint64_t)(drd), (uint64_t)(dwr)},
#include "seamcall/vp_fields.def"
#undef TDXSIM_VP_FIELD
};

/* The VMCS table ends where the first TDVPS row (VAPIC, class 1) starts. */
#define NUM_VMCS_ROWS ((unsigned)F_VAPIC)

/*
 * The host masks for this vCPU's TD: a debug TD's open GPRs, DRs, MSRs and most VMCS guest
 * state ([M155] md_get_rd_wr_mask: the dbg masks when ATTRIBUTES.DEBUG). tdxsim models the
 * full value of every production-readable row (element() below) and the writes of the
 * production-writable bits (store()); what only the debug masks open is answered with
 * TDXSIM_STATUS_NOT_EMULATED instead of a made-up value (docs/fidelity.md).
 */
static bool is_debug(const struct tdxsim_vcpu *v)
{
	return (v->td->tdcs.attributes & TDXSIM_ATTR_DEBUG) != 0;
}

static uint64_t rd_mask(const struct tdxsim_vcpu *v, const struct vp_row *r)
{
	return is_debug(v) ? r->dbg_rd : r->rd_mask;
}

static uint64_t wr_mask(const struct tdxsim_vcpu *v, const struct vp_row *r)
{
	return is_debug(v) ? r->dbg_wr : r->wr_mask;
}

static uint64_t size_mask(const struct vp_row *r)
{
	unsigned bytes = 1u << MD_SIZE_CODE(r->id);
	return bytes == 8 ? ~UINT64_C(0) : (UINT64_C(1) << (8 * bytes)) - 1;
}

/* Rows visible for this TD: the VMCS rows, then the TDVPS rows without those of absent L2 VMs. */
static unsigned visible_rows(const struct tdxsim_vcpu *v)
{
	return NUM_VP_FIELDS - MD_L2_ROWS_PER_VM * (TDXSIM_MAX_L2_VMS - v->td->tdcs.num_l2_vms);
}

/* md_find_entry_idx: class equal, field code inside the row's element range; -1 if none. */
static int find_row(const struct tdxsim_vcpu *v, uint64_t id)
{
	bool vmcs = MD_CLASS(id) == VMCS_CLASS;
	unsigned first = vmcs ? 0 : NUM_VMCS_ROWS, end = vmcs ? NUM_VMCS_ROWS : visible_rows(v);

	for (unsigned i = first; i < end; i++) {
		const struct vp_row *r = &rows[i];
		uint64_t lo = MD_CODE(r->id), hi = lo + (uint64_t)r->num_fields * (MD_INC_SIZE(r->id) + 1);
		if (MD_CLASS(r->id) == MD_CLASS(id) && MD_CODE(id) >= lo && MD_CODE(id) < hi)
			return (int)i;
	}
	return -1;
}

/* The checks shared by read and write, up to the element: format, lookup, VMCS high half.
 * The L2 VMCS classes (0x24, 0x2C, 0x34) have their own module table that tdxsim does not
 * carry: while the VM does not exist their rows are hidden (FIELD_ID_INCORRECT, as the
 * module answers); with L2 VMs they resolve to the TDVPS parent row, which has no host masks
 * (docs/fidelity.md). */
static uint64_t lookup(const struct tdxsim_vcpu *v, uint64_t id, int *row)
{
	if (id & MD_SINGLE_MBZ)
		return TDXSIM_TDX_METADATA_FIELD_ID_INCORRECT;
	*row = find_row(v, id);
	if (*row < 0)
		return TDXSIM_TDX_METADATA_FIELD_ID_INCORRECT;
	if (MD_CLASS(id) == VMCS_CLASS && (MD_CODE(id) & VMCS_HIGH_ACCESS))
		return TDXSIM_TDX_METADATA_FIELD_ID_INCORRECT;
	return 0;
}

/* Current value of a host-readable element (before masking). Fields the module never writes
 * before a guest runs read as what VP.ADDCX's zero fill and td_vmcs_init.c leave there. */
static uint64_t element(const struct tdxsim *sim, const struct tdxsim_vcpu *v, int row, uint32_t code)
{
	const struct tdxsim_td *td = v->td;

	switch ((enum vp_field)row) {
	case F_VMCS_POSTED_INT_VECTOR:
		return v->vmcs_posted_int_vector;
	case F_VMCS_MSR_BITMAP_ADDRESS:
		return tdxsim_vcpu_keyed_pa(sim, td, td->tdcx_pa[2]);
	case F_VMCS_PML_ADDRESS:
	case F_VMCS_EPTP_LIST_ADDRESS:
		return MD_NA; /* NULL_PA until a debug TD enables PML */
	case F_VMCS_TSC_OFFSET:
		return v->vmcs_tsc_offset;
	case F_VMCS_PID_ADDRESS:
		return v->vmcs_pid_addr;
	case F_VMCS_EPTP:
		return v->vmcs_eptp;
	case F_VMCS_TSC_MULTIPLIER:
		return v->vmcs_tsc_multiplier;
	case F_VMCS_SHARED_EPTP:
		return v->vmcs_shared_eptp;
	case F_VMCS_PIN_BASED_CONTROLS:
		return v->vmcs_pin_based;
	case F_VMCS_SECONDARY_CONTROLS:
		return v->vmcs_secondary;
	case F_VMCS_INSTRUCTION_TIMEOUT_CONTROL:
		return v->vmcs_instr_timeout;
	case F_VMCS_TD_HKID:
		return td->hkid;
	case F_VCPU_INDEX:
		return v->vcpu_index;
	case F_NUM_TDVPS_PAGES:
		return v->num_pages;
	case F_ASSOC_LPID:
		return v->assoc_lp;
	case F_VCPU_EPOCH:
		return v->vcpu_epoch;
	case F_CPUID_SUPERVISOR_VE:
		return v->cpuid_supervisor_ve;
	case F_CPUID_USER_VE:
		return v->cpuid_user_ve;
	case F_PEND_NMI:
		return v->pend_nmi;
	case F_XFAM:
		return v->xfam;
	case F_VCPU_STATE_DETAILS:
		return tdxsim_vapic_vmxip(v); /* bit 0 VMXIP, td-runtime.md 3.6 */
	case F_TDVPS_PAGE_PA: {
		uint32_t i = code - MD_CODE(rows[F_TDVPS_PAGE_PA].id);
		return i < v->num_pages ? tdxsim_vcpu_keyed_pa(sim, td, v->page_pa[i]) : 0;
	}
	default:
		/* VM-function controls, PLE gap/window: never written for a TD. Every other row
		 * has a zero host read mask and is refused before its value matters. */
		return 0;
	}
}

uint64_t tdxsim_vp_md_read(const struct tdxsim_call *c, const struct tdxsim_vcpu *v, uint64_t field_id,
			   uint64_t *value)
{
	uint64_t st;
	int row;

	if ((st = lookup(v, field_id, &row)))
		return st;
	const struct vp_row *r = &rows[row];
	uint64_t rd = rd_mask(v, r);
	if (!rd)
		return TDXSIM_TDX_METADATA_FIELD_NOT_READABLE;
	if (!r->rd_mask)
		return TDXSIM_STATUS_NOT_EMULATED; /* readable by a debug host only: value not modeled */
	*value = element(c->sim, v, row, MD_CODE(field_id)) & size_mask(r) & rd;
	return 0;
}

/* shared_hpa_check ([M155] helpers.c): below 2^52, clear of SEAMRR, a shared KeyID. */
static bool shared_hpa_ok(const struct tdxsim *sim, uint64_t pa, uint64_t size)
{
	if (pa >= TDXSIM_MODULE_PA_LIMIT)
		return false;
	if (tdxsim_ranges_overlap(tdxsim_hkid_module_strip(&sim->hkid, pa), size, sim->cfg.seamrr_base,
				  sim->cfg.seamrr_size))
		return false;
	return tdxsim_hkid_module_of_pa(&sim->hkid, pa) < tdxsim_hkid_first_private(&sim->hkid);
}

/* The module's special VMCS write rules (md_vp_element_vmcs_wr_handle); 0 or the status. */
static uint64_t vmcs_special(const struct tdxsim_vcpu *v, int row, uint64_t value)
{
	switch ((enum vp_field)row) {
	case F_VMCS_PIN_BASED_CONTROLS:
		/* Posted interrupts need the vector and the descriptor address written first. */
		if (value & PIN_POSTED_INTS) {
			if ((uint16_t)v->vmcs_posted_int_vector == VEC_INIT)
				return TDXSIM_TDX_TD_VMCS_FIELD_NOT_INITIALIZED |
				       MD_CODE(rows[F_VMCS_POSTED_INT_VECTOR].id);
			if (v->vmcs_pid_addr == MD_NA)
				return TDXSIM_TDX_TD_VMCS_FIELD_NOT_INITIALIZED |
				       MD_CODE(rows[F_VMCS_PID_ADDRESS].id);
		}
		return 0;
	case F_VMCS_POSTED_INT_VECTOR:
		return value > VEC_MAX ? TDXSIM_TDX_METADATA_FIELD_VALUE_NOT_VALID : 0;
	default:
		/* Secondary controls: bits 31:30 are checked against IA32_VMX_PROCBASED_CTLS2, which
		 * allows both on every CPU model tdxsim has (docs/fidelity.md). */
		return 0;
	}
}

static void store(struct tdxsim_vcpu *v, int row, uint64_t value)
{
	switch ((enum vp_field)row) {
	case F_VMCS_POSTED_INT_VECTOR:
		v->vmcs_posted_int_vector = value;
		break;
	case F_VMCS_PID_ADDRESS:
		v->vmcs_pid_addr = value;
		break;
	case F_VMCS_SHARED_EPTP:
		v->vmcs_shared_eptp = value;
		break;
	case F_VMCS_PIN_BASED_CONTROLS:
		v->vmcs_pin_based = value;
		break;
	case F_VMCS_SECONDARY_CONTROLS:
		v->vmcs_secondary = value;
		break;
	case F_VMCS_INSTRUCTION_TIMEOUT_CONTROL:
		v->vmcs_instr_timeout = value;
		break;
	case F_PEND_NMI:
		v->pend_nmi = value;
		break;
	default:
		break; /* no other row has a production host write mask */
	}
}

uint64_t tdxsim_vp_md_write(const struct tdxsim_call *c, struct tdxsim_vcpu *v, uint64_t field_id,
			    uint64_t value, uint64_t mask, uint64_t *old)
{
	uint64_t st;
	int row;

	if ((st = lookup(v, field_id, &row)))
		return st;
	const struct vp_row *r = &rows[row];
	uint64_t allowed = wr_mask(v, r), wr = allowed & mask;
	if (!wr)
		return TDXSIM_TDX_METADATA_FIELD_NOT_WRITABLE;
	/* Bits only a debug host may write (guest state, the module's checks against the CPU's
	 * VMX capability MSRs): not modeled. */
	if (wr & ~r->wr_mask)
		return TDXSIM_STATUS_NOT_EMULATED;
	uint64_t cur = element(c->sim, v, row, MD_CODE(field_id)) & size_mask(r);
	/* A write of the whole element starts from 0; a partial one keeps the other bits. */
	uint64_t base = wr == size_mask(r) ? 0 : cur;
	/* An address field still at its initial NULL_PA (-1) keeps none of the -1's bits. */
	if ((r->attr & (ATTR_HPA | ATTR_GPA)) && base == MD_NA)
		base &= allowed;
	/* Bits the caller asks to write but the field does not allow must not change. */
	uint64_t forbidden = mask & ~allowed;
	if ((base & forbidden) != (value & forbidden))
		return TDXSIM_TDX_METADATA_FIELD_VALUE_NOT_VALID;
	uint64_t nv = (base & ~wr) | (value & wr);
	if ((r->attr & ATTR_HPA) && (r->attr & ATTR_SHARED) &&
	    !shared_hpa_ok(c->sim, nv, row == F_VMCS_PID_ADDRESS ? PID_SIZE : TDXSIM_4K))
		return TDXSIM_TDX_METADATA_FIELD_VALUE_NOT_VALID;
	if ((st = vmcs_special(v, row, nv)))
		return st;
	store(v, row, nv);
	*old = cur & rd_mask(v, r);
	return 0;
}

bool tdxsim_vp_md_is_null(uint64_t field_id)
{
	return (field_id | MD_CONTEXT_MASK) == MD_NA;
}

uint64_t tdxsim_vp_md_next(const struct tdxsim_vcpu *v, uint64_t field_id)
{
	unsigned n = visible_rows(v), i = 0;

	if (!tdxsim_vp_md_is_null(field_id)) {
		int row = find_row(v, field_id);
		if (row < 0)
			return MD_NA;
		const struct vp_row *r = &rows[row];
		uint32_t stride = MD_INC_SIZE(r->id) + 1;
		uint32_t elem = (MD_CODE(field_id) - MD_CODE(r->id)) / stride;
		/* Another element of the same row: the caller's id, context VP, code + stride. */
		if (elem + 1u < r->num_fields)
			return ((field_id & ~MD_CONTEXT_MASK) | MD_CONTEXT_VP) + stride;
		i = (unsigned)row + 1;
	}
	/* The next row with a host read mask, as the module stores its id. The L2 VMCS parent
	 * rows would lead into the L2 VMCS table, which tdxsim does not carry (docs/fidelity.md). */
	for (; i < n; i++)
		if (rd_mask(v, &rows[i]))
			return rows[i].id;
	return MD_NA;
}
