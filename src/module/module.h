/* SPDX-License-Identifier: MIT */
/*
 * The module's identity and metadata: profiles (which module version is emulated, what it
 * reports and which leaves it has) and the global metadata read by TDH.SYS.RD, TDH.SYS.RDALL
 * and TDH.SYS.INFO. Pure functions of a read-only view; no simulator state is changed here.
 */
#ifndef TDXSIM_MODULE_H
#define TDXSIM_MODULE_H

#include <stdbool.h>
#include <stdint.h>

#include "tdxsim/tdxsim.h"

/* Marks a leaf absent from a profile in tdxsim_profile.leaf_max_version. */
#define TDXSIM_LEAF_ABSENT 0xFF

struct tdxsim_cpuid_config_entry {
	uint32_t leaf, subleaf; /* subleaf 0xFFFFFFFF = none */
	uint32_t eax, ebx, ecx, edx;
};

/* A module version as tdxsim emulates it (docs/fidelity.md, "Profiles"). */
struct tdxsim_profile {
	tdxsim_module_profile_t id;
	const char *name; /* "1.5.05" */
	uint16_t major, minor, update, internal;
	uint32_t build_date; /* YYYYMMDD */
	uint16_t build_num;
	uint16_t module_hv, min_update_hv; /* handoff versions */
	uint8_t no_downgrade;		   /* NO_DOWNGRADE build flag (added: SYS.RD reports it) */
	/* Added for the P-SEAMLDR (seamldr/, docs/lifecycle.md): the SEAM SVN its sigstruct
	 * carries (major in 15:8, minor in 7:0) and its handoff buffer size in pages. */
	uint16_t seam_svn;
	uint16_t num_handoff_pages;
	uint64_t features0; /* TDX_FEATURES0 */
	bool abi_1_0;	    /* TDX 1.0: whole RAX compared with the leaf, no SYS.RD/RDALL */
	bool has_max_vcpus; /* MAX_VCPUS_PER_TD exists (1.5.05+) */
	uint16_t max_vcpus_per_td;
	/* Added: MIN_VIRT_MAXPA (0x9900000000000009) exists only from 1.5.06 on [M156]. */
	bool has_min_virt_maxpa;
	uint8_t min_virt_maxpa;
	uint16_t tdcs_base_size, tdvps_base_size;
	uint64_t attributes_fixed0, attributes_fixed1, xfam_fixed0, xfam_fixed1;
	uint64_t config_flags_fixed0, config_flags_fixed1;
	unsigned num_cpuid_config;
	const struct tdxsim_cpuid_config_entry *cpuid_config;
	/* Highest version accepted per leaf number; TDXSIM_LEAF_ABSENT if the leaf does not exist. */
	uint8_t leaf_max_version[TDXSIM_NUM_LEAF_SLOTS];
};

const struct tdxsim_profile *tdxsim_profile_get(tdxsim_module_profile_t which);

/* One element of the SYS table as the view reports it (tdxsim_md_view_build()). */
struct tdxsim_md_elem {
	uint32_t key;	   /* class code << 24 | field code */
	uint8_t row;	   /* row of the field table */
	uint8_t elem;	   /* element within the row */
	bool last;	   /* the row's last element: SYS.RD's next id is @next_row */
	uint64_t value;	   /* masked to the element size */
	uint64_t next_row; /* id of the next present row, or -1 */
};
#define TDXSIM_MD_MAX_ELEMS   512  /* fields.def has 356 */
#define TDXSIM_MD_INDEX_SLOTS 1024 /* power of two, about 3x the elements */
#define TDXSIM_MD_PAGE	      4096

/* Everything the global metadata reports that is not fixed by the profile. */
struct tdxsim_md_view {
	const struct tdxsim_profile *profile;
	uint32_t num_pkgs;
	uint32_t pkg_fms[TDXSIM_MAX_PACKAGES]; /* CPUID(1).EAX per package */
	const tdxsim_range_t *cmrs;	       /* TDXSIM_MAX_CMRS entries, size 0 = empty */
	uint16_t max_tdmrs, max_reserved_per_tdmr;
	uint16_t pamt_entry_size[3];

	/* Derived by tdxsim_md_view_build(), for speed only (bench_seamcall): an index of every
	 * element of the emulated module's table with its value and next id for SYS.RD's lookup
	 * (the rows the profile lacks are left out), and the TDH.SYS.RDALL page of a dump from the first
	 * field with its status and next id. A view never built answers the same, more slowly. */
	bool built;
	uint16_t index[TDXSIM_MD_INDEX_SLOTS]; /* open addressing: element + 1, 0 = empty */
	uint16_t num_elems;
	struct tdxsim_md_elem elems[TDXSIM_MD_MAX_ELEMS];
	uint8_t rdall_page[TDXSIM_MD_PAGE];
	uint64_t rdall_status, rdall_next;
};

/*
 * Builds the derived part of @v from the fields above. Call it after setting or changing any
 * of them (sim.c at power-on, seamldr/instance.c when a new module instance is loaded): the
 * RDALL page would otherwise report the old values.
 */
void tdxsim_md_view_build(struct tdxsim_md_view *v);
/* Whether @a and @b have the same fields above (the profile by its address: compare what it
 * points to too), so that their derived parts are equal when both are built. Snapshot
 * restores copy the 18 KiB view only when not (sim/snapshot.c). */
bool tdxsim_md_view_same_inputs(const struct tdxsim_md_view *a, const struct tdxsim_md_view *b);

/*
 * TDH.SYS.RD semantics for one field id (sheet 4.1): returns the status; on success *value is
 * the element (masked to its size) and *next the next element's id or -1; on failure
 * *value = 0 and *next = -1. Input -1 gives TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT with
 * *next = the first field id.
 */
uint64_t tdxsim_md_sys_read(const struct tdxsim_md_view *v, uint64_t field_id, uint64_t *value,
			    uint64_t *next);

/*
 * TDH.SYS.RDALL: writes a metadata list (header + sequences) starting at @start_id into the
 * 4 KiB @page; *next receives the next field id to read, or -1 when all were written.
 */
uint64_t tdxsim_md_sys_read_all(const struct tdxsim_md_view *v, uint64_t start_id, void *page,
				uint64_t *next);

/*
 * Added: the metadata-list dump behind TDH.SYS.RDALL with an explicit buffer size (the leaf
 * passes 4096). With the SYS table a 4 KiB page never fills, so this is how tests reach
 * TDX_METADATA_LIST_OVERFLOW. @buf needs no alignment. Same statuses as above.
 */
uint64_t tdxsim_md_sys_dump_list(const struct tdxsim_md_view *v, uint64_t start_id, void *buf, uint32_t size,
				 uint64_t *next);

/* TDH.SYS.INFO: fills TDSYSINFO_STRUCT (1024 bytes) and the 32-entry CMR_INFO array. */
void tdxsim_md_fill_sysinfo(const struct tdxsim_md_view *v, struct tdxsim_tdsysinfo *info);
void tdxsim_md_fill_cmr_info(const struct tdxsim_md_view *v, struct tdxsim_cmr_info cmrs[TDXSIM_MAX_CMRS]);

#endif
