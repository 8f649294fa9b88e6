/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target (b): TDMR_INFO arrays for TDH.SYS.CONFIG. The platform is brought to the
 * point where a host calls SYS.CONFIG with a valid TDMR layout in memory; the input then
 * either mutates that layout field by field (most inputs: they stay close to valid and reach
 * the late rules) or replaces it with raw bytes, and picks the registers.
 *
 * Oracles:
 *  - a rejected configuration changes nothing (state hash and module state unchanged), but
 *    for the module's own lasting effect: once R8 passed its check (a private KeyID, RDX in
 *    1..64), R8 stays RESERVED in the KOT as the global KeyID (tdh_sys_config.c);
 *  - an accepted one satisfies, by an independent check written here, the rules the module
 *    must have enforced (sheet 6.3): TDMRs 1 GiB aligned, ascending, disjoint; reserved areas
 *    4 KiB aligned, ascending, inside their TDMR; PAMTs big enough, inside the CMRs, disjoint;
 *    non-reserved TDMR memory inside the CMRs;
 *  - after it, key configuration and some PAMT initialization keep every library invariant.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host_tdx.h"
#include "tdxsim/memory.h"
#include "tdxsim/tdxsim.h"

#define GiB    (UINT64_C(1) << 30)
#define STRIDE 1024 /* the host's TDMR_INFO stride (host_tdx.c) */

static void fail(const char *what, unsigned i)
{
	fprintf(stderr, "fuzz_sys_config: accepted configuration breaks a rule: %s (TDMR %u)\n", what, i);
	abort();
}

static bool in_cmrs(const tdxsim_config_t *cfg, uint64_t base, uint64_t size)
{
	/* Adjacent CMRs count as one (sheet 5.2); the configurations here have a hole between them. */
	for (uint32_t i = 0; i < cfg->num_ram_ranges; i++)
		if (base >= cfg->ram[i].base && base + size <= cfg->ram[i].base + cfg->ram[i].size)
			return true;
	return size == 0;
}

static bool overlap(uint64_t a, uint64_t as, uint64_t b, uint64_t bs)
{
	return as && bs && a < b + bs && b < a + as;
}

static bool reserved(const struct tdxsim_tdmr_info *t, uint64_t pa)
{
	for (int j = 0; j < TDXSIM_TDMR_MAX_RESERVED && t->reserved_areas[j].size; j++)
		if (pa >= t->base + t->reserved_areas[j].offset &&
		    pa < t->base + t->reserved_areas[j].offset + t->reserved_areas[j].size)
			return true;
	return false;
}

static void pamt_of(const struct tdxsim_tdmr_info *t, int level, uint64_t *base, uint64_t *size)
{
	*base = level == 0 ? t->pamt_4k_base : level == 1 ? t->pamt_2m_base : t->pamt_1g_base;
	*size = level == 0 ? t->pamt_4k_size : level == 1 ? t->pamt_2m_size : t->pamt_1g_size;
}

/* Whether [pa, pa + 4K) lies in TDMR @t outside its reserved areas. */
static bool in_open_tdmr(const struct tdxsim_tdmr_info *t, uint64_t pa)
{
	return pa >= t->base && pa - t->base < t->size && !reserved(t, pa);
}

/* The rules an accepted configuration must satisfy, checked the simple way. Probes may miss
 * a violation (a weaker oracle) but never report one that is not there. */
static void verify(const tdxsim_config_t *cfg, const struct tdxsim_tdmr_info *t, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		const struct tdxsim_tdmr_info *a = &t[i];
		if (a->base % GiB || !a->size || a->size % GiB || a->base + a->size < a->base)
			fail("TDMR not 1 GiB aligned", i);
		if (i && a->base < t[i - 1].base + t[i - 1].size)
			fail("TDMRs not ascending and disjoint", i);
		uint64_t prev_end = 0;
		for (int j = 0; j < TDXSIM_TDMR_MAX_RESERVED && a->reserved_areas[j].size; j++) {
			const struct tdxsim_tdmr_reserved_area *r = &a->reserved_areas[j];
			if (r->offset % 4096 || r->size % 4096 || r->offset < prev_end ||
			    r->offset + r->size > a->size)
				fail("reserved area misplaced", i);
			prev_end = r->offset + r->size;
		}
		uint64_t pages[3] = {a->size >> 12, a->size >> 21, a->size >> 30};
		for (int l = 0; l < 3; l++) {
			uint64_t base, len, b2, l2;
			pamt_of(a, l, &base, &len);
			if (len < pages[l] * cfg->pamt_entry_size[l] || base % 4096)
				fail("PAMT too small or misaligned", i);
			if (!in_cmrs(cfg, base, len))
				fail("PAMT outside the CMRs", i);
			for (unsigned k = 0; k <= i; k++) {
				for (int m = 0; m < 3; m++) {
					pamt_of(&t[k], m, &b2, &l2);
					if ((k != i || m != l) && overlap(base, len, b2, l2))
						fail("PAMTs overlap", i);
				}
			}
			for (unsigned k = 0; k < n; k++)
				if (in_open_tdmr(&t[k], base) || in_open_tdmr(&t[k], base + len - 4096))
					fail("a PAMT lies in TDMR memory that is not reserved", i);
		}
		/* Non-reserved TDMR memory inside the CMRs, probed every 64 MiB. */
		for (uint64_t pa = a->base; pa < a->base + a->size && a->size <= 64 * GiB; pa += 64 << 20)
			if (!reserved(a, pa) && !in_cmrs(cfg, pa, 4096))
				fail("TDMR memory outside the CMRs is not reserved", i);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 4)
		return 0;
	tdxsim_config_t cfg;
	tdxsim_t *sim;
	tdxsim_config_init(&cfg);
	cfg.lps_per_package = 2;
	cfg.num_ram_ranges = 2;
	cfg.ram[0] = (tdxsim_range_t){0, 2 * GiB, 0};
	cfg.ram[1] = (tdxsim_range_t){4 * GiB, 4 * GiB, 0};
	if (tdxsim_create(&cfg, &sim))
		return 0;
	struct host_tdx host;
	struct host_tdx_opts o = {.stop = HOST_TDX_STOP_BEFORE_CONFIG};
	if (host_tdx_init(sim, &o, &host)) {
		tdxsim_destroy(sim);
		return 0;
	}
	uint8_t mode = data[0];
	unsigned n = host.num_tdmrs;
	uint64_t r8 = host.global_keyid;
	uint8_t *array = tdxsim_phys_to_virt(sim, host.tdmr_array_pa, 8 * STRIDE);
	uint64_t *pas = tdxsim_phys_to_virt(sim, host.pa_array_pa, 4096);
	size_t at = 1;
	if (mode & 1) {
		/* Raw: up to eight TDMR_INFOs straight from the input. */
		n = 1 + data[at++] % 8;
		for (unsigned i = 0; i < n; i++) {
			size_t k = size - at < sizeof(struct tdxsim_tdmr_info)
					   ? size - at
					   : sizeof(struct tdxsim_tdmr_info);
			memset(array + i * STRIDE, 0, sizeof(struct tdxsim_tdmr_info));
			memcpy(array + i * STRIDE, data + at, k);
			at += k;
			pas[i] = host.tdmr_array_pa + i * STRIDE;
		}
	} else {
		/* Mutations of the valid layout: (entry, field, operation, value) records. */
		while (size - at >= 4) {
			unsigned i = data[at] % 8, field = data[at + 1] % 40, opn = data[at + 2] % 4;
			uint64_t v = (uint64_t)data[at + 3] << (data[at + 2] >> 2 & 0x3F), *p;
			at += 4;
			p = (uint64_t *)(array + i * STRIDE) + field;
			*p = opn == 0 ? *p + v : opn == 1 ? *p - v : opn == 2 ? v : *p ^ v;
			if (i >= n && data[at - 4] & 0x80)
				n = i + 1;
		}
		for (unsigned i = 0; i < n; i++)
			pas[i] = host.tdmr_array_pa + i * STRIDE;
		if (mode & 2)
			r8 = mode >> 2;
	}
	struct tdxsim_tdmr_info copy[8];
	for (unsigned i = 0; i < n; i++)
		memcpy(&copy[i], array + i * STRIDE, sizeof(copy[i]));

	uint64_t hash = tdxsim_state_hash(sim);
	tdxsim_regs_t r = {.rcx = host.pa_array_pa, .rdx = n, .r8 = r8};
	uint64_t status = tdxsim_seamcall(sim, 0, TDXSIM_TDH_SYS_CONFIG, &r);
	if (getenv("TDXSIM_FUZZ_VERBOSE")) {
		char name[96];
		fprintf(stderr, "SYS.CONFIG with %u TDMR(s): %s\n", n,
			tdxsim_status_name(status, name, sizeof(name)));
	}
	char msg[256];
	if (tdxsim_check_invariants(sim, msg, sizeof(msg))) {
		fprintf(stderr, "fuzz_sys_config: invariant broken after SYS.CONFIG: %s\n", msg);
		abort();
	}
	if (status != TDXSIM_TDX_SUCCESS) {
		bool past_r8 = n >= 1 && n <= 64 && r8 >= host.keyid_first &&
			       r8 < host.keyid_first + host.keyid_count;
		if ((!past_r8 && tdxsim_state_hash(sim) != hash) ||
		    tdxsim_module_state(sim) != TDXSIM_SYSINIT_DONE) {
			fprintf(stderr, "fuzz_sys_config: a rejected configuration changed the module\n");
			abort();
		}
	} else {
		verify(&cfg, copy, n);
		tdxsim_pamt_stats_t st;
		tdxsim_pamt_stats(sim, &st);
		if (st.num_tdmrs != n || tdxsim_module_state(sim) != TDXSIM_SYSCONFIG_DONE)
			fail("the module kept another number of TDMRs", st.num_tdmrs);
		r = (tdxsim_regs_t){0};
		tdxsim_seamcall(sim, 0, TDXSIM_TDH_SYS_KEY_CONFIG, &r);
		/* Initialize some PAMT (bounded: a fuzzed TDMR can be huge). */
		for (int k = 0; k < 300; k++) {
			r = (tdxsim_regs_t){.rcx = copy[k % n].base};
			tdxsim_seamcall(sim, 1, TDXSIM_TDH_SYS_TDMR_INIT, &r);
		}
		if (tdxsim_check_invariants(sim, msg, sizeof(msg))) {
			fprintf(stderr, "fuzz_sys_config: invariant broken after TDMR.INIT: %s\n", msg);
			abort();
		}
	}
	tdxsim_destroy(sim);
	return 0;
}
