/* SPDX-License-Identifier: MIT */
/*
 * Machine-check delivery (memory.h): the record's fields, a handler that asks
 * TDH.PHYMEM.PAGE.RDMD whether the address is TDX private memory as Linux does (sheet 8.3,
 * 10), the fatal result without a handler, and the PAMT lines TDH.SYS.TDMR.INIT makes private.
 */
#include <stdio.h>
#include <string.h>

#include "fixture.h"
#include "tdxsim/memory.h"

static uint64_t kpa(tdxsim_t *sim, uint64_t pa, uint32_t keyid)
{
	return pa | (uint64_t)keyid << tdxsim_keyid_shift(sim);
}

/* What a handler saw. */
struct seen {
	unsigned calls;
	tdxsim_mce_t rec;
	uint64_t rdmd_status, rdmd_type;
	bool private_page; /* Linux's paddr_is_tdx_private() verdict */
	const struct host_tdx *host;
};

/* Is @pa inside a PAMT this host allocated? (Linux keeps its TDMR list for this.) */
static bool in_host_pamt(const struct host_tdx *h, uint64_t pa)
{
	for (unsigned i = 0; h && i < h->num_tdmrs; i++)
		if (pa >= h->tdmrs[i].pamt_base && pa < h->tdmrs[i].pamt_base + h->tdmrs[i].pamt_size)
			return true;
	return false;
}

static void handler(tdxsim_t *sim, const tdxsim_mce_t *m, void *user)
{
	struct seen *s = user;
	s->calls++;
	s->rec = *m;
	/* Sheet 8.3: RDMD on the page; failure or NDA = not private; RSVD = private only inside
	 * a PAMT; anything else = private. Issued from inside the handler. */
	tdxsim_regs_t r = {.rcx = m->addr & ~UINT64_C(0xFFF)};
	s->rdmd_status = tdxsim_seamcall(sim, m->lp, TDXSIM_TDH_PHYMEM_PAGE_RDMD, &r);
	s->rdmd_type = r.rcx;
	if (s->rdmd_status != TDXSIM_TDX_SUCCESS || r.rcx == TDXSIM_PT_NDA)
		s->private_page = false;
	else if (r.rcx == TDXSIM_PT_RSVD)
		s->private_page = in_host_pamt(s->host, m->addr);
	else
		s->private_page = true;
}

static void record__fields__shaped_like_an_mca_bank(void **state)
{
	struct fx fx;
	struct seen seen = {0};
	uint64_t pa;
	uint8_t z[64] = {0}, b[8];
	fx_create(&fx, NULL, FX_VMX);
	assert_int_equal(tdxsim_phys_alloc(fx.sim, 4096, 4096, UINT32_MAX, &pa), TDXSIM_OK);
	assert_int_equal(tdxsim_movdir64b(fx.sim, 0, kpa(fx.sim, pa + 192, 40), z), TDXSIM_OK);
	assert_int_equal(tdxsim_mem_write(fx.sim, 0, pa + 200, z, 8), TDXSIM_OK);
	tdxsim_set_mce_handler(fx.sim, handler, &seen);
	uint64_t tsc = tdxsim_lp_cycles(fx.sim, 2);
	/* Through a shared MKTME KeyID and mid-line: the record strips both. */
	assert_int_equal(tdxsim_mem_read(fx.sim, 2, kpa(fx.sim, pa + 230, 7), b, 8), TDXSIM_ERR_MCE);
	assert_int_equal(seen.calls, 1);
	assert_int_equal(seen.rec.status, TDXSIM_MCI_STATUS_VAL | TDXSIM_MCI_STATUS_UC |
						  TDXSIM_MCI_STATUS_EN | TDXSIM_MCI_STATUS_MISCV |
						  TDXSIM_MCI_STATUS_ADDRV | TDXSIM_MCI_STATUS_PCC | 0x009F);
	assert_int_equal(seen.rec.status, UINT64_C(0xBE0000000000009F));
	assert_int_equal(seen.rec.addr, pa + 192);
	assert_int_equal(seen.rec.misc, 0x86); /* physical address mode, LSB 6 */
	assert_int_equal(seen.rec.lp, 2);
	assert_int_equal(seen.rec.tsc, tsc);
	assert_int_equal(seen.rec.bank, 0);
	/* The module is not initialized: RDMD fails, so "not TDX private" (sheet 8.3). */
	assert_int_equal(seen.rdmd_status, TDXSIM_TDX_SYS_NOT_READY);
	assert_false(seen.private_page);
	tdxsim_mce_t last;
	assert_true(tdxsim_last_mce(fx.sim, &last));
	assert_memory_equal(&last, &seen.rec, sizeof(last));
	tdxsim_mem_stats_t st;
	tdxsim_mem_stats(fx.sim, &st);
	assert_int_equal(st.machine_checks, 1);
	assert_int_equal(st.machine_checks_unhandled, 0);
	fx_destroy(&fx);
}

static void no_handler__fatal_result__counted_and_recorded(void **state)
{
	struct fx fx;
	uint64_t pa;
	uint8_t z[64] = {0}, b[8];
	tdxsim_mce_t last;
	fx_create(&fx, NULL, FX_FRESH);
	assert_false(tdxsim_last_mce(fx.sim, &last));
	assert_int_equal(tdxsim_phys_alloc(fx.sim, 4096, 4096, UINT32_MAX, &pa), TDXSIM_OK);
	assert_int_equal(tdxsim_movdir64b(fx.sim, 0, kpa(fx.sim, pa, 40), z), TDXSIM_OK);
	assert_int_equal(tdxsim_mem_write(fx.sim, 0, pa, z, 1), TDXSIM_OK);
	assert_int_equal(tdxsim_mem_read(fx.sim, 1, pa, b, 8), TDXSIM_ERR_MCE);
	assert_non_null(strstr(tdxsim_last_error(fx.sim), "no handler"));
	assert_true(tdxsim_last_mce(fx.sim, &last));
	assert_int_equal(last.addr, pa);
	assert_int_equal(last.lp, 1);
	tdxsim_mem_stats_t st;
	tdxsim_mem_stats(fx.sim, &st);
	assert_int_equal(st.machine_checks, 1);
	assert_int_equal(st.machine_checks_unhandled, 1);
	/* Removing a handler brings the fatal result back. */
	struct seen seen = {0};
	tdxsim_set_mce_handler(fx.sim, handler, &seen);
	tdxsim_set_mce_handler(fx.sim, NULL, NULL);
	assert_int_equal(tdxsim_mem_read(fx.sim, 1, pa, b, 8), TDXSIM_ERR_MCE);
	assert_int_equal(seen.calls, 0);
	tdxsim_mem_stats(fx.sim, &st);
	assert_int_equal(st.machine_checks_unhandled, 2);
	fx_destroy(&fx);
}

/* TDH.SYS.TDMR.INIT writes PAMT entries with the global private KeyID (sheet 7.2, 10). */
static void tdmr_init__pamt_lines__td_owned_by_the_global_keyid(void **state)
{
	struct fx fx;
	fx_create(&fx, NULL, FX_INITIALIZED);
	const struct host_tdx *h = &fx.host;
	uint64_t expect = 0;
	for (unsigned i = 0; i < h->num_tdmrs; i++) {
		const struct host_tdx_tdmr *t = &h->tdmrs[i];
		tdxsim_line_info_t li;
		uint64_t s = t->size;
		expect += s / 4096 * 16 + (s / (2 << 20) * 16 + 63) / 64 * 64 +
			  (s / (1 << 30) * 16 + 63) / 64 * 64;
		uint64_t parts[] = {t->pamt_base, t->pamt_base + s / 4096 * 16 - 64,
				    t->pamt_base + t->pamt_4k, t->pamt_base + t->pamt_4k + t->pamt_2m};
		for (unsigned p = 0; p < 4; p++) {
			assert_int_equal(tdxsim_mem_line_info(fx.sim, parts[p], &li), TDXSIM_OK);
			assert_int_equal(li.owner_keyid, h->global_keyid);
			assert_false(li.tracked); /* a range record, not per-page metadata */
		}
		/* The 1G part holds a few entries; the rest of its page was never written. */
		uint64_t pamt_end = t->pamt_base + t->pamt_size;
		assert_int_equal(tdxsim_mem_line_info(fx.sim, pamt_end - 64, &li), TDXSIM_OK);
		assert_int_equal(li.owner_keyid, 0);
	}
	tdxsim_mem_stats_t st;
	tdxsim_mem_stats(fx.sim, &st);
	assert_int_equal(st.private_range_bytes, expect);
	assert_int_equal(st.tracked_pages, 0);
	/* Host junk written through a plain pointer never shows through KeyID 0: the line is
	 * TD-owned, so a shared read returns zeros. */
	uint8_t *p = tdxsim_phys_to_virt(fx.sim, h->tdmrs[0].pamt_base, 64), got[64], zero[64] = {0};
	memset(p, 0xAB, 64);
	assert_int_equal(tdxsim_mem_read(fx.sim, 0, h->tdmrs[0].pamt_base, got, 64), TDXSIM_OK);
	assert_memory_equal(got, zero, 64);
	char msg[256];
	assert_int_equal(tdxsim_check_invariants(fx.sim, msg, sizeof(msg)), TDXSIM_OK);
	fx_destroy(&fx);
}

static void handler__rdmd_inside__pamt_page_is_tdx_private(void **state)
{
	struct fx fx;
	struct seen seen = {0};
	uint8_t b[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	fx_create(&fx, NULL, FX_INITIALIZED);
	seen.host = &fx.host;
	tdxsim_set_mce_handler(fx.sim, handler, &seen);
	/* A stray 8-byte store into a live PAMT page, then a read of it (erratum on, SPR). */
	uint64_t pa = fx.host.tdmrs[0].pamt_base + 4096 * 3 + 8;
	assert_int_equal(tdxsim_mem_write(fx.sim, 1, pa, b, 8), TDXSIM_OK);
	assert_int_equal(tdxsim_mem_read(fx.sim, 1, pa, b, 8), TDXSIM_ERR_MCE);
	assert_int_equal(seen.calls, 1);
	assert_int_equal(seen.rdmd_status, TDXSIM_TDX_SUCCESS);
	assert_int_equal(seen.rdmd_type, TDXSIM_PT_RSVD);
	assert_true(seen.private_page);
	/* A page that is private only in the integrity model (written through a private KeyID)
	 * but free in the PAMT: RDMD says NDA, so Linux would print no TDX hint. */
	uint64_t free_pa;
	uint8_t z[64] = {0};
	assert_int_equal(tdxsim_phys_alloc(fx.sim, 4096, 4096, UINT32_MAX, &free_pa), TDXSIM_OK);
	assert_int_equal(tdxsim_movdir64b(fx.sim, 0, kpa(fx.sim, free_pa, fx.host.global_keyid + 1), z),
			 TDXSIM_OK);
	assert_int_equal(tdxsim_mem_write(fx.sim, 0, free_pa + 4, b, 4), TDXSIM_OK);
	assert_int_equal(tdxsim_mem_read(fx.sim, 0, free_pa, z, 64), TDXSIM_ERR_MCE);
	assert_int_equal(seen.calls, 2);
	assert_int_equal(seen.rdmd_type, TDXSIM_PT_NDA);
	assert_false(seen.private_page);
	fx_destroy(&fx);
}

/*
 * Each TDH.SYS.TDMR.INIT writes only its own chunk's entries, whole lines (sheet 7.2, 10), and
 * what the host did between two calls is seen in order: a partial write poisons a line the
 * previous call made private (erratum), and the next call, whose 2M entries share that line,
 * rewrites it, private and clean again. (tdxsim marks the lines of a run of calls when it
 * next looks at the model; this is the order that must not show.)
 */
static void tdmr_init__host_write_between_chunks__seen_in_call_order(void **state)
{
	struct fx fx;
	uint8_t b[8] = {7};
	tdxsim_line_info_t li;
	fx_create(&fx, NULL, FX_READY);
	const struct host_tdx_tdmr *t = &fx.host.tdmrs[1];
	uint64_t line_2m = t->pamt_base + t->pamt_4k, next_4k = t->pamt_base + 1024 * 16;
	tdxsim_regs_t r = {.rcx = t->base};
	assert_status(tdxsim_seamcall(fx.sim, 0, TDXSIM_TDH_SYS_TDMR_INIT, &r), TDXSIM_TDX_SUCCESS);
	assert_int_equal(tdxsim_mem_write(fx.sim, 0, line_2m + 40, b, sizeof(b)), TDXSIM_OK);
	assert_int_equal(tdxsim_mem_line_info(fx.sim, line_2m, &li), TDXSIM_OK);
	assert_true(li.poisoned);
	assert_int_equal(tdxsim_mem_line_info(fx.sim, next_4k - 64, &li), TDXSIM_OK);
	assert_int_equal(li.owner_keyid, fx.host.global_keyid);
	assert_int_equal(tdxsim_mem_line_info(fx.sim, next_4k, &li), TDXSIM_OK);
	assert_int_equal(li.owner_keyid, 0); /* the next chunk's entries: not written yet */
	r = (tdxsim_regs_t){.rcx = t->base};
	assert_status(tdxsim_seamcall(fx.sim, 0, TDXSIM_TDH_SYS_TDMR_INIT, &r), TDXSIM_TDX_SUCCESS);
	assert_int_equal(tdxsim_mem_line_info(fx.sim, line_2m, &li), TDXSIM_OK);
	assert_false(li.poisoned);
	assert_int_equal(li.owner_keyid, fx.host.global_keyid);
	assert_int_equal(tdxsim_mem_line_info(fx.sim, next_4k, &li), TDXSIM_OK);
	assert_int_equal(li.owner_keyid, fx.host.global_keyid);
	char msg[256];
	assert_int_equal(tdxsim_check_invariants(fx.sim, msg, sizeof(msg)), TDXSIM_OK);
	fx_destroy(&fx);
}

/* Linux's failure path: MOVDIR64B-reset the PAMT (erratum parts) before freeing it. */
static void pamt_reset__movdir64b__lines_shared_and_metadata_freed(void **state)
{
	struct fx fx;
	uint8_t z[64] = {0}, b[8] = {9};
	fx_create(&fx, NULL, FX_INITIALIZED);
	tdxsim_mem_stats_t before, after;
	tdxsim_mem_stats(fx.sim, &before);
	uint64_t page = fx.host.tdmrs[1].pamt_base + 4096 * 5;
	for (uint64_t off = 0; off < 4096; off += 64)
		assert_int_equal(tdxsim_movdir64b(fx.sim, 0, page + off, z), TDXSIM_OK);
	tdxsim_mem_stats(fx.sim, &after);
	assert_int_equal(after.private_range_bytes, before.private_range_bytes - 4096);
	assert_int_equal(after.tracked_pages, 0);
	/* Reused after the reset, an 8-byte write does no harm. */
	assert_int_equal(tdxsim_mem_write(fx.sim, 0, page + 16, b, 8), TDXSIM_OK);
	assert_int_equal(tdxsim_mem_read(fx.sim, 0, page + 16, z, 8), TDXSIM_OK);
	assert_memory_equal(z, b, 8);
	char msg[256];
	assert_int_equal(tdxsim_check_invariants(fx.sim, msg, sizeof(msg)), TDXSIM_OK);
	fx_destroy(&fx);
}

/* A failed SEAMCALL changes nothing, integrity state included; a poisoning write does. */
static void state_hash__covers_the_integrity_model(void **state)
{
	struct fx fx;
	uint8_t b[8] = {0};
	fx_create(&fx, NULL, FX_INITIALIZED);
	uint64_t h = tdxsim_state_hash(fx.sim);
	tdxsim_regs_t r = {.rcx = fx.host.tdmrs[0].base};
	assert_int_equal(tdxsim_seamcall(fx.sim, 0, TDXSIM_TDH_SYS_TDMR_INIT, &r),
			 TDXSIM_TDX_TDMR_ALREADY_INITIALIZED);
	assert_int_equal(tdxsim_state_hash(fx.sim), h);
	assert_int_equal(tdxsim_mem_write(fx.sim, 0, fx.host.tdmrs[0].pamt_base, b, 8), TDXSIM_OK);
	assert_int_not_equal(tdxsim_state_hash(fx.sim), h);
	fx_destroy(&fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(record__fields__shaped_like_an_mca_bank),
		cmocka_unit_test(no_handler__fatal_result__counted_and_recorded),
		cmocka_unit_test(tdmr_init__pamt_lines__td_owned_by_the_global_keyid),
		cmocka_unit_test(handler__rdmd_inside__pamt_page_is_tdx_private),
		cmocka_unit_test(tdmr_init__host_write_between_chunks__seen_in_call_order),
		cmocka_unit_test(pamt_reset__movdir64b__lines_shared_and_metadata_freed),
		cmocka_unit_test(state_hash__covers_the_integrity_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
