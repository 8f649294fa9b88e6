/* SPDX-License-Identifier: MIT */
/*
 * fuzz_seamcall's bring-up memo (fuzz/fuzz_platform.h): a bring-up restored from the memo ends
 * exactly where replaying it ends. For every platform shape the target uses, every stop and
 * every retry count, from the platform's snapshot state:
 *   A  fz_bringup() for the first time: replays host_tdx_init() and keeps its end state;
 *   B  back to the snapshot, fz_bringup() again: restored from the memo;
 *   C  back to the snapshot, host_tdx_init() itself.
 * After each, the same probe records what the platform answers from there on (return value,
 * host struct, state hash, RAM the bring-up wrote, RDMD of pages across both TDMRs, the
 * allocator, then SEAMCALLs that change state and the hash after them): A, B and C must
 * record the same bytes. One row per stop.
 */
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "fuzz_platform.h"
#include "tdxsim/memory.h"
#include "tdxsim/snapshot.h"

#define GiB (UINT64_C(1) << 30)

/* What a probe records, appended as bytes. */
struct record {
	uint8_t *p;
	size_t len, cap;
};

static void put(struct record *r, const void *data, size_t n)
{
	if (r->len + n > r->cap) {
		size_t cap = r->cap ? r->cap : 1 << 16;
		while (cap < r->len + n)
			cap *= 2;
		r->p = realloc(r->p, cap);
		assert_non_null(r->p);
		r->cap = cap;
	}
	memcpy(r->p + r->len, data, n);
	r->len += n;
}

static void put64(struct record *r, uint64_t v)
{
	put(r, &v, sizeof(v));
}

static void put_ram(struct record *r, tdxsim_t *sim, uint64_t pa, uint64_t len)
{
	const void *p = tdxsim_phys_to_virt(sim, pa, len);
	put64(r, p != NULL);
	if (p)
		put(r, p, len);
}

static void put_call(struct record *r, tdxsim_t *sim, uint32_t lp, uint64_t rax, tdxsim_regs_t regs)
{
	put64(r, tdxsim_seamcall(sim, lp, rax, &regs));
	put(r, &regs, sizeof(regs));
}

static void rdmd(struct record *r, tdxsim_t *sim, uint64_t pa)
{
	put_call(r, sim, 0, TDXSIM_TDH_PHYMEM_PAGE_RDMD, (tdxsim_regs_t){.rcx = pa});
}

static void probe(struct record *r, tdxsim_t *sim, int rc, const struct host_tdx *h, const uint64_t *pool,
		  unsigned pool_len)
{
	put64(r, (uint64_t)rc);
	put(r, h, sizeof(*h));
	put64(r, tdxsim_state_hash(sim));
	put64(r, tdxsim_module_state(sim));
	tdxsim_mem_stats_t st;
	tdxsim_mem_stats(sim, &st);
	put(r, &st, sizeof(st));
	/* What the bring-up wrote: the TDMR_INFO array, its PA array, the PAMTs. */
	if (h->tdmr_array_pa)
		put_ram(r, sim, h->tdmr_array_pa, h->num_tdmrs * UINT64_C(1024));
	if (h->pa_array_pa)
		put_ram(r, sim, h->pa_array_pa, h->num_tdmrs * UINT64_C(8));
	for (unsigned i = 0; i < h->num_tdmrs; i++)
		if (h->tdmrs[i].pamt_base)
			put_ram(r, sim, h->tdmrs[i].pamt_base, h->tdmrs[i].pamt_size);
	/* The PAMT as the module reports it, across both RAM ranges and on the pool's pages. */
	for (uint64_t pa = 0; pa < GiB; pa += 32 << 20) {
		rdmd(r, sim, pa);
		rdmd(r, sim, 4 * GiB + pa);
	}
	for (unsigned i = 0; i < pool_len; i++)
		rdmd(r, sim, pool[i]);
	for (unsigned i = 0; i < h->num_tdmrs; i++)
		rdmd(r, sim, h->tdmrs[i].pamt_base);
	/* The allocator: where the next page would come from. */
	uint64_t pa = 0;
	put64(r, (uint64_t)tdxsim_phys_alloc(sim, 4096, 4096, UINT32_MAX, &pa));
	put64(r, pa);
	if (pa)
		assert_int_equal(tdxsim_phys_free(sim, pa, 4096), TDXSIM_OK);
	/* The future: calls that go on from wherever the bring-up stopped. */
	put_call(r, sim, 0, TDXSIM_TDH_SYS_KEY_CONFIG, (tdxsim_regs_t){0});
	put_call(r, sim, 0, TDXSIM_TDH_SYS_TDMR_INIT, (tdxsim_regs_t){.rcx = h->tdmrs[0].base});
	put_call(r, sim, 0, TDXSIM_TDH_SYS_RD, (tdxsim_regs_t){.rdx = TDXSIM_MD_MAX_TDMRS});
	put64(r, tdxsim_state_hash(sim));
	char msg[256];
	assert_int_equal(tdxsim_check_invariants(sim, msg, sizeof(msg)), TDXSIM_OK);
}

static void assert_records_equal(const struct record *a, const struct record *b, unsigned shape,
				 unsigned tries)
{
	if (a->len != b->len || memcmp(a->p, b->p, a->len))
		fail_msg("shape %u, %u tries: the probes differ (%zu / %zu bytes)", shape, tries, a->len,
			 b->len);
}

static void run_stop(void **state)
{
	enum host_tdx_stop stop = (enum host_tdx_stop)(uintptr_t)*state;
	struct record a = {0}, b = {0}, c = {0};
	struct host_tdx *h = malloc(sizeof(*h));
	assert_non_null(h);
	for (unsigned shape = 0; shape < FZ_NUM_SHAPES; shape++) {
		tdxsim_config_t cfg;
		tdxsim_t *sim;
		struct lc_host lc;
		uint64_t pool[FZ_POOL_PAGES];
		unsigned pool_len;
		tdxsim_snapshot_t *start;
		struct fz_bringup_memo memo = {0};
		fz_shape_config((uint8_t)shape, &cfg);
		assert_int_equal(tdxsim_create(&cfg, &sim), TDXSIM_OK);
		fz_shape_prepare(sim, (uint8_t)shape, &lc, pool, &pool_len);
		assert_int_equal(tdxsim_snapshot_take(sim, &start), TDXSIM_OK);
		for (unsigned tries = 1; tries <= FZ_BRINGUP_TRIES; tries++) {
			struct host_tdx_opts o = {.stop = stop, .key_config_max_tries = tries};
			bool restored;
			uint64_t kept = 0;
			a.len = b.len = c.len = 0;
			int rc = fz_bringup(sim, &memo, true, &o, h, &restored, &kept);
			assert_false(restored);
			assert_non_null(memo.result[stop][tries - 1]);
			probe(&a, sim, rc, h, pool, pool_len);

			assert_int_equal(tdxsim_snapshot_restore(sim, start), TDXSIM_OK);
			memset(h, 0xEE, sizeof(*h));
			rc = fz_bringup(sim, &memo, true, &o, h, &restored, &kept);
			assert_true(restored);
			assert_int_equal(kept, tdxsim_state_hash(sim));
			probe(&b, sim, rc, h, pool, pool_len);
			assert_records_equal(&a, &b, shape, tries);

			assert_int_equal(tdxsim_snapshot_restore(sim, start), TDXSIM_OK);
			rc = host_tdx_init(sim, &o, h);
			probe(&c, sim, rc, h, pool, pool_len);
			assert_records_equal(&a, &c, shape, tries);
			assert_int_equal(tdxsim_snapshot_restore(sim, start), TDXSIM_OK);
		}
		fz_bringup_memo_free(&memo);
		tdxsim_snapshot_free(start);
		tdxsim_destroy(sim);
	}
	free(h);
	free(a.p);
	free(b.p);
	free(c.p);
}

/* Anything done since the snapshot: the memo is neither used nor filled. */
static void memo__not_pristine__replays_and_keeps_nothing(void **state)
{
	tdxsim_config_t cfg;
	tdxsim_t *sim;
	struct lc_host lc;
	uint64_t pool[FZ_POOL_PAGES];
	unsigned pool_len;
	struct fz_bringup_memo memo = {0};
	struct host_tdx *h = malloc(sizeof(*h));
	struct host_tdx_opts o = {.stop = HOST_TDX_RUN_ALL, .key_config_max_tries = 1};
	bool restored;
	uint64_t kept;
	assert_non_null(h);
	fz_shape_config(0, &cfg);
	assert_int_equal(tdxsim_create(&cfg, &sim), TDXSIM_OK);
	fz_shape_prepare(sim, 0, &lc, pool, &pool_len);
	assert_int_equal(fz_bringup(sim, &memo, false, &o, h, &restored, &kept), 0);
	assert_false(restored);
	assert_null(memo.result[HOST_TDX_RUN_ALL][0]);
	/* Options outside the memo's table (a retry count it has no slot for) replay too. */
	tdxsim_destroy(sim);
	assert_int_equal(tdxsim_create(&cfg, &sim), TDXSIM_OK);
	o.key_config_max_tries = FZ_BRINGUP_TRIES + 1;
	assert_int_equal(fz_bringup(sim, &memo, true, &o, h, &restored, &kept), 0);
	assert_false(restored);
	for (unsigned s = 0; s < FZ_BRINGUP_STOPS; s++)
		for (unsigned t = 0; t < FZ_BRINGUP_TRIES; t++)
			assert_null(memo.result[s][t]);
	fz_bringup_memo_free(&memo);
	tdxsim_destroy(sim);
	free(h);
}

int main(void)
{
	static const struct {
		const char *name;
		enum host_tdx_stop stop;
	} rows[] = {
		{"memo__whole_bringup__restore_equals_replay", HOST_TDX_RUN_ALL},
		{"memo__stop_after_lp_init__restore_equals_replay", HOST_TDX_STOP_AFTER_LP_INIT},
		{"memo__stop_before_config__restore_equals_replay", HOST_TDX_STOP_BEFORE_CONFIG},
		{"memo__stop_after_config__restore_equals_replay", HOST_TDX_STOP_AFTER_CONFIG},
		{"memo__stop_after_keys__restore_equals_replay", HOST_TDX_STOP_AFTER_KEYS},
	};
	struct CMUnitTest tests[8];
	size_t n = 0;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		tests[n++] = (struct CMUnitTest){rows[i].name, run_stop, NULL, NULL,
						 (void *)(uintptr_t)rows[i].stop};
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(memo__not_pristine__replays_and_keeps_nothing);
	return _cmocka_run_group_tests("snapshot_memo", tests, n, NULL, NULL);
}
