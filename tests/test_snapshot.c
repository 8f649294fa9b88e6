/* SPDX-License-Identifier: MIT */
/*
 * Snapshots (tdxsim/snapshot.h): whatever a run changes after tdxsim_snapshot_take(), a
 * restore brings back: the state hash, the bytes of RAM, the allocator, and the answers of
 * every later call. One table row per kind of change, each from a brought-up platform.
 */
#include <string.h>

#include "fixture.h"
#include "host_lifecycle.h"
#include "td_fixture.h"
#include "tdxsim/cpu.h"
#include "tdxsim/memory.h"
#include "tdxsim/platform.h"
#include "tdxsim/seamldr.h"
#include "tdxsim/snapshot.h"

#define GiB (UINT64_C(1) << 30)

static uint64_t kpa(tdxsim_t *sim, uint64_t pa, uint32_t keyid)
{
	return pa | (uint64_t)keyid << tdxsim_keyid_shift(sim);
}

/* ---- changes made after the snapshot (one per row) ----------------------------------- */

static void shutdown_module(struct fx *fx)
{
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_SYS_SHUTDOWN, 0, 0, 0, NULL), TDXSIM_TDX_SUCCESS);
}

static void lp_offline_and_vmxoff(struct fx *fx)
{
	assert_int_equal(tdxsim_vmxoff(fx->sim, 1), TDXSIM_OK);
	assert_int_equal(tdxsim_lp_offline(fx->sim, 2), TDXSIM_OK);
}

static void sleep_loses_the_module(struct fx *fx)
{
	assert_int_equal(tdxsim_sleep_enter(fx->sim), TDXSIM_OK);
}

static void hot_add_range(struct fx *fx)
{
	tdxsim_range_t r = {64 * GiB, GiB, 0};
	assert_int_equal(tdxsim_mem_hot_add(fx->sim, &r), TDXSIM_OK);
	uint8_t b = 7;
	assert_int_equal(tdxsim_mem_write(fx->sim, 0, 64 * GiB + 4096, &b, 1), TDXSIM_OK);
}

static void poison_a_pamt_line(struct fx *fx)
{
	uint8_t b[8] = {1};
	assert_int_equal(tdxsim_mem_write(fx->sim, 0, fx->host.tdmrs[0].pamt_base + 64, b, sizeof(b)),
			 TDXSIM_OK);
	uint8_t got[8];
	assert_int_equal(tdxsim_mem_read(fx->sim, 0, fx->host.tdmrs[0].pamt_base + 64, got, 8),
			 TDXSIM_ERR_MCE);
}

static void private_write(struct fx *fx)
{
	uint8_t line[64];
	memset(line, 0x5C, sizeof(line));
	uint64_t pa = fx->host.tdmrs[1].base + 8 * GiB / 8; /* ordinary RAM inside a TDMR */
	assert_int_equal(tdxsim_movdir64b(fx->sim, 0, kpa(fx->sim, pa, fx->host.keyid_first + 1), line),
			 TDXSIM_OK);
}

static void queue_injection(struct fx *fx)
{
	assert_int_equal(
		tdxsim_inject_status(fx->sim, TDXSIM_TDH_SYS_RD, TDXSIM_ANY_LP, 3, TDXSIM_TDX_SYS_BUSY),
		TDXSIM_OK);
}

static void allocate_and_write(struct fx *fx)
{
	uint64_t pa;
	assert_int_equal(tdxsim_phys_alloc(fx->sim, 3 * 4096, 4096, UINT32_MAX, &pa), TDXSIM_OK);
	memset(tdxsim_phys_to_virt(fx->sim, pa, 3 * 4096), 0xEE, 3 * 4096);
}

static void overwrite_tdmr_array(struct fx *fx)
{
	/* Through a plain pointer, as a kernel writes its own memory: no API call sees it. */
	memset(tdxsim_phys_to_virt(fx->sim, fx->host.tdmr_array_pa, 4096), 0xFF, 4096);
}

static void loader_session_started(struct fx *fx)
{
	tdxsim_blob_opts_t o;
	tdxsim_blob_opts_init(&o, TDXSIM_MODULE_1_5_06);
	uint64_t blob, len, params;
	assert_int_equal(tdxsim_blob_place(fx->sim, &o, &blob, &len), TDXSIM_OK);
	assert_int_equal(tdxsim_phys_alloc(fx->sim, 4096, 4096, UINT32_MAX, &params), TDXSIM_OK);
	/* The first LP's INSTALL opens a session and blocks the module (seamldr.h). */
	assert_status(fx_call(fx->sim, 0, TDXSIM_SEAMLDR_INSTALL, params, 0, 0, NULL), TDXSIM_TDX_SUCCESS);
	assert_int_equal(tdxsim_module_state(fx->sim), TDXSIM_MODULE_GONE);
}

static void create_a_td(struct fx *fx)
{
	struct tdfx_td td;
	tdfx_create_keyed_tdcs(fx, &td);
	assert_int_equal(tdxsim_td_count(fx->sim), 1);
	assert_int_equal(tdxsim_fail_entropy(fx->sim, 2), TDXSIM_OK);
}

struct row {
	const char *name;
	void (*change)(struct fx *fx);
	bool changes_hash; /* the change is observable state (else only RAM bytes move) */
};

static const struct row rows[] = {
	{"restore__module_shut_down__state_back", shutdown_module, true},
	{"restore__lp_offline_vmx_off__lps_back", lp_offline_and_vmxoff, true},
	{"restore__s3_lost_module__module_back", sleep_loses_the_module, true},
	{"restore__hot_added_range__range_gone", hot_add_range, false},
	{"restore__poisoned_pamt_line__line_clean_mce_record_back", poison_a_pamt_line, true},
	{"restore__private_write__page_record_gone", private_write, true},
	{"restore__queued_injection__queue_back", queue_injection, false},
	{"restore__allocation__allocator_and_bytes_back", allocate_and_write, false},
	{"restore__plain_pointer_write__bytes_back", overwrite_tdmr_array, false},
	{"restore__loader_install_session__module_unblocked", loader_session_started, true},
	{"restore__td_created__registry_and_kot_back", create_a_td, true},
};

/* What the platform answers from here: state hash, RAM where the host keeps its structures, the
 * next allocation, a SEAMCALL, the memory statistics. Equal probes = the same future. */
struct probe {
	uint64_t hash;
	uint8_t tdmr_page[4096];
	uint64_t next_alloc;
	uint8_t next_page[4096]; /* what the next allocation holds before anyone writes it */
	uint64_t rd_status, rd_value;
	tdxsim_mem_stats_t mem;
	tdxsim_range_t hot;
};

static void take_probe(struct fx *fx, struct probe *p)
{
	memset(p, 0, sizeof(*p));
	p->hash = tdxsim_state_hash(fx->sim);
	memcpy(p->tdmr_page, tdxsim_phys_to_virt(fx->sim, fx->host.tdmr_array_pa, 4096), 4096);
	tdxsim_mem_stats(fx->sim, &p->mem);
	/* Probing must not change what it probes: allocate and give back. */
	if (tdxsim_phys_alloc(fx->sim, 4096, 4096, UINT32_MAX, &p->next_alloc) == TDXSIM_OK) {
		memcpy(p->next_page, tdxsim_phys_to_virt(fx->sim, p->next_alloc, 4096), 4096);
		assert_int_equal(tdxsim_phys_free(fx->sim, p->next_alloc, 4096), TDXSIM_OK);
	}
	p->hot.base = tdxsim_range_in_cmrs(fx->sim, 64 * GiB, 4096);
	p->hot.size = tdxsim_phys_to_virt(fx->sim, 64 * GiB, 4096) != NULL;
	tdxsim_regs_t r = {.rdx = TDXSIM_MD_MAX_TDMRS};
	p->rd_status = tdxsim_seamcall(fx->sim, 3, TDXSIM_TDH_SYS_RD, &r);
	p->rd_value = r.r8;
}

static void assert_probes_equal(const struct probe *a, const struct probe *b)
{
	assert_int_equal(a->hash, b->hash);
	assert_memory_equal(a->tdmr_page, b->tdmr_page, sizeof(a->tdmr_page));
	assert_int_equal(a->next_alloc, b->next_alloc);
	assert_memory_equal(a->next_page, b->next_page, sizeof(a->next_page));
	assert_int_equal(a->rd_status, b->rd_status);
	assert_int_equal(a->rd_value, b->rd_value);
	assert_memory_equal(&a->mem, &b->mem, sizeof(a->mem));
	assert_int_equal(a->hot.size, b->hot.size);
}

static void run_row(void **state)
{
	const struct row *row = *state;
	struct fx fx;
	struct probe before, changed, after;
	tdxsim_snapshot_t *snap;

	fx_create(&fx, NULL, FX_INITIALIZED);
	assert_int_equal(tdxsim_snapshot_take(fx.sim, &snap), TDXSIM_OK);
	take_probe(&fx, &before);
	row->change(&fx);
	take_probe(&fx, &changed);
	if (row->changes_hash)
		assert_int_not_equal(changed.hash, before.hash);
	/* Twice: a snapshot stays valid after a restore. */
	for (int i = 0; i < 2; i++) {
		assert_int_equal(tdxsim_snapshot_restore(fx.sim, snap), TDXSIM_OK);
		take_probe(&fx, &after);
		assert_probes_equal(&after, &before);
		char msg[256];
		assert_int_equal(tdxsim_check_invariants(fx.sim, msg, sizeof(msg)), TDXSIM_OK);
		row->change(&fx);
	}
	tdxsim_snapshot_free(snap);
	fx_destroy(&fx);
}

/* A snapshot of a platform before the bring-up: after a whole bring-up and a restore, the same
 * bring-up runs again to the very same state (fuzzers restore exactly this way). */
static void restore__before_bringup__bringup_replays_identically(void **state)
{
	struct fx fx;
	tdxsim_snapshot_t *snap;
	fx_create(&fx, NULL, FX_VMX);
	uint64_t h0 = tdxsim_state_hash(fx.sim);
	assert_int_equal(tdxsim_snapshot_take(fx.sim, &snap), TDXSIM_OK);
	assert_int_equal(host_tdx_init(fx.sim, NULL, &fx.host), 0);
	uint64_t h1 = tdxsim_state_hash(fx.sim), tdmr_pa = fx.host.tdmr_array_pa;
	assert_int_not_equal(h1, h0);
	assert_int_equal(tdxsim_snapshot_restore(fx.sim, snap), TDXSIM_OK);
	assert_int_equal(tdxsim_state_hash(fx.sim), h0);
	static const uint8_t zero[4096];
	assert_memory_equal(tdxsim_phys_to_virt(fx.sim, tdmr_pa, 4096), zero, 4096);
	assert_int_equal(host_tdx_init(fx.sim, NULL, &fx.host), 0);
	assert_int_equal(tdxsim_state_hash(fx.sim), h1);
	assert_int_equal(fx.host.tdmr_array_pa, tdmr_pa);
	tdxsim_snapshot_free(snap);
	fx_destroy(&fx);
}

/* TDs are saved too: a snapshot taken with a TD brings it back as it was, and drops the TDs
 * created since. */
static void restore__td_present_at_snapshot__td_back_new_one_gone(void **state)
{
	struct fx fx;
	struct tdfx_td td, other;
	tdxsim_snapshot_t *snap;
	fx_create(&fx, NULL, FX_INITIALIZED);
	tdfx_create(&fx, &td, 0);
	tdfx_key_config(&fx, &td);
	uint64_t h = tdxsim_state_hash(fx.sim);
	assert_int_equal(tdxsim_snapshot_take(fx.sim, &snap), TDXSIM_OK);
	tdfx_add_tdcs(&fx, &td, 2);
	tdfx_create(&fx, &other, 0);
	assert_int_equal(tdxsim_td_count(fx.sim), 2);
	assert_int_not_equal(tdxsim_state_hash(fx.sim), h);
	assert_int_equal(tdxsim_snapshot_restore(fx.sim, snap), TDXSIM_OK);
	assert_int_equal(tdxsim_state_hash(fx.sim), h);
	assert_int_equal(tdxsim_td_count(fx.sim), 1);
	tdfx_assert_invariants(&fx);
	/* And the TD goes on from where it was: its TDCS pages can be added again. */
	tdfx_add_tdcs(&fx, &td, 2);
	tdxsim_snapshot_free(snap);
	fx_destroy(&fx);
}

/* ---- restores go over the pages whose bytes may differ, not all RAM (mem.h; per page rules in
 * test_snapshot_pages.c) ---------------------------------------------------------------------- */

/* Far apart in the default RAM ([0, 2 GiB), [4 GiB, 18 GiB)), above anything allocated. */
#define PA_A (2 * GiB - 0x2000)
#define PA_B (18 * GiB - 0x1000)
#define PA_C (12 * GiB)

static void put_line(struct fx *fx, uint64_t pa, uint8_t v)
{
	uint8_t b[64];
	memset(b, v, sizeof(b));
	assert_int_equal(tdxsim_mem_write(fx->sim, 0, pa, b, sizeof(b)), TDXSIM_OK);
}

static uint8_t get_line(struct fx *fx, uint64_t pa)
{
	uint8_t b[64];
	assert_int_equal(tdxsim_mem_read(fx->sim, 0, pa, b, sizeof(b)), TDXSIM_OK);
	for (size_t i = 1; i < sizeof(b); i++)
		assert_int_equal(b[i], b[0]);
	return b[0];
}

/* Writes through the library in chunks nothing else touched: undone by every restore, the
 * first one (which goes over all RAM) and the later ones (only over marked pages). */
static void restore__library_writes_in_far_chunks__undone_every_time(void **state)
{
	struct fx fx;
	tdxsim_snapshot_t *snap;
	fx_create(&fx, NULL, FX_INITIALIZED);
	assert_int_equal(tdxsim_snapshot_take(fx.sim, &snap), TDXSIM_OK);
	uint64_t h = tdxsim_state_hash(fx.sim);
	for (uint8_t round = 1; round <= 3; round++) {
		put_line(&fx, PA_A, round);
		put_line(&fx, PA_B + 64, round);
		put_line(&fx, PA_C, round);
		assert_int_equal(tdxsim_snapshot_restore(fx.sim, snap), TDXSIM_OK);
		assert_int_equal(get_line(&fx, PA_A), 0);
		assert_int_equal(get_line(&fx, PA_B + 64), 0);
		assert_int_equal(get_line(&fx, PA_C), 0);
		assert_int_equal(tdxsim_state_hash(fx.sim), h);
	}
	tdxsim_snapshot_free(snap);
	fx_destroy(&fx);
}

/* A restore empties the pages it goes over that no saved page holds (mem/snapshot.c):
 * 3, 16, 17 and 300 pages written in one chunk, around a page the snapshot saved, all read
 * zero again and the saved one holds its bytes; twice each. */
static void restore__few_and_many_pages_in_a_chunk__zero_again(void **state)
{
	static const unsigned counts[] = {3, 16, 17, 300};
	struct fx fx;
	tdxsim_snapshot_t *snap;
	fx_create(&fx, NULL, FX_INITIALIZED);
	const uint64_t base = PA_C + 2 * 0x200000; /* a chunk of its own, far from the rest */
	uint8_t *saved = tdxsim_phys_to_virt(fx.sim, base + 100 * 4096, 4096);
	memset(saved, 0x77, 4096);
	assert_int_equal(tdxsim_snapshot_take(fx.sim, &snap), TDXSIM_OK);
	for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		for (int round = 0; round < 2; round++) {
			for (unsigned k = 0; k < counts[c]; k++)
				if (k != 100)
					put_line(&fx, base + k * 4096 + 64 * (k % 64), (uint8_t)(k + 1));
			memset(saved, 0x11, 64);
			assert_int_equal(tdxsim_snapshot_restore(fx.sim, snap), TDXSIM_OK);
			for (unsigned k = 0; k < counts[c]; k++)
				if (k != 100)
					assert_int_equal(get_line(&fx, base + k * 4096 + 64 * (k % 64)), 0);
			for (unsigned b = 0; b < 4096; b++)
				assert_int_equal(saved[b], 0x77);
		}
	}
	tdxsim_snapshot_free(snap);
	fx_destroy(&fx);
}

/* A brought-up platform whose host holds a pointer to page PA_C, then its snapshot. */
static uint8_t *host_page_then_snapshot(struct fx *fx, tdxsim_snapshot_t **snap)
{
	fx_create(fx, NULL, FX_INITIALIZED);
	uint8_t *p = tdxsim_phys_to_virt(fx->sim, PA_C, 4096);
	assert_non_null(p);
	assert_int_equal(tdxsim_snapshot_take(fx->sim, snap), TDXSIM_OK);
	return p;
}

/* The host keeps a pointer from before the snapshot and writes through it after a restore,
 * with no call in between that could tell the library: the next restore still undoes it. */
static void restore__host_pointer_from_before__write_after_restore_undone(void **state)
{
	struct fx fx;
	tdxsim_snapshot_t *snap;
	uint8_t *p = host_page_then_snapshot(&fx, &snap);
	for (int round = 0; round < 3; round++) {
		assert_int_equal(tdxsim_snapshot_restore(fx.sim, snap), TDXSIM_OK);
		p[100 * round] = 0x5A;
		assert_int_equal(tdxsim_snapshot_restore(fx.sim, snap), TDXSIM_OK);
		assert_int_equal(p[100 * round], 0);
	}
	tdxsim_snapshot_free(snap);
	fx_destroy(&fx);
}

/* After tdxsim_snapshot_forget_pointers(), what the host wrote through its pointer until then is
 * undone by the next restore; after that restore the pointer's page is the host's promise: a
 * (contract-breaking) write through it survives the restores after it, which proves they no
 * longer visit it. A new tdxsim_phys_to_virt() there brings the page back into every restore. */
static void forget_pointers__written_bytes_undone_once__then_page_not_visited(void **state)
{
	struct fx fx;
	tdxsim_snapshot_t *snap;
	uint8_t *p = host_page_then_snapshot(&fx, &snap);
	assert_int_equal(tdxsim_snapshot_restore(fx.sim, snap), TDXSIM_OK);
	p[10] = 0x5A;
	assert_int_equal(tdxsim_snapshot_forget_pointers(fx.sim), TDXSIM_OK);
	assert_int_equal(tdxsim_snapshot_restore(fx.sim, snap), TDXSIM_OK);
	assert_int_equal(p[10], 0);
	p[20] = 0x5B;
	assert_int_equal(tdxsim_snapshot_restore(fx.sim, snap), TDXSIM_OK);
	assert_int_equal(p[20], 0x5B);
	assert_ptr_equal(tdxsim_phys_to_virt(fx.sim, PA_C, 4096), p);
	assert_int_equal(tdxsim_snapshot_restore(fx.sim, snap), TDXSIM_OK);
	assert_int_equal(p[20], 0);
	p[30] = 0x5C;
	assert_int_equal(tdxsim_snapshot_restore(fx.sim, snap), TDXSIM_OK);
	assert_int_equal(p[30], 0);
	assert_int_equal(tdxsim_snapshot_forget_pointers(NULL), TDXSIM_ERR_INVALID_ARG);
	tdxsim_snapshot_free(snap);
	fx_destroy(&fx);
}

/* Two snapshots with bytes in different chunks, restored in turn: each brings its own bytes
 * back, and takes away the other's (kept in chunks the current state does not mark). */
static void restore__two_snapshots__each_brings_its_own_bytes(void **state)
{
	struct fx fx;
	tdxsim_snapshot_t *one, *two;
	fx_create(&fx, NULL, FX_INITIALIZED);
	put_line(&fx, PA_A, 1);
	assert_int_equal(tdxsim_snapshot_take(fx.sim, &one), TDXSIM_OK);
	put_line(&fx, PA_A, 3);
	put_line(&fx, PA_B, 2);
	assert_int_equal(tdxsim_snapshot_take(fx.sim, &two), TDXSIM_OK);
	for (int round = 0; round < 3; round++) {
		assert_int_equal(tdxsim_snapshot_restore(fx.sim, two), TDXSIM_OK);
		assert_int_equal(get_line(&fx, PA_A), 3);
		assert_int_equal(get_line(&fx, PA_B), 2);
		/* No access in between: reads mark their chunks too. */
		assert_int_equal(tdxsim_snapshot_restore(fx.sim, one), TDXSIM_OK);
		assert_int_equal(tdxsim_snapshot_restore(fx.sim, two), TDXSIM_OK);
		assert_int_equal(tdxsim_snapshot_restore(fx.sim, one), TDXSIM_OK);
		assert_int_equal(get_line(&fx, PA_A), 1);
		assert_int_equal(get_line(&fx, PA_B), 0);
	}
	tdxsim_snapshot_free(two);
	tdxsim_snapshot_free(one);
	fx_destroy(&fx);
}

/* A snapshot taken after a restore reads only the chunks marked since (mem.h): it holds what
 * the library and the host wrote since, and the restored snapshot's own bytes. */
static void take__after_restore__holds_restored_and_written_bytes(void **state)
{
	struct fx fx;
	tdxsim_snapshot_t *zero, *one, *two;
	fx_create(&fx, NULL, FX_INITIALIZED);
	assert_int_equal(tdxsim_snapshot_take(fx.sim, &zero), TDXSIM_OK);
	put_line(&fx, PA_A, 1);
	assert_int_equal(tdxsim_snapshot_take(fx.sim, &one), TDXSIM_OK);
	assert_int_equal(tdxsim_snapshot_restore(fx.sim, one), TDXSIM_OK);
	put_line(&fx, PA_B, 8);
	uint8_t *p = tdxsim_phys_to_virt(fx.sim, PA_C, 4096);
	p[0] = 9;
	assert_int_equal(tdxsim_snapshot_take(fx.sim, &two), TDXSIM_OK);
	for (int round = 0; round < 2; round++) {
		assert_int_equal(tdxsim_snapshot_restore(fx.sim, zero), TDXSIM_OK);
		assert_int_equal(get_line(&fx, PA_A), 0);
		assert_int_equal(get_line(&fx, PA_B), 0);
		assert_int_equal(p[0], 0);
		assert_int_equal(tdxsim_snapshot_restore(fx.sim, two), TDXSIM_OK);
		assert_int_equal(get_line(&fx, PA_A), 1);
		assert_int_equal(get_line(&fx, PA_B), 8);
		assert_int_equal(p[0], 9);
	}
	tdxsim_snapshot_free(two);
	tdxsim_snapshot_free(one);
	tdxsim_snapshot_free(zero);
	fx_destroy(&fx);
}

/* The host's own settings on the handle are not simulator state: they survive a restore. */
static unsigned mce_calls;
static void count_mce(tdxsim_t *sim, const tdxsim_mce_t *m, void *user)
{
	mce_calls++;
}

static void restore__mce_handler_set_after__kept(void **state)
{
	struct fx fx;
	tdxsim_snapshot_t *snap;
	fx_create(&fx, NULL, FX_INITIALIZED);
	assert_int_equal(tdxsim_snapshot_take(fx.sim, &snap), TDXSIM_OK);
	tdxsim_set_mce_handler(fx.sim, count_mce, NULL);
	assert_int_equal(tdxsim_snapshot_restore(fx.sim, snap), TDXSIM_OK);
	mce_calls = 0;
	poison_a_pamt_line(&fx);
	assert_int_equal(mce_calls, 1);
	tdxsim_snapshot_free(snap);
	fx_destroy(&fx);
}

/* A runtime update loads another module instance, whose metadata view (what TDH.SYS.RD and
 * RDALL answer) a restore must put back: the view is copied only when it differs
 * (sim/snapshot.c), so restores with and without an update in between are both tried. */
static void md_answers(tdxsim_t *sim, uint64_t out[3], uint8_t *page)
{
	tdxsim_regs_t r = {.rdx = TDXSIM_MD_UPDATE_VERSION};
	out[0] = tdxsim_seamcall(sim, 0, TDXSIM_TDH_SYS_RD, &r);
	out[1] = r.r8;
	uint64_t pa;
	assert_int_equal(tdxsim_phys_alloc(sim, 4096, 4096, UINT32_MAX, &pa), TDXSIM_OK);
	r = (tdxsim_regs_t){.rdx = pa, .r8 = ~UINT64_C(0)}; /* from the first field */
	out[2] = tdxsim_seamcall(sim, 0, TDXSIM_TDH_SYS_RDALL, &r);
	memcpy(page, tdxsim_phys_to_virt(sim, pa, 4096), 4096);
	assert_int_equal(tdxsim_phys_free(sim, pa, 4096), TDXSIM_OK);
}

static void restore__module_updated__metadata_of_old_instance(void **state)
{
	tdxsim_config_t cfg;
	tdxsim_t *sim;
	struct lc_host h;
	tdxsim_blob_opts_t o;
	tdxsim_snapshot_t *snap;
	uint64_t pa, len, status, before[3], after[3], updated[3];
	static uint8_t page_before[4096], page_after[4096], page_updated[4096];

	tdxsim_config_init(&cfg);
	cfg.module = TDXSIM_MODULE_1_5_06;
	assert_int_equal(tdxsim_create(&cfg, &sim), TDXSIM_OK);
	lc_host_init(&h, sim, NULL);
	assert_int_equal(lc_tdx_init(&h), 0);
	assert_int_equal(lc_tdx_enable(&h), 0);
	tdxsim_blob_opts_init(&o, TDXSIM_MODULE_NEXT);
	assert_int_equal(tdxsim_blob_place(sim, &o, &pa, &len), TDXSIM_OK);
	md_answers(sim, before, page_before);
	assert_int_equal(before[0], TDXSIM_TDX_SUCCESS);
	assert_int_equal(before[2], TDXSIM_TDX_SUCCESS);
	assert_int_equal(tdxsim_snapshot_take(sim, &snap), TDXSIM_OK);
	for (int i = 0; i < 3; i++) {
		if (i < 2) {
			assert_int_equal(lc_update(&h, pa, len, &status), 0);
			assert_int_equal(tdxsim_module_profile(sim), TDXSIM_MODULE_NEXT);
			md_answers(sim, updated, page_updated);
			assert_int_equal(updated[0], TDXSIM_TDX_SUCCESS);
			assert_int_not_equal(updated[1], before[1]);
			assert_true(memcmp(page_updated, page_before, 4096));
		}
		/* i == 2: a restore with no update since the last one. */
		assert_int_equal(tdxsim_snapshot_restore(sim, snap), TDXSIM_OK);
		assert_int_equal(tdxsim_module_profile(sim), TDXSIM_MODULE_1_5_06);
		md_answers(sim, after, page_after);
		assert_memory_equal(after, before, sizeof(before));
		assert_memory_equal(page_after, page_before, sizeof(page_before));
	}
	tdxsim_snapshot_free(snap);
	tdxsim_destroy(sim);
	(void)state;
}

static void snapshot__refused__states_and_arguments(void **state)
{
	struct fx a, b, t;
	tdxsim_snapshot_t *snap;
	fx_create(&a, NULL, FX_INITIALIZED);
	fx_create(&b, NULL, FX_FRESH);
	assert_int_equal(tdxsim_snapshot_take(NULL, &snap), TDXSIM_ERR_INVALID_ARG);
	assert_int_equal(tdxsim_snapshot_take(a.sim, NULL), TDXSIM_ERR_INVALID_ARG);
	assert_int_equal(tdxsim_snapshot_take(a.sim, &snap), TDXSIM_OK);
	/* Only into the simulator it was taken from. */
	assert_int_equal(tdxsim_snapshot_restore(b.sim, snap), TDXSIM_ERR_INVALID_ARG);
	assert_int_equal(tdxsim_snapshot_restore(a.sim, NULL), TDXSIM_ERR_INVALID_ARG);
	tdxsim_snapshot_free(snap);
	tdxsim_snapshot_free(NULL);
	/* Trap mode: page protections are not saved. */
	tdxsim_config_t cfg;
	tdxsim_config_init(&cfg);
	cfg.trap_mode = true;
	fx_create(&t, &cfg, FX_FRESH);
	assert_int_equal(tdxsim_snapshot_take(t.sim, &snap), TDXSIM_ERR_STATE);
	fx_destroy(&t);
	fx_destroy(&b);
	fx_destroy(&a);
}

int main(void)
{
	struct CMUnitTest tests[32];
	size_t n = 0;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		tests[n++] = (struct CMUnitTest){rows[i].name, run_row, NULL, NULL, (void *)&rows[i]};
	tests[n++] =
		(struct CMUnitTest)cmocka_unit_test(restore__before_bringup__bringup_replays_identically);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(restore__mce_handler_set_after__kept);
	tests[n++] =
		(struct CMUnitTest)cmocka_unit_test(restore__library_writes_in_far_chunks__undone_every_time);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(
		restore__host_pointer_from_before__write_after_restore_undone);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(
		forget_pointers__written_bytes_undone_once__then_page_not_visited);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(restore__few_and_many_pages_in_a_chunk__zero_again);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(restore__two_snapshots__each_brings_its_own_bytes);
	tests[n++] =
		(struct CMUnitTest)cmocka_unit_test(take__after_restore__holds_restored_and_written_bytes);
	tests[n++] =
		(struct CMUnitTest)cmocka_unit_test(restore__td_present_at_snapshot__td_back_new_one_gone);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(restore__module_updated__metadata_of_old_instance);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(snapshot__refused__states_and_arguments);
	return _cmocka_run_group_tests("snapshot", tests, n, NULL, NULL);
}
