/* SPDX-License-Identifier: MIT */
/*
 * Host-side TDX bring-up against tdxsim (host_tdx.h). The sequence follows what the sheet's
 * section 14.1 says current Linux does at boot; the code is this project's own.
 */
#include "host_tdx.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "tdxsim/cpu.h"
#include "tdxsim/memory.h"

#define SZ_1M		 (UINT64_C(1) << 20)
#define SZ_1G		 (UINT64_C(1) << 30)
#define PAGE_SIZE	 UINT64_C(4096)
#define TDMR_INFO_STRIDE 1024 /* Linux's struct tdmr_info with 16 areas, 512-aligned (sheet 6.1) */

static uint64_t round_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

static uint64_t round_down(uint64_t v, uint64_t a)
{
	return v / a * a;
}

static void klog(const struct host_tdx_opts *o, const char *fmt, ...)
{
	if (!o->log)
		return;
	va_list ap;
	fputs("tdx: ", o->log);
	va_start(ap, fmt);
	vfprintf(o->log, fmt, ap);
	va_end(ap);
	fputc('\n', o->log);
}

static int fail(struct host_tdx *h, const struct host_tdx_opts *o, int err, uint64_t status, const char *fmt,
		...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(h->message, sizeof(h->message), fmt, ap);
	va_end(ap);
	h->err = err;
	h->status = status;
	if (status) {
		char name[96];
		klog(o, "%s: %s", h->message, tdxsim_status_name(status, name, sizeof(name)));
	} else {
		klog(o, "%s", h->message);
	}
	return err;
}

/* Linux maps software codes to errnos (sheet 1.5); everything else is -EIO. */
int host_tdx_errno(uint64_t status)
{
	if (status == TDXSIM_TDX_SEAMCALL_VMFAILINVALID)
		return -ENODEV;
	if (status == TDXSIM_TDX_SEAMCALL_GP)
		return -EOPNOTSUPP;
	if (status == TDXSIM_TDX_SEAMCALL_UD)
		return -EACCES;
	return -EIO;
}

/* A SEAMCALL that repeats while the module is out of entropy, as Linux's sc_retry() does. */
uint64_t host_tdx_seamcall(tdxsim_t *sim, uint32_t lp, uint64_t fn, tdxsim_regs_t *regs)
{
	tdxsim_regs_t in = *regs;
	uint64_t status;
	for (int tries = 10;; tries--) {
		*regs = in;
		status = tdxsim_seamcall(sim, lp, fn, regs);
		if (status != TDXSIM_TDX_RND_NO_ENTROPY || tries <= 1)
			return status;
	}
}

static int read_field(tdxsim_t *sim, uint64_t id, uint64_t *value)
{
	tdxsim_regs_t r = {.rdx = id};
	uint64_t status = host_tdx_seamcall(sim, 0, TDXSIM_TDH_SYS_RD, &r);
	if (status)
		return -1;
	*value = r.r8;
	return 0;
}

/* The module's limits and CMRs: TDH.SYS.RD on 1.5 modules, TDH.SYS.INFO on 1.0. */
static int read_module_info(tdxsim_t *sim, const struct host_tdx_opts *o, struct host_tdx *h)
{
	uint64_t v[9];
	static const uint64_t ids[9] = {
		TDXSIM_MD_MINOR_VERSION,      TDXSIM_MD_MAJOR_VERSION,	    TDXSIM_MD_UPDATE_VERSION,
		TDXSIM_MD_TDX_FEATURES0,      TDXSIM_MD_MAX_TDMRS,	    TDXSIM_MD_MAX_RESERVED_PER_TDMR,
		TDXSIM_MD_PAMT_4K_ENTRY_SIZE, TDXSIM_MD_PAMT_2M_ENTRY_SIZE, TDXSIM_MD_PAMT_1G_ENTRY_SIZE};
	int i = 0;
	while (i < 9 && read_field(sim, ids[i], &v[i]) == 0)
		i++;
	if (i == 9) {
		h->minor = (uint16_t)v[0];
		h->major = (uint16_t)v[1];
		h->update = (uint16_t)v[2];
		h->features0 = v[3];
		h->max_tdmrs = (uint16_t)v[4];
		h->max_rsvd = (uint16_t)v[5];
		for (int l = 0; l < 3; l++)
			h->pamt_entry_size[l] = (uint16_t)v[6 + l];
		uint64_t n = 0, base, size;
		if (read_field(sim, TDXSIM_MD_NUM_CMRS, &n) || n > TDXSIM_MAX_CMRS)
			return fail(h, o, -EIO, 0, "cannot read the CMR count");
		for (unsigned c = 0; c < n; c++) {
			if (read_field(sim, TDXSIM_MD_CMR_BASE + c, &base) ||
			    read_field(sim, TDXSIM_MD_CMR_SIZE + c, &size))
				return fail(h, o, -EIO, 0, "cannot read CMR %u", c);
			if (size)
				h->cmrs[h->num_cmrs++] = (tdxsim_range_t){base, size, 0};
		}
		if (!(h->features0 & TDXSIM_FEATURES0_NO_RBP_MOD))
			return fail(h, o, -EINVAL, 0,
				    "frame pointer (RBP) clobber bug present, upgrade the module");
		return 0;
	}
	if (i > 0)
		return fail(h, o, -EIO, 0, "TDH.SYS.RD failed part-way through the metadata");

	/* No TDH.SYS.RD: a 1.0 module. Its TDSYSINFO_STRUCT and CMR array live in buffers the host
	 * allocates (1024- and 512-aligned). */
	uint64_t info_pa, cmr_pa;
	if (tdxsim_phys_alloc(sim, PAGE_SIZE, PAGE_SIZE, UINT32_MAX, &info_pa) ||
	    tdxsim_phys_alloc(sim, PAGE_SIZE, PAGE_SIZE, UINT32_MAX, &cmr_pa))
		return fail(h, o, -ENOMEM, 0, "no memory for TDSYSINFO");
	tdxsim_regs_t r = {.rcx = info_pa, .rdx = TDXSIM_TDSYSINFO_SIZE, .r8 = cmr_pa, .r9 = TDXSIM_MAX_CMRS};
	uint64_t status = host_tdx_seamcall(sim, 0, TDXSIM_TDH_SYS_INFO, &r);
	if (status) {
		tdxsim_phys_free(sim, info_pa, PAGE_SIZE);
		tdxsim_phys_free(sim, cmr_pa, PAGE_SIZE);
		return fail(h, o, host_tdx_errno(status), status, "TDH.SYS.INFO failed");
	}
	const struct tdxsim_tdsysinfo *si = tdxsim_phys_to_virt(sim, info_pa, sizeof(*si));
	const struct tdxsim_cmr_info *ci = tdxsim_phys_to_virt(sim, cmr_pa, TDXSIM_MAX_CMRS * sizeof(*ci));
	h->major = si->major_version;
	h->minor = si->minor_version;
	h->update = 0;
	h->max_tdmrs = si->max_tdmrs;
	h->max_rsvd = si->max_reserved_per_tdmr;
	h->pamt_entry_size[0] = h->pamt_entry_size[1] = h->pamt_entry_size[2] = si->pamt_entry_size;
	for (unsigned c = 0; c < r.r9 && c < TDXSIM_MAX_CMRS; c++)
		if (ci[c].size)
			h->cmrs[h->num_cmrs++] = (tdxsim_range_t){ci[c].base, ci[c].size, 0};
	tdxsim_phys_free(sim, info_pa, PAGE_SIZE);
	tdxsim_phys_free(sim, cmr_pa, PAGE_SIZE);
	return 0;
}

/* One TDMR per run of RAM, rounded out to 1 GiB; runs that share a 1 GiB block share a TDMR. */
static int build_tdmrs(tdxsim_t *sim, const struct host_tdx_opts *o, struct host_tdx *h,
		       const tdxsim_range_t *ram, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint64_t start = ram[i].base < SZ_1M ? SZ_1M : ram[i].base; /* the first 1 MiB is skipped */
		uint64_t end = ram[i].base + ram[i].size;
		if (start >= end)
			continue;
		h->ram_bytes += end - start;
		uint64_t tstart = round_down(start, SZ_1G), tend = round_up(end, SZ_1G);
		if (h->num_tdmrs) {
			struct host_tdx_tdmr *last = &h->tdmrs[h->num_tdmrs - 1];
			if (tstart < last->base + last->size) {
				if (tend > last->base + last->size)
					last->size = tend - last->base;
				continue;
			}
		}
		if (h->num_tdmrs == h->max_tdmrs || h->num_tdmrs == HOST_TDX_MAX_TDMRS)
			return fail(h, o, -ENOSPC, 0, "too many TDMRs (module allows %u)", h->max_tdmrs);
		h->tdmrs[h->num_tdmrs++] = (struct host_tdx_tdmr){.base = tstart, .size = tend - tstart};
	}
	if (!h->num_tdmrs)
		return fail(h, o, -EINVAL, 0, "no memory to cover with TDMRs");
	return 0;
}

static uint64_t pamt_part(uint64_t tdmr_size, uint64_t page, uint16_t entry_size)
{
	return round_up(tdmr_size / page * entry_size, PAGE_SIZE);
}

/* NUMA node of the RAM the TDMR starts with, so its PAMT sits next to what it describes. */
static uint32_t tdmr_node(const struct host_tdx_tdmr *t, const tdxsim_range_t *ram, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (ram[i].base + ram[i].size > t->base && ram[i].base < t->base + t->size)
			return ram[i].node;
	return UINT32_MAX;
}

static int alloc_pamts(tdxsim_t *sim, const struct host_tdx_opts *o, struct host_tdx *h,
		       const tdxsim_range_t *ram, unsigned n)
{
	for (unsigned i = 0; i < h->num_tdmrs; i++) {
		struct host_tdx_tdmr *t = &h->tdmrs[i];
		t->pamt_4k = pamt_part(t->size, PAGE_SIZE, h->pamt_entry_size[0]);
		t->pamt_2m = pamt_part(t->size, UINT64_C(2) << 20, h->pamt_entry_size[1]);
		t->pamt_1g = pamt_part(t->size, SZ_1G, h->pamt_entry_size[2]);
		t->pamt_size = t->pamt_4k + t->pamt_2m + t->pamt_1g;
		uint32_t node = tdmr_node(t, ram, n);
		if (tdxsim_phys_alloc(sim, t->pamt_size, PAGE_SIZE, node, &t->pamt_base) &&
		    tdxsim_phys_alloc(sim, t->pamt_size, PAGE_SIZE, UINT32_MAX, &t->pamt_base))
			return fail(h, o, -ENOMEM, 0, "no contiguous memory for a %llu KiB PAMT",
				    (unsigned long long)(t->pamt_size >> 10));
		h->pamt_bytes += t->pamt_size;
	}
	return 0;
}

static int add_rsvd(const struct host_tdx_opts *o, struct host_tdx *h, struct host_tdx_tdmr *t,
		    uint64_t start, uint64_t end)
{
	if (t->num_rsvd == h->max_rsvd || t->num_rsvd == TDXSIM_TDMR_MAX_RESERVED)
		return fail(h, o, -ENOSPC, 0, "too many reserved areas in TDMR at 0x%llx (module allows %u)",
			    (unsigned long long)t->base, h->max_rsvd);
	t->rsvd[t->num_rsvd++] = (struct tdxsim_tdmr_reserved_area){start - t->base, end - start};
	return 0;
}

static int cmp_rsvd(const void *a, const void *b)
{
	const struct tdxsim_tdmr_reserved_area *x = a, *y = b;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* Reserved areas: the parts of each TDMR that are not RAM, and every PAMT inside it. */
static int fill_reserved(const struct host_tdx_opts *o, struct host_tdx *h, const tdxsim_range_t *ram,
			 unsigned n)
{
	for (unsigned i = 0; i < h->num_tdmrs; i++) {
		struct host_tdx_tdmr *t = &h->tdmrs[i];
		uint64_t cur = t->base, end = t->base + t->size;
		for (unsigned r = 0; r < n && cur < end; r++) {
			uint64_t rs = ram[r].base < SZ_1M ? SZ_1M : ram[r].base,
				 re = ram[r].base + ram[r].size;
			if (re <= cur || rs >= end || rs >= re)
				continue;
			if (rs > cur && add_rsvd(o, h, t, cur, rs))
				return h->err;
			cur = re;
		}
		if (cur < end && add_rsvd(o, h, t, cur, end))
			return h->err;
		for (unsigned j = 0; j < h->num_tdmrs; j++) {
			const struct host_tdx_tdmr *p = &h->tdmrs[j];
			uint64_t ps = p->pamt_base, pe = p->pamt_base + p->pamt_size;
			if (pe <= t->base || ps >= end)
				continue;
			if (add_rsvd(o, h, t, ps < t->base ? t->base : ps, pe > end ? end : pe))
				return h->err;
		}
		qsort(t->rsvd, t->num_rsvd, sizeof(t->rsvd[0]), cmp_rsvd);
	}
	return 0;
}

/* The TDMR_INFO array (1024-byte stride, like Linux) and the 512-aligned array of their PAs. */
static int write_tdmr_array(tdxsim_t *sim, const struct host_tdx_opts *o, struct host_tdx *h)
{
	uint64_t array_size = (uint64_t)h->max_tdmrs * TDMR_INFO_STRIDE;
	if (tdxsim_phys_alloc(sim, array_size, PAGE_SIZE, UINT32_MAX, &h->tdmr_array_pa) ||
	    tdxsim_phys_alloc(sim, PAGE_SIZE, PAGE_SIZE, UINT32_MAX, &h->pa_array_pa))
		return fail(h, o, -ENOMEM, 0, "no memory for the TDMR array");
	uint8_t *array = tdxsim_phys_to_virt(sim, h->tdmr_array_pa, array_size);
	uint64_t *pas = tdxsim_phys_to_virt(sim, h->pa_array_pa, PAGE_SIZE);
	for (unsigned i = 0; i < h->num_tdmrs; i++) {
		const struct host_tdx_tdmr *t = &h->tdmrs[i];
		struct tdxsim_tdmr_info info = {
			.base = t->base,
			.size = t->size,
			.pamt_4k_base = t->pamt_base,
			.pamt_4k_size = t->pamt_4k,
			.pamt_2m_base = t->pamt_base + t->pamt_4k,
			.pamt_2m_size = t->pamt_2m,
			.pamt_1g_base = t->pamt_base + t->pamt_4k + t->pamt_2m,
			.pamt_1g_size = t->pamt_1g,
		};
		memcpy(info.reserved_areas, t->rsvd, t->num_rsvd * sizeof(t->rsvd[0]));
		memcpy(array + (uint64_t)i * TDMR_INFO_STRIDE, &info, sizeof(info));
		pas[i] = h->tdmr_array_pa + (uint64_t)i * TDMR_INFO_STRIDE;
	}
	return 0;
}

static int config_keys(tdxsim_t *sim, const struct host_tdx_opts *o, struct host_tdx *h)
{
	uint32_t num_lps = tdxsim_num_lps(sim), done = 0;
	for (uint32_t lp = 0; lp < num_lps; lp++) {
		uint32_t pkg = tdxsim_lp_package(sim, lp);
		if (done & (UINT32_C(1) << pkg))
			continue; /* the first LP of each package does it */
		uint64_t status;
		unsigned tries = 0;
		do {
			tdxsim_regs_t r = {0};
			status = host_tdx_seamcall(sim, lp, TDXSIM_TDH_SYS_KEY_CONFIG, &r);
			if (status == TDXSIM_TDX_KEY_GENERATION_FAILED)
				h->key_config_retries++;
		} while (status == TDXSIM_TDX_KEY_GENERATION_FAILED && ++tries < o->key_config_max_tries);
		if (status)
			return fail(h, o, host_tdx_errno(status), status,
				    "TDH.SYS.KEY.CONFIG on package %u failed", pkg);
		done |= UINT32_C(1) << pkg;
	}
	return 0;
}

static int init_tdmrs(tdxsim_t *sim, const struct host_tdx_opts *o, struct host_tdx *h)
{
	for (unsigned i = 0; i < h->num_tdmrs; i++) {
		const struct host_tdx_tdmr *t = &h->tdmrs[i];
		uint64_t next = t->base;
		while (next < t->base + t->size) {
			tdxsim_regs_t r = {.rcx = t->base};
			uint64_t status = host_tdx_seamcall(sim, 0, TDXSIM_TDH_SYS_TDMR_INIT, &r);
			if (status)
				return fail(h, o, host_tdx_errno(status), status,
					    "TDH.SYS.TDMR.INIT at 0x%llx failed",
					    (unsigned long long)t->base);
			next = r.rdx;
		}
	}
	return 0;
}

static void free_memory(tdxsim_t *sim, struct host_tdx *h)
{
	for (unsigned i = 0; i < h->num_tdmrs; i++)
		if (h->tdmrs[i].pamt_base)
			tdxsim_phys_free(sim, h->tdmrs[i].pamt_base, h->tdmrs[i].pamt_size);
	if (h->tdmr_array_pa)
		tdxsim_phys_free(sim, h->tdmr_array_pa, (uint64_t)h->max_tdmrs * TDMR_INFO_STRIDE);
	if (h->pa_array_pa)
		tdxsim_phys_free(sim, h->pa_array_pa, PAGE_SIZE);
}

/* Linux's X86_BUG_TDX_PW_MCE: Sapphire Rapids and Emerald Rapids server parts (sheet 10),
 * recognized by family 6 and the model in CPUID(1).EAX. */
static bool has_partial_write_erratum(tdxsim_t *sim)
{
	tdxsim_cpuid_regs_t r;
	if (tdxsim_cpuid(sim, 0, 1, 0, &r))
		return false;
	uint32_t family = (r.eax >> 8) & 0xF, model = ((r.eax >> 4) & 0xF) | ((r.eax >> 12) & 0xF0);
	return family == 6 && (model == 0x8F || model == 0xCF);
}

/*
 * After TDH.SYS.KEY.CONFIG or TDH.SYS.TDMR.INIT failed the module may have written the PAMTs
 * with the global private KeyID. Before the pages go back to the allocator: WBINVD on every
 * LP, then, only on parts with the partial-write erratum, a MOVDIR64B of zeros over every line
 * so that no later partial write poisons them (sheet 7.2 "Linux usage", 10).
 */
static void reset_pamts(tdxsim_t *sim, const struct host_tdx *h)
{
	static const uint8_t zero[64] __attribute__((aligned(64)));
	for (uint32_t lp = 0; lp < tdxsim_num_lps(sim); lp++)
		tdxsim_wbinvd(sim, lp);
	if (!has_partial_write_erratum(sim))
		return;
	for (unsigned i = 0; i < h->num_tdmrs; i++)
		for (uint64_t off = 0; off < h->tdmrs[i].pamt_size; off += 64)
			tdxsim_movdir64b(sim, 0, h->tdmrs[i].pamt_base + off, zero);
}

void host_tdx_free(tdxsim_t *sim, struct host_tdx *h)
{
	free_memory(sim, h);
	for (unsigned i = 0; i < h->num_tdmrs; i++)
		h->tdmrs[i].pamt_base = 0;
	h->tdmr_array_pa = h->pa_array_pa = 0;
}

int host_tdx_init(tdxsim_t *sim, const struct host_tdx_opts *opts, struct host_tdx *h)
{
	struct host_tdx_opts o = opts ? *opts : (struct host_tdx_opts){0};
	if (!o.key_config_max_tries)
		o.key_config_max_tries = 4;
	memset(h, 0, sizeof(*h));

	/* 1. Did the BIOS enable TDX? NUM_TDX_PRIV_KIDS in MSR 0x87, at least two KeyIDs. */
	uint64_t part;
	if (tdxsim_rdmsr(sim, 0, TDXSIM_MSR_IA32_MKTME_KEYID_PARTITIONING, &part) ||
	    TDXSIM_MKTME_PART_NUM_TDX(part) == 0)
		return fail(h, &o, -ENODEV, 0, "TDX not enabled by the BIOS");
	h->keyid_first = TDXSIM_MKTME_PART_NUM_MKTME(part) + 1;
	h->keyid_count = TDXSIM_MKTME_PART_NUM_TDX(part);
	klog(&o, "BIOS enabled: private KeyID range [%u, %u)", h->keyid_first,
	     h->keyid_first + h->keyid_count);
	if (h->keyid_count < 2)
		return fail(h, &o, -ENODEV, 0, "too few private KeyIDs (%u), disabling TDX", h->keyid_count);
	h->global_keyid = h->keyid_first;

	/* 2. VMXON, TDH.SYS.INIT once, TDH.SYS.LP.INIT on every LP. */
	uint32_t num_lps = tdxsim_num_lps(sim);
	tdxsim_regs_t r = {0};
	uint64_t status;
	if (o.cpus_enabled)
		goto cpus_done;
	for (uint32_t lp = 0; lp < num_lps; lp++)
		if (tdxsim_vmxon(sim, lp))
			return fail(h, &o, -EIO, 0, "VMXON failed on LP %u", lp);
	status = host_tdx_seamcall(sim, 0, TDXSIM_TDH_SYS_INIT, &r);
	if (status == TDXSIM_TDX_SEAMCALL_VMFAILINVALID)
		return fail(h, &o, -ENODEV, status, "module not loaded");
	if (status)
		return fail(h, &o, host_tdx_errno(status), status, "TDH.SYS.INIT failed");
	for (uint32_t lp = 0; lp < num_lps; lp++) {
		r = (tdxsim_regs_t){0};
		status = host_tdx_seamcall(sim, lp, TDXSIM_TDH_SYS_LP_INIT, &r);
		if (status)
			return fail(h, &o, host_tdx_errno(status), status, "TDH.SYS.LP.INIT on LP %u failed",
				    lp);
	}
cpus_done:

	if (o.stop == HOST_TDX_STOP_AFTER_LP_INIT)
		return 0;

	/* 3. What the module supports, then TDMRs, PAMTs and reserved areas over all RAM. */
	int err = read_module_info(sim, &o, h);
	if (err)
		return err;
	klog(&o, "TDX module %u.%u.%02u, %u CMRs, up to %u TDMRs with %u reserved areas each", h->major,
	     h->minor, h->update, h->num_cmrs, h->max_tdmrs, h->max_rsvd);
	tdxsim_range_t ram[TDXSIM_MAX_RAM_RANGES * 2];
	unsigned nram = tdxsim_ram_ranges(sim, ram, TDXSIM_MAX_RAM_RANGES * 2);
	if (nram > TDXSIM_MAX_RAM_RANGES * 2)
		nram = TDXSIM_MAX_RAM_RANGES * 2;
	err = build_tdmrs(sim, &o, h, ram, nram);
	if (!err)
		err = alloc_pamts(sim, &o, h, ram, nram);
	if (!err)
		err = fill_reserved(&o, h, ram, nram);
	if (!err)
		err = write_tdmr_array(sim, &o, h);
	if (err)
		goto free;

	if (o.stop == HOST_TDX_STOP_BEFORE_CONFIG)
		return 0;

	/* 4. TDH.SYS.CONFIG, a key per package, then every TDMR's PAMT. */
	r = (tdxsim_regs_t){.rcx = h->pa_array_pa, .rdx = h->num_tdmrs, .r8 = h->global_keyid};
	status = host_tdx_seamcall(sim, 0, TDXSIM_TDH_SYS_CONFIG, &r);
	if (status) {
		err = fail(h, &o, host_tdx_errno(status), status, "TDH.SYS.CONFIG failed");
		goto free;
	}
	if (o.stop == HOST_TDX_STOP_AFTER_CONFIG)
		return 0;
	err = config_keys(sim, &o, h);
	if (!err && o.stop == HOST_TDX_STOP_AFTER_KEYS)
		return 0;
	if (!err)
		err = init_tdmrs(sim, &o, h);
	if (err) {
		reset_pamts(sim, h);
		goto free;
	}
	klog(&o, "%llu KB allocated for PAMT", (unsigned long long)(h->pamt_bytes >> 10));
	klog(&o, "TDX module initialized");
	return 0;
free:
	free_memory(sim, h);
	return err;
}
