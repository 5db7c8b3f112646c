/*
 * db: the driver table (one row per source/target type), the calls every driver shares, and the
 * one table that tells transient failures from permanent ones.
 */
#include "db/driver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *type;
	struct db *(*open)(const struct conf_section *sec, char *err, size_t errlen);
} drivers[] = {
    {"mysql", db_mysql_open},
    {"odbc", db_odbc_open},
    {"postgres", db_pg_open},
};

#define NDRIVERS (sizeof(drivers) / sizeof(drivers[0]))

/* Database products whose native error codes are the MariaDB/MySQL server's and client's. */
#define MYSQL_FAMILY "MariaDB|MySQL"

/*
 * Failures that may succeed when the transaction is retried. A diagnostic is transient when it
 * matches a row: every field that is set must match. Lost connections are transient too (see
 * db_transient) without being listed.
 */
static const struct transient_rule {
	const char *products; /* '|'-separated db_product names; NULL: any product */
	const char *sqlstate; /* a whole SQLSTATE, or a two-character class; NULL: any */
	long native;          /* the product's own error code; 0: any */
	const char *message;  /* a part of the message; NULL: any */
} transient_rules[] = {
    {NULL, "08", 0, NULL},            /* connection exception */
    {NULL, "40001", 0, NULL},         /* serialization failure (MySQL, SQL Server: deadlock) */
    {NULL, "40003", 0, NULL},         /* statement completion unknown */
    {NULL, "40P01", 0, NULL},         /* PostgreSQL: deadlock detected */
    {NULL, "55P03", 0, NULL},         /* PostgreSQL: lock not available (NOWAIT, lock_timeout) */
    {NULL, "53300", 0, NULL},         /* PostgreSQL: too many connections */
    {NULL, "57P01", 0, NULL},         /* PostgreSQL: admin shutdown, terminated backend */
    {NULL, "57P03", 0, NULL},         /* PostgreSQL: cannot connect now (starting up) */
    {NULL, "HYT00", 0, NULL},         /* ODBC: timeout expired */
    {NULL, "HYT01", 0, NULL},         /* ODBC: connection timeout expired */
    {MYSQL_FAMILY, NULL, 1205, NULL}, /* lock wait timeout exceeded */
    {MYSQL_FAMILY, NULL, 1213, NULL}, /* deadlock found */
    {MYSQL_FAMILY, NULL, 1040, NULL}, /* too many connections */
    {MYSQL_FAMILY, NULL, 1927, NULL}, /* connection killed */
    {MYSQL_FAMILY, NULL, 2006, NULL}, /* server has gone away */
    {MYSQL_FAMILY, NULL, 2013, NULL}, /* lost connection during query */
    {"Microsoft SQL Server", NULL, 1205, NULL}, /* deadlock victim */
    {"Microsoft SQL Server", NULL, 1222, NULL}, /* lock request timeout */
    {"SQLite", NULL, 5, NULL},                  /* SQLITE_BUSY */
    {"SQLite", NULL, 6, NULL},                  /* SQLITE_LOCKED */
    {"SQLite", NULL, 0, "database is locked"},
    {"SQLite", NULL, 0, "database table is locked"},
};

/* True when NAME is one of the '|'-separated names of LIST. */
static bool in_list(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; *p;) {
		const char *end = strchr(p, '|');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len == n && strncmp(p, name, n) == 0)
			return true;
		p += len + (end ? 1 : 0);
	}
	return false;
}

static bool rule_matches(const struct transient_rule *r, const char *product, const char *sqlstate,
                         long native, const char *message)
{
	if (r->products && !in_list(r->products, product))
		return false;
	if (r->sqlstate && strncmp(sqlstate, r->sqlstate, strlen(r->sqlstate)) != 0)
		return false;
	if (r->native && r->native != native)
		return false;
	return !r->message || strstr(message, r->message) != NULL;
}

void db_failure(struct db *db, const char *sqlstate, long native, const char *message, bool lost)
{
	sqlstate = sqlstate ? sqlstate : "";
	message = message ? message : "";
	if (!db->sqlstate[0] && strlen(sqlstate) == 5 && strcmp(sqlstate, "00000") != 0)
		memcpy(db->sqlstate, sqlstate, 6);
	db->lost = db->lost || lost;
	for (size_t i = 0;
	     !db->transient && i < sizeof(transient_rules) / sizeof(transient_rules[0]); i++)
		db->transient =
		    rule_matches(&transient_rules[i], db->product, sqlstate, native, message);
}

/* Forgets the last failure: each call reports its own. */
static void clear_failure(struct db *db)
{
	db->lost = false;
	db->transient = false;
	db->sqlstate[0] = '\0';
}

struct db *db_open(const struct conf_section *sec, char *err, size_t errlen)
{
	const char *type = conf_str(sec, "type");
	const char *name = sec->name ? sec->name : "";

	char known[128] = "";
	size_t used = 0;

	for (size_t i = 0; type && i < NDRIVERS; i++)
		if (strcmp(type, drivers[i].type) == 0)
			return drivers[i].open(sec, err, errlen);
	for (size_t i = 0; i < NDRIVERS && used < sizeof(known); i++) {
		int n = snprintf(known + used, sizeof(known) - used, "%s%s", i ? ", " : "",
		                 drivers[i].type);

		used += n > 0 ? (size_t)n : 0;
	}
	snprintf(err, errlen, "[%s %s]: no database driver for type '%s' (known: %s)",
	         sec->def->kind, name, type ? type : "", known);
	return NULL;
}

void db_close(struct db *db)
{
	if (db)
		db->ops->close(db);
}

int db_query(struct db *db, const char *sql, const char *const *params, int nparams, db_row_fn row,
             void *arg, char *err, size_t errlen)
{
	clear_failure(db);
	return db->ops->query(db, sql, params, nparams, row, arg, err, errlen);
}

int db_exec(struct db *db, const char *sql, char *err, size_t errlen)
{
	return db_query(db, sql, NULL, 0, NULL, NULL, err, errlen);
}

int db_begin(struct db *db, char *err, size_t errlen)
{
	clear_failure(db);
	return db->ops->begin(db, err, errlen);
}

int db_commit(struct db *db, char *err, size_t errlen)
{
	clear_failure(db);
	return db->ops->commit(db, err, errlen);
}

int db_rollback(struct db *db, char *err, size_t errlen)
{
	clear_failure(db);
	return db->ops->rollback(db, err, errlen);
}

bool db_lost(const struct db *db)
{
	return db->lost;
}

bool db_transient(const struct db *db)
{
	return db->lost || db->transient;
}

const char *db_sqlstate(const struct db *db)
{
	return db->sqlstate;
}

const char *db_product(const struct db *db)
{
	return db->product;
}

int db_row_init(struct db_row *r, int n, size_t initial, char *err, size_t errlen)
{
	size_t count = n > 0 ? (size_t)n : 1;

	memset(r, 0, sizeof(*r));
	r->buf = calloc(count, sizeof(*r->buf));
	r->cap = calloc(count, sizeof(*r->cap));
	r->vals = calloc(count, sizeof(*r->vals));
	r->lens = calloc(count, sizeof(*r->lens));
	if (!r->buf || !r->cap || !r->vals || !r->lens)
		goto fail;
	r->n = n;
	for (int i = 0; i < n; i++) {
		r->buf[i] = malloc(initial);
		if (!r->buf[i])
			goto fail;
		r->cap[i] = initial;
	}
	return 0;
fail:
	db_row_release(r);
	snprintf(err, errlen, "out of memory for a row of %d columns", n);
	return -1;
}

int db_row_reserve(struct db_row *r, int i, size_t need)
{
	size_t cap = r->cap[i];
	char *p;

	if (need <= cap)
		return 0;
	while (cap < need)
		cap = cap < 4096 ? 4096 : cap * 2;
	p = realloc(r->buf[i], cap);
	if (!p)
		return -1;
	r->buf[i] = p;
	r->cap[i] = cap;
	return 0;
}

void db_row_release(struct db_row *r)
{
	if (r->buf)
		for (int i = 0; i < r->n; i++)
			free(r->buf[i]);
	free(r->buf);
	free(r->cap);
	free(r->vals);
	free(r->lens);
	memset(r, 0, sizeof(*r));
}
