/* SPDX-License-Identifier: MIT */
/* Fixture: a low folder calling a function of a higher one with no include that says so (the
 * declaration is written here, as a public header would carry it); tests/layering.cmake must
 * refuse it from the object files. */
int layering_fixture_high(void);
int layering_fixture_low(void);

int layering_fixture_low(void)
{
	return layering_fixture_high();
}
