/* spoke capture: runs one capture source: snapshot, then streaming its changes to Kafka. */
#include "capture/capture.h"
#include "cmd/cmd.h"
#include "core/config.h"
#include "core/log.h"
#include "core/signals.h"

#include <getopt.h>
#include <stdio.h>

static const struct command *self(void);

static int run(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"source", required_argument, NULL, 's'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *path = NULL, *name = NULL;
	const struct conf_section *sec;
	const struct source_ops *ops;
	struct config *cfg;
	int opt, rc;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:s:h", longopts, NULL)) != -1) {
		if (opt == 'c')
			path = optarg;
		else if (opt == 's')
			name = optarg;
		else if (opt == 'h')
			return cmd_print_help(self());
		else
			return cmd_usage_error(self());
	}
	if (!path || optind != argc)
		return cmd_usage_error(self());
	cfg = cmd_load_config(path);
	if (!cfg)
		return EXIT_FAIL;
	sec = cmd_pick_source(cfg, name);
	ops = sec ? cmd_source_ops(sec) : NULL;
	if (!ops) {
		config_free(cfg);
		return EXIT_FAIL;
	}
	signals_install();
	log_sinfo("capture", sec->name, "starting (spoke " SPOKE_VERSION ")");
	rc = ops->run(cfg, sec);
	config_free(cfg);
	return rc == 0 ? EXIT_OK : EXIT_FAIL;
}

const struct command cmd_capture_def = {
    "capture",
    "capture one source's changes into Kafka",
    "capture -c FILE [--source NAME]",
    "  -c, --config FILE   the configuration file\n"
    "  -s, --source NAME   the [source NAME] to capture (needed when there are several)\n"
    "  -h, --help          show this help\n\n"
    "On its first start a source takes a consistent snapshot of its tables (op \"r\"), then\n"
    "streams every committed change. A position is confirmed to the database only after\n"
    "Kafka acknowledged every change before it: after kill -9 changes may repeat, never go\n"
    "missing. SIGTERM flushes Kafka, confirms the final position and exits 0; SIGHUP\n"
    "reopens the log file.\n",
    run,
};

static const struct command *self(void)
{
	return &cmd_capture_def;
}
