/* SPDX-License-Identifier: MIT */
/*
 * The --map picture (issue 11, section 7): an address axis with ticks under every bar, every
 * address and size written in one unit style (G or M), and a <title> tooltip with the exact
 * range on everything that draws a range. Checked on the generated SVG against the scenario's
 * own configuration.
 */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "tdxsim/scenario.h"

struct map {
	char *svg;
	tdxsim_config_t cfg;
};

static struct map draw(const char *yaml)
{
	struct map m = {0};
	tdxsim_scenario_t *scn;
	tdxsim_scenario_diag_t d;
	tdxsim_scenario_result_t *res;
	if (tdxsim_scenario_load_buffer("map.yaml", yaml, strlen(yaml), &scn, &d))
		fail_msg("%u:%u: %s", d.line, d.column, d.message);
	tdxsim_scenario_config(scn, &m.cfg);
	assert_int_equal(tdxsim_scenario_run(scn, NULL, &res), TDXSIM_OK);
	assert_true(tdxsim_scenario_result_passed(res));
	size_t len = 0;
	FILE *f = open_memstream(&m.svg, &len);
	const tdxsim_scenario_result_t *r = res;
	assert_int_equal(tdxsim_scenario_write_map(&r, 1, f), TDXSIM_OK);
	fclose(f);
	tdxsim_scenario_result_free(res);
	tdxsim_scenario_free(scn);
	return m;
}

static unsigned count(const char *text, const char *what)
{
	unsigned n = 0;
	for (const char *p = text; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

/* Two hosts: the default 16 GiB one and 1 TiB with holes (TDMRs at 256G and beyond). */
static const char *const hosts[] = {
	"steps:\n  - bringup: all\n",
	"platform: {shape: 1t-holes}\nsteps:\n  - bringup: all\n",
};

/* One axis under the overview and one under each TDMR, each with at least three ticks. */
static void map__axis_with_ticks_per_bar(void **state)
{
	for (size_t h = 0; h < sizeof(hosts) / sizeof(hosts[0]); h++) {
		struct map m = draw(hosts[h]);
		unsigned tdmrs = 0;
		for (char label[32];
		     snprintf(label, sizeof(label), ">TDMR %u</text>", tdmrs), strstr(m.svg, label);)
			tdmrs++;
		assert_true(tdmrs > 0);
		assert_int_equal(count(m.svg, "<g class=\"axis\""), 1 + tdmrs);
		assert_int_equal(count(m.svg, "<g class=\"axis-labels\""), 1 + tdmrs);
		for (const char *g = m.svg; (g = strstr(g, "<g class=\"axis\"")); g++) {
			const char *end = strstr(g, "</g>");
			unsigned ticks = 0;
			for (const char *t = g; (t = strstr(t, "class=\"tick\"")) && t < end; t++)
				ticks++;
			if (ticks < 3)
				fail_msg("host %zu: an axis with %u ticks", h, ticks);
		}
		free(m.svg);
	}
}

/* Every label of an axis has the same unit, G or M, and every size in the text is G or M
 * too: no hex, no K, T or P. */
static void map__one_unit_style(void **state)
{
	regex_t num, any;
	assert_int_equal(regcomp(&num, "^[0-9]+(\\.[0-9]{1,3})?([GM])$", REG_EXTENDED), 0);
	assert_int_equal(regcomp(&any, "[0-9]([KTP]|KiB|GiB|MiB)\\b|0x", REG_EXTENDED), 0);
	for (size_t h = 0; h < sizeof(hosts) / sizeof(hosts[0]); h++) {
		struct map m = draw(hosts[h]);
		for (const char *g = m.svg; (g = strstr(g, "<g class=\"axis-labels\"")); g++) {
			const char *end = strstr(g, "</g>");
			char unit = 0;
			for (const char *t = g; (t = strstr(t, "<text")) && t < end; t++) {
				const char *a = strchr(t, '>') + 1, *b = strstr(a, "</text>");
				char label[64];
				regmatch_t mt[3];
				snprintf(label, sizeof(label), "%.*s", (int)(b - a), a);
				if (regexec(&num, label, 3, mt, 0))
					fail_msg("host %zu: axis label '%s'", h, label);
				if (unit && label[mt[2].rm_so] != unit)
					fail_msg("host %zu: axis mixes %c and %c ('%s')", h, unit,
						 label[mt[2].rm_so], label);
				unit = label[mt[2].rm_so];
			}
			assert_true(unit == 'G' || unit == 'M');
		}
		const char *legend = strstr(m.svg, "<g class=\"legend\">");
		assert_non_null(legend);
		for (const char *t = m.svg; (t = strstr(t, "<text")) && t < legend; t++) {
			const char *a = strchr(t, '>') + 1, *b = strstr(a, "</text>");
			char label[700];
			snprintf(label, sizeof(label), "%.*s", (int)(b - a), a);
			if (!strstr(label, ".yaml") && !regexec(&any, label, 0, NULL, 0))
				fail_msg("host %zu: '%s' is not in G/M style", h, label);
		}
		free(m.svg);
	}
	regfree(&num);
	regfree(&any);
}

/* Tooltips name exact ranges: every RAM range, CMR and SEAMRR of the configuration, and every
 * drawn range rectangle (legend swatches aside) carries one. */
static void map__title_tooltips_exact(void **state)
{
	for (size_t h = 0; h < sizeof(hosts) / sizeof(hosts[0]); h++) {
		struct map m = draw(hosts[h]);
		char want[128];
		for (uint32_t i = 0; i < m.cfg.num_ram_ranges; i++) {
			uint64_t b = m.cfg.ram[i].base, e = b + m.cfg.ram[i].size;
			snprintf(want, sizeof(want), "<title>CMR %u [0x%llx, 0x%llx) ", i,
				 (unsigned long long)b, (unsigned long long)e);
			if (!strstr(m.svg, want))
				fail_msg("host %zu: no %s", h, want);
			snprintf(want, sizeof(want), "<title>RAM %u [0x%llx, 0x%llx) ", i,
				 (unsigned long long)b, (unsigned long long)e);
			if (!strstr(m.svg, want))
				fail_msg("host %zu: no %s", h, want);
		}
		snprintf(want, sizeof(want), "<title>SEAMRR [0x%llx, 0x%llx) ",
			 (unsigned long long)m.cfg.seamrr_base,
			 (unsigned long long)(m.cfg.seamrr_base + m.cfg.seamrr_size));
		assert_non_null(strstr(m.svg, want));
		assert_non_null(strstr(m.svg, "<title>TDMR 0 [0x"));
		assert_non_null(strstr(m.svg, "<title>TDMR 0 PAMT 4K [0x"));
		assert_non_null(strstr(m.svg, "<title>PT_RSVD (sampled) [0x"));
		for (char *line = m.svg; line && *line;
		     line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
			if (strncmp(line, "<rect", 5) || strstr(line, "width=\"14\" height=\"14\""))
				continue;
			bool range = strstr(line, "#a5d6a7") || strstr(line, "#90caf9") ||
				     strstr(line, "#e0e0e0") || strstr(line, "#7b1fa2") ||
				     strstr(line, "#ef6c00") || strstr(line, "#cfe8cf");
			const char *nl = strchr(line, '\n');
			if (range && !strstr(line, "<title>"))
				fail_msg("host %zu: a range without a tooltip: %.*s", h, (int)(nl - line),
					 line);
		}
		free(m.svg);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(map__axis_with_ticks_per_bar),
		cmocka_unit_test(map__one_unit_style),
		cmocka_unit_test(map__title_tooltips_exact),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
