/* Unit tests for kafka/producer against a real mock cluster: acks, back-pressure, outages. */
#include "unit.h"
#include "core/log.h"
#include "core/signals.h"
#include "kafka/broker.h"
#include "kafka/producer.h"

#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

/* What the ack callback saw: acks per opaque, and how many carried an error. */
struct acks {
	unsigned char *count; /* indexed by opaque */
	size_t size;
	size_t ok, failed, out_of_range;
};

static void on_ack(void *arg, uint64_t opaque, rd_kafka_resp_err_t err)
{
	struct acks *a = arg;

	if (opaque >= a->size) {
		a->out_of_range++;
		return;
	}
	if (a->count[opaque] < 255)
		a->count[opaque]++;
	if (err)
		a->failed++;
	else
		a->ok++;
}

/* True when every opaque below N was acknowledged exactly once, all without error. */
static bool all_acked_once(const struct acks *a, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (a->count[i] != 1) {
			fprintf(stderr, "  opaque %zu acknowledged %d times\n", i, a->count[i]);
			return false;
		}
	}
	return a->ok == n && a->failed == 0 && a->out_of_range == 0;
}

/* A producer for BOOTSTRAPS with extra properties (NULL-terminated name, value pairs). */
static struct producer *new_producer(const char *bootstraps, struct acks *a, const char **props,
                                     char *err, size_t errlen)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char why[512];

	if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstraps, why, sizeof(why)) ||
	    rd_kafka_conf_set(conf, "linger.ms", "1", why, sizeof(why))) {
		rd_kafka_conf_destroy(conf);
		snprintf(err, errlen, "%s", why);
		return NULL;
	}
	for (size_t i = 0; props && props[i]; i += 2) {
		if (rd_kafka_conf_set(conf, props[i], props[i + 1], why, sizeof(why))) {
			rd_kafka_conf_destroy(conf);
			snprintf(err, errlen, "%s", why);
			return NULL;
		}
	}
	return producer_new(conf, on_ack, a, err, errlen);
}

static struct broker *new_broker(const char *topic, int partitions)
{
	struct broker_topic t = {"", partitions};
	struct broker_opts opts = {1, &t, 1};
	char err[256] = "";
	struct broker *b;

	snprintf(t.name, sizeof(t.name), "%s", topic);
	b = broker_new(&opts, err, sizeof(err));
	if (!b)
		fprintf(stderr, "  broker: %s\n", err);
	return b;
}

/* Java's murmur2 (org.apache.kafka.common.utils.Utils.murmur2), to check partitions. */
static uint32_t murmur2(const unsigned char *p, size_t len)
{
	const uint32_t m = 0x5bd1e995;
	uint32_t h = 0x9747b28c ^ (uint32_t)len;
	size_t rest = len & 3;

	for (; len >= 4; len -= 4, p += 4) {
		uint32_t k =
		    p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;

		k *= m;
		k ^= k >> 24;
		k *= m;
		h *= m;
		h ^= k;
	}
	if (rest == 3)
		h ^= (uint32_t)p[2] << 16;
	if (rest >= 2)
		h ^= (uint32_t)p[1] << 8;
	if (rest >= 1) {
		h ^= p[0];
		h *= m;
	}
	h ^= h >> 13;
	h *= m;
	h ^= h >> 15;
	return h;
}

TEST(producer_murmur2_matches_java)
{
	/* Expected values from Kafka's own UtilsTest. */
	CHECK_INT((int32_t)murmur2((const unsigned char *)"21", 2), -973932308);
	CHECK_INT((int32_t)murmur2((const unsigned char *)"foobar", 6), -790332482);
	CHECK_INT((int32_t)murmur2((const unsigned char *)"a-little-bit-long-string", 24),
	          -985981536);
	CHECK_INT((int32_t)murmur2((const unsigned char *)"abc", 3), 479470107);
}

/* Reads partition PART of RKT, already started, up to its end; calls FN per message. */
static long consume_partition(rd_kafka_topic_t *rkt, int part,
                              void (*fn)(void *, const rd_kafka_message_t *), void *arg)
{
	long n = 0;

	for (;;) {
		rd_kafka_message_t *m = rd_kafka_consume(rkt, part, 10000);
		bool eof = !m || m->err;

		if (m && !m->err) {
			fn(arg, m);
			n++;
		}
		if (m)
			rd_kafka_message_destroy(m);
		if (eof)
			return n;
	}
}

/* Reads every message of TOPIC's NPART partitions with a client of its own; returns the count. */
static long consume_all(const char *bootstraps, const char *topic, int npart,
                        void (*fn)(void *, const rd_kafka_message_t *), void *arg)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_topic_t *rkt;
	char why[512];
	rd_kafka_t *rk;
	long total = 0;

	rd_kafka_conf_set(conf, "bootstrap.servers", bootstraps, why, sizeof(why));
	rd_kafka_conf_set(conf, "enable.partition.eof", "true", why, sizeof(why));
	rd_kafka_conf_set(conf, "fetch.wait.max.ms", "10", why, sizeof(why));
	rd_kafka_conf_set(conf, "log_level", "3", why, sizeof(why));
	rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, why, sizeof(why));
	if (!rk) {
		rd_kafka_conf_destroy(conf);
		return -1;
	}
	rkt = rd_kafka_topic_new(rk, topic, NULL);
	/* All partitions fetch at once; then each is read to its end. */
	for (int p = 0; p < npart; p++)
		if (rd_kafka_consume_start(rkt, p, RD_KAFKA_OFFSET_BEGINNING) < 0)
			total = -1;
	for (int p = 0; p < npart && total >= 0; p++)
		total += consume_partition(rkt, p, fn, arg);
	for (int p = 0; p < npart; p++)
		rd_kafka_consume_stop(rkt, p);
	rd_kafka_topic_destroy(rkt);
	rd_kafka_destroy(rk);
	return total;
}

/* Per key "k0".."k99": the partition it was found on (-1: none yet; -2: more than one). */
struct key_check {
	int partition_of[100];
	int npart;
	long bad_partition;
};

static void check_key(void *arg, const rd_kafka_message_t *m)
{
	struct key_check *kc = arg;
	char key[16];
	int k;

	if (!m->key || m->key_len >= sizeof(key))
		return;
	memcpy(key, m->key, m->key_len);
	key[m->key_len] = '\0';
	k = atoi(key + 1);
	if (kc->partition_of[k] == -1)
		kc->partition_of[k] = m->partition;
	else if (kc->partition_of[k] != m->partition)
		kc->partition_of[k] = -2;
	if ((int)((murmur2(m->key, m->key_len) & 0x7fffffff) % (uint32_t)kc->npart) != m->partition)
		kc->bad_partition++;
}

TEST(producer_delivers_keyed_messages)
{
	enum { N = 10000 };
	struct acks a = {calloc(N, 1), N, 0, 0, 0};
	struct key_check kc = {.npart = 3};
	struct broker *b = new_broker("orders", 3);
	struct producer *p = NULL;
	char err[512] = "", key[16], value[64];

	if (!b || !a.count)
		goto out;
	p = new_producer(broker_bootstraps(b), &a, NULL, err, sizeof(err));
	CHECK_STR(err, "");
	if (!p)
		goto out;
	for (int i = 0; i < N; i++) {
		int kl = snprintf(key, sizeof(key), "k%d", i % 100);
		int vl = snprintf(value, sizeof(value), "{\"n\":%d}", i);

		if (producer_send(p, "orders", key, (size_t)kl, value, (size_t)vl, (uint64_t)i, err,
		                  sizeof(err)) < 0) {
			CHECK_STR(err, "");
			break;
		}
	}
	CHECK_INT(producer_flush(p, 30000), 0);
	CHECK_INT(producer_in_flight(p), 0);
	CHECK(all_acked_once(&a, N));
	CHECK(producer_fatal(p) == NULL);
	/* Read back: exactly N (no duplicates), each key on one partition, murmur2's partition. */
	for (int k = 0; k < 100; k++)
		kc.partition_of[k] = -1;
	CHECK_INT(consume_all(broker_bootstraps(b), "orders", 3, check_key, &kc), N);
	for (int k = 0; k < 100; k++)
		CHECK(kc.partition_of[k] >= 0);
	CHECK_INT(kc.bad_partition, 0);
out:
	producer_free(p);
	broker_free(b);
	free(a.count);
}

static void check_tombstone(void *arg, const rd_kafka_message_t *m)
{
	int *tombstones = arg;

	if (m->payload == NULL && m->len == 0 && m->key_len == 8 &&
	    memcmp(m->key, "{\"id\":7}", 8) == 0)
		(*tombstones)++;
}

TEST(producer_tombstone)
{
	struct acks a = {calloc(2, 1), 2, 0, 0, 0};
	struct broker *b = new_broker("gone", 1);
	struct producer *p = NULL;
	char err[512] = "";
	int tombstones = 0;

	if (!b || !a.count)
		goto out;
	p = new_producer(broker_bootstraps(b), &a, NULL, err, sizeof(err));
	if (!p)
		goto out;
	CHECK_INT(producer_send(p, "gone", "{\"id\":7}", 8, "{}", 2, 0, err, sizeof(err)), 0);
	CHECK_INT(producer_send(p, "gone", "{\"id\":7}", 8, NULL, 0, 1, err, sizeof(err)), 0);
	CHECK_INT(producer_in_flight(p), 2);
	CHECK_INT(producer_flush(p, 10000), 0);
	CHECK(all_acked_once(&a, 2));
	CHECK_INT(consume_all(broker_bootstraps(b), "gone", 1, check_tombstone, &tombstones), 2);
	CHECK_INT(tombstones, 1);
out:
	producer_free(p);
	broker_free(b);
	free(a.count);
}

TEST(producer_message_too_large)
{
	const char *props[] = {"message.max.bytes", "1000", NULL};
	struct acks a = {calloc(1, 1), 1, 0, 0, 0};
	struct producer *p;
	char err[512] = "", value[2000];

	/* No broker is needed: the size is checked before anything is queued. */
	p = new_producer("127.0.0.1:1", &a, props, err, sizeof(err));
	CHECK(p != NULL);
	if (p) {
		memset(value, 'x', sizeof(value));
		CHECK_INT(producer_send(p, "big.topic", "k", 1, value, sizeof(value), 0, err,
		                        sizeof(err)),
		          -1);
		CHECK(strstr(err, "big.topic") != NULL);
		CHECK(strstr(err, "value 2000 bytes") != NULL);
		CHECK(strstr(err, "message.max.bytes=1000") != NULL);
		CHECK_INT(producer_in_flight(p), 0);
		producer_free(p);
	}
	free(a.count);
}

TEST(producer_new_refuses_bad_settings)
{
	const char *txn[] = {"transactional.id", "spoke-1", NULL};
	const char *small[] = {"message.max.bytes", "5000000", "queue.buffering.max.kbytes", "1024",
	                       NULL};
	char err[512] = "";

	CHECK(new_producer("127.0.0.1:1", NULL, txn, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "transactional.id") != NULL);
	CHECK(new_producer("127.0.0.1:1", NULL, small, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "queue.buffering.max.kbytes=1024") != NULL);
	CHECK(strstr(err, "message.max.bytes=5000000") != NULL);
}

TEST(producer_back_pressure)
{
	enum { N = 1000 };
	const char *props[] = {"queue.buffering.max.messages", "10", NULL};
	struct acks a = {calloc(N, 1), N, 0, 0, 0};
	struct broker *b = new_broker("slow", 3);
	struct producer *p = NULL;
	char err[512] = "";
	size_t most = 0;

	if (!b || !a.count)
		goto out;
	rd_kafka_mock_broker_set_rtt(broker_mock_cluster(b), 1, 5);
	p = new_producer(broker_bootstraps(b), &a, props, err, sizeof(err));
	if (!p)
		goto out;
	for (int i = 0; i < N; i++) {
		char key[16];
		int kl = snprintf(key, sizeof(key), "%d", i);

		if (producer_send(p, "slow", key, (size_t)kl, "v", 1, (uint64_t)i, err,
		                  sizeof(err)) < 0) {
			CHECK_STR(err, "");
			break;
		}
		if (producer_in_flight(p) > most)
			most = producer_in_flight(p);
	}
	CHECK(most <= 10);
	CHECK_INT(producer_flush(p, 30000), 0);
	CHECK(all_acked_once(&a, N));
out:
	producer_free(p);
	broker_free(b);
	free(a.count);
}

/* Reads FILE (at most SIZE-1 bytes) into BUF. */
static void slurp_file(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, size - 1, f) : 0;

	buf[n] = '\0';
	if (f)
		fclose(f);
}

/* A temporary log file; librdkafka's complaints about the outage go there, not to stderr. */
static bool log_to_temp(char *path, size_t size)
{
	const char *tmpdir = getenv("TMPDIR");
	char err[256];
	int fd;

	snprintf(path, size, "%s/spoke-unit-log-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	fd = mkstemp(path);
	if (fd < 0)
		return false;
	close(fd);
	return log_open_file(path, err, sizeof(err)) == 0;
}

TEST(producer_survives_broker_outage)
{
	enum { N = 200 };
	/* A short message timeout of the user's is overridden: nothing may expire. */
	const char *props[] = {"message.timeout.ms",
	                       "300",
	                       "reconnect.backoff.ms",
	                       "10",
	                       "reconnect.backoff.max.ms",
	                       "100",
	                       NULL};
	struct acks a = {calloc(N + 1, 1), N + 1, 0, 0, 0};
	struct broker *b = new_broker("outage", 2);
	struct producer *p = NULL;
	char err[512] = "", logpath[256], logged[65536];
	bool logging = false;

	if (!b || !a.count)
		goto out;
	logging = log_to_temp(logpath, sizeof(logpath));
	CHECK(logging);
	p = new_producer(broker_bootstraps(b), &a, props, err, sizeof(err));
	if (!p)
		goto out;
	/* Connected and with a producer id first, so the outage hits a working producer. */
	CHECK_INT(producer_send(p, "outage", "k", 1, "first", 5, N, err, sizeof(err)), 0);
	CHECK_INT(producer_flush(p, 10000), 0);
	rd_kafka_mock_broker_set_down(broker_mock_cluster(b), 1);
	for (int i = 0; i < N; i++) {
		char key[16];
		int kl = snprintf(key, sizeof(key), "%d", i);

		CHECK_INT(producer_send(p, "outage", key, (size_t)kl, "v", 1, (uint64_t)i, err,
		                        sizeof(err)),
		          0);
	}
	CHECK_INT(producer_flush(p, 1500), -1); /* well past the user's 300 ms */
	CHECK_INT(a.ok, 1);
	CHECK_INT(a.failed, 0);
	CHECK_INT(producer_in_flight(p), N);
	rd_kafka_mock_broker_set_up(broker_mock_cluster(b), 1);
	CHECK_INT(producer_flush(p, 30000), 0);
	CHECK(all_acked_once(&a, N + 1));
out:
	producer_free(p);
	broker_free(b);
	if (logging) {
		log_open_file(NULL, err, sizeof(err));
		slurp_file(logpath, logged, sizeof(logged));
		CHECK(strstr(logged, "[kafka] message.timeout.ms=300 replaced by 0") != NULL);
		unlink(logpath);
	}
	free(a.count);
}

TEST(producer_fatal_error)
{
	struct acks a = {calloc(1, 1), 1, 0, 0, 0};
	struct broker *b = new_broker("fatal", 1);
	struct producer *p = NULL;
	char err[512] = "", logpath[256];
	bool logging = false;
	int waited = 0;

	if (!b || !a.count)
		goto out;
	logging = log_to_temp(logpath, sizeof(logpath));
	/*
	 * 22 is InitProducerId: refusing it with this error is fatal to an idempotent producer.
	 * The refusal comes 500 ms late, so the first message is surely queued by then.
	 */
	rd_kafka_mock_broker_push_request_error_rtts(
	    broker_mock_cluster(b), 1, 22, 1, RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED, 500);
	p = new_producer(broker_bootstraps(b), &a, NULL, err, sizeof(err));
	if (!p)
		goto out;
	CHECK_INT(producer_send(p, "fatal", "k", 1, "v", 1, 0, err, sizeof(err)), 0);
	while (!producer_fatal(p) && waited++ < 100)
		producer_poll(p, 100);
	CHECK(producer_fatal(p) != NULL);
	if (producer_fatal(p))
		CHECK(strstr(producer_fatal(p), "CLUSTER_AUTHORIZATION_FAILED") != NULL);
	CHECK_INT(producer_send(p, "fatal", "k", 1, "v", 1, 0, err, sizeof(err)), -1);
	CHECK(strstr(err, "fatal") != NULL);
	/* The queued message is failed, never reported delivered. */
	CHECK_INT(producer_flush(p, 10000), 0);
	CHECK_INT(a.ok, 0);
	CHECK_INT(a.failed, 1);
out:
	producer_free(p);
	broker_free(b);
	if (logging) {
		log_open_file(NULL, err, sizeof(err));
		unlink(logpath);
	}
	free(a.count);
}

/*
 * In a child process (it installs signal handlers and raises SIGTERM): with the queue full and
 * no broker to drain it, producer_send gives up once a stop is requested.
 */
static int stop_while_full_child(void)
{
	const char *props[] = {"queue.buffering.max.messages", "1", "log_level", "0", NULL};
	struct acks a = {calloc(2, 1), 2, 0, 0, 0};
	struct producer *p;
	char err[512] = "";
	int rc = 1;

	signals_install();
	raise(SIGTERM);
	p = new_producer("127.0.0.1:1", &a, props, err, sizeof(err));
	if (p && producer_send(p, "t", "k", 1, "v", 1, 0, err, sizeof(err)) == 0 &&
	    producer_send(p, "t", "k", 1, "v", 1, 1, err, sizeof(err)) == -1 &&
	    strncmp(err, "stopping", 8) == 0 && producer_in_flight(p) == 1)
		rc = 0;
	else
		fprintf(stderr, "  child: %s\n", err);
	producer_free(p); /* with a message still queued: must not hang */
	free(a.count);
	return rc;
}

TEST(producer_stop_while_queue_full)
{
	int status = 0;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0)
		_exit(stop_while_full_child());
	if (pid > 0) {
		CHECK(waitpid(pid, &status, 0) == pid);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
}
