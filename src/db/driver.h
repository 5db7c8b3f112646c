/*
 * driver: what each database driver of db/ (mysql.c, odbc.c, pg.c) provides to db.c, and the
 * helpers they share. Private to db/ (and its unit tests): callers use db.h.
 */
#ifndef SPOKE_DB_DRIVER_H
#define SPOKE_DB_DRIVER_H

#include "core/buf.h"
#include "db/db.h"

/* The operations of one driver; db.c clears the failure fields of struct db before each call. */
struct db_ops {
	void (*close)(struct db *db);
	int (*query)(struct db *db, const char *sql, const char *const *params, int nparams,
	             db_row_fn row, void *arg, char *err, size_t errlen);
	int (*begin)(struct db *db, char *err, size_t errlen);
	int (*commit)(struct db *db, char *err, size_t errlen);
	int (*rollback)(struct db *db, char *err, size_t errlen);
};

/*
 * The part of every connection that db.c knows. A driver embeds it as the first member of its
 * own struct, sets ops and product, and reports each failure of the server or the connection
 * through db_failure (which fills lost, transient and sqlstate).
 */
struct db {
	const struct db_ops *ops;
	bool lost;
	bool transient;
	char sqlstate[6];
	char product[64];
};

/* Each driver's open: the db_open contract, for its own section type. */
struct db *db_mysql_open(const struct conf_section *sec, char *err, size_t errlen);
struct db *db_odbc_open(const struct conf_section *sec, char *err, size_t errlen);
struct db *db_pg_open(const struct conf_section *sec, char *err, size_t errlen);

/*
 * Records one diagnostic of the failure the current call reports: its SQLSTATE (NULL or "" when
 * the driver has none), the driver's NATIVE error code (0 when none), its MESSAGE (may be NULL)
 * and whether the connection is LOST. Whether it is transient is decided here, by the table in
 * db.c, with db->product telling whose native codes and messages these are. A failure may have
 * several diagnostics (ODBC): the first SQLSTATE is kept, lost and transient add up.
 */
void db_failure(struct db *db, const char *sqlstate, long native, const char *message, bool lost);

/*
 * Appends SQL to OUT with every '?' placeholder turned into $1, $2, ... (PostgreSQL's form),
 * leaving alone what is inside quotes ('...', E'...' with backslash escapes, "...",
 * $tag$...$tag$) and comments (-- and nested slash-star). Returns the number of placeholders.
 */
int db_pg_placeholders(const char *sql, struct buf *out);

/*
 * The values of one result row while it is assembled: N columns, each a growable buffer that
 * is reused from row to row (so memory follows the largest row). Invariant: cap[i] > len[i]
 * once a value is stored, so every value can be NUL-terminated.
 */
struct db_row {
	int n;
	char **buf;
	size_t *cap;
	const char **vals; /* what the row callback receives: buf[i] or NULL for SQL NULL */
	size_t *lens;
};

/* Allocates N columns of INITIAL bytes each. Returns 0, or -1 with err filled. */
int db_row_init(struct db_row *r, int n, size_t initial, char *err, size_t errlen);
/* Grows column I to hold at least NEED bytes, keeping its content. Returns 0 or -1 (no memory). */
int db_row_reserve(struct db_row *r, int i, size_t need);
/* Frees the buffers; accepts a zeroed or released struct. */
void db_row_release(struct db_row *r);

#endif
