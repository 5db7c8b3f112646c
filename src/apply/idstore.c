/* idstore: an HTTP target's remote ids and offsets in one SQLite file (see idstore.h). */
#include "apply/idstore.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUSY_TIMEOUT_MS 10000

enum stmt { S_GET, S_PUT, S_DEL, S_SAVE, S_LOAD, S_NSTMTS };

static const char *const schema =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=FULL;"
    "CREATE TABLE IF NOT EXISTS remote_ids (applier TEXT NOT NULL, rule TEXT NOT NULL, "
    "  key TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (applier, rule, key)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS offsets (applier TEXT NOT NULL, topic TEXT NOT NULL, "
    "  part INTEGER NOT NULL, next_offset INTEGER NOT NULL, "
    "  PRIMARY KEY (applier, topic, part)) WITHOUT ROWID;";

static const char *const sql[S_NSTMTS] = {
    [S_GET] = "SELECT id FROM remote_ids WHERE applier = ?1 AND rule = ?2 AND key = ?3",
    [S_PUT] = "INSERT INTO remote_ids (applier, rule, key, id) VALUES (?1, ?2, ?3, ?4) "
              "ON CONFLICT (applier, rule, key) DO UPDATE SET id = excluded.id",
    [S_DEL] = "DELETE FROM remote_ids WHERE applier = ?1 AND rule = ?2 AND key = ?3",
    [S_SAVE] = "INSERT INTO offsets (applier, topic, part, next_offset) VALUES (?1, ?2, ?3, ?4) "
               "ON CONFLICT (applier, topic, part) DO UPDATE SET next_offset = "
               "excluded.next_offset",
    [S_LOAD] = "SELECT topic, part, next_offset FROM offsets WHERE applier = ?1",
};

struct idstore {
	sqlite3 *db;
	char *path;
	sqlite3_stmt *st[S_NSTMTS];
};

/* Fills err with "PATH: WHAT: sqlite's message" and returns -1. */
static int failed(const struct idstore *s, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: %s: %s", s->path, what,
	         s->db ? sqlite3_errmsg(s->db) : "out of memory");
	return -1;
}

struct idstore *idstore_open(const char *path, char *err, size_t errlen)
{
	struct idstore *s = calloc(1, sizeof(*s));

	if (!s || !(s->path = strdup(path))) {
		snprintf(err, errlen, "%s: out of memory", path);
		free(s);
		return NULL;
	}
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		failed(s, "cannot open", err, errlen);
		goto fail;
	}
	sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
	if (sqlite3_exec(s->db, schema, NULL, NULL, NULL) != SQLITE_OK) {
		failed(s, "cannot create the tables", err, errlen);
		goto fail;
	}
	for (int i = 0; i < S_NSTMTS; i++)
		if (sqlite3_prepare_v2(s->db, sql[i], -1, &s->st[i], NULL) != SQLITE_OK) {
			failed(s, "cannot prepare a statement", err, errlen);
			goto fail;
		}
	return s;
fail:
	idstore_close(s);
	return NULL;
}

void idstore_close(struct idstore *s)
{
	if (!s)
		return;
	for (int i = 0; i < S_NSTMTS; i++)
		sqlite3_finalize(s->st[i]);
	sqlite3_close(s->db);
	free(s->path);
	free(s);
}

static int exec(struct idstore *s, const char *stmt, const char *what, char *err, size_t errlen)
{
	return sqlite3_exec(s->db, stmt, NULL, NULL, NULL) == SQLITE_OK
	           ? 0
	           : failed(s, what, err, errlen);
}

int idstore_begin(struct idstore *s, char *err, size_t errlen)
{
	return exec(s, "BEGIN IMMEDIATE", "cannot begin a transaction", err, errlen);
}

int idstore_commit(struct idstore *s, char *err, size_t errlen)
{
	return exec(s, "COMMIT", "cannot commit", err, errlen);
}

void idstore_rollback(struct idstore *s)
{
	if (s && !sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Statement I with the NTEXT strings bound to ?1, ?2, ... */
static sqlite3_stmt *bind(struct idstore *s, enum stmt i, int ntext, ...)
{
	sqlite3_stmt *st = s->st[i];
	va_list ap;
	int rc = SQLITE_OK;

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	va_start(ap, ntext);
	for (int k = 1; k <= ntext && rc == SQLITE_OK; k++)
		rc = sqlite3_bind_text(st, k, va_arg(ap, const char *), -1, SQLITE_TRANSIENT);
	va_end(ap);
	return rc == SQLITE_OK ? st : NULL;
}

/* Runs ST, a statement without rows. */
static int run(struct idstore *s, sqlite3_stmt *st, const char *what, char *err, size_t errlen)
{
	int rc = st ? sqlite3_step(st) : SQLITE_NOMEM;

	if (st)
		sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : failed(s, what, err, errlen);
}

int idstore_get(struct idstore *s, const char *applier, const char *rule, const char *key,
                char **id, char *err, size_t errlen)
{
	sqlite3_stmt *st = bind(s, S_GET, 3, applier, rule, key);
	int rc = st ? sqlite3_step(st) : SQLITE_NOMEM;

	*id = NULL;
	if (rc == SQLITE_ROW)
		*id = strdup((const char *)sqlite3_column_text(st, 0));
	if (st)
		sqlite3_reset(st);
	if (rc == SQLITE_ROW && *id)
		return 1;
	return rc == SQLITE_DONE ? 0 : failed(s, "cannot read a remote id", err, errlen);
}

int idstore_put(struct idstore *s, const char *applier, const char *rule, const char *key,
                const char *id, char *err, size_t errlen)
{
	return run(s, bind(s, S_PUT, 4, applier, rule, key, id), "cannot store a remote id", err,
	           errlen);
}

int idstore_del(struct idstore *s, const char *applier, const char *rule, const char *key,
                char *err, size_t errlen)
{
	return run(s, bind(s, S_DEL, 3, applier, rule, key), "cannot forget a remote id", err,
	           errlen);
}

int idstore_save_offset(struct idstore *s, const char *applier, const char *topic, int part,
                        int64_t next, char *err, size_t errlen)
{
	sqlite3_stmt *st = bind(s, S_SAVE, 2, applier, topic);

	if (st && (sqlite3_bind_int(st, 3, part) != SQLITE_OK ||
	           sqlite3_bind_int64(st, 4, next) != SQLITE_OK))
		st = NULL;
	return run(s, st, "cannot store an offset", err, errlen);
}

int idstore_load_offsets(struct idstore *s, const char *applier,
                         void (*fn)(void *arg, const char *topic, int part, int64_t next),
                         void *arg, char *err, size_t errlen)
{
	sqlite3_stmt *st = bind(s, S_LOAD, 1, applier);
	int rc = st ? sqlite3_step(st) : SQLITE_NOMEM;

	for (; rc == SQLITE_ROW; rc = sqlite3_step(st))
		fn(arg, (const char *)sqlite3_column_text(st, 0), sqlite3_column_int(st, 1),
		   sqlite3_column_int64(st, 2));
	if (st)
		sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : failed(s, "cannot read the offsets", err, errlen);
}
