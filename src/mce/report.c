/* SPDX-License-Identifier: MIT */
/*
 * Machine-check records, counters and per-line queries of the integrity model (mce.h); its
 * invariants and state hash are in check.c.
 */
#include <stdio.h>
#include <string.h>

#include "mce/mce_priv.h"

#define LOCK(in)   tdxsim_mce_lock(in) /* tdx_memory.c: catches up with TDMR.INIT */
#define UNLOCK(in) pthread_mutex_unlock(&(in)->lock)

void tdxsim_mce_set_handler(struct tdxsim_integrity *in, tdxsim_mce_handler_t handler, void *user)
{
	LOCK(in);
	in->handler = handler;
	in->handler_user = user;
	UNLOCK(in);
}

void tdxsim_mce_get_handler(struct tdxsim_integrity *in, tdxsim_mce_handler_t *handler, void **user)
{
	LOCK(in);
	*handler = in->handler;
	*user = in->handler_user;
	UNLOCK(in);
}

/*
 * The record of a consumed poisoned line. The issue asks for an uncorrected error with the
 * address valid and the processor context corrupt, as when a kernel consumes poison outside
 * any recovery point (Linux then panics and, on erratum parts, prints its TDX hint, sheet
 * 10 "MCE reporting"). The error code is the architectural compound code for a memory read
 * error; which bank reports it on a given part is not modelled.
 */
void tdxsim_mce_raise(struct tdxsim_integrity *in, uint64_t line_pa, uint32_t lp, uint64_t tsc, bool handled,
		      tdxsim_mce_t *out)
{
	tdxsim_mce_t m = {
		.status = TDXSIM_MCI_STATUS_VAL | TDXSIM_MCI_STATUS_UC | TDXSIM_MCI_STATUS_EN |
			  TDXSIM_MCI_STATUS_MISCV | TDXSIM_MCI_STATUS_ADDRV | TDXSIM_MCI_STATUS_PCC |
			  TDXSIM_MCACOD_MEM_READ,
		.addr = tdxsim_align_down(line_pa, TDXSIM_LINE),
		.misc = TDXSIM_MCI_MISC_PHYS_LINE,
		.lp = lp,
		.bank = 0,
		.tsc = tsc,
	};
	LOCK(in);
	in->stats.machine_checks++;
	if (!handled)
		in->stats.machine_checks_unhandled++;
	in->last = m;
	in->have_last = true;
	UNLOCK(in);
	if (out)
		*out = m;
}

bool tdxsim_mce_last(struct tdxsim_integrity *in, tdxsim_mce_t *out)
{
	LOCK(in);
	bool have = in->have_last;
	if (have)
		*out = in->last;
	UNLOCK(in);
	return have;
}

void tdxsim_mce_stats(struct tdxsim_integrity *in, tdxsim_mem_stats_t *out)
{
	LOCK(in);
	*out = in->stats;
	out->tracked_pages = in->count;
	out->poisoned_lines_now = 0;
	for (size_t i = 0; i < in->cap; i++)
		if (in->slots[i].pg)
			out->poisoned_lines_now += in->slots[i].pg->poisoned;
	out->private_range_bytes = 0;
	for (unsigned k = 0; k < in->num_ranges; k++)
		out->private_range_bytes += in->ranges[k].end - in->ranges[k].base;
	UNLOCK(in);
}

void tdxsim_mce_line_info(struct tdxsim_integrity *in, uint64_t pa, tdxsim_line_info_t *out)
{
	uint16_t lines[TDXSIM_LINES_PER_PAGE];
	uint64_t pfn = pa / TDXSIM_4K;
	LOCK(in);
	memset(out, 0, sizeof(*out));
	out->tracked = tdxsim_mce_find(in, pfn) != NULL;
	if (tdxsim_mce_view(in, pfn, lines)) {
		uint16_t s = lines[(pa % TDXSIM_4K) / TDXSIM_LINE];
		out->owner_keyid = s & TDXSIM_LINE_KEYID;
		out->poisoned = tdxsim_line_poisoned(s);
	}
	UNLOCK(in);
}
