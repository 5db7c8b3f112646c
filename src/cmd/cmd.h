/* cmd: the subcommands of spoke, each in its own file, and the helpers they share. */
#ifndef SPOKE_CMD_H
#define SPOKE_CMD_H

#include "core/version.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Exit codes of every command. */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

/*
 * A subcommand. run() gets argv with argv[0] = the command name and returns an exit code.
 * usage is the first line of its help; help the rest. main.c lists them in one table.
 */
struct command {
	const char *name;
	const char *summary;
	const char *usage;
	const char *help;
	int (*run)(int argc, char **argv);
};

extern const struct command cmd_check_def;
extern const struct command cmd_config_def;
extern const struct command cmd_broker_def;
extern const struct command cmd_capture_def;
extern const struct command cmd_apply_def;
extern const struct command cmd_run_def;
extern const struct command cmd_setup_def;
extern const struct command cmd_metrics_def;
extern const struct command cmd_status_def;
extern const struct command cmd_tail_def;
extern const struct command cmd_teardown_def;

/*
 * Reads the options of a command that takes only -c FILE (and -h) into *PATH. Returns -1 when
 * the command goes on, else the exit code to return (help printed, or a usage error).
 */
int cmd_config_only(int argc, char **argv, const struct command *cmd, const char **path);
/* Writes the man page spoke.1 of the N commands CMDS (manpage.c). */
void cmd_write_man(FILE *out, const struct command *const *cmds, size_t n);
/* Prints "usage: spoke USAGE" and "Try 'spoke NAME --help'." to stderr; returns EXIT_USAGE. */
int cmd_usage_error(const struct command *cmd);
/* Prints the command's usage line and help to stdout; returns EXIT_OK. */
int cmd_print_help(const struct command *cmd);

struct config;

/*
 * Loads and checks the configuration for a command: every problem is logged (one line each),
 * [kafka] keys are checked by librdkafka, and the logger takes log_level and log_file.
 * Returns NULL when anything is wrong. The caller frees the result with config_free().
 */
struct config *cmd_load_config(const char *path);

struct conf_section;
struct source_ops;

/*
 * The KIND ("source", "applier") section NAME, or the only one when NAME is NULL. Logs why not
 * (unknown name with the valid ones, none, several and no name) and returns NULL.
 */
const struct conf_section *cmd_pick(const struct config *cfg, const char *kind, const char *name);

/*
 * The source section NAME, or the only source when NAME is NULL. Logs why not (unknown name
 * with the valid ones, no source, several sources and no name) and returns NULL.
 */
const struct conf_section *cmd_pick_source(const struct config *cfg, const char *name);
/* The capture operations of SEC's type; logs and returns NULL when that type has none yet. */
const struct source_ops *cmd_source_ops(const struct conf_section *sec);

struct ruleset;

/*
 * Serves /metrics and /health on CFG's metrics_listen until a stop (metrics.c); a listener
 * that cannot start is a warning, and it waits for the stop all the same. Returns 0.
 */
int metrics_serve(const struct config *cfg);

#endif
