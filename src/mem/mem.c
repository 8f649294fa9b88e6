/* SPDX-License-Identifier: MIT */
/* Simulated physical memory: sparse host mappings per RAM range (see mem.h). */
#include "mem/mem.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core/util.h"

#define LOW_RESERVED (UINT64_C(1) << 20)

static int map_region(struct tdxsim_mem_region *r, const tdxsim_range_t *range)
{
	/* MAP_NORESERVE: no commit charge, pages materialize on first touch (the "a
	 * simulated 4 TiB host must cost real memory only for what is touched"). */
	void *p = mmap(NULL, range->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		       -1, 0);
	if (p == MAP_FAILED)
		return -1;
	r->track = tdxsim_mem_track_new(range->size);
	if (!r->track) {
		munmap(p, range->size);
		return -1;
	}
	r->base = range->base;
	r->size = range->size;
	r->node = range->node;
	r->host = p;
	r->tracked = false;
	return 0;
}

void tdxsim_mem_unmap(struct tdxsim_mem_region *r)
{
	munmap(r->host, r->size);
	tdxsim_mem_track_free(r->track);
	r->track = NULL;
}

static int free_insert(struct tdxsim_mem *mem, uint64_t base, uint64_t size)
{
	unsigned i = 0;

	while (i < mem->num_free && mem->free[i].base < base)
		i++;
	/* Merge with neighbours that touch and belong to the same region. */
	const struct tdxsim_mem_region *reg = tdxsim_mem_region_of(mem, base, size);
	bool merge_prev = i > 0 && mem->free[i - 1].base + mem->free[i - 1].size == base &&
			  tdxsim_mem_region_of(mem, mem->free[i - 1].base, 1) == reg;
	bool merge_next = i < mem->num_free && base + size == mem->free[i].base &&
			  tdxsim_mem_region_of(mem, mem->free[i].base, 1) == reg;

	if (merge_prev && merge_next) {
		mem->free[i - 1].size += size + mem->free[i].size;
		memmove(&mem->free[i], &mem->free[i + 1], (mem->num_free - i - 1) * sizeof(mem->free[0]));
		mem->num_free--;
		return 0;
	}
	if (merge_prev) {
		mem->free[i - 1].size += size;
		return 0;
	}
	if (merge_next) {
		mem->free[i].base = base;
		mem->free[i].size += size;
		return 0;
	}
	if (mem->num_free == mem->cap_free) {
		unsigned cap = mem->cap_free ? mem->cap_free * 2 : 16;
		struct tdxsim_mem_extent *n = realloc(mem->free, cap * sizeof(*n));
		if (!n)
			return -1;
		mem->free = n;
		mem->cap_free = cap;
	}
	memmove(&mem->free[i + 1], &mem->free[i], (mem->num_free - i) * sizeof(mem->free[0]));
	mem->free[i].base = base;
	mem->free[i].size = size;
	mem->num_free++;
	return 0;
}

int tdxsim_mem_init(struct tdxsim_mem *mem, const tdxsim_range_t *ram, unsigned num)
{
	memset(mem, 0, sizeof(*mem));
	for (unsigned i = 0; i < num; i++) {
		if (tdxsim_mem_add_region(mem, &ram[i])) {
			tdxsim_mem_fini(mem);
			return -1;
		}
	}
	return 0;
}

void tdxsim_mem_fini(struct tdxsim_mem *mem)
{
	for (unsigned i = 0; i < mem->num_regions; i++)
		tdxsim_mem_unmap(&mem->regions[i]);
	free(mem->free);
	memset(mem, 0, sizeof(*mem));
}

int tdxsim_mem_add_region(struct tdxsim_mem *mem, const tdxsim_range_t *range)
{
	if (mem->num_regions == TDXSIM_MEM_MAX_REGIONS || range->size == 0)
		return -1;
	unsigned i = 0;
	while (i < mem->num_regions && mem->regions[i].base < range->base)
		i++;
	for (unsigned j = 0; j < mem->num_regions; j++)
		if (tdxsim_ranges_overlap(mem->regions[j].base, mem->regions[j].size, range->base,
					  range->size))
			return -1;
	struct tdxsim_mem_region r;
	if (map_region(&r, range))
		return -1;
	memmove(&mem->regions[i + 1], &mem->regions[i], (mem->num_regions - i) * sizeof(r));
	mem->regions[i] = r;
	mem->num_regions++;
	/* Like a kernel, the allocator never hands out the first 1 MiB (legacy BIOS areas), so no
	 * allocation has PA 0. */
	uint64_t lo = range->base < LOW_RESERVED ? LOW_RESERVED : range->base;
	if (lo < range->base + range->size && free_insert(mem, lo, range->base + range->size - lo)) {
		tdxsim_mem_unmap(&r);
		memmove(&mem->regions[i], &mem->regions[i + 1], (mem->num_regions - i - 1) * sizeof(r));
		mem->num_regions--;
		return -1;
	}
	tdxsim_mem_publish(mem, &r);
	return 0;
}

const struct tdxsim_mem_region *tdxsim_mem_region_of(const struct tdxsim_mem *mem, uint64_t pa, uint64_t len)
{
	/* At most 64 regions: a linear scan beats a binary search's branches here. */
	for (unsigned i = 0; i < mem->num_regions; i++) {
		const struct tdxsim_mem_region *r = &mem->regions[i];
		if (pa - r->base < r->size)
			return tdxsim_range_contains(r->base, r->size, pa, len) ? r : NULL;
	}
	return NULL;
}

int tdxsim_mem_alloc(struct tdxsim_mem *mem, uint64_t size, uint64_t align, uint32_t node, uint64_t *pa)
{
	if (size == 0 || align < TDXSIM_4K || (align & (align - 1)) != 0 || size > (UINT64_C(1) << 60))
		return TDXSIM_ERR_INVALID_ARG;
	size = tdxsim_align_up(size, TDXSIM_4K);
	if (tdxsim_mem_fail_next(mem))
		return TDXSIM_ERR_NO_SPACE;
	for (unsigned i = 0; i < mem->num_free; i++) {
		struct tdxsim_mem_extent *e = &mem->free[i];
		if (node != UINT32_MAX && tdxsim_mem_region_of(mem, e->base, 1)->node != node)
			continue;
		uint64_t start = tdxsim_align_up(e->base, align);
		if (start < e->base || start - e->base >= e->size || e->size - (start - e->base) < size)
			continue;
		uint64_t head = start - e->base, tail = e->size - head - size;
		uint64_t tail_base = start + size;
		if (head == 0 && tail == 0) {
			memmove(e, e + 1, (mem->num_free - i - 1) * sizeof(*e));
			mem->num_free--;
		} else if (head == 0) {
			e->base = tail_base;
			e->size = tail;
		} else {
			e->size = head;
			if (tail && free_insert(mem, tail_base, tail)) {
				e->size = head + size + tail;
				return TDXSIM_ERR_NO_MEMORY;
			}
		}
		mem->allocated_bytes += size;
		*pa = start;
		return TDXSIM_OK;
	}
	return TDXSIM_ERR_NO_SPACE;
}

int tdxsim_mem_free(struct tdxsim_mem *mem, uint64_t pa, uint64_t size)
{
	/* The first 1 MiB is never handed out (tdxsim_mem_add_region), so never freed either. */
	if (size == 0 || !tdxsim_is_aligned(pa, TDXSIM_4K) || pa < LOW_RESERVED)
		return TDXSIM_ERR_INVALID_ARG;
	size = tdxsim_align_up(size, TDXSIM_4K);
	if (!tdxsim_mem_region_of(mem, pa, size))
		return TDXSIM_ERR_NOT_RAM;
	/* Refuse a double free: no part of the range may already be free. */
	for (unsigned i = 0; i < mem->num_free; i++)
		if (tdxsim_ranges_overlap(mem->free[i].base, mem->free[i].size, pa, size))
			return TDXSIM_ERR_INVALID_ARG;
	tdxsim_mem_discard(mem, pa, size);
	if (free_insert(mem, pa, size))
		return TDXSIM_ERR_NO_MEMORY;
	mem->allocated_bytes -= size < mem->allocated_bytes ? size : mem->allocated_bytes;
	return TDXSIM_OK;
}

void tdxsim_mem_discard(struct tdxsim_mem *mem, uint64_t pa, uint64_t size)
{
	uint8_t *p = tdxsim_mem_ptr(mem, pa, size);
	if (p)
		madvise(p, size, MADV_DONTNEED);
}
