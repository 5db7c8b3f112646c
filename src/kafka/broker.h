/* broker: in-memory Kafka broker on loopback (librdkafka's mock cluster) for tests and trials. */
#ifndef SPOKE_BROKER_H
#define SPOKE_BROKER_H

#include <stddef.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#define BROKER_BROKERS_MAX    16
#define BROKER_PARTITIONS_MAX 10000
/* Kafka's own limit on the length of a topic name. */
#define BROKER_TOPIC_NAME_MAX 249
/* Partitions of a topic a client creates by using it; librdkafka 2.0.2's mock cannot change it. */
#define BROKER_AUTO_PARTITIONS 4

/* A topic to create before the broker is announced. */
struct broker_topic {
	char name[BROKER_TOPIC_NAME_MAX + 1];
	int partitions; /* 1..BROKER_PARTITIONS_MAX */
};

struct broker_opts {
	int brokers;                       /* 1..BROKER_BROKERS_MAX */
	const struct broker_topic *topics; /* borrowed; created in this order */
	size_t ntopics;
};

/*
 * A running mock cluster. Its brokers listen on 127.0.0.1 on ephemeral ports and serve
 * clients from librdkafka's own threads; the owner calls broker_poll() now and then so that
 * librdkafka's log lines reach our logger. Every message lives in memory only.
 */
struct broker;

/*
 * Parses a --topic value: "NAME:PARTITIONS", or "NAME" alone, which takes DEFAULT_PARTITIONS.
 * NAME is a legal Kafka topic name (letters, digits, '.', '_', '-'; at most 249 characters;
 * not "." or ".."); PARTITIONS is a plain decimal number from 1 to BROKER_PARTITIONS_MAX.
 * Fills OUT and returns 0, or returns -1 with a message naming the bad value in ERR.
 */
int broker_parse_topic(const char *spec, int default_partitions, struct broker_topic *out,
                       char *err, size_t errlen);

/*
 * Starts a cluster of opts->brokers brokers and creates every topic in OPTS (replication
 * factor min(3, brokers)). Returns the broker, owned by the caller (broker_free), or NULL with
 * the reason in ERR. OPTS is not kept.
 */
struct broker *broker_new(const struct broker_opts *opts, char *err, size_t errlen);

/* The comma-separated bootstrap list ("127.0.0.1:PORT,..."); borrowed, valid until broker_free. */
const char *broker_bootstraps(const struct broker *b);

/*
 * The underlying mock cluster, borrowed (valid until broker_free), for fault injection in tests:
 * rd_kafka_mock_broker_set_down/_up/_set_rtt, rd_kafka_mock_push_request_errors. Broker ids
 * run from 1 to opts->brokers.
 */
rd_kafka_mock_cluster_t *broker_mock_cluster(struct broker *b);

/* Hands librdkafka's queued log lines to our logger, waiting up to TIMEOUT_MS for one. */
void broker_poll(struct broker *b, int timeout_ms);

/*
 * Writes the bootstrap list and a newline to PATH atomically: PATH.tmp in the same directory,
 * fsync, rename. A reader sees either no file or the whole list. Returns 0, or -1 with ERR.
 */
int broker_write_bootstrap_file(const struct broker *b, const char *path, char *err, size_t errlen);

/* Stops the brokers, closing every client connection, and frees B. Accepts NULL. */
void broker_free(struct broker *b);

#endif
