/* SPDX-License-Identifier: MIT */
/* The TD registry (td.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "sept/sept.h"
#include "td/measure.h"
#include "td/td.h"

int tdxsim_tds_init(struct tdxsim_tds *t, uint32_t num_keyids)
{
	memset(t, 0, sizeof(*t));
	t->num_keyids = num_keyids;
	t->wbinvd_bitmap = calloc(num_keyids, sizeof(*t->wbinvd_bitmap));
	if (!t->wbinvd_bitmap)
		return -1;
	for (unsigned p = 0; p < TDXSIM_WBT_MAX_PACKAGES; p++) {
		t->wbt[p].flushed_snapshot = calloc(num_keyids, 1);
		if (!t->wbt[p].flushed_snapshot) {
			tdxsim_tds_fini(t);
			return -1;
		}
	}
	return 0;
}

void tdxsim_tds_fini(struct tdxsim_tds *t)
{
	tdxsim_tds_clear(t);
	tdxsim_u64map_free(&t->tds);
	tdxsim_u64map_free(&t->vcpus);
	free(t->wbinvd_bitmap);
	t->wbinvd_bitmap = NULL;
	for (unsigned p = 0; p < TDXSIM_WBT_MAX_PACKAGES; p++) {
		free(t->wbt[p].flushed_snapshot);
		t->wbt[p].flushed_snapshot = NULL;
	}
}

bool tdxsim_td_random(struct tdxsim_tds *t, uint64_t *out)
{
	if (t->entropy_failures) {
		t->entropy_failures--;
		return false;
	}
	/* xorshift64*: reproducible runs, like the module oracle's fake RDRAND. */
	uint64_t x = t->rng ? t->rng : UINT64_C(0x9E3779B97F4A7C15);
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	t->rng = x;
	*out = x * UINT64_C(0x2545F4914F6CDD1D);
	return true;
}

struct tdxsim_td *tdxsim_td_find(const struct tdxsim_tds *t, uint64_t tdr_pa)
{
	return tdxsim_u64map_get(&t->tds, tdr_pa);
}

struct tdxsim_vcpu *tdxsim_vcpu_find(const struct tdxsim_tds *t, uint64_t tdvpr_pa)
{
	return tdxsim_u64map_get(&t->vcpus, tdvpr_pa);
}

struct tdxsim_td *tdxsim_td_new(struct tdxsim_tds *t, uint64_t tdr_pa)
{
	struct tdxsim_td *td = calloc(1, sizeof(*td));
	if (!td)
		return NULL;
	td->tdr_pa = tdr_pa;
	if (tdxsim_u64map_put(&t->tds, tdr_pa, td)) {
		free(td);
		return NULL;
	}
	return td;
}

struct tdxsim_vcpu *tdxsim_vcpu_new(struct tdxsim_tds *t, struct tdxsim_td *td, uint64_t tdvpr_pa)
{
	struct tdxsim_vcpu *v = calloc(1, sizeof(*v));
	if (!v)
		return NULL;
	v->tdvpr_pa = tdvpr_pa;
	v->td = td;
	v->assoc_lp = TDXSIM_VCPU_NOT_ASSOC;
	if (tdxsim_u64map_put(&t->vcpus, tdvpr_pa, v)) {
		free(v);
		return NULL;
	}
	td->num_vcpu_structs++;
	return v;
}

static void td_free(struct tdxsim_td *td)
{
	tdxsim_u64map_free(&td->shared_map);
	tdxsim_sept_free(td->sept);
	tdxsim_td_meas_free(td->meas);
	free(td);
}

void tdxsim_td_delete(struct tdxsim_tds *t, struct tdxsim_td *td)
{
	tdxsim_u64map_del(&t->tds, td->tdr_pa);
	td_free(td);
}

static void vcpu_free(const struct tdxsim_tds *t, struct tdxsim_vcpu *v)
{
	if (v->guest && t->guest_ops)
		t->guest_ops->free(v->guest);
	free(v);
}

void tdxsim_vcpu_delete(struct tdxsim_tds *t, struct tdxsim_vcpu *v)
{
	tdxsim_u64map_del(&t->vcpus, v->tdvpr_pa);
	v->td->num_vcpu_structs--;
	vcpu_free(t, v);
}

void tdxsim_tds_clear(struct tdxsim_tds *t)
{
	for (size_t i = 0; i < t->vcpus.cap; i++)
		if (t->vcpus.slots[i].val)
			vcpu_free(t, t->vcpus.slots[i].val);
	for (size_t i = 0; i < t->tds.cap; i++)
		if (t->tds.slots[i].val)
			td_free(t->tds.slots[i].val);
	tdxsim_u64map_free(&t->tds);
	tdxsim_u64map_free(&t->vcpus);
	if (t->wbinvd_bitmap)
		memset(t->wbinvd_bitmap, 0, t->num_keyids * sizeof(*t->wbinvd_bitmap));
	for (unsigned p = 0; p < TDXSIM_WBT_MAX_PACKAGES; p++) {
		t->wbt[p].resume_point = 0;
		if (t->wbt[p].flushed_snapshot)
			memset(t->wbt[p].flushed_snapshot, 0, t->num_keyids);
	}
	tdxsim_locks_clear_contention(&t->locks);
	t->locks.num_pinned = 0;
	t->num_resident = 0;
}

int tdxsim_tds_copy(struct tdxsim_tds *dst, const struct tdxsim_tds *src)
{
	tdxsim_tds_clear(dst);
	if (dst->num_keyids != src->num_keyids)
		return -1;
	memcpy(dst->wbinvd_bitmap, src->wbinvd_bitmap, src->num_keyids * sizeof(*src->wbinvd_bitmap));
	for (unsigned p = 0; p < TDXSIM_WBT_MAX_PACKAGES; p++) {
		dst->wbt[p].resume_point = src->wbt[p].resume_point;
		memcpy(dst->wbt[p].flushed_snapshot, src->wbt[p].flushed_snapshot, src->num_keyids);
	}
	dst->rng = src->rng;
	dst->entropy_failures = src->entropy_failures;
	memcpy(dst->report_key, src->report_key, sizeof(dst->report_key));
	dst->guest_ops = src->guest_ops;
	/* Residents and their pins are module state between calls (seamcall/resident.h). */
	dst->num_resident = src->num_resident;
	dst->locks.num_pinned = src->locks.num_pinned;
	memcpy(dst->locks.pinned, src->locks.pinned, sizeof(dst->locks.pinned));
	for (size_t i = 0; i < src->tds.cap; i++) {
		const struct tdxsim_td *s = src->tds.slots[i].val;
		struct tdxsim_td *d;
		if (!s)
			continue;
		if (!(d = tdxsim_td_new(dst, s->tdr_pa)))
			goto fail;
		*d = *s;
		d->op_state_lock = d->sept_lock = d->epoch_lock = (struct tdxsim_lock){0};
		d->num_vcpu_structs = 0; /* counted again as the vCPUs are copied */
		d->sept = NULL;
		d->meas = NULL;
		d->shared_map = (struct tdxsim_u64map){0};
		for (size_t j = 0; j < s->shared_map.cap; j++)
			if (s->shared_map.slots[j].val &&
			    tdxsim_u64map_put(&d->shared_map, s->shared_map.slots[j].key,
					      s->shared_map.slots[j].val))
				goto fail;
		if ((s->sept && !(d->sept = tdxsim_sept_dup(s->sept))) ||
		    (s->meas && !(d->meas = tdxsim_td_meas_dup(s->meas))))
			goto fail;
	}
	for (size_t i = 0; i < src->vcpus.cap; i++) {
		const struct tdxsim_vcpu *s = src->vcpus.slots[i].val;
		struct tdxsim_vcpu *d;
		if (!s)
			continue;
		if (!(d = tdxsim_vcpu_new(dst, tdxsim_td_find(dst, s->td->tdr_pa), s->tdvpr_pa)))
			goto fail;
		struct tdxsim_td *td = d->td;
		*d = *s;
		d->td = td;
		d->guest = NULL;
		if (s->guest && (!dst->guest_ops || !(d->guest = dst->guest_ops->dup(s->guest))))
			goto fail;
	}
	return 0;
fail:
	tdxsim_tds_clear(dst);
	return -1;
}

/* A TDCS is kilobytes, hashed after every fuzzed call: the four-lane block hash. */
static uint64_t hash_bytes(uint64_t h, const void *p, size_t n)
{
	return tdxsim_hash_bytes(h, p, n);
}

/* A TD's hash is td_hash_head(), then its secure EPT's (tdxsim_sept_hash(), or the same from
 * the checker's pass), then td_hash_tail(): tdxsim_tds_check() computes it around its check. */
static uint64_t td_hash_head(const struct tdxsim_td *td)
{
	uint64_t h = TDXSIM_HASH_SEED;
	h = tdxsim_hash_u64(h, td->tdr_pa);
	h = tdxsim_hash_u64(h, td->fatal);
	h = tdxsim_hash_u64(h, td->num_tdcx);
	h = tdxsim_hash_u64(h, td->chldcnt);
	h = tdxsim_hash_u64(h, td->lifecycle);
	h = hash_bytes(h, td->tdcx_pa, sizeof(td->tdcx_pa));
	h = hash_bytes(h, td->td_uuid, sizeof(td->td_uuid));
	h = tdxsim_hash_u64(h, td->hkid);
	h = tdxsim_hash_u64(h, td->pkg_config_bitmap);
	/* The TDCS is plain data with no padding-dependent meaning beyond its fields; hashing
	 * it whole is safe because every struct is calloc'ed and assigned field by field. */
	h = hash_bytes(h, &td->tdcs, sizeof(td->tdcs));
	return tdxsim_hash_u64(h, td->meas ? tdxsim_td_meas_bytes(td->meas) + 1 : 0);
}

static uint64_t td_hash_tail(const struct tdxsim_td *td, uint64_t h)
{
	uint64_t shared = 0; /* order-independent, like the registry */
	for (size_t i = 0; i < td->shared_map.cap; i++)
		if (td->shared_map.slots[i].val)
			shared += tdxsim_hash_u64(
				tdxsim_hash_u64(TDXSIM_HASH_SEED, td->shared_map.slots[i].key),
				(uint64_t)(uintptr_t)td->shared_map.slots[i].val);
	return tdxsim_hash_u64(h, shared);
}

static uint64_t td_hash(const struct tdxsim_td *td)
{
	uint64_t h = td_hash_head(td);
	if (td->sept)
		h = tdxsim_sept_hash(td->sept, h);
	return td_hash_tail(td, h);
}

static uint64_t vcpu_hash(const struct tdxsim_tds *t, const struct tdxsim_vcpu *v)
{
	uint64_t h = tdxsim_hash_u64(TDXSIM_HASH_SEED, v->tdvpr_pa);
	h = tdxsim_hash_u64(h, v->td->tdr_pa);
	if (v->guest && t->guest_ops)
		h = t->guest_ops->hash(v->guest, h);
	/* Every field after the td pointer is plain data. */
	const uint8_t *start = (const uint8_t *)&v->num_pages;
	return hash_bytes(h, start, sizeof(*v) - (size_t)(start - (const uint8_t *)v));
}

/* @sum: of every TD's and vCPU's hash (order-independent, like the registry). */
static uint64_t tds_fold(const struct tdxsim_tds *t, uint64_t h, uint64_t sum)
{
	h = tdxsim_hash_u64(h, sum);
	/* KOT write-back bitmaps, one word per KeyID: a block hash (mostly zeros). */
	h = tdxsim_hash_bytes(h, t->wbinvd_bitmap, t->num_keyids * sizeof(*t->wbinvd_bitmap));
	for (unsigned p = 0; p < TDXSIM_WBT_MAX_PACKAGES; p++)
		h = tdxsim_hash_u64(h, t->wbt[p].resume_point);
	return h;
}

uint64_t tdxsim_tds_hash(const struct tdxsim_tds *t, uint64_t h)
{
	uint64_t sum = 0;
	for (size_t i = 0; i < t->tds.cap; i++)
		if (t->tds.slots[i].val)
			sum += td_hash(t->tds.slots[i].val);
	for (size_t i = 0; i < t->vcpus.cap; i++)
		if (t->vcpus.slots[i].val)
			sum += vcpu_hash(t, t->vcpus.slots[i].val);
	return tds_fold(t, h, sum);
}

int tdxsim_tds_check(const struct tdxsim_tds *t, uint64_t *hash, char *msg, size_t len)
{
	uint64_t sum = 0;
	for (size_t i = 0; i < t->tds.cap; i++) {
		const struct tdxsim_td *td = t->tds.slots[i].val;
		if (!td)
			continue;
		if (t->tds.slots[i].key != td->tdr_pa) {
			snprintf(msg, len, "td: registry key %#llx holds TDR %#llx",
				 (unsigned long long)t->tds.slots[i].key, (unsigned long long)td->tdr_pa);
			return -1;
		}
		if (td->num_tdcx > TDXSIM_MAX_TDCS_PAGES || td->lifecycle > TDXSIM_TD_TEARDOWN) {
			snprintf(msg, len, "td %#llx: num_tdcx %u, lifecycle %u",
				 (unsigned long long)td->tdr_pa, td->num_tdcx, td->lifecycle);
			return -1;
		}
		uint32_t assoc = 0, structs = 0;
		uint64_t in_guest[2] = {0, 0};
		for (size_t j = 0; j < t->vcpus.cap; j++) {
			const struct tdxsim_vcpu *v = t->vcpus.slots[j].val;
			if (!v || v->td != td)
				continue;
			structs++;
			assoc += v->assoc_lp != TDXSIM_VCPU_NOT_ASSOC;
			/* VCPU_ACTIVE exactly while inside the guest across calls. */
			if (v->resident != (v->state == TDXSIM_VCPU_ACTIVE)) {
				snprintf(msg, len, "vcpu %#llx: state %u but %s the guest",
					 (unsigned long long)v->tdvpr_pa, v->state,
					 v->resident ? "in" : "not in");
				return -1;
			}
			if (!v->resident)
				continue;
			in_guest[v->vcpu_epoch & 1]++;
			if (v->assoc_lp == TDXSIM_VCPU_NOT_ASSOC || v->vcpu_epoch > td->tdcs.td_epoch ||
			    v->vcpu_epoch + 1 < td->tdcs.td_epoch) {
				snprintf(msg, len,
					 "vcpu %#llx: in the guest unassociated or in epoch %llu (TD %llu)",
					 (unsigned long long)v->tdvpr_pa, (unsigned long long)v->vcpu_epoch,
					 (unsigned long long)td->tdcs.td_epoch);
				return -1;
			}
		}
		if (td->num_tdcx >= TDXSIM_MIN_TDCS_PAGES &&
		    (in_guest[0] != td->tdcs.refcount[0] || in_guest[1] != td->tdcs.refcount[1])) {
			snprintf(msg, len, "td %#llx: REFCOUNT %llu/%llu, vCPUs in the guest %llu/%llu",
				 (unsigned long long)td->tdr_pa, (unsigned long long)td->tdcs.refcount[0],
				 (unsigned long long)td->tdcs.refcount[1], (unsigned long long)in_guest[0],
				 (unsigned long long)in_guest[1]);
			return -1;
		}
		if (structs != td->num_vcpu_structs ||
		    (td->num_tdcx >= TDXSIM_MIN_TDCS_PAGES && assoc != td->tdcs.num_assoc_vcpus)) {
			snprintf(msg, len,
				 "td %#llx: %u vCPUs (%u counted), %u associated (NUM_ASSOC_VCPUS %u)",
				 (unsigned long long)td->tdr_pa, structs, td->num_vcpu_structs, assoc,
				 td->tdcs.num_assoc_vcpus);
			return -1;
		}
		/* The secure EPT's hash comes from its checker's pass. */
		uint64_t h = hash ? td_hash_head(td) : 0;
		if (td->sept && tdxsim_sept_check(td->sept, td->lifecycle == TDXSIM_TD_TEARDOWN,
						  hash ? &h : NULL, msg, len))
			return -1;
		if (hash)
			sum += td_hash_tail(td, h);
	}
	uint32_t resident = 0;
	for (size_t j = 0; j < t->vcpus.cap; j++) {
		const struct tdxsim_vcpu *v = t->vcpus.slots[j].val;
		if (v && tdxsim_td_find(t, v->td->tdr_pa) != v->td) {
			snprintf(msg, len, "vcpu %#llx: its TD is not live", (unsigned long long)v->tdvpr_pa);
			return -1;
		}
		resident += v && v->resident;
		if (v && hash)
			sum += vcpu_hash(t, v);
	}
	if (resident != t->num_resident) {
		snprintf(msg, len, "td: %u vCPUs in the guest, %u counted", resident, t->num_resident);
		return -1;
	}
	if (hash)
		*hash = tds_fold(t, *hash, sum);
	return 0;
}
