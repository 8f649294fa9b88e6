/* SPDX-License-Identifier: MIT */
/*
 * Named constants a scenario may use: the .def tables through the library's own lookups
 * (tdxsim_status_by_name() and the like, src/core/names.c), PAMT page types and sizes, the
 * P-SEAMLDR's calls, and the small enumerations of keys.
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

/* What a scenario may name beyond the library's .def tables (tdxsim_*_by_name()). */
static const struct named constants[] = {
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
	/* TD exits: VP.ENTER's RAX bits 31:0 are the VM-exit basic reason (td-runtime.md 3.3), R11
	 * of a TDVMCALL exit the GHCI sub-function (3.4). */
	{"EXIT_TRIPLE_FAULT", 2},
	{"EXIT_CR_ACCESS", 28},
	{"EXIT_EPT_VIOLATION", 48},
	{"EXIT_TDCALL", 77},
	{"TDVMCALL_HLT", 12},
	{"TDVMCALL_MAP_GPA", 0x10001},
};

static const struct named seamldr_calls[] = {
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
	return tdxsim_status_by_name(name, value);
}

unsigned tdxsim_scn_field_array(const char *name, uint64_t *id)
{
	unsigned count = 0;
	/* "MD_" is accepted in front of field names, as the generated constants spell them. */
	if (!strncmp(name, "MD_", 3))
		name += 3;
	return tdxsim_field_by_name(name, id, &count) ? count : 0;
}

int tdxsim_scn_name_value(const char *name, enum scn_ns ns, uint64_t *value)
{
	uint32_t msr;
	if (tdxsim_status_by_name(name, value))
		return 0;
	int leaf = tdxsim_leaf_by_name(name);
	if (leaf >= 0) {
		*value = (uint64_t)leaf;
		return 0;
	}
	if (tdxsim_scn_field_array(name, value))
		return 0;
	if (tdxsim_msr_by_name(name, &msr)) {
		*value = msr;
		return 0;
	}
	if (find(constants, SCN_COUNT(constants), name, value) == 0 ||
	    find(seamldr_calls, SCN_COUNT(seamldr_calls), name, value) == 0)
		return 0;
	if (!strncmp(name, "OPERAND_", 8) && tdxsim_operand_by_name(name + 8, value))
		return 0;
	if ((ns & SCN_NS_STATUS) && tdxsim_operand_by_name(name, value))
		return 0;
	return -1;
}

const char *tdxsim_scn_name_suggest(const char *name, enum scn_ns ns)
{
	const char *best = NULL, *cand;
	unsigned best_d = 3;
	/* Every table of the library, then the scenario's own names; operand names only where a
	 * status may carry them. */
	for (int t = TDXSIM_NAMES_STATUSES; t <= TDXSIM_NAMES_OPERANDS; t++) {
		if (t == TDXSIM_NAMES_OPERANDS && !(ns & SCN_NS_STATUS))
			continue;
		for (size_t i = 0; (cand = tdxsim_name_at((tdxsim_name_table_t)t, i, NULL)); i++) {
			unsigned d = tdxsim_scn_edit_distance(name, cand, 2);
			if (d < best_d)
				best_d = d, best = cand;
		}
	}
	for (size_t i = 0; i < SCN_COUNT(constants) + SCN_COUNT(seamldr_calls); i++) {
		cand = i < SCN_COUNT(constants) ? constants[i].name
						: seamldr_calls[i - SCN_COUNT(constants)].name;
		unsigned d = tdxsim_scn_edit_distance(name, cand, 2);
		if (d < best_d)
			best_d = d, best = cand;
	}
	return best;
}

tdxsim_err_t tdxsim_scenario_list_names(const char *what, FILE *out)
{
	static const struct {
		const char *what;
		int table; /* tdxsim_name_table_t, or -1 for none */
		const struct named *extra;
		size_t n_extra;
	} kinds[] = {
		{"statuses", TDXSIM_NAMES_STATUSES, NULL, 0},
		{"leaves", TDXSIM_NAMES_LEAVES, seamldr_calls, SCN_COUNT(seamldr_calls)},
		{"fields", TDXSIM_NAMES_FIELDS, NULL, 0},
		{"msrs", TDXSIM_NAMES_MSRS, NULL, 0},
		{"operands", TDXSIM_NAMES_OPERANDS, NULL, 0},
		{"constants", -1, constants, SCN_COUNT(constants)},
	};
	if (!what || !out)
		return TDXSIM_ERR_INVALID_ARG;
	for (size_t k = 0; k < SCN_COUNT(kinds); k++) {
		if (strcmp(kinds[k].what, what))
			continue;
		const char *name;
		uint64_t v;
		for (size_t i = 0; kinds[k].table >= 0 &&
				   (name = tdxsim_name_at((tdxsim_name_table_t)kinds[k].table, i, &v));
		     i++) {
			unsigned count = 1;
			if (kinds[k].table == TDXSIM_NAMES_FIELDS)
				tdxsim_field_by_name(name, NULL, &count);
			/* A scenario writes operand ids as OPERAND_NAME outside a status. */
			fprintf(out, "%s%s 0x%llx", kinds[k].table == TDXSIM_NAMES_OPERANDS ? "OPERAND_" : "",
				name, (unsigned long long)v);
			if (count > 1)
				fprintf(out, " [%u]", count);
			fputc('\n', out);
		}
		for (size_t i = 0; i < kinds[k].n_extra; i++)
			fprintf(out, "%s 0x%llx\n", kinds[k].extra[i].name,
				(unsigned long long)kinds[k].extra[i].value);
		return ferror(out) ? TDXSIM_ERR_INVALID_ARG : TDXSIM_OK;
	}
	return TDXSIM_ERR_INVALID_ARG;
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
