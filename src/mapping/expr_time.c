/*
 * expr_time: date(), datetime() and now(). Input is ISO 8601 text ("2026-11-23",
 * "2026-11-23T10:00:00.123456Z", "2026-11-23 10:00:00+02:00") or epoch milliseconds; output is
 * UTC text: "YYYY-MM-DD" and "YYYY-MM-DD HH:MM:SS[.ffffff]" (the fraction only when not zero).
 */
#include "mapping/expr_impl.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define USEC    1000000LL
#define MIN_SEC (-62135596800LL) /* 0001-01-01 00:00:00 UTC */
#define MAX_SEC 253402300799LL   /* 9999-12-31 23:59:59 UTC */

struct cursor {
	const char *s;
	size_t len, i;
};

/* Exactly N digits. */
static bool take_digits(struct cursor *c, int n, int *out)
{
	int v = 0;

	if (c->len - c->i < (size_t)n)
		return false;
	for (int k = 0; k < n; k++) {
		char ch = c->s[c->i + (size_t)k];

		if (ch < '0' || ch > '9')
			return false;
		v = v * 10 + (ch - '0');
	}
	c->i += (size_t)n;
	*out = v;
	return true;
}

static bool take(struct cursor *c, char ch)
{
	if (c->i < c->len && c->s[c->i] == ch) {
		c->i++;
		return true;
	}
	return false;
}

static int days_in_month(int y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

/* YYYY-MM-DD */
static bool parse_date(struct cursor *c, struct tm *tm)
{
	int y, m, d;

	if (!take_digits(c, 4, &y) || !take(c, '-') || !take_digits(c, 2, &m) || !take(c, '-') ||
	    !take_digits(c, 2, &d))
		return false;
	if (y < 1 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
		return false;
	tm->tm_year = y - 1900;
	tm->tm_mon = m - 1;
	tm->tm_mday = d;
	return true;
}

/* A fraction of a second after the '.', rounded half up to microseconds. */
static bool parse_fraction(struct cursor *c, int64_t *usec)
{
	int64_t scale = USEC / 10;
	size_t start = c->i;

	*usec = 0;
	for (; c->i < c->len && c->s[c->i] >= '0' && c->s[c->i] <= '9'; c->i++) {
		int d = c->s[c->i] - '0';

		if (scale > 0)
			*usec += d * scale;
		else if (c->i - start == 6 && d >= 5)
			*usec += 1;
		scale /= 10;
	}
	return c->i > start;
}

/* HH:MM[:SS[.fraction]] */
static bool parse_time(struct cursor *c, struct tm *tm, int64_t *usec)
{
	*usec = 0;
	if (!take_digits(c, 2, &tm->tm_hour) || !take(c, ':') || !take_digits(c, 2, &tm->tm_min))
		return false;
	if (take(c, ':')) {
		if (!take_digits(c, 2, &tm->tm_sec))
			return false;
		if (take(c, '.') && !parse_fraction(c, usec))
			return false;
	}
	return tm->tm_hour <= 23 && tm->tm_min <= 59 && tm->tm_sec <= 59;
}

/* Z, or +hh, +hh:mm, +hhmm (or -): *offset is the zone's seconds east of UTC. */
static bool parse_zone(struct cursor *c, int64_t *offset)
{
	int sign, h, m = 0;

	if (take(c, 'Z') || take(c, 'z')) {
		*offset = 0;
		return true;
	}
	if (take(c, '+'))
		sign = 1;
	else if (take(c, '-'))
		sign = -1;
	else
		return false;
	if (!take_digits(c, 2, &h))
		return false;
	if (take(c, ':') ? !take_digits(c, 2, &m) : c->i < c->len && !take_digits(c, 2, &m))
		return false;
	if (h > 23 || m > 59)
		return false;
	*offset = sign * (h * 3600 + m * 60);
	return true;
}

static bool in_range(int64_t usec)
{
	return usec >= MIN_SEC * USEC && usec <= MAX_SEC * USEC + (USEC - 1);
}

/* ISO date or date-time text to microseconds since the epoch (UTC). */
static bool parse_iso(const char *s, size_t len, int64_t *usec)
{
	struct cursor c = {s, len, 0};
	struct tm tm;
	int64_t frac = 0, offset = 0;

	memset(&tm, 0, sizeof(tm));
	if (!parse_date(&c, &tm))
		return false;
	if (c.i < len) {
		if (!take(&c, 'T') && !take(&c, 't') && !take(&c, ' '))
			return false;
		if (!parse_time(&c, &tm, &frac))
			return false;
		if (c.i < len && !parse_zone(&c, &offset))
			return false;
	}
	if (c.i != len)
		return false;
	*usec = ((int64_t)timegm(&tm) - offset) * USEC + frac;
	return in_range(*usec);
}

/* Epoch milliseconds (fractions allowed, rounded to microseconds) to microseconds. */
static bool ms_to_usec(const struct decimal *ms, int64_t *usec)
{
	struct decimal thousand, x, r;

	decimal_from_int(&thousand, 1000);
	return decimal_mul(&x, ms, &thousand) == 0 && decimal_round(&r, &x, 0) == 0 &&
	       decimal_to_int64(&r, usec) == 0 && in_range(*usec);
}

/* The call's argument as microseconds since the epoch, or a failure naming WHAT it should be. */
static int arg_usec(struct call *c, const char *what, int64_t *usec)
{
	const struct val *v = &c->args[0];
	struct decimal ms;
	char shown[64];

	if (v->type == VAL_TEXT && parse_iso(v->text, v->len, usec))
		return 0;
	if (v->type == VAL_NUM && ms_to_usec(&v->num, usec))
		return 0;
	if (v->type == VAL_TEXT && decimal_parse(&ms, v->text, v->len) == 0 &&
	    ms_to_usec(&ms, usec))
		return 0;
	val_describe(v, shown, sizeof(shown));
	return eval_fail(c->ev, c->node->kids[0], "cannot use %s as a %s", shown, what);
}

/* Writes USEC as UTC text: the date, and when WITH_TIME the time. */
static int format_usec(struct call *c, int64_t usec, bool with_time, struct val *out)
{
	int64_t sec = usec / USEC, us = usec % USEC;
	char buf[64];
	struct tm tm;
	time_t t;
	int n;

	if (us < 0) {
		us += USEC;
		sec--;
	}
	t = (time_t)sec;
	gmtime_r(&t, &tm);
	n = snprintf(buf, sizeof(buf), "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1,
	             tm.tm_mday);
	if (with_time)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, " %02d:%02d:%02d", tm.tm_hour,
		              tm.tm_min, tm.tm_sec);
	if (with_time && us)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, ".%06d", (int)us);
	return val_text_copy(c->ev, c->node, out, buf, (size_t)n);
}

/* date(x): the UTC date of x (a date-time with an offset is moved to UTC first). */
int fn_date(struct call *c, struct val *out)
{
	int64_t usec;

	if (arg_usec(c, "date", &usec) < 0)
		return -1;
	return format_usec(c, usec, false, out);
}

int fn_datetime(struct call *c, struct val *out)
{
	int64_t usec;

	if (arg_usec(c, "date-time", &usec) < 0)
		return -1;
	return format_usec(c, usec, true, out);
}

int fn_now(struct call *c, struct val *out)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return format_usec(c, (int64_t)ts.tv_sec * USEC + ts.tv_nsec / 1000, true, out);
}
