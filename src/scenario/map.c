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

#define PROBES 8 /* addresses looked up per pixel */
#define W      1200
#define X0     150
#define BAR    (W - X0 - 20)
#define ROW    34

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

static void rect(FILE *out, long x, long y, long w, long h, const char *fill, const char *extra)
{
	fprintf(out, "<rect x=\"%ld\" y=\"%ld\" width=\"%ld\" height=\"%ld\" fill=\"%s\"%s/>\n", x, y,
		w < 1 ? 1 : w, h, fill, extra);
}

/* A range on a bar: at least one pixel wide, so that a small PAMT still shows. */
static void span(FILE *out, uint64_t base, uint64_t size, uint64_t lo, uint64_t hi, long y, long h,
		 const char *fill, const char *extra)
{
	if (base + size <= lo || base >= hi)
		return;
	long a = xpos(base, lo, hi, BAR), b = xpos(base + size, lo, hi, BAR);
	rect(out, X0 + a, y, b - a, h, fill, extra);
}

static void size_str(char *buf, size_t len, uint64_t v)
{
	static const char units[] = "KMGTP";
	int u = -1;
	if (!v) {
		snprintf(buf, len, "0");
		return;
	}
	while (u < 4 && v % 1024 == 0) {
		v /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "0x%llx", (unsigned long long)v);
	else
		snprintf(buf, len, "%llu%c", (unsigned long long)v, units[u]);
}

static void text(FILE *out, long x, long y, const char *anchor, const char *s)
{
	fprintf(out, "<text x=\"%ld\" y=\"%ld\" text-anchor=\"%s\">", x, y, anchor);
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
	fputs("</text>\n", out);
}

static void pamts(FILE *out, const struct scn_map *m, uint64_t lo, uint64_t hi, long y, long h)
{
	static const char *const shades[3] = {"#ef6c00", "#ffa726", "#ffe0b2"};
	for (unsigned i = 0; i < m->num_tdmrs; i++) {
		const struct host_tdx_tdmr *t = &m->tdmrs[i].t;
		uint64_t parts[3] = {t->pamt_4k, t->pamt_2m, t->pamt_1g}, at = t->pamt_base;
		for (int l = 0; l < 3; l++) {
			span(out, at, parts[l], lo, hi, y, h, shades[l], "");
			at += parts[l];
		}
	}
}

static long panel(FILE *out, const struct tdxsim_scenario_result *res, long y)
{
	const struct scn_map *m = &res->map;
	char buf[640], a[32], b[32];
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
	rect(out, X0, y, BAR, 20, "#fafafa", " stroke=\"#bdbdbd\"");
	for (unsigned i = 0; i < m->num_ram; i++)
		span(out, m->ram[i].base, m->ram[i].size, 0, hi, y, 20, "#e0e0e0", "");
	for (unsigned i = 0; i < m->num_cmr; i++)
		span(out, m->cmr[i].base, m->cmr[i].size, 0, hi, y, 20, "#a5d6a7", " stroke=\"#2e7d32\"");
	span(out, m->seamrr_base, m->seamrr_size, 0, hi, y, 20, "#7b1fa2", "");
	y += ROW;
	text(out, X0 - 8, y + 15, "end", "TDMRs, PAMTs");
	rect(out, X0, y, BAR, 20, "#fafafa", " stroke=\"#bdbdbd\"");
	for (unsigned i = 0; i < m->num_tdmrs; i++)
		span(out, m->tdmrs[i].t.base, m->tdmrs[i].t.size, 0, hi, y, 20, "#90caf9",
		     " stroke=\"#1565c0\"");
	pamts(out, m, 0, hi, y + 4, 12);
	size_str(b, sizeof(b), hi);
	text(out, X0, y + 32, "start", "0");
	text(out, X0 + BAR, y + 32, "end", b);
	y += ROW + 14;
	for (unsigned i = 0; i < m->num_tdmrs; i++) {
		const struct scn_map_tdmr *t = &m->tdmrs[i];
		uint64_t lo = t->t.base, end = t->t.base + t->t.size;
		size_str(a, sizeof(a), lo);
		size_str(b, sizeof(b), end);
		snprintf(buf, sizeof(buf), "TDMR %u", i);
		text(out, X0 - 8, y + 15, "end", buf);
		/* Page types as runs of equal samples. */
		for (unsigned px = 0; px < SCN_MAP_SAMPLES;) {
			unsigned run = 1;
			while (px + run < SCN_MAP_SAMPLES && t->samples[px + run] == t->samples[px])
				run++;
			long x1 = (long)px * BAR / SCN_MAP_SAMPLES,
			     x2 = (long)(px + run) * BAR / SCN_MAP_SAMPLES;
			rect(out, X0 + x1, y, x2 - x1, 20, type_color(t->samples[px]), "");
			px += run;
		}
		for (unsigned k = 0; k < t->t.num_rsvd; k++)
			span(out, lo + t->t.rsvd[k].offset, t->t.rsvd[k].size, lo, end, y, 20, "none",
			     " stroke=\"#424242\" stroke-dasharray=\"3,2\"");
		pamts(out, m, lo, end, y + 22, 5);
		rect(out, X0, y, BAR, 20, "none", " stroke=\"#1565c0\"");
		char c[32], d[32];
		size_str(c, sizeof(c), t->t.pamt_size);
		size_str(d, sizeof(d), t->t.pamt_base);
		snprintf(buf, sizeof(buf), "[%s, %s), %u reserved area(s), PAMT %s at %s", a, b,
			 t->t.num_rsvd, c, d);
		text(out, X0 + BAR, y + 38, "end", buf);
		y += ROW + 10;
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
	for (size_t i = 0; i < SCN_COUNT(items); i++) {
		long x = 10 + (long)(i % 5) * 235, yy = y + (long)(i / 5) * 20;
		rect(out, x, yy, 14, 14, items[i].color, " stroke=\"#616161\"");
		text(out, x + 20, yy + 12, "start", items[i].label);
	}
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
		height += 28 + 2 * ROW + 14 + (long)m->num_tdmrs * (ROW + 10) + (m->num_tdmrs ? 0 : ROW) + 10;
	}
	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(out,
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%ld\" viewBox=\"0 0 %d "
		"%ld\" "
		"font-family=\"sans-serif\" font-size=\"12\">\n",
		W, height, W, height);
	rect(out, 0, 0, W, height, "#ffffff", "");
	long y = 10;
	for (size_t i = 0; i < n; i++)
		y = panel(out, results[i], y);
	legend(out, y);
	fprintf(out, "</svg>\n");
	return TDXSIM_OK;
}
