/* SPDX-License-Identifier: MIT */
/*
 * td-lifecycle: a hypervisor's TD life against tdxsim. Brings the module up (examples/host-init),
 * builds two TDs with two vCPUs each and a 2 MiB measured firmware image, prints each MRTD and
 * checks it against one computed independently from the published layout (tdx-module-abi.md
 * 11.5), tears one TD down while the other lives, then the other, and checks with
 * TDH.PHYMEM.PAGE.RDMD that every page is PT_NDA again and that both KeyIDs are free.
 * Each phase prints the virtual cycles it took (all LPs). Exit status 0 when all of it holds.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "host_tdx.h"
#include "kvm_td.h"
#include "tdxsim/td.h"

#define IMAGE_GPA   UINT64_C(0xFFE00000) /* the top 2 MiB below 4 GiB, where firmware lives */
#define IMAGE_BYTES (UINT64_C(2) << 20)

static uint64_t all_cycles(tdxsim_t *sim)
{
	uint64_t sum = 0;
	for (uint32_t lp = 0; lp < tdxsim_num_lps(sim); lp++)
		sum += tdxsim_lp_cycles(sim, lp);
	return sum;
}

static void phase(tdxsim_t *sim, uint64_t *mark, const char *what)
{
	uint64_t now = all_cycles(sim);
	printf("  %-44s %14llu cycles\n", what, (unsigned long long)(now - *mark));
	*mark = now;
}

/* What a verifier computes from the image alone: SHA-384 over, per page, the 128-byte
 * "MEM.PAGE.ADD" block, then per 256-byte chunk the 128-byte "MR.EXTEND" block and the chunk. */
static void expected_mrtd(const uint8_t *image, uint64_t len, uint64_t gpa, uint8_t out[48])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned n = 0;
	EVP_DigestInit_ex(ctx, EVP_sha384(), NULL);
	for (uint64_t off = 0; off < len; off += 4096) {
		uint8_t block[128] = "MEM.PAGE.ADD";
		uint64_t a = gpa + off;
		memcpy(block + 16, &a, 8);
		EVP_DigestUpdate(ctx, block, sizeof(block));
		for (unsigned c = 0; c < 4096; c += 256) {
			uint8_t eblock[128] = "MR.EXTEND";
			a = gpa + off + c;
			memcpy(eblock + 16, &a, 8);
			EVP_DigestUpdate(ctx, eblock, sizeof(eblock));
			EVP_DigestUpdate(ctx, image + off + c, 256);
		}
	}
	EVP_DigestFinal_ex(ctx, out, &n);
	EVP_MD_CTX_free(ctx);
}

static void print_hex(const char *label, const uint8_t *b, size_t n)
{
	printf("  %s ", label);
	for (size_t i = 0; i < n; i++)
		printf("%02x", b[i]);
	printf("\n");
}

/* Every page the TD ever gave the module. */
static unsigned td_pages(const struct kvm_tdx *k, const struct kvm_td *td, uint64_t *out)
{
	unsigned n = 0;
	out[n++] = td->tdr;
	for (unsigned i = 0; i < td->num_tdcs; i++)
		out[n++] = td->tdcs[i];
	for (unsigned v = 0; v < td->num_vcpus; v++) {
		out[n++] = td->vcpu[v].tdvpr;
		for (unsigned i = 0; i < k->caps.tdvpx_pages; i++)
			out[n++] = td->vcpu[v].tdcx[i];
	}
	for (unsigned i = 0; i < td->num_sept; i++)
		out[n++] = td->sept[i];
	for (unsigned i = 0; i < td->num_pages; i++)
		out[n++] = td->hpa[i];
	return n;
}

static int check_released(struct kvm_tdx *k, const uint64_t *pages, unsigned n, uint32_t hkid)
{
	for (unsigned i = 0; i < n; i++) {
		tdxsim_regs_t r = {.rcx = pages[i]};
		uint64_t st = tdxsim_seamcall(k->sim, 0, TDXSIM_TDH_PHYMEM_PAGE_RDMD, &r);
		if (st != 0 || r.rcx != TDXSIM_PT_NDA) {
			fprintf(stderr, "td-lifecycle: page %#llx is type %llu after teardown\n",
				(unsigned long long)pages[i], (unsigned long long)r.rcx);
			return -1;
		}
	}
	if (tdxsim_kot_state(k->sim, hkid) != 0) {
		fprintf(stderr, "td-lifecycle: KeyID %u is not free\n", hkid);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1) {
		printf("usage: td-lifecycle\n"
		       "Builds, measures and tears down two TDs the way KVM does; prints each phase\n"
		       "with virtual cycles and each MRTD. Exit status 0 when every check holds.\n");
		return strcmp(argv[1], "--help") && strcmp(argv[1], "-h") ? 2 : 0;
	}
	tdxsim_config_t cfg;
	tdxsim_t *sim;
	struct host_tdx host;
	struct host_tdx_opts opts = {0};
	static struct kvm_tdx k;
	static struct kvm_td td[2];
	static uint64_t pages[2][4096];
	unsigned npages[2];
	uint8_t *image = malloc(IMAGE_BYTES);
	uint64_t mark;
	int rc = 1;

	tdxsim_config_init(&cfg);
	cfg.num_packages = 2;
	cfg.lps_per_package = 2;
	if (!image || tdxsim_create(&cfg, &sim) != TDXSIM_OK)
		return 1;
	printf("td-lifecycle: 2 packages x 2 LPs, 16 GiB\n");
	mark = all_cycles(sim);
	if (host_tdx_init(sim, &opts, &host)) {
		fprintf(stderr, "td-lifecycle: bring-up failed: %s\n", host.message);
		goto out;
	}
	phase(sim, &mark, "module bring-up");
	if (kvm_tdx_init(&k, sim, host.global_keyid, host.keyid_first, host.keyid_count, stderr))
		goto out;
	for (unsigned t = 0; t < 2; t++) {
		char label[64];
		for (uint64_t i = 0; i < IMAGE_BYTES; i++)
			image[i] = (uint8_t)(i * 7 + 3 + 101 * t);
		printf("TD %c\n", 'A' + t);
		if (kvm_td_create(&k, &td[t], 2))
			goto out;
		phase(sim, &mark, "create, keys on 2 packages, TDCS, MNG.INIT");
		for (unsigned v = 0; v < 2; v++)
			if (kvm_td_vcpu_create(&k, &td[t], 2 * t + v))
				goto out;
		phase(sim, &mark, "2 vCPUs (VP.CREATE, ADDCX, INIT v1)");
		if (kvm_td_add_image(&k, &td[t], IMAGE_GPA, image, IMAGE_BYTES))
			goto out;
		phase(sim, &mark, "2 MiB image: SEPT.ADD, PAGE.ADD, MR.EXTEND");
		if (kvm_td_finalize(&k, &td[t]))
			goto out;
		phase(sim, &mark, "MR.FINALIZE");
		uint8_t want[48];
		expected_mrtd(image, IMAGE_BYTES, IMAGE_GPA, want);
		snprintf(label, sizeof(label), "MRTD %c  ", 'A' + t);
		print_hex(label, td[t].mrtd, 48);
		if (memcmp(want, td[t].mrtd, 48)) {
			print_hex("expected", want, 48);
			fprintf(stderr, "td-lifecycle: MRTD of TD %c differs from the layout's\n", 'A' + t);
			goto out;
		}
		npages[t] = td_pages(&k, &td[t], pages[t]);
	}
	for (unsigned t = 0; t < 2; t++) {
		printf("TD %c teardown%s\n", 'A' + t, t == 0 ? " (TD B lives on)" : "");
		uint32_t hkid = td[t].hkid;
		if (kvm_td_destroy(&k, &td[t]))
			goto out;
		phase(sim, &mark, "zap 512 pages, release KeyID, reclaim");
		if (check_released(&k, pages[t], npages[t], hkid))
			goto out;
		printf("  %u pages back to PT_NDA, KeyID %u free\n", npages[t], hkid);
	}
	if (tdxsim_td_count(sim) != 0)
		goto out;
	char msg[256];
	if (tdxsim_check_invariants(sim, msg, sizeof(msg)) != TDXSIM_OK) {
		fprintf(stderr, "td-lifecycle: invariant: %s\n", msg);
		goto out;
	}
	printf("td-lifecycle: OK\n");
	rc = 0;
out:
	if (rc && k.last_step)
		fprintf(stderr, "td-lifecycle: stopped at %s\n", k.last_step);
	tdxsim_destroy(sim);
	free(image);
	return rc;
}
