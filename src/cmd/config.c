/* config: temporary placeholder, replaced by the real `spoke config` shortly. */
#include "cmd/cmd.h"

static int run(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return EXIT_FAIL;
}

const struct command cmd_config_def = {"config", "print the effective configuration",
				       "config -c FILE", "", run};
