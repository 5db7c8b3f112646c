/*
 * publisher: what every capture source shares to publish changes: the Kafka producer, the
 * checkpoint of acknowledged positions, topic names and tombstones.
 */
#ifndef SPOKE_PUBLISHER_H
#define SPOKE_PUBLISHER_H

#include "core/buf.h"
#include "core/config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct publisher;

/*
 * Creates the publisher of source SRC: a producer built from the [kafka] section, a checkpoint
 * starting at START (the position already confirmed). Returns NULL with err filled.
 */
struct publisher *publisher_new(const struct config *cfg, const struct conf_section *src,
                                uint64_t start, char *err, size_t errlen);
void publisher_free(struct publisher *p);

/* Writes the topic of a table, PREFIX.SCHEMA.TABLE, into OUT (reset first). */
void publisher_topic(const struct publisher *p, const char *schema, const char *table,
                     struct buf *out);
/* The topic prefix (topic_prefix). Borrowed. */
const char *publisher_prefix(const struct publisher *p);
/* The topic of transaction records, PREFIX.transaction. Borrowed. */
const char *publisher_tx_topic(const struct publisher *p);

/* Opens the next transaction of the checkpoint; returns its ticket. */
uint64_t publisher_begin(struct publisher *p);
/*
 * Publishes one message of transaction TICKET (VALUE NULL: a tombstone); OP is the change's op
 * (c, u, d, r, t, m), counted per topic for spoke status and /metrics, or 0 for a message that
 * is no change (a tombstone, a transaction record). Waits while Kafka's
 * queue is full. Returns 0, or -1 with err filled (message too large, producer failed, stop
 * requested): the caller stops, and the position never passes this message.
 */
int publisher_send(struct publisher *p, uint64_t ticket, const char *topic, char op,
                   const char *key, size_t keylen, const char *value, size_t valuelen, char *err,
                   size_t errlen);
/* Transaction TICKET is complete; POSITION may be confirmed once its messages are all acked. */
void publisher_end(struct publisher *p, uint64_t ticket, uint64_t position);

/* Serves delivery reports for up to TIMEOUT_MS. */
void publisher_poll(struct publisher *p, int timeout_ms);
/* The position below which everything is acknowledged. */
uint64_t publisher_confirmed(const struct publisher *p);
/* When nothing is in flight, confirms POSITION directly (a keepalive); returns whether it moved. */
bool publisher_advance_idle(struct publisher *p, uint64_t position);
/* True when no message is in flight and no transaction open. */
bool publisher_idle(const struct publisher *p);
/*
 * Waits until every message is acknowledged (or a stop is requested). Returns 0, or -1 with
 * err filled when a delivery failed permanently or the wait was interrupted.
 */
int publisher_drain(struct publisher *p, char *err, size_t errlen);
/* The permanent delivery failure seen, or NULL. Once set, the source must stop. Borrowed. */
const char *publisher_failure(const struct publisher *p);
/*
 * The source's fields in its run state (spoke status; core/runstate.h), borrowed: the source
 * sets "position" (text) and what else it knows; the publisher sets changes, changes_per_s
 * and lag_ms and writes them from publisher_poll. NULL when there is no run state.
 */
struct json_t *publisher_status(struct publisher *p);
/* The source works (HEALTHY), or why not (REASON): for /health and spoke status. */
void publisher_health(struct publisher *p, bool healthy, const char *reason);
/* A change committed at TS_MS (epoch ms) is being published: lag_ms is now - TS_MS. */
void publisher_source_time(struct publisher *p, int64_t ts_ms);
/* Messages published so far (for progress and metrics). */
uint64_t publisher_count(const struct publisher *p);

#endif
