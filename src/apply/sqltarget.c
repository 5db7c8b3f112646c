/*
 * sqltarget: the database targets of appliers (PostgreSQL, MariaDB/MySQL, ODBC) through the
 * db/ drivers: row operations as single statements in the dialect of the database, offsets in
 * the table spoke_offsets of the same database, written in the same transaction.
 */
#include "apply/sqlcheck.h"
#include "apply/rowgroup.h"
#include "apply/sqlgen.h"
#include "apply/target.h"
#include "core/log.h"
#include "db/db.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct target {
	struct db *db;
	const struct dialect *d;
	char *name;    /* [target NAME] */
	char *applier; /* whose offsets */
	struct buf sql;
	int *order;
	const char **params;
	int cap;
	struct rowgroup group; /* rows not sent yet */
	struct buf multi;      /* the group's statement */
};

/* The dialect of SEC's database: fixed by its type, or the ODBC dialect key / the product. */
static const struct dialect *pick_dialect(const struct conf_section *sec, const struct db *db)
{
	const char *type = conf_str(sec, "type");

	if (strcmp(type, "postgres") == 0)
		return dialect_find("postgresql");
	if (strcmp(type, "mysql") == 0)
		return dialect_find("mysql");
	const char *want = conf_str(sec, "dialect");
	return strcmp(want, "auto") == 0 ? dialect_for_product(db_product(db)) : dialect_find(want);
}

static enum target_status failed(const struct target *t, const char *what, const char *why,
                                 char *err, size_t errlen)
{
	snprintf(err, errlen, "target %s: %s: %s", t->name, what, why);
	return db_transient(t->db) ? TARGET_TRANSIENT : TARGET_PERMANENT;
}

/*
 * Marks the session so that capture skips what it writes: the dialect's mark (trigger
 * capture), and on PostgreSQL also the replication origin spoke_<applier> (logical decoding:
 * sources skip origins matching skip_origins, "spoke*" by default).
 */
static enum target_status mark_session(struct target *t, char *err, size_t errlen)
{
	char why[512];

	if (db_exec(t->db, t->d->mark_session, why, sizeof(why)) < 0)
		return failed(t, "marking the session", why, err, errlen);
	if (strcmp(t->d->name, "postgresql") != 0)
		return TARGET_OK;

	char origin[256];
	snprintf(origin, sizeof(origin), "spoke_%s", t->applier);
	const char *p[] = {origin};
	if (db_query(t->db,
	             "SELECT pg_replication_origin_create(?) WHERE NOT EXISTS "
	             "(SELECT 1 FROM pg_replication_origin WHERE roname = ?)",
	             (const char *const[]){origin, origin}, 2, NULL, NULL, why, sizeof(why)) < 0 ||
	    db_query(t->db, "SELECT pg_replication_origin_session_setup(?)", p, 1, NULL, NULL, why,
	             sizeof(why)) < 0) {
		snprintf(err, errlen,
		         "target %s: cannot use replication origin %s, which keeps spoke's own "
		         "writes out of capture: %s (the user needs superuser, or EXECUTE on "
		         "pg_replication_origin_create and pg_replication_origin_session_setup)",
		         t->name, origin, why);
		return db_transient(t->db) ? TARGET_TRANSIENT : TARGET_PERMANENT;
	}
	return TARGET_OK;
}

static void sql_close(struct target *t)
{
	if (!t)
		return;
	db_close(t->db);
	buf_release(&t->sql);
	buf_release(&t->multi);
	rowgroup_release(&t->group);
	free(t->order);
	free(t->params);
	free(t->name);
	free(t->applier);
	free(t);
}

static struct target *sql_open(const struct config *cfg, const struct conf_section *sec,
                               const char *applier, bool *transient, char *err, size_t errlen)
{
	struct target *t = calloc(1, sizeof(*t));
	char why[512];

	(void)cfg;
	*transient = false;
	if (!t || !(t->name = strdup(sec->name)) ||
	    !(t->applier = strdup(applier ? applier : ""))) {
		snprintf(err, errlen, "target %s: out of memory", sec->name);
		goto fail;
	}
	buf_init(&t->sql);
	if (!(t->db = db_open(sec, why, sizeof(why)))) {
		snprintf(err, errlen, "target %s: %s", t->name, why);
		*transient = true;
		goto fail;
	}
	if (!(t->d = pick_dialect(sec, t->db))) {
		snprintf(err, errlen,
		         "target %s: spoke has no SQL dialect for %s (set dialect = mysql, "
		         "postgresql, sqlite or sqlserver)",
		         t->name, db_product(t->db));
		goto fail;
	}
	if (!t->applier[0])
		return t; /* spoke check: nothing to mark or create */
	enum target_status st = mark_session(t, err, errlen);
	/* Created when missing; a role that may not create tables uses one made for it. */
	if (st == TARGET_OK &&
	    db_query(t->db, "SELECT 1 FROM spoke_offsets WHERE 1 = 0", NULL, 0, NULL, NULL, why,
	             sizeof(why)) < 0 &&
	    (db_transient(t->db) || db_exec(t->db, t->d->offsets_ddl, why, sizeof(why)) < 0))
		st = failed(t, "creating table spoke_offsets", why, err, errlen);
	if (st != TARGET_OK) {
		*transient = st == TARGET_TRANSIENT;
		goto fail;
	}
	return t;
fail:
	sql_close(t);
	return NULL;
}

/* Room for N placeholders. */
static int reserve(struct target *t, int n)
{
	if (n <= t->cap)
		return 0;
	int *o = realloc(t->order, (size_t)n * sizeof(*o));
	if (!o)
		return -1;
	t->order = o;
	const char **p = realloc(t->params, (size_t)n * sizeof(*p));
	if (!p)
		return -1;
	t->params = p;
	t->cap = n;
	return 0;
}

struct offsets_read {
	target_offset_fn fn;
	void *arg;
};

static int offset_row(void *arg, int ncols, const char *const *vals, const size_t *lens, char *err,
                      size_t errlen)
{
	struct offsets_read *r = arg;

	(void)lens;
	if (ncols != 3 || !vals[0] || !vals[1] || !vals[2]) {
		snprintf(err, errlen, "spoke_offsets holds a malformed row");
		return -1;
	}
	r->fn(r->arg, vals[0], atoi(vals[1]), strtoll(vals[2], NULL, 10));
	return 0;
}

static enum target_status sql_load_offsets(struct target *t, target_offset_fn fn, void *arg,
                                           char *err, size_t errlen)
{
	struct offsets_read r = {fn, arg};
	const char *p[] = {t->applier};
	char why[512];

	if (db_query(t->db, "SELECT topic, part, next_offset FROM spoke_offsets WHERE applier = ?",
	             p, 1, offset_row, &r, why, sizeof(why)) < 0)
		return failed(t, "reading spoke_offsets", why, err, errlen);
	return TARGET_OK;
}

static enum target_status sql_begin(struct target *t, char *err, size_t errlen)
{
	char why[512];

	if (db_begin(t->db, why, sizeof(why)) < 0)
		return failed(t, "beginning a transaction", why, err, errlen);
	return TARGET_OK;
}

/* Sends the rows of the group in one statement. */
static enum target_status send_group(struct target *t, char *err, size_t errlen)
{
	struct rowgroup *g = &t->group;
	const char *const *params;
	char why[1024];

	if (g->nrows == 0)
		return TARGET_OK;
	if (sqlgen_rows(t->d, g->shape.rule->table, &g->shape, g->nrows, &t->multi) < 0 ||
	    !(params = rowgroup_params(g))) {
		rowgroup_reset(g);
		snprintf(err, errlen, "target %s: out of memory", t->name);
		return TARGET_TRANSIENT;
	}
	int rc = db_query(t->db, t->multi.data, params, g->nvals, NULL, NULL, why, sizeof(why));
	rowgroup_reset(g);
	if (rc < 0)
		return failed(t, g->shape.rule->table, why, err, errlen);
	return TARGET_OK;
}

/*
 * Inserts and upserts of one shape wait in the group to go as one statement (flushed when the
 * shape changes, a key repeats, the group is full, or the applier asks); anything else goes at
 * once, after the group.
 */
static enum target_status sql_apply(struct target *t, const struct rowop *op, struct expr_ctx *ctx,
                                    const struct target_change *ch, struct target_fail *fail,
                                    char *err, size_t errlen)
{
	enum target_status st;
	char why[1024];

	(void)ch;
	(void)fail;
	if (reserve(t, op->n) < 0) {
		snprintf(err, errlen, "target %s: out of memory", t->name);
		return TARGET_TRANSIENT;
	}
	int n = sqlgen_rowop(t->d, op->rule->table, op, &t->sql, t->order);
	if (n < 0) {
		snprintf(err, errlen, "target %s: out of memory", t->name);
		return TARGET_TRANSIENT;
	}
	for (int i = 0; i < n; i++)
		t->params[i] =
		    val_to_param(ctx, &op->vals[t->order[i]], t->d->bool_true, t->d->bool_false);
	bool group = sqlgen_groupable(t->d, op);
	if (!group || !rowgroup_fits(&t->group, t->sql.data, op, t->params))
		if ((st = send_group(t, err, errlen)) != TARGET_OK)
			return st;
	if (group) {
		if (rowgroup_add(&t->group, t->sql.data, op, t->params) == 0)
			return TARGET_OK;
		snprintf(err, errlen, "target %s: out of memory", t->name);
		return TARGET_TRANSIENT;
	}
	if (db_query(t->db, t->sql.data, t->params, n, NULL, NULL, why, sizeof(why)) < 0)
		return failed(t, op->rule->table, why, err, errlen);
	return TARGET_OK;
}

static enum target_status sql_save_offset(struct target *t, const char *topic, int part,
                                          int64_t next, char *err, size_t errlen)
{
	const char *cols[] = {"applier", "topic", "part", "next_offset"};
	bool unchanged[4] = {false, false, false, false};
	struct rowop op = {.kind = ROWOP_UPSERT, .n = 4, .nkey = 3, .cols = cols};
	char spart[16], snext[24], why[512];
	int order[4];

	op.unchanged = unchanged;
	snprintf(spart, sizeof(spart), "%d", part);
	snprintf(snext, sizeof(snext), "%" PRId64, next);
	const char *vals[] = {t->applier, topic, spart, snext};
	int n = sqlgen_rowop(t->d, "spoke_offsets", &op, &t->sql, order);
	if (n < 0) {
		snprintf(err, errlen, "target %s: out of memory", t->name);
		return TARGET_TRANSIENT;
	}
	const char *params[4];
	for (int i = 0; i < n; i++)
		params[i] = vals[order[i]];
	if (db_query(t->db, t->sql.data, params, n, NULL, NULL, why, sizeof(why)) < 0)
		return failed(t, "writing spoke_offsets", why, err, errlen);
	return TARGET_OK;
}

static enum target_status sql_commit(struct target *t, char *err, size_t errlen)
{
	char why[512];

	if (db_commit(t->db, why, sizeof(why)) < 0)
		return failed(t, "committing", why, err, errlen);
	return TARGET_OK;
}

static void sql_rollback(struct target *t)
{
	char why[256];

	rowgroup_reset(&t->group);
	if (db_rollback(t->db, why, sizeof(why)) < 0)
		log_debug("apply", "target %s: rollback: %s", t->name, why);
}

struct lookup_read {
	struct expr_ctx *ctx;
	const char **out;
	int found;
};

static int lookup_row(void *arg, int ncols, const char *const *vals, const size_t *lens, char *err,
                      size_t errlen)
{
	struct lookup_read *r = arg;

	if (r->found || ncols < 1)
		return 0;
	r->found = 1;
	*r->out = vals[0] ? expr_ctx_strdup(r->ctx, vals[0], lens[0]) : NULL;
	if (vals[0] && !*r->out) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static int sql_lookup(struct target *t, const char *table, const char *key_column, const char *key,
                      const char *result_column, struct expr_ctx *ctx, const char **out,
                      bool *transient, char *err, size_t errlen)
{
	struct lookup_read r = {ctx, out, 0};
	char why[512];

	buf_reset(&t->sql);
	buf_adds(&t->sql, "SELECT ");
	t->d->quote_ident(&t->sql, result_column);
	buf_adds(&t->sql, " FROM ");
	dialect_quote_name(t->d, &t->sql, table);
	buf_adds(&t->sql, " WHERE ");
	t->d->quote_ident(&t->sql, key_column);
	buf_adds(&t->sql, " = ?");
	*out = NULL;
	if (!buf_ok(&t->sql) ||
	    db_query(t->db, t->sql.data, &key, 1, lookup_row, &r, why, sizeof(why)) < 0) {
		*transient = !buf_ok(&t->sql) || db_transient(t->db);
		snprintf(err, errlen, "target %s: lookup in %s: %s", t->name, table,
		         buf_ok(&t->sql) ? why : "out of memory");
		return -1;
	}
	return r.found;
}

/* A failure of a statement of several rows is not pinned on one change: FAIL stays unset. */
static enum target_status sql_flush(struct target *t, struct target_fail *fail, char *err,
                                    size_t errlen)
{
	(void)fail;
	return send_group(t, err, errlen);
}

static int sql_check_table(struct target *t, const char *table, char *const *cols, int ncols,
                           char *const *key, int nkey, target_report_fn report, void *arg,
                           char *err, size_t errlen)
{
	return sqlcheck_table(t->db, t->d, t->name, table, cols, ncols, key, nkey, report, arg, err,
	                      errlen);
}

const struct target_ops sql_target_ops = {
    .open = sql_open,
    .load_offsets = sql_load_offsets,
    .begin = sql_begin,
    .apply = sql_apply,
    .flush = sql_flush,
    .save_offset = sql_save_offset,
    .commit = sql_commit,
    .rollback = sql_rollback,
    .lookup = sql_lookup,
    .check_table = sql_check_table,
    .close = sql_close,
};
