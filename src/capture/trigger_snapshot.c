/* trigger_snapshot: the first read of a trigger source: tables and the changelog mark in one view. */
#include "capture/trigger.h"
#include "core/log.h"
#include "core/statefile.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int on_column(void *arg, int ncols, const char *const *vals, const size_t *lens, char *err,
                     size_t errlen)
{
	struct trig_columns *c = arg;
	struct dialect_column *grown, *col;

	(void)lens;
	if (ncols < 4 || !vals[0] || !vals[1])
		return 0;
	grown = realloc(c->cols, (size_t)(c->n + 1) * sizeof(*grown));
	if (!grown) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->cols = grown;
	col = &grown[c->n++];
	col->name = strdup(vals[0]);
	col->type = strdup(vals[1]);
	col->scale = vals[2] ? atoi(vals[2]) : 0;
	col->key = vals[3] && strcmp(vals[3], "1") == 0;
	return 0;
}

void trigger_columns_release(struct trig_columns *c)
{
	for (int i = 0; i < c->n; i++) {
		free((void *)(uintptr_t)c->cols[i].name);
		free((void *)(uintptr_t)c->cols[i].type);
	}
	free(c->cols);
	memset(c, 0, sizeof(*c));
}

int trigger_columns(struct trig_source *src, const char *schema, const char *table,
                    struct trig_columns *c, char *err, size_t errlen)
{
	const char *params[2] = {schema, table};

	memset(c, 0, sizeof(*c));
	return db_query(src->db, src->dialect->columns_query, params, 2, on_column, c, err, errlen);
}

/* The snapshot in progress; the last row is held back so it can say "last". */
struct tsnap {
	struct trig_source *src;
	char seq[32];
	const char *schema, *table;
	bool held;
	struct buf pk, row, held_schema, held_table;
	uint64_t rows;
};

static int release_held(struct tsnap *s, const char *flag, char *err, size_t errlen)
{
	const char *vals[9] = {
	    s->seq,      NULL, s->held_schema.data, s->held_table.data, "r", s->pk.data, NULL,
	    s->row.data, NULL};

	if (!s->held)
		return 0;
	s->held = false;
	return trigger_publish_row(s->src, vals, flag, err, errlen);
}

static int on_snapshot_row(void *arg, int ncols, const char *const *vals, const size_t *lens,
                           char *err, size_t errlen)
{
	struct tsnap *s = arg;

	(void)lens;
	if (ncols < 2 || release_held(s, "true", err, errlen) < 0)
		return -1;
	buf_reset(&s->pk);
	buf_reset(&s->row);
	buf_reset(&s->held_schema);
	buf_reset(&s->held_table);
	buf_adds(&s->pk, vals[0] ? vals[0] : "null");
	buf_adds(&s->row, vals[1] ? vals[1] : "null");
	buf_adds(&s->held_schema, s->schema);
	buf_adds(&s->held_table, s->table);
	s->held = true;
	if (++s->rows % 100000 == 0) {
		log_sinfo("snapshot", s->src->name, "%s.%s: %" PRIu64 " rows", s->schema, s->table,
		          s->rows);
		publisher_poll(s->src->pub, 0);
	}
	return buf_ok(&s->row) ? 0 : -1;
}

/* Reads one configured table ("schema.table") under the open snapshot. */
static int snapshot_table(struct tsnap *s, const char *entry, char *err, size_t errlen)
{
	struct trig_source *src = s->src;
	char schema[256], table[256];
	struct trig_columns c;
	struct dialect_table t;
	struct buf sql = BUF_INIT;
	int rc;

	if (trigger_split_table(entry, schema, sizeof(schema), table, sizeof(table), err, errlen) <
	        0 ||
	    trigger_columns(src, schema, table, &c, err, errlen) < 0)
		return -1;
	if (c.n == 0) {
		snprintf(err, errlen, "table %s does not exist (tables = ... of [source %s])",
		         entry, src->name);
		trigger_columns_release(&c);
		return -1;
	}
	t = (struct dialect_table){schema, table, c.cols, c.n};
	src->dialect->select_rows(&t, &sql);
	s->schema = schema;
	s->table = table;
	s->rows = 0;
	rc = db_query(src->db, sql.data, NULL, 0, on_snapshot_row, s, err, errlen);
	if (rc == 0)
		log_sinfo("snapshot", src->name, "%s: %" PRIu64 " rows", entry, s->rows);
	buf_release(&sql);
	trigger_columns_release(&c);
	return rc;
}

static int on_max_seq(void *arg, int ncols, const char *const *vals, const size_t *lens, char *err,
                      size_t errlen)
{
	uint64_t *max = arg;

	(void)lens;
	(void)err;
	(void)errlen;
	if (ncols > 0 && vals[0])
		*max = strtoull(vals[0], NULL, 10);
	return 0;
}

/*
 * Opens the transaction the snapshot reads in. The dialect's begin_snapshot names the isolation
 * it needs; a SET statement runs first thing in the transaction (as ODBC requires), the driver
 * opens the transaction itself otherwise (MySQL's REPEATABLE READ takes its view at the first
 * read, which is the high-water mark).
 */
static int begin_consistent(struct trig_source *src, char *err, size_t errlen)
{
	const char *sql = src->dialect->begin_snapshot;
	char first[160] = "";

	if (strncmp(sql, "BEGIN ISOLATION LEVEL ", 22) == 0)
		snprintf(first, sizeof(first), "SET TRANSACTION ISOLATION LEVEL %s", sql + 22);
	else if (strncmp(sql, "SET ", 4) == 0)
		snprintf(first, sizeof(first), "%.*s", (int)strcspn(sql, ";"), sql);
	else if (strncmp(sql, "START ", 6) == 0)
		snprintf(first, sizeof(first), "%s", sql);
	if (db_begin(src->db, err, errlen) < 0)
		return -1;
	if (first[0] && db_exec(src->db, first, err, errlen) < 0) {
		char ignored[64];

		db_rollback(src->db, ignored, sizeof(ignored));
		return -1;
	}
	return 0;
}

/* Reads every table and the changelog's highest seq in one consistent view. */
static int take_snapshot(struct trig_source *src, uint64_t *mark, char *err, size_t errlen)
{
	struct tsnap s;
	struct buf sql = BUF_INIT;
	size_t n;
	char *const *tables = conf_list(src->sec, "tables", &n);
	int rc = -1;

	memset(&s, 0, sizeof(s));
	s.src = src;
	*mark = 0;
	trigger_changelog_sql(src, src->dialect->max_seq_query, &sql);
	if (!src->dialect->select_rows) {
		snprintf(err, errlen,
		         "the %s dialect cannot take snapshots yet: set snapshot = never",
		         src->dialect->name);
		goto out;
	}
	if (begin_consistent(src, err, errlen) < 0 ||
	    db_query(src->db, sql.data, NULL, 0, on_max_seq, mark, err, errlen) < 0)
		goto out;
	snprintf(s.seq, sizeof(s.seq), "%" PRIu64, *mark);
	src->position = publisher_begin(src->pub) + 1;
	for (size_t i = 0; i < n; i++)
		if (snapshot_table(&s, tables[i], err, errlen) < 0)
			goto out;
	if (release_held(&s, "last", err, errlen) < 0 || db_commit(src->db, err, errlen) < 0)
		goto out;
	publisher_end(src->pub, src->position - 1, src->position);
	rc = publisher_drain(src->pub, err, errlen);
out:
	if (rc < 0) {
		char ignored[64];

		db_rollback(src->db, ignored, sizeof(ignored));
	}
	buf_release(&sql);
	buf_release(&s.pk);
	buf_release(&s.row);
	buf_release(&s.held_schema);
	buf_release(&s.held_table);
	return rc;
}

int trigger_snapshot_if_needed(struct trig_source *src, char *err, size_t errlen)
{
	const char *mode = conf_str(src->sec, "snapshot");
	char name[128];
	uint64_t mark = 0;
	char *state;
	int rc;

	if (src->gaps && strcmp(mode, "always") != 0)
		return 0; /* resuming from the stored checkpoint */
	if (strcmp(mode, "never") != 0) {
		log_sinfo("snapshot", src->name, "reading %s consistently with the changelog",
		          conf_str(src->sec, "tables"));
		if (take_snapshot(src, &mark, err, errlen) < 0)
			return -1;
	}
	gaps_free(src->gaps);
	src->gaps = gaps_new(mark);
	state = src->gaps ? gaps_dump(src->gaps) : NULL;
	if (!state) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(name, sizeof(name), "%s.trigger", src->name);
	rc = statefile_write(src->state_dir, name, state, err, errlen);
	free(state);
	if (rc == 0)
		log_sinfo("capture", src->name, "reading the changelog after seq %" PRIu64, mark);
	return rc;
}
