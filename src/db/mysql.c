/* mysql: the db driver for MariaDB and MySQL servers, through libmariadb's mysql.h API. */
#include "db/driver.h"
#include "core/log.h"

#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * MariaDB's compat headers set MYSQL_VERSION_ID past 80000 too: LIBMARIADB tells them apart.
 * MySQL 8 replaced my_bool with bool in MYSQL_BIND and mysql_options.
 */
#if defined(LIBMARIADB) || MYSQL_VERSION_ID < 80000
typedef my_bool mybool;
#else
typedef bool mybool;
#endif

#define CONNECT_TIMEOUT_S 10
/* A dead server is noticed after this long without an answer (lock waits stay well below). */
#define IO_TIMEOUT_S 120
/* Streamed results: the server waits this long for a reader whose consumer is slow. */
#define INIT_COMMAND "SET net_write_timeout = 600"
#define FIRST_BUFFER 256

struct mydb {
	struct db base;
	MYSQL *conn;
	char label[300]; /* "host:port" or the socket path, for error messages */
};

static const struct db_ops mysql_ops;

static bool lost_errno(unsigned int code)
{
	switch (code) {
	case CR_SERVER_GONE_ERROR:
	case CR_SERVER_LOST:
	case CR_SERVER_LOST_EXTENDED:
	case CR_CONNECTION_ERROR:
	case CR_CONN_HOST_ERROR:
	case CR_UNKNOWN_HOST:
	case ER_SERVER_SHUTDOWN:
	case ER_NET_READ_ERROR:
	case ER_NET_READ_INTERRUPTED:
	case ER_NET_ERROR_ON_WRITE:
	case ER_NET_WRITE_INTERRUPTED:
#ifdef ER_CONNECTION_KILLED
	case ER_CONNECTION_KILLED:
#endif
#ifdef ER_CLIENT_INTERACTION_TIMEOUT
	case ER_CLIENT_INTERACTION_TIMEOUT:
#endif
		return true;
	default:
		return false;
	}
}

/* Writes "mysql LABEL: MESSAGE" and records the failure (CODE, SQLSTATE, lost or not). */
static void set_error(struct mydb *m, unsigned int code, const char *sqlstate, const char *message,
                      char *err, size_t errlen)
{
	db_failure(&m->base, sqlstate, (long)code, message, lost_errno(code));
	snprintf(err, errlen, "mysql %s: %s", m->label, message);
	log_scrub(err, errlen);
}

static void conn_error(struct mydb *m, char *err, size_t errlen)
{
	set_error(m, mysql_errno(m->conn), mysql_sqlstate(m->conn), mysql_error(m->conn), err,
	          errlen);
}

static void stmt_error(struct mydb *m, MYSQL_STMT *stmt, char *err, size_t errlen)
{
	set_error(m, mysql_stmt_errno(stmt), mysql_stmt_sqlstate(stmt), mysql_stmt_error(stmt), err,
	          errlen);
}

static int set_options(struct mydb *m, const char *socket)
{
	unsigned int connect = CONNECT_TIMEOUT_S, io = IO_TIMEOUT_S;
	mybool reconnect = 0;
	int rc = 0;

	rc |= mysql_options(m->conn, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	rc |= mysql_options(m->conn, MYSQL_OPT_CONNECT_TIMEOUT, &connect);
	rc |= mysql_options(m->conn, MYSQL_OPT_READ_TIMEOUT, &io);
	rc |= mysql_options(m->conn, MYSQL_OPT_WRITE_TIMEOUT, &io);
	rc |= mysql_options(m->conn, MYSQL_OPT_RECONNECT, &reconnect);
	rc |= mysql_options(m->conn, MYSQL_INIT_COMMAND, INIT_COMMAND);
	if (socket) {
		unsigned int protocol = MYSQL_PROTOCOL_SOCKET;

		rc |= mysql_options(m->conn, MYSQL_OPT_PROTOCOL, &protocol);
	}
	return rc == 0 ? 0 : -1;
}

/* "MariaDB" or "MySQL", from the server's version string ("10.11.6-MariaDB-0+deb12u1"). */
static void set_product(struct mydb *m)
{
	const char *version = mysql_get_server_info(m->conn);

	snprintf(m->base.product, sizeof(m->base.product), "%s",
	         version && strstr(version, "MariaDB") ? "MariaDB" : "MySQL");
}

struct db *db_mysql_open(const struct conf_section *sec, char *err, size_t errlen)
{
	const char *socket = conf_str(sec, "socket");
	const char *host = socket ? "localhost" : conf_str(sec, "host");
	unsigned int port = (unsigned int)conf_num(sec, "port");
	struct mydb *m = calloc(1, sizeof(*m));

	if (!m || !(m->conn = mysql_init(NULL))) {
		snprintf(err, errlen, "mysql: out of memory");
		free(m);
		return NULL;
	}
	m->base.ops = &mysql_ops;
	if (socket)
		snprintf(m->label, sizeof(m->label), "%s", socket);
	else
		snprintf(m->label, sizeof(m->label), "%s:%u", host ? host : "localhost", port);
	if (set_options(m, socket) != 0) {
		snprintf(err, errlen, "mysql %s: cannot set connection options", m->label);
		goto fail;
	}
	if (!mysql_real_connect(m->conn, host, conf_str(sec, "user"), conf_str(sec, "password"),
	                        conf_str(sec, "database"), port, socket, 0)) {
		conn_error(m, err, errlen);
		goto fail;
	}
	if (mysql_autocommit(m->conn, 1) != 0) { /* whatever the server's default */
		conn_error(m, err, errlen);
		goto fail;
	}
	set_product(m);
	return &m->base;
fail:
	mysql_close(m->conn);
	free(m);
	return NULL;
}

static void mysql_db_close(struct db *db)
{
	struct mydb *m = (struct mydb *)db;

	mysql_close(m->conn);
	free(m);
}

/* A statement without parameters: the text protocol, rows streamed with mysql_use_result. */
static int query_text(struct mydb *m, const char *sql, db_row_fn row, void *arg, char *err,
                      size_t errlen)
{
	MYSQL_RES *res;
	MYSQL_ROW r;
	size_t *lens = NULL;
	int rc = -1;
	unsigned int n;

	if (mysql_real_query(m->conn, sql, strlen(sql)) != 0) {
		conn_error(m, err, errlen);
		return -1;
	}
	res = mysql_use_result(m->conn);
	if (!res) {
		if (mysql_field_count(m->conn) == 0)
			return 0; /* no result set */
		conn_error(m, err, errlen);
		return -1;
	}
	n = mysql_num_fields(res);
	lens = calloc(n ? n : 1, sizeof(*lens));
	if (!lens) {
		snprintf(err, errlen, "mysql %s: out of memory", m->label);
		goto out;
	}
	while ((r = mysql_fetch_row(res)) != NULL) {
		const unsigned long *l = mysql_fetch_lengths(res);

		for (unsigned int i = 0; i < n; i++)
			lens[i] = l[i];
		if (row && row(arg, (int)n, (const char *const *)r, lens, err, errlen) != 0)
			goto out;
	}
	if (mysql_errno(m->conn) != 0) {
		conn_error(m, err, errlen);
		goto out;
	}
	rc = 0;
out:
	free(lens);
	mysql_free_result(res); /* reads and drops what is left of an abandoned result */
	return rc;
}

/* The parameters of a prepared statement, every one bound as a string (NULL as SQL NULL). */
struct params {
	MYSQL_BIND *bind;
	unsigned long *len;
	mybool *null;
};

static int bind_params(struct mydb *m, MYSQL_STMT *stmt, const char *const *params, int nparams,
                       struct params *p, char *err, size_t errlen)
{
	unsigned long want = mysql_stmt_param_count(stmt);
	size_t n = nparams > 0 ? (size_t)nparams : 1;

	if (want != (unsigned long)nparams) {
		snprintf(err, errlen,
		         "mysql %s: statement has %lu placeholders, %d parameters given", m->label,
		         want, nparams);
		return -1;
	}
	p->bind = calloc(n, sizeof(*p->bind));
	p->len = calloc(n, sizeof(*p->len));
	p->null = calloc(n, sizeof(*p->null));
	if (!p->bind || !p->len || !p->null) {
		snprintf(err, errlen, "mysql %s: out of memory", m->label);
		return -1;
	}
	for (int i = 0; i < nparams; i++) {
		p->bind[i].buffer_type = MYSQL_TYPE_STRING;
		p->bind[i].buffer = (void *)(uintptr_t)params[i]; /* only read */
		p->len[i] = params[i] ? strlen(params[i]) : 0;
		p->bind[i].buffer_length = p->len[i];
		p->bind[i].length = &p->len[i];
		p->null[i] = params[i] == NULL;
		p->bind[i].is_null = &p->null[i];
	}
	if (mysql_stmt_bind_param(stmt, p->bind) != 0) {
		stmt_error(m, stmt, err, errlen);
		return -1;
	}
	return 0;
}

static void params_release(struct params *p)
{
	free(p->bind);
	free(p->len);
	free(p->null);
}

/* The result columns of a prepared statement, fetched as strings into a db_row. */
struct results {
	struct db_row row;
	MYSQL_BIND *bind;
	unsigned long *len;
	mybool *null;
};

static void bind_results_to_row(struct results *r)
{
	for (int i = 0; i < r->row.n; i++) {
		r->bind[i].buffer_type = MYSQL_TYPE_STRING;
		r->bind[i].buffer = r->row.buf[i];
		r->bind[i].buffer_length = r->row.cap[i];
		r->bind[i].length = &r->len[i];
		r->bind[i].is_null = &r->null[i];
	}
}

static int results_init(struct mydb *m, MYSQL_STMT *stmt, unsigned int n, struct results *r,
                        char *err, size_t errlen)
{
	size_t count = n ? n : 1;

	if (db_row_init(&r->row, (int)n, FIRST_BUFFER, err, errlen) != 0)
		return -1;
	r->bind = calloc(count, sizeof(*r->bind));
	r->len = calloc(count, sizeof(*r->len));
	r->null = calloc(count, sizeof(*r->null));
	if (!r->bind || !r->len || !r->null) {
		snprintf(err, errlen, "mysql %s: out of memory", m->label);
		return -1;
	}
	bind_results_to_row(r);
	if (mysql_stmt_bind_result(stmt, r->bind) != 0) {
		stmt_error(m, stmt, err, errlen);
		return -1;
	}
	return 0;
}

static void results_release(struct results *r)
{
	db_row_release(&r->row);
	free(r->bind);
	free(r->len);
	free(r->null);
}

/*
 * Completes the fetched row: a value longer than its buffer (or exactly as long, leaving no
 * room for the NUL) gets a bigger buffer and is fetched again whole with
 * mysql_stmt_fetch_column; the results are then bound to the new buffers for the next row.
 */
static int complete_row(struct mydb *m, MYSQL_STMT *stmt, struct results *r, char *err,
                        size_t errlen)
{
	bool rebind = false;

	for (int i = 0; i < r->row.n; i++) {
		size_t len = r->len[i], had = r->row.cap[i];

		if (r->null[i]) {
			r->row.vals[i] = NULL;
			r->row.lens[i] = 0;
			continue;
		}
		if (len >= had) {
			if (db_row_reserve(&r->row, i, len + 1) != 0) {
				snprintf(err, errlen,
				         "mysql %s: out of memory for a value of %zu bytes",
				         m->label, len);
				return -1;
			}
			rebind = true;
			bind_results_to_row(r);
			if (len > had &&
			    mysql_stmt_fetch_column(stmt, &r->bind[i], (unsigned)i, 0)) {
				stmt_error(m, stmt, err, errlen);
				return -1;
			}
		}
		r->row.buf[i][len] = '\0';
		r->row.vals[i] = r->row.buf[i];
		r->row.lens[i] = len;
	}
	if (rebind && mysql_stmt_bind_result(stmt, r->bind) != 0) {
		stmt_error(m, stmt, err, errlen);
		return -1;
	}
	return 0;
}

static int fetch_rows(struct mydb *m, MYSQL_STMT *stmt, unsigned int n, db_row_fn row, void *arg,
                      char *err, size_t errlen)
{
	struct results r = {0};
	int rc = -1, st;

	if (results_init(m, stmt, n, &r, err, errlen) != 0)
		goto out;
	while ((st = mysql_stmt_fetch(stmt)) == 0 || st == MYSQL_DATA_TRUNCATED) {
		if (complete_row(m, stmt, &r, err, errlen) != 0)
			goto out;
		if (row && row(arg, r.row.n, r.row.vals, r.row.lens, err, errlen) != 0)
			goto out;
	}
	if (st != MYSQL_NO_DATA) {
		stmt_error(m, stmt, err, errlen);
		goto out;
	}
	rc = 0;
out:
	results_release(&r);
	return rc;
}

/* A statement with parameters: prepared, executed, its rows fetched unbuffered as strings. */
static int query_prepared(struct mydb *m, const char *sql, const char *const *params, int nparams,
                          db_row_fn row, void *arg, char *err, size_t errlen)
{
	MYSQL_STMT *stmt = mysql_stmt_init(m->conn);
	struct params p = {0};
	MYSQL_RES *meta = NULL;
	int rc = -1;

	if (!stmt) {
		conn_error(m, err, errlen);
		return -1;
	}
	if (mysql_stmt_prepare(stmt, sql, strlen(sql)) != 0) {
		stmt_error(m, stmt, err, errlen);
		goto out;
	}
	if (bind_params(m, stmt, params, nparams, &p, err, errlen) != 0)
		goto out;
	if (mysql_stmt_execute(stmt) != 0) {
		stmt_error(m, stmt, err, errlen);
		goto out;
	}
	meta = mysql_stmt_result_metadata(stmt);
	if (!meta) {
		rc = mysql_stmt_errno(stmt) == 0 ? 0 : -1; /* 0: no result set */
		if (rc != 0)
			stmt_error(m, stmt, err, errlen);
		goto out;
	}
	rc = fetch_rows(m, stmt, mysql_num_fields(meta), row, arg, err, errlen);
out:
	if (meta)
		mysql_free_result(meta);
	params_release(&p);
	mysql_stmt_close(stmt); /* also drops rows left unread */
	return rc;
}

static int mysql_db_query(struct db *db, const char *sql, const char *const *params, int nparams,
                          db_row_fn row, void *arg, char *err, size_t errlen)
{
	struct mydb *m = (struct mydb *)db;

	if (nparams > 0)
		return query_prepared(m, sql, params, nparams, row, arg, err, errlen);
	return query_text(m, sql, row, arg, err, errlen);
}

static int mysql_db_begin(struct db *db, char *err, size_t errlen)
{
	return query_text((struct mydb *)db, "START TRANSACTION", NULL, NULL, err, errlen);
}

static int mysql_db_commit(struct db *db, char *err, size_t errlen)
{
	struct mydb *m = (struct mydb *)db;

	if (mysql_commit(m->conn) != 0) {
		conn_error(m, err, errlen);
		return -1;
	}
	return 0;
}

static int mysql_db_rollback(struct db *db, char *err, size_t errlen)
{
	struct mydb *m = (struct mydb *)db;

	if (mysql_rollback(m->conn) != 0) {
		conn_error(m, err, errlen);
		return -1;
	}
	return 0;
}

static const struct db_ops mysql_ops = {
    .close = mysql_db_close,
    .query = mysql_db_query,
    .begin = mysql_db_begin,
    .commit = mysql_db_commit,
    .rollback = mysql_db_rollback,
};
