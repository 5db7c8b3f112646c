/*
 * expr: the expression language of mapping rules. A column's value, a rule's "where" filter and
 * the values of soft deletes are expressions over one change event, compiled once when the
 * rules load and evaluated once per change:
 *
 *   paths        after.x  before.x  key.x  op  source.table  source.ts_ms  ts_ms  topic
 *                (a path into a json column goes on: after.attrs.color; odd names are quoted
 *                with double quotes: after."Unit Price")
 *   literals     12  19.90  'text' ('' is a quote)  true  false  null
 *   operators    + - * / (numbers)  || (text)  = != <> < <= > >=  and or not  is [not] null
 *   functions    if(c, a, b)  coalesce(a, ...)  concat(a, ...)  upper lower trim
 *                substr(s, start[, len])  replace(s, from, to)  length(s)
 *                round(n[, digits])  floor  ceil  abs
 *                number(x)  text(x)  bool(x)  date(x)  datetime(x)  now()  sha256(x)
 *                lookup(target, table, key_column, value, result_column)
 *   case         case when c then a [when c then a ...] [else b] end
 *
 * Numbers are exact decimals (never double): 19.90 * 1.2 is 23.88. Nulls propagate as in SQL
 * (null + 1 is null, null = null is null; "and"/"or" are three-valued; a null "where" is false).
 *
 * The details:
 *   - Column names are case-sensitive; keywords and function names are not. After a '.',
 *     any name is a column (after.end). Precedence, loosest first: or, and, not,
 *     comparisons and "is", ||, + -, * /, unary minus.
 *   - JSON values read: strings are text, numbers exact decimals (a JSON real is read from its
 *     shortest exact text, 0.1 is 0.1), true/false booleans, null or a missing field null,
 *     objects and arrays compact JSON text (keys in their order). A number that does not fit
 *     a decimal (1e300) is an error. source.x reads payload.source, ts_ms payload.ts_ms.
 *   - Text that reads as a number ("19.90", as Debezium sends numerics) counts as one in
 *     arithmetic, in number() and when compared with a number; other text is an error.
 *     Text compares with text bytewise, booleans with booleans (false < true); anything else
 *     compared is an error. || and the text functions turn numbers and booleans into text
 *     as text() does.
 *   - Functions return null for a null argument, except: if (null is false), coalesce,
 *     concat (null is ''), now, and lookup (a null value gives null without asking).
 *     upper/lower use Unicode simple case mapping. substr and length count UTF-8 characters;
 *     substr follows SQL (substr('hello', 0, 3) is 'he'). round is half away from zero
 *     (round(-2.5) is -3; round(1234.5, -2) is 1200). bool() takes true/false, t/f, yes/no,
 *     1/0 in any case and the numbers 1 and 0. date() and datetime() take ISO text (a 'T' or
 *     a blank before the time, a fraction, 'Z' or an offset: moved to UTC) or epoch
 *     milliseconds, and give UTC text "2026-11-23" and "2026-11-23 10:00:00[.ffffff]";
 *     date() of a time with an offset is the UTC date. sha256 gives lowercase hex.
 *   - Errors name the 1-based column (in characters) of the part that failed: the operator
 *     for division by zero, overflow and comparisons; the operand that is not a number.
 */
#ifndef SPOKE_EXPR_H
#define SPOKE_EXPR_H

#include "mapping/decimal.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum val_type {
	VAL_NULL,
	VAL_BOOL,
	VAL_NUM,  /* exact decimal */
	VAL_TEXT, /* UTF-8 text; also dates ("2026-11-23"), date-times and JSON objects/arrays */
};

struct expr_ctx;

/* A value. Text is owned by the evaluation's arena (expr_ctx), valid until expr_ctx_reset. */
struct val {
	enum val_type type;
	bool b;
	struct decimal num;
	const char *text; /* NUL-terminated */
	size_t len;
};

/*
 * Renders V as the text a database receives as a parameter: NULL for null; numbers in plain
 * notation without exponent ("23.88", "-5", "0.001"); text as is. Booleans become BOOL_TRUE or
 * BOOL_FALSE (a target picks "true"/"false" or "1"/"0"). The text lives in the arena.
 * Also NULL when the arena is out of memory.
 */
const char *val_to_param(struct expr_ctx *ctx, const struct val *v, const char *bool_true,
                         const char *bool_false);

/*
 * What a lookup() asks of the applier: the value of RESULT_COLUMN in the row of TABLE (in the
 * target named TARGET) where KEY_COLUMN = KEY (text). Returns 1 and sets *out (text in the
 * arena via expr_ctx_strdup, or NULL for SQL NULL) when the row exists, 0 when it does not
 * (the lookup yields null), -1 on failure with err filled and *transient set when retrying
 * may succeed (lost connection). The applier caches.
 */
typedef int (*expr_lookup_fn)(void *arg, const char *target, const char *table,
                              const char *key_column, const char *key, const char *result_column,
                              const char **out, bool *transient, char *err, size_t errlen);

/*
 * The event an expression reads, and where its values live. Zero-initialise, then set the
 * fields; reuse it from event to event with expr_ctx_reset (the arena keeps its memory, bounded
 * by the largest event).
 */
struct expr_ctx {
	/* The event: payload (the object holding before/after/op/source; never the schema
	 * wrapper), key (the message key's fields, or NULL), topic. For a delete, "after" paths
	 * read "before" (the row as it was): rules then need no special case for deletes. */
	json_t *payload;
	json_t *key;
	const char *topic;
	expr_lookup_fn lookup; /* NULL: lookup() fails, "lookup() is not available here" */
	void *lookup_arg;
	/* Set by expr_eval when it read an after.x path whose column the event lists in
	 * "unchanged" (a TOASTed value the source did not send): the caller leaves that target
	 * column out of an update. Reset it before each expr_eval. */
	bool read_unchanged;
	/* Set by expr_eval on failure when a retry may succeed (a lookup lost its connection). */
	bool transient;
	/* private: the arena */
	struct expr_arena *arena;
};

/* Copies S (LEN bytes, then a NUL) into the context's arena; NULL when out of memory. */
char *expr_ctx_strdup(struct expr_ctx *ctx, const char *s, size_t len);
/*
 * Frees what the evaluations allocated, keeping the arena's memory (up to 4 MiB) for the next
 * event; clears read_unchanged and transient.
 */
void expr_ctx_reset(struct expr_ctx *ctx);
/* Frees the arena. */
void expr_ctx_release(struct expr_ctx *ctx);

struct expr;

/*
 * Compiles SRC. On error returns NULL with err holding one line that gives the 1-based column
 * in SRC and what is wrong: "column 9: unknown function 'uper' (did you mean 'upper'?)",
 * "column 1: round takes 1 or 2 arguments, not 3", "column 14: unexpected ')'",
 * "column 5: unterminated string".
 */
struct expr *expr_compile(const char *src, char *err, size_t errlen);
void expr_free(struct expr *e);

/*
 * Evaluates E against CTX into *out. Returns 0, or -1 with err naming the problem and the
 * column of the failing part: "column 7: cannot use 'abc' as a number", "column 3: division by
 * zero", "column 1: decimal overflow" (ctx->transient says whether a retry may help). Text in
 * *out is always in the context's arena (copied there if it came from the event or from E),
 * so it stays valid after the event is freed, until expr_ctx_reset.
 */
int expr_eval(const struct expr *e, struct expr_ctx *ctx, struct val *out, char *err,
              size_t errlen);

/* True when V counts as true for "where" and if(): a true boolean. Null and false do not. */
bool val_is_true(const struct val *v);

/*
 * Calls FN for each lookup() in E with its constant target and table arguments (when they are
 * literals; NULL otherwise) and the column arguments: spoke check validates them against the
 * live schema. Returns the first non-zero FN result, else 0.
 */
typedef int (*expr_lookup_visit_fn)(void *arg, const char *target, const char *table,
                                    const char *key_column, const char *result_column);
int expr_visit_lookups(const struct expr *e, expr_lookup_visit_fn fn, void *arg);

#endif
