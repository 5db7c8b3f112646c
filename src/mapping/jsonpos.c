/*
 * jsonpos: finds the line of a member or element in a JSON text. jansson gives positions only
 * for syntax errors; this walks the already-valid text along one path, skipping what is off it.
 */
#include "mapping/jsonpos.h"

#include <jansson.h>
#include <stdbool.h>
#include <string.h>

struct scan {
	const char *s;
	size_t len, pos;
	int line;
};

static bool at(const struct scan *sc, char c)
{
	return sc->pos < sc->len && sc->s[sc->pos] == c;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void skip_blanks(struct scan *sc)
{
	while (sc->pos < sc->len && is_blank(sc->s[sc->pos])) {
		if (sc->s[sc->pos] == '\n')
			sc->line++;
		sc->pos++;
	}
}

/* Skips the string starting at the current '"' (valid JSON strings hold no raw newline). */
static void skip_string(struct scan *sc)
{
	sc->pos++;
	while (sc->pos < sc->len && sc->s[sc->pos] != '"')
		sc->pos += sc->s[sc->pos] == '\\' ? 2 : 1;
	sc->pos++;
}

/* Skips the object or array starting at the current position, counting its lines. */
static void skip_nested(struct scan *sc)
{
	int depth = 0;

	while (sc->pos < sc->len) {
		char c = sc->s[sc->pos];

		if (c == '"') {
			skip_string(sc);
			continue;
		}
		if (c == '\n')
			sc->line++;
		else if (c == '{' || c == '[')
			depth++;
		else if (c == '}' || c == ']')
			depth--;
		sc->pos++;
		if (depth == 0)
			return;
	}
}

/* Skips one value of any kind. */
static void skip_value(struct scan *sc)
{
	skip_blanks(sc);
	if (at(sc, '"'))
		skip_string(sc);
	else if (at(sc, '{') || at(sc, '['))
		skip_nested(sc);
	else
		while (sc->pos < sc->len && !is_blank(sc->s[sc->pos]) &&
		       !strchr(",]}", sc->s[sc->pos]))
			sc->pos++;
}

/* True when the string token at the current position decodes to KEY. Moves past it. */
static bool key_is(struct scan *sc, const char *key)
{
	size_t start = sc->pos;
	json_t *k;
	bool same;

	skip_string(sc);
	k = json_loadb(sc->s + start, sc->pos - start, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	same = json_is_string(k) && json_string_length(k) == strlen(key) &&
	       memcmp(json_string_value(k), key, strlen(key)) == 0;
	json_decref(k);
	return same;
}

/* Moves to the value of member KEY of the object at the current position; false if none. */
static bool enter_member(struct scan *sc, const char *key, int *line)
{
	if (!at(sc, '{'))
		return false;
	sc->pos++;
	for (;;) {
		bool found;

		skip_blanks(sc);
		if (!at(sc, '"'))
			return false;
		*line = sc->line;
		found = key_is(sc, key);
		skip_blanks(sc);
		if (!at(sc, ':'))
			return false;
		sc->pos++;
		if (found)
			return true;
		skip_value(sc);
		skip_blanks(sc);
		if (!at(sc, ','))
			return false;
		sc->pos++;
	}
}

/* Moves to element INDEX of the array at the current position; false if none. */
static bool enter_element(struct scan *sc, size_t index, int *line)
{
	if (!at(sc, '['))
		return false;
	sc->pos++;
	for (size_t i = 0;; i++) {
		skip_blanks(sc);
		if (at(sc, ']') || sc->pos >= sc->len)
			return false;
		*line = sc->line;
		if (i == index)
			return true;
		skip_value(sc);
		skip_blanks(sc);
		if (!at(sc, ','))
			return false;
		sc->pos++;
	}
}

int jsonpos_line(const char *text, size_t len, const struct jsonpos_step *path, size_t n)
{
	struct scan sc = {text, len, 0, 1};
	int best, line;

	skip_blanks(&sc);
	best = sc.line;
	for (size_t i = 0; i < n; i++) {
		line = best;
		if (path[i].key ? !enter_member(&sc, path[i].key, &line)
		                : !enter_element(&sc, path[i].index, &line))
			break;
		best = line;
		skip_blanks(&sc);
	}
	return best;
}
