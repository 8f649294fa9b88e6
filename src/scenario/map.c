/* SPDX-License-Identifier: MIT */
/*
 * The memory map as SVG: per scenario, an overview of the physical address space (RAM, CMRs,
 * SEAMRR, TDMRs, PAMTs) and one zoomed bar per TDMR showing its reserved areas, its PAMT
 * blocks and the PAMT page type along it. Page types are sampled (SCN_MAP_SAMPLES per TDMR,
 * several addresses per pixel, the most telling type wins) so a 4 TiB host costs what a
 * 16 GiB host does. All coordinates are integers: the picture is byte-for-byte reproducible.
 */
#include <stdio.h>
#include <string.h>

#include "scenario/run.h"

#define PROBES	 8 /* addresses looked up per pixel */
#define W	 1200
#define X0	 150
#define BAR	 (W - X0 - 20)
#define ROW	 34
#define TDMR_ROW (29 + 18 + 12 + 14)		    /* bar and PAMTs, axis, caption, gap */
#define OVERVIEW (28 + 2 * ROW - ROW + 22 + 18 + 8) /* title, two bars, axis */

static int rank(uint8_t t)
{
	/* Owned pages win over reserved ones, reserved over free, anything over "not covered". */
	return t == SCN_MAP_UNCOVERED ? 0 : t == TDXSIM_PT_NDA ? 1 : t == TDXSIM_PT_RSVD ? 2 : 3;
}

void tdxsim_scn_map_snapshot(struct scn_run *r)
{
	struct scn_map *m = &r->res->map;
	const tdxsim_config_t *cfg = &r->scn->cfg;
	m->seamrr_base = cfg->seamrr_base;
	m->seamrr_size = cfg->seamrr_size;
	m->num_ram = tdxsim_ram_ranges(r->sim, m->ram, SCN_COUNT(m->ram));
	if (m->num_ram > SCN_COUNT(m->ram))
		m->num_ram = SCN_COUNT(m->ram);
	m->num_cmr = cfg->num_ram_ranges;
	memcpy(m->cmr, cfg->ram, m->num_cmr * sizeof(m->cmr[0]));
	m->state = tdxsim_scn_enum_name(tdxsim_scn_module_states, tdxsim_module_state(r->sim));
	if (r->host_stage >= SCN_HOST_BUILT && r->host->num_tdmrs) {
		m->tdmrs = tdxsim_scn_alloc(&r->res->arena, r->host->num_tdmrs * sizeof(*m->tdmrs));
		if (m->tdmrs)
			m->num_tdmrs = r->host->num_tdmrs;
	}
	for (unsigned i = 0; i < m->num_tdmrs; i++) {
		struct scn_map_tdmr *t = &m->tdmrs[i];
		t->t = r->host->tdmrs[i];
		uint64_t step = t->t.size / SCN_MAP_SAMPLES / PROBES;
		for (unsigned px = 0; px < SCN_MAP_SAMPLES; px++) {
			uint8_t best = SCN_MAP_UNCOVERED;
			for (unsigned k = 0; k < PROBES; k++) {
				uint64_t pa = t->t.base + ((uint64_t)px * PROBES + k) * step;
				tdxsim_pamt_info_t info;
				uint8_t type = tdxsim_pamt_query(r->sim, pa & ~UINT64_C(0xFFF), &info)
						       ? SCN_MAP_UNCOVERED
						       : info.page_type;
				if (rank(type) > rank(best))
					best = type;
			}
			t->samples[px] = best;
		}
	}
	m->valid = true;
}

static const char *type_color(uint8_t t)
{
	switch (t) {
	case TDXSIM_PT_NDA:
		return "#cfe8cf";
	case TDXSIM_PT_RSVD:
		return "#9e9e9e";
	case TDXSIM_PT_REG:
		return "#1e88e5";
	case TDXSIM_PT_TDR:
		return "#d81b60";
	case TDXSIM_PT_TDCX:
		return "#8e24aa";
	case TDXSIM_PT_TDVPR:
		return "#fb8c00";
	case TDXSIM_PT_TDVPX:
		return "#f4511e";
	case TDXSIM_PT_EPT:
		return "#3949ab";
	case SCN_MAP_UNCOVERED:
		return "#ffffff";
	default:
		return "#000000";
	}
}

/* x of @addr on a bar of @width pixels for [lo, hi); 128-bit so that 52-bit spaces do not overflow. */
static long xpos(uint64_t addr, uint64_t lo, uint64_t hi, long width)
{
	if (addr <= lo)
		return 0;
	if (addr >= hi)
		return width;
	return (long)((unsigned __int128)(addr - lo) * (unsigned __int128)width / (hi - lo));
}

static void escaped(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '<')
			fputs("&lt;", out);
		else if (*s == '>')
			fputs("&gt;", out);
		else if (*s == '&')
			fputs("&amp;", out);
		else if ((unsigned char)*s >= 0x20)
			fputc(*s, out);
	}
}

/* A rectangle; with @title, a tooltip (SVG <title>) that names the exact range it draws. */
static void rect(FILE *out, long x, long y, long w, long h, const char *fill, const char *extra,
		 const char *title)
{
	fprintf(out, "<rect x=\"%ld\" y=\"%ld\" width=\"%ld\" height=\"%ld\" fill=\"%s\"%s", x, y,
		w < 1 ? 1 : w, h, fill, extra);
	if (!title) {
		fputs("/>\n", out);
		return;
	}
	fputs("><title>", out);
	escaped(out, title);
	fputs("</title></rect>\n", out);
}

/* @v in units of 2^@shift bytes, with up to three decimals (trailing zeros dropped). */
static void in_unit(char *buf, size_t len, uint64_t v, unsigned shift, char unit)
{
	uint64_t whole = v >> shift,
		 frac = (uint64_t)(((unsigned __int128)(v & ((UINT64_C(1) << shift) - 1)) * 1000) >> shift);
	if (!frac) {
		snprintf(buf, len, "%llu%c", (unsigned long long)whole, unit);
		return;
	}
	int digits = frac % 100 == 0 ? 1 : frac % 10 == 0 ? 2 : 3;
	snprintf(buf, len, "%llu.%0*llu%c", (unsigned long long)whole, digits,
		 (unsigned long long)(digits == 1   ? frac / 100
				      : digits == 2 ? frac / 10
						    : frac),
		 unit);
}

/*
 * Every address and size the picture writes is in one style, gibibytes or mebibytes: "G" from
 * 1 GiB on when the value is a multiple of 128 MiB (so three decimals are exact: 256.125G),
 * else "M" (a PAMT's 4 KiB-granular size with decimals, rounded down). Tooltips carry the
 * exact hex values.
 */
static void gm(char *buf, size_t len, uint64_t v)
{
	const uint64_t G = UINT64_C(1) << 30;
	if ((v >= G || !v) && v % (G / 8) == 0)
		in_unit(buf, len, v, 30, 'G');
	else
		in_unit(buf, len, v, 20, 'M');
}

/* "WHAT [0xBASE, 0xEND) SIZE": a tooltip with the exact range. */
static const char *range_title(char *buf, size_t len, const char *what, uint64_t base, uint64_t size)
{
	char sz[32];
	gm(sz, sizeof(sz), size);
	snprintf(buf, len, "%s [0x%llx, 0x%llx) %s", what, (unsigned long long)base,
		 (unsigned long long)(base + size), sz);
	return buf;
}

/* A range on a bar: at least one pixel wide, so that a small PAMT still shows. */
static void span(FILE *out, uint64_t base, uint64_t size, uint64_t lo, uint64_t hi, long y, long h,
		 const char *fill, const char *extra, const char *what)
{
	char title[160];
	if (base + size <= lo || base >= hi)
		return;
	long a = xpos(base, lo, hi, BAR), b = xpos(base + size, lo, hi, BAR);
	rect(out, X0 + a, y, b - a, h, fill, extra, range_title(title, sizeof(title), what, base, size));
}

static void text(FILE *out, long x, long y, const char *anchor, const char *s)
{
	fprintf(out, "<text x=\"%ld\" y=\"%ld\" text-anchor=\"%s\">", x, y, anchor);
	escaped(out, s);
	fputs("</text>\n", out);
}

/*
 * An address axis under a bar for [lo, hi): a line, and a tick at every multiple of the step,
 * the smallest power-of-two number of MiB that gives at most 8 intervals. All its labels are in
 * one unit: G when the step is a multiple of 128 MiB and the axis reaches 1 GiB, else M.
 * The two ends are labelled too. Returns the height it used.
 */
static long axis(FILE *out, uint64_t lo, uint64_t hi, long y)
{
	char label[32];
	uint64_t step = UINT64_C(1) << 20;
	while ((hi - lo) / step > 8)
		step <<= 1;
	bool in_g = hi >= (UINT64_C(1) << 30) && step % (UINT64_C(1) << 27) == 0;
	fprintf(out,
		"<g class=\"axis\" stroke=\"#616161\">\n<line x1=\"%d\" y1=\"%ld\" x2=\"%d\" y2=\"%ld\"/>\n",
		X0, y, X0 + BAR, y);
	for (uint64_t a = (lo + step - 1) / step * step; a <= hi && a >= lo; a += step)
		fprintf(out, "<line class=\"tick\" x1=\"%ld\" y1=\"%ld\" x2=\"%ld\" y2=\"%ld\"/>\n",
			X0 + xpos(a, lo, hi, BAR), y, X0 + xpos(a, lo, hi, BAR), y + 4);
	fprintf(out, "</g>\n<g class=\"axis-labels\" font-size=\"10\" fill=\"#424242\">\n");
	in_unit(label, sizeof(label), lo, in_g ? 30 : 20, in_g ? 'G' : 'M');
	text(out, X0, y + 14, "start", label);
	for (uint64_t a = (lo + step - 1) / step * step; a <= hi && a >= lo; a += step) {
		long x = X0 + xpos(a, lo, hi, BAR);
		/* Leave room for the end labels. */
		if (x - X0 < 40 || X0 + BAR - x < 40)
			continue;
		in_unit(label, sizeof(label), a, in_g ? 30 : 20, in_g ? 'G' : 'M');
		text(out, x, y + 14, "middle", label);
	}
	in_unit(label, sizeof(label), hi, in_g ? 30 : 20, in_g ? 'G' : 'M');
	text(out, X0 + BAR, y + 14, "end", label);
	fputs("</g>\n", out);
	return 18;
}

static void pamts(FILE *out, const struct scn_map *m, uint64_t lo, uint64_t hi, long y, long h)
{
	static const char *const shades[3] = {"#ef6c00", "#ffa726", "#ffe0b2"};
	static const char *const level[3] = {"4K", "2M", "1G"};
	char what[48];
	for (unsigned i = 0; i < m->num_tdmrs; i++) {
		const struct host_tdx_tdmr *t = &m->tdmrs[i].t;
		uint64_t parts[3] = {t->pamt_4k, t->pamt_2m, t->pamt_1g}, at = t->pamt_base;
		for (int l = 0; l < 3; l++) {
			snprintf(what, sizeof(what), "TDMR %u PAMT %s", i, level[l]);
			span(out, at, parts[l], lo, hi, y, h, shades[l], "", what);
			at += parts[l];
		}
	}
}

static const char *type_name(uint8_t t)
{
	static const char *const names[] = {"PT_NDA",  "PT_RSVD",  "PT_REG",   "PT_TDR",
					    "PT_TDCX", "PT_TDVPR", "PT_TDVPX", "PT_EPT"};
	static const uint8_t values[] = {TDXSIM_PT_NDA,	 TDXSIM_PT_RSVD,  TDXSIM_PT_REG,   TDXSIM_PT_TDR,
					 TDXSIM_PT_TDCX, TDXSIM_PT_TDVPR, TDXSIM_PT_TDVPX, TDXSIM_PT_EPT};
	for (size_t i = 0; i < SCN_COUNT(values); i++)
		if (values[i] == t)
			return names[i];
	return t == SCN_MAP_UNCOVERED ? "not covered" : "?";
}

static long panel(FILE *out, const struct tdxsim_scenario_result *res, long y)
{
	const struct scn_map *m = &res->map;
	char buf[640], a[32], b[32], what[48];
	snprintf(buf, sizeof(buf), "%s: %s (module %s)", res->file, res->name, m->state ? m->state : "?");
	fprintf(out, "<g font-weight=\"bold\">");
	text(out, 10, y + 16, "start", buf);
	fprintf(out, "</g>\n");
	y += 28;
	uint64_t hi = m->seamrr_base + m->seamrr_size;
	for (unsigned i = 0; i < m->num_ram; i++)
		if (m->ram[i].base + m->ram[i].size > hi)
			hi = m->ram[i].base + m->ram[i].size;
	for (unsigned i = 0; i < m->num_tdmrs; i++)
		if (m->tdmrs[i].t.base + m->tdmrs[i].t.size > hi)
			hi = m->tdmrs[i].t.base + m->tdmrs[i].t.size;
	/* Overview: RAM and CMRs, then SEAMRR, then TDMRs with their PAMTs. */
	text(out, X0 - 8, y + 15, "end", "RAM / CMR");
	rect(out, X0, y, BAR, 20, "#fafafa", " stroke=\"#bdbdbd\"", NULL);
	for (unsigned i = 0; i < m->num_ram; i++) {
		snprintf(what, sizeof(what), "RAM %u", i);
		span(out, m->ram[i].base, m->ram[i].size, 0, hi, y, 20, "#e0e0e0", "", what);
	}
	for (unsigned i = 0; i < m->num_cmr; i++) {
		snprintf(what, sizeof(what), "CMR %u", i);
		span(out, m->cmr[i].base, m->cmr[i].size, 0, hi, y, 20, "#a5d6a7", " stroke=\"#2e7d32\"",
		     what);
	}
	span(out, m->seamrr_base, m->seamrr_size, 0, hi, y, 20, "#7b1fa2", "", "SEAMRR");
	y += ROW;
	text(out, X0 - 8, y + 15, "end", "TDMRs, PAMTs");
	rect(out, X0, y, BAR, 20, "#fafafa", " stroke=\"#bdbdbd\"", NULL);
	for (unsigned i = 0; i < m->num_tdmrs; i++) {
		snprintf(what, sizeof(what), "TDMR %u", i);
		span(out, m->tdmrs[i].t.base, m->tdmrs[i].t.size, 0, hi, y, 20, "#90caf9",
		     " stroke=\"#1565c0\"", what);
	}
	pamts(out, m, 0, hi, y + 4, 12);
	y += 22 + axis(out, 0, hi, y + 22) + 8;
	for (unsigned i = 0; i < m->num_tdmrs; i++) {
		const struct scn_map_tdmr *t = &m->tdmrs[i];
		uint64_t lo = t->t.base, end = t->t.base + t->t.size;
		gm(a, sizeof(a), lo);
		gm(b, sizeof(b), end);
		snprintf(buf, sizeof(buf), "TDMR %u", i);
		text(out, X0 - 8, y + 15, "end", buf);
		/* Page types as runs of equal samples; a run's tooltip gives the addresses it spans. */
		for (unsigned px = 0; px < SCN_MAP_SAMPLES;) {
			unsigned run = 1;
			while (px + run < SCN_MAP_SAMPLES && t->samples[px + run] == t->samples[px])
				run++;
			long x1 = (long)px * BAR / SCN_MAP_SAMPLES,
			     x2 = (long)(px + run) * BAR / SCN_MAP_SAMPLES;
			uint64_t r0 = lo + (uint64_t)((unsigned __int128)t->t.size * px / SCN_MAP_SAMPLES),
				 r1 = lo +
				      (uint64_t)((unsigned __int128)t->t.size * (px + run) / SCN_MAP_SAMPLES);
			char title[160];
			snprintf(what, sizeof(what), "%s (sampled)", type_name(t->samples[px]));
			rect(out, X0 + x1, y, x2 - x1, 20, type_color(t->samples[px]), "",
			     range_title(title, sizeof(title), what, r0, r1 - r0));
			px += run;
		}
		for (unsigned k = 0; k < t->t.num_rsvd; k++) {
			snprintf(what, sizeof(what), "TDMR %u reserved area %u", i, k);
			span(out, lo + t->t.rsvd[k].offset, t->t.rsvd[k].size, lo, end, y, 20, "none",
			     " stroke=\"#424242\" stroke-dasharray=\"3,2\"", what);
		}
		pamts(out, m, lo, end, y + 22, 5);
		snprintf(what, sizeof(what), "TDMR %u", i);
		span(out, lo, t->t.size, lo, end, y, 20, "none", " stroke=\"#1565c0\"", what);
		long used = axis(out, lo, end, y + 29);
		char c[32], d[32];
		gm(c, sizeof(c), t->t.pamt_size);
		gm(d, sizeof(d), t->t.pamt_base);
		snprintf(buf, sizeof(buf), "[%s, %s), %u reserved area(s), PAMT %s at %s", a, b,
			 t->t.num_rsvd, c, d);
		text(out, X0 + BAR, y + 29 + used + 12, "end", buf);
		y += TDMR_ROW;
	}
	if (!m->num_tdmrs) {
		text(out, X0, y + 14, "start", "no TDMRs (the host did not build any)");
		y += ROW;
	}
	return y + 10;
}

static long legend(FILE *out, long y)
{
	static const struct {
		const char *color, *label;
	} items[] = {
		{"#e0e0e0", "RAM (not a CMR)"},
		{"#a5d6a7", "CMR"},
		{"#7b1fa2", "SEAMRR"},
		{"#90caf9", "TDMR"},
		{"#ef6c00", "PAMT 4K"},
		{"#ffa726", "PAMT 2M"},
		{"#ffe0b2", "PAMT 1G"},
		{"#cfe8cf", "PT_NDA (free)"},
		{"#9e9e9e", "PT_RSVD"},
		{"#1e88e5", "PT_REG"},
		{"#d81b60", "PT_TDR"},
		{"#8e24aa", "PT_TDCX"},
		{"#fb8c00", "PT_TDVPR"},
		{"#3949ab", "PT_EPT"},
		{"#ffffff", "not covered / not initialized"},
	};
	/* Page-size names (PAMT 4K) here are names, not addresses: the G/M style is for those. */
	fputs("<g class=\"legend\">\n", out);
	for (size_t i = 0; i < SCN_COUNT(items); i++) {
		long x = 10 + (long)(i % 5) * 235, yy = y + (long)(i / 5) * 20;
		rect(out, x, yy, 14, 14, items[i].color, " stroke=\"#616161\"", NULL);
		text(out, x + 20, yy + 12, "start", items[i].label);
	}
	fputs("</g>\n", out);
	return y + 3 * 20 + 10;
}

tdxsim_err_t tdxsim_scenario_write_map(const tdxsim_scenario_result_t *const *results, size_t n, FILE *out)
{
	if (!out || (n && !results))
		return TDXSIM_ERR_INVALID_ARG;
	long height = 80;
	for (size_t i = 0; i < n; i++) {
		if (!results[i])
			return TDXSIM_ERR_INVALID_ARG;
		const struct scn_map *m = &results[i]->map;
		height += OVERVIEW + (long)m->num_tdmrs * TDMR_ROW + (m->num_tdmrs ? 0 : ROW) + 10;
	}
	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(out,
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%ld\" viewBox=\"0 0 %d "
		"%ld\" "
		"font-family=\"sans-serif\" font-size=\"12\">\n",
		W, height, W, height);
	rect(out, 0, 0, W, height, "#ffffff", "", NULL);
	long y = 10;
	for (size_t i = 0; i < n; i++)
		y = panel(out, results[i], y);
	legend(out, y);
	fprintf(out, "</svg>\n");
	return TDXSIM_OK;
}
