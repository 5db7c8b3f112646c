/*
 * db: the small database driver interface that trigger capture and SQL targets use: one
 * implementation per client library (mysql.c: libmysqlclient/libmariadb, odbc.c: unixODBC,
 * pg.c: libpq), one row each in the driver table of db.c.
 */
#ifndef SPOKE_DB_H
#define SPOKE_DB_H

#include "core/config.h"

#include <stdbool.h>
#include <stddef.h>

struct db;

/*
 * Called once per result row: VALS[i] is the text of column i (NUL-terminated, NULL for SQL
 * NULL), LENS[i] its length in bytes (binary columns may hold NUL bytes: use LENS). Valid only
 * during the call. Return 0 to go on, -1 to stop (db_query then returns -1, err as written by
 * the callback into the err buffer given to db_query).
 */
typedef int (*db_row_fn)(void *arg, int ncols, const char *const *vals, const size_t *lens,
                         char *err, size_t errlen);

/*
 * Connects with the connection keys of SEC ([source] or [target] of type mysql, odbc or
 * postgres: host/port/socket/user/password/database, connection/password, or
 * conninfo/password). Returns NULL with err naming the server (never the password) and why:
 * unreachable, refused, bad credentials, unknown database, missing ODBC driver (naming the
 * driver and the odbcinst.ini searched). PostgreSQL sessions get application_name spoke unless
 * conninfo sets one, and the text forms of capture (DateStyle ISO, TimeZone UTC,
 * extra_float_digits 3, bytea_output hex, IntervalStyle iso_8601). Unlike mysql (120 s), libpq
 * sets no time limit on a server that stops answering: conninfo's keepalives_idle and
 * tcp_user_timeout set one.
 */
struct db *db_open(const struct conf_section *sec, char *err, size_t errlen);
/* Closes the connection. Accepts NULL. */
void db_close(struct db *db);

/*
 * Runs SQL with NPARAMS text parameters (placeholders '?'; a NULL entry is SQL NULL) through
 * the driver's parameter binding, never by pasting values into SQL. ROW (may be NULL) receives
 * every result row, as it arrives: this layer holds one row at a time. The native mysql and
 * postgres drivers stream (postgres in libpq's single-row mode); ODBC drivers may buffer a
 * whole result first unless their connection string says otherwise (psqlodbc:
 * UseDeclareFetch=1; MariaDB Connector/ODBC 3.1.17+: NO_CACHE=1). ROW must not use DB itself,
 * and should not stall for minutes (a server may give up sending). When ROW stops, the rest of
 * the result is read and dropped. A statement without a result set (DDL, INSERT, SET) is fine.
 * Returns 0, or -1 with err filled.
 *
 * Values are the server's text forms (PostgreSQL booleans read t and f), except binary
 * columns (BLOB, VARBINARY, bytea), which hold their bytes. For postgres, SQL is one
 * statement, and every '?' outside quotes ('...', E'...', "...", $tag$...$tag$) and comments
 * is a placeholder, so the jsonb operators ?, ?| and ?& are written as functions there
 * (jsonb_exists, jsonb_exists_any, jsonb_exists_all).
 */
int db_query(struct db *db, const char *sql, const char *const *params, int nparams, db_row_fn row,
             void *arg, char *err, size_t errlen);
/* db_query without parameters and rows (DDL, SET, INSERT; transactions: db_begin). */
int db_exec(struct db *db, const char *sql, char *err, size_t errlen);

/*
 * Transactions. Statements run between db_begin and db_commit (or db_rollback) form one
 * transaction; outside them every statement commits on its own (autocommit). Use these rather
 * than db_exec("BEGIN"): ODBC drivers disagree on what a BEGIN statement does. Each returns 0,
 * or -1 with err filled. db_commit and db_rollback end the transaction even when they fail (the
 * connection is then back in autocommit; a failed commit leaves the outcome to the server).
 * db_close rolls back a transaction still open.
 */
int db_begin(struct db *db, char *err, size_t errlen);
int db_commit(struct db *db, char *err, size_t errlen);
int db_rollback(struct db *db, char *err, size_t errlen);

/*
 * What the last failed call (db_query, db_exec, db_begin, db_commit, db_rollback) says about
 * itself; a call that succeeds clears it.
 *
 * db_lost: the connection is gone (or timed out): db_close it and connect again.
 *
 * db_transient: the same work may succeed when retried: the connection was lost, or the server
 * gave up on it for now (deadlock, serialization failure, lock wait timeout, lock not
 * available, too many connections, server starting or shutting down, SQLite busy). Retry the
 * whole transaction: db_rollback (or reconnect when lost), then run it again from db_begin;
 * servers differ in how much of it a transient error undid. A lost db_commit may have
 * committed, so what is retried must be safe to apply twice. Everything else (constraint
 * violations, bad data, unknown columns, syntax) is permanent: retrying gives the same error.
 *
 * db_sqlstate: the five-character SQLSTATE of the failure, "" when the driver gave none (a
 * connection lost without a message, a failure of spoke's own, such as a wrong parameter count).
 */
bool db_lost(const struct db *db);
bool db_transient(const struct db *db);
const char *db_sqlstate(const struct db *db);
/* The database product, as the server names it ("MariaDB", "PostgreSQL", "SQLite", ...). */
const char *db_product(const struct db *db);

#endif
