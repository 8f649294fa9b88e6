/* SPDX-License-Identifier: MIT */
/*
 * Executors of memory accesses with KeyIDs (memory.h) and platform events (platform.h):
 * read, write, movdir64b, clflush, wbinvd, sleep, hot_add, hot_remove, lp_offline, lp_online.
 * Events also appear in the trace as instants, so a timeline shows where S3 or a hot-add fell.
 */
#include <stdio.h>
#include <string.h>

#include "scenario/run.h"

#define MAX_ACCESS 4096

static int keyed_addr(struct scn_run *r, const struct scn_step *s, uint64_t *pa, uint64_t *keyid)
{
	uint64_t addr;
	*keyid = 0;
	if (tdxsim_scn_eval(r, s->u.mem.addr, &addr) ||
	    (s->u.mem.keyid && tdxsim_scn_eval(r, s->u.mem.keyid, keyid)))
		return -1;
	uint32_t shift = tdxsim_keyid_shift(r->sim);
	if (*keyid && (shift >= 64 || *keyid > (UINT64_MAX >> shift)))
		return tdxsim_scn_run_error(r, "KeyID %llu does not fit above bit %u",
					    (unsigned long long)*keyid, shift);
	*pa = addr | (*keyid << shift);
	return 0;
}

static int access_data(struct scn_run *r, const struct scn_step *s, unsigned char *data, uint64_t *len)
{
	uint64_t fill = 0, value = 0;
	if ((s->u.mem.fill && tdxsim_scn_eval(r, s->u.mem.fill, &fill)) ||
	    (s->u.mem.value && tdxsim_scn_eval(r, s->u.mem.value, &value)))
		return -1;
	if (fill > 0xFF)
		return tdxsim_scn_run_error(r, "fill 0x%llx is not a byte", (unsigned long long)fill);
	if (s->u.mem.value && *len > 8 && s->kind == SCN_K_WRITE)
		return tdxsim_scn_run_error(r, "value writes at most 8 bytes (len %llu); use fill for more",
					    (unsigned long long)*len);
	/* MOVDIR64B with a value: the value in the first 8 bytes, zeros after. */
	memset(data, (int)fill, (size_t)*len);
	for (unsigned i = 0; s->u.mem.value && i < *len; i++)
		data[i] = i < 8 ? (unsigned char)(value >> (8 * i)) : 0;
	return 0;
}

static void result(struct scn_run *r, struct scn_obs *obs, tdxsim_err_t err)
{
	obs->has_result = true;
	obs->result = err;
	tdxsim_scn_buf_printf(&r->detail, ": %s",
			      err == TDXSIM_OK ? "ok" : tdxsim_scn_enum_name(tdxsim_scn_lib_results, err));
	/* The library's own explanation, when it has one for this failure. */
	const char *why = err ? tdxsim_last_error(r->sim) : "";
	if (*why)
		tdxsim_scn_buf_printf(&r->detail, " (%s)", why);
}

static int exec_mem(struct scn_run *r, const struct scn_step *s, uint32_t lp, struct scn_obs *obs)
{
	uint64_t pa = 0, keyid = 0, len = s->kind == SCN_K_MOVDIR64B ? 64 : 8;
	unsigned char data[MAX_ACCESS];
	if (keyed_addr(r, s, &pa, &keyid) || (s->u.mem.len && tdxsim_scn_eval(r, s->u.mem.len, &len)))
		return -1;
	if (len < 1 || len > MAX_ACCESS)
		return tdxsim_scn_run_error(r, "len %llu, expected 1..%d", (unsigned long long)len,
					    MAX_ACCESS);
	if (tdxsim_scn_budget(r))
		return -1;
	const char *what = tdxsim_scn_kind_name(s->kind);
	tdxsim_scn_buf_printf(&r->detail, "%s 0x%llx (KeyID %llu) on LP %u", what,
			      (unsigned long long)(pa & ~(~UINT64_C(0) << tdxsim_keyid_shift(r->sim))),
			      (unsigned long long)keyid, lp);
	tdxsim_err_t err;
	switch (s->kind) {
	case SCN_K_READ:
		err = tdxsim_mem_read(r->sim, lp, pa, data, (size_t)len);
		result(r, obs, err);
		if (err == TDXSIM_OK) {
			obs->has_value = true;
			obs->value = 0;
			for (unsigned i = 0; i < len && i < 8; i++)
				obs->value |= (uint64_t)data[i] << (8 * i);
			tdxsim_scn_buf_printf(&r->detail, ", %llu byte(s), first 0x%llx",
					      (unsigned long long)len, (unsigned long long)obs->value);
		}
		return 0;
	case SCN_K_WRITE:
	case SCN_K_MOVDIR64B:
		if (access_data(r, s, data, &len))
			return -1;
		err = s->kind == SCN_K_WRITE ? tdxsim_mem_write(r->sim, lp, pa, data, (size_t)len)
					     : tdxsim_movdir64b(r->sim, lp, pa, data);
		tdxsim_scn_buf_printf(&r->detail, ", %llu byte(s)", (unsigned long long)len);
		result(r, obs, err);
		return 0;
	default:
		result(r, obs, tdxsim_clflush(r->sim, lp, pa));
		return 0;
	}
}

static int eval_range(struct scn_run *r, const struct scn_step *s, tdxsim_range_t *range)
{
	uint64_t node = 0;
	if (tdxsim_scn_eval(r, s->u.range.base, &range->base) ||
	    tdxsim_scn_eval(r, s->u.range.size, &range->size) ||
	    (s->u.range.node && tdxsim_scn_eval(r, s->u.range.node, &node)))
		return -1;
	if (node >= TDXSIM_MAX_PACKAGES)
		return tdxsim_scn_run_error(r, "node %llu, expected < %d", (unsigned long long)node,
					    TDXSIM_MAX_PACKAGES);
	range->node = (uint32_t)node;
	return 0;
}

static void event(struct scn_run *r, uint32_t lp, const char *name)
{
	tdxsim_scn_trace_instant(
		r, lp, name,
		tdxsim_scn_strndup(&r->res->arena, tdxsim_scn_buf_str(&r->detail), r->detail.len));
}

int tdxsim_scn_exec_platform(struct scn_run *r, const struct scn_step *s, uint32_t lp, struct scn_obs *obs)
{
	tdxsim_range_t range;
	switch (s->kind) {
	case SCN_K_READ:
	case SCN_K_WRITE:
	case SCN_K_MOVDIR64B:
	case SCN_K_CLFLUSH:
		return exec_mem(r, s, lp, obs);
	case SCN_K_WBINVD:
		tdxsim_scn_buf_printf(&r->detail, "WBINVD on LP %u", lp);
		result(r, obs, tdxsim_wbinvd(r->sim, lp));
		return 0;
	case SCN_K_SLEEP:
		tdxsim_scn_buf_printf(&r->detail, "%s", s->u.sleep_enter ? "enter S3" : "resume from S3");
		result(r, obs, s->u.sleep_enter ? tdxsim_sleep_enter(r->sim) : tdxsim_sleep_resume(r->sim));
		event(r, UINT32_MAX, s->u.sleep_enter ? "S3 enter" : "S3 resume");
		return 0;
	case SCN_K_HOT_ADD:
	case SCN_K_HOT_REMOVE:
		if (eval_range(r, s, &range))
			return -1;
		tdxsim_scn_buf_printf(&r->detail, "%s [0x%llx, 0x%llx)",
				      s->kind == SCN_K_HOT_ADD ? "hot-add" : "hot-remove",
				      (unsigned long long)range.base,
				      (unsigned long long)(range.base + range.size));
		result(r, obs,
		       s->kind == SCN_K_HOT_ADD ? tdxsim_mem_hot_add(r->sim, &range)
						: tdxsim_mem_hot_remove(r->sim, range.base, range.size));
		event(r, UINT32_MAX, s->kind == SCN_K_HOT_ADD ? "memory hot-add" : "memory hot-remove");
		return 0;
	case SCN_K_LP_OFFLINE:
	case SCN_K_LP_ONLINE:
		tdxsim_scn_buf_printf(&r->detail, "LP %u %s", lp,
				      s->kind == SCN_K_LP_OFFLINE ? "offline" : "online");
		result(r, obs,
		       s->kind == SCN_K_LP_OFFLINE ? tdxsim_lp_offline(r->sim, lp)
						   : tdxsim_lp_online(r->sim, lp));
		event(r, lp, s->kind == SCN_K_LP_OFFLINE ? "LP offline" : "LP online");
		return 0;
	}
	return tdxsim_scn_run_error(r, "internal: no executor for step kind %u", s->kind);
}
