/* SPDX-License-Identifier: MIT */
/* The bring-up summary and the named host shapes (host_tdx.h). */
#include <string.h>

#include "host_tdx.h"

#define GiB (UINT64_C(1) << 30)

void host_tdx_print_summary(tdxsim_t *sim, const struct host_tdx *h, FILE *out)
{
	unsigned rsvd = 0;
	fprintf(out, "TDX module %u.%u.%02u initialized: %u TDMR(s), global KeyID %u\n", h->major, h->minor,
		h->update, h->num_tdmrs, h->global_keyid);
	for (unsigned i = 0; i < h->num_tdmrs; i++) {
		const struct host_tdx_tdmr *t = &h->tdmrs[i];
		rsvd += t->num_rsvd;
		fprintf(out,
			"  TDMR %2u: [0x%013llx, 0x%013llx) %6llu GiB, PAMT %8llu KiB at 0x%llx, %u "
			"reserved\n",
			i, (unsigned long long)t->base, (unsigned long long)(t->base + t->size),
			(unsigned long long)(t->size / GiB), (unsigned long long)(t->pamt_size >> 10),
			(unsigned long long)t->pamt_base, t->num_rsvd);
		for (unsigned j = 0; j < t->num_rsvd; j++)
			fprintf(out, "           reserved [0x%013llx, 0x%013llx)\n",
				(unsigned long long)(t->base + t->rsvd[j].offset),
				(unsigned long long)(t->base + t->rsvd[j].offset + t->rsvd[j].size));
	}
	fprintf(out, "RAM %llu MiB, PAMT %llu KiB = 1/%.1f of RAM, %u reserved areas, %u key retries\n",
		(unsigned long long)(h->ram_bytes >> 20), (unsigned long long)(h->pamt_bytes >> 10),
		h->pamt_bytes ? (double)h->ram_bytes / (double)h->pamt_bytes : 0.0, rsvd,
		h->key_config_retries);
	uint32_t n = tdxsim_num_lps(sim);
	uint64_t total = 0, max = 0;
	fprintf(out, "virtual cycles per LP:");
	for (uint32_t lp = 0; lp < n; lp++) {
		uint64_t c = tdxsim_lp_cycles(sim, lp);
		total += c;
		max = c > max ? c : max;
		if (lp < 16)
			fprintf(out, " %llu", (unsigned long long)c);
	}
	fprintf(out, "%s\nvirtual cycles: total %llu, busiest LP %llu (%.3f ms at 2.2 GHz)\n",
		n > 16 ? " ..." : "", (unsigned long long)total, (unsigned long long)max,
		(double)max / 2.2e6);
}

static void add_ram(tdxsim_config_t *cfg, uint64_t base_gib, uint64_t size_gib, uint32_t node)
{
	cfg->ram[cfg->num_ram_ranges++] = (tdxsim_range_t){base_gib * GiB, size_gib * GiB, node};
}

int host_tdx_shape(const char *name, tdxsim_config_t *cfg)
{
	tdxsim_config_init(cfg);
	if (!strcmp(name, "16g")) {
		/* The default: 2 GiB below the PCI hole, 14 GiB above 4 GiB. */
		return 0;
	}
	cfg->num_ram_ranges = 0;
	if (!strcmp(name, "1t-holes")) {
		/* Two sockets, 512 GiB each, with holes a BIOS leaves (PCI, a missing DIMM) in the map. */
		cfg->num_packages = 2;
		add_ram(cfg, 0, 2, 0);
		add_ram(cfg, 4, 250, 0);
		add_ram(cfg, 256, 1, 0); /* hole [254, 256) and [257, 258) */
		add_ram(cfg, 258, 258, 0);
		add_ram(cfg, 520, 300, 1);		 /* hole between the sockets [516, 520) */
		add_ram(cfg, 821, 211, 1);		 /* a missing 1 GiB at 820 */
		cfg->ram[5].base += UINT64_C(512) << 20; /* a range that does not start on a GiB */
		cfg->ram[5].size -= UINT64_C(512) << 20;
		return 0;
	}
	if (!strcmp(name, "4t")) {
		cfg->num_packages = 8;
		add_ram(cfg, 0, 2, 0);
		add_ram(cfg, 4, 510, 0);
		for (uint32_t n = 1; n < 8; n++)
			add_ram(cfg, 514 + (uint64_t)(n - 1) * 512, 512, n);
		return 0;
	}
	return -1;
}
