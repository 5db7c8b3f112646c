/* event: decodes one Kafka message (key and value) as a Debezium-style change event. */
#include "mapping/event.h"

#include <stdio.h>
#include <string.h>

/*
 * The content of a {"schema": ..., "payload": ...} wrapper (Kafka Connect's JsonConverter with
 * schemas on), or J itself when it is not one. Borrowed.
 */
static json_t *unwrap(json_t *j)
{
	if (json_is_object(j) && json_object_size(j) == 2 && json_object_get(j, "schema") &&
	    json_object_get(j, "payload"))
		return json_object_get(j, "payload");
	return j;
}

static void parse_key(struct event *ev, const char *key, size_t klen)
{
	json_t *k;

	if (!key)
		return;
	ev->keyval = json_loadb(key, klen, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	k = unwrap(ev->keyval);
	ev->key = json_is_object(k) ? k : NULL;
}

/* Checks that FIELD of the payload is an object or null (or absent). */
static int check_row(const json_t *payload, const char *field, char *err, size_t errlen)
{
	const json_t *row = json_object_get(payload, field);

	if (row && !json_is_object(row) && !json_is_null(row)) {
		snprintf(err, errlen, "\"%s\" is not an object", field);
		return -1;
	}
	return 0;
}

/* Reads and checks the payload's op and rows. */
static int check_payload(struct event *ev, char *err, size_t errlen)
{
	const json_t *op = json_object_get(ev->payload, "op");
	const char *s = json_string_value(op);

	if (!op) {
		snprintf(err, errlen, "no \"op\" field");
		return -1;
	}
	if (!s) {
		snprintf(err, errlen, "\"op\" is not a string");
		return -1;
	}
	if (strlen(s) != 1 || !strchr("cudrtm", s[0])) {
		snprintf(err, errlen, "op '%.20s' is not one of c u d r t m", s);
		return -1;
	}
	if (check_row(ev->payload, "before", err, errlen) < 0 ||
	    check_row(ev->payload, "after", err, errlen) < 0)
		return -1;
	if (strchr("cur", s[0]) && !json_is_object(json_object_get(ev->payload, "after"))) {
		snprintf(err, errlen, "op '%s' without an \"after\" row", s);
		return -1;
	}
	ev->op = s[0];
	return 0;
}

int event_parse(struct event *ev, const char *key, size_t klen, const char *value, size_t vlen,
                char *err, size_t errlen)
{
	json_error_t jerr;

	memset(ev, 0, sizeof(*ev));
	parse_key(ev, key, klen);
	if (!value)
		return 0; /* a tombstone */
	ev->value = json_loadb(value, vlen, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
	if (!ev->value) {
		snprintf(err, errlen, "not JSON: line %d column %d: %s", jerr.line, jerr.column,
		         jerr.text);
		goto fail;
	}
	ev->payload = unwrap(ev->value);
	if (json_is_null(ev->payload) && ev->payload != ev->value) {
		/* A wrapped tombstone, {"schema": ..., "payload": null}: as a null value. */
		json_decref(ev->value);
		ev->value = ev->payload = NULL;
		return 0;
	}
	if (!json_is_object(ev->payload)) {
		snprintf(err, errlen, "the value is not a JSON object");
		goto fail;
	}
	if (check_payload(ev, err, errlen) < 0)
		goto fail;
	return 0;
fail:
	event_release(ev);
	return -1;
}

void event_release(struct event *ev)
{
	json_decref(ev->value);
	json_decref(ev->keyval);
	memset(ev, 0, sizeof(*ev));
}
