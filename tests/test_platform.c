/* SPDX-License-Identifier: MIT */
/*
 * The platform half: configuration checks, MSR layouts, VMX and #UD, simulated memory, two
 * simulators in one process, library misuse, fault injection, the cycle model and names.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"

/* ---- configuration ---------------------------------------------------------------------- */

struct bad_config {
	const char *name;
	void (*mutate)(tdxsim_config_t *cfg);
	const char *field; /* the message must name it */
};

static void no_packages(tdxsim_config_t *c)
{
	c->num_packages = 0;
}
static void nine_packages(tdxsim_config_t *c)
{
	c->num_packages = 9;
}
static void keyids_overflow(tdxsim_config_t *c)
{
	c->num_tdx_keyids = 40;
}
static void ram_misaligned(tdxsim_config_t *c)
{
	c->ram[1].base += 8;
}
static void ram_unordered(tdxsim_config_t *c)
{
	c->ram[1].base = 0;
}
static void ram_over_seamrr(tdxsim_config_t *c)
{
	c->ram[0].size = UINT64_C(3) << 30;
}
static void ram_node_missing(tdxsim_config_t *c)
{
	c->ram[1].node = 1;
}
static void bad_profile(tdxsim_config_t *c)
{
	c->module = (tdxsim_module_profile_t)7;
}
static void bad_size(tdxsim_config_t *c)
{
	c->size = 8;
}
static void bad_msr_override(tdxsim_config_t *c)
{
	c->num_msr_overrides = 1;
	c->msr_overrides[0].msr = 0x10; /* IA32_TSC: not a platform MSR tdxsim lets you override */
}

static const struct bad_config bad_configs[] = {
	{"no packages", no_packages, "num_packages"},
	{"nine packages", nine_packages, "num_packages"},
	{"KeyIDs beyond keyid_bits", keyids_overflow, "num_tdx_keyids"},
	{"RAM misaligned", ram_misaligned, "ram[1]"},
	{"RAM not ascending", ram_unordered, "ram[1]"},
	{"RAM over SEAMRR", ram_over_seamrr, "SEAMRR"},
	{"RAM on a node that does not exist", ram_node_missing, "ram[1].node"},
	{"unknown module profile", bad_profile, "module"},
	{"size not set by config_init", bad_size, "size"},
	{"MSR override of an unknown MSR", bad_msr_override, "msr_overrides[0]"},
};

static void config__bad_fields__named_in_message(void **state)
{
	for (size_t i = 0; i < sizeof(bad_configs) / sizeof(bad_configs[0]); i++) {
		tdxsim_config_t cfg;
		tdxsim_t *sim = (tdxsim_t *)&cfg; /* must be reset to NULL */
		char msg[256] = "";
		tdxsim_config_init(&cfg);
		bad_configs[i].mutate(&cfg);
		assert_int_equal(tdxsim_config_check(&cfg, msg, sizeof(msg)), TDXSIM_ERR_BAD_CONFIG);
		if (!strstr(msg, bad_configs[i].field))
			fail_msg("%s: message '%s' does not name '%s'", bad_configs[i].name, msg,
				 bad_configs[i].field);
		assert_int_equal(tdxsim_create(&cfg, &sim), TDXSIM_ERR_BAD_CONFIG);
		assert_null(sim);
	}
	assert_int_equal(tdxsim_create(NULL, NULL), TDXSIM_ERR_INVALID_ARG);
}

/* ---- MSRs (sheet 9) ------------------------------------------------------------------------ */

static void msr__layouts(void **state)
{
	struct fx fx;
	uint64_t v;
	fx_create(&fx, NULL, FX_FRESH);
	assert_int_equal(tdxsim_rdmsr(fx.sim, 0, TDXSIM_MSR_IA32_MKTME_KEYID_PARTITIONING, &v), TDXSIM_OK);
	assert_int_equal(TDXSIM_MKTME_PART_NUM_MKTME(v), 31);
	assert_int_equal(TDXSIM_MKTME_PART_NUM_TDX(v), 32);
	assert_int_equal(tdxsim_rdmsr(fx.sim, 1, TDXSIM_MSR_IA32_TME_ACTIVATE, &v), TDXSIM_OK);
	assert_true(v & TDXSIM_TME_ACTIVATE_LOCKED);
	assert_true(v & TDXSIM_TME_ACTIVATE_ENABLED);
	assert_int_equal((v >> 32) & 0xF, 6);
	/* Linux's keyed PA: pa | keyid << (52 - 6). */
	assert_int_equal(tdxsim_keyid_shift(fx.sim), 46);
	assert_int_equal(tdxsim_rdmsr(fx.sim, 0, TDXSIM_MSR_IA32_TME_CAPABILITY, &v), TDXSIM_OK);
	assert_int_equal((v >> 32) & 0xF, 6);
	assert_true(v & TDXSIM_TME_CAP_AES_XTS_256_INTEGRITY);
	assert_int_equal(tdxsim_rdmsr(fx.sim, 0, TDXSIM_MSR_IA32_SEAMRR_PHYS_BASE, &v), TDXSIM_OK);
	assert_int_equal(v, (UINT64_C(2) << 30) | TDXSIM_SEAMRR_BASE_CONFIGURED);
	assert_int_equal(tdxsim_rdmsr(fx.sim, 0, TDXSIM_MSR_IA32_SEAMRR_PHYS_MASK, &v), TDXSIM_OK);
	assert_int_equal(v & TDXSIM_SEAMRR_ADDR_MASK, ~((UINT64_C(32) << 20) - 1) & TDXSIM_SEAMRR_ADDR_MASK);
	assert_true(v & TDXSIM_SEAMRR_MASK_ENABLED);
	assert_int_equal(tdxsim_rdmsr(fx.sim, 0, TDXSIM_MSR_IA32_MTRRCAP, &v), TDXSIM_OK);
	assert_true(v & TDXSIM_MTRRCAP_SEAMRR);
	assert_int_equal(tdxsim_rdmsr(fx.sim, 0, TDXSIM_MSR_IA32_VMX_BASIC, &v), TDXSIM_OK);
	assert_true(v & TDXSIM_VMX_BASIC_NO_SEAMRET_INVD_VMCS);
	/* An MSR the platform does not have: #GP, as rdmsr_safe() reports. */
	assert_int_equal(tdxsim_rdmsr(fx.sim, 0, 0xC0000080u + 0x1000u, &v), TDXSIM_ERR_GP);
	assert_int_equal(tdxsim_rdmsr(fx.sim, 99, TDXSIM_MSR_IA32_VMX_BASIC, &v), TDXSIM_ERR_INVALID_ARG);
	fx_destroy(&fx);
}

static void msr__too_few_keyids__looks_like_bios_without_tdx(void **state)
{
	tdxsim_config_t cfg;
	tdxsim_config_init(&cfg);
	cfg.num_tdx_keyids = 1;
	struct fx fx;
	uint64_t v;
	fx_create(&fx, &cfg, FX_VMX);
	assert_int_equal(tdxsim_rdmsr(fx.sim, 0, TDXSIM_MSR_IA32_MKTME_KEYID_PARTITIONING, &v), TDXSIM_OK);
	assert_int_equal(TDXSIM_MKTME_PART_NUM_TDX(v), 1);
	/* No SEAMRR, no module: SEAMCALL fails as VMfailInvalid (Linux: "module not loaded"). */
	assert_int_equal(tdxsim_rdmsr(fx.sim, 0, TDXSIM_MSR_IA32_SEAMRR_PHYS_MASK, &v), TDXSIM_OK);
	assert_false(v & TDXSIM_SEAMRR_MASK_ENABLED);
	assert_status(fx_call(fx.sim, 0, TDXSIM_TDH_SYS_INIT, 0, 0, 0, NULL),
		      TDXSIM_TDX_SEAMCALL_VMFAILINVALID);
	struct host_tdx host;
	assert_int_equal(host_tdx_init(fx.sim, NULL, &host), -19 /* -ENODEV */);
	fx_destroy(&fx);
}

/* SYS.INIT's platform checks against BIOS settings an override breaks (sheet 7.2). */
struct msr_rule {
	const char *name;
	uint32_t msr;
	uint64_t value;
	uint64_t expected;
};

static const struct msr_rule msr_rules[] = {
	{"TME_ACTIVATE not locked", TDXSIM_MSR_IA32_TME_ACTIVATE, UINT64_C(0x600000002) | UINT64_C(1) << 51,
	 TDXSIM_TDX_INCORRECT_MSR_VALUE | TDXSIM_MSR_IA32_TME_ACTIVATE},
	{"TME_CAPABILITY without integrity", TDXSIM_MSR_IA32_TME_CAPABILITY, UINT64_C(0x600000005),
	 TDXSIM_TDX_INCORRECT_MSR_VALUE | TDXSIM_MSR_IA32_TME_CAPABILITY},
	{"TME_ACTIVATE without integrity algorithm", TDXSIM_MSR_IA32_TME_ACTIVATE, UINT64_C(0x600000003),
	 TDXSIM_TDX_INCORRECT_MSR_VALUE | TDXSIM_MSR_IA32_TME_ACTIVATE},
	{"WBNOINVDP differs from WBINVDP", TDXSIM_MSR_IA32_WBNOINVDP, 4,
	 TDXSIM_TDX_INCORRECT_MSR_VALUE | TDXSIM_MSR_IA32_WBNOINVDP},
	{"MISC_ENABLE perfmon unavailable (1.5.05)", TDXSIM_MSR_IA32_MISC_ENABLE, 0x1,
	 TDXSIM_TDX_INCORRECT_MSR_VALUE | TDXSIM_MSR_IA32_MISC_ENABLE},
};

static void sys_init__msr_rules(void **state)
{
	for (size_t i = 0; i < sizeof(msr_rules) / sizeof(msr_rules[0]); i++) {
		tdxsim_config_t cfg;
		tdxsim_config_init(&cfg);
		cfg.num_msr_overrides = 1;
		cfg.msr_overrides[0].msr = msr_rules[i].msr;
		cfg.msr_overrides[0].value = msr_rules[i].value;
		struct fx fx;
		fx_create(&fx, &cfg, FX_VMX);
		uint64_t before = tdxsim_state_hash(fx.sim);
		uint64_t s = fx_call(fx.sim, 0, TDXSIM_TDH_SYS_INIT, 0, 0, 0, NULL);
		if (s != msr_rules[i].expected) {
			char a[96];
			fail_msg("%s: got %s", msr_rules[i].name, tdxsim_status_name(s, a, sizeof(a)));
		}
		assert_int_equal(tdxsim_state_hash(fx.sim), before);
		fx_destroy(&fx);
	}
}

/* ---- VMX ------------------------------------------------------------------------------------ */

static void vmx__seamcall_outside_vmx_is_ud(void **state)
{
	struct fx fx;
	fx_create(&fx, NULL, FX_FRESH);
	tdxsim_regs_t r = {.rcx = 0x1111, .rdx = 0x2222};
	assert_status(tdxsim_seamcall(fx.sim, 0, TDXSIM_TDH_SYS_INIT, &r), TDXSIM_TDX_SEAMCALL_UD);
	assert_int_equal(r.rcx, 0x1111); /* nothing is copied back on #UD */
	assert_int_equal(tdxsim_vmxon(fx.sim, 0), TDXSIM_OK);
	assert_true(tdxsim_lp_vmx_on(fx.sim, 0));
	assert_status(fx_call(fx.sim, 0, TDXSIM_TDH_SYS_INIT, 0, 0, 0, NULL), TDXSIM_TDX_SUCCESS);
	assert_int_equal(tdxsim_vmxoff(fx.sim, 0), TDXSIM_OK);
	assert_status(fx_call(fx.sim, 0, TDXSIM_TDH_SYS_LP_INIT, 0, 0, 0, NULL), TDXSIM_TDX_SEAMCALL_UD);
	assert_status(fx_call(fx.sim, 1, TDXSIM_TDH_SYS_LP_INIT, 0, 0, 0, NULL), TDXSIM_TDX_SEAMCALL_UD);
	fx_destroy(&fx);
}

/* ---- memory --------------------------------------------------------------------------------- */

static void memory__pa_va_round_trip_and_holes(void **state)
{
	struct fx fx;
	fx_create(&fx, NULL, FX_FRESH);
	uint64_t pa = (UINT64_C(5) << 30) + 0x123;
	uint8_t *p = tdxsim_phys_to_virt(fx.sim, pa, 16);
	assert_non_null(p);
	uint64_t back = 0;
	assert_int_equal(tdxsim_virt_to_phys(fx.sim, p, &back), TDXSIM_OK);
	assert_int_equal(back, pa);
	p[0] = 0xAB;
	assert_int_equal(*(uint8_t *)tdxsim_phys_to_virt(fx.sim, pa, 1), 0xAB);
	/* The hole below 4 GiB and SEAMRR are not RAM; neither is a range crossing a RAM end. */
	assert_null(tdxsim_phys_to_virt(fx.sim, UINT64_C(3) << 30, 1));
	assert_null(tdxsim_phys_to_virt(fx.sim, (UINT64_C(2) << 30) - 8, 16));
	assert_int_equal(tdxsim_virt_to_phys(fx.sim, &back, &back), TDXSIM_ERR_NOT_RAM);
	tdxsim_range_t ram[4];
	assert_int_equal(tdxsim_ram_ranges(fx.sim, ram, 4), 2);
	assert_int_equal(ram[1].base, UINT64_C(4) << 30);
	fx_destroy(&fx);
}

static void memory__allocator(void **state)
{
	struct fx fx;
	fx_create(&fx, NULL, FX_FRESH);
	uint64_t a, b;
	assert_int_equal(tdxsim_phys_alloc(fx.sim, 5000, 1 << 20, UINT32_MAX, &a), TDXSIM_OK);
	assert_true(a >= (1 << 20)); /* like a kernel, never the first 1 MiB */
	assert_int_equal(a % (1 << 20), 0);
	uint8_t *p = tdxsim_phys_to_virt(fx.sim, a, 8192);
	for (int i = 0; i < 8192; i++)
		assert_int_equal(p[i], 0);
	memset(p, 0x5A, 8192);
	assert_int_equal(tdxsim_phys_alloc(fx.sim, 4096, 4096, UINT32_MAX, &b), TDXSIM_OK);
	assert_false(b >= a && b < a + 8192);
	assert_int_equal(tdxsim_phys_free(fx.sim, a, 5000), TDXSIM_OK);
	assert_int_equal(tdxsim_phys_free(fx.sim, a, 5000), TDXSIM_ERR_INVALID_ARG); /* double free */
	uint64_t c;
	assert_int_equal(tdxsim_phys_alloc(fx.sim, 8192, 1 << 20, UINT32_MAX, &c), TDXSIM_OK);
	assert_int_equal(c, a); /* reused, and zeroed again */
	assert_int_equal(((uint8_t *)tdxsim_phys_to_virt(fx.sim, c, 1))[0], 0);
	assert_int_equal(tdxsim_phys_alloc(fx.sim, UINT64_C(1) << 40, 4096, UINT32_MAX, &c),
			 TDXSIM_ERR_NO_SPACE);
	assert_int_equal(tdxsim_phys_alloc(fx.sim, 4096, 3000, UINT32_MAX, &c), TDXSIM_ERR_INVALID_ARG);
	assert_int_equal(tdxsim_phys_alloc(fx.sim, 4096, 4096, 5, &c), TDXSIM_ERR_NO_SPACE);
	fx_destroy(&fx);
}

static long rss_kib(void)
{
	long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

static void memory__16tib_host_costs_only_what_is_touched(void **state)
{
	tdxsim_config_t cfg;
	tdxsim_config_init(&cfg);
	cfg.num_packages = 8;
	cfg.num_ram_ranges = 8;
	for (uint32_t n = 0; n < 8; n++)
		cfg.ram[n] = (tdxsim_range_t){(UINT64_C(4) << 30) + (uint64_t)n * (UINT64_C(2) << 40),
					      UINT64_C(2) << 40, n};
	long before = rss_kib();
	tdxsim_t *sim;
	assert_int_equal(tdxsim_create(&cfg, &sim), TDXSIM_OK);
	uint64_t top = (UINT64_C(4) << 30) + (UINT64_C(16) << 40) - 4096;
	*(uint64_t *)tdxsim_phys_to_virt(sim, top, 8) = 42;
	long after = rss_kib();
	assert_true(after - before < 16 * 1024); /* a 16 TiB host costs well under 16 MiB */
	tdxsim_destroy(sim);
}

static void two_simulators__do_not_see_each_other(void **state)
{
	struct fx a, b;
	fx_create(&a, NULL, FX_INITIALIZED);
	fx_create(&b, NULL, FX_VMX);
	assert_int_equal(tdxsim_module_state(a.sim), TDXSIM_SYS_READY);
	assert_int_equal(tdxsim_module_state(b.sim), TDXSIM_SYSINIT_PENDING);
	*(uint32_t *)tdxsim_phys_to_virt(a.sim, UINT64_C(6) << 30, 4) = 0xDEADBEEF;
	assert_int_equal(*(uint32_t *)tdxsim_phys_to_virt(b.sim, UINT64_C(6) << 30, 4), 0);
	/* b goes through its own bring-up, unaffected by a. */
	struct host_tdx host;
	assert_int_equal(host_tdx_init(b.sim, NULL, &host), 0);
	assert_int_equal(tdxsim_module_state(b.sim), TDXSIM_SYS_READY);
	fx_destroy(&a);
	fx_destroy(&b);
}

/* ---- library misuse ----------------------------------------------------------------------- */

static void api__misuse_is_reported_not_crashed(void **state)
{
	struct fx fx;
	tdxsim_regs_t r = {0};
	fx_create(&fx, NULL, FX_VMX);
	assert_int_equal(tdxsim_seamcall(NULL, 0, TDXSIM_TDH_SYS_INIT, &r), TDXSIM_STATUS_API_MISUSE);
	assert_int_equal(tdxsim_seamcall(fx.sim, 0, TDXSIM_TDH_SYS_INIT, NULL), TDXSIM_STATUS_API_MISUSE);
	assert_int_equal(tdxsim_seamcall(fx.sim, 4, TDXSIM_TDH_SYS_INIT, &r), TDXSIM_STATUS_API_MISUSE);
	assert_non_null(strstr(tdxsim_last_error(fx.sim), "LP index"));
	assert_int_equal(tdxsim_vmxon(fx.sim, 1000), TDXSIM_ERR_INVALID_ARG);
	assert_int_equal(tdxsim_inject_status(fx.sim, 33, 77, 1, 1), TDXSIM_ERR_INVALID_ARG);
	assert_int_equal(tdxsim_inject_status(fx.sim, 33, 0, 0, 1), TDXSIM_ERR_INVALID_ARG);
	assert_int_equal(tdxsim_pamt_query(fx.sim, 0, NULL), TDXSIM_ERR_INVALID_ARG);
	assert_null(tdxsim_phys_to_virt(NULL, 0, 1));
	assert_int_equal(tdxsim_num_lps(NULL), 0);
	tdxsim_destroy(NULL);
	assert_string_equal(tdxsim_strerror(TDXSIM_ERR_GP), "general protection fault (#GP)");
	fx_destroy(&fx);
}

static void api__unemulated_leaf_is_distinct_software_status(void **state)
{
	struct fx fx;
	fx_create(&fx, NULL, FX_READY);
	uint64_t s = fx_call(fx.sim, 0, TDXSIM_TDH_EXPORT_ABORT, 0, 0, 0, NULL);
	assert_int_equal(s >> 40 & 0xFF, 0xFF); /* class 0xFF: never a module status */
	assert_non_null(strstr(tdxsim_last_error(fx.sim), "TDH.EXPORT.ABORT"));
	fx_destroy(&fx);
}

/* ---- registers ---------------------------------------------------------------------------- */

static void registers__untouched_ones_keep_their_values(void **state)
{
	struct fx fx;
	fx_create(&fx, NULL, FX_READY);
	tdxsim_regs_t r = {.rcx = 1,
			   .rdx = TDXSIM_MD_MAX_TDMRS,
			   .r8 = 3,
			   .r9 = 4,
			   .r10 = 5,
			   .r11 = 6,
			   .r12 = 7,
			   .r13 = 8,
			   .r14 = 9,
			   .r15 = 10,
			   .rbx = 11,
			   .rdi = 12,
			   .rsi = 13};
	assert_status(tdxsim_seamcall(fx.sim, 0, TDXSIM_TDH_SYS_RD, &r), TDXSIM_TDX_SUCCESS);
	assert_int_equal(r.r8, 64);
	assert_int_equal(r.rdx, TDXSIM_MD_MAX_RESERVED_PER_TDMR); /* next field id */
	assert_int_equal(r.rcx, 1);
	assert_int_equal(r.r9, 4);
	assert_int_equal(r.r11, 6);
	assert_int_equal(r.rsi, 13);
	fx_destroy(&fx);
}

/* ---- fault injection ---------------------------------------------------------------------- */

static void inject__status_without_effect(void **state)
{
	struct fx fx;
	fx_create(&fx, NULL, FX_VMX);
	assert_int_equal(tdxsim_inject_status(fx.sim, TDXSIM_TDH_SYS_INIT, 1, 1, TDXSIM_TDX_SYS_BUSY),
			 TDXSIM_OK);
	assert_int_equal(tdxsim_inject_status(fx.sim, TDXSIM_TDH_SYS_INIT, TDXSIM_ANY_LP, 2,
					      TDXSIM_TDX_RND_NO_ENTROPY),
			 TDXSIM_OK);
	uint64_t before = tdxsim_state_hash(fx.sim);
	tdxsim_regs_t r = {.rcx = 0, .rdx = 0x77};
	/* LP 0: the LP-1 injection does not match; the any-LP one does, twice. */
	assert_status(tdxsim_seamcall(fx.sim, 0, TDXSIM_TDH_SYS_INIT, &r), TDXSIM_TDX_RND_NO_ENTROPY);
	assert_int_equal(r.rdx, 0x77); /* no register written */
	assert_status(fx_call(fx.sim, 1, TDXSIM_TDH_SYS_INIT, 0, 0, 0, NULL), TDXSIM_TDX_SYS_BUSY);
	assert_status(fx_call(fx.sim, 2, TDXSIM_TDH_SYS_INIT, 0, 0, 0, NULL), TDXSIM_TDX_RND_NO_ENTROPY);
	assert_int_equal(tdxsim_state_hash(fx.sim), before);
	assert_status(fx_call(fx.sim, 0, TDXSIM_TDH_SYS_INIT, 0, 0, 0, NULL), TDXSIM_TDX_SUCCESS);
	fx_destroy(&fx);
}

static void inject__key_generation_failed_then_host_retries(void **state)
{
	tdxsim_config_t cfg;
	tdxsim_config_init(&cfg);
	cfg.num_packages = 2;
	cfg.ram[1].node = 1;
	struct fx fx;
	fx_create(&fx, &cfg, FX_VMX);
	assert_int_equal(tdxsim_inject_status(fx.sim, TDXSIM_TDH_SYS_KEY_CONFIG, 4, 2,
					      TDXSIM_TDX_KEY_GENERATION_FAILED),
			 TDXSIM_OK);
	struct host_tdx host;
	assert_int_equal(host_tdx_init(fx.sim, NULL, &host), 0);
	assert_int_equal(host.key_config_retries, 2);
	assert_int_equal(tdxsim_module_state(fx.sim), TDXSIM_SYS_READY);
	fx_destroy(&fx);
}

static void inject__key_generation_keeps_failing__host_gives_up(void **state)
{
	struct fx fx;
	fx_create(&fx, NULL, FX_VMX);
	tdxsim_inject_status(fx.sim, TDXSIM_TDH_SYS_KEY_CONFIG, TDXSIM_ANY_LP, 100,
			     TDXSIM_TDX_KEY_GENERATION_FAILED);
	struct host_tdx host;
	assert_int_equal(host_tdx_init(fx.sim, NULL, &host), -5 /* -EIO */);
	assert_int_equal(host.status, TDXSIM_TDX_KEY_GENERATION_FAILED);
	assert_int_equal(tdxsim_module_state(fx.sim), TDXSIM_SYSCONFIG_DONE);
	fx_destroy(&fx);
}

static void inject__interrupted_resumable_on_tdmr_init(void **state)
{
	struct fx fx;
	fx_create(&fx, NULL, FX_READY);
	uint64_t base = fx.host.tdmrs[0].base;
	tdxsim_inject_status(fx.sim, TDXSIM_TDH_SYS_TDMR_INIT, 0, 1, TDXSIM_TDX_INTERRUPTED_RESUMABLE);
	tdxsim_regs_t r;
	assert_status(fx_call(fx.sim, 0, TDXSIM_TDH_SYS_TDMR_INIT, base, 0, 0, &r),
		      TDXSIM_TDX_INTERRUPTED_RESUMABLE);
	assert_status(fx_call(fx.sim, 0, TDXSIM_TDH_SYS_TDMR_INIT, base, 0, 0, &r), TDXSIM_TDX_SUCCESS);
	assert_int_equal(r.rdx, base); /* 4 MiB done: RDX stays at the 1 GiB block's base */
	fx_destroy(&fx);
}

/* ---- cycles ------------------------------------------------------------------------------- */

static void cycles__deterministic_and_configurable(void **state)
{
	struct fx a, b;
	fx_create(&a, NULL, FX_INITIALIZED);
	fx_create(&b, NULL, FX_INITIALIZED);
	for (uint32_t lp = 0; lp < 4; lp++)
		assert_int_equal(tdxsim_lp_cycles(a.sim, lp), tdxsim_lp_cycles(b.sim, lp));
	/* LP 1 did VMXON (twice: the fixture and the host) and LP.INIT only: the LP.INIT base
	 * cost plus the global EPT flush. */
	tdxsim_costs_t c;
	tdxsim_costs_default(&c);
	assert_int_equal(tdxsim_lp_cycles(a.sim, 1),
			 2 * c.vmxon + c.leaf[TDXSIM_TDH_SYS_LP_INIT] + c.lp_init_ept_flush);
	fx_destroy(&b);

	tdxsim_config_t cfg;
	tdxsim_config_init(&cfg);
	cfg.costs.tdmr_init_chunk *= 2;
	fx_create(&b, &cfg, FX_INITIALIZED);
	/* 16 GiB of TDMRs = 4096 chunks of 4 MiB on LP 0. */
	assert_int_equal(tdxsim_lp_cycles(b.sim, 0) - tdxsim_lp_cycles(a.sim, 0), 4096 * c.tdmr_init_chunk);
	uint64_t before = tdxsim_lp_cycles(b.sim, 2);
	fx_call(b.sim, 2, 200, 0, 0, 0, NULL); /* rejected by the dispatcher */
	assert_int_equal(tdxsim_lp_cycles(b.sim, 2) - before, c.rejected_call);
	fx_destroy(&a);
	fx_destroy(&b);
}

/* ---- call observer ---------------------------------------------------------------------- */

struct observed {
	unsigned calls, tdmr_inits, ud;
	uint64_t last_tsc_end[4];
	bool ordered;
};

static void observe(tdxsim_t *sim, const tdxsim_call_record_t *rec, void *user)
{
	struct observed *o = user;
	o->calls++;
	if ((rec->rax & 0xFFFF) == TDXSIM_TDH_SYS_TDMR_INIT && rec->status == 0)
		o->tdmr_inits++;
	if (rec->status == TDXSIM_TDX_SEAMCALL_UD)
		o->ud++;
	/* Per LP, virtual time only moves forward, and the observer may query the simulator. */
	if (rec->tsc_start < o->last_tsc_end[rec->lp] || rec->tsc_end != tdxsim_lp_cycles(sim, rec->lp))
		o->ordered = false;
	o->last_tsc_end[rec->lp] = rec->tsc_end;
}

static void observer__sees_every_executed_seamcall(void **state)
{
	struct fx fx;
	struct observed o = {.ordered = true};
	fx_create(&fx, NULL, FX_FRESH);
	tdxsim_set_call_observer(fx.sim, observe, &o);
	fx_call(fx.sim, 0, TDXSIM_TDH_SYS_INIT, 0, 0, 0, NULL); /* #UD: executed, observed */
	fx_call(fx.sim, 9, TDXSIM_TDH_SYS_INIT, 0, 0, 0, NULL); /* misuse: nothing executed */
	struct host_tdx host;
	assert_int_equal(host_tdx_init(fx.sim, NULL, &host), 0);
	assert_int_equal(o.ud, 1);
	assert_int_equal(o.tdmr_inits, 4096); /* 16 GiB of TDMRs, 4 MiB per call */
	/* and the #UD, SYS.INIT, four LP.INITs, the SYS.RDs, CONFIG and KEY.CONFIG */
	assert_true(o.calls > 4096 + 6);
	assert_true(o.ordered);
	tdxsim_regs_t r = {.rdx = TDXSIM_MD_MAX_TDMRS};
	unsigned before = o.calls;
	tdxsim_set_call_observer(fx.sim, NULL, NULL);
	tdxsim_seamcall(fx.sim, 0, TDXSIM_TDH_SYS_RD, &r);
	assert_int_equal(o.calls, before);
	fx_destroy(&fx);
}

/* ---- names -------------------------------------------------------------------------------- */

static void names__statuses_leaves_fields(void **state)
{
	char buf[96];
	assert_string_equal(tdxsim_status_name(0xC000010000000001, buf, sizeof(buf)),
			    "TDX_OPERAND_INVALID|RCX");
	assert_string_equal(tdxsim_status_name(0xC000010000000045, buf, sizeof(buf)),
			    "TDX_OPERAND_INVALID|CPUID_CONFIG");
	assert_string_equal(tdxsim_status_name(0xC0000A2000000301, buf, sizeof(buf)),
			    "TDX_INVALID_RESERVED_IN_TDMR(0x00000301)");
	assert_string_equal(tdxsim_status_name(TDXSIM_TDX_SEAMCALL_UD, buf, sizeof(buf)), "TDX_SEAMCALL_UD");
	/* Packed details are not operand ids: TDMR 1's PAMT, not RCX; an MSR address, not a GPR. */
	assert_string_equal(tdxsim_status_name(0xC0000A1000000001, buf, sizeof(buf)),
			    "TDX_INVALID_PAMT(0x00000001)");
	assert_string_equal(tdxsim_status_name(0xC000092100000982, buf, sizeof(buf)),
			    "TDX_INCORRECT_MSR_VALUE(0x00000982)");
	assert_string_equal(tdxsim_status_name(0x1234000000000000, buf, sizeof(buf)),
			    "UNKNOWN(0x1234000000000000)");
	assert_string_equal(tdxsim_leaf_name(33), "TDH.SYS.INIT");
	assert_null(tdxsim_leaf_name(47));
	assert_int_equal(tdxsim_leaf_by_name("TDH.SYS.TDMR.INIT"), 36);
	assert_int_equal(tdxsim_leaf_by_name("tdh_sys_config"), 45);
	assert_int_equal(tdxsim_leaf_by_name("TDH.NOPE"), -1);
	uint64_t v;
	assert_true(tdxsim_status_by_name("TDX_SYS_BUSY", &v));
	assert_int_equal(v, 0x8000020200000000);
	assert_false(tdxsim_status_by_name("TDX_NOPE", &v));
	assert_string_equal(tdxsim_field_name(TDXSIM_MD_CMR_SIZE + 3, buf, sizeof(buf)), "CMR_SIZE[3]");
	assert_string_equal(tdxsim_field_name(TDXSIM_MD_TDX_FEATURES0, buf, sizeof(buf)), "TDX_FEATURES0");
	assert_string_equal(tdxsim_msr_name(0x87), "IA32_MKTME_KEYID_PARTITIONING");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(config__bad_fields__named_in_message),
		cmocka_unit_test(msr__layouts),
		cmocka_unit_test(msr__too_few_keyids__looks_like_bios_without_tdx),
		cmocka_unit_test(sys_init__msr_rules),
		cmocka_unit_test(vmx__seamcall_outside_vmx_is_ud),
		cmocka_unit_test(memory__pa_va_round_trip_and_holes),
		cmocka_unit_test(memory__allocator),
		cmocka_unit_test(memory__16tib_host_costs_only_what_is_touched),
		cmocka_unit_test(two_simulators__do_not_see_each_other),
		cmocka_unit_test(api__misuse_is_reported_not_crashed),
		cmocka_unit_test(api__unemulated_leaf_is_distinct_software_status),
		cmocka_unit_test(registers__untouched_ones_keep_their_values),
		cmocka_unit_test(inject__status_without_effect),
		cmocka_unit_test(inject__key_generation_failed_then_host_retries),
		cmocka_unit_test(inject__key_generation_keeps_failing__host_gives_up),
		cmocka_unit_test(inject__interrupted_resumable_on_tdmr_init),
		cmocka_unit_test(cycles__deterministic_and_configurable),
		cmocka_unit_test(observer__sees_every_executed_seamcall),
		cmocka_unit_test(names__statuses_leaves_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
