/* SPDX-License-Identifier: MIT */
/*
 * tdxsim-run: runs YAML scenarios against the simulated TDX module and reports every step.
 * Exit status 0 only if every expectation of every scenario held; 1 if one did not; 2 for a
 * usage error or a scenario file that does not load (then nothing runs).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tdxsim/cpu.h"
#include "tdxsim/scenario.h"
#include "tdxsim/seamldr.h"

static const char usage[] =
	"Usage: tdxsim-run [OPTIONS] FILE...\n"
	"Runs tdxsim scenarios (YAML) and reports each step.\n"
	"\n"
	"  -f, --format=FMT     report format: human (default), tap or junit\n"
	"  -o, --output=FILE    write the report to FILE instead of standard output\n"
	"      --trace=FILE     write every SEAMCALL (those inside bringup steps too; runs of like\n"
	"                       calls as one span), step, event and machine check as Chrome\n"
	"                       trace-event JSON (open in https://ui.perfetto.dev or chrome://tracing)\n"
	"      --map=FILE.svg   draw the physical memory map each scenario ended with\n"
	"      --seed=N         seed of every random choice (default: the file's seed, else 0)\n"
	"      --color=WHEN     colour the human report: auto (default: on a terminal), always, never\n"
	"      --no-color       same as --color=never\n"
	"      --max-calls=N    stop a scenario after N SEAMCALLs and accesses issued by its steps\n"
	"  -v, --verbose        print the bring-up's kernel-style log on standard error\n"
	"      --check          load and validate the files only; run nothing\n"
	"  -h, --help           this text and the complete scenario format reference\n"
	"      --version        print the version\n"
	"      --write-image=PROFILE:FILE  write a module image (TDX blob) of module PROFILE\n"
	"                       (1.5.05, 1.5.06, 1.0, next) to FILE and exit (docs/lifecycle.md)\n"
	"      --decode=STATUS  explain a 64-bit SEAMCALL status (name, bits, class, operand id\n"
	"                       or detail bytes), e.g. --decode 0xC000010000000045\n"
	"      --list=WHAT      print the names a scenario may use: statuses, leaves, fields,\n"
	"                       msrs, operands or constants\n"
	"With --decode or --list (each repeatable) or --write-image, no FILE is needed.\n"
	"\n"
	"Exit status: 0 if every expectation held, 1 if a step failed, 2 for usage or file errors.\n"
	"The same files and seed give byte-identical reports, traces and maps.\n";

struct options {
	tdxsim_report_format_t format;
	const char *output, *trace, *map;
	int color; /* -1 auto, 0 never, 1 always */
	bool check, verbose;
	bool informed; /* --decode or --list printed something: no scenario needed */
	tdxsim_scenario_run_opts_t run;
};

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	if (!s || !*s || *s == '-')
		return -1;
	unsigned long long v = strtoull(s, &end, 0);
	if (*end)
		return -1;
	*out = v;
	return 0;
}

/* --write-image=PROFILE:FILE: a module image as Linux's update path takes it (tdxsim/seamldr.h). */
static int write_image(const char *arg)
{
	const char *colon = strchr(arg, ':');
	char name[32];
	tdxsim_module_profile_t profile;
	tdxsim_blob_opts_t opts;
	if (!colon || (size_t)(colon - arg) >= sizeof(name))
		return fprintf(stderr, "tdxsim-run: --write-image takes PROFILE:FILE\n"), 2;
	memcpy(name, arg, (size_t)(colon - arg));
	name[colon - arg] = '\0';
	if (!tdxsim_module_profile_by_name(name, &profile))
		return fprintf(stderr, "tdxsim-run: unknown module profile '%s'\n", name), 2;
	tdxsim_blob_opts_init(&opts, profile);
	size_t size = tdxsim_blob_size(&opts);
	void *buf = malloc(size);
	FILE *f = buf ? fopen(colon + 1, "wb") : NULL;
	int rc = f && !tdxsim_blob_write(&opts, buf, size) && fwrite(buf, 1, size, f) == size ? 0 : 2;
	if (f && fclose(f))
		rc = 2;
	if (rc)
		perror(colon + 1);
	free(buf);
	return rc;
}

/* --decode=STATUS: the library's explanation of a status (tdxsim_status_decode()). */
static int decode(const char *arg)
{
	uint64_t status;
	char text[1024];
	if (parse_u64(arg, &status))
		return fprintf(stderr, "tdxsim-run: --decode takes a 64-bit number, not '%s'\n", arg), -1;
	fputs(tdxsim_status_decode(status, text, sizeof(text)), stdout);
	return 0;
}

static int parse_args(int argc, char **argv, struct options *o)
{
	enum {
		O_TRACE = 256,
		O_MAP,
		O_SEED,
		O_COLOR,
		O_NO_COLOR,
		O_MAX_CALLS,
		O_CHECK,
		O_VERSION,
		O_IMAGE,
		O_DECODE,
		O_LIST
	};
	static const struct option longs[] = {
		{"format", required_argument, NULL, 'f'},
		{"output", required_argument, NULL, 'o'},
		{"trace", required_argument, NULL, O_TRACE},
		{"map", required_argument, NULL, O_MAP},
		{"seed", required_argument, NULL, O_SEED},
		{"color", required_argument, NULL, O_COLOR},
		{"no-color", no_argument, NULL, O_NO_COLOR},
		{"max-calls", required_argument, NULL, O_MAX_CALLS},
		{"verbose", no_argument, NULL, 'v'},
		{"check", no_argument, NULL, O_CHECK},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, O_VERSION},
		{"write-image", required_argument, NULL, O_IMAGE},
		{"decode", required_argument, NULL, O_DECODE},
		{"list", required_argument, NULL, O_LIST},
		{NULL, 0, NULL, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "f:o:vh", longs, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (!strcmp(optarg, "human"))
				o->format = TDXSIM_REPORT_HUMAN;
			else if (!strcmp(optarg, "tap"))
				o->format = TDXSIM_REPORT_TAP;
			else if (!strcmp(optarg, "junit"))
				o->format = TDXSIM_REPORT_JUNIT;
			else
				return fprintf(stderr,
					       "tdxsim-run: unknown format '%s' (human, tap, junit)\n",
					       optarg),
				       -1;
			break;
		case 'o':
			o->output = optarg;
			break;
		case O_TRACE:
			o->trace = optarg;
			break;
		case O_MAP:
			o->map = optarg;
			break;
		case O_SEED:
			if (parse_u64(optarg, &o->run.seed))
				return fprintf(stderr, "tdxsim-run: --seed takes a number, not '%s'\n",
					       optarg),
				       -1;
			o->run.seed_set = true;
			break;
		case O_COLOR:
			if (!strcmp(optarg, "auto") || !strcmp(optarg, "always") || !strcmp(optarg, "never"))
				o->color = optarg[0] == 'a' ? (optarg[1] == 'u' ? -1 : 1) : 0;
			else
				return fprintf(stderr, "tdxsim-run: --color takes auto, always or never\n"),
				       -1;
			break;
		case O_NO_COLOR:
			o->color = 0;
			break;
		case O_MAX_CALLS:
			if (parse_u64(optarg, &o->run.max_calls))
				return fprintf(stderr, "tdxsim-run: --max-calls takes a number, not '%s'\n",
					       optarg),
				       -1;
			break;
		case 'v':
			o->verbose = true;
			break;
		case O_CHECK:
			o->check = true;
			break;
		case 'h':
			fputs(usage, stdout);
			fputs("\n", stdout);
			fputs(tdxsim_scenario_format_help(), stdout);
			exit(0);
		case O_VERSION:
			puts("tdxsim-run 0.1.0");
			exit(0);
		case O_IMAGE:
			exit(write_image(optarg));
		case O_DECODE:
			if (decode(optarg))
				return -1;
			o->informed = true;
			break;
		case O_LIST:
			if (tdxsim_scenario_list_names(optarg, stdout))
				return fprintf(stderr,
					       "tdxsim-run: --list takes statuses, leaves, fields, msrs, "
					       "operands or constants, not '%s'\n",
					       optarg),
				       -1;
			o->informed = true;
			break;
		default:
			return -1;
		}
	}
	if (optind >= argc && o->informed)
		exit(0);
	if (optind >= argc)
		return fprintf(stderr, "tdxsim-run: no scenario file given\n"), -1;
	return 0;
}

/* Opens @path for an output (report, trace, map). */
static FILE *open_out(const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f)
		perror(path);
	return f;
}

static int write_outputs(const struct options *o, const tdxsim_scenario_result_t *const *res, size_t n)
{
	int rc = 0;
	FILE *out = o->output ? open_out(o->output) : stdout;
	if (!out)
		return 2;
	bool color = o->color == 1 || (o->color == -1 && !o->output && isatty(STDOUT_FILENO));
	tdxsim_scenario_report(res, n, o->format, color, out);
	if (o->output && fclose(out))
		rc = 2;
	if (o->trace) {
		FILE *f = open_out(o->trace);
		if (!f || tdxsim_scenario_write_trace(res, n, f) || fclose(f))
			rc = 2;
	}
	if (o->map) {
		FILE *f = open_out(o->map);
		if (!f || tdxsim_scenario_write_map(res, n, f) || fclose(f))
			rc = 2;
	}
	return rc;
}

int main(int argc, char **argv)
{
	struct options o = {.format = TDXSIM_REPORT_HUMAN, .color = -1};
	tdxsim_scenario_run_opts_init(&o.run);
	if (parse_args(argc, argv, &o)) {
		fputs(usage, stderr);
		return 2;
	}
	o.run.log = o.verbose ? stderr : NULL;
	o.run.record_trace = o.trace != NULL;
	o.run.record_map = o.map != NULL;
	size_t n = (size_t)(argc - optind);
	tdxsim_scenario_t **scn = calloc(n, sizeof(*scn));
	tdxsim_scenario_result_t **res = calloc(n, sizeof(*res));
	if (!scn || !res)
		return fprintf(stderr, "tdxsim-run: out of memory\n"), 2;
	/* Every file is loaded before anything runs: one bad file stops the whole batch. */
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		tdxsim_scenario_diag_t diag;
		char msg[sizeof(diag.file) + sizeof(diag.message) + 64];
		if (tdxsim_scenario_load_file(argv[optind + i], &scn[i], &diag)) {
			fprintf(stderr, "%s\n", tdxsim_scenario_diag_format(&diag, msg, sizeof(msg)));
			rc = 2;
		}
	}
	if (rc == 0 && o.check) {
		printf("%zu scenario(s) valid\n", n);
	} else if (rc == 0) {
		for (size_t i = 0; i < n && rc == 0; i++) {
			if (tdxsim_scenario_run(scn[i], &o.run, &res[i])) {
				fprintf(stderr, "tdxsim-run: %s: out of memory\n", argv[optind + i]);
				rc = 2;
			}
		}
		if (rc == 0)
			rc = write_outputs(&o, (const tdxsim_scenario_result_t *const *)res, n);
		for (size_t i = 0; i < n && rc == 0; i++)
			if (!tdxsim_scenario_result_passed(res[i]))
				rc = 1;
	}
	for (size_t i = 0; i < n; i++) {
		tdxsim_scenario_result_free(res[i]);
		tdxsim_scenario_free(scn[i]);
	}
	free(res);
	free(scn);
	return rc;
}
