/* expr_parse: compiles an expression's text to a syntax tree (precedence climbing). */
#include "mapping/expr_impl.h"

#include "core/suggest.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 256 /* nesting of the tree and of the parser's recursion */

/* Binding strength of operators, weakest first. */
enum prec {
	PREC_NONE,
	PREC_OR,
	PREC_AND,
	PREC_NOT,
	PREC_CMP, /* = != <> < <= > >= is */
	PREC_CONCAT,
	PREC_ADD,
	PREC_MUL,
	PREC_NEG,
};

struct parser {
	struct lexer lx;
	struct token tok; /* the current token */
	struct expr_arena *arena;
	char *err;
	size_t errlen;
	int depth;
};

static const struct {
	const char *name;
	enum path_root root;
	bool fields; /* takes names after it (after.x); else stands alone (op) */
} roots[] = {
    {"after", ROOT_AFTER, true},   {"before", ROOT_BEFORE, true}, {"key", ROOT_KEY, true},
    {"source", ROOT_SOURCE, true}, {"op", ROOT_OP, false},        {"ts_ms", ROOT_TS_MS, false},
    {"topic", ROOT_TOPIC, false},
};
#define NROOTS (sizeof(roots) / sizeof(roots[0]))

static const char *const keywords[] = {"and",   "or",   "not",  "is",   "null", "true",
                                       "false", "case", "when", "then", "else", "end"};

static struct node *parse_expr(struct parser *p, enum prec min);

static struct node *fail(struct parser *p, int col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static struct node *fail(struct parser *p, int col, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(p->err, p->errlen, "column %d: %s", col, msg);
	return NULL;
}

static struct node *oom(struct parser *p)
{
	snprintf(p->err, p->errlen, "out of memory");
	return NULL;
}

/* Describes token T for a message: 'x', or "end of expression". */
static void describe(const struct token *t, char *buf, size_t size)
{
	if (t->kind == T_END)
		snprintf(buf, size, "end of expression");
	else if (t->len > 30)
		snprintf(buf, size, "'%.27s...'", t->start);
	else
		snprintf(buf, size, "'%.*s'", (int)t->len, t->start);
}

static struct node *unexpected(struct parser *p)
{
	char what[48];

	describe(&p->tok, what, sizeof(what));
	return fail(p, p->tok.col, "unexpected %s", what);
}

static struct node *expected(struct parser *p, const char *want)
{
	char what[48];

	describe(&p->tok, what, sizeof(what));
	return fail(p, p->tok.col, "expected %s, found %s", want, what);
}

static bool advance(struct parser *p)
{
	return lex_next(&p->lx, &p->tok, p->err, p->errlen) == 0;
}

/* The token after the current one, without consuming anything. */
static bool peek(struct parser *p, struct token *t)
{
	struct lexer copy = p->lx;

	return lex_next(&copy, t, p->err, p->errlen) == 0;
}

static bool is_keyword(const struct token *t)
{
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (tok_is_word(t, keywords[i]))
			return true;
	return false;
}

static struct node *node_new(struct parser *p, enum node_kind kind, int col)
{
	struct node *n = arena_alloc(p->arena, sizeof(*n));

	if (!n)
		return oom(p);
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->col = col;
	n->depth = 1;
	return n;
}

/* Gives N its NKIDS children (copied to the arena) and checks the tree's depth. */
static struct node *set_kids(struct parser *p, struct node *n, struct node **kids, int nkids)
{
	n->kids = arena_alloc(p->arena, sizeof(*kids) * (size_t)(nkids ? nkids : 1));
	if (!n->kids)
		return oom(p);
	for (int i = 0; i < nkids; i++) {
		n->kids[i] = kids[i];
		if (kids[i]->depth + 1 > n->depth)
			n->depth = kids[i]->depth + 1;
	}
	n->nkids = nkids;
	if (n->depth > MAX_DEPTH)
		return fail(p, n->col, "expression nested too deeply");
	return n;
}

/* Appends KID to the growing list *KIDS (capacity *CAP, doubled in the arena as needed). */
static bool push_kid(struct parser *p, struct node ***kids, int *n, int *cap, struct node *kid)
{
	if (*n == *cap) {
		int ncap = *cap ? *cap * 2 : 4;
		struct node **nk = arena_alloc(p->arena, sizeof(*nk) * (size_t)ncap);

		if (!nk)
			return oom(p) != NULL;
		if (*n)
			memcpy(nk, *kids, sizeof(*nk) * (size_t)*n);
		*kids = nk;
		*cap = ncap;
	}
	(*kids)[(*n)++] = kid;
	return true;
}

static struct node *literal(struct parser *p, int col, enum val_type type)
{
	struct node *n = node_new(p, N_LIT, col);

	if (n)
		n->lit.type = type;
	return n;
}

static struct node *parse_number(struct parser *p)
{
	struct node *n = literal(p, p->tok.col, VAL_NUM);

	if (!n)
		return NULL;
	if (decimal_parse(&n->lit.num, p->tok.start, p->tok.len) < 0)
		return fail(
		    p, p->tok.col,
		    "number '%.*s' does not fit a decimal (at most 38 digits, 30 after the point)",
		    (int)p->tok.len, p->tok.start);
	return advance(p) ? n : NULL;
}

static struct node *parse_string(struct parser *p)
{
	struct node *n = literal(p, p->tok.col, VAL_TEXT);

	if (!n)
		return NULL;
	n->lit.text = p->tok.text;
	n->lit.len = p->tok.textlen;
	return advance(p) ? n : NULL;
}

static void arity_text(const struct func *f, char *buf, size_t size)
{
	if (f->max_args < 0)
		snprintf(buf, size, "at least %d argument%s", f->min_args,
		         f->min_args == 1 ? "" : "s");
	else if (f->min_args == f->max_args && f->min_args == 0)
		snprintf(buf, size, "no arguments");
	else if (f->min_args == f->max_args)
		snprintf(buf, size, "%d argument%s", f->min_args, f->min_args == 1 ? "" : "s");
	else if (f->max_args == f->min_args + 1)
		snprintf(buf, size, "%d or %d arguments", f->min_args, f->max_args);
	else
		snprintf(buf, size, "%d to %d arguments", f->min_args, f->max_args);
}

static struct node *unknown_function(struct parser *p, const struct token *name)
{
	char word[64];
	const char *near;

	snprintf(word, sizeof(word), "%.*s", (int)name->len, name->start);
	near = func_suggest(word);
	if (near)
		return fail(p, name->col, "unknown function '%s' (did you mean '%s'?)", word, near);
	return fail(p, name->col, "unknown function '%s'", word);
}

/* NAME ( [expr {, expr}] ): the current token is the name, the next one '('. */
static struct node *parse_call(struct parser *p)
{
	struct token name = p->tok;
	const struct func *f = func_find(name.start, name.len);
	struct node *n, **args = NULL, *arg;
	int nargs = 0, cap = 0;
	char want[48];

	if (!f)
		return unknown_function(p, &name);
	if (!advance(p) || !advance(p) || !(n = node_new(p, N_CALL, name.col)))
		return NULL;
	n->fn = f;
	while (p->tok.kind != T_RPAREN || nargs > 0) {
		if (!(arg = parse_expr(p, PREC_OR)) || !push_kid(p, &args, &nargs, &cap, arg))
			return NULL;
		if (p->tok.kind == T_RPAREN)
			break;
		if (p->tok.kind != T_COMMA)
			return expected(p, "',' or ')'");
		if (!advance(p))
			return NULL;
	}
	if (nargs < f->min_args || (f->max_args >= 0 && nargs > f->max_args)) {
		arity_text(f, want, sizeof(want));
		return fail(p, name.col, "%s takes %s, not %d", f->name, want, nargs);
	}
	if (!advance(p))
		return NULL;
	return set_kids(p, n, args, nargs);
}

/* An unknown first name: a misspelt root, a function without parentheses, or a column. */
static struct node *unknown_name(struct parser *p, const struct token *t, const char *word)
{
	const char *names[NROOTS];
	const char *near;
	struct token next;

	if (t->kind == T_IDENT && func_find(word, strlen(word)))
		return fail(p, t->col, "unknown name '%s' (did you mean '%s()'?)", word, word);
	for (size_t i = 0; i < NROOTS; i++)
		names[i] = roots[i].name;
	near = suggest_nearest(word, names, NROOTS);
	if (near)
		return fail(p, t->col, "unknown name '%s' (did you mean '%s'?)", word, near);
	if (!peek(p, &next))
		return NULL;
	if (next.kind != T_DOT && t->kind == T_IDENT)
		return fail(p, t->col, "unknown name '%s' (did you mean 'after.%s'?)", word, word);
	if (next.kind != T_DOT)
		return fail(p, t->col, "unknown name '%s' (did you mean 'after.\"%s\"'?)", word,
		            word);
	return fail(p, t->col,
	            "unknown name '%s' (a name starts with after, before, key, source, op, "
	            "ts_ms or topic)",
	            word);
}

/* Reads the ".name" parts after a path's root into N. */
static bool parse_fields(struct parser *p, struct node *n)
{
	int cap = 0;

	while (p->tok.kind == T_DOT) {
		if (!advance(p))
			return false;
		if (p->tok.kind != T_IDENT && p->tok.kind != T_QIDENT)
			return expected(p, "a name after '.'") != NULL;
		if (n->nsegs == cap) {
			const char **ns =
			    arena_alloc(p->arena, sizeof(*ns) * (size_t)(cap ? cap * 2 : 4));

			if (!ns)
				return oom(p) != NULL;
			if (n->nsegs)
				memcpy(ns, n->segs, sizeof(*ns) * (size_t)n->nsegs);
			n->segs = ns;
			cap = cap ? cap * 2 : 4;
		}
		n->segs[n->nsegs] = p->tok.kind == T_QIDENT
		                        ? p->tok.text
		                        : arena_strdup(p->arena, p->tok.start, p->tok.len);
		if (!n->segs[n->nsegs++])
			return oom(p) != NULL;
		if (!advance(p))
			return false;
	}
	return true;
}

/* after.x, before."Unit Price", key.id, source.table, op, ts_ms, topic. */
static struct node *parse_path(struct parser *p)
{
	struct token t = p->tok;
	char word[64];
	struct node *n;
	size_t i;

	if (t.kind == T_QIDENT)
		snprintf(word, sizeof(word), "%s", t.text);
	else
		snprintf(word, sizeof(word), "%.*s", (int)t.len, t.start);
	for (i = 0; i < NROOTS && strcmp(roots[i].name, word) != 0; i++)
		;
	if (i == NROOTS)
		return unknown_name(p, &t, word);
	if (!(n = node_new(p, N_PATH, t.col)) || !advance(p) || !parse_fields(p, n))
		return NULL;
	n->root = roots[i].root;
	if (roots[i].fields && n->nsegs == 0)
		return fail(p, t.col, "'%s' needs a name after it: %s.<name>", word, word);
	if (!roots[i].fields && n->nsegs > 0)
		return fail(p, t.col, "'%s' has no fields", word);
	return n;
}

/* case when c then a [when c then a ...] [else b] end */
static struct node *parse_case(struct parser *p)
{
	struct node *n = node_new(p, N_CASE, p->tok.col), **kids = NULL, *k;
	int nkids = 0, cap = 0;

	if (!n || !advance(p))
		return NULL;
	if (!tok_is_word(&p->tok, "when"))
		return expected(p, "'when'");
	while (tok_is_word(&p->tok, "when")) {
		if (!advance(p) || !(k = parse_expr(p, PREC_OR)) ||
		    !push_kid(p, &kids, &nkids, &cap, k))
			return NULL;
		if (!tok_is_word(&p->tok, "then"))
			return expected(p, "'then'");
		if (!advance(p) || !(k = parse_expr(p, PREC_OR)) ||
		    !push_kid(p, &kids, &nkids, &cap, k))
			return NULL;
	}
	if (tok_is_word(&p->tok, "else")) {
		if (!advance(p) || !(k = parse_expr(p, PREC_OR)) ||
		    !push_kid(p, &kids, &nkids, &cap, k))
			return NULL;
		n->has_else = true;
	}
	if (!tok_is_word(&p->tok, "end"))
		return expected(p, n->has_else ? "'end'" : "'when', 'else' or 'end'");
	if (!advance(p))
		return NULL;
	return set_kids(p, n, kids, nkids);
}

static struct node *parse_word(struct parser *p)
{
	struct token next;

	if (tok_is_word(&p->tok, "true") || tok_is_word(&p->tok, "false")) {
		struct node *n = literal(p, p->tok.col, VAL_BOOL);

		if (n)
			n->lit.b = tok_is_word(&p->tok, "true");
		return n && advance(p) ? n : NULL;
	}
	if (tok_is_word(&p->tok, "null")) {
		struct node *n = literal(p, p->tok.col, VAL_NULL);

		return n && advance(p) ? n : NULL;
	}
	if (tok_is_word(&p->tok, "case"))
		return parse_case(p);
	if (is_keyword(&p->tok))
		return unexpected(p);
	if (!peek(p, &next))
		return NULL;
	if (next.kind == T_LPAREN)
		return parse_call(p);
	return parse_path(p);
}

static struct node *parse_primary(struct parser *p)
{
	struct node *n;

	switch (p->tok.kind) {
	case T_NUM:
		return parse_number(p);
	case T_STR:
		return parse_string(p);
	case T_IDENT:
		return parse_word(p);
	case T_QIDENT:
		return parse_path(p);
	case T_LPAREN:
		if (!advance(p) || !(n = parse_expr(p, PREC_OR)))
			return NULL;
		if (p->tok.kind != T_RPAREN)
			return expected(p, "')'");
		return advance(p) ? n : NULL;
	default:
		return unexpected(p);
	}
}

/* "not x", "-x", or a primary. */
static struct node *parse_prefix(struct parser *p)
{
	enum node_kind kind;
	enum prec prec;
	struct node *n, *operand;

	if (tok_is_word(&p->tok, "not")) {
		kind = N_NOT;
		prec = PREC_NOT;
	} else if (p->tok.kind == T_MINUS) {
		kind = N_NEG;
		prec = PREC_NEG;
	} else {
		return parse_primary(p);
	}
	if (!(n = node_new(p, kind, p->tok.col)) || !advance(p) || !(operand = parse_expr(p, prec)))
		return NULL;
	return set_kids(p, n, &operand, 1);
}

/* The precedence of the current token as an infix operator, or PREC_NONE. */
static enum prec infix_prec(const struct token *t)
{
	switch (t->kind) {
	case T_PLUS:
	case T_MINUS:
		return PREC_ADD;
	case T_STAR:
	case T_SLASH:
		return PREC_MUL;
	case T_CONCAT:
		return PREC_CONCAT;
	case T_EQ:
	case T_NE:
	case T_LT:
	case T_LE:
	case T_GT:
	case T_GE:
		return PREC_CMP;
	default:
		break;
	}
	if (tok_is_word(t, "and"))
		return PREC_AND;
	if (tok_is_word(t, "or"))
		return PREC_OR;
	if (tok_is_word(t, "is"))
		return PREC_CMP;
	return PREC_NONE;
}

/* LEFT is [not] null: the current token is "is". */
static struct node *parse_is(struct parser *p, struct node *left)
{
	struct node *n = node_new(p, N_ISNULL, p->tok.col);

	if (!n || !advance(p))
		return NULL;
	if (tok_is_word(&p->tok, "not")) {
		n->negated = true;
		if (!advance(p))
			return NULL;
	}
	if (!tok_is_word(&p->tok, "null"))
		return expected(p, n->negated ? "'null'" : "'null' or 'not null'");
	if (!advance(p))
		return NULL;
	return set_kids(p, n, &left, 1);
}

/* LEFT op RIGHT for the infix operator at the current token, of precedence PREC. */
static struct node *parse_infix(struct parser *p, struct node *left, enum prec prec)
{
	struct node *n, *kids[2];
	enum node_kind kind = N_BINARY;

	if (tok_is_word(&p->tok, "is"))
		return parse_is(p, left);
	if (prec == PREC_AND)
		kind = N_AND;
	else if (prec == PREC_OR)
		kind = N_OR;
	if (!(n = node_new(p, kind, p->tok.col)))
		return NULL;
	n->op = p->tok.kind;
	if (!advance(p) || !(kids[1] = parse_expr(p, prec + 1)))
		return NULL;
	kids[0] = left;
	return set_kids(p, n, kids, 2);
}

/* Parses operators binding at least as tightly as MIN (left-associative). */
static struct node *parse_expr(struct parser *p, enum prec min)
{
	struct node *left;
	enum prec prec;

	if (++p->depth > MAX_DEPTH)
		return fail(p, p->tok.col, "expression nested too deeply");
	left = parse_prefix(p);
	while (left && (prec = infix_prec(&p->tok)) != PREC_NONE && prec >= min)
		left = parse_infix(p, left, prec);
	p->depth--;
	return left;
}

struct expr *expr_compile(const char *src, char *err, size_t errlen)
{
	struct expr *e = calloc(1, sizeof(*e));
	struct parser p = {.err = err, .errlen = errlen};

	if (!e || !(e->arena = arena_new())) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	p.arena = p.lx.arena = e->arena;
	p.lx.src = src ? src : "";
	if (!advance(&p))
		goto fail;
	if (p.tok.kind == T_END) {
		fail(&p, 1, "empty expression");
		goto fail;
	}
	if (!(e->root = parse_expr(&p, PREC_OR)))
		goto fail;
	if (p.tok.kind != T_END) {
		unexpected(&p);
		goto fail;
	}
	return e;
fail:
	expr_free(e);
	return NULL;
}

void expr_free(struct expr *e)
{
	if (!e)
		return;
	arena_free(e->arena);
	free(e);
}

/* The text of literal N, or NULL when N is not a text literal. */
static const char *literal_text(const struct node *n)
{
	return n->kind == N_LIT && n->lit.type == VAL_TEXT ? n->lit.text : NULL;
}

static int visit(const struct node *n, expr_lookup_visit_fn fn, void *arg)
{
	int rc;

	if (n->kind == N_CALL && strcmp(n->fn->name, "lookup") == 0) {
		rc = fn(arg, literal_text(n->kids[0]), literal_text(n->kids[1]),
		        literal_text(n->kids[2]), literal_text(n->kids[4]));
		if (rc)
			return rc;
	}
	for (int i = 0; i < n->nkids; i++)
		if ((rc = visit(n->kids[i], fn, arg)) != 0)
			return rc;
	return 0;
}

int expr_visit_lookups(const struct expr *e, expr_lookup_visit_fn fn, void *arg)
{
	return visit(e->root, fn, arg);
}
