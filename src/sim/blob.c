/* SPDX-License-Identifier: MIT */
/* tdxsim_blob_place(): a module image (seamldr/blob.c) written into memory from the simulator's
 * own allocator, the way a host places the blob it hands to SEAMLDR.INSTALL. */
#include "sim/sim.h"

#define PAGE 4096u

tdxsim_err_t tdxsim_blob_place(tdxsim_t *sim, const tdxsim_blob_opts_t *o, uint64_t *pa, uint64_t *len)
{
	size_t size = tdxsim_blob_size(o);
	if (!sim || !size || !pa || !len)
		return TDXSIM_ERR_INVALID_ARG;
	uint64_t at;
	tdxsim_err_t err = tdxsim_phys_alloc(sim, size, PAGE, UINT32_MAX, &at);
	if (err)
		return err;
	err = tdxsim_blob_write(o, tdxsim_phys_to_virt(sim, at, size), size);
	if (err) {
		tdxsim_phys_free(sim, at, size);
		return err;
	}
	*pa = at;
	*len = size;
	return TDXSIM_OK;
}
