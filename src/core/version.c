/* SPDX-License-Identifier: MIT */
/* tdxsim_version(): the numbers this library was built with (tdxsim/version.h, generated from
 * project(VERSION)), so a program can see which shared library it actually runs against. */
#include <stddef.h>

#include "tdxsim/version.h"

const char *tdxsim_version(unsigned *major, unsigned *minor, unsigned *patch)
{
	if (major)
		*major = TDXSIM_VERSION_MAJOR;
	if (minor)
		*minor = TDXSIM_VERSION_MINOR;
	if (patch)
		*patch = TDXSIM_VERSION_PATCH;
	return TDXSIM_VERSION_STRING;
}
