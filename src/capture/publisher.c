/*
 * publisher: what every capture source shares to publish changes: the Kafka producer, the
 * checkpoint of acknowledged positions, topic names and tombstones.
 */
#include "capture/publisher.h"
#include "capture/checkpoint.h"
#include "core/log.h"
#include "core/signals.h"
#include "kafka/kconf.h"
#include "kafka/producer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct publisher {
	struct producer *producer;
	struct checkpoint *checkpoint;
	char *prefix;
	char *tx_topic;
	char failure[512];
	uint64_t count;
};

static void on_ack(void *arg, uint64_t opaque, rd_kafka_resp_err_t err)
{
	struct publisher *p = arg;

	if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
		checkpoint_ack(p->checkpoint, opaque);
		return;
	}
	/* Never acked: the checkpoint cannot pass this message, so nothing after it is confirmed. */
	if (!p->failure[0])
		snprintf(p->failure, sizeof(p->failure), "Kafka refused a message for good: %s",
		         rd_kafka_err2str(err));
}

struct publisher *publisher_new(const struct config *cfg, const struct conf_section *src,
                                uint64_t start, char *err, size_t errlen)
{
	struct publisher *p = calloc(1, sizeof(*p));
	rd_kafka_conf_t *conf;
	size_t n;

	if (!p) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p->prefix = strdup(conf_str(src, "topic_prefix"));
	n = strlen(p->prefix) + sizeof(".transaction");
	p->tx_topic = malloc(n);
	if (p->tx_topic)
		snprintf(p->tx_topic, n, "%s.transaction", p->prefix);
	p->checkpoint = checkpoint_new(start);
	conf = kconf_new(cfg, err, errlen);
	if (!p->prefix || !p->tx_topic || !p->checkpoint || !conf) {
		if (conf)
			rd_kafka_conf_destroy(conf);
		else if (!err[0])
			snprintf(err, errlen, "out of memory");
		publisher_free(p);
		return NULL;
	}
	p->producer = producer_new(conf, on_ack, p, err, errlen);
	if (!p->producer) {
		publisher_free(p);
		return NULL;
	}
	return p;
}

void publisher_free(struct publisher *p)
{
	if (!p)
		return;
	producer_free(p->producer);
	checkpoint_free(p->checkpoint);
	free(p->prefix);
	free(p->tx_topic);
	free(p);
}

void publisher_topic(const struct publisher *p, const char *schema, const char *table,
                     struct buf *out)
{
	buf_reset(out);
	buf_addf(out, "%s.%s.%s", p->prefix, schema, table);
}

const char *publisher_prefix(const struct publisher *p)
{
	return p->prefix;
}

const char *publisher_tx_topic(const struct publisher *p)
{
	return p->tx_topic;
}

uint64_t publisher_begin(struct publisher *p)
{
	return checkpoint_begin(p->checkpoint);
}

int publisher_send(struct publisher *p, uint64_t ticket, const char *topic, const char *key,
                   size_t keylen, const char *value, size_t valuelen, char *err, size_t errlen)
{
	if (p->failure[0]) {
		snprintf(err, errlen, "%s", p->failure);
		return -1;
	}
	if (producer_send(p->producer, topic, key, keylen, value, valuelen, ticket, err, errlen) <
	    0)
		return -1;
	checkpoint_add(p->checkpoint, ticket);
	p->count++;
	return 0;
}

void publisher_end(struct publisher *p, uint64_t ticket, uint64_t position)
{
	checkpoint_end(p->checkpoint, ticket, position);
}

void publisher_poll(struct publisher *p, int timeout_ms)
{
	producer_poll(p->producer, timeout_ms);
}

uint64_t publisher_confirmed(const struct publisher *p)
{
	return checkpoint_confirmed(p->checkpoint);
}

bool publisher_advance_idle(struct publisher *p, uint64_t position)
{
	return checkpoint_advance_idle(p->checkpoint, position);
}

bool publisher_idle(const struct publisher *p)
{
	return checkpoint_idle(p->checkpoint);
}

/* How long a stop request still waits for Kafka before giving up (the rest is resent later). */
#define STOP_GRACE_MS 30000

int publisher_drain(struct publisher *p, char *err, size_t errlen)
{
	int waited_after_stop = 0;

	while (producer_in_flight(p->producer) > 0 && !p->failure[0]) {
		if (producer_fatal(p->producer)) {
			snprintf(err, errlen, "Kafka producer failed: %s",
			         producer_fatal(p->producer));
			return -1;
		}
		if (signals_stop_requested() && waited_after_stop >= STOP_GRACE_MS) {
			snprintf(
			    err, errlen,
			    "stopped with %zu message(s) not acknowledged; they are sent again "
			    "on the next start",
			    producer_in_flight(p->producer));
			return -1;
		}
		producer_poll(p->producer, 100);
		if (signals_stop_requested())
			waited_after_stop += 100;
	}
	if (p->failure[0]) {
		snprintf(err, errlen, "%s", p->failure);
		return -1;
	}
	return 0;
}

const char *publisher_failure(const struct publisher *p)
{
	return p->failure[0] ? p->failure : NULL;
}

uint64_t publisher_count(const struct publisher *p)
{
	return p->count;
}
