/* Unit tests for kafka/broker: topic specs, the bootstrap file, and a real mock cluster. */
#include "unit.h"
#include "cmd/cmd.h"
#include "kafka/broker.h"

#include <stdlib.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

TEST(broker_parse_topic_good)
{
	struct broker_topic t;
	char err[256] = "";
	char name[BROKER_TOPIC_NAME_MAX + 1];

	CHECK_INT(broker_parse_topic("orders:3", 7, &t, err, sizeof(err)), 0);
	CHECK_STR(t.name, "orders");
	CHECK_INT(t.partitions, 3);
	CHECK_INT(broker_parse_topic("orders", 7, &t, err, sizeof(err)), 0);
	CHECK_STR(t.name, "orders");
	CHECK_INT(t.partitions, 7);
	CHECK_INT(broker_parse_topic("erp.public.article_2-x:10000", 1, &t, err, sizeof(err)), 0);
	CHECK_STR(t.name, "erp.public.article_2-x");
	CHECK_INT(t.partitions, BROKER_PARTITIONS_MAX);
	CHECK_INT(broker_parse_topic("x:007", 1, &t, err, sizeof(err)), 0);
	CHECK_INT(t.partitions, 7);
	memset(name, 'n', BROKER_TOPIC_NAME_MAX);
	name[BROKER_TOPIC_NAME_MAX] = '\0';
	CHECK_INT(broker_parse_topic(name, 1, &t, err, sizeof(err)), 0);
	CHECK_STR(t.name, name);
	CHECK_STR(err, "");
}

/* Parses SPEC, which must fail with a message containing WANT. */
static bool rejects(const char *spec, int default_partitions, const char *want)
{
	struct broker_topic t;
	char err[256] = "";

	if (broker_parse_topic(spec, default_partitions, &t, err, sizeof(err)) == 0) {
		fprintf(stderr, "  '%s' was accepted\n", spec);
		return false;
	}
	if (!strstr(err, want)) {
		fprintf(stderr, "  '%s': message '%s' lacks '%s'\n", spec, err, want);
		return false;
	}
	return true;
}

TEST(broker_parse_topic_bad)
{
	char name[BROKER_TOPIC_NAME_MAX + 2];

	CHECK(rejects("", 4, "empty topic name"));
	CHECK(rejects(":3", 4, "empty topic name"));
	CHECK(rejects("x:", 4, "no partition count after ':' in 'x:'"));
	CHECK(rejects("x:0", 4, "'0' in 'x:0'"));
	CHECK(rejects("x:-3", 4, "'-3' in 'x:-3'"));
	CHECK(rejects("x:+3", 4, "'+3'"));
	CHECK(rejects("x:10001", 4, "'10001'"));
	CHECK(rejects("x:99999999999999999999999", 4, "'99999999999999999999999'"));
	CHECK(rejects("x:abc", 4, "'abc'"));
	CHECK(rejects("x:3x", 4, "'3x' in 'x:3x'"));
	CHECK(rejects("x:3 ", 4, "'3 '"));
	CHECK(rejects("x: 3", 4, "' 3'"));
	CHECK(rejects("x:3:4", 4, "'3:4'"));
	CHECK(rejects("a b:3", 4, "topic name 'a b' may contain only"));
	CHECK(rejects("a/b", 4, "'a/b'"));
	CHECK(rejects(".", 4, "'.' is not allowed"));
	CHECK(rejects("..:2", 4, "'..' is not allowed"));
	CHECK(rejects("x", 0, "default partition count 0"));
	CHECK(rejects("x", BROKER_PARTITIONS_MAX + 1, "default partition count"));
	memset(name, 'n', BROKER_TOPIC_NAME_MAX + 1);
	name[BROKER_TOPIC_NAME_MAX + 1] = '\0';
	CHECK(rejects(name, 4, "longer than 249"));
}

/* The help text spells the limits out as numbers; keep them in step with broker.h. */
TEST(broker_help_states_limits)
{
	char want[64];

	snprintf(want, sizeof(want), "1 to %d (default 1)", BROKER_BROKERS_MAX);
	CHECK(strstr(cmd_broker_def.help, want) != NULL);
	snprintf(want, sizeof(want), "(1 to %d)", BROKER_PARTITIONS_MAX);
	CHECK(strstr(cmd_broker_def.help, want) != NULL);
	snprintf(want, sizeof(want), "(default %d)", BROKER_AUTO_PARTITIONS);
	CHECK(strstr(cmd_broker_def.help, want) != NULL);
	snprintf(want, sizeof(want), "always get %d partitions", BROKER_AUTO_PARTITIONS);
	CHECK(strstr(cmd_broker_def.help, want) != NULL);
}

TEST(broker_new_rejects_broker_count)
{
	struct broker_opts opts = {0, NULL, 0};
	char err[256] = "";

	CHECK(broker_new(&opts, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "broker count 0") != NULL);
	opts.brokers = BROKER_BROKERS_MAX + 1;
	CHECK(broker_new(&opts, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "broker count 17") != NULL);
}

TEST(broker_new_rejects_duplicate_topic)
{
	struct broker_topic topics[2] = {{"dup", 2}, {"dup", 3}};
	struct broker_opts opts = {1, topics, 2};
	char err[256] = "";

	CHECK(broker_new(&opts, err, sizeof(err)) == NULL);
	CHECK(strstr(err, "cannot create topic dup with 3 partitions") != NULL);
}

/* Asks the cluster at BOOTSTRAPS, from a client handle of its own, for TOPIC's metadata. */
static const rd_kafka_metadata_t *fetch_metadata(rd_kafka_t **rkp, const char *bootstraps,
                                                 const char *topic)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	const rd_kafka_metadata_t *md = NULL;
	rd_kafka_topic_t *rkt;
	char errstr[256];

	rd_kafka_conf_set(conf, "bootstrap.servers", bootstraps, errstr, sizeof(errstr));
	rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr));
	*rkp = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
	if (!*rkp) {
		rd_kafka_conf_destroy(conf);
		return NULL;
	}
	rkt = rd_kafka_topic_new(*rkp, topic, NULL);
	if (rd_kafka_metadata(*rkp, 0, rkt, &md, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR)
		md = NULL;
	rd_kafka_topic_destroy(rkt);
	return md;
}

TEST(broker_mock_cluster_creates_topics)
{
	struct broker_topic topics[2] = {{"three", 3}, {"one", 1}};
	struct broker_opts opts = {2, topics, 2};
	const rd_kafka_metadata_t *md;
	rd_kafka_t *client = NULL;
	struct broker *b;
	char err[256] = "";

	b = broker_new(&opts, err, sizeof(err));
	CHECK_STR(err, "");
	if (!b)
		return;
	CHECK(strncmp(broker_bootstraps(b), "127.0.0.1:", 10) == 0);
	CHECK(strchr(broker_bootstraps(b), ',') != NULL); /* two brokers */
	md = fetch_metadata(&client, broker_bootstraps(b), "three");
	CHECK(md != NULL);
	if (md) {
		CHECK_INT(md->broker_cnt, 2);
		CHECK_INT(md->topic_cnt, 1);
		CHECK_STR(md->topics[0].topic, "three");
		CHECK_INT(md->topics[0].err, RD_KAFKA_RESP_ERR_NO_ERROR);
		CHECK_INT(md->topics[0].partition_cnt, 3);
		for (int i = 0; i < md->topics[0].partition_cnt; i++)
			CHECK_INT(md->topics[0].partitions[i].replica_cnt, 2);
		rd_kafka_metadata_destroy(md);
	}
	if (client)
		rd_kafka_destroy(client);
	broker_poll(b, 0);
	broker_free(b);
}

/* Reads up to SIZE-1 bytes of PATH into BUF; returns false when it cannot be opened. */
static bool slurp(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return false;
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
	return true;
}

TEST(broker_bootstrap_file)
{
	struct broker_opts opts = {1, NULL, 0};
	const char *tmpdir = getenv("TMPDIR");
	char dir[256], path[300], tmp[310], want[256], got[256];
	char err[512] = "";
	struct broker *b;

	snprintf(dir, sizeof(dir), "%s/spoke-unit-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/bs", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	b = broker_new(&opts, err, sizeof(err));
	CHECK(b != NULL);
	if (!b)
		goto out;
	CHECK_INT(broker_write_bootstrap_file(b, path, err, sizeof(err)), 0);
	snprintf(want, sizeof(want), "%s\n", broker_bootstraps(b));
	CHECK(slurp(path, got, sizeof(got)));
	CHECK_STR(got, want);
	CHECK(access(tmp, F_OK) != 0);
	snprintf(path, sizeof(path), "%s/missing/bs", dir);
	CHECK_INT(broker_write_bootstrap_file(b, path, err, sizeof(err)), -1);
	CHECK(strstr(err, "missing/bs.tmp") != NULL);
	broker_free(b);
out:
	snprintf(path, sizeof(path), "%s/bs", dir);
	unlink(path);
	rmdir(dir);
}
