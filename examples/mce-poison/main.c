/* SPDX-License-Identifier: MIT */
/*
 * mce-poison: the partial-write erratum of first-generation TDX parts, end to end.
 *
 * A host brings TDX up, then:
 *  1. reuses a page that was private without resetting it: an 8-byte write poisons a line,
 *     reading it back raises a machine check, and the host's handler asks
 *     TDH.PHYMEM.PAGE.RDMD whether the address is TDX private memory, as Linux does;
 *  2. scribbles 8 bytes into a live PAMT page: same machine check, and this time RDMD lets the
 *     handler print Linux's "TDX private memory error" hint;
 *  3. does it right: MOVDIR64B-resets the private page before freeing it, after which the same
 *     8-byte write and read do no harm.
 * Sources: sheet sections 8.3, 10, 14.1 (and docs/memory-integrity.md).
 */
#include <stdio.h>
#include <string.h>

#include "host_tdx.h"
#include "tdxsim/memory.h"

#define PAGE_SIZE 4096

struct host {
	tdxsim_t *sim;
	struct host_tdx tdx;
	const char *expect; /* what the current step expects to see, for the log */
};

/* Linux's paddr_is_tdx_private(): one RDMD, no retry (sheet 8.3). */
static bool paddr_is_tdx_private(struct host *h, uint32_t lp, uint64_t pa, uint64_t *type)
{
	tdxsim_regs_t r = {.rcx = pa & ~(uint64_t)(PAGE_SIZE - 1)};
	uint64_t status = tdxsim_seamcall(h->sim, lp, TDXSIM_TDH_PHYMEM_PAGE_RDMD, &r);
	*type = status ? UINT64_MAX : r.rcx;
	if (status || r.rcx == TDXSIM_PT_NDA)
		return false;
	if (r.rcx != TDXSIM_PT_RSVD)
		return true;
	for (unsigned i = 0; i < h->tdx.num_tdmrs; i++) {
		const struct host_tdx_tdmr *t = &h->tdx.tdmrs[i];
		if (pa >= t->pamt_base && pa < t->pamt_base + t->pamt_size)
			return true;
	}
	return false;
}

static const char *pt_name(uint64_t type)
{
	switch (type) {
	case TDXSIM_PT_NDA:
		return "PT_NDA";
	case TDXSIM_PT_RSVD:
		return "PT_RSVD";
	case UINT64_MAX:
		return "RDMD failed";
	default:
		return "a TD page";
	}
}

/* The machine-check handler: what mce_panic() and tdx_dump_mce_info() print. */
static void on_mce(tdxsim_t *sim, const tdxsim_mce_t *m, void *user)
{
	struct host *h = user;
	uint64_t type;
	printf("  mce: [Hardware Error]: CPU %u: Machine Check Exception: 5 Bank %u: %016llx\n", m->lp,
	       m->bank, (unsigned long long)m->status);
	printf("  mce: [Hardware Error]: TSC %llx ADDR %llx MISC %llx\n", (unsigned long long)m->tsc,
	       (unsigned long long)m->addr, (unsigned long long)m->misc);
	bool priv = paddr_is_tdx_private(h, m->lp, m->addr, &type);
	if (priv)
		printf("  mce: [Hardware Error]: Machine check: TDX private memory error. Possible kernel "
		       "bug.\n");
	else
		printf("  (RDMD says %s: not TDX private memory now, so Linux prints no TDX hint)\n",
		       pt_name(type));
	printf("  Kernel panic - not syncing: Fatal machine check   [%s; a kernel stops here]\n", h->expect);
}

/* What the module (page initialization) or a TD does: fill every line with a private KeyID. */
static void make_private(struct host *h, uint64_t pa, uint32_t keyid)
{
	static const uint8_t secret[64] = "TD secret: never visible through a shared KeyID.......";
	uint64_t keyed = pa | (uint64_t)keyid << tdxsim_keyid_shift(h->sim);
	for (uint64_t off = 0; off < PAGE_SIZE; off += 64)
		tdxsim_movdir64b(h->sim, 0, keyed + off, secret);
}

/* tdx_quirk_reset_paddr(): MOVDIR64B zeros over every line, KeyID 0 (sheet 10). */
static void reset_page(struct host *h, uint64_t pa)
{
	static const uint8_t zero[64];
	for (uint64_t off = 0; off < PAGE_SIZE; off += 64)
		tdxsim_movdir64b(h->sim, 0, pa + off, zero);
}

/* The host reuses @pa: an 8-byte write (a non-temporal store, DMA...) and a read back. */
static void reuse(struct host *h, uint64_t pa, const char *what)
{
	uint64_t v = 0x0123456789ABCDEFull, back = 0;
	printf("  host: write 8 bytes at 0x%llx (%s), read them back\n", (unsigned long long)pa + 8, what);
	tdxsim_mem_write(h->sim, 0, pa + 8, &v, sizeof(v));
	tdxsim_err_t err = tdxsim_mem_read(h->sim, 0, pa + 8, &back, sizeof(back));
	if (err == TDXSIM_OK)
		printf("  host: read back 0x%016llx: %s\n", (unsigned long long)back,
		       back == v ? "fine" : "WRONG");
	else
		printf("  host: the read returned %s\n", tdxsim_strerror(err));
}

int main(int argc, char **argv)
{
	if (argc > 1) {
		bool help = !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h");
		fputs("Usage: mce-poison\n"
		      "Shows the partial-write erratum end to end: poison, machine check, RDMD diagnosis,\n"
		      "and the MOVDIR64B reset that avoids it. Takes no arguments.\n",
		      help ? stdout : stderr);
		return help ? 0 : 2;
	}
	tdxsim_config_t cfg;
	struct host h = {0};
	struct host_tdx_opts opts = {0};
	uint64_t page;

	tdxsim_config_init(&cfg); /* Sapphire Rapids: the partial-write erratum is on */
	if (tdxsim_create(&cfg, &h.sim) || host_tdx_init(h.sim, &opts, &h.tdx)) {
		fprintf(stderr, "TDX bring-up failed: %s\n", h.tdx.message);
		return 1;
	}
	printf("TDX module initialized: %u TDMRs, %llu KiB of PAMT (private, global KeyID %u)\n",
	       h.tdx.num_tdmrs, (unsigned long long)(h.tdx.pamt_bytes >> 10), h.tdx.global_keyid);
	tdxsim_set_mce_handler(h.sim, on_mce, &h);
	uint32_t guest_keyid = h.tdx.global_keyid + 1;

	printf("\n1. A page that was private, freed without a reset, reused\n");
	tdxsim_phys_alloc(h.sim, PAGE_SIZE, PAGE_SIZE, UINT32_MAX, &page);
	make_private(&h, page, guest_keyid);
	printf("  a TD wrote page 0x%llx with KeyID %u; the host reclaims and frees it, no MOVDIR64B\n",
	       (unsigned long long)page, guest_keyid);
	tdxsim_phys_free(h.sim, page, PAGE_SIZE);
	tdxsim_phys_alloc(h.sim, PAGE_SIZE, PAGE_SIZE, UINT32_MAX, &page);
	h.expect = "the 8-byte write poisoned a line the TD still owned";
	reuse(&h, page, "freshly allocated");

	printf("\n2. A stray write into a live PAMT page\n");
	h.expect = "the host scribbled on the module's metadata";
	reuse(&h, h.tdx.tdmrs[0].pamt_base + 2 * PAGE_SIZE, "PAMT of TDMR 0");

	printf("\n3. The right path: MOVDIR64B reset before the page is freed\n");
	uint64_t good;
	tdxsim_phys_alloc(h.sim, PAGE_SIZE, PAGE_SIZE, UINT32_MAX, &good);
	make_private(&h, good, guest_keyid);
	reset_page(&h, good);
	printf("  page 0x%llx: written by a TD, then reset line by line with MOVDIR64B (KeyID 0)\n",
	       (unsigned long long)good);
	tdxsim_phys_free(h.sim, good, PAGE_SIZE);
	tdxsim_phys_alloc(h.sim, PAGE_SIZE, PAGE_SIZE, UINT32_MAX, &good);
	reuse(&h, good, "freshly allocated");

	tdxsim_mem_stats_t st;
	tdxsim_mem_stats(h.sim, &st);
	printf("\ncounters: %llu lines poisoned, %llu machine checks (%llu unhandled), %llu poisoned lines "
	       "cleared;\n"
	       "          %llu pages with line metadata, %llu KiB private through range records (PAMTs)\n",
	       (unsigned long long)st.lines_poisoned, (unsigned long long)st.machine_checks,
	       (unsigned long long)st.machine_checks_unhandled, (unsigned long long)st.lines_cleared,
	       (unsigned long long)st.tracked_pages, (unsigned long long)(st.private_range_bytes >> 10));
	tdxsim_destroy(h.sim);
	return 0;
}
