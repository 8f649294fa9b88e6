/* SPDX-License-Identifier: MIT */
/* Shared TD check sequences and page bookkeeping (td_common.h; td-build.md 1.2, 1.3). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "guest/guest.h"
#include "mce/mce.h"
#include "seamcall/td_check.h"
#include "seamcall/td_common.h"
#include "seamcall/td_sept.h"

/* Page locks are keyed by the entry: its PA plus its PAMT level (a 1G entry and the 4K entry
 * of the first page of that GiB are different locks). */
static uint64_t page_key(uint64_t pa, unsigned level)
{
	return pa | level;
}

uint64_t tdxsim_td_lock(struct tdxsim_call *c, tdxsim_resource_t res, uint64_t key, uint64_t key2,
			struct tdxsim_lock *lock, tdxsim_lock_mode_t mode, uint64_t opid)
{
	if (!tdxsim_lock_acquire(&c->sim->td.locks, &c->held, res, key, key2, lock, mode))
		return TDXSIM_TDX_OPERAND_BUSY | opid;
	return 0;
}

/* One PAMT entry lock of the walk; contention marks name it as (PA, level). */
static bool lock_entry(struct tdxsim_call *c, uint64_t pa, unsigned level, tdxsim_lock_mode_t mode)
{
	return tdxsim_lock_acquire(&c->sim->td.locks, &c->held, TDXSIM_RES_PAGE, page_key(pa, level), 0, NULL,
				   mode);
}

/* The locks of a PAMT walk of @pa that ended at a leaf of @level: the 1G and 2M entries above it
 * shared; a 4K leaf in @mode; a PT_REG large leaf shared, promoted when the caller wants it
 * exclusive (1.3 row 3). */
static uint64_t lock_walk_path(struct tdxsim_call *c, uint64_t pa, unsigned leaf_level, uint64_t opid,
			       tdxsim_lock_mode_t mode)
{
	for (unsigned level = TDXSIM_PS_1G; level > leaf_level; level--) {
		uint64_t base = tdxsim_align_down(pa, TDXSIM_4K << (9 * level));
		if (!lock_entry(c, base, level, TDXSIM_LOCK_SHARED))
			return TDXSIM_TDX_OPERAND_BUSY | opid;
	}
	uint64_t leaf_base = tdxsim_align_down(pa, TDXSIM_4K << (9 * leaf_level));
	if (leaf_level == TDXSIM_PS_4K)
		return lock_entry(c, leaf_base, TDXSIM_PS_4K, mode) ? 0 : TDXSIM_TDX_OPERAND_BUSY | opid;
	if (!lock_entry(c, leaf_base, leaf_level, TDXSIM_LOCK_SHARED) ||
	    (mode == TDXSIM_LOCK_EXCLUSIVE &&
	     !tdxsim_lock_promote_held(&c->sim->td.locks, &c->held, TDXSIM_RES_PAGE,
				       page_key(leaf_base, leaf_level), 0, NULL)))
		return TDXSIM_TDX_OPERAND_BUSY | opid;
	return 0;
}

uint64_t tdxsim_pamt_lock_walk(struct tdxsim_call *c, uint64_t pa, uint64_t opid, tdxsim_lock_mode_t mode,
			       struct tdxsim_pamt_leaf *leaf)
{
	if (!tdxsim_page_pa_ok(c->sim, pa))
		return TDXSIM_TDX_OPERAND_INVALID | opid;
	if (tdxsim_pamt_walk(c->sim->pamt, pa, leaf) != TDXSIM_PAMT_OK)
		return TDXSIM_TDX_OPERAND_ADDR_RANGE_ERROR | opid;
	return lock_walk_path(c, pa, leaf->level, opid, mode);
}

uint64_t tdxsim_p4k(struct tdxsim_call *c, uint64_t pa, uint64_t opid, uint8_t expected_type,
		    tdxsim_lock_mode_t mode, struct tdxsim_pamt_leaf *leaf)
{
	struct tdxsim_pamt_leaf l;
	uint64_t st = tdxsim_pamt_lock_walk(c, pa, opid, mode, &l);

	if (st)
		return st;
	if (l.level != TDXSIM_PS_4K || l.type != expected_type)
		return TDXSIM_TDX_PAGE_METADATA_INCORRECT | opid;
	if (leaf)
		*leaf = l;
	return 0;
}

uint64_t tdxsim_p4k_tdr(struct tdxsim_call *c, uint64_t pa, uint64_t opid, tdxsim_lock_mode_t mode,
			struct tdxsim_td **td)
{
	/* Every live TD's TDR page is a PT_TDR 4K leaf of the PAMT at a PA that passed these
	 * checks when MNG.CREATE took it (the TD invariants, td_check.h): for a PA the TD table holds, the
	 * walk can only end there, so only its locks are taken, in its order (1G and 2M entries
	 * shared, the page in @mode). Any other PA takes the walk and its statuses. */
	struct tdxsim_td *t = tdxsim_td_find(&c->sim->td, pa);
	if (t) {
		uint64_t st = lock_walk_path(c, pa, TDXSIM_PS_4K, opid, mode);
		if (!st)
			*td = t;
		return st;
	}
	uint64_t st = tdxsim_p4k(c, pa, opid, TDXSIM_PT_TDR, mode, NULL);
	if (st)
		return st;
	*td = tdxsim_td_find(&c->sim->td, pa);
	/* A PT_TDR page always has its struct (the TD invariants, td_check.h); answer as for a wrong type
	 * rather than crash if that invariant were ever broken. */
	return *td ? 0 : TDXSIM_TDX_PAGE_METADATA_INCORRECT | opid;
}

uint64_t tdxsim_p4k_tdvpr(struct tdxsim_call *c, uint64_t pa, uint64_t opid, tdxsim_lock_mode_t mode,
			  struct tdxsim_vcpu **v)
{
	uint64_t st = tdxsim_p4k(c, pa, opid, TDXSIM_PT_TDVPR, mode, NULL);
	if (st)
		return st;
	*v = tdxsim_vcpu_find(&c->sim->td, pa);
	return *v ? 0 : TDXSIM_TDX_PAGE_METADATA_INCORRECT | opid;
}

uint64_t tdxsim_implicit_tdr(struct tdxsim_call *c, struct tdxsim_td *td, tdxsim_lock_mode_t mode)
{
	if (!lock_entry(c, td->tdr_pa, TDXSIM_PS_4K, mode))
		return TDXSIM_TDX_OPERAND_BUSY | TDXSIM_OPERAND_TDR;
	return 0;
}

uint64_t tdxsim_td_state(struct tdxsim_call *c, struct tdxsim_td *td, uint32_t allowed, int lock_mode)
{
	uint64_t st;

	if (td->fatal)
		return TDXSIM_TDX_TD_FATAL;
	if (td->lifecycle != TDXSIM_TD_KEYS_CONFIGURED)
		return TDXSIM_TDX_TD_KEYS_NOT_CONFIGURED;
	if (td->num_tdcx < TDXSIM_MIN_TDCS_PAGES)
		return TDXSIM_TDX_TDCS_NOT_ALLOCATED;
	if (lock_mode && (st = tdxsim_td_lock(c, TDXSIM_RES_OP_STATE, td->tdr_pa, 0, &td->op_state_lock,
					      (tdxsim_lock_mode_t)lock_mode, TDXSIM_OPERAND_OP_STATE)))
		return st;
	if (!(allowed & TDXSIM_OPS(td->tdcs.op_state)))
		return TDXSIM_TDX_OP_STATE_INCORRECT;
	return 0;
}

uint64_t tdxsim_td_fill_page(struct tdxsim_call *c, uint64_t pa, uint32_t keyid, uint64_t pattern)
{
	if (pattern == 0)
		return tdxsim_mce_mark_private(c->sim->integrity, pa, TDXSIM_4K, keyid) == TDXSIM_OK
			       ? 0
			       : TDXSIM_STATUS_NO_MEMORY;
	uint64_t buf[TDXSIM_4K / 8];
	/* Doubling copies, not a store per word: the fuzzing build traces each loop test. */
	buf[0] = pattern;
	for (size_t n = 1; n < TDXSIM_ARRAY_SIZE(buf); n *= 2)
		memcpy(buf + n, buf, n * sizeof(*buf));
	/* A whole-page write covers whole lines: they become owned by @keyid (mce/mce.h). */
	return tdxsim_mce_write(c->sim->integrity, pa, keyid, buf, sizeof(buf)) == TDXSIM_OK
		       ? 0
		       : TDXSIM_STATUS_NO_MEMORY;
}

uint64_t tdxsim_td_take_page(struct tdxsim_call *c, struct tdxsim_td *td, uint64_t pa, unsigned level,
			     uint8_t type)
{
	uint64_t owner = type == TDXSIM_PT_TDR ? 0 : td->tdr_pa;

	if (tdxsim_pamt_assign(c->sim->pamt, pa, level, type, owner) != TDXSIM_PAMT_OK)
		return TDXSIM_STATUS_NO_MEMORY;
	if (type != TDXSIM_PT_TDR)
		td->chldcnt += UINT64_C(1) << (9 * level);
	return 0;
}

void tdxsim_td_drop_page(struct tdxsim_call *c, struct tdxsim_td *td, uint64_t pa, unsigned level)
{
	tdxsim_pamt_release(c->sim->pamt, pa, level);
	if (pa != td->tdr_pa)
		td->chldcnt -= UINT64_C(1) << (9 * level);
}

bool tdxsim_td_lines_readable(struct tdxsim_call *c, uint64_t pa, uint64_t len, uint32_t keyid)
{
	for (uint64_t line = tdxsim_align_down(pa, 64); line < pa + len; line += 64) {
		tdxsim_line_info_t li;
		tdxsim_mce_line_info(c->sim->integrity, line, &li);
		if (li.poisoned || li.owner_keyid != keyid)
			return false;
	}
	return true;
}

/* Invariants tying TDs to the PAMT and the KOT (td/td.h), and their secure EPTs and guests
 * (td_sept.h, guest/guest.h): seamcall/td_check.h. */
static int by_tdr(const void *a, const void *b)
{
	const struct tdxsim_td_owned *x = a, *y = b;
	return x->tdr < y->tdr ? -1 : x->tdr > y->tdr;
}

void tdxsim_td_count_owned(void *user, uint64_t pa, unsigned level, uint8_t type, uint64_t owner)
{
	struct tdxsim_td_check *oc = user;
	if (type == TDXSIM_PT_TDR || type == TDXSIM_PT_RSVD || type == TDXSIM_PT_NDA)
		return;
	struct tdxsim_td_owned key = {.tdr = owner};
	struct tdxsim_td_owned *o = bsearch(&key, oc->td, oc->n, sizeof(key), by_tdr);
	if (!o) {
		/* Every owned child page belongs to a live TDR. */
		if (!oc->bad)
			snprintf(oc->msg, oc->len,
				 "td: page %#" PRIx64 " (type %u) owned by %#" PRIx64 ", which is no TDR", pa,
				 type, owner);
		oc->bad = 1;
		return;
	}
	uint64_t units = UINT64_C(1) << (9 * level);
	o->units += units;
	if (type == TDXSIM_PT_REG)
		o->reg_units += units;
	if (type == TDXSIM_PT_EPT)
		o->ept_pages++;
}

/* Guest programs (guest/guest.h invariants). */
static int check_guests(const struct tdxsim_tds *t, char *msg, size_t len)
{
	for (size_t i = 0; i < t->vcpus.cap; i++) {
		const struct tdxsim_vcpu *v = t->vcpus.slots[i].val;
		char why[160];
		if (!v || !v->guest || !tdxsim_guest_check(v->guest, why, sizeof(why)))
			continue;
		snprintf(msg, len, "vcpu %#" PRIx64 ": guest %s", v->tdvpr_pa, why);
		return -1;
	}
	return 0;
}

static int check_td(const struct tdxsim *sim, const struct tdxsim_td *td, struct tdxsim_td_owned *o,
		    char *msg, size_t len)
{
	const struct tdxsim_tds *t = &sim->td;
	struct tdxsim_pamt_leaf l;
	if (tdxsim_pamt_walk(sim->pamt, td->tdr_pa, &l) != TDXSIM_PAMT_OK || l.type != TDXSIM_PT_TDR ||
	    l.level != TDXSIM_PS_4K) {
		snprintf(msg, len, "td %#" PRIx64 ": TDR page is not PT_TDR in the PAMT", td->tdr_pa);
		return -1;
	}
	if (o->units != td->chldcnt) {
		snprintf(msg, len,
			 "td %#" PRIx64 ": CHLDCNT %" PRIu64 " but the PAMT has %" PRIu64
			 " pages owned by it",
			 td->tdr_pa, td->chldcnt, o->units);
		return -1;
	}
	/* Measured and checked by the uniqueness check's walk; only a refusal is walked again, for
	 * its message. */
	if (o->use.pamt_bad && tdxsim_td_sept_check_pamt(sim, td, &o->use, msg, len))
		return -1;
	if (td->hkid == sim->mod.global_hkid && td->lifecycle != TDXSIM_TD_TEARDOWN) {
		snprintf(msg, len, "td %#" PRIx64 ": has the global KeyID %u", td->tdr_pa, td->hkid);
		return -1;
	}
	uint8_t want = td->lifecycle <= TDXSIM_TD_KEYS_CONFIGURED ? TDXSIM_HKID_ASSIGNED
		       : td->lifecycle == TDXSIM_TD_BLOCKED	  ? TDXSIM_HKID_FLUSHED
								  : 0xFF;
	if (want != 0xFF && sim->hkid.kot[td->hkid] != want) {
		snprintf(msg, len, "td %#" PRIx64 ": lifecycle %u but KOT[%u] = %u", td->tdr_pa,
			 td->lifecycle, td->hkid, sim->hkid.kot[td->hkid]);
		return -1;
	}
	for (size_t j = 0; j < t->tds.cap; j++) {
		const struct tdxsim_td *x = t->tds.slots[j].val;
		if (x && x != td && x->hkid == td->hkid && x->lifecycle != TDXSIM_TD_TEARDOWN &&
		    td->lifecycle != TDXSIM_TD_TEARDOWN) {
			snprintf(msg, len, "td: KeyID %u held by TDs %#" PRIx64 " and %#" PRIx64, td->hkid,
				 td->tdr_pa, x->tdr_pa);
			return -1;
		}
	}
	return 0;
}

int tdxsim_td_check_begin(const struct tdxsim *sim, struct tdxsim_td_check *c, char *msg, size_t len)
{
	const struct tdxsim_tds *t = &sim->td;
	c->td = c->local;
	c->n = 0;
	c->bad = 0;
	c->msg = msg;
	c->len = len;
	/* TDs pages exist only while a module has PAMTs; without TDs, nothing to count. */
	c->counting = t->tds.n || t->vcpus.n;
	if (!c->counting)
		return 0;
	if (t->tds.n > TDXSIM_ARRAY_SIZE(c->local) && !(c->td = calloc(t->tds.n, sizeof(*c->td)))) {
		c->td = c->local;
		snprintf(msg, len, "td: out of host memory while checking the TDs");
		return -1;
	}
	if (c->td == c->local)
		memset(c->local, 0, sizeof(c->local)); /* calloc zeroed the other */
	for (size_t i = 0; i < t->tds.cap; i++)
		if (t->tds.slots[i].val)
			c->td[c->n++].tdr = ((const struct tdxsim_td *)t->tds.slots[i].val)->tdr_pa;
	qsort(c->td, c->n, sizeof(*c->td), by_tdr);
	return 0;
}

/* Where the secure-EPT walk puts a TD's usage: its entry of the counts begin sorted. */
static struct tdxsim_sept_usage *usage_of(void *user, const struct tdxsim_td *td)
{
	struct tdxsim_td_check *c = user;
	struct tdxsim_td_owned key = {.tdr = td->tdr_pa};
	struct tdxsim_td_owned *o = bsearch(&key, c->td, c->n, sizeof(key), by_tdr);
	return o ? &o->use : NULL;
}

int tdxsim_td_check_end(const struct tdxsim *sim, struct tdxsim_td_check *c, uint64_t *hash)
{
	const struct tdxsim_tds *t = &sim->td;
	char *msg = c->msg;
	size_t len = c->len;
	uint64_t h = hash ? *hash : 0;

	if (tdxsim_tds_check(t, hash ? &h : NULL, msg, len) || check_guests(t, msg, len))
		return -1;
	/* The counts came from the PAMT checker's walk (tdxsim_td_count_owned); without TDs or
	 * vCPUs there is nothing to count, and the loops below find no TD. */
	int bad = 0;
	if (c->counting)
		bad = c->bad ? -1 : tdxsim_td_sept_check_unique(sim, t, usage_of, c, msg, len);
	/* Each TD's own pages first, then the counts, so a page given to the wrong TD is named as
	 * such rather than as a count that is off. */
	for (int pass = 0; pass < 2 && !bad; pass++) {
		for (size_t i = 0; i < t->tds.cap && !bad; i++) {
			const struct tdxsim_td *td = t->tds.slots[i].val;
			if (!td)
				continue;
			struct tdxsim_td_owned key = {.tdr = td->tdr_pa};
			struct tdxsim_td_owned *o = bsearch(&key, c->td, c->n, sizeof(key), by_tdr);
			bad = pass == 0 ? check_td(sim, td, o, msg, len)
					: tdxsim_td_sept_check_counts(td, &o->use, o->reg_units, o->ept_pages,
								      msg, len);
		}
	}
	if (!bad && hash)
		*hash = h;
	return bad;
}

void tdxsim_td_check_release(struct tdxsim_td_check *c)
{
	if (c->td != c->local)
		free(c->td);
	c->td = c->local;
}
