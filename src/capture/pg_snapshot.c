/* pg_snapshot: reads every published table under the slot's exported snapshot (op "r"). */
#include "capture/pg_source.h"
#include "capture/pgconn.h"
#include "core/envelope.h"
#include "core/log.h"
#include "core/signals.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Rows per FETCH: the most a snapshot holds in memory at once. */
#define FETCH_SQL   "FETCH 2000 FROM spoke_snapshot"
#define PROGRESS_MS 5000

/* The snapshot in progress: the last row read is held back so the final one can say "last". */
struct snap {
	struct pg_source *src;
	PGconn *conn;
	uint64_t ticket;
	uint64_t lsn;
	int64_t ts_ms;
	bool held;
	size_t held_table; /* index into src->tables */
	struct buf held_key, held_after;
	uint64_t rows;       /* of the table being read */
	double estimate;     /* pg_class.reltuples of that table */
	int64_t started_ms;  /* when that table's read began */
	int64_t reported_ms; /* last progress line */
};

/* Publishes the held row with source.snapshot = SNAPSHOT ("true" or "last"). */
static int release_held(struct snap *s, const char *snapshot, char *err, size_t errlen)
{
	struct pg_source *src = s->src;
	struct pg_table *t = &src->tables[s->held_table];
	struct envelope e;

	if (!s->held)
		return 0;
	s->held = false;
	memset(&e, 0, sizeof(e));
	e.op = 'r';
	e.after = s->held_after.data;
	e.source = (struct envelope_source){
	    "postgresql", src->name, s->ts_ms, snapshot, PQdb(s->conn), t->schema, t->name,
	    -1,           true,      s->lsn,   0,        false,         0};
	e.ts_ms = envelope_now_ms();
	buf_reset(&src->value);
	envelope_write(&src->value, &e);
	return pg_publish(src, s->ticket, t, s->held_key.len ? s->held_key.data : NULL,
	                  src->value.data, 'r', err, errlen);
}

/* Appends "name":value of column C to OUT, opening the object on the first field. */
static int append_field(struct snap *s, struct pg_table *t, PGresult *res, int row, int c,
                        struct buf *out, char *err, size_t errlen)
{
	char why[256];

	buf_addc(out, out->len ? ',' : '{');
	buf_add_json_string(out, PQfname(res, c), strlen(PQfname(res, c)));
	buf_addc(out, ':');
	if (PQgetisnull(res, row, c)) {
		buf_adds(out, "null");
	} else if (t->actions[c] != COL_KEEP) {
		colfilter_mask(t->actions[c], PQgetvalue(res, row, c),
		               (size_t)PQgetlength(res, row, c), out);
	} else if (pgtypes_append_json(s->src->types, out, PQftype(res, c), PQgetvalue(res, row, c),
	                               (size_t)PQgetlength(res, row, c), why, sizeof(why)) < 0) {
		snprintf(err, errlen, "table %s.%s column %s: %s", t->schema, t->name,
		         PQfname(res, c), why);
		return -1;
	}
	return 0;
}

/* Renders row ROW of RES into the held buffers: the row, and its key columns. */
static int render_row(struct snap *s, struct pg_table *t, PGresult *res, int row, char *err,
                      size_t errlen)
{
	buf_reset(&s->held_after);
	buf_reset(&s->held_key);
	for (int c = 0, k = 0; c < t->ncols; c++) {
		bool is_key = k < t->nkey && t->key_cols[k] == c;

		if (is_key)
			k++;
		if (t->actions[c] == COL_EXCLUDE)
			continue;
		if (append_field(s, t, res, row, c, &s->held_after, err, errlen) < 0 ||
		    (is_key && append_field(s, t, res, row, c, &s->held_key, err, errlen) < 0))
			return -1;
	}
	buf_adds(&s->held_after, s->held_after.len ? "}" : "{}");
	if (s->held_key.len)
		buf_addc(&s->held_key, '}');
	if (!buf_ok(&s->held_after) || !buf_ok(&s->held_key)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static void progress(struct snap *s, const struct pg_table *t, bool done)
{
	int64_t now = envelope_now_ms();
	double secs = (double)(now - s->started_ms) / 1000.0;
	double rate = secs > 0 ? (double)s->rows / secs : 0;

	if (!done && now - s->reported_ms < PROGRESS_MS)
		return;
	s->reported_ms = now;
	if (done) {
		log_sinfo("snapshot", s->src->name, "%s.%s: %llu rows in %.1fs (%.0f rows/s)",
		          t->schema, t->name, (unsigned long long)s->rows, secs, rate);
	} else if (s->estimate > 0 && rate > 0) {
		double left = s->estimate > (double)s->rows ? s->estimate - (double)s->rows : 0;

		log_sinfo("snapshot", s->src->name,
		          "%s.%s: %llu of about %.0f rows (%.0f%%), %.0f rows/s, about %.0fs left",
		          t->schema, t->name, (unsigned long long)s->rows, s->estimate,
		          100.0 * (double)s->rows / s->estimate, rate, left / rate);
	} else {
		log_sinfo("snapshot", s->src->name, "%s.%s: %llu rows, %.0f rows/s", t->schema,
		          t->name, (unsigned long long)s->rows, rate);
	}
}

/* Builds the table entry from the cursor's first result (its columns and their names). */
static struct pg_table *snapshot_table_entry(struct snap *s, uint32_t oid, const char *schema,
                                             const char *table, PGresult *res, char *err,
                                             size_t errlen)
{
	int n = PQnfields(res);
	const char **names = calloc((size_t)n + 1, sizeof(*names));
	struct pg_table *t;

	if (!names) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (int c = 0; c < n; c++)
		names[c] = PQfname(res, c);
	t = pg_table_build(s->src, oid, schema, table, names, NULL, n, err, errlen);
	free(names);
	return t;
}

/* Publishes the rows of one FETCH result. */
static int publish_rows(struct snap *s, size_t ti, PGresult *res, char *err, size_t errlen)
{
	for (int r = 0; r < PQntuples(res); r++) {
		if (release_held(s, "true", err, errlen) < 0 ||
		    render_row(s, &s->src->tables[ti], res, r, err, errlen) < 0)
			return -1;
		s->held = true;
		s->held_table = ti;
		s->rows++;
	}
	return 0;
}

/* Reads one table through a cursor, FETCH_ROWS at a time: memory stays bounded. */
static int snapshot_table(struct snap *s, uint32_t oid, const char *schema, const char *table,
                          char *err, size_t errlen)
{
	char *qs = PQescapeIdentifier(s->conn, schema, strlen(schema));
	char *qt = PQescapeIdentifier(s->conn, table, strlen(table));
	char sql[1024];
	PGresult *res = NULL;
	struct pg_table *t = NULL;
	size_t ti = 0;
	int rc = -1;

	snprintf(sql, sizeof(sql),
	         "DECLARE spoke_snapshot NO SCROLL CURSOR FOR SELECT * FROM ONLY %s.%s",
	         qs ? qs : "", qt ? qt : "");
	if (!qs || !qt || !(res = pgconn_exec(s->conn, sql, NULL, 0, err, errlen)))
		goto out;
	s->rows = 0;
	s->started_ms = s->reported_ms = envelope_now_ms();
	for (;;) {
		PQclear(res);
		res = pgconn_exec(s->conn, FETCH_SQL, NULL, 0, err, errlen);
		if (!res)
			goto out;
		if (!t) {
			t = snapshot_table_entry(s, oid, schema, table, res, err, errlen);
			if (!t)
				goto out;
			ti = (size_t)(t - s->src->tables);
		}
		if (PQntuples(res) == 0)
			break;
		if (publish_rows(s, ti, res, err, errlen) < 0)
			goto out;
		publisher_poll(s->src->pub, 0);
		progress(s, &s->src->tables[ti], false);
		if (signals_stop_requested()) {
			snprintf(err, errlen,
			         "snapshot interrupted; it starts again on the next start");
			goto out;
		}
	}
	progress(s, &s->src->tables[ti], true);
	PQclear(res);
	res = pgconn_exec(s->conn, "CLOSE spoke_snapshot", NULL, 0, err, errlen);
	rc = res ? 0 : -1;
out:
	PQclear(res);
	PQfreemem(qs);
	PQfreemem(qt);
	return rc;
}

/* Opens the snapshot's session: REPEATABLE READ, under the exported snapshot NAME. */
static int open_session(struct snap *s, const char *name, char *err, size_t errlen)
{
	const struct conf_section *sec = s->src->sec;
	char sql[160];
	PGresult *res;

	for (const char *p = name; *p; p++) {
		if (!isxdigit((unsigned char)*p) && *p != '-') {
			snprintf(err, errlen, "unexpected snapshot name '%s'", name);
			return -1;
		}
	}
	s->conn = pgconn_open(conf_str(sec, "conninfo"), s->src->password, "spoke-snapshot", false,
	                      err, errlen);
	if (!s->conn)
		return -1;
	res = pgconn_exec(s->conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", NULL, 0, err,
	                  errlen);
	PQclear(res);
	if (!res)
		return -1;
	snprintf(sql, sizeof(sql), "SET TRANSACTION SNAPSHOT '%s'", name);
	res = pgconn_exec(s->conn, sql, NULL, 0, err, errlen);
	PQclear(res);
	return res ? 0 : -1;
}

static int snapshot_tables(struct snap *s, char *err, size_t errlen)
{
	static const char sql[] =
	    "SELECT c.oid, n.nspname, c.relname, c.reltuples FROM pg_publication_tables p "
	    "JOIN pg_namespace n ON n.nspname = p.schemaname "
	    "JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = p.tablename "
	    "WHERE p.pubname = $1 ORDER BY 2, 3";
	const char *params[1] = {conf_str(s->src->sec, "publication")};
	PGresult *res = pgconn_exec(s->conn, sql, params, 1, err, errlen);
	int rc = 0;

	if (!res)
		return -1;
	log_sinfo("snapshot", s->src->name, "reading %d table(s) at " LSN_FMT, PQntuples(res),
	          LSN_ARGS(s->lsn));
	for (int i = 0; rc == 0 && i < PQntuples(res); i++) {
		s->estimate = atof(PQgetvalue(res, i, 3));
		rc = snapshot_table(s, (uint32_t)strtoul(PQgetvalue(res, i, 0), NULL, 10),
		                    PQgetvalue(res, i, 1), PQgetvalue(res, i, 2), err, errlen);
	}
	PQclear(res);
	return rc;
}

int pg_snapshot_run(struct pg_source *src, const char *snapshot_name, uint64_t consistent,
                    char *err, size_t errlen)
{
	struct snap s;
	int rc = -1;

	memset(&s, 0, sizeof(s));
	s.src = src;
	s.lsn = consistent;
	s.ts_ms = envelope_now_ms();
	buf_init(&s.held_key);
	buf_init(&s.held_after);
	if (open_session(&s, snapshot_name, err, errlen) < 0)
		goto out;
	s.ticket = publisher_begin(src->pub);
	if (snapshot_tables(&s, err, errlen) < 0 || release_held(&s, "last", err, errlen) < 0)
		goto out;
	publisher_end(src->pub, s.ticket, consistent);
	PQclear(pgconn_exec(s.conn, "COMMIT", NULL, 0, err, errlen));
	rc = 0;
out:
	PQfinish(s.conn);
	buf_release(&s.held_key);
	buf_release(&s.held_after);
	return rc;
}
