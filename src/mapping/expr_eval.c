/* expr_eval: evaluates a compiled expression against one change event. */
#include "mapping/expr_impl.h"

#include "core/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOCAL_ARGS 8 /* arguments evaluated into a stack array; more go to the arena */

int eval_fail(struct eval *ev, const struct node *n, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(ev->err, ev->errlen, "column %d: %s", n->col, msg);
	return -1;
}

int eval_oom(struct eval *ev, const struct node *n)
{
	return eval_fail(ev, n, "out of memory");
}

/* ---- paths ---- */

static bool is_delete(const json_t *payload)
{
	const char *op = json_string_value(json_object_get(payload, "op"));

	return op && strcmp(op, "d") == 0;
}

/* True when the event lists column NAME in "unchanged" (a value the source did not send). */
static bool is_unchanged(const json_t *payload, const char *name)
{
	json_t *list = json_object_get(payload, "unchanged");

	for (size_t i = 0; i < json_array_size(list); i++) {
		const char *s = json_string_value(json_array_get(list, i));

		if (s && strcmp(s, name) == 0)
			return true;
	}
	return false;
}

static int json_compact(struct eval *ev, const struct node *n, json_t *j, struct val *out)
{
	struct buf b = BUF_INIT;
	int rc;

	buf_add_json(&b, j);
	rc = buf_ok(&b) ? val_text_copy(ev, n, out, b.data, b.len) : eval_oom(ev, n);
	buf_release(&b);
	return rc;
}

/* The value of J (which may be NULL: a missing field) read at node N. */
static int json_value(struct eval *ev, const struct node *n, json_t *j, struct val *out)
{
	char num[40];
	struct decimal d;

	switch (j ? json_typeof(j) : JSON_NULL) {
	case JSON_STRING:
		val_text_ref(out, json_string_value(j), json_string_length(j));
		return 0;
	case JSON_INTEGER:
		decimal_from_int(&d, json_integer_value(j));
		val_num(out, &d);
		return 0;
	case JSON_REAL:
		buf_real_text(json_real_value(j), num, sizeof(num));
		if (decimal_parse(&d, num, strlen(num)) < 0)
			return eval_fail(ev, n, "the number %s does not fit a decimal", num);
		val_num(out, &d);
		return 0;
	case JSON_TRUE:
	case JSON_FALSE:
		val_bool(out, json_is_true(j));
		return 0;
	case JSON_OBJECT:
	case JSON_ARRAY:
		return json_compact(ev, n, j, out);
	case JSON_NULL:
		break;
	}
	val_null(out);
	return 0;
}

/* The object a path starts from. */
static json_t *path_start(const struct expr_ctx *ctx, enum path_root root)
{
	switch (root) {
	case ROOT_AFTER:
		return json_object_get(ctx->payload, is_delete(ctx->payload) ? "before" : "after");
	case ROOT_BEFORE:
		return json_object_get(ctx->payload, "before");
	case ROOT_KEY:
		return ctx->key;
	case ROOT_SOURCE:
		return json_object_get(ctx->payload, "source");
	case ROOT_OP:
		return json_object_get(ctx->payload, "op");
	case ROOT_TS_MS:
		return json_object_get(ctx->payload, "ts_ms");
	case ROOT_TOPIC:
		break;
	}
	return NULL;
}

static int eval_path(struct eval *ev, const struct node *n, struct val *out)
{
	struct expr_ctx *ctx = ev->ctx;
	json_t *j;

	if (n->root == ROOT_TOPIC) {
		if (ctx->topic)
			val_text_ref(out, ctx->topic, strlen(ctx->topic));
		else
			val_null(out);
		return 0;
	}
	j = path_start(ctx, n->root);
	for (int i = 0; i < n->nsegs && j; i++)
		j = json_is_object(j) ? json_object_get(j, n->segs[i]) : NULL;
	if (n->root == ROOT_AFTER && !is_delete(ctx->payload) &&
	    is_unchanged(ctx->payload, n->segs[0]))
		ctx->read_unchanged = true;
	return json_value(ev, n, j, out);
}

/* ---- operators ---- */

static int eval_neg(struct eval *ev, const struct node *n, struct val *out)
{
	struct decimal zero, x, r;

	if (eval_node(ev, n->kids[0], out) < 0)
		return -1;
	if (out->type == VAL_NULL)
		return 0;
	if (val_to_num(ev, n->kids[0], out, &x) < 0)
		return -1;
	decimal_from_int(&zero, 0);
	if (decimal_sub(&r, &zero, &x) < 0)
		return eval_fail(ev, n, "decimal overflow");
	val_num(out, &r);
	return 0;
}

static int eval_not(struct eval *ev, const struct node *n, struct val *out)
{
	if (eval_node(ev, n->kids[0], out) < 0 || val_check_bool(ev, n->kids[0], out) < 0)
		return -1;
	if (out->type == VAL_BOOL)
		out->b = !out->b;
	return 0;
}

static int eval_arith(struct eval *ev, const struct node *n, const struct val *a,
                      const struct val *b, struct val *out)
{
	struct decimal x, y, r;
	int rc;

	if (val_to_num(ev, n->kids[0], a, &x) < 0 || val_to_num(ev, n->kids[1], b, &y) < 0)
		return -1;
	rc = n->op == T_PLUS    ? decimal_add(&r, &x, &y)
	     : n->op == T_MINUS ? decimal_sub(&r, &x, &y)
	     : n->op == T_STAR  ? decimal_mul(&r, &x, &y)
	                        : decimal_div(&r, &x, &y);
	if (rc == -2)
		return eval_fail(ev, n, "division by zero");
	if (rc < 0)
		return eval_fail(ev, n, "decimal overflow");
	val_num(out, &r);
	return 0;
}

static int eval_concat(struct eval *ev, const struct node *n, const struct val *a,
                       const struct val *b, struct val *out)
{
	const char *s, *t;
	size_t ls, lt;
	char *p;

	if (val_to_text(ev, n->kids[0], a, &s, &ls) < 0 ||
	    val_to_text(ev, n->kids[1], b, &t, &lt) < 0)
		return -1;
	if (!(p = arena_alloc(ev->ctx->arena, ls + lt + 1)))
		return eval_oom(ev, n);
	memcpy(p, s, ls);
	memcpy(p + ls, t, lt);
	p[ls + lt] = '\0';
	val_text_ref(out, p, ls + lt);
	return 0;
}

/* Orders A and B into *cmp (-1, 0, 1), or fails when they cannot be compared. */
static int compare(struct eval *ev, const struct node *n, const struct val *a, const struct val *b,
                   int *cmp)
{
	char sa[64], sb[64];
	struct decimal x, y;
	size_t m;

	if ((a->type == VAL_NUM || b->type == VAL_NUM) &&
	    (a->type == VAL_NUM ||
	     (a->type == VAL_TEXT && decimal_parse(&x, a->text, a->len) == 0)) &&
	    (b->type == VAL_NUM ||
	     (b->type == VAL_TEXT && decimal_parse(&y, b->text, b->len) == 0))) {
		if (a->type == VAL_NUM)
			x = a->num;
		if (b->type == VAL_NUM)
			y = b->num;
		*cmp = decimal_cmp(&x, &y);
		return 0;
	}
	if (a->type == VAL_TEXT && b->type == VAL_TEXT) {
		m = a->len < b->len ? a->len : b->len;
		*cmp = memcmp(a->text, b->text, m);
		if (*cmp == 0)
			*cmp = a->len < b->len ? -1 : a->len > b->len;
		*cmp = *cmp < 0 ? -1 : *cmp > 0;
		return 0;
	}
	if (a->type == VAL_BOOL && b->type == VAL_BOOL) {
		*cmp = (int)a->b - (int)b->b;
		return 0;
	}
	val_describe(a, sa, sizeof(sa));
	val_describe(b, sb, sizeof(sb));
	return eval_fail(ev, n, "cannot compare %s with %s", sa, sb);
}

static int eval_compare(struct eval *ev, const struct node *n, const struct val *a,
                        const struct val *b, struct val *out)
{
	int c = 0;

	if (compare(ev, n, a, b, &c) < 0)
		return -1;
	switch (n->op) {
	case T_EQ:
		val_bool(out, c == 0);
		break;
	case T_NE:
		val_bool(out, c != 0);
		break;
	case T_LT:
		val_bool(out, c < 0);
		break;
	case T_LE:
		val_bool(out, c <= 0);
		break;
	case T_GT:
		val_bool(out, c > 0);
		break;
	default:
		val_bool(out, c >= 0);
		break;
	}
	return 0;
}

/* Arithmetic, || and comparisons: a null operand makes the result null. */
static int eval_binary(struct eval *ev, const struct node *n, struct val *out)
{
	struct val a, b;

	if (eval_node(ev, n->kids[0], &a) < 0 || eval_node(ev, n->kids[1], &b) < 0)
		return -1;
	if (a.type == VAL_NULL || b.type == VAL_NULL) {
		val_null(out);
		return 0;
	}
	switch (n->op) {
	case T_PLUS:
	case T_MINUS:
	case T_STAR:
	case T_SLASH:
		return eval_arith(ev, n, &a, &b, out);
	case T_CONCAT:
		return eval_concat(ev, n, &a, &b, out);
	default:
		return eval_compare(ev, n, &a, &b, out);
	}
}

/*
 * Three-valued "and" / "or": false and x is false, true or x is true (x is not evaluated);
 * otherwise null when either side is null.
 */
static int eval_logic(struct eval *ev, const struct node *n, struct val *out)
{
	bool decisive = n->kind == N_OR; /* the value that settles the result */
	struct val a, b;

	if (eval_node(ev, n->kids[0], &a) < 0 || val_check_bool(ev, n->kids[0], &a) < 0)
		return -1;
	if (a.type == VAL_BOOL && a.b == decisive) {
		*out = a;
		return 0;
	}
	if (eval_node(ev, n->kids[1], &b) < 0 || val_check_bool(ev, n->kids[1], &b) < 0)
		return -1;
	if (b.type == VAL_BOOL && b.b == decisive)
		*out = b;
	else if (a.type == VAL_NULL || b.type == VAL_NULL)
		val_null(out);
	else
		*out = a;
	return 0;
}

static int eval_case(struct eval *ev, const struct node *n, struct val *out)
{
	int pairs = (n->nkids - n->has_else) / 2;
	struct val c;

	for (int i = 0; i < pairs; i++) {
		const struct node *cond = n->kids[2 * i];

		if (eval_node(ev, cond, &c) < 0 || val_check_bool(ev, cond, &c) < 0)
			return -1;
		if (val_is_true(&c))
			return eval_node(ev, n->kids[2 * i + 1], out);
	}
	if (n->has_else)
		return eval_node(ev, n->kids[n->nkids - 1], out);
	val_null(out);
	return 0;
}

static int eval_call(struct eval *ev, const struct node *n, struct val *out)
{
	struct val local[LOCAL_ARGS];
	struct call c = {ev, n, local, n->nkids};
	bool has_null = false;

	if (n->fn->nulls == F_LAZY)
		return n->fn->fn(&c, out);
	if (n->nkids > LOCAL_ARGS &&
	    !(c.args = arena_alloc(ev->ctx->arena, sizeof(*c.args) * (size_t)n->nkids)))
		return eval_oom(ev, n);
	for (int i = 0; i < n->nkids; i++) {
		if (eval_node(ev, n->kids[i], &c.args[i]) < 0)
			return -1;
		has_null |= c.args[i].type == VAL_NULL;
	}
	if (has_null && n->fn->nulls == F_STRICT) {
		val_null(out);
		return 0;
	}
	return n->fn->fn(&c, out);
}

int eval_node(struct eval *ev, const struct node *n, struct val *out)
{
	switch (n->kind) {
	case N_LIT:
		*out = n->lit;
		return 0;
	case N_PATH:
		return eval_path(ev, n, out);
	case N_NEG:
		return eval_neg(ev, n, out);
	case N_NOT:
		return eval_not(ev, n, out);
	case N_BINARY:
		return eval_binary(ev, n, out);
	case N_AND:
	case N_OR:
		return eval_logic(ev, n, out);
	case N_ISNULL:
		if (eval_node(ev, n->kids[0], out) < 0)
			return -1;
		val_bool(out, (out->type == VAL_NULL) != n->negated);
		return 0;
	case N_CALL:
		return eval_call(ev, n, out);
	case N_CASE:
		return eval_case(ev, n, out);
	}
	return eval_fail(ev, n, "cannot evaluate this");
}

int expr_eval(const struct expr *e, struct expr_ctx *ctx, struct val *out, char *err, size_t errlen)
{
	struct eval ev = {ctx, err, errlen};

	ctx->transient = false;
	if (!ctx_arena(ctx)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (eval_node(&ev, e->root, out) < 0)
		return -1;
	/* Text borrowed from the event or the expression moves to the arena: it then lives as
	 * long as the header promises, whatever happens to the event. */
	if (out->type == VAL_TEXT && !arena_owns(ctx->arena, out->text))
		return val_text_copy(&ev, e->root, out, out->text, out->len);
	return 0;
}
