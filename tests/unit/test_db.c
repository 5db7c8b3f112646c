/*
 * Unit tests for db: driver dispatch, the error texts of connections that fail before a server,
 * the transient/permanent table and PostgreSQL's placeholders.
 */
#include "unit.h"
#include "core/buf.h"
#include "core/config.h"
#include "db/db.h"
#include "db/driver.h"

#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

/* A [source NAME] section built by hand (no config file, so no secret reaches the logger). */
struct fake_section {
	struct conf_section sec;
	struct conf_value *values;
};

static const struct conf_section_def *source_def(void)
{
	for (size_t i = 0; i < config_nsections; i++)
		if (strcmp(config_sections[i].kind, "source") == 0)
			return &config_sections[i];
	return NULL;
}

static void fake_init(struct fake_section *f, const char *name)
{
	const struct conf_section_def *def = source_def();

	if (!def)
		abort(); /* the config table lost its [source] */
	memset(f, 0, sizeof(*f));
	f->values = calloc(def->nkeys, sizeof(*f->values));
	f->sec.def = def;
	f->sec.name = (char *)(uintptr_t)name;
	f->sec.values = f->values;
}

/* Sets KEY to VALUE (borrowed: the test's string literals outlive the section). */
static void fake_set(struct fake_section *f, const char *key, const char *value)
{
	for (size_t i = 0; i < f->sec.def->nkeys; i++)
		if (strcmp(f->sec.def->keys[i].name, key) == 0) {
			f->values[i].text = (char *)(uintptr_t)value;
			f->values[i].line = 1;
		}
}

static void fake_set_num(struct fake_section *f, const char *key, long long num)
{
	for (size_t i = 0; i < f->sec.def->nkeys; i++)
		if (strcmp(f->sec.def->keys[i].name, key) == 0)
			f->values[i].num = num;
}

static void fake_release(struct fake_section *f)
{
	free(f->values);
}

static bool starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* A section whose type no driver serves, as a future type or a typo would be. */
TEST(db_open_unknown_type)
{
	static const struct conf_key keys[] = {
	    {"type", CONF_STRING, NULL, 0, 0, NULL, 0, NULL, "type"},
	};
	static const struct conf_section_def def = {"source", true, false, keys, 1, "test"};
	struct conf_value value = {.text = (char *)(uintptr_t) "oracle", .line = 1};
	struct conf_section sec = {
	    .def = &def, .name = (char *)(uintptr_t) "legacy", .line = 1, .values = &value};
	char err[256] = "";

	CHECK(db_open(&sec, err, sizeof(err)) == NULL);
	CHECK_STR(err, "[source legacy]: no database driver for type 'oracle' (known: mysql, odbc, "
	               "postgres)");
}

/* Opens a postgres section with CONNINFO and PASSWORD (may be NULL); expects a failure. */
static bool pg_fails(const char *conninfo, const char *password, char *err, size_t errlen)
{
	struct fake_section f;
	struct db *db;

	fake_init(&f, "erp");
	fake_set(&f, "type", "postgres");
	fake_set(&f, "conninfo", conninfo);
	fake_set(&f, "password", password);
	db = db_open(&f.sec, err, errlen);
	db_close(db);
	fake_release(&f);
	return db == NULL;
}

/* Nothing listens on port 1: the error names host:port/dbname and never the password. */
TEST(db_pg_refused_names_server_not_password)
{
	char err[1024] = "";

	CHECK(pg_fails("host=127.0.0.1 port=1 dbname=erp user=app password=pg-unit-secret-12", NULL,
	               err, sizeof(err)));
	CHECK(starts(err, "postgres 127.0.0.1:1/erp: "));
	CHECK(strstr(err, "Connection refused") != NULL);
	CHECK(strstr(err, "secret") == NULL);
	CHECK(pg_fails("postgresql://app:pg-uri-secret-13@127.0.0.1:1/erp?connect_timeout=5",
	               "pg-unit-secret-14", err, sizeof(err)));
	CHECK(starts(err, "postgres 127.0.0.1:1/erp: "));
	CHECK(strstr(err, "secret") == NULL);
	/* No dbname: libpq's default, the user name. */
	CHECK(pg_fails("hostaddr=127.0.0.1 port=1 user=app", NULL, err, sizeof(err)));
	CHECK(starts(err, "postgres 127.0.0.1:1/app: "));
	if (!starts(err, "postgres 127.0.0.1:1/app: "))
		fprintf(stderr, "  err: %s\n", err);
}

TEST(db_pg_bad_conninfo)
{
	char err[1024] = "";

	CHECK(pg_fails("host=127.0.0.1 port=1 nosuchoption=1", NULL, err, sizeof(err)));
	CHECK(strstr(err, "invalid connection option \"nosuchoption\"") != NULL);
	CHECK(starts(err, "postgres (conninfo not valid): "));
}

/* SQL as the postgres driver sends it, and its number of placeholders. */
static int placeholders(const char *sql, char *out, size_t size)
{
	struct buf b = BUF_INIT;
	int n = db_pg_placeholders(sql, &b);

	snprintf(out, size, "%s", b.data ? b.data : "(null)");
	buf_release(&b);
	return n;
}

TEST(db_pg_placeholders_numbered)
{
	char out[512];

	CHECK_INT(placeholders("insert into t (a, b, c) values (?, ?,?)", out, sizeof(out)), 3);
	CHECK_STR(out, "insert into t (a, b, c) values ($1, $2,$3)");
	CHECK_INT(placeholders("select 1", out, sizeof(out)), 0);
	CHECK_STR(out, "select 1");
	CHECK_INT(placeholders("", out, sizeof(out)), 0);
	CHECK_STR(out, "");
	CHECK_INT(placeholders("?", out, sizeof(out)), 1);
	CHECK_STR(out, "$1");
	/* Ten and more: two digits. */
	CHECK_INT(placeholders("values (?,?,?,?,?,?,?,?,?,?,?)", out, sizeof(out)), 11);
	CHECK_STR(out, "values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)");
}

TEST(db_pg_placeholders_skip_quotes)
{
	char out[512];

	/* Strings, with doubled quotes. */
	CHECK_INT(placeholders("select 'a?b', ?, 'it''s ?', ?", out, sizeof(out)), 2);
	CHECK_STR(out, "select 'a?b', $1, 'it''s ?', $2");
	/* Quoted identifiers. */
	CHECK_INT(placeholders("select \"col?\" , \"x\"\"?\" from t where a = ?", out, sizeof(out)),
	          1);
	CHECK_STR(out, "select \"col?\" , \"x\"\"?\" from t where a = $1");
	/* E'' strings take backslash escapes; a plain string does not. */
	CHECK_INT(placeholders("select E'\\' ?', ?, e'\\\\', ?", out, sizeof(out)), 2);
	CHECK_STR(out, "select E'\\' ?', $1, e'\\\\', $2");
	CHECK_INT(placeholders("select 'a\\', ?", out, sizeof(out)), 1);
	CHECK_STR(out, "select 'a\\', $1");
	/* An identifier ending in e before a string is not an E prefix. */
	CHECK_INT(placeholders("select type'?', ?", out, sizeof(out)), 1);
	CHECK_STR(out, "select type'?', $1");
	/* Dollar quotes, with and without a tag; $1 itself is no quote. */
	CHECK_INT(placeholders("select $$ ? 'x $$, ?, $fn$ ? $$ ? $fn$, ?", out, sizeof(out)), 2);
	CHECK_STR(out, "select $$ ? 'x $$, $1, $fn$ ? $$ ? $fn$, $2");
	CHECK_INT(placeholders("select $1, ?", out, sizeof(out)), 1);
	CHECK_STR(out, "select $1, $1");
	/* A $ inside an identifier opens nothing. */
	CHECK_INT(placeholders("select a$b$ from t where x = ?", out, sizeof(out)), 1);
	CHECK_STR(out, "select a$b$ from t where x = $1");
	/* Comments, nested ones too. */
	CHECK_INT(placeholders("select ? -- why?\n, ? /* a? /* b? */ c? */ , ?", out, sizeof(out)),
	          3);
	CHECK_STR(out, "select $1 -- why?\n, $2 /* a? /* b? */ c? */ , $3");
	/* Unterminated quotes swallow the rest (the server reports the error). */
	CHECK_INT(placeholders("select 'abc ?", out, sizeof(out)), 0);
	CHECK_STR(out, "select 'abc ?");
	CHECK_INT(placeholders("select $q$ ?", out, sizeof(out)), 0);
	CHECK_STR(out, "select $q$ ?");
	/* Minus and slash alone are operators. */
	CHECK_INT(placeholders("select ? - ? / ?", out, sizeof(out)), 3);
	CHECK_STR(out, "select $1 - $2 / $3");
}

/* A struct db of PRODUCT with one failure recorded. */
static struct db failed(const char *product, const char *sqlstate, long native, const char *message,
                        bool lost)
{
	struct db db;

	memset(&db, 0, sizeof(db));
	snprintf(db.product, sizeof(db.product), "%s", product);
	db_failure(&db, sqlstate, native, message, lost);
	return db;
}

static bool transient(const char *product, const char *sqlstate, long native, const char *message)
{
	struct db db = failed(product, sqlstate, native, message, false);

	return db_transient(&db);
}

TEST(db_transient_table)
{
	/* PostgreSQL: what goes away by itself. */
	CHECK(transient("PostgreSQL", "40001", 0, "could not serialize access"));
	CHECK(transient("PostgreSQL", "40P01", 0, "deadlock detected"));
	CHECK(transient("PostgreSQL", "55P03", 0, "canceling statement due to lock timeout"));
	CHECK(transient("PostgreSQL", "53300", 0, "sorry, too many clients already"));
	CHECK(transient("PostgreSQL", "57P01", 0, "terminating connection"));
	CHECK(transient("PostgreSQL", "57P03", 0, "the database system is starting up"));
	CHECK(transient("PostgreSQL", "08006", 0, NULL));
	/* PostgreSQL: what does not. */
	CHECK(!transient("PostgreSQL", "23505", 0, "duplicate key value"));
	CHECK(!transient("PostgreSQL", "23502", 0, "null value in column"));
	CHECK(!transient("PostgreSQL", "22P02", 0, "invalid input syntax"));
	CHECK(!transient("PostgreSQL", "42703", 0, "column \"x\" does not exist"));
	CHECK(!transient("PostgreSQL", "25006", 0, "cannot execute INSERT in a read-only"));
	CHECK(!transient("PostgreSQL", "57014", 0, "canceling statement due to user request"));
	CHECK(!transient("PostgreSQL", "", 0, NULL));
	/* MariaDB and MySQL: native codes, whatever the SQLSTATE. */
	CHECK(transient("MariaDB", "40001", 1213, "Deadlock found"));
	CHECK(transient("MariaDB", "HY000", 1205, "Lock wait timeout exceeded"));
	CHECK(transient("MySQL", "HY000", 2006, "MySQL server has gone away"));
	CHECK(transient("MySQL", "HY000", 2013, "Lost connection"));
	CHECK(transient("MariaDB", "08004", 1040, "Too many connections"));
	CHECK(transient("MariaDB", "70100", 1927, "Connection was killed"));
	CHECK(!transient("MariaDB", "23000", 1062, "Duplicate entry"));
	CHECK(!transient("MariaDB", "42S22", 1054, "Unknown column"));
	CHECK(!transient("MariaDB", "22001", 1406, "Data too long"));
	/* Native codes belong to their product: 1205 from SQLite means nothing. */
	CHECK(!transient("SQLite", "HY000", 1205, "x"));
	CHECK(!transient("PostgreSQL", "HY000", 1213, "x"));
	/* ODBC states. */
	CHECK(transient("Microsoft SQL Server", "08S01", 0, "Communication link failure"));
	CHECK(transient("Microsoft SQL Server", "40001", 1205, "deadlock victim"));
	CHECK(transient("Microsoft SQL Server", "HY000", 1222, "Lock request time out"));
	CHECK(transient("Anything", "40003", 0, NULL));
	CHECK(transient("Anything", "HYT00", 0, "Timeout expired"));
	CHECK(transient("Anything", "HYT01", 0, NULL));
	CHECK(!transient("Anything", "HY000", 0, "General error"));
	/* SQLite (sqliteodbc): busy and locked, by code or by message. */
	CHECK(transient("SQLite", "HY000", 5, "[SQLite]database is locked (5)"));
	CHECK(transient("SQLite", "S1000", 0, "database is locked"));
	CHECK(transient("SQLite", "HY000", 6, "database table is locked"));
	CHECK(!transient("SQLite", "HY000", 19, "UNIQUE constraint failed: t.id"));
	CHECK(!transient("MariaDB", "HY000", 0, "database is locked"));
}

TEST(db_transient_lost_and_sqlstate)
{
	struct db db = failed("PostgreSQL", NULL, 0, "server closed the connection", true);

	/* Lost is transient, with or without a SQLSTATE. */
	CHECK(db_lost(&db));
	CHECK(db_transient(&db));
	CHECK_STR(db_sqlstate(&db), "");
	db = failed("PostgreSQL", "23505", 0, "duplicate key", false);
	CHECK(!db_lost(&db));
	CHECK_STR(db_sqlstate(&db), "23505");
	/* Several diagnostics: the first SQLSTATE stays, transient and lost add up. */
	db_failure(&db, "08S01", 0, "link failure", true);
	CHECK_STR(db_sqlstate(&db), "23505");
	CHECK(db_transient(&db));
	CHECK(db_lost(&db));
	/* "00000" and malformed states are no SQLSTATE. */
	db = failed("MariaDB", "00000", 0, NULL, false);
	CHECK_STR(db_sqlstate(&db), "");
	db = failed("MariaDB", "4000", 0, NULL, false);
	CHECK_STR(db_sqlstate(&db), "");
}

/* The ODBC environment variables a test replaces, restored afterwards. */
struct odbc_env {
	char dir[32];   /* the private configuration directory */
	char inst[96];  /* its odbcinst.ini */
	char *saved[3]; /* ODBCSYSINI, ODBCINI, ODBCINSTINI as they were (copies) or NULL */
};

static const char *const odbc_vars[3] = {"ODBCSYSINI", "ODBCINI", "ODBCINSTINI"};

/*
 * A private ODBC configuration in a new temporary directory: odbcinst.ini with one driver (not
 * the one asked for, and with a library that does not exist) and no odbc.ini.
 */
static bool private_odbc(struct odbc_env *e)
{
	char ini[128];
	FILE *f;

	for (int i = 0; i < 3; i++) {
		const char *v = getenv(odbc_vars[i]);

		e->saved[i] = v ? strdup(v) : NULL;
	}
	snprintf(e->dir, sizeof(e->dir), "/tmp/spoke-db-XXXXXX");
	if (!mkdtemp(e->dir))
		return false;
	snprintf(e->inst, sizeof(e->inst), "%s/odbcinst.ini", e->dir);
	f = fopen(e->inst, "w");
	if (!f)
		return false;
	fputs("[Some Other Driver]\nDriver=/nonexistent/libother.so\n", f);
	fclose(f);
	snprintf(ini, sizeof(ini), "%s/odbc.ini", e->dir);
	setenv("ODBCSYSINI", e->dir, 1);
	setenv("ODBCINI", ini, 1);
	unsetenv("ODBCINSTINI");
	return true;
}

static void private_odbc_end(struct odbc_env *e)
{
	unlink(e->inst);
	rmdir(e->dir);
	for (int i = 0; i < 3; i++) {
		if (e->saved[i])
			setenv(odbc_vars[i], e->saved[i], 1);
		else
			unsetenv(odbc_vars[i]);
		free(e->saved[i]);
	}
}

/* Opens an odbc section with CONNECTION and PASSWORD (may be NULL); expects a failure. */
static bool odbc_fails(const char *connection, const char *password, char *err, size_t errlen)
{
	struct fake_section f;
	struct db *db;

	fake_init(&f, "legacy");
	fake_set(&f, "type", "odbc");
	fake_set(&f, "connection", connection);
	fake_set(&f, "password", password);
	db = db_open(&f.sec, err, errlen);
	db_close(db);
	fake_release(&f);
	return db == NULL;
}

TEST(db_odbc_missing_driver_names_driver_and_odbcinst_ini)
{
	struct odbc_env e;
	char err[1024] = "", want[256];

	CHECK(private_odbc(&e));
	CHECK(odbc_fails("Driver={Absent Driver};Database=x;", "pw-unit-1", err, sizeof(err)));
	snprintf(want, sizeof(want),
	         "ODBC driver 'Absent Driver' is not installed: %s has no "
	         "[Absent Driver] section",
	         e.inst);
	CHECK(strstr(err, want) != NULL);
	CHECK(starts(err, "odbc Driver={Absent Driver};Database=x: "));
	CHECK(strstr(err, "pw-unit-1") == NULL);
	if (strstr(err, want) == NULL)
		fprintf(stderr, "  err: %s\n", err);

	/* A listed driver whose library is missing. */
	CHECK(odbc_fails("Driver={Some Other Driver}", NULL, err, sizeof(err)));
	CHECK(strstr(err, "ODBC driver 'Some Other Driver' cannot be loaded") != NULL);
	CHECK(strstr(err, "/nonexistent/libother.so") != NULL);
	private_odbc_end(&e);
}

TEST(db_odbc_missing_dsn_names_odbc_ini)
{
	struct odbc_env e;
	char err[1024] = "", want[256];

	CHECK(private_odbc(&e));
	CHECK(odbc_fails("DSN=nowhere;UID=u;PWD=pw-unit-2", NULL, err, sizeof(err)));
	snprintf(want, sizeof(want),
	         "odbc DSN=nowhere: data source 'nowhere' is not defined in %s/odbc.ini (", e.dir);
	CHECK(strncmp(err, want, strlen(want)) == 0);
	CHECK(strstr(err, "pw-unit-2") == NULL);
	if (strncmp(err, want, strlen(want)) != 0)
		fprintf(stderr, "  err: %s\n", err);
	private_odbc_end(&e);
}

/* The error names where the connection goes and nothing else: never PWD, UID or options. */
TEST(db_odbc_error_label_has_no_password)
{
	struct odbc_env e;
	char err[1024] = "";

	CHECK(private_odbc(&e));
	CHECK(odbc_fails("Driver={Absent};Server=db1;Port=5432;UID=app;PWD={se;cr}}et-7};"
	                 "Database=erp;SSLmode=require",
	                 NULL, err, sizeof(err)));
	CHECK(starts(err, "odbc Driver={Absent};Server=db1;Port=5432;Database=erp: "));
	CHECK(strstr(err, "se;cr") == NULL);
	CHECK(strstr(err, "et-7") == NULL);
	CHECK(strstr(err, "app") == NULL);
	CHECK(odbc_fails("driver={Absent};pwd=plain-secret-8", "other-secret-9", err, sizeof(err)));
	CHECK(starts(err, "odbc driver={Absent}: "));
	CHECK(strstr(err, "secret") == NULL);
	CHECK(odbc_fails("UID=u;PWD=x-secret-10", NULL, err, sizeof(err)));
	CHECK(starts(err, "odbc (connection string without DSN or Driver): "));
	CHECK(strstr(err, "secret") == NULL);
	private_odbc_end(&e);
}

/* Nothing listens on port 1: the error names host:port and never the password. */
TEST(db_mysql_refused_names_host_port_not_password)
{
	struct fake_section f;
	char err[512] = "";

	fake_init(&f, "shop");
	fake_set(&f, "type", "mysql");
	fake_set(&f, "host", "127.0.0.1");
	fake_set_num(&f, "port", 1);
	fake_set(&f, "user", "app");
	fake_set(&f, "password", "my-unit-secret-11");
	fake_set(&f, "database", "shop");
	CHECK(db_open(&f.sec, err, sizeof(err)) == NULL);
	CHECK(starts(err, "mysql 127.0.0.1:1: "));
	CHECK(strstr(err, "my-unit-secret-11") == NULL);
	fake_release(&f);
}
