/* cmd: helpers shared by the subcommands (usage and help output). */
#include "cmd/cmd.h"
#include "core/config.h"
#include "core/log.h"
#include "kafka/kconf.h"

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

static void report(void *arg, const char *message)
{
	(void)arg;
	log_error("config", "%s", message);
}

/* Applies [spoke] log_level and log_file to the logger. */
static int apply_logging(const struct config *cfg)
{
	const struct conf_section *sp = config_find(cfg, "spoke", NULL);
	enum log_level level;
	char err[512];

	if (log_level_parse(conf_str(sp, "log_level"), &level))
		log_set_level(level);
	if (conf_str(sp, "log_file") &&
	    log_open_file(conf_str(sp, "log_file"), err, sizeof(err)) < 0) {
		log_error("config", "%s:%d: [spoke] %s", cfg->path, conf_line(sp, "log_file"), err);
		return -1;
	}
	return 0;
}

struct config *cmd_load_config(const char *path)
{
	struct config *cfg = config_load(path, report, NULL);
	rd_kafka_conf_t *kconf;
	char err[1024];

	if (!cfg)
		return NULL;
	kconf = kconf_new(cfg, err, sizeof(err));
	if (!kconf) {
		log_error("config", "%s", err);
		config_free(cfg);
		return NULL;
	}
	rd_kafka_conf_destroy(kconf);
	if (apply_logging(cfg) < 0) {
		config_free(cfg);
		return NULL;
	}
	return cfg;
}
