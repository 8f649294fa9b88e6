/* SPDX-License-Identifier: MIT */
/*
 * The guest's evidence (td-runtime.md 4.3-4.5): TDG.MR.RTMR.EXTEND against an independent
 * SHA-384, TDG.MR.REPORT's layout (MRTD, RTMRs, attributes, XFAM, REPORTDATA) read by the host
 * from shared memory, its MAC verified by tdxsim_report_verify() and refused when any byte
 * changes, each TDCALL check with its exact status, and TDG.VP.INFO's outputs.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "td_fixture.h"
#include "tdxsim/guest.h"
#include "tdxsim/memory.h"

#define GPA_PRIV   UINT64_C(0x10000)
#define SHARED_BIT (UINT64_C(1) << 47)
#define GPA_SHARED (SHARED_BIT | UINT64_C(0x20000))
#define DATA_GPA   (GPA_PRIV + 0x40)  /* 48 bytes of RTMR extension data */
#define RDATA_GPA  (GPA_PRIV + 0x100) /* 64 bytes of REPORTDATA */
#define RAX_VMCALL UINT64_C(0x4D)

struct world {
	struct tdfx_world w;
	uint64_t shared_hpa; /* the host page behind GPA_SHARED */
};

static void build(struct world *x)
{
	static uint8_t zero[4096];
	tdfx_world_build(&x->w, TDFX_VCPU_READY);
	tdfx_sept_add_path(&x->w.fx, &x->w.td, GPA_PRIV, NULL);
	tdfx_page_add(&x->w.fx, &x->w.td, GPA_PRIV, zero);
	tdfx_mr_extend_page(&x->w.fx, &x->w.td, GPA_PRIV);
	tdxsim_regs_t r = {.rcx = x->w.td.tdr};
	assert_status(tdfx_call(&x->w.fx, 0, TDXSIM_TDH_MR_FINALIZE, &r), TDXSIM_TDX_SUCCESS);
	x->shared_hpa = tdfx_page(&x->w.fx);
	assert_int_equal(tdxsim_guest_map_shared(x->w.fx.sim, x->w.td.tdr, GPA_SHARED, x->shared_hpa, 4096),
			 TDXSIM_OK);
}

/* Runs @ops (after guest writes of @data48 at DATA_GPA and @rdata at RDATA_GPA) to the end. */
static void run(struct world *x, const uint8_t data48[48], const uint8_t rdata[64],
		const tdxsim_guest_op_t *ops, size_t n)
{
	tdxsim_guest_op_t prog[64];
	size_t k = 0;
	for (unsigned i = 0; i < 6; i++) {
		uint64_t v;
		memcpy(&v, data48 + 8 * i, 8);
		prog[k++] = (tdxsim_guest_op_t){
			.kind = TDXSIM_GOP_WRITE, .gpa = DATA_GPA + 8 * i, .size = 8, .value = v};
	}
	for (unsigned i = 0; i < 8; i++) {
		uint64_t v;
		memcpy(&v, rdata + 8 * i, 8);
		prog[k++] = (tdxsim_guest_op_t){
			.kind = TDXSIM_GOP_WRITE, .gpa = RDATA_GPA + 8 * i, .size = 8, .value = v};
	}
	memcpy(prog + k, ops, n * sizeof(*ops));
	assert_int_equal(tdxsim_guest_load(x->w.fx.sim, x->w.vp.tdvpr, prog, k + n), TDXSIM_OK);
	tdxsim_regs_t r = {.rcx = x->w.vp.tdvpr};
	assert_status(tdfx_call(&x->w.fx, 0, TDXSIM_TDH_VP_ENTER, &r), RAX_VMCALL);
	assert_int_equal(r.r11, TDXSIM_TDVMCALL_HLT);
}

/* Result of the @i-th op of @ops (after the 14 setup writes). */
static tdxsim_guest_result_t op_result(struct world *x, size_t i)
{
	tdxsim_guest_result_t res;
	assert_int_equal(tdxsim_guest_result(x->w.fx.sim, x->w.vp.tdvpr, 14 + i, &res, NULL), TDXSIM_OK);
	assert_int_equal(res.state, TDXSIM_GUEST_DONE);
	return res;
}

static void sha384(const void *a, size_t na, const void *b, size_t nb, uint8_t out[48])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned n;
	assert_true(c && EVP_DigestInit_ex(c, EVP_sha384(), NULL) && EVP_DigestUpdate(c, a, na) &&
		    (!nb || EVP_DigestUpdate(c, b, nb)) && EVP_DigestFinal_ex(c, out, &n));
	EVP_MD_CTX_free(c);
}

static void rtmr_extend__twice__sha384_chain_in_the_report(void **state)
{
	struct world x = {0};
	build(&x);
	uint8_t data[48], rdata[64], rtmr[48] = {0}, t[48];
	for (unsigned i = 0; i < 48; i++)
		data[i] = (uint8_t)(0xA0 + i);
	for (unsigned i = 0; i < 64; i++)
		rdata[i] = (uint8_t)(0x11 * i);
	const tdxsim_guest_op_t ops[] = {
		{.kind = TDXSIM_GOP_RTMR_EXTEND, .gpa = DATA_GPA, .value = 2},
		{.kind = TDXSIM_GOP_RTMR_EXTEND, .gpa = DATA_GPA, .value = 2},
		{.kind = TDXSIM_GOP_REPORT, .gpa = GPA_SHARED + 0x400, .args = {RDATA_GPA, 0}},
	};
	run(&x, data, rdata, ops, 3);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(op_result(&x, i).status, 0);
	/* RTMR2 = SHA-384(SHA-384(0^48 || data) || data), computed here independently. */
	sha384(rtmr, 48, data, 48, t);
	sha384(t, 48, data, 48, rtmr);
	uint8_t rep[1024];
	assert_int_equal(tdxsim_mem_read(x.w.fx.sim, 0, x.shared_hpa + 0x400, rep, sizeof(rep)), TDXSIM_OK);
	uint8_t zero48[48] = {0};
	assert_memory_equal(rep + 720 + 2 * 48, rtmr, 48); /* RTMR2 */
	assert_memory_equal(rep + 720, zero48, 48);	   /* RTMR0 untouched */
	assert_memory_equal(rep + 720 + 48, zero48, 48);
	assert_memory_equal(rep + 720 + 3 * 48, zero48, 48);
	/* REPORTTYPE 0x81/0/0, REPORTDATA, TDINFO fields from the TD itself. */
	assert_int_equal(rep[0], 0x81);
	assert_int_equal(rep[1] | rep[2] | rep[3], 0);
	assert_memory_equal(rep + 128, rdata, 64);
	tdxsim_td_info_t info = {.size = sizeof(info)};
	tdxsim_td_query(x.w.fx.sim, x.w.td.tdr, &info);
	assert_memory_equal(rep + 528, info.mrtd, 48);
	assert_memory_not_equal(rep + 528, zero48, 48);
	const tdxsim_guest_op_t vpinfo[] = {{.kind = TDXSIM_GOP_VP_INFO}};
	assert_int_equal(tdxsim_guest_load(x.w.fx.sim, x.w.vp.tdvpr, vpinfo, 1), TDXSIM_OK);
	tdxsim_regs_t r = {.rcx = x.w.vp.tdvpr};
	assert_status(tdfx_call(&x.w.fx, 0, TDXSIM_TDH_VP_ENTER, &r), RAX_VMCALL);
	tdxsim_guest_result_t vi;
	tdxsim_guest_result(x.w.fx.sim, x.w.vp.tdvpr, 0, &vi, NULL);
	uint64_t attr, xfam;
	memcpy(&attr, rep + 512, 8);
	memcpy(&xfam, rep + 520, 8);
	assert_int_equal(attr, vi.out[1]); /* TDG.VP.INFO RDX = ATTRIBUTES */
	assert_int_not_equal(xfam, 0);	   /* x87 and SSE at least */
	/* TEE_INFO_HASH = SHA-384 of TDINFO. */
	uint8_t h[48];
	sha384(rep + 512, 512, NULL, 0, h);
	assert_memory_equal(rep + 80, h, 48);
	tdfx_world_destroy(&x.w);
	(void)state;
}

static void report__mac_verifies__and_fails_when_one_byte_changes(void **state)
{
	struct world x = {0};
	build(&x);
	uint8_t data[48] = {1}, rdata[64] = {2};
	const tdxsim_guest_op_t ops[] = {
		{.kind = TDXSIM_GOP_REPORT, .gpa = GPA_SHARED, .args = {RDATA_GPA, 0}}};
	run(&x, data, rdata, ops, 1);
	uint8_t rep[1024];
	assert_int_equal(tdxsim_mem_read(x.w.fx.sim, 0, x.shared_hpa, rep, sizeof(rep)), TDXSIM_OK);
	assert_int_equal(tdxsim_report_verify(x.w.fx.sim, rep), TDXSIM_OK);
	/* One byte in each part: REPORTTYPE, REPORTDATA, TEE_TCB_INFO, TDINFO (MRTD, RTMR3), the MAC. */
	const unsigned where[] = {0, 130, 300, 530, 900, 224, 255};
	for (unsigned i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
		rep[where[i]] ^= 0x01;
		assert_int_equal(tdxsim_report_verify(x.w.fx.sim, rep), TDXSIM_ERR_STATE);
		rep[where[i]] ^= 0x01;
	}
	/* Another simulator has another key. */
	struct world y = {0};
	build(&y);
	assert_int_equal(tdxsim_report_verify(y.w.fx.sim, rep), TDXSIM_ERR_STATE);
	tdfx_world_destroy(&y.w);
	tdfx_world_destroy(&x.w);
	(void)state;
}

/* The TDCALLs' own checks (td-runtime.md 4.3, 4.4), in the module's order: the status the guest
 * gets in RAX, no TD exit, nothing extended. */
static const struct {
	const char *rule;
	tdxsim_guest_op_t op;
	uint64_t status;
} tdcall_rows[] = {
	{"rtmr_extend__data_gpa_not_64_aligned__operand_invalid_rcx",
	 {.kind = TDXSIM_GOP_RTMR_EXTEND, .gpa = DATA_GPA + 8, .value = 0},
	 0xC000010000000001},
	{"rtmr_extend__shared_gpa__operand_invalid_rcx",
	 {.kind = TDXSIM_GOP_RTMR_EXTEND, .gpa = GPA_SHARED},
	 0xC000010000000001},
	{"rtmr_extend__gpa_above_gpaw__operand_invalid_rcx",
	 {.kind = TDXSIM_GOP_RTMR_EXTEND, .gpa = UINT64_C(1) << 48},
	 0xC000010000000001},
	{"rtmr_extend__index_4__operand_invalid_rdx",
	 {.kind = TDXSIM_GOP_RTMR_EXTEND, .gpa = DATA_GPA, .value = 4},
	 0xC000010000000002},
	{"report__tdreport_not_1024_aligned__operand_invalid_rcx",
	 {.kind = TDXSIM_GOP_REPORT, .gpa = GPA_SHARED + 0x200, .args = {RDATA_GPA + 1, 0}},
	 0xC000010000000001},
	{"report__reportdata_not_64_aligned__operand_invalid_rdx",
	 {.kind = TDXSIM_GOP_REPORT, .gpa = GPA_SHARED, .args = {RDATA_GPA + 8, 0}},
	 0xC000010000000002},
	{"report__subtype_not_0__operand_invalid_r8",
	 {.kind = TDXSIM_GOP_REPORT, .gpa = GPA_SHARED, .args = {RDATA_GPA, 1}},
	 0xC000010000000008},
	{"tdcall__unknown_leaf_13__operand_invalid_rax",
	 {.kind = TDXSIM_GOP_TDCALL, .value = 13},
	 0xC000010000000000},
	{"tdcall__reserved_rax_bits__operand_invalid_rax",
	 {.kind = TDXSIM_GOP_TDCALL, .value = 1u << 24 | 1},
	 0xC000010000000000},
	{"tdcall__vp_info_by_number__success", {.kind = TDXSIM_GOP_TDCALL, .value = 1}, 0},
};

static void tdcall_rules(void **state)
{
	for (size_t i = 0; i < sizeof(tdcall_rows) / sizeof(tdcall_rows[0]); i++) {
		struct world x = {0};
		build(&x);
		uint8_t data[48] = {3}, rdata[64] = {4}, before[1024], after[1024];
		assert_int_equal(tdxsim_mem_read(x.w.fx.sim, 0, x.shared_hpa, before, 1024), TDXSIM_OK);
		run(&x, data, rdata, &tdcall_rows[i].op, 1);
		tdxsim_guest_result_t res = op_result(&x, 0);
		if (res.status != tdcall_rows[i].status)
			fail_msg("%s: status %#llx, expected %#llx", tdcall_rows[i].rule,
				 (unsigned long long)res.status, (unsigned long long)tdcall_rows[i].status);
		if (tdcall_rows[i].status) { /* nothing written to the report buffer */
			assert_int_equal(tdxsim_mem_read(x.w.fx.sim, 0, x.shared_hpa, after, 1024),
					 TDXSIM_OK);
			assert_memory_equal(before, after, 1024);
		}
		tdfx_world_destroy(&x.w);
	}
	(void)state;
}

/* td-runtime.md 4.5: RCX = GPAW 48, RDX = ATTRIBUTES, R8 = vCPUs | MAX_VCPUS << 32, R9 = index,
 * R10 = 1 (TDG.SYS.RD available), R11 = 0. */
static void vp_info__outputs(void **state)
{
	struct world x = {0};
	build(&x);
	uint8_t data[48] = {0}, rdata[64] = {0};
	const tdxsim_guest_op_t ops[] = {{.kind = TDXSIM_GOP_VP_INFO}};
	run(&x, data, rdata, ops, 1);
	tdxsim_guest_result_t res = op_result(&x, 0);
	assert_int_equal(res.status, 0);
	assert_int_equal(res.out[0], 48);
	assert_int_equal(res.out[2], 1 | UINT64_C(16) << 32); /* one vCPU, the fixture's MAX_VCPUS 16 */
	assert_int_equal(res.out[3], 0);
	assert_int_equal(res.out[4], 1);
	assert_int_equal(res.out[5], 0);
	tdfx_world_destroy(&x.w);
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rtmr_extend__twice__sha384_chain_in_the_report),
		cmocka_unit_test(report__mac_verifies__and_fails_when_one_byte_changes),
		cmocka_unit_test(tdcall_rules),
		cmocka_unit_test(vp_info__outputs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
