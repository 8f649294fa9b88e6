/* SPDX-License-Identifier: MIT */
/*
 * TD-scope metadata (td-build.md 3.5). The table lists the module's TDR/TDCS fields in its
 * lookup order with the ids, element counts and host masks of the 1.5.05 module [M155]
 * auto_gen/tdr_tdcs_fields_lookup.c (facts only): all 85 entries, so a production TD answers
 * FIELD_NOT_READABLE for the debug-only ones (virtual VMX MSRs, migration keys, MSR bitmaps,
 * secure-EPT roots) as the module does, and a debug TD (ATTRIBUTES.DEBUG) reads them with the
 * debug masks. The L2 secure-EPT roots exist only for the TD's L2 VMs (metadata_td.c
 * md_td_get_element). Values tdxsim does not model (virtual VMX controls derived from the
 * platform's VMX capabilities, IA32_ARCH_CAPABILITIES) answer
 * TDXSIM_STATUS_NOT_EMULATED to a debug TD rather than a made-up value (docs/fidelity.md).
 */
#include <string.h>

#include "td/cpuid_config.h"
#include "td/msr_bitmap.h"
#include "td/td_fields.h"
#include "sept/sept.h"
#include "td/td_params.h"
#include "tdxsim/abi_constants.h"

enum kind {
	K_ZERO, /* a field tdxsim does not model: reads 0 (migration, service TDs) */
	K_FATAL,
	K_NUM_TDCX,
	K_CHLDCNT,
	K_LIFECYCLE,
	K_TDCX_PA,
	K_TD_UUID,
	K_HKID,
	K_PKG_CONFIG_BITMAP,
	K_HANDOFF_VERSION,
	K_SEAMDB_INDEX,
	K_NUM_VCPUS,
	K_NUM_ASSOC_VCPUS,
	K_OP_STATE,
	K_NUM_L2_VMS,
	K_ATTRIBUTES,
	K_XFAM,
	K_MAX_VCPUS,
	K_GPAW,
	K_EPTP,
	K_TSC_OFFSET,
	K_TSC_MULTIPLIER,
	K_TSC_FREQUENCY,
	K_NUM_CPUID_VALUES,
	K_XBUFF_SIZE,
	K_XBUFF_OFFSETS,
	K_NOTIFY_ENABLES,
	K_HP_LOCK_TIMEOUT,
	K_VM_CTLS,
	K_CONFIG_FLAGS,
	K_TD_CTLS,
	K_TOPOLOGY_ENUM,
	K_CPUID_VALID,
	K_TD_EPOCH,
	K_REFCOUNT,
	K_MRTD,
	K_MRCONFIGID,
	K_MROWNER,
	K_MROWNERCONFIG,
	K_RTMR,
	K_CPUID_VALUES,
	K_X2APIC_IDS,
	K_VMX_BASIC,
	K_VMX_MISC,
	K_VMX_CR0_FIXED0,
	K_VMX_CR0_FIXED1,
	K_MIG_ENC_KEY,
	K_SEPT_ROOT,
	K_L2_SEPT_ROOT,
	K_MSR_BITMAPS,
	K_UNMODELED, /* debug-readable, value not modeled: TDXSIM_STATUS_NOT_EMULATED */
};

/*
 * The virtual VMX capability MSRs MNG.INIT computes from constants alone ([M155]
 * common/helpers/virt_msr_helpers.h; values oracle-checked): IA32_VMX_BASIC with bits 54 (INS/OUTS
 * exit information), 55 (TRUE controls) and 56 (entry without error code); IA32_VMX_MISC with
 * bit 5 (LMA store), 6-7 (HLT and shutdown activity), 14 (PT in VMX), 18 (4 CR3 targets), 29
 * (VMWRITE to any field) and 30 (zero-length injection); CR0 fixed bits from the L2 guest CR0
 * initial value (NE) and its variable bits (PE, MP, EM, TS, ET, NE, WP, AM, PG).
 */
#define VIRT_VMX_BASIC	     UINT64_C(0x01C0000000000000)
#define VIRT_VMX_MISC	     UINT64_C(0x600440E0)
#define VIRT_VMX_CR0_FIXED0  UINT64_C(0x20)
#define VIRT_VMX_CR0_FIXED1  UINT64_C(0x8005003F)
#define L2_SEPT_ROOT_CLASS_1 0x25u /* L2 VM n's root: class 0x25 + 4 * (n - 1) */

#define ALL	      UINT64_C(0xFFFFFFFFFFFFFFFF)
#define M8	      UINT64_C(0xFF)
#define M16	      UINT64_C(0xFFFF)
#define M32	      UINT64_C(0xFFFFFFFF)
#define CPUID_CLASS   0x14u
#define CPUID_BASE_ID UINT64_C(0x9410000300000000)

/* {name, id, fields, elements, production rd / wr, debug rd / wr, accessor}. */
const struct tdxsim_td_field tdxsim_td_fields[] = {
	{"FATAL", 0x8010000000000001, 1, 1, M8, 0, M8, 0, K_FATAL},
	{"NUM_TDCX", 0x8010000200000002, 1, 1, M32, 0, M32, 0, K_NUM_TDCX},
	{"CHLDCNT", 0x8010000300000004, 1, 1, ALL, 0, ALL, 0, K_CHLDCNT},
	{"LIFECYCLE_STATE", 0x8010000200000005, 1, 1, M32, 0, M32, 0, K_LIFECYCLE},
	{"TDCX_PA", 0x8010000300000010, 9, 1, ALL, 0, ALL, 0, K_TDCX_PA},
	{"TD_UUID", 0x8010000300000020, 1, 4, ALL, 0, ALL, 0, K_TD_UUID},
	{"HKID", 0x8110000100000001, 1, 1, M16, 0, M16, 0, K_HKID},
	{"PKG_CONFIG_BITMAP", 0x8110000300000002, 1, 1, ALL, 0, ALL, 0, K_PKG_CONFIG_BITMAP},
	{"HANDOFF_VERSION", 0x8210000100000000, 1, 1, M16, 0, M16, 0, K_HANDOFF_VERSION},
	{"SEAMDB_INDEX", 0x8210000300000001, 1, 1, ALL, 0, ALL, 0, K_SEAMDB_INDEX},
	{"SEAMDB_NONCE", 0x8210000300000002, 1, 4, 0, 0, 0, 0, K_ZERO},
	{"NUM_VCPUS", 0x9010000200000001, 1, 1, M32, 0, M32, 0, K_NUM_VCPUS},
	{"NUM_ASSOC_VCPUS", 0x9010000200000002, 1, 1, M32, 0, M32, 0, K_NUM_ASSOC_VCPUS},
	{"OP_STATE", 0x9010000200000004, 1, 1, M32, 0, M32, 0, K_OP_STATE},
	{"NUM_L2_VMS", 0x9010000100000005, 1, 1, M16, 0, M16, 0, K_NUM_L2_VMS},
	{"ATTRIBUTES", 0x1110000300000000, 1, 1, ALL, 0, ALL, 0, K_ATTRIBUTES},
	{"XFAM", 0x1110000300000001, 1, 1, ALL, 0, ALL, 0, K_XFAM},
	{"MAX_VCPUS", 0x1110000200000002, 1, 1, M32, 0, M32, 0, K_MAX_VCPUS},
	{"GPAW", 0x1110000000000003, 1, 1, M8, 0, M8, 0, K_GPAW},
	{"EPTP", 0x1110000300000004, 1, 1, ALL, 0, ALL, 0, K_EPTP},
	{"TSC_OFFSET", 0x111000030000000A, 1, 1, ALL, 0, ALL, 0, K_TSC_OFFSET},
	{"TSC_MULTIPLIER", 0x111000030000000B, 1, 1, ALL, 0, ALL, 0, K_TSC_MULTIPLIER},
	{"TSC_FREQUENCY", 0x111000010000000C, 1, 1, M16, 0, M16, 0, K_TSC_FREQUENCY},
	{"VIRTUAL_TSC", 0x111000030000000D, 1, 1, 0, 0, 0, 0, K_ZERO},
	{"NUM_CPUID_VALUES", 0x911000010000000E, 1, 1, M16, 0, M16, 0, K_NUM_CPUID_VALUES},
	{"XBUFF_SIZE", 0x911000020000000F, 1, 1, M32, 0, M32, 0, K_XBUFF_SIZE},
	{"NOTIFY_ENABLES", 0x9110000300000010, 1, 1, 0, 0, ALL, 1, K_NOTIFY_ENABLES},
	{"HP_LOCK_TIMEOUT", 0x9110000300000011, 1, 1, ALL, ALL, ALL, ALL, K_HP_LOCK_TIMEOUT},
	{"VM_CTLS", 0x9110000300000012, 4, 1, ALL, 1, ALL, 1, K_VM_CTLS},
	{"CONFIG_FLAGS", 0x9110000300000016, 1, 1, ALL, 0, ALL, 0, K_CONFIG_FLAGS},
	{"TD_CTLS", 0x9110000300000017, 1, 1, 0, 0, ALL, 0, K_TD_CTLS},
	{"TOPOLOGY_ENUM_CONFIGURED", 0x9110000000000019, 1, 1, M8, 0, M8, 0, K_TOPOLOGY_ENUM},
	{"CPUID_VALID", 0x9110000000000080, 80, 1, 0, 0, M8, 0, K_CPUID_VALID},
	{"XBUFF_OFFSETS", 0x9110000200000800, 19, 1, M32, 0, M32, 0, K_XBUFF_OFFSETS},
	{"TD_EPOCH", 0x9210000300000000, 1, 1, ALL, 0, ALL, 0, K_TD_EPOCH},
	{"REFCOUNT", 0x9210000100000001, 2, 1, M16, 0, M16, 0, K_REFCOUNT},
	{"MRTD", 0x1310000300000000, 1, 6, ALL, 0, ALL, 0, K_MRTD},
	{"MRCONFIGID", 0x1310000300000010, 1, 6, ALL, 0, ALL, 0, K_MRCONFIGID},
	{"MROWNER", 0x1310000300000018, 1, 6, ALL, 0, ALL, 0, K_MROWNER},
	{"MROWNERCONFIG", 0x1310000300000020, 1, 6, ALL, 0, ALL, 0, K_MROWNERCONFIG},
	{"RTMR", 0x1310000300000040, 4, 6, 0, 0, ALL, 0, K_RTMR},
	{"CPUID_VALUES", CPUID_BASE_ID, 80, 2, ALL, 0, ALL, 0, K_CPUID_VALUES},
	{"VIRTUAL_IA32_ARCH_CAPABILITIES", 0x961000030000010A, 1, 1, 0, 0, ALL, 0, K_UNMODELED},
	{"VIRTUAL_IA32_VMX_BASIC", 0x9610000300000480, 1, 1, 0, 0, ALL, 0, K_VMX_BASIC},
	{"VIRTUAL_IA32_VMX_MISC", 0x9610000300000485, 1, 1, 0, 0, ALL, 0, K_VMX_MISC},
	{"VIRTUAL_IA32_VMX_CR0_FIXED0", 0x9610000300000486, 1, 1, 0, 0, ALL, 0, K_VMX_CR0_FIXED0},
	{"VIRTUAL_IA32_VMX_CR0_FIXED1", 0x9610000300000487, 1, 1, 0, 0, ALL, 0, K_VMX_CR0_FIXED1},
	{"VIRTUAL_IA32_VMX_CR4_FIXED0", 0x9610000300000488, 1, 1, 0, 0, ALL, 0, K_UNMODELED},
	{"VIRTUAL_IA32_VMX_CR4_FIXED1", 0x9610000300000489, 1, 1, 0, 0, ALL, 0, K_UNMODELED},
	{"VIRTUAL_IA32_VMX_PROCBASED_CTLS2", 0x961000030000048B, 1, 1, 0, 0, ALL, 0, K_UNMODELED},
	{"VIRTUAL_IA32_VMX_EPT_VPID_CAP", 0x961000030000048C, 1, 1, 0, 0, ALL, 0, K_UNMODELED},
	{"VIRTUAL_IA32_VMX_TRUE_PINBASED_CTLS", 0x961000030000048D, 1, 1, 0, 0, ALL, 0, K_UNMODELED},
	{"VIRTUAL_IA32_VMX_TRUE_PROCBASED_CTLS", 0x961000030000048E, 1, 1, 0, 0, ALL, 0, K_UNMODELED},
	{"VIRTUAL_IA32_VMX_TRUE_EXIT_CTLS", 0x961000030000048F, 1, 1, 0, 0, ALL, 0, K_UNMODELED},
	{"VIRTUAL_IA32_VMX_TRUE_ENTRY_CTLS", 0x9610000300000490, 1, 1, 0, 0, ALL, 0, K_UNMODELED},
	{"VIRTUAL_IA32_VMX_VMFUNC", 0x9610000300000491, 1, 1, 0, 0, ALL, 0, K_ZERO},
	{"VIRTUAL_IA32_VMX_PROCBASED_CTLS3", 0x9610000300000492, 1, 1, 0, 0, ALL, 0, K_UNMODELED},
	{"VIRTUAL_IA32_VMX_EXIT_CTLS2", 0x9610000300000493, 1, 1, 0, 0, ALL, 0, K_ZERO},
	{"MIG_DEC_KEY_SET", 0x9810000000000001, 1, 1, M8, 0, M8, 0, K_ZERO},
	{"EXPORT_COUNT", 0x9810000200000002, 1, 1, M32, 0, M32, 0, K_ZERO},
	{"IMPORT_COUNT", 0x9810000200000003, 1, 1, M32, 0, M32, 0, K_ZERO},
	{"MIG_EPOCH", 0x9810000200000004, 1, 1, M32, 0, M32, 0, K_ZERO},
	{"BW_EPOCH", 0x9810000300000005, 1, 1, ALL, 0, ALL, 0, K_ZERO},
	{"TOTAL_MB_COUNT", 0x9810000300000006, 1, 1, ALL, 0, ALL, 0, K_ZERO},
	/* Migration keys: the decryption and working keys stay 0 without a migration session. */
	{"MIG_DEC_KEY", 0x9810000300000010, 1, 4, 0, 0, ALL, 0, K_ZERO},
	{"MIG_DEC_WORKING_KEY", 0x9810000300000014, 1, 4, 0, 0, ALL, 0, K_ZERO},
	{"MIG_ENC_KEY", 0x9810000300000018, 1, 4, 0, 0, ALL, 0, K_MIG_ENC_KEY},
	{"MIG_ENC_WORKING_KEY", 0x981000030000001C, 1, 4, 0, 0, ALL, 0, K_ZERO},
	{"MIG_VERSION", 0x9810000100000020, 1, 1, M16, 0, M16, 0, K_ZERO},
	{"MIG_WORKING_VERSION", 0x9810000100000021, 1, 1, M16, 0, M16, 0, K_ZERO},
	{"DIRTY_COUNT", 0x9810000300000030, 1, 1, ALL, 0, ALL, 0, K_ZERO},
	{"MIG_COUNT", 0x9810000300000031, 1, 1, ALL, 0, ALL, 0, K_ZERO},
	{"NUM_MIGS", 0x9810000100000032, 1, 1, M16, 0, M16, 0, K_ZERO},
	{"NUM_MIGRATED_VCPUS", 0x9810000200000034, 1, 1, M32, 0, M32, 0, K_ZERO},
	{"PRE_IMPORT_UUID", 0x9810000300000040, 1, 4, ALL, 0, ALL, 0, K_ZERO},
	{"SERVTD_HASH", 0x9910000300000000, 1, 6, ALL, 0, ALL, 0, K_ZERO},
	{"SERVTD_NUM", 0x9910000100000006, 1, 1, M16, 0, M16, 0, K_ZERO},
	{"SERVTD_BINDINGS_TABLE", 0x9910000300000080, 1, 16, ALL, 0, ALL, 0, K_ZERO},
	{"MIGSC_LINKS", 0x9A10000300000000, 512, 1, ALL, 0, ALL, 0, K_ZERO},
	{"X2APIC_IDS", 0x9C10000200000000, 576, 1, M32, 0, M32, 0, K_X2APIC_IDS},
	{"MSR_BITMAPS", 0x2010000300000000, 512, 1, 0, 0, ALL, 0, K_MSR_BITMAPS},
	{"SEPT_ROOT", 0x2110000300000000, 512, 1, 0, 0, ALL, 0, K_SEPT_ROOT},
	/* An L2 VM's root page is filled with the L2 FREE entry, 0 (MNG.ADDCX; oracle-checked). */
	{"L2_SEPT_ROOT_1", 0x2510000300000000, 512, 1, 0, 0, ALL, 0, K_L2_SEPT_ROOT},
	{"L2_SEPT_ROOT_2", 0x2910000300000000, 512, 1, 0, 0, ALL, 0, K_L2_SEPT_ROOT},
	{"L2_SEPT_ROOT_3", 0x2D10000300000000, 512, 1, 0, 0, ALL, 0, K_L2_SEPT_ROOT},
};
const unsigned tdxsim_num_td_fields = sizeof(tdxsim_td_fields) / sizeof(tdxsim_td_fields[0]);

#define CLASS(id)      (((id) >> 56) & 0x3F)
#define FIELD_CODE(id) ((uint32_t)(id)&0xFFFFFF)
#define CONTEXT_MASK   (UINT64_C(7) << 52)

bool tdxsim_md_td_id_ok(uint64_t id)
{
	return !((id >> 24) & 0xFF) && !((id >> 34) & 0xF) && !((id >> 38) & 0x1FF) && !((id >> 47) & 7) &&
	       !((id >> 55) & 1) && !((id >> 62) & 1);
}

/* CPUID_VALUES field code (tdx-module-abi.md 11.6): bit 16 leaf bit 31, 15:9 leaf 6:0, bit 8
 * "no sub-leaf", 7:1 sub-leaf 6:0, bit 0 element; bits 23:17 reserved. */
static uint32_t cpuid_code(int lookup, uint32_t element)
{
	const struct tdxsim_cpuid_entry *e = &tdxsim_cpuid_table[lookup];
	uint32_t na = e->subleaf == TDXSIM_CPUID_NO_SUBLEAF ? 1u << 8 : 0;
	/* Without a sub-leaf the module still copies its low bits: 7:1 all ones (oracle-checked). */
	return (e->leaf >> 31) << 16 | (e->leaf & 0x7F) << 9 | na | (e->subleaf & 0x7F) << 1 | element;
}

static bool cpuid_readable(const struct tdxsim_md_td_ctx *c, int lookup)
{
	return !tdxsim_cpuid_table[lookup].faulting && c->td->tdcs.cpuid_valid[lookup];
}

/* An L2 VM's secure-EPT root exists only when the TD has that VM: otherwise the module answers
 * FIELD_ID_INCORRECT, before any mask is looked at, and iteration skips it. */
static bool l2_hidden(const struct tdxsim_md_td_ctx *c, const struct tdxsim_td_field *f)
{
	return f->kind == K_L2_SEPT_ROOT &&
	       c->td->tdcs.num_l2_vms < (CLASS(f->id) - L2_SEPT_ROOT_CLASS_1) / 4 + 1;
}

uint64_t tdxsim_md_td_find(const struct tdxsim_md_td_ctx *c, uint64_t id, const struct tdxsim_td_field **f,
			   uint32_t *elem)
{
	uint32_t code = FIELD_CODE(id);
	for (unsigned i = 0; i < tdxsim_num_td_fields; i++) {
		const struct tdxsim_td_field *t = &tdxsim_td_fields[i];
		if (CLASS(t->id) != CLASS(id))
			continue;
		if (CLASS(id) == CPUID_CLASS) {
			if (code >> 17)
				return TDXSIM_TDX_METADATA_FIELD_ID_INCORRECT;
			uint32_t leaf = (code >> 16 & 1) << 31 | (code >> 9 & 0x7F);
			uint32_t sub = (code >> 8 & 1) ? TDXSIM_CPUID_NO_SUBLEAF : (code >> 1 & 0x7F);
			int k = tdxsim_cpuid_lookup(leaf, sub);
			if (k < 0)
				return TDXSIM_TDX_METADATA_FIELD_ID_INCORRECT;
			if (!cpuid_readable(c, k))
				return TDXSIM_TDX_METADATA_FIELD_NOT_READABLE;
			*f = t;
			*elem = (uint32_t)k * 2 + (code & 1);
			return 0;
		}
		uint32_t base = FIELD_CODE(t->id), n = (uint32_t)t->num_fields * t->num_elem;
		if (code >= base && code < base + n) {
			if (l2_hidden(c, t))
				return TDXSIM_TDX_METADATA_FIELD_ID_INCORRECT;
			*f = t;
			*elem = code - base;
			return 0;
		}
	}
	return TDXSIM_TDX_METADATA_FIELD_ID_INCORRECT;
}

static uint64_t bytes64(const uint8_t *p, uint32_t elem)
{
	uint64_t v;
	memcpy(&v, p + 8 * elem, sizeof(v));
	return v;
}

uint64_t tdxsim_md_td_get(const struct tdxsim_md_td_ctx *c, const struct tdxsim_td_field *f, uint32_t elem)
{
	const struct tdxsim_td *td = c->td;
	const struct tdxsim_tdcs *s = &td->tdcs;

	switch ((enum kind)f->kind) {
	case K_ZERO:
		return 0;
	case K_FATAL:
		return td->fatal;
	case K_NUM_TDCX:
		return td->num_tdcx;
	case K_CHLDCNT:
		return td->chldcnt;
	case K_LIFECYCLE:
		return td->lifecycle;
	case K_TDCX_PA: /* with the TD's HKID in the KeyID bits, as the TDR holds them */
		return elem < td->num_tdcx ? td->tdcx_pa[elem] | (uint64_t)td->hkid << c->keyid_shift : 0;
	case K_TD_UUID:
		return bytes64(td->td_uuid, elem);
	case K_HKID:
		return td->hkid;
	case K_PKG_CONFIG_BITMAP:
		return td->pkg_config_bitmap;
	case K_HANDOFF_VERSION:
		return td->handoff_version;
	case K_SEAMDB_INDEX:
		return td->seamdb_index;
	case K_NUM_VCPUS:
		return s->num_vcpus;
	case K_NUM_ASSOC_VCPUS:
		return s->num_assoc_vcpus;
	case K_OP_STATE:
		return s->op_state;
	case K_NUM_L2_VMS:
		return s->num_l2_vms;
	case K_ATTRIBUTES:
		return s->attributes;
	case K_XFAM:
		return s->xfam;
	case K_MAX_VCPUS:
		return s->max_vcpus;
	case K_GPAW:
		return s->gpaw;
	case K_EPTP:
		return s->eptp;
	case K_TSC_OFFSET:
		return s->tsc_offset;
	case K_TSC_MULTIPLIER:
		return s->tsc_multiplier;
	case K_TSC_FREQUENCY:
		return s->tsc_frequency;
	case K_NUM_CPUID_VALUES:
		return TDXSIM_NUM_CPUID_LEAVES;
	case K_XBUFF_SIZE:
		return s->xbuff_size;
	case K_XBUFF_OFFSETS:
		return s->xbuff_offsets[elem];
	case K_NOTIFY_ENABLES:
		return s->notify_enables;
	case K_HP_LOCK_TIMEOUT: /* stored in TSC ticks, shown in microseconds */
		return s->hp_lock_timeout * 1000000u / TDXSIM_NATIVE_TSC_HZ;
	case K_VM_CTLS:
		return s->vm_ctls[elem];
	case K_CONFIG_FLAGS:
		return s->config_flags;
	case K_TD_CTLS:
		return s->td_ctls;
	case K_TOPOLOGY_ENUM:
		return s->topology_enum_configured;
	case K_CPUID_VALID:
		return elem < TDXSIM_NUM_CPUID_LEAVES && s->cpuid_valid[elem];
	case K_TD_EPOCH:
		return s->td_epoch;
	case K_REFCOUNT:
		return s->refcount[elem];
	case K_MRTD:
		return bytes64(s->mrtd, elem);
	case K_MRCONFIGID:
		return bytes64(s->mrconfigid, elem);
	case K_MROWNER:
		return bytes64(s->mrowner, elem);
	case K_MROWNERCONFIG:
		return bytes64(s->mrownerconfig, elem);
	case K_RTMR:
		return bytes64(s->rtmr[elem / 6], elem % 6);
	case K_CPUID_VALUES: {
		const uint32_t *v = s->cpuid_values[elem / 2];
		return elem & 1 ? v[2] | (uint64_t)v[3] << 32 : v[0] | (uint64_t)v[1] << 32;
	}
	case K_X2APIC_IDS:
		return s->x2apic_ids[elem];
	case K_VMX_BASIC:
		return VIRT_VMX_BASIC;
	case K_VMX_MISC:
		return VIRT_VMX_MISC;
	case K_VMX_CR0_FIXED0:
		return VIRT_VMX_CR0_FIXED0;
	case K_VMX_CR0_FIXED1:
		return VIRT_VMX_CR0_FIXED1;
	case K_MIG_ENC_KEY:
		return bytes64(s->mig_enc_key, elem);
	case K_SEPT_ROOT: {
		const struct tdxsim_sept_table *t =
			td->sept ? tdxsim_sept_table_get(td->sept, td->sept->root_pa) : NULL;
		return t ? t->e[elem] : TDXSIM_SEPTE_FREE_VALUE;
	}
	case K_MSR_BITMAPS:
		return tdxsim_td_msr_bitmap_qword(s, elem);
	case K_L2_SEPT_ROOT:
	case K_UNMODELED:
		return 0;
	}
	return 0;
}

void tdxsim_md_td_masks(const struct tdxsim_md_td_ctx *c, const struct tdxsim_td_field *f, uint64_t *rd,
			uint64_t *wr)
{
	*rd = c->debug ? f->dbg_rd : f->prod_rd;
	*wr = c->debug ? f->dbg_wr : f->prod_wr;
}

#define HP_LOCK_TIMEOUT_MIN_US 10000u
#define HP_LOCK_TIMEOUT_MAX_US 100000000u

uint64_t tdxsim_md_td_write(const struct tdxsim_md_td_ctx *c, const struct tdxsim_td_field *f, uint32_t elem,
			    uint64_t value, uint64_t req_mask, uint64_t *old)
{
	uint64_t rd, wr, cur = tdxsim_md_td_get(c, f, elem);
	tdxsim_md_td_masks(c, f, &rd, &wr);
	uint64_t combined = wr & req_mask;
	struct tdxsim_tdcs *s = &c->td->tdcs;

	if (!combined)
		return TDXSIM_TDX_METADATA_FIELD_NOT_WRITABLE;
	if ((cur ^ value) & req_mask & ~wr)
		return TDXSIM_TDX_METADATA_FIELD_VALUE_NOT_VALID;
	uint64_t v = (cur & ~combined) | (value & combined);
	switch ((enum kind)f->kind) {
	case K_HP_LOCK_TIMEOUT:
		if (combined != ALL)
			return TDXSIM_TDX_METADATA_WR_MASK_NOT_VALID;
		if (v < HP_LOCK_TIMEOUT_MIN_US || v > HP_LOCK_TIMEOUT_MAX_US)
			return TDXSIM_TDX_METADATA_FIELD_VALUE_NOT_VALID;
		/* The module keeps the tick count as a u32 (metadata_td.c): long timeouts wrap. */
		s->hp_lock_timeout = (uint32_t)(v * TDXSIM_NATIVE_TSC_HZ / 1000000u);
		break;
	case K_VM_CTLS:
		s->vm_ctls[elem] = v;
		break;
	case K_NOTIFY_ENABLES:
		s->notify_enables = v;
		break;
	default:
		return TDXSIM_TDX_METADATA_FIELD_NOT_WRITABLE; /* no other field has a write mask */
	}
	*old = cur & rd;
	return 0;
}

bool tdxsim_md_td_modeled(const struct tdxsim_td_field *f)
{
	return f->kind != K_UNMODELED;
}

static bool accessible(const struct tdxsim_md_td_ctx *c, const struct tdxsim_td_field *f)
{
	uint64_t rd, wr;
	tdxsim_md_td_masks(c, f, &rd, &wr);
	return rd != 0 && !l2_hidden(c, f);
}

/* The first readable element at or after table entry @i; TDXSIM_MD_NONE if none. */
static uint64_t first_from(const struct tdxsim_md_td_ctx *c, unsigned i, int cpuid_from)
{
	for (; i < tdxsim_num_td_fields; i++, cpuid_from = 0) {
		const struct tdxsim_td_field *f = &tdxsim_td_fields[i];
		if (!accessible(c, f))
			continue;
		if (f->kind != K_CPUID_VALUES)
			return f->id;
		/* Every table entry in turn, faulting ones included: reading those then fails with
		 * NOT_READABLE (oracle-checked). */
		if (cpuid_from < TDXSIM_NUM_CPUID_LEAVES)
			return CPUID_BASE_ID | cpuid_code(cpuid_from, 0);
	}
	return TDXSIM_MD_NONE;
}

uint64_t tdxsim_md_td_next(const struct tdxsim_md_td_ctx *c, uint64_t id, const struct tdxsim_td_field *f,
			   uint32_t elem)
{
	if ((id | CONTEXT_MASK) == TDXSIM_MD_NONE)
		return first_from(c, 0, 0);
	unsigned i = (unsigned)(f - tdxsim_td_fields);
	/* Within an entry (or a CPUID leaf's two elements) the module steps the caller's id, with
	 * the context forced to TD: its size bits come back as given (oracle-checked). */
	uint64_t stepped = ((id & ~CONTEXT_MASK) | UINT64_C(1) << 52) + 1;
	if (f->kind == K_CPUID_VALUES)
		return !(elem & 1) ? stepped : first_from(c, i, (int)(elem / 2) + 1);
	if (elem + 1 < (uint32_t)f->num_fields * f->num_elem)
		return stepped;
	return first_from(c, i + 1, 0);
}

const struct tdxsim_td_field *tdxsim_td_field_by_name(const char *name)
{
	for (unsigned i = 0; i < tdxsim_num_td_fields; i++)
		if (strcmp(tdxsim_td_fields[i].name, name) == 0)
			return &tdxsim_td_fields[i];
	return NULL;
}
