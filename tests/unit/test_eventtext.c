/* Unit tests of eventtext: change events as lines for people (spoke tail). */
#include "unit.h"

#include "mapping/eventtext.h"

/* EV (value, key) formatted as read from t[1]@5, or the parse error. */
static const char *line(const char *key, const char *value)
{
	static char out[1024];
	struct event ev = {0};
	struct buf b;
	char err[256];

	if (event_parse(&ev, key, key ? strlen(key) : 0, value, value ? strlen(value) : 0, err,
	                sizeof(err)) < 0) {
		snprintf(out, sizeof(out), "error: %s", err);
		return out;
	}
	buf_init(&b);
	eventtext_format(&ev, "t", 1, 5, &b);
	snprintf(out, sizeof(out), "%s", buf_ok(&b) ? b.data : "out of memory");
	buf_release(&b);
	event_release(&ev);
	return out;
}

TEST(eventtext_create_update_delete)
{
	CHECK_STR(line("{\"id\":7}", "{\"op\":\"c\",\"before\":null,\"after\":{\"id\":7,\"email\":"
	                             "\"l'a@x\",\"n\":19.90,\"ok\":true,\"doc\":{\"a\":[1]},"
	                             "\"gone\":null},\"source\":{\"ts_ms\":1795490069123}}"),
	          "2026-11-24 03:14:29.123 t[1]@5 c {\"id\":7} id=7 email='l''a@x' n=19.9 ok=true "
	          "doc={\"a\":[1]} gone=null");
	CHECK_STR(line("{\"id\":7}", "{\"op\":\"u\",\"before\":{\"id\":7,\"a\":1,\"b\":\"x\"},"
	                             "\"after\":{\"id\":7,\"a\":2,\"b\":\"x\"},\"ts_ms\":0}"),
	          "1970-01-01 00:00:00.000 t[1]@5 u {\"id\":7} a: 1 -> 2");
	CHECK_STR(line(NULL, "{\"op\":\"u\",\"before\":{\"id\":7,\"a\":1},\"after\":{\"id\":7,"
	                     "\"a\":1}}"),
	          "- t[1]@5 u - (no column changed)");
	/* No before image: every column, as after values; unchanged TOAST marked. */
	CHECK_STR(line("{\"id\":7}",
	               "{\"op\":\"u\",\"before\":null,\"after\":{\"id\":7,\"t\":null},"
	               "\"unchanged\":[\"t\"]}"),
	          "- t[1]@5 u {\"id\":7} id=7 t=(unchanged)");
	CHECK_STR(line("{\"id\":7}", "{\"op\":\"d\",\"before\":{\"id\":7,\"a\":1},\"after\":null}"),
	          "- t[1]@5 d {\"id\":7} id=7 a=1");
	CHECK_STR(line("{\"id\":7}", NULL), "- t[1]@5 tombstone {\"id\":7}");
	CHECK_STR(line(NULL, "{\"op\":\"t\"}"), "- t[1]@5 t -");
}
