/* SPDX-License-Identifier: MIT */
/* Fixture: the function the low folder calls. */
int layering_fixture_high(void);

int layering_fixture_high(void)
{
	return 1;
}
