/* Unit tests for core/log: levels and secret scrubbing. */
#include "unit.h"
#include "core/log.h"

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
