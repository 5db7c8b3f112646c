/* broker: an in-memory Kafka-protocol broker on loopback, built on librdkafka's mock cluster. */
#include "kafka/broker.h"

#include "core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#define COMPONENT "broker"

/*
 * rk exists only because the mock cluster needs a client handle for its bookkeeping; it never
 * connects anywhere. mcluster is owned by this struct and destroyed before rk.
 */
struct broker {
	rd_kafka_t *rk;
	rd_kafka_mock_cluster_t *mcluster;
};

/* True when S is a plain decimal number from MIN to MAX: digits only, no sign, no spaces. */
static bool parse_count(const char *s, int min, int max, int *out)
{
	long v = 0;

	if (!*s)
		return false;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (*p - '0');
		if (v > max)
			return false;
	}
	if (v < min)
		return false;
	*out = (int)v;
	return true;
}

/* Checks NAME (LEN bytes) against Kafka's rules for topic names. */
static int check_topic_name(const char *name, size_t len, char *err, size_t errlen)
{
	if (len == 0) {
		snprintf(err, errlen, "empty topic name");
		return -1;
	}
	if (len > BROKER_TOPIC_NAME_MAX) {
		snprintf(err, errlen, "topic name '%.40s...' is longer than %d characters", name,
		         BROKER_TOPIC_NAME_MAX);
		return -1;
	}
	if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.')) {
		snprintf(err, errlen, "'%.*s' is not allowed as a topic name", (int)len, name);
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-')) {
			snprintf(err, errlen,
			         "topic name '%.*s' may contain only letters, digits, '.', '_' and "
			         "'-'",
			         (int)len, name);
			return -1;
		}
	}
	return 0;
}

int broker_parse_topic(const char *spec, int default_partitions, struct broker_topic *out,
                       char *err, size_t errlen)
{
	const char *colon = strchr(spec, ':');
	size_t len = colon ? (size_t)(colon - spec) : strlen(spec);
	int partitions = default_partitions;

	if (check_topic_name(spec, len, err, errlen) < 0)
		return -1;
	if (colon && !colon[1]) {
		snprintf(err, errlen, "no partition count after ':' in '%s'", spec);
		return -1;
	}
	if (colon && !parse_count(colon + 1, 1, BROKER_PARTITIONS_MAX, &partitions)) {
		snprintf(err, errlen,
		         "partition count '%s' in '%s' is not a whole number from 1 to %d",
		         colon + 1, spec, BROKER_PARTITIONS_MAX);
		return -1;
	}
	if (partitions < 1 || partitions > BROKER_PARTITIONS_MAX) {
		snprintf(err, errlen, "default partition count %d is not from 1 to %d", partitions,
		         BROKER_PARTITIONS_MAX);
		return -1;
	}
	memcpy(out->name, spec, len);
	out->name[len] = '\0';
	out->partitions = partitions;
	return 0;
}

/*
 * librdkafka logs with syslog levels. Its notices and informational lines are about its own
 * client handle (which never connects) or routine connection events: debug for us.
 */
static void on_rdkafka_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	enum log_level ours = level <= 3 ? LOG_ERROR : level == 4 ? LOG_WARN : LOG_DEBUG;

	(void)rk;
	log_msg(ours, COMPONENT, NULL, "librdkafka %s: %s", fac, buf);
}

/*
 * Makes the bookkeeping handle. Its log lines are queued and handed to our logger from
 * broker_poll() on the caller's thread, so the logger is never entered from librdkafka's threads.
 */
static rd_kafka_t *new_handle(char *err, size_t errlen)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char errstr[512];
	rd_kafka_t *rk;

	if (rd_kafka_conf_set(conf, "client.id", "spoke-broker", errstr, sizeof(errstr)) !=
	        RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(conf, "log.queue", "true", errstr, sizeof(errstr)) !=
	        RD_KAFKA_CONF_OK) {
		snprintf(err, errlen, "cannot configure librdkafka: %s", errstr);
		rd_kafka_conf_destroy(conf);
		return NULL;
	}
	rd_kafka_conf_set_log_cb(conf, on_rdkafka_log);
	/* rd_kafka_new takes ownership of conf only when it succeeds. */
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
	if (!rk) {
		snprintf(err, errlen, "cannot create librdkafka handle: %s", errstr);
		rd_kafka_conf_destroy(conf);
		return NULL;
	}
	rd_kafka_set_log_queue(rk, NULL);
	return rk;
}

static int create_topics(struct broker *b, const struct broker_opts *opts, char *err, size_t errlen)
{
	int replication = opts->brokers < 3 ? opts->brokers : 3;

	for (size_t i = 0; i < opts->ntopics; i++) {
		const struct broker_topic *t = &opts->topics[i];
		rd_kafka_resp_err_t kerr;

		kerr = rd_kafka_mock_topic_create(b->mcluster, t->name, t->partitions, replication);
		if (kerr) {
			snprintf(err, errlen, "cannot create topic %s with %d partitions: %s",
			         t->name, t->partitions, rd_kafka_err2str(kerr));
			return -1;
		}
	}
	return 0;
}

struct broker *broker_new(const struct broker_opts *opts, char *err, size_t errlen)
{
	struct broker *b;

	if (opts->brokers < 1 || opts->brokers > BROKER_BROKERS_MAX) {
		snprintf(err, errlen, "broker count %d is not from 1 to %d", opts->brokers,
		         BROKER_BROKERS_MAX);
		return NULL;
	}
	b = calloc(1, sizeof(*b));
	if (!b) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	b->rk = new_handle(err, errlen);
	if (!b->rk)
		goto fail;
	b->mcluster = rd_kafka_mock_cluster_new(b->rk, opts->brokers);
	if (!b->mcluster) {
		snprintf(err, errlen, "cannot start %d mock broker(s) on 127.0.0.1", opts->brokers);
		goto fail;
	}
	if (create_topics(b, opts, err, errlen) < 0)
		goto fail;
	return b;
fail:
	broker_free(b);
	return NULL;
}

const char *broker_bootstraps(const struct broker *b)
{
	return rd_kafka_mock_cluster_bootstraps(b->mcluster);
}

rd_kafka_mock_cluster_t *broker_mock_cluster(struct broker *b)
{
	return b->mcluster;
}

void broker_poll(struct broker *b, int timeout_ms)
{
	rd_kafka_poll(b->rk, timeout_ms);
}

/* Writes all LEN bytes of BUF to FD, retrying short writes and EINTR. */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * The directory is not fsynced: the file only tells a harness where to connect to a broker
 * whose data dies with it, so what matters is that it appears whole, not that it survives a crash.
 */
int broker_write_bootstrap_file(const struct broker *b, const char *path, char *err, size_t errlen)
{
	const char *list = broker_bootstraps(b);
	size_t plen = strlen(path);
	char *tmp = malloc(plen + sizeof(".tmp"));
	int fd = -1, rc = -1;
	bool created = false;

	if (!tmp) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memcpy(tmp, path, plen);
	memcpy(tmp + plen, ".tmp", sizeof(".tmp"));
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
		goto out;
	}
	created = true;
	if (write_all(fd, list, strlen(list)) < 0 || write_all(fd, "\n", 1) < 0 || fsync(fd) < 0) {
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		snprintf(err, errlen, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (rc < 0 && created)
		unlink(tmp);
	free(tmp);
	return rc;
}

void broker_free(struct broker *b)
{
	if (!b)
		return;
	if (b->mcluster)
		rd_kafka_mock_cluster_destroy(b->mcluster);
	if (b->rk) {
		/* Whatever librdkafka still has to say (why a start failed, say) is logged first. */
		rd_kafka_poll(b->rk, 0);
		rd_kafka_destroy(b->rk);
	}
	free(b);
}
