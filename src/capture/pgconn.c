/* pgconn: opens libpq connections for capture with the session settings the decoder expects. */
#include "capture/pgconn.h"

#include <stdio.h>
#include <string.h>

#define SESSION_OPTIONS                                                                            \
	"-c DateStyle=ISO -c TimeZone=UTC -c extra_float_digits=3 -c bytea_output=hex "            \
	"-c IntervalStyle=iso_8601"

void pgconn_error(PGconn *conn, char *err, size_t errlen)
{
	const char *msg = conn ? PQerrorMessage(conn) : "out of memory";
	size_t n;

	snprintf(err, errlen, "%s", msg);
	n = strlen(err);
	while (n > 0 && (err[n - 1] == '\n' || err[n - 1] == ' '))
		err[--n] = '\0';
	for (char *p = err; *p; p++)
		if (*p == '\n')
			*p = ' ';
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
		for (char *p = err; *p; p++)
			if (*p == '\n')
				*p = *(p + 1) ? ' ' : '\0';
	} else {
		pgconn_error(conn, err, errlen);
	}
	PQclear(res);
	return NULL;
}
