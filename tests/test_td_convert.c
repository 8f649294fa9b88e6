/* SPDX-License-Identifier: MIT */
/*
 * guest_memfd-style private <-> shared conversion of half a 2 MiB private page, driven the way
 * KVM and a Linux guest drive it (td-runtime.md 2.2-2.5, 2.9, 4.1, 4.2, 6.1, 6.2):
 *   guest ACCEPTs the 2M page and writes secrets in both halves; MapGPA(upper 1 MiB -> shared)
 *   host BLOCK(2M) -> TRACK -> DEMOTE -> BLOCK x 256 -> TRACK -> REMOVE x 256 -> WBINVD, maps
 *   the shared range to its own pages; the guest uses it shared (the host sees its writes);
 *   MapGPA(back to private); host unmaps, AUGs 256 x 4K; the guest accepts the range as Linux
 *   does (4K, since the range is not 2M aligned) and finds zeros.
 * At every host step the host, reading any page involved through KeyID 0, never sees a
 * secret: the memory-integrity model (include/tdxsim/memory.h) turns TD-owned lines into
 * zeros for a shared KeyID, and removed pages keep their lines TD-owned until the host
 * writes them. Also the guest's 4K retry: a 2M accept refused with PAGE_SIZE_MISMATCH (the
 * host mapped the range at 4K) is retried at 4K, 512 times.
 */
#include <stdlib.h>
#include <string.h>

#include "td_fixture.h"
#include "tdxsim/guest.h"
#include "tdxsim/memory.h"

#define G_PRIV	   UINT64_C(0x10000)  /* PAGE.ADDed: PDPT, PD and PT exist */
#define G2	   UINT64_C(0x200000) /* the 2 MiB private page */
#define G_UP	   (G2 + 0x100000)    /* its upper half: converted */
#define SHARED	   (UINT64_C(1) << 47)
#define RAX_VMCALL UINT64_C(0x4D)
#define SECRET_LO  UINT64_C(0x5EC2E7000000A001)
#define SECRET_HI  UINT64_C(0x5EC2E7000000B002)

struct world {
	struct fx fx;
	struct tdfx_td td;
	struct tdfx_vcpu vp;
	uint64_t page;	 /* the 2M page's HPA */
	uint64_t shared; /* the host's 1 MiB behind the shared alias */
};

static void call_ok(struct world *w, uint64_t leaf, uint64_t rcx, uint64_t rdx, uint64_t r8)
{
	tdxsim_regs_t r = {.rcx = rcx, .rdx = rdx, .r8 = r8};
	assert_status(tdfx_call(&w->fx, 0, leaf, &r), TDXSIM_TDX_SUCCESS);
}

static uint64_t alloc(struct world *w, uint64_t size)
{
	uint64_t pa;
	assert_int_equal(tdxsim_phys_alloc(w->fx.sim, size, size, UINT32_MAX, &pa), TDXSIM_OK);
	return pa;
}

/* A RUNNABLE TD with one vCPU (KVM's build). */
static void build(struct world *w)
{
	static uint8_t zero[4096];
	fx_create(&w->fx, NULL, FX_INITIALIZED);
	tdfx_build_initialized(&w->fx, &w->td);
	tdfx_vp_build(&w->fx, &w->td, &w->vp, 0);
	tdfx_sept_add_path(&w->fx, &w->td, G_PRIV, NULL);
	tdfx_page_add(&w->fx, &w->td, G_PRIV, zero);
	call_ok(w, TDXSIM_TDH_MR_FINALIZE, w->td.tdr, 0, 0);
}

static uint64_t enter(struct world *w, tdxsim_regs_t *r)
{
	r->rcx = w->vp.tdvpr;
	return tdfx_call(&w->fx, 0, TDXSIM_TDH_VP_ENTER, r);
}

static tdxsim_guest_result_t result(struct world *w, size_t i)
{
	tdxsim_guest_result_t res;
	assert_int_equal(tdxsim_guest_result(w->fx.sim, w->vp.tdvpr, i, &res, NULL), TDXSIM_OK);
	return res;
}

/* The host reads [pa, pa + len) through KeyID 0 and must find neither secret. */
static void assert_no_plaintext(struct world *w, uint64_t pa, uint64_t len, const char *when)
{
	static uint64_t buf[4096 / 8];
	for (uint64_t off = 0; off < len; off += sizeof(buf)) {
		assert_int_equal(tdxsim_mem_read(w->fx.sim, 0, pa + off, buf, sizeof(buf)), TDXSIM_OK);
		for (size_t i = 0; i < sizeof(buf) / 8; i++)
			if (buf[i] == SECRET_LO || buf[i] == SECRET_HI)
				fail_msg("%s: host read a secret at %#llx", when,
					 (unsigned long long)(pa + off + i * 8));
	}
}

static unsigned arch_state(struct world *w, uint64_t info)
{
	return tdfx_arch_state(&w->fx, &w->td, info);
}

static void convert__half_of_a_2m_page__shared_and_back(void **state)
{
	(void)state;
	struct world w = {0};
	build(&w);
	w.page = alloc(&w, 2 << 20);
	w.shared = alloc(&w, 1 << 20);
	call_ok(&w, TDXSIM_TDH_MEM_PAGE_AUG, G2 | 1, w.td.tdr, w.page);
	const tdxsim_guest_op_t ops[] = {
		/* 0-2: accept the 2M page, one secret per half */
		{.kind = TDXSIM_GOP_ACCEPT, .gpa = G2, .value = 1},
		{.kind = TDXSIM_GOP_WRITE, .gpa = G2 + 0x1000, .size = 8, .value = SECRET_LO},
		{.kind = TDXSIM_GOP_WRITE, .gpa = G_UP + 0x1000, .size = 8, .value = SECRET_HI},
		/* 3: the upper half to shared */
		{.kind = TDXSIM_GOP_MAP_GPA, .gpa = G_UP | SHARED, .size = 1 << 20},
		/* 4-6: shared use; the lower half still private */
		{.kind = TDXSIM_GOP_WRITE, .gpa = (G_UP + 0x2000) | SHARED, .size = 8, .value = 0x5A5A},
		{.kind = TDXSIM_GOP_READ, .gpa = (G_UP + 0x3000) | SHARED, .size = 8},
		{.kind = TDXSIM_GOP_READ, .gpa = G2 + 0x1000, .size = 8},
		/* 7: back to private */
		{.kind = TDXSIM_GOP_MAP_GPA, .gpa = G_UP, .size = 1 << 20},
		/* 8-9: accept it as Linux does, read what the old secret's place holds now */
		{.kind = TDXSIM_GOP_ACCEPT, .gpa = G_UP, .size = 1 << 20},
		{.kind = TDXSIM_GOP_READ, .gpa = G_UP + 0x1000, .size = 8},
	};
	assert_int_equal(tdxsim_guest_load(w.fx.sim, w.vp.tdvpr, ops, sizeof(ops) / sizeof(ops[0])),
			 TDXSIM_OK);
	uint64_t host_word = 0x1234;
	assert_int_equal(tdxsim_mem_write(w.fx.sim, 0, w.shared + 0x3000, &host_word, 8), TDXSIM_OK);

	tdxsim_regs_t r = {0};
	assert_status(enter(&w, &r), RAX_VMCALL);
	assert_int_equal(r.r11, TDXSIM_TDVMCALL_MAPGPA);
	assert_int_equal(r.r12, G_UP | SHARED);
	assert_int_equal(r.r13, 1 << 20);
	assert_int_equal(result(&w, 0).status, 0);
	assert_no_plaintext(&w, w.page, 2 << 20, "after the guest wrote its secrets");
	/* ... while the bytes are there: read through the TD's KeyID (as the module would). */
	uint64_t keyed = (w.page + 0x101000) | (uint64_t)w.td.hkid << tdxsim_keyid_shift(w.fx.sim), v = 0;
	assert_int_equal(tdxsim_mem_read(w.fx.sim, 0, keyed, &v, 8), TDXSIM_OK);
	assert_int_equal(v, SECRET_HI);

	/* KVM: split the 2M mapping (BLOCK, TRACK, DEMOTE; no UNBLOCK), then zap the upper half. */
	call_ok(&w, TDXSIM_TDH_MEM_RANGE_BLOCK, G2 | 1, w.td.tdr, 0);
	call_ok(&w, TDXSIM_TDH_MEM_TRACK, w.td.tdr, 0, 0);
	uint64_t pt = tdfx_page(&w.fx);
	call_ok(&w, TDXSIM_TDH_MEM_PAGE_DEMOTE, G2 | 1, w.td.tdr, pt);
	assert_int_equal(arch_state(&w, G2), 4); /* MAPPED 4K */
	assert_int_equal(arch_state(&w, G_UP + 0x1000), 4);
	assert_no_plaintext(&w, w.page, 2 << 20, "after DEMOTE");
	assert_no_plaintext(&w, pt, 4096, "the new S-EPT page");
	for (unsigned i = 0; i < 256; i++)
		call_ok(&w, TDXSIM_TDH_MEM_RANGE_BLOCK, G_UP + i * 0x1000ULL, w.td.tdr, 0);
	call_ok(&w, TDXSIM_TDH_MEM_TRACK, w.td.tdr, 0, 0);
	for (unsigned i = 0; i < 256; i++) {
		tdxsim_regs_t rm = {.rcx = G_UP + i * 0x1000ULL, .rdx = w.td.tdr};
		assert_status(tdfx_call(&w.fx, 0, TDXSIM_TDH_MEM_PAGE_REMOVE, &rm), TDXSIM_TDX_SUCCESS);
		assert_int_equal(rm.rcx, w.page + 0x100000 + i * 0x1000ULL);
		call_ok(&w, TDXSIM_TDH_PHYMEM_PAGE_WBINVD,
			rm.rcx | (uint64_t)w.td.hkid << tdxsim_keyid_shift(w.fx.sim), 0, 0);
	}
	assert_int_equal(arch_state(&w, G_UP), 0);		  /* FREE */
	assert_no_plaintext(&w, w.page, 2 << 20, "after REMOVE"); /* removed pages keep TD lines */
	tdfx_assert_invariants(&w.fx);
	assert_int_equal(tdxsim_guest_map_shared(w.fx.sim, w.td.tdr, G_UP, w.shared, 1 << 20), TDXSIM_OK);

	r = (tdxsim_regs_t){.r10 = 0};
	assert_status(enter(&w, &r), RAX_VMCALL);
	assert_int_equal(r.r12, G_UP);
	assert_int_equal(result(&w, 3).status, 0);
	assert_int_equal(result(&w, 5).out[0], 0x1234);	   /* the host's word, read shared */
	assert_int_equal(result(&w, 6).out[0], SECRET_LO); /* still private to the guest */
	uint64_t seen = 0;
	assert_int_equal(tdxsim_mem_read(w.fx.sim, 0, w.shared + 0x2000, &seen, 8), TDXSIM_OK);
	assert_int_equal(seen, 0x5A5A); /* the guest's shared write */
	assert_no_plaintext(&w, w.page, 2 << 20, "while the upper half is shared");
	assert_no_plaintext(&w, w.shared, 1 << 20, "the shared pages");

	/* Back to private: unmap the shared alias, AUG the old pages at 4K (KVM maps at 4K where
	 * the range is not a whole 2M), let the guest accept. */
	assert_int_equal(tdxsim_guest_map_shared(w.fx.sim, w.td.tdr, G_UP, TDXSIM_GUEST_UNMAP, 1 << 20),
			 TDXSIM_OK);
	for (unsigned i = 0; i < 256; i++)
		call_ok(&w, TDXSIM_TDH_MEM_PAGE_AUG, G_UP + i * 0x1000ULL, w.td.tdr,
			w.page + 0x100000 + i * 0x1000ULL);
	assert_no_plaintext(&w, w.page, 2 << 20, "after AUG");
	r = (tdxsim_regs_t){.r10 = 0};
	assert_status(enter(&w, &r), RAX_VMCALL); /* HLT after the program */
	assert_int_equal(r.r11, TDXSIM_TDVMCALL_HLT);
	tdxsim_guest_result_t acc = result(&w, 8);
	assert_int_equal(acc.state, TDXSIM_GUEST_DONE);
	assert_int_equal(acc.status, 0);
	assert_int_equal(acc.out[0], G_UP + (1 << 20));
	assert_int_equal(acc.out[1], 256); /* 4K accepts */
	assert_int_equal(acc.out[2], 0);   /* no 2M: G_UP is not 2M aligned */
	assert_int_equal(result(&w, 9).out[0], 0);
	assert_int_equal(arch_state(&w, G_UP + 0xFF000), 4);
	assert_no_plaintext(&w, w.page, 2 << 20, "at the end");
	tdfx_assert_invariants(&w.fx);
	fx_destroy(&w.fx);
}

/*
 * The guest's 4K retry (td-runtime.md 4.1, 6.1): the host mapped a 2 MiB range as 512 4K
 * PENDING pages; the guest's 2M accept gets TDX_PAGE_SIZE_MISMATCH|1 (a 1G try before it gets
 * OPERAND_INVALID: 1.5 accepts levels 0-1 only), and it accepts the 512 pages at 4K.
 */
static void accept_range__2m_refused_size_mismatch__retried_at_4k(void **state)
{
	(void)state;
	struct world w = {0};
	build(&w);
	w.page = alloc(&w, 2 << 20);
	uint64_t g = 0x40000000; /* 1G aligned: Linux tries 1G first */
	tdfx_sept_add_path(&w.fx, &w.td, g, NULL);
	for (unsigned i = 0; i < 512; i++)
		call_ok(&w, TDXSIM_TDH_MEM_PAGE_AUG, g + i * 0x1000ULL, w.td.tdr, w.page + i * 0x1000ULL);
	const tdxsim_guest_op_t ops[] = {
		{.kind = TDXSIM_GOP_ACCEPT, .gpa = g, .value = 1},
		{.kind = TDXSIM_GOP_ACCEPT, .gpa = g, .size = 2 << 20},
		{.kind = TDXSIM_GOP_ACCEPT, .gpa = g + 0x5000, .size = 0x1000},
	};
	assert_int_equal(tdxsim_guest_load(w.fx.sim, w.vp.tdvpr, ops, 3), TDXSIM_OK);
	tdxsim_regs_t r = {0};
	assert_status(enter(&w, &r), RAX_VMCALL);
	assert_int_equal(result(&w, 0).status, 0xC0000B0B00000001); /* the plain 2M accept */
	tdxsim_guest_result_t acc = result(&w, 1);
	assert_int_equal(acc.status, 0);
	assert_int_equal(acc.out[0], g + (2 << 20));
	assert_int_equal(acc.out[1], 512);
	assert_int_equal(acc.out[2], 0);
	assert_int_equal(acc.out[3], 1); /* the 2M try (the 1G try needs a 1G range) */
	assert_int_equal(arch_state(&w, g + 0x1FF000), 4);
	/* Accepting an accepted page again: Linux's conversion fails on it. */
	acc = result(&w, 2);
	assert_int_equal(acc.status, 0x00000B0A00000000);
	assert_int_equal(acc.out[0], g + 0x5000);
	tdfx_assert_invariants(&w.fx);
	fx_destroy(&w.fx);
}

/* A range accept that meets a page the host has not AUGed exits (EPT violation, ACCEPT info
 * with the requested level) and, after the host AUGs it, goes on from that page. */
static void accept_range__unaugmented_page__exits_and_resumes(void **state)
{
	(void)state;
	struct world w = {0};
	build(&w);
	w.page = alloc(&w, 2 << 20);
	uint64_t g = 0x40000000;
	tdfx_sept_add_path(&w.fx, &w.td, g, NULL);
	call_ok(&w, TDXSIM_TDH_MEM_PAGE_AUG, g, w.td.tdr, w.page);
	const tdxsim_guest_op_t ops[] = {{.kind = TDXSIM_GOP_ACCEPT, .gpa = g, .size = 0x2000}};
	assert_int_equal(tdxsim_guest_load(w.fx.sim, w.vp.tdvpr, ops, 1), TDXSIM_OK);
	tdxsim_regs_t r = {0};
	assert_status(enter(&w, &r), 0x30); /* EPT violation at the second page */
	assert_int_equal(r.r8, g + 0x1000);
	assert_int_equal(result(&w, 0).state, TDXSIM_GUEST_NOT_RUN);
	tdfx_assert_invariants(&w.fx);
	call_ok(&w, TDXSIM_TDH_MEM_PAGE_AUG, g + 0x1000, w.td.tdr, w.page + 0x1000);
	r = (tdxsim_regs_t){0};
	assert_status(enter(&w, &r), RAX_VMCALL);
	tdxsim_guest_result_t acc = result(&w, 0);
	assert_int_equal(acc.status, 0);
	assert_int_equal(acc.out[1], 2);
	tdfx_assert_invariants(&w.fx);
	fx_destroy(&w.fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(convert__half_of_a_2m_page__shared_and_back),
		cmocka_unit_test(accept_range__2m_refused_size_mismatch__retried_at_4k),
		cmocka_unit_test(accept_range__unaugmented_page__exits_and_resumes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
