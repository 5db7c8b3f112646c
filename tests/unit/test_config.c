/* Unit tests for core/config: loading, defaults, secrets, continuation lines, errors. */
#include "unit.h"
#include "core/config.h"
#include "core/log.h"

#include <stdlib.h>
#include <unistd.h>

struct collected {
	int count;
	char last[1024];
};

static void collect(void *arg, const char *message)
{
	struct collected *c = arg;

	c->count++;
	snprintf(c->last, sizeof(c->last), "%s", message);
}

/* Writes TEXT to a new temporary file and returns its path (static buffer). */
static const char *write_temp(const char *text)
{
	static char path[64];
	int fd;
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/spoke-unit-XXXXXX");
	fd = mkstemp(path);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

static struct config *load_text(const char *text, struct collected *c)
{
	const char *path = write_temp(text);
	struct config *cfg = config_load(path, collect, c);

	unlink(path);
	return cfg;
}

TEST(config_defaults_and_types)
{
	struct collected c = {0, ""};
	struct config *cfg = load_text("[source erp]\ntype = postgres\nconninfo = dbname=erp\n"
	                               "tables = public.a , public.b,,\nstatus_interval = 2s\n",
	                               &c);
	const struct conf_section *src;
	char *const *tables;
	size_t n = 0;

	CHECK(cfg != NULL);
	CHECK_INT(c.count, 0);
	if (!cfg)
		return;
	src = config_find(cfg, "source", "erp");
	CHECK(src != NULL);
	CHECK_STR(conf_str(src, "slot"), "spoke_erp");
	CHECK_STR(conf_str(src, "topic_prefix"), "erp");
	CHECK_INT(conf_num(src, "status_interval"), 2000);
	CHECK(conf_flag(src, "tombstones"));
	CHECK(!conf_is_set(src, "slot"));
	tables = conf_list(src, "tables", &n);
	CHECK_INT(n, 2);
	CHECK_STR(tables[0], "public.a");
	CHECK_STR(tables[1], "public.b");
	/* [spoke] exists with its defaults even when the file has none */
	CHECK_STR(conf_str(config_find(cfg, "spoke", NULL), "log_level"), "info");
	CHECK(config_section(cfg, "source", 1) == NULL);
	config_free(cfg);
}

TEST(config_continuation_and_env)
{
	struct collected c = {0, ""};
	struct config *cfg;

	setenv("SPOKE_UNIT_HOST", "db.example", 1);
	cfg = load_text("[source erp]\ntype = postgres\nconninfo = host=${SPOKE_UNIT_HOST}\n"
	                "   dbname=${SPOKE_UNIT_NOPE:-erp} port=$$5\ntables = a.b\n",
	                &c);
	CHECK(cfg != NULL);
	if (cfg)
		CHECK_STR(conf_str(config_find(cfg, "source", "erp"), "conninfo"),
		          "host=db.example dbname=erp port=$5");
	config_free(cfg);
	unsetenv("SPOKE_UNIT_HOST");
}

TEST(config_secrets_are_registered_and_scrubbed)
{
	struct collected c = {0, ""};
	struct config *cfg;
	char line[256];

	setenv("SPOKE_UNIT_TOKEN", "tok-unit-9876", 1);
	cfg = load_text(
	    "[target crm]\ntype = http\nbase_url = http://x\ntoken = ${SPOKE_UNIT_TOKEN}\n"
	    "[source erp]\ntype = postgres\nconninfo = dbname=e password='pg pass 1'\n"
	    "tables = a.b\n[kafka]\nsasl.password = kafka-pass-2\n",
	    &c);
	CHECK(cfg != NULL);
	snprintf(line, sizeof(line), "a tok-unit-9876 b pg pass 1 c kafka-pass-2 d");
	log_scrub(line, sizeof(line));
	CHECK_STR(line, "a *** b *** c *** d");
	config_free(cfg);
	log_shutdown();
	unsetenv("SPOKE_UNIT_TOKEN");
}

TEST(config_reports_every_problem)
{
	struct collected c = {0, ""};
	struct config *cfg = load_text("[spoke]\nlog_level = loud\nbogus = 1\n[source x]\n", &c);

	CHECK(cfg == NULL);
	/* bad level, unknown key, and [source x] lacks both type and tables */
	CHECK_INT(c.count, 4);
	CHECK(strstr(c.last, ":4: [source x] needs 'tables'") != NULL);
}

TEST(config_missing_file)
{
	struct collected c = {0, ""};
	struct config *cfg = config_load("/nonexistent/spoke.conf", collect, &c);

	CHECK(cfg == NULL);
	CHECK_INT(c.count, 1);
	CHECK_STR(c.last, "/nonexistent/spoke.conf: cannot read: No such file or directory");
}
