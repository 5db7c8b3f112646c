/* pg_setup: creates and removes the publication and slot of a PostgreSQL source, or prints the SQL. */
#include "capture/capture.h"
#include "capture/pgconn.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/statefile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void add_ident(struct buf *b, const char *s, size_t n)
{
	buf_addc(b, '"');
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			buf_addc(b, '"');
		buf_addc(b, s[i]);
	}
	buf_addc(b, '"');
}

static void add_literal(struct buf *b, const char *s)
{
	buf_addc(b, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			buf_addc(b, '\'');
		buf_addc(b, *s);
	}
	buf_addc(b, '\'');
}

/* Writes the publication's object list: "s"."t", TABLES IN SCHEMA "s", ... */
static int publication_objects(const struct conf_section *sec, struct buf *b, char *err,
                               size_t errlen)
{
	size_t n;
	char *const *tables = conf_list(sec, "tables", &n);

	for (size_t i = 0; i < n; i++) {
		const char *dot = strchr(tables[i], '.');

		if (!dot || dot == tables[i] || !dot[1] || strchr(dot + 1, '.')) {
			snprintf(err, errlen,
			         "[source %s] tables entry '%s' must be schema.table or schema.*",
			         sec->name, tables[i]);
			return -1;
		}
		buf_adds(b, i ? ", " : "");
		if (strcmp(dot + 1, "*") == 0) {
			buf_adds(b, "TABLES IN SCHEMA ");
			add_ident(b, tables[i], (size_t)(dot - tables[i]));
		} else {
			buf_adds(b, "TABLE ");
			add_ident(b, tables[i], (size_t)(dot - tables[i]));
			buf_addc(b, '.');
			add_ident(b, dot + 1, strlen(dot + 1));
		}
	}
	return 0;
}

/* The SQL of setup: the publication (created, or set to the configured tables) and the slot. */
static int setup_sql(const struct conf_section *sec, bool pub_exists, struct buf *pub,
                     struct buf *slot, char *err, size_t errlen)
{
	const char *name = conf_str(sec, "publication");

	buf_adds(pub, pub_exists ? "ALTER PUBLICATION " : "CREATE PUBLICATION ");
	add_ident(pub, name, strlen(name));
	buf_adds(pub, pub_exists ? " SET " : " FOR ");
	if (publication_objects(sec, pub, err, errlen) < 0)
		return -1;
	buf_adds(pub, ";");
	buf_adds(slot, "SELECT pg_create_logical_replication_slot(");
	add_literal(slot, conf_str(sec, "slot"));
	buf_adds(slot, ", 'pgoutput');");
	return 0;
}

static int print_setup(const struct conf_section *sec, FILE *out)
{
	struct buf pub = BUF_INIT, slot = BUF_INIT;
	char err[512];
	int rc = setup_sql(sec, false, &pub, &slot, err, sizeof(err));

	if (rc == 0)
		fprintf(
		    out,
		    "-- spoke setup for source %s (PostgreSQL logical decoding, pgoutput)\n"
		    "-- Needs: wal_level = logical; a role with REPLICATION that owns or may\n"
		    "-- SELECT the tables.\n"
		    "-- Tables need a primary key or REPLICA IDENTITY FULL: once a table is in a\n"
		    "-- publication, PostgreSQL refuses its UPDATEs and DELETEs otherwise.\n"
		    "%s\n%s\n",
		    sec->name, pub.data, slot.data);
	else
		log_serror("setup", sec->name, "%s", err);
	buf_release(&pub);
	buf_release(&slot);
	return rc;
}

/* One row per problem: a query returning a message for every configured table that fails. */
static int check_tables(PGconn *conn, const struct conf_section *sec, char *err, size_t errlen)
{
	static const char sql[] =
	    "WITH t AS (SELECT split_part(e, '.', 1) AS s, split_part(e, '.', 2) AS r "
	    "  FROM unnest(string_to_array($1, ',')) AS e), "
	    "c AS (SELECT t.s, coalesce(k.relname, t.r) AS r, k.oid AS relid, k.relreplident "
	    "  FROM t LEFT JOIN pg_namespace n ON n.nspname = t.s "
	    "  LEFT JOIN pg_class k ON k.relnamespace = n.oid AND k.relkind IN ('r', 'p') "
	    "  AND (k.relname = t.r OR t.r = '*')) "
	    "SELECT CASE WHEN relid IS NULL THEN format('table %s.%s does not exist', s, r) "
	    "WHEN NOT has_table_privilege(relid, 'SELECT') THEN format('no SELECT privilege on "
	    "%s.%s: GRANT SELECT ON %I.%I TO the role spoke connects as', s, r, s, r) "
	    "WHEN relreplident = 'n' OR (relreplident = 'd' AND NOT EXISTS (SELECT 1 FROM "
	    "pg_index i WHERE i.indrelid = relid AND i.indisprimary)) THEN format('table %s.%s "
	    "has no primary key (nor replica identity): once published, PostgreSQL refuses "
	    "its UPDATEs and DELETEs; add a primary key, or run ALTER TABLE %I.%I REPLICA "
	    "IDENTITY FULL', s, r, s, r) "
	    "WHEN relreplident = 'i' AND EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = relid "
	    "AND i.indisprimary AND NOT i.indisreplident) THEN format('table %s.%s has REPLICA "
	    "IDENTITY USING INDEX on an index other than its primary key: its deletes would not "
	    "carry the key; run ALTER TABLE %I.%I REPLICA IDENTITY DEFAULT (or FULL)', s, r, s, r) "
	    "END FROM c";
	struct buf list = BUF_INIT;
	size_t n;
	char *const *tables = conf_list(sec, "tables", &n);
	const char *params[1];
	PGresult *res;
	int problems = 0;

	for (size_t i = 0; i < n; i++)
		buf_addf(&list, "%s%s", i ? "," : "", tables[i]);
	params[0] = list.data;
	res = pgconn_exec(conn, sql, params, 1, err, errlen);
	buf_release(&list);
	if (!res)
		return -1;
	for (int i = 0; i < PQntuples(res); i++) {
		if (PQgetisnull(res, i, 0))
			continue;
		log_serror("setup", sec->name, "%s", PQgetvalue(res, i, 0));
		problems++;
	}
	PQclear(res);
	if (problems)
		snprintf(err, errlen, "%d table problem(s); nothing was changed", problems);
	return problems ? -1 : 0;
}

/* wal_level and the REPLICATION attribute, checked before anything is changed. */
static int check_server(PGconn *conn, char *err, size_t errlen)
{
	PGresult *res =
	    pgconn_exec(conn,
	                "SELECT current_setting('wal_level'), rolreplication OR rolsuper, "
	                "current_user FROM pg_roles WHERE rolname = current_user",
	                NULL, 0, err, errlen);
	int rc = -1;

	if (!res)
		return -1;
	if (strcmp(PQgetvalue(res, 0, 0), "logical") != 0)
		snprintf(err, errlen,
		         "wal_level is %s: set wal_level = logical in postgresql.conf and restart "
		         "PostgreSQL",
		         PQgetvalue(res, 0, 0));
	else if (PQgetvalue(res, 0, 1)[0] != 't')
		snprintf(err, errlen,
		         "role %s cannot read a replication slot: ALTER ROLE %s REPLICATION (as a "
		         "superuser)",
		         PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 2));
	else
		rc = 0;
	PQclear(res);
	return rc;
}

/* Runs one statement, logging it. */
static int run_sql(PGconn *conn, const struct conf_section *sec, const char *sql, char *err,
                   size_t errlen)
{
	PGresult *res = pgconn_exec(conn, sql, NULL, 0, err, errlen);

	PQclear(res);
	if (res)
		log_sinfo("setup", sec->name, "%s", sql);
	return res ? 0 : -1;
}

/* Returns 1 when the query with one parameter finds a row, 0 when not, -1 on error. */
static int exists(PGconn *conn, const char *sql, const char *param, char *err, size_t errlen)
{
	const char *params[1] = {param};
	PGresult *res = pgconn_exec(conn, sql, params, 1, err, errlen);
	int rc = res ? PQntuples(res) > 0 : -1;

	PQclear(res);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * 1 when the publication of SEC publishes exactly its tables (so setup need not ALTER it, which
 * only its owner may: a least-privileged role can run setup on a publication the tables'
 * owner created); 0 when not or when tables uses schema.*, -1 on failure.
 */
static int publication_matches(PGconn *conn, const struct conf_section *sec, char *err,
                               size_t errlen)
{
	const char *params[1] = {conf_str(sec, "publication")};
	size_t n;
	char *const *tables = conf_list(sec, "tables", &n);
	char **want = calloc(n + 1, sizeof(*want));
	PGresult *res = want ? pgconn_exec(conn,
	                                   "SELECT schemaname || '.' || tablename FROM "
	                                   "pg_publication_tables WHERE pubname = $1 ORDER BY 1",
	                                   params, 1, err, errlen)
	                     : NULL;
	int rc = res ? (size_t)PQntuples(res) == n : -1;

	for (size_t i = 0; rc == 1 && i < n; i++) {
		want[i] = tables[i];
		rc = strstr(tables[i], ".*") ? 0 : 1;
	}
	if (rc == 1)
		qsort(want, n, sizeof(*want), cmp_str);
	for (size_t i = 0; rc == 1 && i < n; i++)
		rc = strcmp(want[i], PQgetvalue(res, (int)i, 0)) == 0;
	PQclear(res);
	free(want);
	return rc;
}

static int apply_setup(PGconn *conn, const struct conf_section *sec, char *err, size_t errlen)
{
	struct buf pub = BUF_INIT, slot = BUF_INIT;
	int pub_exists, slot_exists, rc = -1;

	pub_exists = exists(conn, "SELECT 1 FROM pg_publication WHERE pubname = $1",
	                    conf_str(sec, "publication"), err, errlen);
	slot_exists = exists(conn, "SELECT 1 FROM pg_replication_slots WHERE slot_name = $1",
	                     conf_str(sec, "slot"), err, errlen);
	int same = pub_exists == 1 ? publication_matches(conn, sec, err, errlen) : 0;
	if (pub_exists < 0 || slot_exists < 0 || same < 0 ||
	    setup_sql(sec, pub_exists, &pub, &slot, err, errlen) < 0)
		goto out;
	if (same)
		log_sinfo("setup", sec->name, "publication %s lists the tables already; kept",
		          conf_str(sec, "publication"));
	else if (run_sql(conn, sec, pub.data, err, errlen) < 0)
		goto out;
	if (slot_exists)
		log_sinfo("setup", sec->name, "slot %s exists already; kept",
		          conf_str(sec, "slot"));
	else if (run_sql(conn, sec, slot.data, err, errlen) < 0)
		goto out;
	rc = 0;
out:
	buf_release(&pub);
	buf_release(&slot);
	return rc;
}

static PGconn *connect_for(const struct conf_section *sec, const char *what, char *err,
                           size_t errlen)
{
	PGconn *conn = pgconn_open(conf_str(sec, "conninfo"), conf_str(sec, "password"), what,
	                           false, err, errlen);

	if (!conn)
		log_serror(what, sec->name, "cannot connect to PostgreSQL: %s", err);
	return conn;
}

int pg_setup(const struct config *cfg, const struct conf_section *sec, FILE *out)
{
	char err[1024] = "";
	PGconn *conn;
	int rc = -1;

	(void)cfg;
	if (out)
		return print_setup(sec, out);
	conn = connect_for(sec, "setup", err, sizeof(err));
	if (!conn)
		return -1;
	if (check_server(conn, err, sizeof(err)) == 0 &&
	    check_tables(conn, sec, err, sizeof(err)) == 0 &&
	    apply_setup(conn, sec, err, sizeof(err)) == 0)
		rc = 0;
	if (rc < 0)
		log_serror("setup", sec->name, "%s", err);
	else
		log_sinfo("setup", sec->name, "ready: publication %s, slot %s",
		          conf_str(sec, "publication"), conf_str(sec, "slot"));
	PQfinish(conn);
	return rc;
}

/* The SQL of teardown: drop the slot (when it exists), then the publication. */
static void teardown_sql(const struct conf_section *sec, struct buf *slot, struct buf *pub)
{
	const char *name = conf_str(sec, "publication");

	buf_adds(slot, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
	               "WHERE slot_name = ");
	add_literal(slot, conf_str(sec, "slot"));
	buf_adds(slot, ";");
	buf_adds(pub, "DROP PUBLICATION IF EXISTS ");
	add_ident(pub, name, strlen(name));
	buf_adds(pub, ";");
}

static int print_teardown(const struct conf_section *sec, FILE *out)
{
	struct buf slot = BUF_INIT, pub = BUF_INIT;

	teardown_sql(sec, &slot, &pub);
	fprintf(out,
	        "-- spoke teardown for source %s: the slot (PostgreSQL then releases the WAL it\n"
	        "-- kept) and the publication. Changes after this are not captured.\n%s\n%s\n",
	        sec->name, slot.data, pub.data);
	buf_release(&slot);
	buf_release(&pub);
	return 0;
}

/* Drops slot and publication unless the slot is being read. */
static int apply_teardown(PGconn *conn, const struct conf_section *sec, char *err, size_t errlen)
{
	const char *params[1] = {conf_str(sec, "slot")};
	struct buf slot = BUF_INIT, pub = BUF_INIT;
	PGresult *res = pgconn_exec(conn,
	                            "SELECT coalesce(active_pid, 0) FROM pg_replication_slots "
	                            "WHERE slot_name = $1 AND active",
	                            params, 1, err, errlen);
	int rc = -1;

	if (res && PQntuples(res) > 0)
		snprintf(err, errlen, "slot %s is in use by process %s: stop spoke capture first",
		         params[0], PQgetvalue(res, 0, 0));
	else if (res) {
		teardown_sql(sec, &slot, &pub);
		if (run_sql(conn, sec, slot.data, err, errlen) == 0 &&
		    run_sql(conn, sec, pub.data, err, errlen) == 0)
			rc = 0;
	}
	PQclear(res);
	buf_release(&slot);
	buf_release(&pub);
	return rc;
}

int pg_teardown(const struct config *cfg, const struct conf_section *sec, FILE *out)
{
	const char *state_dir = conf_str(config_find(cfg, "spoke", NULL), "state_dir");
	char err[1024] = "", name[128];
	PGconn *conn;
	int rc;

	if (out)
		return print_teardown(sec, out);
	conn = connect_for(sec, "teardown", err, sizeof(err));
	if (!conn)
		return -1;
	rc = apply_teardown(conn, sec, err, sizeof(err));
	snprintf(name, sizeof(name), "%s.snapshot", sec->name);
	if (rc == 0 && statefile_remove(state_dir, name, err, sizeof(err)) < 0)
		rc = -1;
	if (rc < 0)
		log_serror("teardown", sec->name, "%s", err);
	else
		log_sinfo("teardown", sec->name, "removed slot %s and publication %s",
		          conf_str(sec, "slot"), conf_str(sec, "publication"));
	PQfinish(conn);
	return rc;
}
