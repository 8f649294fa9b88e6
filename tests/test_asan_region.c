/* SPDX-License-Identifier: MIT */
/*
 * The PAMT checker's and hash's whole-table scans (and the secure-EPT tables', sept.c
 * tdxsim_sept_used_runs(), and the block hash, core/hash.c) run without per-load ASan checks and check each
 * table's range once instead (core/util.h, TDXSIM_NO_ASAN and tdxsim_asan_check): a dangling table pointer
 * must still stop the run with AddressSanitizer's report, as an instrumented scan would. Each row runs in a
 * child process, which ASan ends; the parent reads its report. Built without ASan, the same rows check that a
 * live table passes both scans.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/util.h"
#include "pamt/pamt.h"
#include "pamt/pamt_priv.h"
#include "sept/sept.h"

#define GiB TDXSIM_1G

static struct tdxsim_pamt *store_with_table(void)
{
	struct tdxsim_pamt *p;
	assert_int_equal(tdxsim_pamt_create(&p), 0);
	assert_int_equal(tdxsim_pamt_add_tdmr(p, GiB, GiB, NULL, 0, 0), TDXSIM_PAMT_OK);
	while (tdxsim_pamt_init_chunk(p, 0))
		;
	assert_int_equal(tdxsim_pamt_assign_4k(p, GiB + 0x5000, TDXSIM_PT_REG, 0x7000000), TDXSIM_PAMT_OK);
	assert_int_equal(tdxsim_pamt_set_bepoch(p, GiB + 0x5000, TDXSIM_PS_4K, 3), TDXSIM_PAMT_OK);
	return p;
}

static void scan_check(struct tdxsim_pamt *p)
{
	char msg[256];
	(void)tdxsim_pamt_check(p, msg, sizeof(msg));
}

static void scan_hash(struct tdxsim_pamt *p)
{
	(void)tdxsim_pamt_hash(p, TDXSIM_HASH_SEED);
}

/* The table, its entries made initial first so that no per-entry (instrumented) access
 * follows the whole-table scan: only that scan's range check can see it is gone. */
static struct tdxsim_pamt_table *blank_table(struct tdxsim_pamt *p)
{
	struct tdxsim_pamt_table *t = p->tdmrs[0].blocks[0]->t4k[0];
	memset(t->type, 0, sizeof(t->type));
	memset(t->owner, 0, sizeof(t->owner));
	memset(t->bepoch, 0, TDXSIM_PAMT_FANOUT * sizeof(*t->bepoch));
	t->busy = 0;
	return t;
}

/* The table freed under its pointer (its BEPOCH column too, as freeing the table would). */
static void free_table(struct tdxsim_pamt *p)
{
	struct tdxsim_pamt_table *t = blank_table(p);
	free(t->bepoch);
	free(t);
}

#ifdef TDXSIM_ASAN
/* A freed object's first bytes hold the allocator's own data, so a scan of a freed table
 * finds a run to read entry by entry, instrumented, and is stopped there anyway. A table
 * poisoned in place keeps its bytes: only the scans' own range checks can stop these. */
static void poison_table(struct tdxsim_pamt *p)
{
	__asan_poison_memory_region(blank_table(p), sizeof(struct tdxsim_pamt_table));
}
static void poison_column(struct tdxsim_pamt *p)
{
	__asan_poison_memory_region(blank_table(p)->bepoch, TDXSIM_PAMT_FANOUT * sizeof(uint64_t));
}
#endif

static const struct row {
	const char *rule;
	void (*corrupt)(struct tdxsim_pamt *p);
	void (*scan)(struct tdxsim_pamt *p);
	const char *report;
} rows[] = {
	{"the checker's scan of a freed table is reported", free_table, scan_check, "heap-use-after-free"},
	{"the hash's scan of a freed table is reported", free_table, scan_hash, "heap-use-after-free"},
#ifdef TDXSIM_ASAN
	{"the checker's scan of an unreadable table checks its range", poison_table, scan_check,
	 "use-after-poison"},
	{"the hash's scan of an unreadable table checks its range", poison_table, scan_hash,
	 "use-after-poison"},
	{"the hash's scan of an unreadable BEPOCH column checks its range", poison_column, scan_hash,
	 "use-after-poison"},
#endif
};

/* Secure-EPT tables: a root table, every entry FREE, scanned by the hash and the checker. */
static void sept_scan(bool poison, bool hash)
{
	struct tdxsim_sept *sept = tdxsim_sept_new(0x7000000, 3);
	assert_non_null(sept);
	struct tdxsim_sept_table *root = tdxsim_sept_table_get(sept, 0x7000000);
	assert_non_null(root);
#ifdef TDXSIM_ASAN
	if (poison)
		__asan_poison_memory_region(root->e, sizeof(root->e));
#endif
	char msg[256];
	if (hash)
		(void)tdxsim_sept_hash(sept, TDXSIM_HASH_SEED);
	else
		assert_int_equal(tdxsim_sept_check(sept, false, NULL, msg, sizeof(msg)), 0);
	tdxsim_sept_free(sept);
}

#ifdef TDXSIM_ASAN
/* Runs @body(@arg) in a child with stderr in a pipe; returns what the child wrote, and its
 * status. */
static void run_child(void (*body)(const void *arg), const void *arg, char *out, size_t len, int *status)
{
	int fd[2];
	assert_int_equal(pipe(fd), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fd[0]);
		dup2(fd[1], 2);
		body(arg);
		_exit(0); /* not reached when ASan reports */
	}
	close(fd[1]);
	size_t n = 0;
	ssize_t k;
	while (n + 1 < len && (k = read(fd[0], out + n, len - 1 - n)) > 0)
		n += (size_t)k;
	out[n] = '\0';
	close(fd[0]);
	assert_int_equal(waitpid(pid, status, 0), pid);
}

static void expect_report(const char *rule, void (*body)(const void *arg), const void *arg,
			  const char *report)
{
	static char out[1 << 16];
	int status;
	run_child(body, arg, out, sizeof(out), &status);
	if (!WIFEXITED(status) || WEXITSTATUS(status) == 0 || !strstr(out, report))
		fail_msg("rule \"%s\": child ended with status %d, report:\n%.2000s", rule, status, out);
}

static void pamt_row_body(const void *arg)
{
	const struct row *row = arg;
	struct tdxsim_pamt *p = store_with_table();
	row->corrupt(p);
	row->scan(p);
}

static void hash_unreadable_block(const void *arg)
{
	(void)arg;
	static uint8_t b[4096];
	__asan_poison_memory_region(b + 2048, 64);
	(void)tdxsim_hash_bytes(TDXSIM_HASH_SEED, b, sizeof(b));
}

static void sept_hash_poisoned(const void *arg)
{
	(void)arg;
	sept_scan(true, true);
}
static void sept_check_poisoned(const void *arg)
{
	(void)arg;
	sept_scan(true, false);
}
#endif

static void scans__dangling_table__reported(void **state)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
#ifdef TDXSIM_ASAN
		expect_report(rows[i].rule, pamt_row_body, &rows[i], rows[i].report);
#else
		/* Without ASan a freed table cannot be told from a live one: the scans of a live
		 * table must pass and see the entry the store holds. */
		struct tdxsim_pamt *p = store_with_table();
		char msg[256];
		assert_int_equal(tdxsim_pamt_check(p, msg, sizeof(msg)), 0);
		uint64_t h = tdxsim_pamt_hash(p, TDXSIM_HASH_SEED);
		assert_int_equal(tdxsim_pamt_release(p, GiB + 0x5000, TDXSIM_PS_4K), TDXSIM_PAMT_OK);
		assert_int_not_equal(tdxsim_pamt_hash(p, TDXSIM_HASH_SEED), h);
		tdxsim_pamt_destroy(p);
#endif
	}
	(void)state;
}

static void scans__unreadable_sept_table_or_block__reported(void **state)
{
#ifdef TDXSIM_ASAN
	expect_report("the secure-EPT hash's scan of an unreadable table checks its range",
		      sept_hash_poisoned, NULL, "use-after-poison");
	expect_report("the secure-EPT checker's scan of an unreadable table checks its range",
		      sept_check_poisoned, NULL, "use-after-poison");
	expect_report("the block hash of a block with unreadable bytes checks its range",
		      hash_unreadable_block, NULL, "use-after-poison");
#else
	sept_scan(false, true);
	sept_scan(false, false);
#endif
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(scans__dangling_table__reported),
		cmocka_unit_test(scans__unreadable_sept_table_or_block__reported),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
