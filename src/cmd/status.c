/*
 * spoke status: per source and applier of a configuration, what its process last said of
 * itself (state_dir/run, core/runstate.h) and what the source database says (a PostgreSQL
 * slot's position, lag and retained WAL): a table for people, --json for machines.
 */
#include "cmd/cmd.h"
#include "cmd/overview.h"
#include "core/config.h"
#include "core/log.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_COLS 10

static const struct command *self(void);

/* ------------------------------------------------------------------ the table */

struct table {
	char *cell[64][MAX_COLS];
	int nrows, ncols;
};

static void row(struct table *t, const char *const *cells)
{
	if (t->nrows == 64)
		return;
	for (int c = 0; c < t->ncols; c++)
		t->cell[t->nrows][c] = strdup(cells[c] ? cells[c] : "-");
	t->nrows++;
}

static void print_table(struct table *t)
{
	size_t width[MAX_COLS] = {0};

	for (int r = 0; r < t->nrows; r++)
		for (int c = 0; c < t->ncols; c++)
			if (t->cell[r][c] && strlen(t->cell[r][c]) > width[c])
				width[c] = strlen(t->cell[r][c]);
	for (int r = 0; r < t->nrows; r++) {
		for (int c = 0; c + 1 < t->ncols; c++)
			printf("%-*s  ", (int)width[c], t->cell[r][c] ? t->cell[r][c] : "");
		printf("%s\n", t->cell[r][t->ncols - 1] ? t->cell[r][t->ncols - 1] : "");
		for (int c = 0; c < t->ncols; c++)
			free(t->cell[r][c]);
	}
}

/* BYTES for people: "0 B", "12.3 kB", "4.5 MB", "1.2 GB". */
static void human_bytes(json_t *v, char *out, size_t size)
{
	double b = (double)json_integer_value(v);
	const char *units[] = {"B", "kB", "MB", "GB", "TB"};
	int u = 0;

	if (!json_is_integer(v)) {
		snprintf(out, size, "-");
		return;
	}
	while (b >= 1000 && u < 4)
		b /= 1000, u++;
	snprintf(out, size, u ? "%.1f %s" : "%.0f %s", b, units[u]);
}

/* A number of O's member NAME, or "-". */
static void number(json_t *o, const char *name, char *out, size_t size)
{
	json_t *v = json_object_get(o, name);

	if (json_is_integer(v))
		snprintf(out, size, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(out, size, "%.1f", json_real_value(v));
	else
		snprintf(out, size, "-");
}

/* The last problem, shortened, with how long ago it was. */
static void problem(json_t *o, char *out, size_t size)
{
	const char *p = json_string_value(json_object_get(o, "last_problem"));
	long long when = json_integer_value(json_object_get(o, "last_problem_ms"));

	if (!p) {
		snprintf(out, size, "-");
		return;
	}
	long long ago = (long long)time(NULL) - when / 1000;
	snprintf(out, size, "%llds ago: %.70s%s", ago < 0 ? 0 : ago, p,
	         strlen(p) > 70 ? "..." : "");
}

static void print_sources(json_t *sources)
{
	struct table t = {.ncols = 9};
	static const char *const head[] = {"SOURCE",   "TYPE",      "STATE",
	                                   "POSITION", "LAG",       "RETAINED WAL",
	                                   "GAPS",     "CHANGES/S", "LAST PROBLEM"};
	json_t *o;
	size_t i;

	row(&t, head);
	json_array_foreach(sources, i, o)
	{
		char lag[64], bytes[32], wal[32], gaps[32], rate[32], prob[160];
		human_bytes(json_object_get(o, "lag_bytes"), bytes, sizeof(bytes));
		number(o, "lag_ms", lag, sizeof(lag));
		if (strcmp(lag, "-") != 0 || strcmp(bytes, "-") != 0)
			snprintf(lag + strlen(lag), sizeof(lag) - strlen(lag), " ms, %s", bytes);
		human_bytes(json_object_get(o, "retained_wal_bytes"), wal, sizeof(wal));
		number(o, "gaps", gaps, sizeof(gaps));
		number(o, "changes_per_s", rate, sizeof(rate));
		problem(o, prob, sizeof(prob));
		const char *cells[] = {json_string_value(json_object_get(o, "name")),
		                       json_string_value(json_object_get(o, "type")),
		                       json_string_value(json_object_get(o, "state")),
		                       json_string_value(json_object_get(o, "position")),
		                       lag,
		                       wal,
		                       gaps,
		                       rate,
		                       json_object_get(o, "database_error")
		                           ? json_string_value(json_object_get(o, "database_error"))
		                           : prob};
		row(&t, cells);
	}
	print_table(&t);
}

static void print_appliers(json_t *appliers)
{
	struct table t = {.ncols = 7};
	static const char *const head[] = {"APPLIER",      "STATE", "APPLIED",     "APPLIED/S",
	                                   "DEAD LETTERS", "LAG",   "LAST PROBLEM"};
	json_t *o, *p;
	size_t i, k;

	row(&t, head);
	json_array_foreach(appliers, i, o)
	{
		char applied[32], rate[32], dead[32], lag[32] = "-", prob[160];
		long long total = 0;
		bool known = false;
		json_array_foreach(json_object_get(o, "partitions"), k, p)
		{
			json_int_t l = json_integer_value(json_object_get(p, "lag"));
			known = known || l >= 0;
			total += l > 0 ? l : 0;
		}
		if (known)
			snprintf(lag, sizeof(lag), "%lld", total);
		number(o, "applied", applied, sizeof(applied));
		number(o, "applied_per_s", rate, sizeof(rate));
		number(o, "dead_letters", dead, sizeof(dead));
		problem(o, prob, sizeof(prob));
		const char *cells[] = {json_string_value(json_object_get(o, "name")),
		                       json_string_value(json_object_get(o, "state")),
		                       applied,
		                       rate,
		                       dead,
		                       lag,
		                       prob};
		row(&t, cells);
	}
	print_table(&t);
}

/* ------------------------------------------------------------------ the command */

static int run(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *path = NULL;
	bool json = false;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:jh", longopts, NULL)) != -1) {
		if (opt == 'c')
			path = optarg;
		else if (opt == 'j')
			json = true;
		else if (opt == 'h')
			return cmd_print_help(self());
		else
			return cmd_usage_error(self());
	}
	if (!path || optind != argc)
		return cmd_usage_error(self());
	struct config *cfg = cmd_load_config(path);
	if (!cfg)
		return EXIT_FAIL;
	json_t *all = overview_gather(cfg);
	if (json) {
		json_dumpf(all, stdout, JSON_COMPACT);
		printf("\n");
	} else {
		print_sources(json_object_get(all, "sources"));
		printf("\n");
		print_appliers(json_object_get(all, "appliers"));
	}
	json_decref(all);
	config_free(cfg);
	return EXIT_OK;
}

const struct command cmd_status_def = {
    "status",
    "show every source's and applier's state, position, lag and last problem",
    "status -c FILE [--json]",
    "  -c, --config FILE   the configuration file\n"
    "  -j, --json          one JSON object {sources: [...], appliers: [...]}\n"
    "  -h, --help          show this help\n\n"
    "For each source: its state (running, stopped, unresponsive: no word from its process\n"
    "for 45 s, or never started), position, lag (ms between a change's commit and its\n"
    "publication; for PostgreSQL also the bytes of WAL the slot has not confirmed), the WAL\n"
    "its slot retains, open gaps (trigger sources), changes/s and the last warning or error.\n"
    "For each applier: state, changes applied, applied/s, dead letters, the lag in messages\n"
    "over its partitions (--json: each partition's next offset, high watermark and lag) and\n"
    "the last warning or error. Processes write what they say of themselves to\n"
    "state_dir/run once a second; the database is asked when status runs.\n",
    run,
};

static const struct command *self(void)
{
	return &cmd_status_def;
}
