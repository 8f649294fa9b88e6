/* SPDX-License-Identifier: MIT */
/*
 * Expressions in scenario values: numbers in any base, sizes (4G), named constants, host
 * symbols ($tdmr[0].base), variables, C operators and a few functions. Parsed once at load
 * time with every name resolved; folded to a constant when nothing depends on the run.
 *
 * Grammar (C precedence, lowest first):
 *   or := land ('||' land)*   land := bor ('&&' bor)*   bor := xor ('|' xor)*
 *   xor := and ('^' and)*     and := eq ('&' eq)*       eq := rel (('==' | '!=') rel)*
 *   rel := shift (('<' | '<=' | '>' | '>=') shift)*     shift := add (('<<' | '>>') add)*
 *   add := mul (('+' | '-') mul)*   mul := unary (('*' | '/' | '%') unary)*
 *   unary := ('-' | '~' | '!') unary | primary
 *   primary := number | NAME | NAME '[' or ']' | STATUS '(' or ')' | FUNC '(' args ')'
 *            | '$' symbol | '(' or ')'
 * Depth and size are bounded so that no input can exhaust the stack.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "scenario/parser.h"

#define MAX_DEPTH 48
#define MAX_NODES 256

static struct scn_expr *parse_or(struct scn_parser *p); /* a whole expression */

int SCN_FMT(2, 3) tdxsim_scn_perr(struct scn_parser *p, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	struct scn_pos at = {p->pos.line, p->pos.col + p->shift + (uint32_t)p->i};
	return tdxsim_scn_error(p->ld, at, "%s", msg);
}

static void skip_ws(struct scn_parser *p)
{
	while (p->i < p->len &&
	       (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' || p->s[p->i] == '\r'))
		p->i++;
}

bool tdxsim_scn_peek(struct scn_parser *p, const char *tok)
{
	skip_ws(p);
	size_t n = strlen(tok);
	return p->len - p->i >= n && !memcmp(p->s + p->i, tok, n);
}

bool tdxsim_scn_accept(struct scn_parser *p, const char *tok)
{
	if (!tdxsim_scn_peek(p, tok))
		return false;
	p->i += strlen(tok);
	return true;
}

struct scn_expr *tdxsim_scn_node_new(struct scn_parser *p, uint8_t op, uint64_t value)
{
	if (++p->nodes > MAX_NODES) {
		tdxsim_scn_perr(p, "expression too long (more than %d terms)", MAX_NODES);
		return NULL;
	}
	struct scn_expr *e = tdxsim_scn_alloc(&p->ld->scn->arena, sizeof(*e));
	if (!e) {
		tdxsim_scn_perr(p, "out of memory");
		return NULL;
	}
	e->op = op;
	e->value = value;
	e->pos = (struct scn_pos){p->pos.line, p->pos.col + p->shift + (uint32_t)p->i};
	return e;
}

static bool is_ident(int c, bool first)
{
	return isalpha(c) || c == '_' || (!first && (isdigit(c) || c == '.'));
}

static struct scn_expr *binary(struct scn_parser *p, uint8_t op, struct scn_expr *a, struct scn_expr *b)
{
	if (!a || !b)
		return NULL;
	if (scn_expr_is_const(a) && scn_expr_is_const(b)) {
		if (tdxsim_scn_fold(op, a->value, b->value, &a->value)) {
			tdxsim_scn_perr(p, "division by zero");
			return NULL;
		}
		return a;
	}
	struct scn_expr *e = tdxsim_scn_node_new(p, op, 0);
	if (e) {
		e->a = a;
		e->b = b;
		e->pos = a->pos;
	}
	return e;
}

static struct scn_expr *parse_number(struct scn_parser *p)
{
	size_t start = p->i;
	unsigned base = 10;
	if (p->s[p->i] == '0' && p->i + 1 < p->len) {
		char c = (char)tolower((unsigned char)p->s[p->i + 1]);
		base = c == 'x' ? 16 : c == 'b' ? 2 : c == 'o' ? 8 : 10;
		if (base != 10)
			p->i += 2;
	}
	uint64_t v = 0;
	unsigned digits = 0;
	for (; p->i < p->len; p->i++) {
		int c = (unsigned char)p->s[p->i], d;
		if (c == '_' && digits)
			continue;
		if (isdigit(c))
			d = c - '0';
		else if (base == 16 && isxdigit(c))
			d = tolower(c) - 'a' + 10;
		else
			break;
		if ((unsigned)d >= base) {
			p->i = start;
			return tdxsim_scn_perr(p, "digit out of range for the number's base"), NULL;
		}
		if (__builtin_mul_overflow(v, base, &v) || __builtin_add_overflow(v, (uint64_t)d, &v)) {
			p->i = start;
			return tdxsim_scn_perr(p, "number does not fit in 64 bits"), NULL;
		}
		digits++;
	}
	if (!digits) {
		p->i = start;
		return tdxsim_scn_perr(p, "malformed number"), NULL;
	}
	/* Size suffixes are binary: K = 2^10 ... P = 2^50; "KiB" and "KB" mean the same. */
	static const char units[] = "KMGTP";
	const char *u =
		p->i < p->len && p->s[p->i] ? strchr(units, toupper((unsigned char)p->s[p->i])) : NULL;
	if (u) {
		p->i++;
		if (p->len - p->i >= 2 && p->s[p->i] == 'i' && p->s[p->i + 1] == 'B')
			p->i += 2;
		else if (p->i < p->len && p->s[p->i] == 'B')
			p->i++;
		unsigned shift = 10 * (unsigned)(u - units + 1);
		if (v > (UINT64_MAX >> shift)) {
			p->i = start;
			return tdxsim_scn_perr(p, "size does not fit in 64 bits"), NULL;
		}
		v <<= shift;
	}
	if (p->i < p->len && is_ident((unsigned char)p->s[p->i], false)) {
		return tdxsim_scn_perr(p, "unexpected character after a number (sizes take K, M, G, T or P)"),
		       NULL;
	}
	return tdxsim_scn_node_new(p, SCN_OP_CONST, v);
}

struct scn_expr *tdxsim_scn_parse_index(struct scn_parser *p)
{
	if (!tdxsim_scn_accept(p, "["))
		return tdxsim_scn_perr(p, "expected '['"), NULL;
	struct scn_expr *e = parse_or(p);
	if (e && !tdxsim_scn_accept(p, "]"))
		return tdxsim_scn_perr(p, "expected ']'"), NULL;
	return e;
}

size_t tdxsim_scn_scan_word(struct scn_parser *p, char *buf, size_t cap, bool dots)
{
	size_t n = 0;
	while (p->i < p->len && is_ident((unsigned char)p->s[p->i], n == 0) && (dots || p->s[p->i] != '.')) {
		if (n + 1 < cap)
			buf[n] = p->s[p->i];
		n++;
		p->i++;
	}
	buf[n < cap ? n : cap - 1] = 0;
	return n;
}

static struct scn_expr *parse_call(struct scn_parser *p, const char *name, size_t at)
{
	uint64_t status;
	if (tdxsim_scn_name_is_status(name, &status)) {
		/* STATUS(details): packed detail bytes in bits 31:0, as tdxsim_status_name prints. */
		struct scn_expr *d = parse_or(p);
		if (!d || !tdxsim_scn_accept(p, ")"))
			return d ? (tdxsim_scn_perr(p, "expected ')'"), NULL) : NULL;
		struct scn_expr *base = tdxsim_scn_node_new(p, SCN_OP_CONST, status);
		struct scn_expr *mask = tdxsim_scn_node_new(p, SCN_OP_CONST, TDXSIM_STATUS_DETAILS_MASK);
		return binary(p, SCN_OP_OR, base, binary(p, SCN_OP_AND, d, mask));
	}
	unsigned peek_bytes = !strcmp(name, "peek8")	? 1
			      : !strcmp(name, "peek16") ? 2
			      : !strcmp(name, "peek32") ? 4
			      : !strcmp(name, "peek64") ? 8
							: 0;
	if (peek_bytes) {
		struct scn_expr *e = tdxsim_scn_node_new(p, SCN_OP_PEEK, peek_bytes);
		if (!e || !(e->a = parse_or(p)))
			return NULL;
		if (!tdxsim_scn_accept(p, ")"))
			return tdxsim_scn_perr(p, "expected ')'"), NULL;
		return e;
	}
	if (!strcmp(name, "random")) {
		struct scn_expr *e = tdxsim_scn_node_new(p, SCN_OP_RANDOM, 0);
		if (!e || !(e->a = parse_or(p)))
			return NULL;
		if (!tdxsim_scn_accept(p, ","))
			return tdxsim_scn_perr(p, "random takes two arguments: random(low, high)"), NULL;
		if (!(e->b = parse_or(p)))
			return NULL;
		if (!tdxsim_scn_accept(p, ")"))
			return tdxsim_scn_perr(p, "expected ')'"), NULL;
		return e;
	}
	p->i = at;
	return tdxsim_scn_perr(p, "unknown function '%s' (expected a status name, random, peek8/16/32/64)",
			       name),
	       NULL;
}

static struct scn_expr *parse_name(struct scn_parser *p)
{
	static const char loader[] = "P-SEAMLDR.";
	size_t at = p->i, skip = 0;
	char name[64];
	/* "P-SEAMLDR.INSTALL" is a name, not P minus SEAMLDR.INSTALL (names.c). */
	if (p->len - p->i > sizeof(loader) - 1 && !memcmp(p->s + p->i, loader, sizeof(loader) - 1)) {
		memcpy(name, "P-", 2);
		skip = 2;
		p->i += 2;
	}
	if (skip + tdxsim_scn_scan_word(p, name + skip, sizeof(name) - skip, true) >= sizeof(name)) {
		p->i = at;
		return tdxsim_scn_perr(p, "name too long"), NULL;
	}
	struct scn_expr *td;
	if (tdxsim_scn_parse_td_ref(p, name, at, &td)) /* a.tdr, page(x): expr_td.c */
		return td;
	if (tdxsim_scn_accept(p, "("))
		return parse_call(p, name, at);
	uint64_t value;
	if (tdxsim_scn_peek(p, "[")) {
		unsigned count = tdxsim_scn_field_array(name, &value);
		if (!count) {
			p->i = at;
			return tdxsim_scn_perr(p, "'%s' is not an array field", name), NULL;
		}
		struct scn_expr *k = tdxsim_scn_parse_index(p);
		if (!k)
			return NULL;
		if (!scn_expr_is_const(k) || k->value >= count) {
			p->i = at;
			return tdxsim_scn_perr(p, "index of '%s' must be a constant below its element count",
					       name),
			       NULL;
		}
		return tdxsim_scn_node_new(p, SCN_OP_CONST, value + k->value);
	}
	if (tdxsim_scn_name_value(name, p->ns, &value) == 0)
		return tdxsim_scn_node_new(p, SCN_OP_CONST, value);
	const char *hint = tdxsim_scn_name_suggest(name, p->ns);
	p->i = at;
	char msg[200];
	snprintf(msg, sizeof(msg),
		 "unknown name '%s'%s%s%s (expected a status, leaf, field, MSR, PT_*/PS_* or a number)", name,
		 hint ? ", did you mean '" : "", hint ? hint : "", hint ? "'?" : "");
	return tdxsim_scn_perr(p, "%s", msg), NULL;
}

static struct scn_expr *parse_primary(struct scn_parser *p)
{
	skip_ws(p);
	if (p->i >= p->len)
		return tdxsim_scn_perr(p, "expected a value, found the end of the text"), NULL;
	int c = (unsigned char)p->s[p->i];
	if (c == '(') {
		p->i++;
		struct scn_expr *e = parse_or(p);
		if (e && !tdxsim_scn_accept(p, ")"))
			return tdxsim_scn_perr(p, "expected ')'"), NULL;
		return e;
	}
	if (isdigit(c))
		return parse_number(p);
	if (c == '$')
		return tdxsim_scn_parse_symbol(p);
	if (is_ident(c, true))
		return parse_name(p);
	char ch[2] = {(char)c, 0};
	return tdxsim_scn_perr(p, "unexpected '%s' (expected a number, a name, '$symbol' or '(')",
			       isprint(c) ? ch : "?"),
	       NULL;
}

static struct scn_expr *parse_unary(struct scn_parser *p)
{
	if (++p->depth > MAX_DEPTH)
		return tdxsim_scn_perr(p, "expression nested too deeply"), NULL;
	struct scn_expr *e;
	if (tdxsim_scn_accept(p, "-") || tdxsim_scn_accept(p, "~") ||
	    (tdxsim_scn_peek(p, "!") && !tdxsim_scn_peek(p, "!=") && tdxsim_scn_accept(p, "!"))) {
		char c = p->s[p->i - 1];
		uint8_t op = c == '-' ? SCN_OP_NEG : c == '~' ? SCN_OP_NOT : SCN_OP_LNOT;
		struct scn_expr *a = parse_unary(p);
		if (!a)
			return NULL;
		if (scn_expr_is_const(a)) {
			a->value = op == SCN_OP_NEG   ? (uint64_t)0 - a->value
				   : op == SCN_OP_NOT ? ~a->value
						      : !a->value;
			e = a;
		} else if ((e = tdxsim_scn_node_new(p, op, 0))) {
			e->a = a;
		}
	} else {
		e = parse_primary(p);
	}
	p->depth--;
	return e;
}

/* One precedence level: a left-associative chain of @next joined by the level's operators.
 * An operator is not taken when followed by @not ('|' is not the start of '||'). */
#define LEVEL(fn, next, ...)                                                                              \
	static struct scn_expr *fn(struct scn_parser *p)                                                  \
	{                                                                                                 \
		static const struct {                                                                     \
			const char *tok;                                                                  \
			char not ;                                                                        \
			uint8_t op;                                                                       \
		} ops[] = {__VA_ARGS__};                                                                  \
		if (++p->depth > MAX_DEPTH)                                                               \
			return tdxsim_scn_perr(p, "expression nested too deeply"), NULL;                  \
		struct scn_expr *e = next(p);                                                             \
		for (bool more = e != NULL; more;) {                                                      \
			more = false;                                                                     \
			for (size_t k = 0; k < SCN_COUNT(ops) && !more; k++) {                            \
				size_t n = strlen(ops[k].tok);                                            \
				if (tdxsim_scn_peek(p, ops[k].tok) &&                                     \
				    !(ops[k].not &&p->i + n < p->len && p->s[p->i + n] == ops[k].not )) { \
					p->i += n;                                                        \
					e = binary(p, ops[k].op, e, next(p));                             \
					more = e != NULL;                                                 \
				}                                                                         \
			}                                                                                 \
		}                                                                                         \
		p->depth--;                                                                               \
		return e;                                                                                 \
	}

LEVEL(parse_mul, parse_unary, {"*", 0, SCN_OP_MUL}, {"/", 0, SCN_OP_DIV}, {"%", 0, SCN_OP_MOD})
LEVEL(parse_add, parse_mul, {"+", 0, SCN_OP_ADD}, {"-", 0, SCN_OP_SUB})
LEVEL(parse_shift, parse_add, {"<<", 0, SCN_OP_SHL}, {">>", 0, SCN_OP_SHR})
LEVEL(parse_rel, parse_shift, {"<=", 0, SCN_OP_LE}, {">=", 0, SCN_OP_GE}, {"<", 0, SCN_OP_LT},
      {">", 0, SCN_OP_GT})
LEVEL(parse_eq, parse_rel, {"==", 0, SCN_OP_EQ}, {"!=", 0, SCN_OP_NE})
LEVEL(parse_and, parse_eq, {"&", '&', SCN_OP_AND})
LEVEL(parse_xor, parse_and, {"^", 0, SCN_OP_XOR})
LEVEL(parse_bor, parse_xor, {"|", '|', SCN_OP_OR})
LEVEL(parse_land, parse_bor, {"&&", 0, SCN_OP_LAND})
LEVEL(parse_or, parse_land, {"||", 0, SCN_OP_LOR})

int tdxsim_scn_parse_expr(struct scn_loader *ld, const char *text, size_t len, struct scn_pos pos,
			  bool quoted, enum scn_ns ns, struct scn_expr **out)
{
	struct scn_parser p = {
		.ld = ld, .s = text, .len = len, .pos = pos, .shift = quoted ? 1 : 0, .ns = ns};
	*out = NULL;
	if (memchr(text, 0, len))
		return tdxsim_scn_perr(&p, "NUL character in a value");
	struct scn_expr *e = parse_or(&p);
	if (!e)
		return -1;
	skip_ws(&p);
	if (p.i < p.len)
		return tdxsim_scn_perr(
			&p, "unexpected text after the value (operators as in C: || && | ^ & == != < <= "
			    "> >= << >> + - * / %% ~ !)");
	/* The whole value's position: messages about it point at its first character. */
	size_t lead = 0;
	while (lead < len && (text[lead] == ' ' || text[lead] == '\t'))
		lead++;
	e->pos = (struct scn_pos){pos.line, pos.col + p.shift + (uint32_t)lead};
	e->text = tdxsim_scn_strndup(&ld->scn->arena, text, len);
	if (!e->text)
		return tdxsim_scn_perr(&p, "out of memory");
	*out = e;
	return 0;
}
