/* envelope: writes the Debezium-compatible change event (value) and its key as JSON. */
#ifndef SPOKE_ENVELOPE_H
#define SPOKE_ENVELOPE_H

#include "core/buf.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The "source" block. Strings are borrowed; NULL strings are written as null. */
struct envelope_source {
	const char *connector; /* "postgresql", "mysql", "odbc" */
	const char *name;      /* the [source NAME] */
	int64_t ts_ms;         /* commit time (snapshot rows: the snapshot's start) */
	const char *snapshot;  /* "true", "last" or "false" */
	const char *db;
	const char *schema;
	const char *table;
	int64_t tx_id;     /* < 0: null */
	bool has_lsn;      /* PostgreSQL: lsn and sequence */
	uint64_t lsn;      /* the change's own LSN */
	uint64_t prev_lsn; /* sequence = ["prev_lsn","lsn"] as Debezium writes it */
	bool has_seq;      /* trigger sources: seq */
	uint64_t seq;
};

/*
 * One change event. before/after are complete JSON objects (or NULL for null); unchanged is a
 * JSON array of column names or NULL (written only when not NULL). The transaction block is
 * written when tx_block_id is not NULL, else "transaction" is null.
 *
 * A logical decoding message (op 'm') follows Debezium's PostgreSQL connector: it has no
 * "before", "after" or "unchanged" (they are not written, whatever the struct holds) and a
 * "message" object {"prefix":"...","content":"<base64>"} instead (envelope_write_message()
 * makes one). Debezium writes its source "schema" and "table" as "", so pass "" for them.
 * A truncate (op 't') has "before" and "after" null, one event per table.
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

/*
 * Appends the event as one compact JSON object, in this order:
 *   before, after, [unchanged], source, op, ts_ms, transaction           (ops c u d r t)
 *   source, op, ts_ms, message, transaction                              (op m)
 * Source fields: version, connector, name, ts_ms, snapshot, db, schema, table, txId, then
 * lsn and sequence (has_lsn) or seq (has_seq). sequence is Debezium's string
 * "[\"prev_lsn\",\"lsn\"]", with null for a prev_lsn of 0. schemas/change-event.schema.json
 * describes the result. Check buf_ok(out) afterwards.
 */
void envelope_write(struct buf *out, const struct envelope *e);

/*
 * Appends a logical decoding message's "message" object: {"prefix":PREFIX,"content":BASE64}
 * where BASE64 is the standard base64 of CONTENT (LEN bytes).
 */
void envelope_write_message(struct buf *out, const char *prefix, const void *content, size_t len);

/* Milliseconds since the epoch, now. */
int64_t envelope_now_ms(void);

#endif
