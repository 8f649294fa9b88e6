/* SPDX-License-Identifier: MIT */
/* Try-locks, the page-lock table and contention marks (lock.h). */
#include <string.h>

#include "lock/lock.h"

bool tdxsim_lock_try(struct tdxsim_lock *l, tdxsim_lock_mode_t mode)
{
	uint32_t old = atomic_load_explicit(&l->word, memory_order_relaxed);
	if (mode == TDXSIM_LOCK_EXCLUSIVE) {
		old = 0;
		return atomic_compare_exchange_strong_explicit(&l->word, &old, TDXSIM_LOCK_EX_BIT,
							       memory_order_acquire, memory_order_relaxed);
	}
	do {
		if (old & TDXSIM_LOCK_EX_BIT)
			return false;
	} while (!atomic_compare_exchange_weak_explicit(&l->word, &old, old + 1, memory_order_acquire,
							memory_order_relaxed));
	return true;
}

void tdxsim_lock_release(struct tdxsim_lock *l, tdxsim_lock_mode_t mode)
{
	if (mode == TDXSIM_LOCK_EXCLUSIVE)
		atomic_store_explicit(&l->word, 0, memory_order_release);
	else
		atomic_fetch_sub_explicit(&l->word, 1, memory_order_release);
}

bool tdxsim_lock_promote(struct tdxsim_lock *l)
{
	uint32_t one = 1;
	return atomic_compare_exchange_strong_explicit(&l->word, &one, TDXSIM_LOCK_EX_BIT,
						       memory_order_acquire, memory_order_relaxed);
}

/* Whether a contention mark answers this attempt: consumes one attempt of the mark. */
static bool contended(struct tdxsim_locks *ls, tdxsim_resource_t res, uint64_t key, uint64_t key2,
		      tdxsim_lock_mode_t want)
{
	for (unsigned i = 0; i < ls->num_contended; i++) {
		struct tdxsim_contention *c = &ls->contended[i];
		if (c->res != res || c->key != key || c->key2 != key2)
			continue;
		bool busy = want == TDXSIM_LOCK_EXCLUSIVE || c->mode == TDXSIM_LOCK_EXCLUSIVE;
		if (--c->remaining == 0) {
			memmove(c, c + 1, (ls->num_contended - i - 1) * sizeof(*c));
			ls->num_contended--;
		}
		return busy;
	}
	return false;
}

/* Whether a pin conflicts with an attempt in @want (pins stay until unpinned). */
static bool pinned(const struct tdxsim_locks *ls, tdxsim_resource_t res, uint64_t key, uint64_t key2,
		   tdxsim_lock_mode_t want)
{
	for (unsigned i = 0; i < ls->num_pinned; i++) {
		const struct tdxsim_pin *p = &ls->pinned[i];
		if (p->res == res && p->key == key && p->key2 == key2 &&
		    (want == TDXSIM_LOCK_EXCLUSIVE || p->mode == TDXSIM_LOCK_EXCLUSIVE))
			return true;
	}
	return false;
}

/*
 * Takes page lock @key in @mode: linear probing from the key's hash, stopping at the first free
 * slot, which is claimed and locked by one compare-and-swap from 0; a slot with the key is
 * joined (shared) by one compare-and-swap. A slot goes back to 0 in its last holder's release.
 * Since every call releases its whole set before the next call starts, no key ever sits
 * behind a free slot of its own chain. LPs running in parallel will need tombstones here
 * (lock.h). Returns the slot, or NULL when the lock is busy or the table full.
 */
static struct tdxsim_page_lock_slot *page_take(struct tdxsim_locks *ls, uint64_t key, tdxsim_lock_mode_t mode)
{
	uint64_t k = key & TDXSIM_PAGE_LOCK_KEY_MASK;
	uint64_t mine = k | (mode == TDXSIM_LOCK_EXCLUSIVE ? TDXSIM_PAGE_LOCK_EX : TDXSIM_PAGE_LOCK_ONE);
	unsigned start = (unsigned)((k >> 12) * UINT64_C(0x9E3779B97F4A7C15) >> 56) % TDXSIM_PAGE_LOCK_SLOTS;

	for (unsigned i = 0; i < TDXSIM_PAGE_LOCK_SLOTS; i++) {
		struct tdxsim_page_lock_slot *s = &ls->pages[(start + i) % TDXSIM_PAGE_LOCK_SLOTS];
		uint64_t w = atomic_load_explicit(&s->w, memory_order_relaxed);
		for (;;) {
			if (w == 0) {
				if (atomic_compare_exchange_weak_explicit(
					    &s->w, &w, mine, memory_order_acquire, memory_order_relaxed))
					return s;
				continue; /* w reloaded: claimed meanwhile (or a spurious failure) */
			}
			if ((w & TDXSIM_PAGE_LOCK_KEY_MASK) != k)
				break; /* another page's slot: probe on */
			if (mode == TDXSIM_LOCK_EXCLUSIVE || (w & TDXSIM_PAGE_LOCK_EX) ||
			    (w & TDXSIM_PAGE_LOCK_SHARED_MASK) == TDXSIM_PAGE_LOCK_SHARED_MASK)
				return NULL;
			if (atomic_compare_exchange_weak_explicit(&s->w, &w, w + TDXSIM_PAGE_LOCK_ONE,
								  memory_order_acquire, memory_order_relaxed))
				return s;
		}
	}
	return NULL; /* more pages held than the module has LPs to hold them */
}

/* Drops one holder of a page lock; the last one frees the slot in the same step. */
static void page_release(struct tdxsim_page_lock_slot *s, tdxsim_lock_mode_t mode)
{
	if (mode == TDXSIM_LOCK_EXCLUSIVE) {
		atomic_store_explicit(&s->w, 0, memory_order_release); /* sole holder */
		return;
	}
	uint64_t w = atomic_load_explicit(&s->w, memory_order_relaxed), next;
	do
		next = (w & TDXSIM_PAGE_LOCK_SHARED_MASK) == TDXSIM_PAGE_LOCK_ONE ? 0
										  : w - TDXSIM_PAGE_LOCK_ONE;
	while (!atomic_compare_exchange_weak_explicit(&s->w, &w, next, memory_order_release,
						      memory_order_relaxed));
}

uint64_t tdxsim_page_lock_peek(struct tdxsim_locks *ls, uint64_t key)
{
	for (unsigned i = 0; i < TDXSIM_PAGE_LOCK_SLOTS; i++) {
		uint64_t w = atomic_load_explicit(&ls->pages[i].w, memory_order_acquire);
		if (w && (w & TDXSIM_PAGE_LOCK_KEY_MASK) == (key & TDXSIM_PAGE_LOCK_KEY_MASK))
			return w & ~TDXSIM_PAGE_LOCK_KEY_MASK;
	}
	return 0;
}

bool tdxsim_lock_acquire(struct tdxsim_locks *ls, struct tdxsim_held *held, tdxsim_resource_t res,
			 uint64_t key, uint64_t key2, struct tdxsim_lock *lock, tdxsim_lock_mode_t mode)
{
	struct tdxsim_page_lock_slot *slot = NULL;

	if (held->n == TDXSIM_MAX_HELD)
		return false;
	if (ls->num_contended && contended(ls, res, key, key2, mode))
		return false;
	if (ls->num_pinned && pinned(ls, res, key, key2, mode))
		return false;
	if (res == TDXSIM_RES_PAGE) {
		if (!(slot = page_take(ls, key, mode)))
			return false;
		lock = NULL;
	} else if (!tdxsim_lock_try(lock, mode)) {
		return false;
	}
	held->e[held->n].lock = lock;
	held->e[held->n].slot = slot;
	held->e[held->n].mode = mode;
	held->n++;
	return true;
}

bool tdxsim_lock_promote_held(struct tdxsim_locks *ls, struct tdxsim_held *held, tdxsim_resource_t res,
			      uint64_t key, uint64_t key2, struct tdxsim_lock *lock)
{
	uint64_t k = key & TDXSIM_PAGE_LOCK_KEY_MASK;

	if (contended(ls, res, key, key2, TDXSIM_LOCK_EXCLUSIVE))
		return false;
	if (ls->num_pinned && pinned(ls, res, key, key2, TDXSIM_LOCK_EXCLUSIVE))
		return false;
	for (unsigned i = held->n; i-- > 0;) {
		struct tdxsim_page_lock_slot *s = held->e[i].slot;
		bool match = lock ? held->e[i].lock == lock
				  : s && (atomic_load_explicit(&s->w, memory_order_relaxed) &
					  TDXSIM_PAGE_LOCK_KEY_MASK) == k;
		if (!match || held->e[i].mode != TDXSIM_LOCK_SHARED)
			continue;
		if (s) {
			uint64_t one = k | TDXSIM_PAGE_LOCK_ONE;
			if (!atomic_compare_exchange_strong_explicit(&s->w, &one, k | TDXSIM_PAGE_LOCK_EX,
								     memory_order_acquire,
								     memory_order_relaxed))
				return false;
		} else if (!tdxsim_lock_promote(held->e[i].lock)) {
			return false;
		}
		held->e[i].mode = TDXSIM_LOCK_EXCLUSIVE;
		return true;
	}
	return false;
}

void tdxsim_lock_release_all(struct tdxsim_held *held)
{
	while (held->n) {
		held->n--;
		if (held->e[held->n].slot)
			page_release(held->e[held->n].slot, held->e[held->n].mode);
		else
			tdxsim_lock_release(held->e[held->n].lock, held->e[held->n].mode);
	}
}

tdxsim_err_t tdxsim_locks_contend(struct tdxsim_locks *ls, tdxsim_resource_t res, uint64_t key, uint64_t key2,
				  tdxsim_lock_mode_t mode, uint32_t count)
{
	if (res < TDXSIM_RES_PAGE || res > TDXSIM_RES_TD_EPOCH || count == 0 ||
	    (mode != TDXSIM_LOCK_SHARED && mode != TDXSIM_LOCK_EXCLUSIVE))
		return TDXSIM_ERR_INVALID_ARG;
	if (ls->num_contended == sizeof(ls->contended) / sizeof(ls->contended[0]))
		return TDXSIM_ERR_NO_MEMORY;
	ls->contended[ls->num_contended++] = (struct tdxsim_contention){
		.res = res, .key = key, .key2 = key2, .mode = mode, .remaining = count};
	return TDXSIM_OK;
}

void tdxsim_locks_clear_contention(struct tdxsim_locks *ls)
{
	ls->num_contended = 0;
}

bool tdxsim_lock_acquire_unheld(struct tdxsim_locks *ls, tdxsim_resource_t res, uint64_t key, uint64_t key2,
				struct tdxsim_lock *lock, tdxsim_lock_mode_t mode)
{
	if (res == TDXSIM_RES_PAGE || contended(ls, res, key, key2, mode))
		return false;
	return tdxsim_lock_try(lock, mode);
}

bool tdxsim_locks_pin(struct tdxsim_locks *ls, struct tdxsim_pin pin)
{
	if (ls->num_pinned == TDXSIM_MAX_PINS)
		return false;
	ls->pinned[ls->num_pinned++] = pin;
	return true;
}

bool tdxsim_locks_unpin(struct tdxsim_locks *ls, struct tdxsim_pin pin)
{
	for (unsigned i = 0; i < ls->num_pinned; i++) {
		struct tdxsim_pin *p = &ls->pinned[i];
		if (p->res != pin.res || p->key != pin.key || p->key2 != pin.key2 || p->mode != pin.mode)
			continue;
		memmove(p, p + 1, (ls->num_pinned - i - 1) * sizeof(*p));
		ls->num_pinned--;
		return true;
	}
	return false;
}
