/* connstr: finds the secret parts of libpq conninfo strings and ODBC connection strings. */
#include "core/connstr.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static bool is_separator(char c)
{
	return c == ';' || isspace((unsigned char)c);
}

/* Returns the end of the value starting at P (plain, 'quoted' or {braced}). */
static const char *value_end(const char *p)
{
	if (*p == '\'') {
		for (p++; *p && *p != '\''; p++)
			if (*p == '\\' && p[1])
				p++;
		return *p ? p + 1 : p;
	}
	if (*p == '{') {
		const char *close = strchr(p, '}');

		return close ? close + 1 : p + strlen(p);
	}
	while (*p && !is_separator(*p))
		p++;
	return p;
}

/* True when the parameter name between NAME and EQ is password or pwd. */
static bool is_secret_name(const char *name, const char *eq)
{
	while (eq > name && isspace((unsigned char)eq[-1]))
		eq--;
	return ((size_t)(eq - name) == 8 && strncasecmp(name, "password", 8) == 0) ||
	       ((size_t)(eq - name) == 3 && strncasecmp(name, "pwd", 3) == 0);
}

const char *connstr_next_secret(const char *s, const char **start, size_t *len)
{
	const char *p = s;

	while (*p) {
		const char *name, *eq, *v, *end;

		while (*p && is_separator(*p))
			p++;
		name = p;
		while (*p && *p != '=' && *p != ';')
			p++;
		if (*p != '=')
			continue;
		eq = p;
		v = eq + 1;
		while (*v == ' ')
			v++;
		end = value_end(v);
		if (is_secret_name(name, eq)) {
			*start = v;
			*len = (size_t)(end - v);
			return end;
		}
		p = end;
	}
	return NULL;
}

void connstr_redact(const char *in, char *out, size_t outlen)
{
	const char *p = in, *start, *next;
	size_t len, used = 0;

	if (outlen == 0)
		return;
	out[0] = '\0';
	while ((next = connstr_next_secret(p, &start, &len)) != NULL) {
		used += (size_t)snprintf(out + used, outlen - used, "%.*s<redacted>",
		                         (int)(start - p), p);
		if (used >= outlen)
			return;
		p = next;
	}
	snprintf(out + used, outlen - used, "%s", p);
}
