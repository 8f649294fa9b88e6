/* SPDX-License-Identifier: MIT */
#ifndef TDXSIM_SEAMCALL_TD_CHECK_H
#define TDXSIM_SEAMCALL_TD_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "seamcall/td_sept.h"

/*
 * The invariants that tie TDs to the PAMT and the KOT (td/td.h), for tdxsim_check_invariants,
 * in halves around the PAMT checker's walk (sim/invariants.c): begin lists the TDs,
 * tdxsim_td_count_owned() is the walk's visitor of owned PAMT entries (it counts, per TD, every
 * child page (CHLDCNT), its PT_REG 4K units and its PT_EPT pages; the walk after every fuzzed
 * call was the PAMT's second), end checks the registry, the guests and the TDs against those
 * counts; release frees what begin took, whatever happened in between.
 */
struct tdxsim_td_owned {
	uint64_t tdr, units, reg_units, ept_pages;
	struct tdxsim_sept_usage use; /* what its secure EPT uses */
};
struct tdxsim_td_check {
	struct tdxsim_td_owned local[16]; /* room for the TDs a fuzz input makes, off the heap */
	struct tdxsim_td_owned *td;	  /* sorted by tdr: @local, or the heap for more */
	size_t n;
	bool counting; /* false: no TD or vCPU, nothing to count (visitor not needed) */
	int bad;
	char *msg;
	size_t len;
};
/* 0, or -1 with a message when out of host memory (then release only). */
int tdxsim_td_check_begin(const struct tdxsim *sim, struct tdxsim_td_check *c, char *msg, size_t len);
void tdxsim_td_count_owned(void *user, uint64_t pa, unsigned level, uint8_t type, uint64_t owner);
/* 0, or -1 with the first broken invariant in the message begin was given. With @hash not
 * NULL, also sets *@hash to tdxsim_tds_hash(&sim->td, *@hash) when it returns 0. */
int tdxsim_td_check_end(const struct tdxsim *sim, struct tdxsim_td_check *c, uint64_t *hash);
void tdxsim_td_check_release(struct tdxsim_td_check *c);

#endif
