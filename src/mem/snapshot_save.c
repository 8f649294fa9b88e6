/* SPDX-License-Identifier: MIT */
/*
 * Taking the RAM part of a snapshot (mem.h). Untouched RAM costs nothing (MAP_NORESERVE), so
 * the bytes worth saving are the resident pages that are not all zeros. A snapshot taken after
 * a restore reads only the chunks that restore left holding bytes (struct tdxsim_mem_track):
 * those it wrote saved pages into and those touched or exposed since; it left every other one
 * zero.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core/util.h"
#include "mem/mem.h"

/* Appends page @pa (its bytes at @p) to @s; 0 or -1. */
static int keep_page(struct tdxsim_mem_saved *s, unsigned *cap, uint64_t pa, const uint8_t *p)
{
	if (s->num_pages == *cap) {
		unsigned n = *cap ? 2 * *cap : 16;
		uint64_t *pas = realloc(s->page_pa, n * sizeof(*pas));
		if (!pas)
			return -1;
		s->page_pa = pas;
		uint8_t *data = realloc(s->page_data, (size_t)n * TDXSIM_4K);
		if (!data)
			return -1;
		s->page_data = data;
		*cap = n;
	}
	s->page_pa[s->num_pages] = pa;
	memcpy(s->page_data + (size_t)s->num_pages * TDXSIM_4K, p, TDXSIM_4K);
	s->num_pages++;
	return 0;
}

/* Appends the resident pages of [lo, hi) of @reg that are not all zeros to @out. */
static int save_window(const struct tdxsim_mem_region *reg, uint64_t lo, uint64_t hi,
		       struct tdxsim_mem_saved *out, unsigned *cap)
{
	uint64_t pages = (hi - lo) / TDXSIM_4K;
	/* One residency byte per page, a window at a time (a 16 TiB range has 4 G pages). */
	enum { WINDOW = 1 << 16 };
	unsigned char vec[WINDOW];
	for (uint64_t first = 0; first < pages; first += WINDOW) {
		uint64_t n = pages - first < WINDOW ? pages - first : WINDOW;
		uint8_t *host = reg->host + (lo - reg->base) + first * TDXSIM_4K;
		if (mincore(host, n * TDXSIM_4K, vec))
			return -1;
		for (uint64_t i = 0; i < n; i++) {
			const uint8_t *p = host + i * TDXSIM_4K;
			if ((vec[i] & 1) && !tdxsim_mem_page_is_zero(p) &&
			    keep_page(out, cap, lo + (first + i) * TDXSIM_4K, p))
				return -1;
		}
	}
	return 0;
}

int tdxsim_mem_save(struct tdxsim_mem *mem, struct tdxsim_mem_saved *out)
{
	unsigned cap = 0;
	memset(out, 0, sizeof(*out));
	out->id = ++mem->next_saved_id;
	out->mem = *mem;
	out->mem.free = NULL;
	out->mem.cap_free = 0;
	if (mem->num_free) {
		out->mem.free = malloc(mem->num_free * sizeof(*mem->free));
		if (!out->mem.free)
			return -1;
		memcpy(out->mem.free, mem->free, mem->num_free * sizeof(*mem->free));
		out->mem.cap_free = mem->num_free;
	}
	for (unsigned r = 0; r < mem->num_regions; r++) {
		const struct tdxsim_mem_region *reg = &mem->regions[r];
		const uint64_t chunk = UINT64_C(1) << TDXSIM_MEM_CHUNK_SHIFT, end = reg->base + reg->size;
		const uint64_t chunks = ((reg->size - 1) >> TDXSIM_MEM_CHUNK_SHIFT) + 1;
		int rc = 0;
		if (!reg->tracked) {
			rc = save_window(reg, reg->base, end, out, &cap);
		} else {
			/* Since the last restore only its restored chunks and those touched or
			 * exposed can hold bytes that are not zero: it left the others zero, and
			 * nothing handed out a pointer into them since (mem.h). */
			for (uint64_t c = tdxsim_mem_next_marked(reg, 0, chunks, true); !rc && c < chunks;
			     c = tdxsim_mem_next_marked(reg, c + 1, chunks, true)) {
				uint64_t lo = reg->base + c * chunk;
				rc = save_window(reg, lo, end - lo > chunk ? lo + chunk : end, out, &cap);
			}
		}
		if (rc) {
			tdxsim_mem_saved_free(out);
			return -1;
		}
	}
	return 0;
}

void tdxsim_mem_saved_free(struct tdxsim_mem_saved *saved)
{
	free(saved->mem.free);
	free(saved->page_pa);
	free(saved->page_data);
	memset(saved, 0, sizeof(*saved));
}
