/* SPDX-License-Identifier: MIT */
/*
 * Named constants a scenario may use: the .def tables (statuses, fields, MSRs, operands; leaves
 * through tdxsim_leaf_by_name), PAMT page types and sizes, and the small enumerations of keys.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "scenario/scenario.h"
#include "tdxsim/seamldr.h"

struct named {
	const char *name;
	uint64_t value;
};

static const struct named statuses[] = {
#define TDXSIM_STATUS(name, value) {#name, UINT64_C(value)},
#include "tdxsim/defs/statuses.def"
#undef TDXSIM_STATUS
};

static const struct named operands[] = {
#define TDXSIM_OPERAND(name, id) {#name, id},
#include "tdxsim/defs/operands.def"
#undef TDXSIM_OPERAND
};

static const struct named msrs[] = {
#define TDXSIM_MSR(name, addr, spec) {spec, addr},
#include "tdxsim/defs/msrs.def"
#undef TDXSIM_MSR
};

static const struct {
	const char *name;
	uint64_t id;
	unsigned count;
} fields[] = {
#define TDXSIM_FIELD(name, id, n) {#name, UINT64_C(id), n},
#include "tdxsim/defs/fields.def"
#undef TDXSIM_FIELD
};

static const char *const leaf_names[] = {
#define TDXSIM_LEAF(name, num, spec) spec,
#include "tdxsim/defs/leaves.def"
#undef TDXSIM_LEAF
};

static const struct named misc[] = {
	{"PT_NDA", TDXSIM_PT_NDA},
	{"PT_RSVD", TDXSIM_PT_RSVD},
	{"PT_REG", TDXSIM_PT_REG},
	{"PT_TDR", TDXSIM_PT_TDR},
	{"PT_TDCX", TDXSIM_PT_TDCX},
	{"PT_TDVPR", TDXSIM_PT_TDVPR},
	{"PT_TDVPX", TDXSIM_PT_TDVPX},
	{"PT_EPT", TDXSIM_PT_EPT},
	{"PS_4K", TDXSIM_PS_4K},
	{"PS_2M", TDXSIM_PS_2M},
	{"PS_1G", TDXSIM_PS_1G},
	/* tdxsim's own software statuses (tdxsim.h), as tdxsim_status_name() prints them. */
	{"TDXSIM_STATUS_API_MISUSE", TDXSIM_STATUS_API_MISUSE},
	{"TDXSIM_STATUS_NO_MEMORY", TDXSIM_STATUS_NO_MEMORY},
	/* The P-SEAMLDR's leaves are whole RAX values (bit 63 set), not module leaf numbers; the
	 * spec spelling has a '-', which the expression parser takes in this one prefix. */
	{"P-SEAMLDR.INFO", TDXSIM_SEAMLDR_INFO},
	{"P-SEAMLDR.INSTALL", TDXSIM_SEAMLDR_INSTALL},
	{"P_SEAMLDR_INFO", TDXSIM_SEAMLDR_INFO},
	{"P_SEAMLDR_INSTALL", TDXSIM_SEAMLDR_INSTALL},
};

static int find(const struct named *t, size_t n, const char *name, uint64_t *value)
{
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(t[i].name, name)) {
			*value = t[i].value;
			return 0;
		}
	}
	return -1;
}

bool tdxsim_scn_name_is_status(const char *name, uint64_t *value)
{
	return find(statuses, SCN_COUNT(statuses), name, value) == 0;
}

unsigned tdxsim_scn_field_array(const char *name, uint64_t *id)
{
	/* "MD_" is accepted in front of field names, as the generated constants spell them. */
	if (!strncmp(name, "MD_", 3))
		name += 3;
	for (size_t i = 0; i < SCN_COUNT(fields); i++) {
		if (!strcmp(fields[i].name, name)) {
			*id = fields[i].id;
			return fields[i].count;
		}
	}
	return 0;
}

int tdxsim_scn_name_value(const char *name, enum scn_ns ns, uint64_t *value)
{
	if (find(statuses, SCN_COUNT(statuses), name, value) == 0)
		return 0;
	int leaf = tdxsim_leaf_by_name(name);
	if (leaf >= 0) {
		*value = (uint64_t)leaf;
		return 0;
	}
	if (tdxsim_scn_field_array(name, value))
		return 0;
	if (find(msrs, SCN_COUNT(msrs), name, value) == 0 || find(misc, SCN_COUNT(misc), name, value) == 0)
		return 0;
	if (!strncmp(name, "OPERAND_", 8) && find(operands, SCN_COUNT(operands), name + 8, value) == 0)
		return 0;
	if ((ns & SCN_NS_STATUS) && find(operands, SCN_COUNT(operands), name, value) == 0)
		return 0;
	return -1;
}

const char *tdxsim_scn_name_suggest(const char *name, enum scn_ns ns)
{
	const char *best = NULL;
	unsigned best_d = 3;
#define TRY(s)                                                        \
	do {                                                          \
		unsigned d_ = tdxsim_scn_edit_distance(name, (s), 2); \
		if (d_ < best_d) {                                    \
			best_d = d_;                                  \
			best = (s);                                   \
		}                                                     \
	} while (0)
	for (size_t i = 0; i < SCN_COUNT(statuses); i++)
		TRY(statuses[i].name);
	for (size_t i = 0; i < SCN_COUNT(leaf_names); i++)
		TRY(leaf_names[i]);
	for (size_t i = 0; i < SCN_COUNT(fields); i++)
		TRY(fields[i].name);
	for (size_t i = 0; i < SCN_COUNT(msrs); i++)
		TRY(msrs[i].name);
	for (size_t i = 0; i < SCN_COUNT(misc); i++)
		TRY(misc[i].name);
	if (ns & SCN_NS_STATUS)
		for (size_t i = 0; i < SCN_COUNT(operands); i++)
			TRY(operands[i].name);
#undef TRY
	return best;
}

const struct scn_enum tdxsim_scn_lib_results[] = {
	{"ok", TDXSIM_OK},
	{"invalid_arg", TDXSIM_ERR_INVALID_ARG},
	{"no_memory", TDXSIM_ERR_NO_MEMORY},
	{"bad_config", TDXSIM_ERR_BAD_CONFIG},
	{"not_ram", TDXSIM_ERR_NOT_RAM},
	{"no_space", TDXSIM_ERR_NO_SPACE},
	{"gp", TDXSIM_ERR_GP},
	{"lp_offline", TDXSIM_ERR_LP_OFFLINE},
	{"not_covered", TDXSIM_ERR_NOT_COVERED},
	{"invariant", TDXSIM_ERR_INVARIANT},
	{"state", TDXSIM_ERR_STATE},
	{"mce", TDXSIM_ERR_MCE},
	{"platform_fault", TDXSIM_ERR_PLATFORM_FAULT},
	{NULL, 0},
};

const struct scn_enum tdxsim_scn_errno_results[] = {
	{"ok", 0},
	{"ENODEV", -ENODEV},
	{"EIO", -EIO},
	{"EINVAL", -EINVAL},
	{"ENOSPC", -ENOSPC},
	{"ENOMEM", -ENOMEM},
	{"EOPNOTSUPP", -EOPNOTSUPP},
	{"EACCES", -EACCES},
	{NULL, 0},
};

const struct scn_enum tdxsim_scn_module_states[] = {
	{"SYSINIT_PENDING", TDXSIM_SYSINIT_PENDING},
	{"SYSINIT_DONE", TDXSIM_SYSINIT_DONE},
	{"SYSCONFIG_DONE", TDXSIM_SYSCONFIG_DONE},
	{"SYS_READY", TDXSIM_SYS_READY},
	{"SYS_SHUTDOWN", TDXSIM_SYS_SHUTDOWN},
	{"MODULE_GONE", TDXSIM_MODULE_GONE},
	{NULL, 0},
};

const struct scn_enum tdxsim_scn_stop_stages[] = {
	{"all", HOST_TDX_RUN_ALL},
	{"after_lp_init", HOST_TDX_STOP_AFTER_LP_INIT},
	{"before_config", HOST_TDX_STOP_BEFORE_CONFIG},
	{"after_config", HOST_TDX_STOP_AFTER_CONFIG},
	{"after_keys", HOST_TDX_STOP_AFTER_KEYS},
	{NULL, 0},
};

const struct scn_enum tdxsim_scn_page_sizes[] = {
	{"4K", TDXSIM_PS_4K},
	{"2M", TDXSIM_PS_2M},
	{"1G", TDXSIM_PS_1G},
	{NULL, 0},
};

int tdxsim_scn_enum_find(const struct scn_enum *e, const char *name, int64_t *value)
{
	for (; e->name; e++) {
		if (!strcmp(e->name, name)) {
			*value = e->value;
			return 0;
		}
	}
	return -1;
}

const char *tdxsim_scn_enum_name(const struct scn_enum *e, int64_t value)
{
	for (; e->name; e++)
		if (e->value == value)
			return e->name;
	return "?";
}

void tdxsim_scn_enum_list(const struct scn_enum *e, char *buf, size_t len)
{
	size_t off = 0;
	buf[0] = 0;
	for (const struct scn_enum *p = e; p->name && off < len; p++) {
		int n = snprintf(buf + off, len - off, "%s%s", p == e ? "" : ", ", p->name);
		if (n < 0)
			break;
		off += (size_t)n;
	}
}

const char *tdxsim_scn_call_name(uint64_t rax)
{
	/* RAX bit 63 goes to the loader, which compares all of RAX (docs/lifecycle.md section 5):
	 * leaf bits 15:0 would name an unrelated module leaf (0 is TDH.VP.ENTER). */
	if (rax & TDXSIM_SEAMLDR_BIT)
		return rax == TDXSIM_SEAMLDR_INFO      ? "P-SEAMLDR.INFO"
		       : rax == TDXSIM_SEAMLDR_INSTALL ? "P-SEAMLDR.INSTALL"
						       : "P-SEAMLDR";
	return tdxsim_leaf_name((uint32_t)(rax & TDXSIM_LEAF_MASK));
}

const char *const tdxsim_scn_reg_names[SCN_NUM_REGS] = {"rcx", "rdx", "r8",  "r9",  "r10", "r11", "r12",
							"r13", "r14", "r15", "rbx", "rdi", "rsi"};

int tdxsim_scn_reg_index(const char *name)
{
	for (int i = 0; i < SCN_NUM_REGS; i++)
		if (!strcmp(tdxsim_scn_reg_names[i], name))
			return i;
	return -1;
}

uint64_t *tdxsim_scn_reg_ptr(tdxsim_regs_t *regs, int index)
{
	/* tdxsim_regs_t is thirteen uint64_t in tdxsim_scn_reg_names order (tdx_module_args order). */
	uint64_t *r[SCN_NUM_REGS] = {&regs->rcx, &regs->rdx, &regs->r8,	 &regs->r9,  &regs->r10,
				     &regs->r11, &regs->r12, &regs->r13, &regs->r14, &regs->r15,
				     &regs->rbx, &regs->rdi, &regs->rsi};
	return r[index];
}

const char *tdxsim_scn_status_str(uint64_t status, char *buf, size_t len)
{
	char name[96];
	tdxsim_status_name(status, name, sizeof(name));
	if (!strncmp(name, "UNKNOWN(", 8))
		snprintf(buf, len, "0x%016llx", (unsigned long long)status);
	else if (status == 0)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "%s (0x%016llx)", name, (unsigned long long)status);
	return buf;
}
