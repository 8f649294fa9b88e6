/* SPDX-License-Identifier: MIT */
/*
 * TDH.MEM.PAGE.ADD, TDH.MR.EXTEND and TDH.MR.FINALIZE (td-build.md 3.12-3.14): one row per
 * check with its exact status and RCX/RDX, the copy into private memory, and MRTD computed
 * independently with OpenSSL from the published layout (tdx-module-abi.md 11.5), pinned with
 * the module oracle's examples/td-build.txt MRTD. Statuses cross-checked with the oracle.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "sim/sim.h"
#include "td/measure.h"
#include "td/td.h"
#include "td_fixture.h"
#include "tdxsim/memory.h"

#define IMAGE_GPA 0xFFFF0000ULL /* as in the oracle's td-build.txt: 16 pages below 4 GiB */

struct world {
	struct fx fx;
	struct tdfx_td td, uninit;
	uint64_t mapped;  /* HPA of the page PAGE.ADD put at IMAGE_GPA */
	uint64_t pending; /* HPA of a page AUGed at IMAGE_GPA + 0x1000 */
};

static int setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));
	uint8_t data[4096];
	fx_create(&w->fx, NULL, FX_INITIALIZED);
	tdfx_build_initialized(&w->fx, &w->td);
	tdfx_create_keyed_tdcs(&w->fx, &w->uninit);
	tdfx_sept_add_path(&w->fx, &w->td, IMAGE_GPA, NULL);
	memset(data, 0x5A, sizeof(data));
	w->mapped = tdfx_page_add(&w->fx, &w->td, IMAGE_GPA, data);
	w->pending = tdfx_page(&w->fx);
	assert_status(fx_call(w->fx.sim, 0, TDXSIM_TDH_MEM_PAGE_AUG, IMAGE_GPA + 0x1000, w->td.tdr,
			      w->pending, NULL),
		      TDXSIM_TDX_SUCCESS);
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;
	fx_destroy(&w->fx);
	free(w);
	return 0;
}

/* The running MRTD of a TD: a copy of its SHA-384 state, finalized. */
static void running_mrtd(struct fx *fx, uint64_t tdr, uint8_t out[48])
{
	struct tdxsim_td *td = tdxsim_td_find(&((struct tdxsim *)fx->sim)->td, tdr);
	assert_non_null(td);
	struct tdxsim_td_meas *copy = tdxsim_td_meas_dup(td->meas);
	assert_non_null(copy);
	assert_int_equal(tdxsim_td_meas_final(copy, out), 0);
	tdxsim_td_meas_free(copy);
}

/* ---- TDH.MEM.PAGE.ADD (3.12) ---- */

enum pa_case {
	PA_OK,
	PA_NOT_TDR,
	PA_TDR_BUSY,
	PA_UNINIT,
	PA_LEVEL_1,
	PA_RCX_RESERVED,
	PA_SHARED_BIT,
	PA_NO_PT,
	PA_MAPPED,
	PA_PENDING,
	PA_SRC_MISALIGNED,
	PA_SRC_PRIVATE_KEYID,
	PA_SRC_NOT_RAM,
	PA_TARGET_TDR,
	PA_TARGET_USED,
	PA_TARGET_BUSY,
	PA_TARGET_OUTSIDE,
};

struct pa_row {
	const char *rule;
	enum pa_case c;
	uint64_t status, rcx_out, rdx_out; /* rcx_out ~0: the mapped page's ext (set below) */
};

#define EXT_MAPPED  (~0ULL)
#define EXT_PENDING (~1ULL)

static const struct pa_row pa_rows[] = {
	{"rdx_not_a_tdr__page_metadata_incorrect_rdx", PA_NOT_TDR, 0xC000030000000002, 0, 0},
	{"tdr_held_shared_by_another_lp__operand_busy_rdx", PA_TDR_BUSY, 0x8000020000000002, 0, 0},
	{"td_not_initialized__op_state_incorrect", PA_UNINIT, 0xC000060800000000, 0, 0},
	{"level_1__operand_invalid_rcx", PA_LEVEL_1, 0xC000010000000001, 0, 0},
	{"rcx_bits_11_3__operand_invalid_rcx", PA_RCX_RESERVED, 0xC000010000000001, 0, 0},
	{"shared_gpa__operand_invalid_rcx", PA_SHARED_BIT, 0xC000010000000001, 0, 0},
	{"no_page_table__ept_walk_failed_rcx_ext_of_pd_entry", PA_NO_PT, 0xC0000B0000000001,
	 0x8000000000000000, 0x1},
	{"gpa_already_mapped__ept_entry_state_incorrect_rcx_ext", PA_MAPPED, 0xC0000B0D00000001, EXT_MAPPED,
	 0x400},
	{"gpa_pending__ept_entry_state_incorrect_rcx_ext", PA_PENDING, 0xC0000B0D00000001, EXT_PENDING,
	 0x200},
	{"source_misaligned__operand_invalid_r9", PA_SRC_MISALIGNED, 0xC000010000000009, 0, 0},
	{"source_with_private_keyid__operand_invalid_r9", PA_SRC_PRIVATE_KEYID, 0xC000010000000009, 0, 0},
	{"source_not_ram__operand_invalid_r9", PA_SRC_NOT_RAM, 0xC000010000000009, 0, 0},
	{"target_is_the_tdr__operand_busy_r8", PA_TARGET_TDR, 0x8000020000000008, 0, 0},
	{"target_owned__page_metadata_incorrect_r8", PA_TARGET_USED, 0xC000030000000008, 0, 0},
	{"target_held__operand_busy_r8", PA_TARGET_BUSY, 0x8000020000000008, 0, 0},
	{"target_outside_tdmrs__addr_range_error_r8", PA_TARGET_OUTSIDE, 0xC000010100000008, 0, 0},
};

static void page_add_rules(void **state)
{
	struct world *w = *state;
	struct fx *fx = &w->fx;
	uint32_t shift = tdxsim_keyid_shift(fx->sim);
	uint8_t data[4096] = {1};
	uint64_t src = tdfx_source_page(fx, data);
	for (size_t i = 0; i < sizeof(pa_rows) / sizeof(pa_rows[0]); i++) {
		const struct pa_row *row = &pa_rows[i];
		tdxsim_regs_t r = {
			.rcx = IMAGE_GPA + 0x2000, .rdx = w->td.tdr, .r8 = tdfx_page(fx), .r9 = src};
		switch (row->c) {
		case PA_OK:
			break;
		case PA_NOT_TDR:
			r.rdx = tdfx_page(fx);
			break;
		case PA_TDR_BUSY:
			tdxsim_contend(fx->sim, TDXSIM_RES_PAGE, w->td.tdr, 0, TDXSIM_LOCK_SHARED, 1);
			break;
		case PA_UNINIT:
			r.rdx = w->uninit.tdr;
			break;
		case PA_LEVEL_1:
			r.rcx = 0x80000000ULL | 1;
			break;
		case PA_RCX_RESERVED:
			r.rcx |= 0x8;
			break;
		case PA_SHARED_BIT:
			r.rcx |= 1ULL << 47;
			break;
		case PA_NO_PT:
			r.rcx = 0xC0000000ULL; /* same GiB as the image, PD entry FREE */
			break;
		case PA_MAPPED:
			r.rcx = IMAGE_GPA;
			break;
		case PA_PENDING:
			r.rcx = IMAGE_GPA + 0x1000;
			break;
		case PA_SRC_MISALIGNED:
			r.r9 = src + 0x800;
			break;
		case PA_SRC_PRIVATE_KEYID:
			r.r9 = src | (uint64_t)w->td.hkid << shift;
			break;
		case PA_SRC_NOT_RAM:
			r.r9 = 1ULL << 40;
			break;
		case PA_TARGET_TDR:
			r.r8 = w->td.tdr; /* this call holds it exclusively already */
			break;
		case PA_TARGET_USED:
			r.r8 = w->mapped;
			break;
		case PA_TARGET_BUSY:
			tdxsim_contend(fx->sim, TDXSIM_RES_PAGE, r.r8, 0, TDXSIM_LOCK_SHARED, 1);
			break;
		case PA_TARGET_OUTSIDE:
			r.r8 = 1ULL << 40;
			break;
		}
		uint64_t rcx_out = row->rcx_out == EXT_MAPPED	 ? 0x80000000000000F7ULL | w->mapped
				   : row->rcx_out == EXT_PENDING ? 0x80000000000000F0ULL | w->pending
								 : row->rcx_out;
		tdxsim_regs_t in = r;
		uint64_t before = tdxsim_state_hash(fx->sim);
		uint64_t st = tdfx_call(fx, 0, TDXSIM_TDH_MEM_PAGE_ADD, &r);
		if (st != row->status || r.rcx != rcx_out || r.rdx != row->rdx_out)
			print_error("rule %s: rcx %#llx rdx %#llx\n", row->rule, (unsigned long long)r.rcx,
				    (unsigned long long)r.rdx);
		assert_status(st, row->status);
		assert_int_equal(r.rcx, rcx_out);
		assert_int_equal(r.rdx, row->rdx_out);
		assert_int_equal(r.r8, in.r8);
		assert_int_equal(r.r9, in.r9);
		assert_int_equal(tdxsim_state_hash(fx->sim), before);
		tdfx_assert_invariants(fx);
	}
}

/* Success: the bytes land in a page private to the TD (readable through its KeyID only), the
 * entry is MAPPED, the page PT_REG owned by the TD; the cost includes the copy and the hash. */
static void page_add__success__copied_into_private_page(void **state)
{
	struct world *w = *state;
	struct fx *fx = &w->fx;
	uint8_t data[4096], back[4096];
	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13 + 1);
	tdxsim_td_info_t before = {.size = sizeof(before)}, after = {.size = sizeof(after)};
	tdxsim_td_query(fx->sim, w->td.tdr, &before);
	uint64_t t0 = tdxsim_lp_cycles(fx->sim, 0);
	tdxsim_regs_t r = {.rcx = IMAGE_GPA + 0x3000,
			   .rdx = w->td.tdr,
			   .r8 = tdfx_page(fx),
			   .r9 = tdfx_source_page(fx, data)};
	uint64_t t1 = tdxsim_lp_cycles(fx->sim, 0);
	assert_status(tdfx_call(fx, 0, TDXSIM_TDH_MEM_PAGE_ADD, &r), TDXSIM_TDX_SUCCESS);
	uint64_t t2 = tdxsim_lp_cycles(fx->sim, 0);
	(void)t0;
	tdxsim_costs_t c;
	tdxsim_costs_default(&c);
	assert_int_equal(t2 - t1, c.leaf[TDXSIM_TDH_MEM_PAGE_ADD] + 64 * c.movdir64b + 128 * c.sha384_byte);
	assert_int_equal(r.rcx, 0);
	assert_int_equal(r.rdx, 0);
	uint64_t page = r.r8;
	uint64_t td_key = (uint64_t)w->td.hkid << tdxsim_keyid_shift(fx->sim);
	assert_int_equal(tdxsim_mem_read(fx->sim, 0, page | td_key, back, sizeof(back)), TDXSIM_OK);
	assert_memory_equal(back, data, sizeof(data));
	/* Through the shared KeyID the host reads zeros (memory integrity, sheet 10). */
	assert_int_equal(tdxsim_mem_read(fx->sim, 0, page, back, sizeof(back)), TDXSIM_OK);
	for (unsigned i = 0; i < sizeof(back); i++)
		assert_int_equal(back[i], 0);
	tdxsim_pamt_info_t pi;
	assert_int_equal(tdxsim_pamt_query(fx->sim, page, &pi), TDXSIM_OK);
	assert_int_equal(pi.page_type, TDXSIM_PT_REG);
	assert_int_equal(pi.owner, w->td.tdr);
	tdxsim_td_query(fx->sim, w->td.tdr, &after);
	assert_int_equal(after.chldcnt, before.chldcnt + 1);
	tdxsim_regs_t rd = {.rcx = IMAGE_GPA + 0x3000, .rdx = w->td.tdr};
	assert_status(tdfx_call(fx, 0, TDXSIM_TDH_MEM_SEPT_RD, &rd), TDXSIM_TDX_SUCCESS);
	assert_int_equal(rd.rcx, 0x80000000000000F7ULL | page);
	assert_int_equal(rd.rdx, 0x400);
	tdfx_assert_invariants(fx);
}

/* A source page some TD owns reads as zeros through the shared KeyID: that is what is copied. */
static void page_add__source_private_to_a_td__copies_zeros(void **state)
{
	struct world *w = *state;
	struct fx *fx = &w->fx;
	uint8_t back[4096];
	tdxsim_regs_t r = {.rcx = IMAGE_GPA + 0x4000, .rdx = w->td.tdr, .r8 = tdfx_page(fx), .r9 = w->mapped};
	assert_status(tdfx_call(fx, 0, TDXSIM_TDH_MEM_PAGE_ADD, &r), TDXSIM_TDX_SUCCESS);
	uint64_t td_key = (uint64_t)w->td.hkid << tdxsim_keyid_shift(fx->sim);
	assert_int_equal(tdxsim_mem_read(fx->sim, 0, r.r8 | td_key, back, sizeof(back)), TDXSIM_OK);
	for (unsigned i = 0; i < sizeof(back); i++)
		assert_int_equal(back[i], 0);
	tdfx_assert_invariants(fx);
}

/* ---- TDH.MR.EXTEND (3.13) ---- */

struct ext_row {
	const char *rule;
	/* 0 the TD, 1 a free page, 2 the uninitialized TD, 3 the TD held by another LP, 4 / 5 its
	 * PAMT walk's 2M / 1G entry held exclusive by another LP */
	int rdx;
	uint64_t gpa;
	uint64_t status, rcx_out, rdx_out;
};

static const struct ext_row ext_rows[] = {
	{"rdx_not_a_tdr__page_metadata_incorrect_rdx", 1, IMAGE_GPA, 0xC000030000000002, 0, 0},
	{"tdr_held_shared_by_another_lp__operand_busy_rdx", 3, IMAGE_GPA, 0x8000020000000002, 0, 0},
	{"tdr_2m_entry_held_exclusive__operand_busy_rdx", 4, IMAGE_GPA, 0x8000020000000002, 0, 0},
	{"tdr_1g_entry_held_exclusive__operand_busy_rdx", 5, IMAGE_GPA, 0x8000020000000002, 0, 0},
	{"td_not_initialized__op_state_incorrect", 2, IMAGE_GPA, 0xC000060800000000, 0, 0},
	{"gpa_not_256_aligned__operand_invalid_rcx", 0, IMAGE_GPA + 0x80, 0xC000010000000001, 0, 0},
	{"shared_gpa__operand_invalid_rcx", 0, IMAGE_GPA | 1ULL << 47, 0xC000010000000001, 0, 0},
	{"gpa_bits_above_52__operand_invalid_rcx", 0, IMAGE_GPA | 1ULL << 52, 0xC000010000000001, 0, 0},
	{"no_page_table__ept_entry_not_present_rcx_ext", 0, 0xC0000000ULL, 0xC0000B0300000001,
	 0x8000000000000000, 0x1},
	{"free_entry__ept_entry_not_present_rcx_ext", 0, IMAGE_GPA + 0x5000, 0xC0000B0300000001,
	 0x8000000000000000, 0x0},
	{"pending_entry_has_no_rwx__ept_entry_not_present_rcx_ext", 0, IMAGE_GPA + 0x1100, 0xC0000B0300000001,
	 EXT_PENDING, 0x200},
};

static void mr_extend_rules(void **state)
{
	struct world *w = *state;
	struct fx *fx = &w->fx;
	for (size_t i = 0; i < sizeof(ext_rows) / sizeof(ext_rows[0]); i++) {
		const struct ext_row *row = &ext_rows[i];
		uint64_t tdr = row->rdx == 1 ? tdfx_page(fx) : row->rdx == 2 ? w->uninit.tdr : w->td.tdr;
		if (row->rdx == 3)
			tdxsim_contend(fx->sim, TDXSIM_RES_PAGE, w->td.tdr, 0, TDXSIM_LOCK_SHARED, 1);
		if (row->rdx == 4 || row->rdx == 5) {
			unsigned level = row->rdx == 4 ? TDXSIM_PS_2M : TDXSIM_PS_1G;
			uint64_t base = w->td.tdr & ~((UINT64_C(4096) << (9 * level)) - 1);
			tdxsim_contend(fx->sim, TDXSIM_RES_PAGE, base | level, 0, TDXSIM_LOCK_EXCLUSIVE, 1);
		}
		uint64_t rcx_out =
			row->rcx_out == EXT_PENDING ? 0x80000000000000F0ULL | w->pending : row->rcx_out;
		tdxsim_regs_t r = {.rcx = row->gpa, .rdx = tdr, .r8 = 0x88};
		uint64_t before = tdxsim_state_hash(fx->sim);
		uint64_t st = tdfx_call(fx, 0, TDXSIM_TDH_MR_EXTEND, &r);
		if (st != row->status || r.rcx != rcx_out || r.rdx != row->rdx_out)
			print_error("rule %s: rcx %#llx rdx %#llx\n", row->rule, (unsigned long long)r.rcx,
				    (unsigned long long)r.rdx);
		assert_status(st, row->status);
		assert_int_equal(r.rcx, rcx_out);
		assert_int_equal(r.rdx, row->rdx_out);
		assert_int_equal(r.r8, 0x88);
		assert_int_equal(tdxsim_state_hash(fx->sim), before);
		tdfx_assert_invariants(fx);
	}
}

/* A blocked page is not present for MR.EXTEND either (RANGE.BLOCK clears RWX, 3.13 row 5). */
static void mr_extend__blocked_page__ept_entry_not_present(void **state)
{
	struct world *w = *state;
	struct fx *fx = &w->fx;
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MEM_RANGE_BLOCK, IMAGE_GPA, w->td.tdr, 0, NULL),
		      TDXSIM_TDX_SUCCESS);
	tdxsim_regs_t r = {.rcx = IMAGE_GPA + 0x100, .rdx = w->td.tdr};
	assert_status(tdfx_call(fx, 0, TDXSIM_TDH_MR_EXTEND, &r), 0xC0000B0300000001);
	assert_int_equal(r.rcx, 0x80000000000000F0ULL | w->mapped);
	assert_int_equal(r.rdx, 0x100);
}

/* ---- MRTD (tdx-module-abi.md 11.5) ---- */

/* The expected MRTD from the published layout, with OpenSSL: per page "MEM.PAGE.ADD" + GPA,
 * then per 256-byte chunk "MR.EXTEND" + GPA and the chunk. */
static void expected_mrtd(uint64_t gpa, const uint8_t *image, unsigned pages, uint8_t out[48])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned len = 0;
	assert_int_equal(EVP_DigestInit_ex(ctx, EVP_sha384(), NULL), 1);
	for (unsigned p = 0; p < pages; p++) {
		uint8_t block[128] = "MEM.PAGE.ADD";
		uint64_t g = gpa + 4096ULL * p;
		memcpy(block + 16, &g, 8); /* little-endian host, as the module's */
		EVP_DigestUpdate(ctx, block, sizeof(block));
		for (unsigned c = 0; c < 16; c++) {
			uint8_t hdr[128] = "MR.EXTEND";
			uint64_t gc = g + 256 * c;
			memcpy(hdr + 16, &gc, 8);
			EVP_DigestUpdate(ctx, hdr, sizeof(hdr));
			EVP_DigestUpdate(ctx, image + 4096 * p + 256 * c, 256);
		}
	}
	assert_int_equal(EVP_DigestFinal_ex(ctx, out, &len), 1);
	assert_int_equal(len, 48);
	EVP_MD_CTX_free(ctx);
}

/* The oracle's examples/td-build.txt MRTD for its 64 KiB image (byte i = (i*7+3) & 0xFF) at
 * GPA 0xFFFF0000, each page added then extended: the module's own value. */
static const uint8_t ORACLE_MRTD[48] = {
	0x3f, 0xca, 0xb1, 0x57, 0xea, 0x72, 0x6e, 0x13, 0xb1, 0x4f, 0x3f, 0xc8, 0x83, 0x7e, 0xfd, 0xde,
	0x84, 0xd6, 0x86, 0x16, 0x15, 0x44, 0x51, 0x7e, 0xcd, 0x7b, 0x04, 0xd5, 0xb5, 0x30, 0xaf, 0x85,
	0xc8, 0x0b, 0x59, 0x26, 0xdf, 0x15, 0xc4, 0x8e, 0x83, 0x2f, 0x9a, 0x0b, 0x6a, 0xdc, 0x50, 0xe3,
};

static void mrtd__oracle_image__matches_layout_and_module(void **state)
{
	struct fx fx;
	struct tdfx_td td;
	static uint8_t image[16 * 4096];
	uint8_t want[48], got[48];
	(void)state;
	for (unsigned i = 0; i < sizeof(image); i++)
		image[i] = (uint8_t)(i * 7 + 3);
	expected_mrtd(IMAGE_GPA, image, 16, want);
	/* The published layout reproduces the module's value: the layout itself is right. */
	assert_memory_equal(want, ORACLE_MRTD, 48);

	fx_create(&fx, NULL, FX_INITIALIZED);
	tdfx_build_initialized(&fx, &td);
	tdfx_sept_add_path(&fx, &td, IMAGE_GPA, NULL);
	for (unsigned p = 0; p < 16; p++) {
		tdfx_page_add(&fx, &td, IMAGE_GPA + 4096 * p, image + 4096 * p);
		tdfx_mr_extend_page(&fx, &td, IMAGE_GPA + 4096 * p);
	}
	running_mrtd(&fx, td.tdr, got);
	assert_memory_equal(got, ORACLE_MRTD, 48);
	tdfx_assert_invariants(&fx);
	fx_destroy(&fx);
}

/* Two TDs built interleaved keep separate hashes (issue 10 §3). */
static void mrtd__two_tds_interleaved__independent(void **state)
{
	struct fx fx;
	struct tdfx_td a, b;
	static uint8_t img_a[2 * 4096], img_b[2 * 4096];
	uint8_t want[48], got[48];
	(void)state;
	for (unsigned i = 0; i < sizeof(img_a); i++) {
		img_a[i] = (uint8_t)i;
		img_b[i] = (uint8_t)(255 - i);
	}
	fx_create(&fx, NULL, FX_INITIALIZED);
	tdfx_build_initialized(&fx, &a);
	tdfx_build_initialized(&fx, &b);
	tdfx_sept_add_path(&fx, &a, 0, NULL);
	tdfx_sept_add_path(&fx, &b, 0x100000, NULL);
	for (unsigned p = 0; p < 2; p++) {
		tdfx_page_add(&fx, &a, 4096ULL * p, img_a + 4096 * p);
		tdfx_page_add(&fx, &b, 0x100000 + 4096ULL * p, img_b + 4096 * p);
		tdfx_mr_extend_page(&fx, &b, 0x100000 + 4096ULL * p);
		tdfx_mr_extend_page(&fx, &a, 4096ULL * p);
	}
	expected_mrtd(0, img_a, 2, want);
	running_mrtd(&fx, a.tdr, got);
	assert_memory_equal(got, want, 48);
	expected_mrtd(0x100000, img_b, 2, want);
	running_mrtd(&fx, b.tdr, got);
	assert_memory_equal(got, want, 48);
	fx_destroy(&fx);
}

/* Virtual time of a build scales with the image: one MR.EXTEND = leaf + 384 bytes hashed. */
static void mr_extend__cost__per_byte_hashed(void **state)
{
	struct world *w = *state;
	struct fx *fx = &w->fx;
	tdxsim_costs_t c;
	tdxsim_costs_default(&c);
	uint64_t t0 = tdxsim_lp_cycles(fx->sim, 0);
	assert_status(fx_call(fx->sim, 0, TDXSIM_TDH_MR_EXTEND, IMAGE_GPA, w->td.tdr, 0, NULL),
		      TDXSIM_TDX_SUCCESS);
	assert_int_equal(tdxsim_lp_cycles(fx->sim, 0) - t0,
			 c.leaf[TDXSIM_TDH_MR_EXTEND] + 384 * c.sha384_byte);
}

/* ---- TDH.MR.FINALIZE (3.14) ---- */

static void mr_finalize_rules(void **state)
{
	struct world *w = *state;
	struct fx *fx = &w->fx;
	struct {
		const char *rule;
		uint64_t rcx;
		int contend;
		uint64_t status;
	} rows[] = {
		{"rcx_not_a_tdr__page_metadata_incorrect_rcx", tdfx_page(fx), 0, 0xC000030000000001},
		{"rcx_misaligned__operand_invalid_rcx", w->td.tdr + 8, 0, 0xC000010000000001},
		{"tdr_held_shared_by_another_lp__operand_busy_rcx", w->td.tdr, 1, 0x8000020000000001},
		{"td_not_initialized__op_state_incorrect", w->uninit.tdr, 0, 0xC000060800000000},
		{"no_vcpu_initialized__no_vcpus", w->td.tdr, 0, 0xC000060900000000},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (rows[i].contend)
			tdxsim_contend(fx->sim, TDXSIM_RES_PAGE, w->td.tdr, 0, TDXSIM_LOCK_SHARED, 1);
		uint64_t before = tdxsim_state_hash(fx->sim);
		tdxsim_regs_t r = {.rcx = rows[i].rcx, .rdx = 0x22};
		uint64_t st = tdfx_call(fx, 0, TDXSIM_TDH_MR_FINALIZE, &r);
		if (st != rows[i].status)
			print_error("rule %s\n", rows[i].rule);
		assert_status(st, rows[i].status);
		assert_int_equal(r.rcx, rows[i].rcx);
		assert_int_equal(r.rdx, 0x22);
		assert_int_equal(tdxsim_state_hash(fx->sim), before);
	}
	tdfx_assert_invariants(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(page_add_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(page_add__success__copied_into_private_page, setup, teardown),
		cmocka_unit_test_setup_teardown(page_add__source_private_to_a_td__copies_zeros, setup,
						teardown),
		cmocka_unit_test_setup_teardown(mr_extend_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(mr_extend__blocked_page__ept_entry_not_present, setup,
						teardown),
		cmocka_unit_test_setup_teardown(mr_extend__cost__per_byte_hashed, setup, teardown),
		cmocka_unit_test(mrtd__oracle_image__matches_layout_and_module),
		cmocka_unit_test(mrtd__two_tds_interleaved__independent),
		cmocka_unit_test_setup_teardown(mr_finalize_rules, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
