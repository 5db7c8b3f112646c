/* pg: the db driver for PostgreSQL servers, through libpq. */
#include "db/driver.h"
#include "capture/pgconn.h"
#include "core/log.h"

#include <libpq-fe.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The type of bytea values: a fixed OID (the server's pg_type.h is not for clients). */
#define BYTEA_OID    17
#define FIRST_BUFFER 64

struct pgdb {
	struct db base;
	PGconn *conn;
	struct buf sql;  /* the statement with $n placeholders, reused from query to query */
	char label[300]; /* host:port/dbname, for error messages */
};

static const struct db_ops pg_ops;

/* ------------------------------------------------------------------------------------------ */
/* Placeholders */

static bool ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '$' || (unsigned char)c >= 0x80;
}

/* End of the quoted text starting at P with QUOTE; BACKSLASH: \ escapes the next byte. */
static const char *skip_quote(const char *p, char quote, bool backslash)
{
	for (p++; *p; p++) {
		if (backslash && *p == '\\' && p[1]) {
			p++;
		} else if (*p == quote) {
			if (p[1] != quote)
				return p + 1;
			p++; /* a doubled quote stands for itself */
		}
	}
	return p;
}

/* End of the comment starting at P ("--" to the end of the line, or nested slash-star). */
static const char *skip_comment(const char *p)
{
	int depth = 0;

	if (p[0] == '-')
		return p + strcspn(p, "\n");
	for (; *p; p++) {
		if (p[0] == '/' && p[1] == '*') {
			depth++;
			p++;
		} else if (p[0] == '*' && p[1] == '/') {
			p++;
			if (--depth == 0)
				return p + 1;
		}
	}
	return p;
}

/* End of the dollar-quoted text starting at P ($tag$...$tag$), or P when it starts none. */
static const char *skip_dollar(const char *p)
{
	const char *tag_end = p + 1, *close;
	size_t taglen;
	char tag[128];

	if (ident_char(*tag_end) && !(*tag_end >= '0' && *tag_end <= '9'))
		while (ident_char(*tag_end) && *tag_end != '$')
			tag_end++;
	if (*tag_end != '$')
		return p;
	taglen = (size_t)(tag_end - p) + 1;
	if (taglen >= sizeof(tag))
		return p;
	memcpy(tag, p, taglen);
	tag[taglen] = '\0';
	close = strstr(tag_end + 1, tag);
	return close ? close + taglen : tag_end + 1 + strlen(tag_end + 1);
}

/*
 * The end of the quoted text or comment that starts at P (SQL starting at START), or P when
 * none starts there.
 */
static const char *skip_special(const char *start, const char *p)
{
	bool after_ident = p > start && ident_char(p[-1]);

	switch (*p) {
	case '\'': {
		/* E'...' (not the end of an identifier like "name'") takes backslash escapes. */
		bool e = after_ident && (p[-1] == 'E' || p[-1] == 'e') &&
		         (p - 1 == start || !ident_char(p[-2]));

		return skip_quote(p, '\'', e);
	}
	case '"':
		return skip_quote(p, '"', false);
	case '-':
		return p[1] == '-' ? skip_comment(p) : p;
	case '/':
		return p[1] == '*' ? skip_comment(p) : p;
	case '$':
		return after_ident ? p : skip_dollar(p);
	default:
		return p;
	}
}

int db_pg_placeholders(const char *sql, struct buf *out)
{
	int n = 0;

	for (const char *p = sql; *p;) {
		const char *end = skip_special(sql, p);

		if (end != p) {
			buf_add(out, p, (size_t)(end - p));
			p = end;
		} else if (*p == '?') {
			buf_addf(out, "$%d", ++n);
			p++;
		} else {
			buf_addc(out, *p++);
		}
	}
	if (!out->data)
		buf_adds(out, ""); /* an empty statement is still a string */
	return n;
}

/* ------------------------------------------------------------------------------------------ */
/* Failures */

/* A FATAL or PANIC error: the server closes the session after sending it. */
static bool ends_session(const PGresult *res)
{
	const char *severity = res ? PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED) : NULL;

	return severity && (strcmp(severity, "FATAL") == 0 || strcmp(severity, "PANIC") == 0);
}

/*
 * Writes "postgres LABEL: MESSAGE" (one line, scrubbed) and records the failure: RES's SQLSTATE
 * when there is a result, lost when libpq says the connection is bad or the server said it ends
 * the session.
 */
static void fail_with(struct pgdb *p, const PGresult *res, const char *message, char *err,
                      size_t errlen)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	bool lost = PQstatus(p->conn) == CONNECTION_BAD || ends_session(res);

	db_failure(&p->base, state, 0, message, lost);
	snprintf(err, errlen, "postgres %s: %s", p->label,
	         message && *message ? message : "failed without a message");
	pgconn_oneline(err);
	log_scrub(err, errlen);
}

static void result_error(struct pgdb *p, const PGresult *res, char *err, size_t errlen)
{
	const char *msg = res ? PQresultErrorMessage(res) : "";

	fail_with(p, res, *msg ? msg : PQerrorMessage(p->conn), err, errlen);
}

static void conn_error(struct pgdb *p, char *err, size_t errlen)
{
	fail_with(p, NULL, PQerrorMessage(p->conn), err, errlen);
}

/* ------------------------------------------------------------------------------------------ */
/* Connection */

struct db *db_pg_open(const struct conf_section *sec, char *err, size_t errlen)
{
	const char *conninfo = conf_str(sec, "conninfo");
	struct pgdb *p = calloc(1, sizeof(*p));
	char why[1024];

	if (!p) {
		snprintf(err, errlen, "postgres: out of memory");
		return NULL;
	}
	p->base.ops = &pg_ops;
	snprintf(p->base.product, sizeof(p->base.product), "PostgreSQL");
	buf_init(&p->sql);
	conninfo = conninfo ? conninfo : "";
	pgconn_label(conninfo, p->label, sizeof(p->label));
	p->conn =
	    pgconn_open(conninfo, conf_str(sec, "password"), "spoke", false, why, sizeof(why));
	if (!p->conn) {
		snprintf(err, errlen, "postgres %s: %s", p->label, why);
		log_scrub(err, errlen);
		free(p);
		return NULL;
	}
	return &p->base;
}

/* The server ends a transaction still open when the connection closes: that is the rollback. */
static void pg_db_close(struct db *db)
{
	struct pgdb *p = (struct pgdb *)db;

	PQfinish(p->conn);
	buf_release(&p->sql);
	free(p);
}

/* ------------------------------------------------------------------------------------------ */
/* Statements */

/* Column I of RES's row as bytes (bytea arrives as text: \x and hex digits) in R. */
static int bytea_value(struct pgdb *p, const PGresult *res, int i, struct db_row *r, char *err,
                       size_t errlen)
{
	size_t len = 0;
	unsigned char *raw = PQunescapeBytea((const unsigned char *)PQgetvalue(res, 0, i), &len);

	if (!raw || db_row_reserve(r, i, len + 1) != 0) {
		PQfreemem(raw);
		snprintf(err, errlen, "postgres %s: out of memory for a value", p->label);
		return -1;
	}
	memcpy(r->buf[i], raw, len);
	r->buf[i][len] = '\0';
	PQfreemem(raw);
	r->vals[i] = r->buf[i];
	r->lens[i] = len;
	return 0;
}

/* Hands the one row of RES (single-row mode) to ROW; text values point into RES. */
static int deliver(struct pgdb *p, const PGresult *res, struct db_row *r, db_row_fn row, void *arg,
                   char *err, size_t errlen)
{
	int n = PQnfields(res);

	if (!row)
		return 0;
	if (!r->vals && db_row_init(r, n, FIRST_BUFFER, err, errlen) != 0)
		return -1;
	for (int i = 0; i < n; i++) {
		if (PQgetisnull(res, 0, i)) {
			r->vals[i] = NULL;
			r->lens[i] = 0;
		} else if (PQftype(res, i) == BYTEA_OID) {
			if (bytea_value(p, res, i, r, err, errlen) != 0)
				return -1;
		} else {
			r->vals[i] = PQgetvalue(res, 0, i);
			r->lens[i] = (size_t)PQgetlength(res, 0, i);
		}
	}
	return row(arg, n, r->vals, r->lens, err, errlen);
}

/* A COPY the statement started is ended (COPY is not something db_query carries). */
static void end_copy(struct pgdb *p, ExecStatusType st, char *err, size_t errlen)
{
	char *data;

	if (st == PGRES_COPY_IN || st == PGRES_COPY_BOTH)
		PQputCopyEnd(p->conn, "COPY is not supported here");
	else
		while (PQgetCopyData(p->conn, &data, 0) > 0)
			PQfreemem(data);
	snprintf(err, errlen, "postgres %s: COPY is not supported through db_query", p->label);
}

/*
 * Reads every result of the statement sent: rows go to ROW, one at a time. After a failure (or
 * ROW stopping) the rest is still read, so the connection is ready for the next statement; the
 * first failure is the one reported, once all is read (libpq knows the connection is gone only
 * then).
 */
static int read_results(struct pgdb *p, db_row_fn row, void *arg, char *err, size_t errlen)
{
	struct db_row r = {0};
	PGresult *res, *failed = NULL;
	int rc = 0;

	while ((res = PQgetResult(p->conn)) != NULL) {
		ExecStatusType st = PQresultStatus(res);

		if (st == PGRES_SINGLE_TUPLE) {
			if (rc == 0)
				rc = deliver(p, res, &r, row, arg, err, errlen);
		} else if (st == PGRES_COPY_IN || st == PGRES_COPY_OUT || st == PGRES_COPY_BOTH) {
			if (rc == 0)
				end_copy(p, st, err, errlen);
			rc = -1;
		} else if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK &&
		           st != PGRES_EMPTY_QUERY) {
			if (rc == 0) {
				failed = res;
				res = NULL;
			}
			rc = -1;
		}
		PQclear(res);
	}
	if (failed) {
		result_error(p, failed, err, errlen);
		PQclear(failed);
	}
	db_row_release(&r);
	return rc;
}

static int pg_db_query(struct db *db, const char *sql, const char *const *params, int nparams,
                       db_row_fn row, void *arg, char *err, size_t errlen)
{
	struct pgdb *p = (struct pgdb *)db;
	int want;

	buf_reset(&p->sql);
	want = db_pg_placeholders(sql, &p->sql);
	if (!buf_ok(&p->sql)) {
		snprintf(err, errlen, "postgres %s: out of memory", p->label);
		return -1;
	}
	if (want != nparams) {
		snprintf(err, errlen,
		         "postgres %s: statement has %d placeholders, %d parameters given",
		         p->label, want, nparams);
		return -1;
	}
	if (!PQsendQueryParams(p->conn, p->sql.data, nparams, NULL, params, NULL, NULL, 0)) {
		conn_error(p, err, errlen);
		return -1;
	}
	/* Rows one at a time; cannot fail right after a successful send. */
	PQsetSingleRowMode(p->conn);
	return read_results(p, row, arg, err, errlen);
}

/* ------------------------------------------------------------------------------------------ */
/* Transactions */

static int pg_db_begin(struct db *db, char *err, size_t errlen)
{
	struct pgdb *p = (struct pgdb *)db;

	if (PQtransactionStatus(p->conn) == PQTRANS_INTRANS ||
	    PQtransactionStatus(p->conn) == PQTRANS_INERROR) {
		snprintf(err, errlen, "postgres %s: a transaction is already open", p->label);
		return -1;
	}
	return pg_db_query(db, "BEGIN", NULL, 0, NULL, NULL, err, errlen);
}

/*
 * Sends COMMIT or ROLLBACK (SQL) when a transaction is open. PostgreSQL answers the COMMIT of a
 * transaction that an earlier statement failed with "ROLLBACK" and no error: that is a failure
 * here, so a caller never takes a rolled-back transaction for a committed one.
 */
static int end_tx(struct pgdb *p, const char *sql, char *err, size_t errlen)
{
	PGresult *res;
	int rc = 0;

	if (PQtransactionStatus(p->conn) == PQTRANS_IDLE)
		return 0;
	res = PQexec(p->conn, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		result_error(p, res, err, errlen);
		rc = -1;
	} else if (strcmp(sql, "COMMIT") == 0 && strcmp(PQcmdStatus(res), "ROLLBACK") == 0) {
		snprintf(err, errlen,
		         "postgres %s: COMMIT rolled the transaction back: a statement in it had "
		         "failed",
		         p->label);
		rc = -1;
	}
	PQclear(res);
	return rc;
}

static int pg_db_commit(struct db *db, char *err, size_t errlen)
{
	return end_tx((struct pgdb *)db, "COMMIT", err, errlen);
}

static int pg_db_rollback(struct db *db, char *err, size_t errlen)
{
	return end_tx((struct pgdb *)db, "ROLLBACK", err, errlen);
}

static const struct db_ops pg_ops = {
    .close = pg_db_close,
    .query = pg_db_query,
    .begin = pg_db_begin,
    .commit = pg_db_commit,
    .rollback = pg_db_rollback,
};
