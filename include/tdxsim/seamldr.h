/* SPDX-License-Identifier: MIT */
/**
 * @file seamldr.h
 * @brief The P-SEAMLDR (persistent SEAM loader) and TD-preserving module update.
 *
 * A SEAMCALL with RAX bit 63 set goes to the P-SEAMLDR, not to the TDX module (sheet 1.1, 2.4).
 * tdxsim answers the two calls current Linux makes:
 * - P-SEAMLDR.INFO (RAX = TDXSIM_SEAMLDR_INFO): RCX = PA of a 256-byte, 256-aligned
 *   struct tdxsim_seamldr_info, which the loader fills.
 * - P-SEAMLDR.INSTALL (RAX = TDXSIM_SEAMLDR_INSTALL): RCX = PA of a 4 KiB
 *   struct tdxsim_seamldr_params. Every LP of the platform calls it once per session; the
 *   first call blocks the running module (its SEAMCALLs then fail with VMfailInvalid), the
 *   last one checks the parameters and installs the new module. RDX returns 0, or on failure
 *   1 when the old module could not be kept (the SEAM range was already being rewritten).
 * Statuses are the loader's own (TDXSIM_PSEAMLDR_*, abi_constants.h); which call returns which,
 * in which order, and what is an assumption: docs/lifecycle.md.
 *
 * The update sequence around it (sheet 14.3): TDH.SYS.RD MODULE_HV, TDH.SYS.SHUTDOWN(RCX =
 * MODULE_HV), INSTALL on every LP, TDH.SYS.INIT, TDH.SYS.LP.INIT on every LP, TDH.SYS.UPDATE.
 *
 * Module images. Linux's update path takes an image ("TDX blob", struct tdxsim_image_header
 * followed by sigstruct pages and module pages) and points INSTALL at its pages. Real images are
 * signed Intel binaries that tdxsim cannot run, so tdxsim's images carry stand-ins of its own,
 * laid out below: a sigstruct page with the fields the loader acts on (SEAM SVN, handoff
 * versions, supported CPUs, the SHA-384 of the module pages) and a first module page that names
 * the module profile. tdxsim_blob_write() builds such an image; host code places it in
 * simulated memory exactly as it would place a real one.
 */
#ifndef TDXSIM_SEAMLDR_PUBLIC_H
#define TDXSIM_SEAMLDR_PUBLIC_H

#include "tdxsim/tdxsim.h"

#ifdef __cplusplus
extern "C" {
#endif

/** P-SEAMLDR leaves: RAX values (sheet 2.4; [PS23] pseamldr_api_defs.h). */
#define TDXSIM_SEAMLDR_INFO    (TDXSIM_SEAMLDR_BIT | 0)
#define TDXSIM_SEAMLDR_INSTALL (TDXSIM_SEAMLDR_BIT | 1)

/** SEAMLDR_PARAMS.scenario: install from scratch / update the running module. */
#define TDXSIM_SEAMLDR_SCENARIO_LOAD	0
#define TDXSIM_SEAMLDR_SCENARIO_UPDATE	1
#define TDXSIM_SEAMLDR_MAX_MODULE_PAGES 496
#define TDXSIM_SEAMLDR_INFO_ALIGN	256
/** INSTALL's RDX on failure: 0 = the old module is back, 1 = no module is left. */
#define TDXSIM_SEAMLDR_RECOVERABLE   0
#define TDXSIM_SEAMLDR_UNRECOVERABLE 1

/** The identity of the loaded module as the CPU's SEAMEXTEND register holds it (128 bytes). */
struct tdxsim_seam_info {
	uint64_t valid;	   /**< 0x1FF once a module was installed, 0 when none is left */
	uint16_t seam_svn; /**< major SVN in 15:8, minor in 7:0 */
	uint8_t last_patch_se_svn;
	uint8_t reserved0[13];
	uint8_t mrseam[48];   /**< SHA-384 of the module image */
	uint8_t mrsigner[48]; /**< 0 */
	uint64_t attributes;  /**< 0 */
};

/** P-SEAMLDR.INFO output: 256 bytes, 256-aligned (layout of Linux's struct seamldr_info, sheet 2.4). */
struct tdxsim_seamldr_info {
	uint32_t version;    /**< 0 */
	uint32_t attributes; /**< bit 31: debug loader (0) */
	uint32_t vendor_id;  /**< 0x8086 */
	uint32_t build_date;
	uint16_t build_num;
	uint16_t minor;
	uint16_t major;
	uint16_t update;
	uint32_t acm_x2apicid; /**< x2APIC id of the LP that ran the SEAM loader ACM at boot */
	uint32_t num_remaining_updates;
	struct tdxsim_seam_info seam_info;
	uint8_t seam_ready; /**< the module accepts SEAMCALLs */
	uint8_t seam_debug;
	uint8_t p_seam_ready; /**< 1 */
	uint8_t reserved0[5];
	uint64_t features0; /**< 0: tdxsim's loader has no SEAMLDR.CLEANUP (docs/lifecycle.md) */
	uint8_t reserved1[80];
};

/** P-SEAMLDR.INSTALL input: one 4 KiB page (sheet 2.4). */
struct tdxsim_seamldr_params {
	uint32_t version;  /**< must be 0 */
	uint32_t scenario; /**< TDXSIM_SEAMLDR_SCENARIO_* */
	uint64_t sigstruct_pa;
	uint8_t reserved[104]; /**< must be 0 */
	uint64_t num_module_pages;
	uint64_t module_pages_pa[TDXSIM_SEAMLDR_MAX_MODULE_PAGES];
};

/** First page of a module image as Linux's update path parses it (sheet 14.3). */
struct tdxsim_image_header {
	uint16_t version;	     /**< TDXSIM_IMAGE_VERSION */
	uint16_t checksum;	     /**< not checked by Linux; tdxsim writes 0 */
	char signature[8];	     /**< "TDX-BLOB", no terminator */
	uint32_t sigstruct_nr_pages; /**< at most 1 */
	uint32_t module_nr_pages;    /**< at most 496 */
	uint8_t reserved[4076];	     /**< must be 0 */
};
#define TDXSIM_IMAGE_VERSION 0x200

/**
 * tdxsim's sigstruct page (a stand-in: a real sigstruct is an RSA-signed Intel structure). The
 * loader rejects it with TDXSIM_PSEAMLDR_EBADSIG unless the magic, the vendor and every
 * reserved byte are right and min_update_hv <= module_hv; docs/lifecycle.md has the rest.
 */
struct tdxsim_sigstruct {
	char magic[8];		/**< "TDXSIMSS" */
	uint32_t module_vendor; /**< 0x8086 */
	uint16_t seam_svn;	/**< major SVN in 15:8, minor in 7:0 */
	uint16_t module_hv;	/**< handoff versions the new module takes: it accepts handoff */
	uint16_t min_update_hv; /**<   data of version min_update_hv..module_hv */
	uint8_t no_downgrade;
	uint8_t num_cpuids; /**< entries used in cpuids; 0 = runs on any CPU */
	uint16_t num_handoff_pages;
	uint16_t reserved0;
	uint32_t cpuids[8];   /**< CPUID(1).EAX of supported CPUs, stepping ignored */
	uint8_t seamhash[48]; /**< SHA-384 of all module pages */
	uint8_t reserved1[3992];
};
#define TDXSIM_SIGSTRUCT_MAGIC "TDXSIMSS"

/** The first module page of a tdxsim image: which module profile it is. */
struct tdxsim_module_descriptor {
	char magic[8];	  /**< "TDXSIMMD" */
	uint32_t version; /**< 1 */
	uint32_t profile; /**< tdxsim_module_profile_t */
	char name[16];	  /**< the profile's name, NUL-padded ("1.5.06") */
	uint8_t reserved[4064];
};
#define TDXSIM_DESCRIPTOR_MAGIC "TDXSIMMD"

/** What tdxsim_blob_write() puts into an image. Initialize with tdxsim_blob_opts_init(). */
typedef struct tdxsim_blob_opts {
	size_t size; /**< sizeof(tdxsim_blob_opts_t) */
	tdxsim_module_profile_t module;
	uint32_t num_module_pages; /**< 1..496 (default 1: the descriptor; more pages are filler) */
	/* Sigstruct fields; defaults are the profile's. */
	uint16_t seam_svn, module_hv, min_update_hv, num_handoff_pages;
	uint8_t no_downgrade;
	uint8_t num_cpuids; /**< default 0 (any CPU) */
	uint32_t cpuids[8];
} tdxsim_blob_opts_t;

/** Defaults for an image of @p module. */
TDXSIM_API void tdxsim_blob_opts_init(tdxsim_blob_opts_t *opts, tdxsim_module_profile_t module);

/** Size in bytes of the image @p opts describes (header + 1 sigstruct page + module pages), 0 if invalid. */
TDXSIM_API size_t tdxsim_blob_size(const tdxsim_blob_opts_t *opts);

/**
 * Writes the image @p opts describes to @p buf (@p len >= tdxsim_blob_size()).
 * @return TDXSIM_OK, TDXSIM_ERR_INVALID_ARG (bad options or buffer too small)
 */
TDXSIM_API tdxsim_err_t tdxsim_blob_write(const tdxsim_blob_opts_t *opts, void *buf, size_t len);

/**
 * Allocates 4 KiB-aligned simulated RAM and writes the image there, as firmware upload leaves
 * it in a kernel buffer. Free it with tdxsim_phys_free(sim, *pa, *len).
 * @return TDXSIM_OK, TDXSIM_ERR_INVALID_ARG, TDXSIM_ERR_NO_SPACE
 */
TDXSIM_API tdxsim_err_t tdxsim_blob_place(tdxsim_t *sim, const tdxsim_blob_opts_t *opts, uint64_t *pa,
					  uint64_t *len);

#ifndef __cplusplus
_Static_assert(sizeof(struct tdxsim_seam_info) == 128, "SEAMEXTEND view");
_Static_assert(sizeof(struct tdxsim_seamldr_info) == 256, "SEAMLDR_INFO size");
_Static_assert(__builtin_offsetof(struct tdxsim_seamldr_info, num_remaining_updates) == 28, "SEAMLDR_INFO");
_Static_assert(__builtin_offsetof(struct tdxsim_seamldr_info, seam_ready) == 160, "SEAMLDR_INFO");
_Static_assert(sizeof(struct tdxsim_seamldr_params) == 4096, "SEAMLDR_PARAMS size");
_Static_assert(__builtin_offsetof(struct tdxsim_seamldr_params, num_module_pages) == 120, "SEAMLDR_PARAMS");
_Static_assert(sizeof(struct tdxsim_image_header) == 4096, "TDX blob header size");
_Static_assert(__builtin_offsetof(struct tdxsim_image_header, sigstruct_nr_pages) == 12, "TDX blob header");
_Static_assert(sizeof(struct tdxsim_sigstruct) == 4096, "sigstruct page");
_Static_assert(sizeof(struct tdxsim_module_descriptor) == 4096, "descriptor page");
#endif

#ifdef __cplusplus
}
#endif

#endif
