/* SPDX-License-Identifier: MIT */
/*
 * Global metadata: TDH.SYS.RD / RDALL semantics (sheet 4.1), the values of sheet 4.2/4.3 and
 * 14.4, TDH.SYS.INFO (sheet 5), and the profiles' leaf tables (sheet 1.1, 2.1).
 * These test src/module/ directly, on a view built here; no simulator is created.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/util.h"
#include "module/module.h"

#define NA	      (~UINT64_C(0))
#define LAST_ELEM(h)  ((unsigned)(((h) >> 34) & 0xF))
#define LAST_FIELD(h) ((unsigned)(((h) >> 38) & 0x1FF))
#define SEQ_ID_BITS   (~((UINT64_C(0xF) << 34) | (UINT64_C(0x1FF) << 38)))

/* fields.def, as the test sees it: the expected iteration order. */
static const struct {
	const char *name;
	uint64_t id;
	unsigned count;
} def_rows[] = {
#define TDXSIM_FIELD(name, id, n) {#name, UINT64_C(id), n},
#include "tdxsim/defs/fields.def"
#undef TDXSIM_FIELD
};

static const struct {
	uint32_t num;
} def_leaves[] = {
#define TDXSIM_LEAF(name, num, spec) {num},
#include "tdxsim/defs/leaves.def"
#undef TDXSIM_LEAF
};

struct fixture {
	tdxsim_range_t cmrs[TDXSIM_MAX_CMRS];
	struct tdxsim_md_view view;
	struct tdxsim_profile custom; /* a modified copy for profile-switch tests */
	uint8_t page[8192];
};

static void fixture_init(struct fixture *f, tdxsim_module_profile_t which)
{
	memset(f, 0, sizeof(*f));
	f->cmrs[0] = (tdxsim_range_t){.base = 0x100000, .size = 0x7FF00000};
	f->cmrs[1] = (tdxsim_range_t){.base = 0x100000000, .size = 0x380000000};
	f->cmrs[3] = (tdxsim_range_t){.base = 0x1000000000, .size = 0x40000000};
	f->view.profile = tdxsim_profile_get(which);
	f->view.num_pkgs = 2;
	f->view.pkg_fms[0] = 0x806F8;
	f->view.pkg_fms[1] = 0x806F8;
	f->view.cmrs = f->cmrs;
	f->view.max_tdmrs = 64;
	f->view.max_reserved_per_tdmr = 16;
	for (int i = 0; i < 3; i++)
		f->view.pamt_entry_size[i] = 16;
}

static int setup_1_5_05(void **state)
{
	static struct fixture f;

	fixture_init(&f, TDXSIM_MODULE_1_5_05);
	*state = &f;
	return 0;
}

static int setup_1_5_06(void **state)
{
	static struct fixture f;

	fixture_init(&f, TDXSIM_MODULE_1_5_06);
	*state = &f;
	return 0;
}

static int setup_1_0(void **state)
{
	static struct fixture f;

	fixture_init(&f, TDXSIM_MODULE_1_0);
	*state = &f;
	return 0;
}

static uint64_t rd(const struct fixture *f, uint64_t id, uint64_t *value, uint64_t *next)
{
	return tdxsim_md_sys_read(&f->view, id, value, next);
}

static uint64_t rd_ok(const struct fixture *f, uint64_t id)
{
	uint64_t value, next;

	assert_int_equal(rd(f, id, &value, &next), TDXSIM_TDX_SUCCESS);
	return value;
}

/* Sheet 14.4, in Linux's read order, with the values sheet 4.2/4.3 gives for 1.5.05. */
static void sys_rd__linux_fields__documented_values(void **state)
{
	const struct fixture *f = *state;
	static const struct {
		uint64_t id, value;
	} rows[] = {
		{TDXSIM_MD_MINOR_VERSION, 5},
		{TDXSIM_MD_MAJOR_VERSION, 1},
		{TDXSIM_MD_UPDATE_VERSION, 5},
		{TDXSIM_MD_TDX_FEATURES0, 0x1F0EBF},
		{TDXSIM_MD_MAX_TDMRS, 64},
		{TDXSIM_MD_MAX_RESERVED_PER_TDMR, 16},
		{TDXSIM_MD_PAMT_4K_ENTRY_SIZE, 16},
		{TDXSIM_MD_PAMT_2M_ENTRY_SIZE, 16},
		{TDXSIM_MD_PAMT_1G_ENTRY_SIZE, 16},
		{TDXSIM_MD_TDR_BASE_SIZE, 4096},
		{TDXSIM_MD_TDCS_BASE_SIZE, 6 * 4096},
		{TDXSIM_MD_TDVPS_BASE_SIZE, 6 * 4096},
		{TDXSIM_MD_ATTRIBUTES_FIXED0, 0x8000000070000001},
		{TDXSIM_MD_ATTRIBUTES_FIXED1, 0},
		{TDXSIM_MD_XFAM_FIXED0, 0x6DBE7},
		{TDXSIM_MD_XFAM_FIXED1, 0x3},
		{TDXSIM_MD_NUM_CPUID_CONFIG, 18},
		{TDXSIM_MD_MAX_VCPUS_PER_TD, 576},
		{TDXSIM_MD_MODULE_HV, 0},
		{TDXSIM_MD_VENDOR_ID, 0x8086},
		{TDXSIM_MD_NUM_CMRS, 32},
		{TDXSIM_MD_CONFIG_FLAGS_FIXED0, 0x7},
		{TDXSIM_MD_CONFIG_FLAGS_FIXED1, 0},
		{TDXSIM_MD_SYS_ATTRIBUTES, 0},
		{TDXSIM_MD_NUM_TDX_FEATURES, 1},
		{TDXSIM_MD_NUM_PKGS, 2},
		{TDXSIM_MD_BUILD_DATE, 20240129},
	};
	/* The module's index order of the configurable CPUID leaves (sheet 4.2). */
	static const uint32_t leaves[18][2] = {
		{1, ~0u},  {4, 0},    {4, 1},	  {4, 2},      {4, 3},
		{7, 0},	   {7, 1},    {0xA, ~0u}, {0x1C, ~0u}, {0x80000008, ~0u},
		{7, 2},	   {0x23, 0}, {0x1F, 0},  {0x1F, 1},   {0x1F, 2},
		{0x1F, 3}, {0x1F, 4}, {0x1F, 5},
	};

	for (unsigned i = 0; i < TDXSIM_ARRAY_SIZE(rows); i++) {
		uint64_t value, next;

		assert_int_equal(rd(f, rows[i].id, &value, &next), TDXSIM_TDX_SUCCESS);
		assert_int_equal(value, rows[i].value);
		assert_int_not_equal(next, NA);
	}
	/* Linux requires NO_RBP_MOD; KVM reads TOPOLOGY_ENUM; runtime update needs bit 1. */
	uint64_t f0 = rd_ok(f, TDXSIM_MD_TDX_FEATURES0);
	assert_true(f0 & TDXSIM_FEATURES0_NO_RBP_MOD);
	assert_true(f0 & TDXSIM_FEATURES0_TOPOLOGY_ENUM);
	assert_true(f0 & TDXSIM_FEATURES0_TD_PRESERVING);
	for (unsigned i = 0; i < 18; i++) {
		uint64_t want = leaves[i][0] | (uint64_t)leaves[i][1] << 32;

		assert_int_equal(rd_ok(f, TDXSIM_MD_CPUID_CONFIG_LEAVES + i), want);
		rd_ok(f, TDXSIM_MD_CPUID_CONFIG_VALUES + 2 * i);
		rd_ok(f, TDXSIM_MD_CPUID_CONFIG_VALUES + 2 * i + 1);
	}
}

static void sys_rd__array_element_k__element_value(void **state)
{
	const struct fixture *f = *state;
	const struct tdxsim_cpuid_config_entry *c = f->view.profile->cpuid_config;

	assert_int_equal(rd_ok(f, TDXSIM_MD_CMR_BASE + 1), 0x100000000);
	assert_int_equal(rd_ok(f, TDXSIM_MD_CMR_SIZE + 3), 0x40000000);
	assert_int_equal(rd_ok(f, TDXSIM_MD_CMR_SIZE + 2), 0);
	assert_int_equal(rd_ok(f, TDXSIM_MD_PKG_FMS + 1), 0x806F8);
	assert_int_equal(rd_ok(f, TDXSIM_MD_PKG_FMS + 5), 0); /* beyond NUM_PKGS */
	assert_int_equal(rd_ok(f, TDXSIM_MD_CPUID_CONFIG_VALUES + 2 * 5),
			 c[5].eax | (uint64_t)c[5].ebx << 32);
	assert_int_equal(rd_ok(f, TDXSIM_MD_CPUID_CONFIG_VALUES + 2 * 5 + 1),
			 c[5].ecx | (uint64_t)c[5].edx << 32);
	assert_int_equal(rd_ok(f, TDXSIM_MD_CPUID_CONFIG_LEAVES + 18), NA); /* index >= N */
	assert_int_equal(rd_ok(f, TDXSIM_MD_CPUID_CONFIG_LEAVES + 31), NA);
	assert_int_equal(rd_ok(f, TDXSIM_MD_CPUID_CONFIG_VALUES + 2 * 18), 0);
	assert_int_equal(rd_ok(f, TDXSIM_MD_CPUID_CONFIG_VALUES + 63), 0);
	/* SPR platform: the only allowed FMS is its own. */
	assert_int_equal(rd_ok(f, TDXSIM_MD_NUM_ALLOWED_FMS), 1);
	assert_int_equal(rd_ok(f, TDXSIM_MD_ALLOWED_FMS), 0x806F8);
	assert_int_equal(rd_ok(f, TDXSIM_MD_ALLOWED_FMS + 1), 0);
}

static void sys_rd__element_k__next_is_k_plus_1_then_next_row(void **state)
{
	const struct fixture *f = *state;
	uint64_t value, next;

	assert_int_equal(rd(f, TDXSIM_MD_CMR_BASE + 7, &value, &next), TDXSIM_TDX_SUCCESS);
	assert_int_equal(next, TDXSIM_MD_CMR_BASE + 8);
	assert_int_equal(rd(f, TDXSIM_MD_CMR_BASE + 31, &value, &next), TDXSIM_TDX_SUCCESS);
	assert_int_equal(next, TDXSIM_MD_CMR_SIZE);
	/* The next row's id as stored, including bit 63 of a non-architectural field. */
	assert_int_equal(rd(f, TDXSIM_MD_VENDOR_ID, &value, &next), TDXSIM_TDX_SUCCESS);
	assert_int_equal(next, TDXSIM_MD_BUILD_DATE);
}

static void sys_rd__out_of_range_element__field_id_incorrect(void **state)
{
	const struct fixture *f = *state;
	const uint64_t bad[] = {
		TDXSIM_MD_CMR_BASE + 32,
		TDXSIM_MD_CMR_SIZE + 32,
		TDXSIM_MD_PKG_FMS + 8,
		TDXSIM_MD_CPUID_CONFIG_LEAVES + 32,
		TDXSIM_MD_CPUID_CONFIG_VALUES + 64,
		TDXSIM_MD_ALLOWED_FMS + 128,
		TDXSIM_MD_INTERNAL_VERSION + 1,
		UINT64_C(0x3F00000300000000), /* unknown class */
		UINT64_C(0x0A00000300000002), /* hole between NUM_TDX_FEATURES and FEATURES0 */
		UINT64_C(0x0000000000FFFFFF),
	};

	for (unsigned i = 0; i < TDXSIM_ARRAY_SIZE(bad); i++) {
		uint64_t value = 1, next = 1;

		assert_int_equal(rd(f, bad[i], &value, &next), TDXSIM_TDX_METADATA_FIELD_ID_INCORRECT);
		assert_int_equal(value, 0);
		assert_int_equal(next, NA);
	}
}

/* Bits that must be 0 in a single-element id, and bits the lookup ignores (sheet 4.1). */
static void sys_rd__reserved_or_last_bits__field_id_incorrect(void **state)
{
	const struct fixture *f = *state;

	for (unsigned b = 0; b < 64; b++) {
		uint64_t id = TDXSIM_MD_MINOR_VERSION | UINT64_C(1) << b, value = 1, next = 1;
		bool must_be_zero = (b >= 24 && b <= 31) || (b >= 34 && b <= 49) || b == 55 || b == 62;
		bool ignored = b == 32 || b == 33 || b == 50 || b == 51 || (b >= 52 && b <= 54) || b == 63;
		uint64_t st = rd(f, id, &value, &next);

		if (must_be_zero) {
			assert_int_equal(st, TDXSIM_TDX_METADATA_FIELD_ID_INCORRECT);
			assert_int_equal(value, 0);
			assert_int_equal(next, NA);
		} else if (ignored) {
			assert_int_equal(st, TDXSIM_TDX_SUCCESS);
			assert_int_equal(value, 5);
		}
	}
}

static void sys_rd__element_size__masked_to_table_size(void **state)
{
	struct fixture *f = *state;
	uint64_t value, next;

	/* The id's own size bits do not matter: the table's size masks. The next id keeps the
	 * caller's bits while inside the row, then is the next row's stored id
	 * (metadata_generic.c). */
	assert_int_equal(rd(f, UINT64_C(0x0800000300000003), &value, &next), TDXSIM_TDX_SUCCESS);
	assert_int_equal(value, 5);
	assert_int_equal(next, TDXSIM_MD_MAJOR_VERSION);
	assert_int_equal(rd(f, UINT64_C(0x9000000000000081), &value, &next), TDXSIM_TDX_SUCCESS);
	assert_int_equal(value, 0x100000000);
	assert_int_equal(next, UINT64_C(0x9000000000000082));
	/* A value wider than its element comes back truncated to the element. */
	f->custom = *f->view.profile;
	f->custom.num_cpuid_config = 0x10012;
	f->view.profile = &f->custom;
	assert_int_equal(rd(f, TDXSIM_MD_NUM_CPUID_CONFIG, &value, &next), TDXSIM_TDX_SUCCESS);
	assert_int_equal(value, 0x0012);
	f->view.profile = tdxsim_profile_get(TDXSIM_MODULE_1_5_05);
	/* Full 64-bit elements are not masked. */
	assert_int_equal(rd_ok(f, TDXSIM_MD_ATTRIBUTES_FIXED0), UINT64_C(0x8000000070000001));
}

static void sys_rd__minus_one__first_field_id_in_context(void **state)
{
	const struct fixture *f = *state;
	const uint64_t nulls[] = {NA, NA & ~(UINT64_C(7) << 52), NA & ~(UINT64_C(1) << 53)};

	for (unsigned i = 0; i < TDXSIM_ARRAY_SIZE(nulls); i++) {
		uint64_t value = 1, next = 0;

		assert_int_equal(rd(f, nulls[i], &value, &next),
				 TDXSIM_TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT);
		assert_int_equal(value, 0);
		assert_int_equal(next, TDXSIM_MD_NUM_PKGS);
	}
}

static bool row_present(const struct tdxsim_profile *p, uint64_t id)
{
	if (id == TDXSIM_MD_MAX_VCPUS_PER_TD)
		return p->has_max_vcpus;
	if (id == TDXSIM_MD_MIN_VIRT_MAXPA)
		return p->has_min_virt_maxpa;
	return true;
}

/* From -1, "next" visits every element of every present row once, in fields.def order. */
static void check_iteration(const struct fixture *f)
{
	uint64_t value, next, id;
	unsigned visited = 0;

	assert_int_equal(rd(f, NA, &value, &id), TDXSIM_TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT);
	for (unsigned r = 0; r < TDXSIM_ARRAY_SIZE(def_rows); r++) {
		if (!row_present(f->view.profile, def_rows[r].id)) {
			assert_int_equal(rd(f, def_rows[r].id, &value, &next),
					 TDXSIM_TDX_METADATA_FIELD_ID_INCORRECT);
			continue;
		}
		for (unsigned k = 0; k < def_rows[r].count; k++, visited++) {
			assert_int_equal(id, def_rows[r].id + k);
			assert_int_equal(rd(f, id, &value, &next), TDXSIM_TDX_SUCCESS);
			id = next;
		}
	}
	assert_int_equal(id, NA);
	assert_true(visited > 300);
}

static void sys_rd__iterate_from_minus_one__every_element_once(void **state)
{
	struct fixture *f = *state;

	check_iteration(f);
	/* The 1.5.01-like switch: without MAX_VCPUS_PER_TD the row is gone and skipped. */
	f->custom = *f->view.profile;
	f->custom.has_max_vcpus = false;
	f->view.profile = &f->custom;
	check_iteration(f);
	f->view.profile = tdxsim_profile_get(TDXSIM_MODULE_1_5_05);
}

static void sys_rd__1_5_06__differences(void **state)
{
	const struct fixture *f = *state;

	check_iteration(f);
	assert_int_equal(rd_ok(f, TDXSIM_MD_UPDATE_VERSION), 6);
	assert_int_equal(rd_ok(f, TDXSIM_MD_BUILD_NUM), 744);
	assert_int_equal(rd_ok(f, TDXSIM_MD_MIN_VIRT_MAXPA), 32);
	assert_int_equal(rd_ok(f, TDXSIM_MD_TDX_FEATURES0), 0x2E1F0EBF);
	assert_int_equal(rd_ok(f, TDXSIM_MD_CONFIG_FLAGS_FIXED0), 0xF);
	assert_int_equal(rd_ok(f, TDXSIM_MD_ATTRIBUTES_FIXED0), UINT64_C(0x8000000070010001));
	assert_int_equal(rd_ok(f, TDXSIM_MD_NUM_CPUID_CONFIG), 18);
	assert_int_equal(rd_ok(f, TDXSIM_MD_MAX_VCPUS_PER_TD), 576);
}

static uint64_t get_u64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Parses a metadata list, checks every element against SYS.RD, returns the element count. */
static unsigned check_list(const struct fixture *f, const uint8_t *buf, uint32_t size)
{
	uint16_t list_size, num_seq;
	uint32_t reserved, pos = 8;
	unsigned elems = 0;

	memcpy(&list_size, buf, 2);
	memcpy(&num_seq, buf + 2, 2);
	memcpy(&reserved, buf + 4, 4);
	assert_int_equal(reserved, 0);
	assert_true(list_size <= size);
	for (unsigned s = 0; s < num_seq; s++) {
		uint64_t hdr = get_u64(buf + pos);
		unsigned per_field = LAST_ELEM(hdr) + 1, fields = LAST_FIELD(hdr) + 1;
		uint64_t base = hdr & SEQ_ID_BITS;

		assert_int_equal(hdr & (UINT64_C(7) << 52), 0);	 /* context SYS */
		assert_int_equal(hdr & (UINT64_C(1) << 51), 0);	 /* no write mask */
		assert_int_equal(hdr & UINT64_C(0xFF000000), 0); /* reserved */
		pos += 8;
		for (unsigned e = 0; e < per_field * fields; e++, pos += 8, elems++) {
			uint64_t value, next;

			assert_true(pos + 8 <= list_size);
			assert_int_equal(rd(f, base + e, &value, &next), TDXSIM_TDX_SUCCESS);
			assert_int_equal(get_u64(buf + pos), value);
		}
	}
	assert_int_equal(pos, list_size);
	return elems;
}

static unsigned count_elements(const struct fixture *f)
{
	unsigned n = 0;

	for (unsigned r = 0; r < TDXSIM_ARRAY_SIZE(def_rows); r++)
		if (row_present(f->view.profile, def_rows[r].id))
			n += def_rows[r].count;
	return n;
}

static void sys_rdall__whole_context__round_trips_with_sys_rd(void **state)
{
	struct fixture *f = *state;
	uint64_t next = 0, hdr;

	memset(f->page, 0xCC, sizeof(f->page));
	assert_int_equal(tdxsim_md_sys_read_all(&f->view, NA, f->page, &next), TDXSIM_TDX_SUCCESS);
	assert_int_equal(next, NA);
	assert_int_equal(check_list(f, f->page, 4096), count_elements(f));
	/* First sequence: NUM_PKGS and the 8 PKG_FMS fields (consecutive codes, one size). */
	hdr = get_u64(f->page + 8);
	assert_int_equal(hdr & SEQ_ID_BITS, TDXSIM_MD_NUM_PKGS);
	assert_int_equal(LAST_FIELD(hdr), 8);
	assert_int_equal(LAST_ELEM(hdr), 0);
	/* Second: VENDOR_ID and BUILD_DATE (both 32-bit, codes 0 and 1 of class 8). */
	hdr = get_u64(f->page + 8 + 8 + 9 * 8);
	assert_int_equal(hdr & SEQ_ID_BITS, TDXSIM_MD_VENDOR_ID);
	assert_int_equal(LAST_FIELD(hdr), 1);
	/* Nothing written past the list. */
	uint16_t list_size;
	memcpy(&list_size, f->page, 2);
	for (unsigned i = list_size; i < 4096; i++)
		assert_int_equal(f->page[i], 0xCC);
}

static void sys_rdall__cpuid_values__two_elements_per_field(void **state)
{
	struct fixture *f = *state;
	uint64_t next;

	assert_int_equal(tdxsim_md_sys_read_all(&f->view, TDXSIM_MD_CPUID_CONFIG_VALUES, f->page, &next),
			 TDXSIM_TDX_SUCCESS);
	uint64_t hdr = get_u64(f->page + 8);
	assert_int_equal(hdr & SEQ_ID_BITS, TDXSIM_MD_CPUID_CONFIG_VALUES);
	assert_int_equal(LAST_ELEM(hdr), 1);
	assert_int_equal(LAST_FIELD(hdr), 31);
	check_list(f, f->page, 4096);
	/* Not the first element of a field, or the wrong element size: refused, page untouched. */
	memset(f->page, 0xCC, 16);
	assert_int_equal(tdxsim_md_sys_read_all(&f->view, TDXSIM_MD_CPUID_CONFIG_VALUES + 1, f->page, &next),
			 TDXSIM_TDX_METADATA_FIELD_ID_INCORRECT);
	assert_int_equal(next, NA);
	assert_int_equal(f->page[0], 0xCC);
	assert_int_equal(
		tdxsim_md_sys_read_all(&f->view, TDXSIM_MD_MINOR_VERSION | UINT64_C(3) << 32, f->page, &next),
		TDXSIM_TDX_METADATA_FIELD_ID_INCORRECT);
	assert_int_equal(tdxsim_md_sys_read_all(&f->view, TDXSIM_MD_CMR_BASE + 40, f->page, &next),
			 TDXSIM_TDX_METADATA_FIELD_ID_INCORRECT);
	/* Mid-row starts are fine. */
	assert_int_equal(tdxsim_md_sys_read_all(&f->view, TDXSIM_MD_CMR_BASE + 5, f->page, &next),
			 TDXSIM_TDX_SUCCESS);
	assert_int_equal(get_u64(f->page + 8) & SEQ_ID_BITS, TDXSIM_MD_CMR_BASE + 5);
}

/* A small buffer fills: LIST_OVERFLOW with the next field id; chained calls cover everything. */
static void sys_rdall__small_buffer__overflow_then_resume(void **state)
{
	struct fixture *f = *state;
	const uint32_t sizes[] = {32, 40, 64, 100, 256, 1000};

	for (unsigned s = 0; s < TDXSIM_ARRAY_SIZE(sizes); s++) {
		uint64_t start = NA, next;
		unsigned total = 0, calls = 0;
		uint64_t st;

		do {
			st = tdxsim_md_sys_dump_list(&f->view, start, f->page, sizes[s], &next);
			assert_true(st == TDXSIM_TDX_SUCCESS || st == TDXSIM_TDX_METADATA_LIST_OVERFLOW);
			total += check_list(f, f->page, sizes[s]);
			if (st == TDXSIM_TDX_METADATA_LIST_OVERFLOW)
				assert_int_not_equal(next, NA);
			start = next;
			assert_true(++calls < 1000);
		} while (st == TDXSIM_TDX_METADATA_LIST_OVERFLOW);
		assert_int_equal(next, NA);
		assert_int_equal(total, count_elements(f));
	}
	/* Below header + sequence header + 16 bytes: overflow before anything, next = input. */
	uint64_t next;
	assert_int_equal(tdxsim_md_sys_dump_list(&f->view, TDXSIM_MD_MINOR_VERSION, f->page, 31, &next),
			 TDXSIM_TDX_METADATA_LIST_OVERFLOW);
	assert_int_equal(next, TDXSIM_MD_MINOR_VERSION);
}

/* Fuzz-style: any id, any start, never a crash, and failures keep their register contract. */
static void sys_rd__random_ids__no_crash(void **state)
{
	struct fixture *f = *state;
	uint64_t x = 0x9E3779B97F4A7C15;

	for (unsigned i = 0; i < 200000; i++) {
		uint64_t value, next, st;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		uint64_t id = (i & 1) ? x
				      : (def_rows[x % TDXSIM_ARRAY_SIZE(def_rows)].id + (x >> 40) % 130) ^
						((x >> 20) & 1 ? UINT64_C(1) << ((x >> 8) & 63) : 0);
		st = rd(f, id, &value, &next);
		if (st != TDXSIM_TDX_SUCCESS && st != TDXSIM_TDX_METADATA_FIRST_FIELD_ID_IN_CONTEXT) {
			assert_int_equal(st, TDXSIM_TDX_METADATA_FIELD_ID_INCORRECT);
			assert_int_equal(value, 0);
			assert_int_equal(next, NA);
		}
		if ((i & 63) == 0) {
			st = tdxsim_md_sys_dump_list(&f->view, id, f->page, 32 + (uint32_t)(x % 8000), &next);
			assert_true(st == TDXSIM_TDX_SUCCESS || st == TDXSIM_TDX_METADATA_LIST_OVERFLOW ||
				    st == TDXSIM_TDX_METADATA_FIELD_ID_INCORRECT);
		}
	}
}

/*
 * tdxsim_md_view_build() derives an element index with precomputed values and the RDALL page
 * of a dump from the first field (speed only): a built view must answer exactly as the table
 * does, for every id, every start and every profile, including after the view changes.
 */
static void compare_views(struct fixture *plain, struct fixture *built)
{
	uint64_t x = 0x2545F4914F6CDD1D;
	for (unsigned i = 0; i < 60000; i++) {
		uint64_t id, v1, n1, v2, n2, s1, s2;
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (i < TDXSIM_ARRAY_SIZE(def_rows) * 70)
			id = def_rows[i / 70].id + (i % 70); /* every element, and past each row */
		else
			id = (i & 1) ? x
				     : def_rows[x % TDXSIM_ARRAY_SIZE(def_rows)].id ^
					       (UINT64_C(1) << (x >> 58));
		if (i == 1)
			id = NA;
		s1 = tdxsim_md_sys_read(&plain->view, id, &v1, &n1);
		s2 = tdxsim_md_sys_read(&built->view, id, &v2, &n2);
		assert_int_equal(s2, s1);
		assert_int_equal(v2, v1);
		assert_int_equal(n2, n1);
		if (i % 16 == 0 || i == 1 || i == 0) {
			memset(plain->page, 0xA5, sizeof(plain->page));
			memset(built->page, 0xA5, sizeof(built->page));
			s1 = tdxsim_md_sys_read_all(&plain->view, id, plain->page, &n1);
			s2 = tdxsim_md_sys_read_all(&built->view, id, built->page, &n2);
			assert_int_equal(s2, s1);
			assert_int_equal(n2, n1);
			assert_memory_equal(built->page, plain->page, sizeof(plain->page));
		}
	}
}

static void built_view__answers_as_the_table__every_profile(void **state)
{
	static struct fixture plain, built;
	static const tdxsim_module_profile_t profiles[] = {TDXSIM_MODULE_1_5_05, TDXSIM_MODULE_1_5_06,
							   TDXSIM_MODULE_1_0, TDXSIM_MODULE_NEXT};
	(void)state;
	for (unsigned p = 0; p < TDXSIM_ARRAY_SIZE(profiles); p++) {
		fixture_init(&plain, profiles[p]);
		fixture_init(&built, profiles[p]);
		tdxsim_md_view_build(&built.view);
		assert_true(built.view.built);
		compare_views(&plain, &built);
		/* A changed view, rebuilt (a new module instance, seamldr/instance.c). */
		plain.custom = *plain.view.profile;
		plain.custom.minor = 77;
		plain.custom.has_max_vcpus = !plain.custom.has_max_vcpus;
		built.custom = plain.custom;
		plain.view.profile = &plain.custom;
		built.view.profile = &built.custom;
		plain.view.num_pkgs = built.view.num_pkgs = 1;
		tdxsim_md_view_build(&built.view);
		compare_views(&plain, &built);
	}
}

static void sys_info__1_0__values(void **state)
{
	const struct fixture *f = *state;
	struct tdxsim_tdsysinfo info;
	struct tdxsim_cmr_info cmrs[TDXSIM_MAX_CMRS];
	static const uint32_t leaves[6][2] = {{1, ~0u}, {4, 0}, {4, 1}, {4, 2}, {4, 3}, {7, 0}};
	const uint8_t *raw = (const uint8_t *)&info;

	memset(&info, 0xCC, sizeof(info));
	tdxsim_md_fill_sysinfo(&f->view, &info);
	assert_int_equal(info.attributes, 0);
	assert_int_equal(info.vendor_id, 0x8086);
	assert_int_equal(info.major_version, 1);
	assert_int_equal(info.minor_version, 0);
	assert_int_equal(info.sys_rd, 0);
	assert_int_equal(info.max_tdmrs, 64);
	assert_int_equal(info.max_reserved_per_tdmr, 16);
	assert_int_equal(info.pamt_entry_size, 16);
	assert_int_equal(info.tdcs_base_size, 4 * 4096);
	assert_int_equal(info.tdvps_base_size, 6 * 4096);
	assert_int_equal(info.tdvps_xfam_dependent_size, 0);
	assert_int_equal(info.attributes_fixed0, UINT64_C(0x8000000050000001));
	assert_int_equal(info.attributes_fixed1, 0);
	assert_int_equal(info.xfam_fixed0, 0x6DBE7);
	assert_int_equal(info.xfam_fixed1, 0x3);
	assert_int_equal(info.num_cpuid_config, 6);
	for (unsigned i = 0; i < 6; i++) {
		assert_int_equal(info.cpuid_configs[i].leaf, leaves[i][0]);
		assert_int_equal(info.cpuid_configs[i].sub_leaf, leaves[i][1]);
	}
	/* Everything after the 6 entries (reserved to 1024) is zero. */
	for (size_t b = offsetof(struct tdxsim_tdsysinfo, cpuid_configs) + 6 * 24; b < sizeof(info); b++)
		assert_int_equal(raw[b], 0);
	for (size_t b = 19; b < 32; b++)
		assert_int_equal(raw[b], 0);

	tdxsim_md_fill_cmr_info(&f->view, cmrs);
	assert_int_equal(cmrs[0].base, 0x100000);
	assert_int_equal(cmrs[0].size, 0x7FF00000);
	assert_int_equal(cmrs[2].size, 0);
	assert_int_equal(cmrs[3].base, 0x1000000000);
	assert_int_equal(cmrs[31].size, 0);
}

static void sys_info__1_5_05__sys_rd_and_cpuid_list(void **state)
{
	const struct fixture *f = *state;
	struct tdxsim_tdsysinfo info;

	tdxsim_md_fill_sysinfo(&f->view, &info);
	assert_int_equal(info.sys_rd, 1);
	assert_int_equal(info.minor_version, 5);
	assert_int_equal(info.build_num, 698);
	assert_int_equal(info.tdcs_base_size, 6 * 4096);
	assert_int_equal(info.num_cpuid_config, 18);
	for (unsigned i = 0; i < 18; i++) {
		uint64_t leaf = rd_ok(f, TDXSIM_MD_CPUID_CONFIG_LEAVES + i);
		uint64_t lo = rd_ok(f, TDXSIM_MD_CPUID_CONFIG_VALUES + 2 * i);
		uint64_t hi = rd_ok(f, TDXSIM_MD_CPUID_CONFIG_VALUES + 2 * i + 1);

		assert_int_equal(info.cpuid_configs[i].leaf, (uint32_t)leaf);
		assert_int_equal(info.cpuid_configs[i].sub_leaf, (uint32_t)(leaf >> 32));
		assert_int_equal(info.cpuid_configs[i].eax, (uint32_t)lo);
		assert_int_equal(info.cpuid_configs[i].edx, (uint32_t)(hi >> 32));
	}
}

/* The table is sorted by (class, field code) with no overlap, like the module's own
 * (metadata.c's lookup depends on it); elements per field divide the row (sheet 4.2). */
static void fields_def__sorted_by_class_and_code(void **state)
{
	for (unsigned r = 0; r + 1 < TDXSIM_ARRAY_SIZE(def_rows); r++) {
		uint64_t a = def_rows[r].id, b = def_rows[r + 1].id;
		uint32_t ka = (uint32_t)((a >> 56) & 0x3F) << 24 | (uint32_t)(a & 0xFFFFFF);
		uint32_t kb = (uint32_t)((b >> 56) & 0x3F) << 24 | (uint32_t)(b & 0xFFFFFF);

		assert_true(ka + def_rows[r].count <= kb);
		/* Only the class/field code, size, and the non-architectural bit 63 are set. */
		assert_int_equal(a & UINT64_C(0x40FFFFFCFF000000), 0);
	}
	assert_int_equal(def_rows[0].id, TDXSIM_MD_NUM_PKGS);
}

static bool in_leaves_def(unsigned n)
{
	for (unsigned i = 0; i < TDXSIM_ARRAY_SIZE(def_leaves); i++)
		if (def_leaves[i].num == n)
			return true;
	return false;
}

/* Sheet 1.1 and 2.1: which leaves exist and which accept version 1. */
static void profiles__leaf_tables(void **state)
{
	static const unsigned versioned[] = {3, 11, 22, 23, 26, 30};

	for (int w = TDXSIM_MODULE_1_5_05; w <= TDXSIM_MODULE_1_5_06; w++) {
		const struct tdxsim_profile *p = tdxsim_profile_get(w);

		for (unsigned n = 0; n < TDXSIM_NUM_LEAF_SLOTS; n++) {
			bool exists = in_leaves_def(n) && n != 42 && n != 69;
			unsigned want = exists ? 0 : TDXSIM_LEAF_ABSENT;

			for (unsigned v = 0; v < TDXSIM_ARRAY_SIZE(versioned); v++)
				if (versioned[v] == n)
					want = 1;
			assert_int_equal(p->leaf_max_version[n], want);
		}
	}
	const struct tdxsim_profile *p = tdxsim_profile_get(TDXSIM_MODULE_1_0);

	assert_true(p->abi_1_0);
	for (unsigned n = 0; n < TDXSIM_NUM_LEAF_SLOTS; n++) {
		bool exists = n <= 45 && n != 34 && n != 37 && n != 42;

		assert_int_equal(p->leaf_max_version[n], exists ? 0 : TDXSIM_LEAF_ABSENT);
	}
	assert_null(tdxsim_profile_get((tdxsim_module_profile_t)7));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(sys_rd__linux_fields__documented_values, setup_1_5_05),
		cmocka_unit_test_setup(sys_rd__array_element_k__element_value, setup_1_5_05),
		cmocka_unit_test_setup(sys_rd__element_k__next_is_k_plus_1_then_next_row, setup_1_5_05),
		cmocka_unit_test_setup(sys_rd__out_of_range_element__field_id_incorrect, setup_1_5_05),
		cmocka_unit_test_setup(sys_rd__reserved_or_last_bits__field_id_incorrect, setup_1_5_05),
		cmocka_unit_test_setup(sys_rd__element_size__masked_to_table_size, setup_1_5_05),
		cmocka_unit_test_setup(sys_rd__minus_one__first_field_id_in_context, setup_1_5_05),
		cmocka_unit_test_setup(sys_rd__iterate_from_minus_one__every_element_once, setup_1_5_05),
		cmocka_unit_test_setup(sys_rd__1_5_06__differences, setup_1_5_06),
		cmocka_unit_test_setup(sys_rdall__whole_context__round_trips_with_sys_rd, setup_1_5_05),
		cmocka_unit_test_setup(sys_rdall__whole_context__round_trips_with_sys_rd, setup_1_5_06),
		cmocka_unit_test_setup(sys_rdall__cpuid_values__two_elements_per_field, setup_1_5_05),
		cmocka_unit_test_setup(sys_rdall__small_buffer__overflow_then_resume, setup_1_5_05),
		cmocka_unit_test_setup(sys_rd__random_ids__no_crash, setup_1_5_05),
		cmocka_unit_test(built_view__answers_as_the_table__every_profile),
		cmocka_unit_test_setup(sys_info__1_0__values, setup_1_0),
		cmocka_unit_test_setup(sys_info__1_5_05__sys_rd_and_cpuid_list, setup_1_5_05),
		cmocka_unit_test(profiles__leaf_tables),
		cmocka_unit_test(fields_def__sorted_by_class_and_code),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
