/* pgconn: opens libpq connections for capture with the session settings the decoder expects. */
#include "capture/pgconn.h"

#include "core/log.h"

#include <stdio.h>
#include <stdlib.h>
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

/* The value of KEY in OPTS (from PQconninfoParse or PQconndefaults), or NULL when unset. */
static const char *option(const PQconninfoOption *opts, const char *key)
{
	for (; opts && opts->keyword; opts++)
		if (strcmp(opts->keyword, key) == 0)
			return opts->val && opts->val[0] ? opts->val : NULL;
	return NULL;
}

/* Connection strings that libpq expands (others are a database name). */
static bool is_conninfo(const char *s)
{
	return strchr(s, '=') || strncmp(s, "postgresql://", 13) == 0 ||
	       strncmp(s, "postgres://", 11) == 0;
}

void pgconn_label(const char *conninfo, char *out, size_t size)
{
	PQconninfoOption *given = NULL, *defaults = PQconndefaults();
	const char *host, *port, *db;

	conninfo = conninfo ? conninfo : "";
	if (is_conninfo(conninfo) && !(given = PQconninfoParse(conninfo, NULL))) {
		snprintf(out, size, "(conninfo not valid)");
		PQconninfoFree(defaults);
		return;
	}
	host = option(given, "host");
	host = host ? host : option(given, "hostaddr");
	host = host ? host : option(defaults, "host");
	port = option(given, "port");
	port = port ? port : option(defaults, "port");
	db = is_conninfo(conninfo) ? option(given, "dbname") : (*conninfo ? conninfo : NULL);
	db = db ? db : option(defaults, "dbname");
	db = db ? db : option(given, "user");
	db = db ? db : option(defaults, "user");
	snprintf(out, size, "%s:%s/%s", host ? host : "(local socket)", port ? port : "5432",
	         db ? db : "?");
	PQconninfoFree(given);
	PQconninfoFree(defaults);
}

/* The options of CONNINFO followed by ours (later settings win): a new string, or NULL. */
static char *session_options(const char *conninfo)
{
	PQconninfoOption *given = is_conninfo(conninfo) ? PQconninfoParse(conninfo, NULL) : NULL;
	const char *own = option(given, "options");
	char *out;

	if (!own || asprintf(&out, "%s %s", own, SESSION_OPTIONS) < 0)
		out = strdup(SESSION_OPTIONS);
	PQconninfoFree(given);
	return out;
}

PGconn *pgconn_open(const char *conninfo, const char *password, const char *app, bool replication,
                    char *err, size_t errlen)
{
	const char *keys[8], *vals[8];
	char *options = session_options(conninfo);
	int n = 0;
	PGconn *conn;

	if (!options) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}

	keys[n] = "dbname";
	vals[n++] = conninfo;
	if (password) {
		keys[n] = "password";
		vals[n++] = password;
	}
	keys[n] = "fallback_application_name";
	vals[n++] = app;
	keys[n] = "options";
	vals[n++] = options;
	if (replication) {
		keys[n] = "replication";
		vals[n++] = "database";
	}
	keys[n] = NULL;
	vals[n] = NULL;
	conn = PQconnectdbParams(keys, vals, 1);
	free(options);
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
