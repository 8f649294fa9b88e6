/* SPDX-License-Identifier: MIT */
/* Virtual APIC of a TD vCPU (apic.h). */
#include <string.h>

#include "guest/apic.h"
#include "mce/mce.h"

void tdxsim_vapic_set(uint32_t bits[8], unsigned vector)
{
	bits[(vector >> 5) & 7] |= UINT32_C(1) << (vector & 31);
}

static void clear_bit(uint32_t bits[8], unsigned vector)
{
	bits[(vector >> 5) & 7] &= ~(UINT32_C(1) << (vector & 31));
}

int tdxsim_vapic_highest(const uint32_t bits[8])
{
	for (int w = 7; w >= 0; w--)
		if (bits[w])
			return w * 32 + 31 - __builtin_clz(bits[w]);
	return -1;
}

static uint8_t highest_or_zero(const uint32_t bits[8])
{
	int h = tdxsim_vapic_highest(bits);
	return h < 0 ? 0 : (uint8_t)h;
}

int tdxsim_vapic_post_process(struct tdxsim_integrity *in, uint64_t pid_pa, uint32_t keyid,
			      struct tdxsim_vcpu *v)
{
	uint8_t pid[TDXSIM_PID_SIZE];
	uint64_t mce_pa;
	tdxsim_err_t err = tdxsim_mce_read(in, pid_pa, keyid, pid, sizeof(pid), &mce_pa);
	if (err == TDXSIM_ERR_NO_MEMORY)
		return -1;
	if (err != TDXSIM_OK || !(pid[TDXSIM_PID_ON_BYTE] & 1))
		return 0;
	uint32_t pir[8];
	memcpy(pir, pid, sizeof(pir)); /* little-endian words, as the CPU reads them */
	/* ON is cleared and PIR read-and-cleared (the CPU does both atomically). */
	pid[TDXSIM_PID_ON_BYTE] &= (uint8_t)~1u;
	memset(pid, 0, sizeof(pir));
	if (tdxsim_mce_write(in, pid_pa, keyid, pid, sizeof(pid)) == TDXSIM_ERR_NO_MEMORY)
		return -1;
	int h = tdxsim_vapic_highest(pir);
	for (unsigned w = 0; w < 8; w++)
		v->vapic_irr[w] |= pir[w];
	if (h > v->rvi)
		v->rvi = (uint8_t)h;
	return 0;
}

unsigned tdxsim_vapic_deliver(struct tdxsim_vcpu *v)
{
	if (!v->guest_if || !tdxsim_vapic_vmxip(v))
		return 0;
	unsigned vector = v->rvi;
	clear_bit(v->vapic_irr, vector);
	tdxsim_vapic_set(v->vapic_isr, vector);
	v->svi = (uint8_t)vector;
	v->rvi = highest_or_zero(v->vapic_irr);
	return vector;
}

unsigned tdxsim_vapic_eoi(struct tdxsim_vcpu *v)
{
	unsigned vector = v->svi;
	if (tdxsim_vapic_highest(v->vapic_isr) < 0)
		return 0;
	clear_bit(v->vapic_isr, vector);
	v->svi = highest_or_zero(v->vapic_isr);
	return vector;
}
