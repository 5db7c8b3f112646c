/* rules_eval: what one rule makes of one change event: a row operation (rules.h). */
#include "mapping/rules_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The operation rule R makes of an event with op OP, before "where" is asked. */
static enum rowop_kind kind_for(const struct rule *r, char op)
{
	switch (op) {
	case 'c':
	case 'r':
	case 'u':
		return r->mode == RULE_INSERT ? ROWOP_INSERT : ROWOP_UPSERT;
	case 'd':
		if (r->del == RULE_IGNORE_DELETE)
			return ROWOP_SKIP;
		if (r->mode == RULE_INSERT)
			return ROWOP_INSERT;
		return r->del == RULE_SOFT_DELETE ? ROWOP_UPDATE : ROWOP_DELETE;
	default:
		return ROWOP_SKIP; /* a tombstone (0), a truncate or a message */
	}
}

/* Makes room for N entries in OP's arrays. */
static int reserve(struct rowop *op, int n, char *err, size_t errlen)
{
	const char **cols;
	struct val *vals;
	bool *unchanged;

	if (n <= op->cap)
		return 0;
	cols = realloc(op->cols, (size_t)n * sizeof(*cols));
	if (cols)
		op->cols = cols;
	vals = cols ? realloc(op->vals, (size_t)n * sizeof(*vals)) : NULL;
	if (vals)
		op->vals = vals;
	unchanged = vals ? realloc(op->unchanged, (size_t)n * sizeof(*unchanged)) : NULL;
	if (!unchanged) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	op->unchanged = unchanged;
	op->cap = n;
	return 0;
}

/* Evaluates column C into entry I of OP; a null key column fails when KEYED. */
static int eval_col(const struct rule_col *c, struct expr_ctx *ctx, struct rowop *op, int i,
                    bool keyed, char *err, size_t errlen)
{
	char msg[512];

	ctx->read_unchanged = false;
	if (expr_eval(c->expr, ctx, &op->vals[i], msg, sizeof(msg)) < 0) {
		snprintf(err, errlen, "column '%s': %s", c->name, msg);
		return -1;
	}
	op->cols[i] = c->name;
	op->unchanged[i] = ctx->read_unchanged;
	if (keyed && c->key && op->vals[i].type == VAL_NULL) {
		snprintf(err, errlen, "key column '%s' is null", c->name);
		return -1;
	}
	return 0;
}

/* True when R's "where" lets the event through (no "where": always). */
static int eval_where(const struct rule *r, struct expr_ctx *ctx, bool *pass, char *err,
                      size_t errlen)
{
	char msg[512];
	struct val v;

	*pass = true;
	if (!r->where)
		return 0;
	ctx->read_unchanged = false;
	if (expr_eval(r->where->expr, ctx, &v, msg, sizeof(msg)) < 0) {
		snprintf(err, errlen, "where: %s", msg);
		return -1;
	}
	*pass = val_is_true(&v);
	return 0;
}

int rule_eval(const struct rule *r, const struct event *ev, struct expr_ctx *ctx, struct rowop *op,
              char *err, size_t errlen)
{
	enum rowop_kind kind = kind_for(r, ev->op);
	int n, nfirst;
	bool pass;

	op->kind = ROWOP_SKIP;
	op->rule = r;
	op->n = op->nkey = 0;
	memset(op->req, 0, sizeof(op->req));
	op->update_op = false;
	op->keytext = op->position = NULL;
	ctx->transient = false;
	if (r->http && ev->op == 'd' && !r->http->call[HTTP_DELETE].method)
		return 0; /* the rule ignores deletes */
	if (kind == ROWOP_SKIP)
		return 0;
	if (eval_where(r, ctx, &pass, err, errlen) < 0)
		return -1;
	if (!pass)
		return 0;
	if (r->http)
		return rules_eval_http(r, ev, ctx, op, err, errlen);
	/* DELETE: the key; UPDATE: the key, then the soft columns; else every column. */
	nfirst = kind == ROWOP_DELETE || kind == ROWOP_UPDATE ? r->nkey : r->ncols;
	n = nfirst + (kind == ROWOP_UPDATE ? r->nsoft : 0);
	if (reserve(op, n, err, errlen) < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		const struct rule_col *c = i < nfirst ? &r->cols[i] : &r->soft[i - nfirst];

		if (eval_col(c, ctx, op, i, kind != ROWOP_INSERT, err, errlen) < 0)
			return -1;
	}
	op->kind = kind;
	op->n = n;
	op->nkey = r->nkey;
	return 0;
}

void rowop_release(struct rowop *op)
{
	free(op->cols);
	free(op->vals);
	free(op->unchanged);
	memset(op, 0, sizeof(*op));
}
