/* SPDX-License-Identifier: MIT */
/* A vCPU's guest program: storage, copies and the state hash (guest.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "guest/guest.h"

struct tdxsim_guest *tdxsim_guest_new(const tdxsim_guest_op_t *ops, size_t n)
{
	struct tdxsim_guest *g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	g->n = n;
	/* calloc(0) may return NULL: keep one slot so NULL always means "out of memory". */
	g->ops = calloc(n ? n : 1, sizeof(*g->ops));
	g->results = calloc(n ? n : 1, sizeof(*g->results));
	if (!g->ops || !g->results) {
		tdxsim_guest_free(g);
		return NULL;
	}
	if (n)
		memcpy(g->ops, ops, n * sizeof(*ops));
	return g;
}

void tdxsim_guest_free(struct tdxsim_guest *g)
{
	if (!g)
		return;
	free(g->ops);
	free(g->results);
	free(g);
}

struct tdxsim_guest *tdxsim_guest_dup(const struct tdxsim_guest *g)
{
	struct tdxsim_guest *d = tdxsim_guest_new(g->ops, g->n);
	if (!d)
		return NULL;
	tdxsim_guest_op_t *ops = d->ops;
	tdxsim_guest_result_t *results = d->results;
	*d = *g;
	d->ops = ops;
	d->results = results;
	if (g->n)
		memcpy(d->results, g->results, g->n * sizeof(*g->results));
	return d;
}

static uint64_t hash_words(uint64_t h, const uint64_t *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = tdxsim_hash_u64(h, w[i]);
	return h;
}

/* Field by field: the public structs may have padding that calloc'ed and copied memory does
 * not keep equal across snapshots. */
uint64_t tdxsim_guest_hash(const struct tdxsim_guest *g, uint64_t h)
{
	h = tdxsim_hash_u64(h, g->n);
	h = tdxsim_hash_u64(h, g->pc);
	h = tdxsim_hash_u64(h, g->vmcall_pending);
	h = tdxsim_hash_u64(h, g->vmcall_mask);
	h = tdxsim_hash_u64(h, g->mapgpa_start);
	h = tdxsim_hash_u64(h, g->mapgpa_stalls);
	h = tdxsim_hash_u64(h, g->sti_shadow);
	h = tdxsim_hash_u64(h, g->n_interrupts);
	for (uint32_t i = 0; i < g->n_interrupts && i < TDXSIM_GUEST_MAX_INTERRUPT_LOG; i++)
		h = tdxsim_hash_u64(h, (uint64_t)g->interrupts[i].vector << 32 | g->interrupts[i].pc);
	for (size_t i = 0; i < g->n; i++) {
		const tdxsim_guest_op_t *o = &g->ops[i];
		const tdxsim_guest_result_t *r = &g->results[i];
		h = tdxsim_hash_u64(h, o->kind);
		h = tdxsim_hash_u64(h, o->gpa);
		h = tdxsim_hash_u64(h, o->size);
		h = tdxsim_hash_u64(h, o->value);
		h = hash_words(h, o->args, 6);
		h = tdxsim_hash_u64(h, r->state);
		h = tdxsim_hash_u64(h, r->status);
		h = hash_words(h, r->out, 6);
	}
	return h;
}

static bool tdvmcall_kind(const tdxsim_guest_op_t *op)
{
	return op->kind == TDXSIM_GOP_VMCALL || op->kind == TDXSIM_GOP_MAP_GPA ||
	       op->kind == TDXSIM_GOP_HLT || (op->kind == TDXSIM_GOP_TDCALL && op->value == 0);
}

int tdxsim_guest_check(const struct tdxsim_guest *g, char *msg, size_t len)
{
	if (g->pc > g->n) {
		snprintf(msg, len, "pc %zu past its %zu ops", g->pc, g->n);
		return -1;
	}
	const tdxsim_guest_op_t *op = g->pc < g->n ? &g->ops[g->pc] : NULL;
	if (g->vmcall_pending && (!op || !tdvmcall_kind(op))) {
		snprintf(msg, len, "vmcall_pending at pc %zu, which is no TDVMCALL op", g->pc);
		return -1;
	}
	if (g->mapgpa_start && (!g->vmcall_pending || op->kind != TDXSIM_GOP_MAP_GPA ||
				g->mapgpa_start < op->gpa || g->mapgpa_start - op->gpa >= op->size)) {
		snprintf(msg, len, "MapGPA retry point %#" PRIx64 " without a pending MapGPA of that range",
			 g->mapgpa_start);
		return -1;
	}
	for (size_t i = 0; i < g->n; i++) {
		bool done =
			g->results[i].state == TDXSIM_GUEST_DONE || g->results[i].state == TDXSIM_GUEST_VE;
		if (i < g->pc ? !done : g->results[i].state != TDXSIM_GUEST_NOT_RUN) {
			snprintf(msg, len, "result %zu in state %u with pc %zu", i, g->results[i].state,
				 g->pc);
			return -1;
		}
	}
	return 0;
}

const struct tdxsim_vcpu_ext_ops tdxsim_guest_vcpu_ops = {
	.dup = tdxsim_guest_dup,
	.free = tdxsim_guest_free,
	.hash = tdxsim_guest_hash,
};
