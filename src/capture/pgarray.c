/* pgarray: turns PostgreSQL array literals (array_out's text form) into JSON arrays. */
#include "capture/pgarray.h"

#include <stdbool.h>
#include <stdio.h>
#include <strings.h>

/* One walk over a literal: the text, where we are, and where the JSON goes. */
struct walk {
	const char *s;
	size_t n, i;
	char delim;
	int depth; /* open braces */
	int leaf;  /* depth at which elements appear (0: none seen yet) */
	struct buf *out, *scratch;
	pgarray_elem_fn elem;
	void *arg;
	char *err;
	size_t errlen;
};

/* array_in's whitespace. */
static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static void skip_space(struct walk *w)
{
	while (w->i < w->n && is_space(w->s[w->i]))
		w->i++;
}

/* Reports a syntax error at byte AT; WANT says what was expected there. Returns -1. */
static int syntax(const struct walk *w, size_t at, const char *want)
{
	unsigned char c = at < w->n ? (unsigned char)w->s[at] : 0;

	if (at >= w->n)
		snprintf(w->err, w->errlen, "pgarray: array literal ends after %zu bytes: %s", w->n,
		         want);
	else if (c >= 0x20 && c < 0x7f)
		snprintf(w->err, w->errlen,
		         "pgarray: array literal: unexpected '%c' at byte %zu: %s", c, at, want);
	else
		snprintf(w->err, w->errlen,
		         "pgarray: array literal: unexpected byte 0x%02x at byte %zu: %s", c, at,
		         want);
	return -1;
}

/* An optionally signed integer (a dimension bound). */
static bool bound(struct walk *w)
{
	size_t start;

	if (w->i < w->n && (w->s[w->i] == '-' || w->s[w->i] == '+'))
		w->i++;
	start = w->i;
	while (w->i < w->n && w->s[w->i] >= '0' && w->s[w->i] <= '9')
		w->i++;
	return w->i > start;
}

/* Skips the dimension decoration "[lo:hi][lo:hi]=" when there is one. */
static int skip_dims(struct walk *w)
{
	skip_space(w);
	if (w->i >= w->n || w->s[w->i] != '[')
		return 0;
	while (w->i < w->n && w->s[w->i] == '[') {
		w->i++;
		if (!bound(w))
			return syntax(w, w->i, "expected a dimension bound");
		if (w->i < w->n && w->s[w->i] == ':') {
			w->i++;
			if (!bound(w))
				return syntax(w, w->i, "expected an upper bound");
		}
		if (w->i >= w->n || w->s[w->i] != ']')
			return syntax(w, w->i, "expected ']'");
		w->i++;
	}
	if (w->i >= w->n || w->s[w->i] != '=')
		return syntax(w, w->i, "expected '=' after the dimensions");
	w->i++;
	return 0;
}

/* Copies S[from, to) into the scratch buffer without the escaping backslashes. */
static int unescape(struct walk *w, size_t from, size_t to, const char **p)
{
	size_t run = from;

	buf_reset(w->scratch);
	for (size_t k = from; k < to; k++) {
		if (w->s[k] != '\\')
			continue;
		buf_add(w->scratch, w->s + run, k - run);
		run = ++k; /* the escaped character starts the next run */
	}
	buf_add(w->scratch, w->s + run, to - run);
	if (!buf_ok(w->scratch)) {
		snprintf(w->err, w->errlen, "pgarray: out of memory");
		return -1;
	}
	*p = w->scratch->data ? w->scratch->data : "";
	return 0;
}

/* A double-quoted element: sets *P and *LEN to its unescaped text. */
static int read_quoted(struct walk *w, const char **p, size_t *len)
{
	size_t start = ++w->i, j = start;
	bool escaped = false;

	while (j < w->n && w->s[j] != '"') {
		if (w->s[j] == '\\') {
			escaped = true;
			j++;
		}
		j++;
	}
	if (j >= w->n)
		return syntax(w, w->n, "unterminated quoted element");
	w->i = j + 1;
	*p = w->s + start;
	*len = j - start;
	if (escaped && unescape(w, start, j, p) < 0)
		return -1;
	if (escaped)
		*len = w->scratch->len;
	return 0;
}

/* An unquoted element, ending before DELIM or '}'; trailing whitespace is not part of it. */
static int read_unquoted(struct walk *w, const char **p, size_t *len, bool *isnull)
{
	size_t start = w->i, end = w->i, j = w->i;
	bool escaped = false;

	for (; j < w->n && w->s[j] != w->delim && w->s[j] != '}'; j++) {
		if (w->s[j] == '{' || w->s[j] == '"')
			return syntax(w, j, "this character must be inside a quoted element");
		if (w->s[j] == '\\') {
			escaped = true;
			if (++j >= w->n)
				return syntax(w, j, "expected a character after '\\'");
		}
		if (w->s[j] == '\\' || !is_space(w->s[j]))
			end = j + 1;
	}
	if (end == start)
		return syntax(w, j, "expected an element");
	w->i = j;
	*isnull = !escaped && end - start == 4 && strncasecmp(w->s + start, "NULL", 4) == 0;
	*p = w->s + start;
	*len = end - start;
	if (escaped && unescape(w, start, end, p) < 0)
		return -1;
	if (escaped)
		*len = w->scratch->len;
	return 0;
}

/* An element at the current depth, converted through the callback (or null). */
static int element(struct walk *w)
{
	const char *p = NULL;
	size_t len = 0;
	bool isnull = false;

	if (!w->leaf)
		w->leaf = w->depth;
	if (w->leaf != w->depth)
		return syntax(w, w->i, "an element where the other elements are sub-arrays");
	if (w->s[w->i] == '"' ? read_quoted(w, &p, &len) < 0
	                      : read_unquoted(w, &p, &len, &isnull) < 0)
		return -1;
	if (isnull) {
		buf_adds(w->out, "null");
		return 0;
	}
	return w->elem(w->arg, w->out, p, len, w->err, w->errlen);
}

/* After an element or a sub-array: a delimiter (an item follows) or a closing brace. */
static int after_item(struct walk *w, bool *first, bool *after)
{
	if (w->s[w->i] == w->delim) {
		buf_addc(w->out, ',');
		*first = false;
		*after = false;
	} else if (w->s[w->i] == '}') {
		buf_addc(w->out, ']');
		w->depth--;
	} else {
		char want[] = "expected 'X' or '}'";

		want[10] = w->delim;
		return syntax(w, w->i, want);
	}
	w->i++;
	return 0;
}

/*
 * Where an item may start: a sub-array, an element, or (right after '{') the end of an empty
 * array.
 */
static int item(struct walk *w, bool *first, bool *after)
{
	if (w->s[w->i] == '{') {
		if (w->leaf && w->depth >= w->leaf)
			return syntax(w, w->i, "a sub-array where the other items are elements");
		if (w->depth == PGARRAY_MAXDIM)
			return syntax(w, w->i, "more than 6 dimensions");
		buf_addc(w->out, '[');
		w->depth++;
		w->i++;
		*first = true;
		return 0;
	}
	*after = true;
	if (w->s[w->i] == '}' && *first) {
		buf_addc(w->out, ']');
		w->depth--;
		w->i++;
		return 0;
	}
	return element(w);
}

int pgarray_to_json(struct buf *out, const char *s, size_t n, char delim, struct buf *scratch,
                    pgarray_elem_fn elem, void *arg, char *err, size_t errlen)
{
	struct walk w = {.s = s,
	                 .n = n,
	                 .delim = delim,
	                 .out = out,
	                 .scratch = scratch,
	                 .elem = elem,
	                 .arg = arg,
	                 .err = err,
	                 .errlen = errlen};
	bool first = true, after = false;

	if (skip_dims(&w) < 0)
		return -1;
	skip_space(&w);
	if (w.i >= n || s[w.i] != '{')
		return syntax(&w, w.i, "expected '{'");
	do {
		int rc;

		skip_space(&w);
		if (w.i >= n)
			return syntax(&w, n, "expected '}'");
		if (after)
			rc = after_item(&w, &first, &after);
		else
			rc = item(&w, &first, &after);
		if (rc < 0)
			return -1;
	} while (w.depth > 0);
	skip_space(&w);
	if (w.i != n)
		return syntax(&w, w.i, "text after the array");
	return 0;
}
