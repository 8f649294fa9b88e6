/* SPDX-License-Identifier: MIT */
/*
 * Every function a public header declares is exported from libtdxsim.so. The library is built
 * with hidden visibility, so a definition whose file never includes the header carrying
 * TDXSIM_API is silently left out of the shared library, and programs linked against it fail
 * with undefined references (platform.h once lost all eight of its functions this way).
 *
 * This program is linked against the shared library. It reads the public headers named on its
 * command line (tests/CMakeLists.txt passes the installed set), collects the tdxsim_* functions
 * they declare at file scope, and looks each one up with dlsym() in the libtdxsim.so it runs
 * against. One test per header that declares functions.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tdxsim/tdxsim.h"

struct names {
	char **v;
	size_t n, cap;
};

static void names_add(struct names *ns, const char *s, size_t len)
{
	if (ns->n == ns->cap) {
		ns->cap = ns->cap ? ns->cap * 2 : 32;
		ns->v = realloc(ns->v, ns->cap * sizeof(*ns->v));
		assert_non_null(ns->v);
	}
	ns->v[ns->n] = strndup(s, len);
	assert_non_null(ns->v[ns->n]);
	ns->n++;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)len + 1);
	if (buf && fread(buf, 1, (size_t)len, f) != (size_t)len) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		buf[len] = 0;
	fclose(f);
	return buf;
}

/* Blanks comments, keeping string and character literals (and newlines) as they are. */
static void strip_comments(char *s)
{
	for (char *p = s; *p; p++) {
		if (*p == '"' || *p == '\'') {
			char q = *p;
			for (p++; *p && *p != q; p++)
				if (*p == '\\' && p[1])
					p++;
			if (!*p)
				return;
		} else if (p[0] == '/' && p[1] == '*') {
			char *end = strstr(p + 2, "*/");
			char *stop = end ? end + 2 : p + strlen(p);
			for (; p < stop; p++)
				if (*p != '\n')
					*p = ' ';
			p--;
		} else if (p[0] == '/' && p[1] == '/') {
			for (; *p && *p != '\n'; p++)
				*p = ' ';
			p--;
		}
	}
}

/* Blanks preprocessor lines (with their continuations), and the whole of every
 * `#ifdef __cplusplus` block (only `extern "C" {` and its `}` live there). */
static void strip_preprocessor(char *s)
{
	int skip_depth = 0; /* > 0: inside an #ifdef __cplusplus block, counting nested #if */
	char *line = s;
	while (*line) {
		char *end = strchr(line, '\n');
		if (!end)
			end = line + strlen(line);
		char *t = line;
		while (t < end && (*t == ' ' || *t == '\t'))
			t++;
		bool directive = t < end && *t == '#';
		if (directive) {
			t++;
			while (t < end && (*t == ' ' || *t == '\t'))
				t++;
			if (!strncmp(t, "if", 2)) {
				if (skip_depth > 0 || !strncmp(t, "ifdef __cplusplus", 17))
					skip_depth++;
			} else if (!strncmp(t, "endif", 5) && skip_depth > 0) {
				skip_depth--; /* the #endif line itself is a directive: blanked below */
			}
		}
		bool blank = directive || skip_depth > 0;
		/* A directive continues over lines ending in a backslash. */
		while (directive && end > line && end[-1] == '\\' && *end) {
			char *next = strchr(end + 1, '\n');
			end = next ? next : end + 1 + strlen(end + 1);
		}
		if (blank)
			for (char *p = line; p < end; p++)
				if (*p != '\n')
					*p = ' ';
		line = *end ? end + 1 : end;
	}
}

static bool is_ident(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* Does [from, to) contain @word as a whole identifier? */
static bool has_word(const char *from, const char *to, const char *word)
{
	size_t len = strlen(word);
	for (const char *p = from; p + len <= to; p++)
		if (!strncmp(p, word, len) && (p == from || !is_ident(p[-1])) &&
		    (p + len == to || !is_ident(p[len])))
			return true;
	return false;
}

/* The tdxsim_* functions declared at file scope of a comment- and directive-free header:
 * an identifier followed by '(' outside any braces and parentheses, in a statement that is
 * neither a typedef nor a static (inline) definition. */
static void collect_declarations(const char *s, struct names *out)
{
	int braces = 0, parens = 0;
	const char *stmt = s;
	for (const char *p = s; *p; p++) {
		if (*p == '{') {
			braces++;
		} else if (*p == '}') {
			if (--braces == 0)
				stmt = p + 1;
		} else if (*p == '(') {
			parens++;
		} else if (*p == ')') {
			parens--;
		} else if (*p == ';' && braces == 0) {
			stmt = p + 1;
		} else if (braces == 0 && parens == 0 && (p == s || !is_ident(p[-1])) &&
			   !strncmp(p, "tdxsim_", 7)) {
			const char *end = p;
			while (is_ident(*end))
				end++;
			const char *after = end;
			while (*after == ' ' || *after == '\t' || *after == '\n')
				after++;
			if (*after == '(' && !has_word(stmt, p, "typedef") && !has_word(stmt, p, "static"))
				names_add(out, p, (size_t)(end - p));
			p = end - 1;
		}
	}
}

struct header_case {
	const char *path;
	struct names declared;
	void *lib; /* the libtdxsim.so this program runs against */
};

/* The shared object that holds tdxsim_version(), which this program calls directly. */
static void *linked_library(const char **path)
{
	Dl_info info;
	if (!dladdr((void *)tdxsim_version, &info) || !info.dli_fname)
		return NULL;
	*path = info.dli_fname;
	return dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD);
}

static void runs_against_the_shared_library(void **state)
{
	const char *path = NULL;
	void *lib = linked_library(&path);
	assert_non_null(lib);
	assert_non_null(strstr(path, "libtdxsim.so"));
	dlclose(lib);
}

static void every_declared_function_is_exported(void **state)
{
	struct header_case *hc = *state;
	size_t missing = 0;
	for (size_t i = 0; i < hc->declared.n; i++) {
		dlerror();
		if (!dlsym(hc->lib, hc->declared.v[i])) {
			print_error("%s declares %s, which libtdxsim.so does not export\n", hc->path,
				    hc->declared.v[i]);
			missing++;
		}
	}
	assert_int_equal(missing, 0);
}

/* The parser itself: it must find functions we know each header declares, or a parser that
 * finds nothing would pass every test above. */
struct canary {
	const char *header, *function;
};
static const struct canary canaries[] = {
	{"tdxsim.h", "tdxsim_create"},	     {"tdxsim.h", "tdxsim_seamcall"},
	{"platform.h", "tdxsim_lp_offline"}, {"platform.h", "tdxsim_range_in_cmrs"},
	{"version.h", "tdxsim_version"},
};

static struct header_case *cases;
static size_t num_cases;

static void parser_finds_known_declarations(void **state)
{
	for (size_t c = 0; c < sizeof(canaries) / sizeof(canaries[0]); c++) {
		bool found = false;
		for (size_t h = 0; h < num_cases && !found; h++) {
			const char *base = strrchr(cases[h].path, '/');
			base = base ? base + 1 : cases[h].path;
			if (strcmp(base, canaries[c].header))
				continue;
			for (size_t i = 0; i < cases[h].declared.n && !found; i++)
				found = !strcmp(cases[h].declared.v[i], canaries[c].function);
		}
		if (!found)
			print_error("no declaration of %s found in %s\n", canaries[c].function,
				    canaries[c].header);
		assert_true(found);
	}
}

int main(int argc, char **argv)
{
	const char *libpath = NULL;
	void *lib = linked_library(&libpath);
	num_cases = (size_t)(argc > 1 ? argc - 1 : 0);
	cases = calloc(num_cases + 1, sizeof(*cases));
	struct CMUnitTest *tests = calloc(num_cases + 2, sizeof(*tests));
	char **test_names = calloc(num_cases + 1, sizeof(*test_names));
	if (!cases || !tests || !test_names)
		return 1;
	size_t n = 0;
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(runs_against_the_shared_library);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(parser_finds_known_declarations);
	for (size_t h = 0; h < num_cases; h++) {
		struct header_case *hc = &cases[h];
		hc->path = argv[h + 1];
		hc->lib = lib;
		char *text = read_file(hc->path);
		if (!text) {
			fprintf(stderr, "cannot read %s\n", hc->path);
			return 1;
		}
		strip_comments(text);
		strip_preprocessor(text);
		collect_declarations(text, &hc->declared);
		free(text);
		if (!hc->declared.n || !lib)
			continue; /* only macros and types (abi.h, abi_constants.h) */
		const char *base = strrchr(hc->path, '/');
		if (asprintf(&test_names[h], "%s__every_declared_function_is_exported",
			     base ? base + 1 : hc->path) < 0)
			return 1;
		tests[n++] = (struct CMUnitTest){test_names[h], every_declared_function_is_exported, NULL,
						 NULL, hc};
	}
	printf("# %s: checking %zu headers\n", libpath ? libpath : "(no shared library)", num_cases);
	int failed = _cmocka_run_group_tests("shared_exports", tests, n, NULL, NULL);
	for (size_t h = 0; h < num_cases; h++) {
		for (size_t i = 0; i < cases[h].declared.n; i++)
			free(cases[h].declared.v[i]);
		free(cases[h].declared.v);
		free(test_names[h]);
	}
	free(test_names);
	free(tests);
	free(cases);
	if (lib)
		dlclose(lib);
	return failed;
}
