/* cmd: helpers shared by the subcommands (usage and help output, configuration, rules). */
#include "capture/capture.h"
#include "cmd/cmd.h"
#include "core/config.h"
#include "core/log.h"
#include "kafka/kconf.h"
#include "mapping/rules.h"

#include <stdio.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

int cmd_config_only(int argc, char **argv, const struct command *cmd, const char **path)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int opt;

	*path = NULL;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		if (opt == 'c')
			*path = optarg;
		else if (opt == 'h')
			return cmd_print_help(cmd);
		else
			return cmd_usage_error(cmd);
	}
	return !*path || optind != argc ? cmd_usage_error(cmd) : -1;
}

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

static void list_sections(const struct config *cfg, const char *kind, char *out, size_t outlen)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; config_section(cfg, kind, i) && used < outlen; i++)
		used += (size_t)snprintf(out + used, outlen - used, "%s%s", i ? ", " : "",
		                         config_section(cfg, kind, i)->name);
}

const struct conf_section *cmd_pick(const struct config *cfg, const char *kind, const char *name)
{
	char names[512];
	const struct conf_section *sec;

	list_sections(cfg, kind, names, sizeof(names));
	if (!config_section(cfg, kind, 0)) {
		log_error("config", "%s has no [%s NAME] section", cfg->path, kind);
		return NULL;
	}
	if (name) {
		sec = config_find(cfg, kind, name);
		if (!sec)
			log_error("config", "%s has no [%s %s]; its %ss are: %s", cfg->path, kind,
			          name, kind, names);
		return sec;
	}
	if (config_section(cfg, kind, 1)) {
		log_error("config", "%s has several %ss (%s): choose one with --%s NAME", cfg->path,
		          kind, names, kind);
		return NULL;
	}
	return config_section(cfg, kind, 0);
}

const struct conf_section *cmd_pick_source(const struct config *cfg, const char *name)
{
	return cmd_pick(cfg, "source", name);
}

const struct source_ops *cmd_source_ops(const struct conf_section *sec)
{
	const struct source_ops *ops = capture_ops(conf_str(sec, "type"));

	if (!ops)
		log_serror("capture", sec->name, "sources of type %s cannot be captured yet",
		           conf_str(sec, "type"));
	return ops;
}
