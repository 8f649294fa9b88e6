/* SPDX-License-Identifier: MIT */
/*
 * Evaluation of scenario expressions during a run. Symbols read what the host bring-up built
 * (struct host_tdx) and what the simulator reports; a symbol the run cannot give yet (no
 * bring-up so far, an index beyond what was built) is a run-time error of the step.
 */
#include <stddef.h>
#include <string.h>

#include "scenario/run.h"

#define TDMR_INFO_STRIDE 1024 /* the host's array layout (host_tdx.c, sheet 6.1) */

static int need_host(struct scn_run *r, int stage, const char *what)
{
	if (r->host_stage >= stage)
		return 0;
	return tdxsim_scn_run_error(r, "%s needs a bringup step that got as far as %s", what,
				    stage == SCN_HOST_BUILT
					    ? "building the TDMRs (stop: before_config or later)"
					    : "reading the KeyIDs");
}

static int tdmr_value(struct scn_run *r, const struct scn_expr *e, uint64_t i, uint64_t j, uint64_t *out)
{
	const struct host_tdx *h = r->host;
	if (need_host(r, SCN_HOST_BUILT, e->sym == SCN_SYM_TDMR ? "$tdmr[i]" : "$tdmr_info[i]"))
		return -1;
	if (i >= h->num_tdmrs)
		return tdxsim_scn_run_error(r, "TDMR index %llu out of range: the host built %u TDMR(s)",
					    (unsigned long long)i, h->num_tdmrs);
	if ((e->field == SCN_TF_RSVD_OFFSET || e->field == SCN_TF_RSVD_SIZE) && j >= TDXSIM_TDMR_MAX_RESERVED)
		return tdxsim_scn_run_error(r, "reserved-area index %llu out of range (0..15)",
					    (unsigned long long)j);
	const struct host_tdx_tdmr *t = &h->tdmrs[i];
	if (e->sym == SCN_SYM_TDMR_INFO) {
		/* Addresses of the fields in the TDMR_INFO the host wrote (struct tdxsim_tdmr_info). */
		uint64_t pa = h->tdmr_array_pa + i * TDMR_INFO_STRIDE, off = 0;
		switch (e->field) {
		case SCN_TF_NONE:
			off = 0;
			break;
		case SCN_TF_BASE:
			off = offsetof(struct tdxsim_tdmr_info, base);
			break;
		case SCN_TF_SIZE:
			off = offsetof(struct tdxsim_tdmr_info, size);
			break;
		case SCN_TF_PAMT_1G_BASE:
			off = offsetof(struct tdxsim_tdmr_info, pamt_1g_base);
			break;
		case SCN_TF_PAMT_1G_SIZE:
			off = offsetof(struct tdxsim_tdmr_info, pamt_1g_size);
			break;
		case SCN_TF_PAMT_2M_BASE:
			off = offsetof(struct tdxsim_tdmr_info, pamt_2m_base);
			break;
		case SCN_TF_PAMT_2M_SIZE:
			off = offsetof(struct tdxsim_tdmr_info, pamt_2m_size);
			break;
		case SCN_TF_PAMT_4K_BASE:
			off = offsetof(struct tdxsim_tdmr_info, pamt_4k_base);
			break;
		case SCN_TF_PAMT_4K_SIZE:
			off = offsetof(struct tdxsim_tdmr_info, pamt_4k_size);
			break;
		case SCN_TF_RSVD_OFFSET:
			off = offsetof(struct tdxsim_tdmr_info, reserved_areas) + 16 * j;
			break;
		case SCN_TF_RSVD_SIZE:
			off = offsetof(struct tdxsim_tdmr_info, reserved_areas) + 16 * j + 8;
			break;
		}
		*out = pa + off;
		return 0;
	}
	switch (e->field) {
	case SCN_TF_BASE:
		*out = t->base;
		break;
	case SCN_TF_SIZE:
		*out = t->size;
		break;
	case SCN_TF_END:
		*out = t->base + t->size;
		break;
	case SCN_TF_PAMT_BASE:
		*out = t->pamt_base;
		break;
	case SCN_TF_PAMT_SIZE:
		*out = t->pamt_size;
		break;
	/* The host lays each TDMR's PAMT out as one block: 4K part, then 2M, then 1G. */
	case SCN_TF_PAMT_4K_BASE:
		*out = t->pamt_base;
		break;
	case SCN_TF_PAMT_4K_SIZE:
		*out = t->pamt_4k;
		break;
	case SCN_TF_PAMT_2M_BASE:
		*out = t->pamt_base + t->pamt_4k;
		break;
	case SCN_TF_PAMT_2M_SIZE:
		*out = t->pamt_2m;
		break;
	case SCN_TF_PAMT_1G_BASE:
		*out = t->pamt_base + t->pamt_4k + t->pamt_2m;
		break;
	case SCN_TF_PAMT_1G_SIZE:
		*out = t->pamt_1g;
		break;
	case SCN_TF_NUM_RSVD:
		*out = t->num_rsvd;
		break;
	case SCN_TF_RSVD_OFFSET:
		*out = j < t->num_rsvd ? t->rsvd[j].offset : 0;
		break;
	case SCN_TF_RSVD_SIZE:
		*out = j < t->num_rsvd ? t->rsvd[j].size : 0;
		break;
	default:
		*out = 0;
		break;
	}
	return 0;
}

static int range_value(struct scn_run *r, const struct scn_expr *e, uint64_t i, uint64_t *out)
{
	tdxsim_range_t ranges[2 * TDXSIM_MAX_RAM_RANGES];
	uint32_t n;
	if (e->sym == SCN_SYM_CMR) {
		n = r->scn->cfg.num_ram_ranges; /* the boot RAM ranges are the CMRs (tdxsim.h) */
		memcpy(ranges, r->scn->cfg.ram, n * sizeof(ranges[0]));
	} else {
		n = tdxsim_ram_ranges(r->sim, ranges, SCN_COUNT(ranges));
		if (n > SCN_COUNT(ranges))
			n = SCN_COUNT(ranges);
	}
	if (i >= n)
		return tdxsim_scn_run_error(r, "%s index %llu out of range: there are %u",
					    e->sym == SCN_SYM_CMR ? "$cmr" : "$ram", (unsigned long long)i,
					    n);
	*out = e->field == SCN_TF_BASE	 ? ranges[i].base
	       : e->field == SCN_TF_SIZE ? ranges[i].size
					 : ranges[i].base + ranges[i].size;
	return 0;
}

static int sym_value(struct scn_run *r, const struct scn_expr *e, uint64_t *out)
{
	uint64_t i = 0, j = 0;
	if (e->a && tdxsim_scn_eval(r, e->a, &i))
		return -1;
	if (e->b && tdxsim_scn_eval(r, e->b, &j))
		return -1;
	const struct host_tdx *h = r->host;
	switch (e->sym) {
	case SCN_SYM_TDMR_ARRAY:
		if (need_host(r, SCN_HOST_BUILT, "$tdmr_array"))
			return -1;
		*out = h->tdmr_array_pa;
		return 0;
	case SCN_SYM_PA_ARRAY:
		if (need_host(r, SCN_HOST_BUILT, "$pa_array"))
			return -1;
		if (e->a && i >= 512)
			return tdxsim_scn_run_error(
				r, "$pa_array index %llu out of range (the array is one page)",
				(unsigned long long)i);
		*out = h->pa_array_pa + 8 * i;
		return 0;
	case SCN_SYM_NUM_TDMRS:
		if (need_host(r, SCN_HOST_BUILT, "$num_tdmrs"))
			return -1;
		*out = h->num_tdmrs;
		return 0;
	case SCN_SYM_PAMT_BYTES:
		if (need_host(r, SCN_HOST_BUILT, "$pamt_bytes"))
			return -1;
		*out = h->pamt_bytes;
		return 0;
	case SCN_SYM_GLOBAL_KEYID:
	case SCN_SYM_KEYID_FIRST:
	case SCN_SYM_KEYID_COUNT:
		if (need_host(r, SCN_HOST_LP_INIT, "$global_keyid/$keyid_first/$keyid_count"))
			return -1;
		*out = e->sym == SCN_SYM_GLOBAL_KEYID  ? h->global_keyid
		       : e->sym == SCN_SYM_KEYID_FIRST ? h->keyid_first
						       : h->keyid_count;
		return 0;
	case SCN_SYM_KEYID_SHIFT:
		*out = tdxsim_keyid_shift(r->sim);
		return 0;
	case SCN_SYM_NUM_LPS:
		*out = tdxsim_num_lps(r->sim);
		return 0;
	case SCN_SYM_NUM_PACKAGES:
		*out = tdxsim_num_packages(r->sim);
		return 0;
	case SCN_SYM_MCE_ADDR:
		if (!r->any_mce)
			return tdxsim_scn_run_error(r, "$mce_addr: no machine check has been raised yet");
		*out = r->last_mce.addr;
		return 0;
	case SCN_SYM_TDMR:
	case SCN_SYM_TDMR_INFO:
		return tdmr_value(r, e, i, j, out);
	case SCN_SYM_CMR:
	case SCN_SYM_RAM:
		return range_value(r, e, i, out);
	}
	return tdxsim_scn_run_error(r, "internal: unknown symbol %u", e->sym);
}

/* A binary operation on two values (also folds constants at load time); -1 for a division by
 * zero. */
int tdxsim_scn_fold(uint8_t op, uint64_t a, uint64_t b, uint64_t *out)
{
	switch (op) {
	case SCN_OP_ADD:
		*out = a + b;
		return 0;
	case SCN_OP_SUB:
		*out = a - b;
		return 0;
	case SCN_OP_MUL:
		*out = a * b;
		return 0;
	case SCN_OP_DIV:
		if (!b)
			return -1;
		*out = a / b;
		return 0;
	case SCN_OP_MOD:
		if (!b)
			return -1;
		*out = a % b;
		return 0;
	case SCN_OP_SHL:
		*out = b >= 64 ? 0 : a << b;
		return 0;
	case SCN_OP_SHR:
		*out = b >= 64 ? 0 : a >> b;
		return 0;
	case SCN_OP_AND:
		*out = a & b;
		return 0;
	case SCN_OP_OR:
		*out = a | b;
		return 0;
	case SCN_OP_XOR:
		*out = a ^ b;
		return 0;
	case SCN_OP_EQ:
		*out = a == b;
		return 0;
	case SCN_OP_NE:
		*out = a != b;
		return 0;
	case SCN_OP_LT:
		*out = a < b;
		return 0;
	case SCN_OP_LE:
		*out = a <= b;
		return 0;
	case SCN_OP_GT:
		*out = a > b;
		return 0;
	case SCN_OP_GE:
		*out = a >= b;
		return 0;
	case SCN_OP_LAND:
		*out = a && b;
		return 0;
	case SCN_OP_LOR:
		*out = a || b;
		return 0;
	}
	return -1;
}

int tdxsim_scn_eval(struct scn_run *r, const struct scn_expr *e, uint64_t *out)
{
	uint64_t a = 0, b = 0;
	switch (e->op) {
	case SCN_OP_CONST:
		*out = e->value;
		return 0;
	case SCN_OP_VAR:
		*out = r->vars[e->value];
		return 0;
	case SCN_OP_SYM:
		return sym_value(r, e, out);
	case SCN_OP_TD:
		return tdxsim_scn_td_value(r, e, out);
	case SCN_OP_PAGE:
		return tdxsim_scn_page_value(r, e, out);
	case SCN_OP_PEEK: {
		if (tdxsim_scn_eval(r, e->a, &a))
			return -1;
		/* A load by LP 0 through the KeyID in the address, as the host would read it. */
		unsigned char p[8];
		tdxsim_err_t err = tdxsim_mem_read(r->sim, 0, a, p, e->value);
		if (err)
			return tdxsim_scn_run_error(r, "peek%u(0x%llx): %s", (unsigned)e->value * 8,
						    (unsigned long long)a, tdxsim_strerror(err));
		uint64_t v = 0;
		for (unsigned k = 0; k < e->value; k++)
			v |= (uint64_t)p[k] << (8 * k);
		*out = v;
		return 0;
	}
	case SCN_OP_RANDOM:
		if (tdxsim_scn_eval(r, e->a, &a) || tdxsim_scn_eval(r, e->b, &b))
			return -1;
		if (a > b)
			return tdxsim_scn_run_error(r, "random(0x%llx, 0x%llx): low above high",
						    (unsigned long long)a, (unsigned long long)b);
		*out = b - a == UINT64_MAX ? tdxsim_scn_rng_next(r)
					   : a + tdxsim_scn_rng_next(r) % (b - a + 1);
		return 0;
	case SCN_OP_NEG:
	case SCN_OP_NOT:
		if (tdxsim_scn_eval(r, e->a, &a))
			return -1;
		*out = e->op == SCN_OP_NEG ? (uint64_t)0 - a : ~a;
		return 0;
	case SCN_OP_LNOT:
		if (tdxsim_scn_eval(r, e->a, &a))
			return -1;
		*out = !a;
		return 0;
	case SCN_OP_LAND:
	case SCN_OP_LOR:
		/* Short-circuit, as in C: "$num_tdmrs > 1 && $tdmr[1].base" is safe with one TDMR. */
		if (tdxsim_scn_eval(r, e->a, &a))
			return -1;
		if ((e->op == SCN_OP_LAND) == !a) {
			*out = e->op == SCN_OP_LOR;
			return 0;
		}
		if (tdxsim_scn_eval(r, e->b, &b))
			return -1;
		*out = b != 0;
		return 0;
	}
	if (tdxsim_scn_eval(r, e->a, &a) || tdxsim_scn_eval(r, e->b, &b))
		return -1;
	if (tdxsim_scn_fold(e->op, a, b, out) == 0)
		return 0;
	if (e->op == SCN_OP_DIV || e->op == SCN_OP_MOD)
		return tdxsim_scn_run_error(r, "division by zero in '%s'", e->text ? e->text : "expression");
	return tdxsim_scn_run_error(r, "internal: unknown operator %u", e->op);
}
