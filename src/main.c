/* main: dispatches `spoke <command>` to the command's file in src/cmd/. */
#include "cmd/cmd.h"
#include "core/log.h"

#include <stdio.h>
#include <string.h>

/* Every command spoke has. A command is listed here only once it works. */
static const struct command *const commands[] = {
    &cmd_apply_def,  &cmd_broker_def,  &cmd_capture_def,  &cmd_check_def,
    &cmd_config_def, &cmd_metrics_def, &cmd_run_def,      &cmd_setup_def,
    &cmd_status_def, &cmd_tail_def,    &cmd_teardown_def,
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void print_overview(FILE *out)
{
	fprintf(out,
	        "usage: spoke <command> [options]\n\n"
	        "spoke captures committed row changes from databases into Kafka and applies them\n"
	        "to other databases and HTTP APIs.\n\ncommands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
	fprintf(out, "  %-10s %s\n\n", "help", "show this list, or a command's help");
	fprintf(out,
	        "Run 'spoke <command> --help' for a command's options. 'spoke --version' prints "
	        "the version.\n'spoke help --man' writes the man page spoke.1.\n");
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

static int run_help(int argc, char **argv)
{
	const struct command *cmd;

	if (argc < 3) {
		print_overview(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[2], "--man") == 0) {
		cmd_write_man(stdout, commands, NCOMMANDS);
		return EXIT_OK;
	}
	cmd = find_command(argv[2]);
	if (!cmd) {
		fprintf(stderr, "spoke: unknown command '%s'\n", argv[2]);
		print_overview(stderr);
		return EXIT_USAGE;
	}
	return cmd_print_help(cmd);
}

int main(int argc, char **argv)
{
	const struct command *cmd;
	char progname[64];
	int rc;

	if (argc < 2) {
		print_overview(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("spoke %s\n", SPOKE_VERSION);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)
		return run_help(argc, argv);
	cmd = find_command(argv[1]);
	if (!cmd) {
		fprintf(stderr, "spoke: unknown command '%s'\n", argv[1]);
		print_overview(stderr);
		return EXIT_USAGE;
	}
	/* getopt's own messages then read "spoke config: unrecognized option ...". */
	snprintf(progname, sizeof(progname), "spoke %s", cmd->name);
	argv[1] = progname;
	rc = cmd->run(argc - 1, argv + 1);
	log_shutdown();
	return rc;
}
