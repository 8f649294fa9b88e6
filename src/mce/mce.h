/* SPDX-License-Identifier: MIT */
/*
 * Memory integrity: what the memory controller keeps per 64-byte line of TDX-capable memory
 * (sheet 10), machine-check records, and the optional trap mode (tdxsim/memory.h).
 *
 * Model. Each line has a TD-owner KeyID (0: TD bit clear, "shared") and a poison flag.
 *  - A read through a shared KeyID of a TD-owned line returns zeros and creates no poison
 *    (sheet 10 "Host reads" [S]).
 *  - A read through a private KeyID of a line it does not own (TD bit clear, or owned under
 *    another KeyID: MAC failure, the module uses integrity algorithms, sheet 10 "Integrity
 *    mode") poisons the line and consumes the poison: machine check (sheet 10 "Poison creation").
 *  - A read of a poisoned line through any KeyID is a machine check.
 *  - A full-line write (MOVDIR64B, or a write that covers a whole line) clears poison and makes
 *    the line owned by the writer's KeyID: TD-owned for a private KeyID, shared otherwise
 *    (sheet 10 "Linux view", "Module writes").
 *  - A partial write through a shared KeyID to a TD-owned line poisons it when the erratum is
 *    on (sheet 10 "Erratum"); otherwise it clears the TD bit and the rest of the line reads as
 *    zeros (what the memory controller's read-modify-write with the shared KeyID sees, [I]).
 *  - A partial write through a private KeyID merges into a line it owns; into any other line
 *    it poisons it (the read half of the read-modify-write fails its integrity check, [U]).
 *  - A partial write to a poisoned line leaves it poisoned (poison is sticky, sheet 10).
 *
 * Storage, sparse on purpose (a 4 TiB host has 16 GiB of PAMT, all of it private):
 *  - range records: sorted, disjoint, line-aligned [base, end) with a private KeyID: "these
 *    lines are TD-owned by k". TDH.SYS.TDMR.INIT adds one per PAMT part and they merge.
 *  - page records, keyed by page frame in a hash table: 64 line states and, once something
 *    is written through a private KeyID, a 4 KiB plaintext buffer. A page record, when
 *    present, is authoritative for every line of its page. Records are created on the first
 *    divergence from the ranges and freed once the page is entirely shared and unpoisoned.
 *  - a filter of hashed 2 MiB frames that ever held a record or range, read without the lock
 *    so that shared accesses far from private memory cost one load (the bench target).
 * The simulated RAM (mem/) holds what a shared KeyID reads: private plaintext never lands
 * there. The RAM bytes of a TD-owned or poisoned line are unspecified and never read by the
 * model (in trap mode they are zeroed so that plain-pointer loads see what hardware returns).
 *
 * Locking: the model has its own mutex, taken inside every function of this header. The
 * simulator lock, when held, is always taken first. Trap-mode fault handling takes only the
 * model lock, so a fault raised while another call holds the simulator lock cannot deadlock.
 *
 * Invariants (tdxsim_mce_check): ranges sorted, disjoint, non-empty, line-aligned, private
 * KeyIDs; a record's owned/poisoned counters match its lines; a record without owned lines has
 * no plaintext buffer; every record and range has its filter bits set.
 */
#ifndef TDXSIM_MCE_H
#define TDXSIM_MCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tdxsim/memory.h"

#include "hkid/hkid.h"
#include "mem/mem.h"
#include "pamt/pamt.h"

struct tdxsim_integrity;
struct tdxsim_mce_slot; /* mce_priv.h */
struct tdxsim_mce_range;

struct tdxsim_integrity_cfg {
	struct tdxsim_mem *mem;
	const struct tdxsim_hkid *hkid;
	const tdxsim_range_t *cmrs; /* fixed for the simulator's life */
	unsigned num_cmrs;
	uint32_t errata; /* TDXSIM_ERRATUM_* */
	bool trap;	 /* trap mode (memory.h) */
};

/* 0, or -1 when the host is out of memory. */
int tdxsim_integrity_create(const struct tdxsim_integrity_cfg *cfg, struct tdxsim_integrity **out);
void tdxsim_integrity_destroy(struct tdxsim_integrity *in);
/* A deep copy of @src for simulator snapshots (store.c): records, ranges, filter, PAMT
 * layouts (caught up first), machine-check record, counters and handler. Trap mode is not
 * copied (the caller refuses it). 0, or -1 when out of memory. */
int tdxsim_integrity_clone(struct tdxsim_integrity *src, struct tdxsim_integrity **out);
/*
 * Puts a clone's state back into the live model it was taken from, in place (restore.c), in two
 * steps so that a snapshot restore does everything that can fail first: prepare copies
 * @saved's records and ranges (0, or -1 when out of memory, then nothing is held), taking
 * plaintext buffers from @live's spare list; commit cannot fail and replaces @live's state
 * with the copies, keeping @live's object, lock and machine-check handler (the host's
 * setting), its old plaintext buffers going to the spare list; abort gives a prepared copy
 * that was not committed back.
 */
struct tdxsim_integrity_copy {
	struct tdxsim_mce_slot *slots;
	size_t cap, count;
	struct tdxsim_mce_range *ranges;
	unsigned num_ranges, cap_ranges;
};
int tdxsim_integrity_restore_prepare(struct tdxsim_integrity *live, const struct tdxsim_integrity *saved,
				     struct tdxsim_integrity_copy *copy);
void tdxsim_integrity_restore_commit(struct tdxsim_integrity *live, const struct tdxsim_integrity *saved,
				     struct tdxsim_integrity_copy *copy);
void tdxsim_integrity_restore_abort(struct tdxsim_integrity *live, struct tdxsim_integrity_copy *copy);

/*
 * Whether a shared-KeyID access to [pa, pa + len) (KeyID stripped) must take the model's slow
 * path. Lock-free; false negatives are impossible, false positives only cost time. Also true
 * while trap-mode pages wait to be re-protected.
 */
bool tdxsim_mce_slow_path(const struct tdxsim_integrity *in, uint64_t pa, uint64_t len);

/* Whether [pa, pa + len) lies inside the CMRs (the only memory a private KeyID can reach). */
bool tdxsim_mce_in_cmrs(const struct tdxsim_integrity *in, uint64_t pa, uint64_t len);

/*
 * Accesses through the model. @pa has its KeyID stripped and [pa, pa + len) is simulated RAM
 * (the caller checked both). Return TDXSIM_OK, TDXSIM_ERR_NO_MEMORY, or TDXSIM_ERR_MCE with
 * the consumed line's address in *mce_pa (reads only; the access stops at that line).
 */
tdxsim_err_t tdxsim_mce_read(struct tdxsim_integrity *in, uint64_t pa, uint32_t keyid, void *buf, size_t len,
			     uint64_t *mce_pa);
tdxsim_err_t tdxsim_mce_write(struct tdxsim_integrity *in, uint64_t pa, uint32_t keyid, const void *buf,
			      size_t len);
/*
 * tdxsim_mce_read() of the 4 KiB page @src through @src_keyid, then, if it read without a
 * machine check, tdxsim_mce_write() of what it read to the page @dst through @dst_keyid, under
 * one lock and without an intermediate buffer when the source is plain shared memory (the
 * module's page copy of TDH.MEM.PAGE.ADD). Same returns as the two calls; on
 * TDXSIM_ERR_MCE nothing was written.
 */
tdxsim_err_t tdxsim_mce_copy_page(struct tdxsim_integrity *in, uint64_t dst, uint32_t dst_keyid, uint64_t src,
				  uint32_t src_keyid, uint64_t *mce_pa);

/*
 * What the module or a TD does when it writes whole lines with a private KeyID (page
 * initialization with 64-byte direct stores, sheet 10 "Module writes"): every line of
 * [pa, pa + size), rounded out to lines, becomes TD-owned by @keyid, unpoisoned, reading as
 * zeros through @keyid. Large ranges cost one range record. For TD leaves to come.
 * Returns TDXSIM_OK, TDXSIM_ERR_NO_MEMORY (nothing changed), TDXSIM_ERR_INVALID_ARG.
 */
tdxsim_err_t tdxsim_mce_mark_private(struct tdxsim_integrity *in, uint64_t pa, uint64_t size, uint32_t keyid);
/* The opposite: every line becomes shared, unpoisoned and zero (a full-line write of zeros
 * through a shared KeyID). Returns TDXSIM_OK or TDXSIM_ERR_NO_MEMORY. */
tdxsim_err_t tdxsim_mce_mark_shared(struct tdxsim_integrity *in, uint64_t pa, uint64_t size);

/*
 * PAMT memory. TDH.SYS.CONFIG hands over where each TDMR's PAMT parts are; each
 * TDH.SYS.TDMR.INIT writes the entries of one chunk with the global private KeyID (sheet 7.2,
 * 10: that is why Linux MOVDIR64B-resets PAMTs after a failed init on erratum parts).
 */
void tdxsim_mce_pamt_layout(struct tdxsim_integrity *in, const struct tdxsim_tdmr_info *tdmrs, unsigned n,
			    const uint16_t entry_size[3]);
/* Marks the PAMT entries of the next chunk of TDMR @idx, [@base, @base + @size) with @next
 * the first byte not initialized yet (tdxsim_pamt_tdmr_info()), TD-owned by @keyid; call
 * before tdxsim_pamt_init_chunk(), with the simulator lock held. Nothing to do when the TDMR
 * is complete. Outside trap mode the lines are marked when the model is next
 * locked (tdx_memory.c), which nobody can tell apart. Returns 0, or -1 when out of memory
 * (trap mode only; nothing changed). */
int tdxsim_mce_pamt_chunk(struct tdxsim_integrity *in, unsigned idx, uint64_t base, uint64_t size,
			  uint64_t next, uint32_t keyid);
/* Forgets the PAMT layout (the module is gone). The lines stay as they are. */
void tdxsim_mce_pamt_forget(struct tdxsim_integrity *in);

/* TDX memory goes back to the host (TDH.SYS.DISABLE, a fresh module load): every TD-owned
 * line, poisoned or not, becomes shared, unpoisoned and zero; range records are gone. Lines
 * poisoned while not TD-owned stay as they are (no module knows them). */
void tdxsim_mce_release_all(struct tdxsim_integrity *in);

/* Drops every record inside [base, base + size) (memory hot-removed). */
void tdxsim_mce_forget_range(struct tdxsim_integrity *in, uint64_t base, uint64_t size);

/* Machine checks: handler, counters, the last record. */
void tdxsim_mce_set_handler(struct tdxsim_integrity *in, tdxsim_mce_handler_t handler, void *user);
void tdxsim_mce_get_handler(struct tdxsim_integrity *in, tdxsim_mce_handler_t *handler, void **user);
/* Builds the record for a consumed line, counts it and keeps it as the last one. */
void tdxsim_mce_raise(struct tdxsim_integrity *in, uint64_t line_pa, uint32_t lp, uint64_t tsc, bool handled,
		      tdxsim_mce_t *out);
bool tdxsim_mce_last(struct tdxsim_integrity *in, tdxsim_mce_t *out);
void tdxsim_mce_stats(struct tdxsim_integrity *in, tdxsim_mem_stats_t *out);
void tdxsim_mce_line_info(struct tdxsim_integrity *in, uint64_t pa, tdxsim_line_info_t *out);

/* Invariants (0, or -1 with a message) and the observable-state hash (order-independent). With
 * @hash not NULL, the check also sets *@hash to tdxsim_mce_hash(in, *@hash) when it returns 0,
 * in the same walk. */
int tdxsim_mce_check(struct tdxsim_integrity *in, uint64_t *hash, char *msg, size_t len);
uint64_t tdxsim_mce_hash(struct tdxsim_integrity *in, uint64_t h);

/*
 * Trap mode (trap.c). Fault handling runs in a signal handler of the host's choosing.
 * @write: 1 store, 0 load, -1 unknown. Returns the public result; on TDXSIM_TRAP_MCE
 * *mce_pa is the consumed line.
 */
tdxsim_trap_result_t tdxsim_mce_trap_fault(struct tdxsim_integrity *in, uint64_t pa, int write,
					   uint64_t *mce_pa);
/* Re-protects every page left open by a fault. Returns whether any page was open. */
bool tdxsim_mce_trap_rearm(struct tdxsim_integrity *in);

#endif
