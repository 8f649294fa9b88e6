/* SPDX-License-Identifier: MIT */
/* The report half of tdxsim_asan_check() (core/util.h). */
#include "core/util.h"

#ifdef TDXSIM_ASAN
void tdxsim_asan_report_region(const void *p, size_t n)
{
	const volatile char *bad = __asan_region_is_poisoned((void *)(uintptr_t)p, n);
	if (bad)
		(void)*bad; /* an instrumented load of a poisoned byte: ASan reports and stops */
}
#endif
