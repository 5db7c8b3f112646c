/* config_value: turns the text of one configuration value into its effective, typed form. */
#include "core/config_value.h"
#include "core/units.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

char *conf_trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* A growing string for expansion. */
struct text {
	char *s;
	size_t len, cap;
};

static bool text_add(struct text *t, const char *p, size_t n)
{
	if (t->len + n + 1 > t->cap) {
		size_t cap = (t->len + n + 1) * 2;
		char *grown = realloc(t->s, cap);

		if (!grown)
			return false;
		t->s = grown;
		t->cap = cap;
	}
	memcpy(t->s + t->len, p, n);
	t->len += n;
	t->s[t->len] = '\0';
	return true;
}

/*
 * Expands ${NAME} and ${NAME:-default} from the environment and $$ to $. Returns a new string,
 * or NULL with a reason in err.
 */
char *conf_expand_env(const char *in, char *err, size_t errlen)
{
	struct text t = {NULL, 0, 0};
	const char *p = in;

	text_add(&t, "", 0);
	while (t.s && *p) {
		const char *close, *def, *val;
		char name[128];
		size_t nlen;

		if (p[0] != '$' || (p[1] != '{' && p[1] != '$')) {
			text_add(&t, p++, 1);
			continue;
		}
		if (p[1] == '$') {
			text_add(&t, "$", 1);
			p += 2;
			continue;
		}
		close = strchr(p, '}');
		if (!close) {
			snprintf(err, errlen, "'${' without a closing '}'");
			goto fail;
		}
		def = strstr(p, ":-");
		nlen = (size_t)((def && def < close ? def : close) - (p + 2));
		if (nlen == 0 || nlen >= sizeof(name)) {
			snprintf(err, errlen, "'${...}' needs an environment variable name");
			goto fail;
		}
		memcpy(name, p + 2, nlen);
		name[nlen] = '\0';
		val = getenv(name);
		if (!val && !(def && def < close)) {
			snprintf(
			    err, errlen,
			    "uses ${%s}, which is not set in the environment (set it, or write "
			    "${%s:-default})",
			    name, name);
			goto fail;
		}
		if (val)
			text_add(&t, val, strlen(val));
		else
			text_add(&t, def + 2, (size_t)(close - def - 2));
		p = close + 1;
	}
	if (!t.s)
		snprintf(err, errlen, "out of memory");
	return t.s;
fail:
	free(t.s);
	return NULL;
}

/* Reads a secret file: the whole content less trailing line ends. NULL with a reason in err. */
char *conf_read_file(const char *path, char *err, size_t errlen)
{
	struct stat st;
	struct text t = {NULL, 0, 0};
	char chunk[4096];
	size_t n;
	FILE *f;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s is a directory, not a file", path);
		return NULL;
	}
	f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	text_add(&t, "", 0);
	while (t.s && (n = fread(chunk, 1, sizeof(chunk), f)) > 0 && t.len < 65536)
		text_add(&t, chunk, n);
	fclose(f);
	while (t.s && t.len > 0 && (t.s[t.len - 1] == '\n' || t.s[t.len - 1] == '\r'))
		t.s[--t.len] = '\0';
	if (t.s && t.len == 0) {
		snprintf(err, errlen, "%s is empty", path);
		free(t.s);
		return NULL;
	}
	if (!t.s)
		snprintf(err, errlen, "out of memory");
	return t.s;
}

bool conf_in_choices(const char *choices, const char *word)
{
	size_t len = strlen(word);
	const char *p = choices;

	while (p && *p) {
		const char *bar = strchr(p, '|');
		size_t n = bar ? (size_t)(bar - p) : strlen(p);

		if (n == len && strncmp(p, word, n) == 0)
			return true;
		p = bar ? bar + 1 : NULL;
	}
	return false;
}

/* Writes "a, b or c" from "a|b|c". */
void conf_choices_text(const char *choices, char *out, size_t outlen)
{
	size_t used = 0;
	const char *p = choices;

	out[0] = '\0';
	while (*p && used + 4 < outlen) {
		const char *bar = strchr(p, '|');
		size_t n = bar ? (size_t)(bar - p) : strlen(p);
		const char *sep = !bar ? "" : strchr(bar + 1, '|') ? ", " : " or ";

		used += (size_t)snprintf(out + used, outlen - used, "%.*s%s", (int)n, p, sep);
		p = bar ? bar + 1 : p + n;
	}
}

static bool split_list(struct conf_value *val)
{
	char *copy = strdup(val->text), *save = NULL, *tok;

	if (!copy)
		return false;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char **grown;

		tok = conf_trim(tok);
		if (!*tok)
			continue;
		grown = realloc(val->list, (val->nlist + 1) * sizeof(*grown));
		if (!grown)
			break;
		val->list = grown;
		val->list[val->nlist] = strdup(tok);
		if (val->list[val->nlist])
			val->nlist++;
	}
	free(copy);
	return true;
}

/* Checks a number against the key's limits, writing a message into err when it is outside. */
static bool check_range(const struct conf_key *key, long long v, char *err, size_t errlen)
{
	char lo[32], hi[32];

	if (key->min == 0 && key->max == 0)
		return true;
	if (v >= key->min && v <= key->max)
		return true;
	if (key->type == CONF_DURATION) {
		units_format_duration(key->min, lo, sizeof(lo));
		units_format_duration(key->max, hi, sizeof(hi));
	} else if (key->type == CONF_SIZE) {
		units_format_size(key->min, lo, sizeof(lo));
		units_format_size(key->max, hi, sizeof(hi));
	} else {
		snprintf(lo, sizeof(lo), "%lld", key->min);
		snprintf(hi, sizeof(hi), "%lld", key->max);
	}
	snprintf(err, errlen, "is out of range: %s to %s", lo, hi);
	return false;
}

/* Parses val->text by the key's type. Returns false with the reason (after "= 'text' ") in err. */
bool conf_parse_value(const struct conf_key *key, struct conf_value *val, char *err, size_t errlen)
{
	char list[160];

	switch (key->type) {
	case CONF_INT:
		if (!units_parse_int(val->text, &val->num)) {
			snprintf(err, errlen, "is not a whole number");
			return false;
		}
		return check_range(key, val->num, err, errlen);
	case CONF_BOOL:
		if (!units_parse_bool(val->text, &val->flag)) {
			snprintf(err, errlen, "is not true or false");
			return false;
		}
		return true;
	case CONF_DURATION:
		if (!units_parse_duration(val->text, &val->num)) {
			snprintf(err, errlen,
			         "is not a duration: write a number and a unit (ms, s, m, h, d), "
			         "e.g. 5s or 10m");
			return false;
		}
		return check_range(key, val->num, err, errlen);
	case CONF_SIZE:
		if (!units_parse_size(val->text, &val->num)) {
			snprintf(err, errlen,
			         "is not a size: write bytes or a unit, e.g. 64KiB, 1MiB");
			return false;
		}
		return check_range(key, val->num, err, errlen);
	case CONF_ENUM:
		if (conf_in_choices(key->choices, val->text))
			return true;
		conf_choices_text(key->choices, list, sizeof(list));
		snprintf(err, errlen, "is not one of %s", list);
		return false;
	case CONF_LIST:
		return split_list(val);
	case CONF_STRING:
	case CONF_SECRET:
		return true;
	}
	return true;
}
