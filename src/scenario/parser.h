/* SPDX-License-Identifier: MIT */
/* The expression parser's state and helpers, shared by expr.c and expr_sym.c ($symbols). */
#ifndef TDXSIM_SCENARIO_PARSER_H
#define TDXSIM_SCENARIO_PARSER_H

#include "scenario/scenario.h"

struct scn_parser {
	struct scn_loader *ld;
	const char *s;
	size_t len, i;
	struct scn_pos pos;
	unsigned shift; /* 1 when the scalar was quoted: columns move by the quote */
	enum scn_ns ns;
	unsigned depth, nodes;
};

/* Records an error at the current character and returns -1. */
int tdxsim_scn_perr(struct scn_parser *p, const char *fmt, ...) SCN_FMT(2, 3);
bool tdxsim_scn_peek(struct scn_parser *p, const char *tok);   /* next token is @tok (blanks skipped) */
bool tdxsim_scn_accept(struct scn_parser *p, const char *tok); /* ... and consume it */
struct scn_expr *tdxsim_scn_node_new(struct scn_parser *p, uint8_t op, uint64_t value);
/* A name ([A-Za-z_][A-Za-z0-9_]*, with '.' if @dots) into @buf; returns its full length. */
size_t tdxsim_scn_scan_word(struct scn_parser *p, char *buf, size_t cap, bool dots);
struct scn_expr *tdxsim_scn_parse_index(struct scn_parser *p);	/* '[' expression ']' */
struct scn_expr *tdxsim_scn_parse_symbol(struct scn_parser *p); /* '$' ... (expr_sym.c) */

#endif
