/* broker: `spoke broker`, an in-memory Kafka broker on loopback for trials, the demo and tests. */
#include "cmd/cmd.h"

#include "core/log.h"
#include "core/signals.h"
#include "kafka/broker.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define COMPONENT          "broker"
#define POLL_MS            100
#define DEFAULT_BROKERS    1
#define DEFAULT_PARTITIONS BROKER_AUTO_PARTITIONS

/* Set by SIGTERM / SIGINT: the signal that asked us to stop. */

/* What the command line asked for. specs point into argv. */
struct broker_args {
	int brokers;
	int partitions;
	const char *bootstrap_file;
	const char **specs;
	size_t nspecs;
	bool help;
};

/* Long-only options get values outside the range of short option letters. */
enum { OPT_BROKERS = 256, OPT_TOPIC, OPT_PARTITIONS, OPT_BOOTSTRAP_FILE };

static const struct option long_options[] = {
    {"brokers", required_argument, NULL, OPT_BROKERS},
    {"topic", required_argument, NULL, OPT_TOPIC},
    {"partitions", required_argument, NULL, OPT_PARTITIONS},
    {"bootstrap-file", required_argument, NULL, OPT_BOOTSTRAP_FILE},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* True when S is a plain decimal number from MIN to MAX. */
static bool parse_int(const char *s, int min, int max, int *out)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = (int)v;
	return true;
}

static int bad_number(const char *option, const char *value, int max)
{
	fprintf(stderr, "spoke broker: bad %s '%s': must be a whole number from 1 to %d\n", option,
	        value, max);
	return -1;
}

/* True when ARG ("--bo") abbreviates more than one long option, which getopt_long refuses. */
static bool is_prefix_of_several(const char *arg)
{
	size_t len;
	int n = 0;

	if (strncmp(arg, "--", 2) != 0)
		return false;
	len = strcspn(arg + 2, "=");
	for (const struct option *o = long_options; o->name; o++)
		if (strncmp(o->name, arg + 2, len) == 0)
			n++;
	return n > 1;
}

/*
 * Prints why getopt_long rejected an option. OPTOPT is 0 for an unknown long option, 'h' for
 * --help=VALUE, the letter for an unknown short option.
 */
static int bad_option(int c, char **argv)
{
	const char *what = argv[optind - 1];

	if (c == ':')
		fprintf(stderr, "spoke broker: option '%s' needs a value\n", what);
	else if (optopt == 'h')
		fprintf(stderr, "spoke broker: option '--help' takes no value\n");
	else if (optopt)
		fprintf(stderr, "spoke broker: unknown option '-%c'\n", optopt);
	else if (is_prefix_of_several(what))
		fprintf(stderr, "spoke broker: ambiguous option '%s'\n", what);
	else
		fprintf(stderr, "spoke broker: unknown option '%s'\n", what);
	return -1;
}

/* Fills A from the command line. Returns 0, or -1 after printing what is wrong. */
static int parse_args(int argc, char **argv, struct broker_args *a)
{
	int c;

	optind = 0; /* argv[0] is "broker"; also resets getopt between calls */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", long_options, NULL)) != -1) {
		switch (c) {
		case OPT_BROKERS:
			if (!parse_int(optarg, 1, BROKER_BROKERS_MAX, &a->brokers))
				return bad_number("--brokers", optarg, BROKER_BROKERS_MAX);
			break;
		case OPT_PARTITIONS:
			if (!parse_int(optarg, 1, BROKER_PARTITIONS_MAX, &a->partitions))
				return bad_number("--partitions", optarg, BROKER_PARTITIONS_MAX);
			break;
		case OPT_TOPIC:
			a->specs[a->nspecs++] = optarg;
			break;
		case OPT_BOOTSTRAP_FILE:
			if (!*optarg) {
				fprintf(stderr, "spoke broker: bad --bootstrap-file: empty path\n");
				return -1;
			}
			a->bootstrap_file = optarg;
			break;
		case 'h':
			a->help = true;
			break;
		default:
			return bad_option(c, argv);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "spoke broker: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	return 0;
}

/*
 * Turns the --topic values into TOPICS (room for a->nspecs), after every option is read so that
 * --partitions counts wherever it stands. Returns 0, or -1 after printing what is wrong.
 */
static int parse_topics(const struct broker_args *a, struct broker_topic *topics)
{
	char err[512];

	for (size_t i = 0; i < a->nspecs; i++) {
		const char *spec = a->specs[i];

		if (broker_parse_topic(spec, a->partitions, &topics[i], err, sizeof(err)) < 0) {
			fprintf(stderr, "spoke broker: bad --topic: %s\n", err);
			return -1;
		}
		for (size_t j = 0; j < i; j++) {
			if (strcmp(topics[j].name, topics[i].name) == 0) {
				fprintf(stderr,
				        "spoke broker: bad --topic: topic '%s' given twice\n",
				        topics[i].name);
				return -1;
			}
		}
	}
	return 0;
}

/* Starts the cluster, announces it, and serves until a signal. Returns an exit code. */
static int serve(const struct broker_opts *opts, const char *bootstrap_file)
{
	struct broker *b;
	char err[512];
	int rc = EXIT_FAIL;

	log_warn(COMPONENT, "for trials and tests only, never for production: data lives in memory "
	                    "only and is lost when it stops, each partition keeps only about 5 MiB "
	                    "(older data is dropped silently), and there is no SASL or SSL");
	signals_install();
	b = broker_new(opts, err, sizeof(err));
	if (!b) {
		log_error(COMPONENT, "%s", err);
		return EXIT_FAIL;
	}
	if (bootstrap_file &&
	    broker_write_bootstrap_file(b, bootstrap_file, err, sizeof(err)) < 0) {
		log_error(COMPONENT, "%s", err);
		goto out;
	}
	if (printf("%s\n", broker_bootstraps(b)) < 0 || fflush(stdout) != 0) {
		log_error(COMPONENT, "cannot write the bootstrap list to stdout: %s",
		          strerror(errno));
		goto out;
	}
	log_info(COMPONENT, "ready: %d broker(s) at %s, %zu topic(s) created", opts->brokers,
	         broker_bootstraps(b), opts->ntopics);
	while (!signals_stop_requested()) {
		broker_poll(b, POLL_MS);
		signals_service();
	}
	log_info(COMPONENT, "stopping on %s",
	         signals_stop_requested() == SIGINT ? "SIGINT" : "SIGTERM");
	/* The ports die with the broker: a stale bootstrap file would point clients at nothing. */
	if (bootstrap_file)
		unlink(bootstrap_file);
	rc = EXIT_OK;
out:
	broker_free(b);
	return rc;
}

static int run(int argc, char **argv)
{
	struct broker_args a = {DEFAULT_BROKERS, DEFAULT_PARTITIONS, NULL, NULL, 0, false};
	struct broker_topic *topics = NULL;
	struct broker_opts opts;
	int rc = EXIT_USAGE;

	a.specs = calloc((size_t)argc, sizeof(*a.specs));
	topics = calloc((size_t)argc, sizeof(*topics));
	if (!a.specs || !topics) {
		fprintf(stderr, "spoke broker: out of memory\n");
		rc = EXIT_FAIL;
		goto out;
	}
	if (parse_args(argc, argv, &a) < 0 || parse_topics(&a, topics) < 0) {
		rc = cmd_usage_error(&cmd_broker_def);
		goto out;
	}
	if (a.help) {
		rc = cmd_print_help(&cmd_broker_def);
		goto out;
	}
	opts.brokers = a.brokers;
	opts.topics = topics;
	opts.ntopics = a.nspecs;
	rc = serve(&opts, a.bootstrap_file);
out:
	free(topics);
	free(a.specs);
	return rc;
}

/* The numbers here are the limits in kafka/broker.h; a unit test keeps them in step. */
static const char help[] =
    "Starts librdkafka's mock Kafka cluster on 127.0.0.1 (ports chosen by the system), prints\n"
    "its bootstrap list on stdout as one line and serves until SIGTERM or SIGINT, then exits 0.\n"
    "\n"
    "options:\n"
    "  --brokers N            number of brokers, 1 to 16 (default 1)\n"
    "  --topic NAME[:COUNT]   create topic NAME with COUNT partitions (1 to 10000) before\n"
    "                         announcing the broker; repeatable. Without :COUNT it gets\n"
    "                         --partitions. Replication factor: the broker count, at most 3.\n"
    "  --partitions N         partition count for each --topic NAME given without one\n"
    "                         (default 4). Topics that clients create just by using them\n"
    "                         always get 4 partitions: librdkafka's mock cannot change that.\n"
    "  --bootstrap-file F     once the topics exist, also write the bootstrap list to F\n"
    "                         (through F.tmp and a rename), so a script can wait for F\n"
    "  -h, --help             show this help\n"
    "\n"
    "For trials and tests only, never for production:\n"
    "  - data lives in memory only and is lost when the broker stops;\n"
    "  - each partition keeps only about 5 MiB (or 100000 batches) and silently drops older\n"
    "    data, so create topics with enough partitions for what you send;\n"
    "  - no SASL, no SSL; CreateTopics requests get no answer (use --topic).\n"
    "\n"
    "example:\n"
    "  spoke broker --topic demo:8 --bootstrap-file bs &\n"
    "  while [ ! -s bs ]; do sleep 0.1; done; kcat -b \"$(cat bs)\" -L\n";

const struct command cmd_broker_def = {
    "broker",
    "an in-memory Kafka broker on 127.0.0.1 for trials and tests (never for production)",
    "broker [--brokers N] [--topic NAME[:COUNT]]... [--partitions N] [--bootstrap-file F]",
    help,
    run,
};
