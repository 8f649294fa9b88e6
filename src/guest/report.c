/* SPDX-License-Identifier: MIT */
/*
 * TDREPORT and RTMRs (td-runtime.md 4.3, 4.4; layout from [M155] include/tdx_api_defs.h).
 *
 * The module builds TDINFO; the CPU's report instruction builds REPORTMACSTRUCT and
 * TEE_TCB_INFO and MACs them with a key only the CPU and the quoting enclave know. tdxsim
 * cannot have that key: the MAC here is HMAC-SHA-384 (first 32 bytes) with a key drawn per
 * simulator, over REPORTMACSTRUCT bytes 0-223 (everything but the MAC), which binds TDINFO
 * and TEE_TCB_INFO through their hashes (docs/fidelity.md "TDREPORT").
 */
#include <string.h>

#include <openssl/evp.h>

#include "guest/guest.h"

/* TDREPORT_STRUCT offsets (td-runtime.md 4.4). */
#define R_TYPE		   0
#define R_CPUSVN	   16
#define R_TEE_TCB_HASH	   32
#define R_TEE_INFO_HASH	   80
#define R_REPORTDATA	   128
#define R_MAC		   224
#define R_MAC_SIZE	   32
#define R_TEE_TCB_INFO	   256
#define R_TEE_TCB_INFO_LEN 239
#define R_TDINFO	   512
#define R_TDINFO_LEN	   512
/* TDINFO offsets (relative to TDINFO). */
#define I_ATTRIBUTES	0
#define I_XFAM		8
#define I_MRTD		16
#define I_MRCONFIGID	64
#define I_MROWNER	112
#define I_MROWNERCONFIG 160
#define I_RTMR		208
#define REPORT_TYPE_TDX 0x81

static int sha384(const void *data, size_t len, uint8_t out[48])
{
	unsigned n = 0;
	return EVP_Digest(data, len, out, &n, EVP_sha384(), NULL) && n == 48 ? 0 : -1;
}

static int mac(const uint8_t *key, const uint8_t *report, uint8_t out[R_MAC_SIZE])
{
	uint8_t full[48];
	size_t n = 0;
	if (!EVP_Q_mac(NULL, "HMAC", NULL, "SHA384", NULL, key, TDXSIM_REPORT_KEY_SIZE, report, R_MAC, full,
		       sizeof(full), &n) ||
	    n != sizeof(full))
		return -1;
	memcpy(out, full, R_MAC_SIZE);
	return 0;
}

static void put64(uint8_t *p, uint64_t v)
{
	for (unsigned i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

int tdxsim_rtmr_extend(struct tdxsim_td *td, unsigned idx, const uint8_t data[48])
{
	uint8_t buf[96];
	memcpy(buf, td->tdcs.rtmr[idx], 48);
	memcpy(buf + 48, data, 48);
	return sha384(buf, sizeof(buf), td->tdcs.rtmr[idx]);
}

int tdxsim_report_build(const struct tdxsim_td *td, const struct tdxsim_report_cpu *cpu,
			const uint8_t reportdata[64], uint8_t out[TDXSIM_TDREPORT_SIZE])
{
	memset(out, 0, TDXSIM_TDREPORT_SIZE);
	uint8_t *info = out + R_TDINFO;
	put64(info + I_ATTRIBUTES, td->tdcs.attributes);
	put64(info + I_XFAM, td->tdcs.xfam);
	memcpy(info + I_MRTD, td->tdcs.mrtd, 48);
	memcpy(info + I_MRCONFIGID, td->tdcs.mrconfigid, 48);
	memcpy(info + I_MROWNER, td->tdcs.mrowner, 48);
	memcpy(info + I_MROWNERCONFIG, td->tdcs.mrownerconfig, 48);
	for (unsigned i = 0; i < 4; i++)
		memcpy(info + I_RTMR + 48 * i, td->tdcs.rtmr[i], 48);
	/* SERVTD_HASH stays 0: no service TDs are bound (tdxsim models none). */
	memcpy(out + R_TEE_TCB_INFO, cpu->tee_tcb_info, R_TEE_TCB_INFO_LEN);
	out[R_TYPE] = REPORT_TYPE_TDX; /* sub-type 0, version 0 */
	memcpy(out + R_CPUSVN, cpu->cpusvn, 16);
	memcpy(out + R_REPORTDATA, reportdata, 64);
	if (sha384(out + R_TEE_TCB_INFO, R_TEE_TCB_INFO_LEN, out + R_TEE_TCB_HASH) ||
	    sha384(info, R_TDINFO_LEN, out + R_TEE_INFO_HASH))
		return -1;
	return mac(cpu->key, out, out + R_MAC);
}

int tdxsim_report_check(const uint8_t *key, const uint8_t report[TDXSIM_TDREPORT_SIZE])
{
	uint8_t h[48], m[R_MAC_SIZE];
	if (report[R_TYPE] != REPORT_TYPE_TDX)
		return -1;
	if (sha384(report + R_TEE_TCB_INFO, R_TEE_TCB_INFO_LEN, h) || memcmp(h, report + R_TEE_TCB_HASH, 48))
		return -1;
	if (sha384(report + R_TDINFO, R_TDINFO_LEN, h) || memcmp(h, report + R_TEE_INFO_HASH, 48))
		return -1;
	if (mac(key, report, m))
		return -1;
	/* Constant time is not needed in a simulator, but costs nothing. */
	uint8_t diff = 0;
	for (unsigned i = 0; i < R_MAC_SIZE; i++)
		diff |= m[i] ^ report[R_MAC + i];
	return diff ? -1 : 0;
}
