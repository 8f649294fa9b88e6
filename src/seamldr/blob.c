/* SPDX-License-Identifier: MIT */
/*
 * Module images (tdxsim/seamldr.h): the "TDX blob" layout Linux's update path parses (sheet
 * 14.3, [LN] seamldr.c: a 4 KiB header, sigstruct pages, module pages), filled with tdxsim's
 * stand-ins for the sigstruct and the module, and the SHA-384 the loader measures with.
 */
#include <string.h>

#include <openssl/evp.h>

#include "core/util.h"
#include "module/module.h"
#include "seamldr/seamldr.h"

#define PAGE 4096u

void tdxsim_descriptor_fill(struct tdxsim_module_descriptor *d, const struct tdxsim_profile *p)
{
	memset(d, 0, sizeof(*d));
	memcpy(d->magic, TDXSIM_DESCRIPTOR_MAGIC, sizeof(d->magic));
	d->version = 1;
	d->profile = (uint32_t)p->id;
	strncpy(d->name, p->name, sizeof(d->name) - 1);
}

const struct tdxsim_profile *tdxsim_descriptor_parse(const struct tdxsim_module_descriptor *d)
{
	if (memcmp(d->magic, TDXSIM_DESCRIPTOR_MAGIC, sizeof(d->magic)) || d->version != 1 ||
	    !tdxsim_all_zero(d->reserved, sizeof(d->reserved)))
		return NULL;
	const struct tdxsim_profile *p = tdxsim_profile_get((tdxsim_module_profile_t)d->profile);
	if (!p || strncmp(d->name, p->name, sizeof(d->name)))
		return NULL;
	return p;
}

int tdxsim_sha384_pages(const void *const *pages, unsigned n, uint8_t out[48])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned len = 0;
	int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha384(), NULL);
	for (unsigned i = 0; ok && i < n; i++)
		ok = EVP_DigestUpdate(ctx, pages[i], PAGE);
	ok = ok && EVP_DigestFinal_ex(ctx, out, &len) && len == 48;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -1;
}

void tdxsim_blob_opts_init(tdxsim_blob_opts_t *o, tdxsim_module_profile_t module)
{
	if (!o)
		return;
	memset(o, 0, sizeof(*o));
	o->size = sizeof(*o);
	o->module = module;
	o->num_module_pages = 1;
	const struct tdxsim_profile *p = tdxsim_profile_get(module);
	if (p) {
		o->seam_svn = p->seam_svn;
		o->module_hv = p->module_hv;
		o->min_update_hv = p->min_update_hv;
		o->no_downgrade = p->no_downgrade;
		o->num_handoff_pages = p->num_handoff_pages;
	}
}

size_t tdxsim_blob_size(const tdxsim_blob_opts_t *o)
{
	if (!o || o->size != sizeof(*o) || !tdxsim_profile_get(o->module) || o->num_module_pages < 1 ||
	    o->num_module_pages > TDXSIM_SEAMLDR_MAX_MODULE_PAGES || o->num_cpuids > 8)
		return 0;
	return (size_t)(2 + o->num_module_pages) * PAGE;
}

tdxsim_err_t tdxsim_blob_write(const tdxsim_blob_opts_t *o, void *buf, size_t len)
{
	size_t size = tdxsim_blob_size(o);
	if (!size || !buf || len < size)
		return TDXSIM_ERR_INVALID_ARG;
	uint8_t *b = buf;
	memset(b, 0, size);

	struct tdxsim_image_header *h = (void *)b;
	h->version = TDXSIM_IMAGE_VERSION;
	memcpy(h->signature, "TDX-BLOB", sizeof(h->signature));
	h->sigstruct_nr_pages = 1;
	h->module_nr_pages = o->num_module_pages;

	/* Module pages: the descriptor, then filler that differs per page (so that the hash
	 * covers every page and a changed byte anywhere is EBADHASH). */
	uint8_t *mod = b + 2 * PAGE;
	tdxsim_descriptor_fill((void *)mod, tdxsim_profile_get(o->module));
	for (uint32_t i = 1; i < o->num_module_pages; i++)
		memset(mod + (size_t)i * PAGE, (int)(i & 0xFF), PAGE);

	struct tdxsim_sigstruct *s = (void *)(b + PAGE);
	memcpy(s->magic, TDXSIM_SIGSTRUCT_MAGIC, sizeof(s->magic));
	s->module_vendor = 0x8086;
	s->seam_svn = o->seam_svn;
	s->module_hv = o->module_hv;
	s->min_update_hv = o->min_update_hv;
	s->no_downgrade = o->no_downgrade;
	s->num_cpuids = o->num_cpuids;
	s->num_handoff_pages = o->num_handoff_pages;
	memcpy(s->cpuids, o->cpuids, sizeof(s->cpuids));
	const void *pages[TDXSIM_SEAMLDR_MAX_MODULE_PAGES];
	for (uint32_t i = 0; i < o->num_module_pages; i++)
		pages[i] = mod + (size_t)i * PAGE;
	if (tdxsim_sha384_pages(pages, o->num_module_pages, s->seamhash))
		return TDXSIM_ERR_NO_MEMORY;
	return TDXSIM_OK;
}
