/* sqlgen: per-dialect SQL for the row operations of appliers (see sqlgen.h). */
#include "apply/sqlgen.h"

/* Appends the quoted column names FROM..TO-1, separated by SEP, each followed by SUFFIX. */
static void add_cols(const struct dialect *d, struct buf *out, const struct rowop *op, int from,
                     int to, const char *sep, const char *suffix)
{
	for (int i = from; i < to; i++) {
		if (i > from)
			buf_adds(out, sep);
		d->quote_ident(out, op->cols[i]);
		buf_adds(out, suffix);
	}
}

/* "k1 = ? AND k2 = ?" for the key columns. */
static void add_key_match(const struct dialect *d, struct buf *out, const struct rowop *op)
{
	add_cols(d, out, op, 0, op->nkey, " AND ", " = ?");
}

static void add_placeholders(struct buf *out, int n)
{
	for (int i = 0; i < n; i++)
		buf_adds(out, i ? ", ?" : "?");
}

/* The columns an upsert updates: not key, not unchanged. */
static bool updated(const struct rowop *op, int i)
{
	return i >= op->nkey && !op->unchanged[i];
}

/* "c = <new value of c>, ..." for the updated columns; false when there is none. */
static bool add_updates(const struct dialect *d, struct buf *out, const struct rowop *op,
                        const char *pre, const char *post)
{
	bool any = false;

	for (int i = op->nkey; i < op->n; i++) {
		if (!updated(op, i))
			continue;
		buf_adds(out, any ? ", " : "");
		d->quote_ident(out, op->cols[i]);
		buf_adds(out, " = ");
		buf_adds(out, pre);
		d->quote_ident(out, op->cols[i]);
		buf_adds(out, post);
		any = true;
	}
	return any;
}

/* INSERT INTO table (columns) VALUES (?, ...) with NROWS rows of placeholders. */
static void add_insert_rows(const struct dialect *d, struct buf *out, const char *table,
                            const struct rowop *op, int nrows)
{
	buf_adds(out, "INSERT INTO ");
	dialect_quote_name(d, out, table);
	buf_adds(out, " (");
	add_cols(d, out, op, 0, op->n, ", ", "");
	buf_adds(out, ") VALUES ");
	for (int r = 0; r < nrows; r++) {
		buf_adds(out, r ? ", (" : "(");
		add_placeholders(out, op->n);
		buf_adds(out, ")");
	}
}

static void add_insert(const struct dialect *d, struct buf *out, const char *table,
                       const struct rowop *op)
{
	add_insert_rows(d, out, table, op, 1);
}

static void add_upsert_on_conflict(const struct dialect *d, struct buf *out, const char *table,
                                   const struct rowop *op, int nrows)
{
	add_insert_rows(d, out, table, op, nrows);
	buf_adds(out, " ON CONFLICT (");
	add_cols(d, out, op, 0, op->nkey, ", ", "");
	buf_adds(out, ") DO ");
	size_t mark = out->len;
	buf_adds(out, "UPDATE SET ");
	if (!add_updates(d, out, op, "excluded.", "")) {
		out->len = mark;
		buf_adds(out, "NOTHING");
	}
}

static void add_upsert_on_duplicate(const struct dialect *d, struct buf *out, const char *table,
                                    const struct rowop *op, int nrows)
{
	add_insert_rows(d, out, table, op, nrows);
	buf_adds(out, " ON DUPLICATE KEY UPDATE ");
	if (!add_updates(d, out, op, "VALUES(", ")")) {
		/* Nothing to update: a no-op assignment keeps the existing row. */
		d->quote_ident(out, op->cols[0]);
		buf_adds(out, " = ");
		d->quote_ident(out, op->cols[0]);
	}
}

static void add_upsert_merge(const struct dialect *d, struct buf *out, const char *table,
                             const struct rowop *op)
{
	buf_adds(out, "MERGE INTO ");
	dialect_quote_name(d, out, table);
	buf_adds(out, " WITH (HOLDLOCK) AS t USING (SELECT ");
	for (int i = 0; i < op->n; i++) {
		buf_adds(out, i ? ", ? AS " : "? AS ");
		d->quote_ident(out, op->cols[i]);
	}
	buf_adds(out, ") AS s ON ");
	for (int i = 0; i < op->nkey; i++) {
		buf_adds(out, i ? " AND t." : "t.");
		d->quote_ident(out, op->cols[i]);
		buf_adds(out, " = s.");
		d->quote_ident(out, op->cols[i]);
	}
	size_t mark = out->len;
	buf_adds(out, " WHEN MATCHED THEN UPDATE SET ");
	if (!add_updates(d, out, op, "s.", ""))
		out->len = mark;
	buf_adds(out, " WHEN NOT MATCHED THEN INSERT (");
	add_cols(d, out, op, 0, op->n, ", ", "");
	buf_adds(out, ") VALUES (");
	for (int i = 0; i < op->n; i++) {
		buf_adds(out, i ? ", s." : "s.");
		d->quote_ident(out, op->cols[i]);
	}
	buf_adds(out, ");");
}

static void add_delete(const struct dialect *d, struct buf *out, const char *table,
                       const struct rowop *op)
{
	buf_adds(out, "DELETE FROM ");
	dialect_quote_name(d, out, table);
	buf_adds(out, " WHERE ");
	add_key_match(d, out, op);
}

static void add_update(const struct dialect *d, struct buf *out, const char *table,
                       const struct rowop *op)
{
	buf_adds(out, "UPDATE ");
	dialect_quote_name(d, out, table);
	buf_adds(out, " SET ");
	add_cols(d, out, op, op->nkey, op->n, ", ", " = ?");
	buf_adds(out, " WHERE ");
	add_key_match(d, out, op);
}

int sqlgen_rowop(const struct dialect *d, const char *table, const struct rowop *op,
                 struct buf *out, int *order)
{
	int n = 0;

	buf_reset(out);
	switch (op->kind) {
	case ROWOP_UPSERT:
		if (d->upsert == UPSERT_ON_CONFLICT)
			add_upsert_on_conflict(d, out, table, op, 1);
		else if (d->upsert == UPSERT_ON_DUPLICATE)
			add_upsert_on_duplicate(d, out, table, op, 1);
		else
			add_upsert_merge(d, out, table, op);
		for (int i = 0; i < op->n; i++)
			order[n++] = i;
		break;
	case ROWOP_INSERT:
		add_insert(d, out, table, op);
		for (int i = 0; i < op->n; i++)
			order[n++] = i;
		break;
	case ROWOP_DELETE:
		add_delete(d, out, table, op);
		for (int i = 0; i < op->nkey; i++)
			order[n++] = i;
		break;
	case ROWOP_UPDATE:
		add_update(d, out, table, op);
		for (int i = op->nkey; i < op->n; i++)
			order[n++] = i;
		for (int i = 0; i < op->nkey; i++)
			order[n++] = i;
		break;
	case ROWOP_SKIP:
		break;
	}
	return buf_ok(out) ? n : -1;
}

bool sqlgen_groupable(const struct dialect *d, const struct rowop *op)
{
	return op->kind == ROWOP_INSERT || (op->kind == ROWOP_UPSERT && d->upsert != UPSERT_MERGE);
}

int sqlgen_rows(const struct dialect *d, const char *table, const struct rowop *op, int nrows,
                struct buf *out)
{
	buf_reset(out);
	if (op->kind == ROWOP_INSERT)
		add_insert_rows(d, out, table, op, nrows);
	else if (d->upsert == UPSERT_ON_CONFLICT)
		add_upsert_on_conflict(d, out, table, op, nrows);
	else
		add_upsert_on_duplicate(d, out, table, op, nrows);
	return buf_ok(out) ? 0 : -1;
}
