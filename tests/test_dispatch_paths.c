/* SPDX-License-Identifier: MIT */
/*
 * The SEAMCALL dispatcher's two paths (src/seamcall/dispatch.c) answer alike. A plain call (no
 * observer, no injection queued, the LP online and in VMX operation, a version-0 module leaf,
 * SYS_READY) skips the full sequence of checks; any registered hook sends every call through
 * it. Each row is one rule, run on two simulators built identically: one with no hook (the
 * plain path wherever the row allows it) and one with a hook that changes no answer, either a
 * call observer or an injection queued for an LP no row calls on. Both must give the same
 * status, every output register, the same virtual cycles, state hash and last error; the
 * observer must see exactly that call.
 */
#include <string.h>

#include "td_fixture.h"
#include "tdxsim/platform.h"
#include "tdxsim/seamldr.h"

#define JUNK	     UINT64_C(0xA5A5A5A5A5A5A5A5)
#define NUM_PKGS     2
#define LPS_PER_PKG  2
#define UNCALLED_LP  (NUM_PKGS * LPS_PER_PKG - 1) /* the injection's LP: no row calls on it */
#define LEAF_UNKNOWN 0x7E			  /* no leaf of any profile */

/* Run on each simulator before the call; may set input registers from what it built. */
typedef void (*row_setup_fn)(struct fx *fx, tdxsim_regs_t *in);

struct path_row {
	const char *rule;
	tdxsim_module_profile_t profile;
	enum fx_stage stage;
	row_setup_fn setup; /* NULL: none */
	uint32_t lp;
	uint64_t rax, rcx, rdx, r8;
};

static void page_in_rcx(struct fx *fx, tdxsim_regs_t *in)
{
	in->rcx = tdfx_page(fx);
}

/* TDH.SYS.RDALL: RDX = the output page, R8 = the first field id (-1: from the start). */
static void page_in_rdx(struct fx *fx, tdxsim_regs_t *in)
{
	in->rdx = tdfx_page(fx);
}

static void first_tdmr_in_rcx(struct fx *fx, tdxsim_regs_t *in)
{
	in->rcx = fx->host.tdmrs[0].base;
}

static void new_tdr_and_hkid(struct fx *fx, tdxsim_regs_t *in)
{
	in->rcx = tdfx_page(fx);
	in->rdx = tdfx_free_hkid(fx);
}

/* A TDR already in use, and a KeyID still free: the second CREATE fails on the page. */
static void existing_tdr(struct fx *fx, tdxsim_regs_t *in)
{
	struct tdfx_td td;
	tdfx_create(fx, &td, 0);
	in->rcx = td.tdr;
	in->rdx = tdfx_free_hkid(fx);
}

static void lp1_vmxoff(struct fx *fx, tdxsim_regs_t *in)
{
	assert_int_equal(tdxsim_vmxoff(fx->sim, 1), TDXSIM_OK);
}

static void lp1_offline(struct fx *fx, tdxsim_regs_t *in)
{
	assert_int_equal(tdxsim_lp_offline(fx->sim, 1), TDXSIM_OK);
}

/* Back online, as after a fresh bring-up: not in VMX operation. */
static void lp1_offline_online(struct fx *fx, tdxsim_regs_t *in)
{
	assert_int_equal(tdxsim_lp_offline(fx->sim, 1), TDXSIM_OK);
	assert_int_equal(tdxsim_lp_online(fx->sim, 1), TDXSIM_OK);
}

static void sys_shutdown(struct fx *fx, tdxsim_regs_t *in)
{
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_SYS_SHUTDOWN, 0, 0, 0, NULL), TDXSIM_TDX_SUCCESS);
}

#define V15 TDXSIM_MODULE_1_5_05
#define RD  TDXSIM_TDH_SYS_RD
#define NA  (~UINT64_C(0))

static const struct path_row rows[] = {
	/* TDH.SYS.RD (sheet 4.1) when ready: the plain path's leaf of bench_seamcall. */
	{"sys_rd__field__value_and_next_row", V15, FX_INITIALIZED, NULL, 0, RD,
	 .rdx = TDXSIM_MD_MINOR_VERSION},
	{"sys_rd__array_element__next_element", V15, FX_INITIALIZED, NULL, 0, RD,
	 .rdx = TDXSIM_MD_CPUID_CONFIG_LEAVES + 1},
	{"sys_rd__last_array_element__next_row", V15, FX_INITIALIZED, NULL, 0, RD,
	 .rdx = TDXSIM_MD_CMR_BASE + 31},
	{"sys_rd__context_bits__ignored", V15, FX_INITIALIZED, NULL, 0, RD,
	 .rdx = TDXSIM_MD_MINOR_VERSION | UINT64_C(5) << 52},
	{"sys_rd__bit_63__kept_in_next", V15, FX_INITIALIZED, NULL, 0, RD,
	 .rdx = TDXSIM_MD_CMR_BASE | UINT64_C(1) << 63},
	{"sys_rd__reserved_id_bit__field_id_incorrect", V15, FX_INITIALIZED, NULL, 0, RD,
	 .rdx = TDXSIM_MD_MINOR_VERSION | UINT64_C(1) << 24},
	{"sys_rd__no_such_field__field_id_incorrect", V15, FX_INITIALIZED, NULL, 0, RD,
	 .rdx = UINT64_C(0x0800000100000077)},
	{"sys_rd__minus_one__first_field_id", V15, FX_INITIALIZED, NULL, 0, RD, .rdx = NA},
	{"sys_rd__other_lp__same_answer", V15, FX_INITIALIZED, NULL, 2, RD, .rdx = TDXSIM_MD_MINOR_VERSION},
	{"sys_rdall__from_start__page_written", V15, FX_INITIALIZED, page_in_rdx, 0, TDXSIM_TDH_SYS_RDALL,
	 .r8 = NA},
	/* RAX (sheet 1.1, 1.2 steps 1-3). */
	{"rax_version_1__operand_invalid_rax", V15, FX_INITIALIZED, NULL, 0, RD | UINT64_C(1) << 16,
	 .rdx = TDXSIM_MD_MINOR_VERSION},
	{"rax_reserved_bit__operand_invalid_rax", V15, FX_INITIALIZED, NULL, 0, RD | UINT64_C(1) << 24,
	 .rdx = TDXSIM_MD_MINOR_VERSION},
	{"rax_version_1_supported__handler_answers", V15, FX_INITIALIZED, NULL, 0,
	 TDXSIM_TDH_MNG_RD | UINT64_C(1) << 16, .rdx = TDXSIM_MD_MINOR_VERSION},
	{"rax_version_above_leaf_max__operand_invalid_rax", V15, FX_INITIALIZED, NULL, 0,
	 TDXSIM_TDH_MNG_RD | UINT64_C(2) << 16, .rcx = 0},
	{"leaf_in_no_profile__operand_invalid_rax", V15, FX_INITIALIZED, NULL, 0, LEAF_UNKNOWN, .rcx = 0},
	{"leaf_beyond_table__operand_invalid_rax", V15, FX_INITIALIZED, NULL, 0, 0x1234, .rcx = 0},
	{"leaf_absent_from_profile__operand_invalid_rax", V15, FX_INITIALIZED, NULL, 0,
	 TDXSIM_TDH_SYS_DISABLE, .rcx = 0},
	{"leaf_without_handler__not_emulated", V15, FX_INITIALIZED, NULL, 0, TDXSIM_TDH_SERVTD_BIND,
	 .rcx = 0},
	{"seamldr_leaf__loader_answers", V15, FX_INITIALIZED, NULL, 0, TDXSIM_SEAMLDR_INFO, .rcx = 0},
	/* Leaves that change state, take locks and charge per-unit cycles. */
	{"tdmr_init__chunk_initialized", V15, FX_READY, first_tdmr_in_rcx, 0, TDXSIM_TDH_SYS_TDMR_INIT,
	 .rcx = 0},
	{"phymem_page_rdmd__page_metadata", V15, FX_INITIALIZED, page_in_rcx, 0, TDXSIM_TDH_PHYMEM_PAGE_RDMD,
	 .rcx = 0},
	{"mng_create__new_td", V15, FX_INITIALIZED, new_tdr_and_hkid, 0, TDXSIM_TDH_MNG_CREATE, .rcx = 0},
	{"mng_create__tdr_in_use__error", V15, FX_INITIALIZED, existing_tdr, 0, TDXSIM_TDH_MNG_CREATE,
	 .rcx = 0},
	/* The CPU's checks on the calling LP (sheet 1.5). */
	{"lp_not_in_vmx__ud", V15, FX_INITIALIZED, lp1_vmxoff, 1, RD, .rdx = TDXSIM_MD_MINOR_VERSION},
	{"lp_offline__api_misuse", V15, FX_INITIALIZED, lp1_offline, 1, RD, .rdx = TDXSIM_MD_MINOR_VERSION},
	{"lp_back_online_without_vmxon__ud", V15, FX_INITIALIZED, lp1_offline_online, 1, RD,
	 .rdx = TDXSIM_MD_MINOR_VERSION},
	/* Module states other than SYS_READY (sheet 1.2 step 4, 7.1). */
	{"before_lp_init__sys_rd_lp_init_not_done", V15, FX_SYSINIT, NULL, 0, RD,
	 .rdx = TDXSIM_MD_MINOR_VERSION},
	{"not_ready__sys_rd_allowed", V15, FX_CONFIGURED, NULL, 0, RD, .rdx = TDXSIM_MD_MINOR_VERSION},
	{"not_ready__mng_create_sys_not_ready", V15, FX_CONFIGURED, NULL, 0, TDXSIM_TDH_MNG_CREATE, .rcx = 0},
	{"not_ready__unknown_leaf_sys_not_ready", V15, FX_CONFIGURED, NULL, 0, LEAF_UNKNOWN, .rcx = 0},
	{"shutdown__sys_rd_sys_shutdown", V15, FX_INITIALIZED, sys_shutdown, 0, RD,
	 .rdx = TDXSIM_MD_MINOR_VERSION},
	/* Profiles: TDX 1.0 has no SYS.RD and compares all of RAX; "next" has SYS.DISABLE. */
	{"abi_1_0__sys_rd_absent__operand_invalid_rax", TDXSIM_MODULE_1_0, FX_INITIALIZED, NULL, 0, RD,
	 .rdx = TDXSIM_MD_MINOR_VERSION},
	{"abi_1_0__sys_info_no_buffers__error", TDXSIM_MODULE_1_0, FX_INITIALIZED, NULL, 0,
	 TDXSIM_TDH_SYS_INFO, .rcx = 0},
	{"abi_1_0__version_bits__unknown_leaf", TDXSIM_MODULE_1_0, FX_INITIALIZED, NULL, 0,
	 TDXSIM_TDH_SYS_INFO | UINT64_C(1) << 16, .rcx = 0},
	{"next__sys_disable__module_disabled", TDXSIM_MODULE_NEXT, FX_INITIALIZED, NULL, 0,
	 TDXSIM_TDH_SYS_DISABLE, .rcx = 0},
};

enum hook { HOOK_OBSERVER, HOOK_INJECTION };

struct seen {
	unsigned calls;
	tdxsim_call_record_t rec;
};

static void observe(tdxsim_t *sim, const tdxsim_call_record_t *rec, void *user)
{
	struct seen *s = user;
	s->calls++;
	s->rec = *rec;
}

/* What one call did on one simulator. */
struct outcome {
	uint64_t status;
	tdxsim_regs_t in, out;
	uint64_t cycles, hash;
	char error[256];
};

static void prepare(struct fx *fx, const struct path_row *row, tdxsim_regs_t *in)
{
	tdxsim_config_t cfg;
	tdxsim_config_init(&cfg);
	cfg.num_packages = NUM_PKGS;
	cfg.lps_per_package = LPS_PER_PKG;
	cfg.module = row->profile;
	fx_create(fx, &cfg, row->stage);
	memset(in, 0xA5, sizeof(*in));
	in->rcx = row->rcx;
	in->rdx = row->rdx;
	in->r8 = row->r8;
	if (row->setup)
		row->setup(fx, in);
}

static void call(struct fx *fx, const struct path_row *row, const tdxsim_regs_t *in, struct outcome *o)
{
	uint64_t cycles0 = tdxsim_lp_cycles(fx->sim, row->lp);
	o->in = *in;
	o->out = *in;
	o->status = tdxsim_seamcall(fx->sim, row->lp, row->rax, &o->out);
	o->cycles = tdxsim_lp_cycles(fx->sim, row->lp) - cycles0;
	o->hash = tdxsim_state_hash(fx->sim);
	const char *e = tdxsim_last_error(fx->sim);
	strncpy(o->error, e ? e : "", sizeof(o->error) - 1);
	o->error[sizeof(o->error) - 1] = '\0';
}

static void check_row(const struct path_row *row, enum hook hook)
{
	struct fx plain, hooked;
	tdxsim_regs_t in_plain, in_hooked;
	struct outcome a, b;
	struct seen seen = {0};

	prepare(&plain, row, &in_plain);
	prepare(&hooked, row, &in_hooked);
	assert_memory_equal(&in_plain, &in_hooked, sizeof(in_plain));
	if (hook == HOOK_OBSERVER) {
		tdxsim_set_call_observer(hooked.sim, observe, &seen);
	} else {
		tdxsim_injection_t inj;
		tdxsim_injection_init(&inj);
		inj.leaf = row->rax & (TDXSIM_SEAMLDR_BIT | TDXSIM_LEAF_MASK);
		inj.lp = UNCALLED_LP;
		inj.status = TDXSIM_TDX_OPERAND_BUSY;
		assert_int_equal(tdxsim_inject(hooked.sim, &inj), TDXSIM_OK);
	}
	assert_int_equal(tdxsim_state_hash(plain.sim), tdxsim_state_hash(hooked.sim));

	call(&plain, row, &in_plain, &a);
	call(&hooked, row, &in_hooked, &b);
	if (a.status != b.status) {
		char x[96], y[96];
		fail_msg("%s: %s without a hook, %s with one", row->rule,
			 tdxsim_status_name(a.status, x, sizeof(x)),
			 tdxsim_status_name(b.status, y, sizeof(y)));
	}
	assert_memory_equal(&a.out, &b.out, sizeof(a.out));
	assert_int_equal(a.cycles, b.cycles);
	assert_int_equal(a.hash, b.hash);
	assert_string_equal(a.error, b.error);
	if (hook == HOOK_OBSERVER) {
		/* Library misuse executes nothing and is not observed; any other call is, once. */
		assert_int_equal(seen.calls, a.status == TDXSIM_STATUS_API_MISUSE ? 0 : 1);
		if (seen.calls) {
			assert_int_equal(seen.rec.lp, row->lp);
			assert_int_equal(seen.rec.rax, row->rax);
			assert_int_equal(seen.rec.status, a.status);
			assert_memory_equal(&seen.rec.in, &a.in, sizeof(a.in));
			assert_memory_equal(&seen.rec.out, &a.out, sizeof(a.out));
			assert_int_equal(seen.rec.tsc_end - seen.rec.tsc_start, a.cycles);
		}
	}
	fx_destroy(&plain);
	fx_destroy(&hooked);
}

static void dispatch_paths__observer_on_or_off__same_answers(void **state)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		print_message("  %s\n", rows[i].rule);
		check_row(&rows[i], HOOK_OBSERVER);
	}
}

static void dispatch_paths__unmatched_injection_or_none__same_answers(void **state)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		print_message("  %s\n", rows[i].rule);
		check_row(&rows[i], HOOK_INJECTION);
	}
}

/* The plain path must notice a hook added after calls went through it, and one removed. */
static void dispatch_paths__hook_added_then_removed__each_call_sees_it(void **state)
{
	struct fx fx;
	struct seen seen = {0};
	tdxsim_regs_t r;
	fx_create(&fx, NULL, FX_INITIALIZED);

	assert_status(fx_call(fx.sim, 0, RD, 0, TDXSIM_MD_MINOR_VERSION, 0, &r), TDXSIM_TDX_SUCCESS);
	tdxsim_set_call_observer(fx.sim, observe, &seen);
	assert_status(fx_call(fx.sim, 0, RD, 0, TDXSIM_MD_MINOR_VERSION, 0, &r), TDXSIM_TDX_SUCCESS);
	assert_int_equal(seen.calls, 1);
	tdxsim_set_call_observer(fx.sim, NULL, NULL);
	assert_status(fx_call(fx.sim, 0, RD, 0, TDXSIM_MD_MINOR_VERSION, 0, &r), TDXSIM_TDX_SUCCESS);
	assert_int_equal(seen.calls, 1);

	assert_int_equal(tdxsim_inject_status(fx.sim, RD, 0, 1, TDXSIM_TDX_SYS_BUSY), TDXSIM_OK);
	assert_status(fx_call(fx.sim, 0, RD, 0, TDXSIM_MD_MINOR_VERSION, 0, &r), TDXSIM_TDX_SYS_BUSY);
	assert_status(fx_call(fx.sim, 0, RD, 0, TDXSIM_MD_MINOR_VERSION, 0, &r), TDXSIM_TDX_SUCCESS);
	fx_destroy(&fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dispatch_paths__observer_on_or_off__same_answers),
		cmocka_unit_test(dispatch_paths__unmatched_injection_or_none__same_answers),
		cmocka_unit_test(dispatch_paths__hook_added_then_removed__each_call_sees_it),
	};
	return cmocka_run_group_tests_name("dispatch_paths", tests, NULL, NULL);
}
