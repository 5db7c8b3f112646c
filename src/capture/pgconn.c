/* pgconn: opens libpq connections for capture with the session settings the decoder expects. */
#include "capture/pgconn.h"

#include "core/log.h"

#include <stdio.h>
#include <string.h>

#define SESSION_OPTIONS                                                                            \
	"-c DateStyle=ISO -c TimeZone=UTC -c extra_float_digits=3 -c bytea_output=hex "            \
	"-c IntervalStyle=iso_8601"

void pgconn_oneline(char *text)
{
	char *out = text;
	bool space = false;

	for (const char *p = text; *p; p++) {
		if (*p == '\n' || *p == '\t' || *p == ' ') {
			space = out != text;
			continue;
		}
		if (space)
			*out++ = ' ';
		space = false;
		*out++ = *p;
	}
	*out = '\0';
}

void pgconn_error(PGconn *conn, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s", conn ? PQerrorMessage(conn) : "out of memory");
	pgconn_oneline(err);
}

/* Server notices (WARNING: terminating connection ...) go to the log, not to stderr raw. */
static void on_notice(void *arg, const char *message)
{
	char line[1024];

	snprintf(line, sizeof(line), "%s", message);
	pgconn_oneline(line);
	(void)arg;
	log_debug("postgres", "%s", line);
}

PGconn *pgconn_open(const char *conninfo, const char *password, const char *app, bool replication,
                    char *err, size_t errlen)
{
	const char *keys[8], *vals[8];
	int n = 0;
	PGconn *conn;

	keys[n] = "dbname";
	vals[n++] = conninfo;
	if (password) {
		keys[n] = "password";
		vals[n++] = password;
	}
	keys[n] = "fallback_application_name";
	vals[n++] = app;
	keys[n] = "options";
	vals[n++] = SESSION_OPTIONS;
	if (replication) {
		keys[n] = "replication";
		vals[n++] = "database";
	}
	keys[n] = NULL;
	vals[n] = NULL;
	conn = PQconnectdbParams(keys, vals, 1);
	if (!conn || PQstatus(conn) != CONNECTION_OK) {
		pgconn_error(conn, err, errlen);
		PQfinish(conn);
		return NULL;
	}
	PQsetNoticeProcessor(conn, on_notice, NULL);
	return conn;
}

PGresult *pgconn_exec(PGconn *conn, const char *sql, const char *const *params, int nparams,
                      char *err, size_t errlen)
{
	PGresult *res = nparams ? PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0)
	                        : PQexec(conn, sql);
	ExecStatusType st = PQresultStatus(res);

	if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
		return res;
	if (res && PQresultErrorMessage(res)[0]) {
		snprintf(err, errlen, "%s", PQresultErrorMessage(res));
		pgconn_oneline(err);
	} else {
		pgconn_error(conn, err, errlen);
	}
	PQclear(res);
	return NULL;
}
