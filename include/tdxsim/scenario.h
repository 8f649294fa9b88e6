/* SPDX-License-Identifier: MIT */
/**
 * @file scenario.h
 * @brief YAML scenarios: a platform, a list of steps, and what each step must produce.
 *
 * A scenario file describes a simulated host (the fields of ::tdxsim_config_t), then steps:
 * SEAMCALLs by leaf name with named registers, MSR reads, KeyID-tagged memory accesses,
 * platform events, fault injections and macro steps that run a whole host bring-up. Any step
 * may carry an @c expect block (status, output registers, PAMT ownership, cycles, machine
 * checks). The format is documented in docs/scenarios.md and by `tdxsim-run --help`.
 *
 * This is a separate library (tdxsim_scenario, built in tools/) on top of libtdxsim: it needs
 * libyaml and the host bring-up of examples/host-init. It keeps no global state: scenarios,
 * runs and results are independent objects, usable from many threads as long as one object is
 * not used by two threads at once.
 *
 * Determinism: a run depends only on the scenario and the seed. Reports, traces and maps
 * contain no wall-clock times, pointers or hash-ordered data, so the same file and seed give
 * byte-identical output.
 */
#ifndef TDXSIM_SCENARIO_H
#define TDXSIM_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tdxsim/tdxsim.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A loaded, validated scenario (opaque). Immutable once loaded: it can be run many times. */
typedef struct tdxsim_scenario tdxsim_scenario_t;

/** The result of one run of a scenario (opaque). */
typedef struct tdxsim_scenario_result tdxsim_scenario_result_t;

/** Where and why loading failed. Lines and columns are 1-based; 0 means "no position". */
typedef struct tdxsim_scenario_diag {
	char file[256];	   /**< the file name given to the loader (truncated if longer) */
	uint32_t line;	   /**< line of the offending node */
	uint32_t column;   /**< column of the offending character */
	char message[320]; /**< what is wrong and what was expected */
} tdxsim_scenario_diag_t;

/**
 * Loads and validates a scenario file. Nothing is executed. Every malformed or unknown key,
 * wrong type, out-of-range value or unknown name is an error with its position.
 * @param path  file to read
 * @param out   receives the scenario (free with tdxsim_scenario_free()); NULL on failure
 * @param diag  receives the error position and message on failure (may be NULL)
 * @return TDXSIM_OK; TDXSIM_ERR_BAD_CONFIG (the file is not a valid scenario, or cannot be
 *         read: see @p diag); TDXSIM_ERR_INVALID_ARG; TDXSIM_ERR_NO_MEMORY
 */
TDXSIM_API tdxsim_err_t tdxsim_scenario_load_file(const char *path, tdxsim_scenario_t **out,
						  tdxsim_scenario_diag_t *diag);

/**
 * As tdxsim_scenario_load_file(), from memory. @p name is used in messages (e.g. a file name).
 * @p buf need not be NUL-terminated; any bytes are accepted (never crashes, fuzzed).
 */
TDXSIM_API tdxsim_err_t tdxsim_scenario_load_buffer(const char *name, const void *buf, size_t len,
						    tdxsim_scenario_t **out, tdxsim_scenario_diag_t *diag);

/** Formats @p diag as "file:line:col: error: message" into @p buf. @return @p buf */
TDXSIM_API const char *tdxsim_scenario_diag_format(const tdxsim_scenario_diag_t *diag, char *buf, size_t len);

/** Frees a scenario. NULL is accepted. */
TDXSIM_API void tdxsim_scenario_free(tdxsim_scenario_t *scn);

/** The scenario's @c name (or its file name when it has none). Owned by @p scn. */
TDXSIM_API const char *tdxsim_scenario_name(const tdxsim_scenario_t *scn);

/** Number of steps. */
TDXSIM_API unsigned tdxsim_scenario_num_steps(const tdxsim_scenario_t *scn);

/** The simulator configuration the scenario's @c platform section describes. */
TDXSIM_API void tdxsim_scenario_config(const tdxsim_scenario_t *scn, tdxsim_config_t *out);

/** How to run a scenario. Initialize with tdxsim_scenario_run_opts_init(). */
typedef struct tdxsim_scenario_run_opts {
	size_t size;   /**< sizeof(tdxsim_scenario_run_opts_t) */
	uint64_t seed; /**< seed of every random choice (lp: random, random(a, b)) */
	bool seed_set; /**< false: use the scenario's own @c seed key (default 0) */
	/** Upper bound on SEAMCALLs and memory accesses the runner's own steps issue (repeat
	 *  loops, init_tdmrs); 0 = unlimited. Exceeding it stops the run with an error. Fuzzers
	 *  use it to bound the time one input can take. */
	uint64_t max_calls;
	/** Upper bound on the RAM a scenario may simulate, in bytes (0 = unlimited). A larger
	 *  platform is reported as a setup error instead of being run. */
	uint64_t max_ram_bytes;
	bool record_trace; /**< keep per-call events for tdxsim_scenario_write_trace() (default true) */
	bool record_map;   /**< snapshot the memory map at the end (default true) */
	FILE *log;	   /**< kernel-log-like messages of bring-up steps; NULL = none */
} tdxsim_scenario_run_opts_t;

/** Fills @p opts with defaults: seed from the file, no limits, trace and map recorded. */
TDXSIM_API void tdxsim_scenario_run_opts_init(tdxsim_scenario_run_opts_t *opts);

/**
 * Runs @p scn on a fresh simulator and records what every step did.
 * A step that fails its expectations does not stop the run; a setup error (the platform cannot
 * be created, the call budget is exhausted) does, and is reported in the result.
 * @param opts  NULL = defaults
 * @param out   receives the result (free with tdxsim_scenario_result_free())
 * @return TDXSIM_OK (whether or not every expectation held: see
 *         tdxsim_scenario_result_passed()); TDXSIM_ERR_INVALID_ARG; TDXSIM_ERR_NO_MEMORY
 */
TDXSIM_API tdxsim_err_t tdxsim_scenario_run(const tdxsim_scenario_t *scn,
					    const tdxsim_scenario_run_opts_t *opts,
					    tdxsim_scenario_result_t **out);

/** Whether every step ran and every expectation held. */
TDXSIM_API bool tdxsim_scenario_result_passed(const tdxsim_scenario_result_t *res);

/** Step counts of a result: steps that passed, failed an expectation, or could not run. */
TDXSIM_API void tdxsim_scenario_result_counts(const tdxsim_scenario_result_t *res, unsigned *passed,
					      unsigned *failed, unsigned *errors);

/** Steps after which tdxsim_check_invariants() failed (0 when the scenario turned the check off
 *  with check_invariants: false). Fuzzers and tests use it instead of parsing the report. */
TDXSIM_API unsigned tdxsim_scenario_result_invariant_breaks(const tdxsim_scenario_result_t *res);

/** Frees a result. NULL is accepted. */
TDXSIM_API void tdxsim_scenario_result_free(tdxsim_scenario_result_t *res);

/** Report formats. */
typedef enum tdxsim_report_format {
	TDXSIM_REPORT_HUMAN = 0, /**< one line per step, failures explained below it */
	TDXSIM_REPORT_TAP = 1,	 /**< Test Anything Protocol version 13, one test point per step */
	TDXSIM_REPORT_JUNIT = 2, /**< JUnit XML: one testsuite per scenario, one testcase per step */
} tdxsim_report_format_t;

/**
 * Writes a report of @p n results to @p out. @p color adds ANSI colours (human format only).
 * @return TDXSIM_OK, TDXSIM_ERR_INVALID_ARG
 */
TDXSIM_API tdxsim_err_t tdxsim_scenario_report(const tdxsim_scenario_result_t *const *results, size_t n,
					       tdxsim_report_format_t format, bool color, FILE *out);

/**
 * Writes the Chrome trace-event JSON of @p n results (one process per scenario, one thread per
 * LP, thread id LP + 1; every SEAMCALL, step, platform event and machine check). All LPs share
 * one time axis: their virtual cycles laid end to end in the order the simulator spent them,
 * in microseconds at 2.2 GHz, so events appear in the order they happened; each event keeps
 * its LP's own virtual TSC and cycles in args.tsc and args.cycles. A step's span strictly
 * contains its SEAMCALLs. Perfetto and chrome://tracing open it.
 */
TDXSIM_API tdxsim_err_t tdxsim_scenario_write_trace(const tdxsim_scenario_result_t *const *results, size_t n,
						    FILE *out);

/**
 * Writes an SVG picture of the physical memory map each result ended with: RAM, CMRs,
 * SEAMRR, TDMRs with their reserved areas and PAMTs, and the PAMT page type along each TDMR.
 */
TDXSIM_API tdxsim_err_t tdxsim_scenario_write_map(const tdxsim_scenario_result_t *const *results, size_t n,
						  FILE *out);

/** The reference of the scenario format (what `tdxsim-run --help` prints). Static string. */
TDXSIM_API const char *tdxsim_scenario_format_help(void);

/**
 * Writes the names a scenario may use of one kind, one per line as "NAME VALUE" (fields:
 * "NAME ID [ELEMENTS]" for arrays, used as NAME[k]). Every name comes from the library's tables
 * (tdxsim_name_at()), so the list follows the .def files. What `tdxsim-run --list` prints.
 * @param what  "statuses" (with tdxsim's own software statuses), "leaves" (with the P-SEAMLDR's
 *              calls), "fields", "msrs", "operands" (as OPERAND_NAME) or "constants"
 *              (page types and sizes)
 * @return TDXSIM_OK; TDXSIM_ERR_INVALID_ARG for another @p what or a NULL argument
 */
TDXSIM_API tdxsim_err_t tdxsim_scenario_list_names(const char *what, FILE *out);

#ifdef __cplusplus
}
#endif

#endif /* TDXSIM_SCENARIO_H */
