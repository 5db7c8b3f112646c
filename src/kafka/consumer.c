/* consumer: the Kafka consumer group member of appliers (see consumer.h). */
#include "kafka/consumer.h"

#include "core/buf.h"
#include "core/log.h"
#include "kafka/kconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define COMPONENT "kafka"

struct consumer {
	rd_kafka_t *rk;
	struct consumer_hooks hooks;
	char fatal[512];
};

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
	struct consumer *c = opaque;

	if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
		c->hooks.assign(c->hooks.arg, parts);
		for (int i = 0; i < parts->cnt; i++)
			log_info("apply", "partition %s [%d] assigned, starting at offset %lld",
			         parts->elems[i].topic, (int)parts->elems[i].partition,
			         (long long)parts->elems[i].offset);
		rd_kafka_assign(rk, parts);
	} else {
		c->hooks.revoke(c->hooks.arg, parts);
		rd_kafka_assign(rk, NULL);
	}
}

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	struct consumer *c = opaque;
	char why[256];

	if (err != RD_KAFKA_RESP_ERR__FATAL) {
		log_warn(COMPONENT, "%s: %s", rd_kafka_err2name((rd_kafka_resp_err_t)err), reason);
		return;
	}
	rd_kafka_fatal_error(rk, why, sizeof(why));
	snprintf(c->fatal, sizeof(c->fatal), "Kafka consumer failed: %s", why);
}

/* A topic name, or a pattern turned into librdkafka's "^regex" subscription. */
static char *subscription(const char *topic)
{
	struct buf b = BUF_INIT;

	if (!strpbrk(topic, "*?["))
		return strdup(topic);
	buf_addc(&b, '^');
	for (const char *p = topic; *p; p++) {
		if (*p == '*')
			buf_adds(&b, ".*");
		else if (*p == '?')
			buf_addc(&b, '.');
		else if (*p == '[' || *p == ']')
			buf_addc(&b, *p);
		else if (strchr(".+()|{}^$\\", *p))
			buf_addf(&b, "\\%c", *p);
		else
			buf_addc(&b, *p);
	}
	buf_addc(&b, '$');
	if (!buf_ok(&b)) {
		buf_release(&b);
		return NULL;
	}
	return b.data;
}

static int subscribe(struct consumer *c, char *const *topics, int ntopics, char *err, size_t errlen)
{
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(ntopics);
	int rc = 0;

	for (int i = 0; i < ntopics; i++) {
		char *s = subscription(topics[i]);
		if (!s) {
			snprintf(err, errlen, "out of memory");
			rc = -1;
			break;
		}
		rd_kafka_topic_partition_list_add(l, s, RD_KAFKA_PARTITION_UA);
		free(s);
	}
	rd_kafka_resp_err_t kerr = rc ? RD_KAFKA_RESP_ERR_NO_ERROR : rd_kafka_subscribe(c->rk, l);
	if (kerr) {
		snprintf(err, errlen, "cannot subscribe: %s", rd_kafka_err2str(kerr));
		rc = -1;
	}
	rd_kafka_topic_partition_list_destroy(l);
	return rc;
}

/* The settings spoke fixes, and defaults of its own where the [kafka] section keeps librdkafka's. */
static int consumer_settings(rd_kafka_conf_t *conf, const char *group, char *err, size_t errlen)
{
	static const char *const fixed[][2] = {
	    {"enable.auto.commit", "false"},
	    {"enable.auto.offset.store", "false"},
	    {"auto.offset.reset", "error"},
	};
	char why[256], val[64];
	size_t len = sizeof(val);

	if (rd_kafka_conf_set(conf, "group.id", group, why, sizeof(why)) != RD_KAFKA_CONF_OK)
		goto fail;
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (rd_kafka_conf_set(conf, fixed[i][0], fixed[i][1], why, sizeof(why)) !=
		    RD_KAFKA_CONF_OK)
			goto fail;
	if (rd_kafka_conf_get(conf, "queued.max.messages.kbytes", val, &len) == RD_KAFKA_CONF_OK &&
	    strcmp(val, "65536") == 0)
		rd_kafka_conf_set(conf, "queued.max.messages.kbytes", "16384", why, sizeof(why));
	/*
	 * Static membership: a member restarted after a crash takes its partitions back at once
	 * instead of waiting for the group to time the dead one out. One per group and host.
	 */
	len = sizeof(val);
	if (rd_kafka_conf_get(conf, "group.instance.id", val, &len) == RD_KAFKA_CONF_OK &&
	    !val[0]) {
		char host[256] = "localhost", id[600];
		gethostname(host, sizeof(host) - 1);
		snprintf(id, sizeof(id), "%s@%s", group, host);
		if (rd_kafka_conf_set(conf, "group.instance.id", id, why, sizeof(why)) !=
		    RD_KAFKA_CONF_OK)
			goto fail;
	}
	/* A member that died without leaving is noticed within 10 s (librdkafka: 45 s). */
	len = sizeof(val);
	if (rd_kafka_conf_get(conf, "session.timeout.ms", val, &len) == RD_KAFKA_CONF_OK &&
	    strcmp(val, "45000") == 0)
		rd_kafka_conf_set(conf, "session.timeout.ms", "10000", why, sizeof(why));
	/* A topic that appears after the start (a new source) is noticed within 10 s, not 5 min. */
	len = sizeof(val);
	if (rd_kafka_conf_get(conf, "topic.metadata.refresh.interval.ms", val, &len) ==
	        RD_KAFKA_CONF_OK &&
	    strcmp(val, "300000") == 0)
		rd_kafka_conf_set(conf, "topic.metadata.refresh.interval.ms", "10000", why,
		                  sizeof(why));
	return 0;
fail:
	snprintf(err, errlen, "Kafka consumer settings: %s", why);
	return -1;
}

struct consumer *consumer_new(const struct config *cfg, const char *group, char *const *topics,
                              int ntopics, const struct consumer_hooks *hooks, char *err,
                              size_t errlen)
{
	struct consumer *c = calloc(1, sizeof(*c));
	rd_kafka_conf_t *conf = NULL;
	char why[512];

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->hooks = *hooks;
	if (!(conf = kconf_new(cfg, err, errlen)) ||
	    consumer_settings(conf, group, err, errlen) < 0)
		goto fail;
	rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
	rd_kafka_conf_set_error_cb(conf, on_error);
	rd_kafka_conf_set_log_cb(conf, kconf_on_log);
	rd_kafka_conf_set_opaque(conf, c);
	if (!(c->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, why, sizeof(why)))) {
		snprintf(err, errlen, "cannot create Kafka consumer: %s", why);
		goto fail;
	}
	conf = NULL;
	rd_kafka_poll_set_consumer(c->rk);
	if (subscribe(c, topics, ntopics, err, errlen) < 0)
		goto fail;
	return c;
fail:
	if (conf)
		rd_kafka_conf_destroy(conf);
	if (c->rk)
		rd_kafka_destroy(c->rk);
	free(c);
	return NULL;
}

/* An error delivered as a message: fatal when it would mean skipping data. */
static void consumer_error(struct consumer *c, const rd_kafka_message_t *m)
{
	const char *topic = m->rkt ? rd_kafka_topic_name(m->rkt) : "?";

	if (m->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET) {
		snprintf(
		    c->fatal, sizeof(c->fatal),
		    "%s [%d]: the offset to apply next is no longer in Kafka (retention deleted "
		    "messages spoke had not applied yet: those changes are lost for this "
		    "applier): %s; resynchronise the target, then delete its spoke_offsets rows "
		    "for this topic",
		    topic, (int)m->partition, rd_kafka_message_errstr(m));
		return;
	}
	if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
		return;
	log_warn(COMPONENT, "%s [%d]: %s", topic, (int)m->partition, rd_kafka_message_errstr(m));
}

rd_kafka_message_t *consumer_poll(struct consumer *c, int timeout_ms)
{
	rd_kafka_message_t *m = rd_kafka_consumer_poll(c->rk, timeout_ms);

	if (m && m->err) {
		consumer_error(c, m);
		rd_kafka_message_destroy(m);
		return NULL;
	}
	return m;
}

const char *consumer_fatal(const struct consumer *c)
{
	return c->fatal[0] ? c->fatal : NULL;
}

void consumer_commit(struct consumer *c, const char *topic, int part, int64_t next)
{
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);

	rd_kafka_topic_partition_list_add(l, topic, part)->offset = next;
	rd_kafka_commit(c->rk, l, 1);
	rd_kafka_topic_partition_list_destroy(l);
}

void consumer_free(struct consumer *c)
{
	if (!c)
		return;
	rd_kafka_consumer_close(c->rk);
	rd_kafka_destroy(c->rk);
	free(c);
}

void consumer_partitions(struct consumer *c,
                         void (*fn)(void *arg, const char *topic, int part, int64_t high),
                         void *arg)
{
	rd_kafka_topic_partition_list_t *l = NULL;
	int64_t low, high;

	if (!c || rd_kafka_assignment(c->rk, &l) != RD_KAFKA_RESP_ERR_NO_ERROR)
		return;
	for (int i = 0; i < l->cnt; i++) {
		if (rd_kafka_get_watermark_offsets(c->rk, l->elems[i].topic, l->elems[i].partition,
		                                   &low, &high) != RD_KAFKA_RESP_ERR_NO_ERROR)
			high = -1;
		fn(arg, l->elems[i].topic, (int)l->elems[i].partition, high);
	}
	rd_kafka_topic_partition_list_destroy(l);
}
