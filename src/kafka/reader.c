/* reader: topics read outside any consumer group (see reader.h). */
#include "kafka/reader.h"

#include "core/buf.h"
#include "core/log.h"
#include "kafka/kconf.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define METADATA_TIMEOUT_MS 10000

struct reader {
	rd_kafka_t *rk;
};

static bool matches(const char *topic, char *const *patterns, int n)
{
	for (int i = 0; i < n; i++)
		if (fnmatch(patterns[i], topic, 0) == 0)
			return true;
	return false;
}

/* The partitions of the topics MD lists that match; the topics there are in THERE. */
static rd_kafka_topic_partition_list_t *pick(const rd_kafka_metadata_t *md, char *const *patterns,
                                             int n, int64_t start, struct buf *there)
{
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(16);

	for (int t = 0; l && t < md->topic_cnt; t++) {
		const rd_kafka_metadata_topic_t *mt = &md->topics[t];
		if (mt->err || mt->topic[0] == '_')
			continue;
		buf_addf(there, "%s%s", there->len ? ", " : "", mt->topic);
		for (int p = 0; matches(mt->topic, patterns, n) && p < mt->partition_cnt; p++)
			rd_kafka_topic_partition_list_add(l, mt->topic, mt->partitions[p].id)
			    ->offset = start;
	}
	return l;
}

/* Assigns the matching partitions at START. */
static int assign(struct reader *r, char *const *patterns, int n, int64_t start, char *err,
                  size_t errlen)
{
	const rd_kafka_metadata_t *md = NULL;
	rd_kafka_topic_partition_list_t *l = NULL;
	rd_kafka_resp_err_t e = rd_kafka_metadata(r->rk, 1, NULL, &md, METADATA_TIMEOUT_MS);
	struct buf there;
	int rc = -1;

	buf_init(&there);
	if (e)
		snprintf(err, errlen, "cannot list the topics: %s", rd_kafka_err2str(e));
	else if (!(l = pick(md, patterns, n, start, &there)))
		snprintf(err, errlen, "out of memory");
	else if (l->cnt == 0)
		snprintf(err, errlen, "no topic matches %s%s (topics: %s)", patterns[0],
		         n > 1 ? ", ..." : "", there.len ? there.data : "none");
	else if ((e = rd_kafka_assign(r->rk, l)) != RD_KAFKA_RESP_ERR_NO_ERROR)
		snprintf(err, errlen, "cannot read the topics: %s", rd_kafka_err2str(e));
	else
		rc = 0;
	if (l)
		rd_kafka_topic_partition_list_destroy(l);
	if (md)
		rd_kafka_metadata_destroy(md);
	buf_release(&there);
	return rc;
}

struct reader *reader_new(const struct config *cfg, char *const *patterns, int npatterns,
                          bool from_beginning, char *err, size_t errlen)
{
	struct reader *r = calloc(1, sizeof(*r));
	rd_kafka_conf_t *conf = r ? kconf_new(cfg, err, errlen) : NULL;
	char why[256], group[64];

	if (!conf)
		goto fail;
	snprintf(group, sizeof(group), "spoke-tail-%ld", (long)getpid()); /* never joined */
	if (rd_kafka_conf_set(conf, "group.id", group, why, sizeof(why)) != RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "enable.auto.commit", "false", why, sizeof(why)) !=
	        RD_KAFKA_CONF_OK) {
		snprintf(err, errlen, "Kafka settings: %s", why);
		goto fail;
	}
	rd_kafka_conf_set_log_cb(conf, kconf_on_log);
	if (!(r->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, why, sizeof(why)))) {
		snprintf(err, errlen, "cannot create a Kafka consumer: %s", why);
		goto fail;
	}
	conf = NULL;
	rd_kafka_poll_set_consumer(r->rk);
	if (assign(r, patterns, npatterns,
	           from_beginning ? RD_KAFKA_OFFSET_BEGINNING : RD_KAFKA_OFFSET_END, err,
	           errlen) < 0)
		goto fail;
	return r;
fail:
	if (conf)
		rd_kafka_conf_destroy(conf);
	reader_free(r);
	if (!r)
		snprintf(err, errlen, "out of memory");
	return NULL;
}

rd_kafka_message_t *reader_poll(struct reader *r, int timeout_ms)
{
	rd_kafka_message_t *m = rd_kafka_consumer_poll(r->rk, timeout_ms);

	if (m && m->err) {
		if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
			log_warn("kafka", "%s", rd_kafka_message_errstr(m));
		rd_kafka_message_destroy(m);
		return NULL;
	}
	return m;
}

void reader_free(struct reader *r)
{
	if (!r)
		return;
	if (r->rk) {
		rd_kafka_consumer_close(r->rk);
		rd_kafka_destroy(r->rk);
	}
	free(r);
}
