/* Unit tests for mapping/event: envelopes with and without the schema wrapper, keys, errors. */
#include "unit.h"
#include "mapping/event.h"

static int parse(struct event *ev, const char *key, const char *value, char *err, size_t errlen)
{
	err[0] = '\0';
	return event_parse(ev, key, key ? strlen(key) : 0, value, value ? strlen(value) : 0, err,
	                   errlen);
}

TEST(event_plain_envelope)
{
	struct event ev;
	char err[256];

	CHECK_INT(parse(&ev, "{\"id\":42}",
	                "{\"before\":null,\"after\":{\"id\":42},\"source\":{},\"op\":\"c\"}", err,
	                sizeof(err)),
	          0);
	CHECK_INT(ev.op, 'c');
	CHECK(ev.payload == ev.value);
	CHECK_INT(json_integer_value(json_object_get(json_object_get(ev.payload, "after"), "id")),
	          42);
	CHECK(ev.key == ev.keyval);
	CHECK_INT(json_integer_value(json_object_get(ev.key, "id")), 42);
	event_release(&ev);
	CHECK(ev.value == NULL && ev.keyval == NULL);
	event_release(&ev); /* a released event may be released again */
}

TEST(event_wrapped_value_and_key)
{
	struct event ev;
	char err[256];

	CHECK_INT(parse(&ev, "{\"schema\":{\"type\":\"struct\"},\"payload\":{\"id\":7}}",
	                "{\"schema\":{\"type\":\"struct\"},\"payload\":{\"before\":{\"id\":7},"
	                "\"after\":null,\"op\":\"d\"}}",
	                err, sizeof(err)),
	          0);
	CHECK_INT(ev.op, 'd');
	CHECK(ev.payload != ev.value);
	CHECK(json_object_get(ev.payload, "before") != NULL);
	CHECK(ev.key != ev.keyval);
	CHECK_INT(json_integer_value(json_object_get(ev.key, "id")), 7);
	event_release(&ev);
}

TEST(event_tombstones)
{
	struct event ev;
	char err[256];

	CHECK_INT(parse(&ev, "{\"id\":1}", NULL, err, sizeof(err)), 0);
	CHECK_INT(ev.op, 0);
	CHECK(ev.value == NULL && ev.payload == NULL);
	CHECK_INT(json_integer_value(json_object_get(ev.key, "id")), 1);
	event_release(&ev);

	CHECK_INT(parse(&ev, NULL, "{\"schema\":null,\"payload\":null}", err, sizeof(err)), 0);
	CHECK_INT(ev.op, 0);
	CHECK(ev.value == NULL && ev.payload == NULL && ev.key == NULL);
	event_release(&ev);
}

TEST(event_keys_that_are_not_objects)
{
	struct event ev;
	char err[256];
	const char *value = "{\"after\":{\"id\":1},\"op\":\"r\"}";

	CHECK_INT(parse(&ev, "plain text key", value, err, sizeof(err)), 0);
	CHECK(ev.keyval == NULL && ev.key == NULL);
	event_release(&ev);
	CHECK_INT(parse(&ev, "42", value, err, sizeof(err)), 0);
	CHECK(json_is_integer(ev.keyval));
	CHECK(ev.key == NULL);
	CHECK_INT(ev.op, 'r');
	event_release(&ev);
}

/* The error event_parse gives for VALUE. */
static const char *error_of(const char *value)
{
	static char err[256];
	struct event ev;

	if (parse(&ev, NULL, value, err, sizeof(err)) == 0) {
		event_release(&ev);
		return "(parsed)";
	}
	return ev.value == NULL ? err : "(error, but the value was kept)";
}

TEST(event_errors)
{
	CHECK_STR(error_of("{\"op\": \"c\", }"),
	          "not JSON: line 1 column 13: string or '}' expected near '}'");
	CHECK_STR(error_of("[1, 2]"), "the value is not a JSON object");
	CHECK_STR(error_of("{\"after\": {}}"), "no \"op\" field");
	CHECK_STR(error_of("{\"op\": 1}"), "\"op\" is not a string");
	CHECK_STR(error_of("{\"op\": \"x\"}"), "op 'x' is not one of c u d r t m");
	CHECK_STR(error_of("{\"op\": \"cu\"}"), "op 'cu' is not one of c u d r t m");
	CHECK_STR(error_of("{\"op\": \"u\", \"after\": [1]}"), "\"after\" is not an object");
	CHECK_STR(error_of("{\"op\": \"d\", \"before\": 3}"), "\"before\" is not an object");
	CHECK_STR(error_of("{\"op\": \"c\", \"after\": null}"), "op 'c' without an \"after\" row");
	CHECK_STR(error_of("{\"op\": \"d\", \"before\": null}"), "(parsed)");
	CHECK_STR(error_of("{\"op\": \"t\"}"), "(parsed)");
}
