/*
 * expr_impl: what the files of the expression language share (arena, tokens, syntax tree,
 * evaluation helpers, function table). Not for use outside src/mapping/expr_*.c.
 */
#ifndef SPOKE_EXPR_IMPL_H
#define SPOKE_EXPR_IMPL_H

#include "mapping/expr.h"

#include <stdbool.h>
#include <stddef.h>

/* ---- arena (expr_arena.c) ---- */

/*
 * A chunked bump allocator. Everything allocated lives until arena_reset or arena_free.
 * arena_reset keeps the first chunks (up to ARENA_KEEP bytes) for reuse and frees the rest.
 */
struct expr_arena;

struct expr_arena *arena_new(void);
void arena_free(struct expr_arena *a);
void arena_reset(struct expr_arena *a);
/* N bytes aligned for any type, or NULL when out of memory. */
void *arena_alloc(struct expr_arena *a, size_t n);
char *arena_strdup(struct expr_arena *a, const char *s, size_t len);
/* True when P points into memory handed out by A. */
bool arena_owns(const struct expr_arena *a, const void *p);
/* The context's arena, created on first use; NULL when out of memory. */
struct expr_arena *ctx_arena(struct expr_ctx *ctx);

/* ---- tokens (expr_lex.c) ---- */

enum tok_kind {
	T_END,
	T_NUM,
	T_STR,    /* 'text'; text holds it with '' undone */
	T_IDENT,  /* a name or keyword */
	T_QIDENT, /* "a name"; text holds it with "" undone */
	T_LPAREN,
	T_RPAREN,
	T_COMMA,
	T_DOT,
	T_PLUS,
	T_MINUS,
	T_STAR,
	T_SLASH,
	T_CONCAT,
	T_EQ,
	T_NE,
	T_LT,
	T_LE,
	T_GT,
	T_GE,
};

struct token {
	enum tok_kind kind;
	const char *start; /* in the source */
	size_t len;        /* in the source */
	int col;           /* 1-based, in characters */
	char *text;        /* T_STR, T_QIDENT: the value (arena); others: NULL */
	size_t textlen;
};

struct lexer {
	const char *src;
	size_t pos;
	struct expr_arena *arena; /* the expression's */
};

/* Reads the next token. Returns 0, or -1 with err "column N: ..." on bad input. */
int lex_next(struct lexer *lx, struct token *t, char *err, size_t errlen);
/* The 1-based column, in UTF-8 characters, of byte offset POS of SRC. */
int lex_column(const char *src, size_t pos);
/* True when T is the identifier WORD, ignoring ASCII case (keywords). */
bool tok_is_word(const struct token *t, const char *word);

/* ---- syntax tree (built by expr_parse.c) ---- */

enum node_kind {
	N_LIT,
	N_PATH,
	N_NEG,
	N_NOT,
	N_BINARY, /* arithmetic, ||, comparisons: op */
	N_AND,
	N_OR,
	N_ISNULL, /* negated: is not null */
	N_CALL,
	N_CASE, /* kids: when, then, when, then, ..., [else] */
};

enum path_root { ROOT_AFTER, ROOT_BEFORE, ROOT_KEY, ROOT_SOURCE, ROOT_OP, ROOT_TS_MS, ROOT_TOPIC };

struct func;

struct node {
	enum node_kind kind;
	int col;   /* where the node starts in the source, or its operator's column */
	int depth; /* 1 + the deepest child */
	enum tok_kind op;
	bool negated;
	bool has_else;
	struct val lit; /* N_LIT; text in the expression's arena */
	enum path_root root;
	const char **segs; /* N_PATH: names after the root */
	int nsegs;
	const struct func *fn; /* N_CALL */
	struct node **kids;
	int nkids;
};

struct expr {
	struct expr_arena *arena; /* holds the nodes and their strings */
	struct node *root;
};

/* ---- evaluation (expr_eval.c, expr_value.c) ---- */

/* One expr_eval call: where values go and where the error is written. */
struct eval {
	struct expr_ctx *ctx;
	char *err;
	size_t errlen;
};

int eval_node(struct eval *ev, const struct node *n, struct val *out);
/* Writes "column N: " and the message for node N into the error. Returns -1. */
int eval_fail(struct eval *ev, const struct node *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int eval_oom(struct eval *ev, const struct node *n);

void val_null(struct val *v);
void val_bool(struct val *v, bool b);
void val_num(struct val *v, const struct decimal *d);
/* Points V at S (LEN bytes, NUL-terminated), which must outlive the evaluation. */
void val_text_ref(struct val *v, const char *s, size_t len);
/* Copies S into the arena. Returns 0, or -1 (out of memory, reported for node N). */
int val_text_copy(struct eval *ev, const struct node *n, struct val *v, const char *s, size_t len);
/* Writes V, shortened and quoted when text, for an error message: 'abc', 12.5, true, null. */
void val_describe(const struct val *v, char *buf, size_t size);
/*
 * V as a number: numbers as they are, text that parses as a decimal. Otherwise fails with
 * "cannot use 'abc' as a number", naming node N. V must not be null.
 */
int val_to_num(struct eval *ev, const struct node *n, const struct val *v, struct decimal *out);
/* V as text: numbers in plain notation, booleans 'true'/'false'. V must not be null. */
int val_to_text(struct eval *ev, const struct node *n, const struct val *v, const char **s,
                size_t *len);
/* Checks that V is a boolean or null, else fails naming node N. */
int val_check_bool(struct eval *ev, const struct node *n, const struct val *v);
/*
 * Reads a whole number (round's digits, substr's start) into *out, else fails naming N. Whole
 * numbers beyond int64_t are clamped to INT64_MIN or INT64_MAX.
 */
int val_to_int(struct eval *ev, const struct node *n, const struct val *v, const char *what,
               int64_t *out);

/* ---- functions (expr_func.c, expr_time.c) ---- */

enum func_nulls {
	F_STRICT, /* a null argument makes the result null; the function is not called */
	F_NULLS,  /* the function sees null arguments */
	F_LAZY,   /* the function evaluates its arguments itself (if, coalesce) */
};

/* One call: the node, and for eager functions the evaluated arguments. */
struct call {
	struct eval *ev;
	const struct node *node;
	struct val *args;
	int nargs;
};

struct func {
	const char *name;
	int min_args, max_args; /* max_args -1: any number */
	enum func_nulls nulls;
	int (*fn)(struct call *c, struct val *out);
};

/* The function named NAME (LEN bytes, any case), or NULL. */
const struct func *func_find(const char *name, size_t len);
/* The closest function name to NAME for "did you mean", or NULL. */
const char *func_suggest(const char *name);

int fn_date(struct call *c, struct val *out);
int fn_datetime(struct call *c, struct val *out);
int fn_now(struct call *c, struct val *out);

#endif
