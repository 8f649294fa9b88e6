/* SPDX-License-Identifier: MIT */
/*
 * Trust domains as the module keeps them: the TDR, the TDCS and each vCPU's TDVPS, and the
 * registry that finds them by physical address (td-build.md 1.1, 3, 4).
 *
 * Where the state lives. On hardware these structures sit in the TD's own pages, encrypted
 * with the global KeyID (TDR) or the TD's HKID (TDCS, TDVPS). tdxsim keeps their fields here,
 * out of band, keyed by the page's PA (like the PAMT store), and models the pages' memory
 * through the integrity model (mce/): the module's MOVDIR64B fills make their lines private to
 * the right KeyID, so a host that reads or writes them sees what hardware shows. Host writes
 * into a control page cannot corrupt these fields (on hardware they would poison the line and
 * the module's next read would machine-check: docs/fidelity.md).
 *
 * Life of a struct tdxsim_td (td-build.md 4):
 *   TDH.MNG.CREATE creates it (TDR page PT_TDR) -> KEY.CONFIG per package (KEYS_CONFIGURED)
 *   -> MNG.ADDCX x6.. (TDCS pages; op_state UNINITIALIZED) -> MNG.INIT (INITIALIZED)
 *   -> VP.*, SEPT.ADD, PAGE.ADD, MR.EXTEND -> MR.FINALIZE (RUNNABLE) -> VP.FLUSH per vCPU
 *   -> MNG.VPFLUSHDONE (BLOCKED) -> CACHE.WB per package -> KEY.FREEID (TEARDOWN)
 *   -> PAGE.RECLAIM of every child page, then of the TDR, which frees the struct.
 * A struct tdxsim_vcpu exists from TDH.VP.CREATE until its TDVPR page is reclaimed.
 *
 * Locking (lock/lock.h): op_state_lock, sept_lock and epoch_lock are the module's TDCS locks;
 * the TDR's own lock is its PAMT entry's page lock. Everything here is otherwise protected by
 * the simulator lock (calls are serialized today).
 *
 * Invariants (tdxsim_td_check, with the PAMT and KOT in seamcall/td_state.c):
 *  - the registry key of a TD is its tdr_pa; of a vCPU its tdvpr_pa; a vCPU's td is live;
 *  - num_tdcx <= TDXSIM_MAX_TDCS_PAGES, tdcx_pa[0..num_tdcx) distinct;
 *  - chldcnt = the number of 4K units the PAMT shows owned by tdr_pa (TDR excluded);
 *  - KOT[hkid] is ASSIGNED while lifecycle <= KEYS_CONFIGURED, FLUSHED while BLOCKED, and
 *    no two TDs below TEARDOWN share an HKID; the global KeyID is never a TD's HKID;
 *  - num_assoc_vcpus = number of vCPUs with assoc_lp != TDXSIM_VCPU_NOT_ASSOC;
 *  - REFCOUNT[e] = number of its resident vCPUs with vcpu_epoch & 1 = e (td-runtime.md 2.4:
 *    only vCPUs inside the guest count); a resident vCPU is associated and entered in the
 *    current epoch or the one before (TRACK refuses to move past it); num_resident counts them;
 *  - op_state only moves forward: UNINITIALIZED -> INITIALIZED -> RUNNABLE.
 */
#ifndef TDXSIM_TD_H_INTERNAL
#define TDXSIM_TD_H_INTERNAL

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/u64map.h"
#include "lock/lock.h"

/* Page counts (td-build.md 1.1, 1.5.x). */
/* The module's NULL_PA: no page (all ones). */
#define TDXSIM_NULL_PA		(~UINT64_C(0))
#define TDXSIM_MIN_TDCS_PAGES	6
#define TDXSIM_MAX_TDCS_PAGES	9
#define TDXSIM_MIN_TDVPS_PAGES	6
#define TDXSIM_MAX_TDVPS_PAGES	15
#define TDXSIM_TDCS_SEPT_ROOT	3 /* TDCS page index of the L1 secure-EPT root */
#define TDXSIM_MAX_VCPUS_PER_TD 576
#define TDXSIM_MAX_L2_VMS	3
#define TDXSIM_NUM_CPUID_LEAVES 68 /* the module's CPUID table, 1.5.05 (td-build.md A.2) */

/* TDR.LIFECYCLE_STATE (td-build.md 3.1, 4). */
enum tdxsim_td_lifecycle {
	TDXSIM_TD_HKID_ASSIGNED = 0,
	TDXSIM_TD_KEYS_CONFIGURED = 1,
	TDXSIM_TD_BLOCKED = 2,
	TDXSIM_TD_TEARDOWN = 3,
};

/* TDCS.OP_STATE (td-build.md 1.3). */
enum tdxsim_op_state {
	TDXSIM_OP_UNINITIALIZED = 0,
	TDXSIM_OP_INITIALIZED = 1,
	TDXSIM_OP_RUNNABLE = 2,
	TDXSIM_OP_LIVE_EXPORT = 3,
	TDXSIM_OP_PAUSED_EXPORT = 4,
	TDXSIM_OP_POST_EXPORT = 5,
	TDXSIM_OP_MEMORY_IMPORT = 6,
	TDXSIM_OP_STATE_IMPORT = 7,
	TDXSIM_OP_POST_IMPORT = 8,
	TDXSIM_OP_LIVE_IMPORT = 9,
	TDXSIM_OP_FAILED_IMPORT = 10,
};

/* TDVPS.STATE (td-build.md 3.6-3.10). */
enum tdxsim_vcpu_state {
	TDXSIM_VCPU_UNINITIALIZED = 0,
	TDXSIM_VCPU_READY = 2,
	TDXSIM_VCPU_DISABLED = 3,
	/* Inside the guest (the module's VCPU_ACTIVE, tdx_tdvps.h); only a resident vCPU
	 * (seamcall/resident.h) stays in it across calls. */
	TDXSIM_VCPU_ACTIVE = 4,
};
#define TDXSIM_VCPU_NOT_ASSOC UINT32_C(0xFFFFFFFF)

struct tdxsim_sept;    /* sept/sept.h: the TD's secure EPT */
struct tdxsim_td_meas; /* td/measure.h: MRTD hash state and RTMRs */
struct tdxsim_guest;   /* guest/guest.h: a vCPU's scripted program */

/* How td.c copies, frees and hashes a vCPU's guest program without depending on guest/ (the
 * folder above): the simulator installs guest/'s table in struct tdxsim_tds.guest_ops. */
struct tdxsim_vcpu_ext_ops {
	struct tdxsim_guest *(*dup)(const struct tdxsim_guest *g);
	void (*free)(struct tdxsim_guest *g);
	uint64_t (*hash)(const struct tdxsim_guest *g, uint64_t h);
};

/* TDCS fields (td-build.md 1.1 page map, 3.4, 3.5). Valid once num_tdcx >= 6. */
struct tdxsim_tdcs {
	uint32_t op_state;
	uint32_t num_vcpus, num_assoc_vcpus;
	uint8_t num_l2_vms;
	uint64_t attributes, xfam;
	uint16_t max_vcpus;
	bool gpaw;
	uint64_t eptp;
	uint64_t config_flags, td_ctls;
	uint64_t tsc_offset, tsc_multiplier;
	uint16_t tsc_frequency;
	uint64_t hp_lock_timeout; /* TSC ticks */
	uint64_t vm_ctls[4];
	uint64_t notify_enables;
	bool topology_enum_configured;
	uint32_t xbuff_size;
	uint32_t xbuff_offsets[19]; /* per XFAM component (MNG.INIT row 9) */
	uint64_t msr_config_ctls, ia32_arch_capabilities_config;
	uint64_t td_epoch;
	uint64_t refcount[2];
	uint8_t mrconfigid[48], mrowner[48], mrownerconfig[48];
	uint8_t mrtd[48];				   /* final digest after MR.FINALIZE */
	uint8_t rtmr[4][48];				   /* zeroed by MNG.INIT */
	uint8_t mig_enc_key[32];			   /* drawn when the 6th TDCS page is added */
	uint32_t cpuid_values[TDXSIM_NUM_CPUID_LEAVES][4]; /* EAX, EBX, ECX, EDX per table entry */
	bool cpuid_valid[TDXSIM_NUM_CPUID_LEAVES];
	uint32_t x2apic_ids[TDXSIM_MAX_VCPUS_PER_TD];
};

struct tdxsim_td {
	uint64_t tdr_pa;
	/* TDR (td-build.md 3.1 layout). */
	bool fatal;
	uint32_t num_tdcx;
	uint64_t chldcnt;
	uint32_t lifecycle;
	uint64_t tdcx_pa[TDXSIM_MAX_TDCS_PAGES]; /* without KeyID bits */
	uint8_t td_uuid[32];
	uint16_t hkid;
	uint64_t pkg_config_bitmap;
	uint16_t handoff_version;
	uint64_t seamdb_index;
	uint8_t seamdb_nonce[32];

	struct tdxsim_tdcs tdcs;
	struct tdxsim_lock op_state_lock, sept_lock, epoch_lock;
	struct tdxsim_sept *sept;    /* created with the SEPT root page (MNG.ADDCX index 3) */
	struct tdxsim_td_meas *meas; /* created by MNG.INIT */
	uint32_t num_vcpu_structs;   /* vCPUs (TDVPRs) not yet reclaimed */
	/* The host's EPT for shared GPAs (tdxsim_guest_map_shared, guest/): shared GFN (shared
	 * bit stripped) -> (HPA | 1), an integer kept in the pointer slot (never NULL). */
	struct tdxsim_u64map shared_map;
};

/* One vCPU (TDVPS, td-build.md 3.6-3.10). */
struct tdxsim_vcpu {
	uint64_t tdvpr_pa;
	struct tdxsim_td *td;
	struct tdxsim_guest *guest; /* guest/: the program, NULL until tdxsim_guest_load() */
	/* Resident in guest mode on assoc_lp across host calls (tdxsim_vcpu_stay_in_guest(),
	 * seamcall/resident.h): holds REFCOUNT[vcpu_epoch & 1] and shared pins on its TDVPR and
	 * TDR pages. resident_calls = host SEAMCALLs left before it exits (0: until released). Test
	 * scripting like contention marks, so outside the hashed range (from num_pages on). */
	bool resident;
	uint32_t resident_calls;
	uint32_t num_pages;			  /* NUM_TDVPS_PAGES, the TDVPR included */
	uint64_t page_pa[TDXSIM_MAX_TDVPS_PAGES]; /* without KeyID bits */
	uint32_t state;				  /* enum tdxsim_vcpu_state */
	uint32_t assoc_lp;			  /* TDXSIM_VCPU_NOT_ASSOC when not associated */
	uint32_t vcpu_index;
	uint64_t vcpu_epoch;
	uint64_t xfam;
	uint64_t pend_nmi;
	uint64_t last_exit_tsc;
	/* Guest state set by VP.INIT. */
	uint64_t gpr_rcx, gpr_rdx, gpr_rbx, gpr_rsi, gpr_r8;
	/* TD VMCS fields the host can read or write (td-build.md 3.9). */
	uint64_t vmcs_posted_int_vector, vmcs_pid_addr, vmcs_shared_eptp, vmcs_pin_based, vmcs_secondary,
		vmcs_instr_timeout;
	/* Written into the TD VMCS by TDH.VP.INIT from the TDCS (td_vmcs_init.c): VP.RD reads them
	 * there, not from the TDCS. */
	uint64_t vmcs_tsc_offset, vmcs_tsc_multiplier, vmcs_eptp;
	/* Set by the guest (TDG.VP.WR, part 2); readable by the host. */
	uint8_t cpuid_supervisor_ve, cpuid_user_ve;
	/* Virtual APIC (guest/apic.h, td-runtime.md 3.6): the vAPIC page's TPR and the TD VMCS
	 * guest interrupt status (RVI, SVI); the guest's RFLAGS.IF (0 after VP.INIT, RFLAGS 0x2). */
	uint8_t vapic_tpr, rvi, svi, guest_if;
	/* TDVPS HP_LOCK_BUSY (td-runtime.md 5.5) and the kind of the last TD exit (3.3), whose
	 * "async trap" allows RCX bit 52 on the next VP.ENTER. */
	uint8_t hp_lock_busy, last_td_exit;
	/* vAPIC IRR and ISR: vector n is bit n % 32 of word n / 32. */
	uint32_t vapic_irr[8], vapic_isr[8];
	/* Zero-step mitigation (td-runtime.md 3.5): TDVPS LAST_EPF_GPA_LIST, its fill count and
	 * POSSIBLY_EPF_STEPPING. */
	uint32_t last_epf_gpa_list_idx, possibly_epf_stepping;
	uint64_t last_epf_gpa_list[32];
	uint64_t hp_lock_busy_start; /* TSC of the first host-priority refusal (5.5) */
};

/* TDVPS LAST_TD_EXIT values tdxsim distinguishes (td-runtime.md 3.3). */
#define TDXSIM_LAST_EXIT_ASYNC_FAULT 0
#define TDXSIM_LAST_EXIT_ASYNC_TRAP  1
#define TDXSIM_LAST_EXIT_TDVMCALL    2

/* Per-package cache write-back state of TDH.PHYMEM.CACHE.WB (td-build.md 3.16). */
#define TDXSIM_WBT_MAX_PACKAGES 8
struct tdxsim_wbt {
	struct tdxsim_lock lock;   /* the package's WBT mutex */
	uint32_t resume_point;	   /* next cache sub-block; 0 = no interrupted run */
	uint8_t *flushed_snapshot; /* per KeyID: was FLUSHED when this run started */
};

/* All TDs and vCPUs of one module instance, and the module-wide state that TD leaves share
 * besides the KOT states themselves (hkid/hkid.h). */
struct tdxsim_tds {
	struct tdxsim_u64map tds;   /* TDR PA -> struct tdxsim_td */
	struct tdxsim_u64map vcpus; /* TDVPR PA -> struct tdxsim_vcpu */
	struct tdxsim_lock kot_lock;
	struct tdxsim_lock ket_lock[TDXSIM_WBT_MAX_PACKAGES]; /* PCONFIG's key table per package */
	uint32_t num_keyids;				      /* size of the per-KeyID arrays below */
	uint64_t *wbinvd_bitmap; /* KOT[k].WBINVD_BITMAP: packages still to write back */
	struct tdxsim_wbt wbt[TDXSIM_WBT_MAX_PACKAGES];
	struct tdxsim_locks locks; /* page locks and contention marks (lock/lock.h) */
	/* RDRAND/RDSEED as the module sees them: a deterministic xorshift per simulator, and
	 * how many of the next draws fail (tdxsim_fail_entropy(): TDX_RND_NO_ENTROPY paths). */
	uint64_t rng;
	uint32_t entropy_failures;
	/* The CPU's key for TDREPORT MACs (guest/report.c, docs/fidelity.md): drawn per simulator
	 * at creation, copied by snapshots. */
	uint8_t report_key[48];
	const struct tdxsim_vcpu_ext_ops *guest_ops; /* NULL: vCPUs have no guest programs */
	uint32_t num_resident;			     /* vCPUs with resident set */
};

/* One 64-bit draw for the module; false when the draw fails (no entropy). */
bool tdxsim_td_random(struct tdxsim_tds *t, uint64_t *out);

/* 0, or -1 when out of memory. @num_keyids: every KeyID value the platform has (2^bits). */
int tdxsim_tds_init(struct tdxsim_tds *t, uint32_t num_keyids);
void tdxsim_tds_fini(struct tdxsim_tds *t);

struct tdxsim_td *tdxsim_td_find(const struct tdxsim_tds *t, uint64_t tdr_pa);
struct tdxsim_vcpu *tdxsim_vcpu_find(const struct tdxsim_tds *t, uint64_t tdvpr_pa);
/* New zeroed TD / vCPU registered under its page PA; NULL when out of memory (nothing added). */
struct tdxsim_td *tdxsim_td_new(struct tdxsim_tds *t, uint64_t tdr_pa);
struct tdxsim_vcpu *tdxsim_vcpu_new(struct tdxsim_tds *t, struct tdxsim_td *td, uint64_t tdvpr_pa);
/* Unregister and free (the TDR / TDVPR page was reclaimed). */
void tdxsim_td_delete(struct tdxsim_tds *t, struct tdxsim_td *td);
void tdxsim_vcpu_delete(struct tdxsim_tds *t, struct tdxsim_vcpu *v);
/* Frees every TD and vCPU (module gone, simulator destroyed). */
void tdxsim_tds_clear(struct tdxsim_tds *t);

/*
 * Makes @dst (initialized with the same num_keyids, possibly holding TDs) an independent deep
 * copy of @src: TDs, vCPUs, secure EPTs, measurement states, KOT write-back bitmaps, WBT state,
 * the random generator. Locks and contention marks start clear (no SEAMCALL is in flight).
 * For snapshots. 0, or -1 when out of memory (@dst then holds no TD).
 */
int tdxsim_tds_copy(struct tdxsim_tds *dst, const struct tdxsim_tds *src);

/* Folds every TD and vCPU field into hash @h, independent of registry order. */
uint64_t tdxsim_tds_hash(const struct tdxsim_tds *t, uint64_t h);
/* The invariants above that need nothing but this registry; 0, or -1 with a message. With @hash
 * not NULL, the same passes also set *@hash to tdxsim_tds_hash(t, *@hash) when it returns 0
 * (each secure EPT is checked and hashed in one pass: tdxsim_sept_check()). */
int tdxsim_tds_check(const struct tdxsim_tds *t, uint64_t *hash, char *msg, size_t len);

#endif
