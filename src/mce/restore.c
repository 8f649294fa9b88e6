/* SPDX-License-Identifier: MIT */
/*
 * A snapshot's integrity model put back into the live one in place (mce.h), for
 * sim/snapshot.c: the live object, its lock and the host's handler stay, only the state is
 * replaced. Cheaper than a fresh 13 KiB model per restore, and plaintext buffers cycle through
 * the live model's spare list instead of the allocator.
 */
#include <stdlib.h>
#include <string.h>

#include "mce/mce_priv.h"

/* Frees the records of @slots and empties it. */
static void free_records(struct tdxsim_integrity *live, struct tdxsim_mce_slot *slots, size_t cap)
{
	for (size_t i = 0; slots && i < cap; i++) {
		if (!slots[i].pg)
			continue;
		tdxsim_mce_plain_free(live, slots[i].pg->priv);
		free(slots[i].pg);
		slots[i] = (struct tdxsim_mce_slot){0};
	}
}

void tdxsim_integrity_restore_abort(struct tdxsim_integrity *live, struct tdxsim_integrity_copy *copy)
{
	pthread_mutex_lock(&live->lock);
	free_records(live, copy->slots, copy->cap);
	pthread_mutex_unlock(&live->lock);
	free(copy->slots);
	free(copy->ranges);
	memset(copy, 0, sizeof(*copy));
}

int tdxsim_integrity_restore_prepare(struct tdxsim_integrity *live, const struct tdxsim_integrity *saved,
				     struct tdxsim_integrity_copy *copy)
{
	/* A snapshot's clone is never used by calls: it is read without its lock. */
	memset(copy, 0, sizeof(*copy));
	/* The table the last restore replaced, when it has the size wanted (it is empty). */
	if (live->spare_slots && live->spare_cap == saved->cap) {
		copy->slots = live->spare_slots;
		live->spare_slots = NULL;
	} else {
		copy->slots = calloc(saved->cap, sizeof(*copy->slots));
	}
	copy->cap_ranges = saved->num_ranges ? saved->num_ranges : 1;
	copy->ranges = malloc(copy->cap_ranges * sizeof(*copy->ranges));
	if (!copy->slots || !copy->ranges)
		goto fail;
	copy->cap = saved->cap;
	for (size_t i = 0; i < saved->cap; i++) {
		const struct tdxsim_mce_page *src = saved->slots[i].pg;
		if (!src)
			continue;
		struct tdxsim_mce_page *pg = malloc(sizeof(*pg));
		if (!pg)
			goto fail;
		*pg = *src;
		if (src->priv) {
			pthread_mutex_lock(&live->lock);
			pg->priv = tdxsim_mce_plain_alloc(live);
			pthread_mutex_unlock(&live->lock);
			if (!pg->priv) {
				free(pg);
				goto fail;
			}
			memcpy(pg->priv, src->priv, TDXSIM_4K);
		}
		copy->slots[i] = (struct tdxsim_mce_slot){saved->slots[i].pfn, pg};
		copy->count++;
	}
	if (saved->num_ranges)
		memcpy(copy->ranges, saved->ranges, saved->num_ranges * sizeof(*copy->ranges));
	copy->num_ranges = saved->num_ranges;
	return 0;
fail:
	tdxsim_integrity_restore_abort(live, copy);
	return -1;
}

void tdxsim_integrity_restore_commit(struct tdxsim_integrity *live, const struct tdxsim_integrity *saved,
				     struct tdxsim_integrity_copy *copy)
{
	/* The plain lock, not tdxsim_mce_lock(): PAMT lines still pending in @live are state
	 * being thrown away, not work to catch up on. */
	pthread_mutex_lock(&live->lock);
	free_records(live, live->slots, live->cap);
	free(live->spare_slots);
	live->spare_slots = live->slots;
	live->spare_cap = live->cap;
	free(live->ranges);
	live->slots = copy->slots;
	live->cap = copy->cap;
	live->count = copy->count;
	live->ranges = copy->ranges;
	live->num_ranges = copy->num_ranges;
	live->cap_ranges = copy->cap_ranges;
	memset(copy, 0, sizeof(*copy));
	tdxsim_mce_copy_layout(live, saved);
	/* A clone starts with every PAMT line marked (tdxsim_integrity_clone()). */
	atomic_store_explicit(&live->pamt_pending, false, memory_order_relaxed);
	live->have_last = saved->have_last;
	live->last = saved->last;
	live->stats = saved->stats;
	pthread_mutex_unlock(&live->lock);
}
