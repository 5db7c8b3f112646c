/* cmd: helpers shared by the subcommands (usage and help output). */
#include "cmd/cmd.h"

#include <stdio.h>

int cmd_usage_error(const struct command *cmd)
{
	fprintf(stderr, "usage: spoke %s\nTry 'spoke %s --help'.\n", cmd->usage, cmd->name);
	return EXIT_USAGE;
}

int cmd_print_help(const struct command *cmd)
{
	printf("usage: spoke %s\n\n%s\n\n%s", cmd->usage, cmd->summary, cmd->help);
	return EXIT_OK;
}
