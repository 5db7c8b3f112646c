/* spoke setup / spoke teardown: what capture needs in each source database, or its SQL. */
#include "capture/capture.h"
#include "cmd/cmd.h"
#include "core/config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const struct command *setup_self(void);
static const struct command *teardown_self(void);

/* Runs setup (SETUP) or teardown on the chosen sources, or all of them. */
static int run_on_sources(const struct command *cmd, bool setup, int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"source", required_argument, NULL, 's'},
	    {"print", no_argument, NULL, 'p'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *path = NULL, *name = NULL;
	bool print = false;
	struct config *cfg;
	int opt, failed = 0;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:s:ph", longopts, NULL)) != -1) {
		if (opt == 'c')
			path = optarg;
		else if (opt == 's')
			name = optarg;
		else if (opt == 'p')
			print = true;
		else if (opt == 'h')
			return cmd_print_help(cmd);
		else
			return cmd_usage_error(cmd);
	}
	if (!path || optind != argc)
		return cmd_usage_error(cmd);
	cfg = cmd_load_config(path);
	if (!cfg)
		return EXIT_FAIL;
	for (size_t i = 0; config_section(cfg, "source", i); i++) {
		const struct conf_section *sec = config_section(cfg, "source", i);
		const struct source_ops *ops;

		if (name && strcmp(name, sec->name) != 0)
			continue;
		ops = cmd_source_ops(sec);
		if (!ops ||
		    (setup ? ops->setup : ops->teardown)(cfg, sec, print ? stdout : NULL) < 0)
			failed++;
	}
	if (name && !config_find(cfg, "source", name)) {
		cmd_pick_source(cfg, name); /* reports the unknown name */
		failed++;
	}
	config_free(cfg);
	return failed ? EXIT_FAIL : EXIT_OK;
}

static int run_setup(int argc, char **argv)
{
	return run_on_sources(setup_self(), true, argc, argv);
}

static int run_teardown(int argc, char **argv)
{
	return run_on_sources(teardown_self(), false, argc, argv);
}

const struct command cmd_setup_def = {
    "setup",
    "create what capture needs in the source databases (or print its SQL)",
    "setup -c FILE [--source NAME] [--print]",
    "  -c, --config FILE   the configuration file\n"
    "  -s, --source NAME   only this source (default: every source)\n"
    "  -p, --print         write the SQL for a DBA to review instead of running it\n"
    "  -h, --help          show this help\n\n"
    "PostgreSQL: checks wal_level, the REPLICATION attribute, that every table exists,\n"
    "can be read and has a primary key or replica identity; then creates (or updates) the\n"
    "publication and creates the logical slot (pgoutput). Nothing is changed when a check\n"
    "fails. Running it again is safe.\n",
    run_setup,
};

const struct command cmd_teardown_def = {
    "teardown",
    "remove what setup created (or print its SQL)",
    "teardown -c FILE [--source NAME] [--print]",
    "  -c, --config FILE   the configuration file\n"
    "  -s, --source NAME   only this source (default: every source)\n"
    "  -p, --print         write the SQL instead of running it\n"
    "  -h, --help          show this help\n\n"
    "PostgreSQL: drops the slot (so the server stops keeping WAL for it) and the\n"
    "publication, and forgets the snapshot state. A slot being read is not dropped.\n",
    run_teardown,
};

static const struct command *setup_self(void)
{
	return &cmd_setup_def;
}

static const struct command *teardown_self(void)
{
	return &cmd_teardown_def;
}
