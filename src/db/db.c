/* db: the driver table (one row per source/target type) and the calls every driver shares. */
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
};

struct db *db_open(const struct conf_section *sec, char *err, size_t errlen)
{
	const char *type = conf_str(sec, "type");
	const char *name = sec->name ? sec->name : "";

	for (size_t i = 0; type && i < sizeof(drivers) / sizeof(drivers[0]); i++)
		if (strcmp(type, drivers[i].type) == 0)
			return drivers[i].open(sec, err, errlen);
	snprintf(err, errlen, "[%s %s]: no database driver for type '%s' (known: mysql, odbc)",
	         sec->def->kind, name, type ? type : "");
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
	db->lost = false;
	return db->ops->query(db, sql, params, nparams, row, arg, err, errlen);
}

int db_exec(struct db *db, const char *sql, char *err, size_t errlen)
{
	return db_query(db, sql, NULL, 0, NULL, NULL, err, errlen);
}

int db_begin(struct db *db, char *err, size_t errlen)
{
	db->lost = false;
	return db->ops->begin(db, err, errlen);
}

int db_commit(struct db *db, char *err, size_t errlen)
{
	db->lost = false;
	return db->ops->commit(db, err, errlen);
}

int db_rollback(struct db *db, char *err, size_t errlen)
{
	db->lost = false;
	return db->ops->rollback(db, err, errlen);
}

bool db_lost(const struct db *db)
{
	return db->lost;
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
