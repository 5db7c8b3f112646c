/* eventtext: a change event as one line for a person (see eventtext.h). */
#include "mapping/eventtext.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The event's time: payload.source.ts_ms, else payload.ts_ms, as UTC; "-" without one. */
static void add_time(struct buf *out, const struct event *ev)
{
	json_t *src = json_object_get(ev->payload, "source");
	json_t *ts = json_object_get(src, "ts_ms");
	char when[32];
	struct tm tm;

	if (!json_is_integer(ts))
		ts = json_object_get(ev->payload, "ts_ms");
	if (!json_is_integer(ts)) {
		buf_addc(out, '-');
		return;
	}
	json_int_t ms = json_integer_value(ts);
	time_t secs = (time_t)(ms / 1000);
	gmtime_r(&secs, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	buf_addf(out, "%s.%03d", when, (int)(ms % 1000));
}

/* Appends V: 'text' ('' for a quote), or JSON as it is (numbers, booleans, null, objects). */
static void add_value(struct buf *out, json_t *v)
{
	if (json_is_string(v)) {
		buf_addc(out, '\'');
		for (const char *s = json_string_value(v); *s; s++) {
			if (*s == '\'')
				buf_addc(out, '\'');
			buf_addc(out, *s);
		}
		buf_addc(out, '\'');
		return;
	}
	if (v)
		buf_add_json(out, v);
	else
		buf_adds(out, "null");
}

/* True when the event lists column NAME in "unchanged" (a TOASTed value it did not send). */
static bool unchanged(const struct event *ev, const char *name)
{
	json_t *list = json_object_get(ev->payload, "unchanged"), *v;
	size_t i;

	json_array_foreach(list, i, v) if (json_is_string(v) &&
	                                   strcmp(json_string_value(v), name) == 0) return true;
	return false;
}

/* " col=value ..." for every column of ROW. */
static void add_row(struct buf *out, const struct event *ev, json_t *row)
{
	const char *name;
	json_t *v;

	json_object_foreach(row, name, v)
	{
		buf_addf(out, " %s=", name);
		if (unchanged(ev, name))
			buf_adds(out, "(unchanged)");
		else
			add_value(out, v);
	}
}

/* " col: before -> after" for every column of AFTER that differs from BEFORE. */
static void add_changes(struct buf *out, const struct event *ev, json_t *before, json_t *after)
{
	const char *name;
	json_t *v;
	bool any = false;

	json_object_foreach(after, name, v)
	{
		json_t *old = json_object_get(before, name);
		if (unchanged(ev, name) || (old && json_equal(old, v)))
			continue;
		buf_addf(out, " %s: ", name);
		if (old)
			add_value(out, old);
		else
			buf_adds(out, "?");
		buf_adds(out, " -> ");
		add_value(out, v);
		any = true;
	}
	if (!any)
		buf_adds(out, " (no column changed)");
}

void eventtext_format(const struct event *ev, const char *topic, int part, int64_t offset,
                      struct buf *out)
{
	json_t *before = json_object_get(ev->payload, "before");
	json_t *after = json_object_get(ev->payload, "after");
	add_time(out, ev);
	buf_addf(out, " %s[%d]@%" PRId64 " ", topic, part, offset);
	if (ev->op)
		buf_addc(out, ev->op);
	else
		buf_adds(out, "tombstone");
	buf_addc(out, ' ');
	if (ev->key)
		buf_add_json(out, ev->key);
	else
		buf_addc(out, '-');
	if (ev->op == 'u' && json_is_object(before) && json_object_size(before) > 1)
		add_changes(out, ev, before, after);
	else if (ev->op == 'd')
		add_row(out, ev, before);
	else if (ev->op == 'c' || ev->op == 'r' || ev->op == 'u')
		add_row(out, ev, after);
	else if (ev->op == 'm')
		add_row(out, ev, json_object_get(ev->payload, "message"));
}
