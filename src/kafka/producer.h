/* producer: publishes messages to Kafka and reports each delivery, never dropping one. */
#ifndef SPOKE_PRODUCER_H
#define SPOKE_PRODUCER_H

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Called from producer_poll()/producer_send()/producer_flush() in the caller's thread, once per
 * message: ERR is RD_KAFKA_RESP_ERR_NO_ERROR when Kafka acknowledged it (acks=all), else the
 * permanent failure (librdkafka retries transient ones itself, without a time limit). OPAQUE is
 * what producer_send() was given.
 */
typedef void (*producer_ack_fn)(void *arg, uint64_t opaque, rd_kafka_resp_err_t err);

struct producer;

/*
 * Creates an idempotent producer (enable.idempotence=true, acks=all, partitioner murmur2_random,
 * message.timeout.ms=0 so a message is retried until it is delivered) from CONF, which it takes
 * ownership of, also on failure. Returns NULL with err filled.
 * Those settings replace whatever CONF says (a replaced partitioner or message.timeout.ms is
 * logged as a warning). Where CONF keeps librdkafka's defaults, the queue is bounded to
 * queue.buffering.max.messages=100000 and queue.buffering.max.kbytes=65536. CONF with a
 * transactional.id, or a queue too small for one message of message.max.bytes, is refused.
 * librdkafka's log lines go to our logger (component "kafka") from producer_poll/_send/_flush,
 * in the caller's thread. ACK may read producer_in_flight() but must not send, poll or flush.
 */
struct producer *producer_new(rd_kafka_conf_t *conf, producer_ack_fn ack, void *arg, char *err,
                              size_t errlen);

/*
 * Queues one message. KEY may be NULL (no key), VALUE may be NULL (a tombstone). The bytes are
 * copied. While librdkafka's queue is full it polls (delivering acks) and waits: this is the
 * back-pressure that stops capture from reading further. Returns 0, or -1 with err filled for a
 * failure retrying cannot fix (message larger than message.max.bytes, fatal producer error),
 * or when a stop was requested (signals_stop_requested()) while it waited for room.
 */
int producer_send(struct producer *p, const char *topic, const void *key, size_t keylen,
                  const void *value, size_t valuelen, uint64_t opaque, char *err, size_t errlen);

/* producer_send with headers: HDRS (may be NULL) is copied, the caller keeps it. */
int producer_send_headers(struct producer *p, const char *topic, const void *key, size_t keylen,
                          const void *value, size_t valuelen, const rd_kafka_headers_t *hdrs,
                          uint64_t opaque, char *err, size_t errlen);

/* Serves delivery reports for up to TIMEOUT_MS. */
void producer_poll(struct producer *p, int timeout_ms);

/* Waits up to TIMEOUT_MS for every queued message to be acknowledged. Returns 0 or -1 (timeout). */
int producer_flush(struct producer *p, int timeout_ms);

/* Messages queued and not yet acknowledged. */
size_t producer_in_flight(const struct producer *p);

/* The fatal error that stopped the producer, or NULL when there is none. Borrowed. */
const char *producer_fatal(struct producer *p);

/* Frees the producer without flushing (call producer_flush first). Accepts NULL. */
void producer_free(struct producer *p);

#endif
