/* spoke config: checks a configuration file and prints its effective form, secrets redacted. */
#include "cmd/cmd.h"
#include "core/config.h"

#include <getopt.h>
#include <stdio.h>

static const struct command *self(void);

static int run(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"keys", no_argument, NULL, 'k'},
	    {"markdown", no_argument, NULL, 'm'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *path = NULL;
	bool keys = false, markdown = false;
	struct config *cfg;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:kmh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			path = optarg;
			break;
		case 'k':
			keys = true;
			break;
		case 'm':
			markdown = true;
			break;
		case 'h':
			return cmd_print_help(self());
		default:
			return cmd_usage_error(self());
		}
	}
	if (keys && !path && optind == argc) {
		if (markdown)
			config_print_keys_markdown(stdout);
		else
			config_print_keys(stdout);
		return EXIT_OK;
	}
	if (!path || optind != argc || keys || markdown)
		return cmd_usage_error(self());
	cfg = cmd_load_config(path);
	if (!cfg)
		return EXIT_FAIL;
	config_print(cfg, stdout);
	config_free(cfg);
	return EXIT_OK;
}

const struct command cmd_config_def = {
    "config",
    "check a configuration file and print its effective form, secrets redacted",
    "config -c FILE | config --keys [--markdown]",
    "  -c, --config FILE   the configuration file to check and print\n"
    "      --keys          list every section and key with its type, default and help\n"
    "      --markdown      with --keys: as markdown tables (the README's reference)\n"
    "  -h, --help          show this help\n\n"
    "Every problem in the file is reported on its own line as FILE:LINE: reason, and the\n"
    "exit code is 1. Values may use ${ENV} or ${ENV:-default}; a secret key KEY may be\n"
    "read from a file with KEY_file = PATH (relative to the config file's directory).\n"
    "[kafka] keys are checked by librdkafka itself.\n",
    run,
};

static const struct command *self(void)
{
	return &cmd_config_def;
}
