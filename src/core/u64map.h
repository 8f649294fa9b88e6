/* SPDX-License-Identifier: MIT */
/*
 * A map from 64-bit keys to pointers (open addressing, linear probing, backward-shift delete).
 * Used where the module indexes by physical address (TDRs, TDVPRs, secure-EPT pages). Keys
 * must be non-zero-safe: every key is allowed, presence is kept separately. Not thread-safe:
 * its owner says what protects it.
 */
#ifndef TDXSIM_CORE_U64MAP_H
#define TDXSIM_CORE_U64MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tdxsim_u64map_slot {
	uint64_t key;
	void *val; /* NULL: empty slot (values are never NULL) */
};

struct tdxsim_u64map {
	struct tdxsim_u64map_slot *slots;
	size_t cap; /* power of two, or 0 */
	size_t n;
};

void *tdxsim_u64map_get(const struct tdxsim_u64map *m, uint64_t key);
/* Inserts or replaces; @val must not be NULL. 0, or -1 when out of memory (map unchanged). */
int tdxsim_u64map_put(struct tdxsim_u64map *m, uint64_t key, void *val);
/* Removes @key; returns its value or NULL. */
void *tdxsim_u64map_del(struct tdxsim_u64map *m, uint64_t key);
void tdxsim_u64map_free(struct tdxsim_u64map *m);

/* Iteration: for (size_t i = 0; i < m->cap; i++) if (m->slots[i].val) ... (no insert/delete
 * while iterating). */

#endif
