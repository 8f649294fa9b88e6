/* SPDX-License-Identifier: MIT */
/*
 * TD-preserving runtime update through the P-SEAMLDR (sheet 2.2, 2.4, 7.1, 14.3;
 * docs/lifecycle.md): P-SEAMLDR.INSTALL's session and checks, one table row per rule with the
 * loader's exact status and RDX, then TDH.SYS.UPDATE's ordering and what the new module keeps.
 * A recoverable INSTALL failure brings the old module back unchanged: the state hash after it
 * equals the one before the session's first INSTALL.
 */
#include <string.h>

#include "host_lifecycle.h"
#include "lifecycle_fixture.h"
#include "tdxsim/cpu.h"
#include "tdxsim/platform.h"

#define PAGE	    4096u
#define SEAMRR_PA   (UINT64_C(2) << 30)
#define KEYID_SHIFT 46

static struct lfx *L(void **state)
{
	return *state;
}

/* ---- INSTALL, last LP: one row per check --------------------------------------------------- */

struct install_row {
	const char *name;
	tdxsim_module_profile_t boot, target;
	void (*opts)(tdxsim_blob_opts_t *o);
	void (*mutate)(struct lfx *l); /* after SYS.SHUTDOWN, before the session */
	bool skip_shutdown;
	int updates; /* P-SEAMLDR updates left; 0 = default */
	uint64_t expected, expected_rdx;
};

static void rcx_misaligned(struct lfx *l)
{
	l->rcx += 8;
}
static void rcx_in_seamrr(struct lfx *l)
{
	l->rcx = SEAMRR_PA;
}
static void rcx_private_keyid(struct lfx *l)
{
	l->rcx |= UINT64_C(33) << KEYID_SHIFT;
}
static void params_version(struct lfx *l)
{
	l->params->version = 1;
}
static void params_reserved(struct lfx *l)
{
	l->params->reserved[50] = 1;
}
static void params_scenario_2(struct lfx *l)
{
	l->params->scenario = 2;
}
static void params_no_pages(struct lfx *l)
{
	l->params->num_module_pages = 0;
}
static void params_497_pages(struct lfx *l)
{
	l->params->num_module_pages = 497;
}
static void params_page_misaligned(struct lfx *l)
{
	l->params->module_pages_pa[0] += 64;
}
static void params_sig_in_seamrr(struct lfx *l)
{
	l->params->sigstruct_pa = SEAMRR_PA;
}
static void params_load(struct lfx *l)
{
	l->params->scenario = TDXSIM_SEAMLDR_SCENARIO_LOAD;
}
static void sig_magic(struct lfx *l)
{
	l->sig->magic[0] = 'X';
}
static void sig_vendor(struct lfx *l)
{
	l->sig->module_vendor = 0x1022;
}
static void sig_reserved(struct lfx *l)
{
	l->sig->reserved1[100] = 1;
}
static void module_byte(struct lfx *l)
{
	l->module[2000] ^= 1;
}
static void descriptor_unknown(struct lfx *l)
{
	((struct tdxsim_module_descriptor *)l->module)->profile = 9;
	lfx_rehash(l);
}
static void opt_hv_inverted(tdxsim_blob_opts_t *o)
{
	o->min_update_hv = 2, o->module_hv = 1;
}
static void opt_major_2(tdxsim_blob_opts_t *o)
{
	o->seam_svn = 0x0200;
}
static void opt_gnr_only(tdxsim_blob_opts_t *o)
{
	o->num_cpuids = 1, o->cpuids[0] = TDXSIM_FMS_GRANITE_RAPIDS;
}
static void opt_spr_other_stepping(tdxsim_blob_opts_t *o)
{
	o->num_cpuids = 2, o->cpuids[0] = TDXSIM_FMS_GRANITE_RAPIDS,
	o->cpuids[1] = TDXSIM_FMS_SAPPHIRE_RAPIDS & ~0xFu;
}
static void opt_takes_hv_1_only(tdxsim_blob_opts_t *o)
{
	o->min_update_hv = 1, o->module_hv = 1;
}
static void opt_three_pages(tdxsim_blob_opts_t *o)
{
	o->num_module_pages = 3;
}

#define B05 TDXSIM_MODULE_1_5_05
#define B06 TDXSIM_MODULE_1_5_06
#define NXT TDXSIM_MODULE_NEXT
#define R   0 /* TDXSIM_SEAMLDR_RECOVERABLE */
#define U   1 /* TDXSIM_SEAMLDR_UNRECOVERABLE */

static const struct install_row install_rows[] = {
	{"install__update_1_5_05_to_next__success", B05, NXT, NULL, NULL, false, 0, TDXSIM_TDX_SUCCESS, 0},
	{"install__update_to_same_version__success", B05, B05, NULL, NULL, false, 0, TDXSIM_TDX_SUCCESS, 0},
	{"install__update_1_5_06_to_next_three_pages__success", B06, NXT, opt_three_pages, NULL, false, 0,
	 TDXSIM_TDX_SUCCESS, 0},
	{"install__params_misaligned__ebadparam", B05, NXT, NULL, rcx_misaligned, false, 0,
	 TDXSIM_PSEAMLDR_EBADPARAM, R},
	{"install__params_in_seamrr__ebadparam", B05, NXT, NULL, rcx_in_seamrr, false, 0,
	 TDXSIM_PSEAMLDR_EBADPARAM, R},
	{"install__params_private_keyid__ebadparam", B05, NXT, NULL, rcx_private_keyid, false, 0,
	 TDXSIM_PSEAMLDR_EBADPARAM, R},
	{"install__params_version_1__ebadparam", B05, NXT, NULL, params_version, false, 0,
	 TDXSIM_PSEAMLDR_EBADPARAM, R},
	{"install__params_reserved_byte__ebadparam", B05, NXT, NULL, params_reserved, false, 0,
	 TDXSIM_PSEAMLDR_EBADPARAM, R},
	{"install__params_scenario_2__ebadparam", B05, NXT, NULL, params_scenario_2, false, 0,
	 TDXSIM_PSEAMLDR_EBADPARAM, R},
	{"install__params_no_module_pages__ebadparam", B05, NXT, NULL, params_no_pages, false, 0,
	 TDXSIM_PSEAMLDR_EBADPARAM, R},
	{"install__params_497_module_pages__ebadparam", B05, NXT, NULL, params_497_pages, false, 0,
	 TDXSIM_PSEAMLDR_EBADPARAM, R},
	{"install__module_page_misaligned__ebadparam", B05, NXT, NULL, params_page_misaligned, false, 0,
	 TDXSIM_PSEAMLDR_EBADPARAM, R},
	{"install__sigstruct_in_seamrr__ebadparam", B05, NXT, NULL, params_sig_in_seamrr, false, 0,
	 TDXSIM_PSEAMLDR_EBADPARAM, R},
	{"install__sigstruct_magic__ebadsig", B05, NXT, NULL, sig_magic, false, 0, TDXSIM_PSEAMLDR_EBADSIG,
	 R},
	{"install__sigstruct_vendor__ebadsig", B05, NXT, NULL, sig_vendor, false, 0, TDXSIM_PSEAMLDR_EBADSIG,
	 R},
	{"install__sigstruct_reserved__ebadsig", B05, NXT, NULL, sig_reserved, false, 0,
	 TDXSIM_PSEAMLDR_EBADSIG, R},
	{"install__sigstruct_min_hv_above_module_hv__ebadsig", B05, NXT, opt_hv_inverted, NULL, false, 0,
	 TDXSIM_PSEAMLDR_EBADSIG, R},
	{"install__module_1_0_major_svn_0__eunsupported", B05, TDXSIM_MODULE_1_0, NULL, NULL, false, 0,
	 TDXSIM_PSEAMLDR_EUNSUPPORTED, R},
	{"install__update_to_other_major_svn__eunsupported", B05, NXT, opt_major_2, NULL, false, 0,
	 TDXSIM_PSEAMLDR_EUNSUPPORTED, R},
	{"install__downgrade_next_to_1_5_05__ebadsig", NXT, B05, NULL, NULL, false, 0,
	 TDXSIM_PSEAMLDR_EBADSIG, R},
	{"install__cpu_not_supported__eunsupcpu", B05, NXT, opt_gnr_only, NULL, false, 0,
	 TDXSIM_PSEAMLDR_EUNSUPCPU, R},
	{"install__cpu_listed_other_stepping__success", B05, NXT, opt_spr_other_stepping, NULL, false, 0,
	 TDXSIM_TDX_SUCCESS, 0},
	{"install__no_updates_left__ebadcall", B05, NXT, NULL, NULL, false, -1, TDXSIM_PSEAMLDR_EBADCALL, R},
	{"install__without_sys_shutdown__ebadhandoff", B05, NXT, NULL, NULL, true, 0,
	 TDXSIM_PSEAMLDR_EBADHANDOFF, R},
	{"install__handoff_version_not_taken__ebadhandoff", B05, NXT, opt_takes_hv_1_only, NULL, false, 0,
	 TDXSIM_PSEAMLDR_EBADHANDOFF, R},
	{"install__module_page_changed__ebadhash_unrecoverable", B05, NXT, opt_three_pages, module_byte,
	 false, 0, TDXSIM_PSEAMLDR_EBADHASH, U},
	{"install__image_names_no_module__ebadparam_unrecoverable", B05, NXT, NULL, descriptor_unknown, false,
	 0, TDXSIM_PSEAMLDR_EBADPARAM, U},
	{"install__load_scenario__success_fresh_module", B05, NXT, NULL, params_load, false, 0,
	 TDXSIM_TDX_SUCCESS, 0},
};

static void run_install_row(void **state)
{
	const struct install_row *row = *state;
	tdxsim_config_t cfg;
	tdxsim_blob_opts_t opts;
	struct lfx l;

	tdxsim_config_init(&cfg);
	cfg.module = row->boot;
	if (row->updates < 0)
		cfg.seamldr_updates = 0;
	tdxsim_blob_opts_init(&opts, row->target);
	if (row->opts)
		row->opts(&opts);
	lfx_create(&l, &cfg, &opts);
	tdxsim_t *sim = l.fx.sim;
	if (!row->skip_shutdown)
		lfx_shutdown(&l);
	if (row->mutate)
		row->mutate(&l);
	tdxsim_module_state_t before_state = tdxsim_module_state(sim);
	uint64_t before = tdxsim_state_hash(sim), rdx;

	lfx_install_all_but_last(&l);
	assert_int_equal(tdxsim_module_state(sim), TDXSIM_MODULE_GONE); /* blocked by the session */
	uint64_t status = lfx_install(&l, tdxsim_num_lps(sim) - 1, &rdx);
	if (status != row->expected) {
		char a[96], e[96];
		fail_msg("%s: got %s, expected %s", row->name, tdxsim_status_name(status, a, sizeof(a)),
			 tdxsim_status_name(row->expected, e, sizeof(e)));
	}
	assert_int_equal(rdx, row->expected_rdx);
	lfx_check(&l);
	if (status == TDXSIM_TDX_SUCCESS) {
		assert_int_equal(tdxsim_module_state(sim), TDXSIM_SYSINIT_PENDING);
		assert_int_equal(tdxsim_module_profile(sim), row->target);
		bool load = l.params->scenario == TDXSIM_SEAMLDR_SCENARIO_LOAD;
		lfx_init_all(&l);
		assert_status(fx_call(sim, 0, TDXSIM_TDH_SYS_UPDATE, 0, 0, 0, NULL),
			      load ? TDXSIM_TDX_SYS_INVALID_HANDOFF : TDXSIM_TDX_SUCCESS);
		tdxsim_pamt_stats_t st;
		tdxsim_pamt_stats(sim, &st);
		assert_int_equal(st.num_tdmrs, load ? 0 : l.fx.host.num_tdmrs);
	} else if (row->expected_rdx == TDXSIM_SEAMLDR_RECOVERABLE) {
		/* The old module is back exactly as it was, the session is over. */
		assert_int_equal(tdxsim_module_state(sim), before_state);
		assert_int_equal(tdxsim_state_hash(sim), before);
		assert_int_equal(tdxsim_module_profile(sim), row->boot);
	} else {
		/* No module left: SEAMCALLs to it are VMfailInvalid, the loader still answers. */
		assert_int_equal(tdxsim_module_state(sim), TDXSIM_MODULE_GONE);
		assert_status(fx_call(sim, 0, TDXSIM_TDH_SYS_INIT, 0, 0, 0, NULL),
			      TDXSIM_TDX_SEAMCALL_VMFAILINVALID);
		assert_status(fx_call(sim, 0, TDXSIM_SEAMLDR_INFO, l.params_pa, 0, 0, NULL),
			      TDXSIM_TDX_SUCCESS);
		const struct tdxsim_seamldr_info *info = tdxsim_phys_to_virt(sim, l.params_pa, sizeof(*info));
		assert_int_equal(info->seam_ready, 0);
		assert_int_equal(info->seam_info.valid, 0);
	}
	lfx_check(&l);
	lfx_destroy(&l);
}

/* ---- INSTALL session rules ----------------------------------------------------------------- */

static int setup_next(void **state)
{
	static struct lfx l;
	tdxsim_blob_opts_t opts;
	tdxsim_blob_opts_init(&opts, TDXSIM_MODULE_NEXT);
	lfx_create(&l, NULL, &opts);
	*state = &l;
	return 0;
}

static int teardown(void **state)
{
	lfx_destroy(L(state));
	return 0;
}

static void install__twice_on_one_lp__ebadcall(void **state)
{
	struct lfx *l = L(state);
	uint64_t rdx;
	lfx_shutdown(l);
	assert_status(lfx_install(l, 1, &rdx), TDXSIM_TDX_SUCCESS);
	uint64_t before = tdxsim_state_hash(l->fx.sim);
	assert_status(lfx_install(l, 1, &rdx), TDXSIM_PSEAMLDR_EBADCALL);
	assert_int_equal(rdx, TDXSIM_SEAMLDR_RECOVERABLE);
	assert_int_equal(tdxsim_state_hash(l->fx.sim), before);
	/* The session goes on: the other LPs complete it. */
	assert_status(lfx_install(l, 0, NULL), TDXSIM_TDX_SUCCESS);
	assert_status(lfx_install(l, 2, NULL), TDXSIM_TDX_SUCCESS);
	assert_status(lfx_install(l, 3, NULL), TDXSIM_TDX_SUCCESS);
	assert_int_equal(tdxsim_module_state(l->fx.sim), TDXSIM_SYSINIT_PENDING);
}

static void install__first_lp_blocks_module_rcx_ignored_until_last(void **state)
{
	struct lfx *l = L(state);
	tdxsim_t *sim = l->fx.sim;
	lfx_shutdown(l);
	uint64_t good = l->rcx;
	l->rcx = 0x123; /* not even aligned: only the last LP looks at RCX */
	assert_status(lfx_install(l, 0, NULL), TDXSIM_TDX_SUCCESS);
	assert_status(fx_call(sim, 1, TDXSIM_TDH_SYS_RD, 0, TDXSIM_MD_MAX_TDMRS, 0, NULL),
		      TDXSIM_TDX_SEAMCALL_VMFAILINVALID);
	assert_status(fx_call(sim, 1, TDXSIM_SEAMLDR_INFO, l->params_pa, 0, 0, NULL), TDXSIM_TDX_SUCCESS);
	assert_int_equal(((struct tdxsim_seamldr_info *)l->params)->seam_ready, 0);
	assert_status(lfx_install(l, 1, NULL), TDXSIM_TDX_SUCCESS);
	assert_status(lfx_install(l, 2, NULL), TDXSIM_TDX_SUCCESS);
	/* INFO overwrote the params page; put it back for the last LP. */
	tdxsim_blob_opts_t opts;
	tdxsim_blob_opts_init(&opts, TDXSIM_MODULE_NEXT);
	memset(l->params, 0, PAGE);
	l->params->scenario = TDXSIM_SEAMLDR_SCENARIO_UPDATE;
	l->params->sigstruct_pa = l->blob_pa + PAGE;
	l->params->num_module_pages = 1;
	l->params->module_pages_pa[0] = l->blob_pa + 2 * PAGE;
	l->rcx = good;
	assert_status(lfx_install(l, 3, NULL), TDXSIM_TDX_SUCCESS);
}

/* Every LP of the platform must call INSTALL; an offline one never does (sheet 14.3, [PS23]). */
static void install__lp_offline__session_never_completes(void **state)
{
	struct lfx *l = L(state);
	tdxsim_t *sim = l->fx.sim;
	lfx_shutdown(l);
	assert_int_equal(tdxsim_lp_offline(sim, 3), TDXSIM_OK);
	for (uint32_t lp = 0; lp < 3; lp++)
		assert_status(lfx_install(l, lp, NULL), TDXSIM_TDX_SUCCESS);
	assert_int_equal(tdxsim_module_state(sim), TDXSIM_MODULE_GONE);
	/* Linux's CPU_INIT step then fails on the first CPU. */
	assert_status(fx_call(sim, 0, TDXSIM_TDH_SYS_INIT, 0, 0, 0, NULL), TDXSIM_TDX_SEAMCALL_VMFAILINVALID);
	/* Once the LP is back, its INSTALL completes the session. */
	assert_int_equal(tdxsim_lp_online(sim, 3), TDXSIM_OK);
	assert_int_equal(tdxsim_vmxon(sim, 3), TDXSIM_OK);
	assert_status(lfx_install(l, 3, NULL), TDXSIM_TDX_SUCCESS);
	assert_int_equal(tdxsim_module_state(sim), TDXSIM_SYSINIT_PENDING);
	lfx_check(l);
}

/* After an unrecoverable failure only a LOAD helps; an UPDATE has nothing to update. */
static void install__after_unrecoverable__update_ebadparam_load_recovers(void **state)
{
	struct lfx *l = L(state);
	tdxsim_t *sim = l->fx.sim;
	uint64_t rdx;
	lfx_shutdown(l);
	l->module[100] ^= 1;
	lfx_install_all_but_last(l);
	assert_status(lfx_install(l, 3, &rdx), TDXSIM_PSEAMLDR_EBADHASH);
	assert_int_equal(rdx, TDXSIM_SEAMLDR_UNRECOVERABLE);
	l->module[100] ^= 1;
	lfx_install_all_but_last(l);
	assert_status(lfx_install(l, 3, &rdx), TDXSIM_PSEAMLDR_EBADPARAM);
	assert_int_equal(rdx, TDXSIM_SEAMLDR_RECOVERABLE);
	assert_int_equal(tdxsim_module_state(sim), TDXSIM_MODULE_GONE);
	l->params->scenario = TDXSIM_SEAMLDR_SCENARIO_LOAD;
	lfx_install_all_but_last(l);
	assert_status(lfx_install(l, 3, &rdx), TDXSIM_TDX_SUCCESS);
	assert_int_equal(tdxsim_module_state(sim), TDXSIM_SYSINIT_PENDING);
	/* A fresh module: the full bring-up runs again on the old TDMR layout. */
	lfx_init_all(l);
	assert_status(fx_call(sim, 0, TDXSIM_TDH_SYS_CONFIG, l->fx.host.pa_array_pa, l->fx.host.num_tdmrs,
			      l->fx.host.global_keyid, NULL),
		      TDXSIM_TDX_SUCCESS);
	lfx_check(l);
}

/* ---- TDH.SYS.UPDATE ordering --------------------------------------------------------------- */

static void update__in_sys_ready__state_incorrect(void **state)
{
	struct lfx *l = L(state);
	uint64_t before = tdxsim_state_hash(l->fx.sim);
	assert_status(fx_call(l->fx.sim, 0, TDXSIM_TDH_SYS_UPDATE, 0, 0, 0, NULL),
		      TDXSIM_TDX_SYS_STATE_INCORRECT);
	assert_int_equal(tdxsim_state_hash(l->fx.sim), before);
}

static void update__after_shutdown__sys_shutdown(void **state)
{
	struct lfx *l = L(state);
	lfx_shutdown(l);
	assert_status(fx_call(l->fx.sim, 0, TDXSIM_TDH_SYS_UPDATE, 0, 0, 0, NULL), TDXSIM_TDX_SYS_SHUTDOWN);
	/* ... and every other leaf but LP.SHUTDOWN too (sheet 1.2 step 3). */
	assert_status(fx_call(l->fx.sim, 0, TDXSIM_TDH_SYS_INIT, 0, 0, 0, NULL), TDXSIM_TDX_SYS_SHUTDOWN);
	assert_status(fx_call(l->fx.sim, 0, TDXSIM_TDH_SYS_LP_SHUTDOWN, 0, 0, 0, NULL), TDXSIM_TDX_SUCCESS);
}

static void install_everywhere(struct lfx *l)
{
	lfx_shutdown(l);
	lfx_install_all_but_last(l);
	assert_status(lfx_install(l, 3, NULL), TDXSIM_TDX_SUCCESS);
}

static void update__before_sys_init__state_incorrect(void **state)
{
	struct lfx *l = L(state);
	install_everywhere(l);
	uint64_t before = tdxsim_state_hash(l->fx.sim);
	assert_status(fx_call(l->fx.sim, 0, TDXSIM_TDH_SYS_UPDATE, 0, 0, 0, NULL),
		      TDXSIM_TDX_SYS_STATE_INCORRECT);
	assert_int_equal(tdxsim_state_hash(l->fx.sim), before);
	/* The new module answers SYS.RD only on initialized LPs, TD leaves not at all. */
	assert_status(fx_call(l->fx.sim, 0, TDXSIM_TDH_SYS_RD, 0, TDXSIM_MD_MAX_TDMRS, 0, NULL),
		      TDXSIM_TDX_SYS_LP_INIT_NOT_DONE);
	assert_status(fx_call(l->fx.sim, 0, TDXSIM_TDH_PHYMEM_PAGE_RDMD, UINT64_C(8) << 30, 0, 0, NULL),
		      TDXSIM_TDX_SYS_NOT_READY);
}

static void update__not_every_lp_initialized__state_incorrect(void **state)
{
	struct lfx *l = L(state);
	install_everywhere(l);
	assert_status(fx_call(l->fx.sim, 0, TDXSIM_TDH_SYS_INIT, 0, 0, 0, NULL), TDXSIM_TDX_SUCCESS);
	for (uint32_t lp = 0; lp < 3; lp++)
		assert_status(fx_call(l->fx.sim, lp, TDXSIM_TDH_SYS_LP_INIT, 0, 0, 0, NULL),
			      TDXSIM_TDX_SUCCESS);
	uint64_t before = tdxsim_state_hash(l->fx.sim);
	assert_status(fx_call(l->fx.sim, 0, TDXSIM_TDH_SYS_UPDATE, 0, 0, 0, NULL),
		      TDXSIM_TDX_SYS_STATE_INCORRECT);
	assert_int_equal(tdxsim_state_hash(l->fx.sim), before);
	assert_status(fx_call(l->fx.sim, 3, TDXSIM_TDH_SYS_LP_INIT, 0, 0, 0, NULL), TDXSIM_TDX_SUCCESS);
	assert_status(fx_call(l->fx.sim, 0, TDXSIM_TDH_SYS_UPDATE, 0, 0, 0, NULL), TDXSIM_TDX_SUCCESS);
}

static void update__version_1__operand_invalid_rax(void **state)
{
	struct lfx *l = L(state);
	install_everywhere(l);
	lfx_init_all(l);
	assert_status(fx_call(l->fx.sim, 0, TDXSIM_TDH_SYS_UPDATE | 1 << 16, 0, 0, 0, NULL),
		      TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RAX);
}

/* A module configured from scratch instead of updated loses the handoff. */
static void update__after_config_instead__state_incorrect(void **state)
{
	struct lfx *l = L(state);
	tdxsim_t *sim = l->fx.sim;
	install_everywhere(l);
	lfx_init_all(l);
	assert_status(fx_call(sim, 0, TDXSIM_TDH_SYS_CONFIG, l->fx.host.pa_array_pa, l->fx.host.num_tdmrs,
			      l->fx.host.global_keyid, NULL),
		      TDXSIM_TDX_SUCCESS);
	assert_status(fx_call(sim, 0, TDXSIM_TDH_SYS_UPDATE, 0, 0, 0, NULL), TDXSIM_TDX_SYS_STATE_INCORRECT);
	tdxsim_pamt_stats_t st;
	tdxsim_pamt_stats(sim, &st);
	assert_int_equal(st.num_tdmrs, l->fx.host.num_tdmrs);
	assert_int_equal(st.initialized_bytes, 0); /* new TDMRs: TDH.SYS.TDMR.INIT starts over */
	lfx_check(l);
}

/* The whole update: the new module is ready with the old TDMRs, PAMT and keys. */
static void update__success__keeps_tdmrs_keys_reports_new_version(void **state)
{
	struct lfx *l = L(state);
	tdxsim_t *sim = l->fx.sim;
	tdxsim_pamt_stats_t before, after;
	tdxsim_regs_t r;

	tdxsim_pamt_stats(sim, &before);
	uint64_t pamt_pa = l->fx.host.tdmrs[1].pamt_base;
	lfx_update(l);
	lfx_check(l);
	assert_int_equal(tdxsim_module_state(sim), TDXSIM_SYS_READY);
	tdxsim_pamt_stats(sim, &after);
	assert_memory_equal(&before, &after, sizeof(before));
	assert_status(fx_call(sim, 2, TDXSIM_TDH_PHYMEM_PAGE_RDMD, pamt_pa, 0, 0, &r), TDXSIM_TDX_SUCCESS);
	assert_int_equal(r.rcx, TDXSIM_PT_RSVD);
	assert_status(fx_call(sim, 0, TDXSIM_TDH_SYS_RD, 0, TDXSIM_MD_UPDATE_VERSION, 0, &r),
		      TDXSIM_TDX_SUCCESS);
	assert_int_equal(r.r8, 99);
	assert_status(fx_call(sim, 0, TDXSIM_TDH_SYS_RD, 0, TDXSIM_MD_MINOR_VERSION, 0, &r),
		      TDXSIM_TDX_SUCCESS);
	assert_int_equal(r.r8, 5);
	assert_status(fx_call(sim, 0, TDXSIM_TDH_SYS_RD, 0, TDXSIM_MD_TDX_FEATURES0, 0, &r),
		      TDXSIM_TDX_SUCCESS);
	assert_true(r.r8 & TDXSIM_FEATURES0_TD_PRESERVING);
	assert_true(r.r8 & (UINT64_C(1) << 27)); /* 1.5.06's MAXPA_VIRT: not in 1.5.05 */
	/* Nothing of the bring-up is allowed or needed again. */
	assert_status(fx_call(sim, 0, TDXSIM_TDH_SYS_KEY_CONFIG, 0, 0, 0, NULL),
		      TDXSIM_TDX_SYS_KEY_CONFIG_NOT_PENDING);
	assert_status(fx_call(sim, 0, TDXSIM_TDH_SYS_CONFIG, l->fx.host.pa_array_pa, 1, 32, NULL),
		      TDXSIM_TDX_SYS_CONFIG_NOT_PENDING);
	assert_status(fx_call(sim, 0, TDXSIM_TDH_SYS_TDMR_INIT, l->fx.host.tdmrs[0].base, 0, 0, NULL),
		      TDXSIM_TDX_TDMR_ALREADY_INITIALIZED);
	assert_status(fx_call(sim, 0, TDXSIM_TDH_SYS_LP_INIT, 0, 0, 0, NULL),
		      TDXSIM_TDX_SYS_LP_INIT_NOT_PENDING);
	assert_status(fx_call(sim, 0, TDXSIM_TDH_SYS_UPDATE, 0, 0, 0, NULL), TDXSIM_TDX_SYS_STATE_INCORRECT);
	/* The loader: one update fewer, SEAMEXTEND describes the new module. */
	assert_status(fx_call(sim, 0, TDXSIM_SEAMLDR_INFO, l->params_pa, 0, 0, NULL), TDXSIM_TDX_SUCCESS);
	const struct tdxsim_seamldr_info *info = (const void *)l->params;
	assert_int_equal(info->num_remaining_updates, 15);
	assert_int_equal(info->seam_info.seam_svn, 0x0101);
	assert_int_equal(info->seam_info.valid, 0x1FF);
	assert_memory_equal(info->seam_info.mrseam, l->sig->seamhash, 48);
	assert_int_equal(info->seam_ready, 1);
	/* Leaf 69 exists now. */
	assert_status(fx_call(sim, 0, TDXSIM_TDH_SYS_DISABLE, 0, 0, 0, NULL), TDXSIM_TDX_SUCCESS);
}

/* SEAMEXTEND of the boot module: SHA-384 of its descriptor page, the one-page image that
 * tdxsim_blob_write() makes and measures with OpenSSL; tdxsim keeps these precomputed
 * (seamldr.c), so every profile is checked here. */
static void boot__mrseam__sha384_of_the_descriptor_page(void **state)
{
	unsigned profiles = 0;
	(void)state;
	for (int id = 0; id < 16; id++) {
		tdxsim_config_t cfg;
		struct fx fx;
		tdxsim_config_init(&cfg);
		cfg.module = (tdxsim_module_profile_t)id;
		if (tdxsim_config_check(&cfg, NULL, 0))
			continue;
		profiles++;
		fx_create(&fx, &cfg, FX_VMX);
		uint64_t pa;
		assert_int_equal(tdxsim_phys_alloc(fx.sim, 4096, 4096, UINT32_MAX, &pa), TDXSIM_OK);
		assert_status(fx_call(fx.sim, 0, TDXSIM_SEAMLDR_INFO, pa, 0, 0, NULL), TDXSIM_TDX_SUCCESS);
		const struct tdxsim_seamldr_info *info = tdxsim_phys_to_virt(fx.sim, pa, sizeof(*info));
		tdxsim_blob_opts_t o;
		tdxsim_blob_opts_init(&o, cfg.module);
		size_t size = tdxsim_blob_size(&o);
		uint8_t *blob = test_malloc(size);
		assert_int_equal(tdxsim_blob_write(&o, blob, size), TDXSIM_OK);
		const struct tdxsim_sigstruct *sig = (const void *)(blob + 4096);
		assert_memory_equal(info->seam_info.mrseam, sig->seamhash, 48);
		test_free(blob);
		fx_destroy(&fx);
	}
	assert_true(profiles >= 4);
}

/* TDH.SYS.SHUTDOWN's handoff-version rules ([M15x] tdh_sys_shutdown.c). */
static void shutdown__hv_above_module_hv__operand_invalid_rcx(void **state)
{
	struct lfx *l = L(state);
	uint64_t before = tdxsim_state_hash(l->fx.sim);
	assert_status(fx_call(l->fx.sim, 0, TDXSIM_TDH_SYS_SHUTDOWN, 1, 0, 0, NULL),
		      TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RCX);
	assert_int_equal(tdxsim_state_hash(l->fx.sim), before);
}

static void shutdown__no_downgrade__only_module_hv(void **state)
{
	tdxsim_blob_opts_t opts;
	struct lfx l;
	tdxsim_blob_opts_init(&opts, TDXSIM_MODULE_NEXT);
	opts.module_hv = 1;
	opts.no_downgrade = 1;
	lfx_create(&l, NULL, &opts);
	lfx_update(&l);
	tdxsim_regs_t r;
	assert_status(fx_call(l.fx.sim, 0, TDXSIM_TDH_SYS_RD, 0, TDXSIM_MD_MODULE_HV, 0, &r),
		      TDXSIM_TDX_SUCCESS);
	assert_int_equal(r.r8, 1);
	assert_status(fx_call(l.fx.sim, 0, TDXSIM_TDH_SYS_RD, 0, TDXSIM_MD_NO_DOWNGRADE, 0, &r),
		      TDXSIM_TDX_SUCCESS);
	assert_int_equal(r.r8, 1);
	assert_status(fx_call(l.fx.sim, 0, TDXSIM_TDH_SYS_SHUTDOWN, 0, 0, 0, NULL),
		      TDXSIM_TDX_OPERAND_INVALID | TDXSIM_OPERAND_RCX);
	assert_status(fx_call(l.fx.sim, 0, TDXSIM_TDH_SYS_SHUTDOWN, 1, 0, 0, NULL), TDXSIM_TDX_SUCCESS);
	lfx_destroy(&l);
}

/* ---- P-SEAMLDR.INFO and the loader's presence ---------------------------------------------- */

static void info__fields_and_bad_buffers(void **state)
{
	struct lfx *l = L(state);
	tdxsim_t *sim = l->fx.sim;
	uint64_t before = tdxsim_state_hash(sim);
	assert_status(fx_call(sim, 0, TDXSIM_SEAMLDR_INFO, l->params_pa + 128, 0, 0, NULL),
		      TDXSIM_PSEAMLDR_EBADPARAM);
	assert_status(fx_call(sim, 0, TDXSIM_SEAMLDR_INFO, SEAMRR_PA, 0, 0, NULL), TDXSIM_PSEAMLDR_EBADPARAM);
	assert_status(
		fx_call(sim, 0, TDXSIM_SEAMLDR_INFO, l->params_pa | UINT64_C(32) << KEYID_SHIFT, 0, 0, NULL),
		TDXSIM_PSEAMLDR_EBADPARAM);
	assert_status(fx_call(sim, 0, TDXSIM_SEAMLDR_BIT | 5, 0, 0, 0, NULL), TDXSIM_PSEAMLDR_EBADPARAM);
	assert_status(fx_call(sim, 0, TDXSIM_SEAMLDR_INFO | 1 << 16, l->params_pa, 0, 0, NULL),
		      TDXSIM_PSEAMLDR_EBADPARAM);
	/* A shared (MKTME) KeyID is fine: the loader's buffers are shared memory. */
	assert_status(fx_call(sim, 0, TDXSIM_SEAMLDR_INFO, l->params_pa + 256 + (UINT64_C(5) << KEYID_SHIFT),
			      0, 0, NULL),
		      TDXSIM_TDX_SUCCESS);
	assert_int_equal(tdxsim_state_hash(sim), before);
	const struct tdxsim_seamldr_info *info = (const void *)((uint8_t *)l->params + 256);
	assert_int_equal(info->vendor_id, 0x8086);
	assert_int_equal(info->major, 1);
	assert_int_equal(info->num_remaining_updates, 16);
	assert_int_equal(info->seam_info.valid, 0x1FF);
	assert_int_equal(info->seam_info.seam_svn, 0x0100);
	assert_int_equal(info->seam_ready, 1);
	assert_int_equal(info->p_seam_ready, 1);
	assert_int_equal(info->acm_x2apicid, 0);
	/* Not emulated loader leaves say so, with a software status. */
	assert_status(fx_call(sim, 0, TDXSIM_SEAMLDR_BIT | 2, 0, 0, 0, NULL), UINT64_C(0x8000FF00E0E00000));
}

static void loader__tdx_off_or_vmx_off(void **state)
{
	tdxsim_config_t cfg;
	struct fx fx;
	tdxsim_config_init(&cfg);
	cfg.num_tdx_keyids = 1; /* a BIOS without TDX loads neither loader nor module */
	fx_create(&fx, &cfg, FX_VMX);
	assert_status(fx_call(fx.sim, 0, TDXSIM_SEAMLDR_INFO, 0x10000, 0, 0, NULL),
		      TDXSIM_TDX_SEAMCALL_VMFAILINVALID);
	assert_status(fx_call(fx.sim, 0, TDXSIM_SEAMLDR_INSTALL, 0x10000, 0, 0, NULL),
		      TDXSIM_TDX_SEAMCALL_VMFAILINVALID);
	fx_destroy(&fx);
	tdxsim_config_init(&cfg);
	fx_create(&fx, &cfg, FX_FRESH);
	assert_status(fx_call(fx.sim, 0, TDXSIM_SEAMLDR_INFO, 0x10000, 0, 0, NULL), TDXSIM_TDX_SEAMCALL_UD);
	fx_destroy(&fx);
}

/* ---- Images and the host's update (examples/host-lifecycle) -------------------------------- */

static void blob__layout_linux_parses(void **state)
{
	tdxsim_blob_opts_t o;
	tdxsim_blob_opts_init(&o, TDXSIM_MODULE_1_5_06);
	o.num_module_pages = 2;
	size_t size = tdxsim_blob_size(&o);
	assert_int_equal(size, 4 * PAGE);
	static uint8_t buf[4 * PAGE];
	assert_int_equal(tdxsim_blob_write(&o, buf, size - 1), TDXSIM_ERR_INVALID_ARG);
	assert_int_equal(tdxsim_blob_write(&o, buf, size), TDXSIM_OK);
	const struct tdxsim_image_header *h = (const void *)buf;
	assert_int_equal(h->version, 0x200);
	assert_memory_equal(h->signature, "TDX-BLOB", 8);
	assert_int_equal(h->sigstruct_nr_pages, 1);
	assert_int_equal(h->module_nr_pages, 2);
	const struct tdxsim_sigstruct *s = (const void *)(buf + PAGE);
	assert_int_equal(s->seam_svn, 0x0100);
	assert_int_equal(s->num_handoff_pages, 24);
	const struct tdxsim_module_descriptor *d = (const void *)(buf + 2 * PAGE);
	assert_string_equal(d->name, "1.5.06");
	assert_int_equal(d->profile, TDXSIM_MODULE_1_5_06);
	o.num_module_pages = 497;
	assert_int_equal(tdxsim_blob_size(&o), 0);
	o.num_module_pages = 1;
	o.module = (tdxsim_module_profile_t)9;
	assert_int_equal(tdxsim_blob_size(&o), 0);
}

static void host__update_offered_only_with_bit_60_and_td_preserving(void **state)
{
	tdxsim_config_t cfg;
	tdxsim_t *sim;
	struct lc_host h;
	struct tdxsim_seamldr_info info;

	tdxsim_config_init(&cfg);
	cfg.num_msr_overrides = 1;
	cfg.msr_overrides[0].msr = TDXSIM_MSR_IA32_VMX_BASIC;
	cfg.msr_overrides[0].value =
		UINT64_C(0x12) | UINT64_C(0x1000) << 32 | UINT64_C(7) << 54; /* no bit 60 */
	assert_int_equal(tdxsim_create(&cfg, &sim), TDXSIM_OK);
	lc_host_init(&h, sim, NULL);
	assert_int_equal(lc_tdx_init(&h), 0);
	assert_true(h.bug_seamret_invd_vmcs);
	assert_int_equal(lc_tdx_enable(&h), 0);
	assert_false(lc_update_supported(&h));
	assert_int_equal(lc_seamldr_info(&h, &info), -22); /* -EINVAL: no P-SEAMLDR calls at all */
	tdxsim_destroy(sim);

	/* A module without TD-preserving support (1.0: no TDX_FEATURES0) is not offered either. */
	tdxsim_config_init(&cfg);
	cfg.module = TDXSIM_MODULE_1_0;
	assert_int_equal(tdxsim_create(&cfg, &sim), TDXSIM_OK);
	lc_host_init(&h, sim, NULL);
	assert_int_equal(lc_tdx_init(&h), 0);
	assert_int_equal(lc_tdx_enable(&h), 0);
	assert_false(lc_update_supported(&h));
	tdxsim_destroy(sim);
}

static void host__linux_update_flow__invariants_green(void **state)
{
	tdxsim_config_t cfg;
	tdxsim_t *sim;
	struct lc_host h;
	tdxsim_blob_opts_t o;
	uint64_t pa, len, status;
	char msg[256];

	tdxsim_config_init(&cfg);
	cfg.module = TDXSIM_MODULE_1_5_06;
	cfg.num_packages = 2;
	cfg.ram[1].node = 1;
	assert_int_equal(tdxsim_create(&cfg, &sim), TDXSIM_OK);
	lc_host_init(&h, sim, NULL);
	assert_int_equal(lc_tdx_init(&h), 0);
	assert_int_equal(lc_tdx_enable(&h), 0);
	assert_true(lc_update_supported(&h));
	tdxsim_blob_opts_init(&o, TDXSIM_MODULE_NEXT);
	assert_int_equal(tdxsim_blob_place(sim, &o, &pa, &len), TDXSIM_OK);
	/* A truncated image never reaches the loader. */
	assert_int_equal(lc_update(&h, pa, len - PAGE, &status), -22);
	assert_int_equal(tdxsim_module_state(sim), TDXSIM_SYS_READY);
	assert_int_equal(lc_update(&h, pa, len, &status), 0);
	assert_int_equal(h.update, 99);
	assert_int_equal(tdxsim_check_invariants(sim, msg, sizeof(msg)), TDXSIM_OK);
	/* Downgrade: refused by the loader, the running module stays in SYS_SHUTDOWN (Linux has
	 * no rollback). */
	tdxsim_blob_opts_init(&o, TDXSIM_MODULE_1_5_06);
	uint64_t pa2, len2;
	assert_int_equal(tdxsim_blob_place(sim, &o, &pa2, &len2), TDXSIM_OK);
	assert_int_equal(lc_update(&h, pa2, len2, &status), -5);
	assert_status(status, TDXSIM_PSEAMLDR_EBADSIG);
	assert_int_equal(tdxsim_module_state(sim), TDXSIM_SYS_SHUTDOWN);
	assert_int_equal(tdxsim_module_profile(sim), TDXSIM_MODULE_NEXT);
	assert_int_equal(tdxsim_check_invariants(sim, msg, sizeof(msg)), TDXSIM_OK);
	tdxsim_destroy(sim);
}

int main(void)
{
	struct CMUnitTest tests[64];
	size_t n = 0;
	for (size_t i = 0; i < sizeof(install_rows) / sizeof(install_rows[0]); i++)
		tests[n++] = (struct CMUnitTest){install_rows[i].name, run_install_row, NULL, NULL,
						 (void *)&install_rows[i]};
#define T(fn) tests[n++] = (struct CMUnitTest)cmocka_unit_test_setup_teardown(fn, setup_next, teardown)
	T(install__twice_on_one_lp__ebadcall);
	T(install__first_lp_blocks_module_rcx_ignored_until_last);
	T(install__lp_offline__session_never_completes);
	T(install__after_unrecoverable__update_ebadparam_load_recovers);
	T(update__in_sys_ready__state_incorrect);
	T(update__after_shutdown__sys_shutdown);
	T(update__before_sys_init__state_incorrect);
	T(update__not_every_lp_initialized__state_incorrect);
	T(update__version_1__operand_invalid_rax);
	T(update__after_config_instead__state_incorrect);
	T(update__success__keeps_tdmrs_keys_reports_new_version);
	T(shutdown__hv_above_module_hv__operand_invalid_rcx);
	T(info__fields_and_bad_buffers);
#undef T
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(shutdown__no_downgrade__only_module_hv);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(loader__tdx_off_or_vmx_off);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(blob__layout_linux_parses);
	tests[n++] =
		(struct CMUnitTest)cmocka_unit_test(host__update_offered_only_with_bit_60_and_td_preserving);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(host__linux_update_flow__invariants_green);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(boot__mrseam__sha384_of_the_descriptor_page);
	return _cmocka_run_group_tests("lifecycle_update", tests, n, NULL, NULL);
}
