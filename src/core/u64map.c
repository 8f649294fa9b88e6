/* SPDX-License-Identifier: MIT */
#include <stdlib.h>

#include "core/u64map.h"

static size_t slot_of(uint64_t key, size_t cap)
{
	return (size_t)((key * UINT64_C(0x9E3779B97F4A7C15)) >> 20) & (cap - 1);
}

void *tdxsim_u64map_get(const struct tdxsim_u64map *m, uint64_t key)
{
	if (!m->cap)
		return NULL;
	for (size_t i = slot_of(key, m->cap);; i = (i + 1) & (m->cap - 1)) {
		if (!m->slots[i].val)
			return NULL;
		if (m->slots[i].key == key)
			return m->slots[i].val;
	}
}

static int grow(struct tdxsim_u64map *m)
{
	size_t cap = m->cap ? m->cap * 2 : 16;
	struct tdxsim_u64map_slot *s = calloc(cap, sizeof(*s));
	if (!s)
		return -1;
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->slots[i].val)
			continue;
		size_t j = slot_of(m->slots[i].key, cap);
		while (s[j].val)
			j = (j + 1) & (cap - 1);
		s[j] = m->slots[i];
	}
	free(m->slots);
	m->slots = s;
	m->cap = cap;
	return 0;
}

int tdxsim_u64map_put(struct tdxsim_u64map *m, uint64_t key, void *val)
{
	if ((m->n + 1) * 4 > m->cap * 3 && grow(m))
		return -1;
	size_t i = slot_of(key, m->cap);
	while (m->slots[i].val && m->slots[i].key != key)
		i = (i + 1) & (m->cap - 1);
	if (!m->slots[i].val)
		m->n++;
	m->slots[i].key = key;
	m->slots[i].val = val;
	return 0;
}

void *tdxsim_u64map_del(struct tdxsim_u64map *m, uint64_t key)
{
	if (!m->cap)
		return NULL;
	size_t i = slot_of(key, m->cap);
	while (m->slots[i].val && m->slots[i].key != key)
		i = (i + 1) & (m->cap - 1);
	void *val = m->slots[i].val;
	if (!val)
		return NULL;
	/* Backward-shift: move later entries of the cluster into the hole when their home
	 * slot does not lie cyclically between the hole and themselves. */
	size_t hole = i;
	for (size_t j = (i + 1) & (m->cap - 1); m->slots[j].val; j = (j + 1) & (m->cap - 1)) {
		size_t home = slot_of(m->slots[j].key, m->cap);
		bool stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
		if (stays)
			continue;
		m->slots[hole] = m->slots[j];
		hole = j;
	}
	m->slots[hole].val = NULL;
	m->n--;
	return val;
}

void tdxsim_u64map_free(struct tdxsim_u64map *m)
{
	free(m->slots);
	m->slots = NULL;
	m->cap = m->n = 0;
}
