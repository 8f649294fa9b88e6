/* SPDX-License-Identifier: MIT */
/* A hypervisor running a TD in KVM's way: VP.ENTER, exits, fault-in from guest_memfd (kvm_run.h). */
#include <stdlib.h>
#include <string.h>

#include "host_tdx.h"
#include "kvm_run.h"
#include "tdxsim/guest.h"
#include "tdxsim/memory.h"

/* Leaf numbers and statuses, spelled as a hypervisor's own header would (tdx-module-abi.md). */
#define TDH_VP_ENTER			0
#define TDH_MEM_SEPT_ADD		3
#define TDH_MEM_PAGE_AUG		6
#define TDH_MEM_RANGE_BLOCK		7
#define TDH_MEM_PAGE_DEMOTE		15
#define TDH_MEM_PAGE_REMOVE		29
#define TDH_MEM_TRACK			38
#define TDH_PHYMEM_PAGE_WBINVD		41
#define TDH_VP_RD			26
#define TDH_VP_WR			43
#define TDX_STATUS_MASK			UINT64_C(0xFFFFFFFF00000000)
#define TDX_INTERRUPTED_RESTARTABLE	UINT64_C(0x8000000400000000)
#define TDX_OPERAND_BUSY		UINT64_C(0x8000020000000000)
#define TDX_EPT_ENTRY_STATE_INC		UINT64_C(0xC0000B0D00000000)
#define TDVMCALL_STATUS_INVALID_OPERAND UINT64_C(0x8000000000000000)
#define TDVMCALL_STATUS_ALIGN_ERROR	UINT64_C(0x8000000000000002)
#define EEQ_TYPE_MASK			UINT64_C(0xF)
#define EEQ_TYPE_ACCEPT			1
#define EEQ_TYPE_PENDING_EPT		6

#define SZ_4K UINT64_C(0x1000)
#define SZ_2M UINT64_C(0x200000)

int kvm_run_fail(struct kvm_td_run *run, const char *step, uint64_t status)
{
	char name[96];
	run->k->last_status = status;
	run->k->last_step = step;
	if (run->k->log)
		fprintf(run->k->log, "kvm-tdx: %s failed: %s\n", step,
			tdxsim_status_name(status, name, sizeof(name)));
	return -1;
}

/* KVM retries a secure-EPT SEAMCALL that lost a race (OPERAND_BUSY) a few times; anything else
 * is final. */
static uint64_t sc_retry_busy(struct kvm_td_run *run, uint32_t lp, uint64_t fn, const tdxsim_regs_t *in,
			      tdxsim_regs_t *out)
{
	uint64_t st;
	for (unsigned tries = 0;; tries++) {
		*out = *in;
		st = host_tdx_seamcall(run->k->sim, lp, fn, out);
		if ((st & TDX_STATUS_MASK) != TDX_OPERAND_BUSY || tries == 8)
			return st;
	}
}

int kvm_run_init(struct kvm_td_run *run, struct kvm_tdx *k, struct kvm_td *td, uint64_t gpa, uint64_t size,
		 bool shared)
{
	memset(run, 0, sizeof(*run));
	run->k = k;
	run->td = td;
	run->shared_bit = UINT64_C(1) << 47; /* GPAW 48: KVM's TD_PARAMS in kvm_td.c */
	run->gmem.gpa = gpa;
	run->gmem.size = size;
	if ((gpa | size) & (SZ_2M - 1) || !size)
		return kvm_run_fail(run, "guest_memfd: unaligned range", TDXSIM_STATUS_API_MISUSE);
	run->gmem.small = calloc(size / SZ_2M, 1);
	run->gmem.map = calloc(size / SZ_4K, 1);
	run->gmem.pt = calloc(size / SZ_2M, 1);
	if (!run->gmem.small || !run->gmem.map || !run->gmem.pt ||
	    tdxsim_phys_alloc(k->sim, size, SZ_2M, UINT32_MAX, &run->gmem.hpa) != TDXSIM_OK ||
	    (shared && tdxsim_phys_alloc(k->sim, size, SZ_4K, UINT32_MAX, &run->shared_hpa) != TDXSIM_OK))
		return kvm_run_fail(run, "guest_memfd: allocating", TDXSIM_STATUS_NO_MEMORY);
	/* Pages PAGE.ADDed at build time inside the range (kvm_td.c frees them). */
	for (unsigned i = 0; i < td->num_pages; i++)
		if (td->gpa[i] - gpa < size)
			run->gmem.map[(td->gpa[i] - gpa) / SZ_4K] = KVM_MAPPED_ADD;
	return 0;
}

void kvm_gmem_split(struct kvm_td_run *run, uint64_t gpa)
{
	if (gpa - run->gmem.gpa < run->gmem.size)
		run->gmem.small[(gpa - run->gmem.gpa) / SZ_2M] = 1;
}

/* KVM's mirror of the secure EPT: which tables exist (the PTs of guest_memfd chunks in a
 * bitmap, every other table in a short list), so a fault makes only the SEPT.ADDs it needs. */
static bool table_known(struct kvm_td_run *run, uint64_t gpa, unsigned level)
{
	uint64_t key = (gpa & ~((UINT64_C(1) << (12 + 9 * level)) - 1)) | level;
	if (level == 1 && gpa - run->gmem.gpa < run->gmem.size)
		return run->gmem.pt[(gpa - run->gmem.gpa) / SZ_2M];
	for (unsigned i = 0; i < run->num_tables; i++)
		if (run->tables[i] == key)
			return true;
	return false;
}

static void table_note(struct kvm_td_run *run, uint64_t gpa, unsigned level)
{
	uint64_t key = (gpa & ~((UINT64_C(1) << (12 + 9 * level)) - 1)) | level;
	if (level == 1 && gpa - run->gmem.gpa < run->gmem.size)
		run->gmem.pt[(gpa - run->gmem.gpa) / SZ_2M] = 1;
	else if (run->num_tables < KVM_RUN_MAX_TABLES)
		run->tables[run->num_tables++] = key;
}

int kvm_run_sept_populate(struct kvm_td_run *run, uint64_t gpa, unsigned level)
{
	struct kvm_tdx *k = run->k;
	struct kvm_td *td = run->td;
	for (unsigned l = 3; l > level; l--) {
		uint64_t align = UINT64_C(1) << (12 + 9 * l), page = 0;
		if (table_known(run, gpa, l))
			continue;
		if (td->num_sept == KVM_TD_MAX_SEPT_PAGES ||
		    tdxsim_phys_alloc(k->sim, SZ_4K, SZ_4K, UINT32_MAX, &page) != TDXSIM_OK)
			return kvm_run_fail(run, "allocating a secure-EPT page", TDXSIM_STATUS_NO_MEMORY);
		tdxsim_regs_t in = {.rcx = (gpa & ~(align - 1)) | l, .rdx = td->tdr, .r8 = page}, out;
		uint64_t st = sc_retry_busy(run, 0, TDH_MEM_SEPT_ADD, &in, &out);
		if (st == 0) {
			td->sept[td->num_sept++] = page;
			run->stats.sept_add++;
		} else {
			tdxsim_phys_free(k->sim, page, SZ_4K);
			/* A table made at build time (kvm_td.c) is there already. */
			if ((st & TDX_STATUS_MASK) != TDX_EPT_ENTRY_STATE_INC)
				return kvm_run_fail(run, "TDH.MEM.SEPT.ADD", st);
		}
		table_note(run, gpa, l);
	}
	return 0;
}

/* Whether the TDP MMU may map the chunk of @gpa at 2 MiB: a huge folio, inside the range, and
 * nothing in it mapped at 4 KiB (no split leaf left to merge). */
static bool chunk_huge_ok(const struct kvm_td_run *run, uint64_t gpa)
{
	uint64_t off = (gpa & ~(SZ_2M - 1)) - run->gmem.gpa;
	if (off >= run->gmem.size || run->gmem.small[off / SZ_2M])
		return false;
	for (uint64_t i = 0; i < SZ_2M / SZ_4K; i++)
		if (run->gmem.map[off / SZ_4K + i] != KVM_UNMAPPED)
			return false;
	return true;
}

/* The VMM's EPT for a shared GPA: map the 4 KiB page from its own memory. */
static int fault_shared(struct kvm_td_run *run, uint64_t gpa)
{
	uint64_t off = (gpa & ~run->shared_bit & ~(SZ_4K - 1)) - run->gmem.gpa;
	if (!run->shared_hpa || off >= run->gmem.size)
		return kvm_run_fail(run, "shared EPT violation outside the memslot",
				    TDXSIM_STATUS_API_MISUSE);
	/* A shared access to a GPA whose attribute is private: KVM exits to user space
	 * (KVM_EXIT_MEMORY_FAULT) for an implicit conversion, which this VMM does not do. */
	if (run->gmem.map[off / SZ_4K] != KVM_SHARED)
		return kvm_run_fail(run, "shared access to a private GPA", TDXSIM_STATUS_API_MISUSE);
	if (tdxsim_guest_map_shared(run->k->sim, run->td->tdr, gpa & ~(SZ_4K - 1), run->shared_hpa + off,
				    SZ_4K))
		return kvm_run_fail(run, "mapping a shared page", TDXSIM_STATUS_API_MISUSE);
	return 0;
}

/*
 * A private EPT violation (td-runtime.md 3.3, 4.1): KVM's TDP MMU maps the faulting GPA from
 * guest_memfd. The level: what the guest accepts at (EEQ type ACCEPT, info bits 2:0) where the
 * chunk allows a 2 MiB leaf, else 4 KiB; any other fault maps 4 KiB, a size every accept of the
 * page fits (our choice; the huge-page series maps by the accept level, td-runtime.md 6.2).
 */
static int fault_private(struct kvm_td_run *run, const tdxsim_regs_t *x)
{
	uint64_t gpa = x->r8, off = gpa - run->gmem.gpa;
	unsigned level = 0;
	if (off >= run->gmem.size)
		return kvm_run_fail(run, "private EPT violation outside guest_memfd",
				    TDXSIM_STATUS_API_MISUSE);
	if (run->gmem.map[off / SZ_4K] == KVM_SHARED) /* KVM_EXIT_MEMORY_FAULT, as above */
		return kvm_run_fail(run, "private access to a shared GPA", TDXSIM_STATUS_API_MISUSE);
	if ((x->rdx & EEQ_TYPE_MASK) == EEQ_TYPE_PENDING_EPT) /* touched before accepting: KVM kills the TD */
		return kvm_run_fail(run, "guest access to a PENDING page", x->rdx);
	if ((x->rdx & EEQ_TYPE_MASK) == EEQ_TYPE_ACCEPT && ((x->rdx >> 32) & 7) >= 1 &&
	    chunk_huge_ok(run, gpa))
		level = 1;
	if (level == 0 && run->gmem.map[off / SZ_4K] != KVM_UNMAPPED)
		return kvm_run_fail(run, "EPT violation on a mapped page (a split would be needed)", x->rdx);
	uint64_t size = SZ_4K << (9 * level);
	gpa &= ~(size - 1);
	off &= ~(size - 1);
	if (kvm_run_sept_populate(run, gpa, level))
		return -1;
	tdxsim_regs_t in = {.rcx = gpa | level, .rdx = run->td->tdr, .r8 = run->gmem.hpa + off}, out;
	uint64_t st = sc_retry_busy(run, 0, TDH_MEM_PAGE_AUG, &in, &out);
	if (st)
		return kvm_run_fail(run, "TDH.MEM.PAGE.AUG", st);
	memset(run->gmem.map + off / SZ_4K, level ? KVM_MAPPED_2M : KVM_MAPPED_4K, size / SZ_4K);
	if (level)
		run->stats.aug_2m++;
	else
		run->stats.aug_4k++;
	return 0;
}

int kvm_vcpu_run(struct kvm_td_run *run, unsigned v, struct kvm_exit *exit, unsigned long max_enters)
{
	struct kvm_vcpu_tdx *vcpu = &run->td->vcpu[v];
	tdxsim_regs_t in = exit->regs; /* the caller's answer to the last TDVMCALL (R10-R15) */
	for (unsigned long n = 0; !max_enters || n < max_enters; n++) {
		exit->regs = in;
		exit->regs.rcx = vcpu->tdvpr;
		exit->status = tdxsim_seamcall(run->k->sim, vcpu->last_lp, TDH_VP_ENTER, &exit->regs);
		exit->reason = exit->status >> 32 ? 0 : (uint32_t)(exit->status & 0xFFFF);
		run->stats.enters++;
		if (exit->status >> 32)
			return 0; /* VP.ENTER refused, or a non-recoverable TD exit: the caller decides */
		if (exit->reason != KVM_EXIT_EPT_VIOLATION) {
			run->stats.vmcall_exits += exit->reason == KVM_EXIT_TDCALL;
			return 0;
		}
		run->stats.ept_exits++;
		int rc = exit->regs.r8 & run->shared_bit ? fault_shared(run, exit->regs.r8)
							 : fault_private(run, &exit->regs);
		if (rc)
			return rc;
		in = (tdxsim_regs_t){0};
	}
	return 0;
}

/* Zap one private leaf while the KeyID is assigned (tdx-module-abi.md 11.1 "Zap page"), then
 * write back and clear each of its 4 KiB pages. */
static int zap(struct kvm_td_run *run, uint64_t gpa, unsigned level)
{
	struct kvm_tdx *k = run->k;
	tdxsim_regs_t in = {.rcx = gpa | level, .rdx = run->td->tdr}, out;
	tdxsim_regs_t track = {.rcx = run->td->tdr};
	uint64_t st;
	if ((st = sc_retry_busy(run, 0, TDH_MEM_RANGE_BLOCK, &in, &out)))
		return kvm_run_fail(run, "TDH.MEM.RANGE.BLOCK", st);
	if ((st = sc_retry_busy(run, 0, TDH_MEM_TRACK, &track, &out)))
		return kvm_run_fail(run, "TDH.MEM.TRACK", st);
	if ((st = sc_retry_busy(run, 0, TDH_MEM_PAGE_REMOVE, &in, &out)))
		return kvm_run_fail(run, "TDH.MEM.PAGE.REMOVE", st);
	uint64_t hpa = run->gmem.hpa + (gpa - run->gmem.gpa);
	static const uint8_t zero[64];
	for (uint64_t p = hpa; p < hpa + (SZ_4K << (9 * level)); p += SZ_4K) {
		tdxsim_regs_t wb = {.rcx = p | (uint64_t)run->td->hkid << k->caps.keyid_shift};
		if ((st = host_tdx_seamcall(k->sim, 0, TDH_PHYMEM_PAGE_WBINVD, &wb)))
			return kvm_run_fail(run, "TDH.PHYMEM.PAGE.WBINVD", st);
		for (unsigned l = 0; l < SZ_4K; l += 64)
			tdxsim_movdir64b(k->sim, 0, p + l, zero);
	}
	return 0;
}

int kvm_run_release(struct kvm_td_run *run)
{
	struct kvm_gmem *g = &run->gmem;
	for (uint64_t off = 0; g->map && off < g->size; off += SZ_4K) {
		uint8_t m = g->map[off / SZ_4K];
		if (m != KVM_MAPPED_4K && m != KVM_MAPPED_2M)
			continue;
		unsigned level = m == KVM_MAPPED_2M;
		if (zap(run, g->gpa + off, level))
			return -1;
		memset(g->map + off / SZ_4K, KVM_UNMAPPED, level ? SZ_2M / SZ_4K : 1);
		off += level ? SZ_2M - SZ_4K : 0;
	}
	if (g->hpa)
		tdxsim_phys_free(run->k->sim, g->hpa, g->size);
	if (run->shared_hpa) {
		tdxsim_guest_map_shared(run->k->sim, run->td->tdr, g->gpa, TDXSIM_GUEST_UNMAP, g->size);
		tdxsim_phys_free(run->k->sim, run->shared_hpa, g->size);
	}
	for (unsigned v = 0; v < KVM_TD_MAX_VCPUS; v++)
		if (run->pi_desc[v])
			tdxsim_phys_free(run->k->sim, run->pi_desc[v], SZ_4K);
	memset(run->pi_desc, 0, sizeof(run->pi_desc));
	free(g->small);
	free(g->map);
	free(g->pt);
	memset(g, 0, sizeof(*g));
	run->shared_hpa = 0;
	return 0;
}

/*
 * KVM's split of a 2 MiB leaf that a conversion cuts through (td-runtime.md 6.1, 6.2:
 * tdx_sept_split_private_spte): BLOCK it, TRACK (and kick the vCPUs out: none is inside
 * between SEAMCALLs here), then DEMOTE with a new secure-EPT page; the 512 4 KiB leaves keep
 * the page's state unblocked, so no UNBLOCK follows. 1.5's DEMOTE may stop with
 * TDX_INTERRUPTED_RESTARTABLE when a host interrupt is pending; it is issued again.
 */
static int split(struct kvm_td_run *run, uint64_t base)
{
	struct kvm_td *td = run->td;
	tdxsim_regs_t in = {.rcx = base | 1, .rdx = td->tdr}, track = {.rcx = td->tdr}, out;
	uint64_t st, page = 0;
	if ((st = sc_retry_busy(run, 0, TDH_MEM_RANGE_BLOCK, &in, &out)))
		return kvm_run_fail(run, "TDH.MEM.RANGE.BLOCK (split)", st);
	if ((st = sc_retry_busy(run, 0, TDH_MEM_TRACK, &track, &out)))
		return kvm_run_fail(run, "TDH.MEM.TRACK (split)", st);
	if (td->num_sept == KVM_TD_MAX_SEPT_PAGES ||
	    tdxsim_phys_alloc(run->k->sim, SZ_4K, SZ_4K, UINT32_MAX, &page) != TDXSIM_OK)
		return kvm_run_fail(run, "allocating a secure-EPT page", TDXSIM_STATUS_NO_MEMORY);
	/* R9-R11: no L2 secure-EPT pages (-1), the TD has no L2 VMs. */
	tdxsim_regs_t demote = {.rcx = base | 1,
				.rdx = td->tdr,
				.r8 = page,
				.r9 = ~UINT64_C(0),
				.r10 = ~UINT64_C(0),
				.r11 = ~UINT64_C(0)};
	for (unsigned tries = 0;; tries++) {
		st = sc_retry_busy(run, 0, TDH_MEM_PAGE_DEMOTE, &demote, &out);
		if (st != TDX_INTERRUPTED_RESTARTABLE || tries == 100)
			break;
		run->stats.demote_restarts++;
	}
	if (st) {
		tdxsim_phys_free(run->k->sim, page, SZ_4K);
		return kvm_run_fail(run, "TDH.MEM.PAGE.DEMOTE", st);
	}
	td->sept[td->num_sept++] = page;
	run->stats.split_2m++;
	uint64_t off = base - run->gmem.gpa;
	run->gmem.pt[off / SZ_2M] = 1;
	memset(run->gmem.map + off / SZ_4K, KVM_MAPPED_4K, SZ_2M / SZ_4K);
	return 0;
}

/*
 * TDG.VP.VMCALL<MapGPA> (td-runtime.md 4.2): KVM checks the range (4 KiB-aligned, both ends on
 * one side of the shared bit, inside the memslot), then the attributes change. To shared:
 * every private leaf in the range is zapped, a 2 MiB leaf only partly inside split first
 * (DEMOTE); to private: the VMM's shared mappings go. KVM splits the work into 2 MiB
 * chunks with RETRY in between when an event is pending; none is pending here.
 */
int kvm_run_map_gpa(struct kvm_td_run *run, uint64_t gpa, uint64_t len, uint64_t *r10)
{
	struct kvm_gmem *g = &run->gmem;
	bool to_shared = gpa & run->shared_bit;
	uint64_t start = gpa & ~run->shared_bit, end = start + len;
	if ((start | len) & (SZ_4K - 1)) {
		*r10 = TDVMCALL_STATUS_ALIGN_ERROR;
		return 0;
	}
	if (!len || end < start || ((gpa + len - 1) & run->shared_bit) != (gpa & run->shared_bit) ||
	    start < g->gpa || end > g->gpa + g->size) {
		*r10 = TDVMCALL_STATUS_INVALID_OPERAND;
		return 0;
	}
	for (uint64_t a = start; a < end;) {
		uint64_t off = a - g->gpa;
		uint8_t m = g->map[off / SZ_4K];
		if (to_shared && m == KVM_MAPPED_2M) {
			uint64_t base = a & ~(SZ_2M - 1);
			if (base < start || base + SZ_2M > end) {
				if (split(run, base))
					return -1;
				continue; /* the same GPA again, now a 4 KiB leaf */
			}
			if (zap(run, base, 1))
				return -1;
			memset(g->map + (base - g->gpa) / SZ_4K, KVM_SHARED, SZ_2M / SZ_4K);
			a = base + SZ_2M;
			continue;
		}
		if (to_shared && m == KVM_MAPPED_ADD)
			return kvm_run_fail(run, "converting a build-time page", TDXSIM_STATUS_API_MISUSE);
		if (to_shared && m == KVM_MAPPED_4K && zap(run, a, 0))
			return -1;
		if (!to_shared && m == KVM_SHARED)
			tdxsim_guest_map_shared(run->k->sim, run->td->tdr, a, TDXSIM_GUEST_UNMAP, SZ_4K);
		if (to_shared || m == KVM_SHARED)
			g->map[off / SZ_4K] = to_shared ? KVM_SHARED : KVM_UNMAPPED;
		a += SZ_4K;
	}
	*r10 = 0;
	return 0;
}
