/* Unit tests for core/buf: growth, formatting, JSON strings and base64. */
#include "unit.h"
#include "core/buf.h"

TEST(buf_grows_and_resets)
{
	struct buf b = BUF_INIT;

	for (int i = 0; i < 1000; i++)
		buf_addf(&b, "%d,", i % 10);
	CHECK_INT(b.len, 2000);
	CHECK(buf_ok(&b));
	buf_reset(&b);
	CHECK_INT(b.len, 0);
	CHECK_STR(b.data, "");
	buf_adds(&b, "x");
	CHECK_STR(b.data, "x");
	buf_release(&b);
}

TEST(buf_json_string_escapes)
{
	struct buf b = BUF_INIT;
	const char s[] = "a\"b\\c\nd\x01\te\0f";

	buf_add_json_string(&b, s, sizeof(s) - 1);
	CHECK_STR(b.data, "\"a\\\"b\\\\c\\nd\\u0001\\te\\u0000f\"");
	buf_reset(&b);
	buf_add_json_string(&b, "caf\xc3\xa9", 5);
	CHECK_STR(b.data, "\"caf\xc3\xa9\"");
	buf_release(&b);
}

TEST(buf_base64)
{
	struct buf b = BUF_INIT;

	buf_add_base64(&b, "", 0);
	CHECK_STR(b.data ? b.data : "", "");
	buf_add_base64(&b, "f", 1);
	buf_addc(&b, ' ');
	buf_add_base64(&b, "fo", 2);
	buf_addc(&b, ' ');
	buf_add_base64(&b, "foobar", 6);
	buf_addc(&b, ' ');
	buf_add_base64(&b, "\xff\xfe\x00", 3);
	CHECK_STR(b.data, "Zg== Zm8= Zm9vYmFy //4A");
	buf_release(&b);
}
