/* pg_stream: the replication connection: slots, START_REPLICATION, CopyData, status updates. */
#ifndef SPOKE_PG_STREAM_H
#define SPOKE_PG_STREAM_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One message of the stream. DATA stays valid until the next pg_stream_next(). */
struct pg_stream_msg {
	char kind;          /* 'w' XLogData, 'k' primary keepalive */
	uint64_t wal_start; /* 'w': the LSN of the data */
	uint64_t wal_end;   /* the server's current end of WAL (sent position) */
	bool reply_requested;
	const char *data; /* 'w': the pgoutput message */
	size_t len;
};

struct pg_stream;

/* Takes ownership of CONN, a replication=database connection. */
struct pg_stream *pg_stream_new(PGconn *conn);
void pg_stream_free(struct pg_stream *s);

/*
 * CREATE_REPLICATION_SLOT SLOT LOGICAL pgoutput, exporting a snapshot when SNAPSHOT_NAME is not
 * NULL (then valid until the next command on this connection). Sets *consistent to the slot's
 * consistent point. The server answers once every transaction that was running has ended:
 * until then WAITING(ARG, seconds waited) is called every 10 s (WAITING may be NULL), and a
 * stop request cancels the command. Returns 0 or -1 with err filled.
 */
int pg_stream_create_slot(struct pg_stream *s, const char *slot, char *snapshot_name,
                          size_t snapshot_len, uint64_t *consistent,
                          void (*waiting)(void *arg, int secs), void *arg, char *err,
                          size_t errlen);

/* START_REPLICATION SLOT ... LOGICAL START with pgoutput protocol 1 and PUBLICATION. */
int pg_stream_start(struct pg_stream *s, const char *slot, const char *publication, uint64_t start,
                    char *err, size_t errlen);

/*
 * Reads the next message, waiting up to TIMEOUT_MS. Returns 1 with *msg filled, 0 when none
 * came in time, -1 when the stream ended or failed (err says why).
 */
int pg_stream_next(struct pg_stream *s, int timeout_ms, struct pg_stream_msg *msg, char *err,
                   size_t errlen);

/*
 * Sends a standby status update: WRITTEN is the last position received, FLUSHED the position
 * every change before which Kafka has acknowledged (what the slot may release). Returns 0 or -1.
 */
int pg_stream_feedback(struct pg_stream *s, uint64_t written, uint64_t flushed, char *err,
                       size_t errlen);

/* Parses "16/B374D848" into an LSN. */
bool pg_lsn_parse(const char *text, uint64_t *lsn);

#define LSN_FMT       "%X/%X"
#define LSN_ARGS(lsn) (unsigned)((lsn) >> 32), (unsigned)(lsn)

#endif
