/* pg_source: capture of one PostgreSQL source: its state, shared by the files that serve it. */
#ifndef SPOKE_PG_SOURCE_H
#define SPOKE_PG_SOURCE_H

#include "capture/colfilter.h"
#include "capture/pgoutput.h"
#include "capture/pg_catalog.h"
#include "capture/pg_stream.h"
#include "capture/publisher.h"
#include "core/buf.h"
#include "core/config.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

/* What capture knows of a published table, rebuilt on every Relation message. */
struct pg_table {
	uint32_t oid;
	char *schema;
	char *name;
	char *topic;
	int *key_cols; /* indices of the message key's columns */
	int nkey;
	enum col_action *actions; /* per column */
	int ncols;
	uint64_t gen;   /* transaction generation the counters below belong to */
	uint64_t count; /* events of this table in that transaction */
};

/* The transaction being decoded. */
struct pg_txn {
	bool open;
	bool skip; /* written by an origin in skip_origins */
	uint64_t ticket;
	uint64_t final_lsn;
	int64_t ts_ms;
	uint32_t xid;
	uint64_t total;
	uint64_t gen;
	bool begin_sent; /* the transaction topic's BEGIN record went out */
	char id[48];     /* "xid:lsn" */
};

struct pg_source {
	const struct config *cfg;
	const struct conf_section *sec;
	const char *name;
	const char *password;
	PGconn *meta; /* catalog lookups and heartbeats */
	struct pg_stream *stream;
	struct pgoutput *decoder;
	struct pgtypes *types;
	struct pgcat_types type_lookup;
	struct publisher *pub;
	struct colfilter *filter;
	struct pg_table *tables;
	size_t ntables;
	struct pg_txn txn;
	uint64_t msg_lsn;     /* LSN of the message being decoded */
	uint64_t prev_commit; /* end LSN of the last commit seen (for source.sequence) */
	uint64_t received;    /* highest LSN received (reported as written) */
	bool tombstones;
	bool tx_topic;
	char *const *skip_origins;
	size_t nskip;
	/* per-change scratch, reset for every change */
	struct buf key, old_key, before, after, unchanged, value, topic;
};

/* The decoder callbacks that turn pgoutput messages into published events (pg_changes.c). */
extern const struct pgo_callbacks pg_changes_callbacks;

/* Drops the table cache (after a reconnect the server describes every relation again). */
void pg_changes_reset(struct pg_source *src);
void pg_changes_free(struct pg_source *src);

/*
 * Builds the table entry for columns NAMES[NCOLS] of SCHEMA.TABLE (OID), asking the catalog for
 * its primary key; FLAGGED (may be NULL) marks the replica identity columns, used as the key
 * when there is no primary key. Returns the entry (owned by SRC) or NULL with err filled.
 */
struct pg_table *pg_table_build(struct pg_source *src, uint32_t oid, const char *schema,
                                const char *table, const char *const *names, const bool *flagged,
                                int ncols, char *err, size_t errlen);

/* Publishes one event value of op OP with its key (and a tombstone after a delete, 'd'). */
int pg_publish(struct pg_source *src, uint64_t ticket, struct pg_table *t, const char *key,
               const char *value, char op, char *err, size_t errlen);

/* Reads every published table under SNAPSHOT_NAME and publishes op "r" events (pg_snapshot.c). */
int pg_snapshot_run(struct pg_source *src, const char *snapshot_name, uint64_t consistent,
                    char *err, size_t errlen);

#endif
