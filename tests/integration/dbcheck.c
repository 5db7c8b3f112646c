/*
 * dbcheck: runs statements through spoke's db drivers, for the integration tests.
 *
 * usage: dbcheck CONFIG NAME STEP...
 *   NAME    a [source NAME] or [target NAME] of CONFIG (type mysql, odbc or postgres)
 *   STEP    SQL [-- PARAM... [--]]   runs SQL with the parameters after "--" (up to the next
 *                                    "--" or the end); PARAM \N is SQL NULL, @file=PATH the
 *                                    contents of PATH
 *           @begin, @commit, @rollback   db_begin, db_commit, db_rollback
 *           @product                     prints db_product
 *           @sleep=MS                    waits MS milliseconds (another session acts meanwhile)
 *           @try STEP                    a failure of STEP is reported (after "tried: ") and
 *                                        the next steps run
 * Rows are printed one a line, columns separated by tabs: \N for NULL, text as is (with \\, \t,
 * \n and \r escaped), anything that is not printable UTF-8 as \x and hex digits. On a failure
 * the error goes to stderr (with " (connection lost)" when db_lost says so), then a line
 * "dbcheck: sqlstate=STATE transient=yes|no" (db_sqlstate, db_transient), and the exit status
 * is 1; 2 for a bad command line or configuration.
 */
#include "core/config.h"
#include "core/log.h"
#include "db/db.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_PARAMS 64

/* Length of the UTF-8 sequence at P (N bytes left) that is printable text, or 0. */
static size_t text_char(const unsigned char *p, size_t n)
{
	size_t len, i;

	if (*p >= 0x20 && *p < 0x7f)
		return 1;
	if (*p == '\t' || *p == '\n' || *p == '\r')
		return 1;
	if (*p >= 0xc2 && *p <= 0xdf)
		len = 2;
	else if (*p >= 0xe0 && *p <= 0xef)
		len = 3;
	else if (*p >= 0xf0 && *p <= 0xf4)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

static int is_text(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0, len; i < n; i += len)
		if ((len = text_char(p + i, n - i)) == 0)
			return 0;
	return 1;
}

static void print_value(const char *v, size_t n)
{
	if (!v) {
		fputs("\\N", stdout);
	} else if (is_text(v, n)) {
		for (size_t i = 0; i < n; i++) {
			const char *esc = v[i] == '\\'   ? "\\\\"
			                  : v[i] == '\t' ? "\\t"
			                  : v[i] == '\n' ? "\\n"
			                  : v[i] == '\r' ? "\\r"
			                                 : NULL;

			if (esc)
				fputs(esc, stdout);
			else
				putchar(v[i]);
		}
	} else {
		fputs("\\x", stdout);
		for (size_t i = 0; i < n; i++)
			printf("%02x", (unsigned char)v[i]);
	}
}

static int print_row(void *arg, int ncols, const char *const *vals, const size_t *lens, char *err,
                     size_t errlen)
{
	(void)arg;
	(void)err;
	(void)errlen;
	for (int i = 0; i < ncols; i++) {
		if (i > 0)
			putchar('\t');
		print_value(vals[i], lens[i]);
	}
	putchar('\n');
	return 0;
}

/* Reads the whole of PATH into a new NUL-terminated string, or NULL. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	long size;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (data = malloc((size_t)size + 1)) != NULL) {
		if (fread(data, 1, (size_t)size, f) != (size_t)size) {
			free(data);
			data = NULL;
		} else {
			data[size] = '\0';
		}
	}
	fclose(f);
	return data;
}

/*
 * Runs the statement at argv[*i] with its parameters; advances *i past them. Returns 0, -1 on
 * a database error (err filled), -2 on a bad parameter (err filled).
 */
static int run_sql(struct db *db, char **argv, int argc, int *i, char *err, size_t errlen)
{
	const char *sql = argv[(*i)++], *params[MAX_PARAMS];
	char *owned[MAX_PARAMS];
	int n = 0, nowned = 0, rc = 0;

	if (*i < argc && strcmp(argv[*i], "--") == 0) {
		for ((*i)++; *i < argc && strcmp(argv[*i], "--") != 0; (*i)++) {
			const char *a = argv[*i];

			if (n == MAX_PARAMS) {
				snprintf(err, errlen, "more than %d parameters", MAX_PARAMS);
				rc = -2;
				goto out;
			}
			if (strncmp(a, "@file=", 6) == 0) {
				owned[nowned] = slurp(a + 6);
				if (!owned[nowned]) {
					snprintf(err, errlen, "cannot read %s", a + 6);
					rc = -2;
					goto out;
				}
				a = owned[nowned++];
			}
			params[n++] = strcmp(a, "\\N") == 0 ? NULL : a;
		}
		if (*i < argc)
			(*i)++; /* the closing "--" */
	}
	rc = db_query(db, sql, params, n, print_row, NULL, err, errlen);
out:
	while (nowned > 0)
		free(owned[--nowned]);
	return rc;
}

static int run_step(struct db *db, char **argv, int argc, int *i, char *err, size_t errlen)
{
	const char *step = argv[*i];

	if (strcmp(step, "@begin") == 0 || strcmp(step, "@commit") == 0 ||
	    strcmp(step, "@rollback") == 0 || strcmp(step, "@product") == 0)
		(*i)++;
	if (strcmp(step, "@begin") == 0)
		return db_begin(db, err, errlen);
	if (strcmp(step, "@commit") == 0)
		return db_commit(db, err, errlen);
	if (strcmp(step, "@rollback") == 0)
		return db_rollback(db, err, errlen);
	if (strcmp(step, "@product") == 0) {
		printf("%s\n", db_product(db));
		return 0;
	}
	if (strncmp(step, "@sleep=", 7) == 0) {
		long ms = atol(step + 7);
		struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

		(*i)++;
		fflush(stdout);
		nanosleep(&ts, NULL);
		return 0;
	}
	return run_sql(db, argv, argc, i, err, errlen);
}

static void report(void *arg, const char *message)
{
	(void)arg;
	fprintf(stderr, "dbcheck: %s\n", message);
}

/* A failed step: its error, then what db_sqlstate and db_transient say about it. */
static void report_failure(struct db *db, const char *prefix, const char *err)
{
	fflush(stdout);
	fprintf(stderr, "dbcheck: %s%s%s\n", prefix, err, db_lost(db) ? " (connection lost)" : "");
	fprintf(stderr, "dbcheck: sqlstate=%s transient=%s\n", db_sqlstate(db),
	        db_transient(db) ? "yes" : "no");
}

static int run(const struct conf_section *sec, char **argv, int argc)
{
	char err[4096];
	struct db *db = db_open(sec, err, sizeof(err));
	int i = 3, rc = 0;

	if (!db) {
		fprintf(stderr, "dbcheck: %s\n", err);
		return 1;
	}
	while (i < argc && rc == 0) {
		bool tried = strcmp(argv[i], "@try") == 0;

		i += tried ? 1 : 0;
		rc = i < argc ? run_step(db, argv, argc, &i, err, sizeof(err)) : 0;
		if (rc == -1)
			report_failure(db, tried ? "tried: " : "", err);
		if (tried && rc == -1)
			rc = 0;
	}
	if (rc == -2)
		fprintf(stderr, "dbcheck: %s\n", err);
	fflush(stdout);
	db_close(db);
	return rc == 0 ? 0 : rc == -2 ? 2 : 1;
}

int main(int argc, char **argv)
{
	const struct conf_section *sec;
	struct config *cfg;
	int rc;

	if (argc < 3) {
		fprintf(stderr, "usage: dbcheck CONFIG NAME [SQL [-- PARAM... [--]] | @begin | "
		                "@commit | @rollback | @product | @sleep=MS | @try STEP]...\n");
		return 2;
	}
	cfg = config_load(argv[1], report, NULL);
	if (!cfg)
		return 2;
	sec = config_find(cfg, "source", argv[2]);
	if (!sec)
		sec = config_find(cfg, "target", argv[2]);
	if (!sec) {
		fprintf(stderr, "dbcheck: %s has no [source %s] or [target %s]\n", argv[1], argv[2],
		        argv[2]);
		config_free(cfg);
		return 2;
	}
	rc = run(sec, argv, argc);
	config_free(cfg);
	log_shutdown();
	return rc;
}
