/* SPDX-License-Identifier: MIT */
/*
 * Results and the runner (run.c, run_steps.c, run_platform.c, check.c, eval.c) and what the
 * outputs read (report.c, trace.c, map.c). A result owns its arena: it keeps copies of what it
 * shows and does not need the scenario once the run is over.
 */
#ifndef TDXSIM_SCENARIO_RUN_H
#define TDXSIM_SCENARIO_RUN_H

#include "scenario/scenario.h"

/* ---- results ----------------------------------------------------------------------------- */

enum scn_verdict { SCN_PASS, SCN_FAIL, SCN_ERROR, SCN_SKIPPED };

struct scn_outcome {
	uint8_t verdict;
	bool named;
	unsigned index; /* 1-based step number */
	struct scn_pos pos;
	const char *label;
	const char *detail; /* what happened */
	const char *why;    /* failures, one per line; NULL when it passed */
	uint64_t cycles;    /* most virtual cycles any one LP spent in the step */
	uint32_t lp;
};

enum scn_event_type { SCN_EV_CALL, SCN_EV_STEP, SCN_EV_INSTANT, SCN_EV_MCE };

/* Registers a call event shows: inputs and outputs RCX, RDX, R8 (what the TDH.SYS leaves and
 * the P-SEAMLDR take and return). */
#define SCN_EV_REGS 3

struct scn_event {
	uint8_t type;
	uint32_t lp;	    /* UINT32_MAX: the whole platform */
	uint64_t ts, dur;   /* virtual cycles of that LP */
	uint64_t gts, gdur; /* on the run's global timeline (struct scn_run, gclock) */
	const char *name;
	uint64_t rax, status;
	/* Calls: inputs of the first and the last call merged into this span, outputs of the last. */
	uint64_t in_first[SCN_EV_REGS], in_last[SCN_EV_REGS], out[SCN_EV_REGS];
	uint64_t count;	  /* SEAMCALLs merged into this span (a run of identical calls) */
	const char *note; /* free text (steps: step number and label) */
};

#define SCN_MAP_SAMPLES 800 /* page-type samples along each TDMR (one per pixel) */

struct scn_map_tdmr {
	struct host_tdx_tdmr t;
	uint8_t samples[SCN_MAP_SAMPLES]; /* TDXSIM_PT_* or SCN_MAP_UNCOVERED */
};
#define SCN_MAP_UNCOVERED 0xFF

struct scn_map {
	bool valid;
	uint64_t seamrr_base, seamrr_size;
	unsigned num_ram, num_cmr, num_tdmrs;
	tdxsim_range_t ram[2 * TDXSIM_MAX_RAM_RANGES], cmr[TDXSIM_MAX_RAM_RANGES];
	struct scn_map_tdmr *tdmrs;
	const char *state; /* module state name at the end */
};

struct tdxsim_scenario_result {
	struct scn_arena arena;
	const char *file, *name;
	uint64_t seed;
	const char *setup_error; /* the run could not start or was stopped; NULL otherwise */
	struct scn_outcome *steps;
	unsigned num_steps;
	unsigned passed, failed, errors, skipped;
	unsigned invariant_breaks; /* steps after which tdxsim_check_invariants() failed */
	uint32_t num_lps;
	uint32_t *lp_package;
	struct scn_event *events;
	size_t num_events, cap_events;
	bool events_truncated;
	struct scn_map map;
};

/* ---- the runner -------------------------------------------------------------------------- */

/* What one execution of a step produced; expectations are checked against it. */
struct scn_obs {
	bool has_status, has_regs, has_value, has_result, is_bringup, has_outs;
	bool assert_failed;
	uint64_t status;
	tdxsim_regs_t regs;
	uint64_t value;
	int64_t result;
	uint64_t outs[SCN_MAX_OUTS]; /* the kind's named outputs (tdxsim_scn_kind_outputs) */
};

/* What the run keeps of each TD a td_create step named: the pages it gave the module, as a
 * hypervisor keeps them (run_td.c). Addresses stay readable after teardown. */
#define SCN_TD_MAX_VCPUS 16
#define SCN_TD_MAX_TDCX	 16
#define SCN_TD_FREED	 UINT64_C(1) /* in a page address below: reclaimed and freed already */

struct scn_td_vcpu {
	uint64_t tdvpr, tdcx[SCN_TD_MAX_TDCX];
	unsigned num_tdcx;
	uint32_t lp;	 /* the LP it was created and initialized on (where VP.FLUSH goes) */
	uint32_t ran_lp; /* the LP a td_enter last entered it on (lp until then) */
	bool flushed;
};

/* A range of the host's EPT for shared GPAs (td_map_shared), as the VMM keeps it. */
struct scn_td_shared {
	uint64_t gpa, hpa, size; /* gpa without the shared bit */
};

struct scn_td_run {
	bool created; /* a td_create step ran MNG.CREATE for it (the addresses below are set) */
	bool live;    /* ... and its TDR has not been reclaimed since */
	uint64_t tdr, params;
	uint32_t hkid;
	unsigned root_level; /* secure-EPT root level: 3 for 4-level EPT, 4 for 5-level */
	uint64_t tdcs[SCN_TD_MAX_TDCX];
	unsigned num_tdcs;
	struct scn_td_vcpu vcpu[SCN_TD_MAX_VCPUS];
	unsigned num_vcpus;
	uint64_t *sept, *sept_at; /* SEPT pages and the GPA | level each maps */
	unsigned num_sept, cap_sept;
	uint64_t *gpa, *hpa; /* private pages; gpa | level (1: a 2 MiB page, td_aug) */
	uint8_t *gone;	     /* removed or reclaimed already */
	unsigned num_pages, cap_pages;
	bool gpaw52; /* TD_PARAMS.CONFIG_FLAGS.GPAW: the shared bit is 51, else 47 */
	struct scn_td_shared *shared;
	unsigned num_shared, cap_shared;
};

/* What KVM reads once from TDH.SYS.RD to build TDs (run_td.c). */
struct scn_td_caps {
	bool read;
	uint64_t attrs_fixed0, attrs_fixed1, xfam_fixed0, xfam_fixed1;
	unsigned tdcs_pages, tdvpx_pages, max_vcpus;
};

/* Stages the bring-up macro reached: which host symbols are meaningful. */
enum scn_host_stage { SCN_HOST_NONE, SCN_HOST_LP_INIT, SCN_HOST_BUILT };

struct scn_run {
	const struct tdxsim_scenario *scn;
	tdxsim_scenario_run_opts_t opts;
	struct tdxsim_scenario_result *res;
	tdxsim_t *sim;
	struct host_tdx *host;
	int host_stage;
	uint64_t *vars;
	uint64_t rng;
	uint64_t calls;
	bool budget_exhausted;
	/* Machine checks the current step raised. */
	unsigned mces;
	tdxsim_mce_t last_mce;
	bool any_mce;
	char err[320]; /* run-time error of the current step */
	struct scn_buf detail, why;
	uint64_t *lp_start;
	/*
	 * The trace's one time axis. The simulator runs one thing at a time, so the cycles every
	 * LP spent, added up in the order they were spent, are a clock all LPs share: gclock. It
	 * advances by what each LP's TSC moved since lp_seen; an event is placed where gclock stood
	 * when it happened, so the timeline shows the host's order (LP 0's TDH.SYS.INIT before
	 * the LP.INITs it allows), and each LP's own TSC stays in the event's arguments.
	 */
	uint64_t gclock;
	uint64_t *lp_seen;
	/* TDs and named pages (run_td.c), allocated on first use. */
	struct scn_td_run *tds;
	uint64_t *named_pages;
	struct scn_td_caps td_caps;
};

int tdxsim_scn_run_error(struct scn_run *r, const char *fmt, ...) SCN_FMT(2, 3); /* returns -1 */
uint64_t tdxsim_scn_rng_next(struct scn_run *r);
/* Counts one call against the budget; returns -1 (and sets the error) once exhausted. */
int tdxsim_scn_budget(struct scn_run *r);

/* Trace events. SEAMCALLs are recorded by the call observer (run.c), whoever issues them: a
 * step or the host code behind a macro step. */
void tdxsim_scn_trace_instant(struct scn_run *r, uint32_t lp, const char *name, const char *note);
/* Brings gclock up to every LP's TSC and returns it. */
uint64_t tdxsim_scn_trace_sync(struct scn_run *r);
/* A span or instant at @ts for @dur cycles of @lp, at @gts for @gdur on the global timeline. */
void tdxsim_scn_trace_span(struct scn_run *r, uint8_t type, uint32_t lp, uint64_t ts, uint64_t dur,
			   uint64_t gts, uint64_t gdur, const char *name, const char *note);
/* The call observer and machine-check handler a run installs (run_trace.c). */
void tdxsim_scn_on_call(tdxsim_t *sim, const tdxsim_call_record_t *rec, void *user);
void tdxsim_scn_on_mce(tdxsim_t *sim, const tdxsim_mce_t *mce, void *user);

/* One executor per step kind (run_steps.c, run_platform.c): runs the step once on @lp. */
typedef int (*scn_exec_fn)(struct scn_run *r, const struct scn_step *s, uint32_t lp, struct scn_obs *obs);
scn_exec_fn tdxsim_scn_executor(unsigned kind);
/* The executors that live outside run_steps.c (run_platform.c, run_lifecycle.c). */
int tdxsim_scn_exec_platform(struct scn_run *r, const struct scn_step *s, uint32_t lp, struct scn_obs *obs);
int tdxsim_scn_exec_cpuid(struct scn_run *r, const struct scn_step *s, uint32_t lp, struct scn_obs *obs);
int tdxsim_scn_exec_place_image(struct scn_run *r, const struct scn_step *s, uint32_t lp,
				struct scn_obs *obs);

/* Checks @s's expectations against @obs and the simulator; failures go to r->why. */
void tdxsim_scn_check_expect(struct scn_run *r, const struct scn_step *s, const struct scn_obs *obs);
void tdxsim_scn_check_cycles(struct scn_run *r, const struct scn_step *s, uint64_t cycles);

/* run_td.c: the TD steps and contend; the values of "a.tdr" and "page(x)" nodes; the end of
 * a run (frees what the TD bookkeeping holds). check_td.c: kot, td, td_count expectations. */
int tdxsim_scn_exec_td(struct scn_run *r, const struct scn_step *s, uint32_t lp, struct scn_obs *obs);
int tdxsim_scn_exec_contend(struct scn_run *r, const struct scn_step *s, uint32_t lp, struct scn_obs *obs);
int tdxsim_scn_td_value(struct scn_run *r, const struct scn_expr *e, uint64_t *out);
int tdxsim_scn_page_value(struct scn_run *r, const struct scn_expr *e, uint64_t *out);
struct scn_td_run *tdxsim_scn_td_get(struct scn_run *r, unsigned td); /* NULL: out of memory */
void tdxsim_scn_td_free(struct scn_run *r);
void tdxsim_scn_check_td(struct scn_run *r, const struct scn_expect *ex);
/* run_guest.c: td_guest, td_map_shared, td_aug, td_enter. check_guest.c: guest and tdreport
 * expectations. */
int tdxsim_scn_exec_guest(struct scn_run *r, const struct scn_step *s, uint32_t lp, struct scn_obs *obs);
void tdxsim_scn_check_guest(struct scn_run *r, const struct scn_expect *ex);
/* The TD's shared bit (47, or 51 with GPAW). */
uint64_t tdxsim_scn_td_shared_bit(const struct scn_td_run *td);

/* map.c: snapshot of the memory map at the end of a run. */
void tdxsim_scn_map_snapshot(struct scn_run *r);

#endif
