/* Unit tests for core/units, core/suggest and core/connstr. */
#include "unit.h"
#include "core/connstr.h"
#include "core/suggest.h"
#include "core/units.h"

TEST(units_duration)
{
	long long ms = -1;
	char buf[32];

	CHECK(units_parse_duration("200ms", &ms));
	CHECK_INT(ms, 200);
	CHECK(units_parse_duration("1m30s", &ms));
	CHECK_INT(ms, 90000);
	CHECK(units_parse_duration("2d", &ms));
	CHECK_INT(ms, 2 * 86400000LL);
	CHECK(!units_parse_duration("10", &ms));
	CHECK(!units_parse_duration("", &ms));
	CHECK(!units_parse_duration("5 s", &ms));
	CHECK(!units_parse_duration("5sec", &ms));
	CHECK(!units_parse_duration("-5s", &ms));
	CHECK(!units_parse_duration("99999999999999999999s", &ms));
	units_format_duration(600000, buf, sizeof(buf));
	CHECK_STR(buf, "10m");
	units_format_duration(1500, buf, sizeof(buf));
	CHECK_STR(buf, "1500ms");
	units_format_duration(0, buf, sizeof(buf));
	CHECK_STR(buf, "0s");
}

TEST(units_size_int_bool)
{
	long long v = 0;
	bool b = false;
	char buf[32];

	CHECK(units_parse_size("64KiB", &v));
	CHECK_INT(v, 65536);
	CHECK(units_parse_size("1M", &v));
	CHECK_INT(v, 1048576);
	CHECK(units_parse_size("17", &v));
	CHECK_INT(v, 17);
	CHECK(!units_parse_size("1 TB", &v));
	units_format_size(1048576, buf, sizeof(buf));
	CHECK_STR(buf, "1MiB");
	CHECK(units_parse_int(" 42", &v));
	CHECK_INT(v, 42);
	CHECK(!units_parse_int("42x", &v));
	CHECK(!units_parse_int("", &v));
	CHECK(units_parse_bool("Yes", &b) && b);
	CHECK(units_parse_bool("off", &b) && !b);
	CHECK(!units_parse_bool("maybe", &b));
}

TEST(suggest_nearest_word)
{
	static const char *const keys[] = {"slot", "publication", "tables", "conninfo"};

	CHECK_STR(suggest_nearest("slto", keys, 4), "slot");
	CHECK_STR(suggest_nearest("publicaton", keys, 4), "publication");
	CHECK_STR(suggest_nearest("TABLES", keys, 4), "tables");
	CHECK(suggest_nearest("colour", keys, 4) == NULL);
	CHECK_INT(suggest_distance("abc", "abc"), 0);
	CHECK_INT(suggest_distance("ab", "ba"), 1);
}

TEST(connstr_redacts_passwords)
{
	char out[256];

	connstr_redact("host=db password=s3cret user=x", out, sizeof(out));
	CHECK_STR(out, "host=db password=<redacted> user=x");
	connstr_redact("host=db password='a b\\' c' port=1", out, sizeof(out));
	CHECK_STR(out, "host=db password=<redacted> port=1");
	connstr_redact("Driver={MariaDB};Server=h;UID=u;PWD={p;w};Database=d", out, sizeof(out));
	CHECK_STR(out, "Driver={MariaDB};Server=h;UID=u;PWD=<redacted>;Database=d");
	connstr_redact("DSN=x;Password = pw", out, sizeof(out));
	CHECK_STR(out, "DSN=x;Password = <redacted>");
	connstr_redact("dbname=erp", out, sizeof(out));
	CHECK_STR(out, "dbname=erp");
}
