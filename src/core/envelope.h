/* envelope: writes the Debezium-compatible change event (value) and its key as JSON. */
#ifndef SPOKE_ENVELOPE_H
#define SPOKE_ENVELOPE_H

#include "core/buf.h"

#include <stdbool.h>
#include <stdint.h>

/* The "source" block. Strings are borrowed; NULL strings are written as null. */
struct envelope_source {
	const char *connector; /* "postgresql", "mysql", "odbc" */
	const char *name;      /* the [source NAME] */
	int64_t ts_ms;	       /* commit time (snapshot rows: the snapshot's start) */
	const char *snapshot;  /* "true", "last" or "false" */
	const char *db;
	const char *schema;
	const char *table;
	int64_t tx_id;	  /* < 0: null */
	bool has_lsn;	  /* PostgreSQL: lsn and sequence */
	uint64_t lsn;	  /* the change's own LSN */
	uint64_t prev_lsn; /* sequence = ["prev_lsn","lsn"] as Debezium writes it */
	bool has_seq;	  /* trigger sources: seq */
	uint64_t seq;
};

/*
 * One change event. before/after are complete JSON objects (or NULL for null); unchanged is a
 * JSON array of column names or NULL (written only when not NULL). The transaction block is
 * written when tx_block_id is not NULL.
 */
struct envelope {
	char op; /* c u d r t m */
	const char *before;
	const char *after;
	const char *unchanged;
	const char *message; /* op m: {"prefix":...,"content":...} object, else NULL */
	struct envelope_source source;
	int64_t ts_ms; /* when spoke wrote the event */
	const char *tx_block_id;
	uint64_t total_order;
	uint64_t data_collection_order;
};

/* Appends the event as one JSON object: before, after, [unchanged], source, op, ts_ms, transaction. */
void envelope_write(struct buf *out, const struct envelope *e);

/* Milliseconds since the epoch, now. */
int64_t envelope_now_ms(void);

#endif
