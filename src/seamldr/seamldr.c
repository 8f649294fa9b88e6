/* SPDX-License-Identifier: MIT */
/*
 * P-SEAMLDR entry: which leaves exist, P-SEAMLDR.INFO, the loader's buffer rule, and its
 * state at power-on (seamldr.h). INSTALL is in install.c.
 */
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "seamldr/seamldr.h"

/* The loader's own version: the 2021 loader's proj_defs.mk defaults (major 1, minor 0,
 * build 0, [PS21]); the update number and the build date are invented. */
#define LDR_MAJOR      1
#define LDR_MINOR      0
#define LDR_UPDATE     0
#define LDR_BUILD_DATE 20230101
#define LDR_BUILD_NUM  0

/* SEAMEXTEND.VALID once a module is installed ([PS23] fill_seamextend_structure). */
#define SEAMEXTEND_VALID 0x1FF

int tdxsim_seamldr_init(struct tdxsim_seamldr *l, uint32_t num_lps, uint32_t updates)
{
	memset(l, 0, sizeof(*l));
	l->num_lps = num_lps;
	l->initial_updates = l->remaining_updates = updates;
	l->update_bitmap = calloc(num_lps, 1);
	return l->update_bitmap ? 0 : -1;
}

void tdxsim_seamldr_fini(struct tdxsim_seamldr *l)
{
	free(l->update_bitmap);
	l->update_bitmap = NULL;
}

/*
 * The boot module's measurement per profile: SHA-384 of its descriptor page (blob.c), the
 * image of one page every tdxsim module has. Precomputed because a process's first SHA-384
 * through OpenSSL costs milliseconds (provider loading), which would be most of a small
 * program's tdxsim_create(); tests/test_lifecycle_update.c checks each digest against OpenSSL
 * (boot__mrseam__sha384_of_the_descriptor_page). A profile missing here is hashed at boot.
 */
static const uint8_t boot_mrseam[][48] = {
	[TDXSIM_MODULE_1_5_05] = {0x84, 0xa9, 0x25, 0xa8, 0x08, 0xc9, 0xca, 0xed, 0x7b, 0x82, 0x57, 0x16,
				  0x99, 0x20, 0xaf, 0xf9, 0xf0, 0x31, 0xd2, 0xbd, 0xf4, 0x74, 0xb6, 0x1b,
				  0x92, 0x4c, 0xd5, 0x8d, 0xca, 0x8d, 0x03, 0xbb, 0x60, 0xbb, 0xb7, 0xff,
				  0x25, 0xdd, 0x4a, 0x96, 0xf7, 0x0f, 0x65, 0x66, 0xdc, 0x7c, 0xb5, 0x07},
	[TDXSIM_MODULE_1_5_06] = {0x08, 0xcc, 0x45, 0xf3, 0x7c, 0xed, 0x28, 0x35, 0x58, 0x02, 0x98, 0x08,
				  0x8d, 0x5b, 0xc9, 0x04, 0x42, 0x52, 0x19, 0x2b, 0xe4, 0x29, 0xf0, 0x92,
				  0x3c, 0xc6, 0xc0, 0x99, 0x83, 0xf4, 0x37, 0x42, 0x32, 0x63, 0x40, 0xb2,
				  0x1f, 0xab, 0x00, 0x34, 0x42, 0x78, 0x46, 0xbc, 0xb3, 0xab, 0xd2, 0xe7},
	[TDXSIM_MODULE_1_0] = {0x08, 0xb4, 0x49, 0x0f, 0x5f, 0xb2, 0xfa, 0xf0, 0xeb, 0x34, 0xc2, 0x17,
			       0x17, 0x91, 0x4c, 0x3e, 0x5b, 0xe7, 0xe8, 0xe3, 0x4f, 0xe3, 0x37, 0x60,
			       0x90, 0xea, 0x15, 0x34, 0x64, 0xeb, 0x55, 0xe3, 0x77, 0xd9, 0x3a, 0xad,
			       0xd3, 0x03, 0x4a, 0xb2, 0xfd, 0x20, 0xee, 0xe3, 0xaa, 0xb0, 0xbd, 0xb9},
	[TDXSIM_MODULE_NEXT] = {0xa7, 0xfb, 0xf0, 0xe9, 0xff, 0xf4, 0x51, 0x8e, 0x04, 0x00, 0x6c, 0x79,
				0x57, 0x16, 0x19, 0x51, 0xa5, 0xb8, 0xb5, 0x1d, 0x73, 0xd6, 0xfd, 0xeb,
				0x48, 0x43, 0x7c, 0x0a, 0x9a, 0x3b, 0xe1, 0x56, 0xd2, 0xb2, 0x45, 0xd3,
				0xdd, 0x74, 0x95, 0xb7, 0xcd, 0x15, 0x3e, 0x7c, 0x07, 0x41, 0x5d, 0x3f},
};

void tdxsim_seamldr_boot(struct tdxsim *sim)
{
	struct tdxsim_seamldr *l = &sim->ldr;
	/* The NP-SEAMLDR loads the P-SEAMLDR and the first module only on a BIOS that enabled
	 * TDX; on any other machine a SEAMCALL of either kind is VMfailInvalid (sheet 1.5, 12). */
	l->present = sim->mod.state != TDXSIM_MODULE_GONE;
	if (!l->present)
		return;
	/* The boot module's measurement: as if its image were a tdxsim image of one page. */
	l->seamextend.valid = SEAMEXTEND_VALID;
	l->seamextend.seam_svn = sim->mod.profile->seam_svn;
	unsigned id = (unsigned)sim->mod.profile->id;
	if (id < sizeof(boot_mrseam) / sizeof(boot_mrseam[0])) {
		memcpy(l->seamextend.mrseam, boot_mrseam[id], sizeof(l->seamextend.mrseam));
		return;
	}
	struct tdxsim_module_descriptor d;
	const void *page = &d;
	tdxsim_descriptor_fill(&d, sim->mod.profile);
	if (tdxsim_sha384_pages(&page, 1, l->seamextend.mrseam))
		memset(l->seamextend.mrseam, 0, sizeof(l->seamextend.mrseam));
}

void *tdxsim_seamldr_shared(struct tdxsim *sim, uint64_t pa, uint64_t align, uint64_t len)
{
	const struct tdxsim_hkid *h = &sim->hkid;
	uint64_t plain = tdxsim_hkid_strip(h, pa);

	/* The P-SEAMLDR takes MAXPHYADDR from CPUID, for its "below max PA" check and for where
	 * the KeyID sits ([PS21] helpers.h, pseamldr init): the platform's view (hkid.h). */
	if (!tdxsim_is_aligned(pa, align) || pa >> sim->cfg.phys_addr_bits)
		return NULL;
	/* Only the start address is tested against SEAMRR: the buffer is aligned to its size
	 * ([PS21] helpers.c shared_hpa_check). */
	if (plain >= sim->cfg.seamrr_base && plain - sim->cfg.seamrr_base < sim->cfg.seamrr_size)
		return NULL;
	if (tdxsim_hkid_of_pa(h, pa) >= tdxsim_hkid_first_private(h))
		return NULL;
	return tdxsim_mem_ptr(&sim->mem, plain, len);
}

/* Whether SEAM_READY is set: a module is loaded and not blocked by an INSTALL session. */
static bool seam_ready(const struct tdxsim *sim)
{
	return sim->mod.state != TDXSIM_MODULE_GONE;
}

uint64_t tdxsim_seamldr_info(struct tdxsim *sim, uint32_t lp, tdxsim_regs_t *regs)
{
	const struct tdxsim_seamldr *l = &sim->ldr;
	struct tdxsim_seamldr_info *out =
		tdxsim_seamldr_shared(sim, regs->rcx, TDXSIM_SEAMLDR_INFO_ALIGN, sizeof(*out));

	if (!out)
		return TDXSIM_PSEAMLDR_EBADPARAM;
	memset(out, 0, sizeof(*out));
	out->vendor_id = 0x8086;
	out->build_date = LDR_BUILD_DATE;
	out->build_num = LDR_BUILD_NUM;
	out->minor = LDR_MINOR;
	out->major = LDR_MAJOR;
	out->update = LDR_UPDATE;
	out->acm_x2apicid = sim->cpu.lps[0].x2apic_id; /* the boot LP ran the SEAM loader ACM */
	out->num_remaining_updates = l->remaining_updates;
	out->seam_info = l->seamextend;
	out->seam_ready = seam_ready(sim);
	out->p_seam_ready = 1;
	return TDXSIM_TDX_SUCCESS;
}

bool tdxsim_seamldr_reachable(const struct tdxsim *sim)
{
	const struct tdxsim_seamldr *l = &sim->ldr;
	/* No loader (TDX off in the BIOS, or lost with the module in S3): VMfailInvalid. */
	return l->present && (sim->mod.state != TDXSIM_MODULE_GONE || l->gone_by_loader);
}

uint64_t tdxsim_seamldr_call(struct tdxsim *sim, uint32_t lp, uint64_t rax, tdxsim_regs_t *regs,
			     uint64_t *cycles)
{
	if (!tdxsim_seamldr_reachable(sim))
		return TDXSIM_TDX_SEAMCALL_VMFAILINVALID;
	*cycles += sim->cfg.costs.seamldr_call;
	/* The loader compares all of RAX with its leaf numbers; anything else is EBADPARAM
	 * ([PS23] pseamldr_dispatcher.c). SHUTDOWN (2), SEAMINFO (3) and CLEANUP (4) exist in
	 * the loader but are not emulated: tdxsim answers them as not emulated. */
	switch (rax) {
	case TDXSIM_SEAMLDR_INFO:
		return tdxsim_seamldr_info(sim, lp, regs);
	case TDXSIM_SEAMLDR_INSTALL:
		return tdxsim_seamldr_install(sim, lp, regs, cycles);
	case TDXSIM_SEAMLDR_BIT | 2:
	case TDXSIM_SEAMLDR_BIT | 3:
	case TDXSIM_SEAMLDR_BIT | 4:
		tdxsim_set_error(sim, TDXSIM_OK, "seamcall: P-SEAMLDR leaf %llu is not emulated",
				 (unsigned long long)(rax & ~TDXSIM_SEAMLDR_BIT));
		return TDXSIM_STATUS_NOT_EMULATED;
	default:
		return TDXSIM_PSEAMLDR_EBADPARAM;
	}
}

uint64_t tdxsim_seamldr_hash(const struct tdxsim_seamldr *l, uint64_t h)
{
	h = tdxsim_hash_u64(h, (uint64_t)l->present | (uint64_t)l->gone_by_loader << 1 |
				       (uint64_t)l->key_dirty << 2);
	h = tdxsim_hash_u64(h, l->seamextend.valid);
	h = tdxsim_hash_u64(h, l->seamextend.seam_svn);
	h = tdxsim_hash_bytes(h, l->seamextend.mrseam, sizeof(l->seamextend.mrseam)); /* one block */
	h = tdxsim_hash_u64(h, l->remaining_updates);
	h = tdxsim_hash_u64(h, l->lps_in_update);
	h = tdxsim_hash_u64(h, (uint64_t)(int64_t)l->saved_state);
	return tdxsim_hash_bytes(h, l->update_bitmap, l->num_lps); /* a byte per LP */
}

int tdxsim_seamldr_save(const struct tdxsim_seamldr *l, struct tdxsim_seamldr *saved)
{
	*saved = *l;
	saved->update_bitmap = malloc(l->num_lps);
	if (!saved->update_bitmap)
		return -1;
	memcpy(saved->update_bitmap, l->update_bitmap, l->num_lps);
	return 0;
}

void tdxsim_seamldr_restore(struct tdxsim_seamldr *l, const struct tdxsim_seamldr *saved)
{
	uint8_t *bitmap = l->update_bitmap;
	*l = *saved;
	l->update_bitmap = bitmap;
	memcpy(bitmap, saved->update_bitmap, l->num_lps);
}
