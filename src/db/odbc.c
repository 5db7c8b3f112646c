/* odbc: the db driver for any database with an ODBC driver, through unixODBC. */
#include "db/driver.h"
#include "core/buf.h"
#include "core/connstr.h"
#include "core/log.h"

#include <sql.h>
#include <sqlext.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define LOGIN_TIMEOUT_S 10
#define FIRST_BUFFER    256
/* Text parameters longer than this are bound as SQL_LONGVARCHAR. */
#define LONG_PARAM 4000
/* SQLSetConnectAttr takes small integers as pointers. */
#define ATTR_INT(v) ((SQLPOINTER)(uintptr_t)(v))

struct odb {
	struct db base;
	SQLHENV env;
	SQLHDBC dbc;
	bool connected;
	bool in_tx;
	char label[300]; /* DSN / Driver / Server / Port / Database parts: never a password */
};

static const struct db_ops odbc_ops;

/* What the diagnostic records of a failed connect said, beyond their text. */
struct diag {
	bool no_source;   /* IM002: data source (or driver) not found */
	bool cannot_load; /* the driver manager could not open the driver's library */
};

/* Appends MSG to OUT with line breaks and tabs turned into single spaces. */
static void add_flat(struct buf *out, const char *msg)
{
	bool space = false;

	for (const char *p = msg; *p; p++) {
		if (*p == '\n' || *p == '\r' || *p == '\t') {
			space = true;
			continue;
		}
		if (space && out->len > 0 && out->data[out->len - 1] != ' ')
			buf_addc(out, ' ');
		space = false;
		buf_addc(out, *p);
	}
}

/*
 * True when a record means the connection is gone: SQLSTATE class 08, a timeout (HYT00,
 * HYT01), PostgreSQL's shutdown states (psqlodbc reports a terminated backend as 57P01), or
 * for MariaDB/MySQL (PRODUCT) the server's own codes, which Connector/ODBC maps to HY000 or
 * HY018: server gone (2006), lost (2013), shutdown (1053), connection killed (1927).
 */
static bool lost_state(const char *state, SQLINTEGER native, const char *product)
{
	static const char *const states[] = {"HYT00", "HYT01", "57P01", "57P02", "57P03"};

	if (strncmp(state, "08", 2) == 0)
		return true;
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		if (strcmp(state, states[i]) == 0)
			return true;
	if (strcmp(product, "MariaDB") == 0 || strcmp(product, "MySQL") == 0)
		return native == 2006 || native == 2013 || native == 1053 || native == 1927;
	return false;
}

/*
 * Appends every diagnostic record of H as "[SQLSTATE] message", separated by "; ", and records
 * each one with db_failure (lost when lost_state() says so).
 */
static void collect_diag(struct odb *o, SQLSMALLINT type, SQLHANDLE h, struct buf *out,
                         struct diag *d)
{
	SQLCHAR state[6], msg[1024];
	SQLINTEGER native;
	SQLSMALLINT len;

	for (SQLSMALLINT i = 1;; i++) {
		SQLRETURN rc = SQLGetDiagRec(type, h, i, state, &native, msg, sizeof(msg), &len);

		if (!SQL_SUCCEEDED(rc))
			break;
		if (out->len > 0)
			buf_adds(out, "; ");
		buf_addf(out, "[%s] ", (char *)state);
		add_flat(out, (char *)msg);
		db_failure(&o->base, (char *)state, (long)native, (char *)msg,
		           lost_state((char *)state, native, o->base.product));
		if (strcmp((char *)state, "IM002") == 0)
			d->no_source = true;
		if (strstr((char *)msg, "Can't open lib") || strcmp((char *)state, "IM003") == 0)
			d->cannot_load = true;
	}
	while (out->len > 0 && out->data[out->len - 1] == ' ')
		out->data[--out->len] = '\0';
}

/* Fills err with "odbc LABEL: " and the diagnostic records of H, which it records. */
static void odbc_error(struct odb *o, SQLSMALLINT type, SQLHANDLE h, char *err, size_t errlen)
{
	struct buf msg = BUF_INIT;
	struct diag d = {0};

	collect_diag(o, type, h, &msg, &d);
	snprintf(err, errlen, "odbc %s: %s", o->label,
	         msg.len > 0 ? msg.data : "failed without a diagnostic record");
	buf_release(&msg);
	log_scrub(err, errlen);
}

/*
 * Finds the next key=value attribute of an ODBC connection string at S (values plain or
 * {braced}, "}}" standing for "}" inside braces). Returns the position after it, or NULL at
 * the end.
 */
static const char *next_attr(const char *s, const char **key, size_t *klen, const char **val,
                             size_t *vlen)
{
	while (*s == ';' || *s == ' ')
		s++;
	if (!*s)
		return NULL;
	*key = s;
	while (*s && *s != '=' && *s != ';')
		s++;
	*klen = (size_t)(s - *key);
	while (*klen > 0 && (*key)[*klen - 1] == ' ')
		(*klen)--;
	*val = s;
	if (*s == '=')
		*val = ++s;
	if (*s == '{') {
		for (s++; *s && !(*s == '}' && s[1] != '}'); s++)
			if (*s == '}')
				s++;
		if (*s)
			s++;
	}
	while (*s && *s != ';')
		s++;
	*vlen = (size_t)(s - *val);
	return s;
}

static bool key_is(const char *key, size_t klen, const char *name)
{
	return klen == strlen(name) && strncasecmp(key, name, klen) == 0;
}

/* The attributes that name where a connection goes; never the password or other options. */
static bool is_label_key(const char *key, size_t klen)
{
	static const char *const names[] = {"DSN",  "FILEDSN", "Driver",  "Server",
	                                    "Host", "Port",    "Database"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (key_is(key, klen, names[i]))
			return true;
	return false;
}

static void make_label(const char *conn, char *label, size_t size)
{
	const char *key, *val, *p = conn;
	size_t klen, vlen, used = 0;

	label[0] = '\0';
	while ((p = next_attr(p, &key, &klen, &val, &vlen)) != NULL) {
		int n;

		if (!is_label_key(key, klen) || used >= size)
			continue;
		n = snprintf(label + used, size - used, "%s%.*s=%.*s", used ? ";" : "", (int)klen,
		             key, (int)vlen, val);
		used += n > 0 ? (size_t)n : 0;
	}
	if (!label[0])
		snprintf(label, size, "(connection string without DSN or Driver)");
}

/* Copies the value of attribute NAME of CONN into OUT, without braces. False when absent. */
static bool attr_value(const char *conn, const char *name, char *out, size_t size)
{
	const char *key, *val, *p = conn;
	size_t klen, vlen, n = 0;

	while ((p = next_attr(p, &key, &klen, &val, &vlen)) != NULL) {
		if (!key_is(key, klen, name))
			continue;
		if (vlen >= 2 && val[0] == '{' && val[vlen - 1] == '}') {
			val++;
			vlen -= 2;
		}
		for (size_t i = 0; i < vlen && n + 1 < size; i++) {
			out[n++] = val[i];
			if (val[i] == '}' && i + 1 < vlen && val[i + 1] == '}')
				i++;
		}
		out[n] = '\0';
		return true;
	}
	return false;
}

/* The odbcinst.ini unixODBC reads: $ODBCSYSINI (default /etc) / $ODBCINSTINI (odbcinst.ini). */
static void odbcinst_path(char *out, size_t size)
{
	const char *dir = getenv("ODBCSYSINI"), *name = getenv("ODBCINSTINI");

	snprintf(out, size, "%s/%s", dir && *dir ? dir : "/etc",
	         name && *name ? name : "odbcinst.ini");
}

/* The user and system odbc.ini files unixODBC reads DSNs from. */
static void odbcini_paths(char *out, size_t size)
{
	const char *user = getenv("ODBCINI"), *home = getenv("HOME"), *dir = getenv("ODBCSYSINI");
	char sys[512];

	snprintf(sys, sizeof(sys), "%s/odbc.ini", dir && *dir ? dir : "/etc");
	if (user && *user && strcmp(user, sys) == 0)
		snprintf(out, size, "%s", sys);
	else if (user && *user)
		snprintf(out, size, "%s or %s", user, sys);
	else
		snprintf(out, size, "%s/.odbc.ini or %s", home ? home : "~", sys);
}

/*
 * A driver unixODBC could not load. When odbcinst.ini has no section of that name, unixODBC
 * tries the name itself as a library file, and says it cannot open that: "not installed".
 */
static void driver_error(struct odb *o, const char *name, const char *diag, char *err,
                         size_t errlen)
{
	char inst[512], cannot[300];

	odbcinst_path(inst, sizeof(inst));
	snprintf(cannot, sizeof(cannot), "Can't open lib '%s'", name);
	if (!strchr(name, '/') && (strstr(diag, cannot) || strstr(diag, "[IM002]")))
		snprintf(err, errlen,
		         "odbc %s: ODBC driver '%s' is not installed: %s has no [%s] section (%s)",
		         o->label, name, inst, name, diag);
	else
		snprintf(
		    err, errlen,
		    "odbc %s: ODBC driver '%s' cannot be loaded (drivers are listed in %s): %s",
		    o->label, name, inst, diag);
}

/*
 * A failed SQLDriverConnect. A driver or data source that unixODBC cannot find gets a message
 * naming it and the file that was searched; anything else the diagnostic records.
 */
static void connect_error(struct odb *o, const char *conn, char *err, size_t errlen)
{
	struct buf msg = BUF_INIT;
	struct diag d = {0};
	char name[256], ini[1100];
	const char *text;

	collect_diag(o, SQL_HANDLE_DBC, o->dbc, &msg, &d);
	text = msg.len ? msg.data : "connection failed without a diagnostic record";
	if ((d.no_source || d.cannot_load) && attr_value(conn, "Driver", name, sizeof(name))) {
		driver_error(o, name, text, err, errlen);
	} else if (d.no_source && attr_value(conn, "DSN", name, sizeof(name))) {
		odbcini_paths(ini, sizeof(ini));
		snprintf(err, errlen, "odbc %s: data source '%s' is not defined in %s (%s)",
		         o->label, name, ini, text);
	} else {
		snprintf(err, errlen, "odbc %s: %s", o->label, text);
	}
	buf_release(&msg);
	log_scrub(err, errlen);
}

/* CONN, with ";PWD={PASSWORD}" appended (braces escaped) when it has no password of its own. */
static void build_connstr(const char *conn, const char *password, struct buf *out)
{
	const char *start;
	size_t len;

	buf_adds(out, conn);
	if (!password || connstr_next_secret(conn, &start, &len))
		return;
	if (out->len > 0 && out->data[out->len - 1] != ';')
		buf_addc(out, ';');
	buf_adds(out, "PWD={");
	for (const char *p = password; *p; p++) {
		if (*p == '}')
			buf_addc(out, '}');
		buf_addc(out, *p);
	}
	buf_addc(out, '}');
}

/* Overwrites a buffer that held a password, then frees it. */
static void wipe(struct buf *b)
{
	if (b->data)
		explicit_bzero(b->data, b->cap);
	buf_release(b);
}

static void set_product(struct odb *o)
{
	SQLCHAR name[sizeof(o->base.product)];
	SQLSMALLINT len = 0;

	if (SQL_SUCCEEDED(SQLGetInfo(o->dbc, SQL_DBMS_NAME, name, sizeof(name), &len)))
		snprintf(o->base.product, sizeof(o->base.product), "%s", (char *)name);
}

static int alloc_handles(struct odb *o, char *err, size_t errlen)
{
	if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &o->env))) {
		o->env = SQL_NULL_HENV;
		snprintf(err, errlen, "odbc %s: cannot allocate an environment handle", o->label);
		return -1;
	}
	if (!SQL_SUCCEEDED(
	        SQLSetEnvAttr(o->env, SQL_ATTR_ODBC_VERSION, ATTR_INT(SQL_OV_ODBC3), 0))) {
		odbc_error(o, SQL_HANDLE_ENV, o->env, err, errlen);
		return -1;
	}
	if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_DBC, o->env, &o->dbc))) {
		o->dbc = SQL_NULL_HDBC;
		odbc_error(o, SQL_HANDLE_ENV, o->env, err, errlen);
		return -1;
	}
	SQLSetConnectAttr(o->dbc, SQL_ATTR_LOGIN_TIMEOUT, ATTR_INT(LOGIN_TIMEOUT_S), 0);
	return 0;
}

static void odbc_db_close(struct db *db)
{
	struct odb *o = (struct odb *)db;

	if (o->connected) {
		if (o->in_tx)
			SQLEndTran(SQL_HANDLE_DBC, o->dbc, SQL_ROLLBACK);
		SQLDisconnect(o->dbc);
	}
	if (o->dbc != SQL_NULL_HDBC)
		SQLFreeHandle(SQL_HANDLE_DBC, o->dbc);
	if (o->env != SQL_NULL_HENV)
		SQLFreeHandle(SQL_HANDLE_ENV, o->env);
	free(o);
}

static int set_autocommit(struct odb *o, bool on, char *err, size_t errlen)
{
	SQLRETURN rc = SQLSetConnectAttr(o->dbc, SQL_ATTR_AUTOCOMMIT,
	                                 ATTR_INT(on ? SQL_AUTOCOMMIT_ON : SQL_AUTOCOMMIT_OFF), 0);

	if (!SQL_SUCCEEDED(rc)) {
		odbc_error(o, SQL_HANDLE_DBC, o->dbc, err, errlen);
		return -1;
	}
	return 0;
}

struct db *db_odbc_open(const struct conf_section *sec, char *err, size_t errlen)
{
	const char *conn = conf_str(sec, "connection");
	struct odb *o = calloc(1, sizeof(*o));
	struct buf cs = BUF_INIT;
	SQLRETURN rc;

	if (!o) {
		snprintf(err, errlen, "odbc: out of memory");
		return NULL;
	}
	o->base.ops = &odbc_ops;
	conn = conn ? conn : "";
	make_label(conn, o->label, sizeof(o->label));
	if (alloc_handles(o, err, errlen) != 0)
		goto fail;
	build_connstr(conn, conf_str(sec, "password"), &cs);
	if (!buf_ok(&cs)) {
		snprintf(err, errlen, "odbc %s: out of memory", o->label);
		goto fail;
	}
	rc = SQLDriverConnect(o->dbc, NULL, (SQLCHAR *)cs.data, SQL_NTS, NULL, 0, NULL,
	                      SQL_DRIVER_NOPROMPT);
	wipe(&cs);
	if (!SQL_SUCCEEDED(rc)) {
		connect_error(o, conn, err, errlen);
		goto fail;
	}
	o->connected = true;
	set_product(o);
	if (set_autocommit(o, true, err, errlen) != 0) /* whatever the driver's default */
		goto fail;
	return &o->base;
fail:
	wipe(&cs);
	odbc_db_close(&o->base);
	return NULL;
}

/* Binds every parameter as text (SQL_C_CHAR); IND receives their lengths or SQL_NULL_DATA. */
static int bind_params(struct odb *o, SQLHSTMT st, const char *const *params, int nparams,
                       SQLLEN *ind, char *err, size_t errlen)
{
	SQLSMALLINT want = 0;

	if (SQL_SUCCEEDED(SQLNumParams(st, &want)) && want != nparams) {
		snprintf(err, errlen, "odbc %s: statement has %d placeholders, %d parameters given",
		         o->label, (int)want, nparams);
		return -1;
	}
	for (int i = 0; i < nparams; i++) {
		size_t len = params[i] ? strlen(params[i]) : 0;
		SQLSMALLINT type = len > LONG_PARAM ? SQL_LONGVARCHAR : SQL_VARCHAR;
		SQLRETURN rc;

		ind[i] = params[i] ? (SQLLEN)len : SQL_NULL_DATA;
		rc = SQLBindParameter(st, (SQLUSMALLINT)(i + 1), SQL_PARAM_INPUT, SQL_C_CHAR, type,
		                      len > 0 ? len : 1, 0, (SQLPOINTER)(uintptr_t)params[i],
		                      (SQLLEN)len, &ind[i]);
		if (!SQL_SUCCEEDED(rc)) {
			odbc_error(o, SQL_HANDLE_STMT, st, err, errlen);
			return -1;
		}
	}
	return 0;
}

/*
 * Reads column I of the current row into R with SQLGetData, in chunks: each call gets what
 * fits, the buffer grows (to the announced size when the driver tells it) and the next call
 * continues. Binary columns are read as SQL_C_BINARY, everything else as SQL_C_CHAR.
 */
static int get_value(struct odb *o, SQLHSTMT st, int i, bool binary, struct db_row *r, char *err,
                     size_t errlen)
{
	size_t off = 0;

	for (;;) {
		size_t space = r->cap[i] - off, limit = space - 1; /* one byte for the NUL */
		SQLLEN ind = 0;
		SQLRETURN rc =
		    SQLGetData(st, (SQLUSMALLINT)(i + 1), binary ? SQL_C_BINARY : SQL_C_CHAR,
		               r->buf[i] + off, (SQLLEN)(binary ? limit : space), &ind);

		if (rc == SQL_NO_DATA)
			break;
		if (!SQL_SUCCEEDED(rc)) {
			odbc_error(o, SQL_HANDLE_STMT, st, err, errlen);
			return -1;
		}
		if (ind == SQL_NULL_DATA) {
			r->vals[i] = NULL;
			r->lens[i] = 0;
			return 0;
		}
		if (ind != SQL_NO_TOTAL && (size_t)ind <= limit) {
			off += (size_t)ind;
			break;
		}
		off += limit;
		if (db_row_reserve(r, i,
		                   ind == SQL_NO_TOTAL ? r->cap[i] * 2
		                                       : off + (size_t)ind - limit + 1)) {
			snprintf(err, errlen, "odbc %s: out of memory for a value", o->label);
			return -1;
		}
	}
	r->buf[i][off] = '\0';
	r->vals[i] = r->buf[i];
	r->lens[i] = off;
	return 0;
}

/* Marks the columns whose SQL type is binary (read as SQL_C_BINARY). */
static int describe(struct odb *o, SQLHSTMT st, int n, bool *binary, char *err, size_t errlen)
{
	for (int i = 0; i < n; i++) {
		SQLSMALLINT type = 0, digits = 0, nullable = 0;
		SQLULEN size = 0;

		if (!SQL_SUCCEEDED(SQLDescribeCol(st, (SQLUSMALLINT)(i + 1), NULL, 0, NULL, &type,
		                                  &size, &digits, &nullable))) {
			odbc_error(o, SQL_HANDLE_STMT, st, err, errlen);
			return -1;
		}
		binary[i] =
		    type == SQL_BINARY || type == SQL_VARBINARY || type == SQL_LONGVARBINARY;
	}
	return 0;
}

static int fetch_rows(struct odb *o, SQLHSTMT st, db_row_fn row, void *arg, char *err,
                      size_t errlen)
{
	SQLSMALLINT ncols = 0;
	struct db_row r = {0};
	bool *binary = NULL;
	SQLRETURN rc;
	int ret = -1;

	if (!SQL_SUCCEEDED(SQLNumResultCols(st, &ncols))) {
		odbc_error(o, SQL_HANDLE_STMT, st, err, errlen);
		return -1;
	}
	if (ncols <= 0)
		return 0; /* no result set */
	binary = calloc((size_t)ncols, sizeof(*binary));
	if (!binary) {
		snprintf(err, errlen, "odbc %s: out of memory", o->label);
		return -1;
	}
	if (describe(o, st, ncols, binary, err, errlen) != 0 ||
	    db_row_init(&r, ncols, FIRST_BUFFER, err, errlen) != 0)
		goto out;
	while ((rc = SQLFetch(st)) != SQL_NO_DATA) {
		if (!SQL_SUCCEEDED(rc)) {
			odbc_error(o, SQL_HANDLE_STMT, st, err, errlen);
			goto out;
		}
		for (int i = 0; i < ncols; i++)
			if (get_value(o, st, i, binary[i], &r, err, errlen) != 0)
				goto out;
		if (row && row(arg, ncols, r.vals, r.lens, err, errlen) != 0)
			goto out;
	}
	ret = 0;
out:
	db_row_release(&r);
	free(binary);
	return ret;
}

static int odbc_db_query(struct db *db, const char *sql, const char *const *params, int nparams,
                         db_row_fn row, void *arg, char *err, size_t errlen)
{
	struct odb *o = (struct odb *)db;
	SQLCHAR *text = (SQLCHAR *)(uintptr_t)sql; /* only read */
	SQLHSTMT st = SQL_NULL_HSTMT;
	SQLLEN *ind = NULL;
	SQLRETURN rc;
	int ret = -1;

	if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_STMT, o->dbc, &st))) {
		odbc_error(o, SQL_HANDLE_DBC, o->dbc, err, errlen);
		return -1;
	}
	if (nparams > 0) {
		ind = calloc((size_t)nparams, sizeof(*ind));
		if (!ind) {
			snprintf(err, errlen, "odbc %s: out of memory", o->label);
			goto out;
		}
		rc = SQLPrepare(st, text, SQL_NTS);
		if (SQL_SUCCEEDED(rc) && bind_params(o, st, params, nparams, ind, err, errlen) != 0)
			goto out;
		if (SQL_SUCCEEDED(rc))
			rc = SQLExecute(st);
	} else {
		rc = SQLExecDirect(st, text, SQL_NTS);
	}
	if (!SQL_SUCCEEDED(rc) && rc != SQL_NO_DATA) {
		odbc_error(o, SQL_HANDLE_STMT, st, err, errlen);
		goto out;
	}
	ret = fetch_rows(o, st, row, arg, err, errlen);
out:
	SQLFreeHandle(SQL_HANDLE_STMT, st);
	free(ind);
	return ret;
}

static int odbc_db_begin(struct db *db, char *err, size_t errlen)
{
	struct odb *o = (struct odb *)db;

	if (o->in_tx) {
		snprintf(err, errlen, "odbc %s: a transaction is already open", o->label);
		return -1;
	}
	if (set_autocommit(o, false, err, errlen) != 0)
		return -1;
	o->in_tx = true;
	return 0;
}

/* Ends the open transaction (SQL_COMMIT or SQL_ROLLBACK) and goes back to autocommit. */
static int end_tran(struct odb *o, SQLSMALLINT how, char *err, size_t errlen)
{
	char ignored[256];
	int ret = 0;

	if (!o->in_tx)
		return 0;
	if (!SQL_SUCCEEDED(SQLEndTran(SQL_HANDLE_DBC, o->dbc, how))) {
		odbc_error(o, SQL_HANDLE_DBC, o->dbc, err, errlen);
		ret = -1;
	}
	o->in_tx = false;
	if (set_autocommit(o, true, ret ? ignored : err, ret ? sizeof(ignored) : errlen) != 0)
		ret = -1;
	return ret;
}

static int odbc_db_commit(struct db *db, char *err, size_t errlen)
{
	return end_tran((struct odb *)db, SQL_COMMIT, err, errlen);
}

static int odbc_db_rollback(struct db *db, char *err, size_t errlen)
{
	return end_tran((struct odb *)db, SQL_ROLLBACK, err, errlen);
}

static const struct db_ops odbc_ops = {
    .close = odbc_db_close,
    .query = odbc_db_query,
    .begin = odbc_db_begin,
    .commit = odbc_db_commit,
    .rollback = odbc_db_rollback,
};
