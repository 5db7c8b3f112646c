/* spoke apply: runs one applier: consumes change topics and applies its rules to targets. */
#include "apply/applier.h"
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
	    {"applier", required_argument, NULL, 'a'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *path = NULL, *name = NULL;
	const struct conf_section *sec;
	struct config *cfg;
	int opt, rc;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:a:h", longopts, NULL)) != -1) {
		if (opt == 'c')
			path = optarg;
		else if (opt == 'a')
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
	sec = cmd_pick(cfg, "applier", name);
	if (!sec) {
		config_free(cfg);
		return EXIT_FAIL;
	}
	signals_install();
	log_sinfo("apply", sec->name, "starting (spoke " SPOKE_VERSION ")");
	rc = applier_run(cfg, sec);
	config_free(cfg);
	return rc == 0 ? EXIT_OK : EXIT_FAIL;
}

const struct command cmd_apply_def = {
    "apply",
    "apply change topics to databases and HTTP APIs with one applier's rules",
    "apply -c FILE [--applier NAME]",
    "  -c, --config FILE    the configuration file\n"
    "  -a, --applier NAME   the [applier NAME] to run (needed when there are several)\n"
    "  -h, --help           show this help\n\n"
    "An applier reads the topics its rules name, as a member of its consumer group, and\n"
    "writes each change into its targets as the rules say. A batch of changes goes into\n"
    "one transaction per target together with the offsets it reaches (table\n"
    "spoke_offsets), so after kill -9 each change is applied exactly once. A change that\n"
    "cannot be applied (not JSON, a rule error, a constraint violation) goes to the\n"
    "dead-letter topic with the reason in its headers (on_error = dead_letter), or stops\n"
    "the applier (on_error = stop); lost connections and deadlocks are retried. SIGTERM\n"
    "applies the batch in hand and exits 0; SIGHUP reopens the log file.\n",
    run,
};

static const struct command *self(void)
{
	return &cmd_apply_def;
}
