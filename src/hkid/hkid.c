/* SPDX-License-Identifier: MIT */
/* KeyID partition and Key Ownership Table (hkid.h). */
#include "hkid/hkid.h"

#include <stdlib.h>
#include <string.h>

int tdxsim_hkid_init(struct tdxsim_hkid *h, uint32_t phys_bits, uint32_t keyid_bits, uint32_t num_mktme,
		     uint32_t num_tdx)
{
	memset(h, 0, sizeof(*h));
	h->keyid_bits = keyid_bits;
	/* The KeyID occupies the top keyid_bits below MAXPHYADDR (sheet 9); the module computes
	 * its position from a hard-coded 52 instead (hkid.h). */
	h->shift = phys_bits - keyid_bits;
	h->module_shift = 52 - keyid_bits;
	h->num_mktme = num_mktme;
	h->num_tdx = num_tdx;
	h->kot = calloc((size_t)1 << keyid_bits, 1);
	h->reserved_next = calloc((size_t)1 << keyid_bits, 1);
	return h->kot && h->reserved_next ? 0 : -1;
}

void tdxsim_hkid_fini(struct tdxsim_hkid *h)
{
	free(h->kot);
	free(h->reserved_next);
	h->kot = h->reserved_next = NULL;
}

void tdxsim_hkid_reset(struct tdxsim_hkid *h)
{
	memset(h->kot, TDXSIM_HKID_FREE, (size_t)1 << h->keyid_bits);
	tdxsim_hkid_drop_next(h);
}

void tdxsim_hkid_reserve(struct tdxsim_hkid *h, uint32_t keyid, bool handoff_in_place)
{
	if (handoff_in_place)
		h->reserved_next[keyid] = 1;
	else
		h->kot[keyid] = TDXSIM_HKID_RESERVED;
}

void tdxsim_hkid_adopt_next(struct tdxsim_hkid *h)
{
	for (size_t k = 0; k < (size_t)1 << h->keyid_bits; k++)
		h->kot[k] = h->reserved_next[k] ? TDXSIM_HKID_RESERVED : TDXSIM_HKID_FREE;
	tdxsim_hkid_drop_next(h);
}

void tdxsim_hkid_drop_next(struct tdxsim_hkid *h)
{
	memset(h->reserved_next, 0, (size_t)1 << h->keyid_bits);
}

int tdxsim_hkid_save(const struct tdxsim_hkid *h, struct tdxsim_hkid *saved)
{
	size_t n = (size_t)1 << h->keyid_bits;
	*saved = *h;
	saved->kot = malloc(n);
	saved->reserved_next = malloc(n);
	if (!saved->kot || !saved->reserved_next) {
		tdxsim_hkid_fini(saved);
		return -1;
	}
	memcpy(saved->kot, h->kot, n);
	memcpy(saved->reserved_next, h->reserved_next, n);
	return 0;
}

void tdxsim_hkid_restore(struct tdxsim_hkid *h, const struct tdxsim_hkid *saved)
{
	size_t n = (size_t)1 << h->keyid_bits;
	uint8_t *kot = h->kot, *next = h->reserved_next;
	*h = *saved;
	h->kot = kot;
	h->reserved_next = next;
	memcpy(kot, saved->kot, n);
	memcpy(next, saved->reserved_next, n);
}
