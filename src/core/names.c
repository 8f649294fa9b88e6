/* SPDX-License-Identifier: MIT */
/* Names for errors, statuses, leaves, fields and MSRs, all from the .def tables. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "tdxsim/tdxsim.h"

struct named_u64 {
	const char *name;
	uint64_t value;
};

static const struct named_u64 statuses[] = {
#define TDXSIM_STATUS(name, value) {#name, UINT64_C(value)},
#include "tdxsim/defs/statuses.def"
#undef TDXSIM_STATUS
};

static const struct named_u64 operands[] = {
#define TDXSIM_OPERAND(name, id) {#name, id},
#include "tdxsim/defs/operands.def"
#undef TDXSIM_OPERAND
};

static const struct {
	const char *cname, *spec;
	uint32_t num;
} leaves[] = {
#define TDXSIM_LEAF(name, num, spec) {#name, spec, num},
#include "tdxsim/defs/leaves.def"
#undef TDXSIM_LEAF
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

static const struct {
	const char *name;
	uint32_t addr;
} msrs[] = {
#define TDXSIM_MSR(name, addr, spec) {spec, addr},
#include "tdxsim/defs/msrs.def"
#undef TDXSIM_MSR
};

/* tdxsim's own software statuses (tdxsim.h), named after their macros. */
#define OWN(macro)            \
	{                     \
#macro, macro \
	}
static const struct named_u64 own_statuses[] = {
	OWN(TDXSIM_STATUS_API_MISUSE),
	OWN(TDXSIM_STATUS_NO_MEMORY),
	OWN(TDXSIM_STATUS_NOT_EMULATED),
};
#undef OWN

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *tdxsim_strerror(tdxsim_err_t err)
{
	switch (err) {
	case TDXSIM_OK:
		return "success";
	case TDXSIM_ERR_INVALID_ARG:
		return "invalid argument";
	case TDXSIM_ERR_NO_MEMORY:
		return "out of host memory";
	case TDXSIM_ERR_BAD_CONFIG:
		return "bad configuration";
	case TDXSIM_ERR_NOT_RAM:
		return "not simulated RAM";
	case TDXSIM_ERR_NO_SPACE:
		return "no free contiguous physical range fits";
	case TDXSIM_ERR_GP:
		return "general protection fault (#GP)";
	case TDXSIM_ERR_LP_OFFLINE:
		return "logical processor is offline";
	case TDXSIM_ERR_NOT_COVERED:
		return "address not covered by an initialized PAMT";
	case TDXSIM_ERR_INVARIANT:
		return "internal invariant broken";
	case TDXSIM_ERR_STATE:
		return "not allowed in the current state";
	case TDXSIM_ERR_MCE:
		return "machine check raised";
	case TDXSIM_ERR_PLATFORM_FAULT:
		return "platform fault";
	}
	return "unknown error";
}

/*
 * Statuses whose low 32 bits are not an operand id (sheet 3.3): platform checks carry an MSR
 * address or an SMRR index (class 0x09), TDMR/PAMT errors packed byte indexes (class 0x0A),
 * and two more carry a KeyID count or an x2APIC id.
 */
static bool packed_details(uint64_t base)
{
	unsigned cls = (unsigned)(base >> 40) & 0xFF;
	return cls == 0x09 || cls == 0x0A || base == TDXSIM_TDX_X2APIC_ID_NOT_UNIQUE ||
	       base == TDXSIM_TDX_NUM_ACTIVATED_HKIDS_NOT_SUPPORTED;
}

const char *tdxsim_status_name(uint64_t status, char *buf, size_t len)
{
	if (!buf || !len)
		return buf;
	/* An exact match first: the software codes carry fixed low bits. */
	for (size_t i = 0; i < COUNT(statuses); i++) {
		if (statuses[i].value == status) {
			snprintf(buf, len, "%s", statuses[i].name);
			return buf;
		}
	}
	for (size_t i = 0; i < COUNT(own_statuses); i++) {
		if (own_statuses[i].value == status) {
			snprintf(buf, len, "%s", own_statuses[i].name);
			return buf;
		}
	}
	uint64_t base = status & TDXSIM_STATUS_MASK, details = status & TDXSIM_STATUS_DETAILS_MASK;
	for (size_t i = 0; i < COUNT(statuses); i++) {
		if (statuses[i].value != base)
			continue;
		for (size_t j = 0; j < COUNT(operands) && !packed_details(base); j++) {
			if (operands[j].value == details) {
				snprintf(buf, len, "%s|%s", statuses[i].name, operands[j].name);
				return buf;
			}
		}
		snprintf(buf, len, "%s(0x%08llx)", statuses[i].name, (unsigned long long)details);
		return buf;
	}
	snprintf(buf, len, "UNKNOWN(0x%016llx)", (unsigned long long)status);
	return buf;
}

/* Indexed by leaf number (every leaf is below TDXSIM_NUM_LEAF_SLOTS and appears once in the
 * table): a name is one load, not a scan (fuzz_td_guest asks for all 65,536 numbers). */
static const char *const leaf_names[TDXSIM_NUM_LEAF_SLOTS] = {
#define TDXSIM_LEAF(name, num, spec) [num] = spec,
#include "tdxsim/defs/leaves.def"
#undef TDXSIM_LEAF
};

const char *tdxsim_leaf_name(uint32_t leaf)
{
	return leaf < TDXSIM_NUM_LEAF_SLOTS ? leaf_names[leaf] : NULL;
}

int tdxsim_leaf_by_name(const char *name)
{
	if (!name)
		return -1;
	for (size_t i = 0; i < COUNT(leaves); i++)
		if (!strcasecmp(leaves[i].spec, name) || !strcasecmp(leaves[i].cname, name))
			return (int)leaves[i].num;
	return -1;
}

bool tdxsim_status_by_name(const char *name, uint64_t *value)
{
	if (!name)
		return false;
	for (size_t i = 0; i < COUNT(statuses) + COUNT(own_statuses); i++) {
		const struct named_u64 *row =
			i < COUNT(statuses) ? &statuses[i] : &own_statuses[i - COUNT(statuses)];
		if (!strcmp(row->name, name)) {
			if (value)
				*value = row->value;
			return true;
		}
	}
	return false;
}

const char *tdxsim_field_name(uint64_t field_id, char *buf, size_t len)
{
	if (!buf || !len)
		return buf;
	for (size_t i = 0; i < COUNT(fields); i++) {
		if (field_id < fields[i].id || field_id - fields[i].id >= fields[i].count)
			continue;
		if (fields[i].count == 1)
			snprintf(buf, len, "%s", fields[i].name);
		else
			snprintf(buf, len, "%s[%u]", fields[i].name, (unsigned)(field_id - fields[i].id));
		return buf;
	}
	snprintf(buf, len, "FIELD(0x%016llx)", (unsigned long long)field_id);
	return buf;
}

const char *tdxsim_msr_name(uint32_t msr)
{
	for (size_t i = 0; i < COUNT(msrs); i++)
		if (msrs[i].addr == msr)
			return msrs[i].name;
	return NULL;
}

bool tdxsim_field_by_name(const char *name, uint64_t *id, unsigned *count)
{
	for (size_t i = 0; name && i < COUNT(fields); i++) {
		if (!strcmp(fields[i].name, name)) {
			if (id)
				*id = fields[i].id;
			if (count)
				*count = fields[i].count;
			return true;
		}
	}
	return false;
}

bool tdxsim_msr_by_name(const char *name, uint32_t *msr)
{
	for (size_t i = 0; name && i < COUNT(msrs); i++) {
		if (!strcmp(msrs[i].name, name)) {
			if (msr)
				*msr = msrs[i].addr;
			return true;
		}
	}
	return false;
}

bool tdxsim_operand_by_name(const char *name, uint64_t *id)
{
	for (size_t i = 0; name && i < COUNT(operands); i++) {
		if (!strcmp(operands[i].name, name)) {
			if (id)
				*id = operands[i].value;
			return true;
		}
	}
	return false;
}

const char *tdxsim_name_at(tdxsim_name_table_t table, size_t index, uint64_t *value)
{
	const char *name = NULL;
	uint64_t v = 0;
	switch (table) {
	case TDXSIM_NAMES_STATUSES:
		if (index < COUNT(statuses))
			name = statuses[index].name, v = statuses[index].value;
		else if (index - COUNT(statuses) < COUNT(own_statuses))
			name = own_statuses[index - COUNT(statuses)].name,
			v = own_statuses[index - COUNT(statuses)].value;
		break;
	case TDXSIM_NAMES_LEAVES:
		if (index < COUNT(leaves))
			name = leaves[index].spec, v = leaves[index].num;
		break;
	case TDXSIM_NAMES_FIELDS:
		if (index < COUNT(fields))
			name = fields[index].name, v = fields[index].id;
		break;
	case TDXSIM_NAMES_MSRS:
		if (index < COUNT(msrs))
			name = msrs[index].name, v = msrs[index].addr;
		break;
	case TDXSIM_NAMES_OPERANDS:
		if (index < COUNT(operands))
			name = operands[index].name, v = operands[index].value;
		break;
	}
	if (name && value)
		*value = v;
	return name;
}

/*
 * Class names (status bits 47:40). The sheet (3.1) infers this grouping from which codes share
 * a class; the module gives classes no names of its own.
 */
static const char *class_name(unsigned cls)
{
	static const char *const names[] = {"success or TD condition",
					    "operand",
					    "busy",
					    "page metadata",
					    "TD pages",
					    "system state",
					    "TD state",
					    "vCPU",
					    "keys",
					    "platform CPUID/MSR/SMRR",
					    "TDMR/PAMT configuration",
					    "secure EPT",
					    "metadata",
					    "service TD",
					    "migration",
					    NULL,
					    "attestation",
					    "L2 / TD exit"};
	if (cls == 0xFF)
		return "software (Linux or tdxsim, never the module)";
	return cls < COUNT(names) && names[cls] ? names[cls] : "unknown";
}

const char *tdxsim_status_decode(uint64_t status, char *buf, size_t len)
{
	if (!buf || !len)
		return buf;
	char name[96];
	size_t off = 0;
	/* Appends one line; once the buffer is full the rest is dropped (snprintf truncates). */
#define LINE(...)                                                             \
	do {                                                                  \
		if (off < len) {                                              \
			int n_ = snprintf(buf + off, len - off, __VA_ARGS__); \
			off = n_ < 0 ? len : off + (size_t)n_;                \
		}                                                             \
	} while (0)
	LINE("0x%016llx %s\n", (unsigned long long)status, tdxsim_status_name(status, name, sizeof(name)));
	LINE("  error (63): %u  non-recoverable (62): %u  fatal (61): %u  host hint (60): %u\n",
	     (unsigned)(status >> 63) & 1, (unsigned)(status >> 62) & 1, (unsigned)(status >> 61) & 1,
	     (unsigned)(status >> 60) & 1);
	unsigned cls = (unsigned)(status >> 40) & 0xFF;
	LINE("  class (47:40): 0x%02x %s  code (39:32): 0x%02x\n", cls, class_name(cls),
	     (unsigned)(status >> 32) & 0xFF);
	uint64_t base = status & TDXSIM_STATUS_MASK, details = status & TDXSIM_STATUS_DETAILS_MASK;
	bool exact = false, known_base = false;
	for (size_t i = 0; i < COUNT(statuses); i++) {
		exact |= statuses[i].value == status;
		known_base |= statuses[i].value == base;
	}
	for (size_t i = 0; i < COUNT(own_statuses); i++)
		exact |= own_statuses[i].value == status;
	const char *operand = NULL;
	for (size_t j = 0; j < COUNT(operands) && !exact && known_base && !packed_details(base); j++)
		if (operands[j].value == details)
			operand = operands[j].name;
	const char *msr = cls == 0x09 ? tdxsim_msr_name((uint32_t)details) : NULL;
	if (exact || !status)
		LINE("  details (31:0): 0x%08llx%s\n", (unsigned long long)details,
		     details ? ", part of the code" : "");
	else if (operand)
		LINE("  operand id (31:0): %llu (0x%llx) %s\n", (unsigned long long)details,
		     (unsigned long long)details, operand);
	else if (msr)
		LINE("  details (31:0): 0x%08llx MSR %s\n", (unsigned long long)details, msr);
	else
		LINE("  details (31:0): 0x%08llx bytes %02x %02x %02x %02x (31:24 .. 7:0)\n",
		     (unsigned long long)details, (unsigned)(details >> 24) & 0xFF,
		     (unsigned)(details >> 16) & 0xFF, (unsigned)(details >> 8) & 0xFF,
		     (unsigned)details & 0xFF);
#undef LINE
	return buf;
}
