/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: a RUNNABLE trust domain driven by random host leaves and random guest
 * programs (docs/fuzzing.md).
 *
 * Once per process and world shape, a platform is brought up as Linux does it and a TD is built
 * as KVM builds it (fuzz_td.h: CREATE .. MNG.INIT, two vCPUs on two LPs, the tables down to one
 * PAGE.ADDed page, MR.FINALIZE; vCPU 0 with posted interrupts enabled), pages for AUG (4K and
 * 2M), shared pages and a posted-interrupt descriptor are set aside, and a snapshot is taken;
 * every input starts from it. Shape bit 0: SEPT_VE_DISABLE (clear: a PENDING page touched is a
 * #VE in the guest; set: an EPT-violation exit); bit 1: a debug TD (TDH.MEM.RD/WR work).
 *
 * Then the input is a sequence of operations:
 *  - a host leaf: any TD leaf of the public leaf table (TDH.MEM.*, TDH.VP.*, TDH.MNG.*, TDH.MR.*,
 *    TDH.PHYMEM.*) that the library emulates (probed once: leaves other helpers add become
 *    reachable with no change here), with registers drawn from the live TD: page-info operands
 *    on GPAs around the image, the TDR, the TDVPRs, pool pages, 2M pages;
 *  - TDH.VP.ENTER of either vCPU on either LP, answering a pending TDVMCALL (MapGPA RETRY too);
 *  - a guest program loaded with tdxsim_guest_load(): up to 8 ops of any kind the library
 *    accepts (probed likewise), GPAs private or shared, sizes and values from the input;
 *  - what KVM does on an EPT violation (AUG 4K/2M at the faulting GPA, SEPT.ADD on the way),
 *    a zap (BLOCK, TRACK, REMOVE), a split or merge (DEMOTE, PROMOTE), a move (RELOCATE), an
 *    UNBLOCK; the host's shared map, posted interrupts, lock contention.
 * After every call: tdxsim_check_invariants() (secure EPTs against the PAMT, guests...), and a
 * failed SEAMCALL or API call (or a warning status) leaves tdxsim_state_hash() unchanged unless
 * src/seamcall/failure_effects.h lists that failure; after each VP.ENTER the guest's private
 * loads see its own stores of that run (check_reads). A broken rule aborts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_td.h"
#include "host_lifecycle.h"
#include "seamcall/failure_effects.h"
#include "tdxsim/guest.h"
#include "tdxsim/memory.h"
#include "tdxsim/snapshot.h"
#include "tdxsim/td.h"
#include "tdxsim/tdxsim.h"

#define POOL_4K	      160
#define POOL_2M	      4
#define NUM_SHARED    4
#define MAX_OPS	      64
#define MAX_GUEST_OPS 8
#define MAX_LEAVES    128
#define MAX_KINDS     64
#define IMAGE_GPA     UINT64_C(0x10000)
#define SHARED_BIT    (UINT64_C(1) << 47) /* 4-level EPT, no GPAW */
#define SEPT_VE_DIS   (UINT64_C(1) << 28) /* ATTRIBUTES.SEPT_VE_DISABLE (td-build.md 3.5) */
#define ATTR_DEBUG    (UINT64_C(1) << 0)  /* ATTRIBUTES.DEBUG: TDH.MEM.RD/WR work */
#define EXIT_EPT      48u
#define EXIT_TDCALL   77u
/* TD VMCS fields for posted interrupts (td-build.md 3.9), as KVM's vCPU setup writes them. */
#define F_POSTED_VEC UINT64_C(0x0000000000000002)
#define F_PID_ADDR   UINT64_C(0x0000000000002016)
#define F_PIN_BASED  UINT64_C(0x0000000000004000)

enum family { F_MEM, F_VP, F_MNG, F_MR, F_PHYMEM };

struct world {
	tdxsim_t *sim;
	tdxsim_snapshot_t *snap;
	uint64_t hash; /* tdxsim_state_hash() of the snapshot */
	uint32_t lps;
	uint64_t pool[POOL_4K], big[POOL_2M], shared[NUM_SHARED];
	uint64_t tdr, tdvpr[2];
	uint32_t vp_lp[2];
	uint32_t leaf[MAX_LEAVES];
	enum family fam[MAX_LEAVES];
	unsigned num_leaves;
	tdxsim_guest_op_kind_t kind[MAX_KINDS];
	unsigned num_kinds;
	const char *failed; /* the setup step that failed, NULL when the world is usable */
};
static struct world worlds[4];

struct ctx {
	struct world *w;
	tdxsim_t *sim;
	bool verbose;
	/* tdxsim_state_hash() of the current state when hash_valid: a failed call must leave it,
	 * so after one the hash taken to compare is the next call's "before" (half the hashing). */
	uint64_t hash;
	bool hash_valid;
	uint64_t fault_gpa; /* the last EPT violation's GPA */
	struct {
		tdxsim_guest_op_t ops[MAX_GUEST_OPS];
		size_t n;
	} prog[2]; /* each vCPU's program as loaded */
	uint64_t map_start, map_end;
};

static void fail(const char *what, uint64_t a, uint64_t b)
{
	fprintf(stderr, "fuzz_td_guest: %s (0x%llx, 0x%llx)\n", what, (unsigned long long)a,
		(unsigned long long)b);
	abort();
}

static void check(struct ctx *c, const char *after, uint64_t what)
{
	char msg[512];
	if (tdxsim_check_invariants(c->sim, msg, sizeof(msg))) {
		fprintf(stderr, "fuzz_td_guest: invariant broken after %s 0x%llx: %s\n", after,
			(unsigned long long)what, msg);
		abort();
	}
}

static uint64_t state_hash(struct ctx *c)
{
	if (!c->hash_valid) {
		c->hash = tdxsim_state_hash(c->sim);
		c->hash_valid = true;
	}
	return c->hash;
}

/* After a call that failed with no effect listed: the state must hash as before. */
static bool unchanged(struct ctx *c, uint64_t before)
{
	c->hash = tdxsim_state_hash(c->sim);
	return c->hash == before;
}

/* Every SEAMCALL of an input: the call and its oracles. */
static uint64_t call(struct ctx *c, uint32_t lp, uint64_t rax, tdxsim_regs_t *r)
{
	uint64_t hash = state_hash(c);
	tdxsim_regs_t in = *r;
	uint64_t status = tdxsim_seamcall(c->sim, lp, rax, r);
	if (c->verbose)
		fprintf(stderr, "%s v%u on LP %u rcx %#llx rdx %#llx r8 %#llx r9 %#llx -> %#llx\n",
			tdxsim_leaf_name(rax & 0xFFFF), (unsigned)(rax >> TDXSIM_VERSION_SHIFT & 0xFF), lp,
			(unsigned long long)in.rcx, (unsigned long long)in.rdx, (unsigned long long)in.r8,
			(unsigned long long)in.r9, (unsigned long long)status);
	/* A warning (bit 63 clear, not TDX_SUCCESS: "already blocked", "already free"...) is a
	 * refusal too, except for VP.ENTER (exits) and VP.RD/WR (they associate first). */
	uint64_t leaf = rax & 0xFFFF;
	bool warning = status && !(status & TDXSIM_STATUS_ERROR_BIT) && leaf != TDXSIM_TDH_VP_ENTER &&
		       leaf != TDXSIM_TDH_VP_RD && leaf != TDXSIM_TDH_VP_WR;
	c->hash_valid =
		((status & TDXSIM_STATUS_ERROR_BIT) || warning) && !tdxsim_failure_effect_of(rax, status);
	if (c->hash_valid && !unchanged(c, hash))
		fail("a failed SEAMCALL changed state (rax, status)", rax, status);
	check(c, "SEAMCALL", rax);
	return status;
}

/* An API call that failed must have changed nothing either. */
static void api(struct ctx *c, tdxsim_err_t err, uint64_t hash, const char *what)
{
	if (c->verbose)
		fprintf(stderr, "%s -> %d\n", what, (int)err);
	c->hash_valid = err != TDXSIM_OK;
	if (c->hash_valid && !unchanged(c, hash))
		fail(what, (uint64_t)err, 0);
	check(c, what, (uint64_t)err);
}

/* ---- Values from the live TD ---- */

static uint64_t pool_page(struct ctx *c, struct fz_input *in)
{
	return c->w->pool[fz_byte(in) % POOL_4K];
}

/* GPAs: mostly the first 4 MiB (the image's page table covers 2 MiB of it), 2M-aligned ones,
 * other GiBs (walks that fail high), the last fault, anything. */
static uint64_t gpa_value(struct ctx *c, struct fz_input *in)
{
	uint8_t sel = fz_byte(in), b = fz_byte(in);
	switch (sel & 7) {
	case 0:
	case 1:
	case 2:
		return (uint64_t)(b | (sel >> 3 & 3) << 8) << 12;
	case 3:
		return (uint64_t)(b & 7) << 21;
	case 4:
		return (uint64_t)(1 + (b & 3)) << 30 | (uint64_t)(sel >> 3) << 12;
	case 5:
		return c->fault_gpa;
	case 6:
		return IMAGE_GPA + ((uint64_t)(b & 15) << 12);
	default:
		return fz_raw64(in) & ~UINT64_C(0xFFF);
	}
}

/* A page-info operand: GPA aligned to a level (4K mostly, 2M, sometimes 1G or more). */
static uint64_t page_info(struct ctx *c, struct fz_input *in)
{
	uint8_t l = fz_byte(in);
	unsigned level = l < 160 ? 0 : l < 230 ? 1 : l < 250 ? 2 : l & 7;
	uint64_t gpa = gpa_value(c, in);
	if (level <= 4)
		gpa &= ~((UINT64_C(1) << (12 + 9 * level)) - 1);
	return gpa | level;
}

static uint64_t hpa_value(struct ctx *c, struct fz_input *in)
{
	uint8_t b = fz_byte(in);
	if (b < 200)
		return pool_page(c, in);
	if (b < 230)
		return c->w->big[b % POOL_2M];
	return c->w->shared[b % NUM_SHARED];
}

static uint64_t any_value(struct ctx *c, struct fz_input *in)
{
	uint8_t sel = fz_byte(in);
	switch (sel % 9) {
	case 0:
		return c->w->tdr;
	case 1:
		return c->w->tdvpr[sel >> 4 & 1];
	case 2:
		return hpa_value(c, in);
	case 3:
		return page_info(c, in);
	case 4:
		return gpa_value(c, in);
	case 5:
		return sel >> 4;
	case 6:
		return fz_raw64(in);
	case 7:
		return ~UINT64_C(0);
	default: { /* a metadata field id's shape */
		uint64_t hi = fz_byte(in), mid = fz_byte(in) & 3;
		return hi << 56 | mid << 32 | fz_byte(in);
	}
	}
}

/* ---- Operations ---- */

static void op_leaf(struct ctx *c, struct fz_input *in)
{
	const struct world *w = c->w;
	unsigned i = fz_byte(in) % w->num_leaves;
	uint8_t how = fz_byte(in);
	unsigned v = how & 1;
	uint32_t lp = how & 0x80 ? fz_byte(in) % w->lps : w->vp_lp[v];
	/* Operands are drawn one after the other (the order input bytes are read in is fixed). */
	tdxsim_regs_t r = {0};
	switch (w->fam[i]) {
	case F_MEM:
		r.rcx = page_info(c, in);
		r.rdx = w->tdr;
		r.r8 = hpa_value(c, in);
		r.r9 = hpa_value(c, in);
		break;
	case F_VP:
	case F_MNG:
		r.rcx = w->fam[i] == F_VP ? w->tdvpr[v] : w->tdr;
		r.rdx = any_value(c, in);
		r.r8 = any_value(c, in);
		r.r9 = ~UINT64_C(0);
		break;
	case F_MR:
		r.rcx = how & 2 ? w->tdr : page_info(c, in) & ~UINT64_C(7);
		r.rdx = w->tdr;
		break;
	default:
		r.rcx = hpa_value(c, in);
		r.rdx = any_value(c, in);
		break;
	}
	/* Now and then any register gets any value. */
	uint64_t *regs[4] = {&r.rcx, &r.rdx, &r.r8, &r.r9};
	for (unsigned k = 0; k < 4; k++)
		if (how & (2u << k) && !(fz_byte(in) & 7))
			*regs[k] = any_value(c, in);
	uint64_t rax = w->leaf[i] | (uint64_t)(how >> 5 & 3 ? 0 : how >> 3 & 1) << TDXSIM_VERSION_SHIFT;
	call(c, lp, rax, &r);
}

/*
 * Read-after-write: within one TDH.VP.ENTER no host call runs, so a private load the guest
 * completed sees the bytes its own completed stores of that run left there, as long as only
 * loads and stores ran in between (an ACCEPT zeroes, a TDCALL may write). Private GPAs cannot
 * alias each other (the invariant checker makes sure); shared ones can, and are left out.
 */
static void check_reads(struct ctx *c, unsigned v, size_t from, size_t to)
{
	struct {
		uint64_t gpa;
		uint8_t b;
	} shadow[MAX_GUEST_OPS * 8];
	size_t ns = 0;
	for (size_t i = from; i < to && i < c->prog[v].n; i++) {
		const tdxsim_guest_op_t *op = &c->prog[v].ops[i];
		tdxsim_guest_result_t res;
		bool mem = op->kind == TDXSIM_GOP_READ || op->kind == TDXSIM_GOP_WRITE;
		if (!mem) {
			ns = 0;
			continue;
		}
		if (tdxsim_guest_result(c->sim, c->w->tdvpr[v], i, &res, NULL) != TDXSIM_OK)
			fail("no result for an op that ran (vcpu, index)", v, i);
		if (res.state != TDXSIM_GUEST_DONE || (op->gpa & SHARED_BIT))
			continue;
		for (unsigned k = 0; k < op->size; k++) {
			uint64_t a = op->gpa + k;
			size_t j = 0;
			while (j < ns && shadow[j].gpa != a)
				j++;
			if (op->kind == TDXSIM_GOP_WRITE) {
				if (j == ns)
					ns++;
				shadow[j].gpa = a;
				shadow[j].b = (uint8_t)(op->value >> (8 * k));
			} else if (j < ns && shadow[j].b != (uint8_t)(res.out[0] >> (8 * k))) {
				fail("a guest load does not see the guest's own store (gpa, value read)", a,
				     res.out[0]);
			}
		}
	}
}

static size_t guest_pc(struct ctx *c, unsigned v)
{
	tdxsim_guest_result_t res;
	size_t pc = 0;
	if (!c->prog[v].n || tdxsim_guest_result(c->sim, c->w->tdvpr[v], 0, &res, &pc) != TDXSIM_OK)
		return 0;
	return pc;
}

static void op_enter(struct ctx *c, struct fz_input *in)
{
	const struct world *w = c->w;
	uint8_t how = fz_byte(in);
	unsigned v = how & 1;
	uint32_t lp = how & 2 ? (w->vp_lp[v] + 1) % w->lps : w->vp_lp[v];
	/* The host's answer to a pending TDVMCALL: success or MapGPA's RETRY from a GPA in the
	 * range the guest asked for. */
	tdxsim_regs_t r = {.rcx = w->tdvpr[v]};
	if (how & 4) {
		r.r10 = 1;
		uint64_t span = c->map_end > c->map_start ? c->map_end - c->map_start : 1;
		r.r11 = c->map_start + ((fz_byte(in) * span / 256) & ~UINT64_C(0xFFF));
	} else if (how & 8) {
		r.r10 = fz_byte(in);
		r.r11 = any_value(c, in);
	}
	if (fz_byte(in) == 0xFF) /* rarely, reserved or hint bits */
		r.rcx |= (uint64_t)fz_byte(in) << 52;
	size_t pc = guest_pc(c, v);
	uint64_t st = call(c, lp, TDXSIM_TDH_VP_ENTER, &r);
	check_reads(c, v, pc, guest_pc(c, v));
	if (st == (TDXSIM_TDX_SUCCESS | EXIT_EPT))
		c->fault_gpa = r.r8;
	if (st == (TDXSIM_TDX_SUCCESS | EXIT_TDCALL) && r.r11 == TDXSIM_TDVMCALL_MAPGPA) {
		c->map_start = r.r12 & ~SHARED_BIT;
		c->map_end = c->map_start + r.r13;
	}
}

static void op_program(struct ctx *c, struct fz_input *in)
{
	const struct world *w = c->w;
	unsigned v = fz_byte(in) & 1;
	size_t n = 1 + fz_byte(in) % MAX_GUEST_OPS;
	tdxsim_guest_op_t ops[MAX_GUEST_OPS];
	memset(ops, 0, sizeof(ops));
	for (size_t i = 0; i < n; i++) {
		tdxsim_guest_op_t *op = &ops[i];
		uint8_t b = fz_byte(in);
		op->kind = w->kind[b % w->num_kinds];
		/* Ops that end the TD or the vCPU make the rest of an input moot: rare. */
		if ((op->kind == TDXSIM_GOP_ILLEGAL || op->kind == TDXSIM_GOP_TRIPLE_FAULT) && fz_byte(in))
			op->kind = TDXSIM_GOP_READ;
		op->gpa = gpa_value(c, in) | (b & 0x80 ? SHARED_BIT : 0);
		op->size = UINT64_C(1) << (fz_byte(in) & 3);
		uint8_t vb = fz_byte(in);
		op->value = vb & 0x80 ? any_value(c, in) : vb & 15;
		op->args[0] = gpa_value(c, in);
		op->args[1] = fz_byte(in) & 3;
		switch (op->kind) {
		case TDXSIM_GOP_READ:
		case TDXSIM_GOP_WRITE:
			op->gpa += (fz_byte(in) & 0x7F) * op->size; /* within the page, aligned */
			op->gpa &= ~(op->size - 1);
			break;
		case TDXSIM_GOP_ACCEPT:
			op->gpa &= ~SHARED_BIT;
			op->value &= 1;
			if (op->value)
				op->gpa &= ~UINT64_C(0x1FFFFF);
			break;
		case TDXSIM_GOP_MAP_GPA:
			op->size = b & 0x40 ? UINT64_C(0x200000) : (uint64_t)(1 + (b & 3)) << 12;
			break;
		case TDXSIM_GOP_VMCALL:
			op->value = b & 0x40 ? op->value : 0;
			for (unsigned k = 2; k < 6; k++)
				op->args[k] = fz_byte(in);
			break;
		default:
			break;
		}
	}
	uint64_t hash = state_hash(c);
	tdxsim_err_t err = tdxsim_guest_load(c->sim, w->tdvpr[v], ops, n);
	api(c, err, hash, "tdxsim_guest_load");
	if (err == TDXSIM_OK) {
		memcpy(c->prog[v].ops, ops, sizeof(ops));
		c->prog[v].n = n;
	}
}

static uint64_t info_at(uint64_t gpa, unsigned level)
{
	return (gpa & ~((UINT64_C(1) << (12 + 9 * level)) - 1) & ~SHARED_BIT) | level;
}

/* BLOCK and TRACK, the start of every zap, split, merge or move. */
static void block_track(struct ctx *c, uint64_t info)
{
	tdxsim_regs_t r = {.rcx = info, .rdx = c->w->tdr};
	call(c, 0, TDXSIM_TDH_MEM_RANGE_BLOCK, &r);
	r = (tdxsim_regs_t){.rcx = c->w->tdr};
	call(c, 0, TDXSIM_TDH_MEM_TRACK, &r);
}

/* What KVM does about an EPT violation (AUG at 4K or 2M, SEPT.ADD on the way), a zap (BLOCK,
 * TRACK, REMOVE), a huge page split or merge (DEMOTE, PROMOTE after BLOCK and TRACK), a page
 * moved (RELOCATE) or unblocked, at the last faulting GPA or another. */
static void op_kvm(struct ctx *c, struct fz_input *in)
{
	const struct world *w = c->w;
	uint8_t how = fz_byte(in);
	uint64_t gpa = how & 0x80 ? gpa_value(c, in) : c->fault_gpa;
	unsigned level = how >> 4 & 1;
	uint64_t info = info_at(gpa, level);
	tdxsim_regs_t r = {.rcx = info, .rdx = w->tdr};
	switch (how & 7) {
	case 0:
		r.r8 = level ? w->big[fz_byte(in) % POOL_2M] : pool_page(c, in);
		call(c, 0, TDXSIM_TDH_MEM_PAGE_AUG, &r);
		break;
	case 1:
		for (unsigned l = 2; l >= 1; l--) {
			uint64_t table = pool_page(c, in);
			r = (tdxsim_regs_t){.rcx = info_at(gpa, l), .rdx = w->tdr, .r8 = table};
			call(c, 0, TDXSIM_TDH_MEM_SEPT_ADD, &r);
		}
		break;
	case 2:
	case 3:
		block_track(c, info);
		r = (tdxsim_regs_t){.rcx = info, .rdx = w->tdr};
		call(c, 0, TDXSIM_TDH_MEM_PAGE_REMOVE, &r);
		break;
	case 4:
		block_track(c, info_at(gpa, 0));
		r = (tdxsim_regs_t){.rcx = info_at(gpa, 0), .rdx = w->tdr, .r8 = pool_page(c, in)};
		call(c, 0, TDXSIM_TDH_MEM_PAGE_RELOCATE, &r);
		break;
	case 5: {
		block_track(c, info_at(gpa, 1));
		uint64_t table = pool_page(c, in);
		r = (tdxsim_regs_t){.rcx = info_at(gpa, 1),
				    .rdx = w->tdr,
				    .r8 = table,
				    .r9 = ~UINT64_C(0),
				    .r10 = ~UINT64_C(0),
				    .r11 = ~UINT64_C(0)};
		call(c, 0, TDXSIM_TDH_MEM_PAGE_DEMOTE, &r);
		break;
	}
	case 6:
		block_track(c, info_at(gpa, 1));
		r = (tdxsim_regs_t){.rcx = info_at(gpa, 1), .rdx = w->tdr};
		call(c, 0, TDXSIM_TDH_MEM_PAGE_PROMOTE, &r);
		break;
	default:
		call(c, 0, TDXSIM_TDH_MEM_RANGE_UNBLOCK, &r);
		break;
	}
}

static void op_host(struct ctx *c, struct fz_input *in)
{
	const struct world *w = c->w;
	uint8_t how = fz_byte(in);
	uint64_t hash = state_hash(c);
	switch (how & 3) {
	case 0: {
		uint64_t hpa = how & 4 ? TDXSIM_GUEST_UNMAP : w->shared[how >> 4 & 3];
		uint64_t size = how & 8 ? UINT64_C(0x2000) : UINT64_C(0x1000);
		api(c, tdxsim_guest_map_shared(c->sim, w->tdr, gpa_value(c, in) | SHARED_BIT, hpa, size),
		    hash, "tdxsim_guest_map_shared");
		break;
	}
	case 1:
		api(c, tdxsim_guest_post_interrupt(c->sim, w->tdvpr[how >> 2 & 1], fz_byte(in)), hash,
		    "tdxsim_guest_post_interrupt");
		break;
	default: {
		/* Another LP holds a lock for the next attempt or two. */
		uint64_t keys[4] = {w->tdr, w->tdvpr[0], w->tdvpr[1], page_info(c, in)};
		tdxsim_resource_t res = (tdxsim_resource_t)(1 + fz_byte(in) % 8);
		api(c,
		    tdxsim_contend(c->sim, res, keys[how >> 2 & 3], how & 0x40 ? page_info(c, in) : 0,
				   how & 0x80 ? TDXSIM_LOCK_SHARED : TDXSIM_LOCK_EXCLUSIVE,
				   1 + (how >> 4 & 1)),
		    hash, "tdxsim_contend");
		break;
	}
	}
}

/* ---- The world, once per process and shape ---- */

static uint64_t setup_call(void *ctx, uint32_t lp, uint64_t rax, tdxsim_regs_t *r)
{
	struct world *w = ctx;
	uint64_t st = tdxsim_seamcall(w->sim, lp, rax, r);
	if ((st & TDXSIM_STATUS_ERROR_BIT) && !w->failed) {
		fprintf(stderr, "fuzz_td_guest: setup: %s failed with 0x%llx\n",
			tdxsim_leaf_name(rax & 0xFFFF), (unsigned long long)st);
		w->failed = "a SEAMCALL of the TD build";
	}
	return st;
}

static bool family_of(const char *name, enum family *f)
{
	static const struct {
		const char *prefix;
		enum family f;
	} fams[] = {{"TDH.MEM.", F_MEM},
		    {"TDH.VP.", F_VP},
		    {"TDH.MNG.", F_MNG},
		    {"TDH.MR.", F_MR},
		    {"TDH.PHYMEM.", F_PHYMEM}};
	for (size_t i = 0; name && i < sizeof(fams) / sizeof(fams[0]); i++)
		if (!strncmp(name, fams[i].prefix, strlen(fams[i].prefix))) {
			*f = fams[i].f;
			return true;
		}
	return false;
}

/* The TD leaves the library emulates and the guest op kinds it accepts, asked of the world
 * itself (state restored afterwards), so what other parts add is reached without a change. */
static void probe(struct world *w)
{
	for (uint32_t leaf = 0; leaf < 0x10000 && w->num_leaves < MAX_LEAVES; leaf++) {
		enum family f;
		if (!family_of(tdxsim_leaf_name(leaf), &f) || leaf == TDXSIM_TDH_VP_ENTER)
			continue;
		tdxsim_regs_t r = {0};
		if (tdxsim_seamcall(w->sim, 0, leaf, &r) == TDXSIM_STATUS_NOT_EMULATED)
			continue;
		w->fam[w->num_leaves] = f;
		w->leaf[w->num_leaves++] = leaf;
	}
	for (int k = 0; k < 256 && w->num_kinds < MAX_KINDS; k++) {
		tdxsim_guest_op_t op = {.kind = (tdxsim_guest_op_kind_t)k, .gpa = IMAGE_GPA, .size = 8};
		if (tdxsim_guest_load(w->sim, w->tdvpr[0], &op, 1) == TDXSIM_OK)
			w->kind[w->num_kinds++] = op.kind;
	}
}

static const char *build_world(struct world *w, unsigned shape)
{
	tdxsim_config_t cfg;
	tdxsim_config_init(&cfg);
	cfg.num_packages = 1;
	cfg.lps_per_package = 2;
	cfg.num_ram_ranges = 2;
	cfg.ram[0] = (tdxsim_range_t){0, UINT64_C(1) << 30, 0};
	cfg.ram[1] = (tdxsim_range_t){UINT64_C(4) << 30, UINT64_C(1) << 30, 0};
	if (tdxsim_create(&cfg, &w->sim))
		return "tdxsim_create";
	w->lps = tdxsim_num_lps(w->sim);
	struct lc_host lc;
	lc_host_init(&lc, w->sim, NULL);
	if (lc_tdx_init(&lc) || lc_tdx_enable(&lc))
		return "the bring-up";
	for (unsigned i = 0; i < POOL_4K; i++)
		if (tdxsim_phys_alloc(w->sim, 4096, 4096, UINT32_MAX, &w->pool[i]))
			return "allocating pool pages";
	for (unsigned i = 0; i < POOL_2M; i++)
		if (tdxsim_phys_alloc(w->sim, UINT64_C(1) << 21, UINT64_C(1) << 21, UINT32_MAX, &w->big[i]))
			return "allocating 2M pages";
	for (unsigned i = 0; i < NUM_SHARED; i++)
		if (tdxsim_phys_alloc(w->sim, 4096, 4096, UINT32_MAX, &w->shared[i]))
			return "allocating shared pages";
	/* The TD, from a fixed plan: pool pages 0-24 (fuzz_td.h lists what each byte picks). */
	uint8_t create[] = {0, 0, 1, 2, 3, 4, 5, 6, 7, 0};
	static const uint8_t vcpu0[] = {8, 0, 9, 10, 11, 12, 13, 0};
	static const uint8_t vcpu1[] = {14, 1, 15, 16, 17, 18, 19, 1};
	static const uint8_t image[] = {20, 21, 22, 23, 24};
	struct fz_td_env e = {.sim = w->sim,
			      .lps = w->lps,
			      .keyid_first = lc.keyid_first,
			      .nr_keyids = lc.nr_keyids,
			      .pool = w->pool,
			      .pool_len = POOL_4K,
			      .call = setup_call,
			      .ctx = w};
	/* The KeyID after the module's global one. */
	create[1] = (uint8_t)(lc.tdx.global_keyid - lc.keyid_first + 1);
	struct fz_input in = {create, sizeof(create)};
	w->tdr = fz_td_create(&e, &in, (shape & 1 ? SEPT_VE_DIS : 0) | (shape & 2 ? ATTR_DEBUG : 0));
	in = (struct fz_input){vcpu0, sizeof(vcpu0)};
	w->tdvpr[0] = fz_vcpu_create(&e, &in, w->tdr, &w->vp_lp[0]);
	in = (struct fz_input){vcpu1, sizeof(vcpu1)};
	w->tdvpr[1] = fz_vcpu_create(&e, &in, w->tdr, &w->vp_lp[1]);
	in = (struct fz_input){image, sizeof(image)};
	fz_td_finalize(&e, &in, w->tdr, IMAGE_GPA);
	/* KVM's posted-interrupt setup on vCPU 0 (vCPU 1 stays without). */
	uint64_t pid = w->shared[NUM_SHARED - 1];
	static const uint8_t zero[64];
	tdxsim_mem_write(w->sim, 0, pid, zero, sizeof(zero));
	tdxsim_regs_t r = {.rcx = w->tdvpr[0], .rdx = F_POSTED_VEC, .r8 = 0xF2, .r9 = 0xFFFF};
	setup_call(w, w->vp_lp[0], TDXSIM_TDH_VP_WR, &r);
	r = (tdxsim_regs_t){.rcx = w->tdvpr[0], .rdx = F_PID_ADDR, .r8 = pid, .r9 = ~UINT64_C(0)};
	setup_call(w, w->vp_lp[0], TDXSIM_TDH_VP_WR, &r);
	r = (tdxsim_regs_t){.rcx = w->tdvpr[0], .rdx = F_PIN_BASED, .r8 = 0x80, .r9 = 0x80};
	setup_call(w, w->vp_lp[0], TDXSIM_TDH_VP_WR, &r);
	if (w->failed)
		return w->failed;
	char msg[512];
	if (tdxsim_check_invariants(w->sim, msg, sizeof(msg))) {
		fprintf(stderr, "fuzz_td_guest: setup: %s\n", msg);
		return "invariants after the build";
	}
	if (tdxsim_snapshot_take(w->sim, &w->snap))
		return "tdxsim_snapshot_take";
	w->hash = tdxsim_state_hash(w->sim);
	probe(w);
	if (!w->num_leaves || !w->num_kinds)
		return "probing leaves and guest ops";
	/* Every input starts from the snapshot's state: undo what the probe did. */
	if (tdxsim_snapshot_restore(w->sim, w->snap))
		return "tdxsim_snapshot_restore after the probe";
	return NULL;
}

static struct world *world(unsigned shape)
{
	struct world *w = &worlds[shape];
	if (!w->sim && !w->failed) {
		w->failed = build_world(w, shape);
		if (w->failed) {
			/* A world that cannot be built is a bug in the library or this target. */
			fprintf(stderr, "fuzz_td_guest: setup failed: %s\n", w->failed);
			abort();
		}
		if (getenv("TDXSIM_FUZZ_VERBOSE"))
			fprintf(stderr, "fuzz_td_guest: shape %u: %u leaves, %u guest op kinds\n", shape,
				w->num_leaves, w->num_kinds);
	}
	return w;
}

/* libFuzzer's entry point; libFuzzer has no header that declares it. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_input in = {data, size};
	struct world *w = world(fz_byte(&in) & 3);
	/* The world is in its snapshot's state here: fresh from world(), or restored at the end
	 * of the previous input. Restoring at the end rather than here frees what this input
	 * allocated within this input, so libFuzzer's malloc/free balance does not take every
	 * input for a possible leak and run it a second time. The restore must have brought the
	 * state back (tdxsim/snapshot.h), and its hash is the first call's "before". */
	struct ctx c = {.w = w,
			.sim = w->sim,
			.fault_gpa = IMAGE_GPA + 0x1000,
			.verbose = getenv("TDXSIM_FUZZ_VERBOSE") != NULL};
	if (state_hash(&c) != w->hash)
		fail("the world is not in its snapshot's state (hash, snapshot's)", c.hash, w->hash);
	for (int ops = 0; in.left && ops < MAX_OPS; ops++) {
		uint8_t op = fz_byte(&in);
		if (op < 90)
			op_leaf(&c, &in);
		else if (op < 150)
			op_enter(&c, &in);
		else if (op < 190)
			op_program(&c, &in);
		else if (op < 225)
			op_kvm(&c, &in);
		else
			op_host(&c, &in);
	}
	/* No pointer into RAM outlives an input (the KVM code takes them as it goes). */
	tdxsim_snapshot_forget_pointers(w->sim);
	if (tdxsim_snapshot_restore(w->sim, w->snap))
		fail("restoring the world failed", 0, 0);
	return 0;
}
