/* SPDX-License-Identifier: MIT */
/*
 * The guest and tdreport expectations. guest: what tdxsim_guest_result() reports of one op of
 * a vCPU's program (state, the TDCALL status the guest saw, out[]) and its program counter.
 * tdreport: the 1024-byte TDREPORT the guest wrote at a GPA, read as the hypervisor knows that
 * memory: a private GPA through the page it AUGed or added (with the TD's KeyID, the access a
 * TD or the module makes; the host's own KeyID would see zeros), a shared GPA through its
 * td_map_shared range; then tdxsim_report_verify(), MRTD and RTMRs (TDINFO, td-runtime.md
 * 4.4). Reading changes no module state.
 */
#include <stdio.h>
#include <string.h>

#include "scenario/run.h"
#include "tdxsim/guest.h"
#include "tdxsim/td.h"

#define TDINFO	     512u /* TDREPORT offsets (td-runtime.md 4.4) */
#define TDINFO_MRTD  (TDINFO + 16u)
#define TDINFO_RTMR0 (TDINFO + 208u)

static const char *const state_names[] = {"not_run", "done", "ve"};

static void SCN_FMT(3, 4) fail(struct scn_run *r, struct scn_pos pos, const char *fmt, ...)
{
	tdxsim_scn_buf_printf(&r->why, "%s:%u:%u: ", r->scn->file, pos.line, pos.col);
	va_list ap;
	va_start(ap, fmt);
	tdxsim_scn_buf_vprintf(&r->why, fmt, ap);
	va_end(ap);
	tdxsim_scn_buf_put(&r->why, "\n", 1);
}

static bool value(struct scn_run *r, const struct scn_expr *e, uint64_t *v)
{
	if (tdxsim_scn_eval(r, e, v) == 0)
		return true;
	fail(r, e->pos, "cannot evaluate the expected value: %s", r->err);
	return false;
}

static struct scn_td_run *live_td(struct scn_run *r, unsigned idx, struct scn_pos pos)
{
	struct scn_td_run *td = tdxsim_scn_td_get(r, idx);
	if (!td || !td->created)
		fail(r, pos, "TD %s has not been created", r->scn->tds.v[idx]);
	return td && td->created ? td : NULL;
}

static void check_one_guest(struct scn_run *r, const struct scn_guest_expect *e)
{
	const char *name = r->scn->tds.v[e->td];
	struct scn_td_run *td = live_td(r, e->td, e->pos);
	uint64_t v = 0, op = 0, want;
	if (!td || (e->vcpu && !value(r, e->vcpu, &v)) || (e->op && !value(r, e->op, &op)))
		return;
	if (v >= td->num_vcpus) {
		fail(r, e->pos, "TD %s has no vCPU %llu", name, (unsigned long long)v);
		return;
	}
	tdxsim_guest_result_t res;
	size_t pc;
	if (tdxsim_guest_result(r->sim, td->vcpu[v].tdvpr, e->op ? op : 0, &res, &pc) != TDXSIM_OK) {
		fail(r, e->pos, "TD %s vCPU %llu: no guest op %llu (no program, or a shorter one)", name,
		     (unsigned long long)v, (unsigned long long)op);
		return;
	}
	if (e->pc && value(r, e->pc, &want) && pc != want)
		fail(r, e->pc->pos, "TD %s vCPU %llu: pc %zu, expected %llu", name, (unsigned long long)v, pc,
		     (unsigned long long)want);
	if (!e->op)
		return;
	if (e->state >= 0 && res.state != (uint32_t)e->state)
		fail(r, e->pos, "guest op %llu: state %s, expected %s", (unsigned long long)op,
		     res.state < 3 ? state_names[res.state] : "?", state_names[e->state]);
	char got[128], exp[128];
	if (e->status && value(r, e->status, &want) && res.status != want)
		fail(r, e->status->pos, "guest op %llu: status %s, expected %s", (unsigned long long)op,
		     tdxsim_scn_status_str(res.status, got, sizeof(got)),
		     tdxsim_scn_status_str(want, exp, sizeof(exp)));
	for (int i = 0; i < 6; i++)
		if (e->out[i] && value(r, e->out[i], &want) && res.out[i] != want)
			fail(r, e->out[i]->pos, "guest op %llu: out[%d] = 0x%llx, expected 0x%llx",
			     (unsigned long long)op, i, (unsigned long long)res.out[i],
			     (unsigned long long)want);
}

/* Where the hypervisor has the 1024 bytes at @gpa: a page it gave the TD or a shared range it
 * mapped; the address carries the KeyID the read goes through. */
static bool report_pa(struct scn_run *r, const struct scn_td_run *td, uint64_t gpa, uint64_t *pa)
{
	uint64_t bit = tdxsim_scn_td_shared_bit(td);
	if (gpa & bit) {
		gpa &= ~bit;
		for (unsigned i = 0; i < td->num_shared; i++) {
			const struct scn_td_shared *m = &td->shared[i];
			if (gpa >= m->gpa && gpa + 1024 <= m->gpa + m->size) {
				*pa = m->hpa + (gpa - m->gpa);
				return true;
			}
		}
		return false;
	}
	for (unsigned i = td->num_pages; i-- > 0;) {
		uint64_t size = UINT64_C(4096) << (9 * (td->gpa[i] & 3)),
			 base = td->gpa[i] & ~UINT64_C(0xFFF);
		if (!td->gone[i] && gpa >= base && gpa + 1024 <= base + size) {
			*pa = (td->hpa[i] + (gpa - base)) | (uint64_t)td->hkid << tdxsim_keyid_shift(r->sim);
			return true;
		}
	}
	return false;
}

static void hex(const uint8_t *b, char out[97])
{
	for (int i = 0; i < 48; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

static void check_one_report(struct scn_run *r, const struct scn_report_expect *e)
{
	const char *name = r->scn->tds.v[e->td];
	struct scn_td_run *td = live_td(r, e->td, e->pos);
	uint64_t gpa, pa;
	uint8_t rep[TDXSIM_TDREPORT_SIZE];
	char got[97];
	if (!td || !value(r, e->gpa, &gpa))
		return;
	if (!report_pa(r, td, gpa, &pa)) {
		fail(r, e->gpa->pos, "TD %s: GPA 0x%llx is in no page the host gave the TD or mapped shared",
		     name, (unsigned long long)gpa);
		return;
	}
	if (tdxsim_mem_read(r->sim, 0, pa, rep, sizeof(rep)) != TDXSIM_OK) {
		fail(r, e->gpa->pos, "TD %s: the TDREPORT at 0x%llx cannot be read", name,
		     (unsigned long long)pa);
		return;
	}
	bool ok = tdxsim_report_verify(r->sim, rep) == TDXSIM_OK;
	if (e->verifies >= 0 && ok != (e->verifies == 1))
		fail(r, e->pos, "TD %s: the TDREPORT at GPA 0x%llx %s, expected it %s", name,
		     (unsigned long long)gpa, ok ? "verifies" : "does not verify",
		     e->verifies ? "to verify" : "not to");
	const uint8_t *mrtd = e->mrtd_v;
	tdxsim_td_info_t info = {.size = sizeof(info)};
	if (e->mrtd == 1) {
		if (tdxsim_td_query(r->sim, td->tdr, &info) != TDXSIM_OK) {
			fail(r, e->mrtd_pos, "TD %s does not exist: no MRTD to compare", name);
			return;
		}
		mrtd = info.mrtd;
	}
	if (e->mrtd && memcmp(rep + TDINFO_MRTD, mrtd, 48)) {
		hex(rep + TDINFO_MRTD, got);
		fail(r, e->mrtd_pos, "TD %s: TDREPORT MRTD %s differs%s", name, got,
		     e->mrtd == 1 ? " from the TD's" : "");
	}
	for (int i = 0; i < 4; i++) {
		if (!(e->rtmr_mask & (1u << i)) || !memcmp(rep + TDINFO_RTMR0 + 48 * i, e->rtmr[i], 48))
			continue;
		hex(rep + TDINFO_RTMR0 + 48 * i, got);
		fail(r, e->rtmr_pos[i], "TD %s: TDREPORT RTMR[%d] %s is not that extend chain", name, i, got);
	}
}

void tdxsim_scn_check_guest(struct scn_run *r, const struct scn_expect *ex)
{
	for (unsigned i = 0; i < ex->num_guest; i++)
		check_one_guest(r, &ex->guest[i]);
	for (unsigned i = 0; i < ex->num_report; i++)
		check_one_report(r, &ex->report[i]);
}
