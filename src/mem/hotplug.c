/* SPDX-License-Identifier: MIT */
/* Memory hot-remove: the inverse of tdxsim_mem_add_region() (mem.h). */
#include <string.h>

#include "core/util.h"
#include "mem/mem.h"

int tdxsim_mem_remove_region(struct tdxsim_mem *mem, uint64_t base, uint64_t size)
{
	unsigned i = 0;
	while (i < mem->num_regions && (mem->regions[i].base != base || mem->regions[i].size != size))
		i++;
	if (i == mem->num_regions)
		return -1;
	/* Whatever the allocator had not handed out goes with the region; what it had handed out
	 * is gone too (the host removed memory it still used: its own bug, as on hardware). */
	uint64_t free_bytes = 0;
	unsigned k = 0;
	for (unsigned j = 0; j < mem->num_free; j++) {
		if (tdxsim_range_contains(base, size, mem->free[j].base, mem->free[j].size))
			free_bytes += mem->free[j].size;
		else
			mem->free[k++] = mem->free[j];
	}
	mem->num_free = k;
	uint64_t low = base < (UINT64_C(1) << 20) ? (UINT64_C(1) << 20) - base : 0; /* never allocatable */
	uint64_t used = size > low + free_bytes ? size - low - free_bytes : 0;
	mem->allocated_bytes -= used < mem->allocated_bytes ? used : mem->allocated_bytes;
	/* Out of the lookup view before the mapping goes: no new lookup can land in it. */
	tdxsim_mem_withdraw(mem, base);
	tdxsim_mem_unmap(&mem->regions[i]);
	memmove(&mem->regions[i], &mem->regions[i + 1], (mem->num_regions - i - 1) * sizeof(mem->regions[0]));
	mem->num_regions--;
	return 0;
}
