/* jsoncheck: strict RFC 8259 syntax checks for JSON texts that are embedded as they are. */
#include "capture/jsoncheck.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A cursor over the text. On failure, i is where the text went wrong. */
struct cur {
	const char *s;
	size_t n, i;
};

static bool cur_char(struct cur *c, char ch)
{
	if (c->i >= c->n || c->s[c->i] != ch)
		return false;
	c->i++;
	return true;
}

/* At least MIN decimal digits. */
static bool cur_digits(struct cur *c, size_t min)
{
	size_t start = c->i;

	while (c->i < c->n && c->s[c->i] >= '0' && c->s[c->i] <= '9')
		c->i++;
	return c->i - start >= min;
}

static bool cur_end(const struct cur *c)
{
	return c->i == c->n;
}

/* -?(0|[1-9][0-9]*) */
static bool cur_integer(struct cur *c)
{
	cur_char(c, '-');
	if (cur_char(c, '0'))
		return true;
	if (c->i >= c->n || c->s[c->i] < '1' || c->s[c->i] > '9')
		return false;
	return cur_digits(c, 1);
}

/* A JSON number (RFC 8259): integer, optional fraction, optional exponent. */
static bool cur_number(struct cur *c)
{
	if (!cur_integer(c))
		return false;
	if (cur_char(c, '.') && !cur_digits(c, 1))
		return false;
	if (c->i < c->n && (c->s[c->i] == 'e' || c->s[c->i] == 'E')) {
		c->i++;
		if (!cur_char(c, '+'))
			cur_char(c, '-');
		return cur_digits(c, 1);
	}
	return true;
}

static bool cur_lit(struct cur *c, const char *lit)
{
	size_t n = strlen(lit);

	if (c->n - c->i < n || memcmp(c->s + c->i, lit, n) != 0)
		return false;
	c->i += n;
	return true;
}

static void cur_space(struct cur *c)
{
	while (c->i < c->n && (c->s[c->i] == ' ' || c->s[c->i] == '\t' || c->s[c->i] == '\n' ||
	                       c->s[c->i] == '\r'))
		c->i++;
}

static bool is_hex(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

/* A JSON string: no raw control characters, only the escapes RFC 8259 allows. */
static bool cur_string(struct cur *c)
{
	if (!cur_char(c, '"'))
		return false;
	while (c->i < c->n) {
		unsigned char ch = (unsigned char)c->s[c->i];

		if (ch == '"') {
			c->i++;
			return true;
		}
		if (ch < 0x20)
			return false;
		c->i++;
		if (ch != '\\')
			continue;
		if (c->i >= c->n)
			return false;
		ch = (unsigned char)c->s[c->i];
		if (ch == 'u') {
			for (int k = 0; k < 4; k++)
				if (++c->i >= c->n || !is_hex(c->s[c->i]))
					return false;
		} else if (!ch || !strchr("\"\\/bfnrt", ch)) {
			return false;
		}
		c->i++;
	}
	return false;
}

static bool cur_scalar(struct cur *c)
{
	if (c->i >= c->n)
		return false;
	switch (c->s[c->i]) {
	case '"':
		return cur_string(c);
	case 't':
		return cur_lit(c, "true");
	case 'f':
		return cur_lit(c, "false");
	case 'n':
		return cur_lit(c, "null");
	default:
		return cur_number(c);
	}
}

/*
 * After a value: closes the containers it completes. Returns 1 when the text is complete,
 * 0 when a value follows (after ','), -1 on a syntax error.
 */
static int after_value(const struct jsoncheck *t, struct cur *c, size_t *depth, bool *want_key)
{
	for (;;) {
		char open;

		cur_space(c);
		if (*depth == 0)
			return cur_end(c) ? 1 : -1;
		open = t->stack[*depth - 1];
		if (cur_char(c, ',')) {
			*want_key = open == '{';
			return 0;
		}
		if (!cur_char(c, open == '{' ? '}' : ']'))
			return -1;
		(*depth)--;
	}
}

/* Records an open bracket at DEPTH. False when out of memory. */
static bool push(struct jsoncheck *t, size_t depth, char open)
{
	if (depth >= t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		char *p = realloc(t->stack, cap);

		if (!p)
			return false;
		t->stack = p;
		t->cap = cap;
	}
	t->stack[depth] = open;
	return true;
}

/*
 * A whole JSON text (RFC 8259), checked without recursion. Returns 1 when valid, 0 on a syntax
 * error (at c->i), -1 when out of memory.
 */
static int text(struct jsoncheck *t, struct cur *c)
{
	size_t depth = 0;
	bool want_key = false;

	for (;;) {
		int rc;

		cur_space(c);
		if (want_key && (!cur_string(c) || (cur_space(c), !cur_char(c, ':'))))
			return 0;
		cur_space(c);
		if (c->i < c->n && (c->s[c->i] == '{' || c->s[c->i] == '[')) {
			char open = c->s[c->i++];

			cur_space(c);
			if (!cur_char(c, open == '{' ? '}' : ']')) {
				if (!push(t, depth++, open))
					return -1;
				want_key = open == '{';
				continue;
			}
		} else if (!cur_scalar(c)) {
			return 0;
		}
		rc = after_value(t, c, &depth, &want_key);
		if (rc != 0)
			return rc > 0 ? 1 : 0;
	}
}

void jsoncheck_release(struct jsoncheck *j)
{
	free(j->stack);
	j->stack = NULL;
	j->cap = 0;
}

int jsoncheck_text(struct jsoncheck *j, const char *s, size_t n, size_t *at)
{
	struct cur c = {s, n, 0};
	int rc = text(j, &c);

	*at = c.i;
	return rc;
}

bool jsoncheck_number(const char *s, size_t n, size_t *at)
{
	struct cur c = {s, n, 0};
	bool ok = cur_number(&c) && cur_end(&c);

	*at = c.i;
	return ok;
}

void jsoncheck_append_compact(struct buf *out, const char *s, size_t n)
{
	size_t run = 0;
	bool in_string = false;

	for (size_t i = 0; i < n; i++) {
		if (in_string) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '"')
				in_string = false;
		} else if (s[i] == '"') {
			in_string = true;
		} else if (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r') {
			buf_add(out, s + run, i - run);
			run = i + 1;
		}
	}
	buf_add(out, s + run, n - run);
}
