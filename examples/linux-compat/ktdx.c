/* SPDX-License-Identifier: MIT */
/*
 * Kernel-style TDX bring-up over tdxsim/linux.h (ktdx.h). SEAMCALLs go through Linux's
 * __seamcall() and __seamcall_ret() with struct tdx_module_args and are checked against
 * Linux's status names; every SEAMCALL runs on the CPU whose thread calls it.
 */
#include "ktdx.h"

#include <errno.h>
#include <string.h>

#include "tdxsim/linux.h"

typedef uint64_t u64;

#define PAGE_SIZE	   UINT64_C(4096)
#define SZ_1G		   (UINT64_C(1) << 30)
#define RDRAND_RETRY_LOOPS 10 /* attempts in all (sheet 1.5) */

static u64 round_up(u64 v, u64 a)
{
	return (v + a - 1) / a * a;
}

static u64 round_down(u64 v, u64 a)
{
	return v / a * a;
}

typedef u64 (*sc_func_t)(u64 fn, struct tdx_module_args *args);

/* Repeats a SEAMCALL while the module is out of entropy, as a kernel does. The inputs are put
 * back before each repeat: a _ret variant has copied the failed call's outputs over them. */
static u64 sc_retry(sc_func_t func, u64 fn, struct tdx_module_args *args)
{
	struct tdx_module_args in = *args;
	for (int left = RDRAND_RETRY_LOOPS;; *args = in) {
		u64 ret = func(fn, args);
		if (ret != TDX_RND_NO_ENTROPY || --left == 0)
			return ret;
	}
}

#define seamcall(fn, args)     sc_retry(__seamcall, (fn), (args))
#define seamcall_ret(fn, args) sc_retry(__seamcall_ret, (fn), (args))

int ktdx_errno(uint64_t status)
{
	switch (status) {
	case TDX_SUCCESS:
		return 0;
	case TDX_SEAMCALL_VMFAILINVALID:
		return -ENODEV;
	case TDX_SEAMCALL_GP:
		return -EOPNOTSUPP;
	case TDX_SEAMCALL_UD:
		return -EACCES;
	default:
		return -EIO;
	}
}

/* Records the failing status (CPU threads fail concurrently) and returns its errno. */
static int seamcall_failed(struct ktdx *t, u64 status)
{
	pthread_mutex_lock(&t->sysinit_lock);
	t->last_status = status;
	pthread_mutex_unlock(&t->sysinit_lock);
	return ktdx_errno(status);
}

void ktdx_setup(struct ktdx *t, tdxsim_t *sim, struct kcpus *cpus)
{
	memset(t, 0, sizeof(*t));
	t->sim = sim;
	t->cpus = cpus;
	pthread_mutex_init(&t->sysinit_lock, NULL);
}

void ktdx_cleanup(struct ktdx *t)
{
	pthread_mutex_destroy(&t->sysinit_lock);
}

/* ---- per-CPU enabling ------------------------------------------------------------------- */

/* TDH.SYS.INIT once for the whole platform; every CPU gets its result. */
static int try_init_module_global(struct ktdx *t)
{
	pthread_mutex_lock(&t->sysinit_lock);
	if (!t->sysinit_done) {
		struct tdx_module_args args = {0};
		u64 status = seamcall(TDH_SYS_INIT, &args);
		t->sysinit_ret = ktdx_errno(status);
		if (status != TDX_SUCCESS)
			t->last_status = status;
		t->sysinit_done = true;
	}
	int ret = t->sysinit_ret;
	pthread_mutex_unlock(&t->sysinit_lock);
	return ret;
}

static int cpu_enable(void *arg)
{
	struct ktdx *t = arg;
	tdxsim_t *sim;
	uint32_t cpu;
	if (!tdxsim_linux_get_cpu(&sim, &cpu) || tdxsim_vmxon(sim, cpu))
		return -EIO;
	int ret = try_init_module_global(t);
	if (ret)
		return ret;
	struct tdx_module_args args = {0};
	u64 status = seamcall(TDH_SYS_LP_INIT, &args);
	return status == TDX_SUCCESS ? 0 : seamcall_failed(t, status);
}

int ktdx_enable_cpus(struct ktdx *t)
{
	return on_each_cpu(t->cpus, cpu_enable, t);
}

/* ---- module initialization -------------------------------------------------------------- */

static int read_md(struct ktdx *t, u64 field_id, uint16_t *value)
{
	struct tdx_module_args args = {.rdx = field_id};
	u64 status = seamcall_ret(TDH_SYS_RD, &args);
	if (status != TDX_SUCCESS)
		return seamcall_failed(t, status);
	*value = (uint16_t)args.r8;
	return 0;
}

static int read_metadata(void *arg)
{
	struct ktdx *t = arg;
	int ret = read_md(t, TDXSIM_MD_MAX_TDMRS, &t->max_tdmrs);
	if (!ret)
		ret = read_md(t, TDXSIM_MD_MAX_RESERVED_PER_TDMR, &t->max_reserved_per_tdmr);
	if (!ret)
		ret = read_md(t, TDXSIM_MD_PAMT_4K_ENTRY_SIZE, &t->pamt_entry_size[0]);
	if (!ret)
		ret = read_md(t, TDXSIM_MD_PAMT_2M_ENTRY_SIZE, &t->pamt_entry_size[1]);
	if (!ret)
		ret = read_md(t, TDXSIM_MD_PAMT_1G_ENTRY_SIZE, &t->pamt_entry_size[2]);
	if (!ret && (t->max_tdmrs > KTDX_MAX_TDMRS || t->max_reserved_per_tdmr > TDXSIM_TDMR_MAX_RESERVED))
		ret = -EINVAL;
	return ret;
}

/* Page allocations the way a kernel's alloc_pages_exact() makes them: a naturally aligned
 * power-of-two block whose tail beyond @size goes straight back (a partial free). */
static int alloc_pages_exact(tdxsim_t *sim, u64 size, u64 *pa)
{
	u64 need = round_up(size, PAGE_SIZE), block = PAGE_SIZE;
	while (block < need)
		block <<= 1;
	if (tdxsim_phys_alloc(sim, block, block, UINT32_MAX, pa))
		return -ENOMEM;
	if (block > need)
		tdxsim_phys_free(sim, *pa + need, block - need);
	return 0;
}

static struct tdxsim_tdmr_info *tdmr_entry(struct ktdx *t, uint32_t i)
{
	uint8_t *array = tdxsim_phys_to_virt(t->sim, t->tdmrs_pa, t->tdmrs_bytes);
	return (struct tdxsim_tdmr_info *)(array + (u64)i * t->tdmr_sz);
}

/* TDMR_INFO with this module's number of reserved areas, 512-byte aligned entries. */
static int alloc_tdmr_list(struct ktdx *t)
{
	t->tdmr_sz = (uint32_t)round_up(offsetof(struct tdxsim_tdmr_info, reserved_areas) +
						t->max_reserved_per_tdmr *
							sizeof(struct tdxsim_tdmr_reserved_area),
					TDXSIM_TDMR_INFO_ALIGN);
	t->tdmrs_bytes = round_up((u64)t->tdmr_sz * t->max_tdmrs, PAGE_SIZE);
	t->nr_tdmrs = 0;
	return alloc_pages_exact(t->sim, t->tdmrs_bytes, &t->tdmrs_pa);
}

static void free_tdmr_list(struct ktdx *t)
{
	tdxsim_phys_free(t->sim, t->tdmrs_pa, t->tdmrs_bytes);
	t->tdmrs_pa = 0;
}

/* One TDMR per run of RAM rounded out to 1 GiB; runs sharing a 1 GiB block share a TDMR. */
static int fill_out_tdmrs(struct ktdx *t, const tdxsim_range_t *ram, uint32_t nr_ram)
{
	for (uint32_t i = 0; i < nr_ram; i++) {
		u64 start = round_down(ram[i].base, SZ_1G), end = round_up(ram[i].base + ram[i].size, SZ_1G);
		if (t->nr_tdmrs) {
			struct tdxsim_tdmr_info *last = tdmr_entry(t, t->nr_tdmrs - 1);
			if (start < last->base + last->size) {
				if (end > last->base + last->size)
					last->size = end - last->base;
				continue;
			}
		}
		if (t->nr_tdmrs == t->max_tdmrs)
			return -ENOSPC;
		struct tdxsim_tdmr_info *tdmr = tdmr_entry(t, t->nr_tdmrs++);
		tdmr->base = start;
		tdmr->size = end - start;
	}
	return 0;
}

static u64 pamt_part_size(u64 tdmr_size, unsigned level, uint16_t entry_size)
{
	return round_up((tdmr_size >> (12 + 9 * level)) * entry_size, PAGE_SIZE);
}

void ktdx_pamt(const struct ktdx *t, uint32_t i, uint64_t *base, uint64_t *size)
{
	const struct tdxsim_tdmr_info *tdmr = tdmr_entry((struct ktdx *)t, i);
	*base = tdmr->pamt_4k_base;
	*size = tdmr->pamt_4k_size + tdmr->pamt_2m_size + tdmr->pamt_1g_size;
}

static void free_pamts(struct ktdx *t, uint32_t upto)
{
	for (uint32_t i = 0; i < upto; i++) {
		u64 base, size;
		ktdx_pamt(t, i, &base, &size);
		tdxsim_phys_free(t->sim, base, size);
	}
	t->pamt_bytes = 0;
}

/* One contiguous block per TDMR, from the node of the RAM it starts with when possible. */
static int alloc_pamts(struct ktdx *t, const tdxsim_range_t *ram, uint32_t nr_ram)
{
	for (uint32_t i = 0; i < t->nr_tdmrs; i++) {
		struct tdxsim_tdmr_info *tdmr = tdmr_entry(t, i);
		u64 sz4k = pamt_part_size(tdmr->size, 0, t->pamt_entry_size[0]);
		u64 sz2m = pamt_part_size(tdmr->size, 1, t->pamt_entry_size[1]);
		u64 sz1g = pamt_part_size(tdmr->size, 2, t->pamt_entry_size[2]);
		uint32_t nid = UINT32_MAX;
		for (uint32_t r = 0; r < nr_ram && nid == UINT32_MAX; r++)
			if (ram[r].base < tdmr->base + tdmr->size && ram[r].base + ram[r].size > tdmr->base)
				nid = ram[r].node;
		u64 base;
		if (tdxsim_phys_alloc(t->sim, sz4k + sz2m + sz1g, PAGE_SIZE, nid, &base) &&
		    tdxsim_phys_alloc(t->sim, sz4k + sz2m + sz1g, PAGE_SIZE, UINT32_MAX, &base)) {
			free_pamts(t, i);
			return -ENOMEM;
		}
		tdmr->pamt_4k_base = base;
		tdmr->pamt_4k_size = sz4k;
		tdmr->pamt_2m_base = base + sz4k;
		tdmr->pamt_2m_size = sz2m;
		tdmr->pamt_1g_base = base + sz4k + sz2m;
		tdmr->pamt_1g_size = sz1g;
		t->pamt_bytes += sz4k + sz2m + sz1g;
	}
	return 0;
}

static int add_rsvd(struct ktdx *t, struct tdxsim_tdmr_info *tdmr, unsigned *nr, u64 start, u64 end)
{
	if (*nr == t->max_reserved_per_tdmr)
		return -ENOSPC;
	/* Kept sorted by offset as the module requires: insert in place. */
	unsigned at = *nr;
	while (at > 0 && tdmr->reserved_areas[at - 1].offset > start - tdmr->base) {
		tdmr->reserved_areas[at] = tdmr->reserved_areas[at - 1];
		at--;
	}
	tdmr->reserved_areas[at] = (struct tdxsim_tdmr_reserved_area){start - tdmr->base, end - start};
	(*nr)++;
	return 0;
}

/* Reserved areas: what of each TDMR is not RAM, and every PAMT inside it. */
static int fill_reserved(struct ktdx *t, const tdxsim_range_t *ram, uint32_t nr_ram)
{
	for (uint32_t i = 0; i < t->nr_tdmrs; i++) {
		struct tdxsim_tdmr_info *tdmr = tdmr_entry(t, i);
		u64 cur = tdmr->base, end = tdmr->base + tdmr->size;
		unsigned nr = 0;
		int ret = 0;
		for (uint32_t r = 0; r < nr_ram && !ret; r++) {
			u64 rs = ram[r].base, re = ram[r].base + ram[r].size;
			if (re <= cur || rs >= end)
				continue;
			if (rs > cur)
				ret = add_rsvd(t, tdmr, &nr, cur, rs);
			cur = re;
		}
		if (!ret && cur < end)
			ret = add_rsvd(t, tdmr, &nr, cur, end);
		for (uint32_t j = 0; j < t->nr_tdmrs && !ret; j++) {
			u64 base, size;
			ktdx_pamt(t, j, &base, &size);
			if (base < end && base + size > tdmr->base)
				ret = add_rsvd(t, tdmr, &nr, base < tdmr->base ? tdmr->base : base,
					       base + size > end ? end : base + size);
		}
		if (ret)
			return ret;
	}
	return 0;
}

static int config_module(void *arg)
{
	struct ktdx *t = arg;
	struct tdx_module_args args = {.rcx = t->pa_array_pa, .rdx = t->nr_tdmrs, .r8 = t->global_keyid};
	u64 status = seamcall(TDH_SYS_CONFIG, &args);
	return status == TDX_SUCCESS ? 0 : seamcall_failed(t, status);
}

static int key_config(void *arg)
{
	struct tdx_module_args args = {0};
	u64 status = seamcall(TDH_SYS_KEY_CONFIG, &args);
	return status == TDX_SUCCESS ? 0 : seamcall_failed(arg, status);
}

static int init_tdmrs(void *arg)
{
	struct ktdx *t = arg;
	for (uint32_t i = 0; i < t->nr_tdmrs; i++) {
		const struct tdxsim_tdmr_info *tdmr = tdmr_entry(t, i);
		u64 next;
		do {
			struct tdx_module_args args = {.rcx = tdmr->base};
			u64 status = seamcall_ret(TDH_SYS_TDMR_INIT, &args);
			if (status != TDX_SUCCESS)
				return seamcall_failed(t, status);
			next = args.rdx; /* where the module will continue */
		} while (next < tdmr->base + tdmr->size);
	}
	return 0;
}

/* TDMRs, PAMTs, reserved areas and the PA array; on failure nothing stays allocated. */
static int construct_tdmrs(struct ktdx *t)
{
	tdxsim_range_t ram[TDXSIM_MAX_RAM_RANGES * 2];
	uint32_t nr_ram = tdxsim_ram_ranges(t->sim, ram, TDXSIM_MAX_RAM_RANGES * 2);
	if (nr_ram > TDXSIM_MAX_RAM_RANGES * 2)
		return -E2BIG;
	int ret = alloc_tdmr_list(t);
	if (ret)
		return ret;
	ret = fill_out_tdmrs(t, ram, nr_ram);
	if (!ret)
		ret = alloc_pamts(t, ram, nr_ram);
	if (ret)
		goto free_list;
	ret = fill_reserved(t, ram, nr_ram);
	if (!ret && tdxsim_phys_alloc(t->sim, PAGE_SIZE, PAGE_SIZE, UINT32_MAX, &t->pa_array_pa))
		ret = -ENOMEM;
	if (ret)
		goto free_pamts;
	uint64_t *pas = tdxsim_phys_to_virt(t->sim, t->pa_array_pa, PAGE_SIZE);
	for (uint32_t i = 0; i < t->nr_tdmrs; i++)
		pas[i] = t->tdmrs_pa + (u64)i * t->tdmr_sz;
	return 0;
free_pamts:
	free_pamts(t, t->nr_tdmrs);
free_list:
	free_tdmr_list(t);
	return ret;
}

int ktdx_enable(struct ktdx *t)
{
	if (t->status == KTDX_MODULE_INITIALIZED)
		return 0;
	if (t->status == KTDX_MODULE_ERROR)
		return -EINVAL;
	/* The first private KeyID serves as the global one (MSR 0x87, sheet 9). */
	u64 part;
	if (tdxsim_rdmsr(t->sim, 0, TDXSIM_MSR_IA32_MKTME_KEYID_PARTITIONING, &part) ||
	    TDXSIM_MKTME_PART_NUM_TDX(part) < 2)
		return -ENODEV;
	t->global_keyid = TDXSIM_MKTME_PART_NUM_MKTME(part) + 1;

	int ret = smp_call_on_cpu(t->cpus, 0, read_metadata, t);
	if (!ret)
		ret = construct_tdmrs(t);
	if (ret)
		return ret; /* nothing reached the module: a later call may try again */

	ret = smp_call_on_cpu(t->cpus, 0, config_module, t);
	/* TDH.SYS.KEY.CONFIG once per package, on a CPU of that package. */
	uint64_t done = 0;
	for (unsigned cpu = 0; !ret && cpu < kcpus_count(t->cpus); cpu++) {
		uint32_t pkg = tdxsim_lp_package(t->sim, cpu);
		if (done & (UINT64_C(1) << pkg))
			continue;
		ret = smp_call_on_cpu(t->cpus, cpu, key_config, t);
		done |= UINT64_C(1) << pkg;
	}
	if (!ret)
		ret = smp_call_on_cpu(t->cpus, 0, init_tdmrs, t);
	/* After TDH.SYS.CONFIG the module owns the PAMTs; a real kernel would reset and free
	 * them here, this example keeps them. */
	t->status = ret ? KTDX_MODULE_ERROR : KTDX_MODULE_INITIALIZED;
	return ret;
}
