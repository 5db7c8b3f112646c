/* buf: a growable byte buffer, reused across changes (reset, not freed), with JSON helpers. */
#include "core/buf.h"

#include <jansson.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(struct buf *b)
{
	b->data = NULL;
	b->len = b->cap = 0;
	b->failed = false;
}

void buf_release(struct buf *b)
{
	free(b->data);
	buf_init(b);
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	b->failed = false;
	if (b->data)
		b->data[0] = '\0';
}

bool buf_ok(const struct buf *b)
{
	return !b->failed;
}

/* Makes room for N more bytes plus the terminating NUL. */
static bool grow(struct buf *b, size_t n)
{
	size_t cap;
	char *p;

	if (b->failed)
		return false;
	if (b->len + n < b->cap)
		return true;
	cap = b->cap ? b->cap : 256;
	while (cap <= b->len + n)
		cap *= 2;
	p = realloc(b->data, cap);
	if (!p) {
		b->failed = true;
		return false;
	}
	b->data = p;
	b->cap = cap;
	b->data[b->len] = '\0';
	return true;
}

void buf_add(struct buf *b, const void *p, size_t n)
{
	if (!grow(b, n))
		return;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void buf_addc(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

void buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !grow(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void buf_add_json_string(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t start = 0;

	buf_addc(b, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		buf_add(b, s + start, i - start);
		start = i + 1;
		if (c == '"' || c == '\\') {
			esc[1] = (char)c;
			buf_add(b, esc, 2);
		} else if (c == '\n' || c == '\t' || c == '\r') {
			esc[1] = c == '\n' ? 'n' : c == '\t' ? 't' : 'r';
			buf_add(b, esc, 2);
		} else {
			buf_add(b, esc, 6);
		}
	}
	buf_add(b, s + start, n - start);
	buf_addc(b, '"');
}

void buf_add_base64(struct buf *b, const void *p, size_t n)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *s = p;
	size_t i;

	if (!grow(b, (n + 2) / 3 * 4))
		return;
	for (i = 0; i + 2 < n; i += 3) {
		char q[4] = {tab[s[i] >> 2], tab[((s[i] & 3) << 4) | (s[i + 1] >> 4)],
		             tab[((s[i + 1] & 15) << 2) | (s[i + 2] >> 6)], tab[s[i + 2] & 63]};

		buf_add(b, q, 4);
	}
	if (n - i == 1) {
		char q[4] = {tab[s[i] >> 2], tab[(s[i] & 3) << 4], '=', '='};

		buf_add(b, q, 4);
	} else if (n - i == 2) {
		char q[4] = {tab[s[i] >> 2], tab[((s[i] & 3) << 4) | (s[i + 1] >> 4)],
		             tab[(s[i + 1] & 15) << 2], '='};

		buf_add(b, q, 4);
	}
}

/* Shortest "%.Ng" text of D that reads back as D. */
void buf_real_text(double d, char *buf, size_t size)
{
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, size, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			return;
	}
}

static void dump_object(struct buf *b, json_t *obj)
{
	const char *key;
	json_t *v;
	size_t n = 0;

	buf_addc(b, '{');
	json_object_foreach(obj, key, v)
	{
		if (n++)
			buf_addc(b, ',');
		buf_add_json_string(b, key, strlen(key));
		buf_addc(b, ':');
		buf_add_json(b, v);
	}
	buf_addc(b, '}');
}

static void dump_array(struct buf *b, json_t *arr)
{
	buf_addc(b, '[');
	for (size_t i = 0; i < json_array_size(arr); i++) {
		if (i)
			buf_addc(b, ',');
		buf_add_json(b, json_array_get(arr, i));
	}
	buf_addc(b, ']');
}

void buf_add_json(struct buf *b, json_t *j)
{
	char num[40];

	switch (json_typeof(j)) {
	case JSON_OBJECT:
		dump_object(b, j);
		break;
	case JSON_ARRAY:
		dump_array(b, j);
		break;
	case JSON_STRING:
		buf_add_json_string(b, json_string_value(j), json_string_length(j));
		break;
	case JSON_INTEGER:
		buf_addf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(j));
		break;
	case JSON_REAL:
		buf_real_text(json_real_value(j), num, sizeof(num));
		buf_adds(b, num);
		break;
	case JSON_TRUE:
	case JSON_FALSE:
	case JSON_NULL:
		buf_adds(b, json_is_true(j) ? "true" : json_is_false(j) ? "false" : "null");
		break;
	}
}
