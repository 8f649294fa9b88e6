/* SPDX-License-Identifier: MIT */
/*
 * Allocation failures on demand (mem.h, tdxsim_phys_alloc_fail_after()): host code ported from
 * a kernel has "the PAMT allocation failed" paths that a roomy simulated RAM never takes.
 */
#include "mem/mem.h"

void tdxsim_mem_fail_after(struct tdxsim_mem *mem, uint32_t skip, uint32_t count)
{
	mem->fail.skip = count ? skip : 0;
	mem->fail.count = count;
}

bool tdxsim_mem_fail_next(struct tdxsim_mem *mem)
{
	if (!mem->fail.count)
		return false;
	if (mem->fail.skip) {
		mem->fail.skip--;
		return false;
	}
	mem->fail.count--;
	return true;
}
