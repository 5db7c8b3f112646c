/* producer: an idempotent librdkafka producer with per-message acknowledgements and back-pressure. */
#include "kafka/producer.h"

#include "core/log.h"
#include "kafka/kconf.h"
#include "core/signals.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COMPONENT "kafka"

/* How long producer_send() waits for room per turn before looking at the stop flag again. */
#define PRODUCER_FULL_WAIT_MS 100

/* The opaque travels in librdkafka's per-message pointer. */
_Static_assert(sizeof(void *) >= sizeof(uint64_t), "message opaques need 64-bit pointers");

/*
 * in_flight counts messages librdkafka accepted whose delivery report has not been served;
 * it is touched only in the caller's thread (reports are served by rd_kafka_poll/_flush).
 * closing silences acknowledgements while the handle is destroyed.
 */
struct producer {
	rd_kafka_t *rk;
	producer_ack_fn ack;
	void *arg;
	size_t in_flight;
	bool closing;
	char max_bytes[32]; /* message.max.bytes, for error messages */
	char fatal[512];
};

/*
 * Settings spoke needs whatever the [kafka] section says (kconf already refuses weaker acks and
 * idempotence). why, when set, is logged if it replaces a user's own value.
 */
static const struct {
	const char *name, *value, *why;
} forced[] = {
    {"enable.idempotence", "true", NULL},
    {"acks", "all", NULL},
    {"partitioner", "murmur2_random", "keys must land on the partitions Java clients choose"},
    {"message.timeout.ms", "0", "a message is retried until it is delivered, never dropped"},
    {"log.queue", "true", NULL}, /* log lines reach us through rd_kafka_poll() */
};

/*
 * Bounds on the memory the producer queue may use, applied when the user left librdkafka's
 * default (1 GiB of kbytes otherwise). The queue is spoke's only buffer: when it is full,
 * capture stops reading.
 */
static const struct {
	const char *name, *value;
} bounded[] = {
    {"queue.buffering.max.messages", "50000"},
    {"queue.buffering.max.kbytes", "16384"},
};

/* Reads property NAME of CONF into BUF ("" when it is unknown or unset). */
static void conf_value(const rd_kafka_conf_t *conf, const char *name, char *buf, size_t size)
{
	size_t n = size;

	if (rd_kafka_conf_get(conf, name, buf, &n) != RD_KAFKA_CONF_OK)
		buf[0] = '\0';
}

static int conf_put(rd_kafka_conf_t *conf, const char *name, const char *value, char *err,
                    size_t errlen)
{
	char why[512];

	if (rd_kafka_conf_set(conf, name, value, why, sizeof(why)) == RD_KAFKA_CONF_OK)
		return 0;
	snprintf(err, errlen, "cannot set %s=%s: %s", name, value, why);
	return -1;
}

/*
 * Applies the forced settings, warning about a user's value they replace, then the memory
 * bounds where CONF still has librdkafka's default. librdkafka cannot say whether a property
 * was set, so a value equal to the default (read from a fresh conf) counts as not set: a user
 * who writes queue.buffering.max.kbytes=1048576 out gets spoke's bound all the same.
 */
static int apply_settings(rd_kafka_conf_t *conf, char *err, size_t errlen)
{
	rd_kafka_conf_t *defaults = rd_kafka_conf_new();
	char have[256], dflt[256];
	int rc = -1;

	/* Topic-level properties (partitioner, message.timeout.ms) live in the default topic conf. */
	rd_kafka_conf_set_default_topic_conf(defaults, rd_kafka_topic_conf_new());

	for (size_t i = 0; i < sizeof(forced) / sizeof(forced[0]); i++) {
		conf_value(conf, forced[i].name, have, sizeof(have));
		conf_value(defaults, forced[i].name, dflt, sizeof(dflt));
		if (forced[i].why && *have && strcmp(have, dflt) != 0 &&
		    strcmp(have, forced[i].value) != 0)
			log_warn(COMPONENT, "[kafka] %s=%s replaced by %s: %s", forced[i].name,
			         have, forced[i].value, forced[i].why);
		if (conf_put(conf, forced[i].name, forced[i].value, err, errlen) < 0)
			goto out;
	}
	for (size_t i = 0; i < sizeof(bounded) / sizeof(bounded[0]); i++) {
		conf_value(conf, bounded[i].name, have, sizeof(have));
		conf_value(defaults, bounded[i].name, dflt, sizeof(dflt));
		if (strcmp(have, dflt) == 0 &&
		    conf_put(conf, bounded[i].name, bounded[i].value, err, errlen) < 0)
			goto out;
	}
	rc = 0;
out:
	rd_kafka_conf_destroy(defaults);
	return rc;
}

/*
 * Refuses settings the producer cannot honour: a transactional.id (messages would need
 * transactions spoke does not run) and a queue too small for one message of message.max.bytes
 * (producer_send would wait for room forever).
 */
static int check_settings(const rd_kafka_conf_t *conf, char *err, size_t errlen)
{
	char txid[256], kbytes[32], maxbytes[32];

	conf_value(conf, "transactional.id", txid, sizeof(txid));
	if (*txid) {
		snprintf(err, errlen,
		         "transactional.id is not supported: spoke's producer is "
		         "idempotent, not transactional");
		return -1;
	}
	conf_value(conf, "queue.buffering.max.kbytes", kbytes, sizeof(kbytes));
	conf_value(conf, "message.max.bytes", maxbytes, sizeof(maxbytes));
	if (strtoll(kbytes, NULL, 10) * 1024 < strtoll(maxbytes, NULL, 10)) {
		snprintf(err, errlen,
		         "queue.buffering.max.kbytes=%s cannot hold one message of "
		         "message.max.bytes=%s",
		         kbytes, maxbytes);
		return -1;
	}
	return 0;
}

/* Delivery report, served in the caller's thread: one per message. */
static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct producer *p = opaque;

	(void)rk;
	assert(p->in_flight > 0);
	p->in_flight--;
	if (m->err)
		log_error(COMPONENT, "delivery to %s [%d] failed: %s", rd_kafka_topic_name(m->rkt),
		          (int)m->partition, rd_kafka_err2str(m->err));
	if (!p->closing)
		p->ack(p->arg, (uint64_t)(uintptr_t)m->_private, m->err);
}

/*
 * Client-level errors. librdkafka recovers from all but fatal ones itself (reconnects, new
 * leaders), so those are warnings. A fatal error is already in librdkafka's FATAL log line; it
 * stops the producer and is kept for producer_fatal().
 */
static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	struct producer *p = opaque;

	(void)rk;
	if (err == RD_KAFKA_RESP_ERR__FATAL)
		producer_fatal(p);
	else
		log_warn(COMPONENT, "%s: %s", rd_kafka_err2name((rd_kafka_resp_err_t)err), reason);
}

/* Fills in callbacks and fixed settings, then makes the handle. Does not take CONF. */
static int producer_start(struct producer *p, rd_kafka_conf_t *conf, char *err, size_t errlen)
{
	char errstr[512];

	if (apply_settings(conf, err, errlen) < 0 || check_settings(conf, err, errlen) < 0)
		return -1;
	conf_value(conf, "message.max.bytes", p->max_bytes, sizeof(p->max_bytes));
	rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
	rd_kafka_conf_set_error_cb(conf, on_error);
	rd_kafka_conf_set_log_cb(conf, kconf_on_log);
	rd_kafka_conf_set_opaque(conf, p);
	p->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
	if (!p->rk) {
		snprintf(err, errlen, "cannot create Kafka producer: %s", errstr);
		return -1;
	}
	/* The main queue, so rd_kafka_poll() serves log lines with the delivery reports. */
	rd_kafka_set_log_queue(p->rk, NULL);
	return 0;
}

struct producer *producer_new(rd_kafka_conf_t *conf, producer_ack_fn ack, void *arg, char *err,
                              size_t errlen)
{
	struct producer *p = calloc(1, sizeof(*p));

	if (!p) {
		snprintf(err, errlen, "out of memory");
		rd_kafka_conf_destroy(conf);
		return NULL;
	}
	p->ack = ack;
	p->arg = arg;
	/* rd_kafka_new() takes CONF only when it succeeds. */
	if (producer_start(p, conf, err, errlen) < 0) {
		rd_kafka_conf_destroy(conf);
		free(p);
		return NULL;
	}
	return p;
}

/* RD_KAFKA_V_VALUE wants a plain void *; with RD_KAFKA_MSG_F_COPY the bytes are only read. */
static void *unconst(const void *ptr)
{
	return (void *)(uintptr_t)ptr;
}

/* Explains why librdkafka refused a message at once. */
static int send_failed(struct producer *p, rd_kafka_resp_err_t kerr, const char *topic,
                       size_t keylen, size_t valuelen, char *err, size_t errlen)
{
	if (kerr == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE)
		snprintf(err, errlen,
		         "message to topic %s is too large: key %zu bytes + value %zu bytes, with "
		         "record overhead, exceed message.max.bytes=%s",
		         topic, keylen, valuelen, p->max_bytes);
	else if (kerr == RD_KAFKA_RESP_ERR__FATAL)
		snprintf(err, errlen, "%s", producer_fatal(p));
	else
		snprintf(err, errlen, "cannot queue message for topic %s: %s", topic,
		         rd_kafka_err2str(kerr));
	return -1;
}

/* One attempt to queue; HDRS (may be NULL) is copied, the copy given to librdkafka. */
static rd_kafka_resp_err_t produce_once(struct producer *p, const char *topic, const void *key,
                                        size_t keylen, const void *value, size_t valuelen,
                                        const rd_kafka_headers_t *hdrs, uint64_t opaque)
{
	rd_kafka_headers_t *copy = hdrs ? rd_kafka_headers_copy(hdrs) : NULL;
	rd_kafka_resp_err_t kerr = rd_kafka_producev(
	    p->rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
	    RD_KAFKA_V_KEY(key, keylen), RD_KAFKA_V_VALUE(unconst(value), valuelen),
	    RD_KAFKA_V_HEADERS(copy), RD_KAFKA_V_OPAQUE((void *)(uintptr_t)opaque), RD_KAFKA_V_END);

	if (kerr != RD_KAFKA_RESP_ERR_NO_ERROR && copy)
		rd_kafka_headers_destroy(copy);
	return kerr;
}

int producer_send_headers(struct producer *p, const char *topic, const void *key, size_t keylen,
                          const void *value, size_t valuelen, const rd_kafka_headers_t *hdrs,
                          uint64_t opaque, char *err, size_t errlen)
{
	rd_kafka_resp_err_t kerr;

	for (;;) {
		kerr = produce_once(p, topic, key, keylen, value, valuelen, hdrs, opaque);
		if (kerr == RD_KAFKA_RESP_ERR_NO_ERROR) {
			p->in_flight++;
			return 0;
		}
		if (kerr != RD_KAFKA_RESP_ERR__QUEUE_FULL)
			return send_failed(p, kerr, topic, keylen, valuelen, err, errlen);
		if (producer_fatal(p))
			return send_failed(p, RD_KAFKA_RESP_ERR__FATAL, topic, 0, 0, err, errlen);
		if (signals_stop_requested()) {
			snprintf(err, errlen,
			         "stopping: producer queue full, message for topic %s not queued",
			         topic);
			return -1;
		}
		/* Back-pressure: serve delivery reports until librdkafka has room. */
		rd_kafka_poll(p->rk, PRODUCER_FULL_WAIT_MS);
	}
}

int producer_send(struct producer *p, const char *topic, const void *key, size_t keylen,
                  const void *value, size_t valuelen, uint64_t opaque, char *err, size_t errlen)
{
	return producer_send_headers(p, topic, key, keylen, value, valuelen, NULL, opaque, err,
	                             errlen);
}

void producer_poll(struct producer *p, int timeout_ms)
{
	rd_kafka_poll(p->rk, timeout_ms);
}

int producer_flush(struct producer *p, int timeout_ms)
{
	rd_kafka_flush(p->rk, timeout_ms);
	return p->in_flight == 0 ? 0 : -1;
}

size_t producer_in_flight(const struct producer *p)
{
	return p->in_flight;
}

const char *producer_fatal(struct producer *p)
{
	char reason[sizeof(p->fatal) - 64];
	rd_kafka_resp_err_t kerr;

	if (p->fatal[0])
		return p->fatal;
	kerr = rd_kafka_fatal_error(p->rk, reason, sizeof(reason));
	if (kerr == RD_KAFKA_RESP_ERR_NO_ERROR)
		return NULL;
	snprintf(p->fatal, sizeof(p->fatal), "fatal Kafka producer error %s: %s",
	         rd_kafka_err2name(kerr), reason);
	return p->fatal;
}

void producer_free(struct producer *p)
{
	if (!p)
		return;
	p->closing = true;
	rd_kafka_destroy(p->rk);
	free(p);
}
