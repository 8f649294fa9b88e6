/* SPDX-License-Identifier: MIT */
/*
 * td-run: a hypervisor runs a TD against tdxsim the way KVM does (kvm_run.h, kvm_td.h). The
 * scripted guest marks the end of each phase with a POST code (TDVMCALL<Instruction.IO>, a
 * 1-byte write to port 0x80); the host checks that phase and prints it with the virtual cycles
 * it took (all LPs).
 *
 *   boot      build: 16 KiB measured image at GPA 0, MR.FINALIZE; the guest converts its 2 MiB
 *             I/O buffer (never accepted) to shared with MapGPA
 *   memory    the guest accepts and touches 64 MiB of private memory lazily: a 2 MiB accept per
 *             chunk, then Linux's 4 KiB fallback written out; the host answers each EPT
 *             violation with AUG at 2 MiB where it can, at 4 KiB where it cannot (the chunk
 *             holding the image, one whose guest_memfd folio is split)
 *   convert   the guest converts half of a 2 MiB buffer mapped huge to shared (MapGPA); the
 *             host splits the page (BLOCK, TRACK, DEMOTE) and zaps the half's 256 pages; the
 *             guest writes through the shared alias, the host sees it; the private half keeps
 *             its data as 4 KiB pages
 *   evidence  RTMR[2] extended, a TDREPORT written to the shared I/O buffer; the host checks
 *             MRTD and RTMR[2] in it and verifies it (tdxsim_report_verify)
 *   halt      an interrupt is posted while the guest has interrupts off; it halts with them
 *             on (TDVMCALL<HLT>, R12 = 0); only TDH.VP.RD's VCPU_STATE_DETAILS shows the
 *             interrupt pending, the host re-enters and the guest takes and EOIs it
 *   teardown  every page zapped and reclaimed, KeyID freed; no TD left, the KeyID FREE, every
 *             page PT_NDA again, invariants hold
 * Exit status 0 and "td-run: OK" when all of it holds.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "host_tdx.h"
#include "guest_prog.h"
#include "kvm_run.h"
#include "tdxsim/guest.h"
#include "tdxsim/memory.h"
#include "tdxsim/td.h"

static uint64_t all_cycles(tdxsim_t *sim)
{
	uint64_t sum = 0;
	for (uint32_t lp = 0; lp < tdxsim_num_lps(sim); lp++)
		sum += tdxsim_lp_cycles(sim, lp);
	return sum;
}

static void phase(tdxsim_t *sim, uint64_t *mark, const char *what)
{
	uint64_t now = all_cycles(sim);
	printf("  %-60s %14llu cycles\n", what, (unsigned long long)(now - *mark));
	*mark = now;
}

static int bad(const char *what)
{
	fprintf(stderr, "td-run: %s\n", what);
	return -1;
}

/* ---- the host ----------------------------------------------------------------------- */

/* Runs vCPU 0 until its next POST code (returned) or HLT (0), answering MapGPA and port I/O. */
static int run_until_post(struct kvm_td_run *run, struct kvm_exit *x, uint64_t *answer_r10)
{
	for (;;) {
		x->regs = (tdxsim_regs_t){.r10 = *answer_r10};
		*answer_r10 = 0;
		if (kvm_vcpu_run(run, 0, x, 0))
			return -1;
		if (x->status >> 32 || x->reason != KVM_EXIT_TDCALL) {
			char name[96];
			fprintf(stderr, "td-run: unexpected exit %s\n",
				tdxsim_status_name(x->status, name, sizeof(name)));
			return -1;
		}
		switch (x->regs.r11) {
		case VMCALL_MAPGPA:
			if (kvm_run_map_gpa(run, x->regs.r12, x->regs.r13, answer_r10))
				return -1;
			break;
		case VMCALL_IO:
			if (x->regs.r14 == PORT_POST && x->regs.r13 == 1)
				return (int)x->regs.r15;
			break;
		case VMCALL_HLT:
			return 0;
		default:
			*answer_r10 = UINT64_C(0x8000000000000000); /* TDVMCALL_STATUS_INVALID_OPERAND */
		}
	}
}

static int result(struct kvm_tdx *k, struct kvm_td *td, size_t i, tdxsim_guest_result_t *res)
{
	return tdxsim_guest_result(k->sim, td->vcpu[0].tdvpr, i, res, NULL) == TDXSIM_OK ? 0 : -1;
}

/* Runs until POST code @want (or, for 0, a halt; *@r12 then holds its "interrupts blocked"). */
static int expect_post(struct kvm_td_run *run, int want, uint64_t *r12)
{
	struct kvm_exit x = {0};
	uint64_t r10 = 0;
	int got = run_until_post(run, &x, &r10);
	if (got != want) {
		fprintf(stderr, "td-run: expected POST %d, got %d\n", want, got);
		return -1;
	}
	if (r12)
		*r12 = x.regs.r12;
	return 0;
}

/* halt: a device interrupt (vector 0x41) is posted while the guest runs with interrupts off;
 * the guest then halts with "sti; tdcall". The CPU took the descriptor into the virtual APIC at
 * entry (ON is clear), so only TDH.VP.RD's VCPU_STATE_DETAILS tells KVM to wake the vCPU; it
 * re-enters, the guest takes the interrupt as the halt returns, EOIs it and halts for good. */
static int halt_with_interrupt(struct kvm_td_run *run, const struct prog *p)
{
	uint64_t r12;
	kvm_vcpu_post_interrupt(run, 0, 0x41);
	if (expect_post(run, 0, &r12))
		return -1;
	if (r12 != 0 || kvm_vcpu_pi_pending(run, 0) || kvm_vcpu_has_interrupt(run, 0) != 1)
		return bad("halted with interrupts on, but the pending interrupt is not seen");
	printf("  halted (R12 = 0); TDH.VP.RD VCPU_STATE_DETAILS.VMXIP = 1: re-enter\n");
	if (expect_post(run, 0, &r12))
		return -1;
	tdxsim_guest_interrupt_t got;
	tdxsim_guest_result_t res;
	size_t n = 0;
	if (tdxsim_guest_interrupts(run->k->sim, run->td->vcpu[0].tdvpr, &got, 1, &n) || n != 1 ||
	    got.vector != 0x41 || got.pc != p->eoi || result(run->k, run->td, p->eoi, &res) ||
	    res.out[0] != 0x41)
		return bad("the guest did not take and EOI the interrupt as the halt returned");
	if (r12 != 1 || kvm_vcpu_has_interrupt(run, 0) != 0)
		return bad("the final halt is not interrupts-off with nothing pending");
	return 0;
}

/* memory: every accept answered as the level the host chose says, every touch read back,
 * and the host, through a shared KeyID, sees none of it. */
static int check_memory(struct kvm_td_run *run, const struct prog *p)
{
	struct kvm_tdx *k = run->k;
	size_t i = 0;
	while (p->op[i].kind != TDXSIM_GOP_ACCEPT)
		i++;
	for (uint64_t c = 0; c < MEM_BYTES; c += 2 * MiB) {
		tdxsim_guest_result_t res;
		bool huge = run->gmem.map[c / 4096] == KVM_MAPPED_2M;
		if (result(k, run->td, i++, &res) || res.status != (huge ? 0 : UINT64_C(0xC0000B0B00000001)))
			return bad("a 2 MiB accept did not answer as the host's mapping level says");
		for (uint64_t a = c; a < c + 2 * MiB; a += 4096) {
			uint64_t want = huge ? UINT64_C(0x00000B0A00000001)
					: run->gmem.map[a / 4096] == KVM_MAPPED_ADD
						? UINT64_C(0x00000B0A00000000)
						: 0;
			if (result(k, run->td, i++, &res) || res.state != TDXSIM_GUEST_DONE ||
			    res.status != want)
				return bad("a 4 KiB accept did not answer as expected");
		}
		i += 2 * MiB / 4096;
		if (result(k, run->td, p->touch_read[c / (2 * MiB)], &res) || res.out[0] != (TOUCH_MAGIC ^ c))
			return bad("a touched page does not read back");
		i++;
		/* The host's view of the page through KeyID 0: the TD owns the lines, it sees zeros. */
		uint64_t host_view = 1;
		if (tdxsim_mem_read(k->sim, 0, run->gmem.hpa + c + 8, &host_view, 8) != TDXSIM_OK ||
		    host_view)
			return bad("the host can read private memory");
	}
	return 0;
}

/* convert: one split, the shared half holds what the guest wrote there and belongs to no TD
 * (PAMT NDA), the private half is 4 KiB pages of the TD with the data written before the split. */
static int check_convert(struct kvm_td_run *run, const struct prog *p)
{
	struct kvm_tdx *k = run->k;
	if (run->stats.split_2m != 1)
		return bad("the 2 MiB buffer was not split exactly once");
	for (uint64_t i = 0; i < 2 * MiB / 4096; i++) {
		uint64_t off = CONV_GPA + i * 4096, v = 0;
		tdxsim_pamt_info_t pi;
		tdxsim_guest_result_t res;
		if (tdxsim_pamt_query(k->sim, run->gmem.hpa + off, &pi) != TDXSIM_OK)
			return bad("PAMT query failed");
		if (i < MiB / 4096) {
			if (pi.page_type != TDXSIM_PT_NDA)
				return bad("a page of the shared half is still the TD's");
			if (tdxsim_mem_read(k->sim, 0, run->shared_hpa + off + 16, &v, 8) ||
			    v != (CONV_MAGIC ^ i))
				return bad("the host does not see what the guest wrote to shared memory");
			continue;
		}
		if (pi.page_type != TDXSIM_PT_REG || pi.level != TDXSIM_PS_4K || pi.owner != run->td->tdr)
			return bad("a page of the private half is not a 4 KiB page of the TD after DEMOTE");
		if (result(k, run->td, p->conv_read + i - MiB / 4096, &res) ||
		    res.state != TDXSIM_GUEST_DONE || res.out[0] != (TOUCH_MAGIC ^ off))
			return bad("the private half lost its data in the split");
	}
	return 0;
}

static void sha384(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, uint8_t out[48])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned n = 0;
	EVP_DigestInit_ex(ctx, EVP_sha384(), NULL);
	EVP_DigestUpdate(ctx, a, alen);
	EVP_DigestUpdate(ctx, b, blen);
	EVP_DigestFinal_ex(ctx, out, &n);
	EVP_MD_CTX_free(ctx);
}

/* evidence: the TDREPORT the guest left in the shared I/O buffer (td-runtime.md 4.4 layout). */
static int check_report(struct kvm_td_run *run, const uint8_t *image)
{
	uint8_t rep[TDXSIM_TDREPORT_SIZE], want[48];
	static const uint8_t zero[48];
	if (tdxsim_mem_read(run->k->sim, 0, run->shared_hpa + IO_GPA, rep, sizeof(rep)) != TDXSIM_OK)
		return bad("reading the TDREPORT");
	if (tdxsim_report_verify(run->k->sim, rep) != TDXSIM_OK)
		return bad("the TDREPORT does not verify");
	if (memcmp(rep + 528, run->td->mrtd, 48))
		return bad("MRTD in the TDREPORT differs from TDH.MNG.RD's");
	/* MRTD from the image alone, as a verifier computes it (tdx-module-abi.md 11.5). */
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned n = 0;
	EVP_DigestInit_ex(ctx, EVP_sha384(), NULL);
	for (uint64_t off = 0; off < IMAGE_BYTES; off += 4096) {
		uint8_t block[128] = "MEM.PAGE.ADD";
		memcpy(block + 16, &off, 8); /* the image sits at GPA 0 */
		EVP_DigestUpdate(ctx, block, sizeof(block));
		for (uint64_t c = off; c < off + 4096; c += 256) {
			uint8_t eblock[128] = "MR.EXTEND";
			memcpy(eblock + 16, &c, 8);
			EVP_DigestUpdate(ctx, eblock, sizeof(eblock));
			EVP_DigestUpdate(ctx, image + c, 256);
		}
	}
	EVP_DigestFinal_ex(ctx, want, &n);
	EVP_MD_CTX_free(ctx);
	if (memcmp(rep + 528, want, 48))
		return bad("MRTD in the TDREPORT is not the image's");
	sha384(zero, 48, guest_rtmr_data, 48, want);
	if (memcmp(rep + 816, want, 48) || memcmp(rep + 720, zero, 48))
		return bad("RTMR[2] in the TDREPORT is not SHA-384(0 || data), or RTMR[0] moved");
	if (memcmp(rep + 128, guest_report_data, 64))
		return bad("REPORTDATA in the TDREPORT differs");
	return 0;
}

/* Every page the TD held is PT_NDA again, its KeyID is free, no TD is left. */
static int check_released(struct kvm_tdx *k, const uint64_t *pages, unsigned n, uint64_t gmem, uint32_t hkid)
{
	for (unsigned i = 0; i < n; i++) {
		tdxsim_regs_t r = {.rcx = pages[i]};
		if (tdxsim_seamcall(k->sim, 0, TDXSIM_TDH_PHYMEM_PAGE_RDMD, &r) || r.rcx != TDXSIM_PT_NDA)
			return bad("a control page is not PT_NDA after teardown");
	}
	for (uint64_t off = 0; off < SLOT_BYTES; off += 4096) {
		tdxsim_pamt_info_t pi;
		if (tdxsim_pamt_query(k->sim, gmem + off, &pi) != TDXSIM_OK || pi.page_type != TDXSIM_PT_NDA)
			return bad("a guest_memfd page is not PT_NDA after teardown");
	}
	if (tdxsim_kot_state(k->sim, hkid) != 0)
		return bad("the KeyID is not free");
	if (tdxsim_td_count(k->sim) != 0)
		return bad("a TD is left");
	char msg[256];
	if (tdxsim_check_invariants(k->sim, msg, sizeof(msg)) != TDXSIM_OK)
		return bad(msg);
	return 0;
}

static unsigned control_pages(const struct kvm_tdx *k, const struct kvm_td *td, uint64_t *out)
{
	unsigned n = 0;
	out[n++] = td->tdr;
	for (unsigned i = 0; i < td->num_tdcs; i++)
		out[n++] = td->tdcs[i];
	for (unsigned v = 0; v < td->num_vcpus; v++) {
		out[n++] = td->vcpu[v].tdvpr;
		for (unsigned i = 0; i < k->caps.tdvpx_pages; i++)
			out[n++] = td->vcpu[v].tdcx[i];
	}
	for (unsigned i = 0; i < td->num_sept; i++)
		out[n++] = td->sept[i];
	for (unsigned i = 0; i < td->num_pages; i++)
		out[n++] = td->hpa[i];
	return n;
}

static int run_td(struct kvm_tdx *k, struct kvm_td *td, struct kvm_td_run *run, struct prog *p,
		  const uint8_t *image, uint64_t *mark)
{
	static uint64_t pages[1024];
	if (kvm_td_create(k, td, 1) || kvm_td_vcpu_create(k, td, 0) ||
	    kvm_td_add_image(k, td, 0, image, IMAGE_BYTES) || kvm_td_finalize(k, td) ||
	    kvm_run_init(run, k, td, 0, SLOT_BYTES, true) || kvm_vcpu_posted_init(run, 0))
		return -1;
	kvm_gmem_split(run, SPLIT_GPA);
	guest_program(p);
	if (tdxsim_guest_load(k->sim, td->vcpu[0].tdvpr, p->op, p->n) != TDXSIM_OK)
		return bad("loading the guest program");
	phase(k->sim, mark, "build: 16 KiB image, MR.FINALIZE, 1 vCPU");
	if (expect_post(run, P_BOOT, NULL))
		return -1;
	phase(k->sim, mark, "boot: 2 MiB I/O buffer to shared (MapGPA)");
	if (expect_post(run, P_MEMORY, NULL) || check_memory(run, p))
		return -1;
	char line[96];
	snprintf(line, sizeof(line), "memory: 64 MiB, %lu AUG at 2 MiB + %lu at 4 KiB, %lu exits",
		 run->stats.aug_2m, run->stats.aug_4k, run->stats.ept_exits);
	phase(k->sim, mark, line);
	if (run->stats.aug_2m != 30 || run->stats.aug_4k != 2 * 512 - IMAGE_BYTES / 4096)
		return bad("the host did not map at the levels expected");
	/* A host interrupt arrives while the host splits: 1.5's DEMOTE stops, restartable. */
	tdxsim_pend_host_interrupts(k->sim, 0, 1);
	if (expect_post(run, P_CONVERT, NULL) || check_convert(run, p))
		return -1;
	if (run->stats.demote_restarts != 1)
		return bad("DEMOTE was not interrupted by the pending host interrupt");
	phase(k->sim, mark, "convert: 2 MiB half to shared (DEMOTE restarted once, 256 zaps)");
	if (expect_post(run, P_EVIDENCE, NULL) || check_report(run, image))
		return -1;
	phase(k->sim, mark, "evidence: RTMR[2], TDREPORT checked and verified");
	if (halt_with_interrupt(run, p))
		return -1;
	phase(k->sim, mark, "halt: interrupt pending, seen through VP.RD, taken");
	unsigned n = control_pages(k, td, pages);
	uint32_t hkid = td->hkid;
	uint64_t gmem = run->gmem.hpa;
	if (kvm_run_release(run) || kvm_td_destroy(k, td))
		return -1;
	phase(k->sim, mark, "teardown: zap, release KeyID, reclaim");
	if (check_released(k, pages, n, gmem, hkid))
		return -1;
	printf("  %u control pages and %llu MiB of guest_memfd PT_NDA, KeyID %u free, no TD left\n", n,
	       (unsigned long long)(SLOT_BYTES / MiB), hkid);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1) {
		printf("usage: td-run\n"
		       "Runs a TD the way KVM does: lazy accept of 64 MiB (AUG at 2 MiB / 4 KiB), shared\n"
		       "I/O, RTMR and TDREPORT checked, halt, teardown; prints each phase with virtual\n"
		       "cycles. Exit status 0 when every check holds.\n");
		return strcmp(argv[1], "--help") && strcmp(argv[1], "-h") ? 2 : 0;
	}
	tdxsim_config_t cfg;
	tdxsim_t *sim;
	struct host_tdx host;
	struct host_tdx_opts opts = {0};
	static struct kvm_tdx k;
	static struct kvm_td td;
	static struct kvm_td_run run;
	static struct prog prog;
	static uint8_t image[IMAGE_BYTES];
	uint64_t mark;
	int rc = 1;

	for (size_t i = 0; i < sizeof(image); i++)
		image[i] = (uint8_t)(i * 13 + 5);
	tdxsim_config_init(&cfg);
	if (tdxsim_create(&cfg, &sim) != TDXSIM_OK)
		return 1;
	printf("td-run: 1 package x %u LPs\n", tdxsim_num_lps(sim));
	mark = all_cycles(sim);
	if (host_tdx_init(sim, &opts, &host)) {
		fprintf(stderr, "td-run: bring-up failed: %s\n", host.message);
		goto out;
	}
	phase(sim, &mark, "module bring-up");
	if (kvm_tdx_init(&k, sim, host.global_keyid, host.keyid_first, host.keyid_count, stderr) ||
	    run_td(&k, &td, &run, &prog, image, &mark))
		goto out;
	printf("td-run: OK\n");
	rc = 0;
out:
	if (rc && k.last_step)
		fprintf(stderr, "td-run: stopped at %s\n", k.last_step);
	tdxsim_destroy(sim);
	return rc;
}
