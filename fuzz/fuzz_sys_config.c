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
#include "tdxsim/snapshot.h"
#include "tdxsim/tdxsim.h"

#define GiB    (UINT64_C(1) << 30)
#define STRIDE 1024 /* the host's TDMR_INFO stride (host_tdx.c) */

typedef unsigned __int128 u128;

#define PA_LIMIT (UINT64_C(1) << 52) /* the module's MAX_PA (sheet 9) */

static void fail(const char *what, unsigned i)
{
	fprintf(stderr, "fuzz_sys_config: %s (TDMR %u)\n", what, i);
	abort();
}

/* The platform: what the checker needs to know of it. */
struct platform_facts {
	uint64_t keyid_mask; /* PA bits holding the KeyID */
	uint32_t first_private, last_private;
	uint16_t entry_size[3]; /* 4K, 2M, 1G */
	const tdxsim_config_t *cfg;
};

static bool sum_fits(uint64_t a, uint64_t b)
{
	return (u128)a + b <= UINT64_MAX;
}

static bool pa_ok(const struct platform_facts *f, uint64_t pa)
{
	return pa < PA_LIMIT && !(pa & f->keyid_mask);
}

/* The module's overlap test: neither range starts at or after the other's end (an empty range
 * strictly inside another overlaps it). */
static bool overlap(uint64_t a, uint64_t as, uint64_t b, uint64_t bs)
{
	return (u128)a < (u128)b + bs && (u128)b < (u128)a + as;
}

static void pamt_of(const struct tdxsim_tdmr_info *t, int level, uint64_t *base, uint64_t *size)
{
	*base = level == 0 ? t->pamt_4k_base : level == 1 ? t->pamt_2m_base : t->pamt_1g_base;
	*size = level == 0 ? t->pamt_4k_size : level == 1 ? t->pamt_2m_size : t->pamt_1g_size;
}

/* [base, base + size) inside one CMR; this platform's CMRs are apart (no merging). */
static bool in_cmrs(const tdxsim_config_t *cfg, uint64_t base, uint64_t size)
{
	for (uint32_t i = 0; i < cfg->num_ram_ranges; i++)
		if (base >= cfg->ram[i].base &&
		    (u128)base + size <= (u128)cfg->ram[i].base + cfg->ram[i].size)
			return true;
	return false;
}

/* The non-empty non-reserved spans of a TDMR whose reserved areas passed rule 6. */
static unsigned open_spans(const struct tdxsim_tdmr_info *t, uint64_t base[17], uint64_t size[17])
{
	unsigned n = 0;
	uint64_t pos = 0;
	for (int j = 0; j < TDXSIM_TDMR_MAX_RESERVED && t->reserved_areas[j].size; j++) {
		const struct tdxsim_tdmr_reserved_area *r = &t->reserved_areas[j];
		if (r->offset > pos) {
			base[n] = t->base + pos;
			size[n++] = r->offset - pos;
		}
		pos = r->offset + r->size;
	}
	if (pos < t->size) {
		base[n] = t->base + pos;
		size[n++] = t->size - pos;
	}
	return n;
}

static bool pamt_hits_open_part(uint64_t pb, uint64_t ps, const struct tdxsim_tdmr_info *t)
{
	uint64_t base[17], size[17];
	unsigned n = open_spans(t, base, size);
	for (unsigned k = 0; k < n; k++)
		if (overlap(pb, ps, base[k], size[k]))
			return true;
	return false;
}

/* Rules 1-7 for TDMR @i alone (and its predecessor). */
static bool tdmr_ok(const struct platform_facts *f, const struct tdxsim_tdmr_info *t, unsigned i)
{
	const struct tdxsim_tdmr_info *a = &t[i];
	if (!sum_fits(a->base, a->size))
		return false; /* 1 */
	if (i && (u128)a->base < (u128)t[i - 1].base + t[i - 1].size)
		return false; /* 2, 3 */
	if (a->base % GiB || !a->size || a->size % GiB)
		return false; /* 4 */
	if (!pa_ok(f, a->base) || !pa_ok(f, a->base + a->size - 1))
		return false;				     /* 5 */
	for (int j = 0; j < TDXSIM_TDMR_MAX_RESERVED; j++) { /* 6 */
		const struct tdxsim_tdmr_reserved_area *r = &a->reserved_areas[j];
		if (!r->size) {
			if (j + 1 < TDXSIM_TDMR_MAX_RESERVED && a->reserved_areas[j + 1].size)
				return false;
			continue;
		}
		if (!sum_fits(r->offset, r->size))
			return false;
		if (j &&
		    (u128)r->offset < (u128)a->reserved_areas[j - 1].offset + a->reserved_areas[j - 1].size)
			return false;
		if (r->offset % 4096 || r->size % 4096)
			return false;
		if ((u128)a->base + r->offset + r->size > (u128)a->base + a->size ||
		    !sum_fits(a->base, r->offset) || !sum_fits(a->base + r->offset, r->size))
			return false;
	}
	for (int l = 0; l < 3; l++) { /* 7 */
		uint64_t b, s;
		pamt_of(a, l, &b, &s);
		u128 min = (u128)(a->size >> (12 + 9 * l)) * f->entry_size[l];
		if (!sum_fits(b, s) || b % 4096 || s % 4096 || !pa_ok(f, b) || !pa_ok(f, b + s - 1) ||
		    s < min)
			return false;
	}
	return true;
}

/* Rules 8-11 for TDMR @i against itself and every earlier TDMR. */
static bool tdmr_placement_ok(const struct platform_facts *f, const struct tdxsim_tdmr_info *t, unsigned i)
{
	for (int l = 0; l < 3; l++) {
		uint64_t b, s, b2, s2;
		pamt_of(&t[i], l, &b, &s);
		for (unsigned j = 0; j <= i; j++)
			for (int m = 0; m < 3; m++) {
				pamt_of(&t[j], m, &b2, &s2);
				if ((j < i || m > l) && overlap(b, s, b2, s2))
					return false; /* 8, 8a */
			}
		for (unsigned j = 0; j <= i; j++) {
			if (pamt_hits_open_part(b, s, &t[j]))
				return false; /* 9: i's PAMTs in j's open memory */
			pamt_of(&t[j], l, &b2, &s2);
			if (j < i && pamt_hits_open_part(b2, s2, &t[i]))
				return false; /* 9: j's PAMTs in i's open memory */
		}
		if (!in_cmrs(f->cfg, b, s))
			return false; /* 10 */
	}
	uint64_t base[17], size[17];
	unsigned n = open_spans(&t[i], base, size);
	for (unsigned k = 0; k < n; k++)
		if (!in_cmrs(f->cfg, base[k], size[k]))
			return false; /* 11 */
	return true;
}

/* Whether TDH.SYS.CONFIG must accept (R8, RDX and every TDMR_INFO; RCX and the entry PAs are
 * the host's valid ones). */
static bool config_valid(const struct platform_facts *f, const struct tdxsim_tdmr_info *t, unsigned n,
			 uint64_t r8)
{
	if (r8 >> 16 || r8 < f->first_private || r8 > f->last_private || n < 1 || n > 64)
		return false;
	for (unsigned i = 0; i < n; i++)
		if (!tdmr_ok(f, t, i) || !tdmr_placement_ok(f, t, i))
			return false;
	return true;
}

/* The prepared platform: created and brought to "SYS.CONFIG next" once, restored per input. */
static struct {
	bool ready, failed;
	tdxsim_config_t cfg;
	tdxsim_t *sim;
	struct host_tdx host;
	tdxsim_snapshot_t *snap;
	struct platform_facts facts;
} P;

static bool prepare(void)
{
	if (P.ready || P.failed)
		return P.ready;
	P.failed = true;
	tdxsim_config_init(&P.cfg);
	P.cfg.lps_per_package = 2;
	P.cfg.num_ram_ranges = 2;
	P.cfg.ram[0] = (tdxsim_range_t){0, 2 * GiB, 0};
	P.cfg.ram[1] = (tdxsim_range_t){4 * GiB, 4 * GiB, 0};
	if (tdxsim_create(&P.cfg, &P.sim))
		return false;
	struct host_tdx_opts o = {.stop = HOST_TDX_STOP_BEFORE_CONFIG};
	if (host_tdx_init(P.sim, &o, &P.host) || tdxsim_snapshot_take(P.sim, &P.snap))
		return false;
	unsigned shift = tdxsim_keyid_shift(P.sim);
	P.facts = (struct platform_facts){
		.keyid_mask = ((UINT64_C(1) << P.cfg.keyid_bits) - 1) << shift,
		.first_private = P.cfg.num_mktme_keyids + 1,
		.last_private = P.cfg.num_mktme_keyids + P.cfg.num_tdx_keyids,
		.entry_size = {P.cfg.pamt_entry_size[0], P.cfg.pamt_entry_size[1], P.cfg.pamt_entry_size[2]},
		.cfg = &P.cfg,
	};
	P.ready = true;
	P.failed = false;
	return true;
}

/* libFuzzer's entry point; libFuzzer has no header that declares it. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 4 || !prepare())
		return 0;
	if (tdxsim_snapshot_restore(P.sim, P.snap))
		fail("restoring the platform failed", 0);
	tdxsim_t *sim = P.sim;
	const struct host_tdx host = P.host;
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

	bool valid = config_valid(&P.facts, copy, n, r8);
	tdxsim_regs_t r = {.rcx = host.pa_array_pa, .rdx = n, .r8 = r8};
	uint64_t status = tdxsim_seamcall(sim, 0, TDXSIM_TDH_SYS_CONFIG, &r);
	if (getenv("TDXSIM_FUZZ_VERBOSE")) {
		char name[96];
		fprintf(stderr, "SYS.CONFIG with %u TDMR(s): %s (checker: %s)\n", n,
			tdxsim_status_name(status, name, sizeof(name)), valid ? "valid" : "invalid");
	}
	char msg[256];
	if (tdxsim_check_invariants(sim, msg, sizeof(msg))) {
		fprintf(stderr, "fuzz_sys_config: invariant broken after SYS.CONFIG: %s\n", msg);
		abort();
	}
	if (status == TDXSIM_STATUS_NO_MEMORY)
		return 0; /* the host process, not the rules */
	if (valid && status != TDXSIM_TDX_SUCCESS)
		fail("a valid configuration was rejected", (unsigned)(status & 0xFF));
	if (!valid && status == TDXSIM_TDX_SUCCESS)
		fail("an invalid configuration was accepted", 0);
	if (status != TDXSIM_TDX_SUCCESS) {
		/* The one effect a rejection keeps (failure_effects.h): the KeyID reserved once R8
		 * passed. Reserving it alone, by the same call with no TDMR to read, must give the
		 * same state. */
		uint64_t hash = tdxsim_state_hash(sim);
		if (tdxsim_module_state(sim) != TDXSIM_SYSINIT_DONE)
			fail("a rejected configuration changed the module state", 0);
		if (tdxsim_snapshot_restore(sim, P.snap))
			fail("restoring the platform failed", 0);
		memset(pas, 0xFF, 8); /* an entry PA no check lets through: fails right after R8 */
		r = (tdxsim_regs_t){.rcx = host.pa_array_pa, .rdx = n, .r8 = r8};
		tdxsim_seamcall(sim, 0, TDXSIM_TDH_SYS_CONFIG, &r);
		if (tdxsim_state_hash(sim) != hash)
			fail("a rejected configuration changed more than the KeyID reservation", 0);
		return 0;
	}
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
	return 0;
}
