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
	if (status == TDXSIM_STATUS_API_MISUSE) {
		snprintf(buf, len, "TDXSIM_STATUS_API_MISUSE");
		return buf;
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

const char *tdxsim_leaf_name(uint32_t leaf)
{
	for (size_t i = 0; i < COUNT(leaves); i++)
		if (leaves[i].num == leaf)
			return leaves[i].spec;
	return NULL;
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
	for (size_t i = 0; i < COUNT(statuses); i++) {
		if (!strcmp(statuses[i].name, name)) {
			if (value)
				*value = statuses[i].value;
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
