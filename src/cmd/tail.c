/* spoke tail: the change stream as a person reads it (or as JSON lines, for machines). */
#include "cmd/cmd.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/log.h"
#include "core/signals.h"
#include "kafka/reader.h"
#include "mapping/eventtext.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct command *self(void);

struct tail_opts {
	const char *path;
	bool from_beginning, json;
	long count; /* 0: until interrupted */
	char **args;
	int nargs;
};

/* ARG as a topic pattern: SOURCE.TABLE and SOURCE.SCHEMA.TABLE name a source's topic. */
static char *topic_of(const struct config *cfg, const char *arg)
{
	const char *dot = strchr(arg, '.');
	char name[256], *out = NULL;

	if (!dot || (size_t)(dot - arg) >= sizeof(name))
		return strdup(arg);
	snprintf(name, sizeof(name), "%.*s", (int)(dot - arg), arg);
	const struct conf_section *sec = config_find(cfg, "source", name);
	if (!sec)
		return strdup(arg);
	/* SOURCE.TABLE: the table in any schema (MySQL's is the database). */
	if (asprintf(&out, "%s.%s%s", conf_str(sec, "topic_prefix"),
	             strchr(dot + 1, '.') ? "" : "*.", dot + 1) < 0)
		return NULL;
	return out;
}

/* The topic patterns to read: the arguments, or every source's topics. */
static char **patterns(const struct config *cfg, const struct tail_opts *o, int *n)
{
	const struct conf_section *sec;
	char **out = calloc((size_t)o->nargs + 64, sizeof(*out));

	*n = 0;
	for (int i = 0; out && i < o->nargs; i++)
		out[(*n)++] = topic_of(cfg, o->args[i]);
	for (size_t i = 0; out && !o->nargs && *n < 64 && (sec = config_section(cfg, "source", i));
	     i++)
		if (asprintf(&out[(*n)++], "%s.*", conf_str(sec, "topic_prefix")) < 0)
			out[*n - 1] = NULL;
	for (int i = 0; out && i < *n; i++)
		if (!out[i]) {
			log_error("tail", "out of memory");
			return out;
		}
	return out;
}

/* Appends TEXT (LEN bytes) as it is when it is JSON, else as a JSON string; null for none. */
static void add_raw(struct buf *b, const char *text, size_t len)
{
	json_t *j = text ? json_loadb(text, len, JSON_DECODE_ANY, NULL) : NULL;

	if (!text)
		buf_adds(b, "null");
	else if (j)
		buf_add(b, text, len);
	else
		buf_add_json_string(b, text, len);
	json_decref(j);
}

/* Prints message M as one line. */
static void print_message(const rd_kafka_message_t *m, bool json, struct buf *line)
{
	const char *topic = rd_kafka_topic_name(m->rkt);
	struct event ev = {0};
	char err[256];

	buf_reset(line);
	if (json) {
		buf_adds(line, "{\"topic\":");
		buf_add_json_string(line, topic, strlen(topic));
		buf_addf(line, ",\"partition\":%d,\"offset\":%lld,\"key\":", (int)m->partition,
		         (long long)m->offset);
		add_raw(line, m->key, m->key_len);
		buf_adds(line, ",\"value\":");
		add_raw(line, m->payload, m->len);
		buf_addc(line, '}');
	} else if (event_parse(&ev, m->key, m->key_len, m->payload, m->payload ? m->len : 0, err,
	                       sizeof(err)) < 0) {
		buf_addf(line, "- %s[%d]@%lld (not a change event: %s)", topic, (int)m->partition,
		         (long long)m->offset, err);
	} else {
		eventtext_format(&ev, topic, (int)m->partition, m->offset, line);
	}
	event_release(&ev);
	if (buf_ok(line))
		printf("%s\n", line->data);
	fflush(stdout);
}

static int tail(const struct config *cfg, const struct tail_opts *o)
{
	int n = 0;
	char **pats = patterns(cfg, o, &n), err[1024];
	struct reader *r = NULL;
	struct buf line;
	long seen = 0;

	buf_init(&line);
	if (!pats || n == 0)
		log_error("tail", "%s",
		          pats ? "no topic to read: name one, or configure a [source]"
		               : "out of memory");
	else if (!(r = reader_new(cfg, pats, n, o->from_beginning, err, sizeof(err))))
		log_error("tail", "%s", err);
	while (r && !signals_stop_requested() && (!o->count || seen < o->count)) {
		rd_kafka_message_t *m = reader_poll(r, 500);
		if (m) {
			print_message(m, o->json, &line);
			rd_kafka_message_destroy(m);
			seen++;
		}
	}
	reader_free(r);
	for (int i = 0; pats && i < n; i++)
		free(pats[i]);
	free(pats);
	buf_release(&line);
	return r ? EXIT_OK : EXIT_FAIL;
}

static int run(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'}, {"from-beginning", no_argument, NULL, 'b'},
	    {"format", required_argument, NULL, 'f'}, {"count", required_argument, NULL, 'n'},
	    {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
	};
	struct tail_opts o = {0};
	char *end;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:bf:n:h", longopts, NULL)) != -1) {
		if (opt == 'c')
			o.path = optarg;
		else if (opt == 'b')
			o.from_beginning = true;
		else if (opt == 'f' && (strcmp(optarg, "json") == 0 || strcmp(optarg, "text") == 0))
			o.json = strcmp(optarg, "json") == 0;
		else if (opt == 'n' && (o.count = strtol(optarg, &end, 10)) > 0 && !*end)
			continue;
		else if (opt == 'h')
			return cmd_print_help(self());
		else
			return cmd_usage_error(self());
	}
	if (!o.path)
		return cmd_usage_error(self());
	o.args = argv + optind;
	o.nargs = argc - optind;
	struct config *cfg = cmd_load_config(o.path);
	if (!cfg)
		return EXIT_FAIL;
	signals_install();
	int rc = tail(cfg, &o);
	config_free(cfg);
	return rc;
}

const struct command cmd_tail_def = {
    "tail",
    "print the change stream as a person reads it",
    "tail -c FILE [TOPIC|SOURCE.TABLE ...] [--from-beginning] [--format text|json] [--count N]",
    "  -c, --config FILE      the configuration file ([kafka] says where Kafka is)\n"
    "  -b, --from-beginning   read each partition from its first change (default: only new\n"
    "                         ones)\n"
    "  -f, --format FORMAT    text (default): one line a change, for people; json: one JSON\n"
    "                         object a message {topic, partition, offset, key, value}\n"
    "  -n, --count N          stop after N messages\n"
    "  -h, --help             show this help\n\n"
    "Reads the topics named (names or patterns such as 'erp.public.*'; SOURCE.TABLE or\n"
    "SOURCE.SCHEMA.TABLE for a [source]'s table), or every topic of every source, outside\n"
    "any consumer group: it commits nothing and disturbs no applier. A text line holds the\n"
    "change's time (UTC), topic[partition]@offset, op (c create, r snapshot read, u update,\n"
    "d delete, t truncate, m message, or tombstone), key, and the columns: every value of a\n"
    "create, read or delete, and 'column: before -> after' for what an update changed.\n",
    run,
};

static const struct command *self(void)
{
	return &cmd_tail_def;
}
