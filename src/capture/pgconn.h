/* pgconn: opens libpq connections for capture with the session settings the decoder expects. */
#ifndef SPOKE_PGCONN_H
#define SPOKE_PGCONN_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * Connects with CONNINFO (a libpq string or URI), PASSWORD (may be NULL), APP as
 * application_name unless CONNINFO names one, and, when REPLICATION, replication=database.
 * Every session gets DateStyle ISO, TimeZone UTC, extra_float_digits 3, bytea_output hex and
 * IntervalStyle iso_8601, so values have one text form; other options of CONNINFO are kept.
 * Returns NULL with err filled (libpq's reason, which never holds the password).
 */
PGconn *pgconn_open(const char *conninfo, const char *password, const char *app, bool replication,
                    char *err, size_t errlen);

/*
 * Writes where CONNINFO connects, for messages: "host:port/dbname", with libpq's defaults and
 * environment (PGHOST, PGPORT, PGDATABASE, PGUSER) filling what it leaves out; a list of hosts
 * or ports as given; "(local socket)" as the host when none is set; "(conninfo not valid)" when
 * libpq cannot parse it. Never the password.
 */
void pgconn_label(const char *conninfo, char *out, size_t size);

/* Folds a multi-line server message into one line (newlines, tabs, runs of blanks). */
void pgconn_oneline(char *text);

/* Copies libpq's last error for CONN into err, one line, without the trailing newline. */
void pgconn_error(PGconn *conn, char *err, size_t errlen);

/*
 * Runs SQL with up to 3 text parameters (NULL-terminated list PARAMS may be NULL) and returns
 * the result when its status is OK (tuples or command), else NULL with err filled.
 */
PGresult *pgconn_exec(PGconn *conn, const char *sql, const char *const *params, int nparams,
                      char *err, size_t errlen);

#endif
