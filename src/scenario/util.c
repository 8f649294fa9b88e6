/* SPDX-License-Identifier: MIT */
/* Arena, growable strings and "did you mean" for the scenario library (scenario.h). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/scenario.h"

struct scn_chunk {
	struct scn_chunk *next;
	size_t used, cap;
	_Alignas(16) unsigned char mem[];
};

#define SCN_CHUNK_SIZE 16384

void *tdxsim_scn_alloc(struct scn_arena *a, size_t size)
{
	size = (size + 15) & ~(size_t)15;
	if (size == 0)
		size = 16;
	struct scn_chunk *c = a->chunks;
	if (!c || c->cap - c->used < size) {
		/* Big requests get a chunk of their own, so the current chunk keeps its free tail. */
		size_t cap = size > SCN_CHUNK_SIZE / 4 ? size : SCN_CHUNK_SIZE;
		struct scn_chunk *n = malloc(sizeof(*n) + cap);
		if (!n)
			return NULL;
		n->used = 0;
		n->cap = cap;
		if (c && cap != SCN_CHUNK_SIZE) {
			n->next = c->next;
			c->next = n;
		} else {
			n->next = c;
			a->chunks = n;
		}
		c = n;
	}
	void *p = c->mem + c->used;
	c->used += size;
	memset(p, 0, size);
	return p;
}

char *tdxsim_scn_strndup(struct scn_arena *a, const char *s, size_t len)
{
	char *p = tdxsim_scn_alloc(a, len + 1);
	if (p && len)
		memcpy(p, s, len);
	return p;
}

char *tdxsim_scn_sprintf(struct scn_arena *a, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	char *p = tdxsim_scn_alloc(a, (size_t)n + 1);
	if (!p)
		return NULL;
	if ((size_t)n < sizeof(small)) {
		memcpy(p, small, (size_t)n + 1);
		return p;
	}
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void tdxsim_scn_arena_free(struct scn_arena *a)
{
	struct scn_chunk *c = a->chunks;
	while (c) {
		struct scn_chunk *n = c->next;
		free(c);
		c = n;
	}
	a->chunks = NULL;
}

static bool buf_reserve(struct scn_buf *b, size_t extra)
{
	if (b->oom)
		return false;
	if (b->len + extra + 1 <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + extra + 1)
		cap *= 2;
	char *d = realloc(b->data, cap);
	if (!d) {
		b->oom = true;
		return false;
	}
	b->data = d;
	b->cap = cap;
	return true;
}

void tdxsim_scn_buf_put(struct scn_buf *b, const char *s, size_t len)
{
	if (!buf_reserve(b, len))
		return;
	memcpy(b->data + b->len, s, len);
	b->len += len;
	b->data[b->len] = 0;
}

void tdxsim_scn_buf_vprintf(struct scn_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0 || !buf_reserve(b, (size_t)n))
		return;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void tdxsim_scn_buf_printf(struct scn_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	tdxsim_scn_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

const char *tdxsim_scn_buf_str(const struct scn_buf *b)
{
	return b->len ? b->data : "";
}

void tdxsim_scn_buf_reset(struct scn_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = 0;
}

void tdxsim_scn_buf_free(struct scn_buf *b)
{
	free(b->data);
	*b = (struct scn_buf){0};
}

unsigned tdxsim_scn_edit_distance(const char *a, const char *b, unsigned max)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 64 || lb > 64)
		return max + 1;
	if ((la > lb ? la - lb : lb - la) > max)
		return max + 1;
	unsigned row[65];
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned diag = row[0];
		row[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned up = row[j];
			unsigned cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
			unsigned best = diag + cost;
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb] > max ? max + 1 : row[lb];
}

const char *tdxsim_scn_closest(const char *word, const char *const *names, size_t n)
{
	const char *best = NULL;
	unsigned best_d = 3;
	for (size_t i = 0; i < n; i++) {
		if (!names[i])
			continue;
		unsigned d = tdxsim_scn_edit_distance(word, names[i], 2);
		if (d < best_d) {
			best_d = d;
			best = names[i];
		}
	}
	return best;
}
