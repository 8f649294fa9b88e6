/* SPDX-License-Identifier: MIT */
/*
 * The lock-free lookup view of the RAM regions (mem.h). Every memory access of the host, every
 * tdxsim_phys_to_virt() and the machine-check model turn a PA into a pointer without the
 * simulator's lock, while hot-add and hot-remove change the region list under it. The sorted
 * list shifts when a range lands between others, so lookups read a second table instead,
 * whose slots never move: a region stays in its slot from publish to withdraw.
 *
 * Each slot is a seqlock built from C11 atomics (so ThreadSanitizer checks it): the writer
 * makes @seq odd, rewrites the fields, makes it even again; a reader that saw the same even
 * @seq before and after reading the fields saw one region whole. Readers never write, so
 * reader threads do not bounce a cache line between them.
 */
#include "mem/mem.h"

#include "core/util.h"

/* Publishes @r in @s, or empties @s (@r NULL). */
static void slot_write(struct tdxsim_mem_slot *s, const struct tdxsim_mem_region *r)
{
	uint64_t q = atomic_load_explicit(&s->seq, memory_order_relaxed);
	atomic_store_explicit(&s->seq, q + 1, memory_order_relaxed);
	/* Release stores rather than a release fence (which ThreadSanitizer does not model): a
	 * reader whose acquire load sees any new field also sees the odd @seq stored before it. */
	atomic_store_explicit(&s->base, r ? r->base : 0, memory_order_release);
	atomic_store_explicit(&s->size, r ? r->size : 0, memory_order_release);
	atomic_store_explicit(&s->host, r ? (uintptr_t)r->host : 0, memory_order_release);
	atomic_store_explicit(&s->track, r ? (uintptr_t)r->track : 0, memory_order_release);
	atomic_store_explicit(&s->seq, q + 2, memory_order_release);
}

void tdxsim_mem_publish(struct tdxsim_mem *mem, const struct tdxsim_mem_region *r)
{
	unsigned used = atomic_load_explicit(&mem->slots_used, memory_order_relaxed), i = 0;
	/* The writer is alone (simulator lock): relaxed reads of its own stores are exact. */
	while (i < used && atomic_load_explicit(&mem->slots[i].size, memory_order_relaxed))
		i++;
	slot_write(&mem->slots[i], r);
	if (i == used)
		atomic_store_explicit(&mem->slots_used, used + 1, memory_order_release);
}

void tdxsim_mem_withdraw(struct tdxsim_mem *mem, uint64_t base)
{
	unsigned used = atomic_load_explicit(&mem->slots_used, memory_order_relaxed);
	for (unsigned i = 0; i < used; i++) {
		struct tdxsim_mem_slot *s = &mem->slots[i];
		if (atomic_load_explicit(&s->size, memory_order_relaxed) &&
		    atomic_load_explicit(&s->base, memory_order_relaxed) == base) {
			slot_write(s, NULL);
			return;
		}
	}
}

/* One consistent reading of slot @s, or false if it is changing right now. */
static bool slot_read(const struct tdxsim_mem_slot *s, uint64_t *base, uint64_t *size, uintptr_t *host,
		      uintptr_t *track)
{
	uint64_t q = atomic_load_explicit(&s->seq, memory_order_acquire);
	if (q & 1)
		return false;
	/* Acquire loads (not a fence, as in slot_write): the second read of @seq cannot move
	 * before them, and a field stored after an odd @seq brings that @seq with it. */
	*base = atomic_load_explicit(&s->base, memory_order_acquire);
	*size = atomic_load_explicit(&s->size, memory_order_acquire);
	*host = atomic_load_explicit(&s->host, memory_order_acquire);
	*track = atomic_load_explicit(&s->track, memory_order_acquire);
	return atomic_load_explicit(&s->seq, memory_order_relaxed) == q;
}

static void *lookup(const struct tdxsim_mem *mem, uint64_t pa, uint64_t len, bool expose)
{
	unsigned used = atomic_load_explicit(&mem->slots_used, memory_order_acquire);
	if (!len)
		len = 1;
	for (unsigned i = 0; i < used; i++) {
		uint64_t base, size;
		uintptr_t host, track;
		/* A slot that changes while read holds the region being added or removed: either
		 * answer is right for it, and it cannot be the region of any other PA. */
		if (!slot_read(&mem->slots[i], &base, &size, &host, &track) || pa - base >= size)
			continue;
		if (!tdxsim_range_contains(base, size, pa, len))
			return NULL;
		/* A pointer into RAM leaves here: the bytes behind it may change (mem.h). */
		tdxsim_mem_mark((struct tdxsim_mem_track *)track, size, pa - base, len, expose);
		return (uint8_t *)host + (pa - base);
	}
	return NULL;
}

void *tdxsim_mem_ptr(const struct tdxsim_mem *mem, uint64_t pa, uint64_t len)
{
	return lookup(mem, pa, len, false);
}

void *tdxsim_mem_ptr_exposed(const struct tdxsim_mem *mem, uint64_t pa, uint64_t len)
{
	return lookup(mem, pa, len, true);
}

int tdxsim_mem_pa(const struct tdxsim_mem *mem, const void *p, uint64_t *pa)
{
	unsigned used = atomic_load_explicit(&mem->slots_used, memory_order_acquire);
	uintptr_t a = (uintptr_t)p;
	for (unsigned i = 0; i < used; i++) {
		uint64_t base, size;
		uintptr_t host, track;
		if (slot_read(&mem->slots[i], &base, &size, &host, &track) && a - host < size) {
			*pa = base + (a - host);
			return 0;
		}
	}
	return -1;
}
