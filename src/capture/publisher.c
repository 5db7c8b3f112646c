/*
 * publisher: what every capture source shares to publish changes: the Kafka producer, the
 * checkpoint of acknowledged positions, topic names and tombstones.
 */
#include "capture/publisher.h"

#include "capture/checkpoint.h"
#include "core/envelope.h"
#include "core/log.h"
#include "core/runstate.h"
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
	struct runstate *status;
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
	p->status = runstate_new(conf_str(config_find(cfg, "spoke", NULL), "state_dir"), "source",
	                         src->name);
	json_object_set_new(runstate_fields(p->status), "type", json_string(conf_str(src, "type")));
	return p;
}

void publisher_free(struct publisher *p)
{
	if (!p)
		return;
	producer_free(p->producer);
	runstate_free(p->status);
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

/* One more change OP published to TOPIC: "topics": {topic: {op: count}} (per table and op). */
static void count_topic(struct publisher *p, const char *topic, char op)
{
	json_t *f = runstate_fields(p->status), *topics, *per, *n;
	char key[2] = {op, '\0'};

	if (!f)
		return;
	if (!(topics = json_object_get(f, "topics")))
		json_object_set_new(f, "topics", topics = json_object());
	if (!(per = json_object_get(topics, topic)))
		json_object_set_new(topics, topic, per = json_object());
	if ((n = json_object_get(per, key)))
		json_integer_set(n, json_integer_value(n) + 1);
	else
		json_object_set_new(per, key, json_integer(1));
}

int publisher_send(struct publisher *p, uint64_t ticket, const char *topic, char op,
                   const char *key, size_t keylen, const char *value, size_t valuelen, char *err,
                   size_t errlen)
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
	if (op)
		count_topic(p, topic, op);
	return 0;
}

void publisher_end(struct publisher *p, uint64_t ticket, uint64_t position)
{
	checkpoint_end(p->checkpoint, ticket, position);
}

/* Writes the source's run state (spoke status) when it is due: counts, rate, Kafka queue. */
static void write_status(struct publisher *p)
{
	if (!runstate_due(p->status))
		return;
	runstate_count(p->status, "changes", "changes_per_s", p->count);
	json_object_set_new(runstate_fields(p->status), "kafka_queue",
	                    json_integer(producer_in_flight(p->producer)));
	runstate_write(p->status, true);
}

void publisher_poll(struct publisher *p, int timeout_ms)
{
	producer_poll(p->producer, timeout_ms);
	write_status(p);
}

json_t *publisher_status(struct publisher *p)
{
	return runstate_fields(p->status);
}

void publisher_health(struct publisher *p, bool healthy, const char *reason)
{
	runstate_health(p->status, healthy, reason);
}

void publisher_source_time(struct publisher *p, int64_t ts_ms)
{
	int64_t lag = envelope_now_ms() - ts_ms;

	json_object_set_new(runstate_fields(p->status), "lag_ms", json_integer(lag > 0 ? lag : 0));
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
