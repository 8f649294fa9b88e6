/* SPDX-License-Identifier: MIT */
/*
 * TDH.MNG.INIT (leaf 21): configures a TD from the TD_PARAMS page in RDX (td-build.md 3.4,
 * Appendix A). RCX = TDR PA in, RCX = 0 out, or the failing CPUID leaf | subleaf << 32.
 * Locks: TDR (exclusive) only, no op-state lock.
 *
 * The module writes TDCS fields as it goes, so a failure leaves the earlier rows' values
 * behind with OP_STATE still UNINITIALIZED. Nothing can observe them (MNG.RD refuses an
 * uninitialized TD, a retry rewrites every one), so tdxsim computes the new TDCS in a copy and
 * stores it only on success (docs/fidelity.md).
 */
#include <string.h>

#include "core/util.h"
#include "sept/sept.h"
#include "seamcall/td_common.h"
#include "td/cpuid_config.h"
#include "td/measure.h"
#include "td/td_params.h"

#define MISC_ENABLE_LIMIT_CPUID_MAXVAL (UINT64_C(1) << 22)

static uint64_t rd64(const uint8_t *p, unsigned off)
{
	uint64_t v;
	memcpy(&v, p + off, sizeof(v));
	return v;
}

static uint16_t rd16(const uint8_t *p, unsigned off)
{
	uint16_t v;
	memcpy(&v, p + off, sizeof(v));
	return v;
}

/* Whether TD_PARAMS bytes [@from, @to) are all zero (reserved). */
static bool all_zero(const uint8_t *p, unsigned from, unsigned to)
{
	return to <= from || tdxsim_all_zero(p + from, to - from);
}

static uint64_t bit(uint64_t v, unsigned n)
{
	return (v >> n) & 1;
}

/* Row 6: within FIXED0, every FIXED1 bit set, MIGRATABLE excludes DEBUG and PERFMON. */
static bool attributes_ok(const struct tdxsim_profile *p, uint64_t a)
{
	if ((a & ~p->attributes_fixed0) || (a & p->attributes_fixed1) != p->attributes_fixed1)
		return false;
	return !((a & TDXSIM_ATTR_MIGRATABLE) && (a & (TDXSIM_ATTR_DEBUG | TDXSIM_ATTR_PERFMON)));
}

/* Row 8: within FIXED0 (supported components), x87+SSE set, AVX-512 (7:5) all or none and
 * only with AVX (2), CET user/supervisor (11, 12) together, AMX (17, 18) together. */
static bool xfam_ok(const struct tdxsim_profile *p, uint64_t x)
{
	uint64_t avx512 = (x >> 5) & 7;
	if ((x & ~p->xfam_fixed0) || (x & p->xfam_fixed1) != p->xfam_fixed1)
		return false;
	if ((avx512 != 0 && avx512 != 7) || (avx512 && !bit(x, 2)))
		return false;
	return bit(x, 11) == bit(x, 12) && bit(x, 17) == bit(x, 18);
}

/* Row 16: WB, 4-level or (with 5-level EPT and MAX_PA >= 49) 5-level, no A/D, no SSS, no
 * other bit; GPAW only with 5 levels. tdxsim's CPU has 5-level EPT (docs/fidelity.md). */
static bool eptp_ok(const struct tdxsim *sim, uint64_t e, bool gpaw)
{
	uint64_t pwl = (e >> TDXSIM_EPTP_PWL_SHIFT) & 7;
	if ((e & 7) != TDXSIM_EPTP_MT_WB)
		return false;
	if (pwl != TDXSIM_EPTP_PWL_4LEVEL && !(pwl == TDXSIM_EPTP_PWL_5LEVEL && sim->cpu.phys_bits >= 49))
		return false;
	if (e >> 6)
		return false;
	return !gpaw || pwl == TDXSIM_EPTP_PWL_5LEVEL;
}

/*
 * The CPUID values SYS.INIT sampled, per lookup entry (td-build.md A, "native"): the CPU's
 * CPUID on LP 0, all-0 above its highest basic or extended leaf, leaf 1 EAX = the platform
 * F/M/S. tdxsim's CPU has every ALLOW_DIRECT bit (the assumption behind SYS.RD's
 * CPUID_CONFIG_VALUES, docs/fidelity.md), so those bits are set in configurable entries.
 */
static void native_cpuid(const struct tdxsim *sim, uint32_t nat[TDXSIM_NUM_CPUID_LEAVES][4])
{
	uint32_t max_basic = sim->cpu.model->max_basic_leaf;
	for (unsigned i = 0; i < TDXSIM_NUM_CPUID_LEAVES; i++) {
		const struct tdxsim_cpuid_entry *e = &tdxsim_cpuid_table[i];
		uint32_t sub = e->subleaf == TDXSIM_CPUID_NO_SUBLEAF ? 0 : e->subleaf;
		memset(nat[i], 0, sizeof(nat[i]));
		if (e->leaf < 0x80000000u ? e->leaf <= max_basic : e->leaf <= 0x80000008u)
			tdxsim_cpu_cpuid(&sim->cpu, 0, e->leaf, sub, nat[i]);
		if (e->config_index >= 0)
			for (unsigned r = 0; r < 4; r++)
				nat[i][r] |= e->allow_direct[r];
	}
	nat[0][0] = sim->cpu.fms;
}

/* TSC_MULTIPLIER (virtual / native frequency in 16.48 fixed point) and TSC_OFFSET so that the
 * virtual TSC reads 0 now (td-build.md 3.4 row 20). */
static void tsc_params(uint64_t native_tsc, uint16_t freq, uint64_t *mult, uint64_t *offset)
{
	unsigned __int128 m =
		((unsigned __int128)freq * TDXSIM_VIRT_TSC_FREQ_UNIT << 48) / TDXSIM_NATIVE_TSC_HZ;
	*mult = (uint64_t)m;
	*offset = -(uint64_t)(((unsigned __int128)native_tsc * *mult) >> 48);
}

uint64_t tdxsim_tdh_mng_init(struct tdxsim_call *c)
{
	struct tdxsim *sim = c->sim;
	const struct tdxsim_profile *prof = sim->mod.profile;
	tdxsim_regs_t *r = c->regs;
	uint64_t tdr_pa = r->rcx, st;
	struct tdxsim_td *td;
	const uint8_t *host;
	uint8_t tp[TDXSIM_TD_PARAMS_SIZE];

	r->rcx = 0;
	if (sim->cpu.msr_misc_enable & MISC_ENABLE_LIMIT_CPUID_MAXVAL)
		return TDXSIM_TDX_LIMIT_CPUID_MAXVAL_SET;
	if ((st = tdxsim_p4k_tdr(c, tdr_pa, TDXSIM_OPERAND_RCX, TDXSIM_LOCK_EXCLUSIVE, &td)))
		return st;
	if ((st = tdxsim_td_state(c, td, TDXSIM_OPS(TDXSIM_OP_UNINITIALIZED), 0)))
		return st;
	if (!tdxsim_shared_hpa_ok(sim, r->rdx, TDXSIM_TD_PARAMS_ALIGN, TDXSIM_TD_PARAMS_SIZE, (void **)&host))
		return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RDX;
	memcpy(tp, host, sizeof(tp));

	struct tdxsim_tdcs n = td->tdcs;
	n.num_vcpus = 0;
	n.num_assoc_vcpus = 0;
	n.td_epoch = 1;
	n.refcount[0] = n.refcount[1] = 0;
	n.hp_lock_timeout = TDXSIM_NATIVE_TSC_HZ; /* 1 s in TSC ticks */

	n.attributes = rd64(tp, TDXSIM_TDP_ATTRIBUTES);
	if (!attributes_ok(prof, n.attributes))
		return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_ATTRIBUTES;
	n.td_ctls = (n.attributes & TDXSIM_ATTR_SEPT_VE_DISABLE) ? 1 : 0; /* PENDING_VE_DISABLE */

	n.xfam = rd64(tp, TDXSIM_TDP_XFAM);
	if (!xfam_ok(prof, n.xfam))
		return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_XFAM;
	n.xbuff_size = tdxsim_xbuff_layout(n.xfam, n.xbuff_offsets);

	n.max_vcpus = rd16(tp, TDXSIM_TDP_MAX_VCPUS);
	if (n.max_vcpus == 0 || (prof->has_max_vcpus && n.max_vcpus > prof->max_vcpus_per_td))
		return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_MAX_VCPUS;
	n.num_l2_vms = tp[TDXSIM_TDP_NUM_L2_VMS];
	if (n.num_l2_vms > TDXSIM_MAX_L2_VMS)
		return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_NUM_L2_VMS;
	if (td->num_tdcx < TDXSIM_MIN_TDCS_PAGES + (uint32_t)n.num_l2_vms)
		return TDXSIM_TDX_TDCS_NOT_ALLOCATED;
	if (!all_zero(tp, TDXSIM_TDP_RSVD0, TDXSIM_TDP_EPTP_CONTROLS))
		return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RDX;

	n.config_flags = rd64(tp, TDXSIM_TDP_CONFIG_FLAGS);
	if (n.config_flags & ~prof->config_flags_fixed0)
		return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_EXEC_CONTROLS;
	uint64_t eptp_controls = rd64(tp, TDXSIM_TDP_EPTP_CONTROLS);
	n.gpaw = n.config_flags & TDXSIM_CONFIG_GPAW;
	if (!eptp_ok(sim, eptp_controls, n.gpaw))
		return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_EPTP_CONTROLS;
	n.eptp = eptp_controls | td->tdcx_pa[TDXSIM_TDCS_SEPT_ROOT];

	n.tsc_frequency = rd16(tp, TDXSIM_TDP_TSC_FREQUENCY);
	if (n.tsc_frequency < TDXSIM_VIRT_TSC_FREQ_MIN || n.tsc_frequency > TDXSIM_VIRT_TSC_FREQ_MAX)
		return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_TSC_FREQUENCY;
	/* Row 19 (IA32_TSC_ADJUST changed since SYS.INIT) cannot happen: tdxsim's TSC_ADJUST is
	 * fixed at 0 (docs/fidelity.md). */
	tsc_params(sim->cpu.lps[c->lp].tsc, n.tsc_frequency, &n.tsc_multiplier, &n.tsc_offset);
	if (!all_zero(tp, TDXSIM_TDP_RSVD1, TDXSIM_TDP_MRCONFIGID))
		return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RDX;
	memcpy(n.mrconfigid, tp + TDXSIM_TDP_MRCONFIGID, sizeof(n.mrconfigid));
	memcpy(n.mrowner, tp + TDXSIM_TDP_MROWNER, sizeof(n.mrowner));
	memcpy(n.mrownerconfig, tp + TDXSIM_TDP_MROWNERCONFIG, sizeof(n.mrownerconfig));
	n.msr_config_ctls = tp[TDXSIM_TDP_MSR_CONFIG_CTLS];
	if (n.msr_config_ctls & 0xFE)
		return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RDX;
	if (!all_zero(tp, TDXSIM_TDP_RSVD2, TDXSIM_TDP_CPUID_VALUES))
		return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RDX;

	/* Rows 25-29: CPUID configuration (td-build.md A.3). */
	uint32_t nat[TDXSIM_NUM_CPUID_LEAVES][4];
	struct tdxsim_cpuid_out cpuid;
	native_cpuid(sim, nat);
	struct tdxsim_cpuid_td cin = {
		.attributes = n.attributes,
		.xfam = n.xfam,
		.tsc_frequency = n.tsc_frequency,
		.platform_fms = sim->cpu.fms,
		.tsx_ctrl = true, /* IA32_ARCH_CAPABILITIES.TSX_CTRL: assumed present */
		.config = tp + TDXSIM_TDP_CPUID_VALUES,
		.native = (const uint32_t(*)[4])nat,
	};
	if ((st = tdxsim_cpuid_configure(&cin, &cpuid))) {
		r->rcx = cpuid.rcx;
		return st;
	}
	memcpy(n.cpuid_values, cpuid.values, sizeof(n.cpuid_values));
	memcpy(n.cpuid_valid, cpuid.valid, sizeof(n.cpuid_valid));
	if (!all_zero(tp, TDXSIM_TDP_CPUID_VALUES + 16 * prof->num_cpuid_config, TDXSIM_TD_PARAMS_SIZE))
		return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RDX;
	n.ia32_arch_capabilities_config = rd64(tp, TDXSIM_TDP_ARCH_CAP_CONFIG);
	if ((n.ia32_arch_capabilities_config && !(n.msr_config_ctls & 1)) ||
	    (n.ia32_arch_capabilities_config & ~TDXSIM_ARCH_CAP_CONFIG_ALLOWED))
		return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_IA32_ARCH_CAPABILITIES_CONFIG;
	if ((n.attributes & TDXSIM_ATTR_MIGRATABLE) && n.num_l2_vms > 0)
		return TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RDX;

	/* Effects: nothing fails past this point but the host's own memory. */
	struct tdxsim_td_meas *meas = tdxsim_td_meas_new();
	if (!meas)
		return TDXSIM_STATUS_NO_MEMORY;
	tdxsim_td_meas_free(td->meas);
	td->meas = meas;
	memset(n.rtmr, 0, sizeof(n.rtmr));
	memset(n.mrtd, 0, sizeof(n.mrtd));
	n.topology_enum_configured = true;
	n.op_state = TDXSIM_OP_INITIALIZED;
	td->tdcs = n;
	tdxsim_sept_set_root_level(td->sept, (unsigned)((eptp_controls >> TDXSIM_EPTP_PWL_SHIFT) & 7));
	return TDXSIM_TDX_SUCCESS;
}
