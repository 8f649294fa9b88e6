/* SPDX-License-Identifier: MIT */
/*
 * tdxsim/linux.h: Linux's names and values, struct tdx_module_args, which registers each
 * __seamcall*() variant passes and copies back (sheet 1.4, Linux's tdxcall.S), and the
 * per-thread current CPU.
 */
/* Host code may already have some of Linux's names: its definition is kept, without a
 * redefinition warning (-Werror would stop the build). */
#define TDX_OPERAND_ID_RCX 0x01
#define TDH_SYS_RD	   34

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "tdxsim/linux.h"
#include "tdxsim/platform.h"

/* ---- names: one row per name, with the value Linux's headers give it ------------------- */

struct name_row {
	const char *name;
	uint64_t value; /* what linux.h defines */
	uint64_t linux_value;
};

#define ROW(n, v)                              \
	{                                      \
#n, (uint64_t)(n), UINT64_C(v) \
	}

/* Sources: arch/x86/virt/vmx/tdx/tdx.h, arch/x86/include/asm/tdx.h,
 * arch/x86/include/asm/shared/tdx_errno.h (sheet [LN]). */
static const struct name_row linux_names[] = {
	ROW(TDH_VP_ENTER, 0),
	ROW(TDH_MNG_ADDCX, 1),
	ROW(TDH_MEM_PAGE_ADD, 2),
	ROW(TDH_MEM_SEPT_ADD, 3),
	ROW(TDH_VP_ADDCX, 4),
	ROW(TDH_MEM_PAGE_AUG, 6),
	ROW(TDH_MEM_RANGE_BLOCK, 7),
	ROW(TDH_MNG_KEY_CONFIG, 8),
	ROW(TDH_MNG_CREATE, 9),
	ROW(TDH_VP_CREATE, 10),
	ROW(TDH_MNG_RD, 11),
	ROW(TDH_MR_EXTEND, 16),
	ROW(TDH_MR_FINALIZE, 17),
	ROW(TDH_VP_FLUSH, 18),
	ROW(TDH_MNG_VPFLUSHDONE, 19),
	ROW(TDH_MNG_KEY_FREEID, 20),
	ROW(TDH_MNG_INIT, 21),
	ROW(TDH_VP_INIT, 22),
	ROW(TDH_PHYMEM_PAGE_RDMD, 24),
	ROW(TDH_VP_RD, 26),
	ROW(TDH_PHYMEM_PAGE_RECLAIM, 28),
	ROW(TDH_MEM_PAGE_REMOVE, 29),
	ROW(TDH_SYS_KEY_CONFIG, 31),
	ROW(TDH_SYS_INIT, 33),
	ROW(TDH_SYS_RD, 34),
	ROW(TDH_SYS_LP_INIT, 35),
	ROW(TDH_SYS_TDMR_INIT, 36),
	ROW(TDH_MEM_TRACK, 38),
	ROW(TDH_PHYMEM_CACHE_WB, 40),
	ROW(TDH_PHYMEM_PAGE_WBINVD, 41),
	ROW(TDH_VP_WR, 43),
	ROW(TDH_SYS_CONFIG, 45),
	ROW(TDH_SYS_SHUTDOWN, 52),
	ROW(TDH_SYS_UPDATE, 53),
	ROW(TDH_SYS_DISABLE, 69),
	ROW(TDX_VERSION_SHIFT, 16),
	ROW(P_SEAMLDR_INFO, 0x8000000000000000),
	ROW(P_SEAMLDR_INSTALL, 0x8000000000000001),
	ROW(TDX_SUCCESS, 0),
	ROW(TDX_RND_NO_ENTROPY, 0x8000020300000000),
	ROW(TDX_OPERAND_BUSY, 0x8000020000000000),
	ROW(TDX_OPERAND_INVALID, 0xC000010000000000),
	ROW(TDX_SYS_BUSY, 0x8000020200000000),
	ROW(TDX_INTERRUPTED_RESUMABLE, 0x8000000300000000),
	ROW(TDX_PREVIOUS_TLB_EPOCH_BUSY, 0x8000020100000000),
	ROW(TDX_PAGE_METADATA_INCORRECT, 0xC000030000000000),
	ROW(TDX_VCPU_NOT_ASSOCIATED, 0x8000070200000000),
	ROW(TDX_KEY_GENERATION_FAILED, 0x8000080000000000),
	ROW(TDX_KEY_STATE_INCORRECT, 0xC000081100000000),
	ROW(TDX_KEY_CONFIGURED, 0x0000081500000000),
	ROW(TDX_NO_HKID_READY_TO_WBCACHE, 0x0000082100000000),
	ROW(TDX_FLUSHVP_NOT_DONE, 0x8000082400000000),
	ROW(TDX_EPT_WALK_FAILED, 0xC0000B0000000000),
	ROW(TDX_EPT_ENTRY_STATE_INCORRECT, 0xC0000B0D00000000),
	ROW(TDX_METADATA_FIELD_NOT_READABLE, 0xC0000C0200000000),
	ROW(TDX_NON_RECOVERABLE_VCPU, 0x4000000100000000),
	ROW(TDX_NON_RECOVERABLE_TD_NON_ACCESSIBLE, 0x6000000500000000),
	ROW(TDX_ERROR, 0x8000000000000000),
	ROW(TDX_NON_RECOVERABLE, 0x4000000000000000),
	ROW(TDX_SW_ERROR, 0x8000FF0000000000),
	ROW(TDX_SEAMCALL_VMFAILINVALID, 0x8000FF00FFFF0000),
	ROW(TDX_SEAMCALL_GP, 0x8000FF000000000D),
	ROW(TDX_SEAMCALL_UD, 0x8000FF0000000006),
	ROW(TDX_SEAMCALL_STATUS_MASK, 0xFFFFFFFF00000000),
	ROW(TDX_OPERAND_ID_RCX, 0x01),
	ROW(TDX_OPERAND_ID_TDR, 0x80),
	ROW(TDX_OPERAND_ID_SEPT, 0x92),
	ROW(TDX_OPERAND_ID_TD_EPOCH, 0xa9),
};

static void linux_names__have_linux_values(void **state)
{
	for (size_t i = 0; i < sizeof(linux_names) / sizeof(linux_names[0]); i++) {
		if (linux_names[i].value != linux_names[i].linux_value)
			fail_msg("%s = 0x%llx, Linux has 0x%llx", linux_names[i].name,
				 (unsigned long long)linux_names[i].value,
				 (unsigned long long)linux_names[i].linux_value);
	}
}

/* Two statuses where Linux's tdx_errno.h differs from the module source (sheet 3.2): linux.h
 * carries the module's value, the one tdxsim returns (docs/linux-compat.md). */
static const struct name_row module_values[] = {
	ROW(TDX_NON_RECOVERABLE_TD, 0x6000000200000000),
	ROW(TDX_NON_RECOVERABLE_TD_WRONG_APIC_MODE, 0xE000000700000000),
};

static void linux_names__differing_statuses_carry_module_values(void **state)
{
	for (size_t i = 0; i < sizeof(module_values) / sizeof(module_values[0]); i++)
		assert_int_equal(module_values[i].value, module_values[i].linux_value);
}

/* Every generated name equals its TDXSIM_ constant (spot checks across the three tables). */
static void linux_names__are_the_tdxsim_constants(void **state)
{
	assert_int_equal(TDH_MEM_SEPT_REMOVE, TDXSIM_TDH_MEM_SEPT_REMOVE);
	assert_int_equal(TDH_MIG_STREAM_CREATE, TDXSIM_TDH_MIG_STREAM_CREATE);
	assert_int_equal(TDX_GLA_NOT_CANONICAL, TDXSIM_TDX_GLA_NOT_CANONICAL);
	assert_int_equal(TDX_OPERAND_ID_WBCACHE, TDXSIM_OPERAND_WBCACHE);
}

/* ---- struct tdx_module_args ------------------------------------------------------------- */

static void module_args__linux_order(void **state)
{
	static const struct {
		size_t offset, expected;
	} rows[] = {
		{offsetof(struct tdx_module_args, rcx), 0x00}, {offsetof(struct tdx_module_args, rdx), 0x08},
		{offsetof(struct tdx_module_args, r8), 0x10},  {offsetof(struct tdx_module_args, r9), 0x18},
		{offsetof(struct tdx_module_args, r10), 0x20}, {offsetof(struct tdx_module_args, r11), 0x28},
		{offsetof(struct tdx_module_args, r12), 0x30}, {offsetof(struct tdx_module_args, r13), 0x38},
		{offsetof(struct tdx_module_args, r14), 0x40}, {offsetof(struct tdx_module_args, r15), 0x48},
		{offsetof(struct tdx_module_args, rbx), 0x50}, {offsetof(struct tdx_module_args, rdi), 0x58},
		{offsetof(struct tdx_module_args, rsi), 0x60},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		assert_int_equal(rows[i].offset, rows[i].expected);
	assert_int_equal(sizeof(struct tdx_module_args), 13 * 8);
}

/* ---- what each variant passes and copies back ------------------------------------------- */

struct seen {
	unsigned calls;
	tdxsim_call_record_t last;
};

static void observe(tdxsim_t *sim, const tdxsim_call_record_t *rec, void *user)
{
	struct seen *s = user;
	s->calls++;
	s->last = *rec;
}

struct ctx {
	struct fx fx;
	struct seen seen;
};

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));
	fx_create(&c->fx, NULL, FX_LPINIT);
	tdxsim_set_call_observer(c->fx.sim, observe, &c->seen);
	tdxsim_linux_set_cpu(c->fx.sim, 1);
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;
	tdxsim_linux_set_cpu(NULL, 0);
	fx_destroy(&c->fx);
	free(c);
	return 0;
}

/* A TDH.SYS.RD of MAX_TDMRS with every other register holding a sentinel. */
static struct tdx_module_args sys_rd_args(void)
{
	return (struct tdx_module_args){.rcx = 0x11,
					.rdx = TDXSIM_MD_MAX_TDMRS,
					.r8 = 0x88,
					.r9 = 0x99,
					.r10 = 0x1010,
					.r11 = 0x1111,
					.r12 = 0x1212,
					.r13 = 0x1313,
					.r14 = 0x1414,
					.r15 = 0x1515,
					.rbx = 0xbbbb,
					.rdi = 0xd1d1,
					.rsi = 0x5151};
}

static void regs_equal(const void *a, const void *b, size_t from, size_t to)
{
	for (size_t off = from; off < to; off += 8) {
		uint64_t x, y;
		memcpy(&x, (const uint8_t *)a + off, 8);
		memcpy(&y, (const uint8_t *)b + off, 8);
		if (x != y)
			fail_msg("register at offset 0x%zx: 0x%llx != 0x%llx", off, (unsigned long long)x,
				 (unsigned long long)y);
	}
}

#define BASIC offsetof(struct tdx_module_args, r12) /* RCX..R11 */
#define ALL   sizeof(struct tdx_module_args)

static void seamcall__loads_rcx_to_r11_writes_nothing_back(void **state)
{
	struct ctx *c = *state;
	struct tdx_module_args args = sys_rd_args(), in = args;
	assert_status(__seamcall(TDH_SYS_RD, &args), TDX_SUCCESS);
	assert_int_equal(c->seen.last.lp, 1);
	assert_int_equal(c->seen.last.out.r8, 64); /* the module answered... */
	regs_equal(&args, &in, 0, ALL);		   /* ...and none of it came back */
	regs_equal(&c->seen.last.in, &in, 0, BASIC);
	/* RDI and RSI are Linux's function arguments, the rest is not loaded. */
	assert_int_equal(c->seen.last.in.rdi, TDH_SYS_RD);
	assert_int_equal(c->seen.last.in.rsi, (uintptr_t)&args);
	assert_int_equal(c->seen.last.in.r12, 0);
	assert_int_equal(c->seen.last.in.rbx, 0);
}

static void seamcall_ret__copies_back_rcx_to_r11_only(void **state)
{
	struct ctx *c = *state;
	struct tdx_module_args args = sys_rd_args(), in = args;
	assert_status(__seamcall_ret(TDH_SYS_RD, &args), TDX_SUCCESS);
	assert_int_equal(args.r8, 64);
	regs_equal(&args, &c->seen.last.out, 0, BASIC);
	regs_equal(&args, &in, BASIC, ALL); /* RDI/RSI keep the caller's values */
	assert_int_equal(c->seen.last.in.rdi, TDH_SYS_RD);
}

static void seamcall_ret__copies_back_on_module_error(void **state)
{
	struct ctx *c = *state;
	struct tdx_module_args args = sys_rd_args(), in = args;
	args.rdx = UINT64_C(0x9100000100000FFF); /* no such field */
	uint64_t status = __seamcall_ret(TDH_SYS_RD, &args);
	assert_true(status & TDX_ERROR);
	assert_int_not_equal(status & TDX_SW_ERROR, TDX_SW_ERROR);
	/* The module did write outputs on this error (RDX, R8), so the copy-back is visible. */
	assert_true(memcmp(&c->seen.last.out, &in, BASIC) != 0);
	regs_equal(&args, &c->seen.last.out, 0, BASIC);
	regs_equal(&args, &in, BASIC, ALL);
}

static void seamcall_saved_ret__passes_and_returns_every_gpr(void **state)
{
	struct ctx *c = *state;
	struct tdx_module_args args = sys_rd_args(), in = args;
	assert_status(__seamcall_saved_ret(TDH_SYS_RD, &args), TDX_SUCCESS);
	regs_equal(&c->seen.last.in, &in, 0, ALL);
	regs_equal(&args, &c->seen.last.out, 0, ALL);
	assert_int_equal(args.r8, 64);
}

/* Linux reaches the P-SEAMLDR through the same entry (seamldr.c: RCX = PA of SEAMLDR_INFO). */
static void seamcall__reaches_the_p_seamldr(void **state)
{
	struct ctx *c = *state;
	uint64_t pa;
	assert_int_equal(tdxsim_phys_alloc(c->fx.sim, 4096, 4096, UINT32_MAX, &pa), TDXSIM_OK);
	struct tdx_module_args args = {.rcx = pa};
	assert_status(__seamcall(P_SEAMLDR_INFO, &args), TDX_SUCCESS);
	const struct tdxsim_seamldr_info *info = tdxsim_phys_to_virt(c->fx.sim, pa, sizeof(*info));
	assert_int_equal(info->vendor_id, 0x8086);
	assert_int_equal(c->seen.last.rax, P_SEAMLDR_INFO);
	assert_int_equal(c->seen.last.lp, 1);
}

/* When the SEAMCALL instruction itself fails, no variant copies anything back. */
typedef uint64_t (*variant_fn)(uint64_t fn, struct tdx_module_args *args);
static const variant_fn variants[] = {__seamcall, __seamcall_ret, __seamcall_saved_ret};

static void check_untouched(uint64_t expected_status)
{
	for (size_t v = 0; v < 3; v++) {
		struct tdx_module_args args = sys_rd_args(), in = args;
		assert_status(variants[v](TDH_SYS_RD, &args), expected_status);
		regs_equal(&args, &in, 0, ALL);
	}
}

static void all_variants__ud_outside_vmx__nothing_copied(void **state)
{
	struct ctx *c = *state;
	assert_int_equal(tdxsim_vmxoff(c->fx.sim, 1), TDXSIM_OK);
	check_untouched(TDX_SEAMCALL_UD);
}

static void all_variants__no_module__vmfailinvalid_nothing_copied(void **state)
{
	struct ctx *c = *state;
	assert_int_equal(tdxsim_sleep_enter(c->fx.sim), TDXSIM_OK);
	assert_int_equal(tdxsim_sleep_resume(c->fx.sim), TDXSIM_OK);
	assert_int_equal(tdxsim_vmxon(c->fx.sim, 1), TDXSIM_OK);
	check_untouched(TDX_SEAMCALL_VMFAILINVALID);
}

static void all_variants__no_current_cpu__api_misuse(void **state)
{
	tdxsim_linux_set_cpu(NULL, 0);
	check_untouched(TDXSIM_STATUS_API_MISUSE);
}

static void all_variants__lp_out_of_range__api_misuse(void **state)
{
	struct ctx *c = *state;
	tdxsim_linux_set_cpu(c->fx.sim, tdxsim_num_lps(c->fx.sim));
	check_untouched(TDXSIM_STATUS_API_MISUSE);
}

/* ---- the current CPU is per thread ------------------------------------------------------- */

struct other {
	tdxsim_t *sim;
	bool had_cpu;
	uint64_t status;
	uint32_t lp_after;
};

static void *other_thread(void *p)
{
	struct other *o = p;
	o->had_cpu = tdxsim_linux_get_cpu(NULL, NULL);
	tdxsim_linux_set_cpu(o->sim, 3);
	struct tdx_module_args args = sys_rd_args();
	o->status = __seamcall_ret(TDH_SYS_RD, &args);
	tdxsim_linux_get_cpu(NULL, &o->lp_after);
	return NULL;
}

static void current_cpu__set_per_thread(void **state)
{
	struct ctx *c = *state;
	struct other o = {.sim = c->fx.sim};
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, other_thread, &o), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_false(o.had_cpu); /* a new thread starts with none */
	assert_status(o.status, TDX_SUCCESS);
	assert_int_equal(o.lp_after, 3);
	assert_int_equal(c->seen.last.lp, 3); /* the other thread's call ran on its LP */

	tdxsim_t *sim;
	uint32_t lp;
	assert_true(tdxsim_linux_get_cpu(&sim, &lp)); /* this thread's setting is unchanged */
	assert_ptr_equal(sim, c->fx.sim);
	assert_int_equal(lp, 1);
	struct tdx_module_args args = sys_rd_args();
	assert_status(__seamcall(TDH_SYS_RD, &args), TDX_SUCCESS);
	assert_int_equal(c->seen.last.lp, 1);
}

static void current_cpu__null_clears(void **state)
{
	tdxsim_linux_set_cpu(NULL, 5);
	tdxsim_t *sim = (tdxsim_t *)state;
	uint32_t lp = 7;
	assert_false(tdxsim_linux_get_cpu(&sim, &lp));
	assert_null(sim);
	assert_int_equal(lp, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(linux_names__have_linux_values),
		cmocka_unit_test(linux_names__differing_statuses_carry_module_values),
		cmocka_unit_test(linux_names__are_the_tdxsim_constants),
		cmocka_unit_test(module_args__linux_order),
		cmocka_unit_test_setup_teardown(seamcall__loads_rcx_to_r11_writes_nothing_back, setup,
						teardown),
		cmocka_unit_test_setup_teardown(seamcall_ret__copies_back_rcx_to_r11_only, setup, teardown),
		cmocka_unit_test_setup_teardown(seamcall_ret__copies_back_on_module_error, setup, teardown),
		cmocka_unit_test_setup_teardown(seamcall_saved_ret__passes_and_returns_every_gpr, setup,
						teardown),
		cmocka_unit_test_setup_teardown(seamcall__reaches_the_p_seamldr, setup, teardown),
		cmocka_unit_test_setup_teardown(all_variants__ud_outside_vmx__nothing_copied, setup,
						teardown),
		cmocka_unit_test_setup_teardown(all_variants__no_module__vmfailinvalid_nothing_copied, setup,
						teardown),
		cmocka_unit_test_setup_teardown(all_variants__no_current_cpu__api_misuse, setup, teardown),
		cmocka_unit_test_setup_teardown(all_variants__lp_out_of_range__api_misuse, setup, teardown),
		cmocka_unit_test_setup_teardown(current_cpu__set_per_thread, setup, teardown),
		cmocka_unit_test(current_cpu__null_clears),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
