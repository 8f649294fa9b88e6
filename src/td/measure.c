/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "td/measure.h"

struct tdxsim_td_meas {
	EVP_MD_CTX *ctx;
	uint64_t bytes;
	int finalized;
};

struct tdxsim_td_meas *tdxsim_td_meas_new(void)
{
	struct tdxsim_td_meas *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->ctx = EVP_MD_CTX_new();
	if (!m->ctx || EVP_DigestInit_ex(m->ctx, EVP_sha384(), NULL) != 1) {
		tdxsim_td_meas_free(m);
		return NULL;
	}
	return m;
}

void tdxsim_td_meas_free(struct tdxsim_td_meas *m)
{
	if (!m)
		return;
	EVP_MD_CTX_free(m->ctx);
	free(m);
}

int tdxsim_td_meas_update(struct tdxsim_td_meas *m, const void *data, size_t len)
{
	if (m->finalized || EVP_DigestUpdate(m->ctx, data, len) != 1)
		return -1;
	m->bytes += len;
	return 0;
}

int tdxsim_td_meas_final(struct tdxsim_td_meas *m, uint8_t out[48])
{
	unsigned len = 0;
	if (m->finalized || EVP_DigestFinal_ex(m->ctx, out, &len) != 1 || len != 48)
		return -1;
	m->finalized = 1;
	return 0;
}

int tdxsim_td_meas_header(uint8_t block[128], const char *name, uint64_t gpa)
{
	size_t len = 0;
	memset(block, 0, 128);
	for (; len < 16 && name[len]; len++) /* copied as it is scanned: no strlen per call */
		block[len] = (uint8_t)name[len];
	if (name[len])
		return -1;
	for (unsigned i = 0; i < 8; i++)
		block[16 + i] = (uint8_t)(gpa >> (8 * i));
	return 0;
}

int tdxsim_td_meas_block(struct tdxsim_td_meas *m, const char *name, uint64_t gpa)
{
	uint8_t block[128];
	if (tdxsim_td_meas_header(block, name, gpa))
		return -1;
	return tdxsim_td_meas_update(m, block, sizeof(block));
}

uint64_t tdxsim_td_meas_bytes(const struct tdxsim_td_meas *m)
{
	return m->bytes;
}

struct tdxsim_td_meas *tdxsim_td_meas_dup(const struct tdxsim_td_meas *m)
{
	struct tdxsim_td_meas *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	*d = *m;
	d->ctx = EVP_MD_CTX_new();
	if (!d->ctx || EVP_MD_CTX_copy_ex(d->ctx, m->ctx) != 1) {
		EVP_MD_CTX_free(d->ctx);
		free(d);
		return NULL;
	}
	return d;
}
