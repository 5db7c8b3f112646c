/* log: one line per event with level, component and scope; secrets are scrubbed from every line. */
#include "core/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#define LOG_LINE_MAX 4096
#define SECRET_MIN   3

/* The logger is one of the two kinds of global state allowed (STYLE.md habit 8). */
static struct {
	enum log_level level;
	FILE *file; /* NULL: stderr */
	char *path;
	char **secrets;
	size_t nsecrets;
} logger = {LOG_INFO, NULL, NULL, NULL, 0};

static const char *const level_names[] = {"error", "warn", "info", "debug"};
static const char *const level_tags[] = {"ERROR", "WARN", "INFO", "DEBUG"};

bool log_level_parse(const char *name, enum log_level *out)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return true;
		}
	}
	return false;
}

const char *log_level_name(enum log_level level)
{
	return level_names[level];
}

void log_set_level(enum log_level level)
{
	logger.level = level;
}

bool log_enabled(enum log_level level)
{
	return level <= logger.level;
}

int log_open_file(const char *path, char *err, size_t errlen)
{
	FILE *f = NULL;
	char *copy = NULL;

	if (path) {
		f = fopen(path, "a");
		if (!f) {
			snprintf(err, errlen, "cannot open log file %s: %s", path, strerror(errno));
			return -1;
		}
		setvbuf(f, NULL, _IOLBF, 0);
		copy = strdup(path);
	}
	if (logger.file)
		fclose(logger.file);
	free(logger.path);
	logger.file = f;
	logger.path = copy;
	return 0;
}

int log_reopen(char *err, size_t errlen)
{
	char *path;
	int rc;

	if (!logger.path)
		return 0;
	path = strdup(logger.path);
	if (!path) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = log_open_file(path, err, errlen);
	free(path);
	return rc;
}

void log_shutdown(void)
{
	char err[8];

	log_open_file(NULL, err, sizeof(err));
	for (size_t i = 0; i < logger.nsecrets; i++) {
		memset(logger.secrets[i], 0, strlen(logger.secrets[i]));
		free(logger.secrets[i]);
	}
	free(logger.secrets);
	logger.secrets = NULL;
	logger.nsecrets = 0;
}

void log_add_secret(const char *secret)
{
	char **grown;

	if (!secret || strlen(secret) < SECRET_MIN)
		return;
	for (size_t i = 0; i < logger.nsecrets; i++)
		if (strcmp(logger.secrets[i], secret) == 0)
			return;
	grown = realloc(logger.secrets, (logger.nsecrets + 1) * sizeof(*grown));
	if (!grown)
		return;
	logger.secrets = grown;
	grown[logger.nsecrets] = strdup(secret);
	if (grown[logger.nsecrets])
		logger.nsecrets++;
}

void log_forget_secret(const char *secret)
{
	for (size_t i = 0; secret && i < logger.nsecrets; i++)
		if (strcmp(logger.secrets[i], secret) == 0) {
			memset(logger.secrets[i], 0, strlen(logger.secrets[i]));
			free(logger.secrets[i]);
			logger.secrets[i] = logger.secrets[--logger.nsecrets];
			return;
		}
}

/* Replaces every occurrence of NEEDLE in BUF with "***", never growing past SIZE. */
static void scrub_one(char *buf, size_t size, const char *needle)
{
	size_t nlen = strlen(needle);
	char *p = buf;

	while ((p = strstr(p, needle)) != NULL) {
		size_t tail = strlen(p + nlen) + 1;

		/* "***" is never longer than a registered secret, so this only shrinks. */
		memcpy(p, "***", 3);
		memmove(p + 3, p + nlen, tail);
		p += 3;
	}
	(void)size;
}

void log_scrub(char *buf, size_t size)
{
	for (size_t i = 0; i < logger.nsecrets; i++)
		scrub_one(buf, size, logger.secrets[i]);
}

static void format_time(char *out, size_t outlen)
{
	struct timeval tv;
	struct tm tm;
	char base[24];

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, outlen, "%s.%03dZ ", base, (int)(tv.tv_usec / 1000) % 1000);
}

/* The last warning or error of the process, for spoke status (see log_last_problem). */
static struct {
	char text[LOG_LINE_MAX + 96];
	long long when_ms;
	unsigned long long count;
} problem;

static void keep_problem(enum log_level level, const char *component, const char *scope,
                         const char *line)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(problem.text, sizeof(problem.text), "%s %s%s%s%s: %s", level_tags[level],
	         component, scope ? "[" : "", scope ? scope : "", scope ? "]" : "", line);
	problem.when_ms = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	problem.count++;
}

unsigned long long log_problem_count(void)
{
	return problem.count;
}

const char *log_last_problem(long long *when_ms)
{
	*when_ms = problem.when_ms;
	return problem.text[0] ? problem.text : NULL;
}

void log_msg(enum log_level level, const char *component, const char *scope, const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
	char stamp[40] = "";
	int saved_errno = errno;
	FILE *out = logger.file ? logger.file : stderr;
	va_list ap;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_scrub(line, sizeof(line));
	if (level <= LOG_WARN)
		keep_problem(level, component, scope, line);
	if (logger.file)
		format_time(stamp, sizeof(stamp));
	if (scope)
		fprintf(out, "%s%s %s[%s]: %s\n", stamp, level_tags[level], component, scope, line);
	else
		fprintf(out, "%s%s %s: %s\n", stamp, level_tags[level], component, line);
	errno = saved_errno;
}
