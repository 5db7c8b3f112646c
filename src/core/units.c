/* units: parsing and printing of the value kinds people write in config files and options. */
#include "core/units.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct unit {
	const char *name;
	long long factor;
};

static const struct unit duration_units[] = {
    {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000},
};

static const struct unit size_units[] = {
    {"", 1},
    {"B", 1},
    {"k", 1024LL},
    {"K", 1024LL},
    {"KB", 1024LL},
    {"KiB", 1024LL},
    {"kB", 1024LL},
    {"M", 1024LL * 1024},
    {"MB", 1024LL * 1024},
    {"MiB", 1024LL * 1024},
    {"G", 1024LL * 1024 * 1024},
    {"GB", 1024LL * 1024 * 1024},
    {"GiB", 1024LL * 1024 * 1024},
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

bool units_parse_int(const char *text, long long *out)
{
	char *end;
	long long v;

	while (isspace((unsigned char)*text))
		text++;
	if (!*text)
		return false;
	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno || end == text || *end)
		return false;
	*out = v;
	return true;
}

bool units_parse_bool(const char *text, bool *out)
{
	static const char *const yes[] = {"true", "yes", "on", "1"};
	static const char *const no[] = {"false", "no", "off", "0"};

	for (size_t i = 0; i < NELEM(yes); i++) {
		if (strcasecmp(text, yes[i]) == 0) {
			*out = true;
			return true;
		}
		if (strcasecmp(text, no[i]) == 0) {
			*out = false;
			return true;
		}
	}
	return false;
}

/* Reads an unsigned number at *p, advancing it. False when there are no digits or it overflows. */
static bool read_number(const char **p, long long *out)
{
	long long v = 0;

	if (!isdigit((unsigned char)**p))
		return false;
	while (isdigit((unsigned char)**p)) {
		int d = **p - '0';

		if (v > (LLONG_MAX - d) / 10)
			return false;
		v = v * 10 + d;
		(*p)++;
	}
	*out = v;
	return true;
}

/* Finds the unit spelled exactly as the LEN bytes at P. */
static const struct unit *find_unit(const struct unit *units, size_t n, const char *p, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(units[i].name) == len && strncmp(units[i].name, p, len) == 0)
			return &units[i];
	return NULL;
}

static bool scaled_add(long long *total, long long v, long long factor)
{
	if (v > (LLONG_MAX - *total) / factor)
		return false;
	*total += v * factor;
	return true;
}

bool units_parse_duration(const char *text, long long *ms)
{
	const char *p = text;
	long long total = 0;

	if (!*p)
		return false;
	while (*p) {
		long long v;
		const char *u;
		const struct unit *unit;

		if (!read_number(&p, &v))
			return false;
		u = p;
		while (isalpha((unsigned char)*p))
			p++;
		unit = find_unit(duration_units, NELEM(duration_units), u, (size_t)(p - u));
		if (!unit || !scaled_add(&total, v, unit->factor))
			return false;
	}
	*ms = total;
	return true;
}

bool units_parse_size(const char *text, long long *bytes)
{
	const char *p = text;
	long long v, total = 0;
	const struct unit *unit;

	if (!read_number(&p, &v))
		return false;
	while (*p == ' ')
		p++;
	unit = find_unit(size_units, NELEM(size_units), p, strlen(p));
	if (!unit || !scaled_add(&total, v, unit->factor))
		return false;
	*bytes = total;
	return true;
}

void units_format_duration(long long ms, char *out, size_t outlen)
{
	for (size_t i = NELEM(duration_units); i-- > 1;) {
		if (ms != 0 && ms % duration_units[i].factor == 0) {
			snprintf(out, outlen, "%lld%s", ms / duration_units[i].factor,
			         duration_units[i].name);
			return;
		}
	}
	if (ms == 0)
		snprintf(out, outlen, "0s");
	else
		snprintf(out, outlen, "%lldms", ms);
}

void units_format_size(long long bytes, char *out, size_t outlen)
{
	static const char *const names[] = {"GiB", "MiB", "KiB"};
	static const long long factors[] = {1024LL * 1024 * 1024, 1024LL * 1024, 1024LL};

	for (size_t i = 0; i < NELEM(names); i++) {
		if (bytes != 0 && bytes % factors[i] == 0) {
			snprintf(out, outlen, "%lld%s", bytes / factors[i], names[i]);
			return;
		}
	}
	snprintf(out, outlen, "%lldB", bytes);
}
