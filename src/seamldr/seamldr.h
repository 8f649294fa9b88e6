/* SPDX-License-Identifier: MIT */
/*
 * The P-SEAMLDR model and the module instance's life (load, update, disable).
 *
 * What is modelled, after the P-SEAMLDR's own source ([PS23]: a 2023 MIT-licensed tree,
 * seamldr_install.c / seamldr_info.c / pseamldr_api_defs.h, code-index files 19597444127,
 * 19424481933, 19669118865; [PS21]: qizhangz/seam-loader 7bebedf5, the 2021 loader) and
 * docs/lifecycle.md:
 *  - SEAMEXTEND: the loaded module's SVN and measurement, and SEAM_READY, which gates every
 *    SEAMCALL to the module. tdxsim keeps SEAM_READY as the module state: while the loader
 *    blocks the module, struct tdxsim_module.state is TDXSIM_MODULE_GONE and @gone_by_loader
 *    says the loader did it (a module lost to S3 takes the loader with it).
 *  - An INSTALL session: a bitmap of the LPs that called INSTALL; the first blocks the module,
 *    the last one (bitcount == every LP of the platform, offline ones included) does the work.
 *  - The number of TD-preserving updates left (SEAMDB room).
 *
 * Layering: this folder sits below seamcall and sim, above state; it changes the whole
 * simulator (module instance, PAMT store, KOT) and so sees struct tdxsim (state/state.h).
 * Locking: every function runs with the simulator lock held.
 */
#ifndef TDXSIM_SEAMLDR_H
#define TDXSIM_SEAMLDR_H

#include <stdbool.h>
#include <stdint.h>

#include "tdxsim/seamldr.h"

#include "state/state.h"

struct tdxsim;
struct tdxsim_profile;

/* Its state, struct tdxsim_seamldr, is a member of struct tdxsim (state/state.h). */

/* 0, or -1 when out of memory. */
int tdxsim_seamldr_init(struct tdxsim_seamldr *l, uint32_t num_lps, uint32_t updates);
void tdxsim_seamldr_fini(struct tdxsim_seamldr *l);
/* Snapshots (sim/snapshot.c): @saved becomes a copy with its own bitmap (free it with
 * tdxsim_seamldr_fini); restore copies it back into @l of the same simulator. save: 0 or -1. */
int tdxsim_seamldr_save(const struct tdxsim_seamldr *l, struct tdxsim_seamldr *saved);
void tdxsim_seamldr_restore(struct tdxsim_seamldr *l, const struct tdxsim_seamldr *saved);
/* Power-on: the loader is there iff the BIOS enabled TDX; SEAMEXTEND describes the boot module. */
void tdxsim_seamldr_boot(struct tdxsim *sim);

/* Whether a SEAMCALL with RAX bit 63 reaches the loader (else the CPU answers VMfailInvalid). */
bool tdxsim_seamldr_reachable(const struct tdxsim *sim);
/* A SEAMCALL with RAX bit 63 (tdxsim_seamcall()); adds its cost to *cycles. */
uint64_t tdxsim_seamldr_call(struct tdxsim *sim, uint32_t lp, uint64_t rax, tdxsim_regs_t *regs,
			     uint64_t *cycles);
uint64_t tdxsim_seamldr_info(struct tdxsim *sim, uint32_t lp, tdxsim_regs_t *regs);
uint64_t tdxsim_seamldr_install(struct tdxsim *sim, uint32_t lp, tdxsim_regs_t *regs, uint64_t *cycles);

/* Folds the loader state into the observable-state hash. */
uint64_t tdxsim_seamldr_hash(const struct tdxsim_seamldr *l, uint64_t h);

/* The loader's view of a host buffer ([PS21] shared_hpa_check): @align-aligned, below 2^52,
 * start address outside SEAMRR, KeyID below the first private one; tdxsim also needs the bytes
 * to be simulated RAM. Returns a pointer to them or NULL. */
void *tdxsim_seamldr_shared(struct tdxsim *sim, uint64_t pa, uint64_t align, uint64_t len);

/*
 * Module instances (instance.c).
 * load: a new instance of @p with the handoff versions of its sigstruct, in SYSINIT_PENDING
 * with no LP initialized. @keep_handoff: TD-preserving update, TDMRs/PAMT/KOT/keys stay for
 * TDH.SYS.UPDATE; otherwise they are gone (scenario LOAD).
 * reset: what TDH.SYS.DISABLE leaves: the same instance, freshly loaded, all TDX state gone.
 * drop_handoff: the new instance was configured from scratch (TDH.SYS.CONFIG) instead of
 * updated; the handed-over TDMRs and KeyIDs are no longer anyone's, and the new instance's
 * own KOT (hkid.h reserved_next) is the one in force.
 */
void tdxsim_module_instance_load(struct tdxsim *sim, const struct tdxsim_profile *p,
				 const struct tdxsim_sigstruct *sig, bool keep_handoff);
void tdxsim_module_instance_reset(struct tdxsim *sim);
void tdxsim_module_drop_handoff(struct tdxsim *sim);
/* Every LP back to "TDH.SYS.LP.INIT not done" (seamldr/instance.c). */
void tdxsim_module_forget_lps(struct tdxsim_module *m, uint32_t num_lps);

/* Image helpers (blob.c): the descriptor page of @p, and SHA-384 over pages. */
void tdxsim_descriptor_fill(struct tdxsim_module_descriptor *d, const struct tdxsim_profile *p);
/* Parses a descriptor; NULL if it does not name a known profile. */
const struct tdxsim_profile *tdxsim_descriptor_parse(const struct tdxsim_module_descriptor *d);
/* SHA-384 of @n pages at @pages[i]; 0, or -1 if the digest could not be computed. */
int tdxsim_sha384_pages(const void *const *pages, unsigned n, uint8_t out[48]);

#endif
