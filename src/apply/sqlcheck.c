/* sqlcheck: a rule's table against the live schema of a database target (see sqlcheck.h). */
#include "apply/sqlcheck.h"

#include "core/suggest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The rows of the columns and unique-index queries, as growing string lists. */
struct names {
	char **v;
	char **group; /* unique indexes: the index of each column; columns: "1" for key */
	int n, cap;
};

static int names_add(struct names *l, const char *name, const char *group)
{
	if (l->n == l->cap) {
		int cap = l->cap ? 2 * l->cap : 16;
		char **v = realloc(l->v, (size_t)cap * sizeof(*v));
		if (v)
			l->v = v;
		char **g = realloc(l->group, (size_t)cap * sizeof(*g));
		if (g)
			l->group = g;
		if (!v || !g)
			return -1;
		l->cap = cap;
	}
	l->v[l->n] = strdup(name);
	l->group[l->n] = strdup(group ? group : "");
	if (!l->v[l->n] || !l->group[l->n]) {
		free(l->v[l->n]);
		free(l->group[l->n]);
		return -1;
	}
	l->n++;
	return 0;
}

static void names_release(struct names *l)
{
	for (int i = 0; i < l->n; i++) {
		free(l->v[i]);
		free(l->group[i]);
	}
	free(l->v);
	free(l->group);
}

static int column_row(void *arg, int ncols, const char *const *vals, const size_t *lens, char *err,
                      size_t errlen)
{
	(void)lens;
	if (ncols < 4 || !vals[0] || names_add(arg, vals[0], vals[3]) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static int unique_row(void *arg, int ncols, const char *const *vals, const size_t *lens, char *err,
                      size_t errlen)
{
	(void)lens;
	if (ncols < 2 || !vals[0] || !vals[1] || names_add(arg, vals[1], vals[0]) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static bool listed(char *const *list, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(list[i], name) == 0)
			return true;
	return false;
}

/* True when the columns of L whose group is G are exactly KEY. */
static bool same_set(const struct names *l, const char *g, char *const *key, int nkey)
{
	int n = 0;

	for (int i = 0; i < l->n; i++) {
		if (strcmp(l->group[i], g) != 0)
			continue;
		if (!listed(key, nkey, l->v[i]))
			return false;
		n++;
	}
	return n == nkey;
}

/* How many distinct unique indexes L holds, and whether one of them is exactly KEY. */
static int count_unique(const struct names *l, char *const *key, int nkey, bool *match)
{
	int n = 0;

	*match = false;
	for (int i = 0; i < l->n; i++) {
		if (i > 0 && strcmp(l->group[i], l->group[i - 1]) == 0)
			continue;
		n++;
		*match = *match || same_set(l, l->group[i], key, nkey);
	}
	return n;
}

static int first_row(void *arg, int ncols, const char *const *vals, const size_t *lens, char *err,
                     size_t errlen)
{
	struct names *l = arg;

	(void)lens;
	if (l->n == 0 && ncols > 0 && vals[0] && names_add(l, vals[0], NULL) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* Splits "schema.table"; an unqualified name takes the session's current schema. */
static int split_table(struct db *db, const struct dialect *d, const char *table, char *schema,
                       size_t slen, const char **name, char *err, size_t errlen)
{
	const char *dot = strchr(table, '.');
	struct names cur = {0};

	if (dot) {
		snprintf(schema, slen, "%.*s", (int)(dot - table), table);
		*name = dot + 1;
		return 0;
	}
	*name = table;
	if (db_query(db, d->current_schema_query, NULL, 0, first_row, &cur, err, errlen) < 0)
		return -1;
	snprintf(schema, slen, "%s", cur.n ? cur.v[0] : "");
	names_release(&cur);
	return 0;
}

/* Each rule column must exist; the message suggests the nearest column name. */
static int check_columns(const struct names *have, const char *target, const char *table,
                         char *const *cols, int ncols, target_report_fn report, void *arg)
{
	char msg[512];
	int errors = 0;

	for (int i = 0; i < ncols; i++) {
		if (listed(have->v, have->n, cols[i]))
			continue;
		const char *near =
		    suggest_nearest(cols[i], (const char *const *)have->v, (size_t)have->n);
		snprintf(msg, sizeof(msg), "target %s: table %s has no column '%s'%s%s%s", target,
		         table, cols[i], near ? " (did you mean '" : "", near ? near : "",
		         near ? "'?)" : "");
		report(arg, true, msg);
		errors++;
	}
	return errors;
}

/* The key must be the primary key or a unique index, else upserts cannot find rows. */
static int check_key(const struct names *cols, const struct names *uniq, const struct dialect *d,
                     const char *target, const char *table, char *const *key, int nkey,
                     target_report_fn report, void *arg)
{
	char msg[512];
	bool match;
	int n = count_unique(uniq, key, nkey, &match);

	match = match || same_set(cols, "1", key, nkey);
	if (!match) {
		snprintf(msg, sizeof(msg),
		         "target %s: the rule's key (%s%s) is neither the primary key nor a unique "
		         "index of %s: upserts and deletes cannot find one row by it (add a unique "
		         "index on exactly those columns)",
		         target, key[0], nkey > 1 ? ", ..." : "", table);
		report(arg, true, msg);
		return 1;
	}
	if (d->upsert == UPSERT_ON_DUPLICATE && n > 1) {
		snprintf(
		    msg, sizeof(msg),
		    "target %s: %s has %d unique indexes: ON DUPLICATE KEY UPDATE matches any of "
		    "them, so a row colliding on another one than the rule's key is updated "
		    "instead of refused",
		    target, table, n);
		report(arg, false, msg);
	}
	return 0;
}

int sqlcheck_table(struct db *db, const struct dialect *d, const char *target, const char *table,
                   char *const *cols, int ncols, char *const *key, int nkey,
                   target_report_fn report, void *arg, char *err, size_t errlen)
{
	struct names have = {0}, uniq = {0};
	char schema[256], msg[512];
	const char *name;
	int errors = -1;

	if (split_table(db, d, table, schema, sizeof(schema), &name, err, errlen) < 0)
		goto out;
	const char *p[] = {schema, name};
	if (db_query(db, d->columns_query, p, 2, column_row, &have, err, errlen) < 0 ||
	    db_query(db, d->unique_query, p, 2, unique_row, &uniq, err, errlen) < 0)
		goto out;
	if (have.n == 0) {
		snprintf(msg, sizeof(msg),
		         "target %s: table %s does not exist (or the user cannot "
		         "see it)",
		         target, table);
		report(arg, true, msg);
		errors = 1;
		goto out;
	}
	errors = check_columns(&have, target, table, cols, ncols, report, arg);
	if (nkey > 0)
		errors += check_key(&have, &uniq, d, target, table, key, nkey, report, arg);
out:
	names_release(&have);
	names_release(&uniq);
	return errors;
}
