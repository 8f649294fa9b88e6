/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target (c): the scenario loader, on any bytes. Whatever loads is also run (with a
 * call budget and a RAM limit, so that one input stays fast) and rendered in every output
 * format, which exercises the runner, the reports, the trace and the map on shapes no
 * hand-written scenario has. The seed corpus holds the example scenarios.
 *
 * Oracles: the loader never crashes, leaks or reads out of bounds (ASan, UBSan); a refused
 * input always gets a position and a message; a loaded scenario runs to a result; and no
 * step of it breaks a library invariant (the runner checks them after every step unless the
 * scenario says check_invariants: false, and counts a broken one in the result:
 * tdxsim_scenario_result_invariant_breaks). Expectations that do not hold are the input's business, not a
 * finding.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tdxsim/scenario.h"

/* libFuzzer's entry point; libFuzzer has no header that declares it. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tdxsim_scenario_t *scn;
	tdxsim_scenario_diag_t diag;
	if (tdxsim_scenario_load_buffer("fuzz.yaml", data, size, &scn, &diag) != TDXSIM_OK) {
		if (!diag.message[0] || strcmp(diag.file, "fuzz.yaml")) {
			fprintf(stderr, "fuzz_scenario: refused without a message\n");
			abort();
		}
		return 0;
	}
	tdxsim_scenario_run_opts_t opts;
	tdxsim_scenario_run_opts_init(&opts);
	opts.max_calls = 20000;
	opts.max_ram_bytes = UINT64_C(64) << 30;
	tdxsim_scenario_result_t *res;
	if (tdxsim_scenario_run(scn, &opts, &res) == TDXSIM_OK) {
		/* A broken invariant is a finding: the runner counts them (not the report's text,
		 * which a fuzzed step name could imitate). */
		if (tdxsim_scenario_result_invariant_breaks(res)) {
			fprintf(stderr, "fuzz_scenario: a step broke a library invariant\n");
			const tdxsim_scenario_result_t *const one[1] = {res};
			tdxsim_scenario_report(one, 1, TDXSIM_REPORT_HUMAN, false, stderr);
			abort();
		}
		FILE *null = fopen("/dev/null", "w");
		if (null) {
			const tdxsim_scenario_result_t *const list[1] = {res};
			for (int f = 0; f < 3; f++)
				tdxsim_scenario_report(list, 1, (tdxsim_report_format_t)f, f == 0, null);
			tdxsim_scenario_write_trace(list, 1, null);
			tdxsim_scenario_write_map(list, 1, null);
			fclose(null);
		}
		tdxsim_scenario_result_free(res);
	}
	tdxsim_scenario_free(scn);
	return 0;
}
