/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target (a): sequences of SEAMCALLs with arbitrary registers on arbitrary LPs,
 * mixed with the bring-up macro, fault injections, VMX and LP changes, KeyID-tagged memory
 * accesses and platform events, P-SEAMLDR calls, a whole runtime update and TDH.SYS.DISABLE
 * as Linux drives them, against a small platform of one of four module profiles (1.0
 * included), fresh or brought up.
 *
 * Each platform shape is created and brought up once per process; every input starts from a
 * snapshot of it (tdxsim/snapshot.h), which is what makes a run cost microseconds instead of
 * a create and a bring-up. A bring-up operation that comes first in its input ends where the
 * first such one of the process ended: it is restored from a memo (fuzz_platform.h).
 *
 * After every operation it checks what must hold whatever the input:
 *  - tdxsim_check_invariants(): no page owned twice, PAMT counters and entries consistent,
 *    module and per-LP bookkeeping consistent;
 *  - what TDH.PHYMEM.PAGE.RDMD reports equals the PAMT the library keeps (tdxsim_pamt_query);
 *  - the module state only moves along the state machine (sheet 7.1), only on a successful
 *    call of the leaf that moves it, and never on an error status;
 *  - a failed SEAMCALL changes nothing (the state hash before and after), except where
 *    the module itself changes state on that failure: src/seamcall/failure_effects.h, the one
 *    list of those, shared with the tests.
 * A broken rule aborts, which libFuzzer reports with the input that did it.
 *
 * Input: the first byte shapes the platform; then operations of an opcode byte and operand
 * bytes. Register values come from a dictionary of addresses the host built (TDMR bases, the
 * TDMR_INFO array, PAMTs...) or raw input bytes, so that short inputs reach deep states.
 * Trust domains: every brought-up platform has a pool of free pages inside its TDMRs; register
 * values name those pages, the TDRs and TDVPRs that calls created, and private GPAs, and one
 * operation builds a whole TD (create, keys, TDCS, MNG.INIT, a vCPU) through the same oracles,
 * so random TD leaves act on live TDs most of the time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host_lifecycle.h"
#include "fuzz_platform.h"
#include "fuzz_td.h"
#include "host_tdx.h"
#include "seamcall/failure_effects.h"
#include "tdxsim/memory.h"
#include "tdxsim/platform.h"
#include "tdxsim/td.h"
#include "tdxsim/seamldr.h"
#include "tdxsim/snapshot.h"
#include "tdxsim/tdxsim.h"

struct ctx {
	tdxsim_t *sim;
	/* The host's view (the bring-up's result) and the Linux-style lifecycle host (update,
	 * DISABLE): the platform's own, read-only, until an operation changes them; host_mut()
	 * and lc_mut() then copy them once into this input's (some 20 KiB each: most inputs
	 * never change them, and copying them for every input cost 2% of the fuzzer's time). */
	const struct host_tdx *host;
	const struct lc_host *lc;
	uint64_t blob, blob_len; /* the last module image placed, 0 if none */
	bool host_built;
	unsigned bringup_done;
	bool rdmd_injected; /* an injected status may stand in for a real RDMD answer */
	uint32_t lps;
	/* TDs: free pages in TDMRs (allocated before the snapshot), and what calls created. */
	const uint64_t *pool;
	unsigned pool_len;
	uint64_t tdr[8], tdvpr[8];
	unsigned num_tdr, num_tdvpr;
	/* The state hash the last check() computed with the invariants, while nothing has run
	 * since: the next call() starts from exactly that state, so it reuses the value instead
	 * of hashing the same state again. Anything else that runs clears @hash_known. */
	bool hash_known;
	uint64_t hash;
	/* Nothing has run since the input started: the simulator is exactly in its platform's
	 * snapshot state, so the bring-up operation may come from the memo (fuzz_platform.h). */
	bool pristine;
	struct fz_bringup_memo *memo;
};

/* This input's own copies (one input runs at a time). */
static struct host_tdx own_host;
static struct lc_host own_lc;

static struct host_tdx *host_mut(struct ctx *c)
{
	if (c->host != &own_host) {
		own_host = *c->host;
		c->host = &own_host;
	}
	return &own_host;
}

static struct lc_host *lc_mut(struct ctx *c)
{
	if (c->lc != &own_lc) {
		own_lc = *c->lc;
		c->lc = &own_lc;
	}
	return &own_lc;
}

/* A TD-shaped value: a pool page, a live TDR or TDVPR, or a private GPA with a level. */
static uint64_t td_value(struct ctx *c, struct fz_input *in, uint64_t small)
{
	uint8_t b = fz_byte(in);
	switch (small & 3) {
	case 0:
		return c->pool_len ? c->pool[b % c->pool_len] : (uint64_t)b << 12;
	case 1:
		return c->num_tdr ? c->tdr[b % c->num_tdr] : (uint64_t)b << 12;
	case 2:
		return c->num_tdvpr ? c->tdvpr[b % c->num_tdvpr] : (uint64_t)b << 12;
	default:
		return (UINT64_C(0xFF800000) + ((uint64_t)b << 12)) | (small >> 2);
	}
}

/* A register value: mostly something meaningful to the module, sometimes anything at all. */
static uint64_t value(struct ctx *c, struct fz_input *in)
{
	uint8_t sel = fz_byte(in);
	const struct host_tdx *h = c->host;
	unsigned t = h->num_tdmrs ? fz_byte(in) % h->num_tdmrs : 0;
	uint64_t small = sel >> 4;
	switch (sel & 15) {
	case 0:
		return small;
	case 1:
		return fz_raw64(in);
	case 2:
		return c->host_built ? h->tdmrs[t].base + (small << 22) : small << 30;
	case 3:
		return c->host_built ? h->pa_array_pa : 0;
	case 4:
		return c->host_built ? h->tdmr_array_pa + t * 1024 : 0;
	case 5:
		return c->host_built ? h->tdmrs[t].pamt_base + (small << 12) : 0;
	case 6:
		return h->global_keyid + small;
	case 7:
		return h->num_tdmrs + small - 8;
	case 8:
		return TDXSIM_MD_MAX_TDMRS + small; /* field ids near real ones */
	case 9:
		return (uint64_t)fz_byte(in) << 56 | (uint64_t)(fz_byte(in) & 3) << 32 | fz_byte(in);
	case 10:
		return (uint64_t)small << tdxsim_keyid_shift(c->sim);
	case 11:
		return UINT64_MAX - small;
	case 12:
		return c->blob && (small & 1) ? c->blob + (small >> 1) * 4096 : (uint64_t)fz_byte(in) << 12;
	case 13:
		return (uint64_t)(fz_byte(in) & 31) << 30 | (uint64_t)fz_byte(in) << 12;
	case 14:
		return td_value(c, in, small);
	default:
		return (uint64_t)fz_byte(in) << (fz_byte(in) & 63);
	}
}

static void fail(const char *what, uint64_t a, uint64_t b)
{
	fprintf(stderr, "fuzz_seamcall: %s (0x%llx, 0x%llx)\n", what, (unsigned long long)a,
		(unsigned long long)b);
	abort();
}

/* Whether the module may go from @from to @to on a successful call of @leaf (sheet 7.1). */
static bool legal(uint64_t rax, tdxsim_module_state_t from, tdxsim_module_state_t to)
{
	if (rax & TDXSIM_SEAMLDR_BIT)
		return true; /* the P-SEAMLDR installs modules (seamldr.h): any state may follow */
	switch (rax & TDXSIM_LEAF_MASK) {
	case TDXSIM_TDH_SYS_INIT:
		return from == TDXSIM_SYSINIT_PENDING && to == TDXSIM_SYSINIT_DONE;
	case TDXSIM_TDH_SYS_CONFIG:
		return from == TDXSIM_SYSINIT_DONE && to == TDXSIM_SYSCONFIG_DONE;
	case TDXSIM_TDH_SYS_KEY_CONFIG:
		return from == TDXSIM_SYSCONFIG_DONE && to == TDXSIM_SYS_READY;
	case TDXSIM_TDH_SYS_UPDATE:
		return from == TDXSIM_SYSINIT_DONE && to == TDXSIM_SYS_READY;
	case TDXSIM_TDH_SYS_SHUTDOWN:
		return to == TDXSIM_SYS_SHUTDOWN;
	case TDXSIM_TDH_SYS_DISABLE:
		return true; /* no module source defines its end state (sheet 2.2) */
	}
	return false;
}

/* The invariants after an operation; the same walk leaves the state hash in @c, for the next
 * call()'s "before" (tdxsim_check_invariants_hash). */
static void check(struct ctx *c, const char *after)
{
	char msg[256];
	if (tdxsim_check_invariants_hash(c->sim, &c->hash, msg, sizeof(msg))) {
		fprintf(stderr, "fuzz_seamcall: invariant broken after %s: %s\n", after, msg);
		abort();
	}
	c->hash_known = true;
	tdxsim_module_state_t st = tdxsim_module_state(c->sim);
	if (st > TDXSIM_SYS_SHUTDOWN && st != TDXSIM_MODULE_GONE)
		fail("module state out of range", st, 0);
}

static void call(struct ctx *c, uint32_t lp, uint64_t rax, tdxsim_regs_t *regs);

static void op_seamcall(struct ctx *c, struct fz_input *in)
{
	uint32_t lp = fz_byte(in) % c->lps;
	uint8_t l = fz_byte(in);
	/* Mostly real leaves (0..96), with a version now and then, rarely reserved RAX bits. */
	uint64_t rax = l & 0x7F;
	if (l & 0x80)
		rax |= (uint64_t)(fz_byte(in) & 3) << TDXSIM_VERSION_SHIFT;
	if (rax == 0x7F)
		rax = fz_raw64(in);
	tdxsim_regs_t r = {0};
	uint8_t which = fz_byte(in); /* which of rcx, rdx, r8, r9 get a value */
	uint64_t *regs[4] = {&r.rcx, &r.rdx, &r.r8, &r.r9};
	for (int i = 0; i < 4; i++)
		if (which & (1u << i))
			*regs[i] = value(c, in);
	call(c, lp, rax, &r);
}

/* A P-SEAMLDR call: INFO, INSTALL or the leaves it does not emulate, registers as above. */
static void op_seamldr(struct ctx *c, struct fz_input *in)
{
	uint32_t lp = fz_byte(in) % c->lps;
	uint64_t rax = TDXSIM_SEAMLDR_BIT | fz_byte(in) % 6;
	tdxsim_regs_t r = {.rcx = value(c, in), .rdx = value(c, in)};
	call(c, lp, rax, &r);
}

/* What every SEAMCALL of the target goes through: the call and its oracles. */
static void call(struct ctx *c, uint32_t lp, uint64_t rax, tdxsim_regs_t *regs)
{
	tdxsim_regs_t r = *regs;
	tdxsim_module_state_t before = tdxsim_module_state(c->sim);
	uint64_t hash = c->hash_known ? c->hash : tdxsim_state_hash(c->sim);
	c->hash_known = false;
	uint64_t in_rcx = r.rcx;
	uint64_t status = tdxsim_seamcall(c->sim, lp, rax, &r);
	/* Learn the TDs and vCPUs that calls created, so later values can name them. */
	if (status == TDXSIM_TDX_SUCCESS && !(rax & TDXSIM_SEAMLDR_BIT)) {
		uint64_t leaf = rax & TDXSIM_LEAF_MASK;
		if (leaf == TDXSIM_TDH_MNG_CREATE && c->num_tdr < 8)
			c->tdr[c->num_tdr++] = in_rcx;
		if (leaf == TDXSIM_TDH_VP_CREATE && c->num_tdvpr < 8)
			c->tdvpr[c->num_tdvpr++] = in_rcx;
	}
	tdxsim_module_state_t after = tdxsim_module_state(c->sim);
	/* A failed call moves the module state only where failure_effects.h says the module keeps
	 * a change (a failing P-SEAMLDR INSTALL can block or lose the module). */
	bool kept = (status & TDXSIM_STATUS_ERROR_BIT) && tdxsim_failure_effect_of(rax, status);
	if (before != after && (((status & TDXSIM_STATUS_ERROR_BIT) && !kept) || !legal(rax, before, after)))
		fail("illegal module state change by a SEAMCALL (rax, status)", rax, status);
	check(c, "a SEAMCALL");
	if ((status & TDXSIM_STATUS_ERROR_BIT) && !tdxsim_failure_effect_of(rax, status) && c->hash != hash)
		fail("a failed SEAMCALL changed state (rax, status)", rax, status);
	if (rax == TDXSIM_TDH_PHYMEM_PAGE_RDMD && status == TDXSIM_TDX_SUCCESS && !c->rdmd_injected) {
		tdxsim_pamt_info_t info;
		if (tdxsim_pamt_query(c->sim, in_rcx, &info))
			fail("RDMD succeeded on an address the PAMT does not cover", in_rcx, 0);
		if (info.page_type != r.rcx || info.owner != r.rdx || info.level != r.r8)
			fail("RDMD and the PAMT disagree (type)", r.rcx, info.page_type);
	}
}

/* A TD build's steps: one after the other with nothing in between, so a failed step's hash
 * is the next one's "before" (a build step fails whenever its TD did not come about), except
 * after the build writes TD_PARAMS. */
static uint64_t td_call(void *ctx, uint32_t lp, uint64_t rax, tdxsim_regs_t *regs)
{
	call(ctx, lp, rax, regs);
	return 0;
}

static void td_host_wrote(void *ctx)
{
	((struct ctx *)ctx)->hash_known = false;
}

/* A whole TD as KVM builds it (fuzz_td.h), each step through call() and its oracles; a
 * refusal (a busy KeyID, a pool page already used...) is as interesting as success. */
static void op_td(struct ctx *c, struct fz_input *in)
{
	if (c->pool_len < 16)
		return;
	struct fz_td_env e = {.sim = c->sim,
			      .lps = c->lps,
			      .keyid_first = c->lc->keyid_first,
			      .nr_keyids = c->lc->nr_keyids,
			      .pool = c->pool,
			      .pool_len = c->pool_len,
			      .call = td_call,
			      .ctx = c,
			      .host_wrote = td_host_wrote};
	uint64_t tdr = fz_td_create(&e, in, 0);
	if (tdr)
		fz_vcpu_create(&e, in, tdr, NULL);
}

static void op_bringup(struct ctx *c, struct fz_input *in)
{
	/* Once per input: the whole bring-up is by far the dearest op, and inputs that need a
	 * platform brought up start from one (shape bit 5). From the input's start state it is
	 * the same every time: the memo replays it once per process under the oracles below and
	 * restores its end state after that (fuzz_platform.h). */
	if (c->bringup_done++)
		return;
	struct host_tdx_opts o = {.stop = (enum host_tdx_stop)(fz_byte(in) % FZ_BRINGUP_STOPS),
				  .key_config_max_tries = 1 + fz_byte(in) % FZ_BRINGUP_TRIES};
	bool restored;
	uint64_t kept;
	fz_bringup(c->sim, c->memo, c->pristine, &o, host_mut(c), &restored, &kept);
	c->host_built = c->host->tdmr_array_pa != 0;
	check(c, "the bring-up");
	/* The restore must have brought the kept state back. */
	if (restored && c->hash != kept)
		fail("a bring-up from the memo is not the kept state (hash, kept)", c->hash, kept);
}

static void op_platform(struct ctx *c, struct fz_input *in)
{
	uint8_t k = fz_byte(in);
	uint32_t lp = fz_byte(in) % c->lps;
	tdxsim_module_state_t before = tdxsim_module_state(c->sim);
	switch (k % 10) {
	case 0:
		tdxsim_vmxon(c->sim, lp);
		break;
	case 1:
		tdxsim_vmxoff(c->sim, lp);
		break;
	case 2:
		tdxsim_lp_offline(c->sim, lp);
		break;
	case 3:
		tdxsim_lp_online(c->sim, lp);
		break;
	case 4: {
		uint16_t leaf = fz_byte(in) & 0x7F;
		c->rdmd_injected |= leaf == TDXSIM_TDH_PHYMEM_PAGE_RDMD;
		tdxsim_inject_status(c->sim, leaf, fz_byte(in) & 1 ? TDXSIM_ANY_LP : lp, 1 + fz_byte(in) % 4,
				     value(c, in));
		break;
	}
	case 5:
		tdxsim_clear_injections(c->sim);
		c->rdmd_injected = false;
		break;
	case 6: {
		tdxsim_range_t r = {(uint64_t)(8 + fz_byte(in) % 8) << 30,
				    (uint64_t)(1 + fz_byte(in) % 4) << 28, 0};
		if (k & 0x10)
			tdxsim_mem_hot_remove(c->sim, r.base, r.size);
		else
			tdxsim_mem_hot_add(c->sim, &r);
		break;
	}
	case 7:
		if (k & 0x10)
			tdxsim_sleep_resume(c->sim);
		else if (fz_byte(in) == 0x5A) /* rare: it ends TDX for the rest of the input */
			tdxsim_sleep_enter(c->sim);
		break;
	default: {
		/* A KeyID-tagged access: 0, a private KeyID or anything. */
		uint8_t kk = fz_byte(in);
		uint64_t keyid = kk & 1 ? c->host->keyid_first + (kk >> 1) % 4 : kk & 2 ? kk >> 2 : 0;
		uint64_t pa = (value(c, in) & ~UINT64_C(63)) | keyid << tdxsim_keyid_shift(c->sim);
		uint8_t buf[128] = {0};
		size_t len = 1 + fz_byte(in) % 128;
		switch (kk % 5) {
		case 0:
			tdxsim_mem_read(c->sim, lp, pa, buf, len);
			break;
		case 1:
			tdxsim_mem_write(c->sim, lp, pa, buf, len);
			break;
		case 2:
			tdxsim_movdir64b(c->sim, lp, pa, buf);
			break;
		case 3:
			tdxsim_clflush(c->sim, lp, pa);
			break;
		default:
			tdxsim_wbinvd(c->sim, lp);
			break;
		}
	}
	}
	tdxsim_module_state_t after = tdxsim_module_state(c->sim);
	if (before != after && after != TDXSIM_MODULE_GONE)
		fail("a platform event changed the module state", before, after);
	check(c, "a platform event");
}

/* Pokes a field of a TDMR_INFO the host wrote, to push TDH.SYS.CONFIG through its rules. */
static void op_poke(struct ctx *c, struct fz_input *in)
{
	if (!c->host_built)
		return;
	unsigned t = fz_byte(in) % c->host->num_tdmrs, off = (fz_byte(in) % 40) * 8;
	uint64_t v = value(c, in);
	tdxsim_mem_write(c->sim, 0, c->host->tdmr_array_pa + t * 1024 + off, &v, sizeof(v));
}

/* The lifecycle as Linux drives it (examples/host-lifecycle): place a module image (any
 * profile, handoff versions and SVN nudged by the input), a whole runtime update with the last
 * image, TDH.SYS.DISABLE at shutdown, CPU offline/online callbacks. */
static void op_lifecycle(struct ctx *c, struct fz_input *in)
{
	uint8_t k = fz_byte(in);
	switch (k % 5) {
	case 0: {
		tdxsim_blob_opts_t o;
		tdxsim_blob_opts_init(&o, (tdxsim_module_profile_t)(fz_byte(in) % 4));
		uint8_t nudge = fz_byte(in);
		o.seam_svn += (uint16_t)(nudge & 3) - 1;
		o.module_hv += (uint16_t)(nudge >> 2 & 1);
		o.min_update_hv += (uint16_t)(nudge >> 3 & 1);
		o.num_module_pages = 1 + (nudge >> 4 & 3);
		if (tdxsim_blob_place(c->sim, &o, &c->blob, &c->blob_len) != TDXSIM_OK)
			c->blob = c->blob_len = 0;
		break;
	}
	case 1:
		if (c->blob) {
			/* lc_update() offers the update only where Linux would; force the offer now
			 * and then, as a host that skipped the checks. */
			if (k & 0x10)
				lc_mut(c)->features0 |= TDXSIM_FEATURES0_TD_PRESERVING;
			lc_update(lc_mut(c), c->blob, c->blob_len, NULL);
		}
		break;
	case 2:
		lc_shutdown(lc_mut(c), NULL);
		break;
	case 3:
		lc_cpu_offline(lc_mut(c), fz_byte(in) % c->lps);
		break;
	default:
		lc_cpu_online(lc_mut(c), fz_byte(in) % c->lps);
		break;
	}
	check(c, "a lifecycle step");
}

/* Platforms (fuzz_platform.h), each created and prepared once per process, restored per input. */
struct platform {
	tdxsim_t *sim;
	tdxsim_snapshot_t *snap;
	struct lc_host lc;	      /* the host's view at the snapshot */
	uint64_t pool[FZ_POOL_PAGES]; /* free pages for TDs, allocated before the snapshot */
	unsigned pool_len;
	struct fz_bringup_memo memo; /* bring-ups from the snapshot's state */
	uint64_t hash;		     /* tdxsim_state_hash() of the snapshot */
	bool failed;
};
static struct platform platforms[FZ_NUM_SHAPES];

static struct platform *platform(uint8_t shape)
{
	struct platform *p = &platforms[shape % FZ_NUM_SHAPES];
	if (p->sim || p->failed)
		return p->failed ? NULL : p;
	tdxsim_config_t cfg;
	fz_shape_config(shape, &cfg);
	p->failed = true;
	if (tdxsim_create(&cfg, &p->sim))
		return NULL;
	fz_shape_prepare(p->sim, shape, &p->lc, p->pool, &p->pool_len);
	if (tdxsim_snapshot_take(p->sim, &p->snap)) {
		tdxsim_destroy(p->sim);
		p->sim = NULL;
		return NULL;
	}
	p->hash = tdxsim_state_hash(p->sim);
	p->failed = false;
	return p;
}

/* libFuzzer's entry point; libFuzzer has no header that declares it. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_input in = {data, size};
	struct ctx c = {0};
	/* The live simulator is always in its snapshot's state here: fresh from platform(), or
	 * restored at the end of the previous input. Restoring at the end rather than here frees
	 * what this input allocated within this input, so libFuzzer's malloc/free balance does
	 * not take every input for a possible leak and run it a second time. */
	struct platform *p = platform(fz_byte(&in));
	if (!p)
		return 0;
	c.sim = p->sim;
	c.lc = &p->lc;
	c.host = &p->lc.tdx;
	c.host_built = c.host->tdmr_array_pa != 0;
	c.lps = tdxsim_num_lps(c.sim);
	c.pool = p->pool;
	c.pool_len = p->pool_len;
	c.memo = &p->memo;
	/* The restore must have brought the snapshot's state back (tdxsim/snapshot.h); its hash
	 * is the first call's "before". */
	check(&c, "the restored snapshot");
	if (c.hash != p->hash)
		fail("the platform is not in its snapshot's state (hash, snapshot's)", c.hash, p->hash);
	c.pristine = true;
	for (int ops = 0; in.left && ops < 96; ops++) {
		uint8_t op = fz_byte(&in);
		if (op >= 140)
			c.hash_known = false; /* only call() after call() reuses the hash */
		if (op < 130)
			op_seamcall(&c, &in);
		else if (op < 140)
			op_seamldr(&c, &in);
		else if (op < 144)
			op_bringup(&c, &in); /* rare: most inputs start brought up (shape bit 5) */
		else if (op < 156)
			op_lifecycle(&c, &in);
		else if (op < 172)
			op_poke(&c, &in);
		else if (op < 176)
			op_td(&c, &in); /* a whole TD build: dear, so rare */
		else
			op_platform(&c, &in);
		c.pristine = false; /* whatever ran may have changed the simulator */
	}
	if (getenv("TDXSIM_FUZZ_VERBOSE")) {
		tdxsim_pamt_stats_t st;
		tdxsim_pamt_stats(c.sim, &st);
		fprintf(stderr,
			"final state %d, %u TDMR(s), %llu bytes initialized, %u TD(s), %u vCPU(s) made\n",
			tdxsim_module_state(c.sim), st.num_tdmrs, (unsigned long long)st.initialized_bytes,
			tdxsim_td_count(c.sim), c.num_tdvpr);
	}
	/* No pointer into RAM outlives an input (the host code takes them as it goes): the restore
	 * need not go over every page an input ever got one to (tdxsim/snapshot.h). */
	tdxsim_snapshot_forget_pointers(p->sim);
	if (tdxsim_snapshot_restore(p->sim, p->snap)) {
		fprintf(stderr, "fuzz_seamcall: restoring the platform failed\n");
		abort();
	}
	return 0;
}
