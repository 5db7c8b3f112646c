/*
 * consumer: a Kafka consumer group member for appliers. Positions are not Kafka's to keep:
 * when partitions are assigned, the applier says where each one starts (the offsets its
 * targets stored with the data); Kafka's committed offsets are only written for monitoring.
 */
#ifndef SPOKE_CONSUMER_H
#define SPOKE_CONSUMER_H

#include "core/config.h"

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * Rebalance hooks, called from consumer_poll()/consumer_close() in the caller's thread.
 * ASSIGN sets the starting offset of each partition of PARTS (an offset, or
 * RD_KAFKA_OFFSET_BEGINNING); REVOKE is called before partitions are taken away: the applier
 * applies what it holds of them first.
 */
struct consumer_hooks {
	void (*assign)(void *arg, rd_kafka_topic_partition_list_t *parts);
	void (*revoke)(void *arg, const rd_kafka_topic_partition_list_t *parts);
	void *arg;
};

struct consumer;

/*
 * Joins GROUP and subscribes to TOPICS (names, or fnmatch patterns with * ? [ ], which
 * become regular expressions). Kafka settings come from [kafka] of CFG; spoke fixes
 * enable.auto.commit=false and auto.offset.reset=error (a stored offset that retention has
 * deleted is reported, never skipped); where [kafka] keeps librdkafka's defaults it uses static
 * membership (group.instance.id GROUP@HOSTNAME), session.timeout.ms 10000, a 16 MiB prefetch
 * queue and a 10 s metadata refresh. Returns NULL with err filled.
 */
struct consumer *consumer_new(const struct config *cfg, const char *group, char *const *topics,
                              int ntopics, const struct consumer_hooks *hooks, char *err,
                              size_t errlen);

/*
 * The next message within TIMEOUT_MS, or NULL. Errors that librdkafka recovers from (broker
 * down, unknown topic yet) are logged and give NULL; a fatal one (an offset no longer in
 * Kafka, a fatal client error) gives NULL and sets consumer_fatal(). The caller destroys
 * messages with rd_kafka_message_destroy().
 */
rd_kafka_message_t *consumer_poll(struct consumer *c, int timeout_ms);

/* Why the consumer cannot go on, or NULL. */
const char *consumer_fatal(const struct consumer *c);

/* Records NEXT as the committed offset of TOPIC/PART in Kafka (asynchronous, informative). */
void consumer_commit(struct consumer *c, const char *topic, int part, int64_t next);

/*
 * Calls FN for each partition assigned to C, with its high watermark as last fetched (-1 when
 * not known yet): no request to Kafka. For spoke status.
 */
void consumer_partitions(struct consumer *c,
                         void (*fn)(void *arg, const char *topic, int part, int64_t high),
                         void *arg);

/* Leaves the group (calling REVOKE) and frees. Accepts NULL. */
void consumer_free(struct consumer *c);

#endif
