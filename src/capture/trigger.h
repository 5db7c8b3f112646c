/* trigger: capture from a changelog table written by triggers (MariaDB/MySQL, any ODBC database). */
#ifndef SPOKE_TRIGGER_H
#define SPOKE_TRIGGER_H

#include "capture/dialect.h"
#include "capture/colfilter.h"
#include "capture/gaps.h"
#include "capture/jsoncheck.h"
#include "capture/publisher.h"
#include "core/buf.h"
#include "core/config.h"
#include "db/db.h"

#include <stdbool.h>
#include <stdint.h>

/* One trigger source while it runs; shared by trigger.c, trigger_setup.c, trigger_snapshot.c. */
struct trig_source {
	const struct config *cfg;
	const struct conf_section *sec;
	const char *name;
	const char *connector; /* "mysql" or "odbc" */
	const struct dialect *dialect;
	struct db *db;
	struct publisher *pub;
	struct gaps *gaps;
	struct colfilter *filter;
	const char *state_dir;
	bool tombstones;
	int64_t poll_ms, gap_timeout_ms;
	int batch_size;
	int64_t next_proof_ms;         /* when the next gap proof may run */
	int64_t next_purge_ms;         /* when a purge may be tried again after a failure */
	int64_t gap_said_ms;           /* when a long gap wait was last reported */
	int64_t next_trigger_check_ms; /* when the triggers are checked again */
	/* the batch being read */
	bool filling;      /* the gap-fill query, not the main one */
	uint64_t position; /* publisher ticket + 1 of the batch */
	uint64_t last_seq; /* highest seq published in the main batch */
	int rows;
	struct buf sql, topic, value, scratch, pk, before, after;
	struct jsoncheck jc;
};

/*
 * Writes the dialect query FMT into OUT (reset first) with its "%s" replaced by the quoted
 * changelog table name. Returns OUT's text.
 */
const char *trigger_changelog_sql(const struct trig_source *src, const char *fmt, struct buf *out);

/* Opens the database and picks the dialect (type = mysql, or odbc with dialect = auto|...). */
int trigger_connect(struct trig_source *src, char *err, size_t errlen);

/*
 * Publishes one changelog row (or snapshot row when OP is 'r'): VALS are the read query's
 * columns seq, tx, schema_name, table_name, op, pk, before, after, changed_at.
 */
int trigger_publish_row(struct trig_source *src, const char *const *vals, const char *snapshot,
                        char *err, size_t errlen);

/* The columns of one table, as the dialect's catalog query lists them. */
struct trig_columns {
	struct dialect_column *cols;
	int n;
};

/* Reads the columns of SCHEMA.TABLE (n = 0: no such table). Returns 0 or -1 with err filled. */
int trigger_columns(struct trig_source *src, const char *schema, const char *table,
                    struct trig_columns *c, char *err, size_t errlen);
void trigger_columns_release(struct trig_columns *c);

/* Splits a tables entry "schema.table" (MySQL: database.table; SQLite: main.table). */
int trigger_split_table(const char *entry, char *schema, size_t slen, char *table, size_t tlen,
                        char *err, size_t errlen);

/*
 * Takes the snapshot when the source has no stored checkpoint (or snapshot = always): tables
 * and the changelog's highest seq read in one consistent transaction, rows published as op "r",
 * then the checkpoint stored at that seq. Returns 0 or -1 with err filled.
 */
int trigger_snapshot_if_needed(struct trig_source *src, char *err, size_t errlen);

#endif
