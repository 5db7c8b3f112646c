/* Unit tests for core/log: levels and secret scrubbing. */
#include "unit.h"
#include "core/log.h"
#include "core/signals.h"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

TEST(log_level_parse)
{
	enum log_level l;

	CHECK(log_level_parse("debug", &l));
	CHECK_INT(l, LOG_DEBUG);
	CHECK(log_level_parse("error", &l));
	CHECK_INT(l, LOG_ERROR);
	CHECK(!log_level_parse("verbose", &l));
	CHECK_STR(log_level_name(LOG_WARN), "warn");
}

TEST(log_scrub_replaces_every_secret)
{
	char buf[128] = "password=hunter2 again hunter2 and tok-xyz";

	log_add_secret("hunter2");
	log_add_secret("tok-xyz");
	log_add_secret("ab"); /* too short: not registered */
	log_scrub(buf, sizeof(buf));
	CHECK_STR(buf, "password=*** again *** and ***");
	log_shutdown();
	strcpy(buf, "hunter2");
	log_scrub(buf, sizeof(buf));
	CHECK_STR(buf, "hunter2");
}

TEST(log_forget_secret_stops_scrubbing_it)
{
	char buf[64] = "old-token new-token";

	log_add_secret("old-token");
	log_add_secret("new-token");
	log_forget_secret("old-token");
	log_forget_secret("never-added");
	log_scrub(buf, sizeof(buf));
	CHECK_STR(buf, "old-token ***");
	log_shutdown();
}

/* Reads the whole of a small file into BUF. */
static void slurp(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, size - 1, f) : 0;

	buf[n] = '\0';
	if (f)
		fclose(f);
}

TEST(log_file_reopened_on_sighup)
{
	char dir[] = "/tmp/spoke-log-XXXXXX";
	char path[64], rotated[80], buf[512], err[256];

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/spoke.log", dir);
	snprintf(rotated, sizeof(rotated), "%s/spoke.log.1", dir);
	CHECK_INT(log_open_file(path, err, sizeof(err)), 0);
	log_add_secret("pw-in-line-77");
	log_info("unit", "first line, password pw-in-line-77");
	CHECK_INT(rename(path, rotated), 0);
	signals_install();
	raise(SIGHUP);
	signals_service();
	log_info("unit", "second line");
	slurp(rotated, buf, sizeof(buf));
	CHECK(strstr(buf, "INFO unit: first line, password ***\n") != NULL);
	CHECK(strstr(buf, "pw-in-line-77") == NULL);
	slurp(path, buf, sizeof(buf));
	CHECK(strstr(buf, "INFO unit: second line\n") != NULL);
	CHECK(buf[4] == '-' && strstr(buf, "Z INFO") != NULL); /* file lines carry a timestamp */
	log_shutdown();
	signal(SIGHUP, SIG_DFL);
	unlink(path);
	unlink(rotated);
	rmdir(dir);
}
